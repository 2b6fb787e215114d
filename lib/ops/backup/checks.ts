import { DatabaseSync } from 'node:sqlite';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRootProblem } from '../../isolation/state-root.js';
import type { ContextStore } from '../../isolation/store.js';
import { vaultFileProblem } from '../../isolation/vault.js';
import { findSecret, type SecretNeedle } from '../../persistence/scan.js';

/**
 * The isolation checks a restored context must pass, on the restored files themselves: the
 * state root outside any repository, the context's vault file safe, private modes, no row or
 * event of another context, no vault value anywhere in the context directory.
 */
export interface IsolationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

function walk(
  dir: string,
  out: Array<{ path: string; mode: number; dir: boolean }> = [],
): Array<{ path: string; mode: number; dir: boolean }> {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

export function restoredContextChecks(
  store: ContextStore,
  context: string,
  needles: readonly SecretNeedle[],
  workspace?: string,
): IsolationCheck[] {
  const checks: IsolationCheck[] = [];
  const rootProblem = stateRootProblem(store.root.path, workspace);
  checks.push({
    name: 'state_root_outside_repo',
    ok: !rootProblem,
    detail: rootProblem ?? `state root ${store.root.path} is outside every repository`,
  });

  const config = store.get(context);
  const vaultProblem = config.vault_file ? vaultFileProblem(config.vault_file, workspace) : null;
  checks.push({
    name: 'context_vault_outside_repo',
    ok: !vaultProblem,
    detail:
      vaultProblem ??
      (config.vault_file
        ? 'the vault file is outside every repository with mode 0600'
        : 'no vault file (secrets come from the vault input or env)'),
  });

  const p = store.paths(context);
  const entries = walk(p.dir);
  const loose = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => e.path.slice(p.dir.length + 1));
  checks.push({
    name: 'private_modes',
    ok: loose.length === 0,
    detail: loose.length ? `readable by group/others: ${loose.join(', ')}` : 'every file 0600 and directory 0700',
  });

  let foreign = 0;
  if (existsSync(p.stateDb)) {
    const db = new DatabaseSync(p.stateDb, { readOnly: true });
    try {
      const r = db
        .prepare(
          'SELECT (SELECT count(*) FROM history WHERE context != ?) + (SELECT count(*) FROM kv WHERE context != ?) AS n',
        )
        .get(context, context) as { n: number };
      foreign += r.n;
    } finally {
      db.close();
    }
  }
  for (const e of entries.filter((x) => !x.dir && x.path.startsWith(p.events) && x.path.endsWith('.jsonl'))) {
    for (const line of readFileSync(e.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        if ((JSON.parse(line) as { context?: unknown }).context !== context) foreign++;
      } catch {
        /* unparseable lines are skipped by the event reader */
      }
    }
  }
  checks.push({
    name: 'cross_context_contamination',
    ok: foreign === 0,
    detail: foreign ? `${foreign} row(s)/event(s) of another context` : `every row and event belongs to ${context}`,
  });

  const files = entries
    .filter((e) => !e.dir)
    .map((e) => ({ path: e.path.slice(p.dir.length + 1), data: readFileSync(e.path) }));
  const hit = findSecret(files, needles);
  checks.push({
    name: 'no_vault_value_in_state',
    ok: !hit,
    detail: hit ? `${hit.file} holds the vault value of ${hit.key}` : `${files.length} file(s) hold no vault value`,
  });
  return checks;
}
