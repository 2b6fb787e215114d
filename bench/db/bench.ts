/**
 * db_bootstrap vs dbmate, side by side on one PostgreSQL server (test/harness/postgres.ts):
 * N small migrations applied to an empty database, plus dry_run times. Every run gets a fresh
 * database (a new name), so no state carries over. Both tools run as processes, as users run them:
 * ours is the action bundle (dist/db_bootstrap/index.js, Node 24), dbmate its binary from the npm
 * package `dbmate` with --no-dump-schema (its fastest setting). Prints medians and ratios.
 *
 *   node_modules/.bin/node bench/db/run.mjs [--sizes 100,1000] [--trials 3]
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PgServer } from '../../test/harness/postgres.js';
import { benchServer, DBMATE, expectRun, flag, median, PG_DIR, REPO, serverCpuMs, timed } from './measure.js';

const SIZES = flag('--sizes', '100,1000').split(',').map(Number);
const TRIALS = Number(flag('--trials', '3'));
/** one-way delay added by a TCP proxy between both tools and the server (0: plain loopback) */
const LATENCY = Number(flag('--latency-ms', '0'));
const DIST = resolve(flag('--dist', join(REPO, 'dist')));
const BUNDLE = join(DIST, 'db_bootstrap', 'index.js');

if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: npm run build -- --only db_bootstrap`);

function writeMigrations(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const width = Math.max(4, String(n).length);
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(width, '0');
    writeFileSync(
      join(dir, `${id}_create_t${i}.sql`),
      `-- migrate:up\nCREATE TABLE t${i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '');\nINSERT INTO t${i} (id) VALUES (1);\n\n-- migrate:down\nDROP TABLE t${i};\n`,
    );
  }
}

/** A TCP proxy that delays every chunk by `ms` in each direction (order kept): a round trip costs 2*ms. */
function delayProxy(targetPort: number, ms: number): Promise<{ port: number; server: Server }> {
  return new Promise((res) => {
    const server = createServer((client: Socket) => {
      const upstream = connect(targetPort, '127.0.0.1');
      const pipeDelayed = (from: Socket, to: Socket) => {
        from.on('data', (chunk: Buffer) => setTimeout(() => to.write(chunk), ms));
        from.on('end', () => setTimeout(() => to.end(), ms));
        from.on('error', () => to.destroy());
      };
      pipeDelayed(client, upstream);
      pipeDelayed(upstream, client);
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      res({ port: typeof a === 'object' && a ? a.port : 0, server });
    });
  });
}

let seq = 0;
async function freshDatabase(pg: PgServer, owner: string, tag: string): Promise<string> {
  const name = `bench_${tag}_${seq++}`;
  await pg.createDatabase(name, owner);
  return name;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'paas-bench-db-'));
  const { pg, owner, password } = await benchServer();
  try {
    const proxy = LATENCY > 0 ? await delayProxy(pg.port, LATENCY) : null;
    const dsn = (db: string) =>
      `${pg.dsn(db, owner, password).replace(`:${pg.port}/`, `:${proxy ? proxy.port : pg.port}/`)}?sslmode=disable`;
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C.UTF-8' };

    const ours = (ws: string, mode: string, db: string | null, tag: string) => {
      const runnerTemp = join(root, `rt-${tag}-${seq++}`);
      mkdirSync(runnerTemp, { recursive: true });
      const output = join(runnerTemp, 'output');
      writeFileSync(output, '');
      const env: Record<string, string> = {
        ...baseEnv,
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        // as the runner sets them: the context's trigger policy checks the event
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_WORKSPACE: ws,
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: runnerTemp,
        INPUT_MODE: mode,
        INPUT_CONTEXT: 'oss-demo',
        INPUT_CONFIG: 'paas.yml',
        INPUT_STATE_ROOT: join(runnerTemp, 'state'),
      };
      if (db) env.INPUT_VAULT = `POSTGRES_DSN_PROD=${dsn(db)}`;
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of every run of ours (open in Chrome DevTools)
      if (process.env.BENCH_CPU_PROF) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}`;
      return timed(process.execPath, [BUNDLE], env, ws);
    };
    const dbmate = (ws: string, cmd: string, db: string) =>
      timed(
        DBMATE,
        ['--url', dsn(db), '--migrations-dir', join(ws, 'db', 'migrations'), '--no-dump-schema', cmd],
        baseEnv,
        ws,
      );
    const rows = async (db: string, table = 'schema_migrations') =>
      Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, db)).rows[0]?.n);

    // fixed process costs, for reading the small sizes
    const nodeStart = median(
      await Promise.all([0, 1, 2].map(() => timed(process.execPath, ['-e', '0'], baseEnv, root).then((r) => r.ms))),
    );
    const dbmateStart = median(
      await Promise.all([0, 1, 2].map(() => timed(DBMATE, ['--version'], baseEnv, root).then((r) => r.ms))),
    );

    const results: string[] = [];
    const cpuRows: string[] = [];
    const perSize: Record<number, Record<string, number>> = {};
    for (const n of SIZES) {
      const ws = join(root, `ws-${n}`);
      writeMigrations(join(ws, 'db', 'migrations'), n);
      const m: Record<string, number[]> = {
        all: [],
        migrate: [],
        dbmate: [],
        dryPending: [],
        dryCurrent: [],
        dbmateStatus: [],
        offline: [],
        // CPU of the migrate runs: the tool's process, and the server's (a backend ends with its session)
        cpuAll: [],
        cpuMigrate: [],
        cpuDbmate: [],
        serverAll: [],
        serverMigrate: [],
        serverDbmate: [],
      };
      for (let t = 0; t < TRIALS; t++) {
        // alternate the order between trials so neither tool always runs on a warmer server
        const order = t % 2 === 0 ? ['ours-all', 'dbmate', 'ours-migrate'] : ['dbmate', 'ours-migrate', 'ours-all'];
        const dbs: Record<string, string> = {};
        for (const what of order) {
          const db = await freshDatabase(pg, owner, `${n}_${what.replace('-', '_')}`);
          dbs[what] = db;
          const server0 = serverCpuMs(pg);
          const key = what === 'dbmate' ? 'Dbmate' : what === 'ours-all' ? 'All' : 'Migrate';
          if (what === 'dbmate') {
            const r = await dbmate(ws, 'migrate', db);
            expectRun(r, 'dbmate migrate', /Applied/);
            m.dbmate?.push(r.ms);
            m.cpuDbmate?.push(r.cpuMs);
          } else {
            const mode = what === 'ours-all' ? 'all' : 'migrate';
            const r = await ours(ws, mode, db, what);
            expectRun(r, `paas ${mode}`, new RegExp(`db_bootstrap status=ok mode=${mode}`));
            (mode === 'all' ? m.all : m.migrate)?.push(r.ms);
            (mode === 'all' ? m.cpuAll : m.cpuMigrate)?.push(r.cpuMs);
          }
          await new Promise((r) => setTimeout(r, 100)); // the backend's exit, reaped by the postmaster
          m[`server${key}`]?.push(serverCpuMs(pg) - server0);
          if ((await rows(db)) !== n) throw new Error(`${what} did not apply everything`);
        }
        const empty = await freshDatabase(pg, owner, `${n}_empty`);
        const dp = await ours(ws, 'dry_run', empty, 'dry-pending');
        expectRun(dp, 'paas dry_run', /^db_bootstrap_dry_run status=ok migrations=\d+$/m);
        m.dryPending?.push(dp.ms);
        const dc = await ours(ws, 'dry_run', dbs['ours-all'] as string, 'dry-current');
        expectRun(dc, 'paas dry_run', /^db_bootstrap_dry_run status=ok/m);
        m.dryCurrent?.push(dc.ms);
        const st = await dbmate(ws, 'status', dbs.dbmate as string);
        expectRun(st, 'dbmate status', /Applied: \d+/);
        m.dbmateStatus?.push(st.ms);
        const off = await ours(ws, 'dry_run', null, 'offline');
        expectRun(off, 'paas dry_run offline', /^db_bootstrap_dry_run status=ok/m);
        m.offline?.push(off.ms);
        for (const db of [...Object.values(dbs), empty]) await pg.dropDatabase(db);
      }
      const md = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)])) as Record<string, number>;
      perSize[n] = md;
      const r = (a: number, b: number) => (a / b).toFixed(2);
      const f = (x: number) => `${Math.round(x)} ms`;
      results.push(
        `| ${n} | ${f(md.all as number)} | ${f(md.migrate as number)} | ${f(md.dbmate as number)} | **${r(md.all as number, md.dbmate as number)}** | ${r(md.migrate as number, md.dbmate as number)} | ${f(md.dryPending as number)} | ${f(md.dryCurrent as number)} | ${f(md.dbmateStatus as number)} | ${f(md.offline as number)} |`,
      );
      const c = (k: string) => `${Math.round(md[k] as number)} ms`;
      cpuRows.push(
        `| ${n} | ${c('cpuAll')} + ${c('serverAll')} | ${c('cpuMigrate')} + ${c('serverMigrate')} | ${c('cpuDbmate')} + ${c('serverDbmate')} | ` +
          `**${r((md.cpuAll as number) + (md.serverAll as number), (md.cpuDbmate as number) + (md.serverDbmate as number))}** | ` +
          `${r((md.cpuMigrate as number) + (md.serverMigrate as number), (md.cpuDbmate as number) + (md.serverDbmate as number))} |`,
      );
      process.stderr.write(`size ${n}: ${JSON.stringify(md)}\n`);
    }
    const marginal: string[] = [];
    const [lo, hi] = [SIZES[0] as number, SIZES[SIZES.length - 1] as number];
    if (SIZES.length > 1 && perSize[lo] && perSize[hi]) {
      const per = (k: string) => ((perSize[hi]?.[k] as number) - (perSize[lo]?.[k] as number)) / (hi - lo);
      marginal.push(
        '',
        `marginal cost per migration (${lo} → ${hi}, start-up excluded): paas all ${per('all').toFixed(2)} ms, paas migrate ${per('migrate').toFixed(2)} ms, dbmate ${per('dbmate').toFixed(2)} ms (ratio migrate/dbmate ${(per('migrate') / per('dbmate')).toFixed(2)})`,
      );
    }
    proxy?.server.close();
    const lines = [
      `PostgreSQL ${(await pg.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v} (fsync off, data in ${PG_DIR}, loopback TCP${LATENCY ? ` through a proxy adding ${LATENCY} ms each way` : ''}), node ${process.version}, dbmate ${(await timed(DBMATE, ['--version'], baseEnv, root)).out.trim().replace(/^dbmate version /, '')}, ${cpus().length} CPUs, ${TRIALS} trials, medians`,
      `process start alone: node ${Math.round(nodeStart)} ms, dbmate ${Math.round(dbmateStart)} ms`,
      '',
      '| migrations | paas all (migrate+verify) | paas migrate | dbmate migrate | ratio all/dbmate | ratio migrate/dbmate | paas dry_run, all pending | paas dry_run, up to date | dbmate status | paas dry_run offline |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results,
      ...marginal,
      '',
      'CPU of the migrate runs (medians; the process + the server, ended backends included): steadier than wall time on a shared machine',
      '',
      '| migrations | paas all | paas migrate | dbmate migrate | ratio all/dbmate | ratio migrate/dbmate |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      ...cpuRows,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await pg.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
