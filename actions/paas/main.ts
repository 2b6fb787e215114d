import { runUmbrella } from '../../lib/entry/action.js';

/** Root action.yml: input `operation` selects one of the six. */
export async function run(): Promise<void> {
  await runUmbrella();
}
