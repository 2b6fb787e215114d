/**
 * Bounded retries for GitHub REST calls, with a clock port so tests never wait real seconds.
 *
 * What is retried (GitHub's documented rate-limit and error semantics):
 *   - 5xx answers and network failures: exponential backoff;
 *   - 429, or 403 carrying a rate-limit signal: a secondary limit (`retry-after` header, or a body
 *     message naming a "secondary rate limit") waits Retry-After (else at least 60 s, as GitHub asks);
 *     a primary limit (`x-ratelimit-remaining: 0`) waits until `x-ratelimit-reset` (epoch seconds).
 * Never retried: 401 (bad credentials), 403 without a rate-limit signal (the token lacks a
 * permission, e.g. `issues: write`), 404, 410, 422 and other 4xx.
 * Every wait must fit in the deadline; a wait that would not is not started: the call fails at once
 * with its classified error, so a run never sleeps past its budget.
 */

/** Time as the retry logic sees it (injected in tests: sleep advances a virtual clock). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** A point in time a piece of work must finish by, on a clock. */
export class Deadline {
  readonly at: number;
  constructor(
    readonly clock: Clock,
    budgetMs: number,
  ) {
    this.at = clock.now() + budgetMs;
  }
  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }
  /** Sleeps `ms` when it fits in what is left; false (no sleep) when it does not. */
  async wait(ms: number): Promise<boolean> {
    if (ms > this.remaining()) return false;
    if (ms > 0) await this.clock.sleep(ms);
    return true;
  }
}

/**
 * What went wrong with a GitHub call, as a stable token:
 * `rate_limit` (primary), `secondary_rate_limit`, `permission` (403 without rate-limit signals),
 * `auth` (401), `not_found`, `server` (5xx), `network`, `pagination_refused` (a Link to another
 * origin), `deadline` (no time left to send the call at all), `client` (other 4xx).
 */
export type GitHubFailureCause =
  | 'rate_limit'
  | 'secondary_rate_limit'
  | 'permission'
  | 'auth'
  | 'not_found'
  | 'server'
  | 'network'
  | 'pagination_refused'
  | 'deadline'
  | 'client';

export class GitHubApiError extends Error {
  constructor(
    /** HTTP status (0: no answer) */
    readonly status: number,
    readonly endpoint: string,
    readonly cause_: GitHubFailureCause,
    readonly attempts = 1,
    /** for rate limits: when GitHub said the limit resets (ISO), if known */
    readonly resetAt: string | null = null,
  ) {
    super(
      cause_ === 'pagination_refused'
        ? `GitHub API ${endpoint}: the next-page link points to another origin; refusing to send the token there`
        : cause_ === 'deadline'
          ? `GitHub API ${endpoint}: no time left in the run's alert deadline`
          : `GitHub API ${endpoint} answered ${status ? `HTTP ${status}` : 'nothing (network failure)'}` +
            (cause_ === 'rate_limit' || cause_ === 'secondary_rate_limit' ? ` (${cause_.replace(/_/g, ' ')})` : '') +
            (attempts > 1 ? ` after ${attempts} attempts` : ''),
    );
    this.name = 'GitHubApiError';
  }

  /** The reason token of a status line: `github_403`, `github_429`, `github_network`, `github_pagination_refused`. */
  get reason(): string {
    if (this.cause_ === 'pagination_refused') return 'github_pagination_refused';
    if (this.cause_ === 'deadline') return 'github_deadline';
    return this.status ? `github_${this.status}` : 'github_network';
  }
}

/** A sentence telling the user what to do about a failed GitHub call. */
export function githubRemediation(e: GitHubApiError): string {
  switch (e.cause_) {
    case 'permission':
      return (
        'GitHub refused the call (HTTP 403 without any rate-limit signal): the token lacks a permission. ' +
        'Give the ops_daily job `permissions: { issues: write }` (and `contents: read`), ' +
        'or pass a token that may write issues.'
      );
    case 'rate_limit':
      return (
        `GitHub's primary rate limit for this token is used up${e.resetAt ? ` until ${e.resetAt}` : ''}; ` +
        'this is not a permission problem. The alert is retried on the next run; ' +
        'reduce other API use with the same token or schedule ops_daily away from busy jobs.'
      );
    case 'secondary_rate_limit':
      return (
        "GitHub's secondary rate limit (too many requests at once or content created too fast) was hit " +
        "and did not clear within the run's deadline; this is not a permission problem. " +
        'The alert is retried on the next run.'
      );
    case 'auth':
      return (
        'GitHub rejected the token (HTTP 401): pass a valid token (`github_token` input, ' +
        "default the job's GITHUB_TOKEN)."
      );
    case 'server':
    case 'network':
    case 'deadline':
      return (
        'GitHub did not answer successfully within the deadline (server error or network failure, ' +
        'retried with backoff); ' +
        'the alert is retried on the next run. Check https://www.githubstatus.com.'
      );
    case 'pagination_refused':
      return (
        'GitHub answered a listing with a next-page link to another origin; the token is never sent elsewhere. ' +
        'Check GITHUB_API_URL (GHES: https://<host>/api/v3).'
      );
    case 'not_found':
      return 'GitHub answered 404: check GITHUB_REPOSITORY and that the token can see the repository (issues enabled).';
    default:
      return `GitHub refused the request (HTTP ${e.status}); see the warning above for the endpoint.`;
  }
}

/** Retry-After (seconds or an HTTP date) in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

interface Classified {
  cause: GitHubFailureCause;
  retryable: boolean;
  /** how long GitHub asked us to wait (ms), when it said */
  waitMs: number | null;
  resetAt: string | null;
}

/** Classifies a non-2xx answer from its status, headers and (already read) body text. */
function classify(status: number, headers: Headers, bodyText: string, now: number): Classified {
  const retryAfter = retryAfterMs(headers.get('retry-after'), now);
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = Number(headers.get('x-ratelimit-reset'));
  const resetMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : null;
  const secondaryText = /secondary rate limit|abuse detection/i.test(bodyText);
  if (status === 429 || status === 403) {
    if (retryAfter !== null || secondaryText)
      return { cause: 'secondary_rate_limit', retryable: true, waitMs: retryAfter ?? 60_000, resetAt: null };
    if (remaining === '0')
      return {
        cause: 'rate_limit',
        retryable: true,
        waitMs: resetMs !== null ? Math.max(0, resetMs - now) + 1000 : null,
        resetAt: resetMs !== null ? new Date(resetMs).toISOString() : null,
      };
    if (status === 429) return { cause: 'secondary_rate_limit', retryable: true, waitMs: 60_000, resetAt: null };
    return { cause: 'permission', retryable: false, waitMs: null, resetAt: null };
  }
  if (status === 401) return { cause: 'auth', retryable: false, waitMs: null, resetAt: null };
  if (status === 404 || status === 410) return { cause: 'not_found', retryable: false, waitMs: null, resetAt: null };
  if (status >= 500) return { cause: 'server', retryable: true, waitMs: retryAfter, resetAt: null };
  return { cause: 'client', retryable: false, waitMs: null, resetAt: null };
}

export interface RetryOptions {
  deadline: Deadline;
  /** total attempts per call (>= 1) */
  attempts: number;
  /** first backoff (doubles, capped at maxBackoffMs) for 5xx/network */
  baseDelayMs: number;
  maxBackoffMs: number;
  /** called before each wait (for a progress line: "GitHub 502, retrying in 2 s") */
  onRetry?: (info: {
    endpoint: string;
    status: number;
    cause: GitHubFailureCause;
    waitMs: number;
    attempt: number;
  }) => void;
}

/**
 * Sends `send()` until it answers 2xx, retrying what is transient within the deadline.
 * Returns the successful Response; throws GitHubApiError otherwise.
 */
export async function withRetry(
  endpoint: string,
  send: (signal: AbortSignal) => Promise<Response>,
  opts: RetryOptions,
  timeoutMs: number,
): Promise<Response> {
  let backoff = opts.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let c: Classified;
    if (opts.deadline.remaining() <= 0) throw new GitHubApiError(0, endpoint, 'deadline', attempt - 1);
    try {
      const res = await send(AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, opts.deadline.remaining()))));
      if (res.ok) return res;
      status = res.status;
      const text = await res.text().catch(() => '');
      c = classify(status, res.headers, text, opts.deadline.clock.now());
    } catch (e) {
      if (e instanceof GitHubApiError) throw e;
      c = { cause: 'network', retryable: true, waitMs: null, resetAt: null };
    }
    const fail = () => new GitHubApiError(status, endpoint, c.cause, attempt, c.resetAt);
    if (!c.retryable || attempt >= opts.attempts) throw fail();
    const waitMs = c.waitMs ?? backoff;
    backoff = Math.min(opts.maxBackoffMs, backoff * 2);
    if (waitMs >= opts.deadline.remaining()) throw fail(); // a wait must leave time for the call itself
    opts.onRetry?.({ endpoint, status, cause: c.cause, waitMs, attempt });
    await opts.deadline.wait(waitMs);
  }
}
