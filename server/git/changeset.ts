// Which agents and tools differ between two workspace states, decided from tree ids alone: a folder
// whose tree id is unchanged is unchanged, and none of its files is read. Pure.

/** The identity of every entity of a workspace state: the tree id of each agent and tool folder. */
export interface EntityOids {
  /** blob id of caxton.toml, or null */
  config: string | null;
  agents: ReadonlyMap<string, string>;
  tools: ReadonlyMap<string, string>;
}

export type EntityKind = 'agent' | 'tool';

export interface EntityChange {
  kind: EntityKind;
  name: string;
  fromOid?: string;
  toOid?: string;
}

export interface Changeset {
  added: EntityChange[];
  modified: EntityChange[];
  removed: EntityChange[];
  /** caxton.toml changed (added, edited or removed) */
  config: boolean;
  unchanged: number;
}

function diffKind(kind: EntityKind, from: ReadonlyMap<string, string>, to: ReadonlyMap<string, string>, out: Changeset): void {
  for (const [name, toOid] of to) {
    const fromOid = from.get(name);
    if (fromOid === undefined) out.added.push({ kind, name, toOid });
    else if (fromOid !== toOid) out.modified.push({ kind, name, fromOid, toOid });
    else out.unchanged++;
  }
  for (const [name, fromOid] of from) if (!to.has(name)) out.removed.push({ kind, name, fromOid });
}

const byKindName = (a: EntityChange, b: EntityChange) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);

/** The changeset that takes `from` (null: nothing deployed) to `to`. */
export function computeChangeset({ from, to }: { from: EntityOids | null; to: EntityOids }): Changeset {
  const empty = new Map<string, string>();
  const out: Changeset = { added: [], modified: [], removed: [], config: (from?.config ?? null) !== to.config, unchanged: 0 };
  diffKind('tool', from?.tools ?? empty, to.tools, out);
  diffKind('agent', from?.agents ?? empty, to.agents, out);
  out.added.sort(byKindName);
  out.modified.sort(byKindName);
  out.removed.sort(byKindName);
  return out;
}
