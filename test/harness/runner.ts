/**
 * Runner-contract harness: executes the bundled actions (`dist/<entry>/index.js`) the way the
 * GitHub Actions runner does, and the bundled CLI the way a user's shell does.
 *
 *   const run = await runAction({ action: 'doctor', inputs: { context: 'oss-demo' } });
 *   run.exitCode, run.outputs.result, run.envelope, run.summary, run.masks, run.annotations, run.post
 *
 *   const cli = await runCli(['context', 'list', '--json'], { env: { PAAS_STATE_ROOT: dir } });
 *
 * What the runner does and this harness reproduces for a `runs.using: node24` action:
 * - reads action.yml; for every input not given in `with:` that declares a `default`, uses the
 *   default (evaluating `${{ github.token }}`, `${{ runner.temp }}`, `${{ github.workspace }}`);
 *   inputs given but not declared are still passed, with the runner's "Unexpected input(s)" warning;
 * - passes each input as env `INPUT_<NAME>` (spaces to `_`, uppercased, dashes kept), values as
 *   strings (`with: {apply: true}` arrives as `true`);
 * - creates empty file-command files under RUNNER_TEMP for GITHUB_OUTPUT, GITHUB_STATE,
 *   GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY, writes the event payload to
 *   GITHUB_EVENT_PATH, sets the GITHUB_* and RUNNER_* variables, runs `node <main>` with the
 *   workspace as working directory, with Node 24;
 * - then, when action.yml has `post:` and `post-if` (default `always()`) holds, runs `node <post>`
 *   with the same inputs and `STATE_<name>` for every entry of the main step's GITHUB_STATE file.
 *
 * The child environment is built from scratch (PATH only is inherited): no NODE_OPTIONS from
 * jest, no PAAS_* from the developer's shell, and HOME is a private temp dir, so `~/.paas`
 * never touches the real home.
 *
 * Set PAAS_HARNESS_DIST to run bundles from another directory than `dist/` (e.g. a private
 * `node scripts/build.mjs --out <dir>` while someone else rebuilds dist/).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseFileCommands, parseWorkflowCommands, type Annotation, type WorkflowCommand } from './commands.js';
import {
  actionDir,
  evaluateDefault,
  inputEnvName,
  loadActionMetadata,
  REPO_ROOT,
  type ActionMetadata,
  type ActionName,
} from './metadata.js';

export { REPO_ROOT } from './metadata.js';
export type { ActionName, OperationAction } from './metadata.js';
export { ALL_ACTIONS, OPERATION_ACTIONS } from './metadata.js';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** The Node binary that runs the bundles: the one running the tests, which must be Node 24 (runs.using: node24). */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 24) {
    throw new HarnessError(
      `the harness runs actions with Node 24 (runs.using: node24) but the tests run on Node ${process.versions.node}; ` +
        'run them through `npm test` (npm puts node_modules/.bin, with the `node` devDependency, first on PATH)',
    );
  }
  return process.execPath;
}

/** dist/ or the directory named by PAAS_HARNESS_DIST. */
export function distDir(): string {
  return process.env.PAAS_HARNESS_DIST ? resolve(process.env.PAAS_HARNESS_DIST) : join(REPO_ROOT, 'dist');
}

/** The file the runner executes for a `runs.main` / `runs.post` path of an action (honours PAAS_HARNESS_DIST). */
export function entryFile(action: ActionName, runsPath: string): string {
  return inDist(resolve(actionDir(action), runsPath));
}

/** Maps a path inside the repository's dist/ to the harness's dist directory. */
function inDist(file: string): string {
  const rel = relative(join(REPO_ROOT, 'dist'), file);
  if (rel.startsWith('..') || rel === '') return file;
  return join(distDir(), rel);
}

/** Private temp directories for one or more runs: nothing of the developer's machine leaks in or out. */
export interface Sandbox {
  root: string;
  /** GITHUB_WORKSPACE (the checked-out repository) */
  workspace: string;
  /** RUNNER_TEMP */
  runnerTemp: string;
  /** HOME of the child process */
  home: string;
  /** a state root outside the workspace, not created: pass it as `state_root` */
  stateRoot: string;
  cleanup(): void;
}

export interface SandboxOptions {
  /** files to create in the workspace (relative path → content) */
  files?: Record<string, string>;
  /** make the workspace a git work tree (`git init`), as a checkout is */
  git?: boolean;
}

export function createSandbox(opts: SandboxOptions = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'paas-harness-'));
  const sb: Sandbox = {
    root,
    workspace: join(root, 'work', 'repo'),
    runnerTemp: join(root, 'runner-temp'),
    home: join(root, 'home'),
    stateRoot: join(root, 'state'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const d of [sb.workspace, sb.runnerTemp, sb.home]) mkdirSync(d, { recursive: true, mode: 0o700 });
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    const file = join(sb.workspace, rel);
    if (!file.startsWith(sb.workspace + sep)) throw new HarnessError(`sandbox file outside the workspace: ${rel}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  if (opts.git) {
    // a real (empty) repository, as actions/checkout leaves one; the files above stay untracked
    execFileSync('git', ['init', '-q', sb.workspace], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '', HOME: sb.home, GIT_CONFIG_NOSYSTEM: '1' },
    });
  }
  return sb;
}

/** Every file and directory under `dir` (relative paths, sorted); [] when it does not exist. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

export interface GitHubContext {
  repository: string;
  runId: string;
  runNumber: string;
  runAttempt: string;
  actor: string;
  sha: string;
  ref: string;
  workflow: string;
  job: string;
  serverUrl: string;
  apiUrl: string;
  /** value of `${{ github.token }}` in action.yml defaults; generated per run when not given */
  token: string;
}

export interface WorkflowEvent {
  name: string;
  payload: Record<string, unknown>;
}

export type InputValue = string | number | boolean;

export interface RunActionOptions {
  action: ActionName;
  /** `with:` of the step */
  inputs?: Record<string, InputValue>;
  /** `env:` of the step (and job); applied over the runner's variables */
  env?: Record<string, string>;
  /** reuse a sandbox (kept afterwards); otherwise one is created and removed after the run */
  sandbox?: Sandbox;
  /** the workspace; defaults to the sandbox's */
  workspace?: string;
  event?: WorkflowEvent;
  github?: Partial<GitHubContext>;
  /** run the post step when action.yml has one (default true) */
  post?: boolean;
  timeoutMs?: number;
}

export interface StepResult {
  entry: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  log: string;
  /** GITHUB_OUTPUT */
  outputs: Record<string, string>;
  /** GITHUB_STATE */
  state: Record<string, string>;
  /** GITHUB_ENV */
  envFile: Record<string, string>;
  /** GITHUB_STEP_SUMMARY */
  summary: string;
  commands: WorkflowCommand[];
  /** values passed to `::add-mask::` */
  masks: string[];
  /** `::error ...::`, `::warning ...::`, `::notice ...::` */
  annotations: Annotation[];
  /** `::set-output` / `::save-state` on stdout (deprecated; should stay empty) */
  deprecatedCommands: { setOutput: Record<string, string>; saveState: Record<string, string> };
  /** the log as a reader sees it: commands consumed, masks applied */
  visibleLog: string;
  /** the env the process got (for assertions on INPUT_* and STATE_*) */
  env: Record<string, string>;
}

export interface ActionRun extends StepResult {
  action: ActionName;
  metadata: ActionMetadata;
  /** warnings the runner itself would print (unexpected inputs) */
  runnerWarnings: string[];
  /** the `result` output parsed as JSON (undefined when absent or not JSON) */
  envelope: unknown;
  post: StepResult | null;
  sandbox: Sandbox;
  workspace: string;
  githubToken: string;
}

const DEFAULT_GITHUB: Omit<GitHubContext, 'token'> = {
  repository: 'octo-org/paas-demo',
  runId: '4242424242',
  runNumber: '17',
  runAttempt: '1',
  actor: 'octocat',
  sha: 'ffac537e6cbbf934b08745a378932722df287a53',
  ref: 'refs/heads/main',
  workflow: 'paas',
  job: 'paas',
  serverUrl: 'https://github.com',
  // nothing listens there: an action never reaches the real GitHub API from a test by accident;
  // a test that talks to GitHub passes the URL of its local fake (github: { apiUrl })
  apiUrl: 'http://127.0.0.1:9',
};

function baseEnv(sb: Sandbox): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: sb.home,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
  };
}

function fileCommandFiles(
  runnerTemp: string,
): Record<'GITHUB_OUTPUT' | 'GITHUB_STATE' | 'GITHUB_ENV' | 'GITHUB_PATH' | 'GITHUB_STEP_SUMMARY', string> {
  const dir = join(runnerTemp, '_runner_file_commands');
  mkdirSync(dir, { recursive: true });
  const make = (prefix: string) => {
    const f = join(dir, `${prefix}_${randomUUID()}`);
    writeFileSync(f, '');
    return f;
  };
  return {
    GITHUB_OUTPUT: make('set_output'),
    GITHUB_STATE: make('save_state'),
    GITHUB_ENV: make('set_env'),
    GITHUB_PATH: make('add_path'),
    GITHUB_STEP_SUMMARY: make('step_summary'),
  };
}

interface Spawned {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function spawnNode(
  entry: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  stdin?: string,
): Promise<Spawned> {
  if (!existsSync(entry)) {
    return Promise.reject(
      new HarnessError(
        `${relative(REPO_ROOT, entry)} does not exist: run \`npm run build\` first (tests assume dist/ is built)`,
      ),
    );
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nodeBinary(), [entry, ...args], {
      cwd,
      env,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode: code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (stdin !== undefined && child.stdin) child.stdin.end(stdin);
  });
}

async function runStep(
  entry: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
): Promise<StepResult> {
  const files = fileCommandFiles(env.RUNNER_TEMP as string);
  const fullEnv = { ...env, ...files };
  const r = await spawnNode(entry, [], fullEnv, cwd, timeoutMs);
  const parsed = parseWorkflowCommands(r.stdout);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    entry: relative(REPO_ROOT, entry),
    ...r,
    log: r.stdout + r.stderr,
    outputs: parseFileCommands(read(files.GITHUB_OUTPUT), 'GITHUB_OUTPUT'),
    state: parseFileCommands(read(files.GITHUB_STATE), 'GITHUB_STATE'),
    envFile: parseFileCommands(read(files.GITHUB_ENV), 'GITHUB_ENV'),
    summary: read(files.GITHUB_STEP_SUMMARY),
    commands: parsed.commands,
    masks: parsed.masks,
    annotations: parsed.annotations,
    deprecatedCommands: { setOutput: parsed.setOutput, saveState: parsed.saveState },
    visibleLog: parsed.visibleLog + (r.stderr ? '\n' + r.stderr : ''),
    env: fullEnv,
  };
}

/** `post-if`: the status functions the runner knows (no other expressions are used in our action.yml files). */
function postCondition(expr: string | undefined, mainExit: number | null): boolean {
  const e = (expr ?? 'always()').trim().replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1');
  switch (e) {
    case 'always()':
      return true;
    case 'success()':
      return mainExit === 0;
    case 'failure()':
      return mainExit !== 0;
    case 'cancelled()':
      return false;
    default:
      throw new HarnessError(`harness: unsupported post-if expression: ${expr}`);
  }
}

function fakeToken(): string {
  // generated per run, never a committed credential-looking literal
  return 'ghs_' + randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36);
}

/** The environment the runner gives a node action step, plus the step's inputs and env. */
function stepEnv(
  opts: RunActionOptions,
  meta: ActionMetadata,
  sb: Sandbox,
  workspace: string,
  gh: GitHubContext,
  eventPath: string,
  eventName: string,
) {
  const [owner = 'octo-org'] = gh.repository.split('/');
  const refName = gh.ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge');
  const env: Record<string, string> = {
    ...baseEnv(sb),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__paas-actions',
    GITHUB_ACTION_REPOSITORY: 'paas-actions/paas-actions',
    GITHUB_ACTION_REF: 'v1',
    GITHUB_ACTOR: gh.actor,
    GITHUB_TRIGGERING_ACTOR: gh.actor,
    GITHUB_API_URL: gh.apiUrl,
    GITHUB_GRAPHQL_URL: `${gh.apiUrl}/graphql`,
    GITHUB_SERVER_URL: gh.serverUrl,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: gh.job,
    GITHUB_REF: gh.ref,
    GITHUB_REF_NAME: refName,
    GITHUB_REF_TYPE: gh.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_REF_PROTECTED: 'false',
    GITHUB_BASE_REF: '',
    GITHUB_HEAD_REF: '',
    GITHUB_REPOSITORY: gh.repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_RUN_ID: gh.runId,
    GITHUB_RUN_NUMBER: gh.runNumber,
    GITHUB_RUN_ATTEMPT: gh.runAttempt,
    GITHUB_SHA: gh.sha,
    GITHUB_WORKFLOW: gh.workflow,
    GITHUB_WORKFLOW_REF: `${gh.repository}/.github/workflows/${gh.workflow}.yml@${gh.ref}`,
    GITHUB_WORKFLOW_SHA: gh.sha,
    GITHUB_WORKSPACE: workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_NAME: 'paas-harness',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: sb.runnerTemp,
    RUNNER_TOOL_CACHE: join(sb.root, 'toolcache'),
    ...(opts.env ?? {}),
  };
  const declared = meta.inputs ?? {};
  const given = opts.inputs ?? {};
  const warnings: string[] = [];
  const unexpected = Object.keys(given).filter((k) => !(k in declared));
  if (unexpected.length) {
    warnings.push(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`,
    );
  }
  for (const [name, spec] of Object.entries(declared)) {
    if (!(name in given) && spec.default !== undefined) {
      env[inputEnvName(name)] = evaluateDefault(spec.default, {
        githubToken: gh.token,
        workspace,
        runnerTemp: sb.runnerTemp,
      });
    }
  }
  for (const [name, value] of Object.entries(given)) env[inputEnvName(name)] = String(value);
  for (const [k, v] of Object.entries(env)) {
    if (v.includes('\0'))
      throw new HarnessError(`environment variable ${k} contains a NUL byte: no runner can pass that`);
  }
  return { env, warnings };
}

/** Runs an action's main step (and its post step) as the runner does. */
export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const meta = loadActionMetadata(opts.action);
  if (meta.runs.using !== 'node24')
    throw new HarnessError(`${opts.action}: runs.using is ${meta.runs.using}, the harness runs node24 actions`);
  const sb = opts.sandbox ?? createSandbox();
  const workspace = opts.workspace ?? sb.workspace;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    const gh: GitHubContext = { ...DEFAULT_GITHUB, token: fakeToken(), ...(opts.github ?? {}) };
    const event = opts.event ?? {
      name: 'workflow_dispatch',
      payload: {
        inputs: {},
        ref: gh.ref,
        repository: {
          full_name: gh.repository,
          name: gh.repository.split('/')[1],
          owner: { login: gh.repository.split('/')[0] },
        },
        sender: { login: gh.actor },
        workflow: `.github/workflows/${gh.workflow}.yml`,
      },
    };
    const eventPath = join(sb.runnerTemp, '..', `event-${randomUUID()}.json`);
    writeFileSync(eventPath, JSON.stringify(event.payload));
    const { env, warnings } = stepEnv(opts, meta, sb, workspace, gh, eventPath, event.name);
    const main = await runStep(entryFile(opts.action, meta.runs.main), env, workspace, timeoutMs);
    let post: StepResult | null = null;
    if (meta.runs.post && opts.post !== false && postCondition(meta.runs['post-if'], main.exitCode)) {
      const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
      post = await runStep(entryFile(opts.action, meta.runs.post), { ...env, ...stateEnv }, workspace, timeoutMs);
    }
    let envelope: unknown;
    try {
      envelope = main.outputs.result === undefined ? undefined : JSON.parse(main.outputs.result);
    } catch {
      envelope = undefined;
    }
    return {
      ...main,
      action: opts.action,
      metadata: meta,
      runnerWarnings: warnings,
      envelope,
      post,
      sandbox: sb,
      workspace,
      githubToken: gh.token,
    };
  } finally {
    if (!opts.sandbox) sb.cleanup();
  }
}

export interface RunPostOptions {
  action: ActionName;
  /** what the main step saved (the runner passes each as STATE_<name>) */
  state: Record<string, string>;
  inputs?: Record<string, InputValue>;
  env?: Record<string, string>;
  sandbox?: Sandbox;
  timeoutMs?: number;
}

/** Runs only the post step, with the given saved state (e.g. after a main step that was cancelled). */
export async function runPostStep(opts: RunPostOptions): Promise<StepResult> {
  const meta = loadActionMetadata(opts.action);
  if (!meta.runs.post) throw new HarnessError(`${opts.action} has no post step`);
  const sb = opts.sandbox ?? createSandbox();
  try {
    const gh: GitHubContext = { ...DEFAULT_GITHUB, token: fakeToken() };
    const eventPath = join(sb.runnerTemp, '..', `event-${randomUUID()}.json`);
    writeFileSync(eventPath, '{}');
    const { env } = stepEnv(
      { action: opts.action, inputs: opts.inputs, env: opts.env },
      meta,
      sb,
      sb.workspace,
      gh,
      eventPath,
      'workflow_dispatch',
    );
    for (const [k, v] of Object.entries(opts.state)) env[`STATE_${k}`] = v;
    return await runStep(entryFile(opts.action, meta.runs.post), env, sb.workspace, opts.timeoutMs ?? 30_000);
  } finally {
    if (!opts.sandbox) sb.cleanup();
  }
}

export interface RunCliOptions {
  /** extra environment (PAAS_STATE_ROOT, CI, ...) over a clean one: PATH, a private HOME, LANG, TZ */
  env?: Record<string, string>;
  /** working directory; defaults to the sandbox's workspace */
  cwd?: string;
  sandbox?: Sandbox;
  stdin?: string;
  timeoutMs?: number;
}

export interface CliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  log: string;
  /** stdout parsed as JSON when it is JSON (`--json`), else undefined */
  json: unknown;
  sandbox: Sandbox;
}

/** Runs `dist/cli/index.js <args>` (the `paas` bin) with Node 24, outside CI unless env says otherwise. */
export async function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliRun> {
  const sb = opts.sandbox ?? createSandbox();
  try {
    const env = { ...baseEnv(sb), ...(opts.env ?? {}) };
    const r = await spawnNode(
      join(distDir(), 'cli', 'index.js'),
      args,
      env,
      opts.cwd ?? sb.workspace,
      opts.timeoutMs ?? 30_000,
      opts.stdin,
    );
    let json: unknown;
    try {
      json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
    } catch {
      json = undefined;
    }
    return { ...r, log: r.stdout + r.stderr, json, sandbox: sb };
  } finally {
    if (!opts.sandbox) sb.cleanup();
  }
}

/** Lines of a Node stack trace (`    at fn (file:1:2)`): user-facing output must have none. */
export function stackTraceLines(log: string): string[] {
  return log.split(/\r?\n/).filter((l) => /^\s+at\s/.test(l));
}
