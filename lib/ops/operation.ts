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
function defaultText(schema: z.ZodType | undefined): string {
  const r = schema?.safeParse(undefined);
  return r?.success && r.data !== undefined ? String(r.data) : '';
}

/**
 * The op-specific inputs given that the run's mode does not read (an action input left at its
 * action.yml default, which is the schema's, is not given). Null when the operation has no modes.
 */
export function inputsOutsideMode(
  def: OperationDef,
  raw: Readonly<Record<string, string>>,
): { mode: string; names: string[] } | null {
  const shape = def.inputs.shape as Record<string, z.ZodType>;
  const mode = raw.mode ?? defaultText(shape.mode);
  const own = def.inputsByMode?.[mode];
  if (!own) return null;
  const names = Object.keys(shape).filter(
    (n) => n !== 'mode' && !own.includes(n) && raw[n] !== undefined && raw[n] !== defaultText(shape[n]),
  );
  return names.length ? { mode, names } : null;
}

export function defineOperation<S extends z.ZodObject>(def: OperationDef<S>): OperationDef<S> {
  return def;
}
