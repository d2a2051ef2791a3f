/**
 * Steps 1–3 of a login (DESIGN.md): probe the MCP endpoint for its 401 challenge, find its protected resource
 * metadata (RFC 9728), then its authorization server's metadata (RFC 8414 / OpenID discovery), falling back to the
 * 2025-03-26 rules for servers that predate RFC 9728. The result says which resource and authorization server a
 * login or an assertion grant talks to.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import {
  discoverAuthorizationServer,
  discoverLegacyAuthorizationServer,
  discoverProtectedResource,
  protectedResourceMetadataUrls,
  sameIssuer,
  type AuthorizationServerDiscovery,
  type PrefetchedDocument,
  type ProtectedResourceMetadata,
} from '../discovery.ts';
import { hasManualEndpoints, manualAuthorizationServer } from '../compat.ts';
import { OAuthError } from '../errors.ts';
import { getJsonDocument, type FetchFn } from '../http.ts';
import { HeldExchange, type FlowRecorder } from '../trace.ts';
import { assertSafeAuthorizationServer, assertSafeEndpoint } from '../url-safety.ts';
import { readChallenge, type ChallengeInfo } from '../www-authenticate.ts';
import { settingsOf, type EngineContext } from './context.ts';
import type { ServerAuthSettings, ServerTarget } from './types.ts';

/** What discovery found out about a server. */
export interface ResolvedServer {
  /** The challenge that started this login (the caller's, or the probe's): its `scope` comes first (MCP spec). */
  readonly challenge?: ChallengeInfo;
  readonly resource: string;
  readonly prm?: ProtectedResourceMetadata;
  readonly as: AuthorizationServer;
  readonly asSource: AuthorizationServerDiscovery['source'];
}

/** A protected resource metadata request sent ahead of its step (see `prefetchResourceMetadata`). */
interface SpeculativeMetadata {
  readonly url: string;
  /** True once dropped unused. */
  readonly discarded: boolean;
  /** The request, for `discoverProtectedResource`; taking it files the exchange under the recorder's running step. */
  document(recorder: FlowRecorder): PrefetchedDocument;
  /** Drops the request unless it was taken: aborts it if still running and files its exchange under the running step. */
  discard(recorder: FlowRecorder): void;
}

/** Sends an unauthenticated MCP request and reads the challenge of a 401/403 (RFC 6750 §3, RFC 9728 §5.1). */
async function probe(fetchFn: FetchFn, serverUrl: string, signal?: AbortSignal): Promise<ChallengeInfo | undefined> {
  const response = await fetchFn(serverUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
    redirect: 'manual',
    ...(signal ? { signal } : {}),
  });
  await response.body?.cancel().catch(() => undefined);
  if (response.status === 401 || response.status === 403) return readChallenge(response.headers.get('www-authenticate'));
  return undefined;
}

/**
 * Sends the request for the first well-known protected resource metadata URL (RFC 9728 §3.1: path-inserted, else
 * root) at once, so that it travels with the probe. `discoverProtectedResource` uses it only when its ordered
 * selection reaches that URL (a challenge's `resource_metadata` URL still comes first); otherwise `discard` aborts it
 * if still running. Either way the exchange is filed in the trace under the step that used or dropped it.
 */
function prefetchResourceMetadata(ctx: EngineContext, serverUrl: string, publishing: boolean, signal?: AbortSignal): SpeculativeMetadata | undefined {
  const url = protectedResourceMetadataUrls(serverUrl)[0];
  if (!url) return undefined;
  try {
    assertSafeEndpoint(url, 'resource metadata URL');
  } catch {
    return undefined;
  }
  const held = new HeldExchange(publishing);
  const controller = new AbortController();
  const document = getJsonDocument(ctx.traced(held), url, signal ? AbortSignal.any([signal, controller.signal]) : controller.signal);
  document.catch(() => undefined);
  let settled = false;
  let discarded = false;
  return {
    url,
    get discarded() {
      return discarded;
    },
    document: (recorder) => ({
      url,
      take: () => {
        if (!settled) {
          settled = true;
          recorder.adopt(held);
        }
        return document;
      },
    }),
    discard: (recorder) => {
      if (settled) return;
      settled = true;
      discarded = true;
      controller.abort();
      recorder.adopt(held);
    },
  };
}

/** Runs discovery for a target, recording each step. Without a challenge in hand, the probe goes first. */
export async function resolveServer(
  ctx: EngineContext,
  recorder: FlowRecorder,
  target: ServerTarget,
  fetchFn: FetchFn,
  challenge: ChallengeInfo | undefined,
  signal?: AbortSignal,
): Promise<ResolvedServer> {
  const settings = settingsOf(target);
  assertSafeEndpoint(target.serverUrl, 'MCP server URL');
  // Without a challenge in hand, the probe and (right behind it) the first well-known metadata request go out together.
  let prefetch: SpeculativeMetadata | undefined;
  const ch =
    challenge ??
    (await recorder.step(
      'probe',
      async () => {
        const probing = probe(fetchFn, target.serverUrl, signal);
        prefetch = prefetchResourceMetadata(ctx, target.serverUrl, recorder.publishing, signal);
        try {
          return await probing;
        } catch (err) {
          prefetch?.discard(recorder);
          throw err;
        }
      },
      (c) => (c ? `challenge: ${c.schemes.join(', ')}${c.scope ? `, scope "${c.scope}"` : ''}` : 'no challenge'),
    ));
  const prm = await recorder.step(
    'protected-resource-metadata',
    async () => {
      try {
        return await discoverProtectedResource(fetchFn, target.serverUrl, ch?.resourceMetadata, signal, prefetch?.document(recorder));
      } finally {
        prefetch?.discard(recorder);
      }
    },
    (d) => `${d ? `resource ${d.metadata.resource} from ${d.url}` : 'none: using the 2025-03-26 rules'}${prefetch?.discarded ? ` (the request for ${prefetch.url} sent with the probe was not needed)` : ''}`,
  );
  if (hasManualEndpoints(settings)) return manualServer(recorder, settings, target, ch, prm?.metadata);
  if (!prm) {
    if (!ch) {
      throw new OAuthError('discovery_failed', 'This server did not ask for authorization and publishes no authorization metadata, so there is nothing to sign in to. Connect without signing in.');
    }
    const legacy = await recorder.step(
      'authorization-server-metadata',
      async () => judged(await discoverLegacyAuthorizationServer(fetchFn, target.serverUrl, signal)),
      (d) => `${d.source}: ${d.as.issuer}`,
    );
    return { challenge: ch, resource: resourceFromUrl(target.serverUrl), as: legacy.as, asSource: legacy.source };
  }
  const servers = (prm.metadata.authorization_servers ?? []).filter((s): s is string => typeof s === 'string');
  if (servers.length === 0) {
    throw new OAuthError('discovery_failed', 'The MCP server does not name an authorization server. Contact its operator.');
  }
  const preferred = settings.preferredAuthorizationServer;
  const issuer = (preferred && servers.find((s) => sameIssuer(s, preferred))) || servers[0]!;
  const found = await recorder.step('authorization-server-metadata', async () => judged(await discoverAuthorizationServer(fetchFn, issuer, signal, settings.acceptedIssuer)), (d) => `issuer ${d.as.issuer} from ${d.url}`);
  return { ...(ch ? { challenge: ch } : {}), resource: prm.metadata.resource, prm: prm.metadata, as: found.as, asSource: found.source };
}

/** Refuses authorization server metadata with an unsafe endpoint, inside the discovery step so the trace shows where. */
function judged<T extends { readonly as: AuthorizationServer }>(discovery: T): T {
  assertSafeAuthorizationServer(discovery.as);
  return discovery;
}

/**
 * A server whose settings give the authorization server's endpoints (it publishes no metadata): AS discovery is
 * skipped and the engine uses what the user entered, checked like any metadata (https, or http on loopback).
 */
async function manualServer(
  recorder: FlowRecorder,
  settings: ServerAuthSettings,
  target: ServerTarget,
  challenge: ChallengeInfo | undefined,
  prm: ProtectedResourceMetadata | undefined,
): Promise<ResolvedServer> {
  const named = prm?.authorization_servers?.find((s): s is string => typeof s === 'string');
  const as = await recorder.step(
    'authorization-server-metadata',
    async () => judged({ as: manualAuthorizationServer(settings, named) }).as,
    (a) => `not fetched: the server settings give the endpoints (issuer ${a.issuer})`,
  );
  return { ...(challenge ? { challenge } : {}), resource: prm?.resource ?? resourceFromUrl(target.serverUrl), ...(prm ? { prm } : {}), as, asSource: 'manual' };
}

/** The resource identifier of a server that publishes no RFC 9728 metadata: its URL without a fragment. */
function resourceFromUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.hash = '';
  return u.href;
}
