// Dispatch and exit codes: 0 ok, 1 the operation failed, 2 usage error, 3 server unreachable.
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { assertFails, assertFailsJson, assertOk } from '../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../util/repo.js';
import { startTestServer } from '../util/server.js';
import { closedPort } from '../util/serve-child.js';
import { tmpDir, rm } from '../util/tmp.js';
import { agentFiles } from '../util/workspace.js';

// ---

const Usage = suite('caxton :: usage errors exit 2');
let cwd = '';
Usage.before(() => {
  cwd = tmpDir('caxton-cli-main-');
});
Usage.after(() => rm(cwd));

Usage('an unknown command suggests the nearest one', async () => {
  const err = assertFails(await runCli(['deplyo'], { cwd }), 2, 'CAX_USAGE');
  assert.match(err, /Unknown command "deplyo"/);
  assert.match(err, /Did you mean "caxton deploy"\?/);
});

Usage('an unknown command suggests the nearest one :: --json', async () => {
  const doc = assertFailsJson(await runCli(['statuss', '--json'], { cwd }), 2, 'CAX_USAGE');
  assert.match(doc.error.suggestions.join('\n'), /caxton status/);
});

Usage('an unknown flag names the flag and the usage', async () => {
  const err = assertFails(await runCli(['deploy', '--bogus'], { cwd }), 2, 'CAX_USAGE');
  assert.match(err, /--bogus/);
  assert.match(err, /caxton deploy \[--ref REF\]/);
  assertFailsJson(await runCli(['history', '--bogus', '--json'], { cwd }), 2, 'CAX_USAGE');
});

Usage('an argument the command does not take :: refused, never ignored (deploy HEAD~3 must not deploy HEAD), with the flag it was meant for', async () => {
  const err = assertFails(await runCli(['deploy', 'HEAD~3', '--dry-run'], { cwd }), 2, 'CAX_USAGE');
  assert.match(err, /caxton deploy takes no arguments, and "HEAD~3" is one/);
  assert.match(err, /Did you mean: caxton deploy --ref "HEAD~3"/);
  const doc = assertFailsJson(await runCli(['rollback', 'abc1234', '--json'], { cwd }), 2, 'CAX_USAGE');
  assert.equal(doc.error.suggestions, ['Did you mean: caxton rollback --to "abc1234"', 'Usage: caxton rollback [--to SHA] [--json]']);
  assert.match(assertFails(await runCli(['init', 'a', 'b'], { cwd }), 2, 'CAX_USAGE'), /caxton init takes at most 1 argument; "b" is one too many/);
  assert.equal(fs.readdirSync(cwd).filter((f) => f === 'a' || f === 'b'), [], 'nothing made');
});

Usage('a flag without its value', async () => {
  assertFails(await runCli(['deploy', '--ref'], { cwd }), 2, 'CAX_USAGE');
});

Usage('a mistyped flag :: the flag meant, in the user\'s words, and --json gives each hint as a suggestion', async () => {
  const err = assertFails(await runCli(['send', '--capabilty', 'x', 'hi'], { cwd }), 2, 'CAX_USAGE');
  assert.match(err, /unknown option --capabilty/);
  assert.match(err, /Did you mean --capability\?/);
  assert.not.match(err, /positional argument/, 'none of parseArgs\' own words');
  const doc = assertFailsJson(await runCli(['history', '--lmit', '3', '--json'], { cwd }), 2, 'CAX_USAGE');
  assert.equal(doc.error.suggestions, ['Did you mean --limit?', 'Usage: caxton history [--limit N] [--json]']);
});

Usage('no command prints the help on stderr', async () => {
  const err = assertFails(await runCli([], { cwd }), 2);
  assert.match(err, /Usage: caxton <command>/);
});

Usage('--help is not an error', async () => {
  assert.match(assertOk(await runCli(['--help'], { cwd })), /Usage: caxton <command>/);
  assert.match(assertOk(await runCli(['deploy', '--help'], { cwd })), /caxton deploy \[--ref REF\]/);
  const init = assertOk(await runCli(['init', '--help'], { cwd }));
  assert.match(init, /--force +add the workspace to a folder that is not empty/);
  assert.match(init, /\n\nEvery command and option: docs\/cli\.md\n$/);
});

Usage('serve with a port that is not a number', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  try {
    assertFails(await runCli(['serve', '--port', 'eighty'], { cwd: repo.dir }), 2, 'CAX_USAGE');
  } finally {
    repo.remove();
  }
});

Usage.run();

// ---

const Unreachable = suite('caxton :: server unreachable exits 3');
let repo: TestRepo;
let url = '';
Unreachable.before(async () => {
  repo = makeRepo(agentFiles('alpha'));
  url = `http://127.0.0.1:${await closedPort()}`;
});
Unreachable.after(() => repo.remove());

Unreachable('names the address and how to start a server', async () => {
  const err = assertFails(await runCli(['deploy', '--server', url], { cwd: repo.dir }), 3, 'CAX_SERVER_UNREACHABLE');
  assert.ok(err.includes(url), err);
  assert.match(err, /caxton serve/);
});

Unreachable('names the address and how to start a server :: --json', async () => {
  const doc = assertFailsJson(await runCli(['deploy', '--json'], { cwd: repo.dir, env: { CAXTON_URL: url } }), 3, 'CAX_SERVER_UNREACHABLE');
  assert.ok(doc.error.message.includes(url));
  assert.match(doc.error.suggestions.join('\n'), /caxton serve/);
});

Unreachable('every command that needs the server :: --json', async () => {
  for (const args of [['history'], ['agents'], ['tools'], ['rollback'], ['lock', '--reason', 'x'], ['unlock']]) {
    assertFailsJson(await runCli([...args, '--json', '--server', url], { cwd: repo.dir }), 3, 'CAX_SERVER_UNREACHABLE');
  }
});

Unreachable.run();

// ---

const Output = suite('caxton :: output');

Output('a long output read through a pipe arrives whole before the exit (it was cut at 64 KiB, exit 0)', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`agents/a${i}/agent.toml`] = `name = "a${i}"\ndescription = "d"\ncapabilites = ["x"]\n`;
  const repo = makeRepo(files);
  try {
    const r = await runCli(['validate', '--json'], { cwd: repo.dir });
    assert.ok(r.stdout.length > 100_000, `${r.stdout.length} bytes`);
    const doc = JSON.parse(r.stdout);
    assert.is(doc.issues.filter((i: { code: string }) => i.code === 'unknown-key').length, 300);
  } finally {
    repo.remove();
  }
});

Output.run();

const Failed = suite('caxton :: failed operations exit 1');
let data = '';

Failed.before(() => {
  data = tmpDir('caxton-data-');
});
Failed.after(() => rm(data));

Failed('a wrong token is refused', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const server = await startTestServer({ workspace: repo.dir, dataDir: data });
  try {
    const err = assertFails(await runCli(['deploy', '--server', server.url, '--token', 'wrong'], { cwd: repo.dir }), 1, 'CAX_UNAUTHORIZED');
    assert.not.match(err, /test-token/, 'the real token is not shown');
    assertFailsJson(await runCli(['status', '--json', '--server', server.url], { cwd: repo.dir, env: { CAXTON_TOKEN: 'wrong' } }), 1, 'CAX_UNAUTHORIZED');
    assertFailsJson(await runCli(['agents', '--json', '--server', server.url], { cwd: repo.dir }), 1, 'CAX_UNAUTHORIZED');
    assert.is(server.deployer.snapshot, null, 'nothing was deployed');
  } finally {
    await server.close();
    repo.remove();
  }
});

Failed('deploying an empty repository says it has no commits', async () => {
  const repo = makeRepo();
  const dataDir = tmpDir('caxton-data-');
  const server = await startTestServer({ workspace: repo.dir, dataDir });
  const args = ['--server', server.url, '--token', 'test-token'];
  try {
    const err = assertFails(await runCli(['deploy', ...args], { cwd: repo.dir }), 1, 'CAX_EMPTY_REPOSITORY');
    assert.match(err, /git commit/);
    assertFailsJson(await runCli(['deploy', '--json', ...args], { cwd: repo.dir }), 1, 'CAX_EMPTY_REPOSITORY');
  } finally {
    await server.close();
    repo.remove();
    rm(dataDir);
  }
});

Failed.run();
