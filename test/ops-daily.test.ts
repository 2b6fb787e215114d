/**
 * ops_daily end to end through the CLI code: every status and exit code path, strict vs lenient,
 * schedule normalization (structured, exact insufficient_data only), missed-schedule detection,
 * run records and events. Real HTTP servers; real local targets (directories) for target/backup.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { ContextStore } from '../lib/isolation/store.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { LAST_RUN_KEY, LAST_SUCCESS_KEY, RUN_RECORD, type OpsDailyRun } from '../lib/ops/ops_daily/run.js';
import { startHttpApp, type HttpApp } from './harness/http-app.js';
import { opsFixture, statusLines, type OpsFixture } from './ops-fixtures.js';
import { rmrf, tempDir } from './helpers.js';

const fixtures: OpsFixture[] = [];
const dirs: string[] = [];
let ok: HttpApp;
let failing: HttpApp;
let slow: HttpApp;

beforeAll(async () => {
  ok = await startHttpApp({ body: 'status: ready' });
  failing = await startHttpApp({ status: 503, body: 'down' });
  slow = await startHttpApp({ latencyMs: 3000 });
});
afterAll(async () => {
  await Promise.all([ok.close(), failing.close(), slow.close()]);
  fixtures.forEach((f) => f.cleanup());
  dirs.forEach(rmrf);
});

async function fixture(yaml: string, vault: Record<string, string>, context?: string): Promise<OpsFixture> {
  const f = await opsFixture({ yaml, vault, context });
  fixtures.push(f);
  return f;
}

const http = (name: string, key: string, extra = '') => `    - name: ${name}\n      http: { url: ${key}${extra} }\n`;
const yml = (checks: string, ops = '') => `version: 1\nops:\n${ops}  checks:\n${checks}`;

/** A local target laid out as deploy leaves it: <dir>/<context>/<app>/{releases/<id>, current, .paas/history.jsonl}. */
function localTarget(
  context: string,
  app: string,
  opts: { current?: string; history?: Array<{ release: string; status: 'good' | 'bad' }> } = {},
): string {
  const dir = tempDir('paas-target-');
  dirs.push(dir);
  const a = join(dir, context, app);
  mkdirSync(join(a, 'releases'), { recursive: true });
  mkdirSync(join(a, '.paas'), { recursive: true });
  if (opts.current) {
    mkdirSync(join(a, 'releases', opts.current), { recursive: true });
    symlinkSync(`releases/${opts.current}`, join(a, 'current'));
  }
  const lines = (opts.history ?? []).map((h, i) =>
    JSON.stringify({
      at: new Date(Date.now() - (10 - i) * 60_000).toISOString(),
      release: h.release,
      status: h.status,
      event: 'deploy',
    }),
  );
  writeFileSync(join(a, '.paas', 'history.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
  return dir;
}

function runs(f: OpsFixture): OpsDailyRun[] {
  const store = new ContextStore(guardStateRoot(f.stateRoot, {}));
  const st = store.openState(f.context, new Redactor());
  try {
    return st.scoped.list<OpsDailyRun>(RUN_RECORD).map((r) => r.data);
  } finally {
    st.close();
  }
}

describe('status lines and exit codes', () => {
  test('healthy: one line per check, then the verdict; exit 0', async () => {
    const f = await fixture(
      yml(http('api', 'API_URL', ', body_contains: ready') + http('web', 'WEB_URL', ', expect: [200, 204]')),
      { API_URL: ok.url, WEB_URL: ok.url },
    );
    const r = await f.ops();
    expect(r.code).toBe(0);
    const lines = statusLines(r);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^ops_check status=healthy check=api kind=http ms=\d+ values=http_status:200,latency_ms:\d+$/,
    );
    expect(lines[1]).toMatch(
      /^ops_check status=healthy check=web kind=http ms=\d+ values=http_status:200,latency_ms:\d+$/,
    );
    expect(lines[2]).toBe('ops_daily status=healthy mode=prod checks=2 failed=0');
    const env = (await f.ops(['--json'])).json();
    expect(env).toMatchObject({
      ok: true,
      command: 'ops_daily',
      context: 'internal-dogfood',
      mode: 'prod',
      fields: { overall: 'healthy', failed: 0 },
    });
  });

  test('unhealthy: exit 2 with reason tokens; the URL is never printed', async () => {
    const f = await fixture(yml(http('api', 'API_URL') + http('web', 'WEB_URL', ', body_contains: nope')), {
      API_URL: failing.url,
      WEB_URL: ok.url,
    });
    const r = await f.ops();
    expect(r.code).toBe(2);
    const lines = statusLines(r);
    expect(lines[0]).toMatch(
      /^ops_check status=unhealthy check=api kind=http reason=http_503 ms=\d+ values=http_status:503,latency_ms:\d+$/,
    );
    expect(lines[1]).toMatch(/^ops_check status=unhealthy check=web kind=http reason=body_mismatch /);
    expect(lines.at(-1)).toBe('ops_daily status=unhealthy mode=prod checks=2 failed=2');
    expect(r.stdout + r.stderr).not.toContain('127.0.0.1');
  });

  test('per-check timeout: a slow endpoint is unhealthy reason=timeout while the others finish', async () => {
    const f = await fixture(yml(http('slow', 'SLOW_URL', ', timeout: 300ms') + http('api', 'API_URL')), {
      SLOW_URL: slow.url,
      API_URL: ok.url,
    });
    const r = await f.ops();
    expect(r.code).toBe(2);
    const lines = statusLines(r);
    expect(lines[0]).toMatch(/^ops_check status=unhealthy check=slow kind=http reason=timeout /);
    expect(lines[1]).toMatch(/^ops_check status=healthy check=api /);
  });

  test('latency limit: slower than max_latency_ms is unhealthy reason=slow', async () => {
    const app = await startHttpApp({ latencyMs: 150 });
    try {
      const f = await fixture(yml(http('api', 'API_URL', ', max_latency_ms: 50')), { API_URL: app.url });
      const r = await f.ops();
      expect(statusLines(r)[0]).toMatch(/^ops_check status=unhealthy check=api kind=http reason=slow /);
      expect(r.code).toBe(2);
    } finally {
      await app.close();
    }
  });

  test('connection refused is unhealthy (the service is down)', async () => {
    const gone = await startHttpApp();
    const url = gone.url;
    await gone.close();
    const f = await fixture(yml(http('api', 'API_URL')), { API_URL: url });
    const r = await f.ops();
    expect(statusLines(r)[0]).toMatch(/reason=connect_refused/);
    expect(r.code).toBe(2);
  });

  test('error: a check that cannot judge (malformed URL in the vault) exits 1, and beats unhealthy', async () => {
    const f = await fixture(yml(http('api', 'API_URL') + http('down', 'DOWN_URL')), {
      API_URL: 'not a url',
      DOWN_URL: failing.url,
    });
    const r = await f.ops();
    expect(r.code).toBe(1);
    const lines = statusLines(r);
    expect(lines[0]).toMatch(/^ops_check status=error check=api kind=http reason=invalid_url /);
    expect(lines.at(-1)).toBe('ops_daily status=error mode=prod checks=2 failed=2');
  });

  test('mode=prod with a missing required secret: prod_config status=fail reason=missing_env, exit 1, nothing runs', async () => {
    const f = await fixture(
      yml(http('api', 'API_URL') + http('web', 'WEB_URL') + '    - name: cert\n      tls: { host: API_HOST }\n'),
      { WEB_URL: ok.url },
    );
    const hits = ok.hits;
    const r = await f.ops(['--mode', 'prod']);
    expect(r.code).toBe(1);
    expect(statusLines(r).at(-1)).toBe('prod_config status=fail reason=missing_env missing=API_HOST,API_URL');
    expect(ok.hits).toBe(hits);
    const env = (await f.ops(['--json'])).json();
    expect(env.error?.code).toBe('PAAS_VAULT_UNMAPPED');
    expect(env.error?.remediation).toMatch(/API_HOST, API_URL/);
  });

  test('mode=prod: a check marked required: false with a missing secret is skipped, not fatal', async () => {
    const f = await fixture(
      yml(http('api', 'API_URL') + '    - name: extra\n      required: false\n      http: { url: EXTRA_URL }\n'),
      { API_URL: ok.url },
    );
    const r = await f.ops();
    expect(r.code).toBe(0);
    expect(statusLines(r)).toEqual([
      expect.stringMatching(/^ops_check status=healthy check=api /),
      'ops_check status=skipped check=extra kind=http reason=missing_env ms=0',
      'ops_daily status=healthy mode=prod checks=2 failed=0 skipped=1',
    ]);
  });

  test('mode=lenient: checks missing a secret are skipped and the rest decides', async () => {
    const f = await fixture(yml(http('api', 'API_URL') + http('web', 'WEB_URL')), { WEB_URL: failing.url });
    const r = await f.ops(['--mode', 'lenient']);
    expect(r.code).toBe(2);
    expect(statusLines(r)).toEqual([
      'ops_check status=skipped check=api kind=http reason=missing_env ms=0',
      expect.stringMatching(/^ops_check status=unhealthy check=web .*reason=http_503/),
      'ops_daily status=unhealthy mode=lenient checks=2 failed=1 skipped=1',
    ]);
  });

  test('nothing to run in mode=prod is an error (exit 1, on a schedule too), with a remediation', async () => {
    const f = await fixture('version: 1\n', {});
    const r = await f.ops();
    expect(r.code).toBe(1);
    // an error in prod alerts like any other (here without GitHub: the local alert)
    expect(statusLines(r)).toEqual([
      'ops_alert status=opened slack=not_configured',
      'ops_daily status=fail reason=no_checks mode=prod checks=0 failed=0',
    ]);
    const scheduled = await f.ops(['--json'], { GITHUB_EVENT_NAME: 'schedule' });
    expect(scheduled.code).toBe(1);
    expect(scheduled.json()).toMatchObject({
      ok: false,
      fields: { overall: 'error', reason: 'no_checks', normalized: false },
      error: { code: 'PAAS_NO_CHECKS', stage: 'config' },
    });
    expect(scheduled.json().error?.remediation).toMatch(/ops\.checks/);
  });

  test('lenient with no checks: insufficient_data reason=no_checks, never normalized on a schedule (exit 2)', async () => {
    const f = await fixture('version: 1\n', {});
    const r = await f.ops(['--mode', 'lenient', '--json'], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(2);
    expect(r.json().fields).toMatchObject({ overall: 'insufficient_data', reason: 'no_checks', normalized: false });
    expect(runs(f)[0]).toMatchObject({ exit_code: 2, normalized: false });
  });

  test('lenient with every secret missing: insufficient_data reason=all_skipped, not green on a schedule', async () => {
    const f = await fixture(yml(http('api', 'API_URL') + http('web', 'WEB_URL')), {});
    const r = await f.ops(['--mode', 'lenient'], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(2);
    expect(statusLines(r).at(-1)).toBe(
      'ops_daily status=insufficient_data reason=all_skipped mode=lenient checks=2 failed=0 skipped=2',
    );
    expect(r.stderr).toMatch(/nothing was checked \(all_skipped\)/);
  });

  test('a missing paas.yml is an error naming the path (and the paas.yaml beside it), in every mode', async () => {
    const f = await fixture('version: 1\n', {});
    rmSync(f.config);
    for (const mode of ['prod', 'lenient']) {
      const r = await f.ops(['--mode', mode, '--json'], { GITHUB_EVENT_NAME: 'schedule' });
      expect(r.code).toBe(1);
      expect(r.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'config' });
      expect(r.json().error?.message).toContain(f.config);
      expect(r.json().error?.message).not.toContain('paas.yaml');
    }
    writeFileSync(join(f.dir, 'repo', 'paas.yaml'), 'version: 1\n');
    const r = await f.ops(['--json'], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(1);
    expect(r.json().error?.message).toMatch(/does not exist.*found paas\.yaml beside it/);
    expect(r.json().error?.remediation).toMatch(/rename it to paas\.yml/);
  });

  test('invalid paas.yml: exit 1 with the file, line and field', async () => {
    const f = await fixture(yml('    - name: api\n      http: { url: API_URL, expect: 999 }\n'), {});
    const r = await f.ops(['--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'config' });
    expect(r.json().error?.message).toMatch(/paas\.yml:\d+: ops\.checks\.0\.http\.expect/);
  });

  test('an unknown mode is refused', async () => {
    const f = await fixture(yml(http('api', 'API_URL')), { API_URL: ok.url });
    const r = await f.ops(['--mode', 'strict', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
  });
});

describe('schedule normalization is structured: only an exactly insufficient_data result turns green', () => {
  const targetYml = (extra = '') =>
    `version: 1\napps:\n  web: {}\nops:\n  checks:\n    - name: release\n      target: { current_release: true }\n${extra}`;
  // a target without release history: the current release cannot be compared → insufficient_data
  const noHistory = () => localTarget('internal-dogfood', 'web', { current: 'v1' });

  test('insufficient_data alone: exit 2 on workflow_dispatch, 0 on schedule; the line still says insufficient_data', async () => {
    const f = await fixture(targetYml(), { PAAS_TARGETS: `web1=local:${noHistory()}` });
    const manual = await f.ops([], { GITHUB_EVENT_NAME: 'workflow_dispatch' });
    expect(manual.code).toBe(2);
    expect(statusLines(manual)).toEqual([
      expect.stringMatching(
        /^ops_check status=insufficient_data check=release kind=target reason=no_release_history ms=\d+ values=targets:1,targets_failed:0,releases_distinct:1$/,
      ),
      'ops_daily status=insufficient_data reason=no_release_history mode=prod checks=1 failed=0',
    ]);
    const scheduled = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(scheduled.code).toBe(0);
    expect(statusLines(scheduled).at(-1)).toBe(
      'ops_daily status=insufficient_data reason=no_release_history mode=prod checks=1 failed=0',
    );
    const env = (await f.ops(['--json'], { GITHUB_EVENT_NAME: 'schedule' })).json();
    expect(env.fields).toMatchObject({ overall: 'insufficient_data', normalized: true });
    expect(runs(f)[0]).toMatchObject({
      overall: 'insufficient_data',
      exit_code: 0,
      normalized: true,
      event: 'schedule',
    });
  });

  test('one insufficient_data check and one unhealthy check on a schedule: exit 2', async () => {
    const f = await fixture(targetYml(http('api', 'API_URL')), {
      PAAS_TARGETS: `web1=local:${noHistory()}`,
      API_URL: failing.url,
    });
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(2);
    const lines = statusLines(r);
    expect(lines[0]).toContain('status=insufficient_data');
    expect(lines.at(-1)).toBe('ops_daily status=unhealthy mode=prod checks=2 failed=1');
  });

  test('the text "insufficient_data" in a check name or reason does not matter: an unhealthy result stays exit 2', async () => {
    const f = await fixture(yml(http('insufficient-data', 'API_URL')), { API_URL: failing.url });
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.stdout).toContain('insufficient-data');
    expect(r.code).toBe(2);
  });

  test('an error is never normalized', async () => {
    const f = await fixture(yml(http('api', 'API_URL')), { API_URL: 'ftp://example.invalid/' });
    expect((await f.ops([], { GITHUB_EVENT_NAME: 'schedule' })).code).toBe(1);
  });
});

describe('target and backup checks over the local transport', () => {
  test('current release equal to the newest good one: healthy; drift and mismatch are unhealthy', async () => {
    const t1 = localTarget('internal-dogfood', 'web', {
      current: 'v2',
      history: [
        { release: 'v1', status: 'good' },
        { release: 'v2', status: 'good' },
      ],
    });
    const t2 = localTarget('internal-dogfood', 'web', { current: 'v1', history: [{ release: 'v1', status: 'good' }] });
    const y =
      'version: 1\napps:\n  web: {}\nops:\n  checks:\n    - name: release\n      target: { current_release: true, app: web }\n';
    const f = await fixture(y, { PAAS_TARGETS: `web1=local:${t1}` });
    const r = await f.ops();
    expect(r.code).toBe(0);
    expect(statusLines(r)[0]).toMatch(
      /^ops_check status=healthy check=release kind=target ms=\d+ values=targets:1,targets_failed:0,releases_distinct:1$/,
    );

    // two targets, each on its own newest good release, but not the same one: a half-finished rollout
    f.writeVault({ PAAS_TARGETS: `web1=local:${t1} web2=local:${t2}` });
    const drift = await f.ops();
    expect(drift.code).toBe(2);
    expect(statusLines(drift)[0]).toMatch(/reason=release_drift .*releases_distinct:2/);

    // current is not the newest good release (v3 recorded good, v2 still current)
    const t3 = localTarget('internal-dogfood', 'web', {
      current: 'v2',
      history: [
        { release: 'v2', status: 'good' },
        { release: 'v3', status: 'good' },
      ],
    });
    f.writeVault({ PAAS_TARGETS: `web1=local:${t3}` });
    const mismatch = await f.ops();
    expect(statusLines(mismatch)[0]).toMatch(/status=unhealthy check=release kind=target reason=release_mismatch /);

    // no current release at all
    const t4 = localTarget('internal-dogfood', 'web', { history: [{ release: 'v1', status: 'good' }] });
    f.writeVault({ PAAS_TARGETS: `web1=local:${t4}` });
    expect(statusLines(await f.ops())[0]).toMatch(/reason=no_current_release/);
  });

  test('disk use against disk_max_pct', async () => {
    const t = localTarget('internal-dogfood', 'web');
    const f = await fixture(
      `version: 1\nops:\n  checks:\n    - name: disk\n      target: { disk_max_pct: 100, disk_path: ${t} }\n`,
      { PAAS_TARGETS: `web1=local:${t}` },
    );
    const r = await f.ops();
    expect(r.code).toBe(0);
    expect(statusLines(r)[0]).toMatch(
      /^ops_check status=healthy check=disk kind=target ms=\d+ values=targets:1,targets_failed:0,disk_pct_max:\d+$/,
    );
  });

  test('an unparsable PAAS_TARGETS is an error of the check, naming no host', async () => {
    const f = await fixture('version: 1\nops:\n  checks:\n    - name: disk\n      target: { disk_max_pct: 90 }\n', {
      PAAS_TARGETS: 'web1=not a target spec at secret-host.example',
    });
    const r = await f.ops();
    expect(r.code).toBe(1);
    expect(statusLines(r)[0]).toMatch(/^ops_check status=error check=disk kind=target reason=invalid_targets /);
    expect(r.stdout + r.stderr).not.toContain('secret-host');
  });

  describe('backup', () => {
    const backupDir = () => {
      const d = tempDir('paas-backup-');
      dirs.push(d);
      return d;
    };
    const snapshot = (
      dir: string,
      name: string,
      content: string,
      ageHours: number,
      sum: string | null = createHash('sha256').update(content).digest('hex'),
    ) => {
      writeFileSync(join(dir, name), content);
      if (sum !== null) writeFileSync(join(dir, `${name}.sha256`), `${sum}  ${name}\n`);
      const t = (Date.now() - ageHours * 3_600_000) / 1000;
      utimesSync(join(dir, name), t, t);
    };
    const backupYml = (dir: string) =>
      `version: 1\nops:\n  checks:\n    - name: nightly-backup\n      backup: { dir: ${dir}, max_age_hours: 26 }\n`;

    test('fresh snapshot with a matching checksum: healthy (the newest one is judged)', async () => {
      const d = backupDir();
      snapshot(d, 'db-old.dump', 'old', 50, 'f'.repeat(64));
      snapshot(d, 'db-new.dump', 'new dump', 2);
      const t = localTarget('internal-dogfood', 'web');
      const f = await fixture(backupYml(d), { PAAS_TARGETS: `db1=local:${t}` });
      const r = await f.ops();
      expect(r.code).toBe(0);
      expect(statusLines(r)[0]).toMatch(
        /^ops_check status=healthy check=nightly-backup kind=backup ms=\d+ values=targets:1,targets_failed:0,age_hours_max:2$/,
      );
      expect(r.stdout).not.toContain('db-new');
    });

    test.each([
      ['too old', (d: string) => snapshot(d, 'db.dump', 'x', 30), 'backup_too_old'],
      ['checksum mismatch', (d: string) => snapshot(d, 'db.dump', 'x', 1, 'a'.repeat(64)), 'checksum_mismatch'],
      ['checksum missing', (d: string) => snapshot(d, 'db.dump', 'x', 1, null), 'checksum_missing'],
      ['no snapshot', (_d: string) => undefined, 'no_snapshot'],
    ])('%s → unhealthy', async (_n, make, reason) => {
      const d = backupDir();
      make(d);
      const t = localTarget('internal-dogfood', 'web');
      const f = await fixture(backupYml(d), { PAAS_TARGETS: `db1=local:${t}` });
      const r = await f.ops();
      expect(r.code).toBe(2);
      expect(statusLines(r)[0]).toMatch(
        new RegExp(`^ops_check status=unhealthy check=nightly-backup kind=backup reason=${reason} `),
      );
    });

    test('a SHA256SUMS file in the directory is honoured', async () => {
      const d = backupDir();
      snapshot(d, 'db.dump', 'payload', 1, null);
      writeFileSync(
        join(d, 'SHA256SUMS'),
        `${'0'.repeat(64)}  other.dump\n${createHash('sha256').update('payload').digest('hex')} *db.dump\n`,
      );
      const t = localTarget('internal-dogfood', 'web');
      const f = await fixture(backupYml(d), { PAAS_TARGETS: `db1=local:${t}` });
      expect((await f.ops()).code).toBe(0);
    });
  });
});

describe('run records, events and missed schedules', () => {
  test('each run is recorded; a previous run older than expected_interval is reported (ops_schedule status=missed) and alerted', async () => {
    const f = await fixture(yml(http('api', 'API_URL'), '  expected_interval: 26h\n'), { API_URL: ok.url });
    const first = await f.ops();
    expect(statusLines(first).some((l) => l.startsWith('ops_schedule'))).toBe(false);
    expect(runs(f)).toHaveLength(1);

    // the schedule did not fire for 30 hours
    const store = new ContextStore(guardStateRoot(f.stateRoot, {}));
    const st = store.openState(f.context, new Redactor());
    st.scoped.set(LAST_RUN_KEY, new Date(Date.now() - 30 * 3_600_000).toISOString());
    st.close();
    const late = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(late.code).toBe(0);
    const lines = statusLines(late);
    expect(lines.at(-3)).toBe('ops_schedule status=missed age_hours=30 expected_hours=26');
    expect(lines.at(-2)).toBe('ops_alert status=opened slack=not_configured'); // no GitHub here: the local alert
    expect(lines.at(-1)).toBe('ops_daily status=healthy mode=prod checks=1 failed=0');
    expect(late.stderr).toMatch(/did not fire/);

    // back on schedule: the alert recovers
    const next = await f.ops();
    expect(statusLines(next).some((l) => l.startsWith('ops_schedule'))).toBe(false);
    expect(statusLines(next).at(-2)).toBe('ops_alert status=closed slack=not_configured');

    const events = (await f.paas(['events', 'list', '--context', f.context, '--json'])).json().fields.events as Array<{
      kind: string;
      level: string;
      fields: Record<string, unknown>;
    }>;
    expect(events.filter((e) => e.kind === 'ops_daily.finished')).toHaveLength(3);
    expect(events.find((e) => e.kind === 'ops_daily.schedule_missed')).toMatchObject({
      level: 'warning',
      fields: { age_hours: 30, expected_hours: 26 },
    });
    const recorded = runs(f);
    expect(recorded).toHaveLength(3);
    expect(recorded[1]).toMatchObject({
      overall: 'healthy',
      exit_code: 0,
      schedule: { missed: true, ageHours: 30, expectedHours: 26 },
      checks: [{ name: 'api', kind: 'http', status: 'healthy' }],
    });
  });

  test('a failing run does not count as the last success, but it did run: the next run is not a missed schedule', async () => {
    const f = await fixture(yml(http('api', 'API_URL'), '  expected_interval: 26h\n'), { API_URL: failing.url });
    await f.ops();
    const store = new ContextStore(guardStateRoot(f.stateRoot, {}));
    let st = store.openState(f.context, new Redactor());
    expect(st.scoped.get(LAST_SUCCESS_KEY)).toBeUndefined();
    // the last success is 3 days old, but a (failing) run ran 2 hours ago
    st.scoped.set(LAST_SUCCESS_KEY, new Date(Date.now() - 72 * 3_600_000).toISOString());
    st.scoped.set(LAST_RUN_KEY, new Date(Date.now() - 2 * 3_600_000).toISOString());
    st.close();
    const r = await f.ops([], { GITHUB_EVENT_NAME: 'schedule' });
    expect(r.code).toBe(2);
    expect(statusLines(r).some((l) => l.startsWith('ops_schedule'))).toBe(false);
    st = store.openState(f.context, new Redactor());
    expect(st.scoped.list<OpsDailyRun>(RUN_RECORD)[0]!.data.schedule.missed).toBe(false);
    st.close();
  });
});
