import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { EventLog } from '../../server/events/log.js';
import { Onboarding, noteMilestone } from '../../server/onboarding.js';
import { tmpDir, rm } from '../util/tmp.js';

// ---

const Open = suite('Onboarding.open');

Open('records the CLI notes once, with the time since the workspace was created', async () => {
  const data = tmpDir('caxton-onb-');
  const file = path.join(data, 'events.duckdb');
  try {
    noteMilestone(data, { milestone: 'InstallationComplete', at: 1_000_000 });
    noteMilestone(data, { milestone: 'TemplateSelected', at: 1_000_500, detail: { template: 'task-automator' } });
    let log = await EventLog.open({ file });
    let o = await Onboarding.open(log, data, () => 1_060_000);
    assert.ok(o.reach('FirstRequestProcessed'));
    assert.is(o.reach('FirstRequestProcessed'), null, 'a milestone is reached once');
    const f = o.funnel();
    assert.is(f.createdAt, new Date(1_000_000).toISOString());
    const by = Object.fromEntries(f.steps.map((s) => [s.milestone, s]));
    assert.is(by.TemplateSelected!.sinceCreatedMs, 500);
    assert.is(by.FirstRequestProcessed!.sinceCreatedMs, 60_000);
    assert.is(by.SuccessAchieved!.reached, false);
    await log.close();

    // A restart reads the log: nothing is recorded twice, the creation time survives.
    log = await EventLog.open({ file });
    o = await Onboarding.open(log, data, () => 2_000_000);
    assert.is(o.reach('FirstRequestProcessed'), null);
    assert.is(o.reach('SuccessAchieved')!.sinceCreatedMs, 1_000_000);
    const events = await log.events({ type: 'TemplateSelected' });
    assert.is(events.length, 1);
    await log.close();
  } finally {
    rm(data);
  }
});

Open('without notes the times since creation are unknown, not wrong', async () => {
  const data = tmpDir('caxton-onb-');
  try {
    const log = await EventLog.open({ file: path.join(data, 'events.duckdb') });
    const o = await Onboarding.open(log, data, () => 5);
    assert.is(o.reach('AgentStarted')!.sinceCreatedMs, null);
    assert.is(o.funnel().createdAt, null);
    await log.close();
  } finally {
    rm(data);
  }
});

Open.run();

// ---

const Answered = suite('Onboarding.answered');

Answered('the first answer reaches FirstRequestProcessed; the first through two agents SuccessAchieved; each once', async () => {
  const data = tmpDir('caxton-onb-');
  try {
    const log = await EventLog.open({ file: path.join(data, 'events.duckdb') });
    const o = await Onboarding.open(log, data, () => 10);
    const one = { handledBy: 'a', trace: [{ kind: 'agent', name: 'a' }, { kind: 'tool', name: 't' }] };
    const two = { handledBy: 'a', trace: [{ kind: 'agent', name: 'a' }, { kind: 'agent', name: 'b' }] };
    assert.equal(o.answered(one).map((m) => m.milestone), ['FirstRequestProcessed']);
    assert.equal(o.answered(one), []);
    assert.equal(o.answered(two).map((m) => m.milestone), ['SuccessAchieved']);
    assert.equal(o.answered(two), []);
    await log.close();
  } finally {
    rm(data);
  }
});

Answered.run();
