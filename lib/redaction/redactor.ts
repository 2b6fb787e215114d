/**
 * The one redaction library. Every string that leaves the process goes through a Redactor.
 *
 * PUBLIC API (stable; other modules depend on it):
 *   new Redactor({ onRegister? })       onRegister is called once per registered raw value
 *                                       (the runner wires it to core.setSecret)
 *   register(value, name?)              registers a secret and its derived forms
 *   redact(text)                        registered values (all forms) + pattern detection → REDACTED
 *   redactDeep(value)                   same over JSON-like values (strings in objects/arrays)
 *   containsSecret(text)                true if redact(text) would change anything
 *   clip(text, max)                     redact(text), then shortened to at most max characters
 *   stream()                            StreamRedactor for chunked output
 *   size                                number of registered raw secrets
 *
 * onRegister receives each raw value once: the value, its trimmed form, each line of a
 * multi-line value, and the password (raw and URL-decoded) and URL of each DSN inside it.
 *
 * Also exported: derivedForms(value) and base64Aligned (the forms one value expands to),
 * isPlaceholder, keyNamesSecret, NON_SECRET_KEY_WORDS, SECRET_KEYWORD_SOURCE, TOKEN_RULES and Fam (pattern
 * definitions, shared with doctor). The matcher is in matcher.ts, the stream in stream.ts.
 * How it works: docs/redaction.md.
 */
import { PrefixAutomaton } from './aho.js';
import { expandSecret, MIN_SECRET_LENGTH } from './forms.js';
import { Intervals } from './intervals.js';
import { detectHits, ScanResult } from './lines.js';
import { Matcher } from './matcher.js';
import { REDACTED, type PemState } from './patterns.js';
import { createStream, type RedactionEngine } from './stream.js';
import { isWrappable, WrappedForms, type LiveStart, type WrapHistory } from './wrapped.js';

export { MIN_SECRET_LENGTH, derivedForms, base64Aligned } from './forms.js';
export {
  isPlaceholder,
  keyNamesSecret,
  NON_SECRET_KEY_WORDS,
  SECRET_KEYWORD_SOURCE,
  TOKEN_RULES,
  Fam,
  REDACTED,
} from './patterns.js';

interface RedactorOptions {
  onRegister?: (value: string) => void;
}

interface StreamRedactor {
  /** Feeds a chunk; returns the part that is safe to emit now. */
  write(chunk: string): string;
  /** Ends the stream; returns whatever was held back, redacted. */
  end(): string;
}

/**
 * Encodings searched only in the blank-free view (wrapped.ts), which also finds them unbroken:
 * base32 and Z85 (only tools print them, wrapped), kept out of the main scan's filters.
 */
const VIEW_ONLY = new Set(['base32', 'z85']);

/** redactDeep(): objects nested deeper than this become TOO_DEEP. */
const MAX_DEEP = 64;
/** redactDeep(): what replaces an object met again inside itself. */
const CIRCULAR = '[circular]';
/** redactDeep(): what replaces an object nested deeper than MAX_DEEP (fail closed). */
const TOO_DEEP = '[nested too deep]';

/** Marks the end of a text cut by clip(). */
export const CLIP_MARK = '…';

/** Shortest text anything can match in: a registered form (6) or a pattern (`token=x`, 7). */
const SHORTEST_MATCH = MIN_SECRET_LENGTH;

export class Redactor implements RedactionEngine {
  private readonly raw = new Set<string>();
  private readonly notified = new Set<string>();
  private readonly matcher = new Matcher();
  /** forms that tools print wrapped (base64, hex...), searched with whitespace ignored */
  private readonly wrapped = new WrappedForms();
  private readonly onRegister?: (value: string) => void;
  private readonly multiLine: string[] = [];
  private automaton: PrefixAutomaton | null = null;
  private formsVersion = 0;
  private longestSingleLine = 0;

  constructor(opts: RedactorOptions = {}) {
    this.onRegister = opts.onRegister;
  }

  /** Number of distinct values accepted by register(). */
  get size(): number {
    return this.raw.size;
  }

  /**
   * Registers a secret: the value, its trimmed form, each line of a multi-line value, the parts
   * of connection strings it holds (password, decoded password, the URL), and every encoding of
   * those (see forms.ts). Values shorter than MIN_SECRET_LENGTH (once trimmed) are ignored.
   */
  register(value: string, _name?: string): void {
    if (typeof value !== 'string' || this.raw.has(value) || value.trim().length < MIN_SECRET_LENGTH) return;
    this.raw.add(value);
    const { raw, forms } = expandSecret(value);
    let added = false;
    for (const [form, encoding] of forms) {
      if (VIEW_ONLY.has(encoding)) {
        // found by the blank-free view (wrapped or not) and in dumps; the main scan needs not know them
        const before = this.wrapped.size;
        this.wrapped.add(form);
        this.wrapped.dumps.add(form);
        if (this.wrapped.size > before) added = true;
        continue;
      }
      if (!this.matcher.add(form)) continue;
      if (isWrappable(form, encoding)) this.wrapped.add(form);
      this.wrapped.dumps.add(form);
      added = true;
      if (/[\r\n]/.test(form)) {
        this.multiLine.push(form);
        this.automaton = null;
      } else if (form.length > this.longestSingleLine) {
        this.longestSingleLine = form.length;
      }
    }
    if (added) this.formsVersion++;
    for (const r of raw) {
      if (this.notified.has(r)) continue;
      this.notified.add(r);
      this.onRegister?.(r);
    }
  }

  /** Registered values (all forms) and detected patterns replaced by REDACTED. */
  redact(text: string): string {
    if (typeof text !== 'string' || text.length < SHORTEST_MATCH) return text;
    const spans = this.find(text);
    if (spans.length === 0) return text;
    return spans.apply(text, 0, text.length, REDACTED);
  }

  /**
   * Text for a bounded place (an error reason, an annotation, a hint): redacted first, then cut to
   * at most `max` characters, the cut marked with CLIP_MARK. Never the other way round: a secret
   * that straddles a cut made first no longer matches, and its first part would be printed. The
   * cut never splits a REDACTED marker (it moves before it) nor a surrogate pair.
   */
  clip(text: string, max: number): string {
    const red = this.redact(String(text));
    if (red.length <= max) return red;
    if (max <= CLIP_MARK.length) return CLIP_MARK.slice(0, Math.max(0, max));
    let cut = max - CLIP_MARK.length;
    // inside a REDACTED marker (a run of '*' holding one): cut before the run
    if (red[cut - 1] === '*' && red[cut] === '*') {
      let a = cut;
      while (a > 0 && red[a - 1] === '*') a--;
      let b = cut;
      while (b < red.length && red[b] === '*') b++;
      if (b - a >= REDACTED.length) cut = a;
    }
    const c = red.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    return red.slice(0, cut) + CLIP_MARK;
  }

  /** True if redact(text) would change anything. */
  containsSecret(text: string): boolean {
    if (typeof text !== 'string' || text.length < SHORTEST_MATCH) return false;
    return this.find(text).length > 0;
  }

  /**
   * redact() over JSON-like values: strings (values and keys) in plain objects and arrays; Errors
   * keep their class (message, stack and other properties redacted), Maps and Sets are copied,
   * a URL becomes its redacted text, Dates and binary data are returned as they are. Any other
   * object becomes a plain object of its own enumerable properties, redacted (fail closed). Fails
   * closed on shape too: an object met again inside itself (a cycle) becomes CIRCULAR, and an
   * object nested more than MAX_DEEP levels down becomes TOO_DEEP, never the original.
   */
  redactDeep<T>(value: T): T {
    return this.deep(value, 0, new Map(), new Set()) as T;
  }

  /**
   * redact() of a string met during one redactDeep() call: each distinct string is scanned once
   * (a report repeats its keys, kinds and paths: doctor's ~2,000 strings are ~500 distinct).
   */
  private redactOnce(text: string, seen: Map<string, string>): string {
    if (text.length < SHORTEST_MATCH) return text;
    let red = seen.get(text);
    if (red === undefined) {
      red = this.redact(text);
      seen.set(text, red);
    }
    return red;
  }

  private deep(value: unknown, depth: number, seen: Map<string, string>, path: Set<object>): unknown {
    if (typeof value === 'string') return this.redactOnce(value, seen);
    if (value === null || typeof value !== 'object') return value;
    if (path.has(value)) return CIRCULAR;
    if (depth > MAX_DEEP) return TOO_DEEP;
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value))
      return value;
    if (value instanceof URL) return this.redactOnce(value.href, seen);
    path.add(value);
    try {
      const deep = (v: unknown) => this.deep(v, depth + 1, seen, path);
      if (Array.isArray(value)) return value.map(deep);
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [deep(k), deep(v)]));
      if (value instanceof Set) return new Set([...value].map(deep));
      if (value instanceof Error) {
        const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
        for (const key of Object.getOwnPropertyNames(value)) {
          copy[key] = deep((value as unknown as Record<string, unknown>)[key]);
        }
        return copy;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redactOnce(k, seen)] = deep(v);
      return out;
    } finally {
      path.delete(value);
    }
  }

  stream(): StreamRedactor {
    return createStream(this, REDACTED);
  }

  private find(text: string): Intervals {
    const spans = new Intervals();
    const scan = new ScanResult(spans);
    this.matcher.scan(text, 0, text.length, scan);
    this.wrapped.scan(text, 0, text.length, (a, b) => spans.add(a, b));
    this.wrapped.dumps.scan(text, text.length, true, (a, b) => spans.add(a, b));
    if (scan.hitPos.length > 0) {
      scan.sortHits();
      const pem: PemState = { open: false, start: 0 };
      detectHits(text, scan.hitPos, scan.hitFam, 0, text.length, pem, spans);
      if (pem.open) spans.add(pem.start, text.length);
    }
    spans.normalize();
    return spans;
  }

  // RedactionEngine (used by stream.ts)

  /** Incremented whenever forms are added; streams rescan what they hold when it changes. */
  get version(): number {
    return this.formsVersion;
  }

  /** Longest registered form without a line break. */
  get maxSingleLine(): number {
    return this.longestSingleLine;
  }

  scan(text: string, from: number, to: number, out: ScanResult): void {
    this.matcher.scan(text, from, to, out);
  }

  /** Longest form searched with whitespace ignored (0 when none). */
  get maxWrappedLength(): number {
    return this.wrapped.maxLength;
  }

  scanWrapped(
    text: string,
    from: number,
    to: number,
    add: (start: number, end: number) => void,
    hist: WrapHistory,
  ): void {
    this.wrapped.scan(text, from, to, add, hist);
  }

  /** Hex dumps (dumps.ts) in text[0, to); `complete`: the text's end is a line end. */
  scanDumps(text: string, to: number, complete: boolean, add: (start: number, end: number) => void): void {
    this.wrapped.dumps.scan(text, to, complete, add);
  }

  wrapHoldFrom(text: string, from: number, to: number, hist: WrapHistory, incomplete: number, live: LiveStart): number {
    return this.wrapped.holdFrom(text, from, to, hist, incomplete, live);
  }

  /** Automaton over the forms that contain a line break (null when there are none). */
  multiLineAutomaton(): PrefixAutomaton | null {
    if (this.multiLine.length === 0) return null;
    this.automaton ??= new PrefixAutomaton(this.multiLine);
    return this.automaton;
  }
}
