// What a push delivery asks for, as a pure decision: deploy its `after` commit, or acknowledge
// and ignore it (another branch, a tag, a deletion). Only the fields Caxton reads are checked;
// GitHub's payload carries many more (repository, pusher, head_commit, commits, …).
import { z } from 'zod';

const Sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a full commit SHA');

export const PushPayload = z.object({
  ref: z.string().min(1),
  before: Sha,
  after: Sha,
  deleted: z.boolean().optional(),
  repository: z.object({ full_name: z.string().optional() }).passthrough().optional(),
  pusher: z.object({ name: z.string().optional() }).passthrough().optional(),
  head_commit: z.object({ id: z.string(), message: z.string().optional() }).passthrough().nullable().optional(),
});
export type PushPayload = z.infer<typeof PushPayload>;

export type PushDecision =
  | { action: 'deploy'; ref: string; sha: string }
  | { action: 'ignore'; ref: string; reason: string };

const ZERO = /^0+$/;

/** Deploy `after` for a push to refs/heads/<branch>; ignore anything else, with the reason. */
export function classifyPush({ payload, branch }: { payload: PushPayload; branch: string }): PushDecision {
  const { ref, after } = payload;
  const wanted = `refs/heads/${branch}`;
  if (ref.startsWith('refs/tags/')) return { action: 'ignore', ref, reason: `tag push (${ref}); only pushes to ${wanted} deploy` };
  if (ref !== wanted) return { action: 'ignore', ref, reason: `push to ${ref}; only pushes to ${wanted} deploy` };
  if (payload.deleted || ZERO.test(after)) return { action: 'ignore', ref, reason: `${ref} was deleted; nothing to deploy` };
  return { action: 'deploy', ref, sha: after };
}
