/**
 * The package as a user installs it: `npm pack` ships only what the CLI and the actions need,
 * the tarball installs into an empty prefix with no dependency to fetch (dist/ is self-contained),
 * and the installed `paas` runs: `--help` under Node 24, one line saying how to fix it under an
 * older Node. Assumes dist/ is built (`npm run build`; CI builds first).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT } from './harness/metadata.js';

interface PackEntry {
  path: string;
  size: number;
}

let tmp: string;
let tarball: string;
let files: string[];
let prefix: string;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** PATH without node_modules/.bin (npm test puts Node 24 there): what a user's shell has. */
const userPath = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter);
const npmEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  HOME: join(tmp, 'home'),
  npm_config_cache: join(tmp, 'npm-cache'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  ...extra,
});

function du(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return n;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'paas-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: REPO_ROOT,
    env: npmEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const info = (JSON.parse(out) as Array<{ filename: string; files: PackEntry[] }>)[0];
  if (!info) throw new Error('npm pack printed no package');
  tarball = join(tmp, info.filename);
  files = info.files.map((f) => f.path).sort();
  prefix = join(tmp, 'prefix');
  // an empty prefix, offline: nothing may need the registry (no runtime dependencies)
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {
    env: npmEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 180_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('ships dist, the action.yml files, README, LICENSE and docs, and nothing of the development tree', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'action.yml',
        'dist/cli/index.js',
        'dist/licenses.txt',
        'docs/cli.md',
      ]),
    );
    for (const op of ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor']) {
      expect(files).toContain(`actions/${op}/action.yml`);
      expect(files).toContain(`dist/${op}/index.js`);
    }
    const foreign = files.filter(
      (f) =>
        /^(test|bench|lib|scripts|node_modules|\.ci|\.github|workflows-templates)\//.test(f) ||
        /\.ts$/.test(f) ||
        /\.node$/.test(f),
    );
    expect(foreign).toEqual([]);
  });

  test('dist/licenses.txt carries the license of every bundled package, each with a known license', () => {
    const text = readFileSync(join(prefix, 'lib', 'node_modules', pkg.name, 'dist', 'licenses.txt'), 'utf8');
    for (const p of ['@actions/core', '@actions/cache', 'ssh2', 'pg', 'tar', 'yaml', 'zod', 'undici'])
      expect(text).toMatch(new RegExp(`^${p.replace('/', '\\/')}@\\d+\\.\\d+\\.\\d+\\nlicense: \\S`, 'm'));
    expect(text).not.toContain('license: UNKNOWN');
    expect(readFileSync(join(prefix, 'lib', 'node_modules', pkg.name, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} paas-actions contributors\n/,
    );
  });

  test('the tarball names no dependency to install (dist/ is self-contained)', () => {
    const packed = JSON.parse(
      readFileSync(join(prefix, 'lib', 'node_modules', pkg.name, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(packed.dependencies ?? {}).toEqual({});
    expect(packed.engines).toEqual({ node: '>=24' });
    expect(existsSync(join(prefix, 'lib', 'node_modules', pkg.name, 'node_modules'))).toBe(false);
    // the whole install is the package itself: a few MB, not the 135 MB of bundled dependencies
    expect(du(join(prefix, 'lib', 'node_modules'))).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('the installed paas', () => {
  const bin = () => join(prefix, 'bin', 'paas');

  test('`paas --help` under Node 24 lists the commands', () => {
    const r = spawnSync(bin(), ['--help'], {
      env: { PATH: [dirname(process.execPath), userPath()].join(delimiter), HOME: join(tmp, 'home') },
      encoding: 'utf8',
      cwd: tmp,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: paas <command>/);
    expect(r.stdout).toContain('paas deploy');
    expect(r.stdout).toContain('paas logs');
  });

  test('`paas doctor --help` describes each option from the shipped action.yml (description, allowed values, default)', () => {
    const r = spawnSync(bin(), ['doctor', '--help'], {
      env: { PATH: [dirname(process.execPath), userPath()].join(delimiter), HOME: join(tmp, 'home') },
      encoding: 'utf8',
      cwd: tmp,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      '--fail-on <value> Which findings fail the run: `any` (the pull-request check) or `critical` (what blocks a deploy). [one of: any, critical; default: any]',
    );
  });

  test('`paas --version --json` prints the package version as JSON', () => {
    const r = spawnSync(bin(), ['--version', '--json'], {
      env: { PATH: [dirname(process.execPath), userPath()].join(delimiter), HOME: join(tmp, 'home') },
      encoding: 'utf8',
      cwd: tmp,
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, command: 'version', fields: { version: pkg.version } });
  });

  test('under an older Node it says so in one line and how to fix it, without a stack trace', () => {
    const path = userPath();
    const v = spawnSync('node', ['--version'], { env: { PATH: path }, encoding: 'utf8' });
    const major = Number(/^v(\d+)/.exec(v.stdout ?? '')?.[1] ?? NaN);
    if (!(major < 24)) {
      // this machine's own node is new enough: the check is proven by the machines that have an older one
      expect(Number.isNaN(major) || major >= 24).toBe(true);
      return;
    }
    const r = spawnSync(bin(), ['--help'], {
      env: { PATH: path, HOME: join(tmp, 'home') },
      encoding: 'utf8',
      cwd: tmp,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error PAAS_NODE_UNSUPPORTED: paas needs Node\.js 24 or newer, this is v\d+\.\d+\.\d+\. Fix: /,
    );
    expect(r.stderr).not.toMatch(/\n\s+at |ERR_UNKNOWN_BUILTIN_MODULE/);
  });
});
