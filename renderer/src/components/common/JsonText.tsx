/** Any JSON value shown as selectable text (never as markup). */
import { toJsonText } from '../../lib/safe-content.ts';

/** Renders a value as pretty-printed JSON text. */
export function JsonText({ value, label }: { readonly value: unknown; readonly label?: string }) {
  return (
    <pre className="json selectable" aria-label={label} tabIndex={0}>
      {toJsonText(value)}
    </pre>
  );
}
