/**
 * The notice centre's rules on their own (issue 14, item 1): one notice per occurrence, occurrences that arrive
 * together grouped, notices spaced by the minimum interval (what arrives meanwhile waits and joins the next one), a
 * user's own sign-out raising nothing, and a sign-in that never happened not called one that ended.
 */
import { describe, expect, it } from 'vitest';
import type { AttentionView } from '../../preload/contract.ts';
import { createNoticeCenter } from '../../main/app/notices.ts';
import { recordingNotifier, sleep } from './foresight-helpers.ts';

function center(timing: { groupWindowMs: number; minIntervalMs: number }) {
  const notifier = recordingNotifier();
  const published: (readonly AttentionView[])[] = [];
  const activated: string[] = [];
  const names: Record<string, string> = { a: 'Alpha', b: 'Beta', c: 'Gamma' };
  const c = createNoticeCenter({
    notifier,
    now: Date.now,
    nameOf: (id) => names[id] ?? id,
    rankOf: (id) => Object.keys(names).indexOf(id),
    publish: (list) => published.push(list),
    onActivate: (id) => activated.push(id),
    ...timing,
  });
  return { c, notifier, published, activated };
}

describe('the notice centre', () => {
  it('spaces notices: what arrives within the interval waits and is grouped into the next notice', async () => {
    const { c, notifier } = center({ groupWindowMs: 50, minIntervalMs: 600 });
    for (const id of ['a', 'b', 'c']) c.sawTokens(id);
    c.statusChanged('a', { state: 'needs-sign-in', reason: 'Your sign-in expired.' });
    await sleep(150);
    expect(notifier.shown.map((s) => s.notice.title)).toEqual(['Sign in again to Alpha']);
    expect(notifier.shown[0]!.notice.body).toBe('Your sign-in expired. Sign in again to keep using its tools.');
    c.statusChanged('c', { state: 'needs-sign-in' });
    await sleep(100);
    c.statusChanged('b', { state: 'step-up-needed', scopes: ['mcp:write'], tool: 'write_data' });
    await sleep(150);
    expect(notifier.shown).toHaveLength(1);
    await sleep(600);
    expect(notifier.shown.map((s) => s.notice)).toEqual([
      { title: 'Sign in again to Alpha', body: 'Your sign-in expired. Sign in again to keep using its tools.' },
      { title: 'Sign in again to 2 servers', body: 'Beta and Gamma need you to sign in again.' },
    ]);
    expect(notifier.badges).toEqual([1, 2, 3]);
    c.dispose();
  });

  it('raises nothing for a sign-in that never happened, a user’s sign-out, or the same occurrence twice', async () => {
    const { c, notifier, published } = center({ groupWindowMs: 20, minIntervalMs: 0 });
    c.statusChanged('a', { state: 'needs-sign-in' });
    c.sawTokens('b');
    await c.quietly('b', async () => c.statusChanged('b', { state: 'needs-sign-in', reason: 'Signed out.' }));
    c.statusChanged('c', { state: 'connected', since: 1 });
    c.statusChanged('c', { state: 'needs-sign-in' });
    c.statusChanged('c', { state: 'needs-sign-in', reason: 'The server asked Keyport to sign in.' });
    await sleep(100);
    expect(notifier.shown.map((s) => s.notice.title)).toEqual(['Sign in again to Gamma']);
    expect(published.at(-1)?.map((a) => a.serverId)).toEqual(['c']);
    // Signing in again clears it; a later ending is a new occurrence with a new notice.
    c.statusChanged('c', { state: 'signing-in', since: 2 });
    c.statusChanged('c', { state: 'connected', since: 3 });
    expect(c.list()).toEqual([]);
    c.statusChanged('c', { state: 'needs-sign-in' });
    await sleep(100);
    expect(notifier.shown).toHaveLength(2);
    c.dispose();
  });
});
