export const id = 124;
export const ids = [124];
export const modules = {

/***/ 4124:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  backupCreate: () => (/* binding */ backupCreate),
  backupRestore: () => (/* binding */ backupRestore),
  backupVerify: () => (/* binding */ backupVerify)
});

// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 11 modules
var schemas = __webpack_require__(2857);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var names = __webpack_require__(9869);
// EXTERNAL MODULE: ./lib/isolation/vault.ts
var isolation_vault = __webpack_require__(4345);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __webpack_require__(6674);
// EXTERNAL MODULE: ./lib/output/summary.ts
var summary = __webpack_require__(9618);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:sqlite"
var external_node_sqlite_ = __webpack_require__(99);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/isolation/context.ts
var isolation_context = __webpack_require__(5654);
// EXTERNAL MODULE: ./lib/isolation/state-root.ts
var state_root = __webpack_require__(9349);
// EXTERNAL MODULE: ./lib/state/db.ts
var state_db = __webpack_require__(4160);
// EXTERNAL MODULE: ./lib/state/fs-safe.ts
var fs_safe = __webpack_require__(339);
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
    return gzipSync(Buffer.concat([len, m, ...files.map((f) => f.data)]), { level: 6 });
}
function corrupt(what, detail) {
    return new PaasError('PAAS_STATE_CORRUPT', `the ${what} decrypted but its content is damaged: ${detail}`, {
        stage: 'state_restore',
        remediation: 'Restore the context from a backup (paas backup restore), or set the input state_reset: true to start from empty state.',
    });
}
function unpackBundle(packed, what = 'state bundle') {
    let raw;
    try {
        raw = gunzipSync(packed, { maxOutputLength: 2 * 1024 * 1024 * 1024 });
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
    return new errors/* PaasError */.wF('PAAS_STATE_DECRYPT_FAILED', message, { stage: 'state_decrypt', remediation });
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
            throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `${STATE_KEY_NAME} is shorter than ${MIN_KEY_LENGTH} characters`, {
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
    const iv = (0,external_node_crypto_.randomBytes)(12);
    const c = (0,external_node_crypto_.createCipheriv)('aes-256-gcm', key, iv);
    c.setAAD(additional);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]);
}
/** Inverse of gcmEncrypt; null when authentication fails. */
function gcmDecrypt(key, sealed, additional) {
    if (sealed.length < 28)
        return null;
    const d = (0,external_node_crypto_.createDecipheriv)('aes-256-gcm', key, sealed.subarray(0, 12));
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
    const iv = randomBytes(12);
    header.iv = iv.toString('base64');
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(headerBytes.length);
    const prefix = Buffer.concat([SEAL_MAGIC, len, headerBytes]);
    const c = createCipheriv('aes-256-gcm', key.encKey(scope), iv);
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
    if (theirs.length !== kcv.length || !timingSafeEqual(theirs, kcv)) {
        throw decryptFailed(`the ${opts.what} was sealed with a different ${STATE_KEY_NAME} (wrong key); refused`, opts.remediation);
    }
    const iv = Buffer.from(header.iv, 'base64');
    if (iv.length !== 12)
        throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
    const d = createDecipheriv('aes-256-gcm', key.encKey(scope), iv);
    d.setAAD(aad(prefix, scope));
    d.setAuthTag(blob.subarray(blob.length - 16));
    try {
        return Buffer.concat([d.update(blob.subarray(prefix.length, blob.length - 16)), d.final()]);
    }
    catch {
        throw decryptFailed(`the ${opts.what} failed authentication (tampered or corrupt); refused`, opts.remediation);
    }
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
    throw new errors/* PaasError */.wF('PAAS_STATE_HOLDS_SECRET', `refusing to write the ${what}: ${hit.file} holds the vault value of ${hit.key} (${hit.form} form)`, {
        stage: 'state_scan',
        target: hit.file,
        remediation: `State must never hold a vault value. Find what wrote it (paas events list), remove it from the context's state, and rotate ${hit.key}.`,
    });
}

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
            throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', `the incoming state.db cannot be opened: ${e instanceof Error ? e.message : String(e)}`, {
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
        throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', 'the incoming config.json is not JSON', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
    }
    const r = isolation_context/* contextConfigSchema */.p4.safeParse(raw);
    if (!r.success)
        throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', 'the incoming config.json does not match the context schema', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
    if (r.data.name !== context) {
        throw new errors/* PaasError */.wF('PAAS_STATE_DECRYPT_FAILED', `the incoming config.json belongs to context ${r.data.name}, not ${context}; refused`, { stage: 'state_restore', remediation: 'Restore state of the same context only.' });
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
            throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', 'the incoming state has no config.json', { stage: 'state_restore', remediation: 'Restore from another backup or reset the state.' });
        }
        for (const side of ['-wal', '-shm'])
            (0,external_node_fs_.rmSync)(tmpPaths.stateDb + side, { force: true });
        (0,external_node_fs_.chmodSync)(tmpPaths.stateDb, 0o600);
        if ((0,external_node_fs_.existsSync)(paths.dir))
            throw new errors/* PaasError */.wF('PAAS_CONTEXT_EXISTS', `context ${context} appeared while it was being restored`, { stage: 'state_restore', remediation: 'Run again.' });
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

;// CONCATENATED MODULE: ./lib/persistence/backup.ts














/**
 * `paas backup`: one file per backup, holding a context's state.db (a `VACUUM INTO` snapshot),
 * events/ and config.json, each file encrypted on its own so that `verify` can name the file a
 * damaged byte belongs to.
 *
 *   "PAASBAK1" | u32 manifest length | manifest JSON | HMAC-SHA256(manifest) (32) | files...
 *
 * The manifest is readable without the key (context, created_at, and per file: path, size,
 * sha256 of the content, offset/length and sha256 of the encrypted bytes); its HMAC and every
 * file's AES-256-GCM tag need the context's PAAS_STATE_KEY. Additional data binds each file to
 * its path, context, schema and backup. The vault is never included.
 */
const BACKUP_MAGIC = Buffer.from('PAASBAK1', 'ascii');
const BACKUP_EXT = '.paasbak';
function scope(context) {
    return { purpose: 'backup', context, schema: state_db/* STATE_SCHEMA_VERSION */.b8 };
}
function fileAad(m, path) {
    return Buffer.from(`paas-backup/1|${m.context}|v${m.schema}|${m.kdf.salt}|${path}`, 'utf8');
}
function mac(key, m, prefix) {
    return (0,external_node_crypto_.createHmac)('sha256', key.macKey(scope(m.context))).update(prefix).digest();
}
/** Builds the backup bytes from a context's files. */
function buildBackup(context, files, secret, now = new Date()) {
    const key = DerivedKey.derive(secret);
    const base = { context, schema: state_db/* STATE_SCHEMA_VERSION */.b8, kdf: key.kdf };
    const encKey = key.encKey(scope(context));
    const bodies = [];
    const entries = [];
    let offset = 0;
    for (const f of files) {
        if (!isAllowedBundlePath(f.path) || f.path.startsWith('cache/'))
            throw new Error(`backup: path not allowed: ${f.path}`);
        const enc = gcmEncrypt(encKey, f.data, fileAad(base, f.path));
        entries.push({ path: f.path, size: f.data.length, sha256: sha256(f.data), offset, length: enc.length, enc_sha256: sha256(enc) });
        bodies.push(enc);
        offset += enc.length;
    }
    const manifest = { format: 'paas-backup/1', context, schema: state_db/* STATE_SCHEMA_VERSION */.b8, created_at: now.toISOString(), kdf: key.kdf, kcv: key.checkValue(), files: entries };
    const m = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(m.length);
    const prefix = Buffer.concat([BACKUP_MAGIC, len, m]);
    return Buffer.concat([prefix, mac(key, manifest, prefix), ...bodies]);
}
function invalid(message, remediation = 'The backup is damaged or was not written by paas backup create; use another backup.') {
    return new errors/* PaasError */.wF('PAAS_BACKUP_INVALID', message, { stage: 'backup_verify', remediation });
}
/** The manifest, readable without the key; throws PAAS_BACKUP_INVALID when the file is not a backup. */
function readManifest(data) {
    if (data.length < BACKUP_MAGIC.length + 4 || !data.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC))
        throw invalid('not a paas backup (unrecognized header)');
    const n = data.readUInt32BE(BACKUP_MAGIC.length);
    const end = BACKUP_MAGIC.length + 4 + n;
    if (n > 16 * 1024 * 1024 || data.length < end + 32)
        throw invalid('manifest: truncated');
    let manifest;
    try {
        manifest = JSON.parse(data.subarray(BACKUP_MAGIC.length + 4, end).toString('utf8'));
    }
    catch {
        throw invalid('manifest: damaged (not JSON)');
    }
    if (manifest?.format !== 'paas-backup/1' || typeof manifest.context !== 'string' || !Array.isArray(manifest.files) || !manifest.kdf || typeof manifest.kcv !== 'string') {
        throw invalid('manifest: damaged (unknown format)');
    }
    return { manifest, prefix: data.subarray(0, end), mac: data.subarray(end, end + 32), body: end + 32 };
}
/**
 * Checks every checksum (the encrypted bytes of each file against the manifest), the manifest's
 * HMAC, each file's authentication tag and content sha256, config.json and state.db's integrity.
 * Returns the report and, when everything holds, the decrypted files.
 */
function verifyBackup(data, secret) {
    const { manifest, prefix, mac: tag, body } = readManifest(data);
    const problems = [];
    const files = [];
    let end = body;
    const sane = manifest.files.filter((f) => {
        const good = typeof f?.path === 'string' && isAllowedBundlePath(f.path) && [f.size, f.offset, f.length].every((x) => Number.isSafeInteger(x) && x >= 0) && typeof f.sha256 === 'string' && typeof f.enc_sha256 === 'string';
        if (!good)
            problems.push('manifest: a file entry is malformed');
        return good;
    });
    for (const f of sane) {
        const start = body + f.offset;
        const stop = start + f.length;
        end = Math.max(end, stop);
        if (stop > data.length) {
            files.push({ path: f.path, size: f.size, ok: false, problem: 'truncated' });
            problems.push(`${f.path}: truncated`);
        }
        else if (sha256(data.subarray(start, stop)) !== f.enc_sha256) {
            files.push({ path: f.path, size: f.size, ok: false, problem: 'sha256 mismatch' });
            problems.push(`${f.path}: sha256 mismatch (the file's bytes in the backup were changed)`);
        }
        else {
            files.push({ path: f.path, size: f.size, ok: true });
        }
    }
    if (data.length > end)
        problems.push('backup: unexpected bytes after the last file');
    // the key: a wrong key is told apart from damage before anything else is concluded
    let key;
    try {
        key = DerivedKey.forOpening(secret, manifest.kdf);
    }
    catch (e) {
        if (e instanceof errors/* PaasError */.wF && e.code === 'PAAS_INVALID_ARGUMENT')
            throw e;
        throw invalid('manifest: damaged (key-derivation parameters)');
    }
    if (key.checkValue() !== manifest.kcv) {
        // either the key is wrong or the manifest's key-check value was damaged; the HMAC cannot tell which
        throw new errors/* PaasError */.wF('PAAS_STATE_DECRYPT_FAILED', `the backup of context ${manifest.context} was encrypted with a different ${STATE_KEY_NAME} (wrong key), or its manifest is damaged${problems.length ? `; also: ${problems.join('; ')}` : ''}`, {
            stage: 'backup_verify',
            remediation: `Use the ${STATE_KEY_NAME} the context had when the backup was made (vault of the context, PAAS_VAULT, --vault-file or the ${STATE_KEY_NAME} environment variable).`,
        });
    }
    const expected = mac(key, manifest, prefix);
    if (expected.length !== tag.length || !(0,external_node_crypto_.timingSafeEqual)(expected, tag))
        problems.unshift('manifest: authentication failed (the manifest or its HMAC was changed)');
    const out = [];
    const encKey = key.encKey(scope(manifest.context));
    for (const f of sane) {
        const v = files.find((x) => x.path === f.path && x.ok);
        if (!v)
            continue;
        const plain = gcmDecrypt(encKey, data.subarray(body + f.offset, body + f.offset + f.length), fileAad(manifest, f.path));
        if (!plain) {
            v.ok = false;
            v.problem = 'authentication failed';
            problems.push(`${f.path}: authentication failed`);
            continue;
        }
        if (plain.length !== f.size || sha256(plain) !== f.sha256) {
            v.ok = false;
            v.problem = 'content sha256 mismatch';
            problems.push(`${f.path}: content sha256 mismatch`);
            continue;
        }
        const content = contentProblem(f.path, plain, manifest.context);
        if (content) {
            v.ok = false;
            v.problem = content;
            problems.push(`${f.path}: ${content}`);
            continue;
        }
        out.push({ path: f.path, data: plain });
    }
    for (const required of ['config.json', 'state.db'])
        if (!sane.some((f) => f.path === required))
            problems.push(`${required}: missing from the backup`);
    const report = { ok: problems.length === 0, context: manifest.context, created_at: manifest.created_at, schema: manifest.schema, files, problems };
    return { report, files: report.ok ? out : null };
}
/** What is wrong with a decrypted file's content, or null. */
function contentProblem(path, data, context) {
    if (path === 'config.json') {
        let raw;
        try {
            raw = JSON.parse(data.toString('utf8'));
        }
        catch {
            return 'not JSON';
        }
        const r = isolation_context/* contextConfigSchema */.p4.safeParse(raw);
        if (!r.success)
            return 'does not match the context schema';
        if (r.data.name !== context)
            return `belongs to context ${r.data.name}`;
        return null;
    }
    if (path === 'state.db')
        return dbProblem(data);
    return null;
}
function dbProblem(data) {
    const tmp = (0,external_node_path_.join)((0,external_node_os_.tmpdir)(), `paas-verify-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.db`);
    (0,external_node_fs_.writeFileSync)(tmp, data, { mode: 0o600 });
    try {
        const db = new external_node_sqlite_.DatabaseSync(tmp, { readOnly: true });
        try {
            const rows = db.prepare('PRAGMA integrity_check').all();
            const first = rows[0] ? String(Object.values(rows[0])[0]) : 'no result';
            if (first !== 'ok')
                return `SQLite integrity check failed (${first.slice(0, 120)})`;
            const v = db.prepare('SELECT max(version) AS v FROM schema_version').get();
            if ((v?.v ?? 0) > state_db/* STATE_SCHEMA_VERSION */.b8)
                return `schema v${v?.v} is newer than this paas-actions (v${state_db/* STATE_SCHEMA_VERSION */.b8})`;
            return null;
        }
        finally {
            db.close();
        }
    }
    catch (e) {
        return `not a readable SQLite database (${e instanceof Error ? e.message.slice(0, 120) : 'error'})`;
    }
    finally {
        (0,external_node_fs_.rmSync)(tmp, { force: true });
    }
}
/** Why a backup may not be written at `path` (inside a git work tree or the workspace), or null. */
function backupPathProblem(path, workspace) {
    const real = (0,state_root/* realPathLoose */.Yb)(path);
    const tree = (0,state_root/* findGitWorkTree */.$o)(real);
    if (tree)
        return `backup path ${real} is inside the git work tree ${tree}`;
    if (workspace && (0,state_root/* isInside */.FK)(real, (0,state_root/* realPathLoose */.Yb)(workspace)))
        return `backup path ${real} is inside GITHUB_WORKSPACE`;
    return null;
}
function defaultBackupPath(store, context, now) {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return (0,external_node_path_.join)(store.root.path, 'backups', context, `paas-backup-${context}-${stamp}${BACKUP_EXT}`);
}
/** Snapshots the context (state.db via VACUUM INTO, events/, config.json), scans it for vault values, writes the encrypted backup. */
function createBackup(store, context, secret, needles, out, workspace, now = new Date()) {
    store.get(context);
    const problem = backupPathProblem(out, workspace);
    if (problem) {
        throw new errors/* PaasError */.wF('PAAS_STATE_ROOT_UNSAFE', problem, {
            stage: 'backup',
            remediation: 'Write backups outside any repository: leave --out empty (they go under <state_root>/backups/<context>/) or name a directory outside the work tree.',
        });
    }
    if ((0,external_node_fs_.existsSync)(out))
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `backup file ${out} already exists`, { stage: 'backup', remediation: 'Choose another --out path; backups are never overwritten.' });
    const { files } = snapshotContext(store.paths(context), { includeCache: false });
    assertNoSecret(files, needles, `backup of ${context}`);
    const data = buildBackup(context, files, secret, now);
    (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(out), { recursive: true, mode: 0o700 });
    (0,fs_safe/* writeFilePrivate */.B)(out, data);
    return { path: out, bytes: data.length, files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })) };
}
/** Refuses a backup of another context (PAAS_BACKUP_CONTEXT_MISMATCH), before any key is needed. */
function assertBackupContext(manifest, context) {
    if (manifest.context === context)
        return;
    throw new errors/* PaasError */.wF('PAAS_BACKUP_CONTEXT_MISMATCH', `the backup belongs to context ${JSON.stringify(manifest.context.slice(0, 64))}, not ${context}; refused`, {
        stage: 'backup_restore',
        remediation: 'Restore a backup into its own context only (--context <the backup\'s context>); copying between contexts is paas context export/import (metadata only).',
    });
}
/**
 * Restores a verified backup into `context`: refuses another context's backup, verifies every
 * file first, refuses to replace a context holding events or history without `force`, then lays
 * the context out in a temporary directory and swaps it into place.
 */
function restoreBackup(store, context, data, secret, force, redactor) {
    assertBackupContext(readManifest(data).manifest, context);
    const { report, files } = verifyBackup(data, secret);
    if (!report.ok || !files) {
        throw new errors/* PaasError */.wF('PAAS_BACKUP_INVALID', `the backup failed verification; nothing was restored: ${report.problems.join('; ')}`, { stage: 'backup_verify', remediation: 'Use another backup; run paas backup verify on it first.' });
    }
    const p = store.paths(context);
    let aside = null;
    if ((0,external_node_fs_.existsSync)(p.dir)) {
        if (store.exists(context)) {
            const c = store.contents(context, redactor);
            if (!force && (c.events > 0 || c.history > 0)) {
                throw new errors/* PaasError */.wF('PAAS_CONTEXT_NOT_EMPTY', `context ${context} holds ${c.events} event(s) and ${c.history} history row(s); restoring replaces them`, {
                    stage: 'backup_restore',
                    remediation: `Back it up first (paas backup create --context ${context}), then restore with --force.`,
                });
            }
        }
        aside = (0,external_node_path_.join)(store.contextsDir, `.pre-restore-${context}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`);
        (0,external_node_fs_.renameSync)(p.dir, aside);
    }
    try {
        const stats = materialize(store.contextsDir, p, context, files, store.root.path);
        if (aside)
            (0,external_node_fs_.rmSync)(aside, { recursive: true, force: true });
        return { report, stats, replaced: aside !== null };
    }
    catch (e) {
        if (aside) {
            (0,external_node_fs_.rmSync)(p.dir, { recursive: true, force: true });
            (0,external_node_fs_.renameSync)(aside, p.dir);
        }
        throw e;
    }
}
function readBackupFile(path) {
    if (!(0,external_node_fs_.existsSync)(path))
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `backup file ${path} does not exist`, { stage: 'backup', remediation: 'Pass the path of a file written by paas backup create.' });
    return (0,external_node_fs_.readFileSync)(path);
}

// EXTERNAL MODULE: ./lib/runtime/execute.ts
var execute = __webpack_require__(3206);
// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __webpack_require__(8364);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var session = __webpack_require__(1805);
// EXTERNAL MODULE: ./lib/ops/registry.ts + 5 modules
var registry = __webpack_require__(7947);
;// CONCATENATED MODULE: ./lib/ops/backup/checks.ts






function walk(dir, out = []) {
    for (const n of (0,external_node_fs_.readdirSync)(dir)) {
        const p = (0,external_node_path_.join)(dir, n);
        const st = (0,external_node_fs_.lstatSync)(p);
        out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
        if (st.isDirectory())
            walk(p, out);
    }
    return out;
}
function restoredContextChecks(store, context, needles, workspace) {
    const checks = [];
    const rootProblem = (0,state_root/* stateRootProblem */.Z4)(store.root.path, workspace);
    checks.push({ name: 'state_root_outside_repo', ok: !rootProblem, detail: rootProblem ?? `state root ${store.root.path} is outside every repository` });
    const config = store.get(context);
    const vaultProblem = config.vault_file ? (0,isolation_vault/* vaultFileProblem */.Sw)(config.vault_file, workspace) : null;
    checks.push({
        name: 'context_vault_outside_repo',
        ok: !vaultProblem,
        detail: vaultProblem ?? (config.vault_file ? 'the vault file is outside every repository with mode 0600' : 'no vault file (secrets come from the vault input or env)'),
    });
    const p = store.paths(context);
    const entries = walk(p.dir);
    const loose = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => e.path.slice(p.dir.length + 1));
    checks.push({ name: 'private_modes', ok: loose.length === 0, detail: loose.length ? `readable by group/others: ${loose.join(', ')}` : 'every file 0600 and directory 0700' });
    let foreign = 0;
    if ((0,external_node_fs_.existsSync)(p.stateDb)) {
        const db = new external_node_sqlite_.DatabaseSync(p.stateDb, { readOnly: true });
        try {
            const r = db.prepare('SELECT (SELECT count(*) FROM history WHERE context != ?) + (SELECT count(*) FROM kv WHERE context != ?) AS n').get(context, context);
            foreign += r.n;
        }
        finally {
            db.close();
        }
    }
    for (const e of entries.filter((x) => !x.dir && x.path.startsWith(p.events) && x.path.endsWith('.jsonl'))) {
        for (const line of (0,external_node_fs_.readFileSync)(e.path, 'utf8').split('\n')) {
            if (!line.trim())
                continue;
            try {
                if (JSON.parse(line).context !== context)
                    foreign++;
            }
            catch {
                /* unparseable lines are skipped by the event reader */
            }
        }
    }
    checks.push({ name: 'cross_context_contamination', ok: foreign === 0, detail: foreign ? `${foreign} row(s)/event(s) of another context` : `every row and event belongs to ${context}` });
    const files = entries.filter((e) => !e.dir).map((e) => ({ path: e.path.slice(p.dir.length + 1), data: (0,external_node_fs_.readFileSync)(e.path) }));
    const hit = findSecret(files, needles);
    checks.push({ name: 'no_vault_value_in_state', ok: !hit, detail: hit ? `${hit.file} holds the vault value of ${hit.key}` : `${files.length} file(s) hold no vault value` });
    return checks;
}

;// CONCATENATED MODULE: ./lib/ops/backup/index.ts














/**
 * `paas backup create|verify|restore`: per-context encrypted archives of state.db, events/ and
 * config.json with a sha256 manifest (lib/persistence/backup.ts). The key is the context's
 * PAAS_STATE_KEY, from its vault file, PAAS_VAULT / --vault, --vault-file, or the
 * PAAS_STATE_KEY environment variable. Never the vault itself.
 */
const common = {
    state_root: inputs/* pathInput */.gm.optional(),
    allow_unsafe_state_root: inputs/* boolInput */.Hm.default(false),
    vault: schemas/* string */.YjP().max(1_000_000).optional(),
    vault_file: inputs/* pathInput */.gm.optional(),
};
function keyFor(rt, store, context, a, purpose) {
    const vault = (0,isolation_vault/* loadVault */.dn)({
        context,
        text: a.vault ?? rt.env.PAAS_VAULT,
        file: a.vault_file ?? (store.exists(context) ? store.get(context).vault_file : null),
        env: rt.env,
        envKeys: [STATE_KEY_NAME],
        workspace: rt.workspace,
        redactor: rt.redactor,
    });
    const secret = vault.require(STATE_KEY_NAME, purpose);
    const values = new Map();
    for (const k of vault.keys()) {
        const v = vault.get(k);
        if (v)
            values.set(k, v);
    }
    return { secret, needles: needlesFor(values) };
}
const createSchema = schemas/* object */.Ikc({ context: names/* contextName */.fW.optional(), out: inputs/* pathInput */.gm.optional(), ...common }).strict();
function backupCreate(rt, raw) {
    const a = (0,inputs/* parseInputs */.TL)(createSchema, raw, 'argument');
    const store = (0,session/* openStore */.Ch)(rt, a);
    const c = (0,session/* resolveContext */.wK)(rt, store, a.context, { mutating: false, createIfMissing: false });
    const { secret, needles } = keyFor(rt, store, c.name, a, 'backup encryption');
    const out = a.out ?? defaultBackupPath(store, c.name, rt.now());
    const r = createBackup(store, c.name, secret, needles, out, rt.workspace, rt.now());
    store.events(c.name, rt.redactor).append('backup.created', `backup of ${c.name} written`, { path: r.path, files: r.files.length, bytes: r.bytes });
    return (0,outcome/* outcome */.b)(rt.redactor, {
        command: 'backup_create',
        context: c.name,
        line: [['context', c.name], ['files', r.files.length]],
        fields: { path: r.path, bytes: r.bytes, files: r.files },
        text: `backup of ${c.name} written to ${r.path} (${r.files.length} files, ${r.bytes} bytes, encrypted)`,
        summary: (0,summary/* markdownTable */.Q)(['file', 'bytes', 'sha256'], r.files.map((f) => [f.path, String(f.size), f.sha256])),
    });
}
const verifySchema = schemas/* object */.Ikc({ file: inputs/* pathInput */.gm, context: names/* contextName */.fW.optional(), ...common }).strict();
function backupVerify(rt, raw) {
    const a = (0,inputs/* parseInputs */.TL)(verifySchema, raw, 'argument');
    const store = (0,session/* openStore */.Ch)(rt, a);
    const data = readBackupFile(a.file);
    const { manifest } = readManifest(data);
    if (a.context && a.context !== manifest.context) {
        throw new errors/* PaasError */.wF('PAAS_BACKUP_CONTEXT_MISMATCH', `the backup belongs to context ${JSON.stringify(manifest.context.slice(0, 64))}, not ${a.context}`, { stage: 'backup_verify', remediation: 'Check that this is the backup you mean.' });
    }
    const context = (0,inputs/* parseInputs */.TL)(names/* contextName */.fW, manifest.context, 'backup context');
    const { secret } = keyFor(rt, store, context, a, 'backup verification');
    const { report } = verifyBackup(data, secret);
    const fields = { file: a.file, created_at: report.created_at, files: report.files, problems: report.problems };
    if (!report.ok) {
        const e = new errors/* PaasError */.wF('PAAS_BACKUP_INVALID', `backup verification failed: ${report.problems.join('; ')}`, { stage: 'backup_verify', target: report.files.find((f) => !f.ok)?.path ?? 'manifest', remediation: 'Do not restore this backup; use another one.' });
        return (0,outcome/* failure */.V)(rt.redactor, 'backup_verify', context, null, e, fields);
    }
    return (0,outcome/* outcome */.b)(rt.redactor, {
        command: 'backup_verify',
        context,
        line: [['context', context], ['files', report.files.length]],
        fields,
        text: `backup of ${context} (${report.created_at}) verified: ${report.files.map((f) => `${f.path} ok`).join(', ')}`,
    });
}
const restoreSchema = schemas/* object */.Ikc({ file: inputs/* pathInput */.gm, context: names/* contextName */.fW, force: inputs/* boolInput */.Hm.default(false), ...common }).strict();
async function backupRestore(rt, raw) {
    const a = (0,inputs/* parseInputs */.TL)(restoreSchema, raw, 'argument');
    const store = (0,session/* openStore */.Ch)(rt, a);
    const data = readBackupFile(a.file);
    assertBackupContext(readManifest(data).manifest, a.context);
    const { secret, needles } = keyFor(rt, store, a.context, a, 'backup restore');
    const r = restoreBackup(store, a.context, data, secret, a.force, rt.redactor);
    store.events(a.context, rt.redactor).append('backup.restored', `context ${a.context} restored from a backup`, { path: a.file, created_at: r.report.created_at, replaced: r.replaced }, 'warning');
    // afterwards: the isolation checks on the restored files, then doctor when this build has it
    const checks = restoredContextChecks(store, a.context, needles, rt.workspace);
    let doctor = { ran: false, ok: null, status: null };
    if ((0,registry/* operation */.t)('doctor').run) {
        const o = await (0,execute/* executeOperation */.R)(rt, 'doctor', { context: a.context, state_root: store.root.path, allow_unsafe_state_root: a.allow_unsafe_state_root, ...(a.vault ? { vault: a.vault } : {}) });
        doctor = { ran: true, ok: o.exitCode === 0, status: o.lines.at(-1) ?? null };
    }
    else {
        rt.logger.info('doctor is not available in this build: ran the isolation checks on the restored context only');
    }
    const failed = checks.filter((c) => !c.ok);
    const fields = { file: a.file, created_at: r.report.created_at, files: r.report.files, replaced: r.replaced, restored: r.stats, checks, doctor };
    if (failed.length || doctor.ok === false) {
        const why = [...failed.map((c) => `${c.name}: ${c.detail}`), ...(doctor.ok === false ? [`doctor: ${doctor.status}`] : [])].join('; ');
        return (0,outcome/* failure */.V)(rt.redactor, 'backup_restore', a.context, null, new errors/* PaasError */.wF('PAAS_DOCTOR_BLOCKED', `context ${a.context} was restored but fails the isolation checks: ${why}`, { stage: 'doctor', remediation: 'Fix what the checks name (paas doctor) before using the context.' }), fields);
    }
    return (0,outcome/* outcome */.b)(rt.redactor, {
        command: 'backup_restore',
        context: a.context,
        line: [['context', a.context], ['files', r.report.files.length], ['events', r.stats.events_added], ['checks', checks.length + (doctor.ran ? 1 : 0)]],
        fields,
        text: `context ${a.context} restored from ${a.file} (backup of ${r.report.created_at}); isolation checks passed${doctor.ran ? ', doctor passed' : ''}`,
        summary: (0,summary/* markdownTable */.Q)(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? 'ok' : 'fail', c.detail])),
    });
}


/***/ })

};
