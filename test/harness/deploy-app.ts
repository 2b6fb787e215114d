/**
 * A small real HTTP app for deploy tests: each release is a directory with server.cjs (Node), bin/start
 * (stops the previous instance via shared/app.pid, starts this one) and bin/health; packed as .tar.gz.
 * The app listens on the port written in `<deploy dir>/port` (the same on every netns host).
 * `failOn` lists target ids (or `*`) whose /healthz answers 500: a release broken on some hosts.
 * bluegreen: the app listens on PAAS_PORT (its slot's port) when set, one pid file per slot, and
 * `failLive` makes /healthz answer 500 once the app's slot is the live one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeOperation } from '../../lib/entry/execute.js';
import { memoryLogger } from '../../lib/runtime/logger.js';
import type { Runtime } from '../../lib/runtime/runtime.js';
import { Redactor } from '../../lib/redaction/redactor.js';
import type { Outcome } from '../../lib/output/envelope.js';
import { REPO_ROOT as REPO } from './metadata.js';

let runSeq = 0;
/**
 * A distinct GITHUB_RUN_ID per run: two runs started in the same millisecond (Promise.all) once got
 * the same id from Date.now(), and a lock of the same run counts as a re-run's leftover (taken over).
 */
const nextRunId = (): string => `${Date.now() % 1e9}${String(runSeq++ % 1000).padStart(3, '0')}`;

const SERVER = `
const http = require('http'), fs = require('fs'), path = require('path');
const version = fs.readFileSync(path.join(__dirname, 'VERSION'), 'utf8').trim();
const port = Number(process.env.PAAS_PORT || fs.readFileSync(path.join(process.env.PAAS_APP_DIR, '..', '..', 'port'), 'utf8').trim());
let failOn = [];
try { failOn = fs.readFileSync(path.join(__dirname, 'fail_on'), 'utf8').split(/\\s+/).filter(Boolean); } catch {}
const bad = failOn.includes('*') || failOn.includes(process.env.PAAS_TARGET);
// bluegreen: a release with fail_live answers 500 once its slot is the live one (it breaks under traffic)
const live = () => { try { return fs.readFileSync(path.join(process.env.PAAS_APP_DIR, '.paas', 'live'), 'utf8').trim(); } catch { return ''; } };
const failLive = fs.existsSync(path.join(__dirname, 'fail_live'));
http.createServer((q, s) => {
  if (q.url === '/healthz') {
    const down = bad || (failLive && process.env.PAAS_SLOT && live() === process.env.PAAS_SLOT);
    // a marker the fault tests wait for: the health gate is polling this (broken) release
    if (down) { try { fs.writeFileSync(path.join(process.env.PAAS_APP_DIR, '..', '..', 'healthz-polled-' + process.env.PAAS_TARGET), ''); } catch {} }
    s.writeHead(down ? 500 : 200); s.end(down ? 'broken' : 'ok ' + version); return;
  }
  s.writeHead(200); s.end(version);
}).listen(port, process.env.PAAS_BIND || '0.0.0.0');
`;

const START = (node: string) => `#!/bin/sh
set -eu
P="$PAAS_APP_DIR/shared/app\${PAAS_SLOT:+-$PAAS_SLOT}.pid"
if [ -f "$P" ]; then
  old=$(cat "$P"); kill "$old" 2>/dev/null || true
  i=0; while kill -0 "$old" 2>/dev/null && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i+1)); done
fi
nohup ${node} server.cjs >>"$PAAS_APP_DIR/shared/app.log" 2>&1 &
echo $! >"$P"
echo "started $(cat VERSION)"
`;

const HEALTH = (node: string) => `#!/bin/sh
exec ${node} -e "const p=require('fs').readFileSync(process.env.PAAS_APP_DIR+'/../../port','utf8').trim();require('http').get('http://127.0.0.1:'+p+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
`;

/** Writes a release directory and its tarball; returns the tarball path. */
export function makeRelease(
  base: string,
  version: string,
  opts: { failOn?: string[]; failLive?: boolean; extra?: (dir: string) => void } = {},
): string {
  const dir = join(base, `rel-${version}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  writeFileSync(join(dir, 'VERSION'), version + '\n');
  writeFileSync(join(dir, 'bin', 'start'), START(process.execPath));
  writeFileSync(join(dir, 'bin', 'health'), HEALTH(process.execPath));
  chmodSync(join(dir, 'bin', 'start'), 0o755);
  chmodSync(join(dir, 'bin', 'health'), 0o755);
  if (opts.failOn?.length) writeFileSync(join(dir, 'fail_on'), opts.failOn.join(' ') + '\n');
  if (opts.failLive) writeFileSync(join(dir, 'fail_live'), '');
  opts.extra?.(dir);
  const tgz = join(base, `${version}.tar.gz`);
  execFileSync('tar', ['-czf', tgz, '-C', dir, '.']);
  return tgz;
}

export interface AppYml {
  strategy?: string;
  batch?: number;
  canary?: number;
  max_parallel?: number;
  http?: boolean;
  port?: number;
  keep?: number;
  deadline?: string;
  shared?: string[];
  extra?: string;
}

/** paas.yml for the test app. */
export function appYml(o: AppYml = {}): string {
  const health = o.http
    ? `{ http: { port: ${o.port ?? 18080}, path: /healthz, expect: 200 }, interval: 200ms, timeout: 2s, deadline: ${o.deadline ?? '8s'} }`
    : `{ command: ./bin/health, interval: 200ms, timeout: 2s, deadline: ${o.deadline ?? '8s'} }`;
  return [
    'version: 1',
    'apps:',
    '  web:',
    '    deploy_root: /srv/paas',
    `    keep_releases: ${o.keep ?? 3}`,
    `    shared: [${(o.shared ?? ['data']).join(', ')}]`,
    '    start: ./bin/start',
    `    health: ${health}`,
    `    strategy: ${o.strategy ?? 'rolling'}`,
    `    batch: ${o.batch ?? 2}`,
    `    canary: ${o.canary ?? 1}`,
    `    max_parallel: ${o.max_parallel ?? 10}`,
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n');
}

export interface OpRun {
  outcome: Outcome;
  logs: string[];
  redactor: Redactor;
  /** everything a human or a machine could see: status lines, envelope, summary, text, log lines */
  visible: string;
}

/** Runs an operation in-process as CI would (policy: workflow_dispatch on main). */
export async function runOp(
  op: 'deploy' | 'rollback',
  raw: Record<string, unknown>,
  o: { cwd: string; env?: NodeJS.ProcessEnv; inCI?: boolean; inAction?: boolean; onLog?: (line: string) => void },
): Promise<OpRun> {
  const redactor = new Redactor();
  const mem = memoryLogger(redactor);
  const tap = (f: (m: string) => void) => (m: string) => {
    f(m);
    o.onLog?.(m);
  };
  const logger = {
    lines: mem.lines,
    info: tap(mem.info),
    warn: tap(mem.warn),
    error: tap(mem.error),
    debug: mem.debug,
  };
  const env = {
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_ACTOR: 'tester',
    GITHUB_RUN_ID: nextRunId(),
    ...o.env,
  };
  const rt: Runtime = {
    env,
    cwd: o.cwd,
    redactor,
    logger,
    now: () => new Date(),
    inCI: o.inCI ?? true,
    inAction: o.inAction ?? false,
    workspace: undefined,
  };
  const outcome = await executeOperation(rt, op, raw);
  const visible = [
    ...outcome.lines,
    JSON.stringify(outcome.envelope),
    outcome.summary ?? '',
    outcome.text ?? '',
    ...logger.lines,
  ].join('\n');
  return { outcome, logs: logger.lines, redactor, visible };
}

/** The release an app directory's `current` points at (its last path element), or null when there is none. */
export function currentRelease(appDir: string): string | null {
  try {
    return readlinkSync(join(appDir, 'current')).split('/').pop() ?? null;
  } catch {
    return null;
  }
}

/** An ESM loader: `./x.js` resolves to `./x.ts` in lib/, transpiled with the project's TypeScript. */
const LOADER = (pkg: string) => `
import { registerHooks, createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const ts = createRequire(${JSON.stringify(pkg)})('typescript');
registerHooks({
  resolve(spec, ctx, next) {
    if (/^\\.{1,2}\\//.test(spec) && spec.endsWith('.js') && ctx.parentURL && ctx.parentURL.endsWith('.ts')) {
      const js = fileURLToPath(new URL(spec, ctx.parentURL));
      if (!existsSync(js) && existsSync(js.slice(0, -3) + '.ts')) return next(spec.slice(0, -3) + '.ts', ctx);
    }
    return next(spec, ctx);
  },
  load(url, ctx, next) {
    if (url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')) {
      const file = fileURLToPath(url);
      const out = ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, isolatedModules: true, sourceMap: false } });
      return { format: 'module', source: out.outputText, shortCircuit: true };
    }
    return next(url, ctx);
  },
});
`;

let loaderFile: string | null = null;

/** The loader file (written once per test process) for `node --import <it> lib/.../x.ts`. */
export function sourceLoader(): string {
  if (!loaderFile) {
    loaderFile = join(mkdtempSync(join(tmpdir(), 'paas-loader-')), 'loader.mjs');
    writeFileSync(loaderFile, LOADER(join(REPO, 'package.json')));
  }
  return loaderFile;
}

export interface ChildRun {
  pid: number;
  /** settles when the process exits; rejects when it is still running after `boundMs` (it is then killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** lines of stderr as they arrive (to synchronise on events) */
  onLine: (f: (line: string) => void) => void;
}

/**
 * `paas <args>` from the sources in a child process (its own process group), as CI runs it
 * (GITHUB_ACTIONS=true, workflow_dispatch on main unless `env` says otherwise). A liveness bound:
 * a child still running after `boundMs` is killed and `exited` rejects; it is not a timing assertion
 * (use it with a bound far below the timeouts the run was given, e.g. command_timeout 600s).
 */
export function paasChild(args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; boundMs: number }): ChildRun {
  return sourceChild([join(REPO, 'lib', 'cli', 'index.ts'), ...args], args[0] ?? 'paas', o);
}

/**
 * The action `op` from the sources in a child process, as the runner runs its main step: INPUT_*
 * from `inputs`, GITHUB_OUTPUT/GITHUB_STATE/GITHUB_STEP_SUMMARY files under `files` (read them after
 * it exited), GITHUB_WORKSPACE = cwd. The same liveness bound as paasChild. `op` post: the `post:`
 * step (pass the main step's state as env STATE_<name>).
 */
export function actionChild(
  op: string,
  inputs: Record<string, string>,
  o: { cwd: string; files: string; env?: NodeJS.ProcessEnv; boundMs: number },
): ChildRun {
  const entry = join(o.files, `${op}.mjs`);
  const call = op === 'post' ? 'runPost()' : `runAction(${JSON.stringify(op)})`;
  // the action entry module (lib/entry/action.ts; lib/runtime/action.ts before it moved)
  const mod = [join(REPO, 'lib', 'entry', 'action.ts'), join(REPO, 'lib', 'runtime', 'action.ts')].find((f) =>
    existsSync(f),
  ) as string;
  writeFileSync(
    entry,
    `import { runAction, runPost } from ${JSON.stringify(mod)};\nvoid runAction; void runPost;\nawait ${call};\n`,
  );
  const env: NodeJS.ProcessEnv = {
    GITHUB_WORKSPACE: o.cwd,
    GITHUB_OUTPUT: join(o.files, 'output'),
    GITHUB_STATE: join(o.files, 'state'),
    GITHUB_STEP_SUMMARY: join(o.files, 'summary'),
    ...o.env,
  };
  for (const f of ['output', 'state', 'summary'])
    if (op !== 'post' || f !== 'state') writeFileSync(join(o.files, f), '');
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return sourceChild([entry], op, { ...o, env });
}

function sourceChild(
  argv: string[],
  what: string,
  o: { cwd: string; env?: NodeJS.ProcessEnv; boundMs: number },
): ChildRun {
  const child = spawn(process.execPath, ['--import', sourceLoader(), ...argv], {
    cwd: o.cwd,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: mkdtempSync(join(tmpdir(), 'paas-home-')),
      LANG: 'C',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_ACTOR: 'tester',
      GITHUB_RUN_ID: nextRunId(),
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners: Array<(l: string) => void> = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    partial += c;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) for (const f of listeners) f(l);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const bound = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          /* gone */
        }
        reject(
          new Error(`paas ${what} was still running after ${o.boundMs} ms (liveness bound):\n${stderr.slice(-2000)}`),
        );
      }, o.boundMs);
      child.on('close', (code, signal) => {
        clearTimeout(bound);
        resolve({ code, signal, stdout, stderr });
      });
    },
  );
  return { pid: child.pid as number, exited, onLine: (f) => listeners.push(f) };
}
