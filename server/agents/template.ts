// {{path}} templates over a scope of data, for offline behaviours and prompt templates. Pure.
// A string that is exactly one placeholder yields the raw value, so structured data passes through
// a step unchanged; elsewhere values are inserted as text (objects as JSON).

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)\s*\}\}/g;
const ONLY = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)\s*\}\}$/;

export function lookup(scope: unknown, path: string): unknown {
  let cur: unknown = scope;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof cur === 'string' && part !== 'length') {
      // a JSON string can be navigated into, so a tool's text output can feed the next step
      try {
        cur = JSON.parse(cur);
      } catch {
        return undefined;
      }
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Renders a template string to text. */
export function render(template: string, scope: unknown): string {
  return template.replace(PLACEHOLDER, (_m, path: string) => asText(lookup(scope, path)));
}

/** Renders any value: strings as templates, arrays and tables recursively. */
export function renderValue(value: unknown, scope: unknown): unknown {
  if (typeof value === 'string') {
    const only = ONLY.exec(value);
    return only ? lookup(scope, only[1]!) : render(value, scope);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  return value;
}
