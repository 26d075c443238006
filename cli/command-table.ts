// Every command, with the line `caxton --help` shows, loaded only when it runs: a short command such
// as `caxton status` never pays for the server (Fastify, DuckDB) or for commands it does not use.
import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'quickstart', summary: 'the first run in one command: workspace, server, deployment', load: async () => (await import('./commands/quickstart.js')).quickstart },
  { name: 'init', summary: 'create a workspace from a template, git init, first commit', load: async () => (await import('./commands/init.js')).init },
  { name: 'templates', summary: 'the template gallery', load: async () => (await import('./commands/init.js')).templates },
  { name: 'agent', summary: 'agent new NAME [--template ID] [--commit]: add agents/NAME/ from a template', load: async () => (await import('./commands/agent-new.js')).agentNew },
  { name: 'validate', summary: 'validate the working tree; every problem with its position and a fix', load: async () => (await import('./commands/validate.js')).validate },
  { name: 'serve', summary: 'start the server on a workspace repository (local or --repo URL)', load: async () => (await import('./commands/serve.js')).serve },
  { name: 'deploy', summary: 'deploy a commit (default: HEAD) and wait for the outcome', load: async () => (await import('./commands/deploy.js')).deploy },
  { name: 'status', summary: 'deployed SHA and the pending changeset (works with the server down)', load: async () => (await import('./commands/status.js')).status },
  { name: 'rollback', summary: 'redeploy the previous successful SHA (or --to SHA)', load: async () => (await import('./commands/rollback.js')).rollback },
  { name: 'history', summary: 'past deployments, newest first', load: async () => (await import('./commands/history.js')).history },
  { name: 'send', summary: 'send a message by capability (or to an agent) and print the reply', load: async () => (await import('./commands/send.js')).send },
  { name: 'conversations', summary: 'active conversations, or one (ID) with its history', load: async () => (await import('./commands/conversations.js')).conversations },
  { name: 'agents', summary: 'the agents the server runs now', load: async () => (await import('./commands/registry.js')).agents },
  { name: 'tools', summary: 'the tools the server runs now', load: async () => (await import('./commands/registry.js')).tools },
  { name: 'tool', summary: 'tool call NAME FUNCTION JSON [--agent A]: call a deployed tool; tool new NAME: start a new one', load: async () => (await import('./commands/tool.js')).tool },
  { name: 'events', summary: 'the event log, newest first (--type MessageFailed, --deployment ID)', load: async () => (await import('./commands/events.js')).events },
  { name: 'stats', summary: 'onboarding funnel, deployment and routing statistics', load: async () => (await import('./commands/stats.js')).stats },
  { name: 'lock', summary: 'refuse webhook and Action deploys until unlocked', load: async () => (await import('./commands/lock.js')).lock },
  { name: 'unlock', summary: 'lift the deploy lock', load: async () => (await import('./commands/lock.js')).unlock },
];
