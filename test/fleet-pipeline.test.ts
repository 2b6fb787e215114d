/**
 * The one fleet pipeline (issue 15 item 1): the one typed history writer, StageError as a PaasError,
 * and the round trips of a rollback per target (counted on the transport, not timed).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';
import { PaasError } from '../lib/output/errors.js';
import { remediationFor } from '../lib/ops/deploy/fleet-messages.js';
import { StageError, TARGET_TRANSITIONS, TargetNode, toPaasError } from '../lib/ops/deploy/fleet.js';
import { LocalTransport } from '../lib/transport/local.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { historyLine } from '../lib/ops/deploy/releases.js';
import { parseState, releaseStatuses } from '../lib/transport/release-state.js';

describe('history lines: one typed writer', () => {
  const who = { actor: 'octo', run: '42', token: 'not-written' };
  const at = new Date('2026-01-02T03:04:05.000Z');
  test('the status follows from the event; fixed key order; nothing but the line fields (no lock token)', () => {
    expect(historyLine(who, at, { event: 'unpack', release: 'v1', sha256: 'ab' })).toBe(
      '{"at":"2026-01-02T03:04:05.000Z","release":"v1","status":"unpacked","event":"unpack","actor":"octo","run":"42","sha256":"ab"}',
    );
    expect(JSON.parse(historyLine(who, at, { event: 'deploy', release: 'v1', sha256: 'ab', health: null }))).toEqual({
      at: at.toISOString(),
      release: 'v1',
      status: 'good',
      event: 'deploy',
      actor: 'octo',
      run: '42',
      sha256: 'ab',
      health: null,
    });
    expect(
      JSON.parse(historyLine(who, at, { event: 'fleet_rollback', release: 'v2', reason: 'health on web1' })),
    ).toMatchObject({ status: 'bad', event: 'fleet_rollback', reason: 'health on web1' });
    expect(
      JSON.parse(
        historyLine(who, at, { event: 'rollback', status: 'bad', release: 'v2', reason: 'rolled back to v1' }),
      ),
    ).toMatchObject({ status: 'bad', event: 'rollback' });
    expect(
      JSON.parse(historyLine(who, at, { event: 'rollback', status: 'good', release: 'v1', health: { interval: 1 } })),
    ).toMatchObject({ status: 'good', health: { interval: 1 } });
  });
  test('what it writes is what the state parser and release statuses read back', () => {
    const lines = [
      historyLine(who, at, { event: 'deploy', release: 'v1', sha256: 'a', health: null }),
      historyLine(who, at, { event: 'deploy', release: 'v2', sha256: 'b', health: null }),
      historyLine(who, at, { event: 'rollback', status: 'bad', release: 'v2', reason: 'rolled back to v1' }),
      historyLine(who, at, { event: 'rollback', status: 'good', release: 'v1', health: null }),
    ];
    const st = parseState(
      ['exists=yes', 'current=v1', '--releases', 'v1', 'v2', '--end', '--history', ...lines, '--end'].join('\n'),
    );
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
    expect(e.toInfo()).toEqual({
      code: 'PAAS_LOCK_HELD',
      stage: 'lock',
      target: 'web1',
      message: 'held by another run',
      remediation: remediationFor('PAAS_LOCK_HELD'),
    });
    const i = new StageError('PAAS_INTERRUPTED', 'interrupted', '', 'cancelled');
    expect(i.toInfo().target).toBeNull();
    expect(i.remediation).toContain('cancelled');
    expect(toPaasError(e).toInfo()).toEqual(e.toInfo());
    expect(new StageError('PAAS_INVALID_ARGUMENT', 'input', '', 'bad', 'Use a valid name.').remediation).toBe(
      'Use a valid name.',
    );
  });
});

/** per target: state, lock, switch, finalize (history + unlock) = 4 (5 on ssh: + connect); before the one fleet pipeline 5: a history script and an unlock of their own */
const ROLLBACK_TRIPS = 'web1:4,web2:4,web3:3';

describe('target state transitions: one table', () => {
  test('a target moves only along TARGET_TRANSITIONS; end states are final', () => {
    const node = () =>
      new TargetNode(
        { id: 'web1' } as never,
        new LocalTransport('/nonexistent'),
        '/srv',
        { context: 'c', app: 'a', run: '1', attempt: '1', actor: 'x', sha: '', token: 't' },
        new Redactor(),
        () => {},
      );
    const n = node();
    expect(n.status).toBe('pending');
    n.moveTo('ok');
    n.moveTo('failed');
    n.moveTo('rolled_back');
    expect(() => n.moveTo('ok')).toThrow('no transition rolled_back -> ok');
    const m = node();
    expect(() => m.moveTo('rolled_back')).toThrow('no transition pending -> rolled_back');
    m.moveTo('skipped');
    for (const end of ['rolled_back', 'rollback_failed', 'skipped', 'unchanged'] as const)
      expect(TARGET_TRANSITIONS[end]).toEqual([]);
  });
});

describe('round trips of a rollback (counted by the transport)', () => {
  let base: string;
  beforeAll(() => {
    base = tempDir('paas-fleet-');
  });
  afterAll(() => {
    stopApps(base);
    rmrf(base);
  });

  test('per target: state, lock, switch, finalize (history + unlock); a target already there: state, lock, unlock', async () => {
    const rels = join(base, 'rels');
    mkdirSync(rels);
    for (const v of ['v1', 'v2']) makeRelease(rels, v);
    const targets = ['t1', 't2', 't3'].map((t, i) => {
      const dir = join(base, t);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'port'), `${40000 + ((process.pid * 7 + i) % 20000)}\n`);
      return dir;
    });
    const work = join(base, 'work');
    mkdirSync(work);
    // no health check: its polls are 1+ round trips (counted by the deploy docs separately)
    writeFileSync(
      join(work, 'paas.yml'),
      appYml({ strategy: 'parallel' })
        .split('\n')
        .filter((l) => !l.includes('health:'))
        .join('\n'),
    );
    const stateRoot = join(base, 'state');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const vault = (names: number[]) =>
      `PAAS_TARGETS=${names.map((i) => `web${i + 1}=local:${targets[i]}`).join(',')}\n`;
    const common = { context: 'oss-demo', state_root: stateRoot, app: 'web' };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    const run = (op: 'deploy' | 'rollback', raw: Record<string, unknown>) =>
      runOp(op, { ...common, ...raw }, { cwd: work, inCI: false, env });
    for (const v of ['v1', 'v2'])
      expect(
        (
          await run('deploy', {
            vault: vault([0, 1, 2]),
            artifact: join(rels, `${v}.tar.gz`),
            release_id: v,
            apply: 'true',
          })
        ).outcome.envelope.error,
      ).toBeUndefined();
    // web3 is already on v1: it is left unchanged
    expect(
      (await run('rollback', { vault: vault([2]), to_release: 'v1', apply: 'true' })).outcome.envelope.fields
        .target_statuses,
    ).toBe('web3:rolled_back');
    const rb = await run('rollback', { vault: vault([0, 1, 2]), to_release: 'v1', apply: 'true' });
    expect(rb.outcome.envelope.error).toBeUndefined();
    expect(rb.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back,web2:rolled_back,web3:unchanged');
    expect(rb.outcome.envelope.fields.round_trips).toBe(ROLLBACK_TRIPS);
  });

  test("a rollback that fails on one target gets deploy's failure semantics: every switched target returns, the release is marked bad, the one left stays good", async () => {
    const rels = join(base, 'rels-f');
    mkdirSync(rels);
    for (const v of ['v1', 'v2']) makeRelease(rels, v);
    makeRelease(rels, 'v3', { failOn: ['web2'] });
    const targets = await Promise.all(
      ['f1', 'f2'].map(async (t) => {
        const dir = join(base, t);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'port'), `${await freePort()}\n`);
        return dir;
      }),
    );
    const work = join(base, 'work-f');
    mkdirSync(work);
    writeFileSync(join(work, 'paas.yml'), appYml({ strategy: 'parallel', deadline: '2s' }));
    const stateRoot = join(base, 'state-f');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const common = {
      context: 'oss-demo',
      state_root: stateRoot,
      app: 'web',
      vault: `PAAS_TARGETS=web1=local:${targets[0]},web2=local:${targets[1]}\n`,
    };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    const run = (op: 'deploy' | 'rollback', raw: Record<string, unknown>) =>
      runOp(op, { ...common, ...raw }, { cwd: work, inCI: false, env });
    for (const v of ['v1', 'v2', 'v3'])
      await run('deploy', { artifact: join(rels, `${v}.tar.gz`), release_id: v, apply: 'true' });
    const app = (i: number) => join(targets[i] as string, 'oss-demo', 'web');
    expect([0, 1].map((i) => readlinkSync(join(app(i), 'current')))).toEqual(['releases/v2', 'releases/v2']);
    // v3 (bad: its deploy failed on web2) on purpose: healthy on web1, unhealthy on web2
    const rb = await run('rollback', { to_release: 'v3', allow_bad_release: 'true', apply: 'true' });
    expect(rb.outcome.exitCode).toBe(1);
    expect(rb.outcome.envelope.error).toMatchObject({
      code: 'PAAS_HEALTH_CHECK_FAILED',
      stage: 'health',
      target: 'web2',
    });
    expect(rb.outcome.envelope.error?.remediation).toContain('were returned to the release each ran before');
    expect(rb.outcome.envelope.fields.target_statuses).toBe('web1:rolled_back,web2:rolled_back');
    expect([0, 1].map((i) => readlinkSync(join(app(i), 'current')))).toEqual(['releases/v2', 'releases/v2']);
    for (const i of [0, 1]) {
      const hist = readFileSync(join(app(i), '.paas', 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { release: string; status: string; event: string });
      expect(hist.at(-1)).toMatchObject({ release: 'v3', status: 'bad', event: 'fleet_rollback' });
      // v2, which every target runs again, was never marked bad by the failed rollback
      expect(hist.filter((h) => h.release === 'v2' && h.status === 'bad')).toEqual([]);
    }
    const rec = await runOp('deploy', { ...common, mode: 'reconcile' }, { cwd: work, inCI: false, env });
    expect(rec.outcome.envelope.fields.target_statuses).toBe('web1:ok,web2:ok');
    expect(rec.outcome.envelope.fields.expected_release).toBe('v2');
  });
});
