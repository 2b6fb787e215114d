/**
 * db_bootstrap behind a real PgBouncer: a transaction-pooled connection is refused (a session
 * advisory lock means nothing there), a session-pooled one works. Needs the pgbouncer binary
 * (Debian: apt-get install -y pgbouncer; .ci/run installs it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freshDb, ledger, runDb, tables, vaultWith, workspace, type TestDb, type Workspace } from './db-helpers.js';
import { freePort, startPostgres, type PgServer } from './harness/postgres.js';
import { ORPHAN_IDLE_S } from '../lib/ops/db_bootstrap/engine.js';
import { lockKey } from '../lib/ops/db_bootstrap/ledger.js';

const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find((p) => existsSync(p));

let server: PgServer;
let bouncer: ChildProcess | null = null;
let dir: string;
let port: number;
let txDb: TestDb;
let sessDb: TestDb;
/** transaction-pooled databases never warmed: a client alone gets the one server connection every time */
let aloneDb: TestDb;
let busyDb: TestDb;
let orphanDb: TestDb;
const spaces: Workspace[] = [];

function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

beforeAll(async () => {
  if (!PGBOUNCER)
    throw new Error('pgbouncer not found: install it (Debian: apt-get install -y pgbouncer); .ci/run does');
  server = await startPostgres();
  txDb = await freshDb(server, 'pooled');
  sessDb = await freshDb(server, 'session');
  aloneDb = await freshDb(server, 'alone');
  busyDb = await freshDb(server, 'busy');
  orphanDb = await freshDb(server, 'orphan');
  dir = mkdtempSync(join(tmpdir(), 'paas-pgbouncer-'));
  const ids = runAs();
  if ('uid' in ids) chownSync(dir, ids.uid, ids.gid);
  port = await freePort();
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(
    join(dir, 'userlist.txt'),
    [txDb, sessDb, aloneDb, busyDb, orphanDb].map((d) => `${q(d.user)} ${q(d.password)}\n`).join(''),
  );
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${txDb.name} = host=127.0.0.1 port=${server.port} dbname=${txDb.name} pool_mode=transaction`,
      `${sessDb.name} = host=127.0.0.1 port=${server.port} dbname=${sessDb.name} pool_mode=session`,
      ...[aloneDb, busyDb, orphanDb].map(
        (d) => `${d.name} = host=127.0.0.1 port=${server.port} dbname=${d.name} pool_mode=transaction`,
      ),
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'server_round_robin = 1',
      'default_pool_size = 10',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  if ('uid' in ids) for (const f of ['userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), ids.uid, ids.gid);
  bouncer = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], { ...ids, stdio: 'ignore' });
  // wait until it accepts connections
  for (let i = 0; i < 100; i++) {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: sessDb.user,
      password: sessDb.password,
      database: sessDb.name,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('pgbouncer did not start');
}, 120_000);

afterAll(async () => {
  bouncer?.kill('SIGTERM');
  await server?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const w of spaces) w.cleanup();
});

const viaBouncer = (d: TestDb) =>
  ['postgres', '://', d.user, ':', encodeURIComponent(d.password), '@127.0.0.1:', String(port), '/', d.name].join('');

/** Opens several server connections in the pool, so consecutive transactions land on different backends. */
async function warmPool(d: TestDb, n = 3): Promise<void> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: viaBouncer(d) }));
  await Promise.all(clients.map((c) => c.connect()));
  await Promise.all(clients.map((c) => c.query('SELECT pg_sleep(0.2)')));
  await Promise.all(clients.map((c) => c.end()));
}

const FILES = { '0001_a.sql': 'CREATE TABLE a (id int);\n', '0002_b.sql': 'CREATE TABLE b (id int);\n' };

describe('connection pooling', () => {
  test('a transaction-pooled connection is refused before anything is written', async () => {
    await warmPool(txDb);
    const w = workspace(FILES);
    spaces.push(w);
    const r = await runDb(w, { mode: 'all', vault: vaultWith(viaBouncer(txDb)) });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.envelope.error?.code).toBe('PAAS_DB_POOLED_CONNECTION');
    expect(r.lines.at(-1)).toMatch(
      /^db_bootstrap status=fail reason=db_pooled_connection cause=pooled_connection mode=all stage=lock/,
    );
    expect(r.envelope.error?.message).toContain('transaction pooler');
    expect(r.envelope.error?.remediation).toContain('pool_mode=session');
    expect(await ledger(server, txDb.name)).toEqual([]);
    expect((await tables(server, txDb.name)).filter((t) => t !== 'public.schema_migrations')).toEqual([]);
    // the same database reached directly works
    const direct = await runDb(w, { mode: 'all', vault: vaultWith(txDb.dsn) });
    expect(direct.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  });

  test('a session-pooled connection works', async () => {
    await warmPool(sessDb);
    const w = workspace(FILES);
    spaces.push(w);
    const r = await runDb(w, { mode: 'all', vault: vaultWith(viaBouncer(sessDb)) });
    expect(r.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=2 migrations=2',
      'db_bootstrap_verify status=ok migrations=2',
      'db_bootstrap status=ok mode=all',
    ]);
  });
});

describe('direct connections pass the pooler check', () => {
  test('TCP: decided from the addresses alone; a unix socket: one probe session gets a backend of its own', async () => {
    const d = await freshDb(server, 'direct');
    const w = workspace(FILES);
    spaces.push(w);
    const tcp = await runDb(w, { mode: 'all', vault: vaultWith(d.dsn) });
    expect(tcp.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    expect(tcp.log).toContain(
      "debug: session check: direct connection (the server sees this socket's address and port)",
    );
    const d2 = await freshDb(server, 'socket');
    const w2 = workspace(FILES);
    spaces.push(w2);
    const viaSocket = [
      'postgres',
      '://',
      d2.user,
      ':',
      encodeURIComponent(d2.password),
      '@/',
      d2.name,
      '?host=',
      encodeURIComponent(server.socketDir),
      '&port=',
      String(server.port),
    ].join('');
    const sock = await runDb(w2, { mode: 'all', vault: vaultWith(viaSocket) });
    expect(sock.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
    expect(sock.log).toContain(
      "debug: session check: a second session got a backend of its own while this session's backend stayed idle (1 probe)",
    );
  });
});

describe('transaction pooler: refused whatever the concurrency, orphaned locks named', () => {
  const nothingWritten = async (d: TestDb) => {
    expect(await ledger(server, d.name)).toEqual([]);
    expect(await tables(server, d.name)).toEqual([]);
    expect((await server.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'", d.name)).rowCount).toBe(0);
  };

  test('a single client alone on a transaction pooler (same server connection every time) is refused before anything is written', async () => {
    const w = workspace(FILES);
    spaces.push(w);
    // nobody else uses this pool: the run's statements all land on one server connection, so its
    // backend pid never changes; the pooler is still detected
    const r = await runDb(w, { mode: 'all', vault: vaultWith(viaBouncer(aloneDb)) });
    expect(r.envelope.error?.code).toBe('PAAS_DB_POOLED_CONNECTION');
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=db_pooled_connection cause=pooled_connection mode=all stage=lock applied=0',
    ]);
    expect(r.envelope.error?.message).toContain("another session was handed this session's server connection");
    await nothingWritten(aloneDb);
    // migrate alone too
    const m = await runDb(w, { mode: 'migrate', vault: vaultWith(viaBouncer(aloneDb)) });
    expect(m.envelope.error?.code).toBe('PAAS_DB_POOLED_CONNECTION');
    await nothingWritten(aloneDb);
  });

  test('six runs at once through a transaction pooler (their probes can fill its pool of 10): every one refused, nothing written, no lock left behind', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 30; i++) files[`${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id int);\n`;
    const w = workspace(files);
    spaces.push(w);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => runDb(w, { mode: 'all', vault: vaultWith(viaBouncer(busyDb)) })),
    );
    for (const r of runs) {
      expect(r.envelope.error?.code).toBe('PAAS_DB_POOLED_CONNECTION');
      expect(r.envelope.fields.applied).toBe(0);
    }
    await nothingWritten(busyDb);
    // the direct DSN afterwards works: no orphaned lock
    const direct = await runDb(w, { mode: 'all', vault: vaultWith(busyDb.dsn) });
    expect(direct.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  });

  test('a lock orphaned on an idle pooled server connection is reported as orphaned with the safe way out, not as a run in progress', async () => {
    const w = workspace(FILES);
    spaces.push(w);
    // what an old run through a transaction pooler left: the session lock on a server connection
    // that went back to the pool when its client disconnected
    const c = new pg.Client({ connectionString: viaBouncer(orphanDb) });
    await c.connect();
    await c.query(`SELECT pg_advisory_lock(${lockKey({ schema: 'public', table: 'schema_migrations' }).key})`);
    await c.end();
    const held = await server.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted",
      orphanDb.name,
    );
    const pid = held.rows[0]?.pid;
    expect(pid).toBeDefined();
    // idle past the longest pause of a migrating run (ORPHAN_IDLE_S)
    await new Promise((r) => setTimeout(r, ORPHAN_IDLE_S * 1000 + 1000));
    // (lock_wait far above the idle threshold: the run must fail at once, not at the deadline)
    w.paasYml('version: 1\ndb:\n  lock_wait: 30s\n  retry_delay: 100ms\n');
    // even a direct DSN is blocked by it; the run fails at once, naming the pid and the way out
    const r = await runDb(w, { mode: 'all', vault: vaultWith(orphanDb.dsn) });
    expect(r.lines).toEqual([
      'db_bootstrap status=fail reason=lock_held cause=lock_orphaned mode=all stage=lock applied=0',
    ]);
    expect(r.envelope.error?.message).toMatch(
      new RegExp(
        `^the migration lock for public\\.schema_migrations is held by pid ${pid}, .*idle for \\d+s and not migrating: an orphaned lock`,
      ),
    );
    expect(r.envelope.error?.remediation).toContain(`SELECT pg_terminate_backend(${pid});`);
    expect(r.visible).not.toContain('another run is migrating');
    expect(r.visible).not.toContain('Another db_bootstrap run is migrating');
    // nothing was read from the ledger: the summary does not claim any status for the files
    expect(r.outcome.summary).toContain('| 1 | 0001_a.sql | not checked |');
    // the way out works, as the migration role itself
    const mine = new pg.Client({ connectionString: orphanDb.dsn });
    await mine.connect();
    expect((await mine.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0]?.ok).toBe(true);
    await mine.end();
    for (
      let i = 0;
      i < 500 && (await server.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'", orphanDb.name)).rowCount;
      i++
    )
      await new Promise((res) => setTimeout(res, 20));
    const ok = await runDb(w, { mode: 'all', vault: vaultWith(orphanDb.dsn) });
    expect(ok.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  }, 120_000);
});
