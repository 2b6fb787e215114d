import '../runtime/dirname-shim.js';
import { runCli } from './cli.js';

/**
 * A sink for one of the process's streams. When the reader goes away (`paas doctor | head -1`,
 * EPIPE) later writes are dropped instead of crashing with a stack trace: the command still runs
 * to its end (a deploy is never cut off half-way because nobody reads its log) and exits as usual.
 */
function sink(stream: NodeJS.WriteStream): (s: string) => void {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return (s) => {
    if (open) stream.write(s);
  };
}

/** The `paas` CLI on this process: argv in, exit code out. */
export async function run(): Promise<void> {
  process.umask(0o077); // every file and directory we create is private to the user
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: sink(process.stdout),
    stderr: sink(process.stderr),
    exit: (code) => process.exit(code),
  });
}
