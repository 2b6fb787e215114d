/**
 * The import boundaries of docs/architecture.md, enforced by ESLint (eslint.config.js): each rule
 * refuses the import it exists for, and the tree as it is passes them.
 */
import { expect, test } from '@jest/globals';
import { ESLint } from 'eslint';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: REPO });

async function restricted(file: string, source: string): Promise<string[]> {
  const [r] = await eslint.lintText(`import { x } from '${source}';\nexport const y = x;\n`, {
    filePath: join(REPO, file),
  });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test.each([
  // shared engines and ports never import an operation's entry file or the entry layer
  ['lib/ops/checks/new.ts', '../deploy/run.js'],
  ['lib/ops/checks/new.ts', '../doctor/index.js'],
  ['lib/ops/checks/new.ts', '../../entry/registry.js'],
  // ... nor any other module of an operation (issue 15 item 3: the engine imported deploy's
  // releases.ts and connect.ts; both moved down into lib/transport)
  ['lib/ops/checks/new.ts', '../deploy/releases.js'],
  ['lib/ops/checks/new.ts', '../deploy/connect.js'],
  ['lib/ops/checks/new.ts', '../../ops/rollback/resolve.js'],
  ['lib/ops/operation.ts', './deploy/releases.js'],
  ['lib/transport/new.ts', '../ops/deploy/releases.js'],
  ['lib/runtime/new.ts', '../ops/checks/engine.js'],
  ['lib/transport/new.ts', '../ops/deploy/run.js'],
  ['lib/output/new.ts', '../ops/rollback/index.js'],
  ['lib/runtime/new.ts', '../entry/execute.js'],
  ['lib/runtime/new.ts', '../cli/cli.js'],
  ['lib/redaction/new.ts', '../entry/action.js'],
  // an operation never imports another operation's entry file, nor the registry/dispatcher
  ['lib/ops/ops_daily/new.ts', '../deploy/run.js'],
  ['lib/ops/deploy/new.ts', '../doctor/index.js'],
  ['lib/ops/logs/new.ts', '../../entry/registry.js'],
  ['lib/ops/events/new.ts', '../../entry/execute.js'],
  // readiness runs doctor through the RunOperation port it is given, not the dispatcher it imports
  ['lib/ops/readiness/index.ts', '../../entry/execute.js'],
  // @actions/core only in the action runtime adapter: an operation uses the Runtime ports (stepState)
  ['lib/ops/deploy/new.ts', '@actions/core'],
  ['lib/runtime/new.ts', '@actions/core'],
  ['lib/persistence/new.ts', '@actions/core'],
  ['lib/cli/new.ts', '@actions/core'],
])('%s may not import %s', async (file, source) => {
  expect(await restricted(file, source)).toHaveLength(1);
});

test.each([
  ['lib/ops/deploy/new.ts', './run.js'], // its own entry
  ['lib/ops/deploy/new.ts', '../doctor/engine.js'], // another operation's engine module
  ['lib/ops/ops_daily/new.ts', '../checks/engine.js'], // a shared engine
  ['lib/ops/alerts/new.ts', '../checks/targets.js'],
  ['lib/ops/checks/new.ts', './engine.js'], // its own layer
  ['lib/ops/checks/new.ts', '../operation.js'],
  ['lib/ops/checks/new.ts', '../../transport/release-state.js'], // the foundation
  ['lib/transport/new.ts', '../isolation/names.js'], // the same layer
  ['lib/entry/new.ts', './registry.js'], // the entry layer imports the registry
  ['lib/cli/new.ts', '../entry/execute.js'],
  ['lib/entry/action.ts', '@actions/core'], // the action runtime adapter
  ['lib/persistence/action-hooks.ts', '@actions/core'],
])('%s may import %s', async (file, source) => {
  expect(await restricted(file, source)).toEqual([]);
});

test('lib/ passes its import boundaries (known violations are listed in eslint.config.js)', async () => {
  const results = await eslint.lintFiles(['lib/**/*.ts']);
  const hits = results.flatMap((r) =>
    r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`),
  );
  expect(hits).toEqual([]);
}, 120_000);
