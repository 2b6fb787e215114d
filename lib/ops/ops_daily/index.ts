import { z } from 'zod';
import { CONTEXT_NAME_RE } from '../../isolation/names.js';
import { pathInput } from '../../runtime/inputs.js';
import { defineOperation } from '../operation.js';

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const duration = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\d{1,5}[mhdw]$/, { error: 'must be a duration such as 26h, 7d, 90m or 1w' })
    .optional(),
);

export const opsDailyInputs = z.object({
  mode: z.enum(['prod', 'lenient', 'readiness', 'summary']).default('prod'),
  github_token: z.string().max(1000).optional(),
  // mode readiness (docs/ops_daily.md#readiness): the runbook's weekly checklist;
  // mode summary (docs/ops_daily.md#many-contexts): the contexts whose results must be there
  contexts: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => s.split(/\s*,\s*/).every((c) => CONTEXT_NAME_RE.test(c)), {
        error: 'must be context names separated by commas',
      })
      .optional(),
  ),
  // mode summary: the directory of the matrix jobs' result envelopes
  results: z.preprocess(emptyToUndefined, pathInput.optional()),
  backup_max_age: duration,
  drill_window: duration,
});

export const opsDaily = defineOperation({
  name: 'ops_daily',
  mutating: false,
  inputs: opsDailyInputs,
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
