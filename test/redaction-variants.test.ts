/**
 * Encoder variants of a registered secret that other languages' libraries print (PHP's `\/`,
 * Go's `\u003c`, .NET's `\u002B` and upper-case `\u00E4`, JSON inside JSON, lower-case percent
 * escapes, Python's `quote`), found by an independent tester as leaks; and redactDeep failing
 * closed on cycles and on values nested deeper than its limit. Secrets are generated (seeded).
 */
import { describe, expect, test } from '@jest/globals';
import { REDACTED, Redactor, derivedForms } from '../lib/redaction/redactor.js';
import { ALNUM, prng, randomChars, randomSecret, tokens } from './redaction/fixtures.js';

const rnd = prng(0x2f5a17c3);
/** A random credential-looking piece of n characters (letters and digits only). */
const part = (n: number) => randomSecret(n, rnd);

function redactor(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.register(s);
  return r;
}

/** The secret, registered, printed as `printed` in a few contexts: each is masked whole. */
function expectMasked(secret: string, printed: string): void {
  expect(printed).not.toBe(secret);
  const r = redactor(secret);
  for (const [before, after] of [
    ['', ''],
    ['value: ', ' end'],
    ['{"data":"', '","n":1}'],
    ['https://example.com/cb?state=', '&page=2'],
  ]) {
    expect(r.redact(`${before}${printed}${after}`)).toBe(`${before}${REDACTED}${after}`);
  }
}

describe('JSON escape variants', () => {
  test('PHP json_encode: `/` as `\\/`, non-ASCII as lower-case \\uXXXX', () => {
    const [a, b, c] = [part(13), part(7), part(20)];
    expectMasked(`${a}/${b}/${c}`, `${a}\\/${b}\\/${c}`);
    // JSON_UNESCAPED_UNICODE keeps the ä, still escapes the slash
    expectMasked(`${a}/ä${b}`, `${a}\\/\\u00e4${b}`);
    expectMasked(`${a}/ä${b}`, `${a}\\/ä${b}`);
  });

  test('Go encoding/json: `<`, `>`, `&` as \\u003c, \\u003e, \\u0026 (non-ASCII kept)', () => {
    const [a, b, c, d] = [part(10), part(6), part(6), part(6)];
    expectMasked(`${a}<${b}>${c}&${d}`, `${a}\\u003c${b}\\u003e${c}\\u0026${d}`);
    expectMasked(`${a}<é${b}`, `${a}\\u003cé${b}`);
    // Gson also escapes `=` and `'`
    expectMasked(`${a}=${b}'${c}<${d}`, `${a}\\u003d${b}\\u0027${c}\\u003c${d}`);
  });

  test('.NET / Java: `+` as \\u002B, upper-case hex for non-ASCII', () => {
    const [a, b, c] = [part(10), part(8), part(6)];
    // System.Text.Json's default encoder
    expectMasked(`${a}+${b}ä${c}`, `${a}\\u002B${b}\\u00E4${c}`);
    expectMasked(`${a}<${b}"${c}`, `${a}\\u003C${b}\\u0022${c}`);
    // Jackson ESCAPE_NON_ASCII: upper-case hex, `+` as it is
    expectMasked(`${a}+${b}ä${c}`, `${a}+${b}\\u00E4${c}`);
  });

  test('JSON inside JSON: the escaped form escaped again', () => {
    const [a, b, c] = [part(8), part(6), part(6)];
    const s = `${a}"${b}\\${c}`;
    // JSON.stringify(JSON.stringify(s)) without the quotes: `"` → `\\\"`, `\` → `\\\\`
    expectMasked(s, `${a}\\\\\\"${b}\\\\\\\\${c}`);
    const r = redactor(s);
    const doc = JSON.stringify({ body: JSON.stringify({ v: s }) });
    expect(r.redact(doc)).toBe(JSON.stringify({ body: JSON.stringify({ v: REDACTED }) }));
    // Python json.dumps(json.dumps(s)) with a non-ASCII character: `\\u00e4`
    const u = `${a}ä${b}`;
    expectMasked(u, `${a}\\\\u00e4${b}`);
  });

  test('the plain JSON forms still work (regression)', () => {
    const [a, b] = [part(8), part(8)];
    expectMasked(`${a}"${b}`, `${a}\\"${b}`);
    expectMasked(`${a}ä${b}`, `${a}\\u00e4${b}`);
  });
});

describe('URL-encoding variants', () => {
  test('lower-case percent escapes', () => {
    const [a, b] = [part(10), part(10)];
    expectMasked(`${a}?>${b}`, `${a}%3f%3e${b}`);
    expectMasked(`${a}?>${b}`, `${a}%3F%3E${b}`);
    expectMasked(`${a}/ä${b}`, `${a}%2f%c3%a4${b}`);
  });

  test('Python urllib.parse.quote: `/` and `~` left as they are, `+` and `!` encoded', () => {
    const [a, b, c] = [part(13), part(7), part(20)];
    expectMasked(`${a}/${b}/${c}+x`, `${a}/${b}/${c}%2Bx`);
    expectMasked(`${a}/${b}/${c}+x`, `${a}/${b}/${c}%2bx`);
    const [d, e, f] = [part(8), part(6), part(6)];
    expectMasked(`${d}!${e}~${f}`, `${d}%21${e}~${f}`);
    expectMasked(`${d}*${e}(${f})`, `${d}%2A${e}%28${f}%29`);
  });

  test('quote(safe=""), quote_plus, curl --data-urlencode, Go QueryEscape: `/` encoded too', () => {
    const [a, b, c] = [part(8), part(6), part(6)];
    expectMasked(`${a}!${b}/${c}~`, `${a}%21${b}%2F${c}~`);
    expectMasked(`${a}!${b}/${c}~`, `${a}%21${b}%2f${c}~`);
    // quote_plus / QueryEscape: space as `+`
    expectMasked(`${a} ${b}/${c}~'`, `${a}+${b}%2F${c}~%27`);
  });

  test("JavaScript encodeURIComponent leaves `!'()*~`; form encoding uses `+` for space", () => {
    const [a, b, c] = [part(8), part(6), part(6)];
    expectMasked(`${a}!(${b})*~/${c}`, `${a}!(${b})*~%2F${c}`);
    expectMasked(`${a} ${b}!${c}`, `${a}+${b}%21${c}`);
    expectMasked(`${a} ${b}!${c}`, `${a}+${b}!${c}`);
    expectMasked(`${a} ${b}/${c}`, `${a}%20${b}%2F${c}`);
  });
});

describe('no over-masking', () => {
  test('ordinary text with slashes, escapes and percent-encoding is unchanged without secrets', () => {
    const text = [
      'GET /api/v1/items?path=%2Fvar%2Flog&q=a%20b+c HTTP/1.1',
      '{"html":"\\u003cb\\u003ebold\\u003c\\/b\\u003e \\u0026 more","url":"https:\\/\\/example.com\\/x"}',
      'Price: 5 \\u002B 3 \\u00E4 \\u00e4, %3f%3e and %3F%3E, quote("a/b") -> a/b, 100% done.',
      '"{\\"nested\\":\\"json \\\\ text\\"}"',
    ].join('\n');
    expect(new Redactor().redact(text)).toBe(text);
    // nor with unrelated secrets registered
    const r = redactor(`${part(10)}/${part(10)}+`, `${part(8)}<${part(8)}ä`, `${part(8)}"${part(8)}\\`);
    expect(r.redact(text)).toBe(text);
  });

  test('secrets without the special characters get no extra forms; the count stays bounded', () => {
    const plain = randomChars(ALNUM, 32, rnd);
    const forms = derivedForms(plain);
    expect(forms.filter(([e]) => e === 'url' || e === 'json')).toEqual([]);
    expect(forms.every(([e, f]) => f !== plain || e === 'raw')).toBe(true);
    // (no surrounding whitespace: the trimmed value would get forms of its own)
    const nasty = `${part(8)}/+<>&"\\!~*'()= ?ä€😀\u2028\u007f\n${part(8)}`;
    const many = derivedForms(nasty);
    expect(new Set(many.map(([, f]) => f)).size).toBe(many.length);
    expect(many.filter(([e]) => e === 'url').length).toBeLessThanOrEqual(12);
    expect(many.filter(([e]) => e === 'json').length).toBeLessThanOrEqual(20);
  });
});

describe('redactDeep fails closed', () => {
  function nest(inner: unknown, levels: number, array = false): unknown {
    let o = inner;
    for (let i = 0; i < levels; i++) o = array ? [o] : { n: o };
    return o;
  }

  test('a registered secret nested 70 levels deep does not survive', () => {
    const s = part(20);
    const r = redactor(s);
    for (const array of [false, true]) {
      const out = r.redactDeep(nest({ t: s }, 70, array));
      const json = JSON.stringify(out);
      expect(json).not.toContain(s);
      expect(json).toContain('[nested too deep]');
    }
    // a pattern-detected token (nothing registered) too
    const gh = tokens.github();
    expect(JSON.stringify(new Redactor().redactDeep(nest({ t: gh }, 100)))).not.toContain(gh);
  });

  test('values within the limit are kept whole', () => {
    const s = part(20);
    const r = redactor(s);
    const out = r.redactDeep(nest({ t: s, k: 'kept' }, 40));
    expect(out).toEqual(nest({ t: REDACTED, k: 'kept' }, 40));
  });

  test('a cycle becomes "[circular]", with the rest redacted', () => {
    const s = part(20);
    const r = redactor(s);
    const a: Record<string, unknown> = { s, list: [] as unknown[] };
    a.self = a;
    (a.list as unknown[]).push(a, s);
    a.m = new Map<string, unknown>([['back', a]]);
    const e = new Error(`failed ${s}`) as Error & { cause?: unknown };
    e.cause = e;
    a.e = e;
    const out = r.redactDeep(a) as Record<string, unknown>;
    expect(out.s).toBe(REDACTED);
    expect(out.self).toBe('[circular]');
    expect(out.list).toEqual(['[circular]', REDACTED]);
    expect((out.m as Map<string, unknown>).get('back')).toBe('[circular]');
    const oe = out.e as Error & { cause?: unknown };
    expect(oe).toBeInstanceOf(Error);
    expect(oe.message).toBe(`failed ${REDACTED}`);
    expect(oe.cause).toBe('[circular]');
    expect(JSON.stringify(out, (_k, v: unknown) => (v instanceof Map ? [...v] : v))).not.toContain(s);
  });

  test('an object referenced twice (not a cycle) is redacted at both places', () => {
    const s = part(20);
    const r = redactor(s);
    const shared = { s };
    const out = r.redactDeep({ a: shared, b: [shared, shared] });
    expect(out).toEqual({ a: { s: REDACTED }, b: [{ s: REDACTED }, { s: REDACTED }] });
  });

  test('binary data and Dates are still returned as they are', () => {
    const r = redactor(part(20));
    const buf = Buffer.from('abc');
    const when = new Date(0);
    const out = r.redactDeep({ buf, when });
    expect(out.buf).toBe(buf);
    expect(out.when).toBe(when);
  });
});

describe('encodings around the secret: base64 in a URL, PowerShell -EncodedCommand, a key with other line ends', () => {
  /** No piece of 12 characters of `encoded` (the secret's encoding) is left in `out`. */
  const noPiece = (out: string, encoded: string) => {
    for (let i = 0; i + 12 <= encoded.length; i++)
      expect([i, out.includes(encoded.slice(i, i + 12))]).toEqual([i, false]);
  };

  test('base64 with + / = percent-encoded (a query parameter, a cookie), either case', () => {
    let secret = part(30);
    // a secret whose base64 holds + or /
    while (!/[+/]/.test(Buffer.from(secret).toString('base64'))) secret = `${part(29)}?~`;
    const b64 = Buffer.from(secret).toString('base64');
    const r = redactor(secret);
    for (const enc of [
      encodeURIComponent(b64),
      encodeURIComponent(b64).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    ]) {
      const out = r.redact(`GET /cb?sig=${enc}&v=1`);
      expect(out).toBe(`GET /cb?sig=${REDACTED}&v=1`);
    }
  });

  test("PowerShell's -EncodedCommand (base64 of UTF-16LE) holding the secret at any offset", () => {
    const secret = part(24);
    const r = redactor(secret);
    for (let pad = 0; pad < 6; pad++) {
      const script = `${'#'.repeat(pad)}$env:DEPLOY_KEY = '${secret}'; ./deploy.ps1`;
      const encoded = Buffer.from(script, 'utf16le').toString('base64');
      const out = r.redact(`powershell -NoProfile -EncodedCommand ${encoded}`);
      noPiece(out, Buffer.from(`'${secret}'`, 'utf16le').toString('base64').slice(4, -4));
      expect(out).toContain(REDACTED);
    }
  });

  test('a multi-line key registered with LF, printed as base64 of its CRLF form (and the other way round), wrapped at 76', () => {
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      ...Array.from({ length: 6 }, () => part(70)),
      '-----END OPENSSH PRIVATE KEY-----',
      '',
    ].join('\n');
    for (const [registered, printed] of [
      [key, key.replace(/\n/g, '\r\n')],
      [key.replace(/\n/g, '\r\n'), key],
    ]) {
      const r = redactor(registered as string);
      const b64 = Buffer.from(printed as string).toString('base64');
      const wrapped = (b64.match(/.{1,76}/g) as string[]).join('\n');
      const out = r.redact(wrapped);
      noPiece(out.replace(/\n/g, ''), b64.slice(8, -8));
    }
  });
});
