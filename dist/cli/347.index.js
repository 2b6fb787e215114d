export const id = 347;
export const ids = [347];
export const modules = {

/***/ 1347:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  LAST_SUCCESS_KEY: () => (/* binding */ LAST_SUCCESS_KEY),
  RUN_RECORD: () => (/* binding */ RUN_RECORD),
  runOpsDaily: () => (/* binding */ runOpsDaily)
});

// EXTERNAL MODULE: ./lib/output/envelope.ts
var envelope = __webpack_require__(7844);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/output/logfmt.ts
var logfmt = __webpack_require__(6829);
// EXTERNAL MODULE: ./lib/output/summary.ts
var output_summary = __webpack_require__(9618);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var session = __webpack_require__(1805);
// EXTERNAL MODULE: ./lib/ops/alerts/github-issues.ts
var github_issues = __webpack_require__(3915);
// EXTERNAL MODULE: ./lib/ops/alerts/lifecycle.ts + 1 modules
var lifecycle = __webpack_require__(638);
// EXTERNAL MODULE: ./lib/ops/checks/engine.ts + 2 modules
var checks_engine = __webpack_require__(6989);
// EXTERNAL MODULE: ./lib/ops/checks/report.ts
var report = __webpack_require__(4737);
// EXTERNAL MODULE: ./lib/ops/checks/setup.ts
var setup = __webpack_require__(3934);
// EXTERNAL MODULE: ./lib/ops/checks/types.ts
var types = __webpack_require__(5026);
;// CONCATENATED MODULE: ./lib/ops/ops_daily/schedule.ts
/**
 * Exit codes and the two schedule rules of ops_daily, as pure functions over structured results:
 * - exit 0 healthy, 2 unhealthy or insufficient_data, 1 error;
 * - on a `schedule` event, exit 2 becomes 0 only when the overall result IS insufficient_data
 *   (a structured value, never a search of the log text): one insufficient_data check beside an
 *   unhealthy one is `unhealthy` overall and stays exit 2;
 * - a previous successful run older than the expected interval means a schedule did not fire.
 */

function exitCodeOf(overall) {
    if (overall === 'healthy')
        return exit/* EXIT_OK */.Ij;
    if (overall === 'error')
        return exit/* EXIT_ERROR */.SI;
    return exit/* EXIT_UNHEALTHY */.Ey;
}
function scheduledExit(overall, eventName) {
    const exitCode = exitCodeOf(overall);
    if (eventName === 'schedule' && overall === 'insufficient_data')
        return { exitCode: exit/* EXIT_OK */.Ij, normalized: true };
    return { exitCode, normalized: false };
}
function scheduleGap(lastSuccessAt, now, expectedMs) {
    const expectedHours = Math.round((expectedMs / 3_600_000) * 10) / 10;
    const t = lastSuccessAt ? Date.parse(lastSuccessAt) : NaN;
    if (!Number.isFinite(t))
        return { missed: false, ageHours: null, expectedHours };
    const ageMs = now.getTime() - t;
    return { missed: ageMs > expectedMs, ageHours: Math.round((ageMs / 3_600_000) * 10) / 10, expectedHours };
}
/** A run counts as successful for the schedule when its checks ran to a non-failing verdict. */
function isSuccess(overall) {
    return overall === 'healthy' || overall === 'insufficient_data';
}

;// CONCATENATED MODULE: ./lib/ops/ops_daily/run.ts












const RUN_RECORD = 'ops_daily.run';
const LAST_SUCCESS_KEY = 'ops_daily.last_success';
function githubApi(rt, token, deps) {
    if (deps.github)
        return deps.github;
    const repo = rt.env.GITHUB_REPOSITORY;
    if (!token || !(0,github_issues/* isRepository */.Z6)(repo))
        return undefined;
    return (0,github_issues/* restIssuesApi */.ZA)({ apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com', repository: repo, token });
}
async function alertStep(rt, s, state, config, settings, deps, overall, lines) {
    if (settings.mode !== 'prod')
        return null;
    const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
    const webhook = s.vault.get(config.ops.slack.webhook);
    try {
        return await (0,lifecycle/* reconcileAlert */.nU)({ context: s.config.name, overall, lines, runUrl: (0,setup/* runUrl */.Vp)(rt.env), now: rt.now() }, { state, redactor: rt.redactor, logger: rt.logger, github: githubApi(rt, token, deps), slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined });
    }
    catch (e) {
        rt.logger.warn(`alerting failed: ${e instanceof Error ? e.message : String(e)}`);
        return null;
    }
}
function alertLine(rt, a) {
    if (!a || a.action === 'none')
        return null;
    return (0,logfmt/* statusLine */.B)('ops_alert', [['status', a.action], ['issue', a.issue ?? undefined], ['slack', a.slack]], rt.redactor);
}
async function runOpsDaily(rt, common, settings, deps = {}) {
    if (settings.github_token)
        rt.redactor.register(settings.github_token);
    if (rt.env.GITHUB_TOKEN)
        rt.redactor.register(rt.env.GITHUB_TOKEN);
    const loaded = (0,setup/* loadConfig */.Z9)(rt, common);
    const config = loaded.config;
    const s = (0,session/* openContextSession */.Wo)(rt, common, { mutating: false, createIfMissing: rt.inAction, vaultEnvKeys: (0,setup/* namedVaultKeys */.e9)(config) });
    const ctxName = s.config.name;
    const mode = settings.mode;
    const now = rt.now();
    const st = s.store.openState(ctxName, rt.redactor);
    const engine = (0,setup/* prepareEngine */.m5)(rt, ctxName, s.vault, config, { deps });
    try {
        const checks = config.ops.checks;
        if (!loaded.exists)
            rt.logger.warn(`${common.config} not found: no checks declared`);
        const missingByCheck = (0,checks_engine/* missingSecrets */.mO)(checks, s.vault);
        const requiredMissing = checks.filter((c) => c.required && missingByCheck.has(c.name));
        const gap = scheduleGap(st.scoped.get(LAST_SUCCESS_KEY), now, config.ops.expected_interval);
        const event = rt.env.GITHUB_EVENT_NAME || null;
        const url = (0,setup/* runUrl */.Vp)(rt.env) ?? null;
        // strict: a required check that cannot run is a configuration error, before anything runs
        if (mode === 'prod' && requiredMissing.length > 0) {
            const names = [...new Set(requiredMissing.flatMap((c) => missingByCheck.get(c.name) ?? []))].sort();
            const line = (0,logfmt/* statusLine */.B)('prod_config', [['status', 'fail'], ['reason', 'missing_env'], ['missing', names]], rt.redactor);
            const alert = await alertStep(rt, s, st.scoped, config, settings, deps, 'error', [line]);
            const run = { overall: 'error', reason: 'missing_env', mode, exit_code: exit/* EXIT_ERROR */.SI, normalized: false, event, checks: [], missing: names, schedule: gap, run_url: url, alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github } };
            st.scoped.record(RUN_RECORD, run, now.toISOString());
            s.events.append('ops_daily.finished', `ops_daily prod_config failed: missing ${names.join(', ')}`, { overall: 'error', reason: 'missing_env', missing: names, mode }, 'error', now);
            const env = (0,envelope/* envelope */.R)('ops_daily', ctxName, mode, { overall: 'error', missing: names, alert }, {
                code: 'PAAS_VAULT_UNMAPPED',
                stage: 'prod_config',
                target: null,
                message: `mode=prod needs every declared check to run; context ${ctxName} has no vault value for ${names.join(', ')}`,
                remediation: `Add ${names.join(', ')} to the context's vault (in Actions: the environment secret passed as \`vault\`, or named secrets in env), or run with mode=lenient to skip those checks. Names only: never paste the values anywhere.`,
            });
            const extra = alertLine(rt, alert);
            return { envelope: env, lines: [...(extra ? [extra] : []), line], exitCode: exit/* EXIT_ERROR */.SI, summary: `**prod_config failed**: missing vault keys ${names.map((n) => `\`${n}\``).join(', ')}` };
        }
        const skip = new Set([...missingByCheck.keys()]);
        rt.logger.info(`ops_daily (${mode}) in context ${ctxName}: ${checks.length} check(s), at most ${config.ops.concurrency} at once`);
        const results = await (0,checks_engine/* runChecks */.JT)(checks, engine.ctx, skip);
        const ov = (0,types/* overallOf */.Nx)(results);
        const { exitCode, normalized } = scheduledExit(ov.status, event ?? undefined);
        const lines = results.map((r) => (0,report/* checkLine */.tY)(r, rt.redactor));
        if (gap.missed) {
            lines.push((0,logfmt/* statusLine */.B)('ops_schedule', [['status', 'missed'], ['age_hours', gap.ageHours], ['expected_hours', gap.expectedHours]], rt.redactor));
            rt.logger.warn(`the previous successful ops_daily run was ${gap.ageHours} h ago, more than the expected ${gap.expectedHours} h: a scheduled run did not fire or did not succeed`);
            s.events.append('ops_daily.schedule_missed', `previous successful run ${gap.ageHours} h ago (expected every ${gap.expectedHours} h)`, { age_hours: gap.ageHours, expected_hours: gap.expectedHours }, 'warning', now);
        }
        const verdict = (0,logfmt/* statusLine */.B)('ops_daily', [['status', ov.status], ['reason', ov.reason], ['mode', mode], ['checks', ov.checks], ['failed', ov.failed], ['skipped', ov.skipped || undefined]], rt.redactor);
        const alert = await alertStep(rt, s, st.scoped, config, settings, deps, ov.status, [...lines, verdict]);
        const aLine = alertLine(rt, alert);
        if (aLine)
            lines.push(aLine);
        if (normalized)
            rt.logger.info('scheduled run: the result is exactly insufficient_data, which is not a failure on a schedule (exit 0)');
        const run = {
            overall: ov.status,
            reason: ov.reason ?? null,
            mode,
            exit_code: exitCode,
            normalized,
            event,
            checks: results.map((r) => ({ name: r.name, kind: r.kind, status: r.status, reason: r.reason, values: r.values, ms: r.ms })),
            missing: [...new Set([...missingByCheck.values()].flat())].sort(),
            schedule: gap,
            run_url: url,
            alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github },
        };
        st.scoped.record(RUN_RECORD, run, now.toISOString());
        if (isSuccess(ov.status))
            st.scoped.set(LAST_SUCCESS_KEY, now.toISOString());
        const level = ov.status === 'error' ? 'error' : ov.status === 'unhealthy' ? 'warning' : 'info';
        s.events.append('ops_daily.finished', `ops_daily ${ov.status} (${mode}): ${ov.checks} checks, ${ov.failed} failed`, { overall: ov.status, reason: ov.reason ?? null, mode, checks: ov.checks, failed: ov.failed, skipped: ov.skipped, exit_code: exitCode, normalized }, level, now);
        const env = (0,envelope/* envelope */.R)('ops_daily', ctxName, mode, {
            overall: ov.status,
            reason: ov.reason ?? null,
            checks: run.checks,
            failed: ov.failed,
            skipped: ov.skipped,
            normalized,
            schedule_missed: gap.missed,
            last_success_age_hours: gap.ageHours,
            alert,
            alert_issue: alert?.issue ?? null,
        });
        env.ok = exitCode === 0;
        const summary = [
            `**ops_daily** \`${ov.status}\`${ov.reason ? ` (${ov.reason})` : ''}, mode \`${mode}\`: ${ov.checks} checks, ${ov.failed} failed${ov.skipped ? `, ${ov.skipped} skipped` : ''}${normalized ? ' — scheduled run, insufficient data is not a failure' : ''}.`,
            '',
            (0,report/* checksTable */.Et)(results),
            ...(gap.missed ? ['', `:warning: the previous successful run was ${gap.ageHours} h ago (expected every ${gap.expectedHours} h): a schedule did not fire.`] : []),
            ...(alert && alert.action !== 'none' ? ['', (0,output_summary/* markdownTable */.Q)(['alert', 'issue', 'slack'], [[alert.action, alert.issue ?? '', alert.slack]])] : []),
        ].join('\n');
        return { envelope: env, lines: [...lines, verdict], exitCode, summary };
    }
    finally {
        await engine.close();
        st.close();
    }
}


/***/ })

};
