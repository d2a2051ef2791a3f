/**
 * bench/toolcall: the cost of Keyport's connection layer per tool call. 2,000 sequential `echo` calls through a
 * Keyport connection (auth seam + argument and output checks + plain-data views, on the SDK v2 client it is built
 * on) against 2,000 through a raw SDK v2 `Client` and 2,000 through a raw SDK 1.x `Client`, each with a static
 * `Authorization` header, on the same 127.0.0.1 server, in rotating batches so machine noise hits every side alike.
 * Prints the medians and both ratios; the figure is the ratio against the same SDK line (2.x), target ≤ 1.05.
 *
 * Run: `npm run bench -- toolcall` (or `node bench/toolcall/index.ts [--calls N] [--batch N]`).
 */
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { createConnection } from '../../main/mcp/connection.ts';
import { staticBearerSession } from '../../main/mcp/auth.ts';
import { startHttpHost } from '../../test/mcp/helpers/http-host.ts';
import { median, numberArg, printResult } from '../lib.ts';

const TARGET = 1.05;
const TOKEN = 'bench-static-token';

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

const calls = numberArg('calls', 2000);
const batch = numberArg('batch', 100);
const warmup = numberArg('warmup', 200);

const host = await startHttpHost({ tokens: { [TOKEN]: ['read', 'write'] } });
const keyport = createConnection({ id: 'bench', transport: 'streamable-http', url: host.url }, { authorize: () => staticBearerSession(TOKEN) });
const headers = { Authorization: `Bearer ${TOKEN}` };
const raw1 = new ClientV1({ name: 'raw-bench-v1', version: '1.0.0' });
const raw1Transport = new TransportV1(new URL(host.url), { requestInit: { headers } });
const raw2 = new ClientV2({ name: 'raw-bench-v2', version: '1.0.0' });
const raw2Transport = new TransportV2(new URL(host.url), { requestInit: { headers } });

type Side = 'keyport' | 'raw2' | 'raw1';

try {
  await keyport.connect();
  await raw1.connect(raw1Transport);
  await raw2.connect(raw2Transport);
  await keyport.listTools();
  await raw1.listTools();
  await raw2.listTools();

  const sides: Record<Side, (i: number) => Promise<void>> = {
    keyport: async (i) => {
      await keyport.callTool('echo', { text: `hello ${i}` });
    },
    raw2: async (i) => {
      await raw2.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });
    },
    raw1: async (i) => {
      await raw1.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });
    },
  };
  const names: readonly Side[] = ['keyport', 'raw2', 'raw1'];
  for (let i = 0; i < warmup; i++) for (const side of names) await sides[side](i);

  const times: Record<Side, number[]> = { keyport: [], raw2: [], raw1: [] };
  const batches = Math.ceil(calls / batch);
  for (let b = 0; b < batches; b++) {
    // Rotate which side goes first so none always runs on a warmer (or noisier) machine.
    const order = names.map((_, k) => names[(k + b) % names.length]!);
    for (const side of order) {
      const n = Math.min(batch, calls - b * batch);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await sides[side](i);
        times[side].push(performance.now() - t0);
      }
    }
  }

  const m = { keyport: median(times.keyport), raw2: median(times.raw2), raw1: median(times.raw1) };
  const ratio2 = m.keyport / m.raw2;
  const ratio1 = m.keyport / m.raw1;
  const fmt = (x: number): string => `${(x * 1000).toFixed(0)} µs`;
  const row = (label: string, side: Side): string => `  ${label}  median ${fmt(m[side])}  p90 ${fmt(pct(times[side], 90))}  p99 ${fmt(pct(times[side], 99))}`;
  console.log(`toolcall: ${times.keyport.length} calls per side, batches of ${batch}, rotating; server ${host.url}`);
  console.log(row('keyport (SDK 2.x)', 'keyport'));
  console.log(row('raw SDK 2.x      ', 'raw2'));
  console.log(row('raw SDK 1.x      ', 'raw1'));
  console.log(`  ratio keyport / raw SDK 2.x (same SDK line) ${ratio2.toFixed(3)}  target ≤ ${TARGET}`);
  console.log(`  ratio keyport / raw SDK 1.x                 ${ratio1.toFixed(3)}`);
  printResult({
    bench: 'toolcall',
    metric: 'median_ratio_keyport_vs_raw_sdk2',
    value: Number(ratio2.toFixed(4)),
    target: TARGET,
    pass: ratio2 <= TARGET,
    ratio_vs_raw_sdk1: Number(ratio1.toFixed(4)),
  });
} finally {
  await keyport.disconnect();
  await raw1.close();
  await raw2.close();
  await host.close();
}
