import { runAction } from '../../lib/entry/action.js';

/** The ops_daily action: read inputs, run the operation, write outputs (runAction owns the only try/catch). */
export async function run(): Promise<void> {
  await runAction('ops_daily');
}
