import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRootProblem } from '../../isolation/state-root.js';
import type { ContextPaths, ContextStore } from '../../isolation/store.js';
import { vaultFileProblem } from '../../isolation/vault.js';
import { findSecret, type SecretNeedle } from '../../persistence/scan.js';
import { openDatabase } from '../../state/db.js';

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

type Entry = { path: string; mode: number; dir: boolean };

function walk(dir: string, out: Entry[] = []): Entry[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

function stateRootCheck(store: ContextStore, workspace?: string): IsolationCheck {
  const rootProblem = stateRootProblem(store.root.path, workspace);
  return {
    name: 'state_root_outside_repo',
    ok: !rootProblem,
    detail: rootProblem ?? `state root ${store.root.path} is outside every repository`,
  };
}

function vaultCheck(store: ContextStore, context: string, workspace?: string): IsolationCheck {
  const config = store.get(context);
  const vaultProblem = config.vault_file ? vaultFileProblem(config.vault_file, workspace) : null;
  return {
    name: 'context_vault_outside_repo',
    ok: !vaultProblem,
    detail:
      vaultProblem ??
      (config.vault_file
        ? 'the vault file is outside every repository with mode 0600'
        : 'no vault file (secrets come from the vault input or env)'),
  };
}

function privateModesCheck(dir: string, entries: Entry[]): IsolationCheck {
  const loose = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => e.path.slice(dir.length + 1));
  return {
    name: 'private_modes',
    ok: loose.length === 0,
    detail: loose.length ? `readable by group/others: ${loose.join(', ')}` : 'every file 0600 and directory 0700',
  };
}

/** Rows of state.db that belong to another context. */
function foreignRows(stateDb: string, context: string): number {
  if (!existsSync(stateDb)) return 0;
  const db = openDatabase(stateDb, { readOnly: true });
  try {
    const r = db
      .prepare(
        'SELECT (SELECT count(*) FROM history WHERE context != ?) + ' +
          '(SELECT count(*) FROM kv WHERE context != ?) AS n',
      )
      .get(context, context) as { n: number };
    return r.n;
  } finally {
    db.close();
  }
}

/** Events in the context's event files that belong to another context. */
function foreignEvents(eventsDir: string, entries: Entry[], context: string): number {
  let foreign = 0;
  for (const e of entries.filter((x) => !x.dir && x.path.startsWith(eventsDir) && x.path.endsWith('.jsonl'))) {
    for (const line of readFileSync(e.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        if ((JSON.parse(line) as { context?: unknown }).context !== context) foreign++;
      } catch {
        /* unparseable lines are skipped by the event reader */
      }
    }
  }
  return foreign;
}

function contaminationCheck(p: ContextPaths, entries: Entry[], context: string): IsolationCheck {
  const foreign = foreignRows(p.stateDb, context) + foreignEvents(p.events, entries, context);
  return {
    name: 'cross_context_contamination',
    ok: foreign === 0,
    detail: foreign ? `${foreign} row(s)/event(s) of another context` : `every row and event belongs to ${context}`,
  };
}

function noVaultValueCheck(dir: string, entries: Entry[], needles: readonly SecretNeedle[]): IsolationCheck {
  const files = entries
    .filter((e) => !e.dir)
    .map((e) => ({ path: e.path.slice(dir.length + 1), data: readFileSync(e.path) }));
  const hit = findSecret(files, needles);
  return {
    name: 'no_vault_value_in_state',
    ok: !hit,
    detail: hit ? `${hit.file} holds the vault value of ${hit.key}` : `${files.length} file(s) hold no vault value`,
  };
}

export function restoredContextChecks(
  store: ContextStore,
  context: string,
  needles: readonly SecretNeedle[],
  workspace?: string,
): IsolationCheck[] {
  const checks = [stateRootCheck(store, workspace), vaultCheck(store, context, workspace)];
  const p = store.paths(context);
  const entries = walk(p.dir);
  checks.push(
    privateModesCheck(p.dir, entries),
    contaminationCheck(p, entries, context),
    noVaultValueCheck(p.dir, entries, needles),
  );
  return checks;
}
