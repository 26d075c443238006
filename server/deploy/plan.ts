// Deciding a deployment: from what runs now and the validated target, which agents and tools the
// next snapshot holds and where each comes from. Pure: no git, no clock, no I/O.
import type { AgentFile, CaxtonFile, ToolFile } from '../workspace/schema.js';
import type { Issue } from '../workspace/issue.js';
import type { ValidationResult } from '../workspace/validate.js';
import type { LoadedAgent, LoadedTool } from '../workspace/load.js';
import { computeChangeset, type EntityOids } from '../git/changeset.js';
import { diffAgent, diffConfig, diffFiles, diffTool, overallImpact, sortByImpact, type FieldChange, type FolderFiles } from '../workspace/diff.js';
import { recordingFile, replayedFile } from '../agents/llm-config.js';
import type { ChangeItem, Changes, DeploymentStatus, HeldBack, RecordIssue } from './record.js';

export interface PlanEntity<T> {
  oid: string;
  /** null when the file is missing or invalid */
  spec: T | null;
  /** commit the version comes from */
  sha: string;
  /** tools: blob id of the wasm file */
  wasmOid?: string | null;
  /** the files of the folder (path inside it → blob id), to name those beside the manifest that changed */
  files?: ReadonlyMap<string, string>;
}

/** A loaded agent folder as a plan entity. */
export function agentEntity(a: LoadedAgent, sha: string): PlanEntity<AgentFile> {
  return { oid: a.oid, spec: a.parsed?.value ?? null, sha, files: a.files };
}

/** A loaded tool folder as a plan entity; its identity includes the blob id of its plugin. */
export function toolEntity(t: LoadedTool, sha: string): PlanEntity<ToolFile> {
  const spec = t.parsed?.value ?? null;
  return { oid: t.oid, spec, sha, wasmOid: spec ? (t.files.get(spec.wasm) ?? null) : null, files: t.files };
}

export interface PlanSide {
  config: string | null;
  /** caxton.toml as parsed (null when it is absent or does not parse): its changes by setting */
  configSpec?: CaxtonFile | null;
  agents: ReadonlyMap<string, PlanEntity<AgentFile>>;
  tools: ReadonlyMap<string, PlanEntity<ToolFile>>;
}

export interface PlanInput {
  ref: string;
  toSha: string;
  /** What runs now; null before the first deployment. */
  current: (PlanSide & { sha: string }) | null;
  target: PlanSide;
  validation: ValidationResult;
  partial: boolean;
}

export interface Selected {
  oid: string;
  from: 'target' | 'current';
}

export interface Plan {
  ref: string;
  fromSha: string | null;
  toSha: string;
  outcome: DeploymentStatus;
  /** Every agent and tool of the next snapshot; empty when the outcome is failed. */
  agents: Map<string, Selected>;
  tools: Map<string, Selected>;
  /** Entities whose instance must be built (new or changed oid). */
  build: Array<{ kind: 'agent' | 'tool'; name: string }>;
  changes: Changes;
  errors: RecordIssue[];
  warnings: RecordIssue[];
  heldBack: HeldBack[];
  noop: boolean;
}

const toRecordIssue = (i: Issue): RecordIssue => ({ ...i });

function oids(side: PlanSide | null): EntityOids | null {
  if (!side) return null;
  const pick = <T>(m: ReadonlyMap<string, PlanEntity<T>>) => new Map([...m].map(([k, v]) => [k, v.oid]));
  return { config: side.config, agents: pick(side.agents), tools: pick(side.tools) };
}

/** What an LLM agent's recording is to it: played back by provider "replay", else only by CAXTON_LLM_REPLAY=1. */
function recordingNote(spec: AgentFile): string {
  return replayedFile(spec) ? 'the recording the agent plays back: its answers change' : 'the recording CAXTON_LLM_REPLAY=1 plays back';
}

function fieldsFor(kind: 'agent' | 'tool', name: string, before: PlanEntity<unknown> | undefined, after: PlanEntity<unknown> | undefined): FieldChange[] {
  if (!before?.spec || !after?.spec) return [];
  // without both folders' files (a side known only by its tree id) the files are not compared
  const files = (f: Omit<FolderFiles, 'before' | 'after'>) => (before.files && after.files ? diffFiles({ ...f, before: before.files, after: after.files }) : []);
  if (kind === 'agent') {
    const [b, a] = [before.spec as AgentFile, after.spec as AgentFile];
    // its recording (replay_file, before and after a rename) is read; the other files are not
    const recordings = [recordingFile(b), recordingFile(a)].filter((f): f is string => f !== null);
    const read = new Map(recordings.map((f) => [f, recordingNote(a)] as const));
    return sortByImpact([...diffAgent(b, a), ...files({ folder: `agents/${name}`, skip: ['agent.toml'], read })]);
  }
  const [b, a] = [before.spec as ToolFile, after.spec as ToolFile];
  const wasm = { before: before.wasmOid ?? '', after: after.wasmOid ?? '' };
  return sortByImpact([...diffTool(b, a, wasm), ...files({ folder: `tools/${name}`, skip: ['tool.toml', b.wasm, a.wasm] })]);
}

/** The changes between two sides, with field diffs for modified entities. */
export function describeChanges(from: PlanSide | null, to: PlanSide): Changes {
  const cs = computeChangeset({ from: oids(from), to: oids(to)! });
  const side = (s: PlanSide | null, kind: 'agent' | 'tool', name: string) =>
    (kind === 'agent' ? s?.agents.get(name) : s?.tools.get(name)) as PlanEntity<unknown> | undefined;
  const modified: ChangeItem[] = cs.modified.map((c) => {
    const fields = fieldsFor(c.kind, c.name, side(from, c.kind, c.name), side(to, c.kind, c.name));
    return { kind: c.kind, name: c.name, impact: overallImpact(fields), fields };
  });
  const plain = (c: { kind: 'agent' | 'tool'; name: string }): ChangeItem => ({ kind: c.kind, name: c.name });
  const out: Changes = { added: cs.added.map(plain), modified, removed: cs.removed.map(plain) };
  if (cs.config) {
    const list = from?.config == null ? out.added : to.config == null ? out.removed : out.modified;
    const fields = list === out.modified && from?.configSpec && to.configSpec ? diffConfig(from.configSpec, to.configSpec) : [];
    list.unshift(fields.length ? { kind: 'config', name: 'caxton.toml', impact: overallImpact(fields), fields } : { kind: 'config', name: 'caxton.toml' });
  }
  return out;
}

function issuesOf(issues: readonly Issue[], kind: 'agent' | 'tool', name: string): RecordIssue[] {
  return issues.filter((i) => i.severity === 'error' && i.entity?.kind === kind && i.entity.name === name).map(toRecordIssue);
}

/**
 * Decides the next snapshot. Atomic unless `partial`: any error fails the whole deployment. With
 * `partial`, each invalid agent or tool keeps its running version (or stays out when new), and so
 * does anything that would be left pointing at a tool that is not there.
 */
export function planDeployment(input: PlanInput): Plan {
  const { current, target, validation, partial } = input;
  const errors = validation.issues.filter((i) => i.severity === 'error').map(toRecordIssue);
  const warnings = validation.issues.filter((i) => i.severity === 'warning').map(toRecordIssue);
  const base = { ref: input.ref, fromSha: current?.sha ?? null, toSha: input.toSha, errors, warnings };
  const failed = (changes: Changes): Plan => ({
    ...base, outcome: 'failed', agents: new Map(), tools: new Map(), build: [], changes, heldBack: [], noop: false,
  });

  if (errors.length && (!partial || validation.global)) return failed(describeChanges(current, target));

  const heldBack: HeldBack[] = [];
  const hold = (kind: 'agent' | 'tool', name: string, reason: string, issues: RecordIssue[]) => {
    const prev = kind === 'agent' ? current?.agents.get(name) : current?.tools.get(name);
    heldBack.push({ kind, name, kept: prev ? 'previous' : 'none', keptSha: prev?.sha ?? null, reason, issues });
    return prev;
  };
  const select = <T>(kind: 'agent' | 'tool', entities: ReadonlyMap<string, PlanEntity<T>>, valid: ReadonlyMap<string, unknown>) => {
    const out = new Map<string, Selected>();
    for (const [name, e] of entities) {
      if (valid.has(name)) {
        out.set(name, { oid: e.oid, from: 'target' });
        continue;
      }
      const prev = hold(kind, name, 'invalid at the target', issuesOf(validation.issues, kind, name));
      if (prev) out.set(name, { oid: prev.oid, from: 'current' });
    }
    return out;
  };
  const tools = select('tool', target.tools, validation.workspace.tools);
  const agents = select('agent', target.agents, validation.workspace.agents);

  // Every agent must find its tools in the next snapshot: keep a running tool an agent still needs,
  // else hold the agent back. Each pass only adds tools or removes agents, so this ends.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, sel] of agents) {
      const spec = (sel.from === 'target' ? target.agents.get(name) : current?.agents.get(name))?.spec;
      const missing = (spec?.tools ?? []).filter((t) => !tools.has(t));
      if (!missing.length) continue;
      changed = true;
      const restorable = missing.filter((t) => current?.tools.get(t)?.spec);
      if (restorable.length === missing.length && sel.from === 'current') {
        for (const t of restorable) {
          tools.set(t, { oid: current!.tools.get(t)!.oid, from: 'current' });
          hold('tool', t, `still used by agent "${name}", which was held back`, []);
        }
        continue;
      }
      agents.delete(name);
      // A changed agent falls back to its running version, checked again on the next pass.
      const prev = sel.from === 'target' ? current?.agents.get(name) : undefined;
      const reason = `uses tool(s) ${missing.map((t) => `"${t}"`).join(', ')} that are held back or missing`;
      const held = heldBack.find((h) => h.kind === 'agent' && h.name === name);
      if (!held) {
        const issue: RecordIssue = { code: 'held-back-dependency', message: `agent "${name}" ${reason}`, entity: { kind: 'agent', name } };
        heldBack.push({ kind: 'agent', name, kept: prev ? 'previous' : 'none', keptSha: prev?.sha ?? null, reason, issues: [issue] });
      } else if (!prev) Object.assign(held, { kept: 'none', keptSha: null });
      if (prev) agents.set(name, { oid: prev.oid, from: 'current' });
    }
  }

  // The next snapshot as a plan side, to describe exactly what changes.
  const pick = <T>(sel: Map<string, Selected>, t: ReadonlyMap<string, PlanEntity<T>>, c: ReadonlyMap<string, PlanEntity<T>> | undefined) =>
    new Map([...sel].map(([name, s]) => [name, (s.from === 'target' ? t.get(name) : c?.get(name))!] as const));
  const next: PlanSide = { config: target.config, configSpec: target.configSpec, agents: pick(agents, target.agents, current?.agents), tools: pick(tools, target.tools, current?.tools) };
  const changes = describeChanges(current, next);
  const build = [
    ...[...tools].filter(([n, s]) => s.from === 'target' && current?.tools.get(n)?.oid !== s.oid).map(([name]) => ({ kind: 'tool' as const, name })),
    ...[...agents].filter(([n, s]) => s.from === 'target' && current?.agents.get(n)?.oid !== s.oid).map(([name]) => ({ kind: 'agent' as const, name })),
  ];
  const noop = current?.sha === input.toSha && !changes.added.length && !changes.modified.length && !changes.removed.length;
  heldBack.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return { ...base, outcome: heldBack.length ? 'partial' : 'succeeded', agents, tools, build, changes, heldBack, noop };
}
