import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { PaasError } from '../output/errors.js';

/**
 * Sealing of persisted state (cache blobs, backup files): AES-256-GCM under a key derived from a
 * per-context secret (vault key PAAS_STATE_KEY).
 *
 *   secret --scrypt(salt, N, r, p)--> master (32 bytes)
 *   master --HKDF-SHA256(info "paas/<purpose>/v<schema>/<context>")--> key (32 bytes)
 *   master --HKDF-SHA256(info "paas/key-check/...")--> check value (8 bytes, in the header)
 *
 * The header (format, purpose, context, schema, KDF parameters, check value) is authenticated:
 * it is part of the additional data together with the context and schema the reader expects, so
 * a blob of another context or schema, or an edited header, never decrypts. The check value only
 * makes "wrong key" distinguishable from "tampered" in the error message.
 */

export const SEAL_MAGIC = Buffer.from('PAASENC1', 'ascii');
const MIN_KEY_LENGTH = 16;
export const STATE_KEY_NAME = 'PAAS_STATE_KEY';

type SealPurpose = 'state' | 'backup';

export interface KdfParams {
  alg: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

interface SealHeader {
  format: 'paas-sealed/1';
  purpose: SealPurpose;
  context: string;
  schema: number;
  kdf: KdfParams;
  /** hex: proves the key before decrypting, so a wrong key is told apart from tampering */
  kcv: string;
  iv: string;
  created_at: string;
}

export interface SealScope {
  purpose: SealPurpose;
  context: string;
  schema: number;
}

/**
 * scrypt cost: N=2^14, r=8 (16 MiB, ~0.05-0.2 s); bounded on read so a crafted header cannot
 * exhaust memory. PAAS_STATE_KEY is meant to be random (openssl rand -base64 32); scrypt only
 * slows down guessing when someone picked a weak one.
 */
const DEFAULT_KDF = { N: 1 << 14, r: 8, p: 1 } as const;
const MAX_N = 1 << 17;

function decryptFailed(message: string, remediation: string): PaasError {
  return new PaasError('PAAS_STATE_DECRYPT_FAILED', message, { stage: 'state_decrypt', remediation });
}

/** A derived key: the AES key plus what identifies it. Never logged, never persisted. */
export class DerivedKey {
  private constructor(
    readonly kdf: KdfParams,
    private readonly master: Buffer,
  ) {}

  static derive(secret: string, kdf?: KdfParams): DerivedKey {
    if (secret.length < MIN_KEY_LENGTH) {
      throw new PaasError('PAAS_INVALID_ARGUMENT', `${STATE_KEY_NAME} is shorter than ${MIN_KEY_LENGTH} characters`, {
        stage: 'state_key',
        remediation:
          `Generate a strong key, e.g. \`openssl rand -base64 32\`, ` +
          `and store it as ${STATE_KEY_NAME} in the context's vault.`,
      });
    }
    const params: KdfParams = kdf ?? { alg: 'scrypt', ...DEFAULT_KDF, salt: randomBytes(16).toString('base64') };
    const salt = Buffer.from(typeof params.salt === 'string' ? params.salt : '', 'base64');
    if (
      params.alg !== 'scrypt' ||
      !Number.isInteger(params.N) ||
      params.N < 1024 ||
      params.N > MAX_N ||
      (params.N & (params.N - 1)) !== 0 ||
      !Number.isInteger(params.r) ||
      params.r < 1 ||
      params.r > 16 ||
      !Number.isInteger(params.p) ||
      params.p < 1 ||
      params.p > 4 ||
      salt.length < 16
    ) {
      throw decryptFailed(
        'sealed data has unsupported key-derivation parameters',
        'The data was not written by paas-actions (or by an incompatible version); ' +
          'restore from a backup or reset the state.',
      );
    }
    const master = scryptSync(Buffer.from(secret, 'utf8'), salt, 32, {
      N: params.N,
      r: params.r,
      p: params.p,
      maxmem: 256 * params.N * params.r + (1 << 20),
    });
    return new DerivedKey(params, master);
  }

  private static readonly memo = new Map<string, DerivedKey>();

  private static memoKey(secret: string, kdf: KdfParams | 'seal'): string {
    return createHmac('sha256', 'paas-kdf-memo').update(secret).update(JSON.stringify(kdf)).digest('hex');
  }

  /**
   * The key this process seals with (one salt per secret and process: scrypt runs once, every
   * blob still gets its own random IV), and keys for opening, remembered by salt (bounded).
   */
  static forSealing(secret: string): DerivedKey {
    return DerivedKey.remember(DerivedKey.memoKey(secret, 'seal'), () => DerivedKey.derive(secret), secret);
  }

  static forOpening(secret: string, kdf: KdfParams): DerivedKey {
    return DerivedKey.remember(DerivedKey.memoKey(secret, kdf), () => DerivedKey.derive(secret, kdf), secret);
  }

  private static remember(id: string, make: () => DerivedKey, secret: string): DerivedKey {
    const hit = DerivedKey.memo.get(id);
    if (hit) return hit;
    const k = make();
    if (DerivedKey.memo.size >= 32) DerivedKey.memo.clear();
    DerivedKey.memo.set(id, k);
    DerivedKey.memo.set(DerivedKey.memoKey(secret, k.kdf), k);
    return k;
  }

  subkey(label: string): Buffer {
    return Buffer.from(
      hkdfSync('sha256', this.master, Buffer.from(this.kdf.salt, 'base64'), Buffer.from(label, 'utf8'), 32),
    );
  }

  encKey(scope: SealScope): Buffer {
    return this.subkey(`paas/${scope.purpose}/v${scope.schema}/${scope.context}`);
  }

  macKey(scope: SealScope): Buffer {
    return this.subkey(`paas/${scope.purpose}-mac/v${scope.schema}/${scope.context}`);
  }

  checkValue(): string {
    return createHmac('sha256', this.subkey('paas/key-check'))
      .update('paas-key-check')
      .digest()
      .subarray(0, 8)
      .toString('hex');
  }
}

/** The additional data of a sealed blob: its header and scope (the trailing `|` is part of the format). */
function aad(headerBytes: Buffer, scope: SealScope): Buffer {
  return Buffer.concat([headerBytes, Buffer.from(`|${scope.purpose}|${scope.context}|v${scope.schema}|`, 'utf8')]);
}

/** AES-256-GCM with additional data; returns iv (12) + ciphertext + tag (16). */
export function gcmEncrypt(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(additional);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

/** Inverse of gcmEncrypt; null when authentication fails. */
export function gcmDecrypt(key: Buffer, sealed: Buffer, additional: Buffer): Buffer | null {
  if (sealed.length < 28) return null;
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAAD(additional);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
  } catch {
    return null;
  }
}

/**
 * Seals one payload: MAGIC | u32 header length | header JSON | iv | ciphertext | tag.
 * The additional data is the encoded header plus the scope (purpose, context, schema).
 */
export function seal(plaintext: Buffer, secret: string | DerivedKey, scope: SealScope, now = new Date()): Buffer {
  const key = typeof secret === 'string' ? DerivedKey.forSealing(secret) : secret;
  const header: SealHeader = {
    format: 'paas-sealed/1',
    purpose: scope.purpose,
    context: scope.context,
    schema: scope.schema,
    kdf: key.kdf,
    kcv: key.checkValue(),
    iv: '',
    created_at: now.toISOString(),
  };
  const iv = randomBytes(12);
  header.iv = iv.toString('base64');
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(headerBytes.length);
  const prefix = Buffer.concat([SEAL_MAGIC, len, headerBytes]);
  const c = createCipheriv('aes-256-gcm', key.encKey(scope), iv);
  c.setAAD(aad(prefix, scope));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([prefix, body, c.getAuthTag()]);
}

/** The header of a sealed payload, without decrypting (it names context and schema). */
export function readSealHeader(blob: Buffer, what = 'state blob'): { header: SealHeader; prefix: Buffer } {
  const bad = () =>
    decryptFailed(
      `the ${what} is not sealed paas state (unrecognized format)`,
      'It was not written by paas-actions, or it is truncated; restore from a backup or reset the state.',
    );
  if (blob.length < SEAL_MAGIC.length + 4 || !blob.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC)) throw bad();
  const n = blob.readUInt32BE(SEAL_MAGIC.length);
  if (n > 64 * 1024 || blob.length < SEAL_MAGIC.length + 4 + n + 16) throw bad();
  const prefix = blob.subarray(0, SEAL_MAGIC.length + 4 + n);
  let header: SealHeader;
  try {
    header = JSON.parse(prefix.subarray(SEAL_MAGIC.length + 4).toString('utf8')) as SealHeader;
  } catch {
    throw bad();
  }
  const k = header?.kdf as Partial<KdfParams> | undefined;
  const kdfOk =
    !!k &&
    typeof k === 'object' &&
    k.alg === 'scrypt' &&
    typeof k.salt === 'string' &&
    [k.N, k.r, k.p].every((x) => typeof x === 'number');
  if (
    !header ||
    header.format !== 'paas-sealed/1' ||
    typeof header.purpose !== 'string' ||
    typeof header.context !== 'string' ||
    typeof header.schema !== 'number' ||
    typeof header.kcv !== 'string' ||
    typeof header.iv !== 'string' ||
    !kdfOk
  )
    throw bad();
  return { header, prefix };
}

interface OpenOptions {
  /** what is being opened, for messages: "cache entry paas-state-v1/...", "backup file ..." */
  what: string;
  /** the remediation for every refusal */
  remediation: string;
}

/**
 * Opens a sealed payload for the expected scope, or refuses with PAAS_STATE_DECRYPT_FAILED and a
 * message telling which case it is: another context, another schema, the wrong key, tampering.
 */
export function open(
  blob: Buffer,
  secret: string | ((kdf: KdfParams) => DerivedKey),
  scope: SealScope,
  opts: OpenOptions,
): Buffer {
  const { header, prefix } = readSealHeader(blob, opts.what);
  if (header.purpose !== scope.purpose)
    throw decryptFailed(`the ${opts.what} is a sealed ${header.purpose}, not ${scope.purpose}`, opts.remediation);
  if (header.context !== scope.context) {
    throw decryptFailed(
      `the ${opts.what} was sealed for context ${JSON.stringify(header.context.slice(0, 64))}, ` +
        `not ${scope.context}; refused`,
      opts.remediation,
    );
  }
  if (header.schema !== scope.schema) {
    throw decryptFailed(
      `the ${opts.what} holds state schema v${header.schema}; this paas-actions reads v${scope.schema}`,
      opts.remediation,
    );
  }
  const key = typeof secret === 'string' ? DerivedKey.forOpening(secret, header.kdf) : secret(header.kdf);
  const kcv = Buffer.from(key.checkValue(), 'hex');
  const theirs = Buffer.from(/^[0-9a-f]{16}$/.test(header.kcv) ? header.kcv : '', 'hex');
  if (theirs.length !== kcv.length || !timingSafeEqual(theirs, kcv)) {
    throw decryptFailed(
      `the ${opts.what} was sealed with a different ${STATE_KEY_NAME} (wrong key); refused`,
      opts.remediation,
    );
  }
  const iv = Buffer.from(header.iv, 'base64');
  if (iv.length !== 12)
    throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
  const d = createDecipheriv('aes-256-gcm', key.encKey(scope), iv);
  d.setAAD(aad(prefix, scope));
  d.setAuthTag(blob.subarray(blob.length - 16));
  try {
    return Buffer.concat([d.update(blob.subarray(prefix.length, blob.length - 16)), d.final()]);
  } catch {
    throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
  }
}
