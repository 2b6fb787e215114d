/**
 * prod_verify: `dry_run` checks the configuration with no connection to production (asserted: any
 * socket or DNS lookup during the run fails the test); `verify` runs strict smoke checks against a
 * real PostgreSQL, a local target and real HTTP servers, where a skipped check is a failure.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import dns from 'node:dns';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { join } from 'node:path';
import { discoverPlan } from '../lib/ops/db_bootstrap/plan.js';
import { createLedgerSql, insertBaselineSql } from '../lib/ops/db_bootstrap/ledger.js';
import { startPostgres, type PgServer } from './harness/postgres.js';
import { startHttpApp, type HttpApp } from './harness/http-app.js';
import { opsFixture, statusLines, type OpsFixture } from './ops-fixtures.js';
import { rmrf, tempDir } from './helpers.js';

const fixtures: OpsFixture[] = [];
const dirs: string[] = [];
afterAll(() => {
  fixtures.forEach((f) => f.cleanup());
  dirs.forEach(rmrf);
});

/** An ed25519 public key blob, base64 (for known_hosts lines). */
function fakeHostKey(): string {
  const type = Buffer.from('ssh-ed25519');
  const key = randomBytes(32);
  const len = (b: Buffer) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(b.length);
    return l;
  };
  return Buffer.concat([len(type), type, len(key), key]).toString('base64');
}

const MIGRATIONS = {
  '0001_create_deliveries.sql':
    'CREATE TABLE deliveries (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());\n',
  '0002_index.sql': 'CREATE INDEX deliveries_created_at ON deliveries (created_at);\n',
};

function writeMigrations(f: OpsFixture, files: Record<string, string> = MIGRATIONS): void {
  const dir = join(f.dir, 'repo', 'db', 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [n, sql] of Object.entries(files)) writeFileSync(join(dir, n), sql);
}

const FULL_YML = `version: 1
apps:
  web: { deploy_root: /srv/paas }
db:
  migrations: db/migrations
  dsn: POSTGRES_DSN_PROD
ops:
  checks:
    - name: api
      http: { url: API_URL }
    - name: delivery
      sql:
        query: select count(*) as delivered_total from deliveries
        insufficient_when: { delivered_total: { eq: 0 } }
    - name: cert
      tls: { host: API_HOST, min_days: 14 }
`;

function prodVault(): Record<string, string> {
  const pw = randomBytes(9).toString('base64url');
  return {
    PAAS_TARGETS: 'web1=deploy@web1.prod.internal:2222 web2=deploy@10.20.30.40',
    PAAS_SSH_KEY: [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      randomBytes(48).toString('base64'),
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n'),
    PAAS_KNOWN_HOSTS: `[web1.prod.internal]:2222 ssh-ed25519 ${fakeHostKey()}\n10.20.30.40 ssh-ed25519 ${fakeHostKey()}\n`,
    POSTGRES_DSN_PROD: `postgres://app:${pw}@db.prod.internal:5432/app?sslmode=verify-full`,
    API_URL: 'https://api.prod.internal/healthz',
    API_HOST: 'api.prod.internal',
  };
}

/** Fails on any socket, TLS or DNS activity while `fn` runs (in this process). */
async function withoutNetwork<T>(fn: () => Promise<T>): Promise<{ result: T; activity: string[] }> {
  const activity: string[] = [];
  const NET_TYPES = new Set([
    'TCPCONNECTWRAP',
    'TCPWRAP',
    'TLSWRAP',
    'GETADDRINFOREQWRAP',
    'GETNAMEINFOREQWRAP',
    'QUERYWRAP',
    'UDPWRAP',
    'UDPSENDWRAP',
  ]);
  const hook = createHook({
    init: (_id, type) => {
      if (NET_TYPES.has(type)) activity.push(type);
    },
  });
  const origConnect = net.Socket.prototype.connect;
  const origLookup = dns.lookup;
  const origTls = tls.connect;
  const origFetch = globalThis.fetch;
  const block = (what: string) => () => {
    activity.push(what);
    throw new Error(`network blocked: ${what}`);
  };
  net.Socket.prototype.connect = block('net.Socket.connect') as never;
  (dns as { lookup: unknown }).lookup = block('dns.lookup');
  (tls as { connect: unknown }).connect = block('tls.connect');
  globalThis.fetch = block('fetch') as never;
  hook.enable();
  try {
    const result = await fn();
    return { result, activity };
  } finally {
    hook.disable();
    net.Socket.prototype.connect = origConnect;
    (dns as { lookup: unknown }).lookup = origLookup;
    (tls as { connect: unknown }).connect = origTls;
    globalThis.fetch = origFetch;
  }
}

async function fixture(yaml: string, vault: Record<string, string>, migrations = true): Promise<OpsFixture> {
  const f = await opsFixture({ yaml, vault });
  fixtures.push(f);
  if (migrations) writeMigrations(f);
  return f;
}

describe('dry_run', () => {
  test('a complete configuration: one prod_config line per check, prod_verify status=ok mode=dry_run, exit 0, no network at all', async () => {
    const vault = prodVault();
    const f = await fixture(FULL_YML, vault);
    const { result: r, activity } = await withoutNetwork(() => f.verify(['--mode', 'dry_run']));
    expect(activity).toEqual([]);
    expect(r.code).toBe(0);
    expect(statusLines(r)).toEqual([
      'prod_config status=ok check=paas_yml count=3',
      'prod_config status=ok check=migrations count=2',
      'prod_config status=ok check=secrets count=6',
      'prod_config status=ok check=dsn count=1',
      'prod_config status=ok check=targets count=2',
      'prod_config status=ok check=known_hosts count=2',
      'prod_config status=ok check=ops_checks count=3',
      'prod_verify status=ok mode=dry_run checks=7',
    ]);
    const out = r.stdout + r.stderr;
    for (const v of Object.values(vault)) expect(out).not.toContain(v);
    expect(out).not.toContain('prod.internal');
  });

  test('dry_run is the default mode', async () => {
    const f = await fixture(
      'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL }\n',
      { API_URL: 'https://api.example.test/health' },
      false,
    );
    const r = await f.verify();
    expect(r.code).toBe(0);
    expect(statusLines(r).at(-1)).toBe('prod_verify status=ok mode=dry_run checks=3');
  });

  test('a dry run over nothing (no migrations, apps or ops checks) is not ok: status=fail reason=no_checks, exit 1', async () => {
    const f = await fixture('version: 1\n', {}, false);
    const r = await f.verify();
    expect(r.code).toBe(1);
    expect(statusLines(r)).toEqual([
      'prod_config status=ok check=paas_yml count=0',
      'prod_config status=ok check=secrets count=0',
      'prod_verify status=fail reason=no_checks mode=dry_run checks=2',
    ]);
    expect((await f.verify(['--json'])).json()).toMatchObject({
      ok: false,
      fields: { verdict: 'fail', reason: 'no_checks' },
    });
  });

  test('a missing paas.yml is an error naming the path, and the paas.yaml found beside it', async () => {
    const f = await fixture('version: 1\n', {}, false);
    rmSync(f.config);
    writeFileSync(join(f.dir, 'repo', 'paas.yaml'), 'version: 1\n');
    const r = await f.verify(['--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'config' });
    expect(r.json().error?.message).toContain(f.config);
    expect(r.json().error?.message).toContain('paas.yaml');
    expect(r.json().error?.remediation).toMatch(/rename it to paas\.yml/);
  });

  test('a missing secret: prod_config status=fail reason=missing_env missing=<NAMES>, exit 1', async () => {
    const vault = prodVault();
    delete (vault as Record<string, string | undefined>).POSTGRES_DSN_PROD;
    delete (vault as Record<string, string | undefined>).PAAS_KNOWN_HOSTS;
    const f = await fixture(FULL_YML, vault);
    const r = await f.verify(['--mode', 'dry_run']);
    expect(r.code).toBe(1);
    const lines = statusLines(r);
    expect(lines).toContain('prod_config status=fail reason=missing_env missing=PAAS_KNOWN_HOSTS,POSTGRES_DSN_PROD');
    expect(lines.at(-1)).toBe('prod_verify status=fail reason=missing_env mode=dry_run checks=5 failed=1');
  });

  test.each([
    [
      'a DSN that does not parse',
      { POSTGRES_DSN_PROD: 'mysql://root:topsecretpw@db/app' },
      'prod_config status=fail reason=invalid_dsn check=dsn count=1',
      'topsecretpw',
    ],
    [
      'targets that do not parse',
      { PAAS_TARGETS: 'web1=deploy@bad host' },
      'prod_config status=fail reason=invalid_targets check=targets',
      'bad host',
    ],
    [
      'a target without a known_hosts entry',
      { PAAS_TARGETS: 'web1=deploy@web1.prod.internal:2222 web3=deploy@web3.prod.internal' },
      'prod_config status=fail reason=host_key_missing check=known_hosts count=1',
      'web3.prod',
    ],
    [
      'a malformed known_hosts line',
      {
        PAAS_KNOWN_HOSTS: `[web1.prod.internal]:2222 ssh-ed25519 ${fakeHostKey()}\n10.20.30.40 ssh-ed25519 !!!notbase64\n`,
      },
      'prod_config status=fail reason=invalid_known_hosts check=known_hosts count=1',
      'notbase64',
    ],
    [
      'a health URL that is not http(s)',
      { API_URL: 'gopher://api.prod.internal/' },
      'prod_config status=fail reason=invalid_check_value check=ops_checks count=1',
      'gopher',
    ],
  ])('%s fails (exit 1) without printing the value', async (_n, override, line, hidden) => {
    const f = await fixture(FULL_YML, { ...prodVault(), ...override });
    const { result: r, activity } = await withoutNetwork(() => f.verify(['--mode', 'dry_run']));
    expect(activity).toEqual([]);
    expect(r.code).toBe(1);
    expect(statusLines(r)).toContain(line);
    expect(statusLines(r).at(-1)).toMatch(/^prod_verify status=fail reason=\w+ mode=dry_run checks=\d+ failed=1$/);
    expect(r.stdout + r.stderr).not.toContain(hidden);
  });

  test("an invalid migration plan fails with db_bootstrap's reason token", async () => {
    const f = await fixture(FULL_YML, prodVault());
    writeMigrations(f, { '0002_again.sql': 'SELECT 1;\n' });
    const r = await f.verify(['--mode', 'dry_run']);
    expect(r.code).toBe(1);
    expect(statusLines(r)).toContain('prod_config status=fail reason=duplicate_migration_id check=migrations');
  });

  test('an invalid paas.yml is refused with file, line and field', async () => {
    const f = await fixture(
      'version: 1\nops:\n  checks:\n    - name: Bad_Name\n      http: { url: API_URL }\n',
      {},
      false,
    );
    const r = await f.verify(['--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.message).toMatch(/paas\.yml:\d+: ops\.checks\.0\.name/);
  });
});

describe('dry_run as the runner runs the bundle', () => {
  test('dist/prod_verify makes no connection (net, tls, dns and fetch throw in the child) and prints prod_verify status=ok mode=dry_run', async () => {
    const { runAction, createSandbox } = await import('./harness/runner.js');
    const sb = createSandbox({
      files: {
        'paas.yml': FULL_YML,
        ...Object.fromEntries(Object.entries(MIGRATIONS).map(([k, v]) => [`db/migrations/${k}`, v])),
      },
    });
    dirs.push(sb.root);
    const marker = join(sb.root, 'network-used');
    const preload = join(sb.root, 'no-network.mjs');
    writeFileSync(
      preload,
      `import net from 'node:net'; import tls from 'node:tls'; import dns from 'node:dns'; import { appendFileSync } from 'node:fs';
const block = (what) => function () { appendFileSync(${JSON.stringify(marker)}, what + '\\n'); throw new Error('network blocked: ' + what); };
net.Socket.prototype.connect = block('net.Socket.connect'); net.connect = block('net.connect'); net.createConnection = block('net.createConnection');
tls.connect = block('tls.connect'); dns.lookup = block('dns.lookup'); dns.resolve = block('dns.resolve'); dns.promises.lookup = block('dns.promises.lookup');
globalThis.fetch = block('fetch');
`,
    );
    const vault = Object.entries(prodVault())
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
    const run = await runAction({
      action: 'prod_verify',
      sandbox: sb,
      inputs: { context: 'internal-dogfood', state_root: sb.stateRoot, mode: 'dry_run', vault },
      env: { NODE_OPTIONS: `--import=${preload}` },
      post: false,
    });
    expect({ exit: run.exitCode, log: run.exitCode === 0 ? '' : run.log }).toEqual({ exit: 0, log: '' });
    expect(run.outputs.status).toBe('prod_verify status=ok mode=dry_run checks=7');
    expect(() => readFileSync(marker, 'utf8')).toThrow();
    expect(run.summary).toContain('prod_verify dry_run ok');
    // control: the same preload does catch a mode that connects (verify), so the guard is live
    const control = await runAction({
      action: 'prod_verify',
      sandbox: sb,
      inputs: { context: 'internal-dogfood', state_root: sb.stateRoot, mode: 'verify', vault },
      env: { NODE_OPTIONS: `--import=${preload}` },
      post: false,
    });
    expect(control.exitCode).not.toBe(0);
    expect(readFileSync(marker, 'utf8')).toMatch(/net\.Socket\.connect|net\.connect|dns\.lookup|fetch|tls\.connect/);
  }, 60_000);
});

describe('verify', () => {
  let pg: PgServer;
  let dsn: string;
  let api: HttpApp;
  beforeAll(async () => {
    pg = await startPostgres();
    const pw = randomBytes(12).toString('base64url');
    await pg.createRole('app', pw);
    await pg.createDatabase('app', 'app');
    dsn = pg.dsn('app', 'app', pw);
    api = await startHttpApp();
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await pg?.destroy();
  });

  /** Applies the migrations and records them in db_bootstrap's ledger. */
  async function migrate(f: OpsFixture): Promise<void> {
    const plan = discoverPlan(join(f.dir, 'repo', 'db', 'migrations'), 'db/migrations');
    const c = await pg.admin('app');
    try {
      await c.query('SET ROLE app');
      await c.query('DROP TABLE IF EXISTS deliveries, schema_migrations CASCADE');
      for (const m of plan.migrations) await c.query(m.up);
      const ledger = { schema: 'public', table: 'schema_migrations' };
      await c.query(createLedgerSql(ledger));
      const ins = insertBaselineSql(ledger, plan.migrations);
      if (ins) await c.query(ins);
    } finally {
      await c.end();
    }
  }

  function target(context: string, current: string | null, good: string[]): string {
    const dir = tempDir('paas-target-');
    dirs.push(dir);
    const a = join(dir, context, 'web');
    mkdirSync(join(a, '.paas'), { recursive: true });
    for (const r of good) mkdirSync(join(a, 'releases', r), { recursive: true });
    if (current) symlinkSync(`releases/${current}`, join(a, 'current'));
    writeFileSync(
      join(a, '.paas', 'history.jsonl'),
      good
        .map((r) => JSON.stringify({ at: new Date().toISOString(), release: r, status: 'good', event: 'deploy' }))
        .join('\n') + (good.length ? '\n' : ''),
    );
    return dir;
  }

  const VERIFY_YML = `version: 1
apps:
  web: {}
ops:
  checks:
    - name: api
      http: { url: API_URL }
    - name: delivery
      sql:
        query: select count(*) as delivered_total from deliveries
        insufficient_when: { delivered_total: { eq: 0 } }
`;

  async function verifyFixture(
    opts: { current?: string | null; good?: string[]; vault?: Record<string, string> } = {},
  ): Promise<OpsFixture> {
    const t = target('internal-dogfood', opts.current === undefined ? 'v2' : opts.current, opts.good ?? ['v1', 'v2']);
    const f = await fixture(VERIFY_YML, {
      PAAS_TARGETS: `web1=local:${t}`,
      POSTGRES_DSN_PROD: dsn,
      API_URL: api.url,
      ...opts.vault,
    });
    await migrate(f);
    return f;
  }

  test('all green: database at the migration level, releases as expected, ops checks healthy or exactly insufficient_data → exit 0', async () => {
    const f = await verifyFixture();
    const r = await f.verify(['--mode', 'verify', '--expected-release', 'v2']);
    expect(r.code).toBe(0);
    const lines = statusLines(r);
    expect(lines.filter((l) => l.startsWith('prod_verify_check'))).toEqual([
      expect.stringMatching(
        /^prod_verify_check status=healthy check=database kind=sql ms=\d+ values=migrations:2,applied:2,pending:0$/,
      ),
      expect.stringMatching(
        /^prod_verify_check status=healthy check=releases kind=target ms=\d+ values=targets:1,targets_failed:0,releases_distinct:1$/,
      ),
      expect.stringMatching(/^prod_verify_check status=healthy check=api kind=http /),
      expect.stringMatching(
        /^prod_verify_check status=insufficient_data check=delivery kind=sql reason=delivered_total_0 /,
      ),
    ]);
    expect(lines.at(-1)).toBe('prod_verify status=ok mode=verify checks=4');
    const out = r.stdout + r.stderr;
    expect(out).not.toContain(dsn);
  });

  test("the expected release defaults to each target's newest good release", async () => {
    const f = await verifyFixture();
    expect((await f.verify(['--mode', 'verify'])).code).toBe(0);
  });

  test('a target on another release than expected_release: unhealthy, exit 2', async () => {
    const f = await verifyFixture({ current: 'v1' });
    const r = await f.verify(['--mode', 'verify', '--expected-release', 'v2']);
    expect(r.code).toBe(2);
    expect(statusLines(r)).toContain(
      statusLines(r).find((l) =>
        /^prod_verify_check status=unhealthy check=releases kind=target reason=release_mismatch /.test(l),
      ),
    );
    expect(statusLines(r).at(-1)).toBe('prod_verify status=unhealthy mode=verify checks=4 failed=1');
  });

  test("a pending migration: the database is not at the repository's level, exit 2", async () => {
    const f = await verifyFixture();
    writeMigrations(f, { '0003_more.sql': 'ALTER TABLE deliveries ADD COLUMN note text;\n' });
    const r = await f.verify(['--mode', 'verify']);
    expect(r.code).toBe(2);
    expect(statusLines(r).find((l) => l.includes('check=database'))).toMatch(
      /status=unhealthy check=database kind=sql reason=pending_migrations ms=\d+ values=migrations:3,applied:2,pending:1$/,
    );
  });

  test('a check that cannot run is a failure: no release history and no expected_release → skipped, exit 1', async () => {
    const f = await verifyFixture({ current: 'v1', good: [] });
    const r = await f.verify(['--mode', 'verify']);
    expect(r.code).toBe(1);
    expect(statusLines(r).find((l) => l.includes('check=releases'))).toMatch(
      /^prod_verify_check status=skipped check=releases kind=target reason=no_release_history /,
    );
    expect(statusLines(r).at(-1)).toBe(
      'prod_verify status=fail reason=skipped_checks mode=verify checks=4 failed=1 skipped=1',
    );
  });

  test('an unhealthy ops check fails verify (exit 2); an unreachable database too', async () => {
    const down = await startHttpApp({ status: 500 });
    try {
      const f = await verifyFixture({ vault: { API_URL: down.url } });
      const r = await f.verify(['--mode', 'verify']);
      expect(r.code).toBe(2);
      expect(statusLines(r).at(-1)).toBe('prod_verify status=unhealthy mode=verify checks=4 failed=1');
      f.writeVault({
        PAAS_TARGETS: 'web1=local:/nonexistent',
        POSTGRES_DSN_PROD: dsn.replace(/:(\d+)\//, ':1/'),
        API_URL: api.url,
      });
      const r2 = await f.verify(['--mode', 'verify']);
      expect(statusLines(r2).find((l) => l.includes('check=database'))).toMatch(
        /status=unhealthy check=database kind=sql reason=connect_refused/,
      );
      expect(r2.code).toBe(2);
    } finally {
      await down.close();
    }
  });

  test('a configuration failure stops verify before any connection', async () => {
    const f = await verifyFixture();
    f.writeVault({ PAAS_TARGETS: 'web1=local:/nonexistent', API_URL: api.url });
    const hits = api.hits;
    const { result: r, activity } = await withoutNetwork(() => f.verify(['--mode', 'verify']));
    expect(activity).toEqual([]);
    expect(api.hits).toBe(hits);
    expect(r.code).toBe(1);
    expect(statusLines(r).at(-1)).toBe('prod_verify status=fail reason=missing_env mode=verify checks=5 failed=1');
  });
});
