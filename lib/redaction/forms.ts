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

/**
 * Percent-encoding of the UTF-8 bytes of `s`, upper-case hex, leaving ASCII letters, digits and
 * the characters of `keep` as they are; a space as `+` when `plus`.
 */
function percentEncode(s: string, keep: string, plus: boolean): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9]$/.test(ch) || keep.includes(ch)) out += ch;
    else if (ch === ' ' && plus) out += '+';
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * URL encoders beyond `encodeURIComponent` and `URLSearchParams`: [characters left as they are,
 * space as `+`]. Each is also searched with lower-case hex (`%3f`, as some encoders print it).
 */
const URL_ENCODERS: Array<[string, boolean]> = [
  // Python urllib.parse.quote (safe='/' by default; `~` unreserved since 3.7)
  ['-_.~/', false],
  // quote(safe=''), curl --data-urlencode, RFC 3986 unreserved only
  ['-_.~', false],
  // quote_plus, Go url.QueryEscape
  ['-_.~', true],
];

/** Percent escapes in lower-case hex (`%3f`), as some encoders print them. */
const lowerHex = (u: string) => u.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());

/** base64 of `bytes` at offset 0, 1, 2 (mod 3) of a larger buffer, then alone with its padding. */
function base64Forms(bytes: Uint8Array): string[] {
  return [0, 1, 2]
    .map((k) => base64Aligned(bytes, k as 0 | 1 | 2, false))
    .concat(Buffer.from(bytes).toString('base64'));
}

function percentEncodings(s: string): string[] {
  if (/^[A-Za-z0-9_.-]*$/.test(s)) return [s]; // no encoder changes these: skip the work
  let uri: string;
  try {
    uri = encodeURIComponent(s);
  } catch {
    return []; // lone surrogate
  }
  // application/x-www-form-urlencoded as URLSearchParams writes it (also escapes !'()~, space as +)
  const form = new URLSearchParams([['a', s]]).toString().slice(2);
  const upper = [
    uri,
    uri.replace(/%20/g, '+'),
    form,
    ...URL_ENCODERS.map(([keep, plus]) => percentEncode(s, keep, plus)),
  ];
  return [...upper, ...upper.map(lowerHex)];
}

/** How one JSON encoder writes a string (see JSON_STYLES). */
interface JsonStyle {
  /** code units from 0x7f up as \uXXXX (UTF-16, as Python's ensure_ascii) */
  ascii?: boolean;
  /** upper-case hex in \uXXXX */
  upper?: boolean;
  /** `/` as `\/` */
  slash?: boolean;
  /** characters written as \u00XX (before the usual `\"`) */
  hex?: string;
  /** U+2028 and U+2029 as \u2028, \u2029 */
  lineSep?: boolean;
}

/** JSON encoders whose output differs from JSON.stringify's for some characters. */
const JSON_STYLES: JsonStyle[] = [
  { ascii: true }, // Python json.dumps (also escapes DEL)
  { ascii: true, slash: true }, // PHP json_encode
  { slash: true }, // PHP with JSON_UNESCAPED_UNICODE
  { hex: '<>&', lineSep: true }, // Go encoding/json, Rails to_json
  { hex: "<>&='", lineSep: true }, // Gson
  { ascii: true, upper: true }, // Jackson with ESCAPE_NON_ASCII
  { ascii: true, upper: true, hex: '"&\'+<>`' }, // .NET System.Text.Json's default encoder
];

const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function jsonEncode(s: string, style: JsonStyle): string {
  const u = (c: number) => {
    const h = c.toString(16).padStart(4, '0');
    return '\\u' + (style.upper ? h.toUpperCase() : h);
  };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const c = s.charCodeAt(i);
    if (style.hex?.includes(ch)) out += u(c);
    else if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '/' && style.slash) out += '\\/';
    else if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (c < 0x20 || (style.ascii && c >= 0x7f) || (style.lineSep && (c === 0x2028 || c === 0x2029))) out += u(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // a surrogate pair as it is, a lone surrogate escaped (as JSON.stringify)
      const pair =
        c <= 0xdbff
          ? s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff
          : i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff;
      out += pair ? ch : u(c);
    } else out += ch;
  }
  return out;
}

/** Characters some JSON encoder escapes (JSON_STYLES); a value without any is its own JSON form. */
const JSON_SPECIAL = /[^\x20-\x7e]|["\\/<>&='+`]/;

function jsonEscapes(s: string): string[] {
  if (!JSON_SPECIAL.test(s)) return [s];
  const json = JSON.stringify(s).slice(1, -1);
  // ensure_ascii style (Python's json.dumps default): non-ASCII as \uXXXX
  const ascii = json.replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  const out = [json, ascii, ...JSON_STYLES.map((st) => jsonEncode(s, st))];
  // JSON inside JSON (a JSON document carried in a string field): each form escaped again by the
  // same encoder; it differs only when the form holds `\` or `"`
  out.push(JSON.stringify(json).slice(1, -1), JSON.stringify(ascii).slice(1, -1));
  JSON_STYLES.forEach((st, i) => out.push(jsonEncode(out[i + 2] as string, st)));
  return out;
}

function addEncodings(s: string, add: (form: string, encoding: string) => void): void {
  add(s, 'raw');
  const bytes = Buffer.from(s, 'utf8');
  // (the last, the whole value encoded on its own with its padding, masks the last 1-2 characters too)
  const b64 = base64Forms(bytes);
  for (const f of b64) add(f, 'base64');
  for (const k of [0, 1, 2] as const) add(base64Aligned(bytes, k, true), 'base64url');
  // base64 put in a URL (a query parameter, a cookie): + / = percent-encoded, either case
  for (const f of b64) {
    if (!/[+/=]/.test(f)) continue;
    const url = f.replace(/[+/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    add(url, 'base64 in a URL');
    add(lowerHex(url), 'base64 in a URL');
  }
  // base64 of the UTF-16LE text (PowerShell's -EncodedCommand), at every alignment
  for (const f of base64Forms(Buffer.from(s, 'utf16le')).slice(0, 3)) add(f, 'base64');
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
    // the value with its other line ends (a key file checked out on Windows, CRLF; or back): its encodings
    const other = value.includes('\r\n') ? value.replace(/\r\n/g, '\n') : value.replace(/\n/g, '\r\n');
    const otherBytes = Buffer.from(other, 'utf8');
    add(other, 'raw');
    for (const f of base64Forms(otherBytes)) add(f, 'base64');
    add(otherBytes.toString('hex'), 'hex');
    add(JSON.stringify(other).slice(1, -1), 'json');
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
