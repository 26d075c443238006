// The runtime snapshot: everything that serves, at one commit. Immutable; a deployment builds a new
// one and swaps it in with a single assignment, so a reader never sees half of a deployment.
import type { AgentFile, CaxtonFile, ToolFile } from '../workspace/schema.js';
import type { HeldBack } from './record.js';
import type { PlanSide } from './plan.js';
import type { AgentInstance, ToolInstance } from './runtime-factory.js';

export interface LiveAgent {
  readonly name: string;
  /** tree id of agents/<name>/ — the agent's identity */
  readonly oid: string;
  /** commit this version was deployed from */
  readonly sha: string;
  readonly spec: AgentFile;
  readonly instance: AgentInstance;
  /** the folder's files, path inside it → blob id: a plan names those beside agent.toml that change */
  readonly files?: ReadonlyMap<string, string>;
}

export interface LiveTool {
  readonly name: string;
  readonly oid: string;
  readonly sha: string;
  readonly wasmOid: string;
  readonly spec: ToolFile;
  readonly instance: ToolInstance;
  /** the folder's files, path inside it → blob id */
  readonly files?: ReadonlyMap<string, string>;
}

export interface Snapshot {
  readonly deploymentId: string;
  readonly sha: string;
  readonly deployedAt: string;
  readonly configOid: string | null;
  readonly config: CaxtonFile;
  readonly agents: ReadonlyMap<string, LiveAgent>;
  readonly tools: ReadonlyMap<string, LiveTool>;
  /** capability → names of the agents that serve it, sorted */
  readonly capabilities: ReadonlyMap<string, readonly string[]>;
  readonly heldBack: readonly HeldBack[];
  /** agents a deployment since the server started removed, with that deployment: a message to one says so */
  readonly removedAgents?: ReadonlyMap<string, RemovedBy>;
}

/** The deployment that removed an agent. */
export interface RemovedBy {
  readonly deploymentId: string;
  readonly sha: string;
}

/** capability → agents serving it. Pure. */
export function capabilityIndex(agents: Iterable<{ name: string; spec: { capabilities: readonly string[] } }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of agents) {
    for (const c of new Set(a.spec.capabilities)) {
      const list = out.get(c);
      if (list) list.push(a.name);
      else out.set(c, [a.name]);
    }
  }
  for (const list of out.values()) list.sort();
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** A snapshot seen as the "current" side of a plan. */
export function planSideOf(s: Snapshot): PlanSide & { sha: string } {
  return {
    sha: s.sha,
    config: s.configOid,
    configSpec: s.config,
    agents: new Map([...s.agents].map(([n, a]) => [n, { oid: a.oid, spec: a.spec, sha: a.sha, ...(a.files ? { files: a.files } : {}) }])),
    tools: new Map([...s.tools].map(([n, t]) => [n, { oid: t.oid, spec: t.spec, sha: t.sha, wasmOid: t.wasmOid, ...(t.files ? { files: t.files } : {}) }])),
  };
}

/** The public view of what runs, as the API and the status cache show it. */
export function describeSnapshot(s: Snapshot) {
  return {
    agents: [...s.agents.values()].map((a) => ({
      name: a.name,
      description: a.spec.description,
      capabilities: a.spec.capabilities,
      tools: a.spec.tools,
      runtime: a.spec.runtime,
      version: a.spec.version ?? null,
      sha: a.sha,
      oid: a.oid,
    })),
    tools: [...s.tools.values()].map((t) => ({
      name: t.name,
      description: t.spec.description,
      functions: t.spec.functions.map((f) => ({ name: f.name, description: f.description, input_schema: f.input_schema })),
      limits: t.spec.limits,
      version: t.spec.version ?? null,
      sha: t.sha,
      oid: t.oid,
      wasmOid: t.wasmOid,
      wasmSha256: t.instance.sha256,
      // The sandbox's live view (workers, calls, quarantine), when the instance has one.
      ...(typeof (t.instance as { status?: unknown }).status === 'function' ? { status: (t.instance as unknown as { status(): unknown }).status() } : {}),
    })),
    capabilities: Object.fromEntries(s.capabilities),
  };
}
