/**
 * deploy/rollback with the local transport (self-hosted runners deploying to themselves, the demo),
 * the CI/CD-only rule and trigger policy, lock semantics, and the action killed with SIGKILL
 * mid-deploy: its `post:` step releases the lock and a re-run recovers.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';
import { createSandbox, runAction } from './harness/runner.js';
import { LocalTransport } from '../lib/transport/local.js';
import { appDir as buildAppDir, prepareScript, unlockScript } from '../lib/transport/commands.js';
import { parseState } from '../lib/transport/release-state.js';
import { signDispatch } from '../lib/ops/deploy/policy.js';
import { lockAndInstallAll, Staged, TargetNode } from '../lib/ops/deploy/fleet.js';
import { paasYmlSchemas } from '../lib/config/paas-yml.js';
import { prepareArtifact } from '../lib/ops/deploy/artifact.js';
import { Redactor } from '../lib/redaction/redactor.js';

let base: string;
let rels: string;
let port: number;

beforeAll(async () => {
  base = tempDir('paas-local-');
  rels = join(base, 'rels');
  mkdirSync(rels);
  port = await freePort();
  for (const v of ['v1', 'v2', 'v3']) makeRelease(rels, v);
  makeRelease(rels, 'v4broken', { failOn: ['*'] });
});
afterAll(() => {
  stopApps(base);
  rmrf(base);
});

function target(name: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'port'), `${port}\n`);
  return dir;
}
const tgz = (v: string) => join(rels, `${v}.tar.gz`);

describe('local transport: the demo path', () => {
  test('v1, v2, broken v3 rolls back by itself; rollback plan names v1; history on the target', async () => {
    const dir = target('demo-target');
    const work = join(base, 'work-demo');
    mkdirSync(work);
    writeFileSync(join(work, 'paas.yml'), appYml({ http: true, port, strategy: 'serial', deadline: '3s' }));
    const stateRoot = join(base, 'state-demo');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const secret = `demo-token-${Date.now()}-not-real`;
    const vault = `PAAS_TARGETS=web1=local:${dir}\nDEMO_TOKEN=${secret}\n`;
    const common = { context: 'oss-demo', state_root: stateRoot, vault, app: 'web' };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    const plan = await runOp(
      'deploy',
      { ...common, artifact: tgz('v1'), release_id: 'v1' },
      { cwd: work, inCI: false, env },
    );
    expect(plan.outcome.lines.at(-1)).toBe(
      'deploy status=planned mode=plan release_id=v1 targets=1 strategy=serial batches=1',
    );
    expect(plan.outcome.text).toContain('rollback candidate (none: first deploy)');
    for (const v of ['v1', 'v2']) {
      const r = await runOp(
        'deploy',
        { ...common, artifact: tgz(v), release_id: v, apply: 'true' },
        { cwd: work, inCI: false, env },
      );
      expect(r.outcome.envelope.error).toBeUndefined();
    }
    const broken = await runOp(
      'deploy',
      { ...common, artifact: tgz('v4broken'), release_id: 'v3', apply: 'true' },
      { cwd: work, inCI: false, env },
    );
    expect(broken.outcome.exitCode).toBe(1);
    expect(broken.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(broken.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back');
    expect(broken.outcome.lines[0]).toBe('deploy_rollback status=ok rolled_back=web1');
    const a = join(dir, 'oss-demo', 'web');
    expect(readlinkSync(join(a, 'current'))).toBe('releases/v2');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('v2');
    const rb = await runOp('rollback', common, { cwd: work, inCI: false, env });
    expect(rb.outcome.envelope.fields.release_id).toBe('v1');
    expect(rb.outcome.text).toContain('web1: v2 -> v1');
    const hist = readFileSync(join(a, '.paas', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { release: string; status: string });
    expect(hist.filter((h) => h.status !== 'unpacked').map((h) => `${h.release}:${h.status}`)).toEqual([
      'v1:good',
      'v2:good',
      'v3:bad',
    ]);
    for (const r of [plan, broken, rb]) expect(r.visible).not.toContain(secret);
    // reconcile: ok, then drifted when current moves by hand; target check: tools, disk, runtime
    const rec = await runOp('deploy', { ...common, mode: 'reconcile' }, { cwd: work, inCI: false, env });
    expect(rec.outcome.envelope.fields.target_statuses).toBe('web1:ok');
    const { symlinkSync, renameSync } = await import('node:fs');
    symlinkSync('releases/v1', join(a, 'current.tmp'));
    renameSync(join(a, 'current.tmp'), join(a, 'current'));
    const drift = await runOp('deploy', { ...common, mode: 'reconcile' }, { cwd: work, inCI: false, env });
    expect(drift.outcome.exitCode).toBe(0);
    expect(drift.outcome.envelope.fields.target_statuses).toBe('web1:drifted');
    expect(drift.outcome.text).toContain('current v1, expected v2');
    const check = await runOp('deploy', { ...common, mode: 'target_check' }, { cwd: work, inCI: false, env });
    expect(check.outcome.envelope.fields.target_statuses).toBe('web1:ok');
    expect(check.outcome.text).toMatch(/web1: ok ssh=ok host_key=local disk=\d+% tools=ok runtime=healthy/);
    // events were recorded in the context, redacted
    const events = await cli(['events', 'list', '--context', 'oss-demo', '--state-root', stateRoot, '--json']);
    expect(events.stdout).toContain('deploy.failed');
    expect(events.stdout).not.toContain(secret);
  });
});

describe('CI/CD-only and trigger policy', () => {
  test('a non-demo context is not changed from a workstation; the plan still works', async () => {
    const dir = target('policy-target');
    const work = join(base, 'work-policy');
    mkdirSync(work);
    writeFileSync(join(work, 'paas.yml'), appYml({ http: true, port }));
    const stateRoot = join(base, 'state-policy');
    expect(
      (
        await cli([
          'context',
          'create',
          'internal-dogfood',
          '--state-root',
          stateRoot,
          '--events',
          'workflow_dispatch,repository_dispatch',
          '--branches',
          'main',
        ])
      ).code,
    ).toBe(0);
    const secret = 'whsec-' + 'x'.repeat(24);
    const common = {
      context: 'internal-dogfood',
      state_root: stateRoot,
      vault: `PAAS_TARGETS=web1=local:${dir}\nPAAS_WEBHOOK_SECRET=${secret}\n`,
      artifact: tgz('v1'),
      release_id: 'v1',
    };
    const refused = await runOp('deploy', { ...common, apply: 'true' }, { cwd: work, inCI: false });
    expect(refused.outcome.envelope.error?.code).toBe('PAAS_CI_ONLY');
    expect(refused.outcome.envelope.error?.stage).toBe('policy');
    expect(refused.outcome.envelope.error?.message).toContain('outside CI');
    expect(refused.outcome.envelope.error?.remediation).toContain('.github/workflows/deploy.yml');
    expect(existsSync(join(dir, 'internal-dogfood'))).toBe(false);
    expect((await runOp('deploy', common, { cwd: work, inCI: false })).outcome.exitCode).toBe(0);

    const push = await runOp('deploy', { ...common, apply: 'true' }, { cwd: work, env: { GITHUB_EVENT_NAME: 'push' } });
    expect(push.outcome.envelope.error?.message).toMatch(/event push may not deploy/);
    const branch = await runOp(
      'deploy',
      { ...common, apply: 'true' },
      { cwd: work, env: { GITHUB_REF_NAME: 'feature/x', GITHUB_REF: 'refs/heads/feature/x' } },
    );
    expect(branch.outcome.envelope.error?.message).toMatch(/branch feature\/x may not deploy/);

    const event = join(base, 'event.json');
    const client_payload: Record<string, unknown> = { release_id: 'v1', timestamp: new Date().toISOString() };
    writeFileSync(
      event,
      JSON.stringify({
        action: 'deploy',
        client_payload: { ...client_payload, signature: 'sha256=' + '0'.repeat(64) },
      }),
    );
    const forged = await runOp(
      'deploy',
      { ...common, apply: 'true' },
      { cwd: work, env: { GITHUB_EVENT_NAME: 'repository_dispatch', GITHUB_EVENT_PATH: event } },
    );
    expect(forged.outcome.envelope.error?.message).toMatch(/signature does not match/);
    expect(existsSync(join(dir, 'internal-dogfood'))).toBe(false);
    client_payload.signature = signDispatch(secret, 'deploy', client_payload);
    writeFileSync(event, JSON.stringify({ action: 'deploy', client_payload }));
    const signed = await runOp(
      'deploy',
      { ...common, apply: 'true' },
      { cwd: work, env: { GITHUB_EVENT_NAME: 'repository_dispatch', GITHUB_EVENT_PATH: event } },
    );
    expect(signed.outcome.envelope.error).toBeUndefined();
    expect(readlinkSync(join(dir, 'internal-dogfood', 'web', 'current'))).toBe('releases/v1');
    for (const r of [refused, push, forged, signed]) expect(r.visible).not.toContain(secret);
  });
});

describe('bluegreen (local transport, two slots)', () => {
  test('idle slot started and checked before the switch; broken before the switch: nothing moves; broken after it: back to the slot still running; rollback flips', async () => {
    const dir = target('bluegreen-target');
    const work = join(base, 'work-bluegreen');
    mkdirSync(work);
    const [blue, green] = [await freePort(), await freePort()];
    const stateRoot = join(base, 'state-bluegreen');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const common = {
      context: 'oss-demo',
      state_root: stateRoot,
      vault: `PAAS_TARGETS=web1=local:${dir}\n`,
      app: 'web',
    };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    const slots = `    slots: { blue: { port: ${blue} }, green: { port: ${green} }, switch: 'echo "$PAAS_SLOT $PAAS_PORT $PAAS_RELEASE" >>"$PAAS_APP_DIR/switch.log"' }`;
    writeFileSync(
      join(work, 'paas.yml'),
      appYml({ http: true, port: blue, strategy: 'bluegreen', deadline: '3s', extra: slots }),
    );
    makeRelease(rels, 'v3live', { failLive: true });
    const a = join(dir, 'oss-demo', 'web');
    const live = () => readFileSync(join(a, '.paas', 'live'), 'utf8').trim();
    const current = () => readlinkSync(join(a, 'current'));
    const body = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).text();
    const deploy = (v: string, rel = v) =>
      runOp('deploy', { ...common, artifact: tgz(rel), release_id: v, apply: 'true' }, { cwd: work, inCI: false, env });

    const plan = await runOp(
      'deploy',
      { ...common, artifact: tgz('v1'), release_id: 'v1' },
      { cwd: work, inCI: false, env },
    );
    expect(plan.outcome.text).toContain('web1: current (none) -> v1 in slot blue');
    expect((await deploy('v1')).outcome.exitCode).toBe(0);
    expect([live(), current(), await body(blue)]).toEqual(['blue', 'releases/v1', 'v1']);

    const v2 = await deploy('v2');
    expect(v2.outcome.envelope.error).toBeUndefined();
    expect(v2.logs.some((l) => l.includes('web1: healthy on v2 (slot green, idle)'))).toBe(true);
    expect([live(), current(), await body(green), await body(blue)]).toEqual(['green', 'releases/v2', 'v2', 'v1']); // the old slot keeps running

    // broken in the idle slot: refused before the switch, live traffic never moved
    const broken = await deploy('v4', 'v4broken');
    expect(broken.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(broken.outcome.envelope.error?.message).toContain('(slot blue, idle)');
    expect(broken.outcome.envelope.fields.rolled_back_targets).toBe('');
    expect([live(), current(), await body(green)]).toEqual(['green', 'releases/v2', 'v2']);

    // healthy while idle, broken once live: back to green, which still runs v2 (no restart)
    const v3 = await deploy('v3', 'v3live');
    expect(v3.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(v3.outcome.envelope.error?.message).toContain('(slot blue, re-check after the switch)');
    expect(v3.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back');
    expect([live(), current(), await body(green)]).toEqual(['green', 'releases/v2', 'v2']);
    expect(readFileSync(join(a, 'switch.log'), 'utf8').trim().split('\n')).toEqual([
      `blue ${blue} v1`,
      `green ${green} v2`,
      `blue ${blue} v3`,
      `green ${green} v2`,
    ]);
    const hist = readFileSync(join(a, '.paas', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { release: string; status: string });
    expect(hist.filter((h) => h.status !== 'unpacked').map((h) => `${h.release}:${h.status}`)).toEqual([
      'v1:good',
      'v2:good',
      'v3:bad',
    ]);

    // rollback: v1 (newest good before v2) started in the idle slot, checked, switched
    const rb = await runOp('rollback', { ...common, apply: 'true' }, { cwd: work, inCI: false, env });
    expect(rb.outcome.envelope.error).toBeUndefined();
    expect([live(), current(), await body(blue)]).toEqual(['blue', 'releases/v1', 'v1']);
  }, 60_000);
});

describe('lock semantics (local transport, the real scripts)', () => {
  test('acquire, held by another token, re-entered by the same run, taken over by a later attempt of it, stale takeover, never release others', async () => {
    const t = new LocalTransport(target('lock-target'));
    const a = buildAppDir(t.rootOverride, 'oss-demo', 'web');
    const spec = (token: string, run: string, attempt: string) => ({
      token,
      run,
      attempt,
      ownerJson: JSON.stringify({ run, actor: 'x' }),
      ttlSeconds: 60,
    });
    const lock = async (token: string, run: string, attempt = '1') =>
      parseState((await t.exec(prepareScript(a, spec(token, run, attempt)))).stdout);
    expect((await lock('t1', '1')).lock).toBe('acquired');
    const held = await lock('t2', '2');
    expect(held.lock).toBe('held');
    expect(held.lockOwner).toEqual({ run: '1', actor: 'x' });
    expect((await lock('t1', '1')).lock).toBe('reentered');
    // another job of the same run attempt (a matrix, a second job deploying the same app): held
    expect((await lock('t5', '1')).lock).toBe('held');
    expect((await lock('t3', '1', '2')).lock).toBe('taken_over'); // a re-run attempt of run 1
    expect((await lock('t6', '1', '2')).lock).toBe('held');
    // a lock written before attempts were recorded: a job of the same run takes it over, as before
    rmSync(join(a, '.paas', 'lock', 'attempt'));
    expect((await lock('t7', '1', '2')).lock).toBe('taken_over');
    expect((await t.exec(unlockScript(a, 't1'))).stdout.trim()).toBe('unlock=not_owner');
    writeFileSync(join(a, '.paas', 'lock', 'expires'), `${Math.floor(Date.now() / 1000) - 1}\n`);
    expect((await lock('t4', '4')).lock).toBe('taken_over');
    expect((await t.exec(unlockScript(a, 't4'))).stdout.trim()).toBe('unlock=released');
    expect(existsSync(join(a, '.paas', 'lock'))).toBe(false);
    expect((await t.exec(unlockScript(a, 't4'))).stdout.trim()).toBe('unlock=absent');
  });
});

describe('staged remote steps (gated scripts)', () => {
  test('nothing runs until fired; cancel or a closed stdin ends it with nothing done; the deadline counts from fire', async () => {
    const dir = target('staged-target');
    const t = new LocalTransport(dir);
    const id = { context: 'oss-demo', app: 'web', run: '1', attempt: '1', actor: 'x', sha: '', token: 'tok' };
    const n = new TargetNode({ kind: 'local', id: 'web1', dir }, t, '/srv/paas', id, new Redactor(), () => {});
    const mark = (name: string) => `touch ${join(dir, name)}; echo ran-${name}`;
    const fired = new Staged(n, mark('fired'), 'test', 5000);
    const cancelled = new Staged(n, mark('cancelled'), 'test', 5000);
    await new Promise((r) => setTimeout(r, 300)); // both are up and waiting
    expect(existsSync(join(dir, 'fired'))).toBe(false);
    cancelled.cancel();
    const r = await fired.fire();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ran-fired\n');
    expect(existsSync(join(dir, 'fired'))).toBe(true);
    await new Promise((res) => setTimeout(res, 200));
    expect(existsSync(join(dir, 'cancelled'))).toBe(false);
    const slow = new Staged(n, 'sleep 5', 'test', 300);
    await new Promise((res) => setTimeout(res, 500)); // waiting longer than its timeout before fire is fine
    await expect(slow.fire()).rejects.toMatchObject({ stage: 'test', message: expect.stringContaining('deadline') });
  });
});

/** Our descendant processes whose command line holds `text` (Linux /proc). */
function descendantsRunning(text: string): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), i = 0; p && i < 64; p = parent.get(p), i++) if (p === process.pid) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => {
    if (!mine(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

describe('every wait ends (issue 18)', () => {
  test('an unexpected error while the receive scripts wait for their answer: each gets abort, releases its lock and ends', async () => {
    const id = { context: 'oss-demo', app: 'web', run: '7', attempt: '1', actor: 'x', sha: '', token: 'tok18' };
    const nodes = ['web1', 'web2', 'web3'].map((name) => {
      const dir = target(`wait-${name}`);
      return new TargetNode(
        { kind: 'local', id: name, dir },
        new LocalTransport(dir),
        '/srv/paas',
        id,
        new Redactor(),
        () => {},
      );
    });
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
    let calls = 0;
    const boom = new Error('unexpected: the runner state file cannot be written');
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
    const run = lockAndInstallAll(nodes, o, '{"run":"7"}');
    // a liveness bound far below command_timeout (600 s): the test's own timeout
    await expect(run).rejects.toBe(boom);
    expect(nodes.map((n) => existsSync(join(n.appDir, '.paas', 'lock')))).toEqual([false, false, false]);
    expect(nodes.map((n) => n.lockHeld)).toEqual([false, false, false]);
    expect(descendantsRunning('--ready')).toEqual([]);
    expect(nodes.map((n) => existsSync(join(n.appDir, 'releases', 'v1')))).toEqual([false, false, false]);
    await art.cleanup();
  }, 30_000);
});

describe('a run that lost its lock never switches', () => {
  test('lock taken over while pre_switch runs: PAAS_LOCK_HELD at switch, current unchanged, the other lock untouched', async () => {
    const dir = target('lost-lock-target');
    const work = join(base, 'work-lost-lock');
    mkdirSync(work);
    const stateRoot = join(base, 'state-lost-lock');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const common = {
      context: 'oss-demo',
      state_root: stateRoot,
      vault: `PAAS_TARGETS=web1=local:${dir}\n`,
      app: 'web',
    };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    writeFileSync(join(work, 'paas.yml'), appYml({ http: true, port, strategy: 'serial' }));
    expect(
      (
        await runOp(
          'deploy',
          { ...common, artifact: tgz('v1'), release_id: 'v1', apply: 'true' },
          { cwd: work, inCI: false, env },
        )
      ).outcome.exitCode,
    ).toBe(0);
    // the hook plays another run taking the lock over (as after lock_ttl) while this one is still in pre_switch
    const takeover = 'L="$PAAS_APP_DIR/.paas/lock"; rm -rf "$L"; mkdir "$L"; echo other-run-token >"$L/token"';
    writeFileSync(
      join(work, 'paas.yml'),
      appYml({ http: true, port, strategy: 'serial', extra: `    hooks: { pre_switch: '${takeover}' }` }),
    );
    const r = await runOp(
      'deploy',
      { ...common, artifact: tgz('v2'), release_id: 'v2', apply: 'true' },
      { cwd: work, inCI: false, env },
    );
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_LOCK_HELD');
    expect(r.outcome.envelope.error?.stage).toBe('switch');
    expect(r.outcome.envelope.error?.message).toContain('no longer holds the deploy lock');
    const a = join(dir, 'oss-demo', 'web');
    expect(readlinkSync(join(a, 'current'))).toBe('releases/v1');
    expect(readFileSync(join(a, '.paas', 'lock', 'token'), 'utf8').trim()).toBe('other-run-token');
  });
});

describe('a switch script killed by a signal', () => {
  test('is treated like a lost link: the target may have switched, so it is rolled back and health-checked', async () => {
    const dir = target('killed-switch-target');
    const work = join(base, 'work-killed-switch');
    mkdirSync(work);
    const stateRoot = join(base, 'state-killed-switch');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const common = {
      context: 'oss-demo',
      state_root: stateRoot,
      vault: `PAAS_TARGETS=web1=local:${dir}\n`,
      app: 'web',
    };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    writeFileSync(join(work, 'paas.yml'), appYml({ http: true, port, strategy: 'serial' }));
    expect(
      (
        await runOp(
          'deploy',
          { ...common, artifact: tgz('v1'), release_id: 'v1', apply: 'true' },
          { cwd: work, inCI: false, env },
        )
      ).outcome.exitCode,
    ).toBe(0);
    // the hook SIGKILLs the remote script that runs it (as when sshd or the OOM killer ends the session)
    writeFileSync(
      join(work, 'paas.yml'),
      appYml({ http: true, port, strategy: 'serial', extra: `    hooks: { pre_switch: 'kill -KILL $PPID' }` }),
    );
    const r = await runOp(
      'deploy',
      { ...common, artifact: tgz('v2'), release_id: 'v2', apply: 'true' },
      { cwd: work, inCI: false, env },
    );
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_REMOTE_APPLY_FAILED');
    expect(r.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back');
    expect(readlinkSync(join(dir, 'oss-demo', 'web', 'current'))).toBe('releases/v1');
    expect(existsSync(join(dir, 'oss-demo', 'web', '.paas', 'lock'))).toBe(false);
  });
});

describe('the action killed mid-deploy', () => {
  const bundle = join(process.env.PAAS_HARNESS_DIST ?? join(process.cwd(), 'dist'), 'deploy', 'index.js');
  const built = existsSync(bundle) && readFileSync(bundle, 'utf8').includes('paas_cleanup');
  (built ? test : test.skip)(
    'SIGKILL while the pre_switch hook runs: post releases the lock; a re-run deploys',
    async () => {
      const dir = target('kill-target');
      const block = join(base, 'block-switch');
      writeFileSync(block, '');
      const sb = createSandbox({
        files: {
          'paas.yml': appYml({
            http: true,
            port,
            strategy: 'serial',
            extra: `    hooks: { pre_switch: "if [ -f ${block} ]; then sleep 20; fi" }`,
          }),
        },
      });
      try {
        const inputs = {
          context: 'internal-dogfood',
          state_root: sb.stateRoot,
          vault: `PAAS_TARGETS=web1=local:${dir}\n`,
          app: 'web',
          artifact: tgz('v2'),
          release_id: 'v2',
          apply: true,
        };
        const killed = await runAction({ action: 'deploy', inputs, sandbox: sb, timeoutMs: 8000 });
        expect(killed.timedOut).toBe(true);
        expect(killed.signal).toBe('SIGKILL');
        expect(JSON.parse(killed.state.paas_cleanup ?? '{}').locks).toHaveLength(1);
        expect(killed.post?.exitCode).toBe(0);
        expect(killed.post?.log).toMatch(/released 1 of 1 lock/);
        const a = join(dir, 'internal-dogfood', 'web');
        expect(existsSync(join(a, '.paas', 'lock'))).toBe(false);
        expect(existsSync(join(a, 'current'))).toBe(false);
        rmrf(block);
        const rerun = await runAction({ action: 'deploy', inputs, sandbox: sb, timeoutMs: 30_000 });
        expect(rerun.exitCode).toBe(0);
        expect(readlinkSync(join(a, 'current'))).toBe('releases/v2');
        expect(existsSync(join(a, '.paas', 'lock'))).toBe(false);
        expect(rerun.post?.log).toContain('paas post: nothing to clean up'); // no lock left: the post step does not even load the runtime
      } finally {
        sb.cleanup();
      }
    },
    90_000,
  );
});

describe('GitHub Deployment (GitHubApi port)', () => {
  test('deployment then in_progress, then success with the environment URL; API failures are warnings', async () => {
    const { DeploymentTracker, repoFromEnv } = await import('../lib/github/api.js');
    const calls: string[] = [];
    const api = {
      createDeployment: async (p: { ref: string; environment: string }) => {
        calls.push(`deployment ${p.ref} ${p.environment}`);
        return { id: 7 };
      },
      createDeploymentStatus: async (p: { deployment_id: number; state: string; environment_url?: string }) => {
        calls.push(`status ${p.deployment_id} ${p.state} ${p.environment_url ?? ''}`.trim());
      },
    };
    const warnings: string[] = [];
    const repo = repoFromEnv({
      GITHUB_REPOSITORY: 'octo-org/app',
      GITHUB_SHA: 'ffac537e6cbbf934b08745a378932722df287a53',
      GITHUB_RUN_ID: '42',
    });
    expect(repo).toEqual({
      owner: 'octo-org',
      repo: 'app',
      ref: 'ffac537e6cbbf934b08745a378932722df287a53',
      logUrl: 'https://github.com/octo-org/app/actions/runs/42',
    });
    const t = new DeploymentTracker(
      api,
      { owner: 'octo-org', repo: 'app' },
      'production',
      (m) => warnings.push(m),
      repo!.logUrl,
    );
    await t.start(repo!.ref, 'deploy web v1', { release_id: 'v1' });
    await t.status('success', 'ok', 'https://app.example');
    expect(calls).toEqual([
      'deployment ffac537e6cbbf934b08745a378932722df287a53 production',
      'status 7 in_progress',
      'status 7 success https://app.example',
    ]);
    const broken = new DeploymentTracker(
      {
        ...api,
        createDeployment: async () => {
          throw new Error('HTTP 403');
        },
      },
      { owner: 'o', repo: 'r' },
      'production',
      (m) => warnings.push(m),
    );
    await broken.start('main', 'x', {});
    await broken.status('failure', 'x');
    expect(warnings).toEqual(['GitHub deployment could not be created: HTTP 403']);
  });
});
