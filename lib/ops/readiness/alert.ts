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
import type { ContextVault, ReadinessCheck } from './checks.js';

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

/** One context's alert: the context's failing checks (and a failing doctor check) make it `unhealthy`. */
export async function readinessAlert(
  rt: Runtime,
  store: ContextStore,
  context: string,
  checks: readonly ReadinessCheck[],
  verdictLine: string,
  vault: ContextVault | undefined,
  slackKey: string,
  token: string | undefined,
  deps: ReadinessDeps,
): Promise<ReadinessAlert> {
  const mine = checks.filter((k) => k.context === context || k.context === null);
  const failed = mine.filter((k) => k.status === 'fail');
  const lines = mine.map((k) =>
    statusLine(
      'ops_readiness_check',
      [
        ['status', k.status],
        ['check', k.check],
        ['context', k.context ?? undefined],
        ['reason', k.reason],
        ['age_hours', k.age_hours],
      ],
      rt.redactor,
    ),
  );
  lines.push(verdictLine);
  const remediation: Remediation[] = failed.map((k) => ({ check: k.check, reason: k.reason, text: k.fix ?? k.detail }));
  // the deadline starts with this context's alerting: one slow context does not eat the next one's
  const deadline = new Deadline(deps.clock ?? systemClock, deps.alertDeadlineMs ?? ALERT_DEADLINE_MS);
  const webhook = vault?.values.get(slackKey);
  const st = store.openState(context, rt.redactor);
  try {
    const outcome = await reconcileAlert(
      {
        kind: READINESS_ALERT,
        context,
        overall: failed.length ? 'unhealthy' : 'healthy',
        lines,
        runUrl: runUrl(rt.env),
        now: rt.now(),
        remediation,
        runbookUrl: runbookLink(`${DEFAULT_RUNBOOK}#weekly-checklist`, rt.env),
      },
      {
        state: st.scoped,
        redactor: rt.redactor,
        logger: rt.logger,
        github: githubApi(rt, token, deps, deadline),
        slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined,
        deadline,
      },
    );
    return { context, outcome, line: alertLine(rt, context, outcome) };
  } catch (e) {
    rt.logger.warn(`readiness alerting of ${context} failed: ${errorMessage(e)}`);
    return {
      context,
      outcome: null,
      line: statusLine(
        'ops_alert',
        [
          ['status', 'failed'],
          ['context', context],
          ['reason', 'alert_error'],
        ],
        rt.redactor,
      ),
    };
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
