/**
 * db_bootstrap's fixed cost (start-up, the run's set-up and its records), beside dbmate's: the
 * same process runs as bench/db/bench.ts (the action bundle with INPUT_* like a runner; dbmate's
 * binary, --no-dump-schema), on migration directories so small that the per-file work is noise:
 *
 *   1 file pending    a fresh database, one migration applied (paas `all` and `migrate`, dbmate migrate)
 *   0 files pending   the same database again, nothing to apply
 *
 * plus `node -e 0` and `dbmate --version` (process start alone). The variants are interleaved
 * trial by trial (the machine's load hits all of them alike); medians are printed, and the CPU of
 * each run (the tool's process by GNU time + the server's from /proc), steadier than wall time.
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every paas run; BENCH_WRAP="strace -f -tt -o /tmp/t"
 * starts them under that command.
 *
 *   node_modules/.bin/node bench/db/run.mjs --fixed [--trials 9] [--files 1] [--dist /tmp/paas-dist]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  benchServer,
  DBMATE,
  expectRun,
  flag,
  median,
  PG_DIR,
  REPO,
  serverCpuDetail,
  serverCpuMs,
  timed,
  type Timed as Run,
} from './measure.js';

const TRIALS = Number(flag('--trials', '9'));
const FILES = Number(flag('--files', '1'));
/** --dist A[,B]: one bundle, or two (e.g. before/after a change) interleaved in the same trials */
const DISTS = flag('--dist', join(REPO, 'dist'))
  .split(',')
  .map((d) => resolve(d));
/** BENCH_SERVER_DETAIL=1: the server's CPU of each run by process kind on stderr */
const DETAIL = process.env.BENCH_SERVER_DETAIL === '1';
const bundleOf = (dist: string) => join(dist, 'db_bootstrap', 'index.js');
for (const d of DISTS)
  if (!existsSync(bundleOf(d))) throw new Error(`${bundleOf(d)} missing: npm run build -- --only db_bootstrap`);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'paas-bench-db-fixed-'));
  const { pg, owner, password } = await benchServer();
  try {
    const dsn = (db: string) => `${pg.dsn(db, owner, password)}?sslmode=disable`;
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C.UTF-8' };
    const ws = join(root, 'ws');
    mkdirSync(join(ws, 'db', 'migrations'), { recursive: true });
    // --files N: N files instead of 1 (the "1 pending" rows then apply N), to see the phases around the per-file work
    for (let i = 1; i <= FILES; i++)
      writeFileSync(
        join(ws, 'db', 'migrations', `${String(i).padStart(4, '0')}_create_t${i}.sql`),
        `-- migrate:up\nCREATE TABLE t${i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '');\n` +
          `INSERT INTO t${i} (id) VALUES (1);\n\n-- migrate:down\nDROP TABLE t${i};\n`,
      );
    let seq = 0;
    const ours = (mode: string, db: string, bundle: string) => {
      const runnerTemp = join(root, `rt-${seq++}`);
      mkdirSync(runnerTemp, { recursive: true });
      writeFileSync(join(runnerTemp, 'output'), '');
      const env: Record<string, string> = {
        ...baseEnv,
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_WORKSPACE: ws,
        GITHUB_OUTPUT: join(runnerTemp, 'output'),
        RUNNER_TEMP: runnerTemp,
        INPUT_MODE: mode,
        INPUT_CONTEXT: 'oss-demo',
        INPUT_CONFIG: 'paas.yml',
        INPUT_STATE_ROOT: join(runnerTemp, 'state'),
        INPUT_VAULT: `POSTGRES_DSN_PROD=${dsn(db)}`,
      };
      if (process.env.BENCH_CPU_PROF) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}`;
      // BENCH_WRAP="strace -f -tt -o /tmp/x": a command line the paas runs start under
      const wrap = process.env.BENCH_WRAP ? process.env.BENCH_WRAP.split(' ') : [];
      return wrap.length
        ? timed(wrap[0] as string, [...wrap.slice(1), process.execPath, bundle], env, ws)
        : timed(process.execPath, [bundle], env, ws);
    };
    const dbmate = (db: string) =>
      timed(
        DBMATE,
        ['--url', dsn(db), '--migrations-dir', join(ws, 'db', 'migrations'), '--no-dump-schema', 'migrate'],
        baseEnv,
        ws,
      );
    const m: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const proc: Record<string, number[]> = {};
    const push = (k: string, r: Run, server = NaN): void => {
      (proc[k] ??= []).push(r.cpuMs);
      (m[k] ??= []).push(r.ms);
      (cpu[k] ??= []).push(r.cpuMs + server);
    };
    /** a run, with the server's CPU during it (a backend's CPU is counted once it has ended: a short wait) */
    const withServer = async (label: string, run: () => Promise<Run>): Promise<[Run, number]> => {
      const s0 = serverCpuMs(pg);
      const d0 = DETAIL ? serverCpuDetail(pg) : {};
      const r = await run();
      await new Promise((res) => setTimeout(res, 100));
      if (DETAIL) {
        const d1 = serverCpuDetail(pg);
        const diff = Object.entries(d1)
          .map(([k, v]) => [k, v - (d0[k] ?? 0)] as const)
          .filter(([, v]) => v !== 0);
        process.stderr.write(`${label}: server CPU by process (ms): ${JSON.stringify(Object.fromEntries(diff))}\n`);
      }
      return [r, serverCpuMs(pg) - s0];
    };
    for (let t = 0; t < TRIALS; t++) {
      const dbs: Record<string, string> = { dbmate: `fx_dbmate_${t}` };
      DISTS.forEach((_, i) => {
        dbs[`all${i}`] = `fx_all${i}_${t}`;
        dbs[`migrate${i}`] = `fx_migrate${i}_${t}`;
      });
      for (const db of Object.values(dbs)) await pg.createDatabase(db, owner);
      const steps: [string, () => Promise<void>][] = [
        ['node -e 0', async () => push('node -e 0', await timed(process.execPath, ['-e', '0'], baseEnv, root))],
        ['dbmate --version', async () => push('dbmate --version', await timed(DBMATE, ['--version'], baseEnv, root))],
        ...DISTS.flatMap((dist, i) =>
          (['all', 'migrate'] as const).map((mode): [string, () => Promise<void>] => [
            mode,
            async () => {
              for (const pending of [FILES, 0]) {
                const [r, server] = await withServer(`paas ${mode} ${i}, ${pending} pending`, () =>
                  ours(mode, dbs[`${mode}${i}`] as string, bundleOf(dist)),
                );
                expectRun(r, `paas ${mode}`, new RegExp(`db_bootstrap status=ok mode=${mode}`));
                push(`paas ${mode}${DISTS.length > 1 ? ` (${dist})` : ''}, ${pending} pending`, r, server);
              }
            },
          ]),
        ),
        [
          'dbmate',
          async () => {
            for (const pending of [FILES, 0]) {
              const [r, server] = await withServer(`dbmate, ${pending} pending`, () => dbmate(dbs.dbmate as string));
              expectRun(r, 'dbmate migrate', pending ? /Applied/ : /^$|Applied|No migrations|/);
              push(`dbmate migrate, ${pending} pending`, r, server);
            }
          },
        ],
      ];
      // rotate the order each trial
      for (let i = 0; i < steps.length; i++)
        await (steps[(i + t) % steps.length] as [string, () => Promise<void>])[1]();
      for (const db of Object.values(dbs)) await pg.dropDatabase(db);
    }
    const lines = [
      `node ${process.version}, server data in ${PG_DIR}, ${TRIALS} trials interleaved, medians (min-max)`,
      '',
      '| run | median | min | max | CPU: process + server (median) | min | process alone (median) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...Object.entries(m).map(
        ([k, v]) =>
          `| ${k} | ${Math.round(median(v))} ms | ${Math.round(Math.min(...v))} ms | ${Math.round(Math.max(...v))} ms | ` +
          `${Math.round(median(cpu[k] ?? []))} ms | ${Math.round(Math.min(...(cpu[k] ?? [])))} ms | ` +
          `${Math.round(median(proc[k] ?? []))} ms |`,
      ),
    ];
    process.stderr.write(`raw (ms, in trial order): ${JSON.stringify({ wall: m, cpu, process: proc })}\n`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await pg.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
