/**
 * The CLI's operation flags come from the operations' zod schemas (issue 15, "derive, don't
 * restate"): boolean flags are the inputs whose schema reads the runner's `true` as true.
 */
import { describe, expect, test } from '@jest/globals';
import { COMMANDS } from '../lib/cli/cli.js';
import { zodChoices } from '../lib/cli/help.js';
import { REGISTRY } from '../lib/entry/registry.js';
import { COMMON_INPUT_NAMES } from '../lib/runtime/inputs.js';
import { cli } from './helpers.js';

const opCommands = COMMANDS.filter((c) => c.op);

test('boolean flags of the operation commands are exactly the boolean inputs (the list the CLI used to restate)', () => {
  const restated = [
    'apply',
    'rollback_on_failure',
    'allow_unsafe_state_root',
    'update_baseline',
    'state_reset',
    'allow_bad_release',
    'drill',
  ];
  expect(opCommands.length).toBeGreaterThanOrEqual(6);
  for (const c of opCommands) {
    const all = [...c.strings, ...c.booleans];
    expect({ cmd: c.path.join(' '), booleans: [...c.booleans].sort() }).toEqual({
      cmd: c.path.join(' '),
      booleans: all.filter((n) => restated.includes(n)).sort(),
    });
  }
});

test('deploy and rollback take --apply without a value; --app and --release-id take one', () => {
  const deploy = opCommands.find((c) => c.path.join(' ') === 'deploy');
  const rollback = opCommands.find((c) => c.path.join(' ') === 'rollback');
  expect(deploy?.booleans).toEqual(
    expect.arrayContaining(['apply', 'rollback_on_failure', 'allow_unsafe_state_root', 'state_reset']),
  );
  expect(deploy?.strings).toEqual(expect.arrayContaining(['app', 'release_id', 'artifact', 'context']));
  expect(rollback?.booleans).toEqual(expect.arrayContaining(['apply', 'allow_bad_release', 'drill']));
});

/** Flags given where their mode does not read them, and the first line of stderr each gets. */
const REFUSED: Array<[string[], string]> = [
  [
    ['deploy', 'reconcile', '--artifact', 'x.tgz'],
    'paas deploy reconcile: --artifact does not apply to mode reconcile; it is an option of `paas deploy`',
  ],
  [
    ['deploy', 'reconcile', '--shards', '4'],
    'paas deploy reconcile: --shards does not apply to mode reconcile; it is an option of `paas deploy --mode plan_shards`',
  ],
  [
    ['target', 'check', '--apply'],
    'paas target check: --apply does not apply to mode target_check; it is an option of `paas deploy`, `paas deploy --mode finalize`',
  ],
  [
    ['target', 'check', '--no-rollback-on-failure'],
    'paas target check: --no-rollback-on-failure does not apply to mode target_check; it is an option of `paas deploy`',
  ],
  [
    ['deploy', 'reconcile', '--finalize'],
    'paas deploy reconcile: --finalize does not apply to mode reconcile; it is an option of `paas deploy`',
  ],
  [
    ['ops', 'readiness', '--results', '/tmp/r'],
    'paas ops readiness: --results does not apply to mode readiness; it is an option of `paas ops daily --mode summary`',
  ],
  [
    ['ops', 'readiness', '--results=/tmp/r', '--json'],
    'paas ops readiness: --results does not apply to mode readiness; it is an option of `paas ops daily --mode summary`',
  ],
  // the unpinned commands: the mode is a flag (or its default), the same lists apply
  [
    ['ops', 'daily', '--mode', 'readiness', '--results', '/tmp/r'],
    'paas ops daily: --results does not apply to mode readiness; it is an option of `paas ops daily --mode summary`',
  ],
  [
    ['ops', 'daily', '--drill-window', '7d'],
    'paas ops daily: --drill-window does not apply to mode prod; it is an option of `paas ops readiness`',
  ],
  [
    ['deploy', '--plan-shards', '2', '--artifact', 'x.tgz'],
    'paas deploy: --artifact does not apply to mode plan_shards; it is an option of `paas deploy`',
  ],
  [
    ['deploy', '--shards', '2'],
    'paas deploy: --shards does not apply to mode deploy; it is an option of `paas deploy --mode plan_shards`',
  ],
];

/**
 * Commands that pin a mode (`paas deploy reconcile`, `paas target check`, `paas ops readiness`)
 * take only the inputs that mode reads: the per-mode lists beside the operations' schemas.
 */
describe('mode-pinned commands: only the flags of their mode', () => {
  const command = (path: string) => COMMANDS.find((c) => c.path.join(' ') === path);
  const own = (path: string) => {
    const c = command(path);
    return [...(c?.strings ?? []), ...(c?.booleans ?? [])].filter((n) => !COMMON_INPUT_NAMES.includes(n as never));
  };

  test.each([
    ['deploy reconcile', ['app']],
    ['target check', ['app']],
    ['ops readiness', ['github_token', 'contexts', 'backup_max_age', 'drill_window']],
  ])('paas %s takes %j besides the common inputs', (path, flags) => {
    expect(own(path).sort()).toEqual([...flags].sort());
  });

  test('the unpinned commands still take every input of the schema', () => {
    expect(own('deploy').sort()).toEqual(Object.keys(REGISTRY.deploy.inputs.shape).sort());
    expect(own('ops daily').sort()).toEqual(Object.keys(REGISTRY.ops_daily.inputs.shape).sort());
  });

  test('every input of an operation with modes is read by at least one mode, and the lists name only inputs', () => {
    for (const op of ['deploy', 'ops_daily'] as const) {
      const def = REGISTRY[op];
      const byMode = def.inputsByMode ?? {};
      const shape = Object.keys(def.inputs.shape);
      expect(Object.keys(byMode).sort()).toEqual([...(zodChoices(def.inputs.shape.mode) ?? [])].sort());
      const listed = new Set(Object.values(byMode).flat());
      expect({ op, unlisted: shape.filter((n) => n !== 'mode' && !listed.has(n)) }).toEqual({ op, unlisted: [] });
      expect({ op, unknown: [...listed].filter((n) => !shape.includes(n)) }).toEqual({ op, unknown: [] });
    }
  });

  test.each(REFUSED)('paas %j is refused, naming the flag and where it belongs', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error PAAS_INVALID_ARGUMENT: ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at |TypeError|ERR_PARSE_ARGS/);
    if (args.includes('--json')) expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
  });

  test('a flag of the mode given explicitly is not refused at the edge', async () => {
    // reaches the operation (no context here), not the flag check
    const r = await cli(['ops', 'daily', '--mode', 'summary', '--results', '/nonexistent-results', '--json']);
    expect(r.stderr).not.toContain('does not apply');
    const d = await cli(['deploy', '--finalize', '--release-id', 'v1', '--json']);
    expect(d.stderr).not.toContain('does not apply');
  });
});
