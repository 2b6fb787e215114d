/**
 * The small GitHubApi port ops_daily alerts need (issues only), and its implementation on the one
 * GitHub client (lib/github/client.ts: @actions/github's Octokit), every call through
 * `retryingFetch` (retries within the run's deadline, GitHub's rate-limit signals). Every request is
 * one documented endpoint (checked against GitHub's OpenAPI description in the tests); listing
 * follows `Link: rel="next"` through ALL pages and drops pull requests (the issues endpoint returns
 * both). The token is sent to the configured API origin only.
 */

import {
  githubClient,
  GITHUB_HEADERS,
  retryingFetch,
  unwrapGitHubError,
  type FetchLike,
  type GitHubClient,
} from '../../github/client.js';
import { Deadline, GitHubApiError, systemClock, type Clock, type RetryOptions } from '../../github/retry.js';

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
interface RepositoryInfo {
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

interface RestIssuesOptions {
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

/** One repository's issues on a client, each call retried within one deadline. */
interface IssuesClient {
  gh: GitHubClient;
  owner: string;
  repo: string;
  maxPages: number;
  /** runs one Octokit call with a retrying `request.fetch` for `endpoint`; throws GitHubApiError */
  call<T>(endpoint: string, send: (request: { fetch: FetchLike }) => Promise<T>): Promise<T>;
}

function issuesClient(opts: RestIssuesOptions): IssuesClient {
  if (!isRepository(opts.repository)) throw new Error('GITHUB_REPOSITORY is not owner/repo');
  const apiUrl = opts.apiUrl.replace(/\/+$/, '');
  const origin = new URL(apiUrl + '/').origin;
  const [owner, repo] = opts.repository.split('/') as [string, string];
  const fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const retry: RetryOptions = {
    deadline: opts.deadline ?? new Deadline(opts.clock ?? systemClock, 180_000),
    attempts: opts.attempts ?? 5,
    baseDelayMs: opts.baseDelayMs ?? 1000,
    maxBackoffMs: 30_000,
    onRetry: opts.onRetry,
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    gh: githubClient(opts.token, apiUrl),
    owner,
    repo,
    maxPages: opts.maxPages ?? 100,
    async call(endpoint, send) {
      try {
        return await send({ fetch: retryingFetch({ origin, endpoint, retry, timeoutMs, fetch: fetchFn }) });
      } catch (e) {
        throw unwrapGitHubError(e);
      }
    },
  };
}

const LIST = 'GET /repos/{owner}/{repo}/issues';
const ISSUE = '/repos/{owner}/{repo}/issues/{issue_number}';

/** Every open issue, all pages (at most `maxPages`), following the Link header; pull requests dropped. */
async function listOpenIssues(c: IssuesClient): Promise<Issue[]> {
  const out: Issue[] = [];
  let next: string | null = null;
  for (let page = 0; page < c.maxPages && (page === 0 || next); page++) {
    const res = await c.call(LIST, (request) =>
      next
        ? c.gh.request(`GET ${next}`, { headers: GITHUB_HEADERS, request })
        : c.gh.rest.issues.listForRepo({
            owner: c.owner,
            repo: c.repo,
            state: 'open',
            per_page: 100,
            headers: GITHUB_HEADERS,
            request,
          }),
    );
    for (const r of res.data as RawIssue[]) if (!r.pull_request) out.push(toIssue(r));
    next = nextLink((res.headers as { link?: string }).link ?? null);
  }
  return out;
}

async function getIssue(c: IssuesClient, n: number): Promise<Issue | null> {
  try {
    const res = await c.call(`GET ${ISSUE}`, (request) =>
      c.gh.rest.issues.get({ owner: c.owner, repo: c.repo, issue_number: n, headers: GITHUB_HEADERS, request }),
    );
    const r = res.data as RawIssue;
    return r.pull_request ? null : toIssue(r);
  } catch (e) {
    if (e instanceof GitHubApiError && e.cause_ === 'not_found') return null;
    throw e;
  }
}

async function createIssue(c: IssuesClient, input: { title: string; body: string; labels?: string[] }): Promise<Issue> {
  const res = await c.call('POST /repos/{owner}/{repo}/issues', (request) =>
    c.gh.rest.issues.create({
      owner: c.owner,
      repo: c.repo,
      title: input.title,
      body: input.body,
      ...(input.labels?.length ? { labels: input.labels } : {}),
      headers: GITHUB_HEADERS,
      request,
    }),
  );
  return toIssue(res.data as RawIssue);
}

/** PATCH of one issue: closing it, or replacing its body. */
async function updateIssue(
  c: IssuesClient,
  n: number,
  fields: { state: 'closed'; state_reason: 'completed' | 'duplicate' } | { body: string },
): Promise<void> {
  await c.call(`PATCH ${ISSUE}`, (request) =>
    c.gh.rest.issues.update({
      owner: c.owner,
      repo: c.repo,
      issue_number: n,
      ...fields,
      headers: GITHUB_HEADERS,
      request,
    }),
  );
}

async function getRepository(c: IssuesClient): Promise<RepositoryInfo> {
  const res = await c.call('GET /repos/{owner}/{repo}', (request) =>
    c.gh.rest.repos.get({ owner: c.owner, repo: c.repo, headers: GITHUB_HEADERS, request }),
  );
  const r = res.data as { private?: boolean; pushed_at?: string | null; archived?: boolean };
  return { private: r.private === true, pushed_at: r.pushed_at ?? null, archived: r.archived === true };
}

/** The issues API of `opts.repository` on the one GitHub client (Octokit), with retries within the deadline. */
export function restIssuesApi(opts: RestIssuesOptions): GitHubIssuesApi {
  const c = issuesClient(opts);
  const repo = { owner: c.owner, repo: c.repo, headers: GITHUB_HEADERS };
  return {
    listOpenIssues: () => listOpenIssues(c),
    getIssue: (n) => getIssue(c, n),
    createIssue: (input) => createIssue(c, input),
    async createComment(n, body) {
      await c.call(`POST ${ISSUE}/comments`, (request) =>
        c.gh.rest.issues.createComment({ ...repo, issue_number: n, body, request }),
      );
    },
    closeIssue: (n, reason = 'completed') => updateIssue(c, n, { state: 'closed', state_reason: reason }),
    updateBody: (n, body) => updateIssue(c, n, { body }),
    getRepository: () => getRepository(c),
    async addLabels(n, labels) {
      await c.call(`POST ${ISSUE}/labels`, (request) =>
        c.gh.rest.issues.addLabels({ ...repo, issue_number: n, labels, request }),
      );
    },
  };
}
