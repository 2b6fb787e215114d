/**
 * Fleets beyond one runner (issue 16): the deterministic split of a fleet into N shards for a
 * GitHub Actions matrix (`mode: plan_shards`), the slice one matrix job deploys (`shard: i/N`), and
 * the run identity every shard and the final `mode: finalize` job share (run id, lock token), derived
 * from the workflow run and the release id: no state passes between the jobs, the targets hold it.
 */
import { createHash } from 'node:crypto';
import { PaasError } from '../../output/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { AppConfig } from './app-config.js';
import { planBatches } from './fleet.js';
import { MAX_SHARDS, type ShardRef } from './shard-ref.js';

export { MAX_SHARDS, parseShard, type ShardRef } from './shard-ref.js';

type StrategyCfg = Pick<AppConfig, 'strategy' | 'batch' | 'canary'>;

/**
 * The units a fleet is split by: a rolling deploy's batches stay whole (a shard runs whole batches),
 * any other strategy splits by target (each shard then applies the strategy to its slice: its first
 * `canary` targets are its canaries, its own serial order, its own parallel batch).
 */
function units(targets: readonly string[], cfg: StrategyCfg): string[][] {
  return cfg.strategy === 'rolling' ? planBatches(targets, cfg) : targets.map((t) => [t]);
}

function refuseBluegreen(cfg: StrategyCfg): void {
  if (cfg.strategy === 'bluegreen')
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'a bluegreen deploy cannot be sharded', {
      stage: 'input',
      remediation:
        'Deploy a bluegreen app in one job (no `shards`/`shard`), or use the serial, rolling, ' +
        'parallel or canary strategy.',
    });
}

interface ShardPlan {
  /** the value of the `matrix` output: `{"include":[{"shard":"1/N"},...]}` */
  matrix: string;
  /** shards in the matrix: min(requested, units) */
  count: number;
  requested: number;
  /** per shard, its targets in deploy order */
  slices: string[][];
}

/**
 * N contiguous slices of the targets (in PAAS_TARGETS order), as even as whole units allow: the same
 * targets and strategy give a byte-identical matrix. More shards than units: one shard per unit
 * (`count` < `requested`); no shard is ever empty.
 */
export function planShards(targets: readonly string[], cfg: StrategyCfg, requested: number): ShardPlan {
  refuseBluegreen(cfg);
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_SHARDS)
    throw new PaasError('PAAS_INVALID_ARGUMENT', `shards must be a whole number from 1 to ${MAX_SHARDS}`, {
      stage: 'input',
      remediation: 'Pass `shards: N` (--plan-shards N), e.g. 4.',
    });
  if (!targets.length)
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'the context has no targets to shard', {
      stage: 'input',
      remediation: "Set PAAS_TARGETS in the context's vault (and check the context's default_targets).",
    });
  const u = units(targets, cfg);
  const count = Math.min(requested, u.length);
  const slices: string[][] = [];
  for (let i = 0; i < count; i++)
    slices.push(u.slice(Math.floor((i * u.length) / count), Math.floor(((i + 1) * u.length) / count)).flat());
  const include = slices.map((_, i) => ({ shard: `${i + 1}/${count}` }));
  return { matrix: JSON.stringify({ include }), count, requested, slices };
}

/** The targets of shard `ref` (the slice plan_shards gave it), or a clear error when the fleet no longer has it. */
export function shardSlice(targets: readonly string[], cfg: StrategyCfg, ref: ShardRef): string[] {
  refuseBluegreen(cfg);
  const plan = planShards(targets, cfg, ref.count);
  if (plan.count !== ref.count)
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `shard ${ref.index}/${ref.count} does not exist: ${targets.length} target(s) make at most ${plan.count} shard(s)`,
      {
        stage: 'input',
        remediation:
          'Pass the `shard` values of the matrix `mode: plan_shards` wrote for this fleet; ' +
          'plan again if PAAS_TARGETS changed.',
      },
    );
  return plan.slices[ref.index - 1] as string[];
}

/**
 * What every shard and the finalize job of one sharded deploy share: the run id written into the
 * lock and the history lines (GITHUB_RUN_ID; outside Actions `local-` and a hash of the release, so
 * separate `paas deploy --shard` processes agree), and the lock token, a hash of context, app, run
 * and release: finalize (and a re-run attempt) can release a lock a cancelled shard left, and never
 * another run's. The token guards against mistakes, not attackers (anyone who can write the lock
 * directory on a target can remove it).
 */
export function shardIdentity(
  rt: Pick<Runtime, 'env'>,
  context: string,
  app: string,
  release: string,
): { run: string; token: string } {
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  const gh = rt.env.GITHUB_RUN_ID;
  const run = gh && /^\d{1,20}$/.test(gh) ? gh : `local-${h(`${context}\n${app}\n${release}`).slice(0, 12)}`;
  const token = `s${h(`paas-sharded-deploy\n${context}\n${app}\n${run}\n${release}`).slice(0, 32)}`;
  return { run, token };
}

/** shard and finalize need the release id every job shares. */
export function requireShardRelease(release: string | undefined, what: string): string {
  if (release) return release;
  throw new PaasError(
    'PAAS_INVALID_ARGUMENT',
    `${what} needs release_id: every shard and finalize deploy one release`,
    {
      stage: 'input',
      remediation:
        'Pass the same `release_id` (--release-id) to every shard and to finalize, e.g. ' +
        '`${{ github.run_id }}-${{ github.sha }}`' +
        ' or an output of the plan job.',
    },
  );
}
