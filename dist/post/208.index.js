export const id = 208;
export const ids = [208];
export const modules = {

/***/ 5535:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   _: () => (/* binding */ vaultKey)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2857);

/**
 * A vault key or named secret, e.g. POSTGRES_DSN_PROD (the value lives in the context's vault).
 * Its own module so that operation definitions (db_bootstrap's inputs) can use it without loading
 * paas-yml.ts and its YAML parser.
 */
const vaultKey = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: 'must name a vault key such as POSTGRES_DSN_PROD (letters, digits, underscores), never hold a value' });


/***/ }),

/***/ 5654:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   hd: () => (/* binding */ webhookPolicySchema),
/* harmony export */   p4: () => (/* binding */ contextConfigSchema)
/* harmony export */ });
/* unused harmony export contextExportSchema */
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2857);
/* harmony import */ var _names_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9869);


const webhookPolicySchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    events: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[a-z_]{1,64}$/)).max(32).default(['workflow_dispatch']),
    branches: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP()
        .max(255)
        .regex(/^[A-Za-z0-9_*][A-Za-z0-9._/*-]*$/, { error: 'branch patterns are letters, digits, . _ / - and * globs' })
        .refine((b) => !b.includes('..') && !b.endsWith('/') && !b.endsWith('.'), { error: 'not a valid git branch name pattern' }))
        .max(64)
        .default([]),
    actors: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/, { error: 'actors are GitHub logins (letters, digits, dashes; bots end in [bot])' }))
        .max(256)
        .default([]),
    require_signature: zod__WEBPACK_IMPORTED_MODULE_1__/* .boolean */ .zMY().default(false),
})
    .strict();
const targetId = zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: 'target ids are letters, digits, dot, dash, underscore' });
/** A context as persisted in `<state_root>/contexts/<name>/config.json`. Holds no secret. */
const contextConfigSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    schema: zod__WEBPACK_IMPORTED_MODULE_1__/* .literal */ .euz(1).default(1),
    name: _names_js__WEBPACK_IMPORTED_MODULE_0__/* .contextName */ .fW,
    type: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(_names_js__WEBPACK_IMPORTED_MODULE_0__/* .CONTEXT_TYPES */ .k0),
    state_root: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1),
    vault_file: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().min(1).max(4096).nullable().default(null),
    default_targets: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(targetId).max(1000).default([]),
    webhook_policy: webhookPolicySchema.default({ events: ['workflow_dispatch'], branches: [], actors: [], require_signature: false }),
    audit_sink: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['events', 'events+stdout']).default('events'),
    created_at: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
})
    .strict();
/** Portable metadata (export/import): no state_root, no vault path, never a secret. */
const contextExportSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_1__/* .literal */ .euz('paas-context-export/1'),
    name: _names_js__WEBPACK_IMPORTED_MODULE_0__/* .contextName */ .fW,
    type: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(_names_js__WEBPACK_IMPORTED_MODULE_0__/* .CONTEXT_TYPES */ .k0),
    default_targets: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(targetId).max(1000),
    webhook_policy: webhookPolicySchema,
    audit_sink: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['events', 'events+stdout']),
})
    .catchall(zod__WEBPACK_IMPORTED_MODULE_1__/* .unknown */ .L5J());


/***/ }),

/***/ 9869:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   K7: () => (/* binding */ impliedContextType),
/* harmony export */   fW: () => (/* binding */ contextName),
/* harmony export */   g_: () => (/* binding */ CONTEXT_NAME_RE),
/* harmony export */   k0: () => (/* binding */ CONTEXT_TYPES)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2857);

/** Context names: `^[a-z0-9][a-z0-9-]{0,62}$`, checked before any path is built from them. */
const CONTEXT_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const contextName = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP({ error: 'context name must be a string' })
    .regex(CONTEXT_NAME_RE, { error: 'context name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, dashes)' });
const CONTEXT_TYPES = ['internal', 'demo', 'customer'];
/** The type implied by the recommended names, or null when it must be given explicitly. */
function impliedContextType(name) {
    if (name === 'internal-dogfood')
        return 'internal';
    if (name === 'oss-demo')
        return 'demo';
    if (/^customer-[a-z0-9][a-z0-9-]*$/.test(name))
        return 'customer';
    return null;
}


/***/ }),

/***/ 9349:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $o: () => (/* binding */ findGitWorkTree),
/* harmony export */   DP: () => (/* binding */ stateRootPath),
/* harmony export */   FK: () => (/* binding */ isInside),
/* harmony export */   Yb: () => (/* binding */ realPathLoose),
/* harmony export */   Z4: () => (/* binding */ stateRootProblem),
/* harmony export */   h5: () => (/* binding */ guardStateRoot)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3879);




/** Resolves an absolute path's real location even when its tail does not exist yet. */
function realPathLoose(p) {
    const abs = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.resolve)(p);
    const tail = [];
    let cur = abs;
    for (;;) {
        if ((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(cur)) {
            try {
                return (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(node_fs__WEBPACK_IMPORTED_MODULE_0__.realpathSync.native(cur), ...tail.reverse());
            }
            catch {
                /* fall through: treat as missing */
            }
        }
        const parent = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.dirname)(cur);
        if (parent === cur)
            return abs;
        tail.push((0,node_path__WEBPACK_IMPORTED_MODULE_2__.basename)(cur));
        cur = parent;
    }
}
function isInside(child, parent) {
    const rel = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.relative)(parent, child);
    return rel === '' || (!rel.startsWith('..' + node_path__WEBPACK_IMPORTED_MODULE_2__.sep) && rel !== '..' && !(0,node_path__WEBPACK_IMPORTED_MODULE_2__.isAbsolute)(rel));
}
/**
 * The git work tree containing `p` (real path), if any. A `.git` directory or a `.git` file
 * (worktrees, submodules) both mark a work tree.
 */
function findGitWorkTree(p) {
    let cur = realPathLoose(p);
    for (;;) {
        if ((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(cur, '.git')))
            return cur;
        const parent = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.dirname)(cur);
        if (parent === cur)
            return null;
        cur = parent;
    }
}
/** input `state_root`, else PAAS_STATE_ROOT, else ~/.paas (absolute, not yet checked). */
function stateRootPath({ input, env = process.env, home = (0,node_os__WEBPACK_IMPORTED_MODULE_1__.homedir)() }) {
    const chosen = input?.trim() || env.PAAS_STATE_ROOT?.trim() || (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(home, '.paas');
    if (chosen.includes('\0'))
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_3__.PaasError('PAAS_INVALID_ARGUMENT', 'state root contains a NUL byte', { remediation: 'Pass a plain absolute directory path.' });
    return (0,node_path__WEBPACK_IMPORTED_MODULE_2__.resolve)(chosen);
}
/** Why a state root is unsafe, or null when it is outside every git work tree and the workspace. */
function stateRootProblem(path, workspace) {
    const real = realPathLoose(path);
    const tree = findGitWorkTree(real);
    if (tree)
        return `state root ${real} is inside the git work tree ${tree}`;
    if (workspace) {
        const ws = realPathLoose(workspace);
        if (isInside(real, ws))
            return `state root ${real} is inside GITHUB_WORKSPACE ${ws}`;
    }
    return null;
}
/** Refuses a state root inside a git work tree or the workspace, after resolving symlinks. */
function guardStateRoot(path, opts = {}) {
    const real = realPathLoose(path);
    const problem = stateRootProblem(real, opts.workspace);
    if (!problem)
        return { path: real, unsafe: false };
    if (opts.allowUnsafe)
        return { path: real, unsafe: true, reason: problem };
    throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_3__.PaasError('PAAS_STATE_ROOT_UNSAFE', problem, {
        stage: 'state_root',
        remediation: 'Use a state root outside any repository, e.g. --state-root ~/.paas locally or state_root: ${{ runner.temp }}/paas-state in Actions (or set PAAS_STATE_ROOT).',
    });
}


/***/ }),

/***/ 1309:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  n: () => (/* binding */ ContextStore)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/state/db.ts
var state_db = __webpack_require__(4160);
;// CONCATENATED MODULE: ./lib/state/events.ts



/**
 * Append-only JSONL events of one context: `<context dir>/events/<YYYY-MM>.jsonl`, mode 0600.
 * Redacted at write time; each line is one O_APPEND write, so concurrent writers do not interleave.
 */
class EventLog {
    dir;
    context;
    redactor;
    constructor(dir, context, redactor) {
        this.dir = dir;
        this.context = context;
        this.redactor = redactor;
    }
    append(kind, message, fields = {}, level = 'info', at = new Date()) {
        const ev = this.redactor.redactDeep({ id: (0,external_node_crypto_.randomUUID)(), at: at.toISOString(), context: this.context, kind, level, message, fields });
        const file = (0,external_node_path_.join)(this.dir, `${ev.at.slice(0, 7)}.jsonl`);
        (0,external_node_fs_.appendFileSync)(file, JSON.stringify(ev) + '\n', { mode: 0o600 });
        return ev;
    }
    /** Newest first. Lines that do not parse or belong to another context are skipped. */
    list(opts = {}) {
        if (!(0,external_node_fs_.existsSync)(this.dir))
            return [];
        const files = (0,external_node_fs_.readdirSync)(this.dir).filter((f) => f.endsWith('.jsonl')).sort().reverse();
        const out = [];
        const limit = opts.limit ?? 100;
        for (const f of files) {
            const lines = (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(this.dir, f), 'utf8').split('\n').filter(Boolean).reverse();
            for (const line of lines) {
                let ev;
                try {
                    ev = JSON.parse(line);
                }
                catch {
                    continue;
                }
                if (ev.context !== this.context)
                    continue;
                if (opts.kind && ev.kind !== opts.kind)
                    continue;
                out.push(ev);
                if (out.length >= limit)
                    return out;
            }
        }
        return out;
    }
}

// EXTERNAL MODULE: ./lib/state/fs-safe.ts
var fs_safe = __webpack_require__(339);
// EXTERNAL MODULE: ./lib/isolation/context.ts
var context = __webpack_require__(5654);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var names = __webpack_require__(9869);
;// CONCATENATED MODULE: ./lib/isolation/store.ts









/**
 * Contexts under one (guarded) state root:
 * `<state_root>/contexts/<name>/{config.json (0600), state.db, events/, cache/}`, directories 0700.
 */
class ContextStore {
    root;
    constructor(root) {
        this.root = root;
    }
    get contextsDir() {
        return (0,external_node_path_.join)(this.root.path, 'contexts');
    }
    paths(name) {
        if (!names/* CONTEXT_NAME_RE */.g_.test(name))
            throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'invalid context name', { remediation: 'Context names match ^[a-z0-9][a-z0-9-]{0,62}$.' });
        const dir = (0,external_node_path_.join)(this.contextsDir, name);
        return { dir, config: (0,external_node_path_.join)(dir, 'config.json'), stateDb: (0,external_node_path_.join)(dir, 'state.db'), events: (0,external_node_path_.join)(dir, 'events'), cache: (0,external_node_path_.join)(dir, 'cache') };
    }
    exists(name) {
        return (0,external_node_fs_.existsSync)(this.paths(name).config);
    }
    /** Creates the whole layout in a temporary directory, then renames it into place (all or nothing). */
    create(config) {
        const parsed = context/* contextConfigSchema */.p4.parse(config);
        const p = this.paths(parsed.name);
        if ((0,external_node_fs_.existsSync)(p.dir)) {
            throw new errors.PaasError('PAAS_CONTEXT_EXISTS', `context ${parsed.name} already exists`, {
                stage: 'context',
                remediation: `Use it (paas context use ${parsed.name}) or remove it first (paas context remove ${parsed.name}).`,
            });
        }
        (0,fs_safe/* mkdirPrivate */.D)(this.contextsDir);
        const tmp = (0,external_node_path_.join)(this.contextsDir, `.tmp-${parsed.name}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`);
        try {
            (0,fs_safe/* mkdirPrivate */.D)(tmp);
            (0,fs_safe/* mkdirPrivate */.D)((0,external_node_path_.join)(tmp, 'events'));
            (0,fs_safe/* mkdirPrivate */.D)((0,external_node_path_.join)(tmp, 'cache'));
            (0,fs_safe/* writeFilePrivate */.B)((0,external_node_path_.join)(tmp, 'config.json'), JSON.stringify(parsed, null, 2) + '\n');
            new state_db/* StateDb */.ui((0,external_node_path_.join)(tmp, 'state.db')).close();
            (0,external_node_fs_.renameSync)(tmp, p.dir);
        }
        catch (e) {
            (0,external_node_fs_.rmSync)(tmp, { recursive: true, force: true });
            throw e;
        }
        return parsed;
    }
    get(name) {
        const p = this.paths(name);
        if (!(0,external_node_fs_.existsSync)(p.config)) {
            throw new errors.PaasError('PAAS_CONTEXT_NOT_FOUND', `context ${name} does not exist under state root ${this.root.path}`, {
                stage: 'context',
                remediation: `Create it with: paas context create ${name} --state-root ${this.root.path}`,
            });
        }
        let raw;
        try {
            raw = JSON.parse((0,external_node_fs_.readFileSync)(p.config, 'utf8'));
        }
        catch {
            throw new errors.PaasError('PAAS_STATE_CORRUPT', `config.json of context ${name} is not valid JSON`, { stage: 'context', remediation: `Inspect ${p.config} or restore it from a backup.` });
        }
        const r = context/* contextConfigSchema */.p4.safeParse(raw);
        if (!r.success)
            throw new errors.PaasError('PAAS_STATE_CORRUPT', `config.json of context ${name} does not match the schema`, { stage: 'context', remediation: `Inspect ${p.config}.` });
        return r.data;
    }
    update(config) {
        const parsed = context/* contextConfigSchema */.p4.parse(config);
        this.get(parsed.name);
        (0,fs_safe/* writeFilePrivate */.B)(this.paths(parsed.name).config, JSON.stringify(parsed, null, 2) + '\n');
    }
    list() {
        if (!(0,external_node_fs_.existsSync)(this.contextsDir))
            return [];
        return (0,external_node_fs_.readdirSync)(this.contextsDir)
            .filter((n) => names/* CONTEXT_NAME_RE */.g_.test(n) && (0,external_node_fs_.existsSync)((0,external_node_path_.join)(this.contextsDir, n, 'config.json')))
            .sort()
            .map((n) => this.get(n));
    }
    /** Events (beyond the context's own lifecycle) and history rows: what `remove` would lose. */
    contents(name, redactor) {
        const events = this.events(name, redactor).list({ limit: 10_000 }).filter((e) => !e.kind.startsWith('context.')).length;
        const state = this.openState(name, redactor);
        try {
            return { events, history: state.scoped.count() };
        }
        finally {
            state.close();
        }
    }
    remove(name, force, redactor) {
        this.get(name);
        const c = this.contents(name, redactor);
        if (!force && (c.events > 0 || c.history > 0)) {
            throw new errors.PaasError('PAAS_CONTEXT_NOT_EMPTY', `context ${name} holds events or history`, {
                stage: 'context',
                remediation: `Export or back it up first; then remove it with: paas context remove ${name} --force`,
            });
        }
        const p = this.paths(name);
        const trash = (0,external_node_path_.join)(this.contextsDir, `.rm-${name}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`);
        (0,external_node_fs_.renameSync)(p.dir, trash);
        (0,external_node_fs_.rmSync)(trash, { recursive: true, force: true });
        if (this.selected() === name)
            (0,external_node_fs_.rmSync)(this.selectedFile, { force: true });
    }
    get selectedFile() {
        return (0,external_node_path_.join)(this.root.path, 'selected-context');
    }
    select(name) {
        this.get(name);
        (0,fs_safe/* mkdirPrivate */.D)(this.root.path);
        (0,fs_safe/* writeFilePrivate */.B)(this.selectedFile, name + '\n');
    }
    selected() {
        if (!(0,external_node_fs_.existsSync)(this.selectedFile))
            return null;
        const name = (0,external_node_fs_.readFileSync)(this.selectedFile, 'utf8').trim();
        return names/* CONTEXT_NAME_RE */.g_.test(name) ? name : null;
    }
    events(name, redactor) {
        return new EventLog(this.paths(name).events, name, redactor);
    }
    openState(name, redactor) {
        const db = new state_db/* StateDb */.ui(this.paths(name).stateDb);
        return { scoped: db.forContext(name, redactor), close: () => db.close() };
    }
}


/***/ }),

/***/ 4345:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Sw: () => (/* binding */ vaultFileProblem),
/* harmony export */   dn: () => (/* binding */ loadVault),
/* harmony export */   qd: () => (/* binding */ parseDotenv)
/* harmony export */ });
/* unused harmony export Vault */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3879);
/* harmony import */ var _state_root_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9349);



const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/**
 * Parses dotenv text: `KEY=value`, optional `export `, `#` comments, single quotes (literal),
 * double quotes (\n, \t, \", \\ escapes; may span lines). Errors name the line, never the value.
 */
function parseDotenv(text, source = 'vault') {
    const out = new Map();
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
        const raw = lines[i] ?? '';
        const line = raw.trim();
        if (!line || line.startsWith('#'))
            continue;
        const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/s.exec(line);
        if (!m || !KEY_RE.test(m[1] ?? '')) {
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__.PaasError('PAAS_INVALID_ARGUMENT', `${source} line ${i + 1} is not KEY=value`, {
                stage: 'vault',
                remediation: 'Each vault line must be KEY=value with KEY made of letters, digits and underscores.',
            });
        }
        const key = m[1];
        let value = (m[2] ?? '').trim();
        if (value.startsWith('"')) {
            let body = value.slice(1);
            while (!/(^|[^\\])(\\\\)*"\s*$/.test(body) && i + 1 < lines.length)
                body += '\n' + (lines[++i] ?? '');
            if (!/(^|[^\\])(\\\\)*"\s*$/.test(body)) {
                throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__.PaasError('PAAS_INVALID_ARGUMENT', `${source}: unterminated double quote for key ${key}`, { stage: 'vault', remediation: 'Close the quoted value.' });
            }
            body = body.replace(/"\s*$/, '');
            value = body.replace(/\\(n|t|r|"|\\)/g, (_, c) => ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' })[c] ?? c);
        }
        else if (value.startsWith("'")) {
            if (!/'\s*$/.test(value.slice(1))) {
                throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__.PaasError('PAAS_INVALID_ARGUMENT', `${source}: unterminated single quote for key ${key}`, { stage: 'vault', remediation: 'Close the quoted value.' });
            }
            value = value.slice(1).replace(/'\s*$/, '');
        }
        else {
            value = value.replace(/\s+#.*$/, '');
        }
        out.set(key, value);
    }
    return out;
}
/** The secrets of one context. Values are registered with the redactor on load. */
class Vault {
    context;
    values;
    sources;
    constructor(context, values, sources) {
        this.context = context;
        this.values = values;
        this.sources = sources;
    }
    has(key) {
        return this.values.has(key) && (this.values.get(key) ?? '') !== '';
    }
    get(key) {
        const v = this.values.get(key);
        return v === '' ? undefined : v;
    }
    keys() {
        return [...this.values.keys()].sort();
    }
    /** The value, or PAAS_VAULT_UNMAPPED naming the key (never a value). */
    require(key, purpose = 'this operation') {
        const v = this.get(key);
        if (v === undefined) {
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__.PaasError('PAAS_VAULT_UNMAPPED', `context ${this.context} has no vault value for ${key}, needed by ${purpose}`, {
                stage: 'vault',
                remediation: `Add ${key} to the context's vault: in Actions, to the environment secret passed as the \`vault\` input (or as a named secret in env); locally, to the vault_file of context ${this.context}.`,
            });
        }
        return v;
    }
    /** Keys from `names` that have no value. */
    missing(names) {
        return names.filter((n) => !this.has(n));
    }
}
/** Checks a vault file: outside every repository and the workspace, a regular file, mode 0600. */
function vaultFileProblem(path, workspace) {
    const real = (0,_state_root_js__WEBPACK_IMPORTED_MODULE_2__/* .realPathLoose */ .Yb)(path);
    const tree = (0,_state_root_js__WEBPACK_IMPORTED_MODULE_2__/* .findGitWorkTree */ .$o)(real);
    if (tree)
        return `vault file ${real} is inside the git work tree ${tree}`;
    if (workspace && (0,_state_root_js__WEBPACK_IMPORTED_MODULE_2__/* .isInside */ .FK)(real, (0,_state_root_js__WEBPACK_IMPORTED_MODULE_2__/* .realPathLoose */ .Yb)(workspace)))
        return `vault file ${real} is inside GITHUB_WORKSPACE`;
    let st;
    try {
        st = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(real);
    }
    catch {
        return `vault file ${real} does not exist`;
    }
    if (!st.isFile())
        return `vault file ${real} is not a regular file`;
    if ((st.mode & 0o077) !== 0)
        return `vault file ${real} has mode ${(st.mode & 0o777).toString(8)}, expected 600`;
    return null;
}
function loadVault(opts) {
    const values = new Map();
    const sources = [];
    if (opts.file) {
        const problem = vaultFileProblem(opts.file, opts.workspace);
        if (problem) {
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__.PaasError('PAAS_VAULT_UNSAFE', problem, {
                stage: 'vault',
                remediation: `Keep the vault of context ${opts.context} outside any repository with mode 0600: chmod 600 <file>.`,
            });
        }
        const text = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(opts.file, 'utf8');
        for (const [k, v] of parseDotenv(text, 'vault file')) {
            opts.redactor.register(v, k);
            values.set(k, v);
        }
        sources.push('vault_file');
    }
    if (opts.text && opts.text.trim()) {
        const parsed = parseDotenv(opts.text, 'vault input');
        for (const v of parsed.values())
            opts.redactor.register(v);
        for (const [k, v] of parsed)
            values.set(k, v);
        sources.push('input');
    }
    for (const key of opts.envKeys ?? []) {
        const v = opts.env?.[key];
        if (v) {
            opts.redactor.register(v, key);
            values.set(key, v);
            sources.push(`env:${key}`);
        }
    }
    return new Vault(opts.context, values, sources);
}


/***/ }),

/***/ 4253:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Ac: () => (/* binding */ doctor),
  Mz: () => (/* binding */ preflight)
});

// UNUSED EXPORTS: DEFAULT_MAX_FILE_BYTES, doctorInputs, doctorOutcome, runDoctor, runDoctorOperation

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 11 modules
var schemas = __webpack_require__(2857);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/coerce.js
var coerce = __webpack_require__(9567);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __webpack_require__(6674);
// EXTERNAL MODULE: ./lib/isolation/state-root.ts
var state_root = __webpack_require__(9349);
// EXTERNAL MODULE: ./lib/isolation/vault.ts
var vault = __webpack_require__(4345);
// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __webpack_require__(8364);
// EXTERNAL MODULE: ./lib/ops/operation.ts
var operation = __webpack_require__(1120);
;// CONCATENATED MODULE: ./lib/ops/doctor/types.ts
/** The shapes doctor reports. No field ever holds a secret value: only previews and fingerprints. */
const CHECK_NAMES = [
    'state_root_outside_repo',
    'context_vault_outside_repo',
    'repo_private_state_artifacts',
    'repo_plaintext_secret_exposure',
    'cross_context_contamination',
];

;// CONCATENATED MODULE: ./lib/ops/doctor/baseline.ts
/**
 * The baseline: a committed JSON file of accepted findings, identified by fingerprint (a hash).
 * It never holds a value. Registered secrets (vault and environment values) cannot be accepted.
 */





const BASELINE_FORMAT = 'paas-doctor-baseline/1';
const entrySchema = schemas/* object */.Ikc({
    fingerprint: schemas/* string */.YjP().regex(/^[0-9a-f]{32}$/),
    check: schemas/* enum */.k5n(CHECK_NAMES),
    kind: schemas/* string */.YjP().regex(/^[a-z0-9_]{1,64}$/),
    file: schemas/* string */.YjP().max(4096).optional(),
})
    .strict();
const baselineSchema = schemas/* object */.Ikc({
    format: schemas/* literal */.euz(BASELINE_FORMAT),
    note: schemas/* string */.YjP().max(1000).optional(),
    findings: schemas/* array */.YOg(entrySchema).max(100_000),
})
    .strict();
/** Findings that a baseline may accept: those about the tree's content, never a registered secret. */
function baselineable(f) {
    return (f.check === 'repo_plaintext_secret_exposure' || f.check === 'repo_private_state_artifacts') && f.kind !== 'registered_secret';
}
function readBaseline(path) {
    if (!(0,external_node_fs_.existsSync)(path))
        return new Set();
    let raw;
    try {
        raw = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
    }
    catch {
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} is not valid JSON`, { stage: 'baseline', remediation: 'Regenerate it with `paas doctor --update-baseline` or fix the file.' });
    }
    const r = baselineSchema.safeParse(raw);
    if (!r.success) {
        const where = r.error.issues[0]?.path.join('.') ?? '';
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} does not match format ${BASELINE_FORMAT}${where ? ` (at ${where})` : ''}`, {
            stage: 'baseline',
            remediation: 'A baseline holds only fingerprints, checks, kinds and files; regenerate it with `paas doctor --update-baseline`.',
        });
    }
    return new Set(r.data.findings.map((e) => e.fingerprint));
}
function writeBaseline(path, findings) {
    const seen = new Set();
    const entries = findings
        .filter(baselineable)
        .filter((f) => !seen.has(f.fingerprint) && seen.add(f.fingerprint))
        .map((f) => (f.file ? { fingerprint: f.fingerprint, check: f.check, kind: f.kind, file: f.file } : { fingerprint: f.fingerprint, check: f.check, kind: f.kind }))
        .sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.kind.localeCompare(b.kind) || a.fingerprint.localeCompare(b.fingerprint));
    const doc = {
        format: BASELINE_FORMAT,
        note: 'Accepted paas doctor findings, by fingerprint (a hash; never the value). Regenerate with: paas doctor --update-baseline',
        findings: entries,
    };
    (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(path), { recursive: true });
    (0,external_node_fs_.writeFileSync)(path, JSON.stringify(doc, null, 2) + '\n');
    return entries.length;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./lib/ops/doctor/fingerprint.ts

/**
 * A finding's fingerprint: SHA-256 over a domain tag, the check, the kind, the file and what
 * identifies the finding (the secret itself for content findings, a path for artifacts), cut to
 * 128 bits. Line numbers are left out so that moving code does not invalidate a baseline entry.
 */
function fingerprint(check, kind, file, identity) {
    return (0,external_node_crypto_.createHash)('sha256').update(`paas-doctor/1\0${check}\0${kind}\0${file}\0${identity}`).digest('hex').slice(0, 32);
}

// EXTERNAL MODULE: ./lib/redaction/redactor.ts + 5 modules
var redactor = __webpack_require__(3374);
;// CONCATENATED MODULE: ./lib/ops/doctor/registered.ts
/**
 * Registered secrets (vault values, named secrets in the environment) and the derived forms
 * doctor looks for in files: the same forms the redaction library covers (PRODUCT.md section 2):
 * the exact value, base64 in all three alignments, base64url, hex, URL-encoded, JSON-escaped,
 * and each line of a multi-line value.
 *
 * The forms come from lib/redaction (`derivedForms`), so doctor finds exactly what the redactor
 * would mask. Docs: docs/doctor.md.
 */


/**
 * Derived forms shorter than this are not searched in files: a 6-character base64 fragment of a
 * secret occurs by chance in large trees (the redactor masks them anyway; doctor would report).
 */
const MIN_FORM_LENGTH = Math.max(redactor/* MIN_SECRET_LENGTH */.vb, 8);
/** The redaction library's forms (one definition of "any derived form"), long enough to report. */
function reportableForms(value) {
    return (0,redactor/* derivedForms */.Hx)(value).filter(([, text]) => text.length >= MIN_FORM_LENGTH);
}
/** A set of registered values with their names, searched in every derived form. */
class RegisteredSecrets {
    values = [];
    names = [];
    seen = new Set();
    add(value, name) {
        if (typeof value !== 'string')
            return;
        const v = value.trim();
        if (v.length < redactor/* MIN_SECRET_LENGTH */.vb || this.seen.has(v))
            return;
        this.seen.add(v);
        this.values.push(v);
        this.names.push(name);
    }
    get size() {
        return this.values.length;
    }
    forms() {
        const out = [];
        this.values.forEach((v, i) => {
            const id = (0,external_node_crypto_.createHash)('sha256').update(v).digest('hex');
            for (const [encoding, text] of reportableForms(v))
                out.push({ text: Buffer.from(text, 'utf8').toString('latin1'), name: this.names[i], encoding, id });
        });
        return out;
    }
}
/** Environment variable names whose values doctor treats as registered secrets. */
const SECRET_ENV_NAME = /(secret|token|passw(or)?d|pwd|credential|private_?key|api_?key|access_?key|dsn|webhook|ssh_key|known_hosts|state_key)/i;
const NOT_A_SECRET_ENV = /^(?:OLD)?PWD$|(_FILE|_PATH|_DIR|_NAME|_URL_NAME|_TYPE|_ID)$|^INPUT_|^GITHUB_(?!TOKEN$)|^RUNNER_|^ACTIONS_(?!RUNTIME_TOKEN$|ID_TOKEN_REQUEST_TOKEN$)|^npm_|^JEST_|^NODE_/;
function isSecretEnvName(name) {
    return SECRET_ENV_NAME.test(name) && !NOT_A_SECRET_ENV.test(name);
}

// EXTERNAL MODULE: ./lib/output/summary.ts
var summary = __webpack_require__(9618);
;// CONCATENATED MODULE: ./lib/ops/doctor/patterns.ts
/**
 * Pattern detection of secrets that were never registered: provider token formats, private key
 * blocks, credentials in connection strings, bearer tokens.
 *
 * This is the thin adapter doctor uses until lib/redaction exports its own pattern definitions
 * (see docs/doctor.md, "Coordination with redaction"): the rule list below is data, so it can be
 * replaced by the redaction library's list without touching the scanner. Rules are written
 * without capturing groups: the scanner joins them into one alternation and tells them apart by
 * group index.
 */


const notExample = (m) => !/EXAMPLE|example/.test(m);
/** Upper and lower case letters, digits, or a repetition: real tokens are random, fixtures often are not. */
function looksRandom(s, min = 3) {
    if (/(.)\1{7,}/.test(s))
        return false;
    if (/(?:0123456789|abcdefghij|ABCDEFGHIJ|1234567890)/.test(s))
        return false;
    if (new Set(s).size < Math.min(min * 3, 10))
        return false;
    return notExample(s) && !/xxxx|XXXX/.test(s);
}
const END = '(?![A-Za-z0-9_])';
const TOKEN_RULES = [
    { kind: 'aws_access_key_id', title: 'AWS access key id', starts: ['AKIA', 'ASIA'], source: `(?:AKIA|ASIA)[A-Z0-9]{16}${END}`, prefix: 'AKIA', severity: 'critical', boundary: true, accept: (m) => notExample(m) && looksRandom(m.slice(4), 2) },
    { kind: 'github_token', title: 'GitHub token', starts: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], source: `gh[pousr]_[A-Za-z0-9]{36}${END}`, prefix: 'gh', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
    { kind: 'github_token', title: 'GitHub fine-grained token', starts: ['github_pat_'], source: `github_pat_[A-Za-z0-9_]{82}${END}`, prefix: 'github_pat_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(11)) },
    { kind: 'gitlab_token', title: 'GitLab token', starts: ['glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-'], source: `gl(?:pat|dt|rt|cbt|ptt|ft)-[A-Za-z0-9_-]{20,128}${END}`, prefix: 'gl', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(6)) },
    { kind: 'slack_token', title: 'Slack token', starts: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'], source: 'xox[abposr]-(?:[0-9]+-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}' + END, prefix: 'xox', severity: 'critical', boundary: true, accept: (m) => m.length >= 24 && looksRandom(m.slice(5)) },
    { kind: 'slack_token', title: 'Slack app token', starts: ['xapp-'], source: `xapp-[0-9]+-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}${END}`, prefix: 'xapp-', severity: 'critical', boundary: true },
    { kind: 'slack_webhook', title: 'Slack incoming webhook URL', starts: ['hooks.slack.com/services/'], source: 'hooks\\.slack\\.com/services/T[A-Za-z0-9]{4,40}/B[A-Za-z0-9]{4,40}/[A-Za-z0-9]{16,40}', prefix: 'hooks.slack.com/services/', severity: 'critical', accept: (m) => looksRandom(m.slice(m.lastIndexOf('/') + 1)) },
    { kind: 'stripe_key', title: 'Stripe secret key', starts: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], source: `[sr]k_(?:live|test)_[A-Za-z0-9]{24,99}${END}`, prefix: 'sk_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(8)) },
    { kind: 'google_api_key', title: 'Google API key', starts: ['AIza'], source: `AIza[0-9A-Za-z_-]{35}${END}`, prefix: 'AIza', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
    { kind: 'openai_key', title: 'OpenAI API key', starts: ['sk-'], source: `sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,80}T3BlbkFJ[A-Za-z0-9_-]{20,80}${END}`, prefix: 'sk-', severity: 'critical', boundary: true },
    { kind: 'anthropic_key', title: 'Anthropic API key', starts: ['sk-ant-'], source: `sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,128}${END}`, prefix: 'sk-ant-', severity: 'critical', boundary: true },
    { kind: 'npm_token', title: 'npm access token', starts: ['npm_'], source: `npm_[A-Za-z0-9]{36}${END}`, prefix: 'npm_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
    { kind: 'pypi_token', title: 'PyPI upload token', starts: ['pypi-'], source: `pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`, prefix: 'pypi-', severity: 'critical', boundary: true },
    { kind: 'sendgrid_key', title: 'SendGrid API key', starts: ['SG.'], source: `SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${END}`, prefix: 'SG.', severity: 'critical', boundary: true },
    { kind: 'shopify_token', title: 'Shopify access token', starts: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], source: `shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${END}`, prefix: 'shp', severity: 'critical', boundary: true },
    { kind: 'grafana_token', title: 'Grafana token', starts: ['glc_', 'glsa_'], source: `(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})${END}`, prefix: 'gl', severity: 'critical', boundary: true },
    { kind: 'groq_key', title: 'Groq API key', starts: ['gsk_'], source: `gsk_[A-Za-z0-9]{52}${END}`, prefix: 'gsk_', severity: 'critical', boundary: true },
    { kind: 'huggingface_token', title: 'Hugging Face token', starts: ['hf_'], source: `hf_[A-Za-z]{34}${END}`, prefix: 'hf_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(3)) },
    { kind: 'linear_key', title: 'Linear API key', starts: ['lin_api_'], source: `lin_api_[A-Za-z0-9_]{32,128}${END}`, prefix: 'lin_api_', severity: 'critical', boundary: true },
    { kind: 'notion_token', title: 'Notion integration token', starts: ['ntn_'], source: `ntn_[0-9]{11}[A-Za-z0-9]{35}${END}`, prefix: 'ntn_', severity: 'critical', boundary: true },
    { kind: 'vault_token', title: 'HashiCorp Vault token', starts: ['hvs.', 'hvb.', 'hvr.'], source: `hv[sbr]\\.[A-Za-z0-9_-]{90,300}${END}`, prefix: 'hv', severity: 'critical', boundary: true },
    { kind: 'vercel_token', title: 'Vercel token', starts: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], source: `v(?:cp|ci|ca|cr|ck)_[A-Za-z0-9]{20,60}${END}`, prefix: 'vc', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
    { kind: 'databricks_token', title: 'Databricks token', starts: ['dapi'], source: `dapi[a-f0-9]{32}(?:-[0-9])?${END}`, prefix: 'dapi', severity: 'critical', boundary: true },
    { kind: 'docker_token', title: 'Docker Hub access token', starts: ['dckr_pat_'], source: `dckr_pat_[A-Za-z0-9_-]{27}${END}`, prefix: 'dckr_pat_', severity: 'critical', boundary: true },
    { kind: 'figma_token', title: 'Figma token', starts: ['figd_'], source: `figd_[A-Za-z0-9_-]{40,200}${END}`, prefix: 'figd_', severity: 'critical', boundary: true },
    { kind: 'cloudflare_token', title: 'Cloudflare token', starts: ['cfk_', 'cfut_', 'cfat_'], source: `(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}${END}`, prefix: 'cf', severity: 'critical', boundary: true },
    { kind: 'tailscale_key', title: 'Tailscale key', starts: ['tskey-'], source: `tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}${END}`, prefix: 'tskey-', severity: 'critical', boundary: true },
    { kind: 'onepassword_token', title: '1Password service account token', starts: ['ops_ey'], source: 'ops_ey[A-Za-z0-9+/=]{100,1280}', prefix: 'ops_', severity: 'critical', boundary: true },
    { kind: 'digitalocean_token', title: 'DigitalOcean token', starts: ['dop_v1_', 'dor_v1_', 'doo_v1_'], source: `do[pro]_v1_[a-f0-9]{64}${END}`, prefix: 'do', severity: 'critical', boundary: true },
    { kind: 'age_secret_key', title: 'age secret key', starts: ['AGE-SECRET-KEY-1'], source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}', prefix: 'AGE-SECRET-KEY-', severity: 'critical', boundary: true },
    { kind: 'azure_storage_key', title: 'Azure storage account key', starts: ['AccountKey='], source: 'AccountKey=[A-Za-z0-9+/]{86}==', prefix: 'AccountKey=', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(11)) },
    // multi-line and structured forms: the scanner verifies them further (see scan.ts)
    { kind: 'private_key', title: 'Private key block', starts: ['-----BEGIN '], source: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----', prefix: '-----BEGIN PRIVATE KEY-----', severity: 'critical' },
    { kind: 'dsn_password', title: 'Password in a connection string', starts: ['://'], source: "://[^\\s:/?#@'\"`<>{}()\\[\\]\\\\]{0,128}:[^\\s/?#@'\"`<>\\\\]{1,256}@[A-Za-z0-9\\[]", prefix: '://', severity: 'critical' },
    { kind: 'bearer_token', title: 'Bearer token', starts: ['Bearer ', 'bearer '], source: '[Bb]earer [A-Za-z0-9._~+/-]{20,}=*', prefix: 'Bearer ', severity: 'high', accept: (m) => looksRandom(m.slice(7)) },
];
const PRIVATE_KEY_RULE = TOKEN_RULES.findIndex((r) => r.kind === 'private_key');
const DSN_RULE = TOKEN_RULES.findIndex((r) => r.kind === 'dsn_password');
/** One alternation of every rule; group i+1 is rule i. */
function combinedTokenRegex(flags = 'g') {
    return new RegExp(TOKEN_RULES.map((r) => `(${r.source})`).join('|'), flags);
}
/**
 * Key names that announce a secret (PRODUCT.md section 2: secret|token|password|passwd|
 * credential|private_key|api_key), matched case-insensitively inside a longer key: the redaction
 * library's definition, whose anchors its matcher finds (detect.ts).
 */
const SECRET_KEYWORD_SOURCE = redactor/* SECRET_KEYWORD_SOURCE */.pj;
/** Last words of a key that name something about a secret rather than the secret itself. */
const NON_SECRET_KEY_SUFFIXES = new Set([
    'name', 'names', 'file', 'files', 'path', 'paths', 'dir', 'directory', 'env', 'var', 'variable', 'header', 'type', 'types', 'length',
    'len', 'min', 'max', 'count', 'ttl', 'expiry', 'expires', 'expiration', 'url', 'uri', 'endpoint', 'id', 'ids', 'ref', 'policy', 'mode',
    'enabled', 'disabled', 'enable', 'required', 'prefix', 'suffix', 'format', 'algorithm', 'alg', 'version', 'field', 'fields', 'label', 'placeholder',
    'hint', 'help', 'description', 'desc', 'regex', 'pattern', 'size', 'limit', 'limits', 'timeout', 'lifetime', 'duration', 'validity', 'usage',
    'hash', 'hashed', 'digest', 'kind', 'index', 'idx', 'position', 'class', 'style', 'color', 'source', 'location', 'provider',
    'store', 'manager', 'ref', 'refs', 'selector', 'param', 'parameter', 'arn', 'sha', 'checksum', 'fingerprint', 'rotation', 'rotated', 'at',
    'created', 'updated', 'exists', 'set', 'missing', 'valid', 'invalid', 'error', 'errors', 'message', 'msg', 'text', 'title', 'reset',
    'endpoint', 'scope', 'scopes', 'audience', 'issuer', 'strength', 'rules', 'rule', 'policy', 'schema', 'input', 'output', 'ui', 'show',
    'visible', 'hidden', 'mask', 'masked', 'command', 'cmd', 'script', 'callback', 'handler', 'function', 'fn', 'method', 'service', 'mount',
    'volume', 'template', 'lookup', 'reader', 'writer', 'loader', 'getter', 'cache', 'count', 'number', 'num', 'bytes', 'bits',
]);
/** Values that stand for a secret without being one. Compared lower-case. */
const PLACEHOLDER_VALUES = new Set([
    'changeme', 'change-me', 'change_me', 'changeit', 'change-it', 'redacted', 'placeholder', 'example', 'dummy', 'fake', 'test', 'testing',
    'todo', 'tbd', 'fixme', 'none', 'null', 'nil', 'undefined', 'true', 'false', 'yes', 'no', 'password', 'passwd', 'secret', 'token',
    'required', 'optional', 'string', 'str', 'env', 'default', 'empty', 'sample', 'notasecret', 'not-a-secret', 'replaceme', 'replace-me',
    'replace_me', 'insert-here', 'secret-value', 'your-secret', 'your-token', 'your-password', 'mysecret', 'my-secret', 'mypassword',
    'pass', 'pwd', 'admin', 'root', 'postgres', 'user', 'username', 'hidden', 'masked', 'unset', 'off', 'on', 'auto', 'bearer', 'basic',
    'same-origin', 'include', 'omit', 'use-credentials', 'conditional', 'anonymous',
    'oauth', 'oauth2', 'jwt', 'apikey', 'api-key', 'api_key', 'secretkey', 'secret-key', 'secret_key', 'private', 'public', 'xxx',
]);
const PLACEHOLDER_WORDS = /example|placeholder|changeme|change[-_]me|redacted|dummy|\bfake|sample|your[-_ ]|replace[-_ ]?me|insert[-_ ]|<[^>]*>|^x+$|^\*+$|^\.+$|^-+$|^_+$|^#+$|^0+$|notreal|not[-_]a[-_]secret|secret[-_]here|token[-_]here|password[-_]here/i;
/**
 * True when a value stands for a secret (reference, template, placeholder) instead of being one:
 * the redaction library's placeholders, plus what a repository scan must also let pass
 * (documentation values, fixtures, filler such as abc123xyz456).
 */
function isPlaceholder(value) {
    const v = value.trim();
    if (v.length < 6 || (0,redactor/* isPlaceholder */.wK)(v))
        return true;
    if (PLACEHOLDER_VALUES.has(v.toLowerCase()))
        return true;
    if (/^[$%]|^\{|^<|^ENC\[|^vault:|^ref\+|^!|^#\{|^@Value|^arn:|^sha\d+[:-]|^md5:|^file:|^env:|^secret:|^secretref:/i.test(v))
        return true;
    if (v.includes('${') || v.includes('{{') || v.includes('%s') || v.includes('%v') || v.includes('%('))
        return true;
    if (PLACEHOLDER_WORDS.test(v))
        return true;
    if (new Set(v).size < 4)
        return true;
    if (/\.\.\.|…/.test(v))
        return true; // sk_live_..., truncated examples
    if (/(.)\1{5,}/.test(v))
        return true; // 000000, ******, aaaaaa
    if (/^[A-Za-z_-]+$/.test(v) && /secret|token|passw|credential|key/i.test(v))
        return true; // SuperSecretToken, wrong-token-xyz
    if (/^(?:abc|def|xyz|123|456|789|000|qwerty|asdf|foo|bar|baz|qux|test|demo|dummy|sample|secret|token|pass|word|key|my|the|[-_.])+$/i.test(v))
        return true; // abc123xyz456, foo-bar-baz
    return false;
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./lib/ops/doctor/tree.ts
/**
 * The repository tree: which files to check (git's view: tracked plus untracked-not-ignored;
 * a directory walk when the root is not a git work tree), private state artifacts by path, and
 * the content scan for plaintext secrets.
 */




/** `git ls-files -z --cached --others --exclude-standard` in `root`, or null when git cannot answer. */
function gitFiles(root, env = process.env) {
    try {
        const out = (0,external_node_child_process_.execFileSync)('git', ['-c', 'core.fsmonitor=false', '-c', 'safe.directory=*', '-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
            encoding: 'latin1',
            maxBuffer: 1 << 30,
            stdio: ['ignore', 'pipe', 'ignore'],
            env: { PATH: env.PATH ?? process.env.PATH, HOME: env.HOME ?? process.env.HOME, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
        });
        const names = out.split('\0').filter(Boolean).map((s) => Buffer.from(s, 'latin1').toString('utf8'));
        return [...new Set(names)];
    }
    catch {
        return null;
    }
}
/** Every regular file below root, skipping `.git` (used when root is not a git work tree). */
function walkFiles(root) {
    const out = [];
    const stack = [''];
    const prefix = root.endsWith('/') || root.endsWith(external_node_path_.sep) ? root : `${root}/`;
    while (stack.length) {
        const rel = stack.pop();
        let entries;
        try {
            entries = (0,external_node_fs_.readdirSync)(rel ? prefix + rel : root, { withFileTypes: true });
        }
        catch {
            continue;
        }
        for (const e of entries) {
            const p = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) {
                if (e.name !== '.git')
                    stack.push(p);
            }
            else
                out.push(p);
        }
    }
    return out.sort();
}
function listFiles(root, env) {
    // git finds its repository by looking for `.git` in root and its parents (GIT_DIR is not passed
    // to it): with none there, it can only fail, so it is not started
    const git = (0,state_root/* findGitWorkTree */.$o)(root) ? gitFiles(root, env) : null;
    if (git)
        return { listing: 'git', files: git };
    return { listing: 'walk', files: walkFiles(root) };
}
const DOTENV_OK = /^\.env\.(?:example|sample|template|dist|defaults|schema|tpl|in|ci\.example)(?:\.[\w-]+)?$|\.example$|\.sample$|\.template$/i;
const ARTIFACT_RULES = [
    { kind: 'state_db', severity: 'critical', what: 'paas state database', test: (_p, b) => /^state\.db(?:-wal|-shm|-journal)?$/.test(b) },
    { kind: 'context_config', severity: 'critical', what: 'context configuration from a state root', test: (p) => /(?:^|\/)contexts\/[a-z0-9][a-z0-9-]{0,62}\/config\.json$/.test(p) },
    { kind: 'events_log', severity: 'critical', what: 'context event log', test: (p) => /(?:^|\/)events\/\d{4}-\d{2}\.jsonl$/.test(p) },
    { kind: 'selected_context', severity: 'high', what: 'state root context selection', test: (_p, b) => b === 'selected-context' },
    { kind: 'vault_file', severity: 'critical', what: 'vault file', test: (_p, b) => /^(?:\.?vault(?:\.env|\.txt)?|.+\.vault(?:\.env)?|paas-vault.*|\.paas-vault.*)$/i.test(b) },
    { kind: 'terraform_state', severity: 'critical', what: 'Terraform state (holds secrets in plaintext)', test: (_p, b) => /\.tfstate(?:\.backup|\.\d+\.backup)?$/.test(b) },
    { kind: 'db_dump', severity: 'critical', what: 'database dump', test: (_p, b) => /\.(?:dump|pgdump|pg_dump|sql\.gz|sql\.bz2|sql\.xz|sql\.zst|bak\.sql)$/i.test(b) || /^(?:dump|backup|db[-_]?dump|pg[-_]?dump)(?:[-_.][\w-]+)?\.sql$/i.test(b) },
    { kind: 'private_key_file', severity: 'critical', what: 'private key file', test: (_p, b) => /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_[\w-]+)?$/.test(b) || /\.(?:p12|pfx|jks|keystore|ppk)$/i.test(b) },
    { kind: 'credentials_file', severity: 'high', what: 'credentials file', test: (_p, b) => /^(?:\.pgpass|\.netrc|_netrc|\.git-credentials|\.my\.cnf|\.s3cfg)$/.test(b) },
    { kind: 'dotenv_file', severity: 'high', what: '.env file', test: (_p, b) => /^\.env(?:\.[\w.-]+)?$/.test(b) && !DOTENV_OK.test(b) },
];
/** Files whose content decides: PEM keys in .pem/.key/.crt files and plain-SQL dumps. */
const CONTENT_ARTIFACT_EXT = /\.(?:pem|key|crt|cer|der|sql)$/i;
function contentArtifact(path, head) {
    if (/\.(?:pem|key|crt|cer|der)$/i.test(path) && /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY/.test(head))
        return { kind: 'private_key_file', severity: 'critical', what: 'private key file' };
    if (/\.sql$/i.test(path) && /^--\s*(?:PostgreSQL database dump|MySQL dump|MariaDB dump)/m.test(head.slice(0, 512)))
        return { kind: 'db_dump', severity: 'critical', what: 'database dump' };
    return null;
}
/**
 * One test that every path some rule above matches passes (a superset, case-insensitive): most
 * files are ruled out by it alone instead of by each rule in turn.
 */
const ARTIFACT_MAYBE = /state\.db|contexts\/|events\/|selected-context|vault|\.tfstate|dump|\.sql|id_|\.(?:p12|pfx|jks|keystore|ppk)$|pgpass|netrc|credentials|\.my\.cnf|\.s3cfg|(?:^|\/)\.env/i;
function artifactByPath(path) {
    if (!ARTIFACT_MAYBE.test(path))
        return null;
    const base = path.slice(path.lastIndexOf('/') + 1);
    for (const r of ARTIFACT_RULES)
        if (r.test(path, base))
            return { file: path, kind: r.kind, severity: r.severity, what: r.what };
    return null;
}
const ReadStatus = { OK: 0, MISSING: 1, SYMLINK: 2, UNREADABLE: 3, OVERSIZED: 4, /** not a regular file: skipped, not counted */ IGNORED: 5 };
const BINARY_PROBE = 8000;
const OPEN_NOFOLLOW = external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NOFOLLOW ?? 0) | (external_node_fs_.constants.O_NONBLOCK ?? 0);
/** Line and column (1-based) of each hit, counting newlines once through the text. */
function locate(text, hits, file) {
    const out = [];
    let line = 1;
    let lineStart = 0;
    let pos = 0;
    for (const h of hits) {
        for (let nl = text.indexOf('\n', pos); nl !== -1 && nl < h.start; nl = text.indexOf('\n', nl + 1)) {
            line++;
            lineStart = nl + 1;
            pos = nl + 1;
        }
        out.push({ ...h, file, line, column: h.start - lineStart + 1 });
    }
    return out;
}
function wholeList(n) {
    let done = false;
    return () => {
        if (done)
            return null;
        done = true;
        return [0, n];
    };
}
/** Reads one file into `buf` (grown as needed): its status and length. */
function readFileInto(abs, maxFileBytes, box) {
    // open without following symlinks (ELOOP), then fstat the descriptor: one path lookup per file
    let fd;
    try {
        fd = (0,external_node_fs_.openSync)(abs, OPEN_NOFOLLOW);
    }
    catch (e) {
        const code = e.code;
        if (code === 'ELOOP' || code === 'EMLINK')
            return { status: ReadStatus.SYMLINK, n: 0 };
        if (code === 'ENOENT' || code === 'ENOTDIR')
            return { status: ReadStatus.MISSING, n: 0 };
        return { status: code === 'EISDIR' ? ReadStatus.IGNORED : ReadStatus.UNREADABLE, n: 0 };
    }
    let n = 0;
    try {
        const st = (0,external_node_fs_.fstatSync)(fd);
        if (!st.isFile())
            return { status: ReadStatus.IGNORED, n: 0 };
        if (st.size > maxFileBytes)
            return { status: ReadStatus.OVERSIZED, n: 0 };
        if (st.size > box.buf.length)
            box.buf = Buffer.allocUnsafeSlow(Math.max(st.size, box.buf.length * 2));
        while (n < st.size) {
            // sequential reads from the start (no position: fewer argument checks per call)
            const r = (0,external_node_fs_.readSync)(fd, box.buf, n, st.size - n, null);
            if (r === 0)
                break;
            n += r;
        }
    }
    catch {
        return { status: ReadStatus.UNREADABLE, n: 0 };
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
    return { status: ReadStatus.OK, n };
}
function scanTree(root, files, opts, claim = wholeList(files.length)) {
    const skipped = { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 };
    const hits = [];
    const artifacts = [];
    let scanned = 0;
    let bytes = 0;
    // not from Node's pool: 4-byte aligned, so the matcher reads the bytes in place
    const box = { buf: Buffer.allocUnsafeSlow(1 << 20) };
    // listed paths are relative and normalized (git, walkFiles): a concatenation, not path.join
    const prefix = root.endsWith('/') || root.endsWith(external_node_path_.sep) ? root : `${root}/`;
    for (let range = claim(); range; range = claim())
        for (let i = range[0]; i < range[1]; i++) {
            const rel = files[i];
            const art = artifactByPath(rel);
            if (art)
                artifacts.push(art);
            if (opts.exclude?.has(rel))
                continue;
            const { status, n } = readFileInto(prefix + rel, opts.maxFileBytes, box);
            if (status !== ReadStatus.OK) {
                if (status === ReadStatus.SYMLINK)
                    skipped.symlink++;
                else if (status === ReadStatus.MISSING)
                    skipped.missing++;
                else if (status === ReadStatus.UNREADABLE)
                    skipped.unreadable++;
                else if (status === ReadStatus.OVERSIZED)
                    skipped.oversized++;
                continue;
            }
            const data = box.buf.subarray(0, n);
            if (n === 0) {
                scanned++;
                continue;
            }
            if (data.subarray(0, Math.min(n, BINARY_PROBE)).indexOf(0) !== -1) {
                skipped.binary++;
                continue;
            }
            scanned++;
            bytes += n;
            // the bytes are scanned as they are; a string is made only for the files that need one
            const found = opts.detector.scanBytes(data, rel);
            if (!art && CONTENT_ARTIFACT_EXT.test(rel)) {
                const c = contentArtifact(rel, data.toString('latin1', 0, Math.min(n, 4096)));
                if (c)
                    artifacts.push({ file: rel, ...c });
            }
            if (found.hits.length)
                hits.push(...locate(found.text, found.hits, rel));
        }
    return { hits, artifacts, files: scanned, bytes, skipped };
}

;// CONCATENATED MODULE: ./lib/ops/doctor/report.ts
/**
 * Renderings of a doctor report: SARIF 2.1.0 (code scanning), GitHub annotations, the job
 * summary and the human text of the CLI. Each holds previews and fingerprints only.
 */




const TOOL_NAME = 'paas-doctor';
const TOOL_VERSION = '0.1.0';
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const CHECK_TITLES = {
    state_root_outside_repo: 'State root outside the repository',
    context_vault_outside_repo: 'Context vaults outside the repository, one per context, mode 0600',
    repo_private_state_artifacts: 'No private state artifacts in the repository',
    repo_plaintext_secret_exposure: 'No plaintext secrets in the repository',
    cross_context_contamination: 'No target, vault or event shared between contexts',
};
const KIND_TITLES = {
    registered_secret: 'A registered secret (vault or environment value) in a file, in some encoding',
    secret_named_key: 'A secret-named key with a plaintext value',
    k8s_secret_value: 'A value in a Kubernetes Secret manifest',
    state_root_inside_repo: 'The state root is inside a repository or the workspace',
    state_root_mode: 'The state root is readable by other users',
    vault_inside_repo: 'A context vault file inside a repository or the workspace',
    vault_file_mode: 'A context vault file readable by other users',
    vault_file_missing: 'A context vault file that does not exist',
    vault_shared: 'Two contexts share a vault file',
    shared_target: 'Two contexts share a target',
    shared_vault: 'Two contexts share a vault',
    shared_vault_value: 'Two contexts share a vault value',
    shared_state_path: 'Two contexts share a state path',
    foreign_event: 'Events recorded under another context',
    shared_event: 'The same event recorded in two contexts',
    foreign_history: 'History rows of another context',
    context_unreadable: 'A context whose configuration cannot be read',
};
for (const r of TOKEN_RULES)
    KIND_TITLES[r.kind] ??= r.title;
for (const r of ARTIFACT_RULES)
    KIND_TITLES[r.kind] ??= `Private state artifact: ${r.what}`;
function kindTitle(kind) {
    return KIND_TITLES[kind] ?? kind.replace(/_/g, ' ');
}
const allFindings = (r) => r.checks.flatMap((c) => c.findings);
const openFindings = (r) => allFindings(r).filter((f) => !f.baselined);
const report_location = (f) => (f.file ? `${f.file}${f.line ? `:${f.line}` : ''}${f.column ? `:${f.column}` : ''}` : '');
function ruleName(kind) {
    return kind.replace(/(^|_)([a-z0-9])/g, (_, _s, c) => c.toUpperCase());
}
const HELP = {
    state_root_outside_repo: 'Move the state root outside any repository: --state-root ~/.paas, or state_root: ${{ runner.temp }}/paas-state in Actions.',
    context_vault_outside_repo: 'Keep each context vault outside the repository, one file per context, chmod 600.',
    repo_private_state_artifacts: 'Remove the file from the repository (git rm --cached), add it to .gitignore, and rotate anything it held.',
    repo_plaintext_secret_exposure: 'Remove the value, rotate the secret, and read it from the vault or a secret instead; accept a false positive with `paas doctor --update-baseline`.',
    cross_context_contamination: 'Give every context its own targets, vault and state; see docs/doctor.md.',
};
function toSarif(report, opts = {}) {
    const findings = allFindings(report);
    const rules = [];
    const ruleIndex = new Map();
    const ruleFor = (f) => {
        const id = `${f.check}/${f.kind}`;
        let i = ruleIndex.get(id);
        if (i === undefined) {
            i = rules.length;
            ruleIndex.set(id, i);
            rules.push({
                id,
                name: ruleName(f.kind),
                shortDescription: { text: kindTitle(f.kind) },
                fullDescription: { text: `${CHECK_TITLES[f.check]}: ${kindTitle(f.kind)}.` },
                help: { text: HELP[f.check] },
                defaultConfiguration: { level: f.severity === 'critical' ? 'error' : 'warning' },
                properties: { tags: ['security', 'secrets', 'paas-doctor'], 'security-severity': f.severity === 'critical' ? '9.0' : '7.0', precision: f.kind === 'secret_named_key' ? 'medium' : 'high' },
            });
        }
        return { id, i };
    };
    const results = [];
    const notifications = [];
    for (const f of findings) {
        const { id, i } = ruleFor(f);
        const message = { text: `${kindTitle(f.kind)}: ${f.preview}` };
        if (!f.file) {
            notifications.push({ level: f.baselined ? 'note' : 'error', message, descriptor: { id }, associatedRule: { id, index: i } });
            continue;
        }
        const result = {
            ruleId: id,
            ruleIndex: i,
            level: f.severity === 'critical' ? 'error' : 'warning',
            message,
            locations: [
                {
                    physicalLocation: {
                        artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' },
                        region: { startLine: f.line ?? 1, ...(f.column ? { startColumn: f.column } : {}) },
                    },
                },
            ],
            partialFingerprints: { 'paasDoctor/v1': f.fingerprint },
        };
        if (f.baselined)
            result.suppressions = [{ kind: 'external', status: 'accepted', justification: 'accepted in the doctor baseline file' }];
        results.push(result);
    }
    const run = {
        tool: { driver: { name: TOOL_NAME, version: TOOL_VERSION, semanticVersion: TOOL_VERSION, rules } },
        automationDetails: { id: 'paas-doctor/' },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        results,
        columnKind: 'unicodeCodePoints',
    };
    if (opts.srcRoot)
        run.originalUriBaseIds = { '%SRCROOT%': { uri: `file://${encodeURI(opts.srcRoot.endsWith('/') ? opts.srcRoot : opts.srcRoot + '/')}` } };
    return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}
// ---------------------------------------------------------------------------------------------
// Annotations, summary, text
/** Workflow commands for the open findings with a file (the runner shows at most 10 errors per step). */
function annotations(report, opts = {}) {
    const max = opts.max ?? 10;
    const open = openFindings(report);
    const out = [];
    for (const f of open.filter((x) => x.file).slice(0, max)) {
        out.push((0,summary/* annotationCommand */.j)({ level: f.severity === 'critical' ? 'error' : 'warning', file: `${opts.prefix ?? ''}${f.file}`, line: f.line, title: `paas doctor: ${f.kind}`, message: `${kindTitle(f.kind)}: ${f.preview} (${f.check})` }));
    }
    const noFile = open.filter((x) => !x.file);
    for (const f of noFile.slice(0, max))
        out.push((0,summary/* annotationCommand */.j)({ level: 'error', title: `paas doctor: ${f.kind}`, message: `${f.check}: ${f.preview}` }));
    const rest = open.length - Math.min(max, open.filter((x) => x.file).length) - Math.min(max, noFile.length);
    if (rest > 0)
        out.push((0,summary/* annotationCommand */.j)({ level: 'notice', title: 'paas doctor', message: `${rest} more finding(s): see the job summary, the SARIF file or \`paas doctor --json\`.` }));
    return out;
}
function summaryMarkdown(report, maxRows = 50) {
    const parts = [];
    parts.push((0,summary/* markdownTable */.Q)(['check', 'result', 'findings', 'detail'], report.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAIL', `${c.findings.filter((f) => !f.baselined).length}${c.findings.some((f) => f.baselined) ? ` (+${c.findings.filter((f) => f.baselined).length} baselined)` : ''}`, c.detail])));
    const open = openFindings(report);
    if (open.length) {
        parts.push('', `#### Findings${open.length > maxRows ? ` (first ${maxRows} of ${open.length})` : ''}`, '');
        parts.push((0,summary/* markdownTable */.Q)(['location', 'check', 'kind', 'severity', 'preview', 'fingerprint'], open.slice(0, maxRows).map((f) => [report_location(f) || '-', f.check, f.kind, f.severity, f.preview, f.fingerprint.slice(0, 12)])));
    }
    const s = report.skipped;
    parts.push('', `${report.files} files checked (${report.listing}), ${Math.round(report.bytes / 1024)} KiB; skipped: ${s.binary} binary, ${s.oversized} oversized, ${s.symlink} symlinks, ${s.unreadable} unreadable, ${s.missing} missing; ${report.registered} registered secret(s) searched in every encoding; ${report.ms} ms.`);
    if (open.length)
        parts.push('', 'Accept a false positive with `paas doctor --update-baseline` (the baseline holds fingerprints only). Details: docs/doctor.md.');
    return parts.join('\n');
}
function humanText(report) {
    const lines = [];
    const failed = report.checks.filter((c) => !c.ok);
    lines.push(`paas doctor: ${failed.length ? `${failed.length} of ${report.checks.length} checks failed` : `all ${report.checks.length} checks passed`} (${report.files} files, ${report.contexts} contexts, state root ${report.state_root})`);
    for (const c of report.checks) {
        lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
        for (const f of c.findings.slice(0, 50))
            lines.push(`         ${report_location(f) || '-'}  ${f.kind}  ${f.preview}${f.baselined ? '  (baselined)' : ''}  [${f.fingerprint.slice(0, 12)}]`);
        if (c.findings.length > 50)
            lines.push(`         ... ${c.findings.length - 50} more (use --json or --sarif-file)`);
    }
    return lines.join('\n');
}


// EXTERNAL MODULE: external "node:sqlite"
var external_node_sqlite_ = __webpack_require__(99);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var isolation_names = __webpack_require__(9869);
// EXTERNAL MODULE: ./lib/isolation/store.ts + 1 modules
var isolation_store = __webpack_require__(1309);
;// CONCATENATED MODULE: ./lib/ops/doctor/state.ts
/**
 * The checks on configured private state: where the state root is, the contexts under it, their
 * vaults, and whether two contexts share a target, a vault or events. They read only; they never
 * create a state root or a context, and they work when none is configured (fork pull requests).
 */









/** The contexts under a state root, read without the guard (doctor must look at unsafe roots too). */
function readStateRoot(root) {
    const real = (0,state_root/* realPathLoose */.Yb)(root);
    const view = { root: real, exists: (0,external_node_fs_.existsSync)(real), contexts: [], unreadable: [] };
    const store = new isolation_store/* ContextStore */.n({ path: real, unsafe: true });
    if (!(0,external_node_fs_.existsSync)(store.contextsDir))
        return view;
    let names;
    try {
        names = (0,external_node_fs_.readdirSync)(store.contextsDir).filter((n) => isolation_names/* CONTEXT_NAME_RE */.g_.test(n)).sort();
    }
    catch {
        return view;
    }
    for (const n of names) {
        if (!(0,external_node_fs_.existsSync)((0,external_node_path_.join)(store.contextsDir, n, 'config.json')))
            continue;
        try {
            view.contexts.push(store.get(n));
        }
        catch {
            view.unreadable.push(n);
        }
    }
    return view;
}
function finding(check, kind, severity, preview, identity, file) {
    const f = { check, kind, severity, preview, fingerprint: fingerprint(check, kind, file ?? '', identity) };
    if (file)
        f.file = file;
    return f;
}
/** state_root_outside_repo: the state root's real path is outside every git work tree, the workspace and the scanned tree. */
function checkStateRoot(view, opts) {
    const out = [];
    let problem = (0,state_root/* stateRootProblem */.Z4)(view.root, opts.workspace);
    if (!problem && opts.scanRoot && (0,state_root/* isInside */.FK)(view.root, (0,state_root/* realPathLoose */.Yb)(opts.scanRoot)))
        problem = `state root ${view.root} is inside the checked tree ${opts.scanRoot}`;
    if (problem) {
        out.push(finding('state_root_outside_repo', 'state_root_inside_repo', 'critical', `${problem}${opts.unsafeOverride ? ' (unsafe override in use)' : ''}`, view.root));
    }
    if (view.exists) {
        try {
            const mode = (0,external_node_fs_.statSync)(view.root).mode & 0o777;
            if (mode & 0o077)
                out.push(finding('state_root_outside_repo', 'state_root_mode', 'high', `state root ${view.root} has mode ${mode.toString(8)}, expected 700`, view.root));
        }
        catch {
            /* vanished meanwhile */
        }
    }
    return out;
}
function sha(s) {
    return (0,external_node_crypto_.createHash)('sha256').update(s).digest('hex');
}
function realOrSelf(p) {
    try {
        return external_node_fs_.realpathSync.native(p);
    }
    catch {
        return (0,state_root/* realPathLoose */.Yb)(p);
    }
}
/** context_vault_outside_repo: every vault file outside repositories and the workspace, a regular file, mode 0600, one per context. */
function checkVaults(view, opts) {
    const out = [];
    const byPath = new Map();
    for (const c of view.contexts) {
        if (!c.vault_file)
            continue;
        let problem = (0,vault/* vaultFileProblem */.Sw)(c.vault_file, opts.workspace);
        const real = realOrSelf(c.vault_file);
        if (!problem && opts.scanRoot && (0,state_root/* isInside */.FK)(real, (0,state_root/* realPathLoose */.Yb)(opts.scanRoot)))
            problem = `vault file ${real} is inside the checked tree`;
        if (problem) {
            const kind = /mode/.test(problem) ? 'vault_file_mode' : /does not exist|not a regular/.test(problem) ? 'vault_file_missing' : 'vault_inside_repo';
            out.push(finding('context_vault_outside_repo', kind, kind === 'vault_file_missing' ? 'high' : 'critical', `context ${c.name}: ${problem}`, `${c.name}:${real}`));
        }
        const other = byPath.get(real);
        if (other)
            out.push(finding('context_vault_outside_repo', 'vault_shared', 'critical', `contexts ${other} and ${c.name} use the same vault file`, `${other}:${c.name}`));
        else
            byPath.set(real, c.name);
    }
    return out;
}
/** Target addresses from a vault's PAAS_TARGETS (`id=user@host:port` or `id=local:<dir>`), by id. */
function parseTargets(value) {
    const out = new Map();
    for (const item of value.split(/[\s,]+/)) {
        const eq = item.indexOf('=');
        if (eq <= 0)
            continue;
        const id = item.slice(0, eq);
        let addr = item.slice(eq + 1).trim();
        if (!addr)
            continue;
        if (addr.startsWith('local:'))
            addr = `local:${(0,state_root/* realPathLoose */.Yb)(addr.slice(6))}`;
        else {
            const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(addr);
            if (m)
                addr = `${(m[2] ?? '').toLowerCase()}:${m[3] ?? '22'}`;
        }
        out.set(id, addr);
    }
    return out;
}
function readVault(file) {
    try {
        const st = (0,external_node_fs_.statSync)(file);
        if (!st.isFile() || st.size > 1_000_000)
            return null;
        return (0,vault/* parseDotenv */.qd)((0,external_node_fs_.readFileSync)(file, 'utf8'), 'vault file');
    }
    catch {
        return null;
    }
}
/** The vault values of each context with a readable vault file (for registration and contamination). */
function contextVaults(view) {
    const out = new Map();
    for (const c of view.contexts) {
        if (!c.vault_file)
            continue;
        const v = readVault(c.vault_file);
        if (v)
            out.set(c.name, v);
    }
    return out;
}
const SHARED_VALUE_KEYS = ['PAAS_SSH_KEY', 'PAAS_STATE_KEY', 'PAAS_WEBHOOK_SECRET', 'POSTGRES_DSN_PROD'];
/** cross_context_contamination: a target, vault, state path or event shared by two contexts. */
function checkContamination(view, vaults) {
    const out = [];
    const check = 'cross_context_contamination';
    for (const n of view.unreadable)
        out.push(finding(check, 'context_unreadable', 'high', `context ${n}: config.json cannot be read, isolation cannot be proven`, n));
    const store = new isolation_store/* ContextStore */.n({ path: view.root, unsafe: true });
    // targets: the same address in two contexts
    const targetOwner = new Map();
    for (const c of view.contexts) {
        const v = vaults.get(c.name);
        const targets = v?.get('PAAS_TARGETS');
        if (!targets)
            continue;
        for (const [id, addr] of parseTargets(targets)) {
            const owner = targetOwner.get(addr);
            if (owner && owner.context !== c.name)
                out.push(finding(check, 'shared_target', 'critical', `target ${owner.id} of ${owner.context} and target ${id} of ${c.name} are the same address`, `${owner.context}:${c.name}:${sha(addr)}`));
            else if (!owner)
                targetOwner.set(addr, { context: c.name, id });
        }
    }
    // vaults: the same file content, or the same value of a paas key
    const contentOwner = new Map();
    const valueOwner = new Map();
    for (const c of view.contexts) {
        const v = vaults.get(c.name);
        if (!v || v.size === 0)
            continue;
        const digest = sha(JSON.stringify([...v].sort()));
        const sameContent = contentOwner.get(digest);
        if (sameContent)
            out.push(finding(check, 'shared_vault', 'critical', `contexts ${sameContent} and ${c.name} have identical vaults`, `${sameContent}:${c.name}`));
        else
            contentOwner.set(digest, c.name);
        for (const key of SHARED_VALUE_KEYS) {
            const value = v.get(key);
            if (!value)
                continue;
            const h = sha(`${key}\0${value}`);
            const owner = valueOwner.get(h);
            if (owner && owner !== c.name && !sameContent)
                out.push(finding(check, 'shared_vault_value', 'critical', `contexts ${owner} and ${c.name} share the value of ${key}`, `${owner}:${c.name}:${key}`));
            else if (!owner)
                valueOwner.set(h, c.name);
        }
    }
    const vaultPathOwner = new Map();
    for (const c of view.contexts) {
        if (!c.vault_file)
            continue;
        const real = realOrSelf(c.vault_file);
        const owner = vaultPathOwner.get(real);
        if (owner)
            out.push(finding(check, 'shared_vault', 'critical', `contexts ${owner} and ${c.name} use the same vault file`, `${owner}:${c.name}:path`));
        else
            vaultPathOwner.set(real, c.name);
    }
    // state paths: events/, state.db, cache/ resolving to the same place (symlinks)
    const pathOwner = new Map();
    for (const c of view.contexts) {
        const p = store.paths(c.name);
        for (const [what, path] of [['events', p.events], ['state.db', p.stateDb], ['cache', p.cache]]) {
            if (!(0,external_node_fs_.existsSync)(path))
                continue;
            const real = realOrSelf(path);
            const owner = pathOwner.get(real);
            if (owner)
                out.push(finding(check, 'shared_state_path', 'critical', `${what} of ${c.name} is the same as that of ${owner}`, `${owner}:${c.name}:${what}`));
            else
                pathOwner.set(real, c.name);
        }
    }
    // events: an event recorded under another context, or the same event in two contexts
    const eventOwner = new Map();
    for (const c of view.contexts) {
        const dir = store.paths(c.name).events;
        let files;
        try {
            files = (0,external_node_fs_.readdirSync)(dir).filter((f) => f.endsWith('.jsonl')).sort();
        }
        catch {
            continue;
        }
        let foreign = 0;
        let shared = 0;
        let sharedWith = '';
        for (const f of files) {
            let text;
            try {
                text = (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(dir, f), 'utf8');
            }
            catch {
                continue;
            }
            for (const line of text.split('\n')) {
                if (!line)
                    continue;
                let ev;
                try {
                    ev = JSON.parse(line);
                }
                catch {
                    continue;
                }
                if (ev.context !== c.name)
                    foreign++;
                if (typeof ev.id === 'string') {
                    const owner = eventOwner.get(ev.id);
                    if (owner && owner !== c.name) {
                        shared++;
                        sharedWith = owner;
                    }
                    else if (!owner)
                        eventOwner.set(ev.id, c.name);
                }
            }
        }
        if (foreign)
            out.push(finding(check, 'foreign_event', 'critical', `events of ${c.name} hold ${foreign} event(s) recorded for another context`, `${c.name}:foreign`));
        if (shared)
            out.push(finding(check, 'shared_event', 'critical', `events of ${c.name} hold ${shared} event(s) also recorded in ${sharedWith}`, `${c.name}:${sharedWith}:shared`));
    }
    // history rows of another context inside a context's state.db
    for (const c of view.contexts) {
        const dbPath = store.paths(c.name).stateDb;
        if (!(0,external_node_fs_.existsSync)(dbPath))
            continue;
        let db = null;
        try {
            db = new external_node_sqlite_.DatabaseSync(dbPath, { readOnly: true });
            const row = db.prepare("SELECT (SELECT count(*) FROM history WHERE context <> ?) + (SELECT count(*) FROM kv WHERE context <> ?) AS n").get(c.name, c.name);
            if (row && row.n > 0)
                out.push(finding(check, 'foreign_history', 'critical', `state.db of ${c.name} holds ${row.n} row(s) of another context`, `${c.name}:history`));
        }
        catch {
            /* an empty or locked database proves nothing either way */
        }
        finally {
            db?.close();
        }
    }
    return out;
}

// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
// EXTERNAL MODULE: ./lib/redaction/matcher.ts + 1 modules
var matcher = __webpack_require__(571);
// EXTERNAL MODULE: ./lib/redaction/patterns.ts
var patterns = __webpack_require__(1725);
;// CONCATENATED MODULE: ./lib/ops/doctor/detect.ts
/**
 * Finds secrets in one file's text: registered values in any derived form, provider token
 * formats, private key blocks, passwords in connection strings, Kubernetes Secret values and
 * secret-named keys with plaintext values. Pure: text in, hits out (no I/O).
 *
 * Text is the file's bytes read as Latin-1, so offsets are byte offsets and the regexes run on
 * one-byte strings (the fast path of V8's regex engine).
 */




const CODE_EXT = new Set(['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'py', 'go', 'java', 'kt', 'kts', 'rb', 'php', 'cs', 'rs', 'swift', 'scala', 'tf', 'hcl', 'tfvars', 'groovy', 'gradle', 'c', 'h', 'cc', 'cpp', 'hpp', 'm', 'dart', 'lua', 'pl', 'ex', 'exs', 'erl', 'clj', 'vue', 'svelte', 'r', 'jl', 'zig', 'nim']);
const ENV_EXT = new Set(['env', 'properties', 'ini', 'cfg', 'conf', 'toml', 'sh', 'bash', 'zsh', 'ksh', 'fish', 'ps1', 'bat', 'cmd', 'npmrc', 'pypirc', 'netrc', 'envrc', 'service', 'tfstate']);
function fileLang(path) {
    const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
    if (base === 'dockerfile' || base.startsWith('dockerfile.') || base.endsWith('.dockerfile') || base === 'containerfile')
        return 'dockerfile';
    if (base.startsWith('.env') || base === '.npmrc' || base === '.pypirc' || base === '.netrc' || base === '_netrc' || base === 'credentials')
        return 'env';
    const dot = base.lastIndexOf('.');
    const ext = dot >= 0 ? base.slice(dot + 1) : '';
    if (ext === 'yml' || ext === 'yaml')
        return 'yaml';
    if (ext === 'json' || ext === 'jsonc' || ext === 'json5' || ext === 'ipynb')
        return 'json';
    if (CODE_EXT.has(ext))
        return 'code';
    if (ENV_EXT.has(ext))
        return 'env';
    return 'text';
}
const YAML_PATH = /\.ya?ml$/i;
const LOCKFILE = /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lock|go\.sum|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|gradle\.lockfile|packages\.lock\.json|flake\.lock|uv\.lock|pdm\.lock)$/;
const STICKY_TOKEN_RE = combinedTokenRegex('y');
const PRIVATE_KEY_HEAD_RE = new RegExp(TOKEN_RULES[PRIVATE_KEY_RULE].source, 'y');
const PRIVATE_KEY_BODY_RE = /^(?:[ \t\r\n]|\\[nr]|["'+,]|[A-Za-z-]+: [^\n\\]*(?:\\n|\r?\n))*([A-Za-z0-9+/=]{40,})/;
const DSN_TAIL_RE = new RegExp(TOKEN_RULES[DSN_RULE].source, 'y');
const KEYWORD_STICKY_RE = new RegExp(SECRET_KEYWORD_SOURCE, 'iy');
const RULE_FAMS = redactor/* Fam */.ll.AWS | redactor/* Fam */.ll.GOOGLE | redactor/* Fam */.ll.AUTH | redactor/* Fam */.ll.SLACK | redactor/* Fam */.ll.GITHUB | redactor/* Fam */.ll.STRIPE | redactor/* Fam */.ll.NPM | redactor/* Fam */.ll.OPENAI | redactor/* Fam */.ll.GITLAB | redactor/* Fam */.ll.SENDGRID;
/** Matcher family of doctor's own anchors (above the redaction library's families). */
const RULE_ANCHOR = 1 << 24;
/** The middle of an OpenAI key ('sk-' + 20 to 80 characters before it): the key is found from there. */
const OPENAI_MIDDLE = 'T3BlbkFJ';
/**
 * Token formats are found through anchors, in the redaction matcher's single pass over the text:
 * its own anchors (`ghp_`, `AKIA`, `xoxb-`, `sk_live_`, `glpat-`, `sk-proj-`, `T3BlbkFJ`...), plus
 * one anchor per literal beginning of the other rules (`gldt-`, `hvs.`, `shpat_`, `hf_`...), given
 * to the matcher here. Beginnings found otherwise: `sk-` (OpenAI, from its own anchors and the
 * middle of the key), `SG.` (a native trigger of the matcher), `://` (from the matcher's `@`
 * trigger, see tokens()) and `-----BEGIN ` (from its PRIVATE KEY anchor).
 */
const STARTS_FOUND_OTHERWISE = new Set(['sk-', 'SG.', '://', '-----BEGIN ']);
const byteClass = (chars) => [...new Set(Array.from(chars, (ch) => (ch.charCodeAt(0) & 255) | 0x20))];
const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ALNUM = LETTERS + DIGITS;
/** [A-Za-z0-9_+/=-], folded: what may follow a rule's literal beginning when nothing narrower is said below */
const TOKEN_CLASS = byteClass(`${ALNUM}_+/=-`);
/**
 * What may follow some beginnings in their rule (patterns.ts), at each of the (up to three) padded
 * positions: fewer indexed words, fewer candidates. (Not xapp-: its digits may end after one.)
 */
const AFTER_CLASS = {
    ...Object.fromEntries(['gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'hvs.', 'hvb.', 'hvr.', 'figd_'].map((st) => [st, byteClass(`${ALNUM}_-`)])),
    ...Object.fromEntries(['shpat_', 'shpca_', 'shppa_', 'shpss_', 'glsa_', 'gsk_', 'vcp_', 'vci_', 'vca_', 'vcr_', 'vck_', 'cfk_', 'cfut_', 'cfat_'].map((st) => [st, byteClass(ALNUM)])),
    glc_: byteClass(`${ALNUM}+/`),
    ntn_: byteClass(DIGITS),
    'tskey-': byteClass('abcdefghijklmnopqrstuvwxyz'),
    dapi: byteClass('0123456789abcdef'),
    hf_: byteClass(LETTERS),
};
/** Longer literals every match of a beginning starts with. */
const ANCHOR_TEXT = { 'pypi-': 'pypi-AgEIcHlwaS5vcmc' };
function ruleAnchors() {
    const covered = (st) => patterns/* ANCHORS */.ZQ.some((a) => (a.fam & RULE_FAMS) !== 0 && (a.ci ? st.toLowerCase().startsWith(a.text.toLowerCase()) : st.startsWith(a.text)));
    const out = [];
    const seen = new Set();
    for (const r of TOKEN_RULES) {
        for (const st of r.starts) {
            if (STARTS_FOUND_OTHERWISE.has(st) || covered(st) || seen.has(st))
                continue;
            seen.add(st);
            // pad to the matcher's window: any characters before, token characters after, split so
            // that the fewest words are indexed (the filter then passes the fewest words of the text)
            const text = ANCHOR_TEXT[st] ?? st;
            const missing = Math.max(0, patterns/* MIN_WINDOW */.OE - text.length);
            let best = null;
            let bestWords = Infinity;
            for (let b = 0; b <= missing; b++) {
                const before = Array.from({ length: b }, () => patterns/* ANY */.x4);
                const after = Array.from({ length: missing - b }, () => AFTER_CLASS[st] ?? TOKEN_CLASS);
                const sizes = [...before.map((c) => c.length), ...Array.from(text, () => 1), ...after.map((c) => c.length)];
                let words = 0;
                for (let o = 0; o < 4 && o + 4 <= sizes.length; o++)
                    words += sizes.slice(o, o + 4).reduce((x, y) => x * y, 1);
                if (words < bestWords) {
                    bestWords = words;
                    best = { text, ci: false, fam: RULE_ANCHOR, before, after };
                }
            }
            if (best)
                out.push(best);
        }
    }
    return out;
}
let RULE_ANCHORS_CACHE = null;
/** Collects what the redaction library's matcher reports, by use. */
class AnchorHits {
    litStart = [];
    litEnd = [];
    keyword = [];
    pem = [];
    rule = [];
    /** `@` after a `://` in the same token (the matcher's DSN trigger) */
    at = [];
    empty() {
        return this.litStart.length + this.keyword.length + this.pem.length + this.rule.length + this.at.length === 0;
    }
    literal(start, end) {
        this.litStart.push(start);
        this.litEnd.push(end);
    }
    trigger(pos, fam) {
        if (fam & redactor/* Fam */.ll.KEY_VALUE)
            this.keyword.push(pos);
        if (fam & redactor/* Fam */.ll.PEM)
            this.pem.push(pos);
        if (fam & (RULE_FAMS | RULE_ANCHOR))
            this.rule.push(pos);
        if (fam & redactor/* Fam */.ll.DSN)
            this.at.push(pos);
    }
}
/** [A-Za-z0-9_.-]: characters of a token run */
const isRunChar = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
/** Publicly documented example credentials (vendor docs, emulators): not findings. */
const KNOWN_EXAMPLE_PARTS = ['Eby8vdM02xNOcqFl' /* Azure storage emulator (Azurite) account key */];
const isKnownExample = (s) => KNOWN_EXAMPLE_PARTS.some((p) => s.includes(p));
/** [A-Za-z0-9] by character code (NaN, past the end: false) */
const isAlnumCode = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLowerCode = (c) => c >= 97 && c <= 122;
const PRIORITY = { registered_secret: 4, k8s_secret_value: 2, secret_named_key: 1 };
const priority = (kind) => PRIORITY[kind] ?? 3;
function maskDsn(scheme) {
    return `${scheme}://***:***@***`;
}
class Detector {
    formsByText;
    /** the redaction library's anchor matcher, with doctor's rule anchors and registered forms added */
    matcher = new matcher/* Matcher */.P({ anchors: (RULE_ANCHORS_CACHE ??= ruleAnchors()) });
    constructor(opts = {}) {
        const forms = [...(opts.registered ?? [])];
        this.formsByText = new Map(forms.map((f) => [f.text, f]));
        for (const f of forms)
            this.matcher.add(f.text);
    }
    /**
     * All hits in one file, deduplicated (overlapping hits keep the most specific), in file order.
     * `latin1`: the file's bytes, when text is their Latin-1 decoding (scanned in place).
     */
    scan(text, path, latin1) {
        const anchors = new AnchorHits();
        this.matcher.scan(text, 0, text.length, anchors, latin1);
        return this.confirm(text, path, anchors);
    }
    /**
     * scan() of a file given as its bytes (its text being their Latin-1 decoding): the text is made
     * only when the matcher reported something or the file is YAML (most files of a tree: neither).
     */
    scanBytes(bytes, path) {
        const anchors = new AnchorHits();
        this.matcher.scanLatin1(bytes, anchors);
        if (anchors.empty() && !YAML_PATH.test(path))
            return { hits: [], text: null };
        const text = bytes.toString('latin1');
        return { hits: this.confirm(text, path, anchors), text };
    }
    /** Confirms what the matcher reported in text. */
    confirm(text, path, anchors) {
        const hits = [];
        for (let k = 0; k < anchors.litStart.length; k++)
            this.registered(text, anchors.litStart[k], anchors.litEnd[k], hits);
        this.tokens(text, hits, anchors);
        const yaml = YAML_PATH.test(path);
        if (!yaml && anchors.keyword.length === 0)
            return dedupe(hits);
        const lang = fileLang(path);
        const owned = [];
        if (yaml && /^kind:\s*["']?Secret["']?\s*$/m.test(text))
            this.k8sSecrets(text, hits, owned);
        if (anchors.keyword.length && !LOCKFILE.test(path))
            this.keywords(text, lang, hits, owned, anchors.keyword.sort((a, b) => a - b));
        return dedupe(hits);
    }
    registered(text, start, end, hits) {
        const f = this.formsByText.get(text.slice(start, end));
        if (!f)
            return;
        hits.push({ kind: 'registered_secret', severity: 'critical', start, end, secret: `registered:${f.id}`, preview: `*** (value of ${f.name}${f.encoding === 'raw' ? '' : `, ${f.encoding} form`})` });
    }
    /**
     * Provider formats: each anchor the matcher reported (see STARTS_FOUND_OTHERWISE) is confirmed
     * by the rules' sticky regex at its position.
     */
    tokens(text, hits, anchors) {
        for (const p of anchors.rule) {
            if (text.startsWith(OPENAI_MIDDLE, p))
                this.openaiFromMiddle(text, p, hits);
            else
                this.tryRulesAt(text, p, hits);
        }
        let lastPem = -1;
        for (const p of anchors.pem) {
            const b = text.lastIndexOf('-----BEGIN', p);
            if (b >= 0 && b > lastPem && p - b < 48) {
                lastPem = b;
                this.privateKey(text, b, hits);
            }
        }
        // connection strings: from each `@` the matcher saw after a `://` of the same token, that `://`
        // (the userinfo holds no `/`, so it is the nearest one)
        let lastScheme = -1;
        for (const q of anchors.at) {
            const i = text.lastIndexOf('://', q);
            if (i > lastScheme && q - i <= 400) {
                lastScheme = i;
                this.dsn(text, i, hits);
            }
        }
    }
    /** An OpenAI key around its middle at `mid`: tries each `sk-` up to 90 token characters before it. */
    openaiFromMiddle(text, mid, hits) {
        let j = mid;
        while (j > 0 && mid - j < 90 && isRunChar(text.charCodeAt(j - 1)))
            j--;
        for (; j < mid; j++)
            if (text.startsWith('sk-', j) && this.tryRulesAt(text, j, hits) >= 0)
                return;
    }
    /** Runs the sticky rule alternation at `at`; records a hit and returns its end, or -1. */
    tryRulesAt(text, at, hits) {
        const re = STICKY_TOKEN_RE;
        re.lastIndex = at;
        const m = re.exec(text);
        if (!m)
            return -1;
        let i = 0;
        while (i < TOKEN_RULES.length && m[i + 1] === undefined)
            i++;
        const rule = TOKEN_RULES[i];
        if (!rule || i === PRIVATE_KEY_RULE || i === DSN_RULE)
            return -1;
        const s = m[0];
        if (rule.boundary && isAlnumCode(text.charCodeAt(at - 1)))
            return -1;
        if (rule.accept && !rule.accept(s))
            return -1;
        if (isKnownExample(s))
            return at + s.length;
        hits.push({ kind: rule.kind, severity: rule.severity, start: at, end: at + s.length, secret: s, preview: `${s.startsWith(rule.prefix) ? rule.prefix : s.slice(0, Math.min(4, rule.prefix.length))}***` });
        return at + s.length;
    }
    privateKey(text, start, hits) {
        const head = PRIVATE_KEY_HEAD_RE;
        head.lastIndex = start;
        const m = head.exec(text);
        if (!m)
            return;
        const s = m[0];
        const body = PRIVATE_KEY_BODY_RE.exec(text.slice(start + s.length, start + s.length + 600));
        if (body?.[1] && looksRandom(body[1])) {
            const label = s.replace(/^-+BEGIN /, '').replace(/-+$/, '');
            hits.push({ kind: 'private_key', severity: 'critical', start, end: start + s.length, secret: body[1].slice(0, 200), preview: `-----BEGIN ${label}----- ***` });
        }
    }
    dsn(text, at, hits) {
        const re = DSN_TAIL_RE;
        re.lastIndex = at;
        const m = re.exec(text);
        if (!m)
            return;
        const s = m[0];
        let b = at;
        while (b > 0 && b > at - 24 && /[A-Za-z0-9+.-]/.test(text[b - 1]))
            b--;
        const scheme = text.slice(b, at);
        if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme))
            return;
        const rest = s.slice(3, -2);
        const colon = rest.indexOf(':');
        const user = rest.slice(0, colon);
        const password = rest.slice(colon + 1);
        if (!password || password === user || isPlaceholder(decodeSafe(password)))
            return;
        const host = /^[A-Za-z0-9.[\]:-]*/.exec(text.slice(at + s.length - 1, at + s.length + 255))?.[0] ?? '';
        if (/(?:^|\.)example\.(?:com|org|net)$|\.example$|\.invalid$|^host$|^hostname$/i.test(host.replace(/:\d+$/, '')))
            return;
        hits.push({ kind: 'dsn_password', severity: 'critical', start: b, end: at + s.length - 1, secret: password, preview: maskDsn(scheme.toLowerCase()) });
    }
    keywords(text, lang, hits, owned, positions) {
        const re = KEYWORD_STICKY_RE;
        let done = -1;
        for (const at of positions) {
            if (at < done)
                continue;
            re.lastIndex = at;
            const m = re.exec(text);
            if (!m)
                continue;
            const kwStart = m.index;
            let kwEnd = kwStart + m[0].length;
            const after = text.charCodeAt(kwEnd);
            // a keyword inside a longer lower-case word (tokenizer, secretary, passwordless) is another word
            if (isLowerCode(after)) {
                if (after === 115 /* s */ && !isLowerCode(text.charCodeAt(kwEnd + 1)))
                    kwEnd++;
                else
                    continue;
            }
            let ks = kwStart;
            while (ks > 0 && kwStart - ks < 80 && isRunChar(text.charCodeAt(ks - 1)))
                ks--;
            let ke = kwEnd;
            while (ke < text.length && ke - kwEnd < 80 && isRunChar(text.charCodeAt(ke)))
                ke++;
            done = ke;
            // cheap rejection first: an assignment must follow the key (", ', ], space, tab, =, :)
            const next = text.charCodeAt(ke);
            if (next !== 61 && next !== 58 && next !== 34 && next !== 39 && next !== 93 && next !== 32 && next !== 9)
                continue;
            if (owned.length && owned.some(([a, b]) => ks >= a && ks < b))
                continue;
            const tail = text.slice(kwEnd, ke).replace(/[._-]+$/, '');
            if (tail.includes('.'))
                continue; // token.indent, secret.level: a property of the object, not the secret
            if (tail) {
                const words = tail.split(/[_.-]+|(?=[A-Z][a-z])/).filter(Boolean);
                const last = words.at(-1)?.toLowerCase();
                if (last && NON_SECRET_KEY_SUFFIXES.has(last))
                    continue;
                if (!(0,redactor/* keyNamesSecret */.Y9)(text.slice(kwStart, ke)))
                    continue;
            }
            const value = readAssignedValue(text, ks, ke, lang);
            if (!value)
                continue;
            if (isPlaceholder(value.text) || notALiteral(value.text, value.quoted))
                continue;
            const key = text.slice(ks, ke).replace(/^[.-]+/, '');
            hits.push({ kind: 'secret_named_key', severity: 'high', start: ks, end: value.end, secret: value.text, preview: `${key}=***` });
        }
    }
    /** Values under data:/stringData: of a Kubernetes Secret; their lines are owned by this pass. */
    k8sSecrets(text, hits, owned) {
        const lines = text.split('\n');
        let offset = 0;
        let blockIndent = -1;
        let decode = false;
        for (const line of lines) {
            const indent = line.length - line.trimStart().length;
            const trimmed = line.trim();
            if (blockIndent >= 0 && trimmed && !trimmed.startsWith('#') && indent <= blockIndent)
                blockIndent = -1;
            const head = /^(\s*)(data|stringData):\s*$/.exec(line);
            if (head) {
                blockIndent = (head[1] ?? '').length;
                decode = head[2] === 'data';
            }
            else if (blockIndent >= 0 && trimmed && !trimmed.startsWith('#')) {
                const kv = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*:\s*(.*)$/.exec(line);
                if (kv) {
                    const raw = (kv[2] ?? '').trim().replace(/^["']|["']$/g, '');
                    owned.push([offset, offset + line.length]);
                    if (raw && !/^[|>]/.test(raw)) {
                        const plain = decode ? decodeBase64(raw) : raw;
                        if (plain !== null && !isPlaceholder(plain) && !isPlaceholder(raw)) {
                            const start = offset + indent;
                            hits.push({ kind: 'k8s_secret_value', severity: 'critical', start, end: offset + line.length, secret: raw, preview: `${kv[1]}: ***` });
                        }
                    }
                }
            }
            offset += line.length + 1;
        }
    }
}
function decodeSafe(s) {
    try {
        return decodeURIComponent(s);
    }
    catch {
        return s;
    }
}
function decodeBase64(s) {
    if (!/^[A-Za-z0-9+/]+=*$/.test(s))
        return null;
    return Buffer.from(s, 'base64').toString('latin1');
}
/** The literal assigned to the key at [ks, ke), or null when the key is not being assigned a value. */
function readAssignedValue(text, ks, ke, lang) {
    let p = ke;
    // closing quote/bracket of the key: "password": / ['password'] =
    for (let n = 0; n < 2 && (text[p] === '"' || text[p] === "'" || text[p] === ']'); n++)
        p++;
    const afterKey = p;
    while (text[p] === ' ' || text[p] === '\t')
        p++;
    const spaced = p > afterKey;
    const c = text[p];
    const c2 = text[p + 1];
    if (c === ':' && c2 === '=')
        p += 2;
    else if (c === '=' && c2 === '>')
        p += 2;
    else if (c === '=' && c2 !== '=')
        p += 1;
    else if (c === ':' && c2 !== ':' && c2 !== '/')
        p += 1;
    else {
        // ENV KEY value / ARG KEY value (Dockerfile), machine host login x password y (.netrc)
        const lineStart = text.lastIndexOf('\n', ks - 1) + 1;
        const prefix = text.slice(lineStart, ks);
        const dockerSpace = lang === 'dockerfile' && /^\s*(?:ENV|ARG)\s+$/.test(prefix) && spaced;
        const netrc = /(?:^|\s)(?:password|passwd)$/.test(text.slice(lineStart, ke)) && lang === 'env' && /(?:^|\s)(?:machine|login)\s/.test(prefix + ' ');
        if (!dockerSpace && !netrc)
            return null;
    }
    while (text[p] === ' ' || text[p] === '\t')
        p++;
    const q = text[p];
    if (q === '"' || q === "'" || q === '`') {
        let e = p + 1;
        while (e < text.length && text[e] !== q && text[e] !== '\n')
            e += text[e] === '\\' ? 2 : 1;
        if (text[e] !== q)
            return null;
        // a fragment of a string built at run time ('S3cr3t-' + 'x'.repeat(20)) is not the secret
        if (/^\s*(?:\+|\.\.|\.concat\(|\.repeat\(|\.join\()/.test(text.slice(e + 1, e + 12)))
            return null;
        return { text: text.slice(p + 1, e), quoted: true, end: e + 1 };
    }
    if (lang === 'code' || lang === 'json')
        return null;
    let e = p;
    while (e < text.length && text[e] !== '\n' && text[e] !== '\r')
        e++;
    let v = text.slice(p, e);
    v = v.replace(/\s+#.*$/, '').trim();
    if (!/\.\.\.$/.test(v))
        v = v.replace(/[`.,;:)]+$/, '');
    if (!v || /\s/.test(v))
        return null;
    return { text: v, quoted: false, end: p + v.length };
}
/** References and expressions rather than literal values. */
function notALiteral(v, quoted) {
    if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v))
        return true; // names a vault key / env var (paas.yml: dsn: POSTGRES_DSN_PROD)
    if (!quoted && /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(.*\))?$/.test(v))
        return true; // secrets.X, process.env.X
    if (!quoted && /[()[\]]/.test(v))
        return true; // function calls, lookups
    if (/^(?:[~^<>=]*\d+(?:\.\d+)*(?:[-+][\w.]+)?|\d+[smhdw]?|0x[0-9a-f]+)$/i.test(v))
        return true; // numbers, versions, durations
    if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(v) || /\.(?:pem|key|json|txt|crt|p12|pfx|env|ya?ml|gpg|asc|age)$/i.test(v))
        return true; // file references
    if (/\s/.test(v))
        return true; // prose
    if (/^[a-z]+(?:_[a-z]+)+$/.test(v) || /^[a-z]+(?:[A-Z][a-z]+)+$/.test(v))
        return true; // identifiers: private_key_id, accessToken
    if (!/[A-Za-z]/.test(v) && !/\d{6,}/.test(v))
        return true;
    return false;
}
function dedupe(hits) {
    if (hits.length < 2)
        return hits;
    const sorted = [...hits].sort((a, b) => priority(b.kind) - priority(a.kind) || a.start - b.start);
    const kept = [];
    for (const h of sorted) {
        if (kept.some((k) => h.start < k.end && k.start < h.end))
            continue;
        kept.push(h);
    }
    return kept.sort((a, b) => a.start - b.start);
}

;// CONCATENATED MODULE: ./lib/ops/doctor/parallel.ts
/**
 * Scanning a large tree on several threads. Each thread (the main one and the workers) claims
 * batches of the file list through a shared atomic counter, reads its files and scans them, so a
 * worker that starts late simply takes fewer batches. Results are merged in file-list order.
 *
 * A worker runs this same module file: in a bundle (dist/<entry>/index.js) that is the bundle
 * itself, and the guard below runs the shard and ends the thread while the bundle's modules are
 * still loading, before the entry's own code. From TypeScript sources (tests), the tree is scanned
 * on the main thread only.
 */





function sharedClaim(counter, n, batch) {
    const cell = new Int32Array(counter);
    return () => {
        const start = Atomics.add(cell, 0, batch);
        return start < n ? [start, Math.min(n, start + batch)] : null;
    };
}
// worker side: runs when this module is loaded by a doctor worker thread
if (!external_node_worker_threads_.isMainThread && external_node_worker_threads_.workerData?.paasDoctorShard === 1) {
    const t = external_node_worker_threads_.workerData;
    const result = scanTree(t.root, t.files, { detector: new Detector({ registered: t.forms }), maxFileBytes: t.maxFileBytes, exclude: new Set(t.exclude) }, sharedClaim(t.counter, t.files.length, t.batch));
    external_node_worker_threads_.parentPort?.postMessage(result);
    process.exit(0);
}
/** Worker threads to add to the main one: PAAS_DOCTOR_WORKERS, else one per spare core (4+ cores) on large trees. */
function workerCount(files, env) {
    if (!import.meta.url.endsWith('.js'))
        return 0; // TypeScript sources: no bundle to start a worker from
    const forced = env.PAAS_DOCTOR_WORKERS;
    if (forced !== undefined && forced !== '')
        return Math.max(0, Math.min(16, Number.parseInt(forced, 10) || 0));
    // a worker costs a second load of the bundle; measured worth it only with cores to spare
    // (on 2 shared vCPUs it slowed a 100 MB scan down: docs/benchmarks.md#doctor)
    const cores = (0,external_node_os_.availableParallelism)();
    if (files < 3000 || cores < 4)
        return 0;
    return Math.min(3, cores - 1);
}
async function scanTreeParallel(root, files, opts) {
    const detector = new Detector({ registered: opts.forms });
    const workers = workerCount(files.length, opts.env);
    if (workers === 0)
        return scanTree(root, files, { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude });
    const batch = 64;
    const counter = new SharedArrayBuffer(4);
    const task = { paasDoctorShard: 1, root, files, maxFileBytes: opts.maxFileBytes, exclude: [...opts.exclude], forms: opts.forms, counter, batch };
    const self = (0,external_node_url_.fileURLToPath)(import.meta.url);
    const pending = Array.from({ length: workers }, () => {
        const w = new external_node_worker_threads_.Worker(self, { workerData: task, stdout: true, stderr: true, env: {} });
        return new Promise((resolve) => {
            let result = null;
            w.on('message', (m) => (result = m));
            w.on('error', () => resolve(null));
            w.on('exit', () => resolve(result));
        });
    });
    const mine = scanTree(root, files, { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude }, sharedClaim(counter, files.length, batch));
    const theirs = await Promise.all(pending);
    if (theirs.some((r) => r === null)) {
        // a worker failed: scan everything here rather than report a partial tree
        return scanTree(root, files, { detector, maxFileBytes: opts.maxFileBytes, exclude: opts.exclude });
    }
    return merge(files, [mine, ...theirs]);
}
function merge(files, parts) {
    const order = new Map(files.map((f, i) => [f, i]));
    const pos = (f) => order.get(f) ?? 0;
    const hits = parts.flatMap((p) => p.hits).sort((a, b) => pos(a.file) - pos(b.file) || a.start - b.start);
    const artifacts = parts.flatMap((p) => p.artifacts).sort((a, b) => pos(a.file) - pos(b.file));
    const skipped = { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 };
    for (const p of parts)
        for (const k of Object.keys(skipped))
            skipped[k] += p.skipped[k];
    return { hits, artifacts, files: parts.reduce((n, p) => n + p.files, 0), bytes: parts.reduce((n, p) => n + p.bytes, 0), skipped };
}

;// CONCATENATED MODULE: ./lib/ops/doctor/index.ts
/**
 * doctor: proves isolation (PRODUCT.md section 8). Five checks, each `{name, ok, detail, findings}`;
 * runs with no context, no vault and no secret (fork pull requests) and still checks the tree.
 * `preflight` is the same function run before deploy, rollback and secret-changing commands.
 */



















const emptyToUndefined = (v) => (v === '' ? undefined : v);
const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
const doctorInputs = schemas/* object */.Ikc({
    /** where to write SARIF 2.1.0 (for github/codeql-action/upload-sarif) */
    sarif_file: schemas/* preprocess */.vkY(emptyToUndefined, inputs/* pathInput */.gm.optional()),
    /** accepted findings, by fingerprint; relative to the checked tree */
    baseline: schemas/* preprocess */.vkY(emptyToUndefined, inputs/* pathInput */.gm.default('.paas/doctor-baseline.json')),
    /** write every current tree finding into the baseline (then the run passes) */
    update_baseline: schemas/* preprocess */.vkY(emptyToUndefined, inputs/* boolInput */.Hm.default(false)),
    /** which findings fail the run: any (pull-request check) or critical (what blocks a deploy) */
    fail_on: schemas/* preprocess */.vkY(emptyToUndefined, schemas/* enum */.k5n(['any', 'critical']).default('any')),
    /** the tree to check (default: GITHUB_WORKSPACE, else the git work tree of the working directory, else the working directory) */
    path: schemas/* preprocess */.vkY(emptyToUndefined, inputs/* pathInput */.gm.optional()),
    /** files larger than this many bytes are skipped (and counted) */
    max_file_size: schemas/* preprocess */.vkY(emptyToUndefined, coerce/* number */.ai().int().min(1024).max(1 << 30).default(DEFAULT_MAX_FILE_BYTES)),
});
function treeRoot(rt, opts) {
    if (opts.path)
        return (0,external_node_path_.resolve)(rt.cwd, opts.path);
    if (rt.workspace)
        return (0,external_node_path_.resolve)(rt.workspace);
    const git = (0,state_root/* findGitWorkTree */.$o)(rt.cwd);
    if (git)
        return git;
    return opts.tree === 'required' ? (0,external_node_path_.resolve)(rt.cwd) : null;
}
/** Vault values and named secrets this run can see: registered with the redactor and searched in files. */
function collectSecrets(rt, common, vaults) {
    const reg = new RegisteredSecrets();
    const add = (value, name) => {
        if (!value)
            return;
        rt.redactor.register(value, name);
        reg.add(value, name);
    };
    for (const [source, text] of [['vault', common.vault], ['PAAS_VAULT', rt.env.PAAS_VAULT]]) {
        if (!text)
            continue;
        try {
            for (const [k, v] of (0,vault/* parseDotenv */.qd)(text, source))
                add(v, k);
        }
        catch {
            rt.logger.warn(`doctor: ${source} is not KEY=value text; its values are not searched`);
        }
    }
    for (const [name, value] of Object.entries(rt.env))
        if (isSecretEnvName(name))
            add(value, name);
    for (const [ctx, values] of vaults)
        for (const [k, v] of values)
            add(v, `${ctx}:${k}`);
    return reg;
}
function posixRel(from, to) {
    return (0,external_node_path_.relative)(from, to).split(external_node_path_.sep).join('/');
}
/** Runs the five checks. Reads only (except the baseline file with update_baseline). */
async function runDoctor(rt, common, opts) {
    const started = performance.now();
    const root = treeRoot(rt, opts);
    const stateRoot = (0,state_root/* stateRootPath */.DP)({ input: common.state_root, env: rt.env, home: rt.env.HOME || (0,external_node_os_.homedir)() });
    const view = readStateRoot(stateRoot);
    const vaults = contextVaults(view);
    const secrets = collectSecrets(rt, common, vaults);
    const findings = {
        state_root_outside_repo: checkStateRoot(view, { workspace: rt.workspace, scanRoot: root, unsafeOverride: common.allow_unsafe_state_root }),
        context_vault_outside_repo: checkVaults(view, { workspace: rt.workspace, scanRoot: root }),
        repo_private_state_artifacts: [],
        repo_plaintext_secret_exposure: [],
        cross_context_contamination: checkContamination(view, vaults),
    };
    const report = {
        ok: true,
        checks: [],
        root,
        listing: 'none',
        files: 0,
        bytes: 0,
        skipped: { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 },
        state_root: view.root,
        contexts: view.contexts.length,
        registered: secrets.size,
        baseline: { path: null, entries: 0, matched: 0, updated: false },
        ms: 0,
    };
    let baselinePath = null;
    if (root) {
        baselinePath = (0,external_node_path_.resolve)(root, opts.baseline);
        const list = listFiles(root, rt.env);
        const exclude = new Set([posixRel(root, baselinePath)]);
        if (opts.sarif_file)
            exclude.add(posixRel(root, (0,external_node_path_.resolve)(rt.cwd, opts.sarif_file)));
        const scan = await scanTreeParallel(root, list.files, { forms: secrets.forms(), maxFileBytes: opts.max_file_size, exclude, env: rt.env });
        report.listing = list.listing;
        report.files = scan.files;
        report.bytes = scan.bytes;
        report.skipped = scan.skipped;
        for (const a of scan.artifacts) {
            findings.repo_private_state_artifacts.push({ check: 'repo_private_state_artifacts', kind: a.kind, severity: a.severity, file: a.file, preview: `${a.what}: ${a.file}`, fingerprint: fingerprint('repo_private_state_artifacts', a.kind, a.file, a.file) });
        }
        for (const h of scan.hits) {
            findings.repo_plaintext_secret_exposure.push({ check: 'repo_plaintext_secret_exposure', kind: h.kind, severity: h.severity, file: h.file, line: h.line, column: h.column, preview: h.preview, fingerprint: fingerprint('repo_plaintext_secret_exposure', h.kind, h.file, h.secret) });
        }
    }
    // baseline: accepted findings by fingerprint
    const treeFindings = [...findings.repo_private_state_artifacts, ...findings.repo_plaintext_secret_exposure];
    if (baselinePath) {
        report.baseline.path = baselinePath;
        if (opts.update_baseline) {
            report.baseline.entries = writeBaseline(baselinePath, treeFindings);
            report.baseline.updated = true;
            for (const f of treeFindings)
                if (baselineable(f))
                    f.baselined = true;
            report.baseline.matched = treeFindings.filter((f) => f.baselined).length;
        }
        else {
            const accepted = readBaseline(baselinePath);
            report.baseline.entries = accepted.size;
            for (const f of treeFindings)
                if (baselineable(f) && accepted.has(f.fingerprint))
                    f.baselined = true;
            report.baseline.matched = treeFindings.filter((f) => f.baselined).length;
        }
    }
    for (const name of CHECK_NAMES) {
        const list = findings[name];
        const failing = list.filter((f) => !f.baselined && (opts.fail_on === 'any' || f.severity === 'critical'));
        report.checks.push({ name, ok: failing.length === 0, detail: detailFor(name, list, failing, report, view.exists, root), findings: list });
    }
    report.ok = report.checks.every((c) => c.ok);
    report.ms = Math.round(performance.now() - started);
    return report;
}
function detailFor(name, all, failing, r, stateRootExists, root) {
    const accepted = all.filter((f) => f.baselined).length;
    const tail = `${accepted ? `, ${accepted} accepted in the baseline` : ''}`;
    const bad = (what) => `${failing.length} ${what}${tail}`;
    switch (name) {
        case 'state_root_outside_repo':
            return failing.length ? failing.map((f) => f.preview).join('; ') : `state root ${r.state_root} is outside every repository and the workspace${stateRootExists ? '' : ' (not created yet)'}`;
        case 'context_vault_outside_repo':
            return failing.length ? bad('vault problem(s)') : r.contexts ? `${r.contexts} context(s); every vault file is outside the repository, private and not shared` : 'no contexts under the state root; vault values come from inputs or the environment only';
        case 'repo_private_state_artifacts':
            if (!root)
                return 'no repository to check';
            return failing.length ? bad('private state file(s) in the tree') : `no private state files among ${r.files} files${tail}`;
        case 'repo_plaintext_secret_exposure': {
            if (!root)
                return 'no repository to check';
            const s = r.skipped;
            const skipped = s.binary + s.oversized + s.symlink + s.unreadable;
            const scope = `${r.files} files scanned${skipped ? ` (${s.binary} binary, ${s.oversized} oversized, ${s.symlink} symlinks, ${s.unreadable} unreadable skipped)` : ''}, ${r.registered} registered secret(s)`;
            return failing.length ? `${bad('plaintext secret(s)')}; ${scope}` : `no plaintext secrets; ${scope}${tail}`;
        }
        case 'cross_context_contamination':
            return failing.length ? bad('shared target(s), vault(s) or event(s)') : r.contexts > 1 ? `${r.contexts} contexts share no target, vault, state or event` : `${r.contexts} context(s): nothing to share`;
    }
}
/** The report as an Outcome: status line, per-check lines, annotations (Actions), JSON envelope, summary. */
function doctorOutcome(rt, report, opts = {}) {
    const open = openFindings(report);
    const failed = report.checks.filter((c) => !c.ok);
    const baselined = allFindings(report).length - open.length;
    const s = report.skipped;
    const extra = [];
    if (rt.inAction || rt.env.GITHUB_ACTIONS === 'true') {
        const prefix = report.root && rt.workspace ? posixRel((0,external_node_path_.resolve)(rt.workspace), report.root) : '';
        extra.push(...annotations(report, { prefix: prefix && !prefix.startsWith('..') ? `${prefix}/` : '' }));
    }
    const checkLines = report.checks.filter((c) => !c.ok).map((c) => ['check', c.name, c.findings.filter((f) => !f.baselined).length]);
    const fields = {
        ok: report.ok,
        checks: report.checks.map((c) => ({ ...c, findings: c.findings.slice(0, 1000), ...(c.findings.length > 1000 ? { truncated: c.findings.length - 1000 } : {}) })),
        findings: open.length,
        baselined,
        failed_checks: failed.map((c) => c.name).join(','),
        root: report.root,
        listing: report.listing,
        files: report.files,
        bytes: report.bytes,
        skipped: report.skipped,
        state_root: report.state_root,
        contexts: report.contexts,
        registered: report.registered,
        baseline: report.baseline,
        ms: report.ms,
    };
    if (opts.sarifFile)
        fields.sarif_file = opts.sarifFile;
    const o = (0,outcome/* outcome */.b)(rt.redactor, {
        command: 'doctor',
        context: opts.context ?? null,
        status: report.ok ? 'ok' : 'fail',
        line: [
            ...(report.ok ? [] : [['reason', 'findings']]),
            ['checks', report.checks.length],
            ...(failed.length ? [['failed', failed.length]] : []),
            ['findings', open.length],
            ...(baselined ? [['baselined', baselined]] : []),
            ['files', report.files],
            ...(s.binary + s.oversized + s.symlink + s.unreadable ? [['skipped', s.binary + s.oversized + s.symlink + s.unreadable]] : []),
        ],
        extraLines: [...extra, ...checkLines.map(([, name, n]) => `doctor_check status=fail check=${name} findings=${n}`)],
        exitCode: report.ok ? exit/* EXIT_OK */.Ij : exit/* EXIT_ERROR */.SI,
        fields,
        summary: summaryMarkdown(report),
        text: humanText(report),
    });
    return o;
}
async function runDoctorOperation(rt, common, settings) {
    const report = await runDoctor(rt, common, { ...settings, tree: 'required' });
    let sarifFile;
    if (settings.sarif_file) {
        sarifFile = (0,external_node_path_.resolve)(rt.cwd, settings.sarif_file);
        (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(sarifFile), { recursive: true });
        (0,external_node_fs_.writeFileSync)(sarifFile, JSON.stringify(rt.redactor.redactDeep(toSarif(report, { srcRoot: report.root })), null, 2) + '\n');
    }
    if (report.baseline.updated)
        rt.logger.info(`doctor: baseline ${report.baseline.path} now accepts ${report.baseline.entries} finding(s)`);
    return doctorOutcome(rt, report, { sarifFile, context: common.context ?? null });
}
const doctor = (0,operation/* defineOperation */.h9)({ name: 'doctor', mutating: false, inputs: doctorInputs, secretInputs: [], run: runDoctorOperation });
/**
 * The preflight of deploy, rollback and secret-changing commands: the same checks, on the
 * workspace or the git work tree of the working directory when there is one. Critical findings
 * not accepted in the baseline raise PAAS_DOCTOR_BLOCKED; the others are logged as warnings.
 * With the explicit unsafe state-root override, a state root inside the repository is logged
 * loudly instead of blocking (doctor itself still fails on it).
 */
async function preflight(rt, common, opts = {}) {
    const settings = doctorInputs.parse({ ...opts, fail_on: 'critical' });
    const report = await runDoctor(rt, common, { ...settings, update_baseline: false, tree: 'auto' });
    const open = openFindings(report);
    const blocking = open.filter((f) => f.severity === 'critical' && !(common.allow_unsafe_state_root && f.kind === 'state_root_inside_repo'));
    for (const f of open.filter((x) => !blocking.includes(x))) {
        rt.logger.warn(`doctor preflight: ${f.check}: ${f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : ''}${f.kind} ${f.preview}`);
    }
    if (blocking.length) {
        const first = blocking.slice(0, 3).map((f) => `${f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : ''}${f.kind}`);
        throw new errors.PaasError('PAAS_DOCTOR_BLOCKED', `doctor found ${blocking.length} critical problem(s): ${first.join('; ')}${blocking.length > 3 ? '; ...' : ''}`, {
            stage: 'doctor',
            remediation: 'Run `paas doctor` for the full report; remove and rotate exposed secrets, move private state out of the repository, or accept a false positive with `paas doctor --update-baseline`.',
        });
    }
    return report;
}


/***/ }),

/***/ 1120:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Fc: () => (/* binding */ notAvailable),
/* harmony export */   h9: () => (/* binding */ defineOperation),
/* harmony export */   xb: () => (/* binding */ OPERATIONS)
/* harmony export */ });
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);

const OPERATIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'];
function defineOperation(def) {
    return def;
}
function notAvailable(op) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_NOT_AVAILABLE', `operation ${op} is not available yet in this version of paas-actions`, {
        stage: 'dispatch',
        remediation: `Remove the ${op} step for now or pin a paas-actions release that ships it; nothing was changed.`,
    });
}


/***/ }),

/***/ 7844:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   R: () => (/* binding */ envelope)
/* harmony export */ });
function envelope(command, context, mode, fields, error) {
    const env = { ok: !error, command, context, mode, fields };
    if (error)
        env.error = error;
    return env;
}


/***/ }),

/***/ 3879:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   K$: () => (/* binding */ toErrorInfo),
/* harmony export */   PaasError: () => (/* binding */ PaasError),
/* harmony export */   Q5: () => (/* binding */ isPaasError),
/* harmony export */   zM: () => (/* binding */ invalidArgument)
/* harmony export */ });
/* unused harmony export ERROR_CODES */
/**
 * Stable error codes (PRODUCT.md section 3) and the one error type that carries them.
 * A PaasError is a user-facing, expected failure: it is printed without a stack trace.
 * Anything else reaching the top level is a bug and is reported as PAAS_INTERNAL.
 */
const ERROR_CODES = (/* unused pure expression or super */ null && ([
    'PAAS_INVALID_ARGUMENT',
    'PAAS_CONTEXT_UNRESOLVED',
    'PAAS_CONTEXT_EXISTS',
    'PAAS_CONTEXT_NOT_FOUND',
    'PAAS_CONTEXT_NOT_EMPTY',
    'PAAS_STATE_ROOT_UNSAFE',
    'PAAS_VAULT_UNMAPPED',
    'PAAS_VAULT_UNSAFE',
    'PAAS_SECRET_IN_IMPORT',
    'PAAS_NOT_AVAILABLE',
    'PAAS_REMOTE_CONNECT_FAILED',
    'PAAS_REMOTE_HOSTKEY_MISMATCH',
    'PAAS_REMOTE_UPLOAD_FAILED',
    'PAAS_REMOTE_APPLY_FAILED',
    'PAAS_HEALTH_CHECK_FAILED',
    'PAAS_LOCK_HELD',
    'PAAS_ROLLBACK_RESOLVE_FAILED',
    'PAAS_ROLLBACK_APPLY_FAILED',
    'PAAS_DOCTOR_BLOCKED',
    'PAAS_MIGRATION_CHECKSUM_MISMATCH',
    'PAAS_MIGRATION_PLAN_INVALID',
    'PAAS_MIGRATION_FAILED',
    'PAAS_DB_CONNECT_FAILED',
    'PAAS_DB_LOCK_TIMEOUT',
    'PAAS_DB_POOLED_CONNECTION',
    'PAAS_DB_NOT_EMPTY',
    'PAAS_MIGRATION_VERIFY_FAILED',
    'PAAS_INTERRUPTED',
    'PAAS_CI_ONLY',
    'PAAS_STATE_CORRUPT',
    'PAAS_STATE_DECRYPT_FAILED',
    'PAAS_STATE_HOLDS_SECRET',
    'PAAS_BACKUP_INVALID',
    'PAAS_BACKUP_CONTEXT_MISMATCH',
    'PAAS_INTERNAL',
]));
class PaasError extends Error {
    code;
    stage;
    target;
    remediation;
    constructor(code, message, opts = {}) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        this.name = 'PaasError';
        this.code = code;
        this.stage = opts.stage ?? 'input';
        this.target = opts.target ?? null;
        this.remediation = opts.remediation ?? '';
    }
    toInfo() {
        return { code: this.code, stage: this.stage, target: this.target, message: this.message, remediation: this.remediation };
    }
}
function isPaasError(e) {
    return e instanceof PaasError;
}
/** Turns anything thrown into ErrorInfo; unknown errors become PAAS_INTERNAL (a bug, not a user mistake). */
function toErrorInfo(e, stage = 'internal') {
    if (isPaasError(e))
        return e.toInfo();
    const message = e instanceof Error ? e.message : String(e);
    return {
        code: 'PAAS_INTERNAL',
        stage,
        target: null,
        message: `unexpected error: ${message}`,
        remediation: 'This is a bug in paas-actions; re-run with PAAS_DEBUG=1 and report the redacted log.',
    };
}
function invalidArgument(message, remediation, stage = 'input') {
    return new PaasError('PAAS_INVALID_ARGUMENT', message, { stage, remediation });
}


/***/ }),

/***/ 4164:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ey: () => (/* binding */ EXIT_UNHEALTHY),
/* harmony export */   Ij: () => (/* binding */ EXIT_OK),
/* harmony export */   SI: () => (/* binding */ EXIT_ERROR)
/* harmony export */ });
/** Exit codes (PRODUCT.md section 3): 0 ok/healthy, 1 error, 2 unhealthy or insufficient data. */
const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_UNHEALTHY = 2;


/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ statusLine)
/* harmony export */ });
/* unused harmony export STATUS_KEYS */
/**
 * One-line status output in logfmt: `<command> key=value ...` with keys in the order given and
 * every key in the allowlist below. Fails closed: if any value looks secret (registered value or
 * pattern), the whole line becomes `<command> status=fail reason=sensitive_value_detected`.
 */
const STATUS_KEYS = new Set([
    'status', 'reason', 'mode', 'context', 'command', 'migrations', 'applied', 'pending', 'missing',
    'checks', 'failed', 'check', 'kind', 'value', 'release', 'release_id', 'previous', 'targets', 'target',
    'strategy', 'batches', 'rolled_back', 'stage', 'code', 'findings', 'files', 'skipped', 'contexts',
    'state_root', 'events', 'ms', 'latency_ms', 'days', 'age_hours', 'count', 'file', 'sqlstate', 'version', 'baselined',
    'cause', 'line',
    // ops_daily / prod_verify / alerts
    'values', 'expected_hours', 'issue', 'slack',
]);
const BARE = /^[A-Za-z0-9_.:,\-/@+%]+$/;
function formatValue(v) {
    if (v === null || v === undefined)
        return '';
    const s = Array.isArray(v) ? v.join(',') : String(v);
    return BARE.test(s) ? s : JSON.stringify(s);
}
function statusLine(command, pairs, redactor) {
    if (!/^[a-z][a-z0-9_]*$/.test(command))
        throw new Error(`invalid status command name: ${command}`);
    const parts = [command];
    for (const [key, value] of pairs) {
        if (!STATUS_KEYS.has(key))
            throw new Error(`status key not allowlisted: ${key}`);
        if (value === undefined)
            continue;
        const formatted = formatValue(value);
        if (redactor.containsSecret(formatted) || redactor.containsSecret(String(value))) {
            return `${command} status=fail reason=sensitive_value_detected`;
        }
        parts.push(`${key}=${formatted}`);
    }
    return parts.join(' ');
}


/***/ }),

/***/ 6674:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   V: () => (/* binding */ failure),
/* harmony export */   b: () => (/* binding */ outcome)
/* harmony export */ });
/* harmony import */ var _envelope_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7844);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _exit_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4164);
/* harmony import */ var _logfmt_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6829);




/** A successful (or unhealthy, exit 2) outcome with its one-line status. */
function outcome(redactor, s) {
    const status = s.status ?? 'ok';
    const line = (0,_logfmt_js__WEBPACK_IMPORTED_MODULE_1__/* .statusLine */ .B)(s.command, [['status', status], ...(s.line ?? [])], redactor);
    const exitCode = s.exitCode ?? _exit_js__WEBPACK_IMPORTED_MODULE_2__/* .EXIT_OK */ .Ij;
    const env = (0,_envelope_js__WEBPACK_IMPORTED_MODULE_3__/* .envelope */ .R)(s.command, s.context, s.mode ?? null, s.fields ?? {});
    env.ok = exitCode === _exit_js__WEBPACK_IMPORTED_MODULE_2__/* .EXIT_OK */ .Ij;
    return { envelope: env, lines: [...(s.extraLines ?? []), line], exitCode, summary: s.summary, text: s.text };
}
/** The outcome of a failure: envelope with `error`, status line `status=fail reason=<code>`, exit 1. */
function failure(redactor, command, context, mode, e, fields = {}) {
    const error = redactor.redactDeep((0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .toErrorInfo */ .K$)(e));
    const line = (0,_logfmt_js__WEBPACK_IMPORTED_MODULE_1__/* .statusLine */ .B)(command, [['status', 'fail'], ['reason', error.code.toLowerCase().replace(/^paas_/, '')], ['stage', error.stage], ['target', error.target ?? undefined]], redactor);
    return { envelope: (0,_envelope_js__WEBPACK_IMPORTED_MODULE_3__/* .envelope */ .R)(command, context, mode, redactor.redactDeep(fields), error), lines: [line], exitCode: _exit_js__WEBPACK_IMPORTED_MODULE_2__/* .EXIT_ERROR */ .SI };
}


/***/ }),

/***/ 9618:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Q: () => (/* binding */ markdownTable),
/* harmony export */   j: () => (/* binding */ annotationCommand)
/* harmony export */ });
/** Markdown helpers for job summaries (inputs must already be redacted). */
function cell(v) {
    return String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function markdownTable(headers, rows) {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const sep = `| ${headers.map(() => '---').join(' | ')} |`;
    return [head, sep, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
/** Workflow command for an annotation (`::error file=..,line=..::msg`), escaped per the runner's rules. */
function annotationCommand(a) {
    const esc = (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const escProp = (s) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
    const props = [];
    if (a.file)
        props.push(`file=${escProp(a.file)}`);
    if (a.line)
        props.push(`line=${a.line}`);
    if (a.title)
        props.push(`title=${escProp(a.title)}`);
    return `::${a.level}${props.length ? ' ' + props.join(',') : ''}::${esc(a.message)}`;
}


/***/ }),

/***/ 4561:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   K0: () => (/* binding */ findDsns),
/* harmony export */   eE: () => (/* binding */ urlTokenEnd),
/* harmony export */   hd: () => (/* binding */ dsnPasswordSpan)
/* harmony export */ });
/**
 * Passwords in connection strings: `scheme://user:PASSWORD@host/...` for any scheme (postgres,
 * postgresql, mysql, redis, amqp, mongodb+srv, https...). Used both to register the parts of a
 * registered DSN (forms.ts) and to detect DSNs that were never registered (patterns.ts).
 */
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
/** Characters that end a URL inside free text. */
const URL_END = /[\s"'`<>]/;
function isDigits(s) {
    return /^[0-9]+$/.test(s);
}
/** End of the URL token that starts before `from` (first whitespace, quote or angle bracket). */
function urlTokenEnd(text, from, limit = text.length) {
    for (let i = from; i < limit; i++)
        if (URL_END.test(text[i]))
            return i;
    return limit;
}
/**
 * The password of the URL whose `://` is at `sep`, as [start, end) in `text`, or null when the
 * URL has no password. `tokenEnd` bounds the URL. The userinfo ends at the last `@` of the
 * authority; a password with a raw `/`, `?` or `#` (not percent-encoded, as people write them)
 * is still found when the text between `:` and the first `/` is not a port number.
 */
function dsnPasswordSpan(text, sep, tokenEnd) {
    if (sep <= 0 || !SCHEME_CHAR.test(text[sep - 1]))
        return null;
    const u = sep + 3;
    let authEnd = tokenEnd;
    for (let i = u; i < tokenEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
            authEnd = i;
            break;
        }
    }
    const colon = text.indexOf(':', u);
    if (colon < 0 || colon >= authEnd)
        return null;
    let at = text.lastIndexOf('@', authEnd - 1);
    if (at < u) {
        // no '@' in the authority: "user:pa/ss@host" or a port followed by a path with an '@'
        at = text.indexOf('@', authEnd);
        if (at < 0 || at >= tokenEnd)
            return null;
        if (isDigits(text.slice(colon + 1, authEnd)))
            return null;
    }
    if (colon > at || colon + 1 >= at)
        return null;
    return [colon + 1, at];
}
/** Every `scheme://user:password@` in text: the URL token span and the password span. */
function findDsns(text, from = 0, to = text.length) {
    const out = [];
    let i = text.indexOf('://', from);
    while (i >= 0 && i < to) {
        const end = urlTokenEnd(text, i + 3, to);
        const pw = dsnPasswordSpan(text, i, end);
        if (pw) {
            let s = i;
            while (s > from && SCHEME_CHAR.test(text[s - 1]))
                s--;
            out.push({ url: [s, end], password: pw });
        }
        i = text.indexOf('://', i + 3);
    }
    return out;
}


/***/ }),

/***/ 571:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  P: () => (/* binding */ Matcher)
});

// UNUSED EXPORTS: MIN_FORM_LENGTH

// EXTERNAL MODULE: ./lib/redaction/patterns.ts
var patterns = __webpack_require__(1725);
;// CONCATENATED MODULE: ./lib/redaction/words.ts
/**
 * A multimap from 32-bit words (four characters, one byte each) to entries, with Bloom filters in
 * front so that a miss costs one memory read. The matcher (matcher.ts) indexes registered forms
 * and pattern anchors in one WordIndex.
 *
 * Filters: blocked Bloom filters with three bits per key inside one 32-bit element, so a probe
 * is one read and bit tests (the third bit, from a second multiplication, is only looked at when
 * the first two are set). `bits` holds every word, the base index's included; `solo` the words
 * of this index's entries without a following word (short forms); `pairs` (word, next word) for
 * its other entries.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/**
 * The word the scanner reads for four characters: the low byte of each UTF-16 code unit packed
 * in memory order, as an Int32Array element over a Latin-1 copy of the text would read it.
 */
function packWord(c0, c1, c2, c3) {
    return LITTLE_ENDIAN
        ? (c0 & 255) | ((c1 & 255) << 8) | ((c2 & 255) << 16) | ((c3 & 255) << 24)
        : (c3 & 255) | ((c2 & 255) << 8) | ((c1 & 255) << 16) | ((c0 & 255) << 24);
}
/** packWord(c0, c1, c2, c3) === c0 << LANE_SHIFT[0] | ... | c3 << LANE_SHIFT[3] for bytes c0..c3. */
const LANE_SHIFT = LITTLE_ENDIAN ? [0, 8, 16, 24] : [24, 16, 8, 0];
/** Case folding: sets bit 0x20 of every byte (A-Z → a-z; a few punctuation pairs merge too). */
const FOLD_MASK = 0x20202020;
/** Multiplier hashing a word for the filters. */
const WORD_HASH = 0x9e3779b1 | 0;
/** Multiplier mixing the next word into a pair hash. */
const PAIR_MIX = 0xc2b2ae35 | 0;
/** Multiplier giving the third bit: bit (Math.imul(h, THIRD_BIT) >>> 27). */
const THIRD_BIT = 0x2c1b3c6d | 0;
const SLOT_HASH = 0x85ebca6b | 0;
const MIN_BITS_LOG = 16;
const MAX_BITS_LOG = 26;
/** Filter bits per entry: three bits set per key, so at most about 9% of the bits are set. */
const BITS_PER_ENTRY = 32;
class WordIndex {
    base;
    bitsOnly;
    bits;
    solo;
    pairs;
    /**
     * A hash h probes element h >>> idxShift, bits (h >>> s1) & 31, (h >>> s2) & 31 and
     * Math.imul(h, THIRD_BIT) >>> 27.
     */
    idxShift = 0;
    s1 = 0;
    s2 = 0;
    bitsLog = MIN_BITS_LOG;
    // open addressing: slot -> word, first entry
    slotWord;
    slotHead;
    slotShift;
    slotsUsed = 0;
    // entries, singly linked per word
    entId;
    entDelta;
    entNext;
    entWord;
    entPair;
    entHasPair;
    entCount = 0;
    /** Filters shared with the base index until this index first needs its own. */
    sharedFilters;
    /**
     * `base`: an index whose words the filters of this one also hold (the matcher's forms index has
     * the shared anchor index as base); its entries stay in the base, read with base.first().
     * `bitsOnly`: only `bits` is kept (solo and pairs stay empty): for an index whose entries are
     * all added with addMany and that is only probed with mayHave() (the matcher's anchor sets),
     * which saves building two filters nothing reads.
     */
    constructor(base = null, bitsOnly = false) {
        this.base = base;
        this.bitsOnly = bitsOnly;
        this.bits = this.solo = this.pairs = new Int32Array(0);
        if (base) {
            // until the first add: the base's filter, and empty ones (allocated on first add)
            this.bits = base.bits;
            this.solo = this.pairs = bitsOnly ? new Int32Array(0) : new Int32Array(base.bits.length);
            this.bitsLog = base.bitsLog;
            this.idxShift = base.idxShift;
            this.s1 = base.s1;
            this.s2 = base.s2;
            this.sharedFilters = true;
        }
        else {
            this.resizeFilters(MIN_BITS_LOG);
            this.sharedFilters = false;
        }
        this.slotShift = 32 - 12;
        this.slotWord = new Int32Array(1 << 12);
        this.slotHead = new Int32Array(1 << 12).fill(-1);
        this.entId = new Int32Array(256);
        this.entDelta = new Int32Array(256);
        this.entNext = new Int32Array(256);
        this.entWord = new Int32Array(256);
        this.entPair = new Int32Array(256);
        this.entHasPair = new Uint8Array(256);
    }
    get entries() {
        return this.entCount;
    }
    /**
     * Indexes `word` for entry (id, delta). `next` is the word that follows it in the indexed
     * string, when there is one: the scanner then checks both words before reading the entries.
     */
    add(word, id, delta, next) {
        if (this.bitsOnly)
            throw new Error('WordIndex: add() on a bits-only index (use addMany)');
        if (this.entCount === this.entId.length)
            this.growEntries(this.entCount + 1);
        const e = this.entCount++;
        this.entId[e] = id;
        this.entDelta[e] = delta;
        this.entWord[e] = word;
        this.entHasPair[e] = next === undefined ? 0 : 1;
        this.entPair[e] = next ?? 0;
        let slot = this.findSlot(word);
        if (this.slotHead[slot] === -1) {
            if ((this.slotsUsed + 1) * 2 > this.slotWord.length) {
                this.rehash(this.slotWord.length * 2);
                slot = this.findSlot(word);
            }
            this.slotWord[slot] = word;
            this.slotsUsed++;
            this.entNext[e] = -1;
        }
        else {
            this.entNext[e] = this.slotHead[slot];
        }
        this.slotHead[slot] = e;
        let total = this.entCount;
        for (let b = this.base; b; b = b.base)
            total += b.entCount;
        if (total * BITS_PER_ENTRY > 1 << this.bitsLog && this.bitsLog < MAX_BITS_LOG) {
            this.resizeFilters(this.bitsLog + 1);
            this.markAll();
        }
        else {
            if (this.sharedFilters) {
                this.bits = this.bits.slice();
                this.solo = new Int32Array(this.bits.length);
                this.pairs = new Int32Array(this.bits.length);
                this.sharedFilters = false;
            }
            this.setBits(e);
        }
    }
    /**
     * Makes room for `n` more entries at once (filters, hash table, entry arrays), so that adding
     * them does not resize and re-mark step by step. Only an optimisation: add() grows as needed.
     */
    reserve(n) {
        let total = this.entCount + n;
        for (let b = this.base; b; b = b.base)
            total += b.entCount;
        if (this.entId.length < this.entCount + n)
            this.growEntries(this.entCount + n);
        let slots = this.slotWord.length;
        while ((this.slotsUsed + n) * 2 > slots)
            slots *= 2;
        if (slots !== this.slotWord.length)
            this.rehash(slots);
        let log = this.bitsLog;
        while (total * BITS_PER_ENTRY > 1 << log && log < MAX_BITS_LOG)
            log++;
        if (log !== this.bitsLog) {
            this.resizeFilters(log);
            this.markAll();
        }
    }
    /**
     * Indexes n entries (words[i], ids[i], deltas[i]) without a following word, in one tight loop
     * after a single reserve(): how the matcher indexes its anchors (tens of thousands of words,
     * built at every start, before the JIT has warmed up).
     */
    addMany(words, ids, deltas, n) {
        this.reserve(n);
        if (this.sharedFilters) {
            this.bits = this.bits.slice();
            if (!this.bitsOnly) {
                this.solo = new Int32Array(this.bits.length);
                this.pairs = new Int32Array(this.bits.length);
            }
            this.sharedFilters = false;
        }
        const { slotWord, slotHead, entId, entDelta, entWord, entHasPair, entNext, bits, idxShift, s1, s2, slotShift } = this;
        // a bits-only index marks `bits` twice instead of `solo` (no branch in the loop)
        const solo = this.bitsOnly ? bits : this.solo;
        const mask = slotWord.length - 1;
        let used = this.slotsUsed;
        let e = this.entCount;
        for (let i = 0; i < n; i++) {
            const word = words[i];
            entId[e] = ids[i];
            entDelta[e] = deltas[i];
            entWord[e] = word;
            entHasPair[e] = 0;
            let slot = Math.imul(word, SLOT_HASH) >>> slotShift;
            while (slotHead[slot] !== -1 && slotWord[slot] !== word)
                slot = (slot + 1) & mask;
            if (slotHead[slot] === -1) {
                slotWord[slot] = word;
                used++;
            }
            entNext[e] = slotHead[slot];
            slotHead[slot] = e;
            const h = Math.imul(word, WORD_HASH);
            const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
            bits[h >>> idxShift] = bits[h >>> idxShift] | m;
            solo[h >>> idxShift] = solo[h >>> idxShift] | m;
            e++;
        }
        this.slotsUsed = used;
        this.entCount = e;
    }
    markAll() {
        // the words of every index below this one (a base may have a base of its own): one tight
        // loop each (this runs at start, before the JIT has warmed up)
        const { bits, idxShift, s1, s2 } = this;
        for (let b = this.base; b; b = b.base) {
            const words = b.entWord;
            for (let i = 0, n = b.entCount; i < n; i++) {
                const h = Math.imul(words[i], WORD_HASH);
                bits[h >>> idxShift] = bits[h >>> idxShift] | (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
            }
        }
        for (let i = 0; i < this.entCount; i++)
            this.setBits(i);
    }
    /** First entry for the word, or -1. Follow entNext for the others. */
    first(word) {
        return this.slotHead[this.findSlot(word)];
    }
    findSlot(word) {
        const mask = this.slotWord.length - 1;
        let slot = Math.imul(word, SLOT_HASH) >>> this.slotShift;
        while (this.slotHead[slot] !== -1 && this.slotWord[slot] !== word)
            slot = (slot + 1) & mask;
        return slot;
    }
    mark(filter, h) {
        const i = h >>> this.idxShift;
        filter[i] = filter[i] | (1 << ((h >>> this.s1) & 31)) | (1 << ((h >>> this.s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
    }
    setBits(e) {
        const word = this.entWord[e];
        const h = Math.imul(word, WORD_HASH);
        this.mark(this.bits, h);
        if (this.bitsOnly)
            return;
        if (this.entHasPair[e] === 0)
            this.mark(this.solo, h);
        else
            this.mark(this.pairs, Math.imul(word ^ Math.imul(this.entPair[e], PAIR_MIX), WORD_HASH));
    }
    /** Whether the word may be in this index's own entries (its filters, not a derived index's). */
    mayHave(h) {
        const m = (1 << ((h >>> this.s1) & 31)) | (1 << ((h >>> this.s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
        return (this.bits[h >>> this.idxShift] & m) === m;
    }
    resizeFilters(log) {
        this.sharedFilters = false;
        this.bitsLog = log;
        this.bits = new Int32Array(1 << (log - 5));
        this.solo = this.bitsOnly ? new Int32Array(0) : new Int32Array(1 << (log - 5));
        this.pairs = this.bitsOnly ? this.solo : new Int32Array(1 << (log - 5));
        this.idxShift = 37 - log;
        this.s1 = 32 - log;
        this.s2 = 27 - log;
    }
    rehash(size) {
        const oldWord = this.slotWord;
        const oldHead = this.slotHead;
        this.slotWord = new Int32Array(size);
        this.slotHead = new Int32Array(size).fill(-1);
        this.slotShift = 32 - Math.log2(size);
        for (let i = 0; i < oldWord.length; i++) {
            if (oldHead[i] === -1)
                continue;
            const slot = this.findSlot(oldWord[i]);
            this.slotWord[slot] = oldWord[i];
            this.slotHead[slot] = oldHead[i];
        }
    }
    /** Grows the entry arrays (by doubling) to hold at least `need` entries, in one allocation each. */
    growEntries(need) {
        let size = this.entId.length * 2;
        while (size < need)
            size *= 2;
        const grow = (a) => {
            const b = new a.constructor(size);
            b.set(a.subarray(0, this.entCount));
            return b;
        };
        this.entId = grow(this.entId);
        this.entDelta = grow(this.entDelta);
        this.entNext = grow(this.entNext);
        this.entWord = grow(this.entWord);
        this.entPair = grow(this.entPair);
        this.entHasPair = grow(this.entHasPair);
    }
}

;// CONCATENATED MODULE: ./lib/redaction/matcher.ts
/**
 * The multi-pattern matcher: finds every occurrence of every registered form, and every pattern
 * anchor, in one pass that does not loop over secrets.
 *
 * Method (a sampled q-gram filter with verification):
 * - The text is copied as Latin-1 (one byte per UTF-16 code unit: its low byte) into a scratch
 *   buffer viewed as an Int32Array, so one read yields a 4-character "word". Only the words at
 *   positions 0, 4, 8... are read: a quarter of the positions, one memory read each. Words are
 *   case-folded (bit 0x20 set in each byte) so that case-insensitive anchors share the index.
 * - Every occurrence of a string of length >= 7 covers one of those words at an offset 0..3 from
 *   its start. So each form is indexed under its first four words (offsets 0, 1, 2, 3); a form of
 *   exactly 6 characters (the minimum) is indexed as the 7-character window "any character +
 *   form" (128 folded variants of its first word). Pattern anchors shorter than 7 characters are
 *   padded the same way with the characters that must surround them (patterns.ts).
 * - A word is checked against a Bloom filter (one read, three bits; well under 0.1% false
 *   positives).
 *   On a hit, when every entry of that word has a following word (forms of 8+ characters), a
 *   second filter of (word, next word) pairs is checked; only then the hash table is read, whose entries say "form
 *   F (or anchor A) starts D characters before this word", and the text is compared with the
 *   form (String.prototype.startsWith).
 *
 * Cost: one memory read, one multiplication and a mask test per 4 characters plus a native
 * Latin-1 copy, whatever the number of registered secrets (the bitsets grow with it, the false
 * positive rate stays the same). See docs/redaction.md and bench/redact.mjs.
 *
 * A caller that holds the text's bytes (a file read into a buffer: doctor) can skip the copy:
 * scan(..., latin1) reads them in place, and scanLatin1() scans bytes without any string, so that
 * one is made only where something was reported. A caller may also add anchors of its own
 * (MatcherOptions.anchors: doctor's token formats), found in the same pass.
 */


/** Minimum registered form length; see MIN_SECRET_LENGTH. */
const MIN_FORM_LENGTH = 6;
const BLOCK = 1 << 16;
// ---------------------------------------------------------------------------------------------
// Anchor entries: the built-in ones are indexed once per process and shared by every matcher
// (whose filters include them); a matcher may add anchors of its own (MatcherOptions.anchors).
function windowClasses(a) {
    const lit = (a.ci ? a.text.toLowerCase() : a.text).split('').map((ch) => [(ch.charCodeAt(0) & 255) | 0x20]);
    return [...a.before, ...lit, ...a.after];
}
/** A list of anchors with their word index: finds which anchors start around a word. */
class AnchorSet {
    anchors;
    index;
    lower;
    /** longest window (see MAX_WINDOW) */
    window;
    constructor(anchors, base) {
        this.anchors = anchors;
        this.index = new WordIndex(base, true);
        this.lower = anchors.map((a) => (a.ci ? a.text.toLowerCase() : a.text));
        // every word of every window position (the product of its four byte classes), then indexed at once
        const windows = anchors.map(windowClasses);
        let total = 0;
        for (const win of windows)
            for (let o = 0; o < 4 && o + 4 <= win.length; o++)
                total += win.slice(o, o + 4).reduce((n, c) => n * c.length, 1);
        const words = new Int32Array(total);
        const ids = new Int32Array(total);
        const deltas = new Int32Array(total);
        let n = 0;
        for (let id = 0; id < windows.length; id++) {
            const win = windows[id];
            const before = anchors[id].before.length;
            for (let o = 0; o < 4 && o + 4 <= win.length; o++) {
                // packWord's linearity (each byte in its own lane): each class's bytes shifted into their
                // lane once, then the words are ORs in indexed loops (this runs cold, at every start)
                const [k0, k1, k2, k3] = win.slice(o, o + 4).map((c, lane) => c.map((b) => (b & 255) << LANE_SHIFT[lane]));
                const delta = o - before;
                const n3 = k3.length;
                for (let i0 = 0; i0 < k0.length; i0++) {
                    const w0 = k0[i0] | FOLD_MASK;
                    for (let i1 = 0; i1 < k1.length; i1++) {
                        const w1 = w0 | k1[i1];
                        for (let i2 = 0; i2 < k2.length; i2++) {
                            const w = w1 | k2[i2];
                            for (let i3 = 0; i3 < n3; i3++) {
                                words[n] = w | k3[i3];
                                ids[n] = id;
                                deltas[n++] = delta;
                            }
                        }
                    }
                }
            }
        }
        this.index.addMany(words, ids, deltas, n);
        this.window = Math.max(4, ...windows.map((w) => w.length));
    }
    /** True when text[pos, pos + anchor length) is the anchor. */
    at(text, pos, id) {
        const lit = this.lower[id];
        if (pos < 0 || pos + lit.length > text.length)
            return false;
        if (!this.anchors[id].ci)
            return text.startsWith(lit, pos);
        for (let i = 0; i < lit.length; i++) {
            let c = text.charCodeAt(pos + i);
            if (c >= 65 && c <= 90)
                c += 32;
            if (c !== lit.charCodeAt(i))
                return false;
        }
        return true;
    }
    /** at() over Latin-1 bytes. */
    atBytes(bytes, pos, id) {
        const lit = this.lower[id];
        if (pos < 0 || pos + lit.length > bytes.length)
            return false;
        const ci = this.anchors[id].ci;
        for (let i = 0; i < lit.length; i++) {
            let c = bytes[pos + i];
            if (ci && c >= 65 && c <= 90)
                c += 32;
            if (c !== lit.charCodeAt(i))
                return false;
        }
        return true;
    }
    /** verify() over Latin-1 bytes. */
    verifyBytes(bytes, p, f, sink) {
        const idx = this.index;
        for (let e = idx.first(f); e !== -1; e = idx.entNext[e]) {
            const id = idx.entId[e];
            const start = p - idx.entDelta[e];
            if (this.atBytes(bytes, start, id))
                sink.trigger(start, this.anchors[id].fam);
        }
    }
    /** Reports the anchors that start around the (folded) word `f` read at `p`. */
    verify(text, p, f, sink) {
        const idx = this.index;
        for (let e = idx.first(f); e !== -1; e = idx.entNext[e]) {
            const id = idx.entId[e];
            const start = p - idx.entDelta[e];
            if (this.at(text, start, id))
                sink.trigger(start, this.anchors[id].fam);
        }
    }
}
const builtin = new AnchorSet(patterns/* ANCHORS */.ZQ, null);
// ---------------------------------------------------------------------------------------------
// Scratch buffer shared by all matchers (single-threaded).
let scratch = Buffer.allocUnsafeSlow(BLOCK + 8);
let scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
/** Indexes of the words that passed the first filter, checked further outside the hot loop. */
let candidates = new Int32Array(scratch.length >> 2);
/** A 32-bit view of a caller's bytes (scan's `latin1`), kept while the caller reuses its buffer. */
let viewOf = null;
let view = new Int32Array(0);
function wordsOf(bytes) {
    if (viewOf === null || bytes.buffer !== viewOf.buffer || bytes.byteOffset !== viewOf.byteOffset || view.length < bytes.length >> 2) {
        view = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
        viewOf = bytes;
    }
    return view;
}
function ensureScratch(chars) {
    if (scratch.length >= chars + 8)
        return;
    scratch = Buffer.allocUnsafeSlow(chars + 8);
    scratchWords = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
    candidates = new Int32Array(scratch.length >> 2);
}
/** Registered forms, indexed by word. Grows as secrets are registered; never rebuilt. */
class Matcher {
    forms = [];
    formIds = new Map();
    /** the caller's own anchors, when it has some */
    extra;
    /** case-folded words of the forms; its filters also hold the anchors (see the file comment) */
    index;
    /** Longest anchor window, built-in or own. */
    window;
    /** Longest registered form. */
    maxFormLength = 0;
    constructor(opts = {}) {
        this.extra = opts.anchors?.length ? new AnchorSet(opts.anchors, builtin.index) : null;
        this.index = new WordIndex(this.extra?.index ?? builtin.index);
        this.window = Math.max(patterns/* MAX_WINDOW */.SD, this.extra?.window ?? 0);
    }
    get size() {
        return this.forms.length;
    }
    /** Adds a form (>= MIN_FORM_LENGTH characters); false if it was known or too short. */
    add(form) {
        if (form.length < MIN_FORM_LENGTH || this.formIds.has(form))
            return false;
        const id = this.forms.length;
        this.forms.push(form);
        this.formIds.set(form, id);
        if (form.length > this.maxFormLength)
            this.maxFormLength = form.length;
        const c = (i) => form.charCodeAt(i);
        const word = (i) => packWord(c(i), c(i + 1), c(i + 2), c(i + 3)) | FOLD_MASK;
        if (form.length >= 7) {
            // with the following word when the form has one: the scanner checks both before verifying
            for (let o = 0; o < 4; o++)
                this.index.add(word(o), id, o, o + 8 <= form.length ? word(o + 4) : undefined);
        }
        else {
            // 6 characters: the window "any character + form" (128 folded values of the first byte)
            for (const b of patterns/* ANY */.x4)
                this.index.add(packWord(b, c(0), c(1), c(2)) | FOLD_MASK, id, -1);
            for (let o = 0; o < 3; o++)
                this.index.add(word(o), id, o);
        }
        return true;
    }
    /**
     * Reports every registered form and every anchor that lies entirely inside text[from, to), and
     * possibly some that extend beyond (callers merge duplicates).
     *
     * `latin1`: the text's bytes when the caller has them, text being their Latin-1 decoding
     * (`buffer.toString('latin1')`: character i is byte i). The whole text is then scanned in place,
     * without copying it. Used only when scanning all of the text from a 4-byte aligned offset.
     */
    scan(text, from, to, sink, latin1) {
        if (to - from >= 4) {
            if (latin1 !== undefined && from === 0 && to === text.length && latin1.length >= to && (latin1.byteOffset & 3) === 0) {
                this.scanWords(text, 0, wordsOf(latin1), to >> 2, sink);
            }
            else {
                const overlap = Math.max(this.maxFormLength, this.window) - 1;
                const block = Math.max(BLOCK, overlap * 4);
                ensureScratch(Math.min(block, to - from));
                for (let s = from;; s += block - overlap) {
                    const e = Math.min(s + block, to);
                    scratch.write(s === 0 && e === text.length ? text : text.slice(s, e), 0, e - s, 'latin1');
                    this.scanWords(text, s, scratchWords, (e - s) >> 2, sink);
                    if (e >= to)
                        break;
                }
            }
        }
        for (const [lit, fam, check] of patterns/* NATIVE_TRIGGERS */.c) {
            for (let i = text.indexOf(lit, from); i >= 0 && i + lit.length <= to; i = text.indexOf(lit, i + 1)) {
                if (check === null || check(text, i))
                    sink.trigger(i, fam);
            }
        }
    }
    /**
     * scan() of a whole text given only as its Latin-1 bytes (positions are byte offsets): nothing
     * is decoded, so a caller can skip making a string of text where nothing is reported. The bytes
     * are read in place when 4-byte aligned (else through the scratch copy, block by block).
     */
    scanLatin1(bytes, sink) {
        const n = bytes.length;
        if (n >= 4) {
            if ((bytes.byteOffset & 3) === 0)
                this.scanWordsBytes(bytes, 0, wordsOf(bytes), n >> 2, sink);
            else {
                const overlap = Math.max(this.maxFormLength, this.window) - 1;
                const block = Math.max(BLOCK, overlap * 4);
                ensureScratch(Math.min(block, n));
                for (let s = 0;; s += block - overlap) {
                    const e = Math.min(s + block, n);
                    scratch.set(bytes.subarray(s, e), 0);
                    this.scanWordsBytes(bytes, s, scratchWords, (e - s) >> 2, sink);
                    if (e >= n)
                        break;
                }
            }
        }
        const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, n);
        for (const [lit, fam, check] of patterns/* NATIVE_TRIGGERS_BYTES */.Kr) {
            // one byte: a numeric search (memchr), cheaper per call than a string needle
            const needle = lit.length === 1 ? lit.charCodeAt(0) : lit;
            for (let i = buf.indexOf(needle, 0, 'latin1'); i >= 0 && i + lit.length <= n; i = buf.indexOf(needle, i + 1, 'latin1')) {
                if (check === null || check(bytes, i))
                    sink.trigger(i, fam);
            }
        }
    }
    /**
     * The hot loop: the index's filter over `nw` words, the indexes of the words that pass stored in
     * `candidates` (returns how many). Kept minimal (one filter, no calls) so that the JIT compiles
     * it once and well; the few words that pass are looked at again by the caller.
     */
    filter(words, nw) {
        if (candidates.length < nw)
            candidates = new Int32Array(nw);
        const cand = candidates;
        const bits = this.index.bits;
        const is = this.index.idxShift;
        const s1 = this.index.s1;
        const s2 = this.index.s2;
        let nc = 0;
        for (let j = 0; j < nw; j++) {
            const h = Math.imul(words[j] | FOLD_MASK, WORD_HASH);
            const b = bits[h >>> is];
            if ((b & (1 << ((h >>> s1) & 31))) === 0)
                continue;
            if ((b & (1 << ((h >>> s2) & 31))) === 0)
                continue;
            if ((b & (1 << (Math.imul(h, THIRD_BIT) >>> 27))) === 0)
                continue;
            cand[nc++] = j;
        }
        return nc;
    }
    /** scanWords() of bytes: the same filter, candidates verified against the bytes. */
    scanWordsBytes(bytes, s, words, nw, sink) {
        const nc = this.filter(words, nw);
        if (nc === 0)
            return;
        const cand = candidates;
        const { solo, pairs, idxShift: is, s1, s2 } = this.index;
        const extra = this.extra;
        const noForms = this.forms.length === 0;
        for (let k = 0; k < nc; k++) {
            const j = cand[k];
            const f = words[j] | FOLD_MASK;
            const h = Math.imul(f, WORD_HASH);
            const p = s + (j << 2);
            if (builtin.index.mayHave(h))
                builtin.verifyBytes(bytes, p, f, sink);
            if (extra !== null && extra.index.mayHave(h))
                extra.verifyBytes(bytes, p, f, sink);
            if (noForms)
                continue;
            const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
            if ((solo[h >>> is] & m) !== m && j + 1 < nw) {
                const q = Math.imul(f ^ Math.imul(words[j + 1] | FOLD_MASK, PAIR_MIX), WORD_HASH);
                const qm = (1 << ((q >>> s1) & 31)) | (1 << ((q >>> s2) & 31)) | (1 << (Math.imul(q, THIRD_BIT) >>> 27));
                if ((pairs[q >>> is] & qm) !== qm)
                    continue;
            }
            const idx = this.index;
            for (let e = idx.first(f); e !== -1; e = idx.entNext[e]) {
                const form = this.forms[idx.entId[e]];
                const start = p - idx.entDelta[e];
                if (start < 0 || start + form.length > bytes.length)
                    continue;
                let i = 0;
                while (i < form.length && form.charCodeAt(i) === bytes[start + i])
                    i++;
                if (i === form.length)
                    sink.literal(start, start + form.length);
            }
        }
    }
    /** Scans the `nw` words of text from offset s (words[j] holds text[s + 4j, s + 4j + 4)). */
    scanWords(text, s, words, nw, sink) {
        const nc = this.filter(words, nw);
        if (nc > 0)
            this.checkCandidates(text, s, words, nw, nc, sink);
    }
    /**
     * Second filters: the anchors' own filter; for forms, the short-form filter or the pair (this
     * word, next word). Then verification.
     */
    checkCandidates(text, s, words, nw, nc, sink) {
        const { solo, pairs, idxShift: is, s1, s2 } = this.index;
        const extra = this.extra;
        const noForms = this.forms.length === 0;
        for (let k = 0; k < nc; k++) {
            const j = candidates[k];
            const f = words[j] | FOLD_MASK;
            const h = Math.imul(f, WORD_HASH);
            const p = s + (j << 2);
            if (builtin.index.mayHave(h))
                builtin.verify(text, p, f, sink);
            if (extra !== null && extra.index.mayHave(h))
                extra.verify(text, p, f, sink);
            if (noForms)
                continue;
            const m = (1 << ((h >>> s1) & 31)) | (1 << ((h >>> s2) & 31)) | (1 << (Math.imul(h, THIRD_BIT) >>> 27));
            if ((solo[h >>> is] & m) !== m) {
                if (j + 1 < nw) {
                    const q = Math.imul(f ^ Math.imul(words[j + 1] | FOLD_MASK, PAIR_MIX), WORD_HASH);
                    const qm = (1 << ((q >>> s1) & 31)) | (1 << ((q >>> s2) & 31)) | (1 << (Math.imul(q, THIRD_BIT) >>> 27));
                    if ((pairs[q >>> is] & qm) !== qm)
                        continue;
                }
            }
            this.verifyForms(text, p, f, sink);
        }
    }
    verifyForms(text, p, f, sink) {
        const idx = this.index;
        for (let e = idx.first(f); e !== -1; e = idx.entNext[e]) {
            const form = this.forms[idx.entId[e]];
            const start = p - idx.entDelta[e];
            if (start >= 0 && start + form.length <= text.length && text.startsWith(form, start))
                sink.literal(start, start + form.length);
        }
    }
}


/***/ }),

/***/ 1725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Kr: () => (/* binding */ NATIVE_TRIGGERS_BYTES),
/* harmony export */   OE: () => (/* binding */ MIN_WINDOW),
/* harmony export */   SD: () => (/* binding */ MAX_WINDOW),
/* harmony export */   XF: () => (/* binding */ REDACTED),
/* harmony export */   Y9: () => (/* binding */ keyNamesSecret),
/* harmony export */   ZQ: () => (/* binding */ ANCHORS),
/* harmony export */   _A: () => (/* binding */ detectLine),
/* harmony export */   c: () => (/* binding */ NATIVE_TRIGGERS),
/* harmony export */   ll: () => (/* binding */ Fam),
/* harmony export */   pj: () => (/* binding */ SECRET_KEYWORD_SOURCE),
/* harmony export */   wK: () => (/* binding */ isPlaceholder),
/* harmony export */   x4: () => (/* binding */ ANY)
/* harmony export */ });
/* unused harmony exports ALNUM, B64URL, TOKEN_RULES */
/* harmony import */ var _dsn_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4561);
/**
 * Pattern detection for secrets that were never registered. Patterns are line based (none
 * crosses a line break, `\n` or `\r`), except private key blocks, which a small state machine
 * follows from their BEGIN line to their END line.
 *
 * Running a dozen regexes over every line would cost more than the whole rest of the redactor, so
 * each pattern family names *anchors*: literal strings that every match contains (`ghp_`,
 * `PRIVATE KEY`, `password`...). The scanner (matcher.ts) finds anchors in the same pass that
 * finds registered secrets, and only lines holding an anchor are given to the family's detector
 * below. Two families are anchored on one character found with a native indexOf instead: `@`
 * (connection strings) and `SG.` (SendGrid, whose only fixed part is too short for the scanner).
 */

/** What redacted text is replaced with. */
const REDACTED = '***';
/** Pattern families: one bit each. */
const Fam = {
    PEM: 1 << 0,
    KEY_VALUE: 1 << 1,
    AUTH: 1 << 2,
    DSN: 1 << 3,
    GITHUB: 1 << 4,
    AWS: 1 << 5,
    SLACK: 1 << 6,
    STRIPE: 1 << 7,
    GOOGLE: 1 << 8,
    NPM: 1 << 9,
    OPENAI: 1 << 10,
    GITLAB: 1 << 11,
    SENDGRID: 1 << 12,
    JWT: 1 << 13,
};
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const fold = (c) => (c & 255) | 0x20;
const foldSet = (codes) => [...new Set(codes.map(fold))].sort((a, b) => a - b);
/** Any character at all (after folding, 128 byte values). */
const ANY = foldSet(range(0, 255));
/** [A-Za-z0-9] */
const ALNUM = foldSet([...range(48, 57), ...range(65, 90), ...range(97, 122)]);
/** [A-Za-z0-9_-] */
const B64URL = foldSet([...ALNUM, 45, 95]);
/** Window length the scanner needs to see an anchor wherever it falls on its 4-character grid. */
const MIN_WINDOW = 7;
function anchor(text, fam, ci, after = ANY, before = null) {
    const missing = Math.max(0, MIN_WINDOW - text.length);
    const b = before ?? (missing > 0 ? [ANY] : []);
    const a = [];
    for (let i = b.length + a.length; i < missing; i++)
        a.push(after);
    return { text, ci, fam, before: b, after: a };
}
/** Key names that announce a secret (PRODUCT.md section 2), matched case-insensitively inside a key. */
const SECRET_KEYWORD_SOURCE = 'secret|token|passw(?:or)?d|passphrase|credential|(?:private|api|access|signing|encryption)[_.-]?key';
const KEYWORD_ANCHORS = [
    'secret', 'token', 'password', 'passwd', 'passphrase', 'credential',
    ...['private', 'api', 'access', 'signing', 'encryption'].flatMap((p) => ['_', '-', '.', ''].map((s) => `${p}${s}key`)),
];
const ANCHORS = [
    anchor('PRIVATE KEY', Fam.PEM, false),
    // 6-character keywords padded after rather than before: "/api" and " pas" (passed) are common
    ...KEYWORD_ANCHORS.map((k) => anchor(k, Fam.KEY_VALUE, true, ANY, k === 'apikey' || k === 'passwd' ? [] : null)),
    anchor('bearer', Fam.AUTH, true),
    anchor('authorization', Fam.AUTH, true),
    ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((k) => anchor(k, Fam.GITHUB, false, ALNUM)),
    anchor('github_pat_', Fam.GITHUB, false),
    anchor('AKIA', Fam.AWS, false, ALNUM),
    anchor('ASIA', Fam.AWS, false, ALNUM),
    ...'abposr'.split('').map((c) => anchor(`xox${c}-`, Fam.SLACK, false, ALNUM)),
    anchor('hooks.slack.com', Fam.SLACK, true),
    ...['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'].map((k) => anchor(k, Fam.STRIPE, false)),
    anchor('AIza', Fam.GOOGLE, false, B64URL),
    anchor('npm_', Fam.NPM, false, ALNUM),
    ...['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-ant-', 'T3BlbkFJ'].map((k) => anchor(k, Fam.OPENAI, false)),
    anchor('glpat-', Fam.GITLAB, false),
    // a JWT's payload starts with ".eyJ" ('{"' in base64url) after a base64url header
    anchor('.eyJ', Fam.JWT, false, B64URL, [B64URL, B64URL]),
];
/**
 * True when the `@` at `at` may end the userinfo of a URL: a `://` precedes it within the same
 * token (no space, quote or angle bracket between). Drops e-mail addresses cheaply.
 */
function afterScheme(text, at) {
    for (let i = at - 1, stop = Math.max(2, at - 4096); i >= stop; i--) {
        const c = text.charCodeAt(i);
        if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62)
            return false;
        if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58)
            return true;
    }
    return at > 4096;
}
/**
 * Families found by a native indexOf of a short literal instead of an anchor, with an optional
 * cheap check of each occurrence.
 */
const NATIVE_TRIGGERS = [
    ['@', Fam.DSN, afterScheme],
    ['SG.', Fam.SENDGRID, null],
];
/** afterScheme() over Latin-1 bytes (the text being their decoding). */
function afterSchemeBytes(bytes, at) {
    for (let i = at - 1, stop = Math.max(2, at - 4096); i >= stop; i--) {
        const c = bytes[i];
        if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62)
            return false;
        if (c === 47 && bytes[i - 1] === 47 && bytes[i - 2] === 58)
            return true;
    }
    return at > 4096;
}
/** NATIVE_TRIGGERS for a scan of Latin-1 bytes (Matcher.scanLatin1): the same literals and checks. */
const NATIVE_TRIGGERS_BYTES = [
    ['@', Fam.DSN, afterSchemeBytes],
    ['SG.', Fam.SENDGRID, null],
];
/** Longest anchor window: how far before new text a rescan must start to see every anchor. */
const MAX_WINDOW = Math.max(...ANCHORS.map((a) => a.before.length + a.text.length + a.after.length), 4);
// ---------------------------------------------------------------------------------------------
// Placeholders and key names
const PLACEHOLDER_WORDS = new Set([
    'changeme', 'change-me', 'change_me', 'changeit', 'redacted', 'placeholder', 'example', 'dummy', 'fake', 'null', 'nil', 'none',
    'undefined', 'true', 'false', 'yes', 'no', 'on', 'off', 'todo', 'tbd', 'fixme', 'empty', 'hidden', 'masked', 'unset', 'required',
    'optional', 'string', 'secret', 'password', 'passwd', 'token', 'n/a', 'na', 'bearer', 'basic', 'value', 'replaceme', 'replace-me',
    'replace_me', 'notasecret', 'not-a-secret', 'sample', 'default',
]);
/**
 * True when a value stands for a secret instead of being one: empty or holding the mask, a reference (`${VAR}`,
 * `$VAR`, `$(cmd)`, `{{ x }}`, `%(x)s`, `%VAR%`, `<...>`, `[...]`), a masked value (`***`,
 * `xxxx`, `....`) or a placeholder word (`changeme`, `redacted`, `null`...).
 */
function isPlaceholder(value) {
    const v = value.trim();
    // empty, or already redacted (also keeps redact() idempotent when a mask touches a value)
    if (v === '' || v.includes(REDACTED))
        return true;
    if (/^(?:\*+|x+|X+|\.+|-+|#+|•+|…)$/.test(v))
        return true;
    if (/^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_][A-Za-z0-9_]*$|^\{\{.*\}\}$|^\$\{\{.*\}\}$|^%\([^)]*\)[sdr]?$|^%[A-Za-z_][A-Za-z0-9_]*%$|^<[^<>]*>$|^\[[^[\]]*\]$/s.test(v))
        return true;
    if (/^(?:process\.env\.|os\.environ|ENV\[|env\.|secrets\.)/.test(v))
        return true;
    if (/^(?:your|my)[-_ ]/i.test(v))
        return true;
    return PLACEHOLDER_WORDS.has(v.toLowerCase());
}
/** Last words of a key that name something about a secret rather than the secret itself. */
const NON_SECRET_KEY_WORDS = new Set([
    'name', 'names', 'file', 'files', 'path', 'paths', 'dir', 'directory', 'env', 'var', 'variable', 'header', 'type', 'types', 'length',
    'len', 'min', 'max', 'count', 'ttl', 'expiry', 'expires', 'expiration', 'in', 'url', 'uri', 'endpoint', 'ref', 'refs', 'policy', 'mode',
    'enabled', 'disabled', 'enable', 'required', 'prefix', 'suffix', 'format', 'algorithm', 'alg', 'version', 'field', 'fields', 'label',
    'placeholder', 'hint', 'help', 'description', 'desc', 'regex', 'pattern', 'size', 'limit', 'timeout', 'lifetime', 'duration',
    'validity', 'usage', 'kind', 'index', 'idx', 'position', 'source', 'location', 'provider', 'store', 'manager', 'selector', 'param',
    'arn', 'rotation', 'rotated', 'at', 'created', 'updated', 'exists', 'set', 'missing', 'valid', 'invalid', 'error', 'errors',
    'message', 'msg', 'title', 'scope', 'scopes', 'audience', 'issuer', 'strength', 'rule', 'rules', 'schema', 'mask', 'masked',
    'command', 'cmd', 'stdin', 'service', 'mount', 'template', 'number', 'num', 'bytes', 'bits',
]);
const KEYWORD_RE = new RegExp(SECRET_KEYWORD_SOURCE, 'i');
/** True when a key (already known to contain a secret keyword) names a secret value. */
function keyNamesSecret(key) {
    const words = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    const last = words[words.length - 1];
    if (last === undefined)
        return false;
    return !NON_SECRET_KEY_WORDS.has(last) || KEYWORD_RE.test(last);
}
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
/** Private key blocks: from the BEGIN marker to the END marker, markers included. */
function detectPem(line, base, pem, out) {
    let i = 0;
    for (;;) {
        if (pem.open) {
            PEM_END.lastIndex = i;
            const m = PEM_END.exec(line);
            if (!m)
                return;
            i = m.index + m[0].length;
            out.add(pem.start, base + i);
            pem.open = false;
        }
        PEM_BEGIN.lastIndex = i;
        const b = PEM_BEGIN.exec(line);
        if (!b)
            return;
        pem.open = true;
        pem.start = base + b.index;
        i = b.index + b[0].length;
    }
}
/**
 * Provider token formats; the whole token is redacted. Boundaries treat `*` like a letter, so
 * that a mask next to a token-like string (`***eyJ...`) does not make it match on a second pass:
 * redact() is idempotent.
 */
const TOKEN_RULES = [
    { fam: Fam.GITHUB, kind: 'github_token', re: /(?<![A-Za-z0-9*])gh[pousr]_[A-Za-z0-9]{30,}/g },
    { fam: Fam.GITHUB, kind: 'github_pat', re: /(?<![A-Za-z0-9*])github_pat_[A-Za-z0-9_]{20,}/g },
    { fam: Fam.AWS, kind: 'aws_access_key_id', re: /(?<![A-Za-z0-9*])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9*])/g },
    { fam: Fam.SLACK, kind: 'slack_token', re: /(?<![A-Za-z0-9*])xox[abposr]-[A-Za-z0-9-]{10,}/g },
    { fam: Fam.SLACK, kind: 'slack_webhook', re: /hooks\.slack\.com\/services\/([A-Za-z0-9_/-]+)/dgi, group: 1 },
    { fam: Fam.STRIPE, kind: 'stripe_key', re: /(?<![A-Za-z0-9*])[sr]k_(?:live|test)_[A-Za-z0-9]{10,}/g },
    { fam: Fam.GOOGLE, kind: 'google_api_key', re: /(?<![A-Za-z0-9_*-])AIza[0-9A-Za-z_-]{30,}/g },
    { fam: Fam.NPM, kind: 'npm_token', re: /(?<![A-Za-z0-9_*])npm_[A-Za-z0-9]{36,}/g },
    { fam: Fam.OPENAI, kind: 'openai_key', re: /(?<![A-Za-z0-9_*-])sk-(?:(?:proj|svcacct|admin|ant)-)?[A-Za-z0-9_-]{20,}/g },
    { fam: Fam.GITLAB, kind: 'gitlab_token', re: /(?<![A-Za-z0-9*])glpat-[A-Za-z0-9_-]{20,}/g },
    { fam: Fam.SENDGRID, kind: 'sendgrid_key', re: /(?<![A-Za-z0-9*])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
    { fam: Fam.JWT, kind: 'jwt', re: /(?<![A-Za-z0-9_*-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
];
const TOKEN_FAMS = TOKEN_RULES.reduce((m, r) => m | r.fam, 0);
function detectTokens(line, base, mask, out) {
    for (const rule of TOKEN_RULES) {
        if ((rule.fam & mask) === 0)
            continue;
        rule.re.lastIndex = 0;
        for (let m = rule.re.exec(line); m; m = rule.re.exec(line)) {
            if (rule.group !== undefined) {
                const span = m.indices?.[rule.group];
                if (span)
                    out.add(base + span[0], base + span[1]);
            }
            else {
                out.add(base + m.index, base + m.index + m[0].length);
            }
        }
    }
}
/** A bearer credential in free text: long, or mixing character kinds (not an English word). */
function looksLikeToken(v) {
    if (v.length < 8 || isPlaceholder(v))
        return false;
    return v.length >= 20 || /[0-9]/.test(v) || (/[A-Z]/.test(v) && /[a-z]/.test(v)) || /[-._~+/=]/.test(v);
}
const BEARER = /(?<![A-Za-z0-9*])bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)/dgi;
const AUTHORIZATION = /authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|sso-key)[ \t]+)?([^\s"',;]+)/dgi;
/** `Authorization: <scheme> <credentials>` and `bearer <token>`: keeps the scheme. */
function detectAuth(line, base, out) {
    BEARER.lastIndex = 0;
    for (let m = BEARER.exec(line); m; m = BEARER.exec(line)) {
        const span = m.indices?.[1];
        if (span && looksLikeToken(m[1]))
            out.add(base + span[0], base + span[1]);
    }
    AUTHORIZATION.lastIndex = 0;
    for (let m = AUTHORIZATION.exec(line); m; m = AUTHORIZATION.exec(line)) {
        const span = m.indices?.[1];
        if (span && !isPlaceholder(m[1]))
            out.add(base + span[0], base + span[1]);
    }
}
/** `scheme://user:PASSWORD@host`: keeps scheme and user. */
function detectDsn(line, base, out) {
    for (let i = line.indexOf('://'); i >= 0; i = line.indexOf('://', i + 3)) {
        const span = (0,_dsn_js__WEBPACK_IMPORTED_MODULE_0__/* .dsnPasswordSpan */ .hd)(line, i, (0,_dsn_js__WEBPACK_IMPORTED_MODULE_0__/* .urlTokenEnd */ .eE)(line, i + 3));
        if (span && !isPlaceholder(line.slice(span[0], span[1])))
            out.add(base + span[0], base + span[1]);
    }
}
const KEY = `[A-Za-z0-9_.\\-]*(?:${SECRET_KEYWORD_SOURCE})[A-Za-z0-9_.\\-]*`;
/** "key": value, 'key': value, \"key\": value (JSON, Python, JSON inside a JSON string) */
const QUOTED_KEY = new RegExp(`(\\\\?["'])(${KEY})\\1[ \\t]*:[ \\t]*`, 'gi');
/** KEY=value, --key=value, key = value */
const ASSIGN = new RegExp(`(?<![A-Za-z0-9_.*\\-])(${KEY})[ \\t]*=(?![=>~])[ \\t]*`, 'gi');
/** --key value (command lines echoed in logs) */
const FLAG = new RegExp(`(?<![A-Za-z0-9_.*\\-])--?(${KEY})[ \\t]+(?=[^\\s-])`, 'gi');
/** key: value at the start of a line (YAML, HTTP headers, `curl -v` with its `> ` prefix) */
const COLON = new RegExp(`^[ \\t]*(?:[-*>+<][ \\t]+)*(?:export[ \\t]+)?(["']?)(${KEY})\\1[ \\t]*:(?![:/])[ \\t]*`, 'gi');
/** Index of the quote that closes a string opened just before `from`, honouring backslashes. */
function closingQuote(line, from, quote) {
    for (let i = line.indexOf(quote, from); i >= 0; i = line.indexOf(quote, i + 1)) {
        let k = i - 1;
        while (k >= from && line.charCodeAt(k) === 92)
            k--;
        if ((i - 1 - k) % 2 === 0)
            return i;
    }
    return -1;
}
/** Index of the `\"` that closes a string opened by `\"` (JSON inside a JSON string). */
function closingEscapedQuote(line, from) {
    for (let i = line.indexOf('\\"', from); i >= 0; i = line.indexOf('\\"', i + 1)) {
        let k = i - 1;
        while (k >= from && line.charCodeAt(k) === 92)
            k--;
        if ((i - 1 - k) % 2 === 0)
            return i;
    }
    return -1;
}
const REFERENCES = [
    ['$(', ')'],
    ['${{', '}}'],
    ['${', '}'],
    ['{{', '}}'],
];
/** The value that starts at `i`: [start, end) or null when there is none. */
function valueSpan(line, i, syntax, inQuery) {
    const c = line[i];
    if (c === undefined)
        return null;
    if (c === '\\' && line[i + 1] === '"') {
        const close = closingEscapedQuote(line, i + 2);
        return [i + 2, close < 0 ? line.length : close];
    }
    if (c === '"' || c === "'" || c === '`') {
        const close = closingQuote(line, i + 1, c);
        return [i + 1, close < 0 ? line.length : close];
    }
    if (syntax === 'colon') {
        let e = line.length;
        while (e > i && /\s/.test(line[e - 1]))
            e--;
        return e > i ? [i, e] : null;
    }
    let e = i;
    while (e < line.length) {
        const ch = line.charCodeAt(e);
        if (ch === 36 /* $ */ || ch === 123 /* { */) {
            // a reference may hold spaces: $(cmd arg), ${VAR:-x y}, {{ vault_token }}
            const ref = REFERENCES.find(([open]) => line.startsWith(open, e));
            const close = ref ? line.indexOf(ref[1], e + ref[0].length) : -1;
            if (ref && close >= 0) {
                e = close + ref[1].length;
                continue;
            }
        }
        if (ch <= 32 || ch === 34 || ch === 39 || ch === 96)
            break;
        if (inQuery && ch === 38 /* & */)
            break;
        if (syntax === 'json' && (ch === 44 || ch === 125 || ch === 93))
            break; // , } ]
        e++;
    }
    return e > i ? [i, e] : null;
}
function detectKeyValues(line, base, out) {
    const report = (key, at, syntax, inQuery = false) => {
        if (!keyNamesSecret(key))
            return;
        const span = valueSpan(line, at, syntax, inQuery);
        if (!span || isPlaceholder(line.slice(span[0], span[1])))
            return;
        out.add(base + span[0], base + span[1]);
    };
    QUOTED_KEY.lastIndex = 0;
    for (let m = QUOTED_KEY.exec(line); m; m = QUOTED_KEY.exec(line))
        report(m[2], m.index + m[0].length, 'json');
    ASSIGN.lastIndex = 0;
    for (let m = ASSIGN.exec(line); m; m = ASSIGN.exec(line)) {
        const before = line[m.index - 1];
        report(m[1], m.index + m[0].length, 'assign', before === '?' || before === '&');
    }
    FLAG.lastIndex = 0;
    for (let m = FLAG.exec(line); m; m = FLAG.exec(line))
        report(m[1], m.index + m[0].length, 'flag');
    COLON.lastIndex = 0;
    const m = COLON.exec(line);
    if (m)
        report(m[2], m.index + m[0].length, 'colon');
}
/**
 * Runs the detectors of the families in `mask` over the line text[ls, le). Lines must be given
 * in order (the private key state machine depends on it).
 */
function detectLine(text, ls, le, mask, pem, out) {
    const line = text.slice(ls, le);
    if (mask & Fam.PEM)
        detectPem(line, ls, pem, out);
    if (mask & Fam.KEY_VALUE)
        detectKeyValues(line, ls, out);
    if (mask & Fam.AUTH)
        detectAuth(line, ls, out);
    if (mask & Fam.DSN)
        detectDsn(line, ls, out);
    if (mask & TOKEN_FAMS)
        detectTokens(line, ls, mask, out);
}


/***/ }),

/***/ 3374:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ll: () => (/* reexport */ patterns/* Fam */.ll),
  vb: () => (/* reexport */ MIN_SECRET_LENGTH),
  pO: () => (/* binding */ Redactor),
  pj: () => (/* reexport */ patterns/* SECRET_KEYWORD_SOURCE */.pj),
  Hx: () => (/* reexport */ derivedForms),
  wK: () => (/* reexport */ patterns/* isPlaceholder */.wK),
  Y9: () => (/* reexport */ patterns/* keyNamesSecret */.Y9)
});

// UNUSED EXPORTS: REDACTED, TOKEN_RULES, base64Aligned

;// CONCATENATED MODULE: ./lib/redaction/aho.ts
/**
 * A small Aho–Corasick automaton over UTF-16 code units. The redactor uses it for one question
 * only: how long is the longest suffix of the text seen so far that is still the beginning of a
 * registered form? (the depth of the automaton's state). Matching itself is done by the q-gram
 * scanner in matcher.ts; this automaton holds only the forms that contain a line break (see
 * stream.ts), which are few.
 *
 * Built with a Map per node, then flattened into typed arrays: the edges of a state are sorted
 * and contiguous, ASCII transitions of the root are a direct table.
 */
class PrefixAutomaton {
    edgeStart;
    edgeChar;
    edgeTo;
    fail;
    depthOf;
    rootAscii = new Int32Array(128);
    /** What follows each line break inside the patterns, up to the next one: sorted, unique. */
    afterBreak;
    /** Longest pattern length (the deepest state). */
    maxDepth;
    constructor(patterns) {
        const next = [new Map()];
        const depth = [0];
        let max = 0;
        for (const p of patterns) {
            let s = 0;
            for (let i = 0; i < p.length; i++) {
                const c = p.charCodeAt(i);
                const edges = next[s];
                let t = edges.get(c);
                if (t === undefined) {
                    t = next.length;
                    next.push(new Map());
                    depth.push(i + 1);
                    edges.set(c, t);
                }
                s = t;
            }
            if (p.length > max)
                max = p.length;
        }
        this.maxDepth = max;
        const segments = new Set();
        for (const p of patterns) {
            for (let k = 0; k < p.length; k++) {
                const c = p.charCodeAt(k);
                if (c !== 10 && c !== 13)
                    continue;
                let e = k + 1;
                while (e < p.length && p.charCodeAt(e) !== 10 && p.charCodeAt(e) !== 13)
                    e++;
                segments.add(p.slice(k + 1, e));
            }
        }
        this.afterBreak = [...segments].sort();
        const n = next.length;
        this.edgeStart = new Int32Array(n + 1);
        let total = 0;
        for (let s = 0; s < n; s++) {
            this.edgeStart[s] = total;
            total += next[s].size;
        }
        this.edgeStart[n] = total;
        this.edgeChar = new Uint16Array(total);
        this.edgeTo = new Int32Array(total);
        for (let s = 0; s < n; s++) {
            const sorted = [...next[s]].sort((a, b) => a[0] - b[0]);
            let e = this.edgeStart[s];
            for (const [c, t] of sorted) {
                this.edgeChar[e] = c;
                this.edgeTo[e++] = t;
            }
        }
        this.depthOf = Int32Array.from(depth);
        this.fail = new Int32Array(n);
        for (let c = 0; c < 128; c++)
            this.rootAscii[c] = this.edge(0, c);
        // failure links, breadth first
        const queue = [];
        for (let e = this.edgeStart[0]; e < this.edgeStart[1]; e++)
            queue.push(this.edgeTo[e]);
        for (let q = 0; q < queue.length; q++) {
            const s = queue[q];
            for (let e = this.edgeStart[s]; e < this.edgeStart[s + 1]; e++) {
                const t = this.edgeTo[e];
                this.fail[t] = this.step(this.fail[s], this.edgeChar[e]);
                queue.push(t);
            }
        }
    }
    get states() {
        return this.fail.length;
    }
    depth(state) {
        return this.depthOf[state];
    }
    /** Target of the edge from s labelled c, or 0 (the root) when there is none. */
    edge(s, c) {
        const end = this.edgeStart[s + 1];
        for (let e = this.edgeStart[s]; e < end; e++) {
            const ch = this.edgeChar[e];
            if (ch === c)
                return this.edgeTo[e];
            if (ch > c)
                break;
        }
        return 0;
    }
    step(state, c) {
        let s = state;
        for (;;) {
            if (s === 0)
                return c < 128 ? this.rootAscii[c] : this.edge(0, c);
            const t = this.edge(s, c);
            if (t !== 0)
                return t;
            s = this.fail[s];
        }
    }
    /**
     * Whether text[from, to) (a line without its break) may continue a pattern after one of its
     * line breaks: it is a prefix of what follows some break in some pattern. When it is not, no
     * match in progress reaches back before `from`.
     */
    continuesAfterBreak(text, from, to) {
        const line = text.slice(from, to);
        const segs = this.afterBreak;
        let lo = 0;
        let hi = segs.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (segs[mid] < line)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < segs.length && segs[lo].startsWith(line);
    }
    /** State after reading text[from, to) starting in `state`. */
    feed(state, text, from, to) {
        let s = state;
        for (let i = from; i < to; i++)
            s = this.step(s, text.charCodeAt(i));
        return s;
    }
    /** State after reading the whole of text[0, to): only the last maxDepth characters matter. */
    stateAt(text, to) {
        return this.feed(0, text, Math.max(0, to - this.maxDepth), to);
    }
}

// EXTERNAL MODULE: ./lib/redaction/dsn.ts
var redaction_dsn = __webpack_require__(4561);
;// CONCATENATED MODULE: ./lib/redaction/forms.ts
/**
 * What one registered secret expands to: the raw values reported to `onRegister` (the runner's
 * core.setSecret) and the derived forms the redactor searches for.
 */

/** Values shorter than this are not registered as literal secrets; see docs/redaction.md. */
const MIN_SECRET_LENGTH = 6;
const PEM_ARMOR = /^-----(?:BEGIN|END) [A-Z0-9 ]+-----$/;
const LINE_BREAK = /\r\n|\r|\n/;
/**
 * The base64 characters determined by the secret's bytes alone when the secret starts at byte
 * offset k (mod 3) of a larger encoded buffer: characters [ceil(8k/6), floor(8(k+n)/6)) of the
 * encoding of k zero bytes followed by the secret.
 */
function base64Aligned(bytes, k, url) {
    const buf = Buffer.concat([Buffer.alloc(k), bytes, Buffer.alloc(2)]);
    const enc = buf.toString(url ? 'base64url' : 'base64');
    return enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}
function percentEncodings(s) {
    let uri;
    try {
        uri = encodeURIComponent(s);
    }
    catch {
        return []; // lone surrogate
    }
    // application/x-www-form-urlencoded as URLSearchParams writes it (also escapes !'()~, space as +)
    const form = new URLSearchParams([['a', s]]).toString().slice(2);
    return [uri, uri.replace(/%20/g, '+'), form];
}
function jsonEscapes(s) {
    const json = JSON.stringify(s).slice(1, -1);
    // ensure_ascii style (Python's json.dumps default): non-ASCII as \uXXXX
    const ascii = json.replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
    return [json, ascii];
}
function addEncodings(s, add) {
    add(s, 'raw');
    const bytes = Buffer.from(s, 'utf8');
    for (const k of [0, 1, 2]) {
        add(base64Aligned(bytes, k, false), 'base64');
        add(base64Aligned(bytes, k, true), 'base64url');
    }
    // the whole value encoded on its own, padding included: masks the last 1-2 characters too
    add(bytes.toString('base64'), 'base64');
    add(bytes.toString('base64url'), 'base64url');
    const hex = bytes.toString('hex');
    add(hex, 'hex');
    add(hex.toUpperCase(), 'hex');
    for (const u of percentEncodings(s))
        add(u, 'url');
    for (const j of jsonEscapes(s))
        add(j, 'json');
}
function safeDecode(s) {
    try {
        return decodeURIComponent(s);
    }
    catch {
        return s;
    }
}
/** Expands a secret value into raw values and forms. Empty when the value, trimmed, is too short. */
function expandSecret(value) {
    const raw = [];
    const forms = new Map();
    if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH)
        return { raw, forms };
    const add = (form, encoding) => {
        if (form.length >= MIN_SECRET_LENGTH && !forms.has(form))
            forms.set(form, encoding);
    };
    const addRaw = (v) => {
        if (v.length >= MIN_SECRET_LENGTH && !raw.includes(v))
            raw.push(v);
    };
    addRaw(value);
    addEncodings(value, add);
    const trimmed = value.trim();
    if (trimmed !== value && trimmed.length >= MIN_SECRET_LENGTH) {
        addRaw(trimmed);
        addEncodings(trimmed, add);
    }
    if (LINE_BREAK.test(value)) {
        const lines = value.split(LINE_BREAK).map((l) => l.trim());
        for (const line of lines) {
            if (line.length < MIN_SECRET_LENGTH || PEM_ARMOR.test(line))
                continue;
            addRaw(line);
            add(line, 'line');
        }
        // a PEM block: its base64 body on one line (some tools print keys that way)
        const begin = lines.findIndex((l) => PEM_ARMOR.test(l) && l.includes('BEGIN'));
        const end = lines.findIndex((l, i) => i > begin && PEM_ARMOR.test(l) && l.includes('END'));
        if (begin >= 0 && end > begin) {
            const body = lines.slice(begin + 1, end).filter((l) => l !== '' && !l.includes(':')).join('');
            add(body, 'pem-body');
        }
    }
    for (const dsn of (0,redaction_dsn/* findDsns */.K0)(value)) {
        const url = value.slice(dsn.url[0], dsn.url[1]);
        if (url !== value && url !== trimmed) {
            addRaw(url);
            addEncodings(url, add);
        }
        const password = value.slice(dsn.password[0], dsn.password[1]);
        for (const p of new Set([password, safeDecode(password)])) {
            if (p.length < MIN_SECRET_LENGTH)
                continue;
            addRaw(p);
            addEncodings(p, add);
        }
    }
    return { raw, forms };
}
/**
 * Every form of one secret value, `[encoding, text]` (duplicates removed, each at least
 * MIN_SECRET_LENGTH characters): what the redactor masks for `register(value)`.
 */
function derivedForms(value) {
    return [...expandSecret(value).forms].map(([text, encoding]) => [encoding, text]);
}

;// CONCATENATED MODULE: ./lib/redaction/intervals.ts
/** Spans to redact: overlapping or touching spans merge, so the longest match always wins. */
class Intervals {
    starts = [];
    ends = [];
    sorted = true;
    get length() {
        return this.starts.length;
    }
    add(start, end) {
        if (end <= start)
            return;
        const n = this.starts.length;
        if (n > 0) {
            const ls = this.starts[n - 1];
            const le = this.ends[n - 1];
            if (start >= ls && start <= le) {
                // the common case: a match overlapping or touching the last one
                if (end > le)
                    this.ends[n - 1] = end;
                return;
            }
            if (start < ls)
                this.sorted = false;
        }
        this.starts.push(start);
        this.ends.push(end);
    }
    /** Sorts and merges; afterwards spans are disjoint and not touching. */
    normalize() {
        if (this.sorted && this.isMerged())
            return;
        const order = this.starts.map((_, i) => i).sort((a, b) => this.starts[a] - this.starts[b]);
        const s = [];
        const e = [];
        for (const i of order) {
            const a = this.starts[i];
            const b = this.ends[i];
            const k = s.length - 1;
            if (k >= 0 && a <= e[k]) {
                if (b > e[k])
                    e[k] = b;
            }
            else {
                s.push(a);
                e.push(b);
            }
        }
        this.starts = s;
        this.ends = e;
        this.sorted = true;
    }
    isMerged() {
        for (let i = 1; i < this.starts.length; i++)
            if (this.starts[i] <= this.ends[i - 1])
                return false;
        return true;
    }
    /**
     * Moves a boundary back so that it does not cut a span nor end right where a span ends (a span
     * starting there later would have merged with it). Requires normalize().
     */
    safeBoundary(b) {
        for (let i = this.starts.length - 1; i >= 0; i--) {
            const s = this.starts[i];
            const e = this.ends[i];
            if (e < b)
                break;
            if (s < b)
                return s;
        }
        return b;
    }
    /** text[from, to) with each span replaced by `mask`. Requires normalize(); spans must not cross `to`. */
    apply(text, from, to, mask) {
        let out = '';
        let pos = from;
        for (let i = 0; i < this.starts.length; i++) {
            const s = this.starts[i];
            if (s >= to)
                break;
            out += text.slice(pos, s) + mask;
            pos = this.ends[i];
        }
        return pos === from ? text.slice(from, to) : out + text.slice(pos, to);
    }
    /** Drops spans that end at or before `b` and shifts the rest by -b. */
    consume(b) {
        let k = 0;
        while (k < this.starts.length && this.ends[k] <= b)
            k++;
        this.starts = this.starts.slice(k).map((s) => s - b);
        this.ends = this.ends.slice(k).map((e) => e - b);
    }
    /** Deletes the text positions [a, b): spans inside vanish, spans across are clipped, later ones shift. */
    removeRange(a, b) {
        const gap = b - a;
        const map = (p) => (p <= a ? p : p <= b ? a : p - gap);
        const s = [];
        const e = [];
        for (let i = 0; i < this.starts.length; i++) {
            const ns = map(this.starts[i]);
            const ne = map(this.ends[i]);
            if (ne > ns) {
                s.push(ns);
                e.push(ne);
            }
        }
        this.starts = s;
        this.ends = e;
    }
    clear() {
        this.starts = [];
        this.ends = [];
        this.sorted = true;
    }
}

// EXTERNAL MODULE: ./lib/redaction/patterns.ts
var patterns = __webpack_require__(1725);
;// CONCATENATED MODULE: ./lib/redaction/lines.ts
/**
 * From anchor hits to pattern detections: groups the hits by line (a line ends at `\n` or `\r`)
 * and runs the detectors of the hit families on each such line, in order.
 */

/** Anchor hits and registered-form matches collected by one scan. */
class ScanResult {
    spans;
    hitPos = [];
    hitFam = [];
    hitsSorted = true;
    constructor(spans) {
        this.spans = spans;
    }
    literal(start, end) {
        this.spans.add(start, end);
    }
    trigger(pos, fam) {
        const n = this.hitPos.length;
        if (n > 0 && pos < this.hitPos[n - 1])
            this.hitsSorted = false;
        this.hitPos.push(pos);
        this.hitFam.push(fam);
    }
    sortHits() {
        if (this.hitsSorted)
            return;
        const order = this.hitPos.map((_, i) => i).sort((a, b) => this.hitPos[a] - this.hitPos[b]);
        this.hitPos = order.map((i) => this.hitPos[i]);
        this.hitFam = order.map((i) => this.hitFam[i]);
        this.hitsSorted = true;
    }
}
/**
 * Finds the line around increasing positions. Each lookup scans only the text between the
 * previous position and this one (plus the line itself), so a whole pass is linear.
 */
class LineCursor {
    text;
    floor;
    nextLf = -2;
    nextCr = -2;
    lastLf = -1;
    lastCr = -1;
    constructor(text, floor) {
        this.text = text;
        this.floor = floor;
    }
    /** [start, end) of the line holding p; end is the position of its line break or text.length. */
    at(p) {
        const t = this.text;
        if (this.nextLf === -2 || (this.nextLf !== -1 && this.nextLf < p)) {
            this.lastLf = p === 0 ? -1 : t.lastIndexOf('\n', p - 1);
            this.nextLf = t.indexOf('\n', p);
        }
        if (this.nextCr === -2) {
            // CRs are rare: find the first one from the floor instead of searching backwards
            this.nextCr = t.indexOf('\r', this.floor);
        }
        if (this.nextCr !== -1 && this.nextCr < p) {
            this.lastCr = t.lastIndexOf('\r', p - 1);
            this.nextCr = t.indexOf('\r', p);
        }
        let end = t.length;
        if (this.nextLf >= 0)
            end = this.nextLf;
        if (this.nextCr >= 0 && this.nextCr < end)
            end = this.nextCr;
        return [Math.max(this.lastLf, this.lastCr) + 1, end];
    }
}
/**
 * Runs the detectors over every line of text[floor, limit) that holds a hit. Hits must be
 * sorted; those outside [floor, limit) are ignored. Lines are clipped to [floor, limit).
 */
function detectHits(text, hitPos, hitFam, floor, limit, pem, out) {
    const cursor = new LineCursor(text, floor);
    let ls = 0;
    let le = -1;
    let mask = 0;
    for (let k = 0; k < hitPos.length; k++) {
        const p = hitPos[k];
        if (p < floor || p >= limit)
            continue;
        if (p >= le) {
            if (mask !== 0)
                (0,patterns/* detectLine */._A)(text, ls, le, mask, pem, out);
            const [a, b] = cursor.at(p);
            ls = Math.max(a, floor);
            le = Math.min(b, limit);
            mask = 0;
        }
        mask |= hitFam[k];
    }
    if (mask !== 0)
        (0,patterns/* detectLine */._A)(text, ls, le, mask, pem, out);
}
/** Position just after the last line break in text[from, to), or -1. */
function lastLineEnd(text, from, to) {
    let b = text.lastIndexOf('\n', to - 1);
    // a CR after the last LF (searched forwards from there: usually a few characters)
    const cr = text.indexOf('\r', Math.max(b + 1, from));
    if (cr >= 0 && cr < to)
        b = text.lastIndexOf('\r', to - 1);
    return b >= from ? b + 1 : -1;
}

// EXTERNAL MODULE: ./lib/redaction/matcher.ts + 1 modules
var matcher = __webpack_require__(571);
;// CONCATENATED MODULE: ./lib/redaction/stream.ts



const MAX_LINE = 256 * 1024;
const COMPACT_AT = 1 << 16;
/** When a long line is cut, the cut is at a space at least this far from the end. */
const CUT_MARGIN = 1024;
class LineStream {
    engine;
    mask;
    buf = '';
    /** where pattern detection resumes: start of the incomplete line, or a forced cut in it */
    lineStart = 0;
    /** start of the incomplete line (only line breaks move it; may be < 0 after a cut) */
    realLineStart = 0;
    /** families of the anchors seen so far in the incomplete line */
    pendingMask = 0;
    spans = new Intervals();
    pem = { open: false, start: 0 };
    version = -1;
    ac = null;
    /** the automaton's state at the end of buf, when acKnown (computed only when it matters) */
    acState = 0;
    acKnown = false;
    maxLine;
    compactAt;
    constructor(engine, mask, opts = {}) {
        this.engine = engine;
        this.mask = mask;
        this.maxLine = opts.maxLine ?? MAX_LINE;
        this.compactAt = opts.compactAt ?? COMPACT_AT;
    }
    /** Characters currently held back (for tests and diagnostics). */
    get held() {
        return this.buf.length;
    }
    write(chunk) {
        if (typeof chunk !== 'string' || chunk.length === 0)
            return '';
        const oldLen = this.buf.length;
        // how far back a multi-line form in progress may start (unknown: from the line start)
        const dOld = this.ac ? (this.acKnown ? this.ac.depth(this.acState) : oldLen - this.realLineStart) : 0;
        this.buf += chunk;
        let from = this.refresh();
        if (from < 0) {
            // only the new text, and what before it could still be part of a match ending in it
            from = Math.min(oldLen - (patterns/* MAX_WINDOW */.SD - 1), Math.max(this.realLineStart, oldLen - (this.engine.maxSingleLine - 1)), oldLen - dOld);
            if (this.ac && this.acKnown && chunk.length < this.ac.maxDepth)
                this.acState = this.ac.feed(this.acState, this.buf, oldLen, this.buf.length);
            else
                this.acKnown = false;
        }
        this.process(Math.max(0, from), false);
        return this.emit(false);
    }
    end() {
        const from = this.refresh();
        this.process(from < 0 ? this.buf.length : from, true);
        if (this.pem.open)
            this.spans.add(this.pem.start, this.buf.length);
        const out = this.emit(true);
        this.buf = '';
        this.lineStart = this.realLineStart = 0;
        this.pendingMask = 0;
        this.spans.clear();
        this.pem.open = false;
        this.acState = 0;
        this.acKnown = this.ac !== null;
        return out;
    }
    /**
     * When secrets were registered since the last look, everything held must be scanned again:
     * takes the new automaton and returns 0 (scan from the start). Otherwise returns -1.
     */
    refresh() {
        if (this.version === this.engine.version)
            return -1;
        this.version = this.engine.version;
        this.ac = this.engine.multiLineAutomaton();
        this.acKnown = false;
        return 0;
    }
    /**
     * Rule 2: length of the longest tail of buf that starts a registered form holding a line break.
     * Only computed when it can reach back before the incomplete line (0 is returned otherwise,
     * which changes nothing: the incomplete line is held anyway).
     */
    multiLineDepth() {
        const ac = this.ac;
        if (!ac)
            return 0;
        const len = this.buf.length;
        if (!this.acKnown) {
            if (len > this.lineStart && this.lineStart === this.realLineStart && !ac.continuesAfterBreak(this.buf, this.lineStart, len))
                return 0;
            this.acState = ac.stateAt(this.buf, len);
            this.acKnown = true;
        }
        return ac.depth(this.acState);
    }
    /** Scans buf[from, len) and runs pattern detection over the lines completed so far. */
    process(from, final) {
        const len = this.buf.length;
        const scan = new ScanResult(this.spans);
        if (from < len)
            this.engine.scan(this.buf, from, len, scan);
        scan.sortHits();
        const end = final ? len : lastLineEnd(this.buf, this.lineStart, len);
        const limit = end < 0 ? this.lineStart : end;
        let later = 0;
        for (let k = 0; k < scan.hitPos.length; k++)
            if (scan.hitPos[k] >= limit)
                later |= scan.hitFam[k];
        if (limit > this.lineStart) {
            const pos = this.pendingMask ? [this.lineStart, ...scan.hitPos] : scan.hitPos;
            const fam = this.pendingMask ? [this.pendingMask, ...scan.hitFam] : scan.hitFam;
            detectHits(this.buf, pos, fam, this.lineStart, limit, this.pem, this.spans);
            this.lineStart = this.realLineStart = limit;
            this.pendingMask = later;
        }
        else {
            this.pendingMask |= later;
        }
        if (!final && len - this.lineStart > this.maxLine)
            this.cutLongLine();
        if (this.pem.open)
            this.compactPem();
    }
    /** Treats the start of a very long incomplete line as a complete line. */
    cutLongLine() {
        const len = this.buf.length;
        const space = Math.max(this.buf.lastIndexOf(' ', len - CUT_MARGIN), this.buf.lastIndexOf('\t', len - CUT_MARGIN));
        const cut = space >= this.lineStart + (this.maxLine >> 1) ? space + 1 : len - CUT_MARGIN;
        if (cut <= this.lineStart)
            return;
        if (this.pendingMask)
            detectHits(this.buf, [this.lineStart], [this.pendingMask], this.lineStart, cut, this.pem, this.spans);
        this.lineStart = cut;
    }
    /** Drops the middle of an open private key block: it will be redacted as a whole anyway. */
    compactPem() {
        const depth = this.multiLineDepth();
        const cut = Math.min(this.lineStart, this.buf.length - depth);
        const keep = this.pem.start + 1;
        if (cut - keep <= this.compactAt)
            return;
        this.buf = this.buf.slice(0, keep) + this.buf.slice(cut);
        this.spans.normalize();
        this.spans.removeRange(keep, cut);
        const shift = (p) => (p >= cut ? p - (cut - keep) : p);
        this.lineStart = shift(this.lineStart);
        this.realLineStart = shift(this.realLineStart);
    }
    emit(final) {
        this.spans.normalize();
        const len = this.buf.length;
        let b = len;
        if (!final) {
            b = Math.min(this.lineStart, len - this.multiLineDepth());
            if (this.lineStart !== this.realLineStart)
                b = Math.min(b, Math.max(this.realLineStart, len - (this.engine.maxSingleLine - 1)));
            if (this.pem.open)
                b = Math.min(b, this.pem.start);
            b = this.spans.safeBoundary(b);
        }
        if (b <= 0)
            return '';
        const out = this.spans.apply(this.buf, 0, b, this.mask);
        this.spans.consume(b);
        this.buf = this.buf.slice(b);
        this.lineStart -= b;
        this.realLineStart -= b;
        if (this.pem.open)
            this.pem.start -= b;
        return out;
    }
}
function createStream(engine, mask, opts) {
    return new LineStream(engine, mask, opts);
}

;// CONCATENATED MODULE: ./lib/redaction/redactor.ts
/**
 * The one redaction library. Every string that leaves the process goes through a Redactor.
 *
 * PUBLIC API (stable; other modules depend on it):
 *   new Redactor({ onRegister? })       onRegister is called once per registered raw value
 *                                       (the runner wires it to core.setSecret)
 *   register(value, name?)              registers a secret and its derived forms
 *   redact(text)                        registered values (all forms) + pattern detection → REDACTED
 *   redactDeep(value)                   same over JSON-like values (strings in objects/arrays)
 *   containsSecret(text)                true if redact(text) would change anything
 *   stream()                            StreamRedactor for chunked output
 *   size                                number of registered raw secrets
 *
 * onRegister receives each raw value once: the value, its trimmed form, each line of a
 * multi-line value, and the password (raw and URL-decoded) and URL of each DSN inside it.
 *
 * Also exported: derivedForms(value) and base64Aligned (the forms one value expands to),
 * isPlaceholder, keyNamesSecret, SECRET_KEYWORD_SOURCE, TOKEN_RULES and Fam (pattern
 * definitions, shared with doctor). The matcher is in matcher.ts, the stream in stream.ts.
 * How it works: docs/redaction.md.
 */









/** Shortest text anything can match in: a registered form (6) or a pattern (`token=x`, 7). */
const SHORTEST_MATCH = MIN_SECRET_LENGTH;
class Redactor {
    raw = new Set();
    notified = new Set();
    matcher = new matcher/* Matcher */.P();
    onRegister;
    multiLine = [];
    automaton = null;
    formsVersion = 0;
    longestSingleLine = 0;
    constructor(opts = {}) {
        this.onRegister = opts.onRegister;
    }
    /** Number of distinct values accepted by register(). */
    get size() {
        return this.raw.size;
    }
    /** Number of distinct derived forms searched for. */
    get formCount() {
        return this.matcher.size;
    }
    /**
     * Registers a secret: the value, its trimmed form, each line of a multi-line value, the parts
     * of connection strings it holds (password, decoded password, the URL), and every encoding of
     * those (see forms.ts). Values shorter than MIN_SECRET_LENGTH (once trimmed) are ignored.
     */
    register(value, _name) {
        if (typeof value !== 'string' || this.raw.has(value) || value.trim().length < MIN_SECRET_LENGTH)
            return;
        this.raw.add(value);
        const { raw, forms } = expandSecret(value);
        let added = false;
        for (const form of forms.keys()) {
            if (!this.matcher.add(form))
                continue;
            added = true;
            if (/[\r\n]/.test(form)) {
                this.multiLine.push(form);
                this.automaton = null;
            }
            else if (form.length > this.longestSingleLine) {
                this.longestSingleLine = form.length;
            }
        }
        if (added)
            this.formsVersion++;
        for (const r of raw) {
            if (this.notified.has(r))
                continue;
            this.notified.add(r);
            this.onRegister?.(r);
        }
    }
    /** Registered values (all forms) and detected patterns replaced by REDACTED. */
    redact(text) {
        if (typeof text !== 'string' || text.length < SHORTEST_MATCH)
            return text;
        const spans = this.find(text);
        if (spans.length === 0)
            return text;
        return spans.apply(text, 0, text.length, patterns/* REDACTED */.XF);
    }
    /** True if redact(text) would change anything. */
    containsSecret(text) {
        if (typeof text !== 'string' || text.length < SHORTEST_MATCH)
            return false;
        return this.find(text).length > 0;
    }
    /**
     * redact() over JSON-like values: strings (values and keys) in plain objects and arrays; Errors
     * keep their class (message, stack and other properties redacted), Maps and Sets are copied,
     * a URL becomes its redacted text, Dates and binary data are returned as they are. Any other
     * object becomes a plain object of its own enumerable properties, redacted (fail closed).
     */
    redactDeep(value) {
        return this.deep(value, 0);
    }
    deep(value, depth) {
        if (typeof value === 'string')
            return this.redact(value);
        if (value === null || typeof value !== 'object' || depth > 64)
            return value;
        if (Array.isArray(value))
            return value.map((v) => this.deep(v, depth + 1));
        if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value))
            return value;
        if (value instanceof URL)
            return this.redact(value.href);
        if (value instanceof Map)
            return new Map([...value].map(([k, v]) => [this.deep(k, depth + 1), this.deep(v, depth + 1)]));
        if (value instanceof Set)
            return new Set([...value].map((v) => this.deep(v, depth + 1)));
        if (value instanceof Error) {
            const copy = Object.create(Object.getPrototypeOf(value));
            for (const key of Object.getOwnPropertyNames(value)) {
                copy[key] = this.deep(value[key], depth + 1);
            }
            return copy;
        }
        const out = {};
        for (const [k, v] of Object.entries(value))
            out[this.redact(k)] = this.deep(v, depth + 1);
        return out;
    }
    stream() {
        return createStream(this, patterns/* REDACTED */.XF);
    }
    find(text) {
        const spans = new Intervals();
        const scan = new ScanResult(spans);
        this.matcher.scan(text, 0, text.length, scan);
        if (scan.hitPos.length > 0) {
            scan.sortHits();
            const pem = { open: false, start: 0 };
            detectHits(text, scan.hitPos, scan.hitFam, 0, text.length, pem, spans);
            if (pem.open)
                spans.add(pem.start, text.length);
        }
        spans.normalize();
        return spans;
    }
    // RedactionEngine (used by stream.ts)
    /** Incremented whenever forms are added; streams rescan what they hold when it changes. */
    get version() {
        return this.formsVersion;
    }
    /** Longest registered form without a line break. */
    get maxSingleLine() {
        return this.longestSingleLine;
    }
    scan(text, from, to, out) {
        this.matcher.scan(text, from, to, out);
    }
    get maxFormLength() {
        return this.matcher.maxFormLength;
    }
    /** Automaton over the forms that contain a line break (null when there are none). */
    multiLineAutomaton() {
        if (this.multiLine.length === 0)
            return null;
        this.automaton ??= new PrefixAutomaton(this.multiLine);
        return this.automaton;
    }
}


/***/ }),

/***/ 8208:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  OUTPUTS: () => (/* binding */ OUTPUTS),
  emitOutcome: () => (/* binding */ emitOutcome),
  runAction: () => (/* binding */ runAction),
  runPost: () => (/* binding */ runPost),
  runUmbrella: () => (/* binding */ runUmbrella)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 7 modules
var core = __webpack_require__(3838);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var output_outcome = __webpack_require__(6674);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/redaction/redactor.ts + 5 modules
var redaction_redactor = __webpack_require__(3374);
// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __webpack_require__(8364);
// EXTERNAL MODULE: ./lib/isolation/vault.ts
var isolation_vault = __webpack_require__(4345);
// EXTERNAL MODULE: ./lib/ops/operation.ts
var operation = __webpack_require__(1120);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 11 modules
var schemas = __webpack_require__(2857);
// EXTERNAL MODULE: ./lib/config/vault-key.ts
var vault_key = __webpack_require__(5535);
;// CONCATENATED MODULE: ./lib/ops/db_bootstrap/index.ts



const DB_MODES = ['dry_run', 'migrate', 'verify', 'all'];
const emptyToUndefined = (v) => (v === '' ? undefined : v);
const dbBootstrapInputs = schemas/* object */.Ikc({
    mode: schemas/* preprocess */.vkY(emptyToUndefined, schemas/* enum */.k5n(DB_MODES).default('dry_run')),
    /** vault key (or named secret in env) holding the DSN; default: db.dsn in paas.yml, else POSTGRES_DSN_PROD */
    dsn_key: schemas/* preprocess */.vkY(emptyToUndefined, vault_key/* vaultKey */._.optional()),
    /** for a non-empty database without a ledger: files with id <= this are recorded as applied without running */
    baseline_version: schemas/* preprocess */.vkY(emptyToUndefined, schemas/* string */.YjP().regex(/^\d{1,18}$/, { error: 'must be a migration id (digits)' }).optional()),
});
const dbBootstrap = (0,operation/* defineOperation */.h9)({
    name: 'db_bootstrap',
    mutating: true,
    inputs: dbBootstrapInputs,
    secretInputs: [],
    // loaded on first use: the registry stays light, so every bundle starts fast
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__webpack_require__.e(815), __webpack_require__.e(849), __webpack_require__.e(735), __webpack_require__.e(993)]).then(__webpack_require__.bind(__webpack_require__, 8735))).runDbBootstrap(rt, common, settings),
});
// checkPlanOffline: import it from './run.js' (re-exporting it here would load run.js, pg included, with the registry)

;// CONCATENATED MODULE: ./lib/ops/deploy/index.ts



const deploy_name = schemas/* string */.YjP().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must match ^[a-z0-9][a-z0-9_-]{0,62}$' });
const deployInputs = schemas/* object */.Ikc({
    mode: schemas/* enum */.k5n(['deploy', 'reconcile', 'target_check']).default('deploy'),
    app: deploy_name.optional(),
    artifact: inputs/* pathInput */.gm.optional(),
    release_id: schemas/* string */.YjP().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, dot, dash, underscore' }).optional(),
    apply: inputs/* boolInput */.Hm.default(false),
    rollback_on_failure: inputs/* boolInput */.Hm.default(true),
    github_token: schemas/* string */.YjP().max(1000).optional(),
});
const deploy = (0,operation/* defineOperation */.h9)({
    name: 'deploy',
    mutating: true,
    inputs: deployInputs,
    secretInputs: ['github_token'],
    // loaded on first use: the registry stays light, so every bundle starts fast
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(815), __webpack_require__.e(557), __webpack_require__.e(346), __webpack_require__.e(567), __webpack_require__.e(756)]).then(__webpack_require__.bind(__webpack_require__, 2756))).deployRun(rt, common, settings),
});

// EXTERNAL MODULE: ./lib/ops/doctor/index.ts + 10 modules
var doctor = __webpack_require__(4253);
;// CONCATENATED MODULE: ./lib/ops/ops_daily/index.ts


const opsDailyInputs = schemas/* object */.Ikc({
    mode: schemas/* enum */.k5n(['prod', 'lenient']).default('prod'),
    github_token: schemas/* string */.YjP().max(1000).optional(),
});
const opsDaily = (0,operation/* defineOperation */.h9)({
    name: 'ops_daily',
    mutating: false,
    inputs: opsDailyInputs,
    secretInputs: ['github_token'],
    // loaded on first use: the registry stays light, so every bundle starts fast
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(815), __webpack_require__.e(849), __webpack_require__.e(346), __webpack_require__.e(567), __webpack_require__.e(502), __webpack_require__.e(274)]).then(__webpack_require__.bind(__webpack_require__, 3991))).runOpsDaily(rt, common, settings),
});

;// CONCATENATED MODULE: ./lib/ops/prod_verify/index.ts


const prodVerifyInputs = schemas/* object */.Ikc({
    mode: schemas/* enum */.k5n(['dry_run', 'verify']).default('dry_run'),
    expected_release: schemas/* string */.YjP().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, dot, dash, underscore' }).optional(),
});
const prodVerify = (0,operation/* defineOperation */.h9)({
    name: 'prod_verify',
    mutating: false,
    inputs: prodVerifyInputs,
    secretInputs: [],
    // loaded on first use: the registry stays light, so every bundle starts fast
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(815), __webpack_require__.e(849), __webpack_require__.e(346), __webpack_require__.e(567), __webpack_require__.e(735), __webpack_require__.e(502), __webpack_require__.e(375)]).then(__webpack_require__.bind(__webpack_require__, 9375))).runProdVerify(rt, common, settings),
});

;// CONCATENATED MODULE: ./lib/ops/rollback/index.ts



const rollbackInputs = schemas/* object */.Ikc({
    app: schemas/* string */.YjP().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must match ^[a-z0-9][a-z0-9_-]{0,62}$' }).optional(),
    to_release: schemas/* string */.YjP().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, dot, dash, underscore' }).optional(),
    target: schemas/* string */.YjP().regex(/^(all|[A-Za-z0-9][A-Za-z0-9._-]{0,62}(,[A-Za-z0-9][A-Za-z0-9._-]{0,62})*)$/, { error: 'must be `all` or a comma-separated list of target ids' }).default('all'),
    apply: inputs/* boolInput */.Hm.default(false),
    github_token: schemas/* string */.YjP().max(1000).optional(),
});
const rollback = (0,operation/* defineOperation */.h9)({
    name: 'rollback',
    mutating: true,
    inputs: rollbackInputs,
    secretInputs: ['github_token'],
    // loaded on first use: the registry stays light, so every bundle starts fast
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(815), __webpack_require__.e(557), __webpack_require__.e(346), __webpack_require__.e(567), __webpack_require__.e(756), __webpack_require__.e(383)]).then(__webpack_require__.bind(__webpack_require__, 9383))).rollbackRun(rt, common, settings),
});

;// CONCATENATED MODULE: ./lib/ops/registry.ts








const REGISTRY = {
    deploy: deploy,
    rollback: rollback,
    prod_verify: prodVerify,
    ops_daily: opsDaily,
    db_bootstrap: dbBootstrap,
    doctor: doctor/* doctor */.Ac,
};
function registry_operation(name) {
    if (!operation/* OPERATIONS */.xb.includes(name)) {
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `unknown operation ${JSON.stringify(name.slice(0, 64))}`, {
            remediation: `operation must be one of: ${operation/* OPERATIONS */.xb.join(', ')}`,
        });
    }
    return REGISTRY[name];
}

// EXTERNAL MODULE: ./lib/isolation/state-root.ts
var state_root = __webpack_require__(9349);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var session = __webpack_require__(1805);
;// CONCATENATED MODULE: ./lib/runtime/execute.ts








/** Registers secret inputs before anything else can echo them (the vault's values, tokens). */
function registerSecretInputs(rt, raw, secretInputs) {
    const vault = raw.vault;
    if (typeof vault === 'string' && vault) {
        try {
            for (const v of (0,isolation_vault/* parseDotenv */.qd)(vault).values())
                rt.redactor.register(v);
        }
        catch {
            /* a malformed vault is reported by the vault loader; register its lines meanwhile */
        }
        for (const line of vault.split(/\r?\n/)) {
            const eq = line.indexOf('=');
            if (eq > 0)
                rt.redactor.register(line.slice(eq + 1).trim().replace(/^["']|["']$/g, ''));
        }
    }
    for (const k of secretInputs)
        if (typeof raw[k] === 'string')
            rt.redactor.register(raw[k]);
}
/**
 * For an operation that is not built yet: the checks every built one makes first through
 * openContextSession (explicit context for mutating ops, a safe state root), so a misconfigured
 * step fails for its actionable reason before PAAS_NOT_AVAILABLE. Reads only; creates nothing.
 */
function preflight(rt, def, common) {
    if (def.mutating && !common.context) {
        throw new errors.PaasError('PAAS_CONTEXT_UNRESOLVED', 'this operation changes state and needs an explicit context', { stage: 'context', remediation: session/* UNRESOLVED_REMEDIATION */.O });
    }
    const root = (0,state_root/* guardStateRoot */.h5)((0,state_root/* stateRootPath */.DP)({ input: common.state_root, env: rt.env }), { workspace: rt.workspace, allowUnsafe: common.allow_unsafe_state_root });
    if (root.unsafe)
        rt.logger.error(`CRITICAL: unsafe state root override in use: ${root.reason}. doctor will fail until the state root moves outside the repository.`);
}
/** Validates inputs (common + the operation's own) and runs the operation. Never throws. */
async function executeOperation(rt, opName, raw) {
    const command = /^[a-z_]{1,32}$/.test(opName) ? opName : 'paas';
    const context = typeof raw.context === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(raw.context) ? raw.context : null;
    const mode = typeof raw.mode === 'string' && /^[a-z_]{1,32}$/.test(raw.mode) ? raw.mode : null;
    try {
        const def = registry_operation(opName);
        registerSecretInputs(rt, raw, def.secretInputs);
        const schema = inputs/* commonInputsSchema */.IM.extend(def.inputs.shape).strict();
        const parsed = (0,inputs/* parseInputs */.TL)(schema, raw);
        // a malformed vault is an input error: refuse it (naming the line, never a value) before anything touches the state root
        if (parsed.vault?.trim())
            (0,isolation_vault/* parseDotenv */.qd)(parsed.vault, 'vault input');
        if (!def.run) {
            preflight(rt, def, parsed);
            throw (0,operation/* notAvailable */.Fc)(def.name);
        }
        return await def.run(rt, parsed, parsed);
    }
    catch (e) {
        return (0,output_outcome/* failure */.V)(rt.redactor, command, context, mode, e);
    }
}

// EXTERNAL MODULE: ./lib/runtime/post-check.ts
var post_check = __webpack_require__(1102);
;// CONCATENATED MODULE: ./lib/runtime/action.ts








/** Output names of every action (constants, one place). */
const OUTPUTS = { result: 'result', status: 'status', exitCode: 'exit_code' };
function actionRuntime() {
    process.umask(0o077); // every file and directory we create is private to the runner user
    const redactor = new redaction_redactor/* Redactor */.pO({ onRegister: (v) => core/* setSecret */.Pq(v) });
    const logger = {
        info: (m) => core/* info */.pq(redactor.redact(m)),
        warn: (m) => core/* warning */.$e(redactor.redact(m)),
        error: (m) => core/* error */.z3(redactor.redact(m)),
        debug: (m) => core/* debug */.Yz(redactor.redact(m)),
    };
    return { env: process.env, cwd: process.env.GITHUB_WORKSPACE || process.cwd(), redactor, logger, now: () => new Date(), inCI: true, inAction: true, workspace: process.env.GITHUB_WORKSPACE };
}
/** Writes an outcome to the runner: status lines, outputs, job summary, exit code. All redacted. */
async function emitOutcome(rt, outcome) {
    const r = rt.redactor;
    for (const line of outcome.lines)
        process.stdout.write(r.redact(line) + '\n');
    const env = r.redactDeep(outcome.envelope);
    core/* setOutput */.uH(OUTPUTS.result, JSON.stringify(env));
    core/* setOutput */.uH(OUTPUTS.status, r.redact(outcome.lines.at(-1) ?? ''));
    core/* setOutput */.uH(OUTPUTS.exitCode, String(outcome.exitCode));
    for (const [k, v] of Object.entries(env.fields)) {
        if (/^[a-z][a-z0-9_]*$/.test(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
            core/* setOutput */.uH(k, r.redact(String(v)));
    }
    if (env.error)
        core/* setFailed */.C1(r.redact(`${env.error.code}: ${env.error.message}${env.error.remediation ? ` Fix: ${env.error.remediation}` : ''}`));
    const summary = [`### paas ${env.command}${env.context ? ` (${env.context})` : ''}`, '', '```', ...outcome.lines.map((l) => r.redact(l)), '```'];
    if (outcome.summary)
        summary.push('', r.redact(outcome.summary));
    if (process.env.GITHUB_STEP_SUMMARY)
        await core/* summary */.z.addRaw(summary.join('\n'), true).write();
    process.exitCode = outcome.exitCode;
}
function readInputs(names) {
    const raw = {};
    for (const n of names) {
        const v = core/* getInput */.V4(n);
        if (v !== '')
            raw[n] = v;
    }
    return raw;
}
/** The only try/catch of an action entry: read inputs, run, emit. */
async function runAction(opName) {
    const rt = actionRuntime();
    let outcome;
    try {
        const def = registry_operation(opName);
        const raw = readInputs([...inputs/* COMMON_INPUT_NAMES */.Af, ...Object.keys(def.inputs.shape)]);
        // invalid inputs never reach persistence (it would act on, and log, values the operation refuses)
        const valid = inputs/* commonInputsSchema */.IM.extend(def.inputs.shape).strict().safeParse(raw).success;
        // heavy modules (cache client, transports) load only when used, so every bundle starts fast
        const restored = valid ? await (await __webpack_require__.e(/* import() */ 206).then(__webpack_require__.bind(__webpack_require__, 4206))).restoreForAction(rt, opName, raw) : null;
        outcome = restored ?? (await executeOperation(rt, opName, raw));
    }
    catch (e) {
        outcome = (0,output_outcome/* failure */.V)(rt.redactor, 'paas', null, null, e);
    }
    try {
        await emitOutcome(rt, outcome);
    }
    catch (e) {
        process.stdout.write(rt.redactor.redact(`error: could not write action outputs: ${e instanceof Error ? e.message : String(e)}`) + '\n');
        process.exitCode = exit/* EXIT_ERROR */.SI;
    }
}
/** Root action.yml: `operation` selects one of the six. */
async function runUmbrella() {
    const op = core/* getInput */.V4('operation', { required: false }).trim();
    if (!op) {
        const rt = actionRuntime();
        const { PaasError } = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 3879));
        await emitOutcome(rt, (0,output_outcome/* failure */.V)(rt.redactor, 'paas', null, null, new PaasError('PAAS_INVALID_ARGUMENT', 'input operation is required', { remediation: 'Set `operation:` to one of deploy, rollback, prod_verify, ops_daily, db_bootstrap, doctor.' })));
        return;
    }
    await runAction(op);
}
/** Shared `post:` step: releases what the main step holds (locks, state), also after cancel. */
async function runPost() {
    const rt = actionRuntime();
    try {
        const held = core/* getState */.Gu(post_check/* POST_STATE_NAMES */.A.cleanup);
        if (!held) {
            core/* info */.pq('paas post: nothing to clean up');
            return;
        }
        const { postReleaseLocks } = await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(346), __webpack_require__.e(353)]).then(__webpack_require__.bind(__webpack_require__, 1353));
        await postReleaseLocks(rt, held); // deploy/rollback: release the locks this run holds (never others')
    }
    catch (e) {
        core/* warning */.$e(rt.redactor.redact(`paas post: cleanup failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    finally {
        const { saveForPost } = await __webpack_require__.e(/* import() */ 206).then(__webpack_require__.bind(__webpack_require__, 4206));
        await saveForPost(rt); // last, so the saved state includes what the cleanup recorded; never throws
    }
}


/***/ }),

/***/ 8364:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Af: () => (/* binding */ COMMON_INPUT_NAMES),
/* harmony export */   Hm: () => (/* binding */ boolInput),
/* harmony export */   IM: () => (/* binding */ commonInputsSchema),
/* harmony export */   TL: () => (/* binding */ parseInputs),
/* harmony export */   gm: () => (/* binding */ pathInput)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2857);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9869);



/** Booleans as the runner's YAML 1.2 core schema spells them (core.getBooleanInput). */
const boolInput = zod__WEBPACK_IMPORTED_MODULE_2__/* .union */ .KCZ([zod__WEBPACK_IMPORTED_MODULE_2__/* .boolean */ .zMY(), zod__WEBPACK_IMPORTED_MODULE_2__/* ["enum"] */ .k5n(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', ''])])
    .transform((v) => v === true || v === 'true' || v === 'True' || v === 'TRUE');
const pathInput = zod__WEBPACK_IMPORTED_MODULE_2__/* .string */ .YjP()
    .max(4096, { error: 'path is longer than 4096 characters' })
    .refine((s) => !s.includes('\0'), { error: 'path contains a NUL byte' });
const emptyToUndefined = (v) => (v === '' ? undefined : v);
/** Inputs every operation accepts (action inputs and CLI flags share these names). */
const commonInputsSchema = zod__WEBPACK_IMPORTED_MODULE_2__/* .object */ .Ikc({
    context: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, _isolation_names_js__WEBPACK_IMPORTED_MODULE_1__/* .contextName */ .fW.optional()),
    context_type: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, zod__WEBPACK_IMPORTED_MODULE_2__/* ["enum"] */ .k5n(_isolation_names_js__WEBPACK_IMPORTED_MODULE_1__/* .CONTEXT_TYPES */ .k0).optional()),
    state_root: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, pathInput.optional()),
    vault: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, zod__WEBPACK_IMPORTED_MODULE_2__/* .string */ .YjP().max(1_000_000, { error: 'vault is larger than 1 MB' }).optional()),
    config: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, pathInput.default('paas.yml')),
    allow_unsafe_state_root: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, boolInput.default(false)),
    state_reset: zod__WEBPACK_IMPORTED_MODULE_2__/* .preprocess */ .vkY(emptyToUndefined, boolInput.default(false)),
});
const COMMON_INPUT_NAMES = Object.keys(commonInputsSchema.shape);
/** Parses with zod and turns the first issue into PAAS_INVALID_ARGUMENT naming the input (never its value). */
function parseInputs(schema, raw, what = 'input') {
    const r = schema.safeParse(raw);
    if (r.success)
        return r.data;
    const issue = r.error.issues[0];
    const name = issue?.path.length ? issue.path.join('.') : what;
    const msg = issue?.code === 'unrecognized_keys' ? `unknown ${what} ${issue.keys.join(', ')}` : `${what} ${name}: ${issue?.message ?? 'invalid'}`;
    throw (0,_output_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .invalidArgument */ .zM)(msg, `Fix the value of ${name}; see docs/inputs.md for the accepted values.`);
}


/***/ }),

/***/ 1805:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   O: () => (/* binding */ UNRESOLVED_REMEDIATION),
/* harmony export */   Wo: () => (/* binding */ openContextSession)
/* harmony export */ });
/* unused harmony exports openStore, resolveContext */
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _isolation_context_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5654);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9869);
/* harmony import */ var _isolation_state_root_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9349);
/* harmony import */ var _isolation_store_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(1309);
/* harmony import */ var _isolation_vault_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4345);






/** Opens the state root named by input/env/default and refuses an unsafe one. */
function openStore(rt, inputs) {
    const root = (0,_isolation_state_root_js__WEBPACK_IMPORTED_MODULE_3__/* .guardStateRoot */ .h5)((0,_isolation_state_root_js__WEBPACK_IMPORTED_MODULE_3__/* .stateRootPath */ .DP)({ input: inputs.state_root, env: rt.env }), {
        workspace: rt.workspace,
        allowUnsafe: inputs.allow_unsafe_state_root,
    });
    if (root.unsafe) {
        rt.logger.error(`CRITICAL: unsafe state root override in use: ${root.reason}. doctor will fail until the state root moves outside the repository.`);
    }
    return new _isolation_store_js__WEBPACK_IMPORTED_MODULE_4__/* .ContextStore */ .n(root);
}
const UNRESOLVED_REMEDIATION = 'Name the context explicitly: `--context <name>` on the CLI or `context: <name>` as the action input (e.g. internal-dogfood, oss-demo, customer-<id>). Create one with `paas context create <name>`.';
/** Context resolution: explicit name, then (non-mutating only) the selected context; else PAAS_CONTEXT_UNRESOLVED. */
function resolveContext(rt, store, explicit, opts) {
    let name = explicit;
    if (!name && !opts.mutating)
        name = store.selected() ?? undefined;
    if (!name) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_CONTEXT_UNRESOLVED', opts.mutating ? 'this operation changes state and needs an explicit context' : 'no context given and none selected', {
            stage: 'context',
            remediation: UNRESOLVED_REMEDIATION,
        });
    }
    if (store.exists(name))
        return store.get(name);
    if (!opts.createIfMissing) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_CONTEXT_UNRESOLVED', `context ${name} does not exist under state root ${store.root.path}`, {
            stage: 'context',
            remediation: `Create it with \`paas context create ${name}\`, or pass the state root that holds it (--state-root / PAAS_STATE_ROOT).`,
        });
    }
    const type = opts.type ?? (0,_isolation_names_js__WEBPACK_IMPORTED_MODULE_2__/* .impliedContextType */ .K7)(name);
    if (!type) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_CONTEXT_UNRESOLVED', `context ${name} is new and its type cannot be inferred from its name`, {
            stage: 'context',
            remediation: 'Give context_type (internal, demo or customer), or use a recommended name: internal-dogfood, oss-demo, customer-<id>.',
        });
    }
    const config = store.create(_isolation_context_js__WEBPACK_IMPORTED_MODULE_1__/* .contextConfigSchema */ .p4.parse({ name, type, state_root: store.root.path, created_at: rt.now().toISOString() }));
    rt.logger.info(`context ${name} (${type}) laid out under ${store.root.path}`);
    return config;
}
/** Store + context + vault + events for one stateful operation. */
function openContextSession(rt, inputs, opts) {
    const store = openStore(rt, inputs);
    const config = resolveContext(rt, store, inputs.context, { ...opts, type: inputs.context_type ?? opts.type });
    const events = store.events(config.name, rt.redactor);
    if (store.root.unsafe)
        events.append('state_root.unsafe_override', 'unsafe state root override in use', { reason: store.root.reason }, 'critical');
    const vault = (0,_isolation_vault_js__WEBPACK_IMPORTED_MODULE_5__/* .loadVault */ .dn)({
        context: config.name,
        text: inputs.vault ?? rt.env.PAAS_VAULT,
        file: config.vault_file,
        env: rt.env,
        envKeys: opts.vaultEnvKeys ?? [],
        workspace: rt.workspace,
        redactor: rt.redactor,
    });
    return { store, config, events, vault };
}


/***/ }),

/***/ 4160:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   b8: () => (/* binding */ STATE_SCHEMA_VERSION),
/* harmony export */   ui: () => (/* binding */ StateDb)
/* harmony export */ });
/* unused harmony export ScopedState */
/* harmony import */ var node_sqlite__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(99);
/* harmony import */ var node_sqlite__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_sqlite__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_2__);



/**
 * `state.db`: node:sqlite in WAL mode, schema versioned, every write in a transaction.
 * Every row carries its context and every query filters on it (see ScopedState).
 */
const STATE_SCHEMA_VERSION = 1;
const MIGRATIONS = [
    `CREATE TABLE history (
     id TEXT PRIMARY KEY,
     context TEXT NOT NULL,
     kind TEXT NOT NULL,
     at TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX history_context_kind_at ON history (context, kind, at);
   CREATE TABLE kv (
     context TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (context, key)
   );`,
];
class StateDb {
    db;
    constructor(path) {
        const fresh = !(0,node_fs__WEBPACK_IMPORTED_MODULE_2__.existsSync)(path);
        this.db = new node_sqlite__WEBPACK_IMPORTED_MODULE_0__.DatabaseSync(path);
        if (fresh)
            (0,node_fs__WEBPACK_IMPORTED_MODULE_2__.chmodSync)(path, 0o600);
        this.db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
        this.migrate();
        for (const side of [`${path}-wal`, `${path}-shm`])
            if ((0,node_fs__WEBPACK_IMPORTED_MODULE_2__.existsSync)(side))
                (0,node_fs__WEBPACK_IMPORTED_MODULE_2__.chmodSync)(side, 0o600);
    }
    migrate() {
        this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
        const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get();
        const current = row?.v ?? 0;
        if (current > STATE_SCHEMA_VERSION) {
            throw new Error(`state.db schema version ${current} is newer than this paas-actions (${STATE_SCHEMA_VERSION}); upgrade paas-actions`);
        }
        for (let v = current; v < MIGRATIONS.length; v++) {
            this.transaction(() => {
                this.db.exec(MIGRATIONS[v]);
                this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v + 1);
            });
        }
    }
    transaction(fn) {
        this.db.exec('BEGIN IMMEDIATE');
        try {
            const out = fn();
            this.db.exec('COMMIT');
            return out;
        }
        catch (e) {
            this.db.exec('ROLLBACK');
            throw e;
        }
    }
    schemaVersion() {
        const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get();
        return row.v;
    }
    forContext(context, redactor) {
        return new ScopedState(this, context, redactor);
    }
    close() {
        this.db.close();
    }
}
/** All reads and writes of one context. Data is redacted at write time. */
class ScopedState {
    sdb;
    context;
    redactor;
    constructor(sdb, context, redactor) {
        this.sdb = sdb;
        this.context = context;
        this.redactor = redactor;
    }
    record(kind, data, at = new Date().toISOString(), id = (0,node_crypto__WEBPACK_IMPORTED_MODULE_1__.randomUUID)()) {
        const clean = this.redactor.redactDeep(data);
        this.sdb.transaction(() => {
            this.sdb.db.prepare('INSERT INTO history (id, context, kind, at, data) VALUES (?, ?, ?, ?, ?)').run(id, this.context, kind, at, JSON.stringify(clean));
        });
        return { id, context: this.context, kind, at, data: clean };
    }
    list(kind, limit = 100) {
        const rows = (kind
            ? this.sdb.db.prepare('SELECT * FROM history WHERE context = ? AND kind = ? ORDER BY at DESC, rowid DESC LIMIT ?').all(this.context, kind, limit)
            : this.sdb.db.prepare('SELECT * FROM history WHERE context = ? ORDER BY at DESC, rowid DESC LIMIT ?').all(this.context, limit));
        return rows.map((r) => ({ id: r.id, context: r.context, kind: r.kind, at: r.at, data: JSON.parse(r.data) }));
    }
    count() {
        const row = this.sdb.db.prepare('SELECT count(*) AS n FROM history WHERE context = ?').get(this.context);
        return row.n;
    }
    get(key) {
        const row = this.sdb.db.prepare('SELECT value FROM kv WHERE context = ? AND key = ?').get(this.context, key);
        return row ? JSON.parse(row.value) : undefined;
    }
    set(key, value) {
        const clean = this.redactor.redactDeep(value);
        this.sdb.transaction(() => {
            this.sdb.db
                .prepare('INSERT INTO kv (context, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (context, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
                .run(this.context, key, JSON.stringify(clean), new Date().toISOString());
        });
    }
}


/***/ }),

/***/ 339:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ writeFilePrivate),
/* harmony export */   D: () => (/* binding */ mkdirPrivate)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_2__);



/** mkdir -p with mode 0700 on every directory it creates (and on the leaf). */
function mkdirPrivate(dir) {
    (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.mkdirSync)(dir, { recursive: true, mode: 0o700 });
    (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.chmodSync)(dir, 0o700);
}
/** Writes a file atomically (temp file + fsync + rename) with mode 0600. */
function writeFilePrivate(path, data) {
    const tmp = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(path), `.${(0,node_crypto__WEBPACK_IMPORTED_MODULE_2__.randomBytes)(6).toString('hex')}.tmp`);
    const fd = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.openSync)(tmp, 'wx', 0o600);
    try {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.writeSync)(fd, typeof data === 'string' ? Buffer.from(data) : data);
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.fsyncSync)(fd);
    }
    finally {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.closeSync)(fd);
    }
    (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.renameSync)(tmp, path);
}


/***/ })

};
