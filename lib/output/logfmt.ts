import type { Redactor } from '../redaction/redactor.js';

/**
 * One-line status output in logfmt: `<command> key=value ...` with keys in the order given and
 * every key in the allowlist below. Fails closed: if any value looks secret (registered value or
 * pattern), the whole line becomes `<command> status=fail reason=sensitive_value_detected`.
 */
const STATUS_KEYS = new Set([
  'status',
  'reason',
  'mode',
  'context',
  'command',
  'migrations',
  'applied',
  'pending',
  'missing',
  'checks',
  'failed',
  'check',
  'kind',
  'value',
  'release',
  'release_id',
  'previous',
  'targets',
  'target',
  'strategy',
  'batches',
  'rolled_back',
  'shard',
  'shards',
  'stage',
  'code',
  'findings',
  'files',
  'skipped',
  'contexts',
  'state_root',
  'events',
  'ms',
  'latency_ms',
  'days',
  'age_hours',
  'count',
  'file',
  'sqlstate',
  'version',
  'baselined',
  'cause',
  'line',
  // ops_daily / prod_verify / alerts
  'values',
  'expected_hours',
  'issue',
  'slack',
  'threshold',
]);

export type LogfmtValue = string | number | boolean | null | undefined | readonly (string | number)[];

const BARE = /^[A-Za-z0-9_.:,\-/@+%]+$/;

function formatValue(v: LogfmtValue): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(',') : String(v);
  return BARE.test(s) ? s : JSON.stringify(s);
}

export function statusLine(
  command: string,
  pairs: ReadonlyArray<readonly [string, LogfmtValue]>,
  redactor: Redactor,
): string {
  if (!/^[a-z][a-z0-9_]*$/.test(command)) throw new Error(`invalid status command name: ${command}`);
  const parts = [command];
  for (const [key, value] of pairs) {
    if (!STATUS_KEYS.has(key)) throw new Error(`status key not allowlisted: ${key}`);
    if (value === undefined) continue;
    const formatted = formatValue(value);
    if (redactor.containsSecret(formatted) || redactor.containsSecret(String(value))) {
      return `${command} status=fail reason=sensitive_value_detected`;
    }
    parts.push(`${key}=${formatted}`);
  }
  return parts.join(' ');
}
