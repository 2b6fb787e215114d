import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process-wide "stop starting new remote work" flag, raised by the CLI on SIGINT/SIGTERM during a
 * mutating deploy/rollback (lib/cli/interrupt.ts). `connectTransport` (lib/transport/connect.ts),
 * which every remote step of a run goes through first, refuses once it is raised; the cleanup that
 * releases our locks connects without that gate.
 */
let raised: NodeJS.Signals | null = null;

export function requestInterrupt(signal: NodeJS.Signals): void {
  raised ??= signal;
}

/** The signal that interrupted this process's run, or null. */
export function interruptRequested(): NodeJS.Signals | null {
  return raised;
}

export function clearInterrupt(): void {
  raised = null;
}

/** Direct children of a process (Linux /proc; [] where unavailable). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
        if (/^\d+$/.test(c)) out.push(Number(c));
    } catch {
      /* the thread ended, or the kernel has no children file */
    }
  }
  return out;
}

/**
 * Sends `signal` to every process this one started, and theirs (the local commands of a run: hooks,
 * start commands), as a terminal's Ctrl-C reaches the whole foreground process group. Used when the
 * signal was sent to paas alone (`kill -INT <pid>`, a supervisor's SIGTERM): a local hook must not
 * keep running, and switch a release, after the lock is released. Best effort, Linux only; returns
 * how many processes were signalled.
 */
export function signalDescendants(signal: NodeJS.Signals, root = process.pid): number {
  const seen = new Set<number>();
  const walk = (pid: number, depth: number) => {
    if (depth > 32) return;
    for (const c of childrenOf(pid)) {
      if (seen.has(c)) continue;
      seen.add(c);
      walk(c, depth + 1); // collect the whole tree before a parent's death re-parents its children
    }
  };
  walk(root, 0);
  let n = 0;
  for (const pid of seen) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      /* already gone */
    }
  }
  return n;
}
