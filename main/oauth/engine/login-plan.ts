/**
 * Consent you can read (issue 14): before the browser opens, discovery (steps 1–3) runs on its own and says which
 * scopes a login would request, where each comes from, and what it means — the same choice `selectScope` makes in the
 * login, spelt out scope by scope. The user may then untick the optional ones and sign in with exactly the rest
 * (`login(target, { scope, exactScope: true })`). Nothing is registered, stored or opened, and no flow is published.
 */
import type { LoginPlanView, PlannedScopeView } from '../../../preload/contract.ts';
import { splitScope } from '../authorize.ts';
import { describeScope, serverScopeDescriptions } from '../scope-descriptions.ts';
import { FlowRecorder } from '../trace.ts';
import type { ChallengeInfo } from '../www-authenticate.ts';
import { settingsOf, type EngineContext } from './context.ts';
import { resolveServer } from './resolve-server.ts';
import type { ServerTarget } from './types.ts';

/** Options of {@link planLogin}. */
export interface PlanLoginOptions {
  /** The challenge of a 401/403 that calls for this login (its `scope` comes first, as in the login). */
  readonly challenge?: ChallengeInfo;
  readonly signal?: AbortSignal;
}

/**
 * Runs discovery and lists the scopes a login would request: the settings' scope, else the challenge's, else the
 * resource's `scopes_supported`, plus `offline_access` when the authorization server offers it. Scopes the server or
 * the settings asked for are required; the rest may be left out.
 */
export async function planLogin(ctx: EngineContext, target: ServerTarget, options: PlanLoginOptions = {}): Promise<LoginPlanView> {
  const recorder = new FlowRecorder('login', target.serverUrl, ctx.now);
  const resolved = await resolveServer(ctx, recorder, target, ctx.traced(), options.challenge, options.signal);
  const settingsScope = settingsOf(target).scope;
  const challengeScope = options.challenge?.scope ?? resolved.challenge?.scope;
  let chosen: { readonly scopes: readonly string[]; readonly source: PlannedScopeView['source'] } = { scopes: [], source: 'resource' };
  if (settingsScope?.trim()) chosen = { scopes: splitScope(settingsScope), source: 'settings' };
  else if (challengeScope?.trim()) chosen = { scopes: splitScope(challengeScope), source: 'challenge' };
  else if (resolved.prm?.scopes_supported?.length) chosen = { scopes: resolved.prm.scopes_supported.filter((s): s is string => typeof s === 'string'), source: 'resource' };
  const described = serverScopeDescriptions(resolved.prm, resolved.as);
  const required = chosen.source !== 'resource';
  const planned = new Map<string, PlannedScopeView>();
  const add = (scope: string, source: PlannedScopeView['source'], isRequired: boolean): void => {
    if (planned.has(scope)) return;
    const d = describeScope(scope, described);
    planned.set(scope, { scope, source, required: isRequired, ...(d ? { description: d.description, describedBy: d.describedBy } : {}) });
  };
  for (const scope of chosen.scopes) add(scope, chosen.source, required && scope !== 'offline_access');
  // As selectScope does: offline_access joins a request that asks for something, when the AS lists it.
  if (planned.size > 0 && resolved.as.scopes_supported?.includes('offline_access')) add('offline_access', 'as', false);
  return { issuer: resolved.as.issuer, resource: resolved.resource, scopes: [...planned.values()] };
}
