/**
 * ops_daily: the checks of paas.yml, one logfmt line each, then
 * `ops_daily status=<overall> [reason=<tokens>] mode=<mode> checks=<n> failed=<n> [skipped=<n>]`.
 *
 * mode=prod is strict: every declared check must run, so a missing secret of a required check
 * stops the run with `prod_config status=fail reason=missing_env missing=<NAMES>` (exit 1). Other
 * modes are lenient: such checks are reported `skipped reason=missing_env`. Alerts (issue, Slack)
 * follow the prod (strict) result only. Every run is recorded in the context state.
 *
 * A run that checks nothing is never green: a missing paas.yml is an error naming the path, mode=prod
 * with no checks is `status=fail reason=no_checks` (PAAS_NO_CHECKS, exit 1), and a lenient run whose checks were all
 * skipped is `insufficient_data reason=all_skipped`, never normalized on a schedule. The
 * `ops_alert` line says what happened to the delivery (`status=failed reason=github_403 cause=...`
 * when GitHub refused), and a missed schedule alerts like a failure.
 */
import type { PaasYml } from '../../config/paas-yml.js';
import { envelope, type Outcome } from '../../output/envelope.js';
import { EXIT_ERROR, type ExitCode } from '../../output/exit.js';
import { errorMessage } from '../../output/errors.js';
import { statusLine } from '../../output/logfmt.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import type { ScopedState } from '../../state/db.js';
import { Deadline, systemClock, type Clock } from '../../github/retry.js';
import type { GitHubIssuesApi } from '../alerts/github-issues.js';
import { ALERT_DEADLINE_MS, DEFAULT_RUNBOOK, githubApi, runbookLink } from '../alerts/delivery.js';
import { reconcileAlert, type AlertOutcome, type Remediation } from '../alerts/lifecycle.js';
import { deployActivity, deploySilence } from '../alerts/deploying.js';
import { activeWindow, type Silence } from '../alerts/silence.js';
import type { SlackPostOptions } from '../alerts/slack.js';
import { missingSecrets, runChecks, TARGETS_KEY } from '../checks/engine.js';
import { checkLine, checksTable } from '../checks/report.js';
import { remediationFor } from '../checks/remediation.js';
import { loadRequiredConfig, namedVaultKeys, prepareEngine, runUrl, type CheckDeps } from '../checks/setup.js';
import { overallOf, type CheckResult, type Overall } from '../checks/types.js';
import { inactivityDaysLeft, isSuccess, scheduledExit, scheduleGap, type ScheduleGap } from './schedule.js';

export { ALERT_DEADLINE_MS, DEFAULT_RUNBOOK, runbookLink };

export const RUN_RECORD = 'ops_daily.run';
export const LAST_SUCCESS_KEY = 'ops_daily.last_success';
/** the previous run that ran (any outcome): what a missed schedule is measured from */
export const LAST_RUN_KEY = 'ops_daily.last_run';

export interface OpsDailySettings {
  mode: 'prod' | 'lenient';
  github_token?: string | undefined;
}

/** Test seams (ports); production runs use the defaults. */
export interface OpsDailyDeps extends CheckDeps {
  github?: GitHubIssuesApi;
  slackOptions?: Omit<SlackPostOptions, 'redactor'>;
  /** time for retries and Retry-After waits (tests: a virtual clock, so nobody waits real seconds) */
  clock?: Clock;
  alertDeadlineMs?: number;
  /** first backoff of GitHub retries (default 1 s) */
  githubBaseDelayMs?: number;
}

/** The record of one run (state kind `ops_daily.run`): structured, aggregate-only. */
export interface OpsDailyRun {
  overall: Overall;
  reason: string | null;
  mode: string;
  exit_code: ExitCode;
  normalized: boolean;
  event: string | null;
  checks: Array<Pick<CheckResult, 'name' | 'kind' | 'status' | 'reason' | 'values' | 'ms'>>;
  missing: string[];
  schedule: ScheduleGap;
  run_url: string | null;
  alert: Pick<AlertOutcome, 'action' | 'issue' | 'slack' | 'github' | 'reason'> | null;
}

interface AlertContext {
  scheduleMissed: ScheduleGap | null;
  remediation: Remediation[];
  runbookUrl: string;
  silence?: Silence | null;
}

async function alertStep(rt: Runtime, s: ContextSession, state: ScopedState, config: PaasYml, settings: OpsDailySettings, deps: OpsDailyDeps, overall: Overall, lines: string[], ctx: AlertContext): Promise<AlertOutcome | null> {
  if (settings.mode !== 'prod') return null;
  // the deadline starts with the alerting, not with the run: slow checks do not eat it
  const deadline = alertDeadline(deps);
  const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
  const webhook = s.vault.get(config.ops.slack.webhook);
  try {
    return await reconcileAlert(
      {
        context: s.config.name,
        overall,
        lines,
        runUrl: runUrl(rt.env),
        now: rt.now(),
        scheduleMissed: ctx.scheduleMissed?.missed ? ctx.scheduleMissed : null,
        remediation: ctx.remediation,
        runbookUrl: ctx.runbookUrl,
        thresholds: { failure: config.ops.alerting.failure_threshold, success: config.ops.alerting.success_threshold },
        silence: ctx.silence ?? null,
        remindEveryMs: config.ops.alerting.remind_every,
        flapping: config.ops.alerting.flapping ? { changes: config.ops.alerting.flapping.changes, windowMs: config.ops.alerting.flapping.window } : null,
      },
      { state, redactor: rt.redactor, logger: rt.logger, github: githubApi(rt, token, deps, deadline), slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined, deadline },
    );
  } catch (e) {
    rt.logger.warn(`alerting failed: ${errorMessage(e)}`);
    return null;
  }
}

function alertLine(rt: Runtime, a: AlertOutcome | null): string | null {
  if (!a || a.action === 'none') return null;
  return statusLine('ops_alert', [['status', a.action], ['reason', a.reason ?? undefined], ['cause', a.cause ?? undefined], ['count', a.count ?? undefined], ['threshold', a.threshold ?? undefined], ['issue', a.issue ?? undefined], ['slack', a.slack]], rt.redactor);
}

/** The job summary rows of the alert: what happened, with a link to the issue and what to do on failure. */
function alertSummary(a: AlertOutcome | null): string[] {
  if (!a || a.action === 'none') return [];
  const issue = a.issue ? (a.issue_url ? `[#${a.issue}](${a.issue_url})` : `#${a.issue}`) : '';
  return [
    '',
    markdownTable(['alert', 'issue', 'slack', 'reason'], [[a.action, issue, a.slack, a.reason ?? '']]),
    ...(a.action === 'pending' ? ['', `Alert state: pending, ${a.count} of ${a.threshold} failing runs before the alert issue opens (failure_threshold).`] : []),
    ...(a.action === 'recovering' ? ['', `Alert state: recovering, ${a.count} of ${a.threshold} healthy runs before the alert issue closes (success_threshold).`] : []),
    ...(a.action === 'flapping' ? ['', `Alert state: flapping, ${a.count} status changes within the window (threshold ${a.threshold}): the issue stays open and Slack quiet until it is stable.`] : []),
    ...(a.action === 'silenced' ? ['', `Alert state: silenced (${a.reason}): the checks ran and are reported above; nobody is paged${a.reason === 'deploying' ? ' while a deploy runs or within the grace period after it' : ''}.`] : []),
    ...(a.issue_url ? ['', `Alert issue: ${a.issue_url}${a.since ? ` (failing since ${a.since})` : ''}`] : []),
    ...(a.remediation ? ['', `:warning: alert delivery failed (${a.reason}): ${a.remediation}`] : []),
  ];
}

/** Warns when GitHub is about to disable this scheduled workflow for inactivity (public repositories, 60 days). */
function alertDeadline(deps: OpsDailyDeps, capMs = Infinity): Deadline {
  return new Deadline(deps.clock ?? systemClock, Math.min(capMs, deps.alertDeadlineMs ?? ALERT_DEADLINE_MS));
}

async function inactivityLine(rt: Runtime, settings: OpsDailySettings, deps: OpsDailyDeps): Promise<{ line: string; days: number } | null> {
  if (rt.env.GITHUB_EVENT_NAME !== 'schedule') return null;
  // a warning only: two attempts, at most 15 s, so it never eats the alert's own time
  const own = alertDeadline(deps, 15_000);
  const gh = githubApi(rt, settings.github_token || rt.env.GITHUB_TOKEN || undefined, deps, own, 2);
  if (!gh?.getRepository) return null;
  try {
    const days = inactivityDaysLeft(await gh.getRepository(), rt.now());
    if (days === null) return null;
    rt.logger.warn(`GitHub disables scheduled workflows of a public repository after 60 days without activity: ${days} day(s) left. Push a commit (or re-enable the workflow in the Actions tab when it happens) to keep ops_daily running.`);
    return { line: statusLine('ops_schedule', [['status', 'disable_soon'], ['days', days]], rt.redactor), days };
  } catch (e) {
    rt.logger.warn(`could not read the repository's last activity (scheduled-workflow inactivity check): ${errorMessage(e)}`);
    return null;
  }
}

export async function runOpsDaily(rt: Runtime, common: CommonInputs, settings: OpsDailySettings, deps: OpsDailyDeps = {}): Promise<Outcome> {
  if (settings.github_token) rt.redactor.register(settings.github_token);
  if (rt.env.GITHUB_TOKEN) rt.redactor.register(rt.env.GITHUB_TOKEN);
  const loaded = loadRequiredConfig(rt, common, 'ops_daily');
  const config = loaded.config;
  const s = openContextSession(rt, common, { mutating: false, createIfMissing: rt.inAction, vaultEnvKeys: namedVaultKeys(config) });
  const ctxName = s.config.name;
  const mode = settings.mode;
  const now = rt.now();
  const st = s.store.openState(ctxName, rt.redactor);
  const engine = prepareEngine(rt, ctxName, s.vault, config, { deps });
  const contextRunbook = runbookLink(config.contexts[ctxName]?.runbook ?? DEFAULT_RUNBOOK, rt.env);
  try {
    const checks = config.ops.checks;
    const missingByCheck = missingSecrets(checks, s.vault);
    const requiredMissing = checks.filter((c) => c.required && missingByCheck.has(c.name));
    // measured from the previous run that ran, whatever its outcome (a failing run is not a missed one)
    const gap = scheduleGap(st.scoped.get<string>(LAST_RUN_KEY) ?? st.scoped.get<string>(LAST_SUCCESS_KEY), now, config.ops.expected_interval);
    const event = rt.env.GITHUB_EVENT_NAME || null;
    const url = runUrl(rt.env) ?? null;
    const scheduleLines: string[] = [];
    if (gap.missed) {
      scheduleLines.push(statusLine('ops_schedule', [['status', 'missed'], ['age_hours', gap.ageHours], ['expected_hours', gap.expectedHours]], rt.redactor));
      rt.logger.warn(`the previous ops_daily run was ${gap.ageHours} h ago, more than the expected ${gap.expectedHours} h: a scheduled run did not fire`);
      s.events.append('ops_daily.schedule_missed', `previous run ${gap.ageHours} h ago (expected every ${gap.expectedHours} h)`, { age_hours: gap.ageHours, expected_hours: gap.expectedHours }, 'warning', now);
    }
    const inactivity = mode === 'prod' ? await inactivityLine(rt, settings, deps) : null;
    const window = activeWindow(config.contexts[ctxName]?.maintenance, now);
    let silence: Silence | null = window ? { reason: 'maintenance', detail: `maintenance window of context ${ctxName} (${window.weekdays.join(',')} ${window.start} ${window.timezone}, ${Math.round(window.duration / 60_000)} min)` } : null;
    if (inactivity) scheduleLines.push(inactivity.line);

    // strict: a required check that cannot run is a configuration error, before anything runs
    if (mode === 'prod' && requiredMissing.length > 0) {
      const names = [...new Set(requiredMissing.flatMap((c) => missingByCheck.get(c.name) ?? []))].sort();
      const line = statusLine('prod_config', [['status', 'fail'], ['reason', 'missing_env'], ['missing', names]], rt.redactor);
      const remediation = `Add ${names.join(', ')} to the context's vault (in Actions: the environment secret passed as \`vault\`, or named secrets in env), or run with mode=lenient to skip those checks. Names only: never paste the values anywhere.`;
      rt.logger.warn(`fix (prod_config): ${remediation}`);
      const alert = await alertStep(rt, s, st.scoped, config, settings, deps, 'error', [...scheduleLines, line], { scheduleMissed: gap, remediation: [{ check: 'prod_config', reason: 'missing_env', text: remediation }], runbookUrl: contextRunbook, silence });
      const run: OpsDailyRun = { overall: 'error', reason: 'missing_env', mode, exit_code: EXIT_ERROR, normalized: false, event, checks: [], missing: names, schedule: gap, run_url: url, alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github, reason: alert.reason } };
      st.scoped.record(RUN_RECORD, run, now.toISOString());
      st.scoped.set(LAST_RUN_KEY, now.toISOString());
      s.events.append('ops_daily.finished', `ops_daily prod_config failed: missing ${names.join(', ')}`, { overall: 'error', reason: 'missing_env', missing: names, mode }, 'error', now);
      const env = envelope('ops_daily', ctxName, mode, { overall: 'error', missing: names, alert, alert_issue: alert?.issue ?? null }, {
        code: 'PAAS_VAULT_UNMAPPED',
        stage: 'prod_config',
        target: null,
        message: `mode=prod needs every declared check to run; context ${ctxName} has no vault value for ${names.join(', ')}`,
        remediation,
      });
      const extra = alertLine(rt, alert);
      return { envelope: env, lines: [...scheduleLines, ...(extra ? [extra] : []), line], exitCode: EXIT_ERROR, summary: [`**prod_config failed**: missing vault keys ${names.map((n) => `\`${n}\``).join(', ')}`, ...alertSummary(alert)].join('\n') };
    }

    const skip = new Set([...missingByCheck.keys()]);
    rt.logger.info(`ops_daily (${mode}) in context ${ctxName}: ${checks.length} check(s), at most ${config.ops.concurrency} at once`);
    const results = await runChecks(checks, engine.ctx, skip);
    let ov = overallOf(results);
    // strict mode that checks nothing is an error: monitoring must never be green by having nothing to look at
    const nothingDeclared = mode === 'prod' && checks.length === 0;
    if (nothingDeclared) ov = { ...ov, status: 'error', reason: 'no_checks' };
    const { exitCode, normalized } = scheduledExit(ov.status, event ?? undefined, ov.reason);

    const remediation: Remediation[] = [];
    for (const r of results) {
      const text = remediationFor(r);
      if (!text) continue;
      const check = checks.find((c) => c.name === r.name);
      remediation.push({ check: r.name, reason: r.reason ?? r.status, text, runbook: check?.runbook ? runbookLink(check.runbook, rt.env) : undefined });
      rt.logger.warn(`fix (${r.name}): ${text}`);
    }
    // deploy-aware: a failure while a deploy runs, or within deploy_grace after one, is not paged
    if (!silence && mode === 'prod' && (ov.status === 'unhealthy' || ov.status === 'error') && config.ops.alerting.deploy_grace > 0 && Object.keys(config.apps).length > 0 && s.vault.get(TARGETS_KEY)) {
      try {
        silence = deploySilence(await deployActivity(engine.ctx.targets(), ctxName, config.apps, now), now, config.ops.alerting.deploy_grace);
        if (silence) rt.logger.warn(`deploying: ${silence.detail}; the failure is reported, not paged (it pages if it outlasts the grace period)`);
      } catch (e) {
        rt.logger.warn(`could not read the targets' deploy state: ${errorMessage(e)}`);
      }
    }
    const noChecksFix = `Declare the checks to run under ops.checks in ${common.config} (docs/ops_daily.md); a run that checks nothing is never green.`;
    if (nothingDeclared) remediation.push({ check: 'ops_daily', reason: 'no_checks', text: noChecksFix });

    const lines = results.map((r) => checkLine(r, rt.redactor));
    lines.push(...scheduleLines);
    // an error envelope's line is `status=fail reason=<code>` like every operation's (here PAAS_NO_CHECKS)
    const verdict = statusLine('ops_daily', [['status', nothingDeclared ? 'fail' : ov.status], ['reason', ov.reason], ['mode', mode], ['checks', ov.checks], ['failed', ov.failed], ['skipped', ov.skipped || undefined]], rt.redactor);
    const alert = await alertStep(rt, s, st.scoped, config, settings, deps, ov.status, [...lines, verdict], { scheduleMissed: gap, remediation, runbookUrl: contextRunbook, silence });
    const aLine = alertLine(rt, alert);
    if (aLine) lines.push(aLine);
    if (normalized) rt.logger.info('scheduled run: the result is exactly insufficient_data, which is not a failure on a schedule (exit 0)');
    if (ov.status === 'insufficient_data' && (ov.reason === 'no_checks' || ov.reason === 'all_skipped')) rt.logger.warn(`nothing was checked (${ov.reason}): this is never green, not even on a schedule`);

    const run: OpsDailyRun = {
      overall: ov.status,
      reason: ov.reason ?? null,
      mode,
      exit_code: exitCode,
      normalized,
      event,
      checks: results.map((r) => ({ name: r.name, kind: r.kind, status: r.status, reason: r.reason, values: r.values, ms: r.ms })),
      missing: [...new Set([...missingByCheck.values()].flat())].sort(),
      schedule: gap,
      run_url: url,
      alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github, reason: alert.reason },
    };
    st.scoped.record(RUN_RECORD, run, now.toISOString());
    st.scoped.set(LAST_RUN_KEY, now.toISOString());
    if (isSuccess(ov.status)) st.scoped.set(LAST_SUCCESS_KEY, now.toISOString());
    const level = ov.status === 'error' ? 'error' : ov.status === 'unhealthy' ? 'warning' : 'info';
    s.events.append('ops_daily.finished', `ops_daily ${ov.status} (${mode}): ${ov.checks} checks, ${ov.failed} failed`, { overall: ov.status, reason: ov.reason ?? null, mode, checks: ov.checks, failed: ov.failed, skipped: ov.skipped, exit_code: exitCode, normalized }, level, now);

    const env = envelope(
      'ops_daily',
      ctxName,
      mode,
      {
        overall: ov.status,
        reason: ov.reason ?? null,
        checks: run.checks,
        failed: ov.failed,
        skipped: ov.skipped,
        normalized,
        schedule_missed: gap.missed,
        last_run_age_hours: gap.ageHours,
        schedule_disable_in_days: inactivity?.days ?? null,
        remediation,
        runbook: contextRunbook,
        alert,
        alert_issue: alert?.issue ?? null,
      },
      nothingDeclared ? { code: 'PAAS_NO_CHECKS', stage: 'config', target: common.config, message: `mode=prod declares no checks in ${common.config}: a run that checks nothing is an error`, remediation: noChecksFix } : undefined,
    );
    env.ok = exitCode === 0;
    const summary = [
      `**ops_daily** \`${ov.status}\`${ov.reason ? ` (${ov.reason})` : ''}, mode \`${mode}\`: ${ov.checks} checks, ${ov.failed} failed${ov.skipped ? `, ${ov.skipped} skipped` : ''}${normalized ? ' — scheduled run, insufficient data is not a failure' : ''}.`,
      '',
      checksTable(results),
      ...(gap.missed ? ['', `:warning: the previous run was ${gap.ageHours} h ago (expected every ${gap.expectedHours} h): a schedule did not fire.`] : []),
      ...(inactivity ? ['', `:warning: GitHub disables this scheduled workflow in ${inactivity.days} day(s) for repository inactivity (60 days without a push): push a commit to keep it running.`] : []),
      ...(remediation.length ? ['', '**What to do**', '', ...remediation.map((r) => `- \`${r.check}\` (${r.reason}): ${r.text}${r.runbook ? ` [runbook](${r.runbook})` : ''}`), '', `Runbook: ${contextRunbook}`] : []),
      ...alertSummary(alert),
    ].join('\n');
    return { envelope: env, lines: [...lines, verdict], exitCode, summary };
  } finally {
    await engine.close();
    st.close();
  }
}
