// `caxton tool new` as a child process in a real git workspace, then the new tool's source compiled
// as its package.json builds it (AssemblyScript, with the compiler this repository installs),
// deployed to a real server and called through its sandbox: the scaffold works end to end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { DeploymentRecord } from '../../../server/deploy/record.js';
import { runCli } from '../../util/cli.js';
import { assertFails, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { startTestServer } from '../../util/server.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

const ROOT = process.cwd();
const ToolNew = suite('caxton tool new');
let repo: TestRepo;
ToolNew.before.each(() => {
  repo = makeRepo({ ...agentFiles('alpha', { capabilities: ['flip'], tools: ['reverse'], extra: { behavior: { steps: [{ tool: 'reverse', input: { text: '{{content}}' } }], reply: '{{steps.step1.output.reversed}}' } } }) });
});
ToolNew.after.each(() => repo.remove());

const toolNew = (...args: string[]) => runCli(['tool', 'new', ...args], { cwd: repo.dir });

/** What `npm run build` in the tool's folder runs, with this repository's compiler and PDK. */
async function build(dir: string): Promise<void> {
  const scripts = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts;
  const args = scripts.build.split(/\s+/).slice(1); // after "asc"
  const { main } = await import('assemblyscript/asc');
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(dir); // the flags' paths are relative to the tool's folder, as under npm run
  try {
    const { error } = await main([...args, '--path', path.join(ROOT, 'node_modules')], { stdout: { write: () => true }, stderr: { write: (s: string) => ((stderr += s), true) } } as never);
    assert.not.ok(error, `${String(error)}\n${stderr}`);
  } finally {
    process.chdir(cwd);
  }
}

ToolNew('writes a buildable tool: built as its package.json says, it deploys and answers a call and an agent\'s step', async () => {
  const doc = assertOkJson(await toolNew('reverse', '--json'));
  assert.equal(doc.files, ['tool.toml', 'package.json', '.gitignore', 'src/index.ts', 'src/io.ts', 'src/json.ts'].map((f) => `tools/reverse/${f}`));
  const dir = path.join(repo.dir, 'tools', 'reverse');
  assert.match(fs.readFileSync(path.join(dir, 'tool.toml'), 'utf8'), /^name = "reverse"$/m);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies;
  assert.equal(pkg.devDependencies, { assemblyscript: ours.assemblyscript, '@extism/as-pdk': ours['@extism/as-pdk'] }, 'the compiler Caxton builds its own tools with');

  await build(dir);
  assert.ok(fs.existsSync(path.join(dir, 'plugin.wasm')));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'add tool reverse');
  assert.not.ok(repo.git('ls-files').includes('node_modules'), 'node_modules stays out of git');

  const server = await startTestServer({ workspace: repo.dir });
  try {
    const record = (await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' })) as DeploymentRecord;
    assert.is(record.status, 'succeeded', JSON.stringify(record.errors));
    const call = await server.api('POST', '/api/v1/tools/reverse/call', { function: 'run', input: { text: 'héllo' } });
    assert.is(call.status, 200, JSON.stringify(call.body));
    assert.equal(call.body.output, { reversed: 'olléh', characters: 5 });
    // a character past U+FFFF is reversed whole and counted once
    const emoji = await server.api('POST', '/api/v1/tools/reverse/call', { function: 'run', input: { text: 'hé 😀!' } });
    assert.equal(emoji.body.output, { reversed: '!😀 éh', characters: 5 });
    const bad = await server.api('POST', '/api/v1/tools/reverse/call', { function: 'run', input: { txt: 1 } });
    assert.is(bad.body.error.code, 'CAX_TOOL_INPUT_INVALID');
    const msg = await server.api('POST', '/api/v1/messages', { capability: 'flip', content: 'abc' });
    assert.is(msg.body.reply, 'cba');
  } finally {
    await server.close();
  }
});

ToolNew('a tool that exists, a name that is not one, or no workspace :: refused, nothing written', async () => {
  assertOkJson(await toolNew('reverse', '--json'));
  assertFails(await toolNew('reverse'), 1, 'CAX_TOOL_EXISTS');
  assertFails(await toolNew('Bad_Name'), 2, 'CAX_INVALID_NAME');
  assertFails(await toolNew('a', 'b'), 2, 'CAX_USAGE');
  assert.equal(fs.readdirSync(path.join(repo.dir, 'tools')), ['reverse']);
  const elsewhere = tmpDir('caxton-no-ws-');
  try {
    assertFails(await runCli(['tool', 'new', 'reverse'], { cwd: elsewhere }), 1, 'CAX_NOT_A_REPOSITORY');
    assert.equal(fs.readdirSync(elsewhere), []);
  } finally {
    rm(elsewhere);
  }
});

ToolNew.run();
