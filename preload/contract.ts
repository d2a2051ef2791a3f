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

/** How a server signs the user in: the browser on this machine, a code entered on any device, or automatic. */
export type SignInMethodView = 'browser' | 'device' | 'automatic';

/** Per-server authorization settings the user can change (no secret values: those stay in main). */
export interface AuthSettingsView {
  readonly mode: AuthMode;
  readonly clientId?: string;
  readonly tokenEndpointAuthMethod?: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  readonly hasClientSecret?: boolean;
  /** Whether a private key for `private_key_jwt` is stored in the keychain (the key itself never leaves main). */
  readonly hasPrivateKey?: boolean;
  readonly scope?: string;
  readonly sendResourceParameter: boolean;
  readonly callbackPort?: number;
  readonly clientMetadataDocumentUrl?: string;
  readonly preferredAuthorizationServer?: string;
  readonly dpop: 'auto' | 'off';
  /** How the user signs in (issue 13): the browser (default), a device code (RFC 8628), or device when no browser can open. */
  readonly signInMethod?: SignInMethodView;
  // Compatibility settings for providers that bend the specs (issue 12); each is absent when not set.
  /** The RFC 8707 `resource` value to send instead of the discovered resource (when the parameter is sent at all). */
  readonly resourceOverride?: string;
  /** An `audience` parameter for the authorization request (Auth0 issues a JWT for an API only with it). */
  readonly audience?: string;
  /** Extra authorization-request parameters (e.g. `access_type=offline`); never one Keyport sets itself. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** The redirect URI's host; default `127.0.0.1`. */
  readonly callbackHost?: CallbackHostSetting;
  /** The redirect URI's path; default `/callback`. */
  readonly callbackPath?: string;
  /** The issuer accepted when the server's documents disagree about it (compared exactly). */
  readonly acceptedIssuer?: string;
  /** For an authorization server that publishes no metadata: its authorization endpoint. */
  readonly authorizationEndpoint?: string;
  /** For an authorization server that publishes no metadata: its token endpoint. */
  readonly tokenEndpoint?: string;
  /** The authorization server supports PKCE S256 although its metadata does not say so. */
  readonly assumePkceS256?: boolean;
}

/** The hosts a loopback redirect URI may name (RFC 8252 §7.3; some providers allow only `localhost`). */
export type CallbackHostSetting = '127.0.0.1' | 'localhost' | '[::1]';

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

/** The Overview tab: what the server said about itself and how Keyport is authorized there. */
export interface ServerDetailsView {
  readonly server: ServerView;
  readonly info?: ServerInfoView;
  readonly resource?: string;
  readonly authorizationServer?: string;
  readonly registration?: TokenSetView['registration'];
  readonly clientId?: string;
  readonly grantedScopes: readonly string[];
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
        /** The private key for `private_key_jwt`: a PEM (PKCS #8, PKCS #1 or SEC 1) or a private JWK as JSON. */
        privateKey: z.string().min(1).max(16_384).optional(),
        tokenEndpointAuthMethod: z
          .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
          .nullable()
          .optional(),
        scope: z.string().trim().max(1024).nullable().optional(),
        sendResourceParameter: z.boolean().optional(),
        callbackPort: z.number().int().min(1024).max(65535).nullable().optional(),
        clientMetadataDocumentUrl: z.string().url().max(2048).optional(),
        preferredAuthorizationServer: z.string().url().max(2048).optional(),
        dpop: z.enum(['auto', 'off']).optional(),
        signInMethod: z.enum(['browser', 'device', 'automatic']).optional(),
        // Compatibility settings (issue 12). `null` removes a stored value when editing; main checks the values
        // (URL safety, reserved parameter names) and says what is wrong.
        resourceOverride: z.string().trim().min(1).max(2048).nullable().optional(),
        audience: z.string().trim().min(1).max(2048).nullable().optional(),
        authorizationParams: z.record(z.string().min(1).max(64), z.string().max(2048)).nullable().optional(),
        callbackHost: z.enum(['127.0.0.1', 'localhost', '[::1]']).nullable().optional(),
        callbackPath: z.string().trim().min(1).max(200).nullable().optional(),
        acceptedIssuer: z.string().trim().min(1).max(2048).nullable().optional(),
        authorizationEndpoint: z.string().trim().min(1).max(2048).nullable().optional(),
        tokenEndpoint: z.string().trim().min(1).max(2048).nullable().optional(),
        assumePkceS256: z.boolean().nullable().optional(),
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
  /** How the access token is presented and why, e.g. "Bearer — the resource does not ask for DPoP" (RFC 9449). */
  readonly binding?: { readonly scheme: 'Bearer' | 'DPoP'; readonly reason: string };
  /** The lifetimes Keyport knows of: when signing in again will be needed, when the client secret ends (issue 14). */
  readonly lifetimes?: readonly LifetimeView[];
}

/** One known lifetime, as the overview, the inspector and `keyport status` show it (and warn ahead of). */
export interface LifetimeView {
  /** What ends: the grant (the user must sign in again), the client secret, or the ID-JAG the grant came from. */
  readonly subject: 'grant' | 'client-secret' | 'id-jag';
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Where Keyport learnt it. */
  readonly source: 'access-token' | 'refresh_token_expires_in' | 'refresh-token-jwt' | 'client_secret_expires_at' | 'id-jag-exp';
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
// MCP views: tools, resources, prompts, logs, elicitation (all plain data; server text is untrusted, render as text)
// ---------------------------------------------------------------------------------------------------------------

/** Optional hints a server gives about a tool's behaviour (MCP `ToolAnnotations`). Untrusted: display only. */
export interface ToolAnnotationsView {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/** One tool as the Tools tab lists it; `inputSchema` drives the argument form. */
export interface ToolView {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: ToolAnnotationsView;
}

/** Who a content block is meant for and how important it is (MCP `Annotations`). */
export interface ContentAnnotationsView {
  readonly audience?: readonly ('user' | 'assistant')[];
  readonly priority?: number;
  readonly lastModified?: string;
}

/** The contents of one resource: text or base64 bytes. */
export type ResourceContentsView =
  | { readonly kind: 'text'; readonly uri: string; readonly mimeType?: string; readonly text: string }
  | { readonly kind: 'blob'; readonly uri: string; readonly mimeType?: string; readonly blob: string };

/** One content block of a tool result or a prompt message, every type MCP defines. */
export type ContentView =
  | { readonly type: 'text'; readonly text: string; readonly annotations?: ContentAnnotationsView }
  | { readonly type: 'image'; readonly data: string; readonly mimeType: string; readonly annotations?: ContentAnnotationsView }
  | { readonly type: 'audio'; readonly data: string; readonly mimeType: string; readonly annotations?: ContentAnnotationsView }
  // A link to a resource: MCP's `ResourceLink` is a `Resource` (what the Resources tab lists) with a type.
  | ({ readonly type: 'resource_link'; readonly annotations?: ContentAnnotationsView } & ResourceView)
  | { readonly type: 'resource'; readonly resource: ResourceContentsView; readonly annotations?: ContentAnnotationsView };

/** What a tool call returned. `isError: true` is a tool-level failure the user should see, not a thrown error. */
export interface ToolResultView {
  readonly tool: string;
  readonly content: readonly ContentView[];
  /** Present when the server sent it; already checked against the tool's `outputSchema`. */
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  readonly isError: boolean;
  readonly durationMs: number;
}

/** A progress notification of a running request. */
export interface ProgressView {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/** One resource as the Resources tab lists it. */
export interface ResourceView {
  readonly uri: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  readonly size?: number;
}

/** A parameterised resource (RFC 6570 URI template). */
export interface ResourceTemplateView {
  readonly uriTemplate: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
}

/** What reading a resource returned. */
export interface ResourceReadView {
  readonly uri: string;
  readonly contents: readonly ResourceContentsView[];
}

/** One argument a prompt takes. */
export interface PromptArgumentView {
  readonly name: string;
  readonly description?: string;
  readonly required: boolean;
}

/** One prompt as the Prompts tab lists it. */
export interface PromptView {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly arguments: readonly PromptArgumentView[];
}

/** One message of a rendered prompt. */
export interface PromptMessageView {
  readonly role: 'user' | 'assistant';
  readonly content: ContentView;
}

/** A prompt rendered by the server with the given arguments. */
export interface PromptResultView {
  readonly name: string;
  readonly description?: string;
  readonly messages: readonly PromptMessageView[];
}

/** MCP log levels (RFC 5424 severities), least to most severe. */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** One log message a server sent (`notifications/message`), or a line a stdio server wrote to stderr. */
export interface LogMessageView {
  readonly at: number;
  readonly level: LogLevel;
  readonly logger?: string;
  /** Any JSON value the server sent; rendered as text by the UI. */
  readonly data: unknown;
  readonly source: 'server' | 'stderr';
}

/** A server's request for input from the user (form-mode elicitation). */
export interface ElicitationRequestView {
  readonly serverId: string;
  /** Unique per request, so the UI can answer the right one. */
  readonly id: string;
  readonly message: string;
  /** The restricted JSON Schema (flat object of primitives) the form is built from. */
  readonly requestedSchema: Readonly<Record<string, unknown>>;
  /** The schema's defaults, pre-filled in the form. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** The user's answer to an elicitation; defaults are applied to omitted fields of an accepted answer. */
export type ElicitationResponseView =
  | { readonly action: 'accept'; readonly content: Readonly<Record<string, string | number | boolean | readonly string[]>> }
  | { readonly action: 'decline' }
  | { readonly action: 'cancel' };

/** What the server said about itself at initialization. */
export interface ServerInfoView {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  readonly protocolVersion?: string;
  /** Which wire the server speaks with Keyport: 2025-11-25 (`initialize`, sessions) or 2026-07-28 (`server/discover`). */
  readonly protocolEra?: 'legacy' | 'modern';
  readonly instructions?: string;
  readonly transport: 'streamable-http' | 'sse' | 'stdio';
  readonly capabilities: {
    readonly tools: boolean;
    readonly resources: boolean;
    readonly prompts: boolean;
    readonly logging: boolean;
    readonly completions: boolean;
  };
}

/** What the introspection endpoint (RFC 7662) said about a token, without the token. */
export interface IntrospectionView {
  readonly kind: 'access' | 'refresh';
  readonly active: boolean;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What importing another app's MCP config did: every server, imported or skipped with the reason. */
export interface ImportReportView {
  readonly file: string;
  readonly format: string;
  readonly imported: readonly { readonly name: string; readonly url: string; readonly note?: string }[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * A server that needs the user (issue 14): a sign-in that ended (grant expired or revoked, refresh refused), a step-up
 * a tool asked for, or a lifetime about to end. The sidebar counts them; the native notice and the badge follow them.
 */
export interface AttentionView {
  readonly serverId: string;
  readonly kind: 'sign-in' | 'step-up' | 'expiring';
  /** What to tell the user and what to do (Keyport's own words). */
  readonly message: string;
  /** Epoch ms when it began. */
  readonly since: number;
  /** For `expiring` (and a sign-in that ended on schedule): what ends or ended, and when. */
  readonly lifetime?: LifetimeView;
  /** For `step-up`: the scopes asked for, and the tool that asked when known. */
  readonly scopes?: readonly string[];
  readonly tool?: string;
}

/** What removing a server did at its authorization server (RFC 7009 revocation, RFC 7592 deletion) and locally. */
export interface RemovalReportView {
  /** One entry per token held, for every account: revoked, or why not. */
  readonly tokens: readonly {
    readonly account: string;
    readonly issuer: string;
    readonly kind: 'refresh' | 'access';
    readonly outcome: 'revoked' | 'failed' | 'not-offered';
    /** The error code of a failed revocation (e.g. `network`, `invalid_client`). */
    readonly code?: string;
  }[];
  /** The dynamic client registrations the server's tokens came from. */
  readonly registrations: readonly {
    readonly issuer: string;
    /** Deleted at the AS (RFC 7592), kept because another configured server uses it, deletion failed, or forgotten locally. */
    readonly outcome: 'deleted' | 'shared' | 'failed' | 'forgotten';
    readonly code?: string;
  }[];
}

/** One scope a sign-in would request, with where it comes from and what it means where Keyport can say. */
export interface PlannedScopeView {
  readonly scope: string;
  /** Who asked for it: the server's 401/403 challenge, its resource metadata, the authorization server, the settings. */
  readonly source: 'challenge' | 'resource' | 'as' | 'settings';
  /** The server asked for it (challenge or settings): unticking it is allowed only for the others. */
  readonly required: boolean;
  /** What the scope allows, from the server's metadata (`scope_descriptions`) or Keyport's table. Untrusted text. */
  readonly description?: string;
  readonly describedBy?: 'server' | 'keyport';
}

/** What a sign-in would ask for, found by discovery before the browser opens (the consent list of the sign-in panel). */
export interface LoginPlanView {
  readonly issuer: string;
  readonly resource: string;
  readonly scopes: readonly PlannedScopeView[];
}

/**
 * A device sign-in in progress (RFC 8628), as the window shows it: the user code large and copyable, the verification
 * address, a QR code of the complete address and a countdown. The user code is meant to be read by the user; the
 * device code is a secret and never part of this view.
 */
export interface DeviceCodeView {
  readonly issuer: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  /** Epoch ms when the code expires. */
  readonly expiresAt: number;
  /** Seconds between Keyport's polls. */
  readonly interval: number;
}

/** What became of an address the user pasted back: accepted, or refused with a reason. Never contains the pasted text. */
export interface PasteResultView {
  readonly accepted: boolean;
  readonly reason?: string;
  readonly message?: string;
}

/** One identity Keyport holds tokens for at a server (several accounts per server, issue 13). */
export interface AccountView {
  /** The key the tokens are stored under. */
  readonly account: string;
  /** What the user sees: their own name for the account, else what the tokens say (username, email, subject). */
  readonly name: string;
  /** What the tokens say about the user, whatever the account is called. */
  readonly label: string;
  readonly subject?: string;
  readonly username?: string;
  readonly email?: string;
  readonly issuer: string;
  /** The account the server's connection uses. */
  readonly active: boolean;
  readonly scopes: readonly string[];
  readonly obtainedAt: number;
  readonly expiresAt?: number;
}

/** The accounts of one server and which one its connection uses. */
export interface AccountsView {
  readonly active: string;
  readonly accounts: readonly AccountView[];
}

/** A step-up request: the server needs more scopes for what the user tried to do. */
export interface StepUpView {
  readonly serverId: string;
  readonly scopes: readonly string[];
  readonly tool?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Request channels
// ---------------------------------------------------------------------------------------------------------------

const serverId = z.string().min(1).max(200);
const tokenKind = z.enum(['access', 'refresh']);
const tokenKindWithId = z.enum(['access', 'refresh', 'id']);
const accountKey = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@+-]+$/);

/**
 * Every request channel: its argument tuple (validated at runtime in main) and its result type.
 * Names are `<domain>:<verb>`.
 */
export const requestSchemas = {
  'app:info': z.tuple([]),
  'app:openExternal': z.tuple([z.url({ protocol: /^https?$/ }).max(4096)]),
  'servers:list': z.tuple([]),
  'servers:add': z.tuple([serverInputSchema]),
  'servers:update': z.tuple([serverId, serverInputSchema]),
  'servers:remove': z.tuple([serverId]),
  'servers:reorder': z.tuple([z.array(serverId).max(1000)]),
  'servers:import': z.tuple([]),
  'servers:connect': z.tuple([serverId]),
  'servers:disconnect': z.tuple([serverId]),
  'servers:info': z.tuple([serverId]),
  'auth:signIn': z.tuple([
    serverId,
    // `exactScope`: `scope` is what the user ticked in the consent list, sent as is (issue 14).
    z.object({ scope: z.string().max(1024).optional(), exactScope: z.boolean().optional() }).strict().optional(),
  ]),
  'auth:plan': z.tuple([serverId]),
  'attention:list': z.tuple([]),
  'flows:saveReport': z.tuple([serverId, z.string().min(1).max(200)]),
  'auth:cancel': z.tuple([serverId]),
  'auth:copyLink': z.tuple([serverId]),
  'auth:signOut': z.tuple([serverId]),
  'auth:stepUp': z.tuple([serverId, z.array(z.string().min(1).max(200)).min(1).max(50)]),
  'auth:forgetRegistration': z.tuple([serverId]),
  'auth:redirectUri': z.tuple([serverId]),
  'auth:pasteRedirect': z.tuple([serverId, z.string().min(1).max(8192)]),
  'accounts:list': z.tuple([serverId]),
  'accounts:add': z.tuple([serverId]),
  'accounts:switch': z.tuple([serverId, accountKey]),
  'accounts:rename': z.tuple([serverId, accountKey, z.string().trim().min(1).max(80)]),
  'accounts:signOut': z.tuple([serverId, accountKey]),
  'tokens:get': z.tuple([serverId]),
  'tokens:refresh': z.tuple([serverId]),
  'tokens:introspect': z.tuple([serverId, tokenKind]),
  'tokens:revoke': z.tuple([serverId, tokenKind]),
  'tokens:copy': z.tuple([serverId, tokenKindWithId]),
  'tokens:reveal': z.tuple([serverId, tokenKindWithId]),
  'flows:list': z.tuple([serverId]),
  'tools:list': z.tuple([serverId]),
  'tools:call': z.tuple([
    serverId,
    z.object({
      callId: z.string().min(1).max(100),
      tool: z.string().min(1).max(500),
      arguments: z.record(z.string(), z.unknown()),
    }).strict(),
  ]),
  'tools:cancel': z.tuple([z.string().min(1).max(100)]),
  'resources:list': z.tuple([serverId]),
  'resources:read': z.tuple([serverId, z.string().min(1).max(4096)]),
  'prompts:list': z.tuple([serverId]),
  'prompts:get': z.tuple([serverId, z.string().min(1).max(500), z.record(z.string(), z.string().max(100_000))]),
  'log:list': z.tuple([serverId]),
  'elicitation:respond': z.tuple([
    z.string().min(1).max(200),
    z.discriminatedUnion('action', [
      z.object({
        action: z.literal('accept'),
        content: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
      }).strict(),
      z.object({ action: z.literal('decline') }).strict(),
      z.object({ action: z.literal('cancel') }).strict(),
    ]),
  ]),
} as const;

/** The result type of each request channel. */
export interface RequestResults {
  'app:info': AppInfo;
  'app:openExternal': { readonly opened: boolean };
  'servers:list': readonly ServerView[];
  'servers:add': ServerView;
  'servers:update': ServerView;
  'servers:remove': { readonly removed: boolean; readonly report?: RemovalReportView };
  'servers:reorder': readonly ServerView[];
  'servers:import': ImportReportView | null;
  'servers:connect': ServerView;
  'servers:disconnect': ServerView;
  'servers:info': ServerDetailsView;
  'auth:signIn': TokenSetView;
  'auth:plan': LoginPlanView;
  'attention:list': readonly AttentionView[];
  'flows:saveReport': { readonly saved: boolean; readonly file?: string };
  'auth:cancel': { readonly cancelled: boolean };
  'auth:copyLink': { readonly copied: boolean };
  'auth:signOut': { readonly revoked: boolean };
  'auth:stepUp': TokenSetView;
  'auth:forgetRegistration': { readonly forgotten: boolean };
  'auth:redirectUri': { readonly redirectUri: string };
  'auth:pasteRedirect': PasteResultView;
  'accounts:list': AccountsView;
  'accounts:add': TokenSetView;
  'accounts:switch': AccountsView;
  'accounts:rename': AccountsView;
  'accounts:signOut': { readonly revoked: boolean };
  'tokens:get': TokenSetView | null;
  'tokens:refresh': TokenSetView;
  'tokens:introspect': IntrospectionView;
  'tokens:revoke': TokenSetView | null;
  'tokens:copy': { readonly copied: boolean };
  'tokens:reveal': { readonly value: string };
  'flows:list': readonly FlowTraceView[];
  'tools:list': readonly ToolView[];
  'tools:call': ToolResultView;
  'tools:cancel': { readonly cancelled: boolean };
  'resources:list': { readonly resources: readonly ResourceView[]; readonly templates: readonly ResourceTemplateView[] };
  'resources:read': ResourceReadView;
  'prompts:list': readonly PromptView[];
  'prompts:get': PromptResultView;
  'log:list': readonly LogMessageView[];
  'elicitation:respond': { readonly delivered: boolean };
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
  'auth:onStepUp': StepUpView;
  'auth:onDeviceCode': { readonly serverId: string; readonly device: DeviceCodeView };
  'tokens:onChanged': { readonly serverId: string; readonly tokenSet: TokenSetView | null };
  'flows:onTrace': { readonly serverId: string; readonly trace: FlowTraceView };
  'tools:onProgress': { readonly callId: string; readonly progress: ProgressView };
  'tools:onListChanged': { readonly serverId: string };
  'log:onMessage': { readonly serverId: string; readonly message: LogMessageView };
  'elicitation:onRequest': ElicitationRequestView;
  'attention:onChanged': readonly AttentionView[];
  /** A native notice was clicked: show this server's sign-in (or step-up). */
  'app:onFocusServer': { readonly serverId: string; readonly reason: AttentionView['kind'] };
}

/** An event channel's name. */
export type EventChannel = keyof EventPayloads;

/** The event channels as a runtime list, so the preload and the tests can enumerate them. */
export const eventChannels = [
  'servers:onChanged',
  'auth:onStatus',
  'auth:onStepUp',
  'auth:onDeviceCode',
  'tokens:onChanged',
  'flows:onTrace',
  'tools:onProgress',
  'tools:onListChanged',
  'log:onMessage',
  'elicitation:onRequest',
  'attention:onChanged',
  'app:onFocusServer',
] as const satisfies readonly EventChannel[];

// ---------------------------------------------------------------------------------------------------------------
// The window's API: one named function per channel
// ---------------------------------------------------------------------------------------------------------------

/** Which `window.keyport` function serves which channel; the preload and the test harness are checked against it. */
export const apiFunctions = {
  appInfo: 'app:info',
  openExternal: 'app:openExternal',
  listServers: 'servers:list',
  addServer: 'servers:add',
  updateServer: 'servers:update',
  removeServer: 'servers:remove',
  reorderServers: 'servers:reorder',
  importServers: 'servers:import',
  connectServer: 'servers:connect',
  disconnectServer: 'servers:disconnect',
  serverInfo: 'servers:info',
  signIn: 'auth:signIn',
  planSignIn: 'auth:plan',
  listAttention: 'attention:list',
  saveFlowReport: 'flows:saveReport',
  cancelSignIn: 'auth:cancel',
  copySignInLink: 'auth:copyLink',
  signOut: 'auth:signOut',
  stepUp: 'auth:stepUp',
  forgetRegistration: 'auth:forgetRegistration',
  redirectUri: 'auth:redirectUri',
  pasteRedirect: 'auth:pasteRedirect',
  listAccounts: 'accounts:list',
  addAccount: 'accounts:add',
  switchAccount: 'accounts:switch',
  renameAccount: 'accounts:rename',
  signOutAccount: 'accounts:signOut',
  getTokens: 'tokens:get',
  refreshTokens: 'tokens:refresh',
  introspectToken: 'tokens:introspect',
  revokeToken: 'tokens:revoke',
  copyToken: 'tokens:copy',
  revealToken: 'tokens:reveal',
  listFlows: 'flows:list',
  listTools: 'tools:list',
  callTool: 'tools:call',
  cancelToolCall: 'tools:cancel',
  listResources: 'resources:list',
  readResource: 'resources:read',
  listPrompts: 'prompts:list',
  getPrompt: 'prompts:get',
  listLog: 'log:list',
  respondToElicitation: 'elicitation:respond',
  onServersChanged: 'servers:onChanged',
  onAuthStatus: 'auth:onStatus',
  onStepUp: 'auth:onStepUp',
  onDeviceCode: 'auth:onDeviceCode',
  onTokensChanged: 'tokens:onChanged',
  onFlowTrace: 'flows:onTrace',
  onToolProgress: 'tools:onProgress',
  onToolsChanged: 'tools:onListChanged',
  onLogMessage: 'log:onMessage',
  onElicitationRequest: 'elicitation:onRequest',
  onAttentionChanged: 'attention:onChanged',
  onFocusServer: 'app:onFocusServer',
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
