// The runner's entry (dist/rollback/index.js): the shim first (bundled ssh2 reads __dirname), then run().
import '../../lib/runtime/dirname-shim.js';
import { run } from './main.js';

await run();
