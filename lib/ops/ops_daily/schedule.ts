/**
 * Exit codes and the two schedule rules of ops_daily, as pure functions over structured results:
 * - exit 0 healthy, 2 unhealthy or insufficient_data, 1 error;
 * - on a `schedule` event, exit 2 becomes 0 only when the overall result IS insufficient_data
 *   (a structured value, never a search of the log text): one insufficient_data check beside an
 *   unhealthy one is `unhealthy` overall and stays exit 2; a run that checked nothing
 *   (`no_checks`, `all_skipped`) is never turned green;
 * - a previous run (any outcome: a failing run did run) older than the expected interval means a
 *   schedule did not fire;
 * - GitHub disables the schedules of a public repository after 60 days without activity: warn
 *   `warnDays` ahead, from the repository's last push.
 */
import { EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY, type ExitCode } from '../../output/exit.js';
import type { Overall } from '../checks/types.js';

export function exitCodeOf(overall: Overall): ExitCode {
  if (overall === 'healthy') return EXIT_OK;
  if (overall === 'error') return EXIT_ERROR;
  return EXIT_UNHEALTHY;
}

/** Reasons of an insufficient_data result that a schedule never turns green: nothing was checked. */
const NEVER_NORMALIZED = new Set(['no_checks', 'all_skipped']);

export function scheduledExit(
  overall: Overall,
  eventName: string | undefined,
  reason?: string | null,
): { exitCode: ExitCode; normalized: boolean } {
  const exitCode = exitCodeOf(overall);
  if (eventName === 'schedule' && overall === 'insufficient_data' && !NEVER_NORMALIZED.has(reason ?? ''))
    return { exitCode: EXIT_OK, normalized: true };
  return { exitCode, normalized: false };
}

export interface ScheduleGap {
  missed: boolean;
  /** hours since the previous successful run (null: none recorded) */
  ageHours: number | null;
  expectedHours: number;
}

export function scheduleGap(lastSuccessAt: string | null | undefined, now: Date, expectedMs: number): ScheduleGap {
  const expectedHours = Math.round((expectedMs / 3_600_000) * 10) / 10;
  const t = lastSuccessAt ? Date.parse(lastSuccessAt) : NaN;
  if (!Number.isFinite(t)) return { missed: false, ageHours: null, expectedHours };
  const ageMs = now.getTime() - t;
  return { missed: ageMs > expectedMs, ageHours: Math.round((ageMs / 3_600_000) * 10) / 10, expectedHours };
}

const INACTIVITY_DISABLE_DAYS = 60;
const INACTIVITY_WARN_DAYS = 14;

/** Days left before GitHub disables the schedule for inactivity (null: no warning due, or unknown). */
export function inactivityDaysLeft(
  repo: { private: boolean; pushed_at: string | null; archived?: boolean },
  now: Date,
): number | null {
  if (repo.private || !repo.pushed_at) return null;
  const t = Date.parse(repo.pushed_at);
  if (!Number.isFinite(t)) return null;
  const left = INACTIVITY_DISABLE_DAYS - Math.floor((now.getTime() - t) / 86_400_000);
  return left <= INACTIVITY_WARN_DAYS ? Math.max(0, left) : null;
}

/** A run counts as successful for the schedule when its checks ran to a non-failing verdict. */
export function isSuccess(overall: Overall): boolean {
  return overall === 'healthy' || overall === 'insufficient_data';
}
