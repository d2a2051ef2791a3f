/**
 * Re-sign-in notices (issue 14): which servers need the user — a sign-in that ended (grant expired or revoked, refresh
 * refused), a step-up a tool asked for, a lifetime about to end — as a list the sidebar counts, a dock/taskbar badge,
 * and native notifications shown once per occurrence. Notices are grouped and rate-limited: occurrences that arrive
 * together (twenty grants expiring in one sweep) make one notice, and notices are at least `minIntervalMs` apart.
 * The notifier is injected: Electron's `Notification` in the shell, a recording fake in tests.
 */
import type { AttentionView, LifetimeView, ServerStatus } from '../../preload/contract.ts';

/** One native notification. */
export interface NativeNotice {
  readonly title: string;
  readonly body: string;
}

/** The platform's notification centre and badge (the seam: the shell implements it with Electron). */
export interface Notifier {
  /** Shows a notification; `onClick` runs when the user clicks it. */
  notify(notice: NativeNotice, onClick: () => void): void;
  /** Sets the dock/taskbar badge (0 clears it); a no-op where the platform has none. */
  setBadgeCount(count: number): void;
}

/** A notifier that shows nothing (hosts without notifications, e.g. the CLI). */
export const silentNotifier: Notifier = { notify: () => undefined, setBadgeCount: () => undefined };

/** What the notice centre needs. */
export interface NoticeCenterOptions {
  readonly notifier: Notifier;
  readonly now: () => number;
  /** The display name of a server (its id when unknown). */
  readonly nameOf: (serverId: string) => string;
  /** Where a server is in the user's list (lists and grouped notices follow it). */
  readonly rankOf?: (serverId: string) => number;
  /** Sends the current list to the window. */
  readonly publish: (attention: readonly AttentionView[]) => void;
  /** A notice was clicked: show this server's sign-in (or step-up). */
  readonly onActivate: (serverId: string, kind: AttentionView['kind']) => void;
  /** Occurrences this close together share one notice (default 1.5 s). */
  readonly groupWindowMs?: number;
  /** At least this long between two notices (default 30 s); what arrives meanwhile waits and is grouped. */
  readonly minIntervalMs?: number;
}

/** The notice centre of one running app. */
export interface NoticeCenter {
  /** Every status change of every server goes through here (the app context's `setStatus`). */
  statusChanged(serverId: string, status: ServerStatus): void;
  /** The server holds tokens: a later "sign in" status means the sign-in ended (not that it never happened). */
  sawTokens(serverId: string): void;
  /** A lifetime of the server's tokens is about to end (`warning`) or has ended (`expired`). */
  lifetime(serverId: string, lifetime: LifetimeView, state: 'warning' | 'expired'): void;
  /** Nothing of the server's ends soon (any more): its expiry warning goes. */
  lifetimesFine(serverId: string): void;
  /** Runs a user's own action (sign out, cancel, remove): the statuses it causes raise nothing. */
  quietly<T>(serverId: string, fn: () => Promise<T>): Promise<T>;
  /** A removed server leaves the list. */
  forget(serverId: string): void;
  list(): readonly AttentionView[];
  dispose(): void;
}

/** "5 min", "3 h", "6 d": how far off a lifetime's end is, for a notice. */
export function humanSpan(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

/** "A", "A and B", "A, B, C and 4 more". */
function names(list: readonly string[]): string {
  if (list.length <= 1) return list[0] ?? '';
  if (list.length <= 3) return `${list.slice(0, -1).join(', ')} and ${list.at(-1)!}`;
  return `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
}

/** What a lifetime's notice says, for one server. */
function lifetimeText(item: AttentionView, name: string, now: number): NativeNotice {
  const l = item.lifetime!;
  const left = humanSpan(l.expiresAt - now);
  if (l.subject === 'client-secret') return { title: `Client secret for ${name} expires in ${left}`, body: item.message };
  return { title: `Sign-in to ${name} ends in ${left}`, body: item.message };
}

/** Creates the notice centre. */
export function createNoticeCenter(options: NoticeCenterOptions): NoticeCenter {
  const groupWindowMs = options.groupWindowMs ?? 1500;
  const minIntervalMs = options.minIntervalMs ?? 30_000;
  const items = new Map<string, AttentionView[]>();
  const hadSession = new Set<string>();
  const quiet = new Map<string, number>();
  let pending: AttentionView[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastShown = Number.NEGATIVE_INFINITY;
  let badge = 0;

  const rank = options.rankOf ?? (() => 0);
  const all = (): AttentionView[] => [...items.values()].flat().sort((a, b) => rank(a.serverId) - rank(b.serverId));
  const changed = (): void => {
    const list = all();
    options.publish(list);
    const servers = new Set(list.map((i) => i.serverId)).size;
    if (servers !== badge) {
      badge = servers;
      options.notifier.setBadgeCount(servers);
    }
  };

  function flush(): void {
    timer = undefined;
    // Only what still needs the user is announced (a sign-in may have happened meanwhile).
    const due = pending.filter((p) => items.get(p.serverId)?.some((i) => i.kind === p.kind && i.since === p.since));
    pending = [];
    if (due.length === 0) return;
    lastShown = options.now();
    const first = [...due].sort((a, b) => rank(a.serverId) - rank(b.serverId))[0]!;
    const servers = [...new Set(due.map((d) => d.serverId))].sort((a, b) => rank(a) - rank(b));
    let notice: NativeNotice;
    if (servers.length === 1 && due.length === 1) {
      const name = options.nameOf(first.serverId);
      notice = first.kind === 'expiring' ? lifetimeText(first, name, lastShown) : { title: `Sign in again to ${name}`, body: first.message };
    } else {
      const signIns = due.every((d) => d.kind !== 'expiring');
      const list = names(servers.map(options.nameOf));
      notice = signIns
        ? { title: `Sign in again to ${servers.length === 1 ? options.nameOf(first.serverId) : `${servers.length} servers`}`, body: `${list} ${servers.length === 1 ? 'needs' : 'need'} you to sign in again.` }
        : { title: `${servers.length} servers need your attention`, body: `${list}: sign-ins that ended or end soon.` };
    }
    options.notifier.notify(notice, () => options.onActivate(first.serverId, first.kind));
  }

  function schedule(): void {
    if (timer !== undefined) return;
    const at = Math.max(options.now() + groupWindowMs, lastShown + minIntervalMs);
    timer = setTimeout(flush, Math.max(0, at - options.now()));
    timer.unref?.();
  }

  /** Adds an occurrence unless the same one is already listed; a new one is announced. */
  function raise(item: AttentionView, sameAs: (existing: AttentionView) => boolean): void {
    const list = items.get(item.serverId) ?? [];
    if (list.some(sameAs)) return;
    items.set(item.serverId, [...list.filter((i) => i.kind !== item.kind), item]);
    pending.push(item);
    schedule();
    changed();
  }

  function clear(serverId: string, kinds: readonly AttentionView['kind'][]): void {
    const list = items.get(serverId);
    if (!list) return;
    const kept = list.filter((i) => !kinds.includes(i.kind));
    if (kept.length === list.length) return;
    if (kept.length === 0) items.delete(serverId);
    else items.set(serverId, kept);
    changed();
  }

  return {
    statusChanged(serverId, status) {
      const now = options.now();
      switch (status.state) {
        case 'connected':
        case 'refreshing':
          hadSession.add(serverId);
          clear(serverId, ['sign-in', 'step-up']);
          return;
        case 'signing-in':
          clear(serverId, ['sign-in', 'step-up']);
          return;
        case 'needs-sign-in': {
          if (quiet.has(serverId)) {
            hadSession.delete(serverId);
            clear(serverId, ['sign-in', 'step-up', 'expiring']);
            return;
          }
          if (!hadSession.has(serverId)) return;
          hadSession.delete(serverId);
          const message = `${status.reason ? `${status.reason} ` : ''}Sign in again to keep using its tools.`;
          raise({ serverId, kind: 'sign-in', message, since: now }, (i) => i.kind === 'sign-in');
          return;
        }
        case 'step-up-needed': {
          if (quiet.has(serverId) || status.scopes.length === 0) return;
          const what = status.tool ? `${status.tool} needs ${status.scopes.join(' ')}` : `This action needs ${status.scopes.join(' ')}`;
          raise(
            { serverId, kind: 'step-up', message: `${what}. Sign in again to grant it.`, since: now, scopes: status.scopes, ...(status.tool ? { tool: status.tool } : {}) },
            (i) => i.kind === 'step-up' && i.scopes?.join(' ') === status.scopes.join(' '),
          );
          return;
        }
        default:
          // connecting, disconnected, error: nothing the user must do (an error is shown where it happened).
          return;
      }
    },
    sawTokens(serverId) {
      hadSession.add(serverId);
    },
    lifetime(serverId, lifetime, state) {
      const now = options.now();
      if (state === 'expired') {
        hadSession.delete(serverId);
        const message = lifetime.subject === 'client-secret' ? 'The client secret Keyport uses has expired. Sign in again to register anew, or enter a new secret in the server’s settings.' : 'Your sign-in has ended. Sign in again to keep using its tools.';
        raise({ serverId, kind: 'sign-in', message, since: now, lifetime }, (i) => i.kind === 'sign-in');
        return;
      }
      const message =
        lifetime.subject === 'client-secret'
          ? 'After it expires Keyport cannot refresh your sign-in; enter a new secret in the server’s settings, or sign in again to register anew.'
          : 'Sign in again before then to keep using its tools without interruption.';
      raise({ serverId, kind: 'expiring', message, since: now, lifetime }, (i) => i.kind === 'expiring' && i.lifetime?.subject === lifetime.subject && i.lifetime.expiresAt === lifetime.expiresAt);
    },
    lifetimesFine(serverId) {
      clear(serverId, ['expiring']);
    },
    async quietly(serverId, fn) {
      quiet.set(serverId, (quiet.get(serverId) ?? 0) + 1);
      try {
        return await fn();
      } finally {
        const n = (quiet.get(serverId) ?? 1) - 1;
        if (n <= 0) quiet.delete(serverId);
        else quiet.set(serverId, n);
      }
    },
    forget(serverId) {
      hadSession.delete(serverId);
      pending = pending.filter((p) => p.serverId !== serverId);
      if (items.delete(serverId)) changed();
    },
    list: () => all(),
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}
