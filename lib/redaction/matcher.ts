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
 */
import { ANCHORS, ANY, NATIVE_TRIGGERS, MAX_WINDOW, type Anchor, type ByteClass } from './patterns.js';
import { FOLD_MASK, PAIR_MIX, THIRD_BIT, WORD_HASH, WordIndex, packWord } from './words.js';

/** Minimum registered form length; see MIN_SECRET_LENGTH. */
export const MIN_FORM_LENGTH = 6;

export interface ScanSink {
  /** a registered form occurs at [start, end) */
  literal(start: number, end: number): void;
  /** a pattern anchor of family `fam` starts at `pos` */
  trigger(pos: number, fam: number): void;
}

const BLOCK = 1 << 16;

// ---------------------------------------------------------------------------------------------
// Anchor entries: built once per process, shared by every matcher (whose filters include them).

const anchorLower: string[] = ANCHORS.map((a) => (a.ci ? a.text.toLowerCase() : a.text));

function windowClasses(a: Anchor): ByteClass[] {
  const lit = (a.ci ? a.text.toLowerCase() : a.text).split('').map((ch) => [(ch.charCodeAt(0) & 255) | 0x20]);
  return [...a.before, ...lit, ...a.after];
}

function* product(sets: ByteClass[], i = 0, acc: number[] = []): Generator<number[]> {
  if (i === sets.length) {
    yield acc;
    return;
  }
  for (const v of sets[i] as ByteClass) {
    acc.push(v);
    yield* product(sets, i + 1, acc);
    acc.pop();
  }
}

const anchorIndex = new WordIndex();
ANCHORS.forEach((a, id) => {
  const win = windowClasses(a);
  for (let o = 0; o < 4 && o + 4 <= win.length; o++) {
    for (const [c0, c1, c2, c3] of product(win.slice(o, o + 4))) {
      anchorIndex.add(packWord(c0 as number, c1 as number, c2 as number, c3 as number) | FOLD_MASK, id, o - a.before.length);
    }
  }
});

/** True when text[pos, pos + anchor length) is the anchor. */
function anchorAt(text: string, pos: number, id: number): boolean {
  const a = ANCHORS[id] as Anchor;
  const lit = anchorLower[id] as string;
  if (pos < 0 || pos + lit.length > text.length) return false;
  if (!a.ci) return text.startsWith(lit, pos);
  for (let i = 0; i < lit.length; i++) {
    let c = text.charCodeAt(pos + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(i)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Scratch buffer shared by all matchers (single-threaded).

let scratch = Buffer.allocUnsafeSlow(BLOCK + 8);
let scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
/** Indexes of the words that passed the first filter, checked further outside the hot loop. */
let candidates = new Int32Array(scratch.length >> 2);

function ensureScratch(chars: number): void {
  if (scratch.length >= chars + 8) return;
  scratch = Buffer.allocUnsafeSlow(chars + 8);
  scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
  candidates = new Int32Array(scratch.length >> 2);
}

// ---------------------------------------------------------------------------------------------

/** Registered forms, indexed by word. Grows as secrets are registered; never rebuilt. */
export class Matcher {
  readonly forms: string[] = [];
  private readonly formIds = new Map<string, number>();
  /** case-folded words of the forms; its filters also hold the anchors (see the file comment) */
  private readonly index = new WordIndex(anchorIndex);
  /** Longest registered form. */
  maxFormLength = 0;

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
   */
  scan(text: string, from: number, to: number, sink: ScanSink): void {
    if (to - from >= 4) {
      const overlap = Math.max(this.maxFormLength, MAX_WINDOW) - 1;
      const block = Math.max(BLOCK, overlap * 4);
      ensureScratch(Math.min(block, to - from));
      for (let s = from; ; s += block - overlap) {
        const e = Math.min(s + block, to);
        this.scanBlock(text, s, e, sink);
        if (e >= to) break;
      }
    }
    for (const [lit, fam, check] of NATIVE_TRIGGERS) {
      for (let i = text.indexOf(lit, from); i >= 0 && i + lit.length <= to; i = text.indexOf(lit, i + 1)) {
        if (check === null || check(text, i)) sink.trigger(i, fam);
      }
    }
  }

  private scanBlock(text: string, s: number, e: number, sink: ScanSink): void {
    const n = e - s;
    scratch.write(s === 0 && e === text.length ? text : text.slice(s, e), 0, n, 'latin1');
    // The hot loop: kept minimal (one filter, no calls) so that the JIT compiles it once and
    // well; the few words that pass are looked at again by checkCandidates().
    const words = scratchWords;
    const cand = candidates;
    const nw = n >> 2;
    const bits = this.index.bits;
    const is = this.index.idxShift;
    const s1 = this.index.s1;
    const s2 = this.index.s2;
    let nc = 0;
    for (let j = 0; j < nw; j++) {
      const h = Math.imul((words[j] as number) | FOLD_MASK, WORD_HASH);
      const b = bits[h >>> is] as number;
      if ((b & (1 << ((h >>> s1) & 31))) === 0) continue;
      if ((b & (1 << ((h >>> s2) & 31))) === 0) continue;
      if ((b & (1 << (Math.imul(h, THIRD_BIT) >>> 27))) === 0) continue;
      cand[nc++] = j;
    }
    if (nc > 0) this.checkCandidates(text, s, nw, nc, sink);
  }

  /**
   * Second filters: the anchors' own filter; for forms, the short-form filter or the pair (this
   * word, next word). Then verification.
   */
  private checkCandidates(text: string, s: number, nw: number, nc: number, sink: ScanSink): void {
    const words = scratchWords;
    const { solo, pairs, idxShift: is, s1, s2 } = this.index;
    for (let k = 0; k < nc; k++) {
      const j = candidates[k] as number;
      const f = (words[j] as number) | FOLD_MASK;
      const h = Math.imul(f, WORD_HASH);
      const p = s + (j << 2);
      if (anchorIndex.mayHave(h)) verifyAnchors(text, p, f, sink);
      const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
      if (((solo[h >>> is] as number) & m) !== m) {
        if (j + 1 < nw) {
          const q = Math.imul(f ^ Math.imul((words[j + 1] as number) | FOLD_MASK, PAIR_MIX), WORD_HASH);
          const qm = (1 << ((q >>> s1) & 31)) | (1 << ((q >>> s2) & 31)) | (1 << (Math.imul(q, THIRD_BIT) >>> 27));
          if (((pairs[q >>> is] as number) & qm) !== qm) continue;
        } else if (this.forms.length === 0) {
          continue;
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
      if (start >= 0 && start + form.length <= text.length && text.startsWith(form, start)) sink.literal(start, start + form.length);
    }
  }
}

function verifyAnchors(text: string, p: number, f: number, sink: ScanSink): void {
  for (let e = anchorIndex.first(f); e !== -1; e = anchorIndex.entNext[e] as number) {
    const id = anchorIndex.entId[e] as number;
    const start = p - (anchorIndex.entDelta[e] as number);
    if (anchorAt(text, start, id)) sink.trigger(start, (ANCHORS[id] as Anchor).fam);
  }
}
