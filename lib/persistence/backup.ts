import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { insideRepositoryProblem } from '../isolation/state-root.js';
import type { ContextStore } from '../isolation/store.js';
import { PaasError } from '../output/errors.js';
import { Redactor } from '../redaction/redactor.js';
import { STATE_SCHEMA_VERSION, openDatabase } from '../state/db.js';
import { writeFilePrivate } from '../state/fs-safe.js';
import { isAllowedBundlePath, sha256, type BundleFile } from './bundle.js';
import { DerivedKey, gcmDecrypt, gcmEncrypt, STATE_KEY_NAME, type KdfParams, type SealScope } from './crypto.js';
import { assertNoSecret, type SecretNeedle } from './scan.js';
import { incomingConfig, materialize, snapshotContext, type MergeStats } from './state-files.js';

/**
 * `paas backup`: one file per backup, holding a context's state.db (a `VACUUM INTO` snapshot),
 * events/ and config.json, each file encrypted on its own so that `verify` can name the file a
 * damaged byte belongs to.
 *
 *   "PAASBAK1" | u32 manifest length | manifest JSON | HMAC-SHA256(manifest) (32) | files...
 *
 * The manifest is readable without the key (context, created_at, and per file: path, size,
 * sha256 of the content, offset/length and sha256 of the encrypted bytes); its HMAC and every
 * file's AES-256-GCM tag need the context's PAAS_STATE_KEY. Additional data binds each file to
 * its path, context, schema and backup. The vault is never included.
 */

const BACKUP_MAGIC = Buffer.from('PAASBAK1', 'ascii');
export const BACKUP_EXT = '.paasbak';

interface BackupFileEntry {
  path: string;
  size: number;
  sha256: string;
  offset: number;
  length: number;
  enc_sha256: string;
}

interface BackupManifest {
  format: 'paas-backup/1';
  context: string;
  schema: number;
  created_at: string;
  kdf: KdfParams;
  kcv: string;
  files: BackupFileEntry[];
}

function scope(context: string): SealScope {
  return { purpose: 'backup', context, schema: STATE_SCHEMA_VERSION };
}

function fileAad(m: Pick<BackupManifest, 'context' | 'schema' | 'kdf'>, path: string): Buffer {
  return Buffer.from(`paas-backup/1|${m.context}|v${m.schema}|${m.kdf.salt}|${path}`, 'utf8');
}

function mac(key: DerivedKey, m: { context: string; schema: number }, prefix: Buffer): Buffer {
  return createHmac('sha256', key.macKey(scope(m.context)))
    .update(prefix)
    .digest();
}

/** Builds the backup bytes from a context's files. */
export function buildBackup(context: string, files: readonly BundleFile[], secret: string, now = new Date()): Buffer {
  const key = DerivedKey.derive(secret);
  const base = { context, schema: STATE_SCHEMA_VERSION, kdf: key.kdf };
  const encKey = key.encKey(scope(context));
  const bodies: Buffer[] = [];
  const entries: BackupFileEntry[] = [];
  let offset = 0;
  for (const f of files) {
    if (!isAllowedBundlePath(f.path) || f.path.startsWith('cache/'))
      throw new Error(`backup: path not allowed: ${f.path}`);
    const enc = gcmEncrypt(encKey, f.data, fileAad(base, f.path));
    entries.push({
      path: f.path,
      size: f.data.length,
      sha256: sha256(f.data),
      offset,
      length: enc.length,
      enc_sha256: sha256(enc),
    });
    bodies.push(enc);
    offset += enc.length;
  }
  const manifest: BackupManifest = {
    format: 'paas-backup/1',
    context,
    schema: STATE_SCHEMA_VERSION,
    created_at: now.toISOString(),
    kdf: key.kdf,
    kcv: key.checkValue(),
    files: entries,
  };
  const m = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(m.length);
  const prefix = Buffer.concat([BACKUP_MAGIC, len, m]);
  return Buffer.concat([prefix, mac(key, manifest, prefix), ...bodies]);
}

function invalid(message: string): PaasError {
  return new PaasError('PAAS_BACKUP_INVALID', message, {
    stage: 'backup_verify',
    remediation: 'The backup is damaged or was not written by paas backup create; use another backup.',
  });
}

/** The manifest, readable without the key; throws PAAS_BACKUP_INVALID when the file is not a backup. */
export function readManifest(data: Buffer): { manifest: BackupManifest; prefix: Buffer; mac: Buffer; body: number } {
  if (data.length < BACKUP_MAGIC.length + 4 || !data.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC))
    throw invalid('not a paas backup (unrecognized header)');
  const n = data.readUInt32BE(BACKUP_MAGIC.length);
  const end = BACKUP_MAGIC.length + 4 + n;
  if (n > 16 * 1024 * 1024 || data.length < end + 32) throw invalid('manifest: truncated');
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(data.subarray(BACKUP_MAGIC.length + 4, end).toString('utf8')) as BackupManifest;
  } catch {
    throw invalid('manifest: damaged (not JSON)');
  }
  if (
    manifest?.format !== 'paas-backup/1' ||
    typeof manifest.context !== 'string' ||
    !Array.isArray(manifest.files) ||
    !manifest.kdf ||
    typeof manifest.kcv !== 'string'
  ) {
    throw invalid('manifest: damaged (unknown format)');
  }
  return { manifest, prefix: data.subarray(0, end), mac: data.subarray(end, end + 32), body: end + 32 };
}

interface VerifiedFile {
  path: string;
  size: number;
  ok: boolean;
  problem?: string;
}

interface VerifyReport {
  ok: boolean;
  context: string;
  created_at: string;
  schema: number;
  files: VerifiedFile[];
  /** every problem, each naming the file (or `manifest`) */
  problems: string[];
}

/** The manifest's file entries that are well formed; each malformed one is a problem. */
function saneEntries(manifest: BackupManifest, problems: string[]): BackupFileEntry[] {
  return manifest.files.filter((f) => {
    const good =
      typeof f?.path === 'string' &&
      isAllowedBundlePath(f.path) &&
      [f.size, f.offset, f.length].every((x) => Number.isSafeInteger(x) && x >= 0) &&
      typeof f.sha256 === 'string' &&
      typeof f.enc_sha256 === 'string';
    if (!good) problems.push('manifest: a file entry is malformed');
    return good;
  });
}

/** Checks each file's encrypted bytes against the manifest (no key needed), and nothing after the last file. */
function checkEncryptedBytes(
  data: Buffer,
  body: number,
  sane: readonly BackupFileEntry[],
  problems: string[],
): VerifiedFile[] {
  const files: VerifiedFile[] = [];
  let end = body;
  for (const f of sane) {
    const start = body + f.offset;
    const stop = start + f.length;
    end = Math.max(end, stop);
    if (stop > data.length) {
      files.push({ path: f.path, size: f.size, ok: false, problem: 'truncated' });
      problems.push(`${f.path}: truncated`);
    } else if (sha256(data.subarray(start, stop)) !== f.enc_sha256) {
      files.push({ path: f.path, size: f.size, ok: false, problem: 'sha256 mismatch' });
      problems.push(`${f.path}: sha256 mismatch (the file's bytes in the backup were changed)`);
    } else {
      files.push({ path: f.path, size: f.size, ok: true });
    }
  }
  if (data.length > end) problems.push('backup: unexpected bytes after the last file');
  return files;
}

/** The key: a wrong key is told apart from damage before anything else is concluded. */
function openingKey(secret: string, manifest: BackupManifest, problems: readonly string[]): DerivedKey {
  let key: DerivedKey;
  try {
    key = DerivedKey.forOpening(secret, manifest.kdf);
  } catch (e) {
    if (e instanceof PaasError && e.code === 'PAAS_INVALID_ARGUMENT') throw e;
    throw invalid('manifest: damaged (key-derivation parameters)');
  }
  if (key.checkValue() !== manifest.kcv) {
    // either the key is wrong or the manifest's key-check value was damaged; the HMAC cannot tell which
    throw new PaasError(
      'PAAS_STATE_DECRYPT_FAILED',
      `the backup of context ${manifest.context} was encrypted with a different ${STATE_KEY_NAME} (wrong key), ` +
        `or its manifest is damaged${problems.length ? `; also: ${problems.join('; ')}` : ''}`,
      {
        stage: 'backup_verify',
        remediation:
          `Use the ${STATE_KEY_NAME} the context had when the backup was made ` +
          `(vault of the context, PAAS_VAULT, --vault-file or the ${STATE_KEY_NAME} environment variable).`,
      },
    );
  }
  return key;
}

/** What is wrong with one decrypted file (its tag, size and sha256, its content), or its plain bytes. */
function openFile(
  data: Buffer,
  body: number,
  manifest: BackupManifest,
  f: BackupFileEntry,
  encKey: Buffer,
  red: Redactor,
): { problem: string } | { plain: Buffer } {
  const plain = gcmDecrypt(
    encKey,
    data.subarray(body + f.offset, body + f.offset + f.length),
    fileAad(manifest, f.path),
  );
  if (!plain) return { problem: 'authentication failed' };
  if (plain.length !== f.size || sha256(plain) !== f.sha256) return { problem: 'content sha256 mismatch' };
  const content = contentProblem(f.path, plain, manifest.context, red);
  return content ? { problem: content } : { plain };
}

/**
 * Checks every checksum (the encrypted bytes of each file against the manifest), the manifest's
 * HMAC, each file's authentication tag and content sha256, config.json and state.db's integrity.
 * Returns the report and, when everything holds, the decrypted files.
 */
export function verifyBackup(
  data: Buffer,
  secret: string,
  redactor?: Redactor,
): { report: VerifyReport; files: BundleFile[] | null } {
  // messages quoted from SQLite are redacted, then cut (the state key is a secret too)
  const red = redactor ?? new Redactor();
  red.register(secret, 'PAAS_STATE_KEY');
  const { manifest, prefix, mac: tag, body } = readManifest(data);
  const problems: string[] = [];
  const sane = saneEntries(manifest, problems);
  const files = checkEncryptedBytes(data, body, sane, problems);
  const key = openingKey(secret, manifest, problems);
  const expected = mac(key, manifest, prefix);
  if (expected.length !== tag.length || !timingSafeEqual(expected, tag))
    problems.unshift('manifest: authentication failed (the manifest or its HMAC was changed)');
  const out: BundleFile[] = [];
  const encKey = key.encKey(scope(manifest.context));
  for (const f of sane) {
    const v = files.find((x) => x.path === f.path && x.ok);
    if (!v) continue;
    const opened = openFile(data, body, manifest, f, encKey, red);
    if ('problem' in opened) {
      v.ok = false;
      v.problem = opened.problem;
      problems.push(`${f.path}: ${opened.problem}`);
      continue;
    }
    out.push({ path: f.path, data: opened.plain });
  }
  for (const required of ['config.json', 'state.db'])
    if (!sane.some((f) => f.path === required)) problems.push(`${required}: missing from the backup`);
  const report: VerifyReport = {
    ok: problems.length === 0,
    context: manifest.context,
    created_at: manifest.created_at,
    schema: manifest.schema,
    files,
    problems,
  };
  return { report, files: report.ok ? out : null };
}

/** What is wrong with a decrypted file's content, or null. */
function contentProblem(path: string, data: Buffer, context: string, red: Redactor): string | null {
  if (path === 'config.json') {
    const c = incomingConfig(data, context);
    return 'problem' in c ? c.problem : null;
  }
  if (path === 'state.db') return dbProblem(data, red);
  return null;
}

/** SQLite's own text quoted in a problem: redacted, then cut to this length. */
const SQLITE_MESSAGE_MAX = 120;

function dbProblem(data: Buffer, red: Redactor): string | null {
  const tmp = join(tmpdir(), `paas-verify-${randomBytes(6).toString('hex')}.db`);
  writeFileSync(tmp, data, { mode: 0o600 });
  try {
    const db = openDatabase(tmp, { readOnly: true });
    try {
      const rows = db.prepare('PRAGMA integrity_check').all() as Array<Record<string, unknown>>;
      const first = rows[0] ? String(Object.values(rows[0])[0]) : 'no result';
      if (first !== 'ok') return `SQLite integrity check failed (${red.clip(first, SQLITE_MESSAGE_MAX)})`;
      const v = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null } | undefined;
      if ((v?.v ?? 0) > STATE_SCHEMA_VERSION)
        return `schema v${v?.v} is newer than this paas-actions (v${STATE_SCHEMA_VERSION})`;
      return null;
    } finally {
      db.close();
    }
  } catch (e) {
    return `not a readable SQLite database (${e instanceof Error ? red.clip(e.message, SQLITE_MESSAGE_MAX) : 'error'})`;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Why a backup may not be written at `path` (inside a git work tree or the workspace), or null. */
function backupPathProblem(path: string, workspace?: string): string | null {
  return insideRepositoryProblem('backup path', path, workspace);
}

export function defaultBackupPath(store: ContextStore, context: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(store.root.path, 'backups', context, `paas-backup-${context}-${stamp}${BACKUP_EXT}`);
}

interface CreateResult {
  path: string;
  bytes: number;
  files: Array<{ path: string; size: number; sha256: string }>;
}

/** Snapshots the context (state.db via VACUUM INTO, events/, config.json), scans it for vault values, writes the encrypted backup. */
export function createBackup(
  store: ContextStore,
  context: string,
  secret: string,
  needles: readonly SecretNeedle[],
  out: string,
  workspace?: string,
  now = new Date(),
): CreateResult {
  store.get(context);
  const problem = backupPathProblem(out, workspace);
  if (problem) {
    throw new PaasError('PAAS_STATE_ROOT_UNSAFE', problem, {
      stage: 'backup',
      remediation:
        'Write backups outside any repository: leave --out empty (they go under ' +
        '<state_root>/backups/<context>/) or name a directory outside the work tree.',
    });
  }
  if (existsSync(out))
    throw new PaasError('PAAS_INVALID_ARGUMENT', `backup file ${out} already exists`, {
      stage: 'backup',
      remediation: 'Choose another --out path; backups are never overwritten.',
    });
  const { files } = snapshotContext(store.paths(context), { includeCache: false });
  assertNoSecret(files, needles, `backup of ${context}`);
  const data = buildBackup(context, files, secret, now);
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
  writeFilePrivate(out, data);
  return {
    path: out,
    bytes: data.length,
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })),
  };
}

/** Refuses a backup of another context (PAAS_BACKUP_CONTEXT_MISMATCH), before any key is needed. */
export function assertBackupContext(manifest: BackupManifest, context: string): void {
  if (manifest.context === context) return;
  throw new PaasError(
    'PAAS_BACKUP_CONTEXT_MISMATCH',
    `the backup belongs to context ${JSON.stringify(manifest.context.slice(0, 64))}, not ${context}; refused`,
    {
      stage: 'backup_restore',
      remediation:
        "Restore a backup into its own context only (--context <the backup's context>); copying between " +
        'contexts is paas context export/import (metadata only).',
    },
  );
}

interface RestoreBackupResult {
  report: VerifyReport;
  stats: MergeStats;
  replaced: boolean;
}

/**
 * Restores a verified backup into `context`: refuses another context's backup, verifies every
 * file first, refuses to replace a context holding events or history without `force`, then lays
 * the context out in a temporary directory and swaps it into place.
 */
export function restoreBackup(
  store: ContextStore,
  context: string,
  data: Buffer,
  secret: string,
  force: boolean,
  redactor: Redactor,
): RestoreBackupResult {
  assertBackupContext(readManifest(data).manifest, context);
  const { report, files } = verifyBackup(data, secret, redactor);
  if (!report.ok || !files) {
    throw new PaasError(
      'PAAS_BACKUP_INVALID',
      `the backup failed verification; nothing was restored: ${report.problems.join('; ')}`,
      { stage: 'backup_verify', remediation: 'Use another backup; run paas backup verify on it first.' },
    );
  }
  const p = store.paths(context);
  let aside: string | null = null;
  if (existsSync(p.dir)) {
    if (store.exists(context)) {
      const c = store.contents(context, redactor);
      if (!force && (c.events > 0 || c.history > 0)) {
        throw new PaasError(
          'PAAS_CONTEXT_NOT_EMPTY',
          `context ${context} holds ${c.events} event(s) and ${c.history} history row(s); restoring replaces them`,
          {
            stage: 'backup_restore',
            remediation: `Back it up first (paas backup create --context ${context}), then restore with --force.`,
          },
        );
      }
    }
    aside = join(store.contextsDir, `.pre-restore-${context}-${randomBytes(4).toString('hex')}`);
    renameSync(p.dir, aside);
  }
  try {
    const stats = materialize(store.contextsDir, p, context, files, store.root.path);
    if (aside) rmSync(aside, { recursive: true, force: true });
    return { report, stats, replaced: aside !== null };
  } catch (e) {
    if (aside) {
      rmSync(p.dir, { recursive: true, force: true });
      renameSync(aside, p.dir);
    }
    throw e;
  }
}

export function readBackupFile(path: string): Buffer {
  if (!existsSync(path))
    throw new PaasError('PAAS_INVALID_ARGUMENT', `backup file ${path} does not exist`, {
      stage: 'backup',
      remediation: 'Pass the path of a file written by paas backup create.',
    });
  return readFileSync(path);
}
