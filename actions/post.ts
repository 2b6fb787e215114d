import '../lib/runtime/dirname-shim.js';
import { postHasWork } from '../lib/runtime/post-check.js';

// nothing held, nothing to persist: done without loading the runtime
if (postHasWork(process.env)) await (await import('../lib/runtime/action.js')).runPost();
else process.stdout.write('paas post: nothing to clean up\n');
