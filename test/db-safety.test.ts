/**
 * db_bootstrap safety after failures and between files, on a real PostgreSQL server
 * (test/harness/postgres.ts): failed CREATE INDEX CONCURRENTLY, session state between files,
 * baseline_version against a dbmate ledger, progress, and the messages users act on.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { freshDb, ledger, runDb, tables, vaultWith, usePostgres } from './db-helpers.js';
import type { PgServer } from './harness/postgres.js';

const db = usePostgres();
const ws = db.ws;
let pg: PgServer;
beforeAll(() => {
  pg = db.server();
});

describe('a failed CREATE INDEX CONCURRENTLY', () => {
  test('a re-run that meets the invalid index (IF NOT EXISTS skips it) is not recorded as applied; verify gives the safe fix, and following it ends with a valid index', async () => {
    const db = await freshDb(pg);
    const w = ws({
      '0001_t.sql': "CREATE TABLE dup (v text);\nINSERT INTO dup VALUES ('x'), ('x');\n",
      '0002_uniq.sql':
        '-- migrate:up transaction:false\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_v ON dup (v);\n',
      '0003_after.sql': 'CREATE TABLE after_uniq (id int);\n',
    });
    const r1 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r1.envelope.fields.sqlstate).toBe('23505');
    const valid = async () =>
      (
        await pg.query<{ valid: boolean }>(
          "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass('public.dup_v')",
          db.name,
        )
      ).rows;
    expect(await valid()).toEqual([{ valid: false }]);

    // the re-run: the statement succeeds (the invalid index exists), but the file did not build a valid index
    const r2 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r2.lines).toEqual([
      'db_bootstrap status=fail reason=migration_failed cause=invalid_index mode=all stage=migrate applied=0 file=db/migrations/0002_uniq.sql',
    ]);
    expect(r2.envelope.error?.message).toBe(
      'db/migrations/0002_uniq.sql: invalid index public.dup_v on dup after the file ran (a CREATE INDEX CONCURRENTLY that failed now or in an earlier attempt; IF NOT EXISTS skips an invalid index); the file is not recorded as applied',
    );
    expect(r2.envelope.error?.remediation).toBe(
      'DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_v"; then run db_bootstrap migrate again (the transaction:false file that builds it is not recorded as applied, so it runs again and builds it)',
    );
    expect((await ledger(pg, db.name)).map((x) => [x.id, x.success])).toEqual([
      ['1', true],
      ['2', false],
    ]);
    expect(r2.outcome.summary).toContain('| 2 | 0002_uniq.sql | failed |');
    expect(r2.outcome.summary).toContain('| 3 | 0003_after.sql | pending |');
    expect(await tables(pg, db.name)).not.toContain('public.after_uniq');

    // verify: a failure, with the same safe fix
    const v = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.lines).toEqual([
      'db_bootstrap status=fail reason=migration_verify_failed cause=invalid_index mode=verify stage=verify file=0002_uniq.sql',
    ]);
    expect(v.envelope.error?.remediation).toBe(r2.envelope.error?.remediation);
    expect(v.outcome.summary).toContain('| 2 | 0002_uniq.sql | failed |');

    // follow the advice: fix the data, drop the invalid index, run migrate: the index exists and is valid
    await pg.query('DELETE FROM dup WHERE ctid NOT IN (SELECT min(ctid) FROM dup GROUP BY v)', db.name);
    await pg.query('DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_v"', db.name);
    const r3 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r3.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=2 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect(await valid()).toEqual([{ valid: true }]);
  });
});

describe('session state between files', () => {
  test('the vanished-client check holds for every file, transactional or not (RESET ALL does not undo it)', async () => {
    const db = await freshDb(pg);
    const probe = (t: string) =>
      `CREATE TABLE ${t} AS SELECT current_setting('client_connection_check_interval') AS v;\n`;
    const w = ws({
      '0001_a.sql': probe('p1'),
      '0002_b.sql': probe('p2'),
      '0003_c.sql': `-- migrate:up transaction:false\nSET client_connection_check_interval = 0;\n${probe('p3')}`,
      '0004_d.sql': probe('p4'),
      '0005_e.sql': `-- migrate:up transaction:false\n${probe('p5')}`,
    });
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    for (const t of ['p1', 'p2', 'p4', 'p5']) {
      expect((await pg.query<{ v: string }>(`SELECT v FROM ${t}`, db.name)).rows).toEqual([{ v: '2s' }]);
    }
    // the file's own setting held within the file only
    expect((await pg.query<{ v: string }>('SELECT v FROM p3', db.name)).rows).toEqual([{ v: '0' }]);
  });

  test('SET ROLE, temp tables, prepared statements and settings of one file do not reach the next one; the lock stays held', async () => {
    const db = await freshDb(pg);
    const other = `other_${randomBytes(4).toString('hex')}`;
    await pg.createRole(other, randomBytes(12).toString('hex'));
    await pg.query(`GRANT ${other} TO ${db.user}; GRANT CREATE ON SCHEMA public TO ${other};`, db.name);
    const leak = (n: number) =>
      `SET ROLE ${other};\nCREATE TEMP TABLE leak_tmp${n} (x int);\nPREPARE leak_p${n} AS SELECT 1;\nSET search_path = pg_temp, public;\nSET application_name = 'hijacked';\n`;
    const probe = (t: string) =>
      `CREATE TABLE ${t} AS SELECT current_user::text AS cu, session_user::text AS su, current_setting('application_name') AS app, current_setting('search_path') AS sp,
  (SELECT count(*) FROM pg_class WHERE relname LIKE 'leak_tmp%')::int AS temps, (SELECT count(*) FROM pg_prepared_statements)::int AS prepared,
  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)::int AS locks;\n`;
    const w = ws({
      '0001_leak.sql': leak(1),
      '0002_probe.sql': probe('probe2'),
      '0003_leak.sql': `-- migrate:up transaction:false\n${leak(3)}`,
      '0004_probe.sql': `-- migrate:up transaction:false\n${probe('probe4')}`,
    });
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.envelope.error).toBeUndefined();
    expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    for (const t of ['probe2', 'probe4']) {
      const row = (
        await pg.query<Record<string, unknown>>(`SELECT cu, su, app, sp, temps, prepared, locks FROM ${t}`, db.name)
      ).rows[0];
      expect(row).toEqual({
        cu: db.user,
        su: db.user,
        app: expect.stringMatching(/^paas db_bootstrap oss-demo /),
        sp: '"$user", public',
        temps: 0,
        prepared: 0,
        locks: 1,
      });
      // the table belongs to the migration role, not to the role a previous file switched to
      expect(
        (
          await pg.query<{ owner: string }>(
            `SELECT tableowner AS owner FROM pg_tables WHERE tablename = '${t}'`,
            db.name,
          )
        ).rows,
      ).toEqual([{ owner: db.user }]);
    }
    expect((await ledger(pg, db.name)).map((x) => [x.id, x.success])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
      ['4', true],
    ]);
  });
});

describe('baseline_version against a dbmate ledger', () => {
  const FIVE: Record<string, string> = {};
  for (let i = 1; i <= 5; i++)
    FIVE[`000${i}_t${i}.sql`] = `-- migrate:up\nCREATE TABLE t${i} (id int);\n-- migrate:down\nDROP TABLE t${i};\n`;

  test('adopting at a version dbmate never reached is refused naming both numbers; the right one adopts and runs the rest', async () => {
    const db = await freshDb(pg);
    // what dbmate left: its ledger with versions 1-3 and their tables
    await pg.query(
      `SET ROLE ${db.user}; CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('0001'), ('0002'), ('0003'); CREATE TABLE t1 (id int); CREATE TABLE t2 (id int); CREATE TABLE t3 (id int);`,
      db.name,
    );
    const w = ws(FIVE);
    w.paasYml('version: 1\ndb:\n  ledger_table: paas_migrations\n');
    for (const mode of ['all', 'dry_run'] as const) {
      const r = await runDb(w, { mode, vault: vaultWith(db.dsn), baseline_version: '5' });
      expect(r.lines.at(-1)).toMatch(
        /^db_bootstrap status=fail reason=migration_plan_invalid cause=baseline_mismatch mode=(all|dry_run) stage=ledger/,
      );
      expect(r.envelope.error?.message).toBe(
        'baseline_version 5 does not match the dbmate ledger public.schema_migrations: dbmate applied up to 3 (3 versions); adopting at 5 would record the files after 3 up to 5 as applied although they never ran',
      );
      expect(r.envelope.error?.remediation).toContain('Set baseline_version to 3');
    }
    const low = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn), baseline_version: '2' });
    expect(low.envelope.error?.message).toContain('adopting at 2 would run again files that dbmate applied after it');
    expect(await ledger(pg, db.name, 'public.paas_migrations')).toEqual([]);
    expect(await tables(pg, db.name)).toEqual(['public.schema_migrations', 'public.t1', 'public.t2', 'public.t3']);

    const ok = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn), baseline_version: '3' });
    expect(ok.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=2 migrations=5',
      'db_bootstrap_verify status=ok migrations=5',
      'db_bootstrap status=ok mode=all',
    ]);
    expect((await ledger(pg, db.name, 'public.paas_migrations')).map((x) => [x.id, x.duration_ms === null])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
      ['4', false],
      ['5', false],
    ]);
  });

  test('a hole in the dbmate ledger below the baseline is refused naming the file', async () => {
    const db = await freshDb(pg);
    await pg.query(
      `SET ROLE ${db.user}; CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('1'), ('3'); CREATE TABLE t1 (id int); CREATE TABLE t3 (id int);`,
      db.name,
    );
    const w = ws(FIVE);
    w.paasYml('version: 1\ndb:\n  ledger_table: paas_migrations\n');
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn), baseline_version: '3' });
    expect(r.lines.at(-1)).toBe(
      'db_bootstrap status=fail reason=migration_plan_invalid cause=baseline_mismatch mode=all stage=ledger applied=0 file=db/migrations/0002_t2.sql',
    );
    expect(await ledger(pg, db.name, 'public.paas_migrations')).toEqual([]);
  });
});

describe('progress and messages', () => {
  test('applying <file> (n/m) before each file and a heartbeat with the elapsed time during a long one', async () => {
    const db = await freshDb(pg);
    const w = ws({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_slow.sql': 'SELECT pg_sleep(1.5);\nCREATE TABLE slow (id int);\n',
    });
    w.paasYml('version: 1\ndb:\n  progress_interval: 300ms\n');
    const r = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(r.lines.at(-1)).toBe('db_bootstrap status=ok mode=migrate');
    const progress = r.log
      .filter((l) => /^(applying|applied|still applying) /.test(l))
      .map((l) => l.replace(/, \d+ ms\)$/, ')').replace(/: [\d.]+m?s elapsed$/, ': <t> elapsed'));
    expect(progress[0]).toBe('applying db/migrations/0001_a.sql (1/2)');
    expect(progress[1]).toBe('applied db/migrations/0001_a.sql (1/2)');
    expect(progress[2]).toBe('applying db/migrations/0002_slow.sql (2/2)');
    expect(progress.at(-1)).toBe('applied db/migrations/0002_slow.sql (2/2)');
    const beats = progress.slice(3, -1);
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(new Set(beats)).toEqual(new Set(['still applying db/migrations/0002_slow.sql (2/2): <t> elapsed']));
    const elapsed = r.log
      .filter((l) => l.startsWith('still applying'))
      .map((l) => /: (\d+)ms elapsed$|: (\d+)s elapsed$/.exec(l))
      .map((m) => (m?.[1] ? Number(m[1]) : Number(m?.[2]) * 1000));
    expect(elapsed.every((e, i) => e > 0 && (i === 0 || e > (elapsed[i - 1] as number)))).toBe(true);
  });

  test('a deleted middle ledger row is explained as such (not only as a new file), with the row to restore', async () => {
    const db = await freshDb(pg);
    const w = ws({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_b.sql': 'CREATE TABLE b (id int);\n',
      '0003_c.sql': 'CREATE TABLE c (id int);\n',
    });
    await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    const row = (await ledger(pg, db.name))[1];
    await pg.query('DELETE FROM schema_migrations WHERE id = 2', db.name);
    const r = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=migration_plan_invalid cause=non_increasing_migration_id mode=migrate stage=plan applied=0 file=db/migrations/0002_b.sql',
    ]);
    expect(r.envelope.error?.message).toContain(
      'its ledger row was deleted, or it was added with an id lower than applied ones',
    );
    const fix = r.envelope.error?.remediation ?? '';
    expect(fix).toContain(
      `INSERT INTO public.schema_migrations (id, filename, checksum) VALUES (2, '0002_b.sql', '${row?.checksum}');`,
    );
    // the restore it names works
    await pg.query(/INSERT INTO [^;]+;/.exec(fix)?.[0] ?? 'SELECT 1/0', db.name);
    const v = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(v.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  });

  test('no message carries its own "Fix:" (the remediation is printed once, by the output layer)', async () => {
    const db = await freshDb(pg);
    const w = ws({ '0001_t.sql': "CREATE TABLE d (v text);\nINSERT INTO d VALUES ('x'), ('x');\n" });
    await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    await pg.query(`SET ROLE ${db.user}`, db.name);
    await pg.query('CREATE UNIQUE INDEX CONCURRENTLY d_v ON d (v)', db.name).catch(() => undefined);
    const v = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.envelope.error?.code).toBe('PAAS_MIGRATION_VERIFY_FAILED');
    expect(v.visible.match(/Fix:/g) ?? []).toEqual([]);
  });
});

describe('drift: the schema the migrations produced, recorded after migrate, compared by verify', () => {
  const BASE = {
    '0001_users.sql':
      "CREATE TYPE mood AS ENUM ('ok', 'sad');\nCREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text, m mood DEFAULT 'ok');\nCREATE UNIQUE INDEX users_email ON users (email);\n",
    '0002_orders.sql':
      'CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric(10,2) CHECK (total >= 0));\nCREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;\nCREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;\n',
  };

  test('changes by hand are named (added, dropped, changed), also from a fresh runner; a new migration does not hide them; accepting the live schema is explicit', async () => {
    const db = await freshDb(pg);
    const w = ws(BASE);
    const r1 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r1.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    expect(r1.envelope.fields.schema_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r1.log.some((l) => /^schema matches the record of the last migrate \(\d+ objects/.test(l))).toBe(true);
    // the record lives in the database, beside the ledger
    expect(await tables(pg, db.name)).toContain('public.schema_migrations_schema');

    // by hand: an index added, a column dropped, a column type and a function changed, an enum value added
    await pg.query(
      `SET ROLE ${db.user}; CREATE INDEX orders_total ON orders (total); ALTER TABLE users DROP COLUMN name; ALTER TABLE users ALTER COLUMN email TYPE varchar(200); CREATE OR REPLACE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) + 0 FROM orders $$; ALTER TYPE mood ADD VALUE 'glad';`,
      db.name,
    );
    // verify from a fresh runner (another workspace, empty state root)
    const fresh = ws(BASE);
    const v = await runDb(fresh, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.lines).toEqual([
      'db_bootstrap status=fail reason=migration_verify_failed cause=schema_drift mode=verify stage=verify',
    ]);
    const msg = v.envelope.error?.message ?? '';
    expect(msg).toMatch(/^the schema differs from what the migrations produced \(recorded [^)]+\): /);
    for (const part of [
      'index public.orders_total added',
      'column public.users.name dropped',
      'column public.users.email changed',
      'function public.order_count() changed',
      'enum public.mood changed',
    ])
      expect(msg).toContain(part);
    expect(v.envelope.error?.remediation).toContain('DELETE FROM public.schema_migrations_schema;');

    // a new migration applied on top: its own objects are not drift, the hand changes still are
    w.write('0003_notes.sql', 'CREATE TABLE notes (id int);\n');
    const r2 = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r2.lines.slice(0, 1)).toEqual(['db_bootstrap_migrate status=ok applied=1 migrations=3']);
    expect(r2.lines.at(-1)).toMatch(
      /^db_bootstrap status=fail reason=migration_verify_failed cause=schema_drift mode=all stage=verify/,
    );
    expect(r2.envelope.error?.message).toContain('index public.orders_total added');
    expect(r2.envelope.error?.message).not.toContain('notes');
    // all's verify compares with the record migrate has just written (not read back): the same record,
    // with the same time, that a verify of its own then reads from the database
    const recordedAt = (x: string | undefined) => /\(recorded ([^)]+)\)/.exec(x ?? '')?.[1];
    const v1b = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(recordedAt(r2.envelope.error?.message)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(recordedAt(r2.envelope.error?.message)).toBe(recordedAt(v1b.envelope.error?.message));
    expect(r2.envelope.fields.schema_fingerprint).toBe(
      (await pg.query<{ f: string }>('SELECT fingerprint AS f FROM public.schema_migrations_schema', db.name)).rows[0]
        ?.f,
    );

    // undoing one change by hand removes it from the report
    await pg.query('DROP INDEX orders_total', db.name);
    const v2 = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v2.envelope.error?.message).not.toContain('orders_total');
    expect(v2.envelope.error?.message).toContain('column public.users.name dropped');

    // accepting the live schema is an explicit step (the remediation's DELETE), then migrate records it
    await pg.query('DELETE FROM public.schema_migrations_schema', db.name);
    const m = await runDb(w, { mode: 'migrate', vault: vaultWith(db.dsn) });
    expect(m.lines.at(-1)).toBe('db_bootstrap status=ok mode=migrate');
    const v3 = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v3.lines.at(-1)).toBe('db_bootstrap status=ok mode=verify');
  });

  test('a run that failed part-way records what the files before it produced: fixing the file ends green, nothing reported as drift', async () => {
    const db = await freshDb(pg);
    const w = ws({ ...BASE, '0003_bad.sql': 'CREATE TABLE bad (id int);\nSELECT 1/0;\n' });
    const r = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(r.lines.at(-1)).toMatch(/cause=sql_error/);
    w.write('0003_bad.sql', 'CREATE TABLE bad (id int);\n');
    const ok = await runDb(w, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(ok.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=1 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    // and the check is real: a dropped table is reported
    await pg.query('DROP VIEW big_orders', db.name);
    const v = await runDb(w, { mode: 'verify', vault: vaultWith(db.dsn) });
    expect(v.envelope.error?.message).toContain('view public.big_orders dropped');
  });
});
