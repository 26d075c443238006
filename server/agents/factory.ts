// The runtime factory the server uses: agents answer offline or through an LLM, as their
// agent.toml says; tools come from the tool factory (the sandbox).
import type { RuntimeFactory, ToolInstance } from '../deploy/runtime-factory.js';
import type { ToolFile } from '../workspace/schema.js';
import { offlineAgent } from './offline.js';
import type { AsyncAgentRuntime } from './runtime.js';
import type { AgentFile } from '../workspace/schema.js';

export type ToolFactory = RuntimeFactory['createTool'];
export type LlmAgentFactory = (args: { name: string; spec: AgentFile; sha: string }) => Promise<AsyncAgentRuntime> | AsyncAgentRuntime;

export function runtimeFactory(opts: { createTool: ToolFactory; createLlmAgent?: LlmAgentFactory }): RuntimeFactory {
  return {
    createTool: (args: { name: string; spec: ToolFile; wasm: Uint8Array; sha: string }): Promise<ToolInstance> => opts.createTool(args),
    async createAgent({ name, spec, sha }) {
      if (spec.runtime === 'llm') {
        if (!opts.createLlmAgent) throw new Error('the LLM runtime is not available in this server');
        return opts.createLlmAgent({ name, spec, sha });
      }
      return offlineAgent(name, spec);
    },
  };
}
