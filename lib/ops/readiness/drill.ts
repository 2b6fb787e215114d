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
import type { TargetState } from '../deploy/releases.js';
import { closeAll, connectAll, lockOwner, openFleet, requireApp, trackLocks } from '../deploy/fleet-session.js';
import { expectedRelease } from '../deploy/releases.js';
import { resolveRollback } from '../rollback/resolve.js';

export interface DrillSettings {
  app?: string | undefined;
  to_release?: string | undefined;
  target: string;
  apply: boolean;
}

export type DrillMode = 'full' | 'plan_verify';

function drillError(message: string, target: string | null, remediation: string, stage = 'drill'): PaasError {
  return new PaasError('PAAS_ROLLBACK_RESOLVE_FAILED', message, { stage, target, remediation });
}

export async function rollbackDrill(rt: Runtime, common: CommonInputs, s: DrillSettings): Promise<Outcome> {
  const log = (m: string) => rt.logger.info(m);
  let session: ContextSession | null = null;
  let node: TargetNode | null = null;
  let nodes: TargetNode[] = [];
  const fields: Record<string, unknown> = {};
  let mode: DrillMode = s.apply ? 'full' : 'plan_verify';
  try {
    const appName = requireApp(s.app, 'rollback', rt, common);
    const fleet = openFleet(rt, common, appName, true, log);
    session = fleet.session;
    nodes = fleet.nodes;
    const ctx = session.config.name;
    if (s.target.includes(','))
      throw drillError(
        'a rollback drill takes one target',
        null,
        'Give one target id (--target web1), or leave target empty for the first target of the context.',
        'input',
      );
    node = s.target === 'all' ? (nodes[0] ?? null) : (nodes.find((n) => n.name === s.target) ?? null);
    if (!node) {
      throw drillError(
        s.target === 'all' ? `context ${ctx} has no targets` : `target ${s.target} is not a target of ${ctx}`,
        s.target === 'all' ? null : s.target,
        `Check PAAS_TARGETS in the vault of ${ctx}.`,
        'input',
      );
    }
    const n = node;
    if (mode === 'full' && session.config.type === 'customer') {
      mode = 'plan_verify';
      log(`customer context ${ctx}: a drill never switches a customer's target; plan-and-verify only`);
    }
    Object.assign(fields, { app: appName, target: n.name, mode });

    // plan and verify: reachable, consistent, a good candidate on the target
    await connectAll([n], fleet.cfg);
    const st = (await readStates([n], fleet.cfg.max_parallel)).get(n.name);
    if (st instanceof StageError) throw st;
    const state = st as TargetState;
    const original = n.previous;
    if (!original)
      throw drillError(
        `nothing is deployed on ${n.name}: there is nothing to roll back`,
        n.name,
        `Deploy ${appName} first; a drill needs a current release and an earlier good one.`,
      );
    const expected = expectedRelease([state]);
    if (expected && expected !== original) {
      throw drillError(
        `${n.name} runs ${original} but its history expects ${expected} (drifted)`,
        n.name,
        `Run \`paas deploy reconcile --context ${ctx} --app ${appName}\` and bring the target back in line before drilling.`,
      );
    }
    const to = resolveRollback([{ target: n.name, state }], s.to_release, false).release;
    Object.assign(fields, { previous: original, release_id: to });
    log(`drill: ${n.name} runs ${original}; rollback candidate ${to} is on the target and good`);

    if (mode === 'full') {
      checkTriggerPolicy(rt, session.config, session.vault, 'rollback', committedTrigger(rt, common, ctx));
      await runPreflight(rt, common);
      const { cfg, identity } = fleet;
      const onLocksChanged = trackLocks(rt, { op: 'rollback', context: ctx }, identity.token);
      const fo: FleetOptions = {
        cfg,
        release: to,
        artifact: { file: '', sha256: '', bytes: 0 },
        rollbackOnFailure: false,
        redactor: rt.redactor,
        log,
        onLocksChanged,
        now: rt.now,
        healthFromHistory: true,
      };
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
        log(`drill: ${n.name}: ${original} -> ${to}`);
        // a candidate that fails (start, health) is what a drill is for: report it, after going back
        let candidateError: unknown = null;
        try {
          await switchAndCheck(n, to, fo, { preSwitch: false });
        } catch (e) {
          candidateError = e;
          fields.candidate_failed = true;
        }
        log(`drill: ${n.name}: back to ${original}`);
        try {
          await switchAndCheck(n, original, { ...fo, release: original }, { preSwitch: false });
          back = true;
        } catch (e) {
          fields.left_on = n.state?.current ?? to;
          throw candidateError ?? e;
        }
        if (candidateError) throw candidateError;
      } finally {
        await unlockAll([n], fo);
        if (!back)
          log(
            `drill: ${n.name} may not be on ${original}: check with \`paas deploy reconcile\` and return it with the rollback workflow, to_release ${original}`,
          );
        fields.returned = back;
      }
    }
    session.events.append(
      'rollback.drill',
      `rollback drill of ${appName} on ${n.name}: ${mode === 'full' ? `${original} -> ${to} -> ${original}` : `plan and verify only (candidate ${to})`}`,
      { ...fields, run: fleet.identity.run, actor: fleet.identity.actor },
    );
    return outcome(rt.redactor, {
      command: 'rollback_drill',
      context: ctx,
      mode,
      fields,
      line: [
        ['mode', mode],
        ['target', n.name],
        ['release_id', to],
        ['previous', original],
      ],
      text:
        mode === 'full'
          ? `drill ok: ${n.name} went ${original} -> ${to} (healthy) -> ${original} (healthy); history unchanged`
          : `drill (plan and verify): ${n.name} runs ${original}, consistent with its history; rollback candidate ${to} is there and good. Nothing was switched${s.apply ? ' (customer context)' : '; run with apply: true (--apply) for a full drill'}.`,
    });
  } catch (e) {
    const se = e instanceof StageError ? e : null;
    if (session)
      session.events.append(
        'rollback.drill',
        `rollback drill failed: ${errorMessage(e)}`,
        { ...fields, code: se?.code ?? (e instanceof PaasError ? e.code : 'PAAS_INTERNAL') },
        'error',
      );
    return failure(
      rt.redactor,
      'rollback_drill',
      session?.config.name ?? common.context ?? null,
      mode,
      se ? toPaasError(se) : e,
      { ...fields, ...(node ? { last_log_lines: node.lastLines(20).join('\n') } : {}) },
    );
  } finally {
    await closeAll(nodes);
  }
}
