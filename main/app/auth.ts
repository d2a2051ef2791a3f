/**
 * Signing in and out, step-up, and the tokens Keyport holds. The window gets views; a raw token leaves main only to
 * the clipboard, or on an explicit per-token Reveal (the user's own action, like `keyport token --reveal`).
 */
import type { TokenSetView } from '../../preload/contract.ts';
import type { ServerConfig } from '../config/schema.ts';
import { KeyportError } from '../errors.ts';
import type { AuthService } from '../ipc/handlers.ts';
import { CALLBACK_PATH, type ServerTarget } from '../oauth/index.ts';
import { signOutAccount } from './accounts.ts';
import type { AppContext } from './context.ts';

interface PendingSignIn {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
  /** The account the sign-in was started for (the active one, unless another account is being added). */
  readonly account: string;
  authorizationUrl?: string;
}

/** How a sign-in is started: for the active account, or for another identity (issue 13). */
export interface SignInHow {
  readonly scope?: string;
  readonly addAccount?: boolean;
  /** `scope` is what the user ticked in the consent list (issue 14): sent as is. */
  readonly exactScope?: boolean;
}


/** The auth service over the shared context; also returns the hook the engine's login-state callback feeds. */
export function createAuthService(context: AppContext): {
  readonly service: AuthService;
  readonly onAuthorizationUrl: (serverId: string, url: string) => void;
  /** Cancels every sign-in still waiting and waits until each has cleaned up (callback server, locks). */
  readonly dispose: () => Promise<void>;
  /** Starts a sign-in (the accounts service adds another account through it). */
  readonly signInAs: (id: string, how: SignInHow) => Promise<TokenSetView>;
} {
  const { core } = context;
  const pending = new Map<string, PendingSignIn>();

  async function httpServer(id: string): Promise<{ server: ServerConfig; target: ServerTarget }> {
    const server = await core.server(id);
    return { server, target: await core.target(server) };
  }

  /** The account the server's connection uses (issue 13: several per server). */
  const active = (id: string): string => core.accounts.active(id);

  async function publishTokens(id: string, target: ServerTarget): Promise<void> {
    const tokenSet = (await core.engine().tokenSetView(target, { account: active(id) })) ?? null;
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
    const account = active(id);
    const view = await core.engine().tokenSetView(target, { account });
    if (!view) throw new KeyportError('not_signed_in', 'You are not signed in to this server. Sign in first.');
    const record = await core.secrets().credentials.getTokenSet({ issuer: view.issuer, resource: view.resource, account });
    const value = kind === 'access' ? record?.accessToken : kind === 'refresh' ? record?.refreshToken : record?.idToken;
    if (value === undefined) throw new KeyportError('not_signed_in', `Keyport holds no ${kind} token for this server.`);
    return value;
  }

  async function signInAs(id: string, how: SignInHow) {
    const { scope, addAccount, exactScope } = how;
    const existing = pending.get(id);
    if (existing) existing.controller.abort();
    const { target } = await httpServer(id);
    const controller = new AbortController();
    const account = active(id);
    const login = core.engine().login(target, {
      signal: controller.signal,
      account,
      ...(scope !== undefined && { scope }),
      ...(addAccount === true && { addAccount: true }),
      ...(exactScope === true && { exactScope: true }),
    });
    const entry: PendingSignIn = { controller, account, done: login.catch(() => undefined) };
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

  const signIn = (id: string, scope?: string, exactScope?: boolean) =>
    signInAs(id, { ...(scope !== undefined && { scope }), ...(exactScope === true && { exactScope: true }) });

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
    async pasteRedirect(id, address) {
      const entry = pending.get(id);
      if (!entry) {
        return { accepted: false, reason: 'no-sign-in-pending', message: 'No sign-in is waiting for a pasted address. Choose Sign in first, then paste the address your browser ended on.' };
      }
      const { target } = await httpServer(id);
      return core.engine().submitRedirect(target, address, { account: entry.account });
    },
    async signOut(id) {
      // The active account only; another account becomes active when one is left (accounts.ts).
      return signOutAccount(context, id, active(id));
    },
    async stepUp(id, scopes) {
      const { target } = await httpServer(id);
      const held = (await core.engine().tokenSetView(target, { account: active(id) }))?.scopes ?? [];
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
      return (await core.engine().tokenSetView(await core.target(server), { account: active(id) })) ?? null;
    },
    async refresh(id) {
      const { target } = await httpServer(id);
      const view = await core.engine().refresh(target, { account: active(id) });
      context.emit('tokens:onChanged', { serverId: id, tokenSet: view });
      return view;
    },
    async introspect(id, kind) {
      if (kind !== 'access') {
        throw new KeyportError('unsupported', 'Keyport introspects access tokens; a refresh token is checked by refreshing.');
      }
      const { target } = await httpServer(id);
      const response = await core.engine().introspect(target, { account: active(id) });
      const { active: isActive, ...claims } = response as { active: boolean } & Record<string, unknown>;
      return { kind, active: isActive === true, claims };
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
    signInAs,
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
