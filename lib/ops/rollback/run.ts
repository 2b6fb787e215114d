import type { DeploymentTracker } from '../../github/api.js';
import type { Outcome } from '../../output/envelope.js';
import { errorMessage } from '../../output/errors.js';
import { EXIT_OK } from '../../output/exit.js';
import { failure, outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContextSession } from '../../runtime/session.js';
import { selectTargets } from '../../transport/targets.js';
import {
  fanoutPlan,
  lockAll,
  readStates,
  StageError,
  switchFleet,
  targetStatuses,
  toPaasError,
  unlockAll,
  type FleetOptions,
  type TargetNode,
} from '../deploy/fleet.js';
import { runPreflight } from '../deploy/preflight.js';
import { checkTriggerPolicy, committedTrigger } from '../deploy/policy.js';
import {
  connectAll,
  lockOwner,
  recordHistory,
  startDeployment,
  trackLocks,
  withFleet,
  type Fleet,
} from '../deploy/fleet-session.js';
import type { TargetState } from '../../transport/release-state.js';
import type { RollbackSettings } from './inputs.js';
import { resolveRollback } from './resolve.js';

/** A rollback's remote step that failed is PAAS_ROLLBACK_APPLY_FAILED (lock, health, connection and interrupt codes stay). */
function rollbackError(e: StageError): StageError {
  return e.code === 'PAAS_REMOTE_APPLY_FAILED'
    ? new StageError('PAAS_ROLLBACK_APPLY_FAILED', e.stage, e.target, e.message)
    : e;
}

/** The job summary of a failed rollback: the error and its fix first, then each target (already redacted: from the envelope). */
function failureSummary(o: Outcome, app: string, to: string, nodes: TargetNode[]): string {
  const e = o.envelope.error;
  const head = e
    ? `**${e.code}**${e.stage ? ` at ${e.stage}` : ''}${e.target ? ` on ${e.target}` : ''}: ` +
      `${e.message}\n\n**Fix:** ${e.remediation}\n\n`
    : '';
  const table = nodes.length
    ? `#### Rollback ${app}${to ? ` to ${to}` : ''}\n\n${markdownTable(
        ['target', 'before', 'status'],
        nodes.map((n) => [n.name, n.previous ?? '-', n.status]),
      )}\n`
    : '';
  return head + table;
}

/** What one rollback run carries between its steps. */
interface RollbackRun {
  rt: Runtime;
  common: CommonInputs;
  s: RollbackSettings;
  mode: 'plan' | 'apply';
  log: (m: string) => void;
  /** the selected targets, once the fleet is open */
  nodes: TargetNode[];
  session: ContextSession | null;
  fields: Record<string, unknown>;
  tracker: DeploymentTracker | null;
}

type OpenFleet = Fleet & { app: string; ctx: string };

/** rollback: plan (default) or apply, per PRODUCT.md section 4 (a GitHub Deployment like deploy's when applied). */
export async function rollbackRun(rt: Runtime, common: CommonInputs, s: RollbackSettings): Promise<Outcome> {
  const r: RollbackRun = {
    rt,
    common,
    s,
    mode: s.apply ? 'apply' : 'plan',
    log: (m: string) => rt.logger.info(m),
    nodes: [],
    session: null,
    fields: {},
    tracker: null,
  };
  const fail = (e: unknown, ctxName: string | null) => rollbackFailed(r, e, ctxName);
  return withFleet(rt, common, { op: 'rollback', app: s.app, mutating: s.apply, log: r.log, fail }, async (fleet) => {
    r.session = fleet.session;
    const to = await resolveTargets(r, fleet);
    return s.apply ? applyRollback(r, fleet, to) : rollbackPlan(r, fleet, to);
  });
}

/** A failure before the targets moved (or while opening the fleet): event, GitHub status, outcome. */
async function rollbackFailed(r: RollbackRun, e: unknown, ctxName: string | null): Promise<Outcome> {
  const { nodes, fields, s } = r;
  if (nodes.length) fields.target_statuses = targetStatuses(nodes);
  const se = e instanceof StageError ? e : null;
  if (r.session && s.apply)
    r.session.events.append('rollback.failed', `rollback failed: ${errorMessage(e)}`, fields, 'error');
  const switched = nodes.some((n) => n.status === 'rolled_back');
  await r.tracker?.status(
    'failure',
    `rollback failed${se ? ` at ${se.stage}${se.target ? ` on ${se.target}` : ''}` : ''}${switched ? '' : ' before any target switched'}`,
  );
  const failing = se ? nodes.find((n) => n.name === se.target) : undefined;
  const o = failure(r.rt.redactor, 'rollback', ctxName, r.mode, se ? toPaasError(se) : e, {
    ...fields,
    ...(se ? { failed_stage: se.stage, failed_target: se.target } : {}),
    ...(failing ? { last_log_lines: failing.lastLines().join('\n') } : {}),
  });
  o.summary = failureSummary(
    o,
    typeof fields.app === 'string' ? fields.app : (s.app ?? ''),
    typeof fields.release_id === 'string' ? fields.release_id : (s.to_release ?? ''),
    nodes,
  );
  return o;
}

/** The selected targets, connected and read; the release to return to (explicit, or the newest good one on every target). */
async function resolveTargets(r: RollbackRun, fleet: OpenFleet): Promise<string> {
  const chosen = new Set(
    selectTargets(
      fleet.nodes.map((n) => n.spec),
      r.s.target,
    ).map((t) => t.id),
  );
  r.nodes = fleet.nodes.filter((n) => chosen.has(n.name));
  const { nodes } = r;
  await connectAll(nodes, fleet.cfg);
  const states = await readStates(nodes, fleet.cfg.max_parallel);
  const err = [...states.values()].find((v) => v instanceof StageError) as StageError | undefined;
  if (err) throw err;
  const resolved = resolveRollback(
    nodes.map((n) => ({ target: n.name, state: n.state as TargetState })),
    r.s.to_release,
    r.s.allow_bad_release,
  );
  const to = resolved.release;
  Object.assign(r.fields, {
    app: fleet.app,
    release_id: to,
    fanout_plan: fanoutPlan([nodes.map((n) => n.name)]),
    targets: nodes.length,
    previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(','),
  });
  return to;
}

/** The plan: what each target would go to; nothing changes. */
function rollbackPlan(r: RollbackRun, fleet: OpenFleet, to: string): Outcome {
  const { nodes, fields } = r;
  const { app: appName, ctx: ctxName } = fleet;
  Object.assign(fields, {
    target_statuses: nodes.map((n) => `${n.name}:${n.previous === to ? 'unchanged' : 'planned'}`).join(','),
  });
  const text = [
    `plan: roll ${appName} in ${ctxName} back to ` +
      `${to}${r.s.to_release ? '' : ' (newest good release before current; bad ones skipped)'}`,
    ...nodes.map(
      (n) => `  ${n.name}: ${n.previous ?? '(none)'} -> ${to}${n.previous === to ? ' (already there)' : ''}`,
    ),
    'nothing was changed; run again with apply: true (--apply) to roll back',
  ].join('\n');
  return outcome(r.rt.redactor, {
    command: 'rollback',
    context: ctxName,
    mode: r.mode,
    fields,
    status: 'planned',
    line: [
      ['mode', 'plan'],
      ['release_id', to],
      ['targets', nodes.length],
    ],
    text,
    summary: `#### Rollback plan: ${appName} to ${to}\n\n${markdownTable(
      ['target', 'current', 'to'],
      nodes.map((n) => [n.name, n.previous ?? '-', to]),
    )}\n`,
  });
}

/** Trigger policy, preflight, the GitHub Deployment, the record of the locks, the rollback.started event. */
async function startRollback(r: RollbackRun, fleet: OpenFleet, to: string): Promise<FleetOptions> {
  const { rt, common } = r;
  const { session } = fleet;
  const { app: appName, ctx: ctxName, cfg, identity } = fleet;
  checkTriggerPolicy(rt, session.config, session.vault, 'rollback', committedTrigger(rt, common, session.config.name));
  await runPreflight(rt, common);
  r.tracker = await startDeployment(
    rt,
    r.s.github_token,
    fleet.loaded.environment(ctxName) ?? ctxName,
    `rollback ${appName} to ${to} in ${ctxName}`,
    { context: ctxName, app: appName, release_id: to, rollback: true },
  );
  const onLocksChanged = trackLocks(rt, { op: 'rollback', context: ctxName }, identity.token);
  session.events.append('rollback.started', `rollback ${appName} to ${to}`, {
    ...r.fields,
    run: identity.run,
    actor: identity.actor,
  });
  // deploy's pipeline without the install: lock, switch, health, finalize (history + unlock), or a fleet rollback
  return {
    cfg,
    release: to,
    artifact: { file: '', sha256: '', bytes: 0 },
    rollbackOnFailure: true,
    redactor: rt.redactor,
    log: r.log,
    onLocksChanged,
    now: rt.now,
    healthFromHistory: true,
    op: 'rollback',
  };
}

/** Lock, re-check under the lock, move the targets not on the release yet; the locks are released whatever happens. */
async function moveRollback(
  r: RollbackRun,
  fleet: OpenFleet,
  to: string,
  fo: FleetOptions,
): Promise<StageError | null> {
  const { nodes } = r;
  const { cfg, identity } = fleet;
  await lockAll(nodes, fo, lockOwner(r.rt, identity, 'rollback', to, cfg.lock_ttl));
  try {
    // the lock re-read the state: the release must still be on every target before any is touched
    resolveRollback(
      nodes.map((n) => ({ target: n.name, state: n.state as TargetState })),
      to,
      r.s.allow_bad_release,
    );
    for (const n of nodes) if (n.previous === to) n.moveTo('unchanged');
    const moving = nodes.filter((n) => n.status !== 'unchanged');
    const result = moving.length ? await switchFleet(moving, fo, [moving.map((n) => n.name)], identity) : null;
    if (result?.ok) for (const n of moving) n.moveTo('rolled_back');
    return result?.error ? rollbackError(result.error) : null;
  } finally {
    await unlockAll(nodes, fo);
  }
}

/** apply: move the targets, record what happened, report. */
async function applyRollback(r: RollbackRun, fleet: OpenFleet, to: string): Promise<Outcome> {
  const fo = await startRollback(r, fleet, to);
  const failed = await moveRollback(r, fleet, to, fo);
  const { nodes, fields } = r;
  Object.assign(fields, {
    target_statuses: targetStatuses(nodes),
    rolled_back_targets: nodes
      .filter((n) => n.status === 'rolled_back')
      .map((n) => n.name)
      .join(','),
    round_trips: nodes.map((n) => `${n.name}:${n.t.roundTrips}`).join(','),
  });
  recordHistory(fleet.session, r.rt, { kind: 'rollback', ok: !failed, app: fleet.app, release: to, fields });
  return failed ? rollbackApplyFailed(r, fleet, to, failed) : rollbackSucceeded(r, fleet, to);
}

/** A target failed while moving: every switched one went back (switchFleet); what happened, and its fix. */
async function rollbackApplyFailed(r: RollbackRun, fleet: OpenFleet, to: string, f: StageError): Promise<Outcome> {
  const { nodes, fields } = r;
  fleet.session.events.append(
    'rollback.failed',
    `rollback to ${to} failed at ${f.stage} on ${f.target}`,
    { ...fields, code: f.code },
    'error',
  );
  await r.tracker?.status('failure', `rollback to ${to} failed at ${f.stage} on ${f.target}`);
  const failing = nodes.find((n) => n.name === f.target);
  const o = failure(r.rt.redactor, 'rollback', fleet.ctx, r.mode, toPaasError(f, nodes), {
    ...fields,
    failed_stage: f.stage,
    failed_target: f.target,
    last_log_lines: failing?.lastLines().join('\n') ?? '',
  });
  o.summary = failureSummary(o, fleet.app, to, nodes);
  return o;
}

async function rollbackSucceeded(r: RollbackRun, fleet: OpenFleet, to: string): Promise<Outcome> {
  const { nodes, fields } = r;
  const { app: appName } = fleet;
  fleet.session.events.append('rollback.succeeded', `rolled ${appName} back to ${to}`, fields);
  await r.tracker?.status(
    'success',
    `${appName} rolled back to ${to}, healthy on ${nodes.length} target(s)`,
    fleet.cfg.url,
  );
  return outcome(r.rt.redactor, {
    command: 'rollback',
    context: fleet.ctx,
    mode: r.mode,
    fields,
    line: [
      ['release_id', to],
      ['targets', nodes.length],
      ['rolled_back', (fields.rolled_back_targets as string) || undefined],
    ],
    exitCode: EXIT_OK,
    summary: `#### Rolled back ${appName} to ${to}\n\n${markdownTable(
      ['target', 'before', 'now', 'status'],
      nodes.map((n) => [n.name, n.previous ?? '-', to, n.status]),
    )}\n`,
  });
}
