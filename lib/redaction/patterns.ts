/**
 * Pattern detection for secrets that were never registered. Patterns are line based (none
 * crosses a line break, `\n` or `\r`), except private key blocks, which a small state machine
 * follows from their BEGIN line to their END line.
 *
 * Running a dozen regexes over every line would cost more than the whole rest of the redactor, so
 * each pattern family names *anchors*: literal strings that every match contains (`ghp_`,
 * `PRIVATE KEY`, `password`...). The scanner (matcher.ts) finds anchors in the same pass that
 * finds registered secrets, and only lines holding an anchor are given to the family's detector
 * below. Two families are anchored on one character found with a native indexOf instead: `@`
 * (connection strings) and `SG.` (SendGrid, whose only fixed part is too short for the scanner).
 */
import { dsnPasswordSpan, urlTokenEnd } from './dsn.js';

/** What redacted text is replaced with. */
export const REDACTED = '***';

export interface IntervalSink {
  add(start: number, end: number): void;
}

/** Pattern families: one bit each. */
export const Fam = {
  PEM: 1 << 0,
  KEY_VALUE: 1 << 1,
  AUTH: 1 << 2,
  DSN: 1 << 3,
  GITHUB: 1 << 4,
  AWS: 1 << 5,
  SLACK: 1 << 6,
  STRIPE: 1 << 7,
  GOOGLE: 1 << 8,
  NPM: 1 << 9,
  OPENAI: 1 << 10,
  GITLAB: 1 << 11,
  SENDGRID: 1 << 12,
  JWT: 1 << 13,
} as const;

// ---------------------------------------------------------------------------------------------
// Anchors

/** A set of case-folded byte values one window position may hold (see words.ts, FOLD_MASK). */
export type ByteClass = readonly number[];

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const fold = (c: number): number => (c & 255) | 0x20;
const foldSet = (codes: number[]): number[] => [...new Set(codes.map(fold))].sort((a, b) => a - b);
/** Any character at all (after folding, 128 byte values). */
export const ANY: ByteClass = foldSet(range(0, 255));
/** [A-Za-z0-9] */
const ALNUM: ByteClass = foldSet([...range(48, 57), ...range(65, 90), ...range(97, 122)]);
/** [A-Za-z0-9_-] */
const B64URL: ByteClass = foldSet([...ALNUM, 45, 95]);

export interface Anchor {
  /** literal every match of the family contains */
  text: string;
  /** compared case-insensitively */
  ci: boolean;
  fam: number;
  /**
   * Padding classes before and after the literal. The scanner reads one 4-character word every 4
   * characters, so it needs a window of at least 7 characters around each anchor; shorter
   * anchors are padded with the characters that must surround them.
   */
  before: ByteClass[];
  after: ByteClass[];
  /**
   * First of the four window offsets indexed (default 0). Any four consecutive offsets find every
   * occurrence; a window of 7 + skip characters or more may index later words that are rarer in
   * text than its first ones (`github_pat_`: `_pat` rather than `gith`), so fewer words pass the
   * scanner's filter only to fail verification.
   */
  skip?: number;
}

/** Window length the scanner needs to see an anchor wherever it falls on its 4-character grid. */
export const MIN_WINDOW = 7;

function anchor(
  text: string,
  fam: number,
  ci: boolean,
  after: ByteClass = ANY,
  before: ByteClass[] | null = null,
): Anchor {
  const missing = Math.max(0, MIN_WINDOW - text.length);
  const b = before ?? (missing > 0 ? [ANY] : []);
  const a: ByteClass[] = [];
  for (let i = b.length + a.length; i < missing; i++) a.push(after);
  return { text, ci, fam, before: b, after: a };
}

/** Key names that announce a secret (PRODUCT.md section 2), matched case-insensitively inside a key. */
export const SECRET_KEYWORD_SOURCE =
  'secret|token|passw(?:or)?d|passphrase|credential|(?:private|api|access|signing|encryption|auth|hmac|jwt|master)[_.-]?key';

const KEYWORD_ANCHORS = [
  'secret',
  'token',
  'password',
  'passwd',
  'passphrase',
  'credential',
  ...['private', 'api', 'access', 'signing', 'encryption', 'auth', 'hmac', 'jwt', 'master'].flatMap((p) =>
    ['_', '-', '.', ''].map((s) => `${p}${s}key`),
  ),
];

/**
 * Anchor.skip of the long anchors whose first words are common in source code (`requ`est,
 * `sign`, `acce`ss, `gith`ub): measured on the 100 MB tree of bench/doctor, these later words pass
 * the scanner's filter a tenth as often or less.
 */
const ANCHOR_SKIP: Readonly<Record<string, number>> = {
  passphrase: 2,
  private_key: 4,
  'private-key': 4,
  'private.key': 4,
  privatekey: 3,
  access_key: 3,
  'access-key': 3,
  'access.key': 3,
  accesskey: 2,
  signing_key: 4,
  'signing-key': 4,
  'signing.key': 4,
  signingkey: 3,
  encryption_key: 7,
  'encryption-key': 7,
  'encryption.key': 7,
  encryptionkey: 1,
  authorization: 2,
  github_pat_: 4,
  'hooks.slack.com': 3,
};

export const ANCHORS: readonly Anchor[] = [
  anchor('PRIVATE KEY', Fam.PEM, false),
  // passwd is padded after rather than before (" pas" of passed is common); apikey before, as the
  // other keywords: a word `key` and what follows it (`key `, `keys`, `key)`) pass the filter far
  // more often than what precedes `api` (3.2k against 18.9k words per 100 MB of JavaScript from
  // node_modules, 8.7k against 12.3k of Python, Perl and C: docs/benchmarks.md)
  ...KEYWORD_ANCHORS.map((k) => anchor(k, Fam.KEY_VALUE, true, ANY, k === 'passwd' ? [] : null)),
  anchor('bearer', Fam.AUTH, true),
  anchor('authorization', Fam.AUTH, true),
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((k) => anchor(k, Fam.GITHUB, false, ALNUM)),
  anchor('github_pat_', Fam.GITHUB, false),
  anchor('AKIA', Fam.AWS, false, ALNUM),
  anchor('ASIA', Fam.AWS, false, ALNUM),
  ...'abposr'.split('').map((c) => anchor(`xox${c}-`, Fam.SLACK, false, ALNUM)),
  anchor('hooks.slack.com', Fam.SLACK, true),
  ...['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'].map((k) => anchor(k, Fam.STRIPE, false)),
  anchor('AIza', Fam.GOOGLE, false, B64URL),
  anchor('npm_', Fam.NPM, false, ALNUM),
  ...['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-ant-', 'T3BlbkFJ'].map((k) => anchor(k, Fam.OPENAI, false)),
  anchor('glpat-', Fam.GITLAB, false),
  // a JWT's payload starts with ".eyJ" ('{"' in base64url) after a base64url header
  anchor('.eyJ', Fam.JWT, false, B64URL, [B64URL, B64URL]),
].map((a) => (ANCHOR_SKIP[a.text] === undefined ? a : { ...a, skip: ANCHOR_SKIP[a.text] }));

/**
 * True when the `@` at `at` may end the userinfo of a URL: a `://` precedes it within the same
 * token (no space, quote or angle bracket between). Drops e-mail addresses cheaply.
 */
function afterScheme(text: string, at: number): boolean {
  for (let i = at - 1, stop = Math.max(2, at - 4096); i >= stop; i--) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62) return false;
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) return true;
  }
  return at > 4096;
}

/**
 * Families found by a native indexOf of a short literal instead of an anchor, with an optional
 * cheap check of each occurrence.
 */
export const NATIVE_TRIGGERS: ReadonlyArray<
  readonly [string, number, ((text: string, pos: number) => boolean) | null]
> = [
  ['@', Fam.DSN, afterScheme],
  ['SG.', Fam.SENDGRID, null],
];

/** afterScheme() over Latin-1 bytes (the text being their decoding). */
function afterSchemeBytes(bytes: Uint8Array, at: number): boolean {
  for (let i = at - 1, stop = Math.max(2, at - 4096); i >= stop; i--) {
    const c = bytes[i] as number;
    if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62) return false;
    if (c === 47 && bytes[i - 1] === 47 && bytes[i - 2] === 58) return true;
  }
  return at > 4096;
}

/**
 * NATIVE_TRIGGERS for a scan of Latin-1 bytes (Matcher.scanLatin1): the same literals and checks,
 * each searched by one of its bytes (a numeric search, memchr): its rarest in source code.
 */
export const NATIVE_TRIGGERS_BYTES: ReadonlyArray<
  readonly [string, number, ((bytes: Uint8Array, pos: number) => boolean) | null, number]
> = [
  ['@', Fam.DSN, afterSchemeBytes, 0],
  // by its `G`, a quarter as frequent as `S` (bench/doctor's 100 MB tree: 119k against 467k)
  ['SG.', Fam.SENDGRID, null, 1],
];

/** Longest anchor window: how far before new text a rescan must start to see every anchor. */
export const MAX_WINDOW = Math.max(...ANCHORS.map((a) => a.before.length + a.text.length + a.after.length), 4);

// ---------------------------------------------------------------------------------------------
// Placeholders and key names

const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'redacted',
  'placeholder',
  'example',
  'dummy',
  'fake',
  'null',
  'nil',
  'none',
  'undefined',
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'todo',
  'tbd',
  'fixme',
  'empty',
  'hidden',
  'masked',
  'unset',
  'required',
  'optional',
  'string',
  'secret',
  'password',
  'passwd',
  'token',
  'n/a',
  'na',
  'bearer',
  'basic',
  'value',
  'replaceme',
  'replace-me',
  'replace_me',
  'notasecret',
  'not-a-secret',
  'sample',
  'default',
]);

/**
 * True when a value stands for a secret instead of being one: empty or holding the mask, a reference (`${VAR}`,
 * `$VAR`, `$(cmd)`, `{{ x }}`, `%(x)s`, `%VAR%`, `<...>`, `[...]`), a masked value (`***`,
 * `xxxx`, `....`) or a placeholder word (`changeme`, `redacted`, `null`...).
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  // empty, or already redacted (also keeps redact() idempotent when a mask touches a value)
  if (v === '' || v.includes(REDACTED)) return true;
  if (/^(?:\*+|x+|X+|\.+|-+|#+|•+|…)$/.test(v)) return true;
  if (
    /^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_][A-Za-z0-9_]*$|^\{\{.*\}\}$|^\$\{\{.*\}\}$|^%\([^)]*\)[sdr]?$|^%[A-Za-z_][A-Za-z0-9_]*%$|^<[^<>]*>$|^\[[^[\]]*\]$/s.test(
      v,
    )
  )
    return true;
  if (/^(?:process\.env\.|os\.environ|ENV\[|env\.|secrets\.)/.test(v)) return true;
  if (/^(?:your|my)[-_ ]/i.test(v)) return true;
  return PLACEHOLDER_WORDS.has(v.toLowerCase());
}

/** Last words of a key that name something about a secret rather than the secret itself. */
export const NON_SECRET_KEY_WORDS: ReadonlySet<string> = new Set(
  (
    'name names file files path paths dir directory env var variable header type types length len min ' +
    'max count ttl expiry expires expiration in url uri endpoint ref refs policy mode enabled ' +
    'disabled enable required prefix suffix format algorithm alg version field fields label ' +
    'placeholder hint help description desc regex pattern size limit timeout lifetime duration ' +
    'validity usage kind index idx position source location provider store manager selector param arn ' +
    'rotation rotated at created updated exists set missing valid invalid error errors message msg ' +
    'title scope scopes audience issuer strength rule rules schema mask masked command cmd stdin ' +
    'service mount template number num bytes bits'
  ).split(' '),
);

const KEYWORD_RE = new RegExp(SECRET_KEYWORD_SOURCE, 'i');

/** True when a key (already known to contain a secret keyword) names a secret value. */
export function keyNamesSecret(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  return !NON_SECRET_KEY_WORDS.has(last) || KEYWORD_RE.test(last);
}

// ---------------------------------------------------------------------------------------------
// Detectors. Each gets one line (text[ls, le) without its line break) and reports spans in the
// coordinates of the whole text.

/** State carried from line to line: an open private key block. */
export interface PemState {
  open: boolean;
  /** start of the BEGIN marker (text coordinates) while open */
  start: number;
}

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

/** Private key blocks: from the BEGIN marker to the END marker, markers included. */
function detectPem(line: string, base: number, pem: PemState, out: IntervalSink): void {
  let i = 0;
  for (;;) {
    if (pem.open) {
      PEM_END.lastIndex = i;
      const m = PEM_END.exec(line);
      if (!m) return;
      i = m.index + m[0].length;
      out.add(pem.start, base + i);
      pem.open = false;
    }
    PEM_BEGIN.lastIndex = i;
    const b = PEM_BEGIN.exec(line);
    if (!b) return;
    pem.open = true;
    pem.start = base + b.index;
    i = b.index + b[0].length;
  }
}

interface TokenRule {
  fam: number;
  kind: string;
  re: RegExp;
  /** capture group to redact (the rest of the match is kept); whole match when absent */
  group?: number;
}

/**
 * An escape sequence ending right before a word (`\n` and `\t` of a JSON or C string, `%3D` of URL
 * encoding, `\x3d`, `\u003d`): its last character is a letter or digit, but the word after it starts
 * there. `rotate:\nghp_...` in a JSON string and `cfg=token%3Dsk_live_...` in a URL hold tokens.
 */
const ESCAPE_BEFORE = String.raw`(?<=\\[nrtfv]|%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})`;
const ESCAPE_BEFORE_RE = new RegExp(`${ESCAPE_BEFORE}$`);

/** Whether an escape sequence ends at `at` in `text` (ESCAPE_BEFORE): a word may start there. */
export function escapeEndsAt(text: string, at: number): boolean {
  return at >= 2 && ESCAPE_BEFORE_RE.test(text.slice(Math.max(0, at - 6), at));
}

/** A word starts here: no character of `chars` (a regex class body) before it, or an escape sequence. */
const wordStart = (chars: string) => `(?:(?<![${chars}])|${ESCAPE_BEFORE})`;
const tokenRe = (chars: string, body: string) => new RegExp(wordStart(chars) + body, 'g');

/**
 * Provider token formats; the whole token is redacted. Boundaries treat `*` like a letter, so
 * that a mask next to a token-like string (`***eyJ...`) does not make it match on a second pass:
 * redact() is idempotent.
 */
export const TOKEN_RULES: readonly TokenRule[] = [
  { fam: Fam.GITHUB, kind: 'github_token', re: tokenRe('A-Za-z0-9*', 'gh[pousr]_[A-Za-z0-9]{30,}') },
  { fam: Fam.GITHUB, kind: 'github_pat', re: tokenRe('A-Za-z0-9*', 'github_pat_[A-Za-z0-9_]{20,}') },
  { fam: Fam.AWS, kind: 'aws_access_key_id', re: tokenRe('A-Za-z0-9*', '(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9*])') },
  { fam: Fam.SLACK, kind: 'slack_token', re: tokenRe('A-Za-z0-9*', 'xox[abposr]-[A-Za-z0-9-]{10,}') },
  { fam: Fam.SLACK, kind: 'slack_webhook', re: /hooks\.slack\.com\/services\/([A-Za-z0-9_/-]+)/dgi, group: 1 },
  { fam: Fam.STRIPE, kind: 'stripe_key', re: tokenRe('A-Za-z0-9*', '[sr]k_(?:live|test)_[A-Za-z0-9]{10,}') },
  { fam: Fam.GOOGLE, kind: 'google_api_key', re: tokenRe('A-Za-z0-9_*-', 'AIza[0-9A-Za-z_-]{30,}') },
  { fam: Fam.NPM, kind: 'npm_token', re: tokenRe('A-Za-z0-9_*', 'npm_[A-Za-z0-9]{36,}') },
  {
    fam: Fam.OPENAI,
    kind: 'openai_key',
    re: tokenRe('A-Za-z0-9_*-', 'sk-(?:(?:proj|svcacct|admin|ant)-)?[A-Za-z0-9_-]{20,}'),
  },
  { fam: Fam.GITLAB, kind: 'gitlab_token', re: tokenRe('A-Za-z0-9*', 'glpat-[A-Za-z0-9_-]{20,}') },
  {
    fam: Fam.SENDGRID,
    kind: 'sendgrid_key',
    re: tokenRe('A-Za-z0-9*', 'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}'),
  },
  {
    fam: Fam.JWT,
    kind: 'jwt',
    re: tokenRe('A-Za-z0-9_*-', 'eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*'),
  },
];

const TOKEN_FAMS = TOKEN_RULES.reduce((m, r) => m | r.fam, 0);

function detectTokens(line: string, base: number, mask: number, out: IntervalSink): void {
  for (const rule of TOKEN_RULES) {
    if ((rule.fam & mask) === 0) continue;
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(line); m; m = rule.re.exec(line)) {
      if (rule.group !== undefined) {
        const span = m.indices?.[rule.group];
        if (span) out.add(base + span[0], base + span[1]);
      } else {
        out.add(base + m.index, base + m.index + m[0].length);
      }
    }
  }
}

/** A bearer credential in free text: long, or mixing character kinds (not an English word). */
function looksLikeToken(v: string): boolean {
  if (v.length < 8 || isPlaceholder(v)) return false;
  return v.length >= 20 || /[0-9]/.test(v) || (/[A-Z]/.test(v) && /[a-z]/.test(v)) || /[-._~+/=]/.test(v);
}

const BEARER = /(?<![A-Za-z0-9*])bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)/dgi;
const AUTHORIZATION =
  /authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|sso-key)[ \t]+)?([^\s"',;]+)/dgi;

/** `Authorization: <scheme> <credentials>` and `bearer <token>`: keeps the scheme. */
function detectAuth(line: string, base: number, out: IntervalSink): void {
  BEARER.lastIndex = 0;
  for (let m = BEARER.exec(line); m; m = BEARER.exec(line)) {
    const span = m.indices?.[1];
    if (span && looksLikeToken(m[1] as string)) out.add(base + span[0], base + span[1]);
  }
  AUTHORIZATION.lastIndex = 0;
  for (let m = AUTHORIZATION.exec(line); m; m = AUTHORIZATION.exec(line)) {
    const span = m.indices?.[1];
    if (span && !isPlaceholder(m[1] as string)) out.add(base + span[0], base + span[1]);
  }
}

/** `scheme://user:PASSWORD@host`: keeps scheme and user. */
function detectDsn(line: string, base: number, out: IntervalSink): void {
  for (let i = line.indexOf('://'); i >= 0; i = line.indexOf('://', i + 3)) {
    const span = dsnPasswordSpan(line, i, urlTokenEnd(line, i + 3));
    if (span && !isPlaceholder(line.slice(span[0], span[1]))) out.add(base + span[0], base + span[1]);
  }
}

const KEY = `[A-Za-z0-9_.\\-]*(?:${SECRET_KEYWORD_SOURCE})[A-Za-z0-9_.\\-]*`;
/** "key": value, 'key': value, \"key\": value (JSON, Python, JSON inside a JSON string) */
const QUOTED_KEY = new RegExp(`(\\\\?["'])(${KEY})\\1[ \\t]*:[ \\t]*`, 'gi');
/** KEY=value, --key=value, key = value */
const ASSIGN = new RegExp(`(?<![A-Za-z0-9_.*\\-])(${KEY})[ \\t]*=(?![=>~])[ \\t]*`, 'gi');
/** --key value (command lines echoed in logs) */
const FLAG = new RegExp(`(?<![A-Za-z0-9_.*\\-])--?(${KEY})[ \\t]+(?=[^\\s-])`, 'gi');
/** key: value at the start of a line (YAML, HTTP headers, `curl -v` with its `> ` prefix) */
const COLON = new RegExp(
  `^[ \\t]*(?:[-*>+<][ \\t]+)*(?:export[ \\t]+)?(["']?)(${KEY})\\1[ \\t]*:(?![:/])[ \\t]*`,
  'gi',
);

/** Index of the quote that closes a string opened just before `from`, honouring backslashes. */
function closingQuote(line: string, from: number, quote: string): number {
  for (let i = line.indexOf(quote, from); i >= 0; i = line.indexOf(quote, i + 1)) {
    let k = i - 1;
    while (k >= from && line.charCodeAt(k) === 92) k--;
    if ((i - 1 - k) % 2 === 0) return i;
  }
  return -1;
}

/** Index of the `\"` that closes a string opened by `\"` (JSON inside a JSON string). */
function closingEscapedQuote(line: string, from: number): number {
  for (let i = line.indexOf('\\"', from); i >= 0; i = line.indexOf('\\"', i + 1)) {
    let k = i - 1;
    while (k >= from && line.charCodeAt(k) === 92) k--;
    if ((i - 1 - k) % 2 === 0) return i;
  }
  return -1;
}

type ValueSyntax = 'assign' | 'colon' | 'json' | 'flag';

const REFERENCES: ReadonlyArray<readonly [string, string]> = [
  ['$(', ')'],
  ['${{', '}}'],
  ['${', '}'],
  ['{{', '}}'],
];

/** The value that starts at `i`: [start, end) or null when there is none. */
function valueSpan(line: string, i: number, syntax: ValueSyntax, inQuery: boolean): [number, number] | null {
  const c = line[i];
  if (c === undefined) return null;
  if (c === '\\' && line[i + 1] === '"') {
    const close = closingEscapedQuote(line, i + 2);
    return [i + 2, close < 0 ? line.length : close];
  }
  if (c === '"' || c === "'" || c === '`') {
    const close = closingQuote(line, i + 1, c);
    return [i + 1, close < 0 ? line.length : close];
  }
  if (syntax === 'colon') {
    let e = line.length;
    while (e > i && /\s/.test(line[e - 1] as string)) e--;
    return e > i ? [i, e] : null;
  }
  let e = i;
  while (e < line.length) {
    const ch = line.charCodeAt(e);
    if (ch === 36 /* $ */ || ch === 123 /* { */) {
      // a reference may hold spaces: $(cmd arg), ${VAR:-x y}, {{ vault_token }}
      const ref = REFERENCES.find(([open]) => line.startsWith(open, e));
      const close = ref ? line.indexOf(ref[1], e + ref[0].length) : -1;
      if (ref && close >= 0) {
        e = close + ref[1].length;
        continue;
      }
    }
    if (ch <= 32 || ch === 34 || ch === 39 || ch === 96) break;
    if (inQuery && ch === 38 /* & */) break;
    if (syntax === 'json' && (ch === 44 || ch === 125 || ch === 93)) break; // , } ]
    e++;
  }
  return e > i ? [i, e] : null;
}

function detectKeyValues(line: string, base: number, out: IntervalSink): void {
  const report = (key: string, at: number, syntax: ValueSyntax, inQuery = false) => {
    if (!keyNamesSecret(key)) return;
    const span = valueSpan(line, at, syntax, inQuery);
    if (!span || isPlaceholder(line.slice(span[0], span[1]))) return;
    out.add(base + span[0], base + span[1]);
  };
  QUOTED_KEY.lastIndex = 0;
  for (let m = QUOTED_KEY.exec(line); m; m = QUOTED_KEY.exec(line))
    report(m[2] as string, m.index + m[0].length, 'json');
  ASSIGN.lastIndex = 0;
  for (let m = ASSIGN.exec(line); m; m = ASSIGN.exec(line)) {
    const before = line[m.index - 1];
    report(m[1] as string, m.index + m[0].length, 'assign', before === '?' || before === '&');
  }
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(line); m; m = FLAG.exec(line)) report(m[1] as string, m.index + m[0].length, 'flag');
  COLON.lastIndex = 0;
  const m = COLON.exec(line);
  if (m) report(m[2] as string, m.index + m[0].length, 'colon');
}

/**
 * Runs the detectors of the families in `mask` over the line text[ls, le). Lines must be given
 * in order (the private key state machine depends on it).
 */
export function detectLine(text: string, ls: number, le: number, mask: number, pem: PemState, out: IntervalSink): void {
  const line = text.slice(ls, le);
  if (mask & Fam.PEM) detectPem(line, ls, pem, out);
  if (mask & Fam.KEY_VALUE) detectKeyValues(line, ls, out);
  if (mask & Fam.AUTH) detectAuth(line, ls, out);
  if (mask & Fam.DSN) detectDsn(line, ls, out);
  if (mask & TOKEN_FAMS) detectTokens(line, ls, mask, out);
}
