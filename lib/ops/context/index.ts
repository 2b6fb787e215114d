import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import {
  contextConfigSchema,
  contextExportSchema,
  webhookPolicySchema,
  type ContextConfig,
  type ContextExport,
} from '../../isolation/context.js';
import { CONTEXT_TYPES, assertPlainPath, contextName, impliedContextType } from '../../isolation/names.js';
import type { ContextStore } from '../../isolation/store.js';
import { parseDotenv, sameVault, vaultFileProblem, vaultIdentity } from '../../isolation/vault.js';
import { boolInput, parseInputs, pathInput } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openStore, resolveContext } from '../../runtime/session.js';
import { mkdirPrivate, writeFilePrivate } from '../../state/fs-safe.js';

const rootInputs = {
  state_root: pathInput.optional(),
  allow_unsafe_state_root: boolInput.default(false),
};

const SECRET_KEY_RE = /secret|token|password|passwd|credential|private_?key|api_?key|vault|dsn/i;

function summaryOf(c: ContextConfig): Record<string, unknown> {
  return {
    name: c.name,
    type: c.type,
    state_root: c.state_root,
    vault_file: c.vault_file,
    default_targets: c.default_targets,
    webhook_policy: c.webhook_policy,
    audit_sink: c.audit_sink,
    created_at: c.created_at,
  };
}

const createSchema = z
  .object({
    name: contextName,
    type: z.enum(CONTEXT_TYPES).optional(),
    vault_file: pathInput.optional(),
    default_targets: z.array(z.string()).optional(),
    events: z.array(z.string()).optional(),
    branches: z.array(z.string()).optional(),
    actors: z.array(z.string()).optional(),
    ...rootInputs,
  })
  .strict();

/** A new context's vault file must be safe and no other context's vault (same path, hard link or content). */
function assertOwnVaultFile(rt: Runtime, store: ContextStore, vaultFile: string): void {
  const problem = vaultFileProblem(vaultFile, rt.workspace);
  if (problem)
    throw new PaasError('PAAS_VAULT_UNSAFE', problem, {
      stage: 'vault',
      remediation: 'Keep the vault file outside any repository with mode 0600 (chmod 600 <file>).',
    });
  const mine = vaultIdentity(vaultFile);
  for (const c of store.list()) {
    if (!c.vault_file) continue;
    const how = sameVault(mine, vaultIdentity(c.vault_file));
    if (!how) continue;
    const what = {
      path: 'is already the vault file',
      inode: 'is a hard link to the vault file',
      content: 'has the same content as the vault file',
    }[how];
    throw new PaasError('PAAS_VAULT_UNSAFE', `vault file ${vaultFile} ${what} of context ${c.name}`, {
      stage: 'vault',
      remediation:
        'Give every context its own vault file with its own secrets ' +
        '(one vault per context; copy keys only with different values).',
    });
  }
}

export function contextCreate(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(createSchema, raw, 'argument');
  const type = a.type ?? impliedContextType(a.name);
  if (!type) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `the type of context ${a.name} cannot be inferred from its name`, {
      remediation:
        'Pass --type internal|demo|customer, or use a recommended name: internal-dogfood, oss-demo, customer-<id>.',
    });
  }
  const store = openStore(rt, a);
  // stored absolute: a relative path would name another file from another working directory
  const vaultFile = a.vault_file ? resolve(rt.cwd, assertPlainPath(a.vault_file, '--vault-file', 'vault')) : null;
  if (vaultFile) assertOwnVaultFile(rt, store, vaultFile);
  const policy = parseInputs(
    webhookPolicySchema,
    { events: a.events, branches: a.branches, actors: a.actors },
    'argument',
  );
  const config = parseInputs(
    contextConfigSchema,
    {
      name: a.name,
      type,
      state_root: store.root.path,
      vault_file: vaultFile,
      default_targets: a.default_targets ?? [],
      webhook_policy: policy,
      created_at: rt.now().toISOString(),
    },
    'argument',
  );
  store.create(config);
  store.events(config.name, rt.redactor).append('context.created', `context ${config.name} created`, { type });
  if (!store.selected()) store.select(config.name);
  return outcome(rt.redactor, {
    command: 'context_create',
    context: config.name,
    line: [
      ['context', config.name],
      ['kind', type],
    ],
    fields: summaryOf(config),
    text: `created context ${config.name} (${type}) in ${store.paths(config.name).dir}`,
  });
}

export function contextList(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(z.object(rootInputs).strict(), raw, 'argument');
  const store = openStore(rt, a);
  const list = store.list();
  const selected = store.selected();
  return outcome(rt.redactor, {
    command: 'context_list',
    context: selected,
    line: [['contexts', list.length]],
    fields: { selected, contexts: list.map((c) => ({ name: c.name, type: c.type, selected: c.name === selected })) },
    text: list.length
      ? list.map((c) => `${c.name === selected ? '*' : ' '} ${c.name} (${c.type})`).join('\n')
      : 'no contexts yet: paas context create <name>',
    summary: markdownTable(
      ['context', 'type'],
      list.map((c) => [c.name, c.type]),
    ),
  });
}

const nameSchema = z.object({ name: contextName, ...rootInputs }).strict();
const optionalNameSchema = z.object({ name: contextName.optional(), ...rootInputs }).strict();

export function contextUse(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(nameSchema, raw, 'argument');
  const store = openStore(rt, a);
  store.select(a.name);
  return outcome(rt.redactor, {
    command: 'context_use',
    context: a.name,
    line: [['context', a.name]],
    text: `now using context ${a.name}`,
  });
}

export function contextShow(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(optionalNameSchema, raw, 'argument');
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.name, { mutating: false, createIfMissing: false });
  const p = store.paths(c.name);
  const contents = store.contents(c.name, rt.redactor);
  return outcome(rt.redactor, {
    command: 'context_show',
    context: c.name,
    line: [
      ['context', c.name],
      ['kind', c.type],
    ],
    fields: { ...summaryOf(c), paths: p, ...contents },
    text: JSON.stringify({ ...summaryOf(c), dir: p.dir, ...contents }, null, 2),
  });
}

export function contextRemove(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(
    z.object({ name: contextName, force: boolInput.default(false), ...rootInputs }).strict(),
    raw,
    'argument',
  );
  const store = openStore(rt, a);
  store.remove(a.name, a.force, rt.redactor);
  return outcome(rt.redactor, {
    command: 'context_remove',
    context: a.name,
    line: [['context', a.name]],
    text: `removed context ${a.name}`,
  });
}

const exportSchema = z
  .object({
    name: contextName,
    out: pathInput.optional(),
    dangerously_include_secrets: boolInput.default(false),
    ...rootInputs,
  })
  .strict();

/** The export document of a context; its vault's values only with --dangerously-include-secrets. */
function exportDoc(
  rt: Runtime,
  c: ContextConfig,
  includeSecrets: boolean,
): ContextExport & { vault?: Record<string, string> } {
  const doc: ContextExport & { vault?: Record<string, string> } = {
    format: 'paas-context-export/1',
    name: c.name,
    type: c.type,
    default_targets: c.default_targets,
    webhook_policy: c.webhook_policy,
    audit_sink: c.audit_sink,
  };
  if (includeSecrets) {
    if (!c.vault_file)
      throw new PaasError('PAAS_VAULT_UNMAPPED', `context ${c.name} has no vault file to export`, {
        remediation: 'Export without --dangerously-include-secrets.',
      });
    rt.logger.warn(
      `DANGER: the export of ${c.name} includes vault secrets; keep it out of any repository and delete it after use`,
    );
    doc.vault = Object.fromEntries(parseDotenv(readFileSync(c.vault_file, 'utf8')));
  }
  return doc;
}

function writeExport(out: string, text: string): void {
  try {
    writeFilePrivate(out, text);
  } catch (e) {
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `export file ${out} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        stage: 'export',
        remediation: 'Pass --out as a file path in an existing, writable directory (outside any repository).',
      },
    );
  }
}

export function contextExport(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(exportSchema, raw, 'argument');
  const store = openStore(rt, a);
  const c = store.get(a.name);
  const doc = exportDoc(rt, c, a.dangerously_include_secrets);
  const text = JSON.stringify(doc, null, 2) + '\n';
  const out = a.out ? resolve(rt.cwd, assertPlainPath(a.out, '--out')) : null;
  if (out) writeExport(out, text);
  store
    .events(c.name, rt.redactor)
    .append('context.exported', `context ${c.name} exported`, { secrets_included: a.dangerously_include_secrets });
  // the envelope/text never carry vault values: the redactor would mask them, and we leave them out entirely
  const { vault: _v, ...publicDoc } = doc;
  return outcome(rt.redactor, {
    command: 'context_export',
    context: c.name,
    line: [['context', c.name]],
    fields: { export: publicDoc, out, secrets_included: a.dangerously_include_secrets },
    text: out ? `exported context ${c.name} to ${out}` : JSON.stringify(publicDoc, null, 2),
  });
}

/** Keys of an export document that look like secrets (by name, or by value through the redactor's patterns). */
function secretLikeKeys(rt: Runtime, value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretLikeKeys(rt, v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = path ? `${path}.${k}` : k;
      return SECRET_KEY_RE.test(k) ? [p] : secretLikeKeys(rt, v, p);
    });
  }
  if (typeof value === 'string' && rt.redactor.containsSecret(value)) return [path || '(value)'];
  return [];
}

const importSchema = z
  .object({
    file: pathInput,
    name: contextName.optional(),
    dangerously_include_secrets: boolInput.default(false),
    ...rootInputs,
  })
  .strict();

/** The import file as JSON; refuses secret-like keys unless --dangerously-include-secrets. */
function readImportDoc(rt: Runtime, a: z.infer<typeof importSchema>): unknown {
  const file = resolve(rt.cwd, assertPlainPath(a.file, 'import file'));
  if (!existsSync(file))
    throw new PaasError('PAAS_INVALID_ARGUMENT', `import file ${file} does not exist`, {
      remediation: 'Pass the path of a file written by `paas context export`.',
    });
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `import file ${file} is not JSON`, {
      remediation: 'Pass the path of a file written by `paas context export`.',
    });
  }
  const secretKeys = secretLikeKeys(rt, doc);
  if (secretKeys.length && !a.dangerously_include_secrets) {
    throw new PaasError('PAAS_SECRET_IN_IMPORT', `import file holds secret-like keys: ${secretKeys.join(', ')}`, {
      stage: 'import',
      remediation:
        'Import metadata only (remove those keys), or pass --dangerously-include-secrets ' +
        "to write them into the new context's private vault file.",
    });
  }
  return doc;
}

/**
 * The vault entries of an import document (well-formed keys with string values), and with
 * --dangerously-include-secrets the new context's vault file they go to (null otherwise).
 */
function importedVault(
  rt: Runtime,
  store: ContextStore,
  name: string,
  doc: unknown,
  includeSecrets: boolean,
): { vaultFile: string | null; vaultEntries: Array<[string, unknown]> } {
  const vault = (doc as { vault?: unknown }).vault;
  const vaultEntries =
    vault && typeof vault === 'object'
      ? Object.entries(vault as Record<string, unknown>).filter(
          ([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof v === 'string',
        )
      : [];
  if (!includeSecrets || !vaultEntries.length) return { vaultFile: null, vaultEntries };
  const dir = join(store.root.path, 'vaults');
  mkdirPrivate(dir);
  const vaultFile = join(dir, `${name}.env`);
  if (existsSync(vaultFile))
    throw new PaasError('PAAS_VAULT_UNSAFE', `a vault file for ${name} already exists`, {
      remediation: `Remove ${vaultFile} first or import under another name.`,
    });
  for (const [, v] of vaultEntries) rt.redactor.register(v as string);
  rt.logger.warn(`DANGER: importing ${vaultEntries.length} vault secret(s) into ${vaultFile}`);
  return { vaultFile, vaultEntries };
}

export function contextImport(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(importSchema, raw, 'argument');
  const doc = readImportDoc(rt, a);
  const parsed = parseInputs(contextExportSchema(), doc, 'import field');
  const name = a.name ?? parsed.name;
  const store = openStore(rt, a);
  const { vaultFile, vaultEntries } = importedVault(rt, store, name, doc, a.dangerously_include_secrets);
  const config = contextConfigSchema.parse({
    name,
    type: parsed.type,
    state_root: store.root.path,
    vault_file: vaultFile,
    default_targets: parsed.default_targets,
    webhook_policy: parsed.webhook_policy,
    audit_sink: parsed.audit_sink,
    created_at: rt.now().toISOString(),
  });
  store.create(config);
  if (vaultFile)
    writeFilePrivate(vaultFile, vaultEntries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n');
  store
    .events(name, rt.redactor)
    .append('context.imported', `context ${name} imported`, { secrets_included: Boolean(vaultFile) });
  return outcome(rt.redactor, {
    command: 'context_import',
    context: name,
    line: [
      ['context', name],
      ['kind', parsed.type],
    ],
    fields: summaryOf(config),
    text: `imported context ${name} (${parsed.type})`,
  });
}
