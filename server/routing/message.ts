// FIPA-ACL style messages: the request body (zod, at the edge) and the internal message.
import { z } from 'zod';
import { Name, STRATEGY_NAMES } from '../workspace/schema.js';
import { MAX_JSON_DEPTH, withinDepth } from '../util/json-depth.js';

export const PERFORMATIVES = [
  'request', 'inform', 'query-if', 'query-ref', 'propose', 'accept-proposal', 'reject-proposal',
  'agree', 'refuse', 'failure', 'not-understood', 'cfp', 'cancel',
] as const;
export const Performative = z.enum(PERFORMATIVES);
export type Performative = z.infer<typeof Performative>;

export const STRATEGIES = STRATEGY_NAMES;
export const Strategy = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof Strategy>;

/** A conversation or message id from a client: what the log's wire format (events/wire.ts) relies on. */
// (the pattern takes the empty string, so an empty id is told "must not be empty" alone)
export const Id = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(128, { message: 'must be at most 128 characters' })
  .regex(/^[A-Za-z0-9._:-]*$/, { message: 'may hold letters, digits and . _ : - only' });

/** Content is a string or any JSON value but null. The union's own message ("Invalid input") says neither what nor why. */
export const Content = z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())], {
  error: (iss) => (iss.input === undefined ? 'required: the message, as text or any JSON value' : 'must be text or a JSON number, boolean, array or object (not null)'),
});

export const MessageRequest = z
  .strictObject({
    capability: Name.optional(),
    to: Name.optional(),
    /** alias of `to`, the FIPA name */
    receiver: Name.optional(),
    performative: Performative.default('request'),
    content: Content.refine(withinDepth, { message: `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` }),
    conversationId: Id.optional(),
    sender: z.string().min(1).max(128).optional(),
    replyWith: Id.optional(),
    inReplyTo: Id.optional(),
    protocol: z.string().max(128).optional(),
    ontology: z.string().max(128).optional(),
    /** milliseconds the message may take, end to end */
    ttl: z.number().int().positive().max(3_600_000).optional(),
    strategy: Strategy.optional(),
  })
  .refine((m) => [m.capability, m.to ?? m.receiver].filter(Boolean).length === 1, {
    message: 'give exactly one of "capability" or "to"',
    path: ['capability'],
  })
  // one of them was dropped in silence
  .refine((m) => !(m.to && m.receiver), { message: '"receiver" is the FIPA name of "to": give one of them, not both', path: ['receiver'] });
export type MessageRequest = z.infer<typeof MessageRequest>;

export type Content = z.infer<typeof Content>;

type FipaFields = Partial<Record<'replyWith' | 'inReplyTo' | 'protocol' | 'ontology', string>>;

/** The FIPA fields a message's sender set, only those; null when it set none (most messages). */
export function fipaOf(m: Pick<Message, 'replyWith' | 'inReplyTo' | 'protocol' | 'ontology'>): FipaFields | null {
  if (m.replyWith === null && m.inReplyTo === null && m.protocol === null && m.ontology === null) return null;
  return {
    ...(m.replyWith !== null ? { replyWith: m.replyWith } : {}),
    ...(m.inReplyTo !== null ? { inReplyTo: m.inReplyTo } : {}),
    ...(m.protocol !== null ? { protocol: m.protocol } : {}),
    ...(m.ontology !== null ? { ontology: m.ontology } : {}),
  };
}

export interface Message {
  id: string;
  performative: Performative;
  sender: string;
  receiver: string | null;
  capability: string | null;
  content: Content;
  conversationId: string;
  replyWith: string | null;
  inReplyTo: string | null;
  protocol: string | null;
  ontology: string | null;
  /** absolute deadline, epoch ms */
  deadline: number | null;
  strategy: Strategy | null;
  /** how many agent-to-agent asks led here (0 for a client's message) */
  hops: number;
  /** the agents whose handling this message is part of, outermost first */
  path: readonly string[];
  createdAt: number;
}

export interface Reply {
  messageId: string;
  conversationId: string;
  handledBy: string;
  performative: Performative;
  reply: Content;
  /** the reply-with of the message it answers, when that message gave one (FIPA) */
  inReplyTo?: string;
  routingMs: number;
  /** for a client's message, from receiving it to its reply (ms); 0 on a nested ask's reply */
  durationMs: number;
  attempts: number;
  /** agents that handled nested asks, in order (the path the request took) */
  trace: TraceEntry[];
}

/** One step of the path a request took: an agent that handled it or an ask, or a tool call. */
export const TraceEntry = z.object({
  kind: z.enum(['agent', 'tool']),
  name: z.string(),
  /** for tools: the function */
  fn: z.string().optional(),
  depth: z.number(),
  ms: z.number(),
  ok: z.boolean(),
});
export type TraceEntry = z.infer<typeof TraceEntry>;

/**
 * The answer to a client's message, as POST /api/v1/messages writes it. Also the route's response
 * schema: Fastify compiles it into a serializer (fast-json-stringify), which writes the answer in
 * a third of JSON.stringify's time. A field missing here would be left out of every answer: the
 * route test compares the body's keys with these. `reply` is any JSON, written by JSON.stringify.
 */
export const MessageAnswer = z.object({
  milestones: z.array(z.object({ milestone: z.string(), at: z.string(), sinceCreatedMs: z.number().nullable() })).optional(),
  messageId: z.string(),
  conversationId: z.string(),
  handledBy: z.string(),
  performative: Performative,
  reply: z.unknown(),
  inReplyTo: z.string().optional(),
  routingMs: z.number(),
  durationMs: z.number(),
  attempts: z.number(),
  trace: z.array(TraceEntry),
});
