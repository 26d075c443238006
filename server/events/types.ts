// Event type names, one place. A deployment's terminal event carries its whole record as payload,
// so history is a query over the log rather than a second store.
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
