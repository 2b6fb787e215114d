import type { Redactor } from '../redaction/redactor.js';
import type { Logger } from './logger.js';

/**
 * The runner's step state: what a main step hands to its `post:` step (written to GITHUB_STATE, read
 * back there as STATE_<name>; the names are POST_STATE_NAMES in post-check.ts). Only the action
 * runtime has one (lib/entry/action.ts, over @actions/core); the CLI has no post step and keeps
 * what it needs in memory.
 */
interface StepState {
  save(name: string, value: string): void;
}

/** Everything an operation needs from its surroundings: the ports. Same shape in action, CLI and tests. */
export interface Runtime {
  env: NodeJS.ProcessEnv;
  cwd: string;
  redactor: Redactor;
  logger: Logger;
  now: () => Date;
  /** true when running inside CI (GITHUB_ACTIONS=true or CI=true) */
  inCI: boolean;
  /** true when running as a GitHub Action (not the CLI) */
  inAction: boolean;
  /** GITHUB_WORKSPACE */
  workspace?: string | undefined;
  /** the runner's step state (an action); absent on the CLI and in tests that need none */
  stepState?: StepState | undefined;
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true' || env.CI === 'true' || env.CI === '1';
}

/** GITHUB_RUN_ATTEMPT when it is a number, else 1 (outside Actions). */
export function runAttempt(env: NodeJS.ProcessEnv): string {
  const a = env.GITHUB_RUN_ATTEMPT;
  return a && /^\d{1,6}$/.test(a) ? a : '1';
}
