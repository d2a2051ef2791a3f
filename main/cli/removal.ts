/**
 * `keyport servers remove` revokes before it forgets (issue 14): every token of every account is revoked at the
 * authorization server (RFC 7009) and the registration only this server used is deleted there (RFC 7592); then the
 * server and all its secrets go, whatever the authorization server said. What could not be revoked is named.
 */
import type { RemovalReportView } from '../../preload/contract.ts';
import type { ServerConfig } from '../config/schema.ts';
import type { CliContext } from './context.ts';
import { singleLine } from './format.ts';

/** Revokes and forgets the server's tokens; undefined when it has none to revoke (stdio, no sign-in). */
export async function revokeBeforeRemoval(ctx: CliContext, server: ServerConfig): Promise<RemovalReportView | undefined> {
  if (server.transport === 'stdio' || server.url === undefined || server.auth.mode === 'none') return undefined;
  const others = (await ctx.config.load()).filter((s) => s.id !== server.id && s.url !== undefined).map((s) => s.url!);
  const core = ctx.core();
  // A secret missing from the keychain must not keep the server: revoke as well as can be without it.
  const target = await core.target(server).catch(() => ({ serverUrl: server.url! }));
  try {
    return await core.engine().forgetServer(target, { otherServerUrls: others });
  } catch (err) {
    // The keychain could not be read: the server still goes; nothing could be revoked.
    ctx.io.stderr(`warning: Keyport could not read its tokens for ${singleLine(server.name)} (${(err as { code?: string }).code ?? 'error'}), so none was revoked.`);
    return undefined;
  }
}

/** What the removal did at the authorization server, as lines for a human (warnings first marked as such). */
export function describeRemoval(report: RemovalReportView | undefined): { readonly summary: string; readonly warnings: readonly string[] } {
  if (!report || (report.tokens.length === 0 && report.registrations.length === 0)) return { summary: 'it held no tokens', warnings: [] };
  const revoked = report.tokens.filter((t) => t.outcome === 'revoked').length;
  const warnings = report.tokens
    .filter((t) => t.outcome !== 'revoked')
    .map((t) =>
      t.outcome === 'not-offered'
        ? `the ${t.kind} token of account "${singleLine(t.account)}" could not be revoked: ${singleLine(t.issuer)} offers no revocation; it stays valid there until it expires.`
        : `the ${t.kind} token of account "${singleLine(t.account)}" could not be revoked at ${singleLine(t.issuer)} (${singleLine(t.code ?? 'error')}); it stays valid there until it expires.`,
    );
  for (const r of report.registrations) {
    if (r.outcome === 'failed') warnings.push(`the registration at ${singleLine(r.issuer)} could not be deleted there (${singleLine(r.code ?? 'error')}); Keyport forgot it.`);
  }
  const deleted = report.registrations.filter((r) => r.outcome === 'deleted').length;
  const shared = report.registrations.filter((r) => r.outcome === 'shared').length;
  const parts = [`${revoked} of ${report.tokens.length} token${report.tokens.length === 1 ? '' : 's'} revoked at the authorization server`];
  if (deleted > 0) parts.push('its registration deleted there');
  if (shared > 0) parts.push('its registration kept (another server uses it)');
  return { summary: parts.join(', '), warnings };
}
