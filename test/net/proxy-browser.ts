/**
 * The "browser" of the proxy tests: `node proxy-browser.ts <proxy-url> <ca-file> <authorization-url>` opens the
 * authorization URL through the proxy (trusting the test CA), follows the redirects and delivers the loopback callback
 * directly, as a browser behind the same proxy would. Exit 0 once the callback was reached.
 */
import { createNetwork } from '../../main/net/proxy.ts';
import { followToCallback } from './https-bed.ts';

const [proxy, ca, start] = process.argv.slice(2);
if (!proxy || !ca || !start) {
  process.stderr.write('usage: proxy-browser.ts <proxy-url> <ca-file> <authorization-url>\n');
  process.exit(2);
}
const network = createNetwork({ env: { HTTPS_PROXY: proxy }, extraCaFiles: [ca] });
const reached = await followToCallback(network.fetch, start);
if (!reached) process.stderr.write('proxy-browser: never reached the callback\n');
process.exit(reached ? 0 : 1);
