/**
 * Dumps and other encodings (issue #18, known limits of the wrapped view): `xxd` with its offset
 * and ASCII column, `hexdump -C`, `hexdump`, `od -tx1/-tx2/-tx4/-tx1z/-c/-An -c`, `xxd -i`, `xxd -e`,
 * hex with `:` separators, indented base64, `base32`, `basenc --base32/--base16/--z85`, run for
 * real on a generated OpenSSH key and on random secrets at several offsets of a larger file. The
 * output goes through redact() and through stream() cut at random points; no 12 characters of the
 * secret may be readable from it: as printed, from any dump's ASCII column joined across lines,
 * or decoded from whatever bytes the remaining hex / od fields / C array still spell.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor, REDACTED } from '../lib/redaction/redactor.js';
import { cutAt, prng, randomChars, ALNUM } from './redaction/fixtures.js';
import { assertNotReadable, checkDump, runTool, streamAll } from './redaction/leaks.js';

let dir = '';
let sshKey = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-dumps-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@ci', '-f', join(dir, 'id')]);
  sshKey = readFileSync(join(dir, 'id'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shell pipeline over the file `$1` (as a deploy hook would run it). */
const sh = (script: string) => ['sh', '-c', script, 'sh'];

const TOOLS: Record<string, string[]> = {
  xxd: ['xxd'],
  'xxd -g1': ['xxd', '-g', '1'],
  'xxd -g4 -u': ['xxd', '-g', '4', '-u'],
  'xxd -c 7': ['xxd', '-c', '7'],
  'xxd -e (little-endian words)': ['xxd', '-e'],
  'xxd -i (C include)': ['xxd', '-i'],
  'hexdump -C': ['hexdump', '-C', '-v'],
  'hexdump (16-bit words)': ['hexdump', '-v'],
  'od -tx1': ['od', '-tx1', '-v'],
  'od -tx2': ['od', '-tx2', '-v'],
  'od -tx4': ['od', '-tx4', '-v'],
  'od -tx1z (ASCII column)': ['od', '-tx1z', '-v'],
  'od -c': ['od', '-c', '-v'],
  'od -An -c': ['od', '-An', '-c', '-v'],
  'hex with colons': sh(`xxd -p -c 15 "$1" | sed 's/\\(..\\)/\\1:/g; s/:$//'`),
  'hex with colons, indented, uppercase': sh(`xxd -p -u -c 16 "$1" | sed 's/\\(..\\)/\\1:/g; s/^/        /'`),
  'base64 | sed indent': sh(`base64 "$1" | sed 's/^/  /'`),
  base32: ['base32'],
  'base32 -w 20': ['base32', '-w', '20'],
  'basenc --base32': ['basenc', '--base32'],
  'basenc --base16': ['basenc', '--base16'],
  // z85 needs a multiple of 4 bytes: the file is padded
  'basenc --z85': sh(
    `{ cat "$1"; printf '\\n\\n\\n'; } | head -c $(( ( $(wc -c <"$1") + 3 ) / 4 * 4 )) | basenc --z85`,
  ),
};

/** What a reader can rebuild from an output: its bytes as hex (any grouping, both word orders), od fields, C arrays, ASCII columns. */
function readings(output: string): string[] {
  const out: string[] = [output, output.replace(/\s+/g, '')];
  const lines = output.split(/\r?\n/);
  // ASCII columns joined across lines (xxd: after two spaces; hexdump -C: |...|; od -z: >...<)
  out.push(
    lines
      .map(
        (l) =>
          /\|(.*)\|\s*$/.exec(l)?.[1] ?? />(.*)<\s*$/.exec(l)?.[1] ?? /^[0-9a-f]+: .*? {2,}(.*)$/i.exec(l)?.[1] ?? '',
      )
      .join(''),
  );
  // hex digits in order, and every 2/4/8-digit group reversed (little-endian words)
  for (const segment of output.split(REDACTED)) {
    const noOffsets = segment
      .split(/\r?\n/)
      .map((l) =>
        l
          .replace(/^[0-9a-f]{6,8}:?(?= )/i, '')
          .replace(/(\|.*\||>.*<)\s*$/, '')
          .replace(/(?<=\S) {2,}\S.*$/, (m) => (/^[\s0-9a-f]+$/i.test(m) ? m : '')),
      )
      .join(' ');
    const hex = (noOffsets.match(/[0-9a-f]{2}/gi) ?? []).join('');
    out.push(Buffer.from(hex, 'hex').toString('latin1'));
    out.push(Buffer.from(hex.slice(1).replace(/^(.(..)*)$/, '$1'), 'hex').toString('latin1'));
    for (const w of [4, 8]) {
      const groups = noOffsets.match(new RegExp(`\\b[0-9a-f]{${w}}\\b`, 'gi')) ?? [];
      out.push(
        Buffer.from(groups.map((g) => (g.match(/../g) ?? []).reverse().join('')).join(''), 'hex').toString('latin1'),
      );
    }
    // od -c fields
    const od = segment.replace(/^[0-7]{7}/gm, '').match(/.{4}/g) ?? [];
    out.push(od.map((f) => (/^ {3}.$/.test(f) ? f[3] : f === '  \\n' ? '\n' : '')).join(''));
    const b64 = segment.replace(/\s+/g, '').replace(/[^A-Za-z0-9+/]/g, '');
    out.push(Buffer.from(b64, 'base64').toString('latin1'));
    // base32 and z85, read from every starting character
    const b32 = segment.replace(/[^A-Z2-7]/g, '');
    for (let k = 0; k < 8; k++) out.push(decodeBase32(b32.slice(k)));
    const z = segment
      .replace(/\s+/g, '')
      .split('')
      .filter((c) => Z85.includes(c))
      .join('');
    for (let k = 0; k < 5; k++) out.push(decodeZ85(z.slice(k)));
  }
  return out;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

function decodeBase32(s: string): string {
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const c of s) {
    acc = ((acc << 5) | B32.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out += String.fromCharCode((acc >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return out;
}

function decodeZ85(s: string): string {
  let out = '';
  for (let i = 0; i + 5 <= s.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 85 + Z85.indexOf(s[i + j] as string);
    out += String.fromCharCode((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  return out;
}

const tool = (cmd: string[], input: Buffer | string) => runTool(dir, cmd, input);
const assertNoLeak = (secret: string, output: string, label: string) =>
  assertNotReadable(secret, output, label, readings);
const check = (r: Redactor, secret: string, text: string, label: string, rnd: () => number) =>
  checkDump(r, secret, text, label, rnd, readings);

describe('dumps of a registered secret, printed by real tools', () => {
  test.each(Object.keys(TOOLS))('an OpenSSH private key through %s', (name) => {
    const r = new Redactor();
    r.register(sshKey.trim(), 'PAAS_SSH_KEY');
    const rnd = prng(17);
    const out = tool(TOOLS[name] as string[], sshKey);
    for (const [variant, text] of [
      ['lf', out],
      ['crlf', out.replace(/\n/g, '\r\n')],
    ] as const) {
      check(r, sshKey.trim(), `hook output:\n${text}done\n`, `${name}/${variant}`, rnd);
    }
    assertNoLeak(sshKey.trim(), streamAll(r, out.split('')), `${name} char by char`);
  });

  test.each(Object.keys(TOOLS))('random secrets at several offsets of a larger file through %s', (name) => {
    const rnd = prng(name.length * 104729);
    for (let offset = 0; offset < 5; offset++) {
      const secret = randomChars(ALNUM + '+/=_-!@#', 6 + Math.floor(rnd() * 40), rnd);
      const r = new Redactor();
      r.register(secret);
      const file = `${'x'.repeat(offset * 3)}API_KEY=${secret}\nOTHER=value\n`;
      check(r, secret, `$ tool .env\n${tool(TOOLS[name] as string[], file)}exit 0\n`, `${name}/offset ${offset}`, rnd);
    }
  });

  test('a first line behind a prefix (an error message, a log prefix, a JSON string) is read too; streams agree', () => {
    const rnd = prng(23);
    for (const name of ['xxd', 'hexdump -C', 'od -c', 'od -tx2', 'xxd -e (little-endian words)']) {
      for (let offset = 0; offset < 4; offset++) {
        const secret = randomChars(ALNUM, 14 + Math.floor(rnd() * 30), rnd);
        const r = new Redactor();
        r.register(secret);
        const out = tool(TOOLS[name] as string[], `${'x'.repeat(offset * 3)}K=${secret}\n`);
        for (const prefix of ['step failed: ', '{"v":"', '[web1] ']) {
          check(r, secret, `${prefix}${out}done\n`, `${name}/${JSON.stringify(prefix)}/offset ${offset}`, rnd);
        }
        // one prefixed line alone: whatever is masked, a stream gives what redact() gives
        const one = `error: ${out.split('\n')[0]}\nplain text\n`;
        for (let k = 0; k < 3; k++) {
          const cuts = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => Math.floor(rnd() * one.length));
          expect(streamAll(r, cutAt(one, cuts))).toBe(r.redact(one));
        }
      }
    }
  });

  test('the rest of a dump is kept: offsets, other bytes, other lines', () => {
    const secret = 'Zq' + randomChars(ALNUM, 30, prng(9));
    const r = new Redactor();
    r.register(secret);
    const file = `HEADER=public-value-0123456789\nAPI_KEY=${secret}\nFOOTER=another-public-value\n`;
    const out = r.redact(tool(['xxd'], file));
    expect(out).toContain('00000000: 4845 4144 4552 3d70 7562 6c69 632d 7661  HEADER=public-va');
    expect(out).toContain('FOOTER=');
    expect(out).toContain(REDACTED);
    // the same dump of a file without the secret is not touched
    const clean = tool(['xxd'], file.replace(secret, 'x'.repeat(secret.length)));
    expect(r.redact(clean)).toBe(clean);
    // ordinary text with hex-looking words is not a dump that changes
    const prose = 'commit 3f2a9c1 on 2026-12-07\n  cafe babe dead beef\n0000000 is an offset\n';
    expect(r.redact(prose)).toBe(prose);
  });

  test('a stream holds a dump line only while a form may be in progress', () => {
    const secret = 'Zq' + randomChars(ALNUM, 40, prng(13));
    const r = new Redactor();
    r.register(secret);
    const lines = tool(['xxd'], `API_KEY=${secret}\n`).split(/(?<=\n)/);
    const s = r.stream();
    // the first line holds the start of the secret: held
    expect(s.write(lines[0] as string)).toBe('');
    const rest =
      lines
        .slice(1)
        .map((l) => s.write(l))
        .join('') +
      s.write('done\n') +
      s.end();
    expect(rest).toContain(REDACTED);
    assertNoLeak(secret, rest, 'stream');
    // a dump of unrelated bytes flows line by line
    const t = r.stream();
    const other = tool(['xxd'], 'nothing secret in here, only public words\n').split(/(?<=\n)/);
    expect(t.write(other[0] as string)).toBe(other[0]);
  });
});
