export const id = 206;
export const ids = [206];
export const modules = {

/***/ 4206:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  PERSIST_STATE: () => (/* binding */ PERSIST_STATE),
  persistenceSetup: () => (/* binding */ persistenceSetup),
  restoreForAction: () => (/* binding */ restoreForAction),
  saveForPost: () => (/* binding */ saveForPost)
});

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 7 modules
var core = __webpack_require__(3838);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var names = __webpack_require__(9869);
// EXTERNAL MODULE: ./lib/isolation/state-root.ts
var state_root = __webpack_require__(9349);
// EXTERNAL MODULE: ./lib/isolation/store.ts + 1 modules
var isolation_store = __webpack_require__(1309);
// EXTERNAL MODULE: ./lib/isolation/vault.ts
var isolation_vault = __webpack_require__(4345);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __webpack_require__(6674);
// EXTERNAL MODULE: ./lib/runtime/post-check.ts
var post_check = __webpack_require__(1102);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./lib/state/fs-safe.ts
var fs_safe = __webpack_require__(339);
;// CONCATENATED MODULE: ./lib/persistence/cache-store.ts




const BLOB_NAME = 'state.paas';
/** @actions/cache is loaded only when a run really uses the cache (it is most of an action bundle's size). */
let loaded = null;
const cacheLib = () => (loaded ??= __webpack_require__.e(/* import() */ 131).then(__webpack_require__.bind(__webpack_require__, 7131)));
/**
 * The Actions cache. `dir` must be the same path in every run (it is part of the cache version
 * hash): `<RUNNER_TEMP>/paas-state-cache/<context>`. It only ever holds the sealed blob.
 */
class ActionsCacheStore {
    dir;
    constructor(dir) {
        this.dir = dir;
    }
    static async available() {
        if (!process.env.ACTIONS_RUNTIME_TOKEN)
            return false;
        return (await cacheLib()).isFeatureAvailable();
    }
    reset() {
        (0,external_node_fs_.rmSync)(this.dir, { recursive: true, force: true });
        (0,fs_safe/* mkdirPrivate */.D)(this.dir);
    }
    async lookup(prefix) {
        this.reset();
        return (await (await cacheLib()).restoreCache([this.dir], prefix, [prefix], { lookupOnly: true })) ?? null;
    }
    async restore(prefix) {
        const found = await this.lookup(prefix);
        if (!found)
            return null;
        this.reset();
        const key = await (await cacheLib()).restoreCache([this.dir], prefix, [prefix]);
        const file = (0,external_node_path_.join)(this.dir, BLOB_NAME);
        if (!key || !(0,external_node_fs_.existsSync)(file)) {
            throw new errors.PaasError('PAAS_STATE_CORRUPT', `cache entry ${found} exists but could not be downloaded or unpacked`, {
                stage: 'state_restore',
                target: found,
                remediation: 'Re-run the job. If it keeps failing, set the input state_reset: true for one run to start from empty state (targets keep the release history; deploy reconcile rebuilds the picture).',
            });
        }
        const blob = (0,external_node_fs_.readFileSync)(file);
        (0,external_node_fs_.rmSync)(file, { force: true });
        return { key, blob };
    }
    async save(key, blob) {
        this.reset();
        const cache = await cacheLib();
        (0,fs_safe/* writeFilePrivate */.B)((0,external_node_path_.join)(this.dir, BLOB_NAME), blob);
        try {
            return (await cache.saveCache([this.dir], key)) > 0;
        }
        finally {
            (0,external_node_fs_.rmSync)((0,external_node_path_.join)(this.dir, BLOB_NAME), { force: true });
        }
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./lib/persistence/crypto.ts


/**
 * Sealing of persisted state (cache blobs, backup files): AES-256-GCM under a key derived from a
 * per-context secret (vault key PAAS_STATE_KEY).
 *
 *   secret --scrypt(salt, N, r, p)--> master (32 bytes)
 *   master --HKDF-SHA256(info "paas/<purpose>/v<schema>/<context>")--> key (32 bytes)
 *   master --HKDF-SHA256(info "paas/key-check/...")--> check value (8 bytes, in the header)
 *
 * The header (format, purpose, context, schema, KDF parameters, check value) is authenticated:
 * it is part of the additional data together with the context and schema the reader expects, so
 * a blob of another context or schema, or an edited header, never decrypts. The check value only
 * makes "wrong key" distinguishable from "tampered" in the error message.
 */
const SEAL_MAGIC = Buffer.from('PAASENC1', 'ascii');
const MIN_KEY_LENGTH = 16;
const STATE_KEY_NAME = 'PAAS_STATE_KEY';
/**
 * scrypt cost: N=2^14, r=8 (16 MiB, ~0.05-0.2 s); bounded on read so a crafted header cannot
 * exhaust memory. PAAS_STATE_KEY is meant to be random (openssl rand -base64 32); scrypt only
 * slows down guessing when someone picked a weak one.
 */
const DEFAULT_KDF = { N: 1 << 14, r: 8, p: 1 };
const MAX_N = 1 << 17;
function decryptFailed(message, remediation) {
    return new errors.PaasError('PAAS_STATE_DECRYPT_FAILED', message, { stage: 'state_decrypt', remediation });
}
/** A derived key: the AES key plus what identifies it. Never logged, never persisted. */
class DerivedKey {
    kdf;
    master;
    constructor(kdf, master) {
        this.kdf = kdf;
        this.master = master;
    }
    static derive(secret, kdf) {
        if (secret.length < MIN_KEY_LENGTH) {
            throw new errors.PaasError('PAAS_INVALID_ARGUMENT', `${STATE_KEY_NAME} is shorter than ${MIN_KEY_LENGTH} characters`, {
                stage: 'state_key',
                remediation: `Generate a strong key, e.g. \`openssl rand -base64 32\`, and store it as ${STATE_KEY_NAME} in the context's vault.`,
            });
        }
        const params = kdf ?? { alg: 'scrypt', ...DEFAULT_KDF, salt: (0,external_node_crypto_.randomBytes)(16).toString('base64') };
        const salt = Buffer.from(typeof params.salt === 'string' ? params.salt : '', 'base64');
        if (params.alg !== 'scrypt' || !Number.isInteger(params.N) || params.N < 1024 || params.N > MAX_N || (params.N & (params.N - 1)) !== 0 || !Number.isInteger(params.r) || params.r < 1 || params.r > 16 || !Number.isInteger(params.p) || params.p < 1 || params.p > 4 || salt.length < 16) {
            throw decryptFailed('sealed data has unsupported key-derivation parameters', 'The data was not written by paas-actions (or by an incompatible version); restore from a backup or reset the state.');
        }
        const master = (0,external_node_crypto_.scryptSync)(Buffer.from(secret, 'utf8'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + (1 << 20) });
        return new DerivedKey(params, master);
    }
    static memo = new Map();
    static memoKey(secret, kdf) {
        return (0,external_node_crypto_.createHmac)('sha256', 'paas-kdf-memo').update(secret).update(JSON.stringify(kdf)).digest('hex');
    }
    /**
     * The key this process seals with (one salt per secret and process: scrypt runs once, every
     * blob still gets its own random IV), and keys for opening, remembered by salt (bounded).
     */
    static forSealing(secret) {
        return DerivedKey.remember(DerivedKey.memoKey(secret, 'seal'), () => DerivedKey.derive(secret), secret);
    }
    static forOpening(secret, kdf) {
        return DerivedKey.remember(DerivedKey.memoKey(secret, kdf), () => DerivedKey.derive(secret, kdf), secret);
    }
    static remember(id, make, secret) {
        const hit = DerivedKey.memo.get(id);
        if (hit)
            return hit;
        const k = make();
        if (DerivedKey.memo.size >= 32)
            DerivedKey.memo.clear();
        DerivedKey.memo.set(id, k);
        DerivedKey.memo.set(DerivedKey.memoKey(secret, k.kdf), k);
        return k;
    }
    subkey(label, length = 32) {
        return Buffer.from((0,external_node_crypto_.hkdfSync)('sha256', this.master, Buffer.from(this.kdf.salt, 'base64'), Buffer.from(label, 'utf8'), length));
    }
    encKey(scope) {
        return this.subkey(`paas/${scope.purpose}/v${scope.schema}/${scope.context}`);
    }
    macKey(scope) {
        return this.subkey(`paas/${scope.purpose}-mac/v${scope.schema}/${scope.context}`);
    }
    checkValue() {
        return (0,external_node_crypto_.createHmac)('sha256', this.subkey('paas/key-check')).update('paas-key-check').digest().subarray(0, 8).toString('hex');
    }
}
function aad(headerBytes, scope, extra = '') {
    return Buffer.concat([headerBytes, Buffer.from(`|${scope.purpose}|${scope.context}|v${scope.schema}|${extra}`, 'utf8')]);
}
/** AES-256-GCM with additional data; returns iv (12) + ciphertext + tag (16). */
function gcmEncrypt(key, plaintext, additional) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(additional);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]);
}
/** Inverse of gcmEncrypt; null when authentication fails. */
function gcmDecrypt(key, sealed, additional) {
    if (sealed.length < 28)
        return null;
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAAD(additional);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
        return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
    }
    catch {
        return null;
    }
}
/**
 * Seals one payload: MAGIC | u32 header length | header JSON | iv | ciphertext | tag.
 * The additional data is the encoded header plus the scope (purpose, context, schema).
 */
function seal(plaintext, secret, scope, now = new Date()) {
    const key = typeof secret === 'string' ? DerivedKey.forSealing(secret) : secret;
    const header = { format: 'paas-sealed/1', purpose: scope.purpose, context: scope.context, schema: scope.schema, kdf: key.kdf, kcv: key.checkValue(), iv: '', created_at: now.toISOString() };
    const iv = (0,external_node_crypto_.randomBytes)(12);
    header.iv = iv.toString('base64');
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(headerBytes.length);
    const prefix = Buffer.concat([SEAL_MAGIC, len, headerBytes]);
    const c = (0,external_node_crypto_.createCipheriv)('aes-256-gcm', key.encKey(scope), iv);
    c.setAAD(aad(prefix, scope));
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([prefix, body, c.getAuthTag()]);
}
/** The header of a sealed payload, without decrypting (it names context and schema). */
function readSealHeader(blob, what = 'state blob') {
    const bad = () => decryptFailed(`the ${what} is not sealed paas state (unrecognized format)`, 'It was not written by paas-actions, or it is truncated; restore from a backup or reset the state.');
    if (blob.length < SEAL_MAGIC.length + 4 || !blob.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC))
        throw bad();
    const n = blob.readUInt32BE(SEAL_MAGIC.length);
    if (n > 64 * 1024 || blob.length < SEAL_MAGIC.length + 4 + n + 16)
        throw bad();
    const prefix = blob.subarray(0, SEAL_MAGIC.length + 4 + n);
    let header;
    try {
        header = JSON.parse(prefix.subarray(SEAL_MAGIC.length + 4).toString('utf8'));
    }
    catch {
        throw bad();
    }
    const k = header?.kdf;
    const kdfOk = !!k && typeof k === 'object' && k.alg === 'scrypt' && typeof k.salt === 'string' && [k.N, k.r, k.p].every((x) => typeof x === 'number');
    if (!header || header.format !== 'paas-sealed/1' || typeof header.purpose !== 'string' || typeof header.context !== 'string' || typeof header.schema !== 'number' || typeof header.kcv !== 'string' || typeof header.iv !== 'string' || !kdfOk)
        throw bad();
    return { header, prefix };
}
/**
 * Opens a sealed payload for the expected scope, or refuses with PAAS_STATE_DECRYPT_FAILED and a
 * message telling which case it is: another context, another schema, the wrong key, tampering.
 */
function crypto_open(blob, secret, scope, opts) {
    const { header, prefix } = readSealHeader(blob, opts.what);
    if (header.purpose !== scope.purpose)
        throw decryptFailed(`the ${opts.what} is a sealed ${header.purpose}, not ${scope.purpose}`, opts.remediation);
    if (header.context !== scope.context) {
        throw decryptFailed(`the ${opts.what} was sealed for context ${JSON.stringify(header.context.slice(0, 64))}, not ${scope.context}; refused`, opts.remediation);
    }
    if (header.schema !== scope.schema) {
        throw decryptFailed(`the ${opts.what} holds state schema v${header.schema}; this paas-actions reads v${scope.schema}`, opts.remediation);
    }
    const key = typeof secret === 'string' ? DerivedKey.forOpening(secret, header.kdf) : secret(header.kdf);
    const kcv = Buffer.from(key.checkValue(), 'hex');
    const theirs = Buffer.from(/^[0-9a-f]{16}$/.test(header.kcv) ? header.kcv : '', 'hex');
    if (theirs.length !== kcv.length || !(0,external_node_crypto_.timingSafeEqual)(theirs, kcv)) {
        throw decryptFailed(`the ${opts.what} was sealed with a different ${STATE_KEY_NAME} (wrong key); refused`, opts.remediation);
    }
    const iv = Buffer.from(header.iv, 'base64');
    if (iv.length !== 12)
        throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
    const d = (0,external_node_crypto_.createDecipheriv)('aes-256-gcm', key.encKey(scope), iv);
    d.setAAD(aad(prefix, scope));
    d.setAuthTag(blob.subarray(blob.length - 16));
    try {
        return Buffer.concat([d.update(blob.subarray(prefix.length, blob.length - 16)), d.final()]);
    }
    catch {
        throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
    }
}

// EXTERNAL MODULE: ./lib/state/db.ts
var state_db = __webpack_require__(4160);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./lib/persistence/bundle.ts



const LINEAGE_CAP = 64;
/** Paths a context bundle may hold; anything else is refused on the way in and out. */
const ALLOWED = /^(config\.json|state\.db|events\/[A-Za-z0-9._-]{1,64}\.jsonl|cache\/[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128}){0,7})$/;
function isAllowedBundlePath(p) {
    return ALLOWED.test(p) && !p.split('/').some((s) => s === '.' || s === '..');
}
function sha256(data) {
    return (0,external_node_crypto_.createHash)('sha256').update(data).digest('hex');
}
function packBundle(meta, files) {
    for (const f of files)
        if (!isAllowedBundlePath(f.path))
            throw new Error(`bundle: path not allowed: ${f.path}`);
    const manifest = { format: 'paas-state-bundle/1', ...meta, files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })) };
    const m = Buffer.from(JSON.stringify(manifest), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(m.length);
    return (0,external_node_zlib_.gzipSync)(Buffer.concat([len, m, ...files.map((f) => f.data)]), { level: 6 });
}
function corrupt(what, detail) {
    return new errors.PaasError('PAAS_STATE_CORRUPT', `the ${what} decrypted but its content is damaged: ${detail}`, {
        stage: 'state_restore',
        remediation: 'Restore the context from a backup (paas backup restore), or set the input state_reset: true to start from empty state.',
    });
}
function unpackBundle(packed, what = 'state bundle') {
    let raw;
    try {
        raw = (0,external_node_zlib_.gunzipSync)(packed, { maxOutputLength: 2 * 1024 * 1024 * 1024 });
    }
    catch {
        throw corrupt(what, 'not gzip');
    }
    if (raw.length < 4)
        throw corrupt(what, 'truncated');
    const n = raw.readUInt32BE(0);
    if (4 + n > raw.length)
        throw corrupt(what, 'truncated manifest');
    let manifest;
    try {
        manifest = JSON.parse(raw.subarray(4, 4 + n).toString('utf8'));
    }
    catch {
        throw corrupt(what, 'manifest is not JSON');
    }
    if (manifest?.format !== 'paas-state-bundle/1' || !Array.isArray(manifest.files) || !Array.isArray(manifest.lineage))
        throw corrupt(what, 'unknown manifest format');
    const files = [];
    let off = 4 + n;
    for (const f of manifest.files) {
        if (typeof f.path !== 'string' || !isAllowedBundlePath(f.path))
            throw corrupt(what, `path not allowed: ${JSON.stringify(String(f.path).slice(0, 80))}`);
        if (!Number.isSafeInteger(f.size) || f.size < 0 || off + f.size > raw.length)
            throw corrupt(what, `${f.path} is truncated`);
        const data = raw.subarray(off, off + f.size);
        off += f.size;
        if (sha256(data) !== f.sha256)
            throw corrupt(what, `${f.path} does not match its sha256`);
        files.push({ path: f.path, data: Buffer.from(data) });
    }
    if (off !== raw.length)
        throw corrupt(what, 'trailing bytes after the last file');
    return { manifest, files };
}

;// CONCATENATED MODULE: ./lib/persistence/scan.ts

/**
 * Looks for vault values inside bytes that are about to be persisted (cache blobs, backups), in
 * the forms a value takes when it leaks: as is, base64 (each of the three alignments),
 * base64url, hex (both cases), URL-encoded, JSON-escaped, and each line of a multi-line value.
 * A hit blocks the write: the vault is never part of persisted state.
 */
/** Shorter values are not searched: they would match ordinary words in state (see docs/state.md). */
const MIN_SCANNED_LENGTH = 8;
function base64Forms(b) {
    const out = [];
    for (const k of [0, 1, 2]) {
        const s = Buffer.concat([Buffer.alloc(k), b]).toString('base64');
        const start = [0, 2, 3][k];
        const end = Math.floor((k + b.length) / 3) * 4;
        if (end - start >= MIN_SCANNED_LENGTH)
            out.push(s.slice(start, end));
    }
    return out;
}
/** Every searchable form of one value. */
function secretForms(key, value) {
    const seen = new Set();
    const out = [];
    const add = (form, s) => {
        if (s.length < MIN_SCANNED_LENGTH || seen.has(s))
            return;
        seen.add(s);
        out.push({ key, form, bytes: Buffer.from(s, 'utf8') });
    };
    const parts = [value, ...value.split(/\r?\n/).map((l) => l.trim())].filter((v) => v.length >= MIN_SCANNED_LENGTH);
    for (const v of new Set(parts)) {
        const b = Buffer.from(v, 'utf8');
        add('raw', v);
        for (const s of base64Forms(b)) {
            add('base64', s);
            add('base64url', s.replace(/\+/g, '-').replace(/\//g, '_'));
        }
        add('hex', b.toString('hex'));
        add('hex', b.toString('hex').toUpperCase());
        add('url-encoded', encodeURIComponent(v));
        add('json-escaped', JSON.stringify(v).slice(1, -1));
    }
    return out;
}
function needlesFor(values) {
    return [...values].flatMap(([k, v]) => secretForms(k, v));
}
/** The first vault value found in any of the files, or null. */
function findSecret(files, needles) {
    for (const f of files) {
        for (const n of needles)
            if (f.data.indexOf(n.bytes) >= 0)
                return { file: f.path, key: n.key, form: n.form };
    }
    return null;
}
/** Throws PAAS_STATE_HOLDS_SECRET naming the file and the vault key, never the value. */
function assertNoSecret(files, needles, what) {
    const hit = findSecret(files, needles);
    if (!hit)
        return;
    throw new errors.PaasError('PAAS_STATE_HOLDS_SECRET', `refusing to write the ${what}: ${hit.file} holds the vault value of ${hit.key} (${hit.form} form)`, {
        stage: 'state_scan',
        target: hit.file,
        remediation: `State must never hold a vault value. Find what wrote it (paas events list), remove it from the context's state, and rotate ${hit.key}.`,
    });
}

// EXTERNAL MODULE: external "node:sqlite"
var external_node_sqlite_ = __webpack_require__(99);
// EXTERNAL MODULE: ./lib/isolation/context.ts
var isolation_context = __webpack_require__(5654);
;// CONCATENATED MODULE: ./lib/persistence/state-files.ts








/**
 * A context's persisted files, read as one consistent snapshot, and merged back in.
 * What is persisted: config.json, state.db (a `VACUUM INTO` copy: consistent while other
 * connections write, and free of deleted pages), events/*.jsonl, and (cache blobs only) small
 * files under cache/. Never a vault: vault files live outside the context directory.
 */
const CACHE_FILE_MAX = 1024 * 1024;
const CACHE_TOTAL_MAX = 16 * 1024 * 1024;
/** A consistent copy of state.db, made with `VACUUM INTO` next to it (private directory). */
function snapshotDb(dbPath) {
    const tmp = (0,external_node_path_.join)((0,external_node_path_.dirname)(dbPath), `.snap-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.db`);
    const db = new external_node_sqlite_.DatabaseSync(dbPath);
    try {
        db.exec('PRAGMA busy_timeout = 5000');
        db.prepare('VACUUM INTO ?').run(tmp);
    }
    finally {
        db.close();
    }
    try {
        return (0,external_node_fs_.readFileSync)(tmp);
    }
    finally {
        (0,external_node_fs_.rmSync)(tmp, { force: true });
    }
}
function listFiles(dir, rel = '') {
    if (!(0,external_node_fs_.existsSync)(dir))
        return [];
    const out = [];
    for (const name of (0,external_node_fs_.readdirSync)(dir).sort()) {
        const p = (0,external_node_path_.join)(dir, name);
        const st = (0,external_node_fs_.lstatSync)(p);
        if (st.isSymbolicLink())
            continue;
        if (st.isDirectory())
            out.push(...listFiles(p, rel ? `${rel}/${name}` : name));
        else if (st.isFile())
            out.push(rel ? `${rel}/${name}` : name);
    }
    return out;
}
function snapshotContext(paths, opts) {
    const files = [];
    const skipped = [];
    if ((0,external_node_fs_.existsSync)(paths.config))
        files.push({ path: 'config.json', data: (0,external_node_fs_.readFileSync)(paths.config) });
    if ((0,external_node_fs_.existsSync)(paths.stateDb))
        files.push({ path: 'state.db', data: snapshotDb(paths.stateDb) });
    for (const f of listFiles(paths.events)) {
        if (/^[A-Za-z0-9._-]{1,64}\.jsonl$/.test(f))
            files.push({ path: `events/${f}`, data: (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(paths.events, f)) });
    }
    if (opts.includeCache) {
        let total = 0;
        for (const f of listFiles(paths.cache)) {
            const data = (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(paths.cache, f));
            if (!/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128}){0,7}$/.test(f) || f.split('/').some((s) => s === '.' || s === '..') || data.length > CACHE_FILE_MAX || total + data.length > CACHE_TOTAL_MAX) {
                skipped.push(`cache/${f}`);
                continue;
            }
            total += data.length;
            files.push({ path: `cache/${f}`, data });
        }
    }
    return { files, skipped };
}
function emptyStats() {
    return { history_added: 0, kv_updated: 0, events_added: 0, files_added: 0, foreign_dropped: 0 };
}
function parseLines(text) {
    return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((line) => {
        try {
            const ev = JSON.parse(line);
            return { line, id: typeof ev.id === 'string' ? ev.id : null, at: typeof ev.at === 'string' ? ev.at : '', context: typeof ev.context === 'string' ? ev.context : null };
        }
        catch {
            return { line, id: null, at: '', context: null };
        }
    });
}
/** Union of events by id: local lines are kept as they are, incoming ones added, each month file sorted by time. */
function mergeEvents(eventsDir, context, incoming, stats) {
    const known = new Set();
    const local = new Map();
    for (const f of listFiles(eventsDir)) {
        if (!f.endsWith('.jsonl'))
            continue;
        const lines = parseLines((0,external_node_fs_.readFileSync)((0,external_node_path_.join)(eventsDir, f), 'utf8'));
        local.set(f, lines);
        for (const l of lines)
            if (l.id)
                known.add(l.id);
    }
    for (const file of incoming) {
        const name = file.path.slice('events/'.length);
        const added = [];
        for (const l of parseLines(file.data.toString('utf8'))) {
            if (!l.id || known.has(l.id))
                continue;
            if (l.context !== context) {
                stats.foreign_dropped++;
                continue;
            }
            known.add(l.id);
            added.push(l);
        }
        if (!added.length)
            continue;
        const merged = [...(local.get(name) ?? []), ...added].map((l, i) => ({ l, i })).sort((a, b) => (a.l.at < b.l.at ? -1 : a.l.at > b.l.at ? 1 : a.i - b.i)).map((x) => x.l.line);
        (0,fs_safe/* writeFilePrivate */.B)((0,external_node_path_.join)(eventsDir, name), merged.join('\n') + '\n');
        stats.events_added += added.length;
    }
}
/** History rows by id (insert missing), kv by key (the newer updated_at wins); only this context's rows. */
function mergeDb(dbPath, context, incoming, stats) {
    const tmp = (0,external_node_path_.join)((0,external_node_path_.dirname)(dbPath), `.merge-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.db`);
    (0,external_node_fs_.writeFileSync)(tmp, incoming, { mode: 0o600 });
    try {
        // brings an older incoming schema up to date (and refuses a newer one)
        try {
            new state_db/* StateDb */.ui(tmp).close();
        }
        catch (e) {
            throw new errors.PaasError('PAAS_STATE_CORRUPT', `the incoming state.db cannot be opened: ${e instanceof Error ? e.message : String(e)}`, {
                stage: 'state_merge',
                remediation: 'Upgrade paas-actions if the state was written by a newer version; otherwise restore from a backup or reset the state.',
            });
        }
        const local = new state_db/* StateDb */.ui(dbPath);
        try {
            local.db.prepare('ATTACH DATABASE ? AS incoming').run(tmp);
            try {
                local.transaction(() => {
                    const h = local.db.prepare('INSERT OR IGNORE INTO history (id, context, kind, at, data) SELECT id, context, kind, at, data FROM incoming.history WHERE context = ?').run(context);
                    stats.history_added += Number(h.changes);
                    const kv = local.db
                        .prepare('INSERT INTO kv (context, key, value, updated_at) SELECT context, key, value, updated_at FROM incoming.kv WHERE context = ? ON CONFLICT (context, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at WHERE excluded.updated_at > kv.updated_at')
                        .run(context);
                    stats.kv_updated += Number(kv.changes);
                    const foreign = local.db.prepare('SELECT (SELECT count(*) FROM incoming.history WHERE context != ?) + (SELECT count(*) FROM incoming.kv WHERE context != ?) AS n').get(context, context);
                    stats.foreign_dropped += foreign.n;
                });
            }
            finally {
                local.db.exec('DETACH DATABASE incoming');
            }
        }
        finally {
            local.close();
        }
    }
    finally {
        for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`])
            (0,external_node_fs_.rmSync)(p, { force: true });
    }
}
/**
 * Merges incoming files (a restored cache blob or another run's save) into a context directory
 * that exists. Append-only data is united (events and history by id), kv is last-writer-wins by
 * updated_at, config.json and cache/ files already present locally are kept.
 */
function mergeInto(paths, context, files, stateRoot) {
    const stats = emptyStats();
    (0,fs_safe/* mkdirPrivate */.D)(paths.events);
    (0,fs_safe/* mkdirPrivate */.D)(paths.cache);
    const config = files.find((f) => f.path === 'config.json');
    if (config && !(0,external_node_fs_.existsSync)(paths.config)) {
        (0,fs_safe/* writeFilePrivate */.B)(paths.config, rebaseConfig(config.data, context, stateRoot));
        stats.files_added++;
    }
    const db = files.find((f) => f.path === 'state.db');
    if (db)
        mergeDb(paths.stateDb, context, db.data, stats);
    else if (!(0,external_node_fs_.existsSync)(paths.stateDb))
        new state_db/* StateDb */.ui(paths.stateDb).close();
    mergeEvents(paths.events, context, files.filter((f) => f.path.startsWith('events/')), stats);
    for (const f of files.filter((x) => x.path.startsWith('cache/'))) {
        const target = (0,external_node_path_.join)(paths.cache, ...f.path.slice('cache/'.length).split('/'));
        if ((0,external_node_fs_.existsSync)(target))
            continue;
        (0,fs_safe/* mkdirPrivate */.D)((0,external_node_path_.dirname)(target));
        (0,fs_safe/* writeFilePrivate */.B)(target, f.data);
        stats.files_added++;
    }
    return stats;
}
/** config.json as it must be on this machine: same context, state_root = this state root. */
function rebaseConfig(data, context, stateRoot) {
    let raw;
    try {
        raw = JSON.parse(data.toString('utf8'));
    }
    catch {
        throw new errors.PaasError('PAAS_STATE_CORRUPT', 'the incoming config.json is not JSON', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
    }
    const r = isolation_context/* contextConfigSchema */.p4.safeParse(raw);
    if (!r.success)
        throw new errors.PaasError('PAAS_STATE_CORRUPT', 'the incoming config.json does not match the context schema', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
    if (r.data.name !== context) {
        throw new errors.PaasError('PAAS_STATE_DECRYPT_FAILED', `the incoming config.json belongs to context ${r.data.name}, not ${context}; refused`, { stage: 'state_restore', remediation: 'Restore state of the same context only.' });
    }
    return JSON.stringify({ ...r.data, state_root: stateRoot }, null, 2) + '\n';
}
/**
 * Lays out a context that does not exist locally from incoming files: built in a temporary
 * directory beside it and renamed into place, so a failure leaves nothing half-written.
 */
function materialize(contextsDir, paths, context, files, stateRoot) {
    (0,fs_safe/* mkdirPrivate */.D)(contextsDir);
    const tmp = (0,external_node_path_.join)(contextsDir, `.tmp-restore-${context}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`);
    const tmpPaths = { dir: tmp, config: (0,external_node_path_.join)(tmp, 'config.json'), stateDb: (0,external_node_path_.join)(tmp, 'state.db'), events: (0,external_node_path_.join)(tmp, 'events'), cache: (0,external_node_path_.join)(tmp, 'cache') };
    try {
        (0,fs_safe/* mkdirPrivate */.D)(tmp);
        const stats = mergeInto(tmpPaths, context, files, stateRoot);
        if (!(0,external_node_fs_.existsSync)(tmpPaths.config)) {
            throw new errors.PaasError('PAAS_STATE_CORRUPT', 'the incoming state has no config.json', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
        }
        for (const side of ['-wal', '-shm'])
            (0,external_node_fs_.rmSync)(tmpPaths.stateDb + side, { force: true });
        (0,external_node_fs_.chmodSync)(tmpPaths.stateDb, 0o600);
        if ((0,external_node_fs_.existsSync)(paths.dir))
            throw new errors.PaasError('PAAS_CONTEXT_EXISTS', `context ${context} appeared while it was being restored`, { stage: 'state_restore', remediation: 'Run again.' });
        (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(paths.dir), { recursive: true, mode: 0o700 });
        // rename is atomic within the contexts directory
        (0,external_node_fs_.renameSync)(tmp, paths.dir);
        return stats;
    }
    catch (e) {
        (0,external_node_fs_.rmSync)(tmp, { recursive: true, force: true });
        throw e;
    }
}

;// CONCATENATED MODULE: ./lib/persistence/persist.ts







/**
 * State that survives ephemeral runners: restore the newest sealed entry of a context at the
 * start of a step, save a new one (merged with whatever other runs saved meanwhile) in `post:`.
 *
 * Keys: `paas-state-v<schema>/<context>/<run id>-<attempt>-<random>`; restore asks for the prefix
 * `paas-state-v<schema>/<context>/` (the `/` ends the context name, so `customer-a` never
 * matches `customer-a-2`). Entries are immutable: every save is a new key.
 */
function keyPrefix(context, schema = state_db/* STATE_SCHEMA_VERSION */.b8) {
    return `paas-state-v${schema}/${context}/`;
}
function newEntryKey(context, env) {
    const run = /^[0-9]{1,20}$/.test(env.GITHUB_RUN_ID ?? '') ? env.GITHUB_RUN_ID : 'local';
    const attempt = /^[0-9]{1,6}$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1';
    return `${keyPrefix(context)}${run}-${attempt}-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`;
}
function scope(context) {
    return { purpose: 'state', context, schema: state_db/* STATE_SCHEMA_VERSION */.b8 };
}
function remediation(context) {
    return (`Check that ${STATE_KEY_NAME} in the vault of context ${context} is the key that saved its state (anyone who can write this repository's caches can plant an entry; it is refused). ` +
        'To give up the cached state, set the input state_reset: true for one run: the state starts empty and the next save replaces it (targets keep the release history; deploy reconcile rebuilds the picture).');
}
/** Decrypts, authenticates and unpacks one entry of this context, or throws PAAS_STATE_DECRYPT_FAILED / PAAS_STATE_CORRUPT. */
function openEntry(d, key, blob) {
    const what = `cache entry ${key}`;
    const plain = crypto_open(blob, d.secret, scope(d.context), { what, remediation: remediation(d.context) });
    const b = unpackBundle(plain, what);
    if (b.manifest.context !== d.context || b.manifest.schema !== state_db/* STATE_SCHEMA_VERSION */.b8) {
        throw new errors.PaasError('PAAS_STATE_CORRUPT', `the ${what} holds state of context ${b.manifest.context} v${b.manifest.schema}; refused`, { stage: 'state_restore', remediation: remediation(d.context) });
    }
    return b;
}
function stateDigest(files) {
    return sha256(files.map((f) => `${f.path}:${sha256(f.data)}`).join('\n'));
}
function describe(s) {
    return `${s.events_added} event(s), ${s.history_added} history row(s), ${s.kv_updated} kv value(s), ${s.files_added} file(s)`;
}
function apply(d, files) {
    const p = d.store.paths(d.context);
    const stats = d.store.exists(d.context) ? mergeInto(p, d.context, files, d.store.root.path) : materialize(d.store.contextsDir, p, d.context, files, d.store.root.path);
    if (stats.foreign_dropped)
        d.logger.warn(`state: dropped ${stats.foreign_dropped} row(s)/event(s) of another context found in the restored state of ${d.context}`);
    return stats;
}
function localDigest(d) {
    if (!d.store.exists(d.context))
        return null;
    return stateDigest(snapshotContext(d.store.paths(d.context), { includeCache: true }).files);
}
const refusable = (e) => (0,errors/* isPaasError */.Q5)(e) && (e.code === 'PAAS_STATE_DECRYPT_FAILED' || e.code === 'PAAS_STATE_CORRUPT');
/** Restores the newest entry of the context into the state root (merging when the context exists locally). */
async function restoreState(d, opts) {
    const prefix = keyPrefix(d.context);
    let entry;
    try {
        entry = await d.cache.restore(prefix);
    }
    catch (e) {
        if (!(opts.reset && refusable(e)))
            throw e;
        d.logger.warn(`state: state_reset is set: ignoring the cached state of ${d.context} that could not be restored (${e.message}); starting from empty state`);
        const target = (0,errors/* isPaasError */.Q5)(e) ? e.target : null;
        return { status: 'reset', key: null, lineage: [], resetKeys: target ? [target] : [], digest: localDigest(d) };
    }
    if (!entry) {
        d.logger.info(`state: no cached state for context ${d.context} (first run, or evicted after 7 days without use); starting from the state root as it is`);
        return { status: 'miss', key: null, lineage: [], resetKeys: [], digest: localDigest(d) };
    }
    let bundle;
    try {
        bundle = openEntry(d, entry.key, entry.blob);
    }
    catch (e) {
        if (!(opts.reset && refusable(e)))
            throw e;
        d.logger.warn(`state: state_reset is set: ignoring ${entry.key}: ${e.message}; context ${d.context} starts from empty state and the next save replaces it`);
        return { status: 'reset', key: null, lineage: [], resetKeys: [entry.key], digest: localDigest(d) };
    }
    if (opts.reset)
        d.logger.info(`state: state_reset is set but ${entry.key} decrypted fine; it is restored (state_reset only skips an entry that is refused)`);
    const stats = apply(d, bundle.files);
    d.logger.info(`state: restored context ${d.context} from ${entry.key}: ${describe(stats)} added`);
    return { status: 'restored', key: entry.key, lineage: bundle.manifest.lineage, resetKeys: [], digest: localDigest(d), stats };
}
const MAX_ROUNDS = 3;
/** The newest entry; one that cannot be downloaded is skipped when this run was told to reset it. */
async function newest(d, prefix, resetKeys) {
    try {
        return await d.cache.restore(prefix);
    }
    catch (e) {
        if ((0,errors/* isPaasError */.Q5)(e) && e.code === 'PAAS_STATE_CORRUPT' && e.target && resetKeys.includes(e.target))
            return { key: e.target, blob: Buffer.alloc(0) };
        throw e;
    }
}
/**
 * Saves the context's state as a new entry. Before sealing, merges the newest entry when it is
 * not one this state already includes (another run saved meanwhile); after saving, checks that
 * no run saved in between without including ours, and merges and saves again if one did.
 * Entries that fail to decrypt stop the save (nothing is silently shadowed), except the ones the
 * run was told to reset.
 */
async function saveState(d, input) {
    if (!d.store.exists(d.context))
        return { status: 'no_state', key: null, merged: [] };
    const prefix = keyPrefix(d.context);
    const included = new Set([...input.lineage, ...(input.base ? [input.base] : [])]);
    const lineage = [...input.lineage, ...(input.base && !input.lineage.includes(input.base) ? [input.base] : [])];
    const merged = [];
    let savedKey = null;
    // the newest entry this state was brought level with, and that entry's content digest
    let level = input.base && input.digest ? { key: input.base, digest: input.digest } : null;
    let pending = await newest(d, prefix, input.resetKeys);
    for (let round = 0; round < MAX_ROUNDS; round++) {
        if (pending && !included.has(pending.key)) {
            if (input.resetKeys.includes(pending.key)) {
                included.add(pending.key);
            }
            else {
                const b = openEntry(d, pending.key, pending.blob);
                const stats = apply(d, b.files);
                for (const k of [...b.manifest.lineage, pending.key]) {
                    if (!included.has(k))
                        lineage.push(k);
                    included.add(k);
                }
                merged.push(pending.key);
                level = { key: pending.key, digest: stateDigest(b.files) };
                d.logger.info(`state: merged ${pending.key}, saved by another run meanwhile: ${describe(stats)} added`);
            }
        }
        const snap = snapshotContext(d.store.paths(d.context), { includeCache: true });
        if (snap.skipped.length && round === 0)
            d.logger.info(`state: not carried over (over the size limits of cache/): ${snap.skipped.join(', ')}`);
        if (round === 0 && level && stateDigest(snap.files) === level.digest) {
            d.logger.info(`state: context ${d.context} unchanged since ${level.key}; nothing to save`);
            return { status: 'unchanged', key: level.key, merged };
        }
        assertNoSecret(snap.files, d.needles, `state cache entry of ${d.context}`);
        const key = newEntryKey(d.context, d.env);
        const packed = packBundle({ context: d.context, schema: state_db/* STATE_SCHEMA_VERSION */.b8, created_at: d.now().toISOString(), lineage: [...lineage, key].slice(-LINEAGE_CAP) }, snap.files);
        if (!(await d.cache.save(key, seal(packed, d.secret, scope(d.context), d.now())))) {
            d.logger.info(`state: the cache did not take ${key} (read-only cache token, e.g. a pull request from a fork, or the cache service refused it); the next run restores the previous entry`);
            return { status: savedKey ? 'saved' : 'not_saved', key: savedKey, merged };
        }
        savedKey = key;
        included.add(key);
        lineage.push(key);
        d.logger.info(`state: saved context ${d.context} as ${key}`);
        const latest = await d.cache.lookup(prefix);
        if (!latest || included.has(latest))
            return { status: 'saved', key, merged };
        // another run saved after our look at the newest entry: keep ours only if theirs includes it
        try {
            pending = await newest(d, prefix, input.resetKeys);
            if (!pending || included.has(pending.key) || input.resetKeys.includes(pending.key))
                return { status: 'saved', key, merged };
            if (openEntry(d, pending.key, pending.blob).manifest.lineage.includes(key))
                return { status: 'saved', key, merged };
        }
        catch (e) {
            // ours is saved; a newer entry that cannot be opened is refused by the next run, loudly
            d.logger.warn(`state: saved ${key}, but a newer entry of ${d.context} cannot be opened: ${e.message}`);
            return { status: 'saved', key, merged };
        }
    }
    d.logger.warn(`state: other runs of context ${d.context} kept saving concurrently; the newest entry may lack some of this run's events. Use a \`concurrency\` group per context in the workflow.`);
    return { status: 'saved', key: savedKey, merged };
}

;// CONCATENATED MODULE: ./lib/persistence/action-hooks.ts














/**
 * The two calls the action runtime makes: `restoreForAction` at the start of every action's
 * main step, `saveForPost` in the shared `post:` step. What main restored is handed to post
 * through the runner's step state (GITHUB_STATE); secrets never are (post reads the vault again).
 */
const PERSIST_STATE = post_check/* POST_STATE_NAMES */.A.persist;
const truthy = (v) => v === true || v === 'true' || v === 'True' || v === 'TRUE';
/** Everything persistence needs for one context, or why it is off. Throws what the operation would throw too (unsafe root, bad vault). */
async function persistenceSetup(rt, a) {
    const store = new isolation_store/* ContextStore */.n((0,state_root/* guardStateRoot */.h5)((0,state_root/* stateRootPath */.DP)({ input: a.stateRoot, env: rt.env }), { workspace: rt.workspace, allowUnsafe: a.allowUnsafe }));
    const vault = (0,isolation_vault/* loadVault */.dn)({
        context: a.context,
        text: a.vaultText || rt.env.PAAS_VAULT,
        file: store.exists(a.context) ? store.get(a.context).vault_file : null,
        env: rt.env,
        envKeys: [STATE_KEY_NAME],
        workspace: rt.workspace,
        redactor: rt.redactor,
    });
    const hosted = rt.env.RUNNER_ENVIRONMENT === 'github-hosted';
    const secret = vault.get(STATE_KEY_NAME);
    if (!secret) {
        return {
            off: `state persistence is off for context ${a.context}: its vault has no ${STATE_KEY_NAME}, and state is never cached unencrypted. ${hosted ? 'On this GitHub-hosted runner the state root is lost when the job ends' : 'State stays in the state root of this runner'} (docs/state.md).`,
            level: hosted ? 'warn' : 'info',
        };
    }
    const cache = a.cache ?? ((await ActionsCacheStore.available()) ? new ActionsCacheStore((0,external_node_path_.join)(rt.env.RUNNER_TEMP || (0,external_node_os_.tmpdir)(), 'paas-state-cache', a.context)) : null);
    if (!cache) {
        return { off: `state persistence is off for context ${a.context}: no Actions cache service on this runner; keep a persistent state_root instead (docs/state.md).`, level: hosted ? 'warn' : 'info' };
    }
    const values = new Map();
    for (const k of vault.keys()) {
        const v = vault.get(k);
        if (v)
            values.set(k, v);
    }
    return { deps: { store, context: a.context, secret, needles: needlesFor(values), cache, logger: rt.logger, env: rt.env, now: rt.now } };
}
/**
 * Main step: restores the newest cached state of the step's context. Returns the failure outcome
 * when the cached state is refused (the operation does not run), null otherwise. Never throws.
 */
async function restoreForAction(rt, opName, raw, cache) {
    const context = raw.context && names/* CONTEXT_NAME_RE */.g_.test(raw.context) ? raw.context : null;
    if (!context)
        return null;
    let setup;
    try {
        setup = await persistenceSetup(rt, { context, stateRoot: raw.state_root, allowUnsafe: truthy(raw.allow_unsafe_state_root), vaultText: raw.vault, cache });
    }
    catch (e) {
        rt.logger.debug(`state: persistence skipped: ${(0,errors/* toErrorInfo */.K$)(e).message}`);
        return null; // the operation reports the same problem with its own outcome
    }
    if ('off' in setup) {
        if (setup.level === 'warn')
            rt.logger.warn(setup.off);
        else
            rt.logger.info(setup.off);
        return null;
    }
    try {
        const r = await restoreState(setup.deps, { reset: truthy(raw.state_reset) });
        const carried = { v: 1, context, state_root: setup.deps.store.root.path, allow_unsafe: setup.deps.store.root.unsafe, base: r.key, lineage: r.lineage, reset_keys: r.resetKeys, digest: r.digest };
        core/* saveState */.LZ(PERSIST_STATE, JSON.stringify(carried));
        return null;
    }
    catch (e) {
        const command = /^[a-z_]{1,32}$/.test(opName) ? opName : 'paas';
        const mode = raw.mode && /^[a-z_]{1,32}$/.test(raw.mode) ? raw.mode : null;
        return (0,outcome/* failure */.V)(rt.redactor, command, context, mode, e);
    }
}
function parseCarried(text) {
    try {
        const c = JSON.parse(text);
        if (c?.v !== 1 || typeof c.context !== 'string' || !names/* CONTEXT_NAME_RE */.g_.test(c.context) || typeof c.state_root !== 'string')
            return null;
        const strings = (x) => (Array.isArray(x) ? x.filter((s) => typeof s === 'string') : []);
        return { ...c, lineage: strings(c.lineage), reset_keys: strings(c.reset_keys), base: typeof c.base === 'string' ? c.base : null, digest: typeof c.digest === 'string' ? c.digest : null };
    }
    catch {
        return null;
    }
}
/**
 * Post step: saves the context's state as a new cache entry (merged with other runs' saves).
 * Misses and read-only tokens are normal; a refused entry or a vault value found in the state
 * fails the post step loudly (nothing is shadowed, nothing leaks). Never throws.
 */
async function saveForPost(rt, cache) {
    const carried = parseCarried(core/* getState */.Gu(PERSIST_STATE));
    if (!carried) {
        rt.logger.debug('state: nothing to persist from this step');
        return;
    }
    try {
        const setup = await persistenceSetup(rt, { context: carried.context, stateRoot: carried.state_root, allowUnsafe: carried.allow_unsafe, vaultText: core/* getInput */.V4('vault'), cache });
        if ('off' in setup) {
            rt.logger.debug(setup.off);
            return;
        }
        await saveState(setup.deps, { base: carried.base, lineage: carried.lineage, resetKeys: carried.reset_keys, digest: carried.digest });
    }
    catch (e) {
        const info = (0,errors/* toErrorInfo */.K$)(e, 'state_save');
        rt.logger.error(`state of context ${carried.context} not saved: ${info.code}: ${info.message}${info.remediation ? ` Fix: ${info.remediation}` : ''}`);
        process.exitCode = 1;
    }
}


/***/ })

};
