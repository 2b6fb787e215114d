import { afterAll, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '../lib/cli/cli.js';

/** A temporary directory outside the repository, removed by the returned cleanup. */
export function tempDir(prefix = 'paas-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function rmrf(p: string): void {
  rmSync(p, { recursive: true, force: true });
}

/** Makes temporary directories (`defaultPrefix` unless given one) that are removed after the test file. */
export function tempDirs(defaultPrefix?: string): (prefix?: string) => string {
  const made: string[] = [];
  afterAll(() => made.forEach(rmrf));
  return (prefix = defaultPrefix) => {
    const d = tempDir(prefix);
    made.push(d);
    return d;
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: () => {
    ok: boolean;
    command: string;
    context: string | null;
    mode: string | null;
    fields: Record<string, unknown>;
    error?: { code: string; stage: string; message: string; remediation: string };
  };
}

/** Runs the CLI in-process (same code as dist/cli) with a clean env. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PATH: process.env.PATH, HOME: env.HOME ?? tempDir('paas-home-'), ...env },
    cwd,
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') };
}

/** Every file under a directory with its mode, relative paths sorted. */
export function listTree(root: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      out.push({ path: relative(root, p), mode: st.mode & 0o777, dir: st.isDirectory() });
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** paas.yml's `db` section when the file sets none of it: pinned once for every test that checks the defaults. */
export const PAAS_YML_DB_DEFAULTS = {
  migrations: 'db/migrations',
  dsn: 'POSTGRES_DSN_PROD',
  ledger_schema: 'public',
  ledger_table: 'schema_migrations',
  lock_wait: 60_000,
  lock_timeout: 5000,
  statement_timeout: 600_000,
  lock_retries: 3,
  retry_delay: 2000,
  connect_timeout: 10_000,
  progress_interval: 10_000,
} as const;

/**
 * The record a `--import` hook wrote at exit for the one process that ran `entry` (dist/<entry>):
 * the hook appends one JSON line per process to `out`, with the process's `entry` (argv[1]).
 */
export function hookRecordOf<T extends { entry: string }>(out: string, entry: string): T {
  const runs = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T)
    .filter((r) => r.entry.endsWith(entry));
  expect(runs).toHaveLength(1);
  return runs[0] as T;
}

/**
 * [before, after] around a token right after an escape sequence, where the token's first
 * character follows a letter or digit: a JSON or C string's \n or \t, URL encoding (%3D, a
 * URL-encoded JSON string), \x and \u escapes. Each must still find (and redact) the token.
 */
export const AFTER_ESCAPE_CONTEXTS: ReadonlyArray<readonly [string, string]> = [
  ['{"motd": "rotate these:\\n', '\\nthanks"}\n'],
  ['log("a\\t', '")\n'],
  ['https://hooks.example.net/cb?cfg=token%3D', '%26v%3D1\n'],
  ['state=%7B%22t%22%3A%22', '%22%7D\n'],
  ['s = "\\x3d', '"\n'],
  ['s = "\\u003d', '"\n'],
];
