/**
 * db_bootstrap as the runner runs it (dist/db_bootstrap/index.js through the runner-contract
 * harness), SIGTERM during a migration, and the server stopped mid-run. Real PostgreSQL.
 * Assumes dist/ is built (`npm run build`, or PAAS_HARNESS_DIST pointing at a private build).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, ledger, runDb, tables, vaultWith, workspace, type Workspace } from './db-helpers.js';
import { checkContract } from './harness/contract.js';
import { startPostgres, type PgServer } from './harness/postgres.js';
import { createSandbox, distDir, nodeBinary, runAction, type Sandbox } from './harness/runner.js';

let pg: PgServer;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.destroy();
  for (const c of cleanups) c();
});

const FILES = {
  'db/migrations/0001_users.sql': 'CREATE TABLE users (id bigserial PRIMARY KEY, email text);\n',
  'db/migrations/0002_orders.sql':
    '-- migrate:up\nCREATE TABLE orders (id bigserial PRIMARY KEY);\n-- migrate:down\nDROP TABLE orders;\n',
  'db/migrations/0003_idx.sql':
    '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n',
};

function sandbox(files: Record<string, string> = FILES): Sandbox {
  const sb = createSandbox({ git: true, files });
  cleanups.push(() => sb.cleanup());
  return sb;
}

/** The status lines of a run: stdout lines of our command (logs and workflow commands excluded). */
function statusLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^db_bootstrap(_[a-z_]+)? status=/.test(l));
}

describe('the action through the runner-contract harness', () => {
  test('dry_run without a DSN, then all, then all again: exactly the documented lines', async () => {
    const db = await freshDb(pg);
    const sb = sandbox();
    const base = { context: 'oss-demo', state_root: sb.stateRoot };

    const dry = await runAction({ action: 'db_bootstrap', inputs: { ...base, mode: 'dry_run' }, sandbox: sb });
    checkContract(dry, 'db_bootstrap');
    expect(dry.exitCode).toBe(0);
    expect(statusLines(dry.stdout)).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(dry.outputs.status).toBe('db_bootstrap_dry_run status=ok migrations=3');
    expect(dry.outputs.migrations).toBe('3');

    const dryDsn = await runAction({
      action: 'db_bootstrap',
      inputs: { ...base, mode: 'dry_run', vault: vaultWith(db.dsn) },
      sandbox: sb,
    });
    expect(statusLines(dryDsn.stdout)).toEqual(['db_bootstrap_dry_run status=ok migrations=3']);
    expect(await tables(pg, db.name)).toEqual([]);

    const all = await runAction({
      action: 'db_bootstrap',
      inputs: { ...base, mode: 'all', vault: vaultWith(db.dsn) },
      sandbox: sb,
    });
    checkContract(all, 'db_bootstrap');
    expect(all.exitCode).toBe(0);
    expect(statusLines(all.stdout)).toEqual([
      'db_bootstrap_migrate status=ok applied=3 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect(all.outputs.status).toBe('db_bootstrap status=ok mode=all');
    expect(all.outputs.applied).toBe('3');
    expect(all.summary).toContain('| 3 | 0003_idx.sql | applied now |');
    // the DSN and its password are masked in the runner log and appear nowhere else
    expect(all.masks).toContain(db.dsn);
    expect(all.masks).toContain(db.password);
    for (const s of [db.password, encodeURIComponent(db.password), db.dsn]) {
      expect(all.visibleLog + all.summary + JSON.stringify(all.outputs)).not.toContain(s);
    }

    const again = await runAction({
      action: 'db_bootstrap',
      inputs: { ...base, mode: 'all', vault: vaultWith(db.dsn) },
      sandbox: sb,
    });
    expect(statusLines(again.stdout)).toEqual([
      'db_bootstrap_migrate status=ok applied=0 migrations=3',
      'db_bootstrap_verify status=ok migrations=3',
      'db_bootstrap status=ok mode=all',
    ]);
    expect((await ledger(pg, db.name)).map((r) => r.id)).toEqual(['1', '2', '3']);
  });

  test('a failing migration: contract-conform failure line, ::error annotation on the file and line', async () => {
    const db = await freshDb(pg);
    const sb = sandbox({
      ...FILES,
      'db/migrations/0002_orders.sql':
        'CREATE TABLE orders (id bigserial PRIMARY KEY);\nINSERT INTO nope VALUES (1);\n',
    });
    const r = await runAction({
      action: 'db_bootstrap',
      inputs: { context: 'oss-demo', state_root: sb.stateRoot, mode: 'all', vault: vaultWith(db.dsn) },
      sandbox: sb,
    });
    const env = checkContract(r, 'db_bootstrap');
    expect(r.exitCode).toBe(1);
    expect(env.error?.code).toBe('PAAS_MIGRATION_FAILED');
    expect(statusLines(r.stdout)).toEqual([
      'db_bootstrap status=fail reason=migration_failed cause=sql_error mode=all stage=migrate applied=1 file=db/migrations/0002_orders.sql line=2 sqlstate=42P01',
    ]);
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', file: 'db/migrations/0002_orders.sql', line: 2 }),
    );
    expect(await tables(pg, db.name)).toEqual([
      'public.schema_migrations',
      'public.schema_migrations_schema',
      'public.users',
    ]); // the schema record: what file 1 produced
  });

  test('a malformed DSN in the vault: invalid_dsn and the value is nowhere in the log', async () => {
    const sb = sandbox();
    const pw = 'Pw' + Math.random().toString(36).slice(2, 12);
    const dsn = ['postgres://', 'owner_x:', pw, '@127.0.0.1:5432'].join('');
    const r = await runAction({
      action: 'db_bootstrap',
      inputs: { context: 'oss-demo', state_root: sb.stateRoot, mode: 'all', vault: vaultWith(dsn) },
      sandbox: sb,
    });
    checkContract(r, 'db_bootstrap');
    expect(statusLines(r.stdout)).toEqual([
      'db_bootstrap status=fail reason=invalid_argument cause=invalid_dsn mode=all stage=dsn',
    ]);
    expect(r.visibleLog + r.summary + JSON.stringify(r.outputs)).not.toContain(pw);
  });
});

/** Spawns the bundle like the runner does, so a signal can be sent while it runs. */
function spawnAction(ws: string, stateRoot: string, inputs: Record<string, string>) {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'paas-rt-'));
  cleanups.push(() => undefined);
  const out = join(runnerTemp, 'output');
  writeFileSync(out, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: runnerTemp,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    // the runner always names the event; the context's trigger policy checks it
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: out,
    GITHUB_RUN_ID: '777',
    RUNNER_TEMP: runnerTemp,
    INPUT_STATE_ROOT: stateRoot,
    INPUT_CONFIG: 'paas.yml',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(nodeBinary(), [join(distDir(), 'db_bootstrap', 'index.js')], {
    cwd: ws,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, output: readFileSync(out, 'utf8') })),
  );
  return { child, done };
}

async function waitFor(pred: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sleeping = (db: string) => async () =>
  (
    await pg.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()",
      'postgres',
      [db],
    )
  ).rowCount === 1;

describe('interruptions', () => {
  test('SIGTERM during a migration: the running file rolls back, nothing partial is recorded, the lock is released', async () => {
    const db = await freshDb(pg);
    const ws: Workspace = workspace({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_slow.sql': 'CREATE TABLE slow (id int);\nINSERT INTO slow VALUES (1);\nSELECT pg_sleep(30);\n',
      '0003_c.sql': 'CREATE TABLE c (id int);\n',
    });
    cleanups.push(() => ws.cleanup());
    mkdirSync(ws.stateRoot, { recursive: true });
    const run = spawnAction(ws.dir, ws.stateRoot, { mode: 'all', context: 'oss-demo', vault: vaultWith(db.dsn) });
    await waitFor(sleeping(db.name), 'the slow migration to run');
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(statusLines(r.stdout)).toEqual([
      'db_bootstrap status=fail reason=interrupted cause=interrupted mode=all stage=migrate applied=1 file=db/migrations/0002_slow.sql',
    ]);
    expect(r.stdout).toContain('SIGTERM received: cancelling the running statement');
    expect((await ledger(pg, db.name)).map((x) => x.filename)).toEqual(['0001_a.sql']);
    expect(await tables(pg, db.name)).toEqual(['public.a', 'public.schema_migrations']);
    expect((await pg.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'", db.name)).rowCount).toBe(0);
    await waitFor(async () => !(await sleeping(db.name)()), 'the cancelled statement to end', 5000);

    // the next run resumes
    ws.write('0002_slow.sql', 'CREATE TABLE slow (id int);\n');
    const again = await runDb(ws, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(again.lines.at(-1)).toBe('db_bootstrap status=ok mode=all');
  });

  test('a runner killed outright (SIGKILL) during a later file: the server notices the vanished client and rolls that file back instead of running it to its end', async () => {
    const db = await freshDb(pg);
    const ws: Workspace = workspace({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_b.sql': 'CREATE TABLE b (id int);\n',
      '0003_c.sql': '-- migrate:up transaction:false\nCREATE TABLE IF NOT EXISTS c (id int);\n',
      // a later file, after transactional and transaction:false files (each resets the session)
      '0004_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n',
    });
    cleanups.push(() => ws.cleanup());
    mkdirSync(ws.stateRoot, { recursive: true });
    const run = spawnAction(ws.dir, ws.stateRoot, { mode: 'migrate', context: 'oss-demo', vault: vaultWith(db.dsn) });
    await waitFor(sleeping(db.name), 'the slow migration to run');
    run.child.kill('SIGKILL');
    await run.done;
    // client_connection_check_interval (2s) still holds in file 4: the backend ends long before its
    // pg_sleep(30) would, and its transaction (table slow, its ledger row) is rolled back
    await waitFor(
      async () => !(await sleeping(db.name)()),
      'the server to end the statement of the vanished client',
      12_000,
    );
    expect((await ledger(pg, db.name)).map((x) => x.filename)).toEqual(['0001_a.sql', '0002_b.sql', '0003_c.sql']);
    expect(await tables(pg, db.name)).not.toContain('public.slow');
    expect((await pg.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'", db.name)).rowCount).toBe(0);
  });

  test('the server stopped mid-run: clear error naming the file, no partial migration recorded, the next run resumes', async () => {
    const db = await freshDb(pg);
    const ws = workspace({
      '0001_a.sql': 'CREATE TABLE a (id int);\n',
      '0002_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n',
    });
    cleanups.push(() => ws.cleanup());
    const pending = runDb(ws, { mode: 'all', vault: vaultWith(db.dsn) });
    await waitFor(sleeping(db.name), 'the slow migration to run');
    await pg.stop('fast');
    const r = await pending;
    await pg.start();
    expect(r.outcome.exitCode).toBe(1);
    expect(r.lines).toEqual([
      expect.stringMatching(
        /^db_bootstrap status=fail reason=db_connect_failed cause=connection_lost mode=all stage=migrate applied=1 file=db\/migrations\/0002_slow\.sql( sqlstate=57P01)?$/,
      ),
    ]);
    expect(r.envelope.error?.message).toMatch(
      /^the connection to the server was lost while applying db\/migrations\/0002_slow\.sql/,
    );
    expect(r.envelope.error?.remediation).toContain('is not recorded as applied');
    expect((await ledger(pg, db.name)).map((x) => x.filename)).toEqual(['0001_a.sql']);
    expect(await tables(pg, db.name)).toEqual(['public.a', 'public.schema_migrations']);

    ws.write('0002_slow.sql', 'CREATE TABLE slow (id int);\n');
    const again = await runDb(ws, { mode: 'all', vault: vaultWith(db.dsn) });
    expect(again.lines).toEqual([
      'db_bootstrap_migrate status=ok applied=1 migrations=2',
      'db_bootstrap_verify status=ok migrations=2',
      'db_bootstrap status=ok mode=all',
    ]);
  });
});
