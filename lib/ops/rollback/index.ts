import { defineOperation } from '../operation.js';
import { rollbackInputs } from './inputs.js';

export const rollback = defineOperation({
  name: 'rollback',
  mutating: true,
  inputs: rollbackInputs,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) =>
    settings.drill
      ? (await import('../readiness/drill.js')).rollbackDrill(rt, common, settings)
      : (await import('./run.js')).rollbackRun(rt, common, settings),
});
