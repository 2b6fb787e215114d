/**
 * The alert lifecycle against a local GitHub REST API that validates every request against GitHub's
 * OpenAPI description (test/harness/github-api.ts), and a local Slack receiver that validates Block
 * Kit (test/harness/slack.ts). Through the real CLI code path (`paas ops daily`), with the
 * GITHUB_* variables the runner sets.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRequest, type FakeGitHub } from './harness/github-api.js';
import type { SlackReceiver } from './harness/slack.js';
import { useAlertServers } from './harness/alert-servers.js';
import type { HttpApp } from './harness/http-app.js';
import { opsFixture, runOpsDirect, statusLines, virtualClock, type OpsFixture } from './ops-fixtures.js';
import { alertMarker, ALERT_TITLE } from '../lib/ops/alerts/lifecycle.js';
import { restIssuesApi } from '../lib/ops/alerts/github-issues.js';

let gh: FakeGitHub;
let slack: SlackReceiver;
let app: HttpApp;
const fixtures: OpsFixture[] = [];

const servers = useAlertServers(() => fixtures.forEach((f) => f.cleanup()));
beforeAll(() => {
  ({ gh, slack, app } = servers);
});

const YAML = 'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL }\n';
const runEnv = () => ({
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_TOKEN: gh.token,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '777',
  GITHUB_EVENT_NAME: 'schedule',
});

async function fixture(context = 'internal-dogfood', withSlack = true): Promise<OpsFixture> {
  const f = await opsFixture({
    context,
    yaml: YAML,
    vault: { API_URL: app.url, ...(withSlack ? { SLACK_WEBHOOK_URL: slack.url } : {}) },
  });
  fixtures.push(f);
  return f;
}

const alertIssues = (context = 'internal-dogfood') => gh.openIssuesWith(alertMarker(context));
const slackHeaders = () =>
  slack.payloads.map(
    (p) => (p as { blocks: Array<{ type: string; text?: { text: string } }> }).blocks[0]?.text?.text ?? '',
  );

describe('alert issue lifecycle', () => {
  test('opened once, commented on recurrence, acknowledged label honoured, closed on recovery', async () => {
    const f = await fixture();
    app.status = 503;

    const r1 = await f.ops([], runEnv());
    expect(r1.code).toBe(2);
    expect(statusLines(r1).at(-2)).toBe('ops_alert status=opened issue=1 slack=sent');
    expect(alertIssues()).toHaveLength(1);
    const issue = alertIssues()[0]!;
    expect(issue.title).toBe(`${ALERT_TITLE}: internal-dogfood`);
    expect(issue.body).toContain(alertMarker('internal-dogfood'));
    expect(issue.body).toContain('ops_daily status=unhealthy mode=prod checks=1 failed=1');
    expect(issue.body).toContain('https://github.com/acme/shop/actions/runs/777');
    expect(issue.body).not.toContain('127.0.0.1');
    expect(slackHeaders()).toEqual(['ops_daily strict unhealthy: internal-dogfood']);

    const r2 = await f.ops([], runEnv());
    expect(statusLines(r2).at(-2)).toBe('ops_alert status=commented issue=1 slack=sent');
    expect(alertIssues()).toHaveLength(1);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]).toMatch(/Still \*\*unhealthy\*\*/);
    expect(issue.comments[0]).toContain('ops_check status=unhealthy check=api kind=http reason=http_503');
    expect(slackHeaders()[1]).toBe('ops_daily strict unhealthy (still failing): internal-dogfood');

    issue.labels.push('acknowledged'); // a person acknowledges on GitHub
    const r3 = await f.ops([], runEnv());
    expect(statusLines(r3).at(-2)).toBe('ops_alert status=commented issue=1 slack=suppressed_acknowledged');
    expect(issue.comments).toHaveLength(2);
    expect(slack.payloads).toHaveLength(2);

    app.status = 200;
    const r4 = await f.ops([], runEnv());
    expect(r4.code).toBe(0);
    expect(statusLines(r4).at(-2)).toBe('ops_alert status=closed issue=1 slack=sent');
    expect(issue.state).toBe('closed');
    expect(issue.state_reason).toBe('completed');
    expect(issue.comments.at(-1)).toMatch(/^Recovered/);
    expect(slackHeaders()[2]).toBe('ops_daily recovered: internal-dogfood');

    // healthy again: nothing to do, no request that changes anything
    const before = gh.requests.filter((q) => q.method !== 'GET').length;
    const r5 = await f.ops([], runEnv());
    expect(statusLines(r5).some((l) => l.startsWith('ops_alert'))).toBe(false);
    expect(gh.requests.filter((q) => q.method !== 'GET').length).toBe(before);

    // a new failure opens a new issue (the acknowledgement ended with the recovery)
    app.status = 500;
    const r6 = await f.ops([], runEnv());
    expect(statusLines(r6).at(-2)).toMatch(/^ops_alert status=opened issue=\d+ slack=sent$/);
    expect(alertIssues()).toHaveLength(1);
    expect(alertIssues()[0]!.number).not.toBe(1);

    // every kind of request went to a documented endpoint
    const templates = new Set(gh.requests.map((q) => `${q.method} ${q.template}`));
    expect([...templates].sort()).toEqual(
      [
        'GET /repos/{owner}/{repo}',
        'GET /repos/{owner}/{repo}/issues',
        'GET /repos/{owner}/{repo}/issues/{issue_number}',
        'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
        'POST /repos/{owner}/{repo}/issues',
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      ].sort(),
    );
  });

  test('with more than 100 other open issues and pull requests, on a fresh runner (no local record): found by marker on a later page', async () => {
    const existing = gh.addIssue({ title: ALERT_TITLE, body: `${alertMarker('internal-dogfood')}\nold alert` });
    gh.addIssue({ title: ALERT_TITLE, body: `${alertMarker('oss-demo')}\nanother context` });
    gh.seed(130, 70);
    // a pull request carrying the marker (e.g. someone quoting the issue) is not an issue
    gh.addIssue({ title: 'docs: quote alert', body: `${alertMarker('internal-dogfood')}\n`, pull_request: true });
    // an issue with the same title but no marker is not ours
    gh.addIssue({ title: ALERT_TITLE, body: 'typed by hand' });
    const f = await fixture('internal-dogfood', false);
    app.status = 503;
    const r = await f.ops([], runEnv());
    expect(statusLines(r).at(-2)).toBe(`ops_alert status=commented issue=${existing.number} slack=not_configured`);
    expect(existing.comments).toHaveLength(1);
    expect([...gh.issues.values()].filter((i) => i.title === ALERT_TITLE && !i.pull_request)).toHaveLength(3);
    const pages = gh.requests.filter((q) => q.template === '/repos/{owner}/{repo}/issues' && q.method === 'GET');
    expect(pages.length).toBe(3); // 204 items, 100 per page
    expect(pages.map((p) => p.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(pages.every((p) => p.query.per_page === '100' && p.query.state === 'open')).toBe(true);

    // the next run knows the number: one GET instead of a scan
    gh.requests.length = 0;
    await f.ops([], runEnv());
    expect(gh.requests.filter((q) => q.template === '/repos/{owner}/{repo}/issues' && q.method === 'GET')).toHaveLength(
      0,
    );
    expect(existing.comments).toHaveLength(2);
  });

  test('one issue per context', async () => {
    const a = await fixture('internal-dogfood', false);
    const b = await fixture('oss-demo', false);
    app.status = 503;
    await a.ops([], runEnv());
    await b.ops([], runEnv());
    await a.ops([], runEnv());
    expect(alertIssues('internal-dogfood')).toHaveLength(1);
    expect(alertIssues('oss-demo')).toHaveLength(1);
    expect(alertIssues('internal-dogfood')[0]!.comments).toHaveLength(1);
    expect(alertIssues('oss-demo')[0]!.comments).toHaveLength(0);
  });

  test('insufficient_data neither alerts nor recovers; lenient mode never alerts', async () => {
    const f = await fixture();
    app.status = 503;
    await f.ops([], runEnv());
    expect(alertIssues()).toHaveLength(1);
    // a target without release history: the current release cannot be judged → insufficient_data
    const target = join(f.dir, 'target');
    mkdirSync(join(target, f.context, 'web', 'releases', 'v1'), { recursive: true });
    mkdirSync(join(target, f.context, 'web', '.paas'), { recursive: true });
    symlinkSync('releases/v1', join(target, f.context, 'web', 'current'));
    writeFileSync(join(target, f.context, 'web', '.paas', 'history.jsonl'), '');
    f.writeConfig(
      'version: 1\napps:\n  web: {}\nops:\n  checks:\n    - name: release\n      target: { current_release: true }\n',
    );
    f.writeVault({ PAAS_TARGETS: `web1=local:${target}`, SLACK_WEBHOOK_URL: slack.url });
    const r = await f.ops([], runEnv());
    expect(statusLines(r).at(-1)).toBe(
      'ops_daily status=insufficient_data reason=no_release_history mode=prod checks=1 failed=0',
    );
    expect(alertIssues()).toHaveLength(1);
    expect(alertIssues()[0]!.comments).toHaveLength(0);
    f.writeConfig(YAML);
    const lenient = await f.ops(['--mode', 'lenient'], runEnv());
    expect(lenient.code).toBe(2);
    expect(alertIssues()[0]!.comments).toHaveLength(0);
    expect(slack.payloads).toHaveLength(1);
  });

  test('a missing required secret in prod alerts too (overall error), naming the key only', async () => {
    const f = await fixture();
    f.writeVault({ SLACK_WEBHOOK_URL: slack.url });
    const r = await f.ops([], runEnv());
    expect(r.code).toBe(1);
    expect(statusLines(r).at(-1)).toBe('prod_config status=fail reason=missing_env missing=API_URL');
    expect(alertIssues()[0]!.body).toContain('prod_config status=fail reason=missing_env missing=API_URL');
  });

  test('GitHub failing past every retry: status=failed reason=github_502, history github=failed; the next run opens the issue without a second Slack "opened"', async () => {
    const f = await fixture('internal-dogfood');
    app.status = 503;
    gh.failNext(502, 5, 'post /repos/{owner}/{repo}/issues');
    const clock = virtualClock();
    const r1 = await runOpsDirect(f, { env: runEnv(), clock });
    expect(r1.code).toBe(2);
    expect(r1.lines.at(-2)).toBe('ops_alert status=failed reason=github_502 cause=server slack=sent');
    expect(r1.logs.join('\n')).toMatch(
      /alert issue could not be updated: GitHub API POST \/repos\/\{owner\}\/\{repo\}\/issues answered HTTP 502 after 5 attempts/,
    );
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000]); // backoff, on the virtual clock
    expect(alertIssues()).toHaveLength(0);
    expect(r1.summary).toMatch(/\| failed \| {2}\| sent \| github_502 \|/);
    const r2 = await runOpsDirect(f, { env: runEnv(), clock });
    expect(r2.lines.at(-2)).toMatch(/^ops_alert status=opened issue=\d+ slack=sent$/);
    expect(slackHeaders()).toEqual([
      'ops_daily strict unhealthy: internal-dogfood',
      'ops_daily strict unhealthy (still failing): internal-dogfood',
    ]);
    const hist = (await f.paas(['alert', 'history', '--context', f.context, '--json'])).json().fields.records as Array<{
      action: string;
      github: string;
      reason: string | null;
    }>;
    expect(hist.map((h) => `${h.action}:${h.github}:${h.reason}`)).toEqual([
      'opened:ok:null',
      'failed:failed:github_502',
    ]);
    expect((await f.paas(['alert', 'history', '--context', f.context])).stdout).toMatch(
      /failed\s+unhealthy issue=- slack=sent github=failed reason=github_502 alert=/,
    );
  });

  test('without a token or repository: the alert is tracked locally, Slack still notified', async () => {
    const f = await fixture();
    app.status = 503;
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(statusLines(r).at(-2)).toBe('ops_alert status=opened slack=sent');
    expect(gh.requests).toHaveLength(0);
    app.status = 200;
    const r2 = await f.ops();
    expect(statusLines(r2).at(-2)).toBe('ops_alert status=closed slack=sent');
  });
});

describe('paas alert history | acknowledge', () => {
  test('acknowledge silences repeat Slack messages until recovery, and labels the issue when a token is given', async () => {
    const f = await fixture();
    app.status = 503;
    await f.ops([], runEnv());
    const hist = await f.paas(['alert', 'history', '--context', f.context, '--json']);
    expect(hist.code).toBe(0);
    const open = hist.json().fields.open as { id: string; issue: number; acknowledged: boolean };
    expect(open).toMatchObject({ issue: 1, acknowledged: false });

    const wrong = await f.paas(['alert', 'acknowledge', '--context', f.context, '--id', '00000000', '--json']);
    expect(wrong.code).toBe(1);

    const ack = await f.paas(
      ['alert', 'acknowledge', '--context', f.context, '--id', open.id.slice(0, 8), '--by', 'octocat'],
      { GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: gh.repository, GITHUB_API_URL: gh.url },
    );
    expect(ack.code).toBe(0);
    expect(statusLines(ack).at(-1)).toBe('alert_acknowledge status=ok context=internal-dogfood issue=1');
    expect(gh.issues.get(1)!.labels).toContain('acknowledged');

    const r = await f.ops([], runEnv());
    expect(statusLines(r).at(-2)).toBe('ops_alert status=commented issue=1 slack=suppressed_acknowledged');
    expect(slack.payloads).toHaveLength(1);

    const text = await f.paas(['alert', 'history', '--context', f.context]);
    expect(text.stdout).toMatch(/acknowledged\s+issue=1 slack=not_needed github=ok/);
    const records = (await f.paas(['alert', 'history', '--context', f.context, '--json'])).json().fields
      .records as Array<{ action: string; slack: string }>;
    expect(records.map((x) => `${x.action}:${x.slack}`)).toEqual([
      'commented:suppressed_acknowledged',
      'acknowledged:not_needed',
      'opened:sent',
    ]);
    const events = (
      await f.paas(['events', 'list', '--context', f.context, '--kind', 'alert.acknowledged', '--json'])
    ).json().fields.events as unknown[];
    expect(events).toHaveLength(1);
  });

  test('acknowledge without an open alert is an actionable error', async () => {
    const f = await fixture();
    const r = await f.paas(['alert', 'acknowledge', '--context', f.context, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.message).toMatch(/has no open alert/);
  });
});

describe('Slack', () => {
  test('payload: Block Kit header/section/context plus fallback text, aggregate lines and run URL only', async () => {
    const f = await fixture();
    app.status = 503;
    await f.ops([], runEnv());
    const p = slack.payloads[0] as { text: string; blocks: Array<Record<string, unknown>> };
    expect(p.text).toBe(
      'ops_daily strict unhealthy: internal-dogfood (unhealthy) https://github.com/acme/shop/actions/runs/777',
    );
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    const section = (p.blocks[1] as { text: { type: string; text: string } }).text;
    expect(section.type).toBe('mrkdwn');
    expect(section.text).toContain('ops_daily status=unhealthy mode=prod checks=1 failed=1');
    expect(JSON.stringify(p)).not.toContain(app.url);
    expect(JSON.stringify(p)).not.toContain(gh.token);
    expect((p.blocks[2] as { elements: Array<{ text: string }> }).elements[0]!.text).toBe(
      '<https://github.com/acme/shop/actions/runs/777|run> · <https://github.com/acme/shop/issues/1|alert issue>',
    );
  });

  test('retries on 5xx: delivered on the third attempt', async () => {
    const f = await fixture('internal-dogfood');
    slack.script([500, 503]);
    app.status = 503;
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(statusLines(r).at(-2)).toBe('ops_alert status=opened slack=sent');
    expect(slack.attempts).toBe(3);
    expect(slack.payloads).toHaveLength(1);
  });
});

describe('the GitHub API harness refuses what GitHub would not accept', () => {
  test('unknown path, wrong method, invalid or unknown body field, undeclared query parameter', () => {
    const q = (s = '') => new URLSearchParams(s);
    expect(checkRequest('GET', '/repos/o/r/issue', q(), undefined, '').problems[0]).toMatch(/no such path/);
    expect(checkRequest('DELETE', '/repos/o/r/issues/1', q(), undefined, '').problems[0]).toMatch(/method not allowed/);
    expect(
      checkRequest('PATCH', '/repos/o/r/issues/1', q(), 'application/json', JSON.stringify({ state: 'done' }))
        .problems[0],
    ).toMatch(/body invalid/);
    expect(
      checkRequest(
        'PATCH',
        '/repos/o/r/issues/1',
        q(),
        'application/json',
        JSON.stringify({ state: 'closed', state_reasons: 'completed' }),
      ).problems[0],
    ).toMatch(/body field state_reasons/);
    expect(
      checkRequest('POST', '/repos/o/r/issues', q(), 'application/json', JSON.stringify({ body: 'no title' }))
        .problems[0],
    ).toMatch(/body invalid/);
    expect(checkRequest('GET', '/repos/o/r/issues', q('per_page=100&pages=2'), undefined, '').problems).toEqual([
      'GET /repos/{owner}/{repo}/issues: undeclared query parameter pages',
    ]);
    expect(checkRequest('GET', '/repos/o/r/issues', q('state=opened'), undefined, '').problems[0]).toMatch(
      /query parameter state="opened" invalid/,
    );
    expect(checkRequest('GET', '/repos/o/r/issues/abc', q(), undefined, '').problems[0]).toMatch(
      /path parameter issue_number="abc" invalid/,
    );
    expect(checkRequest('POST', '/repos/o/r/issues/1/comments', q(), 'application/json', '').problems[0]).toMatch(
      /required JSON body missing/,
    );
    expect(
      checkRequest(
        'POST',
        '/repos/o/r/issues/1/labels',
        q(),
        'application/json',
        JSON.stringify({ labels: ['acknowledged'] }),
      ).problems,
    ).toEqual([]);
    expect(
      checkRequest(
        'PATCH',
        '/repos/o/r/issues/1',
        q(),
        'application/json',
        JSON.stringify({ state: 'closed', state_reason: 'completed' }),
      ).problems,
    ).toEqual([]);
  });

  test('a request with a wrong token or to an unknown endpoint is recorded as a violation', async () => {
    const api = restIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: 'wrong-token-xyz' });
    await expect(api.listOpenIssues()).rejects.toThrow(/HTTP 401/);
    const res = await fetch(`${gh.url}/repos/${gh.repository}/issuez`, {
      headers: { authorization: `Bearer ${gh.token}` },
    });
    expect(res.status).toBe(404);
    expect(gh.violations).toHaveLength(2);
    gh.violations.length = 0;
  });
});
