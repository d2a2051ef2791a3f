/**
 * The "browser" of the proxy tests: `node proxy-browser.ts <proxy-url> <ca-file> <authorization-url>` opens the
 * authorization URL through the proxy (trusting the test CA), follows the redirects and delivers the loopback callback
 * directly, as a browser behind the same proxy would. Exit 0 once the callback was reached.
 */
import { createNetwork } from '../../main/net/proxy.ts';

const [proxy, ca, start] = process.argv.slice(2);
if (!proxy || !ca || !start) {
  process.stderr.write('usage: proxy-browser.ts <proxy-url> <ca-file> <authorization-url>\n');
  process.exit(2);
}
const network = createNetwork({ env: { HTTPS_PROXY: proxy }, extraCaFiles: [ca] });
let current = start;
for (let i = 0; i < 6; i++) {
  const response = await network.fetch(current, { redirect: 'manual' });
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (!location) break;
  current = new URL(location, current).href;
  const host = new URL(current).hostname;
  if (host === '127.0.0.1' || host === 'localhost') {
    const callback = await network.fetch(current);
    await callback.body?.cancel();
    process.exit(callback.ok ? 0 : 1);
  }
}
process.stderr.write('proxy-browser: never reached the callback\n');
process.exit(1);
