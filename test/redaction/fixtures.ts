/**
 * Credential-shaped fixtures for the redaction tests, generated at test time from fragments: no
 * literal token, key or password-bearing URL appears in this repository (our own secret scanner
 * runs on it, and hosting providers reject pushes that hold such strings).
 */
import { xorshift32 } from '../harness/prng.mjs';

/** Deterministic PRNG (xorshift32, test/harness/prng.mjs) so failures reproduce. */
export function prng(seed = 0x9e3779b9): () => number {
  return xorshift32(seed);
}

const rnd = prng(20261123);

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;

/** n random characters from an alphabet. */
export function randomChars(alphabet: string, n: number, r: () => number = rnd): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

/** Random and mixed-case with digits: what real credentials look like. */
export function randomSecret(n = 24, r: () => number = rnd): string {
  return randomChars(UPPER, 2, r) + randomChars(LOWER, 2, r) + randomChars(DIGITS, 2, r) + randomChars(ALNUM, n - 6, r);
}

const j = (...parts: string[]) => parts.join('');

/** Provider tokens of each supported format. */
export const tokens = {
  github: (kind: 'p' | 'o' | 'u' | 's' | 'r' = 'p') => j('gh', kind, '_', randomSecret(36)),
  githubPat: () => j('github', '_pat_', randomChars(ALNUM, 22), '_', randomChars(ALNUM, 59)),
  awsKeyId: (prefix: 'AKIA' | 'ASIA' = 'AKIA') =>
    j(prefix.slice(0, 2), prefix.slice(2), randomChars(UPPER + '234567', 16)),
  slack: (c = 'b') =>
    j('xo', 'x', c, '-', randomChars(DIGITS, 12), '-', randomChars(DIGITS, 13), '-', randomChars(ALNUM, 24)),
  slackWebhookPath: () =>
    j('T', randomChars(UPPER + DIGITS, 10), '/B', randomChars(UPPER + DIGITS, 10), '/', randomChars(ALNUM, 24)),
  stripe: (p: 'sk' | 'rk' = 'sk') => j(p, '_li', 've_', randomSecret(24)),
  google: () => j('AI', 'za', randomChars(ALNUM + '_-', 35)),
  npm: () => j('np', 'm_', randomSecret(36)),
  openai: () => j('sk', '-proj-', randomChars(ALNUM + '_-', 40), 'T3Blb', 'kFJ', randomChars(ALNUM, 20)),
  openaiLegacy: () => j('sk', '-', randomChars(ALNUM, 20), 'T3Blb', 'kFJ', randomChars(ALNUM, 20)),
  gitlab: () => j('gl', 'pat-', randomChars(ALNUM + '_-', 20)),
  sendgrid: () => j('S', 'G.', randomChars(ALNUM + '_-', 22), '.', randomChars(ALNUM + '_-', 43)),
  jwt: () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return j(
      b64({ alg: 'HS256', typ: 'JWT' }),
      '.',
      b64({ sub: randomChars(DIGITS, 8), iat: 1795000000 }),
      '.',
      randomChars(ALNUM + '_-', 43),
    );
  },
};

/** `scheme://user:password@host/path` without the literal "://" in this file. */
export function dsn(scheme: string, user: string, password: string, rest = 'db.internal:5432/app'): string {
  return `${scheme}:/` + `/${user}:${password}@${rest}`;
}

/** A PEM private key block of the given type ('' for PKCS#8, 'RSA', 'EC', 'OPENSSH', 'ENCRYPTED'...). */
export function pemKey(type = 'RSA', lines = 8, eol = '\n'): { text: string; body: string[] } {
  const label = j(type ? `${type} ` : '', 'PRIVATE', ' KEY');
  const body = Array.from({ length: lines }, (_, i) => randomChars(ALNUM + '+/', i === lines - 1 ? 28 : 64));
  return { text: [j('-----BEG', 'IN ', label, '-----'), ...body, j('-----EN', 'D ', label, '-----')].join(eol), body };
}

/** Splits text at the given cut points (sorted, deduplicated). */
export function cutAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(text.length, c))))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out.filter((c) => c.length > 0);
}
