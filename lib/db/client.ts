import type { Socket } from 'node:net';
import pg from 'pg';
import { clientConfig, type ParsedDsn } from './dsn.js';
import { connectError } from './errors.js';

/** One PostgreSQL session (a pg.Client) with what db_bootstrap needs to know about it. */
export interface DbConnection {
  client: pg.Client;
  /** backend pid at connect time */
  pid: number;
  /** server_version_num, e.g. 150004 */
  serverVersion: number;
  /** this end of the TCP socket and the port it connected to; null for a unix socket */
  socket: { localAddress: string; localPort: number; remotePort: number } | null;
  /**
   * the server's view of this session from the first statement (the connect-time query): its client
   * address and port and its own port, for the transaction-pooler check without a round trip of its own
   */
  seen: ServerView;
  /** opens another session with the same DSN (the transaction-pooler probe); the caller ends it */
  openAnother: () => Promise<pg.Client>;
  /** an error the client emitted while idle (server shutdown, network cut), if any */
  lastError: () => Error | null;
  /** ends the session; never throws */
  close: () => Promise<void>;
}

/** inet_client_addr()/inet_client_port()/inet_server_port() as the server reported them (null on a unix socket) */
export interface ServerView {
  caddr: string | null;
  cport: number | null;
  sport: number | null;
}

export interface ConnectOptions {
  dsn: ParsedDsn;
  dsnKey: string;
  applicationName: string;
  connectTimeoutMs: number;
  onNotice?: (message: string) => void;
}

/** Connects and reads the backend pid and server version. Errors become DbError without any DSN part. */
export async function openConnection(opts: ConnectOptions): Promise<DbConnection> {
  const client = newClient(opts, opts.applicationName);
  let idleError: Error | null = null;
  client.on('error', (e) => {
    idleError = e;
  });
  if (opts.onNotice) {
    const onNotice = opts.onNotice;
    client.on('notice', (n) => onNotice(`${n.severity ?? 'NOTICE'}: ${n.message}`));
  }
  await connectClient(client, opts.dsnKey);
  const { pid, serverVersion, seen } = await readSession(client, opts.dsnKey);
  let closed = false;
  return {
    client,
    pid,
    serverVersion,
    socket: socketOf(client),
    seen,
    openAnother: () => openProbe(opts),
    lastError: () => idleError,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}

function newClient(opts: ConnectOptions, applicationName: string): pg.Client {
  return new pg.Client(
    clientConfig(opts.dsn, { applicationName, connectTimeoutMs: opts.connectTimeoutMs, key: opts.dsnKey }),
  );
}

/** connect(); a failure ends the client and becomes a DbError without any DSN part. */
async function connectClient(client: pg.Client, dsnKey: string): Promise<void> {
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectError(e, dsnKey);
  }
}

/** The backend pid, the server version and the server's view of this session's addresses: one round trip. */
async function readSession(
  client: pg.Client,
  dsnKey: string,
): Promise<{ pid: number; serverVersion: number; seen: ServerView }> {
  try {
    const r = await client.query<{
      pid: number;
      v: string;
      caddr: string | null;
      cport: number | null;
      sport: number | null;
    }>(
      "SELECT pg_catalog.pg_backend_pid() AS pid, pg_catalog.current_setting('server_version_num') AS v, " +
        'pg_catalog.host(pg_catalog.inet_client_addr()) AS caddr, pg_catalog.inet_client_port() AS cport, ' +
        'pg_catalog.inet_server_port() AS sport',
    );
    const row = r.rows[0];
    return {
      pid: Number(row?.pid),
      serverVersion: Number(row?.v),
      seen: { caddr: row?.caddr ?? null, cport: row?.cport ?? null, sport: row?.sport ?? null },
    };
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectError(e, dsnKey);
  }
}

/** This end of the TCP connection (null for a unix socket), for the pooler check. */
function socketOf(client: pg.Client): DbConnection['socket'] {
  const sock = (client as unknown as { connection?: { stream?: Partial<Socket> } }).connection?.stream;
  return sock &&
    typeof sock.localPort === 'number' &&
    typeof sock.remotePort === 'number' &&
    typeof sock.localAddress === 'string'
    ? { localAddress: sock.localAddress, localPort: sock.localPort, remotePort: sock.remotePort }
    : null;
}

/** Another session with the same DSN (the pooler probe). */
async function openProbe(opts: ConnectOptions): Promise<pg.Client> {
  const c = newClient(opts, `${opts.applicationName} probe`.slice(0, 63));
  c.on('error', () => undefined);
  await connectClient(c, opts.dsnKey);
  return c;
}

/** Quotes an identifier (always, so reserved words and case are safe). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes a string literal for the simple query protocol (standard_conforming_strings assumed on; E'' when a backslash is present). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL in SQL literal');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** Cancels the statement running on backend `pid` from a second, short-lived session. Never throws. */
export async function cancelBackend(opts: ConnectOptions, pid: number): Promise<void> {
  const c = new pg.Client(
    clientConfig(opts.dsn, {
      applicationName: `${opts.applicationName} cancel`,
      connectTimeoutMs: Math.min(opts.connectTimeoutMs, 5000),
      key: opts.dsnKey,
    }),
  );
  c.on('error', () => undefined);
  try {
    await Promise.race([
      (async () => {
        await c.connect();
        await c.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
      })(),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
  } catch {
    /* the session may be gone already */
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A session that blocks another one (pg_blocking_pids), as seen from a side connection. */
export interface BlockingSession {
  pid: number;
  app: string;
  /** '' when not visible to this role */
  state: string;
  /** seconds since its transaction began, when visible */
  xactAge: number | null;
}

/** The sessions blocking backend `pid` right now, read from a second, short-lived session. Never throws (empty on failure). */
export async function blockingSessions(opts: ConnectOptions, pid: number): Promise<BlockingSession[]> {
  const c = new pg.Client(
    clientConfig(opts.dsn, {
      applicationName: `${opts.applicationName} watch`.slice(0, 63),
      connectTimeoutMs: Math.min(opts.connectTimeoutMs, 5000),
      key: opts.dsnKey,
    }),
  );
  c.on('error', () => undefined);
  try {
    return await Promise.race([
      (async () => {
        await c.connect();
        const r = await c.query<{ pid: number; app: string | null; state: string | null; age: number | null }>(
          `SELECT b.pid, a.application_name AS app, a.state, extract(epoch FROM pg_catalog.now() - a.xact_start)::int AS age
           FROM pg_catalog.unnest(pg_catalog.pg_blocking_pids($1)) AS b(pid) LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = b.pid ORDER BY 1`,
          [pid],
        );
        return r.rows.map((x) => ({
          pid: Number(x.pid),
          app: String(x.app ?? '')
            .replace(/[^\x20-\x7e]/g, '?')
            .slice(0, 63),
          state: String(x.state ?? ''),
          xactAge: x.age === null ? null : Number(x.age),
        }));
      })(),
      new Promise<BlockingSession[]>((r) => setTimeout(() => r([]), 5000).unref()),
    ]);
  } catch {
    return [];
  } finally {
    await c.end().catch(() => undefined);
  }
}
