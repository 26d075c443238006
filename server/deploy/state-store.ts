// The deployed state on disk (<data>/deployment.json): what a restart serves again, and what
// `caxton status` reads while the server is down. Written atomically (temp file, fsync, rename).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DeploymentRecord, HeldBack } from './record.js';
import type { Snapshot } from './snapshot.js';
import { describeSnapshot } from './snapshot.js';

export const DeployedState = z.object({
  version: z.literal(1),
  deployedSha: z.string().nullable(),
  deployedAt: z.string().nullable(),
  deploymentId: z.string().nullable(),
  configOid: z.string().nullable(),
  /** name → tree id and commit of each running version: enough to rebuild exactly this snapshot */
  entities: z.object({
    agents: z.record(z.string(), z.object({ oid: z.string(), sha: z.string() })),
    tools: z.record(z.string(), z.object({ oid: z.string(), sha: z.string() })),
  }),
  agents: z.array(z.record(z.string(), z.unknown())),
  tools: z.array(z.record(z.string(), z.unknown())),
  heldBack: z.array(HeldBack),
  lastDeployment: DeploymentRecord.nullable(),
  workspace: z.string().nullable(),
});
export type DeployedState = z.infer<typeof DeployedState>;

export const DeployLock = z.object({ reason: z.string(), since: z.string(), by: z.string().nullable() });
export type DeployLock = z.infer<typeof DeployLock>;

export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    /* directories cannot be fsynced on every platform */
  }
}

export function stateOf(snapshot: Snapshot | null, last: DeploymentRecord | null, workspace: string | null): DeployedState {
  const view = snapshot ? describeSnapshot(snapshot) : { agents: [], tools: [] };
  const pick = (m: ReadonlyMap<string, { oid: string; sha: string }> | undefined) =>
    Object.fromEntries([...(m ?? new Map())].map(([n, e]) => [n, { oid: e.oid, sha: e.sha }]));
  return {
    version: 1,
    deployedSha: snapshot?.sha ?? null,
    deployedAt: snapshot?.deployedAt ?? null,
    deploymentId: snapshot?.deploymentId ?? null,
    configOid: snapshot?.configOid ?? null,
    entities: { agents: pick(snapshot?.agents), tools: pick(snapshot?.tools) },
    agents: view.agents,
    tools: view.tools,
    heldBack: [...(snapshot?.heldBack ?? [])],
    lastDeployment: last,
    workspace,
  };
}

export class StateStore {
  readonly stateFile: string;
  readonly lockFile: string;
  constructor(readonly dataDir: string) {
    this.stateFile = path.join(dataDir, 'deployment.json');
    this.lockFile = path.join(dataDir, 'lock.json');
  }

  static read(file: string): DeployedState | null {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    const r = DeployedState.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  }

  load(): DeployedState | null {
    return StateStore.read(this.stateFile);
  }

  save(state: DeployedState): void {
    writeFileAtomic(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }

  loadLock(): DeployLock | null {
    try {
      return DeployLock.parse(JSON.parse(fs.readFileSync(this.lockFile, 'utf8')));
    } catch {
      return null;
    }
  }

  saveLock(lock: DeployLock | null): void {
    if (lock) writeFileAtomic(this.lockFile, JSON.stringify(lock));
    else fs.rmSync(this.lockFile, { force: true });
  }
}
