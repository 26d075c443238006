import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventLog } from '../../../server/events/log.js';
import { toolStats } from '../../../server/events/tool-queries.js';
import { withLog } from '../../util/event-log.js';

const MIN = 60_000;

function call(log: EventLog, at: number): void {
  log.append('ToolExecuted', { tool: 'chart', fn: 'render', agent: 'a', durationMs: 2, memoryPages: 1, outputBytes: 10 }, { group: 'tool:chart', at });
}

const Stats = suite('toolStats');

Stats('regression :: the window does not move with the database time zone', async () => {
  await withLog(async (log) => {
    const now = Date.now();
    call(log, now - 3 * 60 * MIN);
    call(log, now - 5 * MIN);
    // the log's ts holds UTC; now()::TIMESTAMP is local time. East of UTC it ran ahead of every
    // timestamp in the log and the last hour came back empty
    await log.query(`SET TimeZone = 'Asia/Tokyo'`);
    assert.equal((await toolStats(log, 3600, now)).tools.map((t) => [t.tool, t.calls]), [['chart', 1]]);
    // west of UTC it lagged: a call three hours old crept into the last hour
    await log.query(`SET TimeZone = 'America/Los_Angeles'`);
    assert.equal((await toolStats(log, 3600, now)).tools.map((t) => [t.tool, t.calls]), [['chart', 1]]);
    await log.query(`SET TimeZone = 'UTC'`);
    assert.equal((await toolStats(log, 4 * 3600, now)).tools.map((t) => [t.tool, t.calls]), [['chart', 2]]);
  });
});

Stats.run();
