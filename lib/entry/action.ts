import * as core from '@actions/core';
import type { Outcome } from '../output/envelope.js';
import { failure } from '../output/outcome.js';
import { EXIT_ERROR } from '../output/exit.js';
import { Redactor } from '../redaction/redactor.js';
import { COMMON_INPUT_NAMES } from '../runtime/inputs.js';
import { executeOperation, operationInputsSchema } from './execute.js';
import { loadOperation } from './load.js';
import { POST_STATE_NAMES } from '../runtime/post-check.js';
import { interruptRequested, onTermination, requestInterrupt } from '../runtime/interrupt.js';
import type { Runtime } from '../runtime/runtime.js';
import { lowerHelperThreads } from '../runtime/helper-threads.js';
import { inputsOutsideMode, type OperationDef, type OperationName } from '../ops/operation.js';
import { errorMessage } from '../output/errors.js';

/** Output names of every action (constants, one place). */
export const OUTPUTS = { result: 'result', status: 'status', exitCode: 'exit_code' } as const;

/**
 * The outputs each action declares in its action.yml, beyond result/status/exit_code (the test
 * test/action-outputs.test.ts holds both lists equal): exactly these are written to GITHUB_OUTPUT,
 * each from the envelope field of the same name (empty when the run has none). The root
 * action.yml declares the union.
 */
export const ACTION_OUTPUTS: Record<OperationName, readonly string[]> = {
  deploy: [
    'result',
    'status',
    'exit_code',
    'release_id',
    'target_statuses',
    'rolled_back_targets',
    'fanout_plan',
    'artifact_sha256',
    'failed_stage',
    'failed_target',
    'matrix',
  ],
  rollback: [
    'result',
    'status',
    'exit_code',
    'release_id',
    'target_statuses',
    'rolled_back_targets',
    'failed_stage',
    'failed_target',
  ],
  prod_verify: ['result', 'status', 'exit_code', 'verdict', 'failed'],
  ops_daily: ['result', 'status', 'exit_code', 'overall', 'failed', 'normalized', 'schedule_missed', 'alert_issue'],
  db_bootstrap: ['result', 'status', 'exit_code', 'migrations', 'applied', 'pending'],
  doctor: ['result', 'status', 'exit_code', 'sarif_file', 'findings', 'failed_checks'],
};
const UMBRELLA_OUTPUTS: readonly string[] = [...new Set(Object.values(ACTION_OUTPUTS).flat())];

/** An envelope field as an output value: scalars as text, lists comma-separated, anything else empty. */
function outputValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(',');
  return '';
}

function actionRuntime(): Runtime {
  process.umask(0o077); // every file and directory we create is private to the runner user
  const redactor = new Redactor({ onRegister: (v) => core.setSecret(v) });
  const logger = {
    info: (m: string) => core.info(redactor.redact(m)),
    warn: (m: string) => core.warning(redactor.redact(m)),
    error: (m: string) => core.error(redactor.redact(m)),
    debug: (m: string) => core.debug(redactor.redact(m)),
  };
  return {
    env: process.env,
    cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
    redactor,
    logger,
    now: () => new Date(),
    inCI: true,
    inAction: true,
    workspace: process.env.GITHUB_WORKSPACE,
    stepState: { save: (name, value) => core.saveState(name, value) },
  };
}

/** Writes an outcome to the runner: status lines, outputs, job summary, exit code. All redacted. */
export async function emitOutcome(rt: Runtime, outcome: Outcome, outputs: readonly string[]): Promise<void> {
  const r = rt.redactor;
  for (const line of outcome.lines) process.stdout.write(r.redact(line) + '\n');
  const env = r.redactDeep(outcome.envelope);
  const fixed: Record<string, string> = {
    [OUTPUTS.result]: JSON.stringify(env),
    [OUTPUTS.status]: r.redact(outcome.lines.at(-1) ?? ''),
    [OUTPUTS.exitCode]: String(outcome.exitCode),
  };
  // failed_stage/failed_target: the operation's own fields, else the error's stage and target
  const fields: Record<string, unknown> = {
    failed_stage: env.error?.stage,
    failed_target: env.error?.target,
    ...(env.fields as Record<string, unknown>),
  };
  for (const name of outputs)
    core.setOutput(
      name,
      name in fixed ? fixed[name] : r.redact(outputValue(Object.hasOwn(fields, name) ? fields[name] : undefined)),
    );
  if (env.error)
    core.setFailed(
      r.redact(
        `${env.error.code}: ${env.error.message}${env.error.remediation ? ` Fix: ${env.error.remediation}` : ''}`,
      ),
    );
  const summary = [
    `### paas ${env.command}${env.context ? ` (${env.context})` : ''}`,
    '',
    '```',
    ...outcome.lines.map((l) => r.redact(l)),
    '```',
  ];
  if (outcome.summary) summary.push('', r.redact(outcome.summary));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary.join('\n'), true).write();
  process.exitCode = outcome.exitCode;
}

function readInputs(names: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const n of names) {
    const v = core.getInput(n);
    if (v !== '') raw[n] = v;
  }
  return raw;
}

/**
 * Inputs set in `with:` that the run's mode does not read: a warning (the runner warns the same way
 * about undeclared inputs), since a workflow may share one `with:` block between modes; the CLI
 * refuses them (lib/cli/modes.ts).
 */
function warnOutsideMode(rt: Runtime, def: OperationDef, raw: Record<string, string>): void {
  // secret inputs are left out: action.yml defaults github_token to the job's token in every mode
  const given = Object.fromEntries(Object.entries(raw).filter(([n]) => !def.secretInputs.includes(n)));
  const outside = inputsOutsideMode(def, given);
  if (!outside) return;
  const [input, them] = outside.names.length > 1 ? ['inputs', 'they are'] : ['input', 'it is'];
  rt.logger.warn(
    `${def.name} mode ${outside.mode} does not read ${input} ${outside.names.join(', ')}: ${them} ignored; ` +
      'leave it out of `with:` (or set the mode that reads it)',
  );
}

/**
 * The runner's cancel (SIGINT, then SIGTERM, then SIGKILL a few seconds later) of a deploy or
 * rollback: no new batch or forward step starts (lib/runtime/interrupt.ts), the targets that switched
 * are returned to their previous release, and the outcome (status line, outputs, summary) is written
 * as usual; the `post:` step releases the locks. Returns the function that removes the handlers.
 */
function onCancel(rt: Runtime): () => void {
  return onTermination(
    (sig) => {
      if (interruptRequested()) return;
      requestInterrupt(sig);
      rt.logger.warn(
        `${sig} received (run cancelled): no new batch starts; ` +
          'targets that switched are returned to the release each ran before; the post step releases the locks',
      );
    },
    { again: 'ignore' },
  );
}

/** The only try/catch of an action entry: read inputs, run, emit. */
export async function runAction(opName: string, outputs?: readonly string[]): Promise<void> {
  // V8's background compilers yield to the main thread on a small runner (helper-threads.ts)
  lowerHelperThreads();
  const rt = actionRuntime();
  const declared = outputs ?? ACTION_OUTPUTS[opName as OperationName] ?? Object.values(OUTPUTS);
  let outcome: Outcome;
  const stopCancel = opName === 'deploy' || opName === 'rollback' ? onCancel(rt) : () => {};
  try {
    const def = await loadOperation(opName);
    const raw = readInputs([...COMMON_INPUT_NAMES, ...Object.keys(def.inputs.shape)]);
    warnOutsideMode(rt, def, raw);
    // invalid inputs never reach persistence (it would act on, and log, values the operation refuses)
    // (parsed once: the operation gets this result, and reports its first issue as before)
    const checked = operationInputsSchema(def).safeParse(raw);
    // heavy modules (cache client, transports) load only when used, so every bundle starts fast
    const restored = checked.success
      ? await (await import('../persistence/action-hooks.js')).restoreForAction(rt, opName, raw)
      : null;
    outcome = restored ?? (await executeOperation(rt, opName, raw, checked));
  } catch (e) {
    outcome = failure(rt.redactor, 'paas', null, null, e);
  }
  stopCancel();
  try {
    await emitOutcome(rt, outcome, declared);
  } catch (e) {
    process.stdout.write(rt.redactor.redact(`error: could not write action outputs: ${errorMessage(e)}`) + '\n');
    process.exitCode = EXIT_ERROR;
  }
}

/** Root action.yml: `operation` selects one of the six. */
export async function runUmbrella(): Promise<void> {
  const op = core.getInput('operation', { required: false }).trim();
  if (!op) {
    const rt = actionRuntime();
    const { PaasError } = await import('../output/errors.js');
    await emitOutcome(
      rt,
      failure(
        rt.redactor,
        'paas',
        null,
        null,
        new PaasError('PAAS_INVALID_ARGUMENT', 'input operation is required', {
          remediation: 'Set `operation:` to one of deploy, rollback, prod_verify, ops_daily, db_bootstrap, doctor.',
        }),
      ),
      UMBRELLA_OUTPUTS,
    );
    return;
  }
  await runAction(op, UMBRELLA_OUTPUTS);
}

/** Shared `post:` step: releases what the main step holds (locks, state), also after cancel. */
export async function runPost(): Promise<void> {
  const rt = actionRuntime();
  try {
    const held = core.getState(POST_STATE_NAMES.cleanup);
    if (!held) {
      core.info('paas post: nothing to clean up');
      return;
    }
    const { postReleaseLocks } = await import('../ops/deploy/cleanup.js');
    await postReleaseLocks(rt, held, readInputs(COMMON_INPUT_NAMES)); // deploy/rollback: release the locks this run holds (never others')
  } catch (e) {
    core.warning(rt.redactor.redact(`paas post: cleanup failed: ${errorMessage(e)}`));
  } finally {
    const { saveForPost } = await import('../persistence/action-hooks.js');
    await saveForPost(rt); // last, so the saved state includes what the cleanup recorded; never throws
  }
}
