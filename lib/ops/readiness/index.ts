/**
 * `paas ops readiness` / ops_daily `mode: readiness`: the weekly checklist of the runbook
 * (docs/runbook.md) as a check, for every context under the state root or the ones given.
 * Exit 0 ready, 2 a check failed (or nothing to check), 1 error. Reads only; appends one
 * `ops_readiness.finished` event to each context it checked.
 */
import type { ContextConfig } from '../../isolation/context.js';
import { loadPaasYml } from '../../config/paas-yml.js';
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
import { readStateRoot } from '../doctor/state.js';
import { isRepository } from '../alerts/github-issues.js';
import type { ReadinessAlert, ReadinessDeps } from './alert.js';
import {
  checkAlertRoute,
  checkBackup,
  checkDistinctTargets,
  checkDistinctVault,
  checkDrill,
  readContextVault,
  type ContextVault,
  type ReadinessCheck,
} from './checks.js';

export { CHECK_NAMES, type ReadinessCheck } from './checks.js';

export const DEFAULT_BACKUP_MAX_AGE = '26h';
export const DEFAULT_DRILL_WINDOW = '7d';

export interface ReadinessSettings {
  /** more contexts beside `context` (comma-separated or a list); none: every context of the state root */
  contexts?: string | readonly string[] | undefined;
  backup_max_age?: string | undefined;
  drill_window?: string | undefined;
  github_token?: string | undefined;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `26h`, `2d`, `90m`, `1w` in milliseconds. */
export function policyDuration(name: string, text: string): number {
  const m = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0)
    throw invalidArgument(
      `${name} ${JSON.stringify(text.slice(0, 32))} is not a duration`,
      `Give ${name} as a number and a unit: 90m, 26h, 7d, 1w.`,
    );
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

function listOf(v: string | readonly string[] | undefined): string[] {
  return [v ?? []]
    .flat()
    .flatMap((x) => x.split(','))
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

function checkLine(c: ReadinessCheck, rt: Runtime): string {
  return statusLine(
    'ops_readiness_check',
    [
      ['status', c.status],
      ['check', c.check],
      ['context', c.context ?? undefined],
      ['reason', c.reason],
      ['age_hours', c.age_hours],
    ],
    rt.redactor,
  );
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
  const backupMaxAge = policyDuration('backup_max_age', settings.backup_max_age || DEFAULT_BACKUP_MAX_AGE);
  const drillWindow = policyDuration('drill_window', settings.drill_window || DEFAULT_DRILL_WINDOW);
  const store = openStore(rt, common);
  const view = readStateRoot(store.root.path);
  const byName = new Map(view.contexts.map((c) => [c.name, c]));
  const asked = [...new Set([...(common.context ? [common.context] : []), ...listOf(settings.contexts)])];
  for (const n of asked) {
    if (!byName.has(n)) {
      throw new PaasError(
        'PAAS_CONTEXT_UNRESOLVED',
        `context ${n} does not exist under state root ${store.root.path}`,
        {
          stage: 'context',
          remediation: `Check the name (\`paas context list --state-root ${store.root.path}\`), or pass the state root that holds it.`,
        },
      );
    }
  }
  const selected: ContextConfig[] = asked.length ? asked.map((n) => byName.get(n) as ContextConfig) : view.contexts;
  const now = rt.now();

  if (!selected.length) {
    const fix = `Create the contexts this state root should hold (\`paas context create <name> --state-root ${store.root.path}\`) or point --state-root / PAAS_STATE_ROOT at the right one.`;
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
      fields: {
        status: 'not_ready',
        reason: 'no_contexts',
        state_root: store.root.path,
        contexts: [],
        checks: [],
        failed: 0,
        fix,
      },
      text: `no context under ${store.root.path}: nothing was checked, so nothing is ready\n  fix: ${fix}`,
      summary: `**not ready**: no context under the state root, nothing was checked.\n\nFix: ${fix}\n`,
    });
  }

  // every context's vault (the ones not selected too: a shared target or vault involves both)
  const vaults = new Map<string, ContextVault>();
  for (const c of view.contexts)
    vaults.set(
      c.name,
      readContextVault(c, c.name === common.context ? (common.vault ?? rt.env.PAAS_VAULT) : undefined, rt.redactor),
    );
  let slackKey = 'SLACK_WEBHOOK_URL';
  try {
    slackKey = loadPaasYml(common.config, rt.cwd, { optional: true }).config.ops.slack.webhook;
  } catch {
    rt.logger.warn(`${common.config} could not be read: looking for the Slack webhook under SLACK_WEBHOOK_URL`);
  }
  const github = {
    repo: rt.env.GITHUB_REPOSITORY || null,
    token: Boolean(settings.github_token || rt.env.GITHUB_TOKEN),
  };

  const checks: ReadinessCheck[] = [await doctorCheck(rt, common, store.root.path, runOperation)];
  for (const c of selected) {
    const v = vaults.get(c.name);
    checks.push(
      checkDistinctTargets(c, vaults),
      checkDistinctVault(c, vaults),
      checkBackup(store, c, v, rt.env, { maxAgeMs: backupMaxAge }, now, rt.redactor),
      checkAlertRoute(c, v, slackKey, github),
      checkDrill(store, c, drillWindow, now, rt.redactor),
    );
  }
  const failed = checks.filter((c) => c.status === 'fail');
  const skipped = checks.filter((c) => c.status === 'skipped');
  const ran = checks.length - skipped.length;
  const ready = failed.length === 0 && ran > 0;
  const status = ready ? 'ready' : 'not_ready';
  const reason = [...new Set(failed.map((c) => c.check))];

  for (const c of selected) {
    const mine = checks.filter((k) => k.context === c.name || k.context === null);
    const bad = mine.filter((k) => k.status === 'fail');
    store.events(c.name, rt.redactor).append(
      'ops_readiness.finished',
      `readiness ${status}: ${bad.length ? `failing ${bad.map((k) => `${k.check} (${k.reason})`).join(', ')}` : `${mine.length} checks ok or not required`}`,
      {
        status,
        failed: bad.map((k) => k.check),
        checks: mine.map((k) => ({ check: k.check, status: k.status, reason: k.reason })),
      },
      bad.length ? 'warning' : 'info',
      now,
    );
  }

  // with a GitHub repository and token (a scheduled workflow), each context's readiness alert issue
  // (its own marker beside the ops_daily alert): opened, commented, closed (lib/ops/readiness/alert.ts)
  const alerts: ReadinessAlert[] = [];
  const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
  if (deps.github || (token && isRepository(rt.env.GITHUB_REPOSITORY))) {
    const { readinessAlert } = await import('./alert.js');
    for (const c of selected) {
      const mine = checks.filter((k) => k.context === c.name || k.context === null);
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
      alerts.push(await readinessAlert(rt, store, c.name, checks, verdict, vaults.get(c.name), slackKey, token, deps));
    }
  }
  const alertLines = alerts.flatMap((a) => (a.line ? [a.line] : []));

  const width = Math.max(...checks.map((c) => (c.context ?? '(state root)').length));
  const text = [
    ...checks.map(
      (c) =>
        `${(c.context ?? '(state root)').padEnd(width)}  ${c.check.padEnd(16)} ${c.status.padEnd(7)} ${c.detail}${c.fix ? `\n${' '.repeat(width + 2)}fix: ${c.fix}` : ''}`,
    ),
    ready
      ? `ready: ${selected.length} context(s), ${ran} checks`
      : `not ready: ${failed.length} of ${ran} checks failed`,
  ].join('\n');
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
    extraLines: [...checks.map((c) => checkLine(c, rt)), ...alertLines],
    exitCode: ready ? EXIT_OK : EXIT_UNHEALTHY,
    fields: {
      status,
      state_root: store.root.path,
      contexts: selected.map((c) => c.name),
      policy: {
        backup_max_age_hours: Math.round(backupMaxAge / 3_600_000),
        drill_window_days: Math.round(drillWindow / 86_400_000),
      },
      checks,
      failed: failed.length,
      ...(alerts.length
        ? { alerts: alerts.map((a) => ({ context: a.context, ...(a.outcome ?? { action: 'failed' }) })) }
        : {}),
    },
    text,
    summary:
      `### Readiness: ${ready ? 'ready' : '**not ready**'}\n\n` +
      markdownTable(
        ['context', 'check', 'status', 'detail', 'fix'],
        checks.map((c) => [c.context ?? '(state root)', c.check, c.status, c.detail, c.fix ?? '']),
      ) +
      (alerts.length
        ? `\n\n${markdownTable(
            ['context', 'alert', 'issue', 'slack', 'reason'],
            alerts.map((a) => [
              a.context,
              a.outcome?.action ?? 'failed',
              a.outcome?.issue
                ? a.outcome.issue_url
                  ? `[#${a.outcome.issue}](${a.outcome.issue_url})`
                  : `#${a.outcome.issue}`
                : '',
              a.outcome?.slack ?? '',
              a.outcome?.reason ?? (a.outcome ? '' : 'alert_error'),
            ]),
          )}` +
          alerts
            .flatMap((a) =>
              a.outcome?.remediation
                ? [
                    `\n\n:warning: alert delivery for ${a.context} failed (${a.outcome.reason}): ${a.outcome.remediation}`,
                  ]
                : [],
            )
            .join('')
        : ''),
  });
}
