/**
 * Migration lint (dry_run): DDL that takes long or blocking locks on existing tables, found with
 * PostgreSQL's own parser (libpg-query, the server's grammar compiled to WASM), never with regexes.
 *
 * Each finding names a rule, the file and line (from the parser's statement location), why it
 * hurts and the safe pattern. A table created earlier in the same file is new (empty, invisible to
 * running code), so statements on it are not findings. A file opts out of a rule with a header
 * comment that gives a reason:
 *
 *   -- paas:lint-ignore create_index_not_concurrently reason: table holds 40 rows, built at deploy
 *
 * A header without a reason (or naming an unknown rule) is itself a finding and is not applied.
 * The parser is loaded on first use only (1.7 MB of WASM): nothing else pays for it.
 */
import { createHash } from 'node:crypto';
import { sarifLog } from '../../output/sarif.js';
import { errorMessage } from '../../output/errors.js';
import { statementHead } from './plan.js';

export type LintSeverity = 'error' | 'warning';

export interface LintRule {
  id: string;
  severity: LintSeverity;
  title: string;
  why: string;
  fix: string;
}

const rule = (id: string, severity: LintSeverity, title: string, why: string, fix: string): LintRule => ({
  id,
  severity,
  title,
  why,
  fix,
});

export const LINT_RULES = {
  create_index_not_concurrently: rule(
    'create_index_not_concurrently',
    'error',
    'CREATE INDEX without CONCURRENTLY on an existing table',
    'CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS ... in its own file that starts with `-- migrate:up transaction:false`',
  ),
  add_column_not_null_without_default: rule(
    'add_column_not_null_without_default',
    'error',
    'ADD COLUMN ... NOT NULL without DEFAULT',
    'on a table that has rows the statement fails (the new column would be NULL in every row); until it fails it holds an ACCESS EXCLUSIVE lock',
    'ADD COLUMN ... NOT NULL DEFAULT <constant> (no rewrite since PostgreSQL 11), or add it nullable, backfill in batches, then add the NOT NULL through a NOT VALID check (see set_not_null)',
  ),
  alter_column_type: rule(
    'alter_column_type',
    'error',
    'ALTER COLUMN ... TYPE on an existing table',
    'changing a column type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it ends (only a few changes, such as varchar(n) to text or a longer varchar, skip the rewrite)',
    'add a new column of the new type, write both from the code, backfill in batches, switch reads, then drop the old column; for a change known not to rewrite, opt out with a reason',
  ),
  add_constraint_without_not_valid: rule(
    'add_constraint_without_not_valid',
    'error',
    'ADD CONSTRAINT (FOREIGN KEY or CHECK) without NOT VALID',
    'adding a FOREIGN KEY or CHECK constraint scans the whole table to validate it while holding a lock that blocks writes (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a FOREIGN KEY)',
    'ADD CONSTRAINT ... NOT VALID (instant), then ALTER TABLE ... VALIDATE CONSTRAINT ... in a later statement or file (scans without blocking writes)',
  ),
  add_unique_without_index: rule(
    'add_unique_without_index',
    'warning',
    'ADD UNIQUE / PRIMARY KEY constraint that builds its index',
    'the unique index is built under an ACCESS EXCLUSIVE lock: no reads or writes until it is built',
    'CREATE UNIQUE INDEX CONCURRENTLY ... (transaction:false file), then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ... (or PRIMARY KEY USING INDEX)',
  ),
  set_not_null: rule(
    'set_not_null',
    'warning',
    'ALTER COLUMN ... SET NOT NULL on an existing column',
    'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock to prove there is no NULL',
    'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+ uses the valid check and skips the scan) and drop the check',
  ),
  vacuum_full: rule(
    'vacuum_full',
    'error',
    'VACUUM FULL',
    'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: no reads or writes until it ends, and it needs room for a second copy',
    'plain VACUUM (no lock on reads and writes); to shrink a bloated table online use pg_repack or pg_squeeze, outside migrations',
  ),
  rename_table: rule(
    'rename_table',
    'error',
    'RENAME of a table',
    'code that is running (the release before this deploy) still uses the old name and fails the moment the rename commits',
    'expand and contract: create the new table (or a view with the new name over the old table), deploy code that uses it, then drop the old name in a later migration',
  ),
  rename_column: rule(
    'rename_column',
    'error',
    'RENAME of a column',
    'code that is running (the release before this deploy) still reads and writes the old column name and fails the moment the rename commits',
    'expand and contract: add the new column, write both, backfill, deploy code that reads the new one, then drop the old column in a later migration',
  ),
  drop_column: rule(
    'drop_column',
    'warning',
    'DROP COLUMN on an existing table',
    'code that is running (the release before this deploy) may still select or insert the column and fails when it is gone (SELECT * and ORMs that list every column too)',
    'deploy code that no longer uses the column first (ORMs: mark it ignored), then drop it in a later migration',
  ),
  lock_table_access_exclusive: rule(
    'lock_table_access_exclusive',
    'warning',
    'LOCK TABLE ... ACCESS EXCLUSIVE',
    'an explicit ACCESS EXCLUSIVE lock blocks every read and write of the table until the file commits',
    'take the weakest lock that protects the change (SHARE ROW EXCLUSIVE blocks writes only), keep the file short, and rely on lock_timeout',
  ),
  concurrently_in_transaction: rule(
    'concurrently_in_transaction',
    'error',
    'CONCURRENTLY inside a transaction',
    'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY inside a transaction block, and every file without the no-transaction header runs in one',
    'move the statement to its own file that starts with `-- migrate:up transaction:false`',
  ),
  parse_error: rule(
    'parse_error',
    'error',
    'PostgreSQL cannot parse the file',
    "PostgreSQL's parser rejects this SQL, so the migration fails when it runs",
    "fix the syntax (the parser is PostgreSQL 18's; psql meta-commands such as \\connect are not SQL)",
  ),
  lint_ignore_without_reason: rule(
    'lint_ignore_without_reason',
    'error',
    'lint-ignore header without a reason',
    'an opt-out without a reason cannot be reviewed; it is not applied',
    '-- paas:lint-ignore <rule>[,<rule>] reason: <why this is safe here>',
  ),
  lint_ignore_unknown_rule: rule(
    'lint_ignore_unknown_rule',
    'warning',
    'lint-ignore header names an unknown rule',
    'the header names no rule of this linter (a typo silences nothing)',
    'use a rule id from docs/db_bootstrap.md (Lint)',
  ),
} as const satisfies Record<string, LintRule>;

export type LintRuleId = keyof typeof LINT_RULES;

export interface LintFinding {
  rule: LintRuleId;
  severity: LintSeverity;
  file: string;
  line: number;
  /** the statement as written (its beginning, comments removed) */
  statement: string;
  why: string;
  fix: string;
  /** the opt-out header that suppressed it, with its reason */
  ignored: string | null;
}

export interface LintInput {
  relPath: string;
  /** the SQL that runs (dbmate: the up section) */
  up: string;
  /** 1-based line of the file where `up` starts */
  upLine: number;
  transaction: boolean;
  /** the whole normalized file (for the header); default: up */
  text?: string;
}

export interface LintReport {
  files: number;
  statements: number;
  findings: LintFinding[];
  ms: number;
}

interface PgParser {
  parseSync(sql: string): { stmts?: Array<{ stmt?: unknown; stmt_location?: number; stmt_len?: number }> };
}

let parserPromise: Promise<PgParser> | null = null;

/** PostgreSQL's parser, loaded on first use. */
export function loadParser(): Promise<PgParser> {
  parserPromise ??= (async () => {
    const ns = await import('libpg-query');
    // the package's CommonJS entry (what a bundler picks for node) arrives as `default`
    const m = typeof ns.loadModule === 'function' ? ns : (ns as unknown as { default: typeof ns }).default;
    await m.loadModule();
    return { parseSync: (sql: string) => m.parseSync(sql) as ReturnType<PgParser['parseSync']> };
  })();
  return parserPromise;
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj | null => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : null);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
/** `{ Kind: {...} }` → [Kind, body] */
const node = (x: unknown): [string, Obj] | null => {
  const o = obj(x);
  if (!o) return null;
  const k = Object.keys(o)[0];
  if (!k) return null;
  const body = obj(o[k]);
  return body ? [k, body] : null;
};
const relName = (rv: unknown): string | null => {
  const r = obj(rv);
  const name = r && str(r.relname);
  return name ? name.toLowerCase() : null;
};
const qualified = (rv: unknown): string => {
  const r = obj(rv);
  if (!r) return '?';
  return [str(r.schemaname), str(r.relname)].filter(Boolean).join('.');
};

const IGNORE_RE = /^--\s*paas:lint-ignore\b(.*)$/;

interface Header {
  ignores: Map<string, string>;
  problems: LintFinding[];
}

/** The opt-out headers: `-- paas:lint-ignore rule[,rule] reason: text` in the comment lines at the top of the file. */
function readHeader(input: LintInput): Header {
  const text = input.text ?? input.up;
  const ignores = new Map<string, string>();
  const problems: LintFinding[] = [];
  const lines = text.split('\n');
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] as string).trim();
    if (inBlock) {
      if (l.includes('*/')) inBlock = false;
      continue;
    }
    if (l === '') continue;
    if (l.startsWith('/*')) {
      inBlock = !l.includes('*/', 2);
      continue;
    }
    if (!l.startsWith('--')) break;
    const m = IGNORE_RE.exec(l);
    if (!m) continue;
    const rest = (m[1] as string).trim();
    const r = /^(.*?)\s*\breason:\s*(.*)$/i.exec(rest);
    const rulesPart = (r ? (r[1] as string) : rest).trim();
    const reason = r ? (r[2] as string).trim() : '';
    const ids = rulesPart.split(/[\s,]+/).filter(Boolean);
    const base = { file: input.relPath, line: i + 1, statement: l, ignored: null };
    if (!reason || ids.length === 0) {
      const d = LINT_RULES.lint_ignore_without_reason;
      problems.push({
        ...base,
        rule: 'lint_ignore_without_reason',
        severity: d.severity,
        why: ids.length === 0 ? 'the header names no rule' : d.why,
        fix: d.fix,
      });
      continue;
    }
    for (const id of ids) {
      if (!(id in LINT_RULES)) {
        const d = LINT_RULES.lint_ignore_unknown_rule;
        problems.push({
          ...base,
          rule: 'lint_ignore_unknown_rule',
          severity: d.severity,
          why: `${id}: ${d.why}`,
          fix: d.fix,
        });
        continue;
      }
      ignores.set(id, reason);
    }
  }
  return { ignores, problems };
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c;

/** From a statement location (bytes), the first byte of its first token: whitespace and comments skipped. */
function firstToken(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const b = buf[i] as number;
    if (isSpace(b)) i++;
    else if (b === 0x2d && buf[i + 1] === 0x2d) {
      while (i < end && buf[i] !== 0x0a) i++;
    } else if (b === 0x2f && buf[i + 1] === 0x2a) {
      let depth = 1;
      i += 2;
      while (i < end && depth > 0) {
        if (buf[i] === 0x2f && buf[i + 1] === 0x2a) {
          depth++;
          i += 2;
        } else if (buf[i] === 0x2a && buf[i + 1] === 0x2f) {
          depth--;
          i += 2;
        } else i++;
      }
    } else break;
  }
  return i;
}

function lineStarts(buf: Buffer): number[] {
  const starts = [0];
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], byte: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= byte) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** One file being linted: its findings, its opt-out header, the tables it created (new: never findings). */
interface FileLint {
  input: LintInput;
  ignores: Map<string, string>;
  findings: LintFinding[];
  created: Set<string>;
}

/** The statement being linted: the file line of its first keyword and its text as written. */
interface StmtAt {
  line: number;
  text: string;
}

/** Lints one migration file. */
export function lintMigration(parser: PgParser, input: LintInput): { findings: LintFinding[]; statements: number } {
  const header = readHeader(input);
  const f: FileLint = { input, ignores: header.ignores, findings: [...header.problems], created: new Set() };
  const buf = Buffer.from(input.up, 'utf8');
  const starts = lineStarts(buf);
  let stmts: NonNullable<ReturnType<PgParser['parseSync']>['stmts']>;
  try {
    stmts = parser.parseSync(input.up).stmts ?? [];
  } catch (e) {
    f.findings.push(parseErrorFinding(e, input));
    return { findings: f.findings, statements: 0 };
  }
  for (const s of stmts) {
    const loc = s.stmt_location ?? 0;
    const end = s.stmt_len ? loc + s.stmt_len : buf.length;
    const first = firstToken(buf, loc, end);
    const at = { line: input.upLine + lineAt(starts, first) - 1, text: buf.subarray(first, end).toString('utf8') };
    const n = node(s.stmt);
    if (n) lintStatement(f, at, n[0], n[1]);
  }
  return { findings: f.findings, statements: stmts.length };
}

/** The file does not parse: one finding on the line PostgreSQL's parser names. */
function parseErrorFinding(e: unknown, input: LintInput): LintFinding {
  const d = LINT_RULES.parse_error;
  const details = obj(obj(e)?.sqlDetails);
  const pos = typeof details?.cursorPosition === 'number' ? details.cursorPosition : -1;
  // cursorPosition counts characters from 1 (0: unknown)
  const line = pos > 0 ? input.upLine + input.up.slice(0, pos - 1).split('\n').length - 1 : input.upLine;
  return {
    rule: 'parse_error',
    severity: d.severity,
    file: input.relPath,
    line,
    statement: '',
    why: `${errorMessage(e)}: ${d.why}`,
    fix: d.fix,
    ignored: null,
  };
}

function flag(f: FileLint, at: StmtAt, id: LintRuleId, detail?: string): void {
  const d = LINT_RULES[id];
  f.findings.push({
    rule: id,
    severity: d.severity,
    file: f.input.relPath,
    line: at.line,
    statement: statementHead(at.text),
    why: detail ? `${detail}: ${d.why}` : d.why,
    fix: d.fix,
    ignored: f.ignores.get(id) ?? null,
  });
}

/** A table created earlier in this file: new, empty, unused by running code. */
function isNew(f: FileLint, rv: unknown): boolean {
  const n = relName(rv);
  return n !== null && f.created.has(n);
}

function noteCreated(f: FileLint, rv: unknown): void {
  const name = relName(rv);
  if (name) f.created.add(name);
}

function lintStatement(f: FileLint, at: StmtAt, kind: string, body: Obj): void {
  switch (kind) {
    case 'CreateStmt':
      return noteCreated(f, body.relation);
    case 'CreateTableAsStmt':
      return noteCreated(f, obj(body.into)?.rel);
    case 'IndexStmt':
      if (body.concurrent === true) {
        if (f.input.transaction) flag(f, at, 'concurrently_in_transaction', 'CREATE INDEX CONCURRENTLY');
      } else if (!isNew(f, body.relation))
        flag(
          f,
          at,
          'create_index_not_concurrently',
          `index ${str(body.idxname) ?? '(unnamed)'} on ${qualified(body.relation)}`,
        );
      return;
    case 'ReindexStmt':
      if (arr(body.params).some((p) => str(node(p)?.[1].defname) === 'concurrently') && f.input.transaction)
        flag(f, at, 'concurrently_in_transaction', 'REINDEX CONCURRENTLY');
      return;
    case 'DropStmt':
      if (body.concurrent === true && f.input.transaction)
        flag(f, at, 'concurrently_in_transaction', 'DROP INDEX CONCURRENTLY');
      return;
    case 'VacuumStmt':
      if (isVacuumFull(body) && body.is_vacuumcmd !== false) flag(f, at, 'vacuum_full');
      return;
    case 'LockStmt':
      return lintLock(f, at, body);
    case 'RenameStmt':
      return lintRename(f, at, body);
    case 'AlterTableStmt':
      return lintAlterTable(f, at, body);
    default:
      return;
  }
}

function isVacuumFull(body: Obj): boolean {
  return arr(body.options).some((o) => {
    const d = node(o)?.[1];
    if (!d || str(d.defname) !== 'full') return false;
    const a = node(d.arg);
    // FULL and FULL true/on/1 rewrite; FULL false/off/0 is a plain vacuum (the parser leaves false/0 out)
    if (!a) return true;
    const [k, v] = a;
    if (k === 'Boolean') return v.boolval === true;
    if (k === 'Integer') return typeof v.ival === 'number' && v.ival !== 0;
    return !['false', 'off', '0', 'no'].includes(String(v.sval ?? '').toLowerCase());
  });
}

function lintLock(f: FileLint, at: StmtAt, body: Obj): void {
  // LOCK TABLE without a mode is ACCESS EXCLUSIVE (8)
  if ((body.mode ?? 8) !== 8) return;
  const rels = arr(body.relations)
    .map((r) => node(r)?.[1])
    .filter((r) => r && !isNew(f, r));
  if (rels.length) flag(f, at, 'lock_table_access_exclusive', rels.map(qualified).join(', '));
}

function lintRename(f: FileLint, at: StmtAt, body: Obj): void {
  if (isNew(f, body.relation)) return;
  const t = str(body.renameType);
  if (t === 'OBJECT_TABLE') flag(f, at, 'rename_table', `${qualified(body.relation)} to ${str(body.newname) ?? '?'}`);
  else if (t === 'OBJECT_COLUMN' && str(body.relationType) === 'OBJECT_TABLE')
    flag(
      f,
      at,
      'rename_column',
      `${qualified(body.relation)}.${str(body.subname) ?? '?'} to ${str(body.newname) ?? '?'}`,
    );
}

function lintAlterTable(f: FileLint, at: StmtAt, body: Obj): void {
  if (str(body.objtype) !== 'OBJECT_TABLE' || isNew(f, body.relation)) return;
  const table = qualified(body.relation);
  for (const c of arr(body.cmds)) {
    const cmd = node(c)?.[1];
    if (!cmd) continue;
    const sub = str(cmd.subtype);
    const def = node(cmd.def);
    if (sub === 'AT_AddColumn' && def?.[0] === 'ColumnDef') {
      const types = arr(def[1].constraints).map((x) => str(node(x)?.[1].contype));
      const hasDefault = types.some(
        (t) => t === 'CONSTR_DEFAULT' || t === 'CONSTR_IDENTITY' || t === 'CONSTR_GENERATED',
      );
      if (types.includes('CONSTR_NOTNULL') && !hasDefault)
        flag(f, at, 'add_column_not_null_without_default', `${table}.${str(def[1].colname) ?? '?'}`);
    } else if (sub === 'AT_AlterColumnType') flag(f, at, 'alter_column_type', `${table}.${str(cmd.name) ?? '?'}`);
    else if (sub === 'AT_SetNotNull') flag(f, at, 'set_not_null', `${table}.${str(cmd.name) ?? '?'}`);
    else if (sub === 'AT_DropColumn') flag(f, at, 'drop_column', `${table}.${str(cmd.name) ?? '?'}`);
    else if (sub === 'AT_AddConstraint' && def?.[0] === 'Constraint') lintAddConstraint(f, at, table, def[1]);
  }
}

function lintAddConstraint(f: FileLint, at: StmtAt, table: string, con: Obj): void {
  const type = str(con.contype);
  const name = str(con.conname) ?? type?.replace(/^CONSTR_/, '').toLowerCase() ?? '?';
  if ((type === 'CONSTR_FOREIGN' || type === 'CONSTR_CHECK') && con.skip_validation !== true)
    flag(
      f,
      at,
      'add_constraint_without_not_valid',
      `${type === 'CONSTR_FOREIGN' ? 'foreign key' : 'check'} ${name} on ${table}`,
    );
  else if (
    (type === 'CONSTR_UNIQUE' || type === 'CONSTR_PRIMARY' || type === 'CONSTR_EXCLUSION') &&
    !str(con.indexname)
  )
    flag(
      f,
      at,
      'add_unique_without_index',
      `${type === 'CONSTR_PRIMARY' ? 'primary key' : type === 'CONSTR_UNIQUE' ? 'unique' : 'exclusion'} ${name} on ${table}`,
    );
}

/** Lints every file of a plan; the parser is loaded here (first call only). */
export async function lintPlan(files: LintInput[]): Promise<LintReport> {
  const t0 = performance.now();
  const parser = await loadParser();
  const findings: LintFinding[] = [];
  let statements = 0;
  for (const f of files) {
    const r = lintMigration(parser, f);
    findings.push(...r.findings);
    statements += r.statements;
  }
  return { files: files.length, statements, findings, ms: Math.round(performance.now() - t0) };
}

export const openLintFindings = (r: LintReport): LintFinding[] => r.findings.filter((f) => !f.ignored);

/** One line per finding, for the log and the CLI: `file:line: severity rule: statement: why. Safe: fix` */
export function findingLine(f: LintFinding): string {
  return `${f.file}:${f.line}: ${f.severity} ${f.rule}${f.ignored ? ` (ignored: ${f.ignored})` : ''}: ${f.statement ? `\`${f.statement}\`: ` : ''}${f.why}. Safe: ${f.fix}`;
}

/** SARIF 2.1.0 of a lint (code scanning): one rule per lint rule, opt-outs as accepted suppressions. */
export function lintSarif(
  report: LintReport,
  opts: { srcRoot?: string | null; version: string },
): Record<string, unknown> {
  const used = [...new Set(report.findings.map((f) => f.rule))];
  const rules = used.map((id) => {
    const d = LINT_RULES[id];
    return {
      id,
      name: id.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase()),
      shortDescription: { text: d.title },
      fullDescription: { text: `${d.title}: ${d.why}.` },
      help: {
        text: `Safe pattern: ${d.fix}. Opt a file out with a header line \`-- paas:lint-ignore ${id} reason: <why it is safe here>\`.`,
      },
      defaultConfiguration: { level: d.severity },
      properties: { tags: ['postgresql', 'migrations', 'locking', 'paas-db-lint'], precision: 'high' },
    };
  });
  const results = report.findings.map((f) => {
    const r: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: used.indexOf(f.rule),
      level: f.severity,
      message: { text: `${f.statement ? `\`${f.statement}\`: ` : ''}${f.why}. Safe: ${f.fix}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' },
            region: { startLine: f.line },
          },
        },
      ],
      // the file, rule and statement, not the line: an alert survives lines added above it
      partialFingerprints: {
        'paasDbLint/v1': createHash('sha256').update(`${f.file}\0${f.rule}\0${f.statement}`).digest('hex').slice(0, 32),
      },
    };
    if (f.ignored) r.suppressions = [{ kind: 'inSource', status: 'accepted', justification: f.ignored }];
    return r;
  });
  return sarifLog({
    name: 'paas-db-lint',
    version: opts.version,
    automationId: 'paas-db-lint/',
    rules,
    results,
    srcRoot: opts.srcRoot,
  });
}
