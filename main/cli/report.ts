/**
 * `keyport report <server> [--out FILE] [--json]` (issue 14): the sign-in report of the server's latest sign-in, from
 * the flows Keyport keeps on disk (so it works after a failed `keyport login`, or for a sign-in the app ran). One
 * self-contained, redacted HTML file by default; JSON with `--json` (on stdout, or into FILE).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { toServerViewBase } from '../config/schema.ts';
import { buildReport, defaultReportFlow, reportFileName } from '../report/build.ts';
import { renderReportHtml } from '../report/html.ts';
import { liveSecretsFor } from '../report/secrets.ts';
import type { ParsedArgs } from './args.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';
import { singleLine } from './format.ts';

/** Writes (or prints) the report; `version` is Keyport's. */
export async function report(ctx: CliContext, parsed: ParsedArgs, version: string): Promise<void> {
  const server = await ctx.server(parsed.args.server ?? '', false);
  const name = singleLine(server.name);
  if (server.url === undefined) throw new CliError('not_applicable', `"${name}" is a stdio server: it has no sign-in to report on.`);
  const flow = defaultReportFlow(await ctx.flows.list(server.url));
  if (!flow) {
    throw new CliError('no_flows', `Keyport has no sign-in of ${name} to report on yet. Run \`keyport login ${name}\` first; its flow is kept for the report even when it fails.`);
  }
  const built = buildReport({
    flow,
    server: toServerViewBase(server),
    keyportVersion: version,
    platform: process.platform,
    now: (ctx.deps.now ?? Date.now)(),
    secrets: await liveSecretsFor(ctx.core(), server),
  });
  const out = typeof parsed.options.out === 'string' ? parsed.options.out : undefined;
  const asJson = ctx.json || /\.json$/i.test(out ?? '');
  if (ctx.json && out === undefined) {
    ctx.io.stdout(JSON.stringify(built));
    return;
  }
  const file = resolve(out ?? reportFileName(server.name, flow.trace.startedAt, asJson ? 'json' : 'html'));
  try {
    await writeFile(file, asJson ? `${JSON.stringify(built, null, 2)}\n` : renderReportHtml(built), { mode: 0o600 });
  } catch (err) {
    throw new CliError('write_failed', `Could not write the report to ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); choose another place with --out FILE.`);
  }
  if (ctx.json) {
    ctx.io.stdout(JSON.stringify({ file, flow: built.flow, ...(built.error ? { error: { code: built.error.code } } : {}) }));
    return;
  }
  const outcome = built.error ? `failed with ${built.error.code}` : built.flow.outcome === 'ok' ? 'succeeded' : built.flow.outcome;
  ctx.io.stdout(`Wrote the report of ${name}'s ${built.flow.kind} of ${built.flow.startedAt} (${outcome}) to ${file}.`);
  ctx.io.stderr('Secrets are replaced by [redacted]; the file is safe to share with whoever helps you.');
}
