// In-memory workspaces for the pure core: WorkspaceParts built with the real parse functions (so
// positions and issues are the ones users see), and the plan sides the deployer derives from them.
// Oids are content hashes, as in git: the same content gives the same oid, an edit a new one.
import { createHash } from 'node:crypto';
import { parseAgentSource, parseConfigSource, parseToolSource } from '../../server/workspace/parse.js';
import type { WorkspaceParts } from '../../server/workspace/validate.js';
import type { PlanEntity, PlanSide } from '../../server/deploy/plan.js';
import type { AgentFile, ToolFile } from '../../server/workspace/schema.js';
import type { PluginInfo } from '../../server/tools/plugin-info.js';
import { agentToml, toolToml, type AgentOpts } from './workspace.js';

/** TOML source, builder options (defaults from agentToml), or null for a folder without agent.toml. */
export type FakeAgent = string | AgentOpts | null;

export interface FakeToolOpts {
  /** tool.toml as written; default: toolToml(folder, functions, extra) */
  source?: string;
  functions?: string[];
  extra?: Record<string, unknown>;
  /** files in the folder besides tool.toml; default ['plugin.wasm'] */
  files?: string[];
  /** stands for the plugin's bytes: a different label is a different binary */
  wasm?: string;
  /** what inspecting the plugin found (absent: not inspected, as before a plugin is read) */
  plugin?: PluginInfo;
}
/** TOML source, options, or null for a folder without tool.toml (its files: ['plugin.wasm']). */
export type FakeTool = string | FakeToolOpts | null;

export interface FakeWorkspaceOpts {
  agents?: Record<string, FakeAgent>;
  tools?: Record<string, FakeTool>;
  /** caxton.toml source; absent or null: no caxton.toml */
  config?: string | null;
  strays?: string[];
}

export interface FakeWorkspace extends WorkspaceParts {
  configOid: string | null;
  agentOids: Map<string, string>;
  toolOids: Map<string, string>;
  wasmOids: Map<string, string>;
}

export const oidOf = (content: string): string => createHash('sha1').update(content).digest('hex');

/**
 * A workspace as validateWorkspace sees it.
 * @example fakeWorkspace({ agents: { a: { tools: ['t'] } }, tools: { t: {} } })
 */
export function fakeWorkspace(o: FakeWorkspaceOpts = {}): FakeWorkspace {
  const ws: FakeWorkspace = {
    config: null,
    configOid: null,
    agents: [],
    tools: [],
    strays: o.strays ?? [],
    agentOids: new Map(),
    toolOids: new Map(),
    wasmOids: new Map(),
  };
  if (o.config != null) {
    ws.config = parseConfigSource({ path: 'caxton.toml', source: o.config });
    ws.configOid = oidOf(o.config);
  }
  const agents: WorkspaceParts['agents'][number][] = [];
  for (const [folder, a] of Object.entries(o.agents ?? {})) {
    const source = a === null ? null : typeof a === 'string' ? a : agentToml(folder, a);
    agents.push({ folder, parsed: source === null ? null : parseAgentSource(folder, { path: `agents/${folder}/agent.toml`, source }) });
    ws.agentOids.set(folder, oidOf(`agent\0${source}`));
  }
  const tools: WorkspaceParts['tools'][number][] = [];
  for (const [folder, t] of Object.entries(o.tools ?? {})) {
    const opts: FakeToolOpts = typeof t === 'string' ? { source: t } : (t ?? {});
    const source = t === null ? null : (opts.source ?? toolToml(folder, opts.functions, opts.extra));
    const others = opts.files ?? ['plugin.wasm'];
    const files = source === null ? others : ['tool.toml', ...others];
    const wasmOid = oidOf(`wasm\0${folder}\0${opts.wasm ?? ''}`);
    tools.push({ folder, parsed: source === null ? null : parseToolSource(folder, { path: `tools/${folder}/tool.toml`, source }), files, ...(opts.plugin ? { plugin: opts.plugin } : {}) });
    ws.wasmOids.set(folder, wasmOid);
    ws.toolOids.set(folder, oidOf(`tool\0${source}\0${files.join('\0')}\0${wasmOid}`));
  }
  ws.agents = agents;
  ws.tools = tools;
  return ws;
}

/** The plan side the deployer builds from a loaded commit: every entity, spec null when invalid. */
export function fakeSide(ws: FakeWorkspace, sha: string): PlanSide & { sha: string } {
  const agents = new Map<string, PlanEntity<AgentFile>>();
  for (const a of ws.agents) agents.set(a.folder, { oid: ws.agentOids.get(a.folder)!, spec: a.parsed?.value ?? null, sha });
  const tools = new Map<string, PlanEntity<ToolFile>>();
  for (const t of ws.tools) {
    const spec = t.parsed?.value ?? null;
    // each file by a content-like id: the plugin by its label's, the others by their path (their content never changes here)
    const files = new Map(t.files.map((f) => [f, f === (spec?.wasm ?? 'plugin.wasm') ? ws.wasmOids.get(t.folder)! : oidOf(`file\0${t.folder}\0${f}\0${f === 'tool.toml' ? ws.toolOids.get(t.folder) : ''}`)] as const));
    tools.set(t.folder, { oid: ws.toolOids.get(t.folder)!, spec, sha, wasmOid: spec ? ws.wasmOids.get(t.folder)! : null, files });
  }
  return { sha, config: ws.configOid, configSpec: ws.config?.value ?? null, agents, tools };
}
