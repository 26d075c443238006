// A circuit breaker per agent, as pure state transitions: closed → open after `failureThreshold`
// failures within `windowMs` → half-open after `openMs` (one probe) → closed on success, open on failure.

export interface BreakerConfig {
  failureThreshold: number;
  windowMs: number;
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { failureThreshold: 5, windowMs: 30_000, openMs: 10_000 };

export type BreakerState =
  | { state: 'closed'; failures: readonly number[] }
  | { state: 'open'; openedAt: number; retryAt: number }
  | { state: 'half-open'; probing: boolean };

export const CLOSED: BreakerState = { state: 'closed', failures: [] };

/** Whether a call may go through now; may move open → half-open (and claim the probe). */
export function breakerAdmit(s: BreakerState, now: number): { allowed: boolean; next: BreakerState } {
  if (s.state === 'closed') return { allowed: true, next: s };
  if (s.state === 'open') {
    if (now < s.retryAt) return { allowed: false, next: s };
    return { allowed: true, next: { state: 'half-open', probing: true } };
  }
  if (s.probing) return { allowed: false, next: s };
  return { allowed: true, next: { state: 'half-open', probing: true } };
}

/** Whether a call could go through now, without claiming anything (for choosing candidates). */
export function breakerAvailable(s: BreakerState, now: number): boolean {
  return s.state === 'closed' || (s.state === 'open' ? now >= s.retryAt : !s.probing);
}

export function breakerSuccess(s: BreakerState): BreakerState {
  return s.state === 'closed' && s.failures.length === 0 ? s : CLOSED;
}

/** A call that ended neither in success nor in the agent's own failure: frees a half-open probe, keeps the rest. */
export function breakerRelease(s: BreakerState): BreakerState {
  return s.state === 'half-open' && s.probing ? { state: 'half-open', probing: false } : s;
}

export function breakerFailure(s: BreakerState, now: number, cfg: BreakerConfig = DEFAULT_BREAKER): BreakerState {
  if (s.state === 'half-open') return { state: 'open', openedAt: now, retryAt: now + cfg.openMs };
  if (s.state === 'open') return s;
  const failures = [...s.failures.filter((t) => now - t < cfg.windowMs), now];
  if (failures.length >= cfg.failureThreshold) return { state: 'open', openedAt: now, retryAt: now + cfg.openMs };
  return { state: 'closed', failures };
}

/** A breaker as an operator reads it: `open` only while it refuses calls; failures that still count. */
export interface BreakerView {
  circuit: 'closed' | 'open' | 'half-open';
  /** while open: when it lets a probe through (epoch ms) */
  retryAt: number | null;
  /** while closed: failures inside the window, of the threshold that opens it */
  recentFailures: number;
}

export function breakerView(s: BreakerState, now: number, cfg: BreakerConfig = DEFAULT_BREAKER): BreakerView {
  if (s.state === 'open') return now < s.retryAt ? { circuit: 'open', retryAt: s.retryAt, recentFailures: 0 } : { circuit: 'half-open', retryAt: null, recentFailures: 0 };
  if (s.state === 'half-open') return { circuit: 'half-open', retryAt: null, recentFailures: 0 };
  return { circuit: 'closed', retryAt: null, recentFailures: s.failures.filter((t) => now - t < cfg.windowMs).length };
}
