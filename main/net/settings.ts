/**
 * The app's own network settings (issue 12 item 5), for what the environment cannot say on a desktop: extra CA
 * certificate files in `<dataDir>/network.json` (`{ "extraCaCertificates": ["/path/to/corp-ca.pem"] }`), used by the
 * app and the CLI of that data directory alike. A missing file means none; a damaged one is refused with the fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyportError } from '../errors.ts';

/** The file's name inside the data directory. */
export const NETWORK_SETTINGS_FILE = 'network.json';

const schema = z.object({ extraCaCertificates: z.array(z.string().min(1).max(4096)).max(50).default([]) }).strict();

/** The settings of a data directory. */
export interface AppNetworkSettings {
  readonly extraCaCertificates: readonly string[];
}

/** Reads `<dataDir>/network.json` (none: no extra settings). */
export function readNetworkSettings(dataDir: string): AppNetworkSettings {
  const file = join(dataDir, NETWORK_SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { extraCaCertificates: [] };
    throw new KeyportError('network_config', `Keyport could not read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyportError('network_config', `${file} is not valid JSON. It should look like {"extraCaCertificates": ["/path/to/ca.pem"]}.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new KeyportError('network_config', `${file} does not match {"extraCaCertificates": ["/path/to/ca.pem"]}: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}
