// Preloaded (node --require) into third-party tools that phone home (e.g. electronegativity fetches translations and
// Electron release lists from the internet). Refuses every DNS lookup except loopback names, so no packet leaves.
'use strict';
const dns = require('node:dns');
const loopback = new Set(['localhost', '127.0.0.1', '::1']);
const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  if (loopback.has(String(hostname))) return original.apply(this, arguments);
  const error = Object.assign(new Error(`offline: refused lookup of ${hostname}`), { code: 'ENOTFOUND', hostname });
  process.nextTick(() => cb(error));
  return {};
};
dns.promises.lookup = async (hostname, ...rest) => {
  if (loopback.has(String(hostname))) return original.call(dns, hostname, ...rest);
  throw Object.assign(new Error(`offline: refused lookup of ${hostname}`), { code: 'ENOTFOUND', hostname });
};
