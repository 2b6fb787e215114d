import { defineOperation } from '../operation.js';
import { OPS_DAILY_INPUTS_BY_MODE, opsDailyInputs } from './inputs.js';

export const opsDaily = defineOperation({
  name: 'ops_daily',
  mutating: false,
  inputs: opsDailyInputs,
  inputsByMode: OPS_DAILY_INPUTS_BY_MODE,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings, ports) => {
    const { mode } = settings;
    if (mode === 'summary') return (await import('./summary.js')).runSummaryMode(rt, settings);
    if (mode === 'readiness')
      return (await import('../readiness/index.js')).runReadiness(rt, common, settings, ports.runOperation);
    return (await import('./run.js')).runOpsDaily(rt, common, { ...settings, mode });
  },
});
