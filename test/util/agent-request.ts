// An AgentRequest built in memory, for runtime tests: a message with defaults, tools answered by
// functions (calls recorded), tool manifests for the LLM runtime to offer.
import type { AgentRequest } from '../../server/agents/runtime.js';
import type { Message } from '../../server/routing/message.js';
import { AgentFile, ToolFile } from '../../server/workspace/schema.js';
import { CaxtonError } from '../../server/errors.js';

/** An agent.toml as parsed (defaults applied by the real schema). */
export function agentSpec(o: Record<string, unknown> = {}): AgentFile {
  return AgentFile.parse({ name: 'helper', description: 'Helps', capabilities: ['help'], ...o });
}

/** A tool.toml as parsed, with one function per entry. */
export function toolSpec(name: string, functions: Array<{ name: string; description?: string; input_schema?: Record<string, unknown> }>): ToolFile {
  return ToolFile.parse({ name, description: `The ${name} tool`, functions });
}

export function message(o: Partial<Message> = {}): Message {
  return {
    id: 'm-1', performative: 'request', sender: 'client', receiver: null, capability: 'help', content: 'plan my week', conversationId: 'c-1',
    replyWith: null, inReplyTo: null, protocol: null, ontology: null, deadline: null, strategy: null, hops: 0, path: [], createdAt: 0, ...o,
  };
}

export interface ToolCallRecord {
  tool: string;
  fn: string;
  input: unknown;
}

export function agentRequest(o: {
  message?: Partial<Message>;
  spec?: AgentFile;
  /** "tool.fn" → what the call returns */
  tools?: Record<string, (input: unknown) => unknown>;
  manifests?: ToolFile[];
  signal?: AbortSignal;
  deadline?: number;
} = {}): { req: AgentRequest; calls: ToolCallRecord[]; rejected: Array<{ name: string; reason: string }> } {
  const calls: ToolCallRecord[] = [];
  const rejected: Array<{ name: string; reason: string }> = [];
  const req: AgentRequest = {
    message: message(o.message),
    spec: o.spec ?? agentSpec(),
    signal: o.signal ?? new AbortController().signal,
    ...(o.deadline !== undefined ? { deadline: o.deadline } : {}),
    async callTool(tool, fn, input) {
      calls.push({ tool, fn, input });
      const f = o.tools?.[`${tool}.${fn}`];
      if (!f) throw new CaxtonError('CAX_TOOL_NOT_PERMITTED', { agent: 'helper', tool });
      return f(input);
    },
    toolSpec: (tool) => o.manifests?.find((m) => m.name === tool),
    toolRejected: (name, reason) => void rejected.push({ name, reason }),
    async ask(capability) {
      throw new CaxtonError('CAX_NO_CAPABLE_AGENT', { capability, capabilities: [], nearest: [] });
    },
  };
  return { req, calls, rejected };
}
