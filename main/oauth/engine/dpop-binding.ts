/**
 * Whether a new token family is sender-constrained with DPoP (RFC 9449), decided per resource before the token
 * request (see dpop-decision.ts), and the key pair it is bound to. The key is generated per family and stored with its
 * tokens so refreshes and other processes can prove possession.
 */
import type { DPoPHandle } from 'oauth4webapi';
import { decideDPoP, type DPoPDecision } from '../dpop-decision.ts';
import { generateDPoPKey } from '../dpop.ts';
import type { DPoPKeyRecord, TokenBinding } from '../store.ts';
import type { FlowRecorder } from '../trace.ts';
import { settingsOf, type EngineContext } from './context.ts';
import type { ResolvedServer } from './resolve-server.ts';
import type { ServerTarget } from './types.ts';

/** The decision for a new token request, with the key (and live handle) when it is DPoP. */
export interface DPoPBinding {
  readonly decision: DPoPDecision;
  readonly key?: DPoPKeyRecord;
  readonly handle?: DPoPHandle;
}

/** The decision as it is stored with the token set. */
export function tokenBindingOf(binding: DPoPBinding): TokenBinding {
  return { scheme: binding.decision.scheme, reason: binding.decision.reason };
}

/**
 * Decides DPoP for a new token family and notes the decision in the trace. Synchronous, so a resource that requires
 * DPoP which cannot be done (`dpop_required`) stops the login before the browser opens.
 */
export function decideBinding(ctx: EngineContext, recorder: FlowRecorder, target: ServerTarget, resolved: ResolvedServer): DPoPDecision {
  const decision = decideDPoP({
    setting: settingsOf(target).dpop,
    resourceMetadata: resolved.prm,
    challenge: resolved.challenge,
    as: resolved.as,
    resourceRefusedDPoP: ctx.dpopRefusedBy.has(resolved.resource),
  });
  recorder.note('token-binding', decision.reason);
  return decision;
}

/** Generates the family's key pair when the decision is DPoP (nothing for Bearer). */
export async function bindingFor(ctx: EngineContext, decision: DPoPDecision): Promise<DPoPBinding> {
  if (decision.scheme === 'Bearer') return { decision };
  const { record, pair } = await generateDPoPKey(decision.alg);
  return { decision, key: record, handle: await ctx.dpopHandles.add(record, pair) };
}
