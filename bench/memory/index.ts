/**
 * `npm run bench -- memory`: does the main process keep memory per tool call or per connection? The app's services
 * (`createAppServices`, as main/index.ts builds them) with N signed-in servers (default 30; tokens in the real
 * keychain, the servers in another process, bench/far-side.ts, so their memory is not counted). Readings after
 * forced garbage collection:
 *   start       the services built, nothing connected;
 *   connected   every server connected and its tools listed;
 *   2,000 calls / 20,000 calls   tool calls (`public_info`) through the same path as the window's, N at a time
 *               (one per server);
 *   disconnected  every server disconnected through the servers service.
 * Before the start, a throw-away instance of the services connects every server and makes 2,000 calls, so that the
 * readings do not count modules loaded or code compiled for the first time.
 * Judged: the data heap, i.e. V8's used heap minus compiled code and bytecode (which keeps growing for a while as V8
 * optimizes more paths, whatever the program keeps; printed as "code"). Targets: after 20,000 calls ≤ 1.1 × after
 * 2,000 (nothing kept per call), and back within 10 % of the start after disconnecting (nothing kept per connection).
 * RSS is printed, not judged: V8 and the allocator keep the pages they have used. Loopback (no added latency): the
 * figure is memory, not time.
 *
 * Options: `--servers N` (30), `--calls N` (20,000; the first reading is at a tenth). Re-runs itself with
 * `--expose-gc` when started without it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { check, numberArg, printChecks, settledMemory } from '../lib.ts';

if ((globalThis as { gc?: unknown }).gc === undefined) {
  const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const { startFarSide } = await import('../far-side.ts');
const { signInServers, startApp, useKeychain } = await import('../signed-in.ts');
type StartedApp = Awaited<ReturnType<typeof startApp>>;

const HEAP_GROWTH_TARGET = 1.1;
const RETURN_TARGET = 1.1;
const servers = numberArg('servers', 30);
const totalCalls = numberArg('calls', 20_000);
const firstReadingAt = Math.max(1, Math.round(totalCalls / 10));

type Reading = Awaited<ReturnType<typeof settledMemory>> & { readonly label: string };

const stopKeychain = await useKeychain();
let far: Awaited<ReturnType<typeof startFarSide>> | undefined;
let signed: Awaited<ReturnType<typeof signInServers>> | undefined;
try {
  far = await startFarSide({ servers, oneWayDelayMs: 0 });
  signed = await signInServers(far.mcpUrls);
  const ids = signed.servers.map((s) => s.id);
  let failed = 0;
  /** Tool calls `from` … `upTo` (counted across servers) through `app`'s services, one worker per server. */
  const callTools = async (app: StartedApp, from: number, upTo: number): Promise<void> => {
    let made = from;
    await Promise.all(
      ids.map(async (id) => {
        while (made < upTo) {
          const n = made++;
          const result = await app.runtime.services.capabilities.callTool(id, { callId: `bench-${n}`, tool: 'public_info', arguments: {} });
          if (result.isError) failed += 1;
        }
      }),
    );
  };

  // Warm-up: the same path once, on services that are then thrown away.
  const warm = await startApp({ dataDir: signed.dataDir, autoConnect: false });
  await Promise.all(ids.map((id) => warm.runtime.services.capabilities.tools(id)));
  await callTools(warm, 0, firstReadingAt);
  await warm.runtime.dispose();
  failed = 0;
  // Let what the throw-away services held go: their pooled connections end, and their timers run out.
  await far.dropConnections();
  await new Promise((resolve) => setTimeout(resolve, 5_000));

  const app = await startApp({ dataDir: signed.dataDir, autoConnect: false });
  const { services } = app.runtime;
  const readings: Reading[] = [];
  const read = async (label: string): Promise<Reading> => {
    await far?.clearLogs();
    const reading = { label, ...(await settledMemory()) };
    readings.push(reading);
    return reading;
  };

  const start = await read('start');
  await Promise.all(ids.map((id) => services.capabilities.tools(id)));
  await read('connected');
  const t0 = performance.now();
  await callTools(app, 0, firstReadingAt);
  const first = await read(`${firstReadingAt.toLocaleString('en')} calls`);
  await callTools(app, firstReadingAt, totalCalls);
  const ms = performance.now() - t0;
  const second = await read(`${totalCalls.toLocaleString('en')} calls`);
  for (const id of ids) await services.servers.disconnect(id);
  const disconnected = await read('disconnected');
  await app.runtime.dispose();

  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`.padStart(9);
  const data = (r: Reading): number => r.heapUsed - r.code;
  console.log(`memory: the app's services with ${servers} connected servers, ${totalCalls.toLocaleString('en')} tool calls (${(ms / 1000).toFixed(1)} s${failed ? `, ${failed} failed` : ''}); readings after forced GC`);
  console.log('  reading         data heap       code  heap total        RSS   external');
  for (const r of readings) console.log(`  ${r.label.padEnd(15)} ${mb(data(r))}  ${mb(r.code)}   ${mb(r.heapTotal)}  ${mb(r.rss)}  ${mb(r.external)}`);
  const growth = data(second) / data(first);
  const back = data(disconnected) / data(start);
  const perCall = (data(second) - data(first)) / (totalCalls - firstReadingAt);
  console.log(`  data heap after ${totalCalls.toLocaleString('en')} / after ${firstReadingAt.toLocaleString('en')} calls: ${growth.toFixed(3)} (target ≤ ${HEAP_GROWTH_TARGET}); ${perCall.toFixed(1)} bytes per call`);
  console.log(`  data heap after disconnecting / at the start: ${back.toFixed(3)} (target within 10 %); ${((data(readings[1]!) - data(start)) / servers / 1024).toFixed(0)} KB per connected server`);
  console.log(`  (whole heap, code included: ${(second.heapUsed / first.heapUsed).toFixed(3)} and ${(disconnected.heapUsed / start.heapUsed).toFixed(3)})`);

  printChecks('memory', [
    check(`data_heap_ratio_${totalCalls}_vs_${firstReadingAt}_calls`, Number(growth.toFixed(3)), '<=', HEAP_GROWTH_TARGET),
    check('data_heap_ratio_disconnected_vs_start', Number(back.toFixed(3)), '<=', RETURN_TARGET),
    check('failed_calls', failed, '==', 0),
  ], {
    servers,
    bytesPerCall: Number(perCall.toFixed(1)),
    readings: readings.map((r) => ({ label: r.label, dataHeapMB: Number((data(r) / 1048576).toFixed(2)), heapMB: Number((r.heapUsed / 1048576).toFixed(2)), rssMB: Number((r.rss / 1048576).toFixed(2)) })),
  });
} finally {
  await signed?.cleanup();
  await far?.close();
  stopKeychain();
}
