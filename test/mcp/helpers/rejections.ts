/**
 * Reading a connection's failure in a test: the MCP tests assert on the typed error (or just its stable `code`)
 * that a call rejects with, never on the message.
 */
import { expect } from 'vitest';
import { McpConnectionError } from '../../../main/mcp/errors.ts';

/** The McpConnectionError `p` rejects with; the test fails if `p` resolves or rejects with anything else. */
export async function errorOf(p: Promise<unknown>): Promise<McpConnectionError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(McpConnectionError);
    return err as McpConnectionError;
  }
  throw new Error('expected a rejection');
}

/** The `code` of the McpConnectionError `p` rejects with (see {@link errorOf}). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  return (await errorOf(p)).code;
}
