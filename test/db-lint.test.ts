/**
 * db_bootstrap lint (dry_run, offline, PostgreSQL's own parser): every rule fires on its statement
 * with the right line and stays quiet on the safe pattern, on a few hundred generated Prisma and
 * Rails/dbmate migrations; opt-out headers; the dry_run's log, annotations, envelope, summary and
 * SARIF; redaction of what it prints.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverPlan } from '../lib/ops/db_bootstrap/plan.js';
import { LINT_RULES, lintMigration, lintPlan, loadParser, type LintFinding } from '../lib/ops/db_bootstrap/lint.js';
import { generateCorpus } from './harness/migration-corpus.js';
import { runDb, workspace, type Workspace } from './db-helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'paas-dblint-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (fs: LintFinding[]) =>
  fs
    .filter((f) => !f.ignored)
    .map((f) => `${f.rule}@${f.line}`)
    .sort();

async function lintText(text: string, opts: { transaction?: boolean; upLine?: number } = {}) {
  const parser = await loadParser();
  return lintMigration(parser, {
    relPath: 'db/migrations/0002_x.sql',
    up: text,
    upLine: opts.upLine ?? 1,
    transaction: opts.transaction ?? true,
    text,
  });
}

describe('rules: fire on the statement line, quiet on the safe pattern', () => {
  // every row has 4 values: a test function with more parameters than the row gets jest's `done` callback
  const cases: Array<[string, string, string, boolean]> = [
    [
      'create_index_not_concurrently',
      'CREATE INDEX orders_total_idx ON orders (total);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);',
      false,
    ],
    [
      'add_column_not_null_without_default',
      'ALTER TABLE users ADD COLUMN plan text NOT NULL;',
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      true,
    ],
    [
      'alter_column_type',
      'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
      'ALTER TABLE users ADD COLUMN id_big bigint;',
      true,
    ],
    [
      'add_constraint_without_not_valid',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fkey;',
      true,
    ],
    [
      'add_constraint_without_not_valid',
      'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);',
      'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;',
      true,
    ],
    [
      'add_unique_without_index',
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;',
      true,
    ],
    [
      'set_not_null',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
      true,
    ],
    ['vacuum_full', 'VACUUM FULL users;', 'VACUUM (FULL false, ANALYZE) users;', false],
    ['rename_table', 'ALTER TABLE users RENAME TO accounts;', 'CREATE VIEW accounts AS SELECT * FROM users;', true],
    [
      'rename_column',
      'ALTER TABLE users RENAME COLUMN name TO full_name;',
      'ALTER INDEX users_name_idx RENAME TO users_full_name_idx;',
      true,
    ],
    ['drop_column', 'ALTER TABLE users DROP COLUMN legacy;', 'ALTER TABLE users DROP CONSTRAINT legacy_ck;', true],
    ['lock_table_access_exclusive', 'LOCK TABLE users;', 'LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;', true],
    [
      'concurrently_in_transaction',
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      true,
    ],
  ];
  test.each(cases)('%s', async (ruleId, unsafe, safe, noTxForSafe) => {
    // the statement after two lines of comments and a blank line, in a dbmate file whose up section starts at line 2
    const pre = '-- what this does\n/* and why */\n\n';
    const bad = await lintText(`${pre}SELECT 1;\n   ${unsafe.replace(' ', '\n  ')}\n`, {
      upLine: 2,
      transaction: ruleId !== 'vacuum_full',
    });
    expect(at(bad.findings)).toEqual([`${ruleId}@6`]);
    const f = bad.findings[0] as LintFinding;
    expect(f.severity).toBe(LINT_RULES[ruleId as keyof typeof LINT_RULES].severity);
    expect(f.why.length).toBeGreaterThan(20);
    expect(f.fix.length).toBeGreaterThan(20);
    const good = await lintText(`${pre}${safe}\n`, {
      transaction: ruleId === 'concurrently_in_transaction' ? false : noTxForSafe,
    });
    expect(at(good.findings)).toEqual([]);
  });

  test('statements on a table created earlier in the same file are not findings; the same on an existing table are', async () => {
    const r = await lintText(
      [
        'CREATE TABLE "Invoice" (id serial PRIMARY KEY, total int);',
        'CREATE INDEX "Invoice_total_idx" ON "Invoice"(total);',
        'ALTER TABLE "Invoice" ADD COLUMN n int NOT NULL, ALTER COLUMN total TYPE bigint;',
        'ALTER TABLE "Invoice" ADD CONSTRAINT c CHECK (total > 0);',
        'CREATE INDEX "User_x_idx" ON "User"(x);',
      ].join('\n'),
    );
    expect(at(r.findings)).toEqual(['create_index_not_concurrently@5']);
  });

  test('words in strings, comments and function bodies are not statements (no regex)', async () => {
    const r = await lintText(
      "COMMENT ON TABLE t IS 'ALTER TABLE t RENAME TO u; VACUUM FULL t';\n-- CREATE INDEX i ON t(x);\nCREATE FUNCTION f() RETURNS void LANGUAGE sql AS $b$ ALTER TABLE t DROP COLUMN x $b$;\n",
    );
    expect(r.findings).toEqual([]);
  });

  test('a line with multi-byte characters before the statement: the line is right (parser offsets are bytes)', async () => {
    const r = await lintText("INSERT INTO t VALUES ('Zürich — 東京 🚀');\n\nALTER TABLE t RENAME COLUMN a TO b;\n");
    expect(at(r.findings)).toEqual(['rename_column@3']);
  });

  test('a file PostgreSQL cannot parse is a parse_error finding with its line', async () => {
    const r = await lintText('SELECT 1;\n\nALTER TABLE t ADD COLUM x int;\n');
    expect(r.findings.map((f) => [f.rule, f.line])).toEqual([['parse_error', 3]]);
    expect(r.findings[0]?.why).toContain('syntax error');
  });
});

describe('opt-out header', () => {
  test('with a reason it suppresses only the rules it names (kept as ignored, with the reason)', async () => {
    const text =
      '-- paas:lint-ignore create_index_not_concurrently, set_not_null reason: orders holds 12 rows\n-- migrate:up\nCREATE INDEX i ON orders (x);\nALTER TABLE orders ALTER COLUMN x SET NOT NULL;\nALTER TABLE orders DROP COLUMN y;\n';
    const parser = await loadParser();
    const r = lintMigration(parser, {
      relPath: 'db/migrations/0003_x.sql',
      up: text.split('\n').slice(2).join('\n'),
      upLine: 3,
      transaction: true,
      text,
    });
    expect(at(r.findings)).toEqual(['drop_column@5']);
    expect(r.findings.filter((f) => f.ignored).map((f) => [f.rule, f.line, f.ignored])).toEqual([
      ['create_index_not_concurrently', 3, 'orders holds 12 rows'],
      ['set_not_null', 4, 'orders holds 12 rows'],
    ]);
  });

  test('without a reason (or with an unknown rule) it is a finding itself and silences nothing', async () => {
    const r1 = await lintText('-- paas:lint-ignore create_index_not_concurrently\nCREATE INDEX i ON orders (x);\n');
    expect(at(r1.findings)).toEqual(['create_index_not_concurrently@2', 'lint_ignore_without_reason@1']);
    const r2 = await lintText(
      '-- paas:lint-ignore create_index_not_concurently reason: typo\nCREATE INDEX i ON orders (x);\n',
    );
    expect(at(r2.findings)).toEqual(['create_index_not_concurrently@2', 'lint_ignore_unknown_rule@1']);
  });

  test('a header below the first statement is not a header', async () => {
    const r = await lintText('SELECT 1;\n-- paas:lint-ignore drop_column reason: late\nALTER TABLE t DROP COLUMN x;\n');
    expect(at(r.findings)).toEqual(['drop_column@3']);
  });
});

describe('generated histories: Prisma and Rails/dbmate styles', () => {
  test.each([
    ['prisma', 300],
    ['dbmate', 300],
  ] as const)('%s: %i files, every expected finding at its line and nothing else', async (style, count) => {
    const dir = join(root, style);
    mkdirSync(dir, { recursive: true });
    const corpus = generateCorpus(count, style);
    for (const f of corpus) writeFileSync(join(dir, f.name), f.text);
    const plan = discoverPlan(dir, `db/${style}`);
    expect(plan.problems).toEqual([]);
    expect(plan.migrations).toHaveLength(count);
    const report = await lintPlan(
      plan.migrations.map((m) => ({
        relPath: m.relPath,
        up: m.up,
        upLine: m.upLine,
        transaction: m.transaction,
        text: readFileSync(m.absPath, 'utf8'),
      })),
    );
    const got = new Map<string, string[]>();
    for (const f of report.findings) got.set(f.file, [...(got.get(f.file) ?? []), `${f.rule}@${f.line}`]);
    const mismatches = corpus
      .filter((c) => JSON.stringify((got.get(`db/${style}/${c.name}`) ?? []).sort()) !== JSON.stringify(c.expected))
      .map((c) => ({ file: c.name, expected: c.expected, got: got.get(`db/${style}/${c.name}`) ?? [], text: c.text }));
    expect(mismatches.slice(0, 3)).toEqual([]);
    // the corpus exercises every rule it can (concurrently_in_transaction is a plan error before lint runs)
    const fired = new Set(report.findings.map((f) => f.rule));
    const want = [
      'create_index_not_concurrently',
      'add_column_not_null_without_default',
      'alter_column_type',
      'add_constraint_without_not_valid',
      'set_not_null',
      'drop_column',
      'rename_column',
      'rename_table',
      'lock_table_access_exclusive',
      ...(style === 'dbmate' ? ['vacuum_full'] : []),
    ];
    expect(want.filter((w) => !fired.has(w as never))).toEqual([]);
    expect(report.statements).toBeGreaterThan(count);
  });
});

describe('dry_run', () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = workspace({
      '0001_init.sql':
        'CREATE TABLE users (id serial PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\n',
      '0002_orders.sql':
        "-- migrate:up\nCREATE TABLE orders (id serial PRIMARY KEY, user_id int, note text);\n\nALTER TABLE users\n  ADD COLUMN plan text NOT NULL;\nALTER TABLE users ADD CONSTRAINT email_ck CHECK (email <> 'k1-');\n-- migrate:down\nDROP TABLE orders;\n",
      '0003_rename.sql':
        '-- paas:lint-ignore rename_column reason: column unused since release 41\nALTER TABLE users RENAME COLUMN email TO email_address;\nALTER TABLE users DROP COLUMN plan;\n',
    });
  });
  afterAll(() => ws.cleanup());

  test('findings in the log (annotations with file and line), envelope and summary; the status line stays the contract', async () => {
    const r = await runDb(ws, { mode: 'dry_run' });
    expect(r.lines).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(r.outcome.exitCode).toBe(0);
    const lint = r.envelope.fields.lint as Record<string, number>;
    expect(lint).toMatchObject({ files: 3, errors: 2, warnings: 1, ignored: 1 });
    const findings = r.envelope.fields.lint_findings as LintFinding[];
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}${f.ignored ? ' ignored' : ''}`)).toEqual([
      'db/migrations/0002_orders.sql:4 add_column_not_null_without_default',
      'db/migrations/0002_orders.sql:6 add_constraint_without_not_valid',
      'db/migrations/0003_rename.sql:2 rename_column ignored',
      'db/migrations/0003_rename.sql:3 drop_column',
    ]);
    expect(
      r.log.some((l) =>
        l.startsWith(
          '::error file=db/migrations/0002_orders.sql,line=4,title=db_bootstrap lint%3A add_column_not_null_without_default::',
        ),
      ),
    ).toBe(true);
    expect(r.log.some((l) => l.startsWith('::warning file=db/migrations/0003_rename.sql,line=3,'))).toBe(true);
    expect(r.log.filter((l) => l.includes('::') && l.includes('rename_column'))).toEqual([]);
    expect(r.outcome.summary).toContain('#### Lint (4 findings, 3 files, offline)');
    expect(r.outcome.summary).toContain('ignored (column unused since release 41)');
  });

  test('SARIF for code scanning: one result per finding at its file and line, opt-outs as accepted suppressions', async () => {
    const sarifFile = join(root, 'out', 'db-lint.sarif');
    const r = await runDb(ws, { mode: 'dry_run', sarif_file: sarifFile });
    expect(r.envelope.fields.sarif_file).toBe(sarifFile);
    const doc = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      version: string;
      runs: Array<{
        tool: { driver: { name: string; rules: Array<{ id: string; defaultConfiguration: { level: string } }> } };
        results: Array<{
          ruleId: string;
          level: string;
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
          suppressions?: Array<{ justification: string }>;
        }>;
      }>;
    };
    expect(doc.version).toBe('2.1.0');
    const run = doc.runs[0];
    expect(run?.tool.driver.name).toBe('paas-db-lint');
    expect(
      run?.results.map(
        (x) =>
          `${x.locations[0]?.physicalLocation.artifactLocation.uri}:${x.locations[0]?.physicalLocation.region.startLine} ${x.ruleId} ${x.level}${x.suppressions ? ` suppressed(${x.suppressions[0]?.justification})` : ''}`,
      ),
    ).toEqual([
      'db/migrations/0002_orders.sql:4 add_column_not_null_without_default error',
      'db/migrations/0002_orders.sql:6 add_constraint_without_not_valid error',
      'db/migrations/0003_rename.sql:2 rename_column error suppressed(column unused since release 41)',
      'db/migrations/0003_rename.sql:3 drop_column warning',
    ]);
    expect(run?.tool.driver.rules.find((x) => x.id === 'drop_column')?.defaultConfiguration.level).toBe('warning');
  });

  test('what lint prints goes through the redactor (a vault value quoted in a statement)', async () => {
    const value = ['k1-', 'Zq8', 'vT3', 'mW9pLr2'].join('');
    ws.write(
      '0002_orders.sql',
      readFileSync(join(ws.migrations, '0002_orders.sql'), 'utf8').replace("'k1-'", `'${value}'`),
    );
    const sarifFile = join(root, 'out', 'redacted.sarif');
    const r = await runDb(ws, { mode: 'dry_run', vault: `APP_TOKEN=${value}\n`, sarif_file: sarifFile });
    expect((r.envelope.fields.lint_findings as LintFinding[]).length).toBe(4);
    expect(r.visible).not.toContain(value);
    const sarif = readFileSync(sarifFile, 'utf8');
    expect(sarif).toContain('email_ck');
    expect(sarif).not.toContain(value);
  });
});
