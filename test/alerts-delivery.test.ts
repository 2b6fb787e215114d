/**
 * Honest alert delivery against the OpenAPI-checked GitHub server made to fail on demand, and the
 * Slack receiver: every `ops_alert` line and summary row says what happened (defect 2), transient
 * GitHub errors are retried within the deadline with GitHub's own signals (5xx, 429 Retry-After,
 * primary limit reset, secondary limit) and a rate limit is told apart from a missing permission
 * (defect 3), overlapping runs keep one issue (defect 7), Slack Retry-After is honoured within the
 * deadline (defect 8), missed schedules and schedule inactivity alert or warn (defect 4), and the
 * issue body is enough to act on (defect 5). Time is a virtual clock: nothing waits real seconds.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { ContextStore } from '../lib/isolation/store.js';
import { alertMarker } from '../lib/ops/alerts/lifecycle.js';
import { LAST_RUN_KEY } from '../lib/ops/ops_daily/run.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { startGitHubApi, type FakeGitHub } from './harness/github-api.js';
import type { HttpApp } from './harness/http-app.js';
import type { SlackReceiver } from './harness/slack.js';
import { useAlertServers } from './harness/alert-servers.js';
import { opsFixture, runOpsDirect, virtualClock, type OpsFixture } from './ops-fixtures.js';

let gh: FakeGitHub;
let slack: SlackReceiver;
let app: HttpApp;
const fixtures: OpsFixture[] = [];

const servers = useAlertServers(() => fixtures.forEach((f) => f.cleanup()));
beforeAll(() => {
  ({ gh, slack, app } = servers);
});

const YAML = 'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL }\n';
const env = (api: FakeGitHub = gh, runId = '777') => ({
  GITHUB_API_URL: api.url,
  GITHUB_REPOSITORY: api.repository,
  GITHUB_TOKEN: api.token,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: runId,
  GITHUB_EVENT_NAME: 'schedule',
});

async function fixture(yaml = YAML, withSlack = true): Promise<OpsFixture> {
  const f = await opsFixture({
    yaml,
    vault: { API_URL: app.url, ...(withSlack ? { SLACK_WEBHOOK_URL: slack.url } : {}) },
  });
  fixtures.push(f);
  return f;
}

const alertIssues = () => gh.openIssuesWith(alertMarker('internal-dogfood'));
const slackHeaders = () =>
  slack.payloads.map((p) => (p as { blocks: Array<{ text?: { text: string } }> }).blocks[0]?.text?.text ?? '');
const CREATE = 'post /repos/{owner}/{repo}/issues';
const LIST = 'get /repos/{owner}/{repo}/issues';

describe('defect 2: lines and summary say what happened to the delivery', () => {
  test.each([
    [
      '403 without rate-limit signals (no issues: write)',
      { status: 403, kind: 'permission' as const },
      'ops_alert status=failed reason=github_403 cause=permission slack=sent',
      /issues: write/,
    ],
    [
      '401 bad credentials',
      { status: 401 },
      'ops_alert status=failed reason=github_401 cause=auth slack=sent',
      /rejected the token/,
    ],
    [
      '500 on every attempt',
      { status: 500, count: 10 },
      'ops_alert status=failed reason=github_500 cause=server slack=sent',
      /did not answer successfully/,
    ],
    [
      '429 past the deadline (Retry-After one hour)',
      { status: 429, kind: 'retry_after' as const, seconds: 3600 },
      'ops_alert status=failed reason=github_429 cause=secondary_rate_limit slack=sent',
      /secondary rate limit.*not a permission problem/,
    ],
  ])('create answers %s: status=failed with the reason, never "opened"', async (_name, spec, line, remediation) => {
    const f = await fixture();
    app.status = 503;
    gh.fail({ ...spec, match: CREATE });
    const r = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(r.lines.at(-2)).toBe(line);
    expect(r.code).toBe(2); // delivery failures never change the verdict's exit code
    expect(alertIssues()).toHaveLength(0);
    expect(r.summary).toMatch(new RegExp(`\\| failed \\|  \\| sent \\| ${line.match(/reason=(\S+)/)![1]} \\|`));
    expect(r.summary).toMatch(remediation);
    expect(r.logs.join('\n')).toMatch(remediation);
    expect((r.envelope.fields.alert as { action: string; remediation: string }).remediation).toMatch(remediation);
  });

  test('a listing page refused (403 on page 2 of 3): failed, nothing created on a partial view', async () => {
    gh.seed(250, 0);
    const f = await fixture(YAML, false);
    app.status = 503;
    gh.fail({ status: 403, kind: 'permission', match: LIST, page: 2 });
    const r = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(r.lines.at(-2)).toBe('ops_alert status=failed reason=github_403 cause=permission slack=not_configured');
    expect(gh.requests.filter((q) => q.method === 'POST')).toHaveLength(0);
  });

  test('a next-page link to another origin is refused: failed reason=github_pagination_refused, the token goes nowhere else', async () => {
    gh.seed(150, 0);
    gh.foreignNextLink = true;
    const f = await fixture(YAML, false);
    app.status = 503;
    const r = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(r.lines.at(-2)).toBe(
      'ops_alert status=failed reason=github_pagination_refused cause=pagination_refused slack=not_configured',
    );
    expect(r.logs.join('\n')).toMatch(/GITHUB_API_URL/);
    expect(alertIssues()).toHaveLength(0);
  });

  test('recovery whose close fails: status=failed (the issue stays open), the next healthy run closes it', async () => {
    const f = await fixture();
    app.status = 503;
    const clock = virtualClock();
    expect((await runOpsDirect(f, { env: env(), clock })).lines.at(-2)).toBe(
      'ops_alert status=opened issue=1 slack=sent',
    );
    app.status = 200;
    gh.fail({ status: 502, count: 10, match: 'patch /repos/{owner}/{repo}/issues/{issue_number}' });
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=failed reason=github_502 cause=server issue=1 slack=not_needed');
    expect(gh.issues.get(1)!.state).toBe('open');
    gh.reset();
    gh.addIssue({ title: 'ops_daily strict unhealthy', body: `${alertMarker('internal-dogfood')}\n` }); // #1 again on the reset server
    const next = await runOpsDirect(f, { env: env(), clock });
    expect(next.lines.at(-2)).toBe('ops_alert status=closed issue=1 slack=sent');
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily recovered: internal-dogfood',
    ]);
  });
});

describe('defect 3: retries within the deadline, honouring GitHub signals', () => {
  test('one 502 on a listing page and one 500 on create: retried with backoff, one issue, one Slack "opened"', async () => {
    gh.seed(150, 0);
    const f = await fixture();
    app.status = 503;
    gh.fail({ status: 502, match: LIST, page: 2 });
    gh.fail({ status: 500, match: CREATE });
    const clock = virtualClock();
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toMatch(/^ops_alert status=opened issue=\d+ slack=sent$/);
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(alertIssues()).toHaveLength(1);
    expect(r.logs.join('\n')).toMatch(
      /GitHub GET \/repos\/\{owner\}\/\{repo\}\/issues answered HTTP 502 \(server\): retry 1 in 1 s/,
    );
    // the next run comments; Slack says "still failing", never a second "opened"
    const r2 = await runOpsDirect(f, { env: env(), clock });
    expect(r2.lines.at(-2)).toMatch(/^ops_alert status=commented issue=\d+ slack=sent$/);
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily strict unhealthy (still failing): internal-dogfood',
    ]);
  });

  test('429 with Retry-After: 30 waits 30 s on the clock, then succeeds', async () => {
    const f = await fixture(YAML, false);
    app.status = 503;
    const clock = virtualClock();
    gh.fail({ status: 429, kind: 'retry_after', seconds: 30, match: CREATE });
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=not_configured');
    expect(clock.sleeps).toEqual([30_000]);
  });

  test('primary rate limit (403, x-ratelimit-remaining: 0, reset in 90 s): waits until the reset, not a permission error', async () => {
    const f = await fixture(YAML, false);
    app.status = 503;
    const clock = virtualClock();
    gh.fail({ status: 403, kind: 'primary_rate_limit', seconds: 90, match: CREATE, now: clock.now });
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=not_configured');
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(90_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(92_000);
  });

  test('secondary rate limit named only in the message (403): waits 60 s, then succeeds', async () => {
    const f = await fixture(YAML, false);
    app.status = 503;
    const clock = virtualClock();
    gh.fail({ status: 403, kind: 'secondary_message', match: CREATE });
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=not_configured');
    expect(clock.sleeps).toEqual([60_000]);
  });

  test('primary limit resetting after the deadline: no wait at all, failed cause=rate_limit with the reset time', async () => {
    const f = await fixture(YAML, false);
    app.status = 503;
    const clock = virtualClock();
    gh.fail({ status: 403, kind: 'primary_rate_limit', seconds: 3600, match: LIST, now: clock.now });
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=failed reason=github_403 cause=rate_limit slack=not_configured');
    expect(clock.sleeps).toEqual([]);
    const remediation = (r.envelope.fields.alert as { remediation: string }).remediation;
    expect(remediation).toMatch(/primary rate limit.*until \d{4}-\d\d-\d\dT.*not a permission problem/);
    expect(remediation).not.toMatch(/issues: write/);
  });

  test('the deadline bounds the total: 5xx forever stops when the next backoff no longer fits', async () => {
    const f = await fixture(YAML, false);
    app.status = 503;
    const clock = virtualClock();
    gh.fail({ status: 503, count: 1000 });
    const r = await runOpsDirect(f, { env: env(), clock, deps: { alertDeadlineMs: 10_000 } });
    expect(r.lines.at(-2)).toBe('ops_alert status=failed reason=github_503 cause=server slack=not_configured');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });
});

describe('defect 7: overlapping runs keep one issue', () => {
  test('two concurrent runs (separate runners, slow listing) open one issue; the newer is closed as a duplicate', async () => {
    const slow = await startGitHubApi({ latencyMs: 150 });
    try {
      const a = await fixture();
      const b = await fixture();
      app.status = 503;
      const [ra, rb] = await Promise.all([
        runOpsDirect(a, { env: env(slow, '1') }),
        runOpsDirect(b, { env: env(slow, '2') }),
      ]);
      const created = [...slow.issues.values()].filter((i) => i.body.includes(alertMarker('internal-dogfood')));
      expect(created).toHaveLength(2); // both listed before either created: the race is real
      const open = created.filter((i) => i.state === 'open');
      expect(open).toHaveLength(1);
      const dup = created.find((i) => i.state === 'closed')!;
      expect(dup.state_reason).toBe('duplicate');
      expect(dup.number).toBeGreaterThan(open[0]!.number);
      expect(dup.comments[0]).toBe(
        `Duplicate of #${open[0]!.number}: another ops_daily run opened that alert first (overlapping runs). Closing this one.`,
      );
      expect([ra.lines.at(-2), rb.lines.at(-2)].sort()).toEqual(
        [
          `ops_alert status=commented issue=${open[0]!.number} slack=not_needed`,
          `ops_alert status=opened issue=${open[0]!.number} slack=sent`,
        ].sort(),
      );
      expect(slackHeaders()).toEqual(['ops_daily strict unhealthy: internal-dogfood']);
      expect(slow.violations).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

describe('defect 8: Slack Retry-After is honoured within the deadline', () => {
  test('Retry-After: 45 (above the old 10 s cap) is waited in full', async () => {
    const f = await fixture();
    app.status = 503;
    slack.script([{ status: 429, retryAfter: 45 }]);
    const clock = virtualClock();
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(clock.sleeps).toEqual([45_000]);
  });

  test('Retry-After longer than what is left of the deadline: not waited, slack=failed reason=slack_deadline', async () => {
    const f = await fixture();
    app.status = 503;
    slack.script([{ status: 429, retryAfter: 900 }]);
    const clock = virtualClock();
    const r = await runOpsDirect(f, { env: env(), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=opened reason=slack_deadline issue=1 slack=failed');
    expect(clock.sleeps).toEqual([]);
    expect(slack.attempts).toBe(1);
    // the next run retries "opened" (Slack never got it)
    const r2 = await runOpsDirect(f, { env: env(), clock });
    expect(r2.lines.at(-2)).toBe('ops_alert status=commented issue=1 slack=sent');
    expect(slackHeaders()).toEqual(['ops_daily strict unhealthy: internal-dogfood']);
  });
});

describe('defect 4: missed schedules alert; inactivity is warned ahead', () => {
  test('a missed schedule opens the alert issue and notifies Slack even when the checks are healthy', async () => {
    const f = await fixture(
      'version: 1\nops:\n  expected_interval: 26h\n  checks:\n    - name: api\n      http: { url: API_URL }\n',
    );
    const st = new ContextStore(guardStateRoot(f.stateRoot, {})).openState(f.context, new Redactor());
    st.scoped.set(LAST_RUN_KEY, new Date(Date.now() - 50 * 3_600_000).toISOString());
    st.close();
    const r = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(r.code).toBe(0);
    expect(r.lines).toContain('ops_schedule status=missed age_hours=50 expected_hours=26');
    expect(r.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(alertIssues()[0]!.body).toMatch(/a scheduled run was missed/);
    expect(alertIssues()[0]!.body).toMatch(/previous run was 50 h ago, expected every 26 h/);
    expect(slackHeaders()).toEqual(['ops_daily strict unhealthy: internal-dogfood']);
    // on schedule again: recovered and closed
    const next = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(next.lines.at(-2)).toBe('ops_alert status=closed issue=1 slack=sent');
  });

  test('GitHub is about to disable the schedule (public repository, last push 50 days ago): warned with the days left', async () => {
    const f = await fixture(YAML, false);
    gh.repository_info.pushed_at = new Date(Date.now() - 50 * 86_400_000).toISOString();
    const r = await runOpsDirect(f, { env: env(), clock: virtualClock() });
    expect(r.lines).toContain('ops_schedule status=disable_soon days=10');
    expect(r.summary).toMatch(/disables this scheduled workflow in 10 day\(s\)/);
    expect(r.envelope.fields.schedule_disable_in_days).toBe(10);
    expect(gh.requests.some((q) => q.method === 'GET' && q.template === '/repos/{owner}/{repo}')).toBe(true);

    gh.repository_info.pushed_at = new Date(Date.now() - 20 * 86_400_000).toISOString();
    expect(
      (await runOpsDirect(f, { env: env(), clock: virtualClock() })).lines.some((l) => l.startsWith('ops_schedule')),
    ).toBe(false);
    gh.repository_info.pushed_at = new Date(Date.now() - 59 * 86_400_000).toISOString();
    gh.repository_info.private = true; // GitHub disables schedules for inactivity in public repositories only
    expect(
      (await runOpsDirect(f, { env: env(), clock: virtualClock() })).lines.some((l) => l.startsWith('ops_schedule')),
    ).toBe(false);
  });
});

describe('defect 5: an issue body to act on', () => {
  test('first failing run, remediation (as printed), runbook links (context default, per check), run link; summary links the issue', async () => {
    const f = await fixture(
      'version: 1\nops:\n  checks:\n    - name: api\n      runbook: https://wiki.example.test/runbooks/api\n      http: { url: API_URL }\n    - name: web\n      http: { url: WEB_URL, body_contains: ready }\n',
    );
    f.writeVault({ API_URL: app.url, WEB_URL: app.url, SLACK_WEBHOOK_URL: slack.url });
    app.status = 503;
    const clock = virtualClock();
    const r1 = await runOpsDirect(f, { env: env(gh, '101'), clock });
    const issue = alertIssues()[0]!;
    const since = new Date(clock.now()).toISOString();
    expect(issue.body).toContain(
      `**Failing since** ${since} (first failing run: https://github.com/acme/shop/actions/runs/101)`,
    );
    const printed = r1.logs.filter((l) => l.startsWith('fix (')).map((l) => l.replace(/^fix \(([^)]+)\): /, '$1|'));
    expect(printed).toHaveLength(2);
    for (const p of printed) {
      const [check, text] = p.split('|') as [string, string];
      expect(issue.body).toContain(`**${check}** (\`http_503\`): ${text}`);
    }
    expect(issue.body).toContain('Runbook: https://wiki.example.test/runbooks/api');
    expect(issue.body).toContain('Runbook: https://github.com/acme/shop/blob/HEAD/docs/runbook.md');
    expect(issue.body).toContain('Run: https://github.com/acme/shop/actions/runs/101');
    expect(r1.summary).toContain('[#1](https://github.com/acme/shop/issues/1)');
    expect(r1.summary).toContain('Alert issue: https://github.com/acme/shop/issues/1');

    // a later run on a fresh runner (no state at all) still knows when it started: from the issue's marker
    const fresh = await fixture();
    clock.advance(86_400_000);
    await runOpsDirect(fresh, { env: env(gh, '102'), clock });
    expect(issue.comments.at(-1)).toContain(`failing since ${since}`);
    expect(issue.comments.at(-1)).toContain('Run: https://github.com/acme/shop/actions/runs/102');
  });

  test("a context runbook in paas.yml replaces the default; a repository path is linked at the run's commit", async () => {
    const f = await fixture(`${YAML}contexts:\n  internal-dogfood:\n    runbook: ops/runbooks/dogfood.md\n`);
    app.status = 503;
    const sha = 'a'.repeat(40);
    await runOpsDirect(f, { env: { ...env(), GITHUB_SHA: sha }, clock: virtualClock() });
    expect(alertIssues()[0]!.body).toContain(
      `Runbook: https://github.com/acme/shop/blob/${sha}/ops/runbooks/dogfood.md`,
    );
  });
});
