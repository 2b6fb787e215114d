/**
 * SQL checks against a real PostgreSQL (test/harness/postgres.ts): aggregate-only enforcement,
 * structured conditions, statement timeout, read-only transaction, one statement only. The role
 * used can write: what stops writes is the READ ONLY transaction, not a missing privilege.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redactor } from '../lib/redaction/redactor.js';
import { runSqlCheck, type SqlSpec } from '../lib/ops/checks/sql.js';
import { startPostgres, type PgServer } from './harness/postgres.js';
import { startHttpApp, type HttpApp } from './harness/http-app.js';
import { opsFixture, statusLines, type OpsFixture } from './ops-fixtures.js';

let pg: PgServer;
let dsn: string;
let password: string;
let failing: HttpApp;
const fixtures: OpsFixture[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  password = randomBytes(12).toString('base64url');
  await pg.createRole('shop', password);
  await pg.createDatabase('shop', 'shop');
  dsn = pg.dsn('shop', 'shop', password);
  const admin = await pg.admin('shop');
  try {
    await admin.query('SET ROLE shop');
    await admin.query(
      'CREATE TABLE deliveries (id serial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
    );
    await admin.query(
      "INSERT INTO deliveries (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 12) g",
    );
    await admin.query('CREATE TABLE empty_queue (id int)');
  } finally {
    await admin.end();
  }
  failing = await startHttpApp({ status: 500 });
}, 60_000);

afterAll(async () => {
  fixtures.forEach((f) => f.cleanup());
  await failing?.close();
  await pg?.destroy();
});

const spec = (query: string, extra: Partial<SqlSpec> = {}): SqlSpec => ({
  query,
  dsn: 'POSTGRES_DSN_PROD',
  timeout: 5000,
  ...extra,
});
const run = (s: SqlSpec, redactor = new Redactor()) =>
  runSqlCheck(s, { dsnValue: dsn, redactor, signal: new AbortController().signal });

describe('aggregate-only', () => {
  test('one row of numeric columns: the values are returned', async () => {
    const v = await run(
      spec(
        "select count(*) as delivered_total, count(*) filter (where email like '%1%') as with_one, avg(id)::numeric(10,2) as mean_id, 1.5::float8 as f from deliveries",
      ),
    );
    expect(v).toEqual({ status: 'healthy', values: { delivered_total: 12, with_one: 4, mean_id: 6.5, f: 1.5 } });
  });

  test.each([
    ['a text column', 'select email from deliveries limit 1', 'non_numeric_column'],
    ['a text column beside a number', 'select count(*) as n, max(email) as last from deliveries', 'non_numeric_column'],
    ['a boolean', 'select true as ok', 'non_numeric_column'],
    ['a timestamp', 'select max(created_at) as newest from deliveries', 'non_numeric_column'],
    ['more than one row', 'select id from deliveries', 'more_than_one_row'],
    ['no row', 'select id from deliveries where false', 'no_rows'],
    ['an unnamed column', 'select count(*) + 1 from deliveries', 'invalid_column_name'],
    ['a quoted odd column name', 'select count(*) as "User Email" from deliveries', 'invalid_column_name'],
    ['duplicate column names', 'select 1 as n, 2 as n', 'duplicate_column_name'],
  ])('%s is refused (error), and no value is read', async (_name, query, reason) => {
    const v = await run(spec(query));
    expect(v).toEqual({ status: 'error', reason });
  });

  test('NULL (an aggregate over no rows) is insufficient_data <column>_null', async () => {
    expect(await run(spec('select max(id) as newest_id from empty_queue'))).toMatchObject({
      status: 'insufficient_data',
      reason: 'newest_id_null',
    });
  });

  test('a condition on a column the query does not return is a configuration error', async () => {
    expect(
      await run(spec('select count(*) as n from deliveries', { unhealthy_when: { delivered: { lt: 1 } } })),
    ).toMatchObject({ status: 'error', reason: 'condition_column_missing' });
  });
});

describe('conditions', () => {
  const q = (n: number) => `select ${n}::bigint as delivered_total`;
  const conds = { insufficient_when: { delivered_total: { eq: 0 } }, unhealthy_when: { delivered_total: { lt: 10 } } };
  test.each([
    [0, 'insufficient_data', 'delivered_total_0'],
    [5, 'unhealthy', 'delivered_total_lt_10'],
    [10, 'healthy', undefined],
  ])('delivered_total=%d → %s %s (insufficient_when is checked first)', async (n, status, reason) => {
    const v = await run(spec(q(n), conds));
    expect(v.status).toBe(status);
    expect(v.reason).toBe(reason);
    expect(v.values).toEqual({ delivered_total: n });
  });

  test('ranges (operators of one column AND) and several columns (OR); tokens list operators in the order eq, ne, lt, le, gt, ge', async () => {
    const s = spec('select 7 as a, 100 as b', { unhealthy_when: { a: { gt: 5, le: 7 }, b: { ge: 1000 } } });
    expect(await run(s)).toMatchObject({ status: 'unhealthy', reason: 'a_le_7_gt_5' });
    const t = spec('select 8 as a, 1000 as b', { unhealthy_when: { a: { gt: 5, le: 7 }, b: { ge: 1000 } } });
    expect(await run(t)).toMatchObject({ status: 'unhealthy', reason: 'b_ge_1000' });
    expect(await run(spec('select 3 as a', { unhealthy_when: { a: { ne: 3 } } }))).toMatchObject({ status: 'healthy' });
  });
});

describe('safety', () => {
  test('statement timeout: a slow query is unhealthy reason=timeout, and the backend is gone afterwards', async () => {
    const v = await run(spec('select pg_sleep(5)::text::int as x', { timeout: 300 }));
    expect(v).toMatchObject({ status: 'unhealthy', reason: 'timeout' });
    const active = await pg.query<{ n: string }>(
      "select count(*)::text as n from pg_stat_activity where query like 'select pg_sleep(5)%' and state = 'active'",
      'shop',
    );
    expect(active.rows[0]?.n).toBe('0');
  });

  test('read-only: a data-modifying CTE is refused by the server and nothing is written', async () => {
    const v = await run(
      spec(
        "with x as (insert into deliveries (email) values ('evil@example.com') returning 1) select count(*) as n from x",
      ),
    );
    expect(v).toEqual({ status: 'error', reason: 'read_only_violation' });
    const nextval = await run(spec("select nextval('deliveries_id_seq') as n"));
    expect(nextval).toEqual({ status: 'error', reason: 'read_only_violation' });
    const count = await pg.query<{ n: string }>(
      "select count(*)::text as n from deliveries where email = 'evil@example.com'",
      'shop',
    );
    expect(count.rows[0]?.n).toBe('0');
  });

  test('switching the transaction to read-write from inside the query is refused', async () => {
    const v = await run(spec("select set_config('transaction_read_only', 'off', true)::int as x"));
    expect(v.status).toBe('error');
  });

  test('a second statement is refused (extended protocol: one statement)', async () => {
    const v = await run(spec('select 1 as n; delete from deliveries'));
    expect(v.status).toBe('error');
    const count = await pg.query<{ n: string }>('select count(*)::text as n from deliveries', 'shop');
    expect(Number(count.rows[0]?.n)).toBeGreaterThanOrEqual(12);
  });

  test('a SQL error reports its SQLSTATE only; an unreachable server is unhealthy; a bad DSN is an error', async () => {
    expect(await run(spec('select count(*) as n from no_such_table'))).toEqual({
      status: 'error',
      reason: 'sql_42p01',
    });
    const down = await runSqlCheck(spec('select 1 as n'), {
      dsnValue: `postgres://shop:${password}@127.0.0.1:1/shop`,
      redactor: new Redactor(),
      signal: new AbortController().signal,
    });
    expect(down).toMatchObject({ status: 'unhealthy', reason: 'connect_refused' });
    const bad = await runSqlCheck(spec('select 1 as n'), {
      dsnValue: 'mysql://x',
      redactor: new Redactor(),
      signal: new AbortController().signal,
    });
    expect(bad).toEqual({ status: 'error', reason: 'invalid_dsn' });
    const auth = await runSqlCheck(spec('select 1 as n'), {
      dsnValue: pg.dsn('shop', 'shop', 'wrong-password'),
      redactor: new Redactor(),
      signal: new AbortController().signal,
    });
    expect(auth).toEqual({ status: 'error', reason: 'auth_failed' });
  });

  test('the DSN, its password and host are registered as secrets', async () => {
    const r = new Redactor();
    await run(spec('select 1 as n'), r);
    expect(r.redact(`x ${dsn} ${password} y`)).not.toContain(password);
  });
});

describe('through ops_daily', () => {
  const yml = (query: string, extra = '') =>
    `version: 1\nops:\n  checks:\n    - name: delivery\n      sql:\n        query: "${query}"\n        insufficient_when: { delivered_total: { eq: 0 } }\n        unhealthy_when: { delivered_total: { lt: 10 } }\n${extra}`;

  test('ops_daily status=insufficient_data reason=delivered_total_0; exit 2, or 0 on a schedule', async () => {
    const f = await opsFixture({
      yaml: yml('select count(*) as delivered_total from deliveries where created_at > now()'),
      vault: { POSTGRES_DSN_PROD: dsn },
    });
    fixtures.push(f);
    const r = await f.ops();
    expect(r.code).toBe(2);
    expect(statusLines(r)).toEqual([
      expect.stringMatching(
        /^ops_check status=insufficient_data check=delivery kind=sql reason=delivered_total_0 ms=\d+ values=delivered_total:0$/,
      ),
      'ops_daily status=insufficient_data reason=delivered_total_0 mode=prod checks=1 failed=0',
    ]);
    expect((await f.ops([], { GITHUB_EVENT_NAME: 'schedule' })).code).toBe(0);
  });

  test('insufficient_data beside an unhealthy http check on a schedule: ops_daily status=unhealthy, exit 2', async () => {
    const extra = `    - name: api\n      http: { url: API_URL }\n`;
    const f = await opsFixture({
      yaml: yml('select count(*) as delivered_total from deliveries where created_at > now()', extra),
      vault: { POSTGRES_DSN_PROD: dsn, API_URL: failing.url },
    });
    fixtures.push(f);
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(2);
    const lines = statusLines(r);
    expect(lines[0]).toContain('status=insufficient_data');
    expect(lines[1]).toContain('status=unhealthy');
    expect(lines.at(-1)).toBe('ops_daily status=unhealthy mode=prod checks=2 failed=1');
  });

  test('a query returning identifiers is refused: no row value and no DSN in any output', async () => {
    const f = await opsFixture({
      yaml: `version: 1\nops:\n  checks:\n    - name: leak\n      sql: { query: "select email from deliveries order by id limit 1" }\n`,
      vault: { POSTGRES_DSN_PROD: dsn },
    });
    fixtures.push(f);
    const r = await f.ops();
    const j = await f.ops(['--json']);
    expect(r.code).toBe(1);
    expect(statusLines(r)[0]).toMatch(/^ops_check status=error check=leak kind=sql reason=non_numeric_column /);
    for (const out of [r.stdout, r.stderr, j.stdout, j.stderr]) {
      expect(out).not.toContain('@example.com');
      expect(out).not.toContain(password);
    }
  });
});
