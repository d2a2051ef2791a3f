/**
 * Several identities per server (issue 13): token sets are keyed by (issuer, resource, account), and this module
 * decides under which account a new token set is stored and lists the accounts of a server. The rule that keeps
 * one identity from silently overwriting another: a token set whose identity (issuer + `sub`) is already stored
 * replaces *that* account; a new identity never replaces an account that holds another known identity.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { TokenSetRecord } from '../store.ts';
import type { FlowRecorder } from '../trace.ts';
import { decodeJwt } from '../views.ts';
import type { EngineContext } from './context.ts';
import { findRecord } from './token-sets.ts';
import { DEFAULT_ACCOUNT, type AccountInfo, type LoginOptions, type ServerTarget } from './types.ts';

/** What the tokens of a set say about the user (unverified claims, used only to tell identities apart and name them). */
export interface TokenIdentity {
  readonly issuer: string;
  readonly subject?: string;
  readonly username?: string;
  readonly email?: string;
  readonly name?: string;
}

/** Longest account key Keyport derives from an identity. */
const MAX_ACCOUNT_KEY = 64;

function claimString(claims: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  const value = claims?.[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/** The identity of a token set: the ID token's claims first (OIDC Core §2), else a JWT access token's (RFC 9068 §2.2). */
export function identityOf(record: Pick<TokenSetRecord, 'issuer' | 'idToken' | 'accessToken'>): TokenIdentity {
  const id = record.idToken ? decodeJwt(record.idToken)?.claims : undefined;
  const access = decodeJwt(record.accessToken)?.claims;
  const pick = (name: string): string | undefined => claimString(id, name) ?? claimString(access, name);
  const subject = claimString(id, 'sub') ?? claimString(access, 'sub');
  const username = pick('preferred_username') ?? pick('username');
  const email = pick('email');
  const name = pick('name');
  return {
    issuer: record.issuer,
    ...(subject !== undefined ? { subject } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

/** True when both identities are known and are the same user at the same issuer. */
function sameIdentity(a: TokenIdentity, b: TokenIdentity): boolean {
  return a.subject !== undefined && b.subject !== undefined && a.issuer === b.issuer && a.subject === b.subject;
}

/** The label the user sees for an identity. */
export function identityLabel(identity: TokenIdentity, account: string): string {
  return identity.username ?? identity.email ?? identity.name ?? identity.subject ?? account;
}

/** An account key made from a label: lower case, `[a-z0-9._@+-]`, unique among `taken`. */
export function accountKeyFor(label: string, taken: ReadonlySet<string>): string {
  const base =
    label
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9._@+-]+/g, '-')
      .replace(/^[-._]+|[-._]+$/g, '')
      .slice(0, MAX_ACCOUNT_KEY) || 'account';
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
  return key;
}

/** The token sets Keyport holds for a server, one per account (the newest when an account has several). */
async function serverSets(ctx: EngineContext, target: ServerTarget): Promise<readonly TokenSetRecord[]> {
  const newest = new Map<string, TokenSetRecord>();
  for (const r of await ctx.store.listTokenSets()) {
    if (r.serverUrl !== target.serverUrl) continue;
    const seen = newest.get(r.account);
    if (!seen || seen.obtainedAt < r.obtainedAt) newest.set(r.account, r);
  }
  return [...newest.values()];
}

/** The accounts of a server, oldest first (the first sign-in stays on top). */
export async function listAccounts(ctx: EngineContext, target: ServerTarget): Promise<readonly AccountInfo[]> {
  return (await serverSets(ctx, target))
    .map((r): AccountInfo => {
      const identity = identityOf(r);
      return {
        account: r.account,
        issuer: r.issuer,
        resource: r.resource,
        ...(identity.subject !== undefined ? { subject: identity.subject } : {}),
        ...(identity.username !== undefined ? { username: identity.username } : {}),
        ...(identity.email !== undefined ? { email: identity.email } : {}),
        label: identityLabel(identity, r.account),
        scopes: r.scopes,
        obtainedAt: r.obtainedAt,
        ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
      };
    })
    .sort((a, b) => a.obtainedAt - b.obtainedAt);
}

/**
 * The account a freshly issued token set is stored under:
 * 1. the account that already holds this identity (a second sign-in as alice replaces alice's tokens, nobody else's);
 * 2. else the requested account (`options.account`, default `default`), when it is free or its identity is unknown;
 * 3. else (another identity holds the requested account, or `addAccount`) a new account named after the identity.
 * The common case (signing in again as the identity the requested account holds) needs no keychain listing.
 */
export async function chooseAccount(ctx: EngineContext, target: ServerTarget, fresh: TokenSetRecord, options: Pick<LoginOptions, 'account' | 'addAccount'>): Promise<string> {
  const requested = options.account ?? DEFAULT_ACCOUNT;
  const identity = identityOf(fresh);
  if (!options.addAccount) {
    const current = await findRecord(ctx, target, requested);
    if (current && sameIdentity(identityOf(current), identity)) return requested;
  }
  const sets = await serverSets(ctx, target);
  const holder = sets.find((r) => sameIdentity(identityOf(r), identity));
  if (holder) return holder.account;
  const occupant = sets.find((r) => r.account === requested);
  if (!options.addAccount && (!occupant || identity.subject === undefined || identityOf(occupant).subject === undefined)) return requested;
  return accountKeyFor(identityLabel(identity, 'account'), new Set([...sets.map((r) => r.account), DEFAULT_ACCOUNT]));
}

/** Places a new token set in its account (see {@link chooseAccount}) and notes the choice in the trace. */
export async function placeTokenSet(ctx: EngineContext, recorder: FlowRecorder, target: ServerTarget, fresh: TokenSetRecord, options: Pick<LoginOptions, 'account' | 'addAccount'>): Promise<TokenSetRecord> {
  const account = await chooseAccount(ctx, target, fresh, options);
  const label = identityLabel(identityOf(fresh), account);
  const requested = options.account ?? DEFAULT_ACCOUNT;
  recorder.note(
    'account',
    account === requested || options.addAccount
      ? `stored as account "${account}" (${label})`
      : `stored as account "${account}", which already held ${label}, instead of "${requested}"`,
  );
  return account === fresh.account ? fresh : { ...fresh, account };
}

/**
 * The `prompt` of an authorization request for another identity (OIDC Core §3.1.2.1): `select_account` where the AS
 * lists it in `prompt_values_supported`, else `login`.
 */
export function promptForAnotherAccount(as: AuthorizationServer): 'select_account' | 'login' {
  const supported = (as as { readonly prompt_values_supported?: unknown }).prompt_values_supported;
  return Array.isArray(supported) && supported.includes('select_account') ? 'select_account' : 'login';
}
