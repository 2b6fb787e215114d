import { runAction } from '../../lib/entry/action.js';

/** The deploy action: read inputs, run the operation, write outputs (runAction owns the only try/catch). */
export async function run(): Promise<void> {
  await runAction('deploy');
}
