import type { Vault } from '../isolation/vault.js';
import { PaasError } from '../output/errors.js';

/**
 * Looks for vault values inside bytes that are about to be persisted (cache blobs, backups), in
 * the forms a value takes when it leaks: as is, base64 (each of the three alignments),
 * base64url, hex (both cases), URL-encoded, JSON-escaped, and each line of a multi-line value.
 * A hit blocks the write: the vault is never part of persisted state.
 */

/** Shorter values are not searched: they would match ordinary words in state (see docs/state.md). */
const MIN_SCANNED_LENGTH = 8;

export interface SecretNeedle {
  /** the vault key the value belongs to (reported; the value never is) */
  key: string;
  form: string;
  bytes: Buffer;
}

function base64Forms(b: Buffer): string[] {
  const out: string[] = [];
  for (const k of [0, 1, 2]) {
    const s = Buffer.concat([Buffer.alloc(k), b]).toString('base64');
    const start = [0, 2, 3][k] as number;
    const end = Math.floor((k + b.length) / 3) * 4;
    if (end - start >= MIN_SCANNED_LENGTH) out.push(s.slice(start, end));
  }
  return out;
}

/** Every searchable form of one value. */
export function secretForms(key: string, value: string): SecretNeedle[] {
  const seen = new Set<string>();
  const out: SecretNeedle[] = [];
  const add = (form: string, s: string) => {
    if (s.length < MIN_SCANNED_LENGTH || seen.has(s)) return;
    seen.add(s);
    out.push({ key, form, bytes: Buffer.from(s, 'utf8') });
  };
  const parts = [value, ...value.split(/\r?\n/).map((l) => l.trim())].filter((v) => v.length >= MIN_SCANNED_LENGTH);
  for (const v of new Set(parts)) {
    const b = Buffer.from(v, 'utf8');
    add('raw', v);
    for (const s of base64Forms(b)) {
      add('base64', s);
      add('base64url', s.replace(/\+/g, '-').replace(/\//g, '_'));
    }
    add('hex', b.toString('hex'));
    add('hex', b.toString('hex').toUpperCase());
    add('url-encoded', encodeURIComponent(v));
    add('json-escaped', JSON.stringify(v).slice(1, -1));
  }
  return out;
}

function needlesFor(values: ReadonlyMap<string, string>): SecretNeedle[] {
  return [...values].flatMap(([k, v]) => secretForms(k, v));
}

/** The needles of every non-empty value of a vault (what a saved state or backup must never hold). */
export function vaultNeedles(vault: Pick<Vault, 'keys' | 'get'>): SecretNeedle[] {
  const values = new Map<string, string>();
  for (const k of vault.keys()) {
    const v = vault.get(k);
    if (v) values.set(k, v);
  }
  return needlesFor(values);
}

interface SecretHit {
  file: string;
  key: string;
  form: string;
}

/** The first vault value found in any of the files, or null. */
export function findSecret(
  files: ReadonlyArray<{ path: string; data: Buffer }>,
  needles: readonly SecretNeedle[],
): SecretHit | null {
  for (const f of files) {
    for (const n of needles) if (f.data.indexOf(n.bytes) >= 0) return { file: f.path, key: n.key, form: n.form };
  }
  return null;
}

/** Throws PAAS_STATE_HOLDS_SECRET naming the file and the vault key, never the value. */
export function assertNoSecret(
  files: ReadonlyArray<{ path: string; data: Buffer }>,
  needles: readonly SecretNeedle[],
  what: string,
): void {
  const hit = findSecret(files, needles);
  if (!hit) return;
  throw new PaasError(
    'PAAS_STATE_HOLDS_SECRET',
    `refusing to write the ${what}: ${hit.file} holds the vault value of ${hit.key} (${hit.form} form)`,
    {
      stage: 'state_scan',
      target: hit.file,
      remediation:
        'State must never hold a vault value. Find what wrote it (paas events list), remove it from the ' +
        `context's state, and rotate ${hit.key}.`,
    },
  );
}
