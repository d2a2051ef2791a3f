/**
 * What a failed request means when the cause is the network setup rather than the server (issue 12 item 5): a
 * certificate no trusted authority signed (a private CA that was not given), a proxy that refused the tunnel, or a
 * proxy/CA setting that cannot be used. Each message says what to set; the server's own text is never included.
 */

/** TLS verification failures (Node's `code`s) that a missing private CA certificate causes. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** The errors behind `err`, outermost first (bounded). */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, i = 0; e !== undefined && e !== null && i < 8; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
}

/**
 * A message for a request to `origin` that failed because of the network setup, or undefined when the failure is
 * something else (the caller then says it could not reach the server).
 */
export function describeNetworkFailure(err: unknown, origin: string): string | undefined {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if (name === 'KeyportError' && code === 'network_config') return (e as Error).message;
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
      return `The certificate of ${origin} is not signed by an authority Keyport trusts (${code}). If your organisation uses its own certificate authority, give its certificate (PEM) in NODE_EXTRA_CA_CERTS or KEYPORT_EXTRA_CA_CERTS, or in network.json in Keyport's data folder.`;
    }
    if (code === 'CERT_HAS_EXPIRED') return `The certificate of ${origin} has expired. Contact the server's operator.`;
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `The certificate of ${origin} is for another name. Check the server URL, or contact the server's operator.`;
    const message = e instanceof Error ? e.message : '';
    const proxyStatus = /^Proxy response \((\d{3})\)/.exec(message)?.[1];
    if (proxyStatus !== undefined) {
      return `The proxy refused to connect Keyport to ${origin} (HTTP ${proxyStatus}${proxyStatus === '407' ? ': it wants credentials; put them in the proxy URL, http://user:password@proxy:port' : ''}). Check HTTPS_PROXY / NO_PROXY or the system proxy settings.`;
    }
  }
  return undefined;
}
