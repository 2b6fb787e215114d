/**
 * Does the shared `post:` step have anything to do? Decided from the step state the runner passes
 * (`STATE_<name>`) without loading the runtime: most steps hold no lock at their end and persist no
 * state, and their post step should then cost a process start, not a bundle load.
 * The names are defined here, once (cleanup.ts and persistence/action-hooks.ts use them).
 */
export const POST_STATE_NAMES = { cleanup: 'paas_cleanup', persist: 'paas_state_persist' } as const;

export function postHasWork(env: NodeJS.ProcessEnv): boolean {
  if (env[`STATE_${POST_STATE_NAMES.persist}`]) return true;
  const held = env[`STATE_${POST_STATE_NAMES.cleanup}`];
  if (!held) return false;
  try {
    const s = JSON.parse(held) as { locks?: unknown };
    return !Array.isArray(s.locks) || s.locks.length > 0;
  } catch {
    return true; // unreadable: let the real post step report it
  }
}
