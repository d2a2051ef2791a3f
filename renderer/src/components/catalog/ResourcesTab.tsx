/** Resources: the server's resources (Read) and templates (fill the arguments, then Read). */
import { useEffect } from 'react';
import { useKeyport } from '../../store/index.ts';
import { ResourceContents } from '../common/ContentBlock.tsx';
import { LoadableContent } from '../common/LoadableContent.tsx';
import { CatalogPanes } from './CatalogPanes.tsx';
import { TemplateForm } from './TemplateForm.tsx';

/** The Resources tab of one server. */
export function ResourcesTab({ serverId }: { readonly serverId: string }) {
  const catalog = useKeyport((s) => s.resources[serverId]);
  const read = useKeyport((s) => s.resourceReads[serverId]);
  const load = useKeyport((s) => s.loadResources);
  const readResource = useKeyport((s) => s.readResource);
  useEffect(() => {
    void load(serverId);
  }, [serverId, load]);

  return (
    <CatalogPanes
      list={
        <LoadableContent loadable={catalog} loadingText="Loading…" errorTitle="Could not list the resources">
          {({ resources, templates }) => (
            <>
              <h3>Resources</h3>
              {resources.length === 0 ? (
                <p className="muted">No resources.</p>
              ) : (
                <ul className="plain-list">
                  {resources.map((r) => (
                    <li key={r.uri}>
                      <button type="button" className="link-button" onClick={() => void readResource(serverId, r.uri)}>
                        {r.title ?? r.name}
                      </button>{' '}
                      <span className="muted selectable">{r.uri}</span>
                      {r.description && <p className="muted server-text">{r.description}</p>}
                    </li>
                  ))}
                </ul>
              )}
              <h3>Templates</h3>
              {templates.length === 0 ? (
                <p className="muted">No templates.</p>
              ) : (
                templates.map((t) => <TemplateForm key={t.uriTemplate} template={t} onRead={(uri) => void readResource(serverId, uri)} />)
              )}
            </>
          )}
        </LoadableContent>
      }
      detail={
        <LoadableContent loadable={read} loadingText="Reading…" errorTitle="Could not read the resource">
          {(contents) => (
            <section aria-label="Resource contents">
              <h3 className="selectable">{contents.uri}</h3>
              {contents.contents.map((c, i) => (
                <ResourceContents key={i} contents={c} />
              ))}
            </section>
          )}
        </LoadableContent>
      }
    />
  );
}
