/**
 * The one code path every IPC request goes through, whatever carried it (Electron's `ipcMain.handle` in the app, the
 * Chromium test harness in tests): check the sender, validate the arguments against the contract, call the handler,
 * and turn the outcome into a serialisable `IpcResult`. Nothing here imports `electron`, so it runs under plain Node.
 */
import type { IpcError, IpcResult, RequestArgs, RequestChannel, RequestResult } from '../../preload/contract.ts';
import { requestSchemas } from '../../preload/contract.ts';

/** What main knows about who sent a message: enough to decide whether to trust it. */
export interface SenderInfo {
  /** `webContents.id` of the sender. */
  readonly webContentsId: number;
  /** URL of the frame that sent it, if the frame still exists. */
  readonly frameUrl: string | undefined;
  /** Whether the sending frame is the top-level frame (subframes are never trusted). */
  readonly isMainFrame: boolean;
}

/** Decides whether a sender is the app's own window; everything else is refused before validation. */
export type SenderPolicy = (sender: SenderInfo) => boolean;

/** One handler per request channel, typed by the contract; a missing or extra key is a type error. */
export type Handlers = {
  readonly [C in RequestChannel]: (...args: RequestArgs<C>) => Promise<RequestResult<C>>;
};

/** Stable codes for failures that happen before or around a handler, so the UI can branch on them. */
export const ipcErrorCodes = {
  untrustedSender: 'ipc_untrusted_sender',
  unknownChannel: 'ipc_unknown_channel',
  invalidArguments: 'ipc_invalid_arguments',
  internal: 'internal_error',
} as const;

/** Signature of the function returned by {@link createDispatcher}. */
export type Dispatch = (channel: string, sender: SenderInfo, args: readonly unknown[]) => Promise<IpcResult<unknown>>;

/** Options for {@link createDispatcher}. */
export interface DispatcherOptions {
  /** Called with refusals and unexpected errors. Receives codes and channel names only, never payloads. */
  readonly onProblem?: (problem: { readonly channel: string; readonly code: string; readonly detail?: string }) => void;
}

/**
 * Builds the dispatcher over a complete handler table and a sender policy.
 * Why a single function: the app and the test harness must exercise exactly the same checks.
 */
export function createDispatcher(handlers: Handlers, isTrusted: SenderPolicy, options: DispatcherOptions = {}): Dispatch {
  const report = options.onProblem ?? (() => undefined);
  return async (channel, sender, args) => {
    if (!isTrusted(sender)) {
      report({ channel, code: ipcErrorCodes.untrustedSender });
      return failure(ipcErrorCodes.untrustedSender, 'This request did not come from the Keyport window and was refused.');
    }
    if (!Object.hasOwn(requestSchemas, channel)) {
      report({ channel, code: ipcErrorCodes.unknownChannel });
      return failure(ipcErrorCodes.unknownChannel, `Keyport does not know the request "${String(channel).slice(0, 64)}".`);
    }
    const known = channel as RequestChannel;
    const parsed = requestSchemas[known].safeParse(args);
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      const path = where ? where.path.join('.') : '';
      report({ channel, code: ipcErrorCodes.invalidArguments, detail: path });
      return failure(
        ipcErrorCodes.invalidArguments,
        `The request "${known}" was malformed${path ? ` (at ${path})` : ''}: ${where?.message ?? 'invalid arguments'}.`,
      );
    }
    try {
      const handler = handlers[known] as (...a: readonly unknown[]) => Promise<unknown>;
      const value = await handler(...(parsed.data as readonly unknown[]));
      return { ok: true, value };
    } catch (error) {
      const typed = toIpcError(error);
      if (typed.code === ipcErrorCodes.internal) report({ channel, code: typed.code });
      return { ok: false, error: typed };
    }
  };
}

/**
 * Turns anything thrown by a handler into `{code, message}`. Errors that carry a string `code` are Keyport's typed
 * errors, whose messages are written for users and hold no secrets; anything else becomes a generic internal error so
 * that no stray detail (which might hold a secret) crosses to the window.
 */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    const code = (error as Error & { code: string }).code;
    if (/^[a-z][a-z0-9_]{1,63}$/.test(code)) return { code, message: error.message };
  }
  return {
    code: ipcErrorCodes.internal,
    message: 'Something went wrong inside Keyport. Try again; if it keeps happening, restart the app.',
  };
}

function failure(code: string, message: string): IpcResult<never> {
  return { ok: false, error: { code, message } };
}
