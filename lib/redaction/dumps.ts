/**
 * Dumps: tools that print bytes with other text between them. `xxd` (offset, grouped hex, and an
 * ASCII column that shows up to 16 raw bytes per line), `hexdump -C` (`|...|` column), `hexdump`
 * and `od -tx2`/`-tx4` (groups of little-endian words), `od -tx1` with offsets, `od -c`/`od -An -c`
 * (one character, escape or octal code per 4-column field), `xxd -i` (`0x2d, 0x2d, ...`), hex with
 * `:` separators (`openssl`). The whitespace-stripped view (wrapped.ts) cannot see through them:
 * offsets and ASCII columns sit between the pieces, and word groups swap the bytes.
 *
 * Each line is recognised by its shape and *projected* to the bytes it stands for; consecutive
 * dump lines form a block, and the block's bytes (as printed, and with the bytes of each group
 * reversed, for little-endian words) are searched for every registered form as bytes (raw values
 * as UTF-8, and their encodings: a dump of a file holding a secret's base64 is found too). A match
 * masks, on each line it covers, the hex digits (or fields) of its bytes *and* their characters in
 * the ASCII column: nothing of the secret can be read back from either.
 *
 * Streams: a completed dump line is held while the block's tail (its last bytes, in either order)
 * is the beginning of some form, from the line where that tail starts: a match in progress is
 * never emitted in part, and a stream's output stays equal to redact() of the whole text. Lines
 * count only once complete (a line break, or the end of the text for redact() and a stream's end).
 */
import { LiteralHits, Matcher } from './matcher.js';

/** Shortest form searched (MIN_SECRET_LENGTH). */
const MIN_FORM = 6;
/** Lines longer than this are not dump lines (xxd -c 256 prints about 900 characters). */
const MAX_DUMP_LINE = 4096;

/** The bytes of a run of dump lines and where each is printed. */
class Block {
  /** byte values */
  val: number[] = [];
  /** the printed hex digits (or od -c field) of each byte: [hs, he) */
  hs: number[] = [];
  he: number[] = [];
  /** position of its character in the ASCII column, -1 when none */
  asc: number[] = [];
  /** index of its line (into lineStart) */
  ln: number[] = [];
  /** its group (bytes printed as one number share one id) */
  grp: number[] = [];
  lineStart: number[] = [];
  /** per line: its offset's digits [start, end) in text, -1 when it has none */
  offStart: number[] = [];
  offEnd: number[] = [];
  /** `*` lines (repeats of the line before): the number of lines kept before each */
  reps: number[] = [];
  /** the offset-only line that ends a dump (od, hexdump): its digits, or -1 */
  endOffStart = -1;
  endOffEnd = -1;
  /** some group holds more than one byte (a little-endian reading exists) */
  wide = false;
  groups = 0;

  get length(): number {
    return this.val.length;
  }

  clear(): void {
    this.truncate(0);
    if (this.lineStart.length > 0) this.lineStart.length = this.offStart.length = this.offEnd.length = 0;
    if (this.reps.length > 0) this.reps.length = 0;
    this.endOffStart = this.endOffEnd = -1;
    this.wide = false;
    this.groups = 0;
  }

  /** Drops the bytes from n on (setting an array's length is slow: only when it changes). */
  truncate(n: number): void {
    if (this.val.length === n) return;
    this.val.length = this.hs.length = this.he.length = this.asc.length = this.ln.length = this.grp.length = n;
  }

  /** Adds a byte of the line being parsed (it gets index lineStart.length once kept). */
  push(v: number, hs: number, he: number, grp: number): void {
    this.val.push(v);
    this.hs.push(hs);
    this.he.push(he);
    this.asc.push(-1);
    this.ln.push(this.lineStart.length);
    this.grp.push(grp);
  }

  /** Keeps the line being parsed (its bytes were pushed), starting at ls. */
  keepLine(text: string, ls: number, le: number): void {
    this.lineStart.push(ls);
    const e = offsetEnd(text, ls, le);
    this.offStart.push(e < 0 ? -1 : ls);
    this.offEnd.push(e);
  }

  /** The permutation reading each group's bytes in reverse order (little-endian words). */
  swapped(): number[] {
    const n = this.val.length;
    const perm = new Array<number>(n);
    for (let i = 0; i < n;) {
      let j = i;
      while (j < n && this.grp[j] === this.grp[i]) j++;
      for (let k = 0; k < j - i; k++) perm[i + k] = j - 1 - k;
      i = j;
    }
    return perm;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** End of the run of hex digits starting at p. */
function hexRun(text: string, p: number, le: number): number {
  while (p < le && hexVal(text.charCodeAt(p)) >= 0) p++;
  return p;
}

const SP = 32;

/**
 * `xxd -i`: `  0x2d, 0x2d, 0x2d,` (and its `unsigned char x[] = {`, `};`, `unsigned int x_len = 9;`
 * lines, which neither add bytes nor end the block).
 */
function parseCArray(text: string, p: number, le: number, b: Block): number {
  let n = 0;
  while (p < le) {
    if (text.charCodeAt(p) !== 48 || (text.charCodeAt(p + 1) | 32) !== 120) return -1;
    const h = hexVal(text.charCodeAt(p + 2));
    const l = hexVal(text.charCodeAt(p + 3));
    if (h < 0 || l < 0 || p + 4 > le) return -1;
    b.push((h << 4) | l, p, p + 4, b.groups++);
    n++;
    p += 4;
    if (p < le && text.charCodeAt(p) === 44) p++;
    while (p < le && text.charCodeAt(p) === SP) p++;
  }
  return n > 0 ? 1 : -1;
}

/** `2d:2d:2d:42:` (openssl, indented or not; a trailing `:` when the value goes on). */
function parseColonHex(text: string, p: number, le: number, b: Block): number {
  let n = 0;
  while (p < le) {
    const h = hexVal(text.charCodeAt(p));
    const l = hexVal(text.charCodeAt(p + 1));
    if (h < 0 || l < 0 || p + 2 > le) return -1;
    b.push((h << 4) | l, p, p + 2, b.groups++);
    n++;
    p += 2;
    if (p < le && text.charCodeAt(p) === 58) p++;
    else break;
  }
  while (p < le && text.charCodeAt(p) === SP) p++;
  return p === le && n >= 2 ? 1 : -1;
}

const OD_ESCAPES: Record<string, number> = { '0': 0, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** `od -a`'s names of the control characters (by value), space and delete. */
const OD_NAMES = new Map<string, number>(
  [
    ...'nul soh stx etx eot enq ack bel bs ht nl vt ff cr so si'.split(' '),
    ...'dle dc1 dc2 dc3 dc4 nak syn etb can em sub esc fs gs rs us sp'.split(' '),
  ].map((n, i) => [n, i] as const),
);
OD_NAMES.set('del', 127);

/** End of the offset a dump line starts with (6 to 8 hex digits, then `:`, a space or the end); -1: none. */
function offsetEnd(text: string, ls: number, le: number): number {
  const q = hexRun(text, ls, le);
  if (q - ls < 6 || q - ls > 8) return -1;
  const c = text.charCodeAt(q);
  return q === le || c === 58 || c === SP ? q : -1;
}

/** Value of an offset's digits in `base`, -2 when a digit is not one of that base. */
function offsetValue(text: string, s: number, e: number, base: number): number {
  let v = 0;
  for (let p = s; p < e; p++) {
    const d = hexVal(text.charCodeAt(p));
    if (d < 0 || d >= base) return -2;
    v = v * base + d;
  }
  return v;
}

/** A 4-column `od -c`/`od -a` field: a character, an escape, an octal code or a name; -1 when none. */
function odCharField(text: string, f: number): number {
  const c2 = text.charCodeAt(f + 1);
  const c3 = text.charCodeAt(f + 2);
  const c4 = text.charCodeAt(f + 3);
  if (c2 === SP && c3 === SP && c4 >= 32 && c4 < 127) return c4;
  if (c2 === SP && c3 === 92) return OD_ESCAPES[String.fromCharCode(c4)] ?? -1;
  if (c2 >= 48 && c2 <= 51 && c3 >= 48 && c3 <= 55 && c4 >= 48 && c4 <= 55)
    return ((c2 - 48) << 6) | ((c3 - 48) << 3) | (c4 - 48);
  if (c3 >= 97 && c3 <= 122 && ((c4 >= 97 && c4 <= 122) || (c4 >= 49 && c4 <= 52)))
    return OD_NAMES.get(text.slice(c2 === SP ? f + 2 : f + 1, f + 4)) ?? -1;
  return -1;
}

/**
 * `od` fields of one width per line (od right-aligns every field of a type in the same width):
 * [width, bytes]. Octal and decimal, 1, 2 and 4 bytes: `-tu1` (4), `-td1` (5), `-tu2` (6),
 * `-to2` (od's default) and `-td2` (7), `-tu4` (11), `-to4` and `-td4` (12). `-to1`/`-b` (4, three
 * octal digits) is read as `od -c` (the same octal fields).
 */
const OD_WIDTHS: ReadonlyArray<readonly [number, number]> = [
  [4, 1],
  [5, 1],
  [6, 2],
  [7, 2],
  [11, 4],
  [12, 4],
];

/**
 * The value of the od field text[f, f + w) holding `bytes` bytes: spaces, then digits (octal when
 * they fill the field but its first column, the way od pads octal with zeros; else decimal,
 * possibly negative); -1 when the field is not one.
 */
function odNumberField(text: string, f: number, w: number, bytes: number): number {
  if (text.charCodeAt(f) !== SP) return -1;
  let p = f + 1;
  while (p < f + w && text.charCodeAt(p) === SP) p++;
  const neg = text.charCodeAt(p) === 45;
  if (neg) p++;
  const digits = f + w - p;
  if (digits < 1) return -1;
  const octal = !neg && digits === w - 1 && w !== 4 && w !== 5 && w !== 6 && w !== 11;
  // od pads decimal fields with spaces: a leading zero is hex (`hexdump`'s ` 0041`), not decimal
  if (!octal && digits > 1 && text.charCodeAt(p) === 48) return -1;
  let v = 0;
  for (let q = p; q < f + w; q++) {
    const d = text.charCodeAt(q) - 48;
    if (d < 0 || d > (octal ? 7 : 9)) return -1;
    v = v * (octal ? 8 : 10) + d;
  }
  const span = 2 ** (8 * bytes);
  if (neg) v = span - v;
  return v >= 0 && v < span ? v : -1;
}

/**
 * `od -tu1/-td1/-tu2/-td2/-to2/-tu4/-td4/-to4` (and od's default, `-to2`): an optional offset,
 * then fields of one width. Each field's bytes are pushed most significant first, as one group
 * (the swapped reading gives the little-endian order od read them in). Returns 1 or -1.
 */
function parseOdNumbers(text: string, ls: number, le: number, b: Block): number {
  const oe = offsetEnd(text, ls, le);
  const p = oe < 0 ? ls : oe;
  const rest = le - p;
  if (rest < 4 || text.charCodeAt(p) !== SP) return -1;
  const mark = b.length;
  const groups = b.groups;
  for (const [w, bytes] of OD_WIDTHS) {
    if (rest % w !== 0) continue;
    let f = p;
    for (; f < le; f += w) {
      const v = odNumberField(text, f, w, bytes);
      if (v < 0) break;
      let ds = f;
      while (text.charCodeAt(ds) === SP) ds++;
      const g = b.groups++;
      for (let k = bytes - 1; k >= 0; k--) b.push(Math.floor(v / 2 ** (8 * k)) & 255, ds, f + w, g);
    }
    if (f >= le) {
      if (bytes > 1) b.wide = true;
      return 1;
    }
    b.truncate(mark);
    b.groups = groups;
  }
  return -1;
}

/** `od -c`, `od -a`: optional offset, then 4-column fields: `   x`, `  \n`, ` 302`, `  nl`, and `    ` (a space). */
function parseOdChars(text: string, ls: number, le: number, b: Block): number {
  let p = ls;
  const q = hexRun(text, p, le);
  if (q > p) {
    if (q - p < 6 || text.charCodeAt(q) !== SP) return -1;
    p = q;
  }
  if (le - p < 8 || (le - p) % 4 !== 0) return -1;
  for (let f = p; f < le; f += 4) {
    const v = text.charCodeAt(f) === SP ? odCharField(text, f) : -1;
    if (v < 0) return -1;
    b.push(v, f, f + 4, b.groups++);
  }
  return 1;
}

/**
 * Offset + hex groups + ASCII column: `xxd` (`00000000: 2d2d 2d2d ...  -----BEGIN OPENS`, any -g,
 * -e, -u), `hexdump -C` (`|...|`), `od -tx1z` (`>...<`), `hexdump`, `od -tx1/-tx2/-tx4/-tx8` with
 * or without offsets, `xxd -p`/`basenc --base16` lines. Returns 1 (bytes), 0 (an offset alone: the
 * last line of od and hexdump) or -1.
 */
function parseHexLine(text: string, ls: number, le: number, b: Block): number {
  const start = hexLineStart(text, ls, le, b);
  if (start.done !== undefined) return start.done;
  const mark = b.length;
  const p = hexGroups(text, start.p, le, start.colon, b, mark);
  if (p < 0) return rollback(b, mark);
  if (b.length === mark) return start.colon ? 0 : rollback(b, mark);
  if (p < le && !asciiColumn(text, p, le, start.colon, b, mark)) return rollback(b, mark);
  return 1;
}

/**
 * Where a hex line's groups start (after its offset, when it has one) and whether the offset is
 * xxd's (`:`); or, in `done`, the result of a line settled here: -1, 0 (an offset alone), or a C
 * array or colon-separated line parsed whole.
 */
interface HexStart {
  p: number;
  colon: boolean;
  done?: number;
}

function hexLineStart(text: string, ls: number, le: number, b: Block): HexStart {
  let p = ls;
  while (p < le && text.charCodeAt(p) === SP) p++;
  if (p >= le) return { p, colon: false, done: -1 };
  const c0 = text.charCodeAt(p);
  if (c0 === 48 && (text.charCodeAt(p + 1) | 32) === 120) return { p, colon: false, done: parseCArray(text, p, le, b) };
  if (hexVal(c0) < 0) return { p, colon: false, done: -1 };
  const q = hexRun(text, p, le);
  const t0 = q - p;
  if (q < le && text.charCodeAt(q) === 58) {
    if (q + 1 < le && hexVal(text.charCodeAt(q + 1)) >= 0)
      return { p, colon: false, done: t0 === 2 ? parseColonHex(text, p, le, b) : -1 };
    // xxd's offset
    if (t0 < 4 || q + 1 >= le || text.charCodeAt(q + 1) !== SP) return { p, colon: false, done: -1 };
    return { p: q + 1, colon: true };
  }
  // one token alone: an offset line (od, hexdump), or xxd -p / base16 data
  if (q >= le) return t0 >= 6 && t0 <= 8 ? { p, colon: false, done: 0 } : { p, colon: false };
  if (text.charCodeAt(q) !== SP) return { p, colon: false, done: -1 };
  if (t0 >= 6) {
    // an offset when the next token is a group of another width (or a column follows directly)
    let r = q;
    while (r < le && text.charCodeAt(r) === SP) r++;
    const t1 = hexRun(text, r, le) - r;
    const c = text.charCodeAt(r);
    if ((t1 > 0 && t1 !== t0) || c === 124 || c === 62) return { p: q, colon: false };
  }
  return { p, colon: false };
}

/**
 * Reads the hex groups of a line from p into the block (the line's bytes start at `mark`): groups
 * of one even width, a shorter last one allowed. Returns where they end (the ASCII column or the
 * line's end), -1 when the line is not a dump line (the caller rolls back).
 */
function hexGroups(text: string, p: number, le: number, colon: boolean, b: Block, mark: number): number {
  let width = 0;
  let short = false;
  for (;;) {
    const s = p;
    while (p < le && text.charCodeAt(p) === SP) p++;
    if (p >= le) return p;
    const sp = p - s;
    const n = b.length - mark;
    if (n > 0 && sp === 0) return -1;
    if (colon && n > 0 && sp >= 2 && !shortLastGroup(text, p, le, width, n)) return p;
    const c = text.charCodeAt(p);
    if (c === 124 || c === 62) return p;
    const e = hexRun(text, p, le);
    if (e < le && text.charCodeAt(e) !== SP) return -1;
    const len = e - p;
    if (len === 0 || len & 1 || len > 64 || short) return -1;
    if (width === 0) width = len;
    else if (len > width) return -1;
    else if (len < width) short = true;
    const g = b.groups++;
    if (len > 2) b.wide = true;
    for (let k = 0; k < len; k += 2)
      b.push((hexVal(text.charCodeAt(p + k)) << 4) | hexVal(text.charCodeAt(p + k + 1)), p + k, p + k + 2, g);
    p = e;
  }
}

/**
 * The ASCII column at p (`|...|`, `>...<`, or xxd's after two blanks): where each of the line's
 * bytes (from `mark`) shows as a character. False when what follows the groups is not a column.
 */
function asciiColumn(text: string, p: number, le: number, colon: boolean, b: Block, mark: number): boolean {
  const n = b.length - mark;
  const c = text.charCodeAt(p);
  if (c === 124 || c === 62) {
    // `|...|`, `>...<`; a line cut short (a log viewer, `cut -c1-70`) loses the column's end and its
    // closing character: the column then runs to the line's end and shows the first bytes only
    const gs = p + 1;
    const ge = text.charCodeAt(le - 1) === (c === 124 ? 124 : 60) && le - 1 >= gs ? le - 1 : le;
    for (let i = 0; i < Math.min(n, ge - gs); i++) b.asc[mark + i] = gs + i;
    return true;
  }
  if (!colon) return false;
  // xxd: the column is the line's last n characters
  const xs = le - n;
  if (xs >= p) for (let i = 0; i < n; i++) b.asc[mark + i] = xs + i;
  return true;
}

/**
 * xxd -e prints a short last group right-aligned (`0a6d36` after several spaces): after the blanks
 * at p, a group shorter than `width` followed by blanks and exactly as many characters as the line
 * then holds bytes (its ASCII column) is a group, not the start of the column.
 */
function shortLastGroup(text: string, p: number, le: number, width: number, n: number): boolean {
  const e = hexRun(text, p, le);
  const len = e - p;
  if (len === 0 || len & 1 || len >= width) return false;
  let r = e;
  while (r < le && text.charCodeAt(r) === SP) r++;
  return r - e >= 2 && le - r === n + len / 2;
}

function rollback(b: Block, mark: number): number {
  b.truncate(mark);
  return -1;
}

/**
 * Whether a line may be a dump line at all, from its first characters (most log lines fail at
 * once: a timestamp's `-` comes after 4 digits): six hex digits (an offset, xxd -p data), two
 * and a `:` (colon hex), or blanks followed by `0x`, two hex digits, or a 1-character od field.
 */
function candidate(text: string, ls: number, le: number): boolean {
  if (le - ls < 2 || le - ls > MAX_DUMP_LINE) return false;
  const c = text.charCodeAt(ls);
  if (c === SP) return indentedCandidate(text, ls, le);
  if (hexVal(c) < 0 || hexVal(text.charCodeAt(ls + 1)) < 0) return false;
  const c2 = text.charCodeAt(ls + 2);
  if (c2 === 58) return true;
  // `2d 2d ...`: hex bytes without an offset (hexdump -C cut after its offset, hexdump -e formats)
  if (c2 === SP) return hexVal(text.charCodeAt(ls + 3)) >= 0 && hexVal(text.charCodeAt(ls + 4)) >= 0;
  const e = Math.min(le, ls + 6);
  for (let p = ls + 2; p < e; p++) if (hexVal(text.charCodeAt(p)) < 0) return false;
  return true;
}

/** candidate() of a line starting with a blank (kept apart: candidate() runs on every line). */
function indentedCandidate(text: string, ls: number, le: number): boolean {
  let p = ls + 1;
  while (p < le && text.charCodeAt(p) === SP) p++;
  if (p >= le) return false;
  const a = text.charCodeAt(p);
  const n = p + 1 < le ? text.charCodeAt(p + 1) : SP;
  // `0x2d`, `2d`, `   x   y` (od -c: a character, then a space), `  \n`, ` 302`, `  -61`, `  nl`
  return (
    (hexVal(a) >= 0 && (hexVal(n) >= 0 || (a === 48 && (n | 32) === 120))) ||
    n === SP ||
    a === 92 ||
    (a === 45 && n >= 48 && n <= 57) ||
    odNameStart(text, p - ls, p, le)
  );
}

/**
 * Whether an `od -a` line without offset starts at p after `lead` blanks: a name right-aligned in
 * the first 4-column field (`  nl`, ` nul`, ` dc1`), then a blank or the end. od -a prints a space
 * byte as `sp`, so its lines never start with a blank field (stack trace lines, `    at f`, do).
 */
function odNameStart(text: string, lead: number, p: number, le: number): boolean {
  const len = 4 - lead;
  if (len !== 2 && len !== 3) return false;
  for (let i = p; i < p + len; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (i > p && c >= 49 && c <= 52))) return false;
  }
  return p + len === le || text.charCodeAt(p + len) === SP;
}

/** xxd -i's lines around the bytes: `unsigned char x[] = {`, `};`, `unsigned int x_len = 9;`. */
function neutral(text: string, ls: number, le: number): boolean {
  const c = text.charCodeAt(ls);
  if (c !== 117 && c !== 125 && c !== SP) return false;
  const t = text.slice(ls, le).trim();
  return t.startsWith('unsigned char ') || t.startsWith('unsigned int ') || t === '};';
}

/** A `*` line: od and hexdump print it for lines repeating the line before (without `-v`). */
function isRepeatLine(text: string, ls: number, le: number): boolean {
  let p = ls;
  while (p < le && text.charCodeAt(p) === SP) p++;
  return p === le - 1 && text.charCodeAt(p) === 42;
}

/**
 * An offset, two blanks, then the bytes as characters (`hexdump -e '"%08_ax  " 16/1 "%_p" "\n"'`,
 * an ASCII column printed alone): each character is a byte (`.` stands for itself). Returns 1 or -1.
 */
function parseCharColumn(text: string, ls: number, le: number, b: Block): number {
  const oe = offsetEnd(text, ls, le);
  if (oe < 0 || text.charCodeAt(oe) !== SP || text.charCodeAt(oe + 1) !== SP || oe + 2 >= le) return -1;
  for (let p = oe + 2; p < le; p++) {
    const c = text.charCodeAt(p);
    if (c > 255) return -1;
    b.push(c, p, p + 1, b.groups++);
  }
  return 1;
}

/** Drops what a failed parser pushed (the line's bytes start at `mark`). */
function undo(b: Block, mark: number, groups: number, wide: boolean): void {
  b.truncate(mark);
  b.groups = groups;
  b.wide = wide;
}

/**
 * Parses text[ls, le) into the block: 1 dump line, 0 neutral (adds nothing, keeps the block: an
 * offset alone, a `*` line, xxd -i's declarations), -1 not a dump line. The parsers in order: od
 * -c/-a, od's octal and decimal fields (both only for lines whose fields start with a blank, after
 * an offset or not), hex, a character column (only after an offset). Called one by one, not from
 * a list: each call site stays monomorphic (this runs on every candidate line of every text).
 */
function parseLine(text: string, ls: number, le: number, b: Block): number {
  if (isRepeatLine(text, ls, le)) {
    if (b.length === 0) return -1;
    b.reps.push(b.lineStart.length);
    return 0;
  }
  if (!candidate(text, ls, le)) return neutral(text, ls, le) ? 0 : -1;
  const oe = offsetEnd(text, ls, le);
  const fields = text.charCodeAt(ls) === SP || (oe >= 0 && text.charCodeAt(oe) === SP);
  const mark = b.length;
  const groups = b.groups;
  const wide = b.wide;
  let r = fields ? parseOdChars(text, ls, le, b) : -1;
  if (r < 0 && fields) {
    undo(b, mark, groups, wide);
    r = parseOdNumbers(text, ls, le, b);
  }
  if (r < 0) {
    undo(b, mark, groups, wide);
    r = parseHexLine(text, ls, le, b);
  }
  if (r < 0 && oe >= 0) {
    undo(b, mark, groups, wide);
    r = parseCharColumn(text, ls, le, b);
  }
  if (r > 0 && b.length > mark) {
    b.keepLine(text, ls, le);
    return 1;
  }
  undo(b, mark, groups, wide);
  if (r !== 0) return -1;
  // an offset alone (the last line of od and hexdump): what a `*` before it stands for
  b.endOffEnd = oe;
  b.endOffStart = oe < 0 ? -1 : ls;
  return 0;
}

/**
 * The bytes one line of a dump stands for, as printed and with each group's bytes reversed (for
 * tests and diagnostics); null when the line is not a dump line.
 */
export function projectLine(line: string): { bytes: number[]; swapped: number[] } | null {
  const b = new Block();
  if (parseLine(line, 0, line.length, b) < 0) return null;
  return { bytes: [...b.val], swapped: b.swapped().map((i) => b.val[i] as number) };
}

/**
 * The first line of a dump often carries a prefix (`error: 00000000: 2d2d ...`, a log prefix, an
 * error message quoting the output, a JSON string): parses text[ls, le) from the first run of
 * 6-16 hex digits (then `:` or a space) that makes the rest a dump line; true when one does.
 */
function parsePrefixed(text: string, ls: number, le: number, b: Block): boolean {
  if (le - ls > 2 * MAX_DUMP_LINE) return false;
  for (let q = ls + 1; q < le - 8; q++) {
    if (hexVal(text.charCodeAt(q)) < 0 || hexVal(text.charCodeAt(q - 1)) >= 0) continue;
    const e = hexRun(text, q, le);
    const d = text.charCodeAt(e);
    if (e - q >= 6 && e - q <= 16 && (d === 58 || d === SP) && parseLine(text, q, le, b) > 0) return true;
    q = e;
  }
  return false;
}

/** Number of bytes of each line of the block. */
function lineBytes(b: Block): number[] {
  const n = new Array<number>(b.lineStart.length).fill(0);
  for (let i = 0; i < b.length; i++) n[b.ln[i] as number] = (n[b.ln[i] as number] as number) + 1;
  return n;
}

/**
 * Value of line `l`'s offset in `base` (the block's end offset for l = its number of lines); -1:
 * the line has none, -2: it is not a number in that base.
 */
function lineOffset(text: string, b: Block, l: number, base: number): number {
  const s = l < b.lineStart.length ? (b.offStart[l] as number) : b.endOffStart;
  const e = l < b.lineStart.length ? (b.offEnd[l] as number) : b.endOffEnd;
  return s < 0 ? -1 : offsetValue(text, s, e, base);
}

/**
 * Counts tried for a `*` line whose count is not printed (no offsets): 1 to this many lines (256
 * bytes of 16-byte lines repeated inside one form). Each count is a pass over the whole block.
 */
const MAX_GUESSED_REPEATS = 16;

/**
 * How many times each `*` line of the block repeats the line before it, one list per reading of
 * the offsets that fits (od prints them in octal, hexdump and od -Ax in hex, od -Ad in decimal; a
 * reading in which an offset is not a number, or gives no whole count, is dropped):
 * (offset after - offset before) / bytes per line - 1. Without offsets (od -An) the count is not
 * printed: every count from 1 to MAX_GUESSED_REPEATS (and `cap`), the same for each `*` line. A
 * count is at most `cap`, the lines that can hold part of one form (a repeat longer than any form
 * holds none whole, and its first and last `cap` lines are alike).
 */
function repeatCounts(text: string, b: Block, maxLength: number): number[][] {
  const bytes = lineBytes(b);
  const cap = (l: number) => Math.ceil(maxLength / Math.max(1, bytes[l] as number)) + 1;
  const lists = new Map<string, number[]>();
  for (const base of [8, 16, 10]) {
    const list: number[] = [];
    for (const r of b.reps) {
      const before = lineOffset(text, b, r - 1, base);
      const after = lineOffset(text, b, r, base);
      if (before === -2 || after === -2) break;
      const k = before < 0 || after < 0 ? -1 : (after - before) / (bytes[r - 1] as number) - 1;
      if (k !== -1 && (!Number.isInteger(k) || k < 1)) break;
      list.push(k === -1 ? -1 : Math.min(k, cap(r - 1)));
    }
    if (list.length === b.reps.length) lists.set(list.join(), list);
  }
  const out: number[][] = [];
  for (const list of lists.values()) {
    const unknown = list.indexOf(-1);
    if (unknown < 0) out.push(list);
    else {
      const most = Math.min(cap((b.reps[unknown] as number) - 1), MAX_GUESSED_REPEATS);
      for (let k = most; k >= 1; k--) out.push(list.map((c) => (c < 0 ? k : c)));
    }
  }
  return out;
}

/** The block with each `*` line replaced by `counts[i]` copies of the line before it (printed nowhere: hs -1). */
function expandRepeats(b: Block, counts: number[]): Block {
  const x = new Block();
  x.wide = b.wide;
  x.lineStart = b.lineStart;
  const first = new Array<number>(b.lineStart.length + 1).fill(b.length);
  for (let i = b.length - 1; i >= 0; i--) first[b.ln[i] as number] = i;
  for (let l = b.lineStart.length - 1; l >= 0; l--) first[l] = Math.min(first[l] as number, first[l + 1] as number);
  let r = 0;
  const copy = (l: number, printed: boolean) => {
    let g = -1;
    for (let i = first[l] as number; i < (first[l + 1] as number); i++) {
      if (b.grp[i] !== g) {
        g = b.grp[i] as number;
        x.groups++;
      }
      x.val.push(b.val[i] as number);
      x.hs.push(printed ? (b.hs[i] as number) : -1);
      x.he.push(printed ? (b.he[i] as number) : -1);
      x.asc.push(printed ? (b.asc[i] as number) : -1);
      x.ln.push(l);
      x.grp.push(x.groups);
    }
  };
  for (let l = 0; l <= b.lineStart.length; l++) {
    for (; r < b.reps.length && b.reps[r] === l; r++)
      for (let k = 0; k < (counts[r] as number); k++) copy(l - 1, false);
    if (l < b.lineStart.length) copy(l, true);
  }
  return x;
}

export class DumpForms {
  private readonly matcher = new Matcher({ builtins: false });
  private readonly list: string[] = [];
  private sorted: string[] | null = null;
  private readonly block = new Block();
  /** longest form, in bytes */
  maxLength = 0;

  get size(): number {
    return this.list.length;
  }

  /** Adds a form, searched as the bytes of its UTF-8 encoding. */
  add(form: string): void {
    const bytes = Buffer.from(form, 'utf8').toString('latin1');
    if (bytes.length < MIN_FORM || !this.matcher.add(bytes)) return;
    this.list.push(bytes);
    this.sorted = null;
    if (bytes.length > this.maxLength) this.maxLength = bytes.length;
  }

  /**
   * Reports, as [start, end) spans of text, the printed bytes (hex and ASCII column) of every
   * form found in a dump in text[0, to). `complete`: the text's end is a line end.
   */
  scan(text: string, to: number, complete: boolean, add: (start: number, end: number) => void): void {
    if (this.list.length === 0) return;
    const b = this.block;
    b.clear();
    // the line before the current one when it is not a dump line (a block's first line may carry a prefix)
    let prevLs = -1;
    let prevLe = -1;
    for (let ls = 0; ls < to;) {
      let nl = text.indexOf('\n', ls);
      if (nl < 0 || nl >= to) {
        if (!complete) break;
        nl = to;
      }
      const le = nl > ls && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const next = nl + 1;
      const empty = b.length === 0;
      if (empty && !candidate(text, ls, le)) {
        prevLs = ls;
        prevLe = le;
        ls = next;
        continue;
      }
      if (parseLine(text, ls, le, b) < 0) {
        this.flush(text, b, add);
        b.clear();
        prevLs = ls;
        prevLe = le;
      } else if (empty && b.length > 0) {
        // a block starts here: with the line before it when that one is a dump line after a prefix
        if (prevLs >= 0) {
          b.clear();
          if (!parsePrefixed(text, prevLs, prevLe, b)) b.clear();
          parseLine(text, ls, le, b);
        }
        prevLs = -1;
      }
      ls = next;
    }
    this.flush(text, b, add);
    b.clear();
  }

  private flush(text: string, b: Block, add: (start: number, end: number) => void): void {
    if (b.length === 0) return;
    const counts = b.reps.length > 0 ? repeatCounts(text, b, this.maxLength) : [];
    for (const view of counts.length > 0 ? counts.map((c) => expandRepeats(b, c)) : [b]) {
      if (view.length < MIN_FORM) continue;
      this.match(view, null, add);
      if (view.wide) this.match(view, view.swapped(), add);
    }
  }

  private match(b: Block, perm: number[] | null, add: (start: number, end: number) => void): void {
    const n = b.length;
    const bytes = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) bytes[i] = b.val[perm ? (perm[i] as number) : i] as number;
    const hits = new LiteralHits();
    this.matcher.scanLatin1(bytes, hits);
    for (let m = 0; m < hits.starts.length; m++) {
      const s = hits.starts[m] as number;
      const e = hits.ends[m] as number;
      // per line: the printed hex of the bytes, and their ASCII column
      let line = -1;
      let h0 = 0;
      let h1 = 0;
      let a0 = 0;
      let a1 = -1;
      const out = () => {
        if (line < 0) return;
        add(h0, h1);
        if (a1 >= 0) add(a0, a1 + 1);
      };
      for (let k = s; k < e; k++) {
        const i = perm ? (perm[k] as number) : k;
        // bytes a `*` line stands for are printed nowhere
        if ((b.hs[i] as number) < 0) continue;
        const ln = b.ln[i] as number;
        if (ln !== line) {
          out();
          line = ln;
          h0 = b.hs[i] as number;
          h1 = b.he[i] as number;
          a0 = Infinity;
          a1 = -1;
        }
        h0 = Math.min(h0, b.hs[i] as number);
        h1 = Math.max(h1, b.he[i] as number);
        // the ASCII column of its whole group: a group printed as a little-endian number (xxd -e)
        // lists its bytes in the other order there
        const g = b.grp[i];
        let f = i;
        while (f > 0 && b.grp[f - 1] === g) f--;
        for (let j = f; j < b.length && b.grp[j] === g; j++) {
          const a = b.asc[j] as number;
          if (a >= 0) {
            a0 = Math.min(a0, a);
            a1 = Math.max(a1, a);
          }
        }
      }
      out();
    }
  }

  /**
   * Where a stream must start holding back text (whose complete lines end before `incomplete`): the
   * start of the line where the longest tail of the trailing dump block that begins a form starts
   * (either byte order); `to` when the last complete line is not a dump line or nothing is in
   * progress.
   */
  holdFrom(text: string, to: number, incomplete: number): number {
    if (this.list.length === 0 || incomplete <= 0) return to;
    // the trailing run of dump lines, back at most maxLength bytes
    const spans: Array<[number, number]> = [];
    const probe = this.block;
    let need = this.maxLength;
    let e = incomplete - 1; // the line break ending the last complete line
    let prefixed = false;
    let repeated = false;
    while (e >= 0 && need > 0) {
      const ls = text.lastIndexOf('\n', e - 1) + 1;
      const le = e > ls && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
      if (isRepeatLine(text, ls, le)) {
        // its count is known only from the offsets around it, and its bytes are printed nowhere:
        // everything back to the farthest line a form in progress can start in is held
        repeated = true;
        spans.push([ls, le]);
        e = ls - 1;
        continue;
      }
      probe.clear();
      if (parseLine(text, ls, le, probe) < 0) {
        // the block's first line may carry a prefix (see parsePrefixed)
        probe.clear();
        if (parsePrefixed(text, ls, le, probe)) {
          spans.push([ls, le]);
          prefixed = true;
        }
        break;
      }
      need -= probe.length;
      spans.push([ls, le]);
      e = ls - 1;
    }
    probe.clear();
    if (spans.length === 0) return to;
    if (repeated) return (spans[spans.length - 1] as [number, number])[0];
    const b = probe;
    for (let i = spans.length - 1; i >= 0; i--) {
      const [ls, le] = spans[i] as [number, number];
      if (prefixed && i === spans.length - 1) parsePrefixed(text, ls, le, b);
      else parseLine(text, ls, le, b);
    }
    const hold =
      b.length > 0 ? this.tailHold(b, prefixed ? (spans[spans.length - 1] as [number, number])[0] : -1, to) : to;
    b.clear();
    return hold;
  }

  /**
   * The start of the earliest line where a tail of the block's bytes (either order) that begins a
   * form starts; `to` when none does. `prefixedStart`: where the block's first line starts when it
   * carries a prefix (held whole, so that the stream reads it as redact() does), else -1.
   */
  private tailHold(b: Block, prefixedStart: number, to: number): number {
    let hold = to;
    const orders: Array<number[] | null> = b.wide ? [null, b.swapped()] : [null];
    for (const perm of orders) {
      const n = b.length;
      let view = '';
      for (let k = Math.max(0, n - this.maxLength); k < n; k++)
        view += String.fromCharCode(b.val[perm ? (perm[k] as number) : k] as number);
      for (let len = view.length; len >= 1; len--) {
        if (this.beginsForm(view.slice(view.length - len))) {
          const i = perm ? (perm[n - len] as number) : n - len;
          // the earliest line the tail touches (within a group, bytes of one line)
          const li = b.ln[i] as number;
          hold = Math.min(hold, prefixedStart >= 0 && li === 0 ? prefixedStart : (b.lineStart[li] as number));
          break;
        }
      }
    }
    return hold;
  }

  private beginsForm(s: string): boolean {
    return someBeginsWith((this.sorted ??= [...this.list].sort()), s, false);
  }
}

/**
 * Whether a string of `sorted` (ascending) begins with `prefix`, found by binary search; with
 * `longer`, only one longer than `prefix` counts (an equal one is already a complete match).
 */
export function someBeginsWith(sorted: readonly string[], prefix: string, longer: boolean): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as string;
    if (v < prefix || (longer && v === prefix)) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && (sorted[lo] as string).startsWith(prefix);
}
