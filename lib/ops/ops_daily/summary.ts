/**
 * `mode: summary` (CLI `paas ops daily --mode summary --results <dir> [--contexts a,b]`): the status
 * of every context of an ops_daily matrix run, from the JSON envelopes its jobs left
 * (workflows-templates/ops_daily-contexts.yml: each job writes its `result` output to
 * `<context>.json` and uploads it as an artifact; the summary job downloads them all into one
 * directory). GitHub Actions keeps only one value per output name for a whole matrix, so the
 * results travel as artifacts, not as job outputs.
 *
 * A context named in `contexts` without a result is `missing` (its job never ran the action: the
 * environment was refused, the runner died): an error, never green. A file that is not an ops_daily
 * envelope is `invalid`. Only allowlisted tokens leave a file (status, a reason token, an issue
 * number): the envelopes were redacted when written, and are not trusted to be well formed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CONTEXT_NAME_RE } from '../../isolation/names.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY, type ExitCode } from '../../output/exit.js';
import { statusLine } from '../../output/logfmt.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Overall } from '../checks/types.js';
import type { OpsDailyInputs } from './inputs.js';

/**
 * `results`: the directory of `<context>.json` envelopes (relative to the workspace);
 * `contexts`: the contexts the matrix ran, comma-separated: each must have a result.
 */
type SummarySettings = Pick<OpsDailyInputs, 'results' | 'contexts'>;

type ContextStatus = Overall | 'missing' | 'invalid';

/** One context's line of the summary. */
interface ContextSummary {
  context: string;
  status: ContextStatus;
  reason: string | null;
  /** what the context's own job exited with (insufficient_data on a schedule: 0) */
  exit_code: ExitCode;
  /** the alert's action (opened, commented, closed, failed, pending, ...), when it changed */
  alert: string | null;
  issue: number | null;
  file: string | null;
}

const OVERALL: readonly string[] = ['healthy', 'unhealthy', 'insufficient_data', 'error'];
const TOKEN = /^[a-z0-9_][a-z0-9_,.:-]{0,199}$/;
const MAX_FILES = 1000;
const MAX_BYTES = 1_000_000;

const token = (v: unknown): string | null => (typeof v === 'string' && TOKEN.test(v) ? v : null);
const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function exitOf(status: ContextStatus, normalized: boolean): ExitCode {
  if (status === 'healthy') return EXIT_OK;
  if (status === 'insufficient_data') return normalized ? EXIT_OK : EXIT_UNHEALTHY;
  if (status === 'unhealthy') return EXIT_UNHEALTHY;
  return EXIT_ERROR;
}

/** `<check>:<reason>` of the failing checks (unhealthy or error), at most five: why a context is red. */
function failingChecks(checks: unknown): string | null {
  if (!Array.isArray(checks)) return null;
  const parts = checks
    .map(record)
    .filter((c) => c.status === 'unhealthy' || c.status === 'error')
    .map((c) =>
      typeof c.name === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(c.name)
        ? `${c.name}:${token(c.reason) ?? c.status}`
        : null,
    )
    .filter((p): p is string => p !== null && TOKEN.test(p.toLowerCase()));
  return parts.length ? parts.slice(0, 5).join(',') : null;
}

/** The allowlisted facts of one envelope; null when it is not an ops_daily envelope of a context. */
export function summarizeEnvelope(raw: unknown, file: string | null): ContextSummary | null {
  const env = record(raw);
  if (env.command !== 'ops_daily' || typeof env.context !== 'string' || !CONTEXT_NAME_RE.test(env.context)) return null;
  const fields = record(env.fields);
  const error = record(env.error);
  const code = typeof error.code === 'string' && /^PAAS_[A-Z_]{1,60}$/.test(error.code) ? error.code : null;
  const overall = typeof fields.overall === 'string' && OVERALL.includes(fields.overall) ? fields.overall : null;
  const status: ContextStatus = (overall as Overall | null) ?? (code ? 'error' : 'invalid');
  const alert = record(fields.alert);
  const issue = Number.isSafeInteger(fields.alert_issue) ? (fields.alert_issue as number) : null;
  return {
    context: env.context,
    status,
    reason:
      token(fields.reason) ?? failingChecks(fields.checks) ?? (code ? code.replace(/^PAAS_/, '').toLowerCase() : null),
    exit_code: exitOf(status, fields.normalized === true),
    alert: alert.action === 'none' ? null : token(alert.action),
    issue: issue !== null && issue > 0 ? issue : null,
    file,
  };
}

/** The `*.json` files of `dir` (none when it does not exist: the matrix left nothing). */
function resultFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory())
    throw new PaasError('PAAS_INVALID_ARGUMENT', `results ${dir} is not a directory`, {
      stage: 'input',
      remediation: 'Pass the directory the result artifacts of the matrix jobs were downloaded into (`results`).',
    });
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length > MAX_FILES)
    throw new PaasError('PAAS_INVALID_ARGUMENT', `results ${dir} holds ${files.length} files (at most ${MAX_FILES})`, {
      stage: 'input',
      remediation: 'Download only the ops_daily result artifacts (pattern `ops_daily-*`) into the directory.',
    });
  return files;
}

/** One file's summary: `invalid` when it cannot be read as an envelope. */
function readResult(dir: string, file: string): ContextSummary {
  const path = join(dir, file);
  const invalid = (reason: string): ContextSummary => ({
    context: CONTEXT_NAME_RE.test(file.replace(/\.json$/, '')) ? file.replace(/\.json$/, '') : '-',
    status: 'invalid',
    reason,
    exit_code: EXIT_ERROR,
    alert: null,
    issue: null,
    file,
  });
  const st = statSync(path);
  if (!st.isFile() || st.size > MAX_BYTES) return invalid('not_a_result');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return invalid('not_json');
  }
  return summarizeEnvelope(raw, file) ?? invalid('not_an_ops_daily_result');
}

/** Every result, one per context (a second one for a context is `invalid reason=duplicate_result`), then the missing ones. */
function collectResults(dir: string, expected: readonly string[]): ContextSummary[] {
  const seen = new Set<string>();
  const out: ContextSummary[] = [];
  for (const f of resultFiles(dir)) {
    const r = readResult(dir, f);
    if (r.status !== 'invalid' && seen.has(r.context))
      out.push({ ...r, status: 'invalid', reason: 'duplicate_result', exit_code: EXIT_ERROR });
    else out.push(r);
    seen.add(r.context);
  }
  for (const c of expected)
    if (!seen.has(c))
      out.push({
        context: c,
        status: 'missing',
        reason: 'no_result',
        exit_code: EXIT_ERROR,
        alert: null,
        issue: null,
        file: null,
      });
  return out.sort((a, b) => a.context.localeCompare(b.context));
}

/** The worst exit (error beats unhealthy beats ok) and its overall. */
function verdict(rows: readonly ContextSummary[]): { exitCode: ExitCode; overall: Overall } {
  if (rows.some((r) => r.exit_code === EXIT_ERROR)) return { exitCode: EXIT_ERROR, overall: 'error' };
  if (rows.some((r) => r.status === 'unhealthy')) return { exitCode: EXIT_UNHEALTHY, overall: 'unhealthy' };
  const exitCode = rows.some((r) => r.exit_code === EXIT_UNHEALTHY) ? EXIT_UNHEALTHY : EXIT_OK;
  return { exitCode, overall: rows.some((r) => r.status === 'insufficient_data') ? 'insufficient_data' : 'healthy' };
}

function issueLink(rt: Runtime, n: number | null): string {
  if (!n) return '';
  const repo = rt.env.GITHUB_REPOSITORY;
  if (!repo || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) return `#${n}`;
  const server = (rt.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return `[#${n}](${server}/${repo}/issues/${n})`;
}

function summaryMarkdown(rt: Runtime, rows: readonly ContextSummary[], overall: Overall): string {
  const failed = rows.filter((r) => r.exit_code !== EXIT_OK).length;
  return [
    `**ops_daily across ${rows.length} context(s)** \`${overall}\`: ${failed} not green.`,
    '',
    markdownTable(
      ['context', 'status', 'reason', 'alert', 'issue'],
      rows.map((r) => [r.context, r.status, r.reason ?? '', r.alert ?? '', issueLink(rt, r.issue)]),
    ),
  ].join('\n');
}

/** The summary of a matrix run's results; exit 1 when a context errored or left no result, 2 when one is unhealthy. */
export function runSummaryMode(rt: Runtime, settings: SummarySettings): Outcome {
  if (!settings.results)
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      'mode summary needs `results`, the directory of the results of the contexts',
      {
        stage: 'input',
        remediation: 'Download the result artifacts of the matrix jobs into a directory and pass it as `results`.',
      },
    );
  const dir = isAbsolute(settings.results) ? settings.results : resolve(rt.workspace ?? rt.cwd, settings.results);
  const expected = settings.contexts ? settings.contexts.split(/\s*,\s*/).filter(Boolean) : [];
  const rows = collectResults(dir, expected);
  if (rows.length === 0)
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `no ops_daily results in ${settings.results} and no contexts expected`,
      {
        stage: 'input',
        remediation:
          'Pass `contexts` (the matrix contexts), so a context whose job left no result is reported missing.',
      },
    );
  const { exitCode, overall } = verdict(rows);
  const lines = rows.map((r) =>
    statusLine(
      'ops_daily_context',
      [
        ['status', r.status],
        ['context', r.context],
        ['reason', r.reason ?? undefined],
        ['issue', r.issue ?? undefined],
      ],
      rt.redactor,
    ),
  );
  const missing = rows.filter((r) => r.status === 'missing').map((r) => r.context);
  return outcome(rt.redactor, {
    command: 'ops_daily',
    context: null,
    mode: 'summary',
    status: overall,
    line: [
      ['mode', 'summary'],
      ['contexts', rows.length],
      ['failed', rows.filter((r) => r.exit_code !== EXIT_OK).length],
      ['missing', missing.length ? missing : undefined],
    ],
    extraLines: lines,
    exitCode,
    fields: { overall, contexts: rows },
    summary: summaryMarkdown(rt, rows, overall),
  });
}
