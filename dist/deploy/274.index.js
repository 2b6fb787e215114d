export const id = 274;
export const ids = [274];
export const modules = {

/***/ 982:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   JY: () => (/* binding */ openConnection),
/* harmony export */   ce: () => (/* binding */ quoteLiteral),
/* harmony export */   hU: () => (/* binding */ cancelBackend),
/* harmony export */   v4: () => (/* binding */ quoteIdent)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6230);
/* harmony import */ var _dsn_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4480);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4486);



/** Connects and reads the backend pid and server version. Errors become DbError without any DSN part. */
async function openConnection(opts) {
    const client = new pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].Client */ .Ay.Client((0,_dsn_js__WEBPACK_IMPORTED_MODULE_1__/* .clientConfig */ .yO)(opts.dsn, { applicationName: opts.applicationName, connectTimeoutMs: opts.connectTimeoutMs, key: opts.dsnKey }));
    let idleError = null;
    client.on('error', (e) => {
        idleError = e;
    });
    if (opts.onNotice) {
        const onNotice = opts.onNotice;
        client.on('notice', (n) => onNotice(`${n.severity ?? 'NOTICE'}: ${n.message}`));
    }
    try {
        await client.connect();
    }
    catch (e) {
        await client.end().catch(() => undefined);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .connectError */ .zT)(e, opts.dsnKey);
    }
    let pid;
    let serverVersion;
    try {
        const r = await client.query('SELECT pg_catalog.pg_backend_pid() AS pid, pg_catalog.current_setting(\'server_version_num\') AS v');
        pid = Number(r.rows[0]?.pid);
        serverVersion = Number(r.rows[0]?.v);
    }
    catch (e) {
        await client.end().catch(() => undefined);
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .connectError */ .zT)(e, opts.dsnKey);
    }
    let closed = false;
    return {
        client,
        pid,
        serverVersion,
        lastError: () => idleError,
        close: async () => {
            if (closed)
                return;
            closed = true;
            await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
        },
    };
}
/** Quotes an identifier (always, so reserved words and case are safe). */
function quoteIdent(name) {
    return '"' + name.replace(/"/g, '""') + '"';
}
/** Quotes a string literal for the simple query protocol (standard_conforming_strings assumed on; E'' when a backslash is present). */
function quoteLiteral(value) {
    if (value.includes('\0'))
        throw new Error('NUL in SQL literal');
    const body = value.replace(/'/g, "''");
    return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}
/** Cancels the statement running on backend `pid` from a second, short-lived session. Never throws. */
async function cancelBackend(opts, pid) {
    const c = new pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].Client */ .Ay.Client((0,_dsn_js__WEBPACK_IMPORTED_MODULE_1__/* .clientConfig */ .yO)(opts.dsn, { applicationName: `${opts.applicationName} cancel`, connectTimeoutMs: Math.min(opts.connectTimeoutMs, 5000), key: opts.dsnKey }));
    c.on('error', () => undefined);
    try {
        await Promise.race([
            (async () => {
                await c.connect();
                await c.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
            })(),
            new Promise((r) => setTimeout(r, 5000).unref()),
        ]);
    }
    catch {
        /* the session may be gone already */
    }
    finally {
        await c.end().catch(() => undefined);
    }
}


/***/ }),

/***/ 4480:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   oG: () => (/* binding */ registerDsnSecrets),
/* harmony export */   pK: () => (/* binding */ parseDsn),
/* harmony export */   yO: () => (/* binding */ clientConfig)
/* harmony export */ });
/* unused harmony export SSL_MODES */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4486);


const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];
const ALLOWED_PARAMS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'options', 'application_name', 'host', 'port', 'connect_timeout']);
const SHAPE = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password)';
function dsnError(key, problem) {
    return new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .DbError */ .HW('PAAS_INVALID_ARGUMENT', 'invalid_dsn', `the DSN in vault key ${key} ${problem}`, {
        stage: 'dsn',
        remediation: `Set ${key} in the context's vault to ${SHAPE}. The value is never printed.`,
    });
}
function decode(part, key, what) {
    try {
        return decodeURIComponent(part);
    }
    catch {
        throw dsnError(key, `has a malformed percent-encoding in its ${what}`);
    }
}
/** Registers the DSN and its parts as secrets. Call before parsing so even a malformed DSN is covered. */
function registerDsnSecrets(redactor, value, name) {
    redactor.register(value, name);
    const trimmed = value.trim();
    if (trimmed !== value)
        redactor.register(trimmed, name);
    const rest = trimmed.replace(/^[a-z]+:\/\//i, '');
    const q = rest.indexOf('?');
    const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
    const at = beforeQuery.lastIndexOf('@');
    if (at >= 0) {
        const userinfo = beforeQuery.slice(0, at);
        const colon = userinfo.indexOf(':');
        const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
        const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
        for (const v of [user, password]) {
            if (!v)
                continue;
            redactor.register(v);
            try {
                redactor.register(decodeURIComponent(v));
            }
            catch {
                /* malformed encoding: the raw form is registered */
            }
        }
    }
    const hostport = (at >= 0 ? beforeQuery.slice(at + 1) : beforeQuery).split('/')[0] ?? '';
    const host = hostport.startsWith('[') ? hostport.slice(1, hostport.indexOf(']')) : (hostport.split(':')[0] ?? '');
    if (host)
        redactor.register(host);
    if (hostport)
        redactor.register(hostport);
    if (q >= 0) {
        const hostParam = /(?:^|&)host=([^&]*)/.exec(rest.slice(q + 1))?.[1];
        if (hostParam)
            redactor.register(hostParam);
    }
}
/** Parses a DSN taken from vault key `key`. Errors name the key and the problem, never the value. */
function parseDsn(value, key) {
    const v = value.trim();
    if (!v)
        throw dsnError(key, 'is empty');
    const m = /^(postgres|postgresql):\/\/(.*)$/i.exec(v);
    if (!m) {
        const looksKeyword = /^[a-z_]+\s*=/.test(v);
        throw dsnError(key, looksKeyword ? 'is in key=value form; paas needs the URL form' : 'does not start with postgres:// or postgresql://');
    }
    if (/\s/.test(v))
        throw dsnError(key, 'contains whitespace');
    let rest = m[2];
    if (rest.includes('#'))
        throw dsnError(key, 'contains a # (percent-encode it as %23)');
    let query = '';
    const q = rest.indexOf('?');
    if (q >= 0) {
        query = rest.slice(q + 1);
        rest = rest.slice(0, q);
    }
    const at = rest.lastIndexOf('@');
    const userinfo = at >= 0 ? rest.slice(0, at) : '';
    const afterAt = at >= 0 ? rest.slice(at + 1) : rest;
    const slash = afterAt.indexOf('/');
    const hostport = slash >= 0 ? afterAt.slice(0, slash) : afterAt;
    const path = slash >= 0 ? afterAt.slice(slash + 1) : '';
    const colon = userinfo.indexOf(':');
    const user = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo, key, 'user');
    const password = colon >= 0 ? decode(userinfo.slice(colon + 1), key, 'password') : null;
    if (hostport.includes(','))
        throw dsnError(key, 'lists several hosts; give exactly one');
    let host;
    let portText;
    if (hostport.startsWith('[')) {
        const close = hostport.indexOf(']');
        if (close < 0)
            throw dsnError(key, 'has an unterminated [IPv6] host');
        host = hostport.slice(1, close);
        const after = hostport.slice(close + 1);
        if (after && !after.startsWith(':'))
            throw dsnError(key, 'has text after the [IPv6] host');
        portText = after.slice(1);
    }
    else {
        const c = hostport.lastIndexOf(':');
        host = c >= 0 ? hostport.slice(0, c) : hostport;
        portText = c >= 0 ? hostport.slice(c + 1) : '';
    }
    host = decode(host, key, 'host');
    let params;
    try {
        params = new URLSearchParams(query);
    }
    catch {
        throw dsnError(key, 'has a malformed query string');
    }
    for (const name of params.keys()) {
        if (!ALLOWED_PARAMS.has(name)) {
            const shown = /^[a-z_]{1,32}$/.test(name) ? ` ${name}` : '';
            throw dsnError(key, `has an unsupported parameter${shown} (allowed: ${[...ALLOWED_PARAMS].join(', ')})`);
        }
    }
    if (!host)
        host = params.get('host') ?? '';
    if (!host)
        throw dsnError(key, 'names no host (give host, or ?host=/socket/dir for a unix socket)');
    if (!portText)
        portText = params.get('port') ?? '';
    let port = 5432;
    if (portText) {
        if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
            throw dsnError(key, 'has an invalid port');
        port = Number(portText);
    }
    const database = decode(path, key, 'database name');
    if (!database)
        throw dsnError(key, 'names no database (paas never creates or guesses one): add /DATABASE after the host');
    if (database.includes('/'))
        throw dsnError(key, 'has a database name with a /');
    if (!user)
        throw dsnError(key, 'names no user');
    const sslmode = params.get('sslmode');
    if (sslmode !== null && !SSL_MODES.includes(sslmode))
        throw dsnError(key, `has an invalid sslmode (one of ${SSL_MODES.join(', ')})`);
    return {
        user,
        password,
        host,
        port,
        database,
        sslmode: sslmode ?? null,
        sslrootcert: params.get('sslrootcert'),
        sslcert: params.get('sslcert'),
        sslkey: params.get('sslkey'),
        options: params.get('options'),
        applicationName: params.get('application_name'),
    };
}
/**
 * The `pg` client configuration for a parsed DSN. sslmode follows libpq: `require` encrypts without
 * verifying, `verify-ca` checks the chain, `verify-full` also the host name; `disable`, `allow` and
 * `prefer` connect without TLS (`prefer` does not try TLS first: say `require`).
 */
function clientConfig(d, opts) {
    const readPem = (file, what) => {
        if (!file)
            return undefined;
        try {
            return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8');
        }
        catch {
            throw dsnError(opts.key, `names an ${what} file that cannot be read`);
        }
    };
    let ssl = false;
    if (d.sslmode === 'require' || d.sslmode === 'no-verify')
        ssl = { rejectUnauthorized: false, ca: readPem(d.sslrootcert, 'sslrootcert'), cert: readPem(d.sslcert, 'sslcert'), key: readPem(d.sslkey, 'sslkey') };
    else if (d.sslmode === 'verify-ca')
        ssl = { rejectUnauthorized: true, checkServerIdentity: () => undefined, ca: readPem(d.sslrootcert, 'sslrootcert'), cert: readPem(d.sslcert, 'sslcert'), key: readPem(d.sslkey, 'sslkey') };
    else if (d.sslmode === 'verify-full')
        ssl = { rejectUnauthorized: true, ca: readPem(d.sslrootcert, 'sslrootcert'), cert: readPem(d.sslcert, 'sslcert'), key: readPem(d.sslkey, 'sslkey') };
    return {
        user: d.user,
        password: d.password ?? undefined,
        host: d.host,
        port: d.port,
        database: d.database,
        ssl,
        options: d.options ?? undefined,
        application_name: opts.applicationName.slice(0, 63),
        connectionTimeoutMillis: opts.connectTimeoutMs,
        keepAlive: true,
    };
}


/***/ }),

/***/ 4486:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bd: () => (/* binding */ pgErrorOf),
/* harmony export */   HW: () => (/* binding */ DbError),
/* harmony export */   NV: () => (/* binding */ isDbError),
/* harmony export */   R8: () => (/* binding */ sqlstateOf),
/* harmony export */   pb: () => (/* binding */ isConnectionLost),
/* harmony export */   xL: () => (/* binding */ connectionLostError),
/* harmony export */   zT: () => (/* binding */ connectError)
/* harmony export */ });
/* unused harmony export DB_REASONS */
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);

/**
 * Reason tokens of db_bootstrap failures (the `reason=` of the status line). Plan tokens are the
 * ones users grep for: duplicate_migration_id, non_increasing_migration_id, invalid_migration_name,
 * missing_migration.
 */
const DB_REASONS = (/* unused pure expression or super */ null && ([
    // plan (offline)
    'migrations_dir_missing',
    'invalid_migration_name',
    'duplicate_migration_id',
    'unreadable_migration',
    'invalid_migration_sections',
    'unterminated_sql',
    'transaction_control_in_migration',
    'requires_no_transaction',
    // plan against the ledger
    'non_increasing_migration_id',
    'missing_migration',
    'checksum_mismatch',
    'schema_not_empty',
    'ledger_incompatible',
    // verify
    'pending_migrations',
    'failed_attempt',
    'invalid_index',
    // connection and safety
    'invalid_dsn',
    'connect_refused',
    'host_not_found',
    'connect_timeout',
    'auth_failed',
    'database_missing',
    'tls_failed',
    'server_unavailable',
    'connect_failed',
    'connection_lost',
    'pooled_connection',
    'lock_held',
    'lock_lost',
    'lock_timeout',
    'statement_timeout',
    'permission_denied',
    'sql_error',
    'read_only',
    'interrupted',
    'ci_only',
]));
/** A PaasError that also carries the reason token, the migration file, its line and the SQLSTATE. */
class DbError extends _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError {
    reason;
    file;
    line;
    sqlstate;
    constructor(code, reason, message, opts = {}) {
        super(code, message, { stage: opts.stage ?? 'db', target: opts.file ?? null, remediation: opts.remediation ?? '', cause: opts.cause });
        this.name = 'DbError';
        this.reason = reason;
        this.file = opts.file ?? null;
        this.line = opts.line ?? null;
        this.sqlstate = opts.sqlstate ?? null;
    }
    toInfo() {
        return super.toInfo();
    }
}
function isDbError(e) {
    return e instanceof DbError;
}
function pgErrorOf(e) {
    return e && typeof e === 'object' ? e : {};
}
function sqlstateOf(e) {
    const code = pgErrorOf(e).code;
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
const NET_CODES = {
    ECONNREFUSED: 'connect_refused',
    ENOTFOUND: 'host_not_found',
    EAI_AGAIN: 'host_not_found',
    ETIMEDOUT: 'connect_timeout',
    EHOSTUNREACH: 'connect_refused',
    ENETUNREACH: 'connect_refused',
    ENOENT: 'connect_refused',
    ECONNRESET: 'connection_lost',
    EPIPE: 'connection_lost',
};
/** True when the error means the connection to the server is gone (server stopped, network cut). */
function isConnectionLost(e) {
    const p = pgErrorOf(e);
    const state = sqlstateOf(e);
    if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03'))
        return true;
    if (p.code && (p.code === 'ECONNRESET' || p.code === 'EPIPE'))
        return true;
    const msg = typeof p.message === 'string' ? p.message : '';
    return /Connection terminated|connection is closed|Client has encountered a connection error|not queryable|terminating connection/i.test(msg);
}
const PHRASES = {
    connect_refused: 'the server refused the connection or is not listening',
    host_not_found: 'the host name does not resolve',
    connect_timeout: 'the connection timed out',
    auth_failed: 'authentication failed (user or password wrong, or pg_hba.conf refuses this client)',
    database_missing: 'the database does not exist',
    tls_failed: 'the TLS handshake failed',
    server_unavailable: 'the server is starting up, shutting down or in recovery',
    connect_failed: 'the connection failed',
    connection_lost: 'the connection to the server was lost',
};
const CONNECT_REMEDIATION = {
    database_missing: 'paas never creates a database: create it first (CREATE DATABASE ... OWNER <migration role>) and grant the migration role access, then re-run.',
    auth_failed: 'Check the user and password in the DSN (percent-encode special characters) and that pg_hba.conf admits this client.',
    connect_refused: 'Check that the server runs and accepts TCP connections from this runner (host, port, firewall, listen_addresses).',
    host_not_found: 'Check the host name in the DSN and the runner\'s DNS.',
    connect_timeout: 'Check network reachability from the runner (security groups, firewall), or raise db.connect_timeout in paas.yml.',
    tls_failed: 'Check sslmode and the certificates (sslrootcert) in the DSN.',
    server_unavailable: 'Wait for the server to finish starting or recovering, then re-run.',
    connection_lost: 'Check that the server is up, then re-run: the migration that was running was rolled back by the server and is not recorded as applied.',
};
/** Maps a connect-time error to a DbError. The message never includes the error text (it may name host/user). */
function connectError(e, dsnKey) {
    const p = pgErrorOf(e);
    const state = sqlstateOf(e);
    let reason = 'connect_failed';
    if (state === '28P01' || state === '28000')
        reason = 'auth_failed';
    else if (state === '3D000')
        reason = 'database_missing';
    else if (state === '57P03' || state === '53300')
        reason = 'server_unavailable';
    else if (state?.startsWith('08'))
        reason = 'connect_failed';
    else if (p.code && NET_CODES[p.code])
        reason = NET_CODES[p.code];
    else if (/timeout/i.test(p.message ?? ''))
        reason = 'connect_timeout';
    else if (/SSL|TLS|certificate|self[- ]signed/i.test(p.message ?? ''))
        reason = 'tls_failed';
    else if (/terminated|ECONNRESET/i.test(p.message ?? ''))
        reason = 'connection_lost';
    const phrase = PHRASES[reason] ?? 'the connection failed';
    return new DbError('PAAS_DB_CONNECT_FAILED', reason, `could not connect to PostgreSQL with the DSN from ${dsnKey}: ${phrase}${state ? ` (SQLSTATE ${state})` : p.code && /^E[A-Z]+$/.test(p.code) ? ` (${p.code})` : ''}`, {
        stage: 'connect',
        sqlstate: state,
        remediation: CONNECT_REMEDIATION[reason] ?? 'Check the DSN and that the server is reachable from this runner.',
    });
}
/** A lost connection in the middle of the run. */
function connectionLostError(e, file, what) {
    const state = sqlstateOf(e);
    return new DbError('PAAS_DB_CONNECT_FAILED', 'connection_lost', `${PHRASES.connection_lost} ${what}${state ? ` (SQLSTATE ${state})` : ''}`, {
        stage: 'migrate',
        file,
        sqlstate: state,
        remediation: CONNECT_REMEDIATION.connection_lost,
    });
}


/***/ }),

/***/ 3991:
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
;// CONCATENATED MODULE: ./lib/ops/alerts/github-issues.ts
/**
 * The small GitHubApi port ops_daily alerts need (issues only), and its implementation over the
 * REST API with fetch. Every request is one documented endpoint (checked against GitHub's OpenAPI
 * description in the tests); listing follows `Link: rel="next"` through ALL pages and drops pull
 * requests (the issues endpoint returns both). The token is sent to the configured API origin only.
 */
class GitHubApiError extends Error {
    status;
    endpoint;
    constructor(status, endpoint) {
        super(`GitHub API ${endpoint} answered HTTP ${status}`);
        this.status = status;
        this.endpoint = endpoint;
        this.name = 'GitHubApiError';
    }
}
const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
function isRepository(s) {
    return typeof s === 'string' && REPO_RE.test(s);
}
function toIssue(r) {
    return {
        number: r.number,
        title: r.title,
        body: r.body ?? '',
        state: r.state === 'closed' ? 'closed' : 'open',
        labels: (r.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
        html_url: r.html_url ?? '',
    };
}
/** The `rel="next"` URL of a Link header, if any. */
function nextLink(link) {
    if (!link)
        return null;
    for (const part of link.split(',')) {
        const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
        if (m)
            return m[1];
    }
    return null;
}
function restIssuesApi(opts) {
    if (!isRepository(opts.repository))
        throw new Error('GITHUB_REPOSITORY is not owner/repo');
    const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
    const [owner, repo] = opts.repository.split('/');
    const repoPath = `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    const fetchFn = opts.fetch ?? fetch;
    const maxPages = opts.maxPages ?? 100;
    async function call(method, url, endpoint, body) {
        if (url.origin !== base.origin)
            throw new Error('refusing to send the token to another origin');
        const res = await fetchFn(url.href, {
            method,
            headers: {
                accept: 'application/vnd.github+json',
                authorization: `Bearer ${opts.token}`,
                'x-github-api-version': '2022-11-28',
                'user-agent': 'paas-actions',
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        });
        if (!res.ok) {
            await res.body?.cancel().catch(() => undefined);
            throw new GitHubApiError(res.status, endpoint);
        }
        return res;
    }
    const url = (path) => new URL(path, base);
    return {
        async listOpenIssues() {
            const out = [];
            let next = url(`${repoPath}/issues?state=open&per_page=100`);
            for (let page = 0; next && page < maxPages; page++) {
                const res = await call('GET', next, 'GET /repos/{owner}/{repo}/issues');
                const items = (await res.json());
                for (const r of items)
                    if (!r.pull_request)
                        out.push(toIssue(r));
                const link = nextLink(res.headers.get('link'));
                next = link ? new URL(link, base) : null;
            }
            return out;
        },
        async getIssue(n) {
            try {
                const res = await call('GET', url(`${repoPath}/issues/${n}`), 'GET /repos/{owner}/{repo}/issues/{issue_number}');
                const r = (await res.json());
                return r.pull_request ? null : toIssue(r);
            }
            catch (e) {
                if (e instanceof GitHubApiError && (e.status === 404 || e.status === 410))
                    return null;
                throw e;
            }
        },
        async createIssue(input) {
            const res = await call('POST', url(`${repoPath}/issues`), 'POST /repos/{owner}/{repo}/issues', { title: input.title, body: input.body, ...(input.labels?.length ? { labels: input.labels } : {}) });
            return toIssue((await res.json()));
        },
        async createComment(n, body) {
            const res = await call('POST', url(`${repoPath}/issues/${n}/comments`), 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { body });
            await res.body?.cancel().catch(() => undefined);
        },
        async closeIssue(n) {
            const res = await call('PATCH', url(`${repoPath}/issues/${n}`), 'PATCH /repos/{owner}/{repo}/issues/{issue_number}', { state: 'closed', state_reason: 'completed' });
            await res.body?.cancel().catch(() => undefined);
        },
        async addLabels(n, labels) {
            const res = await call('POST', url(`${repoPath}/issues/${n}/labels`), 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { labels });
            await res.body?.cancel().catch(() => undefined);
        },
    };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./lib/ops/alerts/slack.ts
/** Slack mrkdwn control characters (&, <, >) escaped. */
function slackEscape(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
const HEADERS = {
    opened: 'ops_daily strict unhealthy',
    recurring: 'ops_daily strict unhealthy (still failing)',
    recovered: 'ops_daily recovered',
};
/** The message for one alert event. `lines` are status lines (already redacted). */
function alertMessage(input) {
    const head = `${HEADERS[input.kind]}: ${input.context}`.slice(0, 150);
    const prefix = `*context* \`${slackEscape(input.context)}\` *result* \`${slackEscape(input.overall)}\`\n`;
    let body = slackEscape(input.lines.join('\n'));
    const room = 3000 - prefix.length - 8;
    if (body.length > room) {
        const cut = body.lastIndexOf('\n', room - 2);
        body = body.slice(0, cut > 0 ? cut : 0) + '\n…';
    }
    const links = [];
    if (input.runUrl)
        links.push(`<${slackEscape(input.runUrl)}|run>`);
    if (input.issueUrl)
        links.push(`<${slackEscape(input.issueUrl)}|alert issue>`);
    const blocks = [
        { type: 'header', text: { type: 'plain_text', text: head } },
        { type: 'section', text: { type: 'mrkdwn', text: `${prefix}\`\`\`${body}\`\`\`` } },
    ];
    if (links.length)
        blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
    const fallback = `${head} (${input.overall})${input.runUrl ? ` ${input.runUrl}` : ''}`;
    return { text: fallback, blocks };
}
const defaultSleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Retry-After (seconds or HTTP date) in ms, bounded; null when absent or unreadable. */
function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return null;
    if (/^\d+$/.test(header.trim()))
        return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
async function postSlack(webhookUrl, message, opts) {
    const fetchFn = opts.fetch ?? fetch;
    const attempts = Math.max(1, opts.attempts ?? 4);
    const maxDelay = opts.maxDelayMs ?? 10_000;
    const sleep = opts.sleep ?? defaultSleep;
    const payload = JSON.stringify(opts.redactor.redactDeep(message));
    let delay = opts.baseDelayMs ?? 500;
    let status = 0;
    for (let i = 1; i <= attempts; i++) {
        let retryAfter = null;
        try {
            const res = await fetchFn(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, redirect: 'error', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
            status = res.status;
            retryAfter = retryAfterMs(res.headers.get('retry-after'));
            await res.body?.cancel().catch(() => undefined);
            if (res.ok)
                return { ok: true, attempts: i, status };
            if (status !== 429 && status < 500)
                return { ok: false, attempts: i, status };
        }
        catch {
            status = 0;
        }
        if (i < attempts) {
            await sleep(Math.min(maxDelay, retryAfter ?? delay));
            delay = Math.min(maxDelay, delay * 2);
        }
    }
    return { ok: false, attempts, status };
}

;// CONCATENATED MODULE: ./lib/ops/alerts/lifecycle.ts
/**
 * The alert lifecycle of one context (PRODUCT.md section 6):
 *
 *   failing (unhealthy or error) and no open alert issue → open one (title `ops_daily strict
 *     unhealthy`, hidden marker naming the context), Slack "opened";
 *   failing and an open alert issue → comment (recurrence), Slack "still failing" unless the
 *     alert is acknowledged (the `acknowledged` label on the issue, or `paas alert acknowledge`);
 *   healthy and an open alert issue → recovery comment, close, Slack "recovered";
 *   insufficient_data → nothing changes (it is neither a failure nor a recovery).
 *
 * The issue is found by its hidden marker, never by its title: first the issue number recorded in
 * the context state (one GET), else a scan of ALL open issues (pull requests excluded). Bodies,
 * comments and Slack messages hold the aggregate status lines and the run URL only, redacted.
 * Every action is recorded in the context state (kind `alert`): `paas alert history` reads them.
 */


const ALERT_TITLE = 'ops_daily strict unhealthy';
const ACK_LABEL = 'acknowledged';
const ALERT_LABEL = 'paas-alert';
const ALERT_RECORD = 'alert';
const OPEN_ALERT_KEY = 'alert.open';
function alertMarker(context) {
    return `<!-- paas-actions:ops_daily-alert context=${context} -->`;
}
function hasMarker(issue, context) {
    return issue.body.split(/\r?\n/).some((l) => l.trim() === alertMarker(context));
}
const fence = (lines) => ['```', ...lines, '```'].join('\n');
function issueBody(input) {
    return [
        alertMarker(input.context),
        `ops_daily in context \`${input.context}\` is **${input.overall}** (mode prod).`,
        '',
        fence(input.lines),
        '',
        input.runUrl ? `Run: ${input.runUrl}` : 'Run: (not in GitHub Actions)',
        '',
        `Each new failing run adds a comment here. Add the \`${ACK_LABEL}\` label to stop repeated Slack messages until recovery; this issue is closed automatically when ops_daily is healthy again.`,
    ].join('\n');
}
function recurrenceComment(input) {
    return [`Still **${input.overall}** at ${input.now.toISOString()}.`, '', fence(input.lines), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}
function recoveryComment(input) {
    return [`Recovered: ops_daily is **${input.overall}** again at ${input.now.toISOString()}. Closing.`, '', fence(input.lines.slice(-1)), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}
function isFailing(o) {
    return o === 'unhealthy' || o === 'error';
}
/** Finds the open alert issue: the recorded number first, else a scan of all open issues by marker. */
async function findAlertIssue(gh, context, recorded) {
    if (recorded) {
        const i = await gh.getIssue(recorded);
        if (i && i.state === 'open' && hasMarker(i, context))
            return i;
    }
    const open = (await gh.listOpenIssues()).filter((i) => hasMarker(i, context)).sort((a, b) => a.number - b.number);
    return open[0] ?? null;
}
async function reconcileAlert(input, deps) {
    const r = deps.redactor;
    const lines = input.lines.map((l) => r.redact(l));
    const safe = { ...input, lines, runUrl: input.runUrl ? r.redact(input.runUrl) : undefined };
    const failing = isFailing(input.overall);
    const recovered = input.overall === 'healthy';
    let open = deps.state.get(OPEN_ALERT_KEY) ?? null;
    if (!failing && !recovered)
        return { action: 'none', issue: open?.issue ?? null, slack: 'not_needed', github: deps.github ? 'ok' : 'not_configured', alertId: open?.id ?? null };
    let github = deps.github ? 'ok' : 'not_configured';
    let issue = null;
    let action = 'none';
    if (deps.github) {
        try {
            issue = await findAlertIssue(deps.github, input.context, open?.issue ?? null);
            if (failing) {
                if (issue) {
                    await deps.github.createComment(issue.number, r.redact(recurrenceComment(safe)));
                    action = 'commented';
                }
                else {
                    issue = await deps.github.createIssue({ title: ALERT_TITLE, body: r.redact(issueBody(safe)), labels: [ALERT_LABEL] });
                    action = 'opened';
                }
            }
            else if (issue) {
                await deps.github.createComment(issue.number, r.redact(recoveryComment(safe)));
                await deps.github.closeIssue(issue.number);
                action = 'closed';
            }
        }
        catch (e) {
            github = 'failed';
            deps.logger.warn(`alert issue could not be updated: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    // the local record follows the issue when there is one; without GitHub it is the alert itself
    if (failing) {
        if (!open || (issue && open.issue !== issue.number && action === 'opened')) {
            open = { id: (0,external_node_crypto_.randomUUID)(), issue: issue?.number ?? null, issue_url: issue?.html_url ?? null, opened_at: input.now.toISOString(), acknowledged: false };
            if (action === 'none')
                action = 'opened';
        }
        else {
            if (issue)
                open = { ...open, issue: issue.number, issue_url: issue.html_url || open.issue_url };
            if (action === 'none')
                action = 'commented';
        }
    }
    else if (open && action === 'none' && (github === 'not_configured' || (github === 'ok' && !issue))) {
        // recovered, and the issue is gone (closed by a person) or there is no GitHub: close locally.
        // When GitHub failed, the alert stays open so that the next healthy run closes the issue.
        action = 'closed';
    }
    const acknowledged = Boolean(open?.acknowledged) || Boolean(issue?.labels.includes(ACK_LABEL));
    let slack = 'not_needed';
    let slackAttempts;
    const event = action === 'opened' ? 'opened' : action === 'commented' ? 'recurring' : action === 'closed' ? 'recovered' : null;
    if (event) {
        if (!deps.slack)
            slack = 'not_configured';
        else if (event === 'recurring' && acknowledged)
            slack = 'suppressed_acknowledged';
        else {
            const msg = alertMessage({ kind: event, context: input.context, overall: input.overall, lines, runUrl: safe.runUrl, issueUrl: issue?.html_url || open?.issue_url || undefined });
            const res = await postSlack(deps.slack.webhookUrl, msg, { ...deps.slack.options, redactor: r });
            slack = res.ok ? 'sent' : 'failed';
            slackAttempts = res.attempts;
            if (!res.ok)
                deps.logger.warn(`Slack notification failed after ${res.attempts} attempt(s) (last HTTP status ${res.status || 'none'})`);
        }
    }
    const alertId = open?.id ?? null;
    if (failing && open)
        deps.state.set(OPEN_ALERT_KEY, { ...open, acknowledged });
    if (action === 'closed')
        deps.state.set(OPEN_ALERT_KEY, null);
    if (action !== 'none') {
        const rec = {
            alert_id: alertId,
            action,
            overall: input.overall,
            issue: issue?.number ?? open?.issue ?? null,
            issue_url: issue?.html_url || open?.issue_url || null,
            slack,
            github,
            run_url: safe.runUrl ?? null,
            acknowledged,
        };
        if (slackAttempts !== undefined)
            rec.slack_attempts = slackAttempts;
        deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
    }
    return { action, issue: issue?.number ?? open?.issue ?? null, slack, github, alertId };
}

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
    if (!token || !isRepository(repo))
        return undefined;
    return restIssuesApi({ apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com', repository: repo, token });
}
async function alertStep(rt, s, state, config, settings, deps, overall, lines) {
    if (settings.mode !== 'prod')
        return null;
    const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
    const webhook = s.vault.get(config.ops.slack.webhook);
    try {
        return await reconcileAlert({ context: s.config.name, overall, lines, runUrl: (0,setup/* runUrl */.Vp)(rt.env), now: rt.now() }, { state, redactor: rt.redactor, logger: rt.logger, github: githubApi(rt, token, deps), slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined });
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
