import pc from 'picocolors';
import type { CaxtonEvent } from '../../server/events/log.js';
import { EVENT_TYPES } from '../../server/events/types.js';
import { nearest } from '../../server/util/nearest.js';
import { table, utcTime } from '../render.js';
import { client, limitFlag, SERVER_OPTIONS, type Command } from '../command.js';

const MAX_PAYLOAD = 100;

/** Why a query for `type` found nothing, when the reason is the name: a type Caxton never writes. */
export function unknownType(type: string): string | null {
  if (EVENT_TYPES.includes(type)) return null;
  const [near] = nearest(type, EVENT_TYPES);
  return `No events of type "${type}": Caxton writes no such type. ${near ? `Did you mean "${near}"?` : 'docs/api.md lists the event types.'}`;
}

/** The type as Caxton spells it, when it is one of its types in another case (`messagerouted`); else as given. */
export function canonicalType(type: string): string {
  if (EVENT_TYPES.includes(type)) return type;
  const lower = type.toLowerCase();
  return EVENT_TYPES.find((t) => t.toLowerCase() === lower) ?? type;
}

/** One line per event: time, type, ids, and the payload cut to fit. */
export function renderEvents(events: CaxtonEvent[], type?: string): string {
  if (!events.length) return (type && unknownType(type)) || 'No events.';
  return table(
    events.map((e) => {
      const payload = JSON.stringify(e.payload);
      return [
        utcTime(e.ts, { ms: true }),
        pc.bold(e.type),
        e.deploymentId ?? e.conversationId ?? '',
        payload.length > MAX_PAYLOAD ? `${payload.slice(0, MAX_PAYLOAD)}…` : payload,
      ];
    }),
    ['TIME', 'TYPE', 'DEPLOYMENT / CONVERSATION', 'PAYLOAD'],
  );
}

export const events: Command = {
  name: 'events',
  usage: 'caxton events [--type TYPE] [--limit N] [--deployment ID] [--conversation ID] [--json]',
  options: { ...SERVER_OPTIONS, type: { type: 'string' }, limit: { type: 'string' }, deployment: { type: 'string' }, conversation: { type: 'string' } },
  async run(ctx) {
    const f = ctx.flags;
    const q = new URLSearchParams({ limit: String(limitFlag(ctx, 50, 'events')) });
    const type = typeof f.type === 'string' ? canonicalType(f.type) : undefined;
    if (type) q.set('type', type);
    if (typeof f.deployment === 'string') q.set('deploymentId', f.deployment);
    if (typeof f.conversation === 'string') q.set('conversationId', f.conversation);
    const list = await client(ctx).get<CaxtonEvent[]>(`/api/v1/events?${q}`);
    return { data: { events: list }, text: renderEvents(list, type), ok: true };
  },
};
