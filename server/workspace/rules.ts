// Small named checks over parsed files; each pushes issues and decides nothing else.
import type { z } from 'zod';
import type { CaxtonFile, ToolFile } from './schema.js';
import { AgentFile, Name, NAME_RE } from './schema.js';
import type { Issue, IssueCode, EntityRef } from './issue.js';
import type { Parsed } from './parse.js';
import { slugify } from './parse.js';
import { editDistance, nearest } from '../util/nearest.js';
import type { PluginInfo } from '../tools/plugin-info.js';
import { pagesFor } from '../tools/wasm-limits.js';
import { inspectInputSchema } from '../tools/input-schema.js';
import { MESSAGE_FIELDS, placeholders } from '../agents/template.js';
import { replayedFile } from '../agents/llm-config.js';
import { cassetteProblem } from '../agents/llm-replay.js';

export interface AgentEntry {
  folder: string;
  /** null when the folder has no agent.toml */
  parsed: Parsed<AgentFile> | null;
  /** the files the folder holds, relative to it (without an agent.toml: a manifest elsewhere in it, say) */
  files?: readonly string[];
  /** an agent that plays back a recording (replayedFile): its text, null when the folder lacks it; absent when not read */
  recording?: string | null;
}

export interface ToolEntry {
  folder: string;
  parsed: Parsed<ToolFile> | null;
  /** Paths of the files in the tool's folder, relative to it. */
  files: readonly string[];
  /** the plugin the manifest names, inspected; absent when there is none to inspect */
  plugin?: PluginInfo;
}

type Push = (i: Issue) => void;

function at<T>(
  p: Parsed<T>,
  path: Array<string | number>,
  code: IssueCode,
  message: string,
  suggestion: string,
  entity: EntityRef,
  severity: Issue['severity'] = 'error',
): Issue {
  const pos = p.positions?.locate(path) ?? { line: 1, column: 1 };
  return { file: p.path, line: pos.line, column: pos.column, code, message, suggestion, severity, entity };
}

export function folderNames(kind: 'agent' | 'tool', folders: readonly string[], push: Push): void {
  for (const folder of folders) {
    if (NAME_RE.test(folder)) continue;
    push({
      file: `${kind}s/${folder}/`,
      line: 1,
      column: 1,
      code: 'invalid-name',
      message: `folder name "${folder}" is not a valid ${kind} name (^[a-z][a-z0-9-]{0,62}$)`,
      suggestion: `rename the folder to ${kind}s/${slugify(folder)}/`,
      severity: 'error',
      entity: { kind, name: folder },
    });
  }
}

export function manifestPresent(kind: 'agent' | 'tool', entries: ReadonlyArray<{ folder: string; parsed: unknown; files?: readonly string[] }>, push: Push): void {
  const file = `${kind}.toml`;
  const other = kind === 'agent' ? 'tool' : 'agent';
  for (const e of entries) {
    if (e.parsed) continue;
    const dir = `${kind}s/${e.folder}`;
    const files = e.files ?? [];
    // a manifest it does hold, where it does not belong: the other kind's, or one folder too deep
    const deeper = files.find((f) => f.split('/').length === 2 && f.endsWith(`/${file}`));
    let message = `${dir}/ has no ${file}`;
    let suggestion = kind === 'agent' ? `create it with "caxton agent new ${e.folder}", or remove the folder` : `add ${file} describing the plugin, or remove the folder`;
    if (files.includes(`${other}.toml`)) {
      message += `; it holds ${other === 'agent' ? 'an' : 'a'} ${other}.toml, and ${other}s live under ${other}s/`;
      suggestion = `move it: git mv ${dir} ${other}s/${e.folder}`;
    } else if (deeper) {
      const sub = deeper.split('/')[0]!;
      message += `; ${dir}/${deeper} is one folder too deep (${kind === 'agent' ? 'an' : 'a'} ${kind} is ${kind}s/NAME/${file})`;
      suggestion = `move it up: git mv ${dir}/${sub} ${kind}s/${sub}`;
    }
    push({ file: `${dir}/${file}`, line: 1, column: 1, code: 'missing-manifest', message, suggestion, severity: 'error', entity: { kind, name: e.folder } });
  }
}

/**
 * A manifest's field as checked: from its value, or, when an error elsewhere in the file left none,
 * from the document itself if the field is valid on its own, so that error hides neither the field's
 * own problems nor what it provides (every problem at once).
 */
export function checkedField<T>(p: Parsed<object>, key: string, schema: z.ZodType<T>): T | undefined {
  if (p.value) return (p.value as Record<string, unknown>)[key] as T | undefined;
  const r = schema.safeParse((p.raw as Record<string, unknown> | null)?.[key]);
  return r.success ? r.data : undefined;
}

const nameOf = (p: Parsed<{ name: string }>): string | null => checkedField(p, 'name', Name) ?? null;

export function nameMatchesFolder(kind: 'agent' | 'tool', p: Parsed<{ name: string }>, push: Push): void {
  const name = nameOf(p);
  if (name === null || name === p.folder) return;
  push(at(p, ['name'], 'name-mismatch', `name "${name}" differs from its folder "${p.folder}"`,
    `set name = "${p.folder}", or rename the folder to ${kind}s/${name}/`, { kind, name: p.folder }));
}

export function noDuplicateEntries(p: Parsed<AgentFile>, push: Push): void {
  if (!p.value) return;
  for (const field of ['capabilities', 'tools'] as const) {
    const seen = new Set<string>();
    p.value[field].forEach((v, i) => {
      if (seen.has(v)) {
        push(at(p, [field, i], 'duplicate-entry', `"${v}" is listed twice in ${field}`, `remove the second "${v}"`,
          { kind: 'agent', name: p.folder }, 'warning'));
      }
      seen.add(v);
    });
  }
}

export function uniqueFunctions(p: Parsed<ToolFile>, push: Push): void {
  if (!p.value) return;
  const seen = new Set<string>();
  p.value.functions.forEach((f, i) => {
    if (seen.has(f.name)) {
      push(at(p, ['functions', i, 'name'], 'duplicate-name', `function "${f.name}" is declared twice`,
        'give each [[functions]] entry its own name', { kind: 'tool', name: p.folder }));
    }
    seen.add(f.name);
  });
}

export function wasmPresent(t: ToolEntry, push: Push): void {
  const v = t.parsed?.value;
  if (!v || t.files.includes(v.wasm)) return;
  const wasmFiles = t.files.filter((f) => f.endsWith('.wasm'));
  push(at(t.parsed!, ['wasm'], 'missing-file', `wasm file "${v.wasm}" is missing from tools/${t.folder}/`,
    wasmFiles.length ? `did you mean "${wasmFiles[0]}"?` : `build the plugin and commit tools/${t.folder}/${v.wasm}`,
    { kind: 'tool', name: t.folder }));
}

/**
 * A relative allowed_paths folder stays inside the workspace and out of what is the server's: the
 * whole workspace (or data folder, for --repo) holds .caxton/, with the API token and the event
 * log, and .git/ holds a remote's credentials. An absolute path is the committer's grant, as ever.
 */
export function allowedPathsContained(t: ToolEntry, push: Push): void {
  const v = t.parsed?.value;
  if (!v) return;
  for (const host of Object.keys(v.allowed_paths)) {
    if (host.startsWith('/') || /^[A-Za-z]:[\\/]/.test(host)) continue;
    const parts = host.split(/[\\/]+/).filter((s) => s && s !== '.');
    const reason = parts.includes('..') ? 'leaves the workspace ("..")'
      : !parts.length ? 'is the whole workspace, with the server\'s data folder (.caxton/: the API token) in it'
      : parts[0] === '.caxton' || parts[0] === '.git' ? `is inside ${parts[0]}/, which holds the server's token or the repository's credentials`
      : null;
    if (reason) {
      push(at(t.parsed!, ['allowed_paths', host], 'invalid-value', `allowed_paths "${host}" ${reason}`,
        'grant a folder of data inside the workspace, e.g. "data" = "/data"', { kind: 'tool', name: t.folder }));
    }
  }
}

/**
 * The plugin can start under its manifest: a WebAssembly module that imports only what the Extism
 * host provides, fits its memory limit from the start, and exports every function declared.
 */
export function pluginMatches(t: ToolEntry, push: Push): void {
  const v = t.parsed?.value;
  if (!v || !t.plugin) return;
  const entity = { kind: 'tool' as const, name: t.folder };
  const file = `tools/${t.folder}/${v.wasm}`;
  if (!t.plugin.ok) {
    push(at(t.parsed!, ['wasm'], 'invalid-plugin', `${file} is not a WebAssembly module Caxton can run: ${t.plugin.error}`,
      `build the plugin again and commit ${file}`, entity));
    return;
  }
  const imports = t.plugin.unsupportedImports;
  if (imports.length) {
    push(at(t.parsed!, ['wasm'], 'invalid-plugin', `${file} imports ${imports.slice(0, 5).join(', ')}${imports.length > 5 ? ', …' : ''}, which the Extism host does not provide`,
      'build it with an Extism PDK, which imports only the host functions Extism provides', entity));
  }
  const limit = pagesFor(v.limits.memory_mb);
  if (t.plugin.initialPages > limit) {
    const needs = Math.ceil((t.plugin.initialPages * 65_536) / 1_048_576);
    push(at(t.parsed!, ['limits', 'memory_mb'], 'invalid-value', `the plugin needs ${needs} MiB of memory from the start, more than memory_mb = ${v.limits.memory_mb}`,
      `raise memory_mb to at least ${needs}`, entity));
  }
  const exported = t.plugin.exports;
  v.functions.forEach((f, i) => {
    if (exported.includes(f.name)) return;
    const kind = t.plugin!.ok ? t.plugin!.otherExports?.[f.name] : undefined;
    if (kind) {
      push(at(t.parsed!, ['functions', i, 'name'], 'unexported-function', `"${f.name}" is exported by ${v.wasm} as a ${kind}, not a function`,
        `[[functions]] lists only functions agents may call: remove "${f.name}" (it exports ${exported.join(', ') || 'no functions'})`, entity));
      return;
    }
    const near = nearest(f.name, exported, 1);
    push(at(t.parsed!, ['functions', i, 'name'], 'unexported-function', `function "${f.name}" is not exported by ${v.wasm}`,
      near.length ? `did you mean "${near[0]}"? (it exports ${exported.join(', ') || 'no functions'})` : `it exports ${exported.join(', ') || 'no functions'}: declare one of those, or export "${f.name}" from the plugin`,
      entity));
  });
}

/** Each function's input_schema is a JSON Schema that compiles, without keywords that check nothing. */
export function inputSchemasSound(t: ToolEntry, push: Push): void {
  const v = t.parsed?.value;
  if (!v) return;
  v.functions.forEach((f, i) => {
    const problem = inspectInputSchema(f.input_schema);
    if (!problem) return;
    const base = ['functions', i, 'input_schema'];
    const deep = problem.path?.length && t.parsed!.positions?.locate([...base, ...problem.path]) ? [...base, ...problem.path] : base;
    push(at(t.parsed!, deep, 'invalid-schema', `the input_schema of function "${f.name}" ${problem.message}`,
      problem.suggestion, { kind: 'tool', name: t.folder }, problem.severity));
  });
}

export function toolsExist(p: Parsed<AgentFile>, tools: ReadonlySet<string>, push: Push): void {
  // Checked on the raw document too, so a schema error elsewhere does not hide a missing tool.
  const listed = p.value?.tools ?? (p.raw as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(listed)) return;
  listed.forEach((tool: unknown, i) => {
    if (typeof tool !== 'string' || tools.has(tool)) return;
    const near = nearest(tool, tools, 1);
    push(at(p, ['tools', i], 'unknown-tool', `tool "${tool}" does not exist at this commit`,
      near.length ? `did you mean "${near[0]}"?` : `add tools/${tool}/tool.toml, or remove "${tool}" from tools`,
      { kind: 'agent', name: p.folder }));
  });
}

export function uniqueNames(kind: 'agent' | 'tool', parsed: ReadonlyArray<Parsed<{ name: string }>>, push: Push): void {
  const byName = new Map<string, Parsed<{ name: string }>>();
  // The folder named after the name owns it, whatever the folder order: agents/a-copy/ saying
  // name = "b" must not make the correct agents/b/ a duplicate.
  const owns = (p: Parsed<{ name: string }>) => Number(nameOf(p) === p.folder);
  for (const p of [...parsed].sort((a, b) => owns(b) - owns(a))) {
    const name = nameOf(p);
    if (name === null) continue;
    const first = byName.get(name);
    if (!first) {
      byName.set(name, p);
      continue;
    }
    push(at(p, ['name'], 'duplicate-name', `${kind} name "${name}" is already used by ${first.path}`,
      `give each ${kind} a unique name equal to its folder ("${p.folder}")`, { kind, name: p.folder }));
  }
}

/**
 * The workspace folder a root folder's name is a slip for (`agent`, `Tools`, `agnets`): one letter
 * off or two swapped, whatever the case; null for the folder itself and any other name (`nearest`
 * would also take tools-src for tools).
 */
export function slipFor(name: string): 'agents' | 'tools' | null {
  const n = name.toLowerCase();
  const sorted = [...n].sort().join('');
  for (const folder of ['agents', 'tools'] as const) {
    if (name === folder) return null;
    if (editDistance(n, folder) <= 1 || (n.length === folder.length && sorted === [...folder].sort().join(''))) return folder;
  }
  return null;
}

/**
 * A manifest or plugin directly under agents/ or tools/ is ignored: said, with where it belongs.
 * Other files there (a README, notes) are for people and left alone. `folders`: the agent and tool
 * folders that exist, so the advice never moves a file over one.
 */
export function strayFiles(paths: readonly string[], folders: { agent: ReadonlySet<string>; tool: ReadonlySet<string> }, push: Push): void {
  for (const path of paths) {
    const [dir = '', file = ''] = path.split('/');
    if (path.endsWith('/')) {
      // a root folder named like agents/ or tools/ (misnamedFolders)
      const meant = slipFor(dir) ?? 'agents';
      push({
        file: path, line: 1, column: 1, code: 'stray-file', severity: 'warning',
        message: `${path} is not read: Caxton reads agents from agents/ and tools from tools/`,
        suggestion: `rename ${path} to ${meant}/ (git mv ${dir} ${meant})`,
      });
      continue;
    }
    const kind = dir === 'agents' ? 'agent' : 'tool';
    const ext = /\.([^.]*)$/.exec(file)?.[1]?.toLowerCase();
    if (ext !== 'toml' && ext !== 'wasm') continue;
    const slug = slugify(file.replace(/\.[^.]*$/, ''));
    let suggestion: string;
    if (ext === 'wasm') suggestion = `a plugin goes in its tool's folder: tools/${slug}/plugin.wasm, beside tools/${slug}/tool.toml`;
    else if (folders[kind].has(slug)) suggestion = `${dir}/${slug}/ exists already: move what this file adds into ${dir}/${slug}/${kind}.toml, or remove it`;
    else suggestion = `move it to ${dir}/${slug}/${kind}.toml`;
    push({
      file: path,
      line: 1,
      column: 1,
      code: 'stray-file',
      message: `${path} is not inside ${kind === 'agent' ? 'an' : 'a'} ${kind} folder and is ignored`,
      suggestion,
      severity: 'warning',
    });
  }
}

/** Each behaviour step does one thing, and a tool step uses a tool the agent lists. */
export function behaviorSteps(p: Parsed<AgentFile>, push: Push): void {
  const v = p.value;
  if (!v?.behavior) return;
  const entity = { kind: 'agent' as const, name: p.folder };
  v.behavior.steps.forEach((step, i) => {
    const path = ['behavior', 'steps', i];
    if (!step.tool === !step.ask) {
      push(at(p, path, 'invalid-value', `behavior step ${i + 1} must have exactly one of "tool" or "ask"`,
        'use tool = "<tool>" (with function) to call a tool, or ask = "<capability>" to ask another agent', entity));
      return;
    }
    if (step.tool && !v.tools.includes(step.tool)) {
      push(at(p, [...path, 'tool'], 'unknown-tool', `behavior step ${i + 1} calls tool "${step.tool}", which the agent does not list in tools`,
        `add "${step.tool}" to tools`, entity));
    }
  });
}

/**
 * A tool step's function (`run` when it names none) is one its tool declares: otherwise every
 * message fails at that step, at run time. Tools missing or broken are reported by other rules.
 */
export function stepFunctionsDeclared(p: Parsed<AgentFile>, functions: ReadonlyMap<string, readonly string[]>, push: Push): void {
  const steps = p.value?.behavior?.steps ?? [];
  steps.forEach((step, i) => {
    const declared = step.tool ? functions.get(step.tool) : undefined;
    const fn = step.function ?? 'run';
    if (!declared || declared.includes(fn)) return;
    const near = nearest(fn, declared, 1);
    const list = declared.join(', ') || 'none';
    push(at(p, ['behavior', 'steps', i, step.function ? 'function' : 'tool'], 'invalid-value',
      step.function ? `behavior step ${i + 1} calls function "${fn}", which tool "${step.tool}" does not declare (it declares ${list})`
        : `behavior step ${i + 1} names no function, so it calls "run", which tool "${step.tool}" does not declare (it declares ${list})`,
      near.length ? `did you mean function = "${near[0]}"?` : `add function = "${declared[0] ?? 'run'}" to the step`, { kind: 'agent', name: p.folder }));
  });
}

/** An `ask` step should name a capability some agent at this commit serves (a warning: it may be deployed later). */
export function askedCapabilitiesServed(p: Parsed<AgentFile>, capabilities: ReadonlySet<string>, push: Push): void {
  const steps = p.value?.behavior?.steps ?? [];
  steps.forEach((step, i) => {
    if (!step.ask || capabilities.has(step.ask)) return;
    const near = nearest(step.ask, capabilities, 1);
    push(at(p, ['behavior', 'steps', i, 'ask'], 'unknown-capability', `behavior step ${i + 1} asks capability "${step.ask}", which no agent serves at this commit`,
      near.length ? `did you mean "${near[0]}"?` : `add an agent with capabilities = ["${step.ask}"]`, { kind: 'agent', name: p.folder }, 'warning'));
  });
}

/** How many agents the ask-cycle search may visit: past it, it says nothing (a workspace that large is unusual). */
const ASK_SEARCH_BUDGET = 20_000;

/**
 * Offline agents whose steps ask each other in a cycle. A step that is not optional always runs, and
 * the router never sends a request to an agent already on its path, so when every agent that serves
 * an asked capability is on the path (or itself always fails that way), a message to the agent fails
 * every time with CAX_ROUTING_LOOP. A warning at the step that closes the cycle: it runs, and fails.
 * LLM agents may or may not ask, and optional steps go on past a failure: neither closes a cycle.
 */
export function askCycles(agents: ReadonlyArray<Parsed<AgentFile>>, push: Push): void {
  const byName = new Map(agents.flatMap((p) => (p.value ? [[p.folder, p] as const] : [])));
  const servers = new Map<string, string[]>();
  for (const [name, p] of byName) for (const c of p.value!.capabilities) servers.set(c, [...(servers.get(c) ?? []), name]);
  let budget = ASK_SEARCH_BUDGET;
  /** the chain a message to `agent` (with `path` before it) always ends in, with the failing step; null when it may be answered */
  const fails = (agent: string, path: readonly string[]): { chain: string[]; step: number } | null => {
    const v = byName.get(agent)?.value;
    if (!v || v.runtime === 'llm' || --budget < 0) return null;
    const steps = v.behavior?.steps ?? [];
    const onPath = [...path, agent];
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (!s.ask || s.optional) continue;
      const serving = servers.get(s.ask) ?? [];
      // no agent at all is told apart (askedCapabilitiesServed)
      if (!serving.length) continue;
      const candidates = serving.filter((a) => !onPath.includes(a));
      if (!candidates.length) return { chain: [agent, serving.find((a) => onPath.includes(a))!], step: i };
      let ending: string[] | null = null;
      for (const c of candidates) {
        const f = fails(c, onPath);
        if (!f) {
          ending = null;
          break;
        }
        ending ??= f.chain;
      }
      if (ending) return { chain: [agent, ...ending], step: i };
    }
    return null;
  };
  for (const [name, p] of byName) {
    const f = fails(name, []);
    if (!f) continue;
    const ask = p.value!.behavior!.steps[f.step]!.ask!;
    push(at(p, ['behavior', 'steps', f.step, 'ask'], 'ask-cycle',
      `behavior step ${f.step + 1} asks "${ask}", and the asks come back round (${f.chain.join(' → ')}): a message to "${name}" always fails with CAX_ROUTING_LOOP`,
      'break the cycle: have one of these agents answer without asking, mark the step optional = true, or let another agent serve the capability', { kind: 'agent', name }, 'warning'));
  }
}

/** A [routing] strategies key should be a capability some agent at this commit serves (a warning: it may be served later). */
export function strategiesServed(p: Parsed<CaxtonFile>, capabilities: ReadonlySet<string>, push: Push): void {
  for (const cap of Object.keys(p.value?.routing?.strategies ?? {})) {
    if (capabilities.has(cap)) continue;
    const near = nearest(cap, capabilities, 1);
    // at the key: the capability is what is wrong, not the strategy it is given
    const pos = p.positions?.locate(['routing', 'strategies', cap], 'key') ?? { line: 1, column: 1 };
    push({
      file: p.path, line: pos.line, column: pos.column, code: 'unknown-capability', severity: 'warning',
      message: `[routing] strategies names capability "${cap}", which no agent serves at this commit`,
      suggestion: near.length ? `did you mean "${near[0]}"?` : `add an agent with capabilities = ["${cap}"], or remove the entry`,
    });
  }
}

/** runtime = "llm" needs an [llm] table, and the table settings its provider can use. */
export function llmConfigured(p: Parsed<AgentFile>, push: Push): void {
  const v = p.value;
  if (!v) return;
  const entity = { kind: 'agent' as const, name: p.folder };
  if (v.runtime === 'llm' && !v.llm) {
    push(at(p, ['runtime'], 'missing-field', 'runtime = "llm" needs an [llm] table (provider, model, base_url, api_key_env)',
      'add [llm] with model = "..." and base_url = "...", or set runtime = "offline"', entity));
  }
  if (v.runtime !== 'llm' && v.llm) {
    push(at(p, ['llm'], 'invalid-value', 'the agent has an [llm] table but runtime is "offline" (the default), so it answers with its [behavior] and never calls the model',
      'add runtime = "llm" to use the model, or remove [llm]', entity, 'warning'));
  }
  // A generic OpenAI-compatible server has no well-known address (openai, anthropic and ollama do).
  if (v.llm?.provider === 'openai-compatible' && !v.llm.base_url) {
    push(at(p, ['llm', 'provider'], 'missing-field', '[llm] provider "openai-compatible" needs base_url',
      'add base_url = "http://127.0.0.1:8000/v1" (your server), or provider = "openai" / "ollama"', entity));
  }
  // The schema allows 0–2 (OpenAI's range); Anthropic's Messages API takes 0–1, and the AI SDK
  // clamps a higher value to 1 on every call, with only a warning in the server log.
  if (v.llm?.provider === 'anthropic' && v.llm.temperature !== undefined && v.llm.temperature > 1) {
    push(at(p, ['llm', 'temperature'], 'invalid-value', `[llm] temperature = ${v.llm.temperature} is over 1: provider "anthropic" takes 0 to 1, and would be sent 1 instead`,
      'set temperature between 0 and 1 (1 is anthropic\'s most varied), or remove it for the model\'s default', entity));
  }
}

/**
 * A replayed agent's recording is in its folder and is one: the deployment reads it from the commit
 * and fails the build without it, which `caxton validate` said nothing about.
 */
export function recordingPlayable(a: AgentEntry, push: Push): void {
  const p = a.parsed;
  const file = p?.value ? replayedFile(p.value) : null;
  if (!p || !file || a.recording === undefined) return;
  const entity = { kind: 'agent' as const, name: a.folder };
  const where = p.value!.llm?.replay_file !== undefined ? ['llm', 'replay_file'] : ['llm', 'provider'];
  const full = `agents/${a.folder}/${file}`;
  if (a.recording === null) {
    push(at(p, where, 'missing-file', `recording "${file}" is missing from agents/${a.folder}/: provider "replay" plays it back`,
      `record it against the live endpoint (CAXTON_LLM_RECORD=1, docs/llm.md) and commit ${full}, or set the provider the agent is for`, entity));
    return;
  }
  const problem = cassetteProblem(a.recording, full);
  if (problem) push(at(p, where, 'invalid-recording', problem, `record it again (CAXTON_LLM_RECORD=1, docs/llm.md) and commit ${full}`, entity));
}

/** Every string inside a TOML value, with its key path under `base`. */
function stringsIn(value: unknown, base: Array<string | number>): Array<[Array<string | number>, string]> {
  if (typeof value === 'string') return [[base, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...base, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...base, k]));
  return [];
}

/** What the template check reads of an agent. */
type TemplateParts = Pick<AgentFile, 'runtime' | 'system_prompt' | 'user_prompt_template' | 'behavior'>;

/** An agent's template parts, each as checked (checkedField): a misspelt key does not hide a misspelt placeholder. */
function templateParts(p: Parsed<AgentFile>): TemplateParts {
  const shape = AgentFile.shape;
  return {
    runtime: checkedField(p, 'runtime', shape.runtime) ?? 'offline',
    system_prompt: checkedField(p, 'system_prompt', shape.system_prompt),
    user_prompt_template: checkedField(p, 'user_prompt_template', shape.user_prompt_template),
    behavior: checkedField(p, 'behavior', shape.behavior),
  };
}

/**
 * A placeholder a template cannot resolve renders as nothing, silently: `{{conten}}`, a step id that
 * does not exist or runs later, a message field that is not one. What the offline behaviour's
 * templates read (the message, the agent, earlier steps, the last output) and what an LLM agent's
 * prompts read (the message, the agent) are known; data below content and a step's output is not.
 */
export function templatePlaceholders(p: Parsed<AgentFile>, push: Push): void {
  const v = templateParts(p);
  const templates: Array<{ path: Array<string | number>; text: string; steps: string[] | null; agentFields: string[] }> = [];
  const ids = (v.behavior?.steps ?? []).map((s, i) => s.id ?? `step${i + 1}`);
  if (v.runtime === 'llm') {
    const llmAgent = ['name', 'description', 'capabilities'];
    if (v.system_prompt) templates.push({ path: ['system_prompt'], text: v.system_prompt, steps: null, agentFields: llmAgent });
    if (v.user_prompt_template) templates.push({ path: ['user_prompt_template'], text: v.user_prompt_template, steps: null, agentFields: llmAgent });
  } else if (v.behavior) {
    (v.behavior.steps ?? []).forEach((step, i) => {
      for (const key of ['input', 'content'] as const) {
        for (const [path, text] of stringsIn(step[key], ['behavior', 'steps', i, key])) templates.push({ path, text, steps: ids.slice(0, i), agentFields: ['name', 'description'] });
      }
    });
    templates.push({ path: ['behavior', 'reply'], text: v.behavior.reply, steps: ids, agentFields: ['name', 'description'] });
  }
  for (const t of templates) {
    for (const ph of placeholders(t.text)) {
      const parts = ph.replace(/\[(\d+)\]/g, '.$1').split('.');
      const [root, field, sub] = parts;
      const known = ['content', 'message', 'agent', ...(t.steps ? ['steps', 'last'] : [])];
      let problem: string | null = null;
      if (!known.includes(root!)) problem = `"${root}" is not something a template can read (${known.join(', ')})`;
      else if (root === 'message' && field !== undefined && !(MESSAGE_FIELDS as readonly string[]).includes(field)) problem = `a message has no field "${field}" (${MESSAGE_FIELDS.join(', ')})`;
      else if (root === 'agent' && field !== undefined && !t.agentFields.includes(field)) problem = `the agent has no field "${field}" here (${t.agentFields.join(', ')})`;
      else if (root === 'steps' && field !== undefined && !t.steps!.includes(field)) {
        problem = ids.includes(field) ? `step "${field}" runs later, so it has no result yet` : `there is no step "${field}" (${t.steps!.join(', ') || 'none before this one'})`;
      } else if (root === 'steps' && sub !== undefined && sub !== 'output' && sub !== 'error' && sub !== 'handledBy') problem = `a step's result has output, error and handledBy, not "${sub}"`;
      if (!problem) continue;
      const candidates = [
        'content', ...MESSAGE_FIELDS.map((f) => `message.${f}`), ...t.agentFields.map((f) => `agent.${f}`),
        ...(t.steps ? ['last', ...t.steps.flatMap((id) => [`steps.${id}.output`, `steps.${id}.error`])] : []),
      ];
      const near = nearest(ph, candidates, 1);
      const later = root === 'steps' && field !== undefined && ids.includes(field) && !t.steps!.includes(field);
      const suggestion = later ? `read it in a step after "${field}", or in reply` : near.length ? `did you mean {{${near[0]}}}?` : 'use one of the placeholders docs/workspace.md lists';
      push(at(p, t.path, 'unknown-placeholder', `{{${ph}}} in ${t.path.filter((k) => typeof k === 'string').join('.')}: ${problem}; it renders as nothing`,
        suggestion, { kind: 'agent', name: p.folder }, 'warning'));
    }
  }
}
