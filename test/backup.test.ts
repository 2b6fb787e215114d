/**
 * `paas backup create|verify|restore` (issue 7), through the CLI in-process: per-context encrypted
 * archives with a sha256 manifest, a damaged byte named by file, restores refused into another
 * context, restored state passing the isolation checks (and doctor, when this build has it), and
 * never a vault value inside.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ContextStore } from '../lib/isolation/store.js';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { readManifest, verifyBackup } from '../lib/persistence/backup.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { cli, rmrf, tempDir } from './helpers.js';
import { dotenv, generatedVault, leakedKeys } from './persist-helpers.js';

const REPO = process.cwd();
const CTX = 'customer-acme';
let root: string;
let stateRoot: string;
let vaultFile: string;
let vault: Record<string, string>;
let backup: string;
let cwd: string;
const original: { events: string[]; history: string[] } = { events: [], history: [] };

const base = () => ['--state-root', stateRoot, '--json'];

function flip(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = (copy[at] as number) ^ 0x20;
  return copy;
}

function write(name: string, data: Buffer): string {
  const p = join(root, name);
  writeFileSync(p, data, { mode: 0o600 });
  return p;
}

function contents(sr: string, context = CTX): { events: string[]; history: string[]; kv: unknown } {
  const store = new ContextStore(guardStateRoot(sr));
  const r = new Redactor();
  const st = store.openState(context, r);
  try {
    return {
      events: store
        .events(context, r)
        .list({ limit: 10_000 })
        .map((e) => e.id)
        .sort(),
      history: st.scoped
        .list(undefined, 1000)
        .map((h) => h.id)
        .sort(),
      kv: st.scoped.get('last_run'),
    };
  } finally {
    st.close();
  }
}

beforeAll(async () => {
  root = tempDir('paas-backup-');
  cwd = join(root, 'cwd');
  mkdirSync(cwd);
  stateRoot = join(root, 'state');
  vault = generatedVault();
  mkdirSync(join(root, 'vaults'), { mode: 0o700 });
  vaultFile = join(root, 'vaults', `${CTX}.env`);
  writeFileSync(vaultFile, dotenv(vault), { mode: 0o600 });
  const r = await cli(['context', 'create', CTX, '--vault-file', vaultFile, ...base()]);
  expect(r.code).toBe(0);
  // an operation's writes: the vault is registered, so secrets are redacted at write time
  const store = new ContextStore(guardStateRoot(stateRoot));
  const redactor = new Redactor();
  for (const [k, v] of Object.entries(vault)) redactor.register(v, k);
  const events = store.events(CTX, redactor);
  for (let i = 0; i < 5; i++)
    original.events.push(
      events.append('deploy.finished', `release r${i} with ${vault.POSTGRES_DSN_PROD}`, { token: vault.GITHUB_PAT, i })
        .id,
    );
  const st = store.openState(CTX, redactor);
  try {
    for (let i = 0; i < 3; i++)
      original.history.push(st.scoped.record('deploy', { release: `r${i}`, key: vault.PAAS_SSH_KEY }).id);
    st.scoped.set('last_run', { at: 'yesterday', password: vault.DB_PASSWORD });
  } finally {
    st.close();
  }
});

afterAll(() => rmrf(root));

describe('paas backup', () => {
  test('create writes an encrypted, private archive outside the repository; verify checks every file', async () => {
    const r = await cli(['backup', 'create', '--context', CTX, ...base()], {}, cwd);
    expect(r.code).toBe(0);
    const env = r.json();
    expect(env).toMatchObject({ ok: true, command: 'backup_create', context: CTX });
    backup = env.fields.path as string;
    expect(backup.startsWith(join(guardStateRoot(stateRoot).path, 'backups', CTX) + '/')).toBe(true);
    expect(backup).toMatch(/paas-backup-customer-acme-\d{8}T\d{6}Z\.paasbak$/);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const files = (env.fields.files as Array<{ path: string; sha256: string }>).map((f) => f.path);
    expect(files).toEqual(['config.json', 'state.db', expect.stringMatching(/^events\/\d{4}-\d{2}\.jsonl$/)]);
    expect(r.stdout.trim().split('\n').at(-1)).toContain('"command":"backup_create"');

    const v = await cli(['backup', 'verify', backup, ...base()], {}, cwd);
    expect(v.code).toBe(0);
    expect(v.json().fields.files).toEqual(files.map((path) => expect.objectContaining({ path, ok: true })));
    const line = await cli(['backup', 'verify', backup, '--state-root', stateRoot], {}, cwd);
    expect(line.stdout.trim().split('\n').at(-1)).toBe(`backup_verify status=ok context=${CTX} files=3`);
  });

  test('one corrupted byte: verify fails and names the file it belongs to', async () => {
    const data = readFileSync(backup);
    const { manifest, body } = readManifest(data);
    for (const f of manifest.files) {
      const bad = write(
        `bad-${f.path.replace(/\W/g, '_')}.paasbak`,
        flip(data, body + f.offset + Math.floor(f.length / 2)),
      );
      const v = await cli(['backup', 'verify', bad, ...base()], {}, cwd);
      expect(v.code).toBe(1);
      const env = v.json();
      expect(env.error).toMatchObject({ code: 'PAAS_BACKUP_INVALID', stage: 'backup_verify', target: f.path });
      expect(env.error?.message).toContain(`${f.path}: sha256 mismatch`);
      const report = env.fields.files as Array<{ path: string; ok: boolean }>;
      expect(report.filter((x) => !x.ok).map((x) => x.path)).toEqual([f.path]);
      expect(v.stderr).toContain(`error PAAS_BACKUP_INVALID: backup verification failed: ${f.path}: sha256 mismatch`);
    }
    // a byte of the manifest that keeps it valid JSON (a digit of created_at): its HMAC fails
    const at = data.indexOf(Buffer.from(manifest.created_at)) + 3;
    const edited = Buffer.from(data);
    edited[at] = edited[at] === 0x39 ? 0x31 : 0x39;
    const v = await cli(['backup', 'verify', write('bad-manifest.paasbak', edited), ...base()], {}, cwd);
    expect(v.code).toBe(1);
    expect(v.json().error?.message).toContain('manifest: authentication failed');
    // anywhere at all: never accepted, always a named reason
    for (let i = 0; i < 25; i++) {
      const pos = (i * 7919 + 13) % data.length;
      const r = await cli(['backup', 'verify', write(`bad-${pos}.paasbak`, flip(data, pos)), ...base()], {}, cwd);
      expect({ pos, code: r.code }).toEqual({ pos, code: 1 });
      expect(['PAAS_BACKUP_INVALID', 'PAAS_STATE_DECRYPT_FAILED']).toContain(r.json().error?.code);
      expect(r.json().error?.message).toMatch(/manifest|config\.json|state\.db|events\/|paas backup|backup:|wrong key/);
    }
  });

  test('a wrong key and a missing key are refused by name', async () => {
    const other = join(root, 'vaults', 'other.env');
    writeFileSync(other, dotenv({ PAAS_STATE_KEY: randomBytes(32).toString('base64') }), { mode: 0o600 });
    const w = await cli(['backup', 'verify', backup, '--vault-file', other, ...base()], {}, cwd);
    expect(w.json().error).toMatchObject({ code: 'PAAS_STATE_DECRYPT_FAILED' });
    expect(w.json().error?.message).toContain('different PAAS_STATE_KEY (wrong key)');
    const none = join(root, 'vaults', 'none.env');
    writeFileSync(none, dotenv({ SOMETHING: 'else-entirely' }), { mode: 0o600 });
    const fresh = join(root, 'empty-state');
    const m = await cli(['backup', 'verify', backup, '--vault-file', none, '--state-root', fresh, '--json'], {}, cwd);
    expect(m.json().error?.code).toBe('PAAS_VAULT_UNMAPPED');
    expect(m.json().error?.message).toContain('PAAS_STATE_KEY');
  });

  test('restore refuses a backup of another context, before any key is needed', async () => {
    const sr = join(root, 'state-other');
    const r = await cli(
      ['backup', 'restore', backup, '--context', 'customer-other', '--state-root', sr, '--json'],
      {},
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'PAAS_BACKUP_CONTEXT_MISMATCH', stage: 'backup_restore' });
    expect(r.json().error?.message).toContain('belongs to context "customer-acme", not customer-other');
    expect(existsSync(join(sr, 'contexts', 'customer-other'))).toBe(false);
    const v = await cli(['backup', 'verify', backup, '--context', 'customer-other', ...base()], {}, cwd);
    expect(v.json().error?.code).toBe('PAAS_BACKUP_CONTEXT_MISMATCH');
  });

  test('restore on a fresh machine: verified first, same state, private modes, passes the isolation checks and doctor', async () => {
    const sr = join(root, 'state-new');
    const r = await cli(
      ['backup', 'restore', backup, '--context', CTX, '--vault-file', vaultFile, '--state-root', sr, '--json'],
      {},
      cwd,
    );
    expect(r.code).toBe(0);
    const env = r.json();
    expect(env).toMatchObject({ ok: true, command: 'backup_restore', context: CTX });
    const checks = env.fields.checks as Array<{ name: string; ok: boolean }>;
    expect(checks.map((c) => c.name)).toEqual([
      'state_root_outside_repo',
      'context_vault_outside_repo',
      'private_modes',
      'cross_context_contamination',
      'no_vault_value_in_state',
    ]);
    expect(checks.every((c) => c.ok)).toBe(true);
    const doctor = env.fields.doctor as { ran: boolean; ok: boolean | null };
    expect(doctor.ran).toBe(true);
    expect(doctor.ok).toBe(true);
    const restored = contents(sr);
    // the original plus the backup.created / backup.restored events
    expect(restored.events).toEqual(expect.arrayContaining(original.events));
    expect(restored.history).toEqual([...original.history].sort());
    expect(restored.kv).toEqual({ at: 'yesterday', password: '***' });
    const store = new ContextStore(guardStateRoot(sr));
    expect(store.get(CTX).state_root).toBe(store.root.path);
    const kinds = store
      .events(CTX, new Redactor())
      .list({ limit: 100 })
      .map((e) => e.kind);
    expect(kinds).toContain('backup.restored');
    // doctor on the restored state root, the way a user runs it
    const d = await cli(['doctor', '--context', CTX, '--state-root', sr, '--json'], {}, cwd);
    expect(d.json().ok).toBe(true);
  });

  test('restore never replaces a context holding history without --force, and refuses a damaged backup', async () => {
    const before = contents(stateRoot);
    const r = await cli(['backup', 'restore', backup, '--context', CTX, ...base()], {}, cwd);
    expect(r.json().error?.code).toBe('PAAS_CONTEXT_NOT_EMPTY');
    const data = readFileSync(backup);
    const { manifest, body } = readManifest(data);
    const db = manifest.files.find((f) => f.path === 'state.db');
    if (!db) throw new Error('no state.db');
    const damaged = write('damaged.paasbak', flip(data, body + db.offset + 100));
    const d = await cli(['backup', 'restore', damaged, '--context', CTX, '--force', ...base()], {}, cwd);
    expect(d.json().error?.code).toBe('PAAS_BACKUP_INVALID');
    expect(d.json().error?.message).toContain('nothing was restored: state.db: sha256 mismatch');
    expect(contents(stateRoot)).toEqual(before);

    // an event after the backup: --force returns the context to the backup's state
    const store = new ContextStore(guardStateRoot(stateRoot));
    const late = store.events(CTX, new Redactor()).append('deploy.finished', 'after the backup').id;
    const f = await cli(['backup', 'restore', backup, '--context', CTX, '--force', ...base()], {}, cwd);
    expect(f.code).toBe(0);
    expect(f.json().fields.replaced).toBe(true);
    expect(contents(stateRoot).events).not.toContain(late);
    expect(contents(stateRoot).events).toEqual(expect.arrayContaining(original.events));
    expect(existsSync(join(stateRoot, 'contexts')) && store.list().map((c) => c.name)).toEqual([CTX]);
  });

  test('backups are written outside any repository only', async () => {
    const out = join(REPO, 'test', `backup-${randomBytes(3).toString('hex')}.paasbak`);
    const r = await cli(['backup', 'create', '--context', CTX, '--out', out, ...base()], {}, cwd);
    expect(r.json().error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
    expect(r.json().error?.message).toContain('is inside the git work tree');
    expect(existsSync(out)).toBe(false);
  });

  test('a backup never contains a vault value; a value that reached the state blocks the backup', async () => {
    const data = readFileSync(backup);
    expect(leakedKeys(data, vault)).toEqual([]);
    const { files } = verifyBackup(data, vault.PAAS_STATE_KEY as string);
    expect(files?.length).toBe(3);
    for (const f of files ?? [])
      expect({ file: f.path, leaked: leakedKeys(f.data, vault) }).toEqual({ file: f.path, leaked: [] });
    // the vault file is never part of a backup: not even its path is needed to read one
    expect(data.includes(Buffer.from(readFileSync(vaultFile)))).toBe(false);

    const sr = join(root, 'state-leak');
    writeFileSync(join(root, 'vaults', 'leak.env'), dotenv(vault), { mode: 0o600 });
    const c = await cli(
      [
        'context',
        'create',
        'customer-leak',
        '--vault-file',
        join(root, 'vaults', 'leak.env'),
        '--state-root',
        sr,
        '--json',
      ],
      {},
      cwd,
    );
    expect(c.code).toBe(0);
    const db = new DatabaseSync(join(sr, 'contexts', 'customer-leak', 'state.db'));
    db.prepare('INSERT INTO history (id, context, kind, at, data) VALUES (?, ?, ?, ?, ?)').run(
      'h1',
      'customer-leak',
      'note',
      new Date().toISOString(),
      JSON.stringify({ dsn: Buffer.from(vault.POSTGRES_DSN_PROD as string).toString('hex') }),
    );
    db.close();
    const b = await cli(['backup', 'create', '--context', 'customer-leak', '--state-root', sr, '--json'], {}, cwd);
    expect(b.json().error).toMatchObject({ code: 'PAAS_STATE_HOLDS_SECRET', target: 'state.db' });
    expect(b.json().error?.message).toContain('holds the vault value of POSTGRES_DSN_PROD (hex form)');
    expect(b.stdout + b.stderr).not.toContain(vault.POSTGRES_DSN_PROD as string);
    expect(existsSync(join(sr, 'backups'))).toBe(false);
  });
});
