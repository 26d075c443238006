// The pending changeset: the workspace's HEAD against what is deployed, computed locally from tree
// ids (only modified entities are read, for their field diffs).
import { GitRepo, findGitdir } from '../server/git/repo.js';
import { readWorkspaceIndex } from '../server/git/tree-index.js';
import { computeChangeset, type EntityOids } from '../server/git/changeset.js';
import { EntityCache } from '../server/workspace/load.js';
import { agentEntity, describeChanges, toolEntity, type PlanEntity, type PlanSide } from '../server/deploy/plan.js';
import type { AgentFile, ToolFile } from '../server/workspace/schema.js';
import type { Changes } from '../server/deploy/record.js';

export interface DeployedEntities {
  sha: string | null;
  configOid: string | null;
  agents: Array<{ name: string; oid: string }>;
  tools: Array<{ name: string; oid: string; wasmOid?: string }>;
}

export interface Pending {
  headSha: string;
  changes: Changes;
}

export async function pendingChanges(root: string, deployed: DeployedEntities): Promise<Pending | null> {
  if (!findGitdir(root)) return null;
  const repo = new GitRepo(root);
  const head = await repo.head();
  if (!head) return null;
  const index = await readWorkspaceIndex(repo, head);
  const from: EntityOids = {
    config: deployed.configOid,
    agents: new Map(deployed.agents.map((a) => [a.name, a.oid])),
    tools: new Map(deployed.tools.map((t) => [t.name, t.oid])),
  };
  const cs = computeChangeset({ from, to: index });
  const cache = new EntityCache(repo);
  const modified = new Set(cs.modified.map((m) => `${m.kind}:${m.name}`));
  // Every modified entity's folder is read at once (both sides), not one after another.
  const side = async (oids: EntityOids, sha: string): Promise<PlanSide> => {
    const loads: Array<Promise<void>> = [];
    const agents = new Map<string, PlanEntity<AgentFile>>();
    for (const [name, oid] of oids.agents) {
      const e: PlanEntity<AgentFile> = { oid, spec: null, sha };
      agents.set(name, e);
      if (modified.has(`agent:${name}`)) loads.push(cache.agent(name, oid).then((a) => void Object.assign(e, agentEntity(a, sha)), () => undefined));
    }
    const tools = new Map<string, PlanEntity<ToolFile>>();
    for (const [name, oid] of oids.tools) {
      const e: PlanEntity<ToolFile> = { oid, spec: null, sha, wasmOid: null };
      tools.set(name, e);
      if (modified.has(`tool:${name}`)) {
        loads.push(cache.tool(name, oid).then((t) => void Object.assign(e, toolEntity(t, sha)), () => undefined));
      }
    }
    await Promise.all(loads);
    return { config: oids.config, agents, tools };
  };
  const [fromSide, toSide] = await Promise.all([side(from, deployed.sha ?? ''), side(index, head)]);
  const changes = describeChanges(fromSide, toSide);
  return { headSha: head, changes };
}
