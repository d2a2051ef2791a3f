/** The add/edit server form's state and how it becomes a `ServerInput` for main. */
import type { AuthMode, ServerInput, ServerView, TransportKind } from '../../../../preload/contract.ts';
import { optionalUrlProblem, urlProblem } from '../../lib/url-problem.ts';

/** Token endpoint authentication methods a pre-registered client can use. */
export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Everything the form edits, as text where the user types. */
export interface ServerFormState {
  readonly url: string;
  readonly name: string;
  readonly transport: TransportKind;
  readonly mode: AuthMode;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: AuthMethod | '';
  readonly scope: string;
  readonly sendResourceParameter: boolean;
  readonly callbackPort: string;
  readonly preferredAuthorizationServer: string;
  readonly clientMetadataDocumentUrl: string;
  readonly dpop: 'auto' | 'off';
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
    authMethod: auth?.tokenEndpointAuthMethod ?? '',
    scope: auth?.scope ?? '',
    sendResourceParameter: auth?.sendResourceParameter ?? true,
    callbackPort: auth?.callbackPort !== undefined ? String(auth.callbackPort) : '',
    preferredAuthorizationServer: auth?.preferredAuthorizationServer ?? '',
    clientMetadataDocumentUrl: auth?.clientMetadataDocumentUrl ?? '',
    dpop: auth?.dpop ?? 'auto',
  };
}

/** Problems by field, shown next to each field as the user types. */
export type FormProblems = Partial<Record<'url' | 'clientId' | 'callbackPort' | 'preferredAuthorizationServer' | 'clientMetadataDocumentUrl', string>>;

/** Checks the form; an empty object means it can be saved. */
export function formProblems(form: ServerFormState): FormProblems {
  const problems: Record<string, string | undefined> = {
    url: form.transport === 'stdio' ? (form.url.trim() === '' ? 'Enter the command that starts the server.' : undefined) : urlProblem(form.url),
    clientId:
      (form.mode === 'preregistered' || form.mode === 'client-credentials') && form.clientId.trim() === ''
        ? 'Enter the client ID the provider gave you.'
        : undefined,
    callbackPort: portProblem(form.callbackPort),
    preferredAuthorizationServer: optionalUrlProblem(form.preferredAuthorizationServer),
    clientMetadataDocumentUrl: optionalUrlProblem(form.clientMetadataDocumentUrl),
  };
  return Object.fromEntries(Object.entries(problems).filter(([, v]) => v !== undefined)) as FormProblems;
}

function portProblem(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) return 'Use a port number from 1024 to 65535, or leave it empty.';
  return undefined;
}

/** The `ServerInput` main validates again; secrets are included only when the user typed one. */
export function toServerInput(form: ServerFormState): ServerInput {
  const usesClient = form.mode === 'preregistered' || form.mode === 'client-credentials';
  return {
    url: form.url.trim(),
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    transport: form.transport,
    auth: {
      mode: form.mode,
      ...(usesClient && form.clientId.trim() ? { clientId: form.clientId.trim() } : {}),
      ...(usesClient && form.clientSecret ? { clientSecret: form.clientSecret } : {}),
      ...(usesClient && form.authMethod ? { tokenEndpointAuthMethod: form.authMethod } : {}),
      ...(form.scope.trim() ? { scope: form.scope.trim() } : {}),
      sendResourceParameter: form.sendResourceParameter,
      ...(form.callbackPort.trim() ? { callbackPort: Number(form.callbackPort) } : {}),
      ...(form.preferredAuthorizationServer.trim() ? { preferredAuthorizationServer: form.preferredAuthorizationServer.trim() } : {}),
      ...(form.clientMetadataDocumentUrl.trim() ? { clientMetadataDocumentUrl: form.clientMetadataDocumentUrl.trim() } : {}),
      dpop: form.dpop,
    },
  };
}
