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
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

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
}

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
  try {
    // the file list: posted when the main thread has listed the tree
    while (Atomics.load(ctrl, 19) === 0 && Atomics.load(ctrl, 18) === 0) Atomics.wait(ctrl, 19, 0, 50);
    const msg = receiveMessageOnPort(t.port);
    if (!msg) return;
    const job = msg.message as ReaderFiles;
    const state = new Int32Array(job.state);
    const info = new Int32Array(job.info);
    const files = job.files.split('\0');
    Atomics.store(ctrl, 51, 1);
    Atomics.notify(ctrl, 51);
    for (let i = 0; i < files.length; i++) {
      if (Atomics.load(ctrl, 18) !== 0) break;
      const at = Atomics.load(ctrl, 16);
      if (at > i) i = at;
      if (Atomics.compareExchange(state, i, 0, 1) !== 0) continue;
      if (!pathFilter || pathFilter.test(files[i] as string)) info[i * 5 + 4] = 1;
      info[i * 5] = readerRead(r, job.prefix + files[i], info, i * 5);
      Atomics.store(state, i, 2);
      Atomics.add(ctrl, 32, 1);
      if (Atomics.load(ctrl, 17) === i + 1) Atomics.notify(state, i);
    }
  } catch {
    Atomics.store(ctrl, 48, 1);
    Atomics.notify(ctrl, 48);
  }
}

/** The reader thread's source: its functions, then the call of its main. */
const READER_SOURCE = () =>
  `${readerRoom.toString()}\n${readerRead.toString()}\n` +
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
   * File i's status: ReadStatus.OK with its bytes in `out.data` (valid until release(i)) when the
   * reader has read it; ReadStatus.LARGE when the caller must read it itself (the reader did not
   * claim it, gave it up, or it is too large for the ring); else the reader's status of it.
   */
  take(i: number, out: TakenFile): ReadStatus {
    out.flags = -1;
    if (this.abandoned) return ReadStatus.LARGE;
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
