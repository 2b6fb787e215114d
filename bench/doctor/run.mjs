#!/usr/bin/env node
// bench/doctor: paas doctor vs secretlint 13 (recommended preset) vs the I/O floor, side by side,
// on generated trees of realistic source with planted secrets (about 10 MB and 100 MB).
//
//   npm run build -- --only cli && node_modules/.bin/node bench/doctor/run.mjs [--sizes 10,100] [--runs 3] [--workers N] [--readahead 0|1] [--no-compile-cache] [--cli dist/cli/index.js]
//
// Trees are generated under /dev/shm (tmpfs) when it exists, else the system temp directory, never
// in the repository. Each tool runs as its own process (startup included), `--runs` times; the
// median is reported. Recall: planted secrets reported on their file and line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTree } from './generate.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const sizes = flag('--sizes', '10,100').split(',').map(Number);
const runs = Number(flag('--runs', '3'));
const cliPath = resolve(flag('--cli', process.env.PAAS_BENCH_CLI ?? join(REPO, 'dist', 'cli', 'index.js')));
// Node's on-disk compile cache (NODE_COMPILE_CACHE) for both tools alike, as a user would enable it;
// --no-compile-cache measures cold starts.
const compileCache = !args.includes('--no-compile-cache');
// doctor's worker threads: default automatic (PAAS_DOCTOR_WORKERS unset); --workers 0 = one thread
const workers = flag('--workers', undefined);
// doctor's reader thread: default automatic (PAAS_DOCTOR_READAHEAD unset); --readahead 0 = none
const readahead = flag('--readahead', undefined);
const node = process.execPath;
const secretlintBin = join(REPO, 'bench', 'node_modules', 'secretlint', 'bin', 'secretlint.js');
if (!existsSync(secretlintBin)) throw new Error('secretlint is missing: npm ci --prefix bench');
if (Number(process.versions.node.split('.')[0]) < 24)
  throw new Error('run under Node 24 (node_modules/.bin/node): secretlint 13 is measured under Node 24');
if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: npm run build -- --only cli`);

const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// CPU time (user + sys) of each process through GNU time when present: on a shared machine wall
// time depends on the load of others, CPU time much less.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function timed(cmd, argv, cwd, env = {}) {
  const t = process.hrtime.bigint();
  const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', 'cpu %U %S', cmd, ...argv]] : [cmd, argv];
  const cacheEnv = compileCache ? { NODE_COMPILE_CACHE: join(base, 'paas-doctor-bench-compile-cache') } : {};
  const r = spawnSync(c, a, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...cacheEnv, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return {
    ms,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN,
    stdout: r.stdout,
    stderr: r.stderr,
    status: r.status,
  };
}

const IO_FLOOR = `
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
let files = 0, bytes = 0;
const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); else if (e.isFile()) { bytes += readFileSync(p).length; files++; } } };
walk(process.argv[1]);
console.log(JSON.stringify({ files, bytes }));
`;

const results = [];
for (const mb of sizes) {
  const root = mkdtempSync(join(base, `paas-doctor-bench-${mb}mb-`));
  const state = mkdtempSync(join(base, 'paas-doctor-bench-state-'));
  try {
    const tree = join(root, 'tree');
    const gen = generateTree(tree, mb, { seed: mb, nodeModules: join(REPO, 'node_modules') });
    const rc = join(root, '.secretlintrc.json');
    writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
    const plantedKey = new Set(gen.planted.map((p) => `${p.file}:${p.line}`));
    const row = {
      mb,
      files: gen.files,
      bytes: gen.bytes,
      planted: gen.planted.length,
      doctor: [],
      secretlint: [],
      io: [],
      doctorCpu: [],
      secretlintCpu: [],
      ioCpu: [],
    };
    let doctorFound = new Set();
    let secretlintFound = new Set();
    let doctorOther = 0;
    let secretlintOther = 0;
    for (let k = 0; k < runs; k++) {
      const io = timed(node, ['-e', IO_FLOOR, tree], root);
      row.io.push(io.ms);
      row.ioCpu.push(io.cpuMs);
      const d = timed(node, [cliPath, 'doctor', '--path', tree, '--state-root', join(state, 's'), '--json'], tree, {
        ...(workers === undefined ? {} : { PAAS_DOCTOR_WORKERS: workers }),
        ...(readahead === undefined ? {} : { PAAS_DOCTOR_READAHEAD: readahead }),
      });
      row.doctor.push(d.ms);
      row.doctorCpu.push(d.cpuMs);
      const env = JSON.parse(d.stdout.trim().split('\n').at(-1));
      const findings = env.fields.checks.find((c) => c.name === 'repo_plaintext_secret_exposure').findings;
      doctorFound = new Set(findings.map((f) => `${f.file}:${f.line}`));
      doctorOther = [...doctorFound].filter((x) => !plantedKey.has(x)).length;
      row.doctorFiles = env.fields.files;
      const s = timed(node, [secretlintBin, '--secretlintrc', rc, '--format', 'json', '--maskSecrets', '**/*'], tree);
      row.secretlint.push(s.ms);
      row.secretlintCpu.push(s.cpuMs);
      const out = JSON.parse(s.stdout || '[]');
      secretlintFound = new Set(
        out.flatMap((f) => f.messages.map((m) => `${relative(tree, f.filePath)}:${m.loc.start.line}`)),
      );
      secretlintOther = [...secretlintFound].filter((x) => !plantedKey.has(x)).length;
      row.secretlintFiles = out.length;
    }
    const recall = (found) => gen.planted.filter((p) => found.has(`${p.file}:${p.line}`)).length / gen.planted.length;
    const byKind = {};
    for (const p of gen.planted) {
      const e = (byKind[p.kind] ??= { n: 0, doctor: 0, secretlint: 0 });
      e.n++;
      if (doctorFound.has(`${p.file}:${p.line}`)) e.doctor++;
      if (secretlintFound.has(`${p.file}:${p.line}`)) e.secretlint++;
    }
    Object.assign(row, {
      doctorRecall: recall(doctorFound),
      secretlintRecall: recall(secretlintFound),
      doctorOther,
      secretlintOther,
      byKind,
    });
    results.push(row);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}

const mbps = (bytes, ms) => (bytes / 1048576 / (ms / 1000)).toFixed(1);
console.log(
  `bench/doctor: ${runs} run(s) each, medians per process (startup included${compileCache ? ', NODE_COMPILE_CACHE on for both' : ', cold starts'}, doctor worker threads ${workers === undefined ? 'automatic' : workers}, reader thread ${readahead === undefined ? 'automatic' : readahead}), Node ${process.versions.node}, ${base}, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`,
);
console.log(
  '| tree | files | tool | wall (ms) | MB/s (wall) | CPU (ms) | speed-up of doctor (wall / CPU) | recall (planted) | other findings |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const [d, s, io] = [median(r.doctor), median(r.secretlint), median(r.io)];
  const [dc, sc, ic] = [median(r.doctorCpu), median(r.secretlintCpu), median(r.ioCpu)];
  const mb = (r.bytes / 1048576).toFixed(1);
  console.log(
    `| ${mb} MB | ${r.files} | I/O floor (read every file) | ${io.toFixed(0)} | ${mbps(r.bytes, io)} | ${ic.toFixed(0)} | doctor takes ${(d / io).toFixed(1)}x / ${(dc / ic).toFixed(1)}x the floor | - | - |`,
  );
  console.log(
    `| ${mb} MB | ${r.files} | paas doctor | ${d.toFixed(0)} | ${mbps(r.bytes, d)} | ${dc.toFixed(0)} | 1 | ${(r.doctorRecall * 100).toFixed(1)}% of ${r.planted} | ${r.doctorOther} |`,
  );
  console.log(
    `| ${mb} MB | ${r.files} | secretlint 13 + preset-recommend | ${s.toFixed(0)} | ${mbps(r.bytes, s)} | ${sc.toFixed(0)} | ${(s / d).toFixed(1)}x / ${(sc / dc).toFixed(1)}x | ${(r.secretlintRecall * 100).toFixed(1)}% | ${r.secretlintOther} |`,
  );
}
for (const r of results) {
  console.log(
    `recall by kind (${(r.bytes / 1048576).toFixed(0)} MB): ${Object.entries(r.byKind)
      .map(([k, v]) => `${k} ${v.doctor}/${v.secretlint}/${v.n}`)
      .join(', ')}  (doctor/secretlint/planted)`,
  );
}
