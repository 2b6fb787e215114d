export const id = 993;
export const ids = [993];
export const modules = {

/***/ 9685:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   pc: () => (/* binding */ durationMs)
/* harmony export */ });
/* unused harmony export parseDuration */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2857);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8532);

/**
 * Durations in paas.yml: a number with a unit, `250ms`, `5s`, `10m`, `2h`, or `0` (= disabled where
 * a field says so). A bare number other than 0 is refused: `30` could mean seconds or milliseconds.
 */
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Parses a duration to milliseconds, or null when it is not one. */
function parseDuration(v) {
    if (v === 0 || v === '0')
        return 0;
    if (typeof v !== 'string')
        return null;
    const m = DURATION_RE.exec(v.trim());
    if (!m)
        return null;
    const ms = Math.round(Number(m[1]) * UNIT_MS[m[2]]);
    return Number.isFinite(ms) ? ms : null;
}
/** Formats milliseconds back to the shortest exact unit (for messages and docs). */
function formatDuration(ms) {
    if (ms === 0)
        return '0';
    if (ms % 3_600_000 === 0)
        return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0)
        return `${ms / 60_000}m`;
    if (ms % 1000 === 0)
        return `${ms / 1000}s`;
    return `${ms}ms`;
}
/** A zod duration field that yields milliseconds, bounded to [min, max]. */
function durationMs(opts = {}) {
    const min = opts.min ?? 0;
    const max = opts.max ?? 7 * 24 * 3_600_000;
    return zod__WEBPACK_IMPORTED_MODULE_0__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig()]).transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === null) {
            ctx.addIssue({ code: 'custom', message: 'must be a duration such as 500ms, 5s, 10m or 2h (a bare number other than 0 is ambiguous)' });
            return zod__WEBPACK_IMPORTED_MODULE_1__/* .NEVER */ .tm;
        }
        if (ms < min || ms > max) {
            ctx.addIssue({ code: 'custom', message: `must be between ${formatDuration(min)} and ${formatDuration(max)}` });
            return zod__WEBPACK_IMPORTED_MODULE_1__/* .NEVER */ .tm;
        }
        return ms;
    });
}


/***/ }),

/***/ 5993:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FZ: () => (/* binding */ CHECK_KINDS),
/* harmony export */   a4: () => (/* binding */ loadPaasYml)
/* harmony export */ });
/* unused harmony exports PAAS_YML_DEFAULT, sqlIdentifier, relativePath, remotePath, commandString, STRATEGIES, paasYmlSchemas, paasYmlSchema, defaultPaasYml, parsePaasYml */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8815);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(2857);
/* harmony import */ var _isolation_context_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5654);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9869);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3879);
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9685);
/* harmony import */ var _vault_key_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(5535);









/**
 * `paas.yml`: the one committed configuration file (PRODUCT.md section 11). It names secrets
 * (vault keys), never holds them, and holds no host names. ONE strict zod schema for the whole file;
 * every field is documented in docs/paas-yml.md. Durations come out as milliseconds.
 */
const PAAS_YML_DEFAULT = 'paas.yml';
const MAX_BYTES = 1_000_000;
const slug = (what) => zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: `${what} must match ^[a-z0-9][a-z0-9-]{0,62}$` });
/** A vault key or named secret, e.g. POSTGRES_DSN_PROD (the value lives in the context's vault). */

/** A lowercase SQL identifier (used unquoted-compatible, quoted anyway). */
const sqlIdentifier = zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lowercase SQL identifier (letters, digits, underscores; at most 63)' });
const noControl = (s) => ![...s].some((ch) => {
    const c = ch.charCodeAt(0);
    return (c < 0x20 && c !== 0x09) || c === 0x7f;
});
/** A path relative to the workspace (repository root), staying inside it. */
const relativePath = zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP()
    .min(1)
    .max(4096)
    .refine((s) => noControl(s), { error: 'must not contain control characters' })
    .refine((s) => !(0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(s) && !s.startsWith('~'), { error: 'must be relative to the repository root' })
    .refine((s) => !s.split(/[\\/]/).includes('..'), { error: 'must not contain .. segments' });
/** An absolute path on a target. */
const remotePath = zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP()
    .max(4096)
    .refine((s) => s.startsWith('/'), { error: 'must be an absolute path' })
    .refine((s) => noControl(s), { error: 'must not contain control characters' })
    .refine((s) => !s.split('/').includes('..'), { error: 'must not contain .. segments' });
/** A command run on a target (one line). */
const commandString = zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP()
    .min(1)
    .max(4096)
    .refine((s) => noControl(s), { error: 'must be one line without control characters' });
const httpStatus = zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(100).max(599);
const expectStatus = zod__WEBPACK_IMPORTED_MODULE_8__/* .union */ .KCZ([httpStatus, zod__WEBPACK_IMPORTED_MODULE_8__/* .array */ .YOg(httpStatus).min(1).max(20)]);
const port = zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(65535);
const STRATEGIES = ['serial', 'rolling', 'parallel', 'canary', 'bluegreen'];
const CHECK_KINDS = ['http', 'sql', 'target', 'tls', 'backup'];
/** Builds the schemas (once, on first use: constructing ~150 zod nodes is not free at process start). */
function build() {
    // ---------------------------------------------------------------------------------------- apps
    const healthSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        http: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
            port,
            path: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().max(2048).regex(/^\/[^\s]*$/, { error: 'must start with / and hold no spaces' }).default('/'),
            expect: expectStatus.default(200),
        })
            .optional(),
        command: commandString.optional(),
        interval: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(1000),
        timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(5000),
        deadline: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 1000, max: 3_600_000 }).default(30_000),
    })
        .superRefine((h, ctx) => {
        if (!h.http === !h.command)
            ctx.addIssue({ code: 'custom', message: 'give exactly one of http or command', path: [] });
        if (h.timeout > h.deadline)
            ctx.addIssue({ code: 'custom', message: 'timeout must not exceed deadline', path: ['timeout'] });
    });
    const appSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        artifact: relativePath.optional(),
        deploy_root: remotePath.default('/srv/paas'),
        keep_releases: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(2).max(100).default(5),
        shared: zod__WEBPACK_IMPORTED_MODULE_8__/* .array */ .YOg(relativePath).max(100).default([]),
        start: commandString.optional(),
        restart: commandString.optional(),
        health: healthSchema.optional(),
        strategy: zod__WEBPACK_IMPORTED_MODULE_8__/* ["enum"] */ .k5n(STRATEGIES).default('serial'),
        batch: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(1000).default(1),
        max_parallel: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(256).default(4),
        canary: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(1000).default(1),
        slots: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ blue: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ port }), green: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ port }), switch: commandString.optional() }).optional(),
        hooks: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ pre_switch: commandString.optional(), post_switch: commandString.optional() }).prefault({}),
        // deploy/rollback (lib/ops/deploy): lock expiry, per-step time limit, SSH connection setup, Deployment URL
        lock_ttl: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 10_000, max: 24 * 3_600_000 }).default(30 * 60_000),
        command_timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 1000, max: 6 * 3_600_000 }).default(10 * 60_000),
        connect_concurrency: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(256).default(10),
        connect_attempts: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(10).default(4),
        url: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().url().max(2048).refine((u) => /^https?:\/\//.test(u), { error: 'must be an http(s) URL' }).optional(),
    })
        .superRefine((a, ctx) => {
        if (a.strategy === 'bluegreen' && !a.slots)
            ctx.addIssue({ code: 'custom', message: 'strategy bluegreen needs slots: { blue: { port }, green: { port } }', path: ['slots'] });
        if (a.strategy === 'bluegreen' && a.health?.command === undefined && !a.health?.http)
            ctx.addIssue({ code: 'custom', message: 'strategy bluegreen needs a health check (the idle slot is checked before the switch)', path: ['health'] });
        if (a.slots && a.slots.blue.port === a.slots.green.port)
            ctx.addIssue({ code: 'custom', message: 'blue and green need different ports', path: ['slots'] });
        if (new Set(a.shared).size !== a.shared.length)
            ctx.addIssue({ code: 'custom', message: 'shared paths must be unique', path: ['shared'] });
    });
    // ------------------------------------------------------------------------------------------ db
    const dbSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        migrations: relativePath.default('db/migrations'),
        dsn: _vault_key_js__WEBPACK_IMPORTED_MODULE_7__/* .vaultKey */ ._.default('POSTGRES_DSN_PROD'),
        ledger_schema: sqlIdentifier.default('public'),
        ledger_table: sqlIdentifier.default('schema_migrations'),
        lock_wait: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 0, max: 3_600_000 }).default(60_000),
        lock_timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 3_600_000 }).default(5000),
        statement_timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 0, max: 24 * 3_600_000 }).default(600_000),
        lock_retries: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(0).max(10).default(3),
        retry_delay: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 0, max: 600_000 }).default(2000),
        connect_timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 1000, max: 600_000 }).default(10_000),
    });
    // ----------------------------------------------------------------------------------------- ops
    const conditionOps = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ eq: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional(), ne: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional(), lt: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional(), le: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional(), gt: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional(), ge: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().optional() })
        .refine((c) => Object.values(c).some((v) => v !== undefined), { error: 'give at least one of eq, ne, lt, le, gt, ge' });
    const conditions = zod__WEBPACK_IMPORTED_MODULE_8__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'condition keys are result column names' }), conditionOps);
    const checkSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        name: slug('check name'),
        required: zod__WEBPACK_IMPORTED_MODULE_8__/* .boolean */ .zMY().default(true),
        http: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
            url: _vault_key_js__WEBPACK_IMPORTED_MODULE_7__/* .vaultKey */ ._,
            method: zod__WEBPACK_IMPORTED_MODULE_8__/* ["enum"] */ .k5n(['GET', 'HEAD']).default('GET'),
            expect: expectStatus.default(200),
            max_latency_ms: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(600_000).optional(),
            body_contains: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().min(1).max(1024).optional(),
            timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(10_000),
        })
            .optional(),
        sql: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
            query: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().min(1).max(10_000),
            dsn: _vault_key_js__WEBPACK_IMPORTED_MODULE_7__/* .vaultKey */ ._.default('POSTGRES_DSN_PROD'),
            insufficient_when: conditions.optional(),
            unhealthy_when: conditions.optional(),
            timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(30_000),
        })
            .optional(),
        target: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
            disk_max_pct: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().min(1).max(100).optional(),
            disk_path: remotePath.default('/'),
            service: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[A-Za-z0-9@._:-]{1,255}$/, { error: 'must be a service (unit) name' }).optional(),
            current_release: zod__WEBPACK_IMPORTED_MODULE_8__/* .boolean */ .zMY().default(false),
            app: slug('app name').optional(),
            timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(30_000),
        })
            .refine((t) => t.disk_max_pct !== undefined || t.service !== undefined || t.current_release, { error: 'give at least one of disk_max_pct, service, current_release' })
            .optional(),
        tls: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ host: _vault_key_js__WEBPACK_IMPORTED_MODULE_7__/* .vaultKey */ ._, port: port.default(443), min_days: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(0).max(3650).default(14), timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 600_000 }).default(10_000) }).optional(),
        backup: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
            dir: remotePath,
            max_age_hours: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().positive().max(24 * 366),
            verify_checksum: zod__WEBPACK_IMPORTED_MODULE_8__/* .boolean */ .zMY().default(true),
            target: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: 'must be a target id from PAAS_TARGETS' }).optional(),
            timeout: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 100, max: 3_600_000 }).default(300_000),
        })
            .optional(),
    })
        .superRefine((c, ctx) => {
        const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
        if (kinds.length !== 1)
            ctx.addIssue({ code: 'custom', message: `give exactly one of ${CHECK_KINDS.join(', ')}${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`, path: [] });
    });
    const opsSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        checks: zod__WEBPACK_IMPORTED_MODULE_8__/* .array */ .YOg(checkSchema).max(200).default([]),
        expected_interval: (0,_duration_js__WEBPACK_IMPORTED_MODULE_6__/* .durationMs */ .pc)({ min: 60_000, max: 31 * 24 * 3_600_000 }).default(26 * 3_600_000),
        concurrency: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .aig().int().min(1).max(200).default(100),
        slack: zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({ webhook: _vault_key_js__WEBPACK_IMPORTED_MODULE_7__/* .vaultKey */ ._.default('SLACK_WEBHOOK_URL') }).prefault({}),
    })
        .superRefine((o, ctx) => {
        const seen = new Set();
        o.checks.forEach((c, i) => {
            if (seen.has(c.name))
                ctx.addIssue({ code: 'custom', message: `duplicate check name ${c.name}`, path: ['checks', i, 'name'] });
            seen.add(c.name);
        });
    });
    // ------------------------------------------------------------------------------------ contexts
    const contextEntrySchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        type: zod__WEBPACK_IMPORTED_MODULE_8__/* ["enum"] */ .k5n(_isolation_names_js__WEBPACK_IMPORTED_MODULE_4__/* .CONTEXT_TYPES */ .k0).optional(),
        environment: zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: 'must be a GitHub environment name' }).optional(),
        trigger: _isolation_context_js__WEBPACK_IMPORTED_MODULE_3__/* .webhookPolicySchema */ .hd.optional(),
    });
    // -------------------------------------------------------------------------------- whole file
    const paasYmlSchema = zod__WEBPACK_IMPORTED_MODULE_8__/* .strictObject */ .rej({
        version: zod__WEBPACK_IMPORTED_MODULE_8__/* .literal */ .euz(1, { error: 'version must be 1' }),
        apps: zod__WEBPACK_IMPORTED_MODULE_8__/* .record */ .g1P(slug('app name'), appSchema).default({}),
        db: dbSchema.prefault({}),
        ops: opsSchema.prefault({}),
        contexts: zod__WEBPACK_IMPORTED_MODULE_8__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_8__/* .string */ .YjP().regex(_isolation_names_js__WEBPACK_IMPORTED_MODULE_4__/* .CONTEXT_NAME_RE */ .g_, { error: 'context names match ^[a-z0-9][a-z0-9-]{0,62}$' }), contextEntrySchema).default({}),
    });
    return { paasYml: paasYmlSchema, db: dbSchema, check: checkSchema };
}
let built = null;
/** The schemas of paas.yml: `paasYml` (the whole file), `db`, `check` (one ops check). */
function paasYmlSchemas() {
    built ??= build();
    return built;
}
/** The whole-file schema, built on first use (parse / safeParse as on a zod schema). */
const paasYmlSchema = {
    parse: (value) => paasYmlSchemas().paasYml.parse(value),
    safeParse: (value) => paasYmlSchemas().paasYml.safeParse(value),
};
/** The configuration when a repository has no paas.yml (every default). */
function defaultPaasYml() {
    return paasYmlSchemas().paasYml.parse({ version: 1 });
}
function configError(file, line, where, message) {
    const loc = line ? `${file}:${line}` : file;
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_5__.PaasError('PAAS_INVALID_ARGUMENT', `${loc}: ${where ? `${where}: ` : ''}${message}`, {
        stage: 'config',
        target: file,
        remediation: `Fix ${where || 'the file'} in ${file}; every field is described in docs/paas-yml.md.`,
    });
}
/** Line (1-based) of the YAML node at `path` (or of its key when `key` is given), if cheap to find. */
function lineOf(doc, counter, path, key) {
    try {
        let node = doc.contents;
        for (const seg of path) {
            if (!node || typeof node !== 'object' || !('items' in node))
                break;
            const items = node.items;
            if (typeof seg === 'number')
                node = items[seg];
            else
                node = items.find((p) => (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isPair */ .tO)(p) && (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(p.key) && String(p.key.value) === String(seg))?.value ?? node;
        }
        if (key !== undefined && (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isMap */ .jh)(node)) {
            const pair = node.items.find((p) => (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(p.key) && String(p.key.value) === key);
            if (pair && (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(pair.key) && pair.key.range)
                return counter.linePos(pair.key.range[0]).line;
        }
        const range = node?.range;
        return range ? counter.linePos(range[0]).line : null;
    }
    catch {
        return null;
    }
}
/** Parses paas.yml text. Errors are PAAS_INVALID_ARGUMENT naming the file, line and field. */
function parsePaasYml(text, file = PAAS_YML_DEFAULT) {
    const counter = new yaml__WEBPACK_IMPORTED_MODULE_2__/* .LineCounter */ .HN();
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .parseDocument */ .Tp)(text.replace(/^\uFEFF/, ''), { lineCounter: counter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
    const yamlErr = doc.errors[0];
    if (yamlErr) {
        const line = yamlErr.linePos?.[0]?.line ?? (yamlErr.pos ? counter.linePos(yamlErr.pos[0]).line : null);
        throw configError(file, line, '', `not valid YAML: ${yamlErr.message.split('\n')[0]}`);
    }
    let raw;
    try {
        raw = doc.toJS({ maxAliasCount: 50 });
    }
    catch (e) {
        throw configError(file, null, '', `not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (raw === null || raw === undefined)
        throw configError(file, null, '', 'the file is empty; it needs at least `version: 1`');
    if (typeof raw !== 'object' || Array.isArray(raw))
        throw configError(file, 1, '', 'the top level must be a mapping (version, apps, db, ops, contexts)');
    const r = paasYmlSchemas().paasYml.safeParse(raw);
    if (r.success)
        return r.data;
    const issue = r.error.issues[0];
    if (!issue)
        throw configError(file, null, '', 'invalid');
    const where = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys;
        const line = lineOf(doc, counter, issue.path, keys[0]);
        const field = [...issue.path.map(String), keys[0]].join('.');
        return failWith(configError(file, line, field, `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''} (allowed fields are listed in docs/paas-yml.md)`));
    }
    return failWith(configError(file, lineOf(doc, counter, issue.path), where, issue.message));
}
function failWith(e) {
    throw e;
}
/**
 * Loads `paas.yml` (path relative to `baseDir`). A missing file gives the defaults when `optional`
 * (the default file name is optional: a repository without paas.yml uses every default); a file
 * given explicitly must exist.
 */
function loadPaasYml(file, baseDir, opts = {}) {
    const path = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(baseDir, file);
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(path)) {
        if (opts.optional ?? file === PAAS_YML_DEFAULT)
            return { config: defaultPaasYml(), path, exists: false };
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_5__.PaasError('PAAS_INVALID_ARGUMENT', `configuration file ${file} does not exist`, {
            stage: 'config',
            target: file,
            remediation: `Create ${file} (see docs/paas-yml.md) or point \`config\` / --config at the right file.`,
        });
    }
    let text;
    try {
        const st = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(path);
        if (!st.isFile())
            throw new Error('not a regular file');
        if (st.size > MAX_BYTES)
            throw new Error(`larger than ${MAX_BYTES} bytes`);
        text = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(path, 'utf8');
    }
    catch (e) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_5__.PaasError('PAAS_INVALID_ARGUMENT', `configuration file ${file} cannot be read: ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e)}`, {
            stage: 'config',
            target: file,
            remediation: `Make ${file} a readable regular file.`,
        });
    }
    return { config: parsePaasYml(text, file), path, exists: true };
}


/***/ })

};
