import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateWorkspace } from '../../../server/workspace/validate.js';
import { formatIssue, type Issue } from '../../../server/workspace/issue.js';
import { fakeWorkspace } from '../../util/fake-workspace.js';

const toml = (...lines: string[]) => lines.join('\n') + '\n';
/** file@line:column code, enough to tell issues apart without their text. */
const where = (issues: readonly Issue[]) => issues.map((i) => `${i.file}@${i.line}:${i.column} ${i.code}`);
const codes = (issues: readonly Issue[]) => issues.map((i) => i.code);
const byCode = (issues: readonly Issue[], code: Issue['code']) => issues.filter((i) => i.code === code);

// ---

const validate = suite('validateWorkspace');

validate('accepts a valid workspace and returns every entity', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { analyzer: { tools: ['chart'] }, writer: {} },
    tools: { chart: {} },
    config: toml('[server]', 'port = 9000'),
  }));
  assert.ok(r.ok);
  assert.not.ok(r.global);
  assert.equal(r.issues, []);
  assert.equal([...r.workspace.agents.keys()], ['analyzer', 'writer']);
  assert.equal([...r.workspace.tools.keys()], ['chart']);
  assert.is(r.workspace.agents.get('analyzer')!.runtime, 'offline', 'values are parsed, defaults applied');
  assert.is(r.workspace.config.server!.port, 9000);
});

validate('accepts an empty workspace without caxton.toml :: config defaults to {}', () => {
  const r = validateWorkspace(fakeWorkspace());
  assert.ok(r.ok);
  assert.equal(r.workspace.config, {});
  assert.is(r.workspace.agents.size, 0);
});

validate('reports every problem at once, across files', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: {
      good: { tools: ['chart'] },
      typo: 'name = "typo"\ndescription = "d"\ncapabilites = ["c"]\n',
      mis: { extra: { name: 'other' } },
      lost: { tools: ['chrt'] },
      empty: null,
    },
    tools: { chart: {}, nowasm: { files: [] } },
    config: toml('[server]', 'port = "x"'),
  }));
  assert.not.ok(r.ok);
  assert.equal(where(r.issues), [
    'agents/empty/agent.toml@1:1 missing-manifest',
    'agents/lost/agent.toml@4:11 unknown-tool',
    'agents/mis/agent.toml@1:8 name-mismatch',
    'agents/typo/agent.toml@3:1 unknown-key',
    'caxton.toml@2:8 wrong-type',
    'tools/nowasm/tool.toml@3:8 missing-file',
  ]);
  assert.equal([...r.workspace.agents.keys()], ['good'], 'only the valid entities');
  assert.equal([...r.workspace.tools.keys()], ['chart']);
});

validate('reports a name that differs from its folder, at the name', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { alpha: toml('description = "d"', 'name = "beta"', 'capabilities = ["c"]') },
    tools: { chart: { source: toml('name = "graph"', 'description = "d"', '[[functions]]', 'name = "run"') } },
  }));
  assert.equal(where(r.issues), ['agents/alpha/agent.toml@2:8 name-mismatch', 'tools/chart/tool.toml@1:8 name-mismatch']);
  assert.equal(r.issues[0]!.entity, { kind: 'agent', name: 'alpha' }, 'the entity is the folder');
  assert.equal(r.issues[1]!.entity, { kind: 'tool', name: 'chart' });
  assert.is(r.workspace.agents.size + r.workspace.tools.size, 0);
});

validate('reports a folder name that breaks the naming rule', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { Bad_Folder: { capabilities: ['c'], extra: { name: 'bad-folder' } } },
    tools: { '9tool': { source: toml('name = "tool"', 'description = "d"', '[[functions]]', 'name = "run"') } },
  }));
  const folders = byCode(r.issues, 'invalid-name');
  assert.equal(where(folders), ['agents/Bad_Folder/@1:1 invalid-name', 'tools/9tool/@1:1 invalid-name']);
  assert.ok(folders[0]!.suggestion.includes('agents/bad-folder/'));
  assert.ok(folders[1]!.suggestion.includes('tools/tool/'));
  assert.equal(folders[0]!.entity, { kind: 'agent', name: 'Bad_Folder' });
  assert.is(r.workspace.agents.size, 0);
});

validate('reports an agent listing a tool that does not exist, with the nearest name', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { a: { tools: ['chart', 'chrt-generator'] } },
    tools: { 'chart-generator': {} },
  }));
  const unknown = byCode(r.issues, 'unknown-tool');
  assert.equal(where(unknown), ['agents/a/agent.toml@4:11 unknown-tool', 'agents/a/agent.toml@4:20 unknown-tool']);
  assert.ok(unknown[1]!.suggestion.includes('did you mean "chart-generator"'), 'near: did-you-mean');
  assert.equal(unknown[0]!.entity, { kind: 'agent', name: 'a' });
  assert.is(r.workspace.agents.size, 0);
  assert.ok(r.workspace.tools.has('chart-generator'), 'the tool itself is fine');
});

validate('reports an unknown tool :: nothing near, no did-you-mean', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: { tools: ['zzzzzzzz'] } }, tools: { chart: {} } }));
  const [i] = byCode(r.issues, 'unknown-tool');
  assert.ok(i);
  assert.not.match(i.suggestion, /did you mean/);
});

validate('reports an unknown tool :: also when the agent has a schema error', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { a: toml('name = "a"', 'description = 1', 'capabilities = ["c"]', 'tools = ["nope"]') },
  }));
  assert.equal(codes(r.issues), ['wrong-type', 'unknown-tool']);
});

validate('reports an unknown tool :: a folder without tool.toml is no tool', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: { tools: ['t'] } }, tools: { t: null } }));
  assert.equal(codes(r.issues), ['unknown-tool', 'missing-manifest']);
});

validate('reports a name used by two agents on the one whose folder differs', () => {
  // "a-copy" sorts before "b": the owner of the name is the folder named after it, not the first.
  const r = validateWorkspace(fakeWorkspace({
    agents: { 'a-copy': toml('name = "b"', 'description = "d"', 'capabilities = ["c"]'), b: {} },
  }));
  const dup = byCode(r.issues, 'duplicate-name');
  assert.equal(where(dup), ['agents/a-copy/agent.toml@1:8 duplicate-name']);
  assert.ok(dup[0]!.message.includes('agents/b/agent.toml'), 'names the owner');
  assert.equal([...r.workspace.agents.keys()], ['b'], 'the correct agent stays deployable');
});

validate('a schema error elsewhere in the file does not hide its name\'s problems: every problem at once', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { dup: toml('name = "planner"', 'description = "d"', 'capabilitys = ["c"]'), planner: {} },
  }));
  assert.equal(where(r.issues.filter((i) => i.file.startsWith('agents/dup/'))).sort(), [
    'agents/dup/agent.toml@1:8 duplicate-name', 'agents/dup/agent.toml@1:8 name-mismatch', 'agents/dup/agent.toml@3:1 unknown-key',
  ]);
  // a name that is itself invalid is reported once, as that
  const bad = validateWorkspace(fakeWorkspace({ agents: { x: toml('name = "Not Valid"', 'description = 3', 'capabilities = ["c"]') } }));
  assert.not.ok(bad.issues.some((i) => i.code === 'name-mismatch'));
});

validate('an agent with a schema error still serves the capabilities it lists: an ask of one is not also reported as unserved', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: {
      asker: { capabilities: ['ask'], extra: { behavior: { steps: [{ ask: 'chart' }] } } },
      charter: toml('name = "charter"', 'description = "d"', 'capabilities = ["chart"]', 'versoin = "1"'),
    },
  }));
  assert.equal(r.issues.map((i) => i.code), ['unknown-key']);
});

validate('a misspelt key does not hide a misspelt placeholder in the same file', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: { a: toml('name = "a"', 'description = "d"', 'capabilities = ["c"]', 'versoin = "1"', '[behavior]', 'reply = "{{conten}}"') },
  }));
  assert.equal(r.issues.map((i) => [i.code, i.line]), [['unknown-key', 4], ['unknown-placeholder', 6]]);
});

validate('reports a name used by two tools', () => {
  const r = validateWorkspace(fakeWorkspace({
    tools: { chart: {}, graph: { source: toml('name = "chart"', 'description = "d"', '[[functions]]', 'name = "run"') } },
  }));
  assert.equal(where(byCode(r.issues, 'duplicate-name')), ['tools/graph/tool.toml@1:8 duplicate-name']);
  assert.equal([...r.workspace.tools.keys()], ['chart']);
});

validate('reports a function declared twice in a tool', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { functions: ['run', 'stop', 'run'] } } }));
  assert.equal(byCode(r.issues, 'duplicate-name').map((i) => i.entity), [{ kind: 'tool', name: 't' }]);
  assert.is(r.workspace.tools.size, 0);
});

validate('warns about an entry listed twice, without blocking the agent', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: { capabilities: ['c', 'd', 'c'] } } }));
  assert.equal(where(r.issues), ['agents/a/agent.toml@3:28 duplicate-entry']);
  assert.is(r.issues[0]!.severity, 'warning');
  assert.ok(r.ok);
  assert.ok(r.workspace.agents.has('a'));
});

validate('a folder without its manifest names one it holds in the wrong place: the other kind\'s, or one folder too deep', () => {
  const ws = fakeWorkspace({ agents: { foo: null, qux: null }, tools: { bar: null } });
  ws.agents = ws.agents.map((a) => ({ ...a, files: a.folder === 'foo' ? ['plugin.wasm', 'tool.toml'] : ['sub/agent.toml'] }));
  ws.tools = ws.tools.map((t) => ({ ...t, files: ['agent.toml'] }));
  const r = validateWorkspace(ws);
  assert.equal(r.issues.map((i) => [i.file, i.message, i.suggestion]), [
    ['agents/foo/agent.toml', 'agents/foo/ has no agent.toml; it holds a tool.toml, and tools live under tools/', 'move it: git mv agents/foo tools/foo'],
    ['agents/qux/agent.toml', 'agents/qux/ has no agent.toml; agents/qux/sub/agent.toml is one folder too deep (an agent is agents/NAME/agent.toml)', 'move it up: git mv agents/qux/sub agents/sub'],
    ['tools/bar/tool.toml', 'tools/bar/ has no tool.toml; it holds an agent.toml, and agents live under agents/', 'move it: git mv tools/bar agents/bar'],
  ]);
});

validate('reports a folder without its manifest', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: null }, tools: { t: null } }));
  assert.equal(where(r.issues), ['agents/a/agent.toml@1:1 missing-manifest', 'tools/t/tool.toml@1:1 missing-manifest']);
  assert.equal(r.issues.map((i) => i.entity), [{ kind: 'agent', name: 'a' }, { kind: 'tool', name: 't' }]);
  assert.not.ok(r.global, 'a missing manifest belongs to its entity');
});

validate('reports a wasm file that is not committed, at wasm', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { files: ['README.md'] } } }));
  assert.equal(where(r.issues), ['tools/t/tool.toml@3:8 missing-file']);
  assert.not.match(r.issues[0]!.suggestion, /did you mean/);
});

validate('reports a wasm file that is not committed :: suggests the .wasm that is', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { files: ['target/out.wasm'] } } }));
  assert.ok(byCode(r.issues, 'missing-file')[0]!.suggestion.includes('"target/out.wasm"'));
});

validate('reports a wasm file that is not committed :: default path when wasm is not set', () => {
  const r = validateWorkspace(fakeWorkspace({
    tools: { t: { source: toml('name = "t"', 'description = "d"', '[[functions]]', 'name = "run"'), files: [] } },
  }));
  assert.equal(codes(r.issues), ['missing-file']);
  assert.ok(r.issues[0]!.message.includes('plugin.wasm'));
});

const plugin = (o: Partial<{ exports: string[]; otherExports: Record<string, string>; unsupportedImports: string[]; initialPages: number }> = {}) => ({ ok: true as const, exports: ['run'], unsupportedImports: [], initialPages: 1, ...o });

validate('a plugin that starts under its manifest :: no issue', () => {
  assert.equal(validateWorkspace(fakeWorkspace({ tools: { t: { functions: ['run'], plugin: plugin({ exports: ['run', 'extra'] }) } } })).issues, []);
});

validate('a plugin that is not a WebAssembly module :: invalid-plugin at wasm, the compiler\'s words, and the tool alone is invalid', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { plugin: { ok: false, error: 'expected magic word 00 61 73 6d, found 67 61 72 62 @+0' } }, fine: {} } }));
  assert.equal(where(r.issues), ['tools/t/tool.toml@3:8 invalid-plugin']);
  assert.is(r.issues[0]!.message, 'tools/t/plugin.wasm is not a WebAssembly module Caxton can run: expected magic word 00 61 73 6d, found 67 61 72 62 @+0');
  assert.is(r.issues[0]!.suggestion, 'build the plugin again and commit tools/t/plugin.wasm');
  assert.equal([...r.workspace.tools.keys()], ['fine'], 'a --partial deployment holds it back');
});

validate('a declared function the plugin does not export :: unexported-function at its name, with the nearest export', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { functions: ['run', 'rendr'], plugin: plugin({ exports: ['run', 'render'] }) } } }));
  assert.equal(codes(r.issues), ['unexported-function']);
  assert.is(r.issues[0]!.message, 'function "rendr" is not exported by plugin.wasm');
  assert.is(r.issues[0]!.suggestion, 'did you mean "render"? (it exports run, render)');
  assert.ok(r.issues[0]!.line > 3, 'at the second [[functions]] entry');
});

validate('an input_schema that is not a JSON Schema is an error at its line (a --partial holds the tool back); a keyword or format no one knows is a warning', () => {
  const tool = (schema: string) => ({ source: toml('name = "t"', 'description = "d"', '', '[[functions]]', 'name = "run"', `input_schema = ${schema}`) });
  const typo = validateWorkspace(fakeWorkspace({ tools: { t: tool('{ type = "integr" }'), fine: {} } }));
  assert.equal(where(typo.issues), ['tools/t/tool.toml@6:18 invalid-schema'], 'at the type inside it');
  assert.is(typo.issues[0]!.severity, 'error');
  assert.is(typo.issues[0]!.message, 'the input_schema of function "run" is not a valid JSON Schema: type "integr" is not a JSON type');
  assert.is(typo.issues[0]!.suggestion, 'did you mean "integer"?');
  assert.equal([...typo.workspace.tools.keys()], ['fine'], 'a --partial deployment holds it back');

  const wrong = validateWorkspace(fakeWorkspace({ tools: { t: tool('{ type = "integer", minimum = "zero" }') } })).issues;
  assert.equal(codes(wrong), ['invalid-schema']);
  assert.match(wrong[0]!.message, /is not a valid JSON Schema: minimum must be number$/);

  const ignored = validateWorkspace(fakeWorkspace({ tools: { t: tool('{ type = "object", maximun = 5 }') } }));
  assert.ok(ignored.ok, 'a warning does not block the deployment');
  assert.equal(ignored.issues.map((i) => [i.code, i.severity, i.message, i.suggestion]), [
    ['invalid-schema', 'warning', 'the input_schema of function "run" has the keyword "maximun", which JSON Schema does not know: it checks nothing', 'did you mean "maximum"?'],
  ]);
  const format = validateWorkspace(fakeWorkspace({ tools: { t: tool('{ type = "string", format = "emial" }') } })).issues;
  assert.equal(format.map((i) => [i.severity, i.suggestion]), [['warning', 'did you mean "email"?']]);

  const sound = validateWorkspace(fakeWorkspace({ tools: { t: tool('{ "$id" = "https://example.com/s.json", type = "object", properties = { n = { type = "integer", maximum = 5 } } }') } }));
  assert.equal(sound.issues, []);
  assert.equal(validateWorkspace(fakeWorkspace({ tools: { t: tool('{ "$id" = "https://example.com/s.json", type = "object" }') } })).issues, [], 'the same $id validates again');
});

validate('a [[functions]] entry naming the memory (or another export that is not a function) is told so, not that it is missing', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { functions: ['run', 'memory'], plugin: plugin({ exports: ['run'], otherExports: { memory: 'memory' } }) } } }));
  assert.equal(codes(r.issues), ['unexported-function']);
  assert.is(r.issues[0]!.message, '"memory" is exported by plugin.wasm as a memory, not a function');
  assert.is(r.issues[0]!.suggestion, '[[functions]] lists only functions agents may call: remove "memory" (it exports run)');
});

validate('imports the Extism host does not provide, or more memory at start than memory_mb :: each reported', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { plugin: plugin({ unsupportedImports: ['env.abort'], initialPages: 400 }) } } }));
  assert.equal(codes(r.issues).sort(), ['invalid-plugin', 'invalid-value']);
  assert.is(byCode(r.issues, 'invalid-plugin')[0]!.message, 'tools/t/plugin.wasm imports env.abort, which the Extism host does not provide');
  const memory = byCode(r.issues, 'invalid-value')[0]!;
  assert.is(memory.message, 'the plugin needs 25 MiB of memory from the start, more than memory_mb = 16');
  assert.is(memory.suggestion, 'raise memory_mb to at least 25');
});

validate('allowed_paths: a relative folder must stay inside the workspace and out of .caxton/ and .git/', () => {
  const grant = (paths: Record<string, string>) => validateWorkspace(fakeWorkspace({ tools: { t: { extra: { allowed_paths: paths } } } })).issues;
  assert.equal(grant({ data: '/data', 'data/sub': '/s', '/srv/shared': '/shared' }), []);
  for (const [host, why] of [['.', /the whole workspace/], ['./', /the whole workspace/], ['../secrets', /leaves the workspace/], ['data/../..', /leaves the workspace/], ['.caxton', /inside \.caxton\//], ['.git/config', /inside \.git\//]] as const) {
    const issues = grant({ [host]: '/x' });
    assert.equal(issues.map((i) => i.code), ['invalid-value'], host);
    assert.match(issues[0]!.message, why);
  }
});

validate('accepts a wasm file in a subfolder when the manifest points there', () => {
  const r = validateWorkspace(fakeWorkspace({ tools: { t: { extra: { wasm: 'build/p.wasm' }, files: ['build/p.wasm'] } } }));
  assert.ok(r.ok);
});

validate('warns about stray files without failing', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: {} }, strays: ['agents/notes.toml', 'tools/x.wasm'] }));
  assert.ok(r.ok);
  assert.not.ok(r.global, 'warnings never block');
  assert.equal(where(r.issues), ['agents/notes.toml@1:1 stray-file', 'tools/x.wasm@1:1 stray-file']);
  assert.ok(r.issues.every((i) => i.severity === 'warning' && !i.entity));
  assert.ok(r.issues[0]!.suggestion.includes('agents/notes/agent.toml'));
});

validate('a root folder named like agents/ is not read: a warning that says to rename it', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: {} }, strays: ['agent/'] }));
  assert.ok(r.ok);
  assert.equal(r.issues.map((i) => [i.file, i.code, i.severity, i.message, i.suggestion]), [
    ['agent/', 'stray-file', 'warning', 'agent/ is not read: Caxton reads agents from agents/ and tools from tools/', 'rename agent/ to agents/ (git mv agent agents)'],
  ]);
});

validate('stray files :: the advice never moves one over an agent that exists; a plugin goes in a tool folder; a README is left alone', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { planner: {} }, strays: ['agents/README.md', 'agents/planner.toml', 'tools/notes.txt', 'tools/x.wasm'] }));
  assert.equal(where(r.issues), ['agents/planner.toml@1:1 stray-file', 'tools/x.wasm@1:1 stray-file']);
  assert.equal(r.issues.map((i) => i.suggestion), [
    'agents/planner/ exists already: move what this file adds into agents/planner/agent.toml, or remove it',
    "a plugin goes in its tool's folder: tools/x/plugin.wasm, beside tools/x/tool.toml",
  ]);
});

validate('marks caxton.toml errors as global', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: {} }, config: toml('colour = "red"') }));
  assert.not.ok(r.ok);
  assert.ok(r.global);
  assert.equal(where(r.issues), ['caxton.toml@1:1 unknown-key']);
  assert.ok(r.workspace.agents.has('a'), 'entities are still listed; the planner decides');
  assert.equal(r.workspace.config, {}, 'an invalid config gives the defaults');
});

validate('marks caxton.toml errors as global :: TOML syntax error', () => {
  const r = validateWorkspace(fakeWorkspace({ config: '[server\n' }));
  assert.ok(r.global);
  assert.equal(codes(r.issues), ['toml-syntax']);
});

validate('does not mark entity errors as global', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: { capabilities: ['Bad'] }, b: {} } }));
  assert.not.ok(r.ok);
  assert.not.ok(r.global);
  assert.equal([...r.workspace.agents.keys()], ['b']);
});

validate('sorts issues by file, line and column', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: {
      z: toml('name = "z"', 'description = 1', 'capabilities = ["c"]', 'colour = 1', 'tools = ["nope"]'),
      a: toml('name = "a"', 'description = "d"', 'capabilities = ["C", "D"]'),
    },
    tools: { t: null },
    config: toml('prot = 1'),
  }));
  assert.equal(where(r.issues), [
    'agents/a/agent.toml@3:17 invalid-name',
    'agents/a/agent.toml@3:22 invalid-name',
    'agents/z/agent.toml@2:15 wrong-type',
    'agents/z/agent.toml@4:1 unknown-key',
    'agents/z/agent.toml@5:10 unknown-tool',
    'caxton.toml@1:1 unknown-key',
    'tools/t/tool.toml@1:1 missing-manifest',
  ]);
});

validate('gives each issue the path:line:column message form', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: { tools: ['chrt'] } }, tools: { chart: {} } }));
  const [i] = r.issues;
  assert.is(formatIssue(i!), `agents/a/agent.toml:4:11 ${i!.message}`);
});

validate('behaviour and LLM settings :: a tool step needs a listed tool, an LLM agent an endpoint, an unserved ask warns', () => {
  const r = validateWorkspace(fakeWorkspace({
    agents: {
      a: toml('name = "a"', 'description = "d"', 'capabilities = ["a"]', 'tools = []', '[[behavior.steps]]', 'tool = "t"', '[[behavior.steps]]', 'ask = "nobody"'),
      b: toml('name = "b"', 'description = "d"', 'capabilities = ["b"]', 'runtime = "llm"'),
      c: toml('name = "c"', 'description = "d"', 'capabilities = ["c"]', 'runtime = "llm"', '[llm]', 'model = "m"'),
    },
  }));
  assert.equal(where(r.issues), [
    'agents/a/agent.toml@6:8 unknown-tool',
    'agents/a/agent.toml@8:7 unknown-capability',
    'agents/b/agent.toml@4:11 missing-field',
    'agents/c/agent.toml@5:1 missing-field',
  ]);
  assert.is(byCode(r.issues, 'unknown-capability')[0]!.severity, 'warning');
});

validate('a [routing] strategies key no agent serves :: a warning at the key, naming the nearest served capability', () => {
  const check = (config: string) => validateWorkspace(fakeWorkspace({ agents: { a: { capabilities: ['chart'] } }, config }));
  const inline = check(toml('[routing]', 'strategies = { chart = "random", chrt = "round-robin" }'));
  assert.ok(inline.ok, 'a warning: the capability may be served later');
  assert.equal(where(inline.issues), ['caxton.toml@2:34 unknown-capability']);
  assert.is(inline.issues[0]!.severity, 'warning');
  assert.match(inline.issues[0]!.message, /\[routing\] strategies names capability "chrt", which no agent serves/);
  assert.is(inline.issues[0]!.suggestion, 'did you mean "chart"?');
  const table = check(toml('[routing.strategies]', 'chart = "random"', 'nobody = "random"'));
  assert.equal(where(table.issues), ['caxton.toml@3:1 unknown-capability']);
  assert.match(table.issues[0]!.suggestion, /add an agent with capabilities = \["nobody"\]/);
});

validate('agents whose steps ask each other round in a cycle :: a warning at the step that closes it, with the chain; none where an agent outside the cycle can answer, or the step is optional', () => {
  const agent = (name: string, serves: string[], ...asks: string[]) =>
    toml(`name = "${name}"`, 'description = "d"', `capabilities = [${serves.map((c) => `"${c}"`).join(', ')}]`, ...asks.flatMap((a) => ['[[behavior.steps]]', a.startsWith('?') ? `ask = "${a.slice(1)}"\noptional = true` : `ask = "${a}"`]));
  const check = (agents: Record<string, string>) => validateWorkspace(fakeWorkspace({ agents }));
  // ping asks pong, pong asks ping: a message to either fails
  const pingPong = check({ ping: agent('ping', ['ping'], 'pong'), pong: agent('pong', ['pong'], 'ping') });
  assert.ok(pingPong.ok, 'a warning: the deployment goes ahead');
  assert.equal(where(pingPong.issues), ['agents/ping/agent.toml@5:7 ask-cycle', 'agents/pong/agent.toml@5:7 ask-cycle']);
  assert.is(pingPong.issues[0]!.severity, 'warning');
  assert.match(pingPong.issues[0]!.message, /^behavior step 1 asks "pong", and the asks come back round \(ping → pong → ping\): a message to "ping" always fails with CAX_ROUTING_LOOP$/);
  // an agent asking a capability only it serves
  assert.match(check({ self: agent('self', ['me'], 'me') }).issues[0]!.message, /\(self → self\)/);
  // a third agent serves pong and answers: the router sends the ask that would close the cycle there
  assert.equal(check({ ping: agent('ping', ['ping'], 'pong'), pong: agent('pong', ['pong'], 'ping'), other: agent('other', ['pong']) }).issues, []);
  // an optional ask goes on past its failure, so ping answers, and pong with it
  assert.equal(check({ ping: agent('ping', ['ping'], '?pong'), pong: agent('pong', ['pong'], 'ping') }).issues, []);
  // but a cycle that only one way round can leave: a → b → c → a, with nothing else serving
  assert.equal(where(check({ a: agent('a', ['a'], 'b'), b: agent('b', ['b'], 'c'), c: agent('c', ['c'], 'a') }).issues).length, 3);
  assert.match(check({ a: agent('a', ['a'], 'b'), b: agent('b', ['b'], 'c'), c: agent('c', ['c'], 'a') }).issues[0]!.message, /\(a → b → c → a\)/);
  assert.equal(check({ a: agent('a', ['a'], 'b'), b: agent('b', ['b'], 'c'), c: agent('c', ['c']) }).issues, []);
});

validate('a tool step calls a function its tool declares; with none named it calls "run", and says so', () => {
  const agent = (...step: string[]) => toml('name = "a"', 'description = "d"', 'capabilities = ["a"]', 'tools = ["rev"]', '[[behavior.steps]]', 'tool = "rev"', ...step);
  const check = (src: string) => validateWorkspace(fakeWorkspace({ agents: { a: src }, tools: { rev: { functions: ['reverse', 'count'] } } }));
  assert.equal(check(agent('function = "reverse"')).issues, []);
  const typo = check(agent('function = "revers"'));
  assert.equal(where(typo.issues), ['agents/a/agent.toml@7:12 invalid-value']);
  assert.is(typo.issues[0]!.message, 'behavior step 1 calls function "revers", which tool "rev" does not declare (it declares reverse, count)');
  assert.is(typo.issues[0]!.suggestion, 'did you mean function = "reverse"?');
  assert.equal([...typo.workspace.agents.keys()], [], 'a --partial deployment holds the agent back');
  const none = check(agent()).issues;
  assert.equal(where(none), ['agents/a/agent.toml@6:8 invalid-value']);
  assert.match(none[0]!.message, /names no function, so it calls "run", which tool "rev" does not declare/);
  assert.is(none[0]!.suggestion, 'add function = "reverse" to the step');
});

validate('a placeholder a template cannot resolve is a warning at its template, with the nearest one: a typo, a missing or later step, a field no message has', () => {
  const agent = (...lines: string[]) => validateWorkspace(fakeWorkspace({ agents: { a: toml('name = "a"', 'description = "d"', 'capabilities = ["a"]', 'tools = ["t"]', ...lines) }, tools: { t: {} } })).issues;
  const fine = agent('[[behavior.steps]]', 'id = "calc"', 'tool = "t"', 'input = { text = "{{content}}", from = "{{message.sender}}" }', '[behavior]', 'reply = "{{steps.calc.output.rows[0]}} {{last}} {{agent.name}} {{steps.calc.error}}"');
  assert.equal(fine, []);
  const typos = agent('[[behavior.steps]]', 'id = "calc"', 'tool = "t"', 'input = { text = "{{conten}}", at = "{{steps.calc.output}}" }', '[behavior]', 'reply = "{{mesage.sender}} {{message.author}} {{steps.calk.output}}"');
  assert.ok(typos.every((i) => i.code === 'unknown-placeholder' && i.severity === 'warning'));
  assert.equal(typos.map((i) => [i.message, i.suggestion]), [
    ['{{conten}} in behavior.steps.input.text: "conten" is not something a template can read (content, message, agent, steps, last); it renders as nothing', 'did you mean {{content}}?'],
    ['{{steps.calc.output}} in behavior.steps.input.at: step "calc" runs later, so it has no result yet; it renders as nothing', 'read it in a step after "calc", or in reply'],
    ['{{mesage.sender}} in behavior.reply: "mesage" is not something a template can read (content, message, agent, steps, last); it renders as nothing', 'did you mean {{message.sender}}?'],
    ['{{message.author}} in behavior.reply: a message has no field "author" (id, sender, performative, conversationId, content, replyWith, inReplyTo, protocol, ontology); it renders as nothing', 'use one of the placeholders docs/workspace.md lists'],
    ['{{steps.calk.output}} in behavior.reply: there is no step "calk" (calc); it renders as nothing', 'did you mean {{steps.calc.output}}?'],
  ]);
  const llm = agent('runtime = "llm"', 'system_prompt = "You are {{agent.name}}, {{agent.capabilities}}"', 'user_prompt_template = "{{steps.x.output}}"', '[llm]', 'model = "m"', 'base_url = "http://127.0.0.1:9/v1"');
  assert.equal(llm.map((i) => i.message), ['{{steps.x.output}} in user_prompt_template: "steps" is not something a template can read (content, message, agent); it renders as nothing']);
});

validate('an [llm] table on an offline agent is a warning: it never calls the model', () => {
  const r = validateWorkspace(fakeWorkspace({ agents: { a: toml('name = "a"', 'description = "d"', 'capabilities = ["a"]', '[llm]', 'model = "m"', 'base_url = "http://127.0.0.1:9/v1"') } }));
  assert.ok(r.ok);
  assert.equal(r.issues.map((i) => [i.severity, i.suggestion]), [['warning', 'add runtime = "llm" to use the model, or remove [llm]']]);
});

validate('provider "anthropic" with a temperature over 1 :: refused at the temperature, saying its range (the SDK would clamp it); 1, and 1.5 elsewhere, are fine', () => {
  const llm = (provider: string, temperature: string) => validateWorkspace(fakeWorkspace({
    agents: { a: toml('name = "a"', 'description = "d"', 'capabilities = ["a"]', 'runtime = "llm"', '[llm]', `provider = "${provider}"`, 'model = "m"', `temperature = ${temperature}`) },
  }));
  const r = llm('anthropic', '1.5');
  assert.not.ok(r.ok);
  assert.equal(where(r.issues), ['agents/a/agent.toml@8:15 invalid-value']);
  assert.is(r.issues[0]!.message, '[llm] temperature = 1.5 is over 1: provider "anthropic" takes 0 to 1, and would be sent 1 instead');
  assert.match(r.issues[0]!.suggestion, /between 0 and 1/);
  assert.equal([...r.workspace.agents.keys()], [], 'a --partial deployment holds the agent back');
  assert.equal(llm('anthropic', '1').issues, []);
  assert.equal(llm('openai', '1.5').issues, []);
});

validate.run();
