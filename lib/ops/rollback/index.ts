import { z } from 'zod';
import { boolInput } from '../../runtime/inputs.js';
import { defineOperation } from '../operation.js';

export const rollbackInputs = z.object({
  app: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must match ^[a-z0-9][a-z0-9_-]{0,62}$' }).optional(),
  to_release: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, dot, dash, underscore' }).optional(),
  allow_bad_release: boolInput.default(false),
  target: z.string().regex(/^(all|[A-Za-z0-9][A-Za-z0-9._-]{0,62}(,[A-Za-z0-9][A-Za-z0-9._-]{0,62})*)$/, { error: 'must be `all` or a comma-separated list of target ids' }).default('all'),
  apply: boolInput.default(false),
  github_token: z.string().max(1000).optional(),
  // a rollback drill of one target (lib/ops/readiness/drill.ts), recorded for `paas ops readiness`
  drill: boolInput.default(false),
});

export const rollback = defineOperation({
  name: 'rollback',
  mutating: true,
  inputs: rollbackInputs,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) =>
    settings.drill ? (await import('../readiness/drill.js')).rollbackDrill(rt, common, settings) : (await import('./run.js')).rollbackRun(rt, common, settings),
});
