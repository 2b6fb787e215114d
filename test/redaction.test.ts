/**
 * Unit tests of the redaction library: registration and derived forms, every pattern family
 * (positives and negatives), redactDeep, and the streaming redactor's hold-back rule.
 * Credential-shaped fixtures are generated (test/redaction/fixtures.ts).
 */
import { describe, expect, test } from '@jest/globals';
import { MIN_SECRET_LENGTH, REDACTED, Redactor, derivedForms, isPlaceholder } from '../lib/redaction/redactor.js';
import { createStream } from '../lib/redaction/stream.js';
import { Matcher } from '../lib/redaction/matcher.js';
import { ANY, type Anchor, type ByteClass } from '../lib/redaction/patterns.js';
import { ALNUM, DIGITS, cutAt, dsn, pemKey, randomChars, randomSecret, tokens } from './redaction/fixtures.js';
import { streamAll } from './redaction/leaks.js';

const j = (...parts: string[]) => parts.join('');
/** Secret-naming keys, assembled so that this file holds no `password=...` literal. */
const KEY = { password: j('pass', 'word'), secret: j('sec', 'ret'), token: j('to', 'ken'), apiKey: j('api', '_key') };

function redactor(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.register(s);
  return r;
}

describe('registration', () => {
  test('values shorter than MIN_SECRET_LENGTH are ignored, others counted once', () => {
    const seen: string[] = [];
    const r = new Redactor({ onRegister: (v) => seen.push(v) });
    r.register('x'.repeat(MIN_SECRET_LENGTH - 1));
    r.register('true');
    r.register('  5432  ');
    expect(r.size).toBe(0);
    const s = randomSecret(20);
    r.register(s);
    r.register(s);
    expect(r.size).toBe(1);
    expect(seen).toEqual([s]);
    expect(r.redact('port 5432 true')).toBe('port 5432 true');
    r.register(undefined as unknown as string);
    expect(r.size).toBe(1);
  });

  test('the exact value, anywhere, as many times as it occurs', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    expect(r.redact(`a ${s} b ${s}${s} c`)).toBe(`a ${REDACTED} b ${REDACTED} c`);
    expect(r.redact(s)).toBe(REDACTED);
  });

  test('base64 in all three alignments, base64url, padded and unpadded', () => {
    const s = randomSecret(21) + '?>~';
    const r = redactor(s);
    for (const prefix of ['', 'x', 'xy', 'xyz', 'user:']) {
      for (const suffix of ['', 'q', 'qr']) {
        const bytes = Buffer.from(prefix + s + suffix);
        for (const enc of [
          bytes.toString('base64'),
          bytes.toString('base64url'),
          bytes.toString('base64').replace(/=+$/, ''),
        ]) {
          const out = r.redact(`header ${enc} end`);
          expect(out).toContain(REDACTED);
          // what is left around the mask is at most the bytes of the prefix and suffix (+2 chars)
          const kept = out.replace(`header `, '').replace(` end`, '').replace(REDACTED, '');
          expect(kept.length).toBeLessThanOrEqual(Math.ceil(((prefix.length + suffix.length) * 8) / 6) + 4);
          expect(out).not.toContain(Buffer.from(s).toString('base64').slice(4, 24));
        }
      }
    }
  });

  test('hex (both cases), URL-encoded, form-encoded and JSON-escaped forms', () => {
    const s = `${randomSecret(12)} "quoted" \\ é/ü+&=`;
    const r = redactor(s);
    const forms = [
      Buffer.from(s).toString('hex'),
      Buffer.from(s).toString('hex').toUpperCase(),
      encodeURIComponent(s),
      encodeURIComponent(s).replace(/%20/g, '+'),
      new URLSearchParams({ v: s }).toString().slice(2),
      JSON.stringify(s).slice(1, -1),
      JSON.stringify(s)
        .slice(1, -1)
        .replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
    ];
    for (const f of forms) expect(r.redact(`<${f}>`)).toBe(`<${REDACTED}>`);
    expect(r.redact(JSON.stringify({ v: s }))).toBe(`{"v":"${REDACTED}"}`);
  });

  test('each line of a multi-line secret, trimmed, and the trimmed value', () => {
    const lines = [randomSecret(20), '  ' + randomSecret(30) + '  ', 'short', randomSecret(8)];
    const s = lines.join('\r\n') + '\n';
    const seen: string[] = [];
    const r = new Redactor({ onRegister: (v) => seen.push(v) });
    r.register(s);
    expect(seen).toEqual(expect.arrayContaining([s, s.trim(), lines[0], (lines[1] as string).trim(), lines[3]]));
    expect(seen).not.toContain('short');
    for (const l of [lines[0], (lines[1] as string).trim(), lines[3]])
      expect(r.redact(`x ${l} y`)).toBe(`x ${REDACTED} y`);
    expect(r.redact('a short line')).toBe('a short line');
    expect(r.redact(`[${s}]`)).toBe(`[${REDACTED}]`);
  });

  test('a DSN registers its password, the decoded password and the whole DSN', () => {
    const pw = randomSecret(10) + '%40%2F';
    const url = dsn('postgres', 'app', pw);
    const seen: string[] = [];
    const r = new Redactor({ onRegister: (v) => seen.push(v) });
    r.register(url);
    expect(seen).toEqual([url, pw, decodeURIComponent(pw)]);
    expect(r.redact(`pw=${pw}`)).toBe(`pw=${REDACTED}`);
    expect(r.redact(`decoded ${decodeURIComponent(pw)} ok`)).toBe(`decoded ${REDACTED} ok`);
    expect(r.redact(`url ${url}`)).toBe(`url ${REDACTED}`);
    // a DSN inside a larger value (an env file) is registered on its own too
    const other = dsn('postgresql', 'ro', randomSecret(12), 'replica/app');
    const r2 = redactor(`DATABASE_URL=${other}\nOTHER=1`);
    expect(r2.redact(`connecting to ${other}`)).toBe(`connecting to ${REDACTED}`);
  });

  test('a PEM private key registers each body line and the joined body, not its armor', () => {
    const { text, body } = pemKey('RSA');
    const r = redactor(text);
    for (const line of body) expect(r.redact(`> ${line}`)).toBe(`> ${REDACTED}`);
    expect(r.redact(`one line: ${body.join('')}`)).toBe(`one line: ${REDACTED}`);
    const forms = derivedForms(text).map(([, f]) => f);
    expect(forms.some((f) => /^-----(BEGIN|END) [A-Z ]+-----$/.test(f))).toBe(false);
    expect(derivedForms(text).filter(([e]) => e === 'line')).toHaveLength(body.length);
  });

  test('derivedForms lists encodings, deduplicated, none shorter than the minimum', () => {
    const forms = derivedForms('abcdef');
    expect(forms).toEqual([
      ['raw', 'abcdef'],
      ['base64', 'YWJjZGVm'],
      ['base64', 'FiY2RlZ'],
      ['base64', 'hYmNkZW'],
      // base64 of its UTF-16LE text (PowerShell's -EncodedCommand), at the three alignments
      ['base64', 'YQBiAGMAZABlAGYA'],
      ['base64', 'EAYgBjAGQAZQBmA'],
      ['base64', 'hAGIAYwBkAGUAZg'],
      ['hex', '616263646566'],
      // base32 at the five alignments, and the value's own with padding (z85: one group, too short)
      ['base32', 'MFRGGZDFM'],
      ['base32', 'QWEY3EMVT'],
      ['base32', 'CYTDMRSW'],
      ['base32', 'YLCMNSGKZ'],
      ['base32', 'BMJRWIZLG'],
      ['base32', 'MFRGGZDFMY======'],
    ]);
    const many = derivedForms(randomSecret(40) + '/+');
    expect(new Set(many.map(([, f]) => f)).size).toBe(many.length);
    expect(many.every(([, f]) => f.length >= MIN_SECRET_LENGTH)).toBe(true);
    expect(derivedForms('abc')).toEqual([]);
  });

  test('longest match wins and overlapping or touching matches merge', () => {
    const a = randomSecret(10);
    const b = a + randomSecret(10);
    const c = randomSecret(8);
    const r = redactor(a, b, c);
    expect(r.redact(`x${b}y`)).toBe(`x${REDACTED}y`);
    expect(r.redact(`x${a}${c}${a}y`)).toBe(`x${REDACTED}y`);
    const overlap = randomSecret(12);
    const r2 = redactor(overlap.slice(0, 8), overlap.slice(4));
    expect(r2.redact(`<${overlap}>`)).toBe(`<${REDACTED}>`);
  });

  test('registration after use: new secrets are searched at once', () => {
    const r = new Redactor();
    const s = randomSecret(14);
    expect(r.redact(`v=${s}`)).toBe(`v=${s}`);
    r.register(s);
    expect(r.redact(`v=${s}`)).toBe(`v=${REDACTED}`);
    for (let i = 0; i < 300; i++) r.register(randomSecret(10 + (i % 40)));
    expect(r.redact(`v=${s}`)).toBe(`v=${REDACTED}`);
    expect(r.size).toBe(301);
  });

  test('secrets with non-ASCII and non-BMP characters', () => {
    const s = `pässwörd-密码-${randomSecret(6)}-🙂`;
    const r = redactor(s);
    expect(r.redact(`«${s}»`)).toBe(`«${REDACTED}»`);
    expect(r.redact(Buffer.from(s).toString('base64'))).toBe(REDACTED);
    // same low bytes, other characters: not a match
    const lookalike = s.replace('密', String.fromCharCode('密'.charCodeAt(0) ^ 0x100));
    expect(r.redact(lookalike)).toBe(lookalike);
  });
});

describe('patterns (values never registered)', () => {
  const r = new Redactor();

  test.each([
    ['GitHub classic', () => tokens.github('p')],
    ['GitHub oauth', () => tokens.github('o')],
    ['GitHub user-to-server', () => tokens.github('u')],
    ['GitHub server-to-server', () => tokens.github('s')],
    ['GitHub refresh', () => tokens.github('r')],
    ['GitHub fine-grained', () => tokens.githubPat()],
    ['AWS access key id', () => tokens.awsKeyId('AKIA')],
    ['AWS temporary key id', () => tokens.awsKeyId('ASIA')],
    ['Slack bot token', () => tokens.slack('b')],
    ['Slack user token', () => tokens.slack('p')],
    ['Stripe live key', () => tokens.stripe('sk')],
    ['Stripe restricted key', () => tokens.stripe('rk')],
    ['Google API key', () => tokens.google()],
    ['npm token', () => tokens.npm()],
    ['OpenAI project key', () => tokens.openai()],
    ['OpenAI legacy key', () => tokens.openaiLegacy()],
    ['GitLab token', () => tokens.gitlab()],
    ['SendGrid key', () => tokens.sendgrid()],
    ['JWT', () => tokens.jwt()],
  ])('%s', (_name, make) => {
    const t = make();
    for (const ctx of [
      `${t}`,
      `using ${t} now`,
      `"${t}"`,
      `x=${t};`,
      `(${t})`,
      `\n${t}\n`,
      // right after an escape sequence: JSON's \n and \t, URL encoding, \x and \u escapes
      `{"motd":"rotate:\\n${t}\\nthanks"}`,
      `"a\\t${t}"`,
      `cb?cfg=token%3D${t}%26v%3D1`,
      `state=%7B%22t%22%3A%22${t}%22%7D`,
      `"\\x3d${t}"`,
      `"\\u003d${t}"`,
    ]) {
      const out = r.redact(ctx);
      expect(out).not.toContain(t.slice(-12));
      expect(out).toBe(ctx.replace(t, REDACTED));
      expect(r.containsSecret(ctx)).toBe(true);
    }
  });

  test('provider-like strings that are not tokens are kept', () => {
    const keep = [
      'the ghp_ prefix marks GitHub tokens',
      j('gh', 'p_', 'short123'),
      j('xgh', 'p_', randomChars(ALNUM, 36)), // inside a word
      j('AK', 'IA', 'lowercase1234567'),
      j('AK', 'IA', randomChars('ABCDEFGHIJ', 17)), // 17 characters: not a key id
      'npm_config_cache=/tmp/npm',
      'sk-learn is a library',
      'SG.example',
      'eyJhbGciOi is not a JWT without its payload',
      'see hooks.slack.com for details',
    ];
    for (const k of keep) expect(r.redact(k)).toBe(k);
  });

  test('Slack webhook URLs keep their host and path prefix', () => {
    const path = tokens.slackWebhookPath();
    const url = `https:/` + `/hooks.slack.com/services/${path}`;
    expect(r.redact(`POST ${url} 200`)).toBe(`POST https:/` + `/hooks.slack.com/services/${REDACTED} 200`);
  });

  describe('private key blocks', () => {
    test.each(['RSA', 'EC', 'OPENSSH', 'ENCRYPTED', 'DSA', ''])('%s block, LF and CRLF', (type) => {
      for (const eol of ['\n', '\r\n']) {
        const { text, body } = pemKey(type, 6, eol);
        const out = r.redact(`before${eol}${text}${eol}after`);
        expect(out).toBe(`before${eol}${REDACTED}${eol}after`);
        for (const line of body) expect(out).not.toContain(line);
      }
    });

    test('PGP private key block, a key on one line with \\n escapes, two keys', () => {
      const pgp = j(
        '-----BEGIN PGP ',
        'PRIVATE KEY',
        ' BLOCK-----\n\n',
        randomChars(ALNUM, 64),
        '\n-----END PGP ',
        'PRIVATE KEY',
        ' BLOCK-----',
      );
      expect(r.redact(`k:\n${pgp}\ndone`)).toBe(`k:\n${REDACTED}\ndone`);
      const { text } = pemKey('RSA');
      const json = JSON.stringify({ key: text });
      expect(r.redact(json)).toBe(`{"key":"${REDACTED}"}`);
      const two = `${pemKey('EC').text}\nmiddle\n${pemKey('').text}`;
      expect(r.redact(two)).toBe(`${REDACTED}\nmiddle\n${REDACTED}`);
    });

    test('a BEGIN without END is redacted to the end (fail closed)', () => {
      const { text } = pemKey('RSA');
      const cut = text.slice(0, text.length - 40);
      expect(r.redact(`log\n${cut}\nmore log`)).toBe(`log\n${REDACTED}`);
    });

    test('public keys and certificates are kept', () => {
      const pub = j(
        '-----BEGIN ',
        'PUBLIC KEY',
        '-----\n',
        randomChars(ALNUM, 64),
        '\n-----END ',
        'PUBLIC KEY',
        '-----',
      );
      const cert = j(
        '-----BEGIN ',
        'CERTIFICATE',
        '-----\n',
        randomChars(ALNUM, 64),
        '\n-----END ',
        'CERTIFICATE',
        '-----',
      );
      expect(r.redact(pub)).toBe(pub);
      expect(r.redact(cert)).toBe(cert);
      expect(r.redact('generating a private key...')).toBe('generating a private key...');
    });
  });

  describe('connection strings', () => {
    test.each(['postgres', 'postgresql', 'mysql', 'redis', 'amqps', 'mongodb+srv', 'https'])(
      '%s: keeps scheme and user',
      (scheme) => {
        const pw = randomSecret(14);
        expect(r.redact(`url ${dsn(scheme, 'app', pw)} ok`)).toBe(`url ${dsn(scheme, 'app', REDACTED)} ok`);
      },
    );

    test('empty user, raw / and @ in the password, percent-encoding, quotes', () => {
      const pw = randomSecret(10);
      expect(r.redact(dsn('redis', '', pw, 'cache:6379'))).toBe(dsn('redis', '', REDACTED, 'cache:6379'));
      expect(r.redact(dsn('postgres', 'u', `${pw}/x`, 'h/db'))).toBe(dsn('postgres', 'u', REDACTED, 'h/db'));
      expect(r.redact(dsn('postgres', 'u', `${pw}@x`, 'h/db'))).toBe(dsn('postgres', 'u', REDACTED, 'h/db'));
      expect(r.redact(dsn('postgres', 'u', `${pw}%40x`, 'h/db'))).toBe(dsn('postgres', 'u', REDACTED, 'h/db'));
      expect(r.redact(`"${dsn('mysql', 'u', pw, 'h')}"`)).toBe(`"${dsn('mysql', 'u', REDACTED, 'h')}"`);
    });

    test('URLs without a password and placeholders are kept', () => {
      const keep = [
        `https:/` + `/example.com/users/@me`,
        `https:/` + `/host:8080/path/@x`,
        `postgres:/` + `/app@db.internal/app`,
        `ssh:/` + `/git@github.com:owner/repo`,
        'mail ops@example.com',
        dsn('postgres', 'app', '${PGPASSWORD}'),
        dsn('postgres', 'app', REDACTED),
        dsn('postgres', 'app', ''),
      ];
      for (const k of keep) {
        expect(r.redact(k)).toBe(k);
        expect(r.containsSecret(k)).toBe(false);
      }
    });
  });

  describe('bearer tokens and Authorization headers', () => {
    test('keeps the scheme, redacts the credentials', () => {
      const t = randomSecret(32);
      expect(r.redact(`Authorization: Bearer ${t}`)).toBe(`Authorization: Bearer ${REDACTED}`);
      expect(r.redact(`> authorization: bearer ${t}\r\n`)).toBe(`> authorization: bearer ${REDACTED}\r\n`);
      expect(r.redact(`curl -H "Authorization: Basic ${Buffer.from('u:' + t).toString('base64')}" x`)).toBe(
        `curl -H "Authorization: Basic ${REDACTED}" x`,
      );
      expect(r.redact(`sent bearer ${t}.`)).toBe(`sent bearer ${REDACTED}`);
      expect(r.redact(`{"Authorization":"token ${t}"}`)).toBe(`{"Authorization":"token ${REDACTED}"}`);
      expect(r.redact(`authorization=${t}`)).toBe(`authorization=${REDACTED}`);
    });

    test('prose and placeholders are kept', () => {
      const keep = [
        'uses bearer token authentication',
        'a bearer authentication scheme',
        `Authorization: Bearer ${REDACTED}`,
        'Authorization: Bearer <token>',
        'Authorization: Bearer ${TOKEN}',
        'authorization header missing',
      ];
      for (const k of keep) expect(r.redact(k)).toBe(k);
    });
  });

  describe('secret-named keys', () => {
    const v = randomSecret(18);
    test.each([
      [`${KEY.password.toUpperCase()}=${v}`, `${KEY.password.toUpperCase()}=${REDACTED}`],
      [`DB_${KEY.password.toUpperCase()}=${v} next=1`, `DB_${KEY.password.toUpperCase()}=${REDACTED} next=1`],
      [`export GITHUB_${KEY.token.toUpperCase()}="${v}"`, `export GITHUB_${KEY.token.toUpperCase()}="${REDACTED}"`],
      [`client_${KEY.secret} = '${v}'`, `client_${KEY.secret} = '${REDACTED}'`],
      [`--${KEY.password}=${v}`, `--${KEY.password}=${REDACTED}`],
      [`run --${KEY.token} ${v} --verbose`, `run --${KEY.token} ${REDACTED} --verbose`],
      [`GET /cb?access_${KEY.token}=${v}&page=2`, `GET /cb?access_${KEY.token}=${REDACTED}&page=2`],
      [`{"${KEY.apiKey}": "${v}", "name": "x"}`, `{"${KEY.apiKey}": "${REDACTED}", "name": "x"}`],
      [`{"${KEY.password}":"a\\"b${v}"}`, `{"${KEY.password}":"${REDACTED}"}`],
      [`{'${KEY.secret}Key': '${v}'}`, `{'${KEY.secret}Key': '${REDACTED}'}`],
      [`"{\\"${KEY.token}\\":\\"${v}\\"}"`, `"{\\"${KEY.token}\\":\\"${REDACTED}\\"}"`],
      [`${KEY.password}: ${v} and more words`, `${KEY.password}: ${REDACTED}`],
      [`  - db_${KEY.password}: "${v}"`, `  - db_${KEY.password}: "${REDACTED}"`],
      [`X-Api-Key: ${v}`, `X-Api-Key: ${REDACTED}`],
      [`> X-Auth-${KEY.token}: ${v}`, `> X-Auth-${KEY.token}: ${REDACTED}`],
      [`private_key=${v}`, `private_key=${REDACTED}`],
      [`${j('Pass', 'Phrase')}=${v}`, `${j('Pass', 'Phrase')}=${REDACTED}`],
      [`aws_${KEY.secret}_access_key=${v}`, `aws_${KEY.secret}_access_key=${REDACTED}`],
      [`credentials=${v}`, `credentials=${REDACTED}`],
      [`sEcReT=${v}`, `sEcReT=${REDACTED}`],
      [`${KEY.password}=\${USER}${v} x`, `${KEY.password}=${REDACTED} x`],
      [`${KEY.password}=${v}\n${KEY.token}=${v}x`, `${KEY.password}=${REDACTED}\n${KEY.token}=${REDACTED}`],
    ])('%s', (input, expected) => {
      expect(r.redact(input)).toBe(expected);
      expect(r.containsSecret(input)).toBe(true);
    });

    test.each([
      `${KEY.password}=\${DB_PASSWORD}`,
      `${KEY.password}=$DB_PASSWORD`,
      `${KEY.token}=$(cat /run/secrets/x)`,
      `${KEY.secret}=changeme`,
      `${KEY.password}=<redacted>`,
      `${KEY.password}=""`,
      `${KEY.password}=`,
      `${KEY.password}=${REDACTED}`,
      `GITHUB_${KEY.token.toUpperCase()}: \${{ secrets.GITHUB_TOKEN }}`,
      `{"${KEY.password}": null, "${KEY.token}": "{{ vault_token }}"}`,
      `${KEY.password}_file=/run/secrets/db`,
      `${KEY.token}_type=bearer`,
      `SECRET_NAME=prod-db`,
      `${KEY.apiKey}_url=https:/` + `/api.example.com`,
      `max_${KEY.token}s_count=4096`,
      `invalid ${KEY.token}: expected a string`,
      `if ${KEY.token} == other`,
      `docker login --${KEY.password}-stdin registry.example.com`,
    ])('kept: %s', (input) => {
      expect(r.redact(input)).toBe(input);
      expect(r.containsSecret(input)).toBe(false);
    });
  });

  test('placeholders', () => {
    for (const p of [
      '',
      '  ',
      '${VAR}',
      '$VAR',
      '$(cmd)',
      '{{ x }}',
      '${{ secrets.X }}',
      '%(pw)s',
      '%PASSWORD%',
      '<your-token>',
      '[REDACTED]',
      '***',
      'xxxx',
      '....',
      'changeme',
      'REDACTED',
      'null',
      'your_password',
      'process.env.DB_PASSWORD',
    ]) {
      expect(isPlaceholder(p)).toBe(true);
    }
    for (const p of ['hunter22', randomSecret(12), '$3cret', '<abc', '1234', '${x}y'])
      expect(isPlaceholder(p)).toBe(false);
  });

  test('ordinary log lines are unchanged', () => {
    const lines = [
      '2026-11-23T01:02:03.456Z [web-1] INFO GET /api/v1/users/42 200 12ms request_id=8f2a9c1e4b7d6a30',
      '{"time":"2026-11-23T01:02:03Z","level":"info","msg":"migration applied","duration_ms":120,"user_id":7}',
      'Step 3/12 : RUN npm ci --omit=dev && npm cache clean --force',
      'a1b2c3d4e5f6: Pull complete sha256:9c56cc51b374c3ba189210d67e6f2f6a01c7fb3b1d4e4b0f0e8f1c5e9d5f2a7b',
      '    at Handler.run (/app/node_modules/pg/lib/client.js:526:17)',
      'Token bucket refilled; password policy: 12 characters minimum',
      'deploy@host:~$ ls -la /srv/app/releases',
      'http://registry.internal:5000/v2/app/manifests/latest',
      '',
      'héllo wörld 漢字 🙂',
    ];
    for (const l of lines) expect(r.redact(l)).toBe(l);
    expect(r.redact(lines.join('\n'))).toBe(lines.join('\n'));
  });
});

describe('containsSecret and the fail-closed status line contract', () => {
  test('true exactly when redact would change the text', () => {
    const s = randomSecret(12);
    const r = redactor(s);
    for (const t of [
      s,
      `x ${s}`,
      'nothing here',
      `${KEY.password}=\${DB_PASSWORD}`,
      tokens.github(),
      `${KEY.token}=abc`,
      'short',
    ]) {
      expect(r.containsSecret(t)).toBe(r.redact(t) !== t);
    }
    expect(r.containsSecret(`${KEY.password}=\${DB_PASSWORD}`)).toBe(false);
  });
});

describe('redactDeep', () => {
  test('strings in nested objects and arrays, keys included; other values untouched', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    const when = new Date(0);
    const input = { a: s, b: [1, `x${s}`, { [s]: true, n: null }], c: when, d: 5, e: undefined as unknown };
    const out = r.redactDeep(input);
    expect(out).toEqual({
      a: REDACTED,
      b: [1, `x${REDACTED}`, { [REDACTED]: true, n: null }],
      c: when,
      d: 5,
      e: undefined,
    });
    expect(out.c).toBe(when);
    expect(input.a).toBe(s);
  });

  test('Maps, Sets, URLs and class instances are redacted too (fail closed)', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    class Holder {
      constructor(readonly value: string) {}
    }
    const out = r.redactDeep({
      m: new Map([[s, s]]),
      set: new Set([s]),
      u: new URL(`https://example.com/?k=${s}`),
      h: new Holder(s),
      b: Buffer.from('x'),
    });
    expect(out.m.get(REDACTED)).toBe(REDACTED);
    expect([...out.set]).toEqual([REDACTED]);
    expect(out.u).toBe(`https://example.com/?k=${REDACTED}`);
    expect(out.h).toEqual({ value: REDACTED });
    expect(Buffer.isBuffer(out.b)).toBe(true);
  });

  test('a string repeated across the value is redacted wherever it occurs, and each distinct string by its own text', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    const other = `path/to/${s}.env`;
    const plain = 'secret_named_key';
    const rows = Array.from({ length: 50 }, (_, i) => ({ [s]: i % 2 ? s : other, kind: plain, file: other }));
    const out = r.redactDeep({ rows, again: [s, other, plain, s], m: new Map([[other, s]]) });
    for (const row of out.rows) {
      expect(Object.keys(row)).toEqual([REDACTED, 'kind', 'file']);
      expect(Object.values(row)[0]).toMatch(/^(?:\*\*\*|path\/to\/\*\*\*\.env)$/);
      expect(row.kind).toBe(plain);
      expect(row.file).toBe(`path/to/${REDACTED}.env`);
    }
    expect(out.again).toEqual([REDACTED, `path/to/${REDACTED}.env`, plain, REDACTED]);
    expect([...out.m]).toEqual([[`path/to/${REDACTED}.env`, REDACTED]]);
    expect(JSON.stringify(out)).not.toContain(s);
  });

  test('Errors keep their class, message and stack are redacted', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    const e = new TypeError(`bad ${s}`);
    const out = r.redactDeep(e);
    expect(out).toBeInstanceOf(TypeError);
    expect(out.message).toBe(`bad ${REDACTED}`);
    expect(out.stack).not.toContain(s);
  });
});

describe('stream', () => {
  test('a secret split at every position never leaks', () => {
    const s = randomSecret(20);
    const r = redactor(s);
    const text = `line one\nvalue ${s} here\nand ${Buffer.from(s).toString('base64')}\n`;
    for (let i = 0; i <= text.length; i++) {
      for (const k of [1, 3, 7]) {
        const out = streamAll(r, cutAt(text, [i, i + k, i + 2 * k]));
        expect(out).toBe(r.redact(text));
        expect(out).not.toContain(s);
      }
    }
    // one character at a time
    expect(streamAll(r, text.split(''))).toBe(r.redact(text));
  });

  test('hold-back: only the incomplete line when no registered form spans lines', () => {
    const s = randomSecret(20);
    const r = redactor(s);
    const st = r.stream() as ReturnType<typeof createStream>;
    expect(st.write('complete line\npartial ')).toBe('complete line\n');
    expect(st.held).toBe('partial '.length);
    expect(st.write(`${s.slice(0, 5)}`)).toBe('');
    expect(st.write(`${s.slice(5)} done\nnext`)).toBe(`partial ${REDACTED} done\n`);
    expect(st.held).toBe(4);
    expect(st.write('\r')).toBe('next\r');
    expect(st.held).toBe(0);
    expect(st.end()).toBe('');
  });

  test('hold-back: the tail that may start a multi-line secret, and no more', () => {
    const secret = `${randomSecret(10)}\n${randomSecret(10)}`;
    const r = redactor(secret);
    const st = r.stream() as ReturnType<typeof createStream>;
    const [first] = secret.split('\n') as [string];
    // the first line of the secret is itself registered (a line form): the line is masked, but
    // the line break after it may still belong to the whole secret, so "\n" waits
    expect(st.write(`a\n${first}`)).toBe('a\n');
    expect(st.write('\n')).toBe('');
    expect(st.held).toBe(first.length + 1);
    expect(st.write('other\n')).toBe(`${REDACTED}\nother\n`);
    expect(st.held).toBe(0);
    expect(st.write(`${secret}\n`)).toBe(`${REDACTED}\n`);
    // a line that cannot continue the secret after its line break: only itself is held
    expect(st.write(`x\n${first}\nnot the rest`)).toBe(`x\n${REDACTED}\n`);
    expect(st.held).toBe('not the rest'.length);
    expect(st.end()).toBe('not the rest');
  });

  test('a private key block across chunks comes out as one mask', () => {
    const r = new Redactor();
    const { text, body } = pemKey('OPENSSH', 12);
    const log = `start\n${text}\nafter the key\n`;
    for (const size of [1, 5, 64, 1000]) {
      const chunks: string[] = [];
      for (let i = 0; i < log.length; i += size) chunks.push(log.slice(i, i + size));
      const out = streamAll(r, chunks);
      expect(out).toBe(`start\n${REDACTED}\nafter the key\n`);
      for (const line of body) expect(out).not.toContain(line);
    }
    // lines before the key are not held back while the block is open
    const st = r.stream();
    expect(st.write(`start\n${text.split('\n').slice(0, 3).join('\n')}\n`)).toBe('start\n');
    expect(st.end()).toBe(REDACTED);
  });

  test('an open key block longer than the compaction threshold is not kept in memory', () => {
    const r = new Redactor();
    const st = createStream(r, REDACTED, { compactAt: 1000 });
    const { text } = pemKey('RSA', 200);
    const lines = text.split('\n');
    let out = st.write('before\n');
    let maxHeld = 0;
    for (const l of lines) {
      out += st.write(l + '\n');
      maxHeld = Math.max(maxHeld, st.held);
    }
    out += st.write('after\n') + st.end();
    expect(out).toBe(`before\n${REDACTED}\nafter\n`);
    expect(maxHeld).toBeLessThan(1000 + 200);
  });

  test('a very long line is cut (bounded memory) and registered secrets across the cut are still masked', () => {
    const s = randomSecret(40);
    const r = redactor(s);
    const st = createStream(r, REDACTED, { maxLine: 4096 });
    const filler = (n: number) => randomChars(DIGITS + ' ', n);
    const text = filler(3000) + s + filler(10000) + s + filler(5000) + '\n';
    let out = '';
    let maxHeld = 0;
    for (let i = 0; i < text.length; i += 97) {
      out += st.write(text.slice(i, i + 97));
      maxHeld = Math.max(maxHeld, st.held);
    }
    out += st.end();
    expect(out).toBe(r.redact(text));
    expect(maxHeld).toBeLessThan(4096 + 2 * 1024);
  });

  test('a secret registered while a stream holds text is masked in that text', () => {
    const r = new Redactor();
    const st = r.stream();
    const s = randomSecret(16);
    expect(st.write(`pending ${s}`)).toBe('');
    r.register(s);
    expect(st.write(' end\n')).toBe(`pending ${REDACTED} end\n`);
    const t = randomSecret(16);
    expect(st.write(`last ${t}`)).toBe('');
    r.register(t);
    expect(st.end()).toBe(`last ${REDACTED}`);
  });

  test('end() flushes, and the stream can be used again', () => {
    const s = randomSecret(16);
    const r = redactor(s);
    const st = r.stream();
    expect(st.write(`no newline ${s}`)).toBe('');
    expect(st.end()).toBe(`no newline ${REDACTED}`);
    expect(st.end()).toBe('');
    expect(st.write(`again ${s}\n`)).toBe(`again ${REDACTED}\n`);
  });

  test('patterns split across chunks', () => {
    const r = new Redactor();
    const t = tokens.github();
    const text = `${KEY.password}=${randomSecret(12)} and ${t} and ${dsn('postgres', 'u', randomSecret(12))}\n`;
    for (let i = 1; i < text.length; i++) expect(streamAll(r, cutAt(text, [i]))).toBe(r.redact(text));
  });
});

describe('matcher: anchors of the caller, bytes scanned in place', () => {
  const collect = (m: Matcher, text: string, latin1?: Uint8Array) => {
    const out: string[] = [];
    m.scan(
      text,
      0,
      text.length,
      { literal: (s, e) => out.push(`L${s}-${e}`), trigger: (p, fam) => out.push(`T${p}:${fam}`) },
      latin1,
    );
    return out.sort();
  };
  const FAM = 1 << 24;
  const TOKEN: ByteClass = [...new Set([...(ALNUM + '_-')].map((c) => c.charCodeAt(0) | 0x20))];
  const own: Anchor[] = [
    { text: 'zq' + 'x.', ci: false, fam: FAM, before: [ANY], after: [TOKEN, TOKEN] },
    { text: 'qz' + 'w_tok', ci: false, fam: FAM, before: [ANY], after: [TOKEN] },
  ];

  test('an own anchor is reported at every alignment, with the built-in ones and the registered forms', () => {
    const m = new Matcher({ anchors: own });
    const form = randomSecret(24);
    m.add(form);
    for (let pad = 0; pad < 8; pad++) {
      const lead = ' '.repeat(pad);
      const text = `${lead}${'zq'}x.${randomChars(ALNUM, 20)} ${'qz'}w_tok${randomChars(ALNUM, 9)} password: ${form} db=postgres://u:${randomChars(ALNUM, 12)}@h a@b ${'S'}G.x\n`;
      const got = collect(m, text);
      expect(got).toContain(`T${pad}:${FAM}`);
      expect(got).toContain(`T${text.indexOf('qzw_tok')}:${FAM}`);
      expect(got).toContain(`L${text.indexOf(form)}-${text.indexOf(form) + form.length}`);
      expect(got.some((g) => g.startsWith(`T${text.indexOf('password')}:`))).toBe(true);
      expect(got.some((g) => g.startsWith(`T${text.indexOf('@h')}:`))).toBe(true);
      expect(got.some((g) => g.startsWith(`T${text.indexOf('a@b') + 1}:`))).toBe(false);
      // the same text through its Latin-1 bytes (4-byte aligned): the same reports
      const bytes = Buffer.allocUnsafeSlow(text.length + 8).subarray(0, text.length);
      bytes.write(text, 'latin1');
      expect(collect(m, text, bytes)).toEqual(got);
      // bytes only (no string), aligned and not: the same reports
      const only = (b: Uint8Array) => {
        const out: string[] = [];
        m.scanLatin1(b, { literal: (s, e) => out.push(`L${s}-${e}`), trigger: (q, fam) => out.push(`T${q}:${fam}`) });
        return out.sort();
      };
      expect(only(bytes)).toEqual(got);
      const odd = Buffer.allocUnsafeSlow(text.length + 9).subarray(1, text.length + 1);
      odd.write(text, 'latin1');
      expect(only(odd)).toEqual(got);
    }
    // an own anchor is the caller's only: a matcher without it does not report it
    expect(collect(new Matcher(), 'zqx.abcdefgh').some((g) => g.endsWith(`:${FAM}`))).toBe(false);
  });

  test('the native triggers (`@` after `://`, `SG.`) in bytes are those of the text, at its edges too', () => {
    const m = new Matcher();
    const sg = 'S' + 'G.';
    const cases = [
      sg,
      `${sg}abc`,
      `abc${sg}`,
      'SG',
      'G.',
      `G.${sg}`,
      `S${sg}G.`,
      `SGG.${sg}S`,
      `x${sg}y${sg}`,
      'a://u:p@h',
      '@a://u:p@',
      `${sg}@://x:y@`,
    ];
    for (const text of cases) {
      const bytes = Buffer.allocUnsafeSlow(text.length + 8).subarray(0, text.length);
      bytes.write(text, 'latin1');
      const out: string[] = [];
      m.scanLatin1(bytes, { literal: (s, e) => out.push(`L${s}-${e}`), trigger: (q, fam) => out.push(`T${q}:${fam}`) });
      expect([text, out.sort()]).toEqual([text, collect(m, text)]);
    }
  });

  test('filters that grow with many forms still hold the built-in and own anchors', () => {
    const m = new Matcher({ anchors: own });
    const forms = Array.from({ length: 3000 }, () => randomSecret(16));
    for (const f of forms) m.add(f);
    const text = `token = "x" zqx.${randomChars(ALNUM, 12)} ${forms[1234]}`;
    const got = collect(m, text);
    expect(got).toContain(`T${text.indexOf('zqx.')}:${FAM}`);
    expect(got.some((g) => g.startsWith(`T${text.indexOf('token')}:`))).toBe(true);
    expect(got).toContain(`L${text.indexOf(forms[1234] as string)}-${text.indexOf(forms[1234] as string) + 16}`);
  });
});
