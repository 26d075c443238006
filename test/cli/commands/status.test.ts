// `caxton status` with the server down reads the cache the server keeps in <workspace>/.caxton/.
// The CLI is pointed at the stopped server's address (CAXTON_URL) rather than at the default
// 127.0.0.1:8080, which another process on the machine may hold.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../util/cli.js';
import { assertFails, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo } from '../../util/repo.js';
import { closedPort, spawnServe, type ServeChild } from '../../util/serve-child.js';
import { agentFiles } from '../../util/workspace.js';
import { pendingAdvice } from '../../../cli/commands/status.js';

const names = (list: Array<{ name: string }>) => list.map((x) => x.name).sort();

// ---

const Down = suite('caxton status :: server down');

Down('shows the deployed SHA and the pending changeset from the cache', async () => {
  const repo = makeRepo({ ...agentFiles('alpha'), ...agentFiles('beta') });
  let server: ServeChild | undefined;
  try {
    server = await spawnServe({ cwd: repo.dir });
    const url = server.url;
    const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env: { CAXTON_URL: url } });
    assertOk(await cli('deploy'));
    const deployed = repo.head();
    assert.is(await server.stop(), 0);

    const head = repo.commit({ ...agentFiles('alpha', { capabilities: ['alpha', 'summarize'] }), ...agentFiles('gamma'), 'agents/beta': null });
    const out = assertOk(await cli('status'));
    assert.match(out, /Server not reachable/);
    assert.match(out, new RegExp(`^Deployed: ${deployed.slice(0, 7)} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\(`, 'm'));
    assert.match(out, new RegExp(`^Pending at HEAD ${head.slice(0, 7)}: 3 changes`, 'm'));
    assert.match(out, /^ {2}\+ agent gamma$/m);
    assert.match(out, /^ {2}~ agent alpha/m);
    assert.match(out, /^ {2}- agent beta$/m);

    const doc = assertOkJson(await cli('status', '--json'));
    assert.is(doc.source, 'cache');
    assert.is(doc.serverReachable, false);
    assert.is(doc.deployedSha, deployed);
    assert.equal(doc.agents.sort(), ['alpha', 'beta']);
    assert.is(doc.headSha, head);
    assert.equal(names(doc.pending.added), ['gamma']);
    assert.equal(names(doc.pending.modified), ['alpha']);
    assert.equal(names(doc.pending.removed), ['beta']);
    assert.is(doc.lastDeployment.toSha, deployed);
  } finally {
    await server?.kill9();
    repo.remove();
  }
});

Down('reads the cache after kill -9 too, with the failed deployment since', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  let server: ServeChild | undefined;
  try {
    server = await spawnServe({ cwd: repo.dir });
    const url = server.url;
    const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env: { CAXTON_URL: url } });
    assertOk(await cli('deploy'));
    const good = repo.head();
    repo.commit({ 'agents/alpha/agent.toml': 'name = "alpha"\ncapabilites = ["x"]\n' });
    assertFails(await cli('deploy'), 1);
    await server.kill9();

    const doc = assertOkJson(await cli('status', '--json'));
    assert.is(doc.source, 'cache');
    assert.is(doc.deployedSha, good);
    assert.is(doc.lastDeployment.status, 'failed');
    assert.equal(names(doc.pending.modified), ['alpha']);
  } finally {
    await server?.kill9();
    repo.remove();
  }
});

Down('before any deployment shows nothing deployed and all of HEAD pending', async () => {
  const repo = makeRepo({ ...agentFiles('alpha'), 'caxton.toml': 'name = "ws"\n' });
  try {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const out = assertOk(await runCli(['status'], { cwd: repo.dir, env: { CAXTON_URL: url } }));
    assert.match(out, /Server not reachable/);
    assert.match(out, /^Deployed: nothing yet$/m);
    assert.match(out, /^ {2}\+ agent alpha$/m);
    const doc = assertOkJson(await runCli(['status', '--json'], { cwd: repo.dir, env: { CAXTON_URL: url } }));
    assert.is(doc.deployedSha, null);
    assert.equal(names(doc.pending.added), ['alpha', 'caxton.toml']);
  } finally {
    repo.remove();
  }
});

Down.run();

// ---

const Advice = suite('pendingAdvice');

const held = (kind: 'agent' | 'tool', name: string) => ({ kind, name, kept: 'none' as const, keptSha: null, reason: 'invalid at the target', issues: [] });

Advice('deploy, unless what is pending was held back as invalid: then fix it first', () => {
  const changes = { added: [{ kind: 'agent' as const, name: 'reporter' }], modified: [{ kind: 'agent' as const, name: 'alpha' }], removed: [] };
  assert.is(pendingAdvice(changes, []), 'deploy with: caxton deploy');
  assert.is(pendingAdvice({ ...changes, modified: [] }, [held('agent', 'reporter')]), 'held back as invalid: fix them (caxton validate), commit, then caxton deploy');
  assert.is(pendingAdvice(changes, [held('agent', 'reporter'), held('tool', 'alpha')]), 'deploy with: caxton deploy; the one held back as invalid needs fixing first (caxton validate)');
});

Advice.run();
