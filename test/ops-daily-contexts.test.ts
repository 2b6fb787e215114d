/**
 * ops_daily across many contexts (issue 16; workflows-templates/ops_daily-contexts.yml): each
 * matrix job runs one context and leaves its JSON envelope as `<context>.json`; the summary job
 * (`mode: summary`, CLI `paas ops daily --mode summary --results <dir> --contexts a,b`) lists every
 * context's status. And one alert issue per context, even when the contexts' jobs run at once
 * against the same repository (the OpenAPI-checked fake GitHub API).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FakeGitHub } from './harness/github-api.js';
import { useAlertServers } from './harness/alert-servers.js';
import { REPO_ROOT } from './harness/metadata.js';
import type { HttpApp } from './harness/http-app.js';
import { cli, tempDir } from './helpers.js';
import { opsFixture, runOpsDirect, statusLines, type OpsFixture } from './ops-fixtures.js';
import { alertMarker, ALERT_TITLE } from '../lib/ops/alerts/lifecycle.js';
import { summarizeEnvelope } from '../lib/ops/ops_daily/summary.js';

let gh: FakeGitHub;
let app: HttpApp;
const fixtures: OpsFixture[] = [];
const servers = useAlertServers(() => fixtures.forEach((f) => f.cleanup()));
beforeAll(() => {
  ({ gh, app } = servers);
});

const YAML = 'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL }\n';
const runEnv = (event = 'schedule') => ({
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_TOKEN: gh.token,
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '777',
  GITHUB_EVENT_NAME: event,
});

async function fixture(context: string, url: string): Promise<OpsFixture> {
  const f = await opsFixture({ context, yaml: YAML, vault: { API_URL: url } });
  fixtures.push(f);
  return f;
}

/** One matrix job: `paas ops daily --json`, its envelope written where the summary job finds it. */
async function matrixJob(f: OpsFixture, dir: string, env = runEnv()): Promise<number> {
  const r = await f.ops(['--json'], env);
  writeFileSync(join(dir, `${f.context}.json`), r.stdout.trim().split('\n').at(-1) ?? '');
  return r.code;
}

const summarize = (dir: string, contexts?: string, json = false) =>
  cli(
    [
      'ops',
      'daily',
      '--mode',
      'summary',
      '--results',
      dir,
      ...(contexts ? ['--contexts', contexts] : []),
      ...(json ? ['--json'] : []),
    ],
    runEnv(),
  );

describe('mode summary: every context of the matrix, one line each', () => {
  test('healthy and unhealthy contexts, and one whose job left no result: listed, exit 1 (missing is an error)', async () => {
    const dir = tempDir('paas-results-');
    const ok = await fixture('internal-dogfood', app.url);
    const bad = await fixture('customer-acme', 'http://127.0.0.1:9/down');
    expect(await matrixJob(ok, dir)).toBe(0);
    expect(await matrixJob(bad, dir)).toBe(2);

    const two = await summarize(dir, 'internal-dogfood,customer-acme');
    expect(two.code).toBe(2);
    expect(statusLines(two)).toEqual([
      expect.stringMatching(
        /^ops_daily_context status=unhealthy context=customer-acme reason=api:connect_failed issue=\d+$/,
      ),
      'ops_daily_context status=healthy context=internal-dogfood',
      'ops_daily status=unhealthy mode=summary contexts=2 failed=1',
    ]);

    const three = await summarize(dir, 'internal-dogfood,customer-acme,oss-demo', true);
    expect(three.code).toBe(1);
    const env = three.json();
    expect(env).toMatchObject({ ok: false, command: 'ops_daily', mode: 'summary' });
    expect(env.fields.overall).toBe('error');
    expect(env.fields.contexts).toEqual([
      expect.objectContaining({ context: 'customer-acme', status: 'unhealthy', alert: 'opened', exit_code: 2 }),
      expect.objectContaining({ context: 'internal-dogfood', status: 'healthy', exit_code: 0 }),
      {
        context: 'oss-demo',
        status: 'missing',
        reason: 'no_result',
        exit_code: 1,
        alert: null,
        issue: null,
        file: null,
      },
    ]);
    const text = await summarize(dir, 'internal-dogfood,customer-acme,oss-demo');
    expect(statusLines(text).at(-1)).toBe('ops_daily status=error mode=summary contexts=3 failed=2 missing=oss-demo');
  });

  test('insufficient_data normalized on a schedule counts as green; the same on a manual run does not', () => {
    const env = (normalized: boolean) => ({
      ok: normalized,
      command: 'ops_daily',
      context: 'oss-demo',
      mode: 'prod',
      fields: { overall: 'insufficient_data', reason: 'delivered_total_0', normalized, alert_issue: null },
    });
    expect(summarizeEnvelope(env(true), 'oss-demo.json')).toMatchObject({ status: 'insufficient_data', exit_code: 0 });
    expect(summarizeEnvelope(env(false), 'oss-demo.json')).toMatchObject({ status: 'insufficient_data', exit_code: 2 });
    // an error envelope (no overall): error with the code as reason
    expect(
      summarizeEnvelope(
        {
          ok: false,
          command: 'ops_daily',
          context: 'oss-demo',
          mode: 'prod',
          fields: {},
          error: { code: 'PAAS_VAULT_UNMAPPED' },
        },
        null,
      ),
    ).toMatchObject({ status: 'error', reason: 'vault_unmapped', exit_code: 1 });
    // nothing but allowlisted tokens leaves a file
    expect(
      summarizeEnvelope(
        {
          command: 'ops_daily',
          context: 'oss-demo',
          fields: { overall: 'unhealthy', reason: 'x y=1 status=ok', alert: { action: 'opened\nops_daily status=ok' } },
        },
        null,
      ),
    ).toMatchObject({ status: 'unhealthy', reason: null, alert: null });
    expect(summarizeEnvelope({ command: 'deploy', context: 'oss-demo', fields: {} }, null)).toBeNull();
    expect(summarizeEnvelope({ command: 'ops_daily', context: '../etc', fields: {} }, null)).toBeNull();
  });

  test('a file that is not a result, and a second result for one context, are invalid (exit 1)', async () => {
    const dir = tempDir('paas-results-');
    const ok = await fixture('internal-dogfood', app.url);
    await matrixJob(ok, dir);
    writeFileSync(join(dir, 'oss-demo.json'), 'not json');
    writeFileSync(
      join(dir, 'copy.json'),
      JSON.stringify({ command: 'ops_daily', context: 'internal-dogfood', fields: { overall: 'healthy' } }),
    );
    const r = await summarize(dir);
    expect(r.code).toBe(1);
    expect(statusLines(r)).toEqual([
      'ops_daily_context status=healthy context=internal-dogfood',
      'ops_daily_context status=invalid context=internal-dogfood reason=duplicate_result',
      'ops_daily_context status=invalid context=oss-demo reason=not_json',
      'ops_daily status=error mode=summary contexts=3 failed=2',
    ]);
  });

  test(
    'nothing to summarize is never green: no results and no contexts is an error; ' +
      'a missing directory with contexts reports each missing',
    async () => {
      const empty = tempDir('paas-results-');
      const r = await summarize(empty, undefined, true);
      expect(r.code).toBe(1);
      expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
      const gone = await summarize(join(empty, 'never-downloaded'), 'internal-dogfood,oss-demo');
      expect(gone.code).toBe(1);
      expect(statusLines(gone).at(-1)).toBe(
        'ops_daily status=error mode=summary contexts=2 failed=2 missing=internal-dogfood,oss-demo',
      );
      const noDir = await cli(['ops', 'daily', '--mode', 'summary', '--json'], runEnv());
      expect(noDir.code).toBe(1);
      expect(noDir.json().error?.message).toMatch(/needs `results`/);
    },
  );
});

describe('one alert issue per context, also when the matrix jobs run at once', () => {
  test('three contexts failing concurrently open three issues (each its own marker); one recovering closes only its own', async () => {
    const names = ['internal-dogfood', 'oss-demo', 'customer-acme'];
    const fs = await Promise.all(names.map((n) => fixture(n, 'http://127.0.0.1:9/down')));
    gh.seed(120, 5); // the listing spans pages, so the runs overlap while scanning
    const first = await Promise.all(fs.map((f) => runOpsDirect(f, { env: runEnv() })));
    expect(first.map((r) => r.code)).toEqual([2, 2, 2]);
    for (const n of names) {
      const issues = gh.openIssuesWith(alertMarker(n));
      expect([n, issues.length]).toEqual([n, 1]);
      expect(issues[0]!.title).toBe(`${ALERT_TITLE}: ${n}`);
      for (const other of names.filter((o) => o !== n)) expect(issues[0]!.body).not.toContain(alertMarker(other));
    }
    const numbers = new Set(names.map((n) => gh.openIssuesWith(alertMarker(n))[0]!.number));
    expect(numbers.size).toBe(3);
    // no run took another context's issue for a duplicate of its own
    expect([...gh.issues.values()].filter((i) => i.state_reason === 'duplicate')).toEqual([]);

    // oss-demo recovers; the two others fail again at the same time
    fs[1]!.writeVault({ API_URL: app.url });
    const second = await Promise.all(fs.map((f) => runOpsDirect(f, { env: runEnv() })));
    expect(second.map((r) => r.code)).toEqual([2, 0, 2]);
    expect(gh.openIssuesWith(alertMarker('oss-demo'))).toEqual([]);
    for (const n of ['internal-dogfood', 'customer-acme']) {
      const [issue] = gh.openIssuesWith(alertMarker(n));
      expect([n, issue?.comments.length]).toEqual([n, 1]);
    }
  });
});

describe('workflows-templates/ops_daily-contexts.yml', () => {
  type Step = {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    id?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
  };
  type Job = {
    needs?: string;
    if?: string;
    environment?: string;
    strategy?: { 'fail-fast'?: boolean; matrix?: { context?: string } };
    steps: Step[];
  };
  const wf = parse(readFileSync(join(REPO_ROOT, 'workflows-templates', 'ops_daily-contexts.yml'), 'utf8')) as {
    jobs: { ops_daily: Job; summary: Job };
  };
  const { ops_daily: matrix, summary } = wf.jobs;
  const expr = (s: string) => /\$\{\{\s*(.*?)\s*\}\}/.exec(s)?.[1] ?? '';

  test('one job per context (fail-fast off, its own environment), a summary job that always runs over the same contexts', () => {
    expect(matrix.strategy?.['fail-fast']).toBe(false);
    expect(matrix.environment).toBe('${{ matrix.context }}-ops');
    const list = expr(matrix.strategy?.matrix?.context ?? '');
    expect(list).toMatch(/^fromJSON\(inputs\.contexts \|\| vars\.PAAS_OPS_CONTEXTS \|\| '\[.*\]'\)$/);
    expect(summary).toMatchObject({ needs: 'ops_daily', if: 'always()' });
    const sumStep = summary.steps.find((s) => s.with?.mode === 'summary');
    expect(expr(String(sumStep?.with?.contexts))).toBe(`join(${list}, ',')`);
    // what the matrix uploads is what the summary downloads, where the summary reads it
    const upload = matrix.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    const download = summary.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(upload).toMatchObject({ if: 'always()', with: { name: 'ops_daily-${{ matrix.context }}' } });
    expect(download?.with).toMatchObject({ pattern: 'ops_daily-*', 'merge-multiple': true });
    expect(sumStep?.with?.results).toBe(download?.with?.path);
  });

  test(
    "the 'keep the result' step, run as the runner runs it, leaves a file the summary reads; " +
      'an unsafe context name writes nothing',
    async () => {
      const keep = matrix.steps.find((s) => s.name === 'keep the result' || s.run?.includes('ops_daily-result'));
      expect(keep?.if).toBe('always()');
      expect(keep?.env).toEqual({ CONTEXT: '${{ matrix.context }}', RESULT: '${{ steps.ops.outputs.result }}' });
      const f = await fixture('customer-acme', 'http://127.0.0.1:9/down');
      const r = await f.ops(['--json'], runEnv());
      const runnerTemp = tempDir('paas-runner-temp-');
      const run = (env: Record<string, string>) =>
        spawnSync('bash', ['-e', '-c', keep?.run ?? ''], {
          env: { PATH: process.env.PATH, RUNNER_TEMP: runnerTemp, ...env },
          encoding: 'utf8',
        });
      expect(run({ CONTEXT: 'customer-acme', RESULT: r.stdout.trim().split('\n').at(-1) ?? '' }).status).toBe(0);
      // a job that never produced a result (the action did not run): no file, the summary says missing
      expect(run({ CONTEXT: 'oss-demo', RESULT: '' }).status).toBe(0);
      expect(run({ CONTEXT: '../evil', RESULT: '{}' }).status).toBe(1);
      expect(readdirSync(join(runnerTemp, 'ops_daily-result'))).toEqual(['customer-acme.json']);
      const s = await summarize(join(runnerTemp, 'ops_daily-result'), 'customer-acme,oss-demo');
      expect(statusLines(s)).toEqual([
        expect.stringMatching(/^ops_daily_context status=unhealthy context=customer-acme reason=api:\w+ issue=\d+$/),
        'ops_daily_context status=missing context=oss-demo reason=no_result',
        'ops_daily status=error mode=summary contexts=2 failed=2 missing=oss-demo',
      ]);
    },
  );
});
