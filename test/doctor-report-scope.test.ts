/**
 * What doctor checks, and why: a line naming the tree and how it was chosen. Outside a git work
 * tree with no path, doctor does not walk the working directory (run from ~ it used to scan ~ and
 * flag the default state root ~/.paas); with an explicit path outside a repository it never scans
 * the state root or the contexts' vault files. A path that is not a directory is refused.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDirs } from './helpers.js';
import { Fakes, rng } from './fixtures/doctor-corpus.js';

const tmp = tempDirs('paas-doctor-scope-');
const fakes = new Fakes(rng(99));

interface Check {
  name: string;
  ok: boolean;
  findings: Array<{ kind: string; file?: string }>;
}

/** A home directory (not a git work tree) with the default state root ~/.paas: a context with events, a vault beside it. */
async function home(): Promise<{ home: string; vaultValue: string }> {
  const h = tmp('paas-doctor-home-');
  mkdirSync(join(h, 'vaults'), { mode: 0o700 });
  const vaultValue = fakes.password(28);
  writeFileSync(join(h, 'vaults', 'dogfood.env'), `PAAS_STATE_KEY=${vaultValue}\n`, { mode: 0o600 });
  const r = await cli(
    ['context', 'create', 'internal-dogfood', '--vault-file', join(h, 'vaults', 'dogfood.env'), '--json'],
    { HOME: h },
    h,
  );
  expect(r.json().error).toBeUndefined();
  writeFileSync(join(h, 'notes.txt'), 'nothing here\n');
  return { home: h, vaultValue };
}

describe('doctor says what it checks and never scans the state root', () => {
  test('run from ~ (no git work tree, no path): the state checks run, the home directory is not walked, and the output says why', async () => {
    const { home: h } = await home();
    const r = await cli(['doctor', '--json'], { HOME: h }, h);
    const env = r.json();
    expect(env.fields.root).toBeNull();
    expect(env.fields.files).toBe(0);
    expect(String(env.fields.scope)).toMatch(/not inside a git work tree/);
    expect(String(env.fields.scope)).toMatch(/--path/);
    const checks = env.fields.checks as Check[];
    expect(checks.flatMap((c) => c.findings).filter((f) => f.file)).toEqual([]);
    expect(r.code).toBe(0);
    const text = await cli(['doctor'], { HOME: h }, h);
    expect(text.stdout).toMatch(
      new RegExp(`working directory ${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not inside a git work tree`),
    );
  });

  test('an explicit --path outside a repository is scanned, except the state root and the vault files inside it', async () => {
    const { home: h, vaultValue } = await home();
    writeFileSync(join(h, 'deploy.py'), `KEY = "${fakes.aws()}"\n`);
    const r = await cli(['doctor', '--path', h, '--json'], { HOME: h }, h);
    const env = r.json();
    const findings = (env.fields.checks as Check[]).flatMap((c) => c.findings);
    // the planted token is found: the tree really was scanned
    expect(findings.filter((f) => f.file).map((f) => `${f.file} ${f.kind}`)).toEqual(['deploy.py aws_access_key_id']);
    // the state root inside the checked directory is not "inside a repository"
    expect(findings.map((f) => f.kind)).not.toContain('state_root_inside_repo');
    expect(findings.map((f) => f.kind)).not.toContain('vault_inside_repo');
    expect(String(env.fields.scope)).toMatch(/named by --path/);
    expect(String(env.fields.scope)).toMatch(/not scanned/);
    expect(r.stdout).not.toContain(vaultValue);
  });

  test('inside a git work tree the line names the work tree; a state root inside it is still a finding', async () => {
    const repo = tmp('paas-doctor-scope-repo-');
    execFileSync('git', ['init', '-q', repo]);
    mkdirSync(join(repo, 'src'));
    writeFileSync(join(repo, 'src', 'a.ts'), 'export const a = 1;\n');
    const r = await cli(['doctor', '--state-root', join(repo, 'state'), '--json'], {}, join(repo, 'src'));
    expect(String(r.json().fields.scope)).toContain(
      `checked tree: ${repo} (the git work tree of the working directory)`,
    );
    expect(
      (r.json().fields.checks as Check[])
        .find((c) => c.name === 'state_root_outside_repo')
        ?.findings.map((f) => f.kind),
    ).toContain('state_root_inside_repo');
  });

  test.each([
    ['does not exist', (d: string) => join(d, 'missing'), /does not exist/],
    [
      'is a regular file',
      (d: string) => {
        writeFileSync(join(d, 'f'), 'x');
        return join(d, 'f');
      },
      /is not a directory/,
    ],
    [
      'is a dangling symlink',
      (d: string) => {
        symlinkSync(join(d, 'nowhere'), join(d, 'l'));
        return join(d, 'l');
      },
      /does not exist/,
    ],
    ['is /dev/null', () => '/dev/null', /is not a directory/],
  ])('a --path that %s is refused with PAAS_INVALID_ARGUMENT naming it', async (_what, make, message) => {
    const d = tmp();
    const r = await cli(['doctor', '--path', make(d), '--state-root', join(d, 'state'), '--json'], {}, d);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'path' });
    expect(r.json().error?.message).toMatch(message);
    expect(r.json().error?.remediation).toMatch(/--path/);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test('a --path that holds a newline is refused at the edge (every path input refuses control characters)', async () => {
    const d = tmp();
    const r = await cli(['doctor', '--path', join(d, 'a\nb'), '--state-root', join(d, 'state'), '--json'], {}, d);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'input' });
    expect(r.json().error?.message).toMatch(/path.*control character/);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
