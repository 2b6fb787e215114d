export const id = 627;
export const ids = [627];
export const modules = {

/***/ 1627:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  heldLocks: () => (/* binding */ heldLocks),
  releaseRecordedLocks: () => (/* binding */ releaseRecordedLocks),
  dK: () => (/* binding */ saveHeldLocks)
});

// UNUSED EXPORTS: CLEANUP_STATE, parseCleanupState, postReleaseLocks

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var lib_core = __webpack_require__(6421);
;// CONCATENATED MODULE: ./lib/runtime/post-check.ts
/**
 * Does the shared `post:` step have anything to do? Decided from the step state the runner passes
 * (`STATE_<name>`) without loading the runtime: most steps hold no lock at their end and persist no
 * state, and their post step should then cost a process start, not a bundle load.
 * The names are defined here, once (cleanup.ts and persistence/action-hooks.ts use them).
 */
const POST_STATE_NAMES = { cleanup: 'paas_cleanup', persist: 'paas_state_persist' };
function postHasWork(env) {
    if (env[`STATE_${POST_STATE_NAMES.persist}`])
        return true;
    const held = env[`STATE_${POST_STATE_NAMES.cleanup}`];
    if (!held)
        return false;
    try {
        const s = JSON.parse(held);
        return !Array.isArray(s.locks) || s.locks.length > 0;
    }
    catch {
        return true; // unreadable: let the real post step report it
    }
}

// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __webpack_require__(8364);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var runtime_session = __webpack_require__(1805);
// EXTERNAL MODULE: ./lib/transport/commands.ts
var commands = __webpack_require__(7904);
// EXTERNAL MODULE: ./lib/transport/limit.ts
var limit = __webpack_require__(1447);
// EXTERNAL MODULE: ./lib/ops/deploy/connect.ts + 2 modules
var connect = __webpack_require__(8023);
;// CONCATENATED MODULE: ./lib/ops/deploy/cleanup.ts







/** Name of the action state the main step writes and the `post:` step reads. */
const CLEANUP_STATE = POST_STATE_NAMES.cleanup;
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
    lib_core/* saveState */.LZ(CLEANUP_STATE, JSON.stringify(state));
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
    const common = (0,inputs/* parseInputs */.TL)(inputs/* commonInputsSchema */.IM, { ...rawInputs, context: state.context });
    const session = (0,runtime_session/* openContextSession */.Wo)(rt, common, { mutating: true, createIfMissing: false });
    const specs = (0,connect/* targetsFromVault */.fY)(session.vault).filter((t) => state.locks.some((l) => l.target === t.id));
    const transports = (0,connect/* buildTransports */.PF)(specs, session.vault, { concurrency: 8, attempts: 3, log: (m) => rt.logger.info(m) });
    const released = [];
    await (0,limit/* mapLimit */.sf)(state.locks, 8, async (l) => {
        const t = transports.get(l.target);
        if (!t)
            return;
        try {
            await (0,connect/* connectTransport */.go)(t, { evenIfInterrupted: true });
            const r = await t.exec((0,commands/* unlockScript */.Ag)(l.app_dir, l.token), { timeoutMs: 30_000 });
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
    for (const n of COMMON_INPUT_NAMES) {
        const v = core.getInput(n);
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


/***/ })

};
