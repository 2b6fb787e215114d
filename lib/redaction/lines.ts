/**
 * From anchor hits to pattern detections: groups the hits by line (a line ends at `\n` or `\r`)
 * and runs the detectors of the hit families on each such line, in order.
 */
import { detectLine, type IntervalSink, type PemState } from './patterns.js';
import type { ScanSink } from './matcher.js';

/** Anchor hits and registered-form matches collected by one scan. */
export class ScanResult implements ScanSink {
  hitPos: number[] = [];
  hitFam: number[] = [];
  private hitsSorted = true;

  constructor(private readonly spans: IntervalSink) {}

  literal(start: number, end: number): void {
    this.spans.add(start, end);
  }

  trigger(pos: number, fam: number): void {
    const n = this.hitPos.length;
    if (n > 0 && pos < (this.hitPos[n - 1] as number)) this.hitsSorted = false;
    this.hitPos.push(pos);
    this.hitFam.push(fam);
  }

  sortHits(): void {
    if (this.hitsSorted) return;
    const order = this.hitPos.map((_, i) => i).sort((a, b) => (this.hitPos[a] as number) - (this.hitPos[b] as number));
    this.hitPos = order.map((i) => this.hitPos[i] as number);
    this.hitFam = order.map((i) => this.hitFam[i] as number);
    this.hitsSorted = true;
  }
}

/**
 * Finds the line around increasing positions. Each lookup scans only the text between the
 * previous position and this one (plus the line itself), so a whole pass is linear.
 */
class LineCursor {
  private nextLf = -2;
  private nextCr = -2;
  private lastLf = -1;
  private lastCr = -1;

  constructor(
    private readonly text: string,
    private readonly floor: number,
  ) {}

  /** [start, end) of the line holding p; end is the position of its line break or text.length. */
  at(p: number): [number, number] {
    const t = this.text;
    if (this.nextLf === -2 || (this.nextLf !== -1 && this.nextLf < p)) {
      this.lastLf = p === 0 ? -1 : t.lastIndexOf('\n', p - 1);
      this.nextLf = t.indexOf('\n', p);
    }
    if (this.nextCr === -2) {
      // CRs are rare: find the first one from the floor instead of searching backwards
      this.nextCr = t.indexOf('\r', this.floor);
    }
    if (this.nextCr !== -1 && this.nextCr < p) {
      this.lastCr = t.lastIndexOf('\r', p - 1);
      this.nextCr = t.indexOf('\r', p);
    }
    let end = t.length;
    if (this.nextLf >= 0) end = this.nextLf;
    if (this.nextCr >= 0 && this.nextCr < end) end = this.nextCr;
    return [Math.max(this.lastLf, this.lastCr) + 1, end];
  }
}

/**
 * Runs the detectors over every line of text[floor, limit) that holds a hit. Hits must be
 * sorted; those outside [floor, limit) are ignored. Lines are clipped to [floor, limit).
 */
export function detectHits(
  text: string,
  hitPos: readonly number[],
  hitFam: readonly number[],
  floor: number,
  limit: number,
  pem: PemState,
  out: IntervalSink,
): void {
  const cursor = new LineCursor(text, floor);
  let ls = 0;
  let le = -1;
  let mask = 0;
  for (let k = 0; k < hitPos.length; k++) {
    const p = hitPos[k] as number;
    if (p < floor || p >= limit) continue;
    if (p >= le) {
      if (mask !== 0) detectLine(text, ls, le, mask, pem, out);
      const [a, b] = cursor.at(p);
      ls = Math.max(a, floor);
      le = Math.min(b, limit);
      mask = 0;
    }
    mask |= hitFam[k] as number;
  }
  if (mask !== 0) detectLine(text, ls, le, mask, pem, out);
}

/** Position just after the last line break in text[from, to), or -1. */
export function lastLineEnd(text: string, from: number, to: number): number {
  let b = text.lastIndexOf('\n', to - 1);
  // a CR after the last LF (searched forwards from there: usually a few characters)
  const cr = text.indexOf('\r', Math.max(b + 1, from));
  if (cr >= 0 && cr < to) b = text.lastIndexOf('\r', to - 1);
  return b >= from ? b + 1 : -1;
}
