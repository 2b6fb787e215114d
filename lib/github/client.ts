/**
 * The one GitHub client: @actions/github's Octokit (auth, base URL for GHES and tests, URL templates,
 * JSON, the REST endpoint methods). Deploy's Deployments (api.ts) and the alert issues
 * (ops/alerts/github-issues.ts) are both built on it.
 *
 * Calls that must survive GitHub's transient answers (the alert issues) give Octokit a `request.fetch`
 * from `retryingFetch`: it refuses any origin but the API's (the token goes nowhere else), and sends
 * through `withRetry` (retry.ts: deadline, Retry-After, primary and secondary rate limits, no retry
 * of a plain 403 or a 401). Octokit only ever sees a 2xx answer or a `GitHubApiError`, which it wraps
 * in a RequestError: `unwrapGitHubError` gives the classified error back.
 */
import { getOctokit } from '@actions/github';
import { GitHubApiError, withRetry, type RetryOptions } from './retry.js';

export type GitHubClient = ReturnType<typeof getOctokit>;
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Octokit for `token`; `baseUrl` is GITHUB_API_URL (default https://api.github.com, GHES: https://host/api/v3). */
export function githubClient(token: string, baseUrl?: string): GitHubClient {
  return getOctokit(token, baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : {});
}

/** The media type and API version every call asks for. */
export const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

interface RetryingFetchOptions {
  /** the only origin a request may go to (GITHUB_API_URL's); anything else is `pagination_refused` */
  origin: string;
  /** `METHOD /path/{template}`, for errors and retry warnings */
  endpoint: string;
  retry: RetryOptions;
  /** per attempt (bounded by what is left of the deadline) */
  timeoutMs: number;
  fetch: FetchLike;
}

/** A `request.fetch` for one Octokit call: origin check, then `withRetry` (redirects are refused). */
export function retryingFetch(o: RetryingFetchOptions): FetchLike {
  return async (url, init) => {
    if (new URL(url).origin !== o.origin) throw new GitHubApiError(0, o.endpoint, 'pagination_refused');
    return withRetry(
      o.endpoint,
      (signal) =>
        o.fetch(url, {
          ...init,
          redirect: 'error',
          signal: init.signal ? AbortSignal.any([init.signal, signal]) : signal,
        }),
      o.retry,
      o.timeoutMs,
    );
  };
}

/** The GitHubApiError a `retryingFetch` threw, out of Octokit's RequestError around it; anything else as is. */
export function unwrapGitHubError(e: unknown): unknown {
  if (e instanceof GitHubApiError) return e;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause instanceof GitHubApiError ? cause : e;
}
