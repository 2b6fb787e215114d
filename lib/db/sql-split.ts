/**
 * A small PostgreSQL lexer: splits SQL text into statements at top-level semicolons the way psql
 * does (quotes, E'' strings, "identifiers", $tag$ dollar quotes, -- and nested block comments,
 * parentheses, and BEGIN ... END bodies of CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC).
 * It only needs to find statement boundaries and the leading keywords, never to parse SQL.
 */
export interface SqlStatement {
  /** the statement text, from the end of the previous statement up to and including its `;` */
  text: string;
  /** offset of `text` in the input */
  start: number;
  /** 1-based line of the statement's first keyword */
  line: number;
  /** the first top-level words, lowercased (at most 8) */
  words: string[];
  /** every top-level word, lowercased, deduplicated */
  allWords: ReadonlySet<string>;
}

export interface SqlSplitError {
  kind: 'unterminated_string' | 'unterminated_identifier' | 'unterminated_dollar_quote' | 'unterminated_comment';
  /** 1-based line where the unterminated construct starts */
  line: number;
}

export interface SqlSplit {
  statements: SqlStatement[];
  error: SqlSplitError | null;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

export function splitSql(sql: string): SqlSplit {
  return new SqlSplitter(sql).split();
}

/** The lexer state while splitting one text: position, line, and the statement being read. */
class SqlSplitter {
  private readonly statements: SqlStatement[] = [];
  private i = 0;
  private line = 1;
  private stmtStart = 0;
  private firstLine = 0;
  private words: string[] = [];
  private allWords = new Set<string>();
  private paren = 0;
  private beginDepth = 0;

  constructor(private readonly sql: string) {}

  split(): SqlSplit {
    while (this.i < this.sql.length) {
      const error = this.step();
      if (error) return { statements: this.statements, error };
    }
    this.finish(this.sql.length);
    return { statements: this.statements, error: null };
  }

  /** One token (or blank) at the current position; an unterminated construct is returned as an error. */
  private step(): SqlSplitError | null {
    const sql = this.sql;
    const c = sql[this.i] as string;
    const next = sql[this.i + 1];
    if (c === '\n') {
      this.line++;
      this.i++;
      return null;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      this.i++;
      return null;
    }
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', this.i);
      this.advanceTo(nl < 0 ? sql.length : nl);
      return null;
    }
    if (c === '/' && next === '*') return this.skip(blockCommentEnd(sql, this.i), 'unterminated_comment');
    if (this.firstLine === 0 && c !== ';') this.firstLine = this.line;
    if (c === "'") return this.skip(stringEnd(sql, this.i), 'unterminated_string');
    if (c === '"') return this.skip(identifierEnd(sql, this.i), 'unterminated_identifier');
    if (c === '$' && !IDENT_CHAR.test(sql[this.i - 1] ?? ' ')) {
      const end = dollarQuoteEnd(sql, this.i);
      if (end !== null) return this.skip(end, 'unterminated_dollar_quote');
    } else if (c === '(') this.paren++;
    else if (c === ')') {
      if (this.paren > 0) this.paren--;
    } else if (c === ';') {
      if (this.paren === 0 && this.beginDepth === 0) this.finish(this.i + 1);
    } else if (IDENT_START.test(c)) return this.word();
    this.i++;
    return null;
  }

  /** Moves past a construct that ends at `end` (-1: unterminated, an error at the line it starts on). */
  private skip(end: number, kind: SqlSplitError['kind']): SqlSplitError | null {
    if (end < 0) return { kind, line: this.line };
    this.advanceTo(end);
    return null;
  }

  private advanceTo(j: number): void {
    for (let k = this.i; k < j; k++) if (this.sql.charCodeAt(k) === 10) this.line++;
    this.i = j;
  }

  /** A word: kept as a leading keyword (8 at most) and in allWords; BEGIN/CASE/END nest in a routine body. */
  private word(): null {
    let j = this.i + 1;
    while (j < this.sql.length && IDENT_CHAR.test(this.sql[j] as string)) j++;
    const word = this.sql.slice(this.i, j).toLowerCase();
    if (this.words.length < 8) this.words.push(word);
    this.allWords.add(word);
    if (this.isRoutine()) {
      if (word === 'begin') this.beginDepth++;
      else if (word === 'case' && this.beginDepth > 0) this.beginDepth++;
      else if (word === 'end' && this.beginDepth > 0) this.beginDepth--;
    }
    this.i = j;
    return null;
  }

  private isRoutine(): boolean {
    const w = this.words;
    if (w[0] !== 'create') return false;
    if (w[1] === 'function' || w[1] === 'procedure') return true;
    return w[1] === 'or' && w[2] === 'replace' && (w[3] === 'function' || w[3] === 'procedure');
  }

  private finish(end: number): void {
    if (this.words.length > 0)
      this.statements.push({
        text: this.sql.slice(this.stmtStart, end),
        start: this.stmtStart,
        line: this.firstLine,
        words: this.words.slice(0, 8),
        allWords: this.allWords,
      });
    this.stmtStart = end;
    this.words = [];
    this.allWords = new Set();
    this.paren = 0;
    this.beginDepth = 0;
    this.firstLine = 0;
  }
}

/** The end (exclusive) of the nested block comment starting at i, or -1. */
function blockCommentEnd(sql: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length && depth > 0) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
    } else j++;
  }
  return depth > 0 ? -1 : j;
}

/** The end (exclusive) of the string literal starting at i ('' doubled; backslash escapes in E''), or -1. */
function stringEnd(sql: string, i: number): number {
  const prev = sql[i - 1];
  const escaped = (prev === 'E' || prev === 'e') && !IDENT_CHAR.test(sql[i - 2] ?? ' ');
  let j = i + 1;
  for (;;) {
    if (j >= sql.length) return -1;
    const d = sql[j];
    if (escaped && d === '\\') {
      j += 2;
      continue;
    }
    if (d === "'") {
      if (sql[j + 1] !== "'") return j + 1;
      j += 2;
      continue;
    }
    j++;
  }
}

/** The end (exclusive) of the quoted identifier starting at i, or -1. */
function identifierEnd(sql: string, i: number): number {
  let j = i + 1;
  for (;;) {
    if (j >= sql.length) return -1;
    if (sql[j] === '"') {
      if (sql[j + 1] !== '"') return j + 1;
      j += 2;
      continue;
    }
    j++;
  }
}

/** The end (exclusive) of the dollar quote starting at i, -1 when unterminated, null when `$` starts none. */
function dollarQuoteEnd(sql: string, i: number): number | null {
  const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 130));
  if (!m) return null;
  const tag = m[0];
  const close = sql.indexOf(tag, i + tag.length);
  return close < 0 ? -1 : close + tag.length;
}

/** Statements that end or start a transaction: not allowed inside a file that runs in our transaction. */
export function isTransactionControl(s: SqlStatement): boolean {
  const [a, b] = s.words;
  if (a === 'begin' || a === 'commit' || a === 'end' || a === 'abort') return true;
  if (a === 'start' && b === 'transaction') return true;
  if (a === 'rollback') return b !== 'to'; // ROLLBACK TO SAVEPOINT stays inside the transaction
  if (a === 'prepare' && b === 'transaction') return true;
  return false;
}

/** Statements PostgreSQL refuses inside a transaction block. */
export function requiresNoTransaction(s: SqlStatement): boolean {
  const [a, b] = s.words;
  if (a === 'vacuum') return true;
  if ((a === 'create' || a === 'drop' || a === 'alter') && (b === 'database' || b === 'tablespace'))
    return a !== 'alter';
  if (a === 'alter' && b === 'system') return true;
  if (
    s.allWords.has('concurrently') &&
    (a === 'create' || a === 'drop' || a === 'reindex' || a === 'alter' || a === 'refresh')
  ) {
    // REFRESH MATERIALIZED VIEW CONCURRENTLY is fine inside a transaction
    return a !== 'refresh';
  }
  if (a === 'reindex' && (b === 'database' || b === 'system')) return true;
  return false;
}
