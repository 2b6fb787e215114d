import * as z from 'zod';

/**
 * A vault key or named secret, e.g. POSTGRES_DSN_PROD (the value lives in the context's vault).
 * Its own module so that operation definitions (db_bootstrap's inputs) can use it without loading
 * paas-yml.ts and its YAML parser.
 */
export const vaultKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  error: 'must name a vault key such as POSTGRES_DSN_PROD (letters, digits, underscores), never hold a value',
});
