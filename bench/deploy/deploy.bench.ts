/**
 * Deploy benchmark: the same 10 MB release to 1, 10 (and 20) real sshd hosts with 50 ms added
 * round-trip latency, side by side:
 *   - paas deploy (parallel strategy, lock, sha256-verified upload, atomic switch, start, HTTP health gate)
 *   - an Ansible playbook doing copy, unarchive, symlink, restart (forks = hosts, no fact gathering,
 *     pipelining and ControlPersist on: Ansible at its best)
 *   - parallel-ssh: one `parallel-ssh -I` per run streaming the tarball on stdin (upload, unpack,
 *     symlink, restart in one round trip: pssh at its best; no lock, no checksum, no health gate)
 * Latency comes from bench/deploy/latency-proxy.mjs, a separate process (the kernel here has no
 * sch_netem for `tc netem`). Every tool deploys into the same per-host layout, reset between runs. Prints ratios and
 * SSH round trips per target. Run: bench/deploy/run.sh (env BENCH_HOSTS=1,10,20 BENCH_RUNS=3).
 */
import { expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from '../../test/helpers.js';
import { appYml, makeRelease, runOp } from '../../test/harness/deploy-app.js';
import { runAction } from '../../test/harness/runner.js';
import { startLab, stopApps, type SshHost, type SshLab } from '../../test/harness/sshd.js';

const SIZES = (process.env.BENCH_HOSTS ?? '1,10')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONE_WAY_MS = Number(process.env.BENCH_ONE_WAY_MS ?? 25);
const CTX = 'internal-dogfood';

/** BENCH_PAAS=action (default): the bundled action in its own process, main + post step, as a runner runs it; inprocess: deployRun in this process */
const AS_ACTION = (process.env.BENCH_PAAS ?? 'action') === 'action';
/** BENCH_TOOLS=paas,ansible,parallel-ssh (default all three): which tools run */
const TOOLS = (process.env.BENCH_TOOLS ?? 'paas,ansible,parallel-ssh').split(',');
const have = (cmd: string) =>
  TOOLS.includes(cmd === 'ansible-playbook' ? 'ansible' : cmd) &&
  spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Starts bench/deploy/latency-proxy.mjs (its own process) in front of every host. */
async function startProxies(hosts: SshHost[], oneWayMs: number): Promise<{ ports: number[]; stop: () => void }> {
  const p = spawn(
    process.execPath,
    [
      join(process.cwd(), 'bench', 'deploy', 'latency-proxy.mjs'),
      String(oneWayMs),
      ...hosts.map((h) => `${h.addr}:${h.port}`),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ports = await new Promise<number[]>((resolve, reject) => {
    let buf = '';
    p.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0] as string) as number[]);
    });
    p.once('exit', () => reject(new Error('latency proxy exited')));
  });
  return { ports, stop: () => p.kill('SIGKILL') };
}

/** Async: the latency proxies live in this process and must keep running while a peer tool works. */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: Buffer,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    p.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

/** Busy CPU time of the whole machine so far, in seconds (/proc/stat: every process, sshd and tar included). */
function machineCpu(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f as number[];
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

test('deploy: paas vs ansible vs parallel-ssh', async () => {
  const maxN = Math.max(...SIZES);
  const lab: SshLab = await startLab(maxN);
  const proxy = await startProxies(lab.hosts, ONE_WAY_MS);
  const proxies = proxy.ports.map((port) => ({ port }));
  const work = tempDir('paas-bench-');
  const stateRoot = join(work, 'state');
  const keyFile = join(lab.base, 'client_key');
  const kh = join(work, 'known_hosts');
  writeFileSync(
    kh,
    lab.hosts
      .map((h, i) => `[127.0.0.1]:${proxies[i]!.port} ${h.hostKeyPub.split(' ').slice(0, 2).join(' ')}`)
      .join('\n') + '\n',
  );
  const tgz = makeRelease(work, 'b1', {
    extra: (dir) => writeFileSync(join(dir, 'blob.bin'), randomBytes(10 * 1024 * 1024)),
  });
  const appDirOf = (h: SshHost) => join(h.dir, CTX, 'web');
  const reset = (hosts: SshHost[]) => {
    for (const h of hosts) {
      stopApps(h.dir);
      for (const e of readdirSync(h.dir)) if (e !== 'port') rmSync(join(h.dir, e), { recursive: true, force: true });
    }
  };
  expect((await cli(['context', 'create', CTX, '--state-root', stateRoot])).code).toBe(0);
  const repo = join(work, 'repo'); // the checkout: paas.yml only (the state root lives outside it)
  mkdirSync(repo);
  writeFileSync(
    join(repo, 'paas.yml'),
    appYml({
      http: lab.mode === 'netns',
      port: lab.appPort,
      strategy: 'parallel',
      max_parallel: 256,
      extra: '    connect_concurrency: 64',
    }),
  );
  const results: Array<{ n: number; tool: string; ms: number[]; cpu: number[]; trips?: string }> = [];
  let cpu0 = 0;
  const cpuSince = () => machineCpu() - cpu0;

  try {
    for (const n of SIZES) {
      const hosts = lab.hosts.slice(0, n);
      const sshOpts = `-o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i ${keyFile}`;

      // ---- paas
      const paasMs: number[] = [];
      const paasCpu: number[] = [];
      let trips = '';
      for (let r = 0; r < RUNS; r++) {
        reset(hosts);
        const targets = hosts.map((h, i) => `${h.id}=root@127.0.0.1:${proxies[i]!.port}${h.dir}`).join('\n');
        const vault = `PAAS_TARGETS="${targets}"\nPAAS_SSH_KEY="${lab.clientKey.trim()}"\nPAAS_KNOWN_HOSTS="${readFileSync(kh, 'utf8').trim()}"\n`;
        cpu0 = machineCpu();
        const t0 = performance.now();
        const inputs = {
          context: CTX,
          state_root: stateRoot,
          vault,
          app: 'web',
          artifact: tgz,
          release_id: `b${r}`,
          apply: 'true',
        };
        if (AS_ACTION) {
          // the bundle as the runner runs it: `node dist/deploy/index.js`, then its post step
          const out = await runAction({ action: 'deploy', inputs, workspace: repo, timeoutMs: 300_000 });
          paasMs.push(performance.now() - t0);
          paasCpu.push(cpuSince());
          const env = out.envelope as { error?: unknown; fields: Record<string, unknown> } | undefined;
          if (out.exitCode !== 0 || env?.error) throw new Error(`paas deploy failed: ${out.log.slice(-3000)}`);
          trips = String(env?.fields.round_trips);
          if (process.env.BENCH_TRACE === '1') process.stdout.write(out.log);
        } else {
          // BENCH_TRACE=1: the paas log of each run with milliseconds since its start (where the time goes)
          const trace =
            process.env.BENCH_TRACE === '1'
              ? (l: string) => process.stdout.write(`${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${l}\n`)
              : undefined;
          const out = await runOp('deploy', inputs, { cwd: repo, onLog: trace });
          paasMs.push(performance.now() - t0);
          paasCpu.push(cpuSince());
          expect(out.outcome.envelope.error).toBeUndefined();
          trips = String(out.outcome.envelope.fields.round_trips);
        }
      }
      results.push({ n, tool: 'paas', ms: paasMs, cpu: paasCpu, trips });

      // ---- ansible
      if (have('ansible-playbook')) {
        const inv = join(work, `inventory-${n}.ini`);
        writeFileSync(
          inv,
          '[web]\n' +
            hosts
              .map(
                (h, i) =>
                  `${h.id} ansible_host=127.0.0.1 ansible_port=${proxies[i]!.port} ansible_user=root deploy_dir=${appDirOf(h)}`,
              )
              .join('\n') +
            '\n',
        );
        const play = join(work, 'deploy.yml');
        writeFileSync(
          play,
          [
            '- hosts: web',
            '  gather_facts: false',
            '  tasks:',
            '    - file: { path: "{{ deploy_dir }}/releases/{{ release }}", state: directory }',
            '    - file: { path: "{{ deploy_dir }}/shared", state: directory }',
            '    - copy: { src: "{{ artifact }}", dest: "{{ deploy_dir }}/{{ release }}.tar.gz" }',
            '    - unarchive: { src: "{{ deploy_dir }}/{{ release }}.tar.gz", dest: "{{ deploy_dir }}/releases/{{ release }}", remote_src: true }',
            '    - file: { src: "{{ deploy_dir }}/releases/{{ release }}", dest: "{{ deploy_dir }}/current", state: link }',
            '    - shell: ./bin/start',
            '      args: { chdir: "{{ deploy_dir }}/current" }',
            '      environment: { PAAS_APP_DIR: "{{ deploy_dir }}", PAAS_TARGET: "{{ inventory_hostname }}" }',
            '',
          ].join('\n'),
        );
        const ms: number[] = [];
        const cpu: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          reset(hosts);
          const cp = join(work, `cp-${n}-${r}`);
          mkdirSync(cp, { recursive: true });
          cpu0 = machineCpu();
          const t0 = performance.now();
          const p = await run(
            'ansible-playbook',
            ['-i', inv, play, '-f', String(n), '-e', `artifact=${tgz} release=a${r}`, '--private-key', keyFile],
            {
              PATH: process.env.PATH,
              HOME: work,
              ANSIBLE_HOST_KEY_CHECKING: 'True',
              ANSIBLE_PIPELINING: 'True',
              ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
              ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=30s -o UserKnownHostsFile=${kh}`,
              ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
              ANSIBLE_NOCOLOR: '1',
            },
          );
          ms.push(performance.now() - t0);
          cpu.push(cpuSince());
          if (p.status !== 0) throw new Error(`ansible failed: ${p.stdout.slice(-2000)} ${p.stderr.slice(-2000)}`);
        }
        results.push({ n, tool: 'ansible', ms, cpu });
      }

      // ---- parallel-ssh (one round trip per host: the tarball on stdin)
      if (have('parallel-ssh')) {
        const hostsFile = join(work, `pssh-${n}.txt`);
        writeFileSync(hostsFile, hosts.map((_, i) => `root@127.0.0.1:${proxies[i]!.port}`).join('\n') + '\n');
        // every host is this machine: pick the host's own dir from the address sshd sees
        const cases = hosts.map((h) => `"${h.addr} ${h.port}") D=${appDirOf(h)} ;;`).join(' ');
        const ms: number[] = [];
        const cpu: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          reset(hosts);
          const rel = `p${r}`;
          const cmd = `set -e; case "$(echo "$SSH_CONNECTION" | cut -d" " -f3,4)" in ${cases} esac; mkdir -p "$D/releases/${rel}" "$D/shared"; cat >"$D/${rel}.tar.gz"; tar -xzf "$D/${rel}.tar.gz" -C "$D/releases/${rel}"; ln -sfn "releases/${rel}" "$D/.cur"; mv -T "$D/.cur" "$D/current"; cd "$D/current"; PAAS_APP_DIR="$D" ./bin/start`;
          cpu0 = machineCpu();
          const t0 = performance.now();
          const p = await run(
            'parallel-ssh',
            ['-h', hostsFile, '-p', String(n), '-t', '300', '-I', '-x', sshOpts, cmd],
            { PATH: process.env.PATH, HOME: work },
            readFileSync(tgz),
          );
          ms.push(performance.now() - t0);
          cpu.push(cpuSince());
          if (p.status !== 0) throw new Error(`pssh failed: ${p.stdout.slice(-2000)} ${p.stderr.slice(-2000)}`);
        }
        results.push({ n, tool: 'parallel-ssh', ms, cpu });
      }
    }
  } finally {
    reset(lab.hosts);
    proxy.stop();
    await lab.cleanup();
    rmrf(work);
  }

  const lines = [
    `deploy bench: ${lab.mode} hosts, +${2 * ONE_WAY_MS} ms RTT (user-space proxy), 10 MB release, ${RUNS} runs, median`,
    '',
  ];
  // machine CPU: busy CPU-seconds of every process during the run (the tool, sshd, tar, the apps, the proxy)
  lines.push(
    '| hosts | tool | median s | runs s | vs paas | machine CPU s (median) | CPU busy |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    const p = median(results.find((x) => x.n === r.n && x.tool === 'paas')!.ms);
    const busy = median(r.cpu.map((c, i) => c / (((r.ms[i] ?? 1) / 1000) * cpus().length)));
    lines.push(
      `| ${r.n} | ${r.tool} | ${(median(r.ms) / 1000).toFixed(2)} | ${r.ms.map((m) => (m / 1000).toFixed(2)).join(' ')} | ${(median(r.ms) / p).toFixed(2)}x | ${median(r.cpu).toFixed(2)} | ${Math.round(busy * 100)}% of ${cpus().length} cores |`,
    );
  }
  const one = results.find((x) => x.n === Math.min(...SIZES) && x.tool === 'paas');
  const many = results.find((x) => x.n === Math.max(...SIZES) && x.tool === 'paas');
  if (one && many && one !== many)
    lines.push('', `paas ${many.n} hosts / ${one.n} host: ${(median(many.ms) / median(one.ms)).toFixed(2)}x`);
  lines.push('', `paas SSH round trips per target (last run, ${many?.n} hosts): ${many?.trips}`);
  process.stdout.write('\n' + lines.join('\n') + '\n');
  writeFileSync(process.env.BENCH_OUT ?? '/tmp/paas-deploy-bench.md', lines.join('\n') + '\n');
}, 3_600_000);
