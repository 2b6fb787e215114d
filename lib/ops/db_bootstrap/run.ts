import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadPaasYml, type DbConfig } from '../../config/paas-yml.js';
import { formatDuration } from '../../config/duration.js';
import {
  blockingSessions,
  cancelBackend,
  openConnection,
  type ConnectOptions,
  type DbConnection,
} from '../../db/client.js';
import { parseDsn, registerDsnSecrets } from '../../db/dsn.js';
import { DbError, isDbError } from '../../db/errors.js';
import { onTermination } from '../../db/interrupt.js';
import type { Outcome } from '../../output/envelope.js';
import { errorMessage, isPaasError, PaasError, toErrorInfo } from '../../output/errors.js';
import { EXIT_ERROR } from '../../output/exit.js';
import { statusLine, type LogfmtValue } from '../../output/logfmt.js';
import { failure, outcome } from '../../output/outcome.js';
import { annotationCommand, markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import { checkTriggerPolicy, committedTrigger } from '../deploy/policy.js';
import { invalidIndexFix, MigrationEngine, type InvalidIndex } from './engine.js';
import type { DbBootstrapSettings, DbMode } from './index.js';
import { displayName, schemaTable, type LedgerName, type LedgerRow } from './ledger.js';
import { findingLine, lintPlan, lintSarif, openLintFindings, type LintReport } from './lint.js';
import { compareIds, discoverPlan, normalizeSql, type Migration, type Plan } from './plan.js';
import { assertConsistent, planError, reconcile, type Reconciled } from './reconcile.js';
import { carryDrift, describeDrift, diffSchema, driftCount, fingerprintOf, ledgerHash } from './schema.js';

const COMMAND = 'db_bootstrap';
const SUMMARY_ROWS = 300;

/** What one run found and did; becomes the envelope fields, the event and the history row. */
interface RunReport {
  mode: DbMode;
  online: boolean;
  plan: Plan | null;
  ledger: string;
  dsnKey: string;
  appliedNow: Array<{ id: string; filename: string; ms: number }>;
  alreadyApplied: number;
  pending: Migration[];
  baselined: string[];
  lockWaitMs: number | null;
  verified: number | null;
  invalidIndexes: InvalidIndex[];
  /** files that failed (in this run, or a transaction:false attempt recorded in the ledger): shown as failed, not pending */
  failedFiles: string[];
  /** the ledger was read and compared with the plan (file statuses are known) */
  ledgerRead: boolean;
  /** sha256 of the schema recorded by this run (migrate) */
  fingerprint: string | null;
  /** what verify found changed by hand since the last migrate */
  drift: string | null;
  stageLines: string[];
  notes: string[];
  /** dry_run: the lint of every file (offline, PostgreSQL's parser) */
  lint: LintReport | null;
  /** dry_run: the SARIF file written */
  sarifFile: string | null;
  /** all: the live schema migrate read to record it, on this session under the lock (verify reuses it) */
  liveAfter: { objects: Awaited<ReturnType<MigrationEngine['liveSchema']>>; ledger: string } | null;
}

function applicationName(rt: Runtime, context: string | null): string {
  const run =
    rt.env.GITHUB_RUN_ID && /^\d{1,20}$/.test(rt.env.GITHUB_RUN_ID)
      ? `run ${rt.env.GITHUB_RUN_ID}`
      : `pid ${process.pid}`;
  return `paas db_bootstrap ${context ?? '-'} ${run}`.slice(0, 63);
}

function reasonOf(e: unknown): string {
  if (isDbError(e)) return e.reason;
  return toErrorInfo(e)
    .code.toLowerCase()
    .replace(/^paas_/, '');
}

export async function runDbBootstrap(rt: Runtime, common: CommonInputs, s: DbBootstrapSettings): Promise<Outcome> {
  const mode: DbMode = s.mode;
  const startedAt = rt.now();
  const t0 = performance.now();
  const report: RunReport = {
    mode,
    online: false,
    plan: null,
    ledger: 'public.schema_migrations',
    dsnKey: s.dsn_key ?? 'POSTGRES_DSN_PROD',
    appliedNow: [],
    alreadyApplied: 0,
    pending: [],
    baselined: [],
    lockWaitMs: null,
    verified: null,
    invalidIndexes: [],
    failedFiles: [],
    ledgerRead: false,
    fingerprint: null,
    drift: null,
    stageLines: [],
    notes: [],
    lint: null,
    sarifFile: null,
    liveAfter: null,
  };
  let session: ContextSession | null = null;
  let context: string | null = common.context ?? null;
  try {
    // 1. paas.yml (public configuration)
    let db: DbConfig | null = null;
    let configError: unknown = null;
    try {
      db = loadPaasYml(common.config, rt.cwd).config.db;
      report.dsnKey = s.dsn_key ?? db.dsn;
    } catch (e) {
      configError = e;
    }
    // 2. the context: explicit, in every mode (dry_run included: its DSN lives in the context's vault)
    //    A bad paas.yml never lays out a new context: refused input writes nothing.
    try {
      session = openContextSession(rt, common, {
        mutating: true,
        createIfMissing: rt.inAction && !configError,
        vaultEnvKeys: [report.dsnKey],
        webhookPolicy: common.context ? committedTrigger(rt, common, common.context) : undefined,
      });
    } catch (e) {
      throw configError && common.context ? configError : e;
    }
    context = session.config.name;
    if (configError) throw configError;
    if (!db) throw new Error('paas.yml not loaded');
    const ledgerName: LedgerName = { schema: db.ledger_schema, table: db.ledger_table };
    report.ledger = displayName(ledgerName);

    // 3. CI/CD-only: migrating a non-demo context happens in a workflow, not from a laptop
    if ((mode === 'migrate' || mode === 'all') && !rt.inAction && !rt.inCI && session.config.type !== 'demo') {
      throw new DbError(
        'PAAS_CI_ONLY',
        'ci_only',
        `db_bootstrap ${mode} changes the database of ${session.config.type} context ${session.config.name}; that only runs in CI`,
        {
          stage: 'context',
          remediation:
            'Run the db_bootstrap workflow (workflows-templates/db_bootstrap.yml) with this mode instead. Locally, dry_run and verify work on any context, and migrate/all on demo contexts.',
        },
      );
    }

    // 3b. the trigger policy (paas.yml contexts.<name>.trigger and the context's own): migrating is a change
    if ((mode === 'migrate' || mode === 'all') && rt.inCI)
      checkTriggerPolicy(
        rt,
        session.config,
        session.vault,
        `db_bootstrap ${mode}`,
        committedTrigger(rt, common, session.config.name),
      );

    // 4. the plan, offline
    const plan = discoverPlan(resolve(rt.cwd, db.migrations), db.migrations);
    report.plan = plan;
    const first = plan.problems[0];
    if (first) {
      for (const p of plan.problems) rt.logger.error(p.message);
      throw planError(first, plan.problems.length - 1);
    }
    if (plan.ignored.length > 0) rt.logger.debug(`ignored in ${plan.relDir}: ${plan.ignored.join(', ')}`);
    if (mode === 'dry_run') {
      report.lint = await lintStage(rt, plan);
      if (s.sarif_file) report.sarifFile = writeLintSarif(rt, report.lint, s.sarif_file);
    } else if (s.sarif_file) rt.logger.info(`sarif_file ignored: the lint runs in dry_run (mode ${mode})`);

    // 5. the DSN
    const dsnValue =
      mode === 'dry_run'
        ? session.vault.get(report.dsnKey)
        : session.vault.require(report.dsnKey, `db_bootstrap ${mode}`);
    if (dsnValue === undefined) {
      report.pending = plan.migrations;
      rt.logger.info(
        `no DSN in vault key ${report.dsnKey} of context ${session.config.name}: offline validation of ${plan.relDir} only (${plan.migrations.length} migration${plan.migrations.length === 1 ? '' : 's'}, nothing connected)`,
      );
      return finish(rt, report, session, context, startedAt, t0, null);
    }
    registerDsnSecrets(rt.redactor, dsnValue, report.dsnKey);
    const dsn = parseDsn(dsnValue, report.dsnKey);
    report.online = true;

    // 6. online work on one session
    const connectOpts: ConnectOptions = {
      dsn,
      dsnKey: report.dsnKey,
      applicationName: applicationName(rt, context),
      connectTimeoutMs: db.connect_timeout,
    };
    let currentFile: string | null = null;
    const abort = new AbortController();
    const stopListening = onTermination((sig) => {
      rt.logger.warn(
        `${sig} received: cancelling the running statement; its transaction rolls back and nothing partial is recorded`,
      );
      abort.abort();
    });
    let conn: DbConnection | null = null;
    try {
      conn = await openConnection({
        ...connectOpts,
        onNotice: (msg) => {
          if (!/no transaction in progress/.test(msg)) rt.logger.info(`${currentFile ?? 'server'}: ${msg}`);
        },
      });
      const c = conn;
      const engine = new MigrationEngine({
        conn: c,
        ledger: ledgerName,
        db,
        logger: rt.logger,
        redactor: rt.redactor,
        signal: abort.signal,
        cancelRunning: () => cancelBackend(connectOpts, c.pid),
        blockers: () => blockingSessions(connectOpts, c.pid),
      });
      if (mode === 'dry_run') await dryRun(engine, plan, s, report, rt);
      else if (mode === 'verify') await verify(engine, plan, report, true, rt);
      else {
        await engine.checkSession();
        report.lockWaitMs = await engine.acquireLock(db.lock_wait);
        if (report.lockWaitMs > 1000)
          rt.logger.info(`migration lock taken after ${formatDuration(Math.round(report.lockWaitMs / 100) * 100)}`);
        let lockErr: unknown = null;
        try {
          await migrate(engine, plan, db, s, report, rt, (f) => (currentFile = f));
          report.stageLines.push(
            statusLine(
              `${COMMAND}_migrate`,
              [
                ['status', 'ok'],
                ['applied', report.appliedNow.length],
                ['migrations', plan.migrations.length],
              ],
              rt.redactor,
            ),
          );
          if (mode === 'all') {
            await verify(engine, plan, report, false, rt);
          }
        } catch (e) {
          lockErr = e;
        }
        try {
          await engine.releaseLock();
        } catch (e) {
          if (!lockErr) lockErr = e;
        }
        if (lockErr) throw lockErr;
      }
    } finally {
      stopListening();
      await conn?.close();
    }
    return finish(rt, report, session, context, startedAt, t0, null);
  } catch (e) {
    return finish(rt, report, session, context, startedAt, t0, e);
  }
}

/** ::error/::warning annotations shown per step (the runner keeps 10 of each); the log has every finding. */
const LINT_ANNOTATIONS = 10;

/**
 * The lint of dry_run: every file, offline. Findings are reported (log, annotations, envelope, job
 * summary, SARIF), never a failure of the run: an applied file cannot be edited (its checksum) to
 * add an opt-out, so an old finding must not block every later dry_run; code scanning gates new ones.
 */
async function lintStage(rt: Runtime, plan: Plan): Promise<LintReport> {
  const lint = await lintPlan(
    plan.migrations.map((m) => {
      let text: string | undefined;
      try {
        text = normalizeSql(readFileSync(m.absPath, 'utf8'));
      } catch {
        text = undefined;
      }
      return { relPath: m.relPath, up: m.up, upLine: m.upLine, transaction: m.transaction, text };
    }),
  );
  // statements are quoted: redacted here, so every sink (log, envelope, summary, SARIF, event) gets the redacted text
  lint.findings = rt.redactor.redactDeep(lint.findings);
  const open = openLintFindings(lint);
  const shown = { error: 0, warning: 0 };
  for (const f of lint.findings) {
    const line = findingLine(f);
    if (rt.inAction && !f.ignored && shown[f.severity] < LINT_ANNOTATIONS) {
      shown[f.severity]++;
      rt.logger.info(
        annotationCommand({
          level: f.severity,
          file: f.file,
          line: f.line,
          title: `db_bootstrap lint: ${f.rule}`,
          message: rt.redactor.redact(line),
        }),
      );
    } else if (f.ignored) rt.logger.info(line);
    else rt.logger.warn(line);
  }
  const errors = open.filter((f) => f.severity === 'error').length;
  rt.logger.info(
    `lint: ${lint.files} file(s), ${lint.statements} statement(s): ${errors} error(s), ${open.length - errors} warning(s)${lint.findings.length > open.length ? `, ${lint.findings.length - open.length} ignored by a header` : ''} (${lint.ms} ms, PostgreSQL's parser, offline)`,
  );
  return lint;
}

/** The lint as SARIF (redacted: the findings already are, the paths too) for github/codeql-action/upload-sarif. */
function writeLintSarif(rt: Runtime, lint: LintReport, file: string): string {
  const path = resolve(rt.cwd, file);
  const text =
    JSON.stringify(rt.redactor.redactDeep(lintSarif(lint, { srcRoot: rt.cwd, version: '0.1.0' })), null, 2) + '\n';
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : 'error';
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `sarif_file ${JSON.stringify(file)} cannot be written (${/^E[A-Z]+$/.test(code) ? code : 'write error'})`,
      {
        stage: 'sarif',
        remediation:
          'Pass a writable file path as sarif_file / --sarif-file (e.g. ${{ runner.temp }}/db-lint.sarif in Actions); its directory is created when missing.',
      },
    );
  }
  rt.logger.info(`lint SARIF written to ${file} (${lint.findings.length} result(s))`);
  return path;
}

async function dryRun(
  engine: MigrationEngine,
  plan: Plan,
  s: DbBootstrapSettings,
  report: RunReport,
  rt: Runtime,
): Promise<void> {
  await engine.readOnly(async () => {
    const state = await engine.ledgerState();
    let rows: LedgerRow[] = state.rows;
    if (!state.exists) {
      const objects = await engine.userObjects();
      if (objects.length > 0) {
        if (!s.baseline_version) throw notEmpty(objects, engine.ledgerName);
        await checkBaseline(engine, plan, s.baseline_version);
        rows = baselineRows(plan, s.baseline_version);
        report.baselined = rows.map((r) => r.filename);
      }
    }
    const r = reconcile(plan, rows);
    report.ledgerRead = true;
    report.failedFiles = r.failedAttempts.map((f) => f.filename);
    assertConsistent(r, engine.ledgerName);
    noteRenamed(r, rt);
    report.alreadyApplied = r.applied.length;
    report.pending = r.pending;
  });
  rt.logger.info(
    `${report.pending.length} of ${plan.migrations.length} migration(s) pending${
      report.pending.length
        ? `: ${report.pending
            .slice(0, 20)
            .map((m) => m.filename)
            .join(', ')}${report.pending.length > 20 ? ', ...' : ''}`
        : ''
    } (read in a READ ONLY transaction; nothing written)`,
  );
}

function baselineRows(plan: Plan, baseline: string): LedgerRow[] {
  return plan.migrations
    .filter((m) => compareIds(m.id, baseline) <= 0)
    .map((m) => ({
      id: m.id,
      filename: m.filename,
      checksum: m.checksum,
      applied_at: '',
      duration_ms: null,
      success: true,
    }));
}

/**
 * baseline_version against a dbmate ledger in the same database: the files up to the baseline must
 * be exactly what dbmate applied, or adopting would record files as applied that never ran (or run
 * again files that did).
 */
async function checkBaseline(engine: MigrationEngine, plan: Plan, baseline: string): Promise<void> {
  const dbmate = await engine.dbmateLedger();
  if (!dbmate) return;
  const applied = [...new Set(dbmate.versions.map((v) => BigInt(v).toString()))].sort((a, b) => compareIds(a, b));
  const last = applied.at(-1) ?? '0';
  const fix = `Set baseline_version to ${last}, the last version dbmate applied (SELECT max(version) FROM ${dbmate.table}); the files after it then run.`;
  if (compareIds(baseline, last) !== 0) {
    const more = compareIds(baseline, last) > 0;
    throw new DbError(
      'PAAS_MIGRATION_PLAN_INVALID',
      'baseline_mismatch',
      `baseline_version ${baseline} does not match the dbmate ledger ${dbmate.table}: dbmate applied up to ${last} (${applied.length} version${applied.length === 1 ? '' : 's'}); ${more ? `adopting at ${baseline} would record the files after ${last} up to ${baseline} as applied although they never ran` : `adopting at ${baseline} would run again files that dbmate applied after it`}`,
      {
        stage: 'ledger',
        remediation: fix,
      },
    );
  }
  const done = new Set(applied);
  const gap = plan.migrations.find((m) => compareIds(m.id, baseline) <= 0 && !done.has(BigInt(m.id).toString()));
  if (gap) {
    throw new DbError(
      'PAAS_MIGRATION_PLAN_INVALID',
      'baseline_mismatch',
      `baseline_version ${baseline}: ${gap.relPath} (version ${gap.id}) is at or below the baseline but the dbmate ledger ${dbmate.table} has no row for it: it never ran`,
      {
        stage: 'ledger',
        file: gap.relPath,
        remediation:
          'Apply the missing file with dbmate first (dbmate up), or move to paas from an earlier baseline; never record a file as applied that did not run.',
      },
    );
  }
}

function notEmpty(objects: string[], ledger: string): DbError {
  return new DbError(
    'PAAS_DB_NOT_EMPTY',
    'schema_not_empty',
    `the database already holds objects (${objects.slice(0, 4).join(', ')}${objects.length > 4 ? ', ...' : ''}) but has no ledger ${ledger}: refusing to run migrations over an unknown schema`,
    {
      stage: 'ledger',
      remediation:
        'If the schema already matches the migrations up to some id, re-run with baseline_version set to that id (those files are recorded as applied without running; 0 records none). Otherwise point the DSN at an empty database.',
    },
  );
}

function noteRenamed(r: Reconciled, rt: Runtime): void {
  for (const x of r.renamed)
    rt.logger.warn(
      `${x.migration.relPath}: applied as ${x.row.filename} (same id and checksum): renamed after it was applied`,
    );
}

async function migrate(
  engine: MigrationEngine,
  plan: Plan,
  db: DbConfig,
  s: DbBootstrapSettings,
  report: RunReport,
  rt: Runtime,
  setFile: (f: string | null) => void,
): Promise<void> {
  let state = await engine.ledgerState();
  if (!state.exists) {
    const objects = await engine.userObjects();
    let baseline: Migration[] = [];
    if (objects.length > 0) {
      if (!s.baseline_version) throw notEmpty(objects, engine.ledgerName);
      const b = s.baseline_version;
      await checkBaseline(engine, plan, b);
      baseline = plan.migrations.filter((m) => compareIds(m.id, b) <= 0);
      rt.logger.info(`baseline ${b}: recording ${baseline.length} file(s) as applied without running them`);
      report.baselined = baseline.map((m) => m.filename);
    } else if (s.baseline_version) {
      rt.logger.warn(`baseline_version ${s.baseline_version} ignored: the database is empty, so every migration runs`);
    }
    await engine.createLedger(baseline);
    rt.logger.info(`created the ledger ${engine.ledgerName}`);
    state = await engine.ledgerState();
  } else if (s.baseline_version) {
    rt.logger.info(`baseline_version ${s.baseline_version} ignored: the ledger ${engine.ledgerName} already exists`);
  }
  const r = reconcile(plan, state.rows);
  report.ledgerRead = true;
  assertConsistent(r, engine.ledgerName);
  noteRenamed(r, rt);
  for (const f of r.failedAttempts)
    rt.logger.warn(
      `${f.filename}: an earlier attempt failed part-way (transaction:false); running it again from its first statement`,
    );
  report.alreadyApplied = r.applied.length;
  report.pending = r.pending;
  const total = r.pending.length;
  // drift: the schema as recorded for this very ledger state; a drift found now (a change by hand)
  // is carried into the new record, so verify keeps reporting it
  const recorded = await engine.recordedSchema();
  const current = recorded !== null && recorded.ledger === ledgerHash(state.rows) ? recorded : null;
  if (recorded && !current)
    rt.logger.info(
      `the schema record in ${displayName(schemaTable(engine.ledger))} is older than the ledger (a run stopped before recording it): recorded anew after this run`,
    );
  const before = current && total > 0 ? await engine.liveSchema() : null;
  const record = async () => {
    if (total === 0 && current) return;
    const after = await engine.liveSchema();
    const stored = current && before ? carryDrift(current.objects, before, after) : after;
    const ledger = ledgerHash((await engine.ledgerState()).rows);
    await engine.recordSchema(stored, ledger);
    report.fingerprint = fingerprintOf(stored);
    report.liveAfter = { objects: after, ledger };
  };
  for (let i = 0; i < total; i++) {
    const m = r.pending[i] as Migration;
    setFile(m.relPath);
    rt.logger.info(`applying ${m.relPath} (${i + 1}/${total}${m.transaction ? '' : ', transaction:false'})`);
    const started = performance.now();
    const heartbeat = setInterval(() => {
      const el = performance.now() - started;
      rt.logger.info(
        `still applying ${m.relPath} (${i + 1}/${total}): ${formatDuration(el < 10_000 ? Math.max(100, Math.round(el / 100) * 100) : Math.round(el / 1000) * 1000)} elapsed`,
      );
    }, db.progress_interval);
    heartbeat.unref();
    let ms: number;
    try {
      ms = m.transaction ? await engine.applyTransactional(m) : await engine.applyNoTransaction(m);
    } catch (e) {
      report.failedFiles.push(m.filename);
      // what the files before it produced is recorded all the same (best effort: the session may be gone)
      if (
        report.appliedNow.length > 0 &&
        isDbError(e) &&
        e.reason !== 'connection_lost' &&
        e.reason !== 'interrupted' &&
        e.reason !== 'pooled_connection'
      )
        await record().catch(() => undefined);
      throw e;
    } finally {
      clearInterval(heartbeat);
    }
    report.appliedNow.push({ id: m.id, filename: m.filename, ms: Math.round(ms) });
    rt.logger.info(
      `applied ${m.relPath} (${i + 1}/${total}, ${Math.round(ms)} ms${m.transaction ? '' : ', transaction:false'})`,
    );
  }
  setFile(null);
  report.pending = [];
  await record();
  if (total === 0) rt.logger.info(`nothing to apply: all ${plan.migrations.length} migration(s) already applied`);
}

async function verify(
  engine: MigrationEngine,
  plan: Plan,
  report: RunReport,
  standalone: boolean,
  rt: Runtime,
): Promise<void> {
  const { r, invalid, recorded, live, hash } = await engine.readOnly(async () => {
    const state = await engine.ledgerState();
    const rec = state.exists ? await engine.recordedSchema() : null;
    const hash = ledgerHash(state.rows);
    // in `all`, the schema migrate has just read on this session, under the lock, for this very
    // ledger is the live schema: no second catalog read (one round trip and the server's work)
    const reuse = !standalone && report.liveAfter && report.liveAfter.ledger === hash ? report.liveAfter.objects : null;
    return {
      r: reconcile(plan, state.rows),
      invalid: await engine.invalidIndexes(),
      recorded: rec,
      live: rec ? (reuse ?? (await engine.liveSchema())) : null,
      hash,
    };
  });
  report.invalidIndexes = invalid;
  report.ledgerRead = true;
  if (standalone) report.failedFiles = r.failedAttempts.map((f) => f.filename);
  if (standalone) {
    report.alreadyApplied = r.applied.length;
    report.pending = r.pending;
  }
  assertConsistent({ ...r, nonIncreasing: [] }, engine.ledgerName);
  // an invalid index first: it is what the database lacks; its fix depends on whether the file that
  // builds it is recorded as applied (rebuild in place) or failed (drop it and run migrate again)
  const rerun = r.failedAttempts.length > 0;
  const invalidFixed = invalid.map((x) => ({ ...x, fix: invalidIndexFix(x.schema, x.name, rerun) }));
  report.invalidIndexes = invalidFixed;
  const bad = invalidFixed[0];
  if (bad) {
    throw new DbError(
      'PAAS_MIGRATION_VERIFY_FAILED',
      'invalid_index',
      `invalid index ${bad.schema}.${bad.name} on ${bad.table} (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)${
        invalidFixed.length > 1
          ? `; ${invalidFixed.length - 1} more: ${invalidFixed
              .slice(1, 5)
              .map((x) => `${x.schema}.${x.name}`)
              .join(', ')}`
          : ''
      }${rerun ? `; ${r.failedAttempts.map((f) => f.filename).join(', ')} failed part-way and is not recorded as applied` : ''}`,
      {
        stage: 'verify',
        file: r.failedAttempts[0]?.filename ?? null,
        remediation: invalidFixed.map((x) => x.fix).join(' '),
      },
    );
  }
  const failed = r.failedAttempts[0];
  if (failed) {
    throw new DbError(
      'PAAS_MIGRATION_VERIFY_FAILED',
      'failed_attempt',
      `${failed.filename} (transaction:false) failed part-way in an earlier run; some of its statements may have run`,
      {
        stage: 'verify',
        file: failed.filename,
        remediation:
          'Fix the file so every statement is safe to run again (IF NOT EXISTS), then run migrate or all: the file runs again from its first statement.',
      },
    );
  }
  if (r.pending.length > 0) {
    throw new DbError(
      'PAAS_MIGRATION_VERIFY_FAILED',
      'pending_migrations',
      `${r.pending.length} migration(s) in the plan are not applied: ${r.pending
        .slice(0, 10)
        .map((m) => m.filename)
        .join(', ')}${r.pending.length > 10 ? ', ...' : ''}`,
      {
        stage: 'verify',
        file: r.pending[0]?.relPath ?? null,
        remediation: 'Run db_bootstrap with mode migrate or all.',
      },
    );
  }
  // drift: the live schema against the one recorded after the last migrate
  const fpTable = displayName(schemaTable(engine.ledger));
  if (!recorded || !live) {
    rt.logger.info(
      `no schema record in ${fpTable} yet: drift not checked (the next migrate that applies a file, or the first one of this version, records it)`,
    );
  } else if (recorded.ledger !== hash) {
    rt.logger.warn(
      `the schema record in ${fpTable} is older than the ledger (a run stopped before recording it): drift not checked; the next migrate records it anew`,
    );
  } else {
    const d = diffSchema(recorded.objects, live);
    if (driftCount(d) > 0) {
      report.drift = describeDrift(d, 50);
      throw new DbError(
        'PAAS_MIGRATION_VERIFY_FAILED',
        'schema_drift',
        `the schema differs from what the migrations produced (recorded ${recorded.recordedAt}): ${describeDrift(d)}`,
        {
          stage: 'verify',
          remediation: `Put the change in a new migration (or undo it by hand) so the migrations describe the schema. To accept the live schema as the new reference instead: DELETE FROM ${fpTable}; the next migrate records it.`,
        },
      );
    }
    rt.logger.info(
      `schema matches the record of the last migrate (${live.size} objects, fingerprint ${recorded.fingerprint.slice(0, 12)})`,
    );
  }
  report.verified = r.applied.length;
  report.stageLines.push(
    statusLine(
      `${COMMAND}_verify`,
      [
        ['status', 'ok'],
        ['migrations', r.applied.length],
      ],
      rt.redactor,
    ),
  );
}

function finish(
  rt: Runtime,
  report: RunReport,
  session: ContextSession | null,
  context: string | null,
  startedAt: Date,
  t0: number,
  err: unknown,
): Outcome {
  const durationMs = Math.round(performance.now() - t0);
  const plan = report.plan;
  const n = plan?.migrations.length ?? 0;
  const fields: Record<string, unknown> = {
    migrations: n,
    applied: report.appliedNow.length,
    pending: report.pending.length,
    online: report.online,
    ledger: report.ledger,
    dsn_key: report.dsnKey,
    migrations_dir: plan?.relDir ?? null,
    applied_files: report.appliedNow.map((a) => a.filename),
    pending_files: report.pending.map((m) => m.filename),
    baselined: report.baselined,
    lock_wait_ms: report.lockWaitMs,
    verified: report.verified,
    schema_fingerprint: report.fingerprint,
    drift: report.drift,
    invalid_indexes: report.invalidIndexes.map((x) => ({ index: `${x.schema}.${x.name}`, table: x.table, fix: x.fix })),
    duration_ms: durationMs,
  };
  if (report.lint) {
    const open = openLintFindings(report.lint);
    const errors = open.filter((f) => f.severity === 'error').length;
    fields.lint = {
      files: report.lint.files,
      statements: report.lint.statements,
      errors,
      warnings: open.length - errors,
      ignored: report.lint.findings.length - open.length,
      ms: report.lint.ms,
    };
    fields.lint_findings = report.lint.findings;
  }
  if (report.sarifFile) fields.sarif_file = report.sarifFile;
  if (plan && plan.problems.length > 0)
    fields.problems = plan.problems.map((p) => ({ reason: p.reason, file: p.file, line: p.line, message: p.message }));

  let result: Outcome;
  if (!err) {
    const lines: string[] = [];
    if (report.mode === 'dry_run') {
      result = outcome(rt.redactor, {
        command: `${COMMAND}_dry_run`,
        context,
        mode: report.mode,
        fields,
        line: [['migrations', n]],
        summary: summaryOf(report),
        text: textOf(report),
      });
      result.envelope.command = COMMAND;
    } else {
      lines.push(...report.stageLines);
      result = outcome(rt.redactor, {
        command: COMMAND,
        context,
        mode: report.mode,
        fields,
        line: [['mode', report.mode]],
        extraLines: lines,
        summary: summaryOf(report),
        text: textOf(report),
      });
    }
  } else {
    const e = err;
    const info = toErrorInfo(e);
    const reason = reasonOf(e);
    const db = isDbError(e) ? e : null;
    fields.reason = reason;
    if (db?.sqlstate) fields.sqlstate = db.sqlstate;
    if (db?.file) fields.file = db.file;
    if (db?.line) fields.line = db.line;
    result = failure(rt.redactor, COMMAND, context, report.mode, e, fields);
    if (db) {
      // reason = the stable error code (the output contract); cause = the precise reason token
      const codeReason = info.code.toLowerCase().replace(/^paas_/, '');
      const applied: Array<readonly [string, LogfmtValue]> =
        (report.mode === 'migrate' || report.mode === 'all') && report.online
          ? [['applied', report.appliedNow.length]]
          : [];
      const line = statusLine(
        COMMAND,
        [
          ['status', 'fail'],
          ['reason', codeReason],
          ['cause', reason],
          ['mode', report.mode],
          ['stage', info.stage],
          ...applied,
          ['file', db.file ?? undefined],
          ['line', db.line ?? undefined],
          ['sqlstate', db.sqlstate ?? undefined],
        ],
        rt.redactor,
      );
      result.lines = [...report.stageLines, line];
    } else {
      // not database-specific (context, vault, paas.yml): the plain contract line of every operation
      result.lines = [...report.stageLines, ...result.lines];
    }
    result.exitCode = EXIT_ERROR;
    result.summary = summaryOf(report, info.message);
    if (rt.inAction && db?.file) {
      rt.logger.info(
        annotationCommand({
          level: 'error',
          file: db.file,
          line: db.line ?? undefined,
          title: `db_bootstrap ${reason}`,
          message: rt.redactor.redact(info.message),
        }),
      );
    }
    if (!isPaasError(e)) rt.logger.debug(rt.redactor.redact(e instanceof Error ? (e.stack ?? e.message) : String(e)));
  }
  record(rt, session, report, startedAt, durationMs, err, result);
  return result;
}

function record(
  rt: Runtime,
  session: ContextSession | null,
  report: RunReport,
  startedAt: Date,
  durationMs: number,
  err: unknown,
  result: Outcome,
): void {
  if (!session) return;
  const info = err ? toErrorInfo(err) : null;
  const db = isDbError(err) ? err : null;
  const data = {
    mode: report.mode,
    status: err ? 'fail' : 'ok',
    online: report.online,
    ledger: report.ledger,
    migrations: report.plan?.migrations.length ?? 0,
    applied: report.appliedNow,
    already_applied: report.alreadyApplied,
    pending: report.pending.map((m) => m.filename),
    baselined: report.baselined,
    lock_wait_ms: report.lockWaitMs,
    started_at: startedAt.toISOString(),
    duration_ms: durationMs,
    status_line: result.lines.at(-1) ?? '',
    error: info
      ? {
          code: info.code,
          reason: reasonOf(err),
          stage: info.stage,
          file: db?.file ?? null,
          line: db?.line ?? null,
          sqlstate: db?.sqlstate ?? null,
          message: info.message,
        }
      : null,
  };
  try {
    session.events.append(
      'db_bootstrap.run',
      err
        ? `db_bootstrap ${report.mode} failed: ${reasonOf(err)}`
        : `db_bootstrap ${report.mode} ok: ${report.appliedNow.length} applied, ${report.pending.length} pending of ${data.migrations}`,
      data,
      err ? 'error' : 'info',
    );
    const state = session.store.openState(session.config.name, rt.redactor);
    try {
      state.scoped.record('db_bootstrap.run', data);
    } finally {
      state.close();
    }
  } catch (e) {
    rt.logger.warn(`could not record the run in the context state: ${errorMessage(e)}`);
  }
}

function textOf(report: RunReport): string | undefined {
  const plan = report.plan;
  if (!plan) return undefined;
  const parts = [`plan ${plan.relDir}: ${plan.migrations.length} migration(s)${report.online ? '' : ' (offline)'}`];
  if (report.appliedNow.length) parts.push(`applied now: ${report.appliedNow.length}`);
  if (report.online && report.mode === 'dry_run')
    parts.push(
      `pending: ${report.pending.length}${
        report.pending.length
          ? ` (${report.pending
              .slice(0, 10)
              .map((m) => m.filename)
              .join(', ')}${report.pending.length > 10 ? ', ...' : ''})`
          : ''
      }`,
    );
  return parts.join('; ');
}

function summaryOf(report: RunReport, error?: string): string {
  const plan = report.plan;
  const out: string[] = [];
  if (error) out.push(`**failed:** ${error}`, '');
  if (!plan) return out.join('\n');
  const applied = new Map(report.appliedNow.map((a) => [a.id, a.ms]));
  const pending = new Set(report.pending.map((m) => m.id));
  const baselined = new Set(report.baselined);
  const rows = plan.migrations.map((m) => [
    m.id,
    m.filename,
    applied.has(m.id)
      ? 'applied now'
      : report.failedFiles.includes(m.filename)
        ? 'failed'
        : report.online && !report.ledgerRead
          ? 'not checked'
          : baselined.has(m.filename)
            ? 'baseline'
            : pending.has(m.id)
              ? report.online
                ? 'pending'
                : 'in plan'
              : 'applied',
    applied.has(m.id) ? `${applied.get(m.id)} ms` : '',
    m.transaction ? '' : 'transaction:false',
  ]);
  const shown = rows.length > SUMMARY_ROWS ? rows.slice(rows.length - SUMMARY_ROWS) : rows;
  out.push(
    `${plan.migrations.length} migration(s) in \`${plan.relDir}\`, ledger \`${report.ledger}\`${report.online ? '' : ' (offline check)'}${rows.length > SUMMARY_ROWS ? `; the last ${SUMMARY_ROWS} shown` : ''}`,
    '',
  );
  out.push(markdownTable(['id', 'file', 'status', 'duration', 'notes'], shown));
  for (const x of report.invalidIndexes) out.push('', `invalid index \`${x.schema}.${x.name}\`: \`${x.fix}\``);
  if (report.lint) {
    const f = report.lint.findings;
    out.push('', `#### Lint (${f.length} finding${f.length === 1 ? '' : 's'}, ${report.lint.files} files, offline)`);
    if (f.length)
      out.push(
        '',
        markdownTable(
          ['location', 'severity', 'rule', 'statement', 'why', 'safe pattern'],
          f
            .slice(0, SUMMARY_ROWS)
            .map((x) => [
              `${x.file}:${x.line}`,
              x.ignored ? `ignored (${x.ignored})` : x.severity,
              x.rule,
              x.statement,
              x.why,
              x.fix,
            ]),
        ),
      );
    if (f.length > SUMMARY_ROWS)
      out.push('', `${f.length - SUMMARY_ROWS} more: see \`--json\` (fields.lint_findings).`);
  }
  return out.join('\n');
}
