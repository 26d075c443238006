import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { breakerAdmit, breakerAvailable, breakerFailure, breakerRelease, breakerSuccess, breakerView, CLOSED, type BreakerConfig, type BreakerState } from '../../../server/routing/breaker.js';

const CFG: BreakerConfig = { failureThreshold: 3, windowMs: 1000, openMs: 5000 };

/** Failures at each time in turn, from `s`. */
function failAt(times: number[], s: BreakerState = CLOSED): BreakerState {
  return times.reduce((st, t) => breakerFailure(st, t, CFG), s);
}

// ---

const Failure = suite('breakerFailure');

Failure('stays closed below the threshold', () => {
  const s = failAt([0, 100]);
  assert.equal(s, { state: 'closed', failures: [0, 100] });
});

Failure('opens after N failures in the window, retrying after openMs', () => {
  const s = failAt([0, 100, 200]);
  assert.equal(s, { state: 'open', openedAt: 200, retryAt: 5200 });
});

Failure('forgets failures older than the window', () => {
  // at 1200 the failure at 0 is 1200 ms old: outside the 1000 ms window
  const s = failAt([0, 500, 1200]);
  assert.equal(s, { state: 'closed', failures: [500, 1200] });
  assert.is(failAt([1400], s).state, 'open', 'three failures inside one window open it');
});

Failure('a failure exactly windowMs old is outside the window', () => {
  assert.equal(failAt([0, 500, 1000]), { state: 'closed', failures: [500, 1000] });
});

Failure('an open breaker stays open and keeps its retry time', () => {
  const open = failAt([0, 1, 2]);
  assert.is(breakerFailure(open, 3000, CFG), open);
});

Failure('a failed half-open probe opens it again from now', () => {
  assert.equal(breakerFailure({ state: 'half-open', probing: true }, 9000, CFG), { state: 'open', openedAt: 9000, retryAt: 14000 });
});

Failure('uses the default config without one :: five failures', () => {
  let s: BreakerState = CLOSED;
  for (let t = 0; t < 4; t++) s = breakerFailure(s, t);
  assert.is(s.state, 'closed');
  assert.is(breakerFailure(s, 4).state, 'open');
});

Failure.run();

// ---

const Admit = suite('breakerAdmit');

Admit('closed lets everything through, unchanged', () => {
  const s = failAt([0]);
  const r = breakerAdmit(s, 10);
  assert.is(r.allowed, true);
  assert.is(r.next, s);
});

Admit('open refuses before retryAt', () => {
  const open = failAt([0, 1, 2]);
  const r = breakerAdmit(open, 5001);
  assert.is(r.allowed, false);
  assert.is(r.next, open);
});

Admit('open becomes half-open at retryAt with exactly one probe', () => {
  const open = failAt([0, 1, 2]);
  const first = breakerAdmit(open, 5002);
  assert.is(first.allowed, true);
  assert.equal(first.next, { state: 'half-open', probing: true });
  const second = breakerAdmit(first.next, 5003);
  assert.is(second.allowed, false, 'a second call while the probe runs is refused');
  assert.is(second.next, first.next);
});

Admit('a half-open breaker without a probe running lets one through and claims it', () => {
  const r = breakerAdmit({ state: 'half-open', probing: false }, 0);
  assert.is(r.allowed, true);
  assert.equal(r.next, { state: 'half-open', probing: true });
});

Admit('full cycle :: closed → open → half-open → closed on success', () => {
  let s = failAt([0, 10, 20]);
  assert.is(s.state, 'open');
  assert.is(breakerAdmit(s, 4000).allowed, false);
  const probe = breakerAdmit(s, 5020);
  assert.ok(probe.allowed);
  s = breakerSuccess(probe.next);
  assert.equal(s, CLOSED);
  assert.ok(breakerAdmit(s, 5021).allowed);
  assert.ok(breakerAdmit(s, 5022).allowed);
});

Admit('full cycle :: closed → open → half-open → open again on failure', () => {
  let s = failAt([0, 10, 20]);
  const probe = breakerAdmit(s, 5020);
  assert.ok(probe.allowed);
  s = breakerFailure(probe.next, 5030, CFG);
  assert.equal(s, { state: 'open', openedAt: 5030, retryAt: 10030 });
  assert.is(breakerAdmit(s, 10029).allowed, false);
  assert.is(breakerAdmit(s, 10030).allowed, true);
});

Admit.run();

// ---

const Success = suite('breakerSuccess');

Success('clears recorded failures', () => {
  assert.equal(breakerSuccess(failAt([0, 1])), CLOSED);
});

Success('keeps a clean closed state as it is', () => {
  const s: BreakerState = { state: 'closed', failures: [] };
  assert.is(breakerSuccess(s), s);
});

Success('closes a half-open breaker', () => {
  assert.equal(breakerSuccess({ state: 'half-open', probing: true }), CLOSED);
});

Success.run();

// ---

const Available = suite('breakerAvailable');

Available('closed :: available', () => {
  assert.ok(breakerAvailable(failAt([0, 1]), 2));
});

Available('open :: unavailable until retryAt, without claiming the probe', () => {
  const open = failAt([0, 1, 2]);
  assert.not.ok(breakerAvailable(open, 5001));
  assert.ok(breakerAvailable(open, 5002));
  assert.ok(breakerAvailable(open, 5002), 'asking again changes nothing');
});

Available('half-open :: unavailable while probing, available otherwise', () => {
  assert.not.ok(breakerAvailable({ state: 'half-open', probing: true }, 0));
  assert.ok(breakerAvailable({ state: 'half-open', probing: false }, 0));
});

Available.run();

// ---

const Release = suite('breakerRelease');

Release('frees a claimed half-open probe and keeps everything else', () => {
  assert.equal(breakerRelease({ state: 'half-open', probing: true }), { state: 'half-open', probing: false });
  const closed = { state: 'closed' as const, failures: [1, 2] };
  assert.is(breakerRelease(closed), closed, 'earlier failures are not wiped');
  const open = { state: 'open' as const, openedAt: 1, retryAt: 2 };
  assert.is(breakerRelease(open), open);
});

Release.run();

// ---

const View = suite('breakerView');

View('closed: the failures still inside the window; open: until retryAt, then half-open; half-open as it is', () => {
  assert.equal(breakerView(CLOSED, 0, CFG), { circuit: 'closed', retryAt: null, recentFailures: 0 });
  assert.equal(breakerView(failAt([0, 500]), 1200, CFG), { circuit: 'closed', retryAt: null, recentFailures: 1 }, 'the failure at 0 is out of the window');
  const open = failAt([0, 100, 200]);
  assert.equal(breakerView(open, 5199, CFG), { circuit: 'open', retryAt: 5200, recentFailures: 0 });
  assert.equal(breakerView(open, 5200, CFG), { circuit: 'half-open', retryAt: null, recentFailures: 0 }, 'past retryAt the next call is a probe');
  assert.equal(breakerView({ state: 'half-open', probing: true }, 0, CFG).circuit, 'half-open');
});

View.run();
