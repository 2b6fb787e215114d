/**
 * What one registered secret expands to: the raw values reported to `onRegister` (the runner's
 * core.setSecret) and the derived forms the redactor searches for.
 */
import { findDsns } from './dsn.js';

/** Values shorter than this are not registered as literal secrets; see docs/redaction.md. */
export const MIN_SECRET_LENGTH = 6;

interface Expansion {
  /** raw values for onRegister, in order: the value, its trimmed form, lines, DSN parts */
  raw: string[];
  /** every form with its encoding name; each at least MIN_SECRET_LENGTH characters */
  forms: Map<string, string>;
}

const PEM_ARMOR = /^-----(?:BEGIN|END) [A-Z0-9 ]+-----$/;
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The base64 characters determined by the secret's bytes alone when the secret starts at byte
 * offset k (mod 3) of a larger encoded buffer: characters [ceil(8k/6), floor(8(k+n)/6)) of the
 * encoding of k zero bytes followed by the secret.
 */
export function base64Aligned(bytes: Uint8Array, k: 0 | 1 | 2, url: boolean): string {
  const buf = Buffer.concat([Buffer.alloc(k), bytes, Buffer.alloc(2)]);
  const enc = buf.toString(url ? 'base64url' : 'base64');
  return enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** RFC 4648 base32 (GNU `base32`, `basenc --base32`), with `=` padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/**
 * The base32 characters determined by the secret's bytes alone when it starts at byte offset k
 * (mod 5) of a larger encoded buffer (as base64Aligned).
 */
function base32Aligned(bytes: Uint8Array, k: 0 | 1 | 2 | 3 | 4): string {
  const enc = base32(Buffer.concat([Buffer.alloc(k), bytes, Buffer.alloc(5)]));
  return enc.slice(Math.ceil((8 * k) / 5), Math.floor((8 * (k + bytes.length)) / 5));
}

/**
 * Z85 (ZeroMQ, `basenc --z85`) of the secret's whole 4-byte groups when it starts at byte offset k
 * (mod 4) of a larger buffer: each group of 4 bytes is 5 characters, which depend on all 4.
 */
function z85Aligned(bytes: Uint8Array, k: 0 | 1 | 2 | 3): string {
  const start = (4 - k) % 4;
  let out = '';
  for (let i = start; i + 4 <= bytes.length; i += 4) {
    let v =
      (((bytes[i] as number) << 24) |
        ((bytes[i + 1] as number) << 16) |
        ((bytes[i + 2] as number) << 8) |
        (bytes[i + 3] as number)) >>>
      0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85[v % 85] + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

function percentEncodings(s: string): string[] {
  let uri: string;
  try {
    uri = encodeURIComponent(s);
  } catch {
    return []; // lone surrogate
  }
  // application/x-www-form-urlencoded as URLSearchParams writes it (also escapes !'()~, space as +)
  const form = new URLSearchParams([['a', s]]).toString().slice(2);
  return [uri, uri.replace(/%20/g, '+'), form];
}

function jsonEscapes(s: string): string[] {
  const json = JSON.stringify(s).slice(1, -1);
  // ensure_ascii style (Python's json.dumps default): non-ASCII as \uXXXX
  const ascii = json.replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return [json, ascii];
}

function addEncodings(s: string, add: (form: string, encoding: string) => void): void {
  add(s, 'raw');
  const bytes = Buffer.from(s, 'utf8');
  for (const k of [0, 1, 2] as const) {
    add(base64Aligned(bytes, k, false), 'base64');
    add(base64Aligned(bytes, k, true), 'base64url');
  }
  // the whole value encoded on its own, padding included: masks the last 1-2 characters too
  add(bytes.toString('base64'), 'base64');
  add(bytes.toString('base64url'), 'base64url');
  const hex = bytes.toString('hex');
  add(hex, 'hex');
  add(hex.toUpperCase(), 'hex');
  // base32 (coreutils `base32`, `basenc --base32`) at every alignment, and the value's own with padding
  for (const k of [0, 1, 2, 3, 4] as const) add(base32Aligned(bytes, k), 'base32');
  add(base32(bytes), 'base32');
  for (const k of [0, 1, 2, 3] as const) add(z85Aligned(bytes, k), 'z85');
  for (const u of percentEncodings(s)) add(u, 'url');
  for (const j of jsonEscapes(s)) add(j, 'json');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Expands a secret value into raw values and forms. Empty when the value, trimmed, is too short. */
export function expandSecret(value: string): Expansion {
  const raw: string[] = [];
  const forms = new Map<string, string>();
  if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return { raw, forms };
  const add = (form: string, encoding: string) => {
    if (form.length >= MIN_SECRET_LENGTH && !forms.has(form)) forms.set(form, encoding);
  };
  const addRaw = (v: string) => {
    if (v.length >= MIN_SECRET_LENGTH && !raw.includes(v)) raw.push(v);
  };

  addRaw(value);
  addEncodings(value, add);
  const trimmed = value.trim();
  if (trimmed !== value && trimmed.length >= MIN_SECRET_LENGTH) {
    addRaw(trimmed);
    addEncodings(trimmed, add);
  }

  if (LINE_BREAK.test(value)) {
    const lines = value.split(LINE_BREAK).map((l) => l.trim());
    for (const line of lines) {
      if (line.length < MIN_SECRET_LENGTH || PEM_ARMOR.test(line)) continue;
      addRaw(line);
      add(line, 'line');
    }
    // a PEM block: its base64 body on one line (some tools print keys that way)
    const begin = lines.findIndex((l) => PEM_ARMOR.test(l) && l.includes('BEGIN'));
    const end = lines.findIndex((l, i) => i > begin && PEM_ARMOR.test(l) && l.includes('END'));
    if (begin >= 0 && end > begin) {
      const body = lines
        .slice(begin + 1, end)
        .filter((l) => l !== '' && !l.includes(':'))
        .join('');
      add(body, 'pem-body');
    }
  }

  for (const dsn of findDsns(value)) {
    const url = value.slice(dsn.url[0], dsn.url[1]);
    if (url !== value && url !== trimmed) {
      addRaw(url);
      addEncodings(url, add);
    }
    const password = value.slice(dsn.password[0], dsn.password[1]);
    for (const p of new Set([password, safeDecode(password)])) {
      if (p.length < MIN_SECRET_LENGTH) continue;
      addRaw(p);
      addEncodings(p, add);
    }
  }
  return { raw, forms };
}

/**
 * Every form of one secret value, `[encoding, text]` (duplicates removed, each at least
 * MIN_SECRET_LENGTH characters): what the redactor masks for `register(value)`.
 */
export function derivedForms(value: string): Array<[string, string]> {
  return [...expandSecret(value).forms].map(([text, encoding]) => [encoding, text]);
}
