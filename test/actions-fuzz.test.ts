/**
 * Every action input, fuzzed with malformed values through the runner-contract harness: path
 * traversal, shell metacharacters, workflow-command injection, huge (100 kB) and empty strings,
 * wrong types. The oracle is the operation's own zod schema applied to what the runner passes
 * (core.getInput trims, empty means absent): a rejected value must give exit 1 with
 * PAAS_INVALID_ARGUMENT naming the input (never echoing the value) and write nothing anywhere; an
 * accepted one must still give a well-formed envelope. Never a stack trace, never an injected
 * workflow command, never PAAS_INTERNAL.
 *
 * Budget: one spawn per sample (no post step), 100 samples by default (PAAS_FUZZ_RUNS), under a minute.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { basename, relative, resolve, sep } from 'node:path';
import { OPERATIONS, type OperationName } from '../lib/ops/operation.js';
import { REGISTRY } from '../lib/entry/registry.js';
import { commonInputsSchema, COMMON_INPUT_NAMES } from '../lib/runtime/inputs.js';
import { checkContract } from './harness/contract.js';
import { inputEnvName, loadActionMetadata } from './harness/metadata.js';
import {
  ALL_ACTIONS,
  createSandbox,
  listTree,
  runAction,
  stackTraceLines,
  type ActionName,
  type ActionRun,
  type Sandbox,
} from './harness/runner.js';

const MARK = 'PAASFUZZ';
const INJECT = `${MARK}-INJECT`;
/** the file a shell would create if it ever ran one of the payloads below */
const SHELL_RAN = `${MARK}-SHELL`;
const NUM_RUNS = Number(process.env.PAAS_FUZZ_RUNS ?? 100);

/** 100 kB of a pattern (under Linux's 128 KiB limit for one environment string). */
const huge = (p: string) => p.repeat(Math.ceil(100_000 / Buffer.byteLength(p))).slice(0, 100_000);
/** huge values travel as `<huge:pattern>` tokens so a counterexample prints short; expanded before the run */
const HUGE_TOKEN = /^<huge:([\s\S]+)>$/;
const expand = (v: string) => {
  const m = HUGE_TOKEN.exec(v);
  return m ? huge(m[1] as string) : v;
};

const traversal = fc.constantFrom(
  '../../etc/passwd',
  '..',
  '../',
  './../..',
  `a/../../${MARK}`,
  `....//....//${MARK}`,
  `..\\..\\${MARK}`,
  `%2e%2e%2f%2e%2e%2f${MARK}`,
  `oss-demo/../../${MARK}`,
  `customer-../../${MARK}`,
  `${MARK}/../../..`,
  '~/../../',
  `/etc/../${MARK}`,
);
const shell = fc.constantFrom(
  `$(touch ${SHELL_RAN})`,
  `\`touch ${SHELL_RAN}\``,
  `x; touch ${SHELL_RAN}`,
  `x && touch ${SHELL_RAN}`,
  `x | tee ${SHELL_RAN}`,
  `x' ; touch ${SHELL_RAN}; '`,
  `"$(touch ${SHELL_RAN})"`,
  `x\ntouch ${SHELL_RAN}`,
  `x > ${SHELL_RAN}`,
  `\${IFS}${MARK}`,
  `{{ ${MARK} }}`,
  `\${{ github.token }}${MARK}`,
  `*?[${MARK}]`,
);
const injection = fc.constantFrom(
  `x\n::warning::${INJECT}`,
  `::error::${INJECT}`,
  `  ::notice title=x::${INJECT}`,
  `x\r\n::add-mask::${INJECT}`,
  `x%0A::warning::${INJECT}`,
  `x\n::stop-commands::${INJECT}`,
  `x\n::set-output name=result::${INJECT}`,
  `${MARK}\nEOF\nresult<<EOF\n${INJECT}`,
);
const hugeValues = fc.constantFrom('A', '../', '$(x)', MARK, 'é', 'a\n').map((p) => `<huge:${p}>`);
const empty = fc.constantFrom('', ' ', '\t', '\n', '  \n  ');
const wrongTypes = fc.constantFrom(
  'yes',
  'no',
  'on',
  'off',
  'y',
  '1',
  '0',
  '1.5',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  '{}',
  `{"${MARK}":1}`,
  '[]',
  '[1,2]',
  'true false',
  'tRuE',
  'True ',
  ' FALSE',
  '0x10',
  '٣',
  'ＴＲＵＥ',
);
const randomText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
const marked = fc
  .tuple(randomText, fc.constantFrom('', '/', '-', ' ', '\n'), randomText)
  .map(([a, sepr, b]) => `${a}${sepr}${MARK}${b}`);

const malformed = fc.oneof(traversal, shell, injection, hugeValues, empty, wrongTypes, randomText, marked);

type Sample = { action: ActionName; op: OperationName; inputs: Record<string, string> };

function declaredOpInputs(op: OperationName): string[] {
  return [...COMMON_INPUT_NAMES, ...Object.keys(REGISTRY[op].inputs.shape)];
}

const sample: fc.Arbitrary<Sample> = fc
  .tuple(fc.constantFrom(...ALL_ACTIONS), fc.constantFrom(...OPERATIONS))
  .chain(([action, umbrellaOp]) => {
    const op = (action === 'paas' ? umbrellaOp : action) as OperationName;
    const names = declaredOpInputs(op);
    return fc
      .uniqueArray(fc.tuple(fc.constantFrom(...names), malformed), { minLength: 1, maxLength: 3, selector: ([n]) => n })
      .map((pairs) => ({ action, op, inputs: Object.fromEntries(pairs) }));
  });

/** What the operation receives: core.getInput trims every INPUT_*, and runAction drops ''. */
function rawAsReceived(run: ActionRun, op: OperationName): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const n of declaredOpInputs(op)) {
    const v = (run.env[inputEnvName(n)] ?? '').trim();
    if (v !== '') raw[n] = v;
  }
  return raw;
}

/** Inputs naming paths the operation may read or write: keep fuzzed paths inside the sandbox. */
const PATH_INPUTS = new Set(['state_root', 'config', 'artifact', 'sarif_file', 'baseline']);
function staysInSandbox(sb: Sandbox, name: string, value: string): boolean {
  if (!PATH_INPUTS.has(name)) return true;
  const v = value.trim();
  if (v === '') return true;
  const abs = resolve(sb.workspace, v);
  return abs === sb.root || abs.startsWith(sb.root + sep);
}

/** Everything in the sandbox except what the runner itself writes (file commands, event). */
function sandboxFiles(sb: Sandbox): string[] {
  const runnerTemp = relative(sb.root, sb.runnerTemp);
  return listTree(sb.root).filter(
    (p) => p !== runnerTemp && !p.startsWith(runnerTemp + sep) && !/^event-[0-9a-f-]+\.json$/.test(p),
  );
}

const NOTHING_WRITTEN_CODES = new Set(['PAAS_INVALID_ARGUMENT', 'PAAS_STATE_ROOT_UNSAFE', 'PAAS_CONTEXT_UNRESOLVED']);

/** stdout without `::add-mask::` lines: secret inputs are registered verbatim (escaped), before validation. */
const withoutMasks = (s: string) =>
  s
    .split(/\r?\n/)
    .filter((l) => !l.trimStart().startsWith('::add-mask::'))
    .join('\n');

/** A value printed at the start of a line would become a command whose data starts with INJECT. */
function checkNoInjection(run: ActionRun, inputs: Record<string, string>) {
  // masking a line of a secret input is our own escaped `::add-mask::`, not an injected command:
  // each line of a multi-line secret is registered on purpose (docs/redaction.md)
  const ownLines = new Set(Object.values(inputs).flatMap((v) => v.split(/\r\n|\r|\n/).map((l) => l.trim())));
  for (const c of run.commands) {
    if (c.command === 'add-mask' && ownLines.has(c.data.trim())) continue;
    expect({
      command: c.command,
      injected: c.data.startsWith(INJECT) || Object.values(c.properties).some((v) => v.includes(INJECT)),
    }).toEqual({ command: c.command, injected: false });
  }
  expect(
    run.commands.filter(
      (c) =>
        c.command === 'stop-commands' ||
        c.command === 'set-output' ||
        c.command === 'save-state' ||
        c.command === 'set-env' ||
        c.command === 'add-path',
    ),
  ).toEqual([]);
}

describe('malformed action inputs', () => {
  test(`fuzz: ${NUM_RUNS} runs over every action and input`, async () => {
    const seen = { rejected: 0, accepted: 0 };
    await fc.assert(
      fc.asyncProperty(sample, async (s) => {
        const sb = createSandbox({ git: true });
        try {
          const fuzzed = Object.fromEntries(Object.entries(s.inputs).map(([n, v]) => [n, expand(v)]));
          for (const [n, v] of Object.entries(fuzzed)) fc.pre(staysInSandbox(sb, n, v));
          const before = sandboxFiles(sb);
          const inputs: Record<string, string> = { context: 'oss-demo', state_root: sb.stateRoot, ...fuzzed };
          const run = await runAction({
            action: s.action,
            inputs: s.action === 'paas' ? { operation: s.op, ...inputs } : inputs,
            sandbox: sb,
            post: false,
            timeoutMs: 20_000,
          });
          expect(run.runnerWarnings).toEqual([]);
          const env = checkContract(run, s.op);
          expect(stackTraceLines(run.log)).toEqual([]);
          checkNoInjection(run, fuzzed);

          const schema = commonInputsSchema.extend(REGISTRY[s.op].inputs.shape).strict();
          const expected = schema.safeParse(rawAsReceived(run, s.op));
          if (!expected.success) {
            seen.rejected++;
            const name = (expected.error.issues[0]?.path ?? []).join('.');
            expect(run.exitCode).toBe(1);
            expect(env.error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', stage: 'input' });
            expect(env.error?.message.startsWith(`input ${name}: `)).toBe(true);
            expect(env.error?.remediation).toContain(name);
            expect(run.outputs.status).toBe(`${s.op} status=fail reason=invalid_argument stage=input`);
            // the refused value is never echoed (checked when it is distinctive: it carries MARK)
            const refused = rawAsReceived(run, s.op)[name] ?? '';
            if (refused.includes(MARK))
              for (const sink of [withoutMasks(run.stdout), run.stderr, run.summary, ...Object.values(run.outputs)])
                expect(sink.includes(refused)).toBe(false);
          } else {
            seen.accepted++;
            expect([0, 1, 2]).toContain(run.exitCode);
            expect(env.error?.code).not.toBe('PAAS_INTERNAL');
          }
          if (env.error && NOTHING_WRITTEN_CODES.has(env.error.code)) expect(sandboxFiles(sb)).toEqual(before);
          // no payload ever reached a shell, whatever the outcome
          expect(listTree(sb.root).filter((p) => basename(p) === SHELL_RAN)).toEqual([]);
        } finally {
          sb.cleanup();
        }
      }),
      {
        numRuns: NUM_RUNS,
        maxSkipsPerRun: 2,
        interruptAfterTimeLimit: 90_000,
        markInterruptAsFailure: false,
        ...(process.env.PAAS_FUZZ_SEED ? { seed: Number(process.env.PAAS_FUZZ_SEED) } : {}),
      },
    );
    if (process.env.PAAS_FUZZ_DEBUG) console.log(`fuzz: ${seen.rejected} rejected, ${seen.accepted} accepted`);
    // the generator must exercise both sides of the oracle
    expect(seen.rejected).toBeGreaterThan(NUM_RUNS / 5);
    expect(seen.accepted).toBeGreaterThan(NUM_RUNS / 20);
  }, 180_000);

  /** One clearly wrong value per operation-specific input (one spawn each for the strict ones). */
  const STRICT_CASES: Array<[OperationName, string, string]> = [
    ['deploy', 'mode', 'yes'],
    ['deploy', 'apply', 'yes'],
    ['deploy', 'app', `../${MARK}`],
    ['deploy', 'release_id', `$(touch ${MARK})`],
    ['deploy', 'rollback_on_failure', '1.5'],
    ['deploy', 'github_token', huge(MARK)],
    ['rollback', 'target', `all; touch ${MARK}`],
    ['rollback', 'to_release', `..${MARK}`],
    ['prod_verify', 'mode', `{"${MARK}":1}`],
    ['prod_verify', 'expected_release', `-${MARK}`],
    ['ops_daily', 'mode', 'strict'],
    ['db_bootstrap', 'dsn_key', `postgres://u:p@h/${MARK}`],
    ['db_bootstrap', 'baseline_version', `1.5${MARK}`],
    ['doctor', 'sarif_file', huge(MARK)],
    ['doctor', 'context_type', `${MARK}`],
    ['doctor', 'allow_unsafe_state_root', 'yes'],
    ['doctor', 'state_root', huge('../')],
  ];

  test.each(STRICT_CASES)('%s: %s refuses a malformed value by name, without echoing it', async (op, name, value) => {
    const sb = createSandbox();
    try {
      const run = await runAction({
        action: op,
        inputs: { context: 'oss-demo', state_root: sb.stateRoot, [name]: value },
        sandbox: sb,
        post: false,
      });
      const env = checkContract(run, op);
      expect(run.exitCode).toBe(1);
      expect(env.error?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(env.error?.message.startsWith(`input ${name}: `)).toBe(true);
      for (const sink of [withoutMasks(run.stdout), run.stderr, run.summary, ...Object.values(run.outputs)])
        expect(sink.includes(MARK)).toBe(false);
      expect(listTree(sb.stateRoot)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  test('every input of every action.yml is covered by the fuzzer', () => {
    for (const a of ALL_ACTIONS) {
      const declared = Object.keys(loadActionMetadata(a).inputs ?? {}).filter((n) => n !== 'operation');
      const fuzzed = new Set(
        a === 'paas' ? OPERATIONS.flatMap(declaredOpInputs) : declaredOpInputs(a as OperationName),
      );
      expect(declared.filter((n) => !fuzzed.has(n))).toEqual([]);
    }
  });
});
