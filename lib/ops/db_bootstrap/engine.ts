import type { QueryResult } from 'pg';
import type { DbConfig } from '../../config/paas-yml.js';
import { formatDuration } from '../../config/duration.js';
import { quoteIdent, quoteLiteral, type BlockingSession, type DbConnection } from '../../db/client.js';
import { connectionLostError, DbError, isConnectionLost, pgErrorOf, sqlstateOf } from '../../db/errors.js';
import { detectTransactionPooler } from '../../db/pooler.js';
import type { Logger } from '../../runtime/logger.js';
import type { Redactor } from '../../redaction/redactor.js';
import {
  createLedgerSql,
  displayName,
  GUARD_SQLSTATE,
  guardSql,
  INVALID_INDEXES_SQL,
  insertAppliedSql,
  insertBaselineSql,
  LEDGER_COLUMNS,
  lockHeldSql,
  lockKey,
  qualified,
  selectLedgerSql,
  upsertNoTxSql,
  userObjectsSql,
  type LedgerName,
  type LedgerRow,
} from './ledger.js';
import type { Migration } from './plan.js';
import {
  createSchemaTableSql,
  fingerprintOf,
  liveSchemaSql,
  parseObjects,
  schemaTable,
  selectSchemaSql,
  upsertSchemaSql,
  type SchemaMap,
  type SchemaRecord,
} from './schema.js';

/** The SQL side of db_bootstrap, on ONE session: lock, ledger, apply, verify. */
export interface EngineOptions {
  conn: DbConnection;
  ledger: LedgerName;
  db: DbConfig;
  logger: Logger;
  /** PostgreSQL messages and hints are redacted, then shortened (redactor.clip; never the other way round) */
  redactor: Pick<Redactor, 'clip'>;
  /** aborted on SIGTERM/SIGINT */
  signal: AbortSignal;
  /** asks the server to cancel the statement running on this session (from another connection) */
  cancelRunning: () => Promise<void>;
  /** the sessions blocking this session's backend right now (from another connection) */
  blockers?: () => Promise<BlockingSession[]>;
}

export interface LedgerState {
  exists: boolean;
  rows: LedgerRow[];
}

export interface InvalidIndex {
  schema: string;
  name: string;
  table: string;
  fix: string;
}

const RETRYABLE = new Set(['55P03', '40P01']);
export const CLIENT_CHECK_INTERVAL = '2s';
/** a lock holder idle this long (at least) is not migrating */
export const ORPHAN_IDLE_S = 10;

interface LockHolder {
  pid: number;
  text: string;
  state: string | null;
  idleS: number | null;
}
/** Statements of the reset between files (their count matters: results are matched by position). */
const RESET_STATEMENTS = [
  'RESET SESSION AUTHORIZATION',
  'RESET ROLE',
  'RESET ALL',
  'DISCARD TEMP',
  'DISCARD SEQUENCES',
  'DEALLOCATE ALL',
  'CLOSE ALL',
  'UNLISTEN *',
];
const RESET_SQL = RESET_STATEMENTS.join(';\n');
/** statements of sessionResetSql() */
const RESET_COUNT = RESET_STATEMENTS.length + 1;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function quoteIdentPlain(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

/**
 * The safe fix of an invalid index. `rerun`: the file that builds it is not recorded as applied (a
 * failed transaction:false attempt), so dropping it and running migrate again rebuilds it. Otherwise
 * (recorded as applied: dropping it would leave it missing for good) it is rebuilt in place.
 */
export function invalidIndexFix(schema: string, name: string, rerun = true): string {
  const q = `${quoteIdentPlain(schema)}.${quoteIdentPlain(name)}`;
  return rerun
    ? `DROP INDEX CONCURRENTLY IF EXISTS ${q}; then run db_bootstrap migrate again (the transaction:false file that builds it is not recorded as applied, so it runs again and builds it)`
    : `REINDEX INDEX CONCURRENTLY ${q}; (rebuilds it in place: its migration is recorded as applied, so dropping it would leave it missing)`;
}

/** A transaction:false file that left invalid indexes (or ran while one exists) did not succeed. */
export function invalidIndexError(bad: InvalidIndex[], file: string): DbError {
  const first = bad[0] as InvalidIndex;
  return new DbError(
    'PAAS_MIGRATION_FAILED',
    'invalid_index',
    `${file}: invalid index ${first.schema}.${first.name} on ${first.table} after the file ran (a CREATE INDEX CONCURRENTLY that failed now or in an earlier attempt; IF NOT EXISTS skips an invalid index)${
      bad.length > 1
        ? `; ${bad.length - 1} more: ${bad
            .slice(1, 5)
            .map((b) => `${b.schema}.${b.name}`)
            .join(', ')}`
        : ''
    }; the file is not recorded as applied`,
    {
      stage: 'migrate',
      file,
      remediation: bad.map((b) => b.fix).join(' '),
    },
  );
}

/** Line in the file for a character position (1-based, as PostgreSQL reports it) inside `up`. */
export function lineInFile(m: Migration, upOffset: number): number {
  let line = m.upLine;
  for (let i = 0; i < upOffset && i < m.up.length; i++) if (m.up.charCodeAt(i) === 10) line++;
  return line;
}

export class MigrationEngine {
  private readonly lock;
  private readonly ledgerSql: string;
  readonly ledgerName: string;
  locked = false;
  /** checkSession passed: our session settings are sent with the first lock attempt */
  private settingsPending = false;
  private running = false;
  /** blockers seen by the lock watch during the current statement */
  private lastBlockers: BlockingSession[] = [];
  private watchedFile: string | null = null;

  get ledger(): LedgerName {
    return this.o.ledger;
  }

  constructor(private readonly o: EngineOptions) {
    this.lock = lockKey(o.ledger);
    this.ledgerSql = qualified(o.ledger);
    this.ledgerName = displayName(o.ledger);
    o.signal.addEventListener(
      'abort',
      () => {
        if (this.running) void o.cancelRunning();
      },
      { once: true },
    );
  }

  private get client() {
    return this.o.conn.client;
  }

  private interrupted(file: string | null, what: string): DbError {
    return new DbError('PAAS_INTERRUPTED', 'interrupted', `interrupted by a termination signal ${what}`, {
      stage: 'migrate',
      file,
      remediation:
        'Nothing partial was recorded: the running transaction was rolled back. Re-run when ready; already applied files stay applied.',
    });
  }

  /** Runs a statement; a lost connection and an abort become DbErrors; other errors are rethrown as they are. */
  private async q<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    file: string | null = null,
    what = '',
    watchLocks = false,
  ): Promise<QueryResult<R>> {
    if (this.o.signal.aborted) throw this.interrupted(file, what);
    this.running = true;
    // the lock watch: if the statement is still running after most of lock_timeout, note who blocks it
    let watch: NodeJS.Timeout | null = null;
    if (watchLocks && this.o.blockers) {
      if (file !== this.watchedFile) this.lastBlockers = [];
      this.watchedFile = file;
      const blockers = this.o.blockers;
      // early enough in lock_timeout for a side connection to see the wait (kept across retries of the file)
      const at = Math.max(20, Math.round(this.o.db.lock_timeout * 0.3));
      watch = setTimeout(() => {
        void blockers().then((b) => {
          if (b.length > 0) this.lastBlockers = b;
        });
      }, at);
      watch.unref();
    }
    try {
      return await this.client.query<R>(sql);
    } catch (e) {
      if (this.o.signal.aborted) throw this.interrupted(file, what);
      if (isConnectionLost(e) || this.o.conn.lastError())
        throw connectionLostError(e, file, what || 'while talking to the server');
      throw e;
    } finally {
      this.running = false;
      if (watch) clearTimeout(watch);
    }
  }

  private pooled(what: string): DbError {
    return new DbError(
      'PAAS_DB_POOLED_CONNECTION',
      'pooled_connection',
      `the database session changed between statements (${what}): the DSN goes through a transaction pooler, where a session advisory lock cannot protect migrations`,
      {
        stage: 'lock',
        remediation:
          'Point the DSN at PostgreSQL directly, or at a session-pooled port of your pooler (PgBouncer pool_mode=session), for migrations.',
      },
    );
  }

  /**
   * Refuses a transaction-pooled connection before anything is written, whatever the concurrency
   * (a client alone on a transaction pooler keeps its server connection, so a pid comparison alone
   * cannot tell): see detectTransactionPooler.
   */
  async checkSession(): Promise<void> {
    if (this.o.signal.aborted) throw this.interrupted(null, 'while checking the session');
    let v;
    try {
      v = await detectTransactionPooler(this.o.conn);
    } catch (e) {
      if (e instanceof DbError) throw e;
      if (this.o.signal.aborted) throw this.interrupted(null, 'while checking the session');
      if (isConnectionLost(e) || this.o.conn.lastError())
        throw connectionLostError(e, null, 'while checking the session');
      throw e;
    }
    if (v.pooled) throw this.pooled(v.how);
    this.o.logger.debug(`session check: ${v.how}`);
    // our session settings travel with the first lock attempt (acquireLock): one round trip fewer
    this.settingsPending = true;
  }

  /** Our session-level settings, applied after connecting and again after every reset. */
  private sessionSettingsSql(): string {
    // the server notices a vanished client during long statements and rolls back sooner (PostgreSQL >= 14)
    return this.o.conn.serverVersion >= 140000
      ? `SET client_connection_check_interval = '${CLIENT_CHECK_INTERVAL}'`
      : 'SELECT 1';
  }

  /**
   * Session state a file may leave behind, reset without touching the session advisory lock
   * (DISCARD ALL would release it): role, session authorization, settings, temp objects, prepared
   * statements, cursors, LISTEN, sequence state; then our own settings again.
   */
  sessionResetSql(): string {
    return `${RESET_SQL};\n${this.sessionSettingsSql()};`;
  }

  private async lockHolder(): Promise<LockHolder | null> {
    try {
      const r = await this.q<{
        pid: number;
        app: string | null;
        age: number;
        state: string | null;
        idle: number | null;
      }>(
        `SELECT a.pid, a.application_name AS app, extract(epoch FROM pg_catalog.now() - a.backend_start)::int AS age, a.state,
                extract(epoch FROM pg_catalog.now() - a.state_change)::int AS idle
         FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${this.lock.classid} AND l.objid = ${this.lock.objid} AND l.objsubid = 1 LIMIT 1`,
      );
      const row = r.rows[0];
      if (!row) return null;
      const app = String(row.app ?? '')
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 63);
      return {
        pid: Number(row.pid),
        text: `pid ${row.pid}${app ? ` (${app})` : ''}, connected ${row.age}s ago`,
        state: row.state ?? null,
        idleS: row.idle === null ? null : Number(row.idle),
      };
    } catch {
      return null;
    }
  }

  /**
   * A holder idle for longer than any pause of a run that migrates (between files: milliseconds;
   * between lock retries: at most retry_delay * 2^(lock_retries-1)) is not migrating: its lock is
   * orphaned (typically left on a server connection of a transaction pooler).
   */
  private orphanAfterS(): number {
    const longestPause = this.o.db.lock_retries > 0 ? this.o.db.retry_delay * 2 ** (this.o.db.lock_retries - 1) : 0;
    return Math.max(ORPHAN_IDLE_S, Math.ceil(longestPause / 1000) + 2);
  }

  private orphaned(h: LockHolder): DbError {
    return new DbError(
      'PAAS_LOCK_HELD',
      'lock_orphaned',
      `the migration lock for ${this.ledgerName} is held by ${h.text}, idle for ${h.idleS}s and not migrating: an orphaned lock (typically left on a server connection of a transaction pooler)`,
      {
        stage: 'lock',
        remediation: `Check that no db_bootstrap run is going on, then end that session so the lock goes with it: SELECT pg_terminate_backend(${h.pid}); (run it on the database directly, as the migration role or a superuser). Migrate through a direct or session-pooled DSN so it does not happen again.`,
      },
    );
  }

  /** pg_try_advisory_lock polled until the deadline, on this session. Never an unbounded wait. */
  async acquireLock(waitMs: number): Promise<number> {
    const started = Date.now();
    const deadline = started + waitMs;
    let nextReport = started;
    for (;;) {
      const settings = this.settingsPending ? `${this.sessionSettingsSql()};\n` : '';
      const res = (await this.q(
        `${settings}SELECT pg_catalog.pg_try_advisory_lock(${this.lock.key}) AS ok, pg_catalog.pg_backend_pid() AS pid`,
        null,
        'while taking the migration lock',
      )) as QueryResult<{ ok: boolean; pid: number }> | QueryResult<{ ok: boolean; pid: number }>[];
      this.settingsPending = false;
      const row = (Array.isArray(res) ? res.at(-1) : res)?.rows[0];
      if (Number(row?.pid) !== this.o.conn.pid) {
        if (row?.ok) await this.q(`SELECT pg_catalog.pg_advisory_unlock(${this.lock.key})`).catch(() => undefined);
        throw this.pooled('backend pid changed while taking the lock');
      }
      if (row?.ok) {
        this.locked = true;
        return Date.now() - started;
      }
      const now = Date.now();
      const left = deadline - now;
      const holder = await this.lockHolder();
      if (holder && holder.state === 'idle' && holder.idleS !== null && holder.idleS >= this.orphanAfterS())
        throw this.orphaned(holder);
      if (left <= 0) {
        throw new DbError(
          'PAAS_LOCK_HELD',
          'lock_held',
          `the migration lock for ${this.ledgerName} is held by ${holder?.text ?? 'another session'}${holder?.state ? ` (${holder.state})` : ''}; gave up after ${formatDuration(waitMs)}`,
          {
            stage: 'lock',
            remediation: `Another db_bootstrap run is migrating this database${holder ? ` (pid ${holder.pid})` : ''}. Wait for it to finish and re-run (or raise db.lock_wait in paas.yml); never end that session while it migrates.`,
          },
        );
      }
      if (now >= nextReport) {
        this.o.logger.info(
          `waiting for the migration lock held by ${holder?.text ?? 'another session'}: ${Math.ceil(left / 1000)}s left`,
        );
        nextReport = now + 5000;
      }
      await sleep(Math.min(left, 150 + Math.floor(Math.random() * 100)), this.o.signal);
      if (this.o.signal.aborted) throw this.interrupted(null, 'while waiting for the migration lock');
    }
  }

  /** Releases the lock and checks that this session held it. */
  async releaseLock(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    const r = await this.client.query<{ released: boolean; pid: number }>(
      `SELECT pg_catalog.pg_advisory_unlock(${this.lock.key}) AS released, pg_catalog.pg_backend_pid() AS pid`,
    );
    const row = r.rows[0];
    if (!row?.released || Number(row.pid) !== this.o.conn.pid) {
      throw new DbError(
        'PAAS_DB_POOLED_CONNECTION',
        'lock_lost',
        'the migration lock was not held by this session when releasing it: the session was reset or pooled during the run',
        {
          stage: 'lock',
          remediation:
            'Connect to PostgreSQL directly (not through a transaction pooler) and run verify to check the result.',
        },
      );
    }
  }

  async ledgerState(): Promise<LedgerState> {
    // whether the ledger exists and its columns, in one round trip (one row with a NULL oid when it does not)
    const cols = await this.q<{ oid: string | null; name: string | null; type: string | null }>(
      `SELECT r.oid::text AS oid, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
       FROM (SELECT pg_catalog.to_regclass(${quoteLiteral(this.ledgerSql)})::oid AS oid) r
       LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    if (!cols.rows[0]?.oid) return { exists: false, rows: [] };
    const have = new Map(cols.rows.map((c) => [String(c.name), String(c.type)]));
    const wrong = Object.entries(LEDGER_COLUMNS).filter(([n, t]) => have.get(n) !== t);
    if (wrong.length > 0) {
      const dbmate = have.has('version') && !have.has('checksum');
      throw new DbError(
        'PAAS_MIGRATION_PLAN_INVALID',
        'ledger_incompatible',
        `${this.ledgerName} exists but is not a paas ledger (${dbmate ? 'it looks like a dbmate ledger' : `columns ${wrong.map(([n]) => n).join(', ')} missing or of another type`})`,
        {
          stage: 'ledger',
          remediation: dbmate
            ? 'Coming from dbmate: set db.ledger_table in paas.yml to a new name (e.g. paas_migrations) and run with baseline_version set to the last version dbmate applied.'
            : `Set db.ledger_table in paas.yml to a table paas can own; paas never alters a table it did not create.`,
        },
      );
    }
    const rows = await this.q<Record<string, unknown>>(selectLedgerSql(this.o.ledger));
    return {
      exists: true,
      rows: rows.rows.map((r) => ({
        id: String(r.id),
        filename: String(r.filename),
        checksum: String(r.checksum),
        applied_at: String(r.applied_at),
        duration_ms: r.duration_ms === null ? null : String(r.duration_ms),
        success: r.success === true,
      })),
    };
  }

  /**
   * A dbmate ledger beside ours (`schema_migrations` with a `version` column and no `checksum`, in
   * the ledger schema or public): its table and the versions dbmate applied. Null when there is none.
   */
  async dbmateLedger(): Promise<{ table: string; versions: string[] } | null> {
    const schemas = [...new Set([this.o.ledger.schema, 'public'])].map((x) => quoteLiteral(x)).join(', ');
    const t = await this.q<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname = 'schema_migrations' AND c.relkind IN ('r', 'p') AND n.nspname IN (${schemas})
         AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped)
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'checksum' AND NOT a.attisdropped)
       ORDER BY (n.nspname = ${quoteLiteral(this.o.ledger.schema)}) DESC LIMIT 1`,
    );
    const row = t.rows[0];
    if (!row) return null;
    const v = await this.q<{ version: string }>(
      `SELECT version::text AS version FROM ${quoteIdent(row.schema)}.${quoteIdent(row.name)}`,
    );
    return {
      table: `${row.schema}.${row.name}`,
      versions: v.rows.map((x) => String(x.version).trim()).filter((x) => /^\d{1,19}$/.test(x)),
    };
  }

  /**
   * The live schema as object descriptors (see schema.ts). The catalog query's cost estimate passes
   * jit_above_cost from a few hundred tables on, and the JIT compilation alone then takes longer than
   * the query (1,000 tables: 0.2-0.4 s of compiling for 50 ms of execution), so JIT is switched off
   * for this one statement (SET and RESET travel with it, one round trip; RESET restores the
   * role's or database's own setting).
   */
  async liveSchema(): Promise<SchemaMap> {
    const noJit = this.o.conn.serverVersion >= 110000;
    const sql = liveSchemaSql(this.o.ledger);
    try {
      const res = (await this.q(
        noJit ? `SET jit = off;\n${sql};\nRESET jit` : sql,
        null,
        'while reading the schema',
      )) as QueryResult<{ k: string; d: string | null }> | QueryResult<{ k: string; d: string | null }>[];
      const r = Array.isArray(res) ? (res[1] as QueryResult<{ k: string; d: string | null }>) : res;
      return new Map(r.rows.map((x) => [x.k, x.d ?? '']));
    } catch (e) {
      throw this.sqlError(e, null, 'reading the schema for drift detection');
    }
  }

  /** The schema recorded after the last migrate, or null (never recorded, or an older paas). */
  async recordedSchema(): Promise<SchemaRecord | null> {
    const t = schemaTable(this.o.ledger);
    const reg = await this.q<{ oid: string | null }>(
      `SELECT pg_catalog.to_regclass(${quoteLiteral(qualified(t))})::oid::text AS oid`,
    );
    if (!reg.rows[0]?.oid) return null;
    const r = await this.q<{ fingerprint: string; objects: string; recorded_at: string; ledger_hash: string }>(
      selectSchemaSql(this.o.ledger),
    );
    const row = r.rows[0];
    if (!row) return null;
    try {
      return {
        objects: parseObjects(row.objects),
        fingerprint: row.fingerprint,
        recordedAt: row.recorded_at,
        ledger: row.ledger_hash,
      };
    } catch {
      return null;
    }
  }

  /**
   * Records the schema the migrations produced, in one transaction guarded like a migration. Returns
   * the record as stored (what recordedSchema() would read back now, without reading it back).
   */
  async recordSchema(m: SchemaMap, ledger: string): Promise<SchemaRecord> {
    const sql = `BEGIN;\n${this.timeoutsSql(true)}${guardSql(this.lock, this.o.conn.pid)};\n${createSchemaTableSql(this.o.ledger)};\n${upsertSchemaSql(this.o.ledger, m, ledger)};\nCOMMIT;`;
    let results: QueryResult | QueryResult[];
    try {
      results = await this.q(sql, null, 'while recording the schema fingerprint');
    } catch (e) {
      await this.rollbackQuietly();
      throw this.sqlError(e, null, `recording the schema fingerprint in ${displayName(schemaTable(this.o.ledger))}`);
    }
    const upsert = (Array.isArray(results) ? results : [results]).at(-2);
    const recordedAt = String(upsert?.rows[0]?.recorded_at ?? '');
    return { objects: m, fingerprint: fingerprintOf(m), recordedAt, ledger };
  }

  async userObjects(limit = 5): Promise<string[]> {
    const r = await this.q<{ name: string }>(userObjectsSql(this.o.ledger, limit));
    return r.rows.map((x) => x.name);
  }

  /** Creates the ledger (and the baseline rows) in one transaction. */
  async createLedger(baseline: Migration[]): Promise<void> {
    const ins = insertBaselineSql(this.o.ledger, baseline);
    const sql = [
      `BEGIN`,
      `SET LOCAL lock_timeout = '${this.o.db.lock_timeout}ms'`,
      guardSql(this.lock, this.o.conn.pid),
      createLedgerSql(this.o.ledger),
      ins,
      'COMMIT',
    ]
      .filter(Boolean)
      .join(';\n');
    try {
      await this.q(sql, null, 'while creating the ledger');
    } catch (e) {
      await this.rollbackQuietly();
      throw this.sqlError(e, null, `creating the ledger ${this.ledgerName}`);
    }
  }

  /** Runs `fn` inside a READ ONLY transaction that is always rolled back. */
  async readOnly<T>(fn: () => Promise<T>): Promise<T> {
    await this.q('BEGIN TRANSACTION READ ONLY');
    try {
      return await fn();
    } finally {
      await this.rollbackQuietly();
    }
  }

  async invalidIndexes(): Promise<InvalidIndex[]> {
    const r = await this.q<{ schema: string; name: string; table_name: string }>(INVALID_INDEXES_SQL);
    return r.rows.map((x) => ({
      schema: x.schema,
      name: x.name,
      table: x.table_name,
      fix: invalidIndexFix(x.schema, x.name),
    }));
  }

  private async rollbackQuietly(): Promise<void> {
    if (this.o.conn.lastError()) return;
    try {
      await this.client.query('ROLLBACK');
    } catch {
      /* the session is gone; the server rolls back on its own */
    }
  }

  /** Maps an SQL error of a migration to a DbError naming the file, line and SQLSTATE. */
  sqlError(
    e: unknown,
    m: Migration | null,
    what: string,
    upOffsetBase?: number,
    queryPrefixLen = 0,
    fallbackLine: number | null = null,
  ): DbError {
    if (e instanceof DbError) return e;
    const state = sqlstateOf(e);
    if (state === GUARD_SQLSTATE) return this.pooled('the lock is not held by the backend running the migration');
    const p = pgErrorOf(e);
    const file = m?.relPath ?? null;
    let line: number | null = fallbackLine;
    if (m && p.position && /^\d+$/.test(p.position)) {
      const off = Number(p.position) - 1 - queryPrefixLen;
      if (off >= 0 && off <= m.up.length) line = lineInFile(m, (upOffsetBase ?? 0) + off);
    }
    const x: SqlFailure = {
      m,
      file,
      line,
      state,
      text: `${file ? `${file}${line ? `:${line}` : ''}: ` : ''}${what}: `,
      msg: this.o.redactor.clip(String(p.message ?? 'error').split('\n')[0] ?? 'error', 500),
      hint: p.hint ? ` (hint: ${this.o.redactor.clip(String(p.hint).split('\n')[0] ?? '', 300)})` : '',
      stateText: state ? ` (SQLSTATE ${state})` : '',
    };
    if (state === '55P03' || state === '40P01') return lockTimeoutError(x, this.o.db, this.lastBlockers);
    if (state === '57014') return cancelledError(x, this.o.db);
    return migrationError(x);
  }

  private timeoutsSql(local: boolean): string {
    const set = local ? 'SET LOCAL' : 'SET';
    return `${set} lock_timeout = '${this.o.db.lock_timeout}ms';\n${set} statement_timeout = '${this.o.db.statement_timeout}ms';\n`;
  }

  /** Applies a file in one transaction together with its ledger row, retrying on lock timeouts. Returns ms. */
  async applyTransactional(m: Migration): Promise<number> {
    const prefix = `BEGIN;\n${this.timeoutsSql(true)}${guardSql(this.lock, this.o.conn.pid)};\n`;
    // the ledger row is written as the migration role whatever the file did (SET ROLE), then the session is reset
    const sql = `${prefix}${m.up}\n;\nRESET SESSION AUTHORIZATION;\nRESET ROLE;\n${insertAppliedSql(this.o.ledger, m)};\nCOMMIT;\n${this.sessionResetSql()}`;
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      let results: QueryResult | QueryResult[];
      try {
        results = await this.q(sql, m.relPath, `while applying ${m.relPath}`, true);
      } catch (e) {
        await this.rollbackQuietly();
        const state = sqlstateOf(e);
        if (!(e instanceof DbError) && state && RETRYABLE.has(state) && attempt < this.o.db.lock_retries) {
          const delay = this.o.db.retry_delay * 2 ** attempt;
          this.o.logger.warn(
            `${m.relPath}: ${state === '55P03' ? 'lock_timeout' : 'deadlock'} (SQLSTATE ${state}); retry ${attempt + 1}/${this.o.db.lock_retries} in ${formatDuration(delay)}`,
          );
          await sleep(delay, this.o.signal);
          if (this.o.signal.aborted) throw this.interrupted(m.relPath, `before retrying ${m.relPath}`);
          continue;
        }
        throw this.sqlError(
          e,
          m,
          `${m.transaction ? 'migration failed and was rolled back' : 'migration failed'}`,
          0,
          prefix.length,
        );
      }
      const list = Array.isArray(results) ? results : [results];
      const commit = list.at(-(RESET_COUNT + 1));
      const insert = list.at(-(RESET_COUNT + 2));
      if (commit?.command !== 'COMMIT' || insert?.command !== 'INSERT' || insert.rowCount !== 1) {
        await this.rollbackQuietly();
        throw new DbError(
          'PAAS_MIGRATION_FAILED',
          'sql_error',
          `${m.relPath}: the file did not run to its end inside its transaction (an unterminated comment or string, or its own transaction control); nothing was recorded`,
          {
            stage: 'migrate',
            file: m.relPath,
            remediation: 'Check the end of the file for an unterminated /* comment, string or dollar quote.',
          },
        );
      }
      return performance.now() - t0;
    }
  }

  /** Applies a `transaction:false` file: one statement at a time, then its ledger row. Returns ms. */
  async applyNoTransaction(m: Migration): Promise<number> {
    const t0 = performance.now();
    const held = await this.q<{ ok: boolean }>(`SELECT (${lockHeldSql(this.lock, this.o.conn.pid)}) AS ok`, m.relPath);
    if (!held.rows[0]?.ok) throw this.pooled('the lock is not held by the backend running the migration');
    await this.q(this.timeoutsSql(false), m.relPath);
    for (let k = 0; k < m.statements.length; k++) await this.runNoTxStatement(m, k, t0);
    // a no-transaction file succeeded only if what it built is valid: a failed CREATE INDEX
    // CONCURRENTLY leaves an invalid index, and a re-run's IF NOT EXISTS skips it without an error
    await this.q(this.sessionResetSql(), m.relPath, `after ${m.relPath}`);
    const bad = await this.invalidIndexes();
    if (bad.length > 0) {
      const err = invalidIndexError(bad, m.relPath);
      await this.recordFailedAttempt(m, performance.now() - t0, err);
      throw err;
    }
    const t = performance.now() - t0;
    await this.q(
      `BEGIN;\n${guardSql(this.lock, this.o.conn.pid)};\n${upsertNoTxSql(this.o.ledger, m, t, true)};\nCOMMIT;`,
      m.relPath,
      `while recording ${m.relPath}`,
    ).catch(async (e: unknown) => {
      await this.rollbackQuietly();
      throw this.sqlError(e, m, 'recording the applied file failed');
    });
    return t;
  }

  /**
   * Statement k of a `transaction:false` file, retried on lock_timeout/deadlock (never a CONCURRENTLY
   * one: a failed one leaves an invalid index); a failure is recorded as a failed attempt.
   */
  private async runNoTxStatement(m: Migration, k: number, t0: number): Promise<void> {
    const total = m.statements.length;
    const s = m.statements[k] as (typeof m.statements)[number];
    const retryable = !s.allWords.has('concurrently');
    for (let attempt = 0; ; attempt++) {
      try {
        await this.q(s.text, m.relPath, `while running statement ${k + 1}/${total} of ${m.relPath}`, true);
        return;
      } catch (e) {
        const state = sqlstateOf(e);
        if (!(e instanceof DbError) && state && RETRYABLE.has(state) && retryable && attempt < this.o.db.lock_retries) {
          const delay = this.o.db.retry_delay * 2 ** attempt;
          this.o.logger.warn(
            `${m.relPath} statement ${k + 1}/${total}: lock_timeout (SQLSTATE ${state}); retry ${attempt + 1}/${this.o.db.lock_retries} in ${formatDuration(delay)}`,
          );
          await sleep(delay, this.o.signal);
          if (this.o.signal.aborted) throw this.interrupted(m.relPath, `before retrying ${m.relPath}`);
          continue;
        }
        const err = this.sqlError(
          e,
          m,
          `statement ${k + 1}/${total} failed${k > 0 ? ` (statements 1-${k} of this transaction:false file stay applied)` : ''}`,
          s.start,
          0,
          lineInFile(m, s.start + (s.text.length - s.text.trimStart().length)),
        );
        await this.recordFailedAttempt(m, performance.now() - t0, err);
        throw err;
      }
    }
  }

  /** A no-transaction file that failed part-way gets a row with success=false (it is pending again next run). */
  private async recordFailedAttempt(m: Migration, ms: number, err: DbError): Promise<void> {
    if (err.reason === 'connection_lost' || this.o.conn.lastError()) return;
    try {
      await this.client.query(this.sessionResetSql());
      await this.client.query(upsertNoTxSql(this.o.ledger, m, ms, false));
      const bad = err.reason === 'invalid_index' ? [] : await this.invalidIndexes();
      if (bad.length > 0) {
        this.o.logger.error(
          `invalid index${bad.length > 1 ? 'es' : ''} left by the failed statement: ${bad.map((b) => `${b.schema}.${b.name}`).join(', ')}; fix: ${bad.map((b) => b.fix).join(' ')}`,
        );
      }
    } catch {
      /* best effort: the error that matters is the migration's */
    }
  }
}

/** An SQL error of a migration, as sqlError() found it (message and hint redacted and clipped). */
interface SqlFailure {
  m: Migration | null;
  file: string | null;
  line: number | null;
  state: string | null;
  /** `<file>:<line>: <what>: ` */
  text: string;
  msg: string;
  hint: string;
  stateText: string;
}

function where(x: SqlFailure) {
  return { stage: 'migrate', file: x.file, line: x.line, sqlstate: x.state };
}

/** lock_timeout or deadlock after every retry, naming the sessions that blocked the file (seen by the lock watch). */
function lockTimeoutError(x: SqlFailure, db: DbConfig, bl: BlockingSession[]): DbError {
  const by =
    bl.length > 0
      ? `; blocked by ${bl
          .slice(0, 3)
          .map(
            (b) =>
              `pid ${b.pid}${b.app ? ` (${b.app})` : ''}${b.state ? `, ${b.state}` : ''}${b.xactAge !== null ? `, transaction open for ${b.xactAge}s` : ''}`,
          )
          .join('; ')}${bl.length > 3 ? `; ${bl.length - 3} more` : ''}`
      : '';
  const pids = bl.map((b) => b.pid).join(', ');
  const many = bl.length > 1;
  const wait = `lock_timeout ${formatDuration(db.lock_timeout)}`;
  return new DbError(
    'PAAS_DB_LOCK_TIMEOUT',
    'lock_timeout',
    `${x.text}${x.msg}${x.stateText}; gave up after ${db.lock_retries} retr${db.lock_retries === 1 ? 'y' : 'ies'}${by}`,
    {
      ...where(x),
      remediation:
        bl.length > 0
          ? `Session${many ? 's' : ''} ${pids} hold${many ? '' : 's'} a lock this migration needs (${wait}). ` +
            `Let ${many ? 'them' : 'it'} finish and re-run, or end ${many ? 'them' : 'it'} if it is stuck: ` +
            `SELECT pg_terminate_backend(${bl[0]?.pid}); (or raise db.lock_timeout / db.lock_retries in paas.yml).`
          : `Another session holds a lock this migration needs (${wait}). Find it with ` +
            'SELECT pid, state, query FROM pg_stat_activity WHERE pid = ANY (pg_blocking_pids(<pid of the migration>)), ' +
            'let it finish, and re-run; or raise db.lock_timeout / db.lock_retries in paas.yml.',
    },
  );
}

/** SQLSTATE 57014: statement_timeout, or a cancel by another session (pg_cancel_backend). */
function cancelledError(x: SqlFailure, db: DbConfig): DbError {
  const userCancel = /user request/i.test(x.msg);
  return new DbError(
    'PAAS_MIGRATION_FAILED',
    userCancel ? 'sql_error' : 'statement_timeout',
    `${x.text}${x.msg}${x.stateText}`,
    {
      ...where(x),
      remediation: userCancel
        ? 'The statement was cancelled by another session (pg_cancel_backend). Re-run when ready.'
        : `A statement ran longer than statement_timeout (${formatDuration(db.statement_timeout)}). ` +
          'Make it faster (batches, CONCURRENTLY in a transaction:false file) or raise db.statement_timeout in paas.yml.',
    },
  );
}

/** The file failed: a standby, a missing privilege, or any other SQL error. */
function migrationError(x: SqlFailure): DbError {
  if (x.state === '25006') {
    return new DbError('PAAS_MIGRATION_FAILED', 'read_only', `${x.text}the server is read-only${x.stateText}`, {
      ...where(x),
      remediation: 'The DSN points at a standby (hot standby / read replica): point it at the primary.',
    });
  }
  if (x.state === '42501') {
    return new DbError('PAAS_MIGRATION_FAILED', 'permission_denied', `${x.text}${x.msg}${x.stateText}`, {
      ...where(x),
      remediation:
        'Grant the migration role the privilege it needs (usually: make it the owner of the schema and its tables).',
    });
  }
  const m = x.m;
  return new DbError('PAAS_MIGRATION_FAILED', 'sql_error', `${x.text}${x.msg}${x.hint}${x.stateText}`, {
    ...where(x),
    remediation: m
      ? `Fix ${m.filename} and re-run: ${
          m.transaction
            ? 'it was rolled back as a whole, so nothing of it was applied or recorded'
            : 'it runs outside a transaction, so statements before the failing one stay applied; make them safe to run again (IF NOT EXISTS)'
        }; files before it stay applied.`
      : 'Check the database state and re-run.',
  });
}
