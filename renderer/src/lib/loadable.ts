/** A value fetched from main, as a closed union so components handle every phase. */
import type { IpcError } from '../../../preload/contract.ts';

/** Something being fetched: not yet asked for, in flight, arrived, or failed with a typed error. */
export type Loadable<T> =
  | { readonly state: 'idle' }
  | { readonly state: 'loading'; readonly previous?: T }
  | { readonly state: 'ready'; readonly value: T }
  | { readonly state: 'failed'; readonly error: IpcError };

/** The idle value, shared so selectors return a stable reference. */
export const idle: Loadable<never> = { state: 'idle' };

/** The value of a loadable when it has one (also while reloading). */
export function valueOf<T>(loadable: Loadable<T> | undefined): T | undefined {
  if (!loadable) return undefined;
  switch (loadable.state) {
    case 'ready':
      return loadable.value;
    case 'loading':
      return loadable.previous;
    case 'idle':
    case 'failed':
      return undefined;
  }
}
