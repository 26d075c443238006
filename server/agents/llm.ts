// The LLM runtime: an agent that answers through a model. Its system_prompt and
// user_prompt_template are rendered over the message, its permitted tools are offered as functions
// (every call goes through req.callTool, so permission and the sandbox apply), and the provider runs
// the loop to a final answer. The token usage comes back in the answer, and the dispatcher logs it.
import { createHash } from 'node:crypto';
import type { AgentFile } from '../workspace/schema.js';
import type { AgentRequest, AsyncAgentRuntime } from './runtime.js';
import type { LlmProvider, LlmTool } from './llm-provider.js';
import { messageScope, render } from './template.js';

export const DEFAULT_USER_PROMPT = '{{content}}';

/** OpenAI's limit on function names: ^[a-zA-Z0-9_-]{1,64}$. */
const MAX_FUNCTION_NAME = 64;

/** The model-facing name of a tool function: `tool__fn` (tool names have no "_", so it reads back). */
export function functionName(tool: string, fn: string): string {
  const name = `${tool}__${fn}`;
  if (name.length <= MAX_FUNCTION_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_FUNCTION_NAME - 9)}_${hash}`;
}

/** The agent's permitted tools as model functions, one per function of each deployed tool. */
export function offeredTools(spec: AgentFile, req: Pick<AgentRequest, 'toolSpec' | 'callTool'>): LlmTool[] {
  const out: LlmTool[] = [];
  for (const tool of spec.tools) {
    const manifest = req.toolSpec?.(tool);
    if (!manifest) continue; // not deployed at this snapshot: nothing to offer
    for (const fn of manifest.functions) {
      // Chat-completions endpoints take an object as a function's parameters (OpenAI refuses any other
      // schema): an input of another type (a string, a list, a choice) is offered as its one field.
      const wrapped = fn.input_schema.type !== 'object';
      out.push({
        name: functionName(tool, fn.name),
        description: [manifest.description, fn.description].filter(Boolean).join(' — '),
        inputSchema: wrapped ? { type: 'object', properties: { input: fn.input_schema }, required: ['input'], additionalProperties: false } : fn.input_schema,
        execute: (args) => req.callTool(tool, fn.name, wrapped ? (args as { input?: unknown } | null)?.input : args),
      });
    }
  }
  return out;
}

/** What the prompt templates see: the message, its content and the agent. */
export function promptScope(name: string, spec: AgentFile, req: AgentRequest) {
  const m = req.message;
  return {
    content: m.content,
    message: messageScope(m),
    agent: { name, description: spec.description, capabilities: spec.capabilities },
  };
}

export function llmAgent(args: { name: string; spec: AgentFile; provider: LlmProvider }): AsyncAgentRuntime {
  const { name, spec, provider } = args;
  return {
    name,
    kind: 'llm',
    async handle(req) {
      const scope = promptScope(name, spec, req);
      const result = await provider.complete({
        ...(spec.system_prompt ? { system: render(spec.system_prompt, scope) } : {}),
        prompt: render(spec.user_prompt_template ?? DEFAULT_USER_PROMPT, scope),
        tools: offeredTools(spec, req),
        signal: req.signal,
        ...(req.deadline !== undefined ? { deadline: req.deadline } : {}),
      });
      for (const r of result.rejected) req.toolRejected?.(r.name, r.reason);
      return { content: result.text, performative: 'inform', usage: result.usage };
    },
  };
}
