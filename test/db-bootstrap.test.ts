/**
 * db_bootstrap against a real PostgreSQL server started by test/harness/postgres.ts.
 * Each test gets its own database (owned by its own non-superuser role) and its own workspace.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './helpers.js';
import {
  CONTEXT,
  eventsOf,
  freshDb,
  historyRows,
  ledger,
  runDb,
  stateRootBytes,
  tables,
  vaultWith,
  usePostgres,
} from './db-helpers.js';
import type { PgServer } from './harness/postgres.js';

const db = usePostgres();
const ws = db.ws;
let pg: PgServer;
beforeAll(() => {
  pg = db.server();
});

const THREE = {
  '0001_create_users.sql': 'CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n',
  '0002_add_name.sql':
    '-- migrate:up\nALTER TABLE users ADD COLUMN name text;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN name;\n',
  '0003_orders.sql':
    'CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users(id));\r\nCREATE INDEX orders_user ON orders (user_id);\r\n',
};

describe('migrate and verify', () => {
  test('fresh database: all applies everything, prints the three documented lines; a rerun applies nothing', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    const r1 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r1.envelope.error).toBeUndefined();
    expect(r1.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=3 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect(r1.outcome.exitCode).toBe(0);
    expect(r1.envelope).toMatchObject({
      ok: true,
      command: 'db_bootstrap',
      context: CONTEXT,
      mode: 'all',
      fields: { migrations: 3, applied: 3, pending: 0, online: true, ledger: 'public.schema_migrations' },
    });
    expect(r1.log.filter((l) => l.startsWith('applied ')).map((l) => l.replace(/, \d+ ms\)/, ')'))).toEqual([
      'applied db/migrations/0001_create_users.sql (1/3)',
      'applied db/migrations/0002_add_name.sql (2/3)',
      'applied db/migrations/0003_orders.sql (3/3)',
    ]);
    expect(await tables(pg, db.name)).toEqual([
      'public.orders',
      'public.schema_migrations',
      'public.schema_migrations_schema',
      'public.users',
    ]);
    const rows = await ledger(pg, db.name);
    expect(rows.map((x) => [x.id, x.filename, x.success])).toEqual([
      ['1', '0001_create_users.sql', true],
      ['2', '0002_add_name.sql', true],
      ['3', '0003_orders.sql', true],
    ]);
    expect(rows.every((x) => /^[0-9a-f]{64}$/.test(x.checksum) && x.duration_ms !== null)).toBe(true);

    const r2 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r2.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=0 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect((await ledger(pg, db.name)).length).toBe(3);

    // migrate and verify alone
    const m = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(m.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=0 migrations=3',
      'db_bootstrap status=ok mode=migrate',
    ]);
    const v = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.lines).toEqual(['db_bootstrap_verify status=ok migrations=3', 'db_bootstrap status=ok mode=verify']);

    // one event and one history row per run, without the DSN
    const hist = historyRows(w.stateRoot);
    expect(hist.map((h) => [h.data.mode, h.data.status])).toEqual([
      ['verify', 'ok'],
      ['migrate', 'ok'],
      ['all', 'ok'],
      ['all', 'ok'],
    ]);
    expect((hist[3]?.data.applied as unknown[]).length).toBe(3);
    const evs = eventsOf(w.stateRoot).filter((e) => e.kind === 'db_bootstrap.run');
    expect(evs).toHaveLength(4);
    expect(stateRootBytes(w.stateRoot)).not.toContain(db.password);
    expect(stateRootBytes(w.stateRoot)).not.toContain(encodeURIComponent(db.password));
  });

  test('dry_run with a DSN lists pending files and leaves the database byte-for-byte unchanged (no ledger created)', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    const dumpBefore = pg.dump(db.name);
    const xidBefore = (await pg.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x'))
      .rows[0]?.x;
    const r = await runDb(w, { mode: 'dry_run', vault: vaultWith(db.dsn) });
    expect(r.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(r.envelope.fields).toMatchObject({
      online: true,
      pending: 3,
      pending_files: ['0001_create_users.sql', '0002_add_name.sql', '0003_orders.sql'],
    });
    expect(r.log).toContain(
      '3 of 3 migration(s) pending: 0001_create_users.sql, 0002_add_name.sql, 0003_orders.sql (read in a READ ONLY transaction; nothing written)',
    );
    expect(pg.dump(db.name)).toBe(dumpBefore);
    const xidAfter = (await pg.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x'))
      .rows[0]?.x;
    expect(xidAfter).toBe(xidBefore); // not a single transaction id was consumed: nothing was written
    expect(await tables(pg, db.name)).toEqual([]);

    // after two files applied: one pending, still unchanged by dry_run
    w.remove('0003_orders.sql');
    await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    w.write('0003_orders.sql', THREE['0003_orders.sql']);
    const before2 = pg.dump(db.name);
    const r2 = await runDb(w, { mode: 'dry_run', vault: vaultWith(db.dsn) });
    expect(r2.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(r2.envelope.fields).toMatchObject({ pending: 1, pending_files: ['0003_orders.sql'] });
    expect(pg.dump(db.name)).toBe(before2);
  });

  test('dry_run without a DSN validates the plan offline', async () => {
    const w = ws(THREE);
    const r = await runDb(w, { mode: 'dry_run' });
    expect(r.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(r.envelope.fields).toMatchObject({ online: false, migrations: 3 });
    expect(r.log.join('\n')).toContain(
      'no DSN in vault key POSTGRES_DSN_PROD of context oss-demo: offline validation of db/migrations only (3 migrations, nothing connected)',
    );
    const bad = ws({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 2;' });
    const rb = await runDb(bad, { mode: 'dry_run' });
    expect(rb.lines).toEqual([
      'db_bootstrap status=fail reason=migration_plan_invalid cause=duplicate_migration_id mode=dry_run stage=plan file=db/migrations/0001_b.sql',
    ]);
    expect(rb.outcome.exitCode).toBe(1);
  });

  test('a failing migration in the middle: earlier files stay, the failing file leaves no trace, the next run resumes after the fix', async () => {
    const db = await freshDb(pg);
    const w = ws({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_b.sql': 'CREATE TABLE b (id int);\n',
      '0003_bad.sql': 'CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\nSELECT 1 / (SELECT count(*) - 1 FROM c);\n',
      '0004_d.sql': 'CREATE TABLE d (id int);\n',
    });
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=migration_failed cause=sql_error mode=all stage=migrate applied=2 file=db/migrations/0003_bad.sql sqlstate=22012',
    ]);
    expect(r.envelope.error).toMatchObject({
      code: 'PAAS_MIGRATION_FAILED',
      stage: 'migrate',
      target: 'db/migrations/0003_bad.sql',
    });
    expect(r.envelope.error?.message).toBe(
      'db/migrations/0003_bad.sql: migration failed and was rolled back: division by zero (SQLSTATE 22012)',
    );
    expect(r.envelope.error?.remediation).toContain('nothing of it was applied or recorded');
    expect((await ledger(pg, db.name)).map((x) => x.filename)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(await tables(pg, db.name)).toEqual([
      'public.a',
      'public.b',
      'public.schema_migrations',
      'public.schema_migrations_schema',
    ]); // no table c: the file left no trace
    expect(historyRows(w.stateRoot)[0]?.data).toMatchObject({
      status: 'fail',
      error: {
        code: 'PAAS_MIGRATION_FAILED',
        reason: 'sql_error',
        file: 'db/migrations/0003_bad.sql',
        sqlstate: '22012',
      },
    });

    // a syntax error names the line
    w.write('0003_bad.sql', 'CREATE TABLE c (id int);\n\nSELEC 1;\n');
    const rs = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(rs.lines).toEqual([
      'db_bootstrap status=fail reason=migration_failed cause=sql_error mode=migrate stage=migrate applied=0 file=db/migrations/0003_bad.sql line=3 sqlstate=42601',
    ]);
    expect(rs.envelope.error?.message).toBe(
      'db/migrations/0003_bad.sql:3: migration failed and was rolled back: syntax error at or near "SELEC" (SQLSTATE 42601)',
    );

    // fixed: the next run resumes with 0003 and 0004; no manual repair
    w.write('0003_bad.sql', 'CREATE TABLE c (id int);\n');
    const r2 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r2.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=2 migrations=4',
      'db_bootstrap_verify status=ok migrations=4',
      'db_bootstrap status=ok mode=all',
    ]);
  });

  test('an applied file edited afterwards: checksum mismatch in every mode; line endings alone do not count', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    w.write('0001_create_users.sql', THREE['0001_create_users.sql'].replace(/\n/g, '\r\n'));
    expect((await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) })).outcome.exitCode).toBe(0);
    w.write('0002_add_name.sql', THREE['0002_add_name.sql'].replace('name text', 'name varchar(200)'));
    w.write('0004_more.sql', 'CREATE TABLE more (id int);');
    for (const mode of ['all', 'migrate', 'verify', 'dry_run']) {
      const r = await runDb(w, { mode, vault: vaultWith(db.dsn) });
      expect(r.outcome.exitCode).toBe(1);
      expect(r.envelope.error?.code).toBe('PAAS_MIGRATION_CHECKSUM_MISMATCH');
      expect(r.envelope.error?.message).toBe(
        'db/migrations/0002_add_name.sql was changed after it was applied (checksum in public.schema_migrations differs)',
      );
      expect(r.lines.at(-1)).toMatch(
        / status=fail reason=migration_checksum_mismatch cause=checksum_mismatch .*file=db\/migrations\/0002_add_name.sql/,
      );
    }
    expect((await ledger(pg, db.name)).length).toBe(3); // 0004 was not applied either
  });

  test('a file added with a lower id than applied ones is refused, and so is a deleted applied file', async () => {
    const db = await freshDb(pg);
    const w = ws({ '0010_a.sql': 'CREATE TABLE a (id int);', '0020_b.sql': 'CREATE TABLE b (id int);' });
    await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    w.write('0015_late.sql', 'CREATE TABLE late (id int);');
    w.write('0030_c.sql', 'CREATE TABLE c (id int);');
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=migration_plan_invalid cause=non_increasing_migration_id mode=all stage=plan applied=0 file=db/migrations/0015_late.sql',
    ]);
    // the ledger alone cannot tell a new low file from a deleted ledger row: the message names both
    expect(r.envelope.error?.message).toBe(
      'db/migrations/0015_late.sql (id 15) has no row in public.schema_migrations, but files before and after it are recorded as applied: either its ledger row was deleted, or it was added with an id lower than applied ones; running it now would be out of order',
    );
    const dr = await runDb(w, { mode: 'dry_run', vault: vaultWith(db.dsn) });
    expect(dr.lines).toEqual([
      'db_bootstrap status=fail reason=migration_plan_invalid cause=non_increasing_migration_id mode=dry_run stage=plan file=db/migrations/0015_late.sql',
    ]);
    expect(await tables(pg, db.name)).toEqual([
      'public.a',
      'public.b',
      'public.schema_migrations',
      'public.schema_migrations_schema',
    ]);

    w.remove('0015_late.sql');
    w.remove('0010_a.sql');
    const r2 = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(r2.lines.at(-1)).toBe(
      'db_bootstrap status=fail reason=migration_plan_invalid cause=missing_migration mode=migrate stage=plan applied=0 file=0010_a.sql',
    );
  });
});

describe('locking and concurrency', () => {
  test('five all runs started at once: each migration applied exactly once; CREATE INDEX CONCURRENTLY works while the lock is held', async () => {
    const db = await freshDb(pg);
    const files: Record<string, string> = {
      '0001_log.sql':
        "CREATE TABLE apply_log (file text NOT NULL, at timestamptz DEFAULT clock_timestamp());\nINSERT INTO apply_log (file) VALUES ('0001');\n",
    };
    for (let i = 2; i <= 8; i++)
      files[`000${i}_step.sql`] =
        `SELECT pg_sleep(0.05);\nCREATE TABLE t${i} (id int, v text);\nINSERT INTO apply_log (file) VALUES ('000${i}');\n`;
    files['0009_index.sql'] =
      "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t8_v ON t8 (v);\nINSERT INTO apply_log (file) VALUES ('0009');\n-- migrate:down\nDROP INDEX t8_v;\n";
    const w = ws(files);
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => runDb(w, { mode: 'all', vault: vaultWith(db.dsn) })),
    );
    for (const r of runs) {
      expect(r.envelope.error).toBeUndefined();
      expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    }
    const appliedCounts = runs.map((r) => r.envelope.fields.applied as number).sort();
    expect(appliedCounts).toEqual([0, 0, 0, 0, 9]);
    const log = await pg.query<{ file: string; n: string }>(
      'SELECT file, count(*)::text AS n FROM apply_log GROUP BY file ORDER BY file',
      db.name,
    );
    expect(log.rows).toEqual(
      ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008', '0009'].map((file) => ({ file, n: '1' })),
    );
    const idx = await pg.query<{ valid: boolean }>(
      "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'public.t8_v'::regclass",
      db.name,
    );
    expect(idx.rows).toEqual([{ valid: true }]);
    expect((await ledger(pg, db.name)).map((x) => x.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // the lock is released: no advisory lock left
    expect((await pg.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'", db.name)).rowCount).toBe(0);
  });

  test('losers that cannot wait (lock_wait 0) fail with a clear lock error naming the holder', async () => {
    const db = await freshDb(pg);
    const w = ws({ '0001_slow.sql': 'SELECT pg_sleep(3);\nCREATE TABLE slow (id int);\n' });
    w.paasYml('version: 1\ndb:\n  lock_wait: 0\n');
    const winner = runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    // wait until the winner holds the lock
    for (let i = 0; i < 100; i++) {
      if ((await pg.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted", db.name)).rowCount) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const loser = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(loser.lines).toEqual([
      'db_bootstrap status=fail reason=lock_held cause=lock_held mode=all stage=lock applied=0',
    ]);
    expect(loser.envelope.error?.message).toMatch(
      /^the migration lock for public\.schema_migrations is held by pid \d+ \(paas db_bootstrap oss-demo pid \d+\), connected \d+s ago \((active|idle|idle in transaction)\); gave up after 0$/,
    );
    expect(loser.envelope.error?.remediation).toMatch(
      /^Another db_bootstrap run is migrating this database \(pid \d+\)/,
    );
    expect((await winner).lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  });

  test('a table locked by another session: lock_timeout fires, bounded retries, clear failure; succeeds once the lock goes', async () => {
    const db = await freshDb(pg);
    const w = ws({ '0001_t.sql': 'CREATE TABLE busy (id int);\n' });
    await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    w.write('0002_alter.sql', 'ALTER TABLE busy ADD COLUMN note text;\n');
    w.paasYml('version: 1\ndb:\n  lock_timeout: 200ms\n  lock_retries: 2\n  retry_delay: 100ms\n');
    const holder = await pg.admin(db.name);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE busy IN ACCESS SHARE MODE');
    try {
      const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
      expect(r.lines).toEqual([
        'db_bootstrap status=fail reason=db_lock_timeout cause=lock_timeout mode=all stage=migrate applied=0 file=db/migrations/0002_alter.sql sqlstate=55P03',
      ]);
      // the blocking session is named (seen by the lock watch while the statement waited)
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      expect(r.envelope.error?.message).toBe(
        `db/migrations/0002_alter.sql: migration failed and was rolled back: canceling statement due to lock timeout (SQLSTATE 55P03); gave up after 2 retries; blocked by pid ${holderPid}`,
      );
      expect(r.envelope.error?.remediation).toContain(`SELECT pg_terminate_backend(${holderPid});`);
      expect(r.log.filter((l) => l.includes('lock_timeout (SQLSTATE 55P03); retry'))).toEqual([
        'warning: db/migrations/0002_alter.sql: lock_timeout (SQLSTATE 55P03); retry 1/2 in 100ms',
        'warning: db/migrations/0002_alter.sql: lock_timeout (SQLSTATE 55P03); retry 2/2 in 200ms',
      ]);
      expect((await ledger(pg, db.name)).length).toBe(1);

      // the holder lets go during the retries: the run succeeds
      w.paasYml('version: 1\ndb:\n  lock_timeout: 200ms\n  lock_retries: 5\n  retry_delay: 300ms\n');
      const pending = runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
      // let the first attempt hit lock_timeout (seen blocked on the lock, then no longer), then let go
      const blocked = async () =>
        (
          await pg.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'paas db_bootstrap%' AND wait_event_type = 'Lock'",
            db.name,
          )
        ).rowCount === 1;
      for (let i = 0; i < 1000 && !(await blocked()); i++) await new Promise((r2) => setTimeout(r2, 10));
      for (let i = 0; i < 1000 && (await blocked()); i++) await new Promise((r2) => setTimeout(r2, 10));
      await holder.query('COMMIT');
      const ok = await pending;
      expect(ok.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
      expect(ok.log.some((l) => l.includes('retry 1/5'))).toBe(true);
    } finally {
      await holder.end();
    }
  });
});

describe('existing databases', () => {
  test('a non-empty schema without a ledger is refused unless baseline_version is given', async () => {
    const db = await freshDb(pg);
    await pg.query(
      `SET ROLE ${db.user}; CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL); ALTER TABLE users ADD COLUMN name text;`,
      db.name,
    );
    const w = ws(THREE);
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=db_not_empty cause=schema_not_empty mode=all stage=ledger applied=0',
    ]);
    expect(r.envelope.error?.message).toBe(
      'the database already holds objects (public.users, public.users_id_seq) but has no ledger public.schema_migrations: refusing to run migrations over an unknown schema',
    );
    const dr = await runDb(w, { mode: 'dry_run', vault: vaultWith(db.dsn) });
    expect(dr.lines).toEqual([
      'db_bootstrap status=fail reason=db_not_empty cause=schema_not_empty mode=dry_run stage=ledger',
    ]);
    expect(await tables(pg, db.name)).toEqual(['public.users']);

    const dr2 = await runDb(w, { mode: 'dry_run', vault: vaultWith(db.dsn), baseline_version: '2' });
    expect(dr2.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(dr2.envelope.fields).toMatchObject({
      pending_files: ['0003_orders.sql'],
      baselined: ['0001_create_users.sql', '0002_add_name.sql'],
    });

    const b = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn), baseline_version: '2' });
    expect(b.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=1 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect((await ledger(pg, db.name)).map((x) => [x.id, x.duration_ms === null])).toEqual([
      ['1', true],
      ['2', true],
      ['3', false],
    ]);
    // baseline_version on later runs is ignored (the ledger exists)
    const again = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn), baseline_version: '2' });
    expect(again.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    expect(again.log).toContain('baseline_version 2 ignored: the ledger public.schema_migrations already exists');
  });

  test('a dbmate ledger is recognised and not touched', async () => {
    const db = await freshDb(pg);
    await pg.query(`SET ROLE ${db.user}; CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);`, db.name);
    const r = await runDb(ws(THREE), { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.envelope.error).toMatchObject({
      code: 'PAAS_MIGRATION_PLAN_INVALID',
      message: 'public.schema_migrations exists but is not a paas ledger (it looks like a dbmate ledger)',
    });
    expect(r.envelope.error?.remediation).toContain('baseline_version');
  });

  test('ledger table and schema are configurable; extension objects do not make a database non-empty', async () => {
    const db = await freshDb(pg);
    await pg.query('CREATE EXTENSION IF NOT EXISTS pgcrypto', db.name);
    const w = ws(THREE);
    w.paasYml('version: 1\ndb:\n  ledger_table: paas_migrations\n');
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    expect((await ledger(pg, db.name, 'public.paas_migrations')).length).toBe(3);
  });
});

describe('transaction:false files and invalid indexes', () => {
  test('a failed CREATE UNIQUE INDEX CONCURRENTLY: recorded as a failed attempt, verify names the invalid index and the fix, a fixed file runs again', async () => {
    const db = await freshDb(pg);
    const w = ws({
      '0001_t.sql': "CREATE TABLE dup (v text);\nINSERT INTO dup VALUES ('x'), ('x');\n",
      '0002_uniq.sql':
        '-- migrate:up transaction:false\nCREATE TABLE side (id int);\nCREATE UNIQUE INDEX CONCURRENTLY dup_v ON dup (v);\n',
    });
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=migration_failed cause=sql_error mode=all stage=migrate applied=1 file=db/migrations/0002_uniq.sql line=3 sqlstate=23505',
    ]);
    expect(r.envelope.error?.message).toContain(
      'statement 2/2 failed (statements 1-1 of this transaction:false file stay applied)',
    );
    expect(r.log.join('\n')).toContain(
      'invalid index left by the failed statement: public.dup_v; fix: DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_v"; then run db_bootstrap migrate again',
    );
    expect(r.outcome.summary).toMatch(/\| 2 \| 0002_uniq\.sql \| failed \|/);
    expect((await ledger(pg, db.name)).map((x) => [x.id, x.success])).toEqual([
      ['1', true],
      ['2', false],
    ]);
    const v = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    // the invalid index is what the database lacks: verify names it with the fix for a failed file
    expect(v.lines).toEqual([
      'db_bootstrap status=fail reason=migration_verify_failed cause=invalid_index mode=verify stage=verify file=0002_uniq.sql',
    ]);
    expect(v.envelope.error?.remediation).toBe(
      'DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_v"; then run db_bootstrap migrate again (the transaction:false file that builds it is not recorded as applied, so it runs again and builds it)',
    );
    expect(v.envelope.error?.message).not.toContain('Fix:');

    // fix the data and the file (idempotent statements), drop the invalid index, run again
    await pg.query(
      `SET ROLE ${db.user}; DELETE FROM dup WHERE ctid NOT IN (SELECT min(ctid) FROM dup GROUP BY v); DROP INDEX dup_v;`,
      db.name,
    );
    w.write(
      '0002_uniq.sql',
      '-- migrate:up transaction:false\nCREATE TABLE IF NOT EXISTS side (id int);\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_v ON dup (v);\n',
    );
    // the checksum changed, but a failed attempt is not an applied file: it runs again with the new text
    const r2 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r2.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=1 migrations=2',
      'db_bootstrap_verify status=ok migrations=2',
      'db_bootstrap status=ok mode=all',
    ]);
    expect((await ledger(pg, db.name)).map((x) => [x.id, x.success])).toEqual([
      ['1', true],
      ['2', true],
    ]);

    // an invalid index left behind by someone else: verify fails with the fix
    await pg.query(`SET ROLE ${db.user}; CREATE TABLE other (v text); INSERT INTO other VALUES ('y'), ('y');`, db.name);
    await pg.query('CREATE UNIQUE INDEX CONCURRENTLY other_v ON other (v)', db.name).catch(() => undefined);
    const v2 = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v2.lines).toEqual([
      'db_bootstrap status=fail reason=migration_verify_failed cause=invalid_index mode=verify stage=verify',
    ]);
    // no failed file: the index's migration (if any) is recorded as applied, so it is rebuilt in place
    expect(v2.envelope.error?.message).toBe(
      'invalid index public.other_v on other (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)',
    );
    expect(v2.envelope.error?.remediation).toBe(
      'REINDEX INDEX CONCURRENTLY "public"."other_v"; (rebuilds it in place: its migration is recorded as applied, so dropping it would leave it missing)',
    );
  });

  test('verify without any run: pending files', async () => {
    const db = await freshDb(pg);
    const v = await runDb(ws(THREE), { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.lines).toEqual([
      'db_bootstrap status=fail reason=migration_verify_failed cause=pending_migrations mode=verify stage=verify file=db/migrations/0001_create_users.sql',
    ]);
    expect(await tables(pg, db.name)).toEqual([]);
  });
});

const secretShapes = (pw: string) => [pw, encodeURIComponent(pw), Buffer.from(pw).toString('base64')];
function expectNoSecret(text: string, secrets: string[]) {
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('clear errors, nothing secret printed', () => {
  test.each([
    ['mysql scheme', (u: string, p: string) => `mysql://${u}:${p}@127.0.0.1/app`, 'does not start with postgres://'],
    ['no database', (u: string, p: string) => `postgres://${u}:${p}@127.0.0.1:5432`, 'names no database'],
    ['bad port', (u: string, p: string) => `postgres://${u}:${p}@127.0.0.1:70000/app`, 'has an invalid port'],
    [
      'keyword form',
      (u: string, p: string) => `host=127.0.0.1 user=${u} password=${p} dbname=app`,
      'is in key=value form',
    ],
    [
      'bad escape',
      (u: string, p: string) => `postgres://${u}:%G1${p}@127.0.0.1/app`,
      'has a malformed percent-encoding in its password',
    ],
    [
      'unknown parameter',
      (u: string, p: string) => `postgres://${u}@127.0.0.1/app?pass=${p}`,
      'has an unsupported parameter pass (allowed: ',
    ],
  ])('malformed DSN (%s): invalid_dsn, exit 1, the value appears nowhere', async (_name, make, problem) => {
    const w = ws(THREE);
    const pw = 'Pw' + Math.random().toString(36).slice(2, 12) + 'x9';
    const dsn = make('app_owner_x', pw);
    const r = await runDb(w, { mode: 'all', vault: vaultWith(dsn) });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.lines).toEqual(['db_bootstrap status=fail reason=invalid_argument cause=invalid_dsn mode=all stage=dsn']);
    expect(r.envelope.error?.message).toContain(`the DSN in vault key POSTGRES_DSN_PROD ${problem}`);
    expectNoSecret(r.visible, [...secretShapes(pw), dsn]);
    expectNoSecret(stateRootBytes(w.stateRoot), [pw, dsn]);
  });

  test('missing secret: PAAS_VAULT_UNMAPPED naming the key (also for a custom dsn_key)', async () => {
    const w = ws(THREE);
    const r = await runDb(w, { mode: 'migrate' });
    expect(r.lines).toEqual(['db_bootstrap status=fail reason=vault_unmapped stage=vault']);
    expect(r.envelope.error?.message).toBe(
      'context oss-demo has no vault value for POSTGRES_DSN_PROD, needed by db_bootstrap migrate',
    );
    const k = await runDb(w, { mode: 'verify', dsn_key: 'STAGING_DSN', vault: vaultWith('postgres://x@h/y') });
    expect(k.envelope.error?.message).toBe(
      'context oss-demo has no vault value for STAGING_DSN, needed by db_bootstrap verify',
    );
  });

  test('the DSN from a named secret in env (dsn_key) and from paas.yml db.dsn', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    const r = await runDb(w, { mode: 'all', dsn_key: 'APP_DB_URL' }, { env: { APP_DB_URL: db.dsn } });
    expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    w.paasYml('version: 1\ndb:\n  dsn: OTHER_DSN\n');
    const r2 = await runDb(w, { mode: 'verify' }, { env: { OTHER_DSN: db.dsn } });
    expect(r2.lines.at(-1)).toBe('db_bootstrap status=ok mode=verify');
    expectNoSecret(r.visible + r2.visible, secretShapes(db.password));
  });

  test('wrong password, unknown database (never created), refused connection: clear errors without the DSN', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    const wrong = 'Wr0ng' + Math.random().toString(36).slice(2, 10);
    const a = await runDb(w, { mode: 'verify', vault: vaultWith(pg.dsn(db.name, db.user, wrong)) });
    expect(a.lines).toEqual([
      'db_bootstrap status=fail reason=db_connect_failed cause=auth_failed mode=verify stage=connect sqlstate=28P01',
    ]);
    expect(a.envelope.error?.message).toBe(
      'could not connect to PostgreSQL with the DSN from POSTGRES_DSN_PROD: authentication failed (user or password wrong, or pg_hba.conf refuses this client) (SQLSTATE 28P01)',
    );
    expectNoSecret(a.visible, [wrong, db.user, '127.0.0.1:' + pg.port]);

    const missing = `nodb_${Date.now()}`;
    const b = await runDb(w, { mode: 'all', vault: vaultWith(pg.dsn(missing, db.user, db.password)) });
    expect(b.lines).toEqual([
      'db_bootstrap status=fail reason=db_connect_failed cause=database_missing mode=all stage=connect applied=0 sqlstate=3D000',
    ]);
    expect(b.envelope.error?.remediation).toContain('paas never creates a database');
    expect((await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', 'postgres', [missing])).rowCount).toBe(0);

    const c = await runDb(w, {
      mode: 'all',
      vault: vaultWith(pg.dsn(db.name, db.user, db.password).replace(`:${pg.port}/`, ':1/')),
    });
    expect(c.lines).toEqual([
      'db_bootstrap status=fail reason=db_connect_failed cause=connect_refused mode=all stage=connect applied=0',
    ]);
    expectNoSecret(a.visible + b.visible + c.visible, secretShapes(db.password));
    expectNoSecret(stateRootBytes(w.stateRoot), [db.password, wrong]);
  });

  test('unreadable migration files and a bad paas.yml: clear errors naming the file', async () => {
    const w = ws({ '0001_a.sql': 'select 1;' });
    symlinkSync(join(w.dir, 'nowhere.sql'), join(w.migrations, '0002_link.sql'));
    const r = await runDb(w, { mode: 'dry_run' });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=migration_plan_invalid cause=unreadable_migration mode=dry_run stage=plan file=db/migrations/0002_link.sql',
    ]);
    expect(r.envelope.error?.message).toBe('db/migrations/0002_link.sql cannot be read (ENOENT)');

    const w2 = ws({ '0001_a.sql': 'select 1;' });
    writeFileSync(join(w2.migrations, '0002_bin.sql'), Buffer.from([0xc3, 0x28, 0x3b]));
    expect((await runDb(w2, { mode: 'dry_run' })).envelope.error?.message).toBe(
      'db/migrations/0002_bin.sql is not valid UTF-8',
    );

    const w3 = ws({ '0001_a.sql': 'select 1;' });
    mkdirSync(join(w3.migrations, '0002_dir.sql'));
    expect((await runDb(w3, { mode: 'dry_run' })).envelope.error?.message).toBe(
      'db/migrations/0002_dir.sql is not a regular file',
    );

    const w4 = ws({ '0001_a.sql': 'select 1;' });
    w4.paasYml('version: 1\ndb:\n  migrations: db/migrations\n  lock_wait: forever\n');
    const r4 = await runDb(w4, { mode: 'dry_run' });
    expect(r4.lines).toEqual(['db_bootstrap status=fail reason=invalid_argument stage=config target=paas.yml']);
    expect(r4.envelope.error?.message).toBe(
      'paas.yml:4: db.lock_wait: must be a duration such as 500ms, 5s, 10m or 2h (a bare number other than 0 is ambiguous)',
    );

    const w5 = ws({});
    w5.paasYml('version: 1\ndb:\n  migrations: sql\n');
    expect((await runDb(w5, { mode: 'dry_run' })).envelope.error?.message).toBe(
      'migrations directory sql does not exist',
    );
  });
});

describe('context and CLI', () => {
  test('the context is required in every mode, dry_run included', async () => {
    const r = await runDb(ws(THREE), { mode: 'dry_run', context: undefined });
    expect(r.lines).toEqual(['db_bootstrap status=fail reason=context_unresolved stage=context']);
  });

  test('outside CI, migrate on a non-demo context is refused with the workflow to run; dry_run and verify work', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    const r = await runDb(
      w,
      { mode: 'all', context: 'customer-acme', vault: vaultWith(db.dsn) },
      { inCI: false, inAction: false },
    );
    // the context does not exist yet outside a runner: create it, then try again
    expect(r.envelope.error?.code).toBe('PAAS_CONTEXT_UNRESOLVED');
    await cli(['context', 'create', 'customer-acme', '--state-root', w.stateRoot]);
    const r2 = await runDb(
      w,
      { mode: 'all', context: 'customer-acme', vault: vaultWith(db.dsn) },
      { inCI: false, inAction: false },
    );
    expect(r2.lines).toEqual(['db_bootstrap status=fail reason=ci_only cause=ci_only mode=all stage=context']);
    expect(r2.envelope.error?.remediation).toContain('workflows-templates/db_bootstrap.yml');
    const r3 = await runDb(
      w,
      { mode: 'dry_run', context: 'customer-acme', vault: vaultWith(db.dsn) },
      { inCI: false, inAction: false },
    );
    expect(r3.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(await tables(pg, db.name)).toEqual([]);
  });

  test('paas db bootstrap (CLI) with the DSN as a named secret in env', async () => {
    const db = await freshDb(pg);
    const w = ws(THREE);
    await cli(['context', 'create', 'oss-demo', '--state-root', w.stateRoot]);
    const r = await cli(
      ['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'all', '--state-root', w.stateRoot],
      { POSTGRES_DSN_PROD: db.dsn },
      w.dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').slice(-3)).toEqual([
      'db_bootstrap_migrate status=ok applied=3 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    const j = await cli(
      ['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'dry_run', '--state-root', w.stateRoot, '--json'],
      { POSTGRES_DSN_PROD: db.dsn },
      w.dir,
    );
    expect(j.json()).toMatchObject({
      ok: true,
      command: 'db_bootstrap',
      mode: 'dry_run',
      fields: { migrations: 3, pending: 0, online: true },
    });
    for (const s of secretShapes(db.password)) expect(r.stdout + r.stderr + j.stdout + j.stderr).not.toContain(s);
  });
});
