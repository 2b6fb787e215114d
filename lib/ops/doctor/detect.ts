/**
 * Finds secrets in one file's text: registered values in any derived form, provider token
 * formats, private key blocks, passwords in connection strings, Kubernetes Secret values and
 * secret-named keys with plaintext values. Pure: text in, hits out (no I/O).
 *
 * Text is the file's bytes read as Latin-1, so offsets are byte offsets and the regexes run on
 * one-byte strings (the fast path of V8's regex engine).
 */
import {
  DSN_RULE,
  PRIVATE_KEY_RULE,
  SECRET_KEYWORD_SOURCE,
  TOKEN_RULES,
  NON_SECRET_KEY_SUFFIXES,
  combinedTokenRegex,
  isPlaceholder,
  keyNamesSecret,
} from './patterns.js';
import { Matcher, type ScanSink } from '../../redaction/matcher.js';
import { ANCHORS, ANY, escapeEndsAt, MIN_WINDOW, type Anchor, type ByteClass } from '../../redaction/patterns.js';
import { Fam } from '../../redaction/redactor.js';
import type { SecretForm } from './registered.js';
import type { Severity } from './types.js';

export interface Hit {
  kind: string;
  severity: Severity;
  /** byte offset of the reported position */
  start: number;
  end: number;
  /** the sensitive part: used for the fingerprint, never printed */
  secret: string;
  /** printable, secret-free description */
  preview: string;
}

type FileLang = 'env' | 'yaml' | 'json' | 'code' | 'dockerfile' | 'text';

const CODE_EXT = new Set([
  'js',
  'mjs',
  'cjs',
  'jsx',
  'ts',
  'mts',
  'cts',
  'tsx',
  'py',
  'go',
  'java',
  'kt',
  'kts',
  'rb',
  'php',
  'cs',
  'rs',
  'swift',
  'scala',
  'tf',
  'hcl',
  'tfvars',
  'groovy',
  'gradle',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'm',
  'dart',
  'lua',
  'pl',
  'ex',
  'exs',
  'erl',
  'clj',
  'vue',
  'svelte',
  'r',
  'jl',
  'zig',
  'nim',
]);
const ENV_EXT = new Set([
  'env',
  'properties',
  'ini',
  'cfg',
  'conf',
  'toml',
  'sh',
  'bash',
  'zsh',
  'ksh',
  'fish',
  'ps1',
  'bat',
  'cmd',
  'npmrc',
  'pypirc',
  'netrc',
  'envrc',
  'service',
  'tfstate',
]);

function fileLang(path: string): FileLang {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (
    base === 'dockerfile' ||
    base.startsWith('dockerfile.') ||
    base.endsWith('.dockerfile') ||
    base === 'containerfile'
  )
    return 'dockerfile';
  if (
    base.startsWith('.env') ||
    base === '.npmrc' ||
    base === '.pypirc' ||
    base === '.netrc' ||
    base === '_netrc' ||
    base === 'credentials'
  )
    return 'env';
  const dot = base.lastIndexOf('.');
  const ext = dot >= 0 ? base.slice(dot + 1) : '';
  if (ext === 'yml' || ext === 'yaml') return 'yaml';
  if (ext === 'json' || ext === 'jsonc' || ext === 'json5' || ext === 'ipynb') return 'json';
  if (CODE_EXT.has(ext)) return 'code';
  if (ENV_EXT.has(ext)) return 'env';
  return 'text';
}

const YAML_PATH = /\.ya?ml$/i;
const LOCKFILE =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lock|go\.sum|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|gradle\.lockfile|packages\.lock\.json|flake\.lock|uv\.lock|pdm\.lock)$/;

const STICKY_TOKEN_RE = combinedTokenRegex('y');
const PRIVATE_KEY_HEAD_RE = new RegExp((TOKEN_RULES[PRIVATE_KEY_RULE] as { source: string }).source, 'y');
const PRIVATE_KEY_BODY_RE = /^(?:[ \t\r\n]|\\[nr]|["'+,]|[A-Za-z-]+: [^\n\\]*(?:\\n|\r?\n))*([A-Za-z0-9+/=]{40,})/;
const DSN_TAIL_RE = new RegExp((TOKEN_RULES[DSN_RULE] as { source: string }).source, 'y');
const KEYWORD_STICKY_RE = new RegExp(SECRET_KEYWORD_SOURCE, 'iy');
const RULE_FAMS =
  Fam.AWS |
  Fam.GOOGLE |
  Fam.AUTH |
  Fam.SLACK |
  Fam.GITHUB |
  Fam.STRIPE |
  Fam.NPM |
  Fam.OPENAI |
  Fam.GITLAB |
  Fam.SENDGRID |
  Fam.JWT;
/** Matcher family of doctor's own anchors (above the redaction library's families). */
const RULE_ANCHOR = 1 << 24;
/** The middle of an OpenAI key ('sk-' + 20 to 80 characters before it): the key is found from there. */
const OPENAI_MIDDLE = 'T3BlbkFJ';

/**
 * Token formats are found through anchors, in the redaction matcher's single pass over the text:
 * its own anchors (`ghp_`, `AKIA`, `xoxb-`, `sk_live_`, `glpat-`, `sk-proj-`, `T3BlbkFJ`...), plus
 * one anchor per literal beginning of the other rules (`gldt-`, `hvs.`, `shpat_`, `hf_`...), given
 * to the matcher here. Beginnings found otherwise: `sk-` (OpenAI, from its own anchors and the
 * middle of the key), `SG.` (a native trigger of the matcher), `://` (from the matcher's `@`
 * trigger, see tokens()) and `-----BEGIN ` (from its PRIVATE KEY anchor).
 */
const STARTS_FOUND_OTHERWISE = new Set(['sk-', 'SG.', '://', '-----BEGIN ']);
const byteClass = (chars: string): ByteClass => [
  ...new Set(Array.from(chars, (ch) => (ch.charCodeAt(0) & 255) | 0x20)),
];
const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ALNUM = LETTERS + DIGITS;
/** [A-Za-z0-9_+/=-], folded: what may follow a rule's literal beginning when nothing narrower is said below */
const TOKEN_CLASS = byteClass(`${ALNUM}_+/=-`);
/**
 * What may follow some beginnings in their rule (patterns.ts), at each of the (up to three) padded
 * positions: fewer indexed words, fewer candidates. (Not xapp-: its digits may end after one.)
 */
const AFTER_CLASS: Record<string, ByteClass> = {
  ...Object.fromEntries(
    ['gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'hvs.', 'hvb.', 'hvr.', 'figd_'].map((st) => [
      st,
      byteClass(`${ALNUM}_-`),
    ]),
  ),
  ...Object.fromEntries(
    [
      'shpat_',
      'shpca_',
      'shppa_',
      'shpss_',
      'glsa_',
      'gsk_',
      'vcp_',
      'vci_',
      'vca_',
      'vcr_',
      'vck_',
      'cfk_',
      'cfut_',
      'cfat_',
    ].map((st) => [st, byteClass(ALNUM)]),
  ),
  glc_: byteClass(`${ALNUM}+/`),
  ntn_: byteClass(DIGITS),
  'tskey-': byteClass('abcdefghijklmnopqrstuvwxyz'),
  dapi: byteClass('0123456789abcdef'),
  hf_: byteClass(LETTERS),
};
/**
 * Beginnings found in the middle of their match (TokenRule.back): the match starts up to `max`
 * characters before, on a run of the rule's `back` characters.
 */
const BACK_STARTS: ReadonlyArray<readonly [string, number, (c: number) => boolean]> = TOKEN_RULES.filter(
  (r) => r.back,
).flatMap((r) => {
  const set = new Set(Array.from(r.back as string, (ch) => ch.charCodeAt(0)));
  return r.starts.map((st) => [st, 1200, (c: number) => set.has(c)] as const);
});
/** Longer literals every match of a beginning starts with. */
const ANCHOR_TEXT: Record<string, string> = { 'pypi-': 'pypi-AgEIcHlwaS5vcmc' };
/**
 * Anchor.skip of long beginnings whose first words are common in source code (`requ`ire,
 * `coun`t, `mast`er, `pscale_`, `AGE-SECR`): their later words pass the matcher's filter far less
 * often (measured on the 100 MB tree of bench/doctor, and on the 4-grams of real code:
 * docs/benchmarks.md).
 */
const ANCHOR_SKIP: Record<string, number> = Object.fromEntries(
  // pairs, not an object literal: `ansible_pass: 4` in the bundle would read as an Ansible password
  (
    [
      ['requirepass', 4],
      ['masterauth', 2],
      ['AccountKey=', 4],
      ['duffel_live_', 2],
      ['discord.com/api/webhooks/', 13],
      ['discordapp.com/api/webhooks/', 5],
      ['sntrys_eyJ', 3],
      ['xkeysib-', 1],
      ['ansible_ssh_pass', 6],
      ['ansible_become_pass', 11],
      ['ansible_pass', 4],
      ['pscale_tkn_', 4],
      ['pscale_pw_', 3],
      ['pscale_oauth_', 3],
      ['AGE-SECRET-KEY-1', 7],
      ['EAACEdEose0cBA', 6],
    ] as const
  ).map(([text, skip]) => [text, skip]),
);

function ruleAnchors(): Anchor[] {
  // (this runs at every start, in cold code: no closures or arrays per candidate padding)
  const builtin = ANCHORS.filter((a) => (a.fam & RULE_FAMS) !== 0);
  const covered = (st: string) => {
    const lower = st.toLowerCase();
    for (const a of builtin) if ((a.ci ? lower : st).startsWith(a.ci ? a.text.toLowerCase() : a.text)) return true;
    return false;
  };
  const out: Anchor[] = [];
  const seen = new Set<string>();
  const sizes: number[] = [];
  for (const r of TOKEN_RULES) {
    for (const st of r.starts) {
      if (STARTS_FOUND_OTHERWISE.has(st) || seen.has(st) || covered(st)) continue;
      seen.add(st);
      const text = ANCHOR_TEXT[st] ?? st;
      if (r.pad) {
        // the rule's own padding (short beginnings: see TokenRule.pad)
        const before = (r.pad.before ?? []).map(byteClass);
        const after = (r.pad.after ?? []).map(byteClass);
        const missing = Math.max(0, MIN_WINDOW - text.length - before.length - after.length);
        for (let k = 0; k < missing; k++) after.push(TOKEN_CLASS);
        out.push({ text, ci: false, fam: RULE_ANCHOR, before, after });
        continue;
      }
      // pad to the matcher's window: any characters before, token characters after, split so
      // that the fewest words are indexed (the filter then passes the fewest words of the text)
      const missing = Math.max(0, MIN_WINDOW - text.length);
      if (missing === 0 && ANCHOR_SKIP[text] !== undefined) {
        out.push({ text, ci: false, fam: RULE_ANCHOR, before: [], after: [], skip: ANCHOR_SKIP[text] });
        continue;
      }
      const afterClass = AFTER_CLASS[st] ?? TOKEN_CLASS;
      let best = 0;
      let bestWords = Infinity;
      for (let b = 0; b <= missing; b++) {
        // the class sizes along the window: b of ANY, the text, then token characters
        sizes.length = 0;
        for (let k = 0; k < b; k++) sizes.push(ANY.length);
        for (let k = 0; k < text.length; k++) sizes.push(1);
        for (let k = b; k < missing; k++) sizes.push(afterClass.length);
        let words = 0;
        for (let o = 0; o < 4 && o + 4 <= sizes.length; o++)
          words +=
            (sizes[o] as number) * (sizes[o + 1] as number) * (sizes[o + 2] as number) * (sizes[o + 3] as number);
        if (words < bestWords) {
          bestWords = words;
          best = b;
        }
      }
      const before: ByteClass[] = [];
      const after: ByteClass[] = [];
      for (let k = 0; k < best; k++) before.push(ANY);
      for (let k = best; k < missing; k++) after.push(afterClass);
      out.push({ text, ci: false, fam: RULE_ANCHOR, before, after });
    }
  }
  return out;
}

let RULE_ANCHORS_CACHE: Anchor[] | null = null;

/** Collects what the redaction library's matcher reports, by use. */
class AnchorHits implements ScanSink {
  litStart: number[] = [];
  litEnd: number[] = [];
  keyword: number[] = [];
  pem: number[] = [];
  rule: number[] = [];
  /** `@` after a `://` in the same token (the matcher's DSN trigger) */
  at: number[] = [];
  empty(): boolean {
    return this.litStart.length + this.keyword.length + this.pem.length + this.rule.length + this.at.length === 0;
  }
  /**
   * The hits split at `starts` (ascending, from 0): per part, its hits less its start, in the order
   * reported; undefined for a part without any.
   */
  split(starts: readonly number[]): Array<AnchorHits | undefined> {
    const parts: Array<AnchorHits | undefined> = [];
    const partOf = (x: number) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= x) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    for (let k = 0; k < this.litStart.length; k++) {
      const a = this.litStart[k] as number;
      const i = partOf(a);
      const h = (parts[i] ??= new AnchorHits());
      h.litStart.push(a - (starts[i] as number));
      h.litEnd.push((this.litEnd[k] as number) - (starts[i] as number));
    }
    for (const kind of ['keyword', 'pem', 'rule', 'at'] as const) {
      const xs = this[kind];
      for (let k = 0; k < xs.length; k++) {
        const i = partOf(xs[k] as number);
        (parts[i] ??= new AnchorHits())[kind].push((xs[k] as number) - (starts[i] as number));
      }
    }
    return parts;
  }
  literal(start: number, end: number): void {
    this.litStart.push(start);
    this.litEnd.push(end);
  }
  trigger(pos: number, fam: number): void {
    if (fam & Fam.KEY_VALUE) this.keyword.push(pos);
    if (fam & Fam.PEM) this.pem.push(pos);
    if (fam & (RULE_FAMS | RULE_ANCHOR)) this.rule.push(pos);
    if (fam & Fam.DSN) this.at.push(pos);
  }
}

const DIGIT_CHARS = '0123456789';
/** [A-Za-z0-9_.-]: characters of a token run */
const isRunChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
/** Publicly documented example credentials (vendor docs, emulators): not findings. */
const KNOWN_EXAMPLE_PARTS = [
  'Eby8vdM02xNOcqFl', // Azure storage emulator (Azurite) account key
  'MC4CAQAwBQYDK2VwBCIEIHKj', // ssh2's published Ed25519 probe key (lib/protocol/constants.js), in every bundle of ssh2
];
const isKnownExample = (s: string) => KNOWN_EXAMPLE_PARTS.some((p) => s.includes(p));
/** [A-Za-z0-9] by character code (NaN, past the end: false) */
const isAlnumCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLowerCode = (c: number) => c >= 97 && c <= 122;

const PRIORITY: Record<string, number> = { registered_secret: 4, k8s_secret_value: 2, secret_named_key: 1 };
const priority = (kind: string) => PRIORITY[kind] ?? 3;

function maskDsn(scheme: string): string {
  return `${scheme}://***:***@***`;
}

interface DetectorOptions {
  registered?: readonly SecretForm[];
  /** files above twice this size are confirmed in pieces of about this size (see confirmPieces) */
  pieceBytes?: number;
}

export class Detector {
  private readonly formsByText: Map<string, SecretForm>;
  /** the redaction library's anchor matcher, with doctor's rule anchors and registered forms added */
  private readonly matcher = new Matcher({ anchors: (RULE_ANCHORS_CACHE ??= ruleAnchors()) });

  private readonly pieceBytes: number;

  constructor(opts: DetectorOptions = {}) {
    this.pieceBytes = opts.pieceBytes ?? 1 << 16;
    const forms = [...(opts.registered ?? [])];
    this.formsByText = new Map(forms.map((f) => [f.text, f]));
    for (const f of forms) this.matcher.add(f.text);
  }

  /**
   * All hits in one file, deduplicated (overlapping hits keep the most specific), in file order.
   * `latin1`: the file's bytes, when text is their Latin-1 decoding (scanned in place).
   */
  scan(text: string, path: string, latin1?: Uint8Array): Hit[] {
    const anchors = new AnchorHits();
    this.matcher.scan(text, 0, text.length, anchors, latin1);
    return dedupe(this.confirm(text, path, anchors), text);
  }

  /**
   * scan() of a file given as its bytes (its text being their Latin-1 decoding): the text is made
   * only when the matcher reported something or the file is YAML (most files of a tree: neither),
   * and for a large file only piece by piece. `text`: where the hits' positions are (for line
   * numbers), the file's text or its bytes.
   */
  scanBytes(bytes: Buffer, path: string): { hits: Hit[]; text: string | Buffer } {
    const anchors = new AnchorHits();
    this.matcher.scanLatin1(bytes, anchors);
    const yaml = YAML_PATH.test(path);
    if (anchors.empty() && !yaml) return { hits: [], text: bytes };
    if (yaml || bytes.length <= 2 * this.pieceBytes) {
      const text = bytes.toString('latin1');
      return { hits: dedupe(this.confirm(text, path, anchors), text), text };
    }
    return { hits: dedupe(this.confirmPieces(bytes, path, anchors), bytes), text: bytes };
  }

  /**
   * confirm() of a large file piece by piece: V8 keeps each string of more than 128 KiB in a memory
   * mapping of its own, a page fault per 4 KiB written (~10 ms per 100 MB of such files). A piece is
   * whole lines of about `pieceBytes`, confirmed in a text that runs PIECE_AHEAD characters further
   * (to a line end): all that confirming an anchor reads. Nothing confirming reads crosses the start
   * of the anchor's line (a key, a token, a `://` before an `@`: no line breaks), and what it reads
   * after it ends within the line or, for a key block, 12,000 characters on. The hits are those of
   * the whole text (test/doctor-pieces.test.ts).
   */
  private confirmPieces(bytes: Buffer, path: string, anchors: AnchorHits): Hit[] {
    const n = bytes.length;
    // the pieces' starts, then each anchor to its piece (in the order the matcher reported them)
    const starts = [0];
    for (let a = 0; ;) {
      const nl = a + this.pieceBytes < n ? bytes.indexOf(10, a + this.pieceBytes) : -1;
      if (nl < 0 || nl + 1 >= n) break;
      starts.push((a = nl + 1));
    }
    const pieces = anchors.split(starts);
    const hits: Hit[] = [];
    for (let i = 0; i < starts.length; i++) {
      const mine = pieces[i];
      if (!mine) continue;
      const a = starts[i] as number;
      const b = i + 1 < starts.length ? (starts[i + 1] as number) : n;
      // and to the end of a registered value that starts in the piece (one may span lines)
      let until = b + PIECE_AHEAD;
      for (const e of mine.litEnd) until = Math.max(until, a + e);
      const ahead = until < n ? bytes.indexOf(10, until) : -1;
      const text = bytes.toString('latin1', a, ahead < 0 ? n : ahead + 1);
      for (const h of this.confirm(text, path, mine)) hits.push({ ...h, start: h.start + a, end: h.end + a });
    }
    return hits;
  }

  /** Confirms what the matcher reported in text (hits not deduplicated). */
  private confirm(text: string, path: string, anchors: AnchorHits): Hit[] {
    const hits: Hit[] = [];
    for (let k = 0; k < anchors.litStart.length; k++)
      this.registered(text, anchors.litStart[k] as number, anchors.litEnd[k] as number, hits);
    const docs = isDocsPath(path);
    this.tokens(text, hits, anchors, docs);
    const yaml = YAML_PATH.test(path);
    if (!yaml && anchors.keyword.length === 0) return hits;
    const lang = fileLang(path);
    const owned: Array<[number, number]> = [];
    if (yaml && /^kind:\s*["']?Secret["']?\s*$/m.test(text)) this.k8sSecrets(text, hits, owned);
    // a SealedSecret's encryptedData is ciphertext only its cluster can open
    const sealed = yaml && /^kind:\s*["']?SealedSecret["']?\s*$/m.test(text);
    if (anchors.keyword.length && !LOCKFILE.test(path) && !sealed)
      this.keywords(text, lang, hits, owned, sortedNumbers(anchors.keyword), docs, docs && DOCS_ONLY_PATH.test(path));
    return hits;
  }

  private registered(text: string, start: number, end: number, hits: Hit[]): void {
    const f = this.formsByText.get(text.slice(start, end));
    if (!f) return;
    hits.push({
      kind: 'registered_secret',
      severity: 'critical',
      start,
      end,
      secret: `registered:${f.id}`,
      preview: `*** (value of ${f.name}${f.encoding === 'raw' ? '' : `, ${f.encoding} form`})`,
    });
  }

  /**
   * Provider formats: each anchor the matcher reported (see STARTS_FOUND_OTHERWISE) is confirmed
   * by the rules' sticky regex at its position.
   */
  private tokens(text: string, hits: Hit[], anchors: AnchorHits, docs: boolean): void {
    let lastBack = -1;
    for (const p of anchors.rule) {
      if (text.startsWith(OPENAI_MIDDLE, p)) this.openaiFromMiddle(text, p, hits);
      else {
        const back = BACK_STARTS.find(([st]) => text.startsWith(st, p));
        if (back) {
          // JWTs (from `.eyJ`), Telegram bot tokens (from `:AA`)
          let j = p;
          while (j > 0 && p - j < back[1] && back[2](text.charCodeAt(j - 1)) && !escapeEndsAt(text, j)) j--;
          if (j > lastBack && j >= 0) {
            const e = this.tryRulesAt(text, j, hits, docs);
            if (e > 0) lastBack = e;
          }
        } else this.tryRulesAt(text, p, hits, docs);
      }
    }
    let lastPem = -1;
    for (const p of anchors.pem) {
      const b = text.lastIndexOf('-----BEGIN', p);
      if (b >= 0 && b > lastPem && p - b < 48) {
        lastPem = b;
        this.privateKey(text, b, hits);
      }
    }
    // connection strings: from each `@` the matcher saw after a `://` of the same token, that `://`
    // (the userinfo holds no `/`, so it is the nearest one)
    let lastScheme = -1;
    for (const q of anchors.at) {
      const i = text.lastIndexOf('://', q);
      if (i > lastScheme && q - i <= 400) {
        lastScheme = i;
        this.dsn(text, i, hits, docs);
      }
    }
  }

  /** An OpenAI key around its middle at `mid`: tries each `sk-` up to 90 token characters before it. */
  private openaiFromMiddle(text: string, mid: number, hits: Hit[]): void {
    let j = mid;
    while (j > 0 && mid - j < 90 && isRunChar(text.charCodeAt(j - 1))) j--;
    for (; j < mid; j++) if (text.startsWith('sk-', j) && this.tryRulesAt(text, j, hits, false) >= 0) return;
  }

  /** Runs the sticky rule alternation at `at`; records a hit and returns its end, or -1. */
  private tryRulesAt(text: string, at: number, hits: Hit[], docs: boolean): number {
    const re = STICKY_TOKEN_RE;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return -1;
    let i = 0;
    while (i < TOKEN_RULES.length && m[i + 1] === undefined) i++;
    const rule = TOKEN_RULES[i];
    if (!rule || i === PRIVATE_KEY_RULE || i === DSN_RULE) return -1;
    const s = m[0];
    if (
      rule.boundary &&
      !(rule.back === DIGIT_CHARS && text.startsWith('bot', at - 3)) &&
      (isAlnumCode(text.charCodeAt(at - 1)) || (rule.decode === 'base64' && /[+/=]/.test(text[at - 1] ?? ''))) &&
      !escapeEndsAt(text, at)
    )
      return -1;
    if (rule.lineStart && !atLineStart(text, at)) return -1;
    if (rule.notInDocs && docs) return -1;
    if (rule.accept && !rule.accept(s)) return -1;
    if (isKnownExample(s)) return at + s.length;
    if (rule.decode) {
      const whole = wrappedEncoding(text, at + s.length, s, rule.decode);
      const inner = decodedHits(whole.s, rule.decode);
      if (inner)
        hits.push({
          kind: 'encoded_secret',
          severity: 'critical',
          start: at,
          end: whole.end,
          secret: whole.s,
          preview: `${rule.decode} of ${inner} ***`,
        });
      return whole.end;
    }
    hits.push({
      kind: rule.kind,
      severity: rule.severity,
      start: at,
      end: at + s.length,
      secret: s,
      preview: `${s.startsWith(rule.prefix) ? rule.prefix : s.slice(0, Math.min(4, rule.prefix.length))}***`,
    });
    return at + s.length;
  }

  private privateKey(text: string, start: number, hits: Hit[]): void {
    const head = PRIVATE_KEY_HEAD_RE;
    head.lastIndex = start;
    const m = head.exec(text);
    if (!m) return;
    const s = m[0];
    const body = PRIVATE_KEY_BODY_RE.exec(text.slice(start + s.length, start + s.length + 600));
    if (
      body?.[1] &&
      looksLikeKeyBody(body[1]) &&
      !truncatedExample(text, start + s.length) &&
      !isKnownExample(body[1])
    ) {
      const label = s.replace(/^-+BEGIN /, '').replace(/-+$/, '');
      hits.push({
        kind: 'private_key',
        severity: 'critical',
        start,
        end: start + s.length,
        secret: body[1].slice(0, 200),
        preview: `-----BEGIN ${label}----- ***`,
      });
    }
  }

  private dsn(text: string, at: number, hits: Hit[], docs: boolean): void {
    const re = DSN_TAIL_RE;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return;
    const s = m[0];
    let b = at;
    while (b > 0 && b > at - 24 && /[A-Za-z0-9+.-]/.test(text[b - 1] as string) && !escapeEndsAt(text, b)) b--;
    const scheme = text.slice(b, at);
    if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) return;
    const rest = s.slice(3, -2);
    const colon = rest.indexOf(':');
    const user = rest.slice(0, colon);
    const password = rest.slice(colon + 1);
    if (!password || password === user || isPlaceholder(decodeSafe(password))) return;
    // in tests and documentation a connection string is an example unless its password looks generated
    if (docs && !looksSecretValue(decodeSafe(password), true)) return;
    const host = /^[A-Za-z0-9.[\]:-]*/.exec(text.slice(at + s.length - 1, at + s.length + 255))?.[0] ?? '';
    if (/(?:^|\.)example\.(?:com|org|net)$|\.example$|\.invalid$|^host$|^hostname$/i.test(host.replace(/:\d+$/, '')))
      return;
    hits.push({
      kind: 'dsn_password',
      severity: 'critical',
      start: b,
      end: at + s.length - 1,
      secret: password,
      preview: maskDsn(scheme.toLowerCase()),
    });
  }

  private keywords(
    text: string,
    lang: FileLang,
    hits: Hit[],
    owned: ReadonlyArray<readonly [number, number]>,
    positions: readonly number[],
    docs: boolean,
    docsOnly = false,
  ): void {
    let done = -1;
    for (const at of positions) {
      if (at < done) continue;
      const k = keyAt(text, at);
      if (!k) continue;
      done = k.ke;
      if (!assignmentFollows(text, k.ke, lang)) continue;
      // the value before the key's own checks: 97% of the keys with an assignment are assigned no
      // literal (a call, a variable: 625 of 18,664 on bench/doctor's tree), a cheaper rejection
      const value = readAssignedValue(text, k.ks, k.ke, lang) ?? namedValue(text, k.ks, k.ke);
      if (!value || notASecretKey(text, k, owned)) continue;
      if (isPlaceholder(value.text) || notALiteral(value.text, value.quoted) || !looksSecretValue(value.text, docs))
        continue;
      // documentation and example files: a secret-named key there is an example (provider formats and keys are still found)
      if (docsOnly) continue;
      const keyWords = text
        .slice(k.ks, k.kwStart)
        .split(/[_.-]+|(?=[A-Z][a-z])/)
        .filter(Boolean);
      if (keyWords.some((w) => PAGINATION_WORDS.has(w.toLowerCase()))) continue;
      const key = text.slice(k.ks, k.ke).replace(/^[.-]+/, '');
      hits.push({
        kind: 'secret_named_key',
        severity: 'high',
        start: k.ks,
        end: value.end,
        secret: value.text,
        preview: `${key}=***`,
      });
    }
  }

  /** Values under data:/stringData: of a Kubernetes Secret; their lines are owned by this pass. */
  private k8sSecrets(text: string, hits: Hit[], owned: Array<[number, number]>): void {
    const lines = text.split('\n');
    let offset = 0;
    let blockIndent = -1;
    let decode = false;
    for (const line of lines) {
      const indent = line.length - line.trimStart().length;
      const trimmed = line.trim();
      if (blockIndent >= 0 && trimmed && !trimmed.startsWith('#') && indent <= blockIndent) blockIndent = -1;
      const head = /^(\s*)(data|stringData):\s*$/.exec(line);
      if (head) {
        blockIndent = (head[1] ?? '').length;
        decode = head[2] === 'data';
      } else if (blockIndent >= 0 && trimmed && !trimmed.startsWith('#')) {
        const kv = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*:\s*(.*)$/.exec(line);
        if (kv) {
          const raw = (kv[2] ?? '').trim().replace(/^["']|["']$/g, '');
          owned.push([offset, offset + line.length]);
          if (raw && !/^[|>]/.test(raw)) {
            const plain = decode ? decodeBase64(raw) : raw;
            if (plain !== null && !isPlaceholder(plain) && !isPlaceholder(raw)) {
              const start = offset + indent;
              hits.push({
                kind: 'k8s_secret_value',
                severity: 'critical',
                start,
                end: offset + line.length,
                secret: raw,
                preview: `${kv[1]}: ***`,
              });
            }
          }
        }
      }
      offset += line.length + 1;
    }
  }
}

/**
 * The base64 body of a key block: long and varied. Not looksRandom(): key encodings hold long runs
 * of one character (OpenSSH's `AAAA` length prefixes, DER's zero bytes), real keys all the same.
 */
function looksLikeKeyBody(b: string): boolean {
  return b.length >= 40 && new Set(b).size >= 16 && !/EXAMPLE|example|xxxx|XXXX/.test(b);
}

/**
 * A key block shortened for documentation: `-----BEGIN RSA PRIVATE KEY----- MIIEpQ...iieR. -----END`
 * (a dot or an ellipsis in the body, which base64 never holds, before the END line).
 */
function truncatedExample(text: string, bodyStart: number): boolean {
  const end = text.indexOf('-----END', bodyStart);
  if (end < 0 || end - bodyStart > 12000) return false;
  return /[A-Za-z0-9+/=]\.(?:\s|\\n|$)|\.\.|…/.test(text.slice(bodyStart, end));
}

/** True when only blanks (and `export `) stand between the start of the line and `at`. */
function atLineStart(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  if (i >= 6 && text.slice(i - 6, i) === 'export' && i < at) {
    i -= 6;
    while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  }
  return i === 0 || text[i - 1] === '\n';
}

/** A line that continues a wrapped encoding: its indentation, then base64 or hex to the line's end. */
const WRAPPED_LINE = {
  base64: /^\r?\n[ \t]*([A-Za-z0-9+/]+={0,2})[ \t]*(?=\r?\n|$)/,
  hex: /^\r?\n[ \t]*([0-9A-Fa-f]+)[ \t]*(?=\r?\n|$)/,
};

/**
 * An encoding that fills its line, joined with the lines that continue it: `base64` wraps at 76
 * columns, `openssl base64` at 64, `xxd -p` at 60 (a YAML block of a key's base64). Every line but
 * the last has the same width, at least 32: lines of another kind that happen to be base64 end it.
 */
function wrappedEncoding(text: string, end: number, s: string, enc: 'base64' | 'hex'): { s: string; end: number } {
  if (s.length < 32 || (text[end] !== '\n' && text[end] !== '\r')) return { s, end };
  const parts = [s];
  let e = end;
  let width = -1;
  for (let n = 0; n < 4096; n++) {
    const m = WRAPPED_LINE[enc].exec(text.slice(e, e + 160));
    const line = m?.[1];
    if (!m || !line) break;
    const last = parts.at(-1) as string;
    // the line before this one was full (every line but the last has the width)
    if (parts.length > 1 && last.length !== width) break;
    if (width < 0) width = line.length;
    if (line.length > width || width < 32) break;
    parts.push(line);
    e += m[0].length;
    if (line.endsWith('=')) break;
  }
  return parts.length > 1 ? { s: parts.join(''), end: e } : { s, end };
}

let NESTED: Detector | null = null;
let nestedDepth = 0;
/** Kinds found in an encoded value once decoded (base64 or hex), or null. */
function decodedHits(s: string, enc: 'base64' | 'hex'): string | null {
  if (nestedDepth > 1 || s.length < 16) return null;
  const plain = Buffer.from(enc === 'hex' ? s.slice(0, s.length & ~1) : s, enc).toString('latin1');
  nestedDepth++;
  try {
    const hits = (NESTED ??= new Detector()).scan(plain, 'decoded.env');
    const kinds = [...new Set(hits.map((h) => h.kind))];
    return kinds.length ? kinds.join(', ') : null;
  } finally {
    nestedDepth--;
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function decodeBase64(s: string): string | null {
  if (!/^[A-Za-z0-9+/]+=*$/.test(s)) return null;
  return Buffer.from(s, 'base64').toString('latin1');
}

/** A key holding a secret keyword: [ks, ke) the whole key (a run of token characters), [kwStart, kwEnd) the keyword. */
interface KeyAt {
  ks: number;
  ke: number;
  kwStart: number;
  kwEnd: number;
}

/** The key around the keyword the matcher reported at `at`, or null (no keyword there, or one inside a longer word). */
function keyAt(text: string, at: number): KeyAt | null {
  const re = KEYWORD_STICKY_RE;
  re.lastIndex = at;
  // test(), not exec(): the end is all that is needed, and no match array is made per keyword
  if (!re.test(text)) return null;
  const kwStart = at;
  let kwEnd = re.lastIndex;
  const after = text.charCodeAt(kwEnd);
  // a keyword inside a longer lower-case word (tokenizer, secretary, passwordless) is another word
  if (isLowerCode(after)) {
    if (after === 115 /* s */ && !isLowerCode(text.charCodeAt(kwEnd + 1))) kwEnd++;
    else return null;
  }
  let ks = kwStart;
  while (ks > 0 && kwStart - ks < 80 && isRunChar(text.charCodeAt(ks - 1))) ks--;
  let ke = kwEnd;
  while (ke < text.length && ke - kwEnd < 80 && isRunChar(text.charCodeAt(ke))) ke++;
  return { ks, ke, kwStart, kwEnd };
}

/** Cheap rejection first: an assignment must follow the key (", ', ], space, tab, =, :, >, ?; in YAML also , and line breaks). */
function assignmentFollows(text: string, ke: number, lang: FileLang): boolean {
  const next = text.charCodeAt(ke);
  return (
    next === 61 ||
    next === 58 ||
    next === 34 ||
    next === 39 ||
    next === 93 ||
    next === 32 ||
    next === 9 ||
    next === 62 ||
    next === 63 ||
    (lang === 'yaml' && (next === 44 || next === 10 || next === 13))
  );
}

/**
 * Keys that are not a secret's name: a reference (${DB_PASSWORD:-x}, {{ token }}), a binding
 * (:token="props.token", v-bind:api-key), a decorator or an anchor, a key on lines another pass
 * owns, a property of an object (token.indent), a name ending in a non-secret word (token_type)
 * or naming a pagination token (NextToken).
 */
function notASecretKey(text: string, k: KeyAt, owned: ReadonlyArray<readonly [number, number]>): boolean {
  const { ks, ke, kwStart, kwEnd } = k;
  const before = text.charCodeAt(ks - 1);
  if (
    (before === 123 /* { */ && /[${%]/.test(text[ks - 2] ?? '')) ||
    (before === 58 /* : */ && (ks < 2 || /[\s-]/.test(text[ks - 2] as string)))
  )
    return true;
  if (before === 64 /* @ */ || before === 35 /* # */) return true;
  if (owned.length && owned.some(([a, b]) => ks >= a && ks < b)) return true;
  const tail = text.slice(kwEnd, ke).replace(/[._-]+$/, '');
  if (tail.includes('.')) return true; // token.indent, secret.level: a property of the object, not the secret
  if (!tail) return false;
  const words = tail.split(/[_.-]+|(?=[A-Z][a-z])/).filter(Boolean);
  const last = words.at(-1)?.toLowerCase();
  if (last && NON_SECRET_KEY_SUFFIXES.has(last)) return true;
  if (words.some((w) => PAGINATION_WORDS.has(w.toLowerCase()))) return true;
  return !keyNamesSecret(text.slice(kwStart, ke));
}

interface AssignedValue {
  text: string;
  quoted: boolean;
  end: number;
}

/** The literal assigned to the key at [ks, ke), or null when the key is not being assigned a value. */
function readAssignedValue(text: string, ks: number, ke: number, lang: FileLang): AssignedValue | null {
  let p = ke;
  // closing quote/bracket of the key: "password": / ['password'] =
  for (let n = 0; n < 2 && (text[p] === '"' || text[p] === "'" || text[p] === ']'); n++) p++;
  const special = argumentOrTagValue(text, ks, ke, p, lang);
  if (special !== undefined) return special;
  const op = assignmentAt(text, ks, ke, p, lang);
  if (!op) return null;
  // a literal behind an environment lookup: process.env.X || '...', os.getenv("X") or "..."
  const lookup = ENV_FALLBACK.exec(text.slice(op.p, op.p + 160));
  if (lookup) return quotedAt(text, op.p + lookup[0].length);
  const v = valueAt(text, ks, op, lang);
  // the default of a reference is a literal: ${TOKEN:-...} (shell), ${DB_PASSWORD:...} (Spring)
  const dflt = v && /^\$\{[A-Za-z_][\w.]*(?::?[-=]|:(?![?=+-]))([^}$]+)\}$/.exec(v.text);
  return dflt ? { text: dflt[1] as string, quoted: true, end: v.end } : v;
}

/** An environment lookup and a fallback operator before a quoted literal (the literal is used when the variable is unset). */
const ENV_FALLBACK =
  /^(?:process\.env(?:\.\w+|\[["']\w+["']\])|os\.(?:getenv|environ\.get)\(["']\w+["']\)|os\.environ\[["']\w+["']\]|ENV(?:\[["']\w+["']\]|\.fetch\(["']\w+["']\))|System\.getenv\(["']\w+["']\)|import\.meta\.env\.\w+|Deno\.env\.get\(["']\w+["']\))[ \t]*(?:\|\||\?\?|\bor\b|\?:)[ \t]*(?=["'`])/;

/**
 * Values not given by an assignment operator: the next argument of setProperty("mail.password",
 * "..."), the value attribute of <add key="SmtpPassword" value="..."/>, the content of
 * <password>...</password>. undefined when none of these applies.
 */
function argumentOrTagValue(
  text: string,
  ks: number,
  ke: number,
  p: number,
  lang: FileLang,
): AssignedValue | null | undefined {
  const quotedKey = p > ke && (text[ke] === '"' || text[ke] === "'");
  // setProperty("mail.password", "..."), define('DB_PASSWORD', '...'): the next argument
  if (quotedKey && (lang === 'code' || lang === 'text') && /\([ \t]*["']$/.test(text.slice(Math.max(0, ks - 8), ks))) {
    const arg = /^[ \t]*,[ \t]*(?=["'])/.exec(text.slice(p, p + 40));
    if (arg) return quotedAt(text, p + arg[0].length);
  }
  // <add key="SmtpPassword" value="..."/>, <property name="password" value="..."/>
  if (
    quotedKey &&
    text[ks - 1] === text[ke] &&
    /(?:key|name)[ \t]*=[ \t]*["']$/i.test(text.slice(Math.max(0, ks - 12), ks))
  ) {
    const attr = /^[ \t]+value[ \t]*=[ \t]*(?=["'])/.exec(text.slice(p, p + 40));
    if (attr) return quotedAt(text, p + attr[0].length);
  }
  // Terraform: variable "db_password" { ... default = "..." }
  if (quotedKey && /variable[ \t]+"$/.test(text.slice(Math.max(0, ks - 10), ks))) {
    const block = /^"[ \t]*\{[^}]*?\bdefault[ \t]*=[ \t]*(?=")/.exec(text.slice(ke, ke + 600));
    return block ? quotedAt(text, ke + block[0].length) : null;
  }
  // <password>...</password>
  if (text[ks - 1] === '<' && text[ke] === '>') {
    const close = text.indexOf('</', ke);
    const nl = text.indexOf('\n', ke);
    if (close > ke + 1 && (nl < 0 || close < nl)) {
      const v = text.slice(ke + 1, close).trim();
      return v && !/[<>\s]/.test(v) ? { text: v, quoted: true, end: close } : null;
    }
    return null;
  }
  return undefined;
}

/** Where the value starts after the key's assignment operator (`c`: the operator's first character), or null. */
function assignmentAt(
  text: string,
  ks: number,
  ke: number,
  afterKey: number,
  lang: FileLang,
): { p: number; c: string | undefined } | null {
  let p = afterKey;
  // a type between the name and the value: var x string = "...", const x: string = '...', val x: String = "..."
  if (lang === 'code') {
    const typed = /^(?:[ \t]*:[ \t]*|[ \t]+)(?:&(?:'\w+[ \t]+)?)?[A-Za-z_][\w.<>[\]|?]*[ \t]*(?=:?=[^=])/.exec(
      text.slice(p, p + 60),
    );
    if (typed && !/^[ \t]*(?:in|of|is|as|and|or|not|if|else|return|from|import)\b/.test(typed[0])) p += typed[0].length;
  }
  while (text[p] === ' ' || text[p] === '\t') p++;
  const spaced = p > afterKey;
  const c = text[p];
  const c2 = text[p + 1];
  if (c === ':' && c2 === '=') p += 2;
  else if (c === ':' && c2 === ':' && text[p + 2] === '=')
    p += 3; // Makefile ::=
  else if ((c === '?' || c === '+' || c === '.') && c2 === '=')
    p += 2; // Makefile ?= +=, PHP .=
  else if (c === '=' && c2 === '>') p += 2;
  else if (c === '=' && c2 !== '=') p += 1;
  else if (c === ':' && c2 !== ':' && c2 !== '/') p += 1;
  else if (!spacedAssignment(text, ks, ke, lang, spaced)) return null;
  while (text[p] === ' ' || text[p] === '\t') p++;
  return { p, c };
}

/**
 * ENV KEY value / ARG KEY value (Dockerfile), machine host login x password y (.netrc): a value
 * after blanks. In other languages (most keywords: prose in code) nothing more to look at.
 */
function spacedAssignment(text: string, ks: number, ke: number, lang: FileLang, spaced: boolean): boolean {
  if (lang !== 'dockerfile' && lang !== 'env') return false;
  const lineStart = lineStartNear(text, ks, 200);
  const prefix = text.slice(lineStart, ks);
  const dockerSpace = lang === 'dockerfile' && /^\s*(?:ENV|ARG)\s+$/.test(prefix) && spaced;
  // a command line's flag and its argument: --password x, -password x (not -p: too short to say)
  if (
    spaced &&
    text[ks] === '-' &&
    (ks === lineStart || /\s/.test(text[ks - 1] as string)) &&
    /^[ \t]+[^\s-]/.test(text.slice(ke, ke + 8)) // the argument, not the next flag (--ask-password --user=ci)
  )
    return true;
  const netrc =
    lang === 'env' &&
    /(?:^|\s)(?:password|passwd)$/.test(text.slice(lineStart, ke)) &&
    /(?:^|\s)(?:machine|login)\s/.test(prefix + ' ');
  return dockerSpace || netrc;
}

/** The value at op.p: quoted, in a connection string, or (not in code or JSON) the rest of the line. */
function valueAt(
  text: string,
  ks: number,
  op: { p: number; c: string | undefined },
  lang: FileLang,
): AssignedValue | null {
  const p = op.p;
  const q = text[p];
  if (q === '"' || q === "'" || q === '`') {
    let e = p + 1;
    while (e < text.length && text[e] !== q && text[e] !== '\n') e += text[e] === '\\' ? 2 : 1;
    if (text[e] !== q) return null;
    // a fragment of a string built at run time ('S3cr3t-' + 'x'.repeat(20)) is not the secret
    if (/^\s*(?:\+|\.\.|\.concat\(|\.repeat\(|\.join\()/.test(text.slice(e + 1, e + 12))) return null;
    return { text: text.slice(p + 1, e), quoted: true, end: e + 1 };
  }
  // Password=...; inside a connection string (SQL Server, ODBC, Npgsql), in any file
  if (
    op.c === '=' &&
    (text[ks - 1] === ';' || text[ks - 1] === '"' || text[ks - 1] === "'" || text[ks - 1] === ' ') &&
    /(?:^|[;"'])\s*(?:Server|Data Source|Host|User ID|Uid|Initial Catalog|Database)\s*=[^;"'\n]*;/i.test(
      text.slice(lineStartNear(text, ks, 300), ks),
    )
  ) {
    let e = p;
    while (e < text.length && text[e] !== ';' && text[e] !== '"' && text[e] !== "'" && text[e] !== '\n') e++;
    const v = text.slice(p, e).trim();
    return v && !/[\s(){}]/.test(v) ? { text: v, quoted: true, end: e } : null;
  }
  // password=... among libpq's key=value pairs (host=db user=app password=... dbname=shop), in any file
  if (op.c === '=') {
    const v = conninfoValue(text, ks, p);
    if (v !== undefined) return v;
  }
  if (lang === 'code' || lang === 'json') return null;
  return bareValue(text, p, lang === 'env' || lang === 'dockerfile');
}

/** libpq's connection parameters besides the password (a conninfo string holds one or more of them). */
const LIBPQ_KEYS =
  /^(?:host|hostaddr|port|dbname|user|sslmode|connect_timeout|application_name|options|target_session_attrs)$/;

/**
 * The password of a conninfo string: the key stands in a run of `key=value` pairs separated by
 * blanks and nothing else (between quotes or on its own line), one of them another libpq key.
 * Minified code, where `host=` and `password=` also occur, is not such a run. undefined: not a
 * conninfo string; null: one whose password is empty (`password= dbname=app`).
 */
function conninfoValue(text: string, ks: number, p: number): AssignedValue | null | undefined {
  const stop = /["'`\n]/;
  let a = ks;
  while (a > 0 && ks - a < 300 && !stop.test(text[a - 1] as string)) a--;
  let e = p;
  while (e < text.length && e - p < 300 && !stop.test(text[e] as string)) e++;
  const pairs = text
    .slice(a, e)
    .trim()
    .split(/[ \t]+/);
  if (pairs.length < 2 || !pairs.every((x) => /^\w+=[^=]*$/.test(x))) return undefined;
  if (!pairs.some((x) => LIBPQ_KEYS.test(x.slice(0, x.indexOf('='))))) return undefined;
  if (text[p - 1] !== '=') return null;
  let end = p;
  while (end < e && text[end] !== ' ' && text[end] !== '\t') end++;
  return end > p ? { text: text.slice(p, end), quoted: true, end } : null;
}

/**
 * An unquoted value: the rest of the line, up to the next key=value pair or a comment. `words`:
 * a value followed by more words is its first word, as in a shell line (`PGPASSWORD=x psql -h db`,
 * `wget --password=x https://...`: scripts, env and Dockerfiles); elsewhere (YAML's plain scalars,
 * text) a value with blanks is prose.
 */
function bareValue(text: string, p: number, words: boolean): AssignedValue | null {
  let e = p;
  while (e < text.length && text[e] !== '\n' && text[e] !== '\r') e++;
  let v = text.slice(p, e);
  // key=value pairs on one line (Ansible inventories, .netrc): the value ends before the next key
  const nextPair = /[ \t]+[A-Za-z_][\w.-]*=/.exec(v);
  if (nextPair) v = v.slice(0, nextPair.index);
  v = v.replace(/\s+#.*$/, '').trim();
  if (words) v = v.replace(/[ \t].*$/, '').replace(/(?<=[^"'])["']$/, ''); // -H "X-Api-Key: value": the header's closing quote
  if (!/\.\.\.$/.test(v)) v = v.replace(/[`.,;:)]+$/, '');
  if (!v || /\s/.test(v)) return null;
  return { text: v, quoted: false, end: p + v.length };
}

/** The start of the line holding `at`, or `at - max` when the line starts further back (minified files: one line). */
function lineStartNear(text: string, at: number, max: number): number {
  const stop = Math.max(0, at - max);
  for (let i = at - 1; i >= stop; i--) if (text.charCodeAt(i) === 10) return i + 1;
  return stop;
}

/** The quoted literal starting at text[q] (a quote), or null. */
function quotedAt(text: string, q: number): AssignedValue | null {
  const quote = text[q];
  let e = q + 1;
  while (e < text.length && text[e] !== quote && text[e] !== '\n') e += text[e] === '\\' ? 2 : 1;
  if (text[e] !== quote) return null;
  return { text: text.slice(q + 1, e), quoted: true, end: e + 1 };
}

/**
 * A secret-named entry given as name and value: `- name: DB_PASSWORD` followed by
 * `value: "..."` (Kubernetes env, on the same or the next line), `{ name: X_TOKEN, value: ... }`.
 */
function namedValue(text: string, ks: number, ke: number): AssignedValue | null {
  const lineStart = lineStartNear(text, ks, 120);
  if (!/(?:^|[\s{,-])name[ \t]*:[ \t]*["']?$/.test(text.slice(lineStart, ks))) return null;
  const m = /^["']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*(?:-[ \t]*)?)value[ \t]*:[ \t]*/.exec(text.slice(ke, ke + 200));
  if (!m) return null;
  const p = ke + m[0].length;
  if (text[p] === '"' || text[p] === "'") return quotedAt(text, p);
  let e = p;
  while (e < text.length && !/[\s,}]/.test(text[e] as string)) e++;
  const v = text.slice(p, e);
  return v ? { text: v, quoted: false, end: e } : null;
}

/** Keys of pagination and protocol tokens (NextToken, continuation_token, output_token): not secrets. */
const PAGINATION_WORDS = new Set([
  'next',
  'continuation',
  'page',
  'paging',
  'pagination',
  'output',
  'input',
  'marker',
  'cursor',
  'resume',
  'sync',
  'idempotency',
  'csrf',
  'xsrf',
  'term',
  'last',
  'prev',
  'previous',
  'used',
]);
/** Documentation and example files (not tests): secret-named keys there are examples. */
const DOCS_ONLY_PATH =
  /(?:^|\/)(?:examples?|samples?|docs?|documentation|website)\/|[._-]examples?\.[a-z0-9]+$|\.(?:md|mdx|markdown|rst|adoc|txt|html?)$|(?:^|\/)(?:README|CHANGELOG|CONTRIBUTING)[^/]*$/i;

/** Test, fixture, example and documentation paths: values there are examples unless they look generated. */
const DOCS_PATH =
  /(?:^|\/)(?:tests?|testing|test[-_]?utils|test[-_]?helpers|bench(?:marks?)?|__tests__|spec|specs|e2e|integration|integration[-_]tests?|it|qa|playwright|cypress|step_definitions|fixtures?|__fixtures__|testdata|test-data|mocks?|__mocks__|fakes?|examples?|samples?|demos?|docs?|documentation|website|stories|storybook|[A-Za-z0-9]+[._-]tests?)\/|(?:^|\/)[^/]*(?:[._-](?:test|spec|e2e|stories|story|example|sample|fixture|mock)s?)\.[a-z0-9]+$|(?:^|\/)(?:test_[^/]*|conftest|tests)\.py$|\.(?:md|mdx|markdown|rst|adoc|txt|html?)$|(?:^|\/)(?:README|CHANGELOG|CONTRIBUTING)[^/]*$/i;
/** Test projects and classes by their case (AuthTests/, LoginIT.java): DOCS_PATH ignores case, and `latest/` is no test. */
const TEST_PROJECT_PATH =
  /(?:^|\/)[A-Z][A-Za-z0-9]*Tests?\/|(?:^|\/)[A-Z][A-Za-z0-9]*(?:Tests?|IT|Spec)\.(?:java|kt|cs|scala|groovy)$/;
export function isDocsPath(path: string): boolean {
  return (
    (DOCS_PATH.test(path) || TEST_PROJECT_PATH.test(path)) && !/(?:^|\/)(?:\.env|vault|secrets?)(?:[./]|$)/i.test(path)
  );
}

/** Words a test or an example password is made of. */
const EXAMPLE_WORDS =
  /test|passw|secret|example|sample|dummy|fake|demo|mock|fixture|qwerty|letmein|welcome|hunter|admin|changeit|123456|password|(?:^|[^a-z])(?:foo|bar|abc)(?:[^a-z]|$)/i;

/** Shannon entropy of a string, in bits per character. */
function entropy(v: string): number {
  const counts = new Map<string, number>();
  for (const ch of v) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / v.length) * Math.log2(n / v.length);
  return h;
}

/**
 * A value assigned to a secret-named key looks like a secret: long enough, not a word, not a name
 * or identifier, not a URL without credentials, not a dotted path (a binding or a lookup). In
 * test and documentation paths only values that look generated count (`Test123!` does not).
 */
export function looksSecretValue(v: string, docs: boolean): boolean {
  if (v.length < 8) return false;
  if (/^[?!]?(?:[a-z]+|[A-Z]+|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*)(?:\[\])?[?]?$/.test(v)) return false; // a word, a name, a type (minioadmin, Secret, camelCase, ?boolean)
  if (/^(?:[a-z]+(?:[-_. ][a-z]+)+|[A-Z]+(?:[-_. ][A-Z]+)+)$/.test(v)) return false; // confirmation-email, correct-horse-battery
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/:\/\/[^/@\s]*:[^/@\s]*@/.test(v)) return false; // a URL without credentials
  if (/^[A-Za-z_$][A-Za-z_$]*\d{0,2}(?:\.[A-Za-z_$][A-Za-z_$]*\d{0,2})+$/.test(v)) return false; // props.token, config.apiKey
  if (/^[\w.+-]+@[\w-]+\.[\w.-]+$/.test(v)) return false; // an e-mail address
  if (/^0x[0-9a-f]{40}$/i.test(v)) return false; // an Ethereum address (public; a private key is 64 hex digits)
  if (/^@?[a-z]+\d{0,2}(?:[-_.][a-z]+\d{0,2})*(?:[/:][a-z]+\d{0,2}(?:[-_.][a-z]+\d{0,2})*)+$/.test(v)) return false; // a namespaced name: @acme/auth:token:v2
  if (/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(v) && docs) return false;
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?$/.test(v)) return false; // a date
  if (!docs) return true;
  return (
    v.length >= 20 &&
    entropy(v) >= 3.6 &&
    !EXAMPLE_WORDS.test(v) &&
    [/[a-z]/, /[A-Z]/, /\d/].filter((r) => r.test(v)).length >= 2
  );
}

/** References and expressions rather than literal values. */
function notALiteral(v: string, quoted: boolean): boolean {
  if (/^_*[A-Z][A-Z0-9]*(?:_+[A-Z0-9]+)+_*$/.test(v)) return true; // names a vault key / env var (paas.yml: dsn: POSTGRES_DSN_PROD), a constant (__WEBPACK_MODULE_REFERENCE__)
  if (!quoted && /^[A-Za-z_$][A-Za-z_$]*\d{0,2}(?:\.[A-Za-z_$][A-Za-z_$]*\d{0,2})+(?:\(.*\))?$/.test(v)) return true; // secrets.X, process.env.X (not abc123.x9y8z7: a bootstrap token)
  if (!quoted && /[()[\]]/.test(v)) return true; // function calls, lookups
  if (/^(?:[~^<>=]*\d+(?:\.\d+)+(?:[-+][\w.]+)?|\d{1,7}[smhdw]?|0x[0-9a-f]{1,8})$/i.test(v)) return true; // versions, small numbers, durations (long digit runs and 123-abc shapes can be secrets)
  if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(v) || /\.(?:pem|key|json|txt|crt|p12|pfx|env|ya?ml|gpg|asc|age)$/i.test(v))
    return true; // file references
  if (/\s/.test(v)) return true; // prose
  if (quoted && /["'`]/.test(v) && /[()]/.test(v)) return true; // '"'.concat(x, '"'): code between quotes
  if (
    quoted &&
    (/^\+.*\+$/.test(v) ||
      /^\.[A-Za-z_$][\w$]*\(/.test(v) ||
      (/^\+/.test(v) && /[(){};]/.test(v)) ||
      /^[,:;=&|)]/.test(v) ||
      /[,:;(&|]$/.test(v))
  )
    return true; // a fragment of code between two strings ("token="+t+"")
  if (/^[a-z]+(?:_[a-z]+)+$/.test(v) || /^[a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return true; // identifiers: private_key_id, accessToken
  if (!/[A-Za-z]/.test(v) && !/\d{6,}/.test(v)) return true;
  return false;
}

/** xs sorted in place, ascending (the matcher reports keywords almost in order: most need no sort). */
function sortedNumbers(xs: number[]): number[] {
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) < (xs[i - 1] as number)) return xs.sort((a, b) => a - b);
  return xs;
}

/** What confirming a piece may read after it (see confirmPieces): truncatedExample() looks 12,000 characters on. */
const PIECE_AHEAD = 16384;

/**
 * Overlapping hits keep the most specific; nothing inside a private key's block (BEGIN to END) is
 * reported besides the key itself: a key body is base64, where a provider's token shape (Square's
 * `EAAA` + 60 characters, say) turns up by chance.
 */
function dedupe(hits: Hit[], text: string | Buffer): Hit[] {
  if (hits.length < 2) return hits;
  const blocks = hits
    .filter((h) => h.kind === 'private_key')
    .map((h) => [h.start, Math.max(h.end, text.indexOf('-----END ', h.end))] as const);
  const inBlock = (h: Hit) => h.kind !== 'private_key' && blocks.some(([s, e]) => h.start >= s && h.start < e);
  const sorted = hits
    .filter((h) => !inBlock(h))
    .sort((a, b) => priority(b.kind) - priority(a.kind) || a.start - b.start);
  const kept: Hit[] = [];
  for (const h of sorted) {
    if (kept.some((k) => h.start < k.end && k.start < h.end)) continue;
    kept.push(h);
  }
  return kept.sort((a, b) => a.start - b.start);
}
