import { envelope, type Outcome } from './envelope.js';
import { toErrorInfo, type ErrorInfo } from './errors.js';
import { EXIT_ERROR, EXIT_OK, type ExitCode } from './exit.js';
import { statusLine, type LogfmtValue } from './logfmt.js';
import type { Redactor } from '../redaction/redactor.js';

interface OutcomeSpec {
  command: string;
  context: string | null;
  mode?: string | null;
  fields?: Record<string, unknown>;
  /** key/value pairs of the status line after `status` */
  status?: string;
  line?: ReadonlyArray<readonly [string, LogfmtValue]>;
  extraLines?: string[];
  exitCode?: ExitCode;
  summary?: string;
  text?: string;
}

/** A successful (or unhealthy, exit 2) outcome with its one-line status. */
export function outcome(redactor: Redactor, s: OutcomeSpec): Outcome {
  const status = s.status ?? 'ok';
  const line = statusLine(s.command, [['status', status], ...(s.line ?? [])], redactor);
  const exitCode = s.exitCode ?? EXIT_OK;
  const env = envelope(s.command, s.context, s.mode ?? null, s.fields ?? {});
  env.ok = exitCode === EXIT_OK;
  return { envelope: env, lines: [...(s.extraLines ?? []), line], exitCode, summary: s.summary, text: s.text };
}

/** The outcome of a failure: envelope with `error`, status line `status=fail reason=<code>`, exit 1. */
export function failure(
  redactor: Redactor,
  command: string,
  context: string | null,
  mode: string | null,
  e: unknown,
  fields: Record<string, unknown> = {},
): Outcome {
  const error: ErrorInfo = redactor.redactDeep(toErrorInfo(e));
  const line = statusLine(
    command,
    [
      ['status', 'fail'],
      ['reason', error.code.toLowerCase().replace(/^paas_/, '')],
      ['stage', error.stage],
      ['target', error.target ?? undefined],
    ],
    redactor,
  );
  return {
    envelope: envelope(command, context, mode, redactor.redactDeep(fields), error),
    lines: [line],
    exitCode: EXIT_ERROR,
  };
}
