import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { PaasError } from '../output/errors.js';
import type { Redactor } from '../redaction/redactor.js';
import { insideRepositoryProblem, realPathLoose } from './state-root.js';

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Parses dotenv text: `KEY=value`, optional `export `, `#` comments, single quotes (literal),
 * double quotes (\n, \t, \", \\ escapes; may span lines). Errors name the line, never the value.
 */
export function parseDotenv(text: string, source = 'vault'): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/s.exec(line);
    if (!m || !KEY_RE.test(m[1] ?? '')) {
      throw new PaasError('PAAS_INVALID_ARGUMENT', `${source} line ${i + 1} is not KEY=value`, {
        stage: 'vault',
        remediation: 'Each vault line must be KEY=value with KEY made of letters, digits and underscores.',
      });
    }
    const key = m[1] as string;
    let value = (m[2] ?? '').trim();
    if (value.startsWith('"')) {
      let body = value.slice(1);
      while (!/(^|[^\\])(\\\\)*"\s*$/.test(body) && i + 1 < lines.length) body += '\n' + (lines[++i] ?? '');
      if (!/(^|[^\\])(\\\\)*"\s*$/.test(body)) {
        throw new PaasError('PAAS_INVALID_ARGUMENT', `${source}: unterminated double quote for key ${key}`, {
          stage: 'vault',
          remediation: 'Close the quoted value.',
        });
      }
      body = body.replace(/"\s*$/, '');
      value = body.replace(
        /\\(n|t|r|"|\\)/g,
        (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' })[c] ?? c,
      );
    } else if (value.startsWith("'")) {
      if (!/'\s*$/.test(value.slice(1))) {
        throw new PaasError('PAAS_INVALID_ARGUMENT', `${source}: unterminated single quote for key ${key}`, {
          stage: 'vault',
          remediation: 'Close the quoted value.',
        });
      }
      value = value.slice(1).replace(/'\s*$/, '');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out.set(key, value);
  }
  return out;
}

/** The secrets of one context. Values are registered with the redactor on load. */
export class Vault {
  constructor(
    readonly context: string,
    private readonly values: ReadonlyMap<string, string>,
    readonly sources: readonly string[],
  ) {}

  has(key: string): boolean {
    return this.values.has(key) && (this.values.get(key) ?? '') !== '';
  }

  get(key: string): string | undefined {
    const v = this.values.get(key);
    return v === '' ? undefined : v;
  }

  keys(): string[] {
    return [...this.values.keys()].sort();
  }

  /** The value, or PAAS_VAULT_UNMAPPED naming the key (never a value). */
  require(key: string, purpose = 'this operation'): string {
    const v = this.get(key);
    if (v === undefined) {
      throw new PaasError(
        'PAAS_VAULT_UNMAPPED',
        `context ${this.context} has no vault value for ${key}, needed by ${purpose}`,
        {
          stage: 'vault',
          remediation:
            `Add ${key} to the context's vault: in Actions, to the environment secret passed as the ` +
            `\`vault\` input (or as a named secret in env); locally, to the vault_file of context ${this.context}.`,
        },
      );
    }
    return v;
  }

  /** Keys from `names` that have no value. */
  missing(names: readonly string[]): string[] {
    return names.filter((n) => !this.has(n));
  }
}

/** Checks a vault file: outside every repository and the workspace, a regular file, mode 0600. */
export function vaultFileProblem(path: string, workspace?: string): string | null {
  const inside = insideRepositoryProblem('vault file', path, workspace);
  if (inside) return inside;
  const real = realPathLoose(path);
  let st;
  try {
    st = statSync(real);
  } catch {
    return `vault file ${real} does not exist`;
  }
  if (!st.isFile()) return `vault file ${real} is not a regular file`;
  if ((st.mode & 0o077) !== 0) return `vault file ${real} has mode ${(st.mode & 0o777).toString(8)}, expected 600`;
  return null;
}

interface LoadVaultOptions {
  context: string;
  /** dotenv text from the `vault` input / PAAS_VAULT (Actions) */
  text?: string | undefined;
  /** the context's vault_file (CLI and self-hosted runners) */
  file?: string | null | undefined;
  /** named secrets passed in env, e.g. POSTGRES_DSN_PROD, picked only when listed */
  env?: NodeJS.ProcessEnv;
  envKeys?: readonly string[];
  workspace?: string | undefined;
  redactor: Redactor;
}

export function loadVault(opts: LoadVaultOptions): Vault {
  const values = new Map<string, string>();
  const sources: string[] = [];
  if (opts.file) {
    const problem = vaultFileProblem(opts.file, opts.workspace);
    if (problem) {
      throw new PaasError('PAAS_VAULT_UNSAFE', problem, {
        stage: 'vault',
        remediation: `Keep the vault of context ${opts.context} outside any repository with mode 0600: chmod 600 <file>.`,
      });
    }
    const text = readFileSync(opts.file, 'utf8');
    for (const [k, v] of parseDotenv(text, 'vault file')) {
      opts.redactor.register(v, k);
      values.set(k, v);
    }
    sources.push('vault_file');
  }
  if (opts.text && opts.text.trim()) {
    const parsed = parseDotenv(opts.text, 'vault input');
    for (const v of parsed.values()) opts.redactor.register(v);
    for (const [k, v] of parsed) values.set(k, v);
    sources.push('input');
  }
  for (const key of opts.envKeys ?? []) {
    const v = opts.env?.[key];
    if (v) {
      opts.redactor.register(v, key);
      values.set(key, v);
      sources.push(`env:${key}`);
    }
  }
  return new Vault(opts.context, values, sources);
}

/** What makes two vault files the same file, or the same secrets, whatever their paths say. */
export interface VaultIdentity {
  /** real path (symlinks resolved) */
  real: string;
  /** `dev:ino` of the file (hard links share it), null when it cannot be read */
  inode: string | null;
  /** SHA-256 of the content with line endings and blank lines normalized, null when unreadable or empty */
  content: string | null;
}

export function vaultIdentity(path: string): VaultIdentity {
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch {
    real = realPathLoose(path);
  }
  let inode: string | null = null;
  let content: string | null = null;
  try {
    const st = statSync(real);
    if (st.isFile()) {
      inode = `${st.dev}:${st.ino}`;
      if (st.size <= 1_000_000) {
        const text = readFileSync(real, 'utf8')
          .replace(/^\uFEFF/, '')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
          .join('\n');
        if (text) content = createHash('sha256').update(text).digest('hex');
      }
    }
  } catch {
    /* unreadable: only the path can be compared */
  }
  return { real, inode, content };
}

/** How `a` and `b` are the same vault ('path', 'inode' for hard links, 'content' for copies), or null. */
export function sameVault(a: VaultIdentity, b: VaultIdentity): 'path' | 'inode' | 'content' | null {
  if (a.real === b.real) return 'path';
  if (a.inode && a.inode === b.inode) return 'inode';
  if (a.content && a.content === b.content) return 'content';
  return null;
}
