// The few GitHub REST calls the Action makes with `github-token`: a Deployment and its statuses,
// and one pull-request comment updated in place. Plain fetch against GITHUB_API_URL; the token is
// only ever a header, never part of a message.

export interface GitHubApiOptions {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
}

export class GitHubApiError extends Error {
  constructor(readonly status: number, readonly method: string, readonly route: string, detail: string) {
    super(`GitHub API ${method} ${route} answered ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'GitHubApiError';
  }
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending';

export class GitHubApi {
  constructor(private readonly opts: GitHubApiOptions) {}

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.opts.apiUrl}${route}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.opts.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'caxton-action',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = '';
      try {
        detail = String((JSON.parse(text) as { message?: unknown }).message ?? '');
      } catch {
        detail = text.slice(0, 200);
      }
      throw new GitHubApiError(res.status, method, route.split('?')[0]!, detail.split(this.opts.token).join('***'));
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  private get repo(): string {
    return `/repos/${this.opts.repository}`;
  }

  /** Creates a GitHub Deployment of `ref` to `environment`; returns its id. */
  async createDeployment({ ref, environment, description }: { ref: string; environment: string; description: string }): Promise<number> {
    const d = await this.call<{ id: number }>('POST', `${this.repo}/deployments`, {
      ref,
      environment,
      description,
      auto_merge: false,
      // the Caxton server decides; GitHub's status checks are not a gate here
      required_contexts: [],
      payload: { tool: 'caxton' },
    });
    return d.id;
  }

  async setDeploymentStatus(id: number, s: { state: DeploymentState; description: string; logUrl?: string | null; environmentUrl?: string | null }): Promise<void> {
    await this.call('POST', `${this.repo}/deployments/${id}/statuses`, {
      state: s.state,
      description: s.description.slice(0, 140),
      ...(s.logUrl ? { log_url: s.logUrl } : {}),
      ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
      auto_inactive: true,
    });
  }

  /** Updates the comment on the pull request that contains `marker`, or creates it. */
  async upsertComment({ issue, marker, body }: { issue: number; marker: string; body: string }): Promise<{ id: number; created: boolean }> {
    for (let page = 1; page <= 20; page++) {
      const comments = await this.call<Array<{ id: number; body?: string }>>('GET', `${this.repo}/issues/${issue}/comments?per_page=100&page=${page}`);
      const mine = comments.find((c) => c.body?.includes(marker));
      if (mine) {
        await this.call('PATCH', `${this.repo}/issues/comments/${mine.id}`, { body });
        return { id: mine.id, created: false };
      }
      if (comments.length < 100) break;
    }
    const c = await this.call<{ id: number }>('POST', `${this.repo}/issues/${issue}/comments`, { body });
    return { id: c.id, created: true };
  }
}
