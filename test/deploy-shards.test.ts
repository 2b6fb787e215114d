/**
 * Sharded deploys, the fast part (issue 16): the matrix of `mode: plan_shards` (deterministic,
 * clamped, whole rolling batches), the slices, the shared run identity, and the inputs refused at the
 * edge (`shard`, `shards`, a missing release_id, bluegreen). No connection is made.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, runOp } from './harness/deploy-app.js';
import { parseShard, planShards, shardIdentity, shardSlice } from '../lib/ops/deploy/shards.js';
import { expandDeployAliases } from '../lib/cli/deploy-aliases.js';
import { REPO_ROOT } from './harness/metadata.js';
import { judge } from '../lib/ops/deploy/finalize.js';
import { historyLine } from '../lib/ops/deploy/releases.js';
import { parseState } from '../lib/transport/release-state.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `web${i + 1}`);

describe('planShards (pure)', () => {
  test('contiguous, as even as possible, byte-identical for the same targets and strategy', () => {
    const cfg = { strategy: 'serial' as const, batch: 2, canary: 1 };
    const p = planShards(names(10), cfg, 4);
    expect(p.matrix).toBe('{"include":[{"shard":"1/4"},{"shard":"2/4"},{"shard":"3/4"},{"shard":"4/4"}]}');
    expect(p.slices).toEqual([
      ['web1', 'web2'],
      ['web3', 'web4', 'web5'],
      ['web6', 'web7'],
      ['web8', 'web9', 'web10'],
    ]);
    expect(planShards(names(10), cfg, 4).matrix).toBe(p.matrix);
    expect(p.slices.flat()).toEqual(names(10));
  });
  test('rolling: a batch is never split between shards', () => {
    const p = planShards(names(7), { strategy: 'rolling', batch: 2, canary: 1 }, 3);
    expect(p.slices).toEqual([
      ['web1', 'web2'],
      ['web3', 'web4'],
      ['web5', 'web6', 'web7'],
    ]);
    for (const s of p.slices.slice(0, -1)) expect(s.length % 2).toBe(0);
  });
  test('more shards than targets: one shard per target, never an empty shard', () => {
    const p = planShards(names(3), { strategy: 'parallel', batch: 1, canary: 1 }, 8);
    expect(p.count).toBe(3);
    expect(p.requested).toBe(8);
    expect(p.matrix).toBe('{"include":[{"shard":"1/3"},{"shard":"2/3"},{"shard":"3/3"}]}');
    expect(() => shardSlice(names(3), { strategy: 'parallel', batch: 1, canary: 1 }, { index: 4, count: 8 })).toThrow(
      'shard 4/8 does not exist: 3 target(s) make at most 3 shard(s)',
    );
  });
  test('bluegreen is refused; shardSlice gives the slice plan_shards listed', () => {
    expect(() => planShards(names(3), { strategy: 'bluegreen', batch: 1, canary: 1 }, 2)).toThrow('cannot be sharded');
    const cfg = { strategy: 'canary' as const, batch: 1, canary: 1 };
    const p = planShards(names(5), cfg, 2);
    expect(shardSlice(names(5), cfg, { index: 2, count: 2 })).toEqual(p.slices[1]);
  });
  test('parseShard: i/N with 1 <= i <= N <= 256 only', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/3', '4/3', '1/0', '1/257', '01/3', '1/3 ', 'a/b', '1', '-1/3', '1/3/4', ''])
      expect(parseShard(bad)).toBeNull();
  });
  test('every shard and finalize of one run share the run id and lock token; another run or release does not', () => {
    const a = shardIdentity({ env: { GITHUB_RUN_ID: '123' } }, 'ctx', 'web', 'v2');
    expect(shardIdentity({ env: { GITHUB_RUN_ID: '123' } }, 'ctx', 'web', 'v2')).toEqual(a);
    expect(a.run).toBe('123');
    expect(shardIdentity({ env: { GITHUB_RUN_ID: '124' } }, 'ctx', 'web', 'v2').token).not.toBe(a.token);
    expect(shardIdentity({ env: { GITHUB_RUN_ID: '123' } }, 'ctx', 'web', 'v3').token).not.toBe(a.token);
    const local = shardIdentity({ env: {} }, 'ctx', 'web', 'v2');
    expect(local.run).toMatch(/^local-[0-9a-f]{12}$/);
    expect(shardIdentity({ env: {} }, 'ctx', 'web', 'v2')).toEqual(local);
  });
  test('CLI shorthands: --plan-shards N and --finalize', () => {
    expect(expandDeployAliases(['deploy', '--plan-shards', '4', '--json'])).toEqual([
      'deploy',
      '--mode',
      'plan_shards',
      '--shards',
      '4',
      '--json',
    ]);
    expect(expandDeployAliases(['deploy', '--plan-shards=4'])).toEqual([
      'deploy',
      '--mode',
      'plan_shards',
      '--shards=4',
    ]);
    expect(expandDeployAliases(['deploy', '--finalize', '--release-id', 'v1'])).toEqual([
      'deploy',
      '--mode',
      'finalize',
      '--release-id',
      'v1',
    ]);
    expect(expandDeployAliases(['rollback', '--finalize'])).toEqual(['rollback', '--finalize']);
  });
});

describe('deploy plan_shards / shard / finalize inputs (in-process, local targets)', () => {
  let base: string;
  let work: string;
  let stateRoot: string;
  let vault: string;
  beforeAll(async () => {
    base = tempDir('paas-shards-');
    work = join(base, 'work');
    stateRoot = join(base, 'state');
    mkdirSync(work);
    const targets = names(5).map((n) => {
      mkdirSync(join(base, n));
      return `${n}=local:${join(base, n)}`;
    });
    vault = `PAAS_TARGETS="${targets.join(' ')}"\n`;
    writeFileSync(join(work, 'paas.yml'), appYml({ strategy: 'rolling', batch: 2 }));
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
  });
  afterAll(() => rmrf(base));
  const run = (raw: Record<string, unknown>) =>
    runOp('deploy', { context: 'oss-demo', state_root: stateRoot, vault, app: 'web', ...raw }, { cwd: work });

  test('plan_shards writes the matrix field (the action output `matrix`) and the slices; no artifact needed', async () => {
    const r = await run({ mode: 'plan_shards', shards: '2' });
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(r.outcome.exitCode).toBe(0);
    const f = r.outcome.envelope.fields;
    expect(f.matrix).toBe('{"include":[{"shard":"1/2"},{"shard":"2/2"}]}');
    expect(f.shard_plan).toEqual([
      { shard: '1/2', targets: 'web1,web2' },
      { shard: '2/2', targets: 'web3,web4,web5' },
    ]);
    expect(r.outcome.lines.at(-1)).toBe('deploy status=ok mode=plan_shards shards=2 targets=5 strategy=rolling');
    const again = await run({ mode: 'plan_shards', shards: '2' });
    expect(again.outcome.envelope.fields.matrix).toBe(f.matrix);
    const many = await run({ mode: 'plan_shards', shards: '9' });
    expect(many.outcome.envelope.fields.matrix).toBe('{"include":[{"shard":"1/3"},{"shard":"2/3"},{"shard":"3/3"}]}');
    expect(many.outcome.envelope.fields.shards_requested).toBe(9);
  });
  test('the CLI: paas deploy --plan-shards N --json prints the matrix in the envelope', async () => {
    const r = await cli(
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
        '--plan-shards',
        '2',
        '--json',
      ],
      {},
      work,
    );
    expect(r.code).toBe(0);
    expect(r.json().fields.matrix).toBe('{"include":[{"shard":"1/2"},{"shard":"2/2"}]}');
    const missing = await cli(
      ['deploy', '--context', 'oss-demo', '--state-root', stateRoot, '--plan-shards'],
      {},
      work,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--shards needs a value');
  });
  test('bad shard / shards values are PAAS_INVALID_ARGUMENT at the edge, naming the input', async () => {
    for (const shard of ['0/3', '4/3', 'x', '1/300']) {
      const r = await run({ shard, release_id: 'v1', artifact: 'none.tgz' });
      expect(r.outcome.exitCode).toBe(1);
      expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(r.outcome.envelope.error?.message).toContain('shard');
      expect(r.outcome.envelope.error?.message).toContain('i/N');
    }
    for (const shards of ['0', '257', 'four', '1.5']) {
      const r = await run({ mode: 'plan_shards', shards });
      expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(r.outcome.envelope.error?.message).toContain('shards');
    }
    const none = await run({ mode: 'plan_shards' });
    expect(none.outcome.envelope.error?.message).toContain('needs `shards`');
  });
  test('a shard or finalize without release_id is refused before anything is touched', async () => {
    const s = await run({ shard: '1/2', artifact: 'none.tgz', apply: 'true' });
    expect(s.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(s.outcome.envelope.error?.message).toContain('needs release_id');
    const f = await run({ mode: 'finalize', apply: 'true' });
    expect(f.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(f.outcome.envelope.error?.message).toContain('finalize needs release_id');
    expect(f.outcome.envelope.error?.remediation).toContain('same `release_id`');
  });
  test('a shard of a plan that no longer fits the fleet is refused', async () => {
    const r = await run({ shard: '4/4', release_id: 'v1', artifact: 'none.tgz' });
    expect(r.outcome.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.outcome.envelope.error?.message).toBe('shard 4/4 does not exist: 5 target(s) make at most 3 shard(s)');
  });
});

describe('workflows-templates/deploy-sharded.yml', () => {
  type Job = {
    needs?: string | string[];
    if?: string;
    outputs?: Record<string, string>;
    strategy?: { 'fail-fast'?: boolean; matrix?: unknown };
    steps?: Array<{ uses?: string; with?: Record<string, unknown> }>;
  };
  const wf = parse(readFileSync(join(REPO_ROOT, 'workflows-templates', 'deploy-sharded.yml'), 'utf8')) as {
    jobs: Record<string, Job>;
  };
  const deployStep = (j: Job) => (j.steps ?? []).find((s) => /\/actions\/deploy@/.test(s.uses ?? ''));
  test('plan -> matrix (fromJSON, fail-fast off) -> finalize (always), one release id for every job', () => {
    expect(Object.keys(wf.jobs)).toEqual(['plan', 'deploy', 'finalize']);
    const { plan, deploy, finalize } = wf.jobs as Record<string, Job>;
    expect(deployStep(plan!)?.with).toMatchObject({ mode: 'plan_shards', shards: '${{ inputs.shards }}' });
    expect(plan!.outputs?.matrix).toBe('${{ steps.plan.outputs.matrix }}');
    expect(deploy!.needs).toBe('plan');
    expect(deploy!.strategy).toEqual({ 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' });
    expect(deployStep(deploy!)?.with).toMatchObject({
      shard: '${{ matrix.shard }}',
      release_id: '${{ needs.plan.outputs.release_id }}',
    });
    expect(finalize!.needs).toEqual(['plan', 'deploy']);
    expect(finalize!.if).toMatch(/^always\(\)/);
    expect(deployStep(finalize!)?.with).toMatchObject({
      mode: 'finalize',
      release_id: '${{ needs.plan.outputs.release_id }}',
    });
  });
});

describe('finalize: what each target shows (judge, pure)', () => {
  const at = new Date('2026-12-01T00:00:00Z');
  const line = (run: string, e: Parameters<typeof historyLine>[2]) => historyLine({ actor: 'ci', run }, at, e);
  const state = (current: string | null, lines: string[], lock?: Record<string, unknown>) =>
    parseState(
      [
        'exists=yes',
        `current=${current ?? ''}`,
        '--releases',
        'v1',
        'v2',
        '--end',
        '--history',
        ...lines,
        '--end',
        '--lock',
        ...(lock ? [JSON.stringify(lock)] : []),
        '--end',
      ].join('\n'),
    );
  const v1 = line('10', { event: 'deploy', release: 'v1', sha256: 'a', health: null });
  const unpack = line('42', { event: 'unpack', release: 'v2', sha256: 'b' });
  const good = line('42', { event: 'deploy', release: 'v2', sha256: 'b', health: null, shard: '1/2', previous: 'v1' });

  test('healthy: on the release, marked good by this run; previous from the shard line', () => {
    const v = judge('web1', state('v2', [v1, unpack, good]), '42', 'v2');
    expect(v).toMatchObject({ verdict: 'healthy', previous: 'v1', switchedByRun: true, ourLock: false, marked: false });
  });
  test('switched: on the release, never reported healthy (killed mid-health); previous from the history before the run', () => {
    expect(judge('web1', state('v2', [v1, unpack]), '42', 'v2')).toMatchObject({
      verdict: 'switched',
      previous: 'v1',
      switchedByRun: true,
    });
  });
  test('not reached: returned by its failed shard, or never touched by this run; another run with the release before', () => {
    const back = line('42', { event: 'fleet_rollback', release: 'v2', reason: 'health on web1' });
    const failed = judge('web1', state('v1', [v1, unpack, back]), '42', 'v2');
    expect(failed).toMatchObject({ verdict: 'not_reached', switchedByRun: false });
    expect(failed.detail).toContain('its shard failed (health on web1)');
    expect(judge('web1', state('v1', [v1]), '42', 'v2').detail).toContain('never ran');
    const before = line('7', { event: 'deploy', release: 'v2', sha256: 'b', health: null });
    expect(judge('web1', state('v2', [v1, before]), '42', 'v2')).toMatchObject({
      verdict: 'not_reached',
      switchedByRun: false,
      detail: 'ran the release before this run',
    });
  });
  test('a shard that redeployed the release it already ran did not switch it (previous = the release)', () => {
    const same = line('42', {
      event: 'deploy',
      release: 'v2',
      sha256: 'b',
      health: null,
      shard: '1/2',
      previous: 'v2',
    });
    expect(judge('web1', state('v2', [v1, same]), '42', 'v2')).toMatchObject({
      verdict: 'healthy',
      switchedByRun: false,
    });
  });
  test("this run's lock and this run's mark are recognised; another run's are not", () => {
    const mark = line('42', { event: 'mark', status: 'good', release: 'v2', reason: 'finalize' });
    const mine = judge('web1', state('v2', [v1, good, mark], { run: '42', release: 'v2' }), '42', 'v2');
    expect(mine).toMatchObject({ ourLock: true, marked: true });
    const other = judge('web1', state('v2', [v1, good, mark], { run: '43', release: 'v2' }), '43', 'v2');
    expect(other).toMatchObject({ ourLock: true, marked: false, verdict: 'not_reached' });
    expect(judge('web1', state('v2', [v1, good], { run: '9', release: 'v2' }), '42', 'v2').ourLock).toBe(false);
  });
  test('unreadable: never healthy', () => {
    expect(judge('web1', undefined, '42', 'v2').verdict).toBe('unreadable');
  });
});
