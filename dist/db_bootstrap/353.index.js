export const id = 353;
export const ids = [353];
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


/***/ })

};
