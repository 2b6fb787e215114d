/**
 * db_bootstrap lint on a few hundred generated migrations (test/harness/migration-corpus.ts: Prisma
 * and Rails/dbmate styles), offline:
 *   1. in-process: discoverPlan + lintPlan, the first run including the parser's WASM load;
 *   2. the whole dry_run as users run it: the action bundle (dist/db_bootstrap/index.js, build first),
 *      a fresh process per run, no DSN (offline), the lint included. Medians of --trials.
 *
 *   node_modules/.bin/node bench/db/run.mjs --lint [--files 500] [--trials 5] [--dist DIR (default dist)]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintPlan } from '../../lib/ops/db_bootstrap/lint.js';
import { discoverPlan } from '../../lib/ops/db_bootstrap/plan.js';
import { generateCorpus } from '../../test/harness/migration-corpus.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (n: string, d: number) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const files = opt('--files', 500);
const trials = opt('--trials', 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const base = mkdtempSync(join(tmpdir(), 'paas-lint-bench-'));
try {
  const repo = join(base, 'repo');
  const dir = join(repo, 'db', 'migrations');
  mkdirSync(dir, { recursive: true });
  // half Prisma, half dbmate style, one history (ids continue)
  const half = Math.floor(files / 2);
  const corpus = [
    ...generateCorpus(half, 'prisma', 1),
    ...generateCorpus(files - half, 'dbmate', 2).map((f, i) => ({
      ...f,
      name: f.name.replace(/^\d+/, String(half + i + 1).padStart(4, '0')),
    })),
  ];
  let bytes = 0;
  for (const f of corpus) {
    writeFileSync(join(dir, f.name), f.text);
    bytes += Buffer.byteLength(f.text);
  }
  const lintRun = async () => {
    const t0 = performance.now();
    const plan = discoverPlan(dir, 'db/migrations');
    const r = await lintPlan(
      plan.migrations.map((m) => ({
        relPath: m.relPath,
        up: m.up,
        upLine: m.upLine,
        transaction: m.transaction,
        text: readFileSync(m.absPath, 'utf8'),
      })),
    );
    return { ms: performance.now() - t0, findings: r.findings.length, statements: r.statements };
  };
  const cold = await lintRun();
  const warm: number[] = [];
  for (let i = 0; i < trials; i++) warm.push((await lintRun()).ms);
  console.log(
    `corpus: ${files} files (${half} Prisma, ${files - half} dbmate style), ${cold.statements} statements, ${Math.round(bytes / 1024)} KiB; ${cold.findings} findings`,
  );
  console.log(
    `in-process plan+lint: first run ${cold.ms.toFixed(0)} ms (parser WASM load included), then median ${median(warm).toFixed(0)} ms`,
  );

  const di = args.indexOf('--dist');
  const dist = di >= 0 ? resolve(args[di + 1] as string) : join(REPO, 'dist');
  const bundle = join(dist, 'db_bootstrap', 'index.js');
  if (!existsSync(bundle) || !existsSync(join(dist, 'chunks', 'libpg-query.wasm'))) {
    console.log(
      'dist/db_bootstrap (with dist/chunks/libpg-query.wasm) not built: run npm run build for the end-to-end numbers',
    );
  } else {
    const out = join(base, 'out');
    writeFileSync(out, '');
    const env = {
      PATH: process.env.PATH,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: repo,
      RUNNER_TEMP: base,
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: join(base, 'summary'),
      INPUT_CONTEXT: 'oss-demo',
      INPUT_MODE: 'dry_run',
      INPUT_STATE_ROOT: join(base, 'state'),
    };
    writeFileSync(join(base, 'summary'), '');
    const walls: number[] = [];
    const lintMs: number[] = [];
    for (let i = 0; i < trials + 1; i++) {
      const t0 = performance.now();
      const p = spawnSync(process.execPath, [bundle], { env, encoding: 'utf8', cwd: repo });
      const wall = performance.now() - t0;
      const m = /lint: \d+ file\(s\), \d+ statement\(s\).*\((\d+) ms/.exec(p.stdout);
      if (p.status !== 0 || !m)
        throw new Error(`dry_run failed (${p.status}): ${p.stdout.slice(-400)}${p.stderr.slice(-400)}`);
      if (i === 0) continue; // the first run lays out the context
      walls.push(wall);
      lintMs.push(Number(m[1]));
    }
    console.log(
      `dry_run through dist/db_bootstrap/index.js (fresh process, offline): median ${median(walls).toFixed(0)} ms wall, of which lint ${median(lintMs)} ms (parser load included)`,
    );
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
