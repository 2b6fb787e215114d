import { parseArgs } from 'node:util';
import type { Outcome } from '../output/envelope.js';
import { PaasError } from '../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../output/exit.js';
import { failure } from '../output/outcome.js';
import { Redactor } from '../redaction/redactor.js';
import { REGISTRY } from '../ops/registry.js';
import type { OperationName } from '../ops/operation.js';
import { COMMON_INPUT_NAMES } from '../runtime/inputs.js';
import { executeOperation } from '../runtime/execute.js';
import { streamLogger, type Logger } from '../runtime/logger.js';
import { isCI, type Runtime } from '../runtime/runtime.js';
import { guardInterrupts, takesLocks, type InterruptGuard } from './interrupt.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** ends the process after an interrupted run was reported (its abandoned remote steps must not keep it alive) */
  exit?: (code: number) => void;
}

type Handler = (rt: Runtime, args: Record<string, unknown>) => Outcome | Promise<Outcome>;

interface Command {
  path: string[];
  positionals: string[];
  /** flag names (snake_case); booleans separately */
  strings: string[];
  booleans: string[];
  /** flags that take a comma-separated list */
  lists?: string[];
  summary: string;
  run: Handler;
  /** the operation behind an operation command, and the inputs it fixes */
  op?: OperationName;
  fixed?: Record<string, string>;
}

// Each command's module is loaded when that command runs: a run loads only what it needs (the
// bundle's other commands stay unparsed chunks), so `paas doctor` starts without the context,
// backup, alert and database code.
const context = () => import('../ops/context/index.js');
const events = () => import('../ops/events/index.js');
const backup = () => import('../ops/backup/index.js');
const alerts = () => import('../ops/alerts/commands.js');

const ROOT = ['state_root'];
const ROOT_BOOL = ['allow_unsafe_state_root'];

function opCommand(path: string[], op: OperationName, summary: string, fixed: Record<string, string> = {}): Command {
  const def = REGISTRY[op];
  const names = [...COMMON_INPUT_NAMES, ...Object.keys(def.inputs.shape)].filter((n) => !(n in fixed));
  const booleans = names.filter((n) => ['apply', 'rollback_on_failure', 'allow_unsafe_state_root', 'update_baseline', 'state_reset'].includes(n));
  return {
    path,
    positionals: [],
    strings: names.filter((n) => !booleans.includes(n)),
    booleans,
    summary,
    run: (rt, args) => executeOperation(rt, op, { ...args, ...fixed }),
    op,
    fixed,
  };
}

export const COMMANDS: Command[] = [
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

const kebab = (s: string) => s.replace(/_/g, '-');

export function usage(): string {
  const lines = ['usage: paas <command> [options] [--json]', '', 'commands:'];
  for (const c of COMMANDS) {
    const pos = c.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
    lines.push(`  paas ${c.path.join(' ')}${pos ? ' ' + pos : ''}`.padEnd(44) + c.summary);
  }
  lines.push('', 'every command accepts --json (the JSON envelope) and --help.', 'docs: docs/cli.md');
  return lines.join('\n') + '\n';
}

function findCommand(argv: string[]): { cmd: Command; rest: string[] } | null {
  const words = argv.filter((a) => !a.startsWith('-'));
  let best: Command | null = null;
  for (const c of COMMANDS) {
    if (c.path.every((p, i) => words[i] === p) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (!best) return null;
  const rest = [...argv];
  for (const p of best.path) rest.splice(rest.indexOf(p), 1);
  return { cmd: best, rest };
}

function parseCommandArgs(cmd: Command, rest: string[]): { args: Record<string, unknown>; json: boolean; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { json: { type: 'boolean' }, help: { type: 'boolean' } };
  for (const s of cmd.strings) options[kebab(s)] = { type: 'string' };
  for (const b of cmd.booleans) options[kebab(b)] = { type: 'boolean' };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true, allowNegative: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PaasError('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: ${msg}`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\` for the accepted options.` });
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    const key = k.replace(/-/g, '_');
    if (key === 'json' || key === 'help') continue;
    args[key] = cmd.lists?.includes(key) && typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
  }
  const required = cmd.positionals.filter((p) => !p.endsWith('?'));
  if (parsed.positionals.length > cmd.positionals.length) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: unexpected argument ${JSON.stringify(parsed.positionals[cmd.positionals.length]?.slice(0, 64))}`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` });
  }
  if (parsed.positionals.length < required.length && !parsed.values.help) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `paas ${cmd.path.join(' ')}: missing <${required[parsed.positionals.length]}>`, { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` });
  }
  cmd.positionals.forEach((p, i) => {
    if (parsed.positionals[i] !== undefined) args[p.replace('?', '')] = parsed.positionals[i];
  });
  return { args, json: Boolean(parsed.values.json), help: Boolean(parsed.values.help) };
}

function commandHelp(cmd: Command): string {
  const pos = cmd.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
  const flags = [...cmd.strings.map((s) => `--${kebab(s)} <value>`), ...cmd.booleans.map((b) => `--${kebab(b)}`), '--json'];
  return `usage: paas ${cmd.path.join(' ')}${pos ? ' ' + pos : ''} [options]\n\n${cmd.summary}\n\noptions:\n${flags.map((f) => `  ${f}`).join('\n')}\n`;
}

/** The whole CLI as a function: argv in, exit code out; every byte written goes through the redactor. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const redactor = new Redactor();
  const wantJson = argv.includes('--json');
  const log = streamLogger(io.stderr, redactor, io.env.PAAS_DEBUG === '1');
  // an interrupted run is silenced: what it still reports while it stops is not the outcome
  let muted = false;
  const logger: Logger = {
    info: (m) => { if (!muted) log.info(m); },
    warn: (m) => { if (!muted) log.warn(m); },
    error: (m) => { if (!muted) log.error(m); },
    debug: (m) => { if (!muted) log.debug(m); },
  };
  const rt: Runtime = {
    env: io.env,
    cwd: io.cwd,
    redactor,
    logger,
    now: () => new Date(),
    inCI: isCI(io.env),
    inAction: false,
    workspace: io.env.GITHUB_WORKSPACE || undefined,
  };
  const out = (s: string) => io.stdout(redactor.redact(s));
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    out(usage());
    return argv.length === 0 ? EXIT_ERROR : EXIT_OK;
  }
  if (argv[0] === '--version') {
    out('paas 0.1.0\n');
    return EXIT_OK;
  }
  let result: Outcome;
  let label = 'paas';
  let guard: InterruptGuard | null = null;
  try {
    const found = findCommand(argv);
    if (!found) {
      throw new PaasError('PAAS_INVALID_ARGUMENT', `unknown command: paas ${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ').slice(0, 80)}`, { remediation: 'Run `paas --help` for the list of commands.' });
    }
    label = found.cmd.path.join('_');
    const { args, help } = parseCommandArgs(found.cmd, found.rest);
    if (help) {
      out(commandHelp(found.cmd));
      return EXIT_OK;
    }
    const { cmd } = found;
    if (cmd.op && takesLocks(cmd.op, { ...args, ...cmd.fixed })) {
      guard = guardInterrupts(rt, cmd.op, args, { mute: () => (muted = true), log, stderr: io.stderr });
      try {
        result = await guard.run(async () => cmd.run(rt, args));
      } finally {
        guard.stop();
      }
    } else result = await cmd.run(rt, args);
  } catch (e) {
    result = failure(redactor, label.replace(/[^a-z_]/g, '_'), null, null, e);
  }
  if (wantJson) {
    out(JSON.stringify(redactor.redactDeep(result.envelope)) + '\n');
  } else {
    if (result.text) out(result.text + '\n');
    for (const line of result.lines) out(line + '\n');
  }
  const err = result.envelope.error;
  if (err) io.stderr(redactor.redact(`error ${err.code}: ${err.message}\n${err.remediation ? `  fix: ${err.remediation}\n` : ''}`));
  if (guard?.signal) io.exit?.(result.exitCode);
  return result.exitCode;
}

