/**
 * zod generates no code at run time in a bundled entry: the build sets zod's `jitless` in zod's own
 * core module (scripts/build.mjs, zodJitless), so no object schema compiles a parser with
 * `new Function` on its first parse (a cost every start paid, for schemas parsed about once).
 * Checked from inside each process: a `--import` hook records every function made from source.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAction, runCli } from './harness/runner.js';
import { hookRecordOf, tempDirs } from './helpers.js';

const dir = tempDirs()('paas-zod-setup-');
const tree = join(dir, 'tree');
mkdirSync(tree);
writeFileSync(join(tree, 'app.env'), 'NAME=demo\n');

// every `new Function(...)` / `Function(...)` of the process, by the start of its body; one line per process at exit
const hook = join(dir, 'function-hook.mjs');
writeFileSync(
  hook,
  `import { appendFileSync } from 'node:fs';
const made = [];
const note = (args) => { made.push(String(args.at(-1) ?? '').slice(0, 60)); };
globalThis.Function = new Proxy(Function, {
  construct(target, args) { note(args); return Reflect.construct(target, args); },
  apply(target, self, args) { note(args); return Reflect.apply(target, self, args); },
});
process.on('exit', () => appendFileSync(process.env.HOOK_OUT, JSON.stringify({ entry: process.argv[1], made }) + '\\n'));
`,
);

/** The functions made from source by the process that ran `entry` (dist/<entry>). */
const madeBy = (out: string, entry: string): string[] =>
  hookRecordOf<{ entry: string; made: string[] }>(out, entry).made;

describe('zod compiles no parsers at run time', () => {
  test('control: the hook sees zod compile a parser when jitless is not set (zod as installed)', async () => {
    const out = join(dir, 'control.jsonl');
    const script = join(dir, 'control.mjs');
    writeFileSync(
      script,
      `import * as z from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'node_modules', 'zod', 'index.js')).href)};
const s = z.object({ name: z.string(), size: z.number() });
for (let i = 0; i < 3; i++) s.parse({ name: 'demo', size: i });
`,
    );
    const r = spawnSync(process.execPath, [`--import=${hook}`, script], {
      env: { ...process.env, NODE_OPTIONS: '', HOOK_OUT: out },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(madeBy(out, 'control.mjs').length).toBeGreaterThan(0);
  });

  test('in the bundled CLI: inputs, the state root and doctor’s settings parsed', async () => {
    const out = join(dir, 'cli.jsonl');
    const r = await runCli(['doctor', '--path', tree, '--state-root', join(dir, 'state'), '--json'], {
      env: { NODE_OPTIONS: `--import=${hook}`, HOOK_OUT: out },
    });
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string).command).toBe('doctor');
    expect(madeBy(out, join('cli', 'index.js'))).toEqual([]);
  });

  test('in a bundled action (doctor): the action inputs parsed', async () => {
    const out = join(dir, 'action.jsonl');
    const run = await runAction({
      action: 'doctor',
      inputs: { path: tree },
      env: { NODE_OPTIONS: `--import=${hook}`, HOOK_OUT: out },
    });
    expect(run.outputs.result).toBeDefined();
    expect(madeBy(out, join('doctor', 'index.js'))).toEqual([]);
  });
});
