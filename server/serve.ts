// Starting a Caxton server: data folder, token, event log, repository, deployer, restore of the last
// deployment, then listen. `caxton serve` and the tests call this; it never calls process.exit.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './app.js';
import { CaxtonError } from './errors.js';
import { loadOrCreateToken } from './auth.js';
import { EventLog, type EventLogOptions } from './events/log.js';
import { EventType, MessageEvent } from './events/types.js';
import { startRetention } from './events/retention.js';
import { interruptedDeployments, lastWorkspace, successfulDeployments } from './events/deployment-queries.js';
import { GitRepo, commonGitdir, findGitdir } from './git/repo.js';
import { ensureMirror, fetchAll, hasRemote, redact } from './git/remote.js';
import { Deployer } from './deploy/deployer.js';
import { StateStore, writeFileAtomic } from './deploy/state-store.js';
import type { RuntimeFactory } from './deploy/runtime-factory.js';
import { runtimeFactory } from './agents/factory.js';
import { llmAgentFactory, recordDirFrom, replayAllFrom } from './agents/llm-factory.js';
import { createSandbox } from './tools/sandbox.js';
import { SnapshotToolInvoker } from './tools/invoker.js';
import { Dispatcher, type RoutingConfig } from './routing/dispatcher.js';
import { Conversations, DEFAULT_IDLE_MS } from './routing/conversations.js';
import { Metrics } from './metrics.js';
import { Onboarding } from './onboarding.js';
import type { WebhookSettings } from './routes/webhooks.js';
import { textChunks } from './util/text-chunks.js';

export interface ServeOptions {
  /** a local workspace repository (default: the current directory) */
  workspace?: string;
  /** a remote repository URL, cloned into the data folder */
  repo?: string;
  branch?: string;
  dataDir?: string;
  port?: number;
  host?: string;
  token?: string;
  logger?: Logger;
  logLevel?: string;
  factory?: RuntimeFactory;
  /** skip the start-up redeploy (tests of an empty server) */
  restore?: boolean;
  /** request body limit in bytes (default 1 MiB) */
  bodyLimit?: number;
  /** overrides of caxton.toml's [routing] */
  routing?: Partial<RoutingConfig>;
  conversationIdleMs?: number;
  /** conversations kept in memory (100,000 by default); past it the least recently active are evicted */
  maxConversations?: number;
  /** message and tool events older than this many days are deleted, once the server listens and then hourly (default: kept) */
  retainEventsDays?: number;
  /** the event log's backlog (bytes sent to its worker, not yet stored) past which it sheds message and tool events (default 256 MiB) */
  maxEventBacklogBytes?: number;
  /** the GitHub webhook's secret (default: CAXTON_WEBHOOK_SECRET); without one the webhook route refuses every delivery */
  webhookSecret?: string;
  /** the webhook route's rate limit and queue settings */
  webhooks?: Omit<WebhookSettings, 'secret' | 'branch' | 'branchTip'>;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  token: string;
  dataDir: string;
  deployer: Deployer;
  dispatcher: Dispatcher;
  conversations: Conversations;
  events: EventLog;
  close(): Promise<void>;
}

/**
 * The ids of one ConversationsEvicted event stay under this many characters: DuckDB stores a longer
 * text (over 4 KB) in an overflow block of its own, and one event listing a thousand ids tripled
 * the log's file.
 */
const EVICTED_IDS_CHARS = 3500;

/** Keeps the data folder out of `git status` without touching the user's .gitignore. */
function excludeDataDir(gitdir: string, workspace: string, dataDir: string): void {
  const rel = path.relative(workspace, dataDir);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return;
  const file = path.join(gitdir, 'info', 'exclude');
  const line = `/${rel.split(path.sep).join('/')}/`;
  try {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.split(/\r?\n/).includes(line)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`);
  } catch {
    /* a read-only repository still works */
  }
}

async function openEventLog(opts: EventLogOptions): Promise<EventLog> {
  try {
    return await EventLog.open(opts);
  } catch (err) {
    throw dataDirError(err, path.dirname(opts.file));
  }
}

/**
 * A failure to write the data folder (its token, the event log), as the catalogue says it: the
 * folder in use by another server, or one it cannot write; anything else as it was.
 */
export function dataDirError(err: unknown, dir: string): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (/could not set lock|conflicting lock/i.test(msg)) return new CaxtonError('CAX_DATA_DIR_IN_USE', { dir }, { cause: err });
  // Node's error codes, and DuckDB's words, for a folder it cannot write (a read-only disk, a full one, the wrong owner)
  const code = (err as { code?: unknown }).code;
  const why = code === 'EROFS' || /read-only file system/i.test(msg) ? 'its disk is read-only'
    : code === 'ENOSPC' || /no space left/i.test(msg) ? 'its disk is full'
    : code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(msg) ? 'this user may not write there'
    : null;
  if (why) return new CaxtonError('CAX_DATA_DIR_UNUSABLE', { dir, detail: `${why} (${msg.split('\n')[0]!.slice(0, 300)})` }, { cause: err });
  return err;
}

/**
 * The data folder holds the token, the event log and a remote's credentials: made for its owner
 * alone (0700). The default .caxton/ made by an older version is tightened too; a folder the user
 * named with --data keeps the mode they gave it.
 */
function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (path.basename(dir) === '.caxton' && process.platform !== 'win32') fs.chmodSync(dir, 0o700);
}

export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? pino({ level: opts.logLevel ?? process.env.CAXTON_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'headers.authorization'] });
  const branch = opts.branch ?? 'main';
  // read first: a value that is neither on nor off stops the start before anything is opened
  const replayAll = replayAllFrom(process.env.CAXTON_LLM_REPLAY);
  if (replayAll) logger.info('CAXTON_LLM_REPLAY is on: every LLM agent plays back its recording, and no model endpoint is called');
  let workspace: string;
  let repo: GitRepo;
  let beforeResolve: ((ref: string) => Promise<void>) | undefined;
  /** where a pushed branch (refs/heads/<name>) is now, for the webhook's tip check (push.ts, checkTip) */
  let branchTip: (ref: string) => Promise<string | null>;
  let dataDir: string;

  if (opts.repo) {
    dataDir = path.resolve(opts.dataDir ?? '.caxton');
    privateDir(dataDir);
    const gitdir = await ensureMirror(opts.repo, path.join(dataDir, 'repo.git'));
    workspace = redact(opts.repo);
    repo = new GitRepo(gitdir, gitdir);
    // A remote workspace is fetched before every deployment, so the newest pushes are there; a full
    // SHA the mirror holds already needs no fetch, so a restart, a rollback or a webhook's commit
    // (fetched for its tip check) deploys while the remote is down.
    const fetchMirror = async () => {
      await fetchAll(gitdir, { mirror: true });
      repo.refresh(); // the fetch may have written packs
    };
    beforeResolve = async (ref) => {
      if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref) && (await repo.hasCommit(ref))) return;
      await fetchMirror();
    };
    branchTip = async (ref) => {
      await fetchMirror();
      return repo.resolve(ref).catch(() => null);
    };
  } else {
    workspace = path.resolve(opts.workspace ?? '.');
    if (!fs.existsSync(workspace)) throw new CaxtonError('CAX_NOT_A_REPOSITORY', { dir: workspace });
    const gitdir = findGitdir(workspace);
    if (!gitdir) throw new CaxtonError('CAX_NOT_A_REPOSITORY', { dir: workspace });
    dataDir = path.resolve(opts.dataDir ?? path.join(workspace, '.caxton'));
    privateDir(dataDir);
    excludeDataDir(commonGitdir(gitdir), workspace, dataDir); // git reads info/exclude from the common directory
    repo = new GitRepo(workspace, gitdir);
    if (await hasRemote(workspace)) {
      // Fetch from origin only when a ref is not here yet.
      beforeResolve = async (ref) => {
        const known = await repo.resolve(ref).then(() => true, () => false);
        if (!known) {
          await fetchAll(gitdir, { mirror: false }).catch((err: unknown) => logger.warn({ err }, 'fetch failed'));
          repo.refresh();
        }
      };
      // GitHub's branch is origin's: fetched every time, and a fetch that fails fails the push
      branchTip = async (ref) => {
        await fetchAll(gitdir, { mirror: false });
        repo.refresh();
        return repo.resolve(ref.replace(/^refs\/heads\//, 'refs/remotes/origin/')).catch(() => null);
      };
    } else {
      // nothing to fetch: the local branch, or what is checked out when there is no such branch
      branchTip = (ref) => repo.resolve(ref).catch(() => repo.resolve('HEAD')).catch(() => null);
    }
  }

  let token: string;
  try {
    ({ token } = loadOrCreateToken(dataDir, opts.token ?? process.env.CAXTON_TOKEN));
  } catch (err) {
    // the first write to the data folder: a folder it cannot write is said as such here
    throw dataDirError(err, dataDir);
  }
  const metrics = new Metrics();
  const events = await openEventLog({
    file: path.join(dataDir, 'events.duckdb'),
    logger,
    onDropped: (d) => metrics.eventsDropped(d.types),
    onWriteFailed: (rows) => metrics.eventLogWriteFailed(rows),
    ...(opts.maxEventBacklogBytes ? { maxBacklogBytes: opts.maxEventBacklogBytes } : {}),
  });
  metrics.eventLogBacklog(() => events.backlog());
  const onboarding: Onboarding | null = await Onboarding.open(events, dataDir).catch((err: unknown) => {
    logger.warn({ err }, 'onboarding milestones unavailable');
    return null;
  });
  const deployer = new Deployer({
    repo,
    events,
    state: new StateStore(dataDir),
    factory: opts.factory ?? runtimeFactory({
      createTool: createSandbox({ events, logger, pathsBase: opts.repo ? dataDir : workspace, onCall: (c) => metrics.toolCall(c) }).createTool,
      createLlmAgent: llmAgentFactory({
        repo,
        logger,
        recordDir: recordDirFrom(process.env.CAXTON_LLM_RECORD, { workspace: opts.repo ? null : workspace, fallback: path.join(dataDir, 'recordings') }),
        replayAll,
      }),
    }),
    logger,
    successfulDeployments: () => successfulDeployments(events),
    ...(beforeResolve ? { beforeResolve } : {}),
    onRecord: (r) => metrics.deployment(r),
    onSwap: (next) => {
      metrics.snapshot(next);
      if (next.agents.size) onboarding?.reach('AgentStarted', { agents: next.agents.size, sha: next.sha });
    },
    workspaceLabel: workspace,
  });

  const baseIdleMs = opts.conversationIdleMs ?? DEFAULT_IDLE_MS;
  const conversations = new Conversations({
    // the deployed caxton.toml's, read at each use: a deployment (or its rollback) changes it at once
    idleMs: () => deployer.snapshot?.config.routing?.conversation_idle_ms ?? baseIdleMs,
    ...(opts.maxConversations ? { maxConversations: opts.maxConversations } : {}),
    onStart: (c) => events.append(MessageEvent.ConversationStarted, { id: c.id }, { conversationId: c.id }),
    onEnd: (c) => events.append(MessageEvent.ConversationEnded, { id: c.id, reason: c.ended?.reason, messages: c.messageCount }, { conversationId: c.id }),
    onEvict: (dropped) => {
      for (const ids of textChunks(dropped.map((c) => c.id), EVICTED_IDS_CHARS)) {
        events.append(MessageEvent.ConversationsEvicted, { count: ids.length, limit: conversations.maxConversations, ids });
      }
    },
  });
  // ends idle conversations (reads end them too): every half time-out, between 1 and 30 s
  let sweeper: NodeJS.Timeout;
  const sweepLater = () => {
    sweeper = setTimeout(() => {
      conversations.sweep();
      sweepLater();
    }, Math.min(30_000, Math.max(1000, conversations.idleMs / 2)));
    sweeper.unref();
  };
  sweepLater();
  // started once the server listens: a large first deletion must not hold up the restore
  let pruner: { stop(): Promise<void> } | null = null;
  const tools = new SnapshotToolInvoker(() => deployer.snapshot, events);
  const dispatcher = new Dispatcher({
    snapshot: () => deployer.snapshot,
    events,
    conversations,
    tools,
    onMessage: (o) => metrics.message(o),
    ...(opts.routing ? { config: opts.routing } : {}),
  });

  let app: FastifyInstance | null = null;
  const close = async () => {
    clearTimeout(sweeper);
    await pruner?.stop();
    await app?.close();
    // Tool workers end with the server (a deployment disposes only what it replaces).
    await Promise.allSettled([...(deployer.snapshot?.tools.values() ?? [])].map((t) => t.instance.dispose?.()));
    events.append(EventType.ServerStopped, {});
    await events.close();
    fs.rmSync(path.join(dataDir, 'server.json'), { force: true });
  };

  // The port is taken before the last deployment is restored, so a port in use fails at once rather
  // than after a restore; requests that arrive meanwhile wait for it (see app.ts), never meeting an
  // empty server.
  let restored!: () => void;
  const ready = new Promise<void>((resolve) => (restored = resolve));
  try {
    app = await buildServer({
      ready,
      deployer,
      dispatcher,
      conversations,
      onboarding,
      tools,
      events,
      metrics,
      token,
      ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
      logger,
      defaultRef: opts.repo ? branch : 'HEAD',
      source: { workspace, remote: !!opts.repo },
      webhooks: { ...opts.webhooks, secret: opts.webhookSecret || process.env.CAXTON_WEBHOOK_SECRET || null, branch, branchTip },
    });
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 8080;
    try {
      await app.listen({ host, port });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CaxtonError('CAX_PORT_IN_USE', { host, port });
      throw err;
    }
    try {
      // one data folder, one workspace: another's history and saved deployment would mix with this one's
      const previous = await lastWorkspace(events).catch(() => null);
      if (previous && previous !== workspace) {
        logger.warn({ dataDir, previous, workspace }, `the data folder ${dataDir} was last used by the workspace ${previous}: its deployments and events are mixed with this one's, and a rollback may name a commit this workspace lacks; give each workspace its own (--data)`);
      }
      if (opts.restore !== false) {
        try {
          for (const r of deployer.recordInterrupted(await interruptedDeployments(events))) {
            logger.warn({ deploymentId: r.id, sha: r.toSha, status: r.status }, `deployment ${r.id} was cut off when the server stopped; recorded as ${r.status}`);
          }
          const r = await deployer.restore();
          if (r && (r.status === 'failed' || r.status === 'rolled_back')) {
            logger.error({ sha: r.toSha, status: r.status, errors: r.errors }, `could not restore the last deployment (${r.toSha.slice(0, 7)}): ${r.errors[0]?.message ?? r.status}; serving nothing until the next deployment`);
          } else if (r) logger.info({ sha: r.toSha, status: r.status }, 'restored the last successful deployment');
        } catch (err) {
          logger.error({ err }, 'could not restore the last deployment; serving nothing until the next deployment');
        }
      }
    } finally {
      restored();
    }
    const addr = app.server.address() as AddressInfo;
    const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${shownHost}:${addr.port}`;
    events.append(EventType.ServerStarted, { url, pid: process.pid, workspace, deployedSha: deployer.snapshot?.sha ?? null });
    if (opts.retainEventsDays) pruner = startRetention(events, opts.retainEventsDays, logger);
    writeFileAtomic(path.join(dataDir, 'server.json'), JSON.stringify({ url, pid: process.pid }));
    return { app, url, token, dataDir, deployer, dispatcher, conversations, events, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
