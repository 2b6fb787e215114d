/**
 * V8's helper threads run below the main thread's priority, in the bundled CLI and in a bundled
 * action, so that on a 2-vCPU runner they take idle time instead of the scan's core
 * (lib/runtime/helper-threads.ts). Each process is inspected from inside: a `--import` hook reads
 * every thread's name and nice value from /proc at exit, after the entry has run.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_NICE, lowerHelperThreads } from '../lib/runtime/helper-threads.js';
import { runAction, runCli } from './harness/runner.js';
import { hookRecordOf, tempDirs } from './helpers.js';

const onLinux = process.platform === 'linux';
const dir = tempDirs()('paas-helper-threads-');

// at exit: the entry file, and [name, nice, is the main thread] of every thread of the process, one line per process in HOOK_OUT
const hook = join(dir, 'threads-hook.mjs');
writeFileSync(
  hook,
  `import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
process.on('exit', () => {
  const rows = readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(), Number(fields[16]), Number(tid) === process.pid];
  });
  appendFileSync(process.env.HOOK_OUT, JSON.stringify({ entry: process.argv[1], rows }) + '\\n');
});
`,
);

type Row = [name: string, nice: number, main: boolean];
/** The threads of the process that ran `entry` (dist/<entry>). */
const threadsOf = (out: string, entry: string): Row[] => hookRecordOf<{ entry: string; rows: Row[] }>(out, entry).rows;
/** This process's own nice value: a child starts with it. */
const ownNice = (): number => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

function expectHelpersLowered(rows: Row[]): void {
  const helpers = rows.filter(([name]) => name.startsWith('V8Worker'));
  expect(helpers.length).toBeGreaterThan(0);
  for (const [, nice] of helpers) expect(nice).toBe(HELPER_NICE);
  // the main thread and every other thread keep the process's priority
  for (const [name, nice] of rows.filter(([n]) => !n.startsWith('V8Worker')))
    expect([name, nice]).toEqual([name, ownNice()]);
  expect(rows.filter(([, , main]) => main)).toHaveLength(1);
}

(onLinux ? describe : describe.skip)('V8 helper threads yield to the main thread', () => {
  test('in the bundled CLI, for every command (here --version)', async () => {
    const out = join(dir, 'cli.json');
    const r = await runCli(['--version'], { env: { NODE_OPTIONS: `--import=${hook}`, HOOK_OUT: out } });
    expect(r.exitCode).toBe(0);
    expectHelpersLowered(threadsOf(out, join('cli', 'index.js')));
  });

  test('in the bundled doctor action', async () => {
    const out = join(dir, 'action.json');
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    // enough files for doctor's reader thread (READ_AHEAD_MIN_FILES): started by the main thread, it has its priority
    for (let i = 0; i < 300; i++) writeFileSync(join(tree, `f${i}.txt`), `line ${i}\n`);
    const run = await runAction({
      action: 'doctor',
      inputs: { path: tree },
      env: { NODE_OPTIONS: `--import=${hook}`, HOOK_OUT: out, PAAS_DOCTOR_READAHEAD: '1' },
    });
    expect(run.outputs.result).toBeDefined();
    // the main step (its post step has nothing to clean up and returns at once)
    expectHelpersLowered(threadsOf(out, join('doctor', 'index.js')));
  });

  test('lowerHelperThreads() leaves the calling thread alone and says how many it lowered', () => {
    const before = ownNice();
    expect(lowerHelperThreads()).toBeGreaterThan(0);
    expect(ownNice()).toBe(before);
  });
});
