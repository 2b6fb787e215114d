/**
 * Slack incoming-webhook notifier: Block Kit blocks with a plain `text` fallback (what
 * notifications and old clients show), bounded retries on 429 and 5xx (and on network failures),
 * never on other 4xx. The payload is redacted as a whole before it is sent, and holds aggregate
 * lines and the run URL only. The webhook URL is a secret (vault key SLACK_WEBHOOK_URL).
 */
import type { Redactor } from '../../redaction/redactor.js';

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText & { type: 'plain_text' } }
  | { type: 'section'; text: SlackText }
  | { type: 'context'; elements: SlackText[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type AlertEventKind = 'opened' | 'recurring' | 'recovered';

/** Slack mrkdwn control characters (&, <, >) escaped. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HEADERS: Record<AlertEventKind, string> = {
  opened: 'ops_daily strict unhealthy',
  recurring: 'ops_daily strict unhealthy (still failing)',
  recovered: 'ops_daily recovered',
};

/** The message for one alert event. `lines` are status lines (already redacted). */
export function alertMessage(input: { kind: AlertEventKind; context: string; overall: string; lines: readonly string[]; runUrl?: string | undefined; issueUrl?: string | undefined }): SlackMessage {
  const head = `${HEADERS[input.kind]}: ${input.context}`.slice(0, 150);
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
  sleep?: (ms: number) => Promise<void>;
}

export interface SlackResult {
  ok: boolean;
  attempts: number;
  /** last HTTP status, 0 for a network failure */
  status: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After (seconds or HTTP date) in ms, bounded; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export async function postSlack(webhookUrl: string, message: SlackMessage, opts: SlackPostOptions): Promise<SlackResult> {
  const fetchFn = opts.fetch ?? fetch;
  const attempts = Math.max(1, opts.attempts ?? 4);
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const sleep = opts.sleep ?? defaultSleep;
  const payload = JSON.stringify(opts.redactor.redactDeep(message));
  let delay = opts.baseDelayMs ?? 500;
  let status = 0;
  for (let i = 1; i <= attempts; i++) {
    let retryAfter: number | null = null;
    try {
      const res = await fetchFn(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, redirect: 'error', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'));
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: i, status };
      if (status !== 429 && status < 500) return { ok: false, attempts: i, status };
    } catch {
      status = 0;
    }
    if (i < attempts) {
      await sleep(Math.min(maxDelay, retryAfter ?? delay));
      delay = Math.min(maxDelay, delay * 2);
    }
  }
  return { ok: false, attempts, status };
}
