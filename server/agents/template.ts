// {{path}} templates over a scope of data, for offline behaviours and prompt templates. Pure.
// A string that is exactly one placeholder yields the raw value, so structured data passes through
// a step unchanged; elsewhere values are inserted as text (objects as JSON).

import { fipaOf, type Message } from '../routing/message.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)\s*\}\}/g;
const ONLY = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)\s*\}\}$/;

/** Compiled paths and templates: they come from agent files, so there are few; bounded all the same. */
const CACHE_LIMIT = 1000;
const paths = new Map<string, string[]>();
const templates = new Map<string, { texts: string[]; paths: string[][] }>();

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

const splitPath = (path: string): string[] => remember(paths, path, () => path.replace(/\[(\d+)\]/g, '.$1').split('.'));

export function lookup(scope: unknown, path: string): unknown {
  return lookupParts(scope, splitPath(path));
}

function lookupParts(scope: unknown, parts: readonly string[]): unknown {
  let cur: unknown = scope;
  for (const part of parts) {
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

/** The paths of a template's placeholders, in order (`{{steps.a.output}}` → `steps.a.output`). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Renders a template string to text. */
export function render(template: string, scope: unknown): string {
  // compiled once per template: the text between placeholders, and each placeholder's path
  const t = remember(templates, template, () => {
    const texts: string[] = [];
    const found: string[][] = [];
    let at = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      texts.push(template.slice(at, m.index));
      found.push(splitPath(m[1]!));
      at = m.index + m[0].length;
    }
    texts.push(template.slice(at));
    return { texts, paths: found };
  });
  let out = t.texts[0]!;
  for (let i = 0; i < t.paths.length; i++) out += asText(lookupParts(scope, t.paths[i]!)) + t.texts[i + 1]!;
  return out;
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

/** What a template reads of the message it answers (`{{message.x}}`); validation warns on any other name. */
export const MESSAGE_FIELDS = ['id', 'sender', 'performative', 'conversationId', 'content', 'replyWith', 'inReplyTo', 'protocol', 'ontology'] as const;

/** The message as templates see it: the FIPA fields only where the sender set them (`{{message}}` whole stays small). */
export function messageScope(m: Pick<Message, (typeof MESSAGE_FIELDS)[number]>): Partial<Record<(typeof MESSAGE_FIELDS)[number], unknown>> {
  const base = { id: m.id, sender: m.sender, performative: m.performative, conversationId: m.conversationId, content: m.content };
  const fipa = fipaOf(m);
  return fipa ? { ...base, ...fipa } : base;
}
