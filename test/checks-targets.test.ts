/** lib/ops/checks/targets.ts: parsing the key=value lines the target probes print. */
import { describe, expect, test } from '@jest/globals';
import { parseKv } from '../lib/ops/checks/targets.js';

describe('ops checks: read-only probes of a target (probeScript, backupScript)', () => {
  test('parseKv: later keys win, lines without = are ignored, values keep inner =', async () => {
    expect(parseKv('a=1\nnoise\n=x\nb = 2 \na=3\nc=x=y\n')).toEqual({ a: '3', b: '2', c: 'x=y' });
  });
});
