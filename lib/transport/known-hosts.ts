import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OpenSSH known_hosts, strictly: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`
 * for non-22 ports, `*`/`?` globs and `!` negation, every key type (compared as the raw key blob),
 * `@revoked` honoured. `@cert-authority` lines are not supported and never match.
 */
export interface KnownHostEntry {
  marker: '' | '@revoked' | '@cert-authority';
  patterns: string[];
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = '';
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, b64] = parts;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    out.push({ marker, patterns: hosts.split(','), key: Buffer.from(b64, 'base64') });
  }
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, else `[host]:port`. */
function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, 'i');
}

function hashedMatch(pattern: string, name: string): boolean {
  const m = /^\|1\|([^|]+)\|(.+)$/.exec(pattern);
  if (!m) return false;
  const salt = Buffer.from(m[1] as string, 'base64');
  const want = Buffer.from(m[2] as string, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Does this entry's pattern list name the host? (negations win) */
export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = hostLookupName(host, port);
  let hit = false;
  for (const p of entry.patterns) {
    if (p.startsWith('|1|')) {
      if (hashedMatch(p, name)) hit = true;
      continue;
    }
    const neg = p.startsWith('!');
    const pat = neg ? p.slice(1) : p;
    if (globToRegExp(pat).test(name)) {
      if (neg) return false;
      hit = true;
    }
  }
  return hit;
}

/** Key type string inside an SSH key blob (first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH-style fingerprint: `SHA256:<base64 without padding>`. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked' | 'pin_mismatch';

export function verifyHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  blob: Buffer,
  pin?: string,
): HostKeyVerdict {
  for (const e of entries) if (e.marker === '@revoked' && e.key.equals(blob)) return 'revoked';
  const candidates = entries.filter((e) => e.marker === '' && entryMatches(e, host, port));
  if (candidates.length === 0) return 'unknown';
  if (!candidates.some((e) => e.key.equals(blob))) return 'mismatch';
  if (pin && pin.replace(/=+$/, '') !== fingerprint(blob)) return 'pin_mismatch';
  return 'match';
}

/** Parses `id=SHA256:... id2=SHA256:...` (vault key PAAS_SSH_FINGERPRINTS). */
export function parsePins(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const tok of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const eq = tok.indexOf('=');
    if (eq > 0) out.set(tok.slice(0, eq), tok.slice(eq + 1));
  }
  return out;
}
