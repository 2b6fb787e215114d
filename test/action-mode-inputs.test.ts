/**
 * An action input the run's mode does not read is named in a warning (the CLI refuses it,
 * test/cli-flags.test.ts); inputs left at their action.yml defaults are not. Runs the bundles as
 * the runner does (test/harness/runner.ts); assumes dist/ is built (or PAAS_HARNESS_DIST).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createSandbox, REPO_ROOT, runAction, type Sandbox } from './harness/runner.js';
import { inputsOutsideMode } from '../lib/ops/operation.js';
import { deploy } from '../lib/ops/deploy/index.js';
import { opsDaily } from '../lib/ops/ops_daily/index.js';

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox({ files: { 'paas.yml': 'version: 1\nops:\n  checks: []\n' } });
});
afterAll(() => sb?.cleanup());

describe('inputs outside the mode', () => {
  test('given inputs another mode reads are named; defaults, common inputs and the mode itself are not', () => {
    expect(inputsOutsideMode(deploy, { mode: 'reconcile', artifact: 'build/x.tgz', apply: 'false' })).toEqual({
      mode: 'reconcile',
      names: ['artifact'],
    });
    expect(inputsOutsideMode(deploy, { mode: 'reconcile', apply: 'true', shards: '3' })?.names).toEqual([
      'apply',
      'shards',
    ]);
    expect(inputsOutsideMode(deploy, { artifact: 'build/x.tgz', apply: 'true', context: 'c' })).toBeNull();
    expect(inputsOutsideMode(opsDaily, { results: '/tmp/r' })).toEqual({ mode: 'prod', names: ['results'] });
    expect(inputsOutsideMode(opsDaily, { mode: 'summary', results: '/tmp/r' })).toBeNull();
  });

  test('the ops_daily action warns about `results` on a prod run, and not when nothing is out of place', async () => {
    const warned = await runAction({
      action: 'ops_daily',
      sandbox: sb,
      inputs: { context: 'demo', results: 'results' },
      post: false,
    });
    const warnings = warned.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toContainEqual(expect.stringContaining('ops_daily mode prod does not read input results'));
    // github_token is given in every mode (action.yml defaults it to the job's token): never named
    const runs: Record<string, string>[] = [
      { context: 'demo' },
      { context: 'demo', mode: 'summary', github_token: 'ghs_x' },
    ];
    for (const inputs of runs) {
      const quiet = await runAction({ action: 'ops_daily', sandbox: sb, inputs, post: false });
      expect(quiet.annotations.filter((a) => a.message.includes('does not read'))).toEqual([]);
    }
  });

  test("no workflow template gives an input its step's mode does not read", () => {
    const defs = { deploy, ops_daily: opsDaily } as const;
    const dir = join(REPO_ROOT, 'workflows-templates');
    let checked = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
      const wf = parse(readFileSync(join(dir, f), 'utf8')) as {
        jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
      };
      for (const job of Object.values(wf.jobs))
        for (const step of job.steps ?? []) {
          const op = /\/actions\/(deploy|ops_daily)@/.exec(step.uses ?? '')?.[1] as keyof typeof defs | undefined;
          const mode = step.with?.mode;
          if (!op || (typeof mode === 'string' && mode.includes('${{'))) continue;
          const def = defs[op];
          const given = Object.entries(step.with ?? {}).filter(([n]) => !def.secretInputs.includes(n));
          expect([f, inputsOutsideMode(def, Object.fromEntries(given.map(([n, v]) => [n, String(v)])))]).toEqual([
            f,
            null,
          ]);
          checked++;
        }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
