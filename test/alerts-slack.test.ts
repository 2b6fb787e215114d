/** The Slack notifier against the local receiver: bounded retries, Retry-After, no retry on 4xx, redaction. */
import { afterAll, beforeAll, afterEach, describe, expect, test } from '@jest/globals';
import { alertMessage, postSlack, retryAfterMs } from '../lib/ops/alerts/slack.js';
import { OPS_DAILY_ALERT } from '../lib/ops/alerts/lifecycle.js';
import { Deadline } from '../lib/github/retry.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { virtualClock } from './ops-fixtures.js';
import { startSlackReceiver, blockKitProblems, type SlackReceiver } from './harness/slack.js';

let slack: SlackReceiver;
beforeAll(async () => {
  slack = await startSlackReceiver();
});
afterEach(() => {
  expect(slack.violations).toEqual([]);
  slack.reset();
});
afterAll(() => slack.close());

const msg = () =>
  alertMessage({
    kind: 'opened',
    headers: OPS_DAILY_ALERT.slack,
    context: 'oss-demo',
    overall: 'unhealthy',
    lines: ['ops_daily status=unhealthy mode=prod checks=1 failed=1'],
    runUrl: 'https://github.com/a/b/actions/runs/1',
  });

describe('postSlack', () => {
  test('5xx and 429 are retried (bounded), honouring Retry-After; delays grow', async () => {
    const delays: number[] = [];
    slack.script([500, { status: 429, retryAfter: 2 }, 502]);
    const r = await postSlack(slack.url, msg(), {
      redactor: new Redactor(),
      attempts: 4,
      baseDelayMs: 10,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(r).toEqual({ ok: true, attempts: 4, status: 200 });
    expect(delays).toEqual([10, 2000, 40]);
    expect(slack.attempts).toBe(4);
  });

  test('gives up after `attempts`', async () => {
    slack.script([500, 500, 500, 500, 500]);
    const r = await postSlack(slack.url, msg(), { redactor: new Redactor(), attempts: 3, baseDelayMs: 1 });
    expect(r).toEqual({ ok: false, attempts: 3, status: 500 });
    expect(slack.attempts).toBe(3);
    slack.reset();
  });

  test('other 4xx are not retried', async () => {
    slack.script([403]);
    const r = await postSlack(slack.url, msg(), { redactor: new Redactor(), attempts: 4, baseDelayMs: 1 });
    expect(r).toEqual({ ok: false, attempts: 1, status: 403 });
  });

  test('network failures are retried and bounded', async () => {
    const r = await postSlack('http://127.0.0.1:1/services/x', msg(), {
      redactor: new Redactor(),
      attempts: 3,
      baseDelayMs: 1,
    });
    expect(r).toEqual({ ok: false, attempts: 3, status: 0 });
  });

  test('the payload is redacted as a whole before it leaves', async () => {
    const r = new Redactor();
    const secret = 'hunter2-' + 'abcdef123456';
    r.register(secret);
    const m = alertMessage({
      kind: 'recurring',
      headers: OPS_DAILY_ALERT.slack,
      context: 'oss-demo',
      overall: 'unhealthy',
      lines: [`a line with ${secret}`],
    });
    await postSlack(slack.url, m, { redactor: r });
    expect(JSON.stringify(slack.payloads[0])).not.toContain(secret);
    expect(JSON.stringify(slack.payloads[0])).toContain('***');
  });

  test('Retry-After beyond the old 10 s cap is honoured in full within the deadline; past the deadline it is not waited', async () => {
    const clock = virtualClock();
    slack.script([
      { status: 429, retryAfter: 40 },
      { status: 429, retryAfter: 50 },
    ]);
    const deadline = new Deadline(clock, 100_000);
    const ok = await postSlack(slack.url, msg(), { redactor: new Redactor(), clock, deadline });
    expect(ok).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(clock.sleeps).toEqual([40_000, 50_000]);
    // 10 s left of the deadline: a Retry-After of 30 s is not started
    slack.script([{ status: 429, retryAfter: 30 }]);
    const late = await postSlack(slack.url, msg(), { redactor: new Redactor(), clock, deadline });
    expect(late).toEqual({ ok: false, attempts: 1, status: 429, deadlineExceeded: true });
    expect(clock.sleeps).toEqual([40_000, 50_000]);
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});

describe('alertMessage', () => {
  test('valid Block Kit for every kind; long bodies are cut; mrkdwn control characters escaped', () => {
    for (const kind of ['opened', 'recurring', 'recovered'] as const) {
      const m = alertMessage({
        kind,
        headers: OPS_DAILY_ALERT.slack,
        context: 'customer-acme',
        overall: 'healthy',
        lines: Array.from(
          { length: 200 },
          (_, i) => `ops_check status=unhealthy check=c${i} kind=http reason=http_503 <b>&`,
        ),
        runUrl: 'https://x/y?a=1&b=2',
        issueUrl: 'https://x/i/1',
      });
      expect(blockKitProblems(m)).toEqual([]);
      const section = (m.blocks[1] as { text: { text: string } }).text.text;
      expect(section.length).toBeLessThanOrEqual(3000);
      expect(section).toContain('&lt;b&gt;&amp;');
    }
  });
});
