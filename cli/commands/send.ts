import fs from 'node:fs';
import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import { Id, PERFORMATIVES, STRATEGIES } from '../../server/routing/message.js';
import type { TraceEntry } from '../../server/routing/message.js';
import { didYouMean, nearest } from '../../server/util/nearest.js';
import { NAME_PATTERN, NAME_RE } from '../../server/workspace/schema.js';
import { slugify } from '../../server/workspace/parse.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';
import { formatDuration } from './stats.js';

interface SendReply {
  messageId: string;
  conversationId: string;
  handledBy: string;
  performative: string;
  reply: unknown;
  routingMs: number;
  durationMs: number;
  trace: TraceEntry[];
  milestones?: Array<{ milestone: string; sinceCreatedMs: number | null }>;
}

/** The path a request took: agents and tools in order, nested asks indented by their depth. */
export function renderTrace(trace: TraceEntry[]): string {
  // a call that failed inside an answer that did not (an optional step, a model told of the error) is marked
  return trace.map((t) => `${t.kind === 'tool' ? `${t.name}.${t.fn ?? ''}` : t.name}${t.ok === false ? ' ✗' : ''}`).join(' → ');
}

/** Refuses a flag's value that is not in `values`, pointing to the nearest ones ("query" → query-if, query-ref). */
function oneOf(flag: string, value: unknown, values: readonly string[]): void {
  if (typeof value !== 'string' || values.includes(value)) return;
  throw new CaxtonError('CAX_USAGE', { detail: `unknown ${flag} "${value}"`, hint: [...didYouMean(nearest(value, values)), `Use one of: ${values.join(', ')}`] });
}

export const send: Command = {
  name: 'send',
  usage: 'caxton send (--capability SKILL | --to AGENT) [--performative P] [--conversation ID] [--strategy S] [--ttl MS] [--json] CONTENT',
  positionals: Infinity,
  options: {
    ...SERVER_OPTIONS,
    capability: { type: 'string', short: 'c' },
    to: { type: 'string' },
    performative: { type: 'string', short: 'p' },
    conversation: { type: 'string' },
    strategy: { type: 'string' },
    ttl: { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags;
    if (!f.capability === !f.to) {
      throw new CaxtonError('CAX_USAGE', { detail: 'send needs exactly one of --capability SKILL or --to AGENT', hint: ['caxton send --capability SKILL "your message"', '"caxton agents" lists the agents and the capabilities they serve.'] });
    }
    // a name the server would refuse: said here in the flag's terms, where the server's answer
    // (CAX_BAD_REQUEST) names a body field and advises reading docs/api.md
    for (const [flag, kind] of [['to', 'an agent'], ['capability', 'a capability']] as const) {
      const name = f[flag];
      if (typeof name !== 'string' || NAME_RE.test(name)) continue;
      throw new CaxtonError('CAX_USAGE', {
        detail: `--${flag} ${JSON.stringify(name)}: ${kind} name is lower-case letters, digits and dashes, starting with a letter (${NAME_PATTERN})`,
        hint: [`caxton send --${flag} ${slugify(name)} …`, '"caxton agents" lists the agents and the capabilities they serve.'],
      });
    }
    let text = ctx.positionals.join(' ');
    if (text === '-') text = fs.readFileSync(0, 'utf8');
    if (!text.trim()) throw new CaxtonError('CAX_USAGE', { detail: 'send needs CONTENT', hint: 'caxton send --capability SKILL "your message" (or - to read it from stdin)' });
    oneOf('performative', f.performative, PERFORMATIVES);
    oneOf('strategy', f.strategy, STRATEGIES);
    // digits only: Number() also read "0x10" as 16 and "1e3" as 1000
    const ttl = typeof f.ttl === 'string' ? (/^\d+$/.test(f.ttl.trim()) ? Number(f.ttl) : NaN) : undefined;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 1 && ttl <= 3_600_000)) {
      throw new CaxtonError('CAX_USAGE', { detail: `--ttl ${String(f.ttl)} is not a whole number of milliseconds from 1 to 3600000`, hint: 'caxton send --ttl 5000 … (the reply must come within 5 s)' });
    }
    if (typeof f.conversation === 'string') {
      const id = Id.safeParse(f.conversation);
      if (!id.success) {
        throw new CaxtonError('CAX_USAGE', { detail: `--conversation ${JSON.stringify(f.conversation)}: an id ${id.error.issues[0]?.message ?? 'is not valid'}`, hint: 'caxton send --conversation trip-42 … (letters, digits and . _ : - up to 128 characters); "caxton conversations" lists them' });
      }
    }
    let content: unknown = text;
    if (/^\s*[[{]/.test(text)) {
      try {
        content = JSON.parse(text);
      } catch {
        /* plain text that starts with a bracket */
      }
    }
    const body = {
      ...(typeof f.capability === 'string' ? { capability: f.capability } : { to: f.to }),
      content,
      ...(typeof f.performative === 'string' ? { performative: f.performative } : {}),
      ...(typeof f.conversation === 'string' ? { conversationId: f.conversation } : {}),
      ...(typeof f.strategy === 'string' ? { strategy: f.strategy } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
    };
    const r = await client(ctx).post<SendReply>('/api/v1/messages', body);
    const reply = typeof r.reply === 'string' ? r.reply : JSON.stringify(r.reply, null, 2);
    const meta = pc.dim(`${renderTrace(r.trace)} · routing ${r.routingMs.toFixed(2)} ms · ${r.durationMs.toFixed(1)} ms total · conversation ${r.conversationId}`);
    const first = r.milestones?.find((m) => m.milestone === 'FirstRequestProcessed');
    const cheer = first
      ? `\n${pc.green('★')} Your first request, answered ${first.sinceCreatedMs === null ? '' : `${formatDuration(first.sinceCreatedMs)} `}after the workspace was created. Well done!`
      : '';
    return { data: { ...r }, text: `${reply.trimEnd()}\n${meta}${cheer}`, ok: true };
  },
};
