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

export type TipDecision = { action: 'deploy' } | { action: 'stale'; reason: string };

/**
 * A queued push deploys only while its commit is still the branch's tip, as read after a fetch. The
 * delivery id is not signed, so a captured push sent again under a new id would otherwise deploy
 * its old commit; and a late delivery would undo a newer push. A force-push back to an older commit
 * is the tip, and deploys.
 */
export function checkTip({ sha, ref, tip }: { sha: string; ref: string; tip: string | null }): TipDecision {
  if (tip === sha) return { action: 'deploy' };
  const anyway = `to deploy ${sha.slice(0, 7)} anyway: caxton deploy --ref ${sha}`;
  if (tip === null) return { action: 'stale', reason: `${ref} is not in the repository now, so its pushes deploy nothing; ${anyway}` };
  return { action: 'stale', reason: `${ref} is at ${tip.slice(0, 7)} now, not ${sha.slice(0, 7)}: a push deploys only while it is the branch's tip (a late or replayed delivery); ${anyway}` };
}
