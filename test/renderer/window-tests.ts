/**
 * The hooks every window test file needs, registered by one call at the top of the file: the file's server starts
 * before its first test and stops after its last, each test's window closes after that test (pass or fail), and the
 * shared Chromium closes at the end. Kept apart from harness.ts, which the renderer bench and the screenshots script
 * also run outside vitest.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { closeBrowser, startHarness } from './harness.ts';
import type { Harness, HarnessOptions } from './harness.ts';

/** A server a test file runs for all its tests (the test bed, the hostile server). */
export interface FileServer {
  close(): Promise<void>;
}

/** What {@link useWindowTests} gives the tests of a file. */
export interface WindowTests<S> {
  /** The file's server, started before the first test (read it inside a test, not at the top of the file). */
  readonly server: S;
  /** Opens the window for this test (see {@link startHarness}); it is closed after the test. */
  open(options?: HarnessOptions): Promise<Harness>;
}

/** Call once at the top of a window test file, with the server its tests talk to if they need one. */
export function useWindowTests<S extends FileServer = never>(startServer?: () => Promise<S>): WindowTests<S> {
  let server: S | undefined;
  const opened: Harness[] = [];
  if (startServer) {
    beforeAll(async () => {
      server = await startServer();
    });
  }
  afterEach(async () => {
    for (const harness of opened.splice(0)) await harness.close();
  });
  afterAll(async () => {
    await closeBrowser();
    await server?.close();
  });
  return {
    get server(): S {
      if (server === undefined) throw new Error('This file started no server, or it is not running yet.');
      return server;
    },
    async open(options) {
      const harness = await startHarness(options);
      opened.push(harness);
      return harness;
    },
  };
}
