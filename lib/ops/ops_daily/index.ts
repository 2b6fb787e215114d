import { z } from 'zod';
import { defineOperation } from '../operation.js';
import { runOpsDaily } from './run.js';

export const opsDailyInputs = z.object({
  mode: z.enum(['prod', 'lenient']).default('prod'),
  github_token: z.string().max(1000).optional(),
});

export const opsDaily = defineOperation({
  name: 'ops_daily',
  mutating: false,
  inputs: opsDailyInputs,
  secretInputs: ['github_token'],
  run: (rt, common, settings) => runOpsDaily(rt, common, settings),
});
