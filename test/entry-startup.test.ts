/**
 * What an action bundle evaluates before its operation runs (docs/benchmarks.md, issue 13's fixed
 * cost): its own operation's definition and nothing of the other five, doctor's engine included
 * (the registry once imported every operation, and doctor's index its engine, in every bundle).
 * Built as scripts/build.mjs builds (esbuild, code splitting); the static import closure of the
 * entry is what Node loads and evaluates at start.
 */
import { expect, test } from '@jest/globals';
import type { Metafile } from 'esbuild';
import { join } from 'node:path';
import { bundleMetafile } from './harness/bundle.js';

const REPO = join(import.meta.dirname, '..');

function staticClosure(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const out = queue.pop() as string;
    if (seen.has(out)) continue;
    seen.add(out);
    for (const i of meta.outputs[out]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) queue.push(i.path);
  }
  return [...seen].flatMap((out) => Object.keys(meta.outputs[out]?.inputs ?? {}));
}

test('the db_bootstrap bundle loads no other operation and no doctor engine at start', async () => {
  const meta = await bundleMetafile({ 'db_bootstrap/index': join(REPO, 'actions', 'db_bootstrap', 'index.ts') });
  const entry = Object.keys(meta.outputs).find((o) => o.endsWith('db_bootstrap/index.js')) as string;
  const loaded = staticClosure(meta, entry);
  expect(loaded).toContain('lib/entry/action.ts');
  const otherOps = loaded.filter((f) =>
    /^lib\/ops\/(deploy|rollback|prod_verify|ops_daily|doctor|db_bootstrap)\//.test(f),
  );
  expect(otherOps).toEqual([]);
  expect(loaded.filter((f) => f.includes('node_modules/yaml/'))).toEqual([]);
}, 60_000);
