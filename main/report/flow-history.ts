/**
 * The last flows of each server on disk (`<dataDir>/flows/<server>/…json`), so a report can be written after the
 * process that ran the flow is gone (`keyport report` after a failed `keyport login`, or after the app quit). Nothing
 * in it is secret: traces are redacted when they are built and scrubbed again here before they are written. Bounded:
 * a few flows per server, each file a few hundred kilobytes at most; a damaged file reads as absent.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { FlowTraceView, IpcError } from '../../preload/contract.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { scrubDeep } from './redact.ts';

/** Bounds of the history. */
export const flowHistoryLimits = { flowsPerServer: 8, maxFileBytes: 512 * 1024, maxBodyWhenLarge: 4096 } as const;

const FILE_VERSION = 1;

const str = z.string().max(1_000_000);
const headers = z.record(z.string().max(256), z.string().max(65_536));
const ipcError = z.object({ code: z.string().max(200), message: str });
const exchange = z.object({
  method: z.string().max(32),
  url: str,
  status: z.number().optional(),
  durationMs: z.number(),
  requestHeaders: headers,
  requestBody: str.optional(),
  responseHeaders: headers,
  responseBody: str.optional(),
  error: str.optional(),
});
const step = z.object({
  name: z.string().max(200),
  startedAt: z.number(),
  durationMs: z.number(),
  outcome: z.enum(['ok', 'failed', 'skipped']),
  detail: str.optional(),
  error: ipcError.optional(),
  exchanges: z.array(exchange).max(500),
});
const trace = z.object({
  id: z.string().max(200),
  kind: z.enum(['login', 'refresh', 'revocation', 'introspection', 'client-credentials']),
  serverUrl: str,
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  outcome: z.enum(['running', 'ok', 'failed']),
  steps: z.array(step).max(500),
});
const fileSchema = z.object({ version: z.literal(FILE_VERSION), trace, error: ipcError.optional() });

/** A stored flow: the trace and, for a failed sign-in, the error it ended with. */
export interface StoredFlow {
  readonly trace: FlowTraceView;
  readonly error?: IpcError;
}

/** The flow history of one data directory. */
export interface FlowHistory {
  /** Stores a finished flow (a running one is ignored), scrubbed of `secrets`; keeps the newest few per server. */
  record(flow: FlowTraceView, secrets?: readonly string[]): Promise<void>;
  /** Attaches the error a sign-in ended with to that server's newest failed sign-in flow. */
  attachError(serverUrl: string, error: IpcError): Promise<void>;
  /** The stored flows of a server, newest first. */
  list(serverUrl: string): Promise<readonly StoredFlow[]>;
  /** Forgets a server's flows (when it is removed). */
  forget(serverUrl: string): Promise<void>;
}

/** The folder of a server's flows: a hash of its URL (the URL itself may not be a valid file name). */
export function flowFolder(dataDir: string, serverUrl: string): string {
  return join(dataDir, 'flows', createHash('sha256').update(serverUrl).digest('hex').slice(0, 24));
}

/** Makes a stored flow fit the file size limit: long bodies are cut first, then exchanges dropped. */
function fit(flow: StoredFlow): string {
  let text = JSON.stringify({ version: FILE_VERSION, ...flow });
  if (text.length <= flowHistoryLimits.maxFileBytes) return text;
  const cut = (b: string | undefined) => (b !== undefined && b.length > flowHistoryLimits.maxBodyWhenLarge ? `${b.slice(0, flowHistoryLimits.maxBodyWhenLarge)}… (cut)` : b);
  const smaller: FlowTraceView = {
    ...flow.trace,
    steps: flow.trace.steps.map((s) => ({
      ...s,
      exchanges: s.exchanges.map((e) => {
        const { requestBody, responseBody, ...rest } = e;
        const rq = cut(requestBody);
        const rs = cut(responseBody);
        return { ...rest, ...(rq !== undefined ? { requestBody: rq } : {}), ...(rs !== undefined ? { responseBody: rs } : {}) };
      }),
    })),
  };
  text = JSON.stringify({ version: FILE_VERSION, ...flow, trace: smaller });
  if (text.length <= flowHistoryLimits.maxFileBytes) return text;
  return JSON.stringify({ version: FILE_VERSION, ...flow, trace: { ...smaller, steps: smaller.steps.map((s) => ({ ...s, exchanges: [] })) } });
}

/** Opens the history of a data directory (nothing is touched until it is used). Failures to write are swallowed by callers. */
export function createFlowHistory(dataDir: string): FlowHistory {
  async function files(serverUrl: string): Promise<string[]> {
    const dir = flowFolder(dataDir, serverUrl);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => /^\d{13,}-[\w-]{1,80}\.json$/.test(n)).sort().reverse().map((n) => join(dir, n));
  }
  async function read(file: string): Promise<StoredFlow | undefined> {
    try {
      const stat = await fs.stat(file);
      if (stat.size > flowHistoryLimits.maxFileBytes) return undefined;
      const parsed = fileSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
      if (!parsed.success) return undefined;
      const { trace: t, error } = parsed.data;
      return { trace: t as FlowTraceView, ...(error ? { error } : {}) };
    } catch {
      return undefined;
    }
  }
  async function write(serverUrl: string, flow: StoredFlow): Promise<void> {
    const dir = flowFolder(dataDir, serverUrl);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const name = `${String(Math.max(0, Math.trunc(flow.trace.startedAt))).padStart(13, '0')}-${flow.trace.id.replace(/[^\w-]/g, '').slice(0, 80)}.json`;
    await writeFileAtomic(join(dir, name), fit(flow));
  }
  // Writes run one after another, so an error attached right after its flow finished finds the flow on disk.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    record: (flow, secrets = []) =>
      serially(async () => {
        if (flow.outcome === 'running') return;
        await write(flow.serverUrl, { trace: scrubDeep(flow, secrets) });
        for (const old of (await files(flow.serverUrl)).slice(flowHistoryLimits.flowsPerServer)) await fs.rm(old, { force: true });
      }),
    attachError: (serverUrl, error) =>
      serially(async () => {
        for (const file of (await files(serverUrl)).slice(0, flowHistoryLimits.flowsPerServer)) {
          const stored = await read(file);
          if (!stored || (stored.trace.kind !== 'login' && stored.trace.kind !== 'client-credentials')) continue;
          if (stored.trace.outcome === 'failed' && !stored.error) await write(serverUrl, { trace: stored.trace, error: scrubDeep(error, []) });
          return;
        }
      }),
    list: (serverUrl) =>
      serially(async () => {
        const out: StoredFlow[] = [];
        for (const file of (await files(serverUrl)).slice(0, flowHistoryLimits.flowsPerServer)) {
          const stored = await read(file);
          if (stored) out.push(stored);
        }
        return out;
      }),
    forget: (serverUrl) => serially(() => fs.rm(flowFolder(dataDir, serverUrl), { recursive: true, force: true })),
  };
}
