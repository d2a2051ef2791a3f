/**
 * The demo accounts and the MCP scopes of the test bed. Shared by the authorization server (which checks passwords
 * and caps what a user can be granted) and by tests (which log in as these users).
 */

/** The scopes the protected MCP resource understands, from least to most privileged. */
export const MCP_SCOPES = ['mcp:read', 'mcp:write', 'mcp:admin'] as const;

/** One of {@link MCP_SCOPES}. */
export type McpScope = (typeof MCP_SCOPES)[number];

/** A demo account: login name, password and the only scopes this user may ever be granted. */
export interface TestAccount {
  readonly username: string;
  readonly password: string;
  readonly scopes: readonly McpScope[];
  readonly name: string;
  readonly email: string;
}

/**
 * The fixed demo accounts (DESIGN.md "Test bed"): alice can read and write, bob can only read (so he meets a real
 * step-up), admin can do everything. Test passwords only: they protect nothing.
 */
export const ACCOUNTS: Readonly<Record<'alice' | 'bob' | 'admin', TestAccount>> = {
  alice: {
    username: 'alice',
    password: 'password123',
    scopes: ['mcp:read', 'mcp:write'],
    name: 'Alice Example',
    email: 'alice@example.test',
  },
  bob: { username: 'bob', password: 'secret456', scopes: ['mcp:read'], name: 'Bob Example', email: 'bob@example.test' },
  admin: {
    username: 'admin',
    password: 'admin789',
    scopes: ['mcp:read', 'mcp:write', 'mcp:admin'],
    name: 'Admin Example',
    email: 'admin@example.test',
  },
};

/** Looks an account up by login name; undefined for unknown names (and for inherited property names). */
export function findTestAccount(username: string): TestAccount | undefined {
  return Object.hasOwn(ACCOUNTS, username) ? ACCOUNTS[username as keyof typeof ACCOUNTS] : undefined;
}

/** Checks a username/password pair; returns the account or undefined. Constant-time enough for a test bed. */
export function checkTestCredentials(username: string, password: string): TestAccount | undefined {
  const account = findTestAccount(username);
  return account && account.password === password ? account : undefined;
}
