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
/** A failure as it crosses IPC: a stable code the UI can branch on and a message that says what to do next. */
export interface IpcError {
    readonly code: string;
    readonly message: string;
}
/** What every request channel resolves to; the renderer bridge turns `ok: false` into a thrown error. */
export type IpcResult<T> = {
    readonly ok: true;
    readonly value: T;
} | {
    readonly ok: false;
    readonly error: IpcError;
};
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
export type ServerStatus = {
    readonly state: 'disconnected';
} | {
    readonly state: 'connecting';
} | {
    readonly state: 'needs-sign-in';
    readonly reason?: string;
} | {
    readonly state: 'signing-in';
    readonly authorizationServer?: string;
    readonly since: number;
} | {
    readonly state: 'connected';
    readonly since: number;
} | {
    readonly state: 'refreshing';
} | {
    readonly state: 'step-up-needed';
    readonly scopes: readonly string[];
    readonly tool?: string;
} | {
    readonly state: 'error';
    readonly error: IpcError;
};
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
export declare const serverInputSchema: z.ZodObject<{
    name: z.ZodOptional<z.ZodString>;
    url: z.ZodString;
    transport: z.ZodOptional<z.ZodEnum<{
        "streamable-http": "streamable-http";
        sse: "sse";
        stdio: "stdio";
    }>>;
    auth: z.ZodOptional<z.ZodObject<{
        mode: z.ZodOptional<z.ZodEnum<{
            automatic: "automatic";
            preregistered: "preregistered";
            "client-credentials": "client-credentials";
            none: "none";
        }>>;
        clientId: z.ZodOptional<z.ZodString>;
        clientSecret: z.ZodOptional<z.ZodString>;
        tokenEndpointAuthMethod: z.ZodOptional<z.ZodEnum<{
            none: "none";
            client_secret_basic: "client_secret_basic";
            client_secret_post: "client_secret_post";
            private_key_jwt: "private_key_jwt";
        }>>;
        scope: z.ZodOptional<z.ZodString>;
        sendResourceParameter: z.ZodOptional<z.ZodBoolean>;
        callbackPort: z.ZodOptional<z.ZodNumber>;
        clientMetadataDocumentUrl: z.ZodOptional<z.ZodString>;
        preferredAuthorizationServer: z.ZodOptional<z.ZodString>;
        dpop: z.ZodOptional<z.ZodEnum<{
            auto: "auto";
            off: "off";
        }>>;
    }, z.core.$strict>>;
}, z.core.$strict>;
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
/**
 * Every request channel: its argument tuple (validated at runtime in main) and its result type.
 * Names are `<domain>:<verb>`.
 */
export declare const requestSchemas: {
    readonly 'app:info': z.ZodTuple<[], null>;
    readonly 'servers:list': z.ZodTuple<[], null>;
    readonly 'servers:add': z.ZodTuple<[z.ZodObject<{
        name: z.ZodOptional<z.ZodString>;
        url: z.ZodString;
        transport: z.ZodOptional<z.ZodEnum<{
            "streamable-http": "streamable-http";
            sse: "sse";
            stdio: "stdio";
        }>>;
        auth: z.ZodOptional<z.ZodObject<{
            mode: z.ZodOptional<z.ZodEnum<{
                automatic: "automatic";
                preregistered: "preregistered";
                "client-credentials": "client-credentials";
                none: "none";
            }>>;
            clientId: z.ZodOptional<z.ZodString>;
            clientSecret: z.ZodOptional<z.ZodString>;
            tokenEndpointAuthMethod: z.ZodOptional<z.ZodEnum<{
                none: "none";
                client_secret_basic: "client_secret_basic";
                client_secret_post: "client_secret_post";
                private_key_jwt: "private_key_jwt";
            }>>;
            scope: z.ZodOptional<z.ZodString>;
            sendResourceParameter: z.ZodOptional<z.ZodBoolean>;
            callbackPort: z.ZodOptional<z.ZodNumber>;
            clientMetadataDocumentUrl: z.ZodOptional<z.ZodString>;
            preferredAuthorizationServer: z.ZodOptional<z.ZodString>;
            dpop: z.ZodOptional<z.ZodEnum<{
                auto: "auto";
                off: "off";
            }>>;
        }, z.core.$strict>>;
    }, z.core.$strict>], null>;
    readonly 'servers:remove': z.ZodTuple<[z.ZodString], null>;
};
/** The result type of each request channel. */
export interface RequestResults {
    'app:info': AppInfo;
    'servers:list': readonly ServerView[];
    'servers:add': ServerView;
    'servers:remove': {
        readonly removed: boolean;
    };
}
/** A request channel's name. */
export type RequestChannel = keyof typeof requestSchemas;
/** A request channel's validated argument tuple. */
export type RequestArgs<C extends RequestChannel> = z.infer<(typeof requestSchemas)[C]>;
/** A request channel's arguments as the caller writes them (before defaults and trimming). */
export type RequestInput<C extends RequestChannel> = z.input<(typeof requestSchemas)[C]>;
/** A request channel's result. */
export type RequestResult<C extends RequestChannel> = RequestResults[C];
/** Every push event and its payload. Names are `<domain>:on<Thing>`. */
export interface EventPayloads {
    'servers:onChanged': readonly ServerView[];
    'auth:onStatus': {
        readonly serverId: string;
        readonly status: ServerStatus;
    };
}
/** An event channel's name. */
export type EventChannel = keyof EventPayloads;
/** The event channels as a runtime list, so the preload and the tests can enumerate them. */
export declare const eventChannels: readonly ["servers:onChanged", "auth:onStatus"];
/** Which `window.keyport` function serves which channel; the preload and the test harness are checked against it. */
export declare const apiFunctions: {
    readonly appInfo: "app:info";
    readonly listServers: "servers:list";
    readonly addServer: "servers:add";
    readonly removeServer: "servers:remove";
    readonly onServersChanged: "servers:onChanged";
    readonly onAuthStatus: "auth:onStatus";
};
type RequestFunction<C extends RequestChannel> = (...args: RequestInput<C>) => Promise<IpcResult<RequestResult<C>>>;
type EventFunction<C extends EventChannel> = (listener: (payload: EventPayloads[C]) => void) => () => void;
/** `window.keyport` as the preload exposes it. */
export type KeyportApi = {
    readonly [F in keyof typeof apiFunctions]: (typeof apiFunctions)[F] extends infer C ? C extends RequestChannel ? RequestFunction<C> : C extends EventChannel ? EventFunction<C> : never : never;
};
export {};
