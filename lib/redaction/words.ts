/**
 * A multimap from 32-bit words (four characters, one byte each) to entries, with Bloom filters in
 * front so that a miss costs one memory read. The matcher (matcher.ts) indexes registered forms
 * and pattern anchors in one WordIndex.
 *
 * Filters: blocked Bloom filters with three bits per key inside one 32-bit element, so a probe
 * is one read and bit tests (the third bit, from a second multiplication, is only looked at when
 * the first two are set). `bits` holds every word, the base index's included; `solo` the words
 * of this index's entries without a following word (short forms); `pairs` (word, next word) for
 * its other entries.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The word the scanner reads for four characters: the low byte of each UTF-16 code unit packed
 * in memory order, as an Int32Array element over a Latin-1 copy of the text would read it.
 */
export function packWord(c0: number, c1: number, c2: number, c3: number): number {
  return LITTLE_ENDIAN
    ? (c0 & 255) | ((c1 & 255) << 8) | ((c2 & 255) << 16) | ((c3 & 255) << 24)
    : (c3 & 255) | ((c2 & 255) << 8) | ((c1 & 255) << 16) | ((c0 & 255) << 24);
}

/** packWord(c0, c1, c2, c3) === c0 << LANE_SHIFT[0] | ... | c3 << LANE_SHIFT[3] for bytes c0..c3. */
export const LANE_SHIFT: readonly [number, number, number, number] = LITTLE_ENDIAN ? [0, 8, 16, 24] : [24, 16, 8, 0];

/** Case folding: sets bit 0x20 of every byte (A-Z → a-z; a few punctuation pairs merge too). */
export const FOLD_MASK = 0x20202020;

/** Multiplier hashing a word for the filters. */
export const WORD_HASH = 0x9e3779b1 | 0;
/** Multiplier mixing the next word into a pair hash. */
export const PAIR_MIX = 0xc2b2ae35 | 0;
/** Multiplier giving the third bit: bit (Math.imul(h, THIRD_BIT) >>> 27). */
export const THIRD_BIT = 0x2c1b3c6d | 0;
const SLOT_HASH = 0x85ebca6b | 0;
const MIN_BITS_LOG = 16;
const MAX_BITS_LOG = 26;
/** Filter bits per entry: three bits set per key, so at most about 9% of the bits are set. */
const BITS_PER_ENTRY = 32;

export class WordIndex {
  bits: Int32Array;
  solo: Int32Array;
  pairs: Int32Array;
  /**
   * A hash h probes element h >>> idxShift, bits (h >>> s1) & 31, (h >>> s2) & 31 and
   * Math.imul(h, THIRD_BIT) >>> 27.
   */
  idxShift = 0;
  s1 = 0;
  s2 = 0;
  private bitsLog = MIN_BITS_LOG;
  // open addressing: slot -> word, first entry
  private slotWord: Int32Array;
  private slotHead: Int32Array;
  private slotShift: number;
  private slotsUsed = 0;
  // entries, singly linked per word
  entId: Int32Array;
  entDelta: Int32Array;
  entNext: Int32Array;
  private entWord: Int32Array;
  private entPair: Int32Array;
  private entHasPair: Uint8Array;
  private entCount = 0;

  /** Filters shared with the base index until this index first needs its own. */
  private sharedFilters: boolean;

  /**
   * `base`: an index whose words the filters of this one also hold (the matcher's forms index has
   * the shared anchor index as base); its entries stay in the base, read with base.first().
   * `bitsOnly`: only `bits` is kept (solo and pairs stay empty): for an index whose entries are
   * all added with addMany and that is only probed with mayHave() (the matcher's anchor sets),
   * which saves building two filters nothing reads.
   */
  constructor(
    readonly base: WordIndex | null = null,
    private readonly bitsOnly = false,
    minBitsLog = MIN_BITS_LOG,
  ) {
    this.bits = this.solo = this.pairs = new Int32Array(0);
    if (base) {
      // until the first add: the base's filter, and empty ones (allocated on first add)
      this.bits = base.bits;
      this.solo = this.pairs = bitsOnly ? new Int32Array(0) : new Int32Array(base.bits.length);
      this.bitsLog = base.bitsLog;
      this.idxShift = base.idxShift;
      this.s1 = base.s1;
      this.s2 = base.s2;
      this.sharedFilters = true;
    } else {
      this.resizeFilters(minBitsLog);
      this.sharedFilters = false;
    }
    this.slotShift = 32 - 12;
    this.slotWord = new Int32Array(1 << 12);
    this.slotHead = new Int32Array(1 << 12).fill(-1);
    this.entId = new Int32Array(256);
    this.entDelta = new Int32Array(256);
    this.entNext = new Int32Array(256);
    this.entWord = new Int32Array(256);
    this.entPair = new Int32Array(256);
    this.entHasPair = new Uint8Array(256);
  }

  /**
   * Indexes `word` for entry (id, delta). `next` is the word that follows it in the indexed
   * string, when there is one: the scanner then checks both words before reading the entries.
   */
  add(word: number, id: number, delta: number, next?: number): void {
    if (this.bitsOnly) throw new Error('WordIndex: add() on a bits-only index (use addMany)');
    if (this.entCount === this.entId.length) this.growEntries(this.entCount + 1);
    const e = this.entCount++;
    this.entId[e] = id;
    this.entDelta[e] = delta;
    this.entWord[e] = word;
    this.entHasPair[e] = next === undefined ? 0 : 1;
    this.entPair[e] = next ?? 0;
    let slot = this.findSlot(word);
    if (this.slotHead[slot] === -1) {
      if ((this.slotsUsed + 1) * 2 > this.slotWord.length) {
        this.rehash(this.slotWord.length * 2);
        slot = this.findSlot(word);
      }
      this.slotWord[slot] = word;
      this.slotsUsed++;
      this.entNext[e] = -1;
    } else {
      this.entNext[e] = this.slotHead[slot] as number;
    }
    this.slotHead[slot] = e;
    let total = this.entCount;
    for (let b = this.base; b; b = b.base) total += b.entCount;
    if (total * BITS_PER_ENTRY > 1 << this.bitsLog && this.bitsLog < MAX_BITS_LOG) {
      this.resizeFilters(this.bitsLog + 1);
      this.markAll();
    } else {
      if (this.sharedFilters) {
        this.bits = this.bits.slice();
        this.solo = new Int32Array(this.bits.length);
        this.pairs = new Int32Array(this.bits.length);
        this.sharedFilters = false;
      }
      this.setBits(e);
    }
  }

  /**
   * Makes room for `n` more entries at once (filters, hash table, entry arrays), so that adding
   * them does not resize and re-mark step by step. Only an optimisation: add() grows as needed.
   */
  reserve(n: number): void {
    let total = this.entCount + n;
    for (let b = this.base; b; b = b.base) total += b.entCount;
    if (this.entId.length < this.entCount + n) this.growEntries(this.entCount + n);
    let slots = this.slotWord.length;
    while ((this.slotsUsed + n) * 2 > slots) slots *= 2;
    if (slots !== this.slotWord.length) this.rehash(slots);
    let log = this.bitsLog;
    while (total * BITS_PER_ENTRY > 1 << log && log < MAX_BITS_LOG) log++;
    if (log !== this.bitsLog) {
      this.resizeFilters(log);
      this.markAll();
    }
  }

  /**
   * Indexes n entries (words[i], ids[i], deltas[i]) without a following word, in one tight loop
   * after a single reserve(): how the matcher indexes its anchors (tens of thousands of words,
   * built at every start, before the JIT has warmed up).
   */
  addMany(words: Int32Array, ids: Int32Array, deltas: Int32Array, n: number): void {
    this.reserve(n);
    if (this.sharedFilters) {
      this.bits = this.bits.slice();
      if (!this.bitsOnly) {
        this.solo = new Int32Array(this.bits.length);
        this.pairs = new Int32Array(this.bits.length);
      }
      this.sharedFilters = false;
    }
    const { slotWord, slotHead, entId, entDelta, entWord, entHasPair, entNext, bits, idxShift, s1, s2, slotShift } =
      this;
    // a bits-only index marks `bits` twice instead of `solo` (no branch in the loop)
    const solo = this.bitsOnly ? bits : this.solo;
    const mask = slotWord.length - 1;
    let used = this.slotsUsed;
    let e = this.entCount;
    for (let i = 0; i < n; i++) {
      const word = words[i] as number;
      entId[e] = ids[i] as number;
      entDelta[e] = deltas[i] as number;
      entWord[e] = word;
      entHasPair[e] = 0;
      let slot = Math.imul(word, SLOT_HASH) >>> slotShift;
      while (slotHead[slot] !== -1 && slotWord[slot] !== word) slot = (slot + 1) & mask;
      if (slotHead[slot] === -1) {
        slotWord[slot] = word;
        used++;
      }
      entNext[e] = slotHead[slot] as number;
      slotHead[slot] = e;
      const h = Math.imul(word, WORD_HASH);
      const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
      bits[h >>> idxShift] = (bits[h >>> idxShift] as number) | m;
      solo[h >>> idxShift] = (solo[h >>> idxShift] as number) | m;
      e++;
    }
    this.slotsUsed = used;
    this.entCount = e;
  }

  private markAll(): void {
    // the words of every index below this one (a base may have a base of its own): one tight
    // loop each (this runs at start, before the JIT has warmed up)
    const { bits, idxShift, s1, s2 } = this;
    for (let b = this.base; b; b = b.base) {
      const words = b.entWord;
      for (let i = 0, n = b.entCount; i < n; i++) {
        const h = Math.imul(words[i] as number, WORD_HASH);
        bits[h >>> idxShift] =
          (bits[h >>> idxShift] as number) |
          (1 << ((h >>> s1) & 31)) |
          (1 << ((h >>> s2) & 31)) |
          (1 << (Math.imul(h, THIRD_BIT) >>> 27));
      }
    }
    for (let i = 0; i < this.entCount; i++) this.setBits(i);
  }

  /** First entry for the word, or -1. Follow entNext for the others. */
  first(word: number): number {
    return this.slotHead[this.findSlot(word)] as number;
  }

  private findSlot(word: number): number {
    const mask = this.slotWord.length - 1;
    let slot = Math.imul(word, SLOT_HASH) >>> this.slotShift;
    while (this.slotHead[slot] !== -1 && this.slotWord[slot] !== word) slot = (slot + 1) & mask;
    return slot;
  }

  private mark(filter: Int32Array, h: number): void {
    const i = h >>> this.idxShift;
    filter[i] =
      (filter[i] as number) |
      (1 << ((h >>> this.s1) & 31)) |
      (1 << ((h >>> this.s2) & 31)) |
      (1 << (Math.imul(h, THIRD_BIT) >>> 27));
  }

  private setBits(e: number): void {
    const word = this.entWord[e] as number;
    const h = Math.imul(word, WORD_HASH);
    this.mark(this.bits, h);
    if (this.bitsOnly) return;
    if (this.entHasPair[e] === 0) this.mark(this.solo, h);
    else this.mark(this.pairs, Math.imul(word ^ Math.imul(this.entPair[e] as number, PAIR_MIX), WORD_HASH));
  }

  /** Whether the word may be in this index's own entries (its filters, not a derived index's). */
  mayHave(h: number): boolean {
    const m = (1 << ((h >>> this.s1) & 31)) | (1 << ((h >>> this.s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
    return ((this.bits[h >>> this.idxShift] as number) & m) === m;
  }

  private resizeFilters(log: number): void {
    this.sharedFilters = false;
    this.bitsLog = log;
    this.bits = new Int32Array(1 << (log - 5));
    this.solo = this.bitsOnly ? new Int32Array(0) : new Int32Array(1 << (log - 5));
    this.pairs = this.bitsOnly ? this.solo : new Int32Array(1 << (log - 5));
    this.idxShift = 37 - log;
    this.s1 = 32 - log;
    this.s2 = 27 - log;
  }

  private rehash(size: number): void {
    const oldWord = this.slotWord;
    const oldHead = this.slotHead;
    this.slotWord = new Int32Array(size);
    this.slotHead = new Int32Array(size).fill(-1);
    this.slotShift = 32 - Math.log2(size);
    for (let i = 0; i < oldWord.length; i++) {
      if (oldHead[i] === -1) continue;
      const slot = this.findSlot(oldWord[i] as number);
      this.slotWord[slot] = oldWord[i] as number;
      this.slotHead[slot] = oldHead[i] as number;
    }
  }

  /** Grows the entry arrays (by doubling) to hold at least `need` entries, in one allocation each. */
  private growEntries(need: number): void {
    let size = this.entId.length * 2;
    while (size < need) size *= 2;
    const grow = <A extends Int32Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(size);
      b.set(a.subarray(0, this.entCount));
      return b;
    };
    this.entId = grow(this.entId);
    this.entDelta = grow(this.entDelta);
    this.entNext = grow(this.entNext);
    this.entWord = grow(this.entWord);
    this.entPair = grow(this.entPair);
    this.entHasPair = grow(this.entHasPair);
  }
}
