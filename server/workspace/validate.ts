// A whole workspace (parsed files) → `{ ok, workspace, issues }`: every problem at once, and the
// entities that are valid on their own (what a --partial deployment may still deploy).
import { AgentFile, type CaxtonFile, type ToolFile } from './schema.js';
import type { Issue } from './issue.js';
import { sortIssues } from './issue.js';
import type { Parsed } from './parse.js';
import * as rules from './rules.js';
import type { AgentEntry, ToolEntry } from './rules.js';

export type { AgentEntry, ToolEntry };

export interface WorkspaceParts {
  config: Parsed<CaxtonFile> | null;
  agents: readonly AgentEntry[];
  tools: readonly ToolEntry[];
  /** files directly under agents/ or tools/, and root folders named like them (`agent/`, ending in /): all ignored */
  strays?: readonly string[];
}

export interface Workspace {
  config: CaxtonFile;
  agents: ReadonlyMap<string, AgentFile>;
  tools: ReadonlyMap<string, ToolFile>;
}

export interface ValidationResult {
  ok: boolean;
  /** Config plus every agent and tool without an error of its own (dependencies not checked here). */
  workspace: Workspace;
  issues: Issue[];
  /** Problems not tied to one agent or tool (caxton.toml): these block even a partial deploy. */
  global: boolean;
}

/** Validates everything at once. Pure. */
export function validateWorkspace(parts: WorkspaceParts): ValidationResult {
  const issues: Issue[] = [];
  const push = (i: Issue) => issues.push(i);

  if (parts.config) issues.push(...parts.config.issues);
  rules.folderNames('agent', parts.agents.map((a) => a.folder), push);
  rules.folderNames('tool', parts.tools.map((t) => t.folder), push);
  rules.manifestPresent('agent', parts.agents, push);
  rules.manifestPresent('tool', parts.tools, push);
  rules.strayFiles(parts.strays ?? [], { agent: new Set(parts.agents.map((a) => a.folder)), tool: new Set(parts.tools.map((t) => t.folder)) }, push);

  const toolNames = new Set(parts.tools.filter((t) => t.parsed).map((t) => t.folder));
  const toolFunctions = new Map(parts.tools.flatMap((t) => (t.parsed?.value ? [[t.folder, t.parsed.value.functions.map((f) => f.name)] as const] : [])));
  for (const t of parts.tools) {
    if (!t.parsed) continue;
    issues.push(...t.parsed.issues);
    rules.nameMatchesFolder('tool', t.parsed, push);
    rules.uniqueFunctions(t.parsed, push);
    rules.wasmPresent(t, push);
    rules.pluginMatches(t, push);
    rules.allowedPathsContained(t, push);
    rules.inputSchemasSound(t, push);
  }
  for (const a of parts.agents) {
    if (!a.parsed) continue;
    issues.push(...a.parsed.issues);
    rules.nameMatchesFolder('agent', a.parsed, push);
    rules.noDuplicateEntries(a.parsed, push);
    rules.toolsExist(a.parsed, toolNames, push);
    rules.behaviorSteps(a.parsed, push);
    rules.stepFunctionsDeclared(a.parsed, toolFunctions, push);
    rules.llmConfigured(a.parsed, push);
    rules.recordingPlayable(a, push);
    rules.templatePlaceholders(a.parsed, push);
  }
  // what each agent at this commit says it serves, from its document when an error elsewhere in the
  // file left no checked value: that error is reported, and an ask of its capability is not a second one
  const capabilities = new Set(parts.agents.flatMap((a) => (a.parsed ? (rules.checkedField(a.parsed, 'capabilities', AgentFile.shape.capabilities) ?? []) : [])));
  for (const a of parts.agents) if (a.parsed) rules.askedCapabilitiesServed(a.parsed, capabilities, push);
  const parsedAgents = parts.agents.flatMap((a) => (a.parsed ? [a.parsed] : []));
  rules.askCycles(parsedAgents, push);
  if (parts.config) rules.strategiesServed(parts.config, capabilities, push);
  rules.uniqueNames('agent', parsedAgents, push);
  rules.uniqueNames('tool', parts.tools.flatMap((t) => (t.parsed ? [t.parsed] : [])), push);

  const errors = issues.filter((i) => i.severity === 'error');
  const broken = new Set(errors.filter((i) => i.entity).map((i) => `${i.entity!.kind}:${i.entity!.name}`));
  const agents = new Map<string, AgentFile>();
  for (const a of parts.agents) if (a.parsed?.value && !broken.has(`agent:${a.folder}`)) agents.set(a.folder, a.parsed.value);
  const tools = new Map<string, ToolFile>();
  for (const t of parts.tools) if (t.parsed?.value && !broken.has(`tool:${t.folder}`)) tools.set(t.folder, t.parsed.value);

  return {
    ok: errors.length === 0,
    workspace: { config: parts.config?.value ?? {}, agents, tools },
    issues: sortIssues(issues),
    global: errors.some((i) => !i.entity),
  };
}
