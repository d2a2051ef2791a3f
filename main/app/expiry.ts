/**
 * Expiry warnings (issue 14): the app looks at the lifetimes of every server's tokens — at start, whenever a server's
 * tokens change, and every few minutes — and tells the notice centre which end soon (within the configured span,
 * 24 h for grants and 7 days for client secrets by default) and which have ended. Reading goes through the engine's
 * token-set lookup, which a start has already done, so a sweep costs no network and few keychain reads.
 */
import type { ServerConfig } from '../config/schema.ts';
import { lifetimeState, type ExpiryWarningSpans } from '../oauth/index.ts';
import type { AppContext } from './context.ts';
import type { NoticeCenter } from './notices.ts';

/** The monitor of one running app. */
export interface ExpiryMonitor {
  /** Checks every configured server now (one sweep at a time; a second call joins the running one). */
  sweep(): Promise<void>;
  /** Checks one server now (its tokens just changed). */
  check(serverId: string): Promise<void>;
  dispose(): void;
}

/** Options of {@link createExpiryMonitor}. */
export interface ExpiryMonitorOptions {
  readonly context: AppContext;
  readonly notices: NoticeCenter;
  readonly spans: ExpiryWarningSpans;
  /** How often every server is looked at (default 5 min); 0 turns the timer off (tests call `sweep`). */
  readonly intervalMs?: number;
}

/** Creates the monitor and starts its timer. */
export function createExpiryMonitor(options: ExpiryMonitorOptions): ExpiryMonitor {
  const { context, notices, spans } = options;
  const { core } = context;
  let running: Promise<void> | undefined;

  async function checkServer(server: ServerConfig): Promise<void> {
    if (server.transport === 'stdio' || server.url === undefined || server.auth.mode === 'none') return;
    const view = await core
      .engine()
      .tokenSetView(await core.target(server), { account: core.accounts.active(server.id) })
      .catch(() => undefined);
    if (!view) {
      notices.lifetimesFine(server.id);
      return;
    }
    notices.sawTokens(server.id);
    const now = context.host.now();
    let warned = false;
    for (const lifetime of view.lifetimes ?? []) {
      // A machine client gets new tokens by itself; an ID-JAG is spent once the tokens are issued.
      if (lifetime.subject === 'id-jag' || (lifetime.subject === 'grant' && view.registration === 'client-credentials')) continue;
      const state = lifetimeState(lifetime, now, spans);
      if (state === 'ok') continue;
      notices.lifetime(server.id, lifetime, state);
      if (state === 'warning') warned = true;
    }
    if (!warned) notices.lifetimesFine(server.id);
  }

  const monitor: ExpiryMonitor = {
    sweep() {
      running ??= (async () => {
        try {
          const servers = await core.config.load();
          await Promise.all(servers.map((s) => checkServer(s).catch(() => undefined)));
        } catch {
          // a damaged config is reported where the window lists servers
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    async check(serverId) {
      try {
        await checkServer(await core.server(serverId));
      } catch {
        // the server went away meanwhile
      }
    },
    dispose() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  const timer = intervalMs > 0 ? setInterval(() => void monitor.sweep(), intervalMs) : undefined;
  timer?.unref?.();
  return monitor;
}
