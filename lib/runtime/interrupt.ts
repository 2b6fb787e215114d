import { readdirSync, readFileSync } from 'node:fs';

/**
 * Interrupts, in one place: this module owns the process's termination signals (SIGINT, SIGTERM)
 * and the "stop starting new remote work" flag they raise. Its users only decide what a signal
 * means for them (docs/architecture.md, "Interrupts"):
 * - the action runtime (lib/entry/action.ts): the runner's cancel of a deploy/rollback raises the
 *   flag; later signals are ignored, so the outcome is still written;
 * - the CLI (lib/cli/interrupt.ts): a deploy/rollback --apply raises the flag, stops its local
 *   children and releases the locks it holds; a second signal ends the process at once;
 * - db_bootstrap (lib/ops/db_bootstrap/run.ts): cancels the running statement; a second signal
 *   ends the process at once;
 * - the CLI's streaming command (`paas logs --tail`, lib/cli/cli.ts): aborts the stream.
 * `connectTransport` (lib/transport/connect.ts), which every remote step of a run goes through
 * first, refuses once the flag is raised; the cleanup that releases our locks connects without
 * that gate.
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

const TERMINATION_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Listens for SIGTERM / SIGINT: the first calls `onSignal`. A later one, by `again`: `exit`
 * (default) removes the handlers and re-raises it, so the process ends at once as without them;
 * `ignore` leaves it without effect (the action: the runner sends SIGINT, then SIGTERM, then
 * SIGKILL, and the run must still write its outcome). Returns the function that removes the handlers.
 */
export function onTermination(
  onSignal: (signal: NodeJS.Signals) => void,
  opts: { again?: 'exit' | 'ignore' } = {},
): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (!seen) {
      seen = true;
      onSignal(signal);
      return;
    }
    if (opts.again === 'ignore') return;
    remove();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    for (const s of TERMINATION_SIGNALS) process.off(s, handler);
  };
  for (const s of TERMINATION_SIGNALS) process.on(s, handler);
  return remove;
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
export function signalDescendants(signal: NodeJS.Signals): number {
  const seen = new Set<number>();
  const walk = (pid: number, depth: number) => {
    if (depth > 32) return;
    for (const c of childrenOf(pid)) {
      if (seen.has(c)) continue;
      seen.add(c);
      walk(c, depth + 1); // collect the whole tree before a parent's death re-parents its children
    }
  };
  walk(process.pid, 0);
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
