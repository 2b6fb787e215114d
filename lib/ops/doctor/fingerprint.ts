import { createHash, randomBytes, scrypt } from 'node:crypto';

/**
 * Two kinds of fingerprint, so that nothing doctor prints or commits lets anyone confirm a guessed
 * secret offline (docs/doctor.md#fingerprints):
 *
 * - The **finding id** (`fingerprint` in the JSON, `partialFingerprints` in SARIF): SHA-256 over
 *   public data only: the check, the kind, the file, the masked preview (key name, token prefix)
 *   and the occurrence number among identical ones in that file. It tracks a finding across runs
 *   (code scanning alerts) and says nothing about the value.
 * - The **baseline fingerprint** (only in the baseline file): scrypt over the check, kind, file
 *   and the finding's identity (the secret for content findings, the path for artifacts) with a
 *   random per-baseline salt stored in the file. It is bound to the value, so replacing an
 *   accepted test password with a real one is a new finding, but each guess costs one scrypt
 *   (N=2^15, r=8, p=1: 32 MiB and tens of milliseconds) instead of one SHA-256.
 */
export function findingId(check: string, kind: string, file: string, locator: string, occurrence = 0): string {
  return createHash('sha256')
    .update(`paas-doctor/id/2\0${check}\0${kind}\0${file}\0${locator}\0${occurrence}`)
    .digest('hex')
    .slice(0, 32);
}

/** Kept only to read baselines written before format 2 (unsalted: a guessed value could be confirmed with one hash). */
export function legacyFingerprint(check: string, kind: string, file: string, identity: string): string {
  return createHash('sha256')
    .update(`paas-doctor/1\0${check}\0${kind}\0${file}\0${identity}`)
    .digest('hex')
    .slice(0, 32);
}

export interface KdfParams {
  name: 'scrypt';
  /** base64, 16 random bytes per baseline */
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** Cost of a baseline fingerprint: 128*N*r bytes of memory (32 MiB) per guess. */
const DEFAULT_KDF = { name: 'scrypt', N: 1 << 15, r: 8, p: 1 } as const;
/** Lowest cost a baseline may declare: a file asking for less is refused, not trusted. */
export const MIN_KDF_N = 1 << 14;
export const MAX_KDF_MEMORY = 256 * 1024 * 1024;

export function newKdf(): KdfParams {
  return { ...DEFAULT_KDF, salt: randomBytes(16).toString('base64') };
}

export function baselineFingerprint(
  kdf: KdfParams,
  check: string,
  kind: string,
  file: string,
  identity: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    scrypt(
      `paas-doctor/baseline/2\0${check}\0${kind}\0${file}\0${identity}`,
      Buffer.from(kdf.salt, 'base64'),
      16,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: MAX_KDF_MEMORY + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key.toString('hex'))),
    );
  });
}
