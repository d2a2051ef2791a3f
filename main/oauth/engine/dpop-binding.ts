/**
 * Whether a new token family is sender-constrained with DPoP (RFC 9449), and with which key. The key pair is
 * generated per family and stored with its tokens so refreshes and other processes can prove possession.
 */
import type { AuthorizationServer, DPoPHandle } from 'oauth4webapi';
import { generateDPoPKey, selectDPoPAlg } from '../dpop.ts';
import type { DPoPKeyRecord } from '../store.ts';
import { settingsOf, type EngineContext } from './context.ts';
import type { ServerTarget } from './types.ts';

/** The DPoP key (and live handle) for a new token request, or nothing for Bearer tokens. */
export interface DPoPBinding {
  readonly key?: DPoPKeyRecord;
  readonly handle?: DPoPHandle;
}

/** Decides DPoP for a new token family and generates its key. */
export async function dpopFor(ctx: EngineContext, target: ServerTarget, as: AuthorizationServer): Promise<DPoPBinding> {
  if (settingsOf(target).dpop === 'off') return {};
  const alg = selectDPoPAlg(as);
  if (!alg) return {};
  const { record, pair } = await generateDPoPKey(alg);
  return { key: record, handle: await ctx.dpopHandles.add(record, pair) };
}
