import type { ErrorInfo } from './errors.js';
import type { ExitCode } from './exit.js';

/** The JSON envelope (action output `result`, CLI `--json`). */
export interface Envelope {
  ok: boolean;
  command: string;
  context: string | null;
  mode: string | null;
  fields: Record<string, unknown>;
  error?: ErrorInfo;
}

/** What every operation returns: the envelope, its status lines, exit code and a summary for humans. */
export interface Outcome {
  envelope: Envelope;
  /** logfmt status lines, printed in order; the last one is the operation's verdict */
  lines: string[];
  exitCode: ExitCode;
  /** markdown for the job summary */
  summary?: string;
  /** human-readable text for the CLI without --json (defaults to the status lines) */
  text?: string;
}

export function envelope(
  command: string,
  context: string | null,
  mode: string | null,
  fields: Record<string, unknown>,
  error?: ErrorInfo,
): Envelope {
  const env: Envelope = { ok: !error, command, context, mode, fields };
  if (error) env.error = error;
  return env;
}
