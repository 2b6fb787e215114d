export const id = 756;
export const ids = [756,353];
export const modules = {

/***/ 1353:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   dK: () => (/* binding */ saveHeldLocks),
/* harmony export */   postReleaseLocks: () => (/* binding */ postReleaseLocks)
/* harmony export */ });
/* unused harmony exports CLEANUP_STATE, heldLocks, parseCleanupState, releaseRecordedLocks */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3838);
/* harmony import */ var _runtime_post_check_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1102);
/* harmony import */ var _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8364);
/* harmony import */ var _runtime_session_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1805);
/* harmony import */ var _transport_commands_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(7904);
/* harmony import */ var _transport_limit_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1447);
/* harmony import */ var _connect_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(5346);







/** Name of the action state the main step writes and the `post:` step reads. */
const CLEANUP_STATE = _runtime_post_check_js__WEBPACK_IMPORTED_MODULE_1__/* .POST_STATE_NAMES */ .A.cleanup;
const held = new WeakMap();
/**
 * Records the locks this run holds: in memory for the run's runtime (the CLI releases them on
 * SIGINT/SIGTERM, lib/cli/interrupt.ts) and, in an action, as action state, so `post:` can release
 * them even after a cancel.
 */
function saveHeldLocks(rt, state) {
    held.set(rt, { ...state, locks: [...state.locks] });
    if (!rt.inAction)
        return;
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .saveState */ .LZ(CLEANUP_STATE, JSON.stringify(state));
}
/** The locks the run on this runtime last recorded as held (null: it never took one). */
function heldLocks(rt) {
    return held.get(rt) ?? null;
}
function parseCleanupState(text) {
    try {
        const s = JSON.parse(text);
        if (s && s.v === 1 && Array.isArray(s.locks) && typeof s.context === 'string')
            return s;
    }
    catch { /* not ours */ }
    return null;
}
/**
 * Releases the recorded locks (only those still holding our token). Inputs are the same as the main
 * step's (the runner passes them to `post:` too; the CLI its own flags): the vault gives targets and
 * the SSH key. `via` names who releases, in the log and the event.
 */
async function releaseRecordedLocks(rt, rawInputs, state, via = 'post step') {
    const prefix = via === 'post step' ? 'paas post' : 'paas';
    if (!state.locks.length)
        return [];
    const common = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .parseInputs */ .TL)(_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .commonInputsSchema */ .IM, { ...rawInputs, context: state.context });
    const session = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_3__/* .openContextSession */ .Wo)(rt, common, { mutating: true, createIfMissing: false });
    const specs = (0,_connect_js__WEBPACK_IMPORTED_MODULE_5__/* .targetsFromVault */ .fY)(session.vault).filter((t) => state.locks.some((l) => l.target === t.id));
    const transports = (0,_connect_js__WEBPACK_IMPORTED_MODULE_5__/* .buildTransports */ .PF)(specs, session.vault, { concurrency: 8, attempts: 3, log: (m) => rt.logger.info(m) });
    const released = [];
    await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(state.locks, 8, async (l) => {
        const t = transports.get(l.target);
        if (!t)
            return;
        try {
            await (0,_connect_js__WEBPACK_IMPORTED_MODULE_5__/* .connectTransport */ .go)(t, { evenIfInterrupted: true });
            const r = await t.exec((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_4__/* .unlockScript */ .Ag)(l.app_dir, l.token), { timeoutMs: 30_000 });
            const what = /unlock=(\w+)/.exec(r.stdout)?.[1] ?? `exit ${r.code}`;
            rt.logger.info(`${prefix}: ${l.target}: lock ${what}`);
            if (what === 'released')
                released.push(l.target);
        }
        catch (e) {
            rt.logger.warn(`${prefix}: ${l.target}: could not release the lock: ${e instanceof Error ? e.message : String(e)} (it becomes stale after lock_ttl)`);
        }
        finally {
            await t.close();
        }
    });
    session.events.append(`${state.op}.locks_released`, via === 'post step' ? 'post step released the locks of this run' : 'the interrupted run released its locks', { targets: released.join(','), via });
    return released;
}
/**
 * Entry for the action's `post:` step (lib/runtime/action.ts runPost): reads the state the main
 * step saved and the same inputs, and releases this run's locks. Never throws.
 */
async function postReleaseLocks(rt, held) {
    const state = parseCleanupState(held);
    if (!state || !state.locks.length) {
        rt.logger.info('paas post: no lock held by this run');
        return;
    }
    const raw = {};
    for (const n of _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .COMMON_INPUT_NAMES */ .Af) {
        const v = _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .getInput */ .V4(n);
        if (v !== '')
            raw[n] = v;
    }
    try {
        const released = await releaseRecordedLocks(rt, raw, state);
        rt.logger.info(`paas post: released ${released.length} of ${state.locks.length} lock(s) held by this run`);
        saveHeldLocks(rt, { ...state, locks: state.locks.filter((l) => !released.includes(l.target)) });
    }
    catch (e) {
        rt.logger.warn(`paas post: could not release the locks: ${e instanceof Error ? e.message : String(e)} (they become stale after lock_ttl)`);
    }
}


/***/ }),

/***/ 5945:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Gv: () => (/* binding */ switchAndCheck),
/* harmony export */   J1: () => (/* binding */ toPaasError),
/* harmony export */   Kp: () => (/* binding */ targetStatuses),
/* harmony export */   Og: () => (/* binding */ unlockAll),
/* harmony export */   Pt: () => (/* binding */ stageSwitch),
/* harmony export */   Tx: () => (/* binding */ fanoutPlan),
/* harmony export */   Yx: () => (/* binding */ TargetNode),
/* harmony export */   Zu: () => (/* binding */ StageError),
/* harmony export */   dz: () => (/* binding */ liveSlot),
/* harmony export */   gZ: () => (/* binding */ bluegreenFleet),
/* harmony export */   jm: () => (/* binding */ switchFleet),
/* harmony export */   jt: () => (/* binding */ lockAll),
/* harmony export */   jx: () => (/* binding */ otherSlot),
/* harmony export */   rs: () => (/* binding */ readStates),
/* harmony export */   t8: () => (/* binding */ lockAndInstallAll),
/* harmony export */   un: () => (/* binding */ planBatches)
/* harmony export */ });
/* unused harmony export Staged */
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7904);
/* harmony import */ var _transport_limit_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1447);
/* harmony import */ var _transport_transport_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2553);
/* harmony import */ var _connect_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5346);
/* harmony import */ var _health_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2667);
/* harmony import */ var _releases_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9095);







/** A remote step failed: carries the code, stage and target for the envelope. */
class StageError extends Error {
    code;
    stage;
    target;
    constructor(code, stage, target, message) {
        super(message);
        this.code = code;
        this.stage = stage;
        this.target = target;
    }
}
/** One target in a run: its transport, app dir, state before we touched it, and what happened. */
class TargetNode {
    spec;
    t;
    id;
    redactor;
    log;
    status = 'pending';
    state = null;
    /** the release `current` pointed to before this run */
    previous = null;
    switched = false;
    /** bluegreen: the slot this run made live */
    live = null;
    lockHeld = false;
    finalized = false;
    appDir;
    tail = [];
    constructor(spec, t, root, id, redactor, log) {
        this.spec = spec;
        this.t = t;
        this.id = id;
        this.redactor = redactor;
        this.log = log;
        this.appDir = (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .appDir */ .DY)(t.rootOverride ?? root, id.context, id.app);
    }
    get name() {
        return this.spec.id;
    }
    /** The last lines of this target's remote output, redacted. */
    lastLines(n = 20) {
        return this.tail.slice(-n);
    }
    note(line) {
        const clean = this.redactor.redact(line);
        this.tail.push(clean);
        if (this.tail.length > 200)
            this.tail.splice(0, this.tail.length - 200);
    }
    env(release) {
        return { appDir: this.appDir, context: this.id.context, app: this.id.app, target: this.name, release };
    }
    /**
     * Runs a script, streaming its output through a redacting stream into the log and the tail.
     * `stage` may be a function when it changes while the script runs (lock, upload, unpack).
     */
    async run(script, stage, timeoutMs, echo = true, io = {}) {
        const out = this.redactor.stream();
        const err = this.redactor.stream();
        // bookkeeping scripts (lock, state, unlock) stay out of the log and the tail, except their errors
        const emit = (text, isErr = false) => {
            for (const line of text.split('\n')) {
                if (!line || (!echo && !isErr))
                    continue;
                this.note(line);
                this.log(`[${this.name}] ${line}`);
            }
        };
        try {
            await (0,_connect_js__WEBPACK_IMPORTED_MODULE_3__/* .connectTransport */ .go)(this.t);
            const r = await this.t.exec(script, { timeoutMs, input: io.input, signal: io.signal, onStdout: (c) => { io.onStdout?.(c); emit(out.write(c)); }, onStderr: (c) => emit(err.write(c), true) });
            emit(out.end());
            emit(err.end(), true);
            return r;
        }
        catch (e) {
            emit(out.end());
            emit(err.end(), true);
            if (e instanceof _transport_transport_js__WEBPACK_IMPORTED_MODULE_2__/* .TransportError */ .w) {
                this.note(`paas: ${e.message}`);
                const at = typeof stage === 'function' ? stage() : stage;
                throw new StageError((0,_connect_js__WEBPACK_IMPORTED_MODULE_3__/* .transportErrorCode */ .jh)(e, at), at, this.name, e.message);
            }
            throw e;
        }
    }
}
/** Batches per strategy (pure): serial = one by one, rolling = `batch` at a time, canary = first N then the rest, parallel = all. */
function planBatches(targets, cfg) {
    const out = [];
    const chunk = (list, n) => {
        for (let i = 0; i < list.length; i += n)
            out.push(list.slice(i, i + n));
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
            if (targets.length > n)
                out.push(targets.slice(n));
            break;
        }
        default:
            if (targets.length)
                out.push([...targets]);
    }
    return out;
}
const fanoutPlan = (batches) => batches.map((b) => b.join(',')).join(';');
function historyLine(h) {
    return JSON.stringify(h);
}
function check(r, node, stage, code = 'PAAS_REMOTE_APPLY_FAILED') {
    if (r.code === 0)
        return;
    const reason = r.stderr.trim().split('\n').filter((l) => l.startsWith('paas: ')).at(-1)?.slice(6) ?? `remote script exited ${r.code}`;
    let c = code;
    if (r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.checksum)
        c = 'PAAS_REMOTE_UPLOAD_FAILED';
    if (r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.lockLost)
        c = 'PAAS_LOCK_HELD';
    throw new StageError(c, stage, node.name, `${stage} failed on ${node.name}: ${reason}`);
}
function lockOf(n, stdout) {
    n.state = (0,_releases_js__WEBPACK_IMPORTED_MODULE_5__/* .parseState */ .Bu)(stdout);
    n.previous = n.state.current;
    if (n.state.lock && n.state.lock !== 'held')
        n.lockHeld = true;
}
/** PAAS_LOCK_HELD naming the target and the owner (run, actor, sha, time) of the lock. */
function lockHeldError(n) {
    const owner = n.state?.lockOwner ?? {};
    const who = ['run', 'actor', 'sha', 'time'].map((k) => (typeof owner[k] === 'string' ? `${k}=${String(owner[k]).slice(0, 80)}` : '')).filter(Boolean).join(' ');
    return new StageError('PAAS_LOCK_HELD', 'lock', n.name, `the deploy lock of ${n.id.app} in ${n.id.context} on ${n.name} is held by another run (${who || 'owner unknown'})`);
}
/** How long taking a lock (and reading the state) may take on one target. */
const LOCK_TIMEOUT_MS = 60_000;
const lockSpec = (n, o, ownerJson) => ({ token: n.id.token, run: n.id.run, ownerJson, ttlSeconds: o.cfg.lock_ttl / 1000 });
/** Lock + state on every target (parallel). Throws PAAS_LOCK_HELD after releasing what we took. */
async function lockAll(nodes, o, ownerJson) {
    // the first target's lock is taken alone: of two runs racing, the one holding it gets the rest (no livelock)
    const take = async (n) => {
        const r = await n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .prepareScript */ .p5)(n.appDir, lockSpec(n, o, ownerJson)), 'lock', LOCK_TIMEOUT_MS, false);
        check(r, n, 'lock');
        lockOf(n, r.stdout);
        if (n.state?.lock === 'taken_over')
            o.log(`${n.name}: took over a stale lock`);
        return n;
    };
    const [first, ...rest] = nodes;
    let results = first ? await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)([first], 1, take) : [];
    if (first && first.lockHeld)
        results = results.concat(await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(rest, o.cfg.max_parallel, take));
    o.onLocksChanged(nodes.filter((n) => n.lockHeld));
    const failed = results.find((r) => r.status === 'rejected');
    const held = nodes.find((n) => n.state?.lock === 'held');
    if (failed || held) {
        await unlockAll(nodes, o);
        if (failed)
            throw failed.reason;
        throw lockHeldError(held);
    }
}
/** Releases our locks (never others'); best effort, parallel. */
async function unlockAll(nodes, o) {
    await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(nodes.filter((n) => n.lockHeld), 16, async (n) => {
        try {
            const r = await n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .unlockScript */ .Ag)(n.appDir, n.id.token), 'unlock', 30_000, false);
            if (r.code === 0)
                n.lockHeld = false;
            if (/unlock=not_owner/.test(r.stdout))
                o.log(`${n.name}: the lock is no longer ours; left untouched`);
        }
        catch (e) {
            o.log(`${n.name}: could not release the lock (${e instanceof Error ? e.message : String(e)}); the post step or lock_ttl will`);
        }
    });
    o.onLocksChanged(nodes.filter((n) => n.lockHeld));
}
/** A command's deadline (ExecOptions.signal) that can start, restart or stop while it runs. */
class Deadline {
    ac = new AbortController();
    timer;
    signal = this.ac.signal;
    /** aborts `ms` from now (replacing an earlier deadline); null: no deadline */
    arm(ms) {
        clearTimeout(this.timer);
        if (ms !== null)
            this.timer = setTimeout(() => this.ac.abort(), ms);
    }
}
function startReceive(n, o, ownerJson, gate, onUpload) {
    let stage = 'lock';
    let seen = '';
    let gotReady = false;
    let onReady;
    const ready = new Promise((resolve) => { onReady = resolve; });
    let answer;
    const answered = new Promise((resolve) => { answer = resolve; });
    let openGate;
    const opened = new Promise((resolve) => { openGate = resolve; });
    // deadlines: 60 s to take the lock (from the start, or from the gate opening), then
    // command_timeout from the answer (waiting for the other targets is bounded by their own deadlines)
    const deadline = new Deadline();
    if (!gate)
        deadline.arm(LOCK_TIMEOUT_MS);
    void opened.then(() => deadline.arm(LOCK_TIMEOUT_MS));
    void answered.then(() => deadline.arm(o.cfg.command_timeout));
    let lastPct = -1;
    const progress = (done, total) => {
        const pct = total ? Math.floor((done / total) * 100) : 100;
        if (pct >= lastPct + 25 || (pct === 100 && lastPct !== 100)) {
            lastPct = pct;
            o.log(`${n.name}: upload ${pct}% of ${Math.round(total / 1024)} KiB`);
        }
    };
    const input = (stdin) => {
        if (gate)
            void opened.then(() => { if (!stdin.writableEnded)
                stdin.write(`${_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.go}\n`); });
        void answered.then(async (word) => {
            if (word !== 'go')
                return void stdin.end(`${_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR[word]}\n`);
            stage = 'upload';
            onUpload();
            // the exec's result reports a broken link; this only has to stop writing
            await (0,_transport_transport_js__WEBPACK_IMPORTED_MODULE_2__/* .sendFile */ .T)(stdin, `${_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.go}\n`, o.artifact.file, o.artifact.bytes, progress).catch(() => { });
            stage = 'unpack';
        });
    };
    const onStdout = (c) => {
        seen += c;
        if (!gotReady && seen.includes(`\n${_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.ready}\n`)) {
            gotReady = true;
            deadline.arm(null);
            lockOf(n, seen);
            onReady(true);
        }
    };
    const spec = { release: o.release, sha256: o.artifact.sha256, shared: o.cfg.shared, lock: lockSpec(n, o, ownerJson) };
    const script = (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .receiveScript */ .rp)(n.appDir, spec);
    const result = n.run(gate ? (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .gated */ .aH)(script) : script, () => stage, 0, false, { input, onStdout, signal: deadline.signal });
    void result
        .then((r) => { if (!gotReady)
        lockOf(n, r.stdout); }, () => { })
        .finally(() => {
        deadline.arm(null);
        onReady(false);
    });
    return { n, ready, result, openGate, answer };
}
/** Where a failed receiveScript stopped. */
function receiveStage(r) {
    if (r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.checksum)
        return 'upload';
    if (r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.exists || r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.noTools || r.stdout.includes(`\n${_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.ready}\n`))
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
async function lockAndInstallAll(nodes, o, ownerJson, onUpload = () => { }) {
    // every script starts at once; the others take their lock when the first one holds its own
    const receivers = nodes.map((n, i) => startReceive(n, o, ownerJson, i > 0, () => onUpload(n)));
    const [first, ...rest] = receivers;
    if (!first)
        return;
    const firstLocked = await first.ready;
    for (const r of rest) {
        if (firstLocked)
            r.openGate();
        else
            r.answer('abort');
    }
    const ready = await Promise.all(receivers.map((r) => r.ready));
    for (const r of receivers)
        if (r.n.state?.lock === 'taken_over')
            o.log(`${r.n.name}: took over a stale lock`);
    o.onLocksChanged(nodes.filter((n) => n.lockHeld));
    const proceed = ready.every(Boolean);
    const uploads = new _transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .Limiter */ .jG(Math.max(1, o.cfg.max_parallel));
    const settled = await Promise.allSettled(receivers.map(async (r) => {
        if (!proceed)
            r.answer('abort');
        else if (r.n.state?.kv.need !== 'upload')
            r.answer('skip');
        else
            await uploads.run(async () => { r.answer('go'); await r.result.catch(() => { }); });
        const res = await r.result;
        if (/^unlock=released$/m.test(res.stdout))
            r.n.lockHeld = false;
        const installed = /^install=(\w+)$/m.exec(res.stdout)?.[1];
        if (installed === 'current')
            r.n.note(`release ${o.release} is already current`);
        if (res.code === 0 || !proceed)
            return;
        check(res, r.n, receiveStage(res));
    }));
    o.onLocksChanged(nodes.filter((n) => n.lockHeld));
    const failed = settled.find((x) => x.status === 'rejected');
    if (failed)
        throw failed.reason;
    const held = receivers.find((r) => r.n.state?.lock === 'held');
    if (held)
        throw lockHeldError(held.n);
    if (!proceed) {
        // a script that ended before `--ready` without holding a lock elsewhere: its own failure
        const bad = await Promise.all(receivers.map(async (r, i) => (ready[i] ? null : { r, res: await r.result })));
        for (const b of bad)
            if (b)
                check(b.res, b.r.n, receiveStage(b.res));
    }
}
/**
 * A remote step started ahead of time (`gated`): its channel and shell are up and waiting, so
 * firing it costs one round trip instead of three. `cancel` (or the link dropping) ends it with
 * nothing done. Its timeout counts from `fire`.
 */
class Staged {
    timeoutMs;
    stdin = null;
    word = null;
    deadline = new Deadline();
    result;
    constructor(n, script, stage, timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.result = n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .gated */ .aH)(script), stage, 0, true, {
            input: (stdin) => {
                this.stdin = stdin;
                if (this.word)
                    stdin.end(this.word);
            },
            signal: this.deadline.signal,
        });
        this.result.catch(() => { });
    }
    send(word) {
        if (this.word)
            return;
        this.word = `${word}\n`;
        this.stdin?.end(this.word);
    }
    async fire() {
        this.send(_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.go);
        this.deadline.arm(this.timeoutMs);
        try {
            return await this.result;
        }
        finally {
            this.deadline.arm(null);
        }
    }
    cancel() {
        this.send(_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .RECEIVE */ .KR.abort);
    }
}
/** The switch step of a deploy (pre_switch, lock check, atomic link, start), staged ahead of its batch. */
function stageSwitch(n, o) {
    const script = (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .switchScript */ .Ec)(n.appDir, { env: n.env(o.release), lockToken: n.id.token, preSwitch: o.cfg.hooks.pre_switch, start: o.cfg.start });
    return new Staged(n, script, 'switch', o.cfg.command_timeout);
}
/** The health gate of one target (`env.slot`: that slot's port / PAAS_SLOT); throws a StageError naming why. */
async function healthOrThrow(n, env, o, what = '') {
    const h = o.cfg.health;
    const health = env.slot && h?.http ? { ...h, http: { ...h.http, port: env.slot.port } } : h;
    const where = env.slot ? ` (slot ${env.slot.name}${what})` : '';
    let gate;
    try {
        await (0,_connect_js__WEBPACK_IMPORTED_MODULE_3__/* .connectTransport */ .go)(n.t);
        gate = await (0,_health_js__WEBPACK_IMPORTED_MODULE_4__/* .healthGate */ .Yr)(n.t, health, n.appDir, env, o.log);
    }
    catch (e) {
        if (e instanceof _transport_transport_js__WEBPACK_IMPORTED_MODULE_2__/* .TransportError */ .w)
            throw new StageError((0,_connect_js__WEBPACK_IMPORTED_MODULE_3__/* .transportErrorCode */ .jh)(e, 'health'), 'health', n.name, e.message);
        throw e;
    }
    if (!gate.ok) {
        n.note(`paas: health check failed${where}: ${gate.reason}`);
        throw new StageError('PAAS_HEALTH_CHECK_FAILED', 'health', n.name, `health check of ${n.name}${where} failed: ${gate.reason}`);
    }
    o.log(`${n.name}: healthy on ${env.release}${where} (${gate.reason}, ${gate.checks} check${gate.checks === 1 ? '' : 's'}, ${gate.ms} ms)`);
}
/**
 * Runs a remote step that may move `current`: marks the target switched when it did, or when the
 * link failed or the script was killed mid-step (unknowable: rolled back, harmless if it never switched).
 */
async function switching(n, o, script, run) {
    let r;
    try {
        r = run ? await run.fire() : await n.run(script, 'switch', o.cfg.command_timeout);
    }
    catch (e) {
        n.switched = true;
        throw e;
    }
    // killed by a signal (sshd gone, OOM...) is as unknowable as a lost link: it may have died right after the switch
    if (/^switched=/m.test(r.stdout) || r.code >= 128)
        n.switched = true;
    const stage = r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.preSwitch ? 'pre_switch' : r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.start ? 'start' : 'switch';
    check(r, n, stage);
    return r;
}
/** Switches one target to `release` (pre_switch, atomic link, start) then health-gates it; bluegreen apps flip slots. */
async function switchAndCheck(n, release, o, opts) {
    if (o.cfg.strategy === 'bluegreen')
        return flipSlots(n, release, o, opts.historyLine);
    const script = (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .switchScript */ .Ec)(n.appDir, { env: n.env(release), lockToken: n.id.token, preSwitch: opts.preSwitch ? o.cfg.hooks.pre_switch : undefined, start: o.cfg.start, historyLine: opts.historyLine });
    await switching(n, o, script, opts.staged);
    opts.onSwitched?.();
    await healthOrThrow(n, n.env(release), o);
}
// ------------------------------------------------------------------------------------ bluegreen
const otherSlot = (s) => (s === 'blue' ? 'green' : 'blue');
/** The live slot of a target (`.paas/live`), or null before its first bluegreen deploy. */
function liveSlot(n) {
    const v = n.state?.kv.live;
    return v === 'blue' || v === 'green' ? v : null;
}
function slotEnv(n, release, slot, o) {
    const slots = o.cfg.slots;
    if (!slots)
        throw new StageError('PAAS_INVALID_ARGUMENT', 'config', n.name, 'strategy bluegreen needs slots: { blue: { port }, green: { port } } in paas.yml');
    return { ...n.env(release), slot: { name: slot, port: slots[slot].port } };
}
/** The idle slot gets `release` and is started and health-checked there; live traffic is untouched. */
async function startSlot(n, release, slot, o) {
    const env = slotEnv(n, release, slot, o);
    const r = await n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .slotStartScript */ .qc)(n.appDir, { env, lockToken: n.id.token, start: o.cfg.start }), 'start', o.cfg.command_timeout);
    check(r, n, r.code === _transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .SCRIPT_EXIT */ .lZ.start ? 'start' : 'switch');
    await healthOrThrow(n, env, o, ', idle');
}
/** `slot` becomes live (`.paas/live`, `current`, slots.switch), then it is checked again. */
async function switchSlot(n, release, slot, o, historyLine) {
    const env = slotEnv(n, release, slot, o);
    await switching(n, o, (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .slotSwitchScript */ .QQ)(n.appDir, { env, lockToken: n.id.token, switchCommand: o.cfg.slots?.switch, historyLine }));
    n.live = slot;
    await healthOrThrow(n, env, o, ', re-check after the switch');
}
/** One target to `release` the bluegreen way (rollback): start it in the idle slot, check, switch, re-check. */
async function flipSlots(n, release, o, historyLine) {
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
async function bluegreenFleet(nodes, o, identity) {
    const batches = [nodes.map((n) => n.name)];
    const was = new Map(nodes.map((n) => [n, liveSlot(n)]));
    const idle = (n) => otherSlot(was.get(n) ?? 'green');
    o.log(`bluegreen: starting ${o.release} in the idle slot of ${nodes.length} target(s); live traffic is untouched`);
    let error = firstFailure(await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(nodes, o.cfg.max_parallel, (n) => startSlot(n, o.release, idle(n), o)), nodes, 'start', false);
    if (!error) {
        o.log(`bluegreen: switching ${nodes.map((n) => `${n.name}->${idle(n)}`).join(', ')}`);
        error = firstFailure(await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(nodes, o.cfg.max_parallel, (n) => switchSlot(n, o.release, idle(n), o)), nodes, 'switch', true);
    }
    if (!error)
        error = await finalizeAll(nodes, o, identity, new Map());
    for (const n of nodes)
        if (n.status === 'pending')
            n.status = 'skipped';
    if (!error)
        return { ok: true, batches, rolledBack: [] };
    const back = (n, bad) => {
        const slot = was.get(n);
        if (!slot)
            throw new Error('no slot ran a release before (first bluegreen deploy here)');
        return switchSlot(n, n.previous, slot, o, bad);
    };
    const rolledBack = o.rollbackOnFailure ? await fleetRollback(nodes, o, identity, error, back) : [];
    return { ok: false, error, batches, rolledBack };
}
/** Statuses from one step over targets (ok only when `okWhenDone`); the first failure, as a StageError. */
function firstFailure(results, list, stage, okWhenDone) {
    let error;
    results.forEach((r, i) => {
        const n = list[i];
        if (r.status === 'fulfilled') {
            if (okWhenDone)
                n.status = 'ok';
            return;
        }
        n.status = 'failed';
        error ??= r.reason instanceof StageError ? r.reason : new StageError('PAAS_REMOTE_APPLY_FAILED', stage, n.name, String(r.reason?.message ?? r.reason));
    });
    return error;
}
/** post_switch hook, history line (good), prune, and the unlock when nothing after it can fail the fleet. */
function finalizeStep(n, o, identity) {
    const prune = n.state ? (0,_releases_js__WEBPACK_IMPORTED_MODULE_5__/* .pruneList */ .$m)(n.state, o.release, n.previous !== o.release ? n.previous : (0,_releases_js__WEBPACK_IMPORTED_MODULE_5__/* .rollbackCandidate */ .W5)(n.state), o.cfg.keep_releases) : [];
    const line = historyLine({ at: o.now().toISOString(), release: o.release, status: 'good', event: 'deploy', actor: identity.actor, run: identity.run, sha256: o.artifact.sha256 });
    const unlockToken = o.cfg.hooks.post_switch ? undefined : n.id.token;
    return new Staged(n, (0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .finalizeScript */ .ew)(n.appDir, { env: n.env(o.release), postSwitch: o.cfg.hooks.post_switch, historyLine: line, prune, unlockToken }), 'post_switch', o.cfg.command_timeout);
}
/** Everything healthy: post_switch hooks, history, prune, unlock (staged: one round trip per target). */
async function finalizeAll(nodes, o, identity, finals) {
    const results = await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(nodes, o.cfg.max_parallel, async (n) => {
        const r = await (finals.get(n) ?? finalizeStep(n, o, identity)).fire();
        check(r, n, 'post_switch');
        n.finalized = true;
        if (/^unlock=released/m.test(r.stdout))
            n.lockHeld = false;
    });
    o.onLocksChanged(nodes.filter((x) => x.lockHeld));
    return firstFailure(results, nodes, 'post_switch', false);
}
/**
 * Switches batch by batch. On the first failure, every target that switched in this run (earlier
 * batches included) goes back to the release it had, and is health-checked again. Remote steps are
 * staged ahead (the next batch's switch while this one runs, a target's finalize while it is
 * health-checked): `staged` may already hold the first batch's switches.
 */
async function switchFleet(nodes, o, batches, identity, staged = new Map()) {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const batchNodes = batches.map((b) => b.map((name) => byName.get(name)));
    const finals = new Map();
    const stageBatch = (list) => {
        for (const n of list ?? [])
            if (!staged.has(n))
                staged.set(n, stageSwitch(n, o));
    };
    let error;
    try {
        for (let b = 0; b < batchNodes.length && !error; b++) {
            const batch = batchNodes[b];
            stageBatch(batch);
            stageBatch(batchNodes[b + 1]);
            o.log(`batch ${b + 1}/${batches.length}: ${batch.map((n) => n.name).join(', ')}`);
            const results = await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(batch, o.cfg.max_parallel, (n) => switchAndCheck(n, o.release, o, { preSwitch: true, staged: staged.get(n), onSwitched: () => finals.set(n, finalizeStep(n, o, identity)) }));
            error = firstFailure(results, batch, 'switch', true);
        }
        if (!error)
            error = await finalizeAll(nodes, o, identity, finals);
    }
    finally {
        // what was staged and not fired ends with nothing done
        for (const st of [...staged.values(), ...finals.values()])
            st.cancel();
    }
    for (const n of nodes)
        if (n.status === 'pending')
            n.status = 'skipped';
    if (!error)
        return { ok: true, batches, rolledBack: [] };
    const rolledBack = o.rollbackOnFailure ? await fleetRollback(nodes, o, identity, error) : [];
    return { ok: false, error, batches, rolledBack };
}
/** Every switched target back to its previous release, health-checked; the failed release marked bad. */
async function fleetRollback(nodes, o, identity, cause, back = (n, bad) => switchAndCheck(n, n.previous, o, { preSwitch: false, historyLine: bad })) {
    const switched = nodes.filter((n) => n.switched && n.previous !== o.release);
    if (!switched.length)
        return [];
    o.log(`rolling back ${switched.length} target(s) to the release each ran before: ${switched.map((n) => `${n.name}->${n.previous ?? 'none'}`).join(', ')}`);
    const at = o.now().toISOString();
    const bad = historyLine({ at, release: o.release, status: 'bad', event: 'fleet_rollback', actor: identity.actor, run: identity.run, reason: `${cause.stage} on ${cause.target}` });
    const done = [];
    await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(switched, o.cfg.max_parallel, async (n) => {
        if (!n.previous) {
            n.status = 'rollback_failed';
            n.note('paas: no previous release to return to (first deploy of this app on this target)');
            return;
        }
        try {
            await back(n, bad);
            n.status = 'rolled_back';
            done.push(n.name);
        }
        catch (e) {
            n.status = 'rollback_failed';
            o.log(`${n.name}: rollback to ${n.previous} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
    });
    return nodes.filter((n) => done.includes(n.name)).map((n) => n.name);
}
/** Read-only state of every target (plan, reconcile, rollback resolve). Errors are per target. */
async function readStates(nodes, concurrency) {
    const out = new Map();
    const results = await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_6__/* .mapLimit */ .sf)(nodes, concurrency, async (n) => {
        const r = await n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .stateScript */ .nB)(n.appDir), 'state', 60_000, false);
        check(r, n, 'state');
        return (0,_releases_js__WEBPACK_IMPORTED_MODULE_5__/* .parseState */ .Bu)(r.stdout);
    });
    results.forEach((r, i) => {
        const n = nodes[i];
        if (r.status === 'fulfilled') {
            n.state = r.value;
            n.previous = r.value.current;
            out.set(n.name, r.value);
        }
        else
            out.set(n.name, r.reason instanceof StageError ? r.reason : new StageError('PAAS_REMOTE_APPLY_FAILED', 'state', n.name, String(r.reason)));
    });
    return out;
}
function toPaasError(e) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError(e.code, e.message, { stage: e.stage, target: e.target, remediation: (0,_connect_js__WEBPACK_IMPORTED_MODULE_3__/* .remediationFor */ .$J)(e.code) });
}
function targetStatuses(nodes) {
    return nodes.map((n) => `${n.name}:${n.status}`).join(',');
}



/***/ }),

/***/ 2667:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Yr: () => (/* binding */ healthGate)
/* harmony export */ });
/* unused harmony exports httpProbe, commandProbe, pauseBefore */
/* harmony import */ var _transport_commands_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7904);
/* harmony import */ var _transport_limit_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1447);


/** One HTTP GET to a port on the target, through the transport (SSH direct-tcpip), with a timeout. */
async function httpProbe(t, http, timeoutMs) {
    const expect = Array.isArray(http.expect) ? http.expect : [http.expect];
    let stream;
    try {
        stream = await withTimeout(t.openTcp(http.port, http.host), timeoutMs, `timeout after ${Math.round(timeoutMs / 1000)}s connecting to port ${http.port}`);
    }
    catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { ok: false, reason: /refused/i.test(msg) ? `connection refused on port ${http.port}` : msg };
    }
    const s = stream;
    return new Promise((resolve) => {
        let buf = '';
        let done = false;
        const finish = (r) => {
            if (done)
                return;
            done = true;
            clearTimeout(timer);
            s.destroy();
            resolve(r);
        };
        const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${Math.round(timeoutMs / 1000)}s waiting for a response on port ${http.port}` }), timeoutMs);
        s.on('data', (c) => {
            buf += c.toString('latin1');
            const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(buf);
            if (m) {
                const code = Number(m[1]);
                finish(expect.includes(code) ? { ok: true, reason: `status ${code}` } : { ok: false, reason: `status ${code}, expected ${expect.join('|')}` });
            }
            else if (buf.length > 16 && !buf.startsWith('HTTP/')) {
                finish({ ok: false, reason: 'not an HTTP response' });
            }
        });
        s.on('error', (e) => finish({ ok: false, reason: `connection error: ${e.message}` }));
        s.on('close', () => finish({ ok: false, reason: buf ? 'connection closed before the status line' : 'connection closed without a response' }));
        s.write(`GET ${http.path} HTTP/1.0\r\nHost: localhost\r\nUser-Agent: paas-health\r\nConnection: close\r\n\r\n`);
    });
}
async function withTimeout(p, ms, message) {
    let timer;
    try {
        return await Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(message)), ms); })]);
    }
    finally {
        clearTimeout(timer);
    }
}
async function commandProbe(t, appDir, env, command, timeoutMs) {
    try {
        const r = await t.exec((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .healthCommandScript */ .Pk)(appDir, env, command), { timeoutMs });
        return r.code === 0 ? { ok: true, reason: 'exit 0' } : { ok: false, reason: `health command exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)?.slice(0, 200)}` : ''}` };
    }
    catch (e) {
        return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
}
/**
 * The pause before check number `n` (n >= 2): 50 ms, doubling, up to `interval`. An app that is up
 * 120 ms after its start is seen then, not a whole `interval` later; a slow one is polled at `interval`.
 */
function pauseBefore(n, interval) {
    return Math.min(interval, 50 * 2 ** Math.min(n - 2, 20));
}
/**
 * Polls until healthy or the deadline passes: each check has its own timeout, pauses growing from
 * 50 ms to `interval` between checks. No health config = healthy (the start command's exit status
 * already gated).
 */
async function healthGate(t, health, appDir, env, log) {
    const t0 = Date.now();
    if (!health || (!health.http && !health.command))
        return { ok: true, checks: 0, reason: 'no health check configured', ms: 0 };
    const deadline = t0 + health.deadline;
    let checks = 0;
    let last;
    let lastLog = t0;
    for (;;) {
        checks++;
        const left = deadline - Date.now();
        const timeout = Math.max(100, Math.min(health.timeout, left));
        last = health.http ? await httpProbe(t, health.http, timeout) : await commandProbe(t, appDir, env, health.command, timeout);
        if (last.ok)
            return { ok: true, checks, reason: last.reason, ms: Date.now() - t0 };
        const pause = pauseBefore(checks + 1, health.interval);
        if (Date.now() + pause > deadline)
            break;
        if (Date.now() - lastLog >= 5000) {
            lastLog = Date.now();
            log(`${env.target}: waiting for health (${last.reason}), ${Math.ceil((deadline - Date.now()) / 1000)}s left`);
        }
        await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_1__/* .sleep */ .yy)(pause);
    }
    return { ok: false, checks, reason: `${last.reason} (after ${checks} checks in ${Math.round((Date.now() - t0) / 1000)}s)`, ms: Date.now() - t0 };
}


/***/ }),

/***/ 7479:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RD: () => (/* binding */ checkTriggerPolicy)
/* harmony export */ });
/* unused harmony exports canonicalJson, signDispatch, verifyDispatch, triggerFacts */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3879);



/** Canonical JSON: object keys sorted recursively (what a repository_dispatch signature covers). */
function canonicalJson(v) {
    if (Array.isArray(v))
        return `[${v.map(canonicalJson).join(',')}]`;
    if (v && typeof v === 'object') {
        return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
    }
    return JSON.stringify(v);
}
/**
 * Signature of a repository_dispatch: `sha256=<hex HMAC-SHA256(secret, event_type + "\n" +
 * canonicalJson(client_payload without "signature"))>`, placed in client_payload.signature.
 * client_payload.timestamp (ISO 8601) must be within 10 minutes of now (no replays).
 */
function signDispatch(secret, eventType, clientPayload) {
    const rest = { ...clientPayload };
    delete rest.signature;
    return 'sha256=' + (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', secret).update(`${eventType}\n${canonicalJson(rest)}`).digest('hex');
}
function verifyDispatch(secret, eventType, clientPayload, now) {
    const sig = clientPayload.signature;
    if (typeof sig !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(sig))
        return 'the repository_dispatch payload carries no sha256 signature';
    const want = Buffer.from(signDispatch(secret, eventType, clientPayload));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.timingSafeEqual)(want, got))
        return 'the repository_dispatch signature does not match PAAS_WEBHOOK_SECRET';
    const ts = typeof clientPayload.timestamp === 'string' ? Date.parse(clientPayload.timestamp) : NaN;
    if (!Number.isFinite(ts) || Math.abs(now.getTime() - ts) > 10 * 60_000)
        return 'the repository_dispatch timestamp is missing or older than 10 minutes';
    return null;
}
function globMatch(pattern, value) {
    const esc = (part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    return new RegExp(`^${pattern.split('**').map(esc).join('.*')}$`).test(value);
}
function triggerFacts(env) {
    const ref = env.GITHUB_REF ?? '';
    const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || (ref.startsWith('refs/heads/') ? ref.slice(11) : '');
    return { event: env.GITHUB_EVENT_NAME ?? '', branch, actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '' };
}
function denied(message, remediation) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__.PaasError('PAAS_INVALID_ARGUMENT', message, { stage: 'policy', remediation });
}
/**
 * May this run change targets? In CI: the context's webhook_policy (event, branch, actor; a
 * signed repository_dispatch). Outside CI: only demo contexts; others name the workflow to run.
 */
function checkTriggerPolicy(rt, ctx, vault, op) {
    if (!rt.inCI) {
        if (ctx.type === 'demo')
            return;
        throw denied(`refusing to ${op} context ${ctx.name} (type ${ctx.type}) from outside CI: deploys of non-demo contexts are CI/CD-only`, `Run the workflow .github/workflows/${op}.yml (workflow_dispatch, context ${ctx.name}; template in workflows-templates/${op}.yml), or drop --apply to see the plan.`);
    }
    const p = ctx.webhook_policy;
    const f = triggerFacts(rt.env);
    const fix = `Adjust webhook_policy of context ${ctx.name} (paas context create ... --events/--branches/--actors) or trigger the run the policy allows.`;
    if (!p.events.includes(f.event))
        throw denied(`trigger policy of ${ctx.name}: event ${f.event || '(none)'} may not ${op} (allowed: ${p.events.join(', ') || 'none'})`, fix);
    if (p.branches.length && !p.branches.some((b) => globMatch(b, f.branch)))
        throw denied(`trigger policy of ${ctx.name}: branch ${f.branch || '(none)'} may not ${op}`, fix);
    if (p.actors.length && !p.actors.includes(f.actor))
        throw denied(`trigger policy of ${ctx.name}: actor ${f.actor || '(none)'} may not ${op}`, fix);
    if (f.event === 'repository_dispatch' || p.require_signature) {
        if (f.event !== 'repository_dispatch')
            throw denied(`trigger policy of ${ctx.name} requires a signed repository_dispatch`, fix);
        const secret = vault.require('PAAS_WEBHOOK_SECRET', 'verifying the repository_dispatch signature');
        let payload = {};
        try {
            payload = JSON.parse((0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync)(rt.env.GITHUB_EVENT_PATH ?? '', 'utf8'));
        }
        catch {
            throw denied('the repository_dispatch event payload (GITHUB_EVENT_PATH) cannot be read', fix);
        }
        const cp = payload.client_payload && typeof payload.client_payload === 'object' ? payload.client_payload : {};
        const why = verifyDispatch(secret, typeof payload.action === 'string' ? payload.action : '', cp, rt.now());
        if (why)
            throw denied(`trigger policy of ${ctx.name}: ${why}`, 'Sign client_payload with PAAS_WEBHOOK_SECRET as docs/deploy.md describes (signDispatch), with a fresh timestamp.');
    }
}


/***/ }),

/***/ 1442:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   h: () => (/* binding */ runPreflight)
/* harmony export */ });
/* harmony import */ var _doctor_index_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2440);

/**
 * Before a mutating deploy/rollback: doctor's isolation checks (lib/ops/doctor `preflight`);
 * critical findings block with PAAS_DOCTOR_BLOCKED before any target is touched.
 */
async function runPreflight(rt, common) {
    await (0,_doctor_index_js__WEBPACK_IMPORTED_MODULE_0__/* .preflight */ .Mz)(rt, common);
}


/***/ }),

/***/ 2756:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  closeAll: () => (/* binding */ closeAll),
  connectAll: () => (/* binding */ connectAll),
  defaultReleaseId: () => (/* binding */ defaultReleaseId),
  deployRun: () => (/* binding */ deployRun),
  lockOwner: () => (/* binding */ lockOwner),
  openFleet: () => (/* binding */ openFleet),
  reconcileRun: () => (/* binding */ reconcileRun),
  recordHistory: () => (/* binding */ recordHistory),
  remediationFor: () => (/* reexport */ connect/* remediationFor */.$J),
  requireApp: () => (/* binding */ requireApp),
  rollbackCandidate: () => (/* reexport */ releases/* rollbackCandidate */.W5),
  runIdentity: () => (/* binding */ runIdentity),
  startDeployment: () => (/* binding */ startDeployment),
  targetCheckRun: () => (/* binding */ targetCheckRun)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 22 modules
var github = __webpack_require__(2413);
;// CONCATENATED MODULE: ./lib/github/api.ts

/** GitHubApi over @actions/github's Octokit (baseUrl from GITHUB_API_URL for GHES and tests). */
function octokitApi(token, baseUrl) {
    const gh = (0,github/* getOctokit */.Q)(token, baseUrl ? { baseUrl } : {});
    return {
        async createDeployment(p) {
            const r = await gh.rest.repos.createDeployment({
                owner: p.owner,
                repo: p.repo,
                ref: p.ref,
                environment: p.environment,
                description: p.description.slice(0, 140),
                payload: p.payload,
                auto_merge: false,
                required_contexts: [],
                production_environment: p.production_environment,
            });
            const id = r.data.id;
            if (typeof id !== 'number')
                throw new Error(`GitHub did not create a deployment (HTTP ${r.status})`);
            return { id };
        },
        async createDeploymentStatus(p) {
            await gh.rest.repos.createDeploymentStatus({
                owner: p.owner,
                repo: p.repo,
                deployment_id: p.deployment_id,
                state: p.state,
                description: p.description.slice(0, 140),
                environment: p.environment,
                ...(p.environment_url ? { environment_url: p.environment_url } : {}),
                ...(p.log_url ? { log_url: p.log_url } : {}),
                auto_inactive: true,
            });
        },
    };
}
/** Tracks one Deployment through its statuses; every failure is a warning, never a failed deploy. */
class DeploymentTracker {
    api;
    repo;
    environment;
    warn;
    logUrl;
    id = null;
    constructor(api, repo, environment, warn, logUrl) {
        this.api = api;
        this.repo = repo;
        this.environment = environment;
        this.warn = warn;
        this.logUrl = logUrl;
    }
    async start(ref, description, payload) {
        try {
            const d = await this.api.createDeployment({ ...this.repo, ref, environment: this.environment, description, payload });
            this.id = d.id;
            await this.status('in_progress', description);
        }
        catch (e) {
            this.warn(`GitHub deployment could not be created: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    async status(state, description, environmentUrl) {
        if (this.id === null)
            return;
        try {
            await this.api.createDeploymentStatus({ ...this.repo, deployment_id: this.id, state, description, environment: this.environment, environment_url: environmentUrl, log_url: this.logUrl });
        }
        catch (e) {
            this.warn(`GitHub deployment status ${state} could not be set: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
}
/** From the runner's env: owner/repo, ref, run URL. Null outside Actions. */
function repoFromEnv(env) {
    const full = env.GITHUB_REPOSITORY ?? '';
    const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(full);
    if (!m)
        return null;
    const ref = env.GITHUB_SHA || env.GITHUB_REF || '';
    if (!ref)
        return null;
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    const logUrl = env.GITHUB_RUN_ID ? `${server}/${full}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
    return { owner: m[1], repo: m[2], ref, ...(logUrl ? { logUrl } : {}) };
}

// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/output/logfmt.ts
var logfmt = __webpack_require__(6829);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __webpack_require__(6674);
// EXTERNAL MODULE: ./lib/output/summary.ts
var summary = __webpack_require__(9618);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var runtime_session = __webpack_require__(1805);
// EXTERNAL MODULE: ./lib/transport/commands.ts
var commands = __webpack_require__(7904);
// EXTERNAL MODULE: ./lib/transport/limit.ts
var limit = __webpack_require__(1447);
// EXTERNAL MODULE: ./lib/transport/transport.ts
var transport = __webpack_require__(2553);
// EXTERNAL MODULE: ./lib/config/paas-yml.ts
var paas_yml = __webpack_require__(5993);
;// CONCATENATED MODULE: ./lib/ops/deploy/app-config.ts


function normalizeApp(a) {
    return {
        artifact: a.artifact,
        deploy_root: a.deploy_root,
        keep_releases: a.keep_releases,
        shared: [...a.shared],
        start: a.start ?? a.restart,
        health: a.health,
        strategy: a.strategy,
        batch: a.batch,
        max_parallel: a.max_parallel,
        canary: a.canary,
        slots: a.slots,
        hooks: a.hooks ?? {},
        lock_ttl: a.lock_ttl ?? 30 * 60_000,
        command_timeout: a.command_timeout ?? 10 * 60_000,
        connect_concurrency: a.connect_concurrency ?? 10,
        connect_attempts: a.connect_attempts ?? 4,
        url: a.url,
    };
}
/** Reads paas.yml (relative to the workspace) and returns `apps.<app>` and the context's environment name. */
function loadAppConfig(cwd, path, app) {
    const loaded = (0,paas_yml/* loadPaasYml */.a4)(path, cwd, { optional: false });
    const raw = loaded.config.apps[app];
    if (!raw) {
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `${path} has no app ${app}`, {
            stage: 'config',
            remediation: `Add apps.${app} to ${path} (see docs/paas-yml.md), or pass one of: ${Object.keys(loaded.config.apps).join(', ') || '(none defined)'}.`,
        });
    }
    return { app: normalizeApp(raw), file: loaded.path, environment: (c) => loaded.config.contexts[c]?.environment };
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./node_modules/tar/dist/esm/index.min.js
var index_min = __webpack_require__(8697);
;// CONCATENATED MODULE: ./lib/ops/deploy/artifact.ts







const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);
/** Why an entry would escape `releases/<id>`, or null. Pure; unit-tested. */
function entryEscape(type, path, linkpath) {
    if (!ALLOWED.has(type))
        return `entry type ${type} is not allowed`;
    if (path.includes('\0') || linkpath?.includes('\0'))
        return 'entry name contains NUL';
    if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\'))
        return 'absolute entry path';
    if (path.split('/').includes('..'))
        return 'entry path contains ..';
    if (type === 'SymbolicLink') {
        const lp = linkpath ?? '';
        if (lp.startsWith('/'))
            return 'symlink to an absolute path';
        const resolved = external_node_path_.posix.normalize(external_node_path_.posix.join(external_node_path_.posix.dirname(path), lp));
        if (resolved === '..' || resolved.startsWith('../'))
            return 'symlink pointing outside the release';
    }
    if (type === 'Link') {
        const lp = linkpath ?? '';
        if (lp.startsWith('/') || lp.split('/').includes('..'))
            return 'hard link pointing outside the release';
    }
    return null;
}
function refused(name, why) {
    const shown = name.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    return new errors.PaasError('PAAS_INVALID_ARGUMENT', `the artifact is refused: ${why} (${JSON.stringify(shown)})`, {
        stage: 'artifact',
        remediation: 'Build the tarball from inside the release directory (tar -czf app.tar.gz -C build .) with relative paths only and links that stay inside it; nothing was uploaded.',
    });
}
async function sha256File(file) {
    const h = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_.createReadStream)(file))
        h.update(chunk);
    return h.digest('hex');
}
/**
 * Checks every entry of a .tar.gz before anything is uploaded: no absolute paths, no `..`, no
 * symlink or hard link leaving the release, no devices or FIFOs. A directory is packed first.
 */
async function prepareArtifact(path) {
    let st;
    try {
        st = (0,external_node_fs_.statSync)(path);
    }
    catch {
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `artifact not found: ${path}`, { stage: 'artifact', remediation: 'Build the release before this step, and pass its path (relative to the workspace) as `artifact` or apps.<app>.artifact in paas.yml.' });
    }
    let file = path;
    let cleanup = async () => { };
    if (st.isDirectory()) {
        const dir = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'paas-artifact-'));
        file = (0,external_node_path_.join)(dir, 'release.tar.gz');
        await index_min/* create */.vt({ gzip: true, file, cwd: path, portable: true, follow: false }, ['.']);
        cleanup = () => (0,promises_.rm)(dir, { recursive: true, force: true });
    }
    let entries = 0;
    let problem = null;
    try {
        await index_min/* list */.p_({
            file,
            strict: true,
            onReadEntry: (e) => {
                entries++;
                const why = entryEscape(e.type, e.path, e.linkpath);
                if (why && !problem)
                    problem = refused(e.path, why);
            },
        });
    }
    catch (e) {
        await cleanup();
        if (e instanceof errors.PaasError)
            throw e;
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'the artifact is not a readable .tar.gz', { stage: 'artifact', remediation: 'Pass a gzip-compressed tarball or a release directory.' });
    }
    if (problem) {
        await cleanup();
        throw problem;
    }
    if (entries === 0) {
        await cleanup();
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'the artifact is empty', { stage: 'artifact', remediation: 'Check the build step that produces the artifact.' });
    }
    return { file, sha256: await sha256File(file), bytes: (0,external_node_fs_.statSync)(file).size, entries, cleanup };
}

// EXTERNAL MODULE: ./lib/ops/deploy/cleanup.ts
var cleanup = __webpack_require__(1353);
// EXTERNAL MODULE: ./lib/ops/deploy/connect.ts + 3 modules
var connect = __webpack_require__(5346);
// EXTERNAL MODULE: ./lib/ops/deploy/fleet.ts
var deploy_fleet = __webpack_require__(5945);
// EXTERNAL MODULE: ./lib/ops/deploy/health.ts
var health = __webpack_require__(2667);
// EXTERNAL MODULE: ./lib/ops/deploy/preflight.ts
var preflight = __webpack_require__(1442);
// EXTERNAL MODULE: ./lib/ops/deploy/policy.ts
var policy = __webpack_require__(7479);
// EXTERNAL MODULE: ./lib/ops/deploy/releases.ts
var releases = __webpack_require__(9095);
;// CONCATENATED MODULE: ./lib/ops/deploy/run.ts






















/** Who and what this run is: run id, actor, sha, and a random lock token. */
function runIdentity(rt, context, app) {
    const clean = (s, re) => (s && re.test(s) ? s : '');
    const run = clean(rt.env.GITHUB_RUN_ID, /^\d{1,20}$/) || `cli-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`;
    const actor = clean(rt.env.GITHUB_ACTOR, /^[A-Za-z0-9-[\]]{1,64}$/) || `local:${clean(rt.env.USER, /^[a-z_][a-z0-9_.-]{0,31}$/) || 'user'}`;
    const sha = clean(rt.env.GITHUB_SHA, /^[0-9a-f]{7,64}$/);
    return { context, app, run, actor, sha, token: (0,external_node_crypto_.randomBytes)(12).toString('hex') };
}
/** The lock's owner document (no secret): run, actor, sha, time, expiry (epoch seconds). */
function lockOwner(rt, id, op, release, ttlMs) {
    const now = rt.now();
    return JSON.stringify({ run: id.run, actor: id.actor, sha: id.sha, time: now.toISOString(), expires: Math.floor((now.getTime() + ttlMs) / 1000), op, release });
}
function defaultReleaseId(rt) {
    const ts = rt.now().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const sha = /^[0-9a-f]{7,64}$/.test(rt.env.GITHUB_SHA ?? '') ? `-${rt.env.GITHUB_SHA.slice(0, 7)}` : '';
    return `${ts}${sha}`;
}
/** The app to work on: the input, else the only app of paas.yml. */
function requireApp(app, op, rt, common) {
    if (app)
        return app;
    if (rt && common) {
        try {
            const apps = Object.keys((0,paas_yml/* loadPaasYml */.a4)(common.config, rt.workspace ?? rt.cwd, { optional: false }).config.apps);
            if (apps.length === 1)
                return apps[0];
        }
        catch { /* reported below or when the config is loaded */ }
    }
    throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `${op} needs an app`, { remediation: 'Pass `app` (--app), the name of an app under apps: in paas.yml (optional when paas.yml defines exactly one app).' });
}
/**
 * The GitHub Deployment of an applied deploy or rollback, started (status in_progress) for the
 * context's environment: null without a token or outside a repository run. API failures are warnings.
 */
async function startDeployment(rt, token, ports, environment, description, payload) {
    const repo = repoFromEnv(rt.env);
    if (!token || !repo)
        return null;
    const api = ports.github ?? octokitApi(token, rt.env.GITHUB_API_URL);
    const tracker = new DeploymentTracker(api, { owner: repo.owner, repo: repo.repo }, environment, (m) => rt.logger.warn(m), repo.logUrl);
    await tracker.start(repo.ref, description, payload);
    return tracker;
}
/** Context, config, targets and one node per target (transports built, not connected). */
function openFleet(rt, common, appName, mutating, log) {
    const session = (0,runtime_session/* openContextSession */.Wo)(rt, common, { mutating, createIfMissing: rt.inAction });
    const loaded = loadAppConfig(rt.workspace ?? rt.cwd, common.config, appName);
    let specs = (0,connect/* targetsFromVault */.fY)(session.vault);
    if (session.config.default_targets.length)
        specs = specs.filter((s) => session.config.default_targets.includes(s.id));
    const cfg = loaded.app;
    const transports = (0,connect/* buildTransports */.PF)(specs, session.vault, { concurrency: cfg.connect_concurrency, attempts: cfg.connect_attempts, log });
    const identity = runIdentity(rt, session.config.name, appName);
    const nodes = specs.map((s) => new deploy_fleet/* TargetNode */.Yx(s, transports.get(s.id), cfg.deploy_root, identity, rt.redactor, log));
    return { session, cfg, loaded, nodes, identity };
}
/** Connects every target (bounded, retried); the first failure fails the run before anything changed. */
async function connectAll(nodes, cfg) {
    const results = await (0,limit/* mapLimit */.sf)(nodes, Math.max(cfg.connect_concurrency, 1), (n) => (0,connect/* connectTransport */.go)(n.t));
    const i = results.findIndex((r) => r.status === 'rejected');
    if (i < 0)
        return;
    const reason = results[i].reason;
    const n = nodes[i];
    if (reason instanceof transport/* TransportError */.w) {
        n.note(`paas: ${reason.message}`);
        throw new deploy_fleet/* StageError */.Zu((0,connect/* transportErrorCode */.jh)(reason, 'connect'), 'connect', n.name, `${n.name}: ${reason.message}`);
    }
    throw reason;
}
async function closeAll(nodes) {
    await Promise.allSettled(nodes.map((n) => n.t.close()));
}
function tableSummary(title, nodes, release) {
    return `#### ${title}\n\n${(0,summary/* markdownTable */.Q)(['target', 'before', 'release', 'status'], nodes.map((n) => [n.name, n.previous ?? '-', release ?? '-', n.status]))}\n`;
}
function asStageError(e, stage) {
    if (e instanceof deploy_fleet/* StageError */.Zu)
        return e;
    if (e instanceof commands/* UnsafeValueError */.ml)
        return new deploy_fleet/* StageError */.Zu('PAAS_INVALID_ARGUMENT', stage, '', `${e.message}: refused before anything ran`);
    return null;
}
function fail(rt, ctx, mode, e, fields, nodes = []) {
    const se = asStageError(e, 'input');
    const err = se ? (se.code === 'PAAS_INVALID_ARGUMENT' ? new errors.PaasError(se.code, se.message, { stage: se.stage, remediation: 'Use names of letters, digits, dot, dash, underscore (app: lowercase).' }) : (0,deploy_fleet/* toPaasError */.J1)(se)) : e;
    const failing = se?.target ? nodes.find((n) => n.name === se.target) : undefined;
    const lastLines = failing?.lastLines(20) ?? [];
    const all = { ...fields, ...(se ? { failed_stage: se.stage, failed_target: se.target || null } : {}), ...(lastLines.length ? { last_log_lines: lastLines.join('\n') } : {}) };
    const o = (0,outcome/* failure */.V)(rt.redactor, 'deploy', ctx, mode, err, all);
    if (nodes.length)
        o.summary = tableSummary('Targets', nodes, typeof fields.release_id === 'string' ? fields.release_id : null) + (lastLines.length ? `\nLast log lines of ${failing?.name}:\n\n\`\`\`\n${rt.redactor.redact(lastLines.join('\n'))}\n\`\`\`\n` : '');
    if (lastLines.length)
        o.text = `last log lines of ${failing?.name}:\n${lastLines.map((l) => `  ${l}`).join('\n')}`;
    return o;
}
/** deploy: plan (default) or apply, per PRODUCT.md section 4. */
async function deployRun(rt, common, s, ports = {}) {
    if (s.mode === 'reconcile')
        return reconcileRun(rt, common, s);
    if (s.mode === 'target_check')
        return targetCheckRun(rt, common, s);
    const mode = s.apply ? 'apply' : 'plan';
    const log = (m) => rt.logger.info(m);
    let ctxName = common.context ?? null;
    let nodes = [];
    let session = null;
    let artifactCleanup = null;
    const fields = {};
    let tracker = null;
    let lockedOnce = false;
    try {
        const appName = requireApp(s.app, 'deploy', rt, common);
        const fleet = openFleet(rt, common, appName, s.apply, log);
        session = fleet.session;
        ctxName = session.config.name;
        nodes = fleet.nodes;
        const { cfg, identity } = fleet;
        const release = s.release_id ?? defaultReleaseId(rt);
        if (!commands/* RELEASE_RE */.kY.test(release))
            throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'release_id is not a valid release id', { remediation: 'Use 1-64 letters, digits, dot, dash, underscore.' });
        const batches = (0,deploy_fleet/* planBatches */.un)(nodes.map((n) => n.name), cfg);
        Object.assign(fields, { app: appName, release_id: release, strategy: cfg.strategy, fanout_plan: (0,deploy_fleet/* fanoutPlan */.Tx)(batches), targets: nodes.length });
        const artifactPath = s.artifact ?? cfg.artifact;
        if (!artifactPath)
            throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'no artifact to deploy', { stage: 'artifact', remediation: `Pass \`artifact\` or set apps.${appName}.artifact in paas.yml.` });
        const base = rt.workspace ?? rt.cwd;
        if (s.apply) {
            // may this run change anything at all? (before any connection)
            (0,policy/* checkTriggerPolicy */.RD)(rt, session.config, session.vault, 'deploy');
            await (0,preflight/* runPreflight */.h)(rt, common);
        }
        // the archive is checked while the connections are set up (both wait for each other: no half-open link is left behind)
        const [art, conn] = await Promise.allSettled([prepareArtifact((0,external_node_path_.isAbsolute)(artifactPath) ? artifactPath : (0,external_node_path_.resolve)(base, artifactPath)), connectAll(nodes, cfg)]);
        if (art.status === 'fulfilled')
            artifactCleanup = art.value.cleanup;
        if (art.status === 'rejected')
            throw art.reason;
        if (conn.status === 'rejected')
            throw conn.reason;
        const artifact = art.value;
        Object.assign(fields, { artifact_sha256: artifact.sha256, artifact_bytes: artifact.bytes });
        if (!s.apply) {
            const states = await (0,deploy_fleet/* readStates */.rs)(nodes, cfg.max_parallel);
            const bad = [...states.values()].find((v) => v instanceof deploy_fleet/* StageError */.Zu);
            if (bad)
                throw bad;
            const bluegreen = cfg.strategy === 'bluegreen';
            const plan = nodes.map((n) => ({
                target: n.name, current: n.state?.current ?? null, rollback_candidate: n.state?.current ?? null, lock: n.state?.lockOwner ? 'held' : 'free',
                ...(bluegreen ? { live_slot: (0,deploy_fleet/* liveSlot */.dz)(n), new_slot: (0,deploy_fleet/* otherSlot */.jx)((0,deploy_fleet/* liveSlot */.dz)(n) ?? 'green') } : {}),
            }));
            Object.assign(fields, { plan, target_statuses: nodes.map((n) => `${n.name}:planned`).join(',') });
            const text = [
                `plan: deploy ${appName} release ${release} (${Math.round(artifact.bytes / 1024)} KiB, sha256 ${artifact.sha256.slice(0, 12)}) to context ${ctxName}`,
                `strategy ${cfg.strategy}: ${batches.map((b, i) => `batch ${i + 1}/${batches.length} [${b.join(', ')}]`).join(' then ')}`,
                ...plan.map((p) => `  ${p.target}: current ${p.current ?? '(none)'}${p.live_slot ? ` (live slot ${p.live_slot})` : ''} -> ${release}${p.new_slot ? ` in slot ${p.new_slot}` : ''}; rollback candidate ${p.rollback_candidate ?? '(none: first deploy)'}${p.lock === 'held' ? '; LOCKED by another run' : ''}`),
                'nothing was changed; run again with apply: true (--apply) to deploy',
            ].join('\n');
            return (0,outcome/* outcome */.b)(rt.redactor, {
                command: 'deploy', context: ctxName, mode, fields, status: 'planned',
                line: [['mode', 'plan'], ['release_id', release], ['targets', nodes.length], ['strategy', cfg.strategy], ['batches', batches.length]],
                text, summary: tableSummary(`Plan: ${appName} ${release}`, nodes, release),
            });
        }
        tracker = await startDeployment(rt, s.github_token, ports, fleet.loaded.environment(ctxName) ?? ctxName, `deploy ${appName} ${release} to ${ctxName}`, { context: ctxName, app: appName, release_id: release });
        session.events.append('deploy.started', `deploy ${appName} ${release}`, { app: appName, release_id: release, strategy: cfg.strategy, fanout_plan: fields.fanout_plan, run: identity.run, actor: identity.actor });
        const ctx = ctxName;
        const onLocksChanged = (held) => {
            if (held.length)
                lockedOnce = true;
            if (lockedOnce)
                (0,cleanup/* saveHeldLocks */.dK)(rt, { v: 1, op: 'deploy', context: ctx, locks: held.map((n) => ({ target: n.name, app_dir: n.appDir, token: identity.token })) });
        };
        const fo = { cfg, release, artifact, rollbackOnFailure: s.rollback_on_failure, redactor: rt.redactor, log, onLocksChanged, now: rt.now };
        let result;
        // the first batch's switch is staged while its upload runs (one round trip less when it is due)
        const firstBatch = new Set(cfg.strategy === 'bluegreen' ? [] : batches[0]);
        const staged = new Map();
        try {
            await (0,deploy_fleet/* lockAndInstallAll */.t8)(nodes, fo, lockOwner(rt, identity, 'deploy', release, cfg.lock_ttl), (n) => {
                if (firstBatch.has(n.name))
                    staged.set(n, (0,deploy_fleet/* stageSwitch */.Pt)(n, fo));
            });
            result = cfg.strategy === 'bluegreen' ? await (0,deploy_fleet/* bluegreenFleet */.gZ)(nodes, fo, identity) : await (0,deploy_fleet/* switchFleet */.jm)(nodes, fo, batches, identity, staged);
        }
        finally {
            for (const st of staged.values())
                st.cancel();
            await (0,deploy_fleet/* unlockAll */.Og)(nodes, fo);
        }
        const rolled = result.rolledBack;
        Object.assign(fields, {
            target_statuses: (0,deploy_fleet/* targetStatuses */.Kp)(nodes),
            rolled_back_targets: rolled.join(','),
            previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(','),
            round_trips: nodes.map((n) => `${n.name}:${n.t.roundTrips}`).join(','),
        });
        recordHistory(session, rt, { kind: 'deploy', ok: result.ok, app: appName, release, fields });
        if (!result.ok) {
            const err = result.error;
            session.events.append('deploy.failed', `deploy ${appName} ${release} failed at ${err.stage} on ${err.target}; rolled back ${rolled.join(',') || 'nothing'}`, { ...fields, code: err.code, stage: err.stage, target: err.target }, 'error');
            await tracker?.status('failure', `failed at ${err.stage} on ${err.target}; fleet rolled back`);
            const o = fail(rt, ctxName, mode, err, fields, nodes);
            if (rolled.length)
                o.lines.unshift((0,logfmt/* statusLine */.B)('deploy_rollback', [['status', nodes.some((n) => n.status === 'rollback_failed') ? 'partial' : 'ok'], ['rolled_back', rolled]], rt.redactor));
            return o;
        }
        session.events.append('deploy.succeeded', `deployed ${appName} ${release} to ${nodes.length} target(s)`, fields);
        await tracker?.status('success', `${appName} ${release} healthy on ${nodes.length} target(s)`, cfg.url);
        return (0,outcome/* outcome */.b)(rt.redactor, {
            command: 'deploy', context: ctxName, mode, fields,
            line: [['release_id', release], ['targets', nodes.length], ['strategy', cfg.strategy], ['batches', batches.length]],
            summary: tableSummary(`Deployed ${appName} ${release}`, nodes, release),
            exitCode: exit/* EXIT_OK */.Ij,
        });
    }
    catch (e) {
        if (nodes.length)
            fields.target_statuses = (0,deploy_fleet/* targetStatuses */.Kp)(nodes);
        const se = asStageError(e, 'deploy');
        if (session && s.apply)
            session.events.append('deploy.failed', `deploy failed: ${se?.message ?? (e instanceof Error ? e.message : String(e))}`, { ...fields, code: se?.code ?? (e instanceof errors.PaasError ? e.code : 'PAAS_INTERNAL') }, 'error');
        await tracker?.status('failure', 'deploy failed before any target switched');
        return fail(rt, ctxName, mode, e, fields, nodes);
    }
    finally {
        await closeAll(nodes);
        await artifactCleanup?.();
    }
}
function recordHistory(session, rt, rec) {
    try {
        const st = session.store.openState(session.config.name, rt.redactor);
        try {
            st.scoped.record(rec.kind, { ok: rec.ok, app: rec.app, release_id: rec.release, ...rec.fields }, rt.now().toISOString());
        }
        finally {
            st.close();
        }
    }
    catch (e) {
        rt.logger.warn(`could not record ${rec.kind} history in state.db: ${e instanceof Error ? e.message : String(e)}`);
    }
}
/** Per target: ok | missing | drifted | orphaned | unmanaged | error. Exit 1 only on error. */
async function reconcileRun(rt, common, s) {
    const log = (m) => rt.logger.debug(m);
    let nodes = [];
    let ctxName = common.context ?? null;
    try {
        const appName = requireApp(s.app, 'deploy reconcile', rt, common);
        const fleet = openFleet(rt, common, appName, false, log);
        ctxName = fleet.session.config.name;
        nodes = fleet.nodes;
        await (0,limit/* mapLimit */.sf)(nodes, fleet.cfg.connect_concurrency, (n) => (0,connect/* connectTransport */.go)(n.t));
        const states = await (0,deploy_fleet/* readStates */.rs)(nodes, fleet.cfg.max_parallel);
        // the expected release: newest good one recorded by this runner's state, else the fleet's majority
        let expected = null;
        try {
            const st = fleet.session.store.openState(ctxName, rt.redactor);
            try {
                const rec = st.scoped.list('deploy', 50).find((r) => r.data.ok && r.data.app === appName);
                expected = rec?.data.release_id ?? null;
            }
            finally {
                st.close();
            }
        }
        catch { /* no runner-side history: fall back to the targets */ }
        if (!expected) {
            const counts = new Map();
            for (const v of states.values())
                if (!(v instanceof deploy_fleet/* StageError */.Zu) && v.current)
                    counts.set(v.current, (counts.get(v.current) ?? 0) + 1);
            expected = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
        }
        const nowSec = rt.now().getTime() / 1000;
        const rows = nodes.map((n) => {
            const v = states.get(n.name);
            if (!v || v instanceof deploy_fleet/* StageError */.Zu)
                return { target: n.name, status: 'error', current: null, detail: v instanceof deploy_fleet/* StageError */.Zu ? v.message : 'no state' };
            return { target: n.name, current: v.current, ...classify(v, expected, nowSec) };
        });
        const statuses = rows.map((r) => `${r.target}:${r.status}`).join(',');
        const errors = rows.filter((r) => r.status === 'error').length;
        const fields = { app: appName, expected_release: expected, target_statuses: statuses, reconcile: rows };
        return (0,outcome/* outcome */.b)(rt.redactor, {
            command: 'deploy', context: ctxName, mode: 'reconcile', fields, status: errors ? 'fail' : 'ok',
            line: [['mode', 'reconcile'], ['release', expected ?? undefined], ['targets', rows.length], ['failed', errors]],
            exitCode: errors ? exit/* EXIT_ERROR */.SI : exit/* EXIT_OK */.Ij,
            text: rows.map((r) => `${r.target}: ${r.status}${r.current ? ` (current ${r.current})` : ''}${r.detail ? ` - ${r.detail}` : ''}`).join('\n'),
            summary: `#### Reconcile ${appName}\n\n${(0,summary/* markdownTable */.Q)(['target', 'status', 'current', 'detail'], rows.map((r) => [r.target, r.status, r.current ?? '-', r.detail ?? '']))}\n`,
        });
    }
    catch (e) {
        return fail(rt, ctxName, 'reconcile', e, {}, nodes);
    }
    finally {
        await closeAll(nodes);
    }
}
function classify(v, expected, nowSec) {
    if (!v.exists || (!v.current && v.releases.length === 0))
        return { status: 'missing', detail: 'the app is not deployed here' };
    const { status } = (0,releases/* releaseStatuses */.sV)(v.history);
    if (v.history.length === 0)
        return { status: 'unmanaged', detail: 'releases exist but no paas history' };
    if (v.current && !v.releases.includes(v.current))
        return { status: 'orphaned', detail: `current points to a missing release ${v.current}` };
    const exp = typeof v.lockOwner?.expires === 'number' ? v.lockOwner.expires : null;
    if (v.lockOwner && exp !== null && exp < nowSec)
        return { status: 'orphaned', detail: 'a stale lock is left on the target' };
    if (!v.current)
        return { status: 'missing', detail: 'no current release' };
    if (status.get(v.current) === 'bad')
        return { status: 'drifted', detail: `current ${v.current} is marked bad` };
    if (expected && v.current !== expected)
        return { status: 'drifted', detail: `current ${v.current}, expected ${expected}` };
    return { status: 'ok' };
}
/** reachability, SSH, host key, disk, tools, the service's runtime (health) per target. */
async function targetCheckRun(rt, common, s) {
    const log = (m) => rt.logger.debug(m);
    let nodes = [];
    let ctxName = common.context ?? null;
    try {
        const appName = requireApp(s.app, 'target check', rt, common);
        const fleet = openFleet(rt, common, appName, false, log);
        ctxName = fleet.session.config.name;
        nodes = fleet.nodes;
        const rows = await Promise.all(nodes.map(async (n) => {
            const row = { target: n.name, ssh: '-', host_key: '-', disk_pct: '-', tools: '-', runtime: '-', status: 'ok', detail: '' };
            try {
                await (0,connect/* connectTransport */.go)(n.t);
                row.ssh = 'ok';
                row.host_key = n.t.kind === 'ssh' ? 'verified' : 'local';
                const r = await n.t.exec((0,commands/* checkScript */.wN)(n.appDir), { timeoutMs: 30_000 });
                const kv = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
                const missing = Object.keys(kv).filter((k) => k.startsWith('tool_') && kv[k] === 'no').map((k) => k.slice(5));
                row.tools = missing.length ? `missing ${missing.join(' ')}` : 'ok';
                row.disk_pct = kv.disk_pct ?? '?';
                if (missing.length || kv.writable === 'no' || Number(kv.disk_pct) >= 95)
                    row.status = 'fail';
                if (kv.writable === 'no')
                    row.detail = 'deploy root not writable';
                if (kv.current && fleet.cfg.health) {
                    const g = await (0,health/* healthGate */.Yr)(n.t, { ...fleet.cfg.health, deadline: Math.min(fleet.cfg.health.timeout, fleet.cfg.health.deadline) }, n.appDir, n.env(kv.current), log);
                    row.runtime = g.ok ? 'healthy' : `unhealthy: ${g.reason}`;
                    if (!g.ok)
                        row.status = 'fail';
                }
                else
                    row.runtime = kv.current ? 'no health check' : 'not deployed';
            }
            catch (e) {
                row.status = 'fail';
                if (e instanceof transport/* TransportError */.w) {
                    row.ssh = e.kind === 'hostkey' ? 'ok' : 'fail';
                    row.host_key = e.kind === 'hostkey' ? 'MISMATCH' : '-';
                }
                row.detail = e instanceof Error ? e.message : String(e);
            }
            return row;
        }));
        const failed = rows.filter((r) => r.status !== 'ok');
        const fields = { app: appName, target_statuses: rows.map((r) => `${r.target}:${r.status}`).join(','), checks: rows };
        return (0,outcome/* outcome */.b)(rt.redactor, {
            command: 'deploy', context: ctxName, mode: 'target_check', fields, status: failed.length ? 'fail' : 'ok',
            line: [['mode', 'target_check'], ['targets', rows.length], ['failed', failed.length]],
            exitCode: failed.length ? exit/* EXIT_ERROR */.SI : exit/* EXIT_OK */.Ij,
            text: rows.map((r) => `${r.target}: ${r.status} ssh=${r.ssh} host_key=${r.host_key} disk=${r.disk_pct}% tools=${r.tools} runtime=${r.runtime}${r.detail ? ` (${r.detail})` : ''}`).join('\n'),
            summary: `#### Target check\n\n${(0,summary/* markdownTable */.Q)(['target', 'status', 'ssh', 'host key', 'disk %', 'tools', 'runtime', 'detail'], rows.map((r) => [r.target, r.status, r.ssh, r.host_key, r.disk_pct, r.tools, r.runtime, r.detail]))}\n`,
        });
    }
    catch (e) {
        return fail(rt, ctxName, 'target_check', e, {}, nodes);
    }
    finally {
        await closeAll(nodes);
    }
}



/***/ })

};
