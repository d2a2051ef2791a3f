/**
 * What the issue-14 app tests share: the app's services on a fresh data directory against the test bed, with a
 * notifier that records every native notice and badge, a save dialog that answers with a chosen path, and a user who
 * completes every sign-in in the browser.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EventChannel, EventPayloads } from '../../preload/contract.ts';
import type { NativeNotice, Notifier } from '../../main/app/notices.ts';
import { createAppServices, type AppRuntime, type AppRuntimeOptions } from '../../main/services.ts';
import { openKeychainSecrets } from '../../main/secrets/open.ts';
import { startTestBed, type TestBed, type TestBedOptions } from '../servers/testbed.ts';
import { completeLogin, type CompleteLoginOptions } from '../servers/user-agent.ts';

/** The fake notifier: every notice shown (with its click), every badge set. */
export interface RecordingNotifier extends Notifier {
  readonly shown: { readonly notice: NativeNotice; readonly click: () => void }[];
  readonly badges: number[];
}

/** A notifier that records instead of showing. */
export function recordingNotifier(): RecordingNotifier {
  const shown: RecordingNotifier['shown'] = [];
  const badges: number[] = [];
  return {
    shown,
    badges,
    notify: (notice, click) => shown.push({ notice, click }),
    setBadgeCount: (count) => badges.push(count),
  };
}

/** A running app for a test. */
export interface TestApp {
  readonly runtime: AppRuntime;
  readonly dataDir: string;
  readonly notifier: RecordingNotifier;
  readonly events: { readonly channel: EventChannel; readonly payload: unknown }[];
  /** URLs the app opened in the "browser". */
  readonly opened: string[];
  /** How the user answers in the browser (change between sign-ins). */
  browser: { username: string; password: string; options?: CompleteLoginOptions; completes: boolean };
  /** Where the save dialog saves (undefined: the user cancels). */
  saveAs: string | undefined;
  close(): Promise<void>;
}

/** Starts the app's services with the recording notifier; short notice grouping, no expiry timer. */
export async function startTestApp(extra: Partial<AppRuntimeOptions> = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'keyport-foresight-'));
  const notifier = recordingNotifier();
  const events: TestApp['events'] = [];
  const opened: string[] = [];
  const app: Omit<TestApp, 'runtime' | 'close'> & { runtime?: AppRuntime } = {
    dataDir,
    notifier,
    events,
    opened,
    browser: { username: 'alice', password: 'password123', completes: true },
    saveAs: undefined,
  };
  const runtime = await createAppServices({
    appVersion: '0.0.0-test',
    dataDir,
    emit: <C extends EventChannel>(channel: C, payload: EventPayloads[C]) => events.push({ channel, payload }),
    openBrowser: async (url) => {
      opened.push(url);
      const b = app.browser;
      if (b.completes) await completeLogin(url, { username: b.username, password: b.password }, b.options);
    },
    clipboard: { writeText: () => undefined },
    chooseSaveFile: async () => app.saveAs,
    notifier,
    autoConnect: false,
    foresightTiming: { expiryIntervalMs: 0, groupWindowMs: 300, minIntervalMs: 60_000 },
    ...extra,
  });
  return Object.assign(app, {
    runtime,
    async close() {
      await runtime.dispose();
      const secrets = openKeychainSecrets(dataDir);
      for (const item of await secrets.store.list().catch(() => [])) await secrets.store.delete(item.account).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  }) as TestApp;
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sleeps (for lifetimes to pass on the real clock). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Call once at the top of a test file: `open` starts a test bed and the app for a test; both are closed after that
 * test, pass or fail (the app first, so its connections end before the servers do).
 */
export function appAndBedPerTest(): { open(bed?: TestBedOptions, app?: Partial<AppRuntimeOptions>): Promise<{ readonly bed: TestBed; readonly app: TestApp }> } {
  const opened: { readonly bed: TestBed; readonly app?: TestApp }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.app?.close();
      await o.bed.close();
    }
  });
  return {
    async open(bedOptions = {}, appOptions = {}) {
      const bed = await startTestBed(bedOptions);
      const entry: { bed: TestBed; app?: TestApp } = { bed };
      opened.push(entry);
      entry.app = await startTestApp(appOptions);
      return { bed, app: entry.app };
    },
  };
}
