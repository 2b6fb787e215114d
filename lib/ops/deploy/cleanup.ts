import { POST_STATE_NAMES } from '../../runtime/post-check.js';
import type { Runtime } from '../../runtime/runtime.js';
import { commonInputsSchema, parseInputs } from '../../runtime/inputs.js';
import { openContextSession } from '../../runtime/session.js';
import { appDir as buildAppDir, returnScript, unlockScript } from '../../transport/commands.js';
import type { Transport } from '../../transport/transport.js';
import { loadAppConfig } from './app-config.js';
import { healthGate } from './health.js';
import { historyLine } from './releases.js';
import { mapLimit } from '../../transport/limit.js';
import { buildTransports, connectTransport, targetsFromVault } from '../../transport/connect.js';
import { errorMessage } from '../../output/errors.js';

/** Name of the action state the main step writes and the `post:` step reads. */
export const CLEANUP_STATE = POST_STATE_NAMES.cleanup;

export interface HeldLock {
  target: string;
  app_dir: string;
  token: string;
  /** deploy: the release the target ran before this run (what a killed run's target is returned to) */
  previous?: string | null;
  /** deploy: the health settings recorded for `previous` (or paas.yml's) */
  health?: unknown;
}

export interface CleanupState {
  v: 1;
  op: 'deploy' | 'rollback';
  context: string;
  locks: HeldLock[];
  /** deploy: the app and the release being deployed (a target whose current is it is returned) */
  undo?: { app: string; release: string; run: string; actor: string } | undefined;
}

const held = new WeakMap<Runtime, CleanupState>();

/**
 * Records the locks this run holds: in memory for the run's runtime (the CLI releases them on
 * SIGINT/SIGTERM, lib/cli/interrupt.ts) and, in an action, in the runner's step state
 * (`rt.stepState`), so `post:` can release them even after a cancel.
 */
export function saveHeldLocks(rt: Runtime, state: CleanupState): void {
  held.set(rt, { ...state, locks: [...state.locks] });
  rt.stepState?.save(CLEANUP_STATE, JSON.stringify(state));
}

/** The locks the run on this runtime last recorded as held (null: it never took one). */
export function heldLocks(rt: Runtime): CleanupState | null {
  return held.get(rt) ?? null;
}

function parseCleanupState(text: string): CleanupState | null {
  try {
    const s = JSON.parse(text) as CleanupState;
    if (s && s.v === 1 && Array.isArray(s.locks) && typeof s.context === 'string') return s;
  } catch {
    /* not ours */
  }
  return null;
}

/**
 * Releases the recorded locks (only those still holding our token). Inputs are the same as the main
 * step's (the runner passes them to `post:` too; the CLI its own flags): the vault gives targets and
 * the SSH key. `via` names who releases, in the log and the event.
 */
export async function releaseRecordedLocks(
  rt: Runtime,
  rawInputs: Record<string, unknown>,
  state: CleanupState,
  via: 'post step' | 'interrupt' = 'post step',
): Promise<string[]> {
  const prefix = via === 'post step' ? 'paas post' : 'paas';
  if (!state.locks.length) return [];
  const common = parseInputs(commonInputsSchema, { ...rawInputs, context: state.context });
  const session = openContextSession(rt, common, { mutating: true, createIfMissing: false });
  const specs = targetsFromVault(session.vault).filter((t) => state.locks.some((l) => l.target === t.id));
  const transports = buildTransports(specs, session.vault, {
    concurrency: 8,
    attempts: 3,
    log: (m) => rt.logger.info(m),
  });
  const released: string[] = [];
  let start: string | undefined;
  if (state.undo) {
    try {
      start = loadAppConfig(rt.workspace ?? rt.cwd, common.config, state.undo.app).app.start;
    } catch (e) {
      rt.logger.warn(
        `${prefix}: paas.yml cannot be read (${errorMessage(e)}); targets are returned without a start command`,
      );
    }
  }
  await mapLimit(state.locks, 8, async (l) => {
    const t = transports.get(l.target);
    if (!t) return;
    try {
      await connectTransport(t, { evenIfInterrupted: true });
      if (state.undo && l.previous && l.previous !== state.undo.release)
        await returnTarget(rt, t, l, state.undo, start, prefix);
      const r = await t.exec(unlockScript(l.app_dir, l.token), { timeoutMs: 30_000 });
      const what = /unlock=(\w+)/.exec(r.stdout)?.[1] ?? `exit ${r.code}`;
      rt.logger.info(`${prefix}: ${l.target}: lock ${what}`);
      if (what === 'released') released.push(l.target);
    } catch (e) {
      rt.logger.warn(
        `${prefix}: ${l.target}: could not release the lock: ${errorMessage(e)} (it becomes stale after lock_ttl)`,
      );
    } finally {
      await t.close();
    }
  });
  session.events.append(
    `${state.op}.locks_released`,
    via === 'post step' ? 'post step released the locks of this run' : 'the interrupted run released its locks',
    { targets: released.join(','), via },
  );
  return released;
}

/**
 * A run killed mid-deploy: the target, if its `current` is still the release that run was deploying,
 * goes back to the release it ran before (under the run's lock), is restarted and health-checked
 * with the settings recorded for that release. Best effort: failures are warnings.
 */
async function returnTarget(
  rt: Runtime,
  t: Transport,
  l: HeldLock,
  undo: NonNullable<CleanupState['undo']>,
  start: string | undefined,
  prefix: string,
): Promise<void> {
  const previous = l.previous as string;
  const m = /^(.*)\/([^/]+)\/([^/]+)$/.exec(l.app_dir);
  const context = m?.[2] ?? '';
  const env = { appDir: l.app_dir, context, app: undo.app, target: l.target, release: previous };
  const bad = historyLine(undo, rt.now(), { event: 'fleet_rollback', release: undo.release, reason: 'run cancelled' });
  if (buildAppDir(m?.[1] ?? '/', context, undo.app) !== l.app_dir)
    throw new Error('the recorded app directory does not match the app');
  const r = await t.exec(
    returnScript(l.app_dir, { env, from: undo.release, lockToken: l.token, start, historyLine: bad }),
    { timeoutMs: 10 * 60_000 },
  );
  if (/^returned=no$/m.test(r.stdout)) return;
  if (r.code !== 0 || !/^returned=yes$/m.test(r.stdout)) {
    rt.logger.warn(
      `${prefix}: ${l.target}: could not return to ${previous} (exit ${r.code}); ` +
        `check it with \`paas deploy reconcile\``,
    );
    return;
  }
  const health = l.health as Parameters<typeof healthGate>[1];
  const gate = await healthGate(t, health ?? undefined, l.app_dir, env, (msg) => rt.logger.info(msg), rt.redactor);
  rt.logger.info(
    `${prefix}: ${l.target}: returned to ${previous} (the cancelled run had switched it to ` +
      `${undo.release})${gate.ok ? ', healthy' : `, but its health check failed: ${gate.reason}`}`,
  );
}

/**
 * Entry for the action's `post:` step (lib/entry/action.ts runPost): given the state the main step
 * saved and the same common inputs (the runner passes them to `post:` too), releases this run's
 * locks. Never throws.
 */
export async function postReleaseLocks(rt: Runtime, held: string, raw: Record<string, string>): Promise<void> {
  const state = parseCleanupState(held);
  if (!state || !state.locks.length) {
    rt.logger.info('paas post: no lock held by this run');
    return;
  }
  try {
    const released = await releaseRecordedLocks(rt, raw, state);
    rt.logger.info(`paas post: released ${released.length} of ${state.locks.length} lock(s) held by this run`);
    saveHeldLocks(rt, { ...state, locks: state.locks.filter((l) => !released.includes(l.target)) });
  } catch (e) {
    rt.logger.warn(`paas post: could not release the locks: ${errorMessage(e)} (they become stale after lock_ttl)`);
  }
}
