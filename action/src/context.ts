// What the workflow gives the Action: its inputs (read by @actions/core from INPUT_* variables)
// and the run's context from GITHUB_* variables and the event payload file.
import fs from 'node:fs';

export interface Inputs {
  serverUrl: string;
  token: string;
  /** explicit ref input ('' when not given) */
  ref: string;
  dryRun: boolean;
  partial: boolean;
  githubToken: string;
  environment: string;
  retries: number;
  failOnInvalid: boolean;
}

export interface RunContext {
  eventName: string;
  sha: string;
  repository: string;
  apiUrl: string;
  serverUrl: string;
  runId: string;
  /** the pull request of a pull_request event: its number and head SHA */
  pullRequest: { number: number; headSha: string; headRef: string | null } | null;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function readContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  let payload: { pull_request?: { number?: unknown; head?: { sha?: unknown; ref?: unknown } } } = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch {
      /* no payload: the context stays without a pull request */
    }
  }
  const pr = payload.pull_request;
  const pullRequest =
    PR_EVENTS.has(eventName) && pr && typeof pr.head?.sha === 'string'
      ? { number: Number(pr.number), headSha: pr.head.sha, headRef: typeof pr.head.ref === 'string' ? pr.head.ref : null }
      : null;
  return {
    eventName,
    sha: env.GITHUB_SHA ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    runId: env.GITHUB_RUN_ID ?? '',
    pullRequest,
  };
}

export interface Plan {
  /** the commit to deploy or preview */
  ref: string;
  /** true: preview only (a pull request, or dry-run) */
  preview: boolean;
  /** how the preview names what it shows */
  what: string;
}

/**
 * What this run does: a pull request previews its head (unless `ref` names something else); a
 * dry run previews `ref`; anything else deploys `ref`, by default the workflow's commit. A pull
 * request event never deploys, even when its payload cannot be read (it then previews `ref`, or
 * the workflow's commit).
 */
export function decide(inputs: Inputs, ctx: RunContext): Plan {
  const pr = ctx.pullRequest;
  if (pr) {
    const ref = inputs.ref || pr.headSha;
    return { ref, preview: true, what: `pull request #${pr.number} (${ref.slice(0, 7)})` };
  }
  const ref = inputs.ref || ctx.sha;
  if (PR_EVENTS.has(ctx.eventName)) return { ref, preview: true, what: `a ${ctx.eventName} event (${ref.slice(0, 7)})` };
  return { ref, preview: inputs.dryRun, what: /^[0-9a-f]{40,64}$/.test(ref) ? `commit ${ref.slice(0, 7)}` : ref };
}

export function runUrl(ctx: RunContext): string | null {
  return ctx.repository && ctx.runId ? `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}` : null;
}
