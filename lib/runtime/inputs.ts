import * as z from 'zod';
import { invalidArgument } from '../output/errors.js';
import { CONTEXT_TYPES, contextName } from '../isolation/names.js';

/** Booleans as the runner's YAML 1.2 core schema spells them (core.getBooleanInput). */
export const boolInput = z
  .union([z.boolean(), z.enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', ''])])
  .transform((v) => v === true || v === 'true' || v === 'True' || v === 'TRUE');

export const pathInput = z
  .string()
  .max(4096, { error: 'path is longer than 4096 characters' })
  .refine((s) => !s.includes('\0'), { error: 'path contains a NUL byte' })
  // a line break or other control character in a path is a pasting mistake or an attempt to forge
  // log lines; no real path needs one
  .refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f'), {
    error: 'path contains a control character (line break, tab, escape...)',
  });

/** An empty action input is an input not given (the runner passes `''` for an unset one): for z.preprocess. */
export const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

/** Inputs every operation accepts (action inputs and CLI flags share these names). */
export const commonInputsSchema = z.object({
  context: z.preprocess(emptyToUndefined, contextName.optional()),
  context_type: z.preprocess(emptyToUndefined, z.enum(CONTEXT_TYPES).optional()),
  state_root: z.preprocess(emptyToUndefined, pathInput.optional()),
  vault: z.preprocess(emptyToUndefined, z.string().max(1_000_000, { error: 'vault is larger than 1 MB' }).optional()),
  config: z.preprocess(emptyToUndefined, pathInput.default('paas.yml')),
  allow_unsafe_state_root: z.preprocess(emptyToUndefined, boolInput.default(false)),
  state_reset: z.preprocess(emptyToUndefined, boolInput.default(false)),
});
export type CommonInputs = z.infer<typeof commonInputsSchema>;
export const COMMON_INPUT_NAMES = Object.keys(commonInputsSchema.shape) as Array<keyof CommonInputs>;

/** Parses with zod and turns the first issue into PAAS_INVALID_ARGUMENT naming the input (never its value). */
export function parseInputs<S extends z.ZodType>(schema: S, raw: unknown, what = 'input'): z.infer<S> {
  return parsedInputs(schema.safeParse(raw), what);
}

/** {@link parseInputs} of a result already at hand (the action entry checks inputs before persistence). */
export function parsedInputs<T>(r: z.ZodSafeParseResult<T>, what = 'input'): T {
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.length ? issue.path.join('.') : what;
  const msg =
    issue?.code === 'unrecognized_keys'
      ? `unknown ${what} ${(issue as { keys: string[] }).keys.join(', ')}`
      : `${what} ${name}: ${issue?.message ?? 'invalid'}`;
  throw invalidArgument(msg, `Fix the value of ${name}; see docs/inputs.md for the accepted values.`);
}
