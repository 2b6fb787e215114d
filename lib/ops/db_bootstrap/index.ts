import { z } from 'zod';
import { defineOperation } from '../operation.js';

export const dbBootstrapInputs = z.object({
  mode: z.enum(['dry_run', 'migrate', 'verify', 'all']).default('dry_run'),
  dsn_key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: 'must be a vault key name such as POSTGRES_DSN_PROD' }).default('POSTGRES_DSN_PROD'),
  baseline_version: z.string().regex(/^\d{1,18}$/, { error: 'must be a migration id (digits)' }).optional(),
});

export const dbBootstrap = defineOperation({ name: 'db_bootstrap', mutating: true, inputs: dbBootstrapInputs, secretInputs: [] });
