#!/usr/bin/env node
// The ops_daily part of `npm run demo`: monitoring a local target and a local HTTP app, with the
// alert issue opened, commented and closed against a local GitHub API server (the same one the
// tests use: every request is checked against GitHub's OpenAPI description) and Slack messages
// to a local receiver.
//
//   import { opsDemo } from './demo-ops.mjs';
//   await opsDemo({ base, env, section });          // inside scripts/demo.mjs (async; see below)
//   node scripts/demo-ops.mjs                        // on its own
//
// The CLI runs as a child process with spawn (NOT spawnSync): the HTTP app, the GitHub API and
// the Slack receiver live in this process and must keep answering while `paas` runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from './demo-cleanup.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const harness = (name) => import(pathToFileURL(join(ROOT, 'test', 'harness', name)).href);

function defaultSection() {
  let n = 0;
  const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
  return (title, text) => process.stdout.write(`\n${bold(`── ops ${++n}. ${title}`)}\n${text ? text + '\n' : ''}`);
}

/** Runs the bundled CLI as a user would (async), echoing the command and its output. */
function paasRunner(cli, env) {
  return (args, { expect = 0, extraEnv = {}, show = true } = {}) =>
    new Promise((resolveRun, reject) => {
      process.stdout.write(`$ paas ${args.join(' ')}\n`);
      const child = spawn(process.execPath, [cli, ...args], {
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.on('error', reject);
      child.on('close', (code) => {
        if (show && out) process.stdout.write(out.replace(/^/gm, '  ').replace(/ {2}$/, ''));
        if (show && err) process.stdout.write(err.replace(/^/gm, '  ! ').replace(/ {2}! $/, ''));
        process.stdout.write(`  (exit ${code})\n`);
        if (expect !== null && code !== expect) reject(new Error(`demo: expected exit ${expect}, got ${code}`));
        else resolveRun({ code, out, err });
      });
    });
}

/** A local target laid out as deploy leaves it: <dir>/<context>/<app>/{releases/v1, current, .paas/history.jsonl}. */
function localTarget(dir, context, app) {
  const a = join(dir, context, app);
  if (existsSync(join(a, 'current'))) return dir; // a target deployed earlier in the demo
  mkdirSync(join(a, 'releases', 'v1'), { recursive: true });
  mkdirSync(join(a, '.paas'), { recursive: true });
  symlinkSync('releases/v1', join(a, 'current'));
  writeFileSync(
    join(a, '.paas', 'history.jsonl'),
    JSON.stringify({ at: new Date().toISOString(), release: 'v1', status: 'good', event: 'deploy', actor: 'demo' }) +
      '\n',
  );
  return dir;
}

/**
 * @param {object} [opts]
 * @param {string} [opts.base]      a temporary directory outside the repository (created when absent)
 * @param {Record<string,string>} [opts.env]  the demo's env (PAAS_STATE_ROOT, HOME); PAAS_STATE_ROOT defaults to <base>/state
 * @param {(title: string, text?: string) => void} [opts.section]
 * @param {string} [opts.context]   context to monitor (created when missing), default oss-demo
 * @param {string} [opts.targetDir] a local target directory deployed earlier (<dir> of `web1=local:<dir>`)
 * @param {string} [opts.app]       app name on that target, default web
 * @param {string} [opts.cli]       the CLI bundle, default dist/cli/index.js
 */
export async function opsDemo(opts = {}) {
  const ownDir = opts.base ? undefined : tempDir('paas-demo-ops-'); // removed at the end or at exit
  const base = opts.base ?? ownDir.path;
  const env = { ...(opts.env ?? { PATH: process.env.PATH, HOME: base }) };
  env.PAAS_STATE_ROOT ??= join(base, 'state');
  delete env.GITHUB_ACTIONS;
  delete env.GITHUB_WORKSPACE;
  const section = opts.section ?? defaultSection();
  const context = opts.context ?? 'oss-demo';
  const app = opts.app ?? 'web';
  const cli = resolve(ROOT, opts.cli ?? process.env.PAAS_DEMO_CLI ?? join('dist', 'cli', 'index.js'));
  const paas = paasRunner(cli, env);

  const [{ startHttpApp }, { startGitHubApi }, { startSlackReceiver }] = await Promise.all([
    harness('http-app.ts'),
    harness('github-api.ts'),
    harness('slack.ts'),
  ]);
  const web = await startHttpApp({ body: 'ok' });
  const gh = await startGitHubApi({ owner: 'acme', repo: 'shop' });
  const slack = await startSlackReceiver();
  try {
    const target = localTarget(opts.targetDir ?? join(base, 'ops-target', 'web1'), context, app);
    const dir = join(base, 'ops-repo');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'paas.yml');
    writeFileSync(
      config,
      `version: 1\napps:\n  ${app}: {}\nops:\n  checks:\n    - name: api\n      http: { url: API_URL, max_latency_ms: 1500 }\n    - name: release\n      target: { current_release: true, app: ${app} }\n    - name: disk\n      target: { disk_max_pct: 100, disk_path: ${target} }\n`,
    );
    // the context's vault (private): here from PAAS_VAULT, as an Actions `vault` input would pass it
    const vault = [`API_URL=${web.url}`, `PAAS_TARGETS=web1=local:${target}`, `SLACK_WEBHOOK_URL=${slack.url}`].join(
      '\n',
    );
    const runner = {
      PAAS_VAULT: vault,
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: gh.repository,
      GITHUB_TOKEN: gh.token,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '1001',
      GITHUB_EVENT_NAME: 'schedule',
    };
    const ops = (expect, runId) =>
      paas(['ops', 'daily', '--context', context, '--config', config], {
        expect,
        extraEnv: { ...runner, GITHUB_RUN_ID: String(runId) },
      });
    const showIssues = () => {
      for (const i of gh.issues.values()) {
        process.stdout.write(
          `  issue #${i.number} [${i.state}${i.state_reason ? `: ${i.state_reason}` : ''}] "${i.title}", ${i.comments.length} comment(s), labels: ${i.labels.join(', ') || '-'}\n`,
        );
      }
    };

    section(
      'Monitoring with ops_daily',
      `Checks from paas.yml: an HTTP endpoint (${web.url.replace(/:\d+\//, ':<port>/')}), the release on the local target web1, its disk. The URLs and targets live in the vault; status lines hold tokens and numbers only.`,
    );
    if ((await paas(['context', 'show', context], { expect: null, show: false })).code !== 0)
      await paas(['context', 'create', context]);
    await ops(0, 1001);

    section(
      'The app breaks',
      'It now answers 503. A scheduled strict run exits 2 and opens ONE alert issue on the (local) GitHub API, plus a Slack message:',
    );
    web.status = 503;
    await ops(2, 1002);
    showIssues();
    const first = [...gh.issues.values()][0];
    if (first) process.stdout.write(first.body.replace(/^/gm, '  | ') + '\n');

    section('Still broken the next day', 'The same issue gets a comment (no duplicate issue):');
    await ops(2, 1003);
    showIssues();
    await paas(['alert', 'acknowledge', '--context', context, '--by', 'demo'], {
      extraEnv: { GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: gh.repository, GITHUB_API_URL: gh.url },
    });
    process.stdout.write('  acknowledged: the next failing run comments, without a Slack message\n');
    await ops(2, 1004);

    section('Recovery', 'The app is fixed; the next run is healthy, comments and closes the issue:');
    web.status = 200;
    await ops(0, 1005);
    showIssues();
    await paas(['alert', 'history', '--context', context]);
    process.stdout.write(
      `\n  Slack messages received: ${slack.payloads.length} (opened, still failing, recovered; the acknowledged recurrence was silent)\n`,
    );
    process.stdout.write(
      `  GitHub API requests: ${gh.requests.length}, all valid against GitHub's OpenAPI description: ${gh.violations.length === 0 ? 'yes' : `NO: ${gh.violations.join('; ')}`}\n`,
    );
    if (gh.violations.length || slack.violations.length) throw new Error('demo: invalid GitHub or Slack request');

    section(
      'Alerting a person can live with',
      'paas.yml now says `ops: { alerting: { failure_threshold: 2 } }`: one failing run alone pages nobody (pending, no issue, no Slack); a second one in a row would. docs/ops_daily.md also shows success_threshold, reminders, flapping, maintenance windows and deploy-aware silence.',
    );
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('ops:\n', 'ops:\n  alerting: { failure_threshold: 2 }\n'),
    );
    const before = { issues: gh.issues.size, slack: slack.payloads.length };
    web.status = 503;
    await ops(2, 1006);
    web.status = 200;
    await ops(0, 1007);
    process.stdout.write(
      `  a one-run blip: ${gh.issues.size - before.issues} new issue(s), ${slack.payloads.length - before.slack} Slack message(s)\n`,
    );
    if (gh.violations.length || slack.violations.length) throw new Error('demo: invalid GitHub or Slack request');
  } finally {
    await Promise.all([web.close(), gh.close(), slack.close()]);
    ownDir?.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  opsDemo().catch((e) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  });
}
