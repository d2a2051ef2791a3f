/**
 * One MCP content block, rendered by type and always inert: text as text, images only from `data:` URIs of image
 * types, audio from `data:` URIs of audio types, links opened by main after a scheme check, resources as text.
 */
import type { ContentView, ResourceContentsView } from '../../../../preload/contract.ts';
import { audioDataUri, imageDataUri, isOpenableLink, toJsonText } from '../../lib/safe-content.ts';
import { useKeyport } from '../../store/index.ts';

/** Text that looks like JSON is pretty-printed; everything else is shown as is. */
function TextContent({ text }: { readonly text: string }) {
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
    try {
      return <pre className="json selectable content-text">{toJsonText(JSON.parse(trimmed))}</pre>;
    } catch {
      // not JSON after all: fall through
    }
  }
  return <pre className="selectable content-text server-text">{text}</pre>;
}

/** A server-provided link: opened only through main, only for http(s); anything else is shown, not clickable. */
export function SafeLink({ uri, children }: { readonly uri: string; readonly children: string }) {
  const openLink = useKeyport((s) => s.openLink);
  const readLinked = useKeyport((s) => s.readLinkedResource);
  if (!isOpenableLink(uri)) {
    // Not a web link: never handed to a browser; it can be read as an MCP resource from the server.
    return (
      <span className="selectable" title="Keyport does not open this kind of link in a browser">
        {children}{' '}
        <button type="button" className="link-button" onClick={() => void readLinked(uri)} aria-label={`Read resource ${uri}`}>
          Read resource
        </button>
      </span>
    );
  }
  return (
    <button type="button" className="link-button" onClick={() => void openLink(uri)} title={uri}>
      {children}
    </button>
  );
}

/** A resource's contents (embedded in a result, or read from the Resources tab). */
export function ResourceContents({ contents }: { readonly contents: ResourceContentsView }) {
  switch (contents.kind) {
    case 'text':
      return (
        <div className="resource-contents">
          <p className="muted selectable">
            {contents.uri} {contents.mimeType && `(${contents.mimeType})`}
          </p>
          <TextContent text={contents.text} />
        </div>
      );
    case 'blob': {
      const image = contents.mimeType ? imageDataUri(contents.mimeType, contents.blob) : undefined;
      return (
        <div className="resource-contents">
          <p className="muted selectable">
            {contents.uri} {contents.mimeType && `(${contents.mimeType})`} — {Math.round((contents.blob.length * 3) / 4)} bytes
          </p>
          {image && <img src={image} alt={`Image from ${contents.uri}`} className="content-image" />}
        </div>
      );
    }
  }
}

/** Renders one block; the exhaustive switch covers every type MCP defines. */
export function ContentBlock({ block }: { readonly block: ContentView }) {
  switch (block.type) {
    case 'text':
      return <TextContent text={block.text} />;
    case 'image': {
      const src = imageDataUri(block.mimeType, block.data);
      return src ? (
        <img src={src} alt={`Image (${block.mimeType}) returned by the tool`} className="content-image" />
      ) : (
        <p className="muted">An image of type {block.mimeType} that Keyport does not display.</p>
      );
    }
    case 'audio': {
      const src = audioDataUri(block.mimeType, block.data);
      return src ? (
        <audio controls src={src} aria-label={`Audio (${block.mimeType}) returned by the tool`} />
      ) : (
        <p className="muted">Audio of type {block.mimeType} that Keyport does not play.</p>
      );
    }
    case 'resource_link':
      return (
        <div className="resource-link">
          <span aria-hidden="true">🔗 </span>
          <SafeLink uri={block.uri}>{block.title ?? block.name}</SafeLink>
          {block.description && <span className="muted server-text"> — {block.description}</span>}
          <span className="muted selectable"> {block.uri}</span>
          {block.mimeType && <span className="muted"> ({block.mimeType})</span>}
        </div>
      );
    case 'resource':
      return <ResourceContents contents={block.resource} />;
  }
}
