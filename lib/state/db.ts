import type { DatabaseSync, DatabaseSyncOptions } from 'node:sqlite';
export type { DatabaseSync };
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync } from 'node:fs';
import type { Redactor } from '../redaction/redactor.js';

/**
 * Opens an SQLite database. node:sqlite is loaded here, when a database is first opened, not by an
 * import: commands and runs that open none (doctor on a tree, `--help`) do not pay for loading it
 * at start (with node:child_process, ~3 ms of CPU: docs/benchmarks.md).
 */
export function openDatabase(path: string, options?: DatabaseSyncOptions): DatabaseSync {
  const sqlite = process.getBuiltinModule('node:sqlite');
  // (an options argument of undefined is refused: ERR_INVALID_ARG_TYPE)
  return options === undefined ? new sqlite.DatabaseSync(path) : new sqlite.DatabaseSync(path, options);
}

/**
 * `state.db`: node:sqlite in WAL mode, schema versioned, every write in a transaction.
 * Every row carries its context and every query filters on it (see ScopedState).
 */
export const STATE_SCHEMA_VERSION = 1;

const MIGRATIONS: string[] = [
  `CREATE TABLE history (
     id TEXT PRIMARY KEY,
     context TEXT NOT NULL,
     kind TEXT NOT NULL,
     at TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX history_context_kind_at ON history (context, kind, at);
   CREATE TABLE kv (
     context TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (context, key)
   );`,
];

interface HistoryRecord<T = unknown> {
  id: string;
  context: string;
  kind: string;
  at: string;
  data: T;
}

export class StateDb {
  readonly db: DatabaseSync;

  /**
   * `sync`: 'NORMAL' for every use; 'OFF' only for createStateDb below, which fsyncs the finished
   * file itself. Set before the switch to WAL, which on a new file is a write of its own.
   */
  constructor(path: string, sync: 'NORMAL' | 'OFF' = 'NORMAL') {
    const fresh = !existsSync(path);
    this.db = openDatabase(path);
    if (fresh) chmodSync(path, 0o600);
    // WAL with synchronous=NORMAL: a commit is in the WAL file when it returns, so it survives the
    // process being killed at any point; the WAL is fsynced at each checkpoint (and on close), not at
    // each commit, so a power loss or kernel crash may lose the last commits but never corrupts the
    // file (the events log, append-only without fsync, is no stronger). FULL paid an fsync per commit.
    this.db.exec(
      `PRAGMA synchronous = ${sync}; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;`,
    );
    this.migrate();
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
  }

  /** The schema's version: 0 for a new file (no schema_version table yet); an open of a current file writes nothing. */
  private currentVersion(): number {
    const table = this.db.prepare("SELECT 1 AS t FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!table.get()) return 0;
    const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get() as
      { v: number | null } | undefined;
    return row?.v ?? 0;
  }

  /** Every pending migration in ONE transaction (one commit on a fresh runner, not one per step): all or nothing. */
  private migrate(): void {
    const current = this.currentVersion();
    if (current > STATE_SCHEMA_VERSION) {
      throw new Error(
        `state.db schema version ${current} is newer than this paas-actions (${STATE_SCHEMA_VERSION}); ` +
          'upgrade paas-actions',
      );
    }
    if (current >= MIGRATIONS.length) return;
    this.transaction(() => {
      this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      // read again under the write lock: another process may have migrated since the read above
      for (let v = this.currentVersion(); v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v + 1);
      }
    });
  }

  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  schemaVersion(): number {
    const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number };
    return row.v;
  }

  forContext(context: string, redactor: Redactor): ScopedState {
    return new ScopedState(this, context, redactor);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A new state.db, with its schema, for a directory that is renamed into place afterwards (a new
 * context): written without SQLite's fsyncs (the switch to WAL, the schema, the checkpoint on close:
 * 8 on a fresh runner), then the closed file, which then holds everything, fsynced once.
 */
export function createStateDb(path: string): void {
  new StateDb(path, 'OFF').close();
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** All reads and writes of one context. Data is redacted at write time. */
export class ScopedState {
  constructor(
    private readonly sdb: StateDb,
    readonly context: string,
    private readonly redactor: Redactor,
  ) {}

  record<T>(kind: string, data: T, at = new Date().toISOString(), id: string = randomUUID()): HistoryRecord<T> {
    const clean = this.redactor.redactDeep(data);
    this.sdb.transaction(() => {
      this.sdb.db
        .prepare('INSERT INTO history (id, context, kind, at, data) VALUES (?, ?, ?, ?, ?)')
        .run(id, this.context, kind, at, JSON.stringify(clean));
    });
    return { id, context: this.context, kind, at, data: clean };
  }

  list<T = unknown>(kind?: string, limit = 100): HistoryRecord<T>[] {
    const rows = (kind
      ? this.sdb.db
          .prepare('SELECT * FROM history WHERE context = ? AND kind = ? ORDER BY at DESC, rowid DESC LIMIT ?')
          .all(this.context, kind, limit)
      : this.sdb.db
          .prepare('SELECT * FROM history WHERE context = ? ORDER BY at DESC, rowid DESC LIMIT ?')
          .all(this.context, limit)) as unknown as Array<{
      id: string;
      context: string;
      kind: string;
      at: string;
      data: string;
    }>;
    return rows.map((r) => ({ id: r.id, context: r.context, kind: r.kind, at: r.at, data: JSON.parse(r.data) as T }));
  }

  count(): number {
    const row = this.sdb.db.prepare('SELECT count(*) AS n FROM history WHERE context = ?').get(this.context) as {
      n: number;
    };
    return row.n;
  }

  get<T = unknown>(key: string): T | undefined {
    const row = this.sdb.db.prepare('SELECT value FROM kv WHERE context = ? AND key = ?').get(this.context, key) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    const clean = this.redactor.redactDeep(value);
    this.sdb.transaction(() => {
      this.sdb.db
        .prepare(
          'INSERT INTO kv (context, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (context, key) ' +
            'DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        )
        .run(this.context, key, JSON.stringify(clean), new Date().toISOString());
    });
  }
}
