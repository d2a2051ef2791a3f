/**
 * Setup the OAuth tests share: mock servers that are closed after each test, and an engine whose "browser"
 * completes every sign-in at once ({@link autoBrowser}) while recording the URLs it was sent to.
 */
import { afterEach } from 'vitest';
import { createOAuthEngine, InMemoryCredentialStore } from '../../../main/oauth/index.ts';
import type { OAuthEngine, OAuthEngineDeps } from '../../../main/oauth/index.ts';
import { autoBrowser, startMockServers } from './mock-servers.ts';
import type { MockOptions, MockServers } from './mock-servers.ts';

/**
 * Call once at the top of a test file: returns the function tests start mock servers with, and closes every mock a
 * test started after that test, whether it passed or not.
 */
export function mockServersPerTest(): (options?: MockOptions) => Promise<MockServers> {
  const running: MockServers[] = [];
  afterEach(async () => {
    for (const mock of running.splice(0)) await mock.close();
  });
  return async (options = {}) => {
    const mock = await startMockServers(options);
    running.push(mock);
    return mock;
  };
}

/** An engine from {@link autoBrowserEngine}, its store, and every URL it opened in the "browser". */
export interface AutoBrowserEngine {
  readonly engine: OAuthEngine;
  readonly store: InMemoryCredentialStore;
  readonly opened: string[];
}

/**
 * An engine over a fresh in-memory store whose browser signs in at once, with a 5 s login timeout; `deps` add to
 * or replace any of that (e.g. a clock, a fetch, a browser that never answers).
 */
export function autoBrowserEngine(deps: Partial<OAuthEngineDeps> = {}): AutoBrowserEngine {
  const opened: string[] = [];
  const store = new InMemoryCredentialStore();
  const engine = createOAuthEngine({
    store,
    openBrowser: async (url) => {
      opened.push(url);
      await autoBrowser(url);
    },
    loginTimeoutMs: 5_000,
    ...deps,
  });
  return { engine, store, opened };
}
