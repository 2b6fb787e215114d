import { isAbsolute, resolve } from 'node:path';
import type { DeploymentTracker } from '../../github/api.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError, errorMessage } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContextSession } from '../../runtime/session.js';
import { interruptRequested } from '../../runtime/interrupt.js';
import { checkScript, type SlotName } from '../../transport/commands.js';
import { RELEASE_ID_RE } from '../../isolation/names.js';
import { mapLimit } from '../../transport/limit.js';
import { TransportError } from '../../transport/transport.js';
import type { z } from 'zod';
import type { deployInputs } from './index.js';
import { prepareArtifact, type CheckedArtifact as PreparedArtifact } from './artifact.js';
import { connectTransport } from '../../transport/connect.js';
import {
  connectAll,
  lockOwner,
  recordHistory,
  startDeployment,
  trackLocks,
  withFleet,
  type Fleet,
} from './fleet-session.js';
import {
  bluegreenFleet,
  recordedHealth,
  fanoutPlan,
  liveSlot,
  otherSlot,
  lockAndInstallAll,
  planBatches,
  readStates,
  Staged,
  stageSwitch,
  StageError,
  switchFleet,
  targetStatuses,
  TargetNode,
  unlockAll,
  type FleetOptions,
  type FleetResult,
} from './fleet.js';
import { healthGate } from './health.js';
import { asStageError, fail, tableSummary } from './report.js';
import { runPreflight } from './preflight.js';
import { checkTriggerPolicy, committedTrigger } from './policy.js';
import { parseShard, planShards, requireShardRelease, shardIdentity, shardSlice, type ShardRef } from './shards.js';
import { releaseStatuses, type TargetState } from '../../transport/release-state.js';
import { expectedRelease } from './releases.js';

/** Settings of the deploy operation (its zod inputs, parsed). */
export type DeploySettings = z.output<typeof deployInputs>;

function defaultReleaseId(rt: Runtime): string {
  const ts = rt.now().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const sha = /^[0-9a-f]{7,64}$/.test(rt.env.GITHUB_SHA ?? '') ? `-${(rt.env.GITHUB_SHA as string).slice(0, 7)}` : '';
  return `${ts}${sha}`;
}

/** What one deploy run carries between its steps (a plan or an apply over one fleet, or one shard of it). */
interface DeployRun {
  rt: Runtime;
  common: CommonInputs;
  s: DeploySettings;
  mode: 'plan' | 'apply';
  log: (m: string) => void;
  fields: Record<string, unknown>;
  /** the checked artifact's temporary files, removed after the connections are closed */
  cleanups: Array<() => Promise<void>>;
  session: ContextSession | null;
  tracker: DeploymentTracker | null;
}

/** The fleet as withFleet opened it. */
type OpenFleet = Fleet & { app: string; ctx: string };

/** What the run deploys: the release, the targets (one shard's slice when sharded), their batches, the checked artifact. */
interface Prepared {
  fleet: OpenFleet;
  nodes: TargetNode[];
  release: string;
  batches: string[][];
  artifact: PreparedArtifact;
  shard: string | undefined;
}

/** deploy: plan (default) or apply, per PRODUCT.md section 4; one shard of a sharded deploy; or the shard plan and finalize. */
export async function deployRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  if (s.mode === 'reconcile') return reconcileRun(rt, common, s);
  if (s.mode === 'target_check') return targetCheckRun(rt, common, s);
  if (s.mode === 'plan_shards') return planShardsRun(rt, common, s);
  if (s.mode === 'finalize') return (await import('./finalize.js')).finalizeRun(rt, common, s);
  const run: DeployRun = {
    rt,
    common,
    s,
    mode: s.apply ? 'apply' : 'plan',
    log: (m: string) => rt.logger.info(m),
    fields: {},
    cleanups: [],
    session: null,
    tracker: null,
  };
  try {
    return await withFleet(
      rt,
      common,
      {
        op: 'deploy',
        app: s.app,
        mutating: s.apply,
        log: run.log,
        fail: (e, ctx, nodes) => failedRun(run, e, ctx, nodes),
      },
      async (fleet) => {
        run.session = fleet.session;
        const p = await prepareDeploy(run, fleet);
        return s.apply ? applyDeploy(run, p) : planOutcome(run, p);
      },
    );
  } finally {
    for (const cleanup of run.cleanups) await cleanup();
  }
}

/** A failure anywhere before the fleet moved (or while opening it): event, GitHub status, outcome. */
async function failedRun(run: DeployRun, e: unknown, ctxName: string | null, nodes: TargetNode[]): Promise<Outcome> {
  if (nodes.length) run.fields.target_statuses = targetStatuses(nodes);
  const se = asStageError(e, 'deploy');
  if (run.session && run.s.apply)
    run.session.events.append(
      'deploy.failed',
      `deploy failed: ${se?.message ?? errorMessage(e)}`,
      { ...run.fields, code: se?.code ?? (e instanceof PaasError ? e.code : 'PAAS_INTERNAL') },
      'error',
    );
  await run.tracker?.status('failure', 'deploy failed before any target switched');
  return fail(run.rt, ctxName, run.mode, e, run.fields, nodes);
}

/** One shard's targets (`shard: i/N`) and the identity every shard and finalize share; the whole fleet otherwise. */
function shardNodes(run: DeployRun, fleet: OpenFleet, release: string): TargetNode[] {
  const { s, rt } = run;
  if (!s.shard) return fleet.nodes;
  const ref = parseShard(s.shard) as ShardRef; // validated by the input schema
  requireShardRelease(s.release_id, 'a shard (`shard: i/N`)');
  const slice = shardSlice(
    fleet.nodes.map((n) => n.name),
    fleet.cfg,
    ref,
  );
  // every node shares this identity object: the shard's run id and lock token, before anything ran
  Object.assign(fleet.identity, shardIdentity(rt, fleet.ctx, fleet.app, release));
  run.fields.shard = s.shard;
  return fleet.nodes.filter((n) => slice.includes(n.name));
}

/** Release id, targets, batches, trigger policy and preflight, then the artifact checked while the targets connect. */
async function prepareDeploy(run: DeployRun, fleet: OpenFleet): Promise<Prepared> {
  const { rt, common, s, fields } = run;
  const { app: appName, cfg, session } = fleet;
  const release = s.release_id ?? defaultReleaseId(rt);
  if (!RELEASE_ID_RE.test(release))
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'release_id is not a valid release id', {
      remediation: 'Use 1-64 letters, digits, dot, dash, underscore.',
    });
  const nodes = shardNodes(run, fleet, release);
  const batches = planBatches(
    nodes.map((n) => n.name),
    cfg,
  );
  Object.assign(fields, {
    app: appName,
    release_id: release,
    strategy: cfg.strategy,
    fanout_plan: fanoutPlan(batches),
    targets: nodes.length,
  });
  const artifactPath = s.artifact ?? cfg.artifact;
  if (!artifactPath)
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'no artifact to deploy', {
      stage: 'artifact',
      remediation: `Pass \`artifact\` or set apps.${appName}.artifact in paas.yml.`,
    });
  if (s.apply) {
    // may this run change anything at all? (before any connection)
    checkTriggerPolicy(rt, session.config, session.vault, 'deploy', committedTrigger(rt, common, session.config.name));
    await runPreflight(rt, common);
  }
  const base = rt.workspace ?? rt.cwd;
  // the archive is checked while the connections are set up (both wait for each other: no half-open link is left behind)
  const [art, conn] = await Promise.allSettled([
    prepareArtifact(isAbsolute(artifactPath) ? artifactPath : resolve(base, artifactPath), rt.redactor),
    connectAll(nodes, cfg),
  ]);
  if (art.status === 'fulfilled') run.cleanups.push(art.value.cleanup);
  if (art.status === 'rejected') throw art.reason;
  if (conn.status === 'rejected') throw conn.reason;
  const artifact = art.value;
  Object.assign(fields, { artifact_sha256: artifact.sha256, artifact_bytes: artifact.bytes });
  return { fleet, nodes, release, batches, artifact, shard: s.shard };
}

interface PlanRow {
  target: string;
  batch: number;
  current: string | null;
  rollback_candidate: string | null;
  lock: string;
  live_slot?: SlotName | null;
  new_slot?: SlotName;
}

/** Per target: batch, current release, rollback candidate, lock and (bluegreen) slots. Reads state only. */
async function planRows(run: DeployRun, p: Prepared): Promise<PlanRow[]> {
  const states = await readStates(p.nodes, p.fleet.cfg.max_parallel);
  const bad = [...states.values()].find((v) => v instanceof StageError) as StageError | undefined;
  if (bad) throw bad;
  const bluegreen = p.fleet.cfg.strategy === 'bluegreen';
  const nowSec = run.rt.now().getTime() / 1000;
  const lockOf = (o: Record<string, unknown> | null | undefined) =>
    !o ? 'free' : typeof o.expires === 'number' && o.expires < nowSec ? 'expired' : 'held';
  const batchOf = (name: string) => p.batches.findIndex((b) => b.includes(name)) + 1;
  return p.nodes.map((n) => ({
    target: n.name,
    batch: batchOf(n.name),
    current: n.state?.current ?? null,
    rollback_candidate: n.state?.current ?? null,
    lock: lockOf(n.state?.lockOwner),
    ...(bluegreen ? { live_slot: liveSlot(n), new_slot: otherSlot(liveSlot(n) ?? 'green') } : {}),
  }));
}

function planText(p: Prepared, plan: PlanRow[]): string {
  const { release, batches, artifact, fleet } = p;
  const lockNote = (r: PlanRow) =>
    r.lock === 'held'
      ? '; LOCKED by another run'
      : r.lock === 'expired'
        ? '; an expired lock (taken over by the deploy)'
        : '';
  return [
    `plan: deploy ${fleet.app} release ${release} (${Math.round(artifact.bytes / 1024)} KiB, ` +
      `sha256 ${artifact.sha256.slice(0, 12)}) to context ${fleet.ctx}${p.shard ? `, shard ${p.shard}` : ''}`,
    `strategy ${fleet.cfg.strategy}: ${batches.map((b, i) => `batch ${i + 1}/${batches.length} [${b.join(', ')}]`).join(' then ')}`,
    ...plan.map(
      (r) =>
        `  ${r.target}: current ${r.current ?? '(none)'}${r.live_slot ? ` (live slot ${r.live_slot})` : ''} -> ${release}` +
        `${r.new_slot ? ` in slot ${r.new_slot}` : ''}; ` +
        `rollback candidate ${r.rollback_candidate ?? '(none: first deploy)'}` +
        lockNote(r),
    ),
    'nothing was changed; run again with apply: true (--apply) to deploy',
  ].join('\n');
}

function planSummary(p: Prepared, plan: PlanRow[]): string {
  const { release, batches, fleet } = p;
  const bluegreen = fleet.cfg.strategy === 'bluegreen';
  const head =
    `#### Plan: ${fleet.app} ${release} (${fleet.cfg.strategy}, ` +
    `${batches.length} batch${batches.length === 1 ? '' : 'es'})`;
  const table = markdownTable(
    [
      'target',
      'batch',
      'current',
      'release',
      'rollback candidate',
      'lock',
      ...(bluegreen ? ['live slot', 'new slot'] : []),
    ],
    plan.map((r) => [
      r.target,
      `${r.batch}/${batches.length}`,
      r.current ?? '-',
      release,
      r.rollback_candidate ?? '(none: first deploy)',
      r.lock,
      ...(bluegreen ? [r.live_slot ?? '-', r.new_slot ?? '-'] : []),
    ]),
  );
  return `${head}\n\n${table}\n\nNothing was changed; run again with apply: true to deploy.\n`;
}

/** The plan: nothing changes on any target. */
async function planOutcome(run: DeployRun, p: Prepared): Promise<Outcome> {
  const plan = await planRows(run, p);
  Object.assign(run.fields, { plan, target_statuses: p.nodes.map((n) => `${n.name}:planned`).join(',') });
  return outcome(run.rt.redactor, {
    command: 'deploy',
    context: p.fleet.ctx,
    mode: run.mode,
    fields: run.fields,
    status: 'planned',
    line: [
      ['mode', 'plan'],
      ['release_id', p.release],
      ['shard', p.shard],
      ['targets', p.nodes.length],
      ['strategy', p.fleet.cfg.strategy],
      ['batches', p.batches.length],
    ],
    text: planText(p, plan),
    summary: planSummary(p, plan),
  });
}

/** The GitHub Deployment, the deploy.started event, and the record of the locks for the post step. */
async function startApply(run: DeployRun, p: Prepared): Promise<FleetOptions> {
  const { rt, s, fields } = run;
  const { fleet, release } = p;
  const { cfg, identity, app: appName, ctx: ctxName } = fleet;
  // a sharded deploy has one GitHub Deployment, made by finalize (which knows the fleet's outcome)
  run.tracker = p.shard
    ? null
    : await startDeployment(
        rt,
        s.github_token,
        fleet.loaded.environment(ctxName) ?? ctxName,
        `deploy ${appName} ${release} to ${ctxName}`,
        { context: ctxName, app: appName, release_id: release },
      );
  fleet.session.events.append('deploy.started', `deploy ${appName} ${release}`, {
    app: appName,
    release_id: release,
    strategy: cfg.strategy,
    fanout_plan: fields.fanout_plan,
    run: identity.run,
    actor: identity.actor,
    ...(p.shard ? { shard: p.shard } : {}),
  });
  // with what the post step needs to return a target a killed run had switched: its previous release and that release's health settings
  const onLocksChanged = trackLocks(
    rt,
    {
      op: 'deploy',
      context: ctxName,
      undo:
        cfg.strategy === 'bluegreen' ? undefined : { app: appName, release, run: identity.run, actor: identity.actor },
    },
    identity.token,
    (n) => ({
      previous: n.previous,
      health: n.previous ? (recordedHealth(n, n.previous) ?? cfg.health ?? null) : null,
    }),
  );
  return {
    cfg,
    release,
    artifact: p.artifact,
    rollbackOnFailure: s.rollback_on_failure,
    redactor: rt.redactor,
    log: run.log,
    onLocksChanged,
    now: rt.now,
    shard: p.shard,
  };
}

/** Lock and install everywhere, then the batches (or bluegreen's slots); the locks are released whatever happens. */
async function moveFleet(run: DeployRun, p: Prepared, fo: FleetOptions): Promise<FleetResult> {
  const { nodes, batches, fleet, release } = p;
  const { cfg, identity } = fleet;
  // the first batch's switch is staged while its upload runs (one round trip less when it is due)
  const firstBatch = new Set(cfg.strategy === 'bluegreen' ? [] : batches[0]);
  const staged = new Map<TargetNode, Staged>();
  try {
    await lockAndInstallAll(nodes, fo, lockOwner(run.rt, identity, 'deploy', release, cfg.lock_ttl), (n) => {
      if (firstBatch.has(n.name)) staged.set(n, stageSwitch(n, fo));
    });
    return cfg.strategy === 'bluegreen'
      ? await bluegreenFleet(nodes, fo, identity)
      : await switchFleet(nodes, fo, batches, identity, staged);
  } finally {
    for (const st of staged.values()) st.cancel();
    await unlockAll(nodes, fo);
  }
}

/** apply: move the fleet, record what happened, report. */
async function applyDeploy(run: DeployRun, p: Prepared): Promise<Outcome> {
  const fo = await startApply(run, p);
  const result = await moveFleet(run, p, fo);
  const { nodes, fleet, release } = p;
  Object.assign(run.fields, {
    target_statuses: targetStatuses(nodes),
    rolled_back_targets: result.rolledBack.join(','),
    previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(','),
    round_trips: nodes.map((n) => `${n.name}:${n.t.roundTrips}`).join(','),
  });
  recordHistory(fleet.session, run.rt, { kind: 'deploy', ok: result.ok, app: fleet.app, release, fields: run.fields });
  return result.ok ? succeeded(run, p) : deployFailed(run, p, result);
}

/** The fleet (or shard) did not make it: what failed, what was returned, the deploy_rollback line. */
async function deployFailed(run: DeployRun, p: Prepared, result: FleetResult): Promise<Outcome> {
  const { nodes, fleet, release } = p;
  const rolled = result.rolledBack;
  const sig = interruptRequested();
  // cancelled: the result says so (whatever step the cancel made fail), and what was returned
  const err = sig
    ? new StageError(
        'PAAS_INTERRUPTED',
        'interrupted',
        '',
        `deploy cancelled by ${sig}${rolled.length ? `; returned ${rolled.join(',')} to the release each ran before` : ''}`,
      )
    : (result.error as StageError);
  fleet.session.events.append(
    'deploy.failed',
    `deploy ${fleet.app} ${release} failed at ${err.stage} on ${err.target}; ` +
      `rolled back ${rolled.join(',') || 'nothing'}`,
    { ...run.fields, code: err.code, stage: err.stage, target: err.target },
    'error',
  );
  await run.tracker?.status('failure', `failed at ${err.stage} on ${err.target}; fleet rolled back`);
  const o = fail(run.rt, fleet.ctx, run.mode, err, run.fields, nodes);
  if (rolled.length)
    o.lines.unshift(
      statusLine(
        'deploy_rollback',
        [
          ['status', nodes.some((n) => n.status === 'rollback_failed') ? 'partial' : 'ok'],
          ['rolled_back', rolled],
        ],
        run.rt.redactor,
      ),
    );
  return o;
}

async function succeeded(run: DeployRun, p: Prepared): Promise<Outcome> {
  const { nodes, fleet, release } = p;
  const what = `${fleet.app} ${release}`;
  fleet.session.events.append('deploy.succeeded', `deployed ${what} to ${nodes.length} target(s)`, run.fields);
  await run.tracker?.status('success', `${what} healthy on ${nodes.length} target(s)`, fleet.cfg.url);
  return outcome(run.rt.redactor, {
    command: 'deploy',
    context: fleet.ctx,
    mode: run.mode,
    fields: run.fields,
    line: [
      ['release_id', release],
      ['shard', p.shard],
      ['targets', nodes.length],
      ['strategy', fleet.cfg.strategy],
      ['batches', p.batches.length],
    ],
    summary: tableSummary(`Deployed ${what}${p.shard ? ` (shard ${p.shard})` : ''}`, nodes, release),
    exitCode: EXIT_OK,
  });
}

/**
 * `mode: plan_shards`: the matrix of a sharded deploy, from the targets (the vault) and the strategy
 * (paas.yml) alone: no connection, no artifact; the same inputs give a byte-identical `matrix`.
 */
async function planShardsRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const fo = {
    op: 'deploy plan_shards',
    app: s.app,
    mutating: false,
    log: (m: string) => rt.logger.info(m),
    fail: (e: unknown, ctx: string | null) => fail(rt, ctx, 'plan_shards', e, {}),
  };
  return withFleet(rt, common, fo, async (fleet) => {
    if (s.shards === undefined)
      throw new PaasError('PAAS_INVALID_ARGUMENT', 'mode plan_shards needs `shards`', {
        stage: 'input',
        remediation: 'Pass `shards: N` (--plan-shards N), the number of matrix jobs to split the targets over.',
      });
    const plan = planShards(
      fleet.nodes.map((n) => n.name),
      fleet.cfg,
      s.shards,
    );
    if (plan.count < plan.requested)
      rt.logger.info(
        `${plan.requested} shards requested, ${fleet.nodes.length} target(s) (${fleet.cfg.strategy}) ` +
          `make ${plan.count}: one per ${fleet.cfg.strategy === 'rolling' ? 'batch' : 'target'}`,
      );
    const rows = plan.slices.map((t, i) => ({ shard: `${i + 1}/${plan.count}`, targets: t.join(',') }));
    const fields = {
      app: fleet.app,
      strategy: fleet.cfg.strategy,
      matrix: plan.matrix,
      shards: plan.count,
      shards_requested: plan.requested,
      shard_plan: rows,
      targets: fleet.nodes.length,
    };
    return outcome(rt.redactor, {
      command: 'deploy',
      context: fleet.ctx,
      mode: 'plan_shards',
      fields,
      status: 'ok',
      line: [
        ['mode', 'plan_shards'],
        ['shards', plan.count],
        ['targets', fleet.nodes.length],
        ['strategy', fleet.cfg.strategy],
      ],
      text: [`matrix: ${plan.matrix}`, ...rows.map((r) => `  shard ${r.shard}: ${r.targets}`)].join('\n'),
      summary: `#### Shards: ${fleet.app} (${fleet.cfg.strategy})\n\n${markdownTable(
        ['shard', 'targets'],
        rows.map((r) => [r.shard, r.targets]),
      )}\n`,
      exitCode: EXIT_OK,
    });
  });
}

type States = Map<string, TargetState | StageError>;

/** The release the runner last recorded as deployed or rolled back to (state.db), or null. */
function recordedRelease(rt: Runtime, fleet: OpenFleet): string | null {
  try {
    const st = fleet.session.store.openState(fleet.ctx, rt.redactor);
    try {
      const rec = [
        ...st.scoped.list<{ ok: boolean; app: string; release_id: string }>('deploy', 50),
        ...st.scoped.list<{ ok: boolean; app: string; release_id: string }>('rollback', 50),
      ]
        .filter((r) => r.data.ok && r.data.app === fleet.app)
        .sort((a, b) => b.at.localeCompare(a.at))[0];
      return rec?.data.release_id ?? null;
    } finally {
      st.close();
    }
  } catch {
    return null; // no runner-side history
  }
}

/** The release the fleet's majority runs, or null. */
function majorityRelease(states: States): string | null {
  const counts = new Map<string, number>();
  for (const v of states.values())
    if (!(v instanceof StageError) && v.current) counts.set(v.current, (counts.get(v.current) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/**
 * The expected release, from the targets' own history (the source of truth, on a fresh runner too):
 * per target the newest release whose last mark is good (a rollback marks the release it left bad
 * and the one it returned to good; a fleet rollback marks the failed release bad), then the one
 * most targets name (ties: the latest good mark); the runner's own records only when no target has
 * history; else the fleet's majority.
 */
function expectedOf(rt: Runtime, fleet: OpenFleet, states: States): string | null {
  return (
    expectedRelease([...states.values()].filter((v): v is TargetState => !(v instanceof StageError))) ??
    recordedRelease(rt, fleet) ??
    majorityRelease(states)
  );
}

interface ReconcileRow {
  target: string;
  status: string;
  current: string | null;
  detail?: string | undefined;
}

function reconcileOutcome(rt: Runtime, fleet: OpenFleet, expected: string | null, rows: ReconcileRow[]): Outcome {
  const statuses = rows.map((r) => `${r.target}:${r.status}`).join(',');
  const errors = rows.filter((r) => r.status === 'error').length;
  const fields = { app: fleet.app, expected_release: expected, target_statuses: statuses, reconcile: rows };
  return outcome(rt.redactor, {
    command: 'deploy',
    context: fleet.ctx,
    mode: 'reconcile',
    fields,
    status: errors ? 'fail' : 'ok',
    line: [
      ['mode', 'reconcile'],
      ['release', expected ?? undefined],
      ['targets', rows.length],
      ['failed', errors],
    ],
    exitCode: errors ? EXIT_ERROR : EXIT_OK,
    text: rows
      .map(
        (r) =>
          `${r.target}: ${r.status}${r.current ? ` (current ${r.current})` : ''}${r.detail ? ` - ${r.detail}` : ''}`,
      )
      .join('\n'),
    summary: `#### Reconcile ${fleet.app}\n\n${markdownTable(
      ['target', 'status', 'current', 'detail'],
      rows.map((r) => [r.target, r.status, r.current ?? '-', r.detail ?? '']),
    )}\n`,
  });
}

/** Per target: ok | missing | drifted | orphaned | unmanaged | error. Exit 1 only on error. */
async function reconcileRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const log = (m: string) => rt.logger.debug(m);
  const fo = {
    op: 'deploy reconcile',
    app: s.app,
    mutating: false,
    log,
    fail: (e: unknown, ctx: string | null, nodes: TargetNode[]) => fail(rt, ctx, 'reconcile', e, {}, nodes),
  };
  return withFleet(rt, common, fo, async (fleet) => {
    const { nodes } = fleet;
    await mapLimit(nodes, fleet.cfg.connect_concurrency, (n) => connectTransport(n.t));
    const states = await readStates(nodes, fleet.cfg.max_parallel);
    const expected = expectedOf(rt, fleet, states);
    const nowSec = rt.now().getTime() / 1000;
    const rows = nodes.map((n): ReconcileRow => {
      const v = states.get(n.name);
      if (!v || v instanceof StageError)
        return {
          target: n.name,
          status: 'error',
          current: null,
          detail: v instanceof StageError ? v.message : 'no state',
        };
      return { target: n.name, current: v.current, ...classify(v, expected, nowSec) };
    });
    return reconcileOutcome(rt, fleet, expected, rows);
  });
}

function classify(v: TargetState, expected: string | null, nowSec: number): { status: string; detail?: string } {
  if (!v.exists || (!v.current && v.releases.length === 0))
    return { status: 'missing', detail: 'the app is not deployed here' };
  const { status } = releaseStatuses(v.history);
  if (v.history.length === 0) return { status: 'unmanaged', detail: 'releases exist but no paas history' };
  if (v.current && !v.releases.includes(v.current))
    return { status: 'orphaned', detail: `current points to a missing release ${v.current}` };
  const exp = typeof v.lockOwner?.expires === 'number' ? (v.lockOwner.expires as number) : null;
  if (v.lockOwner && exp !== null && exp < nowSec)
    return { status: 'orphaned', detail: 'a stale lock is left on the target' };
  if (!v.current) return { status: 'missing', detail: 'no current release' };
  if (status.get(v.current) === 'bad') return { status: 'drifted', detail: `current ${v.current} is marked bad` };
  if (expected && v.current !== expected)
    return { status: 'drifted', detail: `current ${v.current}, expected ${expected}` };
  return { status: 'ok' };
}

type CheckRow = Record<string, string>;

/** The `key=value` lines of checkScript's output. */
function kvLines(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** One health check of the running release (its deadline: one check's timeout). */
async function runtimeCheck(
  fleet: OpenFleet,
  n: TargetNode,
  current: string,
  row: CheckRow,
  rt: Runtime,
): Promise<void> {
  const health = fleet.cfg.health;
  if (!health) return void (row.runtime = 'no health check');
  const log = (m: string) => rt.logger.debug(m);
  const g = await healthGate(
    n.t,
    { ...health, deadline: Math.min(health.timeout, health.deadline) },
    n.appDir,
    n.env(current),
    log,
    rt.redactor,
  );
  row.runtime = g.ok ? 'healthy' : `unhealthy: ${g.reason}`;
  if (!g.ok) row.status = 'fail';
}

/** Connection and host key, tools, disk, writable root, runtime health of one target. */
async function checkTarget(rt: Runtime, fleet: OpenFleet, n: TargetNode): Promise<CheckRow> {
  const row: CheckRow = {
    target: n.name,
    ssh: '-',
    host_key: '-',
    disk_pct: '-',
    tools: '-',
    runtime: '-',
    status: 'ok',
    detail: '',
  };
  try {
    await connectTransport(n.t);
    row.ssh = 'ok';
    row.host_key = n.t.kind === 'ssh' ? 'verified' : 'local';
    const kv = kvLines((await n.t.exec(checkScript(n.appDir), { timeoutMs: 30_000 })).stdout);
    const missing = Object.keys(kv)
      .filter((k) => k.startsWith('tool_') && kv[k] === 'no')
      .map((k) => k.slice(5));
    row.tools = missing.length ? `missing ${missing.join(' ')}` : 'ok';
    row.disk_pct = kv.disk_pct ?? '?';
    if (missing.length || kv.writable === 'no' || Number(kv.disk_pct) >= 95) row.status = 'fail';
    if (kv.writable === 'no') row.detail = 'deploy root not writable';
    if (kv.current) await runtimeCheck(fleet, n, kv.current, row, rt);
    else row.runtime = 'not deployed';
  } catch (e) {
    row.status = 'fail';
    if (e instanceof TransportError) {
      row.ssh = e.kind === 'hostkey' ? 'ok' : 'fail';
      row.host_key = e.kind === 'hostkey' ? 'MISMATCH' : '-';
    }
    row.detail = errorMessage(e);
  }
  return row;
}

function targetCheckOutcome(rt: Runtime, fleet: OpenFleet, rows: CheckRow[]): Outcome {
  const failed = rows.filter((r) => r.status !== 'ok');
  const fields = {
    app: fleet.app,
    target_statuses: rows.map((r) => `${r.target}:${r.status}`).join(','),
    checks: rows,
  };
  return outcome(rt.redactor, {
    command: 'deploy',
    context: fleet.ctx,
    mode: 'target_check',
    fields,
    status: failed.length ? 'fail' : 'ok',
    line: [
      ['mode', 'target_check'],
      ['targets', rows.length],
      ['failed', failed.length],
    ],
    exitCode: failed.length ? EXIT_ERROR : EXIT_OK,
    text: rows
      .map(
        (r) =>
          `${r.target}: ${r.status} ssh=${r.ssh} host_key=${r.host_key} disk=${r.disk_pct}% tools=${r.tools} ` +
          `runtime=${r.runtime}${r.detail ? ` (${r.detail})` : ''}`,
      )
      .join('\n'),
    summary: `#### Target check\n\n${markdownTable(
      ['target', 'status', 'ssh', 'host key', 'disk %', 'tools', 'runtime', 'detail'],
      rows.map((r) => [r.target, r.status, r.ssh, r.host_key, r.disk_pct, r.tools, r.runtime, r.detail]),
    )}\n`,
  });
}

/** reachability, SSH, host key, disk, tools, the service's runtime (health) per target. */
async function targetCheckRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const fo = {
    op: 'target check',
    app: s.app,
    mutating: false,
    log: (m: string) => rt.logger.debug(m),
    fail: (e: unknown, ctx: string | null, nodes: TargetNode[]) => fail(rt, ctx, 'target_check', e, {}, nodes),
  };
  return withFleet(rt, common, fo, async (fleet) => {
    const rows = await Promise.all(fleet.nodes.map((n) => checkTarget(rt, fleet, n)));
    return targetCheckOutcome(rt, fleet, rows);
  });
}
