import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { matchesTemplate, previewLines } from '../../cli/template-picker.js';
import { listTemplates } from '../../cli/templates.js';
import { CLI } from '../util/cli.js';
import { tmpDir, rm } from '../util/tmp.js';

const PTY = path.resolve('test/fixtures/pty-run.py');
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');

/** Runs `caxton ARGS` in a pseudo-terminal, typing `keys`; returns exit code and screen text. */
function inPty(keys: string[], args: string[], cwd: string) {
  const env = { ...process.env, NO_COLOR: '1' } as NodeJS.ProcessEnv;
  delete env.CI; // clack and our TTY check must see an interactive terminal
  const r = spawnSync('python3', [PTY, JSON.stringify(keys), process.execPath, CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, screen: strip(r.stdout ?? '') };
}

// ---

const Match = suite('matchesTemplate');

Match('matches every word against id, name, description, category and use cases', () => {
  const t = { id: 'code-reviewer', name: 'Code Reviewer', description: 'Reviews a change', category: 'development', use_cases: ['pull request review'], capabilities: ['review-code'] };
  assert.ok(matchesTemplate('review', t));
  assert.ok(matchesTemplate('DEVELOPMENT pull', t));
  assert.ok(matchesTemplate('', t));
  assert.not.ok(matchesTemplate('review pipeline', t));
});

Match.run();

// ---

const Preview = suite('previewLines');

Preview('names the files, capabilities and use cases of a template', () => {
  const t = listTemplates().find((x) => x.id === 'pipeline-coordinator')!;
  const text = strip(previewLines(t).join('\n'));
  assert.match(text, /agents\/extractor\/agent\.toml/);
  assert.match(text, /Capabilities: coordinate-pipeline, extract, transform/);
  assert.match(text, /Use cases: /);
});

Preview.run();

// ---

const Picker = suite('caxton init :: interactive picker (pseudo-terminal)');

Picker('filters by text, previews, and creates the workspace from the choice', () => {
  const dir = tmpDir('caxton-pty-');
  try {
    const { code, screen } = inPty(['\r', 'coordinator', '\r', '\r'], ['init', 'ws'], dir);
    assert.is(code, 0, screen);
    assert.match(screen, /Preview/);
    assert.match(screen, /Capabilities: coordinate-pipeline/);
    assert.ok(fs.existsSync(path.join(dir, 'ws/agents/extractor/agent.toml')), screen);
  } finally {
    rm(dir);
  }
});

Picker('highlights the default: Enter through every prompt picks task-automator', () => {
  const dir = tmpDir('caxton-pty-');
  try {
    const { code, screen } = inPty(['\r', '\r', '\r'], ['init', 'ws'], dir);
    assert.is(code, 0, screen);
    assert.match(screen, /\(default\)/);
    assert.ok(fs.existsSync(path.join(dir, 'ws/agents/task-automator/agent.toml')));
  } finally {
    rm(dir);
  }
});

Picker('cancelling with Ctrl-C writes nothing and exits 1', () => {
  const dir = tmpDir('caxton-pty-');
  try {
    const { code } = inPty(['\x03'], ['init', 'ws'], dir);
    assert.is(code, 1);
    assert.not.ok(fs.existsSync(path.join(dir, 'ws')));
  } finally {
    rm(dir);
  }
});

Picker('without a terminal it never waits: the default template, at once', () => {
  const dir = tmpDir('caxton-pty-');
  try {
    const r = spawnSync(process.execPath, [CLI, 'init', 'ws'], { cwd: dir, encoding: 'utf8', input: '', timeout: 30_000 });
    assert.is(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'ws/agents/task-automator/agent.toml')));
  } finally {
    rm(dir);
  }
});

Picker.run();
