export const id = 23;
export const ids = [23];
export const modules = {

/***/ 8023:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  PF: () => (/* binding */ buildTransports),
  go: () => (/* binding */ connectTransport),
  $J: () => (/* binding */ remediationFor),
  fY: () => (/* binding */ targetsFromVault),
  jh: () => (/* binding */ transportErrorCode)
});

// UNUSED EXPORTS: TransportError

// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __webpack_require__(3879);
// EXTERNAL MODULE: ./lib/transport/limit.ts
var limit = __webpack_require__(1447);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: ./lib/transport/transport.ts
var transport = __webpack_require__(2553);
;// CONCATENATED MODULE: ./lib/transport/local.ts




/** The same operations on this machine: self-hosted runners deploying to themselves, and the demo. */
class LocalTransport {
    rootOverride;
    kind = 'local';
    trips = 0;
    constructor(rootOverride) {
        this.rootOverride = rootOverride;
    }
    get roundTrips() {
        return this.trips;
    }
    exec(script, opts = {}) {
        this.trips++;
        return new Promise((resolve, reject) => {
            const child = (0,external_node_child_process_.spawn)('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C' } });
            let stdout = '';
            let stderr = '';
            let timer;
            if (opts.timeoutMs) {
                timer = setTimeout(() => {
                    child.kill('SIGKILL');
                    reject(new transport/* TransportError */.w('timeout', `remote command timed out after ${Math.round(opts.timeoutMs / 1000)}s`));
                }, opts.timeoutMs);
            }
            child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; opts.onStdout?.(c); });
            child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; opts.onStderr?.(c); });
            child.on('error', (e) => { if (timer)
                clearTimeout(timer); reject(new transport/* TransportError */.w('link', `cannot run /bin/sh: ${e.message}`)); });
            child.on('close', (code, signal) => {
                if (timer)
                    clearTimeout(timer);
                resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
            });
        });
    }
    async upload(localPath, remotePath, onProgress) {
        this.trips++;
        const { size } = await (0,promises_.stat)(localPath);
        try {
            await (0,promises_.copyFile)(localPath, remotePath);
        }
        catch (e) {
            throw new transport/* TransportError */.w('upload', `copy failed: ${e.code ?? 'error'}`);
        }
        onProgress?.(size, size);
    }
    openTcp(port, host = '127.0.0.1') {
        this.trips++;
        return new Promise((resolve, reject) => {
            const s = (0,external_node_net_.connect)({ host, port });
            s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
            s.once('error', (e) => reject(new transport/* TransportError */.w('link', `connect to port ${port}: ${e.code ?? e.message}`)));
        });
    }
    async close() { }
}

// EXTERNAL MODULE: ./lib/transport/known-hosts.ts
var known_hosts = __webpack_require__(6725);
// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
// EXTERNAL MODULE: ./lib/transport/commands.ts
var commands = __webpack_require__(7904);
;// CONCATENATED MODULE: ./lib/transport/ssh.ts






function hostKeyError(verdict, what, blob) {
    const fp = (0,known_hosts/* fingerprint */.Rj)(blob);
    const type = (0,known_hosts/* keyTypeOfBlob */.W1)(blob);
    const msg = {
        unknown: `host key of ${what} is unknown (no known_hosts entry); offered ${type} ${fp}`,
        mismatch: `host key of ${what} CHANGED: offered ${type} ${fp} is not the one in known_hosts`,
        revoked: `host key of ${what} is revoked in known_hosts`,
        pin_mismatch: `host key of ${what} does not match the pinned fingerprint; offered ${fp}`,
        match: '',
    }[verdict];
    return new transport/* TransportError */.w('hostkey', msg, false);
}
function classify(e) {
    if (e instanceof transport/* TransportError */.w)
        return e;
    const err = e;
    const code = err.code ?? '';
    if (err.level === 'client-authentication')
        return new transport/* TransportError */.w('auth', 'authentication failed (the key in PAAS_SSH_KEY was not accepted)', false);
    if (/timed out/i.test(err.message ?? ''))
        return new transport/* TransportError */.w('connect', 'connection setup timed out', true);
    return new transport/* TransportError */.w('connect', `connection failed: ${code || (err.message ?? 'error').slice(0, 120)}`, true);
}
/** One ssh2 connection (host key verified), without retries. */
function connectOnce(cfg, opts, sock) {
    return new Promise((resolve, reject) => {
        const c = new lib.Client();
        let hostkeyFailure = null;
        let settled = false;
        const config = {
            host: cfg.host,
            port: cfg.port,
            username: cfg.user,
            privateKey: opts.privateKey,
            readyTimeout: opts.readyTimeoutMs ?? 15_000,
            keepaliveInterval: opts.keepaliveMs ?? 5_000,
            keepaliveCountMax: 3,
            hostVerifier: (blob) => {
                const verdict = (0,known_hosts/* verifyHostKey */.Hj)(opts.knownHosts, cfg.host, cfg.port, blob, opts.pin);
                if (verdict !== 'match')
                    hostkeyFailure = hostKeyError(verdict, cfg.name, blob);
                return verdict === 'match';
            },
        };
        if (sock)
            config.sock = sock;
        c.once('ready', () => {
            settled = true;
            resolve(c);
        });
        c.on('error', (e) => {
            if (settled)
                return;
            settled = true;
            c.end();
            reject(hostkeyFailure ?? classify(e));
        });
        c.once('close', () => {
            if (settled)
                return;
            settled = true;
            reject(hostkeyFailure ?? new transport/* TransportError */.w('connect', 'connection closed during setup', true));
        });
        try {
            c.connect(config);
        }
        catch (e) {
            settled = true;
            reject(classify(e));
        }
    });
}
/** SSH transport: one connection per target per run; retries with backoff on connection setup only. */
class SshTransport {
    spec;
    opts;
    kind = 'ssh';
    trips = 0;
    client = null;
    jumpClient = null;
    sftp = null;
    alive = false;
    constructor(spec, opts) {
        this.spec = spec;
        this.opts = opts;
    }
    get rootOverride() {
        return this.spec.dir;
    }
    get roundTrips() {
        return this.trips;
    }
    get connected() {
        return this.alive;
    }
    /** Connects (or reconnects after the link dropped), bounded by the shared setup limiter. */
    async connect() {
        if (this.alive)
            return;
        const attempts = Math.max(1, this.opts.attempts ?? 4);
        let delay = this.opts.backoffMs ?? 500;
        let last = null;
        for (let i = 1; i <= attempts; i++) {
            try {
                await this.opts.setupLimiter.run(() => this.setup());
                return;
            }
            catch (e) {
                last = classify(e);
                if (!last.retryable || i === attempts)
                    break;
                this.opts.log?.(`${this.spec.id}: ${last.message}; retrying connection setup in ${delay} ms (attempt ${i + 1}/${attempts})`);
                await (0,limit/* sleep */.yy)(delay);
                delay = Math.min(delay * 2, 8_000);
            }
        }
        throw last ?? new transport/* TransportError */.w('connect', 'connection failed');
    }
    async setup() {
        this.trips++;
        const s = this.spec;
        let sock;
        if (this.opts.jump) {
            const j = this.opts.jump;
            const jump = await connectOnce({ host: j.host, port: j.port, user: j.user, name: `jump host ${(0,known_hosts/* hostLookupName */.Ue)(j.host, j.port)}` }, { ...this.opts, pin: undefined });
            this.jumpClient = jump;
            jump.on('error', () => { this.alive = false; });
            sock = await new Promise((resolve, reject) => {
                jump.forwardOut('127.0.0.1', 0, s.host, s.port, (err, ch) => (err ? reject(new transport/* TransportError */.w('connect', `jump host could not reach ${s.id}: ${err.message}`, true)) : resolve(ch)));
            }).catch((e) => {
                jump.end();
                throw e;
            });
        }
        const client = await connectOnce({ host: s.host, port: s.port, user: s.user, name: `target ${s.id}` }, this.opts, sock);
        this.client = client;
        this.alive = true;
        client.on('error', () => { this.alive = false; });
        client.on('close', () => { this.alive = false; this.sftp = null; });
    }
    need() {
        if (!this.client || !this.alive)
            throw new transport/* TransportError */.w('link', `connection to ${this.spec.id} is not open`);
        return this.client;
    }
    exec(script, opts = {}) {
        const client = this.need();
        this.trips++;
        return new Promise((resolve, reject) => {
            let stdout = '';
            let stderr = '';
            let code = null;
            let done = false;
            let timer;
            const finish = (fn) => {
                if (done)
                    return;
                done = true;
                if (timer)
                    clearTimeout(timer);
                client.removeListener('close', onLinkClose);
                fn();
            };
            const onLinkClose = () => finish(() => reject(new transport/* TransportError */.w('link', `connection to ${this.spec.id} lost while a remote command was running`)));
            client.once('close', onLinkClose);
            client.exec(`/bin/sh -c ${(0,commands.q)(script)}`, (err, ch) => {
                if (err)
                    return finish(() => reject(new transport/* TransportError */.w('link', `could not open a channel to ${this.spec.id}: ${err.message}`)));
                if (opts.timeoutMs) {
                    timer = setTimeout(() => {
                        ch.close();
                        finish(() => reject(new transport/* TransportError */.w('timeout', `remote command on ${this.spec.id} timed out after ${Math.round(opts.timeoutMs / 1000)}s`)));
                    }, opts.timeoutMs);
                }
                ch.setEncoding('utf8');
                ch.stderr.setEncoding('utf8');
                ch.on('data', (c) => { stdout += c; opts.onStdout?.(c); });
                ch.stderr.on('data', (c) => { stderr += c; opts.onStderr?.(c); });
                ch.on('exit', (c, signal) => { code = c ?? (signal ? 128 : 1); });
                ch.on('close', () => {
                    if (code === null)
                        return finish(() => reject(new transport/* TransportError */.w('link', `connection to ${this.spec.id} lost while a remote command was running`)));
                    finish(() => resolve({ code: code, stdout, stderr }));
                });
            });
        });
    }
    getSftp() {
        const client = this.need();
        if (this.sftp)
            return Promise.resolve(this.sftp);
        return new Promise((resolve, reject) => {
            client.sftp((err, sftp) => {
                if (err)
                    return reject(new transport/* TransportError */.w('upload', `SFTP is not available on ${this.spec.id}: ${err.message}`));
                this.sftp = sftp;
                sftp.on('close', () => { this.sftp = null; });
                resolve(sftp);
            });
        });
    }
    async upload(localPath, remotePath, onProgress) {
        this.trips++;
        const { size } = await (0,promises_.stat)(localPath);
        const sftp = await this.getSftp();
        const client = this.need();
        await new Promise((resolve, reject) => {
            let done = false;
            const onClose = () => { if (!done) {
                done = true;
                reject(new transport/* TransportError */.w('upload', `connection to ${this.spec.id} lost during upload`));
            } };
            client.once('close', onClose);
            sftp.fastPut(localPath, remotePath, { concurrency: 64, chunkSize: 32 * 1024, mode: 0o600, step: (t) => onProgress?.(t, size) }, (err) => {
                client.removeListener('close', onClose);
                if (done)
                    return;
                done = true;
                if (err)
                    reject(new transport/* TransportError */.w('upload', `SFTP upload to ${this.spec.id} failed: ${err.message}`));
                else
                    resolve();
            });
        });
    }
    openTcp(port, host = '127.0.0.1') {
        const client = this.need();
        this.trips++;
        return new Promise((resolve, reject) => {
            client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
                if (err)
                    reject(new transport/* TransportError */.w('link', `port ${port} on ${this.spec.id}: ${err.message}`));
                else
                    resolve(ch);
            });
        });
    }
    async close() {
        this.alive = false;
        this.client?.end();
        this.jumpClient?.end();
        this.client = null;
        this.jumpClient = null;
    }
}

// EXTERNAL MODULE: ./lib/transport/targets.ts
var targets = __webpack_require__(6726);
;// CONCATENATED MODULE: ./lib/ops/deploy/connect.ts







function targetsFromVault(vault) {
    return (0,targets/* parseTargets */.S)(vault.require('PAAS_TARGETS', 'deploy and rollback (the list of targets)'));
}
function parseJump(text) {
    if (!text)
        return undefined;
    const m = /^(?:([a-z_][a-z0-9_.-]{0,31})@)?([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(text.trim());
    if (!m)
        throw new errors.PaasError('PAAS_INVALID_ARGUMENT', 'PAAS_SSH_JUMP is not user@host:port', { stage: 'targets', remediation: 'Set PAAS_SSH_JUMP to user@host:port of the bastion, or remove it.' });
    return { user: m[1] ?? 'root', host: m[2].replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 };
}
/** Builds one (unconnected) transport per target. SSH needs PAAS_SSH_KEY and PAAS_KNOWN_HOSTS. */
function buildTransports(specs, vault, s) {
    const out = new Map();
    const ssh = specs.some((t) => t.kind === 'ssh');
    const limiter = new limit/* Limiter */.jG(s.concurrency);
    const key = ssh ? vault.require('PAAS_SSH_KEY', 'SSH connections to the targets') : '';
    const known = ssh ? (0,known_hosts/* parseKnownHosts */.uJ)(vault.require('PAAS_KNOWN_HOSTS', 'strict host key checking (known_hosts lines for every target)')) : [];
    const pins = (0,known_hosts/* parsePins */.MZ)(vault.get('PAAS_SSH_FINGERPRINTS'));
    const jump = parseJump(vault.get('PAAS_SSH_JUMP'));
    for (const spec of specs) {
        if (spec.kind === 'local')
            out.set(spec.id, new LocalTransport(spec.dir));
        else
            out.set(spec.id, new SshTransport(spec, { privateKey: key, knownHosts: known, pin: pins.get(spec.id), jump, setupLimiter: limiter, attempts: s.attempts, backoffMs: s.backoffMs, log: s.log }));
    }
    return out;
}
async function connectTransport(t) {
    if (t instanceof SshTransport)
        await t.connect();
}
/** Maps a transport failure to the stable error code for the stage it happened in. */
function transportErrorCode(e, stage) {
    if (e.kind === 'hostkey')
        return 'PAAS_REMOTE_HOSTKEY_MISMATCH';
    if (e.kind === 'connect' || e.kind === 'auth')
        return 'PAAS_REMOTE_CONNECT_FAILED';
    if (e.kind === 'upload' || stage === 'upload')
        return 'PAAS_REMOTE_UPLOAD_FAILED';
    return 'PAAS_REMOTE_APPLY_FAILED';
}
function remediationFor(code) {
    switch (code) {
        case 'PAAS_REMOTE_HOSTKEY_MISMATCH':
            return 'Verify the host key out of band (ssh-keyscan from a trusted network, compare fingerprints), then update PAAS_KNOWN_HOSTS in the context vault. Nothing was changed on any target.';
        case 'PAAS_REMOTE_CONNECT_FAILED':
            return 'Check that the target is up, sshd listens on the given port, and that PAAS_SSH_KEY is in its authorized_keys; run `paas target check` for details.';
        case 'PAAS_REMOTE_UPLOAD_FAILED':
            return 'Check disk space and the connection to the target (`paas target check`), then re-run; the upload is verified by sha256 before anything is unpacked.';
        case 'PAAS_HEALTH_CHECK_FAILED':
            return "Read the target's last log lines below and the app's own log; fix the release and deploy again. The fleet was returned to the release it ran before.";
        case 'PAAS_LOCK_HELD':
            return 'Another deploy or rollback of this app and context is running (owner above). Wait for it; a lock of a cancelled run is released by its post step or becomes stale after lock_ttl.';
        default:
            return 'Read the failing stage and the last log lines of the target; fix the cause and re-run. The fleet was returned to the release it ran before.';
    }
}



/***/ }),

/***/ 7904:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ag: () => (/* binding */ unlockScript),
/* harmony export */   DY: () => (/* binding */ appDir),
/* harmony export */   Ec: () => (/* binding */ switchScript),
/* harmony export */   Pk: () => (/* binding */ healthCommandScript),
/* harmony export */   aS: () => (/* binding */ historyScript),
/* harmony export */   ew: () => (/* binding */ finalizeScript),
/* harmony export */   kY: () => (/* binding */ RELEASE_RE),
/* harmony export */   lZ: () => (/* binding */ SCRIPT_EXIT),
/* harmony export */   ml: () => (/* binding */ UnsafeValueError),
/* harmony export */   nB: () => (/* binding */ stateScript),
/* harmony export */   p5: () => (/* binding */ prepareScript),
/* harmony export */   q: () => (/* binding */ q),
/* harmony export */   tH: () => (/* binding */ installScript),
/* harmony export */   wN: () => (/* binding */ checkScript),
/* harmony export */   yK: () => (/* binding */ TARGET_RE),
/* harmony export */   zK: () => (/* binding */ uploadPath)
/* harmony export */ });
/* unused harmony exports APP_RE, CONTEXT_RE, safeApp, safeContext, safeRelease, safeTarget, safeRoot, safeShared */
/**
 * The ONE place where remote shell text is built (Kamal's `commands/` idea): pure functions that
 * return POSIX `sh` scripts, with ONE quoting function (`q`). Every script starts with `set -eu`.
 * Call sites never concatenate shell text; they pass validated values to these builders.
 *
 * Layout on a target (PRODUCT.md section 1):
 *   <deploy_root>/<context>/<app>/{releases/<id>/, current -> releases/<id>, shared/, .paas/}
 *   .paas/history.jsonl   one JSON line per release event (release, status good|bad, actor, run, time)
 *   .paas/lock/           the deploy lock: atomic mkdir; owner.json, token, expires (epoch seconds)
 *   .paas/uploads/        artifacts in flight (removed after unpacking)
 *   .paas/sums/<id>       sha256 of the artifact each release was unpacked from
 */
/** Exit codes our scripts use for failures they detect themselves (mapped to error codes by the caller). */
const SCRIPT_EXIT = {
    checksum: 65,
    escape: 66,
    exists: 67,
    missingRelease: 68,
    preSwitch: 70,
    start: 71,
    postSwitch: 72,
    noTools: 73,
};
const APP_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const CONTEXT_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const RELEASE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TARGET_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const TOKEN_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** absolute, normalized, conservative characters: no `..`, no `//`, no trailing slash */
const ROOT_RE = /^(\/[A-Za-z0-9._-]+)+$/;
/** relative shared path: segments of safe characters, no `.`/`..` segments */
const SHARED_RE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
class UnsafeValueError extends Error {
    what;
    constructor(what) {
        super(`unsafe ${what}`);
        this.what = what;
        this.name = 'UnsafeValueError';
    }
}
/** The one quoting function: a POSIX single-quoted word. Refuses NUL (cannot be passed to a shell). */
function q(value) {
    if (value.includes('\0'))
        throw new UnsafeValueError('value (contains NUL)');
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
function check(re, value, what) {
    if (!re.test(value))
        throw new UnsafeValueError(what);
    return value;
}
const safeApp = (v) => check(APP_RE, v, 'app name');
const safeContext = (v) => check(CONTEXT_RE, v, 'context name');
const safeRelease = (v) => check(RELEASE_RE, v, 'release id');
const safeTarget = (v) => check(TARGET_RE, v, 'target id');
function safeRoot(v) {
    check(ROOT_RE, v, 'deploy root');
    if (v.split('/').some((s) => s === '.' || s === '..'))
        throw new UnsafeValueError('deploy root');
    return v;
}
function safeShared(v) {
    check(SHARED_RE, v, 'shared path');
    if (v.split('/').some((s) => s === '.' || s === '..'))
        throw new UnsafeValueError('shared path');
    return v;
}
/** `<deploy_root>/<context>/<app>`, every part validated. */
function appDir(root, context, app) {
    return `${safeRoot(root)}/${safeContext(context)}/${safeApp(app)}`;
}
function header(a) {
    return ['set -eu', 'umask 022', `A=${q(a)}`];
}
function exportEnv(env) {
    return `export PAAS_APP_DIR=${q(env.appDir)} PAAS_CONTEXT=${q(safeContext(env.context))} PAAS_APP=${q(safeApp(env.app))} PAAS_TARGET=${q(safeTarget(env.target))} PAAS_RELEASE=${q(safeRelease(env.release))} PAAS_RELEASE_DIR="$A/releases/"${q(env.release)}`;
}
/** Runs a user command (from paas.yml) in a subshell, mapping failure to `code` with a message on stderr. */
function userCommand(cmd, what, code, logFile) {
    if (!logFile) {
        return [`rc=0; sh -c ${q(cmd)} </dev/null || rc=$?`, `if [ "$rc" -ne 0 ]; then echo ${q(`paas: ${what} failed`)}" (exit $rc)" >&2; exit ${code}; fi`];
    }
    // output goes to a log file so that a daemon left running cannot hold the channel open
    return [
        `rc=0; sh -c ${q(cmd)} </dev/null >${logFile} 2>&1 || rc=$?`,
        `tail -n 20 ${logFile} || true`,
        `if [ "$rc" -ne 0 ]; then echo ${q(`paas: ${what} failed`)}" (exit $rc)" >&2; tail -n 20 ${logFile} >&2 || true; exit ${code}; fi`,
    ];
}
/** Prints the state of an app dir: current release, release dirs, history, lock, disk usage. */
function stateLines() {
    return [
        'c=$(readlink "$A/current" 2>/dev/null || true); echo "current=${c##*/}"',
        'echo "--releases"; if [ -d "$A/releases" ]; then ls -1 "$A/releases"; fi; echo "--end"',
        'echo "--history"; if [ -f "$A/.paas/history.jsonl" ]; then tail -n 1000 "$A/.paas/history.jsonl"; fi; echo "--end"',
        'echo "--lock"; if [ -d "$A/.paas/lock" ]; then cat "$A/.paas/lock/owner.json" 2>/dev/null || echo "{}"; fi; echo "--end"',
        'echo "disk_pct=$(df -P "$A" 2>/dev/null | awk \'NR==2 {sub("%","",$5); print $5}\')"',
    ];
}
/** Read-only: state of the app dir (absent dir prints `exists=no`). */
function stateScript(a) {
    return [...header(a), 'if [ ! -d "$A" ]; then echo "exists=no"; exit 0; fi', 'echo "exists=yes"', ...stateLines()].join('\n') + '\n';
}
/**
 * Takes the lock (atomic mkdir) and prints the state. Outputs `lock=acquired|reentered|taken_over|held`.
 * A lock is stale when now > its `expires` (or, if that file was never written, the lock dir's mtime + TTL).
 */
function prepareScript(a, lock) {
    check(TOKEN_RE, lock.token, 'lock token');
    check(TOKEN_RE, lock.run, 'run id');
    const ttl = Math.max(1, Math.floor(lock.ttlSeconds));
    return [
        ...header(a),
        'mkdir -p "$A/releases" "$A/shared" "$A/.paas/uploads" "$A/.paas/sums"',
        'L="$A/.paas/lock"',
        'take() {',
        '  mkdir "$L" 2>/dev/null || return 1',
        `  printf '%s\\n' ${q(lock.token)} >"$L/token"`,
        `  printf '%s\\n' ${q(lock.run)} >"$L/run"`,
        `  printf '%s\\n' ${q(lock.ownerJson)} >"$L/owner.json"`,
        `  echo $(( $(date +%s) + ${ttl} )) >"$L/expires"`,
        '}',
        'if take; then echo "lock=acquired"',
        'else',
        '  t=$(cat "$L/token" 2>/dev/null || true); r=$(cat "$L/run" 2>/dev/null || true)',
        `  e=$(cat "$L/expires" 2>/dev/null || echo $(( $(stat -c %Y "$L" 2>/dev/null || date +%s) + ${ttl} )))`,
        `  if [ "$t" = ${q(lock.token)} ]; then echo "lock=reentered"`,
        `  elif [ "$r" = ${q(lock.run)} ] || [ "$(date +%s)" -gt "$e" ]; then`,
        '    s="$L.stale.$$"',
        '    if mv "$L" "$s" 2>/dev/null && take; then rm -rf "$s"; echo "lock=taken_over"; else echo "lock=held"; fi',
        '  else echo "lock=held"',
        '  fi',
        'fi',
        ...stateLines(),
    ].join('\n') + '\n';
}
/** Releases the lock only when it holds our token; never someone else's. Outputs `unlock=released|not_owner|absent`. */
function unlockScript(a, token) {
    check(TOKEN_RE, token, 'lock token');
    return [
        ...header(a),
        'L="$A/.paas/lock"',
        'if [ ! -d "$L" ]; then echo "unlock=absent"; exit 0; fi',
        `if [ "$(cat "$L/token" 2>/dev/null || true)" = ${q(token)} ]; then rm -rf "$L"; echo "unlock=released"; else echo "unlock=not_owner"; fi`,
    ].join('\n') + '\n';
}
/** Remote path of an upload (inside the app dir; the app dir is created by prepareScript). */
function uploadPath(a, release) {
    return `${a}/.paas/uploads/${safeRelease(release)}.tar.gz`;
}
/**
 * Verifies the upload's sha256, re-checks entry names (defense in depth; the full check including
 * link targets ran on the runner against the same bytes), unpacks into a temp dir, links shared
 * paths, then renames the temp dir to `releases/<id>`. Outputs `install=ok|current|exists`.
 */
function installScript(a, spec) {
    const id = safeRelease(spec.release);
    if (!/^[0-9a-f]{64}$/.test(spec.sha256))
        throw new UnsafeValueError('sha256');
    const lines = [
        ...header(a),
        `ID=${q(id)}; R="$A/releases/$ID"; U="$A/.paas/uploads/$ID.tar.gz"; T="$A/releases/.tmp-$ID"`,
        'c=$(readlink "$A/current" 2>/dev/null || true)',
        `if [ "\${c##*/}" = "$ID" ] && [ -d "$R" ]; then rm -f "$U"; echo "install=current"; exit 0; fi`,
        'if command -v sha256sum >/dev/null 2>&1; then sum=$(sha256sum "$U" | cut -d" " -f1)',
        'elif command -v shasum >/dev/null 2>&1; then sum=$(shasum -a 256 "$U" | cut -d" " -f1)',
        `else echo "paas: neither sha256sum nor shasum found on the target" >&2; exit ${SCRIPT_EXIT.noTools}; fi`,
        `if [ "$sum" != ${q(spec.sha256)} ]; then echo "paas: checksum mismatch: the uploaded artifact differs from the one checked on the runner" >&2; rm -f "$U"; exit ${SCRIPT_EXIT.checksum}; fi`,
        'if [ -d "$R" ]; then',
        `  if [ "$(cat "$A/.paas/sums/$ID" 2>/dev/null || true)" = ${q(spec.sha256)} ]; then rm -f "$U"; echo "install=exists"; exit 0; fi`,
        `  echo "paas: release $ID already exists on this target with different content; use a new release id" >&2; exit ${SCRIPT_EXIT.exists}`,
        'fi',
        `if tar -tzf "$U" | grep -E '(^/|(^|/)[.][.](/|$))' >/dev/null; then echo "paas: archive entry escapes the release directory" >&2; rm -f "$U"; exit ${SCRIPT_EXIT.escape}; fi`,
        'rm -rf "$T"; mkdir -p "$T"',
        'tar -xzf "$U" -C "$T" --no-same-owner --no-same-permissions',
    ];
    for (const s of spec.shared) {
        const p = safeShared(s);
        lines.push(`S="$A/shared/"${q(p)}; D="$T/"${q(p)}`, 'mkdir -p "$(dirname "$S")" "$(dirname "$D")"', 
        // seed the shared copy from the first release that ships it; else an empty directory
        'if [ ! -e "$S" ] && [ ! -L "$S" ]; then if [ -e "$D" ] && [ ! -L "$D" ]; then cp -Rp "$D" "$S"; else mkdir -p "$S"; fi; fi', 'rm -rf "$D"; ln -s "$S" "$D"');
    }
    lines.push(`printf '%s\\n' ${q(spec.sha256)} >"$A/.paas/sums/$ID"`, 'mv "$T" "$R"', 'rm -f "$U"', 'echo "install=ok"');
    return lines.join('\n') + '\n';
}
/** Atomic switch of `current`: a temp symlink renamed over it (`ln -sfn` + `mv -T`). */
function switchLines(release) {
    return [
        `ID=${q(safeRelease(release))}`,
        `if [ ! -d "$A/releases/$ID" ]; then echo "paas: release $ID does not exist on this target" >&2; exit ${SCRIPT_EXIT.missingRelease}; fi`,
        'N="$A/.current.tmp.$$"',
        'ln -sfn "releases/$ID" "$N"',
        'mv -T "$N" "$A/current"',
        'echo "switched=$ID"',
    ];
}
/** pre_switch hook (in the new release), atomic switch, start command (in current). */
function switchScript(a, spec) {
    const lines = [...header(a), exportEnv(spec.env)];
    if (spec.preSwitch)
        lines.push('cd "$PAAS_RELEASE_DIR"', ...userCommand(spec.preSwitch, 'pre_switch hook', SCRIPT_EXIT.preSwitch));
    lines.push(...switchLines(spec.env.release));
    if (spec.historyLine)
        lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
    if (spec.start)
        lines.push('cd "$A/current"', ...userCommand(spec.start, 'start command', SCRIPT_EXIT.start, '"$A/.paas/start.log"'));
    return lines.join('\n') + '\n';
}
/** post_switch hook, history line, prune (never current), optional unlock: one round trip. */
function finalizeScript(a, spec) {
    const lines = [...header(a), exportEnv(spec.env)];
    if (spec.postSwitch)
        lines.push('cd "$A/current"', ...userCommand(spec.postSwitch, 'post_switch hook', SCRIPT_EXIT.postSwitch));
    lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
    lines.push('c=$(readlink "$A/current" 2>/dev/null || true); c=${c##*/}');
    for (const p of spec.prune) {
        const id = safeRelease(p);
        lines.push(`if [ "$c" != ${q(id)} ]; then rm -rf "$A/releases/"${q(id)} "$A/.paas/sums/"${q(id)}; echo "pruned="${q(id)}; fi`);
    }
    if (spec.unlockToken) {
        check(TOKEN_RE, spec.unlockToken, 'lock token');
        lines.push(`if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" = ${q(spec.unlockToken)} ]; then rm -rf "$A/.paas/lock"; echo "unlock=released"; fi`);
    }
    return lines.join('\n') + '\n';
}
/** Runs the health command in `current` (exit 0 = healthy). */
function healthCommandScript(a, env, command) {
    return [...header(a), exportEnv(env), 'cd "$A/current"', `exec sh -c ${q(command)} </dev/null`].join('\n') + '\n';
}
/** Appends one history line (e.g. marking a release bad). */
function historyScript(a, line) {
    return [...header(a), 'mkdir -p "$A/.paas"', `printf '%s\\n' ${q(line)} >>"$A/.paas/history.jsonl"`].join('\n') + '\n';
}
/** `target check`: tools, disk, runtime facts. Read-only. */
function checkScript(a) {
    return [
        'set -u',
        `A=${q(a)}`,
        'echo "uname=$(uname -sm 2>/dev/null | tr " " _)"',
        'for t in sh tar gzip sha256sum readlink mv ln df; do if command -v "$t" >/dev/null 2>&1; then echo "tool_$t=yes"; else echo "tool_$t=no"; fi; done',
        'if mv --version 2>/dev/null | grep -q GNU; then echo "gnu_mv=yes"; else echo "gnu_mv=no"; fi',
        'd="$A"; while [ ! -d "$d" ]; do d=$(dirname "$d"); done',
        'echo "disk_pct=$(df -P "$d" | awk \'NR==2 {sub("%","",$5); print $5}\')"',
        'if [ -w "$d" ]; then echo "writable=yes"; else echo "writable=no"; fi',
        'c=$(readlink "$A/current" 2>/dev/null || true); echo "current=${c##*/}"',
    ].join('\n') + '\n';
}


/***/ }),

/***/ 6725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hj: () => (/* binding */ verifyHostKey),
/* harmony export */   MZ: () => (/* binding */ parsePins),
/* harmony export */   Rj: () => (/* binding */ fingerprint),
/* harmony export */   Ue: () => (/* binding */ hostLookupName),
/* harmony export */   W1: () => (/* binding */ keyTypeOfBlob),
/* harmony export */   Yn: () => (/* binding */ entryMatches),
/* harmony export */   uJ: () => (/* binding */ parseKnownHosts)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);

function parseKnownHosts(text) {
    const out = [];
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (!line || line.startsWith('#'))
            continue;
        const parts = line.split(/\s+/);
        let marker = '';
        if (parts[0] === '@revoked' || parts[0] === '@cert-authority')
            marker = parts.shift();
        const [hosts, keyType, b64] = parts;
        if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
            continue;
        out.push({ marker, patterns: hosts.split(','), keyType, key: Buffer.from(b64, 'base64') });
    }
    return out;
}
/** The name OpenSSH looks up: `host` on port 22, else `[host]:port`. */
function hostLookupName(host, port) {
    return port === 22 ? host : `[${host}]:${port}`;
}
function globToRegExp(glob) {
    const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${esc}$`, 'i');
}
function hashedMatch(pattern, name) {
    const m = /^\|1\|([^|]+)\|(.+)$/.exec(pattern);
    if (!m)
        return false;
    const salt = Buffer.from(m[1], 'base64');
    const want = Buffer.from(m[2], 'base64');
    const got = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha1', salt).update(name).digest();
    return got.length === want.length && (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.timingSafeEqual)(got, want);
}
/** Does this entry's pattern list name the host? (negations win) */
function entryMatches(entry, host, port) {
    const name = hostLookupName(host, port);
    let hit = false;
    for (const p of entry.patterns) {
        if (p.startsWith('|1|')) {
            if (hashedMatch(p, name))
                hit = true;
            continue;
        }
        const neg = p.startsWith('!');
        const pat = neg ? p.slice(1) : p;
        if (globToRegExp(pat).test(name)) {
            if (neg)
                return false;
            hit = true;
        }
    }
    return hit;
}
/** Key type string inside an SSH key blob (first length-prefixed string). */
function keyTypeOfBlob(blob) {
    if (blob.length < 4)
        return '';
    const len = blob.readUInt32BE(0);
    return blob.subarray(4, 4 + len).toString('latin1');
}
/** OpenSSH-style fingerprint: `SHA256:<base64 without padding>`. */
function fingerprint(blob) {
    return 'SHA256:' + (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
function verifyHostKey(entries, host, port, blob, pin) {
    for (const e of entries)
        if (e.marker === '@revoked' && e.key.equals(blob))
            return 'revoked';
    const candidates = entries.filter((e) => e.marker === '' && entryMatches(e, host, port));
    if (candidates.length === 0)
        return 'unknown';
    if (!candidates.some((e) => e.key.equals(blob)))
        return 'mismatch';
    if (pin && pin.replace(/=+$/, '') !== fingerprint(blob))
        return 'pin_mismatch';
    return 'match';
}
/** Parses `id=SHA256:... id2=SHA256:...` (vault key PAAS_SSH_FINGERPRINTS). */
function parsePins(text) {
    const out = new Map();
    for (const tok of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
        const eq = tok.indexOf('=');
        if (eq > 0)
            out.set(tok.slice(0, eq), tok.slice(eq + 1));
    }
    return out;
}


/***/ }),

/***/ 1447:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   jG: () => (/* binding */ Limiter),
/* harmony export */   sf: () => (/* binding */ mapLimit),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/** A counting semaphore: at most `n` tasks at once (bounded connection setup, max_parallel). */
class Limiter {
    n;
    active = 0;
    queue = [];
    constructor(n) {
        this.n = n;
        if (!(n >= 1))
            throw new Error('limiter size must be >= 1');
    }
    async run(fn) {
        if (this.active >= this.n)
            await new Promise((r) => this.queue.push(r));
        this.active++;
        try {
            return await fn();
        }
        finally {
            this.active--;
            this.queue.shift()?.();
        }
    }
}
/** Runs fn over items with at most `n` in flight; results in input order (settled, never throws). */
async function mapLimit(items, n, fn) {
    const lim = new Limiter(Math.max(1, n));
    return Promise.allSettled(items.map((it, i) => lim.run(() => fn(it, i))));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


/***/ }),

/***/ 6726:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   D: () => (/* binding */ selectTargets),
/* harmony export */   S: () => (/* binding */ parseTargets)
/* harmony export */ });
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3879);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7904);


const USER_RE = /^[a-z_][a-z0-9_.-]{0,31}$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const DIR_RE = /^(\/[A-Za-z0-9._-]+)+$/;
const SSH_SPEC_RE = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?(\/\S*)?$/;
function bad(n, why) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_INVALID_ARGUMENT', `PAAS_TARGETS entry ${n}: ${why}`, {
        stage: 'targets',
        remediation: 'PAAS_TARGETS holds `id=user@host:port` pairs (optionally followed by an absolute directory replacing deploy_root) or `id=local:<absolute dir>`, separated by spaces or new lines; ids are letters, digits, dot, dash, underscore.',
    });
}
function safeDir(dir, n) {
    if (!DIR_RE.test(dir) || dir.split('/').some((s) => s === '.' || s === '..'))
        throw bad(n, 'the directory must be an absolute path without `..` made of letters, digits, dot, dash, underscore');
    return dir;
}
/** Parses PAAS_TARGETS. Error messages name the entry's position and id, never the host. */
function parseTargets(text) {
    const out = [];
    const seen = new Set();
    const tokens = text.split(/[\s,]+/).filter(Boolean);
    tokens.forEach((tok, i) => {
        const n = i + 1;
        const eq = tok.indexOf('=');
        if (eq <= 0)
            throw bad(n, 'is not id=spec');
        const id = tok.slice(0, eq);
        const spec = tok.slice(eq + 1);
        if (!_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .TARGET_RE */ .yK.test(id))
            throw bad(n, 'the target id is not letters, digits, dot, dash, underscore (max 63)');
        if (seen.has(id))
            throw bad(n, `target id ${id} appears twice`);
        seen.add(id);
        if (spec.startsWith('local:')) {
            out.push({ kind: 'local', id, dir: safeDir(spec.slice(6), n) });
            return;
        }
        const m = SSH_SPEC_RE.exec(spec);
        if (!m)
            throw bad(n, `target ${id} is not user@host:port`);
        const user = m[1] ?? 'root';
        const host = m[2] ?? '';
        const port = m[3] ? Number(m[3]) : 22;
        if (!USER_RE.test(user))
            throw bad(n, `target ${id}: the user name is not a valid login name`);
        if (!HOST_RE.test(host) && !IPV6_RE.test(host))
            throw bad(n, `target ${id}: the host is not a host name or IP address`);
        if (!(port >= 1 && port <= 65535))
            throw bad(n, `target ${id}: the port is out of range`);
        out.push({ kind: 'ssh', id, user, host: host.replace(/^\[|\]$/g, ''), port, dir: m[4] ? safeDir(m[4], n) : undefined });
    });
    if (out.length === 0)
        throw bad(0, 'no targets');
    return out;
}
/** Keeps the targets named in `selection` (`all` or a comma list), in PAAS_TARGETS order. */
function selectTargets(all, selection) {
    if (!selection || selection === 'all')
        return all;
    const want = selection.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = want.filter((w) => !all.some((t) => t.id === w));
    if (unknown.length) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__.PaasError('PAAS_INVALID_ARGUMENT', `unknown target ${unknown.join(', ')}`, { stage: 'targets', remediation: `Known targets: ${all.map((t) => t.id).join(', ')}.` });
    }
    return all.filter((t) => want.includes(t.id));
}


/***/ }),

/***/ 2553:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ TransportError)
/* harmony export */ });
/** A failure of the link itself (not of a remote command). `retryable` only for connection setup. */
class TransportError extends Error {
    kind;
    retryable;
    constructor(kind, message, retryable = false) {
        super(message);
        this.kind = kind;
        this.retryable = retryable;
        this.name = 'TransportError';
    }
}


/***/ })

};
