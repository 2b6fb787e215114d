/**
 * Deploy's decisions over a target's release state (lib/transport/release-state.ts reads it): the
 * one writer of history lines, the rollback candidate, what to prune, the release the fleet should run.
 */
import { releaseStatuses, type HistoryLine, type TargetState } from '../../transport/release-state.js';

/** What a history line records; its status follows from the event (a rollback says which side it marks). */
type HistoryEvent =
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
