import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { llmAgentFactory, readAtCommit, recordDirFrom, replayAllFrom } from '../../../server/agents/llm-factory.js';
import { parseCassette } from '../../../server/agents/llm-replay.js';
import { GitRepo } from '../../../server/git/repo.js';
import { CaxtonError } from '../../../server/errors.js';
import type { AgentAnswer } from '../../../server/agents/runtime.js';
import { agentRequest, toolSpec } from '../../util/agent-request.js';
import { AgentFile } from '../../../server/workspace/schema.js';
import { makeRepo, type TestRepo } from '../../util/repo.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { modelLike, startLlmStandin, type LlmStandin, type StandinReply } from '../../util/llm-standin.js';

const WORDCOUNT = toolSpec('wordcount', [{ name: 'count', description: 'counts words', input_schema: { type: 'object' } }]);

function agentToml(llm: Record<string, unknown>): string {
  return stringify({
    name: 'helper', description: 'Helps', capabilities: ['help'], tools: ['wordcount'], runtime: 'llm',
    system_prompt: 'Count, then answer.', llm: { model: 'standin-model', ...llm },
  });
}

const noRepo = {
  commitTree: () => Promise.reject(new Error('a live agent reads nothing from git')),
  readTree: () => Promise.reject(new Error('a live agent reads nothing from git')),
  readBlob: () => Promise.reject(new Error('a live agent reads nothing from git')),
};

const withTools = () => agentRequest({ tools: { 'wordcount.count': () => ({ words: 3 }) }, manifests: [WORDCOUNT] });

// ---

const Replay = suite('record and replay');
let s: LlmStandin;
let recordDir: string;
let repo: TestRepo;
Replay.before.each(async () => {
  s = await startLlmStandin();
  recordDir = tmpDir('caxton-record-');
});
Replay.after.each(async () => {
  await s.close();
  rm(recordDir);
  repo?.remove();
});

/** Records one conversation (a tool round trip) against the stand-in; returns the file's text. */
async function record(): Promise<{ text: string; answer: AgentAnswer }> {
  const spec = AgentFile.parse(parse(agentToml({ base_url: s.url })));
  const live = await llmAgentFactory({ repo: noRepo, env: () => ({}), recordDir })({ name: 'helper', spec, sha: 'x' });
  const answer = (await live.handle(withTools().req)) as AgentAnswer;
  return { text: fs.readFileSync(path.join(recordDir, 'agents', 'helper', 'replay.json'), 'utf8'), answer };
}

async function replayAgent(files: Record<string, string>) {
  repo = makeRepo(files);
  const factory = llmAgentFactory({ repo: new GitRepo(repo.dir), env: () => ({}) });
  const spec = AgentFile.parse(parse(files['agents/helper/agent.toml']!));
  return factory({ name: 'helper', spec, sha: repo.head() });
}

Replay('records the exchanges of a conversation, then replays them with no server', async () => {
  const { text, answer } = await record();
  const cassette = parseCassette(text, 'replay.json');
  assert.is(cassette.exchanges.length, 2, 'two model calls: the tool request and the answer');
  assert.is(cassette.model, 'standin-model');
  assert.equal(cassette.exchanges[0]!.request.tools, ['wordcount__count']);
  assert.is(s.requests.length, 2);
  await s.close();

  const agent = await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }), 'agents/helper/replay.json': text });
  const { req, calls } = withTools();
  const replayed = await agent.handle(req);
  // the same answer and tokens, spent on no endpoint: usage says so, so they are never priced
  const replayedAnswer = { ...answer, usage: { ...answer.usage!, provider: 'replay' } };
  assert.equal(replayed, replayedAnswer, 'the same answer and usage');
  assert.equal(calls, [{ tool: 'wordcount', fn: 'count', input: { text: 'plan my week' } }], 'the tool itself still runs');
  assert.equal(await agent.handle(withTools().req), replayedAnswer, 'deterministic: again the same');
});

Replay('replay_file names the recording inside the agent folder', async () => {
  const { text } = await record();
  const agent = await replayAgent({
    'agents/helper/agent.toml': agentToml({ provider: 'replay', replay_file: 'fixtures/llm.json' }),
    'agents/helper/fixtures/llm.json': text,
  });
  assert.match(String((await agent.handle(withTools().req)).content), /words/);
});

Replay('a request the recording lacks :: CAX_LLM_REPLAY_MISS naming the file', async () => {
  const { text } = await record();
  const agent = await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }), 'agents/helper/replay.json': text });
  const { req } = agentRequest({ message: { content: 'something else' }, tools: { 'wordcount.count': () => ({ words: 2 }) }, manifests: [WORDCOUNT] });
  const err = await agent.handle(req).then(() => null, (e: unknown) => e);
  assert.instance(err, CaxtonError);
  assert.is((err as CaxtonError).code, 'CAX_LLM_REPLAY_MISS');
  assert.is((err as CaxtonError).data.file, 'agents/helper/replay.json');
  assert.match((err as CaxtonError).message, /something else/);
});

Replay('a changed system prompt :: the replay miss names the message that differs and quotes both versions', async () => {
  const { text } = await record();
  const changed = agentToml({ provider: 'replay' }).replace('Count, then answer.', 'Count, then answer briefly.');
  assert.ok(changed.includes('briefly'));
  const agent = await replayAgent({ 'agents/helper/agent.toml': changed, 'agents/helper/replay.json': text });
  const err = await agent.handle(withTools().req).then(() => null, (e: unknown) => e);
  assert.is((err as CaxtonError).code, 'CAX_LLM_REPLAY_MISS');
  assert.match((err as CaxtonError).message, /message 1 \(system\) differs from the closest recorded exchange/);
  assert.match((err as CaxtonError).message, /recorded .*Count, then answer\.".* — now .*Count, then answer briefly\./);
});

Replay('a recording whose exchange is malformed :: the build fails, naming the file and the exchange', async () => {
  const { text } = await record();
  const cassette = JSON.parse(text) as { exchanges: unknown[] };
  for (const [bad, why] of [[null, /not an object/], [{ request: (cassette.exchanges[0] as { request: unknown }).request, response: { content: 'oops' } }, /response\.content is not a list/]] as const) {
    const broken = JSON.stringify({ ...cassette, exchanges: [cassette.exchanges[0], bad] });
    try {
      await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }), 'agents/helper/replay.json': broken });
      assert.unreachable('built');
    } catch (err) {
      assert.match((err as Error).message, /replay\.json: exchange 2 of 2 is not a recorded exchange/);
      assert.match((err as Error).message, why);
    }
    repo.remove();
  }
});

Replay('a recording missing from the commit :: the build fails, naming the agent, the file and why it is played back', async () => {
  try {
    await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }) });
    assert.unreachable('built');
  } catch (err) {
    assert.match((err as Error).message, /^agent helper has no recording: provider = "replay" plays it back, and commit \w{7} lacks agents\/helper\/replay\.json/);
  }
  // server-wide replay: an agent whose provider is not "replay" is told why it is played back
  const files = { 'agents/helper/agent.toml': agentToml({ base_url: 'http://127.0.0.1:9/v1' }) };
  repo = makeRepo(files);
  const all = llmAgentFactory({ repo: new GitRepo(repo.dir), env: () => ({}), replayAll: true });
  const err = await Promise.resolve().then(() => all({ name: 'helper', spec: AgentFile.parse(parse(files['agents/helper/agent.toml']!)), sha: repo.head() })).catch((e: Error) => e);
  assert.match((err as Error).message, /the server runs with CAXTON_LLM_REPLAY=1, so every LLM agent plays back its recording/);
});

Replay('a file that is not a recording :: the build fails, naming the file', async () => {
  try {
    await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }), 'agents/helper/replay.json': '{"hello": 1}' });
    assert.unreachable('built');
  } catch (err) {
    assert.match((err as Error).message, /replay\.json is not a Caxton LLM recording/);
  }
});

Replay('recording again replaces an exchange with the same request, keeps the others', async () => {
  await record();
  const { text } = await record();
  assert.is(parseCassette(text, 'replay.json').exchanges.length, 2);
});

Replay('recording again replaces the exchanges after a tool call too, though the endpoint gives each call a new id; the file still replays', async () => {
  let n = 0;
  // as real endpoints do: a new tool-call id every time
  s.fallback = (r) => {
    const reply = modelLike(r) as StandinReply;
    const calls = (reply.body as { choices: Array<{ message: { tool_calls?: Array<{ id: string }> } }> }).choices[0]!.message.tool_calls;
    for (const c of calls ?? []) c.id = `call_${(++n).toString(36)}${Date.now().toString(36)}`;
    return reply;
  };
  await record();
  const { text, answer } = await record();
  const cassette = parseCassette(text, 'replay.json');
  assert.is(cassette.exchanges.length, 2, 'replaced, not added beside the first recording');
  await s.close();
  const agent = await replayAgent({ 'agents/helper/agent.toml': agentToml({ provider: 'replay' }), 'agents/helper/replay.json': text });
  assert.equal(await agent.handle(withTools().req), { ...answer, usage: { ...answer.usage!, provider: 'replay' } });
});

Replay.run();

// ---

const Read = suite('readAtCommit');
let r: TestRepo;
Read.before(() => {
  r = makeRepo({ 'agents/a/agent.toml': 'x', 'agents/a/deep/f.json': '{}' });
});
Read.after(() => r.remove());

Read('reads a nested file; null for a missing file or a folder', async () => {
  const g = new GitRepo(r.dir);
  const sha = r.head();
  assert.is(Buffer.from((await readAtCommit(g, sha, 'agents/a/deep/f.json'))!).toString(), '{}');
  assert.is(await readAtCommit(g, sha, 'agents/a/nope.json'), null);
  assert.is(await readAtCommit(g, sha, 'agents/a/deep'), null);
  assert.is(await readAtCommit(g, sha, 'agents/b/agent.toml'), null);
});

Read.run();

// ---

const RecordDir = suite('recordDirFrom');

RecordDir('unset or 0 :: none; 1 :: the local workspace, else the fallback; a path :: that folder', () => {
  assert.is(recordDirFrom(undefined, { workspace: '/ws', fallback: '/data/rec' }), null);
  assert.is(recordDirFrom('0', { workspace: '/ws', fallback: '/data/rec' }), null);
  assert.is(recordDirFrom('1', { workspace: '/ws', fallback: '/data/rec' }), '/ws');
  assert.is(recordDirFrom('1', { workspace: null, fallback: '/data/rec' }), '/data/rec');
  assert.is(recordDirFrom('/tmp/rec', { workspace: '/ws', fallback: '/data/rec' }), '/tmp/rec');
});

RecordDir('CAXTON_LLM_RECORD and CAXTON_LLM_REPLAY read true and yes as on, as a workflow\'s YAML writes them; a replay value neither on nor off is refused', () => {
  for (const on of ['1', 'true', 'TRUE', 'yes', 'on', ' True ']) {
    assert.is(replayAllFrom(on), true, on);
    assert.is(recordDirFrom(on, { workspace: '/ws', fallback: '/data/rec' }), '/ws', on);
  }
  for (const off of [undefined, '', '0', 'false', 'False', 'no', 'off']) {
    assert.is(replayAllFrom(off), false, String(off));
    assert.is(recordDirFrom(off, { workspace: '/ws', fallback: '/data/rec' }), null, String(off));
  }
  for (const bad of ['2', 'replay', 'enabled']) {
    const err = (() => { try { replayAllFrom(bad); } catch (e) { return e as CaxtonError; } return null; })();
    assert.is(err?.code, 'CAX_USAGE', bad);
    assert.match(err!.message, new RegExp(`CAXTON_LLM_REPLAY is "${bad}", which is neither on \\(1, true, yes, on\\) nor off`));
  }
});

RecordDir.run();
