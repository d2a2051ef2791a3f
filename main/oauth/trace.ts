/**
 * The flow trace: an ordered, redacted record of every step and HTTP exchange of a login, refresh, revocation or
 * introspection. It is what the app's flow timeline shows, so nothing secret may reach it: tokens, codes, PKCE
 * verifiers, client secrets, assertions and DPoP proofs are replaced by a marker, first by field name and then, as a
 * second net, by value (every secret the engine handles is registered with the recorder).
 */
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../limits.ts';
import type { FlowStepView, FlowTraceView, HttpExchangeView, IpcError } from '../../preload/contract.ts';

/** What replaces a secret in a trace. */
export const REDACTED = '[redacted]';

/** Form/JSON/query fields whose values are always secret. */
const SECRET_FIELDS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'client_secret',
  'client_assertion',
  'assertion',
  'subject_token',
  'actor_token',
  'token',
  'registration_access_token',
  'device_code',
  'password',
  'private_key',
  'private_key_pem',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
]);

/** Headers whose values are always secret (credentials and proofs). */
const SECRET_HEADERS = new Set(['authorization', 'dpop', 'cookie', 'set-cookie', 'proxy-authorization']);

/** Headers worth showing; others are dropped to keep the timeline readable. */
const SHOWN_HEADERS = new Set([
  'authorization',
  'dpop',
  'dpop-nonce',
  'content-type',
  'accept',
  'www-authenticate',
  'location',
  'cache-control',
  'mcp-protocol-version',
  'mcp-session-id',
]);

const MAX_BODY = 16_384;

/** Kinds of flow, as the contract names them. */
export type FlowKind = FlowTraceView['kind'];

/** Where the HTTP layer records exchanges: a {@link FlowRecorder}, or a {@link HeldExchange} for a request sent ahead of its step. */
export interface ExchangeSink {
  /** False when nobody receives the trace: the HTTP layer then records nothing. */
  readonly publishing: boolean;
  beginExchange(): (exchange: HttpExchangeView) => void;
  recordExchange(exchange: HttpExchangeView): void;
}

/**
 * The exchange of one request sent before the step it belongs to has started (a speculative discovery request, sent
 * alongside the probe); {@link FlowRecorder.adopt} later files it under that step.
 */
export class HeldExchange implements ExchangeSink {
  readonly publishing: boolean;
  #resolve!: (exchange: HttpExchangeView) => void;
  /** Settles once the request has ended (response body read, or an error); never when not `publishing`. */
  readonly exchange: Promise<HttpExchangeView> = new Promise((r) => (this.#resolve = r));

  /** `publishing`: that of the recorder that will adopt it. */
  constructor(publishing: boolean) {
    this.publishing = publishing;
  }

  beginExchange(): (exchange: HttpExchangeView) => void {
    return (exchange) => this.#resolve(exchange);
  }

  recordExchange(exchange: HttpExchangeView): void {
    this.#resolve(exchange);
  }
}

/**
 * Collects the steps of one flow, redacts everything and publishes snapshots through `onTrace`. Exchanges are kept as
 * recorded and redacted when a snapshot is made (with every secret known by then), each one once per set of known
 * secrets.
 */
export class FlowRecorder implements ExchangeSink {
  readonly id: string;
  readonly kind: FlowKind;
  readonly serverUrl: string;
  readonly startedAt: number;
  #finishedAt: number | undefined;
  #outcome: FlowTraceView['outcome'] = 'running';
  #steps: FlowStepView[] = [];
  #current: { name: string; startedAt: number; exchanges: HttpExchangeView[]; pending: Promise<void>[] } | undefined;
  #secrets = new Set<string>();
  /** Redacted form of each recorded exchange, valid while no secret has been added since (`#secrets.size`). */
  #redacted = new WeakMap<HttpExchangeView, { readonly secrets: number; readonly view: HttpExchangeView }>();
  #now: () => number;
  #onTrace: ((trace: FlowTraceView) => void) | undefined;

  constructor(kind: FlowKind, serverUrl: string, now: () => number, onTrace?: (trace: FlowTraceView) => void) {
    this.id = crypto.randomUUID();
    this.kind = kind;
    this.serverUrl = serverUrl;
    this.#now = now;
    this.startedAt = now();
    this.#onTrace = onTrace;
  }

  /** Whether anyone receives this trace (`onTrace`); when nobody does, no snapshot is built and no exchange recorded. */
  get publishing(): boolean {
    return this.#onTrace !== undefined;
  }

  /** Registers a secret value so that it is masked wherever it appears in this trace. */
  addSecret(value: string | undefined | null): void {
    if (typeof value === 'string' && value.length >= 4) this.#secrets.add(value);
  }

  /** Runs `fn` as a named step; the step records its outcome, duration and the exchanges made meanwhile. */
  async step<T>(name: string, fn: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    const outer = this.#current;
    const current = { name, startedAt: this.#now(), exchanges: [] as HttpExchangeView[], pending: [] as Promise<void>[] };
    this.#current = current;
    try {
      const result = await fn();
      await Promise.all(current.pending);
      const d = detail?.(result);
      this.#push({ ...this.#base(current), outcome: 'ok', ...(d === undefined ? {} : { detail: this.redactText(d) }) });
      return result;
    } catch (err) {
      await Promise.all(current.pending);
      this.#push({ ...this.#base(current), outcome: 'failed', error: this.#ipcError(err) });
      throw err;
    } finally {
      this.#current = outer;
    }
  }

  /** Records a step that was skipped (e.g. registration when a client is already known). */
  skip(name: string, detail: string): void {
    this.#push({ name, startedAt: this.#now(), durationMs: 0, outcome: 'skipped', detail: this.redactText(detail), exchanges: [] });
  }

  /** Records a step that happened instantly (a decision, a check). */
  note(name: string, detail: string): void {
    this.#push({ name, startedAt: this.#now(), durationMs: 0, outcome: 'ok', detail: this.redactText(detail), exchanges: [] });
  }

  /**
   * Reserves the exchange's place in the running step now and fills it in later (when the response body has
   * arrived), so recording never delays the request it describes.
   */
  beginExchange(): (exchange: HttpExchangeView) => void {
    const current = this.#current;
    if (!current) return (exchange) => this.recordExchange(exchange);
    const index = current.exchanges.length;
    current.exchanges.push({ method: '', url: '', durationMs: 0, requestHeaders: {}, responseHeaders: {} });
    let done!: () => void;
    current.pending.push(new Promise<void>((r) => (done = r)));
    return (exchange) => {
      current.exchanges[index] = exchange;
      done();
    };
  }

  /** Adds an exchange to the running step (or a synthetic `http` step when none runs). */
  recordExchange(exchange: HttpExchangeView): void {
    if (this.#current) this.#current.exchanges.push(exchange);
    else this.#push({ name: 'http', startedAt: this.#now(), durationMs: exchange.durationMs, outcome: 'ok', exchanges: [exchange] });
  }

  /** Files a request sent ahead of the running step under it, at this position; the step waits for it to end. */
  adopt(held: HeldExchange): void {
    if (!held.publishing) return;
    const complete = this.beginExchange();
    void held.exchange.then(complete);
  }

  /** Closes the flow with its outcome and publishes the final snapshot (built only when someone receives it). */
  finish(outcome: 'ok' | 'failed'): void {
    this.#outcome = outcome;
    this.#finishedAt = this.#now();
    this.#onTrace?.(this.view());
  }

  /** The current snapshot (already redacted). */
  view(): FlowTraceView {
    const v: FlowTraceView = {
      id: this.id,
      kind: this.kind,
      serverUrl: this.redactText(this.serverUrl),
      startedAt: this.startedAt,
      outcome: this.#outcome,
      steps: this.#steps.map((s) => this.#redactStep(s)),
      ...(this.#finishedAt === undefined ? {} : { finishedAt: this.#finishedAt }),
    };
    return v;
  }

  /** Masks every registered secret value inside `text`. */
  redactText(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  #base(current: { name: string; startedAt: number; exchanges: HttpExchangeView[] }): Omit<FlowStepView, 'outcome'> {
    return {
      name: current.name,
      startedAt: current.startedAt,
      durationMs: Math.max(0, this.#now() - current.startedAt),
      exchanges: current.exchanges,
    };
  }

  #push(step: FlowStepView): void {
    this.#steps.push(step);
    this.#onTrace?.(this.view());
  }

  #ipcError(err: unknown): IpcError {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'unexpected';
    const message = err instanceof Error ? err.message : String(err);
    return { code, message: this.redactText(message) };
  }

  #redactStep(step: FlowStepView): FlowStepView {
    return {
      ...step,
      ...(step.detail === undefined ? {} : { detail: this.redactText(step.detail) }),
      ...(step.error === undefined ? {} : { error: { code: step.error.code, message: this.redactText(step.error.message) } }),
      exchanges: step.exchanges.map((e) => this.#redactedExchange(e)),
    };
  }

  #redactedExchange(e: HttpExchangeView): HttpExchangeView {
    const cached = this.#redacted.get(e);
    if (cached && cached.secrets === this.#secrets.size) return cached.view;
    const view = this.#redactExchange(e);
    this.#redacted.set(e, { secrets: this.#secrets.size, view });
    return view;
  }

  #redactExchange(e: HttpExchangeView): HttpExchangeView {
    const out: HttpExchangeView = {
      method: e.method,
      url: this.redactText(redactUrl(e.url)),
      durationMs: e.durationMs,
      requestHeaders: this.#redactHeaders(e.requestHeaders),
      responseHeaders: this.#redactHeaders(e.responseHeaders),
      ...(e.status === undefined ? {} : { status: e.status }),
      ...(e.requestBody === undefined ? {} : { requestBody: this.redactText(redactBody(e.requestBody)) }),
      ...(e.responseBody === undefined ? {} : { responseBody: this.redactText(redactBody(e.responseBody)) }),
      ...(e.error === undefined ? {} : { error: this.redactText(e.error) }),
    };
    return out;
  }

  #redactHeaders(h: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
      const key = k.toLowerCase();
      if (SECRET_HEADERS.has(key)) {
        const scheme = /^(\w+)\s/.exec(v)?.[1];
        out[key] = scheme && key.endsWith('authorization') ? `${scheme} ${REDACTED}` : REDACTED;
      } else if (key === 'location') {
        out[key] = this.redactText(redactUrl(v));
      } else {
        out[key] = this.redactText(v);
      }
    }
    return out;
  }
}

/** Masks secret query parameters (`code`, tokens) in a URL; leaves the rest readable. */
export function redactUrl(input: string): string {
  try {
    const url = new URL(input);
    let changed = false;
    for (const key of [...url.searchParams.keys()]) {
      if (SECRET_FIELDS.has(key)) {
        url.searchParams.set(key, REDACTED);
        changed = true;
      }
    }
    return changed ? url.href : input;
  } catch {
    return input;
  }
}

/** Masks secret fields in a form-encoded or JSON body; other bodies pass through (value masking still applies). */
export function redactBody(body: string): string {
  const trimmed = body.trim();
  let out = body;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      // redactJson walks recursively: a hostile document nested past the bound is not shown at all.
      out = jsonDepthExceeds(parsed) ? `[a JSON body nested deeper than ${MAX_JSON_DEPTH} levels: not shown]` : JSON.stringify(redactJson(parsed));
    } catch {
      out = body;
    }
  } else if (/^[\w.~%+-]+=[^&]*(&[\w.~%+-]+=[^&]*)*$/.test(trimmed)) {
    const params = new URLSearchParams(trimmed);
    let changed = false;
    for (const key of [...params.keys()]) {
      if (SECRET_FIELDS.has(key)) {
        params.set(key, REDACTED);
        changed = true;
      }
    }
    if (changed) out = params.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
  }
  return out.length > MAX_BODY ? `${out.slice(0, MAX_BODY)}… (${out.length} characters)` : out;
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_FIELDS.has(k) && (typeof v === 'string' || typeof v === 'object') ? REDACTED : redactJson(v);
    }
    return out;
  }
  return value;
}

/** Picks the headers the timeline shows from a `Headers` object. */
export function pickHeaders(h: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  h.forEach((v, k) => {
    if (SHOWN_HEADERS.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  });
  return out;
}
