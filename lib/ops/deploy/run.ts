import { isAbsolute, resolve } from 'node:path';
import type { DeploymentTracker } from '../../github/api.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError, errorMessage } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { failure, outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContextSession } from '../../runtime/session.js';
import { interruptRequested } from '../../runtime/interrupt.js';
import { checkScript, RELEASE_RE, UnsafeValueError } from '../../transport/commands.js';
import { mapLimit } from '../../transport/limit.js';
import { TransportError } from '../../transport/transport.js';
import type { z } from 'zod';
import type { deployInputs } from './index.js';
import { prepareArtifact } from './artifact.js';
import { connectTransport } from './connect.js';
import {
  connectAll,
  lockOwner,
  recordHistory,
  startDeployment,
  trackLocks,
  withFleet,
  type DeployPorts,
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
  toPaasError,
  unlockAll,
} from './fleet.js';
import { healthGate } from './health.js';
import { runPreflight } from './preflight.js';
import { checkTriggerPolicy, committedTrigger } from './policy.js';
import { expectedRelease, releaseStatuses, type TargetState } from './releases.js';

/** Settings of the deploy operation (its zod inputs, parsed). */
export type DeploySettings = z.output<typeof deployInputs>;

export function defaultReleaseId(rt: Runtime): string {
  const ts = rt.now().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const sha = /^[0-9a-f]{7,64}$/.test(rt.env.GITHUB_SHA ?? '') ? `-${(rt.env.GITHUB_SHA as string).slice(0, 7)}` : '';
  return `${ts}${sha}`;
}

function tableSummary(title: string, nodes: TargetNode[], release: string | null): string {
  return `#### ${title}\n\n${markdownTable(
    ['target', 'before', 'release', 'status'],
    nodes.map((n) => [n.name, n.previous ?? '-', release ?? '-', n.status]),
  )}\n`;
}

function asStageError(e: unknown, stage: string): StageError | null {
  if (e instanceof StageError) return e;
  if (e instanceof UnsafeValueError)
    return new StageError('PAAS_INVALID_ARGUMENT', stage, '', `${e.message}: refused before anything ran`);
  return null;
}

function fail(
  rt: Runtime,
  ctx: string | null,
  mode: string,
  e: unknown,
  fields: Record<string, unknown>,
  nodes: TargetNode[] = [],
): Outcome {
  const se = asStageError(e, 'input');
  const err = se
    ? se.code === 'PAAS_INVALID_ARGUMENT'
      ? new PaasError(se.code, se.message, {
          stage: se.stage,
          remediation: 'Use names of letters, digits, dot, dash, underscore (app: lowercase).',
        })
      : toPaasError(se, mode === 'apply' ? nodes : undefined)
    : e;
  const failing = se?.target ? nodes.find((n) => n.name === se.target) : undefined;
  const lastLines = failing?.lastLines(20) ?? [];
  const all = {
    ...fields,
    ...(se ? { failed_stage: se.stage, failed_target: se.target || null } : {}),
    ...(lastLines.length ? { last_log_lines: lastLines.join('\n') } : {}),
  };
  const o = failure(rt.redactor, 'deploy', ctx, mode, err, all);
  const info = o.envelope.error;
  const why = info
    ? `**${info.code}**${info.stage ? ` at ${info.stage}` : ''}${info.target ? ` on ${info.target}` : ''}: ${info.message}\n\n**Fix:** ${info.remediation}\n\n`
    : '';
  if (nodes.length)
    o.summary =
      why +
      tableSummary('Targets', nodes, typeof fields.release_id === 'string' ? fields.release_id : null) +
      (lastLines.length
        ? `\nLast log lines of ${failing?.name}:\n\n\`\`\`\n${rt.redactor.redact(lastLines.join('\n'))}\n\`\`\`\n`
        : '');
  if (lastLines.length) o.text = `last log lines of ${failing?.name}:\n${lastLines.map((l) => `  ${l}`).join('\n')}`;
  return o;
}

/** deploy: plan (default) or apply, per PRODUCT.md section 4. */
export async function deployRun(
  rt: Runtime,
  common: CommonInputs,
  s: DeploySettings,
  ports: DeployPorts = {},
): Promise<Outcome> {
  if (s.mode === 'reconcile') return reconcileRun(rt, common, s);
  if (s.mode === 'target_check') return targetCheckRun(rt, common, s);
  const mode = s.apply ? 'apply' : 'plan';
  const log = (m: string) => rt.logger.info(m);
  let session: ContextSession | null = null;
  // the checked artifact's temporary files, removed after the connections are closed
  const cleanups: Array<() => Promise<void>> = [];
  const fields: Record<string, unknown> = {};
  let tracker: DeploymentTracker | null = null;
  const failed = async (e: unknown, ctxName: string | null, nodes: TargetNode[]): Promise<Outcome> => {
    if (nodes.length) fields.target_statuses = targetStatuses(nodes);
    const se = asStageError(e, 'deploy');
    if (session && s.apply)
      session.events.append(
        'deploy.failed',
        `deploy failed: ${se?.message ?? errorMessage(e)}`,
        { ...fields, code: se?.code ?? (e instanceof PaasError ? e.code : 'PAAS_INTERNAL') },
        'error',
      );
    await tracker?.status('failure', 'deploy failed before any target switched');
    return fail(rt, ctxName, mode, e, fields, nodes);
  };
  try {
    return await withFleet(
      rt,
      common,
      { op: 'deploy', app: s.app, mutating: s.apply, log, fail: failed },
      async (fleet) => {
        const { nodes, app: appName, ctx: ctxName } = fleet;
        session = fleet.session;
        const { cfg, identity } = fleet;
        const release = s.release_id ?? defaultReleaseId(rt);
        if (!RELEASE_RE.test(release))
          throw new PaasError('PAAS_INVALID_ARGUMENT', 'release_id is not a valid release id', {
            remediation: 'Use 1-64 letters, digits, dot, dash, underscore.',
          });
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
        const base = rt.workspace ?? rt.cwd;
        if (s.apply) {
          // may this run change anything at all? (before any connection)
          checkTriggerPolicy(
            rt,
            session.config,
            session.vault,
            'deploy',
            committedTrigger(rt, common, session.config.name),
          );
          await runPreflight(rt, common);
        }
        // the archive is checked while the connections are set up (both wait for each other: no half-open link is left behind)
        const [art, conn] = await Promise.allSettled([
          prepareArtifact(isAbsolute(artifactPath) ? artifactPath : resolve(base, artifactPath), rt.redactor),
          connectAll(nodes, cfg),
        ]);
        if (art.status === 'fulfilled') cleanups.push(art.value.cleanup);
        if (art.status === 'rejected') throw art.reason;
        if (conn.status === 'rejected') throw conn.reason;
        const artifact = art.value;
        Object.assign(fields, { artifact_sha256: artifact.sha256, artifact_bytes: artifact.bytes });

        if (!s.apply) {
          const states = await readStates(nodes, cfg.max_parallel);
          const bad = [...states.values()].find((v) => v instanceof StageError) as StageError | undefined;
          if (bad) throw bad;
          const bluegreen = cfg.strategy === 'bluegreen';
          const nowSec = rt.now().getTime() / 1000;
          const lockOf = (o: Record<string, unknown> | null | undefined) =>
            !o ? 'free' : typeof o.expires === 'number' && o.expires < nowSec ? 'expired' : 'held';
          const batchOf = (name: string) => batches.findIndex((b) => b.includes(name)) + 1;
          const plan = nodes.map((n) => ({
            target: n.name,
            batch: batchOf(n.name),
            current: n.state?.current ?? null,
            rollback_candidate: n.state?.current ?? null,
            lock: lockOf(n.state?.lockOwner),
            ...(bluegreen ? { live_slot: liveSlot(n), new_slot: otherSlot(liveSlot(n) ?? 'green') } : {}),
          }));
          Object.assign(fields, { plan, target_statuses: nodes.map((n) => `${n.name}:planned`).join(',') });
          const text = [
            `plan: deploy ${appName} release ${release} (${Math.round(artifact.bytes / 1024)} KiB, sha256 ${artifact.sha256.slice(0, 12)}) to context ${ctxName}`,
            `strategy ${cfg.strategy}: ${batches.map((b, i) => `batch ${i + 1}/${batches.length} [${b.join(', ')}]`).join(' then ')}`,
            ...plan.map(
              (p) =>
                `  ${p.target}: current ${p.current ?? '(none)'}${p.live_slot ? ` (live slot ${p.live_slot})` : ''} -> ${release}${p.new_slot ? ` in slot ${p.new_slot}` : ''}; rollback candidate ${p.rollback_candidate ?? '(none: first deploy)'}${p.lock === 'held' ? '; LOCKED by another run' : p.lock === 'expired' ? '; an expired lock (taken over by the deploy)' : ''}`,
            ),
            'nothing was changed; run again with apply: true (--apply) to deploy',
          ].join('\n');
          return outcome(rt.redactor, {
            command: 'deploy',
            context: ctxName,
            mode,
            fields,
            status: 'planned',
            line: [
              ['mode', 'plan'],
              ['release_id', release],
              ['targets', nodes.length],
              ['strategy', cfg.strategy],
              ['batches', batches.length],
            ],
            text,
            summary: `#### Plan: ${appName} ${release} (${cfg.strategy}, ${batches.length} batch${batches.length === 1 ? '' : 'es'})\n\n${markdownTable(
              [
                'target',
                'batch',
                'current',
                'release',
                'rollback candidate',
                'lock',
                ...(bluegreen ? ['live slot', 'new slot'] : []),
              ],
              plan.map((p) => [
                p.target,
                `${p.batch}/${batches.length}`,
                p.current ?? '-',
                release,
                p.rollback_candidate ?? '(none: first deploy)',
                p.lock,
                ...(bluegreen ? [p.live_slot ?? '-', p.new_slot ?? '-'] : []),
              ]),
            )}\n\nNothing was changed; run again with apply: true to deploy.\n`,
          });
        }

        tracker = await startDeployment(
          rt,
          s.github_token,
          ports,
          fleet.loaded.environment(ctxName) ?? ctxName,
          `deploy ${appName} ${release} to ${ctxName}`,
          { context: ctxName, app: appName, release_id: release },
        );
        session.events.append('deploy.started', `deploy ${appName} ${release}`, {
          app: appName,
          release_id: release,
          strategy: cfg.strategy,
          fanout_plan: fields.fanout_plan,
          run: identity.run,
          actor: identity.actor,
        });
        // with what the post step needs to return a target a killed run had switched: its previous release and that release's health settings
        const onLocksChanged = trackLocks(
          rt,
          {
            op: 'deploy',
            context: ctxName,
            undo:
              cfg.strategy === 'bluegreen'
                ? undefined
                : { app: appName, release, run: identity.run, actor: identity.actor },
          },
          identity.token,
          (n) => ({
            previous: n.previous,
            health: n.previous ? (recordedHealth(n, n.previous) ?? cfg.health ?? null) : null,
          }),
        );
        const fo = {
          cfg,
          release,
          artifact,
          rollbackOnFailure: s.rollback_on_failure,
          redactor: rt.redactor,
          log,
          onLocksChanged,
          now: rt.now,
        };
        let result;
        // the first batch's switch is staged while its upload runs (one round trip less when it is due)
        const firstBatch = new Set(cfg.strategy === 'bluegreen' ? [] : batches[0]);
        const staged = new Map<TargetNode, Staged>();
        try {
          await lockAndInstallAll(nodes, fo, lockOwner(rt, identity, 'deploy', release, cfg.lock_ttl), (n) => {
            if (firstBatch.has(n.name)) staged.set(n, stageSwitch(n, fo));
          });
          result =
            cfg.strategy === 'bluegreen'
              ? await bluegreenFleet(nodes, fo, identity)
              : await switchFleet(nodes, fo, batches, identity, staged);
        } finally {
          for (const st of staged.values()) st.cancel();
          await unlockAll(nodes, fo);
        }
        const rolled = result.rolledBack;
        Object.assign(fields, {
          target_statuses: targetStatuses(nodes),
          rolled_back_targets: rolled.join(','),
          previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(','),
          round_trips: nodes.map((n) => `${n.name}:${n.t.roundTrips}`).join(','),
        });
        recordHistory(session, rt, { kind: 'deploy', ok: result.ok, app: appName, release, fields });
        if (!result.ok) {
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
          session.events.append(
            'deploy.failed',
            `deploy ${appName} ${release} failed at ${err.stage} on ${err.target}; rolled back ${rolled.join(',') || 'nothing'}`,
            { ...fields, code: err.code, stage: err.stage, target: err.target },
            'error',
          );
          await tracker?.status('failure', `failed at ${err.stage} on ${err.target}; fleet rolled back`);
          const o = fail(rt, ctxName, mode, err, fields, nodes);
          if (rolled.length)
            o.lines.unshift(
              statusLine(
                'deploy_rollback',
                [
                  ['status', nodes.some((n) => n.status === 'rollback_failed') ? 'partial' : 'ok'],
                  ['rolled_back', rolled],
                ],
                rt.redactor,
              ),
            );
          return o;
        }
        session.events.append(
          'deploy.succeeded',
          `deployed ${appName} ${release} to ${nodes.length} target(s)`,
          fields,
        );
        await tracker?.status('success', `${appName} ${release} healthy on ${nodes.length} target(s)`, cfg.url);
        return outcome(rt.redactor, {
          command: 'deploy',
          context: ctxName,
          mode,
          fields,
          line: [
            ['release_id', release],
            ['targets', nodes.length],
            ['strategy', cfg.strategy],
            ['batches', batches.length],
          ],
          summary: tableSummary(`Deployed ${appName} ${release}`, nodes, release),
          exitCode: EXIT_OK,
        });
      },
    );
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** Per target: ok | missing | drifted | orphaned | unmanaged | error. Exit 1 only on error. */
export async function reconcileRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const log = (m: string) => rt.logger.debug(m);
  const fo = {
    op: 'deploy reconcile',
    app: s.app,
    mutating: false,
    log,
    fail: (e: unknown, ctx: string | null, nodes: TargetNode[]) => fail(rt, ctx, 'reconcile', e, {}, nodes),
  };
  return withFleet(rt, common, fo, async (fleet) => {
    const { nodes, app: appName, ctx: ctxName } = fleet;
    await mapLimit(nodes, fleet.cfg.connect_concurrency, (n) => connectTransport(n.t));
    const states = await readStates(nodes, fleet.cfg.max_parallel);
    // the expected release, from the targets' own history (the source of truth, on a fresh runner too):
    // per target the newest release whose last mark is good (a rollback marks the release it left bad
    // and the one it returned to good; a fleet rollback marks the failed release bad), then the one
    // most targets name (ties: the latest good mark); the runner's own records only when no target has history
    let expected = expectedRelease([...states.values()].filter((v): v is TargetState => !(v instanceof StageError)));
    if (!expected) {
      try {
        const st = fleet.session.store.openState(ctxName, rt.redactor);
        try {
          const rec = [
            ...st.scoped.list<{ ok: boolean; app: string; release_id: string }>('deploy', 50),
            ...st.scoped.list<{ ok: boolean; app: string; release_id: string }>('rollback', 50),
          ]
            .filter((r) => r.data.ok && r.data.app === appName)
            .sort((a, b) => b.at.localeCompare(a.at))[0];
          expected = rec?.data.release_id ?? null;
        } finally {
          st.close();
        }
      } catch {
        /* no runner-side history */
      }
    }
    if (!expected) {
      const counts = new Map<string, number>();
      for (const v of states.values())
        if (!(v instanceof StageError) && v.current) counts.set(v.current, (counts.get(v.current) ?? 0) + 1);
      expected = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    }
    const nowSec = rt.now().getTime() / 1000;
    const rows = nodes.map((n) => {
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
    const statuses = rows.map((r) => `${r.target}:${r.status}`).join(',');
    const errors = rows.filter((r) => r.status === 'error').length;
    const fields = { app: appName, expected_release: expected, target_statuses: statuses, reconcile: rows };
    return outcome(rt.redactor, {
      command: 'deploy',
      context: ctxName,
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
      summary: `#### Reconcile ${appName}\n\n${markdownTable(
        ['target', 'status', 'current', 'detail'],
        rows.map((r) => [r.target, r.status, r.current ?? '-', r.detail ?? '']),
      )}\n`,
    });
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

/** reachability, SSH, host key, disk, tools, the service's runtime (health) per target. */
export async function targetCheckRun(rt: Runtime, common: CommonInputs, s: DeploySettings): Promise<Outcome> {
  const log = (m: string) => rt.logger.debug(m);
  const fo = {
    op: 'target check',
    app: s.app,
    mutating: false,
    log,
    fail: (e: unknown, ctx: string | null, nodes: TargetNode[]) => fail(rt, ctx, 'target_check', e, {}, nodes),
  };
  return withFleet(rt, common, fo, async (fleet) => {
    const { nodes, app: appName, ctx: ctxName } = fleet;
    const rows = await Promise.all(
      nodes.map(async (n) => {
        const row: Record<string, string> = {
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
          const r = await n.t.exec(checkScript(n.appDir), { timeoutMs: 30_000 });
          const kv = Object.fromEntries(
            r.stdout
              .split('\n')
              .filter((l) => l.includes('='))
              .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          );
          const missing = Object.keys(kv)
            .filter((k) => k.startsWith('tool_') && kv[k] === 'no')
            .map((k) => k.slice(5));
          row.tools = missing.length ? `missing ${missing.join(' ')}` : 'ok';
          row.disk_pct = kv.disk_pct ?? '?';
          if (missing.length || kv.writable === 'no' || Number(kv.disk_pct) >= 95) row.status = 'fail';
          if (kv.writable === 'no') row.detail = 'deploy root not writable';
          if (kv.current && fleet.cfg.health) {
            const g = await healthGate(
              n.t,
              { ...fleet.cfg.health, deadline: Math.min(fleet.cfg.health.timeout, fleet.cfg.health.deadline) },
              n.appDir,
              n.env(kv.current),
              log,
              rt.redactor,
            );
            row.runtime = g.ok ? 'healthy' : `unhealthy: ${g.reason}`;
            if (!g.ok) row.status = 'fail';
          } else row.runtime = kv.current ? 'no health check' : 'not deployed';
        } catch (e) {
          row.status = 'fail';
          if (e instanceof TransportError) {
            row.ssh = e.kind === 'hostkey' ? 'ok' : 'fail';
            row.host_key = e.kind === 'hostkey' ? 'MISMATCH' : '-';
          }
          row.detail = errorMessage(e);
        }
        return row;
      }),
    );
    const failed = rows.filter((r) => r.status !== 'ok');
    const fields = {
      app: appName,
      target_statuses: rows.map((r) => `${r.target}:${r.status}`).join(','),
      checks: rows,
    };
    return outcome(rt.redactor, {
      command: 'deploy',
      context: ctxName,
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
            `${r.target}: ${r.status} ssh=${r.ssh} host_key=${r.host_key} disk=${r.disk_pct}% tools=${r.tools} runtime=${r.runtime}${r.detail ? ` (${r.detail})` : ''}`,
        )
        .join('\n'),
      summary: `#### Target check\n\n${markdownTable(
        ['target', 'status', 'ssh', 'host key', 'disk %', 'tools', 'runtime', 'detail'],
        rows.map((r) => [r.target, r.status, r.ssh, r.host_key, r.disk_pct, r.tools, r.runtime, r.detail]),
      )}\n`,
    });
  });
}
