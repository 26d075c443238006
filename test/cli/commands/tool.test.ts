// `caxton tool call` against a real `caxton serve` child running the fixture plugin.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { serveWorkspace, type Workspace } from '../../util/serve-child.js';
import { agentFiles } from '../../util/workspace.js';
import { pluginToolFiles } from '../../util/plugins.js';

let w: Workspace | undefined;

// ---

const Call = suite('caxton tool call');
Call.before(async () => {
  w = await serveWorkspace({
    ...pluginToolFiles('fx', { functions: ['echo', 'spin'], limits: { timeout_ms: 300 } }),
    ...agentFiles('user', { tools: ['fx'] }),
    ...agentFiles('other'),
  });
  assertOk(await w.cli('deploy'));
});
Call.after(() => w?.stop());

Call('--json prints the output and the duration', async () => {
  const doc = assertOkJson(await w!.cli('tool', 'call', 'fx', 'echo', '{"a":[1,"x"]}', '--json'));
  assert.is(doc.tool, 'fx');
  assert.is(doc.function, 'echo');
  assert.equal(doc.output, { a: [1, 'x'] });
  assert.type(doc.durationMs, 'number');
});

Call('prints the output as JSON text for people', async () => {
  const out = assertOk(await w!.cli('tool', 'call', 'fx', 'echo', '{"a":1}', '--agent', 'user'));
  assert.match(out, /^\{\n {2}"a": 1\n\}\n\(\d+\.\d+ ms\)\n$/);
});

Call('a limit: exit 1, the code on stderr, stdout empty', async () => {
  const err = assertFails(await w!.cli('tool', 'call', 'fx', 'spin', '{}'), 1, 'CAX_TOOL_LIMIT');
  assert.match(err, /timeout limit/);
  const doc = assertFailsJson(await w!.cli('tool', 'call', 'fx', 'spin', '{}', '--json'), 1, 'CAX_TOOL_LIMIT');
  assert.is(doc.error.limit, 'timeout');
});

Call('an agent without the tool is refused', async () => {
  assertFails(await w!.cli('tool', 'call', 'fx', 'echo', '{}', '--agent', 'other'), 1, 'CAX_TOOL_NOT_PERMITTED');
});

Call('usage errors exit 2', async () => {
  assertFails(await w!.cli('tool', 'call', 'fx'), 2, 'CAX_USAGE');
  assertFails(await w!.cli('tool', 'call', 'fx', 'echo', '{not json'), 2, 'CAX_USAGE');
  // a bare word: the way to send it as text
  assert.match(assertFails(await w!.cli('tool', 'call', 'fx', 'echo', 'hello'), 2, 'CAX_USAGE'), /or, for text, a JSON string: caxton tool call fx echo '"hello"'/);
  assertFails(await w!.cli('tool', 'run', 'fx', 'echo'), 2, 'CAX_USAGE');
  // what the shell makes of unquoted JSON with a space in it
  assert.match(assertFails(await w!.cli('tool', 'call', 'fx', 'echo', '{"a":', '1}'), 2, 'CAX_USAGE'), /one JSON input after the function, not 2 words/);
});

Call.run();
