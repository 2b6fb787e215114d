#!/usr/bin/env node
// bench/ops: 100 HTTP checks against 100 local servers that each answer after 200 ms.
//   paas:     `paas ops daily` (the bundled CLI, dist/cli/index.js), checks run concurrently
//   baseline: one `curl` after another in a shell loop, as hand-written workflow steps do
// Prints wall times (median of the runs), the slowest single check, and the ratios.
// Usage: npm run build -- --only cli && node bench/ops/http-checks.mjs [--checks 100] [--latency 200] [--runs 5]
// PAAS_BENCH_DIST=<dir> runs the CLI bundle from another directory than dist/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const CHECKS = opt('--checks', 100);
const LATENCY = opt('--latency', 200);
const RUNS = opt('--runs', 5);
const cliPath = resolve(process.env.PAAS_BENCH_DIST ?? 'dist', 'cli', 'index.js');
if (!existsSync(cliPath)) {
  console.error(`bench: ${cliPath} not found; build it first: npm run build -- --only cli`);
  process.exit(1);
}
if (spawnSync('curl', ['--version']).status !== 0) {
  console.error('bench: curl not found (the serial baseline needs it)');
  process.exit(1);
}

const servers = [];
for (let i = 0; i < CHECKS; i++) {
  const s = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), LATENCY);
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
}
const urls = servers.map((s) => `http://127.0.0.1:${s.address().port}/healthz`);

const base = mkdtempSync(join(tmpdir(), 'paas-bench-ops-'));
const env = { PATH: process.env.PATH, HOME: base, PAAS_STATE_ROOT: join(base, 'state') };
const vault = join(base, 'vault.env');
writeFileSync(vault, urls.map((u, i) => `URL_${i}=${u}`).join('\n') + '\n', { mode: 0o600 });
const yml = join(base, 'paas.yml');
writeFileSync(
  yml,
  `version: 1\nops:\n  checks:\n${urls.map((_, i) => `    - name: check-${i}\n      http: { url: URL_${i} }\n`).join('')}`,
);
const yml1 = join(base, 'paas-one.yml');
writeFileSync(yml1, 'version: 1\nops:\n  checks:\n    - name: check-0\n      http: { url: URL_0 }\n');

function run(cmd, argv, extraEnv = {}) {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: { ...env, ...extraEnv }, cwd: base, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, ms: performance.now() - t0, out, err }));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const created = await run(process.execPath, [cliPath, 'context', 'create', 'oss-demo', '--vault-file', vault]);
  if (created.code !== 0) throw new Error(`context create failed: ${created.out}${created.err}`);
  const paasArgs = [cliPath, 'ops', 'daily', '--context', 'oss-demo', '--config', yml, '--mode', 'lenient', '--json'];
  await run(process.execPath, paasArgs); // warm-up (file cache)
  const paas = [];
  let slowest = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await run(process.execPath, paasArgs);
    const env = JSON.parse(r.out.trim().split('\n').at(-1));
    if (r.code !== 0 || env.fields.checks.length !== CHECKS)
      throw new Error(`paas ops daily failed (exit ${r.code}): ${r.err.slice(0, 500)}`);
    slowest = Math.max(slowest, ...env.fields.checks.map((c) => c.ms));
    paas.push(r.ms);
  }
  // the same command with ONE check: the floor (process start, state, one 200 ms request)
  const one = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(process.execPath, [
      cliPath,
      'ops',
      'daily',
      '--context',
      'oss-demo',
      '--config',
      yml1,
      '--mode',
      'lenient',
      '--json',
    ]);
    if (r.code !== 0) throw new Error(`paas ops daily (one check) failed: ${r.err.slice(0, 500)}`);
    one.push(r.ms);
  }
  // the Node process alone (start, load the bundle, print help): the fixed cost inside paas's wall time
  const startup = [];
  for (let i = 0; i < RUNS; i++) startup.push((await run(process.execPath, [cliPath, '--version'])).ms);

  const script = 'for u in $URLS; do curl -s -o /dev/null -w "%{http_code}\\n" --max-time 10 "$u"; done';
  const curl = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    const r = await run('sh', ['-c', script], { URLS: urls.join(' ') });
    if (
      r.out
        .trim()
        .split('\n')
        .filter((l) => l === '200').length !== CHECKS
    )
      throw new Error('curl baseline: not every check answered 200');
    curl.push(r.ms);
  }

  const p = median(paas);
  const c = median(curl);
  const s = median(startup);
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`bench/ops: ${CHECKS} HTTP checks, ${LATENCY} ms latency each, ${RUNS} runs (medians)`);
  console.log(
    `  node ${process.versions.node}, curl ${spawnSync('curl', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[1]}`,
  );
  console.log('');
  console.log('| run | wall time |');
  console.log('| --- | --- |');
  console.log(`| slowest single check (inside paas) | ${fmt(slowest)} |`);
  console.log(`| paas ops daily, 1 check | ${fmt(median(one))} |`);
  console.log(`| paas ops daily, ${CHECKS} checks (concurrent) | ${fmt(p)} |`);
  console.log(`| node start + bundle load alone (paas --version) | ${fmt(s)} |`);
  console.log(`| serial curl loop | ${fmt(c)} |`);
  console.log('');
  console.log(`serial curl / paas: ${(c / p).toFixed(1)}x faster`);
  console.log(`paas ${CHECKS} checks / paas 1 check: ${(p / median(one)).toFixed(2)}`);
  console.log(
    `paas ${CHECKS} checks without process start (${fmt(p - s)}) / slowest single check (${fmt(slowest)}): ${((p - s) / slowest).toFixed(2)}`,
  );
} finally {
  for (const s of servers) s.close();
  rmSync(base, { recursive: true, force: true });
}
