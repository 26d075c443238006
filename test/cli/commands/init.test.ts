import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../util/cli.js';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { tmpDir, rm } from '../../util/tmp.js';

// A machine with no git identity and no global config: init must still make its first commit.
const BARE_GIT = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...BARE_GIT } }).trim();

// ---

const Init = suite('caxton init');
let cwd = '';
Init.before.each(() => {
  cwd = tmpDir('caxton-cli-init-');
});
Init.after.each(() => rm(cwd));

Init('creates a committed workspace from the default template', async () => {
  const out = assertOk(await runCli(['init', 'ws'], { cwd, env: BARE_GIT }));
  const ws = path.join(cwd, 'ws');
  assert.match(out, /Created workspace ws from task-automator/);
  assert.match(out, /caxton serve/, 'names the next steps');
  assert.ok(fs.existsSync(path.join(ws, 'caxton.toml')));
  assert.is(fs.statSync(path.join(ws, '.caxton')).mode & 0o777, 0o700, 'the data folder is its owner\'s alone');
  assert.match(fs.readFileSync(path.join(ws, 'agents/task-automator/agent.toml'), 'utf8'), /^name = "task-automator"$/m);
  assert.ok(fs.readFileSync(path.join(ws, '.gitignore'), 'utf8').split('\n').includes('.caxton/'), '.gitignore lists .caxton/');
  assert.is(git(ws, 'symbolic-ref', '--short', 'HEAD'), 'main');
  assert.is(git(ws, 'rev-list', '--count', 'HEAD'), '1');
  assert.is(git(ws, 'status', '--porcelain'), '', 'every file is in the first commit');
  assert.match(git(ws, 'ls-files'), /agents\/task-automator\/agent\.toml/);
});

Init('creates the workspace in . by default :: an empty folder', async () => {
  assertOk(await runCli(['init'], { cwd, env: BARE_GIT }));
  assert.ok(fs.existsSync(path.join(cwd, 'caxton.toml')));
  assert.is(git(cwd, 'rev-list', '--count', 'HEAD'), '1');
});

Init('--json gives workspace, template, files and commit', async () => {
  const doc = assertOkJson(await runCli(['init', 'ws', '--template', 'task-automator', '--json'], { cwd, env: BARE_GIT }));
  const ws = path.join(cwd, 'ws');
  assert.is(doc.workspace, ws);
  assert.is(doc.template, 'task-automator');
  for (const f of ['caxton.toml', 'agents/task-automator/agent.toml', '.gitignore']) assert.ok(doc.files.includes(f), `files lists ${f}`);
  assert.is(doc.commit, git(ws, 'rev-parse', 'HEAD'));
});

Init('refuses an unknown template and lists the templates', async () => {
  const err = assertFails(await runCli(['init', 'ws', '--template', 'nope'], { cwd }), 2, 'CAX_TEMPLATE_NOT_FOUND');
  assert.match(err, /nope/);
  assert.match(err, /task-automator/);
  assert.not.ok(fs.existsSync(path.join(cwd, 'ws')), 'nothing was created');
});

Init('refuses an unknown template :: --json', async () => {
  const doc = assertFailsJson(await runCli(['init', 'ws', '--template', 'nope', '--json'], { cwd }), 2, 'CAX_TEMPLATE_NOT_FOUND');
  assert.match(doc.error.suggestions.join('\n'), /task-automator/);
});

Init('refuses a folder that is not empty', async () => {
  fs.writeFileSync(path.join(cwd, 'notes.txt'), 'mine\n');
  assertFails(await runCli(['init', '.'], { cwd }), 1, 'CAX_DIR_NOT_EMPTY');
  assert.not.ok(fs.existsSync(path.join(cwd, 'caxton.toml')));
  assert.not.ok(fs.existsSync(path.join(cwd, '.git')), 'no repository was created');
  assert.is(fs.readFileSync(path.join(cwd, 'notes.txt'), 'utf8'), 'mine\n');
});

Init('refuses a folder that is not empty :: --force adds the workspace and keeps the files', async () => {
  fs.writeFileSync(path.join(cwd, 'notes.txt'), 'mine\n');
  const doc = assertOkJson(await runCli(['init', '.', '--force', '--json'], { cwd, env: BARE_GIT }));
  assert.ok(fs.existsSync(path.join(cwd, 'agents/task-automator/agent.toml')));
  assert.is(fs.readFileSync(path.join(cwd, 'notes.txt'), 'utf8'), 'mine\n');
  assert.is(doc.commit, git(cwd, 'rev-parse', 'HEAD'));
});

Init.run();

// ---

const Templates = suite('caxton templates');

Templates('--json lists every template with its gallery fields', async () => {
  const cwd = tmpDir('caxton-cli-templates-');
  try {
    const doc = assertOkJson(await runCli(['templates', '--json'], { cwd }));
    assert.ok(Array.isArray(doc.templates) && doc.templates.length >= 1);
    const t = doc.templates.find((x: { id: string }) => x.id === 'task-automator');
    assert.ok(t, 'the default template is listed');
    for (const k of ['name', 'description', 'category', 'complexity']) assert.type(t[k], 'string', k);
    assert.ok(Array.isArray(t.use_cases) && t.use_cases.length > 0);
  } finally {
    rm(cwd);
  }
});

Templates('prints the gallery for people', async () => {
  const cwd = tmpDir('caxton-cli-templates-');
  try {
    const out = assertOk(await runCli(['templates'], { cwd }));
    assert.match(out, /task-automator/);
    // each with what it serves and its example message, as docs/cli.md lists
    assert.match(out, /\n  serves automate-task; try: caxton send --capability automate-task 'plan my week'\n/);
  } finally {
    rm(cwd);
  }
});

Templates.run();
