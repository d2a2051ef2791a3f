/**
 * `npm run bench -- memory`: does the main process keep memory per tool call or per connection? The app's services
 * (`createAppServices`, as main/index.ts builds them) with N signed-in servers (default 30; tokens in the real
 * keychain, the servers in another process, bench/far-side.ts, so their memory is not counted). Readings of the V8
 * heap and the process's RSS, each after forced garbage collection:
 *   start       the services built, nothing connected (every module already loaded by the sign-ins);
 *   connected   every server connected and its tools listed;
 *   2,000 calls / 20,000 calls   tool calls (`public_info`) through the same path as the window's, N at a time
 *               (one per server);
 *   disconnected  every server disconnected through the servers service.
 * Targets: heap after 20,000 calls ≤ 1.1 × after 2,000 (nothing kept per call), and back within 10 % of the start after
 * disconnecting (nothing kept per connection). RSS is reported, not judged: V8 and the allocator keep pages they have
 * used. Loopback (no added latency): the figure is memory, not time.
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

  let made = 0;
  let failed = 0;
  /** Tool calls until `upTo` were made in all, one worker per server. */
  const callUntil = async (upTo: number): Promise<void> => {
    await Promise.all(
      ids.map(async (id) => {
        while (made < upTo) {
          const n = made++;
          const result = await services.capabilities.callTool(id, { callId: `bench-${n}`, tool: 'public_info', arguments: {} });
          if (result.isError) failed += 1;
        }
      }),
    );
  };
  const t0 = performance.now();
  await callUntil(firstReadingAt);
  const first = await read(`${firstReadingAt.toLocaleString('en')} calls`);
  await callUntil(totalCalls);
  const ms = performance.now() - t0;
  const second = await read(`${totalCalls.toLocaleString('en')} calls`);
  for (const id of ids) await services.servers.disconnect(id);
  const disconnected = await read('disconnected');
  await app.runtime.dispose();

  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`.padStart(9);
  console.log(`memory: the app's services with ${servers} connected servers, ${totalCalls.toLocaleString('en')} tool calls (${(ms / 1000).toFixed(1)} s${failed ? `, ${failed} failed` : ''}); readings after forced GC`);
  console.log('  reading            heap  heap total        RSS   external');
  for (const r of readings) console.log(`  ${r.label.padEnd(15)} ${mb(r.heapUsed)}  ${mb(r.heapTotal)}  ${mb(r.rss)}  ${mb(r.external)}`);
  const growth = second.heapUsed / first.heapUsed;
  const back = disconnected.heapUsed / start.heapUsed;
  const perCall = (second.heapUsed - first.heapUsed) / (totalCalls - firstReadingAt);
  console.log(`  heap after ${totalCalls.toLocaleString('en')} / after ${firstReadingAt.toLocaleString('en')} calls: ${growth.toFixed(3)} (target ≤ ${HEAP_GROWTH_TARGET}); ${perCall.toFixed(1)} bytes per call`);
  console.log(`  heap after disconnecting / at the start: ${back.toFixed(3)} (target within 10 %); ${((readings[1]!.heapUsed - start.heapUsed) / servers / 1024).toFixed(0)} KB per connected server`);

  printChecks('memory', [
    check(`heap_ratio_${totalCalls}_vs_${firstReadingAt}_calls`, Number(growth.toFixed(3)), '<=', HEAP_GROWTH_TARGET),
    check('heap_ratio_disconnected_vs_start', Number(back.toFixed(3)), '<=', RETURN_TARGET),
    check('failed_calls', failed, '==', 0),
  ], {
    servers,
    bytesPerCall: Number(perCall.toFixed(1)),
    readings: readings.map((r) => ({ label: r.label, heapMB: Number((r.heapUsed / 1048576).toFixed(2)), rssMB: Number((r.rss / 1048576).toFixed(2)) })),
  });
} finally {
  await signed?.cleanup();
  await far?.close();
  stopKeychain();
}
