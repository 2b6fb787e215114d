/**
 * Scanning a large tree on several threads. Each thread (the main one and the workers) claims
 * batches of the file list through a shared atomic counter, reads its files and scans them, so a
 * worker that starts late simply takes fewer batches. Results are merged in file-list order.
 *
 * A worker runs this same module file: in a bundle (dist/<entry>/index.js) that is the bundle
 * itself, and the guard below runs the shard and ends the thread while the bundle's modules are
 * still loading, before the entry's own code. From TypeScript sources (tests), the tree is scanned
 * on the main thread only.
 */
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Detector } from './detect.js';
import type { ReadAhead } from './readahead.js';
import type { SecretForm } from './registered.js';
import { scanTree, wholeList, type Claim, type FileHit, type ScanResult } from './tree.js';

interface ShardTask {
  paasDoctorShard: 1;
  root: string;
  files: string[];
  maxFileBytes: number;
  exclude: string[];
  forms: SecretForm[];
  counter: SharedArrayBuffer;
  batch: number;
}

function sharedClaim(counter: SharedArrayBuffer, n: number, batch: number): Claim {
  const cell = new Int32Array(counter);
  return () => {
    const start = Atomics.add(cell, 0, batch);
    return start < n ? [start, Math.min(n, start + batch)] : null;
  };
}

// worker side: runs when this module is loaded by a doctor worker thread
if (!isMainThread && (workerData as Partial<ShardTask> | null)?.paasDoctorShard === 1) {
  const t = workerData as ShardTask;
  const result = scanTree(
    t.root,
    t.files,
    { detector: new Detector({ registered: t.forms }), maxFileBytes: t.maxFileBytes, exclude: new Set(t.exclude) },
    sharedClaim(t.counter, t.files.length, t.batch),
  );
  parentPort?.postMessage(result);
  process.exit(0);
}

interface ParallelOptions {
  /** a reader thread started before the tree was listed (readahead.ts), used when no worker scans */
  reader?: ReadAhead | undefined;
  maxFileBytes: number;
  exclude: ReadonlySet<string>;
  forms: SecretForm[];
  env: NodeJS.ProcessEnv;
}

/** Worker threads to add to the main one: PAAS_DOCTOR_WORKERS, else one per spare core (4+ cores) on large trees. */
function workerCount(files: number, env: NodeJS.ProcessEnv): number {
  if (!import.meta.url.endsWith('.js')) return 0; // TypeScript sources: no bundle to start a worker from
  const forced = env.PAAS_DOCTOR_WORKERS;
  if (forced !== undefined && forced !== '') return Math.max(0, Math.min(16, Number.parseInt(forced, 10) || 0));
  // a worker costs a second load of the bundle; measured worth it only with cores to spare
  // (on 2 shared vCPUs it slowed a 100 MB scan down: docs/benchmarks.md#doctor)
  const cores = availableParallelism();
  if (files < 3000 || cores < 4) return 0;
  return Math.min(3, cores - 1);
}

export async function scanTreeParallel(root: string, files: string[], opts: ParallelOptions): Promise<ScanResult> {
  const workers = workerCount(files.length, opts.env);
  if (workers === 0) return scanReadingAhead(root, files, opts);
  opts.reader?.close();
  const detector = new Detector({ registered: opts.forms });
  const batch = 64;
  const counter = new SharedArrayBuffer(4);
  const task: ShardTask = {
    paasDoctorShard: 1,
    root,
    files,
    maxFileBytes: opts.maxFileBytes,
    exclude: [...opts.exclude],
    forms: opts.forms,
    counter,
    batch,
  };
  const self = fileURLToPath(import.meta.url);
  const pending = Array.from({ length: workers }, () => {
    const w = new Worker(self, { workerData: task, stdout: true, stderr: true, env: {} });
    return new Promise<ScanResult | null>((resolve) => {
      let result: ScanResult | null = null;
      w.on('message', (m: ScanResult) => (result = m));
      w.on('error', () => resolve(null));
      w.on('exit', () => resolve(result));
    });
  });
  const mine = scanTree(
    root,
    files,
    { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude },
    sharedClaim(counter, files.length, batch),
  );
  const theirs = await Promise.all(pending);
  if (theirs.some((r) => r === null)) {
    // a worker failed: scan everything here rather than report a partial tree
    return scanTree(root, files, { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude });
  }
  return merge(files, [mine, ...(theirs as ScanResult[])]);
}

/** One scanning thread, with the reader thread (when there is one) reading ahead of it. */
function scanReadingAhead(root: string, files: string[], opts: ParallelOptions): ScanResult {
  const { reader } = opts;
  if (reader) {
    const skip: number[] = [];
    // (indexOf compares strings; a Set's has() would hash every path of the tree: ~4 ms at 15,000)
    for (const f of opts.exclude) {
      const i = files.indexOf(f);
      if (i >= 0) skip.push(i);
    }
    const prefix = root.endsWith('/') || root.endsWith(sep) ? root : `${root}/`;
    const forced = opts.env.PAAS_DOCTOR_READAHEAD;
    reader.start(prefix, files, skip, forced === '1' || forced === 'wait', forced === 'wait' ? 10_000 : 0);
  }
  // built while the reader reads the first files
  const detector = new Detector({ registered: opts.forms });
  return scanTree(
    root,
    files,
    { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude },
    wholeList(files.length),
    reader,
  );
}

function merge(files: readonly string[], parts: ScanResult[]): ScanResult {
  const order = new Map(files.map((f, i) => [f, i]));
  const pos = (f: string) => order.get(f) ?? 0;
  const hits: FileHit[] = parts.flatMap((p) => p.hits).sort((a, b) => pos(a.file) - pos(b.file) || a.start - b.start);
  const artifacts = parts.flatMap((p) => p.artifacts).sort((a, b) => pos(a.file) - pos(b.file));
  const skipped = { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 };
  for (const p of parts)
    for (const k of Object.keys(skipped) as Array<keyof typeof skipped>) skipped[k] += p.skipped[k];
  return {
    hits,
    artifacts,
    files: parts.reduce((n, p) => n + p.files, 0),
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    skipped,
  };
}
