/**
 * THE IPC contract between Keyport's main process and its window.
 *
 * Everything that crosses the process boundary is declared here, once: the data shapes (views — never a raw token,
 * code, verifier or secret), the request channels with a runtime schema for their arguments, and the event channels.
 * Main type-checks its handlers against `RequestMap`, the preload implements `KeyportApi`, and the renderer may import
 * *types* from this file and nothing else from outside `renderer/`.
 *
 * This file must stay free of Node and DOM APIs: both the Node project and the DOM project compile it.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** A failure as it crosses IPC: a stable code the UI can branch on and a message that says what to do next. */
export interface IpcError {
  readonly code: string;
  readonly message: string;
}

/** What every request channel resolves to; the renderer bridge turns `ok: false` into a thrown error. */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

// ---------------------------------------------------------------------------------------------------------------
// Views: the data shapes the renderer sees
// ---------------------------------------------------------------------------------------------------------------

/** Facts about the running app, shown in the status bar and the About box. */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly dataDir: string;
  readonly platform: string;
  readonly keychain: string;
}

/** How Keyport reaches an MCP server. */
export type TransportKind = 'streamable-http' | 'sse' | 'stdio';

/** How Keyport obtains a client identity at the server's authorization server. */
export type AuthMode = 'automatic' | 'preregistered' | 'client-credentials' | 'none';

/** Per-server authorization settings the user can change (no secret values: those stay in main). */
export interface AuthSettingsView {
  readonly mode: AuthMode;
  readonly clientId?: string;
  readonly tokenEndpointAuthMethod?: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  readonly hasClientSecret?: boolean;
  readonly scope?: string;
  readonly sendResourceParameter: boolean;
  readonly callbackPort?: number;
  readonly clientMetadataDocumentUrl?: string;
  readonly preferredAuthorizationServer?: string;
  readonly dpop: 'auto' | 'off';
}

/** The connection state of one server, as the sidebar badge and the overview show it. */
export type ServerStatus =
  | { readonly state: 'disconnected' }
  | { readonly state: 'connecting' }
  | { readonly state: 'needs-sign-in'; readonly reason?: string }
  | { readonly state: 'signing-in'; readonly authorizationServer?: string; readonly since: number }
  | { readonly state: 'connected'; readonly since: number }
  | { readonly state: 'refreshing' }
  | { readonly state: 'step-up-needed'; readonly scopes: readonly string[]; readonly tool?: string }
  | { readonly state: 'error'; readonly error: IpcError };

/** One configured server as the sidebar lists it. */
export interface ServerView {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly transport: TransportKind;
  readonly auth: AuthSettingsView;
  readonly status: ServerStatus;
}

/** What the user fills in to add or edit a server. Secrets travel only inbound, once, and are stored by main. */
export const serverInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    url: z.string().trim().min(1).max(2048),
    transport: z.enum(['streamable-http', 'sse', 'stdio']).optional(),
    auth: z
      .object({
        mode: z.enum(['automatic', 'preregistered', 'client-credentials', 'none']).optional(),
        clientId: z.string().trim().min(1).max(512).optional(),
        clientSecret: z.string().min(1).max(4096).optional(),
        tokenEndpointAuthMethod: z
          .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
          .optional(),
        scope: z.string().trim().max(1024).optional(),
        sendResourceParameter: z.boolean().optional(),
        callbackPort: z.number().int().min(1024).max(65535).optional(),
        clientMetadataDocumentUrl: z.string().url().max(2048).optional(),
        preferredAuthorizationServer: z.string().url().max(2048).optional(),
        dpop: z.enum(['auto', 'off']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The add/edit server form, as validated at the boundary. */
export type ServerInput = z.infer<typeof serverInputSchema>;

/** A refresh as the token inspector's history lists it. */
export interface RefreshRecord {
  readonly at: number;
  readonly outcome: 'ok' | 'failed';
  readonly rotated: boolean;
  readonly errorCode?: string;
}

/** One token as the inspector shows it: decoded, fingerprinted, never the value itself. */
export interface TokenView {
  readonly kind: 'access' | 'refresh' | 'id';
  /** First 6 and last 4 characters, enough to tell two tokens apart and nothing more. */
  readonly fingerprint: string;
  readonly format: 'jwt' | 'opaque';
  readonly tokenType?: string;
  readonly header?: Readonly<Record<string, unknown>>;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly scopes: readonly string[];
  readonly audience?: readonly string[];
  /** False when a JWT's `aud` does not name the resource it was requested for: shown as a warning. */
  readonly audienceMatchesResource?: boolean;
  readonly issuer?: string;
  readonly subject?: string;
  readonly issuedAt?: number;
  readonly notBefore?: number;
  readonly expiresAt?: number;
  /** DPoP key thumbprint (RFC 9449 `cnf.jkt`) when the token is sender-constrained. */
  readonly dpopJkt?: string;
}

/** Everything Keyport holds for one (issuer, resource, account): what the Tokens tab renders. */
export interface TokenSetView {
  readonly issuer: string;
  readonly resource: string;
  readonly clientId: string;
  readonly registration: 'preregistered' | 'metadata-document' | 'dynamic' | 'client-credentials';
  readonly scopes: readonly string[];
  readonly obtainedAt: number;
  readonly tokens: readonly TokenView[];
  readonly refreshHistory: readonly RefreshRecord[];
}

/** One HTTP exchange of a flow, with every secret replaced by a marker. */
export interface HttpExchangeView {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly durationMs: number;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody?: string;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody?: string;
  readonly error?: string;
}

/** One named step of a login, refresh or revocation, as the Flow tab's timeline shows it. */
export interface FlowStepView {
  readonly name: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly detail?: string;
  readonly error?: IpcError;
  readonly exchanges: readonly HttpExchangeView[];
}

/** A whole flow: the redacted record of what happened on the wire. */
export interface FlowTraceView {
  readonly id: string;
  readonly kind: 'login' | 'refresh' | 'revocation' | 'introspection' | 'client-credentials';
  readonly serverUrl: string;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly outcome: 'running' | 'ok' | 'failed';
  readonly steps: readonly FlowStepView[];
}

// ---------------------------------------------------------------------------------------------------------------
// Request channels
// ---------------------------------------------------------------------------------------------------------------

const serverId = z.string().min(1).max(200);

/**
 * Every request channel: its argument tuple (validated at runtime in main) and its result type.
 * Names are `<domain>:<verb>`.
 */
export const requestSchemas = {
  'app:info': z.tuple([]),
  'servers:list': z.tuple([]),
  'servers:add': z.tuple([serverInputSchema]),
  'servers:remove': z.tuple([serverId]),
} as const;

/** The result type of each request channel. */
export interface RequestResults {
  'app:info': AppInfo;
  'servers:list': readonly ServerView[];
  'servers:add': ServerView;
  'servers:remove': { readonly removed: boolean };
}

/** A request channel's name. */
export type RequestChannel = keyof typeof requestSchemas;

/** A request channel's validated argument tuple. */
export type RequestArgs<C extends RequestChannel> = z.infer<(typeof requestSchemas)[C]>;

/** A request channel's arguments as the caller writes them (before defaults and trimming). */
export type RequestInput<C extends RequestChannel> = z.input<(typeof requestSchemas)[C]>;

/** A request channel's result. */
export type RequestResult<C extends RequestChannel> = RequestResults[C];

// ---------------------------------------------------------------------------------------------------------------
// Event channels (main → window)
// ---------------------------------------------------------------------------------------------------------------

/** Every push event and its payload. Names are `<domain>:on<Thing>`. */
export interface EventPayloads {
  'servers:onChanged': readonly ServerView[];
  'auth:onStatus': { readonly serverId: string; readonly status: ServerStatus };
}

/** An event channel's name. */
export type EventChannel = keyof EventPayloads;

/** The event channels as a runtime list, so the preload and the tests can enumerate them. */
export const eventChannels = ['servers:onChanged', 'auth:onStatus'] as const satisfies readonly EventChannel[];

// ---------------------------------------------------------------------------------------------------------------
// The window's API: one named function per channel
// ---------------------------------------------------------------------------------------------------------------

/** Which `window.keyport` function serves which channel; the preload and the test harness are checked against it. */
export const apiFunctions = {
  appInfo: 'app:info',
  listServers: 'servers:list',
  addServer: 'servers:add',
  removeServer: 'servers:remove',
  onServersChanged: 'servers:onChanged',
  onAuthStatus: 'auth:onStatus',
} as const satisfies Record<string, RequestChannel | EventChannel>;

type RequestFunction<C extends RequestChannel> = (...args: RequestInput<C>) => Promise<IpcResult<RequestResult<C>>>;
type EventFunction<C extends EventChannel> = (listener: (payload: EventPayloads[C]) => void) => () => void;

/** `window.keyport` as the preload exposes it. */
export type KeyportApi = {
  readonly [F in keyof typeof apiFunctions]: (typeof apiFunctions)[F] extends infer C
    ? C extends RequestChannel
      ? RequestFunction<C>
      : C extends EventChannel
        ? EventFunction<C>
        : never
    : never;
};
