// Request bodies and queries are parsed with zod at the edge; a bad one is CAX_BAD_REQUEST naming the field.
import type { z } from 'zod';
import { CaxtonError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const detail = r.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`)
    .join('; ');
  throw new CaxtonError('CAX_BAD_REQUEST', { detail });
}
