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

const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find((p) => existsSync(p));

let server: PgServer;
let bouncer: ChildProcess | null = null;
let dir: string;
let port: number;
let txDb: TestDb;
let sessDb: TestDb;
const spaces: Workspace[] = [];

function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

beforeAll(async () => {
  if (!PGBOUNCER) throw new Error('pgbouncer not found: install it (Debian: apt-get install -y pgbouncer); .ci/run does');
  server = await startPostgres();
  txDb = await freshDb(server, 'pooled');
  sessDb = await freshDb(server, 'session');
  dir = mkdtempSync(join(tmpdir(), 'paas-pgbouncer-'));
  const ids = runAs();
  if ('uid' in ids) chownSync(dir, ids.uid, ids.gid);
  port = await freePort();
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(join(dir, 'userlist.txt'), `${q(txDb.user)} ${q(txDb.password)}\n${q(sessDb.user)} ${q(sessDb.password)}\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${txDb.name} = host=127.0.0.1 port=${server.port} dbname=${txDb.name} pool_mode=transaction`,
      `${sessDb.name} = host=127.0.0.1 port=${server.port} dbname=${sessDb.name} pool_mode=session`,
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
    const c = new pg.Client({ host: '127.0.0.1', port, user: sessDb.user, password: sessDb.password, database: sessDb.name });
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

const viaBouncer = (d: TestDb) => ['postgres', '://', d.user, ':', encodeURIComponent(d.password), '@127.0.0.1:', String(port), '/', d.name].join('');

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
    expect(r.lines.at(-1)).toMatch(/^db_bootstrap status=fail reason=db_pooled_connection cause=pooled_connection mode=all stage=lock/);
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
    expect(r.lines).toEqual(['db_bootstrap_migrate status=ok applied=2 migrations=2', 'db_bootstrap_verify status=ok migrations=2', 'db_bootstrap status=ok mode=all']);
  });
});
