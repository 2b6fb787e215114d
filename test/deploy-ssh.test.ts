/**
 * deploy/rollback against real OpenSSH sshd hosts (test/harness/sshd.ts): network namespaces when
 * running as root with iproute2, else loopback ports. Every scenario asserts the final release on
 * each target, the lock state, the result fields and the exit code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { cli, listTree, rmrf, tempDir } from './helpers.js';
import {
  actionChild,
  appYml,
  currentRelease,
  makeRelease,
  paasChild,
  runOp,
  type AppYml,
  type OpRun,
} from './harness/deploy-app.js';
import { parseFileCommands } from './harness/commands.js';
import { prepareArtifact } from '../lib/ops/deploy/artifact.js';
import { paasYmlSchemas } from '../lib/config/paas-yml.js';
import { buildTransports } from '../lib/transport/connect.js';
import { lockAndInstallAll, TargetNode } from '../lib/ops/deploy/fleet.js';
import { Vault } from '../lib/isolation/vault.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { parseTargets } from '../lib/transport/targets.js';
import { hashedName, sshdAvailable, startLab, stopApps, type SshLab } from './harness/sshd.js';

const CTX = 'internal-dogfood';
const enabled = sshdAvailable();
const d = enabled ? describe : describe.skip;

let lab: SshLab;
let work: string;
let stateRoot: string;
let rels: string;

function appDir(i: number): string {
  return join(lab.hosts[i]!.dir, CTX, 'web');
}
const current = (i: number) => currentRelease(appDir(i));
const currents = () => lab.hosts.map((_, i) => current(i));
const locked = () => lab.hosts.map((_, i) => existsSync(join(appDir(i), '.paas', 'lock')));
function history(i: number): Array<{ release: string; status: string; event: string }> {
  const f = join(appDir(i), '.paas', 'history.jsonl');
  return existsSync(f)
    ? readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}

function vault(over: { knownHosts?: string; targets?: string } = {}): string {
  return [
    `PAAS_TARGETS="${over.targets ?? lab.targets}"`,
    `PAAS_SSH_KEY="${lab.clientKey.trim()}"`,
    `PAAS_KNOWN_HOSTS="${(over.knownHosts ?? lab.knownHosts).trim()}"`,
    '',
  ].join('\n');
}

function config(o: AppYml = {}): void {
  writeFileSync(join(work, 'paas.yml'), appYml({ http: lab.mode === 'netns', port: lab.appPort, ...o }));
}

async function deploy(
  release: string,
  artifact: string,
  extra: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<OpRun> {
  return runOp(
    'deploy',
    {
      context: CTX,
      state_root: stateRoot,
      vault: vault(),
      app: 'web',
      artifact,
      release_id: release,
      apply: 'true',
      ...extra,
    },
    { cwd: work, env },
  );
}

function noSecrets(r: OpRun): void {
  const key = lab.clientKey.trim().split('\n');
  for (const line of key.slice(1, -1)) expect(r.visible).not.toContain(line);
  expect(r.visible).not.toContain(lab.targets.split('\n')[0]);
}

d('deploy over SSH to real sshd hosts', () => {
  beforeAll(async () => {
    lab = await startLab(5);
    work = tempDir('paas-work-');
    stateRoot = tempDir('paas-state-');
    rels = tempDir('paas-rels-');
    const r = await cli(['context', 'create', CTX, '--state-root', stateRoot]);
    expect(r.code).toBe(0);
    makeRelease(rels, 'v1');
    makeRelease(rels, 'v2');
    makeRelease(rels, 'v3');
    makeRelease(rels, 'v4');
    makeRelease(rels, 'v2bad4', { failOn: ['web4'] });
  }, 60_000);

  afterAll(async () => {
    await lab?.cleanup();
    for (const p of [work, stateRoot, rels]) if (p) rmrf(p);
  });

  /** a fleet with nothing deployed (apps stopped, deploy dirs emptied) */
  const fresh = () => {
    for (const h of lab.hosts) {
      stopApps(h.dir);
      for (const e of readdirSync(h.dir)) if (e !== 'port') rmSync(join(h.dir, e), { recursive: true, force: true });
    }
  };
  afterEach(fresh);

  const tgz = (v: string) => join(rels, `${v}.tar.gz`);

  test('plan by default: lists batches and changes nothing', async () => {
    config({ strategy: 'rolling', batch: 2 });
    const r = await runOp(
      'deploy',
      { context: CTX, state_root: stateRoot, vault: vault(), app: 'web', artifact: tgz('v1'), release_id: 'v1' },
      { cwd: work },
    );
    expect(r.outcome.exitCode).toBe(0);
    expect(r.outcome.envelope.fields.fanout_plan).toBe('web1,web2;web3,web4;web5');
    expect(r.outcome.lines.at(-1)).toMatch(
      /^deploy status=planned mode=plan release_id=v1 targets=5 strategy=rolling batches=3$/,
    );
    // the summary names batches and rollback candidates; an expired lock is not shown as held
    expect(r.outcome.summary).toContain('| target | batch | current | release | rollback candidate | lock |');
    expect(r.outcome.summary).toContain('| web5 | 3/3 | - | v1 | (none: first deploy) | free |');
    expect(currents()).toEqual([null, null, null, null, null]);
    mkdirSync(join(appDir(1), '.paas', 'lock'), { recursive: true });
    writeFileSync(
      join(appDir(1), '.paas', 'lock', 'owner.json'),
      `{"run":"1","expires":${Math.floor(Date.now() / 1000) - 60}}\n`,
    );
    const again = await runOp(
      'deploy',
      { context: CTX, state_root: stateRoot, vault: vault(), app: 'web', artifact: tgz('v1'), release_id: 'v1' },
      { cwd: work },
    );
    expect((again.outcome.envelope.fields.plan as Array<{ lock: string }>).map((p) => p.lock)).toEqual([
      'free',
      'expired',
      'free',
      'free',
      'free',
    ]);
    rmSync(join(appDir(1), '.paas'), { recursive: true });
    expect(locked()).toEqual([false, false, false, false, false]);
  });

  test('happy path per strategy on 5 hosts: serial v1, rolling v2, parallel v3, canary v4; prune keeps 3', async () => {
    const steps = [
      ['v1', 'serial', 'web1;web2;web3;web4;web5', {}],
      ['v2', 'rolling', 'web1,web2;web3,web4;web5', { batch: 2 }],
      ['v3', 'parallel', 'web1,web2,web3,web4,web5', { max_parallel: 3 }],
      ['v4', 'canary', 'web1;web2,web3,web4,web5', { canary: 1 }],
    ] as const;
    let previous: string | null = null;
    for (const [v, strategy, plan, extra] of steps) {
      config({ strategy, ...extra });
      const r = await deploy(v, tgz(v));
      expect(r.outcome.envelope.error).toBeUndefined();
      expect(r.outcome.exitCode).toBe(0);
      const f = r.outcome.envelope.fields;
      expect(f.release_id).toBe(v);
      expect(f.strategy).toBe(strategy);
      expect(f.fanout_plan).toBe(plan);
      expect(f.target_statuses).toBe('web1:ok,web2:ok,web3:ok,web4:ok,web5:ok');
      expect(f.rolled_back_targets).toBe('');
      expect(f.previous).toBe(lab.hosts.map((h) => `${h.id}:${previous ?? ''}`).join(','));
      expect(r.outcome.lines.at(-1)).toMatch(
        new RegExp(`^deploy status=ok release_id=${v} targets=5 strategy=${strategy} batches=\\d+$`),
      );
      expect(currents()).toEqual([v, v, v, v, v]);
      expect(locked()).toEqual([false, false, false, false, false]);
      noSecrets(r);
      previous = v;
    }
    expect(
      history(0)
        .filter((h) => h.status !== 'unpacked')
        .map((h) => `${h.release}:${h.status}`),
    ).toEqual(['v1:good', 'v2:good', 'v3:good', 'v4:good']);
    expect(readFileSync(join(appDir(2), 'current', 'VERSION'), 'utf8').trim()).toBe('v4');
    expect(readlinkSync(join(appDir(2), 'current', 'data'))).toBe(join(appDir(2), 'shared', 'data'));
    expect(readdirSync(join(appDir(4), 'releases')).sort()).toEqual(['v2', 'v3', 'v4']);
  }, 150_000);

  test('health fails on host 4 of 5 in the second batch: every switched host returns to v1', async () => {
    config({ strategy: 'rolling', batch: 2, deadline: '3s' });
    expect((await deploy('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const r = await deploy('v2bad4', tgz('v2bad4'));
    expect(r.outcome.exitCode).toBe(1);
    const env = r.outcome.envelope;
    expect(env.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(env.error?.stage).toBe('health');
    expect(env.error?.target).toBe('web4');
    expect(env.fields.failed_target).toBe('web4');
    expect(env.fields.target_statuses).toBe(
      'web1:rolled_back,web2:rolled_back,web3:rolled_back,web4:rolled_back,web5:skipped',
    );
    expect(env.fields.rolled_back_targets).toBe('web1,web2,web3,web4');
    expect(String(env.fields.last_log_lines)).toMatch(/health check failed: status 500|health command exit 1/);
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
    expect(locked()).toEqual([false, false, false, false, false]);
    expect(history(3).at(-1)).toMatchObject({ release: 'v2bad4', status: 'bad', event: 'fleet_rollback' });
    // reconcile follows the fleet rollback: v1 expected (v2bad4 is marked bad), every host ok
    const rec = await runOp(
      'deploy',
      { context: CTX, state_root: stateRoot, vault: vault(), app: 'web', mode: 'reconcile' },
      { cwd: work },
    );
    expect(rec.outcome.envelope.fields.expected_release).toBe('v1');
    expect(rec.outcome.envelope.fields.target_statuses).toBe('web1:ok,web2:ok,web3:ok,web4:ok,web5:ok');
    expect(r.outcome.lines.at(-1)).toBe('deploy status=fail reason=health_check_failed stage=health target=web4');
    noSecrets(r);
  });

  test('a changed host key is refused by name and nothing changes anywhere', async () => {
    config({ strategy: 'parallel' });
    expect((await deploy('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h3 = lab.hosts[2]!;
    const other = lab.hosts[1]!;
    // known_hosts claims web3 has web2's key
    const [type, key] = other.hostKeyPub.split(' ');
    const name = h3.port === 22 ? h3.addr : `[${h3.addr}]:${h3.port}`;
    const lines = lab.knownHosts.trim().split('\n');
    lines[2] = `${hashedName(name)} ${type} ${key}`;
    const r = await runOp(
      'deploy',
      {
        context: CTX,
        state_root: stateRoot,
        vault: vault({ knownHosts: lines.join('\n') }),
        app: 'web',
        artifact: tgz('v2'),
        release_id: 'v2',
        apply: 'true',
      },
      { cwd: work },
    );
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_REMOTE_HOSTKEY_MISMATCH');
    expect(r.outcome.envelope.error?.target).toBe('web3');
    expect(r.outcome.envelope.error?.message).toMatch(/CHANGED/);
    expect(r.outcome.envelope.error?.remediation).toContain('PAAS_SSH_FINGERPRINTS');
    expect(r.outcome.envelope.error?.remediation).not.toContain('returned');
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
    expect(locked()).toEqual([false, false, false, false, false]);
    expect(lab.hosts.every((_, i) => !existsSync(join(appDir(i), 'releases', 'v2')))).toBe(true);
  });

  test('two deploys at once: one gets PAAS_LOCK_HELD; a stale lock is taken over after its TTL', async () => {
    config({ strategy: 'parallel' });
    expect((await deploy('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const [a, b] = await Promise.all([deploy('v2', tgz('v2')), deploy('v3', tgz('v3'))]);
    const codes = [a, b].map((r) => r.outcome.envelope.error?.code ?? 'ok').sort();
    expect(codes).toEqual(['PAAS_LOCK_HELD', 'ok']);
    const winner = a.outcome.exitCode === 0 ? 'v2' : 'v3';
    expect(currents()).toEqual([winner, winner, winner, winner, winner]);
    expect(locked()).toEqual([false, false, false, false, false]);
    // a lock left by a dead run (expired) is taken over
    const lock = join(appDir(1), '.paas', 'lock');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(lock);
    writeFileSync(join(lock, 'token'), 'deadbeef\n');
    writeFileSync(join(lock, 'run'), '999\n');
    writeFileSync(join(lock, 'owner.json'), '{"run":"999","actor":"ghost"}\n');
    writeFileSync(join(lock, 'expires'), `${Math.floor(Date.now() / 1000) + 3600}\n`);
    const held = await deploy('v1b', tgz('v1'));
    expect(held.outcome.envelope.error?.code).toBe('PAAS_LOCK_HELD');
    expect(held.outcome.envelope.error?.message).toContain('actor=ghost');
    expect(existsSync(lock)).toBe(true);
    expect(readFileSync(join(lock, 'token'), 'utf8').trim()).toBe('deadbeef');
    writeFileSync(join(lock, 'expires'), `${Math.floor(Date.now() / 1000) - 5}\n`);
    const taken = await deploy('v1b', tgz('v1'));
    expect(taken.outcome.exitCode).toBe(0);
    expect(currents()).toEqual(['v1b', 'v1b', 'v1b', 'v1b', 'v1b']);
    expect(locked()).toEqual([false, false, false, false, false]);
  });

  test('a run that loses the lock, or meets the release id with other bytes, exits at once (command_timeout 600s, liveness bound 60s)', async () => {
    config({ strategy: 'parallel', extra: '    command_timeout: 600s' });
    expect((await deploy('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const foreign = (i: number) => {
      const lock = join(appDir(i), '.paas', 'lock');
      mkdirSync(lock);
      writeFileSync(join(lock, 'token'), 'deadbeef\n');
      writeFileSync(join(lock, 'run'), '999\n');
      writeFileSync(join(lock, 'owner.json'), '{"run":"999","actor":"ghost"}\n');
      writeFileSync(join(lock, 'expires'), `${Math.floor(Date.now() / 1000) + 3600}\n`);
      return lock;
    };
    const args = (release: string, artifact: string) => [
      'deploy',
      '--context',
      CTX,
      '--state-root',
      stateRoot,
      '--vault',
      vault(),
      '--app',
      'web',
      '--artifact',
      artifact,
      '--release-id',
      release,
      '--apply',
      '--json',
    ];
    // held on the first target (the others are never let in), then on a later one (the others had locked)
    for (const i of [0, 2]) {
      const lock = foreign(i);
      const r = await paasChild(args('v2', tgz('v2')), { cwd: work, boundMs: 60_000 }).exited;
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('PAAS_LOCK_HELD');
      expect(locked()).toEqual(lab.hosts.map((_, j) => j === i));
      rmSync(lock, { recursive: true });
    }
    // the id v1 is current everywhere; these bytes are v2's
    const r = await paasChild(args('v1', tgz('v2')), { cwd: work, boundMs: 60_000 }).exited;
    expect(r.code).toBe(1);
    const sum = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(r.stdout).toContain(
      `release v1 already exists on this target with different content (sha256 ${sum(tgz('v1'))} there, ${sum(tgz('v2'))} in this artifact)`,
    );
    expect(
      history(0)
        .filter((h) => h.release === 'v1')
        .map((h) => h.status),
    ).toEqual(['unpacked', 'good']); // nothing recorded for the refused bytes
    // not current: the same refusal
    expect((await deploy('v3', tgz('v3'))).outcome.exitCode).toBe(0);
    const again = await deploy('v1', tgz('v2'));
    expect(again.outcome.envelope.error?.message).toContain(
      `(sha256 ${sum(tgz('v1'))} there, ${sum(tgz('v2'))} in this artifact)`,
    );
    expect(currents()).toEqual(['v3', 'v3', 'v3', 'v3', 'v3']);
    expect(locked()).toEqual([false, false, false, false, false]);
  }, 200_000);

  const three = () => lab.targets.split('\n').slice(0, 3).join('\n');
  const deploy3 = (release: string, artifact: string, onLog?: (l: string) => void, env: NodeJS.ProcessEnv = {}) =>
    runOp(
      'deploy',
      {
        context: CTX,
        state_root: stateRoot,
        vault: vault({ targets: three() }),
        app: 'web',
        artifact,
        release_id: release,
        apply: 'true',
      },
      { cwd: work, onLog, env },
    );
  const cur3 = () => currents().slice(0, 3);
  const lock3 = () => locked().slice(0, 3);

  test('rollback: plan names the newest good release, apply switches every host and health-checks', async () => {
    config({ strategy: 'parallel' });
    for (const v of ['v1', 'v2', 'v3']) expect((await deploy3(v, tgz(v))).outcome.exitCode).toBe(0);
    const base = { context: CTX, state_root: stateRoot, vault: vault({ targets: three() }), app: 'web' };
    const plan = await runOp('rollback', base, { cwd: work });
    expect(plan.outcome.exitCode).toBe(0);
    expect(plan.outcome.envelope.fields.release_id).toBe('v2');
    expect(cur3()).toEqual(['v3', 'v3', 'v3']);
    const applied = await runOp('rollback', { ...base, apply: 'true' }, { cwd: work });
    expect(applied.outcome.envelope.error).toBeUndefined();
    expect(applied.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back,web2:rolled_back,web3:rolled_back');
    expect(cur3()).toEqual(['v2', 'v2', 'v2']);
    expect(lock3()).toEqual([false, false, false]);
    // v3 is now bad: the next automatic rollback skips it and goes to v1
    const next = await runOp('rollback', base, { cwd: work });
    expect(next.outcome.envelope.fields.release_id).toBe('v1');
    // reconcile follows the rollback: v2 is expected, every host ok (v3 is marked bad)
    const rec = await runOp('deploy', { ...base, mode: 'reconcile' }, { cwd: work });
    expect(rec.outcome.envelope.fields.expected_release).toBe('v2');
    expect(rec.outcome.envelope.fields.target_statuses).toBe('web1:ok,web2:ok,web3:ok');
    // returning to v3 (marked bad) needs a confirming flag
    const toBad = await runOp('rollback', { ...base, to_release: 'v3', apply: 'true' }, { cwd: work });
    expect(toBad.outcome.envelope.error?.code).toBe('PAAS_ROLLBACK_RESOLVE_FAILED');
    expect(toBad.outcome.envelope.error?.message).toBe('release v3 is marked bad on web1, web2, web3');
    expect(toBad.outcome.envelope.error?.remediation).toContain('allow_bad_release');
    const confirmed = await runOp('rollback', { ...base, to_release: 'v3', allow_bad_release: 'true' }, { cwd: work });
    expect(confirmed.outcome.envelope.error).toBeUndefined();
    expect(confirmed.outcome.envelope.fields.release_id).toBe('v3');
    expect(cur3()).toEqual(['v2', 'v2', 'v2']);
    // a release missing on one host is refused before any host is touched
    rmSync(join(appDir(2), 'releases', 'v1'), { recursive: true });
    const missing = await runOp('rollback', { ...base, to_release: 'v1', apply: 'true' }, { cwd: work });
    expect(missing.outcome.envelope.error?.code).toBe('PAAS_ROLLBACK_RESOLVE_FAILED');
    expect(missing.outcome.envelope.error?.message).toContain('web3');
    expect(cur3()).toEqual(['v2', 'v2', 'v2']);
  });

  test('sshd killed during upload: PAAS_REMOTE_UPLOAD_FAILED, nothing switched; a re-run attempt of the same run takes its lock back, another job of the same attempt does not', async () => {
    config({ strategy: 'parallel', extra: '    connect_attempts: 2' });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const big = makeRelease(rels, 'big', {
      extra: (dir) => writeFileSync(join(dir, 'blob.bin'), randomBytes(8 * 1024 * 1024)),
    });
    const h2 = lab.hosts[1]!;
    let killed = false;
    const r = await deploy3(
      'big',
      big,
      (l) => {
        if (!killed && /^web2: upload \d+%/.test(l) && !/100%/.test(l)) {
          killed = true;
          lab.kill(h2);
        }
      },
      { GITHUB_RUN_ID: '4242' },
    );
    expect(killed).toBe(true);
    expect(r.outcome.exitCode).toBe(1);
    expect(['PAAS_REMOTE_UPLOAD_FAILED', 'PAAS_REMOTE_APPLY_FAILED']).toContain(r.outcome.envelope.error?.code);
    expect(r.outcome.envelope.error?.target).toBe('web2');
    expect(r.outcome.envelope.fields.failed_stage).toMatch(/upload|unpack/);
    expect(r.outcome.envelope.error?.remediation).toContain('No target was switched');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    expect(lock3()).toEqual([false, true, false]); // web2 was unreachable: its lock waits for the post step, a re-run or the TTL
    await lab.start(h2);
    // another job of the same run attempt does not take web2's lock
    const sameAttempt = await deploy3('big', big, undefined, { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1' });
    expect(sameAttempt.outcome.envelope.error?.code).toBe('PAAS_LOCK_HELD');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    expect(lock3()).toEqual([false, true, false]);
    const rerun = await deploy3('big', big, undefined, { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' });
    expect(rerun.outcome.envelope.error).toBeUndefined();
    expect(cur3()).toEqual(['big', 'big', 'big']);
    expect(lock3()).toEqual([false, false, false]);
    noSecrets(rerun);
  }, 120_000);

  test('sshd killed during the switch (pre_switch hook running): failure names web2, batch 1 rolled back', async () => {
    // the hook marks that it runs, then waits until sshd is killed (it never ends by itself): the
    // kill is synchronised on the marker, and killTree freezes the session first, so the remote
    // shell never reports the hook's death: the client only sees the link go (as a dead host)
    config({
      strategy: 'serial',
      extra:
        '    connect_attempts: 2\n    hooks: { pre_switch: "if [ \\"$PAAS_TARGET$PAAS_RELEASE\\" = web2v2 ]; then touch ../../../../switching; while :; do sleep 1; done; fi" }',
    });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h2 = lab.hosts[1]!;
    const marker = join(h2.dir, 'switching');
    const watcher = setInterval(() => {
      if (existsSync(marker)) {
        clearInterval(watcher);
        lab.kill(h2);
      }
    }, 50);
    const r = await deploy3('v2', tgz('v2'));
    clearInterval(watcher);
    await lab.start(h2);
    if (r.outcome.envelope.error?.code !== 'PAAS_REMOTE_APPLY_FAILED')
      console.log(JSON.stringify(r.outcome.envelope, null, 1), r.logs.join('\n'));
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_REMOTE_APPLY_FAILED');
    expect(r.outcome.envelope.error?.target).toBe('web2');
    const st = String(r.outcome.envelope.fields.target_statuses);
    expect(st).toMatch(/^web1:rolled_back,web2:rollback_failed,web3:skipped$/);
    expect(r.outcome.envelope.fields.rolled_back_targets).toBe('web1');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
  }, 120_000);

  test('sshd killed during the health check: fleet back on v1 where reachable', async () => {
    config({ strategy: 'rolling', batch: 2, deadline: '4s', extra: '    connect_attempts: 2' });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h3 = lab.hosts[2]!;
    let killed = false;
    // web3 answers 500 on this release, so its gate keeps polling; sshd dies once the app has seen a
    // health request (its marker file), i.e. during the health wait, whatever the machine's load
    const bad3 = makeRelease(rels, 'v2bad3', { failOn: ['web3'] });
    const polled = join(h3.dir, 'healthz-polled-web3');
    rmSync(polled, { force: true });
    const watcher = setInterval(() => {
      if (!killed && existsSync(polled)) {
        killed = true;
        clearInterval(watcher);
        lab.kill(h3);
      }
    }, 50);
    const r = await deploy3('v2', bad3);
    clearInterval(watcher);
    expect(killed).toBe(true);
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.target).toBe('web3');
    // a host lost during the health wait is a connection failure, not an unhealthy release
    expect(r.outcome.envelope.error?.code).toBe('PAAS_REMOTE_CONNECT_FAILED');
    expect(r.outcome.envelope.error?.message).toContain('lost during the health check');
    expect(r.outcome.envelope.error?.stage).toBe('health');
    // the fix says what happened: web1, web2 returned; web3 could not be
    expect(r.outcome.envelope.error?.remediation).toContain(
      'web3 could NOT be returned to its previous release (rollback_failed)',
    );
    expect(r.outcome.summary).toContain('**Fix:**');
    expect(r.outcome.envelope.fields.rolled_back_targets).toBe('web1,web2');
    expect(cur3().slice(0, 2)).toEqual(['v1', 'v1']);
    await lab.start(h3);
  }, 120_000);

  test('connection setup is retried with backoff: a host whose sshd comes up late still gets the release', async () => {
    config({ strategy: 'parallel' });
    const h3 = lab.hosts[2]!;
    lab.kill(h3);
    const later = setTimeout(() => void lab.start(h3), 1200);
    const r = await deploy3('v1', tgz('v1'));
    clearTimeout(later);
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(r.logs.some((l) => /web3: .*retrying connection setup/.test(l))).toBe(true);
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
  }, 60_000);

  if (lab?.mode !== 'loopback') {
    test('link cut for 1.5 s mid-upload: TCP recovers, the deploy succeeds', async () => {
      config({ strategy: 'parallel' });
      const big = makeRelease(rels, 'big2', {
        extra: (dir) => writeFileSync(join(dir, 'blob.bin'), randomBytes(8 * 1024 * 1024)),
      });
      const h1 = lab.hosts[0]!;
      let cut = false;
      const r = await deploy3('big2', big, (l) => {
        if (!cut && lab.mode === 'netns' && /^web1: upload \d+%/.test(l)) {
          cut = true;
          lab.linkDown(h1);
          setTimeout(() => lab.linkUp(h1), 1500);
        }
      });
      expect(r.outcome.envelope.error).toBeUndefined();
      expect(cur3()).toEqual(['big2', 'big2', 'big2']);
    }, 120_000);
  }

  test('metacharacters and traversal in app, release, target and context names: refused, nothing runs', async () => {
    config({ strategy: 'parallel' });
    const base = {
      context: CTX,
      state_root: stateRoot,
      vault: vault({ targets: three() }),
      app: 'web',
      artifact: tgz('v1'),
      release_id: 'v1',
      apply: 'true',
    };
    const cases: Array<Record<string, unknown>> = [
      { app: 'web;touch /tmp/pwned' },
      { app: '../web' },
      { release_id: '../../etc' },
      { release_id: 'v1$(id)' },
      { release_id: "v1'x" },
      { context: '../internal-dogfood' },
      { vault: vault({ targets: 'web1=root@127.0.0.1:22;id' }) },
      { vault: vault({ targets: '../web1=root@127.0.0.1:22' }) },
      { vault: vault({ targets: 'web1=root@127.0.0.1:22/srv/../etc' }) },
      { vault: vault({ targets: 'web1=root@$(id):22' }) },
    ];
    for (const c of cases) {
      const r = await runOp('deploy', { ...base, ...c }, { cwd: work });
      expect(r.outcome.exitCode).toBe(1);
      expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    }
    expect(lab.hosts.every((h) => readdirSync(h.dir).every((e) => e === 'port'))).toBe(true);
  });

  test('archives with ../, absolute paths or an escaping symlink are refused before upload', async () => {
    config({ strategy: 'parallel' });
    const evil = tempDir('paas-evil-');
    const mk = (name: string, args: string[], cwd: string) => {
      execFileSync('tar', ['-czf', join(evil, name), ...args], { cwd });
      return join(evil, name);
    };
    mkdirSync(join(evil, 'a', 'b'), { recursive: true });
    writeFileSync(join(evil, 'a', 'f'), 'x');
    symlinkSync('/etc', join(evil, 'a', 'b', 'etc'));
    const archives = [
      mk('dotdot.tar.gz', ['-P', '../f'], join(evil, 'a', 'b')),
      mk('abs.tar.gz', ['-P', join(evil, 'a', 'f')], evil),
      mk('link.tar.gz', ['b/etc'], join(evil, 'a')),
    ];
    for (const a of archives) {
      const r = await deploy3('evil', a);
      expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(r.outcome.envelope.error?.stage).toBe('artifact');
    }
    expect(lab.hosts.every((h) => readdirSync(h.dir).every((e) => e === 'port'))).toBe(true);
    rmrf(evil);
  });

  test("the committed trigger policy (paas.yml contexts.<name>.trigger) governs deploy and rollback, merged with the context's own", async () => {
    const yml = (contexts: string) => {
      config({ strategy: 'parallel' });
      writeFileSync(join(work, 'paas.yml'), readFileSync(join(work, 'paas.yml'), 'utf8') + contexts);
    };
    yml('contexts:\n  internal-dogfood:\n    trigger: { events: [workflow_dispatch], branches: [main] }\n');
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    // the context's own policy (made by `paas context create`) allows any branch; paas.yml allows main only
    const feature = { GITHUB_REF: 'refs/heads/feature-x', GITHUB_REF_NAME: 'feature-x' };
    const d = await deploy3('v2', tgz('v2'), undefined, feature);
    expect(d.outcome.envelope.error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'policy' });
    expect(d.outcome.envelope.error?.message).toContain(
      'paas.yml contexts.internal-dogfood.trigger): branch feature-x may not deploy',
    );
    expect(d.outcome.envelope.error?.remediation).toContain('edit paas.yml contexts.internal-dogfood.trigger');
    const rb = await runOp(
      'rollback',
      {
        context: CTX,
        state_root: stateRoot,
        vault: vault({ targets: three() }),
        app: 'web',
        to_release: 'v1',
        apply: 'true',
      },
      { cwd: work, env: feature },
    );
    expect(rb.outcome.envelope.error?.stage).toBe('policy');
    expect(lab.hosts.slice(0, 3).every((_, i) => !existsSync(join(appDir(i), 'releases', 'v2')))).toBe(true);
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    // push: paas.yml allows it for oss-demo; on a fresh runner the context is laid out with that policy
    yml(
      'contexts:\n  oss-demo:\n    trigger: { events: [push, workflow_dispatch] }\n  internal-dogfood:\n    trigger: { events: [workflow_dispatch], branches: [main] }\n',
    );
    const fresh = tempDir('paas-runner-state-');
    const stateFile = join(fresh, 'state.txt');
    writeFileSync(stateFile, '');
    const before = process.env.GITHUB_STATE;
    process.env.GITHUB_STATE = stateFile;
    try {
      const push = { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/feature-y', GITHUB_REF_NAME: 'feature-y' };
      const ok = await runOp(
        'deploy',
        {
          context: 'oss-demo',
          state_root: join(fresh, 'root'),
          vault: vault({ targets: three() }),
          app: 'web',
          artifact: tgz('v2'),
          release_id: 'v2',
          apply: 'true',
        },
        { cwd: work, env: push, inAction: true },
      );
      expect(ok.outcome.envelope.error).toBeUndefined();
      expect(lab.hosts.slice(0, 3).map((h) => readlinkSync(join(h.dir, 'oss-demo', 'web', 'current')))).toEqual([
        'releases/v2',
        'releases/v2',
        'releases/v2',
      ]);
      const cfg = JSON.parse(readFileSync(join(fresh, 'root', 'contexts', 'oss-demo', 'config.json'), 'utf8')) as {
        webhook_policy: { events: string[]; branches: string[] };
      };
      expect(cfg.webhook_policy).toMatchObject({ events: ['push', 'workflow_dispatch'], branches: [] });
      // internal-dogfood still refuses push (paas.yml allows workflow_dispatch only)
      const refused = await runOp(
        'deploy',
        {
          context: CTX,
          state_root: join(fresh, 'root'),
          vault: vault({ targets: three() }),
          app: 'web',
          artifact: tgz('v2'),
          release_id: 'v2',
          apply: 'true',
        },
        { cwd: work, env: push, inAction: true },
      );
      expect(refused.outcome.envelope.error?.message).toContain('event push may not deploy');
    } finally {
      if (before === undefined) delete process.env.GITHUB_STATE;
      else process.env.GITHUB_STATE = before;
      for (const h of lab.hosts) stopApps(join(h.dir, 'oss-demo'));
      rmrf(fresh);
    }
  }, 120_000);

  test('releases unpacked by failed runs are pruned; current and the last good release never are', async () => {
    config({
      strategy: 'parallel',
      keep: 2,
      extra: '    hooks: { pre_switch: "case $PAAS_RELEASE in f*) exit 1;; esac" }',
    });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    for (const f of ['f1', 'f2', 'f3']) {
      const r = await deploy3(f, tgz('v2'));
      expect(r.outcome.envelope.error?.stage).toBe('pre_switch');
    }
    // an interrupted run's half-unpacked temp dir
    mkdirSync(join(appDir(0), 'releases', '.tmp-x9'));
    expect(readdirSync(join(appDir(0), 'releases')).sort()).toEqual(['.tmp-x9', 'f1', 'f2', 'f3', 'v1']);
    expect((await deploy3('v2', tgz('v2'))).outcome.exitCode).toBe(0);
    for (let i = 0; i < 3; i++) expect(readdirSync(join(appDir(i), 'releases')).sort()).toEqual(['v1', 'v2']);
    expect(
      history(0)
        .filter((h) => h.release === 'f1')
        .map((h) => h.status),
    ).toEqual(['unpacked']);
    expect((await deploy3('v3', tgz('v3'))).outcome.exitCode).toBe(0);
    expect(readdirSync(join(appDir(1), 'releases')).sort()).toEqual(['v2', 'v3']);
  }, 120_000);

  test("fleet rollback checks the old release with the health settings recorded for it, not the new release's", async () => {
    const yml = (cmd: string) =>
      writeFileSync(
        join(work, 'paas.yml'),
        appYml({ http: false, strategy: 'parallel', deadline: '3s' }).replace(
          'command: ./bin/health,',
          `command: ${cmd},`,
        ),
      );
    yml('./bin/health');
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    // v2 ships bin/health2 (v1 has no such file) and is broken on web2
    const v2 = makeRelease(rels, 'v2h2', {
      failOn: ['web2'],
      extra: (dir) => execFileSync('cp', [join(dir, 'bin', 'health'), join(dir, 'bin', 'health2')]),
    });
    yml('./bin/health2');
    const r = await deploy3('v2h2', v2);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(r.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back,web2:rolled_back,web3:rolled_back');
    expect(r.outcome.lines[0]).toBe('deploy_rollback status=ok rolled_back=web1,web2,web3');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    // an explicit rollback to v1 later is checked the same way
    const v3 = makeRelease(rels, 'v3h2', {
      extra: (dir) => execFileSync('cp', [join(dir, 'bin', 'health'), join(dir, 'bin', 'health2')]),
    });
    expect((await deploy3('v3h2', v3)).outcome.exitCode).toBe(0);
    const rb = await runOp(
      'rollback',
      {
        context: CTX,
        state_root: stateRoot,
        vault: vault({ targets: three() }),
        app: 'web',
        to_release: 'v1',
        apply: 'true',
      },
      { cwd: work },
    );
    expect(rb.outcome.envelope.error).toBeUndefined();
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
  }, 120_000);

  test('cancel (SIGINT to paas) after batch 1: no further batch, every switched host back on v1 and restarted, status line and result, locks released', async () => {
    const hook =
      'if [ \\"$PAAS_TARGET$PAAS_RELEASE\\" = web2v2 ]; then touch ../../../../at-web2; while [ ! -f ../../../../go ]; do sleep 0.1; done; fi';
    config({ strategy: 'serial', extra: `    hooks: { pre_switch: "${hook}" }` });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h2 = lab.hosts[1]!;
    const child = paasChild(
      [
        'deploy',
        '--context',
        CTX,
        '--state-root',
        stateRoot,
        '--vault',
        vault({ targets: three() }),
        '--app',
        'web',
        '--artifact',
        tgz('v2'),
        '--release-id',
        'v2',
        '--apply',
        '--json',
      ],
      { cwd: work, boundMs: 90_000 },
    );
    let signalled = false;
    child.onLine((l) => {
      if (/SIGINT received/.test(l)) writeFileSync(join(h2.dir, 'go'), '');
    });
    const watcher = setInterval(() => {
      if (!signalled && existsSync(join(h2.dir, 'at-web2'))) {
        signalled = true;
        clearInterval(watcher);
        process.kill(child.pid, 'SIGINT');
      }
    }, 50);
    const r = await child.exited.finally(() => clearInterval(watcher));
    expect(signalled).toBe(true);
    expect(r.code).toBe(1);
    const env = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      error: { code: string };
      fields: Record<string, unknown>;
    };
    expect(env.error.code).toBe('PAAS_INTERRUPTED');
    expect(r.stderr).toContain(
      'error PAAS_INTERRUPTED: deploy interrupted by SIGINT; returned web1,web2 to the release each ran before; released the deploy lock on 3 target(s)',
    );
    expect(env.fields.target_statuses).toBe('web1:rolled_back,web2:rolled_back,web3:skipped');
    expect(env.fields.rolled_back_targets).toBe('web1,web2');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    expect(lock3()).toEqual([false, false, false]);
    // current points at v1 and v1's start command ran after the switch back
    for (const i of [0, 1]) expect(readFileSync(join(appDir(i), '.paas', 'start.log'), 'utf8')).toContain('started v1');
  }, 120_000);

  test('the runner cancels the action (SIGINT) mid-deploy: switched hosts returned, status line and outputs written, post step releases the locks', async () => {
    const hook =
      'if [ \\"$PAAS_TARGET$PAAS_RELEASE\\" = web2v2 ]; then touch ../../../../at-web2; while [ ! -f ../../../../go ]; do sleep 0.1; done; fi';
    config({ strategy: 'serial', extra: `    hooks: { pre_switch: "${hook}" }` });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h2 = lab.hosts[1]!;
    rmSync(join(h2.dir, 'go'), { force: true });
    rmSync(join(h2.dir, 'at-web2'), { force: true });
    const files = tempDir('paas-action-files-');
    const inputs = {
      context: CTX,
      state_root: stateRoot,
      vault: vault({ targets: three() }),
      app: 'web',
      artifact: tgz('v2'),
      release_id: 'v2',
      apply: 'true',
      config: 'paas.yml',
    };
    const child = actionChild('deploy', inputs, { cwd: work, files, boundMs: 90_000 });
    let signalled = false;
    child.onLine(() => {});
    const watcher = setInterval(() => {
      if (!signalled && existsSync(join(h2.dir, 'at-web2'))) {
        signalled = true;
        clearInterval(watcher);
        process.kill(child.pid, 'SIGINT');
        writeFileSync(join(h2.dir, 'go'), '');
      }
    }, 50);
    const r = await child.exited.finally(() => clearInterval(watcher));
    expect(signalled).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^deploy status=fail reason=interrupted stage=interrupted$/m);
    const out = readFileSync(join(files, 'output'), 'utf8');
    expect(out).toContain('web1:rolled_back,web2:rolled_back,web3:skipped');
    expect(out).toContain('PAAS_INTERRUPTED');
    expect(out).toContain('deploy cancelled by SIGINT; returned web1,web2 to the release each ran before');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    for (const i of [0, 1]) expect(readFileSync(join(appDir(i), '.paas', 'start.log'), 'utf8')).toContain('started v1');
    // the post step, with the state the main step saved, releases the locks
    expect(lock3()).toEqual([true, true, true]);
    const state = parseFileCommands(readFileSync(join(files, 'state'), 'utf8'));
    const post = await actionChild('post', inputs, {
      cwd: work,
      files,
      boundMs: 60_000,
      env: Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
    }).exited;
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/released 3 of 3 lock/);
    expect(lock3()).toEqual([false, false, false]);
    rmrf(files);
  }, 120_000);

  test('an unexpected error while the receive scripts wait (issue 18): every one gets abort, releases its lock and ends', async () => {
    const specs = parseTargets(three());
    const v = new Vault(
      CTX,
      new Map([
        ['PAAS_SSH_KEY', lab.clientKey],
        ['PAAS_KNOWN_HOSTS', lab.knownHosts],
      ]),
      [],
    );
    const transports = buildTransports(specs, v, { concurrency: 4, attempts: 2, log: () => {} });
    const id = { context: CTX, app: 'web', run: '18', attempt: '1', actor: 'x', sha: '', token: 'tok18ssh' };
    const nodes = specs.map(
      (sp) => new TargetNode(sp, transports.get(sp.id)!, '/srv/paas', id, new Redactor(), () => {}),
    );
    const art = await prepareArtifact(tgz('v1'));
    const cfg = paasYmlSchemas().app.parse({
      deploy_root: '/srv/paas',
      keep_releases: 3,
      shared: [],
      strategy: 'parallel',
      batch: 1,
      max_parallel: 4,
      canary: 1,
      command_timeout: '10m',
    });
    const boom = new Error('unexpected: the runner state file cannot be written');
    let calls = 0;
    const o = {
      cfg,
      release: 'v1',
      artifact: art,
      rollbackOnFailure: true,
      redactor: new Redactor(),
      log: () => {},
      now: () => new Date(),
      onLocksChanged: (held: TargetNode[]) => {
        calls++;
        if (held.length && calls === 1) throw boom;
      },
    };
    try {
      // settles (the test's timeout is the liveness bound, far below command_timeout) with every script ended
      await expect(lockAndInstallAll(nodes, o, '{"run":"18"}')).rejects.toBe(boom);
      expect(lock3()).toEqual([false, false, false]);
      expect(nodes.map((n) => n.lockHeld)).toEqual([false, false, false]);
      expect(lab.hosts.slice(0, 3).every((_, i) => !existsSync(join(appDir(i), 'releases', 'v1')))).toBe(true);
    } finally {
      await Promise.all(nodes.map((n) => n.t.close()));
      await art.cleanup();
    }
  }, 60_000);

  test('the main step killed (SIGKILL) after batch 1: the post step returns the switched host to v1, restarts it and releases every lock', async () => {
    const hook =
      'if [ \\"$PAAS_TARGET$PAAS_RELEASE\\" = web2v2 ]; then touch ../../../../at-web2; while [ ! -f ../../../../go ]; do sleep 0.1; done; fi';
    config({ strategy: 'serial', extra: `    hooks: { pre_switch: "${hook}" }` });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const h2 = lab.hosts[1]!;
    for (const f of ['go', 'at-web2']) rmSync(join(h2.dir, f), { force: true });
    const files = tempDir('paas-action-files-');
    const inputs = {
      context: CTX,
      state_root: stateRoot,
      vault: vault({ targets: three() }),
      app: 'web',
      artifact: tgz('v2'),
      release_id: 'v2',
      apply: 'true',
      config: 'paas.yml',
    };
    const child = actionChild('deploy', inputs, { cwd: work, files, boundMs: 90_000 });
    let killed = false;
    const watcher = setInterval(() => {
      if (!killed && existsSync(join(h2.dir, 'at-web2'))) {
        killed = true;
        clearInterval(watcher);
        process.kill(-child.pid, 'SIGKILL');
      }
    }, 50);
    const r = await child.exited.finally(() => clearInterval(watcher));
    expect(killed).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(cur3()).toEqual(['v2', 'v1', 'v1']); // web1 switched in batch 1; the kill left it there
    const state = parseFileCommands(readFileSync(join(files, 'state'), 'utf8'));
    const post = await actionChild('post', inputs, {
      cwd: work,
      files,
      boundMs: 60_000,
      env: Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
    }).exited;
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('web1: returned to v1 (the cancelled run had switched it to v2), healthy');
    expect(post.stdout).toMatch(/released 3 of 3 lock/);
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    expect(lock3()).toEqual([false, false, false]);
    expect(readFileSync(join(appDir(0), '.paas', 'start.log'), 'utf8')).toContain('started v1');
    expect(history(0).at(-1)).toMatchObject({ release: 'v2', status: 'bad' });
    // a hook still waiting on web2 ends without switching: the lock is no longer its run's
    writeFileSync(join(h2.dir, 'go'), '');
    rmrf(files);
  }, 120_000);

  test('a symlink chain (a -> ., a/b -> .., public -> a/b/../shared/public) is refused before upload; shared data survives on every host', async () => {
    config({ strategy: 'parallel', shared: ['storage', 'public/uploads'] });
    expect((await deploy3('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    for (let i = 0; i < 3; i++) writeFileSync(join(appDir(i), 'shared', 'public', 'uploads', 'photo.jpg'), 'precious');
    const evil = tempDir('paas-evil-');
    const mk = (d: string) => {
      mkdirSync(join(evil, d), { recursive: true });
      return join(evil, d);
    };
    symlinkSync('.', join(mk('s1'), 'a'));
    symlinkSync('..', join(mk('s2/a'), 'b'));
    symlinkSync('a/b/../shared/public', join(mk('s3'), 'public'));
    const rel = join(evil, 'rel');
    execFileSync('cp', ['-a', join(rels, 'rel-v2'), rel]);
    const tarball = join(evil, 'chain.tar');
    execFileSync('tar', ['-cf', tarball, '-C', rel, '.']);
    execFileSync('tar', ['-rf', tarball, '-C', join(evil, 's1'), 'a']);
    execFileSync('tar', ['-rf', tarball, '-C', join(evil, 's2'), 'a/b']);
    execFileSync('tar', ['-rf', tarball, '-C', join(evil, 's3'), 'public']);
    execFileSync('gzip', [tarball]);
    const r = await deploy3('chain', `${tarball}.gz`);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.outcome.envelope.error?.stage).toBe('artifact');
    expect(r.outcome.envelope.error?.message).toMatch(/symlink/);
    for (let i = 0; i < 3; i++)
      expect(readFileSync(join(appDir(i), 'shared', 'public', 'uploads', 'photo.jpg'), 'utf8')).toBe('precious');
    expect(cur3()).toEqual(['v1', 'v1', 'v1']);
    expect(lab.hosts.slice(0, 3).every((_, i) => !existsSync(join(appDir(i), 'releases', 'chain')))).toBe(true);
    rmrf(evil);
  });

  test('bluegreen on 5 hosts: every idle slot is checked before any switch; one bad host: nobody switches; broken once live: all back to the old slot', async () => {
    if (lab.mode !== 'netns') return; // the slots' ports are the same on every host: one namespace per host
    config({ strategy: 'bluegreen', extra: '    slots: { blue: { port: 18091 }, green: { port: 18092 } }' });
    makeRelease(rels, 'v4live', { failLive: true });
    const five = (v: string) => lab.hosts.map(() => v);
    const lives = () => lab.hosts.map((_, i) => readFileSync(join(appDir(i), '.paas', 'live'), 'utf8').trim());
    expect((await deploy('v1', tgz('v1'))).outcome.exitCode).toBe(0);
    const v2 = await deploy('v2', tgz('v2'));
    expect(v2.outcome.envelope.error).toBeUndefined();
    expect([currents(), lives()]).toEqual([five('v2'), five('green')]);
    // web4 is unhealthy in its idle slot: no host switches, live traffic never moved
    const bad = await deploy('v3', tgz('v2bad4'));
    expect(bad.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(bad.outcome.envelope.error?.target).toBe('web4');
    expect(bad.outcome.envelope.fields.rolled_back_targets).toBe('');
    expect([currents(), lives()]).toEqual([five('v2'), five('green')]);
    // healthy while idle, broken once live: every host switched, then every host is back on green (v2)
    const v4 = await deploy('v4', tgz('v4live'));
    expect(v4.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(v4.outcome.envelope.fields.rolled_back_targets).toBe('web1,web2,web3,web4,web5');
    expect([currents(), lives(), locked()]).toEqual([five('v2'), five('green'), lab.hosts.map(() => false)]);
    noSecrets(v4);
  }, 120_000);

  test('no secret value in the events or state.db written by all of the runs above', () => {
    const files = listTree(stateRoot)
      .filter((e) => !e.dir)
      .map((e) => join(stateRoot, e.path));
    expect(files.some((f) => f.endsWith('.jsonl'))).toBe(true);
    const keyLines = lab.clientKey.trim().split('\n').slice(1, -1);
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const line of keyLines) expect(text).not.toContain(line);
      expect(text).not.toContain(lab.targets.split('\n')[0]);
    }
  });
});
