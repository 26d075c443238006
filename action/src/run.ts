// The Action: deploy the workflow's commit (or preview a pull request) on a Caxton server, report
// it in the job summary, set the outputs, and fail the step when the deployment fails.
import * as core from '@actions/core';
import { ApiClient } from '../../cli/client.js';
import { toCaxtonError } from '../../server/errors.js';
import type { DeploymentPlan, DeploymentRecord, RecordIssue } from '../../server/deploy/record.js';
import { decide, readContext, runUrl, type Inputs, type RunContext } from './context.js';
import { withRetry } from './retry.js';
import { GitHubApi } from './github-api.js';
import { COMMENT_MARKER, actionSuggestions, failureMessage, heldBackIssues, recordFailureMessage, renderDeployment, renderFailure, renderPreview } from './summary.js';

function bool(name: string, fallback: boolean): boolean {
  const v = core.getInput(name);
  if (!v) return fallback;
  return core.getBooleanInput(name);
}

export function readInputs(): Inputs {
  const retries = Number(core.getInput('retries') || '3');
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new Error(`Input retries must be a whole number from 0 to 10 (got "${core.getInput('retries')}")`);
  // core checks `required` before it trims: a value of spaces would pass, then be empty
  const required = (name: string) => {
    const v = core.getInput(name);
    if (!v) throw new Error(`Input required and not supplied: ${name}`);
    return v;
  };
  return {
    serverUrl: required('server-url'),
    token: required('token'),
    ref: core.getInput('ref'),
    dryRun: bool('dry-run', false),
    partial: bool('partial', false),
    githubToken: core.getInput('github-token'),
    environment: core.getInput('environment') || 'caxton',
    retries,
    failOnInvalid: bool('fail-on-invalid', true),
  };
}

/** Secrets that must not reach the summary or a message, whatever a server or URL echoes. */
const secrets: string[] = [];

/** Removes the tokens and any user-info of URLs (https://user:pass@host → https://***@host). */
export function scrub(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

function fail(message: string): void {
  core.setFailed(scrub(message));
}

/**
 * Each problem as an annotation on its file and line, which GitHub shows in the pull request's diff:
 * the errors, and what holds each held-back entity back, as warnings.
 */
function annotate(r: Pick<DeploymentPlan, 'errors' | 'heldBack'>): void {
  mark(r.errors, 'error');
  mark(heldBackIssues(r.heldBack), 'warning');
}

function mark(issues: readonly RecordIssue[], kind: 'error' | 'warning'): void {
  for (const i of issues.slice(0, 10)) {
    if (!i.file) continue;
    const text = scrub(`${i.message}${i.suggestion ? ` → ${i.suggestion}` : ''}`);
    core[kind](text, { title: `Caxton: ${i.code}`, file: i.file, ...(i.line ? { startLine: i.line } : {}), ...(i.column ? { startColumn: i.column } : {}) });
  }
}

async function writeSummary(markdown: string): Promise<void> {
  markdown = scrub(markdown);
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch {
    // outside a runner (no GITHUB_STEP_SUMMARY) the report goes to the log instead
    core.info(markdown);
  }
}

/** GitHub REST calls are a report, not the deployment: a failure there is a warning. */
async function report(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    core.warning(scrub(`Could not ${what}: ${(err as Error).message}`));
  }
}

function setOutputs(o: { id: string; status: string; sha: string; outcome: string }): void {
  core.setOutput('deployment-id', o.id);
  core.setOutput('status', o.status);
  core.setOutput('sha', o.sha);
  core.setOutput('outcome', o.outcome);
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let inputs: Inputs;
  try {
    inputs = readInputs();
  } catch (err) {
    fail((err as Error).message);
    return;
  }
  core.setSecret(inputs.token);
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  secrets.push(inputs.token, inputs.githubToken);

  const ctx: RunContext = readContext(env);
  const plan = decide(inputs, ctx);
  if (!plan.ref) {
    fail('No commit to deploy: set the ref input, or run in a workflow (GITHUB_SHA).');
    return;
  }
  const client = new ApiClient(inputs.serverUrl, inputs.token, 10 * 60_000);
  const baseMs = Number(env.CAXTON_ACTION_RETRY_MS ?? 2000);
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, {
      retries: inputs.retries,
      baseMs,
      onRetry: ({ attempt, code, waitMs, message }) => core.warning(scrub(`${message} [${code}]; retry ${attempt} of ${inputs.retries} in ${Math.round(waitMs / 100) / 10} s`)),
    });
  const gh = inputs.githubToken && ctx.repository ? new GitHubApi({ apiUrl: ctx.apiUrl, token: inputs.githubToken, repository: ctx.repository }) : null;
  const reportCtx = { serverUrl: scrub(inputs.serverUrl), runUrl: runUrl(ctx) };

  if (plan.preview) {
    core.info(`Previewing ${plan.what} on ${reportCtx.serverUrl} (dry run: nothing is deployed)`);
    let preview: DeploymentPlan;
    try {
      preview = await retry(() => client.post<DeploymentPlan>('/api/v1/deployments', { ref: plan.ref, dryRun: true, partial: inputs.partial, trigger: 'action' }));
    } catch (err) {
      const caught = toCaxtonError(err);
      const e = { code: caught.code, message: caught.message, suggestions: actionSuggestions(caught, reportCtx.serverUrl) };
      const md = renderFailure(e, { ...reportCtx, ref: plan.ref, dryRun: true });
      await writeSummary(md);
      // the comment says so too: it would otherwise still show an older head's preview
      if (gh && ctx.pullRequest) {
        await report('update the pull-request comment', () => gh.upsertComment({ issue: ctx.pullRequest!.number, marker: COMMENT_MARKER, body: `${COMMENT_MARKER}\n${scrub(md)}` }));
      }
      setOutputs({ id: '', status: 'error', sha: plan.ref, outcome: 'error' });
      fail(failureMessage(e));
      return;
    }
    // the lock decides whether a merge deploys at all; a status the server cannot give leaves it out
    const lock = await client.get<{ lock: { reason: string; since: string } | null }>('/api/v1/status').then((st) => st.lock, () => null);
    const md = renderPreview(preview, { ...reportCtx, what: plan.what, lock });
    await writeSummary(md);
    setOutputs({ id: '', status: 'dry-run', sha: preview.toSha, outcome: preview.outcome });
    if (gh && ctx.pullRequest) {
      await report('update the pull-request comment', () => gh.upsertComment({ issue: ctx.pullRequest!.number, marker: COMMENT_MARKER, body: `${COMMENT_MARKER}\n${md}` }));
    }
    annotate(preview);
    if (preview.outcome === 'failed' && inputs.failOnInvalid) {
      fail(`Deploying ${preview.toSha.slice(0, 7)} would fail: ${preview.errors.length} problem(s), listed in the job summary.\n${preview.errors
        .slice(0, 10)
        .map((e) => `${e.file ? `${e.file}:${e.line ?? 1}:${e.column ?? 1} ` : ''}${e.message} [${e.code}]${e.suggestion ? `\n  → ${e.suggestion}` : ''}`)
        .join('\n')}`);
    }
    return;
  }

  core.info(`Deploying ${plan.ref} to ${reportCtx.serverUrl}`);
  let ghDeployment: number | null = null;
  if (gh) {
    await report('create the GitHub deployment', async () => {
      ghDeployment = await gh.createDeployment({ ref: plan.ref, environment: inputs.environment, description: `Caxton deployment of ${plan.ref.slice(0, 12)}` });
      await gh.setDeploymentStatus(ghDeployment, { state: 'in_progress', description: 'Deploying on the Caxton server', logUrl: reportCtx.runUrl });
    });
  }
  const ghStatus = async (state: 'success' | 'failure' | 'error', description: string) => {
    if (gh && ghDeployment !== null) await report('record the GitHub deployment status', () => gh.setDeploymentStatus(ghDeployment!, { state, description, logUrl: reportCtx.runUrl }));
  };

  let record: DeploymentRecord;
  try {
    record = await retry(() => client.post<DeploymentRecord>('/api/v1/deployments', { ref: plan.ref, partial: inputs.partial, trigger: 'action' }));
  } catch (err) {
    const caught = toCaxtonError(err);
    const e = { code: caught.code, message: caught.message, suggestions: actionSuggestions(caught, reportCtx.serverUrl) };
    await writeSummary(renderFailure(e, { ...reportCtx, ref: plan.ref, dryRun: false }));
    setOutputs({ id: '', status: 'error', sha: plan.ref, outcome: 'error' });
    await ghStatus('error', `${e.code}: ${e.message}`);
    fail(failureMessage(e));
    return;
  }
  await writeSummary(renderDeployment(record, reportCtx));
  annotate(record);
  setOutputs({ id: record.id, status: record.status, sha: record.toSha, outcome: record.status });
  const ok = record.status === 'succeeded' || record.status === 'partial';
  await ghStatus(ok ? 'success' : 'failure', `${record.status}: ${record.id} (${record.durationMs} ms)`);
  if (ok) core.info(`Deployment ${record.id} ${record.status}: ${record.toSha}`);
  else fail(recordFailureMessage(record));
}
