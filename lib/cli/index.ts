// The `paas` bin (dist/cli/index.js). Nothing Node-24-only is imported statically: this file must run
// on any Node, so it can say in one line that Node 24 is needed before node:sqlite is ever loaded.
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { lowerHelperThreads } from '../runtime/helper-threads.js';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED_MAJOR)) {
  process.stderr.write(
    `error PAAS_NODE_UNSUPPORTED: paas needs Node.js ${REQUIRED_MAJOR} or newer, this is ${process.version}. ` +
      `Fix: install Node.js ${REQUIRED_MAJOR} (e.g. \`nvm install ${REQUIRED_MAJOR}\`) and run paas again, ` +
      `or run it once with \`npx -y -p node@${REQUIRED_MAJOR} -p <this package> paas\`.\n`,
  );
  process.exitCode = 1;
} else {
  // V8's compile cache (NODE_DISABLE_COMPILE_CACHE=1 turns it off): a CLI run after the first one
  // skips compiling the bundle's chunks. It lives in the user's cache directory, not the temp dir,
  // so a run leaves nothing behind in TMPDIR (NODE_COMPILE_CACHE still wins when set).
  module.enableCompileCache?.(
    process.env.NODE_COMPILE_CACHE ||
      join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'paas-actions', 'node-compile-cache'),
  );
  // V8's background compilers yield to the main thread on a small machine (helper-threads.ts)
  lowerHelperThreads();
  await (await import('./main.js')).run();
}
