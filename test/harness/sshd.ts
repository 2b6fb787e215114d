/**
 * Real OpenSSH `sshd` test hosts. Each host has its own host key, config in a temp dir and its own
 * deploy directory (the `id=user@host:port/dir` form of PAAS_TARGETS). As root with `ip netns`
 * available, every host lives in its own network namespace behind a veth pair (10.x.y.2:22), so
 * each runs the same app port and a link can be cut (`ip link set down`); otherwise hosts are
 * loopback ports. `tc netem` is used for latency when the kernel has sch_netem (often it does not:
 * then the bench adds latency with a userspace TCP proxy, see bench/deploy/latency-proxy.ts).
 *
 * Packet loss (`lossOn`) does not need sch_netem: nftables `numgen random mod 100 < pct drop` on the
 * input and output hooks of a host's namespace stands in for `netem loss pct%` (both directions,
 * loopback traffic inside the namespace exempt), and its counters tell how many packets were dropped.
 * `startLab(n, { bastion: true })` adds a jump host: an sshd in its own namespace with a link to the
 * runner and one link into every host namespace, routing to each host's usual address over that
 * link; `blockDirect` then refuses (TCP reset, by nftables in the host's namespace) SSH from the
 * runner's side of the host link, so the hosts are reachable only through the bastion.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
  /** netns only: drops `pct`% of the packets entering and leaving the host's namespace (nftables numgen) */
  lossOn(h: SshHost, pct: number): void;
  lossOff(h: SshHost): void;
  /** packets dropped by `lossOn` on this host so far (both directions) */
  lossDropped(h: SshHost): number;
  /** with `bastion: true`: the jump host (its known_hosts entry is the last line of `knownHosts`) */
  bastion?: SshHost;
  /** with `bastion: true`: the PAAS_SSH_JUMP value (user@addr:port) of the bastion */
  jump?: string;
  /** with `bastion: true`: refuses SSH from the runner to the host (TCP reset); the bastion still gets through */
  blockDirect(h: SshHost): void;
  unblockDirect(h: SshHost): void;
  /** connection attempts (SYN packets) the runner made to the host while blocked */
  directRefused(h: SshHost): number;
  /** netns only: established TCP connections to the host's sshd, counted in its namespace (`ss`) */
  sshConnections(h: SshHost): number;
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

let nftProbe: boolean | null = null;
/** Can we load nftables rules (numgen, reject) into a network namespace here? */
export function nftAvailable(): boolean {
  if (nftProbe !== null) return nftProbe;
  if (!netnsAvailable()) return (nftProbe = false);
  const name = `paasnft${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore' }).status !== 0) return (nftProbe = false);
  try {
    const r = spawnSync('ip', ['netns', 'exec', name, 'nft', '-f', '-'], {
      input:
        'table inet probe {\n  chain input { type filter hook input priority 0; policy accept; numgen random mod 100 < 1 counter drop; tcp dport 22 counter reject with tcp reset; }\n}\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    return (nftProbe = r.status === 0 && !r.error);
  } finally {
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
}

/** Loads an nftables ruleset (replacing table `table` of the namespace if it exists). */
function nftLoad(ns: string, table: string, body: string): void {
  nftDrop(ns, table);
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], {
    input: `table inet ${table} {\n${body}\n}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

function nftDrop(ns: string, table: string): void {
  spawnSync('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', table], { stdio: 'ignore' });
}

/** Sum of the packet counters of table `table` in the namespace (0 when the table does not exist). */
function nftPackets(ns: string, table: string): number {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', table], { encoding: 'utf8' });
  if (r.status !== 0) return 0;
  let n = 0;
  for (const m of r.stdout.matchAll(/counter packets (\d+)/g)) n += Number(m[1]);
  return n;
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
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
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
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * Kills a process tree as a host dying would: every process is frozen first (SIGSTOP, parent first,
 * until no new child appears), then killed. A frozen shell cannot notice its child's death and send
 * an exit status in between, so what the client sees does not depend on scheduling (a loaded CI).
 */
export function killTree(pid: number): void {
  const frozen = new Set<number>();
  const stop = (p: number) => {
    if (frozen.has(p)) return;
    frozen.add(p);
    try {
      process.kill(p, 'SIGSTOP');
    } catch {
      /* gone */
    }
  };
  stop(pid);
  for (let round = 0; round < 20; round++) {
    const found = descendants(pid).filter((p) => !frozen.has(p));
    if (!found.length) break;
    for (const p of found.reverse()) stop(p); // descendants() lists deepest first: parents first here
  }
  for (const p of [...descendants(pid), ...frozen]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** A hashed known_hosts name, as `ssh-keygen -H` writes it. */
export function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });

/**
 * Starts `n` sshd hosts (ids web1..webN); every other known_hosts entry is written hashed.
 * `bastion` (netns only): also a jump host in its own namespace, see the comment at the top.
 */
export async function startLab(
  n: number,
  opts: { mode?: LabMode; prefix?: string; appPort?: number; bastion?: boolean } = {},
): Promise<SshLab> {
  const mode: LabMode = opts.mode ?? (netnsAvailable() ? 'netns' : 'loopback');
  if (opts.bastion && mode !== 'netns') throw new Error('a bastion needs network namespaces');
  const base = mkdtempSync(join(tmpdir(), 'paas-sshd-'));
  chmodSync(base, 0o755);
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  keygen(join(base, 'client_key'));
  const clientKey = readFileSync(join(base, 'client_key'), 'utf8');
  writeFileSync(join(base, 'authorized_keys'), readFileSync(join(base, 'client_key.pub')), { mode: 0o600 });
  const user = (process.getuid?.() === 0 ? 'root' : process.env.USER) ?? 'root';
  const tag = `${process.pid % 10000}${randomBytes(1).toString('hex')}`;
  // 10.<net>.0.0/16 for this lab: one no other lab (a concurrent test file) has routes in yet
  const routes = mode === 'netns' ? execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }) : '';
  let net = 100 + (process.pid % 100) + Math.floor(Math.random() * 50);
  for (let i = 0; i < 50 && routes.includes(`10.${net}.`); i++) net = 100 + Math.floor(Math.random() * 150);
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
    writeSshdConfig(hdir, addr, port);
    hosts.push({
      id: `web${i}`,
      addr,
      port,
      dir,
      hostKeyPub: readFileSync(join(hdir, 'host_key.pub'), 'utf8').trim(),
      ns,
      veth,
      proc: null,
    });
  }
  function writeSshdConfig(hdir: string, addr: string, port: number): void {
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
  }
  // the bastion: namespace <tag>b with a link to the runner (10.net.200.0/30) and, per host i, a link
  // into the host's namespace (10.net.(100+i).0/30) plus a /32 route to the host's address over it
  let bastion: SshHost | undefined;
  if (opts.bastion) {
    const bdir = join(base, 'bastion');
    mkdirSync(bdir, { mode: 0o755 });
    keygen(join(bdir, 'host_key'));
    const ns = `paas${tag}b`;
    const veth = `pv${tag}b`.slice(0, 15);
    const peer = `pn${tag}b`.slice(0, 15);
    const addr = `10.${net}.200.2`;
    ip('netns', 'add', ns);
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', ns);
    ip('addr', 'add', `10.${net}.200.1/30`, 'dev', veth);
    ip('link', 'set', veth, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/30`, 'dev', peer);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    for (const [k, h] of hosts.entries()) {
      const i = k + 1;
      const bSide = `pb${tag}${i}`.slice(0, 15);
      const hSide = `ph${tag}${i}`.slice(0, 15);
      ip('link', 'add', bSide, 'type', 'veth', 'peer', 'name', hSide);
      ip('link', 'set', bSide, 'netns', ns);
      ip('link', 'set', hSide, 'netns', h.ns as string);
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `10.${net}.${100 + i}.1/30`, 'dev', bSide);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', bSide, 'up');
      ip('netns', 'exec', h.ns as string, 'ip', 'addr', 'add', `10.${net}.${100 + i}.2/30`, 'dev', hSide);
      ip('netns', 'exec', h.ns as string, 'ip', 'link', 'set', hSide, 'up');
      ip('netns', 'exec', ns, 'ip', 'route', 'add', `${h.addr}/32`, 'via', `10.${net}.${100 + i}.2`);
    }
    writeSshdConfig(bdir, addr, 22);
    bastion = {
      id: 'bastion',
      addr,
      port: 22,
      dir: bdir,
      hostKeyPub: readFileSync(join(bdir, 'host_key.pub'), 'utf8').trim(),
      ns,
      veth,
      proc: null,
    };
  }
  const knownName = (h: SshHost) => (h.port === 22 ? h.addr : `[${h.addr}]:${h.port}`);
  const knownHosts =
    [...hosts, ...(bastion ? [bastion] : [])]
      .map((h, i) => {
        const [type, key] = h.hostKeyPub.split(' ');
        return `${i % 2 === 1 ? hashedName(knownName(h)) : knownName(h)} ${type} ${key}`;
      })
      .join('\n') + '\n';
  const targets = hosts
    .map((h) => `${h.id}=${user}@${h.addr.includes(':') ? `[${h.addr}]` : h.addr}:${h.port}${h.dir}`)
    .join('\n');

  const hostDir = (h: SshHost) => (h === bastion ? join(base, 'bastion') : join(base, `h${hosts.indexOf(h) + 1}`));
  const start = async (h: SshHost) => {
    const cfg = join(hostDir(h), 'sshd_config');
    const sshd = ['/usr/sbin/sshd', '-D', '-e', '-f', cfg];
    // a clean login environment, like a fresh server: the runner's own ~/.bashrc (pyenv, nvm...) is
    // hidden from the test hosts' sessions by a bind mount in a private mount namespace
    const rc = join(process.env.HOME ?? '/root', '.bashrc');
    const hide = process.getuid?.() === 0 && existsSync(rc) && existsSync('/usr/bin/unshare');
    const inner = hide
      ? [
          'unshare',
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount --bind /dev/null ${rc} && exec ${sshd.join(' ')}`,
        ]
      : sshd;
    const argv = h.ns ? ['ip', 'netns', 'exec', h.ns, ...inner] : inner;
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
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
  await Promise.all([...hosts, ...(bastion ? [bastion] : [])].map(start));
  const needNs = (h: SshHost, what: string): string => {
    if (!h.ns) throw new Error(`${what} needs network namespaces`);
    return h.ns;
  };
  const lossOff = (h: SshHost) => {
    if (h.ns) nftDrop(h.ns, 'paasloss');
  };
  const unblockDirect = (h: SshHost) => {
    if (h.ns) nftDrop(h.ns, 'paasdirect');
  };
  const lab: SshLab = {
    mode,
    base,
    hosts,
    clientKey,
    knownHosts,
    targets,
    appPort,
    bastion,
    jump: bastion ? `${user}@${bastion.addr}:${bastion.port}` : undefined,
    start,
    kill,
    linkDown: (h) => {
      if (h.veth) ip('link', 'set', h.veth, 'down');
    },
    linkUp: (h) => {
      if (h.veth) ip('link', 'set', h.veth, 'up');
    },
    rotateHostKey: async (h) => {
      kill(h);
      const hk = join(hostDir(h), 'host_key');
      rmSync(hk, { force: true });
      rmSync(hk + '.pub', { force: true });
      keygen(hk);
      await start(h);
    },
    lossOn: (h, pct) => {
      if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new Error(`loss must be 0..100 %, not ${pct}`);
      const drop = `numgen random mod 100 < ${pct} counter drop`;
      nftLoad(
        needNs(h, 'lossOn'),
        'paasloss',
        [
          `  chain input { type filter hook input priority 0; policy accept; iifname "lo" accept; ${drop}; }`,
          `  chain output { type filter hook output priority 0; policy accept; oifname "lo" accept; ${drop}; }`,
        ].join('\n'),
      );
    },
    lossOff,
    lossDropped: (h) => (h.ns ? nftPackets(h.ns, 'paasloss') : 0),
    blockDirect: (h) => {
      if (!bastion) throw new Error('blockDirect needs startLab(n, { bastion: true })');
      const runnerSide = h.addr.replace(/\.2$/, '.1');
      // only connection attempts (SYN without ACK) are counted: late packets of connections closed
      // before the block (a FIN retransmitted after a lossy test) are refused but not counted
      const from = `ip saddr ${runnerSide} tcp dport ${h.port}`;
      nftLoad(
        needNs(h, 'blockDirect'),
        'paasdirect',
        `  chain input { type filter hook input priority 0; policy accept; ${from} tcp flags & (syn | ack) == syn counter reject with tcp reset; ${from} reject with tcp reset; }`,
      );
    },
    unblockDirect,
    directRefused: (h) => (h.ns ? nftPackets(h.ns, 'paasdirect') : 0),
    sshConnections: (h) => {
      const out = execFileSync(
        'ip',
        [
          'netns',
          'exec',
          needNs(h, 'sshConnections'),
          'ss',
          '-Htn',
          'state',
          'established',
          '(',
          'sport',
          '=',
          `:${h.port}`,
          ')',
        ],
        { encoding: 'utf8' },
      );
      return out.split('\n').filter((l) => l.trim()).length;
    },
    cleanup: async () => {
      for (const h of hosts) {
        stopApps(h.dir);
        kill(h);
        lossOff(h);
        unblockDirect(h);
      }
      if (bastion) kill(bastion);
      for (const h of [...hosts, ...(bastion ? [bastion] : [])]) {
        if (h.ns) {
          try {
            ip('netns', 'del', h.ns);
          } catch {
            /* already gone */
          }
        }
        if (h.veth) {
          try {
            ip('link', 'del', h.veth);
          } catch {
            /* removed with the namespace */
          }
        }
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
  return lab;
}

/**
 * Kills the test app processes started under a deploy dir (their pid files), then every process
 * still working in a directory under it: a remote command whose SSH session was cut (its shell then
 * belongs to init, no longer to sshd), or an app whose pid file is deeper than the walk reads.
 */
export function stopApps(dir: string): void {
  killPidFiles(dir);
  killWorkingUnder(dir);
}

function killPidFiles(dir: string): void {
  const walk = (d: string, depth: number) => {
    if (depth > 8 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isFile() && /^app(-blue|-green)?\.pid$/.test(e.name)) {
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (pid > 1) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      } else if (e.isDirectory() && !e.isSymbolicLink() && e.name !== 'releases') walk(p, depth + 1);
    }
  };
  walk(dir, 0);
}

/** SIGKILL to every process whose working directory is `dir` or under it (removed or not: Linux /proc). */
function killWorkingUnder(dir: string): void {
  const root = dir.replace(/\/+$/, '');
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${d}/cwd`).replace(/ \(deleted\)$/, '');
    } catch {
      continue; // gone, or not ours to read
    }
    if (cwd !== root && !cwd.startsWith(`${root}/`)) continue;
    try {
      process.kill(Number(d), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
