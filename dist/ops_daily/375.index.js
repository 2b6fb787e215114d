export const id = 375;
export const ids = [375];
export const modules = {

/***/ 9375:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runProdVerify: () => (/* binding */ runProdVerify)
});

// EXTERNAL MODULE: ./lib/output/envelope.ts
var envelope = __webpack_require__(7844);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/output/logfmt.ts
var logfmt = __webpack_require__(6829);
// EXTERNAL MODULE: ./lib/output/summary.ts
var summary = __webpack_require__(9618);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var session = __webpack_require__(1805);
// EXTERNAL MODULE: ./lib/ops/checks/engine.ts + 2 modules
var checks_engine = __webpack_require__(6989);
// EXTERNAL MODULE: ./lib/ops/checks/report.ts
var checks_report = __webpack_require__(4737);
// EXTERNAL MODULE: ./lib/ops/checks/setup.ts
var setup = __webpack_require__(3934);
// EXTERNAL MODULE: ./lib/ops/checks/targets.ts
var targets = __webpack_require__(4041);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/db/dsn.ts
var db_dsn = __webpack_require__(4480);
// EXTERNAL MODULE: ./lib/db/errors.ts
var errors = __webpack_require__(4486);
// EXTERNAL MODULE: ./lib/transport/known-hosts.ts
var known_hosts = __webpack_require__(6725);
// EXTERNAL MODULE: ./lib/transport/targets.ts
var transport_targets = __webpack_require__(6726);
// EXTERNAL MODULE: ./lib/ops/db_bootstrap/run.ts + 2 modules
var run = __webpack_require__(8735);
// EXTERNAL MODULE: ./lib/ops/checks/tls.ts
var tls = __webpack_require__(234);
;// CONCATENATED MODULE: ./lib/ops/prod_verify/config-checks.ts
/**
 * prod_verify's configuration checks: everything that can be verified without any connection to
 * production (no socket, no DNS lookup): paas.yml valid, required secret NAMES present in the
 * vault, the DSN parses, PAAS_TARGETS and PAAS_KNOWN_HOSTS parse (and cover every SSH target),
 * the migration plan is valid, and the vault values the ops checks name are well-formed.
 */









/** Vault keys prod_verify needs: every ops check's, the DSN when migrations exist, targets when apps exist. */
function requiredKeys(config, vault, hasMigrations) {
    const keys = new Set();
    for (const c of config.ops.checks)
        for (const k of (0,checks_engine/* secretsOf */.Fj)(c, vault))
            keys.add(k);
    if (hasMigrations)
        keys.add(config.db.dsn);
    if (Object.keys(config.apps).length > 0) {
        keys.add(checks_engine/* TARGETS_KEY */.nj);
        const text = vault.get(checks_engine/* TARGETS_KEY */.nj);
        try {
            if (text && (0,transport_targets/* parseTargets */.S)(text).some((t) => t.kind === 'ssh'))
                for (const k of checks_engine/* SSH_KEYS */.un)
                    keys.add(k);
        }
        catch {
            /* reported by the targets check */
        }
    }
    return [...keys].sort();
}
function nonCommentLines(text) {
    return text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#')).length;
}
function runConfigChecks(config, vault, workspace, redactor) {
    const checks = [{ name: 'paas_yml', ok: true, count: config.ops.checks.length }];
    // migration plan (offline): only when the repository has a migrations directory
    let plan = null;
    if ((0,external_node_fs_.existsSync)((0,external_node_path_.resolve)(workspace, config.db.migrations))) {
        try {
            plan = (0,run.checkPlanOffline)(workspace, config.db);
            checks.push({ name: 'migrations', ok: true, count: plan.migrations.length });
        }
        catch (e) {
            checks.push({ name: 'migrations', ok: false, reason: (0,errors/* isDbError */.NV)(e) ? e.reason : 'invalid_migration_plan' });
        }
    }
    const hasMigrations = (plan?.migrations.length ?? 0) > 0 || checks.some((c) => c.name === 'migrations' && !c.ok);
    const required = requiredKeys(config, vault, hasMigrations);
    const missing = vault.missing(required);
    checks.push(missing.length ? { name: 'secrets', ok: false, reason: 'missing_env', missing } : { name: 'secrets', ok: true, count: required.length });
    // DSNs (db and sql checks) parse
    const dsnKeys = new Set(config.ops.checks.flatMap((c) => (c.sql ? [c.sql.dsn] : [])));
    if (hasMigrations || vault.has(config.db.dsn))
        dsnKeys.add(config.db.dsn);
    const presentDsn = [...dsnKeys].filter((k) => vault.has(k));
    if (presentDsn.length) {
        let bad = 0;
        for (const k of presentDsn) {
            const v = vault.get(k);
            (0,db_dsn/* registerDsnSecrets */.oG)(redactor, v, k);
            try {
                (0,db_dsn/* parseDsn */.pK)(v, k);
            }
            catch {
                bad++;
            }
        }
        checks.push(bad ? { name: 'dsn', ok: false, reason: 'invalid_dsn', count: bad } : { name: 'dsn', ok: true, count: presentDsn.length });
    }
    // targets and known_hosts parse; every SSH target has a host key
    let targets = null;
    if (vault.has(checks_engine/* TARGETS_KEY */.nj)) {
        try {
            targets = (0,transport_targets/* parseTargets */.S)(vault.get(checks_engine/* TARGETS_KEY */.nj));
            checks.push({ name: 'targets', ok: true, count: targets.length });
        }
        catch {
            checks.push({ name: 'targets', ok: false, reason: 'invalid_targets' });
        }
    }
    const ssh = (targets ?? []).filter((t) => t.kind === 'ssh');
    if (ssh.length && vault.has('PAAS_KNOWN_HOSTS')) {
        const text = vault.get('PAAS_KNOWN_HOSTS');
        const entries = (0,known_hosts/* parseKnownHosts */.uJ)(text);
        const uncovered = ssh.filter((t) => !entries.some((e) => e.marker === '' && (0,known_hosts/* entryMatches */.Yn)(e, t.host, t.port)));
        if (entries.length !== nonCommentLines(text))
            checks.push({ name: 'known_hosts', ok: false, reason: 'invalid_known_hosts', count: nonCommentLines(text) - entries.length });
        else if (uncovered.length)
            checks.push({ name: 'known_hosts', ok: false, reason: 'host_key_missing', count: uncovered.length });
        else
            checks.push({ name: 'known_hosts', ok: true, count: entries.length });
    }
    // the values ops checks name are well-formed (URLs, TLS hosts)
    if (config.ops.checks.length) {
        let bad = 0;
        for (const c of config.ops.checks) {
            const url = c.http ? vault.get(c.http.url) : undefined;
            if (url !== undefined) {
                try {
                    const u = new URL(url.trim());
                    if (u.protocol !== 'http:' && u.protocol !== 'https:')
                        bad++;
                }
                catch {
                    bad++;
                }
            }
            const host = c.tls ? vault.get(c.tls.host) : undefined;
            if (host !== undefined && !(0,tls/* parseTlsHost */.L)(host, c.tls?.port ?? 443))
                bad++;
        }
        checks.push(bad ? { name: 'ops_checks', ok: false, reason: 'invalid_check_value', count: bad } : { name: 'ops_checks', ok: true, count: config.ops.checks.length });
    }
    return { checks, plan, targets, dbUsed: hasMigrations || config.ops.checks.some((c) => c.sql), required };
}

// EXTERNAL MODULE: ./lib/db/client.ts
var client = __webpack_require__(982);
// EXTERNAL MODULE: ./lib/ops/db_bootstrap/ledger.ts
var db_bootstrap_ledger = __webpack_require__(836);
// EXTERNAL MODULE: ./lib/ops/db_bootstrap/reconcile.ts
var reconcile = __webpack_require__(4537);
// EXTERNAL MODULE: ./lib/ops/checks/types.ts
var types = __webpack_require__(5026);
;// CONCATENATED MODULE: ./lib/ops/prod_verify/database.ts






async function databaseCheck(db, plan, dsnValue, redactor) {
    (0,db_dsn/* registerDsnSecrets */.oG)(redactor, dsnValue, db.dsn);
    let dsn;
    try {
        dsn = (0,db_dsn/* parseDsn */.pK)(dsnValue, db.dsn);
    }
    catch {
        return (0,types/* checkError */.Lq)('invalid_dsn');
    }
    let conn;
    try {
        conn = await (0,client/* openConnection */.JY)({ dsn, dsnKey: db.dsn, applicationName: 'paas prod_verify', connectTimeoutMs: db.connect_timeout });
    }
    catch (e) {
        const reason = (0,errors/* isDbError */.NV)(e) ? e.reason : 'connect_failed';
        return ['auth_failed', 'database_missing', 'tls_failed'].includes(reason) ? (0,types/* checkError */.Lq)(reason) : (0,types/* unhealthy */.f6)(reason);
    }
    const c = conn.client;
    try {
        await c.query('BEGIN READ ONLY');
        await c.query(`SET LOCAL statement_timeout = ${Math.max(1000, Math.min(db.statement_timeout || 30_000, 60_000))}`);
        const ledger = { schema: db.ledger_schema, table: db.ledger_table };
        const present = await c.query(`SELECT pg_catalog.to_regclass(${(0,client/* quoteLiteral */.ce)((0,db_bootstrap_ledger/* qualified */.LX)(ledger))}) IS NOT NULL AS present`);
        const migrations = plan?.migrations.length ?? 0;
        if (!present.rows[0]?.present)
            return migrations > 0 ? (0,types/* unhealthy */.f6)('no_ledger', { migrations, pending: migrations }) : (0,types/* healthy */.s2)({ migrations: 0 });
        const rows = (await c.query((0,db_bootstrap_ledger/* selectLedgerSql */.od)(ledger))).rows;
        if (!plan)
            return (0,types/* healthy */.s2)({ applied: rows.length });
        const r = (0,reconcile/* reconcile */.Lq)(plan, rows);
        const values = { migrations, applied: r.applied.length, pending: r.pending.length };
        if (r.mismatched.length)
            return (0,types/* unhealthy */.f6)('checksum_mismatch', values);
        if (r.failedAttempts.length)
            return (0,types/* unhealthy */.f6)('failed_attempt', values);
        if (r.missing.length)
            return (0,types/* unhealthy */.f6)('database_ahead', values);
        if (r.pending.length)
            return (0,types/* unhealthy */.f6)('pending_migrations', values);
        return (0,types/* healthy */.s2)(values);
    }
    catch (e) {
        const state = e.code;
        return state === '57014' ? (0,types/* unhealthy */.f6)('timeout') : (0,types/* checkError */.Lq)(state && /^[0-9A-Z]{5}$/.test(state) ? `sql_${state.toLowerCase()}` : 'sql_error');
    }
    finally {
        await c.query('ROLLBACK').catch(() => undefined);
        await conn.close();
    }
}

;// CONCATENATED MODULE: ./lib/ops/prod_verify/run.ts











function configLine(c, rt) {
    if (c.reason === 'missing_env')
        return (0,logfmt/* statusLine */.B)('prod_config', [['status', 'fail'], ['reason', 'missing_env'], ['missing', c.missing ?? []]], rt.redactor);
    return (0,logfmt/* statusLine */.B)('prod_config', [['status', c.ok ? 'ok' : 'fail'], ['reason', c.reason], ['check', c.name], ['count', c.count]], rt.redactor);
}
async function timed(name, kind, fn) {
    const t0 = performance.now();
    let v;
    try {
        v = await fn();
    }
    catch {
        v = { status: 'error', reason: 'check_crashed' };
    }
    return { name, kind, status: v.status, reason: v.status === 'healthy' ? undefined : v.reason, values: v.values ?? {}, ms: Math.round(performance.now() - t0) };
}
/** A smoke check passes when healthy; ops checks also when exactly insufficient_data. */
function passes(r, isOpsCheck) {
    return r.status === 'healthy' || (isOpsCheck && r.status === 'insufficient_data');
}
async function runProdVerify(rt, common, settings, deps = {}) {
    const mode = settings.mode;
    const loaded = (0,setup/* loadConfig */.Z9)(rt, common);
    const config = loaded.config;
    const s = (0,session/* openContextSession */.Wo)(rt, common, { mutating: false, createIfMissing: rt.inAction, vaultEnvKeys: (0,setup/* namedVaultKeys */.e9)(config) });
    const ctxName = s.config.name;
    const workspace = rt.workspace ?? rt.cwd;
    const report = runConfigChecks(config, s.vault, workspace, rt.redactor);
    const lines = report.checks.map((c) => configLine(c, rt));
    const configFailed = report.checks.filter((c) => !c.ok);
    const fieldsBase = { config: report.checks, paas_yml: loaded.exists ? common.config : null };
    const finish = (status, reason, exitCode, extra, fields, summary) => {
        const verdict = (0,logfmt/* statusLine */.B)('prod_verify', [['status', status], ['reason', reason], ['mode', mode], ['checks', extra.checks], ['failed', extra.failed || undefined], ['skipped', extra.skipped || undefined]], rt.redactor);
        const env = (0,envelope/* envelope */.R)('prod_verify', ctxName, mode, { verdict: status, reason: reason ?? null, ...fieldsBase, ...fields });
        env.ok = exitCode === exit/* EXIT_OK */.Ij;
        const level = exitCode === exit/* EXIT_OK */.Ij ? 'info' : exitCode === exit/* EXIT_UNHEALTHY */.Ey ? 'warning' : 'error';
        s.events.append('prod_verify.finished', `prod_verify ${mode}: ${status}${reason ? ` (${reason})` : ''}`, { mode, status, reason: reason ?? null, ...extra }, level);
        return { envelope: env, lines: [...lines, verdict], exitCode, summary };
    };
    const configSummary = (0,summary/* markdownTable */.Q)(['config check', 'ok', 'reason', 'count'], report.checks.map((c) => [c.name, c.ok ? 'yes' : 'no', c.reason ?? (c.missing ? `missing ${c.missing.join(', ')}` : ''), c.count ?? '']));
    if (configFailed.length) {
        const reason = configFailed[0].reason ?? 'invalid_config';
        return finish('fail', reason, exit/* EXIT_ERROR */.SI, { checks: report.checks.length, failed: configFailed.length }, {}, `**prod_verify ${mode}: configuration invalid** (${reason}); nothing was contacted.\n\n${configSummary}`);
    }
    if (mode === 'dry_run') {
        return finish('ok', undefined, exit/* EXIT_OK */.Ij, { checks: report.checks.length }, {}, `**prod_verify dry_run ok**: configuration checked without any connection to production.\n\n${configSummary}`);
    }
    // verify: strict smoke checks, every one required
    const engine = (0,setup/* prepareEngine */.m5)(rt, ctxName, s.vault, config, { expectedRelease: settings.expected_release, deps });
    try {
        const smoke = [];
        if (report.dbUsed && (report.plan?.migrations.length ?? 0) > 0) {
            const dsn = s.vault.get(config.db.dsn);
            smoke.push(dsn ? timed('database', 'sql', () => databaseCheck(config.db, report.plan, dsn, rt.redactor)) : Promise.resolve({ name: 'database', kind: 'sql', status: 'skipped', reason: 'missing_env', values: {}, ms: 0 }));
        }
        for (const app of Object.keys(config.apps)) {
            const name = Object.keys(config.apps).length === 1 ? 'releases' : `releases-${app}`;
            smoke.push(timed(name, 'target', async () => {
                let access;
                try {
                    access = engine.ctx.targets();
                }
                catch {
                    return { status: 'error', reason: 'invalid_targets' };
                }
                return (0,targets/* runTargetCheck */.vZ)({ current_release: true, app, disk_path: '/', timeout: 30_000 }, { access, context: ctxName, apps: config.apps, expectedRelease: settings.expected_release, timeoutMs: 30_000, signal: new AbortController().signal });
            }).then((r) => (r.status === 'insufficient_data' ? { ...r, status: 'skipped' } : r)));
        }
        const opsChecks = config.ops.checks;
        const missing = (0,checks_engine/* missingSecrets */.mO)(opsChecks, s.vault);
        const [fixed, ops] = await Promise.all([Promise.all(smoke), (0,checks_engine/* runChecks */.JT)(opsChecks, engine.ctx, new Set(missing.keys()))]);
        const results = [...fixed, ...ops];
        const opsNames = new Set(opsChecks.map((c) => c.name));
        for (const r of results)
            lines.push((0,checks_report/* checkLine */.tY)(r, rt.redactor, 'prod_verify_check'));
        const skipped = results.filter((r) => r.status === 'skipped').length;
        const errors = results.filter((r) => r.status === 'error').length;
        const failed = results.filter((r) => !passes(r, opsNames.has(r.name) && !fixed.includes(r))).length;
        const fields = { checks: results.map((r) => ({ name: r.name, kind: r.kind, status: r.status, reason: r.reason ?? null, values: r.values, ms: r.ms })), failed, skipped, expected_release: settings.expected_release ?? null };
        const summary = `${configSummary}\n\n${(0,checks_report/* checksTable */.Et)(results)}`;
        if (results.length === 0)
            return finish('fail', 'no_checks', exit/* EXIT_ERROR */.SI, { checks: 0 }, fields, `**prod_verify verify: nothing to verify** (no migrations, apps or ops checks in paas.yml).\n\n${summary}`);
        if (skipped || errors)
            return finish('fail', skipped ? 'skipped_checks' : 'check_error', exit/* EXIT_ERROR */.SI, { checks: results.length, failed, skipped }, fields, `**prod_verify verify failed**: ${skipped} skipped, ${errors} errored (every check is required).\n\n${summary}`);
        if (failed)
            return finish('unhealthy', undefined, exit/* EXIT_UNHEALTHY */.Ey, { checks: results.length, failed }, fields, `**prod_verify verify: unhealthy** (${failed} of ${results.length} checks).\n\n${summary}`);
        return finish('ok', undefined, exit/* EXIT_OK */.Ij, { checks: results.length }, fields, `**prod_verify verify ok**: ${results.length} smoke checks.\n\n${summary}`);
    }
    finally {
        await engine.close();
    }
}


/***/ })

};
