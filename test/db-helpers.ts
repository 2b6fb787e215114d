/**
 * Helpers of the db_bootstrap tests: a workspace with db/migrations, a state root with a context,
 * and runs of the operation in-process (the same code as the action and the CLI).
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope, Outcome } from '../lib/output/envelope.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { executeOperation } from '../lib/entry/execute.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { StateDb } from '../lib/state/db.js';
import { afterAll, beforeAll } from '@jest/globals';
import { startPostgres, type PgServer } from './harness/postgres.js';

export const CONTEXT = 'oss-demo';

export interface Workspace {
  dir: string;
  stateRoot: string;
  migrations: string;
  write(name: string, sql: string): void;
  remove(name: string): void;
  paasYml(text: string): void;
  cleanup(): void;
}

export function workspace(files: Record<string, string> = {}): Workspace {
  const base = mkdtempSync(join(tmpdir(), 'paas-dbtest-'));
  const dir = join(base, 'repo');
  const stateRoot = join(base, 'state');
  const migrations = join(dir, 'db', 'migrations');
  mkdirSync(migrations, { recursive: true });
  const ws: Workspace = {
    dir,
    stateRoot,
    migrations,
    write: (name, sql) => writeFileSync(join(migrations, name), sql),
    remove: (name) => unlinkSync(join(migrations, name)),
    paasYml: (text) => writeFileSync(join(dir, 'paas.yml'), text),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
  for (const [name, sql] of Object.entries(files)) ws.write(name, sql);
  return ws;
}

export interface OpRun {
  outcome: Outcome;
  envelope: Envelope;
  lines: string[];
  log: string[];
  rt: Runtime;
  /** everything a reader could see: lines, text, summary, envelope, log */
  visible: string;
}

export interface RunOpts {
  env?: NodeJS.ProcessEnv;
  inCI?: boolean;
  inAction?: boolean;
}

/** Runs db_bootstrap in-process with a fresh runtime (own redactor and log). */
export async function runDb(ws: Workspace, inputs: Record<string, unknown>, opts: RunOpts = {}): Promise<OpRun> {
  const redactor = new Redactor();
  const logger = memoryLogger(redactor);
  const rt: Runtime = {
    // as a workflow_dispatch run (migrate/all check the context's trigger policy in CI)
    env: { PATH: process.env.PATH, GITHUB_EVENT_NAME: 'workflow_dispatch', ...(opts.env ?? {}) },
    cwd: ws.dir,
    redactor,
    logger,
    now: () => new Date(),
    inCI: opts.inCI ?? true,
    inAction: opts.inAction ?? true,
    workspace: undefined,
  };
  const outcome = await executeOperation(rt, 'db_bootstrap', { context: CONTEXT, state_root: ws.stateRoot, ...inputs });
  const visible = [
    outcome.lines.join('\n'),
    outcome.text ?? '',
    outcome.summary ?? '',
    JSON.stringify(outcome.envelope),
    logger.lines.join('\n'),
  ].join('\n');
  return { outcome, envelope: outcome.envelope, lines: outcome.lines, log: logger.lines, rt, visible };
}

/** The vault input holding a DSN. */
export function vaultWith(dsn: string, key = 'POSTGRES_DSN_PROD'): string {
  return `${key}=${dsn}\n`;
}

/** A database owned by a fresh non-superuser role, with its DSN (password generated now). */
export interface TestDb {
  name: string;
  user: string;
  password: string;
  dsn: string;
}

let seq = 0;
export async function freshDb(pg: PgServer, prefix = 'app'): Promise<TestDb> {
  const name = `${prefix}_${process.pid}_${seq++}_${randomBytes(3).toString('hex')}`;
  const user = `mig_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(15).toString('base64url') + '/+:@%';
  await pg.createRole(user, password);
  await pg.createDatabase(name, user);
  return { name, user, password, dsn: pg.dsn(name, user, password) };
}

export async function ledger(
  pg: PgServer,
  db: string,
  table = 'public.schema_migrations',
): Promise<Array<{ id: string; filename: string; checksum: string; duration_ms: string | null; success: boolean }>> {
  const exists = await pg.query<{ r: string | null }>(`SELECT to_regclass('${table}')::text AS r`, db);
  if (!exists.rows[0]?.r) return [];
  return (
    await pg.query<{ id: string; filename: string; checksum: string; duration_ms: string | null; success: boolean }>(
      `SELECT id::text, filename, checksum, duration_ms::text, success FROM ${table} ORDER BY id`,
      db,
    )
  ).rows;
}

export async function tables(pg: PgServer, db: string): Promise<string[]> {
  const r = await pg.query<{ t: string }>(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    db,
  );
  return r.rows.map((x) => x.t);
}

/** Every byte the run left in the state root (events, state.db and its WAL), as latin1 text for searching. */
export function stateRootBytes(stateRoot: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(readFileSync(p).toString('latin1'));
    }
  };
  walk(stateRoot);
  return out.join('\n');
}

export function historyRows(
  stateRoot: string,
  context = CONTEXT,
): Array<{ kind: string; data: Record<string, unknown> }> {
  const db = new StateDb(join(stateRoot, 'contexts', context, 'state.db'));
  try {
    return db.forContext(context, new Redactor()).list<Record<string, unknown>>('db_bootstrap.run', 1000);
  } finally {
    db.close();
  }
}

export function eventsOf(stateRoot: string, context = CONTEXT): Array<Record<string, unknown>> {
  const dir = join(stateRoot, 'contexts', context, 'events');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function writeFileAt(path: string, body: string): void {
  writeFileSync(path, body);
}

/**
 * A test file's PostgreSQL server (started once, destroyed at the end) and its workspaces
 * (`ws(files)`, removed at the end). `server()` is valid from the first beforeAll on.
 */
export function usePostgres(): { server: () => PgServer; ws: (files?: Record<string, string>) => Workspace } {
  let pg: PgServer | undefined;
  const spaces: Workspace[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.destroy();
    for (const w of spaces) w.cleanup();
  });
  return {
    server: () => {
      if (!pg) throw new Error('usePostgres: the server starts in beforeAll');
      return pg;
    },
    ws: (files = {}) => {
      const w = workspace(files);
      spaces.push(w);
      return w;
    },
  };
}
