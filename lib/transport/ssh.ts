import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { Limiter, sleep } from './limit.js';
import { fingerprint, keyTypeOfBlob, verifyHostKey, type HostKeyVerdict, type KnownHostEntry } from './known-hosts.js';
import type { SshTargetSpec } from './targets.js';
import { q } from './commands.js';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

export interface JumpSpec {
  user: string;
  host: string;
  port: number;
}

interface SshOptions {
  privateKey: string;
  knownHosts: KnownHostEntry[];
  /** optional `SHA256:...` pin for this target */
  pin?: string | undefined;
  jump?: JumpSpec | undefined;
  /** bounded concurrent connection setup, shared by all targets of a run */
  setupLimiter: Limiter;
  /** connection setup attempts (>= 1); backoff doubles from backoffMs */
  attempts?: number;
  backoffMs?: number;
  readyTimeoutMs?: number;
  keepaliveMs?: number;
  log?: (message: string) => void;
}

function hostKeyError(verdict: HostKeyVerdict, what: string, blob: Buffer): TransportError {
  const fp = fingerprint(blob);
  const type = keyTypeOfBlob(blob);
  const msg = {
    unknown: `host key of ${what} is unknown (no known_hosts entry); offered ${type} ${fp}`,
    mismatch: `host key of ${what} CHANGED: offered ${type} ${fp} is not the one in known_hosts`,
    revoked: `host key of ${what} is revoked in known_hosts`,
    pin_mismatch: `host key of ${what} does not match the pinned fingerprint; offered ${fp}`,
    match: '',
  }[verdict];
  return new TransportError('hostkey', msg, false);
}

function classify(e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  const err = e as NodeJS.ErrnoException & { level?: string };
  const code = err.code ?? '';
  if (err.level === 'client-authentication')
    return new TransportError('auth', 'authentication failed (the key in PAAS_SSH_KEY was not accepted)', false);
  if (/timed out/i.test(err.message ?? '')) return new TransportError('connect', 'connection setup timed out', true);
  // the first line, never a cut inside it: the message is redacted later, and a secret cut in two
  // would no longer be recognised (issue #18)
  return new TransportError(
    'connect',
    `connection failed: ${code || ((err.message ?? 'error').split('\n')[0] ?? 'error')}`,
    true,
  );
}

/**
 * How messages name the bastion: its address is vault state like the targets' addresses (which
 * messages name by target id), so it is named by its vault key, never by host or port.
 */
const JUMP = 'jump host (PAAS_SSH_JUMP)';

/** A setup failure at the bastion, saying so (a host key failure already names it). */
function viaJump(e: unknown): TransportError {
  const t = classify(e);
  return t.kind === 'hostkey' ? t : new TransportError(t.kind, `${JUMP}: ${t.message}`, t.retryable);
}

/** One ssh2 connection (host key verified), without retries. */
function connectOnce(
  cfg: { host: string; port: number; user: string; name: string },
  opts: SshOptions,
  sock?: Duplex,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let hostkeyFailure: TransportError | null = null;
    let settled = false;
    const config: ConnectConfig = {
      host: cfg.host,
      port: cfg.port,
      username: cfg.user,
      privateKey: opts.privateKey,
      readyTimeout: opts.readyTimeoutMs ?? 15_000,
      // ssh2 gives up after keepaliveCountMax + 1 intervals without any keepalive reply (~60 s): a
      // lossy but working link stalls that long while TCP backs off (3 s, 6 s, 12 s... after a lost
      // SYN); 5 s x 3 killed healthy connections at 20% packet loss (test/deploy-network.test.ts)
      keepaliveInterval: opts.keepaliveMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (blob: Buffer) => {
        const verdict = verifyHostKey(opts.knownHosts, cfg.host, cfg.port, blob, opts.pin);
        if (verdict !== 'match') hostkeyFailure = hostKeyError(verdict, cfg.name, blob);
        return verdict === 'match';
      },
    };
    if (sock) config.sock = sock;
    c.once('ready', () => {
      settled = true;
      resolve(c);
    });
    c.on('error', (e) => {
      if (settled) return;
      settled = true;
      c.end();
      reject(hostkeyFailure ?? classify(e));
    });
    c.once('close', () => {
      if (settled) return;
      settled = true;
      reject(hostkeyFailure ?? new TransportError('connect', 'connection closed during setup', true));
    });
    try {
      c.connect(config);
    } catch (e) {
      settled = true;
      reject(classify(e));
    }
  });
}

interface ChannelOutput {
  stdout: string;
  stderr: string;
  /** the exit code (128 when killed by a signal); null until the channel reported one */
  code: number | null;
}

/** Collects a channel's output into `out` (and the caller's callbacks), its exit code, and feeds its stdin. */
function wireChannel(ch: ClientChannel, opts: ExecOptions, out: ChannelOutput): void {
  ch.setEncoding('utf8');
  ch.stderr.setEncoding('utf8');
  ch.on('data', (c: string) => {
    out.stdout += c;
    opts.onStdout?.(c);
  });
  ch.stderr.on('data', (c: string) => {
    out.stderr += c;
    opts.onStderr?.(c);
  });
  ch.on('exit', (c: number | null, signal?: string) => {
    out.code = c ?? (signal ? 128 : 1);
  });
  if (opts.input) {
    ch.on('error', () => {
      /* a failed stdin write: the close below reports it */
    });
    opts.input(ch);
  }
}

/** SSH transport: one connection per target per run; retries with backoff on connection setup only. */
export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  private trips = 0;
  private client: Client | null = null;
  private jumpClient: Client | null = null;
  private alive = false;

  constructor(
    readonly spec: SshTargetSpec,
    private readonly opts: SshOptions,
  ) {}

  get rootOverride(): string | undefined {
    return this.spec.dir;
  }

  get roundTrips(): number {
    return this.trips;
  }

  get connected(): boolean {
    return this.alive;
  }

  /** Connects (or reconnects after the link dropped), bounded by the shared setup limiter. */
  async connect(): Promise<void> {
    if (this.alive) return;
    const attempts = Math.max(1, this.opts.attempts ?? 4);
    let delay = this.opts.backoffMs ?? 500;
    let last: TransportError | null = null;
    for (let i = 1; i <= attempts; i++) {
      try {
        await this.opts.setupLimiter.run(() => this.setup());
        return;
      } catch (e) {
        last = classify(e);
        if (!last.retryable || i === attempts) break;
        this.opts.log?.(
          `${this.spec.id}: ${last.message}; retrying connection setup in ${delay} ms (attempt ${i + 1}/${attempts})`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, 8_000);
      }
    }
    throw last ?? new TransportError('connect', 'connection failed');
  }

  /** One connection attempt, through the jump host when PAAS_SSH_JUMP is set. */
  private async setup(): Promise<void> {
    this.trips++;
    const s = this.spec;
    // a reconnect: the dropped connection and its bastion connection (which may still be up) go first
    this.client?.end();
    this.jumpClient?.end();
    this.client = null;
    this.jumpClient = null;
    let jump: Client | null = null;
    try {
      let sock: Duplex | undefined;
      if (this.opts.jump) {
        const j = this.opts.jump;
        const via = await connectOnce(
          { host: j.host, port: j.port, user: j.user, name: JUMP },
          { ...this.opts, pin: undefined },
        ).catch((e: unknown) => {
          throw viaJump(e);
        });
        jump = via;
        sock = await new Promise<Duplex>((resolve, reject) => {
          via.forwardOut('127.0.0.1', 0, s.host, s.port, (err, ch) =>
            err
              ? reject(new TransportError('connect', `jump host could not reach ${s.id}: ${err.message}`, true))
              : resolve(ch),
          );
        });
      }
      const client = await connectOnce(
        { host: s.host, port: s.port, user: s.user, name: `target ${s.id}` },
        this.opts,
        sock,
      );
      this.client = client;
      this.jumpClient = jump;
      this.alive = true;
      // events of an earlier, replaced connection must not mark this one dead
      client.on('error', () => {
        if (this.client === client) this.alive = false;
      });
      client.on('close', () => {
        if (this.client === client) this.alive = false;
      });
      jump?.on('error', () => {
        if (this.jumpClient === jump) this.alive = false;
      });
    } catch (e) {
      // every failed attempt closes its own bastion connection: a retry opens a new one
      jump?.end();
      throw e;
    }
  }

  private need(): Client {
    if (!this.client || !this.alive) throw new TransportError('link', `connection to ${this.spec.id} is not open`);
    return this.client;
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const client = this.need();
    this.trips++;
    return new Promise((resolve, reject) => {
      const out: ChannelOutput = { stdout: '', stderr: '', code: null };
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        client.removeListener('close', onLinkClose);
        fn();
      };
      const onLinkClose = () =>
        finish(() =>
          reject(new TransportError('link', `connection to ${this.spec.id} lost while a remote command was running`)),
        );
      client.once('close', onLinkClose);
      client.exec(`/bin/sh -c ${q(script)}`, (err, ch: ClientChannel) => {
        if (err)
          return finish(() =>
            reject(new TransportError('link', `could not open a channel to ${this.spec.id}: ${err.message}`)),
          );
        const stop = (why: string) => {
          ch.close();
          finish(() => reject(new TransportError('timeout', `remote command on ${this.spec.id} ${why}`)));
        };
        if (opts.timeoutMs)
          timer = setTimeout(() => stop(`timed out after ${Math.round(opts.timeoutMs! / 1000)}s`), opts.timeoutMs);
        if (opts.signal?.aborted) return stop('was stopped: its deadline passed');
        opts.signal?.addEventListener('abort', () => stop('was stopped: its deadline passed'), { once: true });
        wireChannel(ch, opts, out);
        ch.on('close', () => {
          if (out.code === null)
            return finish(() =>
              reject(
                new TransportError('link', `connection to ${this.spec.id} lost while a remote command was running`),
              ),
            );
          finish(() => resolve({ code: out.code as number, stdout: out.stdout, stderr: out.stderr }));
        });
      });
    });
  }

  openTcp(port: number, host = '127.0.0.1'): Promise<Duplex> {
    const client = this.need();
    this.trips++;
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (err) reject(new TransportError('link', `port ${port} on ${this.spec.id}: ${err.message}`));
        else resolve(ch);
      });
    });
  }

  async close(): Promise<void> {
    this.alive = false;
    this.client?.end();
    this.jumpClient?.end();
    this.client = null;
    this.jumpClient = null;
  }
}
