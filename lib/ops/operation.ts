import * as z from 'zod';
import type { Outcome } from '../output/envelope.js';
import type { CommonInputs } from '../runtime/inputs.js';
import type { Runtime } from '../runtime/runtime.js';

export const OPERATIONS = ['deploy', 'rollback', 'prod_verify', 'ops_daily', 'db_bootstrap', 'doctor'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** One of the six operations: its own inputs (beside the common ones) and its plain async function. */
export interface OperationDef<S extends z.ZodObject = z.ZodObject> {
  name: OperationName;
  /** changes remote or persistent state: needs an explicit context, never the selected one */
  mutating: boolean;
  /** op-specific inputs (action input names = CLI flags in kebab-case) */
  inputs: S;
  /**
   * An operation with a `mode` input: the op-specific inputs each mode reads (beside `mode` and the
   * common inputs). A CLI command that pins a mode takes only these; another mode's input is refused.
   */
  inputsByMode?: Readonly<Record<string, readonly string[]>>;
  /** names of inputs whose values are secrets (registered before anything else runs) */
  secretInputs: readonly string[];
  /** `ports`: what the entry layer lends the operation (the dispatcher), so it never imports that layer */
  run: (rt: Runtime, common: CommonInputs, settings: z.infer<S>, ports: OperationPorts) => Promise<Outcome>;
}

/**
 * The dispatcher as a port (lib/entry/execute.ts executeOperation): validates the inputs and runs
 * an operation, never throws. The entry layer passes it to code that runs another operation
 * (backup restore and readiness run doctor), so no operation imports the entry layer.
 */
export type RunOperation = (rt: Runtime, op: OperationName, raw: Record<string, unknown>) => Promise<Outcome>;

/** The entry layer's ports, given to every operation's `run` by the dispatcher. */
interface OperationPorts {
  runOperation: RunOperation;
}

/** An input's schema default as the text an action input holds ('' when it has none). */
export function inputDefault(def: OperationDef, name: string): string {
  const r = (def.inputs.shape as Record<string, z.ZodType>)[name]?.safeParse(undefined);
  return r?.success && r.data !== undefined ? String(r.data) : '';
}

/**
 * Of the op-specific inputs `names`, those the mode (given, else the schema's default) does not
 * read. Null when the operation has no per-mode lists or all of them apply. The CLI refuses them
 * (lib/cli/modes.ts), an action warns (lib/entry/action.ts).
 */
export function outsideMode(
  def: OperationDef,
  mode: string | undefined,
  names: Iterable<string>,
): { mode: string; names: string[] } | null {
  const m = mode ?? inputDefault(def, 'mode');
  const own = def.inputsByMode?.[m];
  if (!own) return null;
  const outside = [...names].filter((n) => n !== 'mode' && n in def.inputs.shape && !own.includes(n));
  return outside.length ? { mode: m, names: outside } : null;
}

/**
 * The op-specific action inputs given that the run's mode does not read (an input left at its
 * action.yml default, which is the schema's, is not given).
 */
export function inputsOutsideMode(
  def: OperationDef,
  raw: Readonly<Record<string, string>>,
): { mode: string; names: string[] } | null {
  const given = Object.keys(def.inputs.shape).filter((n) => raw[n] !== undefined && raw[n] !== inputDefault(def, n));
  return outsideMode(def, raw.mode, given);
}

export function defineOperation<S extends z.ZodObject>(def: OperationDef<S>): OperationDef<S> {
  return def;
}
