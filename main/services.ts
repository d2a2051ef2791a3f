/**
 * The app's core services, composed from the config, the keychain, the OAuth engine and the MCP layer. Built the same
 * way for the window (main/index.ts) and the test harness, so the handlers the tests drive are the app's handlers.
 */
import { readFileSync } from 'node:fs';
import type { ServerStatus, ServerView } from '../preload/contract.ts';
import { isConfigError } from './config/errors.ts';
import { toServerViewBase, type ServerConfig } from './config/schema.ts';
import { addServerFromInput, removeServer } from './config/servers.ts';
import { ConfigStore } from './config/store.ts';
import type { AppServices, ServerDirectory } from './ipc/handlers.ts';
import type { Emit } from './ipc/events.ts';
import { openKeychainSecrets } from './secrets/open.ts';

/** What the shell passes in: the side effects that differ between the app, the CLI and tests. */
export interface AppRuntimeOptions {
  readonly appVersion: string;
  readonly dataDir: string;
  readonly emit: Emit;
}

/** The running core: the services the handlers use, and how to shut them down. */
export interface AppRuntime {
  readonly services: AppServices;
  dispose(): Promise<void>;
}

/** Keyport's version as package.json states it; for hosts without Electron's `app.getVersion()`. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the app's services for a data directory. */
export async function createAppServices(options: AppRuntimeOptions): Promise<AppRuntime> {
  const config = new ConfigStore(options.dataDir);
  const secrets = openKeychainSecrets(options.dataDir);
  const statuses = new Map<string, ServerStatus>();

  const view = (server: ServerConfig): ServerView => ({
    ...toServerViewBase(server),
    status: statuses.get(server.id) ?? { state: 'disconnected' },
  });
  const publish = async (): Promise<readonly ServerView[]> => {
    const all = (await config.load()).map(view);
    options.emit('servers:onChanged', all);
    return all;
  };

  const servers: ServerDirectory = {
    list: async () => (await config.load()).map(view),
    async add(input) {
      const added = await addServerFromInput(config, secrets.records, input);
      await publish();
      return view(added);
    },
    async remove(id) {
      try {
        const removed = await removeServer(config, secrets.records, id);
        statuses.delete(removed.id);
      } catch (error) {
        if (isConfigError(error, 'server_not_found')) return false;
        throw error;
      }
      await publish();
      return true;
    },
  };

  const services: AppServices = {
    info: () => ({
      name: 'Keyport',
      version: options.appVersion,
      dataDir: options.dataDir,
      platform: process.platform,
      keychain: secrets.service,
    }),
    servers,
  };
  return { services, dispose: async () => undefined };
}
