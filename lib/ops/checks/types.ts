/**
 * The check engine's vocabulary. A check result holds a status, a reason TOKEN (never free text)
 * and aggregate numbers only: nothing a check returns can carry an identifier, a row of data, a host
 * or a secret, so every sink (status lines, issue bodies, Slack, events) can print it whole.
 */
import type { CHECK_KINDS } from '../../config/paas-yml.js';

export type CheckKind = (typeof CHECK_KINDS)[number];

/** `skipped`: the check could not run (a secret it needs is missing); never counted as healthy. */
export const CHECK_STATUSES = ['healthy', 'unhealthy', 'insufficient_data', 'error', 'skipped'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** The overall result of a run (exit 0 / 2 / 2 / 1). */
export type Overall = 'healthy' | 'unhealthy' | 'insufficient_data' | 'error';

export interface CheckResult {
  name: string;
  kind: CheckKind;
  status: CheckStatus;
  /** a reason token such as `delivered_total_0`, `timeout`, `http_503` (see REASON_RE) */
  reason?: string | undefined;
  /** aggregate numbers only, keyed by a lowercase identifier */
  values: Record<string, number>;
  /** wall time of the check */
  ms: number;
}

/** What a check function returns (the engine adds name, kind and ms). */
export interface CheckVerdict {
  status: Exclude<CheckStatus, 'skipped'>;
  reason?: string | undefined;
  values?: Record<string, number>;
}

const REASON_RE = /^[a-z0-9][a-z0-9_.-]{0,79}$/;
export { SQL_IDENTIFIER_RE as VALUE_KEY_RE } from '../../isolation/names.js';

/** Turns anything into a reason token (lowercase, `[a-z0-9_.-]`, at most 80 characters). */
export function reasonToken(s: string): string {
  const t = s
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 80);
  return REASON_RE.test(t) ? t : 'unknown';
}

/** Number formatting for tokens: `0`, `10`, `-1`, `0.5` (no exponent surprises for ordinary values). */
export function numberToken(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return reasonToken(String(Number(n.toPrecision(6))));
}

export const healthy = (values?: Record<string, number>): CheckVerdict => ({ status: 'healthy', values });
export const unhealthy = (reason: string, values?: Record<string, number>): CheckVerdict => ({
  status: 'unhealthy',
  reason,
  values,
});
export const insufficient = (reason: string, values?: Record<string, number>): CheckVerdict => ({
  status: 'insufficient_data',
  reason,
  values,
});
export const checkError = (reason: string, values?: Record<string, number>): CheckVerdict => ({
  status: 'error',
  reason,
  values,
});

export interface OverallResult {
  status: Overall;
  /** for insufficient_data: the reasons of the insufficient checks, comma-separated, deduplicated */
  reason?: string | undefined;
  checks: number;
  /** unhealthy + error (+ skipped when `skippedFails`) */
  failed: number;
  skipped: number;
}

/**
 * The overall result, from structured statuses only:
 * any error → error; else any unhealthy → unhealthy; else any insufficient_data → insufficient_data;
 * else healthy. Nothing ran at all → insufficient_data reason=no_checks (none declared) or
 * reason=all_skipped (every check skipped).
 * With `skippedFails` (prod_verify verify) a skipped check is an error.
 */
export function overallOf(results: readonly CheckResult[], opts: { skippedFails?: boolean } = {}): OverallResult {
  const counts = { healthy: 0, unhealthy: 0, insufficient_data: 0, error: 0, skipped: 0 } as Record<
    CheckStatus,
    number
  >;
  for (const r of results) counts[r.status]++;
  const skippedFails = opts.skippedFails ?? false;
  const failed = counts.unhealthy + counts.error + (skippedFails ? counts.skipped : 0);
  const base = { checks: results.length, failed, skipped: counts.skipped };
  if (counts.error > 0 || (skippedFails && counts.skipped > 0))
    return {
      ...base,
      status: 'error',
      reason: skippedFails && counts.skipped > 0 && counts.error === 0 ? 'skipped_checks' : undefined,
    };
  if (counts.unhealthy > 0) return { ...base, status: 'unhealthy' };
  const ran = results.length - counts.skipped;
  // nothing ran: no checks declared (`no_checks`), or every one skipped for a missing secret
  // (`all_skipped`); neither is ever turned green by a schedule (see ops_daily/schedule.ts)
  if (ran === 0)
    return { ...base, status: 'insufficient_data', reason: results.length === 0 ? 'no_checks' : 'all_skipped' };
  if (counts.insufficient_data > 0) {
    const reasons = [
      ...new Set(results.filter((r) => r.status === 'insufficient_data').map((r) => r.reason ?? 'insufficient_data')),
    ];
    return { ...base, status: 'insufficient_data', reason: reasons.join(',') };
  }
  return { ...base, status: 'healthy' };
}
