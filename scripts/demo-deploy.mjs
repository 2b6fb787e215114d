// The deploy part of `npm run demo` (called from scripts/demo.mjs):
//   import { deployDemo } from './demo-deploy.mjs';
//   await deployDemo(demo);      // demo = { base, section, paas } after `paas context create oss-demo`
// A local target (a directory and a process on this machine) gets v1 and v2, then a broken v3 that
// fails its health check and rolls back by itself; then the rollback plan and the history.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { atExit } from './demo-cleanup.mjs';

const SERVER = `const http = require('http'), fs = require('fs'), path = require('path');
const version = fs.readFileSync(path.join(__dirname, 'VERSION'), 'utf8').trim();
const port = Number(fs.readFileSync(path.join(process.env.PAAS_APP_DIR, '..', '..', 'port'), 'utf8'));
const broken = fs.existsSync(path.join(__dirname, 'BROKEN'));
http.createServer((q, s) => {
  if (q.url === '/healthz') { s.writeHead(broken ? 500 : 200); s.end(broken ? 'broken' : 'ok'); return; }
  s.writeHead(200); s.end('hello from ' + version + '\\n');
}).listen(port, '127.0.0.1');
`;

const START = `#!/bin/sh
# stop the previous release's process, start this one (detached; output in shared/app.log)
set -eu
P="$PAAS_APP_DIR/shared/app.pid"
if [ -f "$P" ]; then
  old=$(cat "$P"); kill "$old" 2>/dev/null || true
  i=0; while kill -0 "$old" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i+1)); done
fi
nohup "${process.execPath}" server.cjs >>"$PAAS_APP_DIR/shared/app.log" 2>&1 &
echo $! >"$P"
echo "started $(cat VERSION)"
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function release(dir, version, broken = false) {
  const d = join(dir, `src-${version}`);
  mkdirSync(join(d, 'bin'), { recursive: true });
  writeFileSync(join(d, 'server.cjs'), SERVER);
  writeFileSync(join(d, 'VERSION'), `${version}\n`);
  writeFileSync(join(d, 'bin', 'start'), START);
  chmodSync(join(d, 'bin', 'start'), 0o755);
  if (broken) writeFileSync(join(d, 'BROKEN'), 'this release answers 500 on /healthz\n');
  const tgz = join(dir, `web-${version}.tar.gz`);
  execFileSync('tar', ['-czf', tgz, '-C', d, '.']);
  return tgz;
}

/** Runs the deploy walkthrough with the demo's helpers; leaves no process behind. */
export async function deployDemo({ base, section, paas }) {
  const target = join(base, 'targets', 'web1');
  const work = join(base, 'deploy-demo');
  mkdirSync(target, { recursive: true });
  mkdirSync(work, { recursive: true });
  const port = await freePort();
  writeFileSync(join(target, 'port'), `${port}\n`);
  const yml = join(work, 'paas.yml');
  writeFileSync(
    yml,
    [
      'version: 1',
      'apps:',
      '  web:',
      '    keep_releases: 3',
      '    shared: [storage]',
      '    start: ./bin/start',
      `    health: { http: { port: ${port}, path: /healthz, expect: 200 }, interval: 200ms, timeout: 1s, deadline: 3s }`,
      '    strategy: serial',
      '',
    ].join('\n'),
  );
  const v1 = release(work, 'v1');
  const v2 = release(work, 'v2');
  const v3 = release(work, 'v3', true);
  // run from the app's own directory, as a user's workflow runs in the app's repository: deploy's
  // doctor preflight checks that tree (not the paas-actions clone the demo happens to live in)
  const inApp = (args, opts = {}) => paas(args, { cwd: work, ...opts });
  const common = [
    '--context',
    'oss-demo',
    '--config',
    yml,
    '--app',
    'web',
    '--vault',
    `PAAS_TARGETS=web1=local:${target}`,
  ];
  const appDir = join(target, 'oss-demo', 'web');
  // the app runs detached (nohup): stop it on every exit path, also when the demo is interrupted
  const stopApp = () => {
    const pid = join(appDir, 'shared', 'app.pid');
    if (existsSync(pid)) {
      try {
        process.kill(Number(readFileSync(pid, 'utf8').trim()));
      } catch {
        /* already gone */
      }
    }
  };
  const forgetApp = atExit(stopApp);
  try {
    section(
      'Deploy: the plan comes first',
      'paas.yml (committed) describes the app; the targets come from the vault. Without --apply nothing changes:',
    );
    inApp(['deploy', ...common, '--artifact', v1, '--release-id', 'v1']);
    section(
      'Deploy v1, then v2',
      'Lock, upload (sha256 verified on the target), unpack, atomic switch of `current`, start, health gate:',
    );
    inApp(['deploy', ...common, '--artifact', v1, '--release-id', 'v1', '--apply']);
    inApp(['deploy', ...common, '--artifact', v2, '--release-id', 'v2', '--apply']);
    process.stdout.write(`  the app now answers: ${await (await fetch(`http://127.0.0.1:${port}/`)).text()}`);
    section(
      'A broken release rolls back by itself',
      'v3 answers 500 on /healthz: the health gate fails and the target returns to v2 on its own:',
    );
    inApp(['deploy', ...common, '--artifact', v3, '--release-id', 'v3', '--apply'], { expect: 1 });
    process.stdout.write(`  the app still answers: ${await (await fetch(`http://127.0.0.1:${port}/`)).text()}`);
    section('Rollback: plan first', 'The newest good release before the current one (v3 is marked bad and skipped):');
    inApp([
      'rollback',
      '--context',
      'oss-demo',
      '--config',
      yml,
      '--app',
      'web',
      '--vault',
      `PAAS_TARGETS=web1=local:${target}`,
    ]);
    section('History', 'The target is the source of truth (.paas/history.jsonl); the runner keeps events:');
    process.stdout.write(readFileSync(join(appDir, '.paas', 'history.jsonl'), 'utf8').replace(/^/gm, '  '));
    paas(['events', 'list', '--context', 'oss-demo']);
  } finally {
    forgetApp();
    stopApp();
  }
}
