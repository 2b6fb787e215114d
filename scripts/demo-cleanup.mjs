// Cleanup for `npm run demo` on every exit path: normal end, failure, an uncaught error,
// SIGINT/SIGTERM/SIGHUP. Each part of the demo registers what it leaves behind (temp directories
// holding a demo vault, a local app process, an embedded PostgreSQL) and removes it itself when it
// ends normally; whatever is still registered when the process exits is removed here.
//
//   import { atExit, tempDir, stopProcess } from './demo-cleanup.mjs';
//   const dir = tempDir('paas-demo-');           // { path, remove() }, removed at exit at the latest
//   const forget = atExit(() => stopProcess(pid)); ... forget();
//
// Cleanups run synchronously (an `exit` listener cannot wait for promises), newest first, once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

const tasks = [];
let installed = false;
let ran = false;

function runAll() {
  if (ran) return;
  ran = true;
  while (tasks.length) {
    const fn = tasks.pop();
    try {
      fn();
    } catch {
      /* best effort: the next cleanup still runs */
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\ndemo: stopped by ${sig}; temporary files and processes removed\n`);
      runAll();
      process.exit(128 + (constants.signals[sig] ?? 1));
    });
  }
}

/** Registers a synchronous cleanup; returns a function that unregisters it. */
export function atExit(fn) {
  install();
  tasks.push(fn);
  return () => {
    const i = tasks.indexOf(fn);
    if (i >= 0) tasks.splice(i, 1);
  };
}

/** A fresh temporary directory (mode 0700) removed by remove() or at exit, whichever is first. */
export function tempDir(prefix) {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const rm = () => rmSync(path, { recursive: true, force: true });
  const forget = atExit(rm);
  return {
    path,
    remove() {
      forget();
      rm();
    },
  };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Sends `signal` to pid and waits (synchronously, at most `waitMs`) until it is gone. */
export function stopProcess(pid, signal = 'SIGTERM', waitMs = 5000) {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  for (let waited = 0; waited < waitMs; waited += 25) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (isZombie(pid)) return; // our own child, exited: reaped once the event loop runs again
    Atomics.wait(sleeper, 0, 0, 25);
  }
}

function isZombie(pid) {
  try {
    return /^ Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return false;
  }
}

/** Uncaught errors end the demo with one line (no stack trace) and the same cleanup. */
export function exitOnUncaught(label = 'demo') {
  install();
  const fail = (e) => {
    process.stderr.write(`${label} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    runAll();
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}
