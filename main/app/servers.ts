/**
 * The configured servers as the window manages them: list, add, edit, remove, reorder, import, connect. Every change
 * is written through the config store (atomic, locked) and pushed to the window.
 */
import type { ImportReportView, ServerInput, ServerView } from '../../preload/contract.ts';
import { ConfigError, isConfigError } from '../config/errors.ts';
import { importConfigFile } from '../config/import.ts';
import type { ServerConfig } from '../config/schema.ts';
import { addServerFromInput, checkServerUrl, normalizeUrl, removeServer } from '../config/servers.ts';
import { parseServerConfig } from '../config/store.ts';
import type { ServerDirectory } from '../ipc/handlers.ts';
import type { AppContext } from './context.ts';

/** The server directory over the shared context. */
export function createServerDirectory(context: AppContext): ServerDirectory {
  const { core } = context;

  async function viewOf(id: string): Promise<ServerView> {
    return context.view(await core.server(id));
  }

  const directory: ServerDirectory = {
    list: async () => (await core.config.load()).map(context.view),
    async add(input) {
      const added = await addServerFromInput(core.config, core.secrets().records, input);
      await context.publishServers();
      return context.view(added);
    },
    async update(id, input) {
      const updated = await updateServer(context, id, input);
      await context.dropConnection(updated.id);
      context.statuses.delete(updated.id);
      await context.publishServers();
      return context.view(updated);
    },
    async remove(id) {
      try {
        const removed = await removeServer(core.config, core.secrets().records, id);
        await context.dropConnection(removed.id);
        context.statuses.delete(removed.id);
        context.traces.delete(removed.id);
        context.logs.delete(removed.id);
      } catch (error) {
        if (isConfigError(error, 'server_not_found')) return false;
        throw error;
      }
      await context.publishServers();
      return true;
    },
    async reorder(ids) {
      await core.config.update((servers) => {
        const rank = new Map(ids.map((id, index) => [id, index]));
        const ordered = [...servers].sort(
          (a, b) => (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER),
        );
        return { servers: ordered, result: undefined };
      });
      return context.publishServers();
    },
    async importFromFile(): Promise<ImportReportView | null> {
      const file = await context.host.chooseImportFile();
      if (file === undefined) return null;
      const report = await importConfigFile(file, { config: core.config, secrets: core.secrets().records });
      const servers = await core.config.load();
      await context.publishServers();
      return {
        file: report.file,
        format: report.format,
        imported: report.imported.map((s) => {
          const server = servers.find((x) => x.id === s.id);
          const notes = [
            ...(s.movedToKeychain.length ? [`moved to the keychain: ${s.movedToKeychain.join(', ')}`] : []),
            ...s.notes,
          ];
          return {
            name: s.name,
            url: server?.url ?? server?.stdio?.command ?? '',
            ...(notes.length ? { note: notes.join('; ') } : {}),
          };
        }),
        skipped: report.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      };
    },
    async connect(id) {
      try {
        await context.connected(id);
      } catch {
        // The status (pushed and in the view) says what went wrong and what to do.
      }
      return viewOf(id);
    },
    async disconnect(id) {
      const connection = context.mcp.get(id);
      if (connection) await connection.disconnect();
      context.setStatus(id, { state: 'disconnected' });
      return viewOf(id);
    },
    async details(id) {
      const server = await core.server(id);
      const info = context.mcp.get(id)?.serverInfo();
      const tokens = server.transport === 'stdio' || server.auth.mode === 'none'
        ? undefined
        : await core.engine().tokenSetView(await core.target(server));
      return {
        server: context.view(server),
        ...(info !== undefined && { info }),
        ...(tokens !== undefined && {
          resource: tokens.resource,
          authorizationServer: tokens.issuer,
          registration: tokens.registration,
          clientId: tokens.clientId,
        }),
        grantedScopes: tokens?.scopes ?? [],
      };
    },
  };
  return directory;
}

/**
 * Applies an edit to a server: new URL, name, transport and auth settings; a new client secret replaces the old one
 * in the keychain. Identity (`id`) and creation time stay.
 */
async function updateServer(context: AppContext, id: string, input: ServerInput): Promise<ServerConfig> {
  const { core } = context;
  const records = core.secrets().records;
  const url = checkServerUrl(input.url);
  const { clientSecret, ...auth } = input.auth ?? {};
  const newSecretRef =
    clientSecret === undefined ? undefined : await records.putUserSecret({ kind: 'client-secret', value: clientSecret, label: url });
  let replacedRef: string | undefined;
  try {
    const updated = await core.config.update((servers) => {
      const current = servers.find((s) => s.id === id);
      if (!current) throw new ConfigError('server_not_found', `No server "${id}" is configured.`);
      const name = input.name?.trim() || current.name;
      if (servers.some((s) => s.id !== id && s.name.toLowerCase() === name.toLowerCase())) {
        throw new ConfigError('server_exists', `A server named "${name}" already exists; choose another name.`);
      }
      const same = servers.find((s) => s.id !== id && s.url !== undefined && normalizeUrl(s.url) === normalizeUrl(url));
      if (same) throw new ConfigError('server_exists', `${url} is already configured as "${same.name}".`);
      replacedRef = newSecretRef === undefined ? undefined : current.auth.clientSecretRef;
      const next = parseServerConfig({
        ...current,
        name,
        url,
        transport: input.transport ?? current.transport,
        auth: {
          ...current.auth,
          ...auth,
          ...(newSecretRef !== undefined && { clientSecretRef: newSecretRef }),
        },
      });
      return { servers: servers.map((s) => (s.id === id ? next : s)), result: next };
    });
    if (replacedRef !== undefined) await records.deleteUserSecret(replacedRef);
    return updated;
  } catch (error) {
    if (newSecretRef !== undefined) await records.deleteUserSecret(newSecretRef).catch(() => undefined);
    throw error;
  }
}
