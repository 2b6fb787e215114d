/**
 * A real PostgreSQL server for tests and benchmarks: initdb into a temporary directory, its own
 * port on 127.0.0.1, its unix socket in the same directory, fast settings (fsync off), stopped and
 * removed by destroy(). As root, the server runs as the `postgres` user (PostgreSQL refuses root).
 *
 * Binaries: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else `pg_config --bindir`, else PATH.
 * Passwords are generated per server; DSNs are assembled at run time, never committed.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServerOptions {
  /** extra postgresql.conf settings */
  settings?: Record<string, string | number>;
  /** superuser name (default paas_admin) */
  superuser?: string;
  /** directory the server's temporary root (data, socket, log) is created in (default os.tmpdir()) */
  parentDir?: string;
}

export interface PgServer {
  readonly host: string;
  readonly port: number;
  readonly socketDir: string;
  readonly dataDir: string;
  readonly root: string;
  readonly binDir: string;
  readonly superuser: string;
  readonly superPassword: string;
  readonly running: boolean;
  /** a TCP DSN (password auth) for `database` as `user` */
  dsn(database: string, user?: string, password?: string): string;
  /** a superuser client over the unix socket (trust) */
  admin(database?: string): Promise<pg.Client>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    database?: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  createRole(name: string, password: string, opts?: { superuser?: boolean; createdb?: boolean }): Promise<void>;
  /** CREATE DATABASE (the harness creates databases; db_bootstrap never does) */
  createDatabase(name: string, owner?: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** pg_dump of a database (schema and data), for byte-for-byte comparisons */
  dump(database: string): string;
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  log(): string;
}

const live = new Set<{ binDir: string; dataDir: string; runAs: RunAs | null }>();
let exitHookInstalled = false;

interface RunAs {
  uid: number;
  gid: number;
}

export function findPgBin(): string {
  const has = (d: string) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'));
  if (process.env.PG_BIN) {
    if (has(process.env.PG_BIN)) return process.env.PG_BIN;
    throw new Error(`PG_BIN=${process.env.PG_BIN} holds no initdb/pg_ctl`);
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(base, v, 'bin'))) return join(base, v, 'bin');
  }
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0 && has(cfg.stdout.trim())) return cfg.stdout.trim();
  for (const d of (process.env.PATH ?? '').split(':')) if (d && has(d)) return d;
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them (Debian: apt-get install -y postgresql) or set PG_BIN',
  );
}

function runAsFor(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      'running as root and there is no `postgres` user to run the server as (the Debian postgresql package creates it; or: useradd -r postgres)',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(
  bin: string,
  args: string[],
  runAs: RunAs | null,
  opts: SpawnOptions = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: tmpdir(),
      ...opts,
      ...(runAs ?? {}),
      env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C', HOME: tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

export async function startPostgres(opts: PgServerOptions = {}): Promise<PgServer> {
  const binDir = findPgBin();
  const runAs = runAsFor();
  const root = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'paas-pg-'));
  chmodSync(root, 0o700);
  if (runAs) chownSync(root, runAs.uid, runAs.gid);
  const dataDir = join(root, 'data');
  const socketDir = root;
  const logFile = join(root, 'server.log');
  const superuser = opts.superuser ?? 'paas_admin';
  const superPassword = randomBytes(18).toString('base64url');
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, superPassword + '\n', { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  const init = await run(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      superuser,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    runAs,
  );
  rmSync(pwfile, { force: true });
  if (init.code !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.out}`);
  }
  let port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${socketDir}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 100,
    shared_buffers: "'32MB'",
    max_wal_size: "'256MB'",
    log_min_messages: 'warning',
    ...opts.settings,
  };
  const conf = join(dataDir, 'postgresql.conf');
  appendFileSync(
    conf,
    '\n# paas test harness\n' +
      Object.entries(settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n') +
      '\n',
  );
  const portConf = join(dataDir, 'postgresql.auto.conf');

  const entry = { binDir, dataDir, runAs };
  let running = false;

  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      writeFileSync(portConf, `port = ${port}\n`);
      if (runAs) chownSync(portConf, runAs.uid, runAs.gid);
      const r = await run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], runAs);
      if (r.code === 0) break;
      if (attempt < 3 && /could not bind|Address already in use/i.test(readLog())) {
        port = await freePort();
        continue;
      }
      throw new Error(`pg_ctl start failed: ${r.out}\n${readLog()}`);
    }
    running = true;
    live.add(entry);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const s of live)
          spawnSync(join(s.binDir, 'pg_ctl'), ['-D', s.dataDir, '-m', 'immediate', 'stop'], {
            ...(s.runAs ?? {}),
            stdio: 'ignore',
          });
      });
    }
  };
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  await start();

  const admin = async (database = 'postgres') => {
    const c = new pg.Client({ host: socketDir, port, user: superuser, database });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const query = async <R extends pg.QueryResultRow>(sql: string, database = 'postgres', values?: unknown[]) => {
    const c = await admin(database);
    try {
      return await c.query<R>(sql, values);
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const server: PgServer = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    socketDir,
    dataDir,
    root,
    binDir,
    superuser,
    superPassword,
    get running() {
      return running;
    },
    dsn: (database, user = superuser, password = superPassword) =>
      [
        'postgres',
        '://',
        encodeURIComponent(user),
        ':',
        encodeURIComponent(password),
        '@',
        '127.0.0.1',
        ':',
        String(port),
        '/',
        encodeURIComponent(database),
      ].join(''),
    admin,
    query,
    createRole: async (name, password, o = {}) => {
      await query(
        `CREATE ROLE ${quoteIdent(name)} LOGIN ${o.superuser ? 'SUPERUSER' : ''} ${o.createdb ? 'CREATEDB' : ''} PASSWORD '${password.replace(/'/g, "''")}'`,
      );
    },
    createDatabase: async (name, owner) => {
      await query(`CREATE DATABASE ${quoteIdent(name)}${owner ? ` OWNER ${quoteIdent(owner)}` : ''}`);
      if (owner) await query(`ALTER SCHEMA public OWNER TO ${quoteIdent(owner)}`, name);
    },
    dropDatabase: async (name) => {
      await query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
    dump: (database) => {
      const r = spawnSync(
        join(binDir, 'pg_dump'),
        ['-h', socketDir, '-p', String(port), '-U', superuser, '--no-sync', database],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      );
      if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
      // pg_dump >= 15.14 adds a random \restrict key per dump: not part of the database
      return r.stdout.replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict <key>');
    },
    stop: async (mode = 'fast') => {
      if (!running) return;
      const r = await run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop'], runAs);
      if (r.code !== 0 && !/Is server running/i.test(r.out)) throw new Error(`pg_ctl stop failed: ${r.out}`);
      running = false;
      live.delete(entry);
    },
    start,
    destroy: async () => {
      if (running) await server.stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
    log: readLog,
  };
  return server;
}
