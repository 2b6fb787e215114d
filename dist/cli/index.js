#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 7503:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  ak: () => (/* binding */ runCli)
});

// UNUSED EXPORTS: COMMANDS, usage

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __nccwpck_require__(3879);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __nccwpck_require__(4164);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __nccwpck_require__(6674);
// EXTERNAL MODULE: ./lib/redaction/redactor.ts + 5 modules
var redaction_redactor = __nccwpck_require__(3374);
// EXTERNAL MODULE: ./lib/ops/registry.ts + 5 modules
var registry = __nccwpck_require__(7947);
// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __nccwpck_require__(8364);
// EXTERNAL MODULE: ./lib/runtime/execute.ts
var execute = __nccwpck_require__(3206);
;// CONCATENATED MODULE: ./lib/runtime/logger.ts
/** A logger writing redacted lines to a stream-like sink (stderr for the CLI, stdout for actions). */
function streamLogger(write, redactor, debugEnabled = false) {
    const out = (prefix, m) => write(redactor.redact(prefix + m) + '\n');
    return {
        info: (m) => out('', m),
        warn: (m) => out('warning: ', m),
        error: (m) => out('error: ', m),
        debug: (m) => { if (debugEnabled)
            out('debug: ', m); },
    };
}
/** Collects lines in memory (tests, and operations that need to capture output). */
function memoryLogger(redactor) {
    const lines = [];
    const push = (p) => (m) => { lines.push(redactor.redact(p + m)); };
    return { lines, info: push(''), warn: push('warning: '), error: push('error: '), debug: push('debug: ') };
}

;// CONCATENATED MODULE: ./lib/runtime/runtime.ts
function isCI(env) {
    return env.GITHUB_ACTIONS === 'true' || env.CI === 'true' || env.CI === '1';
}

// EXTERNAL MODULE: ./lib/db/interrupt.ts
var interrupt = __nccwpck_require__(6778);
// EXTERNAL MODULE: ./lib/runtime/interrupt.ts
var runtime_interrupt = __nccwpck_require__(4250);
;// CONCATENATED MODULE: ./lib/cli/interrupt.ts





/** How long the interrupted run may take to stop its in-flight remote steps before its locks are released anyway. */
const INTERRUPT_GRACE_MS = 10_000;
/** `paas deploy --apply` / `paas rollback --apply`: the runs that take deploy locks. */
function takesLocks(op, args) {
    if (args.apply !== true)
        return false;
    if (op === 'rollback')
        return true;
    return op === 'deploy' && (args.mode === undefined || args.mode === 'deploy');
}
/**
 * SIGINT/SIGTERM during a mutating deploy/rollback from the CLI (the action has its `post:` step):
 *  1. no new remote work starts (lib/runtime/interrupt.ts gates every remote step), the local
 *     commands the run started get SIGINT as from a terminal's Ctrl-C, and the run's own output stops;
 *  2. once the run has stopped (at most INTERRUPT_GRACE_MS), the locks it recorded as held
 *     (cleanup.ts heldLocks) are released with our token (never another run's);
 *  3. `paas: interrupted; released the deploy lock on N target(s)` and a PAAS_INTERRUPTED outcome
 *     (exit 1: PRODUCT.md defines no other code for it).
 * A second signal restores the default action and re-raises it: the process ends at once.
 */
function guardInterrupts(rt, op, args, o) {
    let signal = null;
    let fire = () => { };
    const fired = new Promise((resolve) => (fire = resolve));
    const stopListening = (0,interrupt/* onTermination */.o)((sig) => {
        signal = sig;
        (0,runtime_interrupt/* requestInterrupt */.vV)(sig);
        o.mute();
        o.stderr(rt.redactor.redact(`paas: ${sig} received: no new remote work is started; releasing the deploy lock this run holds (${sig} again exits at once)\n`));
        (0,runtime_interrupt/* signalDescendants */.DY)('SIGINT');
        fire(sig);
    });
    const interrupted = async (sig, running) => {
        let timer;
        const settled = await Promise.race([
            running.then(() => true, () => true),
            new Promise((resolve) => (timer = setTimeout(() => resolve(false), o.graceMs ?? INTERRUPT_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!settled)
            o.log.warn(`the run did not stop within ${Math.round((o.graceMs ?? INTERRUPT_GRACE_MS) / 1000)}s (a remote command is still running); releasing the locks anyway`);
        const { heldLocks, releaseRecordedLocks } = await Promise.all(/* import() */[__nccwpck_require__.e(472), __nccwpck_require__.e(421), __nccwpck_require__.e(23), __nccwpck_require__.e(627)]).then(__nccwpck_require__.bind(__nccwpck_require__, 1627));
        const state = heldLocks(rt);
        const locks = state?.locks ?? [];
        let released = [];
        let problem = null;
        if (state && locks.length) {
            const raw = Object.fromEntries(inputs/* COMMON_INPUT_NAMES */.Af.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
            try {
                released = await releaseRecordedLocks({ ...rt, logger: o.log }, raw, state, 'interrupt');
            }
            catch (e) {
                problem = e;
            }
        }
        const kept = locks.map((l) => l.target).filter((t) => !released.includes(t));
        const tail = kept.length ? `; could not release it on ${kept.join(', ')}${problem instanceof Error ? ` (${problem.message})` : ''}: it becomes stale after lock_ttl` : '';
        o.stderr(rt.redactor.redact(`paas: interrupted; released the deploy lock on ${released.length} target(s)${tail}\n`));
        const err = new errors/* PaasError */.wF('PAAS_INTERRUPTED', `${op} interrupted by ${sig}; released the deploy lock on ${released.length} target(s)${tail}`, {
            stage: 'interrupted',
            remediation: `Check the targets with \`paas deploy reconcile\`, then run the ${op} again${kept.length ? ' (or wait for lock_ttl to pass)' : ''}.`,
        });
        const context = typeof args.context === 'string' ? args.context : null;
        return (0,outcome/* failure */.V)(rt.redactor, op, context, 'apply', err, { released_locks: released.join(','), ...(kept.length ? { kept_locks: kept.join(',') } : {}) });
    };
    return {
        get signal() {
            return signal;
        },
        async run(start) {
            const running = start();
            running.catch(() => { });
            const first = await Promise.race([running.then((r) => ({ r })), fired.then(() => null)]);
            // the run may finish in the same tick the signal arrives: the signal wins, the locks are checked
            if (first && !signal)
                return first.r;
            return interrupted(signal ?? 'SIGINT', running).finally(() => {
                // lifted once the abandoned run has really stopped (the CLI process exits before that)
                void running.finally(runtime_interrupt/* clearInterrupt */.DB).catch(() => { });
            });
        },
        stop: stopListening,
    };
}

;// CONCATENATED MODULE: ./lib/cli/cli.ts











// Each command's module is loaded when that command runs: a run loads only what it needs (the
// bundle's other commands stay unparsed chunks), so `paas doctor` starts without the context,
// backup, alert and database code.
const context = () => __nccwpck_require__.e(/* import() */ 113).then(__nccwpck_require__.bind(__nccwpck_require__, 8113));
const events = () => __nccwpck_require__.e(/* import() */ 607).then(__nccwpck_require__.bind(__nccwpck_require__, 3607));
const backup = () => __nccwpck_require__.e(/* import() */ 124).then(__nccwpck_require__.bind(__nccwpck_require__, 4124));
const alerts = () => __nccwpck_require__.e(/* import() */ 151).then(__nccwpck_require__.bind(__nccwpck_require__, 5151));
const ROOT = ['state_root'];
const ROOT_BOOL = ['allow_unsafe_state_root'];
function opCommand(path, op, summary, fixed = {}) {
    const def = registry/* REGISTRY */.M[op];
    const names = [...inputs/* COMMON_INPUT_NAMES */.Af, ...Object.keys(def.inputs.shape)].filter((n) => !(n in fixed));
    const booleans = names.filter((n) => ['apply', 'rollback_on_failure', 'allow_unsafe_state_root', 'update_baseline', 'state_reset'].includes(n));
    return {
        path,
        positionals: [],
        strings: names.filter((n) => !booleans.includes(n)),
        booleans,
        summary,
        run: (rt, args) => (0,execute/* executeOperation */.R)(rt, op, { ...args, ...fixed }),
        op,
        fixed,
    };
}
const COMMANDS = [
    { path: ['context', 'create'], positionals: ['name'], strings: ['type', 'vault_file', 'default_targets', 'events', 'branches', 'actors', ...ROOT], booleans: ROOT_BOOL, lists: ['default_targets', 'events', 'branches', 'actors'], summary: 'create an isolated context', run: async (rt, a) => (await context()).contextCreate(rt, a) },
    { path: ['context', 'list'], positionals: [], strings: ROOT, booleans: ROOT_BOOL, summary: 'list contexts', run: async (rt, a) => (await context()).contextList(rt, a) },
    { path: ['context', 'use'], positionals: ['name'], strings: ROOT, booleans: ROOT_BOOL, summary: 'select the context for read-only commands', run: async (rt, a) => (await context()).contextUse(rt, a) },
    { path: ['context', 'show'], positionals: ['name?'], strings: ROOT, booleans: ROOT_BOOL, summary: 'show a context', run: async (rt, a) => (await context()).contextShow(rt, a) },
    { path: ['context', 'remove'], positionals: ['name'], strings: ROOT, booleans: ['force', ...ROOT_BOOL], summary: 'remove a context (--force when it holds history)', run: async (rt, a) => (await context()).contextRemove(rt, a) },
    { path: ['context', 'export'], positionals: ['name'], strings: ['out', ...ROOT], booleans: ['dangerously_include_secrets', ...ROOT_BOOL], summary: 'export context metadata (never secrets unless --dangerously-include-secrets)', run: async (rt, a) => (await context()).contextExport(rt, a) },
    { path: ['context', 'import'], positionals: ['file'], strings: ['name', ...ROOT], booleans: ['dangerously_include_secrets', ...ROOT_BOOL], summary: 'import context metadata', run: async (rt, a) => (await context()).contextImport(rt, a) },
    { path: ['events', 'list'], positionals: [], strings: ['context', 'kind', 'limit', ...ROOT], booleans: ROOT_BOOL, summary: "list the context's events", run: async (rt, a) => (await events()).eventsList(rt, a) },
    { path: ['backup', 'create'], positionals: [], strings: ['context', 'out', 'vault', 'vault_file', ...ROOT], booleans: ROOT_BOOL, summary: 'write an encrypted backup of a context (state.db, events, config)', run: async (rt, a) => (await backup()).backupCreate(rt, a) },
    { path: ['backup', 'verify'], positionals: ['file'], strings: ['context', 'vault', 'vault_file', ...ROOT], booleans: ROOT_BOOL, summary: 'check every checksum of a backup; names the damaged file', run: async (rt, a) => (await backup()).backupVerify(rt, a) },
    { path: ['backup', 'restore'], positionals: ['file'], strings: ['context', 'vault', 'vault_file', ...ROOT], booleans: ['force', ...ROOT_BOOL], summary: 'verify, restore into the same context, then run doctor', run: async (rt, a) => (await backup()).backupRestore(rt, a) },
    opCommand(['doctor'], 'doctor', 'prove isolation: no private state or plaintext secrets in the repo'),
    opCommand(['deploy', 'reconcile'], 'deploy', 'compare targets with the recorded releases', { mode: 'reconcile' }),
    opCommand(['deploy'], 'deploy', 'ship a release to the targets (plan unless --apply)'),
    opCommand(['target', 'check'], 'deploy', 'check reachability, SSH, host key, disk, runtime', { mode: 'target_check' }),
    opCommand(['rollback'], 'rollback', 'return targets to a known-good release (plan unless --apply)'),
    opCommand(['db', 'bootstrap'], 'db_bootstrap', 'apply ordered SQL migrations (dry_run, migrate, verify, all)'),
    opCommand(['prod', 'verify'], 'prod_verify', 'configuration check (dry_run) or strict smoke checks (verify)'),
    opCommand(['ops', 'daily'], 'ops_daily', 'run the monitoring checks'),
    { path: ['alert', 'history'], positionals: [], strings: ['context', 'limit', ...ROOT], booleans: ROOT_BOOL, summary: 'list the alert actions of a context (opened, commented, closed, acknowledged)', run: async (rt, a) => (await alerts()).alertHistory(rt, a) },
    { path: ['alert', 'acknowledge'], positionals: [], strings: ['context', 'id', 'by', 'github_token', 'repo', ...ROOT], booleans: ROOT_BOOL, summary: 'acknowledge the open alert: no repeated Slack messages until recovery', run: async (rt, a) => (await alerts()).alertAcknowledge(rt, a) },
];
const kebab = (s) => s.replace(/_/g, '-');
function usage() {
    const lines = ['usage: paas <command> [options] [--json]', '', 'commands:'];
    for (const c of COMMANDS) {
        const pos = c.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
        lines.push(`  paas ${c.path.join(' ')}${pos ? ' ' + pos : ''}`.padEnd(44) + c.summary);
    }
    lines.push('', 'every command accepts --json (the JSON envelope) and --help.', 'docs: docs/cli.md');
    return lines.join('\n') + '\n';
}
function findCommand(argv) {
    const words = argv.filter((a) => !a.startsWith('-'));
    let best = null;
    for (const c of COMMANDS) {
        if (c.path.every((p, i) => words[i] === p) && (!best || c.path.length > best.path.length))
            best = c;
    }
    if (!best)
        return null;
    const rest = [...argv];
    for (const p of best.path)
        rest.splice(rest.indexOf(p), 1);
    return { cmd: best, rest };
}
function parseCommandArgs(cmd, rest) {
    const options = { json: { type: 'boolean' }, help: { type: 'boolean' } };
    for (const s of cmd.strings)
        options[kebab(s)] = { type: 'string' };
    for (const b of cmd.booleans)
        options[kebab(b)] = { type: 'boolean' };
    let parsed;
    try {
        parsed = (0,external_node_util_.parseArgs)({ args: rest, options, allowPositionals: true, strict: true, allowNegative: true });
    }
    catch (e) {
        const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: ${msg}`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\` for the accepted options.` });
    }
    const args = {};
    for (const [k, v] of Object.entries(parsed.values)) {
        const key = k.replace(/-/g, '_');
        if (key === 'json' || key === 'help')
            continue;
        args[key] = cmd.lists?.includes(key) && typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
    }
    const required = cmd.positionals.filter((p) => !p.endsWith('?'));
    if (parsed.positionals.length > cmd.positionals.length) {
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: unexpected argument ${JSON.stringify(parsed.positionals[cmd.positionals.length]?.slice(0, 64))}`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` });
    }
    if (parsed.positionals.length < required.length && !parsed.values.help) {
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: missing <${required[parsed.positionals.length]}>`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` });
    }
    cmd.positionals.forEach((p, i) => {
        if (parsed.positionals[i] !== undefined)
            args[p.replace('?', '')] = parsed.positionals[i];
    });
    return { args, json: Boolean(parsed.values.json), help: Boolean(parsed.values.help) };
}
function commandHelp(cmd) {
    const pos = cmd.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
    const flags = [...cmd.strings.map((s) => `--${kebab(s)} <value>`), ...cmd.booleans.map((b) => `--${kebab(b)}`), '--json'];
    return `usage: paas ${cmd.path.join(' ')}${pos ? ' ' + pos : ''} [options]\n\n${cmd.summary}\n\noptions:\n${flags.map((f) => `  ${f}`).join('\n')}\n`;
}
/** The whole CLI as a function: argv in, exit code out; every byte written goes through the redactor. */
async function runCli(argv, io) {
    const redactor = new redaction_redactor/* Redactor */.pO();
    const wantJson = argv.includes('--json');
    const log = streamLogger(io.stderr, redactor, io.env.PAAS_DEBUG === '1');
    // an interrupted run is silenced: what it still reports while it stops is not the outcome
    let muted = false;
    const logger = {
        info: (m) => { if (!muted)
            log.info(m); },
        warn: (m) => { if (!muted)
            log.warn(m); },
        error: (m) => { if (!muted)
            log.error(m); },
        debug: (m) => { if (!muted)
            log.debug(m); },
    };
    const rt = {
        env: io.env,
        cwd: io.cwd,
        redactor,
        logger,
        now: () => new Date(),
        inCI: isCI(io.env),
        inAction: false,
        workspace: io.env.GITHUB_WORKSPACE || undefined,
    };
    const out = (s) => io.stdout(redactor.redact(s));
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
        out(usage());
        return argv.length === 0 ? exit/* EXIT_ERROR */.SI : exit/* EXIT_OK */.Ij;
    }
    if (argv[0] === '--version') {
        out('paas 0.1.0\n');
        return exit/* EXIT_OK */.Ij;
    }
    let result;
    let label = 'paas';
    let guard = null;
    try {
        const found = findCommand(argv);
        if (!found) {
            throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `unknown command: paas ${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ').slice(0, 80)}`, { remediation: 'Run `paas --help` for the list of commands.' });
        }
        label = found.cmd.path.join('_');
        const { args, help } = parseCommandArgs(found.cmd, found.rest);
        if (help) {
            out(commandHelp(found.cmd));
            return exit/* EXIT_OK */.Ij;
        }
        const { cmd } = found;
        if (cmd.op && takesLocks(cmd.op, { ...args, ...cmd.fixed })) {
            guard = guardInterrupts(rt, cmd.op, args, { mute: () => (muted = true), log, stderr: io.stderr });
            try {
                result = await guard.run(async () => cmd.run(rt, args));
            }
            finally {
                guard.stop();
            }
        }
        else
            result = await cmd.run(rt, args);
    }
    catch (e) {
        result = (0,outcome/* failure */.V)(redactor, label.replace(/[^a-z_]/g, '_'), null, null, e);
    }
    if (wantJson) {
        out(JSON.stringify(redactor.redactDeep(result.envelope)) + '\n');
    }
    else {
        if (result.text)
            out(result.text + '\n');
        for (const line of result.lines)
            out(line + '\n');
    }
    const err = result.envelope.error;
    if (err)
        io.stderr(redactor.redact(`error ${err.code}: ${err.message}\n${err.remediation ? `  fix: ${err.remediation}\n` : ''}`));
    if (guard?.signal)
        io.exit?.(result.exitCode);
    return result.exitCode;
}


/***/ }),

/***/ 6902:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _runtime_dirname_shim_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(299);
/* harmony import */ var _cli_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7503);


process.umask(0o077); // every file and directory we create is private to the user
process.exitCode = await (0,_cli_js__WEBPACK_IMPORTED_MODULE_1__/* .runCli */ .ak)(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), exit: (code) => process.exit(code) });

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 5535:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   _: () => (/* binding */ vaultKey)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(2857);

/**
 * A vault key or named secret, e.g. POSTGRES_DSN_PROD (the value lives in the context's vault).
 * Its own module so that operation definitions (db_bootstrap's inputs) can use it without loading
 * paas-yml.ts and its YAML parser.
 */
const vaultKey = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: 'must name a vault key such as POSTGRES_DSN_PROD (letters, digits, underscores), never hold a value' });


/***/ }),

/***/ 6778:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ onTermination)
/* harmony export */ });
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


/***/ }),

/***/ 5654:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   hd: () => (/* binding */ webhookPolicySchema),
/* harmony export */   p4: () => (/* binding */ contextConfigSchema),
/* harmony export */   ts: () => (/* binding */ contextExportSchema)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2857);
/* harmony import */ var _names_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(9869);


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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K7: () => (/* binding */ impliedContextType),
/* harmony export */   fW: () => (/* binding */ contextName),
/* harmony export */   g_: () => (/* binding */ CONTEXT_NAME_RE),
/* harmony export */   k0: () => (/* binding */ CONTEXT_TYPES)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(2857);

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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $o: () => (/* binding */ findGitWorkTree),
/* harmony export */   DP: () => (/* binding */ stateRootPath),
/* harmony export */   FK: () => (/* binding */ isInside),
/* harmony export */   Yb: () => (/* binding */ realPathLoose),
/* harmony export */   Z4: () => (/* binding */ stateRootProblem),
/* harmony export */   h5: () => (/* binding */ guardStateRoot)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(3879);




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
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', 'state root contains a NUL byte', { remediation: 'Pass a plain absolute directory path.' });
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
    throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .PaasError */ .wF('PAAS_STATE_ROOT_UNSAFE', problem, {
        stage: 'state_root',
        remediation: 'Use a state root outside any repository, e.g. --state-root ~/.paas locally or state_root: ${{ runner.temp }}/paas-state in Actions (or set PAAS_STATE_ROOT).',
    });
}


/***/ }),

/***/ 1309:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  n: () => (/* binding */ ContextStore)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __nccwpck_require__(3879);
// EXTERNAL MODULE: ./lib/state/db.ts
var state_db = __nccwpck_require__(4160);
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
var fs_safe = __nccwpck_require__(339);
// EXTERNAL MODULE: ./lib/isolation/context.ts
var context = __nccwpck_require__(5654);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var names = __nccwpck_require__(9869);
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
            throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', 'invalid context name', { remediation: 'Context names match ^[a-z0-9][a-z0-9-]{0,62}$.' });
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
            throw new errors/* PaasError */.wF('PAAS_CONTEXT_EXISTS', `context ${parsed.name} already exists`, {
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
            throw new errors/* PaasError */.wF('PAAS_CONTEXT_NOT_FOUND', `context ${name} does not exist under state root ${this.root.path}`, {
                stage: 'context',
                remediation: `Create it with: paas context create ${name} --state-root ${this.root.path}`,
            });
        }
        let raw;
        try {
            raw = JSON.parse((0,external_node_fs_.readFileSync)(p.config, 'utf8'));
        }
        catch {
            throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', `config.json of context ${name} is not valid JSON`, { stage: 'context', remediation: `Inspect ${p.config} or restore it from a backup.` });
        }
        const r = context/* contextConfigSchema */.p4.safeParse(raw);
        if (!r.success)
            throw new errors/* PaasError */.wF('PAAS_STATE_CORRUPT', `config.json of context ${name} does not match the schema`, { stage: 'context', remediation: `Inspect ${p.config}.` });
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
            throw new errors/* PaasError */.wF('PAAS_CONTEXT_NOT_EMPTY', `context ${name} holds events or history`, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Sw: () => (/* binding */ vaultFileProblem),
/* harmony export */   dn: () => (/* binding */ loadVault),
/* harmony export */   qd: () => (/* binding */ parseDotenv)
/* harmony export */ });
/* unused harmony export Vault */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(3879);
/* harmony import */ var _state_root_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(9349);



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
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `${source} line ${i + 1} is not KEY=value`, {
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
                throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `${source}: unterminated double quote for key ${key}`, { stage: 'vault', remediation: 'Close the quoted value.' });
            }
            body = body.replace(/"\s*$/, '');
            value = body.replace(/\\(n|t|r|"|\\)/g, (_, c) => ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' })[c] ?? c);
        }
        else if (value.startsWith("'")) {
            if (!/'\s*$/.test(value.slice(1))) {
                throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `${source}: unterminated single quote for key ${key}`, { stage: 'vault', remediation: 'Close the quoted value.' });
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
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_VAULT_UNMAPPED', `context ${this.context} has no vault value for ${key}, needed by ${purpose}`, {
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
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_VAULT_UNSAFE', problem, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Ac: () => (/* binding */ doctor),
  Mz: () => (/* binding */ preflight)
});

// UNUSED EXPORTS: DEFAULT_MAX_FILE_BYTES, doctorInputs, doctorOutcome, runDoctor, runDoctorOperation

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 11 modules
var schemas = __nccwpck_require__(2857);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/coerce.js
var coerce = __nccwpck_require__(9567);
// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __nccwpck_require__(3879);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __nccwpck_require__(4164);
// EXTERNAL MODULE: ./lib/output/outcome.ts
var outcome = __nccwpck_require__(6674);
// EXTERNAL MODULE: ./lib/isolation/state-root.ts
var state_root = __nccwpck_require__(9349);
// EXTERNAL MODULE: ./lib/isolation/vault.ts
var vault = __nccwpck_require__(4345);
// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __nccwpck_require__(8364);
// EXTERNAL MODULE: ./lib/ops/operation.ts
var operation = __nccwpck_require__(1120);
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
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} is not valid JSON`, { stage: 'baseline', remediation: 'Regenerate it with `paas doctor --update-baseline` or fix the file.' });
    }
    const r = baselineSchema.safeParse(raw);
    if (!r.success) {
        const where = r.error.issues[0]?.path.join('.') ?? '';
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} does not match format ${BASELINE_FORMAT}${where ? ` (at ${where})` : ''}`, {
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
var external_node_crypto_ = __nccwpck_require__(7598);
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
var redactor = __nccwpck_require__(3374);
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
var summary = __nccwpck_require__(9618);
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
var external_node_child_process_ = __nccwpck_require__(1421);
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
var external_node_sqlite_ = __nccwpck_require__(99);
// EXTERNAL MODULE: ./lib/isolation/names.ts
var isolation_names = __nccwpck_require__(9869);
// EXTERNAL MODULE: ./lib/isolation/store.ts + 1 modules
var isolation_store = __nccwpck_require__(1309);
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
var external_node_url_ = __nccwpck_require__(3136);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __nccwpck_require__(5919);
// EXTERNAL MODULE: ./lib/redaction/matcher.ts + 1 modules
var matcher = __nccwpck_require__(571);
// EXTERNAL MODULE: ./lib/redaction/patterns.ts
var patterns = __nccwpck_require__(1725);
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
        throw new errors/* PaasError */.wF('PAAS_DOCTOR_BLOCKED', `doctor found ${blocking.length} critical problem(s): ${first.join('; ')}${blocking.length > 3 ? '; ...' : ''}`, {
            stage: 'doctor',
            remediation: 'Run `paas doctor` for the full report; remove and rotate exposed secrets, move private state out of the repository, or accept a false positive with `paas doctor --update-baseline`.',
        });
    }
    return report;
}


/***/ }),

/***/ 1120:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fc: () => (/* binding */ notAvailable),
/* harmony export */   h9: () => (/* binding */ defineOperation),
/* harmony export */   xb: () => (/* binding */ OPERATIONS)
/* harmony export */ });
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3879);

const OPERATIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'];
function defineOperation(def) {
    return def;
}
function notAvailable(op) {
    return new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PaasError */ .wF('PAAS_NOT_AVAILABLE', `operation ${op} is not available yet in this version of paas-actions`, {
        stage: 'dispatch',
        remediation: `Remove the ${op} step for now or pin a paas-actions release that ships it; nothing was changed.`,
    });
}


/***/ }),

/***/ 7947:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  M: () => (/* binding */ REGISTRY),
  t: () => (/* binding */ registry_operation)
});

// EXTERNAL MODULE: ./lib/output/errors.ts
var errors = __nccwpck_require__(3879);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 11 modules
var schemas = __nccwpck_require__(2857);
// EXTERNAL MODULE: ./lib/config/vault-key.ts
var vault_key = __nccwpck_require__(5535);
// EXTERNAL MODULE: ./lib/ops/operation.ts
var operation = __nccwpck_require__(1120);
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
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__nccwpck_require__.e(815), __nccwpck_require__.e(849), __nccwpck_require__.e(388), __nccwpck_require__.e(993)]).then(__nccwpck_require__.bind(__nccwpck_require__, 9388))).runDbBootstrap(rt, common, settings),
});
// checkPlanOffline: import it from './run.js' (re-exporting it here would load run.js, pg included, with the registry)

// EXTERNAL MODULE: ./lib/runtime/inputs.ts
var inputs = __nccwpck_require__(8364);
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
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__nccwpck_require__.e(472), __nccwpck_require__.e(815), __nccwpck_require__.e(421), __nccwpck_require__.e(557), __nccwpck_require__.e(23), __nccwpck_require__.e(567), __nccwpck_require__.e(756)]).then(__nccwpck_require__.bind(__nccwpck_require__, 2756))).deployRun(rt, common, settings),
});

// EXTERNAL MODULE: ./lib/ops/doctor/index.ts + 10 modules
var doctor = __nccwpck_require__(4253);
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
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__nccwpck_require__.e(472), __nccwpck_require__.e(815), __nccwpck_require__.e(849), __nccwpck_require__.e(23), __nccwpck_require__.e(567), __nccwpck_require__.e(502), __nccwpck_require__.e(570)]).then(__nccwpck_require__.bind(__nccwpck_require__, 1347))).runOpsDaily(rt, common, settings),
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
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__nccwpck_require__.e(472), __nccwpck_require__.e(815), __nccwpck_require__.e(849), __nccwpck_require__.e(23), __nccwpck_require__.e(567), __nccwpck_require__.e(388), __nccwpck_require__.e(502), __nccwpck_require__.e(375)]).then(__nccwpck_require__.bind(__nccwpck_require__, 9375))).runProdVerify(rt, common, settings),
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
    run: async (rt, common, settings) => (await Promise.all(/* import() */[__nccwpck_require__.e(472), __nccwpck_require__.e(815), __nccwpck_require__.e(421), __nccwpck_require__.e(557), __nccwpck_require__.e(23), __nccwpck_require__.e(567), __nccwpck_require__.e(756), __nccwpck_require__.e(383)]).then(__nccwpck_require__.bind(__nccwpck_require__, 9383))).rollbackRun(rt, common, settings),
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
        throw new errors/* PaasError */.wF('PAAS_INVALID_ARGUMENT', `unknown operation ${JSON.stringify(name.slice(0, 64))}`, {
            remediation: `operation must be one of: ${operation/* OPERATIONS */.xb.join(', ')}`,
        });
    }
    return REGISTRY[name];
}


/***/ }),

/***/ 7844:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K$: () => (/* binding */ toErrorInfo),
/* harmony export */   Q5: () => (/* binding */ isPaasError),
/* harmony export */   wF: () => (/* binding */ PaasError),
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   V: () => (/* binding */ failure),
/* harmony export */   b: () => (/* binding */ outcome)
/* harmony export */ });
/* harmony import */ var _envelope_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(7844);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3879);
/* harmony import */ var _exit_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(4164);
/* harmony import */ var _logfmt_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6829);




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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  P: () => (/* binding */ Matcher)
});

// UNUSED EXPORTS: MIN_FORM_LENGTH

// EXTERNAL MODULE: ./lib/redaction/patterns.ts
var patterns = __nccwpck_require__(1725);
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
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
/* harmony import */ var _dsn_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(4561);
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
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
var redaction_dsn = __nccwpck_require__(4561);
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
var patterns = __nccwpck_require__(1725);
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
var matcher = __nccwpck_require__(571);
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

/***/ 299:
/***/ ((__unused_webpack_module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3136);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_url__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
// Bundled ssh2 reads __dirname/__filename; ESM bundles have neither. Each entry imports this first.


const g = globalThis;
g.__filename ??= (0,node_url__WEBPACK_IMPORTED_MODULE_0__.fileURLToPath)(import.meta.url);
g.__dirname ??= (0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(g.__filename);


/***/ }),

/***/ 3206:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   R: () => (/* binding */ executeOperation)
/* harmony export */ });
/* unused harmony export registerSecretInputs */
/* harmony import */ var _output_outcome_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6674);
/* harmony import */ var _isolation_vault_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4345);
/* harmony import */ var _ops_operation_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(1120);
/* harmony import */ var _ops_registry_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(7947);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(3879);
/* harmony import */ var _isolation_state_root_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(9349);
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(8364);
/* harmony import */ var _session_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(1805);








/** Registers secret inputs before anything else can echo them (the vault's values, tokens). */
function registerSecretInputs(rt, raw, secretInputs) {
    const vault = raw.vault;
    if (typeof vault === 'string' && vault) {
        try {
            for (const v of (0,_isolation_vault_js__WEBPACK_IMPORTED_MODULE_1__/* .parseDotenv */ .qd)(vault).values())
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
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .PaasError */ .wF('PAAS_CONTEXT_UNRESOLVED', 'this operation changes state and needs an explicit context', { stage: 'context', remediation: _session_js__WEBPACK_IMPORTED_MODULE_7__/* .UNRESOLVED_REMEDIATION */ .O });
    }
    const root = (0,_isolation_state_root_js__WEBPACK_IMPORTED_MODULE_5__/* .guardStateRoot */ .h5)((0,_isolation_state_root_js__WEBPACK_IMPORTED_MODULE_5__/* .stateRootPath */ .DP)({ input: common.state_root, env: rt.env }), { workspace: rt.workspace, allowUnsafe: common.allow_unsafe_state_root });
    if (root.unsafe)
        rt.logger.error(`CRITICAL: unsafe state root override in use: ${root.reason}. doctor will fail until the state root moves outside the repository.`);
}
/** Validates inputs (common + the operation's own) and runs the operation. Never throws. */
async function executeOperation(rt, opName, raw) {
    const command = /^[a-z_]{1,32}$/.test(opName) ? opName : 'paas';
    const context = typeof raw.context === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(raw.context) ? raw.context : null;
    const mode = typeof raw.mode === 'string' && /^[a-z_]{1,32}$/.test(raw.mode) ? raw.mode : null;
    try {
        const def = (0,_ops_registry_js__WEBPACK_IMPORTED_MODULE_3__/* .operation */ .t)(opName);
        registerSecretInputs(rt, raw, def.secretInputs);
        const schema = _inputs_js__WEBPACK_IMPORTED_MODULE_6__/* .commonInputsSchema */ .IM.extend(def.inputs.shape).strict();
        const parsed = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_6__/* .parseInputs */ .TL)(schema, raw);
        // a malformed vault is an input error: refuse it (naming the line, never a value) before anything touches the state root
        if (parsed.vault?.trim())
            (0,_isolation_vault_js__WEBPACK_IMPORTED_MODULE_1__/* .parseDotenv */ .qd)(parsed.vault, 'vault input');
        if (!def.run) {
            preflight(rt, def, parsed);
            throw (0,_ops_operation_js__WEBPACK_IMPORTED_MODULE_2__/* .notAvailable */ .Fc)(def.name);
        }
        return await def.run(rt, parsed, parsed);
    }
    catch (e) {
        return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_0__/* .failure */ .V)(rt.redactor, command, context, mode, e);
    }
}


/***/ }),

/***/ 8364:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Af: () => (/* binding */ COMMON_INPUT_NAMES),
/* harmony export */   Hm: () => (/* binding */ boolInput),
/* harmony export */   IM: () => (/* binding */ commonInputsSchema),
/* harmony export */   TL: () => (/* binding */ parseInputs),
/* harmony export */   gm: () => (/* binding */ pathInput)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(2857);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3879);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(9869);



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

/***/ 4250:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DB: () => (/* binding */ clearInterrupt),
/* harmony export */   DY: () => (/* binding */ signalDescendants),
/* harmony export */   YH: () => (/* binding */ interruptRequested),
/* harmony export */   vV: () => (/* binding */ requestInterrupt)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);

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
        tasks = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readdirSync)(`/proc/${pid}/task`);
    }
    catch {
        return out;
    }
    for (const t of tasks) {
        try {
            for (const c of (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
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


/***/ }),

/***/ 1805:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Ch: () => (/* binding */ openStore),
/* harmony export */   O: () => (/* binding */ UNRESOLVED_REMEDIATION),
/* harmony export */   Wo: () => (/* binding */ openContextSession),
/* harmony export */   wK: () => (/* binding */ resolveContext)
/* harmony export */ });
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3879);
/* harmony import */ var _isolation_context_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(5654);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(9869);
/* harmony import */ var _isolation_state_root_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(9349);
/* harmony import */ var _isolation_store_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(1309);
/* harmony import */ var _isolation_vault_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(4345);






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
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PaasError */ .wF('PAAS_CONTEXT_UNRESOLVED', opts.mutating ? 'this operation changes state and needs an explicit context' : 'no context given and none selected', {
            stage: 'context',
            remediation: UNRESOLVED_REMEDIATION,
        });
    }
    if (store.exists(name))
        return store.get(name);
    if (!opts.createIfMissing) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PaasError */ .wF('PAAS_CONTEXT_UNRESOLVED', `context ${name} does not exist under state root ${store.root.path}`, {
            stage: 'context',
            remediation: `Create it with \`paas context create ${name}\`, or pass the state root that holds it (--state-root / PAAS_STATE_ROOT).`,
        });
    }
    const type = opts.type ?? (0,_isolation_names_js__WEBPACK_IMPORTED_MODULE_2__/* .impliedContextType */ .K7)(name);
    if (!type) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .PaasError */ .wF('PAAS_CONTEXT_UNRESOLVED', `context ${name} is new and its type cannot be inferred from its name`, {
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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   b8: () => (/* binding */ STATE_SCHEMA_VERSION),
/* harmony export */   ui: () => (/* binding */ StateDb)
/* harmony export */ });
/* unused harmony export ScopedState */
/* harmony import */ var node_sqlite__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(99);
/* harmony import */ var node_sqlite__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_sqlite__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_2__);



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
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ writeFilePrivate),
/* harmony export */   D: () => (/* binding */ mkdirPrivate)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_2__);



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


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 99:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:sqlite");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 6193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:string_decoder");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 3557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 8253:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util/types");

/***/ }),

/***/ 3106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ }),

/***/ 9567:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   ai: () => (/* binding */ number)
/* harmony export */ });
/* unused harmony exports string, boolean, bigint, date */
/* harmony import */ var _core_index_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3759);
/* harmony import */ var _schemas_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(2857);


function string(params) {
    return core._coercedString(schemas.ZodString, params);
}
function number(params) {
    return _core_index_js__WEBPACK_IMPORTED_MODULE_0__/* ._coercedNumber */ .qG(_schemas_js__WEBPACK_IMPORTED_MODULE_1__/* .ZodNumber */ .rSt, params);
}
function boolean(params) {
    return core._coercedBoolean(schemas.ZodBoolean, params);
}
function bigint(params) {
    return core._coercedBigint(schemas.ZodBigInt, params);
}
function date(params) {
    return core._coercedDate(schemas.ZodDate, params);
}


/***/ }),

/***/ 2857:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  rSt: () => (/* binding */ ZodNumber),
  YOg: () => (/* binding */ array),
  zMY: () => (/* binding */ schemas_boolean),
  k5n: () => (/* binding */ _enum),
  euz: () => (/* binding */ literal),
  aig: () => (/* binding */ number),
  Ikc: () => (/* binding */ object),
  vkY: () => (/* binding */ preprocess),
  g1P: () => (/* binding */ record),
  rej: () => (/* binding */ strictObject),
  YjP: () => (/* binding */ string),
  KCZ: () => (/* binding */ union),
  L5J: () => (/* binding */ unknown)
});

// UNUSED EXPORTS: ZodAny, ZodArray, ZodBase64, ZodBase64URL, ZodBigInt, ZodBigIntFormat, ZodBoolean, ZodCIDRv4, ZodCIDRv6, ZodCUID, ZodCUID2, ZodCatch, ZodCodec, ZodCreditCard, ZodCustom, ZodCustomStringFormat, ZodDate, ZodDefault, ZodDiscriminatedUnion, ZodE164, ZodEmail, ZodEmoji, ZodEnum, ZodExactOptional, ZodFile, ZodFunction, ZodGUID, ZodIBAN, ZodIPv4, ZodIPv6, ZodISODate, ZodISODateTime, ZodISODuration, ZodISOTime, ZodInstanceOf, ZodIntersection, ZodJWT, ZodKSUID, ZodLazy, ZodLiteral, ZodMAC, ZodMap, ZodNaN, ZodNanoID, ZodNever, ZodNonOptional, ZodNull, ZodNullable, ZodNumberFormat, ZodObject, ZodOptional, ZodPipe, ZodPrefault, ZodPreprocess, ZodPromise, ZodReadonly, ZodRecord, ZodSet, ZodString, ZodStringFormat, ZodSuccess, ZodSymbol, ZodTemplateLiteral, ZodTransform, ZodTuple, ZodType, ZodULID, ZodURL, ZodUUID, ZodUndefined, ZodUnion, ZodUnknown, ZodVoid, ZodXID, ZodXor, _ZodString, _default, _function, any, base64, base64url, bigint, catch, check, cidrv4, cidrv6, codec, creditCard, cuid, cuid2, currencyCode, custom, date, describe, discriminatedUnion, e164, email, emoji, exactOptional, file, float32, float64, function, guid, hash, hex, hostname, httpUrl, iban, instanceof, int, int32, int64, intersection, invertCodec, ipv4, ipv6, json, jwt, keyof, ksuid, lazy, looseObject, looseRecord, mac, map, meta, nan, nanoid, nativeEnum, never, nonoptional, null, nullable, nullish, optional, partialRecord, pipe, prefault, promise, readonly, refine, set, stringFormat, stringbool, success, superRefine, symbol, templateLiteral, transform, tuple, uint32, uint64, ulid, undefined, url, uuid, uuidv4, uuidv6, uuidv7, void, xid, xor

// EXTERNAL MODULE: ./node_modules/zod/v4/core/core.js
var core_core = __nccwpck_require__(8532);
// EXTERNAL MODULE: ./node_modules/zod/v4/core/util.js
var core_util = __nccwpck_require__(4723);
;// CONCATENATED MODULE: ./node_modules/zod/v4/core/memoizer.js

class $ZodCyclicError extends Error {
    constructor() {
        super(`Cannot parse a reference cycle that closes through a transform`);
        this.name = "ZodCyclicError";
    }
}
/** Keyed off the context object every schema in one parse call already shares. */
const STATE = "~memo";
const NO_ISSUES = [];
// a value a cycle can close through
function isRef(value) {
    return value !== null && typeof value === "object";
}
// Receivers prefix paths in place, so the cache and every hand-out need their own copies.
function cloneIssues(issues) {
    return issues.map((iss) => (iss.path ? { ...iss, path: iss.path.slice() } : { ...iss }));
}
const recursive = /*@__PURE__*/ new WeakMap();
/** What the walk established, in order of certainty: ordered so the strongest answer among children wins. */
const NONE = 0;
const ASSUMED = 1;
const PROVEN = 2;
/** Whether this schema's subtree contains a cycle, so one parse can re-enter it. */
function isRecursive(inst, stack, resolve) {
    const cached = recursive.get(inst);
    if (cached !== undefined)
        return cached ? PROVEN : NONE;
    // Relative to the walk in progress, so not cached.
    if (stack.has(inst))
        return PROVEN;
    stack.add(inst);
    let result = NONE;
    const check = (child) => {
        if (result !== PROVEN && child?._zod) {
            const answer = isRecursive(child, stack, resolve);
            if (answer > result)
                result = answer;
        }
    };
    // `Reflect.ownKeys` rather than `Object.keys`, so a cycle through a declared symbol key is still seen
    const shape = (sh, spread) => {
        let answer = NONE;
        for (const key of Reflect.ownKeys(sh)) {
            const desc = Object.getOwnPropertyDescriptor(sh, key);
            // an object resolves its shape by spread, so a key it does not enumerate is never parsed; `z.properties` reads every own key and so keeps them all
            if (spread && !desc.enumerable)
                continue;
            // resolving runs user code, and a factory mints a fresh subtree per read, so an edge the walk can't follow counts as a cycle
            const child = desc.get ? ASSUMED : desc.value?._zod ? isRecursive(desc.value, stack, resolve) : NONE;
            if (child > answer)
                answer = child;
        }
        return answer;
    };
    const merge = (answer) => {
        if (answer > result)
            result = answer;
    };
    const def = inst._zod.def;
    const kind = def.type;
    switch (kind) {
        case "object": {
            const raw = core_util/* rawShape */.MO(def);
            // a def with no raw shape answers `shape` from an accessor of its own, and running that can mint a whole fresh subtree
            merge(raw ? shape(raw, true) : ASSUMED);
            check(def.catchall);
            break;
        }
        case "array":
            check(def.element);
            break;
        case "tuple":
            for (const el of def.items)
                check(el);
            check(def.rest);
            break;
        case "record":
        case "map":
            check(def.keyType);
            check(def.valueType);
            break;
        case "set":
            check(def.valueType);
            break;
        case "union":
            for (const el of def.options)
                check(el);
            break;
        case "intersection":
            check(def.left);
            check(def.right);
            break;
        case "optional":
        case "nullable":
        case "default":
        case "prefault":
        case "catch":
        case "readonly":
        case "nonoptional":
        case "promise":
        case "success":
            check(def.innerType);
            break;
        case "pipe":
            check(def.in);
            check(def.out);
            break;
        case "function":
            check(def.input);
            check(def.output);
            break;
        // `$ZodLazy` caches its inner on the def, so a resolved edge is followed exactly
        case "lazy": {
            const inner = def._cachedInner ?? (resolve ? inst._zod.innerType : undefined);
            // walked with resolution off: one hop sees past the deferral, and a lazy that yields only another unresolved lazy is generative, so it stops there
            merge(inner ? isRecursive(inner, stack, false) : ASSUMED);
            break;
        }
        // a leaf by choice: `parts` are regex fragments, not data positions
        case "template_literal":
        // leaves
        case "string":
        case "number":
        case "int":
        case "boolean":
        case "bigint":
        case "symbol":
        case "undefined":
        case "null":
        case "void":
        case "never":
        case "any":
        case "unknown":
        case "date":
        case "nan":
        case "enum":
        case "literal":
        case "file":
        case "transform":
        case "custom":
            break;
        default: {
            // a new built-in kind becomes a compile error here
            kind;
            // a user-defined kind can still hold children, and only its author knows where, so fall back to scanning the def — skipping accessors, since reading one can run user code
            for (const key in def) {
                const desc = Object.getOwnPropertyDescriptor(def, key);
                if (!desc || desc.get)
                    continue;
                const value = desc.value;
                if (!value || typeof value !== "object")
                    continue;
                if (value._zod)
                    check(value);
                else if (Array.isArray(value))
                    for (const el of value)
                        check(el);
            }
        }
    }
    stack.delete(inst);
    return settle(inst, result);
}
/** An assumed answer must not outlive the resolution that settles it, so only a certain one is cached. */
function settle(inst, answer) {
    if (answer !== ASSUMED)
        recursive.set(inst, answer === PROVEN);
    return answer;
}
/**
 * Whether one parse can re-enter this schema, i.e. its subtree contains a cycle.
 * Exported for `z.compile`, which refuses to compile such a schema: cycle
 * breaking is driven from here off state keyed on the parse context, and a
 * generated fast path has no context to key on.
 */
function isRecursiveSchema(inst) {
    // z.compile never parses, so nothing would ever resolve a lazy for it; it runs once and already treats a throw here as recursive
    return isRecursive(inst, new Set(), true) !== NONE;
}
function bucketFor(state, inst) {
    let bucket = state.buckets.get(inst);
    if (!bucket) {
        bucket = new WeakMap();
        state.buckets.set(inst, bucket);
    }
    return bucket;
}
// Set immediately before delegating to core and cleared immediately after, so `alloc` registers only for a visit this module is driving.
let handoff;
// Allocated but unfinished entries. `alloc` and the matching pop both happen in the synchronous part of a parse, so they nest even when children are async, and one stack serves every schema.
const memoizer_open = [];
const memo = {
    alloc(_inst, payload, empty) {
        const bucket = handoff;
        if (!bucket)
            return empty;
        handoff = undefined;
        const entry = { value: empty, issues: null };
        bucket.set(payload.value, entry);
        memoizer_open.push(entry);
        return empty;
    },
    guard(inst) {
        var _a;
        (_a = inst._zod).deferred ?? (_a.deferred = []);
        inst._zod.deferred.push(() => {
            const base = inst._zod.parse;
            const wrapped = (payload, ctx) => {
                // The value is a placeholder a back-edge is still waiting on, so the cycle closes through this transform. Its output can't exist in time to bind.
                if (ctx.direction !== "backward" && isBackEdge(ctx, payload.value))
                    throw new $ZodCyclicError();
                return base(payload, ctx);
            };
            inst._zod.parse = wrapped;
            if (inst._zod.run === base)
                inst._zod.run = wrapped;
        });
    },
    attach(inst) {
        var _a;
        let isRecursiveInst;
        let rechecked = false;
        // a recursive schema is re-entered many times per parse and its bucket never changes
        let lastCtx;
        let lastBucket;
        // Wraps `parse` in a deferred so it sees the container's final parse. Core's own deferred copies `parse` into `run` when there are no checks, and it ran first, so `run` is patched to match; with checks, `run` reads `parse` dynamically.
        (_a = inst._zod).deferred ?? (_a.deferred = []);
        inst._zod.deferred.push(() => {
            const base = inst._zod.parse;
            const wrapped = (payload, ctx) => {
                if (isRecursiveInst === undefined) {
                    const walked = isRecursive(inst, new Set(), false);
                    if (walked === NONE) {
                        // Nothing here can ever fire, so take it back out.
                        inst._zod.parse = base;
                        if (inst._zod.run === wrapped)
                            inst._zod.run = base;
                        return base(payload, ctx);
                    }
                    // this parse resolves the deferred edges on its own path, so ask once more before latching
                    if (walked === PROVEN || rechecked)
                        isRecursiveInst = true;
                    else
                        rechecked = true;
                }
                const input = payload.value;
                if (!isRef(input))
                    return base(payload, ctx);
                let state = ctx[STATE];
                if (!state) {
                    state = { buckets: new WeakMap(), backEdges: undefined };
                    ctx[STATE] = state;
                }
                let bucket;
                if (lastCtx === ctx) {
                    bucket = lastBucket;
                }
                else {
                    bucket = bucketFor(state, inst);
                    lastCtx = ctx;
                    lastBucket = bucket;
                }
                const hit = bucket.get(input);
                if (hit) {
                    payload.value = hit.value;
                    if (hit.issues) {
                        if (hit.issues.length)
                            payload.issues.push(...cloneIssues(hit.issues));
                    }
                    else {
                        // Still being parsed: its own checks cover it, so skip them here.
                        payload.memo = true;
                        state.backEdges ?? (state.backEdges = new WeakSet());
                        state.backEdges.add(hit.value);
                    }
                    return payload;
                }
                handoff = bucket;
                const depth = memoizer_open.length;
                const result = base(payload, ctx);
                handoff = undefined;
                // A container that rejected its input outright allocated nothing.
                const entry = memoizer_open.length > depth ? memoizer_open.pop() : undefined;
                // Both paths written out so the sync one allocates no closure. It runs once per node, and capturing here cost more than everything else combined.
                if (result instanceof Promise) {
                    return result.then((r) => {
                        if (entry)
                            entry.issues = r.issues.length ? cloneIssues(r.issues) : NO_ISSUES;
                        return r;
                    });
                }
                if (entry)
                    entry.issues = result.issues.length ? cloneIssues(result.issues) : NO_ISSUES;
                return result;
            };
            inst._zod.parse = wrapped;
            if (inst._zod.run === base)
                inst._zod.run = wrapped;
        });
    },
};
/** The memoizer that gives containers cycle support. `zod` installs it by default; `zod/mini` opts in with `config({ memoizer: memoizer() })`. */
function memoizer() {
    return memo;
}
/** Whether this value is a node a back-edge resolved to before it finished. */
function isBackEdge(ctx, value) {
    const backEdges = ctx[STATE]?.backEdges;
    return backEdges !== undefined && isRef(value) && backEdges.has(value);
}

// EXTERNAL MODULE: ./node_modules/zod/v4/core/checks.js
var core_checks = __nccwpck_require__(4890);
;// CONCATENATED MODULE: ./node_modules/zod/v4/core/doc.js
class Doc {
    constructor(args = [], closed = {}) {
        this.content = [];
        this.indent = 0;
        this.args = args;
        this.closed = closed;
    }
    // the compiler catches a child's throw and keeps writing into this doc, so the indent has to unwind with it
    indented(fn) {
        this.indent += 1;
        try {
            fn(this);
        }
        finally {
            this.indent -= 1;
        }
    }
    write(arg) {
        if (typeof arg === "function") {
            arg(this, { execution: "sync" });
            arg(this, { execution: "async" });
            return;
        }
        const content = arg;
        const lines = content.split("\n").filter((x) => x);
        const minIndent = Math.min(...lines.map((x) => x.length - x.trimStart().length));
        const dedented = lines.map((x) => x.slice(minIndent)).map((x) => " ".repeat(this.indent * 2) + x);
        for (const line of dedented) {
            this.content.push(line);
        }
    }
    compile() {
        const F = Function;
        const content = this?.content ?? [``];
        const factory = new F(...Object.keys(this.closed), `return function (${this.args.join(", ")}) {\n${content.join("\n")}\n};`);
        return factory(...Object.values(this.closed));
    }
}

// EXTERNAL MODULE: ./node_modules/zod/v4/core/regexes.js
var core_regexes = __nccwpck_require__(3908);
;// CONCATENATED MODULE: ./node_modules/zod/v4/core/versions.js
const version = {
    major: 4,
    minor: 6,
    patch: 7,
};

;// CONCATENATED MODULE: ./node_modules/zod/v4/core/schemas.js







const $ZodType = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodType", (inst, def) => {
    var _a;
    inst ?? (inst = {});
    inst._zod.def = def; // set _def property
    inst._zod.bag = inst._zod.bag || {}; // initialize _bag object
    inst._zod.version = version;
    const defChecks = inst._zod.def.checks;
    // if inst is itself a checks.$ZodCheck, run it as a check
    const checks = inst._zod.traits.has("$ZodCheck")
        ? [inst, ...(defChecks ?? [])]
        : defChecks?.length
            ? [...defChecks]
            : [];
    for (const ch of checks) {
        for (const fn of ch._zod.onattach) {
            fn(inst);
        }
    }
    if (checks.length === 0) {
        // deferred initializer inst._zod.parse is not yet defined
        (_a = inst._zod).deferred ?? (_a.deferred = []);
        inst._zod.deferred?.push(() => {
            inst._zod.run = inst._zod.parse;
        });
    }
    else {
        const runChecks = (payload, checks, ctx) => {
            if (payload.memo)
                return payload;
            let isAborted = core_util/* aborted */.QH(payload);
            let asyncResult;
            for (const ch of checks) {
                if (ch._zod.def.when) {
                    if (core_util/* explicitlyAborted */.rL(payload))
                        continue;
                    const shouldRun = ch._zod.def.when(payload);
                    if (!shouldRun)
                        continue;
                }
                else if (isAborted) {
                    continue;
                }
                const currLen = payload.issues.length;
                const _ = ch._zod.check(payload);
                if (_ instanceof Promise && ctx?.async === false) {
                    throw new core_core/* $ZodAsyncError */.GT();
                }
                if (asyncResult || _ instanceof Promise) {
                    asyncResult = (asyncResult ?? Promise.resolve()).then(async () => {
                        await _;
                        const nextLen = payload.issues.length;
                        if (nextLen === currLen)
                            return;
                        core_util/* attachSchema */.d3(payload.issues, currLen, inst);
                        if (!isAborted)
                            isAborted = core_util/* aborted */.QH(payload, currLen);
                    });
                }
                else {
                    const nextLen = payload.issues.length;
                    if (nextLen === currLen)
                        continue;
                    core_util/* attachSchema */.d3(payload.issues, currLen, inst);
                    if (!isAborted)
                        isAborted = core_util/* aborted */.QH(payload, currLen);
                }
            }
            if (asyncResult) {
                return asyncResult.then(() => {
                    return payload;
                });
            }
            return payload;
        };
        const handleCanaryResult = (canary, payload, ctx) => {
            // abort if the canary is aborted
            if (core_util/* aborted */.QH(canary)) {
                canary.aborted = true;
                return canary;
            }
            // run checks first, then
            const checkResult = runChecks(payload, checks, ctx);
            if (checkResult instanceof Promise) {
                if (ctx.async === false)
                    throw new core_core/* $ZodAsyncError */.GT();
                return checkResult.then((checkResult) => inst._zod.parse(checkResult, ctx));
            }
            return inst._zod.parse(checkResult, ctx);
        };
        inst._zod.run = (payload, ctx) => {
            if (ctx.skipChecks) {
                return inst._zod.parse(payload, ctx);
            }
            if (ctx.direction === "backward") {
                // run canary initial pass (no checks)
                const canary = inst._zod.parse({ value: payload.value, issues: [] }, { ...ctx, skipChecks: true });
                if (canary instanceof Promise) {
                    return canary.then((canary) => {
                        return handleCanaryResult(canary, payload, ctx);
                    });
                }
                return handleCanaryResult(canary, payload, ctx);
            }
            // forward
            const result = inst._zod.parse(payload, ctx);
            if (result instanceof Promise) {
                if (ctx.async === false)
                    throw new core_core/* $ZodAsyncError */.GT();
                return result.then((result) => runChecks(result, checks, ctx));
            }
            return runChecks(result, checks, ctx);
        };
    }
}, {
    // Wrappers extend this by installing a richer factory over it; reading it eagerly would defeat the laziness.
    get "~standard"() {
        return core_util/* hide */.jD(this, "~standard", standardProps(this));
    },
    set "~standard"(value) {
        core_util/* own */.qh(this, "~standard", value);
    },
});
/** The Standard Schema surface for `inst`. Shared so wrappers can extend it without forcing it. */
// a Standard Schema result only reports issues, so a failure finalizes them straight off the raw payload: no ZodError, and no lazy result to read through
const toStandardResult = (r, ctx) => r.issues.length ? { issues: r.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())) } : { value: r.value };
async function validateAsync(inst, value) {
    const ctx = { async: true };
    return toStandardResult((await inst._zod.run({ value, issues: [] }, ctx)), ctx);
}
function standardProps(inst) {
    return {
        validate: (value) => {
            const ctx = { async: false };
            try {
                const r = inst._zod.run({ value, issues: [] }, ctx);
                if (!(r instanceof Promise))
                    return toStandardResult(r, ctx);
            }
            catch (_) { }
            // async function so a synchronously throwing check rejects instead of escaping validate
            return validateAsync(inst, value);
        },
        vendor: "zod",
        version: 1,
    };
}

const $ZodString = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodString", (inst, def) => {
    $ZodType.init(inst, def);
    // a format's own pattern, else unbounded; a template literal derives the check-aware form itself
    inst._zod.pattern = def.pattern ?? core_regexes/* anyString */.gp;
    inst._zod.parse = (payload, _) => {
        if (def.coerce)
            try {
                payload.value = String(payload.value);
            }
            catch (_) { }
        if (typeof payload.value === "string")
            return payload;
        payload.issues.push({
            expected: "string",
            code: "invalid_type",
            input: payload.value,
            inst,
        });
        return payload;
    };
});
const $ZodStringFormat = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodStringFormat", (inst, def) => {
    // check initialization must come first
    core_checks/* $ZodCheckStringFormat */.ql.init(inst, def);
    $ZodString.init(inst, def);
});
const $ZodGUID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodGUID", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* guid */.Os);
    $ZodStringFormat.init(inst, def);
});
const $ZodUUID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodUUID", (inst, def) => {
    if (def.version) {
        const versionMap = {
            v1: 1,
            v2: 2,
            v3: 3,
            v4: 4,
            v5: 5,
            v6: 6,
            v7: 7,
            v8: 8,
        };
        const v = versionMap[def.version];
        if (v === undefined)
            throw new Error(`Invalid UUID version: "${def.version}"`);
        def.pattern ?? (def.pattern = core_regexes/* uuid */.uR(v));
    }
    else
        def.pattern ?? (def.pattern = core_regexes/* uuid */.uR());
    $ZodStringFormat.init(inst, def);
});
const $ZodEmail = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodEmail", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* email */.Rp);
    $ZodStringFormat.init(inst, def);
});
/** The `://` guard rejected the input before the URL constructor saw it. */
const URL_BAD_FORMAT = 1;
/** The URL parser rejected the input. */
const URL_UNPARSEABLE = 2;
function canParseURL(input) {
    try {
        if (typeof URL !== "undefined" && typeof URL.canParse === "function")
            return URL.canParse(input);
        new URL(input);
        return true;
    }
    catch {
        return false;
    }
}
function validateURL(trimmed, def) {
    if (!("normalize" in def) && !("hostname" in def) && !("protocol" in def)) {
        return canParseURL(trimmed) || URL_UNPARSEABLE;
    }
    return parseURLObject(trimmed, def);
}
/** Parses a URL while preserving the non-normalizing HTTP guard. */
function parseURLObject(trimmed, def) {
    // When normalize is off, require :// for http/https URLs. This prevents strings like "http:example.com" or "https:/path" from being silently accepted
    if (!def.normalize && def.protocol?.source === core_regexes/* httpProtocol */.F.source && !/^https?:\/\//i.test(trimmed)) {
        return URL_BAD_FORMAT;
    }
    try {
        if (typeof URL !== "undefined") {
            const URLStatic = URL;
            if (typeof URLStatic.parse === "function")
                return URLStatic.parse(trimmed) ?? URL_UNPARSEABLE;
        }
        // @ts-ignore
        return new URL(trimmed);
    }
    catch {
        return URL_UNPARSEABLE;
    }
}
const asciiTabOrNewline = /[\t\n\r]/g;
/** The URL parser deletes every ASCII tab, LF and CR from its input before it parses, so `new URL("https://exa\nmple.com")` reports on `example.com`. Applying the same deletion to the returned value closes the half of that divergence which can move the host; the parser's other rewrite, stripping C0 controls at the edges, cannot. */
function stripTabAndNewline(value) {
    return value.replace(asciiTabOrNewline, "");
}
function urlHostnameOk(url, hostname) {
    hostname.lastIndex = 0;
    return hostname.test(url.hostname);
}
function urlProtocolOk(url, protocol) {
    protocol.lastIndex = 0;
    return protocol.test(url.protocol.endsWith(":") ? url.protocol.slice(0, -1) : url.protocol);
}
const $ZodURL = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodURL", (inst, def) => {
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        try {
            // Trim whitespace from input
            const trimmed = payload.value.trim();
            const url = validateURL(trimmed, def);
            if (url === URL_BAD_FORMAT) {
                payload.issues.push({
                    code: "invalid_format",
                    format: "url",
                    note: "Invalid URL format",
                    input: payload.value,
                    inst,
                    continue: !def.abort,
                });
                return;
            }
            if (url === URL_UNPARSEABLE) {
                payload.issues.push({
                    code: "invalid_format",
                    format: "url",
                    input: payload.value,
                    inst,
                    continue: !def.abort,
                });
                return;
            }
            if (url === true) {
                payload.value = stripTabAndNewline(trimmed);
                return;
            }
            if (def.hostname && !urlHostnameOk(url, def.hostname)) {
                payload.issues.push({
                    code: "invalid_format",
                    format: "url",
                    note: "Invalid hostname",
                    pattern: def.hostname.source,
                    input: payload.value,
                    inst,
                    continue: !def.abort,
                });
            }
            if (def.protocol && !urlProtocolOk(url, def.protocol)) {
                payload.issues.push({
                    code: "invalid_format",
                    format: "url",
                    note: "Invalid protocol",
                    pattern: def.protocol.source,
                    input: payload.value,
                    inst,
                    continue: !def.abort,
                });
            }
            // Set the output value based on normalize flag
            payload.value = def.normalize ? url.href : stripTabAndNewline(trimmed);
            return;
        }
        catch (_) {
            payload.issues.push({
                code: "invalid_format",
                format: "url",
                input: payload.value,
                inst,
                continue: !def.abort,
            });
        }
    };
});
const $ZodEmoji = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodEmoji", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* emoji */.Zg());
    $ZodStringFormat.init(inst, def);
});
const $ZodNanoID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNanoID", (inst, def) => {
    if (def.length !== undefined && (!Number.isInteger(def.length) || def.length < 1))
        throw new Error(`Invalid nanoid length: ${def.length}`);
    def.pattern ?? (def.pattern = def.length === undefined ? core_regexes/* nanoid */.Ak : core_regexes/* nanoidOfLength */.D2(def.length));
    $ZodStringFormat.init(inst, def);
});
/**
 * @deprecated CUID v1 is deprecated by its authors due to information leakage
 * (timestamps embedded in the id). Use {@link $ZodCUID2} instead.
 * See https://github.com/paralleldrive/cuid.
 */
const $ZodCUID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCUID", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* cuid */.gF);
    $ZodStringFormat.init(inst, def);
});
const $ZodCUID2 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCUID2", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* cuid2 */.Gl);
    $ZodStringFormat.init(inst, def);
});
const $ZodULID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodULID", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* ulid */.Z0);
    $ZodStringFormat.init(inst, def);
});
const $ZodXID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodXID", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* xid */.kM);
    $ZodStringFormat.init(inst, def);
});
const $ZodKSUID = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodKSUID", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* ksuid */.fO);
    $ZodStringFormat.init(inst, def);
});
const $ZodISODateTime = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodISODateTime", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* datetime */.w$(def));
    $ZodStringFormat.init(inst, def);
});
const $ZodISODate = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodISODate", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* date */.p6);
    $ZodStringFormat.init(inst, def);
});
const $ZodISOTime = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodISOTime", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* time */.kB(def));
    $ZodStringFormat.init(inst, def);
});
const $ZodISODuration = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodISODuration", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* duration */.p0);
    $ZodStringFormat.init(inst, def);
});
const $ZodIPv4 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodIPv4", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* ipv4 */.uX);
    $ZodStringFormat.init(inst, def);
});
/** An IPv6 address is written with hex digits, colons and dots, and nothing else. The guard is what makes the check below an IPv6 check: `new URL("http://[...]")` parses an authority, not an address, so `@` and `\` re-delimit it and `"::@1\\"` validates against the host `0.0.0.1`. The URL parser also deletes ASCII tab, LF and CR rather than failing, which is how `"::1\n"` validated as `::1`. */
const ipv6Alphabet = /^[0-9a-fA-F:.]+$/;
function isValidIPv6(value) {
    if (!ipv6Alphabet.test(value))
        return false;
    return canParseURL(`http://[${value}]`);
}
const $ZodIPv6 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodIPv6", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* ipv6 */.ug);
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (!isValidIPv6(payload.value)) {
            payload.issues.push({
                code: "invalid_format",
                format: "ipv6",
                input: payload.value,
                inst,
                continue: !def.abort,
            });
        }
    };
});
const $ZodMAC = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodMAC", (inst, def) => {
    def.pattern ?? (def.pattern = regexes.mac(def.delimiter));
    $ZodStringFormat.init(inst, def);
})));
const $ZodCIDRv4 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCIDRv4", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* cidrv4 */.zr);
    $ZodStringFormat.init(inst, def);
});
function isValidCIDRv6(value) {
    const parts = value.split("/");
    if (parts.length !== 2)
        return false;
    const [address, prefix] = parts;
    if (!prefix)
        return false;
    const prefixNum = Number(prefix);
    if (`${prefixNum}` !== prefix)
        return false;
    if (prefixNum < 0 || prefixNum > 128)
        return false;
    return isValidIPv6(address);
}
const $ZodCIDRv6 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCIDRv6", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* cidrv6 */.l7); // not used for validation
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (!isValidCIDRv6(payload.value)) {
            payload.issues.push({
                code: "invalid_format",
                format: "cidrv6",
                input: payload.value,
                inst,
                continue: !def.abort,
            });
        }
    };
});
//////////////////////////////   ZodBase64   //////////////////////////////
function isValidBase64(data) {
    if (data === "")
        return true;
    // atob ignores whitespace, so reject it up front.
    if (/\s/.test(data))
        return false;
    if (data.length % 4 !== 0)
        return false;
    try {
        // @ts-ignore
        atob(data);
        return true;
    }
    catch {
        return false;
    }
}
// lax on purpose: the quantified regexes.base64 overflows the regex stack on multi-MB input and its leading ^$| alternation leaks through template-literal composition; isValidBase64 enforces length and padding
const base64Charset = /^[0-9a-zA-Z+/]*={0,2}$/;
const $ZodBase64 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodBase64", (inst, def) => {
    def.pattern ?? (def.pattern = base64Charset);
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (isValidBase64(payload.value))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: "base64",
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
//////////////////////////////   ZodBase64URL   //////////////////////////////
// lax on purpose: the quantified regexes.base64url overflows the regex stack on multi-MB input; isValidBase64 enforces length on the padded string
const base64urlCharset = /^[A-Za-z0-9_-]*$/;
function isValidBase64URL(data) {
    if (!base64urlCharset.test(data))
        return false;
    const base64 = data.replace(/[-_]/g, (c) => (c === "-" ? "+" : "/"));
    const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, "=");
    return isValidBase64(padded);
}
const $ZodBase64URL = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodBase64URL", (inst, def) => {
    def.pattern ?? (def.pattern = base64urlCharset);
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (isValidBase64URL(payload.value))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: "base64url",
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodE164 = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodE164", (inst, def) => {
    def.pattern ?? (def.pattern = core_regexes/* e164 */.hQ);
    $ZodStringFormat.init(inst, def);
});
//////////////////////////////   ZodCreditCard   //////////////////////////////
const CC_SANITIZE = /[- ]/g;
/** Luhn checksum on a digit-only string. Adapted from valibot (MIT). */
function isLuhnAlgo(digits) {
    let length = digits.length;
    let bit = 1;
    let sum = 0;
    while (length) {
        const value = digits.charCodeAt(--length) - 48;
        bit ^= 1;
        sum += bit ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][value] : value;
    }
    return sum % 10 === 0;
}
function isValidCreditCard(input) {
    if (!regexes.creditCard.test(input))
        return false;
    return isLuhnAlgo(input.replace(CC_SANITIZE, ""));
}
const $ZodCreditCard = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCreditCard", (inst, def) => {
    // Shape only — the Luhn check below is not expressible as a pattern, so consumers of `pattern` (JSON Schema, template literals) get the length and separator rules alone.
    def.pattern ?? (def.pattern = regexes.creditCard);
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (isValidCreditCard(payload.value))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: "credit_card",
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
})));
//////////////////////////////   ZodIBAN   //////////////////////////////
// iso 7064 mod 97-10 checksum without BigInt
function isIso7064Mod97(iban) {
    let remainder = 0;
    const len = iban.length;
    for (let i = 4; i < len; i++) {
        const code = iban.charCodeAt(i);
        remainder = (code >= 65 ? remainder * 100 + (code - 55) : remainder * 10 + (code - 48)) % 97;
    }
    for (let i = 0; i < 4; i++) {
        const code = iban.charCodeAt(i);
        remainder = (code >= 65 ? remainder * 100 + (code - 55) : remainder * 10 + (code - 48)) % 97;
    }
    return remainder === 1;
}
function isValidIBAN(input) {
    if (!regexes.iban.test(input))
        return false;
    return isIso7064Mod97(input);
}
const $ZodIBAN = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodIBAN", (inst, def) => {
    // shape only — checksum is not expressible as a pattern
    def.pattern ?? (def.pattern = regexes.iban);
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (isValidIBAN(payload.value))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: "iban",
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
})));
//////////////////////////////   ZodJWT   //////////////////////////////
function isValidJWT(token, algorithm = null) {
    try {
        const tokensParts = token.split(".");
        if (tokensParts.length !== 3)
            return false;
        const [header] = tokensParts;
        if (!header)
            return false;
        // @ts-ignore
        const parsedHeader = JSON.parse(atob(header));
        if ("typ" in parsedHeader && parsedHeader?.typ !== "JWT")
            return false;
        if (!parsedHeader.alg)
            return false;
        if (algorithm && (!("alg" in parsedHeader) || parsedHeader.alg !== algorithm))
            return false;
        return true;
    }
    catch {
        return false;
    }
}
const $ZodJWT = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodJWT", (inst, def) => {
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (isValidJWT(payload.value, def.alg))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: "jwt",
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCustomStringFormat = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCustomStringFormat", (inst, def) => {
    $ZodStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        if (def.fn(payload.value))
            return;
        payload.issues.push({
            code: "invalid_format",
            format: def.format,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
})));
const $ZodNumber = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNumber", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.pattern = core_regexes/* number */.ai;
    inst._zod.parse = (payload, _ctx) => {
        if (def.coerce)
            try {
                payload.value = Number(payload.value);
            }
            catch (_) { }
        const input = payload.value;
        if (typeof input === "number" && !Number.isNaN(input) && Number.isFinite(input)) {
            return payload;
        }
        const received = typeof input === "number"
            ? Number.isNaN(input)
                ? "NaN"
                : !Number.isFinite(input)
                    ? String(input)
                    : undefined
            : undefined;
        payload.issues.push({
            expected: "number",
            code: "invalid_type",
            input,
            inst,
            ...(received ? { received } : {}),
        });
        return payload;
    };
});
const $ZodNumberFormat = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNumberFormat", (inst, def) => {
    core_checks/* $ZodCheckNumberFormat */.KH.init(inst, def);
    $ZodNumber.init(inst, def); // no format checks
});
const $ZodBoolean = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodBoolean", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.pattern = core_regexes/* boolean */.zM;
    inst._zod.parse = (payload, _ctx) => {
        if (def.coerce)
            try {
                payload.value = Boolean(payload.value);
            }
            catch (_) { }
        const input = payload.value;
        if (typeof input === "boolean")
            return payload;
        payload.issues.push({
            expected: "boolean",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
});
const $ZodBigInt = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodBigInt", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.pattern = core_regexes/* bigint */.o;
    inst._zod.parse = (payload, _ctx) => {
        if (def.coerce)
            try {
                payload.value = BigInt(payload.value);
            }
            catch (_) { }
        if (typeof payload.value === "bigint")
            return payload;
        payload.issues.push({
            expected: "bigint",
            code: "invalid_type",
            input: payload.value,
            inst,
        });
        return payload;
    };
});
const $ZodBigIntFormat = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodBigIntFormat", (inst, def) => {
    checks.$ZodCheckBigIntFormat.init(inst, def);
    $ZodBigInt.init(inst, def); // no format checks
})));
const $ZodSymbol = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodSymbol", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (typeof input === "symbol")
            return payload;
        payload.issues.push({
            expected: "symbol",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
})));
const $ZodUndefined = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodUndefined", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.pattern = regexes.undefined;
    inst._zod.values = new Set([undefined]);
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (typeof input === "undefined")
            return payload;
        payload.issues.push({
            expected: "undefined",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
})));
const $ZodNull = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodNull", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.pattern = regexes.null;
    inst._zod.values = new Set([null]);
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (input === null)
            return payload;
        payload.issues.push({
            expected: "null",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
})));
const $ZodAny = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodAny", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload) => payload;
})));
const $ZodUnknown = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodUnknown", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload) => payload;
});
const $ZodNever = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNever", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        payload.issues.push({
            expected: "never",
            code: "invalid_type",
            input: payload.value,
            inst,
        });
        return payload;
    };
});
const $ZodVoid = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodVoid", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (typeof input === "undefined")
            return payload;
        payload.issues.push({
            expected: "void",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
})));
const $ZodDate = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodDate", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        if (def.coerce) {
            try {
                payload.value = new Date(payload.value);
            }
            catch (_err) { }
        }
        const input = payload.value;
        const isDate = input instanceof Date;
        const isValidDate = isDate && !Number.isNaN(input.getTime());
        if (isValidDate)
            return payload;
        payload.issues.push({
            expected: "date",
            code: "invalid_type",
            input,
            ...(isDate ? { received: "Invalid Date" } : {}),
            inst,
        });
        return payload;
    };
});
// an oversized container fails its leading size checks before any element is parsed
function capSize(inst, size) {
    const caps = core_util/* sizeCaps */.hi(inst._zod.def.checks);
    if (!caps.length)
        return;
    const cap = Math.min(...caps.map((c) => c[0]));
    const parse = inst._zod.parse;
    inst._zod.parse = (payload, ctx) => {
        const n = size(payload.value);
        if (n > cap && !ctx?.skipChecks && ctx?.direction !== "backward") {
            for (const [max, ch] of core_util/* sizeCaps */.hi(inst._zod.def.checks)) {
                if (n > max && ch._zod.def.when(payload)) {
                    const start = payload.issues.length;
                    ch._zod.check(payload);
                    // the value is still the raw input, so no later check may read it
                    payload.issues[start].continue = false;
                    core_util/* attachSchema */.d3(payload.issues, start, inst);
                    return payload;
                }
            }
        }
        return parse(payload, ctx);
    };
}
const arraySize = (input) => (Array.isArray(input) ? input.length : -1);
const mapSize = (input) => (input instanceof Map ? input.size : -1);
const setSize = (input) => (input instanceof Set ? input.size : -1);
function handleArrayResult(result, final, index) {
    if (result.issues.length) {
        final.issues.push(...core_util/* prefixIssues */.lQ(index, result.issues));
    }
    final.value[index] = result.value;
}
const $ZodArray = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodArray", (inst, def) => {
    $ZodType.init(inst, def);
    const memo = core_core/* globalConfig */.cr.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!Array.isArray(input)) {
            payload.issues.push({
                expected: "array",
                code: "invalid_type",
                input,
                inst,
            });
            return payload;
        }
        payload.value = memo ? memo.alloc(inst, payload, Array(input.length), ctx) : Array(input.length);
        const proms = [];
        const abortEarly = ctx?.abortEarly;
        for (let i = 0; i < input.length; i++) {
            const item = input[i];
            const result = def.element._zod.run({
                value: item,
                issues: [],
            }, ctx);
            if (result instanceof Promise) {
                proms.push(result.then((result) => handleArrayResult(result, payload, i)));
            }
            else {
                handleArrayResult(result, payload, i);
                // the element's payload is authoritative here, since handleArrayResult forwards every issue; an object's is not, because it drops a failed absent optional
                if (abortEarly && result.issues.length !== 0 && core_util/* aborted */.QH(result))
                    break;
            }
        }
        if (proms.length) {
            return Promise.all(proms).then(() => payload);
        }
        return payload; //handleArrayResultsAsync(parseResults, final);
    };
    capSize(inst, arraySize);
});
function handlePropertyResult(result, final, key, input, optin, optout) {
    const isPresent = key in input;
    const isOptionalOut = optout === "optional";
    // The middle rung means "absence permitted, nothing supplied in its place", so an absent key contributes nothing — whatever the schema made of `undefined` is invented, not substituted. Only `optional` reaches this with a value: `defaulted` substitutes, and a schema that isn't optional-out has to keep the key.
    if (!isPresent && isOptionalOut && optin === "optional") {
        return;
    }
    if (result.issues.length) {
        // For optional-in/out schemas, ignore errors on absent keys.
        if (optin !== undefined && isOptionalOut && !isPresent) {
            return;
        }
        final.issues.push(...core_util/* prefixIssues */.lQ(key, result.issues));
    }
    if (!isPresent && optin === undefined) {
        if (!result.issues.length) {
            final.issues.push({
                code: "invalid_type",
                expected: "nonoptional",
                input: undefined,
                path: [key],
            });
        }
        return;
    }
    if (result.value === undefined) {
        if (isPresent || (optin === "defaulted" && !isOptionalOut)) {
            final.value[key] = undefined;
        }
    }
    else {
        final.value[key] = result.value;
    }
}
// one shared instance; a fresh [] per schema cost 56 bytes retained
const NO_SYMBOL_KEYS = [];
function normalizeDef(def) {
    const keys = Object.keys(def.shape);
    const ownSymbols = Object.getOwnPropertySymbols(def.shape);
    const symbolKeys = ownSymbols.length ? ownSymbols : NO_SYMBOL_KEYS;
    // aliases `keys` when there are no symbols, so a string-only shape keeps one array
    const allKeys = symbolKeys.length ? [...keys, ...symbolKeys] : keys;
    for (const k of allKeys) {
        if (!def.shape?.[k]?._zod?.traits?.has("$ZodType")) {
            throw new Error(`Invalid element at key "${String(k)}": expected a Zod schema`);
        }
    }
    const okeys = core_util/* optionalKeys */.NM(def.shape);
    return {
        ...def,
        allKeys,
        symbolKeys,
        // string-only: handleCatchall matches it against `for...in`, which never yields a symbol
        keySet: new Set(keys),
        numKeys: keys.length,
        optionalKeys: new Set(okeys),
    };
}
function handleCatchall(proms, input, payload, ctx, def, inst, abortEarly) {
    const unrecognized = [];
    const keySet = def.keySet;
    const _catchall = def.catchall._zod;
    const t = _catchall.def.type;
    const optin = _catchall.optin;
    const optout = _catchall.optout;
    // starts at 0, not the current length: the shape phase already ran and may have aborted
    let seen = 0;
    for (const key in input) {
        if (abortEarly && payload.issues.length !== seen) {
            if (core_util/* aborted */.QH(payload, seen))
                break;
            seen = payload.issues.length;
        }
        // Must precede the __proto__ branch: a declared key is not unrecognized, even though the shape loop deliberately strips __proto__ from the parsed output.
        if (keySet.has(key))
            continue;
        // Don't copy an undeclared __proto__ into the result; assignment to a plain {} would replace the result prototype. But in strict mode it is still an unknown key, so report it before skipping.
        if (key === "__proto__") {
            if (t === "never")
                unrecognized.push(key);
            continue;
        }
        if (t === "never") {
            unrecognized.push(key);
            continue;
        }
        const r = _catchall.run({ value: input[key], issues: [] }, ctx);
        if (r instanceof Promise) {
            proms.push(r.then((r) => handlePropertyResult(r, payload, key, input, optin, optout)));
        }
        else {
            handlePropertyResult(r, payload, key, input, optin, optout);
        }
    }
    if (unrecognized.length) {
        payload.issues.push({
            code: "unrecognized_keys",
            keys: unrecognized,
            input,
            inst,
            // Describes the shape of the input, not the validity of the parsed value, so it never aborts. The parse still fails; the schema's own checks just get to run first, and an enclosing intersection can reconcile the key against a sibling operand.
            continue: true,
        });
    }
    if (!proms.length)
        return payload;
    return Promise.all(proms).then(() => {
        return payload;
    });
}
const $ZodObject = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodObject", (inst, def) => {
    // requires cast because technically $ZodObject doesn't extend
    $ZodType.init(inst, def);
    const desc = Object.getOwnPropertyDescriptor(def, "shape");
    // a cloned def carries its source's accessor, which knows the shape it answers from; adopting that keeps the clone's keys readable without running it
    const sh = desc?.get ? desc.get.raw : (def.shape ?? {});
    if (sh) {
        // Freezes the shape on first read, so its getters resolve once and every later read sees the same schemas.
        const get = () => {
            const newSh = { ...sh };
            Object.defineProperty(def, "shape", { value: newSh });
            get.raw = newSh;
            return newSh;
        };
        get.raw = sh;
        Object.defineProperty(def, "shape", { get });
    }
    const _normalized = core_util/* cached */.PO(() => normalizeDef(def));
    core_util/* defineLazyInternal */.v5(inst, "propValues", (zod) => {
        const shape = zod.def.shape;
        const propValues = {};
        for (const key in shape) {
            const field = shape[key]._zod;
            if (field.values) {
                if (!Object.prototype.hasOwnProperty.call(propValues, key)) {
                    core_util/* assignProp */.Vy(propValues, key, new Set());
                }
                for (const v of field.values)
                    propValues[key].add(v);
                // An omittable slot reads back as undefined at a discriminator lookup, so it has to claim undefined: two options that can both omit the key are not discriminable on it.
                if (field.optin !== undefined)
                    propValues[key].add(undefined);
            }
        }
        return propValues;
    });
    const isObject = core_util/* isObject */.Gv;
    const catchall = def.catchall;
    let value;
    const memo = core_core/* globalConfig */.cr.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        value ?? (value = _normalized.value);
        const input = payload.value;
        if (!isObject(input)) {
            payload.issues.push({
                expected: "object",
                code: "invalid_type",
                input,
                inst,
            });
            return payload;
        }
        payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
        const proms = [];
        const shape = value.shape;
        const abortEarly = ctx?.abortEarly;
        let seen = payload.issues.length;
        for (const key of value.allKeys) {
            if (abortEarly && payload.issues.length !== seen) {
                if (core_util/* aborted */.QH(payload, seen))
                    break;
                seen = payload.issues.length;
            }
            if (key === "__proto__")
                continue;
            const el = shape[key];
            const optin = el._zod.optin;
            const optout = el._zod.optout;
            const r = el._zod.run({ value: input[key], issues: [] }, ctx);
            if (r instanceof Promise) {
                proms.push(r.then((r) => handlePropertyResult(r, payload, key, input, optin, optout)));
            }
            else {
                handlePropertyResult(r, payload, key, input, optin, optout);
            }
        }
        if (!catchall) {
            return proms.length ? Promise.all(proms).then(() => payload) : payload;
        }
        return handleCatchall(proms, input, payload, ctx, _normalized.value, inst, abortEarly === true);
    };
});
const $ZodObjectJIT = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodObjectJIT", (inst, def) => {
    // requires cast because technically $ZodObject doesn't extend
    $ZodObject.init(inst, def);
    const superParse = inst._zod.parse;
    const _normalized = core_util/* cached */.PO(() => normalizeDef(def));
    const memo = core_core/* globalConfig */.cr.memoizer;
    const generateFastpass = (shape) => {
        const normalized = _normalized.value;
        const syms = normalized.symbolKeys;
        // a symbol has no source literal, so it is read as `syms[i]` off the closed-over scope
        const doc = new Doc(["payload", "ctx"], { shape, inst, memo, syms });
        const parseStr = (k) => `shape[${k}]._zod.run({ value: input[${k}], issues: [] }, ctx)`;
        // prefixes in place, like util.prefixIssues. newResult must land before the early return: a catchall runs after this and would otherwise write onto the caller's input
        const prefixStr = (id, k) => `
          let ${id}_ab = false;
          for (let i = 0; i < ${id}.issues.length; i++) {
            const iss = ${id}.issues[i];
            iss.path = iss.path ? [${k}, ...iss.path] : [${k}];
            payload.issues.push(iss);
            if (iss.continue !== true) ${id}_ab = true;
          }
          if (${id}_ab && ctx && ctx.abortEarly) {
            payload.value = newResult;
            return payload;
          }`;
        doc.write(`const input = payload.value;`);
        const ids = Object.create(null);
        let counter = 0;
        for (const key of normalized.allKeys) {
            ids[key] = `key_${counter++}`;
        }
        // A: preserve key order {
        doc.write(memo ? `const newResult = memo.alloc(inst, payload, {}, ctx);` : `const newResult = {};`);
        for (const key of normalized.allKeys) {
            if (key === "__proto__")
                continue;
            const id = ids[key];
            const k = typeof key === "symbol" ? `syms[${syms.indexOf(key)}]` : core_util/* esc */.UQ(key);
            const isPresent = `${k} in input`;
            const schema = shape[key];
            const optin = schema?._zod?.optin;
            const isOptionalIn = optin !== undefined;
            const isOptionalOut = schema?._zod?.optout === "optional";
            doc.write(`const ${id} = ${parseStr(k)};`);
            if (isOptionalIn && isOptionalOut) {
                // For optional-in/out schemas, ignore errors on absent keys — and, like the interpreted path, drop the value produced alongside them. The middle rung goes further: it permits absence without supplying anything in its place, so an absent key contributes nothing at all.
                const assign = optin === "optional" ? `${id}_present` : `${id}.value !== undefined || ${id}_present`;
                doc.write(`
        const ${id}_present = ${isPresent};
        if (!${id}.issues.length || ${id}_present) {
          if (${id}.issues.length) {${prefixStr(id, k)}
          }

          if (${assign}) {
            newResult[${k}] = ${id}.value;
          }
        }

      `);
            }
            else if (!isOptionalIn) {
                doc.write(`
        const ${id}_present = ${isPresent};
        if (${id}.issues.length) {${prefixStr(id, k)}
        }
        if (!${id}_present && !${id}.issues.length) {
          payload.issues.push({
            code: "invalid_type",
            expected: "nonoptional",
            input: undefined,
            path: [${k}]
          });
          if (ctx && ctx.abortEarly) {
            payload.value = newResult;
            return payload;
          }
        }

        if (${id}_present) {
          newResult[${k}] = ${id}.value;
        }

      `);
            }
            else {
                doc.write(`
        if (${id}.issues.length) {${prefixStr(id, k)}
        }
      `);
                if (optin === "defaulted") {
                    doc.write(`newResult[${k}] = ${id}.value;`);
                }
                else {
                    doc.write(`
        if (${id}.value !== undefined || ${isPresent}) {
          newResult[${k}] = ${id}.value;
        }
      `);
                }
            }
        }
        doc.write(`payload.value = newResult;`);
        doc.write(`return payload;`);
        // closing `shape` in is what pays: turbofan specializes the parser against that one shape object, so every `shape[k]._zod.run` folds to a known callee. as a parameter it stays a generic load and measures 13% slower even with the forwarding frame gone
        return doc.compile();
    };
    let fastpass;
    const isObject = core_util/* isObject */.Gv;
    const jit = !core_core/* globalConfig */.cr.jitless;
    const allowsEval = core_util/* allowsEval */.hI;
    const fastEnabled = jit && allowsEval.value; // && !def.catchall;
    const catchall = def.catchall;
    let value;
    inst._zod.parse = (payload, ctx) => {
        value ?? (value = _normalized.value);
        const input = payload.value;
        if (!isObject(input)) {
            payload.issues.push({
                expected: "object",
                code: "invalid_type",
                input,
                inst,
            });
            return payload;
        }
        if (jit && fastEnabled && ctx?.async === false && ctx.jitless !== true) {
            // always synchronous
            if (!fastpass)
                fastpass = generateFastpass(def.shape);
            payload = fastpass(payload, ctx);
            if (!catchall)
                return payload;
            return handleCatchall([], input, payload, ctx, value, inst, ctx?.abortEarly === true);
        }
        return superParse(payload, ctx);
    };
});
function handleUnionResults(results, final, inst, ctx) {
    for (const result of results) {
        if (result.issues.length === 0) {
            final.value = result.value;
            return final;
        }
    }
    const nonaborted = results.filter((r) => !core_util/* aborted */.QH(r));
    if (nonaborted.length === 1) {
        final.value = nonaborted[0].value;
        return nonaborted[0];
    }
    final.issues.push({
        code: "invalid_union",
        input: final.value,
        inst,
        errors: results.map((result) => result.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W()))),
    });
    return final;
}
const $ZodUnion = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodUnion", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.options.some((o) => o._zod.optin === "defaulted")
        ? "defaulted"
        : zod.def.options.some((o) => o._zod.optin !== undefined)
            ? "optional"
            : undefined);
    core_util/* defineLazyInternal */.v5(inst, "optout", (zod) => zod.def.options.some((o) => o._zod.optout === "optional") ? "optional" : undefined);
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => {
        if (zod.def.options.every((o) => o._zod.values)) {
            return new Set(zod.def.options.flatMap((option) => Array.from(option._zod.values)));
        }
        return undefined;
    });
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => {
        if (zod.def.options.every((o) => o._zod.pattern)) {
            const patterns = zod.def.options.map((o) => o._zod.pattern);
            return new RegExp(`^(${patterns.map((p) => core_util/* cleanRegex */.p6(p.source)).join("|")})$`);
        }
        return undefined;
    });
    const first = def.options.length === 1 ? def.options[0]._zod.run : null;
    inst._zod.parse = (payload, ctx) => {
        if (first) {
            return first(payload, ctx);
        }
        let async = false;
        const results = [];
        for (const option of def.options) {
            const result = option._zod.run({
                value: payload.value,
                issues: [],
            }, ctx);
            if (result instanceof Promise) {
                results.push(result);
                async = true;
            }
            else {
                if (result.issues.length === 0)
                    return result;
                results.push(result);
            }
        }
        if (!async)
            return handleUnionResults(results, payload, inst, ctx);
        return Promise.all(results).then((results) => {
            return handleUnionResults(results, payload, inst, ctx);
        });
    };
});
function handleExclusiveUnionResults(results, final, inst, ctx) {
    const matches = [];
    for (let i = 0; i < results.length; i++) {
        if (results[i].issues.length === 0)
            matches.push(i);
    }
    if (matches.length === 1) {
        final.value = results[matches[0]].value;
        return final;
    }
    if (matches.length === 0) {
        // No matches - same as regular union
        final.issues.push({
            code: "invalid_union",
            input: final.value,
            inst,
            errors: results.map((result) => result.issues.map((iss) => util.finalizeIssue(iss, ctx, core.config()))),
        });
    }
    else {
        // Multiple matches - exclusive union failure
        final.issues.push({
            code: "invalid_union",
            input: final.value,
            inst,
            errors: [],
            inclusive: false,
            matches,
        });
    }
    return final;
}
const $ZodXor = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodXor", (inst, def) => {
    $ZodUnion.init(inst, def);
    def.inclusive = false;
    const first = def.options.length === 1 ? def.options[0]._zod.run : null;
    inst._zod.parse = (payload, ctx) => {
        if (first) {
            return first(payload, ctx);
        }
        let async = false;
        const results = [];
        for (const option of def.options) {
            const result = option._zod.run({
                value: payload.value,
                issues: [],
            }, ctx);
            if (result instanceof Promise) {
                results.push(result);
                async = true;
            }
            else {
                results.push(result);
            }
        }
        if (!async)
            return handleExclusiveUnionResults(results, payload, inst, ctx);
        return Promise.all(results).then((results) => {
            return handleExclusiveUnionResults(results, payload, inst, ctx);
        });
    };
})));
/** Returns the option whose discriminator claims `value`, or throws if ambiguous. */
function getDiscriminatedOption(union, value) {
    const internals = union._zod;
    let map = internals.bag.optionsMap;
    if (!map) {
        map = discriminatorMap(internals.def);
        internals.bag.optionsMap = map;
    }
    const option = map.get(value);
    if (option === null)
        throw new Error(`Ambiguous discriminator value "${String(value)}"`);
    return option;
}
function discriminatorMap(def) {
    const map = new Map();
    for (const option of def.options) {
        const values = option._zod.propValues?.[def.discriminator];
        if (!values || values.size === 0)
            throw new Error(`Invalid discriminated union option at index "${def.options.indexOf(option)}"`);
        for (const value of values) {
            if (map.has(value)) {
                if (value !== undefined)
                    throw new Error(`Duplicate discriminator value "${String(value)}"`);
                // keep the collision marked so a later member cannot reclaim it
                map.set(value, null);
            }
            else {
                map.set(value, option);
            }
        }
    }
    return map;
}
const $ZodDiscriminatedUnion = 
/*@__PURE__*/
(/* unused pure expression or super */ null && (core.$constructor("$ZodDiscriminatedUnion", (inst, def) => {
    def.inclusive = false;
    $ZodUnion.init(inst, def);
    const _super = inst._zod.parse;
    util.defineLazyInternal(inst, "propValues", (zod) => {
        const propValues = {};
        let undefinedCount = 0;
        for (const option of zod.def.options) {
            const pv = option._zod.propValues;
            if (!pv || Object.keys(pv).length === 0)
                throw new Error(`Invalid discriminated union option at index "${zod.def.options.indexOf(option)}"`);
            if (pv[zod.def.discriminator]?.has(undefined))
                undefinedCount++;
            for (const [k, v] of Object.entries(pv)) {
                if (!Object.prototype.hasOwnProperty.call(propValues, k)) {
                    util.assignProp(propValues, k, new Set());
                }
                for (const val of v) {
                    propValues[k].add(val);
                }
            }
        }
        if (!zod.def.unionFallback && undefinedCount > 1)
            propValues[zod.def.discriminator]?.delete(undefined);
        return propValues;
    });
    // Checked now rather than in the lookup map below, so an option that lacks the discriminator fails at the `discriminatedUnion` call instead of on the first object parsed. Options whose shape cannot be enumerated without resolving it — pipes and lazies — are left to the map.
    def.options.forEach((option, i) => {
        const propShape = util.rawShape(option._zod.def);
        if (propShape && !Object.prototype.hasOwnProperty.call(propShape, def.discriminator)) {
            throw new Error(`Invalid discriminated union option at index "${i}"`);
        }
    });
    const disc = util.cached(() => discriminatorMap(def));
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!util.isObject(input)) {
            payload.issues.push({
                code: "invalid_type",
                expected: "object",
                input,
                inst,
            });
            return payload;
        }
        const value = input?.[def.discriminator];
        const opt = disc.value.get(value);
        // forward metadata cannot choose an encoder for an absent tag
        if (opt && (value !== undefined || ctx.direction !== "backward")) {
            return opt._zod.run(payload, ctx);
        }
        // Fall back to union matching when the fast discriminator path fails:
        // - explicitly enabled via unionFallback, or
        // - during backward direction (encode), since codec-based discriminators have different values in forward vs backward directions
        if (def.unionFallback || ctx.direction === "backward") {
            return _super(payload, ctx);
        }
        // no matching discriminator
        payload.issues.push({
            code: "invalid_union",
            errors: [],
            note: "No matching discriminator",
            discriminator: def.discriminator,
            options: Array.from(disc.value.keys()).filter((value) => disc.value.get(value) !== null),
            input,
            path: [def.discriminator],
            inst,
        });
        return payload;
    };
})));
const $ZodIntersection = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodIntersection", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        const left = def.left._zod.run({ value: input, issues: [] }, ctx);
        const right = def.right._zod.run({ value: input, issues: [] }, ctx);
        const async = left instanceof Promise || right instanceof Promise;
        if (async) {
            return Promise.all([left, right]).then(([left, right]) => {
                return handleIntersectionResults(payload, left, right);
            });
        }
        return handleIntersectionResults(payload, left, right);
    };
});
function mergeValues(a, b) {
    // const aType = parse.t(a);
    // const bType = parse.t(b);
    if (a === b) {
        return { valid: true, data: a };
    }
    if (a instanceof Date && b instanceof Date && +a === +b) {
        return { valid: true, data: a };
    }
    if (core_util/* isPlainObject */.Qd(a) && core_util/* isPlainObject */.Qd(b)) {
        const bKeys = Object.keys(b);
        const sharedKeys = Object.keys(a).filter((key) => bKeys.indexOf(key) !== -1);
        const newObj = { ...a, ...b };
        if (Object.prototype.hasOwnProperty.call(newObj, "__proto__"))
            delete newObj.__proto__;
        for (const key of sharedKeys) {
            if (key === "__proto__")
                continue;
            const sharedValue = mergeValues(a[key], b[key]);
            if (!sharedValue.valid) {
                return {
                    valid: false,
                    mergeErrorPath: [key, ...sharedValue.mergeErrorPath],
                };
            }
            newObj[key] = sharedValue.data;
        }
        return { valid: true, data: newObj };
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length !== b.length) {
            return { valid: false, mergeErrorPath: [] };
        }
        const newArray = [];
        for (let index = 0; index < a.length; index++) {
            const itemA = a[index];
            const itemB = b[index];
            const sharedValue = mergeValues(itemA, itemB);
            if (!sharedValue.valid) {
                return {
                    valid: false,
                    mergeErrorPath: [index, ...sharedValue.mergeErrorPath],
                };
            }
            newArray.push(sharedValue.data);
        }
        return { valid: true, data: newArray };
    }
    return { valid: false, mergeErrorPath: [] };
}
function handleIntersectionResults(result, left, right) {
    // Track which side(s) reject each key. A key rejection is reported only when BOTH sides reject it, so a key owned by one branch survives the other's key schema. strictObject reports these as unrecognized_keys; a record with an open key schema reports one invalid_key per key.
    const unrecKeys = new Map();
    let unrecIssue;
    const keyIssues = new Map();
    const collect = (iss, side) => {
        let keys;
        if (iss.code === "unrecognized_keys" && !iss.path?.length) {
            unrecIssue ?? (unrecIssue = iss);
            keys = iss.keys;
        }
        else if (iss.code === "invalid_key" && iss.origin === "record" && iss.path?.length === 1) {
            const k = String(iss.path[0]);
            if (!keyIssues.has(k))
                keyIssues.set(k, iss);
            keys = [k];
        }
        else {
            return false;
        }
        for (const k of keys) {
            if (!unrecKeys.has(k))
                unrecKeys.set(k, {});
            unrecKeys.get(k)[side] = true;
        }
        return true;
    };
    for (const iss of left.issues) {
        if (!collect(iss, "l"))
            result.issues.push(iss);
    }
    for (const iss of right.issues) {
        if (!collect(iss, "r"))
            result.issues.push(iss);
    }
    // Report only keys rejected by BOTH sides
    const bothKeys = [...unrecKeys].filter(([, f]) => f.l && f.r).map(([k]) => k);
    if (bothKeys.length) {
        const aggregated = unrecIssue ? bothKeys.filter((k) => unrecIssue.keys.includes(k)) : [];
        if (aggregated.length)
            result.issues.push({ ...unrecIssue, keys: aggregated });
        for (const k of bothKeys) {
            if (!aggregated.includes(k) && keyIssues.has(k))
                result.issues.push(keyIssues.get(k));
        }
    }
    const merged = mergeValues(left.value, right.value);
    if (!merged.valid) {
        if (core_util/* aborted */.QH(result))
            return result;
        throw new Error(`Unmergable intersection. Error path: ` + `${JSON.stringify(merged.mergeErrorPath)}`);
    }
    result.value = merged.data;
    return result;
}
const $ZodTuple = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodTuple", (inst, def) => {
    $ZodType.init(inst, def);
    const items = def.items;
    const memo = core_core/* globalConfig */.cr.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!Array.isArray(input)) {
            payload.issues.push({
                input,
                inst,
                expected: "tuple",
                code: "invalid_type",
            });
            return payload;
        }
        payload.value = memo ? memo.alloc(inst, payload, [], ctx) : [];
        const proms = [];
        const optinStart = getTupleOptStart(items, "optin");
        const optoutStart = getTupleOptStart(items, "optout");
        if (!def.rest) {
            if (input.length < optinStart) {
                payload.issues.push({
                    code: "too_small",
                    minimum: optinStart,
                    inclusive: true,
                    input,
                    inst,
                    origin: "array",
                });
                return payload;
            }
            if (input.length > items.length) {
                payload.issues.push({
                    code: "too_big",
                    maximum: items.length,
                    inclusive: true,
                    input,
                    inst,
                    origin: "array",
                });
            }
        }
        // Run every item in parallel, collecting results into an indexed array. The post-processing in `handleTupleResults` walks them in order so it can decide whether an absent optional-output error can truncate the tail or must be reported to preserve required output.
        const itemResults = new Array(items.length);
        // only tracked when there is a rest loop to skip
        const abortEarly = def.rest ? ctx?.abortEarly : undefined;
        let itemAborted = false;
        for (let i = 0; i < items.length; i++) {
            const r = items[i]._zod.run({ value: input[i], issues: [] }, ctx);
            if (r instanceof Promise) {
                proms.push(r.then((rr) => {
                    itemResults[i] = rr;
                }));
            }
            else {
                itemResults[i] = r;
                if (abortEarly && !itemAborted && r.issues.length)
                    itemAborted = core_util/* aborted */.QH(r);
            }
        }
        // sound because rest is non-empty exactly when every fixed index is present, the one case handleTupleResults cannot discard an item's issues
        if (def.rest && !itemAborted) {
            let i = items.length - 1;
            const rest = input.slice(items.length);
            let seen = payload.issues.length;
            for (const el of rest) {
                if (abortEarly && payload.issues.length !== seen) {
                    if (core_util/* aborted */.QH(payload, seen))
                        break;
                    seen = payload.issues.length;
                }
                i++;
                const result = def.rest._zod.run({ value: el, issues: [] }, ctx);
                if (result instanceof Promise) {
                    proms.push(result.then((r) => handleTupleResult(r, payload, i)));
                }
                else {
                    handleTupleResult(result, payload, i);
                }
            }
        }
        if (proms.length) {
            return Promise.all(proms).then(() => handleTupleResults(itemResults, payload, items, input, optoutStart));
        }
        return handleTupleResults(itemResults, payload, items, input, optoutStart);
    };
});
function getTupleOptStart(items, key) {
    for (let i = items.length - 1; i >= 0; i--) {
        // optin is a three-rung ladder so any rung above `undefined` permits an absent slot; optout stays two-valued.
        const omittable = key === "optin" ? items[i]._zod.optin !== undefined : items[i]._zod.optout === "optional";
        if (!omittable)
            return i + 1;
    }
    return 0;
}
function handleTupleResult(result, final, index) {
    if (result.issues.length) {
        final.issues.push(...core_util/* prefixIssues */.lQ(index, result.issues));
    }
    final.value[index] = result.value;
}
function handleTupleResults(itemResults, final, items, input, optoutStart) {
    // Walk results in order. Mirror $ZodObject's swallow-on-absent-optional rule, but only after `optoutStart`: the first index where the output tuple tail can be absent.
    for (let i = 0; i < items.length; i++) {
        const r = itemResults[i];
        const isPresent = i < input.length;
        // The array analog of `handlePropertyResult`'s absent-key early return: the middle rung permits absence without supplying anything in its place, so the tail truncates here instead of materializing whatever the item made of `undefined`.
        if (!isPresent && i >= optoutStart && items[i]._zod.optin === "optional") {
            final.value.length = i;
            break;
        }
        if (r.issues.length) {
            if (!isPresent && i >= optoutStart) {
                final.value.length = i;
                break;
            }
            final.issues.push(...core_util/* prefixIssues */.lQ(i, r.issues));
        }
        final.value[i] = r.value;
    }
    // Drop trailing slots that produced `undefined` for absent input
    // (the array analog of an absent optional key on an object). The
    // `i >= input.length` floor is critical: an explicit `undefined`
    // *inside* the input must be preserved even when the schema is
    // optional-out (e.g. `z.string().or(z.undefined())` accepting an
    // explicit undefined value).
    for (let i = final.value.length - 1; i >= input.length; i--) {
        if (items[i]._zod.optout === "optional" && final.value[i] === undefined) {
            final.value.length = i;
        }
        else {
            break;
        }
    }
    return final;
}
const $ZodRecord = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodRecord", (inst, def) => {
    $ZodType.init(inst, def);
    const memo = core_core/* globalConfig */.cr.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!core_util/* isPlainObject */.Qd(input)) {
            payload.issues.push({
                expected: "record",
                code: "invalid_type",
                input,
                inst,
            });
            return payload;
        }
        // no guard in either loop below: a record's invalid_key aborts but an enclosing intersection can reconcile it, so a stopped loop hides keys the sibling does not own and the intersection then rejects nothing
        const proms = [];
        const values = def.keyType._zod.values;
        if (values && !def.partial) {
            payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
            const recordKeys = new Set();
            for (const key of values) {
                if (typeof key === "string" || typeof key === "number" || typeof key === "symbol") {
                    recordKeys.add(typeof key === "number" ? key.toString() : key);
                    // A declared __proto__ is stripped but is not an unrecognized key.
                    if (key === "__proto__")
                        continue;
                    const keyResult = def.keyType._zod.run({ value: key, issues: [] }, ctx);
                    if (keyResult instanceof Promise) {
                        throw new Error("Async schemas not supported in object keys currently");
                    }
                    if (keyResult.issues.length) {
                        payload.issues.push({
                            code: "invalid_key",
                            origin: "record",
                            issues: keyResult.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())),
                            input: key,
                            path: [key],
                            inst,
                        });
                        continue;
                    }
                    const outKey = keyResult.value;
                    if (outKey === "__proto__")
                        continue;
                    const result = def.valueType._zod.run({ value: input[key], issues: [] }, ctx);
                    if (result instanceof Promise) {
                        proms.push(result.then((result) => {
                            if (result.issues.length) {
                                payload.issues.push(...core_util/* prefixIssues */.lQ(key, result.issues));
                            }
                            payload.value[outKey] = result.value;
                        }));
                    }
                    else {
                        if (result.issues.length) {
                            payload.issues.push(...core_util/* prefixIssues */.lQ(key, result.issues));
                        }
                        payload.value[outKey] = result.value;
                    }
                }
            }
            let unrecognized;
            for (const key in input) {
                if (!recordKeys.has(key)) {
                    if (def.mode === "loose") {
                        // skip __proto__ so it can't replace the result prototype via the assignment setter on the plain {} we build into
                        if (key === "__proto__")
                            continue;
                        payload.value[key] = input[key];
                    }
                    else {
                        unrecognized = unrecognized ?? [];
                        unrecognized.push(key);
                    }
                }
            }
            if (unrecognized && unrecognized.length > 0) {
                payload.issues.push({
                    code: "unrecognized_keys",
                    input,
                    inst,
                    keys: unrecognized,
                    continue: true,
                });
            }
        }
        else {
            payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
            // An enumerable key schema declares which keys the record owns, so a key outside the set is unrecognized. A non-enumerable one (regex, refine) is a constraint every key must satisfy, so a failing key is invalid. Only the former is reconcilable against the other side of an intersection.
            let unrecognized;
            // Reflect.ownKeys for Symbol-key support; filter non-enumerable to match z.object()
            for (const key of Reflect.ownKeys(input)) {
                if (key === "__proto__")
                    continue;
                if (!Object.prototype.propertyIsEnumerable.call(input, key))
                    continue;
                let keyResult = def.keyType._zod.run({ value: key, issues: [] }, ctx);
                if (keyResult instanceof Promise) {
                    throw new Error("Async schemas not supported in object keys currently");
                }
                // Numeric string fallback: if key is a numeric string and failed, retry with Number(key). This handles z.number(), z.literal([1, 2, 3]), and unions containing numeric literals
                const checkNumericKey = typeof key === "string" && core_regexes/* number */.ai.test(key) && keyResult.issues.length;
                if (checkNumericKey) {
                    const retryResult = def.keyType._zod.run({ value: Number(key), issues: [] }, ctx);
                    if (retryResult instanceof Promise) {
                        throw new Error("Async schemas not supported in object keys currently");
                    }
                    if (retryResult.issues.length === 0) {
                        keyResult = retryResult;
                    }
                }
                if (keyResult.issues.length) {
                    if (def.mode === "loose") {
                        // Pass through unchanged
                        payload.value[key] = input[key];
                    }
                    else if (values) {
                        unrecognized = unrecognized ?? [];
                        unrecognized.push(key);
                    }
                    else {
                        // Default "strict" behavior: error on invalid key
                        payload.issues.push({
                            code: "invalid_key",
                            origin: "record",
                            issues: keyResult.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())),
                            input: key,
                            path: [key],
                            inst,
                        });
                    }
                    continue;
                }
                // the guard above tests the raw input key, but the key schema can normalize an ordinary key into __proto__; re-check the key we actually write under
                const outKey = keyResult.value;
                if (outKey === "__proto__")
                    continue;
                const result = def.valueType._zod.run({ value: input[key], issues: [] }, ctx);
                if (result instanceof Promise) {
                    proms.push(result.then((result) => {
                        if (result.issues.length) {
                            payload.issues.push(...core_util/* prefixIssues */.lQ(key, result.issues));
                        }
                        payload.value[outKey] = result.value;
                    }));
                }
                else {
                    if (result.issues.length) {
                        payload.issues.push(...core_util/* prefixIssues */.lQ(key, result.issues));
                    }
                    payload.value[outKey] = result.value;
                }
            }
            if (unrecognized && unrecognized.length > 0) {
                payload.issues.push({
                    code: "unrecognized_keys",
                    input,
                    inst,
                    keys: unrecognized,
                    continue: true,
                });
            }
        }
        if (proms.length) {
            return Promise.all(proms).then(() => payload);
        }
        return payload;
    };
});
const $ZodMap = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodMap", (inst, def) => {
    $ZodType.init(inst, def);
    const memo = core.globalConfig.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!(input instanceof Map)) {
            payload.issues.push({
                expected: "map",
                code: "invalid_type",
                input,
                inst,
            });
            return payload;
        }
        const proms = [];
        payload.value = memo ? memo.alloc(inst, payload, new Map(), ctx) : new Map();
        const abortEarly = ctx?.abortEarly;
        let seen = payload.issues.length;
        for (const [key, value] of input) {
            if (abortEarly && payload.issues.length !== seen) {
                if (util.aborted(payload, seen))
                    break;
                seen = payload.issues.length;
            }
            const keyResult = def.keyType._zod.run({ value: key, issues: [] }, ctx);
            const valueResult = def.valueType._zod.run({ value: value, issues: [] }, ctx);
            if (keyResult instanceof Promise || valueResult instanceof Promise) {
                proms.push(Promise.all([keyResult, valueResult]).then(([keyResult, valueResult]) => {
                    handleMapResult(keyResult, valueResult, payload, key, input, inst, ctx);
                }));
            }
            else {
                handleMapResult(keyResult, valueResult, payload, key, input, inst, ctx);
            }
        }
        if (proms.length)
            return Promise.all(proms).then(() => payload);
        return payload;
    };
    capSize(inst, mapSize);
})));
function handleMapResult(keyResult, valueResult, final, key, input, inst, ctx) {
    if (keyResult.issues.length) {
        if (util.propertyKeyTypes.has(typeof key)) {
            final.issues.push(...util.prefixIssues(key, keyResult.issues));
        }
        else {
            final.issues.push({
                code: "invalid_key",
                origin: "map",
                input,
                inst,
                issues: keyResult.issues.map((iss) => util.finalizeIssue(iss, ctx, core.config())),
            });
        }
    }
    if (valueResult.issues.length) {
        if (util.propertyKeyTypes.has(typeof key)) {
            final.issues.push(...util.prefixIssues(key, valueResult.issues));
        }
        else {
            final.issues.push({
                origin: "map",
                code: "invalid_element",
                input,
                inst,
                key: key,
                issues: valueResult.issues.map((iss) => util.finalizeIssue(iss, ctx, core.config())),
            });
        }
    }
    final.value.set(keyResult.value, valueResult.value);
}
const $ZodSet = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodSet", (inst, def) => {
    $ZodType.init(inst, def);
    const memo = core.globalConfig.memoizer;
    memo?.attach(inst);
    inst._zod.parse = (payload, ctx) => {
        const input = payload.value;
        if (!(input instanceof Set)) {
            payload.issues.push({
                input,
                inst,
                expected: "set",
                code: "invalid_type",
            });
            return payload;
        }
        const proms = [];
        payload.value = memo ? memo.alloc(inst, payload, new Set(), ctx) : new Set();
        const abortEarly = ctx?.abortEarly;
        let seen = payload.issues.length;
        for (const item of input) {
            if (abortEarly && payload.issues.length !== seen) {
                if (util.aborted(payload, seen))
                    break;
                seen = payload.issues.length;
            }
            const result = def.valueType._zod.run({ value: item, issues: [] }, ctx);
            if (result instanceof Promise) {
                proms.push(result.then((result) => handleSetResult(result, payload)));
            }
            else
                handleSetResult(result, payload);
        }
        if (proms.length)
            return Promise.all(proms).then(() => payload);
        return payload;
    };
    capSize(inst, setSize);
})));
function handleSetResult(result, final) {
    if (result.issues.length) {
        final.issues.push(...result.issues);
    }
    final.value.add(result.value);
}
const $ZodEnum = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodEnum", (inst, def) => {
    $ZodType.init(inst, def);
    const values = core_util/* getEnumValues */.w5(def.entries);
    const valuesSet = new Set(values);
    inst._zod.values = valuesSet;
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => {
        const patternValues = core_util/* getEnumValues */.w5(zod.def.entries).filter((k) => core_util/* propertyKeyTypes */.qQ.has(typeof k));
        // unmatchable fallback, RE2-safe: an empty alternation would compile to /^()$/, which matches ""
        return new RegExp(patternValues.length ? `^(${patternValues.map((o) => core_util/* escapeRegex */.sD(o.toString())).join("|")})$` : "^[^\\s\\S]$");
    });
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (valuesSet.has(input)) {
            return payload;
        }
        payload.issues.push({
            code: "invalid_value",
            values,
            input,
            inst,
        });
        return payload;
    };
});
const $ZodLiteral = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodLiteral", (inst, def) => {
    $ZodType.init(inst, def);
    const values = new Set(def.values);
    inst._zod.values = values;
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => {
        const vals = zod.def.values;
        // unmatchable fallback, RE2-safe: an empty alternation would compile to /^()$/, which matches ""
        return new RegExp(vals.length
            ? `^(${vals
                .map((o) => typeof o === "string" ? core_util/* escapeRegex */.sD(o) : o ? core_util/* escapeRegex */.sD(o.toString()) : String(o))
                .join("|")})$`
            : "^[^\\s\\S]$");
    });
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        if (values.has(input)) {
            return payload;
        }
        payload.issues.push({
            code: "invalid_value",
            values: def.values,
            input,
            inst,
        });
        return payload;
    };
});
const $ZodFile = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodFile", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        const input = payload.value;
        // @ts-ignore
        if (input instanceof File)
            return payload;
        payload.issues.push({
            expected: "file",
            code: "invalid_type",
            input,
            inst,
        });
        return payload;
    };
})));
const $ZodTransform = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodTransform", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.optin = "optional";
    core_core/* globalConfig */.cr.memoizer?.guard(inst);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            throw new core_core/* $ZodEncodeError */.cV(inst.constructor.name);
        }
        const _out = def.transform(payload.value, payload);
        if (ctx.async) {
            const output = _out instanceof Promise ? _out : Promise.resolve(_out);
            return output.then((output) => {
                payload.value = output;
                return payload;
            });
        }
        if (_out instanceof Promise) {
            throw new core_core/* $ZodAsyncError */.GT();
        }
        payload.value = _out;
        return payload;
    };
});
function handleOptionalResult(payload, result) {
    // A substituting schema that still failed has no usable answer; yield undefined. Its issues are simply dropped: it ran on a payload of its own, so there is no shared array to truncate and nothing of the caller's to lose with it.
    payload.value = result.issues.length ? undefined : result.value;
    return payload;
}
const $ZodOptional = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodOptional", (inst, def) => {
    $ZodType.init(inst, def);
    // .optional() propagates absence rather than substituting for it, so a defaulted inner keeps its rung.
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.innerType._zod.optin === "defaulted" ? "defaulted" : "optional");
    inst._zod.optout = "optional";
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => {
        const values = zod.def.innerType._zod.values;
        return values ? new Set([...values, undefined]) : undefined;
    });
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => {
        const pattern = zod.def.innerType._zod.pattern;
        return pattern ? new RegExp(`^(${core_util/* cleanRegex */.p6(pattern.source)})?$`) : undefined;
    });
    inst._zod.parse = (payload, ctx) => {
        if (payload.value === undefined) {
            // Only the top rung substitutes a value for absence; everything else leaves it intact, which is what .optional() means.
            if (def.innerType._zod.optin !== "defaulted")
                return payload;
            // Its own payload, for the same reason $ZodCatch gets one: a pipe forwards an unrecognized key through the caller's issues array, and this must not read that as the substituting schema failing and drop it.
            const result = def.innerType._zod.run({ value: payload.value, issues: [] }, ctx);
            if (result instanceof Promise)
                return result.then((result) => handleOptionalResult(payload, result));
            return handleOptionalResult(payload, result);
        }
        return def.innerType._zod.run(payload, ctx);
    };
});
const $ZodExactOptional = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodExactOptional", (inst, def) => {
    // Call parent init - inherits optin/optout = "optional"
    $ZodOptional.init(inst, def);
    // Override values/pattern to NOT add undefined
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.innerType._zod.values);
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => zod.def.innerType._zod.pattern);
    // Override parse to just delegate (no undefined handling)
    inst._zod.parse = (payload, ctx) => {
        return def.innerType._zod.run(payload, ctx);
    };
});
const $ZodNullable = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNullable", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.innerType._zod.optin);
    core_util/* defineLazyInternal */.v5(inst, "optout", (zod) => zod.def.innerType._zod.optout);
    core_util/* defineLazyInternal */.v5(inst, "pattern", (zod) => {
        const pattern = zod.def.innerType._zod.pattern;
        return pattern ? new RegExp(`^(${core_util/* cleanRegex */.p6(pattern.source)}|null)$`) : undefined;
    });
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => {
        return zod.def.innerType._zod.values ? new Set([...zod.def.innerType._zod.values, null]) : undefined;
    });
    inst._zod.parse = (payload, ctx) => {
        // Forward direction (decode): allow null to pass through
        if (payload.value === null)
            return payload;
        return def.innerType._zod.run(payload, ctx);
    };
});
const $ZodDefault = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodDefault", (inst, def) => {
    $ZodType.init(inst, def);
    // inst._zod.qin = "true";
    inst._zod.optin = "defaulted";
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.innerType._zod.values);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            return def.innerType._zod.run(payload, ctx);
        }
        // Forward direction (decode): apply defaults for undefined input
        if (payload.value === undefined) {
            payload.value = def.defaultValue;
            /**
             * $ZodDefault returns the default value immediately in forward direction.
             * It doesn't pass the default value into the validator ("prefault"). There's no reason to pass the default value through validation. The validity of the default is enforced by TypeScript statically. Otherwise, it's the responsibility of the user to ensure the default is valid. In the case of pipes with divergent in/out types, you can specify the default on the `in` schema of your ZodPipe to set a "prefault" for the pipe.   */
            return payload;
        }
        // Forward direction: continue with default handling
        const result = def.innerType._zod.run(payload, ctx);
        if (result instanceof Promise) {
            return result.then((result) => handleDefaultResult(result, def));
        }
        return handleDefaultResult(result, def);
    };
});
function handleDefaultResult(payload, def) {
    if (payload.value === undefined) {
        payload.value = def.defaultValue;
    }
    return payload;
}
const $ZodPrefault = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodPrefault", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.optin = "defaulted";
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.innerType._zod.values);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            return def.innerType._zod.run(payload, ctx);
        }
        // Forward direction (decode): apply prefault for undefined input
        if (payload.value === undefined) {
            payload.value = def.defaultValue;
        }
        return def.innerType._zod.run(payload, ctx);
    };
});
const $ZodNonOptional = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodNonOptional", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => {
        const v = zod.def.innerType._zod.values;
        return v ? new Set([...v].filter((x) => x !== undefined)) : undefined;
    });
    inst._zod.parse = (payload, ctx) => {
        const result = def.innerType._zod.run(payload, ctx);
        if (result instanceof Promise) {
            return result.then((result) => handleNonOptionalResult(result, inst));
        }
        return handleNonOptionalResult(result, inst);
    };
});
function handleNonOptionalResult(payload, inst) {
    if (!payload.issues.length && payload.value === undefined) {
        payload.issues.push({
            code: "invalid_type",
            expected: "nonoptional",
            input: payload.value,
            inst,
        });
    }
    return payload;
}
const $ZodSuccess = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodSuccess", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            throw new core.$ZodEncodeError("ZodSuccess");
        }
        const result = def.innerType._zod.run(payload, ctx);
        if (result instanceof Promise) {
            return result.then((result) => {
                payload.value = result.issues.length === 0;
                return payload;
            });
        }
        payload.value = result.issues.length === 0;
        return payload;
    };
})));
function handleCatchResult(payload, result, def, ctx) {
    if (!result.issues.length) {
        payload.value = result.value;
        // The value carries up, so the flag describing it has to carry with it: a back-edge into a node still being parsed must not be frozen by an enclosing readonly, and its checks belong to the node itself. Guarded so the ordinary case adds no own property.
        if (result.memo)
            payload.memo = true;
        return payload;
    }
    // Spread the inner's own payload, not ours: `value` has to stay the input the catch was handed, and the inner ran on a payload of its own so its issues are already private to this call.
    payload.value = def.catchValue({
        ...result,
        value: payload.value,
        error: {
            issues: result.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())),
        },
        input: payload.value,
    });
    return payload;
}
const $ZodCatch = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCatch", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.innerType._zod.optin === "defaulted" ? "defaulted" : "optional");
    core_util/* defineLazyInternal */.v5(inst, "optout", (zod) => zod.def.innerType._zod.optout);
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.innerType._zod.values);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            return def.innerType._zod.run(payload, ctx);
        }
        // Forward direction (decode): apply catch logic
        const result = def.innerType._zod.run({ value: payload.value, issues: [] }, ctx);
        if (result instanceof Promise) {
            return result.then((result) => handleCatchResult(payload, result, def, ctx));
        }
        return handleCatchResult(payload, result, def, ctx);
    };
});
const $ZodNaN = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodNaN", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _ctx) => {
        if (typeof payload.value !== "number" || !Number.isNaN(payload.value)) {
            payload.issues.push({
                input: payload.value,
                inst,
                expected: "nan",
                code: "invalid_type",
            });
            return payload;
        }
        return payload;
    };
})));
const $ZodPipe = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodPipe", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.in._zod.values);
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.in._zod.optin);
    core_util/* defineLazyInternal */.v5(inst, "optout", (zod) => zod.def.out._zod.optout);
    core_util/* defineLazyInternal */.v5(inst, "propValues", (zod) => zod.def.in._zod.propValues);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            const right = def.out._zod.run(payload, ctx);
            if (right instanceof Promise) {
                return right.then((right) => handlePipeResult(right, def.in, ctx));
            }
            return handlePipeResult(right, def.in, ctx);
        }
        const left = def.in._zod.run(payload, ctx);
        if (left instanceof Promise) {
            return left.then((left) => handlePipeResult(left, def.out, ctx));
        }
        return handlePipeResult(left, def.out, ctx);
    };
});
function handlePipeResult(left, next, ctx) {
    // Any issue stops the pipe, so a failing refinement never feeds its transform. An unrecognized key is the exception: it describes the input's extra properties, not the value being piped, and an enclosing intersection may yet reconcile it.
    if (left.issues.some((iss) => iss.code !== "unrecognized_keys")) {
        // prevent further checks
        left.aborted = true;
        return left;
    }
    return next._zod.run({ value: left.value, issues: left.issues }, ctx);
}
const $ZodCodec = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCodec", (inst, def) => {
    $ZodType.init(inst, def);
    util.defineLazyInternal(inst, "values", (zod) => zod.def.in._zod.values);
    util.defineLazyInternal(inst, "optin", (zod) => zod.def.in._zod.optin);
    util.defineLazyInternal(inst, "optout", (zod) => zod.def.out._zod.optout);
    util.defineLazyInternal(inst, "propValues", (zod) => zod.def.in._zod.propValues);
    inst._zod.parse = (payload, ctx) => {
        const direction = ctx.direction || "forward";
        if (direction === "forward") {
            const left = def.in._zod.run(payload, ctx);
            if (left instanceof Promise) {
                return left.then((left) => handleCodecAResult(left, def, ctx));
            }
            return handleCodecAResult(left, def, ctx);
        }
        else {
            const right = def.out._zod.run(payload, ctx);
            if (right instanceof Promise) {
                return right.then((right) => handleCodecAResult(right, def, ctx));
            }
            return handleCodecAResult(right, def, ctx);
        }
    };
})));
function handleCodecAResult(result, def, ctx) {
    if (result.issues.length) {
        // prevent further checks
        result.aborted = true;
        return result;
    }
    const direction = ctx.direction || "forward";
    if (direction === "forward") {
        const transformed = def.transform(result.value, result);
        if (transformed instanceof Promise) {
            return transformed.then((value) => handleCodecTxResult(result, value, def.out, ctx));
        }
        return handleCodecTxResult(result, transformed, def.out, ctx);
    }
    else {
        const transformed = def.reverseTransform(result.value, result);
        if (transformed instanceof Promise) {
            return transformed.then((value) => handleCodecTxResult(result, value, def.in, ctx));
        }
        return handleCodecTxResult(result, transformed, def.in, ctx);
    }
}
function handleCodecTxResult(left, value, nextSchema, ctx) {
    // Check if transform added any issues
    if (left.issues.length) {
        left.aborted = true;
        return left;
    }
    return nextSchema._zod.run({ value, issues: left.issues }, ctx);
}
const $ZodPreprocess = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodPreprocess", (inst, def) => {
    $ZodPipe.init(inst, def);
});
const $ZodReadonly = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodReadonly", (inst, def) => {
    $ZodType.init(inst, def);
    core_util/* defineLazyInternal */.v5(inst, "propValues", (zod) => zod.def.innerType._zod.propValues);
    core_util/* defineLazyInternal */.v5(inst, "values", (zod) => zod.def.innerType._zod.values);
    core_util/* defineLazyInternal */.v5(inst, "optin", (zod) => zod.def.innerType?._zod?.optin);
    core_util/* defineLazyInternal */.v5(inst, "optout", (zod) => zod.def.innerType?._zod?.optout);
    inst._zod.parse = (payload, ctx) => {
        if (ctx.direction === "backward") {
            return def.innerType._zod.run(payload, ctx);
        }
        const result = def.innerType._zod.run(payload, ctx);
        if (result instanceof Promise) {
            return result.then(handleReadonlyResult);
        }
        return handleReadonlyResult(result);
    };
});
function handleReadonlyResult(payload) {
    // A repeat visit hands back a node that is still being built; freezing it here would make the rest of its keys fail to assign.
    if (!payload.memo)
        payload.value = Object.freeze(payload.value);
    return payload;
}
// a leaf's pattern source with its own checks folded in: the last pattern-carrying check wins, else length bounds narrow the catch-all, else an integer format narrows the number form. the fold lives here instead of on `_zod.pattern` so a bundle without template literals never pays for it
function leafPattern(schema) {
    const def = schema._zod.def;
    let pattern = def.pattern;
    let isInt = !!def.format?.includes("int");
    let minimum;
    let maximum;
    for (const ch of def.checks ?? []) {
        const d = ch._zod.def;
        if (d.pattern)
            pattern = d.pattern;
        isInt || (isInt = !!d.format?.includes("int"));
        const lo = d.minimum ?? d.length;
        const hi = d.maximum ?? d.length;
        if (lo !== undefined && (minimum === undefined || lo > minimum))
            minimum = lo;
        if (hi !== undefined && (maximum === undefined || hi < maximum))
            maximum = hi;
    }
    if (pattern)
        return pattern.source;
    // an empty range matches nothing at runtime, and `{8,5}` is not a legal quantifier
    if (minimum !== undefined && maximum !== undefined && minimum > maximum)
        return "(?!)";
    if (minimum !== undefined || maximum !== undefined)
        return regexes.string({ minimum, maximum }).source;
    const own = schema._zod.pattern;
    return (isInt && own === regexes.number ? regexes.integer : own)?.source;
}
// a part's pattern source. a wrapper's pattern embeds its inner pattern's source verbatim, so the folded form is substituted in place without knowing the wrapper's own composition; a union's options are joined the way the union builds its own pattern
function partPattern(schema) {
    const def = schema._zod.def;
    const own = schema._zod.pattern?.source;
    // lazy resolves its inner on the internals, not the def
    const inner = def.innerType ?? schema._zod.innerType;
    if (inner) {
        const before = inner._zod.pattern?.source;
        const after = partPattern(inner);
        if (own && before && after && after !== before) {
            return own.replace(util.cleanRegex(before), () => util.cleanRegex(after));
        }
        return own;
    }
    if (def.options) {
        const sources = def.options.map(partPattern);
        if (sources.every(Boolean))
            return `^(${sources.map((s) => util.cleanRegex(s)).join("|")})$`;
    }
    return leafPattern(schema);
}
const $ZodTemplateLiteral = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodTemplateLiteral", (inst, def) => {
    $ZodType.init(inst, def);
    const regexParts = [];
    for (const part of def.parts) {
        if (typeof part === "object" && part !== null) {
            // is Zod schema
            const source = partPattern(part);
            if (!source) {
                throw new Error(`Invalid template literal part, no pattern found: ${[...part._zod.traits].shift()}`);
            }
            regexParts.push(util.cleanRegex(source));
        }
        else if (part === null || util.primitiveTypes.has(typeof part)) {
            regexParts.push(util.escapeRegex(`${part}`));
        }
        else {
            throw new Error(`Invalid template literal part: ${part}`);
        }
    }
    inst._zod.pattern = new RegExp(`^${regexParts.join("")}$`);
    inst._zod.parse = (payload, _ctx) => {
        if (typeof payload.value !== "string") {
            payload.issues.push({
                input: payload.value,
                inst,
                expected: "string",
                code: "invalid_type",
            });
            return payload;
        }
        inst._zod.pattern.lastIndex = 0;
        if (!inst._zod.pattern.test(payload.value)) {
            payload.issues.push({
                input: payload.value,
                inst,
                code: "invalid_format",
                format: def.format ?? "template_literal",
                pattern: inst._zod.pattern.source,
            });
            return payload;
        }
        return payload;
    };
})));
const $ZodFunction = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodFunction", (inst, def) => {
    $ZodType.init(inst, def);
    // Defined, not assigned: the classic prototype exposes `_def` as a getter with no setter.
    Object.defineProperty(inst, "_def", { value: def });
    inst._zod.def = def;
    inst.implement = (func) => {
        if (typeof func !== "function") {
            throw new Error("implement() must be called with a function");
        }
        // Defined inline so the closure stays anonymous: binding it to a `const` first names it, which costs 256 bytes per implemented function.
        return Object.defineProperty(function (...args) {
            const parsedArgs = inst._def.input ? parse(inst._def.input, args) : args;
            const result = Reflect.apply(func, this, parsedArgs);
            if (inst._def.output) {
                return parse(inst._def.output, result);
            }
            return result;
        }, "_zod", { value: inst._zod, enumerable: false });
    };
    inst.implementAsync = (func) => {
        if (typeof func !== "function") {
            throw new Error("implementAsync() must be called with a function");
        }
        return Object.defineProperty(async function (...args) {
            const parsedArgs = inst._def.input ? await parseAsync(inst._def.input, args) : args;
            const result = await Reflect.apply(func, this, parsedArgs);
            if (inst._def.output) {
                return await parseAsync(inst._def.output, result);
            }
            return result;
        }, "_zod", { value: inst._zod, enumerable: false });
    };
    inst._zod.parse = (payload, _ctx) => {
        if (typeof payload.value !== "function") {
            payload.issues.push({
                code: "invalid_type",
                expected: "function",
                input: payload.value,
                inst,
            });
            return payload;
        }
        // Check if output is a promise type to determine if we should use async implementation
        const hasPromiseOutput = inst._def.output && inst._def.output._zod.def.type === "promise";
        if (hasPromiseOutput) {
            payload.value = inst.implementAsync(payload.value);
        }
        else {
            payload.value = inst.implement(payload.value);
        }
        return payload;
    };
    inst.input = (...args) => {
        const F = inst.constructor;
        if (Array.isArray(args[0])) {
            return new F({
                type: "function",
                input: new $ZodTuple({
                    type: "tuple",
                    items: args[0],
                    rest: args[1],
                }),
                output: inst._def.output,
            });
        }
        return new F({
            type: "function",
            input: args[0],
            output: inst._def.output,
        });
    };
    inst.output = (output) => {
        const F = inst.constructor;
        return new F({
            type: "function",
            input: inst._def.input,
            output,
        });
    };
    return inst;
})));
const $ZodPromise = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodPromise", (inst, def) => {
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, ctx) => {
        return Promise.resolve(payload.value).then((inner) => def.innerType._zod.run({ value: inner, issues: [] }, ctx));
    };
})));
const $ZodLazy = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodLazy", (inst, def) => {
    $ZodType.init(inst, def);
    // Cache the resolved inner type on the shared `def` so all clones of this lazy (e.g. via `.describe()`/`.meta()`) share the same inner instance, preserving identity for cycle detection on recursive schemas.
    util.defineLazy(inst._zod, "innerType", () => {
        const d = def;
        if (!d._cachedInner)
            d._cachedInner = def.getter();
        return d._cachedInner;
    });
    util.defineLazyInternal(inst, "pattern", (zod) => zod.innerType?._zod?.pattern);
    util.defineLazyInternal(inst, "propValues", (zod) => zod.innerType?._zod?.propValues);
    util.defineLazyInternal(inst, "optin", (zod) => zod.innerType?._zod?.optin ?? undefined);
    util.defineLazyInternal(inst, "optout", (zod) => zod.innerType?._zod?.optout ?? undefined);
    inst._zod.parse = (payload, ctx) => {
        const inner = inst._zod.innerType;
        return inner._zod.run(payload, ctx);
    };
})));
const $ZodCustom = /*@__PURE__*/ core_core/* $constructor */.xI("$ZodCustom", (inst, def) => {
    core_checks/* $ZodCheck */.QP.init(inst, def);
    $ZodType.init(inst, def);
    inst._zod.parse = (payload, _) => {
        return payload;
    };
    inst._zod.check = (payload) => {
        const input = payload.value;
        const r = def.fn(input);
        if (r instanceof Promise) {
            return r.then((r) => handleRefineResult(r, payload, input, inst));
        }
        handleRefineResult(r, payload, input, inst);
        return;
    };
});
function handleRefineResult(result, payload, input, inst) {
    if (!result) {
        const _iss = {
            code: "custom",
            input,
            inst, // incorporates params.error into issue reporting
            path: [...(inst._zod.def.path ?? [])], // incorporates params.error into issue reporting
            continue: !inst._zod.def.abort,
            // params: inst._zod.def.params,
        };
        if (inst._zod.def.params)
            _iss.params = inst._zod.def.params;
        payload.issues.push(core_util/* issue */.sn(_iss));
    }
}

// EXTERNAL MODULE: ./node_modules/zod/v4/core/registries.js
var registries = __nccwpck_require__(9396);
// EXTERNAL MODULE: ./node_modules/zod/v4/core/api.js
var api = __nccwpck_require__(3759);
;// CONCATENATED MODULE: ./node_modules/zod/v4/core/to-json-schema.js


function assignProps(target, ...sources) {
    for (const source of sources) {
        for (const key of Reflect.ownKeys(source)) {
            if (Object.prototype.propertyIsEnumerable.call(source, key)) {
                (0,core_util/* assignProp */.Vy)(target, key, source[key]);
            }
        }
    }
    return target;
}
// function initializeContext<T extends schemas.$ZodType>(inputs: JSONSchemaGeneratorParams<T>): ToJSONSchemaContext<T> {
//   return {
//     processor: inputs.processor,
//     metadataRegistry: inputs.metadata ?? globalRegistry,
//     target: inputs.target ?? "draft-2020-12",
//     unrepresentable: inputs.unrepresentable ?? "throw",
//   };
// }
function to_json_schema_initializeContext(params) {
    // Normalize target: convert old non-hyphenated versions to hyphenated versions
    let target = params?.target ?? "draft-2020-12";
    if (target === "draft-4")
        target = "draft-04";
    if (target === "draft-7")
        target = "draft-07";
    return {
        processors: params.processors ?? {},
        metadataRegistry: params?.metadata ?? registries/* globalRegistry */.fd,
        target,
        unrepresentable: params?.unrepresentable ?? "throw",
        override: params?.override ?? (() => { }),
        io: params?.io ?? "output",
        counter: 0,
        seen: new Map(),
        sharedDefsExtractedFor: undefined,
        sharedEmitDoneFor: undefined,
        cycles: params?.cycles ?? "ref",
        reused: params?.reused ?? "inline",
        intersections: [],
        deferred: [],
        external: params?.external ?? undefined,
    };
}
/**
 * Applies the `unrepresentable` setting at a site that has no JSON Schema equivalent. Throws
 * `message` unless the setting (or the handler's return value) says otherwise. Returns `true` if a
 * custom JSON Schema was written into `json`, in which case the caller must not write its own.
 */
function handleUnrepresentable(schema, ctx, json, params, message) {
    const result = typeof ctx.unrepresentable === "function"
        ? ctx.unrepresentable({ zodSchema: schema, path: params.path, message })
        : ctx.unrepresentable;
    if (result === "any")
        return false;
    if (result === undefined || result === "throw")
        throw new Error(message);
    Object.assign(json, result);
    return true;
}
// never rename this back to `process`: bundler polyfills inject a top-level `const process` that a lexical declaration of the same name collides with (#6397)
function to_json_schema_processSchema(schema, ctx, _params = { path: [], schemaPath: [] }) {
    var _a;
    const def = schema._zod.def;
    // check for schema in seens
    const seen = ctx.seen.get(schema);
    if (seen) {
        seen.count++;
        // check if cycle
        const isCycle = _params.schemaPath.includes(schema);
        if (isCycle) {
            seen.cycle = _params.path;
        }
        return seen.schema;
    }
    // initialize
    const result = { schema: {}, count: 1, cycle: undefined, path: _params.path };
    ctx.seen.set(schema, result);
    ctx.sharedDefsExtractedFor = undefined;
    ctx.sharedEmitDoneFor = undefined;
    // custom method overrides default behavior
    const overrideSchema = schema._zod.toJSONSchema?.();
    if (overrideSchema) {
        result.schema = overrideSchema;
    }
    else {
        const params = {
            ..._params,
            schemaPath: [..._params.schemaPath, schema],
            path: _params.path,
        };
        if (schema._zod.processJSONSchema) {
            schema._zod.processJSONSchema(ctx, result.schema, params);
        }
        else {
            const _json = result.schema;
            const processor = ctx.processors[def.type];
            if (!processor) {
                throw new Error(`[toJSONSchema]: Non-representable type encountered: ${def.type}`);
            }
            processor(schema, ctx, _json, params);
        }
        const parent = schema._zod.parent;
        if (parent) {
            // Also set ref if processor didn't (for inheritance)
            if (!result.ref)
                result.ref = parent;
            to_json_schema_processSchema(parent, ctx, params);
            ctx.seen.get(parent).isParent = true;
        }
    }
    // metadata
    const meta = ctx.metadataRegistry.get(schema);
    if (meta)
        assignProps(result.schema, meta);
    if (ctx.io === "input" && isTransforming(schema)) {
        // examples/defaults only apply to output type of pipe
        delete result.schema.examples;
        delete result.schema.default;
    }
    // set prefault as default
    if (ctx.io === "input" && "_prefault" in result.schema)
        (_a = result.schema).default ?? (_a.default = result.schema._prefault);
    delete result.schema._prefault;
    // pulling fresh from ctx.seen in case it was overwritten
    const _result = ctx.seen.get(schema);
    return _result.schema;
}
/** @deprecated Renamed to `processSchema`. An export alias declares no binding, so it is safe to keep. */

// Escape a reference token for use in a JSON Pointer fragment (RFC 6901): `~` becomes `~0` and `/` becomes `~1`. The `~` replacement must run first.
function encodeJSONPointerSegment(segment) {
    return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
function to_json_schema_extractDefs(ctx, schema
// params: EmitParams
) {
    // iterate over seen map;
    const root = ctx.seen.get(schema);
    if (!root)
        throw new Error("Unprocessed schema. This is a bug in Zod.");
    // With `external` set, every registered schema resolves through the external branch of `makeURI`, so the root branch below produces the same ref the external branch would — this pass is identical whichever schema it is called with, and only needs to run once.
    if (ctx.external && ctx.sharedDefsExtractedFor === ctx.external)
        return;
    // Track ids to detect duplicates across different schemas
    const idToSchema = new Map();
    for (const entry of ctx.seen.entries()) {
        const id = ctx.metadataRegistry.get(entry[0])?.id;
        if (id) {
            const existing = idToSchema.get(id);
            if (existing && existing !== entry[0]) {
                throw new Error(`Duplicate schema id "${id}" detected during JSON Schema conversion. Two different schemas cannot share the same id when converted together.`);
            }
            idToSchema.set(id, entry[0]);
        }
    }
    // returns a ref to the schema defId will be empty if the ref points to an external schema (or #)
    const makeURI = (entry) => {
        // comparing the seen objects because sometimes multiple schemas map to the same seen object. e.g. lazy
        // external is configured
        const defsSegment = ctx.target === "draft-2020-12" ? "$defs" : "definitions";
        if (ctx.external) {
            const externalId = ctx.external.registry.get(entry[0])?.id; // ?? "__shared";// `__schema${ctx.counter++}`;
            // check if schema is in the external registry
            const uriGenerator = ctx.external.uri ?? ((id) => id);
            if (externalId) {
                return { ref: uriGenerator(externalId) };
            }
            // otherwise, add to __shared
            const id = entry[1].defId ?? entry[1].schema.id ?? `schema${ctx.counter++}`;
            entry[1].defId = id; // set defId so it will be reused if needed
            return { defId: id, ref: `${uriGenerator("__shared")}#/${defsSegment}/${encodeJSONPointerSegment(id)}` };
        }
        const uriPrefix = `#`;
        const defUriPrefix = `${uriPrefix}/${defsSegment}/`;
        // an id-less root has nowhere to be extracted to, so it stays inline and self-references as `#`
        if (entry[1] === root && !entry[1].schema.id) {
            return { ref: uriPrefix };
        }
        // self-contained schema
        const defId = entry[1].schema.id ?? `__schema${ctx.counter++}`;
        return { defId, ref: defUriPrefix + encodeJSONPointerSegment(defId) };
    };
    // stored cached version in `def` property remove all properties, set $ref
    const extractToDef = (entry) => {
        // if the schema is already a reference, do not extract it
        if (entry[1].schema.$ref) {
            return;
        }
        const seen = entry[1];
        const { ref, defId } = makeURI(entry);
        seen.def = { ...seen.schema };
        // defId won't be set if the schema is a reference to an external schema or if the schema is the root schema
        if (defId)
            seen.defId = defId;
        // wipe away all properties except $ref
        const schema = seen.schema;
        for (const key in schema) {
            delete schema[key];
        }
        schema.$ref = ref;
    };
    // throw on cycles
    // break cycles
    if (ctx.cycles === "throw") {
        for (const entry of ctx.seen.entries()) {
            const seen = entry[1];
            if (seen.cycle) {
                throw new Error("Cycle detected: " +
                    `#/${seen.cycle?.join("/")}/<root>` +
                    '\n\nSet the `cycles` parameter to `"ref"` to resolve cyclical schemas with defs.');
            }
        }
    }
    // extract schemas into $defs
    for (const entry of ctx.seen.entries()) {
        const seen = entry[1];
        // convert root schema to # $ref
        if (schema === entry[0]) {
            extractToDef(entry); // this has special handling for the root schema
            continue;
        }
        // extract schemas that are in the external registry
        if (ctx.external) {
            const ext = ctx.external.registry.get(entry[0])?.id;
            if (schema !== entry[0] && ext) {
                extractToDef(entry);
                continue;
            }
        }
        // extract schemas with `id` meta
        const id = ctx.metadataRegistry.get(entry[0])?.id;
        if (id) {
            extractToDef(entry);
            continue;
        }
        // break cycles
        if (seen.cycle) {
            // any
            extractToDef(entry);
            continue;
        }
        // extract reused schemas
        if (seen.count > 1) {
            if (ctx.reused === "ref") {
                extractToDef(entry);
            }
        }
    }
    if (ctx.external)
        ctx.sharedDefsExtractedFor = ctx.external;
}
/** Rewrites `anyOf: [{type: "a"}, {type: "b"}]` to `type: ["a", "b"]`, which every JSON Schema draft treats as equivalent and most consumers render far better for the nullable case. Only branches that are a bare type assertion qualify — anything carrying a constraint, `$ref`, `const` or metadata is left alone. Runs after `flattenRef`, so a branch an override decorated or `$defs` extraction turned into a `$ref` is no longer bare and correctly stays in `anyOf`. `oneOf` is excluded: `integer` and `number` overlap, so "exactly one" and "at least one" are not the same there. OpenAPI 3.0 is excluded: its `type` must be a single string. */
function compactTypeUnion(schema) {
    const options = schema.anyOf;
    if (!Array.isArray(options) || options.length === 0 || schema.type !== undefined)
        return;
    const types = [];
    for (const option of options) {
        if (!option || typeof option !== "object")
            return;
        // A branch that is itself a compactible union folds into this one — nested `anyOf` and a flat `type` array say the same thing. Compacting it first also makes the result independent of the order this pass walks the seen map in.
        compactTypeUnion(option);
        const keys = Object.keys(option);
        if (keys.length !== 1 || keys[0] !== "type")
            return;
        const type = option.type;
        for (const member of Array.isArray(type) ? type : [type]) {
            if (typeof member !== "string")
                return;
            if (!types.includes(member))
                types.push(member);
        }
    }
    delete schema.anyOf;
    // A `type` array must be non-empty and unique (metaschema); a single member is spelled as a bare string.
    schema.type = types.length === 1 ? types[0] : types;
}
/** Keywords `foldIntersection` knows how to combine. Anything else — `$ref`, `patternProperties`,
 * an annotation like `description` — makes a member unfoldable, so a constraint this does not
 * understand leaves the `allOf` alone instead of being silently dropped or misattributed. */
const FOLDABLE_KEYS = new Set(["type", "properties", "required", "additionalProperties"]);
const UNION_KEYS = ["oneOf", "anyOf"];
/** A member's constraint on a key it does not declare itself. A `catchall` states one; `false`, an absent `additionalProperties`, and the empty schema a loose object emits state nothing. */
function undeclaredConstraint(member) {
    const extra = member.additionalProperties;
    if (extra === undefined || extra === false || typeof extra !== "object" || extra === null)
        return null;
    return Object.keys(extra).length ? extra : null;
}
/** Combines object members into the single object they describe together, or returns `null` if any of them carries a keyword outside {@link FOLDABLE_KEYS}. */
function foldObjects(members) {
    const objects = [];
    for (const member of members) {
        // A boolean subschema is legal JSON Schema and carries no keywords to fold.
        if (typeof member !== "object" || member.type !== "object")
            return null;
        for (const key in member) {
            if (!FOLDABLE_KEYS.has(key))
                return null;
        }
        objects.push(member);
    }
    const properties = {};
    const required = new Set();
    for (const object of objects) {
        for (const key in object.properties) {
            // `in` would report a `__proto__` key as already present via the prototype chain and skip it.
            if (Object.prototype.hasOwnProperty.call(properties, key))
                continue;
            // Every member constrains this key: the ones that declare it say how, and a `catchall` member constrains it too even though it does not name it. The key has to satisfy all of them, which is the same intersection one level down.
            const parts = [];
            for (const other of objects) {
                const part = other.properties?.[key] ?? undeclaredConstraint(other);
                if (part === null || part === undefined)
                    continue;
                if (!parts.some((seen) => JSON.stringify(seen) === JSON.stringify(part)))
                    parts.push(part);
            }
            const merged = parts.length === 1
                ? parts[0]
                : (foldObjects(parts) ?? { allOf: parts });
            (0,core_util/* assignProp */.Vy)(properties, key, merged);
        }
        for (const key of object.required ?? [])
            required.add(key);
    }
    const folded = { type: "object", properties };
    if (required.size)
        folded.required = [...required];
    // A key no member declares is rejected only when every member rejects it, so the fold is closed only when every member is. Otherwise it carries whatever the `catchall` members demand of such a key.
    if (objects.every((object) => object.additionalProperties === false)) {
        folded.additionalProperties = false;
    }
    else {
        const constraints = [];
        for (const object of objects) {
            const constraint = undeclaredConstraint(object);
            if (constraint && !constraints.some((seen) => JSON.stringify(seen) === JSON.stringify(constraint)))
                constraints.push(constraint);
        }
        if (constraints.length === 1)
            folded.additionalProperties = constraints[0];
        else if (constraints.length > 1)
            folded.additionalProperties = { allOf: constraints };
    }
    return folded;
}
/** `additionalProperties` in an `allOf` member sees only that member's own `properties`, so two
 * closed object members reject each other's keys and the schema validates nothing. Zod's parser
 * pools the key sets instead — `handleIntersectionResults` reports a key as unrecognized only when
 * *every* side rejects it — so the emitted schema has to pool them too, and folding the members
 * into one object is the encoding that says so on every target.
 *
 * This runs from `finalize`, after `extractDefs`, which is what keeps it clear of the `$ref`
 * machinery: a member extracted into `$defs` is already a `$ref` by now and declines to fold, so it
 * keeps its reference and its own closedness rather than being inlined as a stale copy. */
function foldIntersection(json) {
    const allOf = json.allOf;
    if (!Array.isArray(allOf) || allOf.length < 2)
        return;
    // An `override` runs before this pass and may have written object keywords onto the intersection itself. Those are deliberate, so decline rather than overwrite them.
    for (const key of FOLDABLE_KEYS)
        if (key in json)
            return;
    // An intersection distributes over a union: `A & (X | Y)` is `(A & X) | (A & Y)`. Only the first union is distributed over; a second one stays among the members every branch folds against, where it fails the object check and declines the whole intersection rather than multiplying out.
    const unions = allOf.filter((m) => UNION_KEYS.some((k) => Array.isArray(m[k])));
    let folded = null;
    if (!unions.length) {
        folded = foldObjects(allOf);
    }
    else {
        const union = unions[0];
        const keyword = UNION_KEYS.find((k) => Array.isArray(union[k]));
        if (Object.keys(union).length !== 1)
            return;
        const rest = allOf.filter((m) => m !== union);
        const branches = union[keyword].map((branch) => foldObjects([...rest, branch]));
        if (branches.some((b) => !b))
            return;
        folded = { [keyword]: branches };
    }
    if (!folded)
        return;
    delete json.allOf;
    assignProps(json, folded);
}
function to_json_schema_finalize(ctx, schema) {
    const root = ctx.seen.get(schema);
    if (!root)
        throw new Error("Unprocessed schema. This is a bug in Zod.");
    // flatten refs - inherit properties from parent schemas
    const flattenRef = (zodSchema) => {
        const seen = ctx.seen.get(zodSchema);
        // already processed
        if (seen.ref === null)
            return;
        const schema = seen.def ?? seen.schema;
        const _cached = { ...schema };
        const ref = seen.ref;
        seen.ref = null; // prevent infinite recursion
        if (ref) {
            flattenRef(ref);
            const refSeen = ctx.seen.get(ref);
            const refSchema = refSeen.schema;
            // merge referenced schema into current
            if (refSchema.$ref && (ctx.target === "draft-07" || ctx.target === "draft-04" || ctx.target === "openapi-3.0")) {
                // older drafts can't combine $ref with other properties
                schema.allOf = schema.allOf ?? [];
                schema.allOf.push(refSchema);
            }
            else {
                assignProps(schema, refSchema);
            }
            // restore child's own properties (child wins)
            assignProps(schema, _cached);
            const isParentRef = zodSchema._zod.parent === ref;
            // For parent chain, child is a refinement - remove parent-only properties
            if (isParentRef) {
                for (const key in schema) {
                    if (key === "$ref" || key === "allOf")
                        continue;
                    if (!(key in _cached)) {
                        delete schema[key];
                    }
                }
            }
            // When ref was extracted to $defs, remove properties that match the definition
            if (refSchema.$ref && refSeen.def) {
                for (const key in schema) {
                    if (key === "$ref" || key === "allOf")
                        continue;
                    if (key in refSeen.def && JSON.stringify(schema[key]) === JSON.stringify(refSeen.def[key])) {
                        delete schema[key];
                    }
                }
            }
        }
        // If parent was extracted (has $ref), propagate $ref to this schema. This handles cases like: readonly().meta({id}).describe() where processor sets ref to innerType but parent should be referenced
        const parent = zodSchema._zod.parent;
        if (parent && parent !== ref) {
            // Ensure parent is processed first so its def has inherited properties
            flattenRef(parent);
            const parentSeen = ctx.seen.get(parent);
            if (parentSeen?.schema.$ref) {
                schema.$ref = parentSeen.schema.$ref;
                // De-duplicate with parent's definition
                if (parentSeen.def) {
                    for (const key in schema) {
                        if (key === "$ref" || key === "allOf")
                            continue;
                        if (key in parentSeen.def && JSON.stringify(schema[key]) === JSON.stringify(parentSeen.def[key])) {
                            delete schema[key];
                        }
                    }
                }
            }
        }
        // execute overrides
        ctx.override({
            zodSchema: zodSchema,
            jsonSchema: schema,
            path: seen.path ?? [],
        });
    };
    // Flattening walks the whole map and clears each `ref` as it goes, so a second call over the same map is a no-op scan. Skip it outright once it has run for a registry conversion.
    if (!ctx.external || ctx.sharedEmitDoneFor !== ctx.external) {
        for (const entry of [...ctx.seen.entries()].reverse()) {
            flattenRef(entry[0]);
        }
        if (ctx.target !== "openapi-3.0") {
            for (const entry of ctx.seen.entries()) {
                compactTypeUnion(entry[1].def ?? entry[1].schema);
            }
        }
        for (const rewrite of ctx.deferred)
            rewrite();
        // After flattening, every member that was extracted is a `$ref`, so the fold sees the final shape. A schema that inherits an intersection — through `z.lazy`, or any `ref` chain — holds the same `allOf` array, so fold by array identity to catch every copy.
        if (ctx.intersections.length) {
            const carriers = new Map();
            for (const seen of ctx.seen.values()) {
                for (const json of [seen.schema, seen.def]) {
                    const allOf = json?.allOf;
                    if (!Array.isArray(allOf))
                        continue;
                    const existing = carriers.get(allOf);
                    if (existing)
                        existing.push(json);
                    else
                        carriers.set(allOf, [json]);
                }
            }
            for (const allOf of ctx.intersections) {
                for (const json of carriers.get(allOf) ?? [])
                    foldIntersection(json);
            }
        }
    }
    const result = {};
    if (ctx.target === "draft-2020-12") {
        result.$schema = "https://json-schema.org/draft/2020-12/schema";
    }
    else if (ctx.target === "draft-07") {
        result.$schema = "http://json-schema.org/draft-07/schema#";
    }
    else if (ctx.target === "draft-04") {
        result.$schema = "http://json-schema.org/draft-04/schema#";
    }
    else if (ctx.target === "openapi-3.0") {
        // OpenAPI 3.0 schema objects should not include a $schema property
    }
    else {
        // Arbitrary string values are allowed but won't have a $schema property set
    }
    if (ctx.external?.uri) {
        const id = ctx.external.registry.get(schema)?.id;
        if (!id)
            throw new Error("Schema is missing an `id` property");
        result.$id = ctx.external.uri(id);
    }
    // when the root was extracted into $defs, `root.schema` is the `$ref` wrapper and `root.def` is the body that now lives under $defs
    assignProps(result, root.defId ? root.schema : (root.def ?? root.schema));
    // The `id` in `.meta()` is a Zod-specific registration tag used to extract schemas into $defs — it is not user-facing JSON Schema metadata. Strip it from the output body where it would otherwise leak. The id is preserved implicitly via the $defs key (and via $ref paths).
    const rootMetaId = ctx.metadataRegistry.get(schema)?.id;
    if (rootMetaId !== undefined && result.id === rootMetaId)
        delete result.id;
    // build defs object. With `external`, `defs` is the shared object every schema writes into, so the same entries are reassigned on every call. Without it, `defs` is fresh per call and must be rebuilt.
    const defs = ctx.external?.defs ?? {};
    if (!ctx.external || ctx.sharedEmitDoneFor !== ctx.external) {
        for (const entry of ctx.seen.entries()) {
            const seen = entry[1];
            if (seen.def && seen.defId) {
                if (seen.def.id === seen.defId)
                    delete seen.def.id;
                (0,core_util/* assignProp */.Vy)(defs, seen.defId, seen.def);
            }
        }
    }
    if (ctx.external)
        ctx.sharedEmitDoneFor = ctx.external;
    // set definitions in result
    if (ctx.external) {
    }
    else {
        if (Object.keys(defs).length > 0) {
            if (ctx.target === "draft-2020-12") {
                result.$defs = defs;
            }
            else {
                result.definitions = defs;
            }
        }
    }
    try {
        // this "finalizes" this schema and ensures all cycles are removed each call to finalize() is functionally independent though the seen map is shared
        const finalized = JSON.parse(JSON.stringify(result));
        Object.defineProperty(finalized, "~standard", {
            value: {
                ...schema["~standard"],
                jsonSchema: {
                    input: createStandardJSONSchemaMethod(schema, "input", ctx.processors),
                    output: createStandardJSONSchemaMethod(schema, "output", ctx.processors),
                },
            },
            enumerable: false,
            writable: false,
        });
        return finalized;
    }
    catch (_err) {
        throw new Error("Error converting schema to JSON.");
    }
}
function isTransforming(_schema, _ctx) {
    const ctx = _ctx ?? { seen: new Set() };
    if (ctx.seen.has(_schema))
        return false;
    ctx.seen.add(_schema);
    const def = _schema._zod.def;
    if (def.type === "transform")
        return true;
    if (def.type === "array")
        return isTransforming(def.element, ctx);
    if (def.type === "set")
        return isTransforming(def.valueType, ctx);
    if (def.type === "lazy")
        return isTransforming(def.getter(), ctx);
    if (def.type === "promise" ||
        def.type === "optional" ||
        def.type === "nonoptional" ||
        def.type === "nullable" ||
        def.type === "readonly" ||
        def.type === "default" ||
        def.type === "prefault" ||
        def.type === "catch") {
        return isTransforming(def.innerType, ctx);
    }
    if (def.type === "intersection") {
        return isTransforming(def.left, ctx) || isTransforming(def.right, ctx);
    }
    if (def.type === "record" || def.type === "map") {
        return isTransforming(def.keyType, ctx) || isTransforming(def.valueType, ctx);
    }
    if (def.type === "pipe") {
        if (_schema._zod.traits.has("$ZodCodec"))
            return true;
        return isTransforming(def.in, ctx) || isTransforming(def.out, ctx);
    }
    if (def.type === "object") {
        for (const key in def.shape) {
            if (isTransforming(def.shape[key], ctx))
                return true;
        }
        return false;
    }
    if (def.type === "union") {
        for (const option of def.options) {
            if (isTransforming(option, ctx))
                return true;
        }
        return false;
    }
    if (def.type === "tuple") {
        for (const item of def.items) {
            if (isTransforming(item, ctx))
                return true;
        }
        if (def.rest && isTransforming(def.rest, ctx))
            return true;
        return false;
    }
    return false;
}
/**
 * Creates a toJSONSchema method for a schema instance.
 * This encapsulates the logic of initializing context, processing, extracting defs, and finalizing.
 */
const createToJSONSchemaMethod = (schema, processors = {}) => (params) => {
    const ctx = to_json_schema_initializeContext({ ...params, processors });
    to_json_schema_processSchema(schema, ctx);
    to_json_schema_extractDefs(ctx, schema);
    return to_json_schema_finalize(ctx, schema);
};
const createStandardJSONSchemaMethod = (schema, io, processors = {}) => (params) => {
    const { libraryOptions, target } = params ?? {};
    const ctx = to_json_schema_initializeContext({ ...(libraryOptions ?? {}), target, io, processors });
    to_json_schema_processSchema(schema, ctx);
    to_json_schema_extractDefs(ctx, schema);
    return to_json_schema_finalize(ctx, schema);
};

;// CONCATENATED MODULE: ./node_modules/zod/v4/core/json-schema-processors.js




const narrowMin = (agg, key, value) => {
    if (agg[key] === undefined || value > agg[key])
        agg[key] = value;
};
const narrowMax = (agg, key, value) => {
    if (agg[key] === undefined || value < agg[key])
        agg[key] = value;
};
const narrowBoth = (agg, value) => {
    narrowMin(agg, "minimum", value);
    narrowMax(agg, "maximum", value);
};
const addDivisor = (agg, value) => {
    agg.multipleOf ?? (agg.multipleOf = []);
    if (!agg.multipleOf.includes(value))
        agg.multipleOf.push(value);
};
const addPattern = (agg, pattern) => {
    agg.patterns ?? (agg.patterns = new Set());
    agg.patterns.add(pattern);
};
const intersectMime = (agg, mime) => {
    agg.mime = agg.mime ? agg.mime.filter((m) => mime.includes(m)) : [...mime];
};
// last-wins, matching the bag's historical write order; the flag keeps an integer format from being lost to a later float one
const setFormat = (agg, format) => {
    agg.format = format;
    if (format.includes("int"))
        agg.isInt = true;
};
const minContributor = (agg, def) => narrowMin(agg, "minimum", def.minimum);
const maxContributor = (agg, def) => narrowMax(agg, "maximum", def.maximum);
const formatContributor = (ranges) => (agg, def) => {
    setFormat(agg, def.format);
    const [minimum, maximum] = ranges[def.format];
    narrowMin(agg, "minimum", minimum);
    narrowMax(agg, "maximum", maximum);
};
const contributors = {
    greater_than: (agg, def) => narrowMin(agg, def.inclusive ? "minimum" : "exclusiveMinimum", def.value),
    less_than: (agg, def) => narrowMax(agg, def.inclusive ? "maximum" : "exclusiveMaximum", def.value),
    multiple_of: (agg, def) => addDivisor(agg, def.value),
    number_format: formatContributor(core_util/* NUMBER_FORMAT_RANGES */.zH),
    bigint_format: formatContributor(core_util/* BIGINT_FORMAT_RANGES */.NR),
    min_length: minContributor,
    max_length: maxContributor,
    length_equals: (agg, def) => narrowBoth(agg, def.length),
    min_size: minContributor,
    max_size: maxContributor,
    size_equals: (agg, def) => narrowBoth(agg, def.size),
    string_format: (agg, def) => {
        setFormat(agg, def.format);
        if (def.pattern)
            addPattern(agg, def.pattern);
        if (def.format === "base64" || def.format === "base64url")
            agg.contentEncoding = def.format;
        if (def.local || def.precision === -1)
            agg.laxFormat = true;
    },
    mime_type: (agg, def) => intersectMime(agg, def.mime),
};
function aggregateChecks(schema) {
    const agg = {};
    const def = schema._zod.def;
    // a format schema is its own first check, same rule as $ZodType init
    const list = schema._zod.traits.has("$ZodCheck")
        ? [schema, ...(def.checks ?? [])]
        : (def.checks ?? []);
    for (const ch of list)
        contributors[ch._zod.def.check]?.(agg, ch._zod.def);
    // reconcile with the bag so third-party onattach contributions still land; first-party residue is never tighter than the fold, so merging it back is idempotent for one and additive for the other
    const bag = schema._zod.bag;
    if (bag.minimum !== undefined)
        narrowMin(agg, "minimum", bag.minimum);
    if (bag.exclusiveMinimum !== undefined)
        narrowMin(agg, "exclusiveMinimum", bag.exclusiveMinimum);
    if (bag.maximum !== undefined)
        narrowMax(agg, "maximum", bag.maximum);
    if (bag.exclusiveMaximum !== undefined)
        narrowMax(agg, "exclusiveMaximum", bag.exclusiveMaximum);
    if (bag.multipleOf !== undefined)
        addDivisor(agg, bag.multipleOf);
    if (bag.format !== undefined) {
        agg.format ?? (agg.format = bag.format);
        if (bag.format.includes("int"))
            agg.isInt = true;
    }
    if (bag.mime)
        intersectMime(agg, bag.mime);
    for (const pattern of bag.patterns ?? [])
        addPattern(agg, pattern);
    return agg;
}
const formatMap = {
    guid: "uuid",
    url: "uri",
    datetime: "date-time",
    json_string: "json-string",
    regex: "", // do not set
};
// ==================== SIMPLE TYPE PROCESSORS ====================
// the runtime patterns are lax so parse paths never overflow the regex stack; the emitted schema swaps in the exact block forms, which zod itself never executes
const exactPatterns = new Map([
    [base64Charset, core_regexes/* base64 */.K3],
    [base64urlCharset, core_regexes/* base64url */.r0],
]);
const exactPattern = (p) => exactPatterns.get(p) ?? p;
const stringProcessor = (schema, ctx, _json, _params) => {
    const json = _json;
    json.type = "string";
    const { minimum, maximum, format, patterns, contentEncoding, laxFormat } = aggregateChecks(schema);
    if (typeof minimum === "number")
        json.minLength = minimum;
    if (typeof maximum === "number")
        json.maxLength = maximum;
    // custom pattern overrides format
    if (format) {
        json.format = formatMap[format] ?? format;
        if (json.format === "")
            delete json.format; // empty format is not valid
        // `z.iso.time()` is never full-time, and `laxFormat` carries the datetime shapes that also accept what their keyword forbids
        if (format === "time" || laxFormat) {
            delete json.format;
        }
    }
    if (contentEncoding)
        json.contentEncoding = contentEncoding;
    if (patterns && patterns.size > 0) {
        const patternList = [...patterns].map(exactPattern);
        if (patternList.length === 1)
            json.pattern = patternList[0].source;
        else if (patternList.length > 1) {
            json.allOf = [
                ...patternList.map((regex) => ({
                    ...(ctx.target === "draft-07" || ctx.target === "draft-04" || ctx.target === "openapi-3.0"
                        ? { type: "string" }
                        : {}),
                    pattern: regex.source,
                })),
            ];
        }
    }
};
const numberProcessor = (schema, ctx, _json, params) => {
    const json = _json;
    const { minimum, maximum, multipleOf, exclusiveMaximum, exclusiveMinimum, isInt } = aggregateChecks(schema);
    json.type = isInt ? "integer" : "number";
    // when both minimum and exclusiveMinimum exist, pick the more restrictive one
    const exMin = typeof exclusiveMinimum === "number" && exclusiveMinimum >= (minimum ?? Number.NEGATIVE_INFINITY);
    const exMax = typeof exclusiveMaximum === "number" && exclusiveMaximum <= (maximum ?? Number.POSITIVE_INFINITY);
    const legacy = ctx.target === "draft-04" || ctx.target === "openapi-3.0";
    if (exMin) {
        if (legacy) {
            json.minimum = exclusiveMinimum;
            json.exclusiveMinimum = true;
        }
        else {
            json.exclusiveMinimum = exclusiveMinimum;
        }
    }
    else if (typeof minimum === "number") {
        json.minimum = minimum;
    }
    if (exMax) {
        if (legacy) {
            json.maximum = exclusiveMaximum;
            json.exclusiveMaximum = true;
        }
        else {
            json.exclusiveMaximum = exclusiveMaximum;
        }
    }
    else if (typeof maximum === "number") {
        json.maximum = maximum;
    }
    if (multipleOf) {
        // JSON Schema requires a divisor strictly greater than zero, and a non-finite one does not survive JSON at all. A negative divisor accepts exactly what its absolute value accepts, so it still maps; zero, NaN and Infinity have no keyword form.
        const divisors = new Set();
        for (const divisor of multipleOf) {
            if (Number.isFinite(divisor) && divisor !== 0)
                divisors.add(Math.abs(divisor));
            else
                handleUnrepresentable(schema, ctx, json, params, `A multipleOf divisor of ${divisor} cannot be represented in JSON Schema`);
        }
        // chained divisors are a conjunction the keyword cannot carry alone, so extras ride an allOf, same as stacked patterns
        const [first, ...rest] = divisors;
        if (first !== undefined)
            json.multipleOf = first;
        if (rest.length)
            json.allOf = [...(json.allOf ?? []), ...rest.map((m) => ({ multipleOf: m }))];
    }
};
const booleanProcessor = (_schema, _ctx, json, _params) => {
    json.type = "boolean";
};
const bigintProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "BigInt cannot be represented in JSON Schema");
};
const symbolProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Symbols cannot be represented in JSON Schema");
};
const nullProcessor = (_schema, ctx, json, _params) => {
    if (ctx.target === "openapi-3.0") {
        json.type = "string";
        json.nullable = true;
        json.enum = [null];
    }
    else {
        json.type = "null";
    }
};
const undefinedProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Undefined cannot be represented in JSON Schema");
};
const voidProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Void cannot be represented in JSON Schema");
};
const neverProcessor = (_schema, _ctx, json, _params) => {
    json.not = {};
};
const anyProcessor = (_schema, _ctx, _json, _params) => {
    // empty schema accepts anything
};
const unknownProcessor = (_schema, _ctx, _json, _params) => {
    // empty schema accepts anything
};
const dateProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Date cannot be represented in JSON Schema");
};
const enumProcessor = (schema, _ctx, json, _params) => {
    const def = schema._zod.def;
    const values = (0,core_util/* getEnumValues */.w5)(def.entries);
    // an empty enum accepts nothing, same as z.never()
    if (values.length === 0) {
        json.not = {};
        return;
    }
    // Number enums can have both string and number values
    if (values.every((v) => typeof v === "number"))
        json.type = "number";
    if (values.every((v) => typeof v === "string"))
        json.type = "string";
    json.enum = values;
};
const literalProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    // a literal with no values accepts nothing, same as z.never()
    if (def.values.length === 0) {
        json.not = {};
        return;
    }
    const vals = [];
    for (const val of def.values) {
        if (val === undefined) {
            // a custom schema replaces the whole literal, so there is nothing left to accumulate
            if (handleUnrepresentable(schema, ctx, json, params, "Literal `undefined` cannot be represented in JSON Schema"))
                return;
            // otherwise do not add to vals
        }
        else if (typeof val === "bigint") {
            if (handleUnrepresentable(schema, ctx, json, params, "BigInt literals cannot be represented in JSON Schema"))
                return;
            vals.push(Number(val));
        }
        else {
            vals.push(val);
        }
    }
    if (vals.length === 0) {
        // do nothing (an undefined literal was stripped)
    }
    else if (vals.length === 1) {
        const val = vals[0];
        json.type = val === null ? "null" : typeof val;
        if (ctx.target === "draft-04" || ctx.target === "openapi-3.0") {
            json.enum = [val];
        }
        else {
            json.const = val;
        }
    }
    else {
        if (vals.every((v) => typeof v === "number"))
            json.type = "number";
        if (vals.every((v) => typeof v === "string"))
            json.type = "string";
        if (vals.every((v) => typeof v === "boolean"))
            json.type = "boolean";
        if (vals.every((v) => v === null))
            json.type = "null";
        json.enum = vals;
    }
};
const nanProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "NaN cannot be represented in JSON Schema");
};
const templateLiteralProcessor = (schema, _ctx, json, _params) => {
    const _json = json;
    const pattern = schema._zod.pattern;
    if (!pattern)
        throw new Error("Pattern not found in template literal");
    _json.type = "string";
    _json.pattern = pattern.source;
};
const fileProcessor = (schema, _ctx, json, _params) => {
    const _json = json;
    _json.type = "string";
    _json.format = "binary";
    _json.contentEncoding = "binary";
    const { minimum, maximum, mime } = aggregateChecks(schema);
    if (minimum !== undefined)
        _json.minLength = minimum;
    if (maximum !== undefined)
        _json.maxLength = maximum;
    if (!mime)
        return;
    // an empty intersection means the mime checks share no value, so nothing passes at runtime; `anyOf` must be non-empty, so the false schema is `not: {}`
    if (mime.length === 0)
        _json.not = {};
    else if (mime.length === 1)
        _json.contentMediaType = mime[0];
    // only contentMediaType differs, so the shared props stay at the root
    else
        _json.anyOf = mime.map((m) => ({ contentMediaType: m }));
};
const successProcessor = (_schema, _ctx, json, _params) => {
    json.type = "boolean";
};
const customProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Custom types cannot be represented in JSON Schema");
};
const functionProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Function types cannot be represented in JSON Schema");
};
const transformProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Transforms cannot be represented in JSON Schema");
};
const mapProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Map cannot be represented in JSON Schema");
};
const setProcessor = (schema, ctx, json, params) => {
    handleUnrepresentable(schema, ctx, json, params, "Set cannot be represented in JSON Schema");
};
// ==================== COMPOSITE TYPE PROCESSORS ====================
const arrayProcessor = (schema, ctx, _json, params) => {
    const json = _json;
    const def = schema._zod.def;
    const { minimum, maximum } = aggregateChecks(schema);
    if (typeof minimum === "number")
        json.minItems = minimum;
    if (typeof maximum === "number")
        json.maxItems = maximum;
    json.type = "array";
    json.items = to_json_schema_processSchema(def.element, ctx, {
        ...params,
        path: [...params.path, "items"],
    });
};
// Transform and catch set `optin = "optional"` at runtime so the parser lets them observe an
// absent key, but their declared input type stays required. An input JSON Schema describes the
// declared type, so resolve past them to the schema that actually carries the optionality.
// Used by both `objectProcessor` (for `required`) and `tupleProcessor` (for `minItems`); see
// wiki/optionality.md, "The JSON Schema emitter reads the *static* value".
function inputOptin(schema) {
    const def = schema._zod.def;
    if (def.type === "pipe" && def.in._zod.traits.has("$ZodTransform")) {
        return inputOptin(def.out);
    }
    if (def.type === "catch") {
        return inputOptin(def.innerType);
    }
    return schema._zod.optin;
}
const objectProcessor = (schema, ctx, _json, params) => {
    const json = _json;
    const def = schema._zod.def;
    const shape = def.shape;
    // dropping it while still emitting `additionalProperties: false` would emit a schema that rejects data this one requires
    const symbolKeys = Object.getOwnPropertySymbols(shape);
    if (symbolKeys.length &&
        handleUnrepresentable(schema, ctx, json, params, "Symbol keys cannot be represented in JSON Schema")) {
        return;
    }
    json.type = "object";
    json.properties = {};
    for (const key in shape) {
        // assignProp so a __proto__ key becomes an own property instead of hitting the inherited setter on the plain {} we build into
        (0,core_util/* assignProp */.Vy)(json.properties, key, to_json_schema_processSchema(shape[key], ctx, {
            ...params,
            path: [...params.path, "properties", key],
        }));
    }
    // required keys
    const requiredKeys = [];
    for (const key of Object.keys(shape)) {
        const field = def.shape[key];
        if (ctx.io === "input" ? inputOptin(field) === undefined : field._zod.optout === undefined) {
            requiredKeys.push(key);
        }
    }
    if (requiredKeys.length > 0) {
        json.required = requiredKeys;
    }
    // catchall
    if (def.catchall?._zod.def.type === "never") {
        // strict
        json.additionalProperties = false;
    }
    else if (!def.catchall) {
        // regular
        if (ctx.io === "output")
            json.additionalProperties = false;
    }
    else if (def.catchall) {
        json.additionalProperties = to_json_schema_processSchema(def.catchall, ctx, {
            ...params,
            path: [...params.path, "additionalProperties"],
        });
    }
};
const unionProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    // Exclusive unions (inclusive === false) use oneOf (exactly one match) instead of anyOf (one or more matches). This includes both z.xor() and discriminated unions
    const isExclusive = def.inclusive === false;
    const options = def.options.map((x, i) => to_json_schema_processSchema(x, ctx, {
        ...params,
        path: [...params.path, isExclusive ? "oneOf" : "anyOf", i],
    }));
    if (isExclusive) {
        json.oneOf = options;
    }
    else {
        json.anyOf = options;
    }
};
const intersectionProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    const a = to_json_schema_processSchema(def.left, ctx, {
        ...params,
        path: [...params.path, "allOf", 0],
    });
    const b = to_json_schema_processSchema(def.right, ctx, {
        ...params,
        path: [...params.path, "allOf", 1],
    });
    const isSimpleIntersection = (val) => "allOf" in val && Object.keys(val).length === 1;
    const allOf = [
        ...(isSimpleIntersection(a) ? a.allOf : [a]),
        ...(isSimpleIntersection(b) ? b.allOf : [b]),
    ];
    json.allOf = allOf;
    // Recorded innermost first, so a nested intersection has already folded by the time this one is considered. The array is the handle rather than the schema, because a wrapper that inherits this schema shares the same array; `finalize` folds every object holding it. See `foldIntersection`.
    ctx.intersections.push(allOf);
};
const tupleProcessor = (schema, ctx, _json, params) => {
    const json = _json;
    const def = schema._zod.def;
    json.type = "array";
    const prefixPath = ctx.target === "draft-2020-12" ? "prefixItems" : "items";
    const restPath = ctx.target === "draft-2020-12" ? "items" : ctx.target === "openapi-3.0" ? "items" : "additionalItems";
    const prefixItems = def.items.map((x, i) => to_json_schema_processSchema(x, ctx, {
        ...params,
        path: [...params.path, prefixPath, i],
    }));
    const rest = def.rest
        ? to_json_schema_processSchema(def.rest, ctx, {
            ...params,
            path: [...params.path, restPath, ...(ctx.target === "openapi-3.0" ? [def.items.length] : [])],
        })
        : null;
    let minItems = def.items.length;
    while (minItems > 0) {
        const item = def.items[minItems - 1];
        const optional = ctx.io === "input" ? inputOptin(item) !== undefined : item._zod.optout === "optional";
        if (!optional)
            break;
        minItems--;
    }
    const maxItems = def.items.length;
    const isClosed = !def.rest;
    if (ctx.target === "draft-2020-12") {
        json.prefixItems = prefixItems;
        if (isClosed) {
            json.items = false;
        }
        else if (rest) {
            json.items = rest;
        }
        if (minItems > 0)
            json.minItems = minItems;
        if (isClosed)
            json.maxItems = maxItems;
    }
    else if (ctx.target === "openapi-3.0") {
        json.items = {
            anyOf: prefixItems,
        };
        if (rest) {
            json.items.anyOf.push(rest);
        }
        if (minItems > 0)
            json.minItems = minItems;
        if (isClosed)
            json.maxItems = maxItems;
    }
    else {
        json.items = prefixItems;
        if (isClosed) {
            json.additionalItems = false;
        }
        else if (rest) {
            json.additionalItems = rest;
        }
        if (minItems > 0)
            json.minItems = minItems;
        if (isClosed)
            json.maxItems = maxItems;
    }
    // explicit user-defined length checks take precedence
    const { minimum, maximum } = aggregateChecks(schema);
    if (typeof minimum === "number")
        json.minItems = minimum;
    if (typeof maximum === "number")
        json.maxItems = maximum;
};
/** JSON object keys are always strings, so a numeric record key schema is re-expressed over the
 * numeric-string form the record parser matches. Deferred to `finalize`, after the flatten: a key
 * behind a wrapper only carries its own `type` before then, and a union key only has its branches.
 *
 * A numeric bound cannot apply to a property name, so `minimum` and its siblings are dropped rather
 * than carried over: keeping them beside `type: "string"` reproduces the match-nothing schema this
 * exists to fix. A key that carries one therefore emits wider than the record parses — `z.record(z.number().min(5), V)`
 * accepts `"3"` — which is the deliberate trade, since throwing on it would reject an ordinary schema
 * outright. */
function stringifyKeyNames(bySchema, json, visited) {
    // an extracted key that rewrites cannot go on sharing its definition — the string form a key position needs is not the number form every other reference wants — so it inlines. One that does not rewrite keeps the `$ref`.
    if (json.$ref) {
        // a recursive key holds its own reference inside its definition, so a node already on the path is left alone rather than resolved again
        if (visited.has(json))
            return json;
        visited.add(json);
        const def = bySchema.get(json)?.def;
        if (!def)
            return json;
        const inlined = stringifyKeyNames(bySchema, def, visited);
        return inlined === def ? json : inlined;
    }
    for (const keyword of ["anyOf", "oneOf"]) {
        const branches = json[keyword];
        if (!Array.isArray(branches))
            continue;
        const mapped = branches.map((branch) => stringifyKeyNames(bySchema, branch, visited));
        // rebuilding regardless would detach a key that had nothing to re-express, dropping its `$ref` and leaking the internal `id`
        if (mapped.some((branch, i) => branch !== branches[i]))
            json = { ...json, [keyword]: mapped };
    }
    // a member that already admits a string leaves the key unconstrained, so the node's own type re-expresses only when every member is numeric
    const types = Array.isArray(json.type) ? json.type : [json.type];
    const numericType = !types.includes("string") && types.some((t) => t === "number" || t === "integer");
    // a heterogeneous key carries no type at all, so its numeric members are caught here instead
    const values = json.enum ?? (json.const !== undefined ? [json.const] : undefined);
    if (!numericType && !values?.some((v) => typeof v === "number"))
        return json;
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, format, id, ...rest } = json;
    if (rest.enum)
        rest.enum = rest.enum.map((v) => (typeof v === "number" ? String(v) : v));
    else if (typeof rest.const === "number")
        rest.const = String(rest.const);
    // a heterogeneous key keeps its absent type: the stringified members already say what a key may be
    if (!numericType)
        return rest;
    rest.type = "string";
    if (!values)
        rest.pattern = (types.includes("number") ? core_regexes/* number */.ai : core_regexes/* integer */.nd).source;
    return rest;
}
/** Every record of one conversion, so the carriers are found in a single pass rather than once per record. */
const pendingRecords = new WeakMap();
function rewriteKeyNames(ctx) {
    // an extracted key is resolved by the object `extractToDef` left in its place, so the map is built once rather than searched per reference. `_zod.toJSONSchema` can hand the same object to two schemas, so the first entry carrying a body wins, as a search would have found it.
    const bySchema = new Map();
    for (const entry of ctx.seen.values()) {
        if (entry.def && !bySchema.has(entry.schema))
            bySchema.set(entry.schema, entry);
    }
    const rewrites = new Map();
    for (const record of pendingRecords.get(ctx) ?? []) {
        const seen = ctx.seen.get(record);
        const names = (seen?.def ?? seen?.schema)?.propertyNames;
        if (!names || names === true || rewrites.has(names))
            continue;
        const rewritten = stringifyKeyNames(bySchema, names, new Set());
        if (rewritten !== names)
            rewrites.set(names, rewritten);
    }
    if (!rewrites.size)
        return;
    // the flatten has already copied each record's own properties onto every wrapper by reference, and an extracted body is another such copy, so every carrier holding a rewritten key is updated together
    for (const entry of ctx.seen.values()) {
        for (const carrier of [entry.schema, entry.def]) {
            const rewritten = carrier && rewrites.get(carrier.propertyNames);
            if (rewritten)
                carrier.propertyNames = rewritten;
        }
    }
}
const recordProcessor = (schema, ctx, _json, params) => {
    const json = _json;
    const def = schema._zod.def;
    json.type = "object";
    // For looseRecord with regex patterns, use patternProperties. This correctly represents "only validate keys matching the pattern" semantics and composes well with allOf (intersections)
    const keyType = def.keyType;
    const patterns = aggregateChecks(keyType).patterns;
    if (def.mode === "loose" && patterns && patterns.size > 0) {
        // Use patternProperties for looseRecord with regex patterns
        const valueSchema = to_json_schema_processSchema(def.valueType, ctx, {
            ...params,
            path: [...params.path, "patternProperties", "*"],
        });
        json.patternProperties = {};
        for (const pattern of patterns) {
            (0,core_util/* assignProp */.Vy)(json.patternProperties, exactPattern(pattern).source, valueSchema);
        }
    }
    else {
        // Default behavior: use propertyNames + additionalProperties
        if (ctx.target === "draft-07" || ctx.target === "draft-2020-12") {
            json.propertyNames = to_json_schema_processSchema(def.keyType, ctx, {
                ...params,
                path: [...params.path, "propertyNames"],
            });
            let pending = pendingRecords.get(ctx);
            if (!pending) {
                pending = [];
                pendingRecords.set(ctx, pending);
                ctx.deferred.push(() => rewriteKeyNames(ctx));
            }
            pending.push(schema);
        }
        json.additionalProperties = to_json_schema_processSchema(def.valueType, ctx, {
            ...params,
            path: [...params.path, "additionalProperties"],
        });
    }
    // Add required for keys with discrete values (enum, literal, etc.)
    const keyValues = keyType._zod.values;
    // Every key shares one value schema, so an optional-in value makes the whole key set omittable on input. Output keeps them: the exhaustive branch assigns every key, even one whose value came back undefined.
    const omittableOnInput = ctx.io === "input" && inputOptin(def.valueType) !== undefined;
    if (keyValues && !def.partial && !omittableOnInput) {
        const validKeyValues = [...keyValues].filter((v) => typeof v === "string" || typeof v === "number");
        if (validKeyValues.length > 0) {
            json.required = validKeyValues.map(String);
        }
    }
};
const nullableProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    const inner = to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    if (ctx.target === "openapi-3.0") {
        seen.ref = def.innerType;
        json.nullable = true;
    }
    else {
        json.anyOf = [inner, { type: "null" }];
    }
};
const nonoptionalProcessor = (schema, ctx, _json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
};
/** Round-trips a default value through JSON so the emitted schema is guaranteed to be valid JSON.
 * A BigInt has no reliable encoding, so it goes through `unrepresentable` like any other
 * unrepresentable value. Returns a sentinel when the caller must not write a default of its own. */
const UNREPRESENTABLE_DEFAULT = Symbol();
function serializeDefaultValue(value, schema, ctx, json, params) {
    let unrepresentable = false;
    const serialized = JSON.stringify(value, (_, val) => {
        if (typeof val !== "bigint")
            return val;
        unrepresentable = true;
        return null;
    });
    if (!unrepresentable)
        return JSON.parse(serialized);
    handleUnrepresentable(schema, ctx, json, params, "BigInt defaults cannot be represented in JSON Schema");
    return UNREPRESENTABLE_DEFAULT;
}
const defaultProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
    const value = serializeDefaultValue(def.defaultValue, schema, ctx, json, params);
    if (value !== UNREPRESENTABLE_DEFAULT)
        json.default = value;
};
const prefaultProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
    if (ctx.io !== "input")
        return;
    const value = serializeDefaultValue(def.defaultValue, schema, ctx, json, params);
    if (value !== UNREPRESENTABLE_DEFAULT)
        json._prefault = value;
};
const catchProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
    let catchValue;
    try {
        catchValue = def.catchValue(undefined);
    }
    catch {
        handleUnrepresentable(schema, ctx, json, params, "Dynamic catch values are not supported in JSON Schema");
        return;
    }
    json.default = catchValue;
};
const pipeProcessor = (schema, ctx, _json, params) => {
    const def = schema._zod.def;
    const inIsTransform = def.in._zod.traits.has("$ZodTransform");
    const innerType = ctx.io === "input" ? (inIsTransform ? def.out : def.in) : def.out;
    to_json_schema_processSchema(innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = innerType;
};
const readonlyProcessor = (schema, ctx, json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
    json.readOnly = true;
};
const promiseProcessor = (schema, ctx, _json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
};
const optionalProcessor = (schema, ctx, _json, params) => {
    const def = schema._zod.def;
    to_json_schema_processSchema(def.innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = def.innerType;
};
const lazyProcessor = (schema, ctx, _json, params) => {
    const innerType = schema._zod.innerType;
    to_json_schema_processSchema(innerType, ctx, params);
    const seen = ctx.seen.get(schema);
    seen.ref = innerType;
};
// ==================== ALL PROCESSORS ====================
const allProcessors = {
    string: stringProcessor,
    number: numberProcessor,
    boolean: booleanProcessor,
    bigint: bigintProcessor,
    symbol: symbolProcessor,
    null: nullProcessor,
    undefined: undefinedProcessor,
    void: voidProcessor,
    never: neverProcessor,
    any: anyProcessor,
    unknown: unknownProcessor,
    date: dateProcessor,
    enum: enumProcessor,
    literal: literalProcessor,
    nan: nanProcessor,
    template_literal: templateLiteralProcessor,
    file: fileProcessor,
    success: successProcessor,
    custom: customProcessor,
    function: functionProcessor,
    transform: transformProcessor,
    map: mapProcessor,
    set: setProcessor,
    array: arrayProcessor,
    object: objectProcessor,
    union: unionProcessor,
    intersection: intersectionProcessor,
    tuple: tupleProcessor,
    record: recordProcessor,
    nullable: nullableProcessor,
    nonoptional: nonoptionalProcessor,
    default: defaultProcessor,
    prefault: prefaultProcessor,
    catch: catchProcessor,
    pipe: pipeProcessor,
    readonly: readonlyProcessor,
    promise: promiseProcessor,
    optional: optionalProcessor,
    lazy: lazyProcessor,
};
function toJSONSchema(input, params) {
    if ("_idmap" in input) {
        // Registry case
        const registry = input;
        const ctx = initializeContext({ ...params, processors: allProcessors });
        const defs = {};
        // First pass: process all schemas to build the seen map
        for (const entry of registry._idmap.entries()) {
            const [_, schema] = entry;
            processSchema(schema, ctx);
        }
        const schemas = {};
        const external = {
            registry,
            uri: params?.uri,
            defs,
        };
        // Update the context with external configuration
        ctx.external = external;
        // Second pass: emit each schema
        for (const entry of registry._idmap.entries()) {
            const [key, schema] = entry;
            extractDefs(ctx, schema);
            assignProp(schemas, key, finalize(ctx, schema));
        }
        if (Object.keys(defs).length > 0) {
            const defsSegment = ctx.target === "draft-2020-12" ? "$defs" : "definitions";
            schemas.__shared = {
                [defsSegment]: defs,
            };
        }
        return { schemas };
    }
    // Single schema case
    const ctx = initializeContext({ ...params, processors: allProcessors });
    processSchema(input, ctx);
    extractDefs(ctx, input);
    return finalize(ctx, input);
}

;// CONCATENATED MODULE: ./node_modules/zod/v4/locales/en.js

const error = () => {
    const Sizable = {
        string: { unit: "characters", verb: "to have" },
        file: { unit: "bytes", verb: "to have" },
        array: { unit: "items", verb: "to have" },
        set: { unit: "items", verb: "to have" },
        map: { unit: "entries", verb: "to have" },
    };
    function getSizing(origin) {
        return Sizable[origin] ?? null;
    }
    const FormatDictionary = {
        regex: "input",
        email: "email address",
        url: "URL",
        emoji: "emoji",
        uuid: "UUID",
        uuidv4: "UUIDv4",
        uuidv6: "UUIDv6",
        nanoid: "nanoid",
        guid: "GUID",
        cuid: "cuid",
        cuid2: "cuid2",
        ulid: "ULID",
        xid: "XID",
        ksuid: "KSUID",
        datetime: "ISO datetime",
        date: "ISO date",
        time: "ISO time",
        duration: "ISO duration",
        ipv4: "IPv4 address",
        ipv6: "IPv6 address",
        mac: "MAC address",
        cidrv4: "IPv4 range",
        cidrv6: "IPv6 range",
        base64: "base64-encoded string",
        base64url: "base64url-encoded string",
        json_string: "JSON string",
        e164: "E.164 number",
        currency_code: "currency code",
        credit_card: "credit card number",
        iban: "IBAN",
        jwt: "JWT",
        template_literal: "input",
    };
    // type names: missing keys = do not translate (use raw value via ?? fallback)
    const TypeDictionary = {
        // Compatibility: "nan" -> "NaN" for display
        nan: "NaN",
        // All other type names omitted - they fall back to raw values via ?? operator
    };
    function getTypeName(type, input) {
        if (type === "number" && typeof input === "number" && !Number.isFinite(input)) {
            return String(input);
        }
        return TypeDictionary[type] ?? type;
    }
    return (issue) => {
        switch (issue.code) {
            case "invalid_type": {
                const expected = getTypeName(issue.expected);
                const receivedType = core_util/* parsedType */.GW(issue.input);
                const received = getTypeName(receivedType, issue.input);
                return `Invalid input: expected ${expected}, received ${received}`;
            }
            case "invalid_value":
                if (issue.values.length === 1)
                    return `Invalid input: expected ${core_util/* stringifyPrimitive */.B7(issue.values[0])}`;
                return `Invalid option: expected one of ${core_util/* joinValues */.jw(issue.values, "|")}`;
            case "too_big": {
                const adj = issue.exact ? "exactly " : issue.inclusive ? "<=" : "<";
                const sizing = getSizing(issue.origin);
                if (sizing)
                    return `Too big: expected ${issue.origin ?? "value"} to have ${adj}${issue.maximum.toString()} ${sizing.unit ?? "elements"}`;
                return `Too big: expected ${issue.origin ?? "value"} to be ${adj}${issue.maximum.toString()}`;
            }
            case "too_small": {
                const adj = issue.exact ? "exactly " : issue.inclusive ? ">=" : ">";
                const sizing = getSizing(issue.origin);
                if (sizing) {
                    return `Too small: expected ${issue.origin} to have ${adj}${issue.minimum.toString()} ${sizing.unit}`;
                }
                return `Too small: expected ${issue.origin} to be ${adj}${issue.minimum.toString()}`;
            }
            case "invalid_format": {
                const _issue = issue;
                if (_issue.format === "starts_with") {
                    return `Invalid string: must start with "${_issue.prefix}"`;
                }
                if (_issue.format === "ends_with")
                    return `Invalid string: must end with "${_issue.suffix}"`;
                if (_issue.format === "includes")
                    return `Invalid string: must include "${_issue.includes}"`;
                if (_issue.format === "regex")
                    return `Invalid string: must match pattern ${_issue.pattern}`;
                return `Invalid ${FormatDictionary[_issue.format] ?? issue.format}`;
            }
            case "not_multiple_of":
                return `Invalid number: must be a multiple of ${issue.divisor}`;
            case "unrecognized_keys":
                return `Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${core_util/* joinValues */.jw(issue.keys, ", ")}`;
            case "invalid_key":
                return `Invalid key in ${issue.origin}`;
            case "invalid_union":
                if (issue.options && Array.isArray(issue.options) && issue.options.length > 0) {
                    const opts = issue.options.map((o) => `'${o}'`).join(" | ");
                    return `Invalid discriminator value. Expected ${opts}`;
                }
                if (issue.inclusive === false) {
                    return "Invalid input: more than one option matched";
                }
                return "Invalid input";
            case "invalid_element":
                return `Invalid value in ${issue.origin}`;
            default:
                return `Invalid input`;
        }
    };
};
/* harmony default export */ function en() {
    return {
        localeError: error(),
    };
}

;// CONCATENATED MODULE: ./node_modules/zod/v4/core/errors.js


/* Computing the message eagerly is expensive (pretty-printed JSON of all
 * issues), so defer it until first read. The accessor functions and
 * descriptors are shared across instances to keep error construction
 * cheap; the computed message is cached on the internals object. The
 * setter preserves plain assignment semantics for consumers that
 * overwrite `message`. */
function _getMessage() {
    const internals = this._zod;
    internals.message ?? (internals.message = JSON.stringify(internals.def, core_util/* jsonStringifyReplacer */.k8, 2));
    return internals.message;
}
function _setMessage(value) {
    this._zod.message = value;
}
const _messageDesc = {
    get: _getMessage,
    set: _setMessage,
    enumerable: true,
    configurable: true,
};
const _issuesDesc = { value: undefined, enumerable: false };
/* Prototypes that already carry the lazy `toString`. Seeded with the
 * intrinsics so that `init` on a foreign object — it accepts any object —
 * can never install an accessor onto a prototype we do not own. */
const _installedToString = /* @__PURE__ */ new WeakSet([Object.prototype, Error.prototype]);
const initializer = (inst, def) => {
    inst.name = "$ZodError";
    // `_zod` is already non-enumerable: $constructor's init defined it with this same descriptor
    _issuesDesc.value = def;
    Object.defineProperty(inst, "issues", _issuesDesc);
    // Clear the shared slot; a retained `value` pins the last error's issues.
    _issuesDesc.value = undefined;
    Object.defineProperty(inst, "message", _messageDesc);
    /* `toString` lives as a non-enumerable lazy getter on the shared
     * prototype; on first access it caches a per-instance closure so
     * detached usage still works. */
    const proto = Object.getPrototypeOf(inst);
    if (!_installedToString.has(proto)) {
        _installedToString.add(proto);
        Object.defineProperty(proto, "toString", {
            configurable: true,
            enumerable: false,
            get() {
                const value = () => this.message;
                Object.defineProperty(this, "toString", { value, configurable: true, writable: true });
                return value;
            },
            set(value) {
                Object.defineProperty(this, "toString", { value, configurable: true, writable: true });
            },
        });
    }
};
const $ZodError = (0,core_core/* $constructor */.xI)("$ZodError", initializer);
const $ZodRealError = (0,core_core/* $constructor */.xI)("$ZodError", initializer, undefined, {
    Parent: Error,
});
/** Get-or-create `obj[key]` as an own data property. A path segment naming an inherited member
 * ("toString", "constructor") would otherwise read through to the prototype, and assigning
 * "__proto__" would hit the setter instead of creating a key. */
function node(obj, key, make) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) {
        if (key === "__proto__") {
            Object.defineProperty(obj, key, { value: make(), writable: true, enumerable: true, configurable: true });
        }
        else {
            obj[key] = make();
        }
    }
    return obj[key];
}
function flattenError(error, mapper = (issue) => issue.message) {
    const fieldErrors = {};
    const formErrors = [];
    for (const sub of error.issues) {
        if (sub.path.length > 0) {
            node(fieldErrors, sub.path[0], () => []).push(mapper(sub));
        }
        else {
            formErrors.push(mapper(sub));
        }
    }
    return { formErrors, fieldErrors };
}
function formatError(error, mapper = (issue) => issue.message) {
    const fieldErrors = { _errors: [] };
    const processError = (error, path = []) => {
        for (const issue of error.issues) {
            if (issue.code === "invalid_union" && issue.errors.length) {
                issue.errors.map((issues) => processError({ issues }, [...path, ...issue.path]));
            }
            else if (issue.code === "invalid_key") {
                processError({ issues: issue.issues }, [...path, ...issue.path]);
            }
            else if (issue.code === "invalid_element") {
                processError({ issues: issue.issues }, [...path, ...issue.path]);
            }
            else {
                const fullpath = [...path, ...issue.path];
                if (fullpath.length === 0) {
                    fieldErrors._errors.push(mapper(issue));
                }
                else {
                    let curr = fieldErrors;
                    let i = 0;
                    while (i < fullpath.length) {
                        const el = fullpath[i];
                        const terminal = i === fullpath.length - 1;
                        // `_errors` is reserved by this legacy format, so merge a matching path segment into the current node instead of treating its array as a child.
                        if (el === "_errors") {
                            if (terminal)
                                curr._errors.push(mapper(issue));
                            i++;
                            continue;
                        }
                        // A path element may collide with an inherited property name such as
                        // "__proto__" or "constructor". Truthiness checks read the prototype
                        // (so no node is created, then ._errors.push throws), and bracket
                        // assignment of "__proto__" hits the setter instead of creating an
                        // own key. Guard the read with hasOwnProperty and create the node
                        // with defineProperty so any path element becomes a real own key.
                        if (!Object.prototype.hasOwnProperty.call(curr, el)) {
                            Object.defineProperty(curr, el, {
                                value: { _errors: [] },
                                enumerable: true,
                                writable: true,
                                configurable: true,
                            });
                        }
                        const node = curr[el];
                        if (terminal) {
                            node._errors.push(mapper(issue));
                        }
                        curr = node;
                        i++;
                    }
                }
            }
        }
    };
    processError(error);
    return fieldErrors;
}
function treeifyError(error, mapper = (issue) => issue.message) {
    const result = { errors: [] };
    const processError = (error, path = []) => {
        var _a;
        for (const issue of error.issues) {
            if (issue.code === "invalid_union" && issue.errors.length) {
                // regular union error
                issue.errors.map((issues) => processError({ issues }, [...path, ...issue.path]));
            }
            else if (issue.code === "invalid_key") {
                processError({ issues: issue.issues }, [...path, ...issue.path]);
            }
            else if (issue.code === "invalid_element") {
                processError({ issues: issue.issues }, [...path, ...issue.path]);
            }
            else {
                const fullpath = [...path, ...issue.path];
                if (fullpath.length === 0) {
                    result.errors.push(mapper(issue));
                    continue;
                }
                let curr = result;
                let i = 0;
                while (i < fullpath.length) {
                    const el = fullpath[i];
                    const terminal = i === fullpath.length - 1;
                    if (typeof el === "string") {
                        curr.properties ?? (curr.properties = {});
                        // el may collide with an inherited property name ("__proto__",
                        // "constructor", ...); ??= reads the prototype so the node is never
                        // created and curr.errors.push throws. Guard with hasOwnProperty and
                        // create the node with defineProperty so "__proto__" becomes a real
                        // own key rather than invoking the prototype setter.
                        if (!Object.prototype.hasOwnProperty.call(curr.properties, el)) {
                            Object.defineProperty(curr.properties, el, {
                                value: { errors: [] },
                                enumerable: true,
                                writable: true,
                                configurable: true,
                            });
                        }
                        curr = curr.properties[el];
                    }
                    else {
                        curr.items ?? (curr.items = []);
                        (_a = curr.items)[el] ?? (_a[el] = { errors: [] });
                        curr = curr.items[el];
                    }
                    if (terminal) {
                        curr.errors.push(mapper(issue));
                    }
                    i++;
                }
            }
        }
    };
    processError(error);
    return result;
}
/** Format a ZodError as a human-readable string in the following form.
 *
 * From
 *
 * ```ts
 * ZodError {
 *   issues: [
 *     {
 *       expected: 'string',
 *       code: 'invalid_type',
 *       path: [ 'username' ],
 *       message: 'Invalid input: expected string'
 *     },
 *     {
 *       expected: 'number',
 *       code: 'invalid_type',
 *       path: [ 'favoriteNumbers', 1 ],
 *       message: 'Invalid input: expected number'
 *     }
 *   ];
 * }
 * ```
 *
 * to
 *
 * ```
 * username
 *   ✖ Expected number, received string at "username
 * favoriteNumbers[0]
 *   ✖ Invalid input: expected number
 * ```
 */
function toDotPath(_path) {
    const segs = [];
    const path = _path.map((seg) => (typeof seg === "object" ? seg.key : seg));
    for (const seg of path) {
        if (typeof seg === "number")
            segs.push(`[${seg}]`);
        else if (typeof seg === "symbol")
            segs.push(`[${JSON.stringify(String(seg))}]`);
        else if (/[^\w$]/.test(seg))
            segs.push(`[${JSON.stringify(seg)}]`);
        else {
            if (segs.length)
                segs.push(".");
            segs.push(seg);
        }
    }
    return segs.join("");
}
function prettifyError(error) {
    const lines = [];
    // sort by path length
    const issues = [...error.issues].sort((a, b) => (a.path ?? []).length - (b.path ?? []).length);
    // Process each issue
    for (const issue of issues) {
        lines.push(`✖ ${issue.message}`);
        if (issue.path?.length)
            lines.push(`  → at ${toDotPath(issue.path)}`);
    }
    // Convert Map to formatted string
    return lines.join("\n");
}

;// CONCATENATED MODULE: ./node_modules/zod/v4/core/parse.js



// Always both keys, so the `_params` read site in `_parse` sees one object shape rather than two.
function finalizeParams(callee, params) {
    return { callee: params?.callee ?? callee, Err: params?.Err };
}
const _parse = (_Err) => {
    const fn = (schema, value, _ctx, _params) => {
        const ctx = _ctx ? { ..._ctx, async: false } : { async: false };
        const result = schema._zod.run({ value, issues: [] }, ctx);
        if (result instanceof Promise) {
            throw new core_core/* $ZodAsyncError */.GT();
        }
        if (result.issues.length) {
            const e = new (_params?.Err ?? _Err)(result.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())));
            core_util/* captureStackTrace */.gx(e, _params?.callee ?? fn);
            throw e;
        }
        return result.value;
    };
    return fn;
};
const parse_parse = /* @__PURE__*/ _parse($ZodRealError);
const _parseAsync = (_Err) => {
    const fn = async (schema, value, _ctx, params) => {
        const ctx = _ctx ? { ..._ctx, async: true } : { async: true };
        let result = schema._zod.run({ value, issues: [] }, ctx);
        if (result instanceof Promise)
            result = await result;
        if (result.issues.length) {
            const e = new (params?.Err ?? _Err)(result.issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())));
            core_util/* captureStackTrace */.gx(e, params?.callee ?? fn);
            throw e;
        }
        return result.value;
    };
    return fn;
};
const parse_parseAsync = /* @__PURE__*/ _parseAsync($ZodRealError);
const _safeParse = (_Err) => (schema, value, _ctx) => {
    const ctx = _ctx ? { ..._ctx, async: false } : { async: false };
    const result = schema._zod.run({ value, issues: [] }, ctx);
    if (result instanceof Promise) {
        throw new core_core/* $ZodAsyncError */.GT();
    }
    return result.issues.length ? failure(_Err, result.issues, ctx) : { success: true, data: result.value };
};
const safeParse = /* @__PURE__*/ _safeParse($ZodRealError);
// the error is built on the first read of `error`: finalizing the issues and constructing the instance is most of a failing parse, and a caller that only branches on `success` never pays it. a getter in the literal keeps this small; the alternative, one shared accessor descriptor plus a hidden state slot, reads ~15% faster but costs ~75 B gzipped in every bundle
function failure(Err, issues, ctx) {
    let error;
    return {
        success: false,
        get error() {
            if (!error) {
                error = new Err(issues.map((iss) => core_util/* finalizeIssue */.iR(iss, ctx, core_core/* config */.$W())));
                // finalizeIssue drops `input`, so the built error holds nothing; keeping the raw issues past this point pins the parsed value for the life of the result
                issues = undefined;
                ctx = undefined;
            }
            return error;
        },
        set error(e) {
            error = e;
            // a replacement makes the getter's branch unreachable, so the captures have to go here too
            issues = undefined;
            ctx = undefined;
        },
    };
}
const _safeParseAsync = (_Err) => async (schema, value, _ctx) => {
    const ctx = _ctx ? { ..._ctx, async: true } : { async: true };
    let result = schema._zod.run({ value, issues: [] }, ctx);
    if (result instanceof Promise)
        result = await result;
    return result.issues.length ? failure(_Err, result.issues, ctx) : { success: true, data: result.value };
};
const safeParseAsync = /* @__PURE__*/ _safeParseAsync($ZodRealError);
// registry mirrors of the compiler's sentinels, so this module never imports the compiler
const COMPILE_INVALID = /* @__PURE__ */ Symbol.for("zod.compile.invalid");
const COMPILE_FALLBACK = /* @__PURE__ */ Symbol.for("zod.compile.fallback");
// Deliberately tiny, because v8 will not inline a body carrying the fallback's object literals and throw. Everything that is not the compiled happy path lives in validateFallback, and that split is worth ~35% on a compiled schema.
const validate = ((schema, value, _ctx) => {
    const validator = schema._zod.bag.validator;
    if (validator !== undefined) {
        if (validator(value) !== COMPILE_INVALID)
            return true;
        // a definite sentinel means the runtime would reject, so skip the re-parse; a ctx can still change the answer
        if (validator.definite === true && _ctx === undefined)
            return false;
    }
    return validateFallback(schema, value, _ctx);
});
function validateFallback(schema, value, _ctx) {
    const ctx = _ctx
        ? { ..._ctx, async: false, abortEarly: true }
        : { async: false, abortEarly: true };
    const fallbackRun = schema._zod.bag.fallbackRun;
    let result;
    if (fallbackRun) {
        // skip nested fast paths on the fallback, so user callbacks keep the at-most-twice bound
        ctx[COMPILE_FALLBACK] = true;
        result = fallbackRun({ value, issues: [] }, ctx);
    }
    else {
        result = schema._zod.run({ value, issues: [] }, ctx);
    }
    if (result instanceof Promise) {
        throw new core_core/* $ZodAsyncError */.GT();
    }
    return result.issues.length === 0;
}
// no fast path: the compiler keeps async parses on the runtime, because a promise-returning callback that is not declared async compiles to a throw
const parse_validateAsync = async (schema, value, _ctx) => {
    const ctx = _ctx
        ? { ..._ctx, async: true, abortEarly: true }
        : { async: true, abortEarly: true };
    let result = schema._zod.run({ value, issues: [] }, ctx);
    if (result instanceof Promise)
        result = await result;
    return result.issues.length === 0;
};
const _encode = (_Err) => {
    const parse = _parse(_Err);
    const fn = (schema, value, _ctx, _params) => {
        const ctx = _ctx ? { ..._ctx, direction: "backward" } : { direction: "backward" };
        return parse(schema, value, ctx, finalizeParams(fn, _params));
    };
    return fn;
};
const encode = /* @__PURE__*/ _encode($ZodRealError);
const _decode = (_Err) => {
    const parse = _parse(_Err);
    const fn = (schema, value, _ctx, _params) => {
        return parse(schema, value, _ctx, finalizeParams(fn, _params));
    };
    return fn;
};
const decode = /* @__PURE__*/ _decode($ZodRealError);
const _encodeAsync = (_Err) => {
    const parseAsync = _parseAsync(_Err);
    const fn = async (schema, value, _ctx, _params) => {
        const ctx = _ctx ? { ..._ctx, direction: "backward" } : { direction: "backward" };
        return (await parseAsync(schema, value, ctx, finalizeParams(fn, _params)));
    };
    return fn;
};
const encodeAsync = /* @__PURE__*/ _encodeAsync($ZodRealError);
const _decodeAsync = (_Err) => {
    const parseAsync = _parseAsync(_Err);
    const fn = async (schema, value, _ctx, _params) => {
        return await parseAsync(schema, value, _ctx, finalizeParams(fn, _params));
    };
    return fn;
};
const decodeAsync = /* @__PURE__*/ _decodeAsync($ZodRealError);
const _safeEncode = (_Err) => (schema, value, _ctx) => {
    const ctx = _ctx ? { ..._ctx, direction: "backward" } : { direction: "backward" };
    return _safeParse(_Err)(schema, value, ctx);
};
const safeEncode = /* @__PURE__*/ _safeEncode($ZodRealError);
const _safeDecode = (_Err) => (schema, value, _ctx) => {
    return _safeParse(_Err)(schema, value, _ctx);
};
const safeDecode = /* @__PURE__*/ _safeDecode($ZodRealError);
const _safeEncodeAsync = (_Err) => async (schema, value, _ctx) => {
    const ctx = _ctx ? { ..._ctx, direction: "backward" } : { direction: "backward" };
    return _safeParseAsync(_Err)(schema, value, ctx);
};
const safeEncodeAsync = /* @__PURE__*/ _safeEncodeAsync($ZodRealError);
const _safeDecodeAsync = (_Err) => async (schema, value, _ctx) => {
    return _safeParseAsync(_Err)(schema, value, _ctx);
};
const safeDecodeAsync = /* @__PURE__*/ _safeDecodeAsync($ZodRealError);

;// CONCATENATED MODULE: ./node_modules/zod/v4/classic/errors.js



/* Prototypes that already carry the lazy helper methods. Seeded with the
 * intrinsics so that `init` on a foreign object — it accepts any object —
 * can never install an accessor onto a prototype we do not own. */
const _installedErrorProtos = /* @__PURE__ */ new WeakSet([Object.prototype, Error.prototype]);
/* Helper methods live as non-enumerable lazy getters on the shared
 * prototype instead of own properties on every instance. On first
 * access the getter allocates the per-instance closure and caches it
 * as a non-enumerable own property, so detached usage still works and
 * the allocation only happens for methods actually touched. */
function _lazyMethod(proto, key, make) {
    Object.defineProperty(proto, key, {
        configurable: true,
        enumerable: false,
        get() {
            const value = make(this);
            Object.defineProperty(this, key, { value, configurable: true, writable: true });
            return value;
        },
        set(value) {
            Object.defineProperty(this, key, { value, configurable: true, writable: true });
        },
    });
}
const errors_initializer = (inst, issues) => {
    $ZodError.init(inst, issues);
    inst.name = "ZodError";
    const proto = Object.getPrototypeOf(inst);
    if (_installedErrorProtos.has(proto))
        return;
    _installedErrorProtos.add(proto);
    _lazyMethod(proto, "format", (self) => (mapper) => formatError(self, mapper));
    _lazyMethod(proto, "flatten", (self) => (mapper) => flattenError(self, mapper));
    _lazyMethod(proto, "addIssue", (self) => (issue) => {
        self.issues.push(issue);
        self.message = JSON.stringify(self.issues, core_util/* jsonStringifyReplacer */.k8, 2);
    });
    _lazyMethod(proto, "addIssues", (self) => (issues) => {
        self.issues.push(...issues);
        self.message = JSON.stringify(self.issues, core_util/* jsonStringifyReplacer */.k8, 2);
    });
    Object.defineProperty(proto, "isEmpty", {
        configurable: true,
        enumerable: false,
        get() {
            return this.issues.length === 0;
        },
    });
};
const ZodError = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodError", errors_initializer)));
const ZodRealError = /*@__PURE__*/ core_core/* $constructor */.xI("ZodError", errors_initializer, undefined, {
    Parent: Error,
});
// /** @deprecated Use `z.core.$ZodErrorMapCtx` instead. */
// export type ErrorMapCtx = core.$ZodErrorMapCtx;

;// CONCATENATED MODULE: ./node_modules/zod/v4/classic/parse.js


const classic_parse_parse = /* @__PURE__ */ _parse(ZodRealError);
const classic_parse_parseAsync = /* @__PURE__ */ _parseAsync(ZodRealError);
const parse_safeParse = /* @__PURE__ */ _safeParse(ZodRealError);
const parse_safeParseAsync = /* @__PURE__ */ _safeParseAsync(ZodRealError);

// Codec functions
const parse_encode = /* @__PURE__ */ _encode(ZodRealError);
const parse_decode = /* @__PURE__ */ _decode(ZodRealError);
const parse_encodeAsync = /* @__PURE__ */ _encodeAsync(ZodRealError);
const parse_decodeAsync = /* @__PURE__ */ _decodeAsync(ZodRealError);
const parse_safeEncode = /* @__PURE__ */ _safeEncode(ZodRealError);
const parse_safeDecode = /* @__PURE__ */ _safeDecode(ZodRealError);
const parse_safeEncodeAsync = /* @__PURE__ */ _safeEncodeAsync(ZodRealError);
const parse_safeDecodeAsync = /* @__PURE__ */ _safeDecodeAsync(ZodRealError);

;// CONCATENATED MODULE: ./node_modules/zod/v4/classic/schemas.js








// Register English as the default locale on first ZodType construction. Hooked into the `ZodType` `$constructor` (rather than a top-level `config(en())` in `external.ts`) so bundlers honoring `sideEffects: false` can't tree-shake it out — see #5953, #5725. An explicit `z.config(z.locales.xx())` call wins regardless of order, since this only sets the default when none is present.
function _ensureDefaultLocale() {
    if (!core_core/* globalConfig */.cr.localeError)
        core_core/* config */.$W(en());
}
// the default memoizer is read by the core container init, which runs before `ZodType.init`, so each container calls this first
function _ensureDefaultMemoizer() {
    if (!core_core/* globalConfig */.cr.memoizer)
        core_core/* config */.$W({ memoizer: memoizer() });
}
const ZodType = /*@__PURE__*/ core_core/* $constructor */.xI("ZodType", (inst, def) => {
    _ensureDefaultLocale();
    $ZodType.init(inst, def);
    inst.def = def;
    inst.type = def.type;
    return inst;
}, {
    check(...chks) {
        const def = this.def;
        return this.clone(core_util/* mergeDefs */.zM(def, {
            checks: [
                ...(def.checks ?? []),
                ...chks.map((ch) => typeof ch === "function" ? { _zod: { check: ch, def: { check: "custom" }, onattach: [] } } : ch),
            ],
        }), { parent: true });
    },
    with(...chks) {
        return this.check(...chks);
    },
    clone(def, params) {
        return core_util/* clone */.o8(this, def, params);
    },
    brand() {
        return this;
    },
    register(reg, meta) {
        reg.add(this, meta);
        return this;
    },
    refine(check, params) {
        return this.check(refine(check, params));
    },
    superRefine(refinement, params) {
        return this.check(superRefine(refinement, params));
    },
    overwrite(fn) {
        return this.check(api/* _overwrite */.bS(fn));
    },
    optional() {
        return optional(this);
    },
    exactOptional() {
        return exactOptional(this);
    },
    nullable() {
        return nullable(this);
    },
    nullish() {
        return optional(nullable(this));
    },
    nonoptional(params) {
        return nonoptional(this, params);
    },
    array() {
        return array(this);
    },
    or(arg) {
        return union([this, arg]);
    },
    and(arg) {
        return intersection(this, arg);
    },
    transform(tx) {
        return pipe(this, transform(tx));
    },
    default(d) {
        return _default(this, d);
    },
    prefault(d) {
        return prefault(this, d);
    },
    catch(params) {
        return _catch(this, params);
    },
    pipe(target) {
        return pipe(this, target);
    },
    readonly() {
        return readonly(this);
    },
    describe(description) {
        const cl = this.clone();
        registries/* globalRegistry */.fd.add(cl, { description });
        return cl;
    },
    meta(...args) {
        // overloaded: meta() returns the registered metadata, meta(data) returns a clone with `data` registered. The mapped type picks up the second overload, so we accept variadic any-args and return `any` to satisfy both at runtime.
        if (args.length === 0)
            return registries/* globalRegistry */.fd.get(this);
        const cl = this.clone();
        registries/* globalRegistry */.fd.add(cl, args[0]);
        return cl;
    },
    isOptional() {
        return this.safeParse(undefined).success;
    },
    isNullable() {
        return this.safeParse(null).success;
    },
    apply(fn, ...args) {
        return args.length === 0 ? fn(this) : fn(this, ...args);
    },
    // Overrides core's `~standard` to add `jsonSchema`. Must stay a prototype entry: redefining it per instance demotes instances to dictionary mode.
    get "~standard"() {
        return core_util/* hide */.jD(this, "~standard", {
            ...standardProps(this),
            jsonSchema: {
                input: createStandardJSONSchemaMethod(this, "input"),
                output: createStandardJSONSchemaMethod(this, "output"),
            },
        });
    },
    set "~standard"(value) {
        core_util/* own */.qh(this, "~standard", value);
    },
    parse: function _parse(data, params) {
        return classic_parse_parse(this, data, params, { callee: _parse });
    },
    parseAsync: async function _parseAsync(data, params) {
        return await classic_parse_parseAsync(this, data, params, { callee: _parseAsync });
    },
    safeParse(data, params) {
        return parse_safeParse(this, data, params);
    },
    async safeParseAsync(data, params) {
        return parse_safeParseAsync(this, data, params);
    },
    // `spa` is an alias: same function object as `safeParseAsync`, as before.
    get spa() {
        return this?.safeParseAsync;
    },
    set spa(value) {
        core_util/* own */.qh(this, "spa", value);
    },
    validate(data, params) {
        return validate(this, data, params);
    },
    validateAsync(data, params) {
        return parse_validateAsync(this, data, params);
    },
    encode: function _encode(data, params) {
        return parse_encode(this, data, params, { callee: _encode });
    },
    decode: function _decode(data, params) {
        return parse_decode(this, data, params, { callee: _decode });
    },
    encodeAsync: async function _encodeAsync(data, params) {
        return await parse_encodeAsync(this, data, params, { callee: _encodeAsync });
    },
    decodeAsync: async function _decodeAsync(data, params) {
        return await parse_decodeAsync(this, data, params, { callee: _decodeAsync });
    },
    safeEncode(data, params) {
        return parse_safeEncode(this, data, params);
    },
    safeDecode(data, params) {
        return parse_safeDecode(this, data, params);
    },
    async safeEncodeAsync(data, params) {
        return parse_safeEncodeAsync(this, data, params);
    },
    async safeDecodeAsync(data, params) {
        return parse_safeDecodeAsync(this, data, params);
    },
    toJSONSchema(params) {
        return createToJSONSchemaMethod(this, {})(params);
    },
    // Reads through to the registry on every access, so it must not cache.
    get description() {
        return registries/* globalRegistry */.fd.get(this)?.description;
    },
    // No setter: `schema._def = x` throws, as it did when `_def` was a non-writable own property.
    get _def() {
        return this._zod.def;
    },
});
/** @internal */
const _ZodString = /*@__PURE__*/ core_core/* $constructor */.xI("_ZodString", (inst, def) => {
    $ZodString.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => stringProcessor(inst, ctx, json, params);
}, 
/*@__PURE__*/ core_util/* derived */.un({
    format: (inst) => aggregateChecks(inst).format ?? null,
    minLength: (inst) => aggregateChecks(inst).minimum ?? null,
    maxLength: (inst) => aggregateChecks(inst).maximum ?? null,
}, {
    regex(...args) {
        return this.check(api/* _regex */.Fk(...args));
    },
    includes(...args) {
        return this.check(api/* _includes */.dR(...args));
    },
    startsWith(...args) {
        return this.check(api/* _startsWith */.$S(...args));
    },
    endsWith(...args) {
        return this.check(api/* _endsWith */.ER(...args));
    },
    min(...args) {
        return this.check(api/* _minLength */.m9(...args));
    },
    max(...args) {
        return this.check(api/* _maxLength */.Eb(...args));
    },
    length(...args) {
        return this.check(api/* _length */.YA(...args));
    },
    nonempty(...args) {
        return this.check(api/* _minLength */.m9(1, ...args));
    },
    lowercase(params) {
        return this.check(api/* _lowercase */.hH(params));
    },
    uppercase(params) {
        return this.check(api/* _uppercase */.qF(params));
    },
    trim() {
        return this.check(api/* _trim */.WN());
    },
    normalize(...args) {
        return this.check(api/* _normalize */.lo(...args));
    },
    toLowerCase() {
        return this.check(api/* _toLowerCase */.Il());
    },
    toUpperCase() {
        return this.check(api/* _toUpperCase */.xY());
    },
    slugify() {
        return this.check(api/* _slugify */.TL());
    },
}));
const ZodString = /*@__PURE__*/ core_core/* $constructor */.xI("ZodString", (inst, def) => {
    $ZodString.init(inst, def);
    _ZodString.init(inst, def);
}, {
    email(params) {
        return this.check(api/* _email */.Mu(ZodEmail, params));
    },
    url(params) {
        return this.check(api/* _url */.Fn(ZodURL, params));
    },
    jwt(params) {
        return this.check(api/* _jwt */.rk(ZodJWT, params));
    },
    emoji(params) {
        return this.check(api/* _emoji */.aC(ZodEmoji, params));
    },
    guid(params) {
        return this.check(api/* _guid */.tB(ZodGUID, params));
    },
    uuid(params) {
        return this.check(api/* _uuid */.Be(ZodUUID, params));
    },
    uuidv4(params) {
        return this.check(api/* _uuidv4 */.nA(ZodUUID, params));
    },
    uuidv6(params) {
        return this.check(api/* _uuidv6 */.pY(ZodUUID, params));
    },
    uuidv7(params) {
        return this.check(api/* _uuidv7 */.wA(ZodUUID, params));
    },
    nanoid(params) {
        return this.check(api/* _nanoid */.Dl(ZodNanoID, params));
    },
    cuid(params) {
        return this.check(api/* _cuid */.fs(ZodCUID, params));
    },
    cuid2(params) {
        return this.check(api/* _cuid2 */.Bj(ZodCUID2, params));
    },
    ulid(params) {
        return this.check(api/* _ulid */.Ct(ZodULID, params));
    },
    base64(params) {
        return this.check(api/* _base64 */.rt(ZodBase64, params));
    },
    base64url(params) {
        return this.check(api/* _base64url */.cU(ZodBase64URL, params));
    },
    xid(params) {
        return this.check(api/* _xid */.Pw(ZodXID, params));
    },
    ksuid(params) {
        return this.check(api/* _ksuid */._z(ZodKSUID, params));
    },
    ipv4(params) {
        return this.check(api/* _ipv4 */.Ny(ZodIPv4, params));
    },
    ipv6(params) {
        return this.check(api/* _ipv6 */.$O(ZodIPv6, params));
    },
    cidrv4(params) {
        return this.check(api/* _cidrv4 */.Uy(ZodCIDRv4, params));
    },
    cidrv6(params) {
        return this.check(api/* _cidrv6 */.gP(ZodCIDRv6, params));
    },
    e164(params) {
        return this.check(api/* _e164 */.KB(ZodE164, params));
    },
    datetime(params) {
        return this.check(api/* _isoDateTime */.G1(ZodISODateTime, params));
    },
    date(params) {
        return this.check(api/* _isoDate */.db(ZodISODate, params));
    },
    time(params) {
        return this.check(api/* _isoTime */.Kn(ZodISOTime, params));
    },
    duration(params) {
        return this.check(api/* _isoDuration */.f2(ZodISODuration, params));
    },
});
function string(params) {
    return api/* _string */.Rl(ZodString, params);
}
const ZodStringFormat = /*@__PURE__*/ core_core/* $constructor */.xI("ZodStringFormat", (inst, def) => {
    $ZodStringFormat.init(inst, def);
    _ZodString.init(inst, def);
});
const ZodISODateTime = /*@__PURE__*/ core_core/* $constructor */.xI("ZodISODateTime", (inst, def) => {
    $ZodISODateTime.init(inst, def);
    ZodStringFormat.init(inst, def);
});
const ZodISODate = /*@__PURE__*/ core_core/* $constructor */.xI("ZodISODate", (inst, def) => {
    $ZodISODate.init(inst, def);
    ZodStringFormat.init(inst, def);
});
const ZodISOTime = /*@__PURE__*/ core_core/* $constructor */.xI("ZodISOTime", (inst, def) => {
    $ZodISOTime.init(inst, def);
    ZodStringFormat.init(inst, def);
});
const ZodISODuration = /*@__PURE__*/ core_core/* $constructor */.xI("ZodISODuration", (inst, def) => {
    $ZodISODuration.init(inst, def);
    ZodStringFormat.init(inst, def);
});
const ZodEmail = /*@__PURE__*/ core_core/* $constructor */.xI("ZodEmail", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodEmail.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function email(params) {
    return core._email(ZodEmail, params);
}
const ZodGUID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodGUID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodGUID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function guid(params) {
    return core._guid(ZodGUID, params);
}
const ZodUUID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodUUID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodUUID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function uuid(params) {
    return core._uuid(ZodUUID, params);
}
function uuidv4(params) {
    return core._uuidv4(ZodUUID, params);
}
// ZodUUIDv6
function uuidv6(params) {
    return core._uuidv6(ZodUUID, params);
}
// ZodUUIDv7
function uuidv7(params) {
    return core._uuidv7(ZodUUID, params);
}
const ZodURL = /*@__PURE__*/ core_core/* $constructor */.xI("ZodURL", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodURL.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function url(params) {
    return core._url(ZodURL, params);
}
function httpUrl(params) {
    return core._url(ZodURL, {
        protocol: regexes.httpProtocol,
        hostname: regexes.domain,
        ...util.normalizeParams(params),
    });
}
const ZodEmoji = /*@__PURE__*/ core_core/* $constructor */.xI("ZodEmoji", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodEmoji.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function emoji(params) {
    return core._emoji(ZodEmoji, params);
}
const ZodNanoID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNanoID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodNanoID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function nanoid(params) {
    return core._nanoid(ZodNanoID, params);
}
/**
 * @deprecated CUID v1 is deprecated by its authors due to information leakage
 * (timestamps embedded in the id). Use {@link ZodCUID2} instead.
 * See https://github.com/paralleldrive/cuid.
 */
const ZodCUID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCUID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodCUID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
/**
 * Validates a CUID v1 string.
 *
 * @deprecated CUID v1 is deprecated by its authors due to information leakage
 * (timestamps embedded in the id). Use {@link cuid2 | `z.cuid2()`} instead.
 * See https://github.com/paralleldrive/cuid.
 */
function cuid(params) {
    return core._cuid(ZodCUID, params);
}
const ZodCUID2 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCUID2", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodCUID2.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function cuid2(params) {
    return core._cuid2(ZodCUID2, params);
}
const ZodULID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodULID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodULID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function ulid(params) {
    return core._ulid(ZodULID, params);
}
const ZodXID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodXID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodXID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function xid(params) {
    return core._xid(ZodXID, params);
}
const ZodKSUID = /*@__PURE__*/ core_core/* $constructor */.xI("ZodKSUID", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodKSUID.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function ksuid(params) {
    return core._ksuid(ZodKSUID, params);
}
const ZodIPv4 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodIPv4", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodIPv4.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function ipv4(params) {
    return core._ipv4(ZodIPv4, params);
}
const ZodMAC = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodMAC", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    core.$ZodMAC.init(inst, def);
    ZodStringFormat.init(inst, def);
})));
function mac(params) {
    return core._mac(ZodMAC, params);
}
const ZodIPv6 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodIPv6", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodIPv6.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function ipv6(params) {
    return core._ipv6(ZodIPv6, params);
}
const ZodCIDRv4 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCIDRv4", (inst, def) => {
    $ZodCIDRv4.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function cidrv4(params) {
    return core._cidrv4(ZodCIDRv4, params);
}
const ZodCIDRv6 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCIDRv6", (inst, def) => {
    $ZodCIDRv6.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function cidrv6(params) {
    return core._cidrv6(ZodCIDRv6, params);
}
const ZodBase64 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodBase64", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodBase64.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function base64(params) {
    return core._base64(ZodBase64, params);
}
const ZodBase64URL = /*@__PURE__*/ core_core/* $constructor */.xI("ZodBase64URL", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodBase64URL.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function base64url(params) {
    return core._base64url(ZodBase64URL, params);
}
const ZodE164 = /*@__PURE__*/ core_core/* $constructor */.xI("ZodE164", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodE164.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function e164(params) {
    return core._e164(ZodE164, params);
}
const ZodCreditCard = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodCreditCard", (inst, def) => {
    core.$ZodCreditCard.init(inst, def);
    ZodStringFormat.init(inst, def);
})));
function creditCard(params) {
    return core._creditCard(ZodCreditCard, params);
}
const ZodIBAN = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodIBAN", (inst, def) => {
    core.$ZodIBAN.init(inst, def);
    ZodStringFormat.init(inst, def);
})));
function iban(params) {
    return core._iban(ZodIBAN, params);
}
const ZodJWT = /*@__PURE__*/ core_core/* $constructor */.xI("ZodJWT", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    $ZodJWT.init(inst, def);
    ZodStringFormat.init(inst, def);
});
function jwt(params) {
    return core._jwt(ZodJWT, params);
}
const ZodCustomStringFormat = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodCustomStringFormat", (inst, def) => {
    // ZodStringFormat.init(inst, def);
    core.$ZodCustomStringFormat.init(inst, def);
    ZodStringFormat.init(inst, def);
})));
function stringFormat(format, fnOrRegex, _params = {}) {
    return core._stringFormat(ZodCustomStringFormat, format, fnOrRegex, _params);
}
function hostname(_params) {
    return core._stringFormat(ZodCustomStringFormat, "hostname", regexes.hostname, _params);
}
function hex(_params) {
    return core._stringFormat(ZodCustomStringFormat, "hex", regexes.hex, _params);
}
function currencyCode(_params) {
    return core._stringFormat(ZodCustomStringFormat, "currency_code", regexes.currencyCode, _params);
}
function hash(alg, params) {
    const enc = params?.enc ?? "hex";
    const format = `${alg}_${enc}`;
    const regex = core.regexes[format];
    if (!regex)
        throw new Error(`Unrecognized hash format: ${format}`);
    return core._stringFormat(ZodCustomStringFormat, format, regex, params);
}
const ZodNumber = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNumber", (inst, def) => {
    $ZodNumber.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => numberProcessor(inst, ctx, json, params);
    inst.isFinite = true;
}, 
/*@__PURE__*/ core_util/* derived */.un({
    minValue: (inst) => {
        const { minimum, exclusiveMinimum } = aggregateChecks(inst);
        return Math.max(minimum ?? Number.NEGATIVE_INFINITY, exclusiveMinimum ?? Number.NEGATIVE_INFINITY);
    },
    maxValue: (inst) => {
        const { maximum, exclusiveMaximum } = aggregateChecks(inst);
        return Math.min(maximum ?? Number.POSITIVE_INFINITY, exclusiveMaximum ?? Number.POSITIVE_INFINITY);
    },
    isInt: (inst) => {
        const { isInt, multipleOf } = aggregateChecks(inst);
        return !!isInt || !!multipleOf?.some(Number.isSafeInteger);
    },
    format: (inst) => aggregateChecks(inst).format ?? null,
}, {
    gt(value, params) {
        return this.check(api/* _gt */.Tx(value, params));
    },
    gte(value, params) {
        return this.check(api/* _gte */.qm(value, params));
    },
    min(value, params) {
        return this.check(api/* _gte */.qm(value, params));
    },
    lt(value, params) {
        return this.check(api/* _lt */.Au(value, params));
    },
    lte(value, params) {
        return this.check(api/* _lte */.Zm(value, params));
    },
    max(value, params) {
        return this.check(api/* _lte */.Zm(value, params));
    },
    int(params) {
        return this.check(schemas_int(params));
    },
    safe(params) {
        return this.check(schemas_int(params));
    },
    positive(params) {
        return this.check(api/* _gt */.Tx(0, params));
    },
    nonnegative(params) {
        return this.check(api/* _gte */.qm(0, params));
    },
    negative(params) {
        return this.check(api/* _lt */.Au(0, params));
    },
    nonpositive(params) {
        return this.check(api/* _lte */.Zm(0, params));
    },
    multipleOf(value, params) {
        return this.check(api/* _multipleOf */.Hi(value, params));
    },
    step(value, params) {
        return this.check(api/* _multipleOf */.Hi(value, params));
    },
    finite() {
        return this;
    },
}));
function number(params) {
    return api/* _number */.F7(ZodNumber, params);
}
const ZodNumberFormat = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNumberFormat", (inst, def) => {
    $ZodNumberFormat.init(inst, def);
    ZodNumber.init(inst, def);
});
function schemas_int(params) {
    return api/* _int */.LK(ZodNumberFormat, params);
}
function float32(params) {
    return core._float32(ZodNumberFormat, params);
}
function float64(params) {
    return core._float64(ZodNumberFormat, params);
}
function int32(params) {
    return core._int32(ZodNumberFormat, params);
}
function uint32(params) {
    return core._uint32(ZodNumberFormat, params);
}
const ZodBoolean = /*@__PURE__*/ core_core/* $constructor */.xI("ZodBoolean", (inst, def) => {
    $ZodBoolean.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => booleanProcessor(inst, ctx, json, params);
});
function schemas_boolean(params) {
    return api/* _boolean */._L(ZodBoolean, params);
}
const ZodBigInt = /*@__PURE__*/ core_core/* $constructor */.xI("ZodBigInt", (inst, def) => {
    $ZodBigInt.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => bigintProcessor(inst, ctx, json, params);
}, 
/*@__PURE__*/ core_util/* derived */.un({
    minValue: (inst) => aggregateChecks(inst).minimum ?? null,
    maxValue: (inst) => aggregateChecks(inst).maximum ?? null,
    format: (inst) => aggregateChecks(inst).format ?? null,
}, {
    gte(value, params) {
        return this.check(api/* _gte */.qm(value, params));
    },
    min(value, params) {
        return this.check(api/* _gte */.qm(value, params));
    },
    gt(value, params) {
        return this.check(api/* _gt */.Tx(value, params));
    },
    lt(value, params) {
        return this.check(api/* _lt */.Au(value, params));
    },
    lte(value, params) {
        return this.check(api/* _lte */.Zm(value, params));
    },
    max(value, params) {
        return this.check(api/* _lte */.Zm(value, params));
    },
    positive(params) {
        return this.check(api/* _gt */.Tx(BigInt(0), params));
    },
    negative(params) {
        return this.check(api/* _lt */.Au(BigInt(0), params));
    },
    nonpositive(params) {
        return this.check(api/* _lte */.Zm(BigInt(0), params));
    },
    nonnegative(params) {
        return this.check(api/* _gte */.qm(BigInt(0), params));
    },
    multipleOf(value, params) {
        return this.check(api/* _multipleOf */.Hi(value, params));
    },
}));
function bigint(params) {
    return core._bigint(ZodBigInt, params);
}
const ZodBigIntFormat = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodBigIntFormat", (inst, def) => {
    core.$ZodBigIntFormat.init(inst, def);
    ZodBigInt.init(inst, def);
})));
function int64(params) {
    return core._int64(ZodBigIntFormat, params);
}
function uint64(params) {
    return core._uint64(ZodBigIntFormat, params);
}
const ZodSymbol = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodSymbol", (inst, def) => {
    core.$ZodSymbol.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.symbolProcessor(inst, ctx, json, params);
})));
function symbol(params) {
    return core._symbol(ZodSymbol, params);
}
const ZodUndefined = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodUndefined", (inst, def) => {
    core.$ZodUndefined.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.undefinedProcessor(inst, ctx, json, params);
})));
function _undefined(params) {
    return core._undefined(ZodUndefined, params);
}

const ZodNull = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodNull", (inst, def) => {
    core.$ZodNull.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.nullProcessor(inst, ctx, json, params);
})));
function _null(params) {
    return core._null(ZodNull, params);
}

const ZodAny = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodAny", (inst, def) => {
    core.$ZodAny.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.anyProcessor(inst, ctx, json, params);
})));
function any() {
    return core._any(ZodAny);
}
const ZodUnknown = /*@__PURE__*/ core_core/* $constructor */.xI("ZodUnknown", (inst, def) => {
    $ZodUnknown.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => unknownProcessor(inst, ctx, json, params);
});
function unknown() {
    return api/* _unknown */.em(ZodUnknown);
}
const ZodNever = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNever", (inst, def) => {
    $ZodNever.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => neverProcessor(inst, ctx, json, params);
});
function never(params) {
    return api/* _never */.G8(ZodNever, params);
}
const ZodVoid = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodVoid", (inst, def) => {
    core.$ZodVoid.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.voidProcessor(inst, ctx, json, params);
})));
function _void(params) {
    return core._void(ZodVoid, params);
}

const ZodDate = /*@__PURE__*/ core_core/* $constructor */.xI("ZodDate", (inst, def) => {
    $ZodDate.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => dateProcessor(inst, ctx, json, params);
    inst.min = (value, params) => inst.check(api/* _gte */.qm(value, params));
    inst.max = (value, params) => inst.check(api/* _lte */.Zm(value, params));
}, 
/*@__PURE__*/ core_util/* derived */.un({
    minDate: (inst) => {
        const { minimum } = aggregateChecks(inst);
        return minimum ? new Date(minimum) : null;
    },
    maxDate: (inst) => {
        const { maximum } = aggregateChecks(inst);
        return maximum ? new Date(maximum) : null;
    },
}, {}));
function date(params) {
    return core._date(ZodDate, params);
}
const ZodArray = /*@__PURE__*/ core_core/* $constructor */.xI("ZodArray", (inst, def) => {
    _ensureDefaultMemoizer();
    $ZodArray.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => arrayProcessor(inst, ctx, json, params);
    inst.element = def.element;
}, {
    min(n, params) {
        return this.check(api/* _minLength */.m9(n, params));
    },
    nonempty(params) {
        return this.check(api/* _minLength */.m9(1, params));
    },
    max(n, params) {
        return this.check(api/* _maxLength */.Eb(n, params));
    },
    length(n, params) {
        return this.check(api/* _length */.YA(n, params));
    },
    unwrap() {
        return this.element;
    },
});
function array(element, params) {
    return api/* _array */.dZ(ZodArray, element, params);
}
// .keyof
function keyof(schema) {
    const shape = schema._zod.def.shape;
    return _enum(Object.keys(shape));
}
const ZodObject = /*@__PURE__*/ core_core/* $constructor */.xI("ZodObject", (inst, def) => {
    _ensureDefaultMemoizer();
    $ZodObjectJIT.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => objectProcessor(inst, ctx, json, params);
    core_util/* installLazyProp */.X(inst, "shape", (self) => self._zod.def.shape, false);
}, {
    keyof() {
        return _enum(Object.keys(this._zod.def.shape));
    },
    catchall(catchall) {
        // `mergeDefs` rather than a spread: spreading reads `shape`, and resolving it can mint a whole fresh subtree
        return this.clone(core_util/* mergeDefs */.zM(this._zod.def, { catchall: catchall }));
    },
    passthrough() {
        return this.clone(core_util/* mergeDefs */.zM(this._zod.def, { catchall: unknown() }));
    },
    loose() {
        return this.clone(core_util/* mergeDefs */.zM(this._zod.def, { catchall: unknown() }));
    },
    strict() {
        return this.clone(core_util/* mergeDefs */.zM(this._zod.def, { catchall: never() }));
    },
    strip() {
        return this.clone(core_util/* mergeDefs */.zM(this._zod.def, { catchall: undefined }));
    },
    extend(incoming) {
        return core_util/* extend */.X$(this, incoming);
    },
    safeExtend(incoming) {
        return core_util/* safeExtend */.W0(this, incoming);
    },
    merge(other) {
        return core_util/* merge */.h1(this, other);
    },
    pick(mask) {
        return core_util/* pick */.Up(this, mask);
    },
    omit(mask) {
        return core_util/* omit */.cJ(this, mask);
    },
    partial(...args) {
        return core_util/* partial */.OH(ZodOptional, this, args[0]);
    },
    exactPartial(...args) {
        return core_util/* partial */.OH(ZodExactOptional, this, args[0], "exactPartial");
    },
    required(...args) {
        return core_util/* required */.mw(ZodNonOptional, this, args[0]);
    },
});
function object(shape, params) {
    const def = {
        type: "object",
        shape: shape ?? {},
        ...core_util/* normalizeParams */.A2(params),
    };
    return new ZodObject(def);
}
// strictObject
function strictObject(shape, params) {
    return new ZodObject({
        type: "object",
        shape,
        catchall: never(),
        ...core_util/* normalizeParams */.A2(params),
    });
}
// looseObject
function looseObject(shape, params) {
    return new ZodObject({
        type: "object",
        shape,
        catchall: unknown(),
        ...util.normalizeParams(params),
    });
}
const ZodUnion = /*@__PURE__*/ core_core/* $constructor */.xI("ZodUnion", (inst, def) => {
    $ZodUnion.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => unionProcessor(inst, ctx, json, params);
    inst.options = def.options;
});
function union(options, params) {
    return new ZodUnion({
        type: "union",
        options: options,
        ...core_util/* normalizeParams */.A2(params),
    });
}
const ZodXor = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodXor", (inst, def) => {
    ZodUnion.init(inst, def);
    core.$ZodXor.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.unionProcessor(inst, ctx, json, params);
    inst.options = def.options;
})));
/** Creates an exclusive union (XOR) where exactly one option must match.
 * Unlike regular unions that succeed when any option matches, xor fails if
 * zero or more than one option matches the input. */
function xor(options, params) {
    return new ZodXor({
        type: "union",
        options: options,
        inclusive: false,
        ...util.normalizeParams(params),
    });
}
const ZodDiscriminatedUnion = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodDiscriminatedUnion", (inst, def) => {
    ZodUnion.init(inst, def);
    core.$ZodDiscriminatedUnion.init(inst, def);
})));
function discriminatedUnion(discriminator, options, params) {
    // const [options, params] = args;
    return new ZodDiscriminatedUnion({
        type: "union",
        options: options,
        discriminator,
        ...util.normalizeParams(params),
    });
}
const ZodIntersection = /*@__PURE__*/ core_core/* $constructor */.xI("ZodIntersection", (inst, def) => {
    $ZodIntersection.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => intersectionProcessor(inst, ctx, json, params);
});
function intersection(left, right) {
    return new ZodIntersection({
        type: "intersection",
        left: left,
        right: right,
    });
}
const ZodTuple = /*@__PURE__*/ core_core/* $constructor */.xI("ZodTuple", (inst, def) => {
    _ensureDefaultMemoizer();
    $ZodTuple.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => tupleProcessor(inst, ctx, json, params);
}, {
    rest(rest) {
        return this.clone({
            ...this._zod.def,
            rest: rest,
        });
    },
    partial() {
        const def = this._zod.def;
        // a refinement was authored against the full arity; partialing would run it on a shorter array
        if (def.checks?.length)
            throw new Error(".partial() cannot be used on tuple schemas containing refinements");
        return this.clone({
            ...def,
            items: def.items.map((item) => new ZodOptional({ type: "optional", innerType: item })),
        });
    },
});
function tuple(items, _paramsOrRest, _params) {
    const hasRest = _paramsOrRest instanceof core.$ZodType;
    const params = hasRest ? _params : _paramsOrRest;
    const rest = hasRest ? _paramsOrRest : null;
    return new ZodTuple({
        type: "tuple",
        items: items,
        rest,
        ...util.normalizeParams(params),
    });
}
const ZodRecord = /*@__PURE__*/ core_core/* $constructor */.xI("ZodRecord", (inst, def) => {
    _ensureDefaultMemoizer();
    $ZodRecord.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => recordProcessor(inst, ctx, json, params);
    inst.keyType = def.keyType;
    inst.valueType = def.valueType;
});
function record(keyType, valueType, params) {
    // v3-compat: z.record(valueType, params?) — defaults keyType to z.string()
    if (!valueType || !valueType._zod) {
        return new ZodRecord({
            type: "record",
            keyType: string(),
            valueType: keyType,
            ...core_util/* normalizeParams */.A2(valueType),
        });
    }
    return new ZodRecord({
        type: "record",
        keyType,
        valueType: valueType,
        ...core_util/* normalizeParams */.A2(params),
    });
}
// type alksjf = core.output<core.$ZodRecordKey>;
function partialRecord(keyType, valueType, params) {
    return new ZodRecord({
        type: "record",
        keyType,
        valueType: valueType,
        ...util.normalizeParams(params),
        partial: true,
    });
}
function looseRecord(keyType, valueType, params) {
    return new ZodRecord({
        type: "record",
        keyType,
        valueType: valueType,
        mode: "loose",
        ...util.normalizeParams(params),
    });
}
const ZodMap = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodMap", (inst, def) => {
    _ensureDefaultMemoizer();
    core.$ZodMap.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.mapProcessor(inst, ctx, json, params);
    inst.keyType = def.keyType;
    inst.valueType = def.valueType;
    inst.min = (...args) => inst.check(core._minSize(...args));
    inst.nonempty = (params) => inst.check(core._minSize(1, params));
    inst.max = (...args) => inst.check(core._maxSize(...args));
    inst.size = (...args) => inst.check(core._size(...args));
})));
function map(keyType, valueType, params) {
    return new ZodMap({
        type: "map",
        keyType: keyType,
        valueType: valueType,
        ...util.normalizeParams(params),
    });
}
const ZodSet = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodSet", (inst, def) => {
    _ensureDefaultMemoizer();
    core.$ZodSet.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.setProcessor(inst, ctx, json, params);
    inst.min = (...args) => inst.check(core._minSize(...args));
    inst.nonempty = (params) => inst.check(core._minSize(1, params));
    inst.max = (...args) => inst.check(core._maxSize(...args));
    inst.size = (...args) => inst.check(core._size(...args));
})));
function set(valueType, params) {
    return new ZodSet({
        type: "set",
        valueType: valueType,
        ...util.normalizeParams(params),
    });
}
const ZodEnum = /*@__PURE__*/ core_core/* $constructor */.xI("ZodEnum", (inst, def) => {
    $ZodEnum.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => enumProcessor(inst, ctx, json, params);
    inst.enum = def.entries;
    // reuse the parsed value set so a numeric TS enum's reverse-mapping keys stay out
    inst.options = [...inst._zod.values];
    const keys = new Set(Object.keys(def.entries));
    inst.extract = (values, params) => {
        const newEntries = {};
        for (const value of values) {
            if (keys.has(value)) {
                newEntries[value] = def.entries[value];
            }
            else
                throw new Error(`Key ${value} not found in enum`);
        }
        return new ZodEnum({
            ...def,
            checks: [],
            ...core_util/* normalizeParams */.A2(params),
            entries: newEntries,
        });
    };
    inst.exclude = (values, params) => {
        const newEntries = { ...def.entries };
        for (const value of values) {
            if (keys.has(value)) {
                delete newEntries[value];
            }
            else
                throw new Error(`Key ${value} not found in enum`);
        }
        return new ZodEnum({
            ...def,
            checks: [],
            ...core_util/* normalizeParams */.A2(params),
            entries: newEntries,
        });
    };
});
function _enum(values, params) {
    const entries = Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values;
    return new ZodEnum({
        type: "enum",
        entries,
        ...core_util/* normalizeParams */.A2(params),
    });
}

/** @deprecated This API has been merged into `z.enum()`. Use `z.enum()` instead.
 *
 * ```ts
 * enum Colors { red, green, blue }
 * z.enum(Colors);
 * ```
 */
function nativeEnum(entries, params) {
    return new ZodEnum({
        type: "enum",
        entries,
        ...util.normalizeParams(params),
    });
}
const ZodLiteral = /*@__PURE__*/ core_core/* $constructor */.xI("ZodLiteral", (inst, def) => {
    $ZodLiteral.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => literalProcessor(inst, ctx, json, params);
    inst.values = new Set(def.values);
    Object.defineProperty(inst, "value", {
        get() {
            if (def.values.length > 1) {
                throw new Error("This schema contains multiple valid literal values. Use `.values` instead.");
            }
            return def.values[0];
        },
    });
});
function literal(value, params) {
    return new ZodLiteral({
        type: "literal",
        values: Array.isArray(value) ? value : [value],
        ...core_util/* normalizeParams */.A2(params),
    });
}
const ZodFile = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodFile", (inst, def) => {
    core.$ZodFile.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.fileProcessor(inst, ctx, json, params);
    inst.min = (size, params) => inst.check(core._minSize(size, params));
    inst.max = (size, params) => inst.check(core._maxSize(size, params));
    inst.mime = (types, params) => inst.check(core._mime(Array.isArray(types) ? types : [types], params));
})));
function file(params) {
    return core._file(ZodFile, params);
}
const ZodTransform = /*@__PURE__*/ core_core/* $constructor */.xI("ZodTransform", (inst, def) => {
    _ensureDefaultMemoizer();
    $ZodTransform.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => transformProcessor(inst, ctx, json, params);
    inst._zod.parse = (payload, _ctx) => {
        if (_ctx.direction === "backward") {
            throw new core_core/* $ZodEncodeError */.cV(inst.constructor.name);
        }
        payload.addIssue = (issue) => {
            if (typeof issue === "string") {
                payload.issues.push(core_util/* issue */.sn(issue, payload.value, def));
            }
            else {
                // for Zod 3 backwards compatibility
                const _issue = issue;
                if (_issue.fatal)
                    _issue.continue = false;
                _issue.code ?? (_issue.code = "custom");
                if (!("input" in _issue))
                    _issue.input = payload.value;
                _issue.inst ?? (_issue.inst = inst);
                // _issue.continue ??= true;
                payload.issues.push(core_util/* issue */.sn(_issue));
            }
        };
        const output = def.transform(payload.value, payload);
        if (output instanceof Promise) {
            return output.then((output) => {
                payload.value = output;
                return payload;
            });
        }
        payload.value = output;
        return payload;
    };
});
function transform(fn) {
    return new ZodTransform({
        type: "transform",
        transform: fn,
    });
}
const ZodOptional = /*@__PURE__*/ core_core/* $constructor */.xI("ZodOptional", (inst, def) => {
    $ZodOptional.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => optionalProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function optional(innerType) {
    return new ZodOptional({
        type: "optional",
        innerType: innerType,
    });
}
const ZodExactOptional = /*@__PURE__*/ core_core/* $constructor */.xI("ZodExactOptional", (inst, def) => {
    $ZodExactOptional.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => optionalProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function exactOptional(innerType) {
    return new ZodExactOptional({
        type: "optional",
        innerType: innerType,
    });
}
const ZodNullable = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNullable", (inst, def) => {
    $ZodNullable.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => nullableProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function nullable(innerType) {
    return new ZodNullable({
        type: "nullable",
        innerType: innerType,
    });
}
// nullish
function nullish(innerType) {
    return optional(nullable(innerType));
}
const ZodDefault = /*@__PURE__*/ core_core/* $constructor */.xI("ZodDefault", (inst, def) => {
    $ZodDefault.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => defaultProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
    inst.removeDefault = inst.unwrap;
});
function _default(innerType, defaultValue) {
    return new ZodDefault({
        type: "default",
        innerType: innerType,
        get defaultValue() {
            return typeof defaultValue === "function" ? defaultValue() : core_util/* shallowClone */.yG(defaultValue);
        },
    });
}
const ZodPrefault = /*@__PURE__*/ core_core/* $constructor */.xI("ZodPrefault", (inst, def) => {
    $ZodPrefault.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => prefaultProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function prefault(innerType, defaultValue) {
    return new ZodPrefault({
        type: "prefault",
        innerType: innerType,
        get defaultValue() {
            return typeof defaultValue === "function" ? defaultValue() : core_util/* shallowClone */.yG(defaultValue);
        },
    });
}
const ZodNonOptional = /*@__PURE__*/ core_core/* $constructor */.xI("ZodNonOptional", (inst, def) => {
    $ZodNonOptional.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => nonoptionalProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function nonoptional(innerType, params) {
    return new ZodNonOptional({
        type: "nonoptional",
        innerType: innerType,
        ...core_util/* normalizeParams */.A2(params),
    });
}
const ZodSuccess = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodSuccess", (inst, def) => {
    core.$ZodSuccess.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.successProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
})));
function success(innerType) {
    return new ZodSuccess({
        type: "success",
        innerType: innerType,
    });
}
const ZodCatch = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCatch", (inst, def) => {
    $ZodCatch.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => catchProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
    inst.removeCatch = inst.unwrap;
});
function _catch(innerType, catchValue) {
    return new ZodCatch({
        type: "catch",
        innerType: innerType,
        catchValue: (typeof catchValue === "function" ? catchValue : core_util/* constantCatch */.SS(catchValue)),
    });
}

const ZodNaN = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodNaN", (inst, def) => {
    core.$ZodNaN.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.nanProcessor(inst, ctx, json, params);
})));
function nan(params) {
    return core._nan(ZodNaN, params);
}
const ZodPipe = /*@__PURE__*/ core_core/* $constructor */.xI("ZodPipe", (inst, def) => {
    $ZodPipe.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => pipeProcessor(inst, ctx, json, params);
    inst.in = def.in;
    inst.out = def.out;
});
function pipe(in_, out) {
    return new ZodPipe({
        type: "pipe",
        in: in_,
        out: out,
        // ...util.normalizeParams(params),
    });
}
const ZodCodec = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodCodec", (inst, def) => {
    ZodPipe.init(inst, def);
    core.$ZodCodec.init(inst, def);
})));
function codec(in_, out, params) {
    return new ZodCodec({
        type: "pipe",
        in: in_,
        out: out,
        transform: params.decode,
        reverseTransform: params.encode,
    });
}
function invertCodec(codec) {
    const def = codec._zod.def;
    return new ZodCodec({
        type: "pipe",
        in: def.out,
        out: def.in,
        transform: def.reverseTransform,
        reverseTransform: def.transform,
    });
}
const ZodPreprocess = /*@__PURE__*/ core_core/* $constructor */.xI("ZodPreprocess", (inst, def) => {
    ZodPipe.init(inst, def);
    $ZodPreprocess.init(inst, def);
});
const ZodReadonly = /*@__PURE__*/ core_core/* $constructor */.xI("ZodReadonly", (inst, def) => {
    $ZodReadonly.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => readonlyProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
});
function readonly(innerType) {
    return new ZodReadonly({
        type: "readonly",
        innerType: innerType,
    });
}
const ZodTemplateLiteral = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodTemplateLiteral", (inst, def) => {
    core.$ZodTemplateLiteral.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.templateLiteralProcessor(inst, ctx, json, params);
})));
function templateLiteral(parts, params) {
    return new ZodTemplateLiteral({
        type: "template_literal",
        parts,
        ...util.normalizeParams(params),
    });
}
const ZodLazy = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodLazy", (inst, def) => {
    core.$ZodLazy.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.lazyProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.getter();
})));
function lazy(getter) {
    return new ZodLazy({
        type: "lazy",
        getter: getter,
    });
}
const ZodPromise = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodPromise", (inst, def) => {
    core.$ZodPromise.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.promiseProcessor(inst, ctx, json, params);
    inst.unwrap = () => inst._zod.def.innerType;
})));
function promise(innerType) {
    return new ZodPromise({
        type: "promise",
        innerType: innerType,
    });
}
const ZodFunction = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("ZodFunction", (inst, def) => {
    core.$ZodFunction.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => processors.functionProcessor(inst, ctx, json, params);
})));
function _function(params) {
    return new ZodFunction({
        type: "function",
        input: Array.isArray(params?.input) ? tuple(params?.input) : (params?.input ?? array(unknown())),
        output: params?.output ?? unknown(),
    });
}

const ZodCustom = /*@__PURE__*/ core_core/* $constructor */.xI("ZodCustom", (inst, def) => {
    $ZodCustom.init(inst, def);
    ZodType.init(inst, def);
    inst._zod.processJSONSchema = (ctx, json, params) => customProcessor(inst, ctx, json, params);
});
// custom checks
function check(fn) {
    const ch = new core.$ZodCheck({
        check: "custom",
        // ...util.normalizeParams(params),
    });
    ch._zod.check = fn;
    return ch;
}
function custom(fn, _params) {
    return core._custom(ZodCustom, fn ?? (() => true), _params);
}
function refine(fn, _params = {}) {
    return api/* _refine */.fU(ZodCustom, fn, _params);
}
// superRefine
function superRefine(fn, params) {
    return api/* _superRefine */.MB(fn, params);
}
// Re-export describe and meta from core
const describe = api/* describe */.q0;
const meta = api/* meta */.mI;
const ZodInstanceOf = /*@__PURE__*/ core_core/* $constructor */.xI("ZodInstanceOf", (inst, def) => {
    ZodCustom.init(inst, def);
}, {
    properties(shape, params) {
        // asserts in place, so the narrowed output type is truthful without a wrapper
        return this.check(api/* _properties */.T2(shape, params));
    },
});
function _instanceof(cls, params = {}) {
    const inst = new ZodInstanceOf({
        type: "custom",
        check: "custom",
        fn: (data) => data instanceof cls,
        abort: true,
        ...util.normalizeParams(params),
    });
    inst._zod.bag.Class = cls;
    // Override check to emit invalid_type instead of custom
    inst._zod.check = (payload) => {
        if (!(payload.value instanceof cls)) {
            payload.issues.push({
                code: "invalid_type",
                expected: cls.name,
                input: payload.value,
                inst,
                path: [...(inst._zod.def.path ?? [])],
            });
        }
    };
    return inst;
}

// stringbool
const stringbool = (...args) => core._stringbool({
    Codec: ZodCodec,
    Boolean: ZodBoolean,
    String: ZodString,
}, ...args);
function json(params) {
    const jsonSchema = lazy(() => {
        return union([string(params), number(), schemas_boolean(), _null(), array(jsonSchema), record(string(), jsonSchema)]);
    });
    return jsonSchema;
}
// preprocess
function preprocess(fn, schema) {
    return new ZodPreprocess({
        type: "pipe",
        in: transform(fn),
        out: schema,
    });
}


/***/ }),

/***/ 3759:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $O: () => (/* binding */ _ipv6),
/* harmony export */   $S: () => (/* binding */ _startsWith),
/* harmony export */   Au: () => (/* binding */ _lt),
/* harmony export */   Be: () => (/* binding */ _uuid),
/* harmony export */   Bj: () => (/* binding */ _cuid2),
/* harmony export */   Ct: () => (/* binding */ _ulid),
/* harmony export */   Dl: () => (/* binding */ _nanoid),
/* harmony export */   ER: () => (/* binding */ _endsWith),
/* harmony export */   Eb: () => (/* binding */ _maxLength),
/* harmony export */   F7: () => (/* binding */ _number),
/* harmony export */   Fk: () => (/* binding */ _regex),
/* harmony export */   Fn: () => (/* binding */ _url),
/* harmony export */   G1: () => (/* binding */ _isoDateTime),
/* harmony export */   G8: () => (/* binding */ _never),
/* harmony export */   Hi: () => (/* binding */ _multipleOf),
/* harmony export */   Il: () => (/* binding */ _toLowerCase),
/* harmony export */   KB: () => (/* binding */ _e164),
/* harmony export */   Kn: () => (/* binding */ _isoTime),
/* harmony export */   LK: () => (/* binding */ _int),
/* harmony export */   MB: () => (/* binding */ _superRefine),
/* harmony export */   Mu: () => (/* binding */ _email),
/* harmony export */   Ny: () => (/* binding */ _ipv4),
/* harmony export */   Pw: () => (/* binding */ _xid),
/* harmony export */   Rl: () => (/* binding */ _string),
/* harmony export */   T2: () => (/* binding */ _properties),
/* harmony export */   TL: () => (/* binding */ _slugify),
/* harmony export */   Tx: () => (/* binding */ _gt),
/* harmony export */   Uy: () => (/* binding */ _cidrv4),
/* harmony export */   WN: () => (/* binding */ _trim),
/* harmony export */   YA: () => (/* binding */ _length),
/* harmony export */   Zm: () => (/* binding */ _lte),
/* harmony export */   _L: () => (/* binding */ _boolean),
/* harmony export */   _z: () => (/* binding */ _ksuid),
/* harmony export */   aC: () => (/* binding */ _emoji),
/* harmony export */   bS: () => (/* binding */ _overwrite),
/* harmony export */   cU: () => (/* binding */ _base64url),
/* harmony export */   dR: () => (/* binding */ _includes),
/* harmony export */   dZ: () => (/* binding */ _array),
/* harmony export */   db: () => (/* binding */ _isoDate),
/* harmony export */   em: () => (/* binding */ _unknown),
/* harmony export */   f2: () => (/* binding */ _isoDuration),
/* harmony export */   fU: () => (/* binding */ _refine),
/* harmony export */   fs: () => (/* binding */ _cuid),
/* harmony export */   gP: () => (/* binding */ _cidrv6),
/* harmony export */   hH: () => (/* binding */ _lowercase),
/* harmony export */   lo: () => (/* binding */ _normalize),
/* harmony export */   m9: () => (/* binding */ _minLength),
/* harmony export */   mI: () => (/* binding */ meta),
/* harmony export */   nA: () => (/* binding */ _uuidv4),
/* harmony export */   pY: () => (/* binding */ _uuidv6),
/* harmony export */   q0: () => (/* binding */ describe),
/* harmony export */   qF: () => (/* binding */ _uppercase),
/* harmony export */   qG: () => (/* binding */ _coercedNumber),
/* harmony export */   qm: () => (/* binding */ _gte),
/* harmony export */   rk: () => (/* binding */ _jwt),
/* harmony export */   rt: () => (/* binding */ _base64),
/* harmony export */   tB: () => (/* binding */ _guid),
/* harmony export */   wA: () => (/* binding */ _uuidv7),
/* harmony export */   xY: () => (/* binding */ _toUpperCase)
/* harmony export */ });
/* unused harmony exports _coercedString, _mac, _creditCard, _iban, TimePrecision, _float32, _float64, _int32, _uint32, _coercedBoolean, _bigint, _coercedBigint, _int64, _uint64, _symbol, _undefined, _null, _any, _void, _date, _coercedDate, _nan, _max, _min, _positive, _negative, _nonpositive, _nonnegative, _maxSize, _minSize, _size, _property, _mime, _union, _xor, _discriminatedUnion, _intersection, _tuple, _record, _map, _set, _enum, _nativeEnum, _literal, _file, _transform, _optional, _nullable, _default, _nonoptional, _success, _catch, _pipe, _readonly, _templateLiteral, _lazy, _promise, _custom, _check, _stringbool, _stringFormat */
/* harmony import */ var _checks_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4890);
/* harmony import */ var _registries_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(9396);
/* harmony import */ var _util_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(4723);




function snapshotChecks(def) {
    if (def.checks)
        def.checks = [...def.checks];
    return def;
}
// @__NO_SIDE_EFFECTS__
function _string(Class, params) {
    return new Class(snapshotChecks({ type: "string", ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params) }));
}
// @__NO_SIDE_EFFECTS__
function _coercedString(Class, params) {
    return new Class(snapshotChecks({ type: "string", coerce: true, ...util.normalizeParams(params) }));
}
// @__NO_SIDE_EFFECTS__
function _email(Class, params) {
    return new Class({
        type: "string",
        format: "email",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _guid(Class, params) {
    return new Class({
        type: "string",
        format: "guid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uuid(Class, params) {
    return new Class({
        type: "string",
        format: "uuid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uuidv4(Class, params) {
    return new Class({
        type: "string",
        format: "uuid",
        check: "string_format",
        abort: false,
        version: "v4",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uuidv6(Class, params) {
    return new Class({
        type: "string",
        format: "uuid",
        check: "string_format",
        abort: false,
        version: "v6",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uuidv7(Class, params) {
    return new Class({
        type: "string",
        format: "uuid",
        check: "string_format",
        abort: false,
        version: "v7",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _url(Class, params) {
    return new Class({
        type: "string",
        format: "url",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _emoji(Class, params) {
    return new Class({
        type: "string",
        format: "emoji",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _nanoid(Class, params) {
    return new Class({
        type: "string",
        format: "nanoid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
/**
 * @deprecated CUID v1 is deprecated by its authors due to information leakage
 * (timestamps embedded in the id). Use {@link _cuid2} instead.
 * See https://github.com/paralleldrive/cuid.
 */
// @__NO_SIDE_EFFECTS__
function _cuid(Class, params) {
    return new Class({
        type: "string",
        format: "cuid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _cuid2(Class, params) {
    return new Class({
        type: "string",
        format: "cuid2",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _ulid(Class, params) {
    return new Class({
        type: "string",
        format: "ulid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _xid(Class, params) {
    return new Class({
        type: "string",
        format: "xid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _ksuid(Class, params) {
    return new Class({
        type: "string",
        format: "ksuid",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _ipv4(Class, params) {
    return new Class({
        type: "string",
        format: "ipv4",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _ipv6(Class, params) {
    return new Class({
        type: "string",
        format: "ipv6",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _mac(Class, params) {
    return new Class({
        type: "string",
        format: "mac",
        check: "string_format",
        abort: false,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _cidrv4(Class, params) {
    return new Class({
        type: "string",
        format: "cidrv4",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _cidrv6(Class, params) {
    return new Class({
        type: "string",
        format: "cidrv6",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _base64(Class, params) {
    return new Class({
        type: "string",
        format: "base64",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _base64url(Class, params) {
    return new Class({
        type: "string",
        format: "base64url",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _e164(Class, params) {
    return new Class({
        type: "string",
        format: "e164",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _creditCard(Class, params) {
    return new Class({
        type: "string",
        format: "credit_card",
        check: "string_format",
        abort: false,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _iban(Class, params) {
    return new Class({
        type: "string",
        format: "iban",
        check: "string_format",
        abort: false,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _jwt(Class, params) {
    return new Class({
        type: "string",
        format: "jwt",
        check: "string_format",
        abort: false,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
const TimePrecision = {
    Any: null,
    Minute: -1,
    Second: 0,
    Millisecond: 3,
    Microsecond: 6,
};
// @__NO_SIDE_EFFECTS__
function _isoDateTime(Class, params) {
    return new Class({
        type: "string",
        format: "datetime",
        check: "string_format",
        offset: false,
        local: false,
        precision: null,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _isoDate(Class, params) {
    return new Class({
        type: "string",
        format: "date",
        check: "string_format",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _isoTime(Class, params) {
    return new Class({
        type: "string",
        format: "time",
        check: "string_format",
        precision: null,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _isoDuration(Class, params) {
    return new Class({
        type: "string",
        format: "duration",
        check: "string_format",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _number(Class, params) {
    return new Class(snapshotChecks({ type: "number", checks: [], ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params) }));
}
// @__NO_SIDE_EFFECTS__
function _coercedNumber(Class, params) {
    return new Class(snapshotChecks({ type: "number", coerce: true, checks: [], ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params) }));
}
// @__NO_SIDE_EFFECTS__
function _int(Class, params) {
    return new Class({
        type: "number",
        check: "number_format",
        abort: false,
        format: "safeint",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _float32(Class, params) {
    return new Class({
        type: "number",
        check: "number_format",
        abort: false,
        format: "float32",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _float64(Class, params) {
    return new Class({
        type: "number",
        check: "number_format",
        abort: false,
        format: "float64",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _int32(Class, params) {
    return new Class({
        type: "number",
        check: "number_format",
        abort: false,
        format: "int32",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uint32(Class, params) {
    return new Class({
        type: "number",
        check: "number_format",
        abort: false,
        format: "uint32",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _boolean(Class, params) {
    return new Class({
        type: "boolean",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _coercedBoolean(Class, params) {
    return new Class({
        type: "boolean",
        coerce: true,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _bigint(Class, params) {
    return new Class({
        type: "bigint",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _coercedBigint(Class, params) {
    return new Class({
        type: "bigint",
        coerce: true,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _int64(Class, params) {
    return new Class({
        type: "bigint",
        check: "bigint_format",
        abort: false,
        format: "int64",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uint64(Class, params) {
    return new Class({
        type: "bigint",
        check: "bigint_format",
        abort: false,
        format: "uint64",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _symbol(Class, params) {
    return new Class({
        type: "symbol",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _undefined(Class, params) {
    return new Class({
        type: "undefined",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _null(Class, params) {
    return new Class({
        type: "null",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _any(Class) {
    return new Class({
        type: "any",
    });
}
// @__NO_SIDE_EFFECTS__
function _unknown(Class) {
    return new Class({
        type: "unknown",
    });
}
// @__NO_SIDE_EFFECTS__
function _never(Class, params) {
    return new Class({
        type: "never",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _void(Class, params) {
    return new Class({
        type: "void",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _date(Class, params) {
    return new Class({
        type: "date",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _coercedDate(Class, params) {
    return new Class({
        type: "date",
        coerce: true,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _nan(Class, params) {
    return new Class({
        type: "nan",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _lt(value, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckLessThan */ .sm({
        check: "less_than",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        value,
        inclusive: false,
    });
}
// @__NO_SIDE_EFFECTS__
function _lte(value, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckLessThan */ .sm({
        check: "less_than",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        value,
        inclusive: true,
    });
}

// @__NO_SIDE_EFFECTS__
function _gt(value, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckGreaterThan */ .J_({
        check: "greater_than",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        value,
        inclusive: false,
    });
}
// @__NO_SIDE_EFFECTS__
function _gte(value, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckGreaterThan */ .J_({
        check: "greater_than",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        value,
        inclusive: true,
    });
}

// @__NO_SIDE_EFFECTS__
function _positive(params) {
    return _gt(0, params);
}
// negative
// @__NO_SIDE_EFFECTS__
function _negative(params) {
    return _lt(0, params);
}
// nonpositive
// @__NO_SIDE_EFFECTS__
function _nonpositive(params) {
    return _lte(0, params);
}
// nonnegative
// @__NO_SIDE_EFFECTS__
function _nonnegative(params) {
    return _gte(0, params);
}
// @__NO_SIDE_EFFECTS__
function _multipleOf(value, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckMultipleOf */ .Jk({
        check: "multiple_of",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        value,
    });
}
// @__NO_SIDE_EFFECTS__
function _maxSize(maximum, params) {
    return new checks.$ZodCheckMaxSize({
        check: "max_size",
        ...util.normalizeParams(params),
        maximum,
    });
}
// @__NO_SIDE_EFFECTS__
function _minSize(minimum, params) {
    return new checks.$ZodCheckMinSize({
        check: "min_size",
        ...util.normalizeParams(params),
        minimum,
    });
}
// @__NO_SIDE_EFFECTS__
function _size(size, params) {
    return new checks.$ZodCheckSizeEquals({
        check: "size_equals",
        ...util.normalizeParams(params),
        size,
    });
}
// @__NO_SIDE_EFFECTS__
function _maxLength(maximum, params) {
    const ch = new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckMaxLength */ .Yk({
        check: "max_length",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        maximum,
    });
    return ch;
}
// @__NO_SIDE_EFFECTS__
function _minLength(minimum, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckMinLength */ .Kk({
        check: "min_length",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        minimum,
    });
}
// @__NO_SIDE_EFFECTS__
function _length(length, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckLengthEquals */ .RM({
        check: "length_equals",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        length,
    });
}
// @__NO_SIDE_EFFECTS__
function _regex(pattern, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckRegex */ .DG({
        check: "string_format",
        format: "regex",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        pattern,
    });
}
// @__NO_SIDE_EFFECTS__
function _lowercase(params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckLowerCase */ .NI({
        check: "string_format",
        format: "lowercase",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _uppercase(params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckUpperCase */ .kH({
        check: "string_format",
        format: "uppercase",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _includes(includes, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckIncludes */ .Tt({
        check: "string_format",
        format: "includes",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        includes,
    });
}
// @__NO_SIDE_EFFECTS__
function _startsWith(prefix, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckStartsWith */ .J({
        check: "string_format",
        format: "starts_with",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        prefix,
    });
}
// @__NO_SIDE_EFFECTS__
function _endsWith(suffix, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckEndsWith */ .E6({
        check: "string_format",
        format: "ends_with",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
        suffix,
    });
}
// @__NO_SIDE_EFFECTS__
function _property(property, schema, params) {
    return new checks.$ZodCheckProperty({
        check: "property",
        property,
        schema,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _properties(shape, params) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckProperties */ .nJ({
        check: "properties",
        shape,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _mime(types, params) {
    return new checks.$ZodCheckMimeType({
        check: "mime_type",
        mime: types,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _overwrite(tx) {
    return new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheckOverwrite */ .v$({
        check: "overwrite",
        tx,
    });
}
// normalize
// @__NO_SIDE_EFFECTS__
function _normalize(form) {
    return _overwrite((input) => input.normalize(form));
}
// trim
// @__NO_SIDE_EFFECTS__
function _trim() {
    return _overwrite((input) => input.trim());
}
// toLowerCase
// @__NO_SIDE_EFFECTS__
function _toLowerCase() {
    return _overwrite((input) => input.toLowerCase());
}
// toUpperCase
// @__NO_SIDE_EFFECTS__
function _toUpperCase() {
    return _overwrite((input) => input.toUpperCase());
}
// slugify
// @__NO_SIDE_EFFECTS__
function _slugify() {
    return _overwrite((input) => _util_js__WEBPACK_IMPORTED_MODULE_0__/* .slugify */ .Yv(input));
}
// @__NO_SIDE_EFFECTS__
function _array(Class, element, params) {
    return new Class({
        type: "array",
        element,
        // get element() {
        //   return element;
        // },
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _union(Class, options, params) {
    return new Class({
        type: "union",
        options,
        ...util.normalizeParams(params),
    });
}
function _xor(Class, options, params) {
    return new Class({
        type: "union",
        options,
        inclusive: false,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _discriminatedUnion(Class, discriminator, options, params) {
    return new Class({
        type: "union",
        options: options,
        discriminator,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _intersection(Class, left, right) {
    return new Class({
        type: "intersection",
        left,
        right,
    });
}
// export function _tuple(
//   Class: util.SchemaClass<schemas.$ZodTuple>,
//   items: [],
//   params?: string | $ZodTupleParams
// ): schemas.$ZodTuple<[], null>;
// @__NO_SIDE_EFFECTS__
function _tuple(Class, items, _paramsOrRest, _params) {
    const hasRest = _paramsOrRest instanceof schemas.$ZodType;
    const params = hasRest ? _params : _paramsOrRest;
    const rest = hasRest ? _paramsOrRest : null;
    return new Class({
        type: "tuple",
        items,
        rest,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _record(Class, keyType, valueType, params) {
    return new Class({
        type: "record",
        keyType,
        valueType,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _map(Class, keyType, valueType, params) {
    return new Class({
        type: "map",
        keyType,
        valueType,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _set(Class, valueType, params) {
    return new Class({
        type: "set",
        valueType,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _enum(Class, values, params) {
    const entries = Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values;
    // if (Array.isArray(values)) {
    //   for (const value of values) {
    //     entries[value] = value;
    //   }
    // } else {
    //   Object.assign(entries, values);
    // }
    // const entries: util.EnumLike = {};
    // for (const val of values) {
    //   entries[val] = val;
    // }
    return new Class({
        type: "enum",
        entries,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
/** @deprecated This API has been merged into `z.enum()`. Use `z.enum()` instead.
 *
 * ```ts
 * enum Colors { red, green, blue }
 * z.enum(Colors);
 * ```
 */
function _nativeEnum(Class, entries, params) {
    return new Class({
        type: "enum",
        entries,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _literal(Class, value, params) {
    return new Class({
        type: "literal",
        values: Array.isArray(value) ? value : [value],
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _file(Class, params) {
    return new Class({
        type: "file",
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _transform(Class, fn) {
    return new Class({
        type: "transform",
        transform: fn,
    });
}
// @__NO_SIDE_EFFECTS__
function _optional(Class, innerType) {
    return new Class({
        type: "optional",
        innerType,
    });
}
// @__NO_SIDE_EFFECTS__
function _nullable(Class, innerType) {
    return new Class({
        type: "nullable",
        innerType,
    });
}
// @__NO_SIDE_EFFECTS__
function _default(Class, innerType, defaultValue) {
    return new Class({
        type: "default",
        innerType,
        get defaultValue() {
            return typeof defaultValue === "function" ? defaultValue() : util.shallowClone(defaultValue);
        },
    });
}
// @__NO_SIDE_EFFECTS__
function _nonoptional(Class, innerType, params) {
    return new Class({
        type: "nonoptional",
        innerType,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _success(Class, innerType) {
    return new Class({
        type: "success",
        innerType,
    });
}
// @__NO_SIDE_EFFECTS__
function _catch(Class, innerType, catchValue) {
    return new Class({
        type: "catch",
        innerType,
        catchValue: (typeof catchValue === "function" ? catchValue : util.constantCatch(catchValue)),
    });
}
// @__NO_SIDE_EFFECTS__
function _pipe(Class, in_, out) {
    return new Class({
        type: "pipe",
        in: in_,
        out,
    });
}
// @__NO_SIDE_EFFECTS__
function _readonly(Class, innerType) {
    return new Class({
        type: "readonly",
        innerType,
    });
}
// @__NO_SIDE_EFFECTS__
function _templateLiteral(Class, parts, params) {
    return new Class({
        type: "template_literal",
        parts,
        ...util.normalizeParams(params),
    });
}
// @__NO_SIDE_EFFECTS__
function _lazy(Class, getter) {
    return new Class({
        type: "lazy",
        getter,
    });
}
// @__NO_SIDE_EFFECTS__
function _promise(Class, innerType) {
    return new Class({
        type: "promise",
        innerType,
    });
}
// @__NO_SIDE_EFFECTS__
function _custom(Class, fn, _params) {
    const norm = util.normalizeParams(_params);
    norm.abort ?? (norm.abort = true); // default to abort:false
    const schema = new Class({
        type: "custom",
        check: "custom",
        fn: fn,
        ...norm,
    });
    return schema;
}
// same as _custom but defaults to abort:false
// @__NO_SIDE_EFFECTS__
function _refine(Class, fn, _params) {
    const schema = new Class({
        type: "custom",
        check: "custom",
        fn: fn,
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(_params),
    });
    return schema;
}
// @__NO_SIDE_EFFECTS__
function _superRefine(fn, params) {
    const ch = _check((payload) => {
        payload.addIssue = (issue) => {
            if (typeof issue === "string") {
                payload.issues.push(_util_js__WEBPACK_IMPORTED_MODULE_0__/* .issue */ .sn(issue, payload.value, ch._zod.def));
            }
            else {
                // for Zod 3 backwards compatibility
                const _issue = issue;
                if (_issue.fatal)
                    _issue.continue = false;
                _issue.code ?? (_issue.code = "custom");
                if (!("input" in _issue))
                    _issue.input = payload.value;
                _issue.inst ?? (_issue.inst = ch);
                _issue.continue ?? (_issue.continue = !ch._zod.def.abort); // abort is always undefined, so this is always true...
                payload.issues.push(_util_js__WEBPACK_IMPORTED_MODULE_0__/* .issue */ .sn(_issue));
            }
        };
        return fn(payload.value, payload);
    }, params);
    return ch;
}
// @__NO_SIDE_EFFECTS__
function _check(fn, params) {
    const ch = new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheck */ .QP({
        check: "custom",
        ..._util_js__WEBPACK_IMPORTED_MODULE_0__/* .normalizeParams */ .A2(params),
    });
    ch._zod.check = fn;
    return ch;
}
// @__NO_SIDE_EFFECTS__
function describe(description) {
    const ch = new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheck */ .QP({ check: "describe" });
    ch._zod.onattach = [
        (inst) => {
            const existing = _registries_js__WEBPACK_IMPORTED_MODULE_2__/* .globalRegistry */ .fd.get(inst) ?? {};
            _registries_js__WEBPACK_IMPORTED_MODULE_2__/* .globalRegistry */ .fd.add(inst, { ...existing, description });
        },
    ];
    ch._zod.check = () => { }; // no-op check
    return ch;
}
// @__NO_SIDE_EFFECTS__
function meta(metadata) {
    const ch = new _checks_js__WEBPACK_IMPORTED_MODULE_1__/* .$ZodCheck */ .QP({ check: "meta" });
    ch._zod.onattach = [
        (inst) => {
            const existing = _registries_js__WEBPACK_IMPORTED_MODULE_2__/* .globalRegistry */ .fd.get(inst) ?? {};
            _registries_js__WEBPACK_IMPORTED_MODULE_2__/* .globalRegistry */ .fd.add(inst, { ...existing, ...metadata });
        },
    ];
    ch._zod.check = () => { }; // no-op check
    return ch;
}
// @__NO_SIDE_EFFECTS__
function _stringbool(Classes, _params) {
    const params = util.normalizeParams(_params);
    let truthyArray = params.truthy ?? ["true", "1", "yes", "on", "y", "enabled"];
    let falsyArray = params.falsy ?? ["false", "0", "no", "off", "n", "disabled"];
    if (params.case !== "sensitive") {
        truthyArray = truthyArray.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
        falsyArray = falsyArray.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
    }
    const truthySet = new Set(truthyArray);
    const falsySet = new Set(falsyArray);
    const _Codec = Classes.Codec ?? schemas.$ZodCodec;
    const _Boolean = Classes.Boolean ?? schemas.$ZodBoolean;
    const _String = Classes.String ?? schemas.$ZodString;
    const stringSchema = new _String({ type: "string", error: params.error });
    const booleanSchema = new _Boolean({ type: "boolean", error: params.error });
    const codec = new _Codec({
        type: "pipe",
        in: stringSchema,
        out: booleanSchema,
        transform: ((input, payload) => {
            let data = input;
            if (params.case !== "sensitive")
                data = data.toLowerCase();
            if (truthySet.has(data)) {
                return true;
            }
            else if (falsySet.has(data)) {
                return false;
            }
            else {
                payload.issues.push({
                    code: "invalid_value",
                    expected: "stringbool",
                    values: [...truthySet, ...falsySet],
                    input: payload.value,
                    inst: codec,
                    continue: false,
                });
                return {};
            }
        }),
        reverseTransform: ((input, _payload) => {
            if (input === true) {
                return truthyArray[0] || "true";
            }
            else {
                return falsyArray[0] || "false";
            }
        }),
        error: params.error,
    });
    codec._zod.bag.truthy = truthyArray;
    codec._zod.bag.falsy = falsyArray;
    codec._zod.bag.case = params.case ?? "insensitive";
    return codec;
}
// @__NO_SIDE_EFFECTS__
function _stringFormat(Class, format, fnOrRegex, _params = {}) {
    const params = util.normalizeParams(_params);
    const def = {
        check: "string_format",
        type: "string",
        format,
        fn: typeof fnOrRegex === "function" ? fnOrRegex : (val) => fnOrRegex.test(val),
        ...params,
    };
    if (fnOrRegex instanceof RegExp) {
        def.pattern = fnOrRegex;
    }
    const inst = new Class(def);
    return inst;
}


/***/ }),

/***/ 4890:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   DG: () => (/* binding */ $ZodCheckRegex),
/* harmony export */   E6: () => (/* binding */ $ZodCheckEndsWith),
/* harmony export */   J: () => (/* binding */ $ZodCheckStartsWith),
/* harmony export */   J_: () => (/* binding */ $ZodCheckGreaterThan),
/* harmony export */   Jk: () => (/* binding */ $ZodCheckMultipleOf),
/* harmony export */   KH: () => (/* binding */ $ZodCheckNumberFormat),
/* harmony export */   Kk: () => (/* binding */ $ZodCheckMinLength),
/* harmony export */   NI: () => (/* binding */ $ZodCheckLowerCase),
/* harmony export */   QP: () => (/* binding */ $ZodCheck),
/* harmony export */   RM: () => (/* binding */ $ZodCheckLengthEquals),
/* harmony export */   Tt: () => (/* binding */ $ZodCheckIncludes),
/* harmony export */   Yk: () => (/* binding */ $ZodCheckMaxLength),
/* harmony export */   kH: () => (/* binding */ $ZodCheckUpperCase),
/* harmony export */   nJ: () => (/* binding */ $ZodCheckProperties),
/* harmony export */   ql: () => (/* binding */ $ZodCheckStringFormat),
/* harmony export */   sm: () => (/* binding */ $ZodCheckLessThan),
/* harmony export */   v$: () => (/* binding */ $ZodCheckOverwrite)
/* harmony export */ });
/* unused harmony exports $ZodCheckBigIntFormat, $ZodCheckMaxSize, $ZodCheckMinSize, $ZodCheckSizeEquals, $ZodCheckProperty, $ZodCheckMimeType */
/* harmony import */ var _core_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(8532);
/* harmony import */ var _regexes_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(3908);
/* harmony import */ var _util_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4723);
// import { $ZodType } from "./schemas.js";



const $ZodCheck = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheck", (inst, def) => {
    var _a;
    inst._zod ?? (inst._zod = {});
    inst._zod.def = def;
    (_a = inst._zod).onattach ?? (_a.onattach = []);
});
/** Default `when` for size-based checks: run only on non-nullish values with a `size`. */
const _whenHasSize = (payload) => {
    const val = payload.value;
    return !util.nullish(val) && val.size !== undefined;
};
/** Default `when` for length-based checks: run only on non-nullish values with a `length`. */
const _whenHasLength = (payload) => {
    const val = payload.value;
    return !_util_js__WEBPACK_IMPORTED_MODULE_1__/* .nullish */ .cl(val) && val.length !== undefined;
};
const numericOriginMap = {
    number: "number",
    bigint: "bigint",
    object: "date",
};
const $ZodCheckLessThan = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckLessThan", (inst, def) => {
    $ZodCheck.init(inst, def);
    const origin = numericOriginMap[typeof def.value];
    inst._zod.check = (payload) => {
        if (def.inclusive ? payload.value <= def.value : payload.value < def.value) {
            return;
        }
        payload.issues.push({
            origin: numericOriginMap[typeof payload.value] ?? origin,
            code: "too_big",
            maximum: typeof def.value === "object" ? def.value.getTime() : def.value,
            input: payload.value,
            inclusive: def.inclusive,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckGreaterThan = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckGreaterThan", (inst, def) => {
    $ZodCheck.init(inst, def);
    const origin = numericOriginMap[typeof def.value];
    inst._zod.check = (payload) => {
        if (def.inclusive ? payload.value >= def.value : payload.value > def.value) {
            return;
        }
        payload.issues.push({
            origin: numericOriginMap[typeof payload.value] ?? origin,
            code: "too_small",
            minimum: typeof def.value === "object" ? def.value.getTime() : def.value,
            input: payload.value,
            inclusive: def.inclusive,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckMultipleOf = 
/*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckMultipleOf", (inst, def) => {
    $ZodCheck.init(inst, def);
    inst._zod.check = (payload) => {
        if (typeof payload.value !== typeof def.value)
            throw new Error("Cannot mix number and bigint in multiple_of check.");
        const isMultiple = typeof payload.value === "bigint"
            ? // `value % 0n` throws, and nothing is a multiple of zero — the number branch already fails this way via NaN
                def.value !== BigInt(0) && payload.value % def.value === BigInt(0)
            : _util_js__WEBPACK_IMPORTED_MODULE_1__/* .floatSafeRemainder */ .LG(payload.value, def.value) === 0;
        if (isMultiple)
            return;
        payload.issues.push({
            origin: typeof payload.value,
            code: "not_multiple_of",
            divisor: def.value,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckNumberFormat = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckNumberFormat", (inst, def) => {
    $ZodCheck.init(inst, def); // no format checks
    def.format = def.format || "float64";
    const isInt = def.format?.includes("int");
    const origin = isInt ? "int" : "number";
    const [minimum, maximum] = _util_js__WEBPACK_IMPORTED_MODULE_1__/* .NUMBER_FORMAT_RANGES */ .zH[def.format];
    inst._zod.check = (payload) => {
        const input = payload.value;
        if (isInt) {
            if (!Number.isInteger(input)) {
                // invalid_format issue
                // payload.issues.push({
                //   expected: def.format,
                //   format: def.format,
                //   code: "invalid_format",
                //   input,
                //   inst,
                // });
                // invalid_type issue
                payload.issues.push({
                    expected: origin,
                    format: def.format,
                    code: "invalid_type",
                    continue: false,
                    input,
                    inst,
                });
                return;
                // not_multiple_of issue
                // payload.issues.push({
                //   code: "not_multiple_of",
                //   origin: "number",
                //   input,
                //   inst,
                //   divisor: 1,
                // });
            }
            if (!Number.isSafeInteger(input)) {
                if (input > 0) {
                    // too_big
                    payload.issues.push({
                        input,
                        code: "too_big",
                        maximum: Number.MAX_SAFE_INTEGER,
                        note: "Integers must be within the safe integer range.",
                        inst,
                        origin,
                        inclusive: true,
                        continue: !def.abort,
                    });
                }
                else {
                    // too_small
                    payload.issues.push({
                        input,
                        code: "too_small",
                        minimum: Number.MIN_SAFE_INTEGER,
                        note: "Integers must be within the safe integer range.",
                        inst,
                        origin,
                        inclusive: true,
                        continue: !def.abort,
                    });
                }
                return;
            }
        }
        if (input < minimum) {
            payload.issues.push({
                origin: "number",
                input,
                code: "too_small",
                minimum,
                inclusive: true,
                inst,
                continue: !def.abort,
            });
        }
        if (input > maximum) {
            payload.issues.push({
                origin: "number",
                input,
                code: "too_big",
                maximum,
                inclusive: true,
                inst,
                continue: !def.abort,
            });
        }
    };
});
const $ZodCheckBigIntFormat = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckBigIntFormat", (inst, def) => {
    $ZodCheck.init(inst, def); // no format checks
    const [minimum, maximum] = util.BIGINT_FORMAT_RANGES[def.format];
    inst._zod.check = (payload) => {
        const input = payload.value;
        if (input < minimum) {
            payload.issues.push({
                origin: "bigint",
                input,
                code: "too_small",
                minimum: minimum,
                inclusive: true,
                inst,
                continue: !def.abort,
            });
        }
        if (input > maximum) {
            payload.issues.push({
                origin: "bigint",
                input,
                code: "too_big",
                maximum,
                inclusive: true,
                inst,
                continue: !def.abort,
            });
        }
    };
})));
const $ZodCheckMaxSize = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckMaxSize", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasSize);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const size = input.size;
        if (size <= def.maximum)
            return;
        payload.issues.push({
            origin: util.getSizableOrigin(input),
            code: "too_big",
            maximum: def.maximum,
            inclusive: true,
            input,
            inst,
            continue: !def.abort,
        });
    };
})));
const $ZodCheckMinSize = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckMinSize", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasSize);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const size = input.size;
        if (size >= def.minimum)
            return;
        payload.issues.push({
            origin: util.getSizableOrigin(input),
            code: "too_small",
            minimum: def.minimum,
            inclusive: true,
            input,
            inst,
            continue: !def.abort,
        });
    };
})));
const $ZodCheckSizeEquals = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckSizeEquals", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasSize);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const size = input.size;
        if (size === def.size)
            return;
        const tooBig = size > def.size;
        payload.issues.push({
            origin: util.getSizableOrigin(input),
            ...(tooBig ? { code: "too_big", maximum: def.size } : { code: "too_small", minimum: def.size }),
            inclusive: true,
            exact: true,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
})));
const $ZodCheckMaxLength = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckMaxLength", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const units = input.length;
        // Strings are measured in Unicode code points, not UTF-16 units. A code point is at most two units, so a string that already fits in units fits in code points; only an overflow has to be counted.
        const length = typeof input === "string" && units > def.maximum ? _util_js__WEBPACK_IMPORTED_MODULE_1__/* .codePointLength */ .O7(input) : units;
        if (length <= def.maximum)
            return;
        const origin = _util_js__WEBPACK_IMPORTED_MODULE_1__/* .getLengthableOrigin */ .Rc(input);
        payload.issues.push({
            origin,
            code: "too_big",
            maximum: def.maximum,
            inclusive: true,
            input,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckMinLength = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckMinLength", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const units = input.length;
        // A code point is one or two UTF-16 units, so fewer units than the floor can never reach it and twice the floor always clears it. Only in between is the exact count in doubt.
        const length = typeof input === "string" && units >= def.minimum && units < def.minimum * 2
            ? _util_js__WEBPACK_IMPORTED_MODULE_1__/* .codePointLength */ .O7(input)
            : units;
        if (length >= def.minimum)
            return;
        const origin = _util_js__WEBPACK_IMPORTED_MODULE_1__/* .getLengthableOrigin */ .Rc(input);
        payload.issues.push({
            origin,
            code: "too_small",
            minimum: def.minimum,
            inclusive: true,
            input,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckLengthEquals = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckLengthEquals", (inst, def) => {
    var _a;
    $ZodCheck.init(inst, def);
    (_a = inst._zod.def).when ?? (_a.when = _whenHasLength);
    inst._zod.check = (payload) => {
        const input = payload.value;
        const units = input.length;
        // A code point is one or two UTF-16 units, so outside `[length, length * 2]` units the target is missed either way — and missed in the same direction in both measures.
        const length = typeof input === "string" && units >= def.length && units <= def.length * 2
            ? _util_js__WEBPACK_IMPORTED_MODULE_1__/* .codePointLength */ .O7(input)
            : units;
        if (length === def.length)
            return;
        const origin = _util_js__WEBPACK_IMPORTED_MODULE_1__/* .getLengthableOrigin */ .Rc(input);
        const tooBig = length > def.length;
        payload.issues.push({
            origin,
            ...(tooBig ? { code: "too_big", maximum: def.length } : { code: "too_small", minimum: def.length }),
            inclusive: true,
            exact: true,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckStringFormat = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckStringFormat", (inst, def) => {
    var _a, _b;
    $ZodCheck.init(inst, def);
    if (def.pattern)
        (_a = inst._zod).check ?? (_a.check = (payload) => {
            def.pattern.lastIndex = 0;
            if (def.pattern.test(payload.value))
                return;
            payload.issues.push({
                origin: "string",
                code: "invalid_format",
                format: def.format,
                input: payload.value,
                ...(def.pattern ? { pattern: def.pattern.toString() } : {}),
                inst,
                continue: !def.abort,
            });
        });
    else
        (_b = inst._zod).check ?? (_b.check = () => { });
});
const $ZodCheckRegex = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckRegex", (inst, def) => {
    $ZodCheckStringFormat.init(inst, def);
    inst._zod.check = (payload) => {
        def.pattern.lastIndex = 0;
        if (def.pattern.test(payload.value))
            return;
        payload.issues.push({
            origin: "string",
            code: "invalid_format",
            format: "regex",
            input: payload.value,
            pattern: def.pattern.toString(),
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckLowerCase = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckLowerCase", (inst, def) => {
    def.pattern ?? (def.pattern = _regexes_js__WEBPACK_IMPORTED_MODULE_2__/* .lowercase */ .AC);
    $ZodCheckStringFormat.init(inst, def);
});
const $ZodCheckUpperCase = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckUpperCase", (inst, def) => {
    def.pattern ?? (def.pattern = _regexes_js__WEBPACK_IMPORTED_MODULE_2__/* .uppercase */ .Zv);
    $ZodCheckStringFormat.init(inst, def);
});
const $ZodCheckIncludes = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckIncludes", (inst, def) => {
    $ZodCheck.init(inst, def);
    const escapedRegex = _util_js__WEBPACK_IMPORTED_MODULE_1__/* .escapeRegex */ .sD(def.includes);
    // `String.prototype.includes(sub, position)` matches `sub` at `position`
    // OR LATER, so the pattern must allow at least `position` leading chars
    // (`{N,}`), not exactly `position` chars (`{N}`).
    const pattern = new RegExp(typeof def.position === "number" ? `^.{${def.position},}${escapedRegex}` : escapedRegex);
    def.pattern = pattern;
    inst._zod.check = (payload) => {
        if (payload.value.includes(def.includes, def.position))
            return;
        payload.issues.push({
            origin: "string",
            code: "invalid_format",
            format: "includes",
            includes: def.includes,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckStartsWith = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckStartsWith", (inst, def) => {
    $ZodCheck.init(inst, def);
    const pattern = new RegExp(`^${_util_js__WEBPACK_IMPORTED_MODULE_1__/* .escapeRegex */ .sD(def.prefix)}.*`);
    def.pattern ?? (def.pattern = pattern);
    inst._zod.check = (payload) => {
        if (payload.value.startsWith(def.prefix))
            return;
        payload.issues.push({
            origin: "string",
            code: "invalid_format",
            format: "starts_with",
            prefix: def.prefix,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
const $ZodCheckEndsWith = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckEndsWith", (inst, def) => {
    $ZodCheck.init(inst, def);
    const pattern = new RegExp(`.*${_util_js__WEBPACK_IMPORTED_MODULE_1__/* .escapeRegex */ .sD(def.suffix)}$`);
    def.pattern ?? (def.pattern = pattern);
    inst._zod.check = (payload) => {
        if (payload.value.endsWith(def.suffix))
            return;
        payload.issues.push({
            origin: "string",
            code: "invalid_format",
            format: "ends_with",
            suffix: def.suffix,
            input: payload.value,
            inst,
            continue: !def.abort,
        });
    };
});
///////////////////////////////////
/////    $ZodCheckProperty    /////
///////////////////////////////////
function handleCheckPropertyResult(result, payload, property) {
    if (result.issues.length) {
        payload.issues.push(..._util_js__WEBPACK_IMPORTED_MODULE_1__/* .prefixIssues */ .lQ(property, result.issues));
    }
}
const $ZodCheckProperty = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckProperty", (inst, def) => {
    $ZodCheck.init(inst, def);
    inst._zod.check = (payload) => {
        const result = def.schema._zod.run({
            value: payload.value[def.property],
            issues: [],
        }, {});
        if (result instanceof Promise) {
            return result.then((result) => handleCheckPropertyResult(result, payload, def.property));
        }
        handleCheckPropertyResult(result, payload, def.property);
        return;
    };
})));
const $ZodCheckProperties = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckProperties", (inst, def) => {
    $ZodCheck.init(inst, def);
    _util_js__WEBPACK_IMPORTED_MODULE_1__/* .hide */ .jD(inst, Symbol.iterator, function* () {
        yield inst;
    });
    // key and schema snapshotted together: reading one live and the other cached lets a later mutation of the caller's shape object pair a stale key with a missing schema
    let entries;
    inst._zod.check = (payload) => {
        // the base schema already typed the value, so only a nullish one is rejected here: the properties read on a primitive too, matching z.property() on a string's length
        if (payload.value == null) {
            payload.issues.push({ expected: "object", code: "invalid_type", input: payload.value, inst });
            return undefined;
        }
        entries ?? (entries = Reflect.ownKeys(def.shape).map((key) => [key, def.shape[key]]));
        const input = payload.value;
        let proms;
        for (const [key, schema] of entries) {
            const result = schema._zod.run({ value: input[key], issues: [] }, {});
            if (result instanceof Promise) {
                proms ?? (proms = []);
                proms.push(result.then((result) => handleCheckPropertyResult(result, payload, key)));
            }
            else {
                handleCheckPropertyResult(result, payload, key);
            }
        }
        if (proms)
            return Promise.all(proms).then(() => undefined);
        return undefined;
    };
});
const $ZodCheckMimeType = /*@__PURE__*/ (/* unused pure expression or super */ null && (core.$constructor("$ZodCheckMimeType", (inst, def) => {
    $ZodCheck.init(inst, def);
    const mimeSet = new Set(def.mime);
    inst._zod.check = (payload) => {
        if (mimeSet.has(payload.value.type))
            return;
        payload.issues.push({
            code: "invalid_value",
            values: def.mime,
            input: payload.value.type,
            inst,
            continue: !def.abort,
        });
    };
})));
const $ZodCheckOverwrite = /*@__PURE__*/ _core_js__WEBPACK_IMPORTED_MODULE_0__/* .$constructor */ .xI("$ZodCheckOverwrite", (inst, def) => {
    $ZodCheck.init(inst, def);
    inst._zod.check = (payload) => {
        payload.value = def.tx(payload.value);
    };
});


/***/ }),

/***/ 8532:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $W: () => (/* binding */ config),
/* harmony export */   GT: () => (/* binding */ $ZodAsyncError),
/* harmony export */   cV: () => (/* binding */ $ZodEncodeError),
/* harmony export */   cr: () => (/* binding */ globalConfig),
/* harmony export */   tm: () => (/* binding */ NEVER),
/* harmony export */   xI: () => (/* binding */ $constructor)
/* harmony export */ });
/* unused harmony export $brand */
/* harmony import */ var _util_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(4723);
var _a;

/** A special constant with type `never` */
const NEVER = /*@__PURE__*/ Object.freeze({
    status: "aborted",
});
/* Shared descriptor for installing `_zod`; defineProperty reads it
 * synchronously, so reusing one object avoids a per-instance allocation. */
const _zodDesc = { value: undefined, enumerable: false };
// null where suppressing the capture would be unrecoverable: `parse()` puts the frames back with `captureStackTrace`, so without it the throw would lose its stack. also latched to null once `stackTraceLimit` proves unassignable, which a realm can do at any point by hardening Error
let _E = "captureStackTrace" in Error ? Error : null;
// v8 captures a stack trace inside the Error constructor, which dominates a failed parse; costs only the frames, and parse() restores those. the constructor must RUN: Object.create is cheaper and passes instanceof, but Error.isError and util.types.isNativeError check an internal slot
function newError(Definition) {
    const E = _E;
    if (E) {
        const saved = E.stackTraceLimit;
        if (typeof saved === "number") {
            try {
                E.stackTraceLimit = 0;
            }
            catch {
                _E = null;
                return new Definition();
            }
            try {
                return new Definition();
            }
            finally {
                E.stackTraceLimit = saved;
            }
        }
    }
    return new Definition();
}
function $constructor(name, initializer, 
/** This trait's members, installed once on every prototype that composes it. They cannot be declared in the initializer above: that runs per instance, and the prototype is shared. */
proto, params) {
    // Prototype for this constructor's `_zod` internals. Lazily-derived fields (`values`, `pattern`, `optin`, …) install here once rather than as an accessor on every instance.
    const zodProto = {};
    // Assigning the fields in the constructor body is what gives instances in-object slots; building the object literally and reparenting it costs a second allocation and a generic property copy.
    function Internals(def) {
        this.def = def;
        this.constr = _;
        this.traits = new Set();
    }
    Internals.prototype = zodProto;
    const protoMembers = proto;
    // One trait's members land on every prototype whose chain composes it, so the answer is per prototype rather than per trait.
    const initialized = protoMembers && new WeakSet();
    function init(inst, def) {
        if (!inst._zod) {
            _zodDesc.value = new Internals(def);
            try {
                Object.defineProperty(inst, "_zod", _zodDesc);
            }
            finally {
                // Cleared even on throw, so the shared descriptor never leaks one instance's internals into the next.
                _zodDesc.value = undefined;
            }
        }
        else if (inst._zod.traits.has(name)) {
            return;
        }
        inst._zod.traits.add(name);
        initializer(inst, def);
        if (initialized) {
            // `super(def)` from a user subclass gives `this` a prototype the subclass owns, and installing there would overwrite whatever the subclass declared. `constr` built the instance, so its prototype is the one below the subclass's that should carry the members. A receiver whose chain never reaches that prototype installs on its own, which for a plain object handed straight to `init` means `Object.prototype` — unchanged from before.
            const own = Object.getPrototypeOf(inst);
            const ctorProto = inst._zod.constr.prototype;
            let up = own;
            while (up && up !== ctorProto)
                up = Object.getPrototypeOf(up);
            const target = up ?? own;
            if (!initialized.has(target)) {
                initialized.add(target);
                (0,_util_js__WEBPACK_IMPORTED_MODULE_0__/* .members */ .ol)(target, protoMembers);
            }
        }
        // support prototype modifications; for-in avoids the array allocation of Object.keys on the (usually empty) prototype
        const proto = _.prototype;
        for (const k in proto) {
            if (!Object.prototype.hasOwnProperty.call(proto, k))
                continue;
            if (!(k in inst)) {
                inst[k] = proto[k].bind(inst);
            }
        }
    }
    // doesn't work if Parent has a constructor with arguments
    const Parent = params?.Parent ?? Object;
    class Definition extends Parent {
    }
    Object.defineProperty(Definition, "name", { value: name });
    function _(def) {
        const inst = params?.Parent ? newError(Definition) : this;
        init(inst, def);
        const deferred = inst._zod.deferred;
        if (deferred) {
            for (const fn of deferred) {
                fn();
            }
            // Released: initializers run once, and the list would otherwise be retained for the schema's lifetime.
            inst._zod.deferred = undefined;
        }
        // Global post-processor hook. Internal: installed by `import "zod/compile"` to enable AOT compilation for every constructed schema. Runs last, once the instance is fully built, because it hands the instance to compile(). The post-processor is expected to be reentrancy-guarded by its own implementation.
        const pp = globalThis.__zod_globalConfig?.postProcessor;
        if (pp)
            pp(inst);
        return inst;
    }
    Object.defineProperty(_, "init", { value: init });
    Object.defineProperty(_, Symbol.hasInstance, {
        value: (inst) => {
            if (params?.Parent && inst instanceof params.Parent)
                return true;
            return inst?._zod?.traits?.has(name);
        },
    });
    Object.defineProperty(_, "name", { value: name });
    return _;
}
//////////////////////////////   UTILITIES   ///////////////////////////////////////
const $brand = /*@__PURE__*/ (/* unused pure expression or super */ null && (Symbol("zod_brand")));
class $ZodAsyncError extends Error {
    constructor() {
        super(`Encountered Promise during synchronous parse. Use .parseAsync() instead.`);
    }
}
class $ZodEncodeError extends Error {
    constructor(name) {
        super(`Encountered unidirectional transform during encode: ${name}`);
        this.name = "ZodEncodeError";
    }
}
(_a = globalThis).__zod_globalConfig ?? (_a.__zod_globalConfig = {});
const globalConfig = globalThis.__zod_globalConfig;
function config(newConfig) {
    if (newConfig)
        Object.assign(globalConfig, newConfig);
    return globalConfig;
}


/***/ }),

/***/ 3908:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   AC: () => (/* binding */ lowercase),
/* harmony export */   Ak: () => (/* binding */ nanoid),
/* harmony export */   D2: () => (/* binding */ nanoidOfLength),
/* harmony export */   F: () => (/* binding */ httpProtocol),
/* harmony export */   Gl: () => (/* binding */ cuid2),
/* harmony export */   K3: () => (/* binding */ base64),
/* harmony export */   Os: () => (/* binding */ guid),
/* harmony export */   Rp: () => (/* binding */ email),
/* harmony export */   Z0: () => (/* binding */ ulid),
/* harmony export */   Zg: () => (/* binding */ emoji),
/* harmony export */   Zv: () => (/* binding */ uppercase),
/* harmony export */   ai: () => (/* binding */ number),
/* harmony export */   fO: () => (/* binding */ ksuid),
/* harmony export */   gF: () => (/* binding */ cuid),
/* harmony export */   gp: () => (/* binding */ anyString),
/* harmony export */   hQ: () => (/* binding */ e164),
/* harmony export */   kB: () => (/* binding */ time),
/* harmony export */   kM: () => (/* binding */ xid),
/* harmony export */   l7: () => (/* binding */ cidrv6),
/* harmony export */   nd: () => (/* binding */ integer),
/* harmony export */   o: () => (/* binding */ bigint),
/* harmony export */   p0: () => (/* binding */ duration),
/* harmony export */   p6: () => (/* binding */ date),
/* harmony export */   r0: () => (/* binding */ base64url),
/* harmony export */   uR: () => (/* binding */ uuid),
/* harmony export */   uX: () => (/* binding */ ipv4),
/* harmony export */   ug: () => (/* binding */ ipv6),
/* harmony export */   w$: () => (/* binding */ datetime),
/* harmony export */   zM: () => (/* binding */ boolean),
/* harmony export */   zr: () => (/* binding */ cidrv4)
/* harmony export */ });
/* unused harmony exports extendedDuration, uuid4, uuid6, uuid7, html5Email, rfc5322Email, unicodeEmail, idnEmail, browserEmail, mac, hostname, domain, creditCard, currencyCode, iban, string, null, undefined, hex, md5_hex, md5_base64, md5_base64url, sha1_hex, sha1_base64, sha1_base64url, sha256_hex, sha256_base64, sha256_base64url, sha384_hex, sha384_base64, sha384_base64url, sha512_hex, sha512_base64, sha512_base64url */

/**
 * @deprecated CUID v1 is deprecated by its authors due to information leakage
 * (timestamps embedded in the id). Use {@link cuid2} instead.
 * See https://github.com/paralleldrive/cuid.
 */
const cuid = /^[cC][0-9a-z]{6,}$/;
const cuid2 = /^[0-9a-z]+$/;
const ulid = /^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$/;
const xid = /^[0-9a-vA-V]{20}$/;
const ksuid = /^[A-Za-z0-9]{27}$/;
const nanoid = /^[a-zA-Z0-9_-]{21}$/;
function nanoidOfLength(length) {
    return new RegExp(`^[a-zA-Z0-9_-]{${length}}$`);
}
/** ISO 8601-1 duration regex. Does not support the 8601-2 extensions like negative durations or fractional/negative components. */
const duration = /^P(?:(\d+W)|(?!.*W)(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?)$/;
/** Implements ISO 8601-2 extensions like explicit +- prefixes, mixing weeks with other units, and fractional/negative components. */
const extendedDuration = /^[-+]?P(?!$)(?:(?:[-+]?\d+Y)|(?:[-+]?\d+[.,]\d+Y$))?(?:(?:[-+]?\d+M)|(?:[-+]?\d+[.,]\d+M$))?(?:(?:[-+]?\d+W)|(?:[-+]?\d+[.,]\d+W$))?(?:(?:[-+]?\d+D)|(?:[-+]?\d+[.,]\d+D$))?(?:T(?=[\d+-])(?:(?:[-+]?\d+H)|(?:[-+]?\d+[.,]\d+H$))?(?:(?:[-+]?\d+M)|(?:[-+]?\d+[.,]\d+M$))?(?:[-+]?\d+(?:[.,]\d+)?S)?)??$/;
/** A regex for any UUID-like identifier: 8-4-4-4-12 hex pattern */
const guid = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
/** Returns a regex for validating an RFC 9562/4122 UUID.
 *
 * @param version Optionally specify a version 1-8. If no version is specified, all versions are supported. */
const uuid = (version) => {
    if (!version)
        return /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
    return new RegExp(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-${version}[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$`);
};
const uuid4 = /*@__PURE__*/ (/* unused pure expression or super */ null && (uuid(4)));
const uuid6 = /*@__PURE__*/ (/* unused pure expression or super */ null && (uuid(6)));
const uuid7 = /*@__PURE__*/ (/* unused pure expression or super */ null && (uuid(7)));
/** Practical email validation */
const email = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;
/** Equivalent to the HTML5 input[type=email] validation implemented by browsers. Source: https://developer.mozilla.org/en-US/docs/Web/HTML/Element/input/email */
const html5Email = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
/** The classic emailregex.com regex for RFC 5322-compliant emails */
const rfc5322Email = /^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$/;
/** A loose regex that allows Unicode characters, enforces length limits, and that's about it. */
const unicodeEmail = /^[^\s@"]{1,64}@[^\s@]{1,255}$/u;
const idnEmail = (/* unused pure expression or super */ null && (unicodeEmail));
const browserEmail = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
// from https://thekevinscott.com/emojis-in-javascript/#writing-a-regular-expression
// Single character class, not an alternation: the two properties overlap (U+1F9B0-U+1F9B3), so `(A|B)+` backtracks exponentially on a failed match. The leading lookahead then demands one anchor — a pictograph, a regional indicator, or the enclosing keycap — because `\p{Emoji_Component}` on its own covers ASCII digits, `#`, `*`, ZWJ, variation selectors and skin tone modifiers, none of which is an emoji without a base.
const _emoji = `^(?=[\\s\\S]*[\\p{Extended_Pictographic}\\p{Regional_Indicator}\\u20E3])[\\p{Extended_Pictographic}\\p{Emoji_Component}]+$`;
function emoji() {
    return new RegExp(_emoji, "u");
}
const ipv4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const ipv6 = /^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))$/;
const mac = (delimiter) => {
    const escapedDelim = util.escapeRegex(delimiter ?? ":");
    return new RegExp(`^(?:[0-9A-F]{2}${escapedDelim}){5}[0-9A-F]{2}$|^(?:[0-9a-f]{2}${escapedDelim}){5}[0-9a-f]{2}$`);
};
const cidrv4 = /^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\/([0-9]|[1-2][0-9]|3[0-2])$/;
const cidrv6 = /^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:))\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$/;
// https://stackoverflow.com/questions/7860392/determine-if-string-is-in-base64-using-javascript
const base64 = /^$|^(?:[0-9a-zA-Z+/]{4})*(?:(?:[0-9a-zA-Z+/]{2}==)|(?:[0-9a-zA-Z+/]{3}=))?$/;
const base64url = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;
// based on https://stackoverflow.com/questions/106179/regular-expression-to-match-dns-hostname-or-ip-address
// export const hostname: RegExp = /^([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+$/;
const hostname = /^(?=.{1,253}\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\.?$/;
const domain = /^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;
const httpProtocol = /^https?$/;
// https://blog.stevenlevithan.com/archives/validate-phone-number#r4-3 (regex sans spaces) E.164: leading digit must be 1-9; total digits (excluding '+') between 7-15
const e164 = /^\+[1-9]\d{6,14}$/;
// Credit card shape: 12–19 digits, optionally separated by single spaces or single hyphens. ISO/IEC 7812 caps the PAN at 19 digits; 12 is the shortest issued length (Maestro).
const creditCard = /^\d(?:[ -]?\d){11,18}$/;
// ISO 4217 alpha codes from the SIX list, regenerated by scripts/update-iso-4217.ts
const currencyCode = /^(?:AED|AFN|ALL|AMD|AOA|ARS|AUD|AWG|AZN|BAM|BBD|BDT|BHD|BIF|BMD|BND|BOB|BOV|BRL|BSD|BTN|BWP|BYN|BZD|CAD|CDF|CHE|CHF|CHW|CLF|CLP|CNY|COP|COU|CRC|CUP|CVE|CZK|DJF|DKK|DOP|DZD|EGP|ERN|ETB|EUR|FJD|FKP|GBP|GEL|GHS|GIP|GMD|GNF|GTQ|GYD|HKD|HNL|HTG|HUF|IDR|ILS|INR|IQD|IRR|ISK|JMD|JOD|JPY|KES|KGS|KHR|KMF|KPW|KRW|KWD|KYD|KZT|LAK|LBP|LKR|LRD|LSL|LYD|MAD|MDL|MGA|MKD|MMK|MNT|MOP|MRU|MUR|MVR|MWK|MXN|MXV|MYR|MZN|NAD|NGN|NIO|NOK|NPR|NZD|OMR|PAB|PEN|PGK|PHP|PKR|PLN|PYG|QAR|RON|RSD|RUB|RWF|SAR|SBD|SCR|SDG|SEK|SGD|SHP|SLE|SOS|SRD|SSP|STN|SVC|SYP|SZL|THB|TJS|TMT|TND|TOP|TRY|TTD|TWD|TZS|UAH|UGX|USD|USN|UYI|UYU|UYW|UZS|VED|VES|VND|VUV|WST|XAD|XAF|XAG|XAU|XBA|XBB|XBC|XBD|XCD|XCG|XDR|XOF|XPD|XPF|XPT|XSU|XTS|XUA|XXX|YER|ZAR|ZMW|ZWG)$/;
// iban electronic format: 2-letter country, check digits 02-98 (the only values `98 - remainder` can produce), 11-30 bban characters
const iban = /^[A-Z]{2}(?!00|01|99)\d{2}[A-Z0-9]{11,30}$/;
const dateSource = `(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))`;
/** Anchors a pattern source. The interpolation lives here rather than at the call site because
 * esbuild will not drop a `@__PURE__` call whose own argument interpolates a variable, but it
 * will drop `anchor(dateSource)`. Keeping it inline pinned `date` into every bundle. */
function anchor(source) {
    return new RegExp(`^${source}$`);
}
const date = /*@__PURE__*/ anchor(dateSource);
function timeSource(args) {
    const hhmm = `(?:[01]\\d|2[0-3]):[0-5]\\d`;
    const regex = typeof args.precision === "number"
        ? args.precision === -1
            ? `${hhmm}`
            : args.precision === 0
                ? `${hhmm}:[0-5]\\d`
                : `${hhmm}:[0-5]\\d\\.\\d{${args.precision}}`
        : args.seconds
            ? `${hhmm}:[0-5]\\d(?:\\.\\d+)?`
            : `${hhmm}(?::[0-5]\\d(?:\\.\\d+)?)?`;
    return regex;
}
function time(args) {
    return new RegExp(`^${timeSource(args)}$`);
}
// Adapted from https://stackoverflow.com/a/3143231
function datetime(args) {
    const opts = ["Z"];
    // if (args.offset) opts.push(`([+-]\\d{2}:\\d{2})`);
    if (args.offset)
        opts.push(`([+-](?:[01]\\d|2[0-3]):[0-5]\\d)`);
    // RFC 3339 mandates seconds wherever the time carries a `Z` or an offset, so only the unqualified form `local` adds may omit them
    const qualified = `${timeSource({ precision: args.precision, seconds: true })}(?:${opts.join("|")})`;
    const timeRegex = args.local ? `${qualified}|${timeSource({ precision: args.precision })}` : qualified;
    return new RegExp(`^${dateSource}T(?:${timeRegex})$`);
}
// the unbounded form of `string()` as a literal, so every plain string shares one instance instead of building its own
const anyString = /^[\s\S]{0,}$/;
const string = (params) => {
    const regex = params ? `[\\s\\S]{${params?.minimum ?? 0},${params?.maximum ?? ""}}` : `[\\s\\S]*`;
    return new RegExp(`^${regex}$`);
};
const bigint = /^-?\d+n?$/;
const integer = /^-?\d+$/;
const number = /^-?\d+(?:\.\d+)?$/;
const boolean = /^(?:true|false)$/i;
const _null = /^null$/i;

const _undefined = /^undefined$/i;

// regex for string with no uppercase letters
const lowercase = /^[^A-Z]*$/;
// regex for string with no lowercase letters
const uppercase = /^[^a-z]*$/;
// regex for hexadecimal strings (any length)
const hex = /^[0-9a-fA-F]*$/;
// Hash regexes for different algorithms and encodings
// Helper function to create base64 regex with exact length and padding
function fixedBase64(bodyLength, padding) {
    return new RegExp(`^[A-Za-z0-9+/]{${bodyLength}}${padding}$`);
}
// Helper function to create base64url regex with exact length (no padding)
function fixedBase64url(length) {
    return new RegExp(`^[A-Za-z0-9_-]{${length}}$`);
}
// MD5 (16 bytes): base64 = 24 chars total (22 + "==")
const md5_hex = /^[0-9a-fA-F]{32}$/;
const md5_base64 = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64(22, "==")));
const md5_base64url = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64url(22)));
// SHA1 (20 bytes): base64 = 28 chars total (27 + "=")
const sha1_hex = /^[0-9a-fA-F]{40}$/;
const sha1_base64 = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64(27, "=")));
const sha1_base64url = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64url(27)));
// SHA256 (32 bytes): base64 = 44 chars total (43 + "=")
const sha256_hex = /^[0-9a-fA-F]{64}$/;
const sha256_base64 = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64(43, "=")));
const sha256_base64url = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64url(43)));
// SHA384 (48 bytes): base64 = 64 chars total (no padding)
const sha384_hex = /^[0-9a-fA-F]{96}$/;
const sha384_base64 = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64(64, "")));
const sha384_base64url = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64url(64)));
// SHA512 (64 bytes): base64 = 88 chars total (86 + "==")
const sha512_hex = /^[0-9a-fA-F]{128}$/;
const sha512_base64 = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64(86, "==")));
const sha512_base64url = /*@__PURE__*/ (/* unused pure expression or super */ null && (fixedBase64url(86)));


/***/ }),

/***/ 9396:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   fd: () => (/* binding */ globalRegistry)
/* harmony export */ });
/* unused harmony exports $output, $input, $ZodRegistry, registry */
var _a;
const $output = /*@__PURE__*/ (/* unused pure expression or super */ null && (Symbol("ZodOutput")));
const $input = /*@__PURE__*/ (/* unused pure expression or super */ null && (Symbol("ZodInput")));
class $ZodRegistry {
    constructor() {
        this._map = new WeakMap();
        this._idmap = new Map();
    }
    add(schema, ..._meta) {
        const meta = _meta[0];
        this._map.set(schema, meta);
        if (meta && typeof meta === "object" && "id" in meta) {
            this._idmap.set(meta.id, schema);
        }
        return this;
    }
    clear() {
        this._map = new WeakMap();
        this._idmap = new Map();
        return this;
    }
    remove(schema) {
        const meta = this._map.get(schema);
        if (meta && typeof meta === "object" && "id" in meta) {
            this._idmap.delete(meta.id);
        }
        this._map.delete(schema);
        return this;
    }
    get(schema) {
        // return this._map.get(schema) as any;
        // inherit metadata
        const p = schema._zod.parent;
        if (p) {
            const pm = { ...(this.get(p) ?? {}) };
            delete pm.id; // do not inherit id
            const f = { ...pm, ...this._map.get(schema) };
            return Object.keys(f).length ? f : undefined;
        }
        return this._map.get(schema);
    }
    has(schema) {
        return this._map.has(schema);
    }
}
// registries
function registry() {
    return new $ZodRegistry();
}
(_a = globalThis).__zod_globalRegistry ?? (_a.__zod_globalRegistry = registry());
const globalRegistry = globalThis.__zod_globalRegistry;


/***/ }),

/***/ 4723:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   A2: () => (/* binding */ normalizeParams),
/* harmony export */   B7: () => (/* binding */ stringifyPrimitive),
/* harmony export */   GW: () => (/* binding */ parsedType),
/* harmony export */   Gv: () => (/* binding */ isObject),
/* harmony export */   LG: () => (/* binding */ floatSafeRemainder),
/* harmony export */   MO: () => (/* binding */ rawShape),
/* harmony export */   NM: () => (/* binding */ optionalKeys),
/* harmony export */   NR: () => (/* binding */ BIGINT_FORMAT_RANGES),
/* harmony export */   O7: () => (/* binding */ codePointLength),
/* harmony export */   OH: () => (/* binding */ partial),
/* harmony export */   PO: () => (/* binding */ cached),
/* harmony export */   QH: () => (/* binding */ aborted),
/* harmony export */   Qd: () => (/* binding */ isPlainObject),
/* harmony export */   Rc: () => (/* binding */ getLengthableOrigin),
/* harmony export */   SS: () => (/* binding */ constantCatch),
/* harmony export */   UQ: () => (/* binding */ esc),
/* harmony export */   Up: () => (/* binding */ pick),
/* harmony export */   Vy: () => (/* binding */ assignProp),
/* harmony export */   W0: () => (/* binding */ safeExtend),
/* harmony export */   X: () => (/* binding */ installLazyProp),
/* harmony export */   X$: () => (/* binding */ extend),
/* harmony export */   Yv: () => (/* binding */ slugify),
/* harmony export */   cJ: () => (/* binding */ omit),
/* harmony export */   cl: () => (/* binding */ nullish),
/* harmony export */   d3: () => (/* binding */ attachSchema),
/* harmony export */   gx: () => (/* binding */ captureStackTrace),
/* harmony export */   h1: () => (/* binding */ merge),
/* harmony export */   hI: () => (/* binding */ allowsEval),
/* harmony export */   hi: () => (/* binding */ sizeCaps),
/* harmony export */   iR: () => (/* binding */ finalizeIssue),
/* harmony export */   jD: () => (/* binding */ hide),
/* harmony export */   jw: () => (/* binding */ joinValues),
/* harmony export */   k8: () => (/* binding */ jsonStringifyReplacer),
/* harmony export */   lQ: () => (/* binding */ prefixIssues),
/* harmony export */   mw: () => (/* binding */ required),
/* harmony export */   o8: () => (/* binding */ clone),
/* harmony export */   ol: () => (/* binding */ members),
/* harmony export */   p6: () => (/* binding */ cleanRegex),
/* harmony export */   qQ: () => (/* binding */ propertyKeyTypes),
/* harmony export */   qh: () => (/* binding */ own),
/* harmony export */   rL: () => (/* binding */ explicitlyAborted),
/* harmony export */   sD: () => (/* binding */ escapeRegex),
/* harmony export */   sn: () => (/* binding */ issue),
/* harmony export */   un: () => (/* binding */ derived),
/* harmony export */   v5: () => (/* binding */ defineLazyInternal),
/* harmony export */   w5: () => (/* binding */ getEnumValues),
/* harmony export */   yG: () => (/* binding */ shallowClone),
/* harmony export */   zH: () => (/* binding */ NUMBER_FORMAT_RANGES),
/* harmony export */   zM: () => (/* binding */ mergeDefs)
/* harmony export */ });
/* unused harmony exports assertEqual, assertNotEqual, toZod, assertIs, assertNever, assert, defineLazy, objectClone, cloneDef, getElementAtPath, promiseAllObject, randomString, numKeys, getParsedType, primitiveTypes, createTransparentProxy, unwrapMessage, getSizableOrigin, cleanEnum, base64ToUint8Array, uint8ArrayToBase64, base64urlToUint8Array, uint8ArrayToBase64url, hexToUint8Array, uint8ArrayToHex, Class, CONSTANT_CATCH */
/* harmony import */ var _core_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(8532);

// functions
function assertEqual(val) {
    return val;
}
function assertNotEqual(val) {
    return val;
}
function toZod() {
    return (schema) => schema;
}
function assertIs(_arg) { }
function assertNever(_x) {
    throw new Error("Unexpected value in exhaustive check");
}
function assert(_) { }
function getEnumValues(entries) {
    const numericValues = Object.values(entries).filter((v) => typeof v === "number");
    const values = Object.entries(entries)
        .filter(([k, _]) => numericValues.indexOf(+k) === -1)
        .map(([_, v]) => v);
    return values;
}
function joinValues(array, separator = "|") {
    return array.map((val) => stringifyPrimitive(val)).join(separator);
}
function jsonStringifyReplacer(_, value) {
    if (typeof value === "bigint")
        return value.toString();
    return value;
}
// the accessor lives on a shared prototype: an own accessor makes every box a dictionary-mode object (~360 B and a slow load per read against ~100 B and an inlined getter here)
class Cached {
    constructor(getter) {
        this._getter = getter;
        this._value = undefined;
    }
    get value() {
        const getter = this._getter;
        if (getter !== undefined) {
            this._value = getter();
            this._getter = undefined;
        }
        return this._value;
    }
}
function cached(getter) {
    return new Cached(getter);
}
function nullish(input) {
    return input === null || input === undefined;
}
function cleanRegex(source) {
    const start = source.startsWith("^") ? 1 : 0;
    const end = source.endsWith("$") ? source.length - 1 : source.length;
    return source.slice(start, end);
}
function floatSafeRemainder(val, step) {
    const ratio = val / step;
    const roundedRatio = Math.round(ratio);
    // `val` and `step` each round to a double before the division rounds again, so a true decimal multiple's quotient can sit up to 1.5 of these scaled epsilons from the integer. A 1x tolerance therefore rejected 2.03 as a multiple of 0.07; 4x covers the worst case with margin.
    const tolerance = 4 * Number.EPSILON * Math.max(Math.abs(ratio), 1);
    if (Math.abs(ratio - roundedRatio) < tolerance)
        return 0;
    return ratio - roundedRatio;
}
const EVALUATING = /* @__PURE__*/ (/* unused pure expression or super */ null && (Symbol("evaluating")));
function defineLazy(object, key, getter) {
    let value = undefined;
    Object.defineProperty(object, key, {
        get() {
            if (value === EVALUATING) {
                // Circular reference detected, return undefined to break the cycle
                return undefined;
            }
            if (value === undefined) {
                value = EVALUATING;
                value = getter();
            }
            return value;
        },
        set(v) {
            Object.defineProperty(object, key, {
                value: v,
                // configurable: true,
            });
            // object[key] = v;
        },
        configurable: true,
    });
}
function objectClone(obj) {
    return Object.create(Object.getPrototypeOf(obj), Object.getOwnPropertyDescriptors(obj));
}
function assignProp(target, prop, value) {
    Object.defineProperty(target, prop, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
    });
}
/**
 * Whichever object a def's `shape` currently answers from: the one the caller passed until the first read, the frozen copy after it.
 *
 * Its keys and descriptors read without invoking anything, which is what lets a discriminated union check its discriminator, and the cycle walk read a shape, without resolving a getter that references the schema being constructed. A def that answers `shape` from an accessor of its own has none.
 */
function rawShape(def) {
    const desc = Object.getOwnPropertyDescriptor(def, "shape");
    return desc?.get ? desc.get.raw : desc?.value;
}
// where a builder reads its source's keys and descriptors, resolving only a shape a def answers for itself. A shape resolves by object spread, so only its enumerable keys are ever part of it.
function sourceShape(schema) {
    return rawShape(schema._zod.def) ?? schema._zod.def.shape;
}
// a key whose value is not settled yet, self-caching so every read after the first gets the same one
function deferProp(target, key, getter) {
    Object.defineProperty(target, key, {
        get() {
            const value = getter();
            assignProp(this, key, value);
            return value;
        },
        enumerable: true,
        configurable: true,
    });
}
// Writes a settled key. A plain assignment is much cheaper than `defineProperty` and produces the same descriptor, but it runs whatever setter already answers to the key — an accessor this shape deferred, or an inherited one, which `__proto__` has on every object and prototype pollution can add for any name.
function putProp(target, key, value) {
    if (key in target)
        assignProp(target, key, value);
    else
        target[key] = value;
}
/**
 * Copies `keys` of `source`'s shape onto `target`, each value passed through `wrap`.
 *
 * A key the source has resolved is copied through now, so the derived shape states it outright and nothing has to resolve it to learn what it holds. A key the source still defers stays deferred, and reads back through the source's own `shape`, so it resolves once and both shapes get that one schema.
 */
function mirrorShape(target, source, keys, wrap) {
    const raw = sourceShape(source);
    for (const key of keys) {
        const desc = Object.getOwnPropertyDescriptor(raw, key);
        if (!desc.enumerable)
            continue;
        if (desc.get) {
            deferProp(target, key, () => {
                const value = source._zod.def.shape[key];
                return wrap ? wrap(value, key) : value;
            });
        }
        else
            putProp(target, key, wrap ? wrap(desc.value, key) : desc.value);
    }
}
// same, for a plain shape a caller passed rather than a schema's
function mirrorProps(target, source) {
    for (const key of Reflect.ownKeys(source)) {
        const desc = Object.getOwnPropertyDescriptor(source, key);
        if (!desc.enumerable)
            continue;
        if (desc.get)
            deferProp(target, key, () => source[key]);
        else
            putProp(target, key, desc.value);
    }
}
function mergeDefs(...defs) {
    const mergedDescriptors = {};
    for (const def of defs) {
        const descriptors = Object.getOwnPropertyDescriptors(def);
        Object.assign(mergedDescriptors, descriptors);
    }
    return Object.defineProperties({}, mergedDescriptors);
}
function cloneDef(schema) {
    return mergeDefs(schema._zod.def);
}
function getElementAtPath(obj, path) {
    if (!path)
        return obj;
    return path.reduce((acc, key) => acc?.[key], obj);
}
function promiseAllObject(promisesObj) {
    const keys = Object.keys(promisesObj);
    const promises = keys.map((key) => promisesObj[key]);
    return Promise.all(promises).then((results) => {
        const resolvedObj = {};
        for (let i = 0; i < keys.length; i++) {
            resolvedObj[keys[i]] = results[i];
        }
        return resolvedObj;
    });
}
function randomString(length = 10) {
    const chars = "abcdefghijklmnopqrstuvwxyz";
    let str = "";
    for (let i = 0; i < length; i++) {
        str += chars[Math.floor(Math.random() * chars.length)];
    }
    return str;
}
function esc(str) {
    return JSON.stringify(str);
}
function slugify(input) {
    return input
        .toLowerCase()
        .trim()
        .replace(/[^\w\s-]/g, "")
        .replace(/[\s_-]+/g, "-")
        .replace(/^-+|-+$/g, "");
}
const captureStackTrace = ("captureStackTrace" in Error ? Error.captureStackTrace : (..._args) => { });
function isObject(data) {
    return typeof data === "object" && data !== null && !Array.isArray(data);
}
const allowsEval = /* @__PURE__*/ cached(() => {
    // Skip the probe under `jitless`: strict CSPs report the caught `new Function` as a `securitypolicyviolation` even though the throw is swallowed.
    if (_core_js__WEBPACK_IMPORTED_MODULE_0__/* .globalConfig */ .cr.jitless) {
        return false;
    }
    // @ts-ignore
    if (typeof navigator !== "undefined" && navigator?.userAgent?.includes("Cloudflare")) {
        return false;
    }
    try {
        const F = Function;
        new F("");
        return true;
    }
    catch (_) {
        return false;
    }
});
function isPlainObject(o) {
    if (isObject(o) === false)
        return false;
    // modified constructor
    const ctor = o.constructor;
    if (ctor === undefined)
        return true;
    if (typeof ctor !== "function")
        return true;
    // modified prototype
    const prot = ctor.prototype;
    if (isObject(prot) === false)
        return false;
    // ctor doesn't have static `isPrototypeOf`
    if (Object.prototype.hasOwnProperty.call(prot, "isPrototypeOf") === false) {
        return false;
    }
    return true;
}
function shallowClone(o) {
    if (isPlainObject(o))
        return { ...o };
    if (Array.isArray(o))
        return [...o];
    if (o instanceof Map)
        return new Map(o);
    if (o instanceof Set)
        return new Set(o);
    return o;
}
function numKeys(data) {
    let keyCount = 0;
    for (const key in data) {
        if (Object.prototype.hasOwnProperty.call(data, key)) {
            keyCount++;
        }
    }
    return keyCount;
}
const getParsedType = (data) => {
    const t = typeof data;
    switch (t) {
        case "undefined":
            return "undefined";
        case "string":
            return "string";
        case "number":
            return Number.isNaN(data) ? "nan" : "number";
        case "boolean":
            return "boolean";
        case "function":
            return "function";
        case "bigint":
            return "bigint";
        case "symbol":
            return "symbol";
        case "object":
            if (Array.isArray(data)) {
                return "array";
            }
            if (data === null) {
                return "null";
            }
            if (data.then && typeof data.then === "function" && data.catch && typeof data.catch === "function") {
                return "promise";
            }
            if (typeof Map !== "undefined" && data instanceof Map) {
                return "map";
            }
            if (typeof Set !== "undefined" && data instanceof Set) {
                return "set";
            }
            if (typeof Date !== "undefined" && data instanceof Date) {
                return "date";
            }
            // @ts-ignore
            if (typeof File !== "undefined" && data instanceof File) {
                return "file";
            }
            return "object";
        default:
            throw new Error(`Unknown data type: ${t}`);
    }
};
const propertyKeyTypes = /* @__PURE__*/ new Set(["string", "number", "symbol"]);
const primitiveTypes = /* @__PURE__*/ new Set([
    "string",
    "number",
    "bigint",
    "boolean",
    "symbol",
    "undefined",
]);
function escapeRegex(str) {
    return str.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
// zod-specific utils
function clone(inst, def, params) {
    const cl = new inst._zod.constr(def ?? inst._zod.def);
    if (!def || params?.parent)
        cl._zod.parent = inst;
    return cl;
}
function normalizeParams(_params) {
    const params = _params;
    if (!params)
        return {};
    if (typeof params === "string")
        return { error: () => params };
    if (params?.message !== undefined) {
        if (params?.error !== undefined)
            throw new Error("Cannot specify both `message` and `error` params");
        params.error = params.message;
    }
    delete params.message;
    if (typeof params.error === "string")
        return { ...params, error: () => params.error };
    return params;
}
function createTransparentProxy(getter) {
    let target;
    return new Proxy({}, {
        get(_, prop, receiver) {
            target ?? (target = getter());
            return Reflect.get(target, prop, receiver);
        },
        set(_, prop, value, receiver) {
            target ?? (target = getter());
            return Reflect.set(target, prop, value, receiver);
        },
        has(_, prop) {
            target ?? (target = getter());
            return Reflect.has(target, prop);
        },
        deleteProperty(_, prop) {
            target ?? (target = getter());
            return Reflect.deleteProperty(target, prop);
        },
        ownKeys(_) {
            target ?? (target = getter());
            return Reflect.ownKeys(target);
        },
        getOwnPropertyDescriptor(_, prop) {
            target ?? (target = getter());
            return Reflect.getOwnPropertyDescriptor(target, prop);
        },
        defineProperty(_, prop, descriptor) {
            target ?? (target = getter());
            return Reflect.defineProperty(target, prop, descriptor);
        },
    });
}
function stringifyPrimitive(value) {
    if (typeof value === "bigint")
        return value.toString() + "n";
    if (typeof value === "string")
        return `"${value}"`;
    return `${value}`;
}
function optionalKeys(shape) {
    return Object.keys(shape).filter((k) => {
        return shape[k]._zod.optin !== undefined && shape[k]._zod.optout === "optional";
    });
}
// Wrapped in a `@__PURE__` IIFE: esbuild never tree-shakes a top-level initializer that contains a member access on `Number`, so the bare object literal survived into every bundle.
const NUMBER_FORMAT_RANGES = /*@__PURE__*/ (() => ({
    safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    int32: [-2147483648, 2147483647],
    uint32: [0, 4294967295],
    float32: [-3.4028234663852886e38, 3.4028234663852886e38],
    float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
}))();
const BIGINT_FORMAT_RANGES = {
    int64: [/* @__PURE__*/ BigInt("-9223372036854775808"), /* @__PURE__*/ BigInt("9223372036854775807")],
    uint64: [/* @__PURE__*/ BigInt(0), /* @__PURE__*/ BigInt("18446744073709551615")],
};
function pick(schema, mask) {
    const currDef = schema._zod.def;
    const checks = currDef.checks;
    const hasChecks = checks && checks.length > 0;
    if (hasChecks) {
        throw new Error(".pick() cannot be used on object schemas containing refinements");
    }
    const newShape = {};
    mirrorShape(newShape, schema, maskedKeys(schema, mask));
    return clone(schema, mergeDefs(currDef, { shape: newShape, checks: [] }));
}
// the mask keys that select something, checked against the source's shape without resolving it
function maskedKeys(schema, mask) {
    const raw = sourceShape(schema);
    const keys = [];
    // `for...in` skips symbols, so a symbol in the mask would select nothing
    for (const key of Reflect.ownKeys(mask)) {
        if (!Object.getOwnPropertyDescriptor(raw, key)?.enumerable) {
            throw new Error(`Unrecognized key: "${String(key)}"`);
        }
        if (mask[key])
            keys.push(key);
    }
    return keys;
}
function omit(schema, mask) {
    const currDef = schema._zod.def;
    const checks = currDef.checks;
    const hasChecks = checks && checks.length > 0;
    if (hasChecks) {
        throw new Error(".omit() cannot be used on object schemas containing refinements");
    }
    const omitted = new Set(maskedKeys(schema, mask));
    const newShape = {};
    mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)).filter((key) => !omitted.has(key)));
    return clone(schema, mergeDefs(currDef, { shape: newShape, checks: [] }));
}
function extend(schema, shape) {
    if (!isPlainObject(shape)) {
        throw new Error("Invalid input to extend: expected a plain object");
    }
    const checks = schema._zod.def.checks;
    const hasChecks = checks && checks.length > 0;
    if (hasChecks) {
        // Only throw if new shape overlaps with existing shape. Use getOwnPropertyDescriptor to check key existence without accessing values
        const existingShape = sourceShape(schema);
        for (const key of Reflect.ownKeys(shape)) {
            if (Object.getOwnPropertyDescriptor(existingShape, key) !== undefined) {
                throw new Error("Cannot overwrite keys on object schemas containing refinements. Use `.safeExtend()` instead.");
            }
        }
    }
    return clone(schema, mergeDefs(schema._zod.def, { shape: extended(schema, shape) }));
}
// the source's keys, then the caller's overlaid on top
function extended(schema, shape) {
    const newShape = {};
    mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)));
    mirrorProps(newShape, shape);
    return newShape;
}
function safeExtend(schema, shape) {
    if (!isPlainObject(shape)) {
        throw new Error("Invalid input to safeExtend: expected a plain object");
    }
    return clone(schema, mergeDefs(schema._zod.def, { shape: extended(schema, shape) }));
}
function merge(a, b) {
    if (!b?._zod?.def) {
        throw new Error("Invalid input to merge: expected an object schema. To merge a plain shape, use `.extend()`.");
    }
    if (a._zod.def.checks?.length) {
        throw new Error(".merge() cannot be used on object schemas containing refinements. Use .safeExtend() instead.");
    }
    const newShape = {};
    mirrorShape(newShape, a, Reflect.ownKeys(sourceShape(a)));
    mirrorShape(newShape, b, Reflect.ownKeys(sourceShape(b)));
    const def = mergeDefs(a._zod.def, {
        shape: newShape,
        get catchall() {
            return b._zod.def.catchall;
        },
        checks: b._zod.def.checks ?? [],
    });
    return clone(a, def);
}
function partial(Class, schema, mask, name = "partial") {
    const currDef = schema._zod.def;
    const checks = currDef.checks;
    const hasChecks = checks && checks.length > 0;
    if (hasChecks) {
        throw new Error(`.${name}() cannot be used on object schemas containing refinements`);
    }
    const selected = mask ? new Set(maskedKeys(schema, mask)) : undefined;
    const newShape = {};
    mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)), Class &&
        ((value, key) => (selected && !selected.has(key) ? value : new Class({ type: "optional", innerType: value }))));
    return clone(schema, mergeDefs(schema._zod.def, { shape: newShape, checks: [] }));
}
function required(Class, schema, mask) {
    const selected = mask ? new Set(maskedKeys(schema, mask)) : undefined;
    const newShape = {};
    mirrorShape(newShape, schema, Reflect.ownKeys(sourceShape(schema)), (value, key) => 
    // overwrite with non-optional
    selected && !selected.has(key) ? value : new Class({ type: "nonoptional", innerType: value }));
    return clone(schema, mergeDefs(schema._zod.def, { shape: newShape }));
}
// invalid_type | too_big | too_small | invalid_format | not_multiple_of | unrecognized_keys | invalid_union | invalid_key | invalid_element | invalid_value | custom
function aborted(x, startIndex = 0) {
    if (x.aborted === true)
        return true;
    for (let i = startIndex; i < x.issues.length; i++) {
        if (x.issues[i]?.continue !== true) {
            return true;
        }
    }
    return false;
}
// Checks for explicit abort (continue === false), as opposed to implicit abort (continue === undefined). Used to respect `abort: true` in .refine() even for checks that have a `when` function.
function explicitlyAborted(x, startIndex = 0) {
    if (x.aborted === true)
        return true;
    for (let i = startIndex; i < x.issues.length; i++) {
        if (x.issues[i]?.continue === false) {
            return true;
        }
    }
    return false;
}
function prefixIssues(path, issues) {
    return issues.map((iss) => {
        var _a;
        (_a = iss).path ?? (_a.path = []);
        iss.path.unshift(path);
        return iss;
    });
}
function unwrapMessage(message) {
    return typeof message === "string" ? message : message?.message;
}
/* A check holds no link back to the schema it is attached to — the same check instance is shared by every clone of that schema — so the owner is stamped onto the issues a check just raised, at the only point where both are in scope. Runs on the failure path only; `start` is the issue count from before the check ran. */
/** The leading size checks of `defChecks` that set an upper bound, each paired with it. */
function sizeCaps(defChecks) {
    const caps = [];
    for (const ch of defChecks ?? []) {
        const d = ch._zod.def;
        // a later check may rewrite the value
        if (!/_(length|size)$|_equals$/.test(d.check))
            break;
        const max = d.maximum ?? d.length ?? d.size;
        if (max >= 0)
            caps.push([max, ch]);
    }
    return caps;
}
function attachSchema(issues, start, inst) {
    var _a;
    for (let i = start; i < issues.length; i++) {
        (_a = issues[i]).schema ?? (_a.schema = inst);
    }
}
function finalizeIssue(iss, ctx, config) {
    var _a;
    // A schema that raised an issue itself owns it outright, and outranks any stamp an enclosing check left in `attachSchema`. String formats and z.custom() are schema and check at once, so when they act as a check they defer to that stamp instead.
    const traits = iss.inst?._zod?.traits;
    if (traits?.has("$ZodType")) {
        if (traits.has("$ZodCheck"))
            (_a = iss).schema ?? (_a.schema = iss.inst);
        else
            iss.schema = iss.inst;
    }
    // Decreasing specificity, first map to return a message wins. `inst` is whatever raised the issue, so a check's own map outranks the owning schema's.
    const schemaError = iss.schema !== iss.inst ? iss.schema?._zod.def?.error : undefined;
    const message = iss.message
        ? iss.message
        : (unwrapMessage(iss.inst?._zod.def?.error?.(iss)) ??
            unwrapMessage(schemaError?.(iss)) ??
            unwrapMessage(ctx?.error?.(iss)) ??
            unwrapMessage(config.customError?.(iss)) ??
            unwrapMessage(config.localeError?.(iss)) ??
            "Invalid input");
    // an explicit own-key copy beats object rest with excluded keys, which v8 routes through a generic runtime call; Object.keys rather than for-in so an issue pushed with a prototype does not leak inherited keys, and an own __proto__ key is dropped rather than assigned through the setter
    const full = {};
    for (const k of Object.keys(iss)) {
        if (k === "inst" || k === "schema" || k === "continue" || k === "input" || k === "__proto__")
            continue;
        full[k] = iss[k];
    }
    full.path ?? (full.path = []);
    full.message = message;
    if (ctx?.reportInput) {
        full.input = iss.input;
    }
    return full;
}
function getSizableOrigin(input) {
    if (input instanceof Set)
        return "set";
    if (input instanceof Map)
        return "map";
    // @ts-ignore
    if (input instanceof File)
        return "file";
    return "unknown";
}
const highSurrogate = /[\uD800-\uDBFF]/;
// Code points in `str`: a surrogate pair counts once, a lone surrogate as itself. Hand-rolled because the string iterator allocates and runs ~250x slower on this path; the regex probe exits ~50x quicker for a string with no astral characters.
function codePointLength(str) {
    const units = str.length;
    if (!highSurrogate.test(str))
        return units;
    let count = units;
    for (let i = 0; i < units - 1; i++) {
        if ((str.charCodeAt(i) & 0xfc00) === 0xd800 && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
            count--;
            i++;
        }
    }
    return count;
}
function getLengthableOrigin(input) {
    if (Array.isArray(input))
        return "array";
    if (typeof input === "string")
        return "string";
    return "unknown";
}
function parsedType(data) {
    const t = typeof data;
    switch (t) {
        case "number": {
            return Number.isNaN(data) ? "nan" : "number";
        }
        case "object": {
            if (data === null) {
                return "null";
            }
            if (Array.isArray(data)) {
                return "array";
            }
            const obj = data;
            if (obj && Object.getPrototypeOf(obj) !== Object.prototype && "constructor" in obj && obj.constructor) {
                return obj.constructor.name;
            }
        }
    }
    return t;
}
function issue(...args) {
    const [iss, input, inst] = args;
    if (typeof iss === "string") {
        return {
            message: iss,
            code: "custom",
            input,
            inst,
        };
    }
    return { ...iss };
}
function cleanEnum(obj) {
    return Object.entries(obj)
        .filter(([k, _]) => {
        // return true if NaN, meaning it's not a number, thus a string key
        return Number.isNaN(Number.parseInt(k, 10));
    })
        .map((el) => el[1]);
}
// Codec utility functions
function base64ToUint8Array(base64) {
    const binaryString = atob(base64);
    const bytes = new Uint8Array(binaryString.length);
    for (let i = 0; i < binaryString.length; i++) {
        bytes[i] = binaryString.charCodeAt(i);
    }
    return bytes;
}
function uint8ArrayToBase64(bytes) {
    let binaryString = "";
    for (let i = 0; i < bytes.length; i++) {
        binaryString += String.fromCharCode(bytes[i]);
    }
    return btoa(binaryString);
}
function base64urlToUint8Array(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padding = "=".repeat((4 - (base64.length % 4)) % 4);
    return base64ToUint8Array(base64 + padding);
}
function uint8ArrayToBase64url(bytes) {
    return uint8ArrayToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "");
}
function hexToUint8Array(hex) {
    const cleanHex = hex.replace(/^0x/, "");
    if (cleanHex.length % 2 !== 0) {
        throw new Error("Invalid hex string length");
    }
    const bytes = new Uint8Array(cleanHex.length / 2);
    for (let i = 0; i < cleanHex.length; i += 2) {
        bytes[i / 2] = Number.parseInt(cleanHex.slice(i, i + 2), 16);
    }
    return bytes;
}
function uint8ArrayToHex(bytes) {
    return Array.from(bytes)
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
}
// instanceof
class Class {
    constructor(..._args) { }
}
//////////    PROTOTYPE INSTALLERS     //////////
//
// Members live on the prototype and materialize per instance on first read, which keeps own-property count under the step where V8 stops using inline slots. Changing anything here means re-measuring runtime, memory and bundle size together — see "The three axes" in AGENTS.md.
/**
 * Installs a trait's members on its prototype. Each value builds that member for the instance on first read; the built value shadows the accessor as an own property, so a detached `const { parse } = schema` keeps working.
 *
 * Call this from a `proto` initializer, which runs once per prototype — never per instance.
 */
function members(proto, table) {
    for (const key in table) {
        const desc = Object.getOwnPropertyDescriptor(table, key);
        // a getter installs as written, so it stays live: `description` reads through to the registry on every access. not enumerable: an object literal's is, and a prototype member never was
        if (desc.get)
            Object.defineProperty(proto, key, { ...desc, enumerable: false });
        // a method materializes bound on first read, which is what keeps a detached member working: `const opt = schema.optional; opt()`
        else
            defineBound(proto, key, desc.value);
    }
}
/** Shadows a prototype member with an own value, so a getter that builds from the instance runs once. */
function own(inst, key, value, enumerable = true) {
    Object.defineProperty(inst, key, { configurable: true, writable: true, enumerable, value });
    return value;
}
/** Like {@link own}, for a member that was never an own data property and has to stay out of `Object.keys`. */
function hide(inst, key, value) {
    return own(inst, key, value, false);
}
/** Adds members a table derives from the instance: each builds on first read and shadows as own data, and assignment shadows the same way, as when these were own properties. */
function derived(computes, table) {
    for (const key in computes) {
        const compute = computes[key];
        // an object literal's accessor is configurable and enumerable, and `members` copies the descriptor as written
        Object.defineProperty(table, key, {
            configurable: true,
            enumerable: true,
            get() {
                return own(this, key, compute(this));
            },
            set(value) {
                own(this, key, value);
            },
        });
    }
    return table;
}
function defineBound(proto, key, fn) {
    Object.defineProperty(proto, key, {
        configurable: true,
        get() {
            // vitest's spyOn calls a prototype getter bare to find the function it wraps, so a nullish receiver answers the raw method
            return this == null ? fn : own(this, key, fn.bind(this));
        },
        set(value) {
            own(this, key, value);
        },
    });
}
/** Returns the prototype to install on, or `undefined` if this group is already installed on it. */
function claim(inst, sentinel) {
    const proto = Object.getPrototypeOf(inst);
    // Runs on every construction, so `in` rather than the costlier `hasOwnProperty.call`. Sentinels are keys the group itself defines.
    return sentinel in proto ? undefined : proto;
}
// The internals whose init chain is installing. A second call for the same one is a derived constructor overriding its base, so it must not construct another schema in between or the override is dropped.
let installing;
// Set while a getter is running, so a value that resolved through a recursion break is not memoized. One shared descriptor shadows the key for the duration, which costs no per-key allocation.
let broke = false;
const breaker = {
    configurable: true,
    get() {
        broke = true;
        return undefined;
    },
};
/**
 * Installs a lazily-derived internal on the `_zod` prototype of `inst`'s
 * constructor, computed from the internals object itself and cached there on
 * first read. One accessor per constructor rather than one per instance.
 */
function defineLazyInternal(inst, key, compute) {
    const proto = Object.getPrototypeOf(inst._zod);
    if (key in proto && installing !== inst._zod) {
        // A repeat construction: everything is installed already. Cleared here so the reference is not held past the first construction of every type.
        installing = undefined;
        return;
    }
    installing = inst._zod;
    Object.defineProperty(proto, key, {
        configurable: true,
        get() {
            // Shadowed before computing so a re-entrant read from a recursive schema resolves to undefined instead of running the getter again.
            Object.defineProperty(this, key, breaker);
            const outer = broke;
            broke = false;
            try {
                const value = compute(this);
                // A result that resolved through a recursion break is recomputed once the graph is complete; everything else memoizes, undefined included.
                if (broke)
                    delete this[key];
                else
                    Object.defineProperty(this, key, { configurable: true, writable: true, value });
                broke = broke || outer;
                return value;
            }
            catch (err) {
                // A compute that threw memoizes nothing, so a later read runs it again and fails the same way. The shadow goes with it, since leaving it installed would answer undefined for every later read.
                delete this[key];
                broke = broke || outer;
                throw err;
            }
        },
        set(value) {
            Object.defineProperty(this, key, { configurable: true, writable: true, value });
        },
    });
}
/**
 * Installs `key` on `inst`'s prototype, computed by `make` on first read and cached there as an own
 * data property. One accessor per constructor rather than one per instance, because an own accessor
 * puts every instance after the first into v8 dictionary mode. The key doubles as the sentinel.
 */
function installLazyProp(inst, key, make, enumerable) {
    const proto = claim(inst, key);
    if (!proto)
        return;
    Object.defineProperty(proto, key, {
        configurable: true,
        get() {
            // Shadowed before computing, so a re-entrant read from a self-referential shape resolves to undefined instead of running the getter again. A data property rather than an accessor: an own accessor is the dictionary-mode transition this exists to avoid.
            const desc = { configurable: true, writable: true, enumerable, value: undefined };
            Object.defineProperty(this, key, desc);
            // a compute that throws leaves the shadow behind, so later reads answer undefined instead of re-throwing; `defineLazy` did the same, and `defineLazyInternal`'s delete-on-catch would cost bytes in every bundle for a case only a throwing user getter reaches
            desc.value = make(this);
            Object.defineProperty(this, key, desc);
            return desc.value;
        },
        set(value) {
            Object.defineProperty(this, key, { configurable: true, writable: true, enumerable, value });
        },
    });
}
/** Marks the thunk `_catch` synthesises for a constant catch value. `Function.length` cannot tell that thunk from a user callback — rest and defaulted parameters both report arity 0 — and a user callback reads `ctx.error`, whose issues only finalize correctly against the caller's per-parse error map. Provenance can say what arity cannot. A plain string key rather than `Symbol.for`, whose call at module scope no bundler can prove pure — the same shape that anchored `urlCanParse` into every build. */
const CONSTANT_CATCH = "~constantCatch";
/** Wraps a constant catch value in a thunk tagged with {@link CONSTANT_CATCH}. */
function constantCatch(value) {
    const fn = () => value;
    fn[CONSTANT_CATCH] = true;
    return fn;
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(6902);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
