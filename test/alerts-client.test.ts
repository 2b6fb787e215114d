/**
 * The alert issues go through the one GitHub client (lib/github/client.ts: @actions/github's
 * Octokit) with retry.ts's semantics, against the OpenAPI-checked fake GitHub API. What is proved
 * here is what the lifecycle tests cannot see: the requests are Octokit's (its auth form and user
 * agent, our media type and API version), the classified GitHubApiError comes out of Octokit's
 * RequestError, and a refused origin never reaches the network.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { startGitHubApi, type FakeGitHub } from './harness/github-api.js';
import { virtualClock } from './ops-fixtures.js';
import { restIssuesApi } from '../lib/ops/alerts/github-issues.js';
import { Deadline, GitHubApiError } from '../lib/github/retry.js';

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startGitHubApi();
});
afterEach(() => {
  expect(gh.violations).toEqual([]);
  gh.reset();
});
afterAll(() => gh.close());

/** A fetch that records what it is asked to send, then sends it. */
function recordingFetch() {
  const sent: Array<{ url: string; headers: Record<string, string>; redirect: string | undefined }> = [];
  const f = (url: string, init: RequestInit) => {
    sent.push({ url, headers: { ...(init.headers as Record<string, string>) }, redirect: init.redirect });
    return fetch(url, init);
  };
  return { sent, fetch: f };
}

describe('alert issues on the one GitHub client', () => {
  test("requests are Octokit's: token auth, Octokit's user agent, our media type and API version, no redirects", async () => {
    const rec = recordingFetch();
    const api = restIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: gh.token, fetch: rec.fetch });
    const issue = await api.createIssue({ title: 't', body: 'b', labels: ['paas-alert'] });
    await api.createComment(issue.number, 'c');
    await api.addLabels(issue.number, ['acknowledged']);
    await api.closeIssue(issue.number);
    expect(gh.issues.get(issue.number)).toMatchObject({ state: 'closed', labels: ['paas-alert', 'acknowledged'] });
    expect(rec.sent).toHaveLength(4);
    for (const s of rec.sent) {
      expect(s.headers.authorization).toBe(`token ${gh.token}`);
      expect(s.headers['user-agent']).toMatch(/octokit-core\.js/);
      expect(s.headers.accept).toBe('application/vnd.github+json');
      expect(s.headers['x-github-api-version']).toBe('2022-11-28');
      expect(s.redirect).toBe('error');
    }
  });

  test("a plain 403 comes out of Octokit's RequestError as GitHubApiError cause=permission, not retried", async () => {
    const rec = recordingFetch();
    gh.fail({ status: 403, kind: 'permission', match: 'post /repos/{owner}/{repo}/issues' });
    const api = restIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: gh.token, fetch: rec.fetch });
    const e = await api.createIssue({ title: 't', body: 'b' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GitHubApiError);
    expect((e as GitHubApiError).cause_).toBe('permission');
    expect((e as GitHubApiError).reason).toBe('github_403');
    expect((e as GitHubApiError).endpoint).toBe('POST /repos/{owner}/{repo}/issues');
    expect(rec.sent).toHaveLength(1);
  });

  test('429 with Retry-After waits on the clock and is retried by the same call; pages are followed', async () => {
    gh.seed(150, 20);
    const clock = virtualClock();
    gh.fail({ status: 429, kind: 'retry_after', seconds: 7, match: 'get /repos/{owner}/{repo}/issues', page: 2 });
    const retries: string[] = [];
    const api = restIssuesApi({
      apiUrl: gh.url,
      repository: gh.repository,
      token: gh.token,
      deadline: new Deadline(clock, 180_000),
      onRetry: (i) => retries.push(`${i.endpoint} ${i.status} ${i.cause} ${i.waitMs}`),
    });
    const issues = await api.listOpenIssues();
    expect(issues).toHaveLength(150);
    expect(retries).toEqual(['GET /repos/{owner}/{repo}/issues 429 secondary_rate_limit 7000']);
    expect(clock.sleeps).toEqual([7000]);
  });

  test('a next-page link to another origin is refused before anything is sent there', async () => {
    gh.seed(150, 0);
    gh.foreignNextLink = true;
    const rec = recordingFetch();
    const api = restIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: gh.token, fetch: rec.fetch });
    const e = await api.listOpenIssues().catch((x: unknown) => x);
    expect((e as GitHubApiError).reason).toBe('github_pagination_refused');
    expect(rec.sent.map((s) => new URL(s.url).origin)).toEqual([gh.url]);
  });

  test('a missing issue is null (404), not an error', async () => {
    const api = restIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: gh.token });
    await expect(api.getIssue(4242)).resolves.toBeNull();
  });
});
