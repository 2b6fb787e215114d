/**
 * What every alert delivery of a run shares (the ops_daily alert and the readiness alert): the
 * GitHub issues client built from the run's repository and token, with retries within the run's
 * deadline and a warning per retry, the deadline itself, and runbook links for issue bodies.
 */
import type { Deadline } from '../../github/retry.js';
import type { Runtime } from '../../runtime/runtime.js';
import { restIssuesApi, isRepository, type GitHubIssuesApi } from './github-issues.js';

/** time for all alert deliveries of one run (GitHub and Slack, retries and Retry-After waits included) */
export const ALERT_DEADLINE_MS = 180_000;
export const DEFAULT_RUNBOOK = 'docs/runbook.md';

/** A runbook reference (URL, or a path in the repository) as a link for issue bodies. */
export function runbookLink(ref: string, env: NodeJS.ProcessEnv): string {
  if (/^https?:\/\//.test(ref)) return ref;
  const repo = env.GITHUB_REPOSITORY;
  if (!isRepository(repo)) return ref;
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const rev = env.GITHUB_SHA && /^[0-9a-f]{40}$/.test(env.GITHUB_SHA) ? env.GITHUB_SHA : 'HEAD';
  return `${server}/${repo}/blob/${rev}/${ref.replace(/^\.?\//, '')}`;
}

/** The issues API of the run's repository (`deps.github`: a test's port), or undefined without a repository and token. */
export function githubApi(
  rt: Runtime,
  token: string | undefined,
  deps: { github?: GitHubIssuesApi | undefined; githubBaseDelayMs?: number | undefined },
  deadline: Deadline,
  attempts = 5,
): GitHubIssuesApi | undefined {
  if (deps.github) return deps.github;
  const repo = rt.env.GITHUB_REPOSITORY;
  if (!token || !isRepository(repo)) return undefined;
  return restIssuesApi({
    apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com',
    repository: repo,
    token,
    deadline,
    attempts,
    ...(deps.githubBaseDelayMs !== undefined ? { baseDelayMs: deps.githubBaseDelayMs } : {}),
    onRetry: (i) =>
      rt.logger.warn(
        `GitHub ${i.endpoint} answered ${i.status ? `HTTP ${i.status}` : 'nothing'} (${i.cause.replace(/_/g, ' ')}): ` +
          `retry ${i.attempt} in ${Math.ceil(i.waitMs / 1000)} s (${Math.floor(deadline.remaining() / 1000)} s left)`,
      ),
  });
}
