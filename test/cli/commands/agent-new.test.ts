// `caxton agent new` as a child process in a real git workspace: what it writes, what --commit
// commits (the new agent's files and nothing else of the user's), and the folders it refuses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../util/cli.js';
import { assertFails, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { tmpDir, rm } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

const AgentNew = suite('caxton agent new');
let repo: TestRepo;
AgentNew.before.each(() => {
  repo = makeRepo({ ...agentFiles('alpha'), 'README.md': 'notes\n' });
});
AgentNew.after.each(() => repo.remove());

const agentNew = (...args: string[]) => runCli(['agent', 'new', ...args], { cwd: repo.dir });
// each line trimmed: the helper trims the output, and with it a first line's leading space
const porcelain = () => repo.git('status', '--porcelain').split('\n').map((l) => l.trim()).filter(Boolean).sort();

AgentNew('writes agents/NAME from the template, named NAME, and commits nothing without --commit', async () => {
  const doc = assertOkJson(await agentNew('reporter', '--template', 'task-automator', '--json'));
  assert.is(doc.agent, 'reporter');
  assert.is(doc.commit, null);
  assert.ok(doc.files.includes('agents/reporter/agent.toml'), doc.files.join(', '));
  assert.match(fs.readFileSync(path.join(repo.dir, 'agents/reporter/agent.toml'), 'utf8'), /^name = "reporter"$/m);
  assert.equal(porcelain(), ['?? agents/reporter/']);
});

AgentNew('the Next line adds the folders it wrote: it works in a workspace without tools/', async () => {
  const r = await agentNew('writer', '--template', 'task-automator');
  assert.is(r.code, 0, r.stderr);
  assert.ok(!fs.existsSync(path.join(repo.dir, 'tools')), 'no tools/ here');
  const next = r.stdout.split('\n').find((l) => l.startsWith('Next:'))!;
  assert.is(next, 'Next: caxton validate && git add agents/writer && git commit -m "add writer" && caxton deploy');
  repo.git('add', 'agents/writer');
  fs.rmSync(path.join(repo.dir, 'agents/writer'), { recursive: true });
  repo.git('rm', '-rq', '--cached', 'agents/writer');
});

AgentNew('--commit commits the new agent\'s files only: other changes, staged or not, stay as they were', async () => {
  const before = repo.head();
  assertOkJson(await agentNew('reporter', '--json'));
  fs.appendFileSync(path.join(repo.dir, 'README.md'), 'more notes\n');
  fs.writeFileSync(path.join(repo.dir, 'staged.txt'), 'mine\n');
  repo.git('add', 'staged.txt');
  const doc = assertOkJson(await agentNew('analyst', '--template', 'data-analyzer', '--commit', '--json'));
  assert.is(doc.commit, repo.head());
  assert.is(repo.git('rev-parse', 'HEAD~1'), before, 'one commit');
  const committed = repo.git('show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean).sort();
  assert.equal(committed, [...doc.files].sort());
  assert.ok(committed.every((f) => !f.startsWith('agents/reporter/') && f !== 'README.md' && f !== 'staged.txt'), committed.join(', '));
  assert.equal(porcelain(), ['?? agents/reporter/', 'A  staged.txt', 'M README.md']);
});

AgentNew('an agent that exists, or a name that is not one :: refused, nothing written', async () => {
  assertFails(await agentNew('alpha'), 1, 'CAX_AGENT_EXISTS');
  assertFails(await agentNew('Bad_Name'), 2, 'CAX_INVALID_NAME');
  assert.equal(porcelain(), []);
});

AgentNew('outside a workspace :: CAX_NOT_A_REPOSITORY, with how to make one, and nothing written', async () => {
  const dir = tmpDir('caxton-not-ws-');
  try {
    const err = assertFails(await runCli(['agent', 'new', 'reporter'], { cwd: dir }), 1, 'CAX_NOT_A_REPOSITORY');
    assert.match(err, /caxton init/);
    assert.equal(fs.readdirSync(dir), []);
    assertFails(await runCli(['validate'], { cwd: dir }), 1, 'CAX_NOT_A_REPOSITORY');
  } finally {
    rm(dir);
  }
});

AgentNew.run();
