/**
 * One field of a form generated from a JSON Schema, recursively: text, number, checkbox, choice, lists and nested
 * objects, with required markers and defaults. Labels and descriptions come from the server: text only.
 */
import { useId, type ReactNode } from 'react';
import type { Draft, FieldSpec } from '../../lib/schema-form.ts';

/** Props of {@link FieldEditor}. */
export interface FieldEditorProps {
  readonly spec: FieldSpec;
  readonly draft: Draft;
  readonly onChange: (draft: Draft) => void;
  /** The property name ('' for the root object). */
  readonly name: string;
  readonly required?: boolean;
  readonly path: string;
}

/** Renders the field for `spec`. */
export function FieldEditor({ spec, draft, onChange, name, required, path }: FieldEditorProps) {
  const id = useId();
  const label = spec.title ?? name;
  const labelNode = (
    <span className="field-label">
      {label}
      {required && (
        <span className="required" aria-hidden="true">
          {' '}*
        </span>
      )}
      {spec.default !== undefined && <span className="muted"> (default {JSON.stringify(spec.default)})</span>}
    </span>
  );
  const description = spec.description ? (
    <span id={`${id}-desc`} className="field-description muted">
      {spec.description}
    </span>
  ) : null;
  const describedBy = spec.description ? `${id}-desc` : undefined;

  switch (spec.kind) {
    case 'object':
      return <ObjectField spec={spec} draft={draft} onChange={onChange} label={name === '' ? undefined : labelNode} description={description} path={path} />;
    case 'array':
      return <ArrayField spec={spec} draft={draft} onChange={onChange} label={labelNode} description={description} path={path} />;
    case 'boolean':
      return (
        <div className="field">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft === true}
              aria-required={required}
              aria-describedby={describedBy}
              onChange={(e) => onChange(e.target.checked)}
            />
            {labelNode}
          </label>
          {description}
        </div>
      );
    case 'enum':
      return (
        <div className="field">
          <label htmlFor={id}>{labelNode}</label>
          <select id={id} value={typeof draft === 'string' ? draft : ''} aria-required={required} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)}>
            <option value="">{required ? 'Choose…' : '(none)'}</option>
            {spec.options.map((o) => (
              <option key={JSON.stringify(o)} value={JSON.stringify(o)}>
                {String(o)}
              </option>
            ))}
          </select>
          {description}
        </div>
      );
    case 'number':
      return (
        <div className="field">
          <label htmlFor={id}>{labelNode}</label>
          <input
            id={id}
            type="number"
            step={spec.integer ? 1 : 'any'}
            min={spec.minimum}
            max={spec.maximum}
            value={typeof draft === 'string' ? draft : ''}
            aria-required={required}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.target.value)}
          />
          {description}
        </div>
      );
    case 'string':
    case 'json': {
      const multiline = spec.kind === 'json' || spec.multiline;
      const common = {
        id,
        value: typeof draft === 'string' ? draft : '',
        'aria-required': required,
        'aria-describedby': describedBy,
        spellCheck: false,
      };
      return (
        <div className="field">
          <label htmlFor={id}>
            {labelNode}
            {spec.kind === 'json' && <span className="muted"> (JSON)</span>}
          </label>
          {multiline ? (
            <textarea {...common} rows={spec.kind === 'json' ? 4 : 2} onChange={(e) => onChange(e.target.value)} />
          ) : (
            <input {...common} type="text" onChange={(e) => onChange(e.target.value)} />
          )}
          {description}
        </div>
      );
    }
  }
}

type Props<K extends FieldSpec['kind']> = {
  readonly spec: Extract<FieldSpec, { kind: K }>;
  readonly draft: Draft;
  readonly onChange: (draft: Draft) => void;
  readonly label: ReactNode;
  readonly description: ReactNode;
  readonly path: string;
};

function ObjectField({ spec, draft, onChange, label, description, path }: Props<'object'>) {
  const values = (typeof draft === 'object' && draft !== null && !Array.isArray(draft) ? draft : {}) as Readonly<Record<string, Draft>>;
  if (spec.properties.length === 0) return <p className="muted">This tool takes no arguments.</p>;
  const body = spec.properties.map((p) => (
    <FieldEditor
      key={p.name}
      spec={p.spec}
      draft={values[p.name]}
      name={p.name}
      required={p.required}
      path={`${path}.${p.name}`}
      onChange={(d) => onChange({ ...values, [p.name]: d })}
    />
  ));
  if (!label) return <div className="fields">{body}</div>;
  return (
    <fieldset className="fields nested">
      <legend>{label}</legend>
      {description}
      {body}
    </fieldset>
  );
}

function ArrayField({ spec, draft, onChange, label, description, path }: Props<'array'>) {
  const items = Array.isArray(draft) ? (draft as readonly Draft[]) : [];
  const emptyItem = (): Draft => {
    switch (spec.items.kind) {
      case 'object':
        return {};
      case 'array':
        return [];
      case 'boolean':
        return false;
      case 'string':
      case 'number':
      case 'enum':
      case 'json':
        return '';
    }
  };
  return (
    <fieldset className="fields nested">
      <legend>{label}</legend>
      {description}
      {items.map((item, i) => (
        <div key={i} className="array-item">
          <FieldEditor
            spec={spec.items}
            draft={item}
            name={`Item ${i + 1}`}
            path={`${path}[${i}]`}
            onChange={(d) => onChange(items.map((x, j) => (j === i ? d : x)))}
          />
          <button type="button" aria-label={`Remove item ${i + 1}`} onClick={() => onChange(items.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...items, emptyItem()])}>
        Add item
      </button>
    </fieldset>
  );
}
