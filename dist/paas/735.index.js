export const id = 735;
export const ids = [735];
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

/***/ 836:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Dq: () => (/* binding */ upsertNoTxSql),
/* harmony export */   Gf: () => (/* binding */ guardSql),
/* harmony export */   IK: () => (/* binding */ GUARD_SQLSTATE),
/* harmony export */   In: () => (/* binding */ createLedgerSql),
/* harmony export */   LX: () => (/* binding */ qualified),
/* harmony export */   Oj: () => (/* binding */ userObjectsSql),
/* harmony export */   QC: () => (/* binding */ displayName),
/* harmony export */   TL: () => (/* binding */ lockKey),
/* harmony export */   TS: () => (/* binding */ insertAppliedSql),
/* harmony export */   fP: () => (/* binding */ insertBaselineSql),
/* harmony export */   fo: () => (/* binding */ lockHeldSql),
/* harmony export */   im: () => (/* binding */ LEDGER_COLUMNS),
/* harmony export */   mw: () => (/* binding */ INVALID_INDEXES_SQL),
/* harmony export */   od: () => (/* binding */ selectLedgerSql)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _db_client_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(982);


const LEDGER_COLUMNS = {
    id: 'bigint',
    filename: 'text',
    checksum: 'text',
    applied_at: 'timestamp with time zone',
    duration_ms: 'bigint',
    success: 'boolean',
};
function qualified(l) {
    return `${(0,_db_client_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteIdent */ .v4)(l.schema)}.${(0,_db_client_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteIdent */ .v4)(l.table)}`;
}
function displayName(l) {
    return `${l.schema}.${l.table}`;
}
function createLedgerSql(l) {
    return `CREATE TABLE IF NOT EXISTS ${qualified(l)} (
  id bigint PRIMARY KEY,
  filename text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  duration_ms bigint,
  success boolean NOT NULL DEFAULT true
)`;
}
/** The session advisory lock key of a ledger: 64 bits of sha256, so two ledgers in one database do not contend. */
function lockKey(l) {
    const h = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(`paas-actions db_bootstrap ${l.schema}.${l.table}`).digest();
    const u = h.readBigUInt64BE(0);
    const signed = BigInt.asIntN(64, u);
    return { key: signed.toString(), classid: (u >> 32n).toString(), objid: (u & 0xffffffffn).toString() };
}
/** SQL that is true when this backend is `pid` and holds the advisory lock. */
function lockHeldSql(lock, pid) {
    return `pg_catalog.pg_backend_pid() = ${pid} AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = ${pid} AND granted AND classid = ${lock.classid} AND objid = ${lock.objid} AND objsubid = 1)`;
}
/**
 * A guard statement for inside a migration's transaction: raises SQLSTATE PAAS1 unless this is the
 * backend that took the lock (pid) and no other backend holds the lock. pg_try_advisory_xact_lock
 * succeeds on the session that holds the session lock (and is released at commit) and fails on any
 * other backend while the lock is held, so a transaction pooler that moved us is caught; it costs a
 * fraction of a pg_locks scan, which matters at one guard per file.
 */
function guardSql(lock, pid) {
    return `DO $paas_guard$ BEGIN IF NOT (pg_catalog.pg_backend_pid() = ${pid} AND pg_catalog.pg_try_advisory_xact_lock(${lock.key})) THEN RAISE EXCEPTION USING ERRCODE = 'PAAS1', MESSAGE = 'paas db_bootstrap: this session no longer holds the migration lock (backend changed: transaction pooling?)'; END IF; END $paas_guard$`;
}
const GUARD_SQLSTATE = 'PAAS1';
function rowValues(m, duration, success) {
    if (!/^\d{1,19}$/.test(m.id) || !/^[0-9a-f]{64}$/.test(m.checksum))
        throw new Error('invalid ledger values');
    return `(${m.id}, ${(0,_db_client_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteLiteral */ .ce)(m.filename)}, ${(0,_db_client_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteLiteral */ .ce)(m.checksum)}, pg_catalog.clock_timestamp(), ${duration}, ${success})`;
}
/** Row of a file applied in the current transaction: duration = since the transaction began. */
function insertAppliedSql(l, m) {
    return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES ${rowValues(m, '(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint', true)}`;
}
/** Upsert for a no-transaction file (its row may exist from an earlier failed attempt). */
function upsertNoTxSql(l, m, durationMs, success) {
    return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES ${rowValues(m, String(Math.max(0, Math.round(durationMs))), success)}
ON CONFLICT (id) DO UPDATE SET filename = EXCLUDED.filename, checksum = EXCLUDED.checksum, applied_at = EXCLUDED.applied_at, duration_ms = EXCLUDED.duration_ms, success = EXCLUDED.success`;
}
/** Rows recorded by a baseline: applied outside paas, duration NULL. */
function insertBaselineSql(l, ms) {
    if (ms.length === 0)
        return null;
    return `INSERT INTO ${qualified(l)} (id, filename, checksum, applied_at, duration_ms, success) VALUES\n${ms.map((m) => rowValues(m, 'NULL', true)).join(',\n')}`;
}
function selectLedgerSql(l) {
    return `SELECT id::text AS id, filename, checksum, applied_at::text AS applied_at, duration_ms::text AS duration_ms, success FROM ${qualified(l)} ORDER BY id`;
}
/**
 * Objects that make a database "not empty": relations, routines and types in non-system schemas,
 * other than the ledger and objects that belong to an extension. At most `limit` names.
 */
function userObjectsSql(l, limit) {
    const notExt = (catalog, oidCol) => `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oidCol} AND d.deptype = 'e')`;
    const userNs = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
    return `SELECT name FROM (
  SELECT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r','p','v','m','S','f') AND ${userNs} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
     AND c.oid IS DISTINCT FROM pg_catalog.to_regclass(${(0,_db_client_js__WEBPACK_IMPORTED_MODULE_1__/* .quoteLiteral */ .ce)(qualified(l))})
  UNION ALL
  SELECT n.nspname || '.' || p.proname || '()' FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE ${userNs} AND ${notExt('pg_catalog.pg_proc', 'p.oid')}
  UNION ALL
  SELECT n.nspname || '.' || t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('e','d','r') AND ${userNs} AND ${notExt('pg_catalog.pg_type', 't.oid')}
) objects ORDER BY name LIMIT ${limit}`;
}
/** Indexes left invalid by a failed CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY. */
const INVALID_INDEXES_SQL = `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table_name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND n.nspname <> 'pg_catalog'
ORDER BY 1, 2`;


/***/ }),

/***/ 5953:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  q3: () => (/* binding */ compareIds),
  BM: () => (/* binding */ discoverPlan)
});

// UNUSED EXPORTS: MIGRATION_NAME_RE, canonicalId, checksumOf, normalizeSql, parseSections

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./lib/db/sql-split.ts
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
function splitSql(sql) {
    const statements = [];
    let i = 0;
    let line = 1;
    let stmtStart = 0;
    let firstLine = 0;
    let words = [];
    let allWords = new Set();
    let paren = 0;
    let beginDepth = 0;
    const n = sql.length;
    const isRoutine = () => {
        const w = words;
        if (w[0] !== 'create')
            return false;
        if (w[1] === 'function' || w[1] === 'procedure')
            return true;
        return w[1] === 'or' && w[2] === 'replace' && (w[3] === 'function' || w[3] === 'procedure');
    };
    const finish = (end) => {
        if (words.length > 0)
            statements.push({ text: sql.slice(stmtStart, end), start: stmtStart, line: firstLine, words: words.slice(0, 8), allWords });
        stmtStart = end;
        words = [];
        allWords = new Set();
        paren = 0;
        beginDepth = 0;
        firstLine = 0;
    };
    const fail = (kind, atLine) => ({ statements, error: { kind, line: atLine } });
    const advanceTo = (j) => {
        for (let k = i; k < j; k++)
            if (sql.charCodeAt(k) === 10)
                line++;
        i = j;
    };
    while (i < n) {
        const c = sql[i];
        const next = sql[i + 1];
        if (c === '\n') {
            line++;
            i++;
            continue;
        }
        if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
            i++;
            continue;
        }
        if (c === '-' && next === '-') {
            const nl = sql.indexOf('\n', i);
            advanceTo(nl < 0 ? n : nl);
            continue;
        }
        if (c === '/' && next === '*') {
            const startLine = line;
            let depth = 1;
            let j = i + 2;
            while (j < n && depth > 0) {
                if (sql[j] === '/' && sql[j + 1] === '*') {
                    depth++;
                    j += 2;
                }
                else if (sql[j] === '*' && sql[j + 1] === '/') {
                    depth--;
                    j += 2;
                }
                else
                    j++;
            }
            if (depth > 0)
                return fail('unterminated_comment', startLine);
            advanceTo(j);
            continue;
        }
        if (firstLine === 0 && c !== ';')
            firstLine = line;
        if (c === "'") {
            const startLine = line;
            const prev = sql[i - 1];
            const escaped = (prev === 'E' || prev === 'e') && !IDENT_CHAR.test(sql[i - 2] ?? ' ');
            let j = i + 1;
            for (;;) {
                if (j >= n)
                    return fail('unterminated_string', startLine);
                const d = sql[j];
                if (escaped && d === '\\') {
                    j += 2;
                    continue;
                }
                if (d === "'") {
                    if (sql[j + 1] === "'") {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            advanceTo(j + 1);
            continue;
        }
        if (c === '"') {
            const startLine = line;
            let j = i + 1;
            for (;;) {
                if (j >= n)
                    return fail('unterminated_identifier', startLine);
                if (sql[j] === '"') {
                    if (sql[j + 1] === '"') {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            advanceTo(j + 1);
            continue;
        }
        if (c === '$' && !IDENT_CHAR.test(sql[i - 1] ?? ' ')) {
            const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 130));
            if (m) {
                const tag = m[0];
                const startLine = line;
                const close = sql.indexOf(tag, i + tag.length);
                if (close < 0)
                    return fail('unterminated_dollar_quote', startLine);
                advanceTo(close + tag.length);
                continue;
            }
            i++;
            continue;
        }
        if (c === '(') {
            paren++;
            i++;
            continue;
        }
        if (c === ')') {
            if (paren > 0)
                paren--;
            i++;
            continue;
        }
        if (c === ';') {
            if (paren === 0 && beginDepth === 0)
                finish(i + 1);
            i++;
            continue;
        }
        if (IDENT_START.test(c)) {
            let j = i + 1;
            while (j < n && IDENT_CHAR.test(sql[j]))
                j++;
            const word = sql.slice(i, j).toLowerCase();
            if (words.length < 8)
                words.push(word);
            allWords.add(word);
            if (isRoutine()) {
                if (word === 'begin')
                    beginDepth++;
                else if (word === 'case' && beginDepth > 0)
                    beginDepth++;
                else if (word === 'end' && beginDepth > 0)
                    beginDepth--;
            }
            i = j;
            continue;
        }
        i++;
    }
    finish(n);
    return { statements, error: null };
}
/** Statements that end or start a transaction: not allowed inside a file that runs in our transaction. */
function isTransactionControl(s) {
    const [a, b] = s.words;
    if (a === 'begin' || a === 'commit' || a === 'end' || a === 'abort')
        return true;
    if (a === 'start' && b === 'transaction')
        return true;
    if (a === 'rollback')
        return b !== 'to'; // ROLLBACK TO SAVEPOINT stays inside the transaction
    if (a === 'prepare' && b === 'transaction')
        return true;
    return false;
}
/** Statements PostgreSQL refuses inside a transaction block. */
function requiresNoTransaction(s) {
    const [a, b] = s.words;
    if (a === 'vacuum')
        return true;
    if ((a === 'create' || a === 'drop' || a === 'alter') && (b === 'database' || b === 'tablespace'))
        return a !== 'alter';
    if (a === 'alter' && b === 'system')
        return true;
    if (s.allWords.has('concurrently') && (a === 'create' || a === 'drop' || a === 'reindex' || a === 'alter' || a === 'refresh')) {
        // REFRESH MATERIALIZED VIEW CONCURRENTLY is fine inside a transaction
        return a !== 'refresh';
    }
    if (a === 'reindex' && (b === 'database' || b === 'system'))
        return true;
    return false;
}

;// CONCATENATED MODULE: ./lib/ops/db_bootstrap/plan.ts




/**
 * The migration plan: every file of the migrations directory, parsed and checked offline.
 *
 * Files are `NNNN_name.sql` (id: 1 to 18 digits; name: letters, digits, `_`, `-`). Plain SQL runs
 * whole in one transaction. dbmate-style files are accepted: the `-- migrate:up` section runs, the
 * `-- migrate:down` section is ignored, and `-- migrate:up transaction:false` runs the up section
 * outside a transaction, one statement at a time.
 */
const MIGRATION_NAME_RE = /^(\d{1,18})_([A-Za-z0-9_-]+)\.sql$/;
/** LF line endings, no BOM: the text checksums are computed over. */
function normalizeSql(text) {
    return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}
function checksumOf(normalized) {
    return (0,external_node_crypto_.createHash)('sha256').update(normalized, 'utf8').digest('hex');
}
/** `0042` → `42`. */
function canonicalId(digits) {
    const s = digits.replace(/^0+/, '');
    return s === '' ? '0' : s;
}
function compareIds(a, b) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
}
const UP_RE = /^--\s*migrate:up\b(.*)$/;
const DOWN_RE = /^--\s*migrate:down\b/;
/** Splits dbmate-style sections; plain files are all `up`. Throws a PlanProblem-shaped message on bad sections. */
function parseSections(normalized) {
    const lines = normalized.split('\n');
    const upIdx = [];
    const downIdx = [];
    lines.forEach((l, i) => {
        if (UP_RE.test(l))
            upIdx.push(i);
        else if (DOWN_RE.test(l))
            downIdx.push(i);
    });
    if (upIdx.length === 0) {
        if (downIdx.length > 0)
            return { problem: 'has a -- migrate:down section but no -- migrate:up section', line: downIdx[0] + 1 };
        return { up: normalized, upLine: 1, transaction: true, format: 'plain' };
    }
    if (upIdx.length > 1)
        return { problem: 'has more than one -- migrate:up line', line: upIdx[1] + 1 };
    if (downIdx.length > 1)
        return { problem: 'has more than one -- migrate:down line', line: downIdx[1] + 1 };
    const u = upIdx[0];
    const d = downIdx[0];
    if (d !== undefined && d < u)
        return { problem: 'has its -- migrate:down section before -- migrate:up', line: d + 1 };
    const before = lines.slice(0, u).join('\n');
    if (splitSql(before).statements.length > 0)
        return { problem: 'has SQL before the -- migrate:up line (only comments may precede it)', line: 1 };
    const opts = (UP_RE.exec(lines[u])?.[1] ?? '').trim();
    let transaction = true;
    for (const opt of opts.split(/\s+/).filter(Boolean)) {
        const m = /^transaction:(true|false)$/.exec(opt);
        if (!m)
            return { problem: `has an unknown -- migrate:up option (only transaction:false is known)`, line: u + 1 };
        transaction = m[1] === 'true';
    }
    const up = lines.slice(u + 1, d === undefined ? lines.length : d).join('\n');
    return { up, upLine: u + 2, transaction, format: 'dbmate' };
}
function problem(reason, file, line, message, remediation) {
    return { reason, file, line, message, remediation };
}
/** Reads and checks one file (already known to have a valid name). */
function readMigration(absPath, relPath, filename, id) {
    let buf;
    try {
        const st = (0,external_node_fs_.statSync)(absPath);
        if (!st.isFile())
            return problem('invalid_migration_name', relPath, null, `${relPath} is not a regular file`, 'Migrations are regular .sql files directly in the migrations directory.');
        buf = (0,external_node_fs_.readFileSync)(absPath);
    }
    catch (e) {
        const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : 'error';
        return problem('unreadable_migration', relPath, null, `${relPath} cannot be read (${/^E[A-Z]+$/.test(code) ? code : 'read error'})`, `Make ${relPath} readable by the runner user (chmod 644).`);
    }
    let text;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    }
    catch {
        return problem('unreadable_migration', relPath, null, `${relPath} is not valid UTF-8`, 'Save the migration as UTF-8.');
    }
    if (text.includes('\0'))
        return problem('unreadable_migration', relPath, null, `${relPath} contains a NUL byte`, 'Migrations are text files.');
    const normalized = normalizeSql(text);
    const sections = parseSections(normalized);
    if ('problem' in sections)
        return problem('invalid_migration_sections', relPath, sections.line, `${relPath} ${sections.problem}`, 'Use plain SQL, or dbmate sections: `-- migrate:up` (optionally `transaction:false`), then `-- migrate:down`.');
    const split = splitSql(sections.up);
    if (split.error) {
        const line = sections.upLine + split.error.line - 1;
        return problem('unterminated_sql', relPath, line, `${relPath}:${line}: ${split.error.kind.replace(/_/g, ' ')}`, 'Close the string, quoted identifier, dollar quote or comment that starts on that line.');
    }
    if (sections.transaction) {
        for (const s of split.statements) {
            const line = sections.upLine + s.line - 1;
            if (isTransactionControl(s)) {
                return problem('transaction_control_in_migration', relPath, line, `${relPath}:${line}: ${s.words.slice(0, 2).join(' ').toUpperCase()} ends or starts a transaction, but this file already runs in one transaction with its ledger row`, 'Remove BEGIN/COMMIT/ROLLBACK: each file runs in its own transaction. For statements that cannot run in a transaction, start the file with `-- migrate:up transaction:false`.');
            }
            if (requiresNoTransaction(s)) {
                return problem('requires_no_transaction', relPath, line, `${relPath}:${line}: ${s.words.slice(0, 4).join(' ').toUpperCase()} cannot run inside a transaction`, 'Put this statement in its own file that starts with `-- migrate:up transaction:false` (it then runs outside a transaction, one statement at a time).');
            }
        }
    }
    return {
        id,
        filename,
        relPath,
        absPath,
        checksum: checksumOf(normalized),
        up: sections.up,
        upLine: sections.upLine,
        transaction: sections.transaction,
        format: sections.format,
        statements: split.statements,
    };
}
/** Discovers and checks every migration of `dir`. Never throws for a file problem: they are collected. */
function discoverPlan(dir, relDir) {
    const plan = { dir, relDir, migrations: [], ignored: [], problems: [] };
    let names;
    try {
        if (!(0,external_node_fs_.statSync)(dir).isDirectory())
            throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
        names = (0,external_node_fs_.readdirSync)(dir);
    }
    catch (e) {
        const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : '';
        const what = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : 'cannot be read';
        plan.problems.push(problem(code === 'ENOENT' || code === 'ENOTDIR' ? 'migrations_dir_missing' : 'unreadable_migration', relDir, null, `migrations directory ${relDir} ${what}`, 'Create the directory (db/migrations by default) or set db.migrations in paas.yml.'));
        return plan;
    }
    names.sort();
    const byId = new Map();
    for (const name of names) {
        const relPath = `${relDir.replace(/\/+$/, '')}/${name}`;
        const m = MIGRATION_NAME_RE.exec(name);
        if (!m) {
            const looksLikeMigration = /\.sql$/i.test(name) || /^\d/.test(name);
            if (looksLikeMigration) {
                plan.problems.push(problem('invalid_migration_name', relPath, null, `${relPath} is not named NNNN_name.sql`, 'Name migrations <digits>_<name>.sql with letters, digits, _ and - in the name (e.g. 0007_add_orders.sql); down migrations go in a dbmate `-- migrate:down` section, not a separate file.'));
            }
            else
                plan.ignored.push(name);
            continue;
        }
        const id = canonicalId(m[1]);
        const read = readMigration((0,external_node_path_.join)(dir, name), relPath, name, id);
        if ('reason' in read) {
            plan.problems.push(read);
            continue;
        }
        const other = byId.get(id);
        if (other) {
            plan.problems.push(problem('duplicate_migration_id', relPath, null, `${relPath} has id ${id}, like ${other.relPath}`, 'Give every migration its own id: renumber the newer file above the highest id.'));
            continue;
        }
        byId.set(id, read);
        plan.migrations.push(read);
    }
    plan.migrations.sort((a, b) => compareIds(a.id, b.id));
    return plan;
}


/***/ }),

/***/ 4537:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B$: () => (/* binding */ assertConsistent),
/* harmony export */   Lq: () => (/* binding */ reconcile),
/* harmony export */   u0: () => (/* binding */ planError)
/* harmony export */ });
/* harmony import */ var _db_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4486);
/* harmony import */ var _plan_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5953);


function reconcile(plan, rows) {
    const byId = new Map(plan.migrations.map((m) => [m.id, m]));
    const out = { applied: [], pending: [], mismatched: [], missing: [], nonIncreasing: [], failedAttempts: [], renamed: [] };
    const appliedIds = new Set();
    let maxApplied = null;
    for (const row of rows) {
        if (!row.success) {
            out.failedAttempts.push(row);
            continue;
        }
        const m = byId.get(row.id);
        if (!m) {
            out.missing.push(row);
        }
        else if (m.checksum !== row.checksum) {
            out.mismatched.push({ migration: m, row });
            appliedIds.add(m.id);
        }
        else {
            out.applied.push(m);
            appliedIds.add(m.id);
            if (m.filename !== row.filename)
                out.renamed.push({ migration: m, row });
        }
        if (maxApplied === null || (0,_plan_js__WEBPACK_IMPORTED_MODULE_1__/* .compareIds */ .q3)(row.id, maxApplied) > 0)
            maxApplied = row.id;
    }
    for (const m of plan.migrations) {
        if (appliedIds.has(m.id))
            continue;
        out.pending.push(m);
        if (maxApplied !== null && (0,_plan_js__WEBPACK_IMPORTED_MODULE_1__/* .compareIds */ .q3)(m.id, maxApplied) < 0)
            out.nonIncreasing.push(m);
    }
    return out;
}
/** First plan problem as a DbError (the plan is refused as a whole). */
function planError(p, more) {
    return new _db_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DbError */ .HW('PAAS_MIGRATION_PLAN_INVALID', p.reason, `${p.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''} in the plan)` : ''}`, {
        stage: 'plan',
        file: p.file,
        line: p.line,
        remediation: p.remediation,
    });
}
/** Refuses to migrate when the ledger disagrees with the plan: changed, deleted or out-of-order files. */
function assertConsistent(r, ledger) {
    const mm = r.mismatched[0];
    if (mm) {
        throw new _db_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DbError */ .HW('PAAS_MIGRATION_CHECKSUM_MISMATCH', 'checksum_mismatch', `${mm.migration.relPath} was changed after it was applied (checksum in ${ledger} differs)${r.mismatched.length > 1 ? `; ${r.mismatched.length - 1} more changed file(s)` : ''}`, {
            stage: 'plan',
            file: mm.migration.relPath,
            remediation: `Restore ${mm.migration.filename} to the version that was applied (git log -p -- ${mm.migration.relPath}) and put the change in a new migration with a higher id.`,
        });
    }
    const miss = r.missing[0];
    if (miss) {
        throw new _db_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DbError */ .HW('PAAS_MIGRATION_PLAN_INVALID', 'missing_migration', `${miss.filename} (id ${miss.id}) is recorded as applied in ${ledger} but is not in the plan${r.missing.length > 1 ? `; ${r.missing.length - 1} more` : ''}`, {
            stage: 'plan',
            file: miss.filename,
            remediation: 'Restore the deleted or renamed migration file: applied migrations stay in the repository forever.',
        });
    }
    const low = r.nonIncreasing[0];
    if (low) {
        throw new _db_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DbError */ .HW('PAAS_MIGRATION_PLAN_INVALID', 'non_increasing_migration_id', `${low.relPath} has id ${low.id}, lower than migrations already applied; it would run out of order`, {
            stage: 'plan',
            file: low.relPath,
            remediation: 'Renumber the new file above the highest applied id (migrations apply in id order only).',
        });
    }
}


/***/ }),

/***/ 8735:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  checkPlanOffline: () => (/* binding */ checkPlanOffline),
  runDbBootstrap: () => (/* binding */ runDbBootstrap)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/config/paas-yml.ts
var paas_yml = __webpack_require__(5993);
// EXTERNAL MODULE: ./lib/config/duration.ts
var duration = __webpack_require__(9685);
// EXTERNAL MODULE: ./lib/db/client.ts
var client = __webpack_require__(982);
// EXTERNAL MODULE: ./lib/db/dsn.ts
var db_dsn = __webpack_require__(4480);
// EXTERNAL MODULE: ./lib/db/errors.ts
var errors = __webpack_require__(4486);
;// CONCATENATED MODULE: ./lib/db/interrupt.ts
/**
 * SIGTERM / SIGINT while a database operation runs: the first signal calls `onSignal` (which
 * cancels the running statement so its transaction rolls back and the run ends cleanly); a second
 * signal restores the default behaviour and re-raises it.
 */
function onTermination(onSignal) {
    let seen = false;
    const handler = (signal) => {
        if (seen) {
            remove();
            process.kill(process.pid, signal);
            return;
        }
        seen = true;
        onSignal(signal);
    };
    const remove = () => {
        process.off('SIGTERM', handler);
        process.off('SIGINT', handler);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
    return remove;
}

// EXTERNAL MODULE: ./lib/output/errors.ts
var output_errors = __webpack_require__(3879);
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
// EXTERNAL MODULE: ./lib/ops/db_bootstrap/ledger.ts
var ledger = __webpack_require__(836);
;// CONCATENATED MODULE: ./lib/ops/db_bootstrap/engine.ts



const RETRYABLE = new Set(['55P03', '40P01']);
function sleep(ms, signal) {
    return new Promise((resolve) => {
        if (signal?.aborted)
            return resolve();
        const t = setTimeout(done, ms);
        function done() {
            clearTimeout(t);
            signal?.removeEventListener('abort', done);
            resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
    });
}
function quoteIdentPlain(s) {
    return '"' + s.replace(/"/g, '""') + '"';
}
function invalidIndexFix(schema, name) {
    const q = `${quoteIdentPlain(schema)}.${quoteIdentPlain(name)}`;
    return `REINDEX INDEX CONCURRENTLY ${q}; -- or: DROP INDEX CONCURRENTLY IF EXISTS ${q}; then re-run the migration that creates it`;
}
/** Line in the file for a character position (1-based, as PostgreSQL reports it) inside `up`. */
function lineInFile(m, upOffset) {
    let line = m.upLine;
    for (let i = 0; i < upOffset && i < m.up.length; i++)
        if (m.up.charCodeAt(i) === 10)
            line++;
    return line;
}
class MigrationEngine {
    o;
    lock;
    ledgerSql;
    ledgerName;
    locked = false;
    running = false;
    constructor(o) {
        this.o = o;
        this.lock = (0,ledger/* lockKey */.TL)(o.ledger);
        this.ledgerSql = (0,ledger/* qualified */.LX)(o.ledger);
        this.ledgerName = (0,ledger/* displayName */.QC)(o.ledger);
        o.signal.addEventListener('abort', () => {
            if (this.running)
                void o.cancelRunning();
        }, { once: true });
    }
    get client() {
        return this.o.conn.client;
    }
    interrupted(file, what) {
        return new errors/* DbError */.HW('PAAS_INTERRUPTED', 'interrupted', `interrupted by a termination signal ${what}`, {
            stage: 'migrate',
            file,
            remediation: 'Nothing partial was recorded: the running transaction was rolled back. Re-run when ready; already applied files stay applied.',
        });
    }
    /** Runs a statement; a lost connection and an abort become DbErrors; other errors are rethrown as they are. */
    async q(sql, file = null, what = '') {
        if (this.o.signal.aborted)
            throw this.interrupted(file, what);
        this.running = true;
        try {
            return await this.client.query(sql);
        }
        catch (e) {
            if (this.o.signal.aborted)
                throw this.interrupted(file, what);
            if ((0,errors/* isConnectionLost */.pb)(e) || this.o.conn.lastError())
                throw (0,errors/* connectionLostError */.xL)(e, file, what || 'while talking to the server');
            throw e;
        }
        finally {
            this.running = false;
        }
    }
    pooled(what) {
        return new errors/* DbError */.HW('PAAS_DB_POOLED_CONNECTION', 'pooled_connection', `the database session changed between statements (${what}): the DSN goes through a transaction pooler, where a session advisory lock cannot protect migrations`, {
            stage: 'lock',
            remediation: 'Point the DSN at PostgreSQL directly, or at a session-pooled port of your pooler (PgBouncer pool_mode=session), for migrations.',
        });
    }
    /** Refuses a transaction-pooled connection: the backend pid must not change between statements. */
    async checkSession() {
        for (let i = 0; i < 2; i++) {
            const r = await this.q('SELECT pg_catalog.pg_backend_pid() AS pid', null, 'checking the session');
            if (Number(r.rows[0]?.pid) !== this.o.conn.pid)
                throw this.pooled('backend pid changed');
        }
        if (this.o.conn.serverVersion >= 140000) {
            // the server notices a vanished client during long statements and rolls back sooner
            await this.q("SET client_connection_check_interval = '2s'").catch(() => undefined);
        }
    }
    async lockHolder() {
        try {
            const r = await this.q(`SELECT a.pid, a.application_name AS app, extract(epoch FROM pg_catalog.now() - a.backend_start)::int AS age
         FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${this.lock.classid} AND l.objid = ${this.lock.objid} AND l.objsubid = 1 LIMIT 1`);
            const row = r.rows[0];
            if (!row)
                return 'another session';
            const app = String(row.app ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 63);
            return `pid ${row.pid}${app ? ` (${app})` : ''}, connected ${row.age}s ago`;
        }
        catch {
            return 'another session';
        }
    }
    /** pg_try_advisory_lock polled until the deadline, on this session. Never an unbounded wait. */
    async acquireLock(waitMs) {
        const started = Date.now();
        const deadline = started + waitMs;
        let nextReport = started;
        for (;;) {
            const r = await this.q(`SELECT pg_catalog.pg_try_advisory_lock(${this.lock.key}) AS ok, pg_catalog.pg_backend_pid() AS pid`, null, 'while taking the migration lock');
            const row = r.rows[0];
            if (Number(row?.pid) !== this.o.conn.pid) {
                if (row?.ok)
                    await this.q(`SELECT pg_catalog.pg_advisory_unlock(${this.lock.key})`).catch(() => undefined);
                throw this.pooled('backend pid changed while taking the lock');
            }
            if (row?.ok) {
                this.locked = true;
                return Date.now() - started;
            }
            const now = Date.now();
            const left = deadline - now;
            if (left <= 0) {
                const holder = await this.lockHolder();
                throw new errors/* DbError */.HW('PAAS_LOCK_HELD', 'lock_held', `the migration lock for ${this.ledgerName} is held by ${holder}; gave up after ${(0,duration/* formatDuration */.a3)(waitMs)}`, {
                    stage: 'lock',
                    remediation: 'Another db_bootstrap run is migrating this database. Wait for it to finish and re-run (or raise db.lock_wait in paas.yml); never delete the lock by hand while it runs.',
                });
            }
            if (now >= nextReport) {
                this.o.logger.info(`waiting for the migration lock held by ${await this.lockHolder()}: ${Math.ceil(left / 1000)}s left`);
                nextReport = now + 5000;
            }
            await sleep(Math.min(left, 150 + Math.floor(Math.random() * 100)), this.o.signal);
            if (this.o.signal.aborted)
                throw this.interrupted(null, 'while waiting for the migration lock');
        }
    }
    /** Releases the lock and checks that this session held it. */
    async releaseLock() {
        if (!this.locked)
            return;
        this.locked = false;
        const r = await this.client.query(`SELECT pg_catalog.pg_advisory_unlock(${this.lock.key}) AS released, pg_catalog.pg_backend_pid() AS pid`);
        const row = r.rows[0];
        if (!row?.released || Number(row.pid) !== this.o.conn.pid) {
            throw new errors/* DbError */.HW('PAAS_DB_POOLED_CONNECTION', 'lock_lost', 'the migration lock was not held by this session when releasing it: the session was reset or pooled during the run', {
                stage: 'lock',
                remediation: 'Connect to PostgreSQL directly (not through a transaction pooler) and run verify to check the result.',
            });
        }
    }
    async ledgerState() {
        const reg = await this.q(`SELECT pg_catalog.to_regclass('${this.ledgerSql.replace(/'/g, "''")}')::oid::text AS oid`);
        const oid = reg.rows[0]?.oid;
        if (!oid)
            return { exists: false, rows: [] };
        const cols = await this.q(`SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute WHERE attrelid = ${Number(oid)} AND attnum > 0 AND NOT attisdropped`);
        const have = new Map(cols.rows.map((c) => [c.name, c.type]));
        const wrong = Object.entries(ledger/* LEDGER_COLUMNS */.im).filter(([n, t]) => have.get(n) !== t);
        if (wrong.length > 0) {
            const dbmate = have.has('version') && !have.has('checksum');
            throw new errors/* DbError */.HW('PAAS_MIGRATION_PLAN_INVALID', 'ledger_incompatible', `${this.ledgerName} exists but is not a paas ledger (${dbmate ? 'it looks like a dbmate ledger' : `columns ${wrong.map(([n]) => n).join(', ')} missing or of another type`})`, {
                stage: 'ledger',
                remediation: dbmate
                    ? 'Coming from dbmate: set db.ledger_table in paas.yml to a new name (e.g. paas_migrations) and run with baseline_version set to the last version dbmate applied.'
                    : `Set db.ledger_table in paas.yml to a table paas can own; paas never alters a table it did not create.`,
            });
        }
        const rows = await this.q((0,ledger/* selectLedgerSql */.od)(this.o.ledger));
        return {
            exists: true,
            rows: rows.rows.map((r) => ({
                id: String(r.id),
                filename: String(r.filename),
                checksum: String(r.checksum),
                applied_at: String(r.applied_at),
                duration_ms: r.duration_ms === null ? null : String(r.duration_ms),
                success: r.success === true,
            })),
        };
    }
    async userObjects(limit = 5) {
        const r = await this.q((0,ledger/* userObjectsSql */.Oj)(this.o.ledger, limit));
        return r.rows.map((x) => x.name);
    }
    /** Creates the ledger (and the baseline rows) in one transaction. */
    async createLedger(baseline) {
        const ins = (0,ledger/* insertBaselineSql */.fP)(this.o.ledger, baseline);
        const sql = [`BEGIN`, `SET LOCAL lock_timeout = '${this.o.db.lock_timeout}ms'`, (0,ledger/* guardSql */.Gf)(this.lock, this.o.conn.pid), (0,ledger/* createLedgerSql */.In)(this.o.ledger), ins, 'COMMIT'].filter(Boolean).join(';\n');
        try {
            await this.q(sql, null, 'while creating the ledger');
        }
        catch (e) {
            await this.rollbackQuietly();
            throw this.sqlError(e, null, `creating the ledger ${this.ledgerName}`);
        }
    }
    /** Runs `fn` inside a READ ONLY transaction that is always rolled back. */
    async readOnly(fn) {
        await this.q('BEGIN TRANSACTION READ ONLY');
        try {
            return await fn();
        }
        finally {
            await this.rollbackQuietly();
        }
    }
    async invalidIndexes() {
        const r = await this.q(ledger/* INVALID_INDEXES_SQL */.mw);
        return r.rows.map((x) => ({ schema: x.schema, name: x.name, table: x.table_name, fix: invalidIndexFix(x.schema, x.name) }));
    }
    async rollbackQuietly() {
        if (this.o.conn.lastError())
            return;
        try {
            await this.client.query('ROLLBACK');
        }
        catch {
            /* the session is gone; the server rolls back on its own */
        }
    }
    /** Maps an SQL error of a migration to a DbError naming the file, line and SQLSTATE. */
    sqlError(e, m, what, upOffsetBase, queryPrefixLen = 0, fallbackLine = null) {
        if (e instanceof errors/* DbError */.HW)
            return e;
        const p = (0,errors/* pgErrorOf */.Bd)(e);
        const state = (0,errors/* sqlstateOf */.R8)(e);
        const file = m?.relPath ?? null;
        let line = fallbackLine;
        if (m && p.position && /^\d+$/.test(p.position)) {
            const off = Number(p.position) - 1 - queryPrefixLen;
            if (off >= 0 && off <= (upOffsetBase === undefined ? m.up.length : m.up.length))
                line = lineInFile(m, (upOffsetBase ?? 0) + off);
        }
        const where = file ? `${file}${line ? `:${line}` : ''}: ` : '';
        const msg = String(p.message ?? 'error').split('\n')[0]?.slice(0, 500) ?? 'error';
        const hint = p.hint ? ` (hint: ${String(p.hint).split('\n')[0]?.slice(0, 300)})` : '';
        const stateText = state ? ` (SQLSTATE ${state})` : '';
        if (state === ledger/* GUARD_SQLSTATE */.IK)
            return this.pooled('the lock is not held by the backend running the migration');
        if (state === '55P03' || state === '40P01') {
            return new errors/* DbError */.HW('PAAS_DB_LOCK_TIMEOUT', 'lock_timeout', `${where}${what}: ${msg}${stateText}; gave up after ${this.o.db.lock_retries} retr${this.o.db.lock_retries === 1 ? 'y' : 'ies'}`, {
                stage: 'migrate',
                file,
                line,
                sqlstate: state,
                remediation: `Another session holds a lock this migration needs (lock_timeout ${(0,duration/* formatDuration */.a3)(this.o.db.lock_timeout)}). Find it in pg_stat_activity / pg_locks, let it finish, and re-run; or raise db.lock_timeout / db.lock_retries in paas.yml.`,
            });
        }
        if (state === '57014') {
            const userCancel = /user request/i.test(msg);
            return new errors/* DbError */.HW('PAAS_MIGRATION_FAILED', userCancel ? 'sql_error' : 'statement_timeout', `${where}${what}: ${msg}${stateText}`, {
                stage: 'migrate',
                file,
                line,
                sqlstate: state,
                remediation: userCancel
                    ? 'The statement was cancelled by another session (pg_cancel_backend). Re-run when ready.'
                    : `A statement ran longer than statement_timeout (${(0,duration/* formatDuration */.a3)(this.o.db.statement_timeout)}). Make it faster (batches, CONCURRENTLY in a transaction:false file) or raise db.statement_timeout in paas.yml.`,
            });
        }
        if (state === '25006') {
            return new errors/* DbError */.HW('PAAS_MIGRATION_FAILED', 'read_only', `${where}${what}: the server is read-only${stateText}`, {
                stage: 'migrate',
                file,
                line,
                sqlstate: state,
                remediation: 'The DSN points at a standby (hot standby / read replica): point it at the primary.',
            });
        }
        if (state === '42501') {
            return new errors/* DbError */.HW('PAAS_MIGRATION_FAILED', 'permission_denied', `${where}${what}: ${msg}${stateText}`, { stage: 'migrate', file, line, sqlstate: state, remediation: 'Grant the migration role the privilege it needs (usually: make it the owner of the schema and its tables).' });
        }
        return new errors/* DbError */.HW('PAAS_MIGRATION_FAILED', 'sql_error', `${where}${what}: ${msg}${hint}${stateText}`, {
            stage: 'migrate',
            file,
            line,
            sqlstate: state,
            remediation: m
                ? `Fix ${m.filename} and re-run: ${m.transaction ? 'it was rolled back as a whole, so nothing of it was applied or recorded' : 'it runs outside a transaction, so statements before the failing one stay applied; make them safe to run again (IF NOT EXISTS)'}; files before it stay applied.`
                : 'Check the database state and re-run.',
        });
    }
    timeoutsSql(local) {
        const set = local ? 'SET LOCAL' : 'SET';
        return `${set} lock_timeout = '${this.o.db.lock_timeout}ms';\n${set} statement_timeout = '${this.o.db.statement_timeout}ms';\n`;
    }
    /** Applies a file in one transaction together with its ledger row, retrying on lock timeouts. Returns ms. */
    async applyTransactional(m) {
        const prefix = `BEGIN;\n${this.timeoutsSql(true)}${(0,ledger/* guardSql */.Gf)(this.lock, this.o.conn.pid)};\n`;
        const sql = `${prefix}${m.up}\n;\n${(0,ledger/* insertAppliedSql */.TS)(this.o.ledger, m)};\nCOMMIT;\nRESET ALL;`;
        for (let attempt = 0;; attempt++) {
            const t0 = performance.now();
            let results;
            try {
                results = await this.q(sql, m.relPath, `while applying ${m.relPath}`);
            }
            catch (e) {
                await this.rollbackQuietly();
                const state = (0,errors/* sqlstateOf */.R8)(e);
                if (!(e instanceof errors/* DbError */.HW) && state && RETRYABLE.has(state) && attempt < this.o.db.lock_retries) {
                    const delay = this.o.db.retry_delay * 2 ** attempt;
                    this.o.logger.warn(`${m.relPath}: ${state === '55P03' ? 'lock_timeout' : 'deadlock'} (SQLSTATE ${state}); retry ${attempt + 1}/${this.o.db.lock_retries} in ${(0,duration/* formatDuration */.a3)(delay)}`);
                    await sleep(delay, this.o.signal);
                    if (this.o.signal.aborted)
                        throw this.interrupted(m.relPath, `before retrying ${m.relPath}`);
                    continue;
                }
                throw this.sqlError(e, m, `${m.transaction ? 'migration failed and was rolled back' : 'migration failed'}`, 0, prefix.length);
            }
            const list = Array.isArray(results) ? results : [results];
            const commit = list.at(-2);
            const insert = list.at(-3);
            if (commit?.command !== 'COMMIT' || insert?.command !== 'INSERT' || insert.rowCount !== 1) {
                await this.rollbackQuietly();
                throw new errors/* DbError */.HW('PAAS_MIGRATION_FAILED', 'sql_error', `${m.relPath}: the file did not run to its end inside its transaction (an unterminated comment or string, or its own transaction control); nothing was recorded`, {
                    stage: 'migrate',
                    file: m.relPath,
                    remediation: 'Check the end of the file for an unterminated /* comment, string or dollar quote.',
                });
            }
            return performance.now() - t0;
        }
    }
    /** Applies a `transaction:false` file: one statement at a time, then its ledger row. Returns ms. */
    async applyNoTransaction(m) {
        const t0 = performance.now();
        const held = await this.q(`SELECT (${(0,ledger/* lockHeldSql */.fo)(this.lock, this.o.conn.pid)}) AS ok`, m.relPath);
        if (!held.rows[0]?.ok)
            throw this.pooled('the lock is not held by the backend running the migration');
        await this.q(this.timeoutsSql(false), m.relPath);
        const total = m.statements.length;
        for (let k = 0; k < total; k++) {
            const s = m.statements[k];
            const retryable = !s.allWords.has('concurrently');
            for (let attempt = 0;; attempt++) {
                try {
                    await this.q(s.text, m.relPath, `while running statement ${k + 1}/${total} of ${m.relPath}`);
                    break;
                }
                catch (e) {
                    const state = (0,errors/* sqlstateOf */.R8)(e);
                    if (!(e instanceof errors/* DbError */.HW) && state && RETRYABLE.has(state) && retryable && attempt < this.o.db.lock_retries) {
                        const delay = this.o.db.retry_delay * 2 ** attempt;
                        this.o.logger.warn(`${m.relPath} statement ${k + 1}/${total}: lock_timeout (SQLSTATE ${state}); retry ${attempt + 1}/${this.o.db.lock_retries} in ${(0,duration/* formatDuration */.a3)(delay)}`);
                        await sleep(delay, this.o.signal);
                        if (this.o.signal.aborted)
                            throw this.interrupted(m.relPath, `before retrying ${m.relPath}`);
                        continue;
                    }
                    const err = this.sqlError(e, m, `statement ${k + 1}/${total} failed${k > 0 ? ` (statements 1-${k} of this transaction:false file stay applied)` : ''}`, s.start, 0, lineInFile(m, s.start + (s.text.length - s.text.trimStart().length)));
                    await this.recordFailedAttempt(m, performance.now() - t0, err);
                    throw err;
                }
            }
        }
        const t = performance.now() - t0;
        await this.q(`RESET ALL;\nBEGIN;\n${(0,ledger/* guardSql */.Gf)(this.lock, this.o.conn.pid)};\n${(0,ledger/* upsertNoTxSql */.Dq)(this.o.ledger, m, t, true)};\nCOMMIT;`, m.relPath, `while recording ${m.relPath}`).catch(async (e) => {
            await this.rollbackQuietly();
            throw this.sqlError(e, m, 'recording the applied file failed');
        });
        return t;
    }
    /** A no-transaction file that failed part-way gets a row with success=false (it is pending again next run). */
    async recordFailedAttempt(m, ms, err) {
        if (err.reason === 'connection_lost' || this.o.conn.lastError())
            return;
        try {
            await this.client.query('RESET ALL');
            await this.client.query((0,ledger/* upsertNoTxSql */.Dq)(this.o.ledger, m, ms, false));
            const bad = await this.invalidIndexes();
            if (bad.length > 0) {
                this.o.logger.error(`invalid index${bad.length > 1 ? 'es' : ''} left by the failed statement: ${bad.map((b) => `${b.schema}.${b.name}`).join(', ')}; fix: ${bad.map((b) => b.fix).join(' ')}`);
            }
        }
        catch {
            /* best effort: the error that matters is the migration's */
        }
    }
}

// EXTERNAL MODULE: ./lib/ops/db_bootstrap/plan.ts + 1 modules
var db_bootstrap_plan = __webpack_require__(5953);
// EXTERNAL MODULE: ./lib/ops/db_bootstrap/reconcile.ts
var reconcile = __webpack_require__(4537);
;// CONCATENATED MODULE: ./lib/ops/db_bootstrap/run.ts

















const COMMAND = 'db_bootstrap';
const SUMMARY_ROWS = 300;
/** Offline check of the migration plan (also used by prod_verify dry_run): throws the first problem. */
function checkPlanOffline(cwd, db) {
    const plan = (0,db_bootstrap_plan/* discoverPlan */.BM)((0,external_node_path_.resolve)(cwd, db.migrations), db.migrations);
    const first = plan.problems[0];
    if (first)
        throw (0,reconcile/* planError */.u0)(first, plan.problems.length - 1);
    return plan;
}
function applicationName(rt, context) {
    const run = rt.env.GITHUB_RUN_ID && /^\d{1,20}$/.test(rt.env.GITHUB_RUN_ID) ? `run ${rt.env.GITHUB_RUN_ID}` : `pid ${process.pid}`;
    return `paas db_bootstrap ${context ?? '-'} ${run}`.slice(0, 63);
}
function reasonOf(e) {
    if ((0,errors/* isDbError */.NV)(e))
        return e.reason;
    return (0,output_errors/* toErrorInfo */.K$)(e).code.toLowerCase().replace(/^paas_/, '');
}
async function runDbBootstrap(rt, common, s) {
    const mode = s.mode;
    const startedAt = rt.now();
    const t0 = performance.now();
    const report = {
        mode,
        online: false,
        plan: null,
        ledger: 'public.schema_migrations',
        dsnKey: s.dsn_key ?? 'POSTGRES_DSN_PROD',
        appliedNow: [],
        alreadyApplied: 0,
        pending: [],
        baselined: [],
        lockWaitMs: null,
        verified: null,
        invalidIndexes: [],
        stageLines: [],
        notes: [],
    };
    let session = null;
    let context = common.context ?? null;
    try {
        // 1. paas.yml (public configuration)
        let db = null;
        let configError = null;
        try {
            db = (0,paas_yml/* loadPaasYml */.a4)(common.config, rt.cwd).config.db;
            report.dsnKey = s.dsn_key ?? db.dsn;
        }
        catch (e) {
            configError = e;
        }
        // 2. the context: explicit, in every mode (dry_run included: its DSN lives in the context's vault)
        //    A bad paas.yml never lays out a new context: refused input writes nothing.
        try {
            session = (0,runtime_session/* openContextSession */.Wo)(rt, common, { mutating: true, createIfMissing: rt.inAction && !configError, vaultEnvKeys: [report.dsnKey] });
        }
        catch (e) {
            throw configError && common.context ? configError : e;
        }
        context = session.config.name;
        if (configError)
            throw configError;
        if (!db)
            throw new Error('paas.yml not loaded');
        const ledgerName = { schema: db.ledger_schema, table: db.ledger_table };
        report.ledger = (0,ledger/* displayName */.QC)(ledgerName);
        // 3. CI/CD-only: migrating a non-demo context happens in a workflow, not from a laptop
        if ((mode === 'migrate' || mode === 'all') && !rt.inAction && !rt.inCI && session.config.type !== 'demo') {
            throw new errors/* DbError */.HW('PAAS_CI_ONLY', 'ci_only', `db_bootstrap ${mode} changes the database of ${session.config.type} context ${session.config.name}; that only runs in CI`, {
                stage: 'context',
                remediation: 'Run the db_bootstrap workflow (workflows-templates/db_bootstrap.yml) with this mode instead. Locally, dry_run and verify work on any context, and migrate/all on demo contexts.',
            });
        }
        // 4. the plan, offline
        const plan = (0,db_bootstrap_plan/* discoverPlan */.BM)((0,external_node_path_.resolve)(rt.cwd, db.migrations), db.migrations);
        report.plan = plan;
        const first = plan.problems[0];
        if (first) {
            for (const p of plan.problems)
                rt.logger.error(p.message);
            throw (0,reconcile/* planError */.u0)(first, plan.problems.length - 1);
        }
        if (plan.ignored.length > 0)
            rt.logger.debug(`ignored in ${plan.relDir}: ${plan.ignored.join(', ')}`);
        // 5. the DSN
        const dsnValue = mode === 'dry_run' ? session.vault.get(report.dsnKey) : session.vault.require(report.dsnKey, `db_bootstrap ${mode}`);
        if (dsnValue === undefined) {
            report.pending = plan.migrations;
            rt.logger.info(`no DSN in vault key ${report.dsnKey} of context ${session.config.name}: offline validation of ${plan.relDir} only (${plan.migrations.length} migration${plan.migrations.length === 1 ? '' : 's'}, nothing connected)`);
            return finish(rt, report, session, context, startedAt, t0, null);
        }
        (0,db_dsn/* registerDsnSecrets */.oG)(rt.redactor, dsnValue, report.dsnKey);
        const dsn = (0,db_dsn/* parseDsn */.pK)(dsnValue, report.dsnKey);
        report.online = true;
        // 6. online work on one session
        const connectOpts = {
            dsn,
            dsnKey: report.dsnKey,
            applicationName: applicationName(rt, context),
            connectTimeoutMs: db.connect_timeout,
        };
        let currentFile = null;
        const abort = new AbortController();
        const stopListening = onTermination((sig) => {
            rt.logger.warn(`${sig} received: cancelling the running statement; its transaction rolls back and nothing partial is recorded`);
            abort.abort();
        });
        let conn = null;
        try {
            conn = await (0,client/* openConnection */.JY)({
                ...connectOpts,
                onNotice: (msg) => {
                    if (!/no transaction in progress/.test(msg))
                        rt.logger.info(`${currentFile ?? 'server'}: ${msg}`);
                },
            });
            const c = conn;
            const engine = new MigrationEngine({ conn: c, ledger: ledgerName, db, logger: rt.logger, signal: abort.signal, cancelRunning: () => (0,client/* cancelBackend */.hU)(connectOpts, c.pid) });
            if (mode === 'dry_run')
                await dryRun(engine, plan, s, report, rt);
            else if (mode === 'verify')
                await verify(engine, plan, report, true, rt);
            else {
                await engine.checkSession();
                report.lockWaitMs = await engine.acquireLock(db.lock_wait);
                if (report.lockWaitMs > 1000)
                    rt.logger.info(`migration lock taken after ${(0,duration/* formatDuration */.a3)(Math.round(report.lockWaitMs / 100) * 100)}`);
                let lockErr = null;
                try {
                    await migrate(engine, plan, s, report, rt, (f) => (currentFile = f));
                    report.stageLines.push((0,logfmt/* statusLine */.B)(`${COMMAND}_migrate`, [['status', 'ok'], ['applied', report.appliedNow.length], ['migrations', plan.migrations.length]], rt.redactor));
                    if (mode === 'all') {
                        await verify(engine, plan, report, false, rt);
                    }
                }
                catch (e) {
                    lockErr = e;
                }
                try {
                    await engine.releaseLock();
                }
                catch (e) {
                    if (!lockErr)
                        lockErr = e;
                }
                if (lockErr)
                    throw lockErr;
            }
        }
        finally {
            stopListening();
            await conn?.close();
        }
        return finish(rt, report, session, context, startedAt, t0, null);
    }
    catch (e) {
        return finish(rt, report, session, context, startedAt, t0, e);
    }
}
async function dryRun(engine, plan, s, report, rt) {
    await engine.readOnly(async () => {
        const state = await engine.ledgerState();
        let rows = state.rows;
        if (!state.exists) {
            const objects = await engine.userObjects();
            if (objects.length > 0) {
                if (!s.baseline_version)
                    throw notEmpty(objects, engine.ledgerName);
                rows = baselineRows(plan, s.baseline_version);
                report.baselined = rows.map((r) => r.filename);
            }
        }
        const r = (0,reconcile/* reconcile */.Lq)(plan, rows);
        (0,reconcile/* assertConsistent */.B$)(r, engine.ledgerName);
        noteRenamed(r, rt);
        report.alreadyApplied = r.applied.length;
        report.pending = r.pending;
    });
    rt.logger.info(`${report.pending.length} of ${plan.migrations.length} migration(s) pending${report.pending.length ? `: ${report.pending.slice(0, 20).map((m) => m.filename).join(', ')}${report.pending.length > 20 ? ', ...' : ''}` : ''} (read in a READ ONLY transaction; nothing written)`);
}
function baselineRows(plan, baseline) {
    return plan.migrations.filter((m) => (0,db_bootstrap_plan/* compareIds */.q3)(m.id, baseline) <= 0).map((m) => ({ id: m.id, filename: m.filename, checksum: m.checksum, applied_at: '', duration_ms: null, success: true }));
}
function notEmpty(objects, ledger) {
    return new errors/* DbError */.HW('PAAS_DB_NOT_EMPTY', 'schema_not_empty', `the database already holds objects (${objects.slice(0, 4).join(', ')}${objects.length > 4 ? ', ...' : ''}) but has no ledger ${ledger}: refusing to run migrations over an unknown schema`, {
        stage: 'ledger',
        remediation: 'If the schema already matches the migrations up to some id, re-run with baseline_version set to that id (those files are recorded as applied without running; 0 records none). Otherwise point the DSN at an empty database.',
    });
}
function noteRenamed(r, rt) {
    for (const x of r.renamed)
        rt.logger.warn(`${x.migration.relPath}: applied as ${x.row.filename} (same id and checksum): renamed after it was applied`);
}
async function migrate(engine, plan, s, report, rt, setFile) {
    let state = await engine.ledgerState();
    if (!state.exists) {
        const objects = await engine.userObjects();
        let baseline = [];
        if (objects.length > 0) {
            if (!s.baseline_version)
                throw notEmpty(objects, engine.ledgerName);
            const b = s.baseline_version;
            baseline = plan.migrations.filter((m) => (0,db_bootstrap_plan/* compareIds */.q3)(m.id, b) <= 0);
            rt.logger.info(`baseline ${b}: recording ${baseline.length} file(s) as applied without running them`);
            report.baselined = baseline.map((m) => m.filename);
        }
        else if (s.baseline_version) {
            rt.logger.warn(`baseline_version ${s.baseline_version} ignored: the database is empty, so every migration runs`);
        }
        await engine.createLedger(baseline);
        rt.logger.info(`created the ledger ${engine.ledgerName}`);
        state = await engine.ledgerState();
    }
    else if (s.baseline_version) {
        rt.logger.info(`baseline_version ${s.baseline_version} ignored: the ledger ${engine.ledgerName} already exists`);
    }
    const r = (0,reconcile/* reconcile */.Lq)(plan, state.rows);
    (0,reconcile/* assertConsistent */.B$)(r, engine.ledgerName);
    noteRenamed(r, rt);
    for (const f of r.failedAttempts)
        rt.logger.warn(`${f.filename}: an earlier attempt failed part-way (transaction:false); running it again from its first statement`);
    report.alreadyApplied = r.applied.length;
    report.pending = r.pending;
    const total = r.pending.length;
    for (let i = 0; i < total; i++) {
        const m = r.pending[i];
        setFile(m.relPath);
        const ms = m.transaction ? await engine.applyTransactional(m) : await engine.applyNoTransaction(m);
        report.appliedNow.push({ id: m.id, filename: m.filename, ms: Math.round(ms) });
        rt.logger.info(`applied ${m.relPath} (${i + 1}/${total}, ${Math.round(ms)} ms${m.transaction ? '' : ', transaction:false'})`);
    }
    setFile(null);
    report.pending = [];
    if (total === 0)
        rt.logger.info(`nothing to apply: all ${plan.migrations.length} migration(s) already applied`);
}
async function verify(engine, plan, report, standalone, rt) {
    const { r, invalid } = await engine.readOnly(async () => {
        const state = await engine.ledgerState();
        return { r: (0,reconcile/* reconcile */.Lq)(plan, state.rows), invalid: await engine.invalidIndexes() };
    });
    report.invalidIndexes = invalid;
    if (standalone) {
        report.alreadyApplied = r.applied.length;
        report.pending = r.pending;
    }
    (0,reconcile/* assertConsistent */.B$)({ ...r, nonIncreasing: [] }, engine.ledgerName);
    const failed = r.failedAttempts[0];
    if (failed) {
        throw new errors/* DbError */.HW('PAAS_MIGRATION_VERIFY_FAILED', 'failed_attempt', `${failed.filename} (transaction:false) failed part-way in an earlier run; some of its statements may have run`, {
            stage: 'verify',
            file: failed.filename,
            remediation: 'Fix the file so every statement is safe to run again (IF NOT EXISTS), then run migrate or all: the file runs again from its first statement.',
        });
    }
    if (r.pending.length > 0) {
        throw new errors/* DbError */.HW('PAAS_MIGRATION_VERIFY_FAILED', 'pending_migrations', `${r.pending.length} migration(s) in the plan are not applied: ${r.pending.slice(0, 10).map((m) => m.filename).join(', ')}${r.pending.length > 10 ? ', ...' : ''}`, {
            stage: 'verify',
            file: r.pending[0]?.relPath ?? null,
            remediation: 'Run db_bootstrap with mode migrate or all.',
        });
    }
    const bad = invalid[0];
    if (bad) {
        throw new errors/* DbError */.HW('PAAS_MIGRATION_VERIFY_FAILED', 'invalid_index', `invalid index ${bad.schema}.${bad.name} on ${bad.table} (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)${invalid.length > 1 ? `; ${invalid.length - 1} more` : ''}. Fix: ${bad.fix}`, {
            stage: 'verify',
            remediation: invalid.map((x) => x.fix).join(' '),
        });
    }
    report.verified = r.applied.length;
    report.stageLines.push((0,logfmt/* statusLine */.B)(`${COMMAND}_verify`, [['status', 'ok'], ['migrations', r.applied.length]], rt.redactor));
}
function finish(rt, report, session, context, startedAt, t0, err) {
    const durationMs = Math.round(performance.now() - t0);
    const plan = report.plan;
    const n = plan?.migrations.length ?? 0;
    const fields = {
        migrations: n,
        applied: report.appliedNow.length,
        pending: report.pending.length,
        online: report.online,
        ledger: report.ledger,
        dsn_key: report.dsnKey,
        migrations_dir: plan?.relDir ?? null,
        applied_files: report.appliedNow.map((a) => a.filename),
        pending_files: report.pending.map((m) => m.filename),
        baselined: report.baselined,
        lock_wait_ms: report.lockWaitMs,
        verified: report.verified,
        invalid_indexes: report.invalidIndexes.map((x) => ({ index: `${x.schema}.${x.name}`, table: x.table, fix: x.fix })),
        duration_ms: durationMs,
    };
    if (plan && plan.problems.length > 0)
        fields.problems = plan.problems.map((p) => ({ reason: p.reason, file: p.file, line: p.line, message: p.message }));
    let result;
    if (!err) {
        const lines = [];
        if (report.mode === 'dry_run') {
            result = (0,outcome/* outcome */.b)(rt.redactor, { command: `${COMMAND}_dry_run`, context, mode: report.mode, fields, line: [['migrations', n]], summary: summaryOf(report), text: textOf(report) });
            result.envelope.command = COMMAND;
        }
        else {
            lines.push(...report.stageLines);
            result = (0,outcome/* outcome */.b)(rt.redactor, { command: COMMAND, context, mode: report.mode, fields, line: [['mode', report.mode]], extraLines: lines, summary: summaryOf(report), text: textOf(report) });
        }
    }
    else {
        const e = err;
        const info = (0,output_errors/* toErrorInfo */.K$)(e);
        const reason = reasonOf(e);
        const db = (0,errors/* isDbError */.NV)(e) ? e : null;
        fields.reason = reason;
        if (db?.sqlstate)
            fields.sqlstate = db.sqlstate;
        if (db?.file)
            fields.file = db.file;
        if (db?.line)
            fields.line = db.line;
        result = (0,outcome/* failure */.V)(rt.redactor, COMMAND, context, report.mode, e, fields);
        if (db) {
            // reason = the stable error code (the output contract); cause = the precise reason token
            const codeReason = info.code.toLowerCase().replace(/^paas_/, '');
            const applied = (report.mode === 'migrate' || report.mode === 'all') && report.online ? [['applied', report.appliedNow.length]] : [];
            const line = (0,logfmt/* statusLine */.B)(COMMAND, [
                ['status', 'fail'],
                ['reason', codeReason],
                ['cause', reason !== codeReason ? reason : undefined],
                ['mode', report.mode],
                ['stage', info.stage],
                ...applied,
                ['file', db.file ?? undefined],
                ['line', db.line ?? undefined],
                ['sqlstate', db.sqlstate ?? undefined],
            ], rt.redactor);
            result.lines = [...report.stageLines, line];
        }
        else {
            // not database-specific (context, vault, paas.yml): the plain contract line of every operation
            result.lines = [...report.stageLines, ...result.lines];
        }
        result.exitCode = exit/* EXIT_ERROR */.SI;
        result.summary = summaryOf(report, info.message);
        if (rt.inAction && db?.file) {
            rt.logger.info((0,summary/* annotationCommand */.j)({ level: 'error', file: db.file, line: db.line ?? undefined, title: `db_bootstrap ${reason}`, message: rt.redactor.redact(info.message) }));
        }
        if (!(0,output_errors/* isPaasError */.Q5)(e))
            rt.logger.debug(rt.redactor.redact(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    }
    record(rt, session, report, startedAt, durationMs, err, result);
    return result;
}
function record(rt, session, report, startedAt, durationMs, err, result) {
    if (!session)
        return;
    const info = err ? (0,output_errors/* toErrorInfo */.K$)(err) : null;
    const db = (0,errors/* isDbError */.NV)(err) ? err : null;
    const data = {
        mode: report.mode,
        status: err ? 'fail' : 'ok',
        online: report.online,
        ledger: report.ledger,
        migrations: report.plan?.migrations.length ?? 0,
        applied: report.appliedNow,
        already_applied: report.alreadyApplied,
        pending: report.pending.map((m) => m.filename),
        baselined: report.baselined,
        lock_wait_ms: report.lockWaitMs,
        started_at: startedAt.toISOString(),
        duration_ms: durationMs,
        status_line: result.lines.at(-1) ?? '',
        error: info ? { code: info.code, reason: reasonOf(err), stage: info.stage, file: db?.file ?? null, line: db?.line ?? null, sqlstate: db?.sqlstate ?? null, message: info.message } : null,
    };
    try {
        session.events.append('db_bootstrap.run', err ? `db_bootstrap ${report.mode} failed: ${reasonOf(err)}` : `db_bootstrap ${report.mode} ok: ${report.appliedNow.length} applied, ${report.pending.length} pending of ${data.migrations}`, data, err ? 'error' : 'info');
        const state = session.store.openState(session.config.name, rt.redactor);
        try {
            state.scoped.record('db_bootstrap.run', data);
        }
        finally {
            state.close();
        }
    }
    catch (e) {
        rt.logger.warn(`could not record the run in the context state: ${e instanceof Error ? e.message : String(e)}`);
    }
}
function textOf(report) {
    const plan = report.plan;
    if (!plan)
        return undefined;
    const parts = [`plan ${plan.relDir}: ${plan.migrations.length} migration(s)${report.online ? '' : ' (offline)'}`];
    if (report.appliedNow.length)
        parts.push(`applied now: ${report.appliedNow.length}`);
    if (report.online && report.mode === 'dry_run')
        parts.push(`pending: ${report.pending.length}${report.pending.length ? ` (${report.pending.slice(0, 10).map((m) => m.filename).join(', ')}${report.pending.length > 10 ? ', ...' : ''})` : ''}`);
    return parts.join('; ');
}
function summaryOf(report, error) {
    const plan = report.plan;
    const out = [];
    if (error)
        out.push(`**failed:** ${error}`, '');
    if (!plan)
        return out.join('\n');
    const applied = new Map(report.appliedNow.map((a) => [a.id, a.ms]));
    const pending = new Set(report.pending.map((m) => m.id));
    const baselined = new Set(report.baselined);
    const rows = plan.migrations.map((m) => [
        m.id,
        m.filename,
        applied.has(m.id) ? 'applied now' : baselined.has(m.filename) ? 'baseline' : pending.has(m.id) ? (report.online ? 'pending' : 'in plan') : 'applied',
        applied.has(m.id) ? `${applied.get(m.id)} ms` : '',
        m.transaction ? '' : 'transaction:false',
    ]);
    const shown = rows.length > SUMMARY_ROWS ? rows.slice(rows.length - SUMMARY_ROWS) : rows;
    out.push(`${plan.migrations.length} migration(s) in \`${plan.relDir}\`, ledger \`${report.ledger}\`${report.online ? '' : ' (offline check)'}${rows.length > SUMMARY_ROWS ? `; the last ${SUMMARY_ROWS} shown` : ''}`, '');
    out.push((0,summary/* markdownTable */.Q)(['id', 'file', 'status', 'duration', 'notes'], shown));
    for (const x of report.invalidIndexes)
        out.push('', `invalid index \`${x.schema}.${x.name}\`: \`${x.fix}\``);
    return out.join('\n');
}


/***/ })

};
