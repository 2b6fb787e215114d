/**
 * Wrapped encodings: an encoded form of a registered secret broken up by whitespace at arbitrary
 * places. `base64` wraps at 76 columns, `openssl base64` at 64, `base64 -w N` at N, `xxd -p` at
 * 60 hex characters, `od -An -tx1` prints space-separated byte pairs, 16 per line; lines end in
 * `\n` or `\r\n`. No piece on its own matches a registered form, so every line but the one
 * holding the start of a form used to be printed, and the secret could be rebuilt from them.
 *
 * The class is handled as such: the *wrappable* forms (base64, base64url, hex, a PEM body, and raw
 * values that look like tokens) are searched in a view of the text with every whitespace
 * character removed, and a match is mapped back to the text: from its first character to its
 * last, whitespace included, it becomes one redacted span.
 *
 * One rule keeps streams responsive (stream.ts holds back only what can still be a secret): when
 * the part of a match before its first line break is shorter than WRAP_MIN_HEAD characters, the
 * span starts after that line break. A completed line whose end is one or two characters that
 * could begin a form is then emitted at once instead of waiting for the next line (with hundreds
 * of forms, almost every line ending in a letter could); at most WRAP_MIN_HEAD - 1 characters of
 * an encoding are printed, which cannot rebuild anything. redact() and stream() apply the same
 * rule, so their outputs stay equal.
 */
import { DumpForms, someBeginsWith } from './dumps.js';
import { LiteralHits, Matcher } from './matcher.js';

/** See the file comment: a wrapped match's part before its first line break must be this long to be masked. */
const WRAP_MIN_HEAD = 4;
/** Shortest wrappable form (MIN_SECRET_LENGTH). */
const MIN_FORM = 6;

// eslint-disable-next-line no-control-regex -- whitespace here is every code unit up to 32
const HAS_WS = /[\x00-\x20]/;
/** Raw values searched wrapped: printable ASCII (the view is compared byte by byte). */
const PRINTABLE = /^[\x21-\x7e]+$/;
/** Encodings whose output tools wrap. */
const ENCODED = new Set(['base64', 'base64url', 'hex', 'pem-body', 'base32', 'z85']);
/**
 * Raw values (and lines of multi-line ones) this long are searched wrapped too (`fold`, terminals
 * and log viewers wrap long tokens); shorter ones could be made of words of ordinary text.
 */
const MIN_RAW_WRAPPED = 12;

export function isWrappable(form: string, encoding: string): boolean {
  if (HAS_WS.test(form)) return false;
  return (
    ENCODED.has(encoding) ||
    ((encoding === 'raw' || encoding === 'line') && form.length >= MIN_RAW_WRAPPED && PRINTABLE.test(form))
  );
}

function isBreak(c: number): boolean {
  return c === 10 || c === 13;
}

/** `n`, `r`, `t`: after a backslash, an escaped line break or tab (JSON, logs of JSON). */
function isEscapeLetter(c: number): boolean {
  return c === 110 || c === 114 || c === 116;
}

/**
 * Length of the blank ending just before `end` (walking backwards): 1 for a character up to 32,
 * 2 for an escape `\n`, `\r`, `\t`, 0 when text[end - 1] is not blank. `brk` reports a line break.
 */
function blankBefore(text: string, end: number, floor: number): number {
  const c = text.charCodeAt(end - 1);
  if (c <= 32) return 1;
  if (isEscapeLetter(c) && end - 2 >= floor && text.charCodeAt(end - 2) === 92) return 2;
  return 0;
}

/** Length of the blank starting at `i` (walking forwards): 1, 2 (an escape) or 0. */
function blankAt(text: string, i: number, to: number): number {
  const c = text.charCodeAt(i);
  if (c <= 32) return 1;
  if (c === 92 && i + 1 < to && isEscapeLetter(text.charCodeAt(i + 1))) return 2;
  return 0;
}

/** Whether the blank starting at `i` is a line break (a real one or an escaped `\n`, `\r`). */
function breakAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isBreak(c) || (c === 92 && (text.charCodeAt(i + 1) === 110 || text.charCodeAt(i + 1) === 114));
}

/**
 * What a stream has already emitted that a wrapped match may still start in: the last (at most
 * WRAP_MIN_HEAD - 1) non-whitespace characters of its last emitted line, and whether a line break
 * was emitted after them.
 */
export interface WrapHistory {
  chars: string;
  brokeAfter: boolean;
}

export const EMPTY_HISTORY: WrapHistory = { chars: '', brokeAfter: false };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
let inBytes = Buffer.allocUnsafeSlow(1 << 16);
let inWords = new Int32Array(inBytes.buffer, 0, inBytes.length >> 2);
let outBytes = Buffer.allocUnsafeSlow((1 << 16) + 16);
let outWords = new Int32Array(outBytes.buffer, 0, outBytes.length >> 2);

function growScratch(len: number, prefix: number): void {
  if (inBytes.length < len + 8) {
    inBytes = Buffer.allocUnsafeSlow(len + 8);
    inWords = new Int32Array(inBytes.buffer, 0, inBytes.length >> 2);
  }
  if (outBytes.length < len + prefix + 16) {
    outBytes = Buffer.allocUnsafeSlow(len + prefix + 16);
    outWords = new Int32Array(outBytes.buffer, 0, outBytes.length >> 2);
  }
}

/** Stores the 4 bytes of v at byte offset w of the words ow (w need not be a multiple of 4). */
function storeWord(ow: Int32Array, w: number, v: number): void {
  const sh = (w & 3) << 3;
  const k = w >> 2;
  if (sh === 0) ow[k] = v;
  else {
    ow[k] = ((ow[k] as number) & ((1 << sh) - 1)) | (v << sh);
    ow[k + 1] = v >>> (32 - sh);
  }
}

/**
 * Stores the bytes of v above 32 from out[w] on and returns the new end. No branch on the bytes:
 * each is written and kept (w advanced) when above 32 (log text has a blank every few characters,
 * at unpredictable places).
 */
function storeAbove32(out: Uint8Array, w: number, v: number): number {
  let c = v & 255;
  out[w] = c;
  w += (32 - c) >>> 31;
  c = (v >>> 8) & 255;
  out[w] = c;
  w += (32 - c) >>> 31;
  c = (v >>> 16) & 255;
  out[w] = c;
  w += (32 - c) >>> 31;
  c = v >>> 24;
  out[w] = c;
  return w + ((32 - c) >>> 31);
}

/**
 * Writes `prefix` + text[from, to) without its whitespace into outBytes as Latin-1 (the low byte
 * of each character; bytes 0-32 are dropped) and returns the length. Four characters at a time:
 * a word without a byte below 33 is copied whole (shifted into place), others byte by byte.
 */
function compact(text: string, from: number, to: number, prefix: string): number {
  const len = to - from;
  growScratch(len, prefix.length);
  const src = inBytes;
  const out = outBytes;
  const ow = outWords;
  const iw = inWords;
  src.write(from === 0 && to === text.length ? text : text.slice(from, to), 0, len, 'latin1');
  let w = prefix.length > 0 ? out.write(prefix, 0, 'latin1') : 0;
  const nw = LITTLE_ENDIAN ? len >> 2 : 0;
  // a backslash waiting for the next byte: `\n`, `\r`, `\t` are dropped as blanks (escaped text)
  let pending = false;
  for (let j = 0; j < nw; j++) {
    const v = iw[j] as number;
    const bs = v ^ 0x5c5c5c5c;
    const backslash = ((bs - 0x01010101) & ~bs & 0x80808080) !== 0;
    // no byte below 33 and no backslash (each test is exact for "any"): the whole word
    if (!pending && !backslash && ((v - 0x21212121) & ~v & 0x80808080) === 0) {
      storeWord(ow, w, v);
      w += 4;
      continue;
    }
    if (!pending && !backslash) {
      w = storeAbove32(out, w, v);
      continue;
    }
    for (let b = 0; b < 32; b += 8) {
      const c = (v >>> b) & 255;
      if (pending) {
        pending = false;
        if (isEscapeLetter(c)) continue;
        out[w++] = 92;
      }
      if (c <= 32) continue;
      if (c === 92) pending = true;
      else out[w++] = c;
    }
  }
  for (let j = nw << 2; j < len; j++) {
    const c = src[j] as number;
    if (pending) {
      pending = false;
      if (isEscapeLetter(c)) continue;
      out[w++] = 92;
    }
    if (c <= 32) continue;
    if (c === 92) pending = true;
    else out[w++] = c;
  }
  if (pending) out[w++] = 92;
  return w;
}

/** The scratch buffers grow with the longest text scanned; past 4 MiB they are given back. */
function releaseLarge(): void {
  if (inBytes.length > 1 << 22) {
    inBytes = Buffer.allocUnsafeSlow(1 << 16);
    inWords = new Int32Array(inBytes.buffer, 0, inBytes.length >> 2);
  }
  if (outBytes.length > 1 << 22) {
    outBytes = Buffer.allocUnsafeSlow((1 << 16) + 16);
    outWords = new Int32Array(outBytes.buffer, 0, outBytes.length >> 2);
  }
}

/**
 * Hash of text[i, i + 4) for the `heads` filter: a Bloom filter of 2^20 bits, two bits per head
 * (bits h >>> 12 and h & 0xfffff), so that few of the positions of a long run pass it.
 */
function headHash(text: string, i: number): number {
  const k =
    text.charCodeAt(i) ^
    (text.charCodeAt(i + 1) << 8) ^
    (text.charCodeAt(i + 2) << 16) ^
    (text.charCodeAt(i + 3) << 24);
  return Math.imul(k ^ (k >>> 15), 0x9e3779b1);
}

/** The heads filter of a WrappedForms without forms (allocated on the first one). */
const EMPTY_HEADS = new Int32Array(0);

function hasHead(heads: Int32Array, h: number): boolean {
  const a = h >>> 12;
  const b = h & 0xfffff;
  return ((heads[a >>> 5] as number) & (1 << (a & 31))) !== 0 && ((heads[b >>> 5] as number) & (1 << (b & 31))) !== 0;
}

function addHead(heads: Int32Array, h: number): void {
  const a = h >>> 12;
  const b = h & 0xfffff;
  heads[a >>> 5] = (heads[a >>> 5] as number) | (1 << (a & 31));
  heads[b >>> 5] = (heads[b >>> 5] as number) | (1 << (b & 31));
}

function fromCodes(codes: number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 4096) out += String.fromCharCode(...codes.slice(i, i + 4096));
  return out;
}

/**
 * Where a stream's trailing run may still start a form (holdFrom() reads and updates it): a
 * position of the text, `from` when the history may too. A tail that begins no form never will,
 * however the text goes on (a longer text beginning a form would make its start begin one too),
 * so each write looks only at what came after the start found last time, not at the whole run.
 */
export interface LiveStart {
  start: number;
}

/** What holdWrapped() found at the end of the text (see trailingRun). */
interface TrailingRun {
  tail: string;
  at: number[];
  histUsed: number;
}

/**
 * The WRAP_MIN_HEAD rule for a form in progress starting at `first` (or `head` characters back in
 * the history): when its part before the first line break is shorter than WRAP_MIN_HEAD, that part
 * is not masked, so the stream may emit up to a real line break and hold from the next line:
 * returns where to hold from, or -1 when the rule does not apply.
 */
function holdAfterShortHead(
  text: string,
  from: number,
  to: number,
  hist: WrapHistory,
  head: number,
  first: number,
): number {
  let brk = -1;
  if (head > 0 && hist.brokeAfter) brk = from - 1;
  else {
    for (let p = head > 0 ? from : first; p < to;) {
      const b = blankAt(text, p, to);
      if (b > 0 && breakAt(text, p)) {
        brk = p;
        break;
      }
      if (b === 0) head++;
      p += b || 1;
    }
  }
  if (brk < 0 || head >= WRAP_MIN_HEAD) return -1;
  // an escaped break is inside a line: the line is held whole, which is always safe
  if (brk >= from && !isBreak(text.charCodeAt(brk))) return -1;
  let p = brk + 1;
  if (p < to && text.charCodeAt(brk) === 13 && text.charCodeAt(p) === 10) p++;
  return Math.max(from, p);
}

export class WrappedForms {
  private readonly matcher = new Matcher({ builtins: false });
  private readonly list: string[] = [];
  private sorted: string[] | null = null;
  /** UTF-16 code units that occur in some form */
  private readonly alphabet = new Uint8Array(65536);
  /** Bloom filter of the forms' first four characters (headHash) */
  private heads = EMPTY_HEADS;
  maxLength = 0;
  /** every form, searched as bytes in hex dumps (dumps.ts) */
  readonly dumps = new DumpForms();

  get size(): number {
    return this.list.length;
  }

  add(form: string): void {
    if (form.length < MIN_FORM || !this.matcher.add(form)) return;
    this.list.push(form);
    this.sorted = null;
    for (let i = 0; i < form.length; i++) this.alphabet[form.charCodeAt(i)] = 1;
    if (this.heads === EMPTY_HEADS) this.heads = new Int32Array(1 << 15); // 128 KiB, on the first form
    addHead(this.heads, headHash(form, 0));
    if (form.length > this.maxLength) this.maxLength = form.length;
  }

  /**
   * Reports, as [start, end) in text, every wrapped form lying in `hist` + text[from, to) (`hist`:
   * what a stream emitted before `from`, see WrapHistory; spans starting there are clipped to
   * `from`). Occurrences without whitespace inside are reported too (the main scan finds them as
   * well; spans merge).
   */
  scan(
    text: string,
    from: number,
    to: number,
    add: (start: number, end: number) => void,
    hist: WrapHistory = EMPTY_HISTORY,
  ): void {
    if (this.list.length === 0 || to - from + hist.chars.length < MIN_FORM) return;
    const n = compact(text, from, to, hist.chars);
    if (n < MIN_FORM) return;
    const hits = new LiteralHits();
    this.matcher.scanLatin1(outBytes.subarray(0, n), hits);
    releaseLarge();
    if (hits.starts.length === 0) return;
    // map view positions back: pos[i] is the text position of view character i (hist: -1),
    // brk[i] whether a line break lies between view characters i - 1 and i
    const h = hist.chars.length;
    const pos = new Int32Array(n);
    const brk = new Uint8Array(n + 1);
    pos.fill(-1, 0, h);
    let k = h;
    let sawBreak = hist.brokeAfter;
    const keep = (i: number) => {
      if (sawBreak) brk[k] = 1;
      sawBreak = false;
      pos[k++] = i;
    };
    // the same walk as compact(), over the same low bytes
    let pendingAt = -1;
    for (let i = from; i < to && k < n; i++) {
      const c = text.charCodeAt(i) & 255;
      if (pendingAt >= 0) {
        const b = pendingAt;
        pendingAt = -1;
        if (isEscapeLetter(c)) {
          if (c !== 116) sawBreak = true;
          continue;
        }
        keep(b);
      }
      if (c <= 32) {
        if (isBreak(c)) sawBreak = true;
        continue;
      }
      if (c === 92) pendingAt = i;
      else keep(i);
    }
    if (pendingAt >= 0 && k < n) keep(pendingAt);
    for (let m = 0; m < hits.starts.length; m++) {
      const cs = hits.starts[m] as number;
      const ce = hits.ends[m] as number;
      if (!this.genuine(text, hist.chars, pos, cs, ce)) continue;
      let st = cs;
      for (let i = cs + 1; i < ce && i - cs < WRAP_MIN_HEAD; i++) {
        if (brk[i]) {
          st = i;
          break;
        }
      }
      add(Math.max(from, pos[st] as number), (pos[ce - 1] as number) + 1);
    }
  }

  /**
   * The byte view keeps the low byte of each character and drops characters whose low byte is
   * 32 or less (and escapes `\n`, `\r`, `\t`): a match counts only if its characters are really
   * those bytes (below 256) and what was dropped between them is really whitespace, control
   * characters or such escapes.
   */
  private genuine(text: string, hist: string, pos: Int32Array, cs: number, ce: number): boolean {
    let prev = -1;
    for (let i = cs; i < ce; i++) {
      const p = pos[i] as number;
      if (p < 0) {
        if (hist.charCodeAt(i) > 255) return false;
        continue;
      }
      if (text.charCodeAt(p) > 255) return false;
      if (prev >= 0) {
        for (let q = prev + 1; q < p;) {
          const b = blankAt(text, q, p);
          if (b === 0) return false;
          q += b;
        }
      }
      prev = p;
    }
    return true;
  }

  /**
   * Where a stream must start holding back text[from, to) so that no part of a wrapped form still
   * in progress is emitted: the start of the longest tail of hist + text (whitespace ignored) that
   * is the beginning of a wrappable form, moved to the start of its line when that line is complete
   * (emit whole lines), or past the first line break after it when the part before that break is
   * shorter than WRAP_MIN_HEAD (the scan does not mask that part either). `to` when nothing is in
   * progress. `incomplete`: where the line still being written starts.
   */
  holdFrom(
    text: string,
    from: number,
    to: number,
    hist: WrapHistory = EMPTY_HISTORY,
    incomplete = to,
    live: LiveStart = { start: from },
  ): number {
    const wrapped = this.holdWrapped(text, from, to, hist, incomplete, live);
    if (this.dumps.size === 0 || wrapped <= from) return wrapped;
    return Math.max(from, Math.min(wrapped, this.dumps.holdFrom(text, to, incomplete)));
  }

  private holdWrapped(
    text: string,
    from: number,
    to: number,
    hist: WrapHistory,
    incomplete: number,
    live: LiveStart,
  ): number {
    if (this.list.length === 0) return to;
    const run = this.trailingRun(text, from, to, hist, live.start);
    const s = run.tail.length === 0 ? -1 : this.longestFormStart(run.tail);
    const first = s < 0 ? to : s < run.histUsed ? from : (run.at[s - run.histUsed] as number);
    live.start = first;
    if (s < 0) return to;
    const afterBreak = holdAfterShortHead(text, from, to, hist, s < run.histUsed ? run.histUsed - s : 0, first);
    if (afterBreak >= 0) return afterBreak;
    if (s < run.histUsed) return from;
    // in the incomplete line (`incomplete`: its start), which the stream holds anyway unless it is
    // too long: from the first character; otherwise whole lines, from the start of its line
    if (first >= incomplete) return first;
    let ls = first;
    while (ls > from && !isBreak(text.charCodeAt(ls - 1))) ls--;
    return ls;
  }

  /**
   * The trailing run of hist + text[from, to) made of characters of forms and blanks, blanks
   * removed, at most maxLength characters: `tail`, where each of its characters after the first
   * `histUsed` (taken from the history) lies in text (`at`).
   */
  private trailingRun(text: string, from: number, to: number, hist: WrapHistory, live: number): TrailingRun {
    const max = this.maxLength;
    const codes: number[] = [];
    const at: number[] = [];
    const floor = Math.max(from, live);
    let e = to;
    while (e > floor && codes.length < max) {
      const b = blankBefore(text, e, from);
      if (b > 0) {
        e -= b;
        continue;
      }
      const c = text.charCodeAt(e - 1);
      if (this.alphabet[c] !== 1) break;
      codes.push(c);
      at.push(e - 1);
      e--;
    }
    codes.reverse();
    at.reverse();
    let histUsed = 0;
    if (e <= from && live <= from && codes.length < max) {
      // all of text[from, to) can continue what was emitted before it: the history's alphabet tail
      const hc = hist.chars;
      while (
        histUsed < hc.length &&
        histUsed < max - codes.length &&
        this.alphabet[hc.charCodeAt(hc.length - 1 - histUsed)] === 1
      )
        histUsed++;
      return { tail: hc.slice(hc.length - histUsed) + fromCodes(codes), at, histUsed };
    }
    return { tail: fromCodes(codes), at, histUsed };
  }

  /**
   * Start of the longest suffix of tail that begins some form, -1 when none does. A suffix of 4 or
   * more characters is looked up only when its first four are the first four of some form (the
   * `heads` filter): the run is often hundreds of characters, of which few could start a form.
   */
  private longestFormStart(tail: string): number {
    const n = tail.length;
    for (let s = 0; s < n; s++) {
      if (n - s >= 4 && !hasHead(this.heads, headHash(tail, s))) continue;
      if (this.beginsForm(tail.slice(s))) return s;
    }
    return -1;
  }

  /** Whether some wrappable form longer than `s` starts with `s` (a complete one is already matched). */
  private beginsForm(s: string): boolean {
    return someBeginsWith((this.sorted ??= [...this.list].sort()), s, true);
  }
}

/**
 * The history after a stream emitted text[0, b), given the history before it (see WrapHistory).
 */
export function nextHistory(text: string, b: number, prev: WrapHistory): WrapHistory {
  const want = WRAP_MIN_HEAD - 1;
  let chars = '';
  let brokeAfter = false;
  let e = b;
  while (e > 0 && chars.length < want) {
    const k = blankBefore(text, e, 0);
    if (k > 0) {
      if (breakAt(text, e - k)) {
        if (chars.length > 0) return { chars, brokeAfter };
        brokeAfter = true;
      }
      e -= k;
      continue;
    }
    chars = text[e - 1] + chars;
    e--;
  }
  if (e > 0) return { chars, brokeAfter };
  // reached the start of what was emitted: the previous history may continue this line
  if (chars.length === 0) return { chars: prev.chars, brokeAfter: prev.brokeAfter || brokeAfter };
  if (prev.brokeAfter) return { chars, brokeAfter };
  return { chars: (prev.chars + chars).slice(-want), brokeAfter };
}
