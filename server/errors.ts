// Every error Caxton can answer with, defined once: code, HTTP status, CLI exit code, message and
// suggestions. Routes, the CLI and the Action render these the same way; docs/errors.md lists them
// (a test keeps the two in step). Codes are never reused.
import { didYouMean } from './util/nearest.js';
import { shellArg } from './util/shell-arg.js';
import { utcTime } from './util/time.js';

type Data = Record<string, unknown>;

interface ErrorDef {
  status: number;
  exit: 1 | 2 | 3;
  message: (d: Data) => string;
  suggestions: (d: Data) => string[];
}

/** The answers of a proxy whose upstream (Caxton) is down or restarting. */
export const GATEWAY: ReadonlySet<number> = new Set([502, 503, 504]);

const list = (v: unknown): string => (Array.isArray(v) && v.length ? v.join(', ') : 'none');
/** An ISO time as the CLI prints times (2026-11-25 20:31:05Z); anything else as it is. */
const utc = (v: unknown): string => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v) ? utcTime(v) : String(v));

export const ERRORS = {
  CAX_INTERNAL: {
    status: 500,
    exit: 1,
    message: (d) => `Internal error: ${String(d.detail ?? 'unexpected fault')}`,
    suggestions: () => ['This is a bug in Caxton; please report it with the server log around this time.'],
  },
  CAX_UNAUTHORIZED: {
    status: 401,
    exit: 1,
    message: (d) => (d.reason === 'missing' ? 'Missing bearer token' : 'Invalid bearer token'),
    suggestions: () => [
      'Send "Authorization: Bearer <token>"; the CLI reads --token, then CAXTON_TOKEN, then .caxton/token.',
      'The server writes its token to <data>/token when CAXTON_TOKEN is not set.',
    ],
  },
  CAX_BAD_REQUEST: {
    status: 400,
    exit: 2,
    message: (d) => `Invalid request: ${String(d.detail)}`,
    // `part`: what was wrong, when not the body (the query, the Content-Type)
    suggestions: (d) => [typeof d.advice === 'string' ? d.advice : `Check the request's ${typeof d.part === 'string' ? d.part : 'body'} against docs/api.md.`],
  },
  CAX_PAYLOAD_TOO_LARGE: {
    status: 413,
    exit: 2,
    message: (d) => `Request body is larger than the limit of ${String(d.limit)} bytes`,
    suggestions: (d) => [String(d.hint ?? 'Send a smaller body, or start the server with a higher limit: caxton serve --max-body BYTES.')],
  },
  CAX_ROUTE_NOT_FOUND: {
    status: 404,
    exit: 2,
    message: (d) => `No route ${String(d.method)} ${String(d.url)}`,
    suggestions: () => ['See docs/api.md for the routes; the API lives under /api/v1.'],
  },
  CAX_USAGE: {
    status: 400,
    exit: 2,
    message: (d) => String(d.detail),
    suggestions: (d) => (Array.isArray(d.hint) ? d.hint.map(String) : [String(d.hint ?? 'Run "caxton --help" for usage.')]),
  },
  CAX_INVALID_NAME: {
    status: 400,
    exit: 2,
    message: (d) => `Invalid ${String(d.kind ?? 'name')} "${String(d.name)}": names match ^[a-z][a-z0-9-]{0,62}$`,
    suggestions: () => ['Use lower-case letters, digits and dashes, starting with a letter (e.g. "data-analyzer").'],
  },
  CAX_NOT_A_REPOSITORY: {
    status: 422,
    exit: 1,
    message: (d) => `${String(d.dir)} is not a git repository`,
    suggestions: (d) => [
      `Run "caxton init ${shellArg(String(d.dir))}" to create a workspace, or "git init" there and commit your agents.`,
    ],
  },
  CAX_EMPTY_REPOSITORY: {
    status: 422,
    exit: 1,
    message: (d) => `The repository at ${String(d.dir)} has no commits yet`,
    suggestions: () => ['Commit your workspace first: git add -A && git commit -m "first agents"'],
  },
  CAX_REF_NOT_FOUND: {
    status: 404,
    exit: 1,
    message: (d) => `Ref "${String(d.ref)}" does not name a commit in the workspace repository`,
    suggestions: (d) => {
      const near = (d.nearest as string[] | undefined) ?? [];
      return [
        ...didYouMean(near),
        'Use a branch, a tag, a full or short SHA, or HEAD~N; "git log --oneline" lists commits.',
      ];
    },
  },
  CAX_REMOTE_FAILED: {
    status: 502,
    exit: 1,
    message: (d) => `Git remote operation failed: ${String(d.detail)}`,
    suggestions: () => ['Check the repository URL and credentials (git credential helper or token in the environment).'],
  },
  CAX_DEPLOY_BUSY: {
    status: 409,
    exit: 1,
    message: (d) => `Deployment ${String(d.runningId)} is running; deployments never interleave`,
    suggestions: () => ['Wait for it to finish ("caxton history") and try again.'],
  },
  CAX_DEPLOY_LOCKED: {
    status: 423,
    exit: 1,
    message: (d) => `Deployments from ${String(d.trigger)} are locked: ${String(d.reason)}`,
    suggestions: () => ['"caxton unlock" lifts the lock; "caxton deploy" from the CLI still works while locked.'],
  },
  CAX_WEBHOOK_NOT_CONFIGURED: {
    // unauthenticated, as CONTRACT §3 has every delivery whose signature cannot be verified
    status: 401,
    exit: 1,
    message: () => 'The GitHub webhook receiver has no secret configured, so no delivery can be verified',
    suggestions: () => [
      'Set CAXTON_WEBHOOK_SECRET in the server\'s environment (the same secret as the webhook\'s on GitHub) and restart the server.',
      'See docs/github-action.md, "The push webhook".',
    ],
  },
  CAX_WEBHOOK_SIGNATURE: {
    status: 401,
    exit: 1,
    message: (d) => (d.reason === 'missing' ? 'The delivery has no X-Hub-Signature-256 header' : 'The delivery\'s X-Hub-Signature-256 does not match its body'),
    suggestions: () => [
      'Give the webhook on GitHub the same secret as CAXTON_WEBHOOK_SECRET (content type application/json or application/x-www-form-urlencoded).',
      'A proxy in front of Caxton must pass the body through byte for byte.',
    ],
  },
  CAX_RATE_LIMITED: {
    status: 429,
    exit: 1,
    message: (d) => `Too many requests to ${String(d.path ?? 'this path')}; try again in ${Math.ceil(Number(d.retryAfterMs ?? 1000) / 1000)} s`,
    suggestions: () => ['Wait for the Retry-After seconds; redeliver a GitHub delivery from the webhook\'s "Recent Deliveries" page.'],
  },
  CAX_DEPLOYMENT_NOT_FOUND: {
    status: 404,
    exit: 1,
    message: (d) => `No deployment with id "${String(d.id)}"`,
    suggestions: () => ['"caxton history" lists deployments.'],
  },
  CAX_NO_ROLLBACK_TARGET: {
    status: 409,
    exit: 1,
    message: () => 'There is no earlier successful deployment to roll back to',
    suggestions: () => ['Name a commit with "caxton rollback --to <sha>", or deploy one with "caxton deploy --ref <sha>".'],
  },
  CAX_UNEXPECTED_RESPONSE: {
    status: 502,
    exit: 3,
    message: (d) => `${String(d.url)} answered HTTP ${String(d.status)} (${String(d.type)}), which is not Caxton's API${d.snippet ? `: ${String(d.snippet)}` : ''}`,
    suggestions: (d) => [
      GATEWAY.has(Number(d.status))
        ? 'A proxy in front of Caxton could not reach it: check that the server runs, and the proxy\'s upstream address.'
        : 'Check the server URL (--server, CAXTON_URL, or the Action\'s server-url): another service, or a proxy without a route to Caxton, answers there.',
    ],
  },
  CAX_SERVER_UNREACHABLE: {
    status: 503,
    exit: 3,
    message: (d) => `Cannot reach the Caxton server at ${String(d.url)}`,
    suggestions: (d) => [
      'Start one in the workspace: caxton serve',
      `Or point the CLI at a running server: --server URL or CAXTON_URL (tried ${String(d.url)})`,
    ],
  },
  CAX_PORT_IN_USE: {
    status: 500,
    exit: 1,
    message: (d) => `Port ${String(d.port)} on ${String(d.host)} is already in use`,
    suggestions: (d) => [
      `Choose another port: caxton serve --port ${Number(d.port) + 1}, or --port 0 for any free one (the ready line names it; point the CLI at it with --server or CAXTON_URL)`,
      `See which process holds it: lsof -i :${String(d.port)} (or ss -ltnp 'sport = :${String(d.port)}')`,
    ],
  },
  CAX_TOOL_INVALID: {
    status: 422,
    exit: 1,
    message: (d) => `Tool "${String(d.name)}" cannot be deployed: ${String(d.detail)}`,
    suggestions: (d) => [`Rebuild tools/${String(d.name)}/ and commit the plugin; its exports must include every [[functions]] name.`],
  },
  CAX_BUILD_FAILED: {
    status: 500,
    exit: 1,
    message: (d) => `Could not start ${String(d.kind)} "${String(d.name)}": ${String(d.detail)}`,
    suggestions: () => ['Nothing was changed; fix the cause and deploy again. The server log has the details.'],
  },
  CAX_STATE_WRITE_FAILED: {
    status: 500,
    exit: 1,
    message: (d) => `Could not record the deployed state: ${String(d.detail)}`,
    suggestions: () => ['Check that the data folder is writable and has free space; the previous deployment keeps serving.'],
  },
  CAX_NOTHING_DEPLOYED: {
    status: 503,
    exit: 1,
    message: () => 'No deployment is serving yet, so no agent can answer',
    suggestions: () => ['Deploy the workspace first: caxton deploy'],
  },
  CAX_NO_CAPABLE_AGENT: {
    status: 404,
    exit: 1,
    message: (d) => `No deployed agent serves capability "${String(d.capability)}"`,
    suggestions: (d) => {
      const near = (d.nearest as string[] | undefined) ?? [];
      return [
        ...didYouMean(near),
        `Capabilities deployed: ${list(d.capabilities)}.`,
      ];
    },
  },
  CAX_UNKNOWN_RECEIVER: {
    status: 404,
    exit: 1,
    message: (d) => {
      const by = d.removedBy as { deploymentId: string; sha: string } | undefined;
      return `No deployed agent is named "${String(d.receiver)}"${by ? `: it was removed by deployment ${by.deploymentId} (commit ${by.sha.slice(0, 7)})` : ''}`;
    },
    suggestions: (d) => {
      const near = (d.nearest as string[] | undefined) ?? [];
      const by = d.removedBy as { deploymentId: string } | undefined;
      return [
        ...(near.length ? [`Did you mean "${near[0]}"?`] : []),
        `Agents deployed: ${list(d.agents)}.`,
        ...(by ? [`"caxton history" shows what ${by.deploymentId} changed; to bring the agent back, restore its folder, commit and deploy.`] : []),
      ];
    },
  },
  CAX_CIRCUIT_OPEN: {
    status: 503,
    exit: 1,
    message: (d) => `Every agent that could answer is failing; their circuit breakers are open (${list(d.agents)})`,
    suggestions: (d) => [
      ...(Array.isArray(d.last) ? d.last.map((l) => `Last failure of ${String(l)}`) : []),
      `Retry after ${utc(d.retryAt)}; "caxton agents" shows each breaker, "caxton events --type MessageFailed" what failed.`,
    ],
  },
  CAX_AGENTS_UNAVAILABLE: {
    status: 503,
    exit: 1,
    message: (d) => `No capable agent is available right now (${list(d.agents)})`,
    suggestions: () => ['Retry shortly; a half-open circuit lets one probe through at a time.'],
  },
  CAX_HOP_LIMIT: {
    status: 508,
    exit: 1,
    message: (d) => `The request went ${String(d.hops)} asks deep (agent asking agent), over the limit of ${String(d.maxHops)} ([routing] max_hops)`,
    suggestions: () => ['Agents that ask each other in a chain this long are probably looping; check their [behavior] steps, or raise [routing] max_hops.'],
  },
  CAX_ROUTING_LOOP: {
    status: 508,
    exit: 1,
    message: (d) => `Routing loop: every capable agent (${list(d.agents)}) is already handling this request (path ${list(d.path)})`,
    suggestions: () => ['An agent may not be asked again inside its own chain; change the step that asks back.'],
  },
  CAX_AGENT_FAILED: {
    status: 502,
    exit: 1,
    message: (d) => `Agent "${String(d.agent)}" failed after ${String(d.attempts)} attempt${d.attempts === 1 ? '' : 's'}: ${String(d.detail)}`,
    // the cause's own advice first (an LLM endpoint to start, say): it is what the user can act on
    suggestions: (d) => [...(Array.isArray(d.advice) ? d.advice.map(String) : []), 'The server log and "caxton events" (type MessageFailed) show each attempt.'],
  },
  CAX_MESSAGE_EXPIRED: {
    status: 504,
    exit: 1,
    message: (d) => `The message's ttl of ${String(d.ttl)} ms ran out before an answer`,
    suggestions: () => ['Send with a longer ttl, or look at what made the agent slow.'],
  },
  CAX_AGENT_TIMEOUT: {
    status: 504,
    exit: 1,
    message: (d) => `Agent "${String(d.agent)}" gave no answer within ${String(d.ms)} ms ([routing] agent_timeout_ms)${d.waitingOn ? `: it was waiting for its ask to ${String(d.waitingOn)}` : ''}`,
    suggestions: () => [
      'Raise [routing] agent_timeout_ms in caxton.toml if the agent needs longer (an LLM agent\'s [llm] timeout_ms too), or look at what made it slow: caxton events --type MessageFailed',
    ],
  },
  CAX_TOOL_NOT_PERMITTED: {
    status: 403,
    exit: 1,
    message: (d) => `Agent "${String(d.agent)}" may not call tool "${String(d.tool)}"${d.agents ? ': no agent of that name is deployed' : ''}`,
    suggestions: (d) => {
      // an agent that is not deployed lists no tool: which ones are, and the nearest name
      if (d.agents) {
        const near = (d.nearest as string[] | undefined) ?? [];
        const by = d.removedBy as { deploymentId: string } | undefined;
      return [
        ...(near.length ? [`Did you mean "${near[0]}"?`] : []),
        `Agents deployed: ${list(d.agents)}.`,
        ...(by ? [`"caxton history" shows what ${by.deploymentId} changed; to bring the agent back, restore its folder, commit and deploy.`] : []),
      ];
      }
      return [`Add "${String(d.tool)}" to tools in agents/${String(d.agent)}/agent.toml, commit and deploy.`];
    },
  },
  CAX_TOOL_UNAVAILABLE: {
    status: 503,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" cannot run: ${String(d.detail)}`,
    suggestions: () => ['Check "caxton tools" and the server log.'],
  },
  CAX_TOOL_LIMIT: {
    status: 422,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" (${String(d.fn)}) was stopped by its ${String(d.limit)} limit: ${String(d.detail)}`,
    suggestions: (d) => [
      d.limit === 'timeout'
        ? `Raise [limits] timeout_ms in tools/${String(d.tool)}/tool.toml, or send less work per call.`
        : d.limit === 'memory'
          ? `Raise [limits] memory_mb in tools/${String(d.tool)}/tool.toml, or send less data per call.`
          : `Raise [limits] max_output_bytes in tools/${String(d.tool)}/tool.toml, or ask for less output.`,
      'A tool that keeps breaking its limits is quarantined until a deployment changes it.',
    ],
  },
  CAX_TOOL_INPUT_INVALID: {
    status: 400,
    exit: 1,
    message: (d) => `The input does not match the input_schema of ${String(d.tool)}.${String(d.fn)}: ${String(d.detail)}`,
    suggestions: (d) => [`"caxton tools --json" shows the input_schema of every function of "${String(d.tool)}".`],
  },
  CAX_TOOL_FUNCTION_NOT_FOUND: {
    status: 404,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" has no function "${String(d.fn)}"`,
    suggestions: (d) => [`Functions of "${String(d.tool)}": ${list(d.functions)}.`],
  },
  CAX_TOOL_QUARANTINED: {
    status: 503,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" is quarantined since ${utc(d.since)}: ${String(d.reason)}`,
    suggestions: (d) => [`Fix the plugin or its [limits] in tools/${String(d.tool)}/, commit and deploy; the new version starts with a clean record.`],
  },
  CAX_TOOL_FAILED: {
    status: 502,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" (${String(d.fn)}) failed: ${String(d.detail)}`,
    suggestions: () => ['The plugin trapped or reported an error; "caxton events" (type ToolExecutionFailed) and the server log have the details.'],
  },
  CAX_TOOL_ACCESS_DENIED: {
    status: 403,
    exit: 1,
    message: (d) => `Tool "${String(d.tool)}" (${String(d.fn)}) was denied access: ${String(d.detail)}`,
    suggestions: (d) => [`Grant it in tools/${String(d.tool)}/tool.toml (allowed_hosts or allowed_paths), commit and deploy; nothing is allowed by default.`],
  },
  CAX_CONVERSATION_NOT_FOUND: {
    status: 404,
    exit: 1,
    message: (d) => `No conversation "${String(d.id)}"`,
    suggestions: (d) => [
      'caxton conversations (GET /api/v1/conversations) lists the ones the server holds.',
      `The event log keeps every conversation's messages, after a restart too: caxton events --conversation ${shellArg(String(d.id))}`,
    ],
  },
  CAX_LLM_KEY_MISSING: {
    status: 502,
    exit: 1,
    message: (d) => `Agent "${String(d.agent)}" needs an API key in $${String(d.env)}, which is not set`,
    suggestions: (d) => [
      `Set ${String(d.env)} in the server's environment and restart it: the key is read from there, never from the workspace.`,
      'To run without a key (tests, CI), play the agent back from a recording: CAXTON_LLM_REPLAY=1 (docs/llm.md).',
    ],
  },
  CAX_LLM_UNAVAILABLE: {
    status: 502,
    exit: 1,
    message: (d) => `The LLM endpoint for agent "${String(d.agent)}" failed: ${String(d.detail)}`,
    suggestions: (d) => [typeof d.hint === 'string' ? d.hint : `Check that ${String(d.url ?? 'the endpoint')} is up and the model "${String(d.model ?? '')}" exists.`],
  },
  CAX_LLM_REFUSED: {
    status: 502,
    exit: 1,
    message: (d) => `The LLM endpoint for agent "${String(d.agent)}" refused the request: ${String(d.detail)}`,
    suggestions: (d) => [typeof d.hint === 'string' ? d.hint : 'The endpoint refused the request as sent (a 4xx), so it is not retried: the detail says why.'],
  },
  CAX_LLM_RATE_LIMITED: {
    status: 503,
    exit: 1,
    message: (d) => `The LLM endpoint for agent "${String(d.agent)}" is rate limiting its calls: ${String(d.detail)}`,
    suggestions: (d) => [
      `${typeof d.waitMs === 'number' ? `It asks to wait ${Math.ceil(d.waitMs / 1000)} s: send the message again after that.` : 'Send the message again in a while.'} Caxton does not send it to that agent again sooner, which would only be one more request the endpoint refuses.`,
      'If it happens often: a higher limit from the provider, or a second agent with the capability on another endpoint (the message moves to it).',
    ],
  },
  CAX_LLM_TURN_LIMIT: {
    status: 502,
    exit: 1,
    message: (d) => `Agent "${String(d.agent)}" was still calling tools after ${String(d.turns)} model turns, with no final answer`,
    suggestions: () => ['Raise [llm] max_turns (up to 32), or make system_prompt ask for an answer once the tools have been used.'],
  },
  CAX_LLM_REPLAY_MISS: {
    status: 502,
    exit: 1,
    message: (d) => `No recorded model exchange in ${String(d.file)} matches this request of agent "${String(d.agent)}" (${String(d.detail)})${d.differs ? `: ${String(d.differs)}` : ''}`,
    suggestions: () => [
      'The prompt, the offered tools or a tool result changed since the recording: record again with CAXTON_LLM_RECORD=1 against a live endpoint and commit the file (docs/llm.md).',
    ],
  },
  CAX_DATA_DIR_IN_USE: {
    status: 409,
    exit: 1,
    message: (d) => `The data folder ${String(d.dir)} is in use by another Caxton server`,
    suggestions: () => ['Stop the other server (its URL is in <data>/server.json), or start this one with --data DIR.'],
  },
  CAX_DATA_DIR_UNUSABLE: {
    status: 500,
    exit: 1,
    message: (d) => `Caxton cannot write its data folder ${String(d.dir)}: ${String(d.detail)}`,
    suggestions: () => ['Make the folder writable by the user running Caxton, with free space, or start the server with --data DIR on a disk that is.'],
  },
  CAX_CANCELLED: {
    status: 400,
    exit: 1,
    message: (d) => `${String(d.what)} cancelled; nothing was written`,
    suggestions: () => ['Run it again, or pass --template ID (and --yes) to skip the questions.'],
  },
  CAX_DIR_NOT_EMPTY: {
    status: 400,
    exit: 1,
    message: (d) => `${String(d.dir)} is not empty`,
    suggestions: () => ['Choose a new folder, or pass --force to add the workspace files anyway.'],
  },
  CAX_TEMPLATE_NOT_FOUND: {
    status: 404,
    exit: 2,
    message: (d) => `No template "${String(d.id)}"`,
    suggestions: (d) => [`Templates: ${list(d.available)}. "caxton templates" describes them.`],
  },
  CAX_AGENT_EXISTS: {
    status: 409,
    exit: 1,
    message: (d) => `agents/${String(d.name)}/ already exists`,
    suggestions: () => ['Choose another name, or edit the existing agent.'],
  },
  CAX_TOOL_EXISTS: {
    status: 409,
    exit: 1,
    message: (d) => `tools/${String(d.name)}/ already exists`,
    suggestions: () => ['Choose another name, or edit the existing tool.'],
  },
  CAX_NOT_FOUND: {
    status: 404,
    exit: 1,
    message: (d) => `No ${String(d.kind)} "${String(d.name)}" is deployed`,
    suggestions: (d) => [`Deployed: ${list(d.available)}.`],
  },
} satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  code: ErrorCode | string;
  message: string;
  suggestions: string[];
  [extra: string]: unknown;
}

/** The one error type: a code from the catalogue, the offending values, and how to fix it. */
export class CaxtonError extends Error {
  readonly code: ErrorCode;
  readonly data: Data;
  readonly suggestions: string[];
  readonly status: number;
  readonly exitCode: 1 | 2 | 3;
  /** Extra fields merged into the JSON body (e.g. `runningId`, `issues`). */
  readonly details: Data;

  constructor(code: ErrorCode, data: Data = {}, opts: { cause?: unknown; details?: Data } = {}) {
    const def: ErrorDef = ERRORS[code];
    super(def.message(data), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CaxtonError';
    this.code = code;
    this.data = data;
    this.suggestions = def.suggestions(data);
    this.status = def.status;
    this.exitCode = def.exit;
    this.details = opts.details ?? {};
  }

  toJSON(): { error: ErrorBody } {
    return { error: { code: this.code, message: this.message, suggestions: this.suggestions, ...this.details } };
  }
}

/** Anything thrown becomes a CaxtonError; unknown faults are CAX_INTERNAL. */
export function toCaxtonError(err: unknown): CaxtonError {
  if (err instanceof CaxtonError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new CaxtonError('CAX_INTERNAL', { detail }, { cause: err });
}

export function isErrorBody(v: unknown): v is { error: ErrorBody } {
  const e = (v as { error?: unknown } | null)?.error as Partial<ErrorBody> | undefined;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
}
