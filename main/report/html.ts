/**
 * The sign-in report as one self-contained HTML file that is inert wherever it is opened: a Content-Security-Policy
 * meta that allows nothing but its own style block (by hash), no script, no link, no image, no form, and every string
 * that came from a server, a setting or an error escaped as text (never placed in an attribute).
 */
import { createHash } from 'node:crypto';
import type { FlowStepView, HttpExchangeView } from '../../preload/contract.ts';
import type { SignInReport } from './build.ts';

/** Escapes text for HTML element content (and, though unused, for quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1c1f24;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #d9dce1;padding-bottom:4px}h3{font-size:14px;margin:8px 0 4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:#5b6270}dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;word-break:break-word;background:#f4f5f7;border:1px solid #d9dce1;border-radius:4px;padding:6px 8px;font:12px ui-monospace,monospace;margin:4px 0}
.error{border:1px solid #b3261e;background:#fdecea;border-radius:6px;padding:8px 12px}
.step{border-left:4px solid #d9dce1;padding:4px 12px;margin:10px 0}.failed{border-color:#b3261e;background:#fdecea}.skipped{color:#5b6270}
.muted{color:#5b6270}code{font-family:ui-monospace,monospace}.steps{list-style:none;padding:0}
@media (prefers-color-scheme:dark){body{background:#17191d;color:#e6e8eb}pre{background:#22252b;border-color:#343842}.error,.failed{background:#3d1f1d}dt,.muted{color:#a0a7b4}}
`;

/** The policy: nothing may load or run; only the style block above, by its hash. */
function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(STYLE, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'`;
}

const e = escapeHtml;

function headersText(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

function exchangeHtml(x: HttpExchangeView): string {
  const parts = [
    `<h3><code>${e(x.method)} ${e(x.url)}</code> → ${e(x.status === undefined ? 'no response' : String(x.status))} <span class="muted">(${e(String(Math.round(x.durationMs)))} ms)</span></h3>`,
  ];
  if (x.error) parts.push(`<p class="error">${e(x.error)}</p>`);
  parts.push(`<pre>${e(headersText(x.requestHeaders) || '(no request headers shown)')}</pre>`);
  if (x.requestBody) parts.push(`<pre>${e(x.requestBody)}</pre>`);
  parts.push(`<pre>${e(headersText(x.responseHeaders) || '(no response headers shown)')}</pre>`);
  if (x.responseBody) parts.push(`<pre>${e(x.responseBody)}</pre>`);
  return parts.join('\n');
}

function stepHtml(step: FlowStepView, index: number): string {
  const outcome = step.outcome === 'ok' ? 'ok' : step.outcome === 'failed' ? 'failed' : 'skipped';
  const lines = [`<li class="step ${outcome}">`, `<p><strong>${index + 1}. ${e(step.name)}</strong> — ${outcome}, ${e(String(Math.round(step.durationMs)))} ms</p>`];
  if (step.detail) lines.push(`<p>${e(step.detail)}</p>`);
  if (step.error) lines.push(`<p class="error"><code>${e(step.error.code)}</code> ${e(step.error.message)}</p>`);
  for (const x of step.exchanges) lines.push(exchangeHtml(x));
  lines.push('</li>');
  return lines.join('\n');
}

function factsHtml(facts: readonly [string, string | undefined][]): string {
  return `<dl>${facts
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`)
    .join('')}</dl>`;
}

/** Renders the report as an inert, self-contained HTML document. */
export function renderReportHtml(report: SignInReport): string {
  const { flow, server } = report;
  const body = [
    `<h1>Keyport sign-in report: ${e(server.name)}</h1>`,
    `<p class="muted">Generated ${e(report.generatedAt)} by Keyport ${e(report.keyport.version)} (${e(report.keyport.platform)}). Tokens, codes, verifiers, secrets and keys are replaced by [redacted]; nothing in this file can sign anyone in.</p>`,
    '<h2>Summary</h2>',
    factsHtml([
      ['Server', server.name],
      ['MCP URL', server.url],
      ['Transport', server.transport],
      ['Flow', `${flow.kind} (${flow.id})`],
      ['Outcome', flow.outcome],
      ['Started', flow.startedAt],
      ['Finished', flow.finishedAt],
      ['Took', flow.durationMs === undefined ? undefined : `${flow.durationMs} ms`],
    ]),
    report.error
      ? `<div class="error"><p><strong>Error</strong> <code>${e(report.error.code)}</code>${report.error.step ? ` in step <code>${e(report.error.step)}</code>` : ''}</p><p>${e(report.error.message)}</p></div>`
      : '',
    '<h2>Server settings</h2>',
    `<pre>${e(JSON.stringify(server.settings, null, 2))}</pre>`,
    '<h2>Steps</h2>',
    report.steps.length ? `<ol class="steps">${report.steps.map(stepHtml).join('\n')}</ol>` : '<p>No steps were recorded.</p>',
    '<h2>Metadata documents</h2>',
    report.metadata.length
      ? report.metadata.map((m) => `<h3>${e(m.step)}: <code>${e(m.url)}</code></h3><pre>${e(JSON.stringify(m.document, null, 2))}</pre>`).join('\n')
      : '<p>The flow fetched no metadata documents.</p>',
  ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Keyport sign-in report: ${e(server.name)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body>\n${body}\n</body>`,
    '</html>',
    '',
  ].join('\n');
}
