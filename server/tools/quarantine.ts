// Quarantine: a tool that breaks its limits `violations` times within `windowMs` stops taking calls
// until a deployment replaces it (a new instance starts with a clean record). Clock passed in.

export interface QuarantinePolicy {
  violations: number;
  windowMs: number;
}

export const DEFAULT_QUARANTINE: QuarantinePolicy = { violations: 3, windowMs: 60_000 };

export interface QuarantineState {
  reason: string;
  since: string;
  violations: number;
  windowMs: number;
}

export class ViolationRecord {
  private times: number[] = [];
  private state: QuarantineState | null = null;

  constructor(private readonly policy: QuarantinePolicy = DEFAULT_QUARANTINE) {}

  get quarantined(): QuarantineState | null {
    return this.state;
  }

  /** Records one limit violation at `now`; returns the quarantine when this one starts it. */
  record(now: number, reason: string): QuarantineState | null {
    if (this.state) return null;
    this.times = this.times.filter((t) => now - t < this.policy.windowMs);
    this.times.push(now);
    if (this.times.length < this.policy.violations) return null;
    this.state = {
      reason: `${this.times.length} limit violations within ${this.policy.windowMs / 1000} s (last: ${reason})`,
      since: new Date(now).toISOString(),
      violations: this.times.length,
      windowMs: this.policy.windowMs,
    };
    return this.state;
  }
}
