/**
 * The action entry in process (lib/entry/action.ts), without a bundle:
 *
 * - inputs are parsed once (runAction's check before persistence is the result the operation
 *   uses): an invalid input gives the same PAAS_INVALID_ARGUMENT as the operation's own parse
 *   (executeOperation without a result at hand), naming the input, never its value;
 * - emitOutcome redacts the whole envelope itself: operations build their envelopes unredacted
 *   (outcome() redacts only the status line; db_bootstrap, prod_verify and ops_daily build theirs
 *   directly), so a registered secret in any field of the envelope, the status lines or the summary
 *   is masked in stdout, GITHUB_OUTPUT and the job summary.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_OUTPUTS, emitOutcome, runAction } from '../lib/entry/action.js';
import { executeOperation } from '../lib/entry/execute.js';
import { outcome } from '../lib/output/outcome.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import type { Outcome } from '../lib/output/envelope.js';
import { captureStdout } from './persist-helpers.js';

let dir = '';
let n = 0;
// @actions/core keeps the summary file's path from its first write: one file, emptied per run
let summaryFile = '';
const saved = { ...process.env };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-entry-'));
  summaryFile = join(dir, 'summary');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  process.exitCode = undefined;
});

/** Runs `fn` with GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and stdout captured. */
async function captured(fn: () => Promise<void>): Promise<{ stdout: string; outputs: string; summary: string }> {
  const out = join(dir, `out-${n++}`);
  writeFileSync(out, '');
  writeFileSync(summaryFile, '');
  process.env.GITHUB_OUTPUT = out;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  const { out: stdout } = await captureStdout(fn);
  return { stdout, outputs: readFileSync(out, 'utf8'), summary: readFileSync(summaryFile, 'utf8') };
}

function runtime(redactor = new Redactor()): Runtime {
  return {
    env: {},
    cwd: dir,
    redactor,
    logger: memoryLogger(redactor),
    now: () => new Date(),
    inCI: true,
    inAction: true,
  } as Runtime;
}

/** The result output's envelope from GITHUB_OUTPUT's `result<<DELIMITER ... DELIMITER` block. */
function resultOf(outputs: string): { error?: { code: string; message: string; remediation: string } } {
  const m = /^result<<(.+)\n([\s\S]*?)\n\1$/m.exec(outputs);
  if (!m) throw new Error(`no result output in ${outputs}`);
  return JSON.parse(m[2] as string);
}

describe('inputs parsed once', () => {
  test.each([
    ['context', 'Not A Name'],
    ['state_root', `${dir}/a\nb`],
    ['allow_unsafe_state_root', 'yes'],
    ['state_reset', 'maybe'],
  ])('an invalid %s: the same error as the operation parsing it itself', async (input, value) => {
    const raw: Record<string, string> = { context: 'oss-demo', state_root: join(dir, 'state'), [input]: value };
    const own = await executeOperation(runtime(), 'db_bootstrap', raw);
    expect(own.envelope.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(own.envelope.error?.message).toContain(`input ${input}: `);
    for (const [k, v] of Object.entries(raw)) process.env[`INPUT_${k.toUpperCase()}`] = v;
    const { outputs } = await captured(() => runAction('db_bootstrap'));
    expect(process.exitCode).toBe(1);
    expect(resultOf(outputs).error).toEqual(own.envelope.error);
  });
});

describe('emitOutcome redacts every field', () => {
  test('a registered secret in each field of an unredacted outcome is masked in every sink', async () => {
    const secret = ['s3cr', 'et-', 'Tq8vWm2xLp9', 'Zr4K'].join('');
    const r = new Redactor();
    r.register(secret);
    const o: Outcome = outcome(r, {
      command: 'db_bootstrap',
      context: `ctx-${secret}`,
      mode: `mode-${secret}`,
      fields: {
        migrations: `a,${secret}`,
        applied: [secret, 'b'],
        pending: 3,
        nested: { deep: [{ v: `x ${secret} y` }] },
        [`key_${secret}`]: 'a key holding it',
      },
      status: 'ok',
      extraLines: [`progress ${secret}`],
      summary: `summary ${secret}`,
    });
    o.envelope.error = {
      code: 'PAAS_MIGRATION_FAILED',
      stage: `stage-${secret}`,
      target: `target-${secret}`,
      message: `message ${secret}`,
      remediation: `remediation ${secret}`,
    } as NonNullable<Outcome['envelope']['error']>;
    // the envelope is unredacted as built: the pass in emitOutcome is the one that masks it
    expect(JSON.stringify(o.envelope)).toContain(secret);
    const sinks = await captured(() => emitOutcome(runtime(r), o, [...ACTION_OUTPUTS.db_bootstrap, 'failed_stage']));
    for (const [sink, text] of Object.entries(sinks)) {
      expect([sink, text.includes(secret)]).toEqual([sink, false]);
      expect([sink, text.includes('***')]).toEqual([sink, true]);
    }
    const env = resultOf(sinks.outputs) as Record<string, unknown>;
    expect(JSON.stringify(env)).not.toContain(secret);
    expect(sinks.outputs).toMatch(/^failed_stage<<.+\nstage-\*\*\*/m);
    expect(sinks.stdout).toContain('::error::PAAS_MIGRATION_FAILED: message ***');
  });
});
