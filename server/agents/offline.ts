// The offline, deterministic behaviour: ordered steps (call a permitted tool, or ask a capability
// through the router), then a reply rendered from the message and the step results. No network.
import type { AgentFile } from '../workspace/schema.js';
import type { AgentRequest, AgentRuntime } from './runtime.js';
import { render, renderValue } from './template.js';

export function offlineAgent(name: string, spec: AgentFile): AgentRuntime {
  const steps = spec.behavior?.steps ?? [];
  const reply = spec.behavior?.reply ?? '{{content}}';
  return {
    name,
    kind: 'offline',
    async handle(req: AgentRequest) {
      const m = req.message;
      const results: Record<string, { output: unknown; handledBy?: string; error?: string }> = {};
      const scope = {
        content: m.content,
        message: { id: m.id, sender: m.sender, performative: m.performative, conversationId: m.conversationId, content: m.content },
        agent: { name, description: spec.description },
        steps: results,
        last: undefined as unknown,
      };
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
    },
  };
}
