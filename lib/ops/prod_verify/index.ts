import * as z from 'zod';
import { RELEASE_ID_RE } from '../../isolation/names.js';
import { defineOperation } from '../operation.js';

export const prodVerifyInputs = z.object({
  mode: z.enum(['dry_run', 'verify']).default('dry_run'),
  expected_release: z
    .string()
    .regex(RELEASE_ID_RE, { error: 'must be 1-64 letters, digits, dot, dash, underscore' })
    .optional(),
});

export const prodVerify = defineOperation({
  name: 'prod_verify',
  mutating: false,
  inputs: prodVerifyInputs,
  secretInputs: [],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) => (await import('./run.js')).runProdVerify(rt, common, settings),
});
