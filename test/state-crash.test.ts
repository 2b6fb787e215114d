/**
 * state.db's durability (lib/state/db.ts: WAL, synchronous=NORMAL, the schema in one transaction):
 * a write that returned survives the writing process being killed with SIGKILL right after it, on a
 * fresh file and on one that already holds rows, and the file passes SQLite's integrity check.
 */
import { afterAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rmrf, tempDir } from './helpers.js';
import { sourceLoader } from './harness/deploy-app.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { createStateDb, StateDb, STATE_SCHEMA_VERSION } from '../lib/state/db.js';

const DB_MODULE = join(import.meta.dirname, '..', 'lib', 'state', 'db.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

/**
 * A child process (the sources, as the actions run them) opens `path`, records `n` history rows and
 * one kv value, prints `written` once the last write returned, then waits: it is killed with SIGKILL
 * there, so nothing after the write (close, checkpoint, exit handlers) runs.
 */
async function writeThenKill(path: string, tag: string, n: number): Promise<NodeJS.Signals | null> {
  const script =
    `import { StateDb } from ${JSON.stringify(DB_MODULE)};\n` +
    `const s = new StateDb(${JSON.stringify(path)}).forContext('ctx', { redactDeep: (v) => v });\n` +
    `for (let i = 0; i < ${n}; i++) s.record('crash', { tag: ${JSON.stringify(tag)}, i });\n` +
    `s.set('last', ${JSON.stringify(tag)});\n` +
    `process.stdout.write('written\\n');\n` +
    `setInterval(() => {}, 1000);\n`;
  const child = spawn(process.execPath, ['--import', sourceLoader(), '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('written')) {
        child.kill('SIGKILL');
        res();
      }
    });
    child.on('exit', () => rej(new Error(`the writer exited before writing: ${stderr}`)));
  });
  return exited;
}

function readBack(path: string): { tags: string[]; last: unknown; integrity: unknown; version: number } {
  const db = new StateDb(path);
  try {
    const scoped = db.forContext('ctx', new Redactor());
    const tags = scoped.list<{ tag: string; i: number }>('crash', 1000).map((r) => `${r.data.tag}:${r.data.i}`);
    const integrity = (db.db.prepare('PRAGMA integrity_check').get() as { integrity_check: unknown }).integrity_check;
    return { tags: tags.sort(), last: scoped.get('last'), integrity, version: db.schemaVersion() };
  } finally {
    db.close();
  }
}

test('a state written and then read after the writer was killed with SIGKILL is intact (fresh file, then again)', async () => {
  const dir = tempDir('paas-state-crash-');
  dirs.push(dir);
  const path = join(dir, 'state.db');

  // a fresh file: the schema and the rows are created by a process that never closes it
  expect(await writeThenKill(path, 'first', 3)).toBe('SIGKILL');
  expect(existsSync(`${path}-wal`)).toBe(true); // the commits were in the WAL, not checkpointed
  let back = readBack(path);
  expect(back).toEqual({
    tags: ['first:0', 'first:1', 'first:2'],
    last: 'first',
    integrity: 'ok',
    version: STATE_SCHEMA_VERSION,
  });

  // a file that already holds rows
  expect(await writeThenKill(path, 'second', 2)).toBe('SIGKILL');
  back = readBack(path);
  expect(back.tags).toEqual(['first:0', 'first:1', 'first:2', 'second:0', 'second:1']);
  expect(back.last).toBe('second');
  expect(back.integrity).toBe('ok');
});

test('opening a current state.db writes nothing; a fresh one gets its whole schema in one transaction', () => {
  const dir = tempDir('paas-state-open-');
  dirs.push(dir);
  const path = join(dir, 'state.db');
  const fresh = new StateDb(path);
  // one commit for the schema: schema_version holds one row per migration, all there
  expect(fresh.schemaVersion()).toBe(STATE_SCHEMA_VERSION);
  expect(fresh.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 }); // NORMAL
  const changesBefore = (fresh.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  fresh.close();
  expect(changesBefore).toBeGreaterThan(0);

  const again = new StateDb(path);
  // total_changes() counts rows written by this connection: none for an open of a current file
  expect(again.db.prepare('SELECT total_changes() AS n').get()).toEqual({ n: 0 });
  again.close();
});

test('a new context state.db (createStateDb) is complete on disk once created: schema in the file, no WAL left', () => {
  const dir = tempDir('paas-state-create-');
  dirs.push(dir);
  const path = join(dir, 'state.db');
  createStateDb(path);
  expect(existsSync(`${path}-wal`)).toBe(false); // checkpointed into the file, which was then fsynced
  const db = new StateDb(path);
  try {
    expect(db.schemaVersion()).toBe(STATE_SCHEMA_VERSION);
    expect(db.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 }); // NORMAL again
    expect(db.db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  } finally {
    db.close();
  }
});
