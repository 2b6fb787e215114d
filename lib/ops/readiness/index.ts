/**
 * `paas ops readiness` / ops_daily `mode: readiness`: the weekly checklist of the runbook
 * (docs/runbook.md) as a check, for every context under the state root or the ones given.
 * Exit 0 ready, 2 a check failed (or nothing to check), 1 error. Reads only; appends one
 * `ops_readiness.finished` event to each context it checked.
 */
import type { ContextConfig } from '../../isolation/context.js';
import { defaultPaasYml, loadPaasYml } from '../../config/paas-yml.js';
import type { Outcome } from '../../output/envelope.js';
import { invalidArgument, PaasError } from '../../output/errors.js';
import { EXIT_OK, EXIT_UNHEALTHY } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { RunOperation } from '../operation.js';
import { openStore } from '../../runtime/session.js';
import type { ContextStore } from '../../isolation/store.js';
import { readStateRoot, type StateView } from '../doctor/state.js';
import { isRepository } from '../alerts/github-issues.js';
import type { OpsDailyInputs } from '../ops_daily/inputs.js';
import type { ReadinessAlert, ReadinessDeps } from './alert.js';
import {
  checkAlertRoute,
  checkBackup,
  checkDistinctTargets,
  checkDistinctVault,
  checkDrill,
  checksOf,
  readContextVault,
  readinessCheckLine,
  type ContextVault,
  type ReadinessCheck,
} from './checks.js';

export { CHECK_NAMES, type ReadinessCheck } from './checks.js';

/**
 * ops_daily's inputs that readiness reads: `contexts` (more contexts beside `context`,
 * comma-separated; none: every context of the state root), `backup_max_age` and `drill_window`
 * (defaults in the schema), `github_token`.
 */
type ReadinessSettings = Pick<OpsDailyInputs, 'contexts' | 'backup_max_age' | 'drill_window' | 'github_token'>;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `26h`, `2d`, `90m`, `1w` in milliseconds. */
function policyDuration(name: string, text: string): number {
  const m = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0)
    // a long value is not echoed: cut before redaction, a secret's first part would be shown
    throw invalidArgument(
      `${name} ${text.length <= 32 ? JSON.stringify(text) : `(${text.length} characters)`} is not a duration`,
      `Give ${name} as a number and a unit: 90m, 26h, 7d, 1w.`,
    );
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

function listOf(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * The doctor check: the doctor operation on the state root (its isolation checks and the
 * repository's), run through `runOperation`, the dispatcher the entry layer lends readiness.
 */
async function doctorCheck(
  rt: Runtime,
  common: CommonInputs,
  root: string,
  runOperation: RunOperation,
): Promise<ReadinessCheck> {
  const quiet: Runtime = {
    ...rt,
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: (m) => rt.logger.debug(m) },
  };
  const o = await runOperation(quiet, 'doctor', {
    state_root: root,
    allow_unsafe_state_root: common.allow_unsafe_state_root,
  });
  const last = o.lines.at(-1) ?? '';
  const base = { check: 'doctor' as const, context: null };
  if (o.exitCode === 0) return { ...base, status: 'ok', reason: 'ok', detail: last, fix: null };
  const failed = ((o.envelope.fields.checks as Array<{ name: string; ok: boolean }> | undefined) ?? [])
    .filter((c) => !c.ok)
    .map((c) => c.name);
  return {
    ...base,
    status: 'fail',
    reason: o.envelope.error ? o.envelope.error.code.toLowerCase().replace(/^paas_/, '') : 'findings',
    detail: `${last}${failed.length ? ` (failing: ${failed.join(', ')})` : ''}`,
    fix: `Run \`paas doctor --state-root ${root}\` and fix each finding (docs/doctor.md); never baseline a real one.`,
  };
}

/** The policy of one run: a backup's maximum age and the rollback drill window, in milliseconds. */
interface ReadinessPolicy {
  backupMaxAge: number;
  drillWindow: number;
}

function readinessPolicy(settings: ReadinessSettings): ReadinessPolicy {
  return {
    backupMaxAge: policyDuration('backup_max_age', settings.backup_max_age),
    drillWindow: policyDuration('drill_window', settings.drill_window),
  };
}

/** The contexts to check: `context` and `contexts` (each must exist), else every context of the state root. */
function selectContexts(
  root: string,
  view: StateView,
  common: CommonInputs,
  settings: ReadinessSettings,
): ContextConfig[] {
  const byName = new Map(view.contexts.map((c) => [c.name, c]));
  const asked = [...new Set([...(common.context ? [common.context] : []), ...listOf(settings.contexts)])];
  for (const n of asked) {
    if (!byName.has(n)) {
      throw new PaasError('PAAS_CONTEXT_UNRESOLVED', `context ${n} does not exist under state root ${root}`, {
        stage: 'context',
        remediation:
          `Check the name (\`paas context list --state-root ${root}\`), ` + 'or pass the state root that holds it.',
      });
    }
  }
  return asked.length ? asked.map((n) => byName.get(n) as ContextConfig) : view.contexts;
}

/** A state root without contexts: nothing was checked, so nothing is ready (exit 2). */
function noContextsOutcome(rt: Runtime, root: string): Outcome {
  const fix =
    `Create the contexts this state root should hold (\`paas context create <name> --state-root ${root}\`) ` +
    'or point --state-root / PAAS_STATE_ROOT at the right one.';
  return outcome(rt.redactor, {
    command: 'ops_readiness',
    context: null,
    mode: 'readiness',
    status: 'not_ready',
    line: [
      ['reason', 'no_contexts'],
      ['contexts', 0],
      ['checks', 0],
      ['failed', 0],
    ],
    exitCode: EXIT_UNHEALTHY,
    fields: { status: 'not_ready', reason: 'no_contexts', state_root: root, contexts: [], checks: [], failed: 0, fix },
    text: `no context under ${root}: nothing was checked, so nothing is ready\n  fix: ${fix}`,
    summary: `**not ready**: no context under the state root, nothing was checked.\n\nFix: ${fix}\n`,
  });
}

/** Every context's vault (the ones not selected too: a shared target or vault involves both). */
function contextVaults(rt: Runtime, common: CommonInputs, view: StateView): Map<string, ContextVault> {
  const vaults = new Map<string, ContextVault>();
  for (const c of view.contexts)
    vaults.set(
      c.name,
      readContextVault(c, c.name === common.context ? (common.vault ?? rt.env.PAAS_VAULT) : undefined, rt.redactor),
    );
  return vaults;
}

/** The vault key of the Slack webhook (paas.yml `ops.slack.webhook`; its default when paas.yml cannot be read). */
function slackWebhookKey(rt: Runtime, common: CommonInputs): string {
  try {
    return loadPaasYml(common.config, rt.cwd, { optional: true }).config.ops.slack.webhook;
  } catch {
    const key = defaultPaasYml().ops.slack.webhook;
    rt.logger.warn(`${common.config} could not be read: looking for the Slack webhook under ${key}`);
    return key;
  }
}

/** What every step after the selection shares. */
interface ReadinessRun {
  rt: Runtime;
  store: ContextStore;
  selected: ContextConfig[];
  vaults: Map<string, ContextVault>;
  slackKey: string;
  token: string | undefined;
  policy: ReadinessPolicy;
  now: Date;
}

/** The doctor check on the state root, then each selected context's checks. */
async function runChecks(run: ReadinessRun, common: CommonInputs, runOperation: RunOperation) {
  const { rt, store, vaults, slackKey, policy, now } = run;
  const github = { repo: rt.env.GITHUB_REPOSITORY || null, token: Boolean(run.token) };
  const checks: ReadinessCheck[] = [await doctorCheck(rt, common, store.root.path, runOperation)];
  for (const c of run.selected) {
    const v = vaults.get(c.name);
    checks.push(
      checkDistinctTargets(c, vaults),
      checkDistinctVault(c, vaults),
      checkBackup(store, c, v, rt.env, { maxAgeMs: policy.backupMaxAge }, now, rt.redactor),
      checkAlertRoute(c, v, slackKey, github),
      checkDrill(store, c, policy.drillWindow, now, rt.redactor),
    );
  }
  return checks;
}

/** One `ops_readiness.finished` event per checked context, with its own checks and the doctor check. */
function recordFinished(run: ReadinessRun, checks: readonly ReadinessCheck[], status: string): void {
  for (const c of run.selected) {
    const mine = checksOf(checks, c.name);
    const bad = mine.filter((k) => k.status === 'fail');
    const what = bad.length
      ? `failing ${bad.map((k) => `${k.check} (${k.reason})`).join(', ')}`
      : `${mine.length} checks ok or not required`;
    run.store.events(c.name, run.rt.redactor).append(
      'ops_readiness.finished',
      `readiness ${status}: ${what}`,
      {
        status,
        failed: bad.map((k) => k.check),
        checks: mine.map((k) => ({ check: k.check, status: k.status, reason: k.reason })),
      },
      bad.length ? 'warning' : 'info',
      run.now,
    );
  }
}

/**
 * With a GitHub repository and token (a scheduled workflow), each context's readiness alert issue
 * (its own marker beside the ops_daily alert): opened, commented, closed (lib/ops/readiness/alert.ts).
 */
async function alertContexts(
  run: ReadinessRun,
  checks: readonly ReadinessCheck[],
  deps: ReadinessDeps,
): Promise<ReadinessAlert[]> {
  const { rt } = run;
  if (!deps.github && !(run.token && isRepository(rt.env.GITHUB_REPOSITORY))) return [];
  const { readinessAlert } = await import('./alert.js');
  const alerts: ReadinessAlert[] = [];
  for (const c of run.selected) {
    const mine = checksOf(checks, c.name);
    const bad = mine.filter((k) => k.status === 'fail');
    const verdict = statusLine(
      'ops_readiness',
      [
        ['status', bad.length ? 'not_ready' : 'ready'],
        ['context', c.name],
        ['reason', bad.length ? [...new Set(bad.map((k) => k.check))] : undefined],
        ['checks', mine.filter((k) => k.status !== 'skipped').length],
        ['failed', bad.length],
      ],
      rt.redactor,
    );
    const target = { context: c.name, vault: run.vaults.get(c.name), slackKey: run.slackKey, token: run.token };
    alerts.push(await readinessAlert(rt, run.store, target, checks, verdict, deps));
  }
  return alerts;
}

/** The counts of a run: failed, skipped, how many ran, and whether the selection is ready. */
function tally(checks: readonly ReadinessCheck[]) {
  const failed = checks.filter((c) => c.status === 'fail');
  const skipped = checks.filter((c) => c.status === 'skipped');
  const ran = checks.length - skipped.length;
  return { failed, skipped, ran, ready: failed.length === 0 && ran > 0 };
}

/** The text for a terminal: one row per check (with its fix), then the verdict. */
function readinessText(checks: readonly ReadinessCheck[], contexts: number): string {
  const { failed, ran, ready } = tally(checks);
  const width = Math.max(...checks.map((c) => (c.context ?? '(state root)').length));
  const row = (c: ReadinessCheck) =>
    `${(c.context ?? '(state root)').padEnd(width)}  ${c.check.padEnd(16)} ${c.status.padEnd(7)} ${c.detail}` +
    (c.fix ? `\n${' '.repeat(width + 2)}fix: ${c.fix}` : '');
  return [
    ...checks.map(row),
    ready ? `ready: ${contexts} context(s), ${ran} checks` : `not ready: ${failed.length} of ${ran} checks failed`,
  ].join('\n');
}

/** The alerts' part of the job summary: a table, then each failed delivery's remediation. */
function alertsSummary(alerts: readonly ReadinessAlert[]): string {
  if (!alerts.length) return '';
  const issue = (a: ReadinessAlert) =>
    a.outcome?.issue
      ? a.outcome.issue_url
        ? `[#${a.outcome.issue}](${a.outcome.issue_url})`
        : `#${a.outcome.issue}`
      : '';
  const table = markdownTable(
    ['context', 'alert', 'issue', 'slack', 'reason'],
    alerts.map((a) => [
      a.context,
      a.outcome?.action ?? 'failed',
      issue(a),
      a.outcome?.slack ?? '',
      a.outcome?.reason ?? (a.outcome ? '' : 'alert_error'),
    ]),
  );
  const warnings = alerts.flatMap((a) =>
    a.outcome?.remediation
      ? [`\n\n:warning: alert delivery for ${a.context} failed (${a.outcome.reason}): ${a.outcome.remediation}`]
      : [],
  );
  return `\n\n${table}` + warnings.join('');
}

/** The outcome of a run over at least one context. */
function readinessOutcome(run: ReadinessRun, checks: ReadinessCheck[], alerts: ReadinessAlert[]): Outcome {
  const { rt, selected, policy } = run;
  const { failed, skipped, ran, ready } = tally(checks);
  const status = ready ? 'ready' : 'not_ready';
  const reason = [...new Set(failed.map((c) => c.check))];
  return outcome(rt.redactor, {
    command: 'ops_readiness',
    context: selected.length === 1 ? (selected[0] as ContextConfig).name : null,
    mode: 'readiness',
    status,
    line: [
      ['reason', reason.length ? reason : undefined],
      ['contexts', selected.length],
      ['checks', ran],
      ['failed', failed.length],
      ['skipped', skipped.length || undefined],
    ],
    extraLines: [
      ...checks.map((c) => readinessCheckLine(c, rt.redactor)),
      ...alerts.flatMap((a) => (a.line ? [a.line] : [])),
    ],
    exitCode: ready ? EXIT_OK : EXIT_UNHEALTHY,
    fields: {
      status,
      state_root: run.store.root.path,
      contexts: selected.map((c) => c.name),
      policy: {
        backup_max_age_hours: Math.round(policy.backupMaxAge / 3_600_000),
        drill_window_days: Math.round(policy.drillWindow / 86_400_000),
      },
      checks,
      failed: failed.length,
      ...(alerts.length
        ? { alerts: alerts.map((a) => ({ context: a.context, ...(a.outcome ?? { action: 'failed' }) })) }
        : {}),
    },
    text: readinessText(checks, selected.length),
    summary:
      `### Readiness: ${ready ? 'ready' : '**not ready**'}\n\n` +
      markdownTable(
        ['context', 'check', 'status', 'detail', 'fix'],
        checks.map((c) => [c.context ?? '(state root)', c.check, c.status, c.detail, c.fix ?? '']),
      ) +
      alertsSummary(alerts),
  });
}

export async function runReadiness(
  rt: Runtime,
  common: CommonInputs,
  settings: ReadinessSettings,
  runOperation: RunOperation,
  deps: ReadinessDeps = {},
): Promise<Outcome> {
  if (settings.github_token) rt.redactor.register(settings.github_token);
  if (rt.env.GITHUB_TOKEN) rt.redactor.register(rt.env.GITHUB_TOKEN);
  const policy = readinessPolicy(settings);
  const store = openStore(rt, common);
  const view = readStateRoot(store.root.path);
  const selected = selectContexts(store.root.path, view, common, settings);
  if (!selected.length) return noContextsOutcome(rt, store.root.path);
  const run: ReadinessRun = {
    rt,
    store,
    selected,
    vaults: contextVaults(rt, common, view),
    slackKey: slackWebhookKey(rt, common),
    token: settings.github_token || rt.env.GITHUB_TOKEN || undefined,
    policy,
    now: rt.now(),
  };
  const checks = await runChecks(run, common, runOperation);
  recordFinished(run, checks, tally(checks).ready ? 'ready' : 'not_ready');
  const alerts = await alertContexts(run, checks, deps);
  return readinessOutcome(run, checks, alerts);
}
