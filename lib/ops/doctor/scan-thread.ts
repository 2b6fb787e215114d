/**
 * The scan thread: the reader of readahead.ts that also runs the redaction matcher's pass over
 * each file it reads (built from the same anchors and registered forms as the Detector's), and
 * writes what the matcher reported after the file's bytes in the ring. The scanning thread then
 * only confirms (detect.ts confirmEvents()), for the files that have something to confirm.
 *
 * Loaded as a module by a worker thread (ReadAhead with `scan`), from bundles only: this chunk
 * and the matcher's, no CLI, no zod. The main thread imports it only for its URL.
 */
import { createRequire } from 'node:module';
import { isMainThread, workerData } from 'node:worker_threads';
import { Matcher, type ScanSink } from '../../redaction/matcher.js';
import type { Anchor } from '../../redaction/patterns.js';
import { readAheadThread, type ReaderRing, type ReaderTask } from './readahead.js';

/** This module's URL: what a scan thread loads. */
export const SCAN_THREAD_URL = import.meta.url;

interface ScanThreadData {
  paasDoctorScanThread: 1;
  task: ReaderTask;
  anchors: Anchor[];
  forms: string[];
}

/** Writes the matcher's events into the ring's ints from `i` up to `end`; `over` when they did not fit. */
class RingEvents implements ScanSink {
  i = 0;
  end = 0;
  over = false;

  constructor(private readonly ints: Int32Array) {}

  reset(from: number, end: number): void {
    this.i = from;
    this.end = end;
    this.over = false;
  }

  literal(start: number, end: number): void {
    this.event(0, start, end);
  }

  trigger(pos: number, fam: number): void {
    this.event(1, pos, fam);
  }

  private event(kind: number, a: number, b: number): void {
    if (this.i + 3 > this.end) {
      this.over = true;
      return;
    }
    this.ints[this.i++] = kind;
    this.ints[this.i++] = a;
    this.ints[this.i++] = b;
  }
}

const BINARY_PROBE = 8000;

/** The reader's scan hook: the matcher's pass over each text file it read into the ring. */
function scanner(anchors: readonly Anchor[], forms: readonly string[]): (r: ReaderRing) => ReaderRing['scan'] {
  return (r) => {
    const matcher = new Matcher({ anchors });
    for (const f of forms) matcher.add(f);
    const sink = new RingEvents(new Int32Array(r.ring.buffer, r.ring.byteOffset, r.ring.length >> 2));
    return (off, n, at, cap) => {
      const bytes = r.ring.subarray(off, off + n);
      // empty and binary files are not scanned (the scanning thread skips them)
      if (n === 0 || bytes.subarray(0, Math.min(n, BINARY_PROBE)).indexOf(0) !== -1) return -1;
      sink.reset(at >> 2, (at + cap) >> 2);
      matcher.scanLatin1(bytes, sink);
      return sink.over ? -1 : sink.i - (at >> 2);
    };
  };
}

if (!isMainThread && (workerData as Partial<ScanThreadData> | null)?.paasDoctorScanThread === 1) {
  const d = workerData as ScanThreadData;
  readAheadThread(createRequire(import.meta.url), d.task, scanner(d.anchors, d.forms));
}
