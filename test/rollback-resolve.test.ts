/** lib/ops/rollback/resolve.ts: rollback resolution across targets (resolveRollback), over deploy/releases.ts's parseState and rollbackCandidate. */
import { describe, expect, test } from '@jest/globals';
import { rollbackCandidate } from '../lib/ops/deploy/releases.js';
import { parseState, type HistoryLine } from '../lib/transport/release-state.js';
import { resolveRollback } from '../lib/ops/rollback/resolve.js';

describe('strategies, prune, rollback resolution', () => {
  const h = (release: string, status: 'good' | 'bad'): HistoryLine => ({ at: '', release, status, event: 'deploy' });

  test('rollback candidate: newest good before current; bad skipped; must exist', () => {
    const st = {
      current: 'r4',
      releases: ['r1', 'r2', 'r4'],
      history: [h('r1', 'good'), h('r2', 'good'), h('r3', 'good'), h('r2', 'bad'), h('r4', 'good')],
    };
    expect(rollbackCandidate(st)).toBe('r1');
    const state = (current: string, releases: string[], hist: HistoryLine[]) =>
      parseState(
        `exists=yes\ncurrent=${current}\n--releases\n${releases.join('\n')}\n--end\n--history\n${hist.map((x) => JSON.stringify(x)).join('\n')}\n--end\n`,
      );
    const a = state('r3', ['r1', 'r2', 'r3'], [h('r1', 'good'), h('r2', 'good'), h('r3', 'good')]);
    const b = state('r3', ['r1', 'r3'], [h('r1', 'good'), h('r2', 'good'), h('r3', 'good')]);
    expect(resolveRollback([{ target: 'a', state: a }]).release).toBe('r2');
    expect(
      resolveRollback([
        { target: 'a', state: a },
        { target: 'b', state: b },
      ]).release,
    ).toBe('r1');
    expect(() =>
      resolveRollback(
        [
          { target: 'a', state: a },
          { target: 'b', state: b },
        ],
        'r2',
      ),
    ).toThrow(/does not exist on b/);
    expect(() => resolveRollback([{ target: 'a', state: state('r1', ['r1'], [h('r1', 'good')]) }])).toThrow(
      /no good release/,
    );
  });
});
