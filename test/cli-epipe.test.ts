/**
 * A reader that goes away (`paas doctor | head -1`) must not crash the CLI with a stack trace:
 * later output is dropped, the command runs to its end and exits with its own code. Runs the built
 * CLI (dist/, checked against the sources by check-dist) with its stdout's reader closed before
 * the first write, so the first write meets EPIPE every time.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmrf, tempDir } from './helpers.js';

const CLI = join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'cli', 'index.js');

describe('CLI output to a closed pipe', () => {
  test('doctor whose reader is gone: no stack trace, exit code of the command', async () => {
    const dir = tempDir('paas-epipe-');
    try {
      spawnSync('git', ['init', '-q', dir]);
      for (let i = 0; i < 50; i++) writeFileSync(join(dir, `f${i}.txt`), `line ${i}\n`);
      const child = spawn(
        process.execPath,
        [CLI, 'doctor', '--path', dir, '--state-root', join(dir, '..', `${dir.split('/').pop()}-state`)],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.destroy(); // the reader is gone before the first line
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain('EPIPE');
      expect(code).toBe(0);
    } finally {
      rmrf(dir);
    }
  });
});
