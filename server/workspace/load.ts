// Loading a workspace's files, from a commit (by tree id, through a content-addressed cache) or from
// the working tree (for `caxton validate`). Both give the same WorkspaceParts for validation.
import fs from 'node:fs';
import path from 'node:path';
import type { GitRepo } from '../git/repo.js';
import type { WorkspaceIndex } from '../git/tree-index.js';
import type { AgentFile, CaxtonFile, ToolFile } from './schema.js';
import { parseAgentSource, parseConfigSource, parseToolSource, type Parsed } from './parse.js';
import type { WorkspaceParts } from './validate.js';
import { inspectPlugin, type PluginInfo } from '../tools/plugin-info.js';
import { slipFor } from './rules.js';
import { replayedFile } from '../agents/llm-config.js';

export interface LoadedAgent {
  folder: string;
  oid: string;
  parsed: Parsed<AgentFile> | null;
  /** Files in the agent's folder: path relative to it → blob id ('' in the working tree). */
  files: ReadonlyMap<string, string>;
  /** an agent that plays back a recording (replayedFile): its text, null when the folder lacks it */
  recording?: string | null;
}

export interface LoadedTool {
  folder: string;
  oid: string;
  parsed: Parsed<ToolFile> | null;
  /** Files in the tool's folder: path relative to it → blob id. */
  files: ReadonlyMap<string, string>;
  /** the plugin the manifest names, inspected (when the manifest parses and the file is there) */
  plugin?: PluginInfo;
}

export interface LoadedWorkspace {
  sha: string;
  config: Parsed<CaxtonFile> | null;
  configOid: string | null;
  agents: Map<string, LoadedAgent>;
  tools: Map<string, LoadedTool>;
  parts: WorkspaceParts;
}

const decoder = new TextDecoder();

/**
 * Reads entity folders by tree id. A tree id names its content, so an entry never goes stale: a
 * folder unchanged since any earlier deployment is neither read nor parsed again.
 */
export class EntityCache {
  private readonly agents = new Map<string, Promise<LoadedAgent>>();
  private readonly tools = new Map<string, Promise<LoadedTool>>();
  private readonly configs = new Map<string, Promise<Parsed<CaxtonFile>>>();
  constructor(private readonly repo: GitRepo, private readonly max = 20_000) {}

  private remember<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let p = map.get(key);
    if (!p) {
      if (map.size >= this.max) map.clear();
      p = make();
      p.catch(() => map.delete(key));
      map.set(key, p);
    }
    return p;
  }

  agent(folder: string, oid: string): Promise<LoadedAgent> {
    return this.remember(this.agents, `${folder}:${oid}`, async () => {
      const files = new Map((await this.repo.listFiles(oid)).map((e) => [e.path, e.oid] as const));
      const manifest = files.get('agent.toml');
      if (!manifest) return { folder, oid, parsed: null, files };
      const source = decoder.decode(await this.repo.readBlob(manifest));
      const parsed = parseAgentSource(folder, { path: `agents/${folder}/agent.toml`, source });
      const replayed = parsed.value ? replayedFile(parsed.value) : null;
      if (!replayed) return { folder, oid, parsed, files };
      const blob = files.get(replayed);
      return { folder, oid, parsed, files, recording: blob ? decoder.decode(await this.repo.readBlob(blob)) : null };
    });
  }

  tool(folder: string, oid: string): Promise<LoadedTool> {
    return this.remember(this.tools, `${folder}:${oid}`, async () => {
      const files = new Map((await this.repo.listFiles(oid)).map((e) => [e.path, e.oid] as const));
      const manifest = files.get('tool.toml');
      if (!manifest) return { folder, oid, parsed: null, files };
      const source = decoder.decode(await this.repo.readBlob(manifest));
      const parsed = parseToolSource(folder, { path: `tools/${folder}/tool.toml`, source });
      const wasm = parsed.value ? files.get(parsed.value.wasm) : undefined;
      const plugin = wasm ? inspectPlugin(await this.repo.readBlob(wasm)) : undefined;
      return { folder, oid, parsed, files, ...(plugin ? { plugin } : {}) };
    });
  }

  config(oid: string): Promise<Parsed<CaxtonFile>> {
    return this.remember(this.configs, oid, async () =>
      parseConfigSource({ path: 'caxton.toml', source: decoder.decode(await this.repo.readBlob(oid)) }),
    );
  }

  /** Loads every entity of an index; cached folders cost nothing. */
  async load(index: WorkspaceIndex): Promise<LoadedWorkspace> {
    const [config, agents, tools] = await Promise.all([
      index.config ? this.config(index.config) : Promise.resolve(null),
      Promise.all([...index.agents].map(([name, oid]) => this.agent(name, oid))),
      Promise.all([...index.tools].map(([name, oid]) => this.tool(name, oid))),
    ]);
    return assemble(index.sha, config, index.config, agents, tools, [...index.strays, ...misnamedFolders(index.roots ?? [])]);
  }
}

function assemble(
  sha: string,
  config: Parsed<CaxtonFile> | null,
  configOid: string | null,
  agents: LoadedAgent[],
  tools: LoadedTool[],
  strays: string[],
): LoadedWorkspace {
  return {
    sha,
    config,
    configOid,
    agents: new Map(agents.map((a) => [a.folder, a])),
    tools: new Map(tools.map((t) => [t.folder, t])),
    parts: {
      config,
      agents: agents.map((a) => ({ folder: a.folder, parsed: a.parsed, files: [...a.files.keys()], ...(a.recording !== undefined ? { recording: a.recording } : {}) })),
      tools: tools.map((t) => ({ folder: t.folder, parsed: t.parsed, files: [...t.files.keys()], ...(t.plugin ? { plugin: t.plugin } : {}) })),
      strays,
    },
  };
}

function listFilesOnDisk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFilesOnDisk(path.join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The working tree's workspace, as files on disk (committed or not). */
export function loadWorkingTree(dir: string): LoadedWorkspace {
  const strays: string[] = [];
  const entries = (sub: string) => {
    const full = path.join(dir, sub);
    if (!fs.existsSync(full)) return [];
    return fs.readdirSync(full, { withFileTypes: true }).filter((e) => {
      if (e.isFile() && !e.name.startsWith('.')) strays.push(`${sub}/${e.name}`);
      return e.isDirectory() && !e.name.startsWith('.');
    });
  };
  const configSource = readIfExists(path.join(dir, 'caxton.toml'));
  const config = configSource === null ? null : parseConfigSource({ path: 'caxton.toml', source: configSource });
  const agents = entries('agents').map((e): LoadedAgent => {
    const source = readIfExists(path.join(dir, 'agents', e.name, 'agent.toml'));
    const file = { path: `agents/${e.name}/agent.toml`, source: source ?? '' };
    const files = new Map(listFilesOnDisk(path.join(dir, 'agents', e.name)).map((f) => [f, ''] as const));
    if (source === null) return { folder: e.name, oid: '', parsed: null, files };
    const parsed = parseAgentSource(e.name, file);
    const replayed = parsed.value ? replayedFile(parsed.value) : null;
    if (!replayed) return { folder: e.name, oid: '', parsed, files };
    return { folder: e.name, oid: '', parsed, files, recording: readIfExists(path.join(dir, 'agents', e.name, ...replayed.split('/'))) };
  });
  const tools = entries('tools').map((e): LoadedTool => {
    const folder = path.join(dir, 'tools', e.name);
    const files = new Map(listFilesOnDisk(folder).map((f) => [f, ''] as const));
    const source = readIfExists(path.join(folder, 'tool.toml'));
    const file = { path: `tools/${e.name}/tool.toml`, source: source ?? '' };
    const parsed = source === null ? null : parseToolSource(e.name, file);
    const wasm = parsed?.value && files.has(parsed.value.wasm) ? path.join(folder, parsed.value.wasm) : null;
    const plugin = wasm ? inspectPlugin(fs.readFileSync(wasm)) : undefined;
    return { folder: e.name, oid: '', parsed, files, ...(plugin ? { plugin } : {}) };
  });
  const roots = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  return assemble('', config, null, agents, tools, [...strays.sort(), ...misnamedFolders(roots)]);
}

/**
 * Root folders whose names are a slip for agents/ or tools/ (`agent/`, `Tools/`), as `name/`: what
 * they hold is never read, and a workspace that validated "fine" without the agent in them misled.
 */
export function misnamedFolders(roots: readonly string[]): string[] {
  return roots.filter((r) => slipFor(r) !== null).map((r) => `${r}/`);
}
