import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeChanges, planDeployment, type Plan, type PlanSide } from '../../../server/deploy/plan.js';
import { validateWorkspace } from '../../../server/workspace/validate.js';
import { fakeSide, fakeWorkspace, type FakeWorkspace, type FakeWorkspaceOpts } from '../../util/fake-workspace.js';

const toml = (...lines: string[]) => lines.join('\n') + '\n';
/** An agent.toml with a schema error (description must be a string); it may still list tools. */
const brokenAgent = (name: string, tools: string[] = []) =>
  toml(`name = "${name}"`, 'description = 1', 'capabilities = ["c"]', `tools = ${JSON.stringify(tools)}`);
/** A tool whose plugin is not committed: invalid at the target. */
const toolWithoutWasm = { files: [] as string[] };

interface PlanArgs {
  current: FakeWorkspaceOpts | null;
  target: FakeWorkspaceOpts;
  partial?: boolean;
  currentSha?: string;
  toSha?: string;
}

/** Plans from `current` (deployed at sha-1) to `target` (at sha-2), validating the target as the deployer does. */
function plan({ current, target, partial = false, currentSha = 'sha-1', toSha = 'sha-2' }: PlanArgs): Plan & { ws: { current: FakeWorkspace | null; target: FakeWorkspace } } {
  const cur = current ? fakeWorkspace(current) : null;
  const tgt = fakeWorkspace(target);
  const p = planDeployment({
    ref: 'main',
    toSha,
    current: cur ? fakeSide(cur, currentSha) : null,
    target: fakeSide(tgt, toSha),
    validation: validateWorkspace(tgt),
    partial,
  });
  return Object.assign(p, { ws: { current: cur, target: tgt } });
}

/** name←source of each selected entity ("a←target"). */
const selected = (m: Plan['agents']) => [...m].map(([n, s]) => `${n}←${s.from}`).sort();
const held = (p: Plan) => p.heldBack.map((h) => `${h.kind}:${h.name}:${h.kept}`);
const names = (list: Array<{ kind: string; name: string }>) => list.map((c) => `${c.kind}:${c.name}`);

const V1 = { agents: { a: { tools: ['t'] }, b: {} }, tools: { t: {} } } satisfies FakeWorkspaceOpts;

// ---

const planning = suite('planDeployment');

planning('deploys everything on the first deployment', () => {
  const p = plan({ current: null, target: V1 });
  assert.is(p.outcome, 'succeeded');
  assert.is(p.fromSha, null);
  assert.is(p.toSha, 'sha-2');
  assert.is(p.ref, 'main');
  assert.equal(selected(p.agents), ['a←target', 'b←target']);
  assert.equal(selected(p.tools), ['t←target']);
  assert.equal(names(p.build), ['tool:t', 'agent:a', 'agent:b'], 'tools are built before the agents that use them');
  assert.equal(names(p.changes.added), ['agent:a', 'agent:b', 'tool:t']);
  assert.equal(p.errors, []);
  assert.equal(p.heldBack, []);
  assert.not.ok(p.noop);
});

planning('selects each entity by its target oid', () => {
  const p = plan({ current: null, target: V1 });
  assert.is(p.agents.get('a')!.oid, p.ws.target.agentOids.get('a'));
  assert.is(p.tools.get('t')!.oid, p.ws.target.toolOids.get('t'));
});

planning('fails atomically on any error', () => {
  const p = plan({ current: V1, target: { ...V1, agents: { a: { tools: ['t'] }, b: brokenAgent('b') } } });
  assert.is(p.outcome, 'failed');
  assert.is(p.agents.size, 0);
  assert.is(p.tools.size, 0);
  assert.equal(p.build, []);
  assert.equal(p.heldBack, []);
  assert.equal(p.errors.map((e) => [e.code, e.entity]), [['wrong-type', { kind: 'agent', name: 'b' }]]);
  assert.is(p.fromSha, 'sha-1');
  assert.equal(names(p.changes.modified), ['agent:b'], 'the changes it would have made are still described');
});

planning('fails atomically on any error :: a new invalid tool among valid changes', () => {
  const p = plan({ current: V1, target: { ...V1, agents: { ...V1.agents, c: {} }, tools: { t: {}, u: toolWithoutWasm } } });
  assert.is(p.outcome, 'failed');
  assert.equal(p.errors.map((e) => e.code), ['missing-file']);
  assert.is(p.agents.size, 0);
});

planning('deploys with warnings only', () => {
  const p = plan({ current: null, target: { ...V1, strays: ['agents/notes.toml'] } });
  assert.is(p.outcome, 'succeeded');
  assert.equal(p.errors, []);
  assert.equal(p.warnings.map((w) => w.code), ['stray-file']);
});

planning('holds back an invalid entity at its previous version with partial', () => {
  const p = plan({ current: V1, target: { ...V1, agents: { a: { tools: ['t'], description: 'edited' }, b: brokenAgent('b') } }, partial: true });
  assert.is(p.outcome, 'partial');
  assert.equal(selected(p.agents), ['a←target', 'b←current']);
  assert.is(p.agents.get('b')!.oid, p.ws.current!.agentOids.get('b'), 'the running version');
  assert.equal(p.heldBack.length, 1);
  const [h] = p.heldBack;
  assert.equal([h!.kind, h!.name, h!.kept, h!.keptSha], ['agent', 'b', 'previous', 'sha-1']);
  assert.equal(h!.issues.map((i) => i.code), ['wrong-type']);
  assert.equal(names(p.changes.modified), ['agent:a'], 'the held-back agent does not change');
  assert.equal(names(p.build), ['agent:a']);
  assert.equal(p.errors.map((e) => e.code), ['wrong-type'], 'errors still name the problem');
});

planning('holds back an invalid entity :: keptSha is the sha its running version came from', () => {
  const p = plan({ current: V1, currentSha: 'sha-0', target: { ...V1, agents: { a: { tools: ['t'] }, b: brokenAgent('b') } }, partial: true });
  assert.is(p.heldBack[0]!.keptSha, 'sha-0');
});

planning('leaves a new invalid entity out with partial', () => {
  const p = plan({ current: V1, target: { ...V1, agents: { ...V1.agents, c: brokenAgent('c') } }, partial: true });
  assert.is(p.outcome, 'partial');
  assert.equal(held(p), ['agent:c:none']);
  assert.is(p.heldBack[0]!.keptSha, null);
  assert.not.ok(p.agents.has('c'));
  assert.equal(names(p.changes.added), [], 'nothing is added');
  assert.equal(p.build, []);
});

planning('leaves a new invalid entity out :: missing manifest', () => {
  const p = plan({ current: null, target: { agents: { a: {}, empty: null } }, partial: true });
  assert.equal(held(p), ['agent:empty:none']);
  assert.equal(p.heldBack[0]!.issues.map((i) => i.code), ['missing-manifest']);
  assert.equal(selected(p.agents), ['a←target']);
});

planning('fails on caxton.toml errors even with partial', () => {
  const p = plan({ current: V1, target: { ...V1, config: toml('colour = "red"') }, partial: true });
  assert.is(p.outcome, 'failed');
  assert.is(p.agents.size, 0);
  assert.equal(p.heldBack, []);
  assert.equal(p.errors.map((e) => [e.code, e.file]), [['unknown-key', 'caxton.toml']]);
});

planning('names the caxton.toml settings that change, as describeChanges does :: [routing] added', () => {
  const p = plan({ current: { ...V1, config: toml('name = "ws"') }, target: { ...V1, config: toml('name = "ws"', '[routing]', 'max_hops = 3') } });
  assert.is(p.outcome, 'succeeded');
  assert.equal(p.changes.modified, [{
    kind: 'config', name: 'caxton.toml', impact: 'compatible',
    fields: [{ field: 'routing', impact: 'compatible', before: undefined, after: { max_hops: 3 }, note: 'settings changed' }],
  }]);
});

planning('holds back a new agent whose new tool is held back', () => {
  const p = plan({ current: null, target: { agents: { a: { tools: ['t'] }, b: {} }, tools: { t: toolWithoutWasm } }, partial: true });
  assert.is(p.outcome, 'partial');
  assert.equal(held(p), ['agent:a:none', 'tool:t:none']);
  const agent = p.heldBack[0]!;
  assert.equal(agent.issues.map((i) => [i.code, i.entity]), [['held-back-dependency', { kind: 'agent', name: 'a' }]]);
  assert.ok(agent.reason.includes('"t"'), 'the reason names the tool');
  assert.equal(selected(p.agents), ['b←target']);
  assert.is(p.tools.size, 0);
  assert.equal(names(p.build), ['agent:b']);
});

planning('holds back a changed agent whose new tool is held back :: keeps the version that runs', () => {
  const p = plan({
    current: { agents: { a: {} } },
    target: { agents: { a: { tools: ['t'] } }, tools: { t: toolWithoutWasm } },
    partial: true,
  });
  assert.equal(held(p), ['agent:a:previous', 'tool:t:none']);
  assert.is(p.heldBack[0]!.keptSha, 'sha-1');
  assert.equal(selected(p.agents), ['a←current']);
  assert.is(p.agents.get('a')!.oid, p.ws.current!.agentOids.get('a'));
  assert.equal(p.build, [], 'nothing new to build');
  assert.equal(names(p.changes.modified), []);
});

planning('holds back agents in a chain :: two agents on one held-back tool', () => {
  const p = plan({
    current: { agents: { a: {} } },
    target: { agents: { a: { tools: ['t'] }, b: { tools: ['t'] }, c: {} }, tools: { t: toolWithoutWasm } },
    partial: true,
  });
  assert.equal(held(p), ['agent:a:previous', 'agent:b:none', 'tool:t:none']);
  assert.equal(selected(p.agents), ['a←current', 'c←target']);
});

planning('keeps the tool a kept previous agent uses when the target removes it', () => {
  const p = plan({ current: V1, target: { agents: { a: brokenAgent('a', ['t']), b: {} } }, partial: true });
  assert.is(p.outcome, 'partial');
  assert.equal(held(p), ['agent:a:previous', 'tool:t:previous']);
  assert.equal(selected(p.agents), ['a←current', 'b←target']);
  assert.equal(selected(p.tools), ['t←current']);
  assert.is(p.tools.get('t')!.oid, p.ws.current!.toolOids.get('t'));
  const tool = p.heldBack[1]!;
  assert.is(tool.keptSha, 'sha-1');
  assert.ok(tool.reason.includes('"a"'), 'the reason names the agent that needs it');
  assert.equal(p.changes.removed, [], 'the tool keeps running');
});

planning('keeps a running tool when its new version is invalid :: agents use the running one', () => {
  const p = plan({ current: V1, target: { ...V1, tools: { t: { functions: ['run', 'run'] } } }, partial: true });
  assert.equal(held(p), ['tool:t:previous']);
  assert.equal(selected(p.tools), ['t←current']);
  assert.equal(selected(p.agents), ['a←target', 'b←target']);
  assert.equal(p.build, [], 'the agents did not change');
});

planning('sorts held-back entities by kind, then name', () => {
  const p = plan({
    current: null,
    target: { agents: { z: brokenAgent('z'), a: brokenAgent('a') }, tools: { y: toolWithoutWasm, b: toolWithoutWasm } },
    partial: true,
  });
  assert.equal(held(p), ['agent:a:none', 'agent:z:none', 'tool:b:none', 'tool:y:none']);
});

planning('removes what the target no longer has', () => {
  const p = plan({ current: V1, target: { agents: { b: {} } } });
  assert.is(p.outcome, 'succeeded');
  assert.equal(selected(p.agents), ['b←target']);
  assert.is(p.tools.size, 0);
  assert.equal(names(p.changes.removed), ['agent:a', 'tool:t']);
  assert.equal(p.build, []);
});

planning('is a noop for the deployed sha without changes', () => {
  const p = plan({ current: V1, target: V1, toSha: 'sha-1' });
  assert.ok(p.noop);
  assert.is(p.outcome, 'succeeded');
  assert.equal(p.build, []);
  assert.equal(selected(p.agents), ['a←target', 'b←target']);
});

planning('is no noop for a new sha, even without entity changes', () => {
  const p = plan({ current: V1, target: V1, toSha: 'sha-2' });
  assert.not.ok(p.noop);
  assert.equal(p.build, [], 'but nothing is rebuilt');
  assert.equal([p.changes.added, p.changes.modified, p.changes.removed], [[], [], []]);
});

planning('builds only new and changed entities', () => {
  const p = plan({
    current: { agents: { same: {}, edited: {} }, tools: { t: {}, u: {} } },
    target: { agents: { same: {}, edited: { description: 'new words' }, fresh: {} }, tools: { t: { wasm: 'v2' }, u: {} } },
  });
  assert.equal(names(p.build), ['tool:t', 'agent:edited', 'agent:fresh']);
  assert.equal(names(p.changes.modified), ['agent:edited', 'tool:t']);
  assert.equal(names(p.changes.added), ['agent:fresh']);
});

planning.run();

// ---

const describe = suite('describeChanges');

const side = (o: FakeWorkspaceOpts, sha = 'sha'): PlanSide => fakeSide(fakeWorkspace(o), sha);

describe('lists everything as added from nothing', () => {
  const c = describeChanges(null, side(V1));
  assert.equal(names(c.added), ['agent:a', 'agent:b', 'tool:t']);
  assert.equal([c.modified, c.removed], [[], []]);
});

describe('gives field diffs and their impact for a modified agent', () => {
  const c = describeChanges(side({ agents: { a: { capabilities: ['x', 'y'] } } }), side({ agents: { a: { capabilities: ['x'], description: 'new' } } }));
  assert.equal(c.modified.length, 1);
  const [m] = c.modified;
  assert.equal([m!.kind, m!.name, m!.impact], ['agent', 'a', 'breaking']);
  assert.equal(m!.fields!.map((f) => `${f.field}:${f.impact}`), ['capabilities:breaking', 'description:cosmetic']);
  assert.equal(m!.fields![0]!.removed, ['y']);
});

describe('gives field diffs for a modified tool :: plugin binary changed', () => {
  const c = describeChanges(side({ tools: { t: {} } }), side({ tools: { t: { wasm: 'rebuilt' } } }));
  const [m] = c.modified;
  assert.is(m!.impact, 'compatible');
  assert.equal(m!.fields!.map((f) => f.field), ['plugin']);
});

describe('gives field diffs for a modified tool :: a file beside tool.toml named (cosmetic), the plugin only as plugin', () => {
  const c = describeChanges(side({ tools: { t: {} } }), side({ tools: { t: { files: ['plugin.wasm', 'README.md'], wasm: 'rebuilt' } } }));
  const [m] = c.modified;
  assert.equal(m!.fields!.map((f) => [f.field, f.impact, f.file]), [['plugin', 'compatible', undefined], ['README.md', 'cosmetic', 'tools/t/README.md']]);
});

describe('gives no field diffs when a side has no valid spec', () => {
  const c = describeChanges(side({ agents: { a: {} } }), side({ agents: { a: brokenAgent('a') } }));
  assert.equal(c.modified, [{ kind: 'agent', name: 'a', impact: null, fields: [] }]);
});

describe('lists a caxton.toml change as kind config, first', () => {
  const added = describeChanges(side({ agents: { a: {} } }), side({ agents: { a: {}, b: {} }, config: toml('name = "ws"') }));
  assert.equal(names(added.added), ['config:caxton.toml', 'agent:b']);
  const edited = describeChanges(side({ config: toml('name = "one"') }), side({ config: toml('name = "two"') }));
  assert.equal(names(edited.modified), ['config:caxton.toml']);
  const removed = describeChanges(side({ config: toml('name = "one"') }), side({}));
  assert.equal(names(removed.removed), ['config:caxton.toml']);
});

describe('gives field diffs for caxton.toml by table: the settings inside that changed; an edit of comments alone has none', () => {
  const c = describeChanges(
    side({ config: toml('[routing]', 'strategy = "deterministic"', 'attempts = 3') }),
    side({ config: toml('# tuned', '[routing]', 'strategy = "round-robin"', 'attempts = 5', '[server]', 'port = 9000') }),
  );
  assert.equal(c.modified, [{
    kind: 'config', name: 'caxton.toml', impact: 'compatible', fields: [
      { field: 'routing', impact: 'compatible', before: { strategy: 'deterministic', attempts: 3 }, after: { strategy: 'round-robin', attempts: 5 }, note: 'settings changed' },
      { field: 'server', impact: 'compatible', before: undefined, after: { port: 9000 }, note: 'settings changed' },
    ],
  }]);
  const comments = describeChanges(side({ config: toml('name = "ws"') }), side({ config: toml('# a note', 'name = "ws"') }));
  assert.equal(comments.modified, [{ kind: 'config', name: 'caxton.toml' }]);
});

describe('lists a caxton.toml change :: first deployment with caxton.toml', () => {
  assert.equal(names(describeChanges(null, side({ config: toml('name = "ws"') })).added), ['config:caxton.toml']);
});

describe('lists no config change for the same caxton.toml', () => {
  const c = describeChanges(side({ config: toml('name = "ws"') }), side({ config: toml('name = "ws"') }));
  assert.equal([c.added, c.modified, c.removed], [[], [], []]);
});

describe.run();
