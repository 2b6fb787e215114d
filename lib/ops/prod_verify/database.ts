/**
 * prod_verify's database smoke check: the database is reachable and at the repository's migration
 * level (every migration of the plan applied with its checksum, nothing applied that the
 * repository does not have). Read-only: one READ ONLY transaction, rolled back. The ledger and the
 * comparison are db_bootstrap's (selectLedgerSql, reconcile).
 */
import type { DbConfig } from '../../config/paas-yml.js';
import { openConnection, quoteLiteral, type DbConnection } from '../../db/client.js';
import { parseDsn, registerDsnSecrets } from '../../db/dsn.js';
import { isDbError } from '../../db/errors.js';
import type { Redactor } from '../../redaction/redactor.js';
import { qualified, selectLedgerSql, type LedgerRow } from '../db_bootstrap/ledger.js';
import { reconcile } from '../db_bootstrap/reconcile.js';
import type { Plan } from '../db_bootstrap/plan.js';
import { checkError, healthy, unhealthy, type CheckVerdict } from '../checks/types.js';

export async function databaseCheck(
  db: DbConfig,
  plan: Plan | null,
  dsnValue: string,
  redactor: Redactor,
): Promise<CheckVerdict> {
  registerDsnSecrets(redactor, dsnValue, db.dsn);
  let dsn;
  try {
    dsn = parseDsn(dsnValue, db.dsn);
  } catch {
    return checkError('invalid_dsn');
  }
  let conn: DbConnection;
  try {
    conn = await openConnection({
      dsn,
      dsnKey: db.dsn,
      applicationName: 'paas prod_verify',
      connectTimeoutMs: db.connect_timeout,
    });
  } catch (e) {
    const reason = isDbError(e) ? e.reason : 'connect_failed';
    return ['auth_failed', 'database_missing', 'tls_failed'].includes(reason) ? checkError(reason) : unhealthy(reason);
  }
  const c = conn.client;
  try {
    await c.query('BEGIN READ ONLY');
    await c.query(`SET LOCAL statement_timeout = ${Math.max(1000, Math.min(db.statement_timeout || 30_000, 60_000))}`);
    const ledger = { schema: db.ledger_schema, table: db.ledger_table };
    const present = await c.query<{ present: boolean }>(
      `SELECT pg_catalog.to_regclass(${quoteLiteral(qualified(ledger))}) IS NOT NULL AS present`,
    );
    const migrations = plan?.migrations.length ?? 0;
    if (!present.rows[0]?.present)
      return migrations > 0 ? unhealthy('no_ledger', { migrations, pending: migrations }) : healthy({ migrations: 0 });
    const rows = (await c.query<LedgerRow>(selectLedgerSql(ledger))).rows;
    if (!plan) return healthy({ applied: rows.length });
    const r = reconcile(plan, rows);
    const values = { migrations, applied: r.applied.length, pending: r.pending.length };
    if (r.mismatched.length) return unhealthy('checksum_mismatch', values);
    if (r.failedAttempts.length) return unhealthy('failed_attempt', values);
    if (r.missing.length) return unhealthy('database_ahead', values);
    if (r.pending.length) return unhealthy('pending_migrations', values);
    return healthy(values);
  } catch (e) {
    const state = (e as { code?: string }).code;
    return state === '57014'
      ? unhealthy('timeout')
      : checkError(state && /^[0-9A-Z]{5}$/.test(state) ? `sql_${state.toLowerCase()}` : 'sql_error');
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await conn.close();
  }
}
