// Snapshots built in memory for the dispatcher's tests and the routing benchmark: agents whose
// runtime is a function the caller controls, indexed by capability as the deployer indexes them.
import type { AgentAnswer, AgentRequest, AgentRuntime } from '../../server/agents/runtime.js';
import { capabilityIndex, type LiveAgent, type Snapshot } from '../../server/deploy/snapshot.js';
import type { AgentFile } from '../../server/workspace/schema.js';
import type { CaxtonFile } from '../../server/workspace/schema.js';

export type Handler = (req: AgentRequest) => AgentAnswer | Promise<AgentAnswer>;

export interface FakeAgentDef {
  capabilities: string[];
  handle: Handler;
}

/** A live agent whose runtime calls `def.handle`. */
export function fakeLiveAgent(name: string, def: FakeAgentDef, sha = 'sha-1'): LiveAgent {
  // as the offline runtime does: an answer given at once is returned at once, a promise as it is
  const instance: AgentRuntime = { name, kind: 'offline', handle: (req) => def.handle(req) };
  const spec = { name, description: `the ${name} agent`, capabilities: def.capabilities, tools: [], runtime: 'offline' } as unknown as AgentFile;
  return { name, oid: `oid-${name}-${sha}`, sha, spec, instance };
}

let seq = 0;

/**
 * A snapshot serving `defs` (name → capabilities and handler); each call is a new deployment.
 * @example fakeSnapshot({ echo: { capabilities: ['echo'], handle: (r) => ({ content: r.message.content }) } })
 */
export function fakeSnapshot(defs: Record<string, FakeAgentDef>, o: { sha?: string; config?: CaxtonFile } = {}): Snapshot {
  const sha = o.sha ?? `sha-${++seq}`;
  const agents = new Map(Object.entries(defs).map(([name, d]) => [name, fakeLiveAgent(name, d, sha)]));
  return {
    deploymentId: `dep-${sha}`,
    sha,
    deployedAt: new Date(0).toISOString(),
    configOid: null,
    config: o.config ?? {},
    agents,
    tools: new Map(),
    capabilities: capabilityIndex(agents.values()),
    heldBack: [],
  };
}
