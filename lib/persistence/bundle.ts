import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PaasError } from '../output/errors.js';

/**
 * The plaintext inside a sealed cache blob: a manifest (JSON) followed by the files' bytes,
 * gzip-compressed (compression happens before encryption; ciphertext does not compress).
 *
 *   u32 manifest length | manifest JSON | file bytes, in manifest order
 */

export interface BundleFile {
  /** posix path relative to the context directory: config.json, state.db, events/<m>.jsonl, cache/... */
  path: string;
  data: Buffer;
}

export interface BundleManifest {
  format: 'paas-state-bundle/1';
  context: string;
  schema: number;
  created_at: string;
  /** cache keys whose content this bundle includes (newest last, capped): proves a merge */
  lineage: string[];
  files: Array<{ path: string; size: number; sha256: string }>;
}

export const LINEAGE_CAP = 64;

/** Paths a context bundle may hold; anything else is refused on the way in and out. */
const ALLOWED =
  /^(config\.json|state\.db|events\/[A-Za-z0-9._-]{1,64}\.jsonl|cache\/[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128}){0,7})$/;

export function isAllowedBundlePath(p: string): boolean {
  return ALLOWED.test(p) && !p.split('/').some((s) => s === '.' || s === '..');
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function packBundle(meta: Omit<BundleManifest, 'format' | 'files'>, files: readonly BundleFile[]): Buffer {
  for (const f of files) if (!isAllowedBundlePath(f.path)) throw new Error(`bundle: path not allowed: ${f.path}`);
  const manifest: BundleManifest = {
    format: 'paas-state-bundle/1',
    ...meta,
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })),
  };
  const m = Buffer.from(JSON.stringify(manifest), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(m.length);
  return gzipSync(Buffer.concat([len, m, ...files.map((f) => f.data)]), { level: 6 });
}

function corrupt(what: string, detail: string): PaasError {
  return new PaasError('PAAS_STATE_CORRUPT', `the ${what} decrypted but its content is damaged: ${detail}`, {
    stage: 'state_restore',
    remediation:
      'Restore the context from a backup (paas backup restore), or set the input state_reset: ' +
      'true to start from empty state.',
  });
}

export function unpackBundle(packed: Buffer, what = 'state bundle'): { manifest: BundleManifest; files: BundleFile[] } {
  let raw: Buffer;
  try {
    raw = gunzipSync(packed, { maxOutputLength: 2 * 1024 * 1024 * 1024 });
  } catch {
    throw corrupt(what, 'not gzip');
  }
  if (raw.length < 4) throw corrupt(what, 'truncated');
  const n = raw.readUInt32BE(0);
  if (4 + n > raw.length) throw corrupt(what, 'truncated manifest');
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(raw.subarray(4, 4 + n).toString('utf8')) as BundleManifest;
  } catch {
    throw corrupt(what, 'manifest is not JSON');
  }
  if (manifest?.format !== 'paas-state-bundle/1' || !Array.isArray(manifest.files) || !Array.isArray(manifest.lineage))
    throw corrupt(what, 'unknown manifest format');
  const files: BundleFile[] = [];
  let off = 4 + n;
  for (const f of manifest.files) {
    if (typeof f.path !== 'string' || !isAllowedBundlePath(f.path))
      throw corrupt(what, `path not allowed: ${JSON.stringify(String(f.path).slice(0, 80))}`);
    if (!Number.isSafeInteger(f.size) || f.size < 0 || off + f.size > raw.length)
      throw corrupt(what, `${f.path} is truncated`);
    const data = raw.subarray(off, off + f.size);
    off += f.size;
    if (sha256(data) !== f.sha256) throw corrupt(what, `${f.path} does not match its sha256`);
    files.push({ path: f.path, data: Buffer.from(data) });
  }
  if (off !== raw.length) throw corrupt(what, 'trailing bytes after the last file');
  return { manifest, files };
}
