/**
 * A process that takes the refresh lock `iterations` times and, inside it, does a read-modify-write of a counter
 * file with a pause, and checks that nobody else is inside (an O_EXCL marker). Prints "ok" or the violation.
 */
import { promises as fs } from 'node:fs';
import { FileRefreshLock } from '../../main/secrets/refresh-lock.ts';

const [dataDir = '', family = 'f', iterationsText = '10', counterFile = '', concurrencyText = '1'] = process.argv.slice(2);
const lock = new FileRefreshLock(dataDir);
const marker = `${counterFile}.inside`;
let violations = 0;

async function once(): Promise<void> {
  await lock.withLock(family, async () => {
    try {
      await fs.writeFile(marker, String(process.pid), { flag: 'wx' });
    } catch {
      violations++;
    }
    const n = Number(await fs.readFile(counterFile, 'utf8').catch(() => '0'));
    await new Promise((resolve) => setTimeout(resolve, 1));
    await fs.writeFile(counterFile, String(n + 1));
    await fs.rm(marker, { force: true });
  });
}

const iterations = Number(iterationsText);
const workers = Array.from({ length: Number(concurrencyText) }, async () => {
  for (let i = 0; i < iterations; i++) await once();
});
await Promise.all(workers);
process.stdout.write(violations === 0 ? 'ok' : `violations: ${violations}`);
