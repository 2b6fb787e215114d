/**
 * `sql` check: one query, aggregate-only. The query must return exactly one row whose columns are
 * all numeric (int2/int4/int8/float4/float8/numeric) with lowercase identifier names; anything
 * else is refused before a single value is looked at, so identifiers or rows can never be printed.
 *
 * Safety: the query runs in a READ ONLY transaction that is always rolled back, with
 * `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout` set locally; it is
 * sent with the extended protocol, so a second statement (`select 1; drop table x`) is refused by
 * the server. The connection (DSN parsing, TLS, error classification) is db_bootstrap's
 * (lib/db); the DSN and its parts never appear in any output.
 */
import type { QueryConfig } from 'pg';
import type { OpsCheck } from '../../config/paas-yml.js';
import { openConnection, type DbConnection } from '../../db/client.js';
import { parseDsn, registerDsnSecrets } from '../../db/dsn.js';
import { isConnectionLost, isDbError, sqlstateOf } from '../../db/errors.js';
import type { Redactor } from '../../redaction/redactor.js';
import { firstMatch, type Conditions } from './conditions.js';
import { checkError, healthy, insufficient, unhealthy, VALUE_KEY_RE, type CheckVerdict } from './types.js';

export type SqlSpec = NonNullable<OpsCheck['sql']>;

/** pg type OIDs accepted as aggregate numbers. */
const NUMERIC_OIDS: ReadonlySet<number> = new Set([20, 21, 23, 700, 701, 1700]);

/** Connection failures that are configuration mistakes (error) rather than an unhealthy database. */
const CONFIG_REASONS = new Set(['auth_failed', 'database_missing', 'tls_failed', 'invalid_dsn']);

interface SqlResultShape {
  fields: Array<{ name: string; dataTypeID: number }>;
  rows: unknown[][];
}

/** Validates the shape (aggregate-only) and extracts the numbers; a refusal is an error verdict. */
function aggregateValues(r: SqlResultShape): { values: Record<string, number>; nulls: string[] } | CheckVerdict {
  if (r.fields.length === 0) return checkError('no_columns');
  if (r.rows.length !== 1) return checkError(r.rows.length === 0 ? 'no_rows' : 'more_than_one_row');
  const names = new Set<string>();
  for (const f of r.fields) {
    if (!NUMERIC_OIDS.has(f.dataTypeID)) return checkError('non_numeric_column');
    if (!VALUE_KEY_RE.test(f.name)) return checkError('invalid_column_name');
    if (names.has(f.name)) return checkError('duplicate_column_name');
    names.add(f.name);
  }
  const row = r.rows[0] as unknown[];
  const values: Record<string, number> = {};
  const nulls: string[] = [];
  r.fields.forEach((f, i) => {
    const raw = row[i];
    if (raw === null || raw === undefined) {
      nulls.push(f.name);
      return;
    }
    values[f.name] = typeof raw === 'number' ? raw : Number(raw as string);
  });
  if (Object.values(values).some((v) => !Number.isFinite(v))) return checkError('non_finite_value');
  return { values, nulls };
}

/** Applies insufficient_when (first) and unhealthy_when to the values. */
function judge(
  values: Record<string, number>,
  nulls: string[],
  spec: { insufficient_when?: Conditions | undefined; unhealthy_when?: Conditions | undefined },
): CheckVerdict {
  const referenced = new Set([...Object.keys(spec.insufficient_when ?? {}), ...Object.keys(spec.unhealthy_when ?? {})]);
  const known = new Set([...Object.keys(values), ...nulls]);
  if ([...referenced].some((c) => !known.has(c))) return checkError('condition_column_missing', values);
  if (nulls.length) return insufficient(`${nulls[0]}_null`, values);
  const ins = firstMatch(spec.insufficient_when, values);
  if (ins.reason) return insufficient(ins.reason, values);
  const bad = firstMatch(spec.unhealthy_when, values);
  if (bad.reason) return unhealthy(bad.reason, values);
  return healthy(values);
}

function queryFailure(e: unknown): CheckVerdict {
  const state = sqlstateOf(e);
  if (state === '57014') return unhealthy('timeout');
  if (state === '55P03') return unhealthy('lock_timeout');
  if (state === '25006' || state === '25001') return checkError('read_only_violation');
  if (state === '42501') return checkError('permission_denied');
  if (isConnectionLost(e)) return unhealthy('connection_lost');
  if (state) return checkError(`sql_${state.toLowerCase()}`);
  return checkError('sql_error');
}

interface SqlCheckOptions {
  dsnValue: string;
  redactor: Redactor;
  signal: AbortSignal;
  applicationName?: string;
}

export async function runSqlCheck(spec: SqlSpec, opts: SqlCheckOptions): Promise<CheckVerdict> {
  registerDsnSecrets(opts.redactor, opts.dsnValue, spec.dsn);
  let dsn;
  try {
    dsn = parseDsn(opts.dsnValue, spec.dsn);
  } catch {
    return checkError('invalid_dsn');
  }
  let conn: DbConnection | null = null;
  const onAbort = () => {
    // a query past its deadline: drop the socket (the server cancels the backend on disconnect)
    const stream = (conn?.client as unknown as { connection?: { stream?: { destroy?: () => void } } } | undefined)
      ?.connection?.stream;
    stream?.destroy?.();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      conn = await openConnection({
        dsn,
        dsnKey: spec.dsn,
        applicationName: opts.applicationName ?? 'paas ops check',
        connectTimeoutMs: Math.min(spec.timeout, 10_000),
      });
    } catch (e) {
      if (opts.signal.aborted) return unhealthy('timeout');
      const reason = isDbError(e) ? e.reason : 'connect_failed';
      return CONFIG_REASONS.has(reason) ? checkError(reason) : unhealthy(reason);
    }
    if (opts.signal.aborted) return unhealthy('timeout');
    const c = conn.client;
    try {
      await c.query('BEGIN READ ONLY');
      const ms = Math.max(1, Math.floor(spec.timeout));
      await c.query(`SET LOCAL statement_timeout = ${ms}`);
      await c.query(`SET LOCAL lock_timeout = ${ms}`);
      await c.query(`SET LOCAL idle_in_transaction_session_timeout = ${ms + 5000}`);
      const q = { text: spec.query, rowMode: 'array', queryMode: 'extended' } as QueryConfig & {
        rowMode: 'array';
        queryMode: 'extended';
      };
      const r = (await c.query(q)) as unknown as SqlResultShape;
      await c.query('ROLLBACK').catch(() => undefined);
      const shape = aggregateValues(r);
      if ('status' in shape) return shape;
      return judge(shape.values, shape.nulls, spec);
    } catch (e) {
      if (opts.signal.aborted) return unhealthy('timeout');
      await c.query('ROLLBACK').catch(() => undefined);
      return queryFailure(e);
    }
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await conn?.close();
  }
}
