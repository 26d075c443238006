// How an agent answers: the one interface the offline behaviour and the LLM runtime implement, and
// what the router hands them for one message.
import type { Content, Message, Performative, Reply } from '../routing/message.js';
import type { AgentInstance } from '../deploy/runtime-factory.js';
import type { AgentFile, ToolFile } from '../workspace/schema.js';
import type { Snapshot } from '../deploy/snapshot.js';

export interface ToolCallResult {
  output: unknown;
  durationMs: number;
}

/** Calls a deployed tool for an agent; the tool sandbox implements it. */
export interface ToolInvoker {
  call(args: { tool: string; fn: string; input: unknown; agent: string | null; signal?: AbortSignal; snapshot?: Snapshot }): Promise<ToolCallResult>;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** the model the tokens were spent on, as the agent's [llm] names it: tokens are priced per model */
  provider?: string;
  model?: string;
  /** the model calls that answered (one a turn of the tool-call loop) */
  modelCalls?: number;
}

export interface AgentRequest {
  message: Message;
  spec: AgentFile;
  /** asks another capability through the router (one hop deeper) */
  ask(capability: string, content: Content): Promise<Reply>;
  /** calls one of the agent's permitted tools */
  callTool(tool: string, fn: string, input: unknown): Promise<unknown>;
  /** the manifest of a tool in the snapshot this message runs on (the LLM runtime offers its functions) */
  toolSpec?(tool: string): ToolFile | undefined;
  /**
   * A tool call the model asked for and the runtime refused before it ran: a tool it was not offered
   * (unknown, or not the agent's), or arguments that do not parse or fit the input schema. The model
   * is told and tries again; this records it, so a reply that looks fine still shows it happened.
   */
  toolRejected?(name: string, reason: string): void;
  signal: AbortSignal;
  /** epoch ms by which the dispatcher wants the answer (the agent's time-out or the message's ttl); the signal aborts then */
  deadline?: number;
}

export interface AgentAnswer {
  content: Content;
  performative?: Performative;
  usage?: TokenUsage;
}

export interface AgentRuntime extends AgentInstance {
  readonly kind: 'offline' | 'llm';
  /**
   * The answer, or a promise of it. A runtime that needs no I/O for a message (an offline behaviour
   * without steps) answers at once: the dispatcher then spends no timer, promise or turn of the
   * event loop on it, and only a promise is held to the time-out.
   */
  handle(req: AgentRequest): AgentAnswer | Promise<AgentAnswer>;
}

/** A runtime that always answers later: an LLM's. */
export interface AsyncAgentRuntime extends AgentRuntime {
  handle(req: AgentRequest): Promise<AgentAnswer>;
}

export function isAgentRuntime(i: AgentInstance): i is AgentRuntime {
  return typeof (i as Partial<AgentRuntime>).handle === 'function';
}
