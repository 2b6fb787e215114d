/**
 * The CLI's operation flags come from the operations' zod schemas (issue 15, "derive, don't
 * restate"): boolean flags are the inputs whose schema reads the runner's `true` as true.
 */
import { expect, test } from '@jest/globals';
import { COMMANDS } from '../lib/cli/cli.js';

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
