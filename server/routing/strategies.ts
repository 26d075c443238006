// Choosing one agent among the capable, available ones. Pure: counters, loads and randomness come in.
import type { Strategy } from './message.js';

/** FNV-1a, 32-bit: a stable hash for deterministic choices. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface ChooseInput {
  strategy: Strategy;
  /** candidates, in a stable order */
  candidates: readonly string[];
  conversationId: string;
  /** round-robin position for this capability */
  counter: number;
  inFlight: (agent: string) => number;
  random: () => number;
}

/**
 * The chosen agent. Deterministic uses rendezvous hashing: a conversation keeps its agent while
 * that agent is available, and adding or removing agents moves only the conversations they win or held.
 */
export function choose(i: ChooseInput): string {
  const c = i.candidates;
  if (c.length === 1) return c[0]!;
  switch (i.strategy) {
    case 'round-robin':
      return c[i.counter % c.length]!;
    case 'random':
      return c[Math.floor(i.random() * c.length) % c.length]!;
    case 'least-loaded': {
      let best = c[0]!;
      let load = i.inFlight(best);
      for (let k = 1; k < c.length; k++) {
        const l = i.inFlight(c[k]!);
        if (l < load) {
          best = c[k]!;
          load = l;
        }
      }
      return best;
    }
    case 'deterministic':
    default: {
      let best = c[0]!;
      let score = -1;
      for (const a of c) {
        const s = fnv1a(`${i.conversationId}\u0000${a}`);
        if (s > score) {
          score = s;
          best = a;
        }
      }
      return best;
    }
  }
}
