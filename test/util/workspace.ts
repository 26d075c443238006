// Workspace file builders with defaults and overrides.
import { stringify } from 'smol-toml';
import type { Files } from './repo.js';
import { wasmModule } from './wasm.js';

export interface AgentOpts {
  description?: string;
  capabilities?: string[];
  tools?: string[];
  extra?: Record<string, unknown>;
}

export function agentToml(name: string, o: AgentOpts = {}): string {
  return stringify({
    name,
    description: o.description ?? `The ${name} agent`,
    capabilities: o.capabilities ?? [name],
    tools: o.tools ?? [],
    ...(o.extra ?? {}),
  });
}

export function toolToml(name: string, functions: string[] = ['run'], extra: Record<string, unknown> = {}): string {
  return stringify({
    name,
    description: `The ${name} tool`,
    wasm: 'plugin.wasm',
    limits: { timeout_ms: 1000, memory_mb: 16 },
    functions: functions.map((f) => ({ name: f, description: `${f} function`, input_schema: { type: 'object' } })),
    ...extra,
  });
}

export function agentFiles(name: string, o: AgentOpts = {}): Files {
  return { [`agents/${name}/agent.toml`]: agentToml(name, o) };
}

export function toolFiles(name: string, functions: string[] = ['run'], wasm?: Uint8Array): Files {
  return { [`tools/${name}/tool.toml`]: toolToml(name, functions), [`tools/${name}/plugin.wasm`]: wasm ?? wasmModule(functions) };
}

/** `n` agents named agent-000 … with one capability each. */
export function manyAgents(n: number, prefix = 'agent'): Files {
  const out: Files = {};
  for (let i = 0; i < n; i++) Object.assign(out, agentFiles(`${prefix}-${String(i).padStart(3, '0')}`));
  return out;
}

/** One offline agent, `greeter`, serving `greet`: it answers "Hello, CONTENT!". */
export const greeterFiles = (): Files => agentFiles('greeter', { capabilities: ['greet'], extra: { behavior: { reply: 'Hello, {{content}}!' } } });
