/**
 * Parsers for what a JavaScript action tells the runner, written to follow the runner's own rules
 * (actions/runner: FileCommandManager, ActionCommandManager):
 * - file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV): `name=value` lines and the heredoc
 *   form `name<<DELIMITER` ... `DELIMITER`;
 * - workflow commands on stdout: `::name key=value,key=value::data`, leading whitespace ignored,
 *   data escaped as %25 %0D %0A, property values additionally as %3A %2C; `::stop-commands::TOKEN`
 *   turns processing off until a line `::TOKEN::`.
 */

export class FileCommandFormatError extends Error {
  override name = 'FileCommandFormatError';
}

/** Parses a file command file the way the runner does; throws where the runner fails the step. */
export function parseFileCommands(text: string, file = 'file command'): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  const lines = text.split(/\r?\n/);
  // a final newline leaves one empty element, which the runner skips like any empty line
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const key = line.slice(0, eq);
      if (!key) throw new FileCommandFormatError(`${file}: invalid format ${JSON.stringify(line.slice(0, 80))}`);
      out[key] = line.slice(eq + 1);
    } else if (heredoc > 0) {
      const key = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!key || !delimiter)
        throw new FileCommandFormatError(`${file}: invalid format ${JSON.stringify(line.slice(0, 80))}`);
      const value: string[] = [];
      let closed = false;
      while (++i < lines.length) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i] as string);
      }
      if (!closed) throw new FileCommandFormatError(`${file}: matching delimiter not found '${delimiter}'`);
      out[key] = value.join('\n');
    } else {
      throw new FileCommandFormatError(`${file}: invalid format ${JSON.stringify(line.slice(0, 80))}`);
    }
  }
  return out;
}

export function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function unescapeProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** Escapes as @actions/core does (for tests building expected command lines). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  /** index of the stdout line that carried it */
  line: number;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  title?: string;
  properties: Record<string, string>;
}

/** Commands the runner acts on (others are printed as plain text). */
export const RUNNER_COMMANDS = new Set([
  'add-mask',
  'error',
  'warning',
  'notice',
  'debug',
  'group',
  'endgroup',
  'set-output',
  'save-state',
  'set-env',
  'add-path',
  'echo',
  'add-matcher',
  'remove-matcher',
  'stop-commands',
]);

export interface ParsedStdout {
  commands: WorkflowCommand[];
  /** values registered with `::add-mask::`, unescaped */
  masks: string[];
  annotations: Annotation[];
  /** deprecated stdout forms, kept so tests can assert they are not used */
  setOutput: Record<string, string>;
  saveState: Record<string, string>;
  /** stdout with command lines removed and masks replaced by *** (what a reader of the log sees) */
  visibleLog: string;
}

/** Parses the workflow commands in an action's stdout as the runner processes them, line by line. */
export function parseWorkflowCommands(stdout: string): ParsedStdout {
  const commands: WorkflowCommand[] = [];
  const visible: string[] = [];
  let stopToken: string | null = null;
  const lines = stdout.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trimStart();
    if (stopToken !== null) {
      if (line === `::${stopToken}::`) stopToken = null;
      else visible.push(raw);
      return;
    }
    if (!line.startsWith('::')) {
      visible.push(raw);
      return;
    }
    const end = line.indexOf('::', 2);
    if (end < 0) {
      visible.push(raw);
      return;
    }
    const head = line.slice(2, end);
    const data = line.slice(end + 2);
    const sp = head.indexOf(' ');
    const command = sp < 0 ? head : head.slice(0, sp);
    if (!RUNNER_COMMANDS.has(command)) {
      visible.push(raw);
      return;
    }
    const properties: Record<string, string> = {};
    if (sp >= 0) {
      for (const pair of head.slice(sp + 1).split(',')) {
        const eq = pair.indexOf('=');
        if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
      }
    }
    if (command === 'stop-commands') {
      stopToken = data;
    } else if (command === 'error' || command === 'warning' || command === 'notice' || command === 'debug') {
      visible.push(`${command}: ${unescapeData(data)}`);
    }
    commands.push({ command, properties, data: unescapeData(data), line: index });
  });
  const masks = commands.filter((c) => c.command === 'add-mask' && c.data !== '').map((c) => c.data);
  const annotations: Annotation[] = commands
    .filter(
      (c): c is WorkflowCommand & { command: Annotation['level'] } =>
        c.command === 'error' || c.command === 'warning' || c.command === 'notice',
    )
    .map((c) => {
      const a: Annotation = { level: c.command, message: c.data, properties: c.properties };
      if (c.properties.file !== undefined) a.file = c.properties.file;
      if (c.properties.line !== undefined) a.line = Number(c.properties.line);
      if (c.properties.title !== undefined) a.title = c.properties.title;
      return a;
    });
  const pick = (name: string) =>
    Object.fromEntries(
      commands.filter((c) => c.command === name && c.properties.name).map((c) => [c.properties.name as string, c.data]),
    );
  return {
    commands,
    masks,
    annotations,
    setOutput: pick('set-output'),
    saveState: pick('save-state'),
    visibleLog: applyMasks(visible.join('\n'), masks),
  };
}

/** Replaces every mask (and each line of a multi-line mask) by *** as the runner's log does. */
export function applyMasks(text: string, masks: readonly string[]): string {
  const forms = new Set<string>();
  for (const m of masks) {
    if (m) forms.add(m);
    for (const l of m.split(/\r?\n/)) if (l) forms.add(l);
  }
  let out = text;
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out;
}
