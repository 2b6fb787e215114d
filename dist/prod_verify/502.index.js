export const id = 502;
export const ids = [502];
export const modules = {

/***/ 6989:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  un: () => (/* binding */ SSH_KEYS),
  nj: () => (/* binding */ TARGETS_KEY),
  mO: () => (/* binding */ missingSecrets),
  JT: () => (/* binding */ runChecks),
  Fj: () => (/* binding */ secretsOf)
});

// UNUSED EXPORTS: deadlineOf, kindOf, runCheck

// EXTERNAL MODULE: ./lib/transport/limit.ts
var limit = __webpack_require__(1447);
// EXTERNAL MODULE: ./lib/transport/targets.ts
var targets = __webpack_require__(6726);
// EXTERNAL MODULE: ./lib/ops/checks/http.ts
var http = __webpack_require__(9979);
// EXTERNAL MODULE: ./lib/db/client.ts
var client = __webpack_require__(982);
// EXTERNAL MODULE: ./lib/db/dsn.ts
var db_dsn = __webpack_require__(4480);
// EXTERNAL MODULE: ./lib/db/errors.ts
var errors = __webpack_require__(4486);
// EXTERNAL MODULE: ./lib/ops/checks/types.ts
var types = __webpack_require__(5026);
;// CONCATENATED MODULE: ./lib/ops/checks/conditions.ts
/**
 * Structured conditions over result columns (PRODUCT.md section 11): `{ column: { eq|ne|lt|le|gt|ge: n } }`.
 * Never an expression language: each comparison is a fixed operator applied to a number.
 *
 * Semantics: within one column every operator given must hold (AND: `{ gt: 0, lt: 10 }` is a
 * range); across columns the first column (in declaration order) whose condition holds wins (OR).
 * The reason token names the column and the comparison: `eq` gives `<column>_<n>` (the playbook's
 * `delivered_total_0`), the others `<column>_<op>_<n>` (`delivered_total_lt_10`).
 */

const CONDITION_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const COMPARE = {
    eq: (a, b) => a === b,
    ne: (a, b) => a !== b,
    lt: (a, b) => a < b,
    le: (a, b) => a <= b,
    gt: (a, b) => a > b,
    ge: (a, b) => a >= b,
};
/** True when every operator of the column condition holds for `value`. */
function holds(cond, value) {
    let any = false;
    for (const op of CONDITION_OPS) {
        const bound = cond[op];
        if (bound === undefined)
            continue;
        any = true;
        if (!COMPARE[op](value, bound))
            return false;
    }
    return any;
}
function conditionReason(column, cond) {
    const parts = [column];
    const ops = CONDITION_OPS.filter((op) => cond[op] !== undefined);
    if (ops.length === 1 && ops[0] === 'eq')
        parts.push((0,types/* numberToken */.XL)(cond.eq));
    else
        for (const op of ops)
            parts.push(op, (0,types/* numberToken */.XL)(cond[op]));
    return (0,types/* reasonToken */.uj)(parts.join('_'));
}
/** The reason of the first column whose condition holds, or null. Columns missing from `values` are listed in `missing`. */
function firstMatch(conds, values) {
    const missing = [];
    if (!conds)
        return { reason: null, missing };
    for (const [column, cond] of Object.entries(conds)) {
        const v = values[column];
        if (v === undefined) {
            missing.push(column);
            continue;
        }
        if (holds(cond, v))
            return { reason: conditionReason(column, cond), missing };
    }
    return { reason: null, missing };
}

;// CONCATENATED MODULE: ./lib/ops/checks/sql.ts





/** pg type OIDs accepted as aggregate numbers. */
const NUMERIC_OIDS = new Set([20, 21, 23, 700, 701, 1700]);
/** Connection failures that are configuration mistakes (error) rather than an unhealthy database. */
const CONFIG_REASONS = new Set(['auth_failed', 'database_missing', 'tls_failed', 'invalid_dsn']);
/** Validates the shape (aggregate-only) and extracts the numbers; a refusal is an error verdict. */
function aggregateValues(r) {
    if (r.fields.length === 0)
        return (0,types/* checkError */.Lq)('no_columns');
    if (r.rows.length !== 1)
        return (0,types/* checkError */.Lq)(r.rows.length === 0 ? 'no_rows' : 'more_than_one_row');
    const names = new Set();
    for (const f of r.fields) {
        if (!NUMERIC_OIDS.has(f.dataTypeID))
            return (0,types/* checkError */.Lq)('non_numeric_column');
        if (!types/* VALUE_KEY_RE */.EG.test(f.name))
            return (0,types/* checkError */.Lq)('invalid_column_name');
        if (names.has(f.name))
            return (0,types/* checkError */.Lq)('duplicate_column_name');
        names.add(f.name);
    }
    const row = r.rows[0];
    const values = {};
    const nulls = [];
    r.fields.forEach((f, i) => {
        const raw = row[i];
        if (raw === null || raw === undefined) {
            nulls.push(f.name);
            return;
        }
        values[f.name] = typeof raw === 'number' ? raw : Number(raw);
    });
    if (Object.values(values).some((v) => !Number.isFinite(v)))
        return (0,types/* checkError */.Lq)('non_finite_value');
    return { values, nulls };
}
/** Applies insufficient_when (first) and unhealthy_when to the values. */
function judge(values, nulls, spec) {
    const referenced = new Set([...Object.keys(spec.insufficient_when ?? {}), ...Object.keys(spec.unhealthy_when ?? {})]);
    const known = new Set([...Object.keys(values), ...nulls]);
    if ([...referenced].some((c) => !known.has(c)))
        return (0,types/* checkError */.Lq)('condition_column_missing', values);
    if (nulls.length)
        return (0,types/* insufficient */.E8)(`${nulls[0]}_null`, values);
    const ins = firstMatch(spec.insufficient_when, values);
    if (ins.reason)
        return (0,types/* insufficient */.E8)(ins.reason, values);
    const bad = firstMatch(spec.unhealthy_when, values);
    if (bad.reason)
        return (0,types/* unhealthy */.f6)(bad.reason, values);
    return (0,types/* healthy */.s2)(values);
}
function queryFailure(e) {
    const state = (0,errors/* sqlstateOf */.R8)(e);
    if (state === '57014')
        return (0,types/* unhealthy */.f6)('timeout');
    if (state === '55P03')
        return (0,types/* unhealthy */.f6)('lock_timeout');
    if (state === '25006' || state === '25001')
        return (0,types/* checkError */.Lq)('read_only_violation');
    if (state === '42501')
        return (0,types/* checkError */.Lq)('permission_denied');
    if ((0,errors/* isConnectionLost */.pb)(e))
        return (0,types/* unhealthy */.f6)('connection_lost');
    if (state)
        return (0,types/* checkError */.Lq)(`sql_${state.toLowerCase()}`);
    return (0,types/* checkError */.Lq)('sql_error');
}
async function runSqlCheck(spec, opts) {
    (0,db_dsn/* registerDsnSecrets */.oG)(opts.redactor, opts.dsnValue, spec.dsn);
    let dsn;
    try {
        dsn = (0,db_dsn/* parseDsn */.pK)(opts.dsnValue, spec.dsn);
    }
    catch {
        return (0,types/* checkError */.Lq)('invalid_dsn');
    }
    let conn = null;
    const onAbort = () => {
        // a query past its deadline: drop the socket (the server cancels the backend on disconnect)
        const stream = conn?.client?.connection?.stream;
        stream?.destroy?.();
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
        try {
            conn = await (0,client/* openConnection */.JY)({ dsn, dsnKey: spec.dsn, applicationName: opts.applicationName ?? 'paas ops check', connectTimeoutMs: Math.min(spec.timeout, 10_000) });
        }
        catch (e) {
            if (opts.signal.aborted)
                return (0,types/* unhealthy */.f6)('timeout');
            const reason = (0,errors/* isDbError */.NV)(e) ? e.reason : 'connect_failed';
            return CONFIG_REASONS.has(reason) ? (0,types/* checkError */.Lq)(reason) : (0,types/* unhealthy */.f6)(reason);
        }
        if (opts.signal.aborted)
            return (0,types/* unhealthy */.f6)('timeout');
        const c = conn.client;
        try {
            await c.query('BEGIN READ ONLY');
            const ms = Math.max(1, Math.floor(spec.timeout));
            await c.query(`SET LOCAL statement_timeout = ${ms}`);
            await c.query(`SET LOCAL lock_timeout = ${ms}`);
            await c.query(`SET LOCAL idle_in_transaction_session_timeout = ${ms + 5000}`);
            const q = { text: spec.query, rowMode: 'array', queryMode: 'extended' };
            const r = (await c.query(q));
            await c.query('ROLLBACK').catch(() => undefined);
            const shape = aggregateValues(r);
            if ('status' in shape)
                return shape;
            return judge(shape.values, shape.nulls, spec);
        }
        catch (e) {
            if (opts.signal.aborted)
                return (0,types/* unhealthy */.f6)('timeout');
            await c.query('ROLLBACK').catch(() => undefined);
            return queryFailure(e);
        }
    }
    finally {
        opts.signal.removeEventListener('abort', onAbort);
        await conn?.close();
    }
}

// EXTERNAL MODULE: ./lib/ops/checks/targets.ts
var checks_targets = __webpack_require__(4041);
// EXTERNAL MODULE: ./lib/ops/checks/tls.ts
var tls = __webpack_require__(234);
// EXTERNAL MODULE: ./lib/config/paas-yml.ts
var paas_yml = __webpack_require__(5993);
;// CONCATENATED MODULE: ./lib/ops/checks/engine.ts








function kindOf(check) {
    return paas_yml/* CHECK_KINDS */.FZ.find((k) => check[k] !== undefined);
}
const TARGETS_KEY = 'PAAS_TARGETS';
const SSH_KEYS = ['PAAS_SSH_KEY', 'PAAS_KNOWN_HOSTS'];
/**
 * Vault keys a check needs before it can run. Target-based checks need PAAS_TARGETS and, when any
 * target is reached over SSH, PAAS_SSH_KEY and PAAS_KNOWN_HOSTS.
 */
function secretsOf(check, vault) {
    if (check.http)
        return [check.http.url];
    if (check.sql)
        return [check.sql.dsn];
    if (check.tls)
        return [check.tls.host];
    const keys = [TARGETS_KEY];
    const text = vault.get(TARGETS_KEY);
    if (text) {
        try {
            if ((0,targets/* parseTargets */.S)(text).some((t) => t.kind === 'ssh'))
                keys.push(...SSH_KEYS);
        }
        catch {
            /* an unparsable list is reported by the check itself */
        }
    }
    return keys;
}
/** Missing vault keys per check name (only checks that miss something are listed). */
function missingSecrets(checks, vault) {
    const out = new Map();
    for (const c of checks) {
        const miss = secretsOf(c, vault).filter((k) => !vault.get(k));
        if (miss.length)
            out.set(c.name, miss);
    }
    return out;
}
/** The deadline of a check: its own timeout, plus grace for kinds that enforce it themselves. */
function deadlineOf(check, graceMs) {
    if (check.http)
        return check.http.timeout;
    if (check.tls)
        return check.tls.timeout;
    if (check.sql)
        return check.sql.timeout + graceMs;
    if (check.target)
        return check.target.timeout * 2 + graceMs; // probe + release state, after connecting
    if (check.backup)
        return check.backup.timeout + graceMs;
    return 30_000;
}
async function runOne(check, ctx, signal) {
    const secret = (k) => ctx.vault.get(k) ?? '';
    if (check.http)
        return (0,http/* runHttpCheck */.C)(check.http, secret(check.http.url), signal, ctx.fetch);
    if (check.sql)
        return runSqlCheck(check.sql, { dsnValue: secret(check.sql.dsn), redactor: ctx.redactor, signal, applicationName: `paas check ${check.name}` });
    if (check.tls)
        return (0,tls/* runTlsCheck */.x)(check.tls, secret(check.tls.host), { signal, now: ctx.now, ca: ctx.tlsCa });
    let access;
    try {
        access = ctx.targets();
    }
    catch {
        return (0,types/* checkError */.Lq)('invalid_targets');
    }
    if (check.target)
        return (0,checks_targets/* runTargetCheck */.vZ)(check.target, { access, context: ctx.context, apps: ctx.config.apps, expectedRelease: ctx.expectedRelease, timeoutMs: check.target.timeout, signal });
    if (check.backup)
        return (0,checks_targets/* runBackupCheck */.AR)(check.backup, { access, timeoutMs: check.backup.timeout });
    return (0,types/* checkError */.Lq)('unknown_kind');
}
/** Runs one check under its deadline; never throws. */
async function runCheck(check, ctx) {
    const kind = kindOf(check);
    const started = performance.now();
    const ac = new AbortController();
    let timer;
    const deadline = new Promise((resolve) => {
        timer = setTimeout(() => {
            ac.abort();
            resolve((0,types/* unhealthy */.f6)('timeout'));
        }, deadlineOf(check, ctx.graceMs ?? 5000));
    });
    let verdict;
    try {
        verdict = await Promise.race([runOne(check, ctx, ac.signal).catch(() => (0,types/* checkError */.Lq)('check_crashed')), deadline]);
    }
    finally {
        clearTimeout(timer);
    }
    return { name: check.name, kind, status: verdict.status, reason: verdict.status === 'healthy' ? undefined : verdict.reason, values: verdict.values ?? {}, ms: Math.round(performance.now() - started) };
}
/**
 * Runs `checks` with at most ctx.concurrency in flight. Checks named in `skip` are not run and
 * come back as `skipped reason=missing_env`. Results are in declaration order.
 */
async function runChecks(checks, ctx, skip = new Set()) {
    const settled = await (0,limit/* mapLimit */.sf)(checks, ctx.concurrency, async (c) => {
        if (skip.has(c.name))
            return { name: c.name, kind: kindOf(c), status: 'skipped', reason: 'missing_env', values: {}, ms: 0 };
        return runCheck(c, ctx);
    });
    return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { name: checks[i].name, kind: kindOf(checks[i]), status: 'error', reason: 'check_crashed', values: {}, ms: 0 }));
}


/***/ }),

/***/ 9979:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ runHttpCheck),
/* harmony export */   x: () => (/* binding */ fetchFailureReason)
/* harmony export */ });
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5026);

const MAX_BODY = 1024 * 1024;
/** Maps a fetch failure to a token: connect_refused, dns_failed, tls_failed, timeout, connect_failed. */
function fetchFailureReason(e, signal) {
    if (signal?.aborted)
        return 'timeout';
    const err = e;
    if (err?.name === 'AbortError' || err?.name === 'TimeoutError')
        return 'timeout';
    const code = err?.cause?.code ?? err?.code ?? '';
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
        return code === 'ECONNRESET' ? 'connection_reset' : 'connect_refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return 'dns_failed';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT')
        return 'timeout';
    if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code))
        return 'tls_failed';
    if (code === 'UND_ERR_SOCKET')
        return 'connection_reset';
    return 'connect_failed';
}
/** Reads at most MAX_BODY bytes of the body as text. */
async function readBody(res) {
    if (!res.body)
        return '';
    const reader = res.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done)
            break;
        chunks.push(value);
        size += value.byteLength;
        if (size >= MAX_BODY) {
            await reader.cancel().catch(() => undefined);
            break;
        }
    }
    return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}
async function runHttpCheck(spec, url, signal, fetchFn = fetch) {
    let parsed;
    try {
        parsed = new URL(url.trim());
    }
    catch {
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .checkError */ .Lq)('invalid_url');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .checkError */ .Lq)('invalid_url');
    const expected = Array.isArray(spec.expect) ? spec.expect : [spec.expect];
    const started = performance.now();
    let res;
    try {
        res = await fetchFn(parsed.href, { method: spec.method, signal, redirect: 'manual', headers: { 'user-agent': 'paas-actions ops_daily', accept: '*/*' } });
    }
    catch (e) {
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .unhealthy */ .f6)(fetchFailureReason(e, signal), { latency_ms: Math.round(performance.now() - started) });
    }
    let body = '';
    try {
        if (spec.body_contains !== undefined && spec.method !== 'HEAD')
            body = await readBody(res);
        else
            await res.body?.cancel().catch(() => undefined);
    }
    catch (e) {
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .unhealthy */ .f6)(fetchFailureReason(e, signal), { http_status: res.status, latency_ms: Math.round(performance.now() - started) });
    }
    const latency = Math.round(performance.now() - started);
    const values = { http_status: res.status, latency_ms: latency };
    if (!expected.includes(res.status))
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .unhealthy */ .f6)(`http_${res.status}`, values);
    if (spec.max_latency_ms !== undefined && latency > spec.max_latency_ms)
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .unhealthy */ .f6)('slow', values);
    if (spec.body_contains !== undefined && !body.includes(spec.body_contains))
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .unhealthy */ .f6)('body_mismatch', values);
    return (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .healthy */ .s2)(values);
}


/***/ }),

/***/ 4737:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Et: () => (/* binding */ checksTable),
/* harmony export */   tY: () => (/* binding */ checkLine)
/* harmony export */ });
/* unused harmony exports formatNumber, valuesList */
/* harmony import */ var _output_logfmt_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6829);
/* harmony import */ var _output_summary_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9618);


function formatNumber(n) {
    if (Number.isInteger(n))
        return String(n);
    return String(Math.round(n * 1000) / 1000);
}
function valuesList(values) {
    return Object.entries(values).map(([k, v]) => `${k}:${formatNumber(v)}`);
}
function checkLine(r, redactor, command = 'ops_check') {
    const vals = valuesList(r.values);
    return (0,_output_logfmt_js__WEBPACK_IMPORTED_MODULE_0__/* .statusLine */ .B)(command, [['status', r.status], ['check', r.name], ['kind', r.kind], ['reason', r.reason], ['ms', r.ms], ['values', vals.length ? vals : undefined]], redactor);
}
function checksTable(results) {
    return (0,_output_summary_js__WEBPACK_IMPORTED_MODULE_1__/* .markdownTable */ .Q)(['check', 'kind', 'status', 'reason', 'values', 'ms'], results.map((r) => [r.name, r.kind, r.status, r.reason ?? '', valuesList(r.values).join(', '), r.ms]));
}


/***/ }),

/***/ 3934:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Vp: () => (/* binding */ runUrl),
/* harmony export */   Z9: () => (/* binding */ loadConfig),
/* harmony export */   e9: () => (/* binding */ namedVaultKeys),
/* harmony export */   m5: () => (/* binding */ prepareEngine)
/* harmony export */ });
/* harmony import */ var _config_paas_yml_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5993);
/* harmony import */ var _transport_targets_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6726);
/* harmony import */ var _deploy_connect_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5346);
/* harmony import */ var _engine_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6989);
/* harmony import */ var _targets_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4041);
/**
 * What ops_daily and prod_verify share before checks run: paas.yml (the one loader), the vault
 * keys it names (so named secrets passed in env are picked up), and the engine context with its
 * lazily opened target transports (deploy's transport builder: SSH or local).
 */





function loadConfig(rt, common) {
    return (0,_config_paas_yml_js__WEBPACK_IMPORTED_MODULE_0__/* .loadPaasYml */ .a4)(common.config, rt.workspace ?? rt.cwd);
}
/** Every vault key paas.yml names for ops and db (plus the target keys): picked from env when set there. */
function namedVaultKeys(config) {
    const keys = new Set([_engine_js__WEBPACK_IMPORTED_MODULE_3__/* .TARGETS_KEY */ .nj, ..._engine_js__WEBPACK_IMPORTED_MODULE_3__/* .SSH_KEYS */ .un, 'PAAS_SSH_FINGERPRINTS', 'PAAS_SSH_JUMP', config.db.dsn, config.ops.slack.webhook]);
    for (const c of config.ops.checks) {
        if (c.http)
            keys.add(c.http.url);
        if (c.sql)
            keys.add(c.sql.dsn);
        if (c.tls)
            keys.add(c.tls.host);
    }
    return [...keys].sort();
}
function prepareEngine(rt, context, vault, config, opts = {}) {
    let access = null;
    const targets = () => {
        if (!access) {
            const specs = (0,_transport_targets_js__WEBPACK_IMPORTED_MODULE_1__/* .parseTargets */ .S)(vault.require(_engine_js__WEBPACK_IMPORTED_MODULE_3__/* .TARGETS_KEY */ .nj, 'target and backup checks'));
            const transports = (0,_deploy_connect_js__WEBPACK_IMPORTED_MODULE_2__/* .buildTransports */ .PF)(specs, vault, { concurrency: 8, attempts: 2, backoffMs: 500, log: (m) => rt.logger.info(m) });
            access = (0,_targets_js__WEBPACK_IMPORTED_MODULE_4__/* .targetAccess */ .Eq)(specs, transports, _deploy_connect_js__WEBPACK_IMPORTED_MODULE_2__/* .connectTransport */ .go);
        }
        return access;
    };
    const ctx = {
        context,
        vault,
        redactor: rt.redactor,
        config,
        targets,
        fetch: opts.deps?.fetch,
        now: rt.now,
        expectedRelease: opts.expectedRelease,
        tlsCa: opts.deps?.tlsCa,
        concurrency: config.ops.concurrency,
    };
    return { ctx, close: async () => { await access?.close(); } };
}
/** The URL of this workflow run, when running in GitHub Actions. */
function runUrl(env) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID)
        return undefined;
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(env.GITHUB_REPOSITORY) || !/^\d+$/.test(env.GITHUB_RUN_ID))
        return undefined;
    return `${server.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}


/***/ }),

/***/ 4041:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AR: () => (/* binding */ runBackupCheck),
/* harmony export */   Eq: () => (/* binding */ targetAccess),
/* harmony export */   vZ: () => (/* binding */ runTargetCheck)
/* harmony export */ });
/* unused harmony exports parseKv, transportVerdict, aggregateTargets */
/* harmony import */ var _transport_commands_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7904);
/* harmony import */ var _transport_transport_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2553);
/* harmony import */ var _deploy_releases_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9095);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5026);




/** `key=value` lines of the probe scripts (lib/transport/commands.ts) → map (later keys win; lines without `=` ignored). */
function parseKv(stdout) {
    const out = {};
    for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0)
            out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return out;
}
function targetAccess(specs, transports, connect) {
    const opened = new Map();
    return {
        specs,
        get(id) {
            let p = opened.get(id);
            if (!p) {
                const t = transports.get(id);
                p = t ? connect(t).then(() => t) : Promise.reject(new _transport_transport_js__WEBPACK_IMPORTED_MODULE_1__/* .TransportError */ .w('connect', `unknown target ${id}`));
                opened.set(id, p);
            }
            return p;
        },
        async close() {
            await Promise.all([...opened.values()].map((p) => p.then((t) => t.close()).catch(() => undefined)));
        },
    };
}
/** A failure of the link itself: security failures are errors, the rest unhealthy. */
function transportVerdict(e) {
    if (e instanceof _transport_transport_js__WEBPACK_IMPORTED_MODULE_1__/* .TransportError */ .w) {
        if (e.kind === 'hostkey')
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('hostkey_mismatch');
        if (e.kind === 'auth')
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('auth_failed');
        if (e.kind === 'timeout')
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('timeout');
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('unreachable');
    }
    return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('target_failed');
}
const RANK = { healthy: 0, insufficient_data: 1, unhealthy: 2, error: 3 };
/** Worst status across targets; counts and maxima as values. */
function aggregateTargets(per, maxKeys) {
    if (per.length === 0)
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .insufficient */ .E8)('no_targets', { targets: 0 });
    let worst = per[0];
    for (const v of per)
        if (RANK[v.status] > RANK[worst.status])
            worst = v;
    const values = { targets: per.length, targets_failed: per.filter((v) => v.status === 'unhealthy' || v.status === 'error').length };
    for (const k of maxKeys) {
        const nums = per.map((v) => v.values?.[k]).filter((n) => typeof n === 'number');
        if (nums.length)
            values[`${k}_max`] = Math.max(...nums);
    }
    return { status: worst.status, reason: worst.status === 'healthy' ? undefined : worst.reason, values };
}
function resolveApp(spec, apps) {
    const names = Object.keys(apps);
    const name = spec.app ?? (names.length === 1 ? names[0] : undefined);
    if (!name)
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)(names.length === 0 ? 'no_app' : 'app_ambiguous');
    const app = apps[name];
    if (!app)
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('unknown_app');
    return { name, root: app.deploy_root };
}
async function probeTarget(spec, id, ctx, app) {
    let t;
    try {
        t = await ctx.access.get(id);
    }
    catch (e) {
        return transportVerdict(e);
    }
    const values = {};
    try {
        if (spec.disk_max_pct !== undefined || spec.service) {
            const r = await t.exec((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .probeScript */ .Ai)({ diskPath: spec.disk_max_pct !== undefined ? spec.disk_path : undefined, service: spec.service }), { timeoutMs: ctx.timeoutMs });
            const kv = parseKv(r.stdout);
            if (spec.disk_max_pct !== undefined) {
                if (!/^\d{1,3}$/.test(kv.disk_pct ?? ''))
                    return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('disk_unreadable');
                values.disk_pct = Number(kv.disk_pct);
            }
            if (spec.service) {
                if (kv.service === 'no_systemctl')
                    return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('no_systemctl', values);
                values.service_active = kv.service === 'active' ? 1 : 0;
            }
        }
        let current;
        if (spec.current_release && app) {
            const root = t.rootOverride ?? app.root;
            const r = await t.exec((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .stateScript */ .nB)((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .appDir */ .DY)(root, ctx.context, app.name)), { timeoutMs: ctx.timeoutMs });
            if (r.code !== 0)
                return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('state_unreadable', values);
            const st = (0,_deploy_releases_js__WEBPACK_IMPORTED_MODULE_2__/* .parseState */ .Bu)(r.stdout);
            current = st.current;
            if (!st.exists || !st.current)
                return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('no_current_release', values), current: null };
            const expected = ctx.expectedRelease ?? (0,_deploy_releases_js__WEBPACK_IMPORTED_MODULE_2__/* .releaseStatuses */ .sV)(st.history).goodOrder[0] ?? null;
            if (expected === null)
                return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .insufficient */ .E8)('no_release_history', values), current };
            if (st.current !== expected)
                return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('release_mismatch', values), current };
        }
        if (spec.service && values.service_active === 0)
            return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('service_inactive', values), current };
        if (spec.disk_max_pct !== undefined && values.disk_pct > spec.disk_max_pct)
            return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('disk_full', values), current };
        return { ...(0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .healthy */ .s2)(values), current };
    }
    catch (e) {
        return transportVerdict(e);
    }
}
async function runTargetCheck(spec, ctx) {
    let app = null;
    if (spec.current_release) {
        const a = resolveApp(spec, ctx.apps);
        if ('status' in a)
            return a;
        app = a;
    }
    const per = await Promise.all(ctx.access.specs.map((s) => probeTarget(spec, s.id, ctx, app)));
    const agg = aggregateTargets(per, ['disk_pct']);
    if (spec.current_release) {
        const currents = new Set(per.map((p) => p.current).filter((c) => typeof c === 'string'));
        agg.values = { ...agg.values, releases_distinct: currents.size };
        // every target healthy on its own but not on the same release: a half-finished rollout
        if (agg.status === 'healthy' && currents.size > 1)
            return { status: 'unhealthy', reason: 'release_drift', values: agg.values };
    }
    return agg;
}
async function probeBackup(spec, id, ctx) {
    let t;
    try {
        t = await ctx.access.get(id);
    }
    catch (e) {
        return transportVerdict(e);
    }
    try {
        const r = await t.exec((0,_transport_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .backupScript */ .A1)(spec.dir, spec.verify_checksum), { timeoutMs: ctx.timeoutMs });
        const kv = parseKv(r.stdout);
        if (kv.dir !== 'yes')
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('backup_dir_missing');
        if (kv.snapshot !== 'yes')
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('no_snapshot');
        const mtime = Number(kv.mtime);
        const now = Number(kv.now);
        if (!Number.isFinite(mtime) || !Number.isFinite(now) || mtime <= 0)
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('backup_unreadable');
        const age = Math.max(0, now - mtime) / 3600;
        const values = { age_hours: Math.round(age * 10) / 10 };
        if (/^\d+$/.test(kv.size ?? ''))
            values.size_bytes = Number(kv.size);
        if (spec.verify_checksum) {
            const expected = kv.expected ?? '';
            const actual = kv.actual ?? '';
            if (actual === 'no_tool')
                return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('no_sha256_tool', values);
            if (!/^[0-9a-f]{64}$/.test(expected))
                return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)(expected ? 'checksum_unreadable' : 'checksum_missing', values);
            if (actual !== expected)
                return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('checksum_mismatch', values);
            values.checksum_ok = 1;
        }
        if (age > spec.max_age_hours)
            return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .unhealthy */ .f6)('backup_too_old', values);
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .healthy */ .s2)(values);
    }
    catch (e) {
        return transportVerdict(e);
    }
}
async function runBackupCheck(spec, ctx) {
    const ids = spec.target ? ctx.access.specs.filter((s) => s.id === spec.target).map((s) => s.id) : ctx.access.specs.map((s) => s.id);
    if (spec.target && ids.length === 0)
        return (0,_types_js__WEBPACK_IMPORTED_MODULE_3__/* .checkError */ .Lq)('unknown_target');
    const per = await Promise.all(ids.map((id) => probeBackup(spec, id, ctx)));
    return aggregateTargets(per, ['age_hours']);
}


/***/ }),

/***/ 234:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   L: () => (/* binding */ parseTlsHost),
/* harmony export */   x: () => (/* binding */ runTlsCheck)
/* harmony export */ });
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1692);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_tls__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7030);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_net__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _http_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9979);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5026);
/**
 * `tls` check: days until the server certificate expires. The host comes from the vault (`host`,
 * `host:port` or an https URL) and is never printed. The chain is verified as a client would
 * (system CAs, or `ca` for tests and private CAs); an untrusted chain or a name mismatch is
 * unhealthy (`cert_untrusted`), like an expired certificate (`expired`) or one expiring within
 * `min_days` (`expires_soon`).
 */




const DAY_MS = 86_400_000;
/** `host`, `host:port`, `[v6]:port` or `https://host:port/...` → host and port. */
function parseTlsHost(value, defaultPort) {
    let v = value.trim();
    if (/^https?:\/\//i.test(v)) {
        try {
            const u = new URL(v);
            return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : defaultPort };
        }
        catch {
            return null;
        }
    }
    let port = defaultPort;
    const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v);
    if (v6) {
        v = v6[1];
        if (v6[2])
            port = Number(v6[2]);
    }
    else {
        const m = /^([^:/\s]+):(\d{1,5})$/.exec(v);
        if (m) {
            v = m[1];
            port = Number(m[2]);
        }
    }
    if (!v || /[\s/]/.test(v) || !(port >= 1 && port <= 65535))
        return null;
    return { host: v, port };
}
function runTlsCheck(spec, hostValue, opts) {
    const target = parseTlsHost(hostValue, spec.port);
    if (!target)
        return Promise.resolve((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .checkError */ .Lq)('invalid_host'));
    return new Promise((resolve) => {
        let done = false;
        const finish = (v) => {
            if (done)
                return;
            done = true;
            opts.signal.removeEventListener('abort', onAbort);
            socket.destroy();
            resolve(v);
        };
        const onAbort = () => finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)('timeout'));
        const socket = (0,node_tls__WEBPACK_IMPORTED_MODULE_0__.connect)({
            host: target.host,
            port: target.port,
            servername: (0,node_net__WEBPACK_IMPORTED_MODULE_1__.isIP)(target.host) ? undefined : target.host,
            rejectUnauthorized: false, // we read the certificate either way and judge trust ourselves
            ca: opts.ca,
        });
        opts.signal.addEventListener('abort', onAbort, { once: true });
        socket.once('secureConnect', () => {
            const cert = socket.getPeerCertificate();
            if (!cert || !cert.valid_to)
                return finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)('no_certificate'));
            const days = Math.floor((Date.parse(cert.valid_to) - opts.now().getTime()) / DAY_MS);
            const values = { days };
            if (!Number.isFinite(days))
                return finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .checkError */ .Lq)('unreadable_certificate'));
            if (days < 0)
                return finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)('expired', values));
            if (!socket.authorized)
                return finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)('cert_untrusted', values));
            if (days < spec.min_days)
                return finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)('expires_soon', values));
            finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .healthy */ .s2)(values));
        });
        socket.once('error', (e) => finish((0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .unhealthy */ .f6)(opts.signal.aborted ? 'timeout' : (0,_http_js__WEBPACK_IMPORTED_MODULE_3__/* .fetchFailureReason */ .x)({ cause: e }))));
    });
}


/***/ }),

/***/ 5026:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E8: () => (/* binding */ insufficient),
/* harmony export */   EG: () => (/* binding */ VALUE_KEY_RE),
/* harmony export */   Lq: () => (/* binding */ checkError),
/* harmony export */   Nx: () => (/* binding */ overallOf),
/* harmony export */   XL: () => (/* binding */ numberToken),
/* harmony export */   f6: () => (/* binding */ unhealthy),
/* harmony export */   s2: () => (/* binding */ healthy),
/* harmony export */   uj: () => (/* binding */ reasonToken)
/* harmony export */ });
/* unused harmony exports CHECK_STATUSES, REASON_RE */
/** `skipped`: the check could not run (a secret it needs is missing); never counted as healthy. */
const CHECK_STATUSES = (/* unused pure expression or super */ null && (['healthy', 'unhealthy', 'insufficient_data', 'error', 'skipped']));
const REASON_RE = /^[a-z0-9][a-z0-9_.-]{0,79}$/;
const VALUE_KEY_RE = /^[a-z_][a-z0-9_]{0,62}$/;
/** Turns anything into a reason token (lowercase, `[a-z0-9_.-]`, at most 80 characters). */
function reasonToken(s) {
    const t = s
        .toLowerCase()
        .replace(/[^a-z0-9_.-]+/g, '_')
        .replace(/^[^a-z0-9]+/, '')
        .slice(0, 80);
    return REASON_RE.test(t) ? t : 'unknown';
}
/** Number formatting for tokens: `0`, `10`, `-1`, `0.5` (no exponent surprises for ordinary values). */
function numberToken(n) {
    if (Number.isInteger(n) && Math.abs(n) < 1e15)
        return String(n);
    return reasonToken(String(Number(n.toPrecision(6))));
}
const healthy = (values) => ({ status: 'healthy', values });
const unhealthy = (reason, values) => ({ status: 'unhealthy', reason, values });
const insufficient = (reason, values) => ({ status: 'insufficient_data', reason, values });
const checkError = (reason, values) => ({ status: 'error', reason, values });
/**
 * The overall result, from structured statuses only:
 * any error → error; else any unhealthy → unhealthy; else any insufficient_data → insufficient_data;
 * else healthy. Nothing ran at all (no checks, or all skipped) → insufficient_data reason=no_checks.
 * With `skippedFails` (prod_verify verify) a skipped check is an error.
 */
function overallOf(results, opts = {}) {
    const counts = { healthy: 0, unhealthy: 0, insufficient_data: 0, error: 0, skipped: 0 };
    for (const r of results)
        counts[r.status]++;
    const skippedFails = opts.skippedFails ?? false;
    const failed = counts.unhealthy + counts.error + (skippedFails ? counts.skipped : 0);
    const base = { checks: results.length, failed, skipped: counts.skipped, counts };
    if (counts.error > 0 || (skippedFails && counts.skipped > 0))
        return { ...base, status: 'error', reason: skippedFails && counts.skipped > 0 && counts.error === 0 ? 'skipped_checks' : undefined };
    if (counts.unhealthy > 0)
        return { ...base, status: 'unhealthy' };
    const ran = results.length - counts.skipped;
    if (ran === 0)
        return { ...base, status: 'insufficient_data', reason: 'no_checks' };
    if (counts.insufficient_data > 0) {
        const reasons = [...new Set(results.filter((r) => r.status === 'insufficient_data').map((r) => r.reason ?? 'insufficient_data'))];
        return { ...base, status: 'insufficient_data', reason: reasons.join(',') };
    }
    return { ...base, status: 'healthy' };
}


/***/ })

};
