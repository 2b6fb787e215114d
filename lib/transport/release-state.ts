/**
 * A target's release state, read: what the state script of lib/transport/commands.ts (`stateScript`,
 * `prepareScript`) prints about `<deploy_root>/<context>/<app>/` (current, releases/, the lock owner,
 * `.paas/history.jsonl`) parsed into a TargetState, and each release's final status from the history.
 * Below every reader: deploy and rollback, the check engine's `target` check, the alerts' deploy
 * silence and the readiness drill (the targets are the source of truth for releases).
 */
import { RELEASE_ID_RE } from '../isolation/names.js';

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

export interface TargetState {
  exists: boolean;
  current: string | null;
  releases: string[];
  history: HistoryLine[];
  /** owner document of a lock held by someone else (run, actor, sha, time) */
  lockOwner: Record<string, unknown> | null;
  lock: 'acquired' | 'reentered' | 'taken_over' | 'held' | null;
  /** other key=value lines (install=, switched=, unlock=, pruned=, tool_*=) */
  kv: Record<string, string>;
}

/** One line inside a `--releases`, `--history` or `--lock` block. */
function readBlockLine(st: TargetState, block: string, line: string): void {
  if (block === 'releases') {
    if (RELEASE_ID_RE.test(line)) st.releases.push(line);
    return;
  }
  if (block === 'history') {
    try {
      const h = JSON.parse(line) as HistoryLine;
      if (
        h &&
        typeof h.release === 'string' &&
        RELEASE_ID_RE.test(h.release) &&
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
  else if (k === 'current') st.current = RELEASE_ID_RE.test(v) ? v : null;
  else if (k === 'lock') st.lock = v as TargetState['lock'];
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
