/**
 * `mode: finalize` of a sharded deploy (docs/deploy.md#sharded-deploys): after every matrix job,
 * whatever happened to them, reads each target's own state and history (no runner state crosses
 * jobs) and either marks the release good everywhere or, when any target did not reach it healthy,
 * returns every target this run switched to it, in every shard, to the release it ran before; locks
 * this run's cancelled shards left are released (never another run's). Idempotent.
 */
import type { DeploymentTracker } from '../../github/api.js';
import type { Outcome } from '../../output/envelope.js';
import { errorMessage } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { finalizeScript, prepareScript, unlockScript } from '../../transport/commands.js';
import { mapLimit } from '../../transport/limit.js';
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
  fleetRollback,
  readStates,
  StageError,
  targetStatuses,
  unlockAll,
  type FleetOptions,
  type TargetNode,
} from './fleet.js';
import { runPreflight } from './preflight.js';
import { checkTriggerPolicy, committedTrigger } from './policy.js';
import { parseState, releaseStatuses, type HistoryLine, type TargetState } from '../../transport/release-state.js';
import { historyLine } from './releases.js';
import { fail } from './report.js';
import type { DeploySettings } from './run.js';
import { requireShardRelease, shardIdentity, shardSlice } from './shards.js';

type OpenFleet = Fleet & { app: string; ctx: string };

/** What finalize found on one target. */
interface Verdict {
  target: string;
  /** healthy: on the release, marked good by this run; switched: on the release, not healthy; */
  /** not_reached: never switched by this run (or returned by its shard); unreadable: no state */
  verdict: 'healthy' | 'switched' | 'not_reached' | 'unreadable';
  current: string | null;
  /** the release to return it to (this run's shard recorded it, else the newest good one before this run) */
  previous: string | null;
  /** this run moved `current` to the release (a rollback would return it) */
  switchedByRun: boolean;
  /** a lock of this run (run id and release) is left on it */
  ourLock: boolean;
  /** the finalize mark of this run is already the release's last line */
  marked: boolean;
  detail: string;
}

/** The newest good release (other than `release`, still on the target) before this run's first history line. */
function previousBefore(st: TargetState, run: string, release: string): string | null {
  const first = st.history.findIndex((h) => h.run === run);
  if (first < 0) return null;
  const { goodOrder } = releaseStatuses(st.history.slice(0, first));
  return goodOrder.find((r) => r !== release && st.releases.includes(r)) ?? null;
}

function notReachedDetail(lines: HistoryLine[]): string {
  const back = lines.filter((h) => h.event === 'fleet_rollback').at(-1);
  if (back) return `its shard failed (${back.reason ?? 'a failure'}) and returned it`;
  if (lines.some((h) => h.event === 'unpack'))
    return 'unpacked, never switched: its shard failed or was cancelled before the switch';
  return 'not deployed by this run: its shard never ran or was cancelled before it';
}

/** One target's verdict from its state (pure). */
export function judge(name: string, st: TargetState | StageError | undefined, run: string, release: string): Verdict {
  const base = { target: name, current: null, previous: null, switchedByRun: false, ourLock: false, marked: false };
  if (!st || st instanceof StageError)
    return { ...base, verdict: 'unreadable', detail: st instanceof StageError ? st.message : 'no state' };
  const mine = st.history.filter((h) => h.run === run && h.release === release);
  const deployed = mine.filter((h) => h.event === 'deploy' && h.status === 'good').at(-1);
  const previous = deployed && deployed.previous !== undefined ? deployed.previous : previousBefore(st, run, release);
  const onIt = st.current === release;
  const lastOfRelease = st.history.filter((h) => h.release === release).at(-1);
  const v = {
    ...base,
    current: st.current,
    previous,
    switchedByRun: onIt && mine.length > 0 && previous !== release,
    ourLock: st.lockOwner?.run === run && st.lockOwner?.release === release,
    marked: lastOfRelease?.event === 'mark' && lastOfRelease.run === run,
  };
  const good = releaseStatuses(st.history).status.get(release) === 'good';
  if (onIt && good && deployed) return { ...v, verdict: 'healthy', detail: 'on the release, healthy' };
  if (v.switchedByRun) return { ...v, verdict: 'switched', detail: 'switched, never reported healthy (cancelled?)' };
  return { ...v, verdict: 'not_reached', detail: onIt ? 'ran the release before this run' : notReachedDetail(mine) };
}

interface Finalizing {
  rt: Runtime;
  /** the sharded deploy's one GitHub Deployment (with github_token), or null */
  tracker: DeploymentTracker | null;
  fleet: OpenFleet;
  release: string;
  verdicts: Verdict[];
  fo: FleetOptions;
  fields: Record<string, unknown>;
}

/** Marks the release good on every target (once per run) and releases a lock this run left; throws on any failure. */
async function markGood(f: Finalizing): Promise<void> {
  const { fleet, release, verdicts } = f;
  const at = f.rt.now();
  const reason = `finalize: healthy on all ${verdicts.length} target(s)`;
  const results = await mapLimit(fleet.nodes, fleet.cfg.max_parallel, async (n) => {
    const v = verdicts.find((x) => x.target === n.name) as Verdict;
    const script = !v.marked
      ? finalizeScript(n.appDir, {
          env: n.env(release),
          historyLine: historyLine(fleet.identity, at, { event: 'mark', status: 'good', release, reason }),
          prune: [],
          unlockToken: fleet.identity.token,
        })
      : v.ourLock
        ? unlockScript(n.appDir, fleet.identity.token)
        : null;
    if (script) {
      const r = await n.run(script, 'finalize', fleet.cfg.command_timeout, false);
      if (r.code !== 0)
        throw new StageError('PAAS_REMOTE_APPLY_FAILED', 'finalize', n.name, `marking ${release} good failed`);
    }
    n.moveTo('ok');
  });
  const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (bad) throw bad.reason;
}

/** Takes this run's lock on each target to return (re-entering a lock a cancelled shard left); another run's lock: not touched. */
async function lockToReturn(f: Finalizing, nodes: TargetNode[]): Promise<TargetNode[]> {
  const { fleet, release } = f;
  const owner = lockOwner(f.rt, fleet.identity, 'deploy', release, fleet.cfg.lock_ttl);
  const spec = {
    token: fleet.identity.token,
    run: fleet.identity.run,
    attempt: fleet.identity.attempt,
    ownerJson: owner,
    ttlSeconds: fleet.cfg.lock_ttl / 1000,
  };
  const locked: TargetNode[] = [];
  await mapLimit(nodes, fleet.cfg.max_parallel, async (n) => {
    try {
      const r = await n.run(prepareScript(n.appDir, spec), 'lock', 60_000, false);
      const st = parseState(r.stdout);
      if (r.code !== 0 || st.lock === 'held' || !st.lock) throw new Error('the lock is held by another run');
      n.state = st;
      n.lockHeld = true;
      locked.push(n);
    } catch (e) {
      n.moveTo('rollback_failed');
      n.note(`paas: not returned: ${errorMessage(e)}`);
    }
  });
  f.fo.onLocksChanged(fleet.nodes.filter((n) => n.lockHeld));
  return nodes.filter((n) => locked.includes(n)); // in PAAS_TARGETS order
}

/** Some target did not reach the release: every target this run switched to it goes back; our leftover locks go. */
async function returnAll(f: Finalizing): Promise<string[]> {
  const { fleet, verdicts } = f;
  const byName = new Map(verdicts.map((v) => [v.target, v]));
  const toReturn: TargetNode[] = [];
  for (const n of fleet.nodes) {
    const v = byName.get(n.name) as Verdict;
    if (v.verdict === 'unreadable') n.moveTo('failed');
    else if (v.switchedByRun) {
      n.moveTo(v.verdict === 'healthy' ? 'ok' : 'failed');
      toReturn.push(n);
    } else n.moveTo('skipped');
    // a lock this run left (a cancelled shard): released below with the run's token
    if (v.ourLock) n.lockHeld = true;
  }
  const locked = await lockToReturn(f, toReturn);
  for (const n of locked) {
    const v = byName.get(n.name) as Verdict;
    n.previous = v.previous;
    n.switched = true;
  }
  const first = verdicts.find((v) => v.verdict !== 'healthy') as Verdict;
  const cause = new StageError('PAAS_REMOTE_APPLY_FAILED', 'finalize', first.target, first.detail);
  try {
    return await fleetRollback(locked, f.fo, fleet.identity, cause);
  } finally {
    await unlockAll(fleet.nodes, f.fo);
  }
}

function verdictTable(verdicts: Verdict[]): string {
  return markdownTable(
    ['target', 'verdict', 'current', 'previous', 'detail'],
    verdicts.map((v) => [v.target, v.verdict, v.current ?? '-', v.previous ?? '-', v.detail]),
  );
}

function finalizeFailure(f: Finalizing, rolledBack: string[]): Outcome {
  const { fleet, release, verdicts } = f;
  const missing = verdicts.filter((v) => v.verdict !== 'healthy');
  const first = missing[0] as Verdict;
  const err = new StageError(
    first.verdict === 'unreadable' ? 'PAAS_REMOTE_CONNECT_FAILED' : 'PAAS_REMOTE_APPLY_FAILED',
    'finalize',
    first.target,
    `release ${release} did not reach every target healthy: ` +
      missing.map((v) => `${v.target} (${v.detail})`).join(', ') +
      (rolledBack.length ? `; returned ${rolledBack.join(',')} to the release each ran before` : ''),
    'The sharded deploy failed as a whole. Read the failed shard job (or why it was cancelled), fix the cause and ' +
      'deploy again with a new release_id; finalize is safe to run again.',
  );
  Object.assign(f.fields, { rolled_back_targets: rolledBack.join(','), target_statuses: targetStatuses(fleet.nodes) });
  fleet.session.events.append(
    'deploy.failed',
    `sharded deploy ${fleet.app} ${release} failed; finalize returned ${rolledBack.join(',') || 'nothing'}`,
    { ...f.fields, code: err.code, stage: err.stage, target: err.target },
    'error',
  );
  recordHistory(fleet.session, f.rt, { kind: 'deploy', ok: false, app: fleet.app, release, fields: f.fields });
  const o = fail(f.rt, fleet.ctx, 'finalize', err, f.fields, fleet.nodes);
  o.summary = `${o.summary ?? ''}\n#### Finalize: what each target showed\n\n${verdictTable(verdicts)}\n`;
  return o;
}

function finalizeSuccess(f: Finalizing): Outcome {
  const { fleet, release, verdicts } = f;
  Object.assign(f.fields, { target_statuses: targetStatuses(fleet.nodes), rolled_back_targets: '' });
  fleet.session.events.append('deploy.succeeded', `sharded deploy ${fleet.app} ${release} finalized`, f.fields);
  recordHistory(fleet.session, f.rt, { kind: 'deploy', ok: true, app: fleet.app, release, fields: f.fields });
  return outcome(f.rt.redactor, {
    command: 'deploy',
    context: fleet.ctx,
    mode: 'finalize',
    fields: f.fields,
    line: [
      ['mode', 'finalize'],
      ['release_id', release],
      ['targets', verdicts.length],
    ],
    summary: `#### Finalized ${fleet.app} ${release}: healthy on every target\n\n${verdictTable(verdicts)}\n`,
    exitCode: EXIT_OK,
  });
}

/** Without apply: what finalize would do, nothing changed. */
function finalizePlan(f: Finalizing): Outcome {
  const { fleet, release, verdicts } = f;
  const ok = verdicts.every((v) => v.verdict === 'healthy');
  const back = verdicts.filter((v) => v.switchedByRun).map((v) => v.target);
  Object.assign(f.fields, { target_statuses: verdicts.map((v) => `${v.target}:${v.verdict}`).join(',') });
  return outcome(f.rt.redactor, {
    command: 'deploy',
    context: fleet.ctx,
    mode: 'finalize',
    fields: f.fields,
    status: 'planned',
    line: [
      ['mode', 'finalize'],
      ['release_id', release],
      ['targets', verdicts.length],
    ],
    text: [
      ok
        ? `plan: ${release} is healthy on every target; finalize would mark it good everywhere`
        : `plan: ${release} did not reach every target; finalize would return ${back.join(',') || 'no target'}`,
      ...verdicts.map((v) => `  ${v.target}: ${v.verdict} (${v.detail})`),
      'nothing was changed; run again with apply: true (--apply) to finalize',
    ].join('\n'),
    summary: `#### Finalize plan: ${fleet.app} ${release}\n\n${verdictTable(verdicts)}\n`,
    exitCode: ok ? EXIT_OK : EXIT_ERROR,
  });
}

/** Reads every target (an unreachable one is `unreadable`: never a success) and judges it. */
async function readVerdicts(fleet: OpenFleet, release: string): Promise<Verdict[]> {
  await connectAll(fleet.nodes, fleet.cfg).catch(() => {
    /* each unreachable target is reported by readStates below */
  });
  const states = await readStates(fleet.nodes, fleet.cfg.max_parallel);
  return fleet.nodes.map((n) => judge(n.name, states.get(n.name), fleet.identity.run, release));
}

function finalizeOptions(rt: Runtime, fleet: OpenFleet, release: string): FleetOptions {
  return {
    cfg: fleet.cfg,
    release,
    artifact: { file: '', sha256: '', bytes: 0 },
    rollbackOnFailure: true,
    redactor: rt.redactor,
    log: (m) => rt.logger.info(m),
    onLocksChanged: trackLocks(rt, { op: 'deploy', context: fleet.ctx }, fleet.identity.token),
    now: rt.now,
  };
}

async function finalizeBody(rt: Runtime, common: CommonInputs, s: DeploySettings, fleet: OpenFleet): Promise<Outcome> {
  const release = requireShardRelease(s.release_id, 'finalize');
  shardSlice(
    fleet.nodes.map((n) => n.name),
    fleet.cfg,
    { index: 1, count: 1 },
  ); // refuses bluegreen and an empty fleet
  Object.assign(fleet.identity, shardIdentity(rt, fleet.ctx, fleet.app, release));
  if (s.apply) {
    const { session } = fleet;
    checkTriggerPolicy(rt, session.config, session.vault, 'deploy', committedTrigger(rt, common, session.config.name));
    await runPreflight(rt, common);
  }
  const verdicts = await readVerdicts(fleet, release);
  const fields: Record<string, unknown> = { app: fleet.app, release_id: release, targets: verdicts.length };
  Object.assign(fields, {
    finalize: verdicts.map(({ target, verdict, current, previous, detail }) => ({
      target,
      verdict,
      current,
      previous,
      detail,
    })),
  });
  const f: Finalizing = {
    rt,
    tracker: null,
    fleet,
    release,
    verdicts,
    fo: finalizeOptions(rt, fleet, release),
    fields,
  };
  return s.apply ? applyFinalize(f, s) : finalizePlan(f);
}

/** Marks good everywhere or returns the fleet; the sharded deploy's one GitHub Deployment says which. */
async function applyFinalize(f: Finalizing, s: DeploySettings): Promise<Outcome> {
  const { rt, fleet, release, verdicts } = f;
  f.tracker = await startDeployment(
    rt,
    s.github_token,
    fleet.loaded.environment(fleet.ctx) ?? fleet.ctx,
    `deploy ${fleet.app} ${release} to ${fleet.ctx} (sharded)`,
    { context: fleet.ctx, app: fleet.app, release_id: release },
  );
  try {
    if (verdicts.every((v) => v.verdict === 'healthy')) {
      await markGood(f);
      await f.tracker?.status(
        'success',
        `${fleet.app} ${release} healthy on ${verdicts.length} target(s)`,
        fleet.cfg.url,
      );
      return finalizeSuccess(f);
    }
    const rolledBack = await returnAll(f);
    const missing = verdicts.filter((v) => v.verdict !== 'healthy').map((v) => v.target);
    await f.tracker?.status(
      'failure',
      `${release} did not reach ${missing.join(',')}; returned ${rolledBack.length} target(s) ` +
        'to their previous release',
    );
    return finalizeFailure(f, rolledBack);
  } catch (e) {
    await f.tracker?.status('failure', `finalize of ${release} failed`);
    throw e;
  }
}

/** `mode: finalize` (`paas deploy --finalize --release-id <id>`). */
export async function finalizeRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const fields: Record<string, unknown> = {};
  return withFleet(
    rt,
    common,
    {
      op: 'deploy finalize',
      app: s.app,
      mutating: s.apply,
      log: (m) => rt.logger.info(m),
      fail: (e, ctx, nodes) => fail(rt, ctx, 'finalize', e, fields, nodes),
    },
    (fleet) => finalizeBody(rt, common, s, fleet),
  );
}
