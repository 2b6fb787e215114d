/**
 * The alert lifecycle of one context (PRODUCT.md section 6):
 *
 *   failing (unhealthy or error) and no open alert issue → open one (title `ops_daily strict
 *     unhealthy`, hidden marker naming the context), Slack "opened";
 *   failing and an open alert issue → comment (recurrence), Slack "still failing" unless the
 *     alert is acknowledged (the `acknowledged` label on the issue, or `paas alert acknowledge`);
 *   healthy and an open alert issue → recovery comment, close, Slack "recovered";
 *   insufficient_data → nothing changes (it is neither a failure nor a recovery).
 *
 * The issue is found by its hidden marker, never by its title: first the issue number recorded in
 * the context state (one GET), else a scan of ALL open issues (pull requests excluded). Bodies,
 * comments and Slack messages hold the aggregate status lines and the run URL only, redacted.
 * Every action is recorded in the context state (kind `alert`): `paas alert history` reads them.
 */
import { randomUUID } from 'node:crypto';
import type { Redactor } from '../../redaction/redactor.js';
import type { Logger } from '../../runtime/logger.js';
import type { ScopedState } from '../../state/db.js';
import type { Overall } from '../checks/types.js';
import type { GitHubIssuesApi, Issue } from './github-issues.js';
import { alertMessage, postSlack, type AlertEventKind, type SlackPostOptions } from './slack.js';

export const ALERT_TITLE = 'ops_daily strict unhealthy';
export const ACK_LABEL = 'acknowledged';
export const ALERT_LABEL = 'paas-alert';
export const ALERT_RECORD = 'alert';
export const OPEN_ALERT_KEY = 'alert.open';

export function alertMarker(context: string): string {
  return `<!-- paas-actions:ops_daily-alert context=${context} -->`;
}

export function hasMarker(issue: Pick<Issue, 'body'>, context: string): boolean {
  return issue.body.split(/\r?\n/).some((l) => l.trim() === alertMarker(context));
}

/** The open alert of a context as kept in its state (kv `alert.open`). */
export interface OpenAlert {
  id: string;
  issue: number | null;
  issue_url: string | null;
  opened_at: string;
  acknowledged: boolean;
  acknowledged_at?: string | null;
  acknowledged_by?: string | null;
}

export type AlertAction = 'opened' | 'commented' | 'closed' | 'acknowledged' | 'none';
export type SlackOutcome = 'sent' | 'failed' | 'suppressed_acknowledged' | 'not_configured' | 'not_needed';

/** One row of `paas alert history`. */
export interface AlertRecord {
  alert_id: string | null;
  action: AlertAction;
  overall: Overall | null;
  issue: number | null;
  issue_url: string | null;
  slack: SlackOutcome;
  slack_attempts?: number;
  github: 'ok' | 'failed' | 'not_configured';
  run_url: string | null;
  acknowledged: boolean;
}

export interface AlertInput {
  context: string;
  overall: Overall;
  /** the aggregate status lines of the run (per check + verdict) */
  lines: readonly string[];
  runUrl?: string | undefined;
  now: Date;
}

export interface AlertDeps {
  state: ScopedState;
  redactor: Redactor;
  logger: Logger;
  github?: GitHubIssuesApi | undefined;
  slack?: { webhookUrl: string; options?: Omit<SlackPostOptions, 'redactor'> } | undefined;
}

export interface AlertOutcome {
  action: AlertAction;
  issue: number | null;
  slack: SlackOutcome;
  github: AlertRecord['github'];
  alertId: string | null;
}

const fence = (lines: readonly string[]) => ['```', ...lines, '```'].join('\n');

export function issueBody(input: AlertInput): string {
  return [
    alertMarker(input.context),
    `ops_daily in context \`${input.context}\` is **${input.overall}** (mode prod).`,
    '',
    fence(input.lines),
    '',
    input.runUrl ? `Run: ${input.runUrl}` : 'Run: (not in GitHub Actions)',
    '',
    `Each new failing run adds a comment here. Add the \`${ACK_LABEL}\` label to stop repeated Slack messages until recovery; this issue is closed automatically when ops_daily is healthy again.`,
  ].join('\n');
}

export function recurrenceComment(input: AlertInput): string {
  return [`Still **${input.overall}** at ${input.now.toISOString()}.`, '', fence(input.lines), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}

export function recoveryComment(input: AlertInput): string {
  return [`Recovered: ops_daily is **${input.overall}** again at ${input.now.toISOString()}. Closing.`, '', fence(input.lines.slice(-1)), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}

export function isFailing(o: Overall): boolean {
  return o === 'unhealthy' || o === 'error';
}

/** Finds the open alert issue: the recorded number first, else a scan of all open issues by marker. */
export async function findAlertIssue(gh: GitHubIssuesApi, context: string, recorded: number | null): Promise<Issue | null> {
  if (recorded) {
    const i = await gh.getIssue(recorded);
    if (i && i.state === 'open' && hasMarker(i, context)) return i;
  }
  const open = (await gh.listOpenIssues()).filter((i) => hasMarker(i, context)).sort((a, b) => a.number - b.number);
  return open[0] ?? null;
}

export async function reconcileAlert(input: AlertInput, deps: AlertDeps): Promise<AlertOutcome> {
  const r = deps.redactor;
  const lines = input.lines.map((l) => r.redact(l));
  const safe: AlertInput = { ...input, lines, runUrl: input.runUrl ? r.redact(input.runUrl) : undefined };
  const failing = isFailing(input.overall);
  const recovered = input.overall === 'healthy';
  let open = deps.state.get<OpenAlert | null>(OPEN_ALERT_KEY) ?? null;
  if (!failing && !recovered) return { action: 'none', issue: open?.issue ?? null, slack: 'not_needed', github: deps.github ? 'ok' : 'not_configured', alertId: open?.id ?? null };

  let github: AlertRecord['github'] = deps.github ? 'ok' : 'not_configured';
  let issue: Issue | null = null;
  let action: AlertAction = 'none';
  if (deps.github) {
    try {
      issue = await findAlertIssue(deps.github, input.context, open?.issue ?? null);
      if (failing) {
        if (issue) {
          await deps.github.createComment(issue.number, r.redact(recurrenceComment(safe)));
          action = 'commented';
        } else {
          issue = await deps.github.createIssue({ title: ALERT_TITLE, body: r.redact(issueBody(safe)), labels: [ALERT_LABEL] });
          action = 'opened';
        }
      } else if (issue) {
        await deps.github.createComment(issue.number, r.redact(recoveryComment(safe)));
        await deps.github.closeIssue(issue.number);
        action = 'closed';
      }
    } catch (e) {
      github = 'failed';
      deps.logger.warn(`alert issue could not be updated: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // the local record follows the issue when there is one; without GitHub it is the alert itself
  if (failing) {
    if (!open || (issue && open.issue !== issue.number && action === 'opened')) {
      open = { id: randomUUID(), issue: issue?.number ?? null, issue_url: issue?.html_url ?? null, opened_at: input.now.toISOString(), acknowledged: false };
      if (action === 'none') action = 'opened';
    } else {
      if (issue) open = { ...open, issue: issue.number, issue_url: issue.html_url || open.issue_url };
      if (action === 'none') action = 'commented';
    }
  } else if (open && action === 'none' && (github === 'not_configured' || (github === 'ok' && !issue))) {
    // recovered, and the issue is gone (closed by a person) or there is no GitHub: close locally.
    // When GitHub failed, the alert stays open so that the next healthy run closes the issue.
    action = 'closed';
  }

  const acknowledged = Boolean(open?.acknowledged) || Boolean(issue?.labels.includes(ACK_LABEL));
  let slack: SlackOutcome = 'not_needed';
  let slackAttempts: number | undefined;
  const event: AlertEventKind | null = action === 'opened' ? 'opened' : action === 'commented' ? 'recurring' : action === 'closed' ? 'recovered' : null;
  if (event) {
    if (!deps.slack) slack = 'not_configured';
    else if (event === 'recurring' && acknowledged) slack = 'suppressed_acknowledged';
    else {
      const msg = alertMessage({ kind: event, context: input.context, overall: input.overall, lines, runUrl: safe.runUrl, issueUrl: issue?.html_url || open?.issue_url || undefined });
      const res = await postSlack(deps.slack.webhookUrl, msg, { ...deps.slack.options, redactor: r });
      slack = res.ok ? 'sent' : 'failed';
      slackAttempts = res.attempts;
      if (!res.ok) deps.logger.warn(`Slack notification failed after ${res.attempts} attempt(s) (last HTTP status ${res.status || 'none'})`);
    }
  }

  const alertId = open?.id ?? null;
  if (failing && open) deps.state.set(OPEN_ALERT_KEY, { ...open, acknowledged });
  if (action === 'closed') deps.state.set(OPEN_ALERT_KEY, null);
  if (action !== 'none') {
    const rec: AlertRecord = {
      alert_id: alertId,
      action,
      overall: input.overall,
      issue: issue?.number ?? open?.issue ?? null,
      issue_url: issue?.html_url || open?.issue_url || null,
      slack,
      github,
      run_url: safe.runUrl ?? null,
      acknowledged,
    };
    if (slackAttempts !== undefined) rec.slack_attempts = slackAttempts;
    deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
  }
  return { action, issue: issue?.number ?? open?.issue ?? null, slack, github, alertId };
}
