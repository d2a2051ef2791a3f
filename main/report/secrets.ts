/**
 * Every live secret Keyport holds for one server, gathered only to be searched for and masked in a report: its token
 * sets of every account (access, refresh, ID tokens, the DPoP private key), the client registrations they came from
 * (client secret, registration access token) and the secrets the server's settings reference (client secret, private
 * key, secret headers). The values never leave this process.
 */
import type { ServerConfig } from '../config/schema.ts';
import { secretRefsOf } from '../config/servers.ts';
import type { KeyportCore } from '../core.ts';

/** The secret values to mask in a report about `server`; an unreadable keychain yields what could be read. */
export async function liveSecretsFor(core: KeyportCore, server: ServerConfig): Promise<readonly string[]> {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.length > 0) out.add(v);
  };
  try {
    const { credentials, records } = core.secrets();
    const sets = server.url === undefined ? [] : (await credentials.listTokenSets()).filter((r) => r.serverUrl === server.url);
    for (const set of sets) {
      for (const v of [set.accessToken, set.refreshToken, set.idToken]) add(v);
      add(set.dpopKey?.privateJwk.d);
    }
    for (const issuer of new Set(sets.map((s) => s.issuer))) {
      const reg = await credentials.getRegistration(issuer);
      add(reg?.clientSecret);
      add(reg?.registrationAccessToken);
    }
    for (const ref of secretRefsOf(server)) add((await records.getUserSecret(ref))?.value);
  } catch {
    // The trace is redacted already; the keychain only adds a second net.
  }
  return [...out];
}
