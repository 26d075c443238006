import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GitRepo, type TreeEntry } from '../../../server/git/repo.js';
import { readWorkspaceIndex } from '../../../server/git/tree-index.js';
import { makeRepo, type Files, type TestRepo } from '../../util/repo.js';
import { agentFiles, toolFiles } from '../../util/workspace.js';

/** A GitRepo that counts the object reads made through it. */
class CountingRepo extends GitRepo {
  reads = { commitTree: 0, readTree: 0, readBlob: 0 };
  override async commitTree(sha: string): Promise<string> {
    this.reads.commitTree++;
    return super.commitTree(sha);
  }
  override async readTree(oid: string): Promise<TreeEntry[]> {
    this.reads.readTree++;
    return super.readTree(oid);
  }
  override async readBlob(oid: string): Promise<Uint8Array> {
    this.reads.readBlob++;
    return super.readBlob(oid);
  }
  get total(): number {
    return this.reads.commitTree + this.reads.readTree + this.reads.readBlob;
  }
}

// ---

const Index = suite<{ repo: TestRepo }>('readWorkspaceIndex');

Index.before((ctx) => {
  ctx.repo = makeRepo({
    'caxton.toml': 'name = "demo"\n',
    ...agentFiles('alpha'),
    ...agentFiles('beta'),
    ...toolFiles('chart'),
    'agents/README.md': 'stray file\n',
    'agents/.gitkeep': '',
    'tools/notes.txt': 'another stray\n',
    'README.md': 'root files are not strays\n',
  });
});
Index.after((ctx) => ctx.repo.remove());

Index('gives the tree id of each agent and tool folder', async ({ repo }) => {
  const sha = repo.head();
  const index = await readWorkspaceIndex(new GitRepo(repo.dir), sha);
  assert.is(index.sha, sha);
  assert.equal([...index.agents.keys()].sort(), ['alpha', 'beta']);
  assert.equal([...index.tools.keys()], ['chart']);
  assert.is(index.agents.get('alpha'), repo.git('rev-parse', `${sha}:agents/alpha`));
  assert.is(index.agents.get('beta'), repo.git('rev-parse', `${sha}:agents/beta`));
  assert.is(index.tools.get('chart'), repo.git('rev-parse', `${sha}:tools/chart`));
});

Index('gives the blob id of caxton.toml', async ({ repo }) => {
  const index = await readWorkspaceIndex(new GitRepo(repo.dir), repo.head());
  assert.is(index.config, repo.git('rev-parse', 'HEAD:caxton.toml'));
});

Index('lists files directly under agents/ and tools/ as strays, sorted, dotfiles aside', async ({ repo }) => {
  const index = await readWorkspaceIndex(new GitRepo(repo.dir), repo.head());
  assert.equal(index.strays, ['agents/README.md', 'tools/notes.txt']);
});

Index('a folder id changes only when something in it changes', async ({ repo }) => {
  const git = new GitRepo(repo.dir);
  const before = await readWorkspaceIndex(git, repo.head());
  repo.commit(agentFiles('beta', { description: 'changed' }));
  const after = await readWorkspaceIndex(git, repo.head());
  assert.is(after.agents.get('alpha'), before.agents.get('alpha'));
  assert.is(after.tools.get('chart'), before.tools.get('chart'));
  assert.is(after.config, before.config);
  assert.is.not(after.agents.get('beta'), before.agents.get('beta'));
});

Index.run();

// ---

const Shapes = suite('readWorkspaceIndex :: unusual layouts');

async function indexOf(files: Files) {
  const repo = makeRepo(files);
  try {
    return await readWorkspaceIndex(new GitRepo(repo.dir), repo.head());
  } finally {
    repo.remove();
  }
}

Shapes('a repository without agents/, tools/ or caxton.toml is an empty index', async () => {
  const index = await indexOf({ 'README.md': 'hello\n' });
  assert.is(index.config, null);
  assert.is(index.agents.size, 0);
  assert.is(index.tools.size, 0);
  assert.equal(index.strays, []);
});

Shapes('a file named agents or a folder named caxton.toml is not taken for the real thing', async () => {
  const index = await indexOf({ agents: 'not a folder\n', 'caxton.toml/x': 'not a file\n' });
  assert.is(index.config, null);
  assert.is(index.agents.size, 0);
});

Shapes('an agent folder without agent.toml is still indexed (validation reports it)', async () => {
  const index = await indexOf({ 'agents/empty/notes.md': 'no manifest\n' });
  assert.equal([...index.agents.keys()], ['empty']);
});

Shapes.run();

// ---

const Scale = suite('readWorkspaceIndex :: cost');

Scale('3,000 unrelated files are indexed with four object reads', async () => {
  const files: Files = { ...agentFiles('a'), ...toolFiles('t'), 'caxton.toml': '' };
  for (let i = 0; i < 3000; i++) files[`docs/section-${Math.floor(i / 100)}/page-${i}.md`] = `# page ${i}\n`;
  const repo = makeRepo(files);
  try {
    const git = new CountingRepo(repo.dir);
    const index = await readWorkspaceIndex(git, repo.head());
    assert.equal([...index.agents.keys()], ['a']);
    assert.equal([...index.tools.keys()], ['t']);
    // one commit, then the root, agents/ and tools/ trees: nothing under docs/ is read
    assert.equal(git.reads, { commitTree: 1, readTree: 3, readBlob: 0 });
  } finally {
    repo.remove();
  }
});

Scale('200 agents cost the same four reads', async () => {
  const files: Files = {};
  for (let i = 0; i < 200; i++) Object.assign(files, agentFiles(`agent-${i}`));
  const repo = makeRepo(files);
  try {
    const git = new CountingRepo(repo.dir);
    const index = await readWorkspaceIndex(git, repo.head());
    assert.is(index.agents.size, 200);
    assert.ok(git.total <= 4, `made ${git.total} reads`);
  } finally {
    repo.remove();
  }
});

Scale.run();
