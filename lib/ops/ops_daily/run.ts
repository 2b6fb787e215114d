/**
 * ops_daily: the checks of paas.yml, one logfmt line each, then
 * `ops_daily status=<overall> [reason=<tokens>] mode=<mode> checks=<n> failed=<n> [skipped=<n>]`.
 *
 * mode=prod is strict: every declared check must run, so a missing secret of a required check
 * stops the run with `prod_config status=fail reason=missing_env missing=<NAMES>` (exit 1). Other
 * modes are lenient: such checks are reported `skipped reason=missing_env`. Alerts (issue, Slack)
 * follow the prod (strict) result only. Every run is recorded in the context state.
 */
import type { PaasYml } from '../../config/paas-yml.js';
import { envelope, type Outcome } from '../../output/envelope.js';
import { EXIT_ERROR, type ExitCode } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import type { ScopedState } from '../../state/db.js';
import { restIssuesApi, isRepository, type GitHubIssuesApi } from '../alerts/github-issues.js';
import { reconcileAlert, type AlertOutcome } from '../alerts/lifecycle.js';
import type { SlackPostOptions } from '../alerts/slack.js';
import { missingSecrets, runChecks } from '../checks/engine.js';
import { checkLine, checksTable } from '../checks/report.js';
import { loadConfig, namedVaultKeys, prepareEngine, runUrl, type CheckDeps } from '../checks/setup.js';
import { overallOf, type CheckResult, type Overall } from '../checks/types.js';
import { isSuccess, scheduledExit, scheduleGap, type ScheduleGap } from './schedule.js';

export const RUN_RECORD = 'ops_daily.run';
export const LAST_SUCCESS_KEY = 'ops_daily.last_success';

export interface OpsDailySettings {
  mode: 'prod' | 'lenient';
  github_token?: string | undefined;
}

/** Test seams (ports); production runs use the defaults. */
export interface OpsDailyDeps extends CheckDeps {
  github?: GitHubIssuesApi;
  slackOptions?: Omit<SlackPostOptions, 'redactor'>;
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
  alert: Pick<AlertOutcome, 'action' | 'issue' | 'slack' | 'github'> | null;
}

function githubApi(rt: Runtime, token: string | undefined, deps: OpsDailyDeps): GitHubIssuesApi | undefined {
  if (deps.github) return deps.github;
  const repo = rt.env.GITHUB_REPOSITORY;
  if (!token || !isRepository(repo)) return undefined;
  return restIssuesApi({ apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com', repository: repo, token });
}

async function alertStep(rt: Runtime, s: ContextSession, state: ScopedState, config: PaasYml, settings: OpsDailySettings, deps: OpsDailyDeps, overall: Overall, lines: string[]): Promise<AlertOutcome | null> {
  if (settings.mode !== 'prod') return null;
  const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
  const webhook = s.vault.get(config.ops.slack.webhook);
  try {
    return await reconcileAlert(
      { context: s.config.name, overall, lines, runUrl: runUrl(rt.env), now: rt.now() },
      { state, redactor: rt.redactor, logger: rt.logger, github: githubApi(rt, token, deps), slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined },
    );
  } catch (e) {
    rt.logger.warn(`alerting failed: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

function alertLine(rt: Runtime, a: AlertOutcome | null): string | null {
  if (!a || a.action === 'none') return null;
  return statusLine('ops_alert', [['status', a.action], ['issue', a.issue ?? undefined], ['slack', a.slack]], rt.redactor);
}

export async function runOpsDaily(rt: Runtime, common: CommonInputs, settings: OpsDailySettings, deps: OpsDailyDeps = {}): Promise<Outcome> {
  if (settings.github_token) rt.redactor.register(settings.github_token);
  if (rt.env.GITHUB_TOKEN) rt.redactor.register(rt.env.GITHUB_TOKEN);
  const loaded = loadConfig(rt, common);
  const config = loaded.config;
  const s = openContextSession(rt, common, { mutating: false, createIfMissing: rt.inAction, vaultEnvKeys: namedVaultKeys(config) });
  const ctxName = s.config.name;
  const mode = settings.mode;
  const now = rt.now();
  const st = s.store.openState(ctxName, rt.redactor);
  const engine = prepareEngine(rt, ctxName, s.vault, config, { deps });
  try {
    const checks = config.ops.checks;
    if (!loaded.exists) rt.logger.warn(`${common.config} not found: no checks declared`);
    const missingByCheck = missingSecrets(checks, s.vault);
    const requiredMissing = checks.filter((c) => c.required && missingByCheck.has(c.name));
    const gap = scheduleGap(st.scoped.get<string>(LAST_SUCCESS_KEY), now, config.ops.expected_interval);
    const event = rt.env.GITHUB_EVENT_NAME || null;
    const url = runUrl(rt.env) ?? null;

    // strict: a required check that cannot run is a configuration error, before anything runs
    if (mode === 'prod' && requiredMissing.length > 0) {
      const names = [...new Set(requiredMissing.flatMap((c) => missingByCheck.get(c.name) ?? []))].sort();
      const line = statusLine('prod_config', [['status', 'fail'], ['reason', 'missing_env'], ['missing', names]], rt.redactor);
      const alert = await alertStep(rt, s, st.scoped, config, settings, deps, 'error', [line]);
      const run: OpsDailyRun = { overall: 'error', reason: 'missing_env', mode, exit_code: EXIT_ERROR, normalized: false, event, checks: [], missing: names, schedule: gap, run_url: url, alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github } };
      st.scoped.record(RUN_RECORD, run, now.toISOString());
      s.events.append('ops_daily.finished', `ops_daily prod_config failed: missing ${names.join(', ')}`, { overall: 'error', reason: 'missing_env', missing: names, mode }, 'error', now);
      const env = envelope('ops_daily', ctxName, mode, { overall: 'error', missing: names, alert }, {
        code: 'PAAS_VAULT_UNMAPPED',
        stage: 'prod_config',
        target: null,
        message: `mode=prod needs every declared check to run; context ${ctxName} has no vault value for ${names.join(', ')}`,
        remediation: `Add ${names.join(', ')} to the context's vault (in Actions: the environment secret passed as \`vault\`, or named secrets in env), or run with mode=lenient to skip those checks. Names only: never paste the values anywhere.`,
      });
      const extra = alertLine(rt, alert);
      return { envelope: env, lines: [...(extra ? [extra] : []), line], exitCode: EXIT_ERROR, summary: `**prod_config failed**: missing vault keys ${names.map((n) => `\`${n}\``).join(', ')}` };
    }

    const skip = new Set([...missingByCheck.keys()]);
    rt.logger.info(`ops_daily (${mode}) in context ${ctxName}: ${checks.length} check(s), at most ${config.ops.concurrency} at once`);
    const results = await runChecks(checks, engine.ctx, skip);
    const ov = overallOf(results);
    const { exitCode, normalized } = scheduledExit(ov.status, event ?? undefined);

    const lines = results.map((r) => checkLine(r, rt.redactor));
    if (gap.missed) {
      lines.push(statusLine('ops_schedule', [['status', 'missed'], ['age_hours', gap.ageHours], ['expected_hours', gap.expectedHours]], rt.redactor));
      rt.logger.warn(`the previous successful ops_daily run was ${gap.ageHours} h ago, more than the expected ${gap.expectedHours} h: a scheduled run did not fire or did not succeed`);
      s.events.append('ops_daily.schedule_missed', `previous successful run ${gap.ageHours} h ago (expected every ${gap.expectedHours} h)`, { age_hours: gap.ageHours, expected_hours: gap.expectedHours }, 'warning', now);
    }
    const verdict = statusLine('ops_daily', [['status', ov.status], ['reason', ov.reason], ['mode', mode], ['checks', ov.checks], ['failed', ov.failed], ['skipped', ov.skipped || undefined]], rt.redactor);
    const alert = await alertStep(rt, s, st.scoped, config, settings, deps, ov.status, [...lines, verdict]);
    const aLine = alertLine(rt, alert);
    if (aLine) lines.push(aLine);
    if (normalized) rt.logger.info('scheduled run: the result is exactly insufficient_data, which is not a failure on a schedule (exit 0)');

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
      alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github },
    };
    st.scoped.record(RUN_RECORD, run, now.toISOString());
    if (isSuccess(ov.status)) st.scoped.set(LAST_SUCCESS_KEY, now.toISOString());
    const level = ov.status === 'error' ? 'error' : ov.status === 'unhealthy' ? 'warning' : 'info';
    s.events.append('ops_daily.finished', `ops_daily ${ov.status} (${mode}): ${ov.checks} checks, ${ov.failed} failed`, { overall: ov.status, reason: ov.reason ?? null, mode, checks: ov.checks, failed: ov.failed, skipped: ov.skipped, exit_code: exitCode, normalized }, level, now);

    const env = envelope('ops_daily', ctxName, mode, {
      overall: ov.status,
      reason: ov.reason ?? null,
      checks: run.checks,
      failed: ov.failed,
      skipped: ov.skipped,
      normalized,
      schedule_missed: gap.missed,
      last_success_age_hours: gap.ageHours,
      alert,
      alert_issue: alert?.issue ?? null,
    });
    env.ok = exitCode === 0;
    const summary = [
      `**ops_daily** \`${ov.status}\`${ov.reason ? ` (${ov.reason})` : ''}, mode \`${mode}\`: ${ov.checks} checks, ${ov.failed} failed${ov.skipped ? `, ${ov.skipped} skipped` : ''}${normalized ? ' — scheduled run, insufficient data is not a failure' : ''}.`,
      '',
      checksTable(results),
      ...(gap.missed ? ['', `:warning: the previous successful run was ${gap.ageHours} h ago (expected every ${gap.expectedHours} h): a schedule did not fire.`] : []),
      ...(alert && alert.action !== 'none' ? ['', markdownTable(['alert', 'issue', 'slack'], [[alert.action, alert.issue ?? '', alert.slack]])] : []),
    ].join('\n');
    return { envelope: env, lines: [...lines, verdict], exitCode, summary };
  } finally {
    await engine.close();
    st.close();
  }
}
