// The deployment record and plan as zod schemas: the API answers with these, the CLI and the
// Action parse them, and docs/api.md describes them.
import { z } from 'zod';

export const Impact = z.enum(['breaking', 'compatible', 'cosmetic']);

export const FieldChangeSchema = z.object({
  field: z.string(),
  impact: Impact,
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  added: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
  note: z.string().optional(),
  /** a file beside the manifest (field: its path in the folder), by its path in the workspace; before and after are blob ids */
  file: z.string().optional(),
});

export const ChangeItem = z.object({
  kind: z.enum(['agent', 'tool', 'config']),
  name: z.string(),
  impact: Impact.nullable().optional(),
  fields: z.array(FieldChangeSchema).optional(),
});
export type ChangeItem = z.infer<typeof ChangeItem>;

export const Changes = z.object({
  added: z.array(ChangeItem),
  modified: z.array(ChangeItem),
  removed: z.array(ChangeItem),
});
export type Changes = z.infer<typeof Changes>;

export const RecordIssue = z.object({
  code: z.string(),
  message: z.string(),
  suggestion: z.string().optional(),
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  severity: z.enum(['error', 'warning']).optional(),
  entity: z.object({ kind: z.enum(['agent', 'tool']), name: z.string() }).optional(),
});
export type RecordIssue = z.infer<typeof RecordIssue>;

export const HeldBack = z.object({
  kind: z.enum(['agent', 'tool']),
  name: z.string(),
  /** "previous": the version deployed before keeps running; "none": it is new and stays out. */
  kept: z.enum(['previous', 'none']),
  keptSha: z.string().nullable(),
  reason: z.string(),
  issues: z.array(RecordIssue),
});
export type HeldBack = z.infer<typeof HeldBack>;

export const DeploymentStatus = z.enum(['succeeded', 'failed', 'rolled_back', 'partial']);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Trigger = z.enum(['cli', 'api', 'webhook', 'action', 'rollback', 'startup']);
export type Trigger = z.infer<typeof Trigger>;

export const DeploymentRecord = z.object({
  id: z.string(),
  ref: z.string(),
  fromSha: z.string().nullable(),
  toSha: z.string(),
  status: DeploymentStatus,
  trigger: Trigger,
  changes: Changes,
  errors: z.array(RecordIssue),
  warnings: z.array(RecordIssue),
  heldBack: z.array(HeldBack),
  noop: z.boolean(),
  message: z.string().nullable(),
  startedAt: z.string(),
  durationMs: z.number(),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecord>;

export const DeploymentPlan = z.object({
  dryRun: z.literal(true),
  ref: z.string(),
  fromSha: z.string().nullable(),
  toSha: z.string(),
  /** What the deployment would end as: succeeded, partial or failed. */
  outcome: DeploymentStatus,
  changes: Changes,
  errors: z.array(RecordIssue),
  warnings: z.array(RecordIssue),
  heldBack: z.array(HeldBack),
  noop: z.boolean(),
});
export type DeploymentPlan = z.infer<typeof DeploymentPlan>;

export const DeployRequest = z.strictObject({
  ref: z.string().min(1).max(256).optional(),
  dryRun: z.boolean().optional(),
  partial: z.boolean().optional(),
  trigger: z.enum(['cli', 'api', 'webhook', 'action']).optional(),
});
export type DeployRequest = z.infer<typeof DeployRequest>;

export const RollbackRequest = z.strictObject({
  to: z.string().min(1).max(256).optional(),
});
