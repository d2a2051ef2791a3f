/**
 * The renderer's single door to main. Unwraps `IpcResult`s into values or `BridgeError`s with the stable code from
 * main, so store actions can branch on codes. Only store actions call this module.
 */
import type { IpcError, IpcResult, KeyportApi } from '../../preload/contract.ts';

/** A failed request, carrying main's stable code and its user-facing message. */
export class BridgeError extends Error {
  readonly code: string;
  constructor(error: IpcError) {
    super(error.message);
    this.name = 'BridgeError';
    this.code = error.code;
  }
}

/** The preload's API, or a clear error when the page runs outside Keyport (e.g. opened in a plain browser). */
export function api(): KeyportApi {
  const keyport = (window as Partial<Window>).keyport;
  if (!keyport) {
    throw new BridgeError({ code: 'bridge_missing', message: 'Keyport’s bridge is not available in this window.' });
  }
  return keyport;
}

/** Awaits a request and returns its value, or throws a {@link BridgeError}. */
export async function unwrap<T>(pending: Promise<IpcResult<T>>): Promise<T> {
  const result = await pending;
  if (result.ok) return result.value;
  throw new BridgeError(result.error);
}

/** Reduces anything thrown to `{code, message}` for display. */
export function describeError(error: unknown): IpcError {
  if (error instanceof BridgeError) return { code: error.code, message: error.message };
  return { code: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}
