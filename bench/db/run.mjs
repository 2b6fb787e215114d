#!/usr/bin/env node
// Benchmark entry: `node bench/db/run.mjs [--sizes 100,1000] [--trials 3]` (Node 24, e.g. via
// `node_modules/.bin/node`). Runs bench/db/bench.ts with a tiny loader that transpiles the
// repository's TypeScript on the fly (typescript.transpileModule, `.js` → `.ts` resolution), so the
// benchmark reuses test/harness/postgres.ts without a build step. The product side is measured
// through its bundle, dist/db_bootstrap/index.js (build it first: npm run build -- --only db_bootstrap).
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (e) {
      if (/^(\.{1,2}\/|\/|file:)/.test(specifier) && specifier.endsWith('.js'))
        return next(specifier.slice(0, -3) + '.ts', context);
      throw e;
    }
  },
  load(url, context, next) {
    if (url.startsWith('file:') && url.endsWith('.ts') && existsSync(fileURLToPath(url))) {
      const source = readFileSync(fileURLToPath(url), 'utf8');
      const out = ts.transpileModule(source, {
        fileName: fileURLToPath(url),
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2023,
          isolatedModules: true,
          sourceMap: false,
        },
      });
      return { format: 'module', source: out.outputText, shortCircuit: true };
    }
    return next(url, context);
  },
});

// --lint: the lint benchmark (bench/db/lint-bench.ts); --per-file: what one file's SQL costs on the
// server (bench/db/per-file.ts); otherwise the migrate comparison with dbmate
await import(
  process.argv.includes('--lint')
    ? './lint-bench.ts'
    : process.argv.includes('--per-file')
      ? './per-file.ts'
      : './bench.ts'
);
