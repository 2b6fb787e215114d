/**
 * `paas rollback --drill` (rollback with `drill: true`): proves on one target that rollback works,
 * and records a `rollback.drill` event that `paas ops readiness` looks for.
 *
 * - with `apply` (full drill; internal and demo contexts): lock the target, switch it to the
 *   rollback candidate and health-check it, switch it back to the release it ran and health-check
 *   that, unlock. The target's history is not touched (no release is marked bad by a drill), so
 *   `deploy reconcile` sees the fleet as it was.
 * - without `apply`, or in a customer context (which forbids switching a customer's target for a
 *   drill): the plan-and-verify part only: the target is reachable, its state is consistent
 *   (current = the release its history expects), and a good rollback candidate exists on it.
 */
import type { Outcome } from '../../output/envelope.js';
import { PaasError, errorMessage } from '../../output/errors.js';
import { failure, outcome } from '../../output/outcome.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContextSession } from '../../runtime/session.js';
import {
  lockAll,
  readStates,
  StageError,
  switchAndCheck,
  toPaasError,
  unlockAll,
  type FleetOptions,
  type TargetNode,
} from '../deploy/fleet.js';
import { checkTriggerPolicy, committedTrigger } from '../deploy/policy.js';
import { runPreflight } from '../deploy/preflight.js';
import type { TargetState } from '../../transport/release-state.js';
import { connectAll, lockOwner, trackLocks, withFleet, type Fleet } from '../deploy/fleet-session.js';
import { expectedRelease } from '../deploy/releases.js';
import type { RollbackSettings } from '../rollback/inputs.js';
import { resolveRollback } from '../rollback/resolve.js';

/** The rollback inputs a drill reads (`drill: true` routes rollback here). */
type DrillSettings = Pick<RollbackSettings, 'app' | 'to_release' | 'target' | 'apply'>;

type DrillMode = 'full' | 'plan_verify';

/** The fleet as withFleet opens it: the app and the context's name beside the session, config and nodes. */
type OpenFleet = Fleet & { app: string; ctx: string };

/** What a drill knows so far, for its outcome or its failure. */
interface DrillRun {
  mode: DrillMode;
  fields: Record<string, unknown>;
  session: ContextSession | null;
  node: TargetNode | null;
}

function drillError(message: string, target: string | null, remediation: string, stage = 'drill'): PaasError {
  return new PaasError('PAAS_ROLLBACK_RESOLVE_FAILED', message, { stage, target, remediation });
}

/** The one target to drill: `target`, or the context's first one when `target` is `all` (the default). */
function pickTarget(nodes: TargetNode[], target: string, ctx: string): TargetNode {
  if (target.includes(','))
    throw drillError(
      'a rollback drill takes one target',
      null,
      'Give one target id (--target web1), or leave target empty for the first target of the context.',
      'input',
    );
  const node = target === 'all' ? nodes[0] : nodes.find((n) => n.name === target);
  if (!node)
    throw drillError(
      target === 'all' ? `context ${ctx} has no targets` : `target ${target} is not a target of ${ctx}`,
      target === 'all' ? null : target,
      `Check PAAS_TARGETS in the vault of ${ctx}.`,
      'input',
    );
  return node;
}

/**
 * Plan and verify: the target is reachable, runs the release its history expects, and holds a good
 * rollback candidate. Returns the release it runs and the candidate.
 */
async function planAndVerify(
  fleet: OpenFleet,
  n: TargetNode,
  toRelease: string | undefined,
): Promise<{ original: string; to: string }> {
  await connectAll([n], fleet.cfg);
  const st = (await readStates([n], fleet.cfg.max_parallel)).get(n.name);
  if (st instanceof StageError) throw st;
  const state = st as TargetState;
  const original = n.previous;
  if (!original)
    throw drillError(
      `nothing is deployed on ${n.name}: there is nothing to roll back`,
      n.name,
      `Deploy ${fleet.app} first; a drill needs a current release and an earlier good one.`,
    );
  const expected = expectedRelease([state]);
  if (expected && expected !== original) {
    throw drillError(
      `${n.name} runs ${original} but its history expects ${expected} (drifted)`,
      n.name,
      `Run \`paas deploy reconcile --context ${fleet.ctx} --app ${fleet.app}\` ` +
        'and bring the target back in line before drilling.',
    );
  }
  return { original, to: resolveRollback([{ target: n.name, state }], toRelease, false).release };
}

/** The fleet options of a drill's switches: rollback's, without a fleet rollback (the drill goes back itself). */
function drillOptions(rt: Runtime, fleet: OpenFleet, to: string, log: (m: string) => void): FleetOptions {
  return {
    cfg: fleet.cfg,
    release: to,
    artifact: { file: '', sha256: '', bytes: 0 },
    rollbackOnFailure: false,
    redactor: rt.redactor,
    log,
    onLocksChanged: trackLocks(rt, { op: 'rollback', context: fleet.ctx }, fleet.identity.token),
    now: rt.now,
    healthFromHistory: true,
  };
}

/**
 * Switches to the candidate and back to the original, health-checking each. A candidate that fails
 * (start, health) is what a drill is for: its error is returned, after going back. Throws when going
 * back failed (the candidate's error first).
 */
async function thereAndBack(
  n: TargetNode,
  original: string,
  to: string,
  fo: FleetOptions,
  fields: Record<string, unknown>,
): Promise<unknown> {
  fo.log(`drill: ${n.name}: ${original} -> ${to}`);
  let candidateError: unknown = null;
  try {
    await switchAndCheck(n, to, fo, { preSwitch: false });
  } catch (e) {
    candidateError = e;
    fields.candidate_failed = true;
  }
  fo.log(`drill: ${n.name}: back to ${original}`);
  try {
    await switchAndCheck(n, original, { ...fo, release: original }, { preSwitch: false });
  } catch (e) {
    fields.left_on = n.state?.current ?? to;
    throw candidateError ?? e;
  }
  return candidateError;
}

/** The full drill: trigger policy and preflight, lock, there and back, unlock. History is not touched. */
async function fullDrill(
  rt: Runtime,
  common: CommonInputs,
  fleet: OpenFleet,
  n: TargetNode,
  release: { original: string; to: string },
  fields: Record<string, unknown>,
): Promise<void> {
  const { original, to } = release;
  const { session, cfg, identity, ctx } = fleet;
  checkTriggerPolicy(rt, session.config, session.vault, 'rollback', committedTrigger(rt, common, ctx));
  await runPreflight(rt, common);
  const fo = drillOptions(rt, fleet, to, (m) => rt.logger.info(m));
  await lockAll([n], fo, lockOwner(rt, identity, 'rollback', to, cfg.lock_ttl));
  let back = false;
  try {
    // the lock re-read the state: nobody may have moved the target since the plan
    if (n.state && n.state.current !== original)
      throw drillError(
        `${n.name} changed while the drill took its lock (now ${n.state.current ?? 'nothing'})`,
        n.name,
        'Run the drill again when no deploy or rollback is running.',
        'lock',
      );
    const candidateError = await thereAndBack(n, original, to, fo, fields);
    back = true;
    if (candidateError) throw candidateError;
  } finally {
    await unlockAll([n], fo);
    if (!back)
      fo.log(
        `drill: ${n.name} may not be on ${original}: check with \`paas deploy reconcile\` ` +
          `and return it with the rollback workflow, to_release ${original}`,
      );
    fields.returned = back;
  }
}

/** The `rollback.drill` event (what readiness looks for) and the outcome of a drill that passed. */
function drillPassed(
  rt: Runtime,
  fleet: OpenFleet,
  d: DrillRun,
  n: TargetNode,
  release: { original: string; to: string },
  apply: boolean,
): Outcome {
  const { original, to } = release;
  const full = d.mode === 'full';
  fleet.session.events.append(
    'rollback.drill',
    `rollback drill of ${fleet.app} on ${n.name}: ` +
      (full ? `${original} -> ${to} -> ${original}` : `plan and verify only (candidate ${to})`),
    { ...d.fields, run: fleet.identity.run, actor: fleet.identity.actor },
  );
  const planText =
    `drill (plan and verify): ${n.name} runs ${original}, consistent with its history; ` +
    `rollback candidate ${to} is there and good. Nothing was switched` +
    (apply ? ' (customer context)' : '; run with apply: true (--apply) for a full drill') +
    '.';
  return outcome(rt.redactor, {
    command: 'rollback_drill',
    context: fleet.ctx,
    mode: d.mode,
    fields: d.fields,
    line: [
      ['mode', d.mode],
      ['target', n.name],
      ['release_id', to],
      ['previous', original],
    ],
    text: full
      ? `drill ok: ${n.name} went ${original} -> ${to} (healthy) -> ${original} (healthy); history unchanged`
      : planText,
  });
}

/** A drill that failed: recorded as a `rollback.drill` error event (readiness does not count it). */
function drillFailed(rt: Runtime, d: DrillRun, e: unknown, ctx: string | null): Outcome {
  d.session?.events.append(
    'rollback.drill',
    `rollback drill failed: ${errorMessage(e)}`,
    { ...d.fields, code: e instanceof PaasError ? e.code : 'PAAS_INTERNAL' },
    'error',
  );
  return failure(rt.redactor, 'rollback_drill', ctx, d.mode, e instanceof StageError ? toPaasError(e) : e, {
    ...d.fields,
    ...(d.node ? { last_log_lines: d.node.lastLines().join('\n') } : {}),
  });
}

export async function rollbackDrill(rt: Runtime, common: CommonInputs, s: DrillSettings): Promise<Outcome> {
  const log = (m: string) => rt.logger.info(m);
  const d: DrillRun = { mode: s.apply ? 'full' : 'plan_verify', fields: {}, session: null, node: null };
  const fail = (e: unknown, ctx: string | null) => drillFailed(rt, d, e, ctx);
  return withFleet(rt, common, { op: 'rollback', app: s.app, mutating: true, log, fail }, async (fleet) => {
    d.session = fleet.session;
    const n = pickTarget(fleet.nodes, s.target, fleet.ctx);
    d.node = n;
    if (d.mode === 'full' && fleet.session.config.type === 'customer') {
      d.mode = 'plan_verify';
      log(`customer context ${fleet.ctx}: a drill never switches a customer's target; plan-and-verify only`);
    }
    Object.assign(d.fields, { app: fleet.app, target: n.name, mode: d.mode });
    const release = await planAndVerify(fleet, n, s.to_release);
    Object.assign(d.fields, { previous: release.original, release_id: release.to });
    log(`drill: ${n.name} runs ${release.original}; rollback candidate ${release.to} is on the target and good`);
    if (d.mode === 'full') await fullDrill(rt, common, fleet, n, release, d.fields);
    return drillPassed(rt, fleet, d, n, release, s.apply);
  });
}
