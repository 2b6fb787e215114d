/**
 * What deploy, rollback, reconcile, target check (and the drill, logs) share around a fleet: the
 * run's identity and lock owner, opening the fleet (context, config, one node per target), connecting
 * and closing it (`withFleet`), the record of the locks held (`trackLocks`), the GitHub Deployment
 * and the runner-side history. No operation's entry file: operations import this, not each other.
 */
import { randomBytes } from 'node:crypto';
import { DeploymentTracker, octokitApi, repoFromEnv } from '../../github/api.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError, errorMessage } from '../../output/errors.js';
import { loadPaasYml } from '../../config/paas-yml.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import { runAttempt, type Runtime } from '../../runtime/runtime.js';
import { openContextSession, type ContextSession } from '../../runtime/session.js';
import { UNIX_USER_RE } from '../../isolation/names.js';
import { mapLimit } from '../../transport/limit.js';
import type { TargetSpec } from '../../transport/targets.js';
import { TransportError, type Transport } from '../../transport/transport.js';
import { loadAppConfig, type AppConfig } from './app-config.js';
import { saveHeldLocks, type CleanupState, type HeldLock } from './cleanup.js';
import { buildTransports, connectTransport, targetsFromVault, transportErrorCode } from '../../transport/connect.js';
import { StageError, TargetNode, type RunIdentity } from './fleet.js';
import { committedTrigger } from './policy.js';

/** Who and what this run is: run id, actor, sha, and a random lock token. */
function runIdentity(rt: Runtime, context: string, app: string): RunIdentity {
  const clean = (s: string | undefined, re: RegExp) => (s && re.test(s) ? s : '');
  const run = clean(rt.env.GITHUB_RUN_ID, /^\d{1,20}$/) || `cli-${randomBytes(6).toString('hex')}`;
  const attempt = runAttempt(rt.env);
  const actor =
    clean(rt.env.GITHUB_ACTOR, /^[A-Za-z0-9-[\]]{1,64}$/) || `local:${clean(rt.env.USER, UNIX_USER_RE) || 'user'}`;
  const sha = clean(rt.env.GITHUB_SHA, /^[0-9a-f]{7,64}$/);
  return { context, app, run, attempt, actor, sha, token: randomBytes(12).toString('hex') };
}

/** The lock's owner document (no secret): run, actor, sha, time, expiry (epoch seconds). */
export function lockOwner(rt: Runtime, id: RunIdentity, op: string, release: string, ttlMs: number): string {
  const now = rt.now();
  return JSON.stringify({
    run: id.run,
    attempt: id.attempt,
    actor: id.actor,
    sha: id.sha,
    time: now.toISOString(),
    expires: Math.floor((now.getTime() + ttlMs) / 1000),
    op,
    release,
  });
}

/** The app to work on: the input, else the only app of paas.yml. */
export function requireApp(app: string | undefined, op: string, rt?: Runtime, common?: CommonInputs): string {
  if (app) return app;
  if (rt && common) {
    try {
      const apps = Object.keys(loadPaasYml(common.config, rt.workspace ?? rt.cwd, { optional: false }).config.apps);
      if (apps.length === 1) return apps[0] as string;
    } catch {
      /* reported below or when the config is loaded */
    }
  }
  throw new PaasError('PAAS_INVALID_ARGUMENT', `${op} needs an app`, {
    remediation:
      'Pass `app` (--app), the name of an app under apps: ' +
      'in paas.yml (optional when paas.yml defines exactly one app).',
  });
}

/**
 * The GitHub Deployment of an applied deploy or rollback, started (status in_progress) for the
 * context's environment: null without a token or outside a repository run. API failures are warnings.
 */
export async function startDeployment(
  rt: Runtime,
  token: string | undefined,
  environment: string,
  description: string,
  payload: Record<string, string | boolean>,
): Promise<DeploymentTracker | null> {
  const repo = repoFromEnv(rt.env);
  if (!token || !repo) return null;
  const tracker = new DeploymentTracker(
    octokitApi(token, rt.env.GITHUB_API_URL),
    { owner: repo.owner, repo: repo.repo },
    environment,
    (m) => rt.logger.warn(m),
    repo.logUrl,
    rt.redactor,
  );
  await tracker.start(repo.ref, description, payload);
  return tracker;
}

/** Context, config, targets and one node per target (transports built, not connected). */
export function openFleet(
  rt: Runtime,
  common: CommonInputs,
  appName: string,
  mutating: boolean,
  log: (m: string) => void,
) {
  const session = openContextSession(rt, common, {
    mutating,
    createIfMissing: rt.inAction,
    webhookPolicy: common.context ? committedTrigger(rt, common, common.context) : undefined,
  });
  const loaded = loadAppConfig(rt.workspace ?? rt.cwd, common.config, appName);
  let specs: TargetSpec[] = targetsFromVault(session.vault);
  if (session.config.default_targets.length) specs = specs.filter((s) => session.config.default_targets.includes(s.id));
  const cfg = loaded.app;
  const transports = buildTransports(specs, session.vault, {
    concurrency: cfg.connect_concurrency,
    attempts: cfg.connect_attempts,
    log,
  });
  const identity = runIdentity(rt, session.config.name, appName);
  const nodes = specs.map(
    (s) => new TargetNode(s, transports.get(s.id) as Transport, cfg.deploy_root, identity, rt.redactor, log),
  );
  return { session, cfg, loaded, nodes, identity };
}

export type Fleet = ReturnType<typeof openFleet>;

/** Connects every target (bounded, retried); the first failure fails the run before anything changed. */
export async function connectAll(nodes: TargetNode[], cfg: AppConfig): Promise<void> {
  const results = await mapLimit(nodes, Math.max(cfg.connect_concurrency, 1), (n) => connectTransport(n.t));
  const i = results.findIndex((r) => r.status === 'rejected');
  if (i < 0) return;
  const reason = (results[i] as PromiseRejectedResult).reason;
  const n = nodes[i] as TargetNode;
  if (reason instanceof TransportError) {
    n.note(`paas: ${reason.message}`);
    throw new StageError(transportErrorCode(reason, 'connect'), 'connect', n.name, `${n.name}: ${reason.message}`);
  }
  throw reason;
}

export async function closeAll(nodes: TargetNode[]): Promise<void> {
  await Promise.allSettled(nodes.map((n) => n.t.close()));
}

interface WithFleetOptions {
  /** the operation's name in "<op> needs an app" */
  op: string;
  app: string | undefined;
  mutating: boolean;
  log: (m: string) => void;
  /** the outcome of a failure anywhere (opening included); `ctx` is the context's name once known, `nodes` the fleet's once opened */
  fail: (e: unknown, ctx: string | null, nodes: TargetNode[]) => Outcome | Promise<Outcome>;
}

/**
 * Opens the fleet (app, context, config, nodes), runs `body`, and always closes every connection;
 * whatever `body` (or opening) throws becomes the caller's failure outcome.
 */
export async function withFleet(
  rt: Runtime,
  common: CommonInputs,
  o: WithFleetOptions,
  body: (fleet: Fleet & { app: string; ctx: string }) => Promise<Outcome>,
): Promise<Outcome> {
  let fleet: Fleet | null = null;
  let ctx: string | null = common.context ?? null;
  try {
    const app = requireApp(o.app, o.op, rt, common);
    fleet = openFleet(rt, common, app, o.mutating, o.log);
    ctx = fleet.session.config.name;
    return await body({ ...fleet, app, ctx });
  } catch (e) {
    return await o.fail(e, ctx, fleet?.nodes ?? []);
  } finally {
    if (fleet) await closeAll(fleet.nodes);
  }
}

/**
 * The one record of the locks a run holds (for the `post:` step and the CLI's interrupt handler):
 * the `onLocksChanged` of FleetOptions. Nothing is written until the run held a lock; from then on
 * every change is (an empty list too: the locks were released). `extra` adds per-lock fields.
 */
export function trackLocks(
  rt: Runtime,
  state: Omit<CleanupState, 'locks' | 'v'>,
  token: string,
  extra: (n: TargetNode) => Partial<HeldLock> = () => ({}),
): (held: TargetNode[]) => void {
  let lockedOnce = false;
  return (held) => {
    if (held.length) lockedOnce = true;
    if (lockedOnce)
      saveHeldLocks(rt, {
        v: 1,
        ...state,
        locks: held.map((n) => ({ target: n.name, app_dir: n.appDir, token, ...extra(n) })),
      });
  };
}

export function recordHistory(
  session: ContextSession,
  rt: Runtime,
  rec: { kind: string; ok: boolean; app: string; release: string; fields: Record<string, unknown> },
): void {
  try {
    const st = session.store.openState(session.config.name, rt.redactor);
    try {
      st.scoped.record(
        rec.kind,
        { ok: rec.ok, app: rec.app, release_id: rec.release, ...rec.fields },
        rt.now().toISOString(),
      );
    } finally {
      st.close();
    }
  } catch (e) {
    rt.logger.warn(`could not record ${rec.kind} history in state.db: ${errorMessage(e)}`);
  }
}
