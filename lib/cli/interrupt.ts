import type { Outcome } from '../output/envelope.js';
import { PaasError } from '../output/errors.js';
import { failure } from '../output/outcome.js';
import { COMMON_INPUT_NAMES } from '../runtime/inputs.js';
import { clearInterrupt, onTermination, requestInterrupt, signalDescendants } from '../runtime/interrupt.js';
import type { Runtime } from '../runtime/runtime.js';

/** How long the interrupted run may take to stop its in-flight remote steps before its locks are released anyway. */
const INTERRUPT_GRACE_MS = 10_000;

/** `paas deploy --apply` / `paas rollback --apply`: the runs that take deploy locks. */
export function takesLocks(op: string, args: Record<string, unknown>): op is 'deploy' | 'rollback' {
  if (args.apply !== true) return false;
  if (op === 'rollback') return true;
  return op === 'deploy' && (args.mode === undefined || args.mode === 'deploy');
}

export interface InterruptGuard {
  /** the signal that interrupted the run, once one arrived */
  readonly signal: NodeJS.Signals | null;
  /** runs the operation; on the first signal, stops it and returns the interrupted outcome */
  run(start: () => Promise<Outcome>): Promise<Outcome>;
  /** removes the signal handlers (a later signal has its default effect again) */
  stop(): void;
}

interface GuardOptions {
  mute: () => void;
  log: Runtime['logger'];
  stderr: (s: string) => void;
  graceMs?: number;
}

/** Step 1 on the first signal: gate remote work, silence the run, say so, pass Ctrl-C on to local children. */
function onFirstSignal(rt: Runtime, o: GuardOptions, sig: NodeJS.Signals): void {
  requestInterrupt(sig);
  o.mute();
  o.stderr(
    rt.redactor.redact(
      `paas: ${sig} received: no new remote work is started; ` +
        `releasing the deploy lock this run holds (${sig} again exits at once)\n`,
    ),
  );
  signalDescendants('SIGINT');
}

/** Waits up to the grace period for the interrupted run to stop; false when it did not. */
async function waitForStop(running: Promise<Outcome>, o: GuardOptions): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceMs = o.graceMs ?? INTERRUPT_GRACE_MS;
  const settled = await Promise.race([
    running.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!settled)
    o.log.warn(
      `the run did not stop within ${Math.round(graceMs / 1000)}s (a remote command is still running); ` +
        'releasing the locks anyway',
    );
  return settled;
}

/** Step 2: releases the locks the run recorded as held, with its own token; which were released and kept. */
async function releaseHeld(
  rt: Runtime,
  args: Record<string, unknown>,
  o: GuardOptions,
): Promise<{ released: string[]; kept: string[]; problem: unknown }> {
  const { heldLocks, releaseRecordedLocks } = await import('../ops/deploy/cleanup.js');
  const state = heldLocks(rt);
  const locks = state?.locks ?? [];
  let released: string[] = [];
  let problem: unknown = null;
  if (state && locks.length) {
    const raw = Object.fromEntries(COMMON_INPUT_NAMES.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
    try {
      released = await releaseRecordedLocks({ ...rt, logger: o.log }, raw, state, 'interrupt');
    } catch (e) {
      problem = e;
    }
  }
  const kept = locks.map((l) => l.target).filter((t) => !released.includes(t));
  return { released, kept, problem };
}

/** Step 3: the PAAS_INTERRUPTED outcome, with what the run did if it stopped in time. */
async function interrupted(
  rt: Runtime,
  op: 'deploy' | 'rollback',
  args: Record<string, unknown>,
  o: GuardOptions,
  sig: NodeJS.Signals,
  running: Promise<Outcome>,
): Promise<Outcome> {
  const settled = await waitForStop(running, o);
  const { released, kept, problem } = await releaseHeld(rt, args, o);
  const tail = kept.length
    ? `; could not release it on ${kept.join(', ')}${problem instanceof Error ? ` (${problem.message})` : ''}` +
      ': it becomes stale after lock_ttl'
    : '';
  o.stderr(rt.redactor.redact(`paas: interrupted; released the deploy lock on ${released.length} target(s)${tail}\n`));
  // the run stopped in time: what it did (targets returned to their previous release) is part of the result
  const ran: Record<string, unknown> = settled
    ? await running.then(
        (r) => r.envelope.fields,
        () => ({}),
      )
    : {};
  const back =
    op === 'deploy' && typeof ran.rolled_back_targets === 'string' && ran.rolled_back_targets
      ? `; returned ${ran.rolled_back_targets} to the release each ran before`
      : '';
  const err = new PaasError(
    'PAAS_INTERRUPTED',
    `${op} interrupted by ${sig}${back}; released the deploy lock on ${released.length} target(s)${tail}`,
    {
      stage: 'interrupted',
      remediation:
        `Check the targets with \`paas deploy reconcile\`, then run the ${op} again` +
        `${kept.length ? ' (or wait for lock_ttl to pass)' : ''}.`,
    },
  );
  const context = typeof args.context === 'string' ? args.context : null;
  return failure(rt.redactor, op, context, 'apply', err, {
    ...ran,
    released_locks: released.join(','),
    ...(kept.length ? { kept_locks: kept.join(',') } : {}),
  });
}

/**
 * SIGINT/SIGTERM during a mutating deploy/rollback from the CLI (the action has its `post:` step):
 *  1. no new remote work starts (lib/runtime/interrupt.ts gates every remote step), the local
 *     commands the run started get SIGINT as from a terminal's Ctrl-C, and the run's own output stops;
 *  2. once the run has stopped (at most INTERRUPT_GRACE_MS), the locks it recorded as held
 *     (cleanup.ts heldLocks) are released with our token (never another run's);
 *  3. `paas: interrupted; released the deploy lock on N target(s)` and a PAAS_INTERRUPTED outcome
 *     (exit 1: PRODUCT.md defines no other code for it).
 * A second signal restores the default action and re-raises it: the process ends at once.
 */
export function guardInterrupts(
  rt: Runtime,
  op: 'deploy' | 'rollback',
  args: Record<string, unknown>,
  o: GuardOptions,
): InterruptGuard {
  let signal: NodeJS.Signals | null = null;
  let fire: (s: NodeJS.Signals) => void = () => {};
  const fired = new Promise<NodeJS.Signals>((resolve) => (fire = resolve));
  const stopListening = onTermination((sig) => {
    signal = sig;
    onFirstSignal(rt, o, sig);
    fire(sig);
  });
  return {
    get signal() {
      return signal;
    },
    async run(start) {
      const running = start();
      running.catch(() => {
        /* reported through the outcome, or abandoned after an interrupt */
      });
      const first = await Promise.race([running.then((r) => ({ r })), fired.then(() => null)]);
      // the run may finish in the same tick the signal arrives: the signal wins, the locks are checked
      if (first && !signal) return first.r;
      return interrupted(rt, op, args, o, signal ?? 'SIGINT', running).finally(() => {
        // lifted once the abandoned run has really stopped (the CLI process exits before that)
        void running.finally(clearInterrupt).catch(() => {});
      });
    },
    stop: stopListening,
  };
}
