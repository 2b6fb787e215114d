/**
 * Ctrl-C of `paas deploy --apply` / `paas rollback --apply` from the CLI (the action has its `post:`
 * step for this; the CLI has to do it itself): the CLI runs from the sources in a child process
 * (a tiny loader transpiles lib/ with the project's TypeScript, as ts-jest does), deploys to a local
 * target whose pre_switch hook (or start command) waits, and gets SIGINT once the lock is taken:
 * no new remote work starts, the lock is released with our token, `paas: interrupted; released the
 * deploy lock on N target(s)`, exit 1 (PAAS_INTERRUPTED); nothing switched. A second signal ends the
 * process at once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, sourceLoader } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';
import { REPO_ROOT } from './harness/runner.js';

let base: string;
let rels: string;
let stateRoot: string;
const groups: number[] = [];

beforeAll(async () => {
  base = tempDir('paas-cancel-');
  rels = join(base, 'rels');
  mkdirSync(rels);
  for (const v of ['v1', 'v2']) makeRelease(rels, v);
  stateRoot = join(base, 'state');
  expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
});
afterAll(() => {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL'); // anything the tests left running (a hook that ignores SIGINT)
    } catch {
      /* gone */
    }
  }
  stopApps(base);
  rmrf(base);
});

const tgz = (v: string) => join(rels, `${v}.tar.gz`);

interface Fixture {
  target: string;
  appDir: string;
  work: string;
  vault: string;
  started: string;
  finished: string;
}

/** A local target, a work dir with paas.yml (`hook` receives the marker files), v1 deployed. */
async function fixture(name: string, yml: (started: string, finished: string) => string): Promise<Fixture> {
  const target = join(base, name);
  mkdirSync(target);
  writeFileSync(join(target, 'port'), `${await freePort()}\n`);
  const work = join(base, `work-${name}`);
  mkdirSync(work);
  const started = join(base, `${name}.started`);
  const finished = join(base, `${name}.finished`);
  const vault = `PAAS_TARGETS=web1=local:${target}\n`;
  // v1 through the in-process CLI (the same guard, never fired): the slow hook is not there yet
  writeFileSync(join(work, 'paas.yml'), appYml({ strategy: 'serial', deadline: '5s' }));
  const first = await cli(
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
      tgz('v1'),
      '--release-id',
      'v1',
      '--apply',
    ],
    {},
    work,
  );
  expect(first.stderr).not.toContain('interrupted');
  expect(first.code).toBe(0);
  writeFileSync(join(work, 'paas.yml'), yml(started, finished));
  return { target, appDir: join(target, 'oss-demo', 'web'), work, vault, started, finished };
}

interface Child {
  pid: number;
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    endedAt: number;
  }>;
}

/** `paas <args>` from the sources, in its own process group (as a shell runs a foreground job), outside CI. */
function paas(args: string[], cwd: string): Child {
  const child = spawn(
    process.execPath,
    ['--import', sourceLoader(), join(REPO_ROOT, 'lib', 'cli', 'index.ts'), ...args],
    {
      cwd,
      detached: true,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(base, 'home'), LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  groups.push(child.pid as number);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    endedAt: number;
  }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, endedAt: Date.now() }));
  });
  return { pid: child.pid as number, exited };
}

async function waitFor(file: string, child: Child, ms = 40_000): Promise<void> {
  let done = false;
  void child.exited.then(() => (done = true));
  const until = Date.now() + ms;
  while (!existsSync(file)) {
    if (done) throw new Error(`paas exited before ${file} appeared:\n${(await child.exited).stderr}`);
    if (Date.now() > until) throw new Error(`${file} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deployArgs = (f: Fixture, release: string) => [
  'deploy',
  '--context',
  'oss-demo',
  '--state-root',
  stateRoot,
  '--vault',
  f.vault,
  '--app',
  'web',
  '--artifact',
  tgz(release),
  '--release-id',
  release,
  '--apply',
];
const slowHook =
  (extra = '') =>
  (started: string, finished: string) =>
    appYml({
      strategy: 'serial',
      deadline: '5s',
      extra: `    hooks: { pre_switch: "${extra}touch ${started}; sleep 30; touch ${finished}" }`,
    });

describe('paas deploy --apply interrupted', () => {
  test('Ctrl-C (SIGINT to the process group) while pre_switch runs: lock released, nothing switched, exit 1', async () => {
    const f = await fixture('ctrlc', slowHook());
    const child = paas(deployArgs(f, 'v2'), f.work);
    await waitFor(f.started, child);
    const lock = JSON.parse(readFileSync(join(f.appDir, '.paas', 'lock', 'owner.json'), 'utf8')) as {
      op: string;
      release: string;
      actor: string;
    };
    expect(lock).toMatchObject({ op: 'deploy', release: 'v2' });
    const t0 = Date.now();
    process.kill(-child.pid, 'SIGINT');
    const r = await child.exited;
    expect(r.stderr).toContain('paas: SIGINT received: no new remote work is started');
    expect(r.stderr).toContain('paas: interrupted; released the deploy lock on 1 target(s)\n');
    // the switch script died with the hook (SIGINT to the group): it may have switched, so web1 is returned (and restarted)
    expect(r.stderr).toMatch(
      /error PAAS_INTERRUPTED: deploy interrupted by SIGINT(; returned web1 to the release each ran before)?; released the deploy lock on 1 target\(s\)/,
    );
    expect(r.stdout).toContain('deploy status=fail reason=interrupted stage=interrupted');
    expect(r.code).toBe(1);
    expect(r.signal).toBeNull();
    expect(r.endedAt - t0).toBeLessThan(20_000); // did not wait for the hook's sleep (30 s)
    expect(existsSync(join(f.appDir, '.paas', 'lock'))).toBe(false);
    expect(readlinkSync(join(f.appDir, 'current'))).toBe('releases/v1');
    expect(existsSync(f.finished)).toBe(false);
    // the context records who released the lock
    const events = await cli(['events', 'list', '--context', 'oss-demo', '--state-root', stateRoot, '--json']);
    expect(events.stdout).toContain('deploy.locks_released');
    // a re-run deploys (nothing is left behind that blocks it)
    writeFileSync(join(f.work, 'paas.yml'), appYml({ strategy: 'serial', deadline: '5s' }));
    const again = await cli(deployArgs(f, 'v2'), {}, f.work);
    expect(again.code).toBe(0);
    expect(readlinkSync(join(f.appDir, 'current'))).toBe('releases/v2');
  }, 90_000);

  test('SIGTERM to paas alone (a supervisor, `kill`): the running hook is stopped too; lock released; --json envelope', async () => {
    const f = await fixture('term', slowHook());
    const child = paas([...deployArgs(f, 'v2'), '--json'], f.work);
    await waitFor(f.started, child);
    expect(existsSync(join(f.appDir, '.paas', 'lock'))).toBe(true);
    process.kill(child.pid, 'SIGTERM');
    const r = await child.exited;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('paas: interrupted; released the deploy lock on 1 target(s)\n');
    const env = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      ok: boolean;
      error: { code: string; stage: string; message: string };
      fields: Record<string, unknown>;
    };
    expect(env.ok).toBe(false);
    expect(env.error).toMatchObject({ code: 'PAAS_INTERRUPTED', stage: 'interrupted' });
    expect(env.error.message).toContain('SIGTERM');
    expect(env.fields.released_locks).toBe('web1');
    expect(existsSync(join(f.appDir, '.paas', 'lock'))).toBe(false);
    // the hook got SIGINT as from a terminal: it never finishes and never switches behind our back
    await new Promise((r) => setTimeout(r, 1000));
    expect(existsSync(f.finished)).toBe(false);
    expect(readlinkSync(join(f.appDir, 'current'))).toBe('releases/v1');
  }, 90_000);

  test('a second signal ends paas at once (here while it waits for a hook that ignores SIGINT)', async () => {
    const f = await fixture('twice', slowHook("trap '' INT; "));
    const child = paas(deployArgs(f, 'v2'), f.work);
    await waitFor(f.started, child);
    process.kill(child.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 700));
    const t0 = Date.now();
    process.kill(child.pid, 'SIGINT');
    const r = await child.exited;
    expect(r.stderr).toContain('paas: SIGINT received');
    expect(r.signal).toBe('SIGINT');
    expect(r.endedAt - t0).toBeLessThan(5_000); // not after the grace period (10 s), not after the hook (30 s)
    expect(r.stderr).not.toContain('released the deploy lock');
    try {
      process.kill(-child.pid, 'SIGKILL'); // the hook that ignored SIGINT
    } catch {
      /* gone */
    }
  }, 90_000);
});

describe('paas rollback --apply interrupted', () => {
  test('SIGINT while the start command of the older release runs: lock released, exit 1', async () => {
    const f = await fixture('rollback', () => '');
    writeFileSync(join(f.work, 'paas.yml'), appYml({ strategy: 'serial', deadline: '5s' }));
    expect((await cli(deployArgs(f, 'v2'), {}, f.work)).code).toBe(0);
    writeFileSync(
      join(f.work, 'paas.yml'),
      appYml({ strategy: 'serial', deadline: '5s' }).replace(
        'start: ./bin/start',
        `start: "touch ${f.started}; sleep 30; ./bin/start"`,
      ),
    );
    const child = paas(
      [
        'rollback',
        '--context',
        'oss-demo',
        '--state-root',
        stateRoot,
        '--vault',
        f.vault,
        '--app',
        'web',
        '--to-release',
        'v1',
        '--apply',
      ],
      f.work,
    );
    await waitFor(f.started, child);
    expect(existsSync(join(f.appDir, '.paas', 'lock'))).toBe(true);
    process.kill(-child.pid, 'SIGINT');
    const r = await child.exited;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('paas: interrupted; released the deploy lock on 1 target(s)\n');
    expect(r.stderr).toContain('error PAAS_INTERRUPTED: rollback interrupted by SIGINT');
    expect(existsSync(join(f.appDir, '.paas', 'lock'))).toBe(false);
  }, 90_000);
});
