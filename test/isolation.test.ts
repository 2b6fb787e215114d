import { describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, listTree, rmrf, tempDirs } from './helpers.js';
import { guardStateRoot, findGitWorkTree } from '../lib/isolation/state-root.js';
import { loadVault, parseDotenv } from '../lib/isolation/vault.js';
import { PaasError } from '../lib/output/errors.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { StateDb, STATE_SCHEMA_VERSION } from '../lib/state/db.js';
import { ContextStore } from '../lib/isolation/store.js';

const REPO = process.cwd();
const tmp = tempDirs();

describe('paas context create', () => {
  test('lays out the isolated context with private modes', async () => {
    const root = join(tmp(), 'state');
    const r = await cli(['context', 'create', 'internal-dogfood', '--state-root', root, '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      ok: true,
      command: 'context_create',
      context: 'internal-dogfood',
      fields: { type: 'internal' },
    });
    const tree = listTree(join(root, 'contexts', 'internal-dogfood'));
    const byPath = Object.fromEntries(tree.map((t) => [t.path, t]));
    expect(byPath['config.json']?.mode).toBe(0o600);
    expect(byPath['state.db']?.mode).toBe(0o600);
    expect(byPath['events']).toMatchObject({ dir: true, mode: 0o700 });
    expect(byPath['cache']).toMatchObject({ dir: true, mode: 0o700 });
    for (const t of listTree(root)) expect(t.mode & 0o077).toBe(0);
    const config = JSON.parse(readFileSync(join(root, 'contexts', 'internal-dogfood', 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'internal-dogfood',
      type: 'internal',
      state_root: root,
      vault_file: null,
      default_targets: [],
    });
    expect(config.webhook_policy).toBeDefined();
    expect(config.audit_sink).toBe('events');
  });

  test('prints the status line without --json', async () => {
    const root = join(tmp(), 'state');
    const r = await cli(['context', 'create', 'oss-demo', '--state-root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('context_create status=ok context=oss-demo kind=demo');
  });

  test('refuses a state root inside the repository', async () => {
    const r = await cli(['context', 'create', 'internal-dogfood', '--state-root', join(REPO, 'state-here'), '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(existsSync(join(REPO, 'state-here'))).toBe(false);
  });

  test('refuses a symlink that points into the repository', async () => {
    const link = join(tmp(), 'link');
    symlinkSync(join(REPO, 'lib'), link);
    const r = await cli(['context', 'create', 'internal-dogfood', '--state-root', join(link, 'state'), '--json']);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(existsSync(join(REPO, 'lib', 'state', 'contexts'))).toBe(false);
  });

  test('refuses worktrees and submodules where .git is a file, and GITHUB_WORKSPACE', async () => {
    const wt = tmp();
    writeFileSync(join(wt, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
    expect(findGitWorkTree(join(wt, 'a', 'b'))).toBe(wt);
    const r = await cli(['context', 'create', 'internal-dogfood', '--state-root', join(wt, 'a'), '--json']);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    const ws = tmp();
    const r2 = await cli(['context', 'create', 'internal-dogfood', '--state-root', join(ws, 's'), '--json'], {
      GITHUB_WORKSPACE: ws,
    });
    expect(r2.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(r2.json().error?.remediation).toMatch(/outside any repository/);
  });

  test('a real git repository created by git init is refused too', () => {
    const repo = tmp();
    execFileSync('git', ['init', '-q', repo]);
    expect(() => guardStateRoot(join(repo, 'x', 'state'))).toThrow(PaasError);
  });

  test('the unsafe override works only explicitly and is logged as critical', async () => {
    const root = join(REPO, '.paas-tmp', `unsafe-${process.pid}`);
    try {
      const r = await cli(['context', 'create', 'oss-demo', '--state-root', root, '--allow-unsafe-state-root']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/CRITICAL: unsafe state root override/);
    } finally {
      rmrf(join(REPO, '.paas-tmp'));
    }
  });

  test('names are validated before any path is built', async () => {
    const root = join(tmp(), 'state');
    for (const bad of ['../evil', 'UPPER', '-lead', 'a/b', 'a'.repeat(64), '', 'x;rm -rf /', 'café']) {
      const r = await cli(['context', 'create', bad, '--state-root', root, '--type', 'demo', '--json']);
      expect(r.code).toBe(1);
      expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
    }
    expect(existsSync(root)).toBe(false);
  });

  test('a name without an implied type needs --type', async () => {
    const root = join(tmp(), 'state');
    const r = await cli(['context', 'create', 'staging', '--state-root', root, '--json']);
    expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.json().error?.remediation).toMatch(/--type/);
    const r2 = await cli(['context', 'create', 'staging', '--type', 'internal', '--state-root', root, '--json']);
    expect(r2.code).toBe(0);
    const r3 = await cli(['context', 'create', 'staging', '--type', 'internal', '--state-root', root, '--json']);
    expect(r3.json().error?.code).toBe('PAAS_CONTEXT_EXISTS');
  });
});

describe('context list, use, show, remove', () => {
  test('list/use/show round trip; remove refuses a context with history unless --force', async () => {
    const root = join(tmp(), 'state');
    await cli(['context', 'create', 'internal-dogfood', '--state-root', root]);
    await cli(['context', 'create', 'customer-acme', '--state-root', root]);
    const list = (await cli(['context', 'list', '--state-root', root, '--json'])).json();
    expect((list.fields.contexts as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'customer-acme',
      'internal-dogfood',
    ]);
    expect((await cli(['context', 'use', 'customer-acme', '--state-root', root])).code).toBe(0);
    const show = (await cli(['context', 'show', '--state-root', root, '--json'])).json();
    expect(show.context).toBe('customer-acme');
    expect(show.fields.type).toBe('customer');

    expect((await cli(['context', 'remove', 'customer-acme', '--state-root', root, '--json'])).code).toBe(0);
    const store = new ContextStore(guardStateRoot(root));
    store.events('internal-dogfood', new Redactor()).append('deploy.finished', 'deployed v1');
    const refused = await cli(['context', 'remove', 'internal-dogfood', '--state-root', root, '--json']);
    expect(refused.json().error?.code).toBe('PAAS_CONTEXT_NOT_EMPTY');
    expect(existsSync(join(root, 'contexts', 'internal-dogfood', 'config.json'))).toBe(true);
    expect((await cli(['context', 'remove', 'internal-dogfood', '--force', '--state-root', root])).code).toBe(0);
    expect(readdirSync(join(root, 'contexts'))).toEqual([]);
  });
});

describe('events and history are scoped to one context', () => {
  test('writes in one context never appear in another', async () => {
    const root = join(tmp(), 'state');
    await cli(['context', 'create', 'internal-dogfood', '--state-root', root]);
    await cli(['context', 'create', 'customer-acme', '--state-root', root]);
    const store = new ContextStore(guardStateRoot(root));
    const red = new Redactor();
    store.events('internal-dogfood', red).append('deploy.finished', 'internal deploy', { release: 'r1' });
    store.events('customer-acme', red).append('deploy.finished', 'acme deploy', { release: 'r9' });
    const a = store.openState('internal-dogfood', red);
    a.scoped.record('deploy', { release: 'r1' });
    a.close();
    const ev = (await cli(['events', 'list', '--context', 'customer-acme', '--state-root', root, '--json'])).json();
    const events = ev.fields.events as Array<{ context: string; message: string }>;
    expect(events.every((e) => e.context === 'customer-acme')).toBe(true);
    expect(events.map((e) => e.message)).toContain('acme deploy');
    expect(events.map((e) => e.message)).not.toContain('internal deploy');
    const b = store.openState('customer-acme', red);
    expect(b.scoped.list('deploy')).toEqual([]);
    b.close();
  });

  test('state.db: WAL, schema versioned, every query filtered on the context even in one file', () => {
    const dir = tmp();
    const db = new StateDb(join(dir, 'state.db'));
    expect(db.schemaVersion()).toBe(STATE_SCHEMA_VERSION);
    const mode = db.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    expect(mode.journal_mode).toBe('wal');
    const red = new Redactor();
    red.register('hunter2-secret-value');
    const a = db.forContext('internal-dogfood', red);
    const b = db.forContext('customer-acme', red);
    a.record('deploy', { release: 'r1', note: 'token hunter2-secret-value' });
    a.set('last_run', { ok: true });
    expect(b.list()).toEqual([]);
    expect(b.get('last_run')).toBeUndefined();
    expect(JSON.stringify(a.list())).not.toContain('hunter2-secret-value');
    db.close();
    expect(readFileSync(join(dir, 'state.db')).includes('hunter2-secret-value')).toBe(false);
  });
});

describe('export and import', () => {
  test('export holds no vault value; import refuses secret-like keys without the dangerous flag', async () => {
    const base = tmp();
    const root = join(base, 'state');
    const vaultFile = join(base, 'internal.env');
    const secret = 'S3cr3t-' + 'x'.repeat(20);
    writeFileSync(vaultFile, `PAAS_SSH_KEY=${secret}\nPOSTGRES_DSN_PROD=postgres://app:${secret}@db/app\n`, {
      mode: 0o600,
    });
    const created = await cli([
      'context',
      'create',
      'internal-dogfood',
      '--state-root',
      root,
      '--vault-file',
      vaultFile,
      '--default-targets',
      'web1,web2',
    ]);
    expect(created.code).toBe(0);
    const out = join(base, 'export.json');
    const ex = await cli(['context', 'export', 'internal-dogfood', '--state-root', root, '--out', out, '--json']);
    expect(ex.code).toBe(0);
    expect(ex.stdout).not.toContain(secret);
    const doc = readFileSync(out, 'utf8');
    expect(doc).not.toContain(secret);
    expect(doc).not.toContain(vaultFile);
    expect(JSON.parse(doc)).toMatchObject({
      format: 'paas-context-export/1',
      name: 'internal-dogfood',
      default_targets: ['web1', 'web2'],
    });

    const root2 = join(base, 'state2');
    const ok = await cli(['context', 'import', out, '--state-root', root2, '--json']);
    expect(ok.code).toBe(0);

    const evil = join(base, 'evil.json');
    writeFileSync(
      evil,
      JSON.stringify({ ...JSON.parse(doc), name: 'customer-evil', type: 'customer', api_token: 'abc' }),
    );
    const refused = await cli(['context', 'import', evil, '--state-root', root2, '--json']);
    expect(refused.json().error?.code).toBe('PAAS_SECRET_IN_IMPORT');
    expect(refused.stdout + refused.stderr).toMatch(/api_token/);
    expect(existsSync(join(root2, 'contexts', 'customer-evil'))).toBe(false);

    const dangerousOut = join(base, 'with-secrets.json');
    const dex = await cli([
      'context',
      'export',
      'internal-dogfood',
      '--state-root',
      root,
      '--out',
      dangerousOut,
      '--dangerously-include-secrets',
    ]);
    expect(dex.code).toBe(0);
    expect(dex.stdout + dex.stderr).not.toContain(secret);
    const root3 = join(base, 'state3');
    const refused2 = await cli(['context', 'import', dangerousOut, '--state-root', root3, '--json']);
    expect(refused2.json().error?.code).toBe('PAAS_SECRET_IN_IMPORT');
    const accepted = await cli([
      'context',
      'import',
      dangerousOut,
      '--state-root',
      root3,
      '--dangerously-include-secrets',
      '--json',
    ]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout + accepted.stderr).not.toContain(secret);
    const vf = accepted.json().fields.vault_file as string;
    expect((await import('node:fs')).statSync(vf).mode & 0o777).toBe(0o600);
  });
});

describe('context resolution', () => {
  test('no context given and none selected: PAAS_CONTEXT_UNRESOLVED with remediation', async () => {
    const root = join(tmp(), 'state');
    const r = await cli(['events', 'list', '--state-root', root, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_CONTEXT_UNRESOLVED', stage: 'context' });
    expect(r.json().error?.remediation).toMatch(/--context <name>/);
    expect(r.stderr).toMatch(/fix: Name the context explicitly/);
  });

  test('a mutating operation never falls back to the selected context', async () => {
    const root = join(tmp(), 'state');
    await cli(['context', 'create', 'oss-demo', '--state-root', root]);
    expect((await cli(['context', 'show', '--state-root', root, '--json'])).json().context).toBe('oss-demo');
    const r = await cli(['db', 'bootstrap', '--state-root', root, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error?.code).toBe('PAAS_CONTEXT_UNRESOLVED');
  });
});

describe('vault', () => {
  test('parses dotenv text; quoted, multi-line, export prefix, comments', () => {
    const v = parseDotenv('# c\nexport A=1\nB="two\\nlines"\nC=\'lit $x\'\nD="multi\nline"\nE=plain # comment\n');
    expect(Object.fromEntries(v)).toEqual({ A: '1', B: 'two\nlines', C: 'lit $x', D: 'multi\nline', E: 'plain' });
  });

  test('a malformed line is named by number, never by value', () => {
    expect(() => parseDotenv('GOOD=1\nthis is secret-ish text\n')).toThrow(/line 2 is not KEY=value/);
    try {
      parseDotenv('GOOD=1\nthis is secret-ish text\n');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secret-ish');
    }
  });

  test('missing key → PAAS_VAULT_UNMAPPED naming the key; values are registered with the redactor', () => {
    const red = new Redactor();
    const vault = loadVault({
      context: 'oss-demo',
      text: 'PAAS_TARGETS=web1=local:/tmp/x\nTOKEN_A=abcdef123456',
      redactor: red,
    });
    expect(red.redact('tok abcdef123456')).not.toContain('abcdef123456');
    try {
      vault.require('POSTGRES_DSN_PROD', 'db_bootstrap');
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(PaasError);
      expect((e as PaasError).code).toBe('PAAS_VAULT_UNMAPPED');
      expect((e as PaasError).message).toContain('POSTGRES_DSN_PROD');
      expect((e as PaasError).message).not.toContain('abcdef123456');
    }
  });

  test('a vault file inside the repo or readable by others is refused', () => {
    const red = new Redactor();
    const inRepo = join(REPO, '.paas-tmp', `vault-${process.pid}.env`);
    mkdirSync(join(REPO, '.paas-tmp'), { recursive: true });
    try {
      writeFileSync(inRepo, 'A=1\n', { mode: 0o600 });
      expect(() => loadVault({ context: 'oss-demo', file: inRepo, redactor: red })).toThrow(/inside the git work tree/);
    } finally {
      rmrf(join(REPO, '.paas-tmp'));
    }
    const f = join(tmp(), 'v.env');
    writeFileSync(f, 'A=1\n');
    chmodSync(f, 0o644);
    expect(() => loadVault({ context: 'oss-demo', file: f, redactor: red })).toThrow(/mode 644, expected 600/);
    chmodSync(f, 0o600);
    expect(loadVault({ context: 'oss-demo', file: f, redactor: red }).has('A')).toBe(true);
  });

  test('one vault per context: a vault file already used by another context is refused', async () => {
    const base = tmp();
    const root = join(base, 'state');
    const vf = join(base, 'v.env');
    writeFileSync(vf, 'A=1\n', { mode: 0o600 });
    expect((await cli(['context', 'create', 'internal-dogfood', '--state-root', root, '--vault-file', vf])).code).toBe(
      0,
    );
    const r = await cli(['context', 'create', 'customer-acme', '--state-root', root, '--vault-file', vf, '--json']);
    expect(r.json().error?.code).toBe('PAAS_VAULT_UNSAFE');
  });
});
