import { z } from 'zod';
import { defineOperation } from '../operation.js';

export const prodVerifyInputs = z.object({
  mode: z.enum(['dry_run', 'verify']).default('dry_run'),
  expected_release: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, dot, dash, underscore' }).optional(),
});

export const prodVerify = defineOperation({
  name: 'prod_verify',
  mutating: false,
  inputs: prodVerifyInputs,
  secretInputs: [],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) => (await import('./run.js')).runProdVerify(rt, common, settings),
});
