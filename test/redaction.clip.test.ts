/**
 * Truncate-then-redact (issue #18, item 2): text is redacted first and shortened after, never the
 * other way round (a secret cut in two no longer matches and its first part is printed). One helper,
 * Redactor.clip(), used where text is shortened: the health command's failure reason, PostgreSQL
 * messages and hints (db_bootstrap engine), text quoted from the command line in CLI errors. The
 * SSH connection error keeps its first line whole instead of being cut.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../lib/cli/cli.js';
import { commandProbe } from '../lib/ops/deploy/health.js';
import { CLIP_MARK, Redactor, REDACTED } from '../lib/redaction/redactor.js';
import { LocalTransport } from '../lib/transport/local.js';
import { prng, randomChars, ALNUM, tokens } from './redaction/fixtures.js';

/** No piece of `minLen` characters of the secret in the text. */
function leaks(text: string, secret: string, minLen = 6): string | null {
  for (let i = 0; i + minLen <= secret.length; i++)
    if (text.includes(secret.slice(i, i + minLen))) return secret.slice(i, i + minLen);
  return null;
}

describe('Redactor.clip', () => {
  test('a registered secret straddling the cut: no prefix, at every offset and length', () => {
    const rnd = prng(42);
    const secret = randomChars(ALNUM, 24, rnd);
    const r = new Redactor();
    r.register(secret);
    for (let at = 0; at < 40; at++) {
      const text = '.'.repeat(at) + secret + ' -'.repeat(20);
      for (let max = 1; max < text.length + 2; max++) {
        const out = r.clip(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(leaks(out, secret)).toBeNull();
        // what naive order (cut, then redact) would have printed
        if (max === at + 12) expect(leaks(r.redact(text.slice(0, max)), secret)).not.toBeNull();
      }
    }
  });

  test('patterns (a token never registered) are found before the cut too', () => {
    const t = tokens.githubPat();
    const r = new Redactor();
    const out = r.clip(`unexpected argument ${t}`, 64);
    expect(leaks(out, t.slice('github_pat_'.length), 8)).toBeNull();
  });

  test('short text is returned redacted and whole; a cut never splits a marker or a surrogate pair', () => {
    const secret = randomChars(ALNUM, 20, prng(1));
    const r = new Redactor();
    r.register(secret);
    expect(r.clip(`a ${secret} b`, 100)).toBe(`a ${REDACTED} b`);
    const text = `abcdef ${secret} tail text`;
    for (let max = 1; max < 20; max++) {
      const out = r.clip(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/(^|[^*])\*{1,2}(?!\*)/);
    }
    expect(r.clip('abcdef 🙂🙂🙂 x', 10)).toBe(`abcdef 🙂${CLIP_MARK}`);
    expect(r.clip('abcdef 🙂🙂🙂 x', 9)).toBe(`abcdef ${CLIP_MARK}`);
  });
});

describe('call sites', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'paas-clip-'));
    mkdirSync(join(dir, 'current'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the health command failure reason (stderr cut at 200) holds no part of a secret across the cut', async () => {
    const secret = randomChars(ALNUM, 32, prng(9));
    const r = new Redactor();
    r.register(secret);
    const t = new LocalTransport(dir);
    const env = { appDir: dir, context: 'oss-demo', app: 'web', target: 'web1', release: 'r1' };
    for (const at of [180, 190, 195, 199]) {
      const line = `${'e'.repeat(at)}${secret} end`;
      const probe = await commandProbe(t, dir, env, `printf '%s\\n' '${line}' >&2; exit 3`, 10_000, r);
      expect(probe.ok).toBe(false);
      expect(probe.reason).toMatch(/^health command exit 3: e+/);
      // the reason is printed through the redactor (note, StageError, envelope): nothing of it there either
      expect(leaks(r.redact(probe.reason), secret)).toBeNull();
    }
    await t.close?.();
  });

  test('CLI errors quoting an argument: a token given where it does not belong is not printed in part', async () => {
    // an AWS key id is recognised by its whole length: cut inside it, it no longer matches
    const aws = tokens.awsKeyId();
    const pasted = `${'x'.repeat(50)}:${aws}`;
    for (const argv of [
      ['context', 'list', pasted],
      ['context', pasted],
      [`--${pasted}`, 'x'],
    ]) {
      let out = '';
      const code = await runCli([...argv, '--json'], {
        env: { PATH: process.env.PATH ?? '' },
        cwd: dir,
        stdout: (s) => (out += s),
        stderr: (s) => (out += s),
      });
      expect(code).not.toBe(0);
      expect(leaks(out, aws.slice(4), 6)).toBeNull();
    }
  });
});
