// After the last test file: no process may still be working in the run's temporary directory
// (test/global-setup.mjs). A remote command whose SSH session was cut, or an app server a test
// started and did not stop, would otherwise run on after the suite. Such processes are killed and
// the run fails naming them; then the directory is removed.
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';

export default function globalTeardown() {
  const dir = process.env.PAAS_TEST_RUN_TMPDIR;
  if (!dir) return;
  const left = [];
  if (process.platform === 'linux') {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      let cwd;
      try {
        cwd = readlinkSync(`/proc/${d}/cwd`).replace(/ \(deleted\)$/, '');
      } catch {
        continue; // gone, or not ours to read
      }
      if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 160);
      } catch {
        /* gone */
      }
      left.push(`pid ${d} in ${cwd}: ${cmd}`);
      try {
        process.kill(Number(d), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (left.length)
    throw new Error(
      `${left.length} process(es) left running by the tests, killed now (stop them in the test's cleanup):\n${left.join('\n')}`,
    );
}
