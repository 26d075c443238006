// The offline, deterministic behaviour: ordered steps (call a permitted tool, or ask a capability
// through the router), then a reply rendered from the message and the step results. No network.
import type { AgentFile } from '../workspace/schema.js';
import type { AgentAnswer, AgentRequest, AgentRuntime } from './runtime.js';
import { messageScope, render, renderValue } from './template.js';

interface StepResult {
  output: unknown;
  handledBy?: string;
  error?: string;
}

export function offlineAgent(name: string, spec: AgentFile): AgentRuntime {
  const steps = spec.behavior?.steps ?? [];
  const reply = spec.behavior?.reply ?? '{{content}}';
  const agent = Object.freeze({ name, description: spec.description });
  /** what the reply and the steps' templates read */
  const scopeOf = (m: AgentRequest['message'], results: Record<string, StepResult>) => ({
    content: m.content,
    message: messageScope(m),
    agent,
    steps: results,
    last: undefined as unknown,
  });
  const NO_STEPS: Record<string, StepResult> = Object.freeze({});

  async function withSteps(req: AgentRequest): Promise<AgentAnswer> {
    const m = req.message;
    const results: Record<string, StepResult> = {};
    const scope = scopeOf(m, results);
    for (const [i, step] of steps.entries()) {
      const id = step.id ?? `step${i + 1}`;
      try {
        if (step.tool) {
          const input = renderValue(step.input ?? '{{content}}', scope);
          const output = await req.callTool(step.tool, step.function ?? 'run', input);
          results[id] = { output };
          scope.last = output;
        } else if (step.ask) {
          const content = step.content === undefined ? scope.last ?? m.content : renderValue(step.content, scope);
          const r = await req.ask(step.ask, content as string);
          results[id] = { output: r.reply, handledBy: r.handledBy };
          scope.last = r.reply;
        }
      } catch (err) {
        // An optional step (e.g. asking a capability that may not be deployed yet) records why
        // it has no output, and the behaviour goes on.
        if (!step.optional) throw err;
        results[id] = { output: null, error: (err as { code?: string }).code ?? 'CAX_INTERNAL' };
      }
    }
    return { content: render(reply, scope), performative: 'inform' };
  }

  return {
    name,
    kind: 'offline',
    // Without steps there is nothing to wait for: the reply is rendered and returned at once.
    handle: (req: AgentRequest) => (steps.length ? withSteps(req) : { content: render(reply, scopeOf(req.message, NO_STEPS)), performative: 'inform' }),
  };
}
