import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { Deployer } from '../../../server/deploy/deployer.js';
import { StateStore } from '../../../server/deploy/state-store.js';
import { basicFactory } from '../../../server/deploy/basic-factory.js';
import { runtimeFactory } from '../../../server/agents/factory.js';
import { llmAgentFactory } from '../../../server/agents/llm-factory.js';
import { loadWorkingTree } from '../../../server/workspace/load.js';
import { validateWorkspace } from '../../../server/workspace/validate.js';
import type { RuntimeFactory } from '../../../server/deploy/runtime-factory.js';
import type { DeploymentRecord } from '../../../server/deploy/record.js';
import { EventLog } from '../../../server/events/log.js';
import { successfulDeployments, listDeployments } from '../../../server/events/deployment-queries.js';
import { GitRepo } from '../../../server/git/repo.js';
import { CaxtonError } from '../../../server/errors.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { tmpDir, rm } from '../../util/tmp.js';
import { agentFiles, manyAgents, toolFiles } from '../../util/workspace.js';
import { BROKEN_WASM } from '../../util/wasm.js';

interface Ctx {
  repo: TestRepo;
  data: string;
  log: EventLog;
  deployer: Deployer;
}

async function setup(files: Parameters<typeof makeRepo>[0], factory: RuntimeFactory = basicFactory): Promise<Ctx> {
  const repo = makeRepo(files);
  const data = tmpDir('caxton-data-');
  const log = await EventLog.open({ file: path.join(data, 'events.duckdb') });
  const deployer = newDeployer(repo, data, log, factory);
  return { repo, data, log, deployer };
}

function newDeployer(repo: TestRepo, data: string, log: EventLog, factory: RuntimeFactory = basicFactory): Deployer {
  return new Deployer({
    repo: new GitRepo(repo.dir),
    events: log,
    state: new StateStore(data),
    factory,
    logger: pino({ level: 'silent' }),
    successfulDeployments: () => successfulDeployments(log),
  });
}

async function teardown(c: Ctx): Promise<void> {
  await c.log.close();
  c.repo.remove();
  rm(c.data);
}

const deploy = (d: Deployer, ref = 'HEAD', extra: { partial?: boolean } = {}) =>
  d.deploy({ ref, trigger: 'api', ...extra }) as Promise<DeploymentRecord>;

// ---

const Atomic = suite('Deployer.deploy :: atomic');

Atomic('a 10-agent change deploys as one deployment', async () => {
  const c = await setup(agentFiles('seed'));
  try {
    const first = await deploy(c.deployer);
    assert.is(first.status, 'succeeded');
    const sha = c.repo.commit(manyAgents(10));
    const r = await deploy(c.deployer);
    assert.is(r.status, 'succeeded');
    assert.is(r.toSha, sha);
    assert.is(r.changes.added.length, 10);
    assert.is(c.deployer.snapshot!.sha, sha);
    assert.is(c.deployer.snapshot!.agents.size, 11);
    const history = await listDeployments(c.log);
    assert.is(history.length, 2, 'one record per deployment');
  } finally {
    await teardown(c);
  }
});

Atomic('one broken agent in a change leaves everything as it was', async () => {
  const c = await setup({ ...agentFiles('alpha'), ...agentFiles('beta') });
  try {
    const good = await deploy(c.deployer);
    const before = c.deployer.snapshot!;
    c.repo.commit({
      ...agentFiles('alpha', { description: 'changed' }),
      ...manyAgents(3, 'new'),
      'agents/beta/agent.toml': 'name = "beta"\ncapabilites = ["x"]\n',
    });
    const r = await deploy(c.deployer);
    assert.is(r.status, 'failed');
    assert.ok(r.errors.some((e) => e.code === 'unknown-key' && e.file === 'agents/beta/agent.toml'));
    assert.is(c.deployer.snapshot, before, 'the same snapshot object keeps serving');
    assert.is(c.deployer.snapshot!.sha, good.toSha);
    const state = JSON.parse(fs.readFileSync(path.join(c.data, 'deployment.json'), 'utf8'));
    assert.is(state.deployedSha, good.toSha, 'the durable state is unchanged');
    assert.is(state.lastDeployment.status, 'failed');
  } finally {
    await teardown(c);
  }
});

Atomic('a tool that fails to build mid-deploy (its plugin valid, its sandbox not starting) changes nothing', async () => {
  // what validation cannot see: the sandbox's workers failing to start the plugin
  const notStarting = runtimeFactory({
    async createTool(args) {
      if (args.name === 'bad-tool') throw new CaxtonError('CAX_TOOL_INVALID', { name: args.name, detail: 'the plugin does not start: simulated' });
      return basicFactory.createTool(args);
    },
  });
  const c = await setup({ ...toolFiles('good-tool'), ...agentFiles('a', { tools: ['good-tool'] }) }, notStarting);
  try {
    const good = await deploy(c.deployer);
    const before = c.deployer.snapshot!;
    c.repo.commit({ ...agentFiles('b'), ...toolFiles('bad-tool') });
    const r = await deploy(c.deployer);
    assert.is(r.status, 'failed');
    assert.is(r.errors[0]?.code, 'CAX_TOOL_INVALID');
    assert.is(c.deployer.snapshot, before);
    assert.is(c.deployer.snapshot!.sha, good.toSha);
  } finally {
    await teardown(c);
  }
});

Atomic('a failure after the swap restores the previous snapshot (rolled_back)', async () => {
  const c = await setup(agentFiles('a'));
  try {
    await deploy(c.deployer);
    const before = c.deployer.snapshot!;
    let calls = 0;
    const d2 = new Deployer({
      repo: new GitRepo(c.repo.dir),
      events: c.log,
      state: new StateStore(c.data),
      factory: basicFactory,
      logger: pino({ level: 'silent' }),
      successfulDeployments: () => successfulDeployments(c.log),
      onSwap: () => {
        calls++;
        if (calls === 2) throw new Error('router rebuild failed');
      },
    });
    const first = await deploy(d2);
    assert.is(first.status, 'succeeded');
    const kept = d2.snapshot!;
    c.repo.commit(agentFiles('b'));
    const r = await deploy(d2);
    assert.is(r.status, 'rolled_back');
    assert.is(d2.snapshot, kept);
    assert.ok(before);
  } finally {
    await teardown(c);
  }
});

Atomic.run();

// ---

const Live = suite('Deployer.deploy :: live instances');

Live('unchanged agents and tools keep their live instances', async () => {
  const c = await setup({ ...agentFiles('keep'), ...agentFiles('change'), ...toolFiles('t') });
  try {
    await deploy(c.deployer);
    const s1 = c.deployer.snapshot!;
    c.repo.commit(agentFiles('change', { description: 'new text' }));
    const r = await deploy(c.deployer);
    const s2 = c.deployer.snapshot!;
    assert.is(s2.agents.get('keep'), s1.agents.get('keep'));
    assert.is(s2.tools.get('t'), s1.tools.get('t'));
    assert.is.not(s2.agents.get('change'), s1.agents.get('change'));
    assert.equal(r.changes.modified.map((m) => m.name), ['change']);
    assert.is(r.changes.modified[0]!.impact, 'cosmetic');
  } finally {
    await teardown(c);
  }
});

Live('a redeploy of the deployed SHA is a recorded no-op', async () => {
  const c = await setup(agentFiles('a'));
  try {
    const first = await deploy(c.deployer);
    const s1 = c.deployer.snapshot;
    const again = await deploy(c.deployer, first.toSha);
    assert.is(again.status, 'succeeded');
    assert.ok(again.noop);
    assert.is(c.deployer.snapshot, s1);
    assert.is((await listDeployments(c.log)).length, 2);
  } finally {
    await teardown(c);
  }
});

Live.run();

// ---

const Lock = suite('Deployer.deploy :: one at a time');

Lock('a second deployment while one runs is refused with the running id', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: RuntimeFactory = { ...basicFactory, createAgent: async ({ name }) => { await gate; return { name }; } };
  const c = await setup(agentFiles('a'), slow);
  try {
    const first = deploy(c.deployer);
    await new Promise((r) => setTimeout(r, 20));
    const running = c.deployer.running!;
    assert.ok(running);
    try {
      await deploy(c.deployer);
      assert.unreachable('second deployment should be refused');
    } catch (err) {
      assert.instance(err, CaxtonError);
      assert.is((err as CaxtonError).code, 'CAX_DEPLOY_BUSY');
      assert.is((err as CaxtonError).details.runningId, running.id);
    }
    release();
    assert.is((await first).id, running.id);
    assert.is(c.deployer.running, null);
  } finally {
    await teardown(c);
  }
});

Lock.run();

// ---

const Partial = suite('Deployer.deploy :: partial');

Partial('deploys the valid part and holds back the invalid agent at its previous version', async () => {
  const c = await setup({ ...agentFiles('ok'), ...agentFiles('shaky') });
  try {
    const first = await deploy(c.deployer);
    c.repo.commit({
      ...agentFiles('ok', { capabilities: ['ok', 'more'] }),
      ...agentFiles('fresh'),
      ...{ 'agents/shaky/agent.toml': 'name = "shaky"\ndescription = 3\ncapabilities = ["shaky"]\n' },
      ...{ 'agents/newbad/agent.toml': 'name = "newbad"\n' },
    });
    const r = await deploy(c.deployer, 'HEAD', { partial: true });
    assert.is(r.status, 'partial');
    const held = Object.fromEntries(r.heldBack.map((h) => [h.name, h]));
    assert.is(held.shaky?.kept, 'previous');
    assert.is(held.shaky?.keptSha, first.toSha);
    assert.is(held.newbad?.kept, 'none');
    const s = c.deployer.snapshot!;
    assert.is(s.agents.get('shaky')!.sha, first.toSha);
    assert.ok(s.agents.has('fresh'));
    assert.not.ok(s.agents.has('newbad'));
    assert.equal(s.agents.get('ok')!.spec.capabilities, ['ok', 'more']);
  } finally {
    await teardown(c);
  }
});

Partial('a tool whose plugin cannot start is invalid at the target: atomic, the deployment fails naming it; --partial keeps its running version and deploys the rest', async () => {
  const c = await setup({ ...toolFiles('charts'), ...agentFiles('painter', { tools: ['charts'] }), ...agentFiles('ok') });
  try {
    const first = await deploy(c.deployer);
    c.repo.commit({
      ...toolFiles('charts', ['run'], BROKEN_WASM),
      ...agentFiles('painter', { tools: ['charts'], description: 'paints more' }),
      ...agentFiles('ok', { capabilities: ['ok', 'more'] }),
    });
    const atomic = await deploy(c.deployer);
    assert.is(atomic.status, 'failed');
    assert.equal(atomic.errors.map((e) => [e.code, e.file]), [['invalid-plugin', 'tools/charts/tool.toml']]);
    assert.match(atomic.errors[0]!.message, /tools\/charts\/plugin\.wasm is not a WebAssembly module Caxton can run/);
    assert.is(c.deployer.snapshot!.sha, first.toSha);

    const r = await deploy(c.deployer, 'HEAD', { partial: true });
    assert.is(r.status, 'partial');
    assert.equal(r.heldBack.map((h) => [h.kind, h.name, h.kept, h.issues.map((i) => i.code)]), [['tool', 'charts', 'previous', ['invalid-plugin']]]);
    const s = c.deployer.snapshot!;
    assert.is(s.tools.get('charts')!.sha, first.toSha);
    assert.is(s.agents.get('painter')!.spec.description, 'paints more', 'the agent moves on, with the tool\'s running version');
    assert.equal(s.agents.get('ok')!.spec.capabilities, ['ok', 'more']);
  } finally {
    await teardown(c);
  }
});

Partial('an agent whose recording is missing from the commit :: refused at validation as `caxton validate` reports it, so --partial holds it back and deploys the rest', async () => {
  const replayed = 'name = "r"\ndescription = "Replays"\ncapabilities = ["r"]\nruntime = "llm"\n[llm]\nprovider = "replay"\nmodel = "m"\n';
  const repo = makeRepo({ ...agentFiles('ok'), 'agents/r/agent.toml': replayed });
  const factory = runtimeFactory({ createTool: basicFactory.createTool, createLlmAgent: llmAgentFactory({ repo: new GitRepo(repo.dir) }) });
  const data = tmpDir('caxton-data-');
  const log = await EventLog.open({ file: path.join(data, 'events.duckdb') });
  const c: Ctx = { repo, data, log, deployer: newDeployer(repo, data, log, factory) };
  try {
    const validated = validateWorkspace(loadWorkingTree(repo.dir).parts).issues;
    assert.equal(validated.map((i) => [i.code, i.file, i.line, i.column]), [['missing-file', 'agents/r/agent.toml', 6, 12]]);
    const atomic = await deploy(c.deployer);
    assert.is(atomic.status, 'failed');
    assert.equal(atomic.errors, validated, 'the same issue as caxton validate, not a build failure');
    const r = await deploy(c.deployer, 'HEAD', { partial: true });
    assert.is(r.status, 'partial');
    assert.equal(r.heldBack.map((h) => [h.name, h.kept, h.issues.map((i) => i.code)]), [['r', 'none', ['missing-file']]]);
    assert.ok(c.deployer.snapshot!.agents.has('ok'));
    repo.commit({ 'agents/r/replay.json': JSON.stringify({ version: 1, generatedBy: 'test', model: 'm', exchanges: [] }) });
    assert.is((await deploy(c.deployer)).status, 'succeeded');
    assert.is(c.deployer.snapshot!.agents.get('r')!.instance.name, 'r');
  } finally {
    await teardown(c);
  }
});

Partial('an agent whose only change is a file beside agent.toml :: the record names the file (its recording: compatible; a README: cosmetic), the plan too', async () => {
  const replayed = 'name = "r"\ndescription = "Replays"\ncapabilities = ["r"]\nruntime = "llm"\n[llm]\nprovider = "replay"\nmodel = "m"\n';
  const cassette = (model: string) => JSON.stringify({ version: 1, generatedBy: 'test', model, exchanges: [] });
  const repo = makeRepo({ 'agents/r/agent.toml': replayed, 'agents/r/replay.json': cassette('m') });
  const factory = runtimeFactory({ createTool: basicFactory.createTool, createLlmAgent: llmAgentFactory({ repo: new GitRepo(repo.dir) }) });
  const data = tmpDir('caxton-data-');
  const log = await EventLog.open({ file: path.join(data, 'events.duckdb') });
  const c: Ctx = { repo, data, log, deployer: newDeployer(repo, data, log, factory) };
  try {
    assert.is((await deploy(c.deployer)).status, 'succeeded');
    const before = repo.git('rev-parse', 'HEAD:agents/r/replay.json');
    repo.commit({ 'agents/r/replay.json': cassette('m2'), 'agents/r/README.md': 'notes' });
    const after = repo.git('rev-parse', 'HEAD:agents/r/replay.json');
    const expected = [{
      kind: 'agent', name: 'r', impact: 'compatible', fields: [
        { field: 'replay.json', impact: 'compatible', before, after, note: 'the recording the agent plays back: its answers change', file: 'agents/r/replay.json' },
        { field: 'README.md', impact: 'cosmetic', after: repo.git('rev-parse', 'HEAD:agents/r/README.md'), note: 'not read by Caxton', file: 'agents/r/README.md' },
      ],
    }];
    const plan = await c.deployer.deploy({ ref: 'HEAD', trigger: 'api', dryRun: true });
    assert.equal(plan.changes.modified, expected);
    const r = await deploy(c.deployer);
    assert.is(r.status, 'succeeded');
    assert.equal(r.changes.modified, expected);
  } finally {
    await teardown(c);
  }
});

Partial.run();

// ---

const Restore = suite('Deployer.restore');

Restore('a new deployer on the same data serves the last successful deployment', async () => {
  const c = await setup(agentFiles('a'));
  try {
    const good = await deploy(c.deployer);
    c.repo.commit({ 'agents/a/agent.toml': 'broken = [' });
    assert.is((await deploy(c.deployer)).status, 'failed');
    const deployedAt = c.deployer.snapshot!.deployedAt;
    await new Promise((r) => setTimeout(r, 5));
    const fresh = newDeployer(c.repo, c.data, c.log);
    const r = await fresh.restore();
    assert.is(r?.trigger, 'startup');
    assert.is(fresh.snapshot!.sha, good.toSha);
    assert.ok(fresh.snapshot!.agents.has('a'));
    assert.is(fresh.snapshot!.deployedAt, deployedAt, 'served again, not deployed anew: status keeps when it was deployed');
  } finally {
    await teardown(c);
  }
});

Restore('a partial deployment comes back partial: the same versions, the same held back', async () => {
  const c = await setup({ ...agentFiles('ok'), ...agentFiles('shaky') });
  try {
    const first = await deploy(c.deployer);
    c.repo.commit({ ...agentFiles('ok', { description: 'v2' }), 'agents/shaky/agent.toml': 'name = "shaky"\ndescription = 3\ncapabilities = ["shaky"]\n' });
    const partial = await deploy(c.deployer, 'HEAD', { partial: true });
    assert.is(partial.status, 'partial');
    const fresh = newDeployer(c.repo, c.data, c.log);
    const r = await fresh.restore();
    assert.is(r?.status, 'partial');
    assert.equal(r?.heldBack.map((h) => [h.name, h.kept, h.keptSha]), [['shaky', 'previous', first.toSha]]);
    const s = fresh.snapshot!;
    assert.equal(s.heldBack.map((h) => h.name), ['shaky']);
    assert.is(s.agents.get('shaky')!.sha, first.toSha, 'the kept version names its own commit');
    assert.is(s.agents.get('ok')!.sha, partial.toSha);
    assert.is(s.agents.get('ok')!.spec.description, 'v2');
  } finally {
    await teardown(c);
  }
});

Restore('rollback deploys the previous successful SHA', async () => {
  const c = await setup(agentFiles('a'));
  try {
    const one = await deploy(c.deployer);
    c.repo.commit(agentFiles('b'));
    const two = await deploy(c.deployer);
    assert.is.not(one.toSha, two.toSha);
    const back = await c.deployer.rollback();
    assert.is(back.trigger, 'rollback');
    assert.is(back.toSha, one.toSha);
    assert.is(c.deployer.snapshot!.sha, one.toSha);
    assert.not.ok(c.deployer.snapshot!.agents.has('b'));
  } finally {
    await teardown(c);
  }
});

Restore('rollback to a commit that deployed partially goes back to it partially', async () => {
  const c = await setup({ ...agentFiles('ok'), ...agentFiles('shaky') });
  try {
    await deploy(c.deployer);
    c.repo.commit({ ...agentFiles('ok', { description: 'v2' }), 'agents/shaky/agent.toml': 'name = "shaky"\ncapabilities = ["shaky"]\n' });
    const partial = await deploy(c.deployer, 'HEAD', { partial: true });
    assert.is(partial.status, 'partial');
    c.repo.commit({ 'agents/shaky/agent.toml': null });
    const third = await deploy(c.deployer);
    assert.is(third.status, 'succeeded');
    const back = await c.deployer.rollback();
    assert.is(back.toSha, partial.toSha);
    assert.is(back.status, 'partial', 'not failed: the invalid agent is held back again');
    assert.equal(back.heldBack.map((h) => h.name), ['shaky']);
  } finally {
    await teardown(c);
  }
});

Restore.run();
