/**
 * The output contract of every action run (PRODUCT.md section 3), as checks reusable by tests:
 * the `result` envelope, the one-line `status`, `exit_code`, and how they agree with each other,
 * with the process exit code and with the `::error::` annotation.
 */
import { Ajv } from 'ajv';
import { ERROR_CODES, type ErrorInfo } from '../../lib/output/errors.js';
import type { Envelope } from '../../lib/output/envelope.js';
import type { StepResult } from './runner.js';
import { stackTraceLines } from './runner.js';

export const envelopeSchema = {
  type: 'object',
  required: ['ok', 'command', 'context', 'mode', 'fields'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    command: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    context: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }] },
    mode: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^[a-z_]{1,32}$' }] },
    fields: { type: 'object' },
    error: {
      type: 'object',
      required: ['code', 'stage', 'target', 'message', 'remediation'],
      additionalProperties: false,
      properties: {
        code: { enum: [...ERROR_CODES] },
        stage: { type: 'string', minLength: 1 },
        target: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        message: { type: 'string', minLength: 1 },
        remediation: { type: 'string' },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validateEnvelope = ajv.compile(envelopeSchema);

/** A logfmt status line: `<command> status=<word> key=value ...` (values bare or JSON-quoted). */
export const STATUS_LINE_RE = /^[a-z][a-z0-9_]* status=[a-z_]+( [a-z_]+=("(?:[^"\\]|\\.)*"|[^\s"]*))*$/;

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/**
 * Checks that a step's outputs follow the contract and returns the envelope. Throws a
 * ContractViolation describing the first problem (with the log, for debugging).
 */
export function checkContract(run: StepResult, command?: string): Envelope & { error?: ErrorInfo } {
  const fail = (why: string): never => {
    throw new ContractViolation(`${run.entry}: ${why}\n--- log ---\n${run.log.slice(0, 4000)}`);
  };
  if (run.timedOut) fail('timed out');
  if (run.outputs.result === undefined) fail('no `result` output');
  let env: unknown;
  try {
    env = JSON.parse(run.outputs.result as string);
  } catch {
    fail('`result` output is not JSON');
  }
  if (!validateEnvelope(env)) fail(`envelope does not match the schema: ${ajv.errorsText(validateEnvelope.errors)}`);
  const e = env as Envelope;
  if (command && e.command !== command) fail(`envelope command is ${e.command}, expected ${command}`);
  const status = run.outputs.status;
  if (status === undefined) fail('no `status` output');
  if (!STATUS_LINE_RE.test(status as string)) fail(`status output is not a logfmt status line: ${status}`);
  if (!(status as string).startsWith(`${e.command} `) && !(status as string).startsWith(`${e.command}_`) && !e.ok) {
    // failures always print `<command> status=fail ...`; successes may print a more specific prefix
    // (`db_bootstrap_dry_run status=ok`), so only failures are held to the command name
    fail(`status line ${status} does not start with the command ${e.command}`);
  }
  if (run.outputs.exit_code !== String(run.exitCode))
    fail(`exit_code output ${run.outputs.exit_code} differs from the process exit code ${run.exitCode}`);
  if (![0, 1, 2].includes(run.exitCode ?? -1)) fail(`exit code ${run.exitCode} is not 0, 1 or 2`);
  if (e.ok !== (run.exitCode === 0)) fail(`ok=${e.ok} but exit code ${run.exitCode}`);
  if (e.error && run.exitCode !== 1) fail(`an error envelope must exit 1, got ${run.exitCode}`);
  if (e.error) {
    const reason = e.error.code.toLowerCase().replace(/^paas_/, '');
    if (!(status as string).includes(' status=fail ') || !(status as string).includes(` reason=${reason}`)) {
      // the fail-closed form is allowed: `status=fail reason=sensitive_value_detected`
      if (!(status as string).includes('reason=sensitive_value_detected'))
        fail(`status line ${status} does not carry status=fail reason=${reason}`);
    }
    const ann = run.annotations.find((a) => a.level === 'error' && a.message.startsWith(`${e.error?.code}: `));
    if (!ann) fail(`no ::error:: annotation starting with ${e.error.code}`);
    if (e.error.code === 'PAAS_INTERNAL') fail(`PAAS_INTERNAL (a bug): ${e.error.message}`);
  }
  if (e.ok && !(status as string).includes(' status=ok')) fail(`ok envelope but status line ${status}`);
  const traces = stackTraceLines(run.log);
  if (traces.length) fail(`stack trace in the log: ${traces[0]}`);
  if (Object.keys(run.deprecatedCommands.setOutput).length) fail('uses the deprecated ::set-output command');
  return e;
}
