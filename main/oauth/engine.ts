/**
 * The OAuth engine: the login orchestrator (a closed union of states), the token lifecycle (proactive and reactive
 * refresh, single-flight per token family, revocation, introspection), mid-session challenges (401, 403
 * insufficient_scope step-up) and the authenticated `fetch` the MCP SDK transport uses. Side effects are injected.
 * The sequence is DESIGN.md's "The login, step by step"; each step is one module of `engine/` (see README.md), and
 * this file only wires them to the public API.
 */
import { tokenSetView } from './views.ts';
import { listAccounts } from './engine/accounts.ts';
import { authorizedFetch } from './engine/authorized-fetch.ts';
import { createEngineContext } from './engine/context.ts';
import { assertionLogin, idJagLogin } from './engine/machine-logins.ts';
import { login } from './engine/login.ts';
import { planLogin } from './engine/login-plan.ts';
import { submitPastedRedirect } from './engine/pasted-redirect.ts';
import { refresh } from './engine/refresh.ts';
import { forgetServer } from './engine/removal.ts';
import { deleteManagedRegistration, forgetRegistration, readManagedRegistration, updateManagedRegistration } from './engine/registration-admin.ts';
import { findRecord } from './engine/token-sets.ts';
import { introspect, logout, status } from './engine/token-admin.ts';
import type { OAuthEngine, OAuthEngineDeps } from './engine/types.ts';


/** Creates the engine. */
export function createOAuthEngine(deps: OAuthEngineDeps): OAuthEngine {
  const ctx = createEngineContext(deps);
  return {
    login: (target, options) => login(ctx, target, options),
    loginWithIdJag: (target, input) => idJagLogin(ctx, target, input),
    loginWithJwtBearer: (target, input) => assertionLogin(ctx, target, input.account, input.signal, async () => input.assertion, 'jwt-bearer'),
    authorizedFetch: (target, options) => authorizedFetch(ctx, target, options),
    refresh: (target, options) => refresh(ctx, target, options),
    logout: (target, options) => logout(ctx, target, options),
    introspect: (target, options) => introspect(ctx, target, options),
    tokenSetView: async (target, options = {}) => {
      const r = await findRecord(ctx, target, options.account);
      return r ? tokenSetView(r) : undefined;
    },
    status: (target, options) => status(ctx, target, options),
    readRegistration: (target) => readManagedRegistration(ctx, target),
    updateRegistration: (target, metadata) => updateManagedRegistration(ctx, target, metadata),
    deleteRegistration: (target) => deleteManagedRegistration(ctx, target),
    forgetRegistration: (target) => forgetRegistration(ctx, target),
    submitRedirect: (target, address, options = {}) => submitPastedRedirect(ctx, target, address, options.account),
    accounts: (target) => listAccounts(ctx, target),
    planLogin: (target, options) => planLogin(ctx, target, options),
    forgetServer: (target, options) => forgetServer(ctx, target, options),
  };
}
