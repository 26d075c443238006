import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { CaxtonError, ERRORS, toCaxtonError, type ErrorCode } from '../../server/errors.js';

const doc = fs.readFileSync(path.resolve('docs/errors.md'), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `(CAX_[A-Z_]+)` \| (\d+) \| (\d) \| [^|]+\| ([^|]+) \|$/gm)].map((m) => [m[1]!, { status: Number(m[2]), exit: Number(m[3]), fix: m[4]!.trim() }]),
);

// ---

const Catalogue = suite('ERRORS');

Catalogue('every code is documented in docs/errors.md with its status, exit code and a fix', () => {
  for (const [code, def] of Object.entries(ERRORS)) {
    const d = documented.get(code);
    assert.ok(d, `${code} is missing from docs/errors.md`);
    assert.is(d.status, def.status, `${code} status`);
    assert.is(d.exit, def.exit, `${code} exit code`);
    assert.ok(d.fix.length > 3, `${code} needs a "how to fix"`);
  }
});

Catalogue('docs/errors.md names no code the catalogue lacks', () => {
  for (const code of documented.keys()) assert.ok(code in ERRORS, `${code} is documented but not defined`);
});

Catalogue('every code renders a message and at least one suggestion', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const e = new CaxtonError(code, {});
    assert.ok(e.message.length > 0, code);
    assert.ok(e.suggestions.length > 0, `${code} has no suggestion`);
  }
});

Catalogue.run();

// ---

const Body = suite('CaxtonError.toJSON');

Body('gives the contract body with extra details merged', () => {
  const e = new CaxtonError('CAX_DEPLOY_BUSY', { runningId: 'dep_1' }, { details: { runningId: 'dep_1' } });
  const body = e.toJSON();
  assert.is(body.error.code, 'CAX_DEPLOY_BUSY');
  assert.is(body.error.runningId, 'dep_1');
  assert.ok(Array.isArray(body.error.suggestions));
  assert.is(e.status, 409);
});

Body('unknown faults become CAX_INTERNAL', () => {
  const e = toCaxtonError(new TypeError('boom'));
  assert.is(e.code, 'CAX_INTERNAL');
  assert.is(e.status, 500);
  assert.match(e.suggestions[0]!, /report/);
});

Body('times in messages read as the CLI prints them (UTC, a space, a Z)', () => {
  const open = new CaxtonError('CAX_CIRCUIT_OPEN', { agents: ['a'], retryAt: '2026-11-25T20:31:05.123Z' });
  assert.match(open.suggestions[0]!, /^Retry after 2026-11-25 20:31:05Z;/);
  const q = new CaxtonError('CAX_TOOL_QUARANTINED', { tool: 't', since: '2026-11-25T20:31:05.000Z', reason: '3 limit violations within 60 s' });
  assert.is(q.message, 'Tool "t" is quarantined since 2026-11-25 20:31:05Z: 3 limit violations within 60 s');
});

Body.run();
