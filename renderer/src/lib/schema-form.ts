/**
 * Turns a tool's `inputSchema` (JSON Schema from an untrusted server) into a form model, a draft the form edits, and
 * back into call arguments. Unknown or exotic schema parts fall back to a raw JSON field rather than failing.
 */

/** One field of a generated form. `label`/`description` come from the server: render them as text only. */
export type FieldSpec =
  | (FieldBase & { readonly kind: 'string'; readonly format?: string; readonly multiline: boolean })
  | (FieldBase & { readonly kind: 'number'; readonly integer: boolean; readonly minimum?: number; readonly maximum?: number })
  | (FieldBase & { readonly kind: 'boolean' })
  | (FieldBase & { readonly kind: 'enum'; readonly options: readonly (string | number | boolean)[] })
  | (FieldBase & { readonly kind: 'array'; readonly items: FieldSpec })
  | (FieldBase & { readonly kind: 'object'; readonly properties: readonly PropertySpec[] })
  | (FieldBase & { readonly kind: 'json' });

interface FieldBase {
  readonly title?: string;
  readonly description?: string;
  readonly default?: unknown;
}

/** A named property of an object field. */
export interface PropertySpec {
  readonly name: string;
  readonly required: boolean;
  readonly spec: FieldSpec;
}

/** What the form holds while the user edits: text for numbers and JSON, so half-typed input survives. */
export type Draft = string | boolean | undefined | readonly Draft[] | { readonly [name: string]: Draft };

const maxDepth = 8;

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function schemaType(schema: Readonly<Record<string, unknown>>): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (record(schema['properties'])) return 'object';
  return undefined;
}

/** Builds the form model of a JSON Schema. */
export function fieldSpecOf(schemaValue: unknown, depth = 0): FieldSpec {
  const schema = record(schemaValue) ?? {};
  const base: FieldBase = {
    ...(text(schema['title']) !== undefined ? { title: text(schema['title']) } : {}),
    ...(text(schema['description']) !== undefined ? { description: text(schema['description']) } : {}),
    ...('default' in schema ? { default: schema['default'] } : {}),
  };
  if (depth > maxDepth) return { ...base, kind: 'json' };
  const options = schema['enum'];
  if (Array.isArray(options) && options.length > 0 && options.every((o) => ['string', 'number', 'boolean'].includes(typeof o))) {
    return { ...base, kind: 'enum', options: options as (string | number | boolean)[] };
  }
  if ('const' in schema && ['string', 'number', 'boolean'].includes(typeof schema['const'])) {
    return { ...base, kind: 'enum', options: [schema['const'] as string | number | boolean] };
  }
  switch (schemaType(schema)) {
    case 'string':
      return {
        ...base,
        kind: 'string',
        ...(text(schema['format']) !== undefined ? { format: text(schema['format']) } : {}),
        multiline: typeof schema['maxLength'] !== 'number' || schema['maxLength'] > 200,
      };
    case 'number':
    case 'integer':
      return {
        ...base,
        kind: 'number',
        integer: schemaType(schema) === 'integer',
        ...(typeof schema['minimum'] === 'number' ? { minimum: schema['minimum'] } : {}),
        ...(typeof schema['maximum'] === 'number' ? { maximum: schema['maximum'] } : {}),
      };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array':
      return { ...base, kind: 'array', items: fieldSpecOf(schema['items'], depth + 1) };
    case 'object': {
      const props = record(schema['properties']);
      if (!props) return { ...base, kind: 'json' };
      const required = Array.isArray(schema['required']) ? schema['required'].filter((r) => typeof r === 'string') : [];
      return {
        ...base,
        kind: 'object',
        properties: Object.entries(props).map(([name, sub]) => ({
          name,
          required: required.includes(name),
          spec: fieldSpecOf(sub, depth + 1),
        })),
      };
    }
    default:
      return { ...base, kind: 'json' };
  }
}

/** The draft a new form starts from: the schema's defaults, else empty. */
export function initialDraft(spec: FieldSpec): Draft {
  const d = spec.default;
  switch (spec.kind) {
    case 'string':
      return typeof d === 'string' ? d : '';
    case 'number':
      return typeof d === 'number' ? String(d) : '';
    case 'boolean':
      return typeof d === 'boolean' ? d : undefined;
    case 'enum':
      return d !== undefined && spec.options.includes(d as string) ? JSON.stringify(d) : '';
    case 'array':
      return Array.isArray(d) ? d.map((item) => draftOfValue(spec.items, item)) : [];
    case 'object': {
      const out: Record<string, Draft> = {};
      const defaults = record(d) ?? {};
      for (const p of spec.properties) {
        out[p.name] = p.name in defaults ? draftOfValue(p.spec, defaults[p.name]) : initialDraft(p.spec);
      }
      return out;
    }
    case 'json':
      return d === undefined ? '' : JSON.stringify(d, null, 2);
  }
}

/** The draft of a concrete value (used for array defaults and when leaving the raw JSON editor). */
export function draftOfValue(spec: FieldSpec, value: unknown): Draft {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'enum':
      return value === undefined ? '' : JSON.stringify(value);
    case 'array':
      return Array.isArray(value) ? value.map((v) => draftOfValue(spec.items, v)) : [];
    case 'object': {
      // Absent keys stay empty (not their defaults): the user removed them in the JSON editor.
      const obj = record(value) ?? {};
      const out: Record<string, Draft> = {};
      for (const p of spec.properties) out[p.name] = draftOfValue(p.spec, obj[p.name]);
      return out;
    }
    case 'json':
      return value === undefined ? '' : JSON.stringify(value, null, 2);
  }
}

/** The outcome of turning a draft into arguments: a value (absent = omit) and the problems found, by path. */
export interface BuildResult {
  readonly value?: unknown;
  readonly problems: readonly string[];
}

/** Converts a draft into the JSON value to send; empty optional fields are left out. */
export function buildValue(spec: FieldSpec, draft: Draft, path: string): BuildResult {
  switch (spec.kind) {
    case 'string':
      return typeof draft === 'string' && draft !== '' ? { value: draft, problems: [] } : { problems: [] };
    case 'number': {
      if (typeof draft !== 'string' || draft.trim() === '') return { problems: [] };
      const n = Number(draft);
      if (!Number.isFinite(n)) return { problems: [`${path} must be a number.`] };
      if (spec.integer && !Number.isInteger(n)) return { problems: [`${path} must be a whole number.`] };
      if (spec.minimum !== undefined && n < spec.minimum) return { problems: [`${path} must be at least ${spec.minimum}.`] };
      if (spec.maximum !== undefined && n > spec.maximum) return { problems: [`${path} must be at most ${spec.maximum}.`] };
      return { value: n, problems: [] };
    }
    case 'boolean':
      return typeof draft === 'boolean' ? { value: draft, problems: [] } : { problems: [] };
    case 'enum':
      return typeof draft === 'string' && draft !== '' ? { value: JSON.parse(draft) as unknown, problems: [] } : { problems: [] };
    case 'array': {
      const items = Array.isArray(draft) ? (draft as readonly Draft[]) : [];
      const problems: string[] = [];
      const value: unknown[] = [];
      items.forEach((item, i) => {
        const built = buildValue(spec.items, item, `${path}[${i}]`);
        problems.push(...built.problems);
        if ('value' in built) value.push(built.value);
      });
      return items.length === 0 ? { problems } : { value, problems };
    }
    case 'object': {
      const drafts = (typeof draft === 'object' && draft !== null && !Array.isArray(draft) ? draft : {}) as Record<string, Draft>;
      const problems: string[] = [];
      const missing: string[] = [];
      const value: Record<string, unknown> = {};
      for (const p of spec.properties) {
        const sub = path === '' ? p.name : `${path}.${p.name}`;
        const built = buildValue(p.spec, drafts[p.name], sub);
        problems.push(...built.problems);
        if ('value' in built) value[p.name] = built.value;
        else if (p.required) missing.push(`${sub} is required.`);
      }
      // A nested object left entirely empty is omitted; its required fields only count once it is filled in.
      if (Object.keys(value).length === 0 && path !== '') return { problems };
      return { value, problems: [...missing, ...problems] };
    }
    case 'json': {
      if (typeof draft !== 'string' || draft.trim() === '') return { problems: [] };
      try {
        return { value: JSON.parse(draft) as unknown, problems: [] };
      } catch {
        return { problems: [`${path || 'The value'} is not valid JSON.`] };
      }
    }
  }
}

/** The arguments object of a tool call from its schema and draft. */
export function buildArguments(spec: FieldSpec, draft: Draft): { readonly args: Record<string, unknown>; readonly problems: readonly string[] } {
  const built = buildValue(spec, draft, '');
  const args = record(built.value) ?? {};
  return { args: { ...args }, problems: built.problems };
}
