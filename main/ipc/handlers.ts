/**
 * The request handlers: one per contract channel, each a thin adapter from a validated IPC call to the app's
 * services. Kept free of `electron` so the Chromium test harness drives exactly these functions.
 */
import type {
  AccountsView,
  AppInfo,
  AttentionView,
  LoginPlanView,
  RemovalReportView,
  ElicitationResponseView,
  FlowTraceView,
  ImportReportView,
  IntrospectionView,
  PasteResultView,
  LogMessageView,
  PromptResultView,
  PromptView,
  ResourceReadView,
  ResourceTemplateView,
  ResourceView,
  ServerDetailsView,
  ServerInput,
  ServerView,
  TokenSetView,
  ToolResultView,
  ToolView,
} from '../../preload/contract.ts';
import type { Handlers } from './dispatch.ts';

/** The configured servers as the window manages them. */
export interface ServerDirectory {
  list(): Promise<readonly ServerView[]>;
  add(input: ServerInput): Promise<ServerView>;
  update(id: string, input: ServerInput): Promise<ServerView>;
  remove(id: string): Promise<boolean>;
  reorder(ids: readonly string[]): Promise<readonly ServerView[]>;
  importFromFile(): Promise<ImportReportView | null>;
  connect(id: string): Promise<ServerView>;
  disconnect(id: string): Promise<ServerView>;
  details(id: string): Promise<ServerDetailsView>;
}

/** Signing in and out, and the tokens Keyport holds (as views; raw values only to the clipboard or on Reveal). */
export interface AuthService {
  /** `exactScope`: `scope` is what the user ticked in the consent list, sent without additions. */
  signIn(id: string, scope?: string, exactScope?: boolean): Promise<TokenSetView>;
  cancel(id: string): Promise<boolean>;
  copyLink(id: string): Promise<boolean>;
  signOut(id: string): Promise<boolean>;
  stepUp(id: string, scopes: readonly string[]): Promise<TokenSetView>;
  forgetRegistration(id: string): Promise<boolean>;
  redirectUri(id: string): Promise<string>;
  /** Hands an address the user pasted back to the sign-in waiting for it (checked like a callback; never echoed). */
  pasteRedirect(id: string, address: string): Promise<PasteResultView>;
  tokens(id: string): Promise<TokenSetView | null>;
  refresh(id: string): Promise<TokenSetView>;
  introspect(id: string, kind: 'access' | 'refresh'): Promise<IntrospectionView>;
  revoke(id: string, kind: 'access' | 'refresh'): Promise<TokenSetView | null>;
  copyToken(id: string, kind: 'access' | 'refresh' | 'id'): Promise<boolean>;
  revealToken(id: string, kind: 'access' | 'refresh' | 'id'): Promise<string>;
  flows(id: string): Promise<readonly FlowTraceView[]>;
}

/** Several accounts per server (issue 13): list, add another, switch the active one, rename, sign one out. */
export interface AccountService {
  list(id: string): Promise<AccountsView>;
  add(id: string): Promise<TokenSetView>;
  switchTo(id: string, account: string): Promise<AccountsView>;
  rename(id: string, account: string, name: string): Promise<AccountsView>;
  signOut(id: string, account: string): Promise<boolean>;
}

/** What a connected server offers: tools, resources, prompts, its log, and its elicitation requests. */
export interface CapabilityService {
  tools(id: string): Promise<readonly ToolView[]>;
  callTool(id: string, call: { callId: string; tool: string; arguments: Record<string, unknown> }): Promise<ToolResultView>;
  cancelCall(callId: string): Promise<boolean>;
  resources(id: string): Promise<{ resources: readonly ResourceView[]; templates: readonly ResourceTemplateView[] }>;
  readResource(id: string, uri: string): Promise<ResourceReadView>;
  prompts(id: string): Promise<readonly PromptView[]>;
  getPrompt(id: string, name: string, args: Record<string, string>): Promise<PromptResultView>;
  log(id: string): Promise<readonly LogMessageView[]>;
  respondToElicitation(requestId: string, response: ElicitationResponseView): Promise<boolean>;
}

/** Keyport tells you before it matters (issue 14): what needs the user, consent before sign-in, reports, removal. */
export interface ForesightService {
  /** The servers that need the user now. */
  attention(): Promise<readonly AttentionView[]>;
  /** The consent list: what a sign-in would request, before the browser opens. */
  planSignIn(id: string): Promise<LoginPlanView>;
  /** Asks where to save the report of one flow and writes it (HTML, or JSON for a `.json` name). */
  saveReport(id: string, flowId: string): Promise<{ readonly saved: boolean; readonly file?: string }>;
  /** Revokes the server's tokens, deletes its registration where only it used one, then removes it. */
  removeServer(id: string): Promise<{ readonly removed: boolean; readonly report?: RemovalReportView }>;
}

/** Everything the handlers need from the rest of main; the app and the tests both build one. */
export interface AppServices {
  readonly info: () => AppInfo;
  readonly openExternal: (url: string) => Promise<boolean>;
  readonly servers: ServerDirectory;
  readonly auth: AuthService;
  readonly accounts: AccountService;
  readonly capabilities: CapabilityService;
  readonly foresight: ForesightService;
}

/** Builds the complete handler table; the `Handlers` type makes a missing channel a compile error. */
export function createHandlers(services: AppServices): Handlers {
  const { servers, auth, accounts, capabilities, foresight } = services;
  return {
    'app:info': async () => services.info(),
    'app:openExternal': async (url) => ({ opened: await services.openExternal(url) }),
    'servers:list': () => servers.list(),
    'servers:add': (input) => servers.add(input),
    'servers:update': (id, input) => servers.update(id, input),
    'servers:remove': (id) => foresight.removeServer(id),
    'servers:reorder': (ids) => servers.reorder(ids),
    'servers:import': () => servers.importFromFile(),
    'servers:connect': (id) => servers.connect(id),
    'servers:disconnect': (id) => servers.disconnect(id),
    'servers:info': (id) => servers.details(id),
    'auth:signIn': (id, options) => auth.signIn(id, options?.scope, options?.exactScope),
    'auth:plan': (id) => foresight.planSignIn(id),
    'attention:list': () => foresight.attention(),
    'flows:saveReport': (id, flowId) => foresight.saveReport(id, flowId),
    'auth:cancel': async (id) => ({ cancelled: await auth.cancel(id) }),
    'auth:copyLink': async (id) => ({ copied: await auth.copyLink(id) }),
    'auth:signOut': async (id) => ({ revoked: await auth.signOut(id) }),
    'auth:stepUp': (id, scopes) => auth.stepUp(id, scopes),
    'auth:forgetRegistration': async (id) => ({ forgotten: await auth.forgetRegistration(id) }),
    'auth:redirectUri': async (id) => ({ redirectUri: await auth.redirectUri(id) }),
    'auth:pasteRedirect': (id, address) => auth.pasteRedirect(id, address),
    'accounts:list': (id) => accounts.list(id),
    'accounts:add': (id) => accounts.add(id),
    'accounts:switch': (id, account) => accounts.switchTo(id, account),
    'accounts:rename': (id, account, name) => accounts.rename(id, account, name),
    'accounts:signOut': async (id, account) => ({ revoked: await accounts.signOut(id, account) }),
    'tokens:get': (id) => auth.tokens(id),
    'tokens:refresh': (id) => auth.refresh(id),
    'tokens:introspect': (id, kind) => auth.introspect(id, kind),
    'tokens:revoke': (id, kind) => auth.revoke(id, kind),
    'tokens:copy': async (id, kind) => ({ copied: await auth.copyToken(id, kind) }),
    'tokens:reveal': async (id, kind) => ({ value: await auth.revealToken(id, kind) }),
    'flows:list': (id) => auth.flows(id),
    'tools:list': (id) => capabilities.tools(id),
    'tools:call': (id, call) => capabilities.callTool(id, call),
    'tools:cancel': async (callId) => ({ cancelled: await capabilities.cancelCall(callId) }),
    'resources:list': (id) => capabilities.resources(id),
    'resources:read': (id, uri) => capabilities.readResource(id, uri),
    'prompts:list': (id) => capabilities.prompts(id),
    'prompts:get': (id, name, args) => capabilities.getPrompt(id, name, args),
    'log:list': (id) => capabilities.log(id),
    'elicitation:respond': async (requestId, response) => ({
      delivered: await capabilities.respondToElicitation(requestId, response),
    }),
  };
}
