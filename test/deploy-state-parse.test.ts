/**
 * The target's state as the runner reads it: files written by hand or damaged (no final newline)
 * must not hide the lock owner or the last history line. Runs the real state script with sh.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDir, stateScript } from '../lib/transport/commands.js';
import { parseState } from '../lib/transport/release-state.js';

describe('parseState over the real state script', () => {
  test('owner.json and history.jsonl without a final newline: owner and last line still read', () => {
    const root = mkdtempSync(join(tmpdir(), 'paas-state-parse-'));
    try {
      const a = appDir(root, 'oss-demo', 'web');
      mkdirSync(join(a, '.paas', 'lock'), { recursive: true });
      mkdirSync(join(a, 'releases', 'v1'), { recursive: true });
      writeFileSync(join(a, '.paas', 'lock', 'owner.json'), JSON.stringify({ run: '42', actor: 'alice' })); // no newline
      writeFileSync(
        join(a, '.paas', 'history.jsonl'),
        JSON.stringify({ release: 'v1', status: 'good', time: '2026-12-07T00:00:00Z' }),
      ); // no newline
      const st = parseState(execFileSync('sh', ['-c', stateScript(a)], { encoding: 'utf8' }));
      expect(st.lockOwner).toMatchObject({ run: '42', actor: 'alice' });
      expect(st.history.map((h) => h.release)).toEqual(['v1']);
      expect(st.releases).toEqual(['v1']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
