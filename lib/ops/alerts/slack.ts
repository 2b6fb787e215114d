/**
 * Slack incoming-webhook notifier: Block Kit blocks with a plain `text` fallback (what
 * notifications and old clients show), bounded retries on 429 and 5xx (and on network failures),
 * never on other 4xx. Retry-After is honoured in full as long as the wait fits in the run's deadline
 * (`deadline`, default 2 minutes); a wait that would not fit is not started and the delivery fails
 * (`deadlineExceeded`). Exponential backoff (without Retry-After) is capped at `maxDelayMs`. The payload is redacted as a whole before it is sent, and holds aggregate
 * lines and the run URL only. The webhook URL is a secret (vault key SLACK_WEBHOOK_URL).
 */
import { Deadline, retryAfterMs, systemClock, type Clock } from '../../github/retry.js';
import type { Redactor } from '../../redaction/redactor.js';

export { retryAfterMs };

interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}
type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text: SlackText }
  | { type: 'context'; elements: SlackText[] };

interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type AlertEventKind = 'opened' | 'recurring' | 'recovered' | 'flapping';

/** Slack mrkdwn control characters (&, <, >) escaped. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The message for one alert event. `lines` are status lines (already redacted). */
export function alertMessage(input: {
  kind: AlertEventKind;
  context: string;
  overall: string;
  lines: readonly string[];
  runUrl?: string | undefined;
  issueUrl?: string | undefined;
  /** the header of each event kind (the alert kind's: lifecycle.ts AlertKind.slack) */
  headers: Record<AlertEventKind, string>;
}): SlackMessage {
  const head = `${input.headers[input.kind]}: ${input.context}`.slice(0, 150);
  const prefix = `*context* \`${slackEscape(input.context)}\` *result* \`${slackEscape(input.overall)}\`\n`;
  let body = slackEscape(input.lines.join('\n'));
  const room = 3000 - prefix.length - 8;
  if (body.length > room) {
    const cut = body.lastIndexOf('\n', room - 2);
    body = body.slice(0, cut > 0 ? cut : 0) + '\n…';
  }
  const links: string[] = [];
  if (input.runUrl) links.push(`<${slackEscape(input.runUrl)}|run>`);
  if (input.issueUrl) links.push(`<${slackEscape(input.issueUrl)}|alert issue>`);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: head } },
    { type: 'section', text: { type: 'mrkdwn', text: `${prefix}\`\`\`${body}\`\`\`` } },
  ];
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  const fallback = `${head} (${input.overall})${input.runUrl ? ` ${input.runUrl}` : ''}`;
  return { text: fallback, blocks };
}

export interface SlackPostOptions {
  redactor: Redactor;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** total attempts (>= 1) */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** legacy seam: a sleep without a clock (the deadline then counts the slept time) */
  sleep?: (ms: number) => Promise<void>;
  clock?: Clock;
  /** the run's deadline for notifications; default 2 minutes from the first attempt */
  deadline?: Deadline;
}

interface SlackResult {
  ok: boolean;
  attempts: number;
  /** last HTTP status, 0 for a network failure */
  status: number;
  /** a retry was due but its wait (e.g. Retry-After) did not fit in the deadline */
  deadlineExceeded?: boolean;
}

/** A clock whose sleep is `sleep` and whose time counts the slept milliseconds (for the legacy `sleep` seam). */
function sleepClock(sleep: (ms: number) => Promise<void>): Clock {
  let slept = 0;
  const t0 = Date.now();
  return {
    now: () => t0 + slept,
    sleep: async (ms) => {
      slept += ms;
      await sleep(ms);
    },
  };
}

export async function postSlack(
  webhookUrl: string,
  message: SlackMessage,
  opts: SlackPostOptions,
): Promise<SlackResult> {
  const fetchFn = opts.fetch ?? fetch;
  const attempts = Math.max(1, opts.attempts ?? 4);
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const clock = opts.clock ?? (opts.sleep ? sleepClock(opts.sleep) : systemClock);
  const deadline = opts.deadline ?? new Deadline(clock, 120_000);
  const payload = JSON.stringify(opts.redactor.redactDeep(message));
  let delay = opts.baseDelayMs ?? 500;
  let status = 0;
  for (let i = 1; i <= attempts; i++) {
    let retryAfter: number | null = null;
    try {
      const res = await fetchFn(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'), deadline.clock.now());
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: i, status };
      if (status !== 429 && status < 500) return { ok: false, attempts: i, status };
    } catch {
      status = 0;
    }
    if (i < attempts) {
      // Retry-After is honoured as given; only our own backoff is capped
      const wait = retryAfter ?? Math.min(maxDelay, delay);
      if (!(await deadline.wait(wait))) return { ok: false, attempts: i, status, deadlineExceeded: true };
      delay = Math.min(maxDelay, delay * 2);
    }
  }
  return { ok: false, attempts, status };
}
