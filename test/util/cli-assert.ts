// The CLI's output contract, asserted once: success prints on stdout only; a failure without --json
// leaves stdout empty and names its code on stderr; with --json stdout is exactly one document.
import * as assert from 'uvu/assert';
import { json, type CliResult } from './cli.js';

const show = (r: CliResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** Exit 0, nothing on stderr; returns stdout. */
export function assertOk(r: CliResult): string {
  assert.is(r.code, 0, show(r));
  assert.is(r.stderr, '', show(r));
  return r.stdout;
}

/** Exit 0 with --json, nothing on stderr; returns the one document (which says ok: true). */
export function assertOkJson(r: CliResult): any {
  assert.is(r.code, 0, show(r));
  assert.is(r.stderr, '', show(r));
  const doc = json(r);
  assert.is(doc.ok, true, show(r));
  assert.is(doc.version, 1);
  return doc;
}

/** A failure without --json: the exit code, empty stdout, the code on stderr; returns stderr. */
export function assertFails(r: CliResult, exit: number, code?: string): string {
  assert.is(r.code, exit, show(r));
  assert.is(r.stdout, '', show(r));
  assert.ok(r.stderr.trim().length > 0, show(r));
  if (code) assert.ok(r.stderr.includes(`[${code}]`), `expected ${code} on stderr\n${show(r)}`);
  return r.stderr;
}

/** A failure with --json: the exit code, one document with ok: false and error.code, nothing on stderr. */
export function assertFailsJson(r: CliResult, exit: number, code: string): any {
  assert.is(r.code, exit, show(r));
  assert.is(r.stderr, '', show(r));
  const doc = json(r);
  assert.is(doc.ok, false);
  assert.is(doc.error?.code, code, show(r));
  assert.type(doc.error.message, 'string');
  assert.ok(Array.isArray(doc.error.suggestions), 'error.suggestions is a list');
  return doc;
}
