/**
 * Help text of the CLI, from the same source as the actions: an operation command's options are
 * its action.yml inputs (description, default, required) and its zod schema (allowed values). A
 * bundle carries the inputs of every actions/<op>/action.yml, embedded at build time
 * (scripts/build.mjs), so its --help is complete wherever it was built or copied to. Run from
 * source (tests, tsx), the files are read from the repository: this module sits two directories
 * below its root (lib/cli/).
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export interface OptionDoc {
  description: string;
  default?: string | undefined;
  required?: boolean;
  /** allowed values (enums) */
  choices?: readonly string[] | undefined;
}

/** An input as action.yml spells it. */
interface RawActionInput {
  description?: string;
  default?: string;
  required?: boolean;
}

const ROOT = new URL('../../', import.meta.url);

function readRootFile(rel: string): string | null {
  try {
    return readFileSync(new URL(rel, ROOT), 'utf8');
  } catch {
    return null;
  }
}

/** set by scripts/build.mjs (esbuild `define`): the `inputs` of every actions/<op>/action.yml; absent when running from source */
declare const __PAAS_ACTION_INPUTS__: Record<string, Record<string, RawActionInput>> | undefined;

/** The inputs embedded in the bundle (one reference: esbuild inlines the object where it is named). */
function embeddedInputs(): Record<string, Record<string, RawActionInput>> | undefined {
  try {
    return __PAAS_ACTION_INPUTS__;
  } catch {
    return undefined; // not a bundle: the name is not defined
  }
}

/** The inputs of `actions/<op>/action.yml`, read from the repository (run from source). */
async function readActionInputs(op: string): Promise<Record<string, RawActionInput>> {
  const text = readRootFile(`actions/${op}/action.yml`);
  if (!text) return {};
  const { parseYaml } = await import('./action-yml.js');
  return (parseYaml(text) as { inputs?: Record<string, RawActionInput> }).inputs ?? {};
}

const cache = new Map<string, Record<string, OptionDoc>>();

/** The inputs of `actions/<op>/action.yml` (`{}` when neither embedded nor beside the code). */
export async function actionInputs(op: string): Promise<Record<string, OptionDoc>> {
  const hit = cache.get(op);
  if (hit) return hit;
  const embedded = embeddedInputs();
  const raw = embedded ? (embedded[op] ?? {}) : await readActionInputs(op);
  const out: Record<string, OptionDoc> = {};
  for (const [name, spec] of Object.entries(raw)) {
    out[name] = {
      description: (spec.description ?? '').replace(/\s+/g, ' ').trim(),
      default: spec.default,
      required: spec.required === true,
    };
  }
  cache.set(op, out);
  return out;
}

/** set by scripts/build.mjs (esbuild `define`) to package.json's version; absent when running from source */
declare const __PAAS_VERSION__: string | undefined;

/** The package version: stamped into the bundle at build time, else read from package.json. */
export function packageVersion(): string {
  if (typeof __PAAS_VERSION__ === 'string') return __PAAS_VERSION__;
  const text = readRootFile('package.json');
  try {
    return text ? String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown') : 'unknown';
  } catch {
    return 'unknown';
  }
}

interface ZodLike {
  _zod?: { def?: Record<string, unknown> };
}

/** Allowed values of a zod schema (through preprocess/optional/default/pipe wrappers), if it is an enum. */
export function zodChoices(schema: z.ZodType | undefined): string[] | undefined {
  let s = schema as unknown as ZodLike | undefined;
  for (let i = 0; s && i < 10; i++) {
    const def = s._zod?.def;
    if (!def) return undefined;
    if (def.type === 'enum' && def.entries && typeof def.entries === 'object')
      return Object.values(def.entries as Record<string, string>).map(String);
    if (def.type === 'literal' && Array.isArray(def.values)) return (def.values as unknown[]).map(String);
    s = (def.innerType ??
      (def.type === 'pipe'
        ? (def.out as ZodLike)?._zod?.def?.type === 'transform'
          ? def.in
          : def.out
        : undefined)) as ZodLike | undefined;
  }
  return undefined;
}

/** Options of the commands that are not operations (no action.yml), described here once. */
export const FLAG_DOCS: Record<string, string> = {
  context:
    'Context to work in, e.g. `internal-dogfood`, `oss-demo` or `customer-<id>`; ' +
    'empty: the context selected with `paas context use`, where the command is read-only.',
  app: 'Name of the app under `apps:` in paas.yml; may be left out when paas.yml has one app.',
  type: 'Type of the context: `internal`, `demo` or `customer` (inferred from a recommended name).',
  vault_file: "File with the context's secrets as dotenv `KEY=value` lines, outside any repository, mode 0600.",
  default_targets: 'Comma-separated target ids this context deploys to by default (repeatable).',
  events: 'Comma-separated events that may trigger mutating operations, e.g. `workflow_dispatch,push` (repeatable).',
  branches: 'Comma-separated branches that may trigger mutating operations (repeatable).',
  actors: 'Comma-separated GitHub users that may trigger mutating operations (repeatable).',
  force: 'Go ahead although the context holds history (remove) or state (restore).',
  out: 'File to write.',
  dangerously_include_secrets: 'DANGEROUS: include secret values (vault) in the export / accept them on import.',
  name: 'Name of the context to create from the file (default: the name in the file).',
  kind:
    'Only events of these kinds, e.g. `deploy.failed` or `deploy.*` ' +
    '(comma-separated or repeated; the kinds are listed in docs/state.md).',
  since:
    'Only events at or after this time: a duration back from now (30m, 24h, 7d, 2w) or an ISO time (2026-12-01T08:00Z).',
  format:
    'text (newest first) or jsonl ' +
    '(one JSON event per line, oldest first, status line on stderr: a transcript or audit export).',
  limit: 'At most this many entries, newest first.',
  id: 'Id of the open alert, or its first characters, from `paas alert history` (default: the open alert of the context).',
  by: 'Who acknowledges (recorded in the alert history).',
  repo: 'Repository `owner/name` of the alert issue (default: GITHUB_REPOSITORY).',
  target: 'Only this target id (from PAAS_TARGETS); default: every target of the context.',
  lines: 'How many of the last lines of each log file to print (1 to 10000; default 100).',
  tail: 'Keep printing new log lines as they are written, until Ctrl-C (like `tail -F`).',
};

/** Wraps `text` to `width` columns, every line after the first indented by `indent`. */
export function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/** Edit distance (Damerau: a swap of two neighbours counts once), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The nearest candidate, when it is near enough to be a typo (or `word` is a prefix of exactly one). */
export function nearest(word: string, candidates: readonly string[]): string | null {
  if (!word) return null;
  const prefixed = candidates.filter((c) => c.startsWith(word));
  if (prefixed.length === 1) return prefixed[0] as string;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.ceil(word.length / 3)));
  return bestD <= limit ? best : null;
}
