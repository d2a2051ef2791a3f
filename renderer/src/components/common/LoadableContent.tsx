/** The visible phases of a {@link Loadable}, written once for every pane that fetches something from main. */
import type { ReactNode } from 'react';
import type { Loadable } from '../../lib/loadable.ts';
import { ErrorBox } from './ErrorBox.tsx';

/** Props of {@link LoadableContent}. */
export interface LoadableContentProps<T> {
  readonly loadable: Loadable<T> | undefined;
  /** Shown while the request is in flight (e.g. "Loading…"). */
  readonly loadingText: string;
  /** The title of the error box when the request failed (e.g. "Could not list the prompts"). */
  readonly errorTitle: string;
  /** Renders the value once it arrived. */
  readonly children: (value: T) => ReactNode;
}

/** "Working" text while loading, main's error when it failed, the value when it arrived; nothing before it is asked for. */
export function LoadableContent<T>({ loadable, loadingText, errorTitle, children }: LoadableContentProps<T>) {
  switch (loadable?.state) {
    case 'loading':
      return <p className="muted">{loadingText}</p>;
    case 'failed':
      return <ErrorBox error={loadable.error} title={errorTitle} />;
    case 'ready':
      return children(loadable.value);
    case 'idle':
    case undefined:
      return null;
  }
}
