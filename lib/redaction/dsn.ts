/**
 * Passwords in connection strings: `scheme://user:PASSWORD@host/...` for any scheme (postgres,
 * postgresql, mysql, redis, amqp, mongodb+srv, https...). Used both to register the parts of a
 * registered DSN (forms.ts) and to detect DSNs that were never registered (patterns.ts).
 */

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
/** Characters that end a URL inside free text. */
const URL_END = /[\s"'`<>]/;

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

/** End of the URL token that starts before `from` (first whitespace, quote or angle bracket). */
export function urlTokenEnd(text: string, from: number, limit = text.length): number {
  for (let i = from; i < limit; i++) if (URL_END.test(text[i] as string)) return i;
  return limit;
}

/**
 * The password of the URL whose `://` is at `sep`, as [start, end) in `text`, or null when the
 * URL has no password. `tokenEnd` bounds the URL. The userinfo ends at the last `@` of the
 * authority; a password with a raw `/`, `?` or `#` (not percent-encoded, as people write them)
 * is still found when the text between `:` and the first `/` is not a port number.
 */
export function dsnPasswordSpan(text: string, sep: number, tokenEnd: number): [number, number] | null {
  if (sep <= 0 || !SCHEME_CHAR.test(text[sep - 1] as string)) return null;
  const u = sep + 3;
  let authEnd = tokenEnd;
  for (let i = u; i < tokenEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      authEnd = i;
      break;
    }
  }
  const colon = text.indexOf(':', u);
  if (colon < 0 || colon >= authEnd) return null;
  let at = text.lastIndexOf('@', authEnd - 1);
  if (at < u) {
    // no '@' in the authority: "user:pa/ss@host" or a port followed by a path with an '@'
    at = text.indexOf('@', authEnd);
    if (at < 0 || at >= tokenEnd) return null;
    if (isDigits(text.slice(colon + 1, authEnd))) return null;
  }
  if (colon > at || colon + 1 >= at) return null;
  return [colon + 1, at];
}

/** Every `scheme://user:password@` in text: the URL token span and the password span. */
export function findDsns(
  text: string,
  from = 0,
  to = text.length,
): Array<{ url: [number, number]; password: [number, number] }> {
  const out: Array<{ url: [number, number]; password: [number, number] }> = [];
  let i = text.indexOf('://', from);
  while (i >= 0 && i < to) {
    const end = urlTokenEnd(text, i + 3, to);
    const pw = dsnPasswordSpan(text, i, end);
    if (pw) {
      let s = i;
      while (s > from && SCHEME_CHAR.test(text[s - 1] as string)) s--;
      out.push({ url: [s, end], password: pw });
    }
    i = text.indexOf('://', i + 3);
  }
  return out;
}
