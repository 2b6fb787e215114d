import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from './transport.js';

/** The same operations on this machine: self-hosted runners deploying to themselves, and the demo. */
export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  private trips = 0;
  /** scripts still running: close() ends them, so no script is left waiting on its stdin */
  private readonly running = new Set<ChildProcess>();

  /** `shell` runs every script (/bin/sh; a test names one that does not exist to see connect() refuse) */
  constructor(
    readonly rootOverride: string,
    private readonly shell = '/bin/sh',
  ) {}

  get roundTrips(): number {
    return this.trips;
  }

  /** Nothing to connect to: the link is this machine, always up. */
  get connected(): boolean {
    return true;
  }

  /**
   * No connection to open; checks what it can without a round trip: that the shell (/bin/sh), which runs every
   * script, exists and can be executed (the failure a connection check would report on SSH).
   */
  async connect(): Promise<void> {
    try {
      accessSync(this.shell, constants.X_OK);
    } catch (e) {
      throw new TransportError(
        'connect',
        `cannot run ${this.shell} on this machine: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.trips++;
    return new Promise((resolve, reject) => {
      const child = spawn(this.shell, ['-c', script], {
        stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C' },
      });
      this.running.add(child);
      let stdout = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      const stop = (why: string) => {
        child.kill('SIGKILL');
        reject(new TransportError('timeout', `remote command ${why}`));
      };
      if (opts.timeoutMs)
        timer = setTimeout(() => stop(`timed out after ${Math.round(opts.timeoutMs! / 1000)}s`), opts.timeoutMs);
      if (opts.signal?.aborted) stop('was stopped: its deadline passed');
      opts.signal?.addEventListener('abort', () => stop('was stopped: its deadline passed'), { once: true });
      child.stdout?.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        opts.onStdout?.(c);
      });
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        opts.onStderr?.(c);
      });
      if (opts.input && child.stdin) {
        child.stdin.on('error', () => {
          /* EPIPE when the script exits early: its exit status reports it */
        });
        opts.input(child.stdin);
      }
      child.on('error', (e) => {
        this.running.delete(child);
        if (timer) clearTimeout(timer);
        reject(new TransportError('link', `cannot run ${this.shell}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        this.running.delete(child);
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  openTcp(port: number, host = '127.0.0.1'): Promise<Duplex> {
    this.trips++;
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) =>
        reject(new TransportError('link', `connect to port ${port}: ${e.code ?? e.message}`)),
      );
    });
  }

  /** Like an SSH connection closing: a script still running is ended (its stdin closed, then SIGKILL). */
  async close(): Promise<void> {
    for (const c of this.running) {
      c.stdin?.destroy();
      c.kill('SIGKILL');
    }
    this.running.clear();
  }
}
