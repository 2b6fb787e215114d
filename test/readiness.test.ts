/**
 * `paas ops readiness` (issue 17): the runbook's weekly checklist as a check, across contexts that
 * pass and fail each item: a stale backup, a corrupted backup, a shared vault (same file, hard link,
 * copy), a shared target, no or an old rollback drill, no alert route, doctor failing, and nothing
 * to check at all. Real files, real backups (paas backup create), the CLI in-process.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir, type CliRun } from './helpers.js';
import { EventLog } from '../lib/state/events.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { ContextStore } from '../lib/isolation/store.js';
import { createBackup } from '../lib/persistence/backup.js';
import { executeOperation } from '../lib/entry/execute.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import { startGitHubApi } from './harness/github-api.js';
import { opsDailyInputs } from '../lib/ops/ops_daily/inputs.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));
const tmp = () => {
  const d = tempDir('paas-ready-');
  dirs.push(d);
  return d;
};
const DAY = 86_400_000;

interface Ctx {
  name: string;
  vault?: string;
  targets?: string;
  slack?: boolean;
}

/** A state root with contexts, each with its own vault file (0600) unless `vault` names a shared one. */
class Setup {
  readonly base = tmp();
  readonly root = join(this.base, 'state');
  readonly work = join(this.base, 'work');
  readonly keys = new Map<string, string>();
  constructor() {
    mkdirSync(this.work);
  }
  vaultFile(name: string, opts: Ctx): string {
    const file = opts.vault ?? join(this.base, `vault-${name}.env`);
    if (!opts.vault) {
      const key = randomBytes(32).toString('base64');
      this.keys.set(name, key);
      const targetDir = opts.targets ?? join(this.base, 'targets', name);
      mkdirSync(targetDir, { recursive: true });
      const lines = [`PAAS_TARGETS=web1=local:${targetDir}`, `PAAS_STATE_KEY=${key}`];
      if (opts.slack !== false)
        lines.push(`SLACK_WEBHOOK_URL=http://127.0.0.1:9/hook-${name}-${randomBytes(6).toString('hex')}`);
      writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
    }
    return file;
  }
  async context(opts: Ctx): Promise<void> {
    const r = await cli(
      ['context', 'create', opts.name, '--state-root', this.root, '--vault-file', this.vaultFile(opts.name, opts)],
      {},
      this.work,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  run(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    return cli(['ops', 'readiness', '--state-root', this.root, ...args], env, this.work);
  }
  async backup(name: string): Promise<string> {
    const r = await cli(['backup', 'create', '--context', name, '--state-root', this.root, '--json'], {}, this.work);
    expect(r.code).toBe(0);
    return r.json().fields.path as string;
  }
  /** a backup written `ageMs` ago (its manifest says so) */
  oldBackup(name: string, ageMs: number): string {
    const store = new ContextStore({ path: this.root, unsafe: false });
    const then = new Date(Date.now() - ageMs);
    const out = join(this.root, 'backups', name, `paas-backup-${name}-old-${then.getTime()}.paasbak`);
    return createBackup(store, name, this.keys.get(name) as string, [], out, undefined, then).path;
  }
  drill(name: string, ageMs = 0): void {
    new EventLog(join(this.root, 'contexts', name, 'events'), name, new Redactor()).append(
      'rollback.drill',
      'rollback drill of web on web1: v2 -> v1 -> v2',
      { app: 'web', target: 'web1', mode: 'full' },
      'info',
      new Date(Date.now() - ageMs),
    );
  }
}

const lines = (r: CliRun) => r.stdout.trim().split('\n');
const checkLine = (r: CliRun, check: string, context?: string) =>
  lines(r).find(
    (l) =>
      l.startsWith('ops_readiness_check ') &&
      l.includes(` check=${check}`) &&
      (context ? l.includes(` context=${context} `) || l.endsWith(` context=${context}`) : !l.includes(' context=')),
  ) ?? '';
const fieldsChecks = (r: CliRun) =>
  r.json().fields.checks as Array<{
    check: string;
    context: string | null;
    status: string;
    reason: string;
    detail: string;
    fix: string | null;
  }>;

/** internal-dogfood + customer-acme, each with its own vault and target, a fresh backup, Slack; a drill in the internal one */
async function readySetup(): Promise<Setup> {
  const s = new Setup();
  await s.context({ name: 'internal-dogfood' });
  await s.context({ name: 'customer-acme' });
  await s.backup('internal-dogfood');
  await s.backup('customer-acme');
  s.drill('internal-dogfood', 2 * DAY);
  return s;
}

describe('paas ops readiness', () => {
  test('nothing to check is not ready (exit 2), with the reason and a fix', async () => {
    const s = new Setup();
    const r = await s.run();
    expect(r.code).toBe(2);
    expect(lines(r).at(-1)).toBe('ops_readiness status=not_ready reason=no_contexts contexts=0 checks=0 failed=0');
    expect(r.stdout).toContain('paas context create');
    const j = await s.run(['--json']);
    expect(j.json()).toMatchObject({
      ok: false,
      command: 'ops_readiness',
      mode: 'readiness',
      fields: { status: 'not_ready', reason: 'no_contexts' },
    });
  });

  test('every item in order across two contexts: ready, exit 0, a status line per check', async () => {
    const s = await readySetup();
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(checkLine(r, 'doctor')).toBe('ops_readiness_check status=ok check=doctor reason=ok');
    for (const c of ['internal-dogfood', 'customer-acme']) {
      expect(checkLine(r, 'distinct_targets', c)).toBe(
        `ops_readiness_check status=ok check=distinct_targets context=${c} reason=distinct`,
      );
      expect(checkLine(r, 'distinct_vault', c)).toBe(
        `ops_readiness_check status=ok check=distinct_vault context=${c} reason=distinct`,
      );
      expect(checkLine(r, 'backup', c)).toBe(
        `ops_readiness_check status=ok check=backup context=${c} reason=verified age_hours=0`,
      );
      expect(checkLine(r, 'alert_route', c)).toBe(
        `ops_readiness_check status=ok check=alert_route context=${c} reason=slack`,
      );
    }
    expect(checkLine(r, 'rollback_drill', 'internal-dogfood')).toBe(
      'ops_readiness_check status=ok check=rollback_drill context=internal-dogfood reason=recent age_hours=48',
    );
    expect(checkLine(r, 'rollback_drill', 'customer-acme')).toBe(
      'ops_readiness_check status=skipped check=rollback_drill context=customer-acme reason=not_required',
    );
    expect(lines(r).at(-1)).toBe('ops_readiness status=ready contexts=2 checks=10 failed=0 skipped=1');
    // no vault value anywhere in the output
    for (const key of s.keys.values()) expect(r.stdout + r.stderr).not.toContain(key);
    // one context only
    const one = await s.run(['--context', 'customer-acme', '--json']);
    expect(one.code).toBe(0);
    expect(one.json().fields.contexts).toEqual(['customer-acme']);
    // the run is recorded in each context's events
    const ev = await cli(
      [
        'events',
        'list',
        '--context',
        'internal-dogfood',
        '--state-root',
        s.root,
        '--kind',
        'ops_readiness.finished',
        '--json',
      ],
      {},
      s.work,
    );
    expect((ev.json().fields.events as unknown[]).length).toBe(1);
  });

  test('a stale backup fails with its age and the policy; a longer policy accepts it', async () => {
    const s = new Setup();
    await s.context({ name: 'customer-acme' });
    s.oldBackup('customer-acme', 3 * DAY);
    const r = await s.run(['--json']);
    expect(r.code).toBe(2);
    const b = fieldsChecks(r).find((c) => c.check === 'backup');
    expect(b).toMatchObject({ status: 'fail', reason: 'backup_stale' });
    expect(b?.detail).toContain('72 h old (policy: at most 26 h)');
    expect(b?.fix).toContain('paas backup create --context customer-acme');
    const text = await s.run();
    expect(checkLine(text, 'backup', 'customer-acme')).toBe(
      'ops_readiness_check status=fail check=backup context=customer-acme reason=backup_stale age_hours=72',
    );
    expect(lines(text).at(-1)).toBe(
      'ops_readiness status=not_ready reason=backup contexts=1 checks=5 failed=1 skipped=1',
    );
    expect((await s.run(['--backup-max-age', '4d'])).code).toBe(0);
    // the newest one counts: a fresh backup beside the old one makes it ready
    await s.backup('customer-acme');
    expect((await s.run()).code).toBe(0);
  });

  test('backup_max_age and drill_window take their defaults from the schema (26h, 7d), shown by --help', async () => {
    expect(opsDailyInputs.parse({})).toMatchObject({ backup_max_age: '26h', drill_window: '7d' });
    // the runner passes an empty input as '': the default, not "no policy"
    expect(opsDailyInputs.parse({ backup_max_age: '', drill_window: '' })).toMatchObject({
      backup_max_age: '26h',
      drill_window: '7d',
    });
    expect(opsDailyInputs.parse({ backup_max_age: '4d', drill_window: '2w' })).toMatchObject({
      backup_max_age: '4d',
      drill_window: '2w',
    });
    expect(opsDailyInputs.safeParse({ backup_max_age: '26' }).success).toBe(false);
    const help = await cli(['ops', 'readiness', '--help']);
    expect(help.code).toBe(0);
    // an option's text runs from its flag to the next flag
    const option = (flag: string) => help.stdout.split(flag)[1]?.split(/\n {2}--/)[0] ?? '';
    expect(option('--backup-max-age')).toContain('[default: 26h]');
    expect(option('--drill-window')).toContain('[default: 7d]');
  });

  test('a corrupted newest backup fails verification and names the damaged file; no backup at all fails too', async () => {
    const s = new Setup();
    await s.context({ name: 'customer-acme' });
    const none = await s.run(['--json']);
    expect(fieldsChecks(none).find((c) => c.check === 'backup')).toMatchObject({ status: 'fail', reason: 'no_backup' });
    const file = await s.backup('customer-acme');
    expect((await s.run()).code).toBe(0);
    const data = readFileSync(file);
    data[data.length - 40] = (data[data.length - 40] as number) ^ 0xff; // inside the last file's ciphertext
    writeFileSync(file, data);
    const r = await s.run(['--json']);
    expect(r.code).toBe(2);
    const b = fieldsChecks(r).find((c) => c.check === 'backup');
    expect(b).toMatchObject({ status: 'fail', reason: 'backup_invalid' });
    expect(b?.detail).toMatch(/fails verification: \S+/);
    // the same verdict as paas backup verify
    const v = await cli(['backup', 'verify', file, '--state-root', s.root], {}, s.work);
    expect(v.code).toBe(1);
  });

  test('a backup that cannot be checked (no PAAS_STATE_KEY in the vault) is not ready', async () => {
    const s = new Setup();
    await s.context({ name: 'customer-acme' });
    await s.backup('customer-acme');
    const vf = join(s.base, 'vault-customer-acme.env');
    writeFileSync(
      vf,
      readFileSync(vf, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('PAAS_STATE_KEY='))
        .join('\n'),
      { mode: 0o600 },
    );
    const r = await s.run(['--json']);
    expect(fieldsChecks(r).find((c) => c.check === 'backup')).toMatchObject({
      status: 'fail',
      reason: 'state_key_missing',
    });
  });

  test('a shared vault fails both contexts: same file, hard link, identical copy', async () => {
    for (const how of ['same', 'hardlink', 'copy'] as const) {
      const s = new Setup();
      await s.context({ name: 'internal-dogfood' });
      const original = join(s.base, 'vault-internal-dogfood.env');
      let shared = original;
      if (how === 'hardlink') linkSync(original, (shared = join(s.base, 'other-name.env')));
      if (how === 'copy') {
        copyFileSync(original, (shared = join(s.base, 'copy.env')));
        chmodSync(shared, 0o600);
      }
      // context create refuses a vault file another context uses: point the config at it as a hand edit would
      await s.context({ name: 'customer-acme' });
      const cfgFile = join(s.root, 'contexts', 'customer-acme', 'config.json');
      writeFileSync(
        cfgFile,
        JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, 'utf8')), vault_file: shared }, null, 2),
        { mode: 0o600 },
      );
      s.keys.set('customer-acme', s.keys.get('internal-dogfood') as string);
      await s.backup('internal-dogfood');
      await s.backup('customer-acme');
      s.drill('internal-dogfood');
      const r = await s.run(['--json']);
      expect(r.code).toBe(2);
      const v = fieldsChecks(r).filter((c) => c.check === 'distinct_vault');
      expect(v.map((c) => `${c.context}:${c.status}:${c.reason}`)).toEqual([
        'customer-acme:fail:shared_vault',
        'internal-dogfood:fail:shared_vault',
      ]);
      expect(v[1]?.detail).toContain(
        how === 'same' ? 'same file' : how === 'hardlink' ? 'hard link' : 'identical content',
      );
      expect(v[1]?.fix).toContain('its own vault');
      // the shared vault names the same target: that fails too
      expect(
        fieldsChecks(r)
          .filter((c) => c.check === 'distinct_targets')
          .every((c) => c.reason === 'shared_target'),
      ).toBe(true);
    }
  });

  test('a target shared by two contexts (different vaults) fails both; a context without a vault is not ready', async () => {
    const s = new Setup();
    const dir = join(s.base, 'one-target');
    await s.context({ name: 'internal-dogfood', targets: dir });
    await s.context({ name: 'oss-demo', targets: dir });
    s.drill('internal-dogfood');
    await s.backup('internal-dogfood');
    const r = await s.run(['--json']);
    expect(r.code).toBe(2);
    const t = fieldsChecks(r).filter((c) => c.check === 'distinct_targets');
    expect(t.map((c) => `${c.context}:${c.reason}`)).toEqual([
      'internal-dogfood:shared_target',
      'oss-demo:shared_target',
    ]);
    expect(t[0]?.detail).toContain('web1 = oss-demo/web1');
    expect(
      fieldsChecks(r)
        .filter((c) => c.check === 'distinct_vault')
        .every((c) => c.status === 'ok'),
    ).toBe(true);

    const s2 = new Setup();
    expect((await cli(['context', 'create', 'customer-x', '--state-root', s2.root], {}, s2.work)).code).toBe(0);
    const r2 = await s2.run(['--json']);
    expect(fieldsChecks(r2).find((c) => c.check === 'distinct_vault')).toMatchObject({
      status: 'fail',
      reason: 'vault_unmapped',
    });
  });

  test('rollback drill: none, or older than the window, fails the internal context only', async () => {
    const s = new Setup();
    await s.context({ name: 'internal-dogfood' });
    await s.context({ name: 'oss-demo' });
    await s.backup('internal-dogfood');
    const none = await s.run();
    expect(none.code).toBe(2);
    expect(checkLine(none, 'rollback_drill', 'internal-dogfood')).toBe(
      'ops_readiness_check status=fail check=rollback_drill context=internal-dogfood reason=no_drill',
    );
    expect(checkLine(none, 'rollback_drill', 'oss-demo')).toBe(
      'ops_readiness_check status=skipped check=rollback_drill context=oss-demo reason=not_required',
    );
    expect(none.stdout).toContain('rollback.drill');
    s.drill('internal-dogfood', 10 * DAY);
    const old = await s.run(['--json']);
    expect(
      fieldsChecks(old).find((c) => c.check === 'rollback_drill' && c.context === 'internal-dogfood'),
    ).toMatchObject({ status: 'fail', reason: 'drill_stale' });
    expect((await s.run(['--drill-window', '14d'])).code).toBe(0);
    s.drill('internal-dogfood', 1 * DAY);
    expect((await s.run()).code).toBe(0);
  });

  test('no alert route fails; GitHub issues (repository + token) is a route', async () => {
    const s = new Setup();
    await s.context({ name: 'customer-acme', slack: false });
    await s.backup('customer-acme');
    const r = await s.run();
    expect(r.code).toBe(2);
    expect(checkLine(r, 'alert_route', 'customer-acme')).toBe(
      'ops_readiness_check status=fail check=alert_route context=customer-acme reason=no_alert_route',
    );
    // a repository and token also turn the readiness alert on (test/readiness-alerts.test.ts): the fake GitHub API answers it
    const api = await startGitHubApi();
    try {
      const gh = await s.run([], {
        GITHUB_API_URL: api.url,
        GITHUB_REPOSITORY: api.repository,
        GITHUB_TOKEN: api.token,
      });
      expect(gh.code).toBe(0);
      expect(checkLine(gh, 'alert_route', 'customer-acme')).toBe(
        'ops_readiness_check status=ok check=alert_route context=customer-acme reason=github_issues',
      );
      expect(api.violations).toEqual([]);
    } finally {
      await api.close();
    }
  });

  test('doctor failing on the state root (a vault file readable by others) makes it not ready', async () => {
    const s = await readySetup();
    chmodSync(join(s.base, 'vault-customer-acme.env'), 0o644);
    const r = await s.run(['--json']);
    expect(r.code).toBe(2);
    const d = fieldsChecks(r).find((c) => c.check === 'doctor');
    expect(d).toMatchObject({ status: 'fail', context: null });
    expect(d?.detail).toContain('context_vault_outside_repo');
    expect(d?.fix).toContain('paas doctor');
  });

  test('errors exit 1: an unknown context, a bad policy duration', async () => {
    const s = await readySetup();
    const unknown = await s.run(['--context', 'customer-nope', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.json().error?.code).toBe('PAAS_CONTEXT_UNRESOLVED');
    const bad = await s.run(['--backup-max-age', 'soon', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
  });

  test('the ops_daily operation with mode readiness (the action) gives the same verdict', async () => {
    const s = await readySetup();
    const redactor = new Redactor();
    const rt = {
      env: { PATH: process.env.PATH },
      cwd: s.work,
      redactor,
      logger: memoryLogger(redactor),
      now: () => new Date(),
      inCI: true,
      inAction: true,
      workspace: s.work,
    };
    const ok = await executeOperation(rt, 'ops_daily', { mode: 'readiness', state_root: s.root });
    expect(ok.exitCode).toBe(0);
    expect(ok.lines.at(-1)).toBe('ops_readiness status=ready contexts=2 checks=10 failed=0 skipped=1');
    for (const f of readdirSync(join(s.root, 'backups', 'customer-acme')))
      rmrf(join(s.root, 'backups', 'customer-acme', f));
    const bad = await executeOperation(rt, 'ops_daily', {
      mode: 'readiness',
      state_root: s.root,
      contexts: 'customer-acme',
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.lines.at(-1)).toBe(
      'ops_readiness status=not_ready reason=backup contexts=1 checks=5 failed=1 skipped=1',
    );
  });
});
