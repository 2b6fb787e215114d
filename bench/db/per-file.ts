/**
 * What one migration file costs on the server, per variant of the SQL sent for it (bench/db/run.mjs
 * --per-file [--files 1000]): one database and one session per variant, the variants interleaved
 * file by file so the machine's load hits all of them alike. Prints the wall time per file and the
 * CPU time of each variant's backend per file (from /proc: the server's own work, which wall time on
 * a shared machine hides). The file is the bench's: CREATE TABLE with a primary key + one INSERT.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startPostgres } from '../../test/harness/postgres.js';
import { PG_DIR } from './measure.js';

const args = process.argv.slice(2);
const at = args.indexOf('--files');
const N = at >= 0 ? Number(args[at + 1]) : 1000;
const KEY = '1234567';
const ROLE = 'RESET SESSION AUTHORIZATION;\nRESET ROLE;\n';
const RESET = `${ROLE}RESET ALL;\nDISCARD TEMP;\nDISCARD SEQUENCES;\nDEALLOCATE ALL;\nCLOSE ALL;\nUNLISTEN *;\nSET client_connection_check_interval = '2s';`;
const TIMEOUTS = "SET LOCAL lock_timeout = '5000ms';\nSET LOCAL statement_timeout = '600000ms';\n";
const GUARD =
  'DO $paas_guard$ BEGIN IF NOT (pg_catalog.pg_backend_pid() = pg_catalog.pg_backend_pid() AND ' +
  `pg_catalog.pg_try_advisory_xact_lock(${KEY})) THEN RAISE EXCEPTION USING ERRCODE = 'PAAS1'; END IF; END $paas_guard$;\n`;
const file = (i: number) =>
  `CREATE TABLE t${i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '');\nINSERT INTO t${i} (id) VALUES (1);\n`;
const ledgerRow = (i: number) =>
  'INSERT INTO public.schema_migrations (id, filename, checksum, applied_at, duration_ms, success) VALUES ' +
  `(${i}, 'f${i}.sql', '${'a'.repeat(64)}', pg_catalog.clock_timestamp(), ` +
  '(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint, true);\n';

const VARIANTS: Record<string, (c: pg.Client, i: number) => Promise<unknown>> = {
  // what db_bootstrap sends per file: one message
  paas: (c, i) => c.query(`BEGIN;\n${TIMEOUTS}${GUARD}${file(i)};\n${ROLE}${ledgerRow(i)}COMMIT;\n${RESET}`),
  // the same without timeouts, guard and resets
  bare: (c, i) => c.query(`BEGIN;\n${file(i)};\n${ledgerRow(i)}COMMIT;`),
  // dbmate's sequence: BEGIN, the file, the version INSERT with a parameter, COMMIT (4 round trips)
  dbmate: async (c, i) => {
    await c.query('BEGIN');
    await c.query(file(i));
    await c.query({
      text: `INSERT INTO public.schema_migrations (id, filename, checksum, duration_ms) VALUES ($1, 'x', '${'a'.repeat(64)}', 1)`,
      values: [i],
    });
    await c.query('COMMIT');
  },
};

function backendCpuMs(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in clock ticks of 10 ms
}

const server = await startPostgres({ settings: { max_connections: 50 }, parentDir: PG_DIR });
try {
  await server.createRole('bench_owner', 'pw12345Aa');
  const clients: Record<string, pg.Client> = {};
  // a warm-up database first: the first database a fresh server works on measures slower
  for (const v of ['warmup', ...Object.keys(VARIANTS)]) {
    await server.createDatabase(`per_file_${v}`, 'bench_owner');
    const c = new pg.Client({ connectionString: server.dsn(`per_file_${v}`, 'bench_owner', 'pw12345Aa') });
    await c.connect();
    await c.query(
      'CREATE TABLE public.schema_migrations (id bigint PRIMARY KEY, filename text NOT NULL, checksum text NOT NULL, ' +
        'applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), duration_ms bigint, success boolean NOT NULL DEFAULT true)',
    );
    clients[v] = c;
  }
  for (let i = 1; i <= 200; i++) await VARIANTS.bare?.(clients.warmup as pg.Client, i);
  const names = Object.keys(VARIANTS);
  const wall: Record<string, number> = {};
  const cpu0 = Object.fromEntries(
    names.map((v) => [v, backendCpuMs((clients[v] as pg.Client & { processID: number }).processID)]),
  );
  for (let i = 1; i <= N; i++)
    for (let j = 0; j < names.length; j++) {
      const v = names[(i + j) % names.length] as string;
      const t0 = performance.now();
      await VARIANTS[v]?.(clients[v] as pg.Client, i);
      wall[v] = (wall[v] ?? 0) + performance.now() - t0;
    }
  process.stdout.write(
    `| per-file SQL (${N} files each, interleaved) | wall ms per file | server CPU ms per file |\n| --- | ---: | ---: |\n`,
  );
  for (const v of names) {
    const c = clients[v] as pg.Client & { processID: number };
    const cpu = (backendCpuMs(c.processID) - (cpu0[v] as number)) / N;
    process.stdout.write(`| ${v} | ${((wall[v] as number) / N).toFixed(2)} | ${cpu.toFixed(2)} |\n`);
  }
  for (const c of Object.values(clients)) await c.end();
} finally {
  await server.destroy();
}
