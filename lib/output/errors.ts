/**
 * Stable error codes (PRODUCT.md section 3) and the one error type that carries them.
 * A PaasError is a user-facing, expected failure: it is printed without a stack trace.
 * Anything else reaching the top level is a bug and is reported as PAAS_INTERNAL.
 */
export const ERROR_CODES = [
  'PAAS_INVALID_ARGUMENT',
  'PAAS_CONTEXT_UNRESOLVED',
  'PAAS_CONTEXT_EXISTS',
  'PAAS_CONTEXT_NOT_FOUND',
  'PAAS_CONTEXT_NOT_EMPTY',
  'PAAS_STATE_ROOT_UNSAFE',
  'PAAS_VAULT_UNMAPPED',
  'PAAS_VAULT_UNSAFE',
  'PAAS_SECRET_IN_IMPORT',
  'PAAS_NO_CHECKS',
  'PAAS_REMOTE_CONNECT_FAILED',
  'PAAS_REMOTE_HOSTKEY_MISMATCH',
  'PAAS_REMOTE_UPLOAD_FAILED',
  'PAAS_REMOTE_APPLY_FAILED',
  'PAAS_HEALTH_CHECK_FAILED',
  'PAAS_LOCK_HELD',
  'PAAS_ROLLBACK_RESOLVE_FAILED',
  'PAAS_ROLLBACK_APPLY_FAILED',
  'PAAS_DOCTOR_BLOCKED',
  'PAAS_MIGRATION_CHECKSUM_MISMATCH',
  'PAAS_MIGRATION_PLAN_INVALID',
  'PAAS_MIGRATION_FAILED',
  'PAAS_DB_CONNECT_FAILED',
  'PAAS_DB_LOCK_TIMEOUT',
  'PAAS_DB_POOLED_CONNECTION',
  'PAAS_DB_NOT_EMPTY',
  'PAAS_MIGRATION_VERIFY_FAILED',
  'PAAS_INTERRUPTED',
  'PAAS_CI_ONLY',
  'PAAS_STATE_CORRUPT',
  'PAAS_STATE_DECRYPT_FAILED',
  'PAAS_STATE_HOLDS_SECRET',
  'PAAS_BACKUP_INVALID',
  'PAAS_BACKUP_CONTEXT_MISMATCH',
  'PAAS_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  code: ErrorCode;
  stage: string;
  target: string | null;
  message: string;
  remediation: string;
}

interface PaasErrorOptions {
  stage?: string;
  target?: string | null;
  remediation?: string;
  cause?: unknown;
}

export class PaasError extends Error {
  readonly code: ErrorCode;
  readonly stage: string;
  readonly target: string | null;
  readonly remediation: string;

  constructor(code: ErrorCode, message: string, opts: PaasErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PaasError';
    this.code = code;
    this.stage = opts.stage ?? 'input';
    this.target = opts.target ?? null;
    this.remediation = opts.remediation ?? '';
  }

  toInfo(): ErrorInfo {
    return {
      code: this.code,
      stage: this.stage,
      target: this.target,
      message: this.message,
      remediation: this.remediation,
    };
  }
}

export function isPaasError(e: unknown): e is PaasError {
  return e instanceof PaasError;
}

/** The message of anything thrown: an Error's message, else the value as a string (not redacted: callers redact). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Turns anything thrown into ErrorInfo; unknown errors become PAAS_INTERNAL (a bug, not a user mistake). */
export function toErrorInfo(e: unknown, stage = 'internal'): ErrorInfo {
  if (isPaasError(e)) return e.toInfo();
  const message = errorMessage(e);
  return {
    code: 'PAAS_INTERNAL',
    stage,
    target: null,
    message: `unexpected error: ${message}`,
    remediation: 'This is a bug in paas-actions; re-run with PAAS_DEBUG=1 and report the redacted log.',
  };
}

export function invalidArgument(message: string, remediation: string): PaasError {
  return new PaasError('PAAS_INVALID_ARGUMENT', message, { stage: 'input', remediation });
}
