#!/usr/bin/env node
// dist/ size and start-up: the dist/ committed at REF (default d854138, the last one built by ncc,
// one bundle per entry) against a fresh `scripts/build.mjs` of the work tree (one esbuild pass,
// shared chunks). Runs are interleaved (old, new, old, new, ...) so that the load of a shared
// machine hits both sides alike; each run's own CPU time (user+sys) comes from wait4 (python3).
// Usage: node bench/dist/startup.mjs [--ref REF] [--runs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const ref = flag('--ref', 'd854138');
const runs = Number(flag('--runs', '30'));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const node = process.execPath;
const t = mkdtempSync(join(tmpdir(), 'paas-dist-bench-'));
try {
  mkdirSync(join(t, 'old'));
  mkdirSync(join(t, 'new'));
  mkdirSync(join(t, 'ws'));
  execFileSync('sh', ['-c', `git -C "${root}" archive "${ref}" dist | tar -x -C "${join(t, 'old')}"`]);
  execFileSync(node, [join(root, 'scripts', 'build.mjs'), '--out', join(t, 'new', 'dist')], { stdio: 'ignore' });
  for (const side of ['old', 'new']) {
    cpSync(join(root, 'package.json'), join(t, side, 'package.json'));
    cpSync(join(root, 'actions'), join(t, side, 'actions'), { recursive: true });
  }
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  const size = (d) => { const f = walk(d); return `${(f.reduce((n, x) => n + statSync(x).size, 0) / 1e6).toFixed(1)} MB in ${f.length} files`; };
  console.log(`dist/ of ${ref}: ${size(join(t, 'old', 'dist'))}`);
  console.log(`fresh build:   ${size(join(t, 'new', 'dist'))}`);
  console.log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${runs} interleaved runs each`);
  const env = { PATH: process.env.PATH, HOME: join(t, 'ws'), GITHUB_WORKSPACE: join(t, 'ws'), RUNNER_TEMP: t, INPUT_CONTEXT: 'oss-demo', INPUT_STATE_ROOT: join(t, 'state'), NODE_COMPILE_CACHE: join(t, 'compile-cache') };
  const cases = [
    ['doctor action', 'doctor/index.js', ''],
    ['post step', 'post/index.js', ''],
    ['paas --help', 'cli/index.js', '--help'],
    ['paas --version', 'cli/index.js', '--version'],
  ];
  const res = {};
  // one run: wall time and the child's own CPU time (user+sys) from wait4, in microseconds
  const RUN = 'import os,sys,time\nd=os.open(os.devnull,os.O_WRONLY)\nt=time.perf_counter()\np=os.fork()\nif p==0:\n  os.dup2(d,1);os.dup2(d,2);os.execv(sys.argv[1],sys.argv[1:])\n_,st,ru=os.wait4(p,0)\nprint(os.waitstatus_to_exitcode(st),(time.perf_counter()-t)*1000,(ru.ru_utime+ru.ru_stime)*1000)';
  for (let i = 0; i < runs + 2; i++) {
    for (const c of cases) for (const side of ['old', 'new']) {
      const argv = [node, join(t, side, 'dist', c[1]), ...(c[2] ? [c[2]] : [])];
      const r = spawnSync('python3', ['-c', RUN, ...argv], { cwd: join(t, 'ws'), env, encoding: 'utf8' });
      const [rc, wall, cpu] = r.stdout.trim().split(' ').map(Number);
      if (rc !== 0) throw new Error(`${argv.join(' ')} exited ${rc}: ${r.stderr}`);
      if (i < 2) continue; // warm-up (disk cache, compile cache)
      const slot = (res[`${c[0]}|${side}`] ??= { wall: [], cpu: [] });
      slot.wall.push(wall);
      slot.cpu.push(cpu);
    }
  }
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  console.log(`\n| run | ${ref} (ncc) wall ms | new wall ms | ${ref} CPU ms | new CPU ms | new/old CPU |\n| --- | --- | --- | --- | --- | --- |`);
  for (const c of cases) {
    const o = res[`${c[0]}|old`];
    const n = res[`${c[0]}|new`];
    console.log(`| ${c[0]} | ${med(o.wall).toFixed(0)} | ${med(n.wall).toFixed(0)} | ${med(o.cpu).toFixed(0)} | ${med(n.cpu).toFixed(0)} | ${(med(n.cpu) / med(o.cpu)).toFixed(2)} |`);
  }
  console.log('(medians; CPU = user+sys of the process itself, from wait4)');
} finally {
  rmSync(t, { recursive: true, force: true });
}
