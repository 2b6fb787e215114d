// The test run's own temporary directory: TMPDIR (which os.tmpdir(), mktemp and the tools the tests
// start read) points into it for every test file, and test/global-teardown.mjs removes it, so a run
// leaves nothing in /tmp whatever a test forgets. Mode 0711, like /tmp for anyone but its owner: the
// `postgres` user of the PostgreSQL tests passes through to the directories chowned to it.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'paas-tests-'));
  chmodSync(dir, 0o711);
  process.env.PAAS_TEST_RUN_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
