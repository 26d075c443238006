import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeploymentPlan, DeploymentRecord } from '../../server/deploy/record.js';
import { actionSuggestions, failureMessage, orderChanges, renderChanges, renderDeployment, renderFailure, renderPreview } from '../../action/src/summary.js';
import { code, text } from '../../action/src/markdown.js';

const FROM = '1'.repeat(40);
const TO = '2'.repeat(40);

function record(over: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: 'dep_1',
    ref: TO,
    fromSha: FROM,
    toSha: TO,
    status: 'succeeded',
    trigger: 'action',
    changes: { added: [], modified: [], removed: [] },
    errors: [],
    warnings: [],
    heldBack: [],
    noop: false,
    message: 'a change',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 42,
    ...over,
  };
}

const changes = {
  added: [{ kind: 'tool' as const, name: 'zeta' }],
  modified: [
    { kind: 'agent' as const, name: 'cosmo', impact: 'cosmetic' as const, fields: [{ field: 'description', impact: 'cosmetic' as const, before: 'old', after: 'new' }] },
    { kind: 'agent' as const, name: 'brk', impact: 'breaking' as const, fields: [{ field: 'capabilities', impact: 'breaking' as const, removed: ['x'], added: ['y'] }] },
  ],
  removed: [{ kind: 'agent' as const, name: 'old' }],
};

// ---

const Order = suite('orderChanges');

Order('breaking first (removed before modified), then compatible, then cosmetic', () => {
  assert.equal(orderChanges(changes).map((r) => `${r.kind}:${r.item.name}:${r.impact}`), ['removed:old:breaking', 'modified:brk:breaking', 'added:zeta:compatible', 'modified:cosmo:cosmetic']);
});

Order.run();

// ---

const Changes = suite('renderChanges');

Changes('a table row per change with field-level impact', () => {
  const md = renderChanges(changes);
  assert.match(md, /### Changes: 1 added, 2 modified, 1 removed \(2 breaking\)/);
  assert.match(md, /\| ✏️ modified \| agent \| `brk` \| 🔴 breaking \| `capabilities` \+y −x \(breaking\) \|/);
  assert.match(md, /`description` `old` → `new` \(cosmetic\)/);
});

Changes('a file beside the manifest :: named with what became of it and its note, not its blob ids', () => {
  const md = renderChanges({ added: [], modified: [{ kind: 'agent', name: 'r', impact: 'compatible', fields: [
    { field: 'replay.json', impact: 'compatible', before: 'a'.repeat(40), after: 'b'.repeat(40), note: 'the recording the agent plays back: its answers change', file: 'agents/r/replay.json' },
  ] }], removed: [] });
  assert.match(md, /\| `replay.json` changed \(compatible\) — the recording the agent plays back: its answers change \|/);
  assert.not.match(md, /aaaaaaa/);
});

Changes('no changes says so', () => {
  assert.match(renderChanges({ added: [], modified: [], removed: [] }), /No agent, tool or setting changes/);
});

Changes.run();

// ---

const Deployment = suite('renderDeployment');

Deployment('the outcome table: status, SHAs, duration, then the changes', () => {
  const md = renderDeployment(record({ changes }), { serverUrl: 'https://caxton.example' });
  assert.match(md, /^## ✅ Caxton deployed `2222222`/);
  assert.ok(md.includes(`| From | \`${FROM}\` |`));
  assert.ok(md.includes(`| To | \`${TO}\` |`));
  assert.ok(md.includes('| Duration | 42 ms |'));
  assert.ok(md.indexOf('| Status |') < md.indexOf('### Changes'));
});

Deployment('a failed one says nothing changed and lists the errors with their fixes', () => {
  const md = renderDeployment(record({ status: 'failed', errors: [{ code: 'unknown-key', message: 'unknown key "capabilites"', suggestion: 'did you mean "capabilities"?', file: 'agents/a/agent.toml', line: 3, column: 1 }] }), { serverUrl: 'x' });
  assert.match(md, /^## ❌ Caxton deployment of `2222222` failed/);
  assert.match(md, /previous deployment keeps serving/);
  assert.match(md, /\| `agents\/a\/agent.toml:3:1` \| `unknown-key` \| unknown key "capabilites" \| did you mean "capabilities"\? \|/);
});

Deployment('a failed first deployment says nothing serves; every deployment links its workflow run', () => {
  const first = renderDeployment(record({ status: 'failed', fromSha: null }), { serverUrl: 'x', runUrl: 'https://github.com/o/r/actions/runs/9' });
  assert.match(first, /nothing was deployed before, so nothing serves yet/);
  assert.not.match(first, /keeps serving/);
  assert.match(first, /\[workflow run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/9\)/);
  assert.not.match(renderDeployment(record(), { serverUrl: 'x' }), /workflow run/, 'none without a run');
});

Deployment('workspace text cannot break the table or inject HTML', () => {
  const md = renderDeployment(record({ message: 'evil | <script>alert(1)</script>\nsecond line' }), { serverUrl: 'x' });
  assert.ok(md.includes('| Commit message | evil \\| &lt;script&gt;alert(1)&lt;/script&gt; second line |'), md);
  assert.is(text('a|b\n<i>'), 'a\\|b &lt;i&gt;');
  assert.is(code('x`y|z'), "`x'y\\|z`");
});

Deployment.run();

// ---

const Preview = suite('renderPreview');

Preview('says what would happen and that nothing was deployed', () => {
  const plan: DeploymentPlan = { dryRun: true, ref: TO, fromSha: FROM, toSha: TO, outcome: 'failed', changes, errors: [{ code: 'missing-field', message: 'missing description', file: 'agents/b/agent.toml', line: 1, column: 1 }], warnings: [], heldBack: [], noop: false };
  const md = renderPreview(plan, { serverUrl: 'x', what: 'pull request #3 (2222222)', runUrl: 'https://github.com/o/r/actions/runs/1' });
  assert.match(md, /^## ❌ Caxton preview for pull request #3 \(2222222\): would fail/);
  assert.match(md, /Nothing was deployed/);
  assert.match(md, /### Validation errors/);
  assert.match(md, /\[workflow run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/1\)/);
});

Preview.run();

// ---

const Failure = suite('renderFailure / failureMessage / actionSuggestions');

Failure('the server error with its code and suggestions', () => {
  const e = { code: 'CAX_DEPLOY_LOCKED', message: 'Deployments from action are locked: freeze', suggestions: ['"caxton unlock" lifts the lock'] };
  assert.match(renderFailure(e, { serverUrl: 'x', ref: TO, dryRun: false }), /\*\*Deployments from action are locked: freeze\*\* `CAX_DEPLOY_LOCKED`\n\n- "caxton unlock" lifts the lock/);
  assert.is(failureMessage(e), 'Deployments from action are locked: freeze [CAX_DEPLOY_LOCKED]\n→ "caxton unlock" lifts the lock');
});

Failure('unreachable and unauthorized speak of the Action inputs, not CLI flags', () => {
  assert.match(actionSuggestions({ code: 'CAX_SERVER_UNREACHABLE', suggestions: ['caxton serve'] }, 'https://c.example').join(' '), /server-url input \(https:\/\/c.example\)/);
  assert.match(actionSuggestions({ code: 'CAX_UNAUTHORIZED', suggestions: [] }, 'x').join(' '), /token input/);
  assert.equal(actionSuggestions({ code: 'CAX_DEPLOY_BUSY', suggestions: ['wait'] }, 'x'), ['wait']);
});

Failure.run();
