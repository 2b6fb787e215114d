/**
 * The state seam of deploy's lock cleanup (issue 15 item 3): the locks a run holds are handed to
 * the action's `post:` step through the Runtime's `stepState` port (the action runtime implements
 * it with @actions/core, lib/entry/action.ts), never by an operation calling @actions/core; the
 * CLI has no step state and keeps them in memory. The post step gets the common inputs from its
 * caller, and releases the run's lock on a real local target.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLEANUP_STATE,
  heldLocks,
  postReleaseLocks,
  saveHeldLocks,
  type CleanupState,
} from '../lib/ops/deploy/cleanup.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import { POST_STATE_NAMES } from '../lib/runtime/post-check.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { appDir, prepareScript } from '../lib/transport/commands.js';
import { LocalTransport } from '../lib/transport/local.js';
import { parseState } from '../lib/transport/release-state.js';
import { cli, rmrf, tempDir } from './helpers.js';

let base: string;
beforeAll(() => {
  base = tempDir('paas-cleanup-state-');
});
afterAll(() => rmrf(base));

function runtime(saved?: Array<[string, string]>): Runtime & { lines: string[] } {
  const redactor = new Redactor();
  const logger = memoryLogger(redactor);
  return {
    env: {},
    cwd: base,
    redactor,
    logger,
    lines: logger.lines,
    now: () => new Date(),
    inCI: true,
    inAction: saved !== undefined,
    stepState: saved ? { save: (name, value) => saved.push([name, value]) } : undefined,
  };
}

const record = (locks: CleanupState['locks']): CleanupState => ({ v: 1, op: 'deploy', context: 'oss-demo', locks });

describe('saveHeldLocks', () => {
  test("an action's runtime: the record goes to its step state, under the post step's state name", () => {
    const saved: Array<[string, string]> = [];
    const rt = runtime(saved);
    const state = record([{ target: 'web1', app_dir: '/srv/oss-demo/web', token: 'tok' }]);
    saveHeldLocks(rt, state);
    expect(CLEANUP_STATE).toBe(POST_STATE_NAMES.cleanup);
    expect(saved).toEqual([['paas_cleanup', JSON.stringify(state)]]);
    expect(heldLocks(rt)).toEqual(state);
  });

  test('the CLI (no step state): in memory only, for its interrupt guard', () => {
    const rt = runtime();
    const state = record([{ target: 'web1', app_dir: '/srv/oss-demo/web', token: 'tok' }]);
    saveHeldLocks(rt, state);
    state.locks.pop(); // the record is a copy
    expect(heldLocks(rt)?.locks).toHaveLength(1);
    expect(heldLocks(runtime())).toBeNull();
  });
});

describe('postReleaseLocks', () => {
  test("releases the run's lock with the inputs it is given, and records none left", async () => {
    const stateRoot = join(base, 'state');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const dir = join(base, 'target');
    mkdirSync(dir);
    const t = new LocalTransport(dir);
    const a = appDir(dir, 'oss-demo', 'web');
    const owner = JSON.stringify({ run: '7', actor: 'tester' });
    const took = await t.exec(
      prepareScript(a, { token: 'tok7', run: '7', attempt: '1', ownerJson: owner, ttlSeconds: 600 }),
    );
    expect(parseState(took.stdout).lock).toBe('acquired');
    const saved: Array<[string, string]> = [];
    const rt = runtime(saved);
    const held = JSON.stringify(record([{ target: 'web1', app_dir: a, token: 'tok7' }]));
    await postReleaseLocks(rt, held, {
      context: 'oss-demo',
      state_root: stateRoot,
      vault: `PAAS_TARGETS=web1=local:${dir}\n`,
    });
    expect(existsSync(join(a, '.paas', 'lock'))).toBe(false);
    expect(rt.lines.join('\n')).toContain('paas post: released 1 of 1 lock(s) held by this run');
    expect(saved.map(([n, v]) => [n, (JSON.parse(v) as CleanupState).locks])).toEqual([['paas_cleanup', []]]);
  });
});
