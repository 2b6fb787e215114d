/**
 * Check results as the output contract prints them: one logfmt line per check
 * (`ops_check status=<s> check=<name> kind=<kind> reason=<token> ms=<n> values=<k:v,...>`) and a
 * markdown table for the job summary. Only structured fields are printed: tokens and numbers.
 */
import type { Redactor } from '../../redaction/redactor.js';
import { statusLine } from '../../output/logfmt.js';
import { markdownTable } from '../../output/summary.js';
import type { CheckResult } from './types.js';

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Math.round(n * 1000) / 1000);
}

function valuesList(values: Record<string, number>): string[] {
  return Object.entries(values).map(([k, v]) => `${k}:${formatNumber(v)}`);
}

export function checkLine(r: CheckResult, redactor: Redactor, command = 'ops_check'): string {
  const vals = valuesList(r.values);
  return statusLine(
    command,
    [
      ['status', r.status],
      ['check', r.name],
      ['kind', r.kind],
      ['reason', r.reason],
      ['ms', r.ms],
      ['values', vals.length ? vals : undefined],
    ],
    redactor,
  );
}

export function checksTable(results: readonly CheckResult[]): string {
  return markdownTable(
    ['check', 'kind', 'status', 'reason', 'values', 'ms'],
    results.map((r) => [r.name, r.kind, r.status, r.reason ?? '', valuesList(r.values).join(', '), r.ms]),
  );
}
