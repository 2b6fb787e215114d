/**
 * The multi-pattern matcher: finds every occurrence of every registered form, and every pattern
 * anchor, in one pass that does not loop over secrets.
 *
 * Method (a sampled q-gram filter with verification):
 * - The text is copied as Latin-1 (one byte per UTF-16 code unit: its low byte) into a scratch
 *   buffer viewed as an Int32Array, so one read yields a 4-character "word". Only the words at
 *   positions 0, 4, 8... are read: a quarter of the positions, one memory read each. Words are
 *   case-folded (bit 0x20 set in each byte) so that case-insensitive anchors share the index.
 * - Every occurrence of a string of length >= 7 covers one of those words at an offset 0..3 from
 *   its start. So each form is indexed under its first four words (offsets 0, 1, 2, 3); a form of
 *   exactly 6 characters (the minimum) is indexed as the 7-character window "any character +
 *   form" (128 folded variants of its first word). Pattern anchors shorter than 7 characters are
 *   padded the same way with the characters that must surround them (patterns.ts).
 * - A word is checked against a Bloom filter (one read, three bits; well under 0.1% false
 *   positives).
 *   On a hit, when every entry of that word has a following word (forms of 8+ characters), a
 *   second filter of (word, next word) pairs is checked; only then the hash table is read, whose entries say "form
 *   F (or anchor A) starts D characters before this word", and the text is compared with the
 *   form (String.prototype.startsWith).
 *
 * Cost: one memory read, one multiplication and a mask test per 4 characters plus a native
 * Latin-1 copy, whatever the number of registered secrets (the bitsets grow with it, the false
 * positive rate stays the same). See docs/redaction.md and bench/redact.mjs.
 *
 * A caller that holds the text's bytes (a file read into a buffer: doctor) can skip the copy:
 * scan(..., latin1) reads them in place, and scanLatin1() scans bytes without any string, so that
 * one is made only where something was reported. A caller may also add anchors of its own
 * (MatcherOptions.anchors: doctor's token formats), found in the same pass.
 */
import {
  ANCHORS,
  ANY,
  NATIVE_TRIGGERS,
  NATIVE_TRIGGERS_BYTES,
  MAX_WINDOW,
  type Anchor,
  type ByteClass,
} from './patterns.js';
import { FOLD_MASK, LANE_SHIFT, PAIR_MIX, THIRD_BIT, WORD_HASH, WordIndex, packWord } from './words.js';

/** Minimum registered form length; see MIN_SECRET_LENGTH. */
const MIN_FORM_LENGTH = 6;

export interface ScanSink {
  /** a registered form occurs at [start, end) */
  literal(start: number, end: number): void;
  /** a pattern anchor of family `fam` starts at `pos` */
  trigger(pos: number, fam: number): void;
}

/** A sink that keeps only the registered forms found (matchers built with `builtins: false`). */
export class LiteralHits implements ScanSink {
  starts: number[] = [];
  ends: number[] = [];
  literal(start: number, end: number): void {
    this.starts.push(start);
    this.ends.push(end);
  }
  trigger(): void {}
}

const BLOCK = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Anchor entries: the built-in ones are indexed once per process and shared by every matcher
// (whose filters include them); a matcher may add anchors of its own (MatcherOptions.anchors).

function windowClasses(a: Anchor): ByteClass[] {
  const lit = (a.ci ? a.text.toLowerCase() : a.text).split('').map((ch) => [(ch.charCodeAt(0) & 255) | 0x20]);
  return [...a.before, ...lit, ...a.after];
}

/**
 * Writes every word k0[a] | k1[b] | k2[c] | k3[d] (case-folded) of one window offset, with the
 * entry (id, delta), from index n on; returns the index after the last. One flat loop (an odometer
 * over the four lanes, the last lane fastest): nested loops here made V8 compile the innermost one
 * on its own (OSR) and leave that code at every exit, hundreds of times at each start.
 */
function productWords(
  words: Int32Array,
  ids: Int32Array,
  deltas: Int32Array,
  from: number,
  lanes: readonly [number[], number[], number[], number[]],
  id: number,
  delta: number,
): number {
  const [k0, k1, k2, k3] = lanes;
  const total = k0.length * k1.length * k2.length * k3.length;
  let n = from;
  let i0 = 0;
  let i1 = 0;
  let i2 = 0;
  let i3 = 0;
  for (let t = 0; t < total; t++) {
    words[n] = (k0[i0] as number) | (k1[i1] as number) | (k2[i2] as number) | (k3[i3] as number) | FOLD_MASK;
    ids[n] = id;
    deltas[n++] = delta;
    if (++i3 === k3.length) {
      i3 = 0;
      if (++i2 === k2.length) {
        i2 = 0;
        if (++i1 === k1.length) {
          i1 = 0;
          i0++;
        }
      }
    }
  }
  return n;
}

/**
 * Filter size (log2 of its bits) of an anchor set without a base: room for the built-in anchors and
 * doctor's on top of them (~71,000 words; 131,072 fit), so that a set built on the built-in one has
 * its size and copies its filter instead of marking every built-in word again in a larger one
 * (3.6 ms of cold code at each doctor start), for 384 KB more memory.
 */
const ANCHOR_BITS_LOG = 22;

/** A list of anchors with their word index: finds which anchors start around a word. */
class AnchorSet {
  readonly index: WordIndex;
  private readonly lower: string[];
  // each anchor's case-insensitivity and family, by id: the hot paths read these arrays, not the
  // Anchor objects (built in several places with different shapes, which made V8 deoptimize the
  // scan when the second set's anchors first passed through it)
  private readonly ci: Uint8Array;
  private readonly fam: Int32Array;
  /** each anchor's `lower`, as bytes: litBytes[litAt[id], litAt[id + 1]) */
  private readonly litBytes: Uint8Array;
  private readonly litAt: Int32Array;
  /** longest window (see MAX_WINDOW) */
  readonly window: number;

  constructor(anchors: readonly Anchor[], base: WordIndex | null) {
    this.index = new WordIndex(base, true, ANCHOR_BITS_LOG);
    this.lower = anchors.map((a) => (a.ci ? a.text.toLowerCase() : a.text));
    this.ci = Uint8Array.from(anchors, (a) => (a.ci ? 1 : 0));
    this.fam = Int32Array.from(anchors, (a) => a.fam);
    this.litBytes = Buffer.from(this.lower.join(''), 'latin1');
    this.litAt = new Int32Array(anchors.length + 1);
    for (let id = 0; id < anchors.length; id++)
      this.litAt[id + 1] = (this.litAt[id] as number) + (this.lower[id] as string).length;
    // every word of every window position (the product of its four byte classes), then indexed at once
    const windows = anchors.map(windowClasses);
    let total = 0;
    // the four window offsets indexed: from the anchor's `skip` (words rare in text), else from 0
    const first = anchors.map((a, id) => {
      const k = a.skip ?? 0;
      if (k > 0 && k + 7 > (windows[id] as ByteClass[]).length)
        throw new Error(`anchor ${a.text}: skip ${k} leaves fewer than 7 window characters`);
      return k;
    });
    for (let id = 0; id < windows.length; id++) {
      const win = windows[id] as ByteClass[];
      const k = first[id] as number;
      for (let o = k; o < k + 4 && o + 4 <= win.length; o++)
        total += win.slice(o, o + 4).reduce((n, c) => n * c.length, 1);
    }
    const words = new Int32Array(total);
    const ids = new Int32Array(total);
    const deltas = new Int32Array(total);
    let n = 0;
    for (let id = 0; id < windows.length; id++) {
      const win = windows[id] as ByteClass[];
      const before = (anchors[id] as Anchor).before.length;
      const k = first[id] as number;
      for (let o = k; o < k + 4 && o + 4 <= win.length; o++) {
        // packWord's linearity (each byte in its own lane): each class's bytes shifted into their
        // lane once, then the words are ORs (productWords; this runs cold, at every start)
        const lanes = win
          .slice(o, o + 4)
          .map((c, lane) => c.map((b) => (b & 255) << LANE_SHIFT[lane as 0 | 1 | 2 | 3])) as [
          number[],
          number[],
          number[],
          number[],
        ];
        n = productWords(words, ids, deltas, n, lanes, id, o - before);
      }
    }
    this.index.addMany(words, ids, deltas, n);
    this.window = Math.max(4, ...windows.map((w) => w.length));
  }

  /** True when text[pos, pos + anchor length) is the anchor. */
  private at(text: string, pos: number, id: number): boolean {
    const lit = this.lower[id] as string;
    if (pos < 0 || pos + lit.length > text.length) return false;
    if (this.ci[id] === 0) return text.startsWith(lit, pos);
    for (let i = 0; i < lit.length; i++) {
      let c = text.charCodeAt(pos + i);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== lit.charCodeAt(i)) return false;
    }
    return true;
  }

  /** at() over Latin-1 bytes. */
  private atBytes(bytes: Uint8Array, pos: number, id: number): boolean {
    const lit = this.litBytes;
    const from = this.litAt[id] as number;
    const len = (this.litAt[id + 1] as number) - from;
    if (pos < 0 || pos + len > bytes.length) return false;
    const ci = this.ci[id] === 1;
    for (let i = 0; i < len; i++) {
      let c = bytes[pos + i] as number;
      if (ci && c >= 65 && c <= 90) c += 32;
      if (c !== lit[from + i]) return false;
    }
    return true;
  }

  /** verify() over Latin-1 bytes. */
  verifyBytes(bytes: Uint8Array, p: number, f: number, sink: ScanSink): void {
    const idx = this.index;
    for (let e = idx.first(f); e !== -1; e = idx.entNext[e] as number) {
      const id = idx.entId[e] as number;
      const start = p - (idx.entDelta[e] as number);
      if (this.atBytes(bytes, start, id)) sink.trigger(start, this.fam[id] as number);
    }
  }

  /** Reports the anchors that start around the (folded) word `f` read at `p`. */
  verify(text: string, p: number, f: number, sink: ScanSink): void {
    const idx = this.index;
    for (let e = idx.first(f); e !== -1; e = idx.entNext[e] as number) {
      const id = idx.entId[e] as number;
      const start = p - (idx.entDelta[e] as number);
      if (this.at(text, start, id)) sink.trigger(start, this.fam[id] as number);
    }
  }
}

const builtin = new AnchorSet(ANCHORS, null);
/**
 * A caller's anchor sets, by anchor list: matchers given the same list (doctor's detector and the
 * one that rescans decoded values) share one, built once (it is never changed once built).
 */
const anchorSets = new WeakMap<readonly Anchor[], AnchorSet>();
function anchorSetOf(anchors: readonly Anchor[]): AnchorSet {
  let set = anchorSets.get(anchors);
  if (set === undefined) {
    set = new AnchorSet(anchors, builtin.index);
    anchorSets.set(anchors, set);
  }
  return set;
}

// ---------------------------------------------------------------------------------------------
// Scratch buffer shared by all matchers (single-threaded).

let scratch = Buffer.allocUnsafeSlow(BLOCK + 8);
let scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
/** Words filtered per pass: the most candidates one pass can leave. */
const CANDIDATES = BLOCK >> 2;
/** Indexes of the words that passed the first filter, checked further outside the hot loop. */
const candidates = new Int32Array(CANDIDATES);

/**
 * A 32-bit view of all of the buffer under a caller's bytes (kept while the caller reuses the
 * buffer: doctor's reading ring, its read buffer): bytes at byteOffset + 4j are word
 * (byteOffset >> 2) + j, so no view is made per file.
 */
let viewOf: ArrayBufferLike | null = null;
let view: Int32Array<ArrayBufferLike> = new Int32Array(0);
function wordsOf(bytes: Uint8Array): Int32Array {
  const buf = bytes.buffer;
  if (buf !== viewOf || view.length < (bytes.byteOffset + bytes.length) >> 2) {
    view = new Int32Array(buf, 0, buf.byteLength >> 2);
    viewOf = buf;
  }
  return view;
}

function ensureScratch(chars: number): void {
  if (scratch.length >= chars + 8) return;
  scratch = Buffer.allocUnsafeSlow(chars + 8);
  scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
}

// ---------------------------------------------------------------------------------------------

interface MatcherOptions {
  /**
   * Anchors reported in addition to the built-in ones (patterns.ts ANCHORS), found in the same
   * pass at no extra cost per character. Padded like them to a window of at least MIN_WINDOW
   * characters.
   */
  anchors?: readonly Anchor[];
  /**
   * false: registered forms only, no built-in anchors (neither indexed nor reported). Used for the
   * whitespace-free view of wrapped encodings (wrapped.ts), where patterns mean nothing.
   */
  builtins?: boolean;
}

/** Registered forms, indexed by word. Grows as secrets are registered; never rebuilt. */
export class Matcher {
  readonly forms: string[] = [];
  private readonly formIds = new Map<string, number>();
  /** the caller's own anchors, when it has some */
  private readonly extra: AnchorSet | null;
  /** case-folded words of the forms; its filters also hold the anchors (see the file comment) */
  private readonly index: WordIndex;
  /** Longest anchor window, built-in or own. */
  private readonly window: number;
  /** Longest registered form. */
  maxFormLength = 0;
  /** Whether the built-in anchors are indexed and reported. */
  private readonly builtins: boolean;

  constructor(opts: MatcherOptions = {}) {
    this.builtins = opts.builtins !== false;
    if (!this.builtins && opts.anchors?.length) throw new Error('Matcher: anchors need the built-in anchor index');
    this.extra = opts.anchors?.length ? anchorSetOf(opts.anchors) : null;
    this.index = new WordIndex(this.extra?.index ?? (this.builtins ? builtin.index : null));
    this.window = this.builtins ? Math.max(MAX_WINDOW, this.extra?.window ?? 0) : 4;
  }

  get size(): number {
    return this.forms.length;
  }

  /** Adds a form (>= MIN_FORM_LENGTH characters); false if it was known or too short. */
  add(form: string): boolean {
    if (form.length < MIN_FORM_LENGTH || this.formIds.has(form)) return false;
    const id = this.forms.length;
    this.forms.push(form);
    this.formIds.set(form, id);
    if (form.length > this.maxFormLength) this.maxFormLength = form.length;
    const c = (i: number) => form.charCodeAt(i);
    const word = (i: number) => packWord(c(i), c(i + 1), c(i + 2), c(i + 3)) | FOLD_MASK;
    if (form.length >= 7) {
      // with the following word when the form has one: the scanner checks both before verifying
      for (let o = 0; o < 4; o++) this.index.add(word(o), id, o, o + 8 <= form.length ? word(o + 4) : undefined);
    } else {
      // 6 characters: the window "any character + form" (128 folded values of the first byte)
      for (const b of ANY) this.index.add(packWord(b, c(0), c(1), c(2)) | FOLD_MASK, id, -1);
      for (let o = 0; o < 3; o++) this.index.add(word(o), id, o);
    }
    return true;
  }

  /**
   * Reports every registered form and every anchor that lies entirely inside text[from, to), and
   * possibly some that extend beyond (callers merge duplicates).
   *
   * `latin1`: the text's bytes when the caller has them, text being their Latin-1 decoding
   * (`buffer.toString('latin1')`: character i is byte i). The whole text is then scanned in place,
   * without copying it. Used only when scanning all of the text from a 4-byte aligned offset.
   */
  scan(text: string, from: number, to: number, sink: ScanSink, latin1?: Uint8Array): void {
    if (to - from >= 4) {
      if (
        latin1 !== undefined &&
        from === 0 &&
        to === text.length &&
        latin1.length >= to &&
        (latin1.byteOffset & 3) === 0
      ) {
        this.scanWords(text, 0, wordsOf(latin1), latin1.byteOffset >> 2, to >> 2, sink);
      } else {
        const overlap = Math.max(this.maxFormLength, this.window) - 1;
        const block = Math.max(BLOCK, overlap * 4);
        ensureScratch(Math.min(block, to - from));
        for (let s = from; ; s += block - overlap) {
          const e = Math.min(s + block, to);
          scratch.write(s === 0 && e === text.length ? text : text.slice(s, e), 0, e - s, 'latin1');
          this.scanWords(text, s, scratchWords, 0, (e - s) >> 2, sink);
          if (e >= to) break;
        }
      }
    }
    if (!this.builtins) return;
    for (const [lit, fam, check] of NATIVE_TRIGGERS) {
      for (let i = text.indexOf(lit, from); i >= 0 && i + lit.length <= to; i = text.indexOf(lit, i + 1)) {
        if (check === null || check(text, i)) sink.trigger(i, fam);
      }
    }
  }

  /**
   * scan() of a whole text given only as its Latin-1 bytes (positions are byte offsets): nothing
   * is decoded, so a caller can skip making a string of text where nothing is reported. The bytes
   * are read in place when 4-byte aligned (else through the scratch copy, block by block).
   */
  scanLatin1(bytes: Uint8Array, sink: ScanSink): void {
    const n = bytes.length;
    if (n >= 4) {
      if ((bytes.byteOffset & 3) === 0)
        this.scanWordsBytes(bytes, 0, wordsOf(bytes), bytes.byteOffset >> 2, n >> 2, sink);
      else {
        const overlap = Math.max(this.maxFormLength, this.window) - 1;
        const block = Math.max(BLOCK, overlap * 4);
        ensureScratch(Math.min(block, n));
        for (let s = 0; ; s += block - overlap) {
          const e = Math.min(s + block, n);
          scratch.set(bytes.subarray(s, e), 0);
          this.scanWordsBytes(bytes, s, scratchWords, 0, (e - s) >> 2, sink);
          if (e >= n) break;
        }
      }
    }
    if (!this.builtins) return;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, n);
    for (let t = 0; t < NATIVE_TRIGGERS_BYTES.length; t++) {
      // (indexes, not destructuring, which iterates the tuple: an iterator per file in cold code)
      const trigger = NATIVE_TRIGGERS_BYTES[t] as (typeof NATIVE_TRIGGERS_BYTES)[number];
      const lit = trigger[0];
      const fam = trigger[1];
      const check = trigger[2];
      const pivot = trigger[3];
      // one byte of the literal: a numeric search (memchr), cheaper per call than a string needle
      const byte = lit.charCodeAt(pivot);
      for (let i = buf.indexOf(byte, pivot); i >= 0; i = buf.indexOf(byte, i + 1)) {
        const at = i - pivot;
        if (at + lit.length > n) break;
        let k = 0;
        while (k < lit.length && bytes[at + k] === lit.charCodeAt(k)) k++;
        if (k === lit.length && (check === null || check(bytes, at))) sink.trigger(at, fam);
      }
    }
  }

  /**
   * The hot loop: the index's filter over words[from, to) (at most CANDIDATES words), the indexes
   * of the words that pass stored in `candidates` (returns how many). Kept minimal (one filter, no
   * calls, no allocation) so that the JIT compiles it once and well; the few words that pass are
   * looked at again by the caller.
   */
  private filter(words: Int32Array, from: number, to: number): number {
    const cand = candidates;
    const bits = this.index.bits;
    const is = this.index.idxShift;
    const s1 = this.index.s1;
    const s2 = this.index.s2;
    let nc = 0;
    for (let j = from; j < to; j++) {
      const h = Math.imul((words[j] as number) | FOLD_MASK, WORD_HASH);
      const b = bits[h >>> is] as number;
      if ((b & (1 << ((h >>> s1) & 31))) === 0) continue;
      if ((b & (1 << ((h >>> s2) & 31))) === 0) continue;
      if ((b & (1 << (Math.imul(h, THIRD_BIT) >>> 27))) === 0) continue;
      cand[nc++] = j;
    }
    return nc;
  }

  /** scanWords() of bytes: the same filter, candidates verified against the bytes. */
  private scanWordsBytes(
    bytes: Uint8Array,
    s: number,
    words: Int32Array,
    base: number,
    nw: number,
    sink: ScanSink,
  ): void {
    const end = base + nw;
    for (let from = base; from < end; from += CANDIDATES) {
      const nc = this.filter(words, from, Math.min(end, from + CANDIDATES));
      if (nc > 0) this.checkBytes(bytes, s - base * 4, words, end, nc, sink);
    }
  }

  /** checkCandidates() against the bytes. */
  private checkBytes(bytes: Uint8Array, s: number, words: Int32Array, end: number, nc: number, sink: ScanSink): void {
    const cand = candidates;
    const { solo, pairs, idxShift: is, s1, s2 } = this.index;
    const extra = this.extra;
    const noForms = this.forms.length === 0;
    for (let k = 0; k < nc; k++) {
      const j = cand[k] as number;
      const f = (words[j] as number) | FOLD_MASK;
      const h = Math.imul(f, WORD_HASH);
      const p = s + (j << 2);
      if (this.builtins && builtin.index.mayHave(h)) builtin.verifyBytes(bytes, p, f, sink);
      if (extra !== null && extra.index.mayHave(h)) extra.verifyBytes(bytes, p, f, sink);
      if (noForms) continue;
      const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
      if (((solo[h >>> is] as number) & m) !== m && j + 1 < end) {
        const q = Math.imul(f ^ Math.imul((words[j + 1] as number) | FOLD_MASK, PAIR_MIX), WORD_HASH);
        const qm = (1 << ((q >>> s1) & 31)) | (1 << ((q >>> s2) & 31)) | (1 << (Math.imul(q, THIRD_BIT) >>> 27));
        if (((pairs[q >>> is] as number) & qm) !== qm) continue;
      }
      const idx = this.index;
      for (let e = idx.first(f); e !== -1; e = idx.entNext[e] as number) {
        const form = this.forms[idx.entId[e] as number] as string;
        const start = p - (idx.entDelta[e] as number);
        if (start < 0 || start + form.length > bytes.length) continue;
        let i = 0;
        while (i < form.length && form.charCodeAt(i) === bytes[start + i]) i++;
        if (i === form.length) sink.literal(start, start + form.length);
      }
    }
  }

  /** Scans the `nw` words of text from offset s (words[base + j] holds text[s + 4j, s + 4j + 4)). */
  private scanWords(text: string, s: number, words: Int32Array, base: number, nw: number, sink: ScanSink): void {
    const end = base + nw;
    for (let from = base; from < end; from += CANDIDATES) {
      const nc = this.filter(words, from, Math.min(end, from + CANDIDATES));
      if (nc > 0) this.checkCandidates(text, s - base * 4, words, end, nc, sink);
    }
  }

  /**
   * Second filters: the anchors' own filter; for forms, the short-form filter or the pair (this
   * word, next word). Then verification.
   */
  private checkCandidates(text: string, s: number, words: Int32Array, end: number, nc: number, sink: ScanSink): void {
    const { solo, pairs, idxShift: is, s1, s2 } = this.index;
    const extra = this.extra;
    const noForms = this.forms.length === 0;
    for (let k = 0; k < nc; k++) {
      const j = candidates[k] as number;
      const f = (words[j] as number) | FOLD_MASK;
      const h = Math.imul(f, WORD_HASH);
      const p = s + (j << 2);
      if (this.builtins && builtin.index.mayHave(h)) builtin.verify(text, p, f, sink);
      if (extra !== null && extra.index.mayHave(h)) extra.verify(text, p, f, sink);
      if (noForms) continue;
      const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
      if (((solo[h >>> is] as number) & m) !== m) {
        if (j + 1 < end) {
          const q = Math.imul(f ^ Math.imul((words[j + 1] as number) | FOLD_MASK, PAIR_MIX), WORD_HASH);
          const qm = (1 << ((q >>> s1) & 31)) | (1 << ((q >>> s2) & 31)) | (1 << (Math.imul(q, THIRD_BIT) >>> 27));
          if (((pairs[q >>> is] as number) & qm) !== qm) continue;
        }
      }
      this.verifyForms(text, p, f, sink);
    }
  }

  private verifyForms(text: string, p: number, f: number, sink: ScanSink): void {
    const idx = this.index;
    for (let e = idx.first(f); e !== -1; e = idx.entNext[e] as number) {
      const form = this.forms[idx.entId[e] as number] as string;
      const start = p - (idx.entDelta[e] as number);
      if (start >= 0 && start + form.length <= text.length && text.startsWith(form, start))
        sink.literal(start, start + form.length);
    }
  }
}
