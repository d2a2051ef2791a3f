/**
 * The view types this layer returns: plain, serialisable data that crosses to the renderer as it is. They were
 * proposed here and now live in the IPC contract (`preload/contract.ts`), the single source; this module re-exports
 * them so main/mcp code and its callers keep one import path.
 */
export type {
  ContentAnnotationsView,
  ContentView,
  ElicitationRequestView,
  ElicitationResponseView,
  LogLevel,
  LogMessageView,
  ProgressView,
  PromptArgumentView,
  PromptMessageView,
  PromptResultView,
  PromptView,
  ResourceContentsView,
  ResourceReadView,
  ResourceTemplateView,
  ResourceView,
  ServerInfoView,
  ToolAnnotationsView,
  ToolResultView,
  ToolView,
} from '../../preload/contract.ts';
