/**
 * db_bootstrap offline parts: the migration plan (names, order, dbmate sections, lints),
 * checksums, the SQL splitter, DSN parsing, and paas.yml. No database needed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPaasYml, loadPaasYml, parsePaasYml } from '../lib/config/paas-yml.js';
import { parseDuration } from '../lib/config/duration.js';
import { parseDsn, registerDsnSecrets } from '../lib/db/dsn.js';
import { DbError } from '../lib/db/errors.js';
import { PAAS_YML_DB_DEFAULTS } from './helpers.js';
import { splitSql } from '../lib/db/sql-split.js';
import { checksumOf, discoverPlan, normalizeSql, parseSections, statementHead } from '../lib/ops/db_bootstrap/plan.js';
import { lockKey } from '../lib/ops/db_bootstrap/ledger.js';
import { reconcile } from '../lib/ops/db_bootstrap/reconcile.js';
import { PaasError } from '../lib/output/errors.js';
import { Redactor } from '../lib/redaction/redactor.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'paas-dbplan-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function dir(files: Record<string, string | Buffer>): string {
  const d = join(root, `m${n++}`);
  mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(d, name), body);
  return d;
}

describe('plan discovery', () => {
  test('orders by numeric id, ignores non-migration files, reads plain and dbmate files', () => {
    const d = dir({
      '0002_b.sql': 'create table b (id int);\n',
      '10_c.sql': '-- migrate:up\ncreate table c (id int);\n-- migrate:down\ndrop table c;\n',
      '0001_a.sql': 'create table a (id int);',
      'README.md': '# notes',
      '.gitkeep': '',
    });
    const plan = discoverPlan(d, 'db/migrations');
    expect(plan.problems).toEqual([]);
    expect(plan.migrations.map((m) => [m.id, m.filename, m.format, m.transaction])).toEqual([
      ['1', '0001_a.sql', 'plain', true],
      ['2', '0002_b.sql', 'plain', true],
      ['10', '10_c.sql', 'dbmate', true],
    ]);
    expect(plan.ignored.sort()).toEqual(['.gitkeep', 'README.md']);
    const c = plan.migrations[2];
    expect(c?.up).toBe('create table c (id int);');
    expect(c?.upLine).toBe(2);
    expect(c?.relPath).toBe('db/migrations/10_c.sql');
  });

  test.each([
    ['invalid_migration_name', { '0001_a.sql': 'select 1;', 'add_users.sql': 'select 1;' }],
    ['invalid_migration_name', { '0001-a.sql': 'select 1;' }],
    ['invalid_migration_name', { '0001_a.up.sql': 'select 1;' }],
    ['invalid_migration_name', { '0001_a.SQL': 'select 1;' }],
    ['invalid_migration_name', { '0001_a.sql.bak': 'select 1;' }],
    ['duplicate_migration_id', { '0001_a.sql': 'select 1;', '001_b.sql': 'select 2;' }],
    ['duplicate_migration_id', { '0003_a.sql': 'select 1;', '0003_b.sql': 'select 2;' }],
    ['invalid_migration_sections', { '0001_a.sql': '-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;' }],
    ['invalid_migration_sections', { '0001_a.sql': 'create table x();\n-- migrate:up\nselect 1;' }],
    ['invalid_migration_sections', { '0001_a.sql': '-- migrate:up transaction:maybe\nselect 1;' }],
    ['invalid_migration_sections', { '0001_a.sql': '-- migrate:down\ndrop table x;' }],
    ['unterminated_sql', { '0001_a.sql': "select 'abc;\n" }],
    ['unterminated_sql', { '0001_a.sql': 'select 1; /* never closed\n' }],
    ['unterminated_sql', { '0001_a.sql': 'create function f() returns int as $body$ select 1;\n' }],
    ['transaction_control_in_migration', { '0001_a.sql': 'BEGIN;\ncreate table x (id int);\nCOMMIT;\n' }],
    ['transaction_control_in_migration', { '0001_a.sql': 'create table x (id int);\nend;' }],
    [
      'requires_no_transaction',
      { '0001_a.sql': 'create table t (id int);\ncreate index concurrently t_id on t (id);\n' },
    ],
    ['requires_no_transaction', { '0001_a.sql': 'VACUUM t;' }],
    ['unreadable_migration', { '0001_a.sql': Buffer.from([0x73, 0x65, 0xff, 0xfe, 0x3b]) }],
  ] as const)('refuses with %s', (reason, files) => {
    const plan = discoverPlan(dir(files as Record<string, string | Buffer>), 'db/migrations');
    expect(plan.problems.map((p) => p.reason)).toContain(reason);
  });

  test('a missing directory and a dangling symlink are clear problems', () => {
    expect(discoverPlan(join(root, 'nope'), 'db/migrations').problems[0]).toMatchObject({
      reason: 'migrations_dir_missing',
      message: 'migrations directory db/migrations does not exist',
    });
    const d = dir({ '0001_a.sql': 'select 1;' });
    symlinkSync(join(root, 'does-not-exist.sql'), join(d, '0002_b.sql'));
    const p = discoverPlan(d, 'db/migrations').problems[0];
    expect(p).toMatchObject({ reason: 'unreadable_migration', file: 'db/migrations/0002_b.sql' });
    expect(p?.message).toBe('db/migrations/0002_b.sql cannot be read (ENOENT)');
  });

  test('only regular files are read: a directory or a FIFO with a migration name is refused (no blocking read), a symlink to a file is read', () => {
    const d = dir({ '0001_a.sql': 'select 1;', 'target.txt': 'create table s (id int);\n' });
    mkdirSync(join(d, '0002_dir.sql'));
    expect(spawnSync('mkfifo', [join(d, '0003_pipe.sql')]).status).toBe(0);
    symlinkSync(join(d, 'target.txt'), join(d, '0004_link.sql'));
    const plan = discoverPlan(d, 'db/migrations');
    expect(plan.problems.map((p) => [p.reason, p.message])).toEqual([
      ['invalid_migration_name', 'db/migrations/0002_dir.sql is not a regular file'],
      ['invalid_migration_name', 'db/migrations/0003_pipe.sql is not a regular file'],
    ]);
    expect(plan.migrations.map((m) => [m.filename, m.up])).toEqual([
      ['0001_a.sql', 'select 1;'],
      ['0004_link.sql', 'create table s (id int);\n'],
    ]);
  });

  test('a file that is not UTF-8 leaves nothing behind for the next one (each file decoded on its own)', () => {
    // a multi-byte sequence cut off at the end of one file, then a file that starts with continuation bytes
    const d = dir({
      '0001_a.sql': Buffer.from([0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x20, 0x31, 0x3b, 0xe2, 0x82]),
      '0002_b.sql': Buffer.concat([Buffer.from('select 1; -- '), Buffer.from('\u20ac uro\n')]),
      '0003_c.sql': Buffer.from([0xac, 0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x3b]),
    });
    const plan = discoverPlan(d, 'db/migrations');
    expect(plan.problems.map((p) => [p.reason, p.file])).toEqual([
      ['unreadable_migration', 'db/migrations/0001_a.sql'],
      ['unreadable_migration', 'db/migrations/0003_c.sql'],
    ]);
    expect(plan.migrations.map((m) => [m.filename, m.up, m.checksum])).toEqual([
      [
        '0002_b.sql',
        'select 1; -- \u20ac uro\n',
        createHash('sha256').update('select 1; -- \u20ac uro\n').digest('hex'),
      ],
    ]);
  });

  test('problems name the file and the line', () => {
    const plan = discoverPlan(
      dir({ '0001_a.sql': '-- migrate:up\ncreate table t (id int);\n\nCREATE INDEX CONCURRENTLY t_i ON t (id);\n' }),
      'db/migrations',
    );
    expect(plan.problems[0]).toMatchObject({
      reason: 'requires_no_transaction',
      file: 'db/migrations/0001_a.sql',
      line: 4,
    });
    expect(plan.problems[0]?.remediation).toContain('transaction:false');
  });

  test('the requires_no_transaction message quotes the statement as written (identifiers keep their case)', () => {
    const plan = discoverPlan(
      dir({
        '0001_a.sql': '-- migrate:up\n/* idx */ create index concurrently "OrdersByDay" on "Orders" (created_at);\n',
      }),
      'db/migrations',
    );
    expect(plan.problems[0]?.message).toBe(
      'db/migrations/0001_a.sql:2: `create index concurrently "OrdersByDay" on "Orders" (created_at)` cannot run inside a transaction',
    );
    const long = discoverPlan(
      dir({ '0001_a.sql': `VACUUM (VERBOSE, ANALYZE) ${'a_very_long_table_name_'.repeat(4)}x;\n` }),
      'db/migrations',
    );
    expect(long.problems[0]?.message).toMatch(
      /^db\/migrations\/0001_a\.sql:1: `VACUUM \(VERBOSE, ANALYZE\)\.\.\.` cannot run inside a transaction$/,
    );
  });

  test('a statement quoted in a message never shows part of a secret: literals left out, cut after whole words, at every length', () => {
    // the message is redacted after it is built: a cut inside a secret would leave a prefix that no longer matches
    const secret = ['Zk9xQ2wPa7', 'Rt3LmN8vBc4Yd6', 'Hs1Jq0Ue5Wg2Xi7K'].join(''); // joined: no literal credential in the repo
    const r = new Redactor();
    r.register(secret);
    const statements = [
      `CREATE ROLE reporting_readonly_user WITH LOGIN ENCRYPTED PASSWORD '${secret}';`,
      `ALTER ROLE app PASSWORD E'it\\'s ${secret}' VALID UNTIL 'infinity';`,
      `DO $body$ BEGIN EXECUTE 'ALTER ROLE app PASSWORD ''${secret}'''; END $body$;`,
      `SELECT set_config('app.key', $$${secret}$$, false);`,
      `ALTER SYSTEM SET app.key = ${secret};`, // unquoted: whole or not at all
      `-- it's ${secret}\nALTER ROLE app PASSWORD 'correct horse battery ${secret} staple';`,
    ];
    for (const sql of statements) {
      for (let max = 1; max <= sql.length + 2; max++) {
        const shown = r.redact(statementHead(sql, max));
        for (let k = 0; k + 4 <= secret.length; k++)
          expect([sql, max, shown.includes(secret.slice(k, k + 4))]).toEqual([sql, max, false]);
      }
    }
    expect(statementHead(statements[0] as string)).toBe(
      "CREATE ROLE reporting_readonly_user WITH LOGIN ENCRYPTED PASSWORD '…'",
    );
    expect(statementHead(statements[2] as string)).toBe('DO $body$…$body$');
    expect(statementHead("-- don't\nCREATE INDEX CONCURRENTLY i ON t (a) /* it's */ WHERE b = 'x''y';")).toBe(
      "CREATE INDEX CONCURRENTLY i ON t (a) WHERE b = '…'",
    );
  });

  test('transaction:false files may hold CONCURRENTLY and their own transactions', () => {
    const plan = discoverPlan(
      dir({
        '0001_a.sql':
          '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_i ON t (id);\nBEGIN; select 1; COMMIT;\n-- migrate:down\nDROP INDEX t_i;',
      }),
      'x',
    );
    expect(plan.problems).toEqual([]);
    expect(plan.migrations[0]?.transaction).toBe(false);
    expect(plan.migrations[0]?.statements.map((s) => s.words[0])).toEqual(['create', 'begin', 'select', 'commit']);
  });
});

describe('checksums over normalized text', () => {
  test('CRLF, CR and a BOM do not change the checksum; any other edit does', () => {
    const lf = 'create table a (id int);\nselect 1;\n';
    const variants = [lf, lf.replace(/\n/g, '\r\n'), '\uFEFF' + lf, lf.replace(/\n/g, '\r')];
    const sums = new Set(variants.map((v) => checksumOf(normalizeSql(v))));
    expect(sums.size).toBe(1);
    expect(checksumOf(normalizeSql(lf + ' '))).not.toBe([...sums][0]);
    const d = dir({ '0001_a.sql': lf.replace(/\n/g, '\r\n') });
    expect(discoverPlan(d, 'x').migrations[0]?.checksum).toBe(checksumOf(lf));
  });

  test('the checksum is the SHA-256 (hex) of the UTF-8 text: ledgers written by earlier versions stay valid', () => {
    expect(checksumOf('create table a (id int);\nselect 1;\n')).toBe(
      '622f26749e98f579542aea0a849e7ddbb99843ce07887355d8f9af0a72299509',
    );
    const text = 'select 1; -- \u20ac \u{1F600}\n';
    expect(checksumOf(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });
});

describe('SQL splitter', () => {
  test('splits at top-level semicolons only', () => {
    const sql = [
      "insert into t values ('a;b', E'it\\'s;', $$x;y$$, $tag$ $$ ; $tag$);",
      '/* a ; /* nested ; */ comment */ select "weird;name" from t; -- trailing ; comment',
      'create function f() returns int language plpgsql as $fn$ begin return 1; end $fn$;',
      'CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;',
      'select (1;',
    ].join('\n');
    const r = splitSql(sql);
    expect(r.error).toBeNull();
    expect(r.statements.map((s) => s.words[0])).toEqual(['insert', 'select', 'create', 'create', 'select']);
    expect(r.statements.map((s) => s.line)).toEqual([1, 2, 3, 4, 5]);
    expect(r.statements[3]?.text.trim().endsWith('END;')).toBe(true);
  });

  test('reports unterminated constructs with their line', () => {
    expect(splitSql('select 1;\n\nselect $q$ never').error).toEqual({ kind: 'unterminated_dollar_quote', line: 3 });
    expect(splitSql('select "abc').error?.kind).toBe('unterminated_identifier');
  });

  test('dbmate sections', () => {
    expect(parseSections('-- comment\n--migrate:up transaction:false\nselect 1;\n-- migrate:down\nselect 2;')).toEqual({
      up: 'select 1;',
      upLine: 3,
      transaction: false,
      format: 'dbmate',
    });
  });
});

describe('reconcile plan with ledger', () => {
  const d = () => dir({ '0001_a.sql': 'select 1;', '0002_b.sql': 'select 2;', '0003_c.sql': 'select 3;' });
  const row = (id: string, filename: string, checksum: string, success = true) => ({
    id,
    filename,
    checksum,
    applied_at: '',
    duration_ms: '1',
    success,
  });
  test('pending, mismatched, missing, out-of-order', () => {
    const plan = discoverPlan(d(), 'x');
    const [a, b, c] = plan.migrations;
    const r = reconcile(plan, [
      row('1', '0001_a.sql', a!.checksum),
      row('3', '0003_c.sql', 'f'.repeat(64)),
      row('4', '0004_gone.sql', 'e'.repeat(64)),
    ]);
    expect(r.applied.map((m) => m.id)).toEqual(['1']);
    expect(r.mismatched.map((x) => x.migration.id)).toEqual(['3']);
    expect(r.missing.map((x) => x.id)).toEqual(['4']);
    expect(r.pending.map((m) => m.id)).toEqual(['2']);
    expect(r.nonIncreasing.map((m) => m.id)).toEqual(['2']);
    void b;
    void c;
  });
  test('a failed transaction:false attempt is pending again and does not count as applied', () => {
    const plan = discoverPlan(d(), 'x');
    const r = reconcile(plan, [
      row('1', '0001_a.sql', plan.migrations[0]!.checksum),
      row('2', '0002_b.sql', plan.migrations[1]!.checksum, false),
    ]);
    expect(r.pending.map((m) => m.id)).toEqual(['2', '3']);
    expect(r.nonIncreasing).toEqual([]);
    expect(r.failedAttempts.map((x) => x.id)).toEqual(['2']);
  });
});

describe('advisory lock key', () => {
  test('stable per ledger, and different ledgers do not contend', () => {
    const a = lockKey({ schema: 'public', table: 'schema_migrations' });
    expect(lockKey({ schema: 'public', table: 'schema_migrations' })).toEqual(a);
    expect(lockKey({ schema: 'app', table: 'schema_migrations' }).key).not.toBe(a.key);
    expect(BigInt(a.classid) * 2n ** 32n + BigInt(a.objid)).toBe(BigInt.asUintN(64, BigInt(a.key)));
  });
});

describe('DSN parsing', () => {
  const pw = ['s3cr', 'et/p@ss:w0rd'].join('');
  const enc = encodeURIComponent(pw);
  test('URL form with percent-encoded password, port, sslmode', () => {
    const d = parseDsn(
      ['postgres://', 'app_user:', enc, '@db.internal:6543/app?sslmode=require'].join(''),
      'POSTGRES_DSN_PROD',
    );
    expect(d).toMatchObject({
      user: 'app_user',
      password: pw,
      host: 'db.internal',
      port: 6543,
      database: 'app',
      sslmode: 'require',
    });
    expect(parseDsn('postgresql://u@[::1]/x', 'K')).toMatchObject({ host: '::1', port: 5432, password: null });
    expect(parseDsn('postgres://u@/x?host=/var/run/postgresql', 'K')).toMatchObject({ host: '/var/run/postgresql' });
  });

  test.each([
    ['mysql://u:PWD@h/db', 'does not start with postgres://'],
    ['host=h user=u password=PWD dbname=db', 'key=value form'],
    ['postgres://u:PWD@h', 'names no database'],
    ['postgres://u:PWD@h:99999/db', 'invalid port'],
    ['postgres://u:PWD@h/db?sslmode=maybe', 'invalid sslmode'],
    ['postgres://u:PWD@h/db?password=PWD', 'unsupported parameter password'],
    ['postgres://u:%zzPWD@h/db', 'malformed percent-encoding in its password'],
    ['postgres://u:P WD@h/db', 'contains whitespace'],
    ['postgres://u:PWD@h1,h2/db', 'several hosts'],
    ['postgres://u:PWD@/db', 'names no host'],
    ['   ', 'is empty'],
  ])('%s is refused without quoting it', (shape, problem) => {
    const secret = ['Zq9', 'xK2mV7'].join('');
    const value = shape.replace(/PWD/g, secret);
    let err: unknown;
    try {
      parseDsn(value, 'POSTGRES_DSN_PROD');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbError);
    const e = err as DbError;
    expect(e.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(e.reason).toBe('invalid_dsn');
    expect(e.message).toContain('POSTGRES_DSN_PROD');
    expect(e.message).toContain(problem);
    expect(JSON.stringify(e.toInfo())).not.toContain(secret);
    expect(JSON.stringify(e.toInfo())).not.toContain('h/db');
  });

  test('the DSN and password are registered as secrets, even when malformed; user and host are not (issue #18)', () => {
    const r = new Redactor();
    const dsn = ['postgres://', 'mig_owner:', enc, '@db-prod.example.net:5432/app'].join('');
    registerDsnSecrets(r, dsn);
    const text = `dsn ${dsn} user mig_owner pass ${pw} enc ${enc} host db-prod.example.net`;
    const red = r.redact(text);
    for (const s of [dsn, pw, enc]) expect(red).not.toContain(s);
    expect(red).toContain('user mig_owner pass');
    expect(red).toContain('host db-prod.example.net');
    const r2 = new Redactor();
    registerDsnSecrets(r2, ['postgres://', 'mig_owner:', 'bad%zz', pw, '@db-prod.example.net/x y'].join(''));
    expect(r2.redact(`x ${'bad%zz' + pw} y`)).not.toContain(pw);
  });
});

describe('paas.yml', () => {
  const full = `version: 1
apps:
  web:
    artifact: build/web.tar.gz
    deploy_root: /srv/paas
    keep_releases: 5
    shared: [storage, .env]
    start: ./bin/start
    health:
      http: { port: 8080, path: /healthz, expect: 200 }
      interval: 1s
      timeout: 5s
      deadline: 30s
    strategy: rolling
    batch: 2
    hooks: { pre_switch: ./bin/check, post_switch: ./bin/notify }
db:
  migrations: db/migrations
  dsn: POSTGRES_DSN_PROD
ops:
  checks:
    - name: api
      http: { url: API_HEALTH_URL, expect: 200, max_latency_ms: 1500 }
    - name: delivery
      sql:
        query: select count(*) as delivered_total from deliveries where created_at > now() - interval '7 days'
        insufficient_when: { delivered_total: { eq: 0 } }
        unhealthy_when: { delivered_total: { lt: 10 } }
    - name: disk
      target: { disk_max_pct: 90 }
    - name: cert
      tls: { host: API_HOST, min_days: 14 }
    - name: nightly-backup
      backup: { dir: /var/backups/app, max_age_hours: 26 }
contexts:
  internal-dogfood:
    environment: production
    trigger: { events: [workflow_dispatch], branches: [main] }
  oss-demo:
    trigger: { events: [push, workflow_dispatch] }
`;
  test('the example of PRODUCT.md section 11 parses, with durations in ms and defaults filled', () => {
    const c = parsePaasYml(full);
    expect(c.apps.web?.health?.deadline).toBe(30_000);
    expect(c.apps.web?.strategy).toBe('rolling');
    expect(c.db).toEqual(PAAS_YML_DB_DEFAULTS);
    expect(c.ops.checks.map((x) => x.name)).toEqual(['api', 'delivery', 'disk', 'cert', 'nightly-backup']);
    expect(c.contexts['internal-dogfood']?.trigger?.branches).toEqual(['main']);
    expect(defaultPaasYml().db.migrations).toBe('db/migrations');
  });

  test.each([
    ['version: 2\n', 'paas.yml:1: version: version must be 1'],
    ['version: 1\ndb:\n  migrations: db/migrations\n  lock_timout: 5s\n', 'paas.yml:4: db.lock_timout: unknown field'],
    ['version: 1\ndb:\n  lock_timeout: 30\n', 'paas.yml:3: db.lock_timeout: must be a duration'],
    ['version: 1\ndb:\n  dsn: postgres://u:p@h/db\n', 'paas.yml:3: db.dsn: must name a vault key'],
    ['version: 1\ndb:\n  migrations: ../outside\n', 'db.migrations: must not contain .. segments'],
    [
      'version: 1\nops:\n  checks:\n    - name: a\n      http: { url: X }\n      tls: { host: Y }\n',
      'paas.yml:4: ops.checks.0: give exactly one of http, sql, target, tls, backup (found http, tls)',
    ],
    ['version: 1\napps:\n  web:\n    strategy: bluegreen\n', 'apps.web.slots: strategy bluegreen needs slots'],
    ['version: 1\nversion: 1\n', 'paas.yml:2: not valid YAML'],
    ['', 'the file is empty'],
    ['- a\n- b\n', 'the top level must be a mapping'],
  ])('%j → %s', (text, msg) => {
    let err: unknown;
    try {
      parsePaasYml(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PaasError);
    expect((err as PaasError).code).toBe('PAAS_INVALID_ARGUMENT');
    expect((err as PaasError).stage).toBe('config');
    expect((err as PaasError).message).toContain(msg);
    expect((err as PaasError).remediation).toContain('docs/paas-yml.md');
  });

  test('loader: default file optional, explicit file required, unreadable file named', () => {
    const d = dir({});
    expect(loadPaasYml('paas.yml', d).exists).toBe(false);
    expect(() => loadPaasYml('deploy/paas.yml', d)).toThrow('configuration file deploy/paas.yml does not exist');
    mkdirSync(join(d, 'odd.yml'));
    expect(() => loadPaasYml('odd.yml', d)).toThrow('configuration file odd.yml cannot be read: not a regular file');
  });

  test('durations', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('5s'),
      parseDuration('1.5m'),
      parseDuration('2h'),
      parseDuration(0),
      parseDuration('30'),
      parseDuration('5 s'),
    ]).toEqual([250, 5000, 90_000, 7_200_000, 0, null, null]);
  });
});
