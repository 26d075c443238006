import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseAgentSource, parseConfigSource, parseToolSource, slugify } from '../../../server/workspace/parse.js';
import { NAME_RE } from '../../../server/workspace/schema.js';
import type { Issue } from '../../../server/workspace/issue.js';

const toml = (...lines: string[]) => lines.join('\n') + '\n';
const agent = (source: string, folder = 'a') => parseAgentSource(folder, { path: `agents/${folder}/agent.toml`, source });
const tool = (source: string, folder = 't') => parseToolSource(folder, { path: `tools/${folder}/tool.toml`, source });
const config = (source: string) => parseConfigSource({ path: 'caxton.toml', source });

/** smol-toml's tables have no prototype; compare them as plain data. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

/** code@line:column of each issue, the shape most assertions compare. */
const where = (issues: Issue[]) => issues.map((i) => `${i.code}@${i.line}:${i.column}`);

const AGENT = ['name = "a"', 'description = "An agent"', 'capabilities = ["cap"]'];
const TOOL = ['name = "t"', 'description = "A tool"', '[[functions]]', 'name = "run"'];

function smolPosition(source: string): { line: number; column: number } {
  try {
    parseToml(source);
  } catch (err) {
    if (err instanceof TomlError) return { line: err.line, column: err.column };
  }
  throw new Error('expected a TOML syntax error');
}

// ---

const slug = suite('slugify');

slug('turns a bad name into a valid one', () => {
  for (const [bad, good] of [
    ['Bad_Cap', 'bad-cap'],
    ['My Agent!', 'my-agent'],
    ['9lives', 'lives'],
    ['a--b__c-', 'a-b-c'],
  ] as const) {
    assert.is(slugify(bad), good, bad);
    assert.ok(NAME_RE.test(slugify(bad)), `${bad} → a valid name`);
  }
});

slug('falls back to a placeholder when nothing is left :: only digits and symbols', () => {
  assert.is(slugify('123_!'), 'my-agent');
});

slug('caps the length at 63 characters', () => {
  const s = slugify('x'.repeat(100));
  assert.is(s.length, 63);
  assert.ok(NAME_RE.test(s));
});

slug.run();

// ---

const parseAgent = suite('parseAgentSource');

parseAgent('parses a valid agent with defaults applied', () => {
  const p = agent(toml(...AGENT));
  assert.equal(p.issues, []);
  assert.is(p.folder, 'a');
  assert.is(p.path, 'agents/a/agent.toml');
  assert.ok(p.value);
  assert.equal(p.value.tools, []);
  assert.is(p.value.runtime, 'offline');
  assert.equal(plain(p.raw), { name: 'a', description: 'An agent', capabilities: ['cap'] }, 'raw is the document before defaults');
  assert.ok(p.positions);
});

parseAgent('keeps extra documented fields :: behavior, llm, metadata', () => {
  const p = agent(toml(...AGENT, 'runtime = "llm"', '[llm]', 'model = "m"', '[metadata]', 'owner = "me"', '[behavior]', 'reply = "hi"'));
  assert.equal(p.issues, []);
  assert.is(p.value!.llm!.provider, 'openai-compatible');
  assert.equal(p.value!.metadata, { owner: 'me' });
  assert.equal(p.value!.behavior!.steps, []);
});

parseAgent('reports a TOML syntax error at smol-toml\'s position', () => {
  const source = toml('name = "a"', 'description = ', 'capabilities = ["cap"]');
  const p = agent(source);
  assert.is(p.issues.length, 1);
  const [i] = p.issues;
  assert.is(i!.code, 'toml-syntax');
  assert.equal({ line: i!.line, column: i!.column }, smolPosition(source));
  assert.equal({ line: i!.line, column: i!.column }, { line: 2, column: 15 });
  assert.is(p.value, null);
  assert.is(p.raw, null);
  assert.is(p.positions, null);
  assert.equal(i!.entity, { kind: 'agent', name: 'a' });
  assert.is(i!.severity, 'error');
});

parseAgent('reports a TOML syntax error :: unclosed array', () => {
  const source = toml('name = "a"', 'tools = ["x",');
  const p = agent(source);
  assert.equal(where(p.issues), [`toml-syntax@${smolPosition(source).line}:${smolPosition(source).column}`]);
});

parseAgent('reports a TOML syntax error :: key defined twice', () => {
  const source = toml(...AGENT, 'name = "b"');
  assert.equal(where(agent(source).issues), [`toml-syntax@4:1`]);
});

parseAgent('suggests the key meant by an unknown key, without a second missing-field issue', () => {
  const p = agent(toml('name = "a"', 'description = "d"', 'capabilites = ["cap"]'));
  assert.equal(where(p.issues), ['unknown-key@3:1'], 'one issue, at the misspelt key');
  assert.ok(p.issues[0]!.suggestion.includes('did you mean "capabilities"'));
  assert.not.ok(p.issues.some((i) => i.code === 'missing-field'));
  assert.is(p.value, null);
  assert.equal(plain(p.raw), { name: 'a', description: 'd', capabilites: ['cap'] }, 'raw is kept for later rules');
});

parseAgent('lists the allowed keys for an unknown key that is near nothing', () => {
  const p = agent(toml(...AGENT, 'zzzzzzzz = 1'));
  assert.equal(where(p.issues), ['unknown-key@4:1']);
  assert.not.match(p.issues[0]!.suggestion, /did you mean/);
  assert.match(p.issues[0]!.suggestion, /capabilities/);
});

parseAgent('reports a nested unknown key in its table :: [llm]', () => {
  const p = agent(toml(...AGENT, '[llm]', 'model = "m"', 'temprature = 1'));
  assert.equal(where(p.issues), ['unknown-key@6:1']);
  assert.ok(p.issues[0]!.suggestion.includes('did you mean "temperature"'));
});

parseAgent('reports a wrong type at the value', () => {
  const p = agent(toml('name = "a"', 'description = "d"', 'capabilities = "x"'));
  assert.equal(where(p.issues), ['wrong-type@3:16']);
});

parseAgent('reports a wrong type :: number for a string, table for an array', () => {
  const p = agent(toml('name = "a"', 'description = 5', 'capabilities = ["c"]', 'tools = { x = 1 }'));
  assert.equal(where(p.issues), ['wrong-type@2:15', 'wrong-type@4:9']);
});

parseAgent('reports a wrong type :: array element', () => {
  const p = agent(toml('name = "a"', 'description = "d"', 'capabilities = ["c", 7]'));
  assert.equal(where(p.issues), ['wrong-type@3:22']);
});

parseAgent('reports each missing required field', () => {
  const p = agent(toml('name = "a"'));
  assert.equal(p.issues.map((i) => i.code), ['missing-field', 'missing-field']);
  assert.ok(p.issues.some((i) => i.message.includes('"description"')), 'names description');
  assert.ok(p.issues.some((i) => i.message.includes('"capabilities"')), 'names capabilities');
  assert.ok(p.issues.every((i) => i.line === 1 && i.column === 1), 'a top-level field has no better place than 1:1');
});

parseAgent('reports a missing field in a table at the table :: [llm] without model', () => {
  const p = agent(toml(...AGENT, '', '[llm]', 'provider = "ollama"'));
  assert.equal(where(p.issues), ['missing-field@5:1']);
  assert.match(p.issues[0]!.suggestion, /^add model = /);
});

parseAgent('reports a missing field in a table at the table :: dotted llm.provider', () => {
  const p = agent(toml(...AGENT, 'llm.provider = "ollama"'));
  assert.equal(where(p.issues), ['missing-field@4:1']);
});

parseAgent('reports an invalid capability name with a slugified suggestion', () => {
  const p = agent(toml('name = "a"', 'description = "d"', 'capabilities = ["ok", "Bad_Cap"]'));
  assert.equal(where(p.issues), ['invalid-name@3:23']);
  assert.ok(p.issues[0]!.suggestion.includes('"bad-cap"'));
});

parseAgent('reports an invalid agent name :: in name and in tools', () => {
  const p = agent(toml('name = "My Agent"', 'description = "d"', 'capabilities = ["c"]', 'tools = ["Chart_Gen"]'));
  assert.equal(where(p.issues), ['invalid-name@1:8', 'invalid-name@4:10']);
  assert.ok(p.issues[0]!.suggestion.includes('"my-agent"'));
  assert.ok(p.issues[1]!.suggestion.includes('"chart-gen"'));
});

parseAgent('suggests the nearest enum value :: runtime = "offlne"', () => {
  const p = agent(toml(...AGENT, 'runtime = "offlne"'));
  assert.equal(where(p.issues), ['invalid-value@4:11']);
  assert.ok(p.issues[0]!.suggestion.includes('did you mean "offline"'));
});

parseAgent('lists the enum values when none is near :: llm.provider', () => {
  const p = agent(toml(...AGENT, '[llm]', 'model = "m"', 'provider = "zzzzzzzz"'));
  assert.equal(where(p.issues), ['invalid-value@6:12']);
  assert.not.match(p.issues[0]!.suggestion, /did you mean/);
  assert.match(p.issues[0]!.suggestion, /"openai-compatible"/);
});

parseAgent('llm.api_key_env may not name one of Caxton\'s own variables: the key goes to the base_url the agent names', () => {
  const p = agent(toml(...AGENT, '[llm]', 'model = "m"', 'base_url = "http://127.0.0.1:9/v1"', 'api_key_env = "CAXTON_WEBHOOK_SECRET"'));
  assert.equal(where(p.issues), ['invalid-value@7:15']);
  assert.match(p.issues[0]!.message, /may not name one of Caxton's own variables \(CAXTON_\*\)/);
  assert.equal(agent(toml(...AGENT, '[llm]', 'model = "m"', 'base_url = "http://127.0.0.1:9/v1"', 'api_key_env = "OPENAI_API_KEY"')).issues, []);
});

parseAgent('llm.base_url may not hold credentials, a query or a fragment: it is quoted in every error and log line', () => {
  for (const url of ['http://admin:pw@127.0.0.1:9/v1', 'http://127.0.0.1:9/v1?api_key=sk-1', 'https://h.example/v1#x']) {
    const p = agent(toml(...AGENT, '[llm]', 'model = "m"', `base_url = "${url}"`));
    assert.equal(where(p.issues), ['invalid-value@6:12'], url);
    assert.match(p.issues[0]!.message, /must not hold credentials/);
    // the advice quotes the URL without what it must not hold: it lands in a failed deployment's record
    const said = JSON.stringify(p.issues);
    for (const secret of ['admin:pw', 'api_key=sk-1', '#x']) assert.not.ok(said.includes(secret), `${url}: ${said}`);
  }
  assert.equal(agent(toml(...AGENT, '[llm]', 'model = "m"', 'base_url = "https://h.example:8443/openai/v1"')).issues, []);
});

parseAgent('reports other rule failures as invalid-value :: empty capabilities, empty description', () => {
  const p = agent(toml('name = "a"', 'description = ""', 'capabilities = []'));
  assert.equal(where(p.issues), ['invalid-value@2:15', 'invalid-value@3:16']);
});

parseAgent('a number out of range, a fraction for a whole number, an empty list, a URL without http(s) :: said in words, with what to write', () => {
  const p = agent(toml(...AGENT, '[llm]', 'model = "m"', 'base_url = "localhost:8000/v1"', 'temperature = 3.5', 'max_turns = 2.5', 'timeout_ms = 0'));
  const text = p.issues.map((i) => `${i.message} → ${i.suggestion}`).sort();
  assert.equal(text, [
    '"llm.base_url" must be an http:// or https:// URL, e.g. "http://127.0.0.1:8000/v1" → change llm.base_url (now "localhost:8000/v1")',
    '"llm.max_turns" must be a whole number, not 2.5 → write max_turns = 3',
    '"llm.temperature" is 3.5; it must be at most 2 → write temperature = 2, or a value below it',
    '"llm.timeout_ms" is 0; it must be more than 0 → change llm.timeout_ms to a value more than 0',
  ]);
  const empty = agent(toml('name = "a"', 'description = "d"', 'capabilities = []')).issues;
  assert.equal(empty.map((i) => `${i.message} → ${i.suggestion}`), ['"capabilities" must have at least 1 item → add to capabilities']);
});

parseAgent('reports every problem of a file at once', () => {
  const p = agent(toml('name = "A"', 'description = 1', 'capabilities = ["c"]', 'runtime = "x"', 'colour = "red"'));
  assert.equal(where(p.issues).sort(), ['invalid-name@1:8', 'invalid-value@4:11', 'unknown-key@5:1', 'wrong-type@2:15']);
  assert.ok(p.issues.every((i) => i.file === 'agents/a/agent.toml' && i.severity === 'error'));
  assert.ok(p.issues.every((i) => i.entity?.kind === 'agent' && i.entity.name === 'a'), 'entity is the folder');
});

parseAgent.run();

// ---

const parseTool = suite('parseToolSource');

parseTool('applies defaults to a valid tool', () => {
  const p = tool(toml(...TOOL));
  assert.equal(p.issues, []);
  assert.equal(p.value, {
    name: 't',
    description: 'A tool',
    wasm: 'plugin.wasm',
    limits: { timeout_ms: 1000, memory_mb: 16, max_output_bytes: 1024 * 1024 },
    functions: [{ name: 'run', description: '', input_schema: { type: 'object' } }],
    allowed_hosts: [],
    allowed_paths: {},
    config: {},
  });
});

parseTool('applies defaults to a valid tool :: partial [limits]', () => {
  const p = tool(toml('name = "t"', 'description = "d"', '[limits]', 'timeout_ms = 50', '[[functions]]', 'name = "run"'));
  assert.equal(p.value!.limits, { timeout_ms: 50, memory_mb: 16, max_output_bytes: 1024 * 1024 });
});

parseTool('reports a nested unknown key in [limits]', () => {
  const p = tool(toml('name = "t"', 'description = "d"', '[limits]', 'timeout = 5', '[[functions]]', 'name = "run"'));
  assert.equal(where(p.issues), ['unknown-key@4:1']);
  assert.ok(p.issues[0]!.suggestion.includes('did you mean "timeout_ms"'));
  assert.ok(p.issues[0]!.message.includes('[limits]'));
  assert.equal(p.issues[0]!.entity, { kind: 'tool', name: 't' });
});

parseTool('reports an out-of-range limit at its value', () => {
  const p = tool(toml('name = "t"', 'description = "d"', '[limits]', 'memory_mb = 0', '[[functions]]', 'name = "run"'));
  assert.equal(where(p.issues), ['invalid-value@4:13']);
});

parseTool('reports a missing function field at its [[functions]] entry', () => {
  const p = tool(toml('name = "t"', 'description = "d"', '[[functions]]', 'name = "a"', '[[functions]]', 'description = "no name"'));
  assert.equal(where(p.issues), ['missing-field@5:1']);
  assert.ok(p.issues[0]!.message.includes('functions[1].name'));
});

parseTool('reports a missing field elsewhere that shares a misspelt key\'s name :: nmae + functions[0].name', () => {
  // "nmae" means the top-level name; functions[0].name is a second, real mistake.
  const p = tool(toml('nmae = "t"', 'description = "d"', '[[functions]]', 'description = "x"'));
  assert.equal(where(p.issues).sort(), ['missing-field@3:1', 'unknown-key@1:1']);
});

parseTool('reports an invalid function name at its value', () => {
  const p = tool(toml(...TOOL, '[[functions]]', 'name = "bad-name"'));
  assert.equal(where(p.issues), ['invalid-value@6:8']);
});

parseTool('reports a wasm path leaving the folder', () => {
  for (const wasm of ['../x.wasm', '/abs.wasm', 'a/../../b.wasm']) {
    const p = tool(toml('name = "t"', 'description = "d"', `wasm = "${wasm}"`, '[[functions]]', 'name = "run"'));
    assert.equal(where(p.issues), ['invalid-value@3:8'], wasm);
  }
});

parseTool('reports a tool without functions', () => {
  const p = tool(toml('name = "t"', 'description = "d"', 'functions = []'));
  assert.equal(where(p.issues), ['invalid-value@3:13']);
});

parseTool('reports a wrong type in an inline table :: input_schema', () => {
  const p = tool(toml('name = "t"', 'description = "d"', '[[functions]]', 'name = "run"', 'input_schema = "object"'));
  assert.equal(where(p.issues), ['wrong-type@5:16']);
});

parseTool.run();

// ---

const parseConfig = suite('parseConfigSource');

parseConfig('parses an empty caxton.toml', () => {
  const p = config('');
  assert.equal(p.issues, []);
  assert.equal(p.value, {});
  assert.is(p.folder, '');
});

parseConfig('parses server and deploy settings', () => {
  const p = config(toml('name = "ws"', '[server]', 'url = "http://127.0.0.1:9000"', 'port = 9000', '[deploy]', 'branch = "main"'));
  assert.equal(p.issues, []);
  assert.is(p.value!.server!.port, 9000);
});

parseConfig('reports problems without an entity :: they are workspace-wide', () => {
  const p = config(toml('[server]', 'port = "x"', 'prot = 1'));
  assert.equal(where(p.issues).sort(), ['unknown-key@3:1', 'wrong-type@2:8']);
  assert.ok(p.issues.every((i) => i.entity === undefined && i.file === 'caxton.toml'));
  assert.ok(p.issues.find((i) => i.code === 'unknown-key')!.suggestion.includes('did you mean "port"'));
});

parseConfig('reports a TOML syntax error without an entity', () => {
  const p = config('[server\n');
  assert.equal(p.issues.map((i) => i.code), ['toml-syntax']);
  assert.is(p.issues[0]!.entity, undefined);
});

parseConfig('reports a URL that does not parse', () => {
  const p = config(toml('[server]', 'url = "not a url"'));
  assert.equal(where(p.issues), ['invalid-value@2:7']);
});

parseConfig('reports a [routing] strategies key that is not a name at the key, with a slugified suggestion', () => {
  const p = config(toml('[routing]', 'strategies = { chart = "random", "Bad Cap" = "random" }'));
  assert.equal(where(p.issues), ['invalid-name@2:34']);
  assert.ok(p.issues[0]!.message.includes('"Bad Cap"'), p.issues[0]!.message);
  assert.not.ok(p.issues[0]!.message.includes('Invalid key in record'), p.issues[0]!.message);
  assert.ok(p.issues[0]!.suggestion.includes('"bad-cap"'), p.issues[0]!.suggestion);
});

parseConfig.run();
