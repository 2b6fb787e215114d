import { z } from 'zod';
import { appName, RELEASE_ID_RE } from '../../isolation/names.js';
import { boolInput, pathInput } from '../../runtime/inputs.js';
import { defineOperation } from '../operation.js';

export const deployInputs = z.object({
  mode: z.enum(['deploy', 'reconcile', 'target_check']).default('deploy'),
  app: appName.optional(),
  artifact: pathInput.optional(),
  release_id: z
    .string()
    .regex(RELEASE_ID_RE, { error: 'must be 1-64 letters, digits, dot, dash, underscore' })
    .optional(),
  apply: boolInput.default(false),
  rollback_on_failure: boolInput.default(true),
  github_token: z.string().max(1000).optional(),
});

export const deploy = defineOperation({
  name: 'deploy',
  mutating: true,
  inputs: deployInputs,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) => (await import('./run.js')).deployRun(rt, common, settings),
});
