/**
 * Wrapped encodings (issue #18, item 1): the output of real tools (`base64`, `base64 -w N`,
 * `openssl base64`, `xxd -p`, `od -An -tx1`, `fold`) run on a registered secret (a generated
 * OpenSSH private key, random secrets inside larger files at every byte alignment) goes through
 * redact() and through stream() split at random points and one character at a time. No 12-character
 * piece of any form of the secret may survive, in the output as printed or with its whitespace
 * removed, and decoding what survives must not give back 12 characters of the secret.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor, REDACTED } from '../lib/redaction/redactor.js';
import { cutAt, prng, randomChars, ALNUM } from './redaction/fixtures.js';
import { PIECE, runTool, secretLines, secretPieces, streamAll } from './redaction/leaks.js';

let dir = '';
let sshKey = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-wrapped-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@ci', '-f', join(dir, 'id')]);
  sshKey = readFileSync(join(dir, 'id'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a tool on `input` (written to a file, as a deploy hook would) and returns its output. */

const TOOLS: Record<string, string[]> = {
  'base64 (76)': ['base64'],
  'base64 -w 32': ['base64', '-w', '32'],
  'base64 -w 5': ['base64', '-w', '5'],
  'base64 -w 1': ['base64', '-w', '1'],
  'openssl base64 (64)': ['openssl', 'base64', '-in'],
  'xxd -p (60)': ['xxd', '-p'],
  'xxd -p -u': ['xxd', '-p', '-u'],
  'xxd -p -c 7': ['xxd', '-p', '-c', '7'],
  'od -An -tx1': ['od', '-An', '-tx1', '-v'],
  'od -An -tx1 -w7': ['od', '-An', '-tx1', '-v', '-w7'],
  'fold -w 13': ['fold', '-w', '13'],
};

/** Line-end and padding variants of a tool's output. */
const VARIANTS: Record<string, (s: string) => string> = {
  lf: (s) => s,
  crlf: (s) => s.replace(/\n/g, '\r\n'),
  'no padding': (s) => s.replace(/=/g, ''),
  'tabs and spaces': (s) => s.replace(/\n/g, ' \t\n  '),
};

/** The variants that make sense for a tool ('=' is only padding in base64). */
const variants = (name: string) =>
  Object.entries(VARIANTS).filter(([v]) => v !== 'no padding' || name.includes('base64'));

/** Throws with the first piece of the secret found in the output, as printed or with whitespace removed, or decoded. */
function assertNoLeak(secret: string, output: string, label: string): void {
  const compact = output.replace(/\s+/g, '');
  const b64 = compact
    .split(REDACTED)
    .map((p) => Buffer.from(p.replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1'));
  const hex = compact
    .split(REDACTED)
    .map((p) => Buffer.from(p.replace(/[^0-9a-fA-F]/g, '').replace(/^(.(..)*)$/, '$1'), 'hex').toString('latin1'));
  const all = secretPieces(secret);
  const rawPieces = new Set<string>();
  for (const line of secretLines(secret))
    for (let i = 0; i + PIECE <= line.length; i++) rawPieces.add(line.slice(i, i + PIECE));
  for (const p of all) {
    if (output.includes(p) || compact.includes(p)) throw new Error(`${label}: ${JSON.stringify(p)} survived`);
  }
  for (const p of rawPieces) {
    if (b64.some((d) => d.includes(p)) || hex.some((d) => d.includes(p)))
      throw new Error(`${label}: ${JSON.stringify(p)} can be decoded from the output`);
  }
}

function check(r: Redactor, secret: string, text: string, label: string, rnd: () => number): void {
  const batch = r.redact(text);
  assertNoLeak(secret, batch, `${label} redact()`);
  for (let k = 0; k < 4; k++) {
    const cuts = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * text.length));
    const streamed = streamAll(r, cutAt(text, cuts));
    assertNoLeak(secret, streamed, `${label} stream() cut at ${cuts.join(',')}`);
    expect(streamed).toBe(batch);
  }
}

const tool = (cmd: string[], input: Buffer | string) => runTool(dir, cmd, input);

describe('wrapped encodings of a registered secret, printed by real tools', () => {
  test.each(Object.keys(TOOLS))('an OpenSSH private key through %s', (name) => {
    const r = new Redactor();
    r.register(sshKey.trim(), 'PAAS_SSH_KEY');
    const rnd = prng(7);
    for (const [variant, f] of variants(name)) {
      const out = f(tool(TOOLS[name] as string[], sshKey));
      check(r, sshKey.trim(), `hook output:\n${out}done\n`, `${name}/${variant}`, rnd);
    }
    // one character at a time, once
    const out = tool(TOOLS[name] as string[], sshKey);
    assertNoLeak(sshKey.trim(), streamAll(r, out.split('')), `${name} char by char`);
  });

  test.each(Object.keys(TOOLS))('random secrets at every byte offset of a larger file through %s', (name) => {
    const rnd = prng(name.length * 7919);
    for (let offset = 0; offset < 6; offset++) {
      const secret = randomChars(ALNUM + '+/=_-!@#', 12 + Math.floor(rnd() * 40), rnd);
      const r = new Redactor();
      r.register(secret);
      const file = `${'x'.repeat(offset)}API_KEY=${secret}\nOTHER=value\n`;
      for (const [variant, f] of variants(name)) {
        check(
          r,
          secret,
          `$ cat .env | tool\n${f(tool(TOOLS[name] as string[], file))}exit 0\n`,
          `${name}/${variant}/offset ${offset}`,
          rnd,
        );
      }
    }
  });

  test('every width from 1 to 100, base64 and hex, streamed in random chunks', () => {
    const rnd = prng(11);
    const r = new Redactor();
    const secret = randomChars(ALNUM, 40, rnd);
    r.register(secret);
    const bytes = Buffer.from(`pre${secret}post`);
    for (let w = 1; w <= 100; w++) {
      const b64 = bytes.toString('base64').replace(new RegExp(`(.{${w}})`, 'g'), '$1\n');
      const hex = bytes.toString('hex').replace(new RegExp(`(.{${w}})`, 'g'), '$1\n');
      check(r, secret, `a\n${b64}\nb`, `base64 width ${w}`, rnd);
      check(r, secret, `a\n${hex}\nb`, `hex width ${w}`, rnd);
    }
  });

  test('text around a wrapped secret is kept; words split by spaces are not joined into secrets', () => {
    const r = new Redactor();
    const secret = 'Xq7' + randomChars(ALNUM, 29, prng(3));
    r.register(secret);
    const wrapped = Buffer.from(secret)
      .toString('base64')
      .replace(/(.{8})/g, '$1\n');
    expect(r.redact(`before\n${wrapped}\nafter`)).toBe(`before\n${REDACTED}\nafter`);
    // the raw secret split by a space is still masked (fold, terminals), ordinary prose is not
    expect(r.redact(`key ${secret.slice(0, 10)} ${secret.slice(10)} end`)).toBe(`key ${REDACTED} end`);
    expect(r.redact('the deploy release migration container image layer')).toBe(
      'the deploy release migration container image layer',
    );
  });

  test('a stream does not hold back a completed line that merely ends like the start of a form', () => {
    const r = new Redactor();
    const secret = randomChars(ALNUM, 30, prng(5));
    r.register(secret);
    const b64 = Buffer.from(secret).toString('base64');
    const s = r.stream();
    // the first two characters of the base64 form end a line: printed at once
    expect(s.write(`line ${b64.slice(0, 2)}\n`)).toBe(`line ${b64.slice(0, 2)}\n`);
    // eight characters of it: held until it is clear (here: the form goes on, so it is masked)
    expect(s.write(`line ${b64.slice(0, 8)}\n`)).toBe('');
    expect(s.write(`${b64.slice(8)}\nok\n`)).toBe(`line ${REDACTED}\nok\n`);
    // the same line when the form does not go on is emitted as it is
    expect(s.write(`line ${b64.slice(0, 8)}\n`)).toBe('');
    expect(s.write('plain text\n')).toBe(`line ${b64.slice(0, 8)}\nplain text\n`);
    expect(s.end()).toBe('');
  });
});
