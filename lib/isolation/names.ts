import { z } from 'zod';

/** Context names: `^[a-z0-9][a-z0-9-]{0,62}$`, checked before any path is built from them. */
export const CONTEXT_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const contextName = z
  .string({ error: 'context name must be a string' })
  .regex(CONTEXT_NAME_RE, { error: 'context name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, dashes)' });

export const CONTEXT_TYPES = ['internal', 'demo', 'customer'] as const;
export type ContextType = (typeof CONTEXT_TYPES)[number];

/** The type implied by the recommended names, or null when it must be given explicitly. */
export function impliedContextType(name: string): ContextType | null {
  if (name === 'internal-dogfood') return 'internal';
  if (name === 'oss-demo') return 'demo';
  if (/^customer-[a-z0-9][a-z0-9-]*$/.test(name)) return 'customer';
  return null;
}
