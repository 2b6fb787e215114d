/**
 * prod_verify.
 *
 * `dry_run`: the configuration checks only (config-checks.ts), without any connection to
 * production; one `prod_config` line per check, then `prod_verify status=ok mode=dry_run checks=<n>`
 * (exit 0) or `prod_verify status=fail reason=<token> mode=dry_run ...` (exit 1). A missing secret
 * prints `prod_config status=fail reason=missing_env missing=<NAMES>`. A configuration that declares
 * nothing to verify (no migrations, apps or ops checks) is `status=fail reason=no_checks`, and a
 * missing paas.yml is an error naming the path: a check that checks nothing is never ok.
 *
 * `verify`: the configuration checks, then strict smoke checks, every one required: the database
 * reachable and at the repository's migration level, every target's current release equal to the
 * expected one (per app), and every ops check of paas.yml healthy or exactly insufficient_data. A
 * check that cannot run (skipped) is a failure. Exit 0 ok, 2 unhealthy, 1 error/skipped/config.
 */
import type { z } from 'zod';
import { paasYmlSchemas, type OpsCheck, type PaasYml } from '../../config/paas-yml.js';
import { envelope, type Outcome } from '../../output/envelope.js';
import { EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY, type ExitCode } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import { missingSecrets, runChecks } from '../checks/engine.js';
import { checkLine, checksTable } from '../checks/report.js';
import {
  loadRequiredConfig,
  namedVaultKeys,
  prepareEngine,
  type CheckDeps,
  type PreparedEngine,
} from '../checks/setup.js';
import { runTargetCheck } from '../checks/targets.js';
import type { CheckResult, CheckVerdict } from '../checks/types.js';
import { runConfigChecks, type ConfigCheck, type ConfigReport } from './config-checks.js';
import { databaseCheck } from './database.js';
import type { prodVerifyInputs } from './index.js';

/** Settings of prod_verify (its zod inputs, parsed). */
type ProdVerifySettings = z.output<typeof prodVerifyInputs>;

function configLine(c: ConfigCheck, rt: Runtime): string {
  if (c.reason === 'missing_env')
    return statusLine(
      'prod_config',
      [
        ['status', 'fail'],
        ['reason', 'missing_env'],
        ['missing', c.missing ?? []],
      ],
      rt.redactor,
    );
  return statusLine(
    'prod_config',
    [
      ['status', c.ok ? 'ok' : 'fail'],
      ['reason', c.reason],
      ['check', c.name],
      ['count', c.count],
    ],
    rt.redactor,
  );
}

async function timed(name: string, kind: CheckResult['kind'], fn: () => Promise<CheckVerdict>): Promise<CheckResult> {
  const t0 = performance.now();
  let v: CheckVerdict;
  try {
    v = await fn();
  } catch {
    v = { status: 'error', reason: 'check_crashed' };
  }
  return {
    name,
    kind,
    status: v.status,
    reason: v.status === 'healthy' ? undefined : v.reason,
    values: v.values ?? {},
    ms: Math.round(performance.now() - t0),
  };
}

/** A smoke check passes when healthy; ops checks also when exactly insufficient_data. */
function passes(r: CheckResult, isOpsCheck: boolean): boolean {
  return r.status === 'healthy' || (isOpsCheck && r.status === 'insufficient_data');
}

/** What every verdict of one run shares: the context session and the configuration checks' report. */
interface VerifyRun {
  rt: Runtime;
  mode: ProdVerifySettings['mode'];
  session: ContextSession;
  config: PaasYml;
  report: ConfigReport;
  /** the `config` path when paas.yml exists, else null (envelope field `paas_yml`) */
  paasYml: string | null;
  configSummary: string;
}

/** How a run ends: the verdict line's status and counts, the exit code, envelope fields and summary. */
interface Verdict {
  status: string;
  reason?: string | undefined;
  exitCode: ExitCode;
  counts: { checks: number; failed?: number; skipped?: number };
  fields: Record<string, unknown>;
  summary: string;
  /** one `prod_verify_check` line per smoke check (verify only) */
  checkLines?: string[];
}

/** Step 1: paas.yml (required), the context session, and the configuration checks (no connection). */
function openRun(rt: Runtime, common: CommonInputs, mode: ProdVerifySettings['mode']): VerifyRun {
  const loaded = loadRequiredConfig(rt, common, 'prod_verify');
  const config = loaded.config;
  const session = openContextSession(rt, common, {
    mutating: false,
    createIfMissing: rt.inAction,
    vaultEnvKeys: namedVaultKeys(config),
  });
  const report = runConfigChecks(config, session.vault, rt.workspace ?? rt.cwd, rt.redactor);
  const configSummary = markdownTable(
    ['config check', 'ok', 'reason', 'count'],
    report.checks.map((c) => [
      c.name,
      c.ok ? 'yes' : 'no',
      c.reason ?? (c.missing ? `missing ${c.missing.join(', ')}` : ''),
      c.count ?? '',
    ]),
  );
  return { rt, mode, session, config, report, paasYml: loaded.exists ? common.config : null, configSummary };
}

/** The outcome of a run: config lines, check lines and the verdict line; one `prod_verify.finished` event. */
function finish(run: VerifyRun, v: Verdict): Outcome {
  const { rt, mode, report } = run;
  const verdict = statusLine(
    'prod_verify',
    [
      ['status', v.status],
      ['reason', v.reason],
      ['mode', mode],
      ['checks', v.counts.checks],
      ['failed', v.counts.failed || undefined],
      ['skipped', v.counts.skipped || undefined],
    ],
    rt.redactor,
  );
  const env = envelope('prod_verify', run.session.config.name, mode, {
    verdict: v.status,
    reason: v.reason ?? null,
    config: report.checks,
    paas_yml: run.paasYml,
    ...v.fields,
  });
  env.ok = v.exitCode === EXIT_OK;
  const level = v.exitCode === EXIT_OK ? 'info' : v.exitCode === EXIT_UNHEALTHY ? 'warning' : 'error';
  run.session.events.append(
    'prod_verify.finished',
    `prod_verify ${mode}: ${v.status}${v.reason ? ` (${v.reason})` : ''}`,
    { mode, status: v.status, reason: v.reason ?? null, ...v.counts },
    level,
  );
  const lines = [...report.checks.map((c) => configLine(c, rt)), ...(v.checkLines ?? []), verdict];
  return { envelope: env, lines, exitCode: v.exitCode, summary: v.summary };
}

/**
 * Step 2: the verdict of the configuration checks alone: invalid configuration (both modes), or
 * the dry run's end (nothing to verify, or ok). Null when verify goes on to the smoke checks.
 */
function configVerdict(run: VerifyRun, configFile: string): Verdict | null {
  const { mode, report, config, configSummary } = run;
  const checks = report.checks.length;
  const configFailed = report.checks.filter((c) => !c.ok);
  if (configFailed.length) {
    const reason = (configFailed[0] as ConfigCheck).reason ?? 'invalid_config';
    return {
      status: 'fail',
      reason,
      exitCode: EXIT_ERROR,
      counts: { checks, failed: configFailed.length },
      fields: {},
      summary: `**prod_verify ${mode}: configuration invalid** (${reason}); nothing was contacted.\n\n${configSummary}`,
    };
  }
  if (mode !== 'dry_run') return null;
  // something to verify: migrations, apps (their releases) or ops checks; a dry run over nothing is not ok
  const subjects = (report.plan?.migrations.length ?? 0) + Object.keys(config.apps).length + config.ops.checks.length;
  if (subjects === 0)
    return {
      status: 'fail',
      reason: 'no_checks',
      exitCode: EXIT_ERROR,
      counts: { checks },
      fields: { subjects: 0 },
      summary:
        `**prod_verify dry_run: nothing to verify**: ${configFile} declares no migrations, apps or ops checks, ` +
        `so a check of production would check nothing.\n\n${configSummary}`,
    };
  return {
    status: 'ok',
    exitCode: EXIT_OK,
    counts: { checks },
    fields: {},
    summary:
      '**prod_verify dry_run ok**: configuration checked without any connection to production.\n\n' + configSummary,
  };
}

/** The database smoke check, when the repository has migrations; skipped (a failure) without the DSN. */
function databaseSmoke(run: VerifyRun): Promise<CheckResult> | null {
  const { report, config } = run;
  if (!report.dbUsed || (report.plan?.migrations.length ?? 0) === 0) return null;
  const dsn = run.session.vault.get(config.db.dsn);
  if (!dsn)
    return Promise.resolve({
      name: 'database',
      kind: 'sql',
      status: 'skipped',
      reason: 'missing_env',
      values: {},
      ms: 0,
    });
  return timed('database', 'sql', () => databaseCheck(config.db, report.plan, dsn, run.rt.redactor));
}

/**
 * The release smoke check of one app: every target's current release is the expected one. Its
 * spec is paas.yml's target check (its defaults from the one schema) with `current_release`.
 */
async function releaseSmoke(
  run: VerifyRun,
  app: string,
  engine: PreparedEngine,
  expectedRelease: string | undefined,
): Promise<CheckResult> {
  const { config } = run;
  const name = Object.keys(config.apps).length === 1 ? 'releases' : `releases-${app}`;
  const spec = paasYmlSchemas().check.shape.target.unwrap().parse({ current_release: true, app });
  const r = await timed(name, 'target', async () => {
    let access;
    try {
      access = engine.ctx.targets();
    } catch {
      return { status: 'error', reason: 'invalid_targets' };
    }
    return runTargetCheck(spec, {
      access,
      context: run.session.config.name,
      apps: config.apps,
      expectedRelease,
      timeoutMs: spec.timeout,
      signal: new AbortController().signal,
    });
  });
  // no expected release known: unverifiable
  return r.status === 'insufficient_data' ? { ...r, status: 'skipped' as const } : r;
}

/** The smoke checks' results: database and releases (each required), then the ops checks of paas.yml. */
interface SmokeResults {
  results: CheckResult[];
  /** how many of `results` are ops checks (the last ones): those pass on exactly insufficient_data too */
  opsCount: number;
}

/** Step 3 (verify): every smoke check, run concurrently. */
async function runSmoke(run: VerifyRun, engine: PreparedEngine, expectedRelease: string | undefined) {
  const { config } = run;
  const db = databaseSmoke(run);
  const smoke = [
    ...(db ? [db] : []),
    ...Object.keys(config.apps).map((a) => releaseSmoke(run, a, engine, expectedRelease)),
  ];
  const opsChecks: readonly OpsCheck[] = config.ops.checks;
  const missing = missingSecrets(opsChecks, run.session.vault);
  const [fixed, ops] = await Promise.all([
    Promise.all(smoke),
    runChecks(opsChecks, engine.ctx, new Set(missing.keys())),
  ]);
  return { results: [...fixed, ...ops], opsCount: ops.length } satisfies SmokeResults;
}

/** Step 4 (verify): the verdict over the smoke checks: every one required, a skipped one is a failure. */
function smokeVerdict(run: VerifyRun, smoke: SmokeResults, expectedRelease: string | undefined): Verdict {
  const { results, opsCount } = smoke;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const errors = results.filter((r) => r.status === 'error').length;
  const failed = results.filter((r, i) => !passes(r, i >= results.length - opsCount)).length;
  const fields = {
    checks: results.map((r) => ({
      name: r.name,
      kind: r.kind,
      status: r.status,
      reason: r.reason ?? null,
      values: r.values,
      ms: r.ms,
    })),
    failed,
    skipped,
    expected_release: expectedRelease ?? null,
  };
  const base = { fields, checkLines: results.map((r) => checkLine(r, run.rt.redactor, 'prod_verify_check')) };
  const summary = `${run.configSummary}\n\n${checksTable(results)}`;
  const n = results.length;
  if (n === 0)
    return {
      ...base,
      status: 'fail',
      reason: 'no_checks',
      exitCode: EXIT_ERROR,
      counts: { checks: 0 },
      summary:
        '**prod_verify verify: nothing to verify** (no migrations, apps or ops checks in paas.yml).\n\n' + summary,
    };
  if (skipped || errors)
    return {
      ...base,
      status: 'fail',
      reason: skipped ? 'skipped_checks' : 'check_error',
      exitCode: EXIT_ERROR,
      counts: { checks: n, failed, skipped },
      summary:
        `**prod_verify verify failed**: ${skipped} skipped, ${errors} errored ` +
        `(every check is required).\n\n${summary}`,
    };
  if (failed)
    return {
      ...base,
      status: 'unhealthy',
      exitCode: EXIT_UNHEALTHY,
      counts: { checks: n, failed },
      summary: `**prod_verify verify: unhealthy** (${failed} of ${n} checks).\n\n${summary}`,
    };
  return {
    ...base,
    status: 'ok',
    exitCode: EXIT_OK,
    counts: { checks: n },
    summary: `**prod_verify verify ok**: ${n} smoke checks.\n\n${summary}`,
  };
}

export async function runProdVerify(
  rt: Runtime,
  common: CommonInputs,
  settings: ProdVerifySettings,
  deps: CheckDeps = {},
): Promise<Outcome> {
  const run = openRun(rt, common, settings.mode);
  const early = configVerdict(run, common.config);
  if (early) return finish(run, early);
  // verify: strict smoke checks, every one required
  const engine = prepareEngine(rt, run.session.config.name, run.session.vault, run.config, {
    expectedRelease: settings.expected_release,
    deps,
  });
  try {
    const smoke = await runSmoke(run, engine, settings.expected_release);
    return finish(run, smokeVerdict(run, smoke, settings.expected_release));
  } finally {
    await engine.close();
  }
}
