/**
 * More dump formats (issue #18, leaks left open after the first dumps work): `od` with octal or
 * decimal fields (`od` = `-to2`, `-to1`/`-b`, `-to4`, `-td1/-tu1/-td2/-tu2/-td4/-tu4`), `od -a`
 * (named characters: `nl`, `sp`, `nul`...), dumps printed without `-v` (repeated lines collapsed
 * to a `*` line: `od`, `hexdump`, `hexdump -C`), and `hexdump -C` lines cut before the offset.
 * The real tools run on a registered secret inside a larger file; the output goes through redact()
 * and through stream() cut at random points. Nothing of 12 characters of the secret or of one of
 * its forms may be readable back: as printed, with blanks removed, or decoded from the numbers,
 * names, hex bytes and ASCII columns left in the output, with `*` lines expanded.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor, REDACTED } from '../lib/redaction/redactor.js';
import { prng, randomChars, ALNUM } from './redaction/fixtures.js';
import { assertNotReadable, checkDump, runTool, streamAll } from './redaction/leaks.js';

let dir = '';
let sshKey = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-dump-formats-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@ci', '-f', join(dir, 'id')]);
  sshKey = readFileSync(join(dir, 'id'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sh = (script: string) => ['sh', '-c', script, 'sh'];

/** Octal and decimal fields, named characters (all with -v: every line printed). */
const NUMERIC: Record<string, string[]> = {
  'od (octal words, the default)': ['od', '-v'],
  'od -An (octal words)': ['od', '-An', '-v'],
  'od -b': ['od', '-b', '-v'],
  'od -to1 -An': ['od', '-to1', '-An', '-v'],
  'od -to4': ['od', '-to4', '-v'],
  'od -td1': ['od', '-td1', '-v'],
  'od -tu1': ['od', '-tu1', '-v'],
  'od -An -tu1': ['od', '-An', '-tu1', '-v'],
  'od -td2': ['od', '-td2', '-v'],
  'od -tu2': ['od', '-tu2', '-v'],
  'od -td4': ['od', '-td4', '-v'],
  'od -tu4 -An': ['od', '-tu4', '-An', '-v'],
  'od -Ax -td2': ['od', '-Ax', '-td2', '-v'],
  'od -a': ['od', '-a', '-v'],
  'od -An -a': ['od', '-An', '-a', '-v'],
  'hexdump -C | cut -c11- (no offsets)': sh(`hexdump -C -v "$1" | cut -c11-`),
  // a log viewer or `cut` that trims lines: the ASCII column loses its end (and its closing bar)
  'hexdump -C | cut -c1-70 (ASCII column cut)': sh(`hexdump -C -v "$1" | cut -c1-70`),
  'hexdump -C, closing bars dropped': sh(`hexdump -C -v "$1" | sed 's/|$//'`),
  'od -tx1z | cut -c1-60 (ASCII column cut)': sh(`od -tx1z -v "$1" | cut -c1-60`),
  'hexdump -e (offset and characters)': ['hexdump', '-v', '-e', '"%08_ax  " 16/1 "%_p" "\n"'],
  'hexdump -e (offset and decimal bytes)': ['hexdump', '-v', '-e', '"%07_ad " 16/1 " %3u" "\n"'],
};

/** Without -v: lines repeating the line before are printed as one `*` line. */
const COLLAPSED: Record<string, string[]> = {
  od: ['od'],
  'od -tx1': ['od', '-tx1'],
  'od -c': ['od', '-c'],
  'od -b': ['od', '-b'],
  hexdump: ['hexdump'],
  'hexdump -C': ['hexdump', '-C'],
  'od -Ax -tx1z': ['od', '-Ax', '-tx1z'],
  // no offsets: how many lines a `*` stands for is not printed
  'od -An -tx1': ['od', '-An', '-tx1'],
  'od -An -c': ['od', '-An', '-c'],
  'hexdump -e (hex bytes, no offsets)': ['hexdump', '-e', '16/1 "%02x " "\n"'],
};

const NAMES = [
  'nul soh stx etx eot enq ack bel bs ht nl vt ff cr so si',
  'dle dc1 dc2 dc3 dc4 nak syn etb can em sub esc fs gs rs us sp',
].join(' ');
const NAME_CODE = new Map(NAMES.split(' ').map((n, i) => [n, i] as const));
NAME_CODE.set('del', 127);

/** A field as the bytes it stands for (little-endian), for each reading that applies; null: not a field. */
function fieldBytes(tok: string): number[][] {
  const out: number[][] = [];
  if (tok.length === 1) out.push([tok.charCodeAt(0)]);
  const named = NAME_CODE.get(tok);
  if (named !== undefined) out.push([named]);
  if (/^-?\d+$/.test(tok)) {
    for (const [base, ok] of [
      [8, /^[0-7]+$/.test(tok)],
      [10, true],
      [16, true],
    ] as const) {
      if (!ok) continue;
      let v = BigInt(parseInt(tok, base));
      if (!Number.isFinite(parseInt(tok, base))) continue;
      for (const size of [1, 2, 4]) {
        if (v < 0n) v += 1n << BigInt(8 * size);
        if (v >= 1n << BigInt(8 * size)) continue;
        const bytes: number[] = [];
        for (let k = 0; k < size; k++) bytes.push(Number((v >> BigInt(8 * k)) & 255n));
        out.push(bytes);
      }
    }
  }
  if (/^[0-9a-f]+$/i.test(tok) && tok.length % 2 === 0) {
    const be = Buffer.from(tok, 'hex');
    out.push([...be], [...be].reverse());
  }
  return out;
}

/**
 * Byte strings a reader can rebuild from what is left: for each line, offsets dropped, every field
 * read every way that applies (each way across the whole output: one reading per line type), runs
 * broken at masks; `*` lines expanded 1..6 times.
 */
function readings(output: string): string[] {
  const out = [output, output.replace(/\s+/g, '')];
  const lines = output.split(/\r?\n/).map((l) => l.replace(/^[0-9a-f]{6,8}:?(?= |$)/i, ''));
  // the ASCII column (hexdump -C, od -z), joined across lines
  out.push(
    lines
      .map((l) => /\|(.*)\|\s*$/.exec(l)?.[1] ?? /\|(.*)$/.exec(l)?.[1] ?? />(.*?)<?\s*$/.exec(l)?.[1] ?? '')
      .join(''),
  );
  for (let reading = 0; reading < 12; reading++) {
    for (let times = 1; times <= 6; times++) {
      let acc = '';
      let prev: number[] = [];
      for (const l of lines) {
        if (l.trim() === '*') {
          for (let k = 0; k < times; k++) acc += String.fromCharCode(...prev);
          continue;
        }
        const cur: number[] = [];
        const body = l.replace(/\s(\|.*|>.*)$/, '').replaceAll(REDACTED, ' \u0000 ');
        for (const tok of body.trim().split(/\s+/)) {
          if (tok === '') continue;
          if (tok === '\u0000') {
            acc += String.fromCharCode(...cur) + '\u0000';
            cur.length = 0;
            continue;
          }
          const ways = fieldBytes(tok);
          const bytes = ways[Math.min(reading, ways.length - 1)] ?? [];
          cur.push(...bytes);
        }
        acc += String.fromCharCode(...cur);
        prev = cur;
      }
      out.push(...acc.split('\u0000'));
    }
  }
  return out;
}

const tool = (cmd: string[], input: Buffer | string) => runTool(dir, cmd, input);
const assertNoLeak = (secret: string, output: string, label: string) =>
  assertNotReadable(secret, output, label, readings);
const check = (r: Redactor, secret: string, text: string, label: string, rnd: () => number) =>
  checkDump(r, secret, text, label, rnd, readings);

describe('octal and decimal fields, named characters', () => {
  test.each(Object.keys(NUMERIC))('random secrets at several offsets through %s', (name) => {
    const rnd = prng(name.length * 7919 + 3);
    for (let offset = 0; offset < 5; offset++) {
      const secret = randomChars(ALNUM + '+/=_-!@# ', 14 + Math.floor(rnd() * 30), rnd);
      const r = new Redactor();
      r.register(secret);
      const file = `${'x'.repeat(offset * 3)}API_KEY=${secret}\nOTHER=value\n`;
      check(r, secret, `$ tool .env\n${tool(NUMERIC[name] as string[], file)}exit 0\n`, `${name}/${offset}`, rnd);
    }
  });

  test.each(['od (octal words, the default)', 'od -td2', 'od -a'])('an OpenSSH private key through %s', (name) => {
    const r = new Redactor();
    r.register(sshKey.trim(), 'PAAS_SSH_KEY');
    const out = tool(NUMERIC[name] as string[], sshKey);
    check(r, sshKey.trim(), `hook output:\n${out}done\n`, name, prng(5));
    assertNoLeak(sshKey.trim(), streamAll(r, out.split('')), `${name} char by char`);
  });

  test('unrelated dumps and prose with numbers are left alone', () => {
    const r = new Redactor();
    r.register('Zq' + randomChars(ALNUM, 30, prng(4)));
    for (const cmd of Object.values(NUMERIC)) {
      const out = tool(cmd, 'nothing secret in here, only public words\nand a second line\n');
      expect(r.redact(out)).toBe(out);
    }
    const prose = '  120 requests  in 30 s\n 1000 2000 3000 4000\n    at handler (index.js:12:5)\n';
    expect(r.redact(prose)).toBe(prose);
  });
});

describe('dumps without -v (repeated lines printed as `*`)', () => {
  test.each(Object.keys(COLLAPSED))('a secret with a repeated run, at several offsets, through %s', (name) => {
    const rnd = prng(name.length * 104729 + 11);
    for (let offset = 0; offset < 6; offset++) {
      // 48 equal bytes inside the secret: at least one whole 16-byte line repeats the one before
      const secret = randomChars(ALNUM, 14, rnd) + 'A'.repeat(48) + randomChars(ALNUM, 14, rnd);
      const r = new Redactor();
      r.register(secret);
      const out = tool(COLLAPSED[name] as string[], `${'x'.repeat(offset * 5)}K=${secret}\nmore text\n`);
      expect(out).toMatch(/^\*$/m);
      check(r, secret, `$ dump\n${out}exit 0\n`, `${name}/${offset}`, rnd);
    }
  });

  test('repeated lines of other data before and after a secret', () => {
    const secret = 'Zq' + randomChars(ALNUM, 40, prng(21));
    const r = new Redactor();
    r.register(secret);
    for (const cmd of Object.values(COLLAPSED)) {
      const out = tool(cmd, `${'-'.repeat(100)}${secret}${'='.repeat(100)}\n`);
      check(r, secret, out, cmd.join(' '), prng(22));
      // the rest of the dump is kept
      expect(r.redact(out)).toMatch(/^\*$/m);
    }
  });
});
