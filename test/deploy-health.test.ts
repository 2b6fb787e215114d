/** lib/ops/deploy/health.ts: the pauses between health gate attempts. */
import { describe, expect, test } from '@jest/globals';
import { pauseBefore } from '../lib/ops/deploy/health.js';

describe('health gate pauses', () => {
  test('50 ms doubling up to interval, never above it', () => {
    expect([2, 3, 4, 5, 6, 7].map((n) => pauseBefore(n, 1000))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect([2, 3, 4].map((n) => pauseBefore(n, 100))).toEqual([50, 100, 100]);
    expect(pauseBefore(500, 600_000)).toBe(600_000);
  });
});
