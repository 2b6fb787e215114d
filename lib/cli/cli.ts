import { parseArgs } from 'node:util';
import type { Outcome } from '../output/envelope.js';
import { PaasError } from '../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../output/exit.js';
import { failure } from '../output/outcome.js';
import { Redactor } from '../redaction/redactor.js';
import { REGISTRY } from '../entry/registry.js';
import { OPERATIONS, type OperationName } from '../ops/operation.js';
import { COMMON_INPUT_NAMES, commonInputsSchema } from '../runtime/inputs.js';
import { executeOperation } from '../entry/execute.js';
import { streamLogger, type Logger } from '../runtime/logger.js';
import { isCI, type Runtime } from '../runtime/runtime.js';
import { onTermination } from '../runtime/interrupt.js';
import { DEPLOY_SHORTHANDS, expandDeployAliases, shorthandMeaning, type Shorthand } from './deploy-aliases.js';
import { guardInterrupts, takesLocks, type InterruptGuard } from './interrupt.js';
import { actionInputs, FLAG_DOCS, nearest, packageVersion, wrap, zodChoices, type OptionDoc } from './help.js';
import { checkModeInputs, commandInputs, modeHint, notThisMode, placesOf } from './modes.js';
import type { z } from 'zod';

/**
 * Shortens text quoted from the command line in errors: redacted first, then cut (redactor.clip).
 * Nothing is registered before the arguments are parsed; the patterns (tokens, DSNs) still apply.
 */
const PATTERNS_ONLY = new Redactor();

interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** ends the process after an interrupted run was reported (its abandoned remote steps must not keep it alive) */
  exit?: (code: number) => void;
}

/** What a command may write while it runs (only `paas logs --tail` streams); everything else is in the Outcome. */
interface CommandIo {
  /** writes redacted text to stdout as it comes */
  stdout: (s: string) => void;
  /** aborted on SIGINT/SIGTERM (a streaming command stops and reports) */
  signal: AbortSignal;
}

type Handler = (rt: Runtime, args: Record<string, unknown>, io: CommandIo) => Outcome | Promise<Outcome>;

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
  /** with these args it streams output until interrupted (SIGINT/SIGTERM then abort CommandIo.signal instead of ending the process) */
  streams?: (args: Record<string, unknown>) => boolean;
  /** the operation behind an operation command, and the inputs it fixes */
  op?: OperationName;
  fixed?: Record<string, string>;
  /** flags that stand for others (`paas deploy --plan-shards N`), expanded before parsing; listed in --help */
  shorthands?: readonly Shorthand[];
}

// Each command's module is loaded when that command runs: a run loads only what it needs (the
// bundle's other commands stay unparsed chunks), so `paas doctor` starts without the context,
// backup, alert and database code.
const context = () => import('../ops/context/index.js');
const events = () => import('../ops/events/index.js');
const backup = () => import('../ops/backup/index.js');
const alerts = () => import('../ops/alerts/commands.js');
const logs = () => import('../ops/logs/index.js');

const ROOT = ['state_root'];
const ROOT_BOOL = ['allow_unsafe_state_root'];

/** A flag without a value when its input's schema reads the runner's `true` as the boolean true (boolInput). */
const isBooleanInput = (schema: z.ZodType): boolean => schema.safeParse('true').data === true;

function opCommand(path: string[], op: OperationName, summary: string, fixed: Record<string, string> = {}): Command {
  const def = REGISTRY[op];
  // flags derived from the same schemas the action inputs are parsed and tested with; a command
  // that pins a mode takes only the inputs of that mode (the lists beside the schema)
  // split when the command is used (parsed or listed), not for every command at start
  let flags: { strings: string[]; booleans: string[] } | undefined;
  const split = () => {
    const shape: Record<string, z.ZodType> = { ...commonInputsSchema.shape, ...def.inputs.shape };
    const names = [...COMMON_INPUT_NAMES, ...commandInputs(op, fixed)].filter((n) => !(n in fixed));
    const booleans = names.filter((n) => isBooleanInput(shape[n] as z.ZodType));
    return { strings: names.filter((n) => !booleans.includes(n)), booleans };
  };
  return {
    path,
    positionals: [],
    get strings() {
      return (flags ??= split()).strings;
    },
    get booleans() {
      return (flags ??= split()).booleans;
    },
    summary,
    run: (rt, args) => executeOperation(rt, op, { ...args, ...fixed }),
    op,
    fixed,
  };
}

export const COMMANDS: Command[] = [
  {
    path: ['context', 'create'],
    positionals: ['name'],
    strings: ['type', 'vault_file', 'default_targets', 'events', 'branches', 'actors', ...ROOT],
    booleans: ROOT_BOOL,
    lists: ['default_targets', 'events', 'branches', 'actors'],
    summary: 'create an isolated context',
    run: async (rt, a) => (await context()).contextCreate(rt, a),
  },
  {
    path: ['context', 'list'],
    positionals: [],
    strings: ROOT,
    booleans: ROOT_BOOL,
    summary: 'list contexts',
    run: async (rt, a) => (await context()).contextList(rt, a),
  },
  {
    path: ['context', 'use'],
    positionals: ['name'],
    strings: ROOT,
    booleans: ROOT_BOOL,
    summary: 'select the context for read-only commands',
    run: async (rt, a) => (await context()).contextUse(rt, a),
  },
  {
    path: ['context', 'show'],
    positionals: ['name?'],
    strings: ROOT,
    booleans: ROOT_BOOL,
    summary: 'show a context',
    run: async (rt, a) => (await context()).contextShow(rt, a),
  },
  {
    path: ['context', 'remove'],
    positionals: ['name'],
    strings: ROOT,
    booleans: ['force', ...ROOT_BOOL],
    summary: 'remove a context (--force when it holds history)',
    run: async (rt, a) => (await context()).contextRemove(rt, a),
  },
  {
    path: ['context', 'export'],
    positionals: ['name'],
    strings: ['out', ...ROOT],
    booleans: ['dangerously_include_secrets', ...ROOT_BOOL],
    summary: 'export context metadata (never secrets unless --dangerously-include-secrets)',
    run: async (rt, a) => (await context()).contextExport(rt, a),
  },
  {
    path: ['context', 'import'],
    positionals: ['file'],
    strings: ['name', ...ROOT],
    booleans: ['dangerously_include_secrets', ...ROOT_BOOL],
    summary: 'import context metadata',
    run: async (rt, a) => (await context()).contextImport(rt, a),
  },
  {
    path: ['events', 'list'],
    positionals: [],
    strings: ['context', 'kind', 'since', 'format', 'limit', ...ROOT],
    booleans: ROOT_BOOL,
    lists: ['kind'],
    summary: "list the context's events (--since 24h --kind deploy.* --format jsonl: a transcript or audit export)",
    run: async (rt, a) => (await events()).eventsList(rt, a),
  },
  {
    path: ['backup', 'create'],
    positionals: [],
    strings: ['context', 'out', 'vault', 'vault_file', ...ROOT],
    booleans: ROOT_BOOL,
    summary: 'write an encrypted backup of a context (state.db, events, config)',
    run: async (rt, a) => (await backup()).backupCreate(rt, a),
  },
  {
    path: ['backup', 'verify'],
    positionals: ['file'],
    strings: ['context', 'vault', 'vault_file', ...ROOT],
    booleans: ROOT_BOOL,
    summary: 'check every checksum of a backup; names the damaged file',
    run: async (rt, a) => (await backup()).backupVerify(rt, a),
  },
  {
    path: ['backup', 'restore'],
    positionals: ['file'],
    strings: ['context', 'vault', 'vault_file', ...ROOT],
    booleans: ['force', ...ROOT_BOOL],
    summary: 'verify, restore into the same context, then run doctor',
    run: async (rt, a) => (await backup()).backupRestore(rt, a, executeOperation),
  },
  opCommand(['doctor'], 'doctor', 'prove isolation: no private state or plaintext secrets in the repo'),
  opCommand(['deploy', 'reconcile'], 'deploy', 'compare targets with the recorded releases', { mode: 'reconcile' }),
  {
    ...opCommand(['deploy'], 'deploy', 'ship a release to the targets (plan unless --apply)'),
    shorthands: DEPLOY_SHORTHANDS,
  },
  opCommand(['target', 'check'], 'deploy', 'check reachability, SSH, host key, disk, runtime', {
    mode: 'target_check',
  }),
  opCommand(['rollback'], 'rollback', 'return targets to a known-good release (plan unless --apply)'),
  opCommand(['db', 'bootstrap'], 'db_bootstrap', 'apply ordered SQL migrations (dry_run, migrate, verify, all)'),
  opCommand(['prod', 'verify'], 'prod_verify', 'configuration check (dry_run) or strict smoke checks (verify)'),
  opCommand(['ops', 'daily'], 'ops_daily', 'run the monitoring checks'),
  opCommand(
    ['ops', 'readiness'],
    'ops_daily',
    "the runbook's weekly checklist: doctor, distinct targets and vaults, verified backups, alert routes, rollback drills",
    { mode: 'readiness' },
  ),
  {
    path: ['alert', 'history'],
    positionals: [],
    strings: ['context', 'limit', ...ROOT],
    booleans: ROOT_BOOL,
    summary: 'list the alert actions of a context (opened, commented, closed, acknowledged)',
    run: async (rt, a) => (await alerts()).alertHistory(rt, a),
  },
  {
    path: ['logs'],
    positionals: [],
    strings: ['context', 'app', 'target', 'lines', 'vault', 'config', ...ROOT],
    booleans: ['tail', ...ROOT_BOOL],
    summary: "print the app's log on its targets (--tail keeps following)",
    streams: (a) => a.tail === true,
    run: async (rt, a, io) => (await logs()).logsRun(rt, a, io),
  },
  {
    path: ['alert', 'acknowledge'],
    positionals: [],
    strings: ['context', 'id', 'by', 'github_token', 'repo', ...ROOT],
    booleans: ROOT_BOOL,
    summary: 'acknowledge the open alert: no repeated Slack messages until recovery',
    run: async (rt, a) => (await alerts()).alertAcknowledge(rt, a),
  },
];

const kebab = (s: string) => s.replace(/_/g, '-');
/** flags that may be given more than once: each adds (vault lines, list items) */
const MULTIPLE = ['vault'];

function commandLine(c: Command): string {
  const pos = c.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
  return `  paas ${c.path.join(' ')}${pos ? ' ' + pos : ''}`.padEnd(44) + c.summary;
}

function usage(commands: readonly Command[] = COMMANDS): string {
  const lines = ['usage: paas <command> [options] [--json]', '', 'commands:'];
  for (const c of commands) lines.push(commandLine(c));
  lines.push(
    '',
    'every command accepts --json (the JSON envelope) and --help (every option, its default and allowed values).',
    'paas --version [--json] prints the version.',
    'docs: docs/cli.md',
  );
  return lines.join('\n') + '\n';
}

/** The first words of every command (`context`, `deploy`, ...) and the commands under each. */
function groups(): Map<string, Command[]> {
  const m = new Map<string, Command[]>();
  for (const c of COMMANDS) m.set(c.path[0] as string, [...(m.get(c.path[0] as string) ?? []), c]);
  return m;
}

/** `paas context` alone: the commands under `context`. */
function groupUsage(word: string): string | null {
  const cmds = groups().get(word);
  if (!cmds || cmds.some((c) => c.path.length === 1)) return null;
  return (
    `usage: paas ${word} <command> [options] [--json]\n\ncommands:\n${cmds.map(commandLine).join('\n')}\n\n` +
    `Run \`paas ${word} <command> --help\` for its options.\n`
  );
}

/** An unknown command, with the nearest one when it looks like a typo. */
function unknownCommand(argv: string[]): PaasError {
  const words = argv.filter((a) => !a.startsWith('-'));
  const [w0 = '', w1 = ''] = words;
  const g = groups();
  let suggestion: string | null = null;
  const sub = g.get(w0);
  if (sub) {
    const s = nearest(w1, sub.map((c) => c.path[1] ?? '').filter(Boolean));
    if (s) suggestion = `paas ${w0} ${s}`;
  } else {
    const first = nearest(w0, [...g.keys()]);
    if (first) {
      const under = g.get(first) ?? [];
      const second =
        under.length === 1 || under.some((c) => c.path.length === 1)
          ? null
          : nearest(w1, under.map((c) => c.path[1] ?? '').filter(Boolean));
      suggestion =
        under.some((c) => c.path.length === 1) || second
          ? `paas ${first}${second ? ` ${second}` : ''}`
          : `paas ${first} <command>`;
    }
  }
  if (!w0) {
    return new PaasError(
      'PAAS_INVALID_ARGUMENT',
      'no command given: options come after a command (paas <command> [options]), got ' +
        JSON.stringify(PATTERNS_ONLY.clip(argv.join(' '), 80)),
      { remediation: 'Run `paas --help` for the list of commands.' },
    );
  }
  const shown = PATTERNS_ONLY.clip(words.slice(0, sub ? 2 : 1).join(' '), 80);
  return new PaasError(
    'PAAS_INVALID_ARGUMENT',
    `unknown command: paas ${shown}${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
    {
      remediation: sub ? `Run \`paas ${w0}\` for its commands.` : 'Run `paas --help` for the list of commands.',
    },
  );
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

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
type Parsed = { values: Record<string, unknown>; positionals: string[] };

/** The node:util parseArgs options of one command: its flags plus --json and --help. */
function commandOptions(cmd: Command): OptionSpec {
  const options: OptionSpec = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const s of cmd.strings)
    options[kebab(s)] = { type: 'string', multiple: MULTIPLE.includes(s) || Boolean(cmd.lists?.includes(s)) };
  for (const b of cmd.booleans) options[kebab(b)] = { type: 'boolean' };
  return options;
}

/**
 * A flag a mode-pinned command does not take, but another mode of its operation does (or one of
 * `paas deploy`'s shorthands): refused naming the command where it belongs; null for any other flag.
 */
function misplacedFlag(cmd: Command, flag: string, name: string): PaasError | null {
  const mode = cmd.fixed?.mode;
  if (!cmd.op || mode === undefined) return null;
  const open = COMMANDS.find((c) => c.op === cmd.op && c.shorthands?.some((s) => s.flag === name));
  if (open) return notThisMode(cmd, flag, mode, [`paas ${open.path.join(' ')}`]);
  const shape = REGISTRY[cmd.op].inputs.shape;
  const snake = name.replace(/-/g, '_');
  const input = [snake, snake.replace(/^no_/, '')].find((n) => n in shape);
  if (input !== 'mode') return input ? notThisMode(cmd, flag, mode, placesOf(COMMANDS, cmd.op, input)) : null;
  // the mode itself: another mode is the command whose mode is a flag
  const free = COMMANDS.find((c) => c.op === cmd.op && c.fixed?.mode === undefined);
  return notThisMode(cmd, flag, mode, free ? [`paas ${free.path.join(' ')}`] : []);
}

/** Our own words for what node:util parseArgs would say about an option, with the nearest option on a typo. */
function checkOptionWords(cmd: Command, rest: string[], options: OptionSpec, where: string, seeHelp: string): void {
  for (const a of rest) {
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') continue;
    const name = a.startsWith('--') ? (a.slice(2).split('=')[0] as string) : a.slice(1);
    const known = options[name] ?? (name.startsWith('no-') ? options[name.slice(3)] : undefined);
    if (a.startsWith('--') ? known : name === 'h') {
      if (a.startsWith('--') && a.includes('=') && known?.type === 'boolean') {
        throw new PaasError(
          'PAAS_INVALID_ARGUMENT',
          `${where}: --${name} is a switch and takes no value (use --${name} or --no-${name.replace(/^no-/, '')})`,
          { remediation: seeHelp },
        );
      }
      continue;
    }
    const misplaced = a.startsWith('--') ? misplacedFlag(cmd, a.split('=')[0] as string, name) : null;
    if (misplaced) throw misplaced;
    const s = nearest(name.replace(/_/g, '-'), Object.keys(options));
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `${where}: unknown option ${PATTERNS_ONLY.clip(a.split('=')[0] ?? '', 64)}${s ? ` (did you mean --${s}?)` : ''}`,
      { remediation: seeHelp },
    );
  }
}

/** node:util parseArgs, its errors restated as PAAS_INVALID_ARGUMENT. */
function parseOptions(rest: string[], options: OptionSpec, where: string, seeHelp: string): Parsed {
  try {
    return parseArgs({ args: rest, options, allowPositionals: true, strict: true, allowNegative: true });
  } catch (e) {
    // duck-typed: the error may come from another realm (tests), where instanceof Error fails
    const { code, message } = e as { code?: string; message?: unknown };
    const text = typeof message === 'string' ? message : String(e);
    const opt = /'(-[^' ]+)/.exec(text)?.[1];
    const msg =
      code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && opt
        ? `${opt} needs a value (${opt} <value> or ${opt}=<value>)`
        : `the options could not be read (${PATTERNS_ONLY.clip(text.split('\n')[0] ?? '', 120)})`;
    throw new PaasError('PAAS_INVALID_ARGUMENT', `${where}: ${msg}`, { remediation: seeHelp });
  }
}

/** The parsed flag values by snake_case name: lists split on commas, each --vault adding its lines. */
function flagValues(cmd: Command, values: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const key = k.replace(/-/g, '_');
    if (key === 'json' || key === 'help') continue;
    if (cmd.lists?.includes(key))
      args[key] = [v]
        .flat()
        .flatMap((x) => String(x).split(','))
        .map((x) => x.trim())
        .filter(Boolean);
    else if (MULTIPLE.includes(key) && Array.isArray(v))
      args[key] = v.join('\n'); // each --vault adds its lines
    else args[key] = v;
  }
  return args;
}

/** Adds the positionals to `args`; refuses one too many, or a missing required one (unless --help). */
function addPositionals(cmd: Command, parsed: Parsed, args: Record<string, unknown>): void {
  const required = cmd.positionals.filter((p) => !p.endsWith('?'));
  if (parsed.positionals.length > cmd.positionals.length) {
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `paas ${cmd.path.join(' ')}: unexpected argument ` +
        JSON.stringify(PATTERNS_ONLY.clip(parsed.positionals[cmd.positionals.length] ?? '', 64)),
      { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` },
    );
  }
  if (parsed.positionals.length < required.length && !parsed.values.help) {
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `paas ${cmd.path.join(' ')}: missing <${required[parsed.positionals.length]}>`,
      { remediation: `Run \`paas ${cmd.path.join(' ')} --help\`.` },
    );
  }
  cmd.positionals.forEach((p, i) => {
    if (parsed.positionals[i] !== undefined) args[p.replace('?', '')] = parsed.positionals[i];
  });
}

function parseCommandArgs(
  cmd: Command,
  rest: string[],
): { args: Record<string, unknown>; json: boolean; help: boolean } {
  const options = commandOptions(cmd);
  const where = `paas ${cmd.path.join(' ')}`;
  const seeHelp = `Run \`${where} --help\` for the accepted options.`;
  checkOptionWords(cmd, rest, options, where, seeHelp);
  const parsed = parseOptions(rest, options, where, seeHelp);
  const args = flagValues(cmd, parsed.values);
  checkModeInputs(COMMANDS, cmd, args);
  addPositionals(cmd, parsed, args);
  return { args, json: Boolean(parsed.values.json), help: Boolean(parsed.values.help) };
}

/** What --help says about one option: the action.yml input of the operation, else of any action, else FLAG_DOCS. */
async function optionDoc(cmd: Command, name: string): Promise<OptionDoc> {
  const shape = { ...commonInputsSchema.shape, ...(cmd.op ? REGISTRY[cmd.op].inputs.shape : {}) } as Record<
    string,
    z.ZodType
  >;
  const choices = zodChoices(shape[name]);
  const own = cmd.op ? (await actionInputs(cmd.op))[name] : undefined;
  if (own) return { ...own, choices };
  const local = FLAG_DOCS[name];
  if (local) return { description: local, choices };
  for (const op of OPERATIONS) {
    const any = (await actionInputs(op))[name];
    if (any) return { description: any.description, default: name === 'context' ? undefined : any.default, choices };
  }
  return { description: '', choices };
}

const WIDTH = 100;
const COL = 32;

/** One option's text in --help: its description, then [required; allowed values; default; modes; repeatable]. */
async function describeOption(cmd: Command, name: string, isBool: boolean): Promise<string> {
  const d = await optionDoc(cmd, name);
  const extra: string[] = [];
  if (d.required && !(cmd.fixed && name in cmd.fixed)) extra.push('required');
  if (d.choices?.length && !isBool) extra.push(`one of: ${d.choices.join(', ')}`);
  if (d.default !== undefined && d.default !== '' && !/\$\{\{/.test(d.default)) extra.push(`default: ${d.default}`);
  const modes = cmd.op && cmd.fixed?.mode === undefined ? modeHint(cmd.op, name) : null;
  if (modes) extra.push(modes);
  if (MULTIPLE.includes(name) || cmd.lists?.includes(name)) extra.push('repeatable, each adds');
  return `${d.description}${extra.length ? ` [${extra.join('; ')}]` : ''}`;
}

/** One row of the options table: the flag, then its text wrapped in the second column. */
function helpRow(flag: string, text: string): string {
  const head = `  ${flag}`;
  const body = wrap(text, WIDTH, COL);
  return head.length < COL ? head.padEnd(COL) + body : `${head}\n${' '.repeat(COL)}${body}`;
}

async function commandHelp(cmd: Command): Promise<string> {
  const pos = cmd.positionals.map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
  const rows: string[] = [];
  for (const s of cmd.strings) rows.push(helpRow(`--${kebab(s)} <value>`, await describeOption(cmd, s, false)));
  for (const b of cmd.booleans) rows.push(helpRow(`--${kebab(b)}`, await describeOption(cmd, b, true)));
  for (const s of cmd.shorthands ?? [])
    rows.push(
      helpRow(
        `--${s.flag}${s.value ? ` <${s.value}>` : ''}`,
        `Shorthand for \`${shorthandMeaning(s)}\`: ${s.description}`,
      ),
    );
  rows.push(helpRow('--json', 'Print the JSON envelope {ok, command, context, mode, fields, error?} on stdout.'));
  rows.push(helpRow('--help', 'This help.'));
  const fixed = Object.entries(cmd.fixed ?? {})
    .map(([k, v]) => `--${kebab(k)} ${v}`)
    .join(' ');
  return (
    `usage: paas ${cmd.path.join(' ')}${pos ? ' ' + pos : ''} [options]\n\n` +
    `${cmd.summary}${fixed ? ` (the ${cmd.op} operation with ${fixed})` : ''}\n\noptions:\n${rows.join('\n')}\n`
  );
}

/** A logger that says nothing once `isMuted()`: an interrupted run's last words are not its outcome. */
function mutableLogger(log: Logger, isMuted: () => boolean): Logger {
  return {
    info: (m) => {
      if (!isMuted()) log.info(m);
    },
    warn: (m) => {
      if (!isMuted()) log.warn(m);
    },
    error: (m) => {
      if (!isMuted()) log.error(m);
    },
    debug: (m) => {
      if (!isMuted()) log.debug(m);
    },
  };
}

function cliRuntime(io: CliIo, redactor: Redactor, logger: Logger): Runtime {
  return {
    env: io.env,
    cwd: io.cwd,
    redactor,
    logger,
    now: () => new Date(),
    inCI: isCI(io.env),
    inAction: false,
    workspace: io.env.GITHUB_WORKSPACE || undefined,
  };
}

/** `paas --version`: the text line, or the JSON envelope with --json. */
function versionText(wantJson: boolean): string {
  const version = packageVersion();
  return wantJson
    ? JSON.stringify({
        ok: true,
        command: 'version',
        context: null,
        mode: null,
        fields: { version, node: process.versions.node },
      }) + '\n'
    : `paas ${version}\n`;
}

/**
 * What `paas`, `paas help`, `paas --version` and `paas <group>` print without running a command,
 * with its exit code; null when argv names a command.
 */
function withoutCommand(argv: string[], wantJson: boolean): { text: string; exitCode: number } | null {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h')
    return { text: usage(), exitCode: argv.length === 0 ? EXIT_ERROR : EXIT_OK };
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')
    return { text: versionText(wantJson), exitCode: EXIT_OK };
  const words = argv.filter((a) => !a.startsWith('-'));
  const group = words.length === 1 ? groupUsage(words[0] as string) : null;
  if (group && !findCommand(argv)) return { text: group, exitCode: EXIT_OK };
  return null;
}

interface Dispatch {
  rt: Runtime;
  out: (s: string) => void;
  log: Logger;
  stderr: (s: string) => void;
  /** what the run has set so far: kept when it throws */
  state: RunState;
}

interface RunState {
  /** the command's label for a failure outcome (`paas` until a command is found) */
  label: string;
  /** set while a run that takes locks is guarded against interrupts */
  guard: InterruptGuard | null;
  /** an interrupted run's logger says nothing more */
  muted: boolean;
}

/** Runs a command that takes locks under the interrupt guard (kept in state for its signal). */
async function runGuarded(
  op: 'deploy' | 'rollback',
  cmd: Command,
  args: Record<string, unknown>,
  d: Dispatch,
): Promise<Outcome> {
  const mute = () => (d.state.muted = true);
  const guard = guardInterrupts(d.rt, op, args, { mute, log: d.log, stderr: d.stderr });
  d.state.guard = guard;
  try {
    return await guard.run(async () => cmd.run(d.rt, args, { stdout: d.out, signal: new AbortController().signal }));
  } finally {
    guard.stop();
  }
}

/** Runs a streaming command: SIGINT/SIGTERM abort its signal instead of ending the process. */
async function runStreaming(cmd: Command, args: Record<string, unknown>, d: Dispatch): Promise<Outcome> {
  const ac = new AbortController();
  const stopListening = onTermination(() => ac.abort(), { again: 'ignore' });
  try {
    return await cmd.run(d.rt, args, { stdout: d.out, signal: ac.signal });
  } finally {
    stopListening();
  }
}

/** Finds, parses and runs the command argv names; --help prints its help (null: nothing to report). */
async function dispatch(argv: string[], d: Dispatch): Promise<Outcome | null> {
  const found = findCommand(argv);
  if (!found) throw unknownCommand(argv);
  d.state.label = found.cmd.path.join('_');
  const { args, help } = parseCommandArgs(found.cmd, found.rest);
  if (help) {
    d.out(await commandHelp(found.cmd));
    return null;
  }
  const { cmd } = found;
  if (cmd.op && takesLocks(cmd.op, { ...args, ...cmd.fixed })) return runGuarded(cmd.op, cmd, args, d);
  if (cmd.streams?.(args)) return runStreaming(cmd, args, d);
  return cmd.run(d.rt, args, { stdout: d.out, signal: new AbortController().signal });
}

/** Writes the outcome: the envelope (--json) or its text and lines on stdout, the error on stderr. */
function report(result: Outcome, wantJson: boolean, out: (s: string) => void, io: CliIo, redactor: Redactor): void {
  if (wantJson) {
    out(JSON.stringify(redactor.redactDeep(result.envelope)) + '\n');
  } else {
    if (result.text) out(result.text + '\n');
    for (const line of result.lines) out(line + '\n');
  }
  const err = result.envelope.error;
  if (err)
    io.stderr(
      redactor.redact(`error ${err.code}: ${err.message}\n${err.remediation ? `  fix: ${err.remediation}\n` : ''}`),
    );
}

/** The whole CLI as a function: argv in, exit code out; every byte written goes through the redactor. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const redactor = new Redactor();
  const wantJson = argv.includes('--json');
  const log = streamLogger(io.stderr, redactor, io.env.PAAS_DEBUG === '1');
  // an interrupted run is silenced: what it still reports while it stops is not the outcome
  const state: RunState = { label: 'paas', guard: null, muted: false };
  const rt = cliRuntime(
    io,
    redactor,
    mutableLogger(log, () => state.muted),
  );
  const out = (s: string) => io.stdout(redactor.redact(s));
  const early = withoutCommand(argv, wantJson);
  if (early) {
    out(early.text);
    return early.exitCode;
  }
  let result: Outcome;
  try {
    const ran = await dispatch(expandDeployAliases(argv), { rt, out, log, stderr: io.stderr, state });
    if (!ran) return EXIT_OK;
    result = ran;
  } catch (e) {
    result = failure(redactor, state.label.replace(/[^a-z_]/g, '_'), null, null, e);
  }
  report(result, wantJson, out, io, redactor);
  if (state.guard?.signal) io.exit?.(result.exitCode);
  return result.exitCode;
}
