import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runAction, type ActionRun } from '../util/action.js';
import { fakeGitHub } from '../util/github.js';
import { closedPort } from '../util/serve-child.js';
import { serveRepo, type Served } from '../util/http.js';
import { agentFiles, agentToml } from '../util/workspace.js';

const TOKEN = 'test-token';
const GH_TOKEN = 'ghs_fakeGitHubToken123';

const show = (r: ActionRun) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nsummary:\n${r.summary}\noutputs: ${JSON.stringify(r.outputs)}`;

/** The `::error::` workflow command the step failed with (its %0A are newlines). */
const errorOf = (r: ActionRun) => (/^::error::(.*)$/m.exec(r.stdout)?.[1] ?? '').replace(/%0A/g, '\n').replace(/%25/g, '%');

function noTokens(r: ActionRun): void {
  const visible = [r.stdout.replace(/^::add-mask::.*$/gm, ''), r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n');
  assert.not.ok(visible.includes(TOKEN), `the Caxton token leaked\n${show(r)}`);
  assert.not.ok(visible.includes(GH_TOKEN), `the GitHub token leaked\n${show(r)}`);
}

async function history(s: Served): Promise<any[]> {
  return (await s.call('GET', '/api/v1/deployments')).body;
}

/** A served workspace with agent `a` deployed, and a second commit (new agent `b`, `a` losing a capability) not yet deployed. */
async function setup(): Promise<{ s: Served; deployed: string; next: string }> {
  const s = await serveRepo({ ...agentFiles('a', { capabilities: ['summarize', 'analyze'] }) });
  const deployed = s.repo.head();
  await s.call('POST', '/api/v1/deployments', { ref: deployed });
  const next = s.repo.commit({ ...agentFiles('a', { capabilities: ['analyze'] }), ...agentFiles('b') }, 'add b; a stops summarizing');
  return { s, deployed, next };
}

// ---

const Deploy = suite('action :: deploy');

Deploy('success: deploys GITHUB_SHA with trigger action, sets the outputs and writes the summary table', async () => {
  const { s, deployed, next } = await setup();
  try {
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, sha: next });
    assert.is(r.code, 0, show(r));
    const [last] = await history(s);
    assert.is(last.trigger, 'action');
    assert.is(last.toSha, next);
    assert.is(last.status, 'succeeded');
    assert.equal(r.outputs, { 'deployment-id': last.id, status: 'succeeded', sha: next, outcome: 'succeeded' });

    assert.match(r.summary, /## ✅ Caxton deployed `[0-9a-f]{7}`/);
    assert.ok(r.summary.includes(`| From | \`${deployed}\` |`), show(r));
    assert.ok(r.summary.includes(`| To | \`${next}\` |`));
    assert.match(r.summary, /\| Duration \| \d+ ms \|/);
    assert.match(r.summary, /### Changes: 1 added, 1 modified, 0 removed \(1 breaking\)/);
    // breaking first, with the field-level impact
    const rows = r.summary.split('\n').filter((l) => /^\| (➕|✏️|➖)/.test(l));
    assert.is(rows.length, 2, show(r));
    assert.match(rows[0]!, /✏️ modified \| agent \| `a` \| 🔴 breaking \| `capabilities` −summarize \(breaking\)/);
    assert.match(rows[1]!, /➕ added \| agent \| `b` \| 🟡 compatible/);
    noTokens(r);
  } finally {
    await s.close();
  }
});

Deploy('the ref input deploys that commit instead of GITHUB_SHA', async () => {
  const { s, deployed, next } = await setup();
  try {
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, ref: deployed }, sha: next });
    assert.is(r.code, 0, show(r));
    assert.is(r.outputs.sha, deployed);
    assert.is((await history(s))[0].toSha, deployed);
  } finally {
    await s.close();
  }
});

Deploy('a failing deployment fails the step with the errors and their fixes; the previous one keeps serving', async () => {
  const { s, deployed } = await setup();
  try {
    const bad = s.repo.commit({ 'agents/a/agent.toml': `${agentToml('a')}capabilites = ["x"]\n` }, 'typo');
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, sha: bad });
    assert.is.not(r.code, 0, show(r));
    assert.is(r.outputs.status, 'failed');
    assert.match(r.outputs['deployment-id']!, /^dep_/);
    const err = errorOf(r);
    assert.match(err, /failed; the previous deployment keeps serving/);
    assert.match(err, /agents\/a\/agent\.toml:\d+:\d+ .*capabilites/);
    assert.match(err, /→ .*capabilities/, 'the suggestion');
    assert.match(r.summary, /## ❌ Caxton deployment of `[0-9a-f]{7}` failed/);
    assert.match(r.summary, /### Errors/);
    // each problem an annotation on its file and line, which the pull request's diff shows
    assert.match(r.stdout, /^::error title=Caxton%3A unknown-key,file=agents\/a\/agent\.toml,line=\d+,col=\d+::unknown key "capabilites".*capabilities/m);
    assert.is((await s.call('GET', '/api/v1/status')).body.deployedSha, deployed);
  } finally {
    await s.close();
  }
});

Deploy('partial: true deploys the valid part; the summary says why each held-back agent is invalid, with its line and fix', async () => {
  const { s } = await setup();
  try {
    const bad = s.repo.commit({ ...agentFiles('c'), 'agents/a/agent.toml': `${agentToml('a')}capabilites = ["x"]\n` }, 'c, and a typo in a');
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, partial: 'true' }, sha: bad });
    assert.is(r.code, 0, show(r));
    assert.is(r.outputs.status, 'partial');
    assert.match(r.summary, /### Held back/);
    assert.match(r.summary, /### Why they are held back/);
    assert.match(r.summary, /agents\/a\/agent\.toml:\d+:\d+.*unknown key .*capabilites.*did you mean .*capabilities/s);
  } finally {
    await s.close();
  }
});

Deploy('a wrong token fails the step with CAX_UNAUTHORIZED and deploys nothing', async () => {
  const { s, next } = await setup();
  try {
    const before = (await history(s)).length;
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: 'not-the-token' }, sha: next });
    assert.is.not(r.code, 0, show(r));
    assert.match(errorOf(r), /Invalid bearer token \[CAX_UNAUTHORIZED\]/);
    assert.match(errorOf(r), /token input/);
    assert.is(r.outputs.status, 'error');
    assert.is((await history(s)).length, before);
    assert.not.ok(r.summary.includes('not-the-token'));
  } finally {
    await s.close();
  }
});

Deploy('while the deploy lock is set the step fails with the reason (423), nothing deployed', async () => {
  const { s, next } = await setup();
  try {
    await s.call('POST', '/api/v1/lock', { reason: 'incident 42' });
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, sha: next });
    assert.is.not(r.code, 0, show(r));
    assert.match(errorOf(r), /incident 42 \[CAX_DEPLOY_LOCKED\]/);
    assert.is.not((await s.call('GET', '/api/v1/status')).body.deployedSha, next);
  } finally {
    await s.close();
  }
});

Deploy('a server that cannot be reached is retried, then fails the step with exit code 1', async () => {
  const port = await closedPort();
  const r = await runAction({ inputs: { 'server-url': `http://127.0.0.1:${port}`, token: TOKEN, retries: '2' }, sha: 'a'.repeat(40) });
  assert.is(r.code, 1, show(r));
  assert.is((r.stdout.match(/^::warning::.*retry \d of 2/gm) ?? []).length, 2, show(r));
  assert.match(errorOf(r), /Cannot reach the Caxton server .*\[CAX_SERVER_UNREACHABLE\]/);
  assert.match(errorOf(r), /server-url input/);
  assert.is(r.outputs.status, 'error');
});

Deploy('a token of spaces is a missing token: the step fails before any request', async () => {
  const port = await closedPort();
  const r = await runAction({ inputs: { 'server-url': `http://127.0.0.1:${port}`, token: '   ' }, sha: 'a'.repeat(40) });
  assert.is(r.code, 1, show(r));
  assert.match(errorOf(r), /Input required and not supplied: token/);
  assert.not.match(r.stdout, /retry/);
});

Deploy('a missing required input fails the step', async () => {
  const r = await runAction({ inputs: { token: TOKEN }, sha: 'a'.repeat(40) });
  assert.is(r.code, 1, show(r));
  assert.match(errorOf(r), /Input required and not supplied: server-url/);
});

Deploy.run();

// ---

const Preview = suite('action :: preview');

Preview('a pull_request run previews the head commit, deploys nothing and writes the preview', async () => {
  const { s, deployed, next } = await setup();
  try {
    const before = (await history(s)).length;
    const payload = { action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: next, ref: 'feature' }, base: { sha: deployed, ref: 'main' } } };
    // GITHUB_SHA of a pull_request run is GitHub's merge commit, which the server does not have
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, sha: 'f'.repeat(40), event: { name: 'pull_request', payload } });
    assert.is(r.code, 0, show(r));
    assert.is((await history(s)).length, before, 'nothing deployed');
    assert.is((await s.call('GET', '/api/v1/status')).body.deployedSha, deployed);
    assert.equal(r.outputs, { 'deployment-id': '', status: 'dry-run', sha: next, outcome: 'succeeded' });
    assert.match(r.summary, /## 🔍 Caxton preview for pull request #7 \([0-9a-f]{7}\): would succeed/);
    assert.match(r.summary, /Nothing was deployed/);
    assert.match(r.summary, /`capabilities` −summarize \(breaking\)/);
    assert.not.match(r.summary, /deploy lock/);
    noTokens(r);

    // under the deploy lock the plan is the same, and the preview says a merge would not deploy
    await s.call('POST', '/api/v1/lock', { reason: 'incident 42' });
    const locked = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, sha: 'f'.repeat(40), event: { name: 'pull_request', payload } });
    assert.is(locked.code, 0, show(locked));
    assert.match(locked.summary, /The server's deploy lock is set\*\* since .*: incident 42\. A push or Action deployment after merging is refused until `caxton unlock`/);
  } finally {
    await s.close();
  }
});

Preview('dry-run: true on a push previews and deploys nothing', async () => {
  const { s, next } = await setup();
  try {
    const before = (await history(s)).length;
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'dry-run': 'true' }, sha: next });
    assert.is(r.code, 0, show(r));
    assert.is((await history(s)).length, before);
    assert.is(r.outputs.status, 'dry-run');
    assert.match(r.summary, /Caxton preview/);
  } finally {
    await s.close();
  }
});

Preview('a pull request that would fail shows its validation errors and fails the check (fail-on-invalid)', async () => {
  const { s, deployed } = await setup();
  try {
    const bad = s.repo.commit({ 'agents/a/agent.toml': `${agentToml('a')}capabilites = ["x"]\n` }, 'typo');
    const payload = { number: 8, pull_request: { number: 8, head: { sha: bad, ref: 'typo' } } };
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN }, event: { name: 'pull_request', payload } });
    assert.is(r.code, 1, show(r));
    assert.match(r.summary, /would fail/);
    assert.match(r.summary, /### Validation errors/);
    assert.match(r.summary, /`agents\/a\/agent\.toml:\d+:\d+`/);
    assert.is(r.outputs.outcome, 'failed');
    assert.is((await s.call('GET', '/api/v1/status')).body.deployedSha, deployed);
    const lenient = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'fail-on-invalid': 'false' }, event: { name: 'pull_request', payload } });
    assert.is(lenient.code, 0, show(lenient));
  } finally {
    await s.close();
  }
});

Preview.run();

// ---

const GitHub = suite('action :: github-token (REST API)');

GitHub('a deployment records a GitHub Deployment and its statuses', async () => {
  const { s, next } = await setup();
  const gh = await fakeGitHub();
  try {
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'github-token': GH_TOKEN, environment: 'production' }, sha: next, env: { GITHUB_API_URL: gh.url } });
    assert.is(r.code, 0, show(r));
    const calls = gh.calls.map((c) => `${c.method} ${c.path}`);
    assert.equal(calls, ['POST /repos/octo-org/agents/deployments', 'POST /repos/octo-org/agents/deployments/101/statuses', 'POST /repos/octo-org/agents/deployments/101/statuses']);
    assert.equal(gh.calls[0]!.body.ref, next);
    assert.is(gh.calls[0]!.body.environment, 'production');
    assert.equal(gh.calls[0]!.body.required_contexts, []);
    assert.equal(gh.calls.slice(1).map((c) => c.body.state), ['in_progress', 'success']);
    assert.is(gh.calls[2]!.body.log_url, 'https://github.com/octo-org/agents/actions/runs/4242');
    assert.match(gh.calls[2]!.body.description, /succeeded: dep_/);
    for (const c of gh.calls) {
      assert.is(c.headers.authorization, `Bearer ${GH_TOKEN}`);
      assert.is(c.headers['x-github-api-version'], '2022-11-28');
    }
    noTokens(r);
  } finally {
    await gh.close();
    await s.close();
  }
});

GitHub('a failed deployment marks the GitHub Deployment failure', async () => {
  const { s } = await setup();
  const gh = await fakeGitHub();
  try {
    const bad = s.repo.commit({ 'agents/a/agent.toml': 'name = 5\n' }, 'broken');
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'github-token': GH_TOKEN }, sha: bad, env: { GITHUB_API_URL: gh.url } });
    assert.is(r.code, 1, show(r));
    assert.equal(gh.calls.filter((c) => c.path.endsWith('/statuses')).map((c) => c.body.state), ['in_progress', 'failure']);
  } finally {
    await gh.close();
    await s.close();
  }
});

GitHub('a pull request gets one preview comment, updated in place on the next run', async () => {
  const { s, deployed, next } = await setup();
  const gh = await fakeGitHub();
  gh.comments.set(7, [{ id: 1, body: 'LGTM' }]);
  try {
    const payload = { number: 7, pull_request: { number: 7, head: { sha: next, ref: 'feature' } } };
    const run = () => runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'github-token': GH_TOKEN }, event: { name: 'pull_request', payload }, env: { GITHUB_API_URL: gh.url } });
    const r1 = await run();
    assert.is(r1.code, 0, show(r1));
    assert.is(gh.comments.get(7)!.length, 2);
    const mine = gh.comments.get(7)![1]!;
    assert.match(mine.body, /^<!-- caxton-preview -->/);
    assert.match(mine.body, /would succeed/);
    assert.match(mine.body, /`capabilities` −summarize \(breaking\)/);

    const r2 = await run();
    assert.is(r2.code, 0, show(r2));
    assert.is(gh.comments.get(7)!.length, 2, 'updated, not added');
    assert.ok(gh.calls.some((c) => c.method === 'PATCH' && c.path === `/repos/octo-org/agents/issues/comments/${mine.id}`));
    assert.not.ok(gh.calls.some((c) => c.path.includes('/deployments')), 'a preview records no GitHub Deployment');
    assert.is((await s.call('GET', '/api/v1/status')).body.deployedSha, deployed);
  } finally {
    await gh.close();
    await s.close();
  }
});

GitHub('a preview that fails before a plan (a head the server lacks) replaces the comment, which would otherwise show the older head\'s preview', async () => {
  const { s, next } = await setup();
  const gh = await fakeGitHub();
  try {
    const run = (sha: string) => runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'github-token': GH_TOKEN }, event: { name: 'pull_request', payload: { number: 7, pull_request: { number: 7, head: { sha, ref: 'feature' } } } }, env: { GITHUB_API_URL: gh.url } });
    assert.is((await run(next)).code, 0);
    assert.match(gh.comments.get(7)![0]!.body, /would succeed/);
    const r = await run('f'.repeat(40));
    assert.is(r.code, 1, show(r));
    const comments = gh.comments.get(7)!;
    assert.is(comments.length, 1, 'updated in place');
    assert.not.match(comments[0]!.body, /would succeed/);
    assert.match(comments[0]!.body, /CAX_REF_NOT_FOUND/);
    assert.not.ok(comments[0]!.body.includes(TOKEN));
  } finally {
    await gh.close();
    await s.close();
  }
});

GitHub('a GitHub API failure is a warning; the deployment and the step still succeed', async () => {
  const { s, next } = await setup();
  const gh = await fakeGitHub();
  gh.failWith = 403;
  try {
    const r = await runAction({ inputs: { 'server-url': s.server.url, token: TOKEN, 'github-token': GH_TOKEN }, sha: next, env: { GITHUB_API_URL: gh.url } });
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /::warning::Could not create the GitHub deployment: GitHub API POST \/repos\/octo-org\/agents\/deployments answered 403/);
    assert.is(r.outputs.status, 'succeeded');
    noTokens(r);
  } finally {
    await gh.close();
    await s.close();
  }
});

GitHub.run();
