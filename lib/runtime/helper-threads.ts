/**
 * V8's helper threads (its background compilers and garbage-collector helpers, named `V8Worker` on
 * Linux) run at the lowest priority, below the main thread's.
 *
 * Why: on a runner with two vCPUs, doctor's main thread, its reader thread and V8 compiling the hot
 * functions in the background are more busy threads than cores. The kernel then shares the main
 * thread's core with the compilers, and the scan, which only the main thread does, waits. At the
 * lowest priority the helpers take the time the other threads leave idle (the reader sleeps most
 * of the scan). On the 100 MB doctor bench: 460 → 418 ms, medians of 21 rounds (docs/benchmarks.md).
 *
 * Linux only (thread ids from /proc/self/task; a thread's priority is its own there). Anywhere
 * else, or when a thread cannot be changed, nothing changes: this is an optimisation, never a
 * reason to fail. A higher nice value needs no privilege.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value the helpers get: the lowest priority (19). */
export const HELPER_NICE = 19;

/** Lowers V8's helper threads to HELPER_NICE; returns how many it lowered (0 off Linux). */
export function lowerHelperThreads(): number {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const tid of tids) {
    try {
      if (!readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').startsWith('V8Worker')) continue;
      setPriority(Number(tid), HELPER_NICE);
      lowered++;
    } catch {
      // gone, or not ours to change: left as it is
    }
  }
  return lowered;
}
