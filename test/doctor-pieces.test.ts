/**
 * doctor confirms a large file in pieces of whole lines (Detector.confirmPieces: no string of more
 * than 128 KiB, which V8 maps page by page). The pieces must not change a single hit: on trees none
 * of this code wrote (the labelled monorepo of bench/doctor/corpus.mjs, real source from
 * node_modules with planted secrets from bench/doctor/generate.mjs) and on one file holding all of
 * them, every file scanned whole and in pieces of a few sizes gives the same hits.
 */
import { describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeMonorepo } from '../bench/doctor/corpus.mjs';
import { generateTree } from '../bench/doctor/generate.mjs';
import { Detector } from '../lib/ops/doctor/detect.js';
import { mulberry32 } from './harness/prng.mjs';
import { tempDirs } from './helpers.js';

const tmp = tempDirs();

function filesOf(root: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push([relative(root, p), readFileSync(p)]);
    }
  };
  walk(root);
  return out;
}

/** The bytes in a buffer of their own (4-byte aligned, as the scan reads files). */
const aligned = (b: Buffer): Buffer => {
  const a = Buffer.allocUnsafeSlow(b.length);
  b.copy(a);
  return a;
};

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const hitsOf = (d: Detector, path: string, bytes: Buffer) => JSON.stringify(d.scanBytes(bytes, path).hits);

/**
 * A large file of what confirming reads past its anchor's line, at every offset from a piece's
 * end: key blocks (real, and shortened for documentation with their END line far below), a
 * `name:`/`value:` pair on two lines, a registered value that spans lines; between them filler
 * lines of random length.
 */
function multiLineFile(seed: number, registered: string): Buffer {
  const r = mulberry32(seed);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString()
    .trim();
  const body = rsa.split('\n').slice(1, -1);
  const alnum = (n: number) =>
    Array.from({ length: n }, () => ALNUM[Math.floor(r() * ALNUM.length)] as string).join('');
  const filler = () => `// ${'lorem ipsum dolor '.repeat(1 + Math.floor(r() * 12)).slice(0, Math.floor(r() * 200))}`;
  const parts: string[] = [];
  for (let i = 0; i < 100; i++) {
    for (let k = Math.floor(r() * 20); k > 0; k--) parts.push(filler());
    const pick = i % 4;
    if (pick === 0) parts.push(rsa);
    else if (pick === 1)
      // shortened for documentation: a `...` line, the END line up to 12,000 characters further
      parts.push(
        '-----BEGIN RSA PRIVATE KEY-----',
        ...body.slice(0, 3),
        '...',
        ...Array.from({ length: Math.floor(r() * 150) }, filler),
        '-----END RSA PRIVATE KEY-----',
      );
    // a seeded value, not a piece of the key: a random one may read as a placeholder (the test flaked)
    else if (pick === 2) parts.push('  - name: "SMTP_PASSWORD"', `    value: "${alnum(24)}"`);
    else parts.push(`const pinned = \`${registered}\`;`);
  }
  return aligned(Buffer.from(parts.join('\n') + '\n', 'latin1'));
}

describe('doctor: large files confirmed in pieces', () => {
  const root = tmp('paas-doctor-pieces-');
  writeMonorepo(join(root, 'monorepo'), { seed: 11 });
  generateTree(join(root, 'tree'), 2, { seed: 5, nodeModules: join(process.cwd(), 'node_modules') });
  const files = filesOf(root).filter(([, b]) => b.indexOf(0) === -1);
  // every text file in one: key blocks, connection strings and keys next to each other across pieces
  const all = aligned(Buffer.concat(files.flatMap(([, b]) => [b, Buffer.from('\n')])));
  const whole = new Detector({ pieceBytes: Number.MAX_SAFE_INTEGER });

  test('the trees hold what the pieces must not lose', () => {
    const kinds = new Set(JSON.parse(hitsOf(whole, 'src/all.ts', all)).map((h: { kind: string }) => h.kind));
    for (const k of ['private_key', 'dsn_password', 'secret_named_key', 'github_token', 'aws_access_key_id'])
      expect(kinds).toContain(k);
  });

  test.each([256, 1000, 4096])('pieces of %i bytes: the same hits, file by file and in one large file', (size) => {
    const pieces = new Detector({ pieceBytes: size });
    let pieced = 0;
    for (const [path, b] of files) {
      const bytes = aligned(b);
      if (bytes.length > 2 * size) pieced++;
      expect([path, hitsOf(pieces, path, bytes)]).toEqual([path, hitsOf(whole, path, bytes)]);
    }
    expect(pieced).toBeGreaterThan(50);
    expect(hitsOf(pieces, 'src/all.ts', all)).toBe(hitsOf(whole, 'src/all.ts', all));
  });

  test.each([1, 2])('what confirming reads past a line, at every offset (seed %i)', (seed) => {
    // a registered value of many lines, longer than what a piece reads ahead for anything else
    const r = mulberry32(seed + 100);
    const value = Array.from({ length: 400 }, () =>
      Array.from({ length: 60 }, () => String.fromCharCode(65 + Math.floor(r() * 26))).join(''),
    ).join('\n');
    const registered = [{ text: value, name: 'PAAS_SSH_KEY', encoding: 'raw', id: 'x' }];
    const bytes = multiLineFile(seed, value);
    const expected = new Detector({ registered, pieceBytes: Number.MAX_SAFE_INTEGER }).scanBytes(
      bytes,
      'src/pinned.ts',
    ).hits;
    const kinds = new Set(expected.map((h) => h.kind));
    expect(kinds).toEqual(new Set(['private_key', 'secret_named_key', 'registered_secret']));
    for (const size of [64, 500, 3000])
      expect(new Detector({ registered, pieceBytes: size }).scanBytes(bytes, 'src/pinned.ts').hits).toEqual(expected);
  });
});
