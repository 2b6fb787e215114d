import { PaasError } from '../output/errors.js';
import * as z from 'zod';

/**
 * The one module for names: every rule a name must follow before it becomes part of a path, a
 * remote shell line, a status line or a state key. Other modules import these; none restates one.
 *
 * - context, app and check names: {@link NAME_RE} (lowercase letters, digits, dashes; at most 63).
 *   App names become directory names on targets and words in remote shell lines, so they follow
 *   the context rule: no `_`, no dot, no uppercase (docs/paas-yml.md, docs/inputs.md).
 * - release ids and target ids: letters, digits, dot, dash, underscore.
 * - SQL identifiers and result column names: lowercase, digits, underscores.
 * - operation and mode names: lowercase and underscores.
 */
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** NAME_RE as text, for messages */
export const NAME_RULE = NAME_RE.source;

/** Context names: `^[a-z0-9][a-z0-9-]{0,62}$`, checked before any path is built from them. */
export const CONTEXT_NAME_RE = NAME_RE;
/** App names (the keys of `apps:` in paas.yml, the `app` input): the same rule as context names. */
export const APP_NAME_RE = NAME_RE;
/** Release ids: 1-64 letters, digits, dot, dash, underscore, not starting with a dot/dash/underscore. */
export const RELEASE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Target ids (from the vault's targets): 1-63 letters, digits, dot, dash, underscore. */
export const TARGET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Lowercase SQL identifiers (ledger schema/table) and SQL check result column names. */
export const SQL_IDENTIFIER_RE = /^[a-z_][a-z0-9_]{0,62}$/;
/** Operation (command) and mode names as they appear in status lines and the envelope. */
export const OPERATION_NAME_RE = /^[a-z_]{1,32}$/;
/** POSIX user names (the SSH user of a target, the local user in the actor). */
export const UNIX_USER_RE = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** A slug-like name (context, app, check) as a zod schema; `what` names it in the error. */
const slugName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(NAME_RE, { error: `${what} must match ${NAME_RULE} (lowercase letters, digits, dashes)` });

export const contextName = slugName('context name');
/** The one rule for app names: paas.yml's `apps:` keys and the deploy/rollback/logs `app` input. */
export const appName = slugName('app name');
export const checkName = slugName('check name');

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
    throw new PaasError('PAAS_INVALID_ARGUMENT', `${option} ${JSON.stringify(path)} contains a control character`, {
      stage,
      remediation: `Pass ${option} as a plain path without newlines or other control characters.`,
    });
  }
  return path;
}
