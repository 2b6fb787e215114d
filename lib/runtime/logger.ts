import type { Redactor } from '../redaction/redactor.js';

/** Where human-readable progress goes. Every implementation redacts before writing. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** A logger writing redacted lines to a stream-like sink (stderr for the CLI, stdout for actions). */
export function streamLogger(write: (line: string) => void, redactor: Redactor, debugEnabled = false): Logger {
  const out = (prefix: string, m: string) => write(redactor.redact(prefix + m) + '\n');
  return {
    info: (m) => out('', m),
    warn: (m) => out('warning: ', m),
    error: (m) => out('error: ', m),
    debug: (m) => {
      if (debugEnabled) out('debug: ', m);
    },
  };
}

/** Collects lines in memory (tests, and operations that need to capture output). */
export function memoryLogger(redactor: Redactor): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (p: string) => (m: string) => {
    lines.push(redactor.redact(p + m));
  };
  return { lines, info: push(''), warn: push('warning: '), error: push('error: '), debug: push('debug: ') };
}
