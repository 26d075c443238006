// Runs the committed Action bundle the way a GitHub runner does: `node action/dist/index.js` with
// each input as INPUT_<NAME> (name upper-cased, spaces to underscores, dashes kept), defaults from
// action.yml filled in, and the GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and event payload files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rm, tmpDir } from './tmp.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUNDLE = path.join(ROOT, 'action/dist/index.js');
export const ACTION_YML = path.join(ROOT, 'action/action.yml');

/** action.yml's inputs and their defaults (the file is ours and flat: a small reader suffices). */
export function actionInputs(): Map<string, { required: boolean; default: string | null }> {
  const lines = fs.readFileSync(ACTION_YML, 'utf8').split('\n');
  const out = new Map<string, { required: boolean; default: string | null }>();
  let inInputs = false;
  let current: string | null = null;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      inInputs = line.startsWith('inputs:');
      current = null;
      continue;
    }
    if (!inInputs) continue;
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (name) {
      current = name[1]!;
      out.set(current, { required: false, default: null });
      continue;
    }
    const field = /^ {4}(required|default):\s*(.*)$/.exec(line);
    if (field && current) {
      const raw = field[2]!.trim().replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
      if (field[1] === 'required') out.get(current)!.required = raw === 'true';
      else out.get(current)!.default = raw;
    }
  }
  return out;
}

export const inputVar = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks (and plain `name=value` lines). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const [k, ...v] = lines[i]!.split('=');
      out[k!] = v.join('=');
    }
  }
  return out;
}

export interface RunOptions {
  inputs: Record<string, string>;
  /** GITHUB_EVENT_NAME and the payload written to GITHUB_EVENT_PATH */
  event?: { name: string; payload: unknown };
  sha?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function runAction(o: RunOptions): Promise<ActionRun> {
  const dir = tmpDir('caxton-runner-');
  try {
    const files = { output: path.join(dir, 'output'), summary: path.join(dir, 'step_summary'), event: path.join(dir, 'event.json') };
    fs.writeFileSync(files.output, '');
    fs.writeFileSync(files.summary, '');
    fs.writeFileSync(files.event, JSON.stringify(o.event?.payload ?? {}));
    // a clean environment, as on a runner: nothing of the test process's own GITHUB_* leaks in
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      RUNNER_TEMP: dir,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_EVENT_NAME: o.event?.name ?? 'push',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_SHA: o.sha ?? '',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REPOSITORY: 'octo-org/agents',
      GITHUB_RUN_ID: '4242',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      CAXTON_ACTION_RETRY_MS: '20',
    };
    for (const [name, spec] of actionInputs()) if (spec.default !== null) env[inputVar(name)] = spec.default;
    for (const [name, value] of Object.entries(o.inputs)) env[inputVar(name)] = value;
    Object.assign(env, o.env);
    const child = spawn(process.execPath, [BUNDLE], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(t);
        resolve(c ?? -1);
      });
    });
    return { code, stdout, stderr, outputs: parseOutputs(fs.readFileSync(files.output, 'utf8')), summary: fs.readFileSync(files.summary, 'utf8') };
  } finally {
    rm(dir);
  }
}
