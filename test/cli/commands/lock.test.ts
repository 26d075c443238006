import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../util/cli.js';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { startTestServer } from '../../util/server.js';
import { tmpDir, rm } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

// ---

const Lock = suite('caxton lock');
let repo: TestRepo;
let data: string;
let server: Awaited<ReturnType<typeof startTestServer>>;
const cli = (...args: string[]) => runCli([...args, '--server', server.url, '--token', 'test-token'], { cwd: repo.dir });

Lock.before(async () => {
  repo = makeRepo(agentFiles('alpha'));
  data = tmpDir('caxton-data-');
  server = await startTestServer({ workspace: repo.dir, dataDir: data });
});
Lock.after(async () => {
  await server?.close();
  repo.remove();
  rm(data);
});

Lock('without --reason is a usage error and locks nothing', async () => {
  const err = assertFails(await cli('lock'), 2, 'CAX_USAGE');
  assert.match(err, /--reason/);
  assertFailsJson(await cli('lock', '--json'), 2, 'CAX_USAGE');
  assertFails(await cli('lock', '--reason', '  '), 2, 'CAX_USAGE');
  assert.is(assertOkJson(await cli('status', '--json')).lock, null);
});

Lock('--reason locks, and status shows the lock', async () => {
  const doc = assertOkJson(await cli('lock', '--reason', 'incident 42', '--json'));
  assert.is(doc.lock.reason, 'incident 42');
  const out = assertOk(await cli('status'));
  assert.match(out, /^Locked: incident 42 \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)/m);
  const st = assertOkJson(await cli('status', '--json'));
  assert.is(st.lock.reason, 'incident 42');
  assert.type(st.lock.since, 'string');
});

Lock('deploy from the CLI still works while locked', async () => {
  const out = assertOk(await cli('deploy'));
  assert.match(out, /✓ Deployed 1 change/);
  assert.is(assertOkJson(await cli('status', '--json')).deployedSha, repo.head());
});

Lock.run();

// ---

const Unlock = suite('caxton unlock');

Unlock('lifts the lock', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const data = tmpDir('caxton-data-');
  const server = await startTestServer({ workspace: repo.dir, dataDir: data });
  const cli = (...args: string[]) => runCli([...args, '--server', server.url, '--token', 'test-token'], { cwd: repo.dir });
  try {
    assertOk(await cli('lock', '--reason', 'freeze'));
    const out = assertOk(await cli('unlock'));
    assert.match(out, /Unlocked/);
    assert.is(assertOkJson(await cli('status', '--json')).lock, null);
    assert.not.match(assertOk(await cli('status')), /Locked/);
    assert.is(assertOkJson(await cli('unlock', '--json')).lock, null, 'unlocking twice is fine');
  } finally {
    await server.close();
    repo.remove();
    rm(data);
  }
});

Unlock.run();
