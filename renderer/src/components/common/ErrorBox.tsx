/** An error as users see it: what happened and what to do next (main's message), with the stable code for support. */
import type { ReactNode } from 'react';
import type { IpcError } from '../../../../preload/contract.ts';

/** Renders an error; `children` adds actions (Retry, Edit settings…). */
export function ErrorBox({ error, title, children }: { readonly error: IpcError; readonly title?: string; readonly children?: ReactNode }) {
  return (
    <div className="error-box" role="alert">
      <p className="error-title">
        <span aria-hidden="true">✕ </span>
        {title ?? 'Something went wrong'} <code className="error-code">{error.code}</code>
      </p>
      <p className="selectable">{error.message}</p>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}
