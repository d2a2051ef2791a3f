/**
 * The request handlers: one per contract channel, each a thin adapter from a validated IPC call to the app's
 * services. Kept free of `electron` so the Chromium test harness drives exactly these functions.
 */
import type { AppInfo, ServerInput, ServerView } from '../../preload/contract.ts';
import type { Handlers } from './dispatch.ts';

/** The configured servers as the window manages them (backed by the config file, the keychain and the MCP layer). */
export interface ServerDirectory {
  list(): Promise<readonly ServerView[]>;
  add(input: ServerInput): Promise<ServerView>;
  remove(id: string): Promise<boolean>;
}

/** Everything the handlers need from the rest of main; the app and the tests both build one. */
export interface AppServices {
  readonly info: () => AppInfo;
  readonly servers: ServerDirectory;
}

/** Builds the complete handler table; the `Handlers` type makes a missing channel a compile error. */
export function createHandlers(services: AppServices): Handlers {
  return {
    'app:info': async () => services.info(),
    'servers:list': async () => services.servers.list(),
    'servers:add': async (input) => services.servers.add(input),
    'servers:remove': async (id) => ({ removed: await services.servers.remove(id) }),
  };
}
