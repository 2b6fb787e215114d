import { afterEach } from '@jest/globals';

// The action and CLI entries set a private umask (077) for the whole process. A test that runs
// them in-process would leave it to every later test file of the same worker, so that what a test
// sees (file modes, what another user can reach) would depend on the order tests run in: each
// test starts from the worker's umask.
const initialUmask = process.umask();
afterEach(() => {
  process.umask(initialUmask);
});
