import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PaasError } from '../output/errors.js';
import { mkdirPrivate, writeFilePrivate } from '../state/fs-safe.js';

/**
 * Where sealed state blobs live between runs. The persistence logic only sees this interface;
 * on GitHub runners it is the Actions cache (`@actions/cache`), in the tests the same class
 * against a local server speaking the cache service protocol.
 */
export interface CacheStore {
  /** the newest entry key starting with `prefix`, without downloading; null on a miss */
  lookup(prefix: string): Promise<string | null>;
  /**
   * The newest entry starting with `prefix`, downloaded; null on a miss. An entry that exists but
   * cannot be downloaded or unpacked is an error (PAAS_STATE_CORRUPT), never a miss: treating it
   * as a miss would let the next save shadow state it never saw.
   */
  restore(prefix: string): Promise<{ key: string; blob: Buffer } | null>;
  /** false when the service did not take it (read-only token, key taken, service error): logged by the store */
  save(key: string, blob: Buffer): Promise<boolean>;
}

const BLOB_NAME = 'state.paas';

/** @actions/cache is loaded only when a run really uses the cache (it is most of an action bundle's size). */
let loaded: Promise<typeof import('@actions/cache')> | null = null;
const cacheLib = () => (loaded ??= import('@actions/cache'));

/**
 * The Actions cache. `dir` must be the same path in every run (it is part of the cache version
 * hash): `<RUNNER_TEMP>/paas-state-cache/<context>`. It only ever holds the sealed blob.
 */
export class ActionsCacheStore implements CacheStore {
  constructor(readonly dir: string) {}

  static async available(): Promise<boolean> {
    if (!process.env.ACTIONS_RUNTIME_TOKEN) return false;
    return (await cacheLib()).isFeatureAvailable();
  }

  private reset(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirPrivate(this.dir);
  }

  async lookup(prefix: string): Promise<string | null> {
    this.reset();
    return (await (await cacheLib()).restoreCache([this.dir], prefix, [prefix], { lookupOnly: true })) ?? null;
  }

  async restore(prefix: string): Promise<{ key: string; blob: Buffer } | null> {
    const found = await this.lookup(prefix);
    if (!found) return null;
    this.reset();
    const key = await (await cacheLib()).restoreCache([this.dir], prefix, [prefix]);
    const file = join(this.dir, BLOB_NAME);
    if (!key || !existsSync(file)) {
      throw new PaasError('PAAS_STATE_CORRUPT', `cache entry ${found} exists but could not be downloaded or unpacked`, {
        stage: 'state_restore',
        target: found,
        remediation:
          'Re-run the job. If it keeps failing, set the input state_reset: true for one run to start from ' +
          'empty state (targets keep the release history; deploy reconcile rebuilds the picture).',
      });
    }
    const blob = readFileSync(file);
    rmSync(file, { force: true });
    return { key, blob };
  }

  async save(key: string, blob: Buffer): Promise<boolean> {
    this.reset();
    const cache = await cacheLib();
    writeFilePrivate(join(this.dir, BLOB_NAME), blob);
    try {
      return (await cache.saveCache([this.dir], key)) > 0;
    } finally {
      rmSync(join(this.dir, BLOB_NAME), { force: true });
    }
  }
}
