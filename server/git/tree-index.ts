// A commit → the tree ids of its workspace entities (three tree reads, whatever the repository's size).
import type { GitRepo } from './repo.js';
import type { EntityOids } from './changeset.js';

export interface WorkspaceIndex extends EntityOids {
  sha: string;
  /** Blobs directly under agents/ or tools/, outside any entity folder. */
  strays: string[];
  /** The folders at the root (a workspace's own, and anything else the repository holds). */
  roots?: string[];
}

async function folders(repo: GitRepo, treeOid: string | undefined, dir: string, strays: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!treeOid) return out;
  for (const e of await repo.readTree(treeOid)) {
    if (e.type === 'tree') out.set(e.path, e.oid);
    else if (e.type === 'blob' && !e.path.startsWith('.')) strays.push(`${dir}/${e.path}`);
  }
  return out;
}

/** Reads the root, agents/ and tools/ trees of `sha`. */
export async function readWorkspaceIndex(repo: GitRepo, sha: string): Promise<WorkspaceIndex> {
  const root = await repo.readTree(await repo.commitTree(sha));
  const find = (name: string, type: string) => root.find((e) => e.path === name && e.type === type)?.oid;
  const strays: string[] = [];
  const [agents, tools] = await Promise.all([
    folders(repo, find('agents', 'tree'), 'agents', strays),
    folders(repo, find('tools', 'tree'), 'tools', strays),
  ]);
  const roots = root.filter((e) => e.type === 'tree').map((e) => e.path);
  return { sha, config: find('caxton.toml', 'blob') ?? null, agents, tools, strays: strays.sort(), roots };
}
