/**
 * Steps 5–8 of a login (DESIGN.md) without a browser on this machine: the device authorization grant (RFC 8628). The
 * user enters a short code at the authorization server's verification page on any device; Keyport polls the token
 * endpoint, honouring `interval`, `slow_down` (+5 s, §3.5), `authorization_pending`, `access_denied`, `expired_token`
 * and cancel. The request carries `resource` and the scope as the code flow does. The device code is a secret: it is
 * registered with the trace recorder at once and never leaves the engine. Polls appear in the trace as one step with
 * a count (the first and the last exchange kept), not one step per poll.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenSetView } from '../../../preload/contract.ts';
import { DEVICE_CODE_GRANT, DEVICE_POLLING, pollDeviceCode, requestDeviceAuthorization, type DeviceAuthorization } from '../device-authorization.ts';
import { resourceToSend, withSentParameters } from '../compat.ts';
import { assertTokenTypeMatches } from '../dpop-decision.ts';
import { OAuthError, isOAuthError } from '../errors.ts';
import type { FetchFn } from '../http.ts';
import { HeldExchange, type FlowRecorder } from '../trace.ts';
import { tokenSetView } from '../views.ts';
import type { TokenEndpointResponse } from 'oauth4webapi';
import { placeTokenSet } from './accounts.ts';
import { chooseClient, tokenContext } from './client-identity.ts';
import { loginScope } from './code-flow.ts';
import { recordSecrets, settingsOf, type EngineContext } from './context.ts';
import { bindingFor, decideBinding, tokenBindingOf } from './dpop-binding.ts';
import type { ResolvedServer } from './resolve-server.ts';
import { buildRecord, saveNewTokenSet } from './token-sets.ts';
import { DEFAULT_ACCOUNT, type LoginOptions, type ServerTarget } from './types.ts';

/**
 * The redirect URI a client registered for a device sign-in carries (RFC 7591 needs one for the code flow the same
 * client may use later; loopback redirect URIs match on any port, RFC 8252 §7.3).
 */
export const DEVICE_REGISTRATION_REDIRECT_URI = 'http://127.0.0.1/callback';

/** Consecutive network failures while polling before the sign-in gives up (a dropped Wi-Fi is not a refusal). */
const MAX_POLL_NETWORK_FAILURES = 3;

/**
 * True when a browser can be opened on this machine: on Linux and the BSDs only inside a graphical session
 * (`DISPLAY` or `WAYLAND_DISPLAY`); macOS and Windows always have one.
 */
export function localBrowserAvailable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** How a login will sign the user in: decided, or `either` (device if the AS offers it, else the browser). */
export type PlannedMethod = 'browser' | 'device' | 'either';

/** The login's method from the options, the server's `signInMethod` and whether a browser can open here. */
export function plannedMethod(ctx: EngineContext, target: ServerTarget, options: LoginOptions): PlannedMethod {
  if (options.method) return options.method;
  const setting = settingsOf(target).signInMethod ?? 'browser';
  if (setting !== 'automatic') return setting;
  return (ctx.deps.browserAvailable?.() ?? true) ? 'browser' : 'either';
}

/** Whether the planned method ends up as the device grant at this authorization server. */
export function usesDeviceFlow(planned: PlannedMethod, as: AuthorizationServer): boolean {
  return planned === 'device' || (planned === 'either' && typeof as.device_authorization_endpoint === 'string');
}

/** Waits `ms`, or rejects with `cancelled` when the login is cancelled. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = (): void => {
      clearTimeout(timer);
      reject(new OAuthError('cancelled', 'The sign-in was cancelled. Start it again when you are ready.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (signal?.aborted) cancelled();
    else signal?.addEventListener('abort', cancelled, { once: true });
  });
}

/** Counts of one polling run, for the trace. */
interface PollCounts {
  polls: number;
  pending: number;
  slowDowns: number;
  interval: number;
}

function describePolls(c: PollCounts, outcome: string): string {
  const slow = c.slowDowns > 0 ? `, ${c.slowDowns} slow_down (now every ${c.interval} s)` : '';
  return `${c.polls} poll${c.polls === 1 ? '' : 's'}: ${c.pending} authorization_pending${slow}; ${outcome}`;
}

/** Polls until the user finishes, declines, the code expires or the login is cancelled (RFC 8628 §3.4–3.5). */
async function pollUntilDone(
  ctx: EngineContext,
  recorder: FlowRecorder,
  target: ServerTarget,
  tctx: Awaited<ReturnType<typeof tokenContext>>,
  device: DeviceAuthorization,
  issuer: string,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<TokenEndpointResponse> {
  const counts: PollCounts = { polls: 0, pending: 0, slowDowns: 0, interval: device.interval };
  let networkFailures = 0;
  try {
    return await recorder.step(
      'device-polling',
      async () => {
        for (;;) {
          await wait(counts.interval * 1000, signal);
          if (ctx.now() >= deadline) {
            throw new OAuthError('login_timeout', 'The device code expired before the sign-in was finished. Start it again and enter the new code in time.');
          }
          const held = new HeldExchange(recorder.publishing);
          counts.polls += 1;
          const keep = (): void => recorder.adopt(held);
          if (counts.polls === 1) keep();
          let answer;
          try {
            answer = await pollDeviceCode({ ...tctx, fetch: ctx.traced(held) }, device.deviceCode);
          } catch (err) {
            if (counts.polls > 1) keep();
            if (isOAuthError(err, 'network') && ++networkFailures < MAX_POLL_NETWORK_FAILURES) continue;
            throw err;
          }
          networkFailures = 0;
          if (answer.kind === 'authorization_pending') {
            counts.pending += 1;
            continue;
          }
          if (answer.kind === 'slow_down') {
            counts.slowDowns += 1;
            counts.interval = Math.min(counts.interval + DEVICE_POLLING.slowDownIncrementS, DEVICE_POLLING.maxIntervalS);
            ctx.emitState(target.serverUrl, awaitingDevice(issuer, device, deadline, counts.interval));
            continue;
          }
          recordSecrets(recorder, [answer.tokens.access_token, answer.tokens.refresh_token, answer.tokens.id_token]);
          if (counts.polls > 1) keep();
          return answer.tokens;
        }
      },
      () => describePolls(counts, 'tokens issued'),
    );
  } catch (err) {
    recorder.note('device-polling-summary', describePolls(counts, isOAuthError(err) ? err.code : 'failed'));
    throw err;
  }
}

function awaitingDevice(issuer: string, device: DeviceAuthorization, expiresAt: number, interval: number) {
  return {
    state: 'awaiting-device' as const,
    issuer,
    userCode: device.userCode,
    verificationUri: device.verificationUri,
    ...(device.verificationUriComplete !== undefined ? { verificationUriComplete: device.verificationUriComplete } : {}),
    expiresAt,
    interval,
  };
}

/** Runs the device authorization grant for a resolved server and stores the token set it yields. */
export async function deviceAuthorizationLogin(
  ctx: EngineContext,
  recorder: FlowRecorder,
  target: ServerTarget,
  resolved: ResolvedServer,
  fetchFn: FetchFn,
  options: LoginOptions,
): Promise<TokenSetView> {
  const settings = settingsOf(target);
  const { as } = resolved;
  if (!as.device_authorization_endpoint) {
    throw new OAuthError('unsupported', `The authorization server ${as.issuer} does not offer device sign-in (RFC 8628). Choose browser sign-in in the server settings, or sign in with --no-browser and paste the address back.`);
  }
  const scope = loginScope(target, resolved, options);
  recorder.note('scope', scope ? `requesting "${scope}"` : 'no scope requested');
  const decision = decideBinding(ctx, recorder, target, resolved);
  const dpopPromise = bindingFor(ctx, decision);
  dpopPromise.catch(() => undefined);
  // A client Keyport registered before it asked for the device grant cannot use it: register a new one.
  const stored = await ctx.store.getRegistration(as.issuer);
  const lacksGrant = stored?.kind === 'dynamic' && stored.grantTypes !== undefined && !stored.grantTypes.includes(DEVICE_CODE_GRANT);
  if (lacksGrant && !settings.clientId) recorder.note('registration-replaced', `client ${stored.clientId} was not registered for the device grant; registering again`);
  const { registration } = await chooseClient(ctx, recorder, target, as, fetchFn, DEVICE_REGISTRATION_REDIRECT_URI, scope, lacksGrant, options.signal);
  const dpop = await dpopPromise;
  const tctx = await tokenContext(as, registration, target, fetchFn, dpop.handle, options.signal);
  const resource = resourceToSend(settings, resolved.resource);
  const device = await recorder.step(
    'device-authorization',
    async () => {
      const d = await requestDeviceAuthorization(tctx, { scope, resource, audience: settings.audience });
      recorder.addSecret(d.deviceCode);
      return d;
    },
    (d) => `user code issued at ${new URL(d.verificationUri).host}; expires in ${d.expiresIn} s; poll every ${d.interval} s`,
  );
  const started = ctx.now();
  const expiresAt = started + device.expiresIn * 1000;
  const deadline = options.timeoutMs !== undefined ? Math.min(expiresAt, started + options.timeoutMs) : expiresAt;
  ctx.emitState(target.serverUrl, awaitingDevice(as.issuer, device, expiresAt, device.interval));
  const tokens = await pollUntilDone(ctx, recorder, target, tctx, device, as.issuer, deadline, options.signal);
  assertTokenTypeMatches(dpop.decision, tokens.token_type);
  ctx.emitState(target.serverUrl, { state: 'requesting-token', issuer: as.issuer, grant: 'device_code' });
  const fresh = buildRecord(ctx, target, resolved, registration, options.account ?? DEFAULT_ACCOUNT, tokens, scope, resource !== undefined, dpop.key, tokenBindingOf(dpop));
  const record = await placeTokenSet(ctx, recorder, target, fresh, options);
  await saveNewTokenSet(ctx, withSentParameters(record, { resource, audience: settings.audience }));
  return tokenSetView(record);
}
