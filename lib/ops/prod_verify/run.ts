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
import type { OpsCheck } from '../../config/paas-yml.js';
import { envelope, type Outcome } from '../../output/envelope.js';
import { EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY, type ExitCode } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession } from '../../runtime/session.js';
import { missingSecrets, runChecks } from '../checks/engine.js';
import { checkLine, checksTable } from '../checks/report.js';
import { loadRequiredConfig, namedVaultKeys, prepareEngine, type CheckDeps } from '../checks/setup.js';
import { runTargetCheck } from '../checks/targets.js';
import type { CheckResult, CheckVerdict } from '../checks/types.js';
import { runConfigChecks, type ConfigCheck } from './config-checks.js';
import { databaseCheck } from './database.js';
import type { prodVerifyInputs } from './index.js';

/** Settings of prod_verify (its zod inputs, parsed). */
export type ProdVerifySettings = z.output<typeof prodVerifyInputs>;

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

export async function runProdVerify(
  rt: Runtime,
  common: CommonInputs,
  settings: ProdVerifySettings,
  deps: CheckDeps = {},
): Promise<Outcome> {
  const mode = settings.mode;
  const loaded = loadRequiredConfig(rt, common, 'prod_verify');
  const config = loaded.config;
  const s = openContextSession(rt, common, {
    mutating: false,
    createIfMissing: rt.inAction,
    vaultEnvKeys: namedVaultKeys(config),
  });
  const ctxName = s.config.name;
  const workspace = rt.workspace ?? rt.cwd;
  const report = runConfigChecks(config, s.vault, workspace, rt.redactor);
  const lines = report.checks.map((c) => configLine(c, rt));
  const configFailed = report.checks.filter((c) => !c.ok);
  const fieldsBase = { config: report.checks, paas_yml: loaded.exists ? common.config : null };

  const finish = (
    status: string,
    reason: string | undefined,
    exitCode: ExitCode,
    extra: { checks: number; failed?: number; skipped?: number },
    fields: Record<string, unknown>,
    summary: string,
  ): Outcome => {
    const verdict = statusLine(
      'prod_verify',
      [
        ['status', status],
        ['reason', reason],
        ['mode', mode],
        ['checks', extra.checks],
        ['failed', extra.failed || undefined],
        ['skipped', extra.skipped || undefined],
      ],
      rt.redactor,
    );
    const env = envelope('prod_verify', ctxName, mode, {
      verdict: status,
      reason: reason ?? null,
      ...fieldsBase,
      ...fields,
    });
    env.ok = exitCode === EXIT_OK;
    const level = exitCode === EXIT_OK ? 'info' : exitCode === EXIT_UNHEALTHY ? 'warning' : 'error';
    s.events.append(
      'prod_verify.finished',
      `prod_verify ${mode}: ${status}${reason ? ` (${reason})` : ''}`,
      { mode, status, reason: reason ?? null, ...extra },
      level,
    );
    return { envelope: env, lines: [...lines, verdict], exitCode, summary };
  };
  const configSummary = markdownTable(
    ['config check', 'ok', 'reason', 'count'],
    report.checks.map((c) => [
      c.name,
      c.ok ? 'yes' : 'no',
      c.reason ?? (c.missing ? `missing ${c.missing.join(', ')}` : ''),
      c.count ?? '',
    ]),
  );

  if (configFailed.length) {
    const reason = (configFailed[0] as ConfigCheck).reason ?? 'invalid_config';
    return finish(
      'fail',
      reason,
      EXIT_ERROR,
      { checks: report.checks.length, failed: configFailed.length },
      {},
      `**prod_verify ${mode}: configuration invalid** (${reason}); nothing was contacted.\n\n${configSummary}`,
    );
  }
  // something to verify: migrations, apps (their releases) or ops checks; a dry run over nothing is not ok
  const subjects = (report.plan?.migrations.length ?? 0) + Object.keys(config.apps).length + config.ops.checks.length;
  if (mode === 'dry_run' && subjects === 0) {
    return finish(
      'fail',
      'no_checks',
      EXIT_ERROR,
      { checks: report.checks.length },
      { subjects: 0 },
      `**prod_verify dry_run: nothing to verify**: ${common.config} declares no migrations, apps or ops checks, so a check of production would check nothing.\n\n${configSummary}`,
    );
  }
  if (mode === 'dry_run') {
    return finish(
      'ok',
      undefined,
      EXIT_OK,
      { checks: report.checks.length },
      {},
      `**prod_verify dry_run ok**: configuration checked without any connection to production.\n\n${configSummary}`,
    );
  }

  // verify: strict smoke checks, every one required
  const engine = prepareEngine(rt, ctxName, s.vault, config, { expectedRelease: settings.expected_release, deps });
  try {
    const smoke: Array<Promise<CheckResult>> = [];
    if (report.dbUsed && (report.plan?.migrations.length ?? 0) > 0) {
      const dsn = s.vault.get(config.db.dsn);
      smoke.push(
        dsn
          ? timed('database', 'sql', () => databaseCheck(config.db, report.plan, dsn, rt.redactor))
          : Promise.resolve({
              name: 'database',
              kind: 'sql',
              status: 'skipped',
              reason: 'missing_env',
              values: {},
              ms: 0,
            }),
      );
    }
    for (const app of Object.keys(config.apps)) {
      const name = Object.keys(config.apps).length === 1 ? 'releases' : `releases-${app}`;
      smoke.push(
        timed(name, 'target', async () => {
          let access;
          try {
            access = engine.ctx.targets();
          } catch {
            return { status: 'error', reason: 'invalid_targets' };
          }
          return runTargetCheck(
            { current_release: true, app, disk_path: '/', timeout: 30_000 },
            {
              access,
              context: ctxName,
              apps: config.apps,
              expectedRelease: settings.expected_release,
              timeoutMs: 30_000,
              signal: new AbortController().signal,
            },
          );
        }).then((r) => (r.status === 'insufficient_data' ? { ...r, status: 'skipped' as const } : r)), // no expected release known: unverifiable
      );
    }
    const opsChecks: readonly OpsCheck[] = config.ops.checks;
    const missing = missingSecrets(opsChecks, s.vault);
    const [fixed, ops] = await Promise.all([
      Promise.all(smoke),
      runChecks(opsChecks, engine.ctx, new Set(missing.keys())),
    ]);
    const results = [...fixed, ...ops];
    const opsNames = new Set(opsChecks.map((c) => c.name));
    for (const r of results) lines.push(checkLine(r, rt.redactor, 'prod_verify_check'));
    const skipped = results.filter((r) => r.status === 'skipped').length;
    const errors = results.filter((r) => r.status === 'error').length;
    const failed = results.filter((r) => !passes(r, opsNames.has(r.name) && !fixed.includes(r))).length;
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
      expected_release: settings.expected_release ?? null,
    };
    const summary = `${configSummary}\n\n${checksTable(results)}`;
    if (results.length === 0)
      return finish(
        'fail',
        'no_checks',
        EXIT_ERROR,
        { checks: 0 },
        fields,
        `**prod_verify verify: nothing to verify** (no migrations, apps or ops checks in paas.yml).\n\n${summary}`,
      );
    if (skipped || errors)
      return finish(
        'fail',
        skipped ? 'skipped_checks' : 'check_error',
        EXIT_ERROR,
        { checks: results.length, failed, skipped },
        fields,
        `**prod_verify verify failed**: ${skipped} skipped, ${errors} errored (every check is required).\n\n${summary}`,
      );
    if (failed)
      return finish(
        'unhealthy',
        undefined,
        EXIT_UNHEALTHY,
        { checks: results.length, failed },
        fields,
        `**prod_verify verify: unhealthy** (${failed} of ${results.length} checks).\n\n${summary}`,
      );
    return finish(
      'ok',
      undefined,
      EXIT_OK,
      { checks: results.length },
      fields,
      `**prod_verify verify ok**: ${results.length} smoke checks.\n\n${summary}`,
    );
  } finally {
    await engine.close();
  }
}
