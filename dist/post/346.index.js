export const id = 346;
export const ids = [346];
export const modules = {

/***/ 5346:
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
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./lib/runtime/interrupt.ts

/**
 * Process-wide "stop starting new remote work" flag, raised by the CLI on SIGINT/SIGTERM during a
 * mutating deploy/rollback (lib/cli/interrupt.ts). `connectTransport` (lib/ops/deploy/connect.ts),
 * which every remote step of a run goes through first, refuses once it is raised; the cleanup that
 * releases our locks connects without that gate.
 */
let raised = null;
function requestInterrupt(signal) {
    raised ??= signal;
}
/** The signal that interrupted this process's run, or null. */
function interruptRequested() {
    return raised;
}
function clearInterrupt() {
    raised = null;
}
/** Direct children of a process (Linux /proc; [] where unavailable). */
function childrenOf(pid) {
    const out = [];
    let tasks;
    try {
        tasks = readdirSync(`/proc/${pid}/task`);
    }
    catch {
        return out;
    }
    for (const t of tasks) {
        try {
            for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
                if (/^\d+$/.test(c))
                    out.push(Number(c));
        }
        catch {
            /* the thread ended, or the kernel has no children file */
        }
    }
    return out;
}
/**
 * Sends `signal` to every process this one started, and theirs (the local commands of a run: hooks,
 * start commands), as a terminal's Ctrl-C reaches the whole foreground process group. Used when the
 * signal was sent to paas alone (`kill -INT <pid>`, a supervisor's SIGTERM): a local hook must not
 * keep running, and switch a release, after the lock is released. Best effort, Linux only; returns
 * how many processes were signalled.
 */
function signalDescendants(signal, root = process.pid) {
    const seen = new Set();
    const walk = (pid, depth) => {
        if (depth > 32)
            return;
        for (const c of childrenOf(pid)) {
            if (seen.has(c))
                continue;
            seen.add(c);
            walk(c, depth + 1); // collect the whole tree before a parent's death re-parents its children
        }
    };
    walk(root, 0);
    let n = 0;
    for (const pid of seen) {
        try {
            process.kill(pid, signal);
            n++;
        }
        catch {
            /* already gone */
        }
    }
    return n;
}

// EXTERNAL MODULE: ./lib/transport/limit.ts
var limit = __webpack_require__(1447);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
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
            const child = (0,external_node_child_process_.spawn)('/bin/sh', ['-c', script], { stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C' } });
            let stdout = '';
            let stderr = '';
            let timer;
            const stop = (why) => {
                child.kill('SIGKILL');
                reject(new transport/* TransportError */.w('timeout', `remote command ${why}`));
            };
            if (opts.timeoutMs)
                timer = setTimeout(() => stop(`timed out after ${Math.round(opts.timeoutMs / 1000)}s`), opts.timeoutMs);
            if (opts.signal?.aborted)
                stop('was stopped: its deadline passed');
            opts.signal?.addEventListener('abort', () => stop('was stopped: its deadline passed'), { once: true });
            child.stdout?.setEncoding('utf8').on('data', (c) => { stdout += c; opts.onStdout?.(c); });
            child.stderr?.setEncoding('utf8').on('data', (c) => { stderr += c; opts.onStderr?.(c); });
            if (opts.input && child.stdin) {
                child.stdin.on('error', () => { });
                opts.input(child.stdin);
            }
            child.on('error', (e) => { if (timer)
                clearTimeout(timer); reject(new transport/* TransportError */.w('link', `cannot run /bin/sh: ${e.message}`)); });
            child.on('close', (code, signal) => {
                if (timer)
                    clearTimeout(timer);
                resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
            });
        });
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
/**
 * How messages name the bastion: its address is vault state like the targets' addresses (which
 * messages name by target id), so it is named by its vault key, never by host or port.
 */
const JUMP = 'jump host (PAAS_SSH_JUMP)';
/** A setup failure at the bastion, saying so (a host key failure already names it). */
function viaJump(e) {
    const t = classify(e);
    return t.kind === 'hostkey' ? t : new transport/* TransportError */.w(t.kind, `${JUMP}: ${t.message}`, t.retryable);
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
            // ssh2 gives up after keepaliveCountMax + 1 intervals without any keepalive reply (~60 s): a
            // lossy but working link stalls that long while TCP backs off (3 s, 6 s, 12 s... after a lost
            // SYN); 5 s x 3 killed healthy connections at 20% packet loss (test/deploy-network.test.ts)
            keepaliveInterval: opts.keepaliveMs ?? 15_000,
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
    /** One connection attempt, through the jump host when PAAS_SSH_JUMP is set. */
    async setup() {
        this.trips++;
        const s = this.spec;
        // a reconnect: the dropped connection and its bastion connection (which may still be up) go first
        this.client?.end();
        this.jumpClient?.end();
        this.client = null;
        this.jumpClient = null;
        let jump = null;
        try {
            let sock;
            if (this.opts.jump) {
                const j = this.opts.jump;
                const via = await connectOnce({ host: j.host, port: j.port, user: j.user, name: JUMP }, { ...this.opts, pin: undefined }).catch((e) => {
                    throw viaJump(e);
                });
                jump = via;
                sock = await new Promise((resolve, reject) => {
                    via.forwardOut('127.0.0.1', 0, s.host, s.port, (err, ch) => (err ? reject(new transport/* TransportError */.w('connect', `jump host could not reach ${s.id}: ${err.message}`, true)) : resolve(ch)));
                });
            }
            const client = await connectOnce({ host: s.host, port: s.port, user: s.user, name: `target ${s.id}` }, this.opts, sock);
            this.client = client;
            this.jumpClient = jump;
            this.alive = true;
            // events of an earlier, replaced connection must not mark this one dead
            client.on('error', () => { if (this.client === client)
                this.alive = false; });
            client.on('close', () => { if (this.client === client)
                this.alive = false; });
            jump?.on('error', () => { if (this.jumpClient === jump)
                this.alive = false; });
        }
        catch (e) {
            // every failed attempt closes its own bastion connection: a retry opens a new one
            jump?.end();
            throw e;
        }
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
                const stop = (why) => {
                    ch.close();
                    finish(() => reject(new transport/* TransportError */.w('timeout', `remote command on ${this.spec.id} ${why}`)));
                };
                if (opts.timeoutMs)
                    timer = setTimeout(() => stop(`timed out after ${Math.round(opts.timeoutMs / 1000)}s`), opts.timeoutMs);
                if (opts.signal?.aborted)
                    return stop('was stopped: its deadline passed');
                opts.signal?.addEventListener('abort', () => stop('was stopped: its deadline passed'), { once: true });
                ch.setEncoding('utf8');
                ch.stderr.setEncoding('utf8');
                ch.on('data', (c) => { stdout += c; opts.onStdout?.(c); });
                ch.stderr.on('data', (c) => { stderr += c; opts.onStderr?.(c); });
                ch.on('exit', (c, signal) => { code = c ?? (signal ? 128 : 1); });
                if (opts.input) {
                    ch.on('error', () => { });
                    opts.input(ch);
                }
                ch.on('close', () => {
                    if (code === null)
                        return finish(() => reject(new transport/* TransportError */.w('link', `connection to ${this.spec.id} lost while a remote command was running`)));
                    finish(() => resolve({ code: code, stdout, stderr }));
                });
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
/**
 * Every remote step of a run calls this first: it connects (SSH) and, once the CLI was interrupted
 * (SIGINT/SIGTERM), refuses so that no new remote work starts. Cleanup passes `evenIfInterrupted`.
 */
async function connectTransport(t, opts = {}) {
    const sig = opts.evenIfInterrupted ? null : interruptRequested();
    if (sig)
        throw new transport/* TransportError */.w('link', `interrupted by ${sig}: no new remote work is started`);
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
/* harmony export */   A1: () => (/* binding */ backupScript),
/* harmony export */   Ag: () => (/* binding */ unlockScript),
/* harmony export */   Ai: () => (/* binding */ probeScript),
/* harmony export */   DY: () => (/* binding */ appDir),
/* harmony export */   Ec: () => (/* binding */ switchScript),
/* harmony export */   KR: () => (/* binding */ RECEIVE),
/* harmony export */   Pk: () => (/* binding */ healthCommandScript),
/* harmony export */   QQ: () => (/* binding */ slotSwitchScript),
/* harmony export */   aH: () => (/* binding */ gated),
/* harmony export */   aS: () => (/* binding */ historyScript),
/* harmony export */   ew: () => (/* binding */ finalizeScript),
/* harmony export */   kY: () => (/* binding */ RELEASE_RE),
/* harmony export */   lZ: () => (/* binding */ SCRIPT_EXIT),
/* harmony export */   ml: () => (/* binding */ UnsafeValueError),
/* harmony export */   nB: () => (/* binding */ stateScript),
/* harmony export */   p5: () => (/* binding */ prepareScript),
/* harmony export */   q: () => (/* binding */ q),
/* harmony export */   qc: () => (/* binding */ slotStartScript),
/* harmony export */   rp: () => (/* binding */ receiveScript),
/* harmony export */   wN: () => (/* binding */ checkScript),
/* harmony export */   yK: () => (/* binding */ TARGET_RE)
/* harmony export */ });
/* unused harmony exports APP_RE, CONTEXT_RE, safeApp, safeContext, safeRelease, safeTarget, safeRoot, safeShared, safeRemotePath */
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
    exists: 67,
    missingRelease: 68,
    preSwitch: 70,
    start: 71,
    postSwitch: 72,
    noTools: 73,
    lockLost: 74,
    slotSwitch: 75,
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
function safeSlot(slot) {
    if ((slot.name !== 'blue' && slot.name !== 'green') || !Number.isInteger(slot.port) || slot.port < 1 || slot.port > 65535)
        throw new UnsafeValueError('slot');
    return slot;
}
function exportEnv(env) {
    const slot = env.slot ? ` PAAS_SLOT=${safeSlot(env.slot).name} PAAS_PORT=${env.slot.port}` : '';
    return `export PAAS_APP_DIR=${q(env.appDir)} PAAS_CONTEXT=${q(safeContext(env.context))} PAAS_APP=${q(safeApp(env.app))} PAAS_TARGET=${q(safeTarget(env.target))} PAAS_RELEASE=${q(safeRelease(env.release))} PAAS_RELEASE_DIR="$A/releases/"${q(env.release)}${slot}`;
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
        'echo "live=$(cat "$A/.paas/live" 2>/dev/null || true)"',
    ];
}
/** Read-only: state of the app dir (absent dir prints `exists=no`). */
function stateScript(a) {
    return [...header(a), 'if [ ! -d "$A" ]; then echo "exists=no"; exit 0; fi', 'echo "exists=yes"', ...stateLines()].join('\n') + '\n';
}
/** Takes the lock (atomic mkdir) into `$lk`: acquired|reentered|taken_over|held. */
function lockLines(lock) {
    check(TOKEN_RE, lock.token, 'lock token');
    check(TOKEN_RE, lock.run, 'run id');
    const ttl = Math.max(1, Math.floor(lock.ttlSeconds));
    return [
        'mkdir -p "$A/releases" "$A/shared" "$A/.paas/uploads" "$A/.paas/sums"',
        'L="$A/.paas/lock"',
        'take() {',
        '  mkdir "$L" 2>/dev/null || return 1',
        `  printf '%s\\n' ${q(lock.token)} >"$L/token"`,
        `  printf '%s\\n' ${q(lock.run)} >"$L/run"`,
        `  printf '%s\\n' ${q(lock.ownerJson)} >"$L/owner.json"`,
        `  echo $(( $(date +%s) + ${ttl} )) >"$L/expires"`,
        '}',
        'if take; then lk=acquired',
        'else',
        '  t=$(cat "$L/token" 2>/dev/null || true); r=$(cat "$L/run" 2>/dev/null || true)',
        `  e=$(cat "$L/expires" 2>/dev/null || echo $(( $(stat -c %Y "$L" 2>/dev/null || date +%s) + ${ttl} )))`,
        `  if [ "$t" = ${q(lock.token)} ]; then lk=reentered`,
        `  elif [ "$r" = ${q(lock.run)} ] || [ "$(date +%s)" -gt "$e" ]; then`,
        '    s="$L.stale.$$"',
        '    if mv "$L" "$s" 2>/dev/null && take; then rm -rf "$s"; lk=taken_over; else lk=held; fi',
        '  else lk=held',
        '  fi',
        'fi',
        'echo "lock=$lk"',
    ];
}
/** Releases the lock when it holds `token` (never someone else's). */
function unlockLine(token) {
    check(TOKEN_RE, token, 'lock token');
    return `if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" = ${q(token)} ]; then rm -rf "$A/.paas/lock"; echo "unlock=released"; fi`;
}
/**
 * Takes the lock (atomic mkdir) and prints the state. Outputs `lock=acquired|reentered|taken_over|held`.
 * A lock is stale when now > its `expires` (or, if that file was never written, the lock dir's mtime + TTL).
 */
function prepareScript(a, lock) {
    return [...header(a), ...lockLines(lock), ...stateLines()].join('\n') + '\n';
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
/** What the client writes first on the stdin of `receiveScript`, alone on a line. */
const RECEIVE = { go: 'go', skip: 'skip', abort: 'abort', ready: '--ready' };
/**
 * A script started ahead of time: it first waits for one line on stdin and runs only on `go`
 * (anything else, or EOF when the connection drops: exits 0, nothing done). The channel and the
 * shell are then already up when the step is due, which saves the exec set-up round trips.
 */
function gated(script) {
    return `IFS= read -r gate || gate=\nif [ "$gate" != ${q(RECEIVE.go)} ]; then exit 0; fi\n${script}`;
}
/**
 * Deploy's first remote step, ONE round trip that also carries the artifact:
 *  1. takes the lock and prints the state (as prepareScript), then `need=upload|current|exists` and
 *     `--ready` (or exits at once when the lock is held by another run);
 *  2. waits for one line on stdin: `skip` (the release is already here), `abort` (another target
 *     refused: release our lock, change nothing), or `go` followed by the artifact's bytes, hashed
 *     while they arrive (no SFTP session, no second read);
 *  3. after `go`: verifies the sha256 BEFORE anything is unpacked: it binds the bytes to the runner's
 *     check of every entry (paths and link targets), so they are not listed again here (GNU tar's
 *     own refusal of `..` and leading `/` stays as a second layer); unpacks into a temp dir, links
 *     shared paths, renames the temp dir to `releases/<id>`.
 * Outputs `install=ok|current|exists|aborted`.
 */
function receiveScript(a, spec) {
    const id = safeRelease(spec.release);
    if (!/^[0-9a-f]{64}$/.test(spec.sha256))
        throw new UnsafeValueError('sha256');
    const sum = q(spec.sha256);
    const lines = [
        ...header(a),
        ...lockLines(spec.lock),
        ...stateLines(),
        'if [ "$lk" = held ]; then exit 0; fi',
        `ID=${q(id)}; R="$A/releases/$ID"; U="$A/.paas/uploads/$ID.tar.gz"; T="$A/releases/.tmp-$ID"`,
        'c=$(readlink "$A/current" 2>/dev/null || true)',
        'if [ "${c##*/}" = "$ID" ] && [ -d "$R" ]; then need=current',
        `elif [ -d "$R" ] && [ "$(cat "$A/.paas/sums/$ID" 2>/dev/null || true)" = ${sum} ]; then need=exists`,
        `elif [ -d "$R" ]; then echo "paas: release $ID already exists on this target with different content; use a new release id" >&2; exit ${SCRIPT_EXIT.exists}`,
        'elif command -v sha256sum >/dev/null 2>&1; then need=upload; H=sha256sum',
        "elif command -v shasum >/dev/null 2>&1; then need=upload; H='shasum -a 256'",
        `else echo "paas: neither sha256sum nor shasum found on the target" >&2; exit ${SCRIPT_EXIT.noTools}; fi`,
        `echo "need=$need"; echo ${q(RECEIVE.ready)}`,
        'IFS= read -r go || go=',
        `if [ "$go" = ${q(RECEIVE.skip)} ] && [ "$need" != upload ]; then echo "install=$need"; exit 0; fi`,
        `if [ "$go" != ${q(RECEIVE.go)} ] || [ "$need" != upload ]; then ${unlockLine(spec.lock.token)}; echo "install=aborted"; exit 0; fi`,
        'sum=$(tee "$U" | $H | cut -d" " -f1)',
        `if [ "$sum" != ${sum} ]; then echo "paas: checksum mismatch: received $(wc -c <"$U") bytes that differ from the artifact checked on the runner" >&2; rm -f "$U"; exit ${SCRIPT_EXIT.checksum}; fi`,
        'rm -rf "$T"; mkdir -p "$T"',
        'tar -xzf "$U" -C "$T" --no-same-owner --no-same-permissions',
    ];
    for (const s of spec.shared) {
        const p = safeShared(s);
        lines.push(`S="$A/shared/"${q(p)}; D="$T/"${q(p)}`, 'mkdir -p "$(dirname "$S")" "$(dirname "$D")"', 
        // seed the shared copy from the first release that ships it; else an empty directory
        'if [ ! -e "$S" ] && [ ! -L "$S" ]; then if [ -e "$D" ] && [ ! -L "$D" ]; then cp -Rp "$D" "$S"; else mkdir -p "$S"; fi; fi', 'rm -rf "$D"; ln -s "$S" "$D"');
    }
    lines.push(`printf '%s\\n' ${sum} >"$A/.paas/sums/$ID"`, 'mv "$T" "$R"', 'rm -f "$U"', 'echo "install=ok"');
    return lines.join('\n') + '\n';
}
/**
 * Atomic switch of `current`: a temp symlink renamed over it (`ln -sfn` + `mv -T`), only while the
 * lock still holds our token (a run whose lock was released or taken over never switches).
 */
function switchLines(release, lockToken, link = { path: '"$A/current"', target: '"releases/$ID"', says: 'switched=$ID' }) {
    check(TOKEN_RE, lockToken, 'lock token');
    return [
        `ID=${q(safeRelease(release))}`,
        `if [ ! -d "$A/releases/$ID" ]; then echo "paas: release $ID does not exist on this target" >&2; exit ${SCRIPT_EXIT.missingRelease}; fi`,
        `if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" != ${q(lockToken)} ]; then echo "paas: this run no longer holds the deploy lock (released or taken over); not switching" >&2; exit ${SCRIPT_EXIT.lockLost}; fi`,
        'N="$A/.link.tmp.$$"',
        `ln -sfn ${link.target} "$N"`,
        `mv -T "$N" ${link.path}`,
        `echo "${link.says}"`,
    ];
}
/** pre_switch hook (in the new release), atomic switch, start command (in current). */
function switchScript(a, spec) {
    const lines = [...header(a), exportEnv(spec.env)];
    if (spec.preSwitch)
        lines.push('cd "$PAAS_RELEASE_DIR"', ...userCommand(spec.preSwitch, 'pre_switch hook', SCRIPT_EXIT.preSwitch));
    lines.push(...switchLines(spec.env.release, spec.lockToken));
    if (spec.historyLine)
        lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
    if (spec.start)
        lines.push('cd "$A/current"', ...userCommand(spec.start, 'start command', SCRIPT_EXIT.start, '"$A/.paas/start.log"'));
    return lines.join('\n') + '\n';
}
/**
 * bluegreen, before any traffic moves: points `slots/<slot>` (the idle slot) at the release and runs
 * the start command there with PAAS_SLOT/PAAS_PORT. The live slot, `current` and `.paas/live` are
 * untouched.
 */
function slotStartScript(a, spec) {
    const slot = safeSlot(spec.env.slot).name;
    const lines = [...header(a), exportEnv(spec.env), 'mkdir -p "$A/slots"'];
    lines.push(...switchLines(spec.env.release, spec.lockToken, { path: `"$A/slots/${slot}"`, target: '"../releases/$ID"', says: `slot_${slot}=$ID` }));
    if (spec.start)
        lines.push(`cd "$A/slots/${slot}"`, ...userCommand(spec.start, `start command (slot ${slot})`, SCRIPT_EXIT.start, `"$A/.paas/start-${slot}.log"`));
    return lines.join('\n') + '\n';
}
/**
 * bluegreen, the switch: `.paas/live` names the slot, `current` points at its release (both atomic
 * renames), then the slots' switch command moves the traffic (a proxy reload, typically).
 */
function slotSwitchScript(a, spec) {
    const slot = safeSlot(spec.env.slot).name;
    const lines = [...header(a), exportEnv(spec.env)];
    lines.push(...switchLines(spec.env.release, spec.lockToken));
    lines.push(`printf '%s\\n' ${slot} >"$A/.paas/live.tmp.$$"`, 'mv "$A/.paas/live.tmp.$$" "$A/.paas/live"', `echo "live=${slot}"`);
    if (spec.historyLine)
        lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
    if (spec.switchCommand)
        lines.push('cd "$A/current"', ...userCommand(spec.switchCommand, 'slot switch command', SCRIPT_EXIT.slotSwitch));
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
    if (spec.unlockToken)
        lines.push(unlockLine(spec.unlockToken));
    return lines.join('\n') + '\n';
}
/** Runs the health command in `current`, or in the slot being checked (exit 0 = healthy). */
function healthCommandScript(a, env, command) {
    const dir = env.slot ? `"$A/slots/${safeSlot(env.slot).name}"` : '"$A/current"';
    return [...header(a), exportEnv(env), `cd ${dir}`, `exec sh -c ${q(command)} </dev/null`].join('\n') + '\n';
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
// ops checks: read-only probes of a target (ops_daily / prod_verify `target` and `backup` checks).
// Output is `key=value` lines (parsed by lib/ops/checks/targets.ts); file names are never printed.
const SERVICE_RE = /^[A-Za-z0-9@._:-]{1,255}$/;
const REMOTE_PATH_RE = /^(\/[A-Za-z0-9._@+-]+)+$|^\/$/;
/** An absolute remote path of conservative characters, no `.`/`..` segments (`/` allowed). */
function safeRemotePath(p) {
    if (!REMOTE_PATH_RE.test(p) || p.split('/').some((s) => s === '.' || s === '..'))
        throw new UnsafeValueError('remote path');
    return p;
}
/** Disk use (percent) of the filesystem holding `diskPath` and/or `systemctl is-active <service>`. */
function probeScript(opts) {
    const lines = ['set -u'];
    if (opts.diskPath) {
        lines.push(`d=${q(safeRemotePath(opts.diskPath))}`, 'while [ ! -d "$d" ]; do d=$(dirname "$d"); done', 'echo "disk_pct=$(df -P "$d" 2>/dev/null | awk \'NR==2 {sub("%","",$5); print $5}\')"');
    }
    if (opts.service) {
        if (!SERVICE_RE.test(opts.service))
            throw new UnsafeValueError('service name');
        lines.push(`if command -v systemctl >/dev/null 2>&1; then echo "service=$(systemctl is-active ${q(opts.service)} 2>/dev/null || true)"; else echo "service=no_systemctl"; fi`);
    }
    return lines.join('\n') + '\n';
}
/**
 * The newest regular file of `dir` (by mtime; checksum files and `*.tmp`/`*.partial` excluded),
 * its age by the target's own clock, and its sha256 beside the expected one from `<file>.sha256`,
 * `<file>.sha256sum` or a `SHA256SUMS` file in the directory. File names are never printed.
 */
function backupScript(dir, verifyChecksum) {
    const lines = [
        'set -u',
        `D=${q(safeRemotePath(dir))}`,
        'if [ ! -d "$D" ]; then echo "dir=no"; exit 0; fi',
        'echo "dir=yes"',
        'newest=""; newest_m=0',
        'for f in "$D"/* "$D"/.[!.]*; do',
        '  [ -f "$f" ] || continue',
        '  case "$f" in *.sha256|*.sha256sum|*/SHA256SUMS|*.tmp|*.partial) continue;; esac',
        '  m=$(stat -c %Y "$f" 2>/dev/null || stat -f %m "$f" 2>/dev/null || echo 0)',
        '  if [ "$m" -gt "$newest_m" ]; then newest=$f; newest_m=$m; fi',
        'done',
        'if [ -z "$newest" ]; then echo "snapshot=none"; exit 0; fi',
        'echo "snapshot=yes"',
        'echo "mtime=$newest_m"',
        'echo "now=$(date +%s)"',
        'echo "size=$(wc -c <"$newest" | tr -d " ")"',
    ];
    if (verifyChecksum) {
        lines.push('exp=""', 'if [ -f "$newest.sha256" ]; then exp=$(head -n 1 "$newest.sha256" | cut -d" " -f1)', 'elif [ -f "$newest.sha256sum" ]; then exp=$(head -n 1 "$newest.sha256sum" | cut -d" " -f1)', 'elif [ -f "$D/SHA256SUMS" ]; then b=${newest##*/}; exp=$(awk -v n="$b" \'{f=$2; sub(/^\\*/,"",f); if (f==n) {print $1; exit}}\' "$D/SHA256SUMS")', 'fi', 'echo "expected=$(printf %s "$exp" | tr -d "\\r\\n " | tr A-F a-f)"', 'if command -v sha256sum >/dev/null 2>&1; then echo "actual=$(sha256sum "$newest" | cut -d" " -f1)"', 'elif command -v shasum >/dev/null 2>&1; then echo "actual=$(shasum -a 256 "$newest" | cut -d" " -f1)"', 'else echo "actual=no_tool"; fi');
    }
    return lines.join('\n') + '\n';
}


/***/ }),

/***/ 6725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hj: () => (/* binding */ verifyHostKey),
/* harmony export */   MZ: () => (/* binding */ parsePins),
/* harmony export */   Rj: () => (/* binding */ fingerprint),
/* harmony export */   W1: () => (/* binding */ keyTypeOfBlob),
/* harmony export */   Yn: () => (/* binding */ entryMatches),
/* harmony export */   uJ: () => (/* binding */ parseKnownHosts)
/* harmony export */ });
/* unused harmony export hostLookupName */
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
/* harmony export */   T: () => (/* binding */ sendFile),
/* harmony export */   w: () => (/* binding */ TransportError)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);

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
/**
 * Writes `head` then the file's bytes into a remote stdin with backpressure, reporting progress, then
 * ends it (EOF). Rejects with an `upload` TransportError when the stream closes or fails first.
 */
async function sendFile(stdin, head, file, total, onProgress) {
    let failure = null;
    const fail = (e) => { failure ??= new TransportError('upload', `the remote side closed the upload${e?.message ? `: ${e.message}` : ''}`); };
    stdin.on('error', fail);
    stdin.once('close', fail);
    const drained = () => new Promise((resolve) => {
        const done = () => { stdin.off('drain', done); stdin.off('close', done); stdin.off('error', done); resolve(); };
        stdin.on('drain', done).on('close', done).on('error', done);
    });
    try {
        stdin.write(head);
        let done = 0;
        for await (const chunk of (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.createReadStream)(file, { highWaterMark: 256 * 1024 })) {
            if (failure)
                break;
            const more = stdin.write(chunk);
            done += chunk.length;
            onProgress?.(done, total);
            if (!more)
                await drained();
        }
        if (failure)
            throw failure;
        stdin.end();
    }
    finally {
        stdin.off('error', fail);
        stdin.off('close', fail);
    }
}


/***/ })

};
