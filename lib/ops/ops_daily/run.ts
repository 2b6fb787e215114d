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
import {
  loadRequiredConfig,
  namedVaultKeys,
  prepareEngine,
  runUrl,
  type CheckDeps,
  type PreparedEngine,
} from '../checks/setup.js';
import { overallOf, type CheckResult, type Overall, type OverallResult } from '../checks/types.js';
import type { OpsDailyInputs } from './inputs.js';
import { inactivityDaysLeft, isSuccess, scheduledExit, scheduleGap, type ScheduleGap } from './schedule.js';

export const RUN_RECORD = 'ops_daily.run';
export const LAST_SUCCESS_KEY = 'ops_daily.last_success';
/** the previous run that ran (any outcome): what a missed schedule is measured from */
export const LAST_RUN_KEY = 'ops_daily.last_run';

/** What a prod or lenient run reads of the inputs (readiness and summary are other modes). */
type OpsDailySettings = Pick<OpsDailyInputs, 'github_token'> & {
  mode: Extract<OpsDailyInputs['mode'], 'prod' | 'lenient'>;
};

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

async function alertStep(
  rt: Runtime,
  s: ContextSession,
  state: ScopedState,
  config: PaasYml,
  settings: OpsDailySettings,
  deps: OpsDailyDeps,
  overall: Overall,
  lines: string[],
  ctx: AlertContext,
): Promise<AlertOutcome | null> {
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
        flapping: config.ops.alerting.flapping
          ? { changes: config.ops.alerting.flapping.changes, windowMs: config.ops.alerting.flapping.window }
          : null,
      },
      {
        state,
        redactor: rt.redactor,
        logger: rt.logger,
        github: githubApi(rt, token, deps, deadline),
        slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined,
        deadline,
      },
    );
  } catch (e) {
    rt.logger.warn(`alerting failed: ${errorMessage(e)}`);
    return null;
  }
}

function alertLine(rt: Runtime, a: AlertOutcome | null): string | null {
  if (!a || a.action === 'none') return null;
  return statusLine(
    'ops_alert',
    [
      ['status', a.action],
      ['reason', a.reason ?? undefined],
      ['cause', a.cause ?? undefined],
      ['count', a.count ?? undefined],
      ['threshold', a.threshold ?? undefined],
      ['issue', a.issue ?? undefined],
      ['slack', a.slack],
    ],
    rt.redactor,
  );
}

/** The job summary rows of the alert: what happened, with a link to the issue and what to do on failure. */
function alertSummary(a: AlertOutcome | null): string[] {
  if (!a || a.action === 'none') return [];
  const issue = a.issue ? (a.issue_url ? `[#${a.issue}](${a.issue_url})` : `#${a.issue}`) : '';
  return [
    '',
    markdownTable(['alert', 'issue', 'slack', 'reason'], [[a.action, issue, a.slack, a.reason ?? '']]),
    ...(a.action === 'pending'
      ? [
          '',
          `Alert state: pending, ${a.count} of ${a.threshold} failing runs before the alert issue opens ` +
            '(failure_threshold).',
        ]
      : []),
    ...(a.action === 'recovering'
      ? [
          '',
          `Alert state: recovering, ${a.count} of ${a.threshold} healthy runs before the alert issue ` +
            'closes (success_threshold).',
        ]
      : []),
    ...(a.action === 'flapping'
      ? [
          '',
          `Alert state: flapping, ${a.count} status changes within the window (threshold ${a.threshold}): ` +
            'the issue stays open and Slack quiet until it is stable.',
        ]
      : []),
    ...(a.action === 'silenced'
      ? [
          '',
          `Alert state: silenced (${a.reason}): the checks ran and are reported above; nobody is paged` +
            (a.reason === 'deploying' ? ' while a deploy runs or within the grace period after it' : '') +
            '.',
        ]
      : []),
    ...(a.issue_url ? ['', `Alert issue: ${a.issue_url}${a.since ? ` (failing since ${a.since})` : ''}`] : []),
    ...(a.remediation ? ['', `:warning: alert delivery failed (${a.reason}): ${a.remediation}`] : []),
  ];
}

/** Warns when GitHub is about to disable this scheduled workflow for inactivity (public repositories, 60 days). */
function alertDeadline(deps: OpsDailyDeps, capMs = Infinity): Deadline {
  return new Deadline(deps.clock ?? systemClock, Math.min(capMs, deps.alertDeadlineMs ?? ALERT_DEADLINE_MS));
}

async function inactivityLine(
  rt: Runtime,
  settings: OpsDailySettings,
  deps: OpsDailyDeps,
): Promise<{ line: string; days: number } | null> {
  if (rt.env.GITHUB_EVENT_NAME !== 'schedule') return null;
  // a warning only: two attempts, at most 15 s, so it never eats the alert's own time
  const own = alertDeadline(deps, 15_000);
  const gh = githubApi(rt, settings.github_token || rt.env.GITHUB_TOKEN || undefined, deps, own, 2);
  if (!gh?.getRepository) return null;
  try {
    const days = inactivityDaysLeft(await gh.getRepository(), rt.now());
    if (days === null) return null;
    rt.logger.warn(
      'GitHub disables scheduled workflows of a public repository after 60 days without activity: ' +
        `${days} day(s) left. ` +
        'Push a commit (or re-enable the workflow in the Actions tab when it happens) to keep ops_daily running.',
    );
    return {
      line: statusLine(
        'ops_schedule',
        [
          ['status', 'disable_soon'],
          ['days', days],
        ],
        rt.redactor,
      ),
      days,
    };
  } catch (e) {
    rt.logger.warn(
      `could not read the repository's last activity (scheduled-workflow inactivity check): ${errorMessage(e)}`,
    );
    return null;
  }
}

/** Everything one run works with, opened once by runOpsDaily. */
interface RunCtx {
  rt: Runtime;
  common: CommonInputs;
  settings: OpsDailySettings;
  deps: OpsDailyDeps;
  config: PaasYml;
  s: ContextSession;
  state: ScopedState;
  engine: PreparedEngine;
  ctxName: string;
  mode: OpsDailySettings['mode'];
  now: Date;
  runbook: string;
  event: string | null;
  url: string | null;
}

interface ScheduleState {
  gap: ScheduleGap;
  lines: string[];
  inactivity: { line: string; days: number } | null;
}

export async function runOpsDaily(
  rt: Runtime,
  common: CommonInputs,
  settings: OpsDailySettings,
  deps: OpsDailyDeps = {},
): Promise<Outcome> {
  if (settings.github_token) rt.redactor.register(settings.github_token);
  if (rt.env.GITHUB_TOKEN) rt.redactor.register(rt.env.GITHUB_TOKEN);
  const config = loadRequiredConfig(rt, common, 'ops_daily').config;
  const s = openContextSession(rt, common, {
    mutating: false,
    createIfMissing: rt.inAction,
    vaultEnvKeys: namedVaultKeys(config),
  });
  const ctxName = s.config.name;
  const now = rt.now();
  const st = s.store.openState(ctxName, rt.redactor);
  const engine = prepareEngine(rt, ctxName, s.vault, config, { deps });
  const runbook = runbookLink(config.contexts[ctxName]?.runbook ?? DEFAULT_RUNBOOK, rt.env);
  try {
    const rc: RunCtx = {
      rt,
      common,
      settings,
      deps,
      config,
      s,
      state: st.scoped,
      engine,
      ctxName,
      mode: settings.mode,
      now,
      runbook,
      event: rt.env.GITHUB_EVENT_NAME || null,
      url: runUrl(rt.env) ?? null,
    };
    return await opsDailyRun(rc);
  } finally {
    await engine.close();
    st.close();
  }
}

async function opsDailyRun(rc: RunCtx): Promise<Outcome> {
  const checks = rc.config.ops.checks;
  const missingByCheck = missingSecrets(checks, rc.s.vault);
  const requiredMissing = checks.filter((c) => c.required && missingByCheck.has(c.name));
  const schedule = await scheduleState(rc);
  const silence = maintenanceSilence(rc);
  // strict: a required check that cannot run is a configuration error, before anything runs
  if (rc.mode === 'prod' && requiredMissing.length > 0) {
    const names = [...new Set(requiredMissing.flatMap((c) => missingByCheck.get(c.name) ?? []))].sort();
    return missingSecretGate(rc, names, schedule, silence);
  }
  return checkedRun(rc, missingByCheck, schedule, silence);
}

/** The missed-schedule and inactivity warnings; measured from the previous run that ran, whatever its outcome (a failing run is not a missed one). */
async function scheduleState(rc: RunCtx): Promise<ScheduleState> {
  const { rt, now } = rc;
  const gap = scheduleGap(
    rc.state.get<string>(LAST_RUN_KEY) ?? rc.state.get<string>(LAST_SUCCESS_KEY),
    now,
    rc.config.ops.expected_interval,
  );
  const lines: string[] = [];
  if (gap.missed) {
    lines.push(
      statusLine(
        'ops_schedule',
        [
          ['status', 'missed'],
          ['age_hours', gap.ageHours],
          ['expected_hours', gap.expectedHours],
        ],
        rt.redactor,
      ),
    );
    rt.logger.warn(
      `the previous ops_daily run was ${gap.ageHours} h ago, more than the expected ${gap.expectedHours} h: ` +
        'a scheduled run did not fire',
    );
    rc.s.events.append(
      'ops_daily.schedule_missed',
      `previous run ${gap.ageHours} h ago (expected every ${gap.expectedHours} h)`,
      { age_hours: gap.ageHours, expected_hours: gap.expectedHours },
      'warning',
      now,
    );
  }
  const inactivity = rc.mode === 'prod' ? await inactivityLine(rt, rc.settings, rc.deps) : null;
  if (inactivity) lines.push(inactivity.line);
  return { gap, lines, inactivity };
}

function maintenanceSilence(rc: RunCtx): Silence | null {
  const window = activeWindow(rc.config.contexts[rc.ctxName]?.maintenance, rc.now);
  return window
    ? {
        reason: 'maintenance',
        detail:
          `maintenance window of context ${rc.ctxName} ` +
          `(${window.weekdays.join(',')} ${window.start} ${window.timezone}, ` +
          `${Math.round(window.duration / 60_000)} min)`,
      }
    : null;
}

function alertRecordOf(alert: AlertOutcome | null): OpsDailyRun['alert'] {
  return (
    alert && {
      action: alert.action,
      issue: alert.issue,
      slack: alert.slack,
      github: alert.github,
      reason: alert.reason,
    }
  );
}

/** mode=prod with a required check's secret missing: `prod_config status=fail reason=missing_env`, alerted, recorded, exit 1. */
async function missingSecretGate(
  rc: RunCtx,
  names: string[],
  schedule: ScheduleState,
  silence: Silence | null,
): Promise<Outcome> {
  const { rt, s, ctxName } = rc;
  const line = statusLine(
    'prod_config',
    [
      ['status', 'fail'],
      ['reason', 'missing_env'],
      ['missing', names],
    ],
    rt.redactor,
  );
  const remediation =
    `Add ${names.join(', ')} to the context's vault (in Actions: the environment secret passed as \`vault\`, ` +
    'or named secrets in env), or run with mode=lenient to skip those checks. Names only: ' +
    'never paste the values anywhere.';
  rt.logger.warn(`fix (prod_config): ${remediation}`);
  const alert = await alertStep(rt, s, rc.state, rc.config, rc.settings, rc.deps, 'error', [...schedule.lines, line], {
    scheduleMissed: schedule.gap,
    remediation: [{ check: 'prod_config', reason: 'missing_env', text: remediation }],
    runbookUrl: rc.runbook,
    silence,
  });
  recordMissingSecrets(rc, names, schedule, alert);
  const env = envelope(
    'ops_daily',
    ctxName,
    rc.mode,
    { overall: 'error', missing: names, alert, alert_issue: alert?.issue ?? null },
    {
      code: 'PAAS_VAULT_UNMAPPED',
      stage: 'prod_config',
      target: null,
      message:
        'mode=prod needs every declared check to run; ' +
        `context ${ctxName} has no vault value for ${names.join(', ')}`,
      remediation,
    },
  );
  const extra = alertLine(rt, alert);
  return {
    envelope: env,
    lines: [...schedule.lines, ...(extra ? [extra] : []), line],
    exitCode: EXIT_ERROR,
    summary: [
      `**prod_config failed**: missing vault keys ${names.map((n) => `\`${n}\``).join(', ')}`,
      ...alertSummary(alert),
    ].join('\n'),
  };
}

/** The run record (overall error, reason missing_env), the last-run time and the `ops_daily.finished` event. */
function recordMissingSecrets(rc: RunCtx, names: string[], schedule: ScheduleState, alert: AlertOutcome | null): void {
  const { now, mode } = rc;
  const run: OpsDailyRun = {
    overall: 'error',
    reason: 'missing_env',
    mode,
    exit_code: EXIT_ERROR,
    normalized: false,
    event: rc.event,
    checks: [],
    missing: names,
    schedule: schedule.gap,
    run_url: rc.url,
    alert: alertRecordOf(alert),
  };
  rc.state.record(RUN_RECORD, run, now.toISOString());
  rc.state.set(LAST_RUN_KEY, now.toISOString());
  rc.s.events.append(
    'ops_daily.finished',
    `ops_daily prod_config failed: missing ${names.join(', ')}`,
    { overall: 'error', reason: 'missing_env', missing: names, mode },
    'error',
    now,
  );
}

/** What the checks ran to: the overall result, its exit code and what to do about it. */
interface Verdict {
  results: CheckResult[];
  ov: OverallResult;
  exitCode: ExitCode;
  normalized: boolean;
  nothingDeclared: boolean;
  noChecksFix: string;
  remediation: Remediation[];
}

async function checkedRun(
  rc: RunCtx,
  missingByCheck: Map<string, string[]>,
  schedule: ScheduleState,
  maintenance: Silence | null,
): Promise<Outcome> {
  const { rt, mode } = rc;
  const v = await runAndJudge(rc, missingByCheck);
  const ov = v.ov;
  const silence = maintenance ?? (await deployAwareSilence(rc, ov.status));
  const lines = [...v.results.map((r) => checkLine(r, rt.redactor)), ...schedule.lines];
  // an error envelope's line is `status=fail reason=<code>` like every operation's (here PAAS_NO_CHECKS)
  const verdict = statusLine(
    'ops_daily',
    [
      ['status', v.nothingDeclared ? 'fail' : ov.status],
      ['reason', ov.reason],
      ['mode', mode],
      ['checks', ov.checks],
      ['failed', ov.failed],
      ['skipped', ov.skipped || undefined],
    ],
    rt.redactor,
  );
  const alert = await alertStep(rt, rc.s, rc.state, rc.config, rc.settings, rc.deps, ov.status, [...lines, verdict], {
    scheduleMissed: schedule.gap,
    remediation: v.remediation,
    runbookUrl: rc.runbook,
    silence,
  });
  const aLine = alertLine(rt, alert);
  if (aLine) lines.push(aLine);
  if (v.normalized)
    rt.logger.info(
      'scheduled run: the result is exactly insufficient_data, which is not a failure on a schedule (exit 0)',
    );
  if (ov.status === 'insufficient_data' && (ov.reason === 'no_checks' || ov.reason === 'all_skipped'))
    rt.logger.warn(`nothing was checked (${ov.reason}): this is never green, not even on a schedule`);
  const run = recordRun(rc, v, missingByCheck, schedule, alert);
  return {
    envelope: runEnvelope(rc, v, run, schedule, alert),
    lines: [...lines, verdict],
    exitCode: v.exitCode,
    summary: runSummary(rc, v, schedule, alert),
  };
}

async function runAndJudge(rc: RunCtx, missingByCheck: Map<string, string[]>): Promise<Verdict> {
  const { rt, config, mode } = rc;
  const checks = config.ops.checks;
  rt.logger.info(
    `ops_daily (${mode}) in context ${rc.ctxName}: ${checks.length} check(s), ` +
      `at most ${config.ops.concurrency} at once`,
  );
  const results = await runChecks(checks, rc.engine.ctx, new Set([...missingByCheck.keys()]));
  let ov = overallOf(results);
  // strict mode that checks nothing is an error: monitoring must never be green by having nothing to look at
  const nothingDeclared = mode === 'prod' && checks.length === 0;
  if (nothingDeclared) ov = { ...ov, status: 'error', reason: 'no_checks' };
  const { exitCode, normalized } = scheduledExit(ov.status, rc.event ?? undefined, ov.reason);
  const noChecksFix =
    `Declare the checks to run under ops.checks in ${rc.common.config} (docs/ops_daily.md); ` +
    'a run that checks nothing is never green.';
  const remediation = checkRemediation(rc, results);
  if (nothingDeclared) remediation.push({ check: 'ops_daily', reason: 'no_checks', text: noChecksFix });
  return { results, ov, exitCode, normalized, nothingDeclared, noChecksFix, remediation };
}

/** One fix per failing check (with its runbook), each also logged. */
function checkRemediation(rc: RunCtx, results: readonly CheckResult[]): Remediation[] {
  const remediation: Remediation[] = [];
  for (const r of results) {
    const text = remediationFor(r);
    if (!text) continue;
    const check = rc.config.ops.checks.find((c) => c.name === r.name);
    remediation.push({
      check: r.name,
      reason: r.reason ?? r.status,
      text,
      runbook: check?.runbook ? runbookLink(check.runbook, rc.rt.env) : undefined,
    });
    rc.rt.logger.warn(`fix (${r.name}): ${text}`);
  }
  return remediation;
}

/** deploy-aware: a failure while a deploy runs, or within deploy_grace after one, is not paged */
async function deployAwareSilence(rc: RunCtx, status: Overall): Promise<Silence | null> {
  const { rt, config } = rc;
  if (!(
    rc.mode === 'prod' &&
    (status === 'unhealthy' || status === 'error') &&
    config.ops.alerting.deploy_grace > 0 &&
    Object.keys(config.apps).length > 0 &&
    rc.s.vault.get(TARGETS_KEY)
  ))
    return null;
  try {
    const silence = deploySilence(
      await deployActivity(rc.engine.ctx.targets(), rc.ctxName, config.apps, rc.now),
      rc.now,
      config.ops.alerting.deploy_grace,
    );
    if (silence)
      rt.logger.warn(
        `deploying: ${silence.detail}; the failure is reported, not paged (it pages if it outlasts the grace period)`,
      );
    return silence;
  } catch (e) {
    rt.logger.warn(`could not read the targets' deploy state: ${errorMessage(e)}`);
    return null;
  }
}

/** The run record, the last-run/last-success times and the `ops_daily.finished` event. */
function recordRun(
  rc: RunCtx,
  v: Verdict,
  missingByCheck: Map<string, string[]>,
  schedule: ScheduleState,
  alert: AlertOutcome | null,
): OpsDailyRun {
  const { ov, exitCode, normalized } = v;
  const { now, mode } = rc;
  const run: OpsDailyRun = {
    overall: ov.status,
    reason: ov.reason ?? null,
    mode,
    exit_code: exitCode,
    normalized,
    event: rc.event,
    checks: v.results.map((r) => ({
      name: r.name,
      kind: r.kind,
      status: r.status,
      reason: r.reason,
      values: r.values,
      ms: r.ms,
    })),
    missing: [...new Set([...missingByCheck.values()].flat())].sort(),
    schedule: schedule.gap,
    run_url: rc.url,
    alert: alertRecordOf(alert),
  };
  rc.state.record(RUN_RECORD, run, now.toISOString());
  rc.state.set(LAST_RUN_KEY, now.toISOString());
  if (isSuccess(ov.status)) rc.state.set(LAST_SUCCESS_KEY, now.toISOString());
  const level = ov.status === 'error' ? 'error' : ov.status === 'unhealthy' ? 'warning' : 'info';
  rc.s.events.append(
    'ops_daily.finished',
    `ops_daily ${ov.status} (${mode}): ${ov.checks} checks, ${ov.failed} failed`,
    {
      overall: ov.status,
      reason: ov.reason ?? null,
      mode,
      checks: ov.checks,
      failed: ov.failed,
      skipped: ov.skipped,
      exit_code: exitCode,
      normalized,
    },
    level,
    now,
  );
  return run;
}

function runEnvelope(
  rc: RunCtx,
  v: Verdict,
  run: OpsDailyRun,
  schedule: ScheduleState,
  alert: AlertOutcome | null,
): Outcome['envelope'] {
  const { ov, normalized } = v;
  const config = rc.common.config;
  const env = envelope(
    'ops_daily',
    rc.ctxName,
    rc.mode,
    {
      overall: ov.status,
      reason: ov.reason ?? null,
      checks: run.checks,
      failed: ov.failed,
      skipped: ov.skipped,
      normalized,
      schedule_missed: schedule.gap.missed,
      last_run_age_hours: schedule.gap.ageHours,
      schedule_disable_in_days: schedule.inactivity?.days ?? null,
      remediation: v.remediation,
      runbook: rc.runbook,
      alert,
      alert_issue: alert?.issue ?? null,
    },
    v.nothingDeclared
      ? {
          code: 'PAAS_NO_CHECKS',
          stage: 'config',
          target: config,
          message: `mode=prod declares no checks in ${config}: a run that checks nothing is an error`,
          remediation: v.noChecksFix,
        }
      : undefined,
  );
  env.ok = v.exitCode === 0;
  return env;
}

function runSummary(rc: RunCtx, v: Verdict, schedule: ScheduleState, alert: AlertOutcome | null): string {
  const { ov, normalized, remediation } = v;
  const { gap, inactivity } = schedule;
  return [
    `**ops_daily** \`${ov.status}\`${ov.reason ? ` (${ov.reason})` : ''}, mode \`${rc.mode}\`: ` +
      `${ov.checks} checks, ${ov.failed} failed${ov.skipped ? `, ${ov.skipped} skipped` : ''}` +
      (normalized ? ' — scheduled run, insufficient data is not a failure' : '') +
      '.',
    '',
    checksTable(v.results),
    ...(gap.missed
      ? [
          '',
          `:warning: the previous run was ${gap.ageHours} h ago (expected every ${gap.expectedHours} h): ` +
            'a schedule did not fire.',
        ]
      : []),
    ...(inactivity
      ? [
          '',
          `:warning: GitHub disables this scheduled workflow in ${inactivity.days} day(s) ` +
            'for repository inactivity (60 days without a push): push a commit to keep it running.',
        ]
      : []),
    ...(remediation.length
      ? [
          '',
          '**What to do**',
          '',
          ...remediation.map(
            (r) => `- \`${r.check}\` (${r.reason}): ${r.text}${r.runbook ? ` [runbook](${r.runbook})` : ''}`,
          ),
          '',
          `Runbook: ${rc.runbook}`,
        ]
      : []),
    ...alertSummary(alert),
  ].join('\n');
}
