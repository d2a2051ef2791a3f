/** A resource template (RFC 6570, simple `{var}` expressions): one field per variable, then Read. */
import { useState } from 'react';
import type { ResourceTemplateView } from '../../../../preload/contract.ts';

/** The variable names of a URI template (`{id}`, `{+path}`, `{?q,lang}` → id, path, q, lang). */
export function templateVariables(template: string): readonly string[] {
  const names: string[] = [];
  for (const match of template.matchAll(/\{([^}]+)\}/g)) {
    for (const part of (match[1] ?? '').replace(/^[+#./;?&]/, '').split(',')) {
      const name = part.replace(/[*]$/, '').replace(/:\d+$/, '');
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Expands simple `{var}` expressions, percent-encoding the values; other operators expand as plain lists. */
export function expandTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, body: string) => {
    const op = /^[+#./;?&]/.test(body) ? body[0] : '';
    const vars = (op ? body.slice(1) : body).split(',').map((v) => v.replace(/[*]$/, '').replace(/:\d+$/, ''));
    const enc = (v: string) => (op === '+' || op === '#' ? encodeURI(v) : encodeURIComponent(v));
    if (op === '?' || op === '&') {
      const pairs = vars.filter((v) => values[v]).map((v) => `${v}=${enc(values[v] ?? '')}`);
      return pairs.length ? `${op}${pairs.join('&')}` : '';
    }
    const joined = vars.map((v) => enc(values[v] ?? '')).join(',');
    return op && op !== '+' ? `${op}${joined}` : joined;
  });
}

/** The form for one template. */
export function TemplateForm({ template, onRead }: { readonly template: ResourceTemplateView; readonly onRead: (uri: string) => void }) {
  const names = templateVariables(template.uriTemplate);
  const [values, setValues] = useState<Readonly<Record<string, string>>>({});
  return (
    <form
      className="template-form"
      aria-label={`Template ${template.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        onRead(expandTemplate(template.uriTemplate, values));
      }}
    >
      <p>
        <strong>{template.title ?? template.name}</strong> <code className="muted selectable">{template.uriTemplate}</code>
      </p>
      {template.description && <p className="muted server-text">{template.description}</p>}
      {names.map((n) => (
        <label key={n}>
          {n}
          <input type="text" value={values[n] ?? ''} onChange={(e) => setValues({ ...values, [n]: e.target.value })} />
        </label>
      ))}
      <button type="submit">Read</button>
    </form>
  );
}
