#!/usr/bin/env node
/**
 * A stand-in browser for `keyport login --browser-command "node test/servers/browser-agent.ts"`: it receives the
 * authorization URL as its last argument and completes the login with {@link completeLogin}, ending with the GET
 * to the CLI's loopback callback.
 *
 * Environment: KEYPORT_TEST_USER (default alice), KEYPORT_TEST_PASSWORD (default: that demo account's password),
 * KEYPORT_TEST_CONSENT=deny to press "Deny", KEYPORT_TEST_APPROVE_SCOPES=`all` to tick every scope the consent page
 * offers (a step-up) or a space-separated list to tick exactly those (default: as pre-checked). Exit 0 when the callback was reached, 1 with a one-line reason on
 * stderr otherwise (code first, e.g. `login_rejected: …`), 2 on usage errors. Never prints the code or tokens.
 */
import { findTestAccount } from './accounts.ts';
import { isEntryPoint } from './entry.ts';
import { UserAgentError, completeLogin } from './user-agent.ts';
import type { ApproveScopes } from './user-agent.ts';

/** Runs the agent for one URL; resolves to the process exit code (the script's body, importable for tests). */
export async function runBrowserAgent(url: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!url) {
    process.stderr.write('usage: node test/servers/browser-agent.ts <authorization-url>\n');
    return 2;
  }
  const username = env.KEYPORT_TEST_USER || 'alice';
  const password = env.KEYPORT_TEST_PASSWORD || findTestAccount(username)?.password || 'password123';
  const consent = env.KEYPORT_TEST_CONSENT === 'deny' ? 'deny' : 'allow';
  const approveScopes = parseApproveScopes(env.KEYPORT_TEST_APPROVE_SCOPES);
  try {
    const result = await completeLogin(url, { username, password }, { consent, approveScopes });
    const target = new URL(result.callbackUrl);
    const outcome = result.params.get('error') ? `error=${result.params.get('error')}` : 'code';
    process.stderr.write(`browser-agent: ${username} reached ${target.origin}${target.pathname} (${outcome}, HTTP ${result.status})\n`);
    return 0;
  } catch (error) {
    const reason = error instanceof UserAgentError ? `${error.code}: ${error.message}` : `error: ${(error as Error).message}`;
    process.stderr.write(`browser-agent: ${reason}\n`);
    return 1;
  }
}

/** KEYPORT_TEST_APPROVE_SCOPES: unset, empty or `defaults` → as pre-checked; `all`; else a space-separated list. */
function parseApproveScopes(value: string | undefined): ApproveScopes {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed === 'defaults') return 'defaults';
  if (trimmed === 'all') return 'all';
  return trimmed.split(/\s+/);
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runBrowserAgent(process.argv.length > 2 ? process.argv.at(-1) : undefined);
}
