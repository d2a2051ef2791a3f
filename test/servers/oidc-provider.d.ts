/**
 * Just enough typing of `oidc-provider` (which ships none) for the test bed. Deliberately narrow: the test bed uses
 * a handful of APIs, and the configuration object is validated by oidc-provider itself at startup.
 */
declare module 'oidc-provider' {
  import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

  /** The parts of oidc-provider's Koa context the test bed reads or writes. */
  export interface ProviderContext {
    method: string;
    path: string;
    status: number;
    type: string;
    body: unknown;
    readonly request: { readonly body?: Readonly<Record<string, unknown>> };
    readonly query: Readonly<Record<string, unknown>>;
    readonly headers: IncomingHttpHeaders;
    readonly oidc?: {
      readonly route?: string;
      readonly params?: Readonly<Record<string, unknown>>;
      readonly client?: { readonly clientId?: string };
      /** The finished interaction's result while resuming (`consent.grantId` after the consent page). */
      readonly result?: { readonly consent?: { readonly grantId?: string } };
      readonly session?: { grantIdFor(clientId: string): string | undefined };
    };
  }

  /** A registered client as configuration hooks receive it. */
  export interface ProviderClient {
    readonly clientId: string;
    readonly clientName?: string;
    readonly clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  /** A token or code as configuration hooks receive it. */
  export interface ProviderToken {
    readonly kind: string;
    readonly clientId?: string;
  }

  /** Per-resource scopes of a grant, space-separated (the granted ones, or the `rejected` ones). */
  export interface ProviderScopeSet {
    resources?: Record<string, string>;
  }

  /** An authorization grant (what the user consented to), stored by the provider. */
  export interface ProviderGrant extends ProviderScopeSet {
    readonly accountId: string;
    readonly clientId: string;
    rejected?: ProviderScopeSet;
    /** Granted scopes for a resource minus the rejected ones, space-separated. */
    getResourceScope(resource: string): string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: readonly string[]): void;
    addResourceScope(resource: string, scope: string): void;
    rejectResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
  }

  /** The state of one login/consent interaction. */
  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly reasons: readonly string[]; readonly details: Readonly<Record<string, unknown>> };
    readonly params: Readonly<Record<string, unknown>>;
    readonly session?: { readonly accountId?: string; readonly uid?: string };
    readonly grantId?: string;
    readonly returnTo: string;
  }

  /** The provider application (a Koa subclass). */
  export class Provider {
    constructor(issuer: string, configuration?: Readonly<Record<string, unknown>>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void> | void): this;
    on(event: string, listener: (...args: never[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Readonly<Record<string, unknown>>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): ProviderGrant;
      find(id: string): Promise<ProviderGrant | undefined>;
    };
    readonly Client: { find(id: string): Promise<ProviderClient | undefined> };
    /** Stored refresh tokens by value (`exp`: epoch seconds). */
    readonly RefreshToken: { find(value: string): Promise<{ readonly exp?: number } | undefined> };
  }

  /** oidc-provider's error classes (only the ones the test bed throws). */
  export const errors: {
    readonly InvalidTarget: new (description?: string) => Error;
  };
}
