/**
 * One of the processes of the refresh race: refreshes the token family of `<server>` `count` times through the
 * CLI's own core (keychain credential store + cross-process refresh lock) and prints `{ ok, failures }` as JSON.
 */
import { CliContext } from '../../main/cli/context.ts';
import { processIo } from '../../main/cli/io.ts';

const [dataDir = '', serverRef = '', countText = '50'] = process.argv.slice(2);
const ctx = new CliContext(processIo(), { dataDir, json: true });
const server = await ctx.server(serverRef, false);
const target = await ctx.target(server);
const engine = ctx.core().engine();
const failures: string[] = [];
let ok = 0;
for (let i = 0; i < Number(countText); i++) {
  try {
    await engine.refresh(target);
    ok++;
  } catch (err) {
    failures.push(String((err as { code?: unknown }).code ?? (err as Error).message));
  }
}
process.stdout.write(JSON.stringify({ ok, failures }));
