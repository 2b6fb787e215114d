import * as z from 'zod';

/**
 * Durations in paas.yml: a number with a unit, `250ms`, `5s`, `10m`, `2h`, or `0` (= disabled where
 * a field says so). A bare number other than 0 is refused: `30` could mean seconds or milliseconds.
 */
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration to milliseconds, or null when it is not one. */
export function parseDuration(v: unknown): number | null {
  if (v === 0 || v === '0') return 0;
  if (typeof v !== 'string') return null;
  const m = DURATION_RE.exec(v.trim());
  if (!m) return null;
  const ms = Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
  return Number.isFinite(ms) ? ms : null;
}

/** Formats milliseconds back to the shortest exact unit (for messages and docs). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A zod duration field that yields milliseconds, bounded to [min, max]. */
export function durationMs(opts: { min?: number; max?: number } = {}) {
  const min = opts.min ?? 0;
  const max = opts.max ?? 7 * 24 * 3_600_000;
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration such as 500ms, 5s, 10m or 2h (a bare number other than 0 is ambiguous)',
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${formatDuration(min)} and ${formatDuration(max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
