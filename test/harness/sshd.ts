/**
 * Real OpenSSH `sshd` test hosts. Each host has its own host key, config in a temp dir and its own
 * deploy directory (the `id=user@host:port/dir` form of PAAS_TARGETS). As root with `ip netns`
 * available, every host lives in its own network namespace behind a veth pair (10.x.y.2:22), so
 * each runs the same app port and a link can be cut (`ip link set down`); otherwise hosts are
 * loopback ports. `tc netem` is used for latency when the kernel has sch_netem (often it does not:
 * then the bench adds latency with a userspace TCP proxy, see bench/deploy/latency-proxy.ts).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type LabMode = 'netns' | 'loopback';

export interface SshHost {
  id: string;
  addr: string;
  port: number;
  /** replaces deploy_root for this target */
  dir: string;
  hostKeyPub: string;
  ns?: string;
  veth?: string;
  proc: ChildProcess | null;
}

export interface SshLab {
  mode: LabMode;
  base: string;
  hosts: SshHost[];
  clientKey: string;
  knownHosts: string;
  targets: string;
  /** the app port every host's health check uses (netns: the same everywhere) */
  appPort: number;
  start(h: SshHost): Promise<void>;
  /** SIGKILL the sshd of a host and every process it forked (sessions included) */
  kill(h: SshHost): void;
  linkDown(h: SshHost): void;
  linkUp(h: SshHost): void;
  /** gives the host a new host key (restarting its sshd): the known_hosts entry becomes wrong */
  rotateHostKey(h: SshHost): Promise<void>;
  cleanup(): Promise<void>;
}

let netnsProbe: boolean | null = null;
/** Can we create network namespaces here (root + iproute2)? */
export function netnsAvailable(): boolean {
  if (netnsProbe !== null) return netnsProbe;
  if (process.env.PAAS_TEST_NO_NETNS === '1' || process.getuid?.() !== 0) return (netnsProbe = false);
  const name = `paasprobe${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
  if (r.status === 0) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  return (netnsProbe = r.status === 0);
}

export function sshdAvailable(): boolean {
  return existsSync('/usr/sbin/sshd') && spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'paas-test', '-f', file], { stdio: 'ignore' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitPort(host: string, port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host, port });
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd on ${host}:${port} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every descendant pid of `pid` (from /proc), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { walk(c); out.push(c); } };
  walk(pid);
  return out;
}

export function killTree(pid: number): void {
  for (const p of [...descendants(pid), pid]) {
    try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** A hashed known_hosts name, as `ssh-keygen -H` writes it. */
export function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });

/** Starts `n` sshd hosts (ids web1..webN). `hashed`: write every other known_hosts entry hashed. */
export async function startLab(n: number, opts: { mode?: LabMode; prefix?: string; appPort?: number } = {}): Promise<SshLab> {
  const mode: LabMode = opts.mode ?? (netnsAvailable() ? 'netns' : 'loopback');
  const base = mkdtempSync(join(tmpdir(), 'paas-sshd-'));
  chmodSync(base, 0o755);
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  keygen(join(base, 'client_key'));
  const clientKey = readFileSync(join(base, 'client_key'), 'utf8');
  writeFileSync(join(base, 'authorized_keys'), readFileSync(join(base, 'client_key.pub')), { mode: 0o600 });
  const user = (process.getuid?.() === 0 ? 'root' : process.env.USER) ?? 'root';
  const tag = `${process.pid % 10000}${randomBytes(1).toString('hex')}`;
  const net = 100 + (process.pid % 100) + Math.floor(Math.random() * 50);
  const appPort = opts.appPort ?? 18080;
  const hosts: SshHost[] = [];
  for (let i = 1; i <= n; i++) {
    const hdir = join(base, `h${i}`);
    mkdirSync(hdir, { mode: 0o755 });
    const dir = join(hdir, 'srv');
    mkdirSync(dir, { mode: 0o755 });
    keygen(join(hdir, 'host_key'));
    let addr = '127.0.0.1';
    let port = 22;
    let ns: string | undefined;
    let veth: string | undefined;
    if (mode === 'netns') {
      ns = `paas${tag}h${i}`;
      veth = `pv${tag}${i}`.slice(0, 15);
      const peer = `pn${tag}${i}`.slice(0, 15);
      addr = `10.${net}.${i}.2`;
      ip('netns', 'add', ns);
      ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', ns);
      ip('addr', 'add', `10.${net}.${i}.1/30`, 'dev', veth);
      ip('link', 'set', veth, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/30`, 'dev', peer);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    } else {
      port = await freePort();
    }
    writeFileSync(join(dir, 'port'), String(mode === 'netns' ? appPort : await freePort()) + '\n');
    writeFileSync(
      join(hdir, 'sshd_config'),
      [
        `ListenAddress ${addr}:${port}`,
        `HostKey ${join(hdir, 'host_key')}`,
        `PidFile ${join(hdir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(base, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'AllowTcpForwarding yes',
        'Subsystem sftp internal-sftp',
        'LogLevel ERROR',
        'MaxStartups 200',
        'MaxSessions 50',
        `AllowUsers ${user}`,
        '',
      ].join('\n'),
    );
    hosts.push({ id: `web${i}`, addr, port, dir, hostKeyPub: readFileSync(join(hdir, 'host_key.pub'), 'utf8').trim(), ns, veth, proc: null });
  }
  const knownName = (h: SshHost) => (h.port === 22 ? h.addr : `[${h.addr}]:${h.port}`);
  const knownHosts = hosts
    .map((h, i) => {
      const [type, key] = h.hostKeyPub.split(' ');
      return `${i % 2 === 1 ? hashedName(knownName(h)) : knownName(h)} ${type} ${key}`;
    })
    .join('\n') + '\n';
  const targets = hosts.map((h) => `${h.id}=${user}@${h.addr.includes(':') ? `[${h.addr}]` : h.addr}:${h.port}${h.dir}`).join('\n');

  const start = async (h: SshHost) => {
    const cfg = join(base, `h${hosts.indexOf(h) + 1}`, 'sshd_config');
    const sshd = ['/usr/sbin/sshd', '-D', '-e', '-f', cfg];
    // a clean login environment, like a fresh server: the runner's own ~/.bashrc (pyenv, nvm...) is
    // hidden from the test hosts' sessions by a bind mount in a private mount namespace
    const rc = join(process.env.HOME ?? '/root', '.bashrc');
    const hide = process.getuid?.() === 0 && existsSync(rc) && existsSync('/usr/bin/unshare');
    const inner = hide ? ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `mount --bind /dev/null ${rc} && exec ${sshd.join(' ')}`] : sshd;
    const argv = h.ns ? ['ip', 'netns', 'exec', h.ns, ...inner] : inner;
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
    h.proc = p;
    try {
      await waitPort(h.addr, h.port);
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${err.slice(0, 500)}`, { cause: e });
    }
  };
  const kill = (h: SshHost) => {
    if (h.proc?.pid) killTree(h.proc.pid);
    h.proc = null;
  };
  await Promise.all(hosts.map(start));
  const lab: SshLab = {
    mode, base, hosts, clientKey, knownHosts, targets, appPort,
    start,
    kill,
    linkDown: (h) => { if (h.veth) ip('link', 'set', h.veth, 'down'); },
    linkUp: (h) => { if (h.veth) ip('link', 'set', h.veth, 'up'); },
    rotateHostKey: async (h) => {
      kill(h);
      const hk = join(base, `h${hosts.indexOf(h) + 1}`, 'host_key');
      rmSync(hk, { force: true });
      rmSync(hk + '.pub', { force: true });
      keygen(hk);
      await start(h);
    },
    cleanup: async () => {
      for (const h of hosts) {
        stopApps(h.dir);
        kill(h);
      }
      for (const h of hosts) {
        if (h.ns) {
          try { ip('netns', 'del', h.ns); } catch { /* already gone */ }
        }
        if (h.veth) {
          try { ip('link', 'del', h.veth); } catch { /* removed with the namespace */ }
        }
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
  return lab;
}

/** Kills the test app processes started under a deploy dir (their pid files). */
export function stopApps(dir: string): void {
  const walk = (d: string, depth: number) => {
    if (depth > 4 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isFile() && e.name === 'app.pid') {
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (pid > 1) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
      } else if (e.isDirectory() && !e.isSymbolicLink() && e.name !== 'releases') walk(p, depth + 1);
    }
  };
  walk(dir, 0);
}
