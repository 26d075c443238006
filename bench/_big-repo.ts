// A large workspace repository built in seconds with `git fast-import`: 10,000 files (agents,
// tools, docs, sources) in one commit, then a long history of small commits that touch a few files
// each, some of them agents. Deterministic: the same options give the same SHAs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { agentToml, toolToml } from '../test/util/workspace.js';
import { wasmModule } from '../test/util/wasm.js';
import { GIT_ENV } from '../test/util/repo.js';
import { run } from './harness.js';

export interface BigRepoOptions {
  dir: string;
  files?: number;
  agents?: number;
  tools?: number;
  commits?: number;
  /** every Nth commit edits an agent.toml */
  agentEvery?: number;
}

export interface BigRepo {
  dir: string;
  /** the first commit (all files) */
  first: string;
  /** the last commit, `commits` after `first` */
  last: string;
  files: number;
  commits: number;
  git(...args: string[]): string;
}

/** mulberry32: a small seeded PRNG, so the history is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function gitIn(dir: string) {
  return (...args: string[]) =>
    execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'gc.auto=0', ...args], {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    }).trim();
}

/** Builds the repository with fast-import (one packfile). */
export async function buildBigRepo(o: BigRepoOptions): Promise<BigRepo> {
  const total = o.files ?? 10_000;
  const nAgents = o.agents ?? 200;
  const nTools = o.tools ?? 20;
  const commits = o.commits ?? 1000;
  const agentEvery = o.agentEvery ?? 10;
  const rand = prng(2);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

  const files = new Map<string, string | Uint8Array>();
  files.set('caxton.toml', 'name = "bench"\n');
  const agentNames: string[] = [];
  const toolNames: string[] = [];
  for (let i = 0; i < nTools; i++) {
    const name = `tool-${pad(i, 2)}`;
    toolNames.push(name);
    files.set(`tools/${name}/tool.toml`, toolToml(name, ['run', 'describe']));
    files.set(`tools/${name}/plugin.wasm`, wasmModule(['run', 'describe']));
    files.set(`tools/${name}/README.md`, `# ${name}\n`);
  }
  for (let i = 0; i < nAgents; i++) {
    const name = `agent-${pad(i, 3)}`;
    agentNames.push(name);
    const tools = i % 4 === 0 ? [toolNames[i % nTools]!] : [];
    files.set(`agents/${name}/agent.toml`, agentToml(name, { tools, capabilities: [name, `skill-${i % 17}`] }));
    files.set(`agents/${name}/prompt.md`, `You are ${name}.\n`);
    files.set(`agents/${name}/notes.md`, `Notes for ${name}\n`);
  }
  const docs = Math.floor((total - files.size) / 3);
  for (let i = 0; i < docs; i++) files.set(`docs/section-${pad(Math.floor(i / 75), 2)}/page-${pad(i % 75, 3)}.md`, `# Page ${i}\n\n${'Lorem ipsum dolor sit amet. '.repeat(8)}\n`);
  for (let i = 0; files.size < total; i++) {
    files.set(`src/pkg-${pad(Math.floor(i / 120), 2)}/mod-${Math.floor(i / 12) % 10}/file-${pad(i % 12, 3)}.ts`, `export const value${i} = ${i};\n${'// filler line\n'.repeat(10)}`);
  }
  const plainFiles = [...files.keys()].filter((f) => f.startsWith('docs/') || f.startsWith('src/'));

  fs.mkdirSync(o.dir, { recursive: true });
  const git = gitIn(o.dir);
  git('init', '--quiet', '--initial-branch=main');

  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s));
  const data = (content: string | Uint8Array) => {
    const buf = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    text(`data ${buf.length}\n`);
    chunks.push(buf);
    text('\n');
  };
  let ts = 1_700_000_000;
  const commit = (message: string, body: () => void) => {
    text(`commit refs/heads/main\ncommitter Caxton Bench <bench@caxton.invalid> ${ts++} +0000\n`);
    data(message);
    body();
  };
  commit('initial: 10,000 files', () => {
    for (const [p, c] of files) {
      text(`M 100644 inline ${p}\n`);
      data(c);
    }
  });
  let added = 0;
  const live = new Set(agentNames);
  for (let i = 1; i <= commits; i++) {
    commit(`change ${i}`, () => {
      for (let k = 0; k < 2; k++) {
        const f = pick(plainFiles);
        text(`M 100644 inline ${f}\n`);
        data(`${files.get(f) as string}// rev ${i}.${k}\n`);
      }
      if (i % agentEvery === 0) {
        const name = pick([...live]);
        text(`M 100644 inline agents/${name}/agent.toml\n`);
        data(agentToml(name, { description: `The ${name} agent, revision ${i}`, capabilities: [name, `skill-${i % 17}`] }));
      }
      if (i % 97 === 0) {
        const name = `agent-new-${pad(added++, 2)}`;
        live.add(name);
        text(`M 100644 inline agents/${name}/agent.toml\n`);
        data(agentToml(name));
      }
      if (i % 250 === 125) {
        const name = pick([...live].filter((n) => !n.startsWith('agent-new')));
        live.delete(name);
        text(`D agents/${name}\n`);
      }
      if (i % 200 === 100) {
        const name = pick(toolNames);
        text(`M 100644 inline tools/${name}/tool.toml\n`);
        data(toolToml(name, ['run', 'describe', `extra_${i}`]));
        text(`M 100644 inline tools/${name}/plugin.wasm\n`);
        data(wasmModule(['run', 'describe', `extra_${i}`]));
      }
    });
  }
  text('done\n');
  await run('git', ['fast-import', '--quiet', '--done'], { cwd: o.dir, input: Buffer.concat(chunks), env: { ...process.env, ...GIT_ENV } });
  return { dir: o.dir, first: git('rev-parse', `main~${commits}`), last: git('rev-parse', 'main'), files: total, commits, git };
}

/** Explodes every packfile into loose objects (fast-import writes a pack). */
export function unpackToLoose(repo: BigRepo): number {
  const packDir = path.join(repo.dir, '.git', 'objects', 'pack');
  for (const f of fs.readdirSync(packDir).filter((n) => n.endsWith('.pack'))) {
    const moved = path.join(repo.dir, f);
    fs.renameSync(path.join(packDir, f), moved);
    fs.rmSync(path.join(packDir, f.replace(/\.pack$/, '.idx')), { force: true });
    fs.rmSync(path.join(packDir, f.replace(/\.pack$/, '.rev')), { force: true });
    execFileSync('git', ['unpack-objects', '-q'], { cwd: repo.dir, input: fs.readFileSync(moved), maxBuffer: 64 * 1024 * 1024 });
    fs.rmSync(moved);
  }
  return Number(/count: (\d+)/.exec(repo.git('count-objects', '-v'))?.[1] ?? 0);
}
