/**
 * Sharded deploy benchmark (issue 16, docs/benchmarks.md "deploy: sharded"): the same small release
 * to 100 simulated targets (local transport, each a directory on tmpfs), deployed
 *   - as ONE job: `paas deploy --apply` over the 100 targets, and
 *   - as 4 SHARDS run concurrently (`paas deploy --shard i/4 --apply`, 4 processes), then
 *     `paas deploy --finalize --apply` (reads all 100 targets, marks the release good on each);
 *   - and each shard alone, one after the other: the slowest is what a matrix job on a runner of
 *     its own takes (on this machine the concurrent shards share its CPUs).
 * Every run gets fresh target directories. The app is trivial (start: echo, health: `true`): this
 * measures the deploy machinery (processes, locks, upload, switch, history), not an app. All
 * processes run from the sources (the test loader), so each pays the same start-up cost.
 * Run: bench/deploy/run.sh sharded   (env BENCH_TARGETS=100 BENCH_SHARDS=4 BENCH_RUNS=3)
 */
import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from '../../test/helpers.js';
import { paasChild } from '../../test/harness/deploy-app.js';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 100);
const SHARDS = Number(process.env.BENCH_SHARDS ?? 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CTX = 'oss-demo';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

test('sharded deploy: one job vs N concurrent shards + finalize', async () => {
  const work = tempDir('paas-shard-bench-');
  // target directories on tmpfs when there is one (creating files after a mass delete is erratic on disk)
  const tmpfs = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/paas-shard-bench-') : join(work, 'targets');
  mkdirSync(tmpfs, { recursive: true });
  const stateRoot = join(work, 'state');
  const repo = join(work, 'repo');
  const rel = join(work, 'rel');
  mkdirSync(join(rel, 'bin'), { recursive: true });
  mkdirSync(repo);
  writeFileSync(join(rel, 'bin', 'start'), '#!/bin/sh\necho started\n');
  chmodSync(join(rel, 'bin', 'start'), 0o755);
  writeFileSync(join(rel, 'blob.bin'), randomBytes(1024 * 1024));
  const tgz = join(work, 'release.tar.gz');
  execFileSync('tar', ['-czf', tgz, '-C', rel, '.']);
  writeFileSync(
    join(repo, 'paas.yml'),
    [
      'version: 1',
      'apps:',
      '  web:',
      '    deploy_root: /srv/paas',
      '    start: ./bin/start',
      '    health: { command: "true", interval: 200ms, timeout: 5s, deadline: 30s }',
      '    strategy: parallel',
      '    max_parallel: 16',
      '',
    ].join('\n'),
  );
  expect((await cli(['context', 'create', CTX, '--state-root', stateRoot])).code).toBe(0);
  const vaultFor = (dir: string) => {
    const ids = Array.from({ length: TARGETS }, (_, i) => `t${String(i + 1).padStart(3, '0')}`);
    for (const id of ids) mkdirSync(join(dir, id), { recursive: true });
    return `PAAS_TARGETS="${ids.map((id) => `${id}=local:${join(dir, id)}`).join('\n')}"\n`;
  };
  const paas = async (vault: string, run: string, args: string[]) => {
    const t0 = performance.now();
    const r = await paasChild(
      ['deploy', '--context', CTX, '--state-root', stateRoot, '--vault', vault, '--app', 'web', ...args],
      { cwd: repo, env: { GITHUB_RUN_ID: run }, boundMs: 600_000 },
    ).exited;
    if (r.code !== 0) throw new Error(`paas deploy ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}`);
    return performance.now() - t0;
  };
  const one: number[] = [];
  const shards: number[] = [];
  const fin: number[] = [];
  const start: number[] = [];
  const alone: number[] = [];
  try {
    for (let k = 1; k <= RUNS; k++) {
      const v1 = vaultFor(join(tmpfs, `one-${k}`));
      start.push(await paas(v1, `${k}00`, ['--plan-shards', String(SHARDS), '--json']));
      one.push(await paas(v1, `${k}01`, ['--release-id', `r${k}`, '--artifact', tgz, '--apply']));
      const vs = vaultFor(join(tmpfs, `sharded-${k}`));
      const run = `${k}02`;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: SHARDS }, (_, i) =>
          paas(vs, run, ['--shard', `${i + 1}/${SHARDS}`, '--release-id', `r${k}`, '--artifact', tgz, '--apply']),
        ),
      );
      shards.push(performance.now() - t0);
      fin.push(await paas(vs, run, ['--finalize', '--release-id', `r${k}`, '--apply']));
      // each shard alone (one after the other): what one matrix job takes on a runner of its own
      const va = vaultFor(join(tmpfs, `alone-${k}`));
      const each: number[] = [];
      for (let i = 0; i < SHARDS; i++)
        each.push(
          await paas(va, `${k}03`, [
            '--shard',
            `${i + 1}/${SHARDS}`,
            '--release-id',
            `r${k}`,
            '--artifact',
            tgz,
            '--apply',
          ]),
        );
      alone.push(Math.max(...each));
    }
  } finally {
    rmrf(tmpfs);
    rmrf(work);
  }
  const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const lines = [
    `sharded deploy bench: ${TARGETS} local targets, ${SHARDS} shards, ${RUNS} run(s), ${cpus().length} CPU(s); medians`,
    `  one process, no connection (plan_shards): ${ms(median(start))}   (start-up floor of every job)`,
    `  1 job  (${TARGETS} targets):                ${ms(median(one))}`,
    `  ${SHARDS} shards concurrently:                ${ms(median(shards))}   (${(median(one) / median(shards)).toFixed(2)}x the one job)`,
    `  finalize (${TARGETS} targets):              ${ms(median(fin))}   (${((median(fin) / median(one)) * 100).toFixed(0)}% of the one job)`,
    `  shards + finalize:                      ${ms(median(shards) + median(fin))}   (${((median(shards) + median(fin)) / median(one)).toFixed(2)}x the one job)`,
    `  slowest shard alone (its own runner):   ${ms(median(alone))}   (${(median(alone) / median(one)).toFixed(2)}x the one job)`,
    `  matrix on ${SHARDS} runners (slowest + finalize): ${ms(median(alone) + median(fin))}   (${((median(alone) + median(fin)) / median(one)).toFixed(2)}x the one job)`,
  ];
  process.stdout.write('\n' + lines.join('\n') + '\n');
});
