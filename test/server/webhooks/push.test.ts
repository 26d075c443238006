import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PushPayload, checkTip, classifyPush } from '../../../server/webhooks/push.js';
import { pushPayload, ZERO_SHA } from '../../util/github.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const payload = (ref: string, before = A, after = B) => PushPayload.parse(pushPayload({ ref, before, after }));

// ---

const Classify = suite('classifyPush');

Classify('a push to the deploy branch deploys `after`', () => {
  assert.equal(classifyPush({ payload: payload('refs/heads/main'), branch: 'main' }), { action: 'deploy', ref: 'refs/heads/main', sha: B });
  assert.equal(classifyPush({ payload: payload('refs/heads/release/v2'), branch: 'release/v2' }).action, 'deploy');
});

Classify('a new branch created at the deploy branch name deploys too', () => {
  assert.is(classifyPush({ payload: payload('refs/heads/main', ZERO_SHA, B), branch: 'main' }).action, 'deploy');
});

Classify('ignored with the reason :: another branch', () => {
  const d = classifyPush({ payload: payload('refs/heads/feature'), branch: 'main' });
  assert.is(d.action, 'ignore');
  assert.match((d as { reason: string }).reason, /refs\/heads\/feature.*refs\/heads\/main/);
});

Classify('ignored with the reason :: a tag, even one named like the branch', () => {
  for (const ref of ['refs/tags/v1', 'refs/tags/main']) {
    const d = classifyPush({ payload: payload(ref), branch: 'main' });
    assert.is(d.action, 'ignore');
    assert.match((d as { reason: string }).reason, /tag push/);
  }
});

Classify('ignored with the reason :: the deploy branch deleted', () => {
  const d = classifyPush({ payload: payload('refs/heads/main', A, ZERO_SHA), branch: 'main' });
  assert.is(d.action, 'ignore');
  assert.match((d as { reason: string }).reason, /deleted/);
});

Classify('a prefix of the branch name is another branch', () => {
  assert.is(classifyPush({ payload: payload('refs/heads/main-old'), branch: 'main' }).action, 'ignore');
  assert.is(classifyPush({ payload: payload('refs/heads/mai'), branch: 'main' }).action, 'ignore');
});

Classify.run();

// ---

const Schema = suite('PushPayload');

Schema('accepts GitHub’s full payload (SHA-1 and SHA-256 repositories)', () => {
  assert.ok(PushPayload.safeParse(pushPayload({ ref: 'refs/heads/main', before: A, after: B })).success);
  assert.ok(PushPayload.safeParse(pushPayload({ ref: 'refs/heads/main', before: 'c'.repeat(64), after: 'd'.repeat(64) })).success);
});

Schema('refuses what is not a commit SHA', () => {
  for (const after of ['HEAD', 'main', 'abc', 'G'.repeat(40), `${B}\n`]) {
    assert.not.ok(PushPayload.safeParse({ ref: 'refs/heads/main', before: A, after }).success, after);
  }
  assert.not.ok(PushPayload.safeParse({ before: A, after: B }).success, 'no ref');
});

Schema.run();

// ---

const Tip = suite('checkTip');

Tip('deploys only the branch tip; any other commit, or a branch that is gone, is stale with the way to deploy it anyway', () => {
  assert.equal(checkTip({ sha: A, ref: 'refs/heads/main', tip: A }), { action: 'deploy' });
  const older = checkTip({ sha: A, ref: 'refs/heads/main', tip: B });
  assert.is(older.action, 'stale');
  assert.match((older as { reason: string }).reason, /^refs\/heads\/main is at bbbbbbb now, not aaaaaaa: .*caxton deploy --ref a{40}$/);
  assert.match((checkTip({ sha: A, ref: 'refs/heads/main', tip: null }) as { reason: string }).reason, /not in the repository now/);
});

Tip.run();
