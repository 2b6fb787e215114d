/**
 * The small GitHubApi port ops_daily alerts need (issues only), and its implementation over the
 * REST API with fetch. Every request is one documented endpoint (checked against GitHub's OpenAPI
 * description in the tests); listing follows `Link: rel="next"` through ALL pages and drops pull
 * requests (the issues endpoint returns both). The token is sent to the configured API origin only.
 */

import { Deadline, GitHubApiError, systemClock, withRetry, type Clock, type RetryOptions } from '../../github/retry.js';

export { GitHubApiError };

export interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  html_url: string;
  created_at: string;
}

/** What ops_daily reads about the repository (scheduled workflows are disabled after 60 days without activity). */
export interface RepositoryInfo {
  private: boolean;
  /** last push (ISO), null when unknown */
  pushed_at: string | null;
  archived: boolean;
}

export interface GitHubIssuesApi {
  /** every open issue of the repository, all pages, pull requests excluded */
  listOpenIssues(): Promise<Issue[]>;
  /** null when the issue does not exist (or is a pull request) */
  getIssue(issueNumber: number): Promise<Issue | null>;
  createIssue(input: { title: string; body: string; labels?: string[] }): Promise<Issue>;
  createComment(issueNumber: number, body: string): Promise<void>;
  closeIssue(issueNumber: number, reason?: 'completed' | 'duplicate'): Promise<void>;
  /** replaces the body (the hidden marker carries the alert's counters) */
  updateBody?(issueNumber: number, body: string): Promise<void>;
  addLabels(issueNumber: number, labels: string[]): Promise<void>;
  getRepository?(): Promise<RepositoryInfo>;
}

export interface RestIssuesOptions {
  /** GITHUB_API_URL, e.g. https://api.github.com (GHES: https://host/api/v3) */
  apiUrl: string;
  /** owner/repo (GITHUB_REPOSITORY) */
  repository: string;
  token: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** at most this many pages are read (100 issues each) */
  maxPages?: number;
  /** per request */
  timeoutMs?: number;
  /** time for every call of this client together, retries included (default 3 minutes) */
  deadline?: Deadline;
  clock?: Clock;
  /** attempts per call (default 5) */
  attempts?: number;
  baseDelayMs?: number;
  onRetry?: RetryOptions['onRetry'];
}

const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export function isRepository(s: string | undefined): s is string {
  return typeof s === 'string' && REPO_RE.test(s);
}

interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  labels?: Array<string | { name?: string }>;
  html_url?: string;
  created_at?: string;
  pull_request?: unknown;
}

function toIssue(r: RawIssue): Issue {
  return {
    number: r.number,
    title: r.title,
    body: r.body ?? '',
    state: r.state === 'closed' ? 'closed' : 'open',
    labels: (r.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    html_url: r.html_url ?? '',
    created_at: r.created_at ?? '',
  };
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (m) return m[1] as string;
  }
  return null;
}

export function restIssuesApi(opts: RestIssuesOptions): GitHubIssuesApi {
  if (!isRepository(opts.repository)) throw new Error('GITHUB_REPOSITORY is not owner/repo');
  const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
  const [owner, repo] = opts.repository.split('/') as [string, string];
  const repoPath = `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const fetchFn = opts.fetch ?? fetch;
  const maxPages = opts.maxPages ?? 100;

  const deadline = opts.deadline ?? new Deadline(opts.clock ?? systemClock, 180_000);
  const retry: RetryOptions = {
    deadline,
    attempts: opts.attempts ?? 5,
    baseDelayMs: opts.baseDelayMs ?? 1000,
    maxBackoffMs: 30_000,
    onRetry: opts.onRetry,
  };

  async function call(method: string, url: URL, endpoint: string, body?: unknown): Promise<Response> {
    if (url.origin !== base.origin) throw new GitHubApiError(0, endpoint, 'pagination_refused');
    return withRetry(
      endpoint,
      (signal) =>
        fetchFn(url.href, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${opts.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'paas-actions',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'error',
          signal,
        }),
      retry,
      opts.timeoutMs ?? 30_000,
    );
  }
  const url = (path: string) => new URL(path, base);

  return {
    async listOpenIssues() {
      const out: Issue[] = [];
      let next: URL | null = url(`${repoPath}/issues?state=open&per_page=100`);
      for (let page = 0; next && page < maxPages; page++) {
        const res = await call('GET', next, 'GET /repos/{owner}/{repo}/issues');
        const items = (await res.json()) as RawIssue[];
        for (const r of items) if (!r.pull_request) out.push(toIssue(r));
        const link = nextLink(res.headers.get('link'));
        next = link ? new URL(link, base) : null;
      }
      return out;
    },
    async getIssue(n) {
      try {
        const res = await call(
          'GET',
          url(`${repoPath}/issues/${n}`),
          'GET /repos/{owner}/{repo}/issues/{issue_number}',
        );
        const r = (await res.json()) as RawIssue;
        return r.pull_request ? null : toIssue(r);
      } catch (e) {
        if (e instanceof GitHubApiError && e.cause_ === 'not_found') return null;
        throw e;
      }
    },
    async createIssue(input) {
      const res = await call('POST', url(`${repoPath}/issues`), 'POST /repos/{owner}/{repo}/issues', {
        title: input.title,
        body: input.body,
        ...(input.labels?.length ? { labels: input.labels } : {}),
      });
      return toIssue((await res.json()) as RawIssue);
    },
    async createComment(n, body) {
      const res = await call(
        'POST',
        url(`${repoPath}/issues/${n}/comments`),
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { body },
      );
      await res.body?.cancel().catch(() => undefined);
    },
    async closeIssue(n, reason = 'completed') {
      const res = await call(
        'PATCH',
        url(`${repoPath}/issues/${n}`),
        'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
        { state: 'closed', state_reason: reason },
      );
      await res.body?.cancel().catch(() => undefined);
    },
    async updateBody(n, body) {
      const res = await call(
        'PATCH',
        url(`${repoPath}/issues/${n}`),
        'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
        { body },
      );
      await res.body?.cancel().catch(() => undefined);
    },
    async getRepository() {
      const res = await call('GET', url(repoPath), 'GET /repos/{owner}/{repo}');
      const r = (await res.json()) as { private?: boolean; pushed_at?: string | null; archived?: boolean };
      return { private: r.private === true, pushed_at: r.pushed_at ?? null, archived: r.archived === true };
    },
    async addLabels(n, labels) {
      const res = await call(
        'POST',
        url(`${repoPath}/issues/${n}/labels`),
        'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
        { labels },
      );
      await res.body?.cancel().catch(() => undefined);
    },
  };
}
