/**
 * Renderings of a doctor report: SARIF 2.1.0 (code scanning), GitHub annotations, the job
 * summary and the human text of the CLI. Each holds previews and fingerprints only.
 */
import { sarifLog } from '../../output/sarif.js';
import { annotationCommand, markdownTable } from '../../output/summary.js';
import { TOKEN_RULES } from './patterns.js';
import { ARTIFACT_RULES } from './tree.js';
import { CHECK_NAMES, type CheckName, type DoctorReport, type Finding } from './types.js';

const TOOL_NAME = 'paas-doctor';
const TOOL_VERSION = '0.1.0';
export { SARIF_SCHEMA } from '../../output/sarif.js';

const CHECK_TITLES: Record<CheckName, string> = {
  state_root_outside_repo: 'State root outside the repository',
  context_vault_outside_repo: 'Context vaults outside the repository, one per context, mode 0600',
  repo_private_state_artifacts: 'No private state artifacts in the repository',
  repo_plaintext_secret_exposure: 'No plaintext secrets in the repository',
  cross_context_contamination: 'No target, vault or event shared between contexts',
};

const KIND_TITLES: Record<string, string> = {
  registered_secret: 'A registered secret (vault or environment value) in a file, in some encoding',
  secret_named_key: 'A secret-named key with a plaintext value',
  k8s_secret_value: 'A value in a Kubernetes Secret manifest',
  state_root_inside_repo: 'The state root is inside a repository or the workspace',
  state_root_mode: 'The state root is readable by other users',
  state_root_unusable: 'The state root cannot be used as a directory (a dangling symlink, a file or device, no access)',
  vault_inside_repo: 'A context vault file inside a repository or the workspace',
  vault_file_mode: 'A context vault file readable by other users',
  vault_file_missing: 'A context vault file that does not exist',
  vault_shared: 'Two contexts share a vault file',
  shared_target: 'Two contexts share a target',
  shared_vault: 'Two contexts share a vault',
  shared_vault_value: 'Two contexts share a vault value',
  shared_state_path: 'Two contexts share a state path',
  foreign_event: 'Events recorded under another context',
  shared_event: 'The same event recorded in two contexts',
  foreign_history: 'History rows of another context',
  context_unreadable: 'A context whose configuration cannot be read',
};
for (const r of TOKEN_RULES) KIND_TITLES[r.kind] ??= r.title;
for (const r of ARTIFACT_RULES) KIND_TITLES[r.kind] ??= `Private state artifact: ${r.what}`;

function kindTitle(kind: string): string {
  return KIND_TITLES[kind] ?? kind.replace(/_/g, ' ');
}

export const allFindings = (r: DoctorReport): Finding[] => r.checks.flatMap((c) => c.findings);
export const openFindings = (r: DoctorReport): Finding[] => allFindings(r).filter((f) => !f.baselined);

/**
 * One line of report text that the redactor reads as a line of its own: control characters
 * escaped (a file name may hold a newline), and PEM armor (`-----BEGIN X PRIVATE KEY-----`)
 * written without its dashes. An armor line in a preview or a file name opened a private key
 * block in the redactor that was never closed, and the rest of the text or summary, every
 * finding after the first key, was masked as part of it.
 */
export function safeText(s: string): string {
  return (
    s
      .replace(/-{5,}\s*(BEGIN|END)\b([^\n-]{0,80})-{5,}/g, (_m, w: string, label: string) => `${w}${label.trimEnd()}`)
      .replace(/-{5,}/g, '----')
      // eslint-disable-next-line no-control-regex -- escaping control characters is the point
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
        c === '\n'
          ? '\\n'
          : c === '\r'
            ? '\\r'
            : c === '\t'
              ? '\\t'
              : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
  );
}

const location = (f: Finding) =>
  f.file ? safeText(`${f.file}${f.line ? `:${f.line}` : ''}${f.column ? `:${f.column}` : ''}`) : '';

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' };
  properties: { tags: string[]; 'security-severity': string; precision: string };
}

function ruleName(kind: string): string {
  return kind.replace(/(^|_)([a-z0-9])/g, (_, _s: string, c: string) => c.toUpperCase());
}

const HELP: Record<CheckName, string> = {
  state_root_outside_repo:
    'Move the state root outside any repository: --state-root ~/.paas, or state_root: ${{ runner.temp }}/paas-state in Actions.',
  context_vault_outside_repo: 'Keep each context vault outside the repository, one file per context, chmod 600.',
  repo_private_state_artifacts:
    'Remove the file from the repository (git rm --cached), add it to .gitignore, and rotate anything it held.',
  repo_plaintext_secret_exposure:
    'Remove the value, rotate the secret, and read it from the vault or a secret instead; accept a false positive with `paas doctor --update-baseline`.',
  cross_context_contamination: 'Give every context its own targets, vault and state; see docs/doctor.md.',
};

/** The SARIF rules of a run, one per (check, kind), in the order their first finding comes. */
class SarifRules {
  readonly rules: SarifRule[] = [];
  private readonly index = new Map<string, number>();

  /** The rule of finding f (added on first use): its id and index. */
  of(f: Finding): { id: string; i: number } {
    const id = `${f.check}/${f.kind}`;
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.rules.length;
      this.index.set(id, i);
      this.rules.push({
        id,
        name: ruleName(f.kind),
        shortDescription: { text: kindTitle(f.kind) },
        fullDescription: { text: `${CHECK_TITLES[f.check]}: ${kindTitle(f.kind)}.` },
        help: { text: HELP[f.check] },
        defaultConfiguration: { level: f.severity === 'critical' ? 'error' : 'warning' },
        properties: {
          tags: ['security', 'secrets', 'paas-doctor'],
          'security-severity': f.severity === 'critical' ? '9.0' : '7.0',
          precision: f.kind === 'secret_named_key' ? 'medium' : 'high',
        },
      });
    }
    return { id, i };
  }
}

/** A finding with a file as a SARIF result (baselined: suppressed, accepted). */
function sarifResult(f: Finding & { file: string }, id: string, i: number, message: { text: string }): unknown {
  const result: Record<string, unknown> = {
    ruleId: id,
    ruleIndex: i,
    level: f.severity === 'critical' ? 'error' : 'warning',
    message,
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line ?? 1, ...(f.column ? { startColumn: f.column } : {}) },
        },
      },
    ],
    partialFingerprints: { 'paasDoctor/v2': f.fingerprint },
  };
  if (f.baselined)
    result.suppressions = [
      { kind: 'external', status: 'accepted', justification: 'accepted in the doctor baseline file' },
    ];
  return result;
}

export function toSarif(report: DoctorReport, opts: { srcRoot?: string | null } = {}): Record<string, unknown> {
  const rules = new SarifRules();
  const results: unknown[] = [];
  const notifications: unknown[] = [];
  for (const f of allFindings(report)) {
    const { id, i } = rules.of(f);
    const message = { text: `${kindTitle(f.kind)}: ${safeText(f.preview)}` };
    if (f.file) results.push(sarifResult({ ...f, file: f.file }, id, i, message));
    else
      notifications.push({
        level: f.baselined ? 'note' : 'error',
        message,
        descriptor: { id },
        associatedRule: { id, index: i },
      });
  }
  return sarifLog({
    name: TOOL_NAME,
    version: TOOL_VERSION,
    automationId: 'paas-doctor/',
    rules: rules.rules,
    results,
    notifications,
    srcRoot: opts.srcRoot,
  });
}

// ---------------------------------------------------------------------------------------------
// Annotations, summary, text

/** Workflow commands for the open findings with a file (the runner shows at most 10 errors per step). */
export function annotations(report: DoctorReport, opts: { prefix?: string; max?: number } = {}): string[] {
  const max = opts.max ?? 10;
  const open = openFindings(report);
  const out: string[] = [];
  for (const f of open.filter((x) => x.file).slice(0, max)) {
    out.push(
      annotationCommand({
        level: f.severity === 'critical' ? 'error' : 'warning',
        file: `${opts.prefix ?? ''}${f.file}`,
        line: f.line,
        title: `paas doctor: ${f.kind}`,
        message: `${kindTitle(f.kind)}: ${safeText(f.preview)} (${f.check})`,
      }),
    );
  }
  const noFile = open.filter((x) => !x.file);
  for (const f of noFile.slice(0, max))
    out.push(
      annotationCommand({
        level: 'error',
        title: `paas doctor: ${f.kind}`,
        message: `${f.check}: ${safeText(f.preview)}`,
      }),
    );
  const rest = open.length - Math.min(max, open.filter((x) => x.file).length) - Math.min(max, noFile.length);
  if (rest > 0)
    out.push(
      annotationCommand({
        level: 'notice',
        title: 'paas doctor',
        message: `${rest} more finding(s): see the job summary, the SARIF file or \`paas doctor --json\`.`,
      }),
    );
  return out;
}

/**
 * GitHub keeps at most 1 MiB of summary per step; the findings tables stop a little before that
 * and say how many rows did not fit (the SARIF file and `--json` hold them all).
 */
const LEGACY_BASELINE_NOTE =
  'warning: the baseline uses format 1 (unsalted SHA-256 fingerprints: a guessed secret can be confirmed offline); rewrite it with `paas doctor --update-baseline` and commit it.';

const SUMMARY_BUDGET = 900 * 1024;

function findingRow(f: Finding): string[] {
  return [location(f) || '-', f.check, f.kind, f.severity, safeText(f.preview)];
}

/** The summary's table of checks: result, open findings (and baselined ones), detail. */
function checksTable(report: DoctorReport): string {
  return markdownTable(
    ['check', 'result', 'findings', 'detail'],
    report.checks.map((c) => {
      const baselined = c.findings.filter((f) => f.baselined).length;
      return [
        c.name,
        c.ok ? 'ok' : 'FAIL',
        `${c.findings.length - baselined}${baselined ? ` (+${baselined} baselined)` : ''}`,
        safeText(c.detail),
      ];
    }),
  );
}

/** Tables of findings that share one size budget (GitHub keeps 1 MiB of summary per step). */
class SummaryTables {
  constructor(
    private readonly parts: string[],
    private used: number,
    private readonly budget: number,
  ) {}

  /** a table of every finding in `list`, as long as the budget lasts */
  add(title: string, list: Finding[]): void {
    if (!list.length) return;
    const rows: string[][] = [];
    for (const f of list) {
      const row = findingRow(f);
      const size = row.reduce((n, c) => n + c.length + 3, 2);
      if (this.used + size > this.budget) break;
      this.used += size;
      rows.push(row);
    }
    const cut = list.length - rows.length;
    this.parts.push(
      '',
      `#### ${title} (${list.length})`,
      '',
      markdownTable(['location', 'check', 'kind', 'severity', 'preview'], rows),
    );
    if (cut)
      this.parts.push(
        '',
        `${cut} more finding(s) did not fit in the job summary (GitHub keeps 1 MiB per step): ` +
          'see the SARIF file or `paas doctor --json`.',
      );
  }
}

/** What was checked: files, bytes, skipped files, registered secrets, time. */
function scopeLine(report: DoctorReport): string {
  const s = report.skipped;
  return safeText(
    `${report.files} files checked (${report.listing}${report.root ? ` under ${report.root}` : ''}), ` +
      `${Math.round(report.bytes / 1024)} KiB; skipped: ${s.binary} binary, ${s.oversized} oversized, ` +
      `${s.symlink} symlinks, ${s.unreadable} unreadable, ${s.missing} missing; ` +
      `${report.registered} registered secret(s) searched in every encoding; ${report.ms} ms.`,
  );
}

export function summaryMarkdown(report: DoctorReport, budget = SUMMARY_BUDGET): string {
  const checks = checksTable(report);
  const parts: string[] = [checks];
  const tables = new SummaryTables(parts, checks.length, budget);
  const all = allFindings(report);
  tables.add(
    'Findings',
    all.filter((f) => !f.baselined),
  );
  tables.add(
    'Accepted in the baseline',
    all.filter((f) => f.baselined),
  );
  parts.push('', scopeLine(report));
  if (report.scope) parts.push('', safeText(report.scope));
  if (report.baseline.format === 1) parts.push('', LEGACY_BASELINE_NOTE);
  if (all.some((f) => !f.baselined))
    parts.push(
      '',
      'Accept a false positive with `paas doctor --update-baseline` (the baseline never holds a value). ' +
        'Details: docs/doctor.md.',
    );
  return parts.join('\n');
}

/** The CLI's text: every check, then every one of its findings (one line each). */
export function humanText(report: DoctorReport): string {
  const lines: string[] = [];
  const failed = report.checks.filter((c) => !c.ok);
  lines.push(
    safeText(
      `paas doctor: ${failed.length ? `${failed.length} of ${report.checks.length} checks failed` : `all ${report.checks.length} checks passed`} (${report.files} files, ${report.contexts} contexts, state root ${report.state_root})`,
    ),
  );
  if (report.scope) lines.push(`  ${safeText(report.scope)}`);
  if (report.baseline.format === 1) lines.push(`  ${LEGACY_BASELINE_NOTE}`);
  for (const c of report.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${safeText(c.detail)}`);
    for (const f of c.findings)
      lines.push(
        `         ${location(f) || '-'}  ${f.kind}  ${safeText(f.preview)}${f.baselined ? '  (baselined)' : ''}`,
      );
  }
  return lines.join('\n');
}

export { CHECK_NAMES };
