/**
 * Every input naming a path refuses control characters with PAAS_INVALID_ARGUMENT naming the input
 * (never its value): a line break in `config`, `state_root`, `artifact`, `sarif_file`, `baseline`
 * or `path` could forge log lines or commands. Property test over where the character sits.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { commonInputsSchema, parseInputs, pathInput } from '../lib/runtime/inputs.js';
import { isPaasError } from '../lib/output/errors.js';

const control = fc.integer({ min: 1, max: 0x1f }).chain((c) => fc.constantFrom(String.fromCharCode(c), '\u007f'));

describe('path inputs', () => {
  test('a control character anywhere in a path is refused, naming the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), control, fc.string({ maxLength: 20 }), (a, c, b) => {
        const value = `${a}${c}${b}`;
        try {
          parseInputs(commonInputsSchema, { config: value });
          return false;
        } catch (e) {
          expect(isPaasError(e) && e.code).toBe('PAAS_INVALID_ARGUMENT');
          expect((e as Error).message).toContain('config');
          expect((e as Error).message).not.toContain(value);
          return true;
        }
      }),
    );
  });

  test('ordinary paths, spaces and non-ASCII names pass', () => {
    for (const p of ['paas.yml', 'ops/paas.yml', '/srv/my app/paas.yml', 'déploiement/paas.yml', './x-y_z.1'])
      expect(pathInput.parse(p)).toBe(p);
  });
});
