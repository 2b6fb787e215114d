import '../runtime/dirname-shim.js';
import { runCli } from './cli.js';

/** The `paas` CLI on this process: argv in, exit code out. */
export async function run(): Promise<void> {
  process.umask(0o077); // every file and directory we create is private to the user
  process.exitCode = await runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), exit: (code) => process.exit(code) });
}
