import { randomBytes } from 'node:crypto';
import type { ContextStore } from '../isolation/store.js';
import { errorMessage, isPaasError, PaasError } from '../output/errors.js';
import type { Logger } from '../runtime/logger.js';
import { STATE_SCHEMA_VERSION } from '../state/db.js';
import { LINEAGE_CAP, packBundle, sha256, unpackBundle, type BundleFile, type BundleManifest } from './bundle.js';
import type { CacheStore } from './cache-store.js';
import { open, seal, STATE_KEY_NAME, type SealScope } from './crypto.js';
import { assertNoSecret, type SecretNeedle } from './scan.js';
import { materialize, mergeInto, snapshotContext, type MergeStats } from './state-files.js';
import { runAttempt } from '../runtime/runtime.js';

/**
 * State that survives ephemeral runners: restore the newest sealed entry of a context at the
 * start of a step, save a new one (merged with whatever other runs saved meanwhile) in `post:`.
 *
 * Keys: `paas-state-v<schema>/<context>/<run id>-<attempt>-<random>`; restore asks for the prefix
 * `paas-state-v<schema>/<context>/` (the `/` ends the context name, so `customer-a` never
 * matches `customer-a-2`). Entries are immutable: every save is a new key.
 */

export function keyPrefix(context: string): string {
  return `paas-state-v${STATE_SCHEMA_VERSION}/${context}/`;
}

function newEntryKey(context: string, env: NodeJS.ProcessEnv): string {
  const run = /^[0-9]{1,20}$/.test(env.GITHUB_RUN_ID ?? '') ? env.GITHUB_RUN_ID : 'local';
  return `${keyPrefix(context)}${run}-${runAttempt(env)}-${randomBytes(6).toString('hex')}`;
}

export interface PersistDeps {
  store: ContextStore;
  context: string;
  /** PAAS_STATE_KEY of the context */
  secret: string;
  /** every vault value of the context, in every form (nothing persisted may contain one) */
  needles: readonly SecretNeedle[];
  cache: CacheStore;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

interface RestoreResult {
  status: 'restored' | 'miss' | 'reset';
  /** the entry the local state now includes */
  key: string | null;
  lineage: string[];
  /** entries refused and skipped because of state_reset */
  resetKeys: string[];
  /** digest of the local state right after the restore (an unchanged state is not saved again) */
  digest: string | null;
  stats?: MergeStats;
}

interface SaveResult {
  status: 'saved' | 'not_saved' | 'unchanged' | 'no_state';
  key: string | null;
  /** entries of other runs merged in before saving */
  merged: string[];
}

function scope(context: string): SealScope {
  return { purpose: 'state', context, schema: STATE_SCHEMA_VERSION };
}

function remediation(context: string): string {
  return (
    `Check that ${STATE_KEY_NAME} in the vault of context ${context} is the key that saved its state ` +
    "(anyone who can write this repository's caches can plant an entry; it is refused). " +
    'To give up the cached state, set the input state_reset: true for one run: the state starts ' +
    'empty and the next save replaces it (targets keep the release history; deploy reconcile ' +
    'rebuilds the picture).'
  );
}

/** Decrypts, authenticates and unpacks one entry of this context, or throws PAAS_STATE_DECRYPT_FAILED / PAAS_STATE_CORRUPT. */
function openEntry(
  d: Pick<PersistDeps, 'context' | 'secret'>,
  key: string,
  blob: Buffer,
): { manifest: BundleManifest; files: BundleFile[] } {
  const what = `cache entry ${key}`;
  const plain = open(blob, d.secret, scope(d.context), { what, remediation: remediation(d.context) });
  const b = unpackBundle(plain, what);
  if (b.manifest.context !== d.context || b.manifest.schema !== STATE_SCHEMA_VERSION) {
    throw new PaasError(
      'PAAS_STATE_CORRUPT',
      `the ${what} holds state of context ${b.manifest.context} v${b.manifest.schema}; refused`,
      { stage: 'state_restore', remediation: remediation(d.context) },
    );
  }
  return b;
}

function stateDigest(files: readonly BundleFile[]): string {
  return sha256(files.map((f) => `${f.path}:${sha256(f.data)}`).join('\n'));
}

function describe(s: MergeStats): string {
  return (
    `${s.events_added} event(s), ${s.history_added} history row(s), ${s.kv_updated} kv value(s), ` +
    `${s.files_added} file(s)`
  );
}

function apply(d: PersistDeps, files: readonly BundleFile[]): MergeStats {
  const p = d.store.paths(d.context);
  const stats = d.store.exists(d.context)
    ? mergeInto(p, d.context, files, d.store.root.path)
    : materialize(d.store.contextsDir, p, d.context, files, d.store.root.path);
  if (stats.foreign_dropped)
    d.logger.warn(
      `state: dropped ${stats.foreign_dropped} row(s)/event(s) ` +
        `of another context found in the restored state of ${d.context}`,
    );
  return stats;
}

function localDigest(d: PersistDeps): string | null {
  if (!d.store.exists(d.context)) return null;
  return stateDigest(snapshotContext(d.store.paths(d.context), { includeCache: true }).files);
}

const refusable = (e: unknown) =>
  isPaasError(e) && (e.code === 'PAAS_STATE_DECRYPT_FAILED' || e.code === 'PAAS_STATE_CORRUPT');

/** Restores the newest entry of the context into the state root (merging when the context exists locally). */
export async function restoreState(d: PersistDeps, opts: { reset: boolean }): Promise<RestoreResult> {
  const prefix = keyPrefix(d.context);
  let entry: { key: string; blob: Buffer } | null;
  try {
    entry = await d.cache.restore(prefix);
  } catch (e) {
    if (!(opts.reset && refusable(e))) throw e;
    d.logger.warn(
      `state: state_reset is set: ignoring the cached state of ${d.context} that could not be restored ` +
        `(${errorMessage(e)}); starting from empty state`,
    );
    const target = isPaasError(e) ? e.target : null;
    return { status: 'reset', key: null, lineage: [], resetKeys: target ? [target] : [], digest: localDigest(d) };
  }
  if (!entry) {
    d.logger.info(
      `state: no cached state for context ${d.context} (first run, or evicted after 7 days without ` +
        'use); starting from the state root as it is',
    );
    return { status: 'miss', key: null, lineage: [], resetKeys: [], digest: localDigest(d) };
  }
  let bundle: { manifest: BundleManifest; files: BundleFile[] };
  try {
    bundle = openEntry(d, entry.key, entry.blob);
  } catch (e) {
    if (!(opts.reset && refusable(e))) throw e;
    d.logger.warn(
      `state: state_reset is set: ignoring ${entry.key}: ${errorMessage(e)}; context ${d.context} ` +
        'starts from empty state and the next save replaces it',
    );
    return { status: 'reset', key: null, lineage: [], resetKeys: [entry.key], digest: localDigest(d) };
  }
  if (opts.reset)
    d.logger.info(
      `state: state_reset is set but ${entry.key} decrypted fine; it is restored (state_reset only ` +
        'skips an entry that is refused)',
    );
  const stats = apply(d, bundle.files);
  d.logger.info(`state: restored context ${d.context} from ${entry.key}: ${describe(stats)} added`);
  return {
    status: 'restored',
    key: entry.key,
    lineage: bundle.manifest.lineage,
    resetKeys: [],
    digest: localDigest(d),
    stats,
  };
}

interface SaveInput {
  /** the entry restored at the start (null on a miss or a reset) */
  base: string | null;
  lineage: readonly string[];
  resetKeys: readonly string[];
  digest: string | null;
}

const MAX_ROUNDS = 3;

/** The newest entry; one that cannot be downloaded is skipped when this run was told to reset it. */
async function newest(
  d: PersistDeps,
  prefix: string,
  resetKeys: readonly string[],
): Promise<{ key: string; blob: Buffer } | null> {
  try {
    return await d.cache.restore(prefix);
  } catch (e) {
    if (isPaasError(e) && e.code === 'PAAS_STATE_CORRUPT' && e.target && resetKeys.includes(e.target))
      return { key: e.target, blob: Buffer.alloc(0) };
    throw e;
  }
}

/** What a save has taken in so far: the entries its state includes, its lineage, what it merged. */
interface SaveProgress {
  included: Set<string>;
  lineage: string[];
  merged: string[];
  /** the newest entry this state was brought level with, and that entry's content digest */
  level: { key: string; digest: string } | null;
}

/** Merges an entry another run saved meanwhile (an entry the run was told to reset is only marked). */
function mergePending(
  d: PersistDeps,
  resetKeys: readonly string[],
  pending: { key: string; blob: Buffer },
  p: SaveProgress,
): void {
  if (resetKeys.includes(pending.key)) {
    p.included.add(pending.key);
    return;
  }
  const b = openEntry(d, pending.key, pending.blob);
  const stats = apply(d, b.files);
  for (const k of [...b.manifest.lineage, pending.key]) {
    if (!p.included.has(k)) p.lineage.push(k);
    p.included.add(k);
  }
  p.merged.push(pending.key);
  p.level = { key: pending.key, digest: stateDigest(b.files) };
  d.logger.info(`state: merged ${pending.key}, saved by another run meanwhile: ${describe(stats)} added`);
}

/** Seals and saves the files as a new entry; its key, or null when the cache did not take it. */
async function saveEntry(d: PersistDeps, files: readonly BundleFile[], p: SaveProgress): Promise<string | null> {
  const key = newEntryKey(d.context, d.env);
  const packed = packBundle(
    {
      context: d.context,
      schema: STATE_SCHEMA_VERSION,
      created_at: d.now().toISOString(),
      lineage: [...p.lineage, key].slice(-LINEAGE_CAP),
    },
    files,
  );
  if (!(await d.cache.save(key, seal(packed, d.secret, scope(d.context), d.now())))) {
    d.logger.info(
      `state: the cache did not take ${key} (read-only cache token, e.g. a pull request from a fork, ` +
        'or the cache service refused it); the next run restores the previous entry',
    );
    return null;
  }
  p.included.add(key);
  p.lineage.push(key);
  d.logger.info(`state: saved context ${d.context} as ${key}`);
  return key;
}

/**
 * After saving `key`: an entry another run saved in between that does not include ours (to merge
 * and save again), or null when ours stands.
 */
async function supersedingEntry(
  d: PersistDeps,
  prefix: string,
  resetKeys: readonly string[],
  p: SaveProgress,
  key: string,
): Promise<{ key: string; blob: Buffer } | null> {
  const latest = await d.cache.lookup(prefix);
  if (!latest || p.included.has(latest)) return null;
  // another run saved after our look at the newest entry: keep ours only if theirs includes it
  try {
    const pending = await newest(d, prefix, resetKeys);
    if (!pending || p.included.has(pending.key) || resetKeys.includes(pending.key)) return null;
    if (openEntry(d, pending.key, pending.blob).manifest.lineage.includes(key)) return null;
    return pending;
  } catch (e) {
    // ours is saved; a newer entry that cannot be opened is refused by the next run, loudly
    d.logger.warn(`state: saved ${key}, but a newer entry of ${d.context} cannot be opened: ${errorMessage(e)}`);
    return null;
  }
}

/**
 * Saves the context's state as a new entry. Before sealing, merges the newest entry when it is
 * not one this state already includes (another run saved meanwhile); after saving, checks that
 * no run saved in between without including ours, and merges and saves again if one did.
 * Entries that fail to decrypt stop the save (nothing is silently shadowed), except the ones the
 * run was told to reset.
 */
export async function saveState(d: PersistDeps, input: SaveInput): Promise<SaveResult> {
  if (!d.store.exists(d.context)) return { status: 'no_state', key: null, merged: [] };
  const prefix = keyPrefix(d.context);
  const p: SaveProgress = {
    included: new Set<string>([...input.lineage, ...(input.base ? [input.base] : [])]),
    lineage: [...input.lineage, ...(input.base && !input.lineage.includes(input.base) ? [input.base] : [])],
    merged: [],
    level: input.base && input.digest ? { key: input.base, digest: input.digest } : null,
  };
  const { merged } = p;
  let savedKey: string | null = null;
  let pending: { key: string; blob: Buffer } | null = await newest(d, prefix, input.resetKeys);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (pending && !p.included.has(pending.key)) mergePending(d, input.resetKeys, pending, p);
    const snap = snapshotContext(d.store.paths(d.context), { includeCache: true });
    if (snap.skipped.length && round === 0)
      d.logger.info(`state: not carried over (over the size limits of cache/): ${snap.skipped.join(', ')}`);
    if (round === 0 && p.level && stateDigest(snap.files) === p.level.digest) {
      d.logger.info(`state: context ${d.context} unchanged since ${p.level.key}; nothing to save`);
      return { status: 'unchanged', key: p.level.key, merged };
    }
    assertNoSecret(snap.files, d.needles, `state cache entry of ${d.context}`);
    const key = await saveEntry(d, snap.files, p);
    if (!key) return { status: savedKey ? 'saved' : 'not_saved', key: savedKey, merged };
    savedKey = key;
    pending = await supersedingEntry(d, prefix, input.resetKeys, p, key);
    if (!pending) return { status: 'saved', key, merged };
  }
  d.logger.warn(
    `state: other runs of context ${d.context} kept saving concurrently; ` +
      "the newest entry may lack some of this run's events. Use a `concurrency` group per context in the workflow.",
  );
  return { status: 'saved', key: savedKey, merged };
}
