/**
 * bench/toolcall: the cost of Keyport's connection layer per tool call. 2,000 sequential `echo` calls through a
 * Keyport connection (auth seam + argument and output checks + plain-data views) against 2,000 through a raw SDK
 * `Client` with a static `Authorization` header, on the same 127.0.0.1 server, in alternating batches so machine
 * noise hits both sides alike. Prints both medians and their ratio; target ≤ 1.05.
 *
 * Run: `npm run bench -- toolcall` (or `node bench/toolcall/index.ts [--calls N] [--batch N]`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
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
const raw = new Client({ name: 'raw-bench', version: '1.0.0' });
const rawTransport = new StreamableHTTPClientTransport(new URL(host.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });

try {
  await keyport.connect();
  await raw.connect(rawTransport);
  await keyport.listTools();
  await raw.listTools();

  const sides = {
    keyport: async (i: number) => {
      await keyport.callTool('echo', { text: `hello ${i}` });
    },
    raw: async (i: number) => {
      await raw.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });
    },
  };
  for (let i = 0; i < warmup; i++) {
    await sides.keyport(i);
    await sides.raw(i);
  }

  const times: { keyport: number[]; raw: number[] } = { keyport: [], raw: [] };
  const batches = Math.ceil(calls / batch);
  for (let b = 0; b < batches; b++) {
    // Alternate which side goes first so neither always runs on a warmer (or noisier) machine.
    const order: ('keyport' | 'raw')[] = b % 2 === 0 ? ['keyport', 'raw'] : ['raw', 'keyport'];
    for (const side of order) {
      const n = Math.min(batch, calls - b * batch);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await sides[side](i);
        times[side].push(performance.now() - t0);
      }
    }
  }

  const mk = median(times.keyport);
  const mr = median(times.raw);
  const ratio = mk / mr;
  const fmt = (x: number): string => `${(x * 1000).toFixed(0)} µs`;
  console.log(`toolcall: ${times.keyport.length} calls per side, batches of ${batch}, alternating; server ${host.url}`);
  console.log(`  keyport  median ${fmt(mk)}  p90 ${fmt(pct(times.keyport, 90))}  p99 ${fmt(pct(times.keyport, 99))}`);
  console.log(`  raw SDK  median ${fmt(mr)}  p90 ${fmt(pct(times.raw, 90))}  p99 ${fmt(pct(times.raw, 99))}`);
  console.log(`  ratio (keyport / raw medians) ${ratio.toFixed(3)}  target ≤ ${TARGET}`);
  printResult({ bench: 'toolcall', metric: 'median_ratio_keyport_vs_raw', value: Number(ratio.toFixed(4)), target: TARGET, pass: ratio <= TARGET });
} finally {
  await keyport.disconnect();
  await raw.close();
  await host.close();
}
