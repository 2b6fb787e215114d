/** lib/ops/deploy/fleet.ts: strategies as batches (planBatches, fanoutPlan). */
import { describe, expect, test } from '@jest/globals';
import { planBatches, fanoutPlan } from '../lib/ops/deploy/fleet.js';

describe('strategies, prune, rollback resolution', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  test('batches', () => {
    expect(fanoutPlan(planBatches(ids, { strategy: 'serial', batch: 2, canary: 1 }))).toBe('a;b;c;d;e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'rolling', batch: 2, canary: 1 }))).toBe('a,b;c,d;e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'parallel', batch: 2, canary: 1 }))).toBe('a,b,c,d,e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'canary', batch: 2, canary: 2 }))).toBe('a,b;c,d,e');
    expect(fanoutPlan(planBatches(['a'], { strategy: 'canary', batch: 2, canary: 3 }))).toBe('a');
  });
});
