/**
 * The one fleet pipeline (issue 15 item 1): the one typed history writer, StageError as a PaasError,
 * and the round trips of a rollback per target (counted on the transport, not timed).
 */
import { describe, expect, test } from '@jest/globals';
import { PaasError } from '../lib/output/errors.js';
import { remediationFor } from '../lib/ops/deploy/connect.js';
import { StageError, toPaasError } from '../lib/ops/deploy/fleet.js';
import { historyLine, parseState, releaseStatuses } from '../lib/ops/deploy/releases.js';

describe('history lines: one typed writer', () => {
  const who = { actor: 'octo', run: '42', token: 'not-written' };
  const at = new Date('2026-01-02T03:04:05.000Z');
  test('the status follows from the event; fixed key order; nothing but the line fields (no lock token)', () => {
    expect(historyLine(who, at, { event: 'unpack', release: 'v1', sha256: 'ab' })).toBe('{"at":"2026-01-02T03:04:05.000Z","release":"v1","status":"unpacked","event":"unpack","actor":"octo","run":"42","sha256":"ab"}');
    expect(JSON.parse(historyLine(who, at, { event: 'deploy', release: 'v1', sha256: 'ab', health: null }))).toEqual({ at: at.toISOString(), release: 'v1', status: 'good', event: 'deploy', actor: 'octo', run: '42', sha256: 'ab', health: null });
    expect(JSON.parse(historyLine(who, at, { event: 'fleet_rollback', release: 'v2', reason: 'health on web1' }))).toMatchObject({ status: 'bad', event: 'fleet_rollback', reason: 'health on web1' });
    expect(JSON.parse(historyLine(who, at, { event: 'rollback', status: 'bad', release: 'v2', reason: 'rolled back to v1' }))).toMatchObject({ status: 'bad', event: 'rollback' });
    expect(JSON.parse(historyLine(who, at, { event: 'rollback', status: 'good', release: 'v1', health: { interval: 1 } }))).toMatchObject({ status: 'good', health: { interval: 1 } });
  });
  test('what it writes is what the state parser and release statuses read back', () => {
    const lines = [
      historyLine(who, at, { event: 'deploy', release: 'v1', sha256: 'a', health: null }),
      historyLine(who, at, { event: 'deploy', release: 'v2', sha256: 'b', health: null }),
      historyLine(who, at, { event: 'rollback', status: 'bad', release: 'v2', reason: 'rolled back to v1' }),
      historyLine(who, at, { event: 'rollback', status: 'good', release: 'v1', health: null }),
    ];
    const st = parseState(['exists=yes', 'current=v1', '--releases', 'v1', 'v2', '--end', '--history', ...lines, '--end'].join('\n'));
    expect(st.history).toHaveLength(4);
    const { status, goodOrder } = releaseStatuses(st.history);
    expect(status.get('v2')).toBe('bad');
    expect(goodOrder[0]).toBe('v1');
  });
});

describe('StageError is a PaasError', () => {
  test('its remediation follows from the code; a fleet-wide step has no target in the envelope', () => {
    const e = new StageError('PAAS_LOCK_HELD', 'lock', 'web1', 'held by another run');
    expect(e).toBeInstanceOf(PaasError);
    expect(e.toInfo()).toEqual({ code: 'PAAS_LOCK_HELD', stage: 'lock', target: 'web1', message: 'held by another run', remediation: remediationFor('PAAS_LOCK_HELD') });
    const i = new StageError('PAAS_INTERRUPTED', 'interrupted', '', 'cancelled');
    expect(i.toInfo().target).toBeNull();
    expect(i.remediation).toContain('cancelled');
    expect(toPaasError(e).toInfo()).toEqual(e.toInfo());
    expect(new StageError('PAAS_INVALID_ARGUMENT', 'input', '', 'bad', 'Use a valid name.').remediation).toBe('Use a valid name.');
  });
});
