// End to end: a real server on 127.0.0.1:0 with offline agents deployed, and `caxton send` as a
// child process pointed at it through CAXTON_URL and CAXTON_TOKEN.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTrace } from '../../../cli/commands/send.js';
import { runCli, type CliResult } from '../../util/cli.js';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { startTestServer } from '../../util/server.js';
import { agentFiles } from '../../util/workspace.js';
import { rm } from '../../util/tmp.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Ctx {
  repo: TestRepo;
  server: Awaited<ReturnType<typeof startTestServer>>;
  send(...args: string[]): Promise<CliResult>;
}

let ctx: Ctx | undefined;

async function start(): Promise<Ctx> {
  const repo = makeRepo({
    ...agentFiles('planner', { capabilities: ['plan'], extra: { behavior: { steps: [{ id: 'n', ask: 'research' }], reply: 'plan for {{content}}: {{steps.n.output}}' } } }),
    ...agentFiles('researcher', { capabilities: ['research'], extra: { behavior: { reply: 'notes on {{content}}' } } }),
    ...agentFiles('greeter', { capabilities: ['greet'], extra: { behavior: { reply: 'Hello, {{content.name}}!' } } }),
  });
  try {
    const server = await startTestServer({ workspace: repo.dir });
    await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
    const env = { CAXTON_URL: server.url, CAXTON_TOKEN: server.token };
    return { repo, server, send: (...args) => runCli(['send', ...args], { cwd: repo.dir, env }) };
  } catch (err) {
    repo.remove();
    throw err;
  }
}

async function stop(c: Ctx | undefined): Promise<void> {
  if (!c) return;
  try {
    await c.server.close();
  } finally {
    rm(c.server.dataDir);
    c.repo.remove();
  }
}

// ---

const Send = suite('caxton send');
Send.before(async () => {
  ctx = await start();
});
Send.after(() => stop(ctx));

Send('--capability :: prints the reply, then the path it took, and exits 0', async () => {
  const out = assertOk(await ctx!.send('--capability', 'plan', 'my week'));
  const [reply, meta, ...rest] = out.trimEnd().split('\n');
  assert.is(reply, 'plan for my week: notes on my week');
  assert.match(meta!, /^planner → researcher · routing \d+\.\d\d ms · \d+\.\d ms total · conversation [0-9a-f-]{36}$/);
  // The first answered request of a workspace is congratulated, once.
  assert.equal(rest, ['★ Your first request, answered after the workspace was created. Well done!']);
  const again = assertOk(await ctx!.send('--capability', 'plan', 'my week'));
  assert.is(again.trimEnd().split('\n').length, 2);
});

Send('--to :: the named agent answers; JSON content is sent as JSON', async () => {
  const out = assertOk(await ctx!.send('--to', 'greeter', '{"name": "Ada"}'));
  assert.is(out.split('\n')[0], 'Hello, Ada!');
});

Send('--json :: one document with messageId, conversationId, handledBy, reply, routingMs', async () => {
  const doc = assertOkJson(await ctx!.send('--capability', 'plan', '--json', 'x'));
  assert.match(doc.messageId, UUID);
  assert.match(doc.conversationId, UUID);
  assert.is(doc.handledBy, 'planner');
  assert.is(doc.reply, 'plan for x: notes on x');
  assert.type(doc.routingMs, 'number');
  assert.equal(doc.trace.map((t: { name: string }) => t.name), ['planner', 'researcher']);
});

Send('--conversation and --performative reach the server', async () => {
  const doc = assertOkJson(await ctx!.send('--capability', 'greet', '--conversation', 'cli-conv', '--performative', 'inform', '--json', '{"name":"B"}'));
  assert.is(doc.conversationId, 'cli-conv');
  const conv = ctx!.server.conversations.get('cli-conv');
  assert.ok(conv);
  assert.equal(conv!.history.map((m) => m.performative), ['inform']);
});

Send('--strategy and --ttl reach the server', async () => {
  const doc = assertOkJson(await ctx!.send('--capability', 'greet', '--strategy', 'round-robin', '--ttl', '5000', '--json', '{"name":"S"}'));
  const routed = (await ctx!.server.events.events({ type: 'MessageRouted', conversationId: doc.conversationId }))[0]!;
  assert.is((routed.payload as { strategy: string }).strategy, 'round-robin');
});

Send('an unknown --strategy, or a --ttl that is not a whole number of milliseconds :: usage error before anything is sent', async () => {
  const strategy = assertFails(await ctx!.send('--capability', 'greet', '--strategy', 'fastest', 'hi'), 2, 'CAX_USAGE');
  assert.match(strategy, /unknown strategy "fastest"/);
  assert.match(strategy, /deterministic, round-robin, least-loaded, random/);
  for (const bad of ['abc', '0', '1.5', '3600001', '0x10', '1e3']) {
    const err = assertFails(await ctx!.send('--capability', 'greet', `--ttl=${bad}`, 'hi'), 2, 'CAX_USAGE');
    assert.match(err, `--ttl ${bad} is not a whole number of milliseconds from 1 to 3600000`);
  }
});

Send('a --conversation id the server would refuse :: usage error naming the flag, before anything is sent', async () => {
  const err = assertFails(await ctx!.send('--capability', 'greet', '--conversation', 'bad id', 'hi'), 2, 'CAX_USAGE');
  assert.match(err, /--conversation "bad id": an id may hold letters, digits and \. _ : - only/);
});

Send('a --to or --capability that is not a name :: usage error saying what a name looks like, before anything is sent', async () => {
  const to = assertFails(await ctx!.send('--to', 'Bad_Name', 'hi'), 2, 'CAX_USAGE');
  assert.match(to, /--to "Bad_Name": an agent name is lower-case letters, digits and dashes, starting with a letter/);
  assert.match(to, /caxton send --to bad-name …/);
  assert.not.match(to, /docs\/api\.md/, "not the API's advice");
  const cap = assertFails(await ctx!.send('--capability', 'Greet', 'hi'), 2, 'CAX_USAGE');
  assert.match(cap, /--capability "Greet": a capability name is lower-case/);
  assert.match(cap, /caxton send --capability greet …/);
});

Send('a --conversation id empty or too long :: the usage error says which, in words', async () => {
  const empty = assertFails(await ctx!.send('--capability', 'greet', '--conversation=', 'hi'), 2, 'CAX_USAGE');
  assert.match(empty, /--conversation "": an id must not be empty \[CAX_USAGE\]/);
  const long = assertFails(await ctx!.send('--capability', 'greet', '--conversation', 'a'.repeat(129), 'hi'), 2, 'CAX_USAGE');
  assert.match(long, /an id must be at most 128 characters \[CAX_USAGE\]/);
  assert.not.match(empty + long, /Too (small|big)|expected string/);
});

Send('an unknown capability :: exit 1, CAX_NO_CAPABLE_AGENT on stderr, nothing on stdout', async () => {
  const err = assertFails(await ctx!.send('--capability', 'gret', 'hi'), 1, 'CAX_NO_CAPABLE_AGENT');
  assert.match(err, /"greet"/, 'the nearest capability is suggested');
});

Send('an unknown capability with --json :: exit 1 and the error document', async () => {
  const doc = assertFailsJson(await ctx!.send('--capability', 'gret', '--json', 'hi'), 1, 'CAX_NO_CAPABLE_AGENT');
  assert.equal(doc.error.nearest, ['greet']);
});

Send('neither --capability nor --to :: usage error, exit 2', async () => {
  assertFails(await ctx!.send('hi'), 2, 'CAX_USAGE');
});

Send('both --capability and --to :: usage error, exit 2', async () => {
  assertFails(await ctx!.send('--capability', 'plan', '--to', 'planner', 'hi'), 2, 'CAX_USAGE');
});

Send('no content, or an unknown performative :: usage error, exit 2', async () => {
  assertFails(await ctx!.send('--capability', 'plan'), 2, 'CAX_USAGE');
  assertFails(await ctx!.send('--capability', 'plan', '--performative', 'shout', 'hi'), 2, 'CAX_USAGE');
});

Send('a performative cut short :: the usage error points to the nearest ones, then lists them all', async () => {
  const err = assertFails(await ctx!.send('--capability', 'plan', '--performative', 'query', 'hi'), 2, 'CAX_USAGE');
  assert.match(err, /unknown performative "query"/);
  assert.match(err, /Did you mean "query-if" or "query-ref"\?/);
  assert.match(err, /Use one of: request, inform, query-if/);
  const strategy = assertFails(await ctx!.send('--capability', 'plan', '--strategy', 'round-robn', 'hi'), 2, 'CAX_USAGE');
  assert.match(strategy, /Did you mean "round-robin"\?/);
});

Send('a server that cannot be reached :: exit 3', async () => {
  const r = await runCli(['send', '--capability', 'plan', 'hi'], { cwd: ctx!.repo.dir, env: { CAXTON_URL: 'http://127.0.0.1:9', CAXTON_TOKEN: 't' } });
  assertFails(r, 3, 'CAX_SERVER_UNREACHABLE');
});

Send.run();

// ---

const Trace = suite('renderTrace');

Trace('agents and tools in order, tools with their function', () => {
  assert.is(
    renderTrace([
      { kind: 'agent', name: 'planner', depth: 0, ms: 1, ok: true },
      { kind: 'tool', name: 'search', fn: 'query', depth: 0, ms: 1, ok: true },
      { kind: 'agent', name: 'researcher', depth: 1, ms: 1, ok: true },
    ]),
    'planner → search.query → researcher',
  );
  assert.is(renderTrace([]), '');
  assert.is(
    renderTrace([
      { kind: 'agent', name: 'writer', depth: 0, ms: 1, ok: true },
      { kind: 'tool', name: 'json-transform', fn: 'transform', depth: 0, ms: 1, ok: false },
    ]),
    'writer → json-transform.transform ✗',
    'a failed call inside an answer is marked',
  );
});

Trace.run();
