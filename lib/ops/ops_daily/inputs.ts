/**
 * The inputs of ops_daily (action inputs and `paas ops daily|readiness` flags), one zod schema.
 * Not an entry file: readiness and summary take their settings types from it (z.output), and
 * `index.ts` hands it to defineOperation.
 */
import * as z from 'zod';
import { CONTEXT_NAME_RE } from '../../isolation/names.js';
import { emptyToUndefined, pathInput } from '../../runtime/inputs.js';

/** mode readiness: the newest backup of each non-demo context must be younger than this */
const DEFAULT_BACKUP_MAX_AGE = '26h';
/** mode readiness: a rollback drill must be recorded in each internal context within this window */
const DEFAULT_DRILL_WINDOW = '7d';

const duration = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{1,5}[mhdw]$/, { error: 'must be a duration such as 26h, 7d, 90m or 1w' })
      .default(fallback),
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
  backup_max_age: duration(DEFAULT_BACKUP_MAX_AGE),
  drill_window: duration(DEFAULT_DRILL_WINDOW),
});

/** What the operation receives: the parsed inputs, defaults applied. */
export type OpsDailyInputs = z.output<typeof opsDailyInputs>;

/** The inputs each mode reads: the CLI's `ops readiness` takes only its own (and `ops daily --mode X` only X's). */
export const OPS_DAILY_INPUTS_BY_MODE = {
  prod: ['github_token'],
  lenient: ['github_token'],
  readiness: ['github_token', 'contexts', 'backup_max_age', 'drill_window'],
  summary: ['contexts', 'results'],
} as const satisfies Record<OpsDailyInputs['mode'], ReadonlyArray<keyof typeof opsDailyInputs.shape>>;
