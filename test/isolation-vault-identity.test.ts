/**
 * One vault per context, whatever the path looks like: `context create` and doctor's
 * cross_context_contamination compare real paths (symlinks), inodes (hard links) and content
 * (copies); a relative --vault-file is stored as an absolute path.
 */
import { describe, expect, test } from '@jest/globals';
import { copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContextStore } from '../lib/isolation/store.js';
import { contextConfigSchema } from '../lib/isolation/context.js';
import { cli, tempDirs } from './helpers.js';

const tmp = tempDirs('paas-vault-id-');

/** A state root with context internal-dogfood whose vault is `<base>/vaults/a.env`. */
async function withFirstContext(): Promise<{ base: string; root: string; vault: string }> {
  const base = tmp();
  const root = join(base, 'state');
  mkdirSync(join(base, 'vaults'));
  const vault = join(base, 'vaults', 'a.env');
  writeFileSync(vault, 'PAAS_STATE_KEY=k-one-0123456789abcdef\nPAAS_TARGETS=web1=deploy@10.9.0.5:22\n', {
    mode: 0o600,
  });
  const r = await cli(['context', 'create', 'internal-dogfood', '--state-root', root, '--vault-file', vault, '--json']);
  expect(r.code).toBe(0);
  return { base, root, vault };
}

describe('context create: one vault per context', () => {
  test.each([
    ['a symlink to', (vault: string, other: string) => symlinkSync(vault, other)],
    ['a hard link to', (vault: string, other: string) => linkSync(vault, other)],
    ['a copy of', (vault: string, other: string) => copyFileSync(vault, other)],
  ])("a vault file that is %s another context's vault is refused with PAAS_VAULT_UNSAFE", async (_what, make) => {
    const { base, root, vault } = await withFirstContext();
    const other = join(base, 'b.env');
    make(vault, other);
    const r = await cli(['context', 'create', 'customer-acme', '--state-root', root, '--vault-file', other, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_VAULT_UNSAFE' });
    expect(r.json().error?.message).toContain('internal-dogfood');
    expect(r.json().error?.remediation).toMatch(/own vault/);
    expect(r.stdout + r.stderr).not.toContain('k-one-0123456789abcdef');
  });

  test('a relative --vault-file is stored as an absolute path (resolved against the working directory)', async () => {
    const base = tmp();
    const root = join(base, 'state');
    mkdirSync(join(base, 'work'));
    writeFileSync(join(base, 'work', 'v.env'), 'A=1\n', { mode: 0o600 });
    const r = await cli(
      ['context', 'create', 'internal-dogfood', '--state-root', root, '--vault-file', 'v.env', '--json'],
      {},
      join(base, 'work'),
    );
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(root, 'contexts', 'internal-dogfood', 'config.json'), 'utf8')) as {
      vault_file: string;
    };
    expect(config.vault_file).toBe(join(base, 'work', 'v.env'));
    expect(r.json().fields.vault_file).toBe(join(base, 'work', 'v.env'));
  });
});

describe('doctor cross_context_contamination: the same vault under another path', () => {
  test.each([
    ['symlink', (vault: string, other: string) => symlinkSync(vault, other)],
    ['hard link', (vault: string, other: string) => linkSync(vault, other)],
    ['copy', (vault: string, other: string) => copyFileSync(vault, other)],
  ])("a %s of another context's vault is a shared_vault finding", async (_what, make) => {
    const { base, root, vault } = await withFirstContext();
    const other = join(base, 'b.env');
    make(vault, other);
    // written behind `context create`'s back (an older version, or by hand)
    new ContextStore({ path: root, unsafe: false }).create(
      contextConfigSchema.parse({
        name: 'customer-acme',
        type: 'customer',
        state_root: root,
        vault_file: other,
        created_at: new Date().toISOString(),
      }),
    );
    const repo = tmp('paas-vault-id-repo-');
    const r = await cli(['doctor', '--state-root', root, '--path', repo, '--json'], {}, repo);
    expect(r.code).toBe(1);
    const checks = r.json().fields.checks as Array<{
      name: string;
      ok: boolean;
      findings: Array<{ kind: string; preview: string }>;
    }>;
    const c = checks.find((x) => x.name === 'cross_context_contamination');
    expect(c?.ok).toBe(false);
    expect(c?.findings.map((f) => f.kind)).toContain('shared_vault');
    expect(c?.findings.find((f) => f.kind === 'shared_vault')?.preview).toMatch(
      /(internal-dogfood and customer-acme|customer-acme and internal-dogfood)/,
    );
    expect(r.stdout).not.toContain('k-one-0123456789abcdef');
  });

  test('a hard link is caught even when the vault cannot be read (no content to compare)', async () => {
    const { base, root, vault } = await withFirstContext();
    const other = join(base, 'b.env');
    linkSync(vault, other);
    new ContextStore({ path: root, unsafe: false }).create(
      contextConfigSchema.parse({
        name: 'customer-acme',
        type: 'customer',
        state_root: root,
        vault_file: other,
        created_at: new Date().toISOString(),
      }),
    );
    // an unparsable vault: no values, so only the inode says it is shared
    writeFileSync(vault, 'not a dotenv line\n');
    const repo = tmp('paas-vault-id-repo-');
    const r = await cli(['doctor', '--state-root', root, '--path', repo, '--json'], {}, repo);
    const checks = r.json().fields.checks as Array<{ name: string; findings: Array<{ kind: string }> }>;
    expect(checks.find((x) => x.name === 'cross_context_contamination')?.findings.map((f) => f.kind)).toContain(
      'shared_vault',
    );
    expect(checks.find((x) => x.name === 'context_vault_outside_repo')?.findings.map((f) => f.kind)).toContain(
      'vault_shared',
    );
  });
});
