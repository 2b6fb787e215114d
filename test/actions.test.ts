/**
 * The six action bundles and the umbrella, run through the runner-contract harness exactly as
 * the GitHub runner runs them (dist/<op>/index.js, then dist/post/index.js).
 * Assumes dist/ is built (`npm run build`; CI builds first).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATIONS, type OperationName } from '../lib/ops/operation.js';
import { REGISTRY } from '../lib/entry/registry.js';
import { UNRESOLVED_REMEDIATION } from '../lib/runtime/session.js';
import { checkContract } from './harness/contract.js';
import {
  ALL_ACTIONS,
  createSandbox,
  listTree,
  nodeBinary,
  OPERATION_ACTIONS,
  runAction,
  runPostStep,
  type ActionRun,
  type InputValue,
  type Sandbox,
} from './harness/runner.js';

/** Operations registered without an implementation: they must fail loudly, never a silent success. */
const MUTATING = OPERATIONS.filter((op) => REGISTRY[op].mutating);

/**
 * A minimal valid repository: one app, one migration. With it an operation gets past its own
 * configuration, so what a test varies (context, state root, vault) is what decides the outcome.
 */
const WORKSPACE_FILES = {
  'README.md': '# demo app\n',
  'paas.yml': [
    'version: 1',
    'apps:',
    '  web:',
    '    artifact: build/web.tar.gz',
    '    health: { command: "true" }',
    'db:',
    '  migrations: db/migrations',
    '',
  ].join('\n'),
  'db/migrations/0001_init.sql': 'create table items (id bigint primary key);\n',
};

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox({ git: true, files: WORKSPACE_FILES });
});
afterAll(() => sb.cleanup());

/** Runs an operation directly (`actions/<op>`) or through the umbrella (`operation: <op>`). */
function run(
  op: OperationName,
  via: 'action' | 'umbrella',
  inputs: Record<string, InputValue>,
  extra: { env?: Record<string, string>; post?: boolean } = {},
): Promise<ActionRun> {
  return runAction({
    action: via === 'action' ? op : 'paas',
    inputs: via === 'action' ? inputs : { operation: op, ...inputs },
    sandbox: sb,
    env: extra.env,
    post: extra.post,
  });
}

/** `<op> status=fail reason=<reason> stage=<stage>`; an operation may name its mode (`db_bootstrap_dry_run`). */
function statusLine(op: string, reason: string, stage: string): RegExp {
  return new RegExp(`^${op}(_[a-z]+)? status=fail reason=${reason} stage=${stage}$`);
}

/** Every string the run put anywhere a reader or a later step can see. */
function sinks(r: ActionRun): string[] {
  const withoutMasks = (s: string) =>
    s
      .split(/\r?\n/)
      .filter((l) => !l.trimStart().startsWith('::add-mask::'))
      .join('\n');
  const out = [
    withoutMasks(r.stdout),
    r.stderr,
    r.summary,
    ...Object.values(r.outputs),
    ...Object.values(r.state),
    ...Object.values(r.envFile),
  ];
  if (r.post) out.push(withoutMasks(r.post.stdout), r.post.stderr, r.post.summary, ...Object.values(r.post.outputs));
  return out;
}

describe('harness preconditions', () => {
  test('bundles run on Node 24, the runtime of runs.using: node24', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(nodeBinary()).toBe(process.execPath);
  });
});

describe.each(['action', 'umbrella'] as const)('every operation via %s keeps the output contract', (via) => {
  test.each(OPERATION_ACTIONS)('%s', async (op) => {
    const r = await run(op, via, { context: 'oss-demo', state_root: sb.stateRoot });
    expect(r.runnerWarnings).toEqual([]);
    checkContract(r, op);
    expect(r.summary).toContain(`### paas ${op}`);
    expect(r.summary).toContain(r.outputs.status);

    // post-if: always(): the post step runs after a failed main step too, and never fails the job
    expect(r.post).not.toBeNull();
    expect(r.post?.exitCode).toBe(0);
    expect(r.post?.stdout).toContain('paas post:');
    expect(r.post?.annotations.filter((a) => a.level === 'error')).toEqual([]);
  });
});

describe('umbrella (root action.yml)', () => {
  test('without `operation`: PAAS_INVALID_ARGUMENT naming the six operations', async () => {
    const r = await runAction({ action: 'paas', inputs: { context: 'oss-demo' }, sandbox: sb });
    const env = checkContract(r, 'paas');
    expect(r.exitCode).toBe(1);
    expect(env.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(r.outputs.status).toBe('paas status=fail reason=invalid_argument stage=input');
    for (const op of OPERATIONS) expect(env.error?.remediation).toContain(op);
  });

  test.each(['Deploy', 'deploy;rm -rf /', '../deploy', 'context'])(
    'an unknown operation %j: PAAS_INVALID_ARGUMENT',
    async (operation) => {
      const r = await runAction({ action: 'paas', inputs: { operation, context: 'oss-demo' }, sandbox: sb });
      const env = checkContract(r, 'paas');
      expect(env.error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(env.error?.remediation).toBe(`operation must be one of: ${OPERATIONS.join(', ')}`);
    },
  );

  test('the runner passes the root defaults, and `operation` is trimmed like every input', async () => {
    const r = await runAction({
      action: 'paas',
      inputs: { operation: '  prod_verify\n', context: 'oss-demo', state_root: sb.stateRoot },
      sandbox: sb,
      post: false,
    });
    expect(r.env.INPUT_CONFIG).toBe('paas.yml');
    expect(r.env.INPUT_ALLOW_UNSAFE_STATE_ROOT).toBe('false');
    expect(r.env.INPUT_GITHUB_TOKEN).toBe(r.githubToken);
    expect(r.env.INPUT_MODE).toBeUndefined(); // per-operation defaults apply
    expect(checkContract(r, 'prod_verify').command).toBe('prod_verify');
  });
});

describe('post step', () => {
  test.each(ALL_ACTIONS)('%s: with nothing held, exits 0 and says so', async (a) => {
    const r = await runPostStep({ action: a, state: {}, sandbox: sb });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('paas post: nothing to clean up');
    expect(r.stderr).toBe('');
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
  });

  test('a lock record with no lock left (a deploy that finished) is nothing to do: the runtime is not even loaded', async () => {
    const r = await runPostStep({
      action: 'deploy',
      state: { paas_cleanup: JSON.stringify({ v: 1, op: 'deploy', context: 'oss-demo', locks: [] }) },
      sandbox: sb,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('paas post: nothing to clean up\n');
  });

  test('gets what the main step saved as STATE_* (as the runner passes GITHUB_STATE), acts on it, exits 0', async () => {
    const r = await runPostStep({ action: 'deploy', state: { paas_cleanup: 'not-a-lock-record' }, sandbox: sb });
    expect(r.env.STATE_paas_cleanup).toBe('not-a-lock-record');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^paas post: /m);
    expect(r.stdout).not.toContain('nothing to clean up');
    expect(r.annotations.filter((a) => a.level === 'error')).toEqual([]);
  });
});

describe('context resolution', () => {
  test.each(
    MUTATING.flatMap(
      (op) =>
        [
          [op, 'action', 'absent'],
          [op, 'action', 'empty'],
          [op, 'umbrella', 'absent'],
        ] as const,
    ),
  )('%s via %s with context %s: PAAS_CONTEXT_UNRESOLVED with the remediation', async (op, via, how) => {
    const stateRoot = join(sb.root, `state-${randomBytes(4).toString('hex')}`);
    const inputs: Record<string, InputValue> = { state_root: stateRoot };
    if (how === 'empty') inputs.context = '   ';
    const r = await run(op, via, inputs, { post: false });
    const env = checkContract(r, op);
    expect(r.exitCode).toBe(1);
    expect(env.context).toBeNull();
    expect(env.error).toMatchObject({
      code: 'PAAS_CONTEXT_UNRESOLVED',
      stage: 'context',
      remediation: UNRESOLVED_REMEDIATION,
    });
    expect(r.outputs.status).toMatch(statusLine(op, 'context_unresolved', 'context'));
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringContaining(`Fix: ${UNRESOLVED_REMEDIATION}`) }),
    );
    // never a silent default: no context was laid out
    expect(listTree(stateRoot).filter((p) => p.startsWith('contexts/'))).toEqual([]);
  });

  test('the remediation says how to name a context in Actions and on the CLI', () => {
    expect(UNRESOLVED_REMEDIATION).toContain('context: <name>');
    expect(UNRESOLVED_REMEDIATION).toContain('--context <name>');
  });
});

describe('state root guard', () => {
  const inside = () => join(sb.workspace, '.paas-state');

  test.each(OPERATION_ACTIONS)(
    '%s: state_root inside GITHUB_WORKSPACE is refused and nothing is created there',
    async (op) => {
      const r = await run(op, 'action', { context: 'oss-demo', state_root: inside() }, { post: false });
      const env = checkContract(r, op);
      expect(r.exitCode).toBe(1);
      if (op === 'doctor') {
        // doctor diagnoses it: its own check fails, naming the check (no refusal before the checks run)
        expect(env.ok).toBe(false);
        expect(env.error).toBeUndefined();
        expect(String(env.fields.failed_checks)).toContain('state_root_outside_repo');
      } else {
        expect(env.error).toMatchObject({ code: 'PAAS_STATE_ROOT_UNSAFE', stage: 'state_root' });
        expect(env.error?.remediation).toMatch(/outside any repository/);
        expect(r.outputs.status).toMatch(statusLine(op, 'state_root_unsafe', 'state_root'));
      }
      expect(existsSync(inside())).toBe(false);
    },
  );

  test.each([
    ['PAAS_STATE_ROOT in env', () => ({ inputs: {}, env: { PAAS_STATE_ROOT: join(sb.workspace, 'state') } })],
    [
      'a relative state_root (resolved against the workspace)',
      () => ({ inputs: { state_root: 'paas-state' }, env: {} }),
    ],
    [
      'a symlink outside that points into the workspace',
      () => {
        const link = join(sb.root, `link-${randomBytes(4).toString('hex')}`);
        mkdirSync(join(sb.workspace, 'nested'), { recursive: true });
        symlinkSync(join(sb.workspace, 'nested'), link);
        return { inputs: { state_root: join(link, 'state') }, env: {} };
      },
    ],
  ] as const)('%s is refused too', async (_name, make) => {
    const { inputs, env } = make();
    const r = await run('deploy', 'action', { context: 'oss-demo', ...inputs }, { env, post: false });
    expect(checkContract(r, 'deploy').error?.code).toBe('PAAS_STATE_ROOT_UNSAFE');
  });

  /** in a sandbox of its own: the override lets an operation create state inside the workspace */
  async function runUnsafe(op: OperationName): Promise<{ r: ActionRun; stateDir: string }> {
    const own = createSandbox({ git: true });
    try {
      const stateDir = join(own.workspace, '.paas-state');
      const r = await runAction({
        action: op,
        inputs: { context: 'oss-demo', state_root: stateDir, allow_unsafe_state_root: true },
        sandbox: own,
        post: false,
      });
      return { r, stateDir: existsSync(stateDir) ? stateDir : '' };
    } finally {
      own.cleanup();
    }
  }

  test.each(OPERATION_ACTIONS.filter((op) => op !== 'doctor'))(
    '%s: allow_unsafe_state_root passes the guard, loudly',
    async (op) => {
      const { r, stateDir } = await runUnsafe(op);
      const env = checkContract(r, op);
      expect(env.error?.code).not.toBe('PAAS_STATE_ROOT_UNSAFE');
      // an operation that reaches its state root says so as an error annotation
      if (stateDir) {
        expect(r.annotations).toContainEqual(
          expect.objectContaining({
            level: 'error',
            message: expect.stringMatching(/^CRITICAL: unsafe state root override in use/),
          }),
        );
      }
    },
  );

  test('doctor fails while the unsafe override is in use', async () => {
    const { r } = await runUnsafe('doctor');
    expect(checkContract(r, 'doctor').ok).toBe(false);
    expect(r.exitCode).toBe(1);
  });
});

describe('vault and secret inputs are masked and never echoed', () => {
  const hex = (n: number) => randomBytes(n).toString('hex');
  // credential-looking fixtures are assembled at run time (our own doctor scans this repository)
  const apiToken = hex(20);
  const dbPassword = hex(16);
  const dsn = ['postgres', '://app:', dbPassword, '@db.internal:5432/app'].join('');
  const keyLines = [
    ['-----BEGIN', 'OPENSSH', 'PRIVATE', 'KEY-----'].join(' '),
    randomBytes(48).toString('base64'),
    randomBytes(48).toString('base64'),
    ['-----END', 'OPENSSH', 'PRIVATE', 'KEY-----'].join(' '),
  ];
  const quoted = `single quoted ${hex(8)}`;
  const vault = [
    '# vault of oss-demo',
    `API_TOKEN=${apiToken}`,
    `POSTGRES_DSN_PROD=${dsn}`,
    `PAAS_SSH_KEY="${keyLines.join('\\n')}"`,
    `export QUOTED='${quoted}'`,
  ].join('\n');
  const secrets = [
    apiToken,
    dsn,
    dbPassword,
    quoted,
    keyLines.join('\n'),
    keyLines[1] as string,
    keyLines[2] as string,
  ];
  const encodings = (s: string) => [
    s,
    Buffer.from(s).toString('base64'),
    Buffer.from(s).toString('hex'),
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
  ];

  function expectMaskedEverywhere(r: ActionRun, token?: string) {
    for (const v of [apiToken, dsn, quoted, keyLines.join('\n')]) expect(r.masks).toContain(v);
    if (token) expect(r.masks).toContain(token);
    const all = [...secrets, ...(token ? [token] : [])].flatMap(encodings).filter((v) => v.length >= 6);
    for (const sink of sinks(r))
      for (const v of all)
        if (sink.includes(v))
          throw new Error(
            `secret value leaked into a sink of ${r.action}: …${sink.slice(Math.max(0, sink.indexOf(v) - 40), sink.indexOf(v))}<secret>`,
          );
  }

  test.each(OPERATION_ACTIONS)('%s', async (op) => {
    const token = `ghp_${hex(18)}`;
    const inputs: Record<string, InputValue> = { context: 'oss-demo', state_root: sb.stateRoot, vault };
    if (REGISTRY[op].secretInputs.includes('github_token')) inputs.github_token = token;
    const r = await run(op, 'action', inputs);
    checkContract(r, op);
    expectMaskedEverywhere(r, inputs.github_token as string | undefined);
  });

  test('through the umbrella', async () => {
    const r = await run('doctor', 'umbrella', { context: 'oss-demo', state_root: sb.stateRoot, vault });
    checkContract(r, 'doctor');
    expectMaskedEverywhere(r);
  });

  test('the default github_token (${{ github.token }}) is masked too', async () => {
    const r = await run('deploy', 'action', { context: 'oss-demo', state_root: sb.stateRoot, vault }, { post: false });
    expectMaskedEverywhere(r, r.githubToken);
  });

  test.each([
    ['an invalid input', { mode: 'yes' }],
    ['a missing context', { context: '' }],
    ['an unsafe state root', { state_root: 'inside-the-workspace' }],
  ] as const)('even when the run fails on %s', async (_why, bad) => {
    const r = await run(
      'deploy',
      'action',
      { context: 'oss-demo', state_root: sb.stateRoot, vault, ...bad },
      { post: false },
    );
    expect(checkContract(r, 'deploy').ok).toBe(false);
    expectMaskedEverywhere(r, r.githubToken);
  });
});
