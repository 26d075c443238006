// Each function's input_schema compiled once per deployment (ajv), so a call pays only the check.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ToolFile } from '../workspace/schema.js';
import { nearest } from '../util/nearest.js';
import { valueAt } from '../util/value-at.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface InputIssue {
  /** JSON Pointer into the input ("/" for the whole of it) */
  path: string;
  /** in plain words, naming the argument: `text is missing`, `rows must be an array, not a string` */
  message: string;
}

/** Checks an input (undefined: none was given, checked as null). */
export type InputCheck = (input: unknown) => InputIssue[] | null;

let shared: Ajv | null = null;
function ajv(): Ajv {
  // strict: false so that schemas written for other validators (unknown keywords) still deploy.
  shared ??= addFormats(new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }));
  return shared;
}

let strict: Ajv | null = null;
/** For validation: unknown keywords and formats are thrown, so they can be reported. */
function checker(): Ajv {
  strict ??= addFormats(new Ajv({ strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true, logger: false }));
  return strict;
}

/**
 * Compiles with one long-lived instance and forgets the schema again: a schema's `$id` stays
 * registered with the instance otherwise, so the next deployment of the same schema failed ("already
 * exists") until a restart, and every schema ever compiled stayed in memory.
 */
function compileOnce(a: Ajv, schema: object): ValidateFunction {
  try {
    return a.compile(schema);
  } finally {
    a.removeSchema(schema);
  }
}

export interface SchemaProblem {
  severity: 'error' | 'warning';
  message: string;
  suggestion: string;
  /** where in the schema, when known (keys and indexes) */
  path?: Array<string | number>;
}

const TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

/**
 * What would keep an input_schema from deploying (an error: not a JSON Schema, or one that does not
 * compile), or makes part of it check nothing (a warning: a keyword or format no validator knows,
 * such as "maximun"). Null when it is sound. For validation, before a deployment builds the tool.
 */
export function inspectInputSchema(schema: object): SchemaProblem | null {
  // every deployment validates every tool at the target, and a compile costs ~1 ms: a schema's
  // verdict is remembered by its text, so an unchanged tool is not compiled again
  const key = JSON.stringify(schema);
  if (inspected.has(key)) return inspected.get(key)!;
  if (inspected.size >= MAX_INSPECTED) inspected.clear();
  const problem = inspect(schema);
  inspected.set(key, problem);
  return problem;
}

const MAX_INSPECTED = 1000;
const inspected = new Map<string, SchemaProblem | null>();

function inspect(schema: object): SchemaProblem | null {
  const a = checker();
  try {
    if (!a.validateSchema(schema)) {
      const e = a.errors![0]!;
      const path = e.instancePath.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~')));
      const where = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'the schema';
      if (e.instancePath === '/type' || e.instancePath.startsWith('/type/')) {
        const value = valueAt(schema, path);
        const given = JSON.stringify(value);
        const near = typeof value === 'string' ? nearest(value, TYPES, 1) : [];
        return { severity: 'error', message: `is not a valid JSON Schema: type ${given} is not a JSON type`, suggestion: near.length ? `did you mean "${near[0]}"?` : `use one of ${TYPES.join(', ')}`, path };
      }
      return { severity: 'error', message: `is not a valid JSON Schema: ${where} ${e.message ?? 'is invalid'}`, suggestion: 'fix it as the message says (https://json-schema.org/understanding-json-schema)', path };
    }
    compileOnce(a, schema);
    return null;
  } catch (err) {
    const text = (err as Error).message;
    const keyword = /unknown keyword: "([^"]+)"/.exec(text)?.[1];
    if (keyword !== undefined) {
      const near = nearest(keyword, Object.keys(a.RULES.keywords), 1);
      return { severity: 'warning', message: `has the keyword "${keyword}", which JSON Schema does not know: it checks nothing`, suggestion: near.length ? `did you mean "${near[0]}"?` : 'remove it, or put notes in "description"' };
    }
    const format = /unknown format "([^"]+)"/.exec(text)?.[1];
    if (format !== undefined) {
      const near = nearest(format, Object.keys(a.formats), 1);
      return { severity: 'warning', message: `has the format "${format}", which Caxton does not know: it checks nothing`, suggestion: near.length ? `did you mean "${near[0]}"?` : 'remove it, or use a known format (date-time, email, uri, …)' };
    }
    return { severity: 'error', message: `does not compile: ${text}`, suggestion: 'fix the schema; a $ref must point inside it' };
  }
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object', array: 'an array', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', null: 'null',
};

/** A JSON value's kind, as an error names it: "a string", "null", "a number (1.5)", "true". */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? `an integer (${v})` : `a number (${v})`;
  if (typeof v === 'boolean') return String(v);
  return TYPE_WORDS[typeof v] ?? typeof v;
}

/** "rows", "rows[2]", "options.lang": where in the input, as an argument path; "input" for the whole of it. */
function argumentPath(segments: readonly string[]): string {
  if (!segments.length) return 'input';
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i ? `.${s}` : s)).join('');
}

const MAX_SHOWN = 60;
const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
};

/**
 * One ajv error in plain words, naming the argument: ajv says `/ must be object,array` or
 * `must have required property 'text'`, which a model (or a person) reading the tool's error has
 * to translate before it can call again. `missing`: the caller gave no input at all.
 */
function describeError(e: ErrorObject, input: unknown, missing: boolean): string {
  const segments = e.instancePath.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const value = valueAt(input, segments);
  const where = argumentPath(segments);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${argumentPath([...segments, String(p.missingProperty)])} is missing`;
    case 'type': {
      const types = (Array.isArray(p.type) ? p.type : String(p.type).split(',')).map((t) => TYPE_WORDS[String(t)] ?? String(t));
      const wanted = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types.at(-1)}` : types[0];
      if (missing && !segments.length) return `input is missing: it must be ${wanted}`;
      return `${where} must be ${wanted}, not ${kindOf(value)}`;
    }
    case 'additionalProperties':
      return `${argumentPath([...segments, String(p.additionalProperty)])} is not allowed: the input_schema has no such property`;
    case 'enum':
      return `${where} must be one of ${(p.allowedValues as unknown[]).map(shown).join(', ')}, not ${shown(value)}`;
    case 'const':
      return `${where} must be ${shown(p.allowedValue)}, not ${shown(value)}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/** function name → its compiled check. Throws with the function's name when a schema does not compile. */
export function compileInputSchemas(spec: ToolFile): Map<string, InputCheck> {
  const out = new Map<string, InputCheck>();
  for (const f of spec.functions) {
    let validate: ValidateFunction;
    try {
      validate = compileOnce(ajv(), f.input_schema);
    } catch (err) {
      throw new Error(`the input_schema of function "${f.name}" is not a valid JSON Schema (${(err as Error).message})`);
    }
    out.set(f.name, (input) => {
      const value = input === undefined ? null : input;
      if (validate(value)) return null;
      return (validate.errors ?? []).slice(0, 20).map((e) => ({ path: e.instancePath || '/', message: describeError(e, value, input === undefined) }));
    });
  }
  return out;
}
