import { postHasWork } from '../../lib/runtime/post-check.js';

/** Shared `post:` step. Nothing held, nothing to persist: done without loading the runtime. */
export async function run(): Promise<void> {
  if (postHasWork(process.env)) await (await import('../../lib/entry/action.js')).runPost();
  else process.stdout.write('paas post: nothing to clean up\n');
}
