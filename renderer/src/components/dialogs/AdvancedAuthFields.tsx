/** The Advanced section of the server dialog: how Keyport gets a client identity and what it asks for. */
import type { AuthMode, ServerView } from '../../../../preload/contract.ts';
import { CompatibilityFields } from './CompatibilityFields.tsx';
import { PrivateKeyField } from './PrivateKeyField.tsx';
import { RedirectUriField } from './RedirectUriField.tsx';
import { showsPrivateKey, usesClient, type AuthMethod, type FormProblems, type ServerFormState } from './server-form.ts';

/** Props of {@link AdvancedAuthFields}. */
export interface AdvancedAuthFieldsProps {
  readonly form: ServerFormState;
  readonly change: (patch: Partial<ServerFormState>) => void;
  readonly shown: (field: keyof FormProblems) => string | undefined;
  readonly server: ServerView | undefined;
  readonly open: boolean;
}

const modes: readonly { readonly value: AuthMode; readonly label: string; readonly hint: string }[] = [
  { value: 'automatic', label: 'Automatic', hint: 'Discover the authorization server and register Keyport (recommended).' },
  { value: 'preregistered', label: 'Pre-registered client', hint: 'Use a client ID (and secret) you registered at the provider.' },
  { value: 'client-credentials', label: 'Client credentials', hint: 'Machine-to-machine: no user sign-in.' },
  { value: 'none', label: 'No authorization', hint: 'The server is open.' },
];

/** The fields. */
export function AdvancedAuthFields({ form, change, shown, server, open }: AdvancedAuthFieldsProps) {
  return (
    <details className="advanced" open={open}>
      <summary>Advanced: authorization settings</summary>
      <fieldset>
        <legend>How Keyport identifies itself</legend>
        {modes.map((m) => (
          <label key={m.value} className="radio">
            <input type="radio" name="auth-mode" value={m.value} checked={form.mode === m.value} onChange={() => change({ mode: m.value })} />
            {m.label} <span className="muted">— {m.hint}</span>
          </label>
        ))}
      </fieldset>
      {usesClient(form) && (
        <>
          <label>
            Client ID
            <input
              type="text"
              value={form.clientId}
              onChange={(e) => change({ clientId: e.target.value })}
              aria-invalid={shown('clientId') !== undefined}
              autoFocus={form.mode === 'preregistered' && form.clientId === ''}
              spellCheck={false}
            />
          </label>
          {shown('clientId') && <p className="field-problem" role="alert">{shown('clientId')}</p>}
          <label>
            Client secret {server?.auth.hasClientSecret ? '(stored in the keychain; leave empty to keep it)' : '(optional)'}
            <input type="password" value={form.clientSecret} autoComplete="off" onChange={(e) => change({ clientSecret: e.target.value })} />
          </label>
          <label>
            Token endpoint authentication
            <select value={form.authMethod} onChange={(e) => change({ authMethod: e.target.value as AuthMethod | '' })}>
              <option value="">Chosen from the provider’s metadata</option>
              <option value="none">None (public client)</option>
              <option value="client_secret_basic">client_secret_basic</option>
              <option value="client_secret_post">client_secret_post</option>
              <option value="private_key_jwt">private_key_jwt</option>
            </select>
          </label>
          {showsPrivateKey(form, server) && (
            <PrivateKeyField value={form.privateKey} change={(privateKey) => change({ privateKey })} problem={shown('privateKey')} stored={server?.auth.hasPrivateKey === true} />
          )}
          {form.mode === 'preregistered' && <RedirectUriField server={server} />}
        </>
      )}
      <label>
        Scopes to request (optional; space-separated)
        <input type="text" value={form.scope} placeholder="as the server asks" onChange={(e) => change({ scope: e.target.value })} spellCheck={false} />
      </label>
      <label>
        Callback port (optional; pin it when the provider needs an exact redirect URI)
        <input
          type="number"
          inputMode="numeric"
          value={form.callbackPort}
          onChange={(e) => change({ callbackPort: e.target.value })}
          aria-invalid={shown('callbackPort') !== undefined}
        />
      </label>
      {shown('callbackPort') && <p className="field-problem" role="alert">{shown('callbackPort')}</p>}
      <label>
        Preferred authorization server (optional, when the server lists several)
        <input
          type="url"
          value={form.preferredAuthorizationServer}
          onChange={(e) => change({ preferredAuthorizationServer: e.target.value })}
          aria-invalid={shown('preferredAuthorizationServer') !== undefined}
          spellCheck={false}
        />
      </label>
      {shown('preferredAuthorizationServer') && <p className="field-problem" role="alert">{shown('preferredAuthorizationServer')}</p>}
      <label>
        Client ID metadata document URL (optional)
        <input
          type="url"
          value={form.clientMetadataDocumentUrl}
          onChange={(e) => change({ clientMetadataDocumentUrl: e.target.value })}
          aria-invalid={shown('clientMetadataDocumentUrl') !== undefined}
          spellCheck={false}
        />
      </label>
      {shown('clientMetadataDocumentUrl') && <p className="field-problem" role="alert">{shown('clientMetadataDocumentUrl')}</p>}
      <label>
        How to sign in
        <select value={form.signInMethod} onChange={(e) => change({ signInMethod: e.target.value as ServerFormState['signInMethod'] })}>
          <option value="browser">In the browser on this computer</option>
          <option value="device">With a code on any device (device flow)</option>
          <option value="automatic">Automatic: a code when no browser can open here</option>
        </select>
      </label>
      <label>
        DPoP (sender-constrained tokens)
        <select value={form.dpop} onChange={(e) => change({ dpop: e.target.value as 'auto' | 'off' })}>
          <option value="auto">Use when the provider supports it</option>
          <option value="off">Off</option>
        </select>
      </label>
      <CompatibilityFields form={form} change={change} shown={shown} />
    </details>
  );
}
