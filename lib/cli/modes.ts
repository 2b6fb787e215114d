/**
 * Operations with a `mode` input (deploy, ops_daily) read a different set of inputs per mode: the
 * lists beside their schemas (OperationDef.inputsByMode). A CLI command that pins a mode
 * (`paas deploy reconcile`, `paas target check`, `paas ops readiness`) takes only its mode's
 * inputs; on the other commands the mode is a flag, and an input of another mode is refused too.
 */
import { REGISTRY } from '../entry/registry.js';
import { inputDefault, outsideMode, type OperationName } from '../ops/operation.js';
import { PaasError } from '../output/errors.js';

/** What this module needs of a CLI command. */
interface ModeCommand {
  path: string[];
  op?: OperationName | undefined;
  fixed?: Record<string, string> | undefined;
}

const kebab = (s: string) => s.replace(/_/g, '-');

/** The mode an operation runs in when none is given (its schema's default), if it has modes. */
function defaultMode(op: OperationName): string | undefined {
  return inputDefault(REGISTRY[op], 'mode') || undefined;
}

/** The op-specific inputs a command takes, in schema order: its pinned mode's, else every one. */
export function commandInputs(op: OperationName, fixed: Record<string, string>): string[] {
  const def = REGISTRY[op];
  const all = Object.keys(def.inputs.shape);
  const own = fixed.mode !== undefined ? def.inputsByMode?.[fixed.mode] : undefined;
  return own ? all.filter((n) => own.includes(n)) : all;
}

/** The modes that read input `name` (every mode when the operation has no per-mode lists). */
function modesReading(op: OperationName, name: string): string[] {
  const byMode = REGISTRY[op].inputsByMode ?? {};
  return Object.entries(byMode)
    .filter(([, names]) => names.includes(name))
    .map(([mode]) => mode);
}

/** For --help of a command whose mode is a flag: `only with --mode a, b` when not every mode reads the input. */
export function modeHint(op: OperationName, name: string): string | null {
  const byMode = REGISTRY[op].inputsByMode;
  if (!byMode || name === 'mode' || !(name in REGISTRY[op].inputs.shape)) return null;
  const modes = modesReading(op, name);
  return modes.length && modes.length < Object.keys(byMode).length ? `only with --mode ${modes.join(', ')}` : null;
}

/** The command line that runs `op` in `mode`: the command pinning it, else the open one with `--mode`. */
function commandFor(commands: readonly ModeCommand[], op: OperationName, mode: string): string | null {
  const pinned = commands.find((c) => c.op === op && c.fixed?.mode === mode);
  if (pinned) return `paas ${pinned.path.join(' ')}`;
  const open = commands.find((c) => c.op === op && c.fixed?.mode === undefined);
  if (!open) return null;
  return `paas ${open.path.join(' ')}${mode === defaultMode(op) ? '' : ` --mode ${mode}`}`;
}

/** Where input `name` of `op` is an option: the command lines of the modes that read it. */
export function placesOf(commands: readonly ModeCommand[], op: OperationName, name: string): string[] {
  const places = modesReading(op, name).map((m) => commandFor(commands, op, m));
  return [...new Set(places.filter((p): p is string => p !== null))];
}

/** `paas deploy reconcile: --artifact does not apply to mode reconcile; it is an option of `paas deploy``. */
export function notThisMode(cmd: ModeCommand, flag: string, mode: string, places: readonly string[]): PaasError {
  const where = `paas ${cmd.path.join(' ')}`;
  const there = places.map((p) => `\`${p}\``).join(', ');
  return new PaasError(
    'PAAS_INVALID_ARGUMENT',
    `${where}: ${flag} does not apply to mode ${mode}` + (there ? `; it is an option of ${there}` : ''),
    {
      remediation:
        (places[0] ? `Run \`${places[0]}\` with ${flag}, or leave it out here. ` : `Leave ${flag} out. `) +
        `\`${where} --help\` lists the options of this command.`,
    },
  );
}

/**
 * On a command whose mode is a flag (or its default): refuses an input another mode reads. `args`
 * are the parsed flags by snake_case name.
 */
export function checkModeInputs(
  commands: readonly ModeCommand[],
  cmd: ModeCommand,
  args: Record<string, unknown>,
): void {
  if (!cmd.op || cmd.fixed?.mode !== undefined) return;
  const mode = typeof args.mode === 'string' ? args.mode : undefined;
  const outside = outsideMode(REGISTRY[cmd.op], mode, Object.keys(args));
  const name = outside?.names[0];
  if (!outside || name === undefined) return;
  const flag = args[name] === false ? `--no-${kebab(name)}` : `--${kebab(name)}`;
  throw notThisMode(cmd, flag, outside.mode, placesOf(commands, cmd.op, name));
}
