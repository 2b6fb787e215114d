import { PaasError, type ErrorCode, type ErrorInfo } from '../output/errors.js';

/**
 * Reason tokens of db_bootstrap failures (the `reason=` of the status line). Plan tokens are the
 * ones users grep for: duplicate_migration_id, non_increasing_migration_id, invalid_migration_name,
 * missing_migration.
 */
export const DB_REASONS = [
  // plan (offline)
  'migrations_dir_missing',
  'invalid_migration_name',
  'duplicate_migration_id',
  'unreadable_migration',
  'invalid_migration_sections',
  'unterminated_sql',
  'transaction_control_in_migration',
  'requires_no_transaction',
  // plan against the ledger
  'non_increasing_migration_id',
  'missing_migration',
  'checksum_mismatch',
  'schema_not_empty',
  'ledger_incompatible',
  'baseline_mismatch',
  // verify
  'pending_migrations',
  'failed_attempt',
  'invalid_index',
  'schema_drift',
  // connection and safety
  'invalid_dsn',
  'connect_refused',
  'host_not_found',
  'connect_timeout',
  'auth_failed',
  'database_missing',
  'tls_failed',
  'server_unavailable',
  'connect_failed',
  'connection_lost',
  'pooled_connection',
  'lock_held',
  'lock_orphaned',
  'lock_lost',
  'lock_timeout',
  'statement_timeout',
  'permission_denied',
  'sql_error',
  'read_only',
  'interrupted',
  'ci_only',
] as const;
export type DbReason = (typeof DB_REASONS)[number];

export interface DbErrorOptions {
  stage?: string;
  file?: string | null;
  line?: number | null;
  sqlstate?: string | null;
  remediation?: string;
  cause?: unknown;
}

/** A PaasError that also carries the reason token, the migration file, its line and the SQLSTATE. */
export class DbError extends PaasError {
  readonly reason: DbReason;
  readonly file: string | null;
  readonly line: number | null;
  readonly sqlstate: string | null;

  constructor(code: ErrorCode, reason: DbReason, message: string, opts: DbErrorOptions = {}) {
    super(code, message, {
      stage: opts.stage ?? 'db',
      target: opts.file ?? null,
      remediation: opts.remediation ?? '',
      cause: opts.cause,
    });
    this.name = 'DbError';
    this.reason = reason;
    this.file = opts.file ?? null;
    this.line = opts.line ?? null;
    this.sqlstate = opts.sqlstate ?? null;
  }

  override toInfo(): ErrorInfo {
    return super.toInfo();
  }
}

export function isDbError(e: unknown): e is DbError {
  return e instanceof DbError;
}

/** The fields of a pg DatabaseError we use (it has more; message text is never trusted to be secret-free). */
export interface PgErrorLike {
  code?: string;
  message?: string;
  position?: string;
  detail?: string;
  hint?: string;
  severity?: string;
}

export function pgErrorOf(e: unknown): PgErrorLike {
  return e && typeof e === 'object' ? (e as PgErrorLike) : {};
}

export function sqlstateOf(e: unknown): string | null {
  const code = pgErrorOf(e).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

const NET_CODES: Record<string, DbReason> = {
  ECONNREFUSED: 'connect_refused',
  ENOTFOUND: 'host_not_found',
  EAI_AGAIN: 'host_not_found',
  ETIMEDOUT: 'connect_timeout',
  EHOSTUNREACH: 'connect_refused',
  ENETUNREACH: 'connect_refused',
  ENOENT: 'connect_refused',
  ECONNRESET: 'connection_lost',
  EPIPE: 'connection_lost',
};

/** True when the error means the connection to the server is gone (server stopped, network cut). */
export function isConnectionLost(e: unknown): boolean {
  const p = pgErrorOf(e);
  const state = sqlstateOf(e);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')) return true;
  if (p.code && (p.code === 'ECONNRESET' || p.code === 'EPIPE')) return true;
  const msg = typeof p.message === 'string' ? p.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|not queryable|terminating connection/i.test(
    msg,
  );
}

const PHRASES: Partial<Record<DbReason, string>> = {
  connect_refused: 'the server refused the connection or is not listening',
  host_not_found: 'the host name does not resolve',
  connect_timeout: 'the connection timed out',
  auth_failed: 'authentication failed (user or password wrong, or pg_hba.conf refuses this client)',
  database_missing: 'the database does not exist',
  tls_failed: 'the TLS handshake failed',
  server_unavailable: 'the server is starting up, shutting down or in recovery',
  connect_failed: 'the connection failed',
  connection_lost: 'the connection to the server was lost',
};

const CONNECT_REMEDIATION: Partial<Record<DbReason, string>> = {
  database_missing:
    'paas never creates a database: create it first (CREATE DATABASE ... OWNER <migration role>) and grant the migration role access, then re-run.',
  auth_failed:
    'Check the user and password in the DSN (percent-encode special characters) and that pg_hba.conf admits this client.',
  connect_refused:
    'Check that the server runs and accepts TCP connections from this runner (host, port, firewall, listen_addresses).',
  host_not_found: "Check the host name in the DSN and the runner's DNS.",
  connect_timeout:
    'Check network reachability from the runner (security groups, firewall), or raise db.connect_timeout in paas.yml.',
  tls_failed: 'Check sslmode and the certificates (sslrootcert) in the DSN.',
  server_unavailable: 'Wait for the server to finish starting or recovering, then re-run.',
  connection_lost:
    'Check that the server is up, then re-run: the migration that was running was rolled back by the server and is not recorded as applied.',
};

/** Maps a connect-time error to a DbError. The message never includes the error text (it may name host/user). */
export function connectError(e: unknown, dsnKey: string): DbError {
  const p = pgErrorOf(e);
  const state = sqlstateOf(e);
  let reason: DbReason = 'connect_failed';
  if (state === '28P01' || state === '28000') reason = 'auth_failed';
  else if (state === '3D000') reason = 'database_missing';
  else if (state === '57P03' || state === '53300') reason = 'server_unavailable';
  else if (state?.startsWith('08')) reason = 'connect_failed';
  else if (p.code && NET_CODES[p.code]) reason = NET_CODES[p.code] as DbReason;
  else if (/timeout/i.test(p.message ?? '')) reason = 'connect_timeout';
  else if (/SSL|TLS|certificate|self[- ]signed/i.test(p.message ?? '')) reason = 'tls_failed';
  else if (/terminated|ECONNRESET/i.test(p.message ?? '')) reason = 'connection_lost';
  const phrase = PHRASES[reason] ?? 'the connection failed';
  return new DbError(
    'PAAS_DB_CONNECT_FAILED',
    reason,
    `could not connect to PostgreSQL with the DSN from ${dsnKey}: ${phrase}${state ? ` (SQLSTATE ${state})` : p.code && /^E[A-Z]+$/.test(p.code) ? ` (${p.code})` : ''}`,
    {
      stage: 'connect',
      sqlstate: state,
      remediation: CONNECT_REMEDIATION[reason] ?? 'Check the DSN and that the server is reachable from this runner.',
    },
  );
}

/** A lost connection in the middle of the run. */
export function connectionLostError(e: unknown, file: string | null, what: string): DbError {
  const state = sqlstateOf(e);
  return new DbError(
    'PAAS_DB_CONNECT_FAILED',
    'connection_lost',
    `${PHRASES.connection_lost} ${what}${state ? ` (SQLSTATE ${state})` : ''}`,
    {
      stage: 'migrate',
      file,
      sqlstate: state,
      remediation: CONNECT_REMEDIATION.connection_lost as string,
    },
  );
}
