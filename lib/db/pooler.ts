import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { DbConnection } from './client.js';

/**
 * Is this session behind a transaction pooler (PgBouncer pool_mode=transaction/statement, most
 * "pooled" cloud endpoints)? A pid comparison cannot tell: a client alone on a transaction pooler
 * keeps the same server connection. Two signals, before anything is written:
 *
 * 1. Direct TCP: the server's view of the client (inet_client_addr/port) and of its own port
 *    (inet_server_port), read by the session's first statement, equal this socket's local
 *    address/port and remote port. Then nothing sits
 *    in between and the session is ours: done, no extra connection.
 * 2. Otherwise (a proxy, NAT, or a unix socket), a behavioural probe: while this session is idle,
 *    other sessions with the same DSN open transactions and keep them open. A transaction pooler
 *    hands out idle server connections before opening new ones, and our server connection is idle
 *    whenever we are between transactions: a probe that lands on our backend pid proves transaction
 *    pooling, and so does our backend running anything we did not send while we are idle: its
 *    pg_stat_activity row must stay `idle` with our last statement (marked with a nonce). A probe
 *    that gets a backend that did not exist when probing began, while ours stayed idle and
 *    untouched since our last statement (before the probe asked for a server), proves the opposite:
 *    no idle server was left, yet ours was not handed out. Each probe pins one server, so the loop
 *    ends after at most the number of idle server connections.
 */
export interface PoolerVerdict {
  pooled: boolean;
  /** how it was decided, for the log and the error message */
  how: string;
}

const MAX_PROBES = 64;
/** how long one probe may wait for a connection or a server connection */
const PROBE_STEP_MS = 3000;
const ROUNDS = 3;

function normAddr(a: string | null | undefined): string {
  return String(a ?? '')
    .replace(/^::ffff:/i, '')
    .replace(/\/\d+$/, '');
}

export async function detectTransactionPooler(conn: DbConnection): Promise<PoolerVerdict> {
  // the server's view comes from the connect-time query (the session's first statement, read with
  // its pid: no round trip here); a pid that changes later is caught by the lock query
  const row = conn.seen;
  const s = conn.socket;
  if (
    s &&
    row?.caddr &&
    normAddr(row.caddr) === normAddr(s.localAddress) &&
    Number(row.cport) === s.localPort &&
    Number(row.sport) === s.remotePort
  ) {
    return { pooled: false, how: "direct connection (the server sees this socket's address and port)" };
  }
  // something in between (or a unix socket): probe. A round can stall when concurrent runs' probes
  // hold every server connection of a small pool; a round that waits too long is abandoned (its
  // probes released, so the others can finish) and tried again after a random pause.
  for (let round = 0; round < ROUNDS; round++) {
    const v = await probeRound(conn);
    if (v) return v;
    await new Promise((res) => setTimeout(res, 200 + Math.floor(Math.random() * 800)));
  }
  return {
    pooled: true,
    how: `a probe session got no server connection within ${PROBE_STEP_MS / 1000}s, ${ROUNDS} times (the pool is exhausted?): could not confirm a session of its own`,
  };
}

const TIMED_OUT = Symbol('timed out');

function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<typeof TIMED_OUT>((res) => (t = setTimeout(() => res(TIMED_OUT), ms)))]).finally(
    () => clearTimeout(t),
  );
}

/** One round of probes; null when a probe waited too long (inconclusive). */
async function probeRound(conn: DbConnection): Promise<PoolerVerdict | null> {
  // the last statement of this session before probing carries a nonce: pg_stat_activity.query of our
  // backend keeps showing it only as long as no other client runs anything on that backend
  const nonce = `paas-pooler-probe ${randomBytes(8).toString('hex')}`;
  const snap = await conn.client.query<{ pids: number[] | null }>(
    `/* ${nonce} */ SELECT pg_catalog.array_agg(pid) AS pids FROM pg_catalog.pg_stat_activity`,
  );
  const before = new Set((snap.rows[0]?.pids ?? []).map(Number));
  const probes: pg.Client[] = [];
  try {
    for (let i = 0; i < MAX_PROBES; i++) {
      const c = await openProbeWithin(conn);
      if (!c) return null;
      probes.push(c);
      const step = await probeOnce(conn, c, nonce, before, probes.length);
      if (step !== 'again') return step;
    }
    return { pooled: true, how: `could not confirm a session of its own after ${MAX_PROBES} probe sessions` };
  } finally {
    await Promise.all(
      probes.map(async (c) => {
        await within(c.query('ROLLBACK'), 1000).catch(() => undefined);
        await c.end().catch(() => undefined);
      }),
    );
  }
}

/** A probe session, or null when opening it took longer than PROBE_STEP_MS (it is closed when it comes). */
async function openProbeWithin(conn: DbConnection): Promise<pg.Client | null> {
  const opening = conn.openAnother();
  const c = await within(opening, PROBE_STEP_MS);
  if (c !== TIMED_OUT) return c;
  void opening.then((late) => late.end()).catch(() => undefined);
  return null;
}

/** A verdict, null (inconclusive: timed out), or 'again' (probe once more). */
type ProbeStep = PoolerVerdict | null | 'again';

/** One probe: it opens a transaction (pinning its server connection) and looks at this session's backend. */
async function probeOnce(
  conn: DbConnection,
  c: pg.Client,
  nonce: string,
  before: Set<number>,
  n: number,
): Promise<ProbeStep> {
  let pid: number;
  try {
    const got = await within(beginAndPid(c), PROBE_STEP_MS);
    if (got === TIMED_OUT) return null;
    pid = got;
  } catch {
    // e.g. PgBouncer in statement mode refuses transaction blocks
    return { pooled: true, how: 'the connection refuses a transaction block (statement pooling)' };
  }
  if (pid === conn.pid)
    return {
      pooled: true,
      how: `another session was handed this session's server connection (backend pid ${pid}) while it was idle`,
    };
  // this session is idle (waiting for the probe): its own backend must be idle too, its last
  // statement still ours (the nonce)
  let ours: { state: string | null; mine: boolean | null } | undefined;
  try {
    ours = (
      await c.query<{ state: string | null; mine: boolean | null }>(
        'SELECT state, pg_catalog.strpos(query, $2) > 0 AS mine FROM pg_catalog.pg_stat_activity WHERE pid = $1',
        [conn.pid, nonce],
      )
    ).rows[0];
  } catch {
    return { pooled: true, how: 'the probe session could not read pg_stat_activity' };
  }
  return judgeProbe(conn.pid, ours, pid, before, n);
}

async function beginAndPid(c: pg.Client): Promise<number> {
  await c.query('BEGIN');
  return Number((await c.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]?.pid);
}

/** What a probe that got backend `pid` saw of this session's backend `own`. */
function judgeProbe(
  own: number,
  ours: { state: string | null; mine: boolean | null } | undefined,
  pid: number,
  before: Set<number>,
  n: number,
): ProbeStep {
  if (!ours) return { pooled: true, how: `this session's backend (pid ${own}) is gone while the session is connected` };
  if (ours.state !== null && ours.state !== 'idle')
    return {
      pooled: true,
      how: `this session's server connection (backend pid ${own}) was in use (${ours.state}) by another client while this session was idle`,
    };
  if (ours.mine === false)
    return {
      pooled: true,
      how: `another client ran a statement on this session's server connection (backend pid ${own}) while this session was idle`,
    };
  if (!before.has(pid) && ours.state === 'idle' && ours.mine === true) {
    return {
      pooled: false,
      how: `a second session got a backend of its own while this session's backend stayed idle (${n} probe${n === 1 ? '' : 's'})`,
    };
  }
  // an idle server connection that existed before (now pinned by this probe), or inconclusive: probe again
  before.add(pid);
  return 'again';
}
