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
  LlmUsage: 'LlmUsage',
} as const;

/** Every event type Caxton writes, onboarding milestones included. */
export const EVENT_TYPES: readonly string[] = [
  ...Object.values(EventType),
  ...Object.values(MessageEvent),
  ...Object.values(ToolEvent),
  ...Object.values(WebhookEvent),
  ...MILESTONES,
];
