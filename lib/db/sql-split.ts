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
  const statements: SqlStatement[] = [];
  let i = 0;
  let line = 1;
  let stmtStart = 0;
  let firstLine = 0;
  let words: string[] = [];
  let allWords = new Set<string>();
  let paren = 0;
  let beginDepth = 0;
  const n = sql.length;

  const isRoutine = () => {
    const w = words;
    if (w[0] !== 'create') return false;
    if (w[1] === 'function' || w[1] === 'procedure') return true;
    return w[1] === 'or' && w[2] === 'replace' && (w[3] === 'function' || w[3] === 'procedure');
  };
  const finish = (end: number) => {
    if (words.length > 0)
      statements.push({
        text: sql.slice(stmtStart, end),
        start: stmtStart,
        line: firstLine,
        words: words.slice(0, 8),
        allWords,
      });
    stmtStart = end;
    words = [];
    allWords = new Set();
    paren = 0;
    beginDepth = 0;
    firstLine = 0;
  };
  const fail = (kind: SqlSplitError['kind'], atLine: number): SqlSplit => ({
    statements,
    error: { kind, line: atLine },
  });
  const advanceTo = (j: number) => {
    for (let k = i; k < j; k++) if (sql.charCodeAt(k) === 10) line++;
    i = j;
  };

  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      advanceTo(nl < 0 ? n : nl);
      continue;
    }
    if (c === '/' && next === '*') {
      const startLine = line;
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) return fail('unterminated_comment', startLine);
      advanceTo(j);
      continue;
    }
    if (firstLine === 0 && c !== ';') firstLine = line;
    if (c === "'") {
      const startLine = line;
      const prev = sql[i - 1];
      const escaped = (prev === 'E' || prev === 'e') && !IDENT_CHAR.test(sql[i - 2] ?? ' ');
      let j = i + 1;
      for (;;) {
        if (j >= n) return fail('unterminated_string', startLine);
        const d = sql[j];
        if (escaped && d === '\\') {
          j += 2;
          continue;
        }
        if (d === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      advanceTo(j + 1);
      continue;
    }
    if (c === '"') {
      const startLine = line;
      let j = i + 1;
      for (;;) {
        if (j >= n) return fail('unterminated_identifier', startLine);
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      advanceTo(j + 1);
      continue;
    }
    if (c === '$' && !IDENT_CHAR.test(sql[i - 1] ?? ' ')) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 130));
      if (m) {
        const tag = m[0];
        const startLine = line;
        const close = sql.indexOf(tag, i + tag.length);
        if (close < 0) return fail('unterminated_dollar_quote', startLine);
        advanceTo(close + tag.length);
        continue;
      }
      i++;
      continue;
    }
    if (c === '(') {
      paren++;
      i++;
      continue;
    }
    if (c === ')') {
      if (paren > 0) paren--;
      i++;
      continue;
    }
    if (c === ';') {
      if (paren === 0 && beginDepth === 0) finish(i + 1);
      i++;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(sql[j] as string)) j++;
      const word = sql.slice(i, j).toLowerCase();
      if (words.length < 8) words.push(word);
      allWords.add(word);
      if (isRoutine()) {
        if (word === 'begin') beginDepth++;
        else if (word === 'case' && beginDepth > 0) beginDepth++;
        else if (word === 'end' && beginDepth > 0) beginDepth--;
      }
      i = j;
      continue;
    }
    i++;
  }
  finish(n);
  return { statements, error: null };
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
