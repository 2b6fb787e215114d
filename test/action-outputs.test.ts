/**
 * Every action writes to GITHUB_OUTPUT exactly the outputs its action.yml declares: each declared
 * output is set (empty when the run has no value for it), nothing undeclared is set. Runs the
 * bundles as the runner does (test/harness/runner.ts), on a success and a failure of every action
 * and the umbrella. Assumes dist/ is built (or PAAS_HARNESS_DIST).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_OUTPUTS } from '../lib/entry/action.js';
import { createSandbox, runAction, type ActionName, type InputValue, type Sandbox } from './harness/runner.js';
import { loadActionMetadata, OPERATION_ACTIONS } from './harness/metadata.js';

const PAAS_YML = [
  'version: 1',
  'apps:',
  '  web:',
  '    artifact: build/web.tar.gz',
  '    start: ./bin/start',
  '    health: { command: "true" }',
  'db:',
  '  migrations: db/migrations',
  'ops:',
  '  checks:',
  '    - name: disk',
  '      target: { disk_max_pct: 99 }',
  '',
].join('\n');

let tmp: string;
let sb: Sandbox;
let targetDir: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'paas-outputs-'));
  targetDir = join(tmp, 'target');
  mkdirSync(targetDir, { mode: 0o700 });
  sb = createSandbox({
    files: {
      'paas.yml': PAAS_YML,
      'db/migrations/0001_init.sql': 'create table t (id int);\n',
      'bin/start': '#!/bin/sh\nexit 0\n',
    },
  });
  const app = join(tmp, 'app');
  mkdirSync(join(app, 'bin'), { recursive: true });
  writeFileSync(join(app, 'bin', 'start'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  mkdirSync(join(sb.workspace, 'build'), { recursive: true });
  execFileSync('tar', ['-czf', join(sb.workspace, 'build', 'web.tar.gz'), '-C', app, '.']);
});
afterAll(() => {
  sb?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const declared = (a: ActionName) => Object.keys(loadActionMetadata(a).outputs ?? {}).sort();

/** name, action, inputs, outputs that must hold a value */
type Case = [string, ActionName, () => Record<string, InputValue>, string[]];
const common = () => ({ context: 'oss-demo', state_root: sb.stateRoot });
const vault = () => `PAAS_TARGETS=web1=local:${targetDir}\n`;
const CASES: Case[] = [
  ['doctor ok', 'doctor', () => ({ ...common() }), ['findings']],
  ['doctor invalid input', 'doctor', () => ({ ...common(), fail_on: 'sometimes' }), []],
  [
    'db_bootstrap dry_run',
    'db_bootstrap',
    () => ({ ...common(), mode: 'dry_run' }),
    ['migrations', 'applied', 'pending'],
  ],
  ['db_bootstrap invalid input', 'db_bootstrap', () => ({ ...common(), mode: 'yes' }), []],
  [
    'deploy plan',
    'deploy',
    () => ({ ...common(), vault: vault(), app: 'web', release_id: 'v1' }),
    ['release_id', 'target_statuses', 'fanout_plan', 'artifact_sha256'],
  ],
  ['deploy without targets', 'deploy', () => ({ ...common(), app: 'web' }), []],
  [
    'deploy plan_shards',
    'deploy',
    () => ({ ...common(), vault: vault(), app: 'web', mode: 'plan_shards', shards: '2' }),
    ['matrix'],
  ],
  [
    'rollback plan with nothing to roll back to',
    'rollback',
    () => ({ ...common(), vault: vault(), app: 'web' }),
    ['failed_stage'],
  ],
  ['prod_verify dry_run', 'prod_verify', () => ({ ...common(), mode: 'dry_run' }), ['verdict']],
  ['ops_daily', 'ops_daily', () => ({ ...common(), vault: vault() }), []],
  ['umbrella doctor', 'paas', () => ({ ...common(), operation: 'doctor' }), ['findings']],
  ['umbrella without operation', 'paas', () => ({ ...common() }), []],
];

describe('GITHUB_OUTPUT holds exactly the outputs action.yml declares', () => {
  test.each(CASES)('%s', async (_name, action, inputs, valued) => {
    const r = await runAction({ action, inputs: inputs(), sandbox: sb, post: false });
    expect({ exit: r.exitCode, signal: r.signal }).toEqual({ exit: r.exitCode, signal: null });
    expect(Object.keys(r.outputs).sort()).toEqual(declared(action));
    expect(r.deprecatedCommands.setOutput).toEqual({});
    for (const o of ['result', 'status', 'exit_code', ...valued])
      expect({ o, set: (r.outputs[o] ?? '') !== '' }).toEqual({ o, set: true });
    // the scalar fields the envelope carries for a declared output are the output's value
    const env = r.envelope as { fields: Record<string, unknown> };
    for (const name of declared(action)) {
      const v = env.fields[name];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        expect({ name, value: r.outputs[name] }).toEqual({ name, value: String(v) });
    }
  });
});

describe('the runtime list of outputs is the action.yml list', () => {
  test.each(OPERATION_ACTIONS)('%s', (op) => {
    expect([...ACTION_OUTPUTS[op]].sort()).toEqual(declared(op));
  });
  test('umbrella: the union of the six', () => {
    expect([...new Set(OPERATION_ACTIONS.flatMap((op) => ACTION_OUTPUTS[op]))].sort()).toEqual(declared('paas'));
  });
});
