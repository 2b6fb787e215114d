/**
 * Property-based tests of the redaction library (fast-check). Random secrets of every shape
 * (ASCII, full Unicode, base64-ish, hex-ish, with line breaks and quotes), put into random text in
 * every derived form or inside a larger encoded buffer, fed through stream() split at random
 * points:
 *  - no derived form of any registered secret survives, streamed or not;
 *  - the stream's output equals redact() of the whole text;
 *  - the stream holds back the incomplete line when no registered form spans lines, and more
 *    only while the end of the text may begin a wrapped encoding;
 *  - redact() is idempotent, also over text full of pattern fragments;
 *  - text holding no secret and nothing pattern-like is returned unchanged.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Redactor, derivedForms } from '../lib/redaction/redactor.js';
import type { LineStream } from '../lib/redaction/stream.js';
import { isWrappable } from '../lib/redaction/wrapped.js';
import { projectLine } from '../lib/redaction/dumps.js';
import { cutAt, dsn, pemKey, tokens } from './redaction/fixtures.js';

const RUNS = 2000;
const chars = (s: string) => fc.constantFrom(...s.split(''));

/** Secrets: 6..80 code units (6+ once trimmed), several alphabets; never containing '*' (the mask's character). */
const secretArb = fc
  .oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 6, maxLength: 80 }),
    fc.string({ unit: 'grapheme', minLength: 6, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 6, maxLength: 40 }),
    fc.string({
      unit: chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='),
      minLength: 6,
      maxLength: 80,
    }),
    fc.string({ unit: chars('0123456789abcdefABCDEF'), minLength: 6, maxLength: 80 }),
    fc.string({
      unit: fc.oneof(
        chars('abcXYZ019 \t\n\r"\\/+%&=:@\'<>{}'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      minLength: 6,
      maxLength: 60,
    }),
  )
  .map((s) => s.slice(0, 80))
  .filter((s) => s.trim().length >= 6 && !s.includes('*'));

/** Surrounding text: log-like words, random Unicode, line breaks. */
const textArb = fc
  .array(
    fc.oneof(
      {
        arbitrary: fc.constantFrom(
          'INFO',
          'GET /api/v1/users',
          '200',
          'deploy',
          'ok',
          ' ',
          ' ',
          '\n',
          '\r\n',
          '\t',
          '"',
          '{',
          '}',
          ',',
          '=',
          ':',
          '/',
        ),
        weight: 6,
      },
      { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 3 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 1 },
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** Pattern fragments (assembled at run time), to mix into texts. */
const fragmentArb = fc.constantFrom(
  () => tokens.github(),
  () => tokens.awsKeyId(),
  () => tokens.jwt(),
  () => tokens.slack(),
  () => tokens.sendgrid(),
  () => dsn('postgres', 'app', 'pw' + Math.random().toString(36).slice(2)),
  () => dsn('redis', '', ''),
  () => `Authorization: Bearer ${Math.random().toString(36).slice(2)}xY9`,
  () => `${['pass', 'word'].join('')}=`,
  () => `"${['to', 'ken'].join('')}": "`,
  () => `${['sec', 'ret'].join('')}: `,
  () => '--' + ['to', 'ken'].join('') + ' ',
  () => pemKey('RSA', 2).text,
  () => pemKey('EC', 2).text.split('\n')[0] as string,
  () => '-----END RSA ' + 'PRIVATE KEY-----',
  () => '${DB_PASSWORD}',
  () => '***',
  () => '@',
  () => 'ghp_',
);

/** How a secret appears in the text: one of its derived forms, or inside a larger encoding. */
const placementArb = fc.record({
  kind: fc.constantFrom('form', 'base64', 'base64url', 'hex', 'HEX', 'json', 'uri', 'query'),
  index: fc.nat(),
  pre: fc.uint8Array({ maxLength: 4 }),
  post: fc.uint8Array({ maxLength: 4 }),
});

function place(secret: string, p: { kind: string; index: number; pre: Uint8Array; post: Uint8Array }): string {
  const bytes = () => Buffer.concat([p.pre, Buffer.from(secret), p.post]);
  switch (p.kind) {
    case 'base64':
      return bytes().toString('base64');
    case 'base64url':
      return bytes().toString('base64url');
    case 'hex':
      return bytes().toString('hex');
    case 'HEX':
      return bytes().toString('hex').toUpperCase();
    case 'json':
      return JSON.stringify({ value: `x${secret}y` });
    case 'uri':
      return `https://example.com/cb?state=${encodeURIComponentSafe(secret)}&x=1`;
    case 'query':
      return new URLSearchParams({ q: secret }).toString();
    default: {
      const forms = derivedForms(secret);
      return (forms[p.index % forms.length] as [string, string])[1];
    }
  }
}

function encodeURIComponentSafe(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
}

function streamThrough(r: Redactor, chunks: string[]): string {
  const s = r.stream();
  return chunks.map((c) => s.write(c)).join('') + s.end();
}

const cutsArb = fc.array(fc.nat({ max: 400 }), { maxLength: 8 });

describe('redaction properties', () => {
  test('no form of a registered secret survives, and stream() equals redact()', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(textArb, placementArb), { minLength: 1, maxLength: 3 }),
        textArb,
        cutsArb,
        (secrets, pieces, tail, cuts) => {
          const r = new Redactor();
          for (const s of secrets) r.register(s);
          const text =
            pieces.map(([before, p], i) => before + place(secrets[i % secrets.length] as string, p)).join('') + tail;
          const batch = r.redact(text);
          for (const s of secrets)
            for (const [, f] of derivedForms(s))
              if (batch.includes(f)) throw new Error(`form ${JSON.stringify(f)} survived`);
          expect(streamThrough(r, cutAt(text, cuts))).toBe(batch);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('one character at a time, and every two-way split of a short text', () => {
    fc.assert(
      fc.property(secretArb, textArb, placementArb, textArb, (secret, before, p, after) => {
        const r = new Redactor();
        r.register(secret);
        const text = before + place(secret, p) + after;
        const batch = r.redact(text);
        expect(streamThrough(r, text.split(''))).toBe(batch);
        for (let i = 1; i < Math.min(text.length, 60); i++)
          expect(streamThrough(r, [text.slice(0, i), text.slice(i)])).toBe(batch);
      }),
      { numRuns: 200 },
    );
  });

  test('the stream holds back the incomplete line, and more only while a wrapped form may be in progress', () => {
    fc.assert(
      fc.property(
        fc.array(
          secretArb.filter((s) => !/[\r\n]/.test(s)),
          { minLength: 1, maxLength: 3 },
        ),
        fc.array(
          fc.oneof(
            textArb,
            fragmentArb.map((f) => f()).filter((f) => !f.includes('PRIVATE')),
          ),
          { maxLength: 8 },
        ),
        cutsArb,
        (secrets, parts, cuts) => {
          const r = new Redactor();
          for (const s of secrets) r.register(s);
          const text = parts.join('') + secrets.join('\n');
          const s = r.stream() as LineStream;
          let written = '';
          let out = '';
          for (const chunk of cutAt(text, cuts)) {
            out += s.write(chunk);
            written += chunk;
            const incomplete = written.length - Math.max(written.lastIndexOf('\n'), written.lastIndexOf('\r')) - 1;
            if (s.held !== incomplete) {
              // whole completed lines held back: their end (blanks ignored) begins a wrappable form
              expect(s.held).toBeGreaterThan(incomplete);
              // (the form may have begun in the last 3 characters already printed: WRAP_MIN_HEAD)
              const nonBlank = (x: string) => [...x].filter((ch) => ch.charCodeAt(0) > 32).join('');
              const tail =
                nonBlank(written.slice(0, written.length - s.held)).slice(-3) +
                nonBlank(written.slice(written.length - s.held));
              const forms = secrets
                .flatMap((x) => derivedForms(x))
                .filter(([e, f]) => isWrappable(f, e))
                .map(([, f]) => f);
              const wrappedInProgress = Array.from({ length: tail.length }, (_, i) => tail.slice(i)).some((t) =>
                forms.some((f) => f.length > t.length && f.startsWith(t)),
              );
              // or a hex dump (dumps.ts) whose bytes, in either order, end with the beginning of a form
              const heldLines = written
                .slice(written.length - s.held, written.length - incomplete)
                .split(/\r?\n/)
                .slice(0, -1);
              const projected = heldLines.map((l) => projectLine(l));
              const latin = (xs: number[]) => String.fromCharCode(...xs);
              const views = projected.every((x) => x !== null)
                ? [latin(projected.flatMap((x) => x?.bytes ?? [])), latin(projected.flatMap((x) => x?.swapped ?? []))]
                : [];
              const byteForms = secrets
                .flatMap((x) => derivedForms(x))
                .map(([, f]) => Buffer.from(f, 'utf8').toString('latin1'));
              const dumpInProgress = views.some((v) =>
                Array.from({ length: v.length }, (_, i) => v.slice(i)).some((t) =>
                  byteForms.some((f) => f.startsWith(t)),
                ),
              );
              expect(wrappedInProgress || dumpInProgress).toBe(true);
            }
          }
          expect(out + s.end()).toBe(r.redact(text));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('redact() is idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { maxLength: 3 }),
        fc.array(
          fc.oneof(
            textArb,
            fragmentArb.map((f) => f()),
            secretArb,
          ),
          { maxLength: 10 },
        ),
        (secrets, parts) => {
          const r = new Redactor();
          for (const s of secrets) r.register(s);
          const once = r.redact(parts.join(''));
          expect(r.redact(once)).toBe(once);
          expect(r.containsSecret(once)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('text without secrets or pattern-like content passes unchanged', () => {
    // letters a-f only: no secret keyword, provider prefix, PEM marker or JWT; no '@': no DSN
    const safeText = fc.string({
      unit: fc.oneof(chars('abcdef0123456789 \t\n\r,.;!?()[]{}#%^&+-/\\|~<>="\':_'), chars('éü漢字🙂')),
      maxLength: 300,
    });
    fc.assert(
      fc.property(fc.array(secretArb, { maxLength: 3 }), safeText, cutsArb, (secrets, text, cuts) => {
        const r = new Redactor();
        for (const s of secrets) r.register(s);
        fc.pre(!secrets.some((s) => derivedForms(s).some(([, f]) => text.includes(f))));
        expect(r.redact(text)).toBe(text);
        expect(r.containsSecret(text)).toBe(false);
        expect(streamThrough(r, cutAt(text, cuts))).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  test('many registered secrets: each one is found among the others', () => {
    fc.assert(
      fc.property(fc.array(secretArb, { minLength: 20, maxLength: 60 }), fc.nat(), textArb, (secrets, pick, around) => {
        const r = new Redactor();
        for (const s of secrets) r.register(s);
        const s = secrets[pick % secrets.length] as string;
        const text = `${around}${s}${around}`;
        expect(r.redact(text).includes(s)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
