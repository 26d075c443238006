// One workspace file → its typed value plus every problem in it, located. Pure: the deployer caches
// results by blob id, so a file whose id did not change is never parsed twice.
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { AgentFile, CaxtonFile, ToolFile, NAME_RE } from './schema.js';
import { TomlPositions } from './toml-position.js';
import type { EntityRef, Issue, IssueCode } from './issue.js';
import { nearest } from '../util/nearest.js';
import { valueAt } from '../util/value-at.js';

export interface SourceFile {
  path: string;
  source: string;
}

export interface Parsed<T> {
  folder: string;
  path: string;
  value: T | null;
  /** the TOML document as parsed, before the schema (null on a syntax error) */
  raw: unknown;
  issues: Issue[];
  positions: TomlPositions | null;
}

type Kind = 'agent' | 'tool' | 'config';
const SCHEMAS = { agent: AgentFile, tool: ToolFile, config: CaxtonFile } as const;

/** Turns a bad name into the nearest valid one, for suggestions. */
export function slugify(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 63);
  return s || 'my-agent';
}

/** The zod schema found by walking `path` through objects, arrays, optionals and defaults. */
function schemaAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): z.ZodType | null {
  let cur: z.ZodType | null = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let t = s;
    while (t instanceof z.ZodOptional || t instanceof z.ZodDefault || t instanceof z.ZodNullable) {
      t = (t as unknown as { unwrap(): z.ZodType }).unwrap();
    }
    return t;
  };
  for (const seg of path) {
    if (!cur) return null;
    cur = unwrap(cur);
    if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, z.ZodType>)[String(seg)] ?? null;
    else if (cur instanceof z.ZodArray) cur = cur.element as z.ZodType;
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else return null;
  }
  return cur ? unwrap(cur) : null;
}

/**
 * A value as advice may quote it back: a URL keeps its scheme, host and path, and its user:password,
 * query and fragment (where keys and tokens go) show as "…". The advice lands in the CLI's output
 * and in a failed deployment's record, which the event log keeps.
 */
function shown(v: unknown): string {
  if (typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    try {
      const u = new URL(v);
      if (u.username || u.password || u.search || u.hash) {
        return JSON.stringify(`${u.protocol}//${u.username || u.password ? '…@' : ''}${u.host}${u.pathname}${u.search ? '?…' : ''}${u.hash ? '#…' : ''}`);
      }
    } catch {
      /* not a URL after all: as written */
    }
  }
  return JSON.stringify(v);
}

/** A zod issue of a string that is not a name (NAME_RE): said as invalid-name, with the name to rename it to. */
const isNameFormat = (i: object): boolean => (i as { pattern?: string }).pattern === String(NAME_RE);

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'bigint') return 'an integer';
  return `a ${typeof v}`;
}

function dotted(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** A quoted value as the bare TOML value of the expected type it spells (`"3"` for a number), or null. */
function unquoted(text: string, expected: string): string | null {
  if (expected === 'boolean') return text === 'true' || text === 'false' ? text : null;
  if (expected !== 'number' && expected !== 'int') return null;
  if (!/^-?\d+(\.\d+)?$/.test(text) || (expected === 'int' && text.includes('.'))) return null;
  return String(Number(text));
}

/** General advice for a value of the wrong type: the type, and an example marked as one (not a value to copy). */
function writeAs(expected: string, example: string | undefined, path: ReadonlyArray<PropertyKey>): string {
  if (example === undefined) return `write it as ${expected}`;
  const key = path[path.length - 1];
  return `write it as ${expected}, e.g. ${typeof key === 'string' ? `${key} = ` : ''}${example}`;
}

const EXAMPLES: Record<string, string> = {
  array: '["a", "b"]',
  string: '"text"',
  number: '1000',
  int: '1000',
  boolean: 'true',
  object: '{ key = "value" }',
  record: '{ key = "value" }',
};

/** zod's issues as located workspace issues, with a fix for each. */
function schemaIssues(
  kind: Kind,
  file: SourceFile,
  data: unknown,
  error: z.ZodError,
  pos: TomlPositions,
  entity: EntityRef | undefined,
): Issue[] {
  const out: Issue[] = [];
  const schema = SCHEMAS[kind] as z.ZodType;
  // Full dotted paths: the field an unknown key probably meant, and the field each missing-field issue is about.
  const meant = new Set<string>();
  const missing = new Map<Issue, string>();
  const push = (path: ReadonlyArray<PropertyKey>, which: 'key' | 'value', code: IssueCode, message: string, suggestion: string): Issue => {
    const p = pos.locate(path as Array<string | number>, which);
    const issue: Issue = { file: file.path, line: p.line, column: p.column, code, message, suggestion, severity: 'error', ...(entity ? { entity } : {}) };
    out.push(issue);
    return issue;
  };
  for (const iss of error.issues) {
    const path = iss.path;
    const field = dotted(path);
    // a key of a table keyed by names that is not one
    const badKey = iss.code === 'invalid_key' ? iss.issues.find(isNameFormat) : undefined;
    if (iss.code === 'unrecognized_keys') {
      const container = schemaAt(schema, path);
      const allowed = container instanceof z.ZodObject ? Object.keys(container.shape) : [];
      for (const key of iss.keys) {
        const near = nearest(key, allowed, 1);
        if (near.length) meant.add(dotted([...path, near[0]!]));
        const where = path.length ? ` in [${dotted(path)}]` : '';
        const issue = push([...path, key], 'key', 'unknown-key', `unknown key "${key}"${where}`,
          near.length ? `did you mean "${near[0]}"?` : `remove it; allowed keys: ${allowed.join(', ')}`);
        // Safe only when the intended key is not there already (else renaming would duplicate it).
        const container2 = valueAt(data, path) as Record<string, unknown> | undefined;
        if (near.length && container2 && !(near[0]! in container2)) issue.fix = { kind: 'rename-key', from: key, to: near[0]! };
      }
    } else if (iss.code === 'invalid_type') {
      const actual = valueAt(data, path);
      if (actual === undefined) {
        const key = String(path[path.length - 1]);
        const target = schemaAt(schema, path);
        const element = target instanceof z.ZodArray ? schemaAt(target.element as z.ZodType, []) : null;
        const fix = element instanceof z.ZodObject
          ? `add a [[${key}]] table with ${Object.keys(element.shape).join(', ')}`
          : `add ${key} = ${EXAMPLES[iss.expected] ?? `a ${iss.expected}`}`;
        const issue = push(path.slice(0, -1), 'key', 'missing-field', `missing required field "${field}"`, fix);
        missing.set(issue, field);
      } else if (iss.expected === 'int' && typeof actual === 'number') {
        const key = String(path[path.length - 1]);
        push(path, 'value', 'wrong-type', `"${field}" must be a whole number, not ${actual}`, `write ${key} = ${Math.max(1, Math.round(actual))}`);
      } else {
        const expected = iss.expected === 'object' ? 'a table' : `${/^[aeiou]/.test(iss.expected) ? 'an' : 'a'} ${iss.expected}`;
        const key = String(path[path.length - 1]);
        // a number or boolean where text belongs: quoting it is safe and certain (version = 3)
        const quotable = iss.expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean') && typeof path[path.length - 1] === 'string';
        // and the other way: a number or boolean in quotes (attempts = "3") is that value without them
        const bare = typeof actual === 'string' && typeof path[path.length - 1] === 'string' ? unquoted(actual.trim(), iss.expected) : null;
        const issue = push(path, 'value', 'wrong-type', `"${field}" must be ${expected}, not ${typeName(actual)}`,
          quotable ? `write ${key} = ${JSON.stringify(String(actual))}` : bare !== null ? `write ${key} = ${bare}, without quotes` : writeAs(expected, EXAMPLES[iss.expected], path));
        if (quotable) issue.fix = { kind: 'quote-value', from: String(actual), to: String(actual) };
        else if (bare !== null) issue.fix = { kind: 'unquote-value', from: actual as string, to: bare };
      }
    } else if (iss.code === 'invalid_value') {
      const values = (iss as { values?: unknown[] }).values ?? [];
      const actual = valueAt(data, path);
      const near = typeof actual === 'string' ? nearest(actual, values.map(String), 1) : [];
      const issue = push(path, 'value', 'invalid-value', `"${field}" is ${JSON.stringify(actual)}, not one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
        near.length ? `did you mean "${near[0]}"?` : `use one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
      if (near.length && typeof actual === 'string') issue.fix = { kind: 'replace-value', from: actual, to: near[0]! };
    } else if ((iss.code === 'too_big' || iss.code === 'too_small') && (iss.origin === 'number' || iss.origin === 'array' || iss.origin === 'string')) {
      // zod's "Too big: expected number to be <=2", in words, with the bound to write
      const big = iss.code === 'too_big';
      const bound = Number(big ? (iss as { maximum: number | bigint }).maximum : (iss as { minimum: number | bigint }).minimum);
      const strict = !iss.inclusive;
      const actual = valueAt(data, path);
      const key = String(path[path.length - 1]);
      const limit = `${big ? (strict ? 'less than' : 'at most') : (strict ? 'more than' : 'at least')} ${bound}`;
      if (iss.origin === 'number') {
        push(path, 'value', 'invalid-value', `"${field}" is ${String(actual)}; it must be ${limit}`,
          strict ? `change ${field} to a value ${limit}` : `write ${key} = ${bound}, or a value ${big ? 'below' : 'above'} it`);
      } else {
        const unit = iss.origin === 'array' ? (bound === 1 ? 'item' : 'items') : (bound === 1 ? 'character' : 'characters');
        push(path, 'value', 'invalid-value', `"${field}" must have ${limit} ${unit}`, big ? `shorten ${field}` : `add to ${field}`);
      }
    } else if (iss.code === 'invalid_format' && isNameFormat(iss)) {
      const actual = String(valueAt(data, path));
      push(path, 'value', 'invalid-name', `"${field}" ${JSON.stringify(actual)} ${iss.message}`, `rename it to "${slugify(actual)}"`);
    } else if (badKey) {
      // a table keyed by names ([routing] strategies): zod says only "Invalid key in record"
      const key = String(path[path.length - 1]);
      push(path, 'key', 'invalid-name', `"${dotted(path.slice(0, -1))}" key ${JSON.stringify(key)} ${badKey.message}`, `rename it to "${slugify(key)}"`);
    } else {
      const actual = valueAt(data, path);
      push(path, 'value', 'invalid-value', `"${field}" ${iss.message.replace(/^Invalid (input|string): /, '')}`,
        actual === undefined ? `set ${field}` : `change ${field} (now ${shown(actual)})`);
    }
  }
  // "capabilites" unknown + "capabilities" missing is one mistake: keep the did-you-mean only. Matched
  // on the full path, so a typo at the top level does not hide functions[0].name missing.
  return out.filter((i) => {
    const field = missing.get(i);
    return field === undefined || !meant.has(field);
  });
}

function syntaxIssue(file: SourceFile, err: unknown, entity: EntityRef | undefined): Issue {
  const e = err as TomlError & { line?: number; column?: number };
  const first = String(e.message ?? err).split('\n')[0]!.replace(/^Invalid TOML document: /, '');
  return {
    file: file.path,
    line: e.line ?? 1,
    column: e.column ?? 1,
    code: 'toml-syntax',
    message: `TOML syntax error: ${first}`,
    suggestion: 'fix the TOML syntax at this position (strings need quotes; arrays use [ ] and commas)',
    severity: 'error',
    ...(entity ? { entity } : {}),
  };
}

function parseFile<T>(kind: Kind, folder: string, file: SourceFile): Parsed<T> {
  const entity: EntityRef | undefined = kind === 'config' ? undefined : { kind, name: folder };
  let data: unknown;
  try {
    data = parseToml(file.source);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    return { folder, path: file.path, value: null, raw: null, issues: [syntaxIssue(file, err, entity)], positions: null };
  }
  const positions = new TomlPositions(file.source);
  const res = (SCHEMAS[kind] as z.ZodType).safeParse(data);
  if (!res.success) {
    return { folder, path: file.path, value: null, raw: data, issues: schemaIssues(kind, file, data, res.error, positions, entity), positions };
  }
  return { folder, path: file.path, value: res.data as T, raw: data, issues: [], positions };
}

export const parseAgentSource = (folder: string, file: SourceFile): Parsed<AgentFile> => parseFile('agent', folder, file);
export const parseToolSource = (folder: string, file: SourceFile): Parsed<ToolFile> => parseFile('tool', folder, file);
export const parseConfigSource = (file: SourceFile): Parsed<CaxtonFile> => parseFile('config', '', file);
