import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { CONTEXT_NAME_RE, OPERATION_NAME_RE } from '../isolation/names.js';
import { guardStateRoot, stateRootPath } from '../isolation/state-root.js';
import { ContextStore } from '../isolation/store.js';
import { loadVault } from '../isolation/vault.js';
import type { Outcome } from '../output/envelope.js';
import { toErrorInfo } from '../output/errors.js';
import { failure } from '../output/outcome.js';
import { POST_STATE_NAMES } from '../runtime/post-check.js';
import type { Runtime } from '../runtime/runtime.js';
import { ActionsCacheStore, type CacheStore } from './cache-store.js';
import { STATE_KEY_NAME } from './crypto.js';
import { restoreState, saveState, type PersistDeps } from './persist.js';
import { vaultNeedles } from './scan.js';

/**
 * The two calls the action runtime makes: `restoreForAction` at the start of every action's
 * main step, `saveForPost` in the shared `post:` step. What main restored is handed to post
 * through the runner's step state (GITHUB_STATE); secrets never are (post reads the vault again).
 */

export const PERSIST_STATE = POST_STATE_NAMES.persist;

interface Carried {
  v: 1;
  context: string;
  state_root: string;
  allow_unsafe: boolean;
  base: string | null;
  lineage: string[];
  reset_keys: string[];
  digest: string | null;
}

interface SetupInput {
  context: string;
  stateRoot?: string | undefined;
  allowUnsafe: boolean;
  vaultText?: string | undefined;
  /** tests pass their own store; the runner uses the Actions cache */
  cache?: CacheStore;
}

type Setup = { deps: PersistDeps } | { off: string; level: 'info' | 'warn' };

const truthy = (v: unknown) => v === true || v === 'true' || v === 'True' || v === 'TRUE';

/** Everything persistence needs for one context, or why it is off. Throws what the operation would throw too (unsafe root, bad vault). */
export async function persistenceSetup(rt: Runtime, a: SetupInput): Promise<Setup> {
  const store = new ContextStore(
    guardStateRoot(stateRootPath({ input: a.stateRoot, env: rt.env }), {
      workspace: rt.workspace,
      allowUnsafe: a.allowUnsafe,
    }),
  );
  const vault = loadVault({
    context: a.context,
    text: a.vaultText || rt.env.PAAS_VAULT,
    file: store.exists(a.context) ? store.get(a.context).vault_file : null,
    env: rt.env,
    envKeys: [STATE_KEY_NAME],
    workspace: rt.workspace,
    redactor: rt.redactor,
  });
  const hosted = rt.env.RUNNER_ENVIRONMENT === 'github-hosted';
  const secret = vault.get(STATE_KEY_NAME);
  if (!secret) {
    return {
      off:
        `state persistence is off for context ${a.context}: its vault has no ${STATE_KEY_NAME}, and ` +
        'state is never cached unencrypted. ' +
        (hosted
          ? 'On this GitHub-hosted runner the state root is lost when the job ends'
          : 'State stays in the state root of this runner') +
        ' (docs/state.md).',
      level: hosted ? 'warn' : 'info',
    };
  }
  const cache =
    a.cache ??
    ((await ActionsCacheStore.available())
      ? new ActionsCacheStore(join(rt.env.RUNNER_TEMP || tmpdir(), 'paas-state-cache', a.context))
      : null);
  if (!cache) {
    return {
      off:
        `state persistence is off for context ${a.context}: no Actions cache service on this runner; ` +
        'keep a persistent state_root instead (docs/state.md).',
      level: hosted ? 'warn' : 'info',
    };
  }
  return {
    deps: {
      store,
      context: a.context,
      secret,
      needles: vaultNeedles(vault),
      cache,
      logger: rt.logger,
      env: rt.env,
      now: rt.now,
    },
  };
}

/**
 * Main step: restores the newest cached state of the step's context. Returns the failure outcome
 * when the cached state is refused (the operation does not run), null otherwise. Never throws.
 */
export async function restoreForAction(
  rt: Runtime,
  opName: string,
  raw: Record<string, string>,
  cache?: CacheStore,
): Promise<Outcome | null> {
  const context = raw.context && CONTEXT_NAME_RE.test(raw.context) ? raw.context : null;
  if (!context) return null;
  let setup: Setup;
  try {
    setup = await persistenceSetup(rt, {
      context,
      stateRoot: raw.state_root,
      allowUnsafe: truthy(raw.allow_unsafe_state_root),
      vaultText: raw.vault,
      cache,
    });
  } catch (e) {
    rt.logger.debug(`state: persistence skipped: ${toErrorInfo(e).message}`);
    return null; // the operation reports the same problem with its own outcome
  }
  if ('off' in setup) {
    if (setup.level === 'warn') rt.logger.warn(setup.off);
    else rt.logger.info(setup.off);
    return null;
  }
  try {
    const r = await restoreState(setup.deps, { reset: truthy(raw.state_reset) });
    const carried: Carried = {
      v: 1,
      context,
      state_root: setup.deps.store.root.path,
      allow_unsafe: setup.deps.store.root.unsafe,
      base: r.key,
      lineage: r.lineage,
      reset_keys: r.resetKeys,
      digest: r.digest,
    };
    core.saveState(PERSIST_STATE, JSON.stringify(carried));
    return null;
  } catch (e) {
    const command = OPERATION_NAME_RE.test(opName) ? opName : 'paas';
    const mode = raw.mode && OPERATION_NAME_RE.test(raw.mode) ? raw.mode : null;
    return failure(rt.redactor, command, context, mode, e);
  }
}

function parseCarried(text: string): Carried | null {
  try {
    const c = JSON.parse(text) as Carried;
    if (
      c?.v !== 1 ||
      typeof c.context !== 'string' ||
      !CONTEXT_NAME_RE.test(c.context) ||
      typeof c.state_root !== 'string'
    )
      return null;
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return {
      ...c,
      lineage: strings(c.lineage),
      reset_keys: strings(c.reset_keys),
      base: typeof c.base === 'string' ? c.base : null,
      digest: typeof c.digest === 'string' ? c.digest : null,
    };
  } catch {
    return null;
  }
}

/**
 * Post step: saves the context's state as a new cache entry (merged with other runs' saves).
 * Misses and read-only tokens are normal; a refused entry or a vault value found in the state
 * fails the post step loudly (nothing is shadowed, nothing leaks). Never throws.
 */
export async function saveForPost(rt: Runtime, cache?: CacheStore): Promise<void> {
  const carried = parseCarried(core.getState(PERSIST_STATE));
  if (!carried) {
    rt.logger.debug('state: nothing to persist from this step');
    return;
  }
  try {
    const setup = await persistenceSetup(rt, {
      context: carried.context,
      stateRoot: carried.state_root,
      allowUnsafe: carried.allow_unsafe,
      vaultText: core.getInput('vault'),
      cache,
    });
    if ('off' in setup) {
      rt.logger.debug(setup.off);
      return;
    }
    await saveState(setup.deps, {
      base: carried.base,
      lineage: carried.lineage,
      resetKeys: carried.reset_keys,
      digest: carried.digest,
    });
  } catch (e) {
    const info = toErrorInfo(e, 'state_save');
    rt.logger.error(
      `state of context ${carried.context} not saved: ${info.code}: ` +
        `${info.message}${info.remediation ? ` Fix: ${info.remediation}` : ''}`,
    );
    process.exitCode = 1;
  }
}
