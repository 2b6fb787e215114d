/**
 * Streaming redaction for output that arrives in arbitrary chunks (remote command output).
 *
 * Hold-back rule: after each write, everything is emitted except
 *  1. the current incomplete line: patterns are line based, and a registered form without a
 *     line break lies within one line, so a completed line can be judged on its own;
 *  2. the longest tail that is still the beginning of a registered form containing a line
 *     break (the depth of the prefix automaton's state, aho.ts); zero when no registered form
 *     spans lines;
 *  3. an open private key block (BEGIN seen, END not yet): it is redacted as a whole once END
 *     arrives or the stream ends;
 *  4. a redacted span that ends exactly at the boundary (a span starting there would merge
 *     with it).
 * The output of a stream is the same as redact() of the whole text, except for lines longer than
 * MAX_LINE, which are cut at a space to bound memory (a pattern crossing the cut may be missed;
 * registered forms never are). end() flushes.
 */
import type { PrefixAutomaton } from './aho.js';
import { Intervals } from './intervals.js';
import { detectHits, lastLineEnd, ScanResult } from './lines.js';
import { MAX_WINDOW, type PemState } from './patterns.js';
import { EMPTY_HISTORY, nextHistory, type LiveStart, type WrapHistory } from './wrapped.js';

export interface RedactionEngine {
  readonly version: number;
  readonly maxSingleLine: number;
  /** longest form searched with whitespace ignored (wrapped encodings, wrapped.ts); 0: none */
  readonly maxWrappedLength: number;
  scan(text: string, from: number, to: number, out: ScanResult): void;
  scanWrapped(
    text: string,
    from: number,
    to: number,
    add: (start: number, end: number) => void,
    hist: WrapHistory,
  ): void;
  wrapHoldFrom(text: string, from: number, to: number, hist: WrapHistory, incomplete: number, live: LiveStart): number;
  /** hex dumps (dumps.ts): every form found in the dump lines of text[0, to) */
  scanDumps(text: string, to: number, complete: boolean, add: (start: number, end: number) => void): void;
  multiLineAutomaton(): PrefixAutomaton | null;
}

interface StreamOptions {
  /** incomplete lines longer than this are cut (default 256 KiB) */
  maxLine?: number;
  /** an open private key block longer than this is not kept in memory (default 64 KiB) */
  compactAt?: number;
}

const MAX_LINE = 256 * 1024;
const COMPACT_AT = 1 << 16;
/** When a long line is cut, the cut is at a space at least this far from the end. */
const CUT_MARGIN = 1024;

export class LineStream {
  private buf = '';
  /** where pattern detection resumes: start of the incomplete line, or a forced cut in it */
  private lineStart = 0;
  /** start of the incomplete line (only line breaks move it; may be < 0 after a cut) */
  private realLineStart = 0;
  /** families of the anchors seen so far in the incomplete line */
  private pendingMask = 0;
  private readonly spans = new Intervals();
  private readonly pem: PemState = { open: false, start: 0 };
  private version = -1;
  private ac: PrefixAutomaton | null = null;
  /** the automaton's state at the end of buf, when acKnown (computed only when it matters) */
  private acState = 0;
  private acKnown = false;
  private readonly maxLine: number;
  private readonly compactAt: number;
  /** what was emitted that a wrapped encoding may have started in (wrapped.ts) */
  private hist: WrapHistory = EMPTY_HISTORY;
  /** where a wrapped form in progress may still start (wrapped.ts, LiveStart) */
  private readonly live: LiveStart = { start: 0 };

  constructor(
    private readonly engine: RedactionEngine,
    private readonly mask: string,
    opts: StreamOptions = {},
  ) {
    this.maxLine = opts.maxLine ?? MAX_LINE;
    this.compactAt = opts.compactAt ?? COMPACT_AT;
  }

  /** Characters currently held back (for tests and diagnostics). */
  get held(): number {
    return this.buf.length;
  }

  write(chunk: string): string {
    if (typeof chunk !== 'string' || chunk.length === 0) return '';
    const oldLen = this.buf.length;
    // how far back a multi-line form in progress may start (unknown: from the line start)
    const dOld = this.ac ? (this.acKnown ? this.ac.depth(this.acState) : oldLen - this.realLineStart) : 0;
    this.buf += chunk;
    let from = this.refresh();
    const wfrom = from < 0 ? this.wrappedFrom(oldLen) : 0;
    if (from < 0) {
      // only the new text, and what before it could still be part of a match ending in it
      from = Math.min(
        oldLen - (MAX_WINDOW - 1),
        Math.max(this.realLineStart, oldLen - (this.engine.maxSingleLine - 1)),
        oldLen - dOld,
      );
      if (this.ac && this.acKnown && chunk.length < this.ac.maxDepth)
        this.acState = this.ac.feed(this.acState, this.buf, oldLen, this.buf.length);
      else this.acKnown = false;
    }
    this.process(Math.max(0, from), false, wfrom);
    return this.emit(false);
  }

  /** Where to scan for wrapped forms that may end after `oldLen`: back over the longest one's length, whitespace not counted. */
  private wrappedFrom(oldLen: number): number {
    let need = this.engine.maxWrappedLength - 1;
    if (need < 0) return this.buf.length;
    let i = oldLen;
    while (i > 0 && need > 0) {
      const c = this.buf.charCodeAt(--i);
      // escapes (`\n`) are blanks there too: backslashes and the letter after one are not counted
      // (counting fewer only scans further back)
      if (c > 32 && c !== 92 && this.buf.charCodeAt(i - 1) !== 92) need--;
    }
    return i;
  }

  end(): string {
    const from = this.refresh();
    this.process(from < 0 ? this.buf.length : from, true, from < 0 ? this.buf.length : 0);
    if (this.pem.open) this.spans.add(this.pem.start, this.buf.length);
    const out = this.emit(true);
    this.buf = '';
    this.lineStart = this.realLineStart = 0;
    this.pendingMask = 0;
    this.spans.clear();
    this.pem.open = false;
    this.acState = 0;
    this.acKnown = this.ac !== null;
    this.hist = EMPTY_HISTORY;
    this.live.start = 0;
    return out;
  }

  /**
   * When secrets were registered since the last look, everything held must be scanned again:
   * takes the new automaton and returns 0 (scan from the start). Otherwise returns -1.
   */
  private refresh(): number {
    if (this.version === this.engine.version) return -1;
    this.version = this.engine.version;
    this.ac = this.engine.multiLineAutomaton();
    this.acKnown = false;
    // new forms may begin anywhere in what is held
    this.live.start = 0;
    return 0;
  }

  /**
   * Rule 2: length of the longest tail of buf that starts a registered form holding a line break.
   * Only computed when it can reach back before the incomplete line (0 is returned otherwise,
   * which changes nothing: the incomplete line is held anyway).
   */
  private multiLineDepth(): number {
    const ac = this.ac;
    if (!ac) return 0;
    const len = this.buf.length;
    if (!this.acKnown) {
      if (
        len > this.lineStart &&
        this.lineStart === this.realLineStart &&
        !ac.continuesAfterBreak(this.buf, this.lineStart, len)
      )
        return 0;
      this.acState = ac.stateAt(this.buf, len);
      this.acKnown = true;
    }
    return ac.depth(this.acState);
  }

  /** Scans buf[from, len) and runs pattern detection over the lines completed so far. */
  private process(from: number, final: boolean, wfrom: number): void {
    const len = this.buf.length;
    const scan = new ScanResult(this.spans);
    if (from < len) this.engine.scan(this.buf, from, len, scan);
    if (wfrom < len && this.engine.maxWrappedLength > 0) {
      this.engine.scanWrapped(
        this.buf,
        wfrom,
        len,
        (a, b) => this.spans.add(a, b),
        wfrom === 0 ? this.hist : EMPTY_HISTORY,
      );
    }
    // dumps: every held line again (few: a dump line is held only while a form may be in progress)
    if (this.engine.maxWrappedLength > 0) this.engine.scanDumps(this.buf, len, final, (a, b) => this.spans.add(a, b));
    scan.sortHits();
    const end = final ? len : lastLineEnd(this.buf, this.lineStart, len);
    const limit = end < 0 ? this.lineStart : end;
    let later = 0;
    for (let k = 0; k < scan.hitPos.length; k++)
      if ((scan.hitPos[k] as number) >= limit) later |= scan.hitFam[k] as number;
    if (limit > this.lineStart) {
      const pos = this.pendingMask ? [this.lineStart, ...scan.hitPos] : scan.hitPos;
      const fam = this.pendingMask ? [this.pendingMask, ...scan.hitFam] : scan.hitFam;
      detectHits(this.buf, pos, fam, this.lineStart, limit, this.pem, this.spans);
      this.lineStart = this.realLineStart = limit;
      this.pendingMask = later;
    } else {
      this.pendingMask |= later;
    }
    if (!final && len - this.lineStart > this.maxLine) this.cutLongLine();
    if (this.pem.open) this.compactPem();
  }

  /** Treats the start of a very long incomplete line as a complete line. */
  private cutLongLine(): void {
    const len = this.buf.length;
    const space = Math.max(this.buf.lastIndexOf(' ', len - CUT_MARGIN), this.buf.lastIndexOf('\t', len - CUT_MARGIN));
    const cut = space >= this.lineStart + (this.maxLine >> 1) ? space + 1 : len - CUT_MARGIN;
    if (cut <= this.lineStart) return;
    if (this.pendingMask)
      detectHits(this.buf, [this.lineStart], [this.pendingMask], this.lineStart, cut, this.pem, this.spans);
    this.lineStart = cut;
  }

  /** Drops the middle of an open private key block: it will be redacted as a whole anyway. */
  private compactPem(): void {
    const depth = this.multiLineDepth();
    const cut = Math.min(this.lineStart, this.buf.length - depth);
    const keep = this.pem.start + 1;
    if (cut - keep <= this.compactAt) return;
    this.buf = this.buf.slice(0, keep) + this.buf.slice(cut);
    this.live.start = 0;
    this.spans.normalize();
    this.spans.removeRange(keep, cut);
    const shift = (p: number) => (p >= cut ? p - (cut - keep) : p);
    this.lineStart = shift(this.lineStart);
    this.realLineStart = shift(this.realLineStart);
  }

  private emit(final: boolean): string {
    this.spans.normalize();
    const len = this.buf.length;
    let b = len;
    if (!final) {
      b = Math.min(this.lineStart, len - this.multiLineDepth());
      if (this.lineStart !== this.realLineStart)
        b = Math.min(b, Math.max(this.realLineStart, len - (this.engine.maxSingleLine - 1)));
      if (this.pem.open) b = Math.min(b, this.pem.start);
      if (b > 0 && this.engine.maxWrappedLength > 0)
        b = Math.min(b, this.engine.wrapHoldFrom(this.buf, 0, len, this.hist, this.realLineStart, this.live));
      b = this.spans.safeBoundary(b);
    }
    if (b <= 0) return '';
    const out = this.spans.apply(this.buf, 0, b, this.mask);
    if (!final) this.hist = nextHistory(this.buf, b, this.hist);
    this.spans.consume(b);
    this.live.start = Math.max(0, this.live.start - b);
    this.buf = this.buf.slice(b);
    this.lineStart -= b;
    this.realLineStart -= b;
    if (this.pem.open) this.pem.start -= b;
    return out;
  }
}

export function createStream(engine: RedactionEngine, mask: string, opts?: StreamOptions): LineStream {
  return new LineStream(engine, mask, opts);
}
