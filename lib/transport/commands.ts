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
export const SCRIPT_EXIT = {
  checksum: 65,
  exists: 67,
  missingRelease: 68,
  preSwitch: 70,
  start: 71,
  postSwitch: 72,
  noTools: 73,
  lockLost: 74,
  slotSwitch: 75,
  unsafeTree: 76,
} as const;

// names follow the one rule each in lib/isolation/names.ts
import {
  APP_NAME_RE as APP_RE,
  CONTEXT_NAME_RE as CONTEXT_RE,
  RELEASE_ID_RE as RELEASE_RE,
  TARGET_ID_RE as TARGET_RE,
} from '../isolation/names.js';
const TOKEN_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** absolute, normalized, conservative characters: no `..`, no `//`, no trailing slash */
const ROOT_RE = /^(\/[A-Za-z0-9._-]+)+$/;
/** relative shared path: segments of safe characters, no `.`/`..` segments */
const SHARED_RE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export class UnsafeValueError extends Error {
  constructor(readonly what: string) {
    super(`unsafe ${what}`);
    this.name = 'UnsafeValueError';
  }
}

/** The one quoting function: a POSIX single-quoted word. Refuses NUL (cannot be passed to a shell). */
export function q(value: string): string {
  if (value.includes('\0')) throw new UnsafeValueError('value (contains NUL)');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function check(re: RegExp, value: string, what: string): string {
  if (!re.test(value)) throw new UnsafeValueError(what);
  return value;
}

export const safeApp = (v: string) => check(APP_RE, v, 'app name');
const safeContext = (v: string) => check(CONTEXT_RE, v, 'context name');
export const safeRelease = (v: string) => check(RELEASE_RE, v, 'release id');
const safeTarget = (v: string) => check(TARGET_RE, v, 'target id');
function safeRoot(v: string): string {
  check(ROOT_RE, v, 'deploy root');
  if (v.split('/').some((s) => s === '.' || s === '..')) throw new UnsafeValueError('deploy root');
  return v;
}
function safeShared(v: string): string {
  check(SHARED_RE, v, 'shared path');
  if (v.split('/').some((s) => s === '.' || s === '..')) throw new UnsafeValueError('shared path');
  return v;
}

/** A shared path whose last segment looks like a file (`.env`, `config/app.yml`): created as an empty file when nothing provides it. */
function looksLikeFile(shared: string): boolean {
  const last = shared.slice(shared.lastIndexOf('/') + 1);
  return last.startsWith('.') || /\.[A-Za-z0-9]{1,8}$/.test(last);
}

/** `<deploy_root>/<context>/<app>`, every part validated. */
export function appDir(root: string, context: string, app: string): string {
  return `${safeRoot(root)}/${safeContext(context)}/${safeApp(app)}`;
}

export type SlotName = 'blue' | 'green';

/** Environment every hook and the start command see. */
export interface HookEnv {
  appDir: string;
  context: string;
  app: string;
  target: string;
  release: string;
  /** bluegreen: the slot the command is about (PAAS_SLOT, PAAS_PORT) */
  slot?: { name: SlotName; port: number } | undefined;
}

function header(a: string): string[] {
  return ['set -eu', 'umask 022', `A=${q(a)}`];
}

function safeSlot(slot: { name: string; port: number }): { name: SlotName; port: number } {
  if (
    (slot.name !== 'blue' && slot.name !== 'green') ||
    !Number.isInteger(slot.port) ||
    slot.port < 1 ||
    slot.port > 65535
  )
    throw new UnsafeValueError('slot');
  return slot as { name: SlotName; port: number };
}

function exportEnv(env: HookEnv): string {
  const slot = env.slot ? ` PAAS_SLOT=${safeSlot(env.slot).name} PAAS_PORT=${env.slot.port}` : '';
  return (
    `export PAAS_APP_DIR=${q(env.appDir)} PAAS_CONTEXT=${q(safeContext(env.context))} ` +
    `PAAS_APP=${q(safeApp(env.app))} PAAS_TARGET=${q(safeTarget(env.target))} ` +
    `PAAS_RELEASE=${q(safeRelease(env.release))} ` +
    `PAAS_RELEASE_DIR="$A/releases/"${q(env.release)}${slot}`
  );
}

/** Runs a user command (from paas.yml) in a subshell, mapping failure to `code` with a message on stderr. */
function userCommand(cmd: string, what: string, code: number, logFile?: string): string[] {
  if (!logFile) {
    return [
      `rc=0; sh -c ${q(cmd)} </dev/null || rc=$?`,
      `if [ "$rc" -ne 0 ]; then echo ${q(`paas: ${what} failed`)}" (exit $rc)" >&2; exit ${code}; fi`,
    ];
  }
  // output goes to a log file so that a daemon left running cannot hold the channel open
  return [
    `rc=0; sh -c ${q(cmd)} </dev/null >${logFile} 2>&1 || rc=$?`,
    `tail -n 20 ${logFile} || true`,
    `if [ "$rc" -ne 0 ]; then echo ${q(`paas: ${what} failed`)}" (exit $rc)" >&2; ` +
      `tail -n 20 ${logFile} >&2 || true; exit ${code}; fi`,
  ];
}

/** Prints the state of an app dir: current release, release dirs, history, lock, live slot. */
function stateLines(): string[] {
  return [
    'c=$(readlink "$A/current" 2>/dev/null || true); echo "current=${c##*/}"',
    'echo "--releases"; if [ -d "$A/releases" ]; then ls -1 "$A/releases"; fi; echo "--end"',
    'echo "--history"; if [ -f "$A/.paas/history.jsonl" ]; ' +
      'then tail -n 1000 "$A/.paas/history.jsonl"; fi; echo "--end"',
    'echo "--lock"; if [ -d "$A/.paas/lock" ]; then cat "$A/.paas/lock/owner.json" 2>/dev/null || ' +
      'echo "{}"; fi; echo "--end"',
    'echo "live=$(cat "$A/.paas/live" 2>/dev/null || true)"',
  ];
}

/** Read-only: state of the app dir (absent dir prints `exists=no`). */
export function stateScript(a: string): string {
  return (
    [...header(a), 'if [ ! -d "$A" ]; then echo "exists=no"; exit 0; fi', 'echo "exists=yes"', ...stateLines()].join(
      '\n',
    ) + '\n'
  );
}

interface LockSpec {
  /** random per run: only the holder of this token may release the lock */
  token: string;
  /** GITHUB_RUN_ID (or a CLI run id) */
  run: string;
  /**
   * GITHUB_RUN_ATTEMPT: a later attempt of the same run takes over a lock an earlier attempt left;
   * two jobs of one attempt (a matrix, two workflows' jobs) never take each other's
   */
  attempt: string;
  /** owner document, JSON (run, actor, sha, time, expires); no secret */
  ownerJson: string;
  ttlSeconds: number;
}

/** Takes the lock (atomic mkdir) into `$lk`: acquired|reentered|taken_over|held. */
function lockLines(lock: LockSpec): string[] {
  check(TOKEN_RE, lock.token, 'lock token');
  check(TOKEN_RE, lock.run, 'run id');
  check(TOKEN_RE, lock.attempt, 'run attempt');
  const ttl = Math.max(1, Math.floor(lock.ttlSeconds));
  return [
    'mkdir -p "$A/releases" "$A/shared" "$A/.paas/uploads" "$A/.paas/sums"',
    'L="$A/.paas/lock"',
    'take() {',
    '  mkdir "$L" 2>/dev/null || return 1',
    `  printf '%s\\n' ${q(lock.token)} >"$L/token"`,
    `  printf '%s\\n' ${q(lock.run)} >"$L/run"`,
    `  printf '%s\\n' ${q(lock.attempt)} >"$L/attempt"`,
    `  printf '%s\\n' ${q(lock.ownerJson)} >"$L/owner.json"`,
    `  echo $(( $(date +%s) + ${ttl} )) >"$L/expires"`,
    '}',
    'if take; then lk=acquired',
    'else',
    '  t=$(cat "$L/token" 2>/dev/null || true); r=$(cat "$L/run" 2>/dev/null || true)',
    '  a=$(cat "$L/attempt" 2>/dev/null || true)',
    `  e=$(cat "$L/expires" 2>/dev/null || echo $(( $(stat -c %Y "$L" 2>/dev/null || date +%s) + ${ttl} )))`,
    `  if [ "$t" = ${q(lock.token)} ]; then lk=reentered`,
    // an earlier attempt of this run (a lock written before attempts were recorded counts as one)
    `  elif { [ "$r" = ${q(lock.run)} ] && [ "$a" != ${q(lock.attempt)} ]; } || [ "$(date +%s)" -gt "$e" ]; then`,
    '    s="$L.stale.$$"',
    '    if mv "$L" "$s" 2>/dev/null && take; then rm -rf "$s"; lk=taken_over; else lk=held; fi',
    '  else lk=held',
    '  fi',
    'fi',
    'echo "lock=$lk"',
  ];
}

/** Releases the lock when it holds `token` (never someone else's). */
function unlockLine(token: string): string {
  check(TOKEN_RE, token, 'lock token');
  return (
    `if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" = ${q(token)} ]; ` +
    'then rm -rf "$A/.paas/lock"; echo "unlock=released"; fi'
  );
}

/**
 * Takes the lock (atomic mkdir) and prints the state. Outputs `lock=acquired|reentered|taken_over|held`.
 * A lock is stale when now > its `expires` (or, if that file was never written, the lock dir's mtime + TTL).
 */
export function prepareScript(a: string, lock: LockSpec): string {
  return [...header(a), ...lockLines(lock), ...stateLines()].join('\n') + '\n';
}

/** Releases the lock only when it holds our token; never someone else's. Outputs `unlock=released|not_owner|absent`. */
export function unlockScript(a: string, token: string): string {
  check(TOKEN_RE, token, 'lock token');
  return (
    [
      ...header(a),
      'L="$A/.paas/lock"',
      'if [ ! -d "$L" ]; then echo "unlock=absent"; exit 0; fi',
      `if [ "$(cat "$L/token" 2>/dev/null || true)" = ${q(token)} ]; then rm -rf "$L"; ` +
        'echo "unlock=released"; else echo "unlock=not_owner"; fi',
    ].join('\n') + '\n'
  );
}

interface InstallSpec {
  release: string;
  sha256: string;
  shared: readonly string[];
  lock: LockSpec;
  /** a history line (JSON, status `unpacked`) appended when the release is unpacked: a run that fails later leaves a record, so prune can remove it */
  unpackedLine?: string | undefined;
}

/** What the client writes first on the stdin of `receiveScript`, alone on a line. */
export const RECEIVE = { go: 'go', skip: 'skip', abort: 'abort', ready: '--ready' } as const;

/**
 * A script started ahead of time: it first waits for one line on stdin and runs only on `go`
 * (anything else, or EOF when the connection drops: exits 0, nothing done). The channel and the
 * shell are then already up when the step is due, which saves the exec set-up round trips.
 */
export function gated(script: string): string {
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
export function receiveScript(a: string, spec: InstallSpec): string {
  const id = safeRelease(spec.release);
  if (!/^[0-9a-f]{64}$/.test(spec.sha256)) throw new UnsafeValueError('sha256');
  const sum = q(spec.sha256);
  const lines = [
    ...header(a),
    ...lockLines(spec.lock),
    ...stateLines(),
    'if [ "$lk" = held ]; then exit 0; fi',
    // we hold the lock: what an interrupted run left half-unpacked or half-uploaded goes
    'rm -rf "$A/releases/".tmp-* "$A/.paas/uploads/"*',
    `ID=${q(id)}; R="$A/releases/$ID"; U="$A/.paas/uploads/$ID.tar.gz"; T="$A/releases/.tmp-$ID"`,
    'c=$(readlink "$A/current" 2>/dev/null || true)',
    'have=$(cat "$A/.paas/sums/$ID" 2>/dev/null || true)',
    // same id, other bytes: refused whether or not the release is current, naming both checksums
    `if [ -d "$R" ] && [ "$have" != ${sum} ]; then echo "paas: ` +
      `release $ID already exists on this target with different content (sha256 \${have:-not recorded} ` +
      `there, ${spec.sha256} in this artifact); use a new release id" >&2; exit ${SCRIPT_EXIT.exists}`,
    'elif [ "${c##*/}" = "$ID" ] && [ -d "$R" ]; then need=current',
    'elif [ -d "$R" ]; then need=exists',
    'elif command -v sha256sum >/dev/null 2>&1; then need=upload; H=sha256sum',
    "elif command -v shasum >/dev/null 2>&1; then need=upload; H='shasum -a 256'",
    `else echo "paas: neither sha256sum nor shasum found on the target" >&2; exit ${SCRIPT_EXIT.noTools}; fi`,
    `echo "need=$need"; echo ${q(RECEIVE.ready)}`,
    'IFS= read -r go || go=',
    `if [ "$go" = ${q(RECEIVE.skip)} ] && [ "$need" != upload ]; then echo "install=$need"; exit 0; fi`,
    `if [ "$go" != ${q(RECEIVE.go)} ] || [ "$need" != upload ]; then ${unlockLine(spec.lock.token)}; ` +
      'echo "install=aborted"; exit 0; fi',
    'sum=$(tee "$U" | $H | cut -d" " -f1)',
    `if [ "$sum" != ${sum} ]; then echo "paas: checksum mismatch: received $(wc -c <"$U") ` +
      'bytes that differ from the artifact checked on the runner" >&2; rm -f "$U"; ' +
      `exit ${SCRIPT_EXIT.checksum}; fi`,
    'rm -rf "$T"; mkdir -p "$T"',
    'tar -xzf "$U" -C "$T" --no-same-owner --no-same-permissions',
    ...treeCheckLines(),
  ];
  for (const s of spec.shared) {
    const p = safeShared(s);
    const parent = p.includes('/') ? `/${p.slice(0, p.lastIndexOf('/'))}` : '';
    lines.push(
      `S="$A/shared/"${q(p)}; D="$T/"${q(p)}`,
      'mkdir -p "$(dirname "$S")" "$(dirname "$D")"',
      // never rm -rf through a link: the parent of the shared path must be the plain directory it names
      `if [ "$(cd "$(dirname "$D")" && pwd -P)" != "$TR"${q(parent)} ]; ` +
        `then echo ${q(`paas: shared path ${p} goes through a symlink of the release; refusing to replace it`)} >&2; rm -rf "$T" "$U"; exit ${SCRIPT_EXIT.unsafeTree}; fi`,
      // seed the shared copy from the first release that ships it; else an empty one: a file (mode 0600)
      // for a name that looks like a file (`.env`, `app.conf`), a directory otherwise (`storage`)
      'if [ ! -e "$S" ] && [ ! -L "$S" ]; then if [ -e "$D" ] && [ ! -L "$D" ]; then cp -Rp "$D" "$S"; ' +
        `else ${looksLikeFile(p) ? '(umask 077; : >"$S")' : 'mkdir -p "$S"'}; fi; fi`,
      'rm -rf "$D"; ln -s "$S" "$D"',
    );
  }
  lines.push(`printf '%s\\n' ${sum} >"$A/.paas/sums/$ID"`);
  if (spec.unpackedLine) lines.push(`printf '%s\\n' ${q(spec.unpackedLine)} >>"$A/.paas/history.jsonl"`);
  lines.push('mv "$T" "$R"', 'rm -f "$U"', 'echo "install=ok"');
  return lines.join('\n') + '\n';
}

/**
 * After unpacking into `$T`: every symlink of the tree, resolved on the target itself (chains
 * included), must stay inside `$T`; else the temp dir is removed (rm -rf never follows a link) and
 * the script exits `unsafeTree`. Sets `TR`, the physical path of `$T`.
 */
function treeCheckLines(): string[] {
  const each = [
    't=$1; shift',
    'for l do',
    '  r=$(realpath -m -- "$l" 2>/dev/null || readlink -f -- "$l" 2>/dev/null || echo /)',
    '  case "$r" in "$0"|"$0"/*) ;; *) echo "paas: ' +
      'the unpacked release holds a symlink that resolves outside it: ${l#"$t"/}" >&2; exit 1;; esac',
    'done',
  ].join('\n');
  return [
    'TR=$(cd "$T" && pwd -P)',
    `if ! find "$T" -type l -exec sh -c ${q(each)} "$TR" "$T" {} +; then rm -rf "$T" "$U"; ` +
      `exit ${SCRIPT_EXIT.unsafeTree}; fi`,
  ];
}

interface SwitchSpec {
  env: HookEnv;
  /** the run's lock token: the switch happens only while the lock holds it */
  lockToken: string;
  preSwitch?: string | undefined;
  start?: string | undefined;
  /** a history line (JSON) to append after the switch, e.g. marking the release we leave as bad */
  historyLine?: string | undefined;
}

/**
 * Atomic switch of `current`: a temp symlink renamed over it (`ln -sfn` + `mv -T`), only while the
 * lock still holds our token (a run whose lock was released or taken over never switches).
 */
function switchLines(
  release: string,
  lockToken: string,
  link = { path: '"$A/current"', target: '"releases/$ID"', says: 'switched=$ID' },
): string[] {
  check(TOKEN_RE, lockToken, 'lock token');
  return [
    `ID=${q(safeRelease(release))}`,
    'if [ ! -d "$A/releases/$ID" ]; then echo "paas: release $ID does not exist on this target" >&2; ' +
      `exit ${SCRIPT_EXIT.missingRelease}; fi`,
    `if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" != ${q(lockToken)} ]; then echo "paas: ` +
      'this run no longer holds the deploy lock (released or taken over); not switching" >&2; ' +
      `exit ${SCRIPT_EXIT.lockLost}; fi`,
    'N="$A/.link.tmp.$$"',
    `ln -sfn ${link.target} "$N"`,
    `mv -T "$N" ${link.path}`,
    `echo "${link.says}"`,
  ];
}

/** pre_switch hook (in the new release), atomic switch, start command (in current). */
export function switchScript(a: string, spec: SwitchSpec): string {
  const lines = [...header(a), exportEnv(spec.env)];
  if (spec.preSwitch)
    lines.push('cd "$PAAS_RELEASE_DIR"', ...userCommand(spec.preSwitch, 'pre_switch hook', SCRIPT_EXIT.preSwitch));
  lines.push(...switchLines(spec.env.release, spec.lockToken));
  if (spec.historyLine) lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
  if (spec.start)
    lines.push(
      'cd "$A/current"',
      ...userCommand(spec.start, 'start command', SCRIPT_EXIT.start, '"$A/.paas/start.log"'),
    );
  return lines.join('\n') + '\n';
}

interface ReturnSpec {
  /** env of the release to return to (env.release = the previous release) */
  env: HookEnv;
  /** the release the interrupted run was deploying: only a target whose `current` is it is returned */
  from: string;
  lockToken: string;
  start?: string | undefined;
  /** history line marking `from` bad */
  historyLine: string;
}

/**
 * After a run was killed (the action's post step): a target whose `current` is still the release
 * that run was deploying goes back to `env.release` (only while the lock holds the run's token),
 * and the start command runs there. Prints `returned=no` when there is nothing to return.
 */
export function returnScript(a: string, spec: ReturnSpec): string {
  const from = safeRelease(spec.from);
  const lines = [
    ...header(a),
    exportEnv(spec.env),
    'c=$(readlink "$A/current" 2>/dev/null || true)',
    `if [ "\${c##*/}" != ${q(from)} ]; then echo "returned=no"; exit 0; fi`,
    ...switchLines(spec.env.release, spec.lockToken),
    `printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`,
  ];
  if (spec.start)
    lines.push(
      'cd "$A/current"',
      ...userCommand(spec.start, 'start command', SCRIPT_EXIT.start, '"$A/.paas/start.log"'),
    );
  lines.push('echo "returned=yes"');
  return lines.join('\n') + '\n';
}

interface SlotSpec {
  /** the release and the slot (env.slot) */
  env: HookEnv & { slot: { name: SlotName; port: number } };
  lockToken: string;
  /** slotStartScript: the start command, run in the slot */
  start?: string | undefined;
  /** slotSwitchScript: the command that moves traffic to the live slot (paas.yml slots.switch) */
  switchCommand?: string | undefined;
  historyLine?: string | undefined;
}

/**
 * bluegreen, before any traffic moves: points `slots/<slot>` (the idle slot) at the release and runs
 * the start command there with PAAS_SLOT/PAAS_PORT. The live slot, `current` and `.paas/live` are
 * untouched.
 */
export function slotStartScript(a: string, spec: SlotSpec): string {
  const slot = safeSlot(spec.env.slot).name;
  const lines = [...header(a), exportEnv(spec.env), 'mkdir -p "$A/slots"'];
  lines.push(
    ...switchLines(spec.env.release, spec.lockToken, {
      path: `"$A/slots/${slot}"`,
      target: '"../releases/$ID"',
      says: `slot_${slot}=$ID`,
    }),
  );
  if (spec.start)
    lines.push(
      `cd "$A/slots/${slot}"`,
      ...userCommand(spec.start, `start command (slot ${slot})`, SCRIPT_EXIT.start, `"$A/.paas/start-${slot}.log"`),
    );
  return lines.join('\n') + '\n';
}

/**
 * bluegreen, the switch: `.paas/live` names the slot, `current` points at its release (both atomic
 * renames), then the slots' switch command moves the traffic (a proxy reload, typically).
 */
export function slotSwitchScript(a: string, spec: SlotSpec): string {
  const slot = safeSlot(spec.env.slot).name;
  const lines = [...header(a), exportEnv(spec.env)];
  lines.push(...switchLines(spec.env.release, spec.lockToken));
  lines.push(
    `printf '%s\\n' ${slot} >"$A/.paas/live.tmp.$$"`,
    'mv "$A/.paas/live.tmp.$$" "$A/.paas/live"',
    `echo "live=${slot}"`,
  );
  if (spec.historyLine) lines.push(`printf '%s\\n' ${q(spec.historyLine)} >>"$A/.paas/history.jsonl"`);
  if (spec.switchCommand)
    lines.push('cd "$A/current"', ...userCommand(spec.switchCommand, 'slot switch command', SCRIPT_EXIT.slotSwitch));
  return lines.join('\n') + '\n';
}

interface FinalizeSpec {
  env: HookEnv;
  postSwitch?: string | undefined;
  /** one line, or several appended in order (a rollback: the release left bad, the one returned to good) */
  historyLine: string | readonly string[];
  prune: readonly string[];
  /** release the lock in the same round trip */
  unlockToken?: string | undefined;
}

/** post_switch hook, history line, prune (never current), optional unlock: one round trip. */
export function finalizeScript(a: string, spec: FinalizeSpec): string {
  const lines = [...header(a), exportEnv(spec.env)];
  if (spec.postSwitch)
    lines.push('cd "$A/current"', ...userCommand(spec.postSwitch, 'post_switch hook', SCRIPT_EXIT.postSwitch));
  const history = typeof spec.historyLine === 'string' ? [spec.historyLine] : spec.historyLine;
  lines.push(`printf '%s\\n' ${history.map(q).join(' ')} >>"$A/.paas/history.jsonl"`);
  lines.push('c=$(readlink "$A/current" 2>/dev/null || true); c=${c##*/}');
  for (const p of spec.prune) {
    const id = safeRelease(p);
    lines.push(
      `if [ "$c" != ${q(id)} ]; then rm -rf "$A/releases/"${q(id)} "$A/.paas/sums/"${q(id)}; ` +
        `echo "pruned="${q(id)}; fi`,
    );
  }
  if (spec.unlockToken) lines.push(unlockLine(spec.unlockToken));
  return lines.join('\n') + '\n';
}

/** Runs the health command in `current`, or in the slot being checked (exit 0 = healthy). */
export function healthCommandScript(a: string, env: HookEnv, command: string): string {
  const dir = env.slot ? `"$A/slots/${safeSlot(env.slot).name}"` : '"$A/current"';
  return [...header(a), exportEnv(env), `cd ${dir}`, `exec sh -c ${q(command)} </dev/null`].join('\n') + '\n';
}

/** `target check`: tools, disk, runtime facts. Read-only. */
export function checkScript(a: string): string {
  return (
    [
      'set -u',
      `A=${q(a)}`,
      'echo "uname=$(uname -sm 2>/dev/null | tr " " _)"',
      'for t in sh tar gzip sha256sum readlink mv ln df; do if command -v "$t" >/dev/null 2>&1; ' +
        'then echo "tool_$t=yes"; else echo "tool_$t=no"; fi; done',
      'if mv --version 2>/dev/null | grep -q GNU; then echo "gnu_mv=yes"; else echo "gnu_mv=no"; fi',
      'd="$A"; while [ ! -d "$d" ]; do d=$(dirname "$d"); done',
      'echo "disk_pct=$(df -P "$d" | awk \'NR==2 {sub("%","",$5); print $5}\')"',
      'if [ -w "$d" ]; then echo "writable=yes"; else echo "writable=no"; fi',
      'c=$(readlink "$A/current" 2>/dev/null || true); echo "current=${c##*/}"',
    ].join('\n') + '\n'
  );
}

// ops checks: read-only probes of a target (ops_daily / prod_verify `target` and `backup` checks).
// Output is `key=value` lines (parsed by lib/ops/checks/targets.ts); file names are never printed.

const SERVICE_RE = /^[A-Za-z0-9@._:-]{1,255}$/;
const REMOTE_PATH_RE = /^(\/[A-Za-z0-9._@+-]+)+$|^\/$/;

/** An absolute remote path of conservative characters, no `.`/`..` segments (`/` allowed). */
export function safeRemotePath(p: string): string {
  if (!REMOTE_PATH_RE.test(p) || p.split('/').some((s) => s === '.' || s === '..'))
    throw new UnsafeValueError('remote path');
  return p;
}

/** Disk use (percent) of the filesystem holding `diskPath` and/or `systemctl is-active <service>`. */
export function probeScript(opts: { diskPath?: string | undefined; service?: string | undefined }): string {
  const lines = ['set -u'];
  if (opts.diskPath) {
    lines.push(
      `d=${q(safeRemotePath(opts.diskPath))}`,
      'while [ ! -d "$d" ]; do d=$(dirname "$d"); done',
      'echo "disk_pct=$(df -P "$d" 2>/dev/null | awk \'NR==2 {sub("%","",$5); print $5}\')"',
    );
  }
  if (opts.service) {
    if (!SERVICE_RE.test(opts.service)) throw new UnsafeValueError('service name');
    lines.push(
      'if command -v systemctl >/dev/null 2>&1; then echo "service=$(systemctl is-active ' +
        `${q(opts.service)} 2>/dev/null || true)"; else echo "service=no_systemctl"; fi`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * The newest regular file of `dir` (by mtime; checksum files and `*.tmp`/`*.partial` excluded),
 * its age by the target's own clock, and its sha256 beside the expected one from `<file>.sha256`,
 * `<file>.sha256sum` or a `SHA256SUMS` file in the directory. File names are never printed.
 */
export function backupScript(dir: string, verifyChecksum: boolean): string {
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
    lines.push(
      'exp=""',
      'if [ -f "$newest.sha256" ]; then exp=$(head -n 1 "$newest.sha256" | cut -d" " -f1)',
      'elif [ -f "$newest.sha256sum" ]; then exp=$(head -n 1 "$newest.sha256sum" | cut -d" " -f1)',
      'elif [ -f "$D/SHA256SUMS" ]; then b=${newest##*/}; exp=$(awk -v n="$b" \'{f=$2; ' +
        'sub(/^\\*/,"",f); if (f==n) {print $1; exit}}\' "$D/SHA256SUMS")',
      'fi',
      'echo "expected=$(printf %s "$exp" | tr -d "\\r\\n " | tr A-F a-f)"',
      'if command -v sha256sum >/dev/null 2>&1; then echo "actual=$(sha256sum "$newest" | cut -d" " -f1)"',
      'elif command -v shasum >/dev/null 2>&1; then echo "actual=$(shasum -a 256 "$newest" | cut -d" " -f1)"',
      'else echo "actual=no_tool"; fi',
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Read-only: the app's log on a target (`paas logs`). The files, in this order, when they exist:
 * `.paas/start.log` (stdout and stderr of the start command, written by the switch script),
 * `.paas/start-<live slot>.log` (bluegreen), `shared/log/*.log` (the app's own log directory,
 * kept across releases). Each file is introduced by a line `<marker> file <path under the app dir>`
 * (`marker`: a random token of the caller, so no log line can imitate it); `missing` when the app
 * has no directory. `follow`: `tail -F` of the same files until the caller closes the script's stdin (or kills it).
 */
export function logsScript(a: string, lines: number, marker: string, follow = false): string {
  if (!Number.isInteger(lines) || lines < 1 || lines > 100_000) throw new UnsafeValueError('line count');
  if (!/^[a-f0-9]{16,64}$/.test(marker)) throw new UnsafeValueError('marker');
  const files =
    'live=$(cat "$A/.paas/live" 2>/dev/null || true); set -- "$A/.paas/start.log"; ' +
    '[ -z "$live" ] || set -- "$@" "$A/.paas/start-$live.log"; for f in "$A"/shared/log/*.log; ' +
    'do set -- "$@" "$f"; done';
  const body = follow
    ? [
        'n=0; for f in "$@"; do [ -f "$f" ] && n=1; done',
        `if [ "$n" -eq 0 ]; then echo ${q(marker)}" nofiles"; exit 0; fi`,
        // the follower ends with this script: when the caller closes stdin (SSH channel closed, Ctrl-C),
        // and (GNU tail --pid) when the script itself is killed
        'p=; if tail --pid=$$ -n 0 /dev/null >/dev/null 2>&1; then p="--pid=$$"; fi',
        `tail -n ${lines} -F $p "$@" 2>/dev/null & t=$!`,
        'cat >/dev/null || true',
        'kill "$t" 2>/dev/null || true',
      ]
    : [
        'for f in "$@"; do',
        '  [ -f "$f" ] || continue',
        `  echo ${q(marker)}" file \${f#"$A"/}"`,
        `  tail -n ${lines} "$f"`,
        'done',
      ];
  return (
    [...header(a), `if [ ! -d "$A" ]; then echo ${q(marker)}" missing"; exit 0; fi`, files, ...body].join('\n') + '\n'
  );
}
