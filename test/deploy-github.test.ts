/**
 * GitHub Deployments of a real deploy (local transport, the real remote scripts and a real app)
 * against the local GitHub API (test/harness/github-api.ts), which checks every request and every
 * deployment response against GitHub's OpenAPI description. Octokit talks HTTP to it through
 * GITHUB_API_URL exactly as it would to api.github.com: a Deployment for the context's environment,
 * statuses in_progress then success (environment URL = the app's url) or failure (naming the stage
 * and the target), earlier deployments made inactive, API failures only warnings, and the token
 * never in any output.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp, type OpRun } from './harness/deploy-app.js';
import { startGitHubApi, type FakeDeployment, type FakeGitHub } from './harness/github-api.js';
import { freePort, stopApps } from './harness/sshd.js';

const SHA = 'ffac537e6cbbf934b08745a378932722df287a53';
const RUN_ID = '4242';
const APP_URL = 'https://shop.example.com/';

let gh: FakeGitHub;
let base: string;
let rels: string;
let work: string;
let stateRoot: string;
let vault: string;
const dirs: Record<string, string> = {};

beforeAll(async () => {
  gh = await startGitHubApi({ owner: 'acme', repo: 'shop' });
  base = tempDir('paas-ghdeploy-');
  rels = join(base, 'rels');
  mkdirSync(rels);
  for (const v of ['v1', 'v2', 'v3']) makeRelease(rels, v);
  makeRelease(rels, 'v4broken', { failOn: ['web2'] });
  for (const t of ['web1', 'web2']) {
    dirs[t] = join(base, t);
    mkdirSync(dirs[t] as string);
    writeFileSync(join(dirs[t] as string, 'port'), `${await freePort()}\n`);
  }
  work = join(base, 'work');
  mkdirSync(work);
  // command health check (each target's app listens on its own port; 8 s: an app starts slowly on a
  // loaded machine, and a deploy that fails its health gate is not what these tests are about);
  // the context maps to a GitHub environment
  writeFileSync(
    join(work, 'paas.yml'),
    appYml({ strategy: 'serial', deadline: '8s', extra: `    url: ${APP_URL}` }) +
      'contexts:\n  oss-demo:\n    environment: demo-eu\n',
  );
  stateRoot = join(base, 'state');
  expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
  vault = `PAAS_TARGETS=web1=local:${dirs.web1},web2=local:${dirs.web2}\n`;
});
afterAll(async () => {
  stopApps(base);
  rmrf(base);
  await gh.close();
});
beforeEach(() => {
  gh.violations.length = 0;
  gh.requests.length = 0;
});

const tgz = (v: string) => join(rels, `${v}.tar.gz`);
const runnerEnv = () => ({
  GITHUB_API_URL: gh.url,
  GITHUB_REPOSITORY: gh.repository,
  GITHUB_SHA: SHA,
  GITHUB_RUN_ID: RUN_ID,
  GITHUB_SERVER_URL: 'https://github.com',
});

function deploy(artifact: string, release: string, extraEnv: Record<string, string> = {}): Promise<OpRun> {
  return runOp(
    'deploy',
    {
      context: 'oss-demo',
      state_root: stateRoot,
      vault,
      app: 'web',
      artifact: tgz(artifact),
      release_id: release,
      apply: 'true',
      github_token: gh.token,
    },
    { cwd: work, env: { ...runnerEnv(), ...extraEnv } },
  );
}

const newest = (): FakeDeployment => [...gh.deployments.values()].at(-1) as FakeDeployment;
const states = (d: FakeDeployment) => d.statuses.map((s) => s.state);

/** Everything a person or a machine could see of a run, plus the context's event log. */
async function assertNoToken(r: OpRun): Promise<void> {
  expect(r.visible).not.toContain(gh.token);
  const events = await cli(['events', 'list', '--context', 'oss-demo', '--state-root', stateRoot, '--json']);
  expect(events.stdout).not.toContain(gh.token);
}

describe('GitHub Deployments through the real API shape', () => {
  test('a successful deploy: deployment for the environment and ref, in_progress then success with the environment URL', async () => {
    const r = await deploy('v1', 'v1');
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(r.outcome.exitCode).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(gh.deployments.size).toBe(1);
    const d = newest();
    expect(d).toMatchObject({
      ref: SHA,
      sha: SHA,
      task: 'deploy',
      environment: 'demo-eu',
      original_environment: 'demo-eu',
      payload: { context: 'oss-demo', app: 'web', release_id: 'v1' },
      production_environment: false,
      transient_environment: false,
    });
    expect(d.description).toBe('deploy web v1 to oss-demo');
    expect(states(d)).toEqual(['in_progress', 'success']);
    const [progress, success] = d.statuses;
    expect(progress?.environment_url).toBe('');
    expect(success).toMatchObject({
      environment: 'demo-eu',
      environment_url: APP_URL,
      log_url: `https://github.com/acme/shop/actions/runs/${RUN_ID}`,
    });
    expect(success?.description).toBe('web v1 healthy on 2 target(s)');
    // the request bodies as sent: no merge of the default branch, no commit-status gate, auto_inactive on
    const sent = gh.requests.filter((q) => q.method === 'POST').map((q) => `${q.template} ${JSON.stringify(q.body)}`);
    expect(sent).toHaveLength(3);
    const create = gh.requests.find((q) => q.method === 'POST' && q.template === '/repos/{owner}/{repo}/deployments')
      ?.body as Record<string, unknown>;
    expect(create).toMatchObject({ ref: SHA, environment: 'demo-eu', auto_merge: false, required_contexts: [] });
    const statusBodies = gh.requests
      .filter((q) => q.template === '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses')
      .map((q) => q.body as Record<string, unknown>);
    expect(statusBodies.map((b) => [b.state, b.auto_inactive])).toEqual([
      ['in_progress', true],
      ['success', true],
    ]);
    // what the API now answers (newest status first), as any GitHub client would read it
    const list = await fetch(`${gh.url}/repos/acme/shop/deployments/${d.id}/statuses`, {
      headers: { authorization: `Bearer ${gh.token}` },
    });
    expect(((await list.json()) as Array<{ state: string }>).map((s) => s.state)).toEqual(['success', 'in_progress']);
    const byEnv = await fetch(`${gh.url}/repos/acme/shop/deployments?environment=demo-eu&ref=${SHA}`, {
      headers: { authorization: `Bearer ${gh.token}` },
    });
    expect(((await byEnv.json()) as Array<{ id: number }>).map((x) => x.id)).toEqual([d.id]);
    expect(gh.violations).toEqual([]);
    await assertNoToken(r);
  });

  test('a failing health check: in_progress then failure naming the stage and the target; the fleet is rolled back', async () => {
    const r = await deploy('v4broken', 'v4');
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(r.outcome.envelope.fields.target_statuses).toMatch(/^web1:rolled_back,web2:(failed|rolled_back)$/);
    expect(readlinkSync(join(dirs.web1 as string, 'oss-demo', 'web', 'current'))).toBe('releases/v1');
    expect(gh.violations).toEqual([]);
    const d = newest();
    expect(d.payload).toEqual({ context: 'oss-demo', app: 'web', release_id: 'v4' });
    expect(states(d)).toEqual(['in_progress', 'failure']);
    const failure = d.statuses[1];
    expect(failure?.description).toMatch(/\bhealth\b/);
    expect(failure?.description).toMatch(/\bweb2\b/);
    expect(failure?.description).toBe('failed at health on web2; fleet rolled back');
    expect(failure?.environment_url).toBe(''); // no environment URL for a failed deploy
    // the earlier successful deployment is untouched by a failure
    expect(states(gh.deployments.get(1) as FakeDeployment)).toEqual(['in_progress', 'success']);
    await assertNoToken(r);
  });

  test('a failure before any switch (lock held by another run) is a failure status too', async () => {
    const lockDir = join(dirs.web1 as string, 'oss-demo', 'web', '.paas', 'lock');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'token'), 'someone-else\n');
    writeFileSync(join(lockDir, 'owner.json'), JSON.stringify({ run: '1', actor: 'other' }));
    writeFileSync(join(lockDir, 'expires'), `${Math.floor(Date.now() / 1000) + 600}\n`);
    try {
      const r = await deploy('v2', 'v2-locked');
      expect(r.outcome.envelope.error?.code).toBe('PAAS_LOCK_HELD');
      expect(gh.violations).toEqual([]);
      expect(states(newest())).toEqual(['in_progress', 'failure']);
      expect(newest().statuses[1]?.description).toBe('deploy failed before any target switched');
      await assertNoToken(r);
    } finally {
      rmrf(lockDir);
    }
  });

  test('the next successful deploy makes the earlier successful deployment of the environment inactive', async () => {
    const r = await deploy('v2', 'v2');
    expect(r.outcome.exitCode).toBe(0);
    expect(gh.violations).toEqual([]);
    expect(states(newest())).toEqual(['in_progress', 'success']);
    expect(states(gh.deployments.get(1) as FakeDeployment)).toEqual(['in_progress', 'success', 'inactive']);
    await assertNoToken(r);
  });

  test('GitHub answering 500 is a warning: the deploy itself succeeds, nothing else is called', async () => {
    gh.failNext(500, 1, 'post /repos/{owner}/{repo}/deployments');
    const before = gh.deployments.size;
    const r = await deploy('v3', 'v3');
    expect(r.outcome.exitCode).toBe(0);
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(gh.deployments.size).toBe(before);
    expect(r.logs.some((l) => /GitHub deployment could not be created/.test(l))).toBe(true);
    expect(gh.requests.filter((q) => q.template?.endsWith('/statuses'))).toEqual([]);
    expect(gh.violations).toEqual([]);
    await assertNoToken(r);
  });

  test('without github_token or outside a repository run: no GitHub call at all', async () => {
    const r = await runOp(
      'deploy',
      {
        context: 'oss-demo',
        state_root: stateRoot,
        vault,
        app: 'web',
        artifact: tgz('v3'),
        release_id: 'v3b',
        apply: 'true',
      },
      { cwd: work, env: runnerEnv() },
    );
    expect(r.outcome.exitCode).toBe(0);
    expect(gh.requests).toEqual([]);
  });

  test('the fake refuses what GitHub refuses (so a passing test means GitHub would accept the calls)', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${gh.url}${path}`, {
        method: 'POST',
        headers: { authorization: `token ${gh.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/repos/acme/shop/deployments', { environment: 'x' })).status).toBe(422); // ref missing
    expect((await post('/repos/acme/shop/deployments', { ref: 'main', enviroment: 'x' })).status).toBe(422); // typo'd field
    const id = newest().id;
    expect((await post(`/repos/acme/shop/deployments/${id}/statuses`, { state: 'done' })).status).toBe(422);
    expect(
      (await post(`/repos/acme/shop/deployments/${id}/statuses`, { state: 'success', description: 'x'.repeat(141) }))
        .status,
    ).toBe(422);
    expect(
      (
        await post(`/repos/acme/shop/deployments/${id}/statuses`, {
          state: 'success',
          environment_url: 'javascript:alert(1)',
        })
      ).status,
    ).toBe(422);
    expect((await post('/repos/acme/shop/deployments/999/statuses', { state: 'success' })).status).toBe(404);
    expect(gh.violations.length).toBe(5);
  });
});

describe('GitHub Deployments of a rollback', () => {
  function rollback(raw: Record<string, unknown> = {}): Promise<OpRun> {
    return runOp(
      'rollback',
      { context: 'oss-demo', state_root: stateRoot, vault, app: 'web', apply: 'true', github_token: gh.token, ...raw },
      { cwd: work, env: runnerEnv() },
    );
  }
  const current = (t: string) => readlinkSync(join(dirs[t] as string, 'oss-demo', 'web', 'current'));

  test('a plan makes no GitHub call', async () => {
    const r = await rollback({ apply: 'false' });
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(r.outcome.envelope.mode).toBe('plan');
    expect(r.outcome.lines.at(-1)).toMatch(/status=planned/);
    expect(gh.requests).toEqual([]);
    await assertNoToken(r);
  });

  test('a rollback apply: deployment for the environment, in_progress then success with the environment URL', async () => {
    const before = current('web1');
    const successful = [...gh.deployments.values()]
      .filter((d) => d.statuses.at(-1)?.state === 'success')
      .map((d) => d.id);
    const r = await rollback();
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(r.outcome.exitCode).toBe(0);
    const to = r.outcome.envelope.fields.release_id as string;
    expect(to).toBeTruthy();
    expect(`releases/${to}`).not.toBe(before);
    expect(current('web1')).toBe(`releases/${to}`);
    expect(current('web2')).toBe(`releases/${to}`);
    expect(gh.violations).toEqual([]);
    const d = newest();
    expect(d).toMatchObject({
      ref: SHA,
      sha: SHA,
      task: 'deploy',
      environment: 'demo-eu',
      payload: { context: 'oss-demo', app: 'web', release_id: to, rollback: true },
    });
    expect(d.description).toBe(`rollback web to ${to} in oss-demo`);
    expect(states(d)).toEqual(['in_progress', 'success']);
    expect(d.statuses[0]?.environment_url).toBe('');
    expect(d.statuses[1]).toMatchObject({
      environment: 'demo-eu',
      environment_url: APP_URL,
      log_url: `https://github.com/acme/shop/actions/runs/${RUN_ID}`,
    });
    expect(d.statuses[1]?.description).toBe(`web rolled back to ${to}, healthy on 2 target(s)`);
    // the rollback is now the environment's live deployment: earlier successful ones become inactive
    for (const id of successful) expect(states(gh.deployments.get(id) as FakeDeployment).at(-1)).toBe('inactive');
    await assertNoToken(r);
  });

  test('a failing rollback (the release is unhealthy on web2): in_progress then failure naming the stage and the target', async () => {
    // a release that fails its health check on web2 stays on the targets, marked bad, after the deploy rolled back
    makeRelease(rels, 'v5broken', { failOn: ['web2'] });
    const dep = await deploy('v5broken', 'v5');
    expect(dep.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    const deployments = gh.deployments.size;
    // v5 is marked bad: returning to it needs the confirming flag
    const r = await rollback({ to_release: 'v5', allow_bad_release: 'true' });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.outcome.envelope.error?.code).toBe('PAAS_HEALTH_CHECK_FAILED');
    expect(r.outcome.envelope.fields).toMatchObject({ failed_stage: 'health', failed_target: 'web2' });
    expect(r.outcome.summary).toContain('**PAAS_HEALTH_CHECK_FAILED** at health on web2');
    expect(r.outcome.summary).toContain('**Fix:**');
    expect(gh.violations).toEqual([]);
    expect(gh.deployments.size).toBe(deployments + 1);
    const d = newest();
    expect(d.payload).toEqual({ context: 'oss-demo', app: 'web', release_id: 'v5', rollback: true });
    expect(d.description).toBe('rollback web to v5 in oss-demo');
    expect(states(d)).toEqual(['in_progress', 'failure']);
    expect(d.statuses[1]?.description).toBe('rollback to v5 failed at health on web2');
    expect(d.statuses[1]?.environment_url).toBe('');
    await assertNoToken(r);
  });

  test('a release missing on the targets is refused before anything changes: no GitHub call', async () => {
    const r = await rollback({ to_release: 'nope' });
    expect(r.outcome.envelope.error?.code).toBe('PAAS_ROLLBACK_RESOLVE_FAILED');
    expect(gh.requests).toEqual([]);
    await assertNoToken(r);
  });

  test('GitHub answering 500 is a warning: the rollback itself succeeds', async () => {
    const r0 = await deploy('v2', 'v2c');
    expect(r0.outcome.exitCode).toBe(0);
    gh.requests.length = 0;
    gh.failNext(500, 1, 'post /repos/{owner}/{repo}/deployments');
    const before = gh.deployments.size;
    const r = await rollback();
    expect(r.outcome.exitCode).toBe(0);
    expect(r.outcome.envelope.error).toBeUndefined();
    expect(gh.deployments.size).toBe(before);
    expect(r.logs.some((l) => /GitHub deployment could not be created/.test(l))).toBe(true);
    expect(gh.requests.filter((q) => q.template?.endsWith('/statuses'))).toEqual([]);
    expect(gh.violations).toEqual([]);
    await assertNoToken(r);
  });
});

describe('GitHub Deployments of a sharded deploy: one, made by finalize', () => {
  const run = (raw: Record<string, unknown>) =>
    runOp(
      'deploy',
      { context: 'oss-demo', state_root: stateRoot, vault, app: 'web', apply: 'true', github_token: gh.token, ...raw },
      { cwd: work, env: runnerEnv() },
    );
  const shard = (i: number, artifact: string, release: string) =>
    run({ shard: `${i}/2`, artifact: tgz(artifact), release_id: release });

  test('the shards create none; finalize creates one: in_progress then success with the environment URL', async () => {
    const before = gh.deployments.size;
    for (const i of [1, 2]) expect((await shard(i, 'v3', 's1')).outcome.exitCode).toBe(0);
    expect(gh.deployments.size).toBe(before);
    const f = await run({ mode: 'finalize', release_id: 's1' });
    expect(f.outcome.envelope.error).toBeUndefined();
    expect(f.outcome.exitCode).toBe(0);
    expect(gh.deployments.size).toBe(before + 1);
    const d = newest();
    expect(d).toMatchObject({ environment: 'demo-eu', payload: { context: 'oss-demo', app: 'web', release_id: 's1' } });
    expect(d.description).toBe('deploy web s1 to oss-demo (sharded)');
    expect(states(d)).toEqual(['in_progress', 'success']);
    expect(d.statuses[1]).toMatchObject({ environment_url: APP_URL, description: 'web s1 healthy on 2 target(s)' });
    expect(gh.violations).toEqual([]);
    await assertNoToken(f);
  });

  test('a shard failed: finalize returns the fleet and its Deployment fails, naming the target not reached', async () => {
    expect((await shard(1, 'v4broken', 's2')).outcome.exitCode).toBe(0);
    expect((await shard(2, 'v4broken', 's2')).outcome.exitCode).toBe(1);
    const f = await run({ mode: 'finalize', release_id: 's2' });
    expect(f.outcome.exitCode).toBe(1);
    expect(f.outcome.envelope.fields.rolled_back_targets).toBe('web1');
    for (const t of ['web1', 'web2'])
      expect(readlinkSync(join(dirs[t] as string, 'oss-demo', 'web', 'current'))).toBe('releases/s1');
    const d = newest();
    expect(states(d)).toEqual(['in_progress', 'failure']);
    expect(d.statuses[1]?.description).toBe('s2 did not reach web2; returned 1 target(s) to their previous release');
    expect(gh.violations).toEqual([]);
    await assertNoToken(f);
  });
});
