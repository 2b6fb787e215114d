/**
 * What the db benches share (bench/db/bench.ts, bench/db/fixed.ts): their flags, dbmate's binary,
 * a timed child process with its CPU (GNU time), the server's CPU from /proc, and medians.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type PgServer } from '../../test/harness/postgres.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
/** `--name value` on the command line, else `def` */
export const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};

/**
 * Where the server's data directory goes (--pg-dir DIR; `disk` for os.tmpdir()): tmpfs (/dev/shm)
 * by default. On this machine's ext4 (mounted with `discard`) a backend's system CPU for creating a
 * run's ~4,000 relation files swung 0.3-3.5 s from run to run (after the previous trial's DROP
 * DATABASEs) while its user CPU stayed at ~0.5 s: kernel noise that fell on whichever tool ran, paas
 * or dbmate. The tools' own files (workspace, paas's state root) stay in os.tmpdir().
 */
export const PG_DIR = ((d: string) => (d === 'disk' ? tmpdir() : d))(
  flag('--pg-dir', existsSync('/dev/shm') ? '/dev/shm' : 'disk'),
);

if (Number(process.versions.node.split('.')[0]) !== 24)
  throw new Error('run with Node 24: node_modules/.bin/node bench/db/run.mjs');

/** dbmate's binary from the bench's own npm packages (npm ci --prefix bench) */
export const DBMATE = createRequire(join(REPO, 'bench', 'package.json')).resolve(
  `@dbmate/${process.platform}-${process.arch}/bin/dbmate`,
);

export interface Timed {
  ms: number;
  code: number | null;
  out: string;
  /** user + system CPU of the process (GNU time), NaN without /usr/bin/time */
  cpuMs: number;
}

/** GNU time reports the child's CPU: on a shared machine CPU is steadier than wall time. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const CPU_LINE = /\n?PAAS_BENCH_CPU ([\d.]+) ([\d.]+)\n?/;

/** The benches' PostgreSQL (data directory on PG_DIR) and the role both tools connect as. */
export async function benchServer(): Promise<{ pg: PgServer; owner: string; password: string }> {
  const pg = await startPostgres({ settings: { max_connections: 50 }, parentDir: PG_DIR });
  const owner = 'bench_owner';
  const password = Math.random().toString(36).slice(2) + 'Aa1';
  try {
    await pg.createRole(owner, password);
  } catch (e) {
    await pg.destroy();
    throw e;
  }
  return { pg, owner, password };
}

/** Throws, with the end of its output, when a run failed or did not print what it should. */
export function expectRun(r: Timed, what: string, expect: RegExp): void {
  if (r.code !== 0 || !expect.test(r.out)) throw new Error(`${what} failed (exit ${r.code}):\n${r.out.slice(-2000)}`);
}

/** Runs `cmd argv` to its end: wall time, exit code, stdout + stderr and CPU. */
export function timed(cmd: string, argv: string[], env: Record<string, string>, cwd: string): Promise<Timed> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const [bin, args] = GNU_TIME ? [GNU_TIME, ['-f', '\nPAAS_BENCH_CPU %U %S', cmd, ...argv]] : [cmd, argv];
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const cpu = CPU_LINE.exec(out);
      const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN;
      res({ ms, code, out: out.replace(CPU_LINE, ''), cpuMs });
    });
  });
}

/** CPU of the PostgreSQL server so far (postmaster, its live children, its ended ones), from /proc; NaN if unreadable. */
export function serverCpuMs(pg: PgServer): number {
  try {
    const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let ticks = 0;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let st: string;
      try {
        st = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(d) === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      else if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks * 10; // clock ticks of 10 ms (CLK_TCK 100)
  } catch {
    return NaN;
  }
}

/**
 * The server's CPU so far by process kind (BENCH_SERVER_DETAIL=1): `backend` (live client
 * sessions), `ended` (reaped children: ended sessions and workers), and each background process by
 * its title (`autovacuum worker`, `checkpointer`, ...), in ms; to see whose work a run was charged.
 */
export function serverCpuDetail(pg: PgServer): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let st: string;
      let title: string;
      try {
        st = readFileSync(`/proc/${d}/stat`, 'utf8');
        title = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue;
      }
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const add = (k: string, ticks: number) => (out[k] = (out[k] ?? 0) + ticks * 10);
      if (Number(d) === postmaster) {
        add('postmaster', Number(f[11]) + Number(f[12]));
        add('ended user', Number(f[13]));
        add('ended sys', Number(f[14]));
      } else if (Number(f[1]) === postmaster) {
        const kind =
          /^postgres: (autovacuum \w+|checkpointer|background writer|walwriter|logical replication launcher)/.exec(
            title,
          );
        add(kind ? (kind[1] as string) : 'backend', Number(f[11]) + Number(f[12]));
      }
    }
  } catch {
    /* unreadable: empty */
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
