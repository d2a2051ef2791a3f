/** The layout the Resources and Prompts tabs share. */
import type { ReactNode } from 'react';

/** The server's list on the left; on the right, what the user opened from it (announced when it changes). */
export function CatalogPanes({ list, detail }: { readonly list: ReactNode; readonly detail: ReactNode }) {
  return (
    <div className="catalog">
      <div className="catalog-list">{list}</div>
      <div className="catalog-detail" aria-live="polite">
        {detail}
      </div>
    </div>
  );
}
