import { z } from 'zod';
import { defineOperation } from '../operation.js';

export const opsDailyInputs = z.object({
  mode: z.enum(['prod', 'lenient']).default('prod'),
  github_token: z.string().max(1000).optional(),
});

export const opsDaily = defineOperation({
  name: 'ops_daily',
  mutating: false,
  inputs: opsDailyInputs,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) => (await import('./run.js')).runOpsDaily(rt, common, settings),
});
