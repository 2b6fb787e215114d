import type { Duplex } from 'node:stream';

export interface ExecOptions {
  /** stop waiting after this long; the channel is closed and the call fails */
  timeoutMs?: number;
  /** chunks of remote output as they arrive (callers pass them through a StreamRedactor) */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One target's connection: the same operations over SSH (ssh2) or on this machine (local).
 * One Transport per target per run; each method is one round trip (upload: one SFTP session).
 */
export interface Transport {
  readonly kind: 'ssh' | 'local';
  /** the directory that takes the place of deploy_root (local targets, or an SSH target with a dir) */
  readonly rootOverride: string | undefined;
  /** runs a script with /bin/sh; never throws for a non-zero exit, throws TransportError when the link fails */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** copies a local file to a remote path, reporting progress (bytes done, total) */
  upload(localPath: string, remotePath: string, onProgress?: (done: number, total: number) => void): Promise<void>;
  /** a TCP stream to `127.0.0.1:<port>` as seen from the target (SSH: direct-tcpip through the connection) */
  openTcp(port: number, host?: string): Promise<Duplex>;
  /** number of round trips made so far (exec, upload, tcp) */
  readonly roundTrips: number;
  close(): Promise<void>;
}

export type TransportFailure = 'connect' | 'hostkey' | 'auth' | 'timeout' | 'link' | 'upload';

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
