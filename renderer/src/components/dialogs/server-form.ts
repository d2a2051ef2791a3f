/** The add/edit server form's state and how it becomes a `ServerInput` for main. */
import type { AuthMode, ServerInput, ServerView, SignInMethodView, TransportKind } from '../../../../preload/contract.ts';
import { optionalUrlProblem, urlProblem } from '../../lib/url-problem.ts';
import { compatInput, compatProblems, initialCompatState, type CompatField, type CompatFormState } from './compat-form.ts';

/** Token endpoint authentication methods a pre-registered client can use. */
export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Everything the form edits, as text where the user types. */
export interface ServerFormState extends CompatFormState {
  readonly url: string;
  readonly name: string;
  readonly transport: TransportKind;
  readonly mode: AuthMode;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The private key for `private_key_jwt` as typed, pasted or loaded; it lives only as long as the dialog. */
  readonly privateKey: string;
  readonly authMethod: AuthMethod | '';
  readonly scope: string;
  readonly callbackPort: string;
  readonly preferredAuthorizationServer: string;
  readonly clientMetadataDocumentUrl: string;
  readonly dpop: 'auto' | 'off';
  /** How the user signs in (issue 13): the browser here, a code on any device, or device when no browser can open. */
  readonly signInMethod: SignInMethodView;
}

/** The form's starting state: blank with a URL, or a server's current settings. */
export function initialFormState(server: ServerView | undefined, url = ''): ServerFormState {
  const auth = server?.auth;
  return {
    url: server?.url ?? url,
    name: server?.name ?? '',
    transport: server?.transport ?? 'streamable-http',
    mode: auth?.mode ?? 'automatic',
    clientId: auth?.clientId ?? '',
    clientSecret: '',
    privateKey: '',
    authMethod: auth?.tokenEndpointAuthMethod ?? '',
    scope: auth?.scope ?? '',
    callbackPort: auth?.callbackPort !== undefined ? String(auth.callbackPort) : '',
    preferredAuthorizationServer: auth?.preferredAuthorizationServer ?? '',
    clientMetadataDocumentUrl: auth?.clientMetadataDocumentUrl ?? '',
    dpop: auth?.dpop ?? 'auto',
    signInMethod: auth?.signInMethod ?? 'browser',
    ...initialCompatState(auth),
  };
}

/** Problems by field, shown next to each field as the user types. */
export type FormProblems = Partial<
  Record<'url' | 'clientId' | 'privateKey' | 'callbackPort' | 'preferredAuthorizationServer' | 'clientMetadataDocumentUrl' | CompatField, string>
>;

/** Whether the mode has Keyport use a client of its own (pre-registered or client credentials), so a client ID, secret or key applies. */
export function usesClient(form: ServerFormState): boolean {
  return form.mode === 'preregistered' || form.mode === 'client-credentials';
}

/**
 * Whether the dialog shows the private key field: the client authenticates with `private_key_jwt`, a key is already
 * stored (so it can be replaced), or the user has entered one (so what is sent is always on screen).
 */
export function showsPrivateKey(form: ServerFormState, server: ServerView | undefined): boolean {
  return usesClient(form) && (form.authMethod === 'private_key_jwt' || server?.auth.hasPrivateKey === true || form.privateKey !== '');
}

/** The longest key main accepts (`serverInputSchema`); a longer text is not one key. */
const MAX_PRIVATE_KEY_LENGTH = 16_384;

/** Checks the form; an empty object means it can be saved. `server` is the server being edited, if any. */
export function formProblems(form: ServerFormState, server?: ServerView): FormProblems {
  const problems: Record<string, string | undefined> = {
    url: form.transport === 'stdio' ? (form.url.trim() === '' ? 'Enter the command that starts the server.' : undefined) : urlProblem(form.url),
    clientId: usesClient(form) && form.clientId.trim() === '' ? 'Enter the client ID the provider gave you.' : undefined,
    privateKey: privateKeyProblem(form, server),
    callbackPort: portProblem(form.callbackPort),
    preferredAuthorizationServer: optionalUrlProblem(form.preferredAuthorizationServer),
    clientMetadataDocumentUrl: optionalUrlProblem(form.clientMetadataDocumentUrl),
    ...compatProblems(form),
  };
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v !== undefined)) as FormProblems;
}

/** Only the obvious: main parses the key and says precisely what is wrong with one that is not obviously wrong. */
function privateKeyProblem(form: ServerFormState, server: ServerView | undefined): string | undefined {
  if (!usesClient(form)) return undefined;
  const key = form.privateKey.trim();
  if (key === '') {
    return form.authMethod === 'private_key_jwt' && server?.auth.hasPrivateKey !== true
      ? 'private_key_jwt needs the client’s private key (PEM or JWK).'
      : undefined;
  }
  if (!key.includes('-----BEGIN') && !key.startsWith('{')) return 'Paste the whole key, including its BEGIN and END lines, or a JWK.';
  if (key.length > MAX_PRIVATE_KEY_LENGTH) return 'That is longer than a private key can be: paste only the key (at most 16,384 characters).';
  return undefined;
}

function portProblem(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) return 'Use a port number from 1024 to 65535, or leave it empty.';
  return undefined;
}

/** The `ServerInput` main validates again; secrets are included only when the user typed one. */
export function toServerInput(form: ServerFormState): ServerInput {
  const client = usesClient(form);
  const privateKey = form.privateKey.trim();
  return {
    url: form.url.trim(),
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    transport: form.transport,
    auth: {
      mode: form.mode,
      ...(client && form.clientId.trim() ? { clientId: form.clientId.trim() } : {}),
      ...(client && form.clientSecret ? { clientSecret: form.clientSecret } : {}),
      ...(client && privateKey ? { privateKey } : {}),
      ...(client && form.authMethod ? { tokenEndpointAuthMethod: form.authMethod } : {}),
      // An emptied field removes the stored value when editing (null); adding ignores it.
      scope: form.scope.trim() ? form.scope.trim() : null,
      callbackPort: form.callbackPort.trim() ? Number(form.callbackPort) : null,
      ...(form.preferredAuthorizationServer.trim() ? { preferredAuthorizationServer: form.preferredAuthorizationServer.trim() } : {}),
      ...(form.clientMetadataDocumentUrl.trim() ? { clientMetadataDocumentUrl: form.clientMetadataDocumentUrl.trim() } : {}),
      dpop: form.dpop,
      signInMethod: form.signInMethod,
      ...compatInput(form),
    },
  };
}
