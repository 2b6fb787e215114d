/**
 * `paas logs`: the app's log read over the Transport from the deploy layout of a real deploy
 * (local target: a directory and a process; and a real OpenSSH sshd), redacted, per target;
 * `--tail` follows new lines until SIGINT (the bundled CLI, as a user's shell runs it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { distDir, nodeBinary } from './harness/runner.js';
import { sshdAvailable, startLab, type SshLab } from './harness/sshd.js';

/** processes whose command line names `dir` (a follower left behind on the target) */
function followersOf(dir: string): string[] {
  const r = spawnSync('pgrep', ['-af', `tail .*${dir}`], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

async function noFollowerLeft(dir: string): Promise<void> {
  for (let i = 0; i < 60 && followersOf(dir).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(followersOf(dir)).toEqual([]);
}

/** runs `paas logs ... --tail` from the bundle until `until` lines were seen, then SIGINT */
async function tailRun(
  args: string[],
  cwd: string,
  home: string,
  steps: (seen: (text: string) => Promise<void>) => Promise<void>,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(nodeBinary(), [join(distDir(), 'cli', 'index.js'), 'logs', ...args, '--tail'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await steps(async (text) => {
      for (let i = 0; i < 300 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect({ text, seen: out.includes(text), err }).toEqual({ text, seen: true, err });
    });
    child.kill('SIGINT');
    return { code: await exited, out };
  } finally {
    child.kill('SIGKILL');
  }
}

let base: string;
let stateRoot: string;
let work: string;
let targetDir: string;
let secret: string;
let vault: string;

/** a release whose start command prints to stdout (-> .paas/start.log) and writes shared/log/app.log */
function release(version: string): string {
  const dir = join(base, `rel-${version}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(
    join(dir, 'bin', 'start'),
    [
      '#!/bin/sh',
      `echo "started ${version} as $PAAS_APP on $PAAS_TARGET"`,
      `echo "token in the log: $(cat ./token)"`,
      'mkdir -p log',
      `for i in 1 2 3; do echo "${version} app line $i" >> log/app.log; done`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'bin', 'start'), 0o755);
  writeFileSync(join(dir, 'token'), secret);
  const tgz = join(base, `${version}.tar.gz`);
  execFileSync('tar', ['-czf', tgz, '-C', dir, '.']);
  return tgz;
}

beforeAll(async () => {
  base = tempDir('paas-logs-');
  stateRoot = join(base, 'state');
  work = join(base, 'work');
  targetDir = join(base, 'target');
  mkdirSync(work);
  mkdirSync(targetDir);
  secret = ['logs', 'secret', String(process.pid), 'x9Qz7'].join('-');
  vault = `PAAS_TARGETS=web1=local:${targetDir}\nDEMO_TOKEN=${secret}\n`;
  writeFileSync(
    join(work, 'paas.yml'),
    [
      'version: 1',
      'apps:',
      '  web:',
      '    shared: [log]',
      '    start: ./bin/start',
      '    health: { command: "true" }',
      '',
    ].join('\n'),
  );
  expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
  const d = await cli(
    [
      'deploy',
      '--context',
      'oss-demo',
      '--state-root',
      stateRoot,
      '--vault',
      vault,
      '--app',
      'web',
      '--artifact',
      release('v1'),
      '--release-id',
      'v1',
      '--apply',
    ],
    {},
    work,
  );
  expect({ code: d.code, err: d.stderr.split('\n').filter((l) => l.startsWith('error')) }).toEqual({
    code: 0,
    err: [],
  });
}, 120_000);
afterAll(() => rmrf(base));

const logs = (extra: string[]) =>
  cli(['logs', '--context', 'oss-demo', '--state-root', stateRoot, '--vault', vault, ...extra], {}, work);

describe('paas logs (local target)', () => {
  test("prints the start command's output and shared/log/*.log of each target, the secret redacted", async () => {
    const r = await logs(['--app', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> web1: .paas/start.log <==');
    expect(r.stdout).toContain('started v1 as web on web1');
    expect(r.stdout).toContain('==> web1: shared/log/app.log <==');
    expect(r.stdout).toContain('v1 app line 3');
    expect(r.stdout).toContain('token in the log: ');
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('logs status=ok targets=1 files=2 count=5');
  });

  test('--json lists files and lines; --lines keeps the last N; the only app is the default', async () => {
    const r = await logs(['--lines', '1', '--json']);
    expect(r.code).toBe(0);
    const env = r.json();
    expect(env).toMatchObject({
      ok: true,
      command: 'logs',
      context: 'oss-demo',
      fields: { app: 'web', target_statuses: 'web1:ok' },
    });
    expect(env.fields.files).toEqual([
      { target: 'web1', file: '.paas/start.log', lines: [expect.stringMatching(/^token in the log: /)] },
      { target: 'web1', file: 'shared/log/app.log', lines: ['v1 app line 3'] },
    ]);
    expect(r.stdout).not.toContain(secret);
  });

  test('an unknown target is refused by name with the ones that exist; a bad --lines names the option', async () => {
    const r = await logs(['--app', 'web', '--target', 'web9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error PAAS_INVALID_ARGUMENT: no target web9 in PAAS_TARGETS of context oss-demo');
    expect(r.stderr).toContain('Use one of: web1.');
    const bad = await logs(['--lines', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error PAAS_INVALID_ARGUMENT: input lines: /);
  });

  test('an app never deployed there says so (not an error)', async () => {
    writeFileSync(
      join(work, 'paas.yml'),
      [
        'version: 1',
        'apps:',
        '  web:',
        '    shared: [log]',
        '    start: ./bin/start',
        '    health: { command: "true" }',
        '  api:',
        '    start: ./bin/start',
        '',
      ].join('\n'),
    );
    const r = await logs(['--app', 'api']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> web1: api is not deployed there <==');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('logs status=ok targets=1 files=0 count=0');
  });

  test('--tail follows new lines (redacted) until SIGINT, exits 0 and leaves no follower (bundled CLI)', async () => {
    const log = join(targetDir, 'oss-demo', 'web', 'shared', 'log', 'app.log');
    const r = await tailRun(
      ['--context', 'oss-demo', '--state-root', stateRoot, '--vault', vault, '--app', 'web', '--lines', '1'],
      work,
      join(base, 'home'),
      async (seen) => {
        await seen('[web1] v1 app line 3');
        expect(followersOf(targetDir).length).toBeGreaterThan(0); // the check below can see one
        appendFileSync(log, `late line with ${secret}\n`);
        await seen('[web1] late line with ');
      },
    );
    expect(r.out).not.toContain(secret);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('logs status=ok targets=1');
    await noFollowerLeft(targetDir);
  }, 30_000);
});

const d = sshdAvailable() ? describe : describe.skip;
d('paas logs over SSH (real sshd hosts)', () => {
  let lab: SshLab;
  let sshState: string;
  let sshWork: string;
  let sshVault: string;
  beforeAll(async () => {
    lab = await startLab(2, { mode: 'loopback' });
    sshState = join(base, 'ssh-state');
    sshWork = join(base, 'ssh-work');
    mkdirSync(sshWork);
    writeFileSync(
      join(sshWork, 'paas.yml'),
      [
        'version: 1',
        'apps:',
        '  web:',
        '    shared: [log]',
        '    start: ./bin/start',
        '    health: { command: "true" }',
        '',
      ].join('\n'),
    );
    sshVault = [
      `PAAS_TARGETS="${lab.targets}"`,
      `PAAS_SSH_KEY="${lab.clientKey.trim()}"`,
      `PAAS_KNOWN_HOSTS="${lab.knownHosts.trim()}"`,
      `DEMO_TOKEN=${secret}`,
      '',
    ].join('\n');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', sshState])).code).toBe(0);
    const dep = await cli(
      [
        'deploy',
        '--context',
        'oss-demo',
        '--state-root',
        sshState,
        '--vault',
        sshVault,
        '--app',
        'web',
        '--artifact',
        release('v2'),
        '--release-id',
        'v2',
        '--apply',
      ],
      {},
      sshWork,
    );
    expect({ code: dep.code, err: dep.stderr.split('\n').filter((l) => l.startsWith('error')) }).toEqual({
      code: 0,
      err: [],
    });
  }, 120_000);
  afterAll(async () => {
    await lab?.cleanup();
  });

  test('every target, or the one named by --target; the key and the secret never printed', async () => {
    const [h1, h2] = lab.hosts as [SshLab['hosts'][0], SshLab['hosts'][0]];
    const all = await cli(
      ['logs', '--context', 'oss-demo', '--state-root', sshState, '--vault', sshVault, '--app', 'web'],
      {},
      sshWork,
    );
    expect(all.code).toBe(0);
    for (const h of [h1, h2]) {
      expect(all.stdout).toContain(`==> ${h.id}: .paas/start.log <==`);
      expect(all.stdout).toContain(`started v2 as web on ${h.id}`);
      expect(all.stdout).toContain(`==> ${h.id}: shared/log/app.log <==`);
    }
    expect(all.stdout + all.stderr).not.toContain(secret);
    for (const line of lab.clientKey.trim().split('\n').slice(1, -1))
      expect(all.stdout + all.stderr).not.toContain(line);
    const one = await cli(
      [
        'logs',
        '--context',
        'oss-demo',
        '--state-root',
        sshState,
        '--vault',
        sshVault,
        '--app',
        'web',
        '--target',
        h2.id,
        '--json',
      ],
      {},
      sshWork,
    );
    expect(one.json().fields.target_statuses).toBe(`${h2.id}:ok`);
    expect(one.stdout).not.toContain(`started v2 as web on ${h1.id}`);
  });

  test('--tail over SSH: new lines arrive; after SIGINT no tail is left running on the target', async () => {
    const h = lab.hosts[0] as SshLab['hosts'][0];
    const r = await tailRun(
      [
        '--context',
        'oss-demo',
        '--state-root',
        sshState,
        '--vault',
        sshVault,
        '--app',
        'web',
        '--target',
        h.id,
        '--lines',
        '1',
      ],
      sshWork,
      join(base, 'home'),
      async (seen) => {
        await seen(`[${h.id}] v2 app line 3`);
        expect(followersOf(h.dir).length).toBeGreaterThan(0); // the check below can see one
        appendFileSync(join(h.dir, 'oss-demo', 'web', 'shared', 'log', 'app.log'), 'over ssh late line\n');
        await seen(`[${h.id}] over ssh late line`);
      },
    );
    expect(r.code).toBe(0);
    await noFollowerLeft(h.dir);
  }, 30_000);
});
