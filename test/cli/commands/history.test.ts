// A real `caxton serve` child; the tests share it and run in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertFails, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { serveWorkspace, type Workspace } from '../../util/serve-child.js';
import { agentFiles } from '../../util/workspace.js';

const TYPO = (name: string) => `name = "${name}"\ndescription = "broken"\ncapabilites = ["x"]\ntools = []\n`;

// ---

const History = suite('caxton history');
let h: Workspace | undefined;
History.before(async () => {
  h = await serveWorkspace(agentFiles('alpha'));
});
History.after(() => h?.stop());

History('an empty server has no deployments', async () => {
  assert.equal(assertOkJson(await h!.cli('history', '--json')).deployments, []);
  assert.match(assertOk(await h!.cli('history')), /No deployments yet/);
});

History('--json lists deployments newest first', async () => {
  const ids: string[] = [];
  ids.push(assertOkJson(await h!.cli('deploy', '--json')).id);
  h!.repo.commit(agentFiles('beta'));
  ids.push(assertOkJson(await h!.cli('deploy', '--json')).id);
  h!.repo.commit({ 'agents/gamma/agent.toml': TYPO('gamma') });
  const failed = await h!.cli('deploy', '--json');
  assert.is(failed.code, 1, failed.stderr);
  assert.is(failed.stderr, '');
  ids.push(JSON.parse(failed.stdout).id);
  const list = assertOkJson(await h!.cli('history', '--json')).deployments;
  assert.equal(list.map((d: { id: string }) => d.id), [...ids].reverse());
  assert.equal(list.map((d: { status: string }) => d.status), ['failed', 'succeeded', 'succeeded']);
  const started = list.map((d: { startedAt: string }) => Date.parse(d.startedAt));
  assert.ok(started[0] >= started[1] && started[1] >= started[2], 'startedAt descends');
});

History('prints a table for people', async () => {
  const out = assertOk(await h!.cli('history'));
  const rows = out.trimEnd().split('\n');
  assert.match(rows[0]!, /^ID\s+STATUS\s+TRIGGER/);
  assert.is(rows.length, 4);
  assert.match(rows[1]!, /failed/);
});

History('--limit N shows the newest N; a --limit that is not a whole number from 1 to 1000 is a usage error', async () => {
  const list = assertOkJson(await h!.cli('history', '--limit', '2', '--json')).deployments;
  assert.equal(list.map((d: { status: string }) => d.status), ['failed', 'succeeded']);
  for (const bad of ['lots', '0', '2.5', '1001']) {
    const err = assertFails(await h!.cli('history', '--limit', bad), 2, 'CAX_USAGE');
    assert.ok(err.includes(`--limit ${bad} is not a number from 1 to 1000`), err);
    assert.ok(err.includes('caxton history --limit 100'), err);
  }
});

History.run();
