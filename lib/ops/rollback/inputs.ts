/** rollback's inputs: one zod schema, the source of the action's inputs, the CLI's flags and the settings types. */
import * as z from 'zod';
import { appName, RELEASE_ID_RE, TARGET_ID_RE } from '../../isolation/names.js';
import { boolInput } from '../../runtime/inputs.js';

export const rollbackInputs = z.object({
  app: appName.optional(),
  to_release: z
    .string()
    .regex(RELEASE_ID_RE, { error: 'must be 1-64 letters, digits, dot, dash, underscore' })
    .optional(),
  allow_bad_release: boolInput.default(false),
  target: z
    .string()
    .refine((s) => s === 'all' || s.split(',').every((t) => TARGET_ID_RE.test(t)), {
      error: 'must be `all` or a comma-separated list of target ids',
    })
    .default('all'),
  apply: boolInput.default(false),
  github_token: z.string().max(1000).optional(),
  // a rollback drill of one target (lib/ops/readiness/drill.ts), recorded for `paas ops readiness`
  drill: boolInput.default(false),
});

export type RollbackSettings = z.output<typeof rollbackInputs>;
