// Field-level differences between two versions of an agent or tool, each with its impact on
// whoever depends on it. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { AgentFile, CaxtonFile, ToolFile } from './schema.js';

export type Impact = 'breaking' | 'compatible' | 'cosmetic';

export interface FieldChange {
  /** a key of the manifest; for a file beside it (see `file`), its path inside the folder */
  field: string;
  impact: Impact;
  before?: unknown;
  after?: unknown;
  added?: string[];
  removed?: string[];
  /** A short human reason, e.g. "capability removed". */
  note?: string;
  /**
   * Set when the change is a file beside the manifest (a recording, a README): its path in the
   * workspace; `before` and `after` are then its blob ids, one absent when it was added or removed.
   */
  file?: string;
}

const IMPACT_ORDER: Record<Impact, number> = { breaking: 0, compatible: 1, cosmetic: 2 };

/** The worst impact among changes, or null when there are none. */
export function overallImpact(changes: readonly FieldChange[]): Impact | null {
  return changes.reduce<Impact | null>((w, c) => (w === null || IMPACT_ORDER[c.impact] < IMPACT_ORDER[w] ? c.impact : w), null);
}

export function sortByImpact(changes: FieldChange[]): FieldChange[] {
  return changes.sort((a, b) => IMPACT_ORDER[a.impact] - IMPACT_ORDER[b.impact] || a.field.localeCompare(b.field));
}

function setDiff(field: string, before: readonly string[], after: readonly string[], removedNote: string, addedNote: string): FieldChange[] {
  const b = new Set(before);
  const a = new Set(after);
  const removed = [...b].filter((x) => !a.has(x));
  const added = [...a].filter((x) => !b.has(x));
  const out: FieldChange[] = [];
  if (removed.length) out.push({ field, impact: 'breaking', removed, note: removedNote });
  if (added.length) out.push({ field, impact: 'compatible', added, note: addedNote });
  return out;
}

function scalar(field: string, before: unknown, after: unknown, impact: Impact, note?: string): FieldChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  return [{ field, impact, before, after, ...(note ? { note } : {}) }];
}

const AGENT_COSMETIC = ['description', 'version', 'tags', 'metadata'] as const;
const AGENT_BEHAVIOUR = ['runtime', 'behavior', 'llm'] as const;
/** what an LLM agent sends its model: a change changes its answers, and leaves its recordings behind */
const AGENT_PROMPTS = ['system_prompt', 'user_prompt_template'] as const;

/** What changed in an agent: capabilities removed / tools revoked break callers; additions do not. */
export function diffAgent(before: AgentFile, after: AgentFile): FieldChange[] {
  const out = [
    ...setDiff('capabilities', before.capabilities, after.capabilities, 'capability removed', 'capability added'),
    ...setDiff('tools', before.tools, after.tools, 'tool revoked', 'tool granted'),
    ...AGENT_BEHAVIOUR.flatMap((f) => scalar(f, before[f], after[f], 'compatible', 'behaviour changed')),
    ...AGENT_COSMETIC.flatMap((f) => scalar(f, before[f], after[f], 'cosmetic')),
    // an offline agent never reads its prompts
    ...AGENT_PROMPTS.flatMap((f) =>
      after.runtime === 'llm' ? scalar(f, before[f], after[f], 'compatible', 'prompt changed: the model answers differently, and a recording no longer matches') : scalar(f, before[f], after[f], 'cosmetic'),
    ),
  ];
  return sortByImpact(out);
}

const LOWERABLE = ['timeout_ms', 'memory_mb', 'max_output_bytes', 'quarantine_after'] as const;

/** What changed in a tool: functions removed, their input schema changed or a limit lowered break callers. */
export function diffTool(before: ToolFile, after: ToolFile, wasm?: { before: string; after: string }): FieldChange[] {
  const fb = new Map(before.functions.map((f) => [f.name, f]));
  const fa = new Map(after.functions.map((f) => [f.name, f]));
  const out = setDiff('functions', [...fb.keys()], [...fa.keys()], 'function removed', 'function added');
  for (const [name, f] of fa) {
    const old = fb.get(name);
    if (!old) continue;
    out.push(...scalar(`functions.${name}.input_schema`, old.input_schema, f.input_schema, 'breaking', 'input schema changed'));
    out.push(...scalar(`functions.${name}.description`, old.description, f.description, 'cosmetic'));
  }
  // a lower limit can fail a call that fit before; a higher one cannot
  const lowered = LOWERABLE.some((k) => (after.limits[k] ?? Infinity) < (before.limits[k] ?? Infinity));
  out.push(...scalar('limits', before.limits, after.limits, lowered ? 'breaking' : 'compatible', lowered ? 'limits lowered: calls that fit before may fail' : 'limits changed'));
  out.push(...setDiff('allowed_hosts', before.allowed_hosts, after.allowed_hosts, 'host access revoked', 'host access granted'));
  out.push(...scalar('allowed_paths', before.allowed_paths, after.allowed_paths, 'compatible', 'file access changed'));
  out.push(...scalar('config', before.config, after.config, 'compatible'));
  out.push(...scalar('wasm', before.wasm, after.wasm, 'compatible', 'plugin path changed'));
  if (wasm && wasm.before !== wasm.after) {
    // a plugin that is gone takes every function with it
    out.push(wasm.after
      ? { field: 'plugin', impact: 'compatible', before: wasm.before, after: wasm.after, note: 'plugin binary changed' }
      : { field: 'plugin', impact: 'breaking', before: wasm.before, after: wasm.after, note: 'plugin missing' });
  }
  out.push(...scalar('description', before.description, after.description, 'cosmetic'));
  out.push(...scalar('version', before.version, after.version, 'cosmetic'));
  out.push(...scalar('metadata', before.metadata, after.metadata, 'cosmetic'));
  return sortByImpact(out);
}

/** An entity folder's files (path inside it → blob id), and which of them Caxton reads, with why. */
export interface FolderFiles {
  /** e.g. agents/writer */
  folder: string;
  before: ReadonlyMap<string, string>;
  after: ReadonlyMap<string, string>;
  /** files compared elsewhere (the manifest, a tool's plugin) */
  skip: readonly string[];
  /** files Caxton reads (compatible when they change), each with the note; others are cosmetic */
  read?: ReadonlyMap<string, string>;
}

/**
 * The files beside a manifest that were added, removed or changed (by blob id): a folder whose only
 * change is such a file (an agent's recording, say) is modified too, and said nothing about why.
 */
export function diffFiles(f: FolderFiles): FieldChange[] {
  const paths = [...new Set([...f.before.keys(), ...f.after.keys()])].filter((p) => !f.skip.includes(p));
  const out: FieldChange[] = [];
  for (const path of paths) {
    const before = f.before.get(path);
    const after = f.after.get(path);
    if (before === after) continue;
    const note = f.read?.get(path);
    out.push({
      field: path,
      impact: note ? 'compatible' : 'cosmetic',
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      note: note ?? 'not read by Caxton',
      file: `${f.folder}/${path}`,
    });
  }
  return sortByImpact(out);
}

/**
 * What changed in caxton.toml, by table (`routing`, `server`…): each a behaviour change for every
 * message or the server, none breaking a caller's contract. Comments and layout change nothing here.
 */
export function diffConfig(before: CaxtonFile, after: CaxtonFile): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])] as Array<keyof CaxtonFile>;
  return sortByImpact(keys.flatMap((k) => scalar(String(k), before[k], after[k], 'compatible', 'settings changed')));
}
