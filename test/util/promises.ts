// Waiting in tests: for a condition to hold, and for a promise to reject with a CaxtonError.
import * as assert from 'uvu/assert';
import { CaxtonError } from '../../server/errors.js';

/** Resolves with `check`'s first truthy answer (polled every `every` ms), or fails after `ms`. */
export async function until<T>(check: () => T | Promise<T>, ms = 5000, every = 5): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The CaxtonError `p` rejects with; fails if it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<CaxtonError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CaxtonError, String(err));
    return err as CaxtonError;
  }
  throw new assert.Assertion({ message: 'expected a rejection', operator: 'rejects', generated: false, actual: 'resolved', expects: 'rejected' });
}
