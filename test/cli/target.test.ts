// Which server and which token the CLI uses (CONTRACT §2). One real `caxton serve` child, started
// without CAXTON_TOKEN so it writes <workspace>/.caxton/token; every resolution step is checked
// against it, with a closed port standing in for a wrong address.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../util/cli.js';
import { assertFails, assertFailsJson, assertOkJson } from '../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../util/repo.js';
import { closedPort, spawnServe, type ServeChild } from '../util/serve-child.js';
import { agentFiles } from '../util/workspace.js';

let repo: TestRepo;
let server: ServeChild;
let dead = '';
let token = '';

async function setup(): Promise<void> {
  repo = makeRepo(agentFiles('alpha'));
  server = await spawnServe({ cwd: repo.dir });
  dead = `http://127.0.0.1:${await closedPort()}`;
  token = fs.readFileSync(path.join(repo.dir, '.caxton', 'token'), 'utf8').trim();
}

async function teardown(): Promise<void> {
  await server?.stop();
  repo?.remove();
}

// ---

const Token = suite('resolveTarget :: token');
Token.before(setup);
Token.after(teardown);
Token.after.each(() => fs.rmSync(path.join(repo.dir, 'caxton.toml'), { force: true }));

Token('reads .caxton/token that the server wrote when CAXTON_TOKEN is unset', async () => {
  assert.match(token, /\S{16,}/);
  const doc = assertOkJson(await runCli(['status', '--json'], { cwd: repo.dir, env: { CAXTON_URL: server.url } }));
  assert.is(doc.source, 'server');
});

Token('reads .caxton/token from a subfolder of the workspace', async () => {
  assertOkJson(await runCli(['agents', '--json'], { cwd: path.join(repo.dir, 'agents', 'alpha'), env: { CAXTON_URL: server.url } }));
});

Token('CAXTON_TOKEN comes before the file', async () => {
  assertFails(await runCli(['status'], { cwd: repo.dir, env: { CAXTON_URL: server.url, CAXTON_TOKEN: 'wrong' } }), 1, 'CAX_UNAUTHORIZED');
  assertOkJson(await runCli(['status', '--json'], { cwd: repo.dir, env: { CAXTON_URL: server.url, CAXTON_TOKEN: token } }));
});

Token('--token comes before CAXTON_TOKEN', async () => {
  assertOkJson(await runCli(['status', '--json', '--token', token], { cwd: repo.dir, env: { CAXTON_URL: server.url, CAXTON_TOKEN: 'wrong' } }));
  assertFailsJson(await runCli(['status', '--json', '--token', 'wrong'], { cwd: repo.dir, env: { CAXTON_URL: server.url, CAXTON_TOKEN: token } }), 1, 'CAX_UNAUTHORIZED');
});

Token.run();

// ---

const Server = suite('resolveTarget :: server address');
Server.before(setup);
Server.after(teardown);
Server.after.each(() => fs.rmSync(path.join(repo.dir, 'caxton.toml'), { force: true }));

Server('--server comes before CAXTON_URL', async () => {
  assertOkJson(await runCli(['agents', '--json', '--server', server.url], { cwd: repo.dir, env: { CAXTON_URL: dead } }));
  const doc = assertFailsJson(await runCli(['agents', '--json', '--server', dead], { cwd: repo.dir, env: { CAXTON_URL: server.url } }), 3, 'CAX_SERVER_UNREACHABLE');
  assert.ok(doc.error.message.includes(dead));
});

Server('CAXTON_URL comes before caxton.toml', async () => {
  fs.writeFileSync(path.join(repo.dir, 'caxton.toml'), `[server]\nurl = "${dead}"\n`);
  assertOkJson(await runCli(['agents', '--json'], { cwd: repo.dir, env: { CAXTON_URL: server.url } }));
});

Server('caxton.toml [server] url comes before the server this workspace started', async () => {
  fs.writeFileSync(path.join(repo.dir, 'caxton.toml'), `[server]\nurl = "${dead}"\n`);
  const err = assertFails(await runCli(['agents'], { cwd: repo.dir }), 3, 'CAX_SERVER_UNREACHABLE');
  assert.ok(err.includes(dead), err);
  fs.writeFileSync(path.join(repo.dir, 'caxton.toml'), `[server]\nurl = "${server.url}"\n`);
  assertOkJson(await runCli(['agents', '--json'], { cwd: repo.dir }));
});

Server('with nothing set, finds the server this workspace started', async () => {
  const doc = assertOkJson(await runCli(['status', '--json'], { cwd: repo.dir }));
  assert.is(doc.source, 'server');
});

Server.run();
