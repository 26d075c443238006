// One real `caxton serve` child for the file: both suites read the same deployment, in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOk, assertOkJson } from '../../util/cli-assert.js';
import { serveWorkspace, type Workspace } from '../../util/serve-child.js';
import { agentFiles, toolFiles } from '../../util/workspace.js';

const names = (list: Array<{ name: string }>) => list.map((x) => x.name).sort();
let w: Workspace | undefined;

// ---

const Agents = suite('caxton agents');
Agents.before(async () => {
  w = await serveWorkspace({ ...agentFiles('alpha', { capabilities: ['analyze-data'], tools: ['charts'] }), ...agentFiles('beta'), ...toolFiles('charts', ['render']) });
});

Agents('nothing runs before the first deployment', async () => {
  assert.equal(assertOkJson(await w!.cli('agents', '--json')).agents, []);
  assert.match(assertOk(await w!.cli('agents')), /No agents are deployed/);
});

Agents('--json lists what the server runs now', async () => {
  assertOk(await w!.cli('deploy'));
  const list = assertOkJson(await w!.cli('agents', '--json')).agents;
  assert.equal(names(list), ['alpha', 'beta']);
  const alpha = list.find((x: { name: string }) => x.name === 'alpha');
  assert.equal(alpha.capabilities, ['analyze-data']);
  assert.equal(alpha.tools, ['charts']);
  assert.is(alpha.sha, w!.repo.head());
});

Agents('prints a table for people', async () => {
  const out = assertOk(await w!.cli('agents'));
  assert.match(out, /^AGENT\s+CAPABILITIES/);
  assert.match(out, /^alpha\s+analyze-data\s+charts/m);
});

Agents.run();

// ---

const Tools = suite('caxton tools');
Tools.after(() => w?.stop());

Tools('--json lists the deployed tools with their functions', async () => {
  const tools = assertOkJson(await w!.cli('tools', '--json')).tools;
  assert.equal(names(tools), ['charts']);
  assert.equal(names(tools[0].functions), ['render']);
  assert.equal([tools[0].limits.timeout_ms, tools[0].limits.memory_mb], [1000, 16]);
});

Tools('prints a table for people', async () => {
  const out = assertOk(await w!.cli('tools'));
  assert.match(out, /^TOOL\s+FUNCTIONS/);
  assert.match(out, /^charts\s+render\s+1000 ms \/ 16 MiB/m);
});

Tools.run();
