import type { Writable } from 'node:stream';
import { PaasError, errorMessage, type ErrorCode, type ErrorInfo } from '../../output/errors.js';
import type { Redactor } from '../../redaction/redactor.js';
import {
  appDir as buildAppDir,
  finalizeScript,
  gated,
  prepareScript,
  RECEIVE,
  receiveScript,
  SCRIPT_EXIT,
  slotStartScript,
  slotSwitchScript,
  stateScript,
  switchScript,
  unlockScript,
  type HookEnv,
  type SlotName,
} from '../../transport/commands.js';
import { Limiter, mapLimit } from '../../transport/limit.js';
import type { TargetSpec } from '../../transport/targets.js';
import {
  sendFile,
  TransportError,
  type ExecOptions,
  type ExecResult,
  type Transport,
} from '../../transport/transport.js';
import type { AppConfig } from './app-config.js';
import { interruptRequested } from '../../runtime/interrupt.js';
import { connectTransport, transportErrorCode } from '../../transport/connect.js';
import { fleetSentence, remediationFor } from './fleet-messages.js';
import { healthGate } from './health.js';
import { parseState, type TargetState } from '../../transport/release-state.js';
import { historyLine, pruneList, rollbackCandidate } from './releases.js';

type TargetStatus = 'pending' | 'ok' | 'failed' | 'rolled_back' | 'rollback_failed' | 'skipped' | 'unchanged';

/**
 * Each target's state transitions, in one place (deploy and rollback): from a status, the statuses a
 * run may move it to. pending: not reached yet; ok: switched and healthy (a rollback reports it as
 * rolled_back); failed: its step failed; rolled_back / rollback_failed: returned (or not) to the
 * release it ran before after a failure, or moved by a rollback; skipped: never reached; unchanged:
 * a rollback found it on the release already.
 */
export const TARGET_TRANSITIONS: Readonly<Record<TargetStatus, readonly TargetStatus[]>> = {
  pending: ['ok', 'failed', 'skipped', 'unchanged'],
  ok: ['failed', 'rolled_back', 'rollback_failed'],
  failed: ['rolled_back', 'rollback_failed'],
  rolled_back: [],
  rollback_failed: [],
  skipped: [],
  unchanged: [],
};

/**
 * A step on a target failed: a PaasError whose stage and target are always set (target '' when the
 * step is the fleet's, e.g. an interrupt) and whose remediation follows from the code.
 */
export class StageError extends PaasError {
  declare readonly target: string;

  constructor(code: ErrorCode, stage: string, target: string, message: string, remediation = remediationFor(code)) {
    super(code, message, { stage, target, remediation });
  }

  override toInfo(): ErrorInfo {
    return { ...super.toInfo(), target: this.target || null };
  }
}

export interface RunIdentity {
  context: string;
  app: string;
  run: string;
  /** GITHUB_RUN_ATTEMPT (1 outside Actions): see the lock's takeover rule (transport/commands.ts) */
  attempt: string;
  actor: string;
  sha: string;
  token: string;
}

/** One target in a run: its transport, app dir, state before we touched it, and what happened. */
export class TargetNode {
  private now: TargetStatus = 'pending';
  state: TargetState | null = null;
  /** the release `current` pointed to before this run */
  previous: string | null = null;
  switched = false;
  /** bluegreen: the slot this run made live */
  live: SlotName | null = null;
  lockHeld = false;
  /** returning this target to its previous release: allowed after an interrupt (it undoes, it does not start new work) */
  undoing = false;
  readonly appDir: string;
  private readonly tail: string[] = [];

  constructor(
    readonly spec: TargetSpec,
    readonly t: Transport,
    root: string,
    readonly id: RunIdentity,
    readonly redactor: Redactor,
    private readonly log: (m: string) => void,
  ) {
    this.appDir = buildAppDir(t.rootOverride ?? root, id.context, id.app);
  }

  get name(): string {
    return this.spec.id;
  }

  get status(): TargetStatus {
    return this.now;
  }

  /** Moves this target along TARGET_TRANSITIONS; any other move is a bug. */
  moveTo(to: TargetStatus): void {
    if (!TARGET_TRANSITIONS[this.now].includes(to))
      throw new Error(`target ${this.name}: no transition ${this.now} -> ${to}`);
    this.now = to;
  }

  /** The last 20 lines of this target's remote output, redacted. */
  lastLines(): string[] {
    return this.tail.slice(-20);
  }

  note(line: string): void {
    const clean = this.redactor.redact(line);
    this.tail.push(clean);
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
  }

  env(release: string): HookEnv {
    return { appDir: this.appDir, context: this.id.context, app: this.id.app, target: this.name, release };
  }

  /**
   * Runs a script, streaming its output through a redacting stream into the log and the tail.
   * `stage` may be a function when it changes while the script runs (lock, upload, unpack).
   */
  async run(
    script: string,
    stage: string | (() => string),
    timeoutMs: number,
    echo = true,
    io: Pick<ExecOptions, 'input' | 'signal'> & { onStdout?: (raw: string) => void } = {},
  ): Promise<ExecResult> {
    const out = this.redactor.stream();
    const err = this.redactor.stream();
    // bookkeeping scripts (lock, state, unlock) stay out of the log and the tail, except their errors
    const emit = (text: string, isErr = false) => {
      for (const line of text.split('\n')) {
        if (!line || (!echo && !isErr)) continue;
        this.note(line);
        this.log(`[${this.name}] ${line}`);
      }
    };
    try {
      await connectTransport(this.t, { evenIfInterrupted: this.undoing });
      const r = await this.t.exec(script, {
        timeoutMs,
        input: io.input,
        signal: io.signal,
        onStdout: (c) => {
          io.onStdout?.(c);
          emit(out.write(c));
        },
        onStderr: (c) => emit(err.write(c), true),
      });
      emit(out.end());
      emit(err.end(), true);
      return r;
    } catch (e) {
      emit(out.end());
      emit(err.end(), true);
      if (e instanceof TransportError) {
        this.note(`paas: ${e.message}`);
        const at = typeof stage === 'function' ? stage() : stage;
        throw new StageError(transportErrorCode(e, at), at, this.name, e.message);
      }
      throw e;
    }
  }
}

export interface FleetOptions {
  cfg: AppConfig;
  release: string;
  artifact: { file: string; sha256: string; bytes: number };
  rollbackOnFailure: boolean;
  redactor: Redactor;
  log: (m: string) => void;
  onLocksChanged: (held: TargetNode[]) => void;
  now: () => Date;
  /** rollback: every release is checked with the health settings recorded when it was deployed */
  healthFromHistory?: boolean;
  /** what moves the targets (default deploy): a rollback runs no hooks, installs nothing, prunes nothing */
  op?: 'deploy' | 'rollback';
  /** one shard (`i/N`) of a sharded deploy: its history line names the shard and the release it replaced (for finalize) */
  shard?: string | undefined;
}

type Health = AppConfig['health'];

/** The health settings recorded on the target for `release` (its newest history line that has them), or undefined. */
export function recordedHealth(n: TargetNode, release: string): Health | null | undefined {
  const line = n.state?.history.filter((h) => h.release === release && h.health !== undefined).at(-1);
  if (!line) return undefined;
  const h = line.health as Health | null;
  if (h === null) return null;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (!h || typeof h !== 'object' || !num(h.interval) || !num(h.timeout) || !num(h.deadline)) return undefined;
  if (h.command !== undefined && typeof h.command !== 'string') return undefined;
  if (
    h.http !== undefined &&
    (typeof h.http !== 'object' || !Number.isInteger(h.http.port) || typeof h.http.path !== 'string')
  )
    return undefined;
  return h;
}

/** The health settings to check `release` with: the recorded ones for a release other than the one being deployed. */
function healthFor(
  n: TargetNode,
  release: string,
  o: Pick<FleetOptions, 'cfg' | 'release' | 'healthFromHistory'>,
): Health {
  if (!o.healthFromHistory && release === o.release) return o.cfg.health;
  const rec = recordedHealth(n, release);
  return rec === undefined ? o.cfg.health : (rec ?? undefined);
}

/** Batches per strategy (pure): serial = one by one, rolling = `batch` at a time, canary = first N then the rest, parallel = all. */
export function planBatches(
  targets: readonly string[],
  cfg: Pick<AppConfig, 'strategy' | 'batch' | 'canary'>,
): string[][] {
  const out: string[][] = [];
  const chunk = (list: readonly string[], n: number) => {
    for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  };
  switch (cfg.strategy) {
    case 'serial':
      chunk(targets, 1);
      break;
    case 'rolling':
      chunk(targets, cfg.batch);
      break;
    case 'canary': {
      const n = Math.min(cfg.canary, targets.length);
      out.push(targets.slice(0, n));
      if (targets.length > n) out.push(targets.slice(n));
      break;
    }
    default:
      if (targets.length) out.push([...targets]);
  }
  return out;
}

export const fanoutPlan = (batches: string[][]) => batches.map((b) => b.join(',')).join(';');

function check(r: ExecResult, node: TargetNode, stage: string): void {
  if (r.code === 0) return;
  const reason =
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('paas: '))
      .at(-1)
      ?.slice(6) ?? `remote script exited ${r.code}`;
  let c: ErrorCode = 'PAAS_REMOTE_APPLY_FAILED';
  if (r.code === SCRIPT_EXIT.checksum) c = 'PAAS_REMOTE_UPLOAD_FAILED';
  if (r.code === SCRIPT_EXIT.lockLost) c = 'PAAS_LOCK_HELD';
  throw new StageError(c, stage, node.name, `${stage} failed on ${node.name}: ${reason}`);
}

function lockOf(n: TargetNode, stdout: string): void {
  n.state = parseState(stdout);
  n.previous = n.state.current;
  if (n.state.lock && n.state.lock !== 'held') n.lockHeld = true;
}

/** PAAS_LOCK_HELD naming the target and the owner (run, actor, sha, time) of the lock. */
function lockHeldError(n: TargetNode): StageError {
  const owner = n.state?.lockOwner ?? {};
  const who = ['run', 'actor', 'sha', 'time']
    .map((k) => (typeof owner[k] === 'string' ? `${k}=${n.redactor.clip(String(owner[k]), 80)}` : ''))
    .filter(Boolean)
    .join(' ');
  return new StageError(
    'PAAS_LOCK_HELD',
    'lock',
    n.name,
    `the deploy lock of ${n.id.app} in ${n.id.context} on ${n.name} is held by another run (${who || 'owner unknown'})`,
  );
}

/** How long taking a lock (and reading the state) may take on one target. */
const LOCK_TIMEOUT_MS = 60_000;

const lockSpec = (n: TargetNode, o: Pick<FleetOptions, 'cfg'>, ownerJson: string) => ({
  token: n.id.token,
  run: n.id.run,
  attempt: n.id.attempt,
  ownerJson,
  ttlSeconds: o.cfg.lock_ttl / 1000,
});

/** Lock + state on every target (parallel). Throws PAAS_LOCK_HELD after releasing what we took. */
export async function lockAll(
  nodes: TargetNode[],
  o: Pick<FleetOptions, 'cfg' | 'log' | 'onLocksChanged'>,
  ownerJson: string,
): Promise<void> {
  // the first target's lock is taken alone: of two runs racing, the one holding it gets the rest (no livelock)
  const take = async (n: TargetNode) => {
    const r = await n.run(prepareScript(n.appDir, lockSpec(n, o, ownerJson)), 'lock', LOCK_TIMEOUT_MS, false);
    check(r, n, 'lock');
    lockOf(n, r.stdout);
    if (n.state?.lock === 'taken_over') o.log(`${n.name}: took over a stale lock`);
    return n;
  };
  const [first, ...rest] = nodes;
  let results: PromiseSettledResult<TargetNode>[] = first ? await mapLimit([first], 1, take) : [];
  if (first && first.lockHeld) results = results.concat(await mapLimit(rest, o.cfg.max_parallel, take));
  o.onLocksChanged(nodes.filter((n) => n.lockHeld));
  const failed = results.find((r) => r.status === 'rejected');
  const held = nodes.find((n) => n.state?.lock === 'held');
  if (failed || held) {
    await unlockAll(nodes, o);
    if (failed) throw (failed as PromiseRejectedResult).reason;
    throw lockHeldError(held as TargetNode);
  }
}

/** Releases our locks (never others'); best effort, parallel. */
export async function unlockAll(nodes: TargetNode[], o: Pick<FleetOptions, 'log' | 'onLocksChanged'>): Promise<void> {
  await mapLimit(
    nodes.filter((n) => n.lockHeld),
    16,
    async (n) => {
      try {
        const r = await n.run(unlockScript(n.appDir, n.id.token), 'unlock', 30_000, false);
        if (r.code === 0) n.lockHeld = false;
        if (/unlock=not_owner/.test(r.stdout)) o.log(`${n.name}: the lock is no longer ours; left untouched`);
      } catch (e) {
        o.log(`${n.name}: could not release the lock (${errorMessage(e)}); the post step or lock_ttl will`);
      }
    },
  );
  o.onLocksChanged(nodes.filter((n) => n.lockHeld));
}

/** A command's deadline (ExecOptions.signal) that can start, restart or stop while it runs. */
class Deadline {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  readonly signal = this.ac.signal;

  /** aborts `ms` from now (replacing an earlier deadline); null: no deadline. No-op once ended. */
  arm(ms: number | null): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms !== null && !this.ended) this.timer = setTimeout(() => this.ac.abort(), ms);
  }

  /** the command is over: no timer is left running, and none is armed later (a late answer or gate) */
  end(): void {
    this.ended = true;
    this.arm(null);
  }
}

/** One target's receiveScript while it runs: settles `ready` at `--ready` (or when the script ends first). */
interface Receiver {
  n: TargetNode;
  /** true at `--ready`, false when the script ended without it (lock held, or a failure) */
  ready: Promise<boolean>;
  result: Promise<ExecResult>;
  /** a gated receiver: lets it take its lock */
  openGate: () => void;
  answer: (word: 'go' | 'skip' | 'abort') => void;
}

/** A promise with its resolve function. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Logs a target's upload progress every 25 %. */
function uploadProgress(n: TargetNode, o: FleetOptions): (done: number, total: number) => void {
  let lastPct = -1;
  return (done, total) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct >= lastPct + 25 || (pct === 100 && lastPct !== 100)) {
      lastPct = pct;
      o.log(`${n.name}: upload ${pct}% of ${Math.round(total / 1024)} KiB`);
    }
  };
}

/** The receiveScript of one target: lock, then the release's bytes (its `unpacked` history line written with it). */
function receiveFor(n: TargetNode, o: FleetOptions, ownerJson: string): string {
  const unpackedLine = historyLine(n.id, o.now(), { event: 'unpack', release: o.release, sha256: o.artifact.sha256 });
  return receiveScript(n.appDir, {
    release: o.release,
    sha256: o.artifact.sha256,
    shared: o.cfg.shared,
    lock: lockSpec(n, o, ownerJson),
    unpackedLine,
  });
}

function startReceive(
  n: TargetNode,
  o: FleetOptions,
  ownerJson: string,
  gate: boolean,
  onUpload: () => void,
): Receiver {
  const st = { stage: 'lock', seen: '', gotReady: false };
  const ready = deferred<boolean>();
  const answered = deferred<'go' | 'skip' | 'abort'>();
  const opened = deferred<void>();
  // deadlines: 60 s to take the lock (from the start, or from the gate opening), then
  // command_timeout from the answer (waiting for the other targets is bounded by their own deadlines)
  const deadline = new Deadline();
  if (!gate) deadline.arm(LOCK_TIMEOUT_MS);
  void opened.promise.then(() => deadline.arm(LOCK_TIMEOUT_MS));
  void answered.promise.then(() => deadline.arm(o.cfg.command_timeout));
  const progress = uploadProgress(n, o);
  const input = (stdin: Writable) => {
    if (gate)
      void opened.promise.then(() => {
        if (!stdin.writableEnded) stdin.write(`${RECEIVE.go}\n`);
      });
    void answered.promise.then(async (word) => {
      if (word !== 'go') return void stdin.end(`${RECEIVE[word]}\n`);
      st.stage = 'upload';
      onUpload();
      // the exec's result reports a broken link; this only has to stop writing
      await sendFile(stdin, `${RECEIVE.go}\n`, o.artifact.file, o.artifact.bytes, progress).catch(() => {});
      st.stage = 'unpack';
    });
  };
  const onStdout = (c: string) => {
    st.seen += c;
    if (!st.gotReady && st.seen.includes(`\n${RECEIVE.ready}\n`)) {
      st.gotReady = true;
      deadline.arm(null);
      lockOf(n, st.seen);
      ready.resolve(true);
    }
  };
  const script = receiveFor(n, o, ownerJson);
  const result = n.run(gate ? gated(script) : script, () => st.stage, 0, false, {
    input,
    onStdout,
    signal: deadline.signal,
  });
  void result
    .then(
      (r) => {
        if (!st.gotReady) lockOf(n, r.stdout);
      },
      () => {},
    )
    .finally(() => {
      deadline.end();
      ready.resolve(false);
    });
  return { n, ready: ready.promise, result, openGate: () => opened.resolve(), answer: answered.resolve };
}

/** Where a failed receiveScript stopped. */
function receiveStage(r: ExecResult): string {
  if (r.code === SCRIPT_EXIT.checksum) return 'upload';
  if (r.code === SCRIPT_EXIT.exists || r.code === SCRIPT_EXIT.noTools || r.stdout.includes(`\n${RECEIVE.ready}\n`))
    return 'unpack';
  return 'lock';
}

/**
 * Lock, upload (sha256 verified remotely), unpack and shared links on every target: ONE round trip
 * per target (receiveScript). Every target first takes its lock (the first one before the others,
 * whose scripts wait for it: of two runs racing, the one holding it gets the rest); only when all
 * are locked do the bytes flow (at most `max_parallel` uploads at a time). A lock held elsewhere or
 * a failure aborts the others, which release their own lock in the same round trip: nothing is
 * uploaded, nothing changes. `onUpload` is called as a target's upload starts (the caller stages
 * its switch then).
 */
export async function lockAndInstallAll(
  nodes: TargetNode[],
  o: FleetOptions,
  ownerJson: string,
  onUpload: (n: TargetNode) => void = () => {},
): Promise<void> {
  // every script starts at once; the others take their lock when the first one holds its own
  const receivers: Receiver[] = [];
  try {
    for (const [i, n] of nodes.entries()) receivers.push(startReceive(n, o, ownerJson, i > 0, () => onUpload(n)));
    await installAll(receivers, nodes, o);
  } catch (e) {
    // whatever failed (ours or unexpected): every receiver still waiting gets `abort` (it releases its
    // own lock and ends), and we wait for each script to end, so nothing is left waiting on a line
    for (const r of receivers) r.answer('abort');
    const ends = await Promise.allSettled(receivers.map((r) => r.result));
    ends.forEach((x, i) => {
      if (x.status === 'fulfilled' && /^unlock=released$/m.test(x.value.stdout))
        (receivers[i] as Receiver).n.lockHeld = false;
    });
    try {
      o.onLocksChanged(nodes.filter((n) => n.lockHeld));
    } catch {
      /* the first error is the one reported */
    }
    throw e;
  }
}

async function installAll(receivers: Receiver[], nodes: TargetNode[], o: FleetOptions): Promise<void> {
  const [first, ...rest] = receivers;
  if (!first) return;
  const firstLocked = await first.ready;
  for (const r of rest) {
    if (firstLocked) r.openGate();
    else r.answer('abort');
  }
  const ready = await Promise.all(receivers.map((r) => r.ready));
  for (const r of receivers) if (r.n.state?.lock === 'taken_over') o.log(`${r.n.name}: took over a stale lock`);
  o.onLocksChanged(nodes.filter((n) => n.lockHeld));
  const proceed = ready.every(Boolean);
  const uploads = new Limiter(Math.max(1, o.cfg.max_parallel));
  const settled = await Promise.allSettled(
    receivers.map(async (r) => {
      if (!proceed) r.answer('abort');
      else if (r.n.state?.kv.need !== 'upload') r.answer('skip');
      else
        await uploads.run(async () => {
          r.answer('go');
          await r.result.catch(() => {});
        });
      const res = await r.result;
      if (/^unlock=released$/m.test(res.stdout)) r.n.lockHeld = false;
      const installed = /^install=(\w+)$/m.exec(res.stdout)?.[1];
      if (installed === 'current') r.n.note(`release ${o.release} is already current`);
      if (res.code === 0 || !proceed) return;
      check(res, r.n, receiveStage(res));
    }),
  );
  o.onLocksChanged(nodes.filter((n) => n.lockHeld));
  const failed = settled.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
  const held = receivers.find((r) => r.n.state?.lock === 'held');
  if (held) throw lockHeldError(held.n);
  if (!proceed) {
    // a script that ended before `--ready` without holding a lock elsewhere: its own failure
    const bad = await Promise.all(receivers.map(async (r, i) => (ready[i] ? null : { r, res: await r.result })));
    for (const b of bad) if (b) check(b.res, b.r.n, receiveStage(b.res));
  }
}

/**
 * A remote step started ahead of time (`gated`): its channel and shell are up and waiting, so
 * firing it costs one round trip instead of three. `cancel` (or the link dropping) ends it with
 * nothing done. Its timeout counts from `fire`.
 */
export class Staged {
  private stdin: Writable | null = null;
  private word: string | null = null;
  private readonly deadline = new Deadline();
  private readonly result: Promise<ExecResult>;

  constructor(
    n: TargetNode,
    script: string,
    stage: string,
    private readonly timeoutMs: number,
  ) {
    this.result = n.run(gated(script), stage, 0, true, {
      input: (stdin) => {
        this.stdin = stdin;
        if (this.word) stdin.end(this.word);
      },
      signal: this.deadline.signal,
    });
    this.result.catch(() => {
      /* seen by fire(); a cancelled step's end does not matter */
    });
  }

  private send(word: string): void {
    if (this.word) return;
    this.word = `${word}\n`;
    this.stdin?.end(this.word);
  }

  async fire(): Promise<ExecResult> {
    this.send(RECEIVE.go);
    this.deadline.arm(this.timeoutMs);
    try {
      return await this.result;
    } finally {
      this.deadline.arm(null);
    }
  }

  cancel(): void {
    this.send(RECEIVE.abort);
  }
}

/** The switch step (pre_switch of a deploy, lock check, atomic link, start), staged ahead of its batch. */
export function stageSwitch(n: TargetNode, o: FleetOptions): Staged {
  const preSwitch = o.op === 'rollback' ? undefined : o.cfg.hooks.pre_switch;
  const script = switchScript(n.appDir, {
    env: n.env(o.release),
    lockToken: n.id.token,
    preSwitch,
    start: o.cfg.start,
  });
  return new Staged(n, script, 'switch', o.cfg.command_timeout);
}

/** The health gate of one target (`env.slot`: that slot's port / PAAS_SLOT); throws a StageError naming why. */
async function healthOrThrow(n: TargetNode, env: HookEnv, o: FleetOptions, what = ''): Promise<void> {
  const h = healthFor(n, env.release, o);
  const health = env.slot && h?.http ? { ...h, http: { ...h.http, port: env.slot.port } } : h;
  const where = env.slot ? ` (slot ${env.slot.name}${what})` : '';
  let gate;
  try {
    await connectTransport(n.t, { evenIfInterrupted: n.undoing });
    gate = await healthGate(n.t, health, n.appDir, env, o.log, o.redactor);
  } catch (e) {
    if (e instanceof TransportError) throw new StageError(transportErrorCode(e, 'health'), 'health', n.name, e.message);
    throw e;
  }
  if (gate.lost) {
    n.note(`paas: ${gate.reason}`);
    throw new StageError('PAAS_REMOTE_CONNECT_FAILED', 'health', n.name, `${gate.reason}${where}`);
  }
  if (!gate.ok) {
    n.note(`paas: health check failed${where}: ${gate.reason}`);
    throw new StageError(
      'PAAS_HEALTH_CHECK_FAILED',
      'health',
      n.name,
      `health check of ${n.name}${where} failed: ${gate.reason}`,
    );
  }
  o.log(
    `${n.name}: healthy on ${env.release}${where} (${gate.reason}, ` +
      `${gate.checks} check${gate.checks === 1 ? '' : 's'}, ${gate.ms} ms)`,
  );
}

/**
 * Runs a remote step that may move `current`: marks the target switched when it did, or when the
 * link failed or the script was killed mid-step (unknowable: rolled back, harmless if it never switched).
 */
async function switching(n: TargetNode, o: FleetOptions, script: string, run?: Staged): Promise<ExecResult> {
  let r: ExecResult;
  try {
    r = run ? await run.fire() : await n.run(script, 'switch', o.cfg.command_timeout);
  } catch (e) {
    n.switched = true;
    throw e;
  }
  // killed by a signal (sshd gone, OOM...) is as unknowable as a lost link: it may have died right after the switch
  if (/^switched=/m.test(r.stdout) || r.code >= 128) n.switched = true;
  const stage = r.code === SCRIPT_EXIT.preSwitch ? 'pre_switch' : r.code === SCRIPT_EXIT.start ? 'start' : 'switch';
  check(r, n, stage);
  return r;
}

/** Switches one target to `release` (pre_switch, atomic link, start) then health-gates it; bluegreen apps flip slots. */
async function switchAndCheck(
  n: TargetNode,
  release: string,
  o: FleetOptions,
  opts: { preSwitch: boolean; historyLine?: string; staged?: Staged; onSwitched?: () => void },
): Promise<void> {
  if (o.cfg.strategy === 'bluegreen') return flipSlots(n, release, o, opts.historyLine);
  const script = switchScript(n.appDir, {
    env: n.env(release),
    lockToken: n.id.token,
    preSwitch: opts.preSwitch ? o.cfg.hooks.pre_switch : undefined,
    start: o.cfg.start,
    historyLine: opts.historyLine,
  });
  await switching(n, o, script, opts.staged);
  opts.onSwitched?.();
  await healthOrThrow(n, n.env(release), o);
}

// ------------------------------------------------------------------------------------ bluegreen

export const otherSlot = (s: SlotName): SlotName => (s === 'blue' ? 'green' : 'blue');

/** The live slot of a target (`.paas/live`), or null before its first bluegreen deploy. */
export function liveSlot(n: TargetNode): SlotName | null {
  const v = n.state?.kv.live;
  return v === 'blue' || v === 'green' ? v : null;
}

function slotEnv(
  n: TargetNode,
  release: string,
  slot: SlotName,
  o: FleetOptions,
): HookEnv & { slot: { name: SlotName; port: number } } {
  const slots = o.cfg.slots;
  if (!slots)
    throw new StageError(
      'PAAS_INVALID_ARGUMENT',
      'config',
      n.name,
      'strategy bluegreen needs slots: { blue: { port }, green: { port } } in paas.yml',
    );
  return { ...n.env(release), slot: { name: slot, port: slots[slot].port } };
}

/** The idle slot gets `release` and is started and health-checked there; live traffic is untouched. */
async function startSlot(n: TargetNode, release: string, slot: SlotName, o: FleetOptions): Promise<void> {
  const env = slotEnv(n, release, slot, o);
  const r = await n.run(
    slotStartScript(n.appDir, { env, lockToken: n.id.token, start: o.cfg.start }),
    'start',
    o.cfg.command_timeout,
  );
  check(r, n, r.code === SCRIPT_EXIT.start ? 'start' : 'switch');
  await healthOrThrow(n, env, o, ', idle');
}

/** `slot` becomes live (`.paas/live`, `current`, slots.switch), then it is checked again. */
async function switchSlot(
  n: TargetNode,
  release: string,
  slot: SlotName,
  o: FleetOptions,
  historyLine?: string,
): Promise<void> {
  const env = slotEnv(n, release, slot, o);
  await switching(
    n,
    o,
    slotSwitchScript(n.appDir, { env, lockToken: n.id.token, switchCommand: o.cfg.slots?.switch, historyLine }),
  );
  n.live = slot;
  await healthOrThrow(n, env, o, ', re-check after the switch');
}

/** One target to `release` the bluegreen way (rollback): start it in the idle slot, check, switch, re-check. */
async function flipSlots(n: TargetNode, release: string, o: FleetOptions, historyLine?: string): Promise<void> {
  const idle = otherSlot(n.live ?? liveSlot(n) ?? 'green');
  await startSlot(n, release, idle, o);
  await switchSlot(n, release, idle, o, historyLine);
}

/**
 * bluegreen over the fleet: the release starts in the idle slot of EVERY target and is health-checked
 * there while the live slots keep serving; only then does every target switch (and get checked
 * again). A failure before the switch leaves every target as it was; after it, every switched target
 * goes back to the slot that still runs its previous release (no restart needed).
 */
export async function bluegreenFleet(
  nodes: TargetNode[],
  o: FleetOptions,
  identity: RunIdentity,
): Promise<FleetResult> {
  const batches = [nodes.map((n) => n.name)];
  const was = new Map(nodes.map((n) => [n, liveSlot(n)]));
  const idle = (n: TargetNode) => otherSlot(was.get(n) ?? 'green');
  o.log(`bluegreen: starting ${o.release} in the idle slot of ${nodes.length} target(s); live traffic is untouched`);
  let error = firstFailure(
    await mapLimit(nodes, o.cfg.max_parallel, (n) => startSlot(n, o.release, idle(n), o)),
    nodes,
    'start',
    false,
  );
  const sig = interruptRequested();
  if (!error && sig)
    error = new StageError(
      'PAAS_INTERRUPTED',
      'interrupted',
      '',
      `deploy interrupted by ${sig} before the switch; no target switched`,
    );
  if (!error) {
    o.log(`bluegreen: switching ${nodes.map((n) => `${n.name}->${idle(n)}`).join(', ')}`);
    error = firstFailure(
      await mapLimit(nodes, o.cfg.max_parallel, (n) => switchSlot(n, o.release, idle(n), o)),
      nodes,
      'switch',
      true,
    );
  }
  if (!error) error = await finalizeAll(nodes, o, identity, new Map());
  for (const n of nodes) if (n.status === 'pending') n.moveTo('skipped');
  if (!error) return { ok: true, batches, rolledBack: [] };
  const back = (n: TargetNode, bad: string) => {
    const slot = was.get(n);
    if (!slot) throw new Error('no slot ran a release before (first bluegreen deploy here)');
    return switchSlot(n, n.previous as string, slot, o, bad);
  };
  const rolledBack = o.rollbackOnFailure ? await fleetRollback(nodes, o, identity, error, back) : [];
  return { ok: false, error, batches, rolledBack };
}

/** Statuses from one step over targets (ok only when `okWhenDone`); the first failure, as a StageError. */
function firstFailure(
  results: PromiseSettledResult<unknown>[],
  list: TargetNode[],
  stage: string,
  okWhenDone: boolean,
): StageError | undefined {
  let error: StageError | undefined;
  results.forEach((r, i) => {
    const n = list[i] as TargetNode;
    if (r.status === 'fulfilled') {
      if (okWhenDone) n.moveTo('ok');
      return;
    }
    n.moveTo('failed');
    error ??=
      r.reason instanceof StageError
        ? r.reason
        : new StageError('PAAS_REMOTE_APPLY_FAILED', stage, n.name, String((r.reason as Error)?.message ?? r.reason));
  });
  return error;
}

export interface FleetResult {
  ok: boolean;
  error?: StageError;
  batches: string[][];
  rolledBack: string[];
}

/**
 * post_switch hook, history line (good), prune, and the unlock when nothing after it can fail the fleet.
 * A rollback: the release left marked bad and the one returned to good (with the health settings it
 * was checked with), then the unlock; no hook, nothing pruned.
 */
function finalizeStep(n: TargetNode, o: FleetOptions, identity: RunIdentity): Staged {
  if (o.op === 'rollback') {
    const at = o.now();
    const left = n.previous
      ? [
          historyLine(identity, at, {
            event: 'rollback',
            status: 'bad',
            release: n.previous,
            reason: `rolled back to ${o.release}`,
          }),
        ]
      : [];
    const back = historyLine(identity, at, {
      event: 'rollback',
      status: 'good',
      release: o.release,
      health: healthFor(n, o.release, o) ?? null,
    });
    return new Staged(
      n,
      finalizeScript(n.appDir, {
        env: n.env(o.release),
        historyLine: [...left, back],
        prune: [],
        unlockToken: n.id.token,
      }),
      'history',
      o.cfg.command_timeout,
    );
  }
  const prune = n.state
    ? pruneList(
        n.state,
        o.release,
        n.previous !== o.release ? n.previous : rollbackCandidate(n.state),
        o.cfg.keep_releases,
      )
    : [];
  const line = historyLine(identity, o.now(), {
    event: 'deploy',
    release: o.release,
    sha256: o.artifact.sha256,
    health: o.cfg.health ?? null,
    ...(o.shard ? { shard: o.shard, previous: n.previous } : {}),
  });
  const unlockToken = o.cfg.hooks.post_switch ? undefined : n.id.token;
  return new Staged(
    n,
    finalizeScript(n.appDir, {
      env: n.env(o.release),
      postSwitch: o.cfg.hooks.post_switch,
      historyLine: line,
      prune,
      unlockToken,
    }),
    'post_switch',
    o.cfg.command_timeout,
  );
}

/** Everything healthy: post_switch hooks, history, prune, unlock (staged: one round trip per target). */
async function finalizeAll(
  nodes: TargetNode[],
  o: FleetOptions,
  identity: RunIdentity,
  finals: Map<TargetNode, Staged>,
): Promise<StageError | undefined> {
  const stage = o.op === 'rollback' ? 'history' : 'post_switch';
  const results = await mapLimit(nodes, o.cfg.max_parallel, async (n) => {
    const r = await (finals.get(n) ?? finalizeStep(n, o, identity)).fire();
    check(r, n, stage);
    if (/^unlock=released/m.test(r.stdout)) n.lockHeld = false;
  });
  o.onLocksChanged(nodes.filter((x) => x.lockHeld));
  return firstFailure(results, nodes, stage, false);
}

/**
 * Switches batch by batch. On the first failure, every target that switched in this run (earlier
 * batches included) goes back to the release it had, and is health-checked again. Remote steps are
 * staged ahead (the next batch's switch while this one runs, a target's finalize while it is
 * health-checked): `staged` may already hold the first batch's switches.
 */
export async function switchFleet(
  nodes: TargetNode[],
  o: FleetOptions,
  batches: string[][],
  identity: RunIdentity,
  staged = new Map<TargetNode, Staged>(),
): Promise<FleetResult> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const batchNodes = batches.map((b) => b.map((name) => byName.get(name) as TargetNode));
  const finals = new Map<TargetNode, Staged>();
  const stageBatch = (list: TargetNode[] | undefined) => {
    // bluegreen (a rollback) flips slots: nothing to stage
    if (o.cfg.strategy !== 'bluegreen')
      for (const n of list ?? []) if (!staged.has(n)) staged.set(n, stageSwitch(n, o));
  };
  let error: StageError | undefined;
  try {
    for (let b = 0; b < batchNodes.length && !error; b++) {
      const batch = batchNodes[b] as TargetNode[];
      const sig = interruptRequested();
      if (sig) {
        // cancelled: no new batch starts; the targets already switched are returned below
        error = new StageError(
          'PAAS_INTERRUPTED',
          'interrupted',
          '',
          `${o.op ?? 'deploy'} interrupted by ${sig} before batch ${b + 1}/${batches.length}; ` +
            'no further target is switched',
        );
        break;
      }
      stageBatch(batch);
      stageBatch(batchNodes[b + 1]);
      o.log(`batch ${b + 1}/${batches.length}: ${batch.map((n) => n.name).join(', ')}`);
      const results = await mapLimit(batch, o.cfg.max_parallel, (n) =>
        switchAndCheck(n, o.release, o, {
          preSwitch: o.op !== 'rollback',
          staged: staged.get(n),
          onSwitched: () => finals.set(n, finalizeStep(n, o, identity)),
        }),
      );
      error = firstFailure(results, batch, 'switch', true);
    }
    if (!error) error = await finalizeAll(nodes, o, identity, finals);
  } finally {
    // what was staged and not fired ends with nothing done
    for (const st of [...staged.values(), ...finals.values()]) st.cancel();
  }
  for (const n of nodes) if (n.status === 'pending') n.moveTo('skipped');
  if (!error) return { ok: true, batches, rolledBack: [] };
  const rolledBack = o.rollbackOnFailure ? await fleetRollback(nodes, o, identity, error) : [];
  return { ok: false, error, batches, rolledBack };
}

/** Every switched target back to its previous release, health-checked; the failed release marked bad. */
export async function fleetRollback(
  nodes: TargetNode[],
  o: FleetOptions,
  identity: RunIdentity,
  cause: StageError,
  back = (n: TargetNode, bad: string) =>
    switchAndCheck(n, n.previous as string, o, { preSwitch: false, historyLine: bad }),
): Promise<string[]> {
  const switched = nodes.filter((n) => n.switched && n.previous !== o.release);
  if (!switched.length) return [];
  o.log(
    `rolling back ${switched.length} target(s) to the release each ran before: ` +
      `${switched.map((n) => `${n.name}->${n.previous ?? 'none'}`).join(', ')}`,
  );
  const bad = historyLine(identity, o.now(), {
    event: 'fleet_rollback',
    release: o.release,
    reason: `${cause.stage} on ${cause.target}`,
  });
  const done: string[] = [];
  await mapLimit(switched, o.cfg.max_parallel, async (n) => {
    if (!n.previous) {
      n.moveTo('rollback_failed');
      n.note('paas: no previous release to return to (first deploy of this app on this target)');
      return;
    }
    try {
      n.undoing = true;
      await back(n, bad);
      n.moveTo('rolled_back');
      done.push(n.name);
    } catch (e) {
      n.moveTo('rollback_failed');
      n.note(`paas: rollback to ${n.previous} failed: ${errorMessage(e)}`);
      o.log(`${n.name}: rollback to ${n.previous} failed: ${errorMessage(e)}`);
    } finally {
      n.undoing = false;
    }
  });
  return nodes.filter((n) => done.includes(n.name)).map((n) => n.name);
}

/** Read-only state of every target (plan, reconcile, rollback resolve). Errors are per target. */
export async function readStates(
  nodes: TargetNode[],
  concurrency: number,
): Promise<Map<string, TargetState | StageError>> {
  const out = new Map<string, TargetState | StageError>();
  const results = await mapLimit(nodes, concurrency, async (n) => {
    const r = await n.run(stateScript(n.appDir), 'state', 60_000, false);
    check(r, n, 'state');
    return parseState(r.stdout);
  });
  results.forEach((r, i) => {
    const n = nodes[i] as TargetNode;
    if (r.status === 'fulfilled') {
      n.state = r.value;
      n.previous = r.value.current;
      out.set(n.name, r.value);
    } else
      out.set(
        n.name,
        r.reason instanceof StageError
          ? r.reason
          : new StageError('PAAS_REMOTE_APPLY_FAILED', 'state', n.name, String(r.reason)),
      );
  });
  return out;
}

/** The envelope's error; with `nodes` (targets of an applied run) the fix says what happened to the fleet. */
export function toPaasError(e: StageError, nodes?: TargetNode[]): PaasError {
  const fleet = nodes?.length ? fleetSentence(nodes) : '';
  return new PaasError(e.code, e.message, {
    stage: e.stage,
    target: e.target || null,
    remediation: `${e.remediation}${fleet ? ` ${fleet}` : ''}`,
  });
}

export function targetStatuses(nodes: TargetNode[]): string {
  return nodes.map((n) => `${n.name}:${n.status}`).join(',');
}

export { switchAndCheck };
