/**
 * The shell's part of issue 14, with `electron` mocked (test/shell/fake-electron.ts plus the pieces used here): the
 * notifier shows a native Notification whose click focuses the window before the app reacts, sets the badge only
 * where the platform has one, and the report's save dialog proposes the name and honours a cancel.
 */
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';

/** A fake Electron `Notification`: remembers what was shown; `click()` plays the user's click. */
class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  readonly options: { title: string; body: string };
  constructor(options: { title: string; body: string }) {
    super();
    this.options = options;
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
}

const electron = vi.hoisted(() => ({ current: undefined as unknown }));
vi.mock('electron', async () => {
  const { fakeElectron } = await import('./fake-electron.ts');
  const base = fakeElectron();
  const app = Object.assign(base.app, {
    badges: [] as number[],
    // The single-instance lock is "taken": importing main/index.ts quits at once instead of starting the app.
    requestSingleInstanceLock: () => false,
    quit: () => undefined,
    focus: () => undefined,
    setBadgeCount(count: number) {
      app.badges.push(count);
      return true;
    },
    getPath: (name: string) => `/home/user/${name}`,
  });
  const dialog = {
    answer: { canceled: false, filePath: '/home/user/documents/report.html' } as { canceled: boolean; filePath?: string },
    asked: [] as unknown[],
    showSaveDialog: async (...args: unknown[]) => {
      dialog.asked.push(args);
      return dialog.answer;
    },
  };
  electron.current = { ...base, app, dialog, Notification: FakeNotification, clipboard: {}, shell: {} };
  return electron.current;
});

const shell = await import('../../main/index.ts');
const fake = electron.current as { app: { badges: number[] }; dialog: { answer: { canceled: boolean; filePath?: string }; asked: unknown[][] } };

/** A window that records how it was brought forward. */
function fakeWindow(minimized = false) {
  const calls: string[] = [];
  const window = {
    isDestroyed: () => false,
    isMinimized: () => minimized,
    restore: () => calls.push('restore'),
    show: () => calls.push('show'),
    focus: () => calls.push('focus'),
  };
  return { window: window as unknown as BrowserWindow, calls };
}

beforeEach(() => {
  FakeNotification.shown.length = 0;
  FakeNotification.supported = true;
  fake.app.badges.length = 0;
  fake.dialog.asked.length = 0;
});

describe('the Electron notifier', () => {
  it('shows a native notice; a click restores and focuses the window, then lets the app react', () => {
    const { window, calls } = fakeWindow(true);
    const notifier = shell.createElectronNotifier(() => window, 'linux');
    const clicked = vi.fn(() => calls.push('app'));
    notifier.notify({ title: 'Sign in again to Demo', body: 'Your sign-in expired.' }, clicked);
    expect(FakeNotification.shown.map((n) => n.options)).toEqual([{ title: 'Sign in again to Demo', body: 'Your sign-in expired.' }]);
    expect(clicked).not.toHaveBeenCalled();
    FakeNotification.shown[0]!.emit('click');
    expect(calls).toEqual(['restore', 'show', 'focus', 'app']);
  });

  it('shows nothing where the platform has no notifications', () => {
    FakeNotification.supported = false;
    shell.createElectronNotifier(() => undefined, 'linux').notify({ title: 't', body: 'b' }, () => undefined);
    expect(FakeNotification.shown).toEqual([]);
  });

  it('sets the badge on macOS and Linux, and not on Windows', () => {
    shell.createElectronNotifier(() => undefined, 'darwin').setBadgeCount(3);
    shell.createElectronNotifier(() => undefined, 'linux').setBadgeCount(0);
    shell.createElectronNotifier(() => undefined, 'win32').setBadgeCount(5);
    expect(fake.app.badges).toEqual([3, 0]);
  });
});

describe('the report save dialog', () => {
  it('proposes the report’s name in the documents folder, HTML first, and returns the chosen path', async () => {
    const { window } = fakeWindow();
    expect(await shell.chooseReportFile(() => window, 'keyport-sign-in-report-demo.html')).toBe('/home/user/documents/report.html');
    const [args] = fake.dialog.asked;
    expect(args?.[0]).toBe(window);
    expect(args?.[1]).toMatchObject({ defaultPath: '/home/user/documents/keyport-sign-in-report-demo.html', filters: [{ extensions: ['html'] }, { extensions: ['json'] }] });
  });

  it('returns nothing when the user cancels', async () => {
    fake.dialog.answer = { canceled: true };
    expect(await shell.chooseReportFile(() => undefined, 'r.html')).toBeUndefined();
    expect(fake.dialog.asked[0]).toHaveLength(1);
  });
});
