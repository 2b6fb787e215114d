import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { envelope, type Outcome } from '../../output/envelope.js';
import { errorMessage, isPaasError, toErrorInfo, type ErrorInfo } from '../../output/errors.js';
import { statusLine, type LogfmtValue } from '../../output/logfmt.js';
import { failure } from '../../output/outcome.js';
import { annotationCommand, markdownTable } from '../../output/summary.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContextSession } from '../../runtime/session.js';
import { DbError, isDbError } from '../../db/errors.js';
import type { InvalidIndex } from './engine.js';
import type { DbMode } from './index.js';
import { openLintFindings, type LintReport } from './lint.js';
import type { Migration, Plan } from './plan.js';
import type { SchemaMap, SchemaRecord } from './schema.js';

/**
 * What a db_bootstrap run found and did (RunReport), and what becomes of it at the end: the outcome
 * (envelope, status lines, job summary, text), built once from the report and the error, then the
 * event and the history row of the context.
 */

export const COMMAND = 'db_bootstrap';
const SUMMARY_ROWS = 300;

/** What one run found and did; becomes the envelope fields, the event and the history row. */
export interface RunReport {
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
  /**
   * all: the live schema migrate read to record it and the record it wrote, on this session under the
   * lock, for the ledger state `ledger` (verify reuses both instead of reading them again)
   */
  liveAfter: { objects: SchemaMap; ledger: string; recorded: SchemaRecord } | null;
}

export function newReport(mode: DbMode, dsnKey: string): RunReport {
  return {
    mode,
    online: false,
    plan: null,
    ledger: 'public.schema_migrations',
    dsnKey,
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
}

/** The run as finish() needs it: the report, the context session (once open) and the clocks. */
export interface RunState {
  rt: Runtime;
  report: RunReport;
  session: ContextSession | null;
  context: string | null;
  startedAt: Date;
  t0: number;
  /** the session's end, under way while the run is recorded (runDbBootstrap awaits it before returning) */
  closing?: Promise<void>;
}

export function reasonOf(e: unknown): string {
  if (isDbError(e)) return e.reason;
  return toErrorInfo(e)
    .code.toLowerCase()
    .replace(/^paas_/, '');
}

/** The outcome of the run, built once from the report and the error (null: success); then recorded. */
export function finish(run: RunState, err: unknown): Outcome {
  const durationMs = Math.round(performance.now() - run.t0);
  const fields = { ...fieldsOf(run.report, durationMs), ...(err ? errorFields(err) : {}) };
  const result = err ? failureOutcome(run, fields, err) : successOutcome(run, fields);
  if (err) announceFailure(run.rt, err);
  recordRun(run.rt, run.session, run.report, run.startedAt, durationMs, err, result);
  return result;
}

function fieldsOf(report: RunReport, durationMs: number): Record<string, unknown> {
  const plan = report.plan;
  return {
    migrations: plan?.migrations.length ?? 0,
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
    ...(report.lint ? { lint: lintCounts(report.lint), lint_findings: report.lint.findings } : {}),
    ...(report.sarifFile ? { sarif_file: report.sarifFile } : {}),
    ...(plan && plan.problems.length > 0
      ? { problems: plan.problems.map((p) => ({ reason: p.reason, file: p.file, line: p.line, message: p.message })) }
      : {}),
  };
}

function lintCounts(lint: LintReport): Record<string, number> {
  const open = openLintFindings(lint);
  const errors = open.filter((f) => f.severity === 'error').length;
  return {
    files: lint.files,
    statements: lint.statements,
    errors,
    warnings: open.length - errors,
    ignored: lint.findings.length - open.length,
    ms: lint.ms,
  };
}

/** The error's place in the envelope fields: reason token, and file/line/SQLSTATE when known. */
function errorFields(err: unknown): Record<string, unknown> {
  const db = isDbError(err) ? err : null;
  return {
    reason: reasonOf(err),
    ...(db?.sqlstate ? { sqlstate: db.sqlstate } : {}),
    ...(db?.file ? { file: db.file } : {}),
    ...(db?.line ? { line: db.line } : {}),
  };
}

function successOutcome(run: RunState, fields: Record<string, unknown>): Outcome {
  const { rt, report } = run;
  const dry = report.mode === 'dry_run';
  // dry_run's verdict line is `db_bootstrap_dry_run status=ok migrations=<n>`; its envelope command is db_bootstrap
  const line = dry
    ? statusLine(
        `${COMMAND}_dry_run`,
        [
          ['status', 'ok'],
          ['migrations', Number(fields.migrations)],
        ],
        rt.redactor,
      )
    : statusLine(
        COMMAND,
        [
          ['status', 'ok'],
          ['mode', report.mode],
        ],
        rt.redactor,
      );
  return {
    envelope: envelope(COMMAND, run.context, report.mode, fields),
    lines: dry ? [line] : [...report.stageLines, line],
    exitCode: EXIT_OK,
    summary: summaryOf(report),
    text: textOf(report),
  };
}

function failureOutcome(run: RunState, fields: Record<string, unknown>, err: unknown): Outcome {
  const { rt, report } = run;
  const info = toErrorInfo(err);
  // not database-specific (context, vault, paas.yml): the plain contract line of every operation
  const plain = failure(rt.redactor, COMMAND, run.context, report.mode, err, fields);
  const verdict = isDbError(err) ? dbFailureLine(rt, report, err, info) : plain.lines;
  return {
    envelope: plain.envelope,
    lines: [...report.stageLines, ...verdict],
    exitCode: EXIT_ERROR,
    summary: summaryOf(report, info.message),
  };
}

/** reason = the stable error code (the output contract); cause = the precise reason token. */
function dbFailureLine(rt: Runtime, report: RunReport, db: DbError, info: ErrorInfo): string[] {
  const applied: Array<readonly [string, LogfmtValue]> =
    (report.mode === 'migrate' || report.mode === 'all') && report.online
      ? [['applied', report.appliedNow.length]]
      : [];
  const line = statusLine(
    COMMAND,
    [
      ['status', 'fail'],
      ['reason', info.code.toLowerCase().replace(/^paas_/, '')],
      ['cause', db.reason],
      ['mode', report.mode],
      ['stage', info.stage],
      ...applied,
      ['file', db.file ?? undefined],
      ['line', db.line ?? undefined],
      ['sqlstate', db.sqlstate ?? undefined],
    ],
    rt.redactor,
  );
  return [line];
}

/** In Actions a database error on a file is also an annotation; a bug's stack goes to the debug log. */
function announceFailure(rt: Runtime, err: unknown): void {
  const db = isDbError(err) ? err : null;
  if (rt.inAction && db?.file) {
    rt.logger.info(
      annotationCommand({
        level: 'error',
        file: db.file,
        line: db.line ?? undefined,
        title: `db_bootstrap ${db.reason}`,
        message: rt.redactor.redact(toErrorInfo(err).message),
      }),
    );
  }
  if (!isPaasError(err))
    rt.logger.debug(rt.redactor.redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
}

function recordRun(
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
    fileStatus(report, m, applied, pending, baselined),
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
  if (report.lint) out.push(...lintSummary(report.lint));
  return out.join('\n');
}

/** A file's status in the job summary: failed files are shown as failed, never as pending. */
function fileStatus(
  report: RunReport,
  m: Migration,
  applied: ReadonlyMap<string, number>,
  pending: ReadonlySet<string>,
  baselined: ReadonlySet<string>,
): string {
  if (applied.has(m.id)) return 'applied now';
  if (report.failedFiles.includes(m.filename)) return 'failed';
  if (report.online && !report.ledgerRead) return 'not checked';
  if (baselined.has(m.filename)) return 'baseline';
  if (pending.has(m.id)) return report.online ? 'pending' : 'in plan';
  return 'applied';
}

/** The Lint section of the job summary. */
function lintSummary(lint: LintReport): string[] {
  const out: string[] = [];
  const f = lint.findings;
  out.push('', `#### Lint (${f.length} finding${f.length === 1 ? '' : 's'}, ${lint.files} files, offline)`);
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
  if (f.length > SUMMARY_ROWS) out.push('', `${f.length - SUMMARY_ROWS} more: see \`--json\` (fields.lint_findings).`);
  return out;
}
