/**
 * An incoming config.json (a restored cache entry's or a backup's) is checked once
 * (lib/persistence/state-files.ts incomingConfig): backup verification reports the problem by
 * name, a restore refuses it with PAAS_STATE_CORRUPT or, for another context's file,
 * PAAS_STATE_DECRYPT_FAILED; a good one is rebased onto this machine's state root.
 */
import { describe, expect, test } from '@jest/globals';
import { PaasError } from '../lib/output/errors.js';
import { incomingConfig, rebaseConfig } from '../lib/persistence/state-files.js';

const config = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      name: 'customer-acme',
      type: 'customer',
      state_root: '/elsewhere/state',
      created_at: '2026-12-01T08:00:00.000Z',
      ...over,
    }),
  );

const refusal = (data: Buffer): { code: string; message: string } => {
  try {
    rebaseConfig(data, 'customer-acme', '/here/state');
  } catch (e) {
    if (e instanceof PaasError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('rebaseConfig accepted the file');
};

describe('incoming config.json', () => {
  test('a good file is rebased onto this state root, everything else kept', () => {
    const out = JSON.parse(rebaseConfig(config(), 'customer-acme', '/here/state')) as Record<string, unknown>;
    expect(out).toMatchObject({ name: 'customer-acme', type: 'customer', state_root: '/here/state' });
    expect(incomingConfig(config(), 'customer-acme')).toMatchObject({ config: { name: 'customer-acme' } });
  });

  test.each([
    ['not JSON', Buffer.from('{"name":'), 'PAAS_STATE_CORRUPT', 'the incoming config.json is not JSON'],
    [
      'does not match the context schema',
      config({ type: 'nope' }),
      'PAAS_STATE_CORRUPT',
      'the incoming config.json does not match the context schema',
    ],
    [
      'belongs to context customer-other',
      config({ name: 'customer-other' }),
      'PAAS_STATE_DECRYPT_FAILED',
      'the incoming config.json belongs to context customer-other, not customer-acme; refused',
    ],
  ])('%s: named for backup verify, refused on restore', (problem, data, code, message) => {
    expect(incomingConfig(data, 'customer-acme')).toMatchObject({ problem });
    expect(refusal(data)).toEqual({ code, message });
  });
});
