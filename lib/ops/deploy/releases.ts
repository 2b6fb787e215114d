import { RELEASE_RE } from '../../transport/commands.js';

/** One line of `.paas/history.jsonl` on a target. */
export interface HistoryLine {
  at: string;
  release: string;
  /** unpacked: a deploy unpacked it (it becomes good when that deploy succeeds); prune removes it otherwise */
  status: 'good' | 'bad' | 'unpacked';
  event: 'deploy' | 'rollback' | 'fleet_rollback' | 'mark' | 'unpack';
  actor?: string;
  run?: string;
  sha256?: string;
  reason?: string;
  /** the health settings this release was deployed with (paas.yml apps.<app>.health then): a rollback to it checks with these */
  health?: unknown;
  /** a shard of a sharded deploy (`i/N`) */
  shard?: string;
  /** a shard's deploy line: the release `current` pointed to before (what finalize returns the target to) */
  previous?: string | null;
}

/** What a history line records; its status follows from the event (a rollback says which side it marks). */
export type HistoryEvent =
  | { event: 'unpack'; release: string; sha256: string }
  | { event: 'deploy'; release: string; sha256: string; health: unknown; shard?: string; previous?: string | null }
  | { event: 'mark'; status: 'good'; release: string; reason: string }
  | { event: 'fleet_rollback'; release: string; reason: string }
  | { event: 'rollback'; status: 'good'; release: string; health: unknown }
  | { event: 'rollback'; status: 'bad'; release: string; reason: string };

const EVENT_STATUS = { unpack: 'unpacked', deploy: 'good', fleet_rollback: 'bad' } as const;

/**
 * The one writer of `.paas/history.jsonl` lines (the remote scripts of lib/transport/commands.ts
 * append them as given): `{at, release, status, event, actor, run, ...}`.
 */
export function historyLine(who: { actor: string; run: string }, at: Date, e: HistoryEvent): string {
  const { event, release, ...rest } = e;
  const { status = EVENT_STATUS[event as keyof typeof EVENT_STATUS], ...extra } = rest as {
    status?: HistoryLine['status'];
  } & Pick<HistoryLine, 'sha256' | 'reason' | 'health' | 'shard' | 'previous'>;
  const line: HistoryLine = { at: at.toISOString(), release, status, event, actor: who.actor, run: who.run, ...extra };
  return JSON.stringify(line);
}

export interface TargetState {
  exists: boolean;
  current: string | null;
  releases: string[];
  history: HistoryLine[];
  /** owner document of a lock held by someone else (run, actor, sha, time) */
  lockOwner: Record<string, unknown> | null;
  lock: 'acquired' | 'reentered' | 'taken_over' | 'held' | null;
  diskPct: number | null;
  /** other key=value lines (install=, switched=, unlock=, pruned=, tool_*=) */
  kv: Record<string, string>;
}

/** One line inside a `--releases`, `--history` or `--lock` block. */
function readBlockLine(st: TargetState, block: string, line: string): void {
  if (block === 'releases') {
    if (RELEASE_RE.test(line)) st.releases.push(line);
    return;
  }
  if (block === 'history') {
    try {
      const h = JSON.parse(line) as HistoryLine;
      if (
        h &&
        typeof h.release === 'string' &&
        RELEASE_RE.test(h.release) &&
        (h.status === 'good' || h.status === 'bad' || h.status === 'unpacked')
      )
        st.history.push(h);
    } catch {
      /* a torn or foreign line is skipped */
    }
    return;
  }
  try {
    st.lockOwner = JSON.parse(line) as Record<string, unknown>;
  } catch {
    st.lockOwner = {};
  }
}

/** One `key=value` line outside the blocks. */
function readKeyValue(st: TargetState, line: string): void {
  const eq = line.indexOf('=');
  if (eq <= 0) return;
  const k = line.slice(0, eq);
  const v = line.slice(eq + 1);
  if (k === 'exists') st.exists = v === 'yes';
  else if (k === 'current') st.current = RELEASE_RE.test(v) ? v : null;
  else if (k === 'lock') st.lock = v as TargetState['lock'];
  else if (k === 'disk_pct') st.diskPct = /^\d+$/.test(v) ? Number(v) : null;
  else st.kv[k] = v;
}

/** Parses the output of stateScript/prepareScript (key=value lines and --block/--end sections). */
export function parseState(stdout: string): TargetState {
  const st: TargetState = {
    exists: true,
    current: null,
    releases: [],
    history: [],
    lockOwner: null,
    lock: null,
    diskPct: null,
    kv: {},
  };
  let block: string | null = null;
  // a block's file without a final newline (a hand-made or damaged owner.json or history.jsonl)
  // joins `--end` onto its last line: split it back off so the line and the block end both count
  const lines = stdout
    .split('\n')
    .flatMap((l) => (l !== '--end' && l.endsWith('--end') ? [l.slice(0, -'--end'.length), '--end'] : [l]));
  for (const line of lines) {
    if (line === '--end') block = null;
    else if (line === '--releases' || line === '--history' || line === '--lock') block = line.slice(2);
    else if (block) readBlockLine(st, block, line);
    else readKeyValue(st, line);
  }
  return st;
}

/** Final status of each release (last line wins) and the order in which they last became good. */
export function releaseStatuses(history: readonly HistoryLine[]): {
  status: Map<string, HistoryLine['status']>;
  goodOrder: string[];
} {
  const status = new Map<string, HistoryLine['status']>();
  const lastGood = new Map<string, number>();
  history.forEach((h, i) => {
    status.set(h.release, h.status);
    if (h.status === 'good') lastGood.set(h.release, i);
  });
  const goodOrder = [...lastGood.entries()]
    .filter(([r]) => status.get(r) === 'good')
    .sort((a, b) => b[1] - a[1])
    .map(([r]) => r);
  return { status, goodOrder };
}

/** Newest good release other than `current` that still exists on the target (bad ones skipped). */
export function rollbackCandidate(st: Pick<TargetState, 'current' | 'releases' | 'history'>): string | null {
  const { goodOrder } = releaseStatuses(st.history);
  return goodOrder.find((r) => r !== st.current && st.releases.includes(r)) ?? null;
}

/**
 * Releases to delete after `newRelease` became current: keep the newest `keep` good releases,
 * never current, never `previous` (the release this deploy replaced) nor the last good one, never
 * unmanaged directories (no history). Bad releases, and releases only unpacked by runs that failed
 * or were interrupted (status `unpacked`), do not count and are removed.
 */
export function pruneList(
  st: Pick<TargetState, 'releases' | 'history'>,
  newRelease: string,
  previous: string | null,
  keep: number,
): string[] {
  const { status, goodOrder } = releaseStatuses(st.history);
  const kept = new Set<string>([newRelease]);
  for (const r of goodOrder.filter((g) => g !== newRelease).slice(0, Math.max(0, keep - 1))) kept.add(r);
  if (previous) kept.add(previous);
  // the last good release before this one stays, whatever keep says
  const lastGood = goodOrder.find((g) => g !== newRelease);
  if (lastGood) kept.add(lastGood);
  return st.releases.filter((r) => status.has(r) && !kept.has(r));
}

/** The release the fleet should run, from the targets' history (see reconcileRun in run.ts); null without history. */
export function expectedRelease(states: TargetState[]): string | null {
  const votes = new Map<string, { n: number; at: string }>();
  for (const v of states) {
    const { goodOrder } = releaseStatuses(v.history);
    const r = goodOrder[0];
    if (!r) continue;
    const at = v.history.filter((h) => h.release === r && h.status === 'good').at(-1)?.at ?? '';
    const cur = votes.get(r) ?? { n: 0, at: '' };
    votes.set(r, { n: cur.n + 1, at: at > cur.at ? at : cur.at });
  }
  return [...votes.entries()].sort((a, b) => b[1].n - a[1].n || b[1].at.localeCompare(a[1].at))[0]?.[0] ?? null;
}
