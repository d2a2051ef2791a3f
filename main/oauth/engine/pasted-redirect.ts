/**
 * The redirected address pasted back (issue 13): where the browser that finished signing in cannot reach the loopback
 * (another machine, a container, SSH), the user copies the address it ended on and pastes it into Keyport. The login
 * waiting for it registers its loopback receiver here; a pasted address goes to that receiver, which checks it exactly
 * like a callback (state, `iss`, single use). Whichever arrives first wins; the other is refused. Nothing here ever
 * repeats the pasted text.
 */
import type { CallbackServer } from '../callback-server.ts';
import type { EngineContext } from './context.ts';
import type { PastedRedirectResult, ServerTarget } from './types.ts';

interface Waiting {
  readonly account: string;
  readonly callback: CallbackServer;
}

/** Logins waiting for their redirect, per engine and server URL. */
const waitingByEngine = new WeakMap<EngineContext, Map<string, Waiting[]>>();

function waitingOf(ctx: EngineContext): Map<string, Waiting[]> {
  let map = waitingByEngine.get(ctx);
  if (!map) {
    map = new Map();
    waitingByEngine.set(ctx, map);
  }
  return map;
}

/** Makes a login's receiver reachable for pasted addresses until the returned function is called. */
export function acceptPastedRedirects(ctx: EngineContext, serverUrl: string, account: string, callback: CallbackServer): () => void {
  const map = waitingOf(ctx);
  const entry: Waiting = { account, callback };
  map.set(serverUrl, [...(map.get(serverUrl) ?? []), entry]);
  return () => {
    const rest = (map.get(serverUrl) ?? []).filter((w) => w !== entry);
    if (rest.length === 0) map.delete(serverUrl);
    else map.set(serverUrl, rest);
  };
}

/** The fixed refusals of this module (the receiver's own refusals come with their reason). */
const NOT_WAITING: PastedRedirectResult = {
  accepted: false,
  reason: 'no-sign-in-pending',
  message: 'No sign-in is waiting for a pasted address. Start signing in first, then paste the address your browser ended on.',
};
const AMBIGUOUS: PastedRedirectResult = {
  accepted: false,
  reason: 'several-sign-ins-pending',
  message: 'Several sign-ins to this server are waiting. Name the account the pasted address belongs to.',
};

/** Hands a pasted address to the login waiting for this server (and account, when several are waiting). */
export function submitPastedRedirect(ctx: EngineContext, target: ServerTarget, address: string, account?: string): PastedRedirectResult {
  const candidates = (waitingOf(ctx).get(target.serverUrl) ?? []).filter((w) => account === undefined || w.account === account);
  if (candidates.length === 0) return NOT_WAITING;
  if (candidates.length > 1) return AMBIGUOUS;
  const result = candidates[0]!.callback.submitPasted(address);
  return result.accepted ? { accepted: true } : { accepted: false, ...(result.reason !== undefined ? { reason: result.reason } : {}), ...(result.message !== undefined ? { message: result.message } : {}) };
}
