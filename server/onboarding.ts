// Onboarding milestones: how long a new workspace takes from `caxton init` to its first answered
// request. The CLI notes the milestones that happen before a server exists in
// <data>/onboarding.jsonl; the server records each milestone once, as an event, with the time
// since the workspace was created. The funnel is a query over those events.
import fs from 'node:fs';
import path from 'node:path';
import type { EventLog } from './events/log.js';
import { ROWS } from './events/wire.js';

export const MILESTONES = [
  'InstallationComplete',
  'TemplateSelected',
  'FirstAgentCreated',
  'AgentStarted',
  'FirstRequestProcessed',
  'SuccessAchieved',
] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface MilestoneNote {
  milestone: Milestone;
  at: number;
  detail?: Record<string, unknown>;
}

export interface Reached {
  milestone: Milestone;
  at: string;
  sinceCreatedMs: number | null;
}

const FILE = 'onboarding.jsonl';

/** Appends a milestone note (CLI side, before any server runs). */
export function noteMilestone(dataDir: string, note: MilestoneNote): void {
  // the data folder holds the token, the event log and a remote's credentials: its owner's alone
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.appendFileSync(path.join(dataDir, FILE), `${JSON.stringify(note)}\n`);
}

function readNotes(dataDir: string): MilestoneNote[] {
  try {
    return fs
      .readFileSync(path.join(dataDir, FILE), 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          const n = JSON.parse(l) as MilestoneNote;
          return (MILESTONES as readonly string[]).includes(n.milestone) && typeof n.at === 'number' ? [n] : [];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

const NONE: readonly Reached[] = Object.freeze([]);

export class Onboarding {
  private readonly reached = new Map<Milestone, Reached>();
  private createdAt: number | null = null;

  private constructor(private readonly events: EventLog, private readonly now: () => number) {}

  /** Loads what the log has, then records the CLI's notes not yet in it. */
  static async open(events: EventLog, dataDir: string, now: () => number = Date.now): Promise<Onboarding> {
    const o = new Onboarding(events, now);
    const rows = await events.query<{ type: string; payload: string }>(
      // milestones have no conversation and no group key: never grouped, so the stored rows hold them
      `SELECT type, payload FROM ${ROWS} WHERE type IN (${MILESTONES.map((m) => `'${m}'`).join(', ')}) ORDER BY seq`,
    );
    for (const r of rows) {
      const p = JSON.parse(r.payload) as Reached & { createdAt?: number };
      o.reached.set(r.type as Milestone, { milestone: r.type as Milestone, at: p.at, sinceCreatedMs: p.sinceCreatedMs });
      if (typeof p.createdAt === 'number') o.createdAt = p.createdAt;
    }
    const notes = readNotes(dataDir).sort((a, b) => a.at - b.at);
    if (o.createdAt === null && notes.length) o.createdAt = notes[0]!.at;
    for (const n of notes) o.reach(n.milestone, n.detail, n.at);
    return o;
  }

  /** Records a milestone the first time it is reached; returns it then, null afterwards. */
  reach(milestone: Milestone, detail: Record<string, unknown> = {}, at: number = this.now()): Reached | null {
    if (this.reached.has(milestone)) return null;
    const sinceCreatedMs = this.createdAt === null ? null : Math.max(0, at - this.createdAt);
    const r: Reached = { milestone, at: new Date(at).toISOString(), sinceCreatedMs };
    this.reached.set(milestone, r);
    this.events.append(milestone, { ...r, createdAt: this.createdAt, ...detail }, { at });
    return r;
  }

  /** The milestones an answered request reaches: the first answer, the first through several agents. */
  answered(r: { handledBy: string; trace: ReadonlyArray<{ kind: string; name: string }> }): readonly Reached[] {
    // every answer comes through here: once both are reached, nothing is allocated
    if (this.reached.has('FirstRequestProcessed') && (this.reached.has('SuccessAchieved') || r.trace.length < 2)) return NONE;
    const out: Reached[] = [];
    const first = this.reach('FirstRequestProcessed', { handledBy: r.handledBy });
    if (first) out.push(first);
    if (!this.reached.has('SuccessAchieved')) {
      const agents = r.trace.filter((t) => t.kind === 'agent').map((t) => t.name);
      const success = new Set(agents).size >= 2 ? this.reach('SuccessAchieved', { agents }) : null;
      if (success) out.push(success);
    }
    return out;
  }

  has(milestone: Milestone): boolean {
    return this.reached.has(milestone);
  }

  /** Every milestone in order, reached or not. */
  funnel(): { createdAt: string | null; steps: Array<Reached & { reached: boolean }> } {
    return {
      createdAt: this.createdAt === null ? null : new Date(this.createdAt).toISOString(),
      steps: MILESTONES.map((m) => {
        const r = this.reached.get(m);
        return r ? { ...r, reached: true } : { milestone: m, at: '', sinceCreatedMs: null, reached: false };
      }),
    };
  }
}
