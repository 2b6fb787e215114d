// The `paas` bin (dist/cli/index.js). Nothing Node-24-only is imported statically: this file must run
// on any Node, so it can say in one line that Node 24 is needed before node:sqlite is ever loaded.
import module from 'node:module';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED_MAJOR)) {
  process.stderr.write(
    `error PAAS_NODE_UNSUPPORTED: paas needs Node.js ${REQUIRED_MAJOR} or newer, this is ${process.version}. ` +
      `Fix: install Node.js ${REQUIRED_MAJOR} (e.g. \`nvm install ${REQUIRED_MAJOR}\`) and run paas again, or run it once with \`npx -y -p node@${REQUIRED_MAJOR} -p <this package> paas\`.\n`,
  );
  process.exitCode = 1;
} else {
  // V8's compile cache (Node's own, in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off):
  // a CLI run after the first one skips compiling the bundle's chunks
  module.enableCompileCache?.();
  await (await import('./main.js')).run();
}
