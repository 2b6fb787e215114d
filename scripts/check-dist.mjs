#!/usr/bin/env node
// Fails when dist/ differs from a fresh build of the sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const fresh = mkdtempSync(join(tmpdir(), 'paas-dist-'));
try {
  execFileSync(process.execPath, ['scripts/build.mjs', '--out', fresh], { stdio: ['ignore', 'ignore', 'inherit'] });
  const list = (root) => {
    const files = [];
    const walk = (d) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(relative(root, p));
      }
    };
    walk(root);
    return files.sort();
  };
  const a = list('dist');
  const b = list(fresh);
  const diffs = [];
  for (const f of new Set([...a, ...b])) {
    if (!a.includes(f)) diffs.push(`missing in dist/: ${f}`);
    else if (!b.includes(f)) diffs.push(`stale file in dist/: ${f}`);
    else if (!readFileSync(join('dist', f)).equals(readFileSync(join(fresh, f)))) diffs.push(`differs: dist/${f}`);
  }
  if (diffs.length) {
    console.error(
      `check-dist: dist/ does not match the sources (run \`npm run build\` and commit dist/):\n  ${diffs.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`check-dist: dist/ matches the sources (${a.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
