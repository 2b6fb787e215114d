/** lib/transport/known-hosts.ts: known_hosts parsing, host key verification, fingerprint pins. */
import { describe, expect, test } from '@jest/globals';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { fingerprint, parseKnownHosts, verifyHostKey } from '../lib/transport/known-hosts.js';

describe('known_hosts', () => {
  const key = (type: 'ed25519' | 'rsa' = 'ed25519') => {
    const { publicKey } =
      type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { x?: string; n?: string; e?: string };
    const str = (b: Buffer) => {
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      return Buffer.concat([l, b]);
    };
    const blob =
      type === 'rsa'
        ? Buffer.concat([
            str(Buffer.from('ssh-rsa')),
            str(Buffer.from(jwk.e!, 'base64url')),
            str(Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')])),
          ])
        : Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.from(jwk.x!, 'base64url'))]);
    return {
      blob,
      line: (name: string) => `${name} ${type === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${blob.toString('base64')}`,
    };
  };
  const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };

  test('plain, hashed, [host]:port, globs; unknown vs changed vs revoked; fingerprint pin', () => {
    const a = key();
    const b = key('rsa');
    const c = key();
    const kh = parseKnownHosts(
      [
        '# comment',
        a.line('10.0.0.5'),
        b.line(hashed('[web.example]:2222')),
        c.line('*.internal,!bad.internal'),
        `@revoked ${key().line('*').split(' ').slice(1).join(' ')}`,
        'garbage line',
      ].join('\n'),
    );
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob)).toBe('match');
    expect(verifyHostKey(kh, '10.0.0.5', 2200, a.blob)).toBe('unknown');
    expect(verifyHostKey(kh, '10.0.0.5', 22, b.blob)).toBe('mismatch');
    expect(verifyHostKey(kh, 'web.example', 2222, b.blob)).toBe('match');
    expect(verifyHostKey(kh, 'web.example', 22, b.blob)).toBe('unknown');
    expect(verifyHostKey(kh, 'db.internal', 22, c.blob)).toBe('match');
    expect(verifyHostKey(kh, 'bad.internal', 22, c.blob)).toBe('unknown');
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob, fingerprint(a.blob))).toBe('match');
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob, 'SHA256:AAAA')).toBe('pin_mismatch');
    const revoked = parseKnownHosts(`@revoked * ssh-ed25519 ${a.blob.toString('base64')}\n${a.line('10.0.0.5')}`);
    expect(verifyHostKey(revoked, '10.0.0.5', 22, a.blob)).toBe('revoked');
    expect(fingerprint(a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
