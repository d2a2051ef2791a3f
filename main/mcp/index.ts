/**
 * The MCP connection layer's public API: what main/ipc and the CLI import. Internals (convert, status machine
 * plumbing) stay importable by path for tests, but callers should use only what is re-exported here.
 */
export { createConnectionManager } from './manager.ts';
export type { ConnectionManager, ConnectionManagerOptions, ManagerEvent } from './manager.ts';
export { createConnection } from './connection.ts';
export type { McpConnection, ConnectionEvent, CallToolOptions, RequestOptions } from './connection.ts';
export type { EraCacheSeam, EraVerdict } from './era.ts';
export { defaultReconnectPolicy } from './config.ts';
export type {
  ConnectionOptions,
  ElicitationHandler,
  HttpServerConfig,
  McpServerConfig,
  ReconnectPolicy,
  StdioServerConfig,
} from './config.ts';
export {
  AuthChallengeError,
  authEventFromStatus,
  createAuthEventRouter,
  parseBearerChallenge,
  staticBearerSession,
  withChallengeDetection,
} from './auth.ts';
export type { AuthEvent, AuthEventRouter, AuthTarget, AuthorizedFetchFactory, AuthorizedSession, FetchLike } from './auth.ts';
export { McpConnectionError, isMcpConnectionError, mcpErrorCodes, toMcpError } from './errors.ts';
export type { McpErrorCode } from './errors.ts';
export { nextStatus, createStatusHolder } from './status.ts';
export type { StatusEvent, StatusHolder } from './status.ts';
export type * from './views.ts';
