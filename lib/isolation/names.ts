import { PaasError } from '../output/errors.js';
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

/**
 * Refuses a path holding a control character (a newline would forge lines in every log, status
 * line and summary that names the path) with PAAS_INVALID_ARGUMENT naming the option.
 */
export function assertPlainPath(path: string, option: string, stage = 'input'): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `${option} ${JSON.stringify(path)} contains a control character`, { stage, remediation: `Pass ${option} as a plain path without newlines or other control characters.` });
  }
  return path;
}
