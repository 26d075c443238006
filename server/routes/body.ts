// Request bodies and queries are parsed with zod at the edge; a bad one is CAX_BAD_REQUEST naming the field.
import type { z } from 'zod';
import { CaxtonError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  // `?type=&limit=` (a form left blank) means the defaults, as leaving the parameters out does
  const input = what === 'query' && value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== '')) : value;
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const detail = r.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`)
    .join('; ');
  throw new CaxtonError('CAX_BAD_REQUEST', what === 'body' ? { detail } : { detail, part: what });
}
