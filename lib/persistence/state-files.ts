import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { contextConfigSchema, type ContextConfig } from '../isolation/context.js';
import type { ContextPaths } from '../isolation/store.js';
import { PaasError, errorMessage } from '../output/errors.js';
import { StateDb, openDatabase } from '../state/db.js';
import { mkdirPrivate, writeFilePrivate } from '../state/fs-safe.js';
import type { BundleFile } from './bundle.js';

/**
 * A context's persisted files, read as one consistent snapshot, and merged back in.
 * What is persisted: config.json, state.db (a `VACUUM INTO` copy: consistent while other
 * connections write, and free of deleted pages), events/*.jsonl, and (cache blobs only) small
 * files under cache/. Never a vault: vault files live outside the context directory.
 */

const CACHE_FILE_MAX = 1024 * 1024;
const CACHE_TOTAL_MAX = 16 * 1024 * 1024;

interface SnapshotOptions {
  includeCache: boolean;
}

interface Snapshot {
  files: BundleFile[];
  /** cache/ files left out because of the size limits */
  skipped: string[];
}

/** A consistent copy of state.db, made with `VACUUM INTO` next to it (private directory). */
function snapshotDb(dbPath: string): Buffer {
  const tmp = join(dirname(dbPath), `.snap-${randomBytes(6).toString('hex')}.db`);
  const db = openDatabase(dbPath);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    db.close();
  }
  try {
    return readFileSync(tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function listFiles(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) out.push(...listFiles(p, rel ? `${rel}/${name}` : name));
    else if (st.isFile()) out.push(rel ? `${rel}/${name}` : name);
  }
  return out;
}

export function snapshotContext(paths: ContextPaths, opts: SnapshotOptions): Snapshot {
  const files: BundleFile[] = [];
  const skipped: string[] = [];
  if (existsSync(paths.config)) files.push({ path: 'config.json', data: readFileSync(paths.config) });
  if (existsSync(paths.stateDb)) files.push({ path: 'state.db', data: snapshotDb(paths.stateDb) });
  for (const f of listFiles(paths.events)) {
    if (/^[A-Za-z0-9._-]{1,64}\.jsonl$/.test(f))
      files.push({ path: `events/${f}`, data: readFileSync(join(paths.events, f)) });
  }
  if (opts.includeCache) {
    let total = 0;
    for (const f of listFiles(paths.cache)) {
      const data = readFileSync(join(paths.cache, f));
      if (
        !/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128}){0,7}$/.test(f) ||
        f.split('/').some((s) => s === '.' || s === '..') ||
        data.length > CACHE_FILE_MAX ||
        total + data.length > CACHE_TOTAL_MAX
      ) {
        skipped.push(`cache/${f}`);
        continue;
      }
      total += data.length;
      files.push({ path: `cache/${f}`, data });
    }
  }
  return { files, skipped };
}

export interface MergeStats {
  history_added: number;
  kv_updated: number;
  events_added: number;
  files_added: number;
  /** rows or events of another context found in the incoming state (dropped) */
  foreign_dropped: number;
}

function emptyStats(): MergeStats {
  return { history_added: 0, kv_updated: 0, events_added: 0, files_added: 0, foreign_dropped: 0 };
}

interface EventLine {
  line: string;
  id: string | null;
  at: string;
  context: string | null;
}

function parseLines(text: string): EventLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      try {
        const ev = JSON.parse(line) as { id?: unknown; at?: unknown; context?: unknown };
        return {
          line,
          id: typeof ev.id === 'string' ? ev.id : null,
          at: typeof ev.at === 'string' ? ev.at : '',
          context: typeof ev.context === 'string' ? ev.context : null,
        };
      } catch {
        return { line, id: null, at: '', context: null };
      }
    });
}

/** Union of events by id: local lines are kept as they are, incoming ones added, each month file sorted by time. */
function mergeEvents(eventsDir: string, context: string, incoming: BundleFile[], stats: MergeStats): void {
  const known = new Set<string>();
  const local = new Map<string, EventLine[]>();
  for (const f of listFiles(eventsDir)) {
    if (!f.endsWith('.jsonl')) continue;
    const lines = parseLines(readFileSync(join(eventsDir, f), 'utf8'));
    local.set(f, lines);
    for (const l of lines) if (l.id) known.add(l.id);
  }
  for (const file of incoming) {
    const name = file.path.slice('events/'.length);
    const added: EventLine[] = [];
    for (const l of parseLines(file.data.toString('utf8'))) {
      if (!l.id || known.has(l.id)) continue;
      if (l.context !== context) {
        stats.foreign_dropped++;
        continue;
      }
      known.add(l.id);
      added.push(l);
    }
    if (!added.length) continue;
    const merged = [...(local.get(name) ?? []), ...added]
      .map((l, i) => ({ l, i }))
      .sort((a, b) => (a.l.at < b.l.at ? -1 : a.l.at > b.l.at ? 1 : a.i - b.i))
      .map((x) => x.l.line);
    writeFilePrivate(join(eventsDir, name), merged.join('\n') + '\n');
    stats.events_added += added.length;
  }
}

/** History rows by id (insert missing), kv by key (the newer updated_at wins); only this context's rows. */
function mergeDb(dbPath: string, context: string, incoming: Buffer, stats: MergeStats): void {
  const tmp = join(dirname(dbPath), `.merge-${randomBytes(6).toString('hex')}.db`);
  writeFileSync(tmp, incoming, { mode: 0o600 });
  try {
    // brings an older incoming schema up to date (and refuses a newer one)
    try {
      new StateDb(tmp).close();
    } catch (e) {
      throw new PaasError('PAAS_STATE_CORRUPT', `the incoming state.db cannot be opened: ${errorMessage(e)}`, {
        stage: 'state_merge',
        remediation:
          'Upgrade paas-actions if the state was written by a newer version; ' +
          'otherwise restore from a backup or reset the state.',
      });
    }
    const local = new StateDb(dbPath);
    try {
      local.db.prepare('ATTACH DATABASE ? AS incoming').run(tmp);
      try {
        local.transaction(() => {
          const h = local.db
            .prepare(
              'INSERT OR IGNORE INTO history (id, context, kind, at, data) SELECT id, context, kind, at, data ' +
                'FROM incoming.history WHERE context = ?',
            )
            .run(context);
          stats.history_added += Number(h.changes);
          const kv = local.db
            .prepare(
              'INSERT INTO kv (context, key, value, updated_at) SELECT context, key, value, updated_at FROM ' +
                'incoming.kv WHERE context = ? ON CONFLICT (context, key) DO UPDATE SET value = excluded.value, ' +
                'updated_at = excluded.updated_at WHERE excluded.updated_at > kv.updated_at',
            )
            .run(context);
          stats.kv_updated += Number(kv.changes);
          const foreign = local.db
            .prepare(
              'SELECT (SELECT count(*) FROM incoming.history WHERE context != ?) + (SELECT count(*) FROM ' +
                'incoming.kv WHERE context != ?) AS n',
            )
            .get(context, context) as { n: number };
          stats.foreign_dropped += foreign.n;
        });
      } finally {
        local.db.exec('DETACH DATABASE incoming');
      }
    } finally {
      local.close();
    }
  } finally {
    for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(p, { force: true });
  }
}

/**
 * Merges incoming files (a restored cache blob or another run's save) into a context directory
 * that exists. Append-only data is united (events and history by id), kv is last-writer-wins by
 * updated_at, config.json and cache/ files already present locally are kept.
 */
export function mergeInto(
  paths: ContextPaths,
  context: string,
  files: readonly BundleFile[],
  stateRoot: string,
): MergeStats {
  const stats = emptyStats();
  mkdirPrivate(paths.events);
  mkdirPrivate(paths.cache);
  const config = files.find((f) => f.path === 'config.json');
  if (config && !existsSync(paths.config)) {
    writeFilePrivate(paths.config, rebaseConfig(config.data, context, stateRoot));
    stats.files_added++;
  }
  const db = files.find((f) => f.path === 'state.db');
  if (db) mergeDb(paths.stateDb, context, db.data, stats);
  else if (!existsSync(paths.stateDb)) new StateDb(paths.stateDb).close();
  mergeEvents(
    paths.events,
    context,
    files.filter((f) => f.path.startsWith('events/')),
    stats,
  );
  for (const f of files.filter((x) => x.path.startsWith('cache/'))) {
    const target = join(paths.cache, ...f.path.slice('cache/'.length).split('/'));
    if (existsSync(target)) continue;
    mkdirPrivate(dirname(target));
    writeFilePrivate(target, f.data);
    stats.files_added++;
  }
  return stats;
}

/**
 * An incoming config.json (a cache entry's or a backup's) read and checked against the context it
 * is for: the config, or what is wrong with it (`not JSON`, `does not match the context schema`,
 * `belongs to context <name>`), named in the words both callers report.
 */
export function incomingConfig(
  data: Buffer,
  context: string,
): { config: ContextConfig } | { problem: string; otherContext?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  const r = contextConfigSchema.safeParse(raw);
  if (!r.success) return { problem: 'does not match the context schema' };
  if (r.data.name !== context) return { problem: `belongs to context ${r.data.name}`, otherContext: r.data.name };
  return { config: r.data };
}

/** config.json as it must be on this machine: same context, state_root = this state root. */
export function rebaseConfig(data: Buffer, context: string, stateRoot: string): string {
  const c = incomingConfig(data, context);
  if ('problem' in c && c.otherContext !== undefined) {
    throw new PaasError('PAAS_STATE_DECRYPT_FAILED', `the incoming config.json ${c.problem}, not ${context}; refused`, {
      stage: 'state_restore',
      remediation: 'Restore state of the same context only.',
    });
  }
  if ('problem' in c)
    throw new PaasError(
      'PAAS_STATE_CORRUPT',
      `the incoming config.json ${c.problem === 'not JSON' ? 'is not JSON' : c.problem}`,
      {
        stage: 'state_restore',
        remediation: 'Restore from another backup or reset the state.',
      },
    );
  return JSON.stringify({ ...c.config, state_root: stateRoot }, null, 2) + '\n';
}

/**
 * Lays out a context that does not exist locally from incoming files: built in a temporary
 * directory beside it and renamed into place, so a failure leaves nothing half-written.
 */
export function materialize(
  contextsDir: string,
  paths: ContextPaths,
  context: string,
  files: readonly BundleFile[],
  stateRoot: string,
): MergeStats {
  mkdirPrivate(contextsDir);
  const tmp = join(contextsDir, `.tmp-restore-${context}-${randomBytes(4).toString('hex')}`);
  const tmpPaths: ContextPaths = {
    dir: tmp,
    config: join(tmp, 'config.json'),
    stateDb: join(tmp, 'state.db'),
    events: join(tmp, 'events'),
    cache: join(tmp, 'cache'),
  };
  try {
    mkdirPrivate(tmp);
    const stats = mergeInto(tmpPaths, context, files, stateRoot);
    if (!existsSync(tmpPaths.config)) {
      throw new PaasError('PAAS_STATE_CORRUPT', 'the incoming state has no config.json', {
        stage: 'state_restore',
        remediation: 'Restore from another backup or reset the state.',
      });
    }
    for (const side of ['-wal', '-shm']) rmSync(tmpPaths.stateDb + side, { force: true });
    chmodSync(tmpPaths.stateDb, 0o600);
    if (existsSync(paths.dir))
      throw new PaasError('PAAS_CONTEXT_EXISTS', `context ${context} appeared while it was being restored`, {
        stage: 'state_restore',
        remediation: 'Run again.',
      });
    mkdirSync(dirname(paths.dir), { recursive: true, mode: 0o700 });
    // rename is atomic within the contexts directory
    renameSync(tmp, paths.dir);
    return stats;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
