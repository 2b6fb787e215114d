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
  type DeployPorts,
} from '../deploy/fleet-session.js';
import type { TargetState } from '../deploy/releases.js';
import { resolveRollback } from './resolve.js';

export interface RollbackSettings {
  app?: string | undefined;
  to_release?: string | undefined;
  /** confirms a rollback to a to_release marked bad on a target */
  allow_bad_release?: boolean | undefined;
  target: string;
  apply: boolean;
  github_token?: string | undefined;
}

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
    ? `**${e.code}**${e.stage ? ` at ${e.stage}` : ''}${e.target ? ` on ${e.target}` : ''}: ${e.message}\n\n**Fix:** ${e.remediation}\n\n`
    : '';
  const table = nodes.length
    ? `#### Rollback ${app}${to ? ` to ${to}` : ''}\n\n${markdownTable(
        ['target', 'before', 'status'],
        nodes.map((n) => [n.name, n.previous ?? '-', n.status]),
      )}\n`
    : '';
  return head + table;
}

/** rollback: plan (default) or apply, per PRODUCT.md section 4 (a GitHub Deployment like deploy's when applied). */
export async function rollbackRun(
  rt: Runtime,
  common: CommonInputs,
  s: RollbackSettings,
  ports: DeployPorts = {},
): Promise<Outcome> {
  const mode = s.apply ? 'apply' : 'plan';
  const log = (m: string) => rt.logger.info(m);
  let nodes: TargetNode[] = [];
  let session: ContextSession | null = null;
  const fields: Record<string, unknown> = {};
  let tracker: DeploymentTracker | null = null;
  const fail = async (e: unknown, ctxName: string | null): Promise<Outcome> => {
    if (nodes.length) fields.target_statuses = targetStatuses(nodes);
    const se = e instanceof StageError ? e : null;
    if (session && s.apply)
      session.events.append('rollback.failed', `rollback failed: ${errorMessage(e)}`, fields, 'error');
    const switched = nodes.some((n) => n.status === 'rolled_back');
    await tracker?.status(
      'failure',
      `rollback failed${se ? ` at ${se.stage}${se.target ? ` on ${se.target}` : ''}` : ''}${switched ? '' : ' before any target switched'}`,
    );
    const failing = se ? nodes.find((n) => n.name === se.target) : undefined;
    const o = failure(rt.redactor, 'rollback', ctxName, mode, se ? toPaasError(se) : e, {
      ...fields,
      ...(se ? { failed_stage: se.stage, failed_target: se.target } : {}),
      ...(failing ? { last_log_lines: failing.lastLines(20).join('\n') } : {}),
    });
    o.summary = failureSummary(
      o,
      typeof fields.app === 'string' ? fields.app : (s.app ?? ''),
      typeof fields.release_id === 'string' ? fields.release_id : (s.to_release ?? ''),
      nodes,
    );
    return o;
  };
  return withFleet(rt, common, { op: 'rollback', app: s.app, mutating: s.apply, log, fail }, async (fleet) => {
    const { app: appName, ctx: ctxName } = fleet;
    session = fleet.session;
    const chosen = new Set(
      selectTargets(
        fleet.nodes.map((n) => n.spec),
        s.target,
      ).map((t) => t.id),
    );
    nodes = fleet.nodes.filter((n) => chosen.has(n.name));
    const { cfg, identity } = fleet;
    await connectAll(nodes, cfg);
    const states = await readStates(nodes, cfg.max_parallel);
    const err = [...states.values()].find((v) => v instanceof StageError) as StageError | undefined;
    if (err) throw err;
    const resolved = resolveRollback(
      nodes.map((n) => ({ target: n.name, state: n.state as TargetState })),
      s.to_release,
      s.allow_bad_release === true,
    );
    const to = resolved.release;
    Object.assign(fields, {
      app: appName,
      release_id: to,
      fanout_plan: fanoutPlan([nodes.map((n) => n.name)]),
      targets: nodes.length,
      previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(','),
    });
    if (!s.apply) {
      Object.assign(fields, {
        target_statuses: nodes.map((n) => `${n.name}:${n.previous === to ? 'unchanged' : 'planned'}`).join(','),
      });
      const text = [
        `plan: roll ${appName} in ${ctxName} back to ${to}${s.to_release ? '' : ' (newest good release before current; bad ones skipped)'}`,
        ...nodes.map(
          (n) => `  ${n.name}: ${n.previous ?? '(none)'} -> ${to}${n.previous === to ? ' (already there)' : ''}`,
        ),
        'nothing was changed; run again with apply: true (--apply) to roll back',
      ].join('\n');
      return outcome(rt.redactor, {
        command: 'rollback',
        context: ctxName,
        mode,
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

    checkTriggerPolicy(
      rt,
      session.config,
      session.vault,
      'rollback',
      committedTrigger(rt, common, session.config.name),
    );
    await runPreflight(rt, common);
    tracker = await startDeployment(
      rt,
      s.github_token,
      ports,
      fleet.loaded.environment(ctxName) ?? ctxName,
      `rollback ${appName} to ${to} in ${ctxName}`,
      { context: ctxName, app: appName, release_id: to, rollback: true },
    );
    const onLocksChanged = trackLocks(rt, { op: 'rollback', context: ctxName }, identity.token);
    // deploy's pipeline without the install: lock, switch, health, finalize (history + unlock), or a fleet rollback
    const fo: FleetOptions = {
      cfg,
      release: to,
      artifact: { file: '', sha256: '', bytes: 0 },
      rollbackOnFailure: true,
      redactor: rt.redactor,
      log,
      onLocksChanged,
      now: rt.now,
      healthFromHistory: true,
      op: 'rollback',
    };
    session.events.append('rollback.started', `rollback ${appName} to ${to}`, {
      ...fields,
      run: identity.run,
      actor: identity.actor,
    });
    await lockAll(nodes, fo, lockOwner(rt, identity, 'rollback', to, cfg.lock_ttl));
    let failed: StageError | null = null;
    try {
      // the lock re-read the state: the release must still be on every target before any is touched
      resolveRollback(
        nodes.map((n) => ({ target: n.name, state: n.state as TargetState })),
        to,
        s.allow_bad_release === true,
      );
      for (const n of nodes) if (n.previous === to) n.moveTo('unchanged');
      const moving = nodes.filter((n) => n.status !== 'unchanged');
      const result = moving.length ? await switchFleet(moving, fo, [moving.map((n) => n.name)], identity) : null;
      if (result?.ok) for (const n of moving) n.moveTo('rolled_back');
      if (result?.error) failed = rollbackError(result.error);
    } finally {
      await unlockAll(nodes, fo);
    }
    Object.assign(fields, {
      target_statuses: targetStatuses(nodes),
      rolled_back_targets: nodes
        .filter((n) => n.status === 'rolled_back')
        .map((n) => n.name)
        .join(','),
      round_trips: nodes.map((n) => `${n.name}:${n.t.roundTrips}`).join(','),
    });
    recordHistory(session, rt, { kind: 'rollback', ok: !failed, app: appName, release: to, fields });
    if (failed) {
      const f = failed as StageError;
      session.events.append(
        'rollback.failed',
        `rollback to ${to} failed at ${f.stage} on ${f.target}`,
        { ...fields, code: f.code },
        'error',
      );
      await tracker?.status('failure', `rollback to ${to} failed at ${f.stage} on ${f.target}`);
      const failing = nodes.find((n) => n.name === f.target);
      const o = failure(rt.redactor, 'rollback', ctxName, mode, toPaasError(f, nodes), {
        ...fields,
        failed_stage: f.stage,
        failed_target: f.target,
        last_log_lines: failing?.lastLines(20).join('\n') ?? '',
      });
      o.summary = failureSummary(o, appName, to, nodes);
      return o;
    }
    session.events.append('rollback.succeeded', `rolled ${appName} back to ${to}`, fields);
    await tracker?.status('success', `${appName} rolled back to ${to}, healthy on ${nodes.length} target(s)`, cfg.url);
    return outcome(rt.redactor, {
      command: 'rollback',
      context: ctxName,
      mode,
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
  });
}
