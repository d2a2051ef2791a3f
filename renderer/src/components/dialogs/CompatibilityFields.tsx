/**
 * The compatibility settings of the server dialog's Advanced section (issue 12): what to change for a provider that
 * bends the specs, each field explained in one line. Main checks every value again.
 */
import type { CallbackHostSetting } from '../../../../preload/contract.ts';
import type { CompatField, CompatFormState, ResourceChoice } from './compat-form.ts';

/** Props of {@link CompatibilityFields}. */
export interface CompatibilityFieldsProps {
  readonly form: CompatFormState;
  readonly change: (patch: Partial<CompatFormState>) => void;
  readonly shown: (field: CompatField) => string | undefined;
}

function Problem({ text }: { readonly text: string | undefined }) {
  return text ? (
    <p className="field-problem" role="alert">
      {text}
    </p>
  ) : null;
}

function Hint({ children }: { readonly children: string }) {
  return <span className="hint"> — {children}</span>;
}

/** The fields. */
export function CompatibilityFields({ form, change, shown }: CompatibilityFieldsProps) {
  return (
    <fieldset className="compat">
      <legend>Compatibility (only for providers that need it)</legend>
      <label>
        Resource parameter
        <Hint>the RFC 8707 resource sent with the sign-in; turn it off if the provider rejects it (Entra ID).</Hint>
        <select value={form.resourceChoice} onChange={(e) => change({ resourceChoice: e.target.value as ResourceChoice })}>
          <option value="discovered">On: the server’s resource</option>
          <option value="off">Off</option>
          <option value="custom">Custom value</option>
        </select>
      </label>
      {form.resourceChoice === 'custom' && (
        <>
          <label>
            Resource value
            <Hint>sent instead of the server’s resource, e.g. api://your-app-id.</Hint>
            <input type="text" value={form.resourceOverride} onChange={(e) => change({ resourceOverride: e.target.value })} aria-invalid={shown('resourceOverride') !== undefined} spellCheck={false} />
          </label>
          <Problem text={shown('resourceOverride')} />
        </>
      )}
      <label>
        Audience
        <Hint>an audience parameter for the sign-in (Auth0 gives a JWT for an API only with it).</Hint>
        <input type="text" value={form.audience} onChange={(e) => change({ audience: e.target.value })} spellCheck={false} />
      </label>
      <label>
        Extra sign-in parameters
        <Hint>one name=value per line, e.g. access_type=offline (Google) or prompt=consent.</Hint>
        <textarea rows={2} value={form.authorizationParams} onChange={(e) => change({ authorizationParams: e.target.value })} aria-invalid={shown('authorizationParams') !== undefined} spellCheck={false} />
      </label>
      <Problem text={shown('authorizationParams')} />
      <label>
        Callback host
        <Hint>the host of the redirect URI; some providers accept only localhost.</Hint>
        <select value={form.callbackHost} onChange={(e) => change({ callbackHost: e.target.value as CallbackHostSetting })}>
          <option value="127.0.0.1">127.0.0.1</option>
          <option value="localhost">localhost</option>
          <option value="[::1]">[::1]</option>
        </select>
      </label>
      <label>
        Callback path
        <Hint>the path of the redirect URI when the provider needs an exact one; default /callback.</Hint>
        <input type="text" value={form.callbackPath} placeholder="/callback" onChange={(e) => change({ callbackPath: e.target.value })} aria-invalid={shown('callbackPath') !== undefined} spellCheck={false} />
      </label>
      <Problem text={shown('callbackPath')} />
      <label>
        Accepted issuer
        <Hint>accept this exact issuer when the provider’s documents disagree about it.</Hint>
        <input type="url" value={form.acceptedIssuer} onChange={(e) => change({ acceptedIssuer: e.target.value })} aria-invalid={shown('acceptedIssuer') !== undefined} spellCheck={false} />
      </label>
      <Problem text={shown('acceptedIssuer')} />
      <label>
        Authorization endpoint
        <Hint>for a provider that publishes no metadata (GitHub): where sign-in starts.</Hint>
        <input type="url" value={form.authorizationEndpoint} onChange={(e) => change({ authorizationEndpoint: e.target.value })} aria-invalid={shown('authorizationEndpoint') !== undefined} spellCheck={false} />
      </label>
      <Problem text={shown('authorizationEndpoint')} />
      <label>
        Token endpoint
        <Hint>for a provider that publishes no metadata: where Keyport gets tokens.</Hint>
        <input type="url" value={form.tokenEndpoint} onChange={(e) => change({ tokenEndpoint: e.target.value })} aria-invalid={shown('tokenEndpoint') !== undefined} spellCheck={false} />
      </label>
      <Problem text={shown('tokenEndpoint')} />
      <label className="checkbox">
        <input type="checkbox" checked={form.assumePkceS256} onChange={(e) => change({ assumePkceS256: e.target.checked })} />
        Supports PKCE S256
        <Hint>the provider supports S256 although its metadata does not say so (Entra ID, GitHub).</Hint>
      </label>
    </fieldset>
  );
}
