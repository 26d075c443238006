// Calling a deployed tool: permission (the calling agent must list it), then the tool instance's
// sandboxed `invoke`. Agents (through the dispatcher), the HTTP API and MCP all come through here.
import { CaxtonError } from '../errors.js';
import { nearest } from '../util/nearest.js';
import type { Snapshot } from '../deploy/snapshot.js';
import type { ToolInstance } from '../deploy/runtime-factory.js';
import type { ToolCallResult, ToolInvoker } from '../agents/runtime.js';
import type { EventSink } from '../events/log.js';
import { ToolEvent } from './tool-events.js';

/** A tool instance that can run: what the sandbox builds. */
export interface InvokableTool extends ToolInstance {
  invoke(fn: string, input: unknown, opts: { agent: string | null; signal?: AbortSignal }): Promise<ToolCallResult>;
}

export function isInvokable(t: ToolInstance): t is InvokableTool {
  return typeof (t as Partial<InvokableTool>).invoke === 'function';
}

export class SnapshotToolInvoker implements ToolInvoker {
  constructor(
    private readonly current: () => Snapshot | null,
    private readonly events?: EventSink,
  ) {}

  /** Calls `tool.fn`; with `snapshot`, against that one (a message finishes on what it started with). */
  async call(args: { tool: string; fn: string; input: unknown; agent: string | null; signal?: AbortSignal; snapshot?: Snapshot }): Promise<ToolCallResult> {
    const snap = args.snapshot ?? this.current();
    if (!snap) throw new CaxtonError('CAX_NOTHING_DEPLOYED');
    if (args.agent !== null) {
      const agent = snap.agents.get(args.agent);
      // an agent that is not deployed lists no tool: refused as one that does not list this one (403)
      if (!agent || !agent.spec.tools.includes(args.tool)) {
        this.events?.append(ToolEvent.ToolExecutionFailed, { tool: args.tool, fn: args.fn, agent: args.agent, reason: 'permission', code: 'CAX_TOOL_NOT_PERMITTED', durationMs: 0 });
        const unknown = agent ? {} : { agents: [...snap.agents.keys()], nearest: nearest(args.agent, snap.agents.keys(), 1) };
        throw new CaxtonError('CAX_TOOL_NOT_PERMITTED', { agent: args.agent, tool: args.tool, ...unknown });
      }
    }
    const live = snap.tools.get(args.tool);
    if (!live) throw new CaxtonError('CAX_NOT_FOUND', { kind: 'tool', name: args.tool, available: [...snap.tools.keys()] });
    if (!isInvokable(live.instance)) throw new CaxtonError('CAX_TOOL_UNAVAILABLE', { tool: args.tool, detail: 'no sandbox is configured for tools' });
    return live.instance.invoke(args.fn, args.input, { agent: args.agent, ...(args.signal ? { signal: args.signal } : {}) });
  }
}
