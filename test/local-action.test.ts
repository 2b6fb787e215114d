/**
 * The actions under `@github/local-action` (GitHub's independent local runner for the
 * typescript-action layout): it imports `actions/<op>/main.ts`, calls the exported `run()` with its
 * own `@actions/core` stub, then the `post:` entry's `run()`. Works offline (tsx and the stubs are
 * in node_modules). doctor, db_bootstrap dry_run and a deploy plan, post step included; the outputs
 * the stub records are exactly the ones action.yml declares.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadActionMetadata, REPO_ROOT, type OperationAction } from './harness/metadata.js';

let tmp: string;
let ws: string;
let target: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'paas-local-action-'));
  ws = join(tmp, 'ws');
  target = join(tmp, 'target');
  mkdirSync(join(ws, 'db', 'migrations'), { recursive: true });
  mkdirSync(join(ws, 'build'));
  mkdirSync(target);
  writeFileSync(
    join(ws, 'paas.yml'),
    [
      'version: 1',
      'apps:',
      '  web:',
      '    artifact: build/web.tar.gz',
      '    start: ./bin/start',
      '    health: { command: "true" }',
      'db:',
      '  migrations: db/migrations',
      '',
    ].join('\n'),
  );
  writeFileSync(join(ws, 'db', 'migrations', '0001_init.sql'), 'create table t (id int);\n');
  writeFileSync(join(ws, 'db', 'migrations', '0002_more.sql'), 'alter table t add column name text;\n');
  const app = join(tmp, 'app');
  mkdirSync(join(app, 'bin'), { recursive: true });
  writeFileSync(join(app, 'bin', 'start'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', join(ws, 'build', 'web.tar.gz'), '-C', app, '.']);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface LocalRun {
  code: number | null;
  out: string;
  outputs: Record<string, string>;
  post: string;
}

/** `local-action run actions/<op> main.ts <.env> --post <actions/post/main.ts>` */
function localAction(op: OperationAction, inputs: Record<string, string>): LocalRun {
  const env = [
    ...Object.entries(inputs).map(([k, v]) => `INPUT_${k.toUpperCase()}=${v}`),
    `GITHUB_WORKSPACE=${ws}`,
    `RUNNER_TEMP=${tmp}`,
    '',
  ].join('\n');
  const file = join(tmp, `${op}.env`);
  writeFileSync(file, env);
  const r = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'local-action'),
    ['run', join(REPO_ROOT, 'actions', op), 'main.ts', file, '--post', join(REPO_ROOT, 'actions', 'post', 'main.ts')],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // npm test puts node_modules/.bin (Node 24, tsx) first on PATH; the runner's own variables are not inherited
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(tmp, 'home'),
        npm_config_cache: join(tmp, 'npm-cache'),
        npm_config_update_notifier: 'false',
      },
      timeout: 120_000,
    },
  );
  const out = `${r.stdout}${r.stderr}`;
  const outputs: Record<string, string> = {};
  for (const m of out.matchAll(/^::set-output name=([a-z0-9_]+)::(.*)$/gm)) outputs[m[1] as string] = m[2] as string;
  const post = out.split(/Running Post Step/)[1]?.split(/Action Outputs/)[0] ?? '';
  return { code: r.status, out, outputs, post };
}

const declared = (op: OperationAction) => Object.keys(loadActionMetadata(op).outputs ?? {}).sort();
const common = () => ({
  context: 'oss-demo',
  state_root: join(tmp, 'state'),
  config: 'paas.yml',
  allow_unsafe_state_root: 'false',
  state_reset: 'false',
});

describe('@github/local-action runs main.ts run() and the post step', () => {
  test('doctor', () => {
    const r = localAction('doctor', {
      ...common(),
      fail_on: 'any',
      baseline: '.paas/doctor-baseline.json',
      update_baseline: 'false',
      max_file_size: '16777216',
    });
    expect({ code: r.code, status: r.outputs.status }).toEqual({
      code: 0,
      status: expect.stringMatching(/^doctor status=ok checks=5 findings=0\b/),
    });
    expect(Object.keys(r.outputs).sort()).toEqual(declared('doctor'));
    expect(JSON.parse(r.outputs.result ?? '{}')).toMatchObject({ ok: true, command: 'doctor', context: 'oss-demo' });
    expect(r.post).toContain('paas post: nothing to clean up');
  }, 150_000);

  test('db_bootstrap dry_run', () => {
    const r = localAction('db_bootstrap', { ...common(), mode: 'dry_run' });
    expect({ code: r.code, status: r.outputs.status }).toEqual({
      code: 0,
      status: 'db_bootstrap_dry_run status=ok migrations=2',
    });
    expect(Object.keys(r.outputs).sort()).toEqual(declared('db_bootstrap'));
    expect({ migrations: r.outputs.migrations, applied: r.outputs.applied }).toEqual({ migrations: '2', applied: '0' });
    expect(r.post).toContain('paas post: nothing to clean up');
  }, 150_000);

  test('deploy plan', () => {
    const r = localAction('deploy', {
      ...common(),
      vault: `PAAS_TARGETS=web1=local:${target}`,
      app: 'web',
      release_id: 'v1',
      mode: 'deploy',
      apply: 'false',
      rollback_on_failure: 'true',
    });
    expect({ code: r.code, status: r.outputs.status }).toEqual({
      code: 0,
      status: 'deploy status=planned mode=plan release_id=v1 targets=1 strategy=serial batches=1',
    });
    expect(Object.keys(r.outputs).sort()).toEqual(declared('deploy'));
    expect({
      release_id: r.outputs.release_id,
      target_statuses: r.outputs.target_statuses,
      fanout_plan: r.outputs.fanout_plan,
    }).toEqual({ release_id: 'v1', target_statuses: 'web1:planned', fanout_plan: 'web1' });
    expect(r.post).toContain('paas post: nothing to clean up');
  }, 150_000);
});
