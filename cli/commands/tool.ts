import { CaxtonError } from '../../server/errors.js';
import { shellArg } from '../../server/util/shell-arg.js';
import { NAME_RE } from '../../server/workspace/schema.js';
import { renderToolCall } from '../render-tool.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';
import { toolNew } from './tool-new.js';

/**
 * `caxton tool call NAME FUNCTION [JSON] [--agent A]`: one call through the server's sandbox;
 * `caxton tool new NAME`: the source of a new tool (tool-new.ts).
 */
export const tool: Command = {
  name: 'tool',
  usage: "caxton tool call NAME FUNCTION [JSON] [--agent AGENT] [--json]   e.g. caxton tool call chart render '{\"data\":{\"a\":3,\"b\":5}}'\n       caxton tool new NAME   the source of a new tool in tools/NAME/ (AssemblyScript), ready to build",
  // past JSON, its own check says to quote the JSON
  positionals: Infinity,
  options: { ...SERVER_OPTIONS, agent: { type: 'string' } },
  async run(ctx) {
    const [verb, name, fn, json, ...extra] = ctx.positionals;
    if (verb === 'new') {
      if (fn !== undefined) throw new CaxtonError('CAX_USAGE', { detail: `"tool new" takes one name, not ${ctx.positionals.length - 1}`, hint: 'caxton tool new reverse' });
      return toolNew(ctx, name);
    }
    if (verb !== 'call' || !name || !fn) {
      throw new CaxtonError('CAX_USAGE', { detail: 'expected "tool call NAME FUNCTION [JSON]" or "tool new NAME"', hint: `Usage: ${tool.usage}` });
    }
    if (extra.length) {
      // unquoted JSON with spaces arrives in pieces
      throw new CaxtonError('CAX_USAGE', { detail: `one JSON input after the function, not ${extra.length + 1} words`, hint: `Quote it for the shell: caxton tool call ${name} ${fn} '{"key": "value"}'` });
    }
    if (!NAME_RE.test(name)) throw new CaxtonError('CAX_INVALID_NAME', { kind: 'tool', name });
    let input: unknown = {};
    if (json !== undefined) {
      try {
        input = JSON.parse(json);
      } catch (err) {
        // a bare word is most often text meant as a JSON string
        const hints = [`Quote it for the shell: caxton tool call ${name} ${fn} '{"key":"value"}'`, `or, for text, a JSON string: caxton tool call ${name} ${fn} ${shellArg(JSON.stringify(json))}`];
        throw new CaxtonError('CAX_USAGE', { detail: `the input is not valid JSON (${(err as Error).message})`, hint: hints });
      }
    }
    const agent = typeof ctx.flags.agent === 'string' ? ctx.flags.agent : undefined;
    const r = await client(ctx).post<{ output: unknown; durationMs: number }>(`/api/v1/tools/${name}/call`, { function: fn, input, ...(agent ? { agent } : {}) });
    return { data: { tool: name, function: fn, output: r.output, durationMs: r.durationMs }, text: renderToolCall(r), ok: true };
  },
};
