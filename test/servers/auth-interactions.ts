/**
 * The authorization server's own login and consent pages (oidc-provider's dev interactions load web fonts, so they
 * are switched off). Stable markup for automated agents:
 *
 * - login: `<form id="login-form" method="post" action="/interaction/<uid>/login">` with inputs `username` and
 *   `password` and a submit button; a rejected login answers 401 with the same form and `<p role="alert" id="error">`.
 * - consent: `<form id="consent-form" method="post" action="/interaction/<uid>/confirm">` listing every requested
 *   scope in `<ul id="scope-list">` as `<li data-scope="…" data-state="…">`: MCP scopes the user may be granted
 *   carry a checkbox `name="scope" value="<scope>"` (pre-checked when `data-state` is `default` or `granted`,
 *   unchecked when `offered`); `unavailable` ones (not grantable to this account) and `identity` ones (`openid`,
 *   `offline_access`: part of signing in) have none. A hidden `scope_choice=1` marks the checkboxes as present, and
 *   two submit buttons `name="decision"` carry `allow` and `deny`.
 * - `GET /interaction/<uid>/abort` cancels (the client receives `error=access_denied`).
 *
 * Consent grants exactly the checked scopes that the account may be granted ({@link TestAccount.grantableScopes});
 * the other requested MCP scopes are recorded as rejected in oidc-provider's grant (so it does not loop asking), and
 * the issued token simply lacks them. A later request for a declined but grantable scope asks again
 * ({@link loadExistingGrantForStepUp}), as incremental authorization on real servers does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider, ProviderContext, ProviderGrant, ProviderScopeSet } from 'oidc-provider';
import { MCP_SCOPES, checkTestCredentials, findTestAccount } from './accounts.ts';
import type { TestAccount } from './accounts.ts';
import { PAGE_CSP, escapeHtml, htmlPage } from './html.ts';
import { readBody } from './net.ts';

/** What the interaction handler reports to the observation log for each request. */
export interface InteractionLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly time: number;
}

/**
 * How one requested scope appears on the consent page: `default` (pre-checked: one of the account's defaults),
 * `granted` (pre-checked: consented to for this client before), `offered` (unchecked, may be ticked), `unavailable`
 * (listed, no checkbox: the account can never get it), `identity` (listed, no checkbox: an OpenID scope that comes
 * with signing in).
 */
export type ConsentScopeState = 'default' | 'granted' | 'offered' | 'unavailable' | 'identity';

/**
 * What users consented to per client, across browser sessions (a real AS remembers consent per user and client, not
 * per cookie): account id → client id → MCP scopes. Declining a scope removes it.
 */
type ConsentMemory = Map<string, Map<string, Set<string>>>;

/** Builds the node:http handler for `/interaction/*` on top of oidc-provider's interaction API. */
export function createInteractionHandler(
  provider: Provider,
  record: (entry: InteractionLogEntry) => void,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const memory: ConsentMemory = new Map();
  return async (req, res) => {
    const time = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      await route(provider, memory, req, res, method, path);
    } catch (error) {
      if (!res.headersSent) {
        const expired = error instanceof Error && /session|interaction/i.test(error.name + error.message);
        sendHtml(
          res,
          400,
          htmlPage(
            'Sign-in failed',
            `<p role="alert" id="error">${expired ? 'This sign-in request has expired or is unknown. Start again from the application.' : 'The sign-in request could not be processed.'}</p>`,
          ),
        );
      } else {
        res.destroy();
      }
    } finally {
      record({ method, path, status: res.statusCode, time });
    }
  };
}

/**
 * oidc-provider's `loadExistingGrant` hook (same lookup as its default), plus step-up: when a new authorization
 * request asks again for MCP scopes the user declined earlier but may be granted, the refusal is forgotten for this
 * request (in memory only), so the `consent` prompt comes up for them instead of the token silently lacking them.
 * While resuming after consent (`result.consent`) the stored grant is returned as it is.
 */
export async function loadExistingGrantForStepUp(provider: Provider, ctx: ProviderContext): Promise<ProviderGrant | undefined> {
  const oidc = ctx.oidc;
  const clientId = oidc?.client?.clientId;
  const grantId = oidc?.result?.consent?.grantId ?? (clientId ? oidc?.session?.grantIdFor(clientId) : undefined);
  if (!grantId) return undefined;
  const grant = await provider.Grant.find(grantId);
  if (!grant || oidc?.result?.consent) return grant;
  const grantable = new Set<string>(findTestAccount(grant.accountId)?.grantableScopes ?? []);
  const asked = String(oidc?.params?.scope ?? '')
    .split(' ')
    .filter((scope) => grantable.has(scope));
  for (const indicator of Object.keys(grant.rejected?.resources ?? {})) removeScopes(grant.rejected, indicator, asked);
  return grant;
}

async function route(
  provider: Provider,
  memory: ConsentMemory,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
): Promise<void> {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(path);
  if (!match) {
    sendHtml(res, 404, htmlPage('Not found', '<p>No such page.</p>'));
    return;
  }
  const uid = match[1] ?? '';
  const action = match[2];
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');

  if (action === undefined && method === 'GET') {
    if (details.prompt.name === 'login') {
      sendHtml(res, 200, loginPage(details, await clientName(provider, details), undefined));
    } else if (details.prompt.name === 'consent') {
      const choices = await consentChoices(provider, memory, details, sessionAccount(details));
      sendHtml(res, 200, consentPage(details, await clientName(provider, details), choices));
    } else {
      sendHtml(res, 400, htmlPage('Sign-in failed', '<p role="alert" id="error">Unsupported prompt.</p>'));
    }
    return;
  }

  if (action === 'abort' && method === 'GET') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (action === 'login' && method === 'POST') {
    if (details.prompt.name !== 'login') throw new Error('not a login prompt');
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const account = checkTestCredentials(form.get('username') ?? '', form.get('password') ?? '');
    if (!account) {
      sendHtml(res, 401, loginPage(details, await clientName(provider, details), 'Invalid username or password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.username } }, { mergeWithLastSubmission: false });
    return;
  }

  if (action === 'confirm' && method === 'POST') {
    if (details.prompt.name !== 'consent') throw new Error('not a consent prompt');
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    if (form.get('decision') !== 'allow') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User denied the request' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const account = sessionAccount(details);
    const choices = await consentChoices(provider, memory, details, account);
    // Only what the page offered can be granted, whatever the form says (a forged `scope=mcp:admin` is ignored). A
    // post without the checkbox marker (an older agent) accepts the pre-checked selection.
    const ticked = form.get('scope_choice') === null ? undefined : new Set(form.getAll('scope'));
    const checked = choices
      .filter((choice) => (ticked ? ticked.has(choice.scope) : choice.checked) && isCheckable(choice.state))
      .map((choice) => choice.scope);
    const declined = choices.filter((choice) => choice.state !== 'identity' && !checked.includes(choice.scope)).map((choice) => choice.scope);
    const grantId = await saveGrant(provider, details, account, checked, declined);
    remember(memory, account.username, String(details.params.client_id), checked, declined);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  res.setHeader('Allow', action === undefined || action === 'abort' ? 'GET' : 'POST');
  sendHtml(res, 405, htmlPage('Method not allowed', '<p>Method not allowed.</p>'));
}

/** One line of the consent page. */
interface ConsentChoice {
  readonly scope: string;
  readonly state: ConsentScopeState;
  /** Pre-checked on the page. */
  readonly checked: boolean;
}

function isCheckable(state: ConsentScopeState): boolean {
  return state === 'default' || state === 'granted' || state === 'offered';
}

function sessionAccount(details: InteractionDetails): TestAccount {
  const accountId = details.session?.accountId;
  const account = accountId ? findTestAccount(accountId) : undefined;
  if (!account) throw new Error('interaction session has no account');
  return account;
}

/** Classifies every requested scope for this account and client (see {@link ConsentScopeState}). */
async function consentChoices(provider: Provider, memory: ConsentMemory, details: InteractionDetails, account: TestAccount): Promise<ConsentChoice[]> {
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const indicators = resourceIndicators(details);
  const before = new Set<string>(memory.get(account.username)?.get(String(details.params.client_id)) ?? []);
  for (const indicator of indicators) {
    for (const scope of (grant?.getResourceScope(indicator) ?? '').split(' ')) if (scope) before.add(scope);
  }
  const mcpScopes = new Set<string>(MCP_SCOPES);
  const defaults = new Set<string>(account.defaultScopes);
  const grantable = new Set<string>(account.grantableScopes);
  return [...new Set(requestedScopes(details))].map((scope): ConsentChoice => {
    if (!mcpScopes.has(scope)) return { scope, state: 'identity', checked: false };
    if (!grantable.has(scope)) return { scope, state: 'unavailable', checked: false };
    if (defaults.has(scope)) return { scope, state: 'default', checked: true };
    if (before.has(scope)) return { scope, state: 'granted', checked: true };
    return { scope, state: 'offered', checked: false };
  });
}

/** The resource indicators this authorization is for (oidc-provider has already filled in the default one). */
function resourceIndicators(details: InteractionDetails): string[] {
  const missing = (details.prompt.details.missingResourceScopes ?? {}) as Record<string, unknown>;
  const requested = details.params.resource;
  const listed = Array.isArray(requested) ? requested.map(String) : typeof requested === 'string' && requested ? [requested] : [];
  return [...new Set([...listed, ...Object.keys(missing)])];
}

/**
 * Records the consent in oidc-provider's grant (a new one, or the session's existing one for this client): OpenID
 * scopes and claims as requested; per resource, the checked MCP scopes are granted (and no longer rejected) and the
 * other requested ones rejected (and no longer granted).
 */
async function saveGrant(
  provider: Provider,
  details: InteractionDetails,
  account: TestAccount,
  checked: readonly string[],
  declined: readonly string[],
): Promise<string> {
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId: account.username, clientId: String(details.params.client_id) });
  const missing = details.prompt.details;
  if (Array.isArray(missing.missingOIDCScope) && missing.missingOIDCScope.length) {
    grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  }
  if (Array.isArray(missing.missingOIDCClaims) && missing.missingOIDCClaims.length) {
    grant.addOIDCClaims(missing.missingOIDCClaims);
  }
  for (const indicator of resourceIndicators(details)) {
    removeScopes(grant.rejected, indicator, checked);
    removeScopes(grant, indicator, declined);
    if (checked.length) grant.addResourceScope(indicator, checked.join(' '));
    if (declined.length) grant.rejectResourceScope(indicator, declined.join(' '));
  }
  return grant.save();
}

/** Takes scopes out of a grant's (or its `rejected` part's) space-separated list for one resource. */
function removeScopes(container: ProviderScopeSet | undefined, indicator: string, scopes: readonly string[]): void {
  const resources = container?.resources;
  const current = resources?.[indicator];
  if (!resources || typeof current !== 'string' || !scopes.length) return;
  const kept = current.split(' ').filter((scope) => scope && !scopes.includes(scope));
  if (kept.length) resources[indicator] = kept.join(' ');
  else delete resources[indicator];
}

function remember(memory: ConsentMemory, accountId: string, clientId: string, checked: readonly string[], declined: readonly string[]): void {
  const clients = memory.get(accountId) ?? new Map<string, Set<string>>();
  memory.set(accountId, clients);
  const scopes = clients.get(clientId) ?? new Set<string>();
  clients.set(clientId, scopes);
  for (const scope of checked) scopes.add(scope);
  for (const scope of declined) scopes.delete(scope);
}

async function clientName(provider: Provider, details: InteractionDetails): Promise<string> {
  const client = await provider.Client.find(String(details.params.client_id));
  return String(client?.clientName ?? details.params.client_id ?? 'An application');
}

function requestedScopes(details: InteractionDetails): string[] {
  return String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
}

function loginPage(details: InteractionDetails, client: string, error: string | undefined): string {
  const scopes = requestedScopes(details);
  return htmlPage(
    'Sign in',
    [
      error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : '',
      `<p><strong id="client-name">${escapeHtml(client)}</strong> wants to access your account.</p>`,
      scopes.length ? `<p>Requested scopes: <span id="requested-scopes">${escapeHtml(scopes.join(' '))}</span></p>` : '',
      `<form id="login-form" method="post" action="/interaction/${escapeHtml(details.uid)}/login">`,
      '<p><label for="username">Username</label> <input id="username" type="text" name="username" autocomplete="username" required autofocus></p>',
      '<p><label for="password">Password</label> <input id="password" type="password" name="password" autocomplete="current-password" required></p>',
      '<p><button type="submit" id="sign-in">Sign in</button></p>',
      '</form>',
      `<p><a id="cancel" href="/interaction/${escapeHtml(details.uid)}/abort">Cancel</a></p>`,
      '<p>Demo accounts: alice (read, write), bob (read; write if he consents), admin (read, write, admin).</p>',
    ].join('\n'),
  );
}

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  'mcp:read': 'read your data',
  'mcp:write': 'change your data',
  'mcp:admin': 'administer the server',
  openid: 'know who you are',
  offline_access: 'keep access while you are away',
};

const STATE_TEXT: Readonly<Record<ConsentScopeState, string>> = {
  default: '',
  granted: ' (you allowed this before)',
  offered: ' (not granted unless you tick it)',
  unavailable: ' — not available to your account',
  identity: ' (part of signing in)',
};

function consentPage(details: InteractionDetails, client: string, choices: readonly ConsentChoice[]): string {
  const accountId = details.session?.accountId ?? '';
  const item = (choice: ConsentChoice): string => {
    const scope = escapeHtml(choice.scope);
    const text = SCOPE_TEXT[choice.scope] ? ` <span class="scope-text">${escapeHtml(SCOPE_TEXT[choice.scope] ?? '')}</span>` : '';
    const label = isCheckable(choice.state)
      ? `<label><input type="checkbox" id="scope-${escapeHtml(choice.scope.replace(/[^\w-]/g, '-'))}" name="scope" value="${scope}"${choice.checked ? ' checked' : ''}> <code>${scope}</code></label>`
      : `<code>${scope}</code>`;
    return `<li data-scope="${scope}" data-state="${choice.state}">${label}${text}${escapeHtml(STATE_TEXT[choice.state])}</li>`;
  };
  return htmlPage(
    'Authorize access',
    [
      `<p>Signed in as <strong id="account">${escapeHtml(accountId)}</strong>.</p>`,
      `<p><strong id="client-name">${escapeHtml(client)}</strong> is requesting access.</p>`,
      `<form id="consent-form" method="post" action="/interaction/${escapeHtml(details.uid)}/confirm">`,
      '<input type="hidden" name="scope_choice" value="1">',
      choices.length
        ? `<fieldset id="scopes"><legend>Allow it to:</legend>\n<ul id="scope-list">\n${choices.map(item).join('\n')}\n</ul>\n</fieldset>`
        : '<p id="no-scopes">No scopes were requested.</p>',
      '<p><button type="submit" id="allow" name="decision" value="allow">Allow</button> ',
      '<button type="submit" id="deny" name="decision" value="deny">Deny</button></p>',
      '</form>',
    ].join('\n'),
  );
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.end(body);
}
