// End to end: a real `caxton serve` child on the workspace, and the CLI as a user runs it in the
// same checkout (server from CAXTON_URL, token from the .caxton/token file the server wrote).
// The tests in a suite share one server and build on each other's deployments, in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { serveWorkspace, type Workspace } from '../../util/serve-child.js';
import { agentFiles, agentToml, toolFiles } from '../../util/workspace.js';

const TYPO = (name: string) => `name = "${name}"\ndescription = "broken"\ncapabilites = ["x"]\ntools = []\n`;
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';
const names = (list: Array<{ name: string }>) => list.map((x) => x.name).sort();

// ---

const Deploy = suite('caxton deploy');
let e: Workspace | undefined;
let first = '';
Deploy.before(async () => {
  e = await serveWorkspace({ ...agentFiles('alpha', { tools: ['charts'] }), ...toolFiles('charts') });
  first = e.repo.head();
});
Deploy.after(() => e?.stop());

Deploy('deploys HEAD and ends with the count and the time', async () => {
  const out = assertOk(await e!.cli('deploy'));
  assert.match(out, /\+ agent alpha/);
  assert.match(out, /\+ tool charts/);
  assert.match(lastLine(out), /^✓ Deployed 2 changes in \d+ ms/);
  const st = assertOkJson(await e!.cli('status', '--json'));
  assert.is(st.source, 'server');
  assert.is(st.deployedSha, first);
});

Deploy('--json prints the deployment record', async () => {
  const sha = e!.repo.commit(agentFiles('beta'));
  const doc = assertOkJson(await e!.cli('deploy', '--json'));
  assert.type(doc.id, 'string');
  assert.is(doc.status, 'succeeded');
  assert.is(doc.trigger, 'cli');
  assert.is(doc.fromSha, first);
  assert.is(doc.toSha, sha);
  assert.equal(doc.changes.added.map((c: { kind: string; name: string }) => `${c.kind} ${c.name}`), ['agent beta']);
  assert.equal([doc.changes.modified, doc.changes.removed], [[], []]);
  assert.equal(doc.errors, []);
  assert.type(doc.startedAt, 'string');
  assert.type(doc.durationMs, 'number');
  assert.equal(doc.uncommitted, []);
});

Deploy('--dry-run --json shows the plan and deploys nothing', async () => {
  const before = e!.repo.head(); // deployed by the test before
  const sha = e!.repo.commit(agentFiles('gamma'));
  const plan = assertOkJson(await e!.cli('deploy', '--dry-run', '--json'));
  assert.is(plan.dryRun, true);
  assert.is(plan.toSha, sha);
  assert.equal(names(plan.changes.added), ['gamma']);
  const after = assertOkJson(await e!.cli('status', '--json'));
  assert.is(after.deployedSha, before, 'the deployed SHA is unchanged');
  assert.not.ok(after.agents.includes('gamma'));
  assert.equal(names(after.pending.added), ['gamma'], 'gamma is still pending');
  assert.is(assertOkJson(await e!.cli('history', '--json')).deployments.length, 2, 'no deployment recorded');
});

Deploy('a broken commit fails and the previous deployment keeps serving', async () => {
  assertOk(await e!.cli('deploy'));
  const good = e!.repo.head();
  e!.repo.commit({ 'agents/delta/agent.toml': TYPO('delta') });
  const err = assertFails(await e!.cli('deploy'), 1);
  assert.ok(err.split('\n').some((l) => l.trim() === 'agents/delta/agent.toml:3:1 unknown key "capabilites"'), err);
  assert.match(err, /did you mean "capabilities"/);
  assert.match(err, /failed/);
  const st = assertOkJson(await e!.cli('status', '--json'));
  assert.is(st.deployedSha, good);
  assert.is(st.lastDeployment.status, 'failed');
  assert.not.ok(st.agents.includes('delta'));
});

Deploy('a broken commit :: --dry-run shows the plan that would fail and exits 1, deploying nothing', async () => {
  const before = assertOkJson(await e!.cli('status', '--json')).deployedSha;
  const err = assertFails(await e!.cli('deploy', '--dry-run'), 1);
  assert.match(err, /would end failed/);
  assert.match(err, /unknown key "capabilites"/);
  const doc = JSON.parse((await e!.cli('deploy', '--dry-run', '--json')).stdout);
  assert.equal([doc.ok, doc.dryRun, doc.outcome], [false, true, 'failed']);
  assert.is(assertOkJson(await e!.cli('status', '--json')).deployedSha, before);
});

Deploy('a broken commit fails :: --json', async () => {
  const r = await e!.cli('deploy', '--json');
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, '');
  const doc = JSON.parse(r.stdout);
  assert.is(doc.ok, false);
  assert.is(doc.status, 'failed');
  assert.is(doc.toSha, e!.repo.head());
  const issue = doc.errors.find((i: { code: string }) => i.code === 'unknown-key');
  assert.equal([issue.file, issue.line, issue.column], ['agents/delta/agent.toml', 3, 1]);
});

Deploy('--ref deploys an older commit', async () => {
  const out = assertOk(await e!.cli('deploy', '--ref', first));
  assert.match(lastLine(out), /^✓ Deployed \d+ changes? in \d+ ms/);
  const st = assertOkJson(await e!.cli('status', '--json'));
  assert.is(st.deployedSha, first);
  assert.equal(names(assertOkJson(await e!.cli('agents', '--json')).agents), ['alpha']);
});

Deploy('--ref with a ref that does not exist names the nearest branch', async () => {
  const err = assertFails(await e!.cli('deploy', '--ref', 'mian'), 1, 'CAX_REF_NOT_FOUND');
  assert.match(err, /"main"/);
  const doc = assertFailsJson(await e!.cli('deploy', '--ref', 'mian', '--json'), 1, 'CAX_REF_NOT_FOUND');
  assert.match(doc.error.suggestions.join('\n'), /"main"/);
  assert.is(assertOkJson(await e!.cli('status', '--json')).deployedSha, first, 'nothing changed');
});

Deploy('uncommitted edits are named and HEAD is deployed', async () => {
  const head = e!.repo.commit({ 'agents/delta/agent.toml': agentToml('delta') }, 'fix delta');
  e!.repo.write({ 'agents/alpha/agent.toml': agentToml('alpha', { description: 'edited, not committed' }), ...agentFiles('epsilon') });
  const out = assertOk(await e!.cli('deploy'));
  assert.match(out, /uncommitted/i);
  assert.match(out, /agents\/alpha\/agent\.toml/);
  assert.match(out, /agents\/epsilon\/agent\.toml/);
  const st = assertOkJson(await e!.cli('status', '--json'));
  assert.is(st.deployedSha, head);
  assert.equal(st.uncommitted, ['agents/alpha/agent.toml', 'agents/epsilon/agent.toml']);
  const agents = assertOkJson(await e!.cli('agents', '--json')).agents;
  assert.not.ok(names(agents).includes('epsilon'), 'an uncommitted agent is not deployed');
  assert.is(agents.find((a: { name: string }) => a.name === 'alpha').description, 'The alpha agent', 'the committed alpha runs');
});

Deploy('uncommitted edits are named :: --json lists them', async () => {
  const doc = assertOkJson(await e!.cli('deploy', '--json'));
  assert.is(doc.toSha, e!.repo.head());
  assert.equal(doc.uncommitted, ['agents/alpha/agent.toml', 'agents/epsilon/agent.toml']);
});

Deploy('status lists uncommitted files as not deployable', async () => {
  const out = assertOk(await e!.cli('status'));
  assert.match(out, /Uncommitted \(not deployable yet\): 2 files/);
  assert.match(out, /agents\/alpha\/agent\.toml/);
  assert.match(out, /agents\/epsilon\/agent\.toml/);
  assert.match(out, /nothing pending/, 'HEAD itself is deployed');
});

Deploy.run();
