import { hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { isTransactionControl, requiresNoTransaction, splitSql, type SqlStatement } from '../../db/sql-split.js';
import type { DbReason } from '../../db/errors.js';

/**
 * The migration plan: every file of the migrations directory, parsed and checked offline.
 *
 * Files are `NNNN_name.sql` (id: 1 to 18 digits; name: letters, digits, `_`, `-`). Plain SQL runs
 * whole in one transaction. dbmate-style files are accepted: the `-- migrate:up` section runs, the
 * `-- migrate:down` section is ignored, and `-- migrate:up transaction:false` runs the up section
 * outside a transaction, one statement at a time.
 */

export const MIGRATION_NAME_RE = /^(\d{1,18})_([A-Za-z0-9_-]+)\.sql$/;

export interface Migration {
  /** canonical decimal id (no leading zeros) */
  id: string;
  filename: string;
  /** path relative to the workspace, for messages and annotations */
  relPath: string;
  absPath: string;
  /** sha256 (hex) of the normalized file text (LF line endings, no BOM) */
  checksum: string;
  /** the SQL that runs */
  up: string;
  /** 1-based line of the file where `up` starts */
  upLine: number;
  transaction: boolean;
  format: 'plain' | 'dbmate';
  /** top-level statements of `up` */
  statements: SqlStatement[];
}

export interface PlanProblem {
  reason: DbReason;
  file: string | null;
  line: number | null;
  message: string;
  remediation: string;
}

export interface Plan {
  dir: string;
  relDir: string;
  migrations: Migration[];
  /** files in the directory that are not migrations (README.md, .gitkeep) */
  ignored: string[];
  problems: PlanProblem[];
}

/** LF line endings, no BOM: the text checksums are computed over. */
export function normalizeSql(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

export function checksumOf(normalized: string): string {
  return hash('sha256', normalized, 'hex');
}

/** `0042` → `42`. */
export function canonicalId(digits: string): string {
  const s = digits.replace(/^0+/, '');
  return s === '' ? '0' : s;
}

export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const UP_RE = /^--\s*migrate:up\b(.*)$/;
const DOWN_RE = /^--\s*migrate:down\b/;

interface Sections {
  up: string;
  upLine: number;
  transaction: boolean;
  format: 'plain' | 'dbmate';
}

/** Splits dbmate-style sections; plain files are all `up`. Throws a PlanProblem-shaped message on bad sections. */
export function parseSections(normalized: string): Sections | { problem: string; line: number } {
  const lines = normalized.split('\n');
  const upIdx: number[] = [];
  const downIdx: number[] = [];
  lines.forEach((l, i) => {
    if (UP_RE.test(l)) upIdx.push(i);
    else if (DOWN_RE.test(l)) downIdx.push(i);
  });
  if (upIdx.length === 0) {
    if (downIdx.length > 0)
      return {
        problem: 'has a -- migrate:down section but no -- migrate:up section',
        line: (downIdx[0] as number) + 1,
      };
    return { up: normalized, upLine: 1, transaction: true, format: 'plain' };
  }
  if (upIdx.length > 1) return { problem: 'has more than one -- migrate:up line', line: (upIdx[1] as number) + 1 };
  if (downIdx.length > 1)
    return { problem: 'has more than one -- migrate:down line', line: (downIdx[1] as number) + 1 };
  const u = upIdx[0] as number;
  const d = downIdx[0];
  if (d !== undefined && d < u) return { problem: 'has its -- migrate:down section before -- migrate:up', line: d + 1 };
  const before = lines.slice(0, u).join('\n');
  if (splitSql(before).statements.length > 0)
    return { problem: 'has SQL before the -- migrate:up line (only comments may precede it)', line: 1 };
  const opts = (UP_RE.exec(lines[u] as string)?.[1] ?? '').trim();
  let transaction = true;
  for (const opt of opts.split(/\s+/).filter(Boolean)) {
    const m = /^transaction:(true|false)$/.exec(opt);
    if (!m) return { problem: `has an unknown -- migrate:up option (only transaction:false is known)`, line: u + 1 };
    transaction = m[1] === 'true';
  }
  const up = lines.slice(u + 1, d === undefined ? lines.length : d).join('\n');
  return { up, upLine: u + 2, transaction, format: 'dbmate' };
}

function problem(
  reason: DbReason,
  file: string | null,
  line: number | null,
  message: string,
  remediation: string,
): PlanProblem {
  return { reason, file, line, message, remediation };
}

/** Comments, string literals ('...', E'...', $tag$...$tag$) and runs of whitespace, in one pass (a quote in a comment starts nothing). */
const HEAD_TOKENS =
  /--[^\n]*|\/\*[\s\S]*?\*\/|(?<![\w$])[Ee]'(?:[^'\\]|\\[\s\S]|'')*'?|'(?:[^']|'')*'?|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)|\s+/g;

/**
 * The beginning of a statement for messages: as written (case kept), comments and extra whitespace
 * removed, the contents of its string literals left out (`'…'`: they are where passwords are
 * written), cut after a whole word. Messages are redacted after this: a cut inside a word (or a
 * literal) would leave a registered secret's first part that no longer matches (docs/redaction.md).
 */
export function statementHead(text: string, max = 80): string {
  const flat = text
    .replace(HEAD_TOKENS, (m) => {
      if (m.startsWith("'")) return "'…'";
      if (/^[Ee]'/.test(m)) return `${m[0]}'…'`;
      if (!m.startsWith('$')) return ' ';
      const quote = m.slice(0, m.indexOf('$', 1) + 1);
      return `${quote}…${quote}`;
    })
    .replace(/\s+/g, ' ')
    .replace(/;\s*$/, '')
    .trim();
  if (flat.length <= max) return flat;
  const cut = flat.lastIndexOf(' ', max);
  return `${cut > 0 ? flat.slice(0, cut) : ''}...`;
}

/**
 * Reads and checks one file (already known to have a valid name). `regular`: the directory listing
 * says it is a regular file (no stat needed; anything else, a symlink too, is stat'ed).
 */
function readMigration(
  absPath: string,
  relPath: string,
  filename: string,
  id: string,
  regular: boolean,
): Migration | PlanProblem {
  const text = readText(absPath, relPath, regular);
  if (typeof text !== 'string') return text;
  const normalized = normalizeSql(text);
  const sections = parseSections(normalized);
  if ('problem' in sections)
    return problem(
      'invalid_migration_sections',
      relPath,
      sections.line,
      `${relPath} ${sections.problem}`,
      'Use plain SQL, or dbmate sections: `-- migrate:up` (optionally `transaction:false`), then `-- migrate:down`.',
    );
  const split = splitSql(sections.up);
  if (split.error) {
    const line = sections.upLine + split.error.line - 1;
    return problem(
      'unterminated_sql',
      relPath,
      line,
      `${relPath}:${line}: ${split.error.kind.replace(/_/g, ' ')}`,
      'Close the string, quoted identifier, dollar quote or comment that starts on that line.',
    );
  }
  const refused = sections.transaction ? transactionalProblem(relPath, sections.upLine, split.statements) : null;
  if (refused) return refused;
  return {
    id,
    filename,
    relPath,
    absPath,
    checksum: checksumOf(normalized),
    up: sections.up,
    upLine: sections.upLine,
    transaction: sections.transaction,
    format: sections.format,
    statements: split.statements,
  };
}

/** Strict UTF-8 (an invalid byte is an error, not U+FFFD); one decoder for every file (decode() without stream keeps no state). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text: a regular file, readable, UTF-8, without NUL bytes. */
function readText(absPath: string, relPath: string, regular: boolean): string | PlanProblem {
  let buf: Buffer;
  try {
    if (!regular && !statSync(absPath).isFile())
      return problem(
        'invalid_migration_name',
        relPath,
        null,
        `${relPath} is not a regular file`,
        'Migrations are regular .sql files directly in the migrations directory.',
      );
    buf = readFileSync(absPath);
  } catch (e) {
    const code = errorCode(e) || 'error';
    return problem(
      'unreadable_migration',
      relPath,
      null,
      `${relPath} cannot be read (${/^E[A-Z]+$/.test(code) ? code : 'read error'})`,
      `Make ${relPath} readable by the runner user (chmod 644).`,
    );
  }
  let text: string;
  try {
    text = UTF8.decode(buf);
  } catch {
    return problem(
      'unreadable_migration',
      relPath,
      null,
      `${relPath} is not valid UTF-8`,
      'Save the migration as UTF-8.',
    );
  }
  if (text.includes('\0'))
    return problem(
      'unreadable_migration',
      relPath,
      null,
      `${relPath} contains a NUL byte`,
      'Migrations are text files.',
    );
  return text;
}

function errorCode(e: unknown): string {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
}

/** In a file that runs in one transaction: no transaction control, nothing PostgreSQL refuses in a transaction. */
function transactionalProblem(relPath: string, upLine: number, statements: SqlStatement[]): PlanProblem | null {
  for (const s of statements) {
    const line = upLine + s.line - 1;
    if (isTransactionControl(s)) {
      return problem(
        'transaction_control_in_migration',
        relPath,
        line,
        `${relPath}:${line}: ${s.words.slice(0, 2).join(' ').toUpperCase()} ends or starts a transaction, ` +
          'but this file already runs in one transaction with its ledger row',
        'Remove BEGIN/COMMIT/ROLLBACK: each file runs in its own transaction. ' +
          'For statements that cannot run in a transaction, start the file with `-- migrate:up transaction:false`.',
      );
    }
    if (requiresNoTransaction(s)) {
      return problem(
        'requires_no_transaction',
        relPath,
        line,
        `${relPath}:${line}: \`${statementHead(s.text)}\` cannot run inside a transaction`,
        'Put this statement in its own file that starts with `-- migrate:up transaction:false` ' +
          '(it then runs outside a transaction, one statement at a time).',
      );
    }
  }
  return null;
}

/** Discovers and checks every migration of `dir`. Never throws for a file problem: they are collected. */
export function discoverPlan(dir: string, relDir: string): Plan {
  const plan: Plan = { dir, relDir, migrations: [], ignored: [], problems: [] };
  const entries = listDir(dir, relDir);
  if (!Array.isArray(entries)) {
    plan.problems.push(entries);
    return plan;
  }
  const byId = new Map<string, Migration>();
  const types = new Map(entries.map((e) => [e.name, e.isFile()]));
  for (const name of [...types.keys()].sort()) {
    const relPath = `${relDir.replace(/\/+$/, '')}/${name}`;
    const m = MIGRATION_NAME_RE.exec(name);
    if (!m) {
      if (/\.sql$/i.test(name) || /^\d/.test(name)) plan.problems.push(misnamed(relPath));
      else plan.ignored.push(name);
      continue;
    }
    const id = canonicalId(m[1] as string);
    const read = readMigration(join(dir, name), relPath, name, id, types.get(name) === true);
    const other = byId.get(id);
    if ('reason' in read) plan.problems.push(read);
    else if (other) plan.problems.push(duplicateId(relPath, id, other));
    else {
      byId.set(id, read);
      plan.migrations.push(read);
    }
  }
  plan.migrations.sort((a, b) => compareIds(a.id, b.id));
  return plan;
}

/** The entries of the migrations directory (names and types), or the problem with the directory. */
function listDir(dir: string, relDir: string): Dirent[] | PlanProblem {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = errorCode(e);
    const what = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : 'cannot be read';
    return problem(
      code === 'ENOENT' || code === 'ENOTDIR' ? 'migrations_dir_missing' : 'unreadable_migration',
      relDir,
      null,
      `migrations directory ${relDir} ${what}`,
      'Create the directory (db/migrations by default) or set db.migrations in paas.yml.',
    );
  }
}

/** A file that looks like a migration (.sql, or a leading digit) but is not named NNNN_name.sql. */
function misnamed(relPath: string): PlanProblem {
  return problem(
    'invalid_migration_name',
    relPath,
    null,
    `${relPath} is not named NNNN_name.sql`,
    'Name migrations <digits>_<name>.sql with letters, digits, _ and - in the name (e.g. 0007_add_orders.sql); ' +
      'down migrations go in a dbmate `-- migrate:down` section, not a separate file.',
  );
}

function duplicateId(relPath: string, id: string, other: Migration): PlanProblem {
  return problem(
    'duplicate_migration_id',
    relPath,
    null,
    `${relPath} has id ${id}, like ${other.relPath}`,
    'Give every migration its own id: renumber the newer file above the highest id.',
  );
}
