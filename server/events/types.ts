// Event type names: deployments' and the server's and messages' here, tools' and webhooks' beside
// their code, and EVENT_TYPES has them all. A deployment's terminal event carries its whole record
// as payload, so history is a query over the log rather than a second store.
import { MILESTONES } from '../onboarding.js';
import { ToolEvent } from '../tools/tool-events.js';
import { WebhookEvent } from '../webhooks/events.js';

export const EventType = {
  DeploymentInitiated: 'DeploymentInitiated',
  DeploymentPlanned: 'DeploymentPlanned',
  AgentDeployed: 'AgentDeployed',
  AgentRemoved: 'AgentRemoved',
  ToolDeployed: 'ToolDeployed',
  ToolRemoved: 'ToolRemoved',
  EntityHeldBack: 'EntityHeldBack',
  DeploymentCompleted: 'DeploymentCompleted',
  DeploymentFailed: 'DeploymentFailed',
  DeploymentRolledBack: 'DeploymentRolledBack',
  DeployLocked: 'DeployLocked',
  DeployUnlocked: 'DeployUnlocked',
  DeployRefused: 'DeployRefused',
  ServerStarted: 'ServerStarted',
  ServerStopped: 'ServerStopped',
} as const;

export const TERMINAL_DEPLOYMENT_EVENTS = [
  EventType.DeploymentCompleted,
  EventType.DeploymentFailed,
  EventType.DeploymentRolledBack,
] as const;

export const MessageEvent = {
  MessageSent: 'MessageSent',
  MessageRouted: 'MessageRouted',
  MessageDelivered: 'MessageDelivered',
  MessageFailed: 'MessageFailed',
  RoutingFailed: 'RoutingFailed',
  ConversationStarted: 'ConversationStarted',
  ConversationEnded: 'ConversationEnded',
  ConversationsEvicted: 'ConversationsEvicted',
  ToolCalled: 'ToolCalled',
  /** a tool call an LLM asked for that was refused before it ran (not offered, arguments that do not fit) */
  ToolCallRejected: 'ToolCallRejected',
  LlmUsage: 'LlmUsage',
} as const;

/** The log's own: the events it shed while it was behind (log.ts). */
export const LogEvent = {
  EventsDropped: 'EventsDropped',
  /** message and tool events past `caxton serve --retain-days`, deleted */
  EventsPruned: 'EventsPruned',
} as const;

/**
 * The events every message and tool call writes. A log that falls behind sheds these, counted and
 * recorded as one EventsDropped when it catches up, so its memory stays bounded; it never sheds
 * the rest (a deployment's record, a webhook delivery, token usage), which are few.
 */
export const SHEDDABLE_EVENTS: ReadonlySet<string> = new Set([
  MessageEvent.MessageSent,
  MessageEvent.MessageRouted,
  MessageEvent.MessageDelivered,
  MessageEvent.MessageFailed,
  MessageEvent.RoutingFailed,
  MessageEvent.ConversationStarted,
  MessageEvent.ConversationEnded,
  MessageEvent.ToolCalled,
  MessageEvent.ToolCallRejected,
  ToolEvent.ToolExecuted,
  ToolEvent.ToolExecutionFailed,
]);

/**
 * What `caxton serve --retain-days` deletes once it is that old: the events of messages, tool calls
 * and token usage (a conversation's events are stored together, so they go together), and the log's
 * records about those. Deployments, webhook deliveries, the server's and onboarding events are kept:
 * the deployment history and the webhooks' idempotency are read from them.
 */
export const PRUNABLE_EVENTS: readonly string[] = [
  ...SHEDDABLE_EVENTS, MessageEvent.LlmUsage, MessageEvent.ConversationsEvicted, LogEvent.EventsDropped,
  // every request to the webhook receiver writes these two, signed or not: unsigned ones would
  // otherwise fill the log for good. Idempotency reads Queued and Ignored, which are kept.
  WebhookEvent.Received, WebhookEvent.Rejected,
];

/** Every event type Caxton writes, onboarding milestones included. */
export const EVENT_TYPES: readonly string[] = [
  ...Object.values(EventType),
  ...Object.values(MessageEvent),
  ...Object.values(LogEvent),
  ...Object.values(ToolEvent),
  ...Object.values(WebhookEvent),
  ...MILESTONES,
];
