/**
 * Errors that name the fix (issue 12 item 4). Providers refuse a sign-in for reasons a setting can fix — the resource
 * parameter, a scope, the redirect URI, the client authentication, a registration they do not allow or have
 * forgotten — and say so in their own words (AADSTS codes, `invalid_target`, an error page). These map each known
 * situation to its own stable code and a message that says exactly which setting to change, in the dialog and on the
 * command line. The provider's text itself is never repeated (it is server-controlled); only its OAuth error code.
 */
import { OAuthError, type OAuthErrorCode } from './errors.ts';

/** What the login knew when it failed, so the advice can name the values involved. */
export interface LoginFacts {
  /** The scope that was requested, if any. */
  readonly scope?: string | undefined;
  /** Whether the `resource` parameter was sent. */
  readonly resourceSent: boolean;
  /** The redirect URI of this login. */
  readonly redirectUri: string;
  /** How the client identity was obtained, once known. */
  registration?: { readonly kind: string; readonly clientId: string; readonly tokenEndpointAuthMethod: string; readonly fresh: boolean };
}

/**
 * The codes of the situations this module recognises (each also in `oauthErrorCodes`); a server without dynamic
 * registration keeps `client_id_required` (the window offers the client id field on it) and a refused registration
 * `registration_failed`, both with the advice.
 */
export const PROVIDER_ERROR_CODES = ['resource_rejected', 'scope_rejected', 'redirect_uri_rejected', 'client_auth_rejected'] as const;

/** Errors already advised keep their message (a retried login passes through here twice). */
const advised = new WeakSet<OAuthError>();

/** The redirect URI to register at a provider for Keyport: any port on 127.0.0.1 (RFC 8252 §7.3). */
export const REGISTER_REDIRECT_URI = 'http://127.0.0.1/callback';

/**
 * Returns the error to report for a failed login: a recognised provider refusal becomes its own code with the fix;
 * anything else is returned unchanged (a login timeout gets the hints that apply to it).
 */
export function adviseLoginError(err: unknown, facts: LoginFacts): unknown {
  if (!(err instanceof OAuthError) || advised.has(err)) return err;
  const text = `${err.oauthError ?? ''} ${descriptionOf(err)}`;
  const made = (code: OAuthErrorCode, message: string): OAuthError => {
    const out = new OAuthError(code, message, { ...(err.oauthError ? { oauthError: err.oauthError } : {}), ...(err.status !== undefined ? { status: err.status } : {}), cause: err });
    advised.add(out);
    return out;
  };
  const what = err.oauthError ? ` (${err.oauthError})` : '';
  const description = descriptionOf(err);
  const resourceRefused =
    err.oauthError === 'invalid_target' ||
    /AADSTS9010010|AADSTS500011/.test(description) ||
    ((err.oauthError === 'invalid_request' || err.oauthError === 'invalid_grant') && /\bresource\b/i.test(description) && !/resource owner|redirect/i.test(description));
  if (facts.resourceSent && resourceRefused) {
    return made(
      'resource_rejected',
      `This server rejects the resource parameter${what}. Turn it off: Edit → Advanced → Resource parameter: Off (CLI: keyport servers edit <server> --no-resource-param), or enter the value it expects there (--resource VALUE), then sign in again.`,
    );
  }
  if (err.oauthError === 'invalid_scope' || /AADSTS65001|AADSTS70011|\binvalid[_ ]scope\b/i.test(text)) {
    const asked = facts.scope ? `"${facts.scope}"` : 'no scope';
    return made(
      'scope_rejected',
      `The authorization server rejected the scopes Keyport asked for (${asked})${what}. Enter the scopes it accepts under Edit → Advanced → Scopes to request (CLI: keyport servers edit <server> --scope "SCOPES"); some providers want them fully qualified, e.g. api://<app-id>/<scope>.`,
    );
  }
  if (/redirect_uri|redirect uri|AADSTS50011/i.test(text)) {
    return made(
      'redirect_uri_rejected',
      `The authorization server does not accept Keyport's redirect URI ${facts.redirectUri}${what}. Make it match the app's registered one under Edit → Advanced → Callback host, Callback port and Callback path (CLI: keyport servers edit <server> --callback-host localhost --callback-port PORT --callback-path /PATH), or register ${REGISTER_REDIRECT_URI} (any port) with the app.`,
    );
  }
  if ((err.code === 'invalid_client' || err.oauthError === 'unauthorized_client') && facts.registration && facts.registration.kind !== 'dynamic') {
    return made(
      'client_auth_rejected',
      `The authorization server refused how Keyport authenticated client ${facts.registration.clientId} (${facts.registration.tokenEndpointAuthMethod})${what}. Check the client secret, or choose the method the provider expects under Edit → Advanced → Token endpoint authentication (CLI: keyport servers edit <server> --token-auth-method client_secret_post | client_secret_basic | none).`,
    );
  }
  if (err.code === 'client_id_required' || err.code === 'registration_failed') {
    return made(
      err.code,
      `${err.code === 'registration_failed' ? `This authorization server refused Keyport's dynamic registration${what}` : 'This authorization server does not support dynamic registration'}: register an app there with redirect URI ${REGISTER_REDIRECT_URI} (any port) and enter its client id under Edit → Advanced → Pre-registered client (CLI: keyport servers edit <server> --client-id ID, plus --client-secret-stdin if the app has a secret).`,
    );
  }
  if (err.code === 'login_timeout' || err.code === 'authorization_failed') {
    const hints: string[] = [];
    if (facts.registration?.kind === 'dynamic' && !facts.registration.fresh) {
      hints.push(`Keyport used client ${facts.registration.clientId}, registered earlier; if the authorization server showed an error about an unknown client, forget that registration (Overview → Forget registration, or keyport servers forget-registration <server>) and sign in again.`);
    }
    if (facts.registration?.kind === 'preregistered') {
      hints.push(`If the sign-in page complained about the redirect URI, make Keyport's (${facts.redirectUri}) match the app's under Edit → Advanced → Callback host, port and path.`);
    }
    if (hints.length === 0) return err;
    return made(err.code, `${err.message} ${hints.join(' ')}`);
  }
  return err;
}

/** The provider's error description, for matching only (never shown). */
function descriptionOf(err: OAuthError): string {
  const cause = err.cause as { error_description?: unknown } | undefined;
  return typeof cause?.error_description === 'string' ? cause.error_description.slice(0, 2000) : '';
}
