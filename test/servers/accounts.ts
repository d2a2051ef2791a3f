/**
 * The demo accounts and the MCP scopes of the test bed. Shared by the authorization server (which checks passwords,
 * pre-selects each user's default scopes on the consent page and caps what a user can be granted) and by tests
 * (which log in as these users).
 */

/** The scopes the protected MCP resource understands, from least to most privileged. */
export const MCP_SCOPES = ['mcp:read', 'mcp:write', 'mcp:admin'] as const;

/** One of {@link MCP_SCOPES}. */
export type McpScope = (typeof MCP_SCOPES)[number];

/**
 * A demo account. Like a real authorization server, consent distinguishes what the user gets without thinking
 * (`defaultScopes`, pre-checked on the consent page) from what the user may still be granted by ticking a box
 * (`grantableScopes`, e.g. a step-up to `mcp:write`); anything else is never granted.
 */
export interface TestAccount {
  readonly username: string;
  readonly password: string;
  /** The default scopes (the older name of {@link TestAccount.defaultScopes}; same array). */
  readonly scopes: readonly McpScope[];
  /** Pre-checked on the consent page: what a login with `approveScopes: 'defaults'` ends up with. */
  readonly defaultScopes: readonly McpScope[];
  /** Everything this user may be granted on explicit consent (a superset of the defaults). */
  readonly grantableScopes: readonly McpScope[];
  readonly name: string;
  readonly email: string;
}

/** Every user may be granted these on explicit consent; only admin may also get `mcp:admin`. */
const USER_GRANTABLE: readonly McpScope[] = ['mcp:read', 'mcp:write'];

function account(
  username: string,
  password: string,
  defaultScopes: readonly McpScope[],
  grantableScopes: readonly McpScope[],
  name: string,
): TestAccount {
  return { username, password, scopes: defaultScopes, defaultScopes, grantableScopes, name, email: `${username}@example.test` };
}

/**
 * The fixed demo accounts (DESIGN.md "Test bed"): alice reads and writes by default; bob only reads by default but
 * may consent to `mcp:write` (a real step-up); admin can do everything. Nobody but admin can ever get `mcp:admin`.
 * Test passwords only: they protect nothing.
 */
export const ACCOUNTS: Readonly<Record<'alice' | 'bob' | 'admin', TestAccount>> = {
  alice: account('alice', 'password123', ['mcp:read', 'mcp:write'], USER_GRANTABLE, 'Alice Example'),
  bob: account('bob', 'secret456', ['mcp:read'], USER_GRANTABLE, 'Bob Example'),
  admin: account('admin', 'admin789', ['mcp:read', 'mcp:write', 'mcp:admin'], ['mcp:read', 'mcp:write', 'mcp:admin'], 'Admin Example'),
};

/** Looks an account up by login name; undefined for unknown names (and for inherited property names). */
export function findTestAccount(username: string): TestAccount | undefined {
  return Object.hasOwn(ACCOUNTS, username) ? ACCOUNTS[username as keyof typeof ACCOUNTS] : undefined;
}

/** Checks a username/password pair; returns the account or undefined. Constant-time enough for a test bed. */
export function checkTestCredentials(username: string, password: string): TestAccount | undefined {
  const found = findTestAccount(username);
  return found && found.password === password ? found : undefined;
}
