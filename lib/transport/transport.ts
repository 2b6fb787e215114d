import { createReadStream } from 'node:fs';
import type { Duplex, Writable } from 'node:stream';

export interface ExecOptions {
  /** stop waiting after this long; the channel is closed and the call fails */
  timeoutMs?: number;
  /** chunks of remote output as they arrive (callers pass them through a StreamRedactor) */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** feeds the remote stdin (called once the command runs); without it the script gets no input */
  input?: (stdin: Writable) => void;
  /** aborting it stops the command like `timeoutMs` does (a deadline that starts later than the command) */
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One target's connection: the same operations over SSH (ssh2) or on this machine (local).
 * One Transport per target per run; each method is one round trip. Files travel on the stdin of
 * the script that receives them (see `sendFile`): no separate file-transfer session.
 */
export interface Transport {
  readonly kind: 'ssh' | 'local';
  /** the directory that takes the place of deploy_root (local targets, or an SSH target with a dir) */
  readonly rootOverride: string | undefined;
  /**
   * Opens the link (SSH: connects, or reconnects after it dropped, with retries for setup only;
   * local: checks that /bin/sh can run). Every remote step calls it first, through
   * `connectTransport` (lib/transport/connect.ts); a no-op while the link is up.
   * Throws TransportError (`connect`, `hostkey`, `auth`).
   */
  connect(): Promise<void>;
  /** false once an opened link dropped (a health check stops waiting on a lost target) */
  readonly connected: boolean;
  /** runs a script with /bin/sh; never throws for a non-zero exit, throws TransportError when the link fails */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** a TCP stream to `127.0.0.1:<port>` as seen from the target (SSH: direct-tcpip through the connection) */
  openTcp(port: number, host?: string): Promise<Duplex>;
  /** number of round trips made so far (exec, upload, tcp) */
  readonly roundTrips: number;
  close(): Promise<void>;
}

type TransportFailure = 'connect' | 'hostkey' | 'auth' | 'timeout' | 'link' | 'upload';

/** A failure of the link itself (not of a remote command). `retryable` only for connection setup. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * Writes `head` then the file's bytes into a remote stdin with backpressure, reporting progress, then
 * ends it (EOF). Rejects with an `upload` TransportError when the stream closes or fails first.
 */
export async function sendFile(
  stdin: Writable,
  head: string,
  file: string,
  total: number,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  let failure: Error | null = null;
  const fail = (e?: Error) => {
    failure ??= new TransportError('upload', `the remote side closed the upload${e?.message ? `: ${e.message}` : ''}`);
  };
  stdin.on('error', fail);
  stdin.once('close', fail);
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        stdin.off('error', done);
        resolve();
      };
      stdin.on('drain', done).on('close', done).on('error', done);
    });
  try {
    stdin.write(head);
    let done = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      if (failure) break;
      const more = stdin.write(chunk as Buffer);
      done += (chunk as Buffer).length;
      onProgress?.(done, total);
      if (!more) await drained();
    }
    if (failure) throw failure;
    stdin.end();
  } finally {
    stdin.off('error', fail);
    stdin.off('close', fail);
  }
}
