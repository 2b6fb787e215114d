/**
 * Reading ahead on a second thread: while the main thread scans file i, a small thread opens and
 * reads the next files into a shared ring buffer, so the scan no longer waits on open/read/close
 * (a third of the scanning thread's time on a 100 MB tree: docs/benchmarks.md#doctor).
 *
 * The thread is not the bundle: it runs the self-contained readAheadThread() below (eval'd, Node's
 * fs only), so it boots in ~25 ms, while the main thread lists the tree. Both threads
 * go through the file list in order. Each file is claimed once, by an atomic compare-and-exchange
 * on its cell in `state`: the reader claims the next free file and reads it into the ring; the main
 * thread, when it reaches a file the reader has not claimed yet (the reader is still starting, or
 * slower), claims it and reads it itself. So the main thread never waits for a reader that is not
 * running, and on a busy machine it simply does most of the reading, as without the thread.
 *
 * Every wait ends: the main thread waits for a file the reader has claimed at most TAKEOVER_MS
 * (reading a file takes microseconds: a longer wait means the reader is not running, e.g. on a
 * busy machine), then reads it itself; a reader that failed (it says so) is given up and the main
 * thread reads the rest. On a busy machine the reader thus costs little more than its own CPU.
 */
import * as nodeFs from 'node:fs';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** What readFileInto() and the reader say about one file (the same numbers on both threads). */
export const ReadStatus = {
  OK: 0,
  MISSING: 1,
  SYMLINK: 2,
  UNREADABLE: 3,
  OVERSIZED: 4,
  /** not a regular file: skipped, not counted */ IGNORED: 5,
  /** not read by the reader (not claimed, too large for its ring, reader stopped): the caller reads it */ LARGE: 6,
} as const;
export type ReadStatus = (typeof ReadStatus)[keyof typeof ReadStatus];

// cells of `state` (one per file); the reader's functions repeat these numbers as literals
const FREE = 0;
const CLAIMED = 1;
// 2: READY (the reader has read the file: its info is set)
const MAIN = 3;
// cells of `ctrl`, grouped by writer in 64-byte cache lines so that a cell one thread writes for
// every file never shares a line with one the other thread reads for every file (false sharing)
const TAIL = 0; // main, every file: ring position up to which the bytes are released (int32, wraps)
const CURSOR = 16; // main, when it takes a file the reader has not claimed: the reader skips to it
const WAITED = 17; // main, when it waits: 1 + the file it waits for (the reader wakes it only then)
const STOP = 18; // main, once: 1 when it is done (or gave up on the reader)
const LISTED = 19; // main, once: 1 when the file list has been posted to the reader
const PROGRESS = 32; // reader, every file: files it has finished
const FAILED = 48; // reader, once: 1 when it failed
const SLEEPING = 49; // reader, per batch: 1 while it sleeps until TAIL reaches ROOM_AT...
const ROOM_AT = 50; // ...(then the main thread wakes it: a wake-up per batch, not per file)
const RUNNING = 51; // reader, once: 1 when it has the list and reads (start() may wait for it)
const WALKED = 52; // reader, per batch (walk mode): files listed and posted so far
const WALK_DONE = 53; // reader, once (walk mode): 1 when the last batch has been posted
const BOOTED = 54; // reader, once: 1 when its program runs (walk mode: the main thread hands the walk over)
const CTRL_INTS = 64;
// fields of `info` (INFO_INTS per file; the reader's functions repeat these numbers as literals)
const INFO_INTS = 5;
const F_STATUS = 0;
const F_LENGTH = 1;
const F_OFFSET = 2;
const F_END = 3;
const F_FLAGS = 4; // what the reader saw: FLAG_PATH_MAYBE, FLAG_BINARY
/** the path matches the caller's path filter (ReadAhead's `pathFilter`), or there is none */
export const FLAG_PATH_MAYBE = 1;
/** read: a NUL byte among its first 8000 bytes (tree.ts BINARY_PROBE) */
export const FLAG_BINARY = 2;

/** How long the main thread waits for a file the reader is reading before reading it itself. */
const TAKEOVER_MS = 0.25;
/** Ring size (a power of two); files larger than a quarter of it are read by the main thread. */
const DEFAULT_RING_BYTES = 1 << 22;

/** What the reader is given when it starts (before the files are listed). */
interface ReaderTask {
  maxFileBytes: number;
  /** the caller's path filter (source, flags): FLAG_PATH_MAYBE */
  pathFilter: [string, string] | null;
  ctrl: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  /** where the file list comes (ReaderFiles), once the main thread has it */
  port: MessagePort;
}

/** The files to read, sent when listed. */
interface ReaderFiles {
  prefix: string;
  /** the relative paths, '\0'-separated (one string is cloned much faster than an array of them) */
  files: string;
  state: SharedArrayBuffer;
  info: SharedArrayBuffer;
  /** walk mode: the reader lists the rest of the tree itself (files is '') */
  walk?: ReaderWalk;
}

/** Walk mode, the main thread's side: who lists the tree (see ReadAhead.walk()). */
interface MainWalk {
  root: string;
  prefix: string;
  files: string[];
  stack: string[];
  exclude: readonly string[];
  relist: () => string[];
  phase: 'main' | 'reader' | 'own' | 'done';
}

/** Walk mode: where the reader takes the walk over. */
interface ReaderWalk {
  root: string;
  /** paths not to be read (by either thread) */
  exclude: string[];
  /** walkStep()'s stack as the main thread left it */
  stack: string[];
  /** the index of the next file listed */
  start: number;
}

/** Walk mode: files beyond WALK_CAPACITY are not read by the reader (it lists 256 per batch: readerWalk()). */
const WALK_CAPACITY = 1 << 20;
/** Walk mode: with no new batch for this long, the main thread stops the reader and lists the tree itself. */
const WALK_STALL_MS = 2000;

/** The reader thread's ring and its write position. */
interface ReaderRing {
  fs: typeof import('node:fs');
  ctrl: Int32Array;
  ring: Buffer;
  size: number;
  flags: number;
  maxFileBytes: number;
  /** where the next file goes (a position that wraps at 2^32; its offset in the ring: head & (size - 1)) */
  head: number;
  /** TAIL as last read */
  tail: number;
}

// The reader thread's program: readerRoom(), readerRead() and readAheadThread() are stringified
// into the thread, so they refer to nothing outside their bodies but each other and globals (the
// numbers of the constants above are repeated as literals).

/** Waits until `need` bytes are free at the head (the main thread releases them in order); false: stop. */
function readerRoom(r: ReaderRing, need: number): boolean {
  const { ctrl, size, head } = r;
  // the tail last seen first: TAIL itself is read only when the ring looks full
  if (((head - r.tail) | 0) + need <= size) return true;
  // woken when a quarter of the ring more than needed is free (or every 50 ms)
  const target = (head + need - size + (size >> 2)) | 0;
  for (;;) {
    if (Atomics.load(ctrl, 18) !== 0) return false;
    r.tail = Atomics.load(ctrl, 0);
    if (((head - r.tail) | 0) + need <= size) return true;
    Atomics.store(ctrl, 50, ((target - head) | 0) > 0 ? head : target);
    Atomics.store(ctrl, 49, 1);
    if (((head - Atomics.load(ctrl, 0)) | 0) + need > size) Atomics.wait(ctrl, 49, 1, 50);
    Atomics.store(ctrl, 49, 0);
  }
}

/** Reads a file into the ring: its status (in the ring: its length, offset and end in info[at + 1..3]). */
function readerRead(r: ReaderRing, abs: string, info: Int32Array, at: number): number {
  const { fs, size } = r;
  let fd: number;
  try {
    fd = fs.openSync(abs, r.flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return 2;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 1;
    return code === 'EISDIR' ? 5 : 3;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return 5;
    if (st.size > r.maxFileBytes) return 4;
    if (st.size > size >> 2) return 6;
    const need = (st.size + 7) & ~7;
    const skip = (r.head & (size - 1)) + need > size ? size - (r.head & (size - 1)) : 0;
    if (!readerRoom(r, skip + need)) return 6;
    const off = (r.head + skip) & (size - 1);
    let n = 0;
    while (n < st.size) {
      const k = fs.readSync(fd, r.ring, off + n, st.size - n, null);
      if (k === 0) break;
      n += k;
    }
    r.head = (r.head + skip + need) | 0;
    info[at + 1] = n;
    info[at + 2] = off;
    info[at + 3] = r.head;
    // binary: a NUL byte in the first 8000 bytes (FLAG_BINARY)
    if (n > 0 && r.ring.subarray(off, off + Math.min(n, 8000)).indexOf(0) !== -1)
      info[at + 4] = (info[at + 4] as number) | 2;
    return 0;
  } catch {
    return 3;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads files `base` + k of `files` (those it can claim, skipping to the main thread's cursor). */
function readerReadBatch(
  r: ReaderRing,
  prefix: string,
  files: readonly string[],
  base: number,
  state: Int32Array,
  info: Int32Array,
  pathFilter: RegExp | null,
): void {
  const { ctrl } = r;
  const end = Math.min(base + files.length, state.length);
  for (let i = base; i < end; i++) {
    if (Atomics.load(ctrl, 18) !== 0) return;
    const at = Atomics.load(ctrl, 16);
    if (at > i) i = at;
    if (i >= end) return;
    if (Atomics.compareExchange(state, i, 0, 1) !== 0) continue;
    const rel = files[i - base] as string;
    if (!pathFilter || pathFilter.test(rel)) info[i * 5 + 4] = 1;
    info[i * 5] = readerRead(r, prefix + rel, info, i * 5);
    Atomics.store(state, i, 2);
    Atomics.add(ctrl, 32, 1);
    if (Atomics.load(ctrl, 17) === i + 1) Atomics.notify(state, i);
  }
}

/**
 * The walk (walk mode, either thread): moves paths from `stack` (keys, the next last; a
 * directory's key is its path + '/', the root's '') into `out` until it holds `limit` paths or the
 * stack is empty. Each directory's entries are visited sorted by key: every path below a directory
 * starts with its key, so the walk's order is tree.ts walkFiles()' (sorted paths; `.git` skipped).
 */
function walkStep(
  fs: typeof import('node:fs'),
  prefix: string,
  root: string,
  stack: string[],
  out: string[],
  limit: number,
): void {
  while (stack.length && out.length < limit) {
    const key = stack.pop() as string;
    if (key !== '' && !key.endsWith('/')) {
      out.push(key);
      continue;
    }
    let entries;
    try {
      entries = fs.readdirSync(key ? prefix + key.slice(0, -1) : root, { withFileTypes: true });
    } catch {
      continue;
    }
    const keys: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) keys.push(key + e.name);
      else if (e.name !== '.git') keys.push(`${key}${e.name}/`);
    }
    keys.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    for (const k of keys) stack.push(k);
  }
}

/**
 * Walk mode, on the reader thread: continues the walk the main thread began (job.walk: its stack,
 * and the index of the next file), a batch (256 files) at a time, one batch ahead of its reads:
 * batch k + 1 is listed and posted to the main thread before batch k is read, so that a main
 * thread that catches up reads files itself rather than wait for their paths.
 */
function readerWalk(
  r: ReaderRing,
  job: ReaderFiles,
  state: Int32Array,
  info: Int32Array,
  port: MessagePort,
  pathFilter: RegExp | null,
): void {
  const { fs, ctrl } = r;
  const walk = job.walk as ReaderWalk;
  const exclude = new Set(walk.exclude);
  const stack = walk.stack;
  const list = (at: number): string[] => {
    const batch: string[] = [];
    walkStep(fs, job.prefix, walk.root, stack, batch, 256);
    for (let k = 0; k < batch.length; k++)
      if (at + k < state.length && exclude.has(batch[k] as string)) Atomics.store(state, at + k, 3);
    if (batch.length) port.postMessage(batch.join('\0'));
    Atomics.store(ctrl, 52, at + batch.length);
    if (!stack.length) Atomics.store(ctrl, 53, 1);
    Atomics.notify(ctrl, 52);
    return batch;
  };
  let n = walk.start;
  for (let batch = list(n); batch.length;) {
    if (Atomics.load(ctrl, 18) !== 0) return;
    const next = stack.length ? list(n + batch.length) : [];
    readerReadBatch(r, job.prefix, batch, n, state, info, pathFilter);
    n += batch.length;
    batch = next;
  }
}

/** The reader thread's main: waits for the file list, then reads every file it can claim, in order. */
function readAheadThread(req: (id: string) => unknown, t: ReaderTask): void {
  const fs = req('node:fs') as typeof import('node:fs');
  const { receiveMessageOnPort } = req('node:worker_threads') as typeof import('node:worker_threads');
  const ctrl = new Int32Array(t.ctrl);
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
  const pathFilter = t.pathFilter ? new RegExp(t.pathFilter[0], t.pathFilter[1]) : null;
  const r: ReaderRing = {
    fs,
    ctrl,
    ring: Buffer.from(t.ring),
    size: t.ring.byteLength,
    flags,
    maxFileBytes: t.maxFileBytes,
    head: 0,
    tail: 0,
  };
  Atomics.store(ctrl, 54, 1);
  Atomics.notify(ctrl, 54);
  try {
    // the file list: posted when the main thread has listed the tree
    while (Atomics.load(ctrl, 19) === 0 && Atomics.load(ctrl, 18) === 0) Atomics.wait(ctrl, 19, 0, 50);
    const msg = receiveMessageOnPort(t.port);
    if (!msg) return;
    const job = msg.message as ReaderFiles;
    const state = new Int32Array(job.state);
    const info = new Int32Array(job.info);
    Atomics.store(ctrl, 51, 1);
    Atomics.notify(ctrl, 51);
    if (job.walk) readerWalk(r, job, state, info, t.port, pathFilter);
    else readerReadBatch(r, job.prefix, job.files.split('\0'), 0, state, info, pathFilter);
  } catch {
    Atomics.store(ctrl, 48, 1);
    Atomics.notify(ctrl, 48);
  }
}

/** The reader thread's source: its functions, then the call of its main. */
const READER_SOURCE = () =>
  `${readerRoom.toString()}\n${readerRead.toString()}\n${readerReadBatch.toString()}\n` +
  `${walkStep.toString()}\n${readerWalk.toString()}\n` +
  `(${readAheadThread.toString()})(require, require('node:worker_threads').workerData);`;

/**
 * What take() hands out: the file's bytes (status OK), and `flags` (FLAG_PATH_MAYBE, FLAG_BINARY)
 * when the reader looked at the file (then FLAG_BINARY is set only for a file it read), else -1.
 */
export interface TakenFile {
  data: Buffer;
  flags: number;
}

/**
 * Whether to start a reader thread: a spare core. PAAS_DOCTOR_READAHEAD decides instead: 0 off;
 * 1 on, also for small trees; wait: on, and the scan leaves every file to the reader (tests).
 */
export function readAheadWanted(env: NodeJS.ProcessEnv, cores: number): boolean {
  const forced = env.PAAS_DOCTOR_READAHEAD;
  if (forced === '0') return false;
  if (forced === '1' || forced === 'wait') return true;
  return cores >= 2;
}

/** Trees with fewer files are read on the main thread (PAAS_DOCTOR_READAHEAD=1 reads ahead anyway). */
const READ_AHEAD_MIN_FILES = 200;

/**
 * The main thread's side. The thread is started first (it boots while the main thread lists the
 * tree), then given the list with start(); take() hands out each file's bytes in list order.
 */
export class ReadAhead {
  private state: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private info: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private readonly ctrl: Int32Array;
  private readonly ring: Buffer;
  private readonly port: MessagePort | null = null;
  private worker: Worker | null = null;
  /** the reader was given up (failed or stalled) or never started: the main thread reads everything */
  private abandoned = true;
  /** files handed out from the ring (read by the reader) */
  fromRing = 0;
  /** PAAS_DOCTOR_READAHEAD=wait (tests): how long to wait for the reader to claim and read each file */
  private patience = 0;

  /** `pathFilter`: a test of each path made on the reader thread too (take()'s `flags`). */
  constructor(maxFileBytes: number, ringBytes = DEFAULT_RING_BYTES, pathFilter: RegExp | null = null) {
    if (ringBytes & (ringBytes - 1)) throw new Error('ReadAhead: the ring size must be a power of two');
    const ctrl = new SharedArrayBuffer(4 * CTRL_INTS);
    const ring = new SharedArrayBuffer(ringBytes);
    this.ctrl = new Int32Array(ctrl);
    this.ring = Buffer.from(ring);
    try {
      const { port1, port2 } = new MessageChannel();
      const task: ReaderTask = {
        maxFileBytes,
        ctrl,
        ring,
        port: port2,
        pathFilter: pathFilter ? [pathFilter.source, pathFilter.flags.replace(/[gy]/g, '')] : null,
      };
      this.worker = new Worker(READER_SOURCE(), {
        eval: true,
        workerData: task,
        transferList: [port2],
        env: {},
        stdout: true,
        stderr: true,
      });
      // a reader that cannot start claims nothing: the main thread reads every file itself
      this.worker.on('error', () => Atomics.store(this.ctrl, FAILED, 1));
      this.worker.unref();
      this.port = port1;
      this.abandoned = false;
    } catch {
      this.worker = null;
    }
  }

  /**
   * Gives the reader the files to read: `prefix` + each path; `skip`: indexes of files not to be
   * read (by either thread). With fewer than READ_AHEAD_MIN_FILES files (unless forced) the
   * reader is stopped instead and every file is read by the caller. `waitMs`: wait (at most that
   * long) until the reader runs, then leave every file to it.
   */
  start(prefix: string, files: readonly string[], skip: Iterable<number>, force = false, waitMs = 0): void {
    if (this.abandoned || !this.port) return;
    if (files.length < READ_AHEAD_MIN_FILES && !force) {
      this.abandon();
      return;
    }
    const job: ReaderFiles = {
      prefix,
      files: files.join('\0'),
      state: new SharedArrayBuffer(4 * Math.max(1, files.length)),
      info: new SharedArrayBuffer(4 * INFO_INTS * Math.max(1, files.length)),
    };
    this.state = new Int32Array(job.state);
    this.info = new Int32Array(job.info);
    for (const i of skip) this.state[i] = MAIN;
    this.port.postMessage(job);
    Atomics.store(this.ctrl, LISTED, 1);
    Atomics.notify(this.ctrl, LISTED);
    // tests (PAAS_DOCTOR_READAHEAD=wait): the reader reads from the first file on, however slowly it starts
    if (waitMs > 0) {
      Atomics.wait(this.ctrl, RUNNING, 0, waitMs);
      this.patience = waitMs;
    }
  }

  /**
   * Walk mode: the tree at `root` is listed in tree.ts walkFiles()' order while it is read. The
   * main thread walks (and reads) the first files itself until the reader has booted, then hands
   * the rest of the walk over: the reader lists each batch, posts its paths and reads it. The paths
   * come into `files` through the returned claim (each call: the next batch's range; null at the
   * end). `exclude`: paths the reader does not read. When the reader fails, is stopped or stalls
   * (WALK_STALL_MS), `relist` lists the tree here and the paths after the last one handed out are
   * taken from it (the order is the same). `waitMs` (tests): wait for the reader to boot, then
   * leave every file to it.
   */
  walk(
    root: string,
    prefix: string,
    files: string[],
    opts: { exclude: readonly string[]; relist: () => string[]; waitMs?: number },
  ): () => readonly [number, number] | null {
    const w: MainWalk = { root, prefix, files, stack: [''], exclude: opts.exclude, relist: opts.relist, phase: 'main' };
    if (!this.abandoned && this.port) {
      this.state = new Int32Array(new SharedArrayBuffer(4 * WALK_CAPACITY));
      this.info = new Int32Array(new SharedArrayBuffer(4 * INFO_INTS * WALK_CAPACITY));
      if (opts.waitMs) {
        Atomics.wait(this.ctrl, BOOTED, 0, opts.waitMs);
        this.patience = opts.waitMs;
      }
    }
    return () => this.walkClaim(w);
  }

  /** Walk mode: the next range of `w.files` (see walk()). */
  private walkClaim(w: MainWalk): readonly [number, number] | null {
    const { files } = w;
    const from = files.length;
    while (w.phase === 'main') {
      if (!w.stack.length) w.phase = 'done';
      else if (!this.abandoned && Atomics.load(this.ctrl, BOOTED) === 1) this.handOver(w);
      else {
        walkStep(nodeFs, w.prefix, w.root, w.stack, files, from + 64);
        if (files.length > from) return [from, files.length];
      }
    }
    if (w.phase === 'reader') {
      const next = this.nextBatch(files);
      if (next === 'end') w.phase = 'done';
      else if (next) return next;
      else w.phase = 'own';
    }
    if (w.phase !== 'own') return null;
    // the reader cannot go on: the rest of the tree is listed here
    w.phase = 'done';
    this.abandon();
    const last = files.length ? (files[files.length - 1] as string) : null;
    for (const f of w.relist()) if (last === null || f > last) files.push(f);
    return files.length > from ? [from, files.length] : null;
  }

  /** Walk mode: gives the reader the rest of the walk. */
  private handOver(w: MainWalk): void {
    const job: ReaderFiles = {
      prefix: w.prefix,
      files: '',
      state: this.state.buffer as SharedArrayBuffer,
      info: this.info.buffer as SharedArrayBuffer,
      walk: { root: w.root, exclude: [...w.exclude], stack: w.stack, start: w.files.length },
    };
    (this.port as MessagePort).postMessage(job);
    Atomics.store(this.ctrl, LISTED, 1);
    Atomics.notify(this.ctrl, LISTED);
    w.phase = 'reader';
  }

  /** Walk mode: the next batch's range in `files`; 'end': listed; null: the reader cannot give one (see walk()). */
  private nextBatch(files: string[]): readonly [number, number] | 'end' | null {
    const from = files.length;
    const since = performance.now();
    for (;;) {
      if (this.abandoned) return null;
      const port = this.port as MessagePort;
      // WALK_DONE is set after the last batch is posted: read before draining the port
      const last = Atomics.load(this.ctrl, WALK_DONE) === 1;
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
        if (m.message) for (const f of (m.message as string).split('\0')) files.push(f);
      if (files.length > from) return [from, files.length];
      if (last) return 'end';
      if (Atomics.load(this.ctrl, FAILED) !== 0 || performance.now() - since > WALK_STALL_MS) return null;
      Atomics.wait(this.ctrl, WALKED, from, 10);
    }
  }

  /**
   * File i's status: ReadStatus.OK with its bytes in `out.data` (valid until release(i)) when the
   * reader has read it; ReadStatus.LARGE when the caller must read it itself (the reader did not
   * claim it, gave it up, or it is too large for the ring); else the reader's status of it.
   */
  take(i: number, out: TakenFile): ReadStatus {
    out.flags = -1;
    if (this.abandoned || i >= this.state.length) return ReadStatus.LARGE;
    if (this.patience > 0) this.awaitClaim(i);
    const was = Atomics.compareExchange(this.state, i, FREE, MAIN);
    if (was === FREE) {
      // the reader is behind: it skips to here
      Atomics.store(this.ctrl, CURSOR, i);
      return ReadStatus.LARGE;
    }
    if (was === MAIN) return ReadStatus.LARGE;
    if (!this.waitReady(i)) return ReadStatus.LARGE;
    out.flags = this.info[i * INFO_INTS + F_FLAGS] as number;
    const status = this.info[i * INFO_INTS + F_STATUS] as ReadStatus;
    if (status === ReadStatus.OK) {
      const off = this.info[i * INFO_INTS + F_OFFSET] as number;
      out.data = this.ring.subarray(off, off + (this.info[i * INFO_INTS + F_LENGTH] as number));
      this.fromRing++;
    }
    return status;
  }

  /** Waits (at most TAKEOVER_MS) until the reader has read file i; false: the caller reads it. */
  private waitReady(i: number): boolean {
    if (Atomics.load(this.state, i) !== CLAIMED) return true;
    if (Atomics.load(this.ctrl, FAILED) !== 0) return this.abandon();
    Atomics.store(this.ctrl, WAITED, i + 1);
    Atomics.wait(this.state, i, CLAIMED, this.patience || TAKEOVER_MS);
    // not read yet: the caller reads it (the reader's copy is released with the next file's bytes)
    return Atomics.load(this.state, i) !== CLAIMED;
  }

  /** Tests: leaves file i to the reader, waiting (at most `patience`) until it claims it. */
  private awaitClaim(i: number): void {
    const until = performance.now() + this.patience;
    while (Atomics.load(this.state, i) === FREE && Atomics.load(this.ctrl, FAILED) === 0 && performance.now() < until)
      Atomics.wait(this.state, i, FREE, 1);
  }

  private abandon(): false {
    this.close();
    return false;
  }

  /** Gives the ring bytes of file i back to the reader (after take(i) returned OK). */
  release(i: number): void {
    if (this.abandoned) return;
    const end = this.info[i * INFO_INTS + F_END] as number;
    Atomics.store(this.ctrl, TAIL, end);
    if (Atomics.load(this.ctrl, SLEEPING) === 1 && ((end - Atomics.load(this.ctrl, ROOM_AT)) | 0) >= 0) {
      Atomics.store(this.ctrl, SLEEPING, 0);
      Atomics.notify(this.ctrl, SLEEPING);
    }
  }

  /** Files the reader has finished so far. */
  progress(): number {
    return Atomics.load(this.ctrl, PROGRESS);
  }

  /** Stops the reader (idempotent); the caller reads every file from here on. */
  close(): void {
    this.abandoned = true;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.store(this.ctrl, SLEEPING, 0);
    Atomics.notify(this.ctrl, SLEEPING);
    this.port?.close();
    if (this.worker) {
      void this.worker.terminate().catch(() => undefined);
      this.worker = null;
    }
  }
}
