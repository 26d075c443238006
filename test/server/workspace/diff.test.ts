import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffAgent, diffFiles, diffTool, overallImpact, sortByImpact, type FieldChange } from '../../../server/workspace/diff.js';
import { AgentFile, ToolFile } from '../../../server/workspace/schema.js';

/** An agent as parsed from disk (defaults applied), with overrides. */
const agent = (o: Record<string, unknown> = {}): AgentFile =>
  AgentFile.parse({ name: 'a', description: 'An agent', capabilities: ['summarize'], tools: ['chart'], ...o });
const tool = (o: Record<string, unknown> = {}): ToolFile =>
  ToolFile.parse({ name: 't', description: 'A tool', functions: [{ name: 'render', input_schema: { type: 'object' } }], ...o });

/** field:impact of each change, in order. */
const summary = (changes: FieldChange[]) => changes.map((c) => `${c.field}:${c.impact}`);
const only = (changes: FieldChange[]) => {
  assert.is(changes.length, 1, `one change expected, got ${summary(changes).join(', ')}`);
  return changes[0]!;
};

// ---

const agentDiff = suite('diffAgent');

agentDiff('reports nothing for equal agents', () => {
  assert.equal(diffAgent(agent(), agent()), []);
});

agentDiff('ignores the order of capabilities and tools', () => {
  assert.equal(diffAgent(agent({ capabilities: ['x', 'y'] }), agent({ capabilities: ['y', 'x'] })), []);
});

agentDiff('reports field diff :: capability removed is breaking', () => {
  const c = only(diffAgent(agent({ capabilities: ['summarize', 'translate'] }), agent({ capabilities: ['summarize'] })));
  assert.equal(c, { field: 'capabilities', impact: 'breaking', removed: ['translate'], note: 'capability removed' });
});

agentDiff('reports field diff :: capability added is compatible', () => {
  const c = only(diffAgent(agent(), agent({ capabilities: ['summarize', 'translate'] })));
  assert.is(c.impact, 'compatible');
  assert.equal(c.added, ['translate']);
});

agentDiff('reports field diff :: renamed capability is a removal and an addition', () => {
  const changes = diffAgent(agent({ capabilities: ['summarise'] }), agent({ capabilities: ['summarize'] }));
  assert.equal(summary(changes), ['capabilities:breaking', 'capabilities:compatible']);
  assert.equal(changes[0]!.removed, ['summarise']);
  assert.equal(changes[1]!.added, ['summarize']);
});

agentDiff('reports field diff :: tool revoked is breaking, granted is compatible', () => {
  const revoked = only(diffAgent(agent({ tools: ['chart', 'pdf'] }), agent({ tools: ['chart'] })));
  assert.equal([revoked.impact, revoked.removed, revoked.note], ['breaking', ['pdf'], 'tool revoked']);
  const granted = only(diffAgent(agent(), agent({ tools: ['chart', 'pdf'] })));
  assert.equal([granted.impact, granted.added], ['compatible', ['pdf']]);
});

agentDiff("reports field diff :: an LLM agent's prompts are behaviour (its answers and recordings change), an offline agent's cosmetic", () => {
  for (const field of ['system_prompt', 'user_prompt_template']) {
    const llm = (v: string) => agent({ runtime: 'llm', llm: { model: 'm' }, [field]: v });
    const c = only(diffAgent(llm('Be brief'), llm('Be thorough')));
    assert.equal([c.field, c.impact, c.note], [field, 'compatible', 'prompt changed: the model answers differently, and a recording no longer matches']);
    assert.is(only(diffAgent(agent({ [field]: 'Be brief' }), agent({ [field]: 'Be thorough' }))).impact, 'cosmetic');
  }
});

agentDiff('reports field diff :: description and prompts are cosmetic', () => {
  for (const o of [{ description: 'Other' }, { system_prompt: 'Be brief' }, { user_prompt_template: '{{content}}' }, { version: '2.0.0' }, { tags: ['x'] }, { metadata: { owner: 'me' } }]) {
    const field = Object.keys(o)[0]!;
    const c = only(diffAgent(agent(), agent(o)));
    assert.is(c.field, field);
    assert.is(c.impact, 'cosmetic', field);
  }
});

agentDiff('reports field diff :: before and after values of a scalar', () => {
  const c = only(diffAgent(agent({ system_prompt: 'old' }), agent({ system_prompt: 'new' })));
  assert.equal([c.before, c.after], ['old', 'new']);
});

agentDiff('reports field diff :: behaviour, runtime and llm are compatible', () => {
  const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
    [{}, { behavior: { reply: 'Done: {{content}}' } }],
    [{ behavior: { reply: 'a' } }, { behavior: { reply: 'b' } }],
    [{ llm: { model: 'm1' } }, { llm: { model: 'm2' } }],
    [{}, { runtime: 'llm', llm: { model: 'm' } }],
  ];
  for (const [before, after] of cases) {
    const changes = diffAgent(agent(before), agent(after));
    assert.ok(changes.length > 0, JSON.stringify(after));
    assert.ok(changes.every((c) => c.impact === 'compatible' && c.note === 'behaviour changed'), JSON.stringify(after));
  }
});

agentDiff('compares nested values deeply :: equal llm tables in new objects', () => {
  assert.equal(diffAgent(agent({ llm: { model: 'm', temperature: 0.2 } }), agent({ llm: { temperature: 0.2, model: 'm' } })), []);
});

agentDiff('orders breaking first, then compatible, then cosmetic', () => {
  const changes = diffAgent(
    agent({ description: 'old', capabilities: ['a'], tools: ['chart'] }),
    agent({ description: 'new', capabilities: ['a', 'b'], tools: [], llm: { model: 'm' } }),
  );
  assert.equal(summary(changes), ['tools:breaking', 'capabilities:compatible', 'llm:compatible', 'description:cosmetic']);
});

agentDiff.run();

// ---

const toolDiff = suite('diffTool');

toolDiff('reports nothing for equal tools', () => {
  assert.equal(diffTool(tool(), tool(), { before: 'w1', after: 'w1' }), []);
});

toolDiff('reports field diff :: function removed is breaking, added is compatible', () => {
  const two = tool({ functions: [{ name: 'render' }, { name: 'export' }] });
  const removed = only(diffTool(two, tool({ functions: [{ name: 'render' }] })));
  assert.equal([removed.field, removed.impact, removed.removed], ['functions', 'breaking', ['export']]);
  const added = only(diffTool(tool({ functions: [{ name: 'render' }] }), two));
  assert.equal([added.field, added.impact, added.added], ['functions', 'compatible', ['export']]);
});

toolDiff('reports field diff :: input_schema changed is breaking', () => {
  const c = only(diffTool(tool(), tool({ functions: [{ name: 'render', input_schema: { type: 'object', required: ['rows'] } }] })));
  assert.is(c.field, 'functions.render.input_schema');
  assert.is(c.impact, 'breaking');
  assert.equal(c.before, { type: 'object' });
});

toolDiff('reports field diff :: function description is cosmetic', () => {
  const c = only(diffTool(tool(), tool({ functions: [{ name: 'render', description: 'Draws' }] })));
  assert.equal([c.field, c.impact], ['functions.render.description', 'cosmetic']);
});

toolDiff('reports field diff :: plugin binary changed', () => {
  const c = only(diffTool(tool(), tool(), { before: 'w1', after: 'w2' }));
  assert.equal(c, { field: 'plugin', impact: 'compatible', before: 'w1', after: 'w2', note: 'plugin binary changed' });
});

toolDiff('reports field diff :: a plugin gone at the target is breaking', () => {
  const c = only(diffTool(tool(), tool(), { before: 'w1', after: '' }));
  assert.equal(c, { field: 'plugin', impact: 'breaking', before: 'w1', after: '', note: 'plugin missing' });
});

toolDiff('reports no plugin change without blob ids', () => {
  assert.equal(diffTool(tool(), tool()), []);
});

toolDiff('reports field diff :: limits, paths, config and wasm path are compatible', () => {
  for (const o of [{ limits: { timeout_ms: 5000 } }, { allowed_paths: { '/data': '/d' } }, { config: { k: 'v' } }, { wasm: 'build/p.wasm' }]) {
    const c = only(diffTool(tool(), tool(o)));
    assert.is(c.field, Object.keys(o)[0]);
    assert.is(c.impact, 'compatible', c.field);
  }
});

toolDiff('reports field diff :: a lowered limit is breaking (a call that fit may fail), a raised one compatible', () => {
  for (const limits of [{ memory_mb: 8 }, { timeout_ms: 500 }, { max_output_bytes: 1024 }, { quarantine_after: 1 }]) {
    const c = only(diffTool(tool(), tool({ limits })));
    assert.equal([c.field, c.impact, c.note], ['limits', 'breaking', 'limits lowered: calls that fit before may fail'], JSON.stringify(limits));
  }
  assert.is(only(diffTool(tool(), tool({ limits: { memory_mb: 64, timeout_ms: 5000 } }))).impact, 'compatible');
});

toolDiff('reports field diff :: host access revoked is breaking, granted compatible', () => {
  const changes = diffTool(tool({ allowed_hosts: ['a.example'] }), tool({ allowed_hosts: ['b.example'] }));
  assert.equal(summary(changes), ['allowed_hosts:breaking', 'allowed_hosts:compatible']);
});

toolDiff('reports field diff :: description, version and metadata are cosmetic', () => {
  const changes = diffTool(tool(), tool({ description: 'Other', version: '2', metadata: { a: 1 } }));
  assert.equal(summary(changes), ['description:cosmetic', 'metadata:cosmetic', 'version:cosmetic']);
});

toolDiff('orders breaking first', () => {
  const changes = diffTool(
    tool({ description: 'old', functions: [{ name: 'render' }, { name: 'old_fn' }] }),
    tool({ description: 'new', limits: { memory_mb: 64 }, functions: [{ name: 'render', input_schema: { type: 'array' } }] }),
    { before: 'w1', after: 'w2' },
  );
  assert.equal(summary(changes), [
    'functions:breaking',
    'functions.render.input_schema:breaking',
    'limits:compatible',
    'plugin:compatible',
    'description:cosmetic',
  ]);
});

toolDiff.run();

// ---

const filesDiff = suite('diffFiles');

filesDiff('names each file beside the manifest that was added, removed or changed, by blob id: one Caxton reads is compatible, with its note; others cosmetic', () => {
  const changes = diffFiles({
    folder: 'agents/r',
    before: new Map([['agent.toml', 'm1'], ['replay.json', 'r1'], ['notes.md', 'n1'], ['same.txt', 's']]),
    after: new Map([['agent.toml', 'm2'], ['replay.json', 'r2'], ['README.md', 'd1'], ['same.txt', 's']]),
    skip: ['agent.toml'],
    read: new Map([['replay.json', 'the recording the agent plays back']]),
  });
  assert.equal(changes, [
    { field: 'replay.json', impact: 'compatible', before: 'r1', after: 'r2', note: 'the recording the agent plays back', file: 'agents/r/replay.json' },
    { field: 'notes.md', impact: 'cosmetic', before: 'n1', note: 'not read by Caxton', file: 'agents/r/notes.md' },
    { field: 'README.md', impact: 'cosmetic', after: 'd1', note: 'not read by Caxton', file: 'agents/r/README.md' },
  ].sort((a, b) => (a.impact === b.impact ? a.field.localeCompare(b.field) : a.impact === 'compatible' ? -1 : 1)));
  assert.equal(diffFiles({ folder: 'tools/t', before: new Map([['tool.toml', 'a']]), after: new Map([['tool.toml', 'b']]), skip: ['tool.toml'] }), [], 'the manifest is compared by its fields');
});

filesDiff.run();

// ---

const overall = suite('overallImpact');

const change = (impact: FieldChange['impact'], field = 'f'): FieldChange => ({ field, impact });

overall('is null without changes', () => {
  assert.is(overallImpact([]), null);
});

overall('is the worst impact among changes', () => {
  assert.is(overallImpact([change('cosmetic')]), 'cosmetic');
  assert.is(overallImpact([change('cosmetic'), change('compatible')]), 'compatible');
  assert.is(overallImpact([change('compatible'), change('breaking'), change('cosmetic')]), 'breaking');
  assert.is(overallImpact([change('breaking'), change('cosmetic')]), 'breaking', 'order does not matter');
});

overall.run();

// ---

const sort = suite('sortByImpact');

sort('sorts by impact, then field name', () => {
  const out = sortByImpact([change('cosmetic', 'a'), change('breaking', 'z'), change('compatible', 'b'), change('breaking', 'c')]);
  assert.equal(summary(out), ['c:breaking', 'z:breaking', 'b:compatible', 'a:cosmetic']);
});

sort.run();
