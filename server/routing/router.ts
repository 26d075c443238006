// Routing decisions: which agent gets a message, or why none can. Pure: the capability index,
// breaker states, loads, counters, clock and randomness all come in as data.
import type { Message, Strategy } from './message.js';
import { breakerAvailable, type BreakerState } from './breaker.js';
import { choose } from './strategies.js';
import { nearest } from '../util/nearest.js';
import type { RemovedBy } from '../deploy/snapshot.js';

export type RoutingFailure =
  | { code: 'no-capable-agent'; capability: string; capabilities: string[]; nearest: string[] }
  | { code: 'unknown-receiver'; receiver: string; agents: string[]; nearest: string[]; removedBy?: RemovedBy }
  | { code: 'circuit-open'; agents: string[]; retryAt: number }
  | { code: 'all-unavailable'; agents: string[] }
  | { code: 'hop-limit'; hops: number; maxHops: number }
  | { code: 'loop'; agents: string[]; path: readonly string[] };

export type RouteDecision = { ok: true; agent: string; candidates: readonly string[] } | { ok: false; failure: RoutingFailure };

export interface RouteInput {
  message: Pick<Message, 'capability' | 'receiver' | 'conversationId' | 'path' | 'hops' | 'strategy'>;
  capabilities: ReadonlyMap<string, readonly string[]>;
  agents: { has(name: string): boolean; keys(): IterableIterator<string> };
  /** agents a deployment removed, with that deployment (a receiver among them is told so) */
  removed?: ReadonlyMap<string, RemovedBy>;
  /** agents already tried for this message (retries move on) */
  exclude?: ReadonlySet<string>;
  breaker: (agent: string) => BreakerState;
  now: number;
  maxHops: number;
  defaultStrategy: Strategy;
  counter: number;
  inFlight: (agent: string) => number;
  random: () => number;
}

const NO_EXCLUDE: ReadonlySet<string> = new Set();

export function route(i: RouteInput): RouteDecision {
  const m = i.message;
  if (m.hops > i.maxHops) return { ok: false, failure: { code: 'hop-limit', hops: m.hops, maxHops: i.maxHops } };

  let capable: readonly string[];
  if (m.receiver) {
    if (!i.agents.has(m.receiver)) {
      const agents = [...i.agents.keys()].sort();
      const removedBy = i.removed?.get(m.receiver);
      return { ok: false, failure: { code: 'unknown-receiver', receiver: m.receiver, agents, nearest: nearest(m.receiver, agents), ...(removedBy ? { removedBy } : {}) } };
    }
    capable = [m.receiver];
  } else {
    const cap = m.capability ?? '';
    const list = i.capabilities.get(cap);
    if (!list?.length) {
      const capabilities = [...i.capabilities.keys()];
      return { ok: false, failure: { code: 'no-capable-agent', capability: cap, capabilities, nearest: nearest(cap, capabilities) } };
    }
    capable = list;
  }

  // An agent already in this request's chain is never asked again: no loops, no ping-pong.
  const path = m.path;
  const outsidePath = path.length ? capable.filter((a) => !path.includes(a)) : capable;
  if (!outsidePath.length) return { ok: false, failure: { code: 'loop', agents: [...capable], path } };

  const exclude = i.exclude ?? NO_EXCLUDE;
  let untried = exclude.size ? outsidePath.filter((a) => !exclude.has(a)) : outsidePath;
  // With every capable agent tried once, a retry may go back to one of them.
  if (!untried.length) untried = outsidePath;

  const available = untried.filter((a) => breakerAvailable(i.breaker(a), i.now));
  if (!available.length) {
    const open = untried.map((a) => i.breaker(a)).filter((b): b is Extract<BreakerState, { state: 'open' }> => b.state === 'open');
    if (open.length) {
      const retryAt = Math.min(...open.map((b) => b.retryAt));
      return { ok: false, failure: { code: 'circuit-open', agents: [...untried], retryAt } };
    }
    return { ok: false, failure: { code: 'all-unavailable', agents: [...untried] } };
  }
  const agent = choose({
    strategy: m.strategy ?? i.defaultStrategy,
    candidates: available,
    conversationId: m.conversationId,
    counter: i.counter,
    inFlight: i.inFlight,
    random: i.random,
  });
  return { ok: true, agent, candidates: available };
}
