/**
 * Keyport tells you before it matters (issue 14), as the app composes it: the notice centre fed by every status and
 * token change, the expiry monitor, the consent list before a sign-in, the server removal that revokes first, and the
 * sign-in report saved where the user chooses. The flows of every server are also kept on disk (redacted), so
 * `keyport report` can describe a sign-in the app ran.
 */
import { writeFile } from 'node:fs/promises';
import type { EventChannel, EventPayloads, RemovalReportView } from '../../preload/contract.ts';
import { toServerViewBase } from '../config/schema.ts';
import type { Emit } from '../ipc/events.ts';
import type { AccountService, AuthService, ForesightService, ServerDirectory } from '../ipc/handlers.ts';
import type { ExpiryWarningSpans } from '../oauth/index.ts';
import { buildReport, reportFileName } from '../report/build.ts';
import { createFlowHistory, type StoredFlow } from '../report/flow-history.ts';
import { renderReportHtml } from '../report/html.ts';
import { liveSecretsFor } from '../report/secrets.ts';
import type { AppContext } from './context.ts';
import { createExpiryMonitor } from './expiry.ts';
import { createNoticeCenter, type Notifier } from './notices.ts';

/** Options of {@link createForesight}. */
export interface ForesightOptions {
  readonly context: AppContext;
  readonly directory: ServerDirectory;
  readonly notifier: Notifier;
  readonly spans: ExpiryWarningSpans;
  readonly appVersion: string;
  /** Asks the user where to save a file (`suggestedName` proposed); undefined when they cancel. */
  readonly chooseSaveFile: (suggestedName: string) => Promise<string | undefined>;
  /** How often the expiry monitor looks (default 5 min; 0: only when asked). */
  readonly expiryIntervalMs?: number;
  /** Grouping and rate limit of native notices (tests shorten them). */
  readonly noticeTiming?: { readonly groupWindowMs?: number; readonly minIntervalMs?: number };
}

/** Everything the composition root wires. */
export interface Foresight {
  readonly service: ForesightService;
  /** Sees every event the app sends to the window (statuses, token changes, flows). */
  readonly observe: Emit;
  /** Sign-out, cancel and an account switch through these raise no "sign in again" notice: the user chose them. */
  quietAuth(auth: AuthService): AuthService;
  quietAccounts(accounts: AccountService): AccountService;
  /** The server holds tokens (its warm start found them). */
  sawTokens(serverId: string): void;
  /** Looks at every server's lifetimes now (tests; the timer does it otherwise). */
  sweep(): Promise<void>;
  dispose(): void;
}

/** Creates the notice centre, the expiry monitor and the service over the shared context. */
export function createForesight(options: ForesightOptions): Foresight {
  const { context } = options;
  const { core } = context;
  const names = new Map<string, string>();
  const history = createFlowHistory(core.dataDir);
  const notices = createNoticeCenter({
    notifier: options.notifier,
    now: context.host.now,
    nameOf: (id) => names.get(id) ?? id,
    rankOf: (id) => {
      const at = [...names.keys()].indexOf(id);
      return at < 0 ? Number.MAX_SAFE_INTEGER : at;
    },
    publish: (attention) => context.emit('attention:onChanged', attention),
    onActivate: (serverId, reason) => context.emit('app:onFocusServer', { serverId, reason }),
    ...options.noticeTiming,
  });
  void core.config.load().then((list) => list.forEach((s) => names.set(s.id, s.name)), () => undefined);
  const expiry = createExpiryMonitor({ context, notices, spans: options.spans, intervalMs: options.expiryIntervalMs ?? 5 * 60_000 });
  const firstSweep = setTimeout(() => void expiry.sweep(), 5_000);
  firstSweep.unref?.();

  const observe: Emit = <C extends EventChannel>(channel: C, payload: EventPayloads[C]) => {
    switch (channel) {
      case 'servers:onChanged':
        names.clear();
        for (const s of payload as EventPayloads['servers:onChanged']) names.set(s.id, s.name);
        return;
      case 'auth:onStatus': {
        const { serverId, status } = payload as EventPayloads['auth:onStatus'];
        notices.statusChanged(serverId, status);
        if (status.state === 'error') void attachLoginError(serverId, status.error);
        return;
      }
      case 'tokens:onChanged': {
        const { serverId, tokenSet } = payload as EventPayloads['tokens:onChanged'];
        if (tokenSet) {
          notices.sawTokens(serverId);
          void expiry.check(serverId);
        }
        return;
      }
      case 'flows:onTrace': {
        const { trace } = payload as EventPayloads['flows:onTrace'];
        if (trace.outcome !== 'running') void history.record(trace).catch(() => undefined);
        return;
      }
      default:
        return;
    }
  };

  /** A sign-in that just failed: its error goes with its flow on disk (for `keyport report`). */
  async function attachLoginError(serverId: string, error: { readonly code: string; readonly message: string }): Promise<void> {
    const latest = context.traces.get(serverId)?.[0];
    if (!latest || latest.outcome !== 'failed' || (latest.kind !== 'login' && latest.kind !== 'client-credentials')) return;
    if (latest.finishedAt === undefined || context.host.now() - latest.finishedAt > 10_000) return;
    await history.attachError(latest.serverUrl, error).catch(() => undefined);
  }

  async function flowOf(id: string, flowId: string): Promise<{ readonly flow: StoredFlow | undefined; readonly url: string | undefined }> {
    const server = await core.server(id);
    const stored = server.url === undefined ? [] : await history.list(server.url);
    const onDisk = stored.find((f) => f.trace.id === flowId);
    const inMemory = context.traces.get(id)?.find((t) => t.id === flowId);
    if (inMemory) return { flow: { trace: inMemory, ...(onDisk?.error ? { error: onDisk.error } : {}) }, url: server.url };
    return { flow: onDisk, url: server.url };
  }

  const service: ForesightService = {
    async attention() {
      return notices.list();
    },
    async planSignIn(id) {
      const server = await core.server(id);
      return core.engine().planLogin(await core.target(server));
    },
    async saveReport(id, flowId) {
      const server = await core.server(id);
      const { flow } = await flowOf(id, flowId);
      if (!flow) return { saved: false };
      const file = await options.chooseSaveFile(reportFileName(server.name, flow.trace.startedAt, 'html'));
      if (file === undefined) return { saved: false };
      const report = buildReport({
        flow,
        server: toServerViewBase(server),
        keyportVersion: options.appVersion,
        platform: process.platform,
        now: context.host.now(),
        secrets: await liveSecretsFor(core, server),
      });
      await writeFile(file, /\.json$/i.test(file) ? `${JSON.stringify(report, null, 2)}\n` : renderReportHtml(report), { mode: 0o600 });
      return { saved: true, file };
    },
    async removeServer(id) {
      let server;
      try {
        server = await core.server(id);
      } catch {
        return { removed: false };
      }
      let report: RemovalReportView | undefined;
      await notices.quietly(id, async () => {
        if (server.transport !== 'stdio' && server.url !== undefined && server.auth.mode !== 'none') {
          const others = (await core.config.load()).filter((s) => s.id !== id && s.url !== undefined).map((s) => s.url!);
          // A secret missing from the keychain must not keep the server: revoke as well as can be without it.
          const target = await core.target(server).catch(() => ({ serverUrl: server.url! }));
          report = await core
            .engine()
            .forgetServer(target, { otherServerUrls: others })
            .catch(() => undefined);
        }
      });
      const removed = await options.directory.remove(id);
      notices.forget(id);
      if (server.url !== undefined) await history.forget(server.url).catch(() => undefined);
      return { removed, ...(report ? { report } : {}) };
    },
  };

  return {
    service,
    observe,
    quietAuth: (auth) => ({
      ...auth,
      signOut: (id) => notices.quietly(id, () => auth.signOut(id)),
      cancel: (id) => notices.quietly(id, () => auth.cancel(id)),
      revoke: (id, kind) => notices.quietly(id, () => auth.revoke(id, kind)),
    }),
    quietAccounts: (accounts) => ({
      ...accounts,
      signOut: (id, account) => notices.quietly(id, () => accounts.signOut(id, account)),
      // Switching to an account that holds nothing asks for a sign-in the user chose to need.
      switchTo: (id, account) => notices.quietly(id, () => accounts.switchTo(id, account)),
    }),
    sawTokens: (serverId) => notices.sawTokens(serverId),
    sweep: () => expiry.sweep(),
    dispose() {
      clearTimeout(firstSweep);
      expiry.dispose();
      notices.dispose();
    },
  };
}
