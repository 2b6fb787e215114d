/**
 * The checks on configured private state: where the state root is, the contexts under it, their
 * vaults, and whether two contexts share a target, a vault or events. They read only; they never
 * create a state root or a context, and they work when none is configured (fork pull requests).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ContextConfig } from '../../isolation/context.js';
import { CONTEXT_NAME_RE } from '../../isolation/names.js';
import { isInside, realPathLoose, stateRootProblem, stateRootUsability } from '../../isolation/state-root.js';
import { ContextStore } from '../../isolation/store.js';
import { openDatabase, type DatabaseSync } from '../../state/db.js';
import { parseDotenv, sameVault, vaultFileProblem, vaultIdentity, type VaultIdentity } from '../../isolation/vault.js';
import { findingId } from './fingerprint.js';
import { safeText } from './report.js';
import type { CheckName, Finding, Severity } from './types.js';

export interface StateView {
  /** the state root as configured (absolute, symlinks not resolved) */
  configured: string;
  /** its real path */
  root: string;
  exists: boolean;
  contexts: ContextConfig[];
  /** contexts whose config.json could not be read */
  unreadable: string[];
}

/** The contexts under a state root, read without the guard (doctor must look at unsafe roots too). */
export function readStateRoot(root: string): StateView {
  const real = realPathLoose(root);
  const view: StateView = { configured: root, root: real, exists: existsSync(real), contexts: [], unreadable: [] };
  const store = new ContextStore({ path: real, unsafe: true });
  if (!existsSync(store.contextsDir)) return view;
  let names: string[];
  try {
    names = readdirSync(store.contextsDir)
      .filter((n) => CONTEXT_NAME_RE.test(n))
      .sort();
  } catch {
    return view;
  }
  for (const n of names) {
    if (!existsSync(join(store.contextsDir, n, 'config.json'))) continue;
    try {
      view.contexts.push(store.get(n));
    } catch {
      view.unreadable.push(n);
    }
  }
  return view;
}

/** `locator` is public data only (context names, paths, target ids): the id never derives from a value or a host. */
function finding(
  check: CheckName,
  kind: string,
  severity: Severity,
  preview: string,
  locator: string,
  file?: string,
): Finding {
  const f: Finding = {
    check,
    kind,
    severity,
    preview: safeText(preview),
    fingerprint: findingId(check, kind, file ?? '', locator),
  };
  if (file) f.file = file;
  return f;
}

/** state_root_outside_repo: the state root's real path is outside every git work tree, the workspace and the scanned tree. */
export function checkStateRoot(
  view: StateView,
  opts: { workspace?: string | undefined; scanRoot?: string | null; unsafeOverride: boolean },
): Finding[] {
  const out: Finding[] = [];
  let problem = stateRootProblem(view.root, opts.workspace);
  if (!problem && opts.scanRoot && isInside(view.root, realPathLoose(opts.scanRoot)))
    problem = `state root ${view.root} is inside the checked tree ${opts.scanRoot}`;
  if (problem) {
    out.push(
      finding(
        'state_root_outside_repo',
        'state_root_inside_repo',
        'critical',
        `${problem}${opts.unsafeOverride ? ' (unsafe override in use)' : ''}`,
        view.root,
      ),
    );
  }
  const unusable = stateRootUsability(view.configured);
  if (unusable) out.push(finding('state_root_outside_repo', 'state_root_unusable', 'high', unusable, view.root));
  if (view.exists && !unusable) {
    try {
      const mode = statSync(view.root).mode & 0o777;
      if (mode & 0o077)
        out.push(
          finding(
            'state_root_outside_repo',
            'state_root_mode',
            'high',
            `state root ${view.root} has mode ${mode.toString(8)}, expected 700`,
            view.root,
          ),
        );
    } catch {
      /* vanished meanwhile */
    }
  }
  return out;
}

function sha(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

function realOrSelf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return realPathLoose(p);
  }
}

/** context_vault_outside_repo: every vault file outside repositories and the workspace, a regular file, mode 0600, one per context. */
export function checkVaults(
  view: StateView,
  opts: { workspace?: string | undefined; scanRoot?: string | null },
): Finding[] {
  const out: Finding[] = [];
  const seen: Array<{ name: string; id: VaultIdentity }> = [];
  for (const c of view.contexts) {
    if (!c.vault_file) continue;
    let problem = vaultFileProblem(c.vault_file, opts.workspace);
    const real = realOrSelf(c.vault_file);
    if (!problem && opts.scanRoot && isInside(real, realPathLoose(opts.scanRoot)))
      problem = `vault file ${real} is inside the checked tree`;
    if (problem) {
      const kind = /mode/.test(problem)
        ? 'vault_file_mode'
        : /does not exist|not a regular/.test(problem)
          ? 'vault_file_missing'
          : 'vault_inside_repo';
      out.push(
        finding(
          'context_vault_outside_repo',
          kind,
          kind === 'vault_file_missing' ? 'high' : 'critical',
          `context ${c.name}: ${problem}`,
          `${c.name}:${real}`,
        ),
      );
    }
    const id = vaultIdentity(c.vault_file);
    const other = seen.find((o) => {
      const how = sameVault(o.id, id);
      return how === 'path' || how === 'inode';
    });
    if (other)
      out.push(
        finding(
          'context_vault_outside_repo',
          'vault_shared',
          'critical',
          `contexts ${other.name} and ${c.name} use the same vault file`,
          `${other.name}:${c.name}`,
        ),
      );
    else seen.push({ name: c.name, id });
  }
  return out;
}

/** Target addresses from a vault's PAAS_TARGETS (`id=user@host:port` or `id=local:<dir>`), by id. */
export function parseTargets(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of value.split(/[\s,]+/)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const id = item.slice(0, eq);
    let addr = item.slice(eq + 1).trim();
    if (!addr) continue;
    if (addr.startsWith('local:')) addr = `local:${realPathLoose(addr.slice(6))}`;
    else {
      const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(addr);
      if (m) addr = `${(m[2] ?? '').toLowerCase()}:${m[3] ?? '22'}`;
    }
    out.set(id, addr);
  }
  return out;
}

function readVault(file: string): Map<string, string> | null {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > 1_000_000) return null;
    return parseDotenv(readFileSync(file, 'utf8'), 'vault file');
  } catch {
    return null;
  }
}

/** The vault values of each context with a readable vault file (for registration and contamination). */
export function contextVaults(view: StateView): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const c of view.contexts) {
    if (!c.vault_file) continue;
    const v = readVault(c.vault_file);
    if (v) out.set(c.name, v);
  }
  return out;
}

const SHARED_VALUE_KEYS = ['PAAS_SSH_KEY', 'PAAS_STATE_KEY', 'PAAS_WEBHOOK_SECRET', 'POSTGRES_DSN_PROD'];

type Vaults = Map<string, Map<string, string>>;
const CONTAMINATION: CheckName = 'cross_context_contamination';

/** cross_context_contamination: a target, vault, state path or event shared by two contexts. */
export function checkContamination(view: StateView, vaults: Vaults): Finding[] {
  const out: Finding[] = [];
  for (const n of view.unreadable)
    out.push(
      finding(
        CONTAMINATION,
        'context_unreadable',
        'high',
        `context ${n}: config.json cannot be read, isolation cannot be proven`,
        n,
      ),
    );
  const store = new ContextStore({ path: view.root, unsafe: true });
  sharedTargets(view, vaults, out);
  sharedVaults(view, vaults, out);
  sharedVaultFiles(view, out);
  sharedStatePaths(view, store, out);
  const eventOwner = new Map<string, string>();
  for (const c of view.contexts) eventFindings(c.name, store.paths(c.name).events, eventOwner, out);
  for (const c of view.contexts) foreignHistory(c.name, store.paths(c.name).stateDb, out);
  return out;
}

/** targets: the same address in two contexts */
function sharedTargets(view: StateView, vaults: Vaults, out: Finding[]): void {
  const targetOwner = new Map<string, { context: string; id: string }>();
  for (const c of view.contexts) {
    const v = vaults.get(c.name);
    const targets = v?.get('PAAS_TARGETS');
    if (!targets) continue;
    for (const [id, addr] of parseTargets(targets)) {
      const owner = targetOwner.get(addr);
      if (owner && owner.context !== c.name)
        out.push(
          finding(
            CONTAMINATION,
            'shared_target',
            'critical',
            `target ${owner.id} of ${owner.context} and target ${id} of ${c.name} are the same address`,
            `${owner.context}:${c.name}:${owner.id}:${id}`,
          ),
        );
      else if (!owner) targetOwner.set(addr, { context: c.name, id });
    }
  }
}

/** vaults: the same file content, or the same value of a paas key */
function sharedVaults(view: StateView, vaults: Vaults, out: Finding[]): void {
  const contentOwner = new Map<string, string>();
  const valueOwner = new Map<string, string>();
  for (const c of view.contexts) {
    const v = vaults.get(c.name);
    if (!v || v.size === 0) continue;
    const digest = sha(JSON.stringify([...v].sort()));
    const sameContent = contentOwner.get(digest);
    if (sameContent)
      out.push(
        finding(
          CONTAMINATION,
          'shared_vault',
          'critical',
          `contexts ${sameContent} and ${c.name} have identical vaults`,
          `${sameContent}:${c.name}`,
        ),
      );
    else contentOwner.set(digest, c.name);
    for (const key of SHARED_VALUE_KEYS) {
      const value = v.get(key);
      if (!value) continue;
      const h = sha(`${key}\0${value}`);
      const owner = valueOwner.get(h);
      if (owner && owner !== c.name && !sameContent)
        out.push(
          finding(
            CONTAMINATION,
            'shared_vault_value',
            'critical',
            `contexts ${owner} and ${c.name} share the value of ${key}`,
            `${owner}:${c.name}:${key}`,
          ),
        );
      else if (!owner) valueOwner.set(h, c.name);
    }
  }
}

/** the same vault file under two paths: a symlink (real path) or a hard link (inode), readable or not */
function sharedVaultFiles(view: StateView, out: Finding[]): void {
  const seen: Array<{ name: string; id: VaultIdentity }> = [];
  for (const c of view.contexts) {
    if (!c.vault_file) continue;
    const id = vaultIdentity(c.vault_file);
    const owner = seen.find((o) => {
      const how = sameVault(o.id, id);
      return how === 'path' || how === 'inode';
    });
    if (owner)
      out.push(
        finding(
          CONTAMINATION,
          'shared_vault',
          'critical',
          `contexts ${owner.name} and ${c.name} use the same vault file${sameVault(owner.id, id) === 'inode' ? ' (hard links)' : ''}`,
          `${owner.name}:${c.name}:path`,
        ),
      );
    else seen.push({ name: c.name, id });
  }
}

/** state paths: events/, state.db, cache/ resolving to the same place (symlinks) */
function sharedStatePaths(view: StateView, store: ContextStore, out: Finding[]): void {
  const pathOwner = new Map<string, string>();
  for (const c of view.contexts) {
    const p = store.paths(c.name);
    for (const [what, path] of [
      ['events', p.events],
      ['state.db', p.stateDb],
      ['cache', p.cache],
    ] as const) {
      if (!existsSync(path)) continue;
      const real = realOrSelf(path);
      const owner = pathOwner.get(real);
      if (owner)
        out.push(
          finding(
            CONTAMINATION,
            'shared_state_path',
            'critical',
            `${what} of ${c.name} is the same as that of ${owner}`,
            `${owner}:${c.name}:${what}`,
          ),
        );
      else pathOwner.set(real, c.name);
    }
  }
}

/** The events of a context's events/ directory, file by file (unreadable files and lines skipped). */
function* eventsIn(dir: string): Generator<{ id?: unknown; context?: unknown }> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
  } catch {
    return;
  }
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        yield JSON.parse(line) as { id?: unknown; context?: unknown };
      } catch {
        continue;
      }
    }
  }
}

/** events: an event recorded under another context, or the same event in two contexts (`eventOwner`: ids seen so far) */
function eventFindings(name: string, dir: string, eventOwner: Map<string, string>, out: Finding[]): void {
  let foreign = 0;
  let shared = 0;
  let sharedWith = '';
  for (const ev of eventsIn(dir)) {
    if (ev.context !== name) foreign++;
    if (typeof ev.id === 'string') {
      const owner = eventOwner.get(ev.id);
      if (owner && owner !== name) {
        shared++;
        sharedWith = owner;
      } else if (!owner) eventOwner.set(ev.id, name);
    }
  }
  if (foreign)
    out.push(
      finding(
        CONTAMINATION,
        'foreign_event',
        'critical',
        `events of ${name} hold ${foreign} event(s) recorded for another context`,
        `${name}:foreign`,
      ),
    );
  if (shared)
    out.push(
      finding(
        CONTAMINATION,
        'shared_event',
        'critical',
        `events of ${name} hold ${shared} event(s) also recorded in ${sharedWith}`,
        `${name}:${sharedWith}:shared`,
      ),
    );
}

/** history rows of another context inside a context's state.db */
function foreignHistory(name: string, dbPath: string, out: Finding[]): void {
  if (!existsSync(dbPath)) return;
  let db: DatabaseSync | null = null;
  try {
    db = openDatabase(dbPath, { readOnly: true });
    const row = db
      .prepare(
        'SELECT (SELECT count(*) FROM history WHERE context <> ?) + (SELECT count(*) FROM kv WHERE context <> ?) AS n',
      )
      .get(name, name) as { n: number } | undefined;
    if (row && row.n > 0)
      out.push(
        finding(
          CONTAMINATION,
          'foreign_history',
          'critical',
          `state.db of ${name} holds ${row.n} row(s) of another context`,
          `${name}:history`,
        ),
      );
  } catch {
    /* an empty or locked database proves nothing either way */
  } finally {
    db?.close();
  }
}
