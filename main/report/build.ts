/**
 * A sign-in report a user can share (issue 14): one flow's steps, every HTTP exchange, the metadata documents the
 * flow read, Keyport's version, the server's settings and the error with its code — everything someone helping needs,
 * nothing they must not see. Built from a redacted trace and scrubbed once more with every live secret Keyport holds
 * for the server (redact.ts). The JSON form is this object; the HTML form (html.ts) renders it inertly.
 */
import type { AuthSettingsView, FlowStepView, FlowTraceView, IpcError, TransportKind } from '../../preload/contract.ts';
import type { StoredFlow } from './flow-history.ts';
import { scrubBody, scrubDeep, scrubText, scrubUrl } from './redact.ts';

/** The report as data (the `--json` output and the source of the HTML). */
export interface SignInReport {
  readonly format: 'keyport-sign-in-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly keyport: { readonly version: string; readonly platform: string };
  readonly server: { readonly name: string; readonly url: string; readonly transport: TransportKind; readonly settings: AuthSettingsView };
  readonly flow: {
    readonly id: string;
    readonly kind: FlowTraceView['kind'];
    readonly outcome: FlowTraceView['outcome'];
    readonly serverUrl: string;
    readonly startedAt: string;
    readonly finishedAt?: string;
    readonly durationMs?: number;
  };
  /** What the flow ended with: the sign-in's error, else its failed step's. */
  readonly error?: IpcError & { readonly step?: string };
  readonly steps: readonly FlowStepView[];
  /** The discovery documents the flow fetched (RFC 9728 resource metadata, RFC 8414 / OpenID metadata). */
  readonly metadata: readonly { readonly step: string; readonly url: string; readonly document: unknown }[];
}

/** What a report is built from. */
export interface ReportInput {
  readonly flow: StoredFlow;
  readonly server: { readonly name: string; readonly url: string; readonly transport: TransportKind; readonly auth: AuthSettingsView };
  readonly keyportVersion: string;
  readonly platform: string;
  readonly now: number;
  /** Every live secret Keyport holds for the server (tokens, client secret, registration access token…). */
  readonly secrets: readonly string[];
}

/** Steps whose successful responses are metadata documents. */
const METADATA_STEPS = new Set(['protected-resource-metadata', 'authorization-server-metadata']);
/** Largest metadata document parsed into the report (they are small; a hostile one is cut as text). */
const MAX_METADATA = 64 * 1024;

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** The metadata documents of a flow, from the successful exchanges of its discovery steps. */
function metadataOf(steps: readonly FlowStepView[]): SignInReport['metadata'] {
  const out: { step: string; url: string; document: unknown }[] = [];
  for (const step of steps) {
    if (!METADATA_STEPS.has(step.name)) continue;
    for (const e of step.exchanges) {
      if (e.status !== 200 || e.responseBody === undefined || e.responseBody.length > MAX_METADATA) continue;
      try {
        out.push({ step: step.name, url: e.url, document: JSON.parse(e.responseBody) as unknown });
      } catch {
        // not JSON (or cut): it is still in the step's exchange
      }
    }
  }
  return out;
}

/** Scrubs one step: its exchanges' URLs, headers and bodies by the trace's rules, then every string. */
function scrubStep(step: FlowStepView, secrets: readonly string[]): FlowStepView {
  return scrubDeep(
    {
      ...step,
      exchanges: step.exchanges.map((e) => ({
        ...e,
        url: scrubUrl(e.url, secrets),
        ...(e.requestBody !== undefined ? { requestBody: scrubBody(e.requestBody, secrets) } : {}),
        ...(e.responseBody !== undefined ? { responseBody: scrubBody(e.responseBody, secrets) } : {}),
      })),
    },
    secrets,
  );
}

/** Builds the report of one stored flow. */
export function buildReport(input: ReportInput): SignInReport {
  const { trace } = input.flow;
  const secrets = input.secrets.filter((s) => typeof s === 'string' && s.length > 0);
  const steps = trace.steps.map((s) => scrubStep(s, secrets));
  const failed = steps.find((s) => s.outcome === 'failed' && s.error);
  const error = input.flow.error
    ? { code: scrubText(input.flow.error.code, secrets), message: scrubText(input.flow.error.message, secrets), ...(failed ? { step: failed.name } : {}) }
    : failed?.error
      ? { ...failed.error, step: failed.name }
      : undefined;
  return {
    format: 'keyport-sign-in-report',
    version: 1,
    generatedAt: iso(input.now),
    keyport: { version: input.keyportVersion, platform: input.platform },
    server: scrubDeep({ name: input.server.name, url: input.server.url, transport: input.server.transport, settings: input.server.auth }, secrets),
    flow: {
      id: trace.id,
      kind: trace.kind,
      outcome: trace.outcome,
      serverUrl: scrubUrl(trace.serverUrl, secrets),
      startedAt: iso(trace.startedAt),
      ...(trace.finishedAt !== undefined ? { finishedAt: iso(trace.finishedAt), durationMs: Math.max(0, trace.finishedAt - trace.startedAt) } : {}),
    },
    ...(error ? { error } : {}),
    steps,
    metadata: scrubDeep(metadataOf(steps), secrets),
  };
}

/** The flow a report covers by default: the newest sign-in (login or client credentials), else the newest flow. */
export function defaultReportFlow(flows: readonly StoredFlow[]): StoredFlow | undefined {
  return flows.find((f) => f.trace.kind === 'login' || f.trace.kind === 'client-credentials') ?? flows[0];
}

/** A file name for a report: the server's name made safe, the flow's start time, and the extension. */
export function reportFileName(serverName: string, startedAt: number, extension: 'html' | 'json'): string {
  const name = serverName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'server';
  const when = iso(startedAt).replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  return `keyport-sign-in-report-${name}-${when}.${extension}`;
}
