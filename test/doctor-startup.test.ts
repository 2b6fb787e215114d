/**
 * What `paas doctor` loads before its first file (docs/doctor.md "Performance"): zod is imported
 * as a namespace (`import * as z from 'zod'`) everywhere in lib/, so that esbuild keeps only the
 * parts of zod the code uses. A single `import { z } from 'zod'` (zod's `z` is a namespace object
 * re-exported by name, which esbuild does not shake) brings back all of zod, its 40-odd locales
 * included: ~585 KB of JavaScript in the CLI's start-up chunks instead of ~145 KB.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleMetafile } from './harness/bundle.js';
import { rmrf, tempDir } from './helpers.js';

const LIB = join(process.cwd(), 'lib');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('doctor start-up: zod as a namespace import', () => {
  test('no file in lib/ imports zod by name (import { z } keeps all of zod in the bundle)', () => {
    const named = tsFiles(LIB).filter((f) => /^import\s*\{[^}]*\}\s*from\s*'zod'/m.test(readFileSync(f, 'utf8')));
    expect(named.map((f) => f.slice(LIB.length + 1))).toEqual([]);
  });

  test('the CLI bundle holds neither zod locales nor zod beyond what lib/ uses', async () => {
    const meta = await bundleMetafile([join(LIB, 'cli', 'index.ts')], true);
    let zodBytes = 0;
    const locales: string[] = [];
    for (const out of Object.values(meta.outputs))
      for (const [input, v] of Object.entries(out.inputs)) {
        if (!input.includes('node_modules/zod/')) continue;
        zodBytes += v.bytesInOutput;
        if (input.includes('/locales/') && !input.endsWith('/locales/en.js')) locales.push(input);
      }
    expect(locales).toEqual([]);
    // all of zod 4 is ~585 KB minified here; what lib/ uses ~145 KB
    expect(zodBytes).toBeGreaterThan(0);
    expect(zodBytes).toBeLessThan(300_000);
  }, 60_000);
});

describe('doctor start-up: Node modules loaded only when used', () => {
  // node:sqlite (state.db) and node:child_process (git) are loaded where they are used
  // (openDatabase in lib/state/db.ts, gitFiles in doctor's tree.ts), not imported at start: together
  // ~3 ms of CPU of every start that uses neither (docs/benchmarks.md)
  test('doctor on a tree outside git with an empty state root loads neither node:sqlite nor node:child_process', () => {
    const dir = tempDir('paas-doctor-lazy-');
    try {
      const tree = join(dir, 'tree');
      const hook = join(dir, 'loaded.mjs');
      mkdirSync(tree);
      writeFileSync(join(tree, 'a.txt'), 'hello\n');
      writeFileSync(
        hook,
        "process.on('exit', () => process.stderr.write('LOADED ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n",
      );
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['--import', hook, join(process.cwd(), 'dist', 'cli', 'index.js'), ...args], {
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: dir },
          encoding: 'utf8',
        });
      const loaded = (r: ReturnType<typeof run>) => (/^LOADED (.*)$/m.exec(r.stderr)?.[1] ?? '').split(' ');
      const r = run(['doctor', '--path', tree, '--state-root', join(dir, 'state'), '--json']);
      expect(r.status).toBe(0);
      const mods = loaded(r);
      // the hook sees what the CLI loads (a control: modules lib/ imports at start are there)
      expect(mods).toEqual(expect.arrayContaining(['os', 'crypto']));
      expect(mods).not.toContain('sqlite');
      expect(mods).not.toContain('child_process');
    } finally {
      rmrf(dir);
    }
  }, 60_000);
});
