/**
 * A small Aho–Corasick automaton over UTF-16 code units. The redactor uses it for one question
 * only: how long is the longest suffix of the text seen so far that is still the beginning of a
 * registered form? (the depth of the automaton's state). Matching itself is done by the q-gram
 * scanner in matcher.ts; this automaton holds only the forms that contain a line break (see
 * stream.ts), which are few.
 *
 * Built with a Map per node, then flattened into typed arrays: the edges of a state are sorted
 * and contiguous, ASCII transitions of the root are a direct table.
 */
/** The trie of the patterns: each state's edges by code unit, each state's depth, the longest pattern. */
function buildTrie(patterns: readonly string[]): { next: Array<Map<number, number>>; depth: number[]; max: number } {
  const next: Array<Map<number, number>> = [new Map()];
  const depth: number[] = [0];
  let max = 0;
  for (const p of patterns) {
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      const edges = next[s] as Map<number, number>;
      let t = edges.get(c);
      if (t === undefined) {
        t = next.length;
        next.push(new Map());
        depth.push(i + 1);
        edges.set(c, t);
      }
      s = t;
    }
    if (p.length > max) max = p.length;
  }
  return { next, depth, max };
}

/** What follows each line break inside the patterns, up to the next one: sorted, unique. */
function segmentsAfterBreaks(patterns: readonly string[]): string[] {
  const segments = new Set<string>();
  for (const p of patterns) {
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c !== 10 && c !== 13) continue;
      let e = k + 1;
      while (e < p.length && p.charCodeAt(e) !== 10 && p.charCodeAt(e) !== 13) e++;
      segments.add(p.slice(k + 1, e));
    }
  }
  return [...segments].sort();
}

/** The trie's edges in typed arrays: those of state s are [start[s], start[s + 1]), sorted by code unit. */
function flattenEdges(next: Array<Map<number, number>>): { start: Int32Array; char: Uint16Array; to: Int32Array } {
  const n = next.length;
  const start = new Int32Array(n + 1);
  let total = 0;
  for (let s = 0; s < n; s++) {
    start[s] = total;
    total += (next[s] as Map<number, number>).size;
  }
  start[n] = total;
  const char = new Uint16Array(total);
  const to = new Int32Array(total);
  for (let s = 0; s < n; s++) {
    const sorted = [...(next[s] as Map<number, number>)].sort((a, b) => a[0] - b[0]);
    let e = start[s] as number;
    for (const [c, t] of sorted) {
      char[e] = c;
      to[e++] = t;
    }
  }
  return { start, char, to };
}

export class PrefixAutomaton {
  private readonly edgeStart: Int32Array;
  private readonly edgeChar: Uint16Array;
  private readonly edgeTo: Int32Array;
  private readonly fail: Int32Array;
  private readonly depthOf: Int32Array;
  private readonly rootAscii = new Int32Array(128);
  /** What follows each line break inside the patterns, up to the next one: sorted, unique. */
  private readonly afterBreak: string[];
  /** Longest pattern length (the deepest state). */
  readonly maxDepth: number;

  constructor(patterns: readonly string[]) {
    const { next, depth, max } = buildTrie(patterns);
    this.maxDepth = max;
    this.afterBreak = segmentsAfterBreaks(patterns);
    const edges = flattenEdges(next);
    this.edgeStart = edges.start;
    this.edgeChar = edges.char;
    this.edgeTo = edges.to;
    this.depthOf = Int32Array.from(depth);
    this.fail = new Int32Array(next.length);
    for (let c = 0; c < 128; c++) this.rootAscii[c] = this.edge(0, c);
    this.linkFailures();
  }

  /** Failure links, breadth first (each state's link is found from its parent's). */
  private linkFailures(): void {
    const queue: number[] = [];
    for (let e = this.edgeStart[0] as number; e < (this.edgeStart[1] as number); e++)
      queue.push(this.edgeTo[e] as number);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      for (let e = this.edgeStart[s] as number; e < (this.edgeStart[s + 1] as number); e++) {
        const t = this.edgeTo[e] as number;
        this.fail[t] = this.step(this.fail[s] as number, this.edgeChar[e] as number);
        queue.push(t);
      }
    }
  }

  depth(state: number): number {
    return this.depthOf[state] as number;
  }

  /** Target of the edge from s labelled c, or 0 (the root) when there is none. */
  private edge(s: number, c: number): number {
    const end = this.edgeStart[s + 1] as number;
    for (let e = this.edgeStart[s] as number; e < end; e++) {
      const ch = this.edgeChar[e] as number;
      if (ch === c) return this.edgeTo[e] as number;
      if (ch > c) break;
    }
    return 0;
  }

  step(state: number, c: number): number {
    let s = state;
    for (;;) {
      if (s === 0) return c < 128 ? (this.rootAscii[c] as number) : this.edge(0, c);
      const t = this.edge(s, c);
      if (t !== 0) return t;
      s = this.fail[s] as number;
    }
  }

  /**
   * Whether text[from, to) (a line without its break) may continue a pattern after one of its
   * line breaks: it is a prefix of what follows some break in some pattern. When it is not, no
   * match in progress reaches back before `from`.
   */
  continuesAfterBreak(text: string, from: number, to: number): boolean {
    const line = text.slice(from, to);
    const segs = this.afterBreak;
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((segs[mid] as string) < line) lo = mid + 1;
      else hi = mid;
    }
    return lo < segs.length && (segs[lo] as string).startsWith(line);
  }

  /** State after reading text[from, to) starting in `state`. */
  feed(state: number, text: string, from: number, to: number): number {
    let s = state;
    for (let i = from; i < to; i++) s = this.step(s, text.charCodeAt(i));
    return s;
  }

  /** State after reading the whole of text[0, to): only the last maxDepth characters matter. */
  stateAt(text: string, to: number): number {
    return this.feed(0, text, Math.max(0, to - this.maxDepth), to);
  }
}
