export const id = 383;
export const ids = [383];
export const modules = {

/***/ 9383:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   resolveRollback: () => (/* binding */ resolveRollback),
/* harmony export */   rollbackRun: () => (/* binding */ rollbackRun)
/* harmony export */ });
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _output_exit_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(4164);
/* harmony import */ var _output_outcome_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6674);
/* harmony import */ var _output_summary_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(9618);
/* harmony import */ var _transport_commands_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7904);
/* harmony import */ var _transport_limit_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(1447);
/* harmony import */ var _transport_targets_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6726);
/* harmony import */ var _deploy_cleanup_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(1353);
/* harmony import */ var _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(5945);
/* harmony import */ var _deploy_preflight_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1442);
/* harmony import */ var _deploy_policy_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(7479);
/* harmony import */ var _deploy_releases_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(9095);
/* harmony import */ var _deploy_run_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(2756);













function resolveFailed(message, target, remediation) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_ROLLBACK_RESOLVE_FAILED', message, { stage: 'resolve', target, remediation });
}
/**
 * The release to return to: `to_release` if given (it must exist on every selected target), else
 * the newest release that is good on every target and is not current anywhere it would be left from
 * (releases marked bad are skipped). Pure; unit-tested.
 */
function resolveRollback(states, toRelease) {
    const from = new Map(states.map((s) => [s.target, s.state.current]));
    if (toRelease) {
        const missing = states.filter((s) => !s.state.releases.includes(toRelease)).map((s) => s.target);
        if (missing.length) {
            throw resolveFailed(`release ${toRelease} does not exist on ${missing.join(', ')}`, missing[0] ?? null, 'Pick a release that every target still has (run the rollback plan without to_release to see the candidates); nothing was changed.');
        }
        return { release: toRelease, from };
    }
    const first = states[0];
    if (!first)
        throw resolveFailed('no targets selected', null, 'Select targets with `target`.');
    const per = states.map((s) => ({ s, st: (0,_deploy_releases_js__WEBPACK_IMPORTED_MODULE_8__/* .releaseStatuses */ .sV)(s.state.history) }));
    const currents = new Set(states.map((s) => s.state.current).filter(Boolean));
    for (const r of per[0].st.goodOrder) {
        if (currents.has(r))
            continue;
        if (per.every(({ s, st }) => s.state.releases.includes(r) && st.status.get(r) === 'good'))
            return { release: r, from };
    }
    throw resolveFailed('no good release before the current one exists on every target', null, 'Give to_release explicitly (a release id present on every target), or deploy a fixed release; nothing was changed.');
}
/** rollback: plan (default) or apply, per PRODUCT.md section 4 (a GitHub Deployment like deploy's when applied). */
async function rollbackRun(rt, common, s, ports = {}) {
    const mode = s.apply ? 'apply' : 'plan';
    const log = (m) => rt.logger.info(m);
    let nodes = [];
    let ctxName = common.context ?? null;
    let session = null;
    const fields = {};
    let tracker = null;
    try {
        const appName = (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.requireApp)(s.app, 'rollback', rt, common);
        const fleet = (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.openFleet)(rt, common, appName, s.apply, log);
        session = fleet.session;
        ctxName = session.config.name;
        const chosen = new Set((0,_transport_targets_js__WEBPACK_IMPORTED_MODULE_3__/* .selectTargets */ .D)(fleet.nodes.map((n) => n.spec), s.target).map((t) => t.id));
        nodes = fleet.nodes.filter((n) => chosen.has(n.name));
        const { cfg, identity } = fleet;
        await (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.connectAll)(nodes, cfg);
        const states = await (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .readStates */ .rs)(nodes, cfg.max_parallel);
        const err = [...states.values()].find((v) => v instanceof _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu);
        if (err)
            throw err;
        const resolved = resolveRollback(nodes.map((n) => ({ target: n.name, state: n.state })), s.to_release);
        const to = resolved.release;
        Object.assign(fields, { app: appName, release_id: to, fanout_plan: (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .fanoutPlan */ .Tx)([nodes.map((n) => n.name)]), targets: nodes.length, previous: nodes.map((n) => `${n.name}:${n.previous ?? ''}`).join(',') });
        if (!s.apply) {
            Object.assign(fields, { target_statuses: nodes.map((n) => `${n.name}:${n.previous === to ? 'unchanged' : 'planned'}`).join(',') });
            const text = [
                `plan: roll ${appName} in ${ctxName} back to ${to}${s.to_release ? '' : ' (newest good release before current; bad ones skipped)'}`,
                ...nodes.map((n) => `  ${n.name}: ${n.previous ?? '(none)'} -> ${to}${n.previous === to ? ' (already there)' : ''}`),
                'nothing was changed; run again with apply: true (--apply) to roll back',
            ].join('\n');
            return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .outcome */ .b)(rt.redactor, {
                command: 'rollback', context: ctxName, mode, fields, status: 'planned',
                line: [['mode', 'plan'], ['release_id', to], ['targets', nodes.length]],
                text,
                summary: `#### Rollback plan: ${appName} to ${to}\n\n${(0,_output_summary_js__WEBPACK_IMPORTED_MODULE_10__/* .markdownTable */ .Q)(['target', 'current', 'to'], nodes.map((n) => [n.name, n.previous ?? '-', to]))}\n`,
            });
        }
        (0,_deploy_policy_js__WEBPACK_IMPORTED_MODULE_7__/* .checkTriggerPolicy */ .RD)(rt, session.config, session.vault, 'rollback');
        await (0,_deploy_preflight_js__WEBPACK_IMPORTED_MODULE_6__/* .runPreflight */ .h)(rt, common);
        tracker = await (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.startDeployment)(rt, s.github_token, ports, fleet.loaded.environment(ctxName) ?? ctxName, `rollback ${appName} to ${to} in ${ctxName}`, { context: ctxName, app: appName, release_id: to, rollback: true });
        const ctx = ctxName;
        let lockedOnce = false;
        const onLocksChanged = (held) => {
            if (held.length)
                lockedOnce = true;
            if (lockedOnce)
                (0,_deploy_cleanup_js__WEBPACK_IMPORTED_MODULE_4__/* .saveHeldLocks */ .dK)(rt, { v: 1, op: 'rollback', context: ctx, locks: held.map((n) => ({ target: n.name, app_dir: n.appDir, token: identity.token })) });
        };
        const fo = { cfg, release: to, artifact: { file: '', sha256: '', bytes: 0 }, rollbackOnFailure: false, redactor: rt.redactor, log, onLocksChanged, now: rt.now };
        session.events.append('rollback.started', `rollback ${appName} to ${to}`, { ...fields, run: identity.run, actor: identity.actor });
        await (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .lockAll */ .jt)(nodes, fo, (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.lockOwner)(rt, identity, 'rollback', to, cfg.lock_ttl));
        let failed = null;
        try {
            // the lock re-read the state: the release must still be on every target before any is touched
            resolveRollback(nodes.map((n) => ({ target: n.name, state: n.state })), to);
            const at = rt.now().toISOString();
            const results = await (0,_transport_limit_js__WEBPACK_IMPORTED_MODULE_11__/* .mapLimit */ .sf)(nodes, cfg.max_parallel, async (n) => {
                if (n.previous === to) {
                    n.status = 'unchanged';
                    return;
                }
                const bad = n.previous ? JSON.stringify({ at, release: n.previous, status: 'bad', event: 'rollback', actor: identity.actor, run: identity.run, reason: `rolled back to ${to}` }) : undefined;
                await (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .switchAndCheck */ .Gv)(n, to, fo, { preSwitch: false, historyLine: bad });
                const r = await n.run((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_2__/* .historyScript */ .aS)(n.appDir, JSON.stringify({ at, release: to, status: 'good', event: 'rollback', actor: identity.actor, run: identity.run })), 'history', 30_000);
                if (r.code !== 0)
                    throw new _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu('PAAS_ROLLBACK_APPLY_FAILED', 'history', n.name, `could not record the rollback on ${n.name}`);
                n.status = 'rolled_back';
            });
            results.forEach((r, i) => {
                if (r.status === 'rejected') {
                    const n = nodes[i];
                    n.status = 'failed';
                    const e = r.reason;
                    failed ??= e instanceof _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu ? (e.code === 'PAAS_REMOTE_APPLY_FAILED' ? new _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu('PAAS_ROLLBACK_APPLY_FAILED', e.stage, e.target, e.message) : e) : new _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu('PAAS_ROLLBACK_APPLY_FAILED', 'switch', n.name, String(e));
                }
            });
        }
        finally {
            await (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .unlockAll */ .Og)(nodes, fo);
        }
        Object.assign(fields, { target_statuses: (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .targetStatuses */ .Kp)(nodes), rolled_back_targets: nodes.filter((n) => n.status === 'rolled_back').map((n) => n.name).join(',') });
        (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.recordHistory)(session, rt, { kind: 'rollback', ok: !failed, app: appName, release: to, fields });
        if (failed) {
            const f = failed;
            session.events.append('rollback.failed', `rollback to ${to} failed at ${f.stage} on ${f.target}`, { ...fields, code: f.code }, 'error');
            await tracker?.status('failure', `rollback to ${to} failed at ${f.stage} on ${f.target}`);
            const failing = nodes.find((n) => n.name === f.target);
            const o = (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .failure */ .V)(rt.redactor, 'rollback', ctxName, mode, (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .toPaasError */ .J1)(f), { ...fields, failed_stage: f.stage, failed_target: f.target, last_log_lines: failing?.lastLines(20).join('\n') ?? '' });
            return o;
        }
        session.events.append('rollback.succeeded', `rolled ${appName} back to ${to}`, fields);
        await tracker?.status('success', `${appName} rolled back to ${to}, healthy on ${nodes.length} target(s)`, cfg.url);
        return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .outcome */ .b)(rt.redactor, {
            command: 'rollback', context: ctxName, mode, fields,
            line: [['release_id', to], ['targets', nodes.length], ['rolled_back', fields.rolled_back_targets || undefined]],
            exitCode: _output_exit_js__WEBPACK_IMPORTED_MODULE_12__/* .EXIT_OK */ .Ij,
            summary: `#### Rolled back ${appName} to ${to}\n\n${(0,_output_summary_js__WEBPACK_IMPORTED_MODULE_10__/* .markdownTable */ .Q)(['target', 'before', 'now', 'status'], nodes.map((n) => [n.name, n.previous ?? '-', to, n.status]))}\n`,
        });
    }
    catch (e) {
        if (nodes.length)
            fields.target_statuses = (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .targetStatuses */ .Kp)(nodes);
        const se = e instanceof _deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .StageError */ .Zu ? e : null;
        if (session && s.apply)
            session.events.append('rollback.failed', `rollback failed: ${e instanceof Error ? e.message : String(e)}`, fields, 'error');
        const switched = nodes.some((n) => n.status === 'rolled_back');
        await tracker?.status('failure', `rollback failed${se ? ` at ${se.stage}${se.target ? ` on ${se.target}` : ''}` : ''}${switched ? '' : ' before any target switched'}`);
        const failing = se ? nodes.find((n) => n.name === se.target) : undefined;
        return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .failure */ .V)(rt.redactor, 'rollback', ctxName, mode, se ? (0,_deploy_fleet_js__WEBPACK_IMPORTED_MODULE_5__/* .toPaasError */ .J1)(se) : e, { ...fields, ...(se ? { failed_stage: se.stage, failed_target: se.target } : {}), ...(failing ? { last_log_lines: failing.lastLines(20).join('\n') } : {}) });
    }
    finally {
        await (0,_deploy_run_js__WEBPACK_IMPORTED_MODULE_9__.closeAll)(nodes);
    }
}


/***/ })

};
