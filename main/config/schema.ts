/**
 * The server list's data model and its on-disk schema. Nothing secret is ever part of it: secret values (client
 * secret, private key, secret header values, stdio env secrets) live in the keychain and are referenced here by the
 * id of their `secret:<id>` item.
 */
import { z } from 'zod';
import type { AuthSettingsView, ServerView, TransportKind } from '../../preload/contract.ts';
import { compatSettingsProblems, compatSettingsView } from './compat-settings.ts';

/** The version of the servers.json format this code writes. */
export const CONFIG_VERSION = 1;

/** The id of a keychain item holding a user-entered secret. */
const secretRefSchema = z.string().min(1).max(200);

const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** An http(s) URL without embedded credentials or fragment. */
export const serverUrlSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without user name, password or #fragment');

/** Per-server authorization settings (the non-secret part of the contract's `AuthSettingsView`, plus secret refs). */
export const authSettingsSchema = z
  .object({
    mode: z.enum(['automatic', 'preregistered', 'client-credentials', 'none']).default('automatic'),
    clientId: z.string().min(1).max(512).optional(),
    tokenEndpointAuthMethod: z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
    /** Keychain id of the client secret. */
    clientSecretRef: secretRefSchema.optional(),
    /** Keychain id of the private key (PEM or JWK) for `private_key_jwt`. */
    privateKeyRef: secretRefSchema.optional(),
    scope: z.string().max(1024).optional(),
    sendResourceParameter: z.boolean().default(true),
    callbackPort: z.number().int().min(1024).max(65535).optional(),
    clientMetadataDocumentUrl: z.string().url().max(2048).optional(),
    preferredAuthorizationServer: z.string().url().max(2048).optional(),
    dpop: z.enum(['auto', 'off']).default('auto'),
    /** How the user signs in (issue 13); absent means the browser. */
    signInMethod: z.enum(['browser', 'device', 'automatic']).optional(),
    // Compatibility settings (issue 12), non-secret; checked by compat.ts's rules on every read and write.
    resourceOverride: z.string().min(1).max(2048).optional(),
    audience: z.string().min(1).max(2048).optional(),
    authorizationParams: z.record(z.string(), z.string()).optional(),
    callbackHost: z.enum(['127.0.0.1', 'localhost', '[::1]']).optional(),
    callbackPath: z.string().min(1).max(200).optional(),
    acceptedIssuer: z.string().min(1).max(2048).optional(),
    authorizationEndpoint: z.string().min(1).max(2048).optional(),
    tokenEndpoint: z.string().min(1).max(2048).optional(),
    assumePkceS256: z.boolean().optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    for (const issue of compatSettingsProblems(auth)) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });

/** A server's authorization settings as stored. */
export type AuthSettings = z.infer<typeof authSettingsSchema>;

/** How a stdio server is started: the command, its arguments, plain and secret environment variables. */
export const stdioSchema = z
  .object({
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(8192)).default([]),
    cwd: z.string().max(4096).optional(),
    env: z.record(z.string(), z.string()).default({}),
    /** Variable name → keychain id of its value. */
    secretEnv: z.record(z.string(), secretRefSchema).default({}),
  })
  .strict();

/** A stdio server's launch settings. */
export type StdioSettings = z.infer<typeof stdioSchema>;

/**
 * Characters a server name may not hold: control characters (C0, C1), line and paragraph separators, zero-width and
 * bidi formatting. A name is printed in terminals and one-line messages, where such a character could fake a line,
 * move the cursor or reverse text.
 */
// eslint-disable-next-line no-control-regex
export const UNPRINTABLE_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** A name from elsewhere (an imported file) made printable: each unprintable run becomes one space. */
export function printableName(name: string): string {
  return name.replace(new RegExp(UNPRINTABLE_NAME_CHARACTERS.source + '+', 'g'), ' ').replace(/\s+/g, ' ').trim();
}

/** One configured server. */
export const serverConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lower-case letters, digits, ".", "_" and "-"'),
    name: z.string().trim().min(1).max(120).refine((n) => !UNPRINTABLE_NAME_CHARACTERS.test(n), 'may not contain control characters, line breaks or invisible formatting characters'),
    transport: z.enum(['streamable-http', 'sse', 'stdio']),
    url: serverUrlSchema.optional(),
    stdio: stdioSchema.optional(),
    /** Non-secret request headers. */
    headers: z.record(headerNameSchema, z.string().max(8192)).default({}),
    /** Header name → keychain id of its value. */
    secretHeaders: z.record(headerNameSchema, secretRefSchema).default({}),
    auth: authSettingsSchema.default({ mode: 'automatic', sendResourceParameter: true, dpop: 'auto' }),
    createdAt: z.number().int().nonnegative(),
    /** Where an imported server came from (app and file), for the user's information. */
    importedFrom: z.string().max(4096).optional(),
  })
  .strict()
  .superRefine((server, ctx) => {
    if (server.transport === 'stdio') {
      if (server.stdio === undefined) ctx.addIssue({ code: 'custom', path: ['stdio'], message: 'a stdio server needs a command' });
    } else if (server.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `a ${server.transport} server needs a URL` });
    }
  });

/** One configured server, as stored in servers.json. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** The whole servers.json file. */
export const configFileSchema = z
  .object({
    version: z.literal(CONFIG_VERSION),
    servers: z.array(serverConfigSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const names = new Set<string>();
    file.servers.forEach((server, index) => {
      if (ids.has(server.id)) ctx.addIssue({ code: 'custom', path: ['servers', index, 'id'], message: `duplicate id ${server.id}` });
      const name = server.name.toLowerCase();
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `duplicate name ${server.name}` });
      ids.add(server.id);
      names.add(name);
    });
  });

/** The whole servers.json file, parsed. */
export type ConfigFile = z.infer<typeof configFileSchema>;

/** The URL the UI shows for a server: its URL, or `stdio:<command> <args>` for a stdio server. */
export function serverDisplayUrl(server: ServerConfig): string {
  if (server.url !== undefined) return server.url;
  const stdio = server.stdio;
  return stdio === undefined ? '' : `stdio:${[stdio.command, ...stdio.args].join(' ')}`;
}

/** The contract's `AuthSettingsView` of a server's settings: no secret, only whether one is stored. */
export function toAuthSettingsView(auth: AuthSettings): AuthSettingsView {
  return {
    mode: auth.mode,
    ...(auth.clientId !== undefined && { clientId: auth.clientId }),
    ...(auth.tokenEndpointAuthMethod !== undefined && { tokenEndpointAuthMethod: auth.tokenEndpointAuthMethod }),
    hasClientSecret: auth.clientSecretRef !== undefined,
    hasPrivateKey: auth.privateKeyRef !== undefined,
    ...(auth.scope !== undefined && { scope: auth.scope }),
    sendResourceParameter: auth.sendResourceParameter,
    ...(auth.callbackPort !== undefined && { callbackPort: auth.callbackPort }),
    ...(auth.clientMetadataDocumentUrl !== undefined && { clientMetadataDocumentUrl: auth.clientMetadataDocumentUrl }),
    ...(auth.preferredAuthorizationServer !== undefined && {
      preferredAuthorizationServer: auth.preferredAuthorizationServer,
    }),
    dpop: auth.dpop,
    ...(auth.signInMethod !== undefined && { signInMethod: auth.signInMethod }),
    ...compatSettingsView(auth),
  };
}

/** A server as the sidebar lists it, minus the live status (which the connection layer owns). */
export function toServerViewBase(server: ServerConfig): Omit<ServerView, 'status'> {
  const transport: TransportKind = server.transport;
  return { id: server.id, name: server.name, url: serverDisplayUrl(server), transport, auth: toAuthSettingsView(server.auth) };
}
