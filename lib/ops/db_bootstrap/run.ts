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
import { onTermination } from '../../runtime/interrupt.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { statusLine } from '../../output/logfmt.js';
import { annotationCommand } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import { checkTriggerPolicy, committedTrigger } from '../deploy/policy.js';
import { invalidIndexFix, MigrationEngine, type InvalidIndex, type LedgerState } from './engine.js';
import type { DbBootstrapSettings, DbMode } from './index.js';
import { displayName, schemaTable, type LedgerRow } from './ledger.js';
import { findingLine, lintPlan, lintSarif, openLintFindings, type LintReport } from './lint.js';
import { compareIds, discoverPlan, normalizeSql, type Migration, type Plan } from './plan.js';
import { assertConsistent, planError, reconcile, type Reconciled } from './reconcile.js';
import { COMMAND, finish, newReport, type RunReport, type RunState } from './report.js';
import {
  carryDrift,
  describeDrift,
  diffSchema,
  driftCount,
  fingerprintOf,
  ledgerHash,
  type SchemaMap,
  type SchemaRecord,
} from './schema.js';

function applicationName(rt: Runtime, context: string | null): string {
  const run =
    rt.env.GITHUB_RUN_ID && /^\d{1,20}$/.test(rt.env.GITHUB_RUN_ID)
      ? `run ${rt.env.GITHUB_RUN_ID}`
      : `pid ${process.pid}`;
  return `paas db_bootstrap ${context ?? '-'} ${run}`.slice(0, 63);
}

export async function runDbBootstrap(rt: Runtime, common: CommonInputs, s: DbBootstrapSettings): Promise<Outcome> {
  const run: RunState = {
    rt,
    report: newReport(s.mode, s.dsn_key ?? 'POSTGRES_DSN_PROD'),
    session: null,
    context: common.context ?? null,
    startedAt: rt.now(),
    t0: performance.now(),
  };
  let outcome: Outcome;
  try {
    await runStages(run, common, s);
    outcome = finish(run, null);
  } catch (e) {
    outcome = finish(run, e);
  }
  await run.closing;
  return outcome;
}

/** The stages of a run, in order; the report collects what each found. */
async function runStages(run: RunState, common: CommonInputs, s: DbBootstrapSettings): Promise<void> {
  const { rt, report } = run;
  const db = openRun(run, common, s);
  const session = run.session as ContextSession;
  checkMayMigrate(rt, common, report.mode, session);
  // 4. the plan, offline (and in dry_run its lint)
  const plan = await planStage(rt, db, s, report);
  // 5. the DSN: without one, dry_run validates the plan offline
  const dsnValue =
    report.mode === 'dry_run'
      ? session.vault.get(report.dsnKey)
      : session.vault.require(report.dsnKey, `db_bootstrap ${report.mode}`);
  if (dsnValue === undefined) {
    report.pending = plan.migrations;
    rt.logger.info(
      `no DSN in vault key ${report.dsnKey} of context ${session.config.name}: offline validation of ${plan.relDir} only (${plan.migrations.length} migration${plan.migrations.length === 1 ? '' : 's'}, nothing connected)`,
    );
    return;
  }
  // 6. online work on one session
  await runOnline(run, db, plan, s, dsnValue);
}

/**
 * 1. paas.yml (public configuration); 2. the context: explicit, in every mode (dry_run included: its
 * DSN lives in the context's vault). A bad paas.yml never lays out a new context: refused input
 * writes nothing. Sets run.session and run.context; returns the db section of paas.yml.
 */
function openRun(run: RunState, common: CommonInputs, s: DbBootstrapSettings): DbConfig {
  const { rt, report } = run;
  let db: DbConfig | null = null;
  let configError: unknown = null;
  try {
    db = loadPaasYml(common.config, rt.cwd).config.db;
    report.dsnKey = s.dsn_key ?? db.dsn;
  } catch (e) {
    configError = e;
  }
  try {
    run.session = openContextSession(rt, common, {
      mutating: true,
      createIfMissing: rt.inAction && !configError,
      vaultEnvKeys: [report.dsnKey],
      webhookPolicy: common.context ? committedTrigger(rt, common, common.context) : undefined,
    });
  } catch (e) {
    throw configError && common.context ? configError : e;
  }
  run.context = run.session.config.name;
  if (configError) throw configError;
  if (!db) throw new Error('paas.yml not loaded');
  report.ledger = displayName({ schema: db.ledger_schema, table: db.ledger_table });
  return db;
}

/**
 * 3. CI/CD-only: migrating a non-demo context happens in a workflow, not from a laptop; 3b. the
 * trigger policy (paas.yml contexts.<name>.trigger and the context's own): migrating is a change.
 */
function checkMayMigrate(rt: Runtime, common: CommonInputs, mode: DbMode, session: ContextSession): void {
  if (mode !== 'migrate' && mode !== 'all') return;
  if (!rt.inAction && !rt.inCI && session.config.type !== 'demo') {
    throw new DbError(
      'PAAS_CI_ONLY',
      'ci_only',
      `db_bootstrap ${mode} changes the database of ${session.config.type} context ${session.config.name}; that only runs in CI`,
      {
        stage: 'context',
        remediation:
          'Run the db_bootstrap workflow (workflows-templates/db_bootstrap.yml) with this mode instead. ' +
          'Locally, dry_run and verify work on any context, and migrate/all on demo contexts.',
      },
    );
  }
  if (rt.inCI)
    checkTriggerPolicy(
      rt,
      session.config,
      session.vault,
      `db_bootstrap ${mode}`,
      committedTrigger(rt, common, session.config.name),
    );
}

/** The plan, offline: every problem logged, the first one thrown; dry_run lints it (and writes SARIF). */
async function planStage(rt: Runtime, db: DbConfig, s: DbBootstrapSettings, report: RunReport): Promise<Plan> {
  const plan = discoverPlan(resolve(rt.cwd, db.migrations), db.migrations);
  report.plan = plan;
  const first = plan.problems[0];
  if (first) {
    for (const p of plan.problems) rt.logger.error(p.message);
    throw planError(first, plan.problems.length - 1);
  }
  if (plan.ignored.length > 0) rt.logger.debug(`ignored in ${plan.relDir}: ${plan.ignored.join(', ')}`);
  if (report.mode === 'dry_run') {
    report.lint = await lintStage(rt, plan);
    if (s.sarif_file) report.sarifFile = writeLintSarif(rt, report.lint, s.sarif_file);
  } else if (s.sarif_file) rt.logger.info(`sarif_file ignored: the lint runs in dry_run (mode ${report.mode})`);
  return plan;
}

/** Connects (one session for the whole run), runs the mode, closes; SIGTERM/SIGINT cancel the running statement. */
async function runOnline(run: RunState, db: DbConfig, plan: Plan, s: DbBootstrapSettings, dsnValue: string) {
  const { rt, report } = run;
  registerDsnSecrets(rt.redactor, dsnValue, report.dsnKey);
  const connectOpts: ConnectOptions = {
    dsn: parseDsn(dsnValue, report.dsnKey),
    dsnKey: report.dsnKey,
    applicationName: applicationName(rt, run.context),
    connectTimeoutMs: db.connect_timeout,
  };
  report.online = true;
  const current: { file: string | null } = { file: null };
  const abort = new AbortController();
  const stopListening = onTermination((sig) => {
    rt.logger.warn(
      `${sig} received: cancelling the running statement; its transaction rolls back and nothing partial is recorded`,
    );
    abort.abort();
  });
  let conn: DbConnection | null = null;
  try {
    conn = await openConnection({ ...connectOpts, onNotice: (msg) => serverNotice(rt, current.file, msg) });
    const engine = newEngine(rt, conn, connectOpts, db, abort.signal);
    await runMode(engine, plan, db, s, report, rt, (f) => (current.file = f));
  } finally {
    stopListening();
    // the lock is released (or goes with the session); the server ends the session while the run
    // is recorded (events, history): runDbBootstrap awaits the end before returning
    if (conn) run.closing = conn.close();
  }
}

function serverNotice(rt: Runtime, file: string | null, msg: string): void {
  if (!/no transaction in progress/.test(msg)) rt.logger.info(`${file ?? 'server'}: ${msg}`);
}

function newEngine(
  rt: Runtime,
  conn: DbConnection,
  connectOpts: ConnectOptions,
  db: DbConfig,
  signal: AbortSignal,
): MigrationEngine {
  return new MigrationEngine({
    conn,
    ledger: { schema: db.ledger_schema, table: db.ledger_table },
    db,
    logger: rt.logger,
    redactor: rt.redactor,
    signal,
    cancelRunning: () => cancelBackend(connectOpts, conn.pid),
    blockers: () => blockingSessions(connectOpts, conn.pid),
  });
}

/** dry_run and verify read; migrate and all take the lock on this session, and always release it. */
async function runMode(
  engine: MigrationEngine,
  plan: Plan,
  db: DbConfig,
  s: DbBootstrapSettings,
  report: RunReport,
  rt: Runtime,
  setFile: (f: string | null) => void,
): Promise<void> {
  if (report.mode === 'dry_run') return dryRun(engine, plan, s, report, rt);
  if (report.mode === 'verify') return verify(engine, plan, report, true, rt);
  await engine.checkSession();
  report.lockWaitMs = await engine.acquireLock(db.lock_wait);
  if (report.lockWaitMs > 1000)
    rt.logger.info(`migration lock taken after ${formatDuration(Math.round(report.lockWaitMs / 100) * 100)}`);
  let lockErr: unknown = null;
  try {
    await migrate(engine, plan, db, s, report, rt, setFile);
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
    if (report.mode === 'all') await verify(engine, plan, report, false, rt);
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

/** migrate: the ledger (created when missing), the plan against it, then each pending file in order. */
async function migrate(
  engine: MigrationEngine,
  plan: Plan,
  db: DbConfig,
  s: DbBootstrapSettings,
  report: RunReport,
  rt: Runtime,
  setFile: (f: string | null) => void,
): Promise<void> {
  const state = await openLedger(engine, plan, s, report, rt);
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
  const schema = await schemaBefore(engine, state, r.pending.length, rt);
  for (let i = 0; i < r.pending.length; i++) {
    const m = r.pending[i] as Migration;
    setFile(m.relPath);
    await applyOne(
      engine,
      m,
      { n: i + 1, total: r.pending.length, interval: db.progress_interval },
      report,
      rt,
      schema,
    );
  }
  setFile(null);
  report.pending = [];
  await recordSchema(engine, report, schema);
  if (r.pending.length === 0)
    rt.logger.info(`nothing to apply: all ${plan.migrations.length} migration(s) already applied`);
}

/**
 * The ledger as it is; a missing one is created (in one transaction with the baseline rows when a
 * non-empty database is adopted with baseline_version) and read again.
 */
async function openLedger(
  engine: MigrationEngine,
  plan: Plan,
  s: DbBootstrapSettings,
  report: RunReport,
  rt: Runtime,
): Promise<LedgerState> {
  const state = await engine.ledgerState();
  if (state.exists) {
    if (s.baseline_version)
      rt.logger.info(`baseline_version ${s.baseline_version} ignored: the ledger ${engine.ledgerName} already exists`);
    return state;
  }
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
  return engine.ledgerState();
}

/** What migrate records the schema against: the record of this very ledger state, and the live schema before. */
interface SchemaBefore {
  /** the record of the ledger state migrate started from (null: none, or older than the ledger) */
  current: SchemaRecord | null;
  /** the live schema before the first file (only with a current record and files to apply) */
  before: SchemaMap | null;
  /** files to apply */
  total: number;
}

/**
 * Drift: the schema as recorded for this very ledger state; a drift found now (a change by hand) is
 * carried into the new record, so verify keeps reporting it.
 */
async function schemaBefore(
  engine: MigrationEngine,
  state: LedgerState,
  total: number,
  rt: Runtime,
): Promise<SchemaBefore> {
  const recorded = await engine.recordedSchema();
  const current = recorded !== null && recorded.ledger === ledgerHash(state.rows) ? recorded : null;
  if (recorded && !current)
    rt.logger.info(
      `the schema record in ${displayName(schemaTable(engine.ledger))} is older than the ledger (a run stopped before recording it): recorded anew after this run`,
    );
  const before = current && total > 0 ? await engine.liveSchema() : null;
  return { current, before, total };
}

/**
 * Records the schema the applied files produced (nothing to do when no file ran and the record is
 * current). The live schema read and the record written stay in the report: `all`'s verify reuses them.
 */
async function recordSchema(engine: MigrationEngine, report: RunReport, schema: SchemaBefore): Promise<void> {
  if (schema.total === 0 && schema.current) return;
  const after = await engine.liveSchema();
  const stored = schema.current && schema.before ? carryDrift(schema.current.objects, schema.before, after) : after;
  const ledger = ledgerHash((await engine.ledgerState()).rows);
  const recorded = await engine.recordSchema(stored, ledger);
  report.fingerprint = fingerprintOf(stored);
  report.liveAfter = { objects: after, ledger, recorded };
}

/** Applies one file with progress lines (and a heartbeat while it runs); a failure is recorded in the report. */
async function applyOne(
  engine: MigrationEngine,
  m: Migration,
  at: { n: number; total: number; interval: number },
  report: RunReport,
  rt: Runtime,
  schema: SchemaBefore,
): Promise<void> {
  rt.logger.info(`applying ${m.relPath} (${at.n}/${at.total}${m.transaction ? '' : ', transaction:false'})`);
  const heartbeat = startHeartbeat(rt, m, at);
  let ms: number;
  try {
    ms = m.transaction ? await engine.applyTransactional(m) : await engine.applyNoTransaction(m);
  } catch (e) {
    report.failedFiles.push(m.filename);
    // what the files before it produced is recorded all the same (best effort: the session may be gone)
    if (report.appliedNow.length > 0 && recordableAfter(e))
      await recordSchema(engine, report, schema).catch(() => undefined);
    throw e;
  } finally {
    clearInterval(heartbeat);
  }
  report.appliedNow.push({ id: m.id, filename: m.filename, ms: Math.round(ms) });
  rt.logger.info(
    `applied ${m.relPath} (${at.n}/${at.total}, ${Math.round(ms)} ms${m.transaction ? '' : ', transaction:false'})`,
  );
}

/** After these, the session is gone or not ours: no schema record. */
function recordableAfter(e: unknown): boolean {
  return (
    isDbError(e) && e.reason !== 'connection_lost' && e.reason !== 'interrupted' && e.reason !== 'pooled_connection'
  );
}

/** `still applying <file> (n/m): <elapsed> elapsed` every progress_interval while a file runs. */
function startHeartbeat(rt: Runtime, m: Migration, at: { n: number; total: number; interval: number }) {
  const started = performance.now();
  const heartbeat = setInterval(() => {
    const el = performance.now() - started;
    const shown = el < 10_000 ? Math.max(100, Math.round(el / 100) * 100) : Math.round(el / 1000) * 1000;
    rt.logger.info(`still applying ${m.relPath} (${at.n}/${at.total}): ${formatDuration(shown)} elapsed`);
  }, at.interval);
  heartbeat.unref();
  return heartbeat;
}

/** What verify reads, in one READ ONLY transaction. */
interface VerifyFacts {
  r: Reconciled;
  invalid: InvalidIndex[];
  recorded: SchemaRecord | null;
  live: SchemaMap | null;
  hash: string;
}

/**
 * verify (read-only): no invalid index, every file applied with its checksum, nothing applied that
 * the plan lacks, no failed transaction:false attempt, no schema drift. `standalone`: verify mode
 * (the report's file statuses come from here); otherwise the verify stage of `all`.
 */
async function verify(
  engine: MigrationEngine,
  plan: Plan,
  report: RunReport,
  standalone: boolean,
  rt: Runtime,
): Promise<void> {
  const facts = await engine.readOnly(() => readForVerify(engine, plan, report, standalone));
  const { r } = facts;
  report.invalidIndexes = facts.invalid;
  report.ledgerRead = true;
  if (standalone) {
    report.failedFiles = r.failedAttempts.map((f) => f.filename);
    report.alreadyApplied = r.applied.length;
    report.pending = r.pending;
  }
  assertConsistent({ ...r, nonIncreasing: [] }, engine.ledgerName);
  checkInvalidIndexes(facts, report);
  checkLedgerComplete(r);
  checkDrift(engine, facts, report, rt);
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

/**
 * The ledger, the invalid indexes and (when a record exists) the schema record and the live schema.
 * In `all`, the record migrate has just written and the live schema it read to write it, on this
 * session, under the lock, for this very ledger, are reused: no second read of either.
 */
async function readForVerify(
  engine: MigrationEngine,
  plan: Plan,
  report: RunReport,
  standalone: boolean,
): Promise<VerifyFacts> {
  const state = await engine.ledgerState();
  const hash = ledgerHash(state.rows);
  const reuse = !standalone && report.liveAfter && report.liveAfter.ledger === hash ? report.liveAfter : null;
  const recorded = state.exists ? (reuse?.recorded ?? (await engine.recordedSchema())) : null;
  const r = reconcile(plan, state.rows);
  const invalid = await engine.invalidIndexes();
  const live = recorded ? (reuse?.objects ?? (await engine.liveSchema())) : null;
  return { r, invalid, recorded, live, hash };
}

/**
 * An invalid index first: it is what the database lacks; its fix depends on whether the file that
 * builds it is recorded as applied (rebuild in place) or failed (drop it and run migrate again).
 */
function checkInvalidIndexes(facts: VerifyFacts, report: RunReport): void {
  const { r, invalid } = facts;
  const rerun = r.failedAttempts.length > 0;
  const invalidFixed = invalid.map((x) => ({ ...x, fix: invalidIndexFix(x.schema, x.name, rerun) }));
  report.invalidIndexes = invalidFixed;
  const bad = invalidFixed[0];
  if (!bad) return;
  const more =
    invalidFixed.length > 1
      ? `; ${invalidFixed.length - 1} more: ${invalidFixed
          .slice(1, 5)
          .map((x) => `${x.schema}.${x.name}`)
          .join(', ')}`
      : '';
  const failed = rerun
    ? `; ${r.failedAttempts.map((f) => f.filename).join(', ')} failed part-way and is not recorded as applied`
    : '';
  throw new DbError(
    'PAAS_MIGRATION_VERIFY_FAILED',
    'invalid_index',
    `invalid index ${bad.schema}.${bad.name} on ${bad.table} (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)${more}${failed}`,
    {
      stage: 'verify',
      file: r.failedAttempts[0]?.filename ?? null,
      remediation: invalidFixed.map((x) => x.fix).join(' '),
    },
  );
}

/** No failed transaction:false attempt, nothing pending. */
function checkLedgerComplete(r: Reconciled): void {
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
          'Fix the file so every statement is safe to run again (IF NOT EXISTS), then run migrate or all: ' +
          'the file runs again from its first statement.',
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
}

/** Drift: the live schema against the one recorded after the last migrate. */
function checkDrift(engine: MigrationEngine, facts: VerifyFacts, report: RunReport, rt: Runtime): void {
  const { recorded, live, hash } = facts;
  const fpTable = displayName(schemaTable(engine.ledger));
  if (!recorded || !live) {
    rt.logger.info(
      `no schema record in ${fpTable} yet: drift not checked (the next migrate that applies a file, or the first one of this version, records it)`,
    );
    return;
  }
  if (recorded.ledger !== hash) {
    rt.logger.warn(
      `the schema record in ${fpTable} is older than the ledger (a run stopped before recording it): drift not checked; the next migrate records it anew`,
    );
    return;
  }
  const d = diffSchema(recorded.objects, live);
  if (driftCount(d) > 0) {
    report.drift = describeDrift(d, 50);
    throw new DbError(
      'PAAS_MIGRATION_VERIFY_FAILED',
      'schema_drift',
      `the schema differs from what the migrations produced (recorded ${recorded.recordedAt}): ${describeDrift(d)}`,
      {
        stage: 'verify',
        remediation:
          'Put the change in a new migration (or undo it by hand) so the migrations describe the schema. ' +
          `To accept the live schema as the new reference instead: DELETE FROM ${fpTable}; the next migrate records it.`,
      },
    );
  }
  rt.logger.info(
    `schema matches the record of the last migrate (${live.size} objects, fingerprint ${recorded.fingerprint.slice(0, 12)})`,
  );
}
