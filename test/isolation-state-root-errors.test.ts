/**
 * Bad state roots and output paths are user mistakes, not bugs: every one ends in a stable PAAS_*
 * code with a fix, never PAAS_INTERNAL and never a stack trace. Doctor reports an unusable state
 * root as a finding instead of crashing.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextList } from '../lib/ops/context/index.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { cli, rmrf, tempDir } from './helpers.js';

const dirs: string[] = [];
const tmp = (p = 'paas-root-err-') => {
  const d = tempDir(p);
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) {
    try {
      execFileSync('chmod', ['-R', 'u+rwx', d]);
    } catch {
      /* already gone */
    }
    rmrf(d);
  }
});
const isRoot = process.getuid?.() === 0;

type Case = [string, () => string, RegExp];
const cases: Case[] = [
  [
    'a dangling symlink',
    () => {
      const d = tmp();
      symlinkSync(join(d, 'nowhere'), join(d, 'link'));
      return join(d, 'link');
    },
    /symlink to .*nowhere.*does not exist/,
  ],
  [
    'a regular file',
    () => {
      const d = tmp();
      writeFileSync(join(d, 'file'), 'x\n');
      return join(d, 'file');
    },
    /is not a directory \(a regular file\)/,
  ],
  ['/dev/null', () => '/dev/null', /is not a directory \(a character device\)/],
  [
    'a path under a regular file',
    () => {
      const d = tmp();
      writeFileSync(join(d, 'file'), 'x\n');
      return join(d, 'file', 'state');
    },
    /is not a directory/,
  ],
];
if (!isRoot) {
  cases.push([
    'an unreadable directory',
    () => {
      const d = join(tmp(), 'locked');
      mkdirSync(d);
      chmodSync(d, 0o000);
      return d;
    },
    /not (readable|writable)/,
  ]);
  cases.push([
    'a path under an unwritable directory',
    () => {
      const d = join(tmp(), 'ro');
      mkdirSync(d);
      chmodSync(d, 0o500);
      return join(d, 'state');
    },
    /cannot (be )?create|not writable/,
  ]);
}

const noTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('state roots that cannot be used: a clear error, not PAAS_INTERNAL', () => {
  test.each(cases)(
    '%s: context create (and every command opening the state root) fails with PAAS_STATE_ROOT_UNSAFE and a fix',
    async (_what, make, message) => {
      const root = make();
      const r = await cli(['context', 'create', 'oss-demo', '--state-root', root, '--json']);
      expect(r.code).toBe(1);
      const err = r.json().error;
      expect(err?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
      expect(err?.message).toMatch(message);
      expect(err?.remediation).toMatch(/state root|state-root|PAAS_STATE_ROOT/);
      noTrace(r.stdout + r.stderr);
      // every command opens the state root through the same guard
      const redactor = new Redactor();
      const rt: Runtime = {
        env: { PATH: process.env.PATH, HOME: tmp() },
        cwd: tmp(),
        redactor,
        logger: memoryLogger(redactor),
        now: () => new Date(),
        inCI: false,
        inAction: false,
        workspace: undefined,
      };
      expect(() => contextList(rt, { state_root: root })).toThrow(
        expect.objectContaining({ code: 'PAAS_STATE_ROOT_UNSAFE' }) as unknown as Error,
      );
      // the environment variable is checked the same way
      const env = await cli(['context', 'create', 'oss-demo', '--json'], { PAAS_STATE_ROOT: root });
      expect(env.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    },
  );

  test.each(cases)('%s: doctor reports it as a finding (exit 1), never crashes', async (_what, make) => {
    const root = make();
    const repo = tmp('paas-root-err-repo-');
    execFileSync('git', ['init', '-q', repo]);
    const r = await cli(['doctor', '--state-root', root, '--json'], {}, repo);
    expect(r.code).toBe(1);
    expect(r.json().error).toBeUndefined();
    const checks = r.json().fields.checks as Array<{ name: string; ok: boolean; findings: Array<{ kind: string }> }>;
    const c = checks.find((x) => x.name === 'state_root_outside_repo');
    expect(c?.ok).toBe(false);
    expect(c?.findings.map((f) => f.kind)).toContain('state_root_unusable');
    noTrace(r.stdout + r.stderr);
  });

  test('a state root that cannot be created (sysfs refuses even root): PAAS_STATE_ROOT_UNSAFE naming the errno', async () => {
    const r = await cli(['context', 'create', 'oss-demo', '--state-root', '/sys/paas-state-test', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(r.json().error?.message).toMatch(/\/sys\/paas-state-test.*(EPERM|EACCES|EROFS|not writable)/);
    noTrace(r.stdout + r.stderr);
  });

  test('a dangling symlink into a repository is refused as inside the repository', async () => {
    const repo = tmp('paas-root-err-repo-');
    execFileSync('git', ['init', '-q', repo]);
    const d = tmp();
    symlinkSync(join(repo, 'state'), join(d, 'link'));
    const r = await cli(['context', 'create', 'oss-demo', '--state-root', join(d, 'link'), '--json']);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(r.json().error?.message).toMatch(/inside the git work tree/);
    const doc = await cli(['doctor', '--state-root', join(d, 'link'), '--json'], {}, tmp());
    const checks = doc.json().fields.checks as Array<{ name: string; findings: Array<{ kind: string }> }>;
    expect(checks.find((x) => x.name === 'state_root_outside_repo')?.findings.map((f) => f.kind)).toContain(
      'state_root_inside_repo',
    );
  });

  test.each([
    ['a newline', 'state\nroot'],
    ['a carriage return', 'state\rdoctor status=ok'],
    ['an escape sequence', 'state\u001b[2Jroot'],
  ])('a state root with %s is refused with PAAS_INVALID_ARGUMENT before anything is created', async (_what, name) => {
    const base = tmp();
    const r = await cli(['context', 'create', 'oss-demo', '--state-root', join(base, name), '--json']);
    expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.json().error?.message).toMatch(/control character/);
    const d = await cli(['doctor', '--state-root', join(base, name), '--json'], {}, tmp());
    expect(d.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
    noTrace(r.stdout + r.stderr + d.stdout + d.stderr);
  });
});

describe('sarif_file that cannot be written: PAAS_INVALID_ARGUMENT naming the path', () => {
  const sarifCases: Array<[string, () => string]> = [
    ['a directory', () => tmp()],
    [
      'a path under a regular file',
      () => {
        const d = tmp();
        writeFileSync(join(d, 'f'), '');
        return join(d, 'f', 'doctor.sarif');
      },
    ],
    ['a full device', () => '/dev/full'],
    ['sysfs', () => '/sys/paas-doctor.sarif'],
    ['a path with a newline', () => join(tmp(), 'a\nb.sarif')],
  ];
  test.each(sarifCases)('%s', async (_what, make) => {
    const repo = tmp('paas-root-err-repo-');
    execFileSync('git', ['init', '-q', repo]);
    const sarif = make();
    const r = await cli(['doctor', '--sarif-file', sarif, '--state-root', join(tmp(), 'state'), '--json'], {}, repo);
    expect(r.code).toBe(1);
    const err = r.json().error;
    expect(err?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(err?.message).toMatch(/sarif_file/);
    expect(err?.remediation).toMatch(/sarif/i);
    noTrace(r.stdout + r.stderr);
  });
});

describe('other paths of the isolation commands: a clear error, never PAAS_INTERNAL', () => {
  const setup = async () => {
    const d = tmp();
    writeFileSync(join(d, 'file'), 'x');
    mkdirSync(join(d, 'dir'));
    const st = join(d, 'state');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', st])).code).toBe(0);
    return { d, st };
  };
  test.each([
    [
      'export --out a directory',
      (d: string) => ['context', 'export', 'oss-demo', '--out', join(d, 'dir')],
      /export file .* cannot be written \(EISDIR\)/,
    ],
    [
      'export --out under a file',
      (d: string) => ['context', 'export', 'oss-demo', '--out', join(d, 'file', 'x.json')],
      /cannot be written \(ENOTDIR\)/,
    ],
    [
      'export --out on sysfs',
      () => ['context', 'export', 'oss-demo', '--out', '/sys/paas-export.json'],
      /cannot be written \(E[A-Z]+\)/,
    ],
    [
      'export --out with a newline',
      (d: string) => ['context', 'export', 'oss-demo', '--out', join(d, 'a\nb.json')],
      /control character/,
    ],
    ['import a file with a newline', (d: string) => ['context', 'import', join(d, 'a\nb.json')], /control character/],
    [
      'create --vault-file with a newline',
      (d: string) => ['context', 'create', 'customer-x', '--vault-file', join(d, 'a\nb.env')],
      /control character/,
    ],
    [
      'doctor --baseline with a newline',
      (d: string) => ['doctor', '--path', join(d, 'dir'), '--baseline', 'a\nb.json'],
      /control character/,
    ],
  ])('%s', async (_what, args, message) => {
    const { d, st } = await setup();
    const r = await cli([...args(d), '--state-root', st, '--json'], {}, d);
    expect(r.code).toBe(1);
    expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.json().error?.message).toMatch(message);
    noTrace(r.stdout + r.stderr);
    // nothing printed holds a raw control character that could start a forged line
    expect(r.stderr.split('\n').filter((l) => l && !/^(error| {2}fix:)/.test(l))).toEqual([]);
  });

  test('export --out and import read relative paths from the working directory', async () => {
    const { d, st } = await setup();
    const r = await cli(
      ['context', 'export', 'oss-demo', '--out', 'exported.json', '--state-root', st, '--json'],
      {},
      join(d, 'dir'),
    );
    expect(r.json().fields.out).toBe(join(d, 'dir', 'exported.json'));
    const i = await cli(
      ['context', 'import', 'exported.json', '--name', 'customer-copy', '--state-root', st, '--json'],
      {},
      join(d, 'dir'),
    );
    expect(i.json().error).toBeUndefined();
  });
});
