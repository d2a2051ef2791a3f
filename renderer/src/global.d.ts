import type { KeyportApi } from '../../preload/contract.ts';

declare global {
  interface Window {
    /** The preload's API; the only way the renderer reaches main. Use it through `bridge.ts`, not directly. */
    readonly keyport: KeyportApi;
  }
}
