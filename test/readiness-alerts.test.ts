/**
 * The readiness alert (issue 17): `paas ops readiness` with a GitHub repository and token keeps its
 * own alert issue per context (`ops readiness not ready`, its own hidden marker), through the same
 * lifecycle as the ops_daily alert, beside it: readiness not ready opens its issue, ops_daily
 * unhealthy at the same time opens a separate one, readiness ready closes only its own, an ops_daily
 * recovery never closes the readiness issue. Against the OpenAPI-checked GitHub server, a real Slack
 * receiver and a real HTTP check target; readiness and ops_daily run through the CLI in-process.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alertMarker,
  ALERT_TITLE,
  OPS_DAILY_ALERT,
  READINESS_ALERT,
  READINESS_ALERT_TITLE,
} from '../lib/ops/alerts/lifecycle.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { EventLog } from '../lib/state/events.js';
import type { FakeGitHub } from './harness/github-api.js';
import type { HttpApp } from './harness/http-app.js';
import type { SlackReceiver } from './harness/slack.js';
import { useAlertServers } from './harness/alert-servers.js';
import { cli, rmrf, tempDir, type CliRun } from './helpers.js';

let gh: FakeGitHub;
let slack: SlackReceiver;
let app: HttpApp;
const dirs: string[] = [];

const servers = useAlertServers(() => dirs.forEach(rmrf));
beforeAll(() => {
  ({ gh, slack, app } = servers);
});

const DAY = 86_400_000;
const env = () => ({
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_TOKEN: gh.token,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '4242',
  GITHUB_EVENT_NAME: 'schedule',
});
const lines = (r: CliRun) => r.stdout.trim().split('\n');
const alertLines = (r: CliRun) => lines(r).filter((l) => l.startsWith('ops_alert '));
const slackHeaders = () =>
  slack.payloads.map((p) => (p as { blocks: Array<{ text?: { text: string } }> }).blocks[0]?.text?.text ?? '');
const readinessIssues = (c = 'internal-dogfood') => gh.openIssuesWith(alertMarker(c, READINESS_ALERT));
const opsIssues = (c = 'internal-dogfood') => gh.openIssuesWith(alertMarker(c, OPS_DAILY_ALERT));

/** A state root with contexts (own vault, own target dir, a fresh backup each), a paas.yml with one HTTP check, the CLI's cwd. */
class Setup {
  readonly base = tempDir('paas-ready-alert-');
  readonly root = join(this.base, 'state');
  readonly work = join(this.base, 'work');
  constructor() {
    dirs.push(this.base);
    mkdirSync(this.work);
    writeFileSync(
      join(this.work, 'paas.yml'),
      'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL }\n',
    );
  }
  async context(name: string, opts: { slack?: boolean } = {}): Promise<void> {
    const file = join(this.base, `vault-${name}.env`);
    const target = join(this.base, 'targets', name);
    mkdirSync(target, { recursive: true });
    const vault = [
      `PAAS_TARGETS=web1=local:${target}`,
      `PAAS_STATE_KEY=${randomBytes(32).toString('base64')}`,
      `API_URL=${app.url}`,
      ...(opts.slack === false ? [] : [`SLACK_WEBHOOK_URL=${slack.url}`]),
    ];
    writeFileSync(file, vault.join('\n') + '\n', { mode: 0o600 });
    const r = await cli(['context', 'create', name, '--state-root', this.root, '--vault-file', file], {}, this.work);
    expect(r.code).toBe(0);
    const b = await cli(['backup', 'create', '--context', name, '--state-root', this.root, '--json'], {}, this.work);
    expect(b.code).toBe(0);
  }
  drill(name: string, ageMs: number): void {
    new EventLog(join(this.root, 'contexts', name, 'events'), name, new Redactor()).append(
      'rollback.drill',
      'rollback drill of web on web1: v2 -> v1 -> v2',
      { app: 'web', target: 'web1', mode: 'full' },
      'info',
      new Date(Date.now() - ageMs),
    );
  }
  readiness(args: string[] = [], e: NodeJS.ProcessEnv = env()): Promise<CliRun> {
    return cli(['ops', 'readiness', '--state-root', this.root, ...args], e, this.work);
  }
  opsDaily(context = 'internal-dogfood'): Promise<CliRun> {
    return cli(['ops', 'daily', '--context', context, '--state-root', this.root], env(), this.work);
  }
}

describe('readiness alert beside the ops_daily alert', () => {
  test('two kinds, two issues: each opens, recurs and closes only its own', async () => {
    const s = new Setup();
    await s.context('internal-dogfood');
    app.status = 503;

    // readiness not ready (no rollback drill in an internal context): its own issue
    const r1 = await s.readiness();
    expect(r1.code).toBe(2);
    expect(alertLines(r1)).toEqual(['ops_alert status=opened context=internal-dogfood issue=1 slack=sent']);
    expect(lines(r1).at(-1)).toBe('ops_readiness status=not_ready reason=rollback_drill contexts=1 checks=6 failed=1');
    const ri = gh.issues.get(1)!;
    expect(ri.title).toBe(`${READINESS_ALERT_TITLE}: internal-dogfood`);
    expect(ri.body).toContain(alertMarker('internal-dogfood', READINESS_ALERT));
    expect(ri.body).not.toContain(alertMarker('internal-dogfood', OPS_DAILY_ALERT));
    expect(ri.body).toContain(
      'ops_readiness_check status=fail check=rollback_drill context=internal-dogfood reason=no_drill',
    );
    expect(ri.body).toContain('ops_readiness status=not_ready context=internal-dogfood reason=rollback_drill');
    expect(ri.body).toContain('**not ready**');
    expect(ri.body).toMatch(/\*\*rollback_drill\*\* \(`no_drill`\): .*paas rollback --drill/);
    expect(ri.body).toContain('docs/runbook.md#weekly-checklist');

    // ops_daily unhealthy at the same time: a separate issue, not a comment on the readiness one
    const d1 = await s.opsDaily();
    expect(d1.code).toBe(2);
    expect(lines(d1)).toContain('ops_alert status=opened issue=2 slack=sent');
    expect(gh.issues.get(2)!.title).toBe(`${ALERT_TITLE}: internal-dogfood`);
    expect(gh.issues.get(1)!.comments).toHaveLength(0);

    // a recurrence of each: a comment on its own issue, no new issue (deduplicated by marker)
    const r2 = await s.readiness();
    expect(alertLines(r2)).toEqual(['ops_alert status=commented context=internal-dogfood issue=1 slack=sent']);
    expect(lines(await s.opsDaily())).toContain('ops_alert status=commented issue=2 slack=sent');
    expect(readinessIssues()).toHaveLength(1);
    expect(opsIssues()).toHaveLength(1);
    expect(gh.issues.get(1)!.comments).toHaveLength(1);
    expect(gh.issues.get(2)!.comments).toHaveLength(1);

    // readiness ready (a drill two days ago) while ops_daily still fails: only the readiness issue closes
    s.drill('internal-dogfood', 2 * DAY);
    const r3 = await s.readiness();
    expect(r3.code).toBe(0);
    expect(alertLines(r3)).toEqual(['ops_alert status=closed context=internal-dogfood issue=1 slack=sent']);
    expect(gh.issues.get(1)!.state).toBe('closed');
    expect(gh.issues.get(1)!.comments.at(-1)).toMatch(/^Recovered: ops readiness is \*\*ready\*\* again/);
    expect(gh.issues.get(2)!.state).toBe('open');
    // a second ready run: nothing to do, nothing said
    expect(alertLines(await s.readiness())).toEqual([]);

    // readiness fails again (a 1-day drill window): a new readiness issue; ops_daily's stays as it was
    const r4 = await s.readiness(['--drill-window', '1d']);
    expect(r4.code).toBe(2);
    expect(alertLines(r4)).toEqual(['ops_alert status=opened context=internal-dogfood issue=3 slack=sent']);

    // ops_daily recovers: it closes its own issue only, the readiness issue stays open
    app.status = 200;
    const d3 = await s.opsDaily();
    expect(d3.code).toBe(0);
    expect(lines(d3)).toContain('ops_alert status=closed issue=2 slack=sent');
    expect(gh.issues.get(2)!.state).toBe('closed');
    expect(gh.issues.get(3)!.state).toBe('open');
    expect(readinessIssues().map((i) => i.number)).toEqual([3]);
    expect(gh.issues.get(3)!.comments).toHaveLength(0);

    // and readiness ready again closes #3
    expect(alertLines(await s.readiness())).toEqual([
      'ops_alert status=closed context=internal-dogfood issue=3 slack=sent',
    ]);
    expect(readinessIssues()).toHaveLength(0);
    expect(slackHeaders()).toEqual([
      'ops readiness not ready: internal-dogfood',
      'ops_daily strict unhealthy: internal-dogfood',
      'ops readiness not ready (still failing): internal-dogfood',
      'ops_daily strict unhealthy (still failing): internal-dogfood',
      'ops readiness ready again: internal-dogfood',
      'ops readiness not ready: internal-dogfood',
      'ops_daily recovered: internal-dogfood',
      'ops readiness ready again: internal-dogfood',
    ]);
    // the token never reaches the output
    for (const r of [r1, r2, r3, r4, d1, d3]) expect(r.stdout + r.stderr).not.toContain(gh.token);
  });

  test('an open ops_daily issue is never taken for the readiness issue, nor the reverse (markers, not titles)', async () => {
    const s = new Setup();
    await s.context('internal-dogfood', { slack: false });
    s.drill('internal-dogfood', DAY);
    // someone else's ops_daily alert of the same context is open, and a readiness issue of another context
    const ops = gh.addIssue({
      title: ALERT_TITLE,
      body: `${alertMarker('internal-dogfood')}\nold ops_daily alert`,
      labels: ['paas-alert'],
    });
    const other = gh.addIssue({
      title: READINESS_ALERT_TITLE,
      body: `${alertMarker('customer-acme', READINESS_ALERT)}\nanother context`,
      labels: ['paas-alert'],
    });
    // ready: nothing of either is closed
    const ready = await s.readiness();
    expect(ready.code).toBe(0);
    expect(alertLines(ready)).toEqual([]);
    expect(gh.issues.get(ops.number)!.state).toBe('open');
    expect(gh.issues.get(other.number)!.state).toBe('open');
    // not ready: a new readiness issue of this context, no comment on the others
    const r = await s.readiness(['--drill-window', '1h']);
    expect(alertLines(r)).toEqual([
      `ops_alert status=opened context=internal-dogfood issue=${other.number + 1} slack=not_configured`,
    ]);
    expect(gh.issues.get(ops.number)!.comments).toEqual([]);
    expect(gh.issues.get(other.number)!.comments).toEqual([]);
    // an ops_daily recovery does not close the readiness issue (and closes its own)
    const d = await s.opsDaily();
    expect(d.code).toBe(0);
    expect(lines(d)).toContain(`ops_alert status=closed issue=${ops.number} slack=not_configured`);
    expect(readinessIssues().map((i) => i.number)).toEqual([other.number + 1]);
  });

  test('one issue per context: the ready context gets none, the one that is not gets its own', async () => {
    const s = new Setup();
    await s.context('internal-dogfood', { slack: false });
    await s.context('customer-acme', { slack: false });
    // internal-dogfood has no drill; customer contexts need none
    const r = await s.readiness();
    expect(r.code).toBe(2);
    expect(alertLines(r)).toEqual(['ops_alert status=opened context=internal-dogfood issue=1 slack=not_configured']);
    expect(readinessIssues('customer-acme')).toHaveLength(0);
    const j = await s.readiness(['--json']);
    expect(j.json().fields.alerts).toEqual([
      expect.objectContaining({ context: 'customer-acme', action: 'none', issue: null, github: 'ok' }),
      expect.objectContaining({ context: 'internal-dogfood', action: 'commented', issue: 1, github: 'ok' }),
    ]);
  });

  test('a refused delivery says so: status=failed with the reason and the fix, the verdict and exit code unchanged', async () => {
    const s = new Setup();
    await s.context('internal-dogfood', { slack: false });
    gh.fail({ status: 403, kind: 'permission', match: 'post /repos/{owner}/{repo}/issues' });
    const r = await s.readiness();
    expect(r.code).toBe(2);
    expect(alertLines(r)).toEqual([
      'ops_alert status=failed context=internal-dogfood reason=github_403 cause=permission slack=not_configured',
    ]);
    expect(readinessIssues()).toHaveLength(0);
    expect(r.stdout + r.stderr).toMatch(/issues: write/);
    // the next run opens it (the incident was kept locally)
    const next = await s.readiness();
    expect(alertLines(next)).toEqual(['ops_alert status=opened context=internal-dogfood issue=1 slack=not_configured']);
    // the readiness incident lives in its own state keys: the ops_daily alert of the context is not open
    const h = await cli(
      ['alert', 'history', '--context', 'internal-dogfood', '--state-root', s.root, '--json'],
      {},
      s.work,
    );
    expect(h.code).toBe(0);
    expect(h.json().fields.open).toBeNull();
    expect(
      (h.json().fields.records as Array<{ action: string; kind?: string }>).map((x) => [x.action, x.kind]),
    ).toEqual([
      ['opened', 'ops_readiness'],
      ['failed', 'ops_readiness'],
    ]);
    const text = await cli(['alert', 'history', '--context', 'internal-dogfood', '--state-root', s.root], {}, s.work);
    expect(text.stdout).toMatch(/opened .* kind=ops_readiness/);
  });

  test('without a GitHub repository and token, readiness does not alert (no line, no request)', async () => {
    const s = new Setup();
    await s.context('internal-dogfood');
    const r = await s.readiness([], {});
    expect(r.code).toBe(2);
    expect(alertLines(r)).toEqual([]);
    expect(gh.requests).toHaveLength(0);
    expect(slack.payloads).toHaveLength(0);
  });
});
