/**
 * The readiness alert (issue 17): `paas ops readiness` / ops_daily `mode: readiness` run with a
 * GitHub repository and token (a workflow with `issues: write`) keeps one alert issue per context
 * titled `ops readiness not ready`, through the same lifecycle as the ops_daily alert
 * (lib/ops/alerts/lifecycle.ts) with its own hidden marker and state keys: opened when the context
 * is not ready, a comment on each recurrence, closed with a comment when it is ready again, Slack
 * (the context's webhook) on each event, retries within a deadline, deduplicated by the marker.
 * Neither alert ever finds, comments on or closes the other's issue.
 *
 * A context is not ready when one of its checks, or the state-root-wide doctor check, failed.
 * Every context checked gets one `ops_alert status=<action> context=<name> ...` line that says what
 * actually happened to the delivery (`failed reason=github_403 cause=permission` when GitHub refused).
 */
import type { ContextStore } from '../../isolation/store.js';
import { Deadline, systemClock, type Clock } from '../../github/retry.js';
import { statusLine } from '../../output/logfmt.js';
import { errorMessage } from '../../output/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { reconcileAlert, READINESS_ALERT, type AlertOutcome, type Remediation } from '../alerts/lifecycle.js';
import { runUrl } from '../checks/setup.js';
import { ALERT_DEADLINE_MS, DEFAULT_RUNBOOK, githubApi, runbookLink } from '../alerts/delivery.js';
import type { GitHubIssuesApi } from '../alerts/github-issues.js';
import type { SlackPostOptions } from '../alerts/slack.js';
import { checksOf, readinessCheckLine, type ContextVault, type ReadinessCheck } from './checks.js';

/** Test seams (ports), the same as ops_daily's; production runs use the defaults. */
export interface ReadinessDeps {
  github?: GitHubIssuesApi;
  slackOptions?: Omit<SlackPostOptions, 'redactor'>;
  /** time for retries and Retry-After waits (tests: a virtual clock) */
  clock?: Clock;
  alertDeadlineMs?: number;
  /** first backoff of GitHub retries (default 1 s) */
  githubBaseDelayMs?: number;
}

export interface ReadinessAlert {
  context: string;
  outcome: AlertOutcome | null;
  line: string | null;
}

/** The context an alert is for, and where it goes: the Slack webhook in its vault, GitHub with the token. */
interface AlertTarget {
  context: string;
  vault: ContextVault | undefined;
  slackKey: string;
  token: string | undefined;
}

/** The alert's status lines (the context's checks, then its verdict) and the fix of each failed check. */
function alertReport(rt: Runtime, context: string, checks: readonly ReadinessCheck[], verdictLine: string) {
  const mine = checksOf(checks, context);
  const failed = mine.filter((k) => k.status === 'fail');
  const lines = [...mine.map((k) => readinessCheckLine(k, rt.redactor)), verdictLine];
  const remediation: Remediation[] = failed.map((k) => ({ check: k.check, reason: k.reason, text: k.fix ?? k.detail }));
  return { overall: failed.length ? ('unhealthy' as const) : ('healthy' as const), lines, remediation };
}

/** The line of an alert that could not be delivered at all (an unexpected error). */
function alertErrorLine(rt: Runtime, context: string): string {
  return statusLine(
    'ops_alert',
    [
      ['status', 'failed'],
      ['context', context],
      ['reason', 'alert_error'],
    ],
    rt.redactor,
  );
}

/** One context's alert: the context's failing checks (and a failing doctor check) make it `unhealthy`. */
export async function readinessAlert(
  rt: Runtime,
  store: ContextStore,
  target: AlertTarget,
  checks: readonly ReadinessCheck[],
  verdictLine: string,
  deps: ReadinessDeps,
): Promise<ReadinessAlert> {
  const { context } = target;
  const report = alertReport(rt, context, checks, verdictLine);
  // the deadline starts with this context's alerting: one slow context does not eat the next one's
  const deadline = new Deadline(deps.clock ?? systemClock, deps.alertDeadlineMs ?? ALERT_DEADLINE_MS);
  const webhook = target.vault?.values.get(target.slackKey);
  const st = store.openState(context, rt.redactor);
  try {
    const outcome = await reconcileAlert(
      {
        kind: READINESS_ALERT,
        context,
        ...report,
        runUrl: runUrl(rt.env),
        now: rt.now(),
        runbookUrl: runbookLink(`${DEFAULT_RUNBOOK}#weekly-checklist`, rt.env),
      },
      {
        state: st.scoped,
        redactor: rt.redactor,
        logger: rt.logger,
        github: githubApi(rt, target.token, deps, deadline),
        slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined,
        deadline,
      },
    );
    return { context, outcome, line: alertLine(rt, context, outcome) };
  } catch (e) {
    rt.logger.warn(`readiness alerting of ${context} failed: ${errorMessage(e)}`);
    return { context, outcome: null, line: alertErrorLine(rt, context) };
  } finally {
    st.close();
  }
}

function alertLine(rt: Runtime, context: string, a: AlertOutcome): string | null {
  if (a.action === 'none') return null;
  return statusLine(
    'ops_alert',
    [
      ['status', a.action],
      ['context', context],
      ['reason', a.reason ?? undefined],
      ['cause', a.cause ?? undefined],
      ['issue', a.issue ?? undefined],
      ['slack', a.slack],
    ],
    rt.redactor,
  );
}
