/**
 * The login orchestrator: one flow per server and account at a time, driven through the closed union of login states
 * (`discovering` → `registering` → `awaiting-user` | `awaiting-device` → `exchanging-code` | `requesting-token` →
 * `signed-in` | `failed`), with a flow trace for the timeline. The steps themselves live in resolve-server.ts,
 * code-flow.ts, device-flow.ts and machine-logins.ts.
 */
import type { TokenSetView } from '../../../preload/contract.ts';
import { OAuthError } from '../errors.ts';
import { toOAuthError } from '../grants.ts';
import type { FlowKind } from '../trace.ts';
import { authorizationCodeLogin, startCallback } from './code-flow.ts';
import { serverAccountKey, settingsOf, type EngineContext } from './context.ts';
import { deviceAuthorizationLogin, plannedMethod, usesDeviceFlow } from './device-flow.ts';
import { clientCredentialsLogin } from './machine-logins.ts';
import { resolveServer } from './resolve-server.ts';
import { DEFAULT_ACCOUNT, type LoginOptions, type ServerTarget } from './types.ts';

/** Signs in to a server; a login already running for the same server and account is joined, not repeated. */
export function login(ctx: EngineContext, target: ServerTarget, options: LoginOptions = {}): Promise<TokenSetView> {
  // Adding another account is its own login: it must not join (or be joined by) a sign-in of the current account.
  const key = serverAccountKey(target.serverUrl, `${options.account ?? DEFAULT_ACCOUNT}${options.addAccount ? '\u0000new' : ''}`);
  const pending = ctx.pendingLogins.get(key);
  if (pending) return pending;
  const p = runLogin(ctx, target, options).finally(() => ctx.pendingLogins.delete(key));
  ctx.pendingLogins.set(key, p);
  return p;
}

async function runLogin(ctx: EngineContext, target: ServerTarget, options: LoginOptions): Promise<TokenSetView> {
  const mode = settingsOf(target).mode ?? 'automatic';
  if (mode === 'none') throw new OAuthError('unsupported', 'This server is configured without authorization. Change its sign-in mode in the settings to sign in.');
  const kind: FlowKind = mode === 'client-credentials' ? 'client-credentials' : 'login';
  const recorder = ctx.newRecorder(kind, target);
  const fetchFn = ctx.traced(recorder);
  ctx.emitStatus(target.serverUrl, { state: 'signing-in', since: ctx.now() });
  ctx.emitState(target.serverUrl, { state: 'discovering', serverUrl: target.serverUrl });
  // The loopback listener starts while discovery runs (it is needed for the registration's redirect URI).
  const planned = mode === 'client-credentials' ? 'browser' : plannedMethod(ctx, target, options);
  const callbackStart = mode === 'client-credentials' || planned === 'device' ? undefined : startCallback(ctx, target, options);
  callbackStart?.catch(() => undefined);
  try {
    const resolved = await resolveServer(ctx, recorder, target, fetchFn, options.challenge, options.signal).catch(async (err: unknown) => {
      const cb = await callbackStart?.catch(() => undefined);
      cb?.cancel();
      await cb?.close();
      throw err;
    });
    ctx.emitStatus(target.serverUrl, { state: 'signing-in', authorizationServer: resolved.as.issuer, since: ctx.now() });
    let view: TokenSetView;
    if (mode === 'client-credentials') view = await clientCredentialsLogin(ctx, recorder, target, resolved, fetchFn, options);
    else if (usesDeviceFlow(planned, resolved.as) || !callbackStart) {
      void callbackStart?.then(async (cb) => {
        cb.cancel();
        await cb.close();
      }, () => undefined);
      view = await deviceAuthorizationLogin(ctx, recorder, target, resolved, fetchFn, options);
    } else view = await authorizationCodeLogin(ctx, recorder, target, resolved, fetchFn, options, await callbackStart, false);
    recorder.finish('ok');
    ctx.emitState(target.serverUrl, { state: 'signed-in', tokenSet: view });
    ctx.emitStatus(target.serverUrl, { state: 'connected', since: ctx.now() });
    return view;
  } catch (err) {
    const e = err instanceof OAuthError ? err : toOAuthError(err, 'sign-in');
    recorder.finish('failed');
    const ipc = { code: e.code, message: recorder.redactText(e.message) };
    ctx.emitState(target.serverUrl, { state: 'failed', error: ipc });
    ctx.emitStatus(target.serverUrl, { state: 'error', error: ipc });
    throw e;
  }
}
