import type { Redactor } from '../redaction/redactor.js';
import type { Logger } from './logger.js';

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
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true' || env.CI === 'true' || env.CI === '1';
}
