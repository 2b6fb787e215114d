import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../../db/client.js';
import type { Migration } from './plan.js';

/**
 * The ledger `<schema>.<table>` (default public.schema_migrations): one row per applied file.
 *   id bigint PK, filename text, checksum text (sha256 hex of the normalized file),
 *   applied_at timestamptz, duration_ms bigint (NULL for rows recorded by a baseline),
 *   success boolean (false only for a no-transaction file that failed part-way).
 * Only pure SQL text is built here; the session runs it.
 */
export interface LedgerName {
  schema: string;
  table: string;
}

export interface LedgerRow {
  id: string;
  filename: string;
  checksum: string;
  applied_at: string;
  duration_ms: string | null;
  success: boolean;
}

export const LEDGER_COLUMNS: Record<string, string> = {
  id: 'bigint',
  filename: 'text',
  checksum: 'text',
  applied_at: 'timestamp with time zone',
  duration_ms: 'bigint',
  success: 'boolean',
};

export function qualified(l: LedgerName): string {
  return `${quoteIdent(l.schema)}.${quoteIdent(l.table)}`;
}

/** The table beside the ledger that holds the schema recorded after migrate (drift detection). */
export function schemaTable(l: LedgerName): LedgerName {
  return { schema: l.schema, table: `${l.table.slice(0, 56)}_schema` };
}

export function displayName(l: LedgerName): string {
  return `${l.schema}.${l.table}`;
}

export function createLedgerSql(l: LedgerName): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(l)} (
  id bigint PRIMARY KEY,
  filename text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  duration_ms bigint,
  success boolean NOT NULL DEFAULT true
)`;
}

/** The session advisory lock key of a ledger: 64 bits of sha256, so two ledgers in one database do not contend. */
export function lockKey(l: LedgerName): { key: string; classid: string; objid: string } {
  const h = createHash('sha256').update(`paas-actions db_bootstrap ${l.schema}.${l.table}`).digest();
  const u = h.readBigUInt64BE(0);
  const signed = BigInt.asIntN(64, u);
  return { key: signed.toString(), classid: (u >> 32n).toString(), objid: (u & 0xffffffffn).toString() };
}

/** SQL that is true when this backend is `pid` and holds the advisory lock. */
export function lockHeldSql(lock: ReturnType<typeof lockKey>, pid: number): string {
  return `pg_catalog.pg_backend_pid() = ${pid} AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = ${pid} AND granted AND classid = ${lock.classid} AND objid = ${lock.objid} AND objsubid = 1)`;
}

/**
 * A guard statement for inside a migration's transaction: raises SQLSTATE PAAS1 unless this is the
 * backend that took the lock (pid) and no other backend holds the lock. pg_try_advisory_xact_lock
 * succeeds on the session that holds the session lock (and is released at commit) and fails on any
 * other backend while the lock is held, so a transaction pooler that moved us is caught; it costs a
 * fraction of a pg_locks scan, which matters at one guard per file.
 */
export function guardSql(lock: ReturnType<typeof lockKey>, pid: number): string {
  return `DO $paas_guard$ BEGIN IF NOT (pg_catalog.pg_backend_pid() = ${pid} AND pg_catalog.pg_try_advisory_xact_lock(${lock.key})) THEN RAISE EXCEPTION USING ERRCODE = 'PAAS1', MESSAGE = 'paas db_bootstrap: this session no longer holds the migration lock (backend changed: transaction pooling?)'; END IF; END $paas_guard$`;
}

export const GUARD_SQLSTATE = 'PAAS1';

function rowValues(m: Pick<Migration, 'id' | 'filename' | 'checksum'>, duration: string, success: boolean): string {
  if (!/^\d{1,19}$/.test(m.id) || !/^[0-9a-f]{64}$/.test(m.checksum)) throw new Error('invalid ledger values');
  return `(${m.id}, ${quoteLiteral(m.filename)}, ${quoteLiteral(m.checksum)}, pg_catalog.clock_timestamp(), ${duration}, ${success})`;
}

/** Row of a file applied in the current transaction: duration = since the transaction began. */
export function insertAppliedSql(l: LedgerName, m: Migration): string {
  return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES ${rowValues(m, '(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint', true)}`;
}

/** Upsert for a no-transaction file (its row may exist from an earlier failed attempt). */
export function upsertNoTxSql(l: LedgerName, m: Migration, durationMs: number, success: boolean): string {
  return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES ${rowValues(m, String(Math.max(0, Math.round(durationMs))), success)}
ON CONFLICT (id) DO UPDATE SET filename = EXCLUDED.filename, checksum = EXCLUDED.checksum, applied_at = EXCLUDED.applied_at, duration_ms = EXCLUDED.duration_ms, success = EXCLUDED.success`;
}

/** Rows recorded by a baseline: applied outside paas, duration NULL. */
export function insertBaselineSql(l: LedgerName, ms: Migration[]): string | null {
  if (ms.length === 0) return null;
  return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES\n${ms.map((m) => rowValues(m, 'NULL', true)).join(',\n')}`;
}

export function selectLedgerSql(l: LedgerName): string {
  return `SELECT id::text AS id, filename, checksum, applied_at::text AS applied_at, duration_ms::text AS duration_ms, success FROM ${qualified(l)} ORDER BY id`;
}

/**
 * Objects that make a database "not empty": relations, routines and types in non-system schemas,
 * other than the ledger and objects that belong to an extension. At most `limit` names.
 */
export function userObjectsSql(l: LedgerName, limit: number): string {
  const notExt = (catalog: string, oidCol: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oidCol} AND d.deptype = 'e')`;
  const userNs = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
  return `SELECT name FROM (
  SELECT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r','p','v','m','S','f') AND ${userNs} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
     AND c.oid IS DISTINCT FROM pg_catalog.to_regclass(${quoteLiteral(qualified(l))})
     AND c.oid IS DISTINCT FROM pg_catalog.to_regclass(${quoteLiteral(qualified(schemaTable(l)))})
  UNION ALL
  SELECT n.nspname || '.' || p.proname || '()' FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE ${userNs} AND ${notExt('pg_catalog.pg_proc', 'p.oid')}
  UNION ALL
  SELECT n.nspname || '.' || t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('e','d','r') AND ${userNs} AND ${notExt('pg_catalog.pg_type', 't.oid')}
) objects ORDER BY name LIMIT ${limit}`;
}

/** Indexes left invalid by a failed CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY. */
export const INVALID_INDEXES_SQL = `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table_name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND n.nspname <> 'pg_catalog'
ORDER BY 1, 2`;
