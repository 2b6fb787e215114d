/**
 * Sharded deploys end to end (issue 16): three real sshd hosts and three local targets, split into
 * 3 shards by `paas deploy --plan-shards 3`, each shard a separate `paas deploy --shard i/3` process
 * (from the sources, as CI runs it), then `paas deploy --finalize`. Every scenario asserts each
 * target's `current`, its history and its lock, after the shards and after finalize.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, currentRelease, makeRelease, paasChild, runOp } from './harness/deploy-app.js';
import { freePort, sshdAvailable, startLab, stopApps, type SshLab } from './harness/sshd.js';

const CTX = 'internal-dogfood';
const d = sshdAvailable() ? describe : describe.skip;

let lab: SshLab;
let base: string;
let work: string;
let stateRoot: string;
let rels: string;
const locals: string[] = [];

/** deploy dir of each target, in PAAS_TARGETS order: web1..web3 (sshd), loc1..loc3 (local) */
const roots = () => [...lab.hosts.map((h) => h.dir), ...locals];
const ids = ['web1', 'web2', 'web3', 'loc1', 'loc2', 'loc3'];
const appDir = (i: number) => join(roots()[i] as string, CTX, 'web');
const current = (i: number) => currentRelease(appDir(i));
const currents = () => ids.map((_, i) => current(i));
const locks = () => ids.map((_, i) => existsSync(join(appDir(i), '.paas', 'lock')));
function history(i: number): Array<{ release: string; status: string; event: string; run?: string }> {
  const f = join(appDir(i), '.paas', 'history.jsonl');
  return existsSync(f)
    ? readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}
const lastMark = (i: number, release: string) =>
  history(i)
    .filter((h) => h.release === release)
    .at(-1)?.status;

function vault(): string {
  const targets = [lab.targets, ...locals.map((dir, i) => `loc${i + 1}=local:${dir}`)].join('\n');
  return [
    `PAAS_TARGETS="${targets}"`,
    `PAAS_SSH_KEY="${lab.clientKey.trim()}"`,
    `PAAS_KNOWN_HOSTS="${lab.knownHosts.trim()}"`,
    '',
  ].join('\n');
}

const tgz = (v: string) => join(rels, `${v}.tar.gz`);
const common = () => ['--context', CTX, '--state-root', stateRoot, '--vault', vault(), '--app', 'web'];

/** `paas deploy <args>` as its own process, in the workflow run `run` (every job of one run shares GITHUB_RUN_ID). */
function paas(run: string, args: string[]) {
  return paasChild(['deploy', ...common(), ...args, '--json'], {
    cwd: work,
    env: { GITHUB_RUN_ID: run },
    boundMs: 150_000,
  });
}
const shard = (run: string, i: number, release: string) =>
  paas(run, ['--shard', `${i}/3`, '--release-id', release, '--artifact', tgz(release), '--apply']);
const finalize = (run: string, release: string) => paas(run, ['--finalize', '--release-id', release, '--apply']);
const envelope = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    ok: boolean;
    fields: Record<string, unknown>;
    error?: { code: string; message: string };
  };

/** v1 on every target, deployed in one job (the starting point of each scenario). */
async function baseline(): Promise<void> {
  for (const r of roots()) {
    stopApps(r);
    rmSync(join(r, CTX), { recursive: true, force: true });
  }
  const r = await runOp(
    'deploy',
    {
      context: CTX,
      state_root: stateRoot,
      vault: vault(),
      app: 'web',
      artifact: tgz('v1'),
      release_id: 'v1',
      apply: 'true',
    },
    { cwd: work },
  );
  expect(r.outcome.envelope.error).toBeUndefined();
  expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1', 'v1']);
}

d('sharded deploy: 3 shards over sshd and local targets, as separate processes, then finalize', () => {
  beforeAll(async () => {
    lab = await startLab(3);
    base = tempDir('paas-sharded-');
    work = join(base, 'work');
    stateRoot = join(base, 'state');
    rels = join(base, 'rels');
    for (const p of [work, rels]) mkdirSync(p);
    for (let i = 1; i <= 3; i++) {
      const dir = join(base, `loc${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'port'), `${await freePort()}\n`);
      locals.push(dir);
    }
    writeFileSync(join(work, 'paas.yml'), appYml({ strategy: 'serial', deadline: '6s' }));
    expect((await cli(['context', 'create', CTX, '--state-root', stateRoot])).code).toBe(0);
    for (const v of ['v1', 'v2']) makeRelease(rels, v);
    makeRelease(rels, 'v3bad', { failOn: ['loc3'] });
    // big enough that the upload is still running when the shard is killed
    makeRelease(rels, 'v4big', { extra: (dir) => writeFileSync(join(dir, 'blob.bin'), randomBytes(48 * 1024 * 1024)) });
  }, 120_000);
  afterAll(async () => {
    for (const r of lab ? roots() : []) stopApps(r);
    await lab?.cleanup();
    if (base) rmrf(base);
  });

  test('plan_shards: the matrix for 3 jobs, the same on every call', async () => {
    const a = await paasChild(['deploy', ...common(), '--plan-shards', '3', '--json'], { cwd: work, boundMs: 60_000 })
      .exited;
    expect(a.code).toBe(0);
    const e = envelope(a.stdout);
    expect(e.fields.matrix).toBe('{"include":[{"shard":"1/3"},{"shard":"2/3"},{"shard":"3/3"}]}');
    expect(e.fields.shard_plan).toEqual([
      { shard: '1/3', targets: 'web1,web2' },
      { shard: '2/3', targets: 'web3,loc1' },
      { shard: '3/3', targets: 'loc2,loc3' },
    ]);
    const b = await paasChild(['deploy', ...common(), '--plan-shards', '3', '--json'], { cwd: work, boundMs: 60_000 })
      .exited;
    expect(envelope(b.stdout).fields.matrix).toBe(e.fields.matrix);
  }, 120_000);

  test('success: 3 concurrent shards, finalize marks v2 good everywhere; a second finalize changes nothing', async () => {
    await baseline();
    const run = '7001';
    const results = await Promise.all([1, 2, 3].map((i) => shard(run, i, 'v2').exited));
    for (const r of results) expect(r.code).toBe(0);
    expect(currents()).toEqual(['v2', 'v2', 'v2', 'v2', 'v2', 'v2']);
    const f = await finalize(run, 'v2').exited;
    expect(f.stderr).not.toContain('Error');
    expect(f.code).toBe(0);
    const e = envelope(f.stdout);
    expect(e.ok).toBe(true);
    expect(e.fields.target_statuses).toBe(ids.map((t) => `${t}:ok`).join(','));
    const marks = ids.map((_, i) => history(i).filter((h) => h.event === 'mark' && h.release === 'v2').length);
    expect(marks).toEqual([1, 1, 1, 1, 1, 1]);
    expect(locks()).toEqual([false, false, false, false, false, false]);
    const again = await finalize(run, 'v2').exited;
    expect(again.code).toBe(0);
    expect(ids.map((_, i) => history(i).filter((h) => h.event === 'mark').length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(currents()).toEqual(['v2', 'v2', 'v2', 'v2', 'v2', 'v2']);
  }, 300_000);

  test('shard 3 fails its health gate after shards 1 and 2 switched: it returns its own targets, finalize returns every other one to v1', async () => {
    await baseline();
    const run = '7002';
    const ok = await Promise.all([1, 2].map((i) => shard(run, i, 'v3bad').exited));
    for (const r of ok) expect(r.code).toBe(0);
    expect(currents()).toEqual(['v3bad', 'v3bad', 'v3bad', 'v3bad', 'v1', 'v1']);
    const s3 = await shard(run, 3, 'v3bad').exited;
    expect(s3.code).toBe(1);
    expect(envelope(s3.stdout).error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    // the failed shard returned its own targets at once (loc2 had switched before loc3 failed)
    expect(currents()).toEqual(['v3bad', 'v3bad', 'v3bad', 'v3bad', 'v1', 'v1']);
    expect(envelope(s3.stdout).fields.rolled_back_targets).toBe('loc2,loc3');
    const f = await finalize(run, 'v3bad').exited;
    expect(f.code).toBe(1);
    const e = envelope(f.stdout);
    expect(e.ok).toBe(false);
    expect(e.error?.message).toContain('did not reach every target healthy');
    expect(e.error?.message).toContain('loc3');
    expect(e.fields.rolled_back_targets).toBe('web1,web2,web3,loc1');
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1', 'v1']);
    for (let i = 0; i < ids.length; i++) expect(lastMark(i, 'v3bad')).toBe('bad');
    expect(locks()).toEqual([false, false, false, false, false, false]);
    // the returned targets were restarted on v1 and answer as v1
    expect(f.stdout).not.toContain('status=ok mode=finalize');
    const again = await finalize(run, 'v3bad').exited;
    expect(again.code).toBe(1);
    expect(envelope(again.stdout).fields.rolled_back_targets).toBe('');
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1', 'v1']);
  }, 300_000);

  test('shard 2 killed mid-upload: its locks stay; finalize releases them (never a lock of another run) and returns shards 1 and 3', async () => {
    await baseline();
    const run = '7003';
    const done = await Promise.all([1, 3].map((i) => shard(run, i, 'v4big').exited));
    for (const r of done) expect(r.code).toBe(0);
    const s2 = shard(run, 2, 'v4big');
    await new Promise<void>((resolve) =>
      s2.onLine((l) => {
        if (/: upload \d+% of/.test(l)) {
          try {
            process.kill(-s2.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          resolve();
        }
      }),
    );
    expect((await s2.exited).signal).toBe('SIGKILL');
    // shard 2's targets (web3, loc1) never switched; at least one still holds this run's lock
    expect(currents()).toEqual(['v4big', 'v4big', 'v1', 'v1', 'v4big', 'v4big']);
    const left = [2, 3].filter((i) => locks()[i]);
    expect(left.length).toBeGreaterThan(0);
    for (const i of left)
      expect(JSON.parse(readFileSync(join(appDir(i), '.paas', 'lock', 'owner.json'), 'utf8')).run).toBe(run);
    // another run holds loc3's lock: finalize must not touch it (loc3 stays on v4big for now)
    const foreign = join(appDir(5), '.paas', 'lock');
    mkdirSync(foreign, { recursive: true });
    writeFileSync(join(foreign, 'token'), 'someone-else\n');
    writeFileSync(join(foreign, 'run'), '9999\n');
    writeFileSync(join(foreign, 'owner.json'), '{"run":"9999","actor":"other"}\n');
    writeFileSync(join(foreign, 'expires'), `${Math.floor(Date.now() / 1000) + 3600}\n`);
    const f = await finalize(run, 'v4big').exited;
    expect(f.code).toBe(1);
    const e = envelope(f.stdout);
    expect(e.fields.rolled_back_targets).toBe('web1,web2,loc2');
    expect(String(e.fields.target_statuses)).toContain('loc3:rollback_failed');
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1', 'v4big']);
    expect(locks()).toEqual([false, false, false, false, false, true]);
    expect(readFileSync(join(foreign, 'token'), 'utf8')).toBe('someone-else\n');
    // the other run is done: finalize again completes the fleet (idempotent)
    rmSync(foreign, { recursive: true });
    const again = await finalize(run, 'v4big').exited;
    expect(again.code).toBe(1);
    expect(envelope(again.stdout).fields.rolled_back_targets).toBe('loc3');
    expect(currents()).toEqual(['v1', 'v1', 'v1', 'v1', 'v1', 'v1']);
    expect(locks()).toEqual([false, false, false, false, false, false]);
  }, 300_000);
});
