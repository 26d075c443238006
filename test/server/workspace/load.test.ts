import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GitRepo, type TreeEntry } from '../../../server/git/repo.js';
import { readWorkspaceIndex } from '../../../server/git/tree-index.js';
import { EntityCache, loadWorkingTree } from '../../../server/workspace/load.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { agentFiles, agentToml, toolFiles } from '../../util/workspace.js';

/** A GitRepo that counts object reads (listFiles reads through readTree) and can fail once. */
class CountingRepo extends GitRepo {
  trees: string[] = [];
  blobs: string[] = [];
  failNextTree = false;
  override async readTree(oid: string): Promise<TreeEntry[]> {
    this.trees.push(oid);
    if (this.failNextTree) {
      this.failNextTree = false;
      throw new Error('simulated read failure');
    }
    return super.readTree(oid);
  }
  override async readBlob(oid: string): Promise<Uint8Array> {
    this.blobs.push(oid);
    return super.readBlob(oid);
  }
  reset(): void {
    this.trees = [];
    this.blobs = [];
  }
}

const WORKSPACE = {
  'caxton.toml': 'name = "demo"\n',
  ...agentFiles('alpha', { capabilities: ['summarize'] }),
  ...agentFiles('beta', { tools: ['chart'] }),
  ...agentFiles('gamma'),
  ...toolFiles('chart', ['render']),
  'tools/chart/README.md': 'docs inside the tool folder\n',
};

// ---

const Load = suite<{ repo: TestRepo }>('EntityCache.load');

Load.before((ctx) => {
  ctx.repo = makeRepo(WORKSPACE);
});
Load.after((ctx) => ctx.repo.remove());

Load('parses every agent, tool and the config of an index', async ({ repo }) => {
  const git = new GitRepo(repo.dir);
  const index = await readWorkspaceIndex(git, repo.head());
  const ws = await new EntityCache(git).load(index);
  assert.is(ws.sha, repo.head());
  assert.equal([...ws.agents.keys()].sort(), ['alpha', 'beta', 'gamma']);
  const alpha = ws.agents.get('alpha')!;
  assert.is(alpha.oid, index.agents.get('alpha'));
  assert.is(alpha.parsed!.value!.name, 'alpha');
  assert.equal(alpha.parsed!.value!.capabilities, ['summarize']);
  assert.is(alpha.parsed!.path, 'agents/alpha/agent.toml');
  assert.equal(ws.agents.get('beta')!.parsed!.value!.tools, ['chart']);

  const chart = ws.tools.get('chart')!;
  assert.is(chart.parsed!.value!.name, 'chart');
  assert.equal(chart.parsed!.value!.functions.map((f) => f.name), ['render']);
  assert.equal([...chart.files.keys()].sort(), ['README.md', 'plugin.wasm', 'tool.toml']);
  assert.is(chart.files.get('plugin.wasm'), repo.git('rev-parse', 'HEAD:tools/chart/plugin.wasm'));

  assert.is(ws.configOid, index.config);
  assert.is(ws.config!.value!.name, 'demo');
  assert.equal(ws.parts.agents.map((a) => a.folder).sort(), ['alpha', 'beta', 'gamma']);
  assert.equal([...ws.parts.tools[0]!.files].sort(), ['README.md', 'plugin.wasm', 'tool.toml']);
});

Load('reads one tree and one manifest per entity, and a tool\'s plugin to check it can start', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const index = await readWorkspaceIndex(git, repo.head());
  git.reset();
  const ws = await new EntityCache(git).load(index);
  const wasm = repo.git('rev-parse', 'HEAD:tools/chart/plugin.wasm');
  assert.ok(git.blobs.includes(wasm));
  assert.equal(ws.tools.get('chart')!.plugin, { ok: true, exports: ['render'], otherExports: {}, unsupportedImports: [], initialPages: 0 });
  // 3 agent manifests + 1 tool manifest + its plugin + caxton.toml
  assert.is(git.blobs.length, 6);
  assert.is(git.trees.length, 4, 'one tree per entity folder');
});

Load('a second index where one agent changed reads only that agent', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git);
  const first = await cache.load(await readWorkspaceIndex(git, repo.head()));
  repo.commit(agentFiles('beta', { tools: ['chart'], description: 'now with a new description' }), 'edit beta');
  const index = await readWorkspaceIndex(git, repo.head());
  git.reset();
  const second = await cache.load(index);
  assert.equal(git.trees, [index.agents.get('beta')]);
  assert.equal(git.blobs, [repo.git('rev-parse', 'HEAD:agents/beta/agent.toml')]);
  assert.is(second.agents.get('beta')!.parsed!.value!.description, 'now with a new description');
  assert.is(second.agents.get('alpha'), first.agents.get('alpha'), 'an unchanged folder is the same parsed object');
  assert.is(second.tools.get('chart'), first.tools.get('chart'));
  assert.is(second.config, first.config);
  assert.is(second.sha, repo.head());
  repo.git('reset', '--quiet', '--hard', 'HEAD~1');
});

Load('loading the same index again reads nothing', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git);
  const index = await readWorkspaceIndex(git, repo.head());
  await cache.load(index);
  git.reset();
  await cache.load(index);
  assert.equal(git.trees, []);
  assert.equal(git.blobs, []);
});

Load('a folder reverted to an earlier content reads nothing (the tree id is the key)', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git);
  await cache.load(await readWorkspaceIndex(git, repo.head()));
  repo.commit(agentFiles('gamma', { description: 'temporary' }), 'change gamma');
  await cache.load(await readWorkspaceIndex(git, repo.head()));
  repo.commit(agentFiles('gamma'), 'revert gamma');
  const index = await readWorkspaceIndex(git, repo.head());
  git.reset();
  await cache.load(index);
  assert.equal(git.trees, []);
  assert.equal(git.blobs, []);
  repo.git('reset', '--quiet', '--hard', 'HEAD~2');
});

Load('two loads of one index at once read each folder once', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git);
  const index = await readWorkspaceIndex(git, repo.head());
  git.reset();
  const [a, b] = await Promise.all([cache.load(index), cache.load(index)]);
  assert.is(a.agents.get('alpha'), b.agents.get('alpha'));
  assert.is(git.trees.length, 4);
  assert.is(git.blobs.length, 6);
});

Load('a read that failed is not remembered', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git);
  const index = await readWorkspaceIndex(git, repo.head());
  git.failNextTree = true;
  try {
    await cache.load(index);
    assert.unreachable('the first load should fail');
  } catch (err) {
    assert.match((err as Error).message, 'simulated');
  }
  const ws = await cache.load(index);
  assert.is(ws.agents.size, 3);
  assert.ok([...ws.agents.values()].every((a) => a.parsed?.value));
});

Load('a small cache that fills up still loads correctly', async ({ repo }) => {
  const git = new CountingRepo(repo.dir);
  const cache = new EntityCache(git, 2);
  const index = await readWorkspaceIndex(git, repo.head());
  const first = await cache.load(index);
  const second = await cache.load(index);
  assert.equal([...second.agents.keys()].sort(), [...first.agents.keys()].sort());
  assert.ok([...second.agents.values()].every((a) => a.parsed?.value));
});

Load.run();

// ---

const Broken = suite('EntityCache.load :: incomplete folders');

Broken('a folder without its manifest loads with parsed null', async () => {
  const repo = makeRepo({ 'agents/nothing/notes.md': 'x\n', 'tools/bare/plugin.wasm': 'x' });
  try {
    const git = new GitRepo(repo.dir);
    const ws = await new EntityCache(git).load(await readWorkspaceIndex(git, repo.head()));
    assert.is(ws.agents.get('nothing')!.parsed, null);
    assert.equal([...ws.agents.get('nothing')!.files.keys()], ['notes.md'], 'without a manifest, what the folder holds');
    assert.equal(ws.parts.agents[0]!.files, ['notes.md']);
    assert.equal([...loadWorkingTree(repo.dir).agents.get('nothing')!.files.keys()], ['notes.md']);
    assert.is(ws.tools.get('bare')!.parsed, null);
    assert.equal([...ws.tools.get('bare')!.files.keys()], ['plugin.wasm']);
    assert.is(ws.config, null);
    assert.is(ws.configOid, null);
  } finally {
    repo.remove();
  }
});

Broken('a root folder named like agents/ or tools/ (agent/, Tools/) is listed among the strays, at a commit and on disk; other folders are not', async () => {
  const files = { ...agentFiles('real'), 'agent/baz/agent.toml': agentToml('baz'), 'Tools/t/tool.toml': 'x\n', 'tools-src/t/index.ts': 'x\n', 'docs/a.md': 'x\n', 'agnets/q/agent.toml': 'x\n' };
  const repo = makeRepo(files);
  try {
    const git = new GitRepo(repo.dir);
    const ws = await new EntityCache(git).load(await readWorkspaceIndex(git, repo.head()));
    assert.equal(ws.parts.strays, ['Tools/', 'agent/', 'agnets/']);
    assert.equal(loadWorkingTree(repo.dir).parts.strays!.slice().sort(), ['Tools/', 'agent/', 'agnets/']);
    assert.equal([...ws.agents.keys()], ['real']);
  } finally {
    repo.remove();
  }
});

Broken('a manifest that is not TOML loads with issues and no value', async () => {
  const repo = makeRepo({ 'agents/bad/agent.toml': 'name = "bad"\ncapabilities = [\n' });
  try {
    const git = new GitRepo(repo.dir);
    const ws = await new EntityCache(git).load(await readWorkspaceIndex(git, repo.head()));
    const bad = ws.agents.get('bad')!.parsed!;
    assert.is(bad.value, null);
    assert.ok(bad.issues.length > 0);
    assert.is(bad.issues[0]!.file, 'agents/bad/agent.toml');
  } finally {
    repo.remove();
  }
});

Broken.run();

// ---

const Disk = suite<{ repo: TestRepo }>('loadWorkingTree');

Disk.before((ctx) => {
  ctx.repo = makeRepo(WORKSPACE);
});
Disk.after((ctx) => ctx.repo.remove());

Disk('reads uncommitted edits, new folders and deletions from disk', ({ repo }) => {
  repo.write({
    ...agentFiles('alpha', { capabilities: ['summarize', 'translate'] }),
    ...agentFiles('delta'),
    'agents/gamma': null,
    'tools/chart/tool.toml': null,
    'agents/stray.txt': 'stray\n',
    'caxton.toml': 'name = "edited"\n',
  });
  const ws = loadWorkingTree(repo.dir);
  assert.is(ws.sha, '');
  assert.equal([...ws.agents.keys()].sort(), ['alpha', 'beta', 'delta']);
  assert.equal(ws.agents.get('alpha')!.parsed!.value!.capabilities, ['summarize', 'translate']);
  assert.is(ws.agents.get('delta')!.parsed!.value!.name, 'delta');
  assert.is(ws.tools.get('chart')!.parsed, null, 'the deleted manifest is missing, not stale');
  assert.equal([...ws.tools.get('chart')!.files.keys()].sort(), ['README.md', 'plugin.wasm']);
  assert.is(ws.config!.value!.name, 'edited');
  assert.equal(ws.parts.strays, ['agents/stray.txt']);
  assert.equal(ws.parts.agents.map((a) => a.folder).sort(), ['alpha', 'beta', 'delta']);
});

Disk('skips dot-folders and dotfiles', ({ repo }) => {
  repo.write({ 'agents/.hidden/agent.toml': agentToml('hidden'), 'agents/.DS_Store': 'x' });
  const ws = loadWorkingTree(repo.dir);
  assert.not.ok(ws.agents.has('.hidden'));
  assert.not.ok(ws.parts.strays!.includes('agents/.DS_Store'));
});

Disk('a folder without agents/ or tools/ is an empty workspace', () => {
  const repo = makeRepo({ 'README.md': 'x\n' });
  try {
    const ws = loadWorkingTree(repo.dir);
    assert.is(ws.agents.size, 0);
    assert.is(ws.tools.size, 0);
    assert.is(ws.config, null);
  } finally {
    repo.remove();
  }
});

Disk.run();
