/**
 * Alerting a person can live with, driven across several simulated scheduled runs (a virtual clock
 * between them) against the OpenAPI-checked GitHub server and the Slack receiver:
 * failure/success thresholds whose counters live in the alert issue's hidden marker (so a runner
 * without any state cache still counts), maintenance windows, and deploy-aware silence.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertMarker, readMarkerState } from '../lib/ops/alerts/lifecycle.js';
import { activeWindow } from '../lib/ops/alerts/silence.js';
import type { FakeGitHub } from './harness/github-api.js';
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

const CHECKS = '  checks:\n    - name: api\n      http: { url: API_URL }\n';
const env = (runId: number) => ({
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_TOKEN: gh.token,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: String(runId),
  GITHUB_EVENT_NAME: 'schedule',
});
const DAY = 86_400_000;

async function fixture(yaml: string, vault: Record<string, string> = {}): Promise<OpsFixture> {
  const f = await opsFixture({ yaml, vault: { API_URL: app.url, SLACK_WEBHOOK_URL: slack.url, ...vault } });
  fixtures.push(f);
  return f;
}
const alertIssues = () => [...gh.issues.values()].filter((i) => i.body.includes(alertMarker('internal-dogfood')));
const slackHeaders = () =>
  slack.payloads.map((p) => (p as { blocks: Array<{ text?: { text: string } }> }).blocks[0]?.text?.text ?? '');

describe('failure_threshold / success_threshold across runs', () => {
  const YAML = `version: 1\nops:\n  alerting: { failure_threshold: 3, success_threshold: 2 }\n${CHECKS}`;

  test('pages on the 3rd failing run in a row, closes after 2 healthy runs; the healthy count survives a runner without state', async () => {
    const f = await fixture(YAML);
    const clock = virtualClock(Date.parse('2026-12-01T06:00:00Z'));
    const run = async (fx: OpsFixture, id: number) => {
      const r = await runOpsDirect(fx, { env: env(id), clock });
      clock.advance(DAY);
      return r;
    };
    app.status = 503;
    const r1 = await run(f, 1);
    expect(r1.lines.at(-2)).toBe('ops_alert status=pending count=1 threshold=3 slack=not_needed');
    expect(r1.summary).toContain('pending, 1 of 3 failing runs');
    expect((await run(f, 2)).lines.at(-2)).toBe('ops_alert status=pending count=2 threshold=3 slack=not_needed');
    expect(alertIssues()).toHaveLength(0);
    expect(slack.payloads).toHaveLength(0);

    const r3 = await run(f, 3);
    expect(r3.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');
    const issue = alertIssues()[0]!;
    expect(issue.body).toContain(
      '**Failing since** 2026-12-01T06:00:00.000Z (first failing run: https://github.com/acme/shop/actions/runs/1)',
    );
    expect(readMarkerState(issue.body)).toMatchObject({ since: '2026-12-01T06:00:00.000Z', fails: 3, oks: 0 });

    app.status = 200;
    const r4 = await run(f, 4);
    expect(r4.lines.at(-2)).toBe('ops_alert status=recovering count=1 threshold=2 issue=1 slack=not_needed');
    expect(r4.summary).toContain('recovering, 1 of 2 healthy runs');
    expect(issue.state).toBe('open');
    expect(readMarkerState(issue.body)).toMatchObject({ oks: 1 });

    // the next run lands on a fresh runner (no state cache at all): the marker carries the count
    const fresh = await fixture(YAML);
    const r5 = await run(fresh, 5);
    expect(r5.lines.at(-2)).toBe('ops_alert status=closed issue=1 slack=sent');
    expect(issue.state).toBe('closed');
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily recovered: internal-dogfood',
    ]);
  });

  test('a failing run during recovery starts the healthy count again; a healthy run before the threshold resets the failing count', async () => {
    const f = await fixture(YAML);
    const clock = virtualClock();
    const run = async (status: number) => {
      app.status = status;
      const r = await runOpsDirect(f, { env: env(9), clock });
      clock.advance(DAY);
      return r.lines.find((l) => l.startsWith('ops_alert')) ?? 'none';
    };
    expect(await run(503)).toBe('ops_alert status=pending count=1 threshold=3 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=pending count=2 threshold=3 slack=not_needed');
    expect(await run(200)).toBe('none'); // the streak is over
    expect(await run(503)).toBe('ops_alert status=pending count=1 threshold=3 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=pending count=2 threshold=3 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(await run(200)).toBe('ops_alert status=recovering count=1 threshold=2 issue=1 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=commented issue=1 slack=sent');
    expect(readMarkerState(gh.issues.get(1)!.body)).toMatchObject({ oks: 0 });
    expect(await run(200)).toBe('ops_alert status=recovering count=1 threshold=2 issue=1 slack=not_needed');
    expect(await run(200)).toBe('ops_alert status=closed issue=1 slack=sent');
    expect(alertIssues()).toHaveLength(1);
  });

  test('without GitHub (local alert only) the same thresholds apply', async () => {
    const f = await fixture(YAML);
    const clock = virtualClock();
    const run = async (status: number) => {
      app.status = status;
      const r = await runOpsDirect(f, { env: { GITHUB_EVENT_NAME: 'schedule' }, clock });
      return r.lines.find((l) => l.startsWith('ops_alert')) ?? 'none';
    };
    expect(await run(503)).toBe('ops_alert status=pending count=1 threshold=3 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=pending count=2 threshold=3 slack=not_needed');
    expect(await run(503)).toBe('ops_alert status=opened slack=sent');
    expect(await run(200)).toBe('ops_alert status=recovering count=1 threshold=2 slack=not_needed');
    expect(await run(200)).toBe('ops_alert status=closed slack=sent');
  });
});

describe('reminders: remind_every', () => {
  test('while failing and unacknowledged, Slack is reminded at most every 24h (the time kept in the marker); the issue gets every comment', async () => {
    const YAML = `version: 1\nops:\n  alerting: { remind_every: 24h }\n${CHECKS}`;
    const f = await fixture(YAML);
    const clock = virtualClock(Date.parse('2026-12-01T00:00:00Z'));
    app.status = 503;
    const run = async (fx: OpsFixture, hours: number) => {
      const r = await runOpsDirect(fx, { env: env(1), clock });
      clock.advance(hours * 3_600_000);
      return r.lines.find((l) => l.startsWith('ops_alert'));
    };
    expect(await run(f, 8)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(await run(f, 8)).toBe('ops_alert status=commented issue=1 slack=not_due');
    expect(await run(f, 8)).toBe('ops_alert status=commented issue=1 slack=not_due');
    // 24 h after the "opened" message, on a fresh runner: due (the marker knows when Slack was told)
    const fresh = await fixture(YAML);
    expect(await run(fresh, 8)).toBe('ops_alert status=commented issue=1 slack=sent');
    expect(readMarkerState(gh.issues.get(1)!.body)?.notified_at).toBe('2026-12-02T00:00:00.000Z');
    expect(await run(fresh, 8)).toBe('ops_alert status=commented issue=1 slack=not_due');
    expect(gh.issues.get(1)!.comments).toHaveLength(4);
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily strict unhealthy (still failing): internal-dogfood',
    ]);
    // recovery always notifies
    app.status = 200;
    expect(await run(fresh, 1)).toBe('ops_alert status=closed issue=1 slack=sent');
  });
});

describe('flapping', () => {
  test('at 3 changes within 24h the issue is held open (label flapping), said once on the issue and in Slack; stable again, the usual lifecycle resumes', async () => {
    const f = await fixture(`version: 1\nops:\n  alerting: { flapping: { changes: 3, window: 24h } }\n${CHECKS}`);
    const clock = virtualClock(Date.parse('2026-12-01T00:00:00Z'));
    const run = async (status: number, hours = 2) => {
      app.status = status;
      const r = await runOpsDirect(f, { env: env(1), clock });
      clock.advance(hours * 3_600_000);
      return r.lines.find((l) => l.startsWith('ops_alert')) ?? 'none';
    };
    expect(await run(503)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(await run(200)).toBe('ops_alert status=closed issue=1 slack=sent');
    expect(await run(503)).toBe('ops_alert status=opened issue=2 slack=sent');
    expect(await run(200)).toBe('ops_alert status=flapping count=3 threshold=3 issue=2 slack=sent');
    const issue = gh.issues.get(2)!;
    expect(issue.state).toBe('open');
    expect(issue.labels).toContain('flapping');
    expect(issue.comments.at(-1)).toMatch(
      /^\*\*Flapping\*\*: ops_daily changed between failing and healthy 3 times within 24 h/,
    );
    const comments = issue.comments.length;
    expect(await run(503)).toBe('ops_alert status=flapping count=4 threshold=3 issue=2 slack=not_needed');
    expect(await run(200, 25)).toBe('ops_alert status=flapping count=5 threshold=3 issue=2 slack=not_needed');
    expect(issue.comments).toHaveLength(comments); // not on every flip
    expect(readMarkerState(issue.body)?.flap).toMatchObject({ on: true, last: false });
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily recovered: internal-dogfood',
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily flapping: internal-dogfood',
    ]);
    // stable (healthy) for more than the window: no longer flapping, and the healthy run closes it
    expect(await run(200)).toBe('ops_alert status=closed issue=2 slack=sent');
    expect(issue.state).toBe('closed');
    expect(issue.comments.some((c) => c.startsWith('No longer flapping'))).toBe(true);
  });
});

describe('maintenance windows per context', () => {
  const YAML = `version: 1\nops:\n${CHECKS}contexts:\n  internal-dogfood:\n    maintenance:\n      - { weekdays: [sat], start: "02:00", duration: 2h, timezone: Europe/Berlin }\n`;

  test('inside the window the checks run and are reported, nobody is paged; after it the same failure pages', async () => {
    const f = await fixture(YAML);
    app.status = 503;
    // Saturday 2026-12-05 02:30 UTC = 03:30 in Berlin: inside sat 02:00 + 2h
    const clock = virtualClock(Date.parse('2026-12-05T02:30:00Z'));
    const inside = await runOpsDirect(f, { env: env(1), clock });
    expect(inside.code).toBe(2); // reported as it is
    expect(inside.lines[0]).toMatch(/^ops_check status=unhealthy check=api kind=http reason=http_503 /);
    expect(inside.lines.at(-2)).toBe('ops_alert status=silenced reason=maintenance slack=not_needed');
    expect(inside.summary).toContain('Alert state: silenced (maintenance)');
    expect(alertIssues()).toHaveLength(0);
    expect(slack.payloads).toHaveLength(0);

    clock.advance(3_600_000); // 04:30 in Berlin: the window is over
    const after = await runOpsDirect(f, { env: env(2), clock });
    expect(after.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');

    // a week later, in the window again: the open issue gets no comment, Slack stays quiet
    clock.advance(7 * DAY - 3_600_000);
    const nextWeek = await runOpsDirect(f, { env: env(3), clock });
    expect(nextWeek.lines.at(-2)).toBe('ops_alert status=silenced reason=maintenance issue=1 slack=not_needed');
    expect(gh.issues.get(1)!.comments).toHaveLength(0);
    expect(slack.payloads).toHaveLength(1);
  });

  test('windows in a time zone, across midnight and the end of the week', () => {
    const w = [{ weekdays: ['sun' as const], start: '23:00', duration: 3 * 3_600_000, timezone: 'America/New_York' }];
    // Sunday 2026-12-06 23:30 in New York = Monday 04:30 UTC
    expect(activeWindow(w, new Date('2026-12-07T04:30:00Z'))).not.toBeNull();
    // Monday 01:59 in New York = 06:59 UTC: still inside (23:00 + 3h = 02:00)
    expect(activeWindow(w, new Date('2026-12-07T06:59:00Z'))).not.toBeNull();
    expect(activeWindow(w, new Date('2026-12-07T07:00:00Z'))).toBeNull();
    expect(activeWindow(w, new Date('2026-12-06T23:30:00Z'))).toBeNull(); // 18:30 in New York
    expect(activeWindow(undefined, new Date())).toBeNull();
  });

  test('a window in paas.yml is validated: HH:MM, a known time zone', async () => {
    const f = await fixture(
      `version: 1\nops:\n${CHECKS}contexts:\n  internal-dogfood:\n    maintenance:\n      - { start: "25:00", duration: 1h }\n`,
    );
    const r = await f.ops(['--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.message).toMatch(/maintenance\.0\.start: must be HH:MM/);
    f.writeConfig(
      `version: 1\nops:\n${CHECKS}contexts:\n  internal-dogfood:\n    maintenance:\n      - { start: "02:00", duration: 1h, timezone: Mars/Olympus }\n`,
    );
    expect((await f.ops(['--json'])).json().error?.message).toMatch(/IANA time zone/);
  });
});

describe('deploy-aware silence', () => {
  const YAML = `version: 1\napps:\n  web: {}\nops:\n  alerting: { deploy_grace: 15m }\n${CHECKS}`;

  /** A local target of app web as deploy leaves it; `history` lines are deploy events at the given times. */
  function target(f: OpsFixture): { dir: string; app: string } {
    const dir = join(f.dir, 'target');
    const app = join(dir, f.context, 'web');
    mkdirSync(join(app, 'releases', 'v1'), { recursive: true });
    mkdirSync(join(app, '.paas'), { recursive: true });
    writeFileSync(join(app, '.paas', 'history.jsonl'), '');
    return { dir, app };
  }
  const deployed = (app: string, at: number, release = 'v1') =>
    writeFileSync(
      join(app, '.paas', 'history.jsonl'),
      JSON.stringify({ at: new Date(at).toISOString(), release, status: 'good', event: 'deploy', run: '5' }) + '\n',
      { flag: 'a' },
    );
  const lock = (app: string, expiresMs: number) => {
    mkdirSync(join(app, '.paas', 'lock'), { recursive: true });
    writeFileSync(
      join(app, '.paas', 'lock', 'owner.json'),
      JSON.stringify({
        run: '6',
        actor: 'octocat',
        time: new Date().toISOString(),
        expires: Math.floor(expiresMs / 1000),
        op: 'deploy',
        release: 'v2',
      }) + '\n',
    );
  };

  test('while a deploy lock is held, and within deploy_grace after the deploy: reported as deploying, not paged; a failure that outlasts the grace pages', async () => {
    const f = await fixture(YAML);
    const t = target(f);
    f.writeVault({ API_URL: app.url, SLACK_WEBHOOK_URL: slack.url, PAAS_TARGETS: `web1=local:${t.dir}` });
    const clock = virtualClock(Date.parse('2026-12-07T10:00:00Z'));
    app.status = 503;

    // a deploy is running: its lock is held (expires in 20 min)
    deployed(t.app, clock.now() - 3 * DAY);
    lock(t.app, clock.now() + 20 * 60_000);
    const during = await runOpsDirect(f, { env: env(1), clock });
    expect(during.code).toBe(2);
    expect(during.lines.at(-2)).toBe('ops_alert status=silenced reason=deploying slack=not_needed');
    expect(during.summary).toContain('silenced (deploying)');
    expect(during.logs.join('\n')).toMatch(/deploy lock of this context is held/);

    // the deploy finished 5 minutes ago (lock released): still within the 15 min grace
    rmSync(join(t.app, '.paas', 'lock'), { recursive: true });
    deployed(t.app, clock.now() - 5 * 60_000, 'v2');
    expect((await runOpsDirect(f, { env: env(2), clock })).lines.at(-2)).toBe(
      'ops_alert status=silenced reason=deploying slack=not_needed',
    );
    expect(alertIssues()).toHaveLength(0);
    expect(slack.payloads).toHaveLength(0);

    // 20 minutes later the failure outlasts the grace period: it pages as usual
    clock.advance(20 * 60_000);
    const after = await runOpsDirect(f, { env: env(3), clock });
    expect(after.lines.at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(after.logs.join('\n')).not.toMatch(/deploying:/);
  });

  test('an expired (stale) lock grants no silence; without deploy_grace nothing is read from the targets', async () => {
    const f = await fixture(YAML);
    const t = target(f);
    f.writeVault({ API_URL: app.url, SLACK_WEBHOOK_URL: slack.url, PAAS_TARGETS: `web1=local:${t.dir}` });
    const clock = virtualClock(Date.parse('2026-12-07T10:00:00Z'));
    app.status = 503;
    lock(t.app, clock.now() - 60_000);
    expect((await runOpsDirect(f, { env: env(1), clock })).lines.at(-2)).toBe(
      'ops_alert status=opened issue=1 slack=sent',
    );

    const g = await fixture(`version: 1\napps:\n  web: {}\nops:\n${CHECKS}`);
    const t2 = target(g);
    lock(t2.app, clock.now() + 60 * 60_000);
    g.writeVault({ API_URL: app.url, PAAS_TARGETS: `web1=local:${t2.dir}` });
    const r = await runOpsDirect(g, { env: env(2), clock });
    expect(r.lines.at(-2)).toBe('ops_alert status=commented issue=1 slack=not_configured'); // deploy_grace 0: today's behaviour
  });
});
