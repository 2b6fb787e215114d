import { describe, expect, test, afterAll } from '@jest/globals';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../lib/cli/cli.js';
import { ERROR_CODES } from '../lib/output/errors.js';
import { cli, rmrf, tempDir } from './helpers.js';

const base = tempDir('paas-fuzz-');
afterAll(() => rmrf(base));

/** Values that no typed argument accepts. */
const malformed = fc.oneof(
  fc.constantFrom(
    '../../etc/passwd',
    '..',
    '/etc/passwd',
    'a/../../b',
    '$(id)',
    '`id`',
    ';rm -rf /',
    'a|b',
    'a&&b',
    "it's",
    '"q"',
    '\n',
    ' ',
    'yes',
    'no',
    '1.5',
    '-1',
    '{"a":1}',
    '[1,2]',
    'null',
    'ＡＢＣ',
    'a\u0000b',
    'x'.repeat(100_000),
    'UPPER',
    '-x',
  ),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => `${s};$(touch /tmp/pwned-${s.length})`),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((s) => '../' + s),
);

/** Arguments typed tightly enough that every malformed value above must be refused. */
const TYPED = new Set([
  'name',
  'type',
  'context',
  'context_type',
  'mode',
  'app',
  'release_id',
  'to_release',
  'target',
  'dsn_key',
  'baseline_version',
  'kind',
  'limit',
  'default_targets',
  'events',
  'branches',
  'actors',
  'expected_release',
]);

const ENUMS = new Set(['type', 'context_type', 'mode']);

const STACK = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('every CLI command refuses malformed input cleanly', () => {
  for (const cmd of COMMANDS) {
    const args = [...cmd.positionals.map((p) => p.replace('?', '')), ...cmd.strings].filter((a) => TYPED.has(a));
    if (!args.length) continue;
    test(`paas ${cmd.path.join(' ')}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...args), malformed, async (arg, value) => {
          if (arg === 'limit' && /^\d+$/.test(value)) return; // a valid number is not malformed
          if (cmd.lists?.includes(arg) && !value.trim()) return; // an empty list is a legal (empty) list
          // a plain identifier (`yes`, `UPPER`, `1.5`) is a legal name/id; only enums must refuse it
          if (!ENUMS.has(arg) && /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) return;
          const root = join(base, `s-${Math.random().toString(36).slice(2)}`);
          const argv = [...cmd.path];
          cmd.positionals.forEach((p) => {
            const n = p.replace('?', '');
            if (n === arg) argv.push(value);
            else if (!p.endsWith('?')) argv.push(n === 'file' ? join(base, 'nofile.json') : 'oss-demo');
          });
          if (cmd.strings.includes(arg)) argv.push(`--${arg.replace(/_/g, '-')}`, value);
          argv.push('--state-root', root, '--json');
          const r = await cli(argv, { HOME: base });
          expect(r.code).toBe(1);
          const env = r.json();
          expect(env.ok).toBe(false);
          expect(ERROR_CODES).toContain(env.error?.code);
          expect(['PAAS_INVALID_ARGUMENT', 'PAAS_CONTEXT_UNRESOLVED']).toContain(env.error?.code);
          expect(env.error?.remediation.length).toBeGreaterThan(10);
          expect(r.stdout + r.stderr).not.toMatch(STACK);
          expect(r.stdout.length + r.stderr.length).toBeLessThan(20_000); // huge values are never echoed back
          expect(existsSync(root)).toBe(false);
        }),
        { numRuns: 60 },
      );
    });
  }

  test('unknown commands and flags', async () => {
    for (const argv of [
      ['nope'],
      ['context', 'create', 'oss-demo', '--bogus', 'x'],
      ['context', 'list', 'extra', 'args'],
      ['context', 'create'],
    ]) {
      const r = await cli([...argv, '--json'], { HOME: base });
      expect(r.code).toBe(1);
      expect(r.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(r.stderr).toMatch(/fix: /);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
    }
  });

  test('--help for every command', async () => {
    for (const cmd of COMMANDS) {
      const r = await cli([...cmd.path, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: paas ${cmd.path.join(' ')}`);
    }
  });
});
