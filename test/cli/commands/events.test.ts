import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../util/cli.js';
import { assertFails, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo } from '../../util/repo.js';
import { startTestServer } from '../../util/server.js';
import { rm } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

const Events = suite('caxton events');

Events('lists the event log through the API, filtered by type, as a table or JSON', async () => {
  const repo = makeRepo(agentFiles('a'));
  const server = await startTestServer({ workspace: repo.dir });
  try {
    await server.api('POST', '/api/v1/deployments', {});
    const cli = (...args: string[]) => runCli([...args, '--server', server.url, '--token', 'test-token'], { cwd: repo.dir });
    const doc = assertOkJson(await cli('events', '--type', 'DeploymentCompleted', '--json'));
    assert.is(doc.events.length, 1);
    assert.is(doc.events[0].payload.status, 'succeeded');
    const text = assertOk(await cli('events', '--limit', '5'));
    assert.match(text, /TYPE/);
    assert.match(text, /DeploymentCompleted/);
    assertFails(await cli('events', '--limit', 'lots'), 2, 'CAX_USAGE');
    // a type in another case is the type
    assert.is(assertOkJson(await cli('events', '--type', 'deploymentcompleted', '--json')).events.length, 1);
    // a misspelt type finds nothing, and says why
    assert.match(assertOk(await cli('events', '--type', 'DeploymentComplete')), /Caxton writes no such type\. Did you mean "DeploymentCompleted"\?/);
  } finally {
    await server.close();
    rm(server.dataDir);
    repo.remove();
  }
});

Events.run();
