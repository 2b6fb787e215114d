import * as z from 'zod';
import { vaultKey } from '../../config/vault-key.js';
import type { Outcome } from '../../output/envelope.js';
import { emptyToUndefined, pathInput, type CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { defineOperation } from '../operation.js';

export const DB_MODES = ['dry_run', 'migrate', 'verify', 'all'] as const;
export type DbMode = (typeof DB_MODES)[number];

export const dbBootstrapInputs = z.object({
  mode: z.preprocess(emptyToUndefined, z.enum(DB_MODES).default('dry_run')),
  /** vault key (or named secret in env) holding the DSN; default: db.dsn in paas.yml, else POSTGRES_DSN_PROD */
  dsn_key: z.preprocess(emptyToUndefined, vaultKey.optional()),
  /** for a non-empty database without a ledger: files with id <= this are recorded as applied without running */
  baseline_version: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{1,18}$/, { error: 'must be a migration id (digits)' })
      .optional(),
  ),
  /** dry_run: where to write the lint findings as SARIF (code scanning) */
  sarif_file: z.preprocess(emptyToUndefined, pathInput.optional()),
});
export type DbBootstrapSettings = z.infer<typeof dbBootstrapInputs>;

export const dbBootstrap = defineOperation({
  name: 'db_bootstrap',
  mutating: true,
  inputs: dbBootstrapInputs,
  secretInputs: [],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt: Runtime, common: CommonInputs, settings: DbBootstrapSettings): Promise<Outcome> =>
    (await import('./run.js')).runDbBootstrap(rt, common, settings),
});

export type { Plan, Migration } from './plan.js';
// checkPlanOffline: import it from './offline.js' (re-exporting it here would load plan.ts with the registry)
