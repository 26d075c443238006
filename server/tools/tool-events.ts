// Event type names of tool calls, and why a call failed.
export const ToolEvent = {
  ToolExecuted: 'ToolExecuted',
  ToolExecutionFailed: 'ToolExecutionFailed',
  ToolQuarantined: 'ToolQuarantined',
} as const;

/** ToolExecutionFailed's `reason`. */
export type ToolFailureReason =
  | 'permission'
  | 'schema'
  | 'timeout'
  | 'memory'
  | 'output'
  | 'trap'
  | 'error'
  | 'quarantined'
  | 'unavailable'
  | 'not-found'
  /** its caller stopped waiting (the agent's time-out, the message's ttl): nothing wrong with the tool */
  | 'cancelled';

/** The reasons that count towards quarantine: the plugin broke a limit. */
export const LIMIT_REASONS: ReadonlySet<ToolFailureReason> = new Set(['timeout', 'memory', 'output']);
