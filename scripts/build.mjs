#!/usr/bin/env node
// Bundles every entry with @vercel/ncc into <out>/<name>/index.js (default out: dist).
// Usage: node scripts/build.mjs [--out DIR] [--only NAME]
import ncc from '@vercel/ncc';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENTRIES } from './entries.mjs';

const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const out = resolve(flag('--out') ?? 'dist');
const only = flag('--only');

if (!only) {
  // one child process per entry (ncc keeps every compilation in memory), two at a time
  await rm(out, { recursive: true, force: true });
  const queue = [...ENTRIES];
  const worker = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      const code = await new Promise((done) => {
        spawn(process.execPath, [fileURLToPath(import.meta.url), '--only', e.name, '--out', out], { stdio: 'inherit' }).on('exit', done);
      });
      if (code !== 0) throw new Error(`build of ${e.name} failed (exit ${code})`);
    }
  };
  await Promise.all([worker(), worker()]);
  process.exit(0);
}
const entries = ENTRIES.filter((e) => e.name === only);
if (!entries.length) throw new Error(`unknown entry ${only}`);
for (const entry of entries) {
  const dir = join(out, entry.name);
  await rm(dir, { recursive: true, force: true });
  const { code, assets } = await ncc(resolve(entry.source), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2023',
    // the ssh2 native addons are optional; never copy machine-specific binaries into dist
    externals: [],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.js'), (entry.shebang ? '#!/usr/bin/env node\n' : '') + code, { mode: 0o755 });
  for (const [name, asset] of Object.entries(assets ?? {})) {
    if (/\.node$/.test(name)) throw new Error(`native addon ${name} would make dist machine-specific`);
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, asset.source);
  }
  process.stdout.write(`built dist/${entry.name}/index.js\n`);
}
