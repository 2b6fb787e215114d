import * as z from 'zod';
import { contextName } from '../../isolation/names.js';
import type { ContextStore } from '../../isolation/store.js';
import { loadVault } from '../../isolation/vault.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { failure, outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import {
  assertBackupContext,
  createBackup,
  defaultBackupPath,
  readBackupFile,
  readManifest,
  restoreBackup,
  verifyBackup,
} from '../../persistence/backup.js';
import { STATE_KEY_NAME } from '../../persistence/crypto.js';
import { vaultNeedles, type SecretNeedle } from '../../persistence/scan.js';
import { boolInput, parseInputs, pathInput } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openStore, resolveContext } from '../../runtime/session.js';
import type { RunOperation } from '../operation.js';
import { restoredContextChecks, type IsolationCheck } from './checks.js';

/**
 * `paas backup create|verify|restore`: per-context encrypted archives of state.db, events/ and
 * config.json with a sha256 manifest (lib/persistence/backup.ts). The key is the context's
 * PAAS_STATE_KEY, from its vault file, PAAS_VAULT / --vault, --vault-file, or the
 * PAAS_STATE_KEY environment variable. Never the vault itself.
 */

const common = {
  state_root: pathInput.optional(),
  allow_unsafe_state_root: boolInput.default(false),
  vault: z.string().max(1_000_000).optional(),
  vault_file: pathInput.optional(),
};

function keyFor(
  rt: Runtime,
  store: ContextStore,
  context: string,
  a: { vault?: string | undefined; vault_file?: string | undefined },
  purpose: string,
): { secret: string; needles: SecretNeedle[] } {
  const vault = loadVault({
    context,
    text: a.vault ?? rt.env.PAAS_VAULT,
    file: a.vault_file ?? (store.exists(context) ? store.get(context).vault_file : null),
    env: rt.env,
    envKeys: [STATE_KEY_NAME],
    workspace: rt.workspace,
    redactor: rt.redactor,
  });
  const secret = vault.require(STATE_KEY_NAME, purpose);
  return { secret, needles: vaultNeedles(vault) };
}

const createSchema = z.object({ context: contextName.optional(), out: pathInput.optional(), ...common }).strict();

export function backupCreate(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(createSchema, raw, 'argument');
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.context, { mutating: false, createIfMissing: false });
  const { secret, needles } = keyFor(rt, store, c.name, a, 'backup encryption');
  const out = a.out ?? defaultBackupPath(store, c.name, rt.now());
  const r = createBackup(store, c.name, secret, needles, out, rt.workspace, rt.now());
  store
    .events(c.name, rt.redactor)
    .append('backup.created', `backup of ${c.name} written`, { path: r.path, files: r.files.length, bytes: r.bytes });
  return outcome(rt.redactor, {
    command: 'backup_create',
    context: c.name,
    line: [
      ['context', c.name],
      ['files', r.files.length],
    ],
    fields: { path: r.path, bytes: r.bytes, files: r.files },
    text: `backup of ${c.name} written to ${r.path} (${r.files.length} files, ${r.bytes} bytes, encrypted)`,
    summary: markdownTable(
      ['file', 'bytes', 'sha256'],
      r.files.map((f) => [f.path, String(f.size), f.sha256]),
    ),
  });
}

const verifySchema = z.object({ file: pathInput, context: contextName.optional(), ...common }).strict();

export function backupVerify(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(verifySchema, raw, 'argument');
  const store = openStore(rt, a);
  const data = readBackupFile(a.file);
  const { manifest } = readManifest(data);
  if (a.context && a.context !== manifest.context) {
    throw new PaasError(
      'PAAS_BACKUP_CONTEXT_MISMATCH',
      `the backup belongs to context ${JSON.stringify(manifest.context.slice(0, 64))}, not ${a.context}`,
      { stage: 'backup_verify', remediation: 'Check that this is the backup you mean.' },
    );
  }
  const context = parseInputs(contextName, manifest.context, 'backup context');
  const { secret } = keyFor(rt, store, context, a, 'backup verification');
  const { report } = verifyBackup(data, secret, rt.redactor);
  const fields = { file: a.file, created_at: report.created_at, files: report.files, problems: report.problems };
  if (!report.ok) {
    const e = new PaasError('PAAS_BACKUP_INVALID', `backup verification failed: ${report.problems.join('; ')}`, {
      stage: 'backup_verify',
      target: report.files.find((f) => !f.ok)?.path ?? 'manifest',
      remediation: 'Do not restore this backup; use another one.',
    });
    return failure(rt.redactor, 'backup_verify', context, null, e, fields);
  }
  return outcome(rt.redactor, {
    command: 'backup_verify',
    context,
    line: [
      ['context', context],
      ['files', report.files.length],
    ],
    fields,
    text: `backup of ${context} (${report.created_at}) verified: ${report.files.map((f) => `${f.path} ok`).join(', ')}`,
  });
}

const restoreSchema = z
  .object({ file: pathInput, context: contextName, force: boolInput.default(false), ...common })
  .strict();

type RestoreArgs = z.infer<typeof restoreSchema>;
type Restored = ReturnType<typeof restoreBackup>;
interface RestoreChecks {
  checks: IsolationCheck[];
  doctor: { ran: boolean; ok: boolean; status: string | null };
}

/** Afterwards: the isolation checks on the restored files, then doctor (through the dispatcher). */
async function checkRestored(
  rt: Runtime,
  store: ContextStore,
  a: RestoreArgs,
  needles: readonly SecretNeedle[],
  runOperation: RunOperation,
): Promise<RestoreChecks> {
  const checks: IsolationCheck[] = restoredContextChecks(store, a.context, needles, rt.workspace);
  const o = await runOperation(rt, 'doctor', {
    context: a.context,
    state_root: store.root.path,
    allow_unsafe_state_root: a.allow_unsafe_state_root,
    ...(a.vault ? { vault: a.vault } : {}),
  });
  return { checks, doctor: { ran: true, ok: o.exitCode === 0, status: o.lines.at(-1) ?? null } };
}

/** The restore's outcome: PAAS_DOCTOR_BLOCKED when a check or doctor failed. */
function restoreOutcome(rt: Runtime, a: RestoreArgs, r: Restored, { checks, doctor }: RestoreChecks): Outcome {
  const failed = checks.filter((c) => !c.ok);
  const fields = {
    file: a.file,
    created_at: r.report.created_at,
    files: r.report.files,
    replaced: r.replaced,
    restored: r.stats,
    checks,
    doctor,
  };
  if (failed.length || doctor.ok === false) {
    const why = [
      ...failed.map((c) => `${c.name}: ${c.detail}`),
      ...(doctor.ok === false ? [`doctor: ${doctor.status}`] : []),
    ].join('; ');
    return failure(
      rt.redactor,
      'backup_restore',
      a.context,
      null,
      new PaasError('PAAS_DOCTOR_BLOCKED', `context ${a.context} was restored but fails the isolation checks: ${why}`, {
        stage: 'doctor',
        remediation: 'Fix what the checks name (paas doctor) before using the context.',
      }),
      fields,
    );
  }
  return outcome(rt.redactor, {
    command: 'backup_restore',
    context: a.context,
    line: [
      ['context', a.context],
      ['files', r.report.files.length],
      ['events', r.stats.events_added],
      ['checks', checks.length + (doctor.ran ? 1 : 0)],
    ],
    fields,
    text:
      `context ${a.context} restored from ${a.file} (backup of ${r.report.created_at}); ` +
      `isolation checks passed${doctor.ran ? ', doctor passed' : ''}`,
    summary: markdownTable(
      ['check', 'result', 'detail'],
      checks.map((c) => [c.name, c.ok ? 'ok' : 'fail', c.detail]),
    ),
  });
}

/** Restores a backup, then runs the isolation checks and `doctor` (through `runOperation`, the dispatcher) on it. */
export async function backupRestore(rt: Runtime, raw: unknown, runOperation: RunOperation): Promise<Outcome> {
  const a = parseInputs(restoreSchema, raw, 'argument');
  const store = openStore(rt, a);
  const data = readBackupFile(a.file);
  assertBackupContext(readManifest(data).manifest, a.context);
  const { secret, needles } = keyFor(rt, store, a.context, a, 'backup restore');
  const r = restoreBackup(store, a.context, data, secret, a.force, rt.redactor);
  store
    .events(a.context, rt.redactor)
    .append(
      'backup.restored',
      `context ${a.context} restored from a backup`,
      { path: a.file, created_at: r.report.created_at, replaced: r.replaced },
      'warning',
    );
  return restoreOutcome(rt, a, r, await checkRestored(rt, store, a, needles, runOperation));
}
