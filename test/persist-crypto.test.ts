/** Units under the persistence: sealing, the bundle format, the vault-value scanner. */
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packBundle, unpackBundle } from '../lib/persistence/bundle.js';
import { open, readSealHeader, seal, SEAL_MAGIC, type SealScope } from '../lib/persistence/crypto.js';
import { findSecret, secretForms } from '../lib/persistence/scan.js';
import { PaasError } from '../lib/output/errors.js';

const scope: SealScope = { purpose: 'state', context: 'oss-demo', schema: 1 };
const opts = { what: 'test blob', remediation: 'r' };
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof PaasError ? `${e.code}: ${e.message}` : `other: ${String(e)}`;
  }
  return 'no error';
};

describe('sealing (AES-256-GCM, scrypt + HKDF, authenticated header)', () => {
  const key = randomBytes(32).toString('base64');

  test('round trip; every single-bit change anywhere is refused', () => {
    const plain = Buffer.from('hello state');
    const blob = seal(plain, key, scope);
    expect(open(blob, key, scope, opts).equals(plain)).toBe(true);
    expect(blob.includes(plain)).toBe(false);
    for (let i = 0; i < blob.length; i += Math.max(1, Math.floor(blob.length / 97))) {
      const bad = Buffer.from(blob);
      bad[i] = (bad[i] as number) ^ 0x04;
      expect(code(() => open(bad, key, scope, opts))).toMatch(/^PAAS_STATE_DECRYPT_FAILED: /);
    }
  });

  test('purpose, context and schema are part of what is authenticated', () => {
    const blob = seal(Buffer.from('x'), key, scope);
    expect(code(() => open(blob, key, { ...scope, purpose: 'backup' }, opts))).toContain(
      'is a sealed state, not backup',
    );
    expect(code(() => open(blob, key, { ...scope, context: 'oss-demo-2' }, opts))).toContain(
      'was sealed for context "oss-demo", not oss-demo-2',
    );
    expect(code(() => open(blob, key, { ...scope, schema: 2 }, opts))).toContain(
      'holds state schema v1; this paas-actions reads v2',
    );
    expect(code(() => open(blob, randomBytes(32).toString('base64'), scope, opts))).toContain('(wrong key)');
  });

  test('short keys are refused; a header asking for huge KDF work is refused before any work', () => {
    expect(code(() => seal(Buffer.from('x'), 'short', scope))).toMatch(
      /^PAAS_INVALID_ARGUMENT: PAAS_STATE_KEY is shorter than 16/,
    );
    const blob = seal(Buffer.from('x'), key, scope);
    const { header } = readSealHeader(blob);
    const forged = JSON.stringify({ ...header, kdf: { ...header.kdf, N: 2 ** 30 } });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(forged));
    const evil = Buffer.concat([SEAL_MAGIC, len, Buffer.from(forged), randomBytes(40)]);
    const t = Date.now();
    expect(code(() => open(evil, key, scope, opts))).toContain('unsupported key-derivation parameters');
    expect(Date.now() - t).toBeLessThan(2000);
    expect(code(() => open(Buffer.from('not a blob at all'), key, scope, opts))).toContain('not sealed paas state');
  });
});

describe('bundle', () => {
  test('round trip with per-file sha256; paths outside the context layout are refused both ways', () => {
    const files = [
      { path: 'config.json', data: Buffer.from('{}') },
      { path: 'events/2026-11.jsonl', data: Buffer.from('{"id":"1"}\n') },
      { path: 'cache/a/b.txt', data: Buffer.from('c') },
    ];
    const packed = packBundle({ context: 'oss-demo', schema: 1, created_at: 'now', lineage: [] }, files);
    const back = unpackBundle(packed);
    expect(back.files.map((f) => [f.path, f.data.toString()])).toEqual(files.map((f) => [f.path, f.data.toString()]));
    for (const p of ['../x', 'events/../../x.jsonl', '/etc/passwd', 'vaults/oss-demo.env', 'cache/../config.json']) {
      expect(() =>
        packBundle({ context: 'oss-demo', schema: 1, created_at: 'now', lineage: [] }, [
          { path: p, data: Buffer.from('x') },
        ]),
      ).toThrow(/path not allowed/);
      const m = Buffer.from(
        JSON.stringify({
          format: 'paas-state-bundle/1',
          context: 'oss-demo',
          schema: 1,
          created_at: 'now',
          lineage: [],
          files: [{ path: p, size: 1, sha256: '' }],
        }),
      );
      const len = Buffer.alloc(4);
      len.writeUInt32BE(m.length);
      expect(code(() => unpackBundle(gzipSync(Buffer.concat([len, m, Buffer.from('x')]))))).toContain(
        'PAAS_STATE_CORRUPT',
      );
    }
  });
});

describe('vault-value scanner', () => {
  test('finds a value in every form and alignment, names key and form, never short values', () => {
    const v = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const forms = secretForms('DB_PASSWORD', v);
    for (const pad of ['', 'a', 'ab']) {
      const b64 = Buffer.from(pad + v + 'tail').toString('base64');
      expect(findSecret([{ path: 'f', data: Buffer.from(`x${b64}y`) }], forms)).toMatchObject({
        key: 'DB_PASSWORD',
        form: 'base64',
      });
    }
    expect(findSecret([{ path: 'f', data: Buffer.from(Buffer.from(v).toString('hex')) }], forms)?.form).toBe('hex');
    expect(
      findSecret([{ path: 'f', data: Buffer.from(Buffer.from(v).toString('hex').toUpperCase()) }], forms)?.form,
    ).toBe('hex');
    expect(findSecret([{ path: 'g', data: Buffer.from(`"${v}"`) }], forms)).toEqual({
      file: 'g',
      key: 'DB_PASSWORD',
      form: 'raw',
    });
    const multi = `line-one-${randomBytes(6).toString('hex')}\nline-two-${randomBytes(6).toString('hex')}`;
    expect(
      findSecret([{ path: 'h', data: Buffer.from(multi.split('\n')[1] as string) }], secretForms('K', multi))?.form,
    ).toBe('raw');
    expect(secretForms('PORT', '5432')).toEqual([]);
  });
});
