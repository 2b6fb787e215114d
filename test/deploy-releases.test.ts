/** lib/ops/deploy/releases.ts: which releases prune removes. */
import { describe, expect, test } from '@jest/globals';
import { pruneList } from '../lib/ops/deploy/releases.js';
import type { HistoryLine } from '../lib/transport/release-state.js';

describe('strategies, prune, rollback resolution', () => {
  const h = (release: string, status: 'good' | 'bad'): HistoryLine => ({ at: '', release, status, event: 'deploy' });

  test('prune keeps N good, never current nor the previous good one; bad ones go; unmanaged stay', () => {
    const st = {
      releases: ['r1', 'r2', 'r3', 'r4', 'r5', 'bad1', 'manual'],
      history: [h('r1', 'good'), h('r2', 'good'), h('r3', 'good'), h('bad1', 'bad'), h('r4', 'good'), h('r5', 'good')],
    };
    expect(pruneList(st, 'r5', 'r4', 2).sort()).toEqual(['bad1', 'r1', 'r2', 'r3']);
    // previous is old (after a rollback): still kept
    expect(pruneList(st, 'r5', 'r1', 2).sort()).toEqual(['bad1', 'r2', 'r3']);
    expect(pruneList(st, 'r5', null, 10).sort()).toEqual(['bad1']);
  });
});
