import * as z from 'zod';
import { CONTEXT_TYPES, contextName, TARGET_ID_RE } from './names.js';
import { lazy } from '../runtime/lazy.js';

export const webhookPolicySchema = z
  .object({
    events: z
      .array(z.string().regex(/^[a-z_]{1,64}$/))
      .max(32)
      .default(['workflow_dispatch']),
    branches: z
      .array(
        z
          .string()
          .max(255)
          .regex(/^[A-Za-z0-9_*][A-Za-z0-9._/*-]*$/, {
            error: 'branch patterns are letters, digits, . _ / - and * globs',
          })
          .refine((b) => !b.includes('..') && !b.endsWith('/') && !b.endsWith('.'), {
            error: 'not a valid git branch name pattern',
          }),
      )
      .max(64)
      .default([]),
    actors: z
      .array(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/, {
          error: 'actors are GitHub logins (letters, digits, dashes; bots end in [bot])',
        }),
      )
      .max(256)
      .default([]),
    require_signature: z.boolean().default(false),
  })
  .strict();
export type WebhookPolicy = z.infer<typeof webhookPolicySchema>;

const targetId = z.string().regex(TARGET_ID_RE, { error: 'target ids are letters, digits, dot, dash, underscore' });

/** A context as persisted in `<state_root>/contexts/<name>/config.json`. Holds no secret. */
export const contextConfigSchema = z
  .object({
    schema: z.literal(1).default(1),
    name: contextName,
    type: z.enum(CONTEXT_TYPES),
    state_root: z.string().min(1),
    vault_file: z.string().min(1).max(4096).nullable().default(null),
    default_targets: z.array(targetId).max(1000).default([]),
    webhook_policy: webhookPolicySchema.default({
      events: ['workflow_dispatch'],
      branches: [],
      actors: [],
      require_signature: false,
    }),
    audit_sink: z.enum(['events', 'events+stdout']).default('events'),
    created_at: z.string(),
  })
  .strict();
export type ContextConfig = z.infer<typeof contextConfigSchema>;

function exportSchema() {
  return z
    .object({
      format: z.literal('paas-context-export/1'),
      name: contextName,
      type: z.enum(CONTEXT_TYPES),
      default_targets: z.array(targetId).max(1000),
      webhook_policy: webhookPolicySchema,
      audit_sink: z.enum(['events', 'events+stdout']),
    })
    .catchall(z.unknown());
}
/**
 * Portable metadata (export/import): no state_root, no vault path, never a secret. Built on first
 * use: only `context import` reads it, and this module is on every action's start path.
 */
export const contextExportSchema = lazy(exportSchema);
export type ContextExport = z.infer<ReturnType<typeof exportSchema>>;
