/** Resources: the server's resources (Read) and templates (fill the arguments, then Read). */
import { useEffect } from 'react';
import { useKeyport } from '../../store/index.ts';
import { ErrorBox } from '../common/ErrorBox.tsx';
import { ResourceContents } from '../common/ContentBlock.tsx';
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
    <div className="catalog">
      <div className="catalog-list">
        {catalog?.state === 'failed' && <ErrorBox error={catalog.error} title="Could not list the resources" />}
        {catalog?.state === 'loading' && <p className="muted">Loading…</p>}
        {catalog?.state === 'ready' && (
          <>
            <h3>Resources</h3>
            {catalog.value.resources.length === 0 ? (
              <p className="muted">No resources.</p>
            ) : (
              <ul className="plain-list">
                {catalog.value.resources.map((r) => (
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
            {catalog.value.templates.length === 0 ? (
              <p className="muted">No templates.</p>
            ) : (
              catalog.value.templates.map((t) => (
                <TemplateForm key={t.uriTemplate} template={t} onRead={(uri) => void readResource(serverId, uri)} />
              ))
            )}
          </>
        )}
      </div>
      <div className="catalog-detail" aria-live="polite">
        {read?.state === 'loading' && <p className="muted">Reading…</p>}
        {read?.state === 'failed' && <ErrorBox error={read.error} title="Could not read the resource" />}
        {read?.state === 'ready' && (
          <section aria-label="Resource contents">
            <h3 className="selectable">{read.value.uri}</h3>
            {read.value.contents.map((c, i) => (
              <ResourceContents key={i} contents={c} />
            ))}
          </section>
        )}
      </div>
    </div>
  );
}
