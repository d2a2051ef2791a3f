/**
 * Human-readable output helpers shared by the commands (the `--json` output is the plain data instead). Every value
 * placed in a line or a table cell goes through `singleLine`, so a server's newline cannot fake another line and its
 * control characters show as inert escapes.
 */
import type { TokenSetView, TokenView } from '../../preload/contract.ts';
import { singleLine } from './terminal-text.ts';

export { singleLine } from './terminal-text.ts';

/** "in 54m", "in 2h 3m", "3m ago": a relative time for expiry lines. */
export function relativeTime(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  const s = Math.round(abs / 1000);
  const text =
    s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** An ISO timestamp without milliseconds. */
export function isoTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Left-aligned columns; each cell stays on its line (control characters, newlines and tabs shown escaped). */
export function table(rows: readonly (readonly string[])[]): string {
  const safe = rows.map((row) => row.map(singleLine));
  const widths: number[] = [];
  for (const row of safe) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return safe.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

function timeLine(label: string, at: number | undefined, now: number): string[] {
  return at === undefined ? [] : [`  ${label.padEnd(12)} ${isoTime(at)} (${relativeTime(at, now)})`];
}

function tokenLines(token: TokenView, now: number): string[] {
  const lines = [`${token.kind === 'access' ? 'Access token' : token.kind === 'refresh' ? 'Refresh token' : 'ID token'}: ${singleLine(token.format)}, ${singleLine(token.fingerprint)}${token.tokenType === undefined ? '' : `, ${singleLine(token.tokenType)}`}`];
  if (token.issuer !== undefined) lines.push(`  ${'Issuer'.padEnd(12)} ${singleLine(token.issuer)}`);
  if (token.subject !== undefined) lines.push(`  ${'Subject'.padEnd(12)} ${singleLine(token.subject)}`);
  if (token.audience !== undefined) {
    const warn = token.audienceMatchesResource === false ? '  (does not name the resource!)' : '';
    lines.push(`  ${'Audience'.padEnd(12)} ${singleLine(token.audience.join(' '))}${warn}`);
  }
  if (token.scopes.length > 0) lines.push(`  ${'Scopes'.padEnd(12)} ${singleLine(token.scopes.join(' '))}`);
  lines.push(...timeLine('Issued', token.issuedAt, now), ...timeLine('Expires', token.expiresAt, now));
  if (token.dpopJkt !== undefined) lines.push(`  ${'DPoP jkt'.padEnd(12)} ${singleLine(token.dpopJkt)}`);
  return lines;
}

/** The decoded token view `keyport token` prints: never a token value, only fingerprints and claims. */
export function formatTokenSet(view: TokenSetView, now: number): string {
  const lines = [
    `Issuer:        ${singleLine(view.issuer)}`,
    `Resource:      ${singleLine(view.resource)}`,
    `Client:        ${singleLine(view.clientId)} (${view.registration} registration)`,
    `Scopes:        ${singleLine(view.scopes.join(' ')) || '(none)'}`,
    `Obtained:      ${isoTime(view.obtainedAt)} (${relativeTime(view.obtainedAt, now)})`,
    ...(view.binding ? [`Presented as:  ${singleLine(view.binding.reason)}`] : []),
  ];
  const access = view.tokens.find((t) => t.kind === 'access');
  const refresh = view.tokens.find((t) => t.kind === 'refresh');
  for (const token of view.tokens) if (token.kind !== 'refresh') lines.push(...tokenLines(token, now));
  const last = view.refreshHistory.at(-1);
  const history =
    last === undefined
      ? 'never refreshed'
      : `last refresh ${isoTime(last.at)} (${last.outcome}${last.rotated ? ', rotated' : ''}${last.errorCode === undefined ? '' : `, ${singleLine(last.errorCode)}`})`;
  const accessEnds = access?.expiresAt;
  const noRefresh = accessEnds === undefined ? 'none' : `none: you will have to sign in again when this token expires at ${isoTime(accessEnds)}`;
  lines.push(`Refresh token: ${refresh === undefined ? noRefresh : `present, ${singleLine(refresh.fingerprint)}`}; ${history}`);
  if (access === undefined) lines.push('Access token: none');
  return lines.join('\n');
}
