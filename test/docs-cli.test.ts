/**
 * docs/cli.md as a newcomer reads it, against the code: every command of `paas --help` is
 * documented, every flag of a CLI-only command is named on its own line of the page (the
 * operations' flags are the action inputs, generated into docs/inputs.md), and the error code
 * table is exactly lib/output/errors.ts's list.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../lib/cli/cli.js';
import { ERROR_CODES } from '../lib/output/errors.js';
import { COMMON_INPUT_NAMES } from '../lib/runtime/inputs.js';
import { REPO_ROOT } from './harness/metadata.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
const kebab = (s: string) => s.replace(/_/g, '-');
/** flags described once under "Common options" and in the backup section's opening paragraph */
const COMMON = new Set(['context', 'state_root', 'allow_unsafe_state_root', 'vault', 'vault_file', 'config']);

/** the lines of docs/cli.md that show `paas <path> ...` (table rows, headings, examples) */
const linesOf = (path: readonly string[]) =>
  doc.split('\n').filter((l) => new RegExp(`\`paas ${path.join(' ')}( [^\`]*)?\``).test(l));

describe('docs/cli.md', () => {
  test.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('paas %s is documented', (_name, c) => {
    expect({ command: c.path.join(' '), lines: linesOf(c.path).length > 0 }).toEqual({
      command: c.path.join(' '),
      lines: true,
    });
  });

  test.each(COMMANDS.filter((c) => !c.op).map((c) => [c.path.join(' '), c] as const))(
    'paas %s: every flag of its --help is named where the page shows the command',
    (_name, c) => {
      const text = linesOf(c.path).join('\n');
      const missing = [...c.strings, ...c.booleans]
        .filter((f) => !COMMON.has(f))
        .filter((f) => !new RegExp(`--${kebab(f)}\\b`).test(text));
      expect({ command: c.path.join(' '), missing }).toEqual({ command: c.path.join(' '), missing: [] });
    },
  );

  test.each(COMMANDS.filter((c) => c.fixed?.mode).map((c) => [c.path.join(' '), c] as const))(
    'paas %s (pins a mode): every flag of its mode is named where the page shows the command',
    (_name, c) => {
      const text = linesOf(c.path).join('\n');
      const missing = [...c.strings, ...c.booleans]
        .filter((f) => !COMMON.has(f) && !COMMON_INPUT_NAMES.includes(f as never))
        .filter((f) => !new RegExp(`--${kebab(f)}\\b`).test(text));
      expect({ command: c.path.join(' '), missing }).toEqual({ command: c.path.join(' '), missing: [] });
    },
  );

  test("paas deploy's shorthands are named where the page shows paas deploy", () => {
    const deploy = COMMANDS.find((c) => c.path.join(' ') === 'deploy');
    const text = linesOf(['deploy']).join('\n');
    expect(deploy?.shorthands?.length).toBeGreaterThan(0);
    for (const s of deploy?.shorthands ?? [])
      expect({ flag: s.flag, named: text.includes(`--${s.flag}`) }).toEqual({ flag: s.flag, named: true });
  });

  test('the page says a mode-pinned command refuses the flags of other modes, with the message it prints', () => {
    expect(doc).toContain('does not apply to mode reconcile; it is an option of `paas deploy`');
  });

  test('the error code table lists exactly the codes of lib/output/errors.ts', () => {
    const section = doc.split('\n## Error codes\n')[1]?.split('\n## ')[0] ?? '';
    const rows = [...section.matchAll(/^\| `(PAAS_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(0);
    expect([...rows].sort()).toEqual([...new Set(ERROR_CODES)].sort());
  });
});
