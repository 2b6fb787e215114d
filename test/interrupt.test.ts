/**
 * Interrupts in one place (issue 15 item 3): lib/runtime/interrupt.ts owns the termination signals
 * and the "no new remote work" flag; the action runtime, the CLI guard and db_bootstrap only say
 * what a signal means to them. Real signals to a real process: the first reaches the handler, a
 * second either ends the process (`again: 'exit'`, the CLI and db_bootstrap) or has no effect
 * (`again: 'ignore'`, the action, which must still write its outcome).
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const MODULE = join(import.meta.dirname, '..', 'lib', 'runtime', 'interrupt.ts');

/** A node process (type stripping loads the module as is) that listens, then is sent two signals. */
function twoSignals(again: 'exit' | 'ignore'): Promise<{ out: string; code: number | null; signal: string | null }> {
  const script = `
    const m = await import(${JSON.stringify(MODULE)});
    const before = process.listenerCount('SIGINT');
    const stop = m.onTermination((sig) => { m.requestInterrupt(sig); console.log('first ' + sig + ' raised=' + m.interruptRequested()); }, { again: ${JSON.stringify(again)} });
    console.log('listening ' + (process.listenerCount('SIGINT') - before) + ' ' + (process.listenerCount('SIGTERM')));
    process.kill(process.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    process.kill(process.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    stop();
    console.log('still running; handlers left ' + process.listenerCount('SIGINT') + ' ' + process.listenerCount('SIGTERM'));
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('close', (code, signal) => resolve({ out, code, signal }));
  });
}

describe('onTermination', () => {
  test("again: 'exit': the first signal reaches the handler, the second ends the process as without it", async () => {
    const r = await twoSignals('exit');
    expect(r.out).toBe('listening 1 1\nfirst SIGINT raised=SIGINT\n');
    expect(r.signal).toBe('SIGTERM');
  }, 20_000);

  test("again: 'ignore': the second signal has no effect; removing the handlers leaves none behind", async () => {
    const r = await twoSignals('ignore');
    expect(r.out).toBe('listening 1 1\nfirst SIGINT raised=SIGINT\nstill running; handlers left 0 0\n');
    expect(r.code).toBe(0);
  }, 20_000);
});
