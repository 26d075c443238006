// Each function's input_schema compiled once per deployment (ajv), so a call pays only the check.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ToolFile } from '../workspace/schema.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface InputIssue {
  path: string;
  message: string;
}

export type InputCheck = (input: unknown) => InputIssue[] | null;

let shared: Ajv | null = null;
function ajv(): Ajv {
  // strict: false so that schemas written for other validators (unknown keywords) still deploy.
  shared ??= addFormats(new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }));
  return shared;
}

/** function name → its compiled check. Throws with the function's name when a schema does not compile. */
export function compileInputSchemas(spec: ToolFile): Map<string, InputCheck> {
  const out = new Map<string, InputCheck>();
  for (const f of spec.functions) {
    let validate: ValidateFunction;
    try {
      validate = ajv().compile(f.input_schema);
    } catch (err) {
      throw new Error(`the input_schema of function "${f.name}" is not a valid JSON Schema (${(err as Error).message})`);
    }
    out.set(f.name, (input) => {
      if (validate(input)) return null;
      return (validate.errors ?? []).slice(0, 20).map((e) => ({
        path: e.instancePath || '/',
        message: `${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` ("${String((e.params as { additionalProperty?: string }).additionalProperty)}")` : ''}`,
      }));
    });
  }
  return out;
}
