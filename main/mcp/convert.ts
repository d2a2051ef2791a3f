/**
 * SDK results → plain view data. Copies only the fields the views declare, so nothing unexpected (class
 * instances, `_meta` blobs, server-invented keys) reaches the renderer.
 */
import type { ContentBlock, Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from '@modelcontextprotocol/client';
import type {
  ContentAnnotationsView,
  ContentView,
  PromptView,
  ResourceContentsView,
  ResourceTemplateView,
  ResourceView,
  ToolAnnotationsView,
  ToolView,
} from './views.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function annotations(a: unknown): ContentAnnotationsView | undefined {
  if (typeof a !== 'object' || a === null) return undefined;
  const src = a as Record<string, unknown>;
  const out: Mutable<ContentAnnotationsView> = {};
  if (Array.isArray(src.audience)) out.audience = src.audience.filter((x): x is 'user' | 'assistant' => x === 'user' || x === 'assistant');
  if (typeof src.priority === 'number') out.priority = src.priority;
  if (typeof src.lastModified === 'string') out.lastModified = src.lastModified;
  return Object.keys(out).length > 0 ? out : undefined;
}

function withAnnotations<T extends object>(view: T, a: unknown): T {
  const ann = annotations(a);
  return ann === undefined ? view : { ...view, annotations: ann };
}

/** One resource's contents (text or blob) as a view. */
export function toResourceContentsView(c: { uri: string; mimeType?: string | undefined; text?: unknown; blob?: unknown }): ResourceContentsView {
  const mime = c.mimeType !== undefined ? { mimeType: c.mimeType } : {};
  if (typeof c.blob === 'string') return { kind: 'blob', uri: c.uri, ...mime, blob: c.blob };
  return { kind: 'text', uri: c.uri, ...mime, text: typeof c.text === 'string' ? c.text : '' };
}

/** A content block of any MCP type as a view. */
export function toContentView(block: ContentBlock): ContentView {
  switch (block.type) {
    case 'text':
      return withAnnotations({ type: 'text', text: block.text }, block.annotations);
    case 'image':
      return withAnnotations({ type: 'image', data: block.data, mimeType: block.mimeType }, block.annotations);
    case 'audio':
      return withAnnotations({ type: 'audio', data: block.data, mimeType: block.mimeType }, block.annotations);
    case 'resource_link': {
      const v: Mutable<Extract<ContentView, { type: 'resource_link' }>> = { type: 'resource_link', uri: block.uri, name: block.name };
      const title = str(block.title);
      if (title !== undefined) v.title = title;
      if (block.description !== undefined) v.description = block.description;
      if (block.mimeType !== undefined) v.mimeType = block.mimeType;
      if (block.size !== undefined) v.size = block.size;
      return withAnnotations(v, block.annotations);
    }
    case 'resource':
      return withAnnotations({ type: 'resource', resource: toResourceContentsView(block.resource) }, block.annotations);
    default: {
      const never: never = block;
      return never;
    }
  }
}

/** A tool as a view. */
export function toToolView(tool: Tool): ToolView {
  const v: Mutable<ToolView> = { name: tool.name, inputSchema: { ...tool.inputSchema } };
  const title = str(tool.title) ?? str(tool.annotations?.title);
  if (title !== undefined) v.title = title;
  if (tool.description !== undefined) v.description = tool.description;
  if (tool.outputSchema !== undefined) v.outputSchema = { ...tool.outputSchema };
  if (tool.annotations !== undefined) {
    const a: Mutable<ToolAnnotationsView> = {};
    const src = tool.annotations;
    if (typeof src.title === 'string') a.title = src.title;
    if (typeof src.readOnlyHint === 'boolean') a.readOnlyHint = src.readOnlyHint;
    if (typeof src.destructiveHint === 'boolean') a.destructiveHint = src.destructiveHint;
    if (typeof src.idempotentHint === 'boolean') a.idempotentHint = src.idempotentHint;
    if (typeof src.openWorldHint === 'boolean') a.openWorldHint = src.openWorldHint;
    v.annotations = a;
  }
  return v;
}

/** A resource as a view. */
export function toResourceView(r: Resource): ResourceView {
  const v: Mutable<ResourceView> = { uri: r.uri, name: r.name };
  const title = str(r.title);
  if (title !== undefined) v.title = title;
  if (r.description !== undefined) v.description = r.description;
  if (r.mimeType !== undefined) v.mimeType = r.mimeType;
  if (typeof r.size === 'number') v.size = r.size;
  return v;
}

/** A resource template as a view. */
export function toResourceTemplateView(t: ResourceTemplate): ResourceTemplateView {
  const v: Mutable<ResourceTemplateView> = { uriTemplate: t.uriTemplate, name: t.name };
  const title = str(t.title);
  if (title !== undefined) v.title = title;
  if (t.description !== undefined) v.description = t.description;
  if (t.mimeType !== undefined) v.mimeType = t.mimeType;
  return v;
}

/** A prompt as a view. */
export function toPromptView(p: Prompt): PromptView {
  const v: Mutable<PromptView> = {
    name: p.name,
    arguments: (p.arguments ?? []).map((a) => ({
      name: a.name,
      required: a.required === true,
      ...(a.description !== undefined ? { description: a.description } : {}),
    })),
  };
  const title = str(p.title);
  if (title !== undefined) v.title = title;
  if (p.description !== undefined) v.description = p.description;
  return v;
}

/** The defaults declared in a flat elicitation schema, for pre-filling the form. */
export function schemaDefaults(schema: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof schema !== 'object' || schema === null) return out;
  const props = (schema as { properties?: unknown }).properties;
  if (typeof props !== 'object' || props === null) return out;
  for (const [key, prop] of Object.entries(props as Record<string, unknown>)) {
    if (typeof prop === 'object' && prop !== null && 'default' in prop) out[key] = (prop as { default: unknown }).default;
  }
  return out;
}
