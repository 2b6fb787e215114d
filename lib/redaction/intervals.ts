/** Spans to redact: overlapping or touching spans merge, so the longest match always wins. */
export class Intervals {
  starts: number[] = [];
  ends: number[] = [];
  private sorted = true;

  get length(): number {
    return this.starts.length;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const n = this.starts.length;
    if (n > 0) {
      const ls = this.starts[n - 1] as number;
      const le = this.ends[n - 1] as number;
      if (start >= ls && start <= le) {
        // the common case: a match overlapping or touching the last one
        if (end > le) this.ends[n - 1] = end;
        return;
      }
      if (start < ls) this.sorted = false;
    }
    this.starts.push(start);
    this.ends.push(end);
  }

  /** Sorts and merges; afterwards spans are disjoint and not touching. */
  normalize(): void {
    if (this.sorted && this.isMerged()) return;
    const order = this.starts.map((_, i) => i).sort((a, b) => (this.starts[a] as number) - (this.starts[b] as number));
    const s: number[] = [];
    const e: number[] = [];
    for (const i of order) {
      const a = this.starts[i] as number;
      const b = this.ends[i] as number;
      const k = s.length - 1;
      if (k >= 0 && a <= (e[k] as number)) {
        if (b > (e[k] as number)) e[k] = b;
      } else {
        s.push(a);
        e.push(b);
      }
    }
    this.starts = s;
    this.ends = e;
    this.sorted = true;
  }

  private isMerged(): boolean {
    for (let i = 1; i < this.starts.length; i++)
      if ((this.starts[i] as number) <= (this.ends[i - 1] as number)) return false;
    return true;
  }

  /**
   * Moves a boundary back so that it does not cut a span nor end right where a span ends (a span
   * starting there later would have merged with it). Requires normalize().
   */
  safeBoundary(b: number): number {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const s = this.starts[i] as number;
      const e = this.ends[i] as number;
      if (e < b) break;
      if (s < b) return s;
    }
    return b;
  }

  /** text[from, to) with each span replaced by `mask`. Requires normalize(); spans must not cross `to`. */
  apply(text: string, from: number, to: number, mask: string): string {
    let out = '';
    let pos = from;
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i] as number;
      if (s >= to) break;
      out += text.slice(pos, s) + mask;
      pos = this.ends[i] as number;
    }
    return pos === from ? text.slice(from, to) : out + text.slice(pos, to);
  }

  /** Drops spans that end at or before `b` and shifts the rest by -b. */
  consume(b: number): void {
    let k = 0;
    while (k < this.starts.length && (this.ends[k] as number) <= b) k++;
    this.starts = this.starts.slice(k).map((s) => s - b);
    this.ends = this.ends.slice(k).map((e) => e - b);
  }

  /** Deletes the text positions [a, b): spans inside vanish, spans across are clipped, later ones shift. */
  removeRange(a: number, b: number): void {
    const gap = b - a;
    const map = (p: number) => (p <= a ? p : p <= b ? a : p - gap);
    const s: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      const ns = map(this.starts[i] as number);
      const ne = map(this.ends[i] as number);
      if (ne > ns) {
        s.push(ns);
        e.push(ne);
      }
    }
    this.starts = s;
    this.ends = e;
  }

  clear(): void {
    this.starts = [];
    this.ends = [];
    this.sorted = true;
  }
}
