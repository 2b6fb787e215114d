/**
 * `paas rollback --drill` (rollback with drill: true): a rollback and roll-forward of one target on
 * a real local target (a directory and a process), recorded as a `rollback.drill` event that
 * `paas ops readiness` accepts; the plan-and-verify part alone does not count for an internal
 * context; a broken candidate is found by the drill and the target goes back; CI-only rules hold.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';

let base = '';
let rels = '';
beforeAll(() => {
  base = tempDir('paas-drill-');
  rels = join(base, 'rels');
  mkdirSync(rels);
  for (const v of ['v1', 'v2']) makeRelease(rels, v);
});
afterAll(() => {
  stopApps(base);
  rmrf(base);
});

async function setup(name: string, type: 'internal-dogfood' | 'customer-acme', releases: Array<[string, string]>) {
  const dir = join(base, name);
  const target = join(dir, 'target');
  const work = join(dir, 'work');
  const root = join(dir, 'state');
  mkdirSync(target, { recursive: true });
  mkdirSync(work, { recursive: true });
  const port = await freePort();
  writeFileSync(join(target, 'port'), `${port}\n`);
  writeFileSync(join(work, 'paas.yml'), appYml({ http: true, port, strategy: 'serial', deadline: '4s' }));
  const vault = join(dir, 'vault.env');
  writeFileSync(
    vault,
    `PAAS_TARGETS=web1=local:${target}\nPAAS_STATE_KEY=${randomBytes(32).toString('base64')}\nSLACK_WEBHOOK_URL=http://127.0.0.1:9/hook-${name}\n`,
    { mode: 0o600 },
  );
  expect(
    (
      await cli(
        [
          'context',
          'create',
          type,
          '--state-root',
          root,
          '--vault-file',
          vault,
          '--events',
          'workflow_dispatch',
          '--branches',
          'main',
        ],
        {},
        work,
      )
    ).code,
  ).toBe(0);
  const common = { context: type, state_root: root, app: 'web' };
  for (const [artifact, id] of releases) {
    const r = await runOp(
      'deploy',
      { ...common, artifact: join(rels, `${artifact}.tar.gz`), release_id: id, apply: 'true' },
      { cwd: work },
    );
    expect(r.outcome.envelope.error).toBeUndefined();
  }
  const history = join(target, type, 'web', '.paas', 'history.jsonl');
  return { root, work, target, common, port, history, appDir: join(target, type, 'web') };
}

const readiness = (root: string, work: string, context: string) =>
  cli(['ops', 'readiness', '--state-root', root, '--context', context, '--json'], {}, work);
const drillCheck = (r: Awaited<ReturnType<typeof cli>>) =>
  (r.json().fields.checks as Array<{ check: string; status: string; reason: string; detail: string }>).find(
    (c) => c.check === 'rollback_drill',
  );

describe('rollback drill', () => {
  test('internal context in CI: v2 -> v1 -> v2 on the target, history untouched, event recorded, readiness accepts it', async () => {
    const s = await setup('internal', 'internal-dogfood', [
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    await cli(['backup', 'create', '--context', 'internal-dogfood', '--state-root', s.root], {}, s.work);
    const before = readFileSync(s.history, 'utf8');
    expect(drillCheck(await readiness(s.root, s.work, 'internal-dogfood'))).toMatchObject({
      status: 'fail',
      reason: 'no_drill',
    });

    // plan and verify only: nothing switched, and it does not count as a drill of an internal context
    const plan = await runOp('rollback', { ...s.common, drill: 'true' }, { cwd: s.work });
    expect(plan.outcome.lines.at(-1)).toBe(
      'rollback_drill status=ok mode=plan_verify target=web1 release_id=v1 previous=v2',
    );
    expect(plan.logs.join('\n')).not.toContain('switched=');
    const afterPlan = drillCheck(await readiness(s.root, s.work, 'internal-dogfood'));
    expect(afterPlan).toMatchObject({ status: 'fail', reason: 'no_drill' });
    expect(afterPlan?.detail).toContain('1 plan-and-verify only');

    const full = await runOp('rollback', { ...s.common, drill: 'true', apply: 'true' }, { cwd: s.work });
    expect(full.outcome.envelope.error).toBeUndefined();
    expect(full.outcome.lines.at(-1)).toBe('rollback_drill status=ok mode=full target=web1 release_id=v1 previous=v2');
    const log = full.logs.join('\n');
    expect(log.indexOf('switched=v1')).toBeGreaterThan(-1);
    expect(log.indexOf('switched=v2')).toBeGreaterThan(log.indexOf('switched=v1'));
    expect(log).toMatch(/healthy on v1/);
    // back where it was: current, the running app, the history (no release marked bad), no lock left
    expect(readlinkSync(join(s.appDir, 'current'))).toBe('releases/v2');
    expect(await (await fetch(`http://127.0.0.1:${s.port}/`)).text()).toBe('v2');
    expect(readFileSync(s.history, 'utf8')).toBe(before);
    const rec = await runOp('deploy', { ...s.common, mode: 'reconcile' }, { cwd: s.work });
    expect(rec.outcome.envelope.fields.target_statuses).toBe('web1:ok');
    // a later rollback still goes to v1 (the drill marked nothing bad)
    const rb = await runOp('rollback', s.common, { cwd: s.work });
    expect(rb.outcome.envelope.fields.release_id).toBe('v1');

    const ready = drillCheck(await readiness(s.root, s.work, 'internal-dogfood'));
    expect(ready).toMatchObject({ status: 'ok', reason: 'recent' });
    const ev = await cli(
      [
        'events',
        'list',
        '--context',
        'internal-dogfood',
        '--state-root',
        s.root,
        '--kind',
        'rollback.drill',
        '--format',
        'jsonl',
      ],
      {},
      s.work,
    );
    const drills = ev.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; fields: { mode: string; previous: string; release_id: string } });
    expect(drills.map((d) => `${d.level}:${d.fields.mode}:${d.fields.previous}->${d.fields.release_id}`)).toEqual([
      'info:plan_verify:v2->v1',
      'info:full:v2->v1',
    ]);
  });

  test('a broken rollback candidate: the drill fails, says so, and the target is back on the release it ran', async () => {
    const s = await setup('broken', 'internal-dogfood', [
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    // v1 was good when deployed and no longer is (say, it needs a column a migration dropped)
    writeFileSync(join(s.appDir, 'releases', 'v1', 'fail_on'), '*\n');
    const before = readFileSync(s.history, 'utf8');
    const r = await runOp('rollback', { ...s.common, drill: 'true', apply: 'true' }, { cwd: s.work });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(r.outcome.lines.at(-1)).toMatch(/^rollback_drill status=fail reason=health_check_failed /);
    expect(r.outcome.envelope.fields).toMatchObject({ candidate_failed: true, returned: true });
    expect(readlinkSync(join(s.appDir, 'current'))).toBe('releases/v2');
    expect(await (await fetch(`http://127.0.0.1:${s.port}/`)).text()).toBe('v2');
    expect(readFileSync(s.history, 'utf8')).toBe(before);
    // recorded as a failed drill: readiness does not count it
    const check = drillCheck(await readiness(s.root, s.work, 'internal-dogfood'));
    expect(check).toMatchObject({ status: 'fail', reason: 'no_drill' });
    expect(check?.detail).toContain('1 failed');
  });

  test('outside CI an internal context is not switched; a customer context only plans and verifies', async () => {
    const s = await setup('policy', 'internal-dogfood', [
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    const before = readFileSync(s.history, 'utf8');
    const refused = await runOp(
      'rollback',
      { ...s.common, drill: 'true', apply: 'true' },
      { cwd: s.work, inCI: false },
    );
    expect(refused.outcome.exitCode).toBe(1);
    expect(refused.outcome.envelope.error?.stage).toBe('policy');
    expect(refused.logs.join('\n')).not.toContain('switched=');
    expect(readFileSync(s.history, 'utf8')).toBe(before);

    const c = await setup('customer', 'customer-acme', [
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    const r = await runOp('rollback', { ...c.common, drill: 'true', apply: 'true' }, { cwd: c.work });
    expect(r.outcome.lines.at(-1)).toBe(
      'rollback_drill status=ok mode=plan_verify target=web1 release_id=v1 previous=v2',
    );
    expect(r.logs.join('\n')).not.toContain('switched=');
    // one target only
    const two = await runOp('rollback', { ...c.common, drill: 'true', target: 'web1,web2' }, { cwd: c.work });
    expect(two.outcome.envelope.error?.message).toContain('one target');
  });

  test('the CLI takes --drill as a switch', async () => {
    const r = await cli(['rollback', '--drill', '--apply', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--drill');
  });
});
