// A real `caxton serve` child; the tests share it and run in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { serveWorkspace, type Workspace } from '../../util/serve-child.js';
import { agentFiles } from '../../util/workspace.js';

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';
const names = (list: Array<{ name: string }>) => list.map((x) => x.name).sort();

// ---

const Rollback = suite('caxton rollback');
let r: Workspace | undefined;
let shaA = '';
let shaB = '';
Rollback.before(async () => {
  r = await serveWorkspace(agentFiles('alpha'));
  shaA = r.repo.head();
  shaB = r.repo.commit(agentFiles('beta'));
});
Rollback.after(() => r?.stop());

Rollback('with one deployment there is nothing to roll back to', async () => {
  assertOk(await r!.cli('deploy', '--ref', shaA));
  assertFails(await r!.cli('rollback'), 1, 'CAX_NO_ROLLBACK_TARGET');
  assertFailsJson(await r!.cli('rollback', '--json'), 1, 'CAX_NO_ROLLBACK_TARGET');
});

Rollback('redeploys the previous successful SHA', async () => {
  assertOk(await r!.cli('deploy'));
  assert.is(assertOkJson(await r!.cli('status', '--json')).deployedSha, shaB);
  const out = assertOk(await r!.cli('rollback'));
  assert.match(out, /- agent beta/);
  assert.match(lastLine(out), new RegExp(`^✓ Rolled back to ${shaA.slice(0, 7)}: 1 change in \\d+ ms`));
  const st = assertOkJson(await r!.cli('status', '--json'));
  assert.is(st.deployedSha, shaA);
  assert.equal(names(st.pending.added), ['beta'], 'HEAD is pending again');
});

Rollback('--to SHA redeploys that SHA :: --json', async () => {
  const doc = assertOkJson(await r!.cli('rollback', '--to', shaB, '--json'));
  assert.is(doc.status, 'succeeded');
  assert.is(doc.trigger, 'rollback');
  assert.is(doc.fromSha, shaA);
  assert.is(doc.toSha, shaB);
  assert.is(assertOkJson(await r!.cli('status', '--json')).deployedSha, shaB);
});

Rollback.run();
