// Request bodies and queries are parsed with zod at the edge; a bad one is CAX_BAD_REQUEST naming the field.
import type { z } from 'zod';
import { CaxtonError } from '../errors.js';
import { didYouMean, nearest } from '../util/nearest.js';
import { valueAt } from '../util/value-at.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  // `?type=&limit=` (a form left blank) means the defaults, as leaving the parameters out does
  const input = what === 'query' && value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== '')) : value;
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  let advice: string | undefined;
  const detail = r.error.issues
    .map((i) => {
      const field = i.path.length ? i.path.join('.') : what;
      // a word from a list (performative, strategy): zod's "expected one of a|b|…" does not say
      // which was meant, so name the value and point to the nearest ones
      const given = i.code === 'invalid_value' ? valueAt(input, i.path) : undefined;
      if (i.code !== 'invalid_value' || typeof given !== 'string') return `${field}: ${i.message}`;
      const values = i.values.map(String);
      advice ??= didYouMean(nearest(given, values))[0];
      return `${field}: unknown value "${given}" (one of ${values.join(', ')})`;
    })
    .join('; ');
  const data = { detail, ...(what === 'body' ? {} : { part: what }), ...(advice ? { advice } : {}) };
  throw new CaxtonError('CAX_BAD_REQUEST', data);
}
