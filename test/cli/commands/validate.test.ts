import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { runCli } from '../../util/cli.js';
import { assertFails, assertOk } from '../../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { wasmModule } from '../../util/wasm.js';

// Four problems in three files: a misspelt key, a name that differs from its folder, an unknown
// tool, and a manifest whose plugin is missing.
const BROKEN = {
  'agents/a/agent.toml': 'name = "a"\ndescription = "A"\ncapabilites = ["x"]\ntools = []\n',
  'agents/b/agent.toml': 'name = "bee"\ndescription = "B"\ncapabilities = ["y"]\ntools = ["nope"]\n',
  'tools/t/tool.toml': 'name = "t"\ndescription = "T"\nwasm = "plugin.wasm"\n[limits]\ntimeout_ms = 1000\nmemory_mb = 16\n[[functions]]\nname = "run"\ndescription = "r"\ninput_schema = { type = "object" }\n',
};

// ---

const Validate = suite('caxton validate');
let repo: TestRepo;
Validate.before.each(() => {
  repo = makeRepo({ ...agentFiles('alpha', { tools: ['charts'] }), ...toolFiles('charts') });
});
Validate.after.each(() => repo.remove());

Validate('a valid workspace exits 0', async () => {
  const out = assertOk(await runCli(['validate'], { cwd: repo.dir }));
  assert.match(out, /valid/i);
  assert.match(out, /1 agent, 1 tool/);
});

Validate('a valid workspace exits 0 :: --json', async () => {
  const r = await runCli(['validate', '--json'], { cwd: repo.dir });
  const doc = JSON.parse(assertOk(r));
  assert.is(doc.ok, true);
  assert.equal(doc.issues, []);
  assert.equal(doc.agents, ['alpha']);
  assert.equal(doc.tools, ['charts']);
});

Validate('prints every problem at once as path:line:column message with a fix', async () => {
  repo.commit(BROKEN);
  const err = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  const lines = err.split('\n');
  const expect = [
    'agents/a/agent.toml:3:1 unknown key "capabilites"',
    'agents/b/agent.toml:1:8 name "bee" differs from its folder "b"',
    'agents/b/agent.toml:4:10 tool "nope" does not exist at this commit',
  ];
  for (const line of expect) assert.ok(lines.includes(line), `a line reads exactly: ${line}\n${err}`);
  assert.ok(lines.some((l) => /^tools\/t\/tool\.toml:3:8 .*plugin\.wasm/.test(l)), 'the missing plugin');
  assert.match(err, /→ did you mean "capabilities"\?/);
  assert.match(err, /→ set name = "b"/);
  assert.match(err, /4 error/);
  assert.match(err, /^✗ 4 errors in agents\/a\/agent\.toml, agents\/b\/agent\.toml, tools\/t\/tool\.toml \(workspace: 3 agents, 2 tools\)$/m, err);
});

Validate('an error in caxton.toml :: the summary names caxton.toml, not the agents', async () => {
  repo.commit({ 'caxton.toml': '[routing]\nattempts = "x"\n' });
  const err = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.match(err, /^✗ 1 error in caxton\.toml \(workspace: 1 agent, 1 tool\)$/m);
});

Validate('validates the working tree, not the last commit :: uncommitted typo', async () => {
  repo.write({ 'agents/alpha/agent.toml': 'name = "alpha"\ndescription = "x"\ncapabilites = ["x"]\n' });
  const err = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.ok(err.split('\n').includes('agents/alpha/agent.toml:3:1 unknown key "capabilites"'), err);
});

Validate('a plugin that cannot start :: not a module, or missing a declared function, each at its line (the working tree\'s bytes)', async () => {
  repo.write({ 'tools/charts/plugin.wasm': 'this is a README saved by mistake' });
  const err = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.match(err, /^tools\/charts\/tool\.toml:3:8 tools\/charts\/plugin\.wasm is not a WebAssembly module Caxton can run: expected magic word/m);
  assert.match(err, /→ build the plugin again and commit tools\/charts\/plugin\.wasm/);
  repo.write({ 'tools/charts/plugin.wasm': wasmModule(['render']) });
  const missing = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.match(missing, /^tools\/charts\/tool\.toml:\d+:\d+ function "run" is not exported by plugin\.wasm$/m);
  assert.match(missing, /→ it exports render: declare one of those, or export "run" from the plugin/);
});

Validate('finds the workspace root from a subfolder', async () => {
  repo.commit(BROKEN);
  const err = assertFails(await runCli(['validate'], { cwd: path.join(repo.dir, 'agents', 'a') }), 1);
  assert.match(err, /^agents\/a\/agent\.toml:3:1 /m);
});

Validate('--json lists every issue with file, line, column and code', async () => {
  repo.commit(BROKEN);
  const r = await runCli(['validate', '--json'], { cwd: repo.dir });
  assert.is(r.code, 1);
  assert.is(r.stderr, '');
  const doc = JSON.parse(r.stdout);
  assert.is(doc.ok, false);
  assert.is(doc.version, 1);
  assert.is(doc.issues.length, 4);
  const typo = doc.issues.find((i: { code: string }) => i.code === 'unknown-key');
  assert.equal(
    { file: typo.file, line: typo.line, column: typo.column, suggestion: typo.suggestion },
    { file: 'agents/a/agent.toml', line: 3, column: 1, suggestion: 'did you mean "capabilities"?' },
  );
  for (const i of doc.issues) {
    assert.type(i.file, 'string');
    assert.type(i.line, 'number');
    assert.type(i.column, 'number');
    assert.type(i.code, 'string');
    assert.type(i.message, 'string');
  }
  assert.equal(doc.issues.map((i: { file: string }) => i.file).sort(), ['agents/a/agent.toml', 'agents/b/agent.toml', 'agents/b/agent.toml', 'tools/t/tool.toml']);
});

Validate('an agent that plays back a recording :: a missing or malformed one is reported at its provider (or replay_file), as the deployment reports it', async () => {
  const agent = (...extra: string[]) => ['name = "r"', 'description = "Replays"', 'capabilities = ["r"]', 'runtime = "llm"', '[llm]', 'provider = "replay"', 'model = "m"', ...extra, ''].join('\n');
  repo.write({ 'agents/r/agent.toml': agent() });
  const missing = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.match(missing, /^agents\/r\/agent\.toml:6:12 recording "replay\.json" is missing from agents\/r\/: provider "replay" plays it back$/m);
  assert.match(missing, /→ record it against the live endpoint \(CAXTON_LLM_RECORD=1, docs\/llm\.md\) and commit agents\/r\/replay\.json/);
  repo.write({ 'agents/r/agent.toml': agent('replay_file = "rec/r.json"'), 'agents/r/rec/r.json': '{"version": 1}' });
  const malformed = assertFails(await runCli(['validate'], { cwd: repo.dir }), 1);
  assert.match(malformed, /^agents\/r\/agent\.toml:8:15 agents\/r\/rec\/r\.json is not a Caxton LLM recording \(version 1 with "exchanges"\)$/m);
  assert.match(malformed, /→ record it again/);
  repo.write({ 'agents/r/rec/r.json': JSON.stringify({ version: 1, generatedBy: 'test', model: 'm', exchanges: [] }) });
  assertOk(await runCli(['validate'], { cwd: repo.dir }));
});

Validate.run();

// ---

const Fix = suite('caxton validate --fix');

Fix('applies safe fixes, shows the diff, and exits 0 when nothing is left', async () => {
  const repo = makeRepo({ 'agents/a/agent.toml': 'name = "a"\ndescription = "d"\ncapabilites = ["a"]\n' });
  try {
    const before = await runCli(['validate'], { cwd: repo.dir });
    assert.is(before.code, 1);
    assert.match(before.stdout + before.stderr, /caxton validate --fix/);
    const r = await runCli(['validate', '--fix'], { cwd: repo.dir });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /- capabilites = \["a"\]/);
    assert.match(r.stdout, /\+ capabilities = \["a"\]/);
    const after = await runCli(['validate', '--json'], { cwd: repo.dir });
    assert.is(after.code, 0);
    assert.is(JSON.parse(after.stdout).ok, true);
  } finally {
    repo.remove();
  }
});

Fix.run();
