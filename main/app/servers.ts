/**
 * The configured servers as the window manages them: list, add, edit, remove, reorder, import, connect. Every change
 * is written through the config store (atomic, locked) and pushed to the window.
 */
import type { ImportReportView, ServerView } from '../../preload/contract.ts';
import { isConfigError } from '../config/errors.ts';
import { importConfigFile } from '../config/import.ts';
import { addServerFromInput, removeServer, updateServerFromInput } from '../config/servers.ts';
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
      const updated = await updateServerFromInput(core.config, core.secrets().records, id, input);
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
