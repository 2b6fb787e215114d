/**
 * What is sent to the runner's log masker (`::add-mask::`, core.setSecret) for a DSN (issue #18,
 * item 4): the whole DSN and its password, never its user or host. Masking `postgres` or
 * `127.0.0.1` turns every occurrence of those words in a GitHub log into `***`.
 */
import { describe, expect, test } from '@jest/globals';
import { registerDsnSecrets } from '../lib/db/dsn.js';
import { Redactor, REDACTED } from '../lib/redaction/redactor.js';
import { dsn, randomSecret } from './redaction/fixtures.js';

function masked(register: (r: Redactor) => void): { seen: string[]; r: Redactor } {
  const seen: string[] = [];
  const r = new Redactor({ onRegister: (v) => seen.push(v) });
  register(r);
  return { seen, r };
}

describe('::add-mask:: for a DSN', () => {
  const cases: Array<[string, string, string]> = [
    ['postgres', '127.0.0.1', '127.0.0.1:5432/postgres'],
    ['postgres', 'localhost', 'localhost/app?sslmode=disable'],
    ['app_owner', 'db-prod.internal', 'db-prod.internal:6432/app?host=db-prod.internal'],
  ];

  test.each(cases)('user %s and host %s are not masked; the DSN and its password are', (user, host, rest) => {
    const pw = randomSecret(16) + '%2F';
    const url = dsn('postgres', user, pw, rest);
    for (const register of [
      (r: Redactor) => registerDsnSecrets(r, url, 'POSTGRES_DSN_PROD'),
      (r: Redactor) => r.register(url, 'POSTGRES_DSN_PROD'),
    ]) {
      const { seen, r } = masked(register);
      expect(seen).toEqual(expect.arrayContaining([url, pw, decodeURIComponent(pw)]));
      for (const v of seen) {
        expect(v).not.toBe(user);
        expect(v).not.toBe(host);
        expect(v).not.toBe(rest.split('/')[0]);
      }
      // our own redaction: the password goes, the words stay
      const line = `psql: connecting as ${user} to ${host} (database postgres) with ${pw}`;
      expect(r.redact(line)).toBe(`psql: connecting as ${user} to ${host} (database postgres) with ${REDACTED}`);
      expect(r.redact(`url ${url}`)).toBe(`url ${REDACTED}`);
    }
  });

  test('a DSN without a password masks only the whole DSN', () => {
    const url = dsn('postgres', 'postgres', '', '127.0.0.1:5432/app').replace(':@', '@');
    const { seen } = masked((r) => registerDsnSecrets(r, url, 'POSTGRES_DSN_PROD'));
    expect(seen).toEqual([url]);
  });
});
