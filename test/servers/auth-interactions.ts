/**
 * The authorization server's own login and consent pages (oidc-provider's dev interactions load web fonts, so they
 * are switched off). Stable markup for automated agents:
 *
 * - login: `<form id="login-form" method="post" action="/interaction/<uid>/login">` with inputs `username` and
 *   `password` and a submit button; a rejected login answers 401 with the same form and `<p role="alert" id="error">`.
 * - consent: `<form id="consent-form" method="post" action="/interaction/<uid>/confirm">` with two submit buttons
 *   `name="decision"`, values `allow` and `deny`.
 * - `GET /interaction/<uid>/abort` cancels (the client receives `error=access_denied`).
 *
 * Consent grants only what the account allows ({@link TestAccount.scopes}); the rest is recorded as rejected so
 * oidc-provider does not ask again, and the issued token simply lacks those scopes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';
import { checkTestCredentials, findTestAccount } from './accounts.ts';
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

/** Builds the node:http handler for `/interaction/*` on top of oidc-provider's interaction API. */
export function createInteractionHandler(
  provider: Provider,
  record: (entry: InteractionLogEntry) => void,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const time = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      await route(provider, req, res, method, path);
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

async function route(provider: Provider, req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
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
      sendHtml(res, 200, consentPage(details, await clientName(provider, details)));
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
    const accountId = details.session?.accountId;
    const account = accountId ? findTestAccount(accountId) : undefined;
    if (!account) throw new Error('interaction session has no account');
    const grantId = await saveGrant(provider, details, account);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  res.setHeader('Allow', action === undefined || action === 'abort' ? 'GET' : 'POST');
  sendHtml(res, 405, htmlPage('Method not allowed', '<p>Method not allowed.</p>'));
}

/** Records the consent: OIDC scopes and claims as requested; resource scopes capped by the account. */
async function saveGrant(provider: Provider, details: InteractionDetails, account: TestAccount): Promise<string> {
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
  const resourceScopes = (missing.missingResourceScopes ?? {}) as Record<string, string[]>;
  for (const [indicator, scopes] of Object.entries(resourceScopes)) {
    const allowed = scopes.filter((scope) => (account.scopes as readonly string[]).includes(scope));
    const rejected = scopes.filter((scope) => !allowed.includes(scope));
    if (allowed.length) grant.addResourceScope(indicator, allowed.join(' '));
    if (rejected.length) grant.rejectResourceScope(indicator, rejected.join(' '));
  }
  return grant.save();
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
      '<p>Demo accounts: alice (read, write), bob (read), admin (read, write, admin).</p>',
    ].join('\n'),
  );
}

function consentPage(details: InteractionDetails, client: string): string {
  const accountId = details.session?.accountId ?? '';
  const account = findTestAccount(accountId);
  const allowedByAccount = new Set<string>(account?.scopes ?? []);
  const scopes = requestedScopes(details);
  const granted = scopes.filter((scope) => !scope.startsWith('mcp:') || allowedByAccount.has(scope));
  const refused = scopes.filter((scope) => scope.startsWith('mcp:') && !allowedByAccount.has(scope));
  const list = (items: string[]) => items.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return htmlPage(
    'Authorize access',
    [
      `<p>Signed in as <strong id="account">${escapeHtml(accountId)}</strong>.</p>`,
      `<p><strong id="client-name">${escapeHtml(client)}</strong> is requesting access.</p>`,
      granted.length ? `<p>It will be allowed:</p><ul id="granted-scopes">${list(granted)}</ul>` : '<p>No scopes were requested.</p>',
      refused.length ? `<p>Not available to this account (will not be granted):</p><ul id="refused-scopes">${list(refused)}</ul>` : '',
      `<form id="consent-form" method="post" action="/interaction/${escapeHtml(details.uid)}/confirm">`,
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
