/**
 * Signing in and out, step-up, and the tokens Keyport holds. The window gets views; a raw token leaves main only to
 * the clipboard, or on an explicit per-token Reveal (the user's own action, like `keyport token --reveal`).
 */
import type { ServerConfig } from '../config/schema.ts';
import { KeyportError } from '../errors.ts';
import type { AuthService } from '../ipc/handlers.ts';
import { CALLBACK_PATH, DEFAULT_ACCOUNT, type ServerTarget } from '../oauth/index.ts';
import type { AppContext } from './context.ts';

interface PendingSignIn {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
  authorizationUrl?: string;
}


/** The auth service over the shared context; also returns the hook the engine's login-state callback feeds. */
export function createAuthService(context: AppContext): {
  readonly service: AuthService;
  readonly onAuthorizationUrl: (serverId: string, url: string) => void;
  /** Cancels every sign-in still waiting and waits until each has cleaned up (callback server, locks). */
  readonly dispose: () => Promise<void>;
} {
  const { core } = context;
  const pending = new Map<string, PendingSignIn>();

  async function httpServer(id: string): Promise<{ server: ServerConfig; target: ServerTarget }> {
    const server = await core.server(id);
    return { server, target: await core.target(server) };
  }

  async function publishTokens(id: string, target: ServerTarget): Promise<void> {
    const tokenSet = (await core.engine().tokenSetView(target)) ?? null;
    context.emit('tokens:onChanged', { serverId: id, tokenSet });
  }

  async function reconnect(id: string): Promise<void> {
    await context.dropConnection(id);
    try {
      await context.connected(id);
    } catch {
      // The connection reports its own status (error / needs sign-in); signing in itself succeeded.
    }
  }

  async function rawToken(id: string, kind: 'access' | 'refresh' | 'id'): Promise<string> {
    const { target } = await httpServer(id);
    const view = await core.engine().tokenSetView(target);
    if (!view) throw new KeyportError('not_signed_in', 'You are not signed in to this server. Sign in first.');
    const record = await core
      .secrets()
      .credentials.getTokenSet({ issuer: view.issuer, resource: view.resource, account: DEFAULT_ACCOUNT });
    const value = kind === 'access' ? record?.accessToken : kind === 'refresh' ? record?.refreshToken : record?.idToken;
    if (value === undefined) throw new KeyportError('not_signed_in', `Keyport holds no ${kind} token for this server.`);
    return value;
  }

  async function signIn(id: string, scope?: string) {
    const existing = pending.get(id);
    if (existing) existing.controller.abort();
    const { target } = await httpServer(id);
    const controller = new AbortController();
    const login = core.engine().login(target, { signal: controller.signal, ...(scope !== undefined && { scope }) });
    const entry: PendingSignIn = { controller, done: login.catch(() => undefined) };
    pending.set(id, entry);
    try {
      const view = await login;
      await publishTokens(id, target);
      await reconnect(id);
      return view;
    } catch (error) {
      if (controller.signal.aborted) context.setStatus(id, { state: 'needs-sign-in', reason: 'Sign-in was cancelled.' });
      throw error;
    } finally {
      if (pending.get(id) === entry) pending.delete(id);
    }
  }

  const service: AuthService = {
    signIn,
    async cancel(id) {
      const entry = pending.get(id);
      if (!entry) return false;
      entry.controller.abort();
      await entry.done;
      return true;
    },
    async copyLink(id) {
      const url = pending.get(id)?.authorizationUrl;
      if (!url) throw new KeyportError('no_sign_in_pending', 'There is no sign-in waiting for the browser. Choose Sign in first.');
      context.host.clipboard.writeText(url);
      return true;
    },
    async signOut(id) {
      const { target } = await httpServer(id);
      const { revoked } = await core.engine().logout(target);
      await context.dropConnection(id);
      context.setStatus(id, { state: 'needs-sign-in', reason: 'Signed out.' });
      context.emit('tokens:onChanged', { serverId: id, tokenSet: null });
      return revoked;
    },
    async stepUp(id, scopes) {
      const { target } = await httpServer(id);
      const held = (await core.engine().tokenSetView(target))?.scopes ?? [];
      const union = [...new Set([...held, ...scopes])];
      return signIn(id, union.join(' '));
    },
    async forgetRegistration(id) {
      const { target } = await httpServer(id);
      await core.engine().forgetRegistration(target);
      return true;
    },
    async redirectUri(id) {
      const server = await core.server(id);
      const port = server.auth.callbackPort;
      return port === undefined ? `http://127.0.0.1${CALLBACK_PATH}` : `http://127.0.0.1:${port}${CALLBACK_PATH}`;
    },
    async tokens(id) {
      const server = await core.server(id);
      if (server.transport === 'stdio' || server.auth.mode === 'none') return null;
      return (await core.engine().tokenSetView(await core.target(server))) ?? null;
    },
    async refresh(id) {
      const { target } = await httpServer(id);
      const view = await core.engine().refresh(target);
      context.emit('tokens:onChanged', { serverId: id, tokenSet: view });
      return view;
    },
    async introspect(id, kind) {
      if (kind !== 'access') {
        throw new KeyportError('unsupported', 'Keyport introspects access tokens; a refresh token is checked by refreshing.');
      }
      const { target } = await httpServer(id);
      const response = await core.engine().introspect(target);
      const { active, ...claims } = response as { active: boolean } & Record<string, unknown>;
      return { kind, active: active === true, claims };
    },
    /**
     * Revocation (RFC 7009) ends the grant: revoking the refresh token invalidates the access tokens issued with it
     * at most servers (§2.1), so Keyport revokes both tokens and forgets them, whichever one the user chose.
     */
    async revoke(id) {
      await service.signOut(id);
      return null;
    },
    async copyToken(id, kind) {
      context.host.clipboard.writeText(await rawToken(id, kind));
      return true;
    },
    revealToken: rawToken,
    async flows(id) {
      return context.traces.get(id) ?? [];
    },
  };

  return {
    service,
    async dispose() {
      const all = [...pending.values()];
      for (const entry of all) entry.controller.abort();
      await Promise.all(all.map((entry) => entry.done));
    },
    onAuthorizationUrl(serverId, url) {
      const entry = pending.get(serverId);
      if (entry) entry.authorizationUrl = url;
    },
  };
}
