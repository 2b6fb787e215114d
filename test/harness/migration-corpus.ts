/**
 * Realistic migration histories generated at test time (nothing committed): the SQL Prisma writes
 * (`-- CreateTable` comments, quoted identifiers, foreign keys added after the tables) and the
 * Rails/dbmate style (`-- migrate:up` / `-- migrate:down`, lower case, `transaction:false` files for
 * CONCURRENTLY and VACUUM). Each file carries the lint findings it must produce (rule and line),
 * computed by the generator as it writes the lines; safe patterns expect none.
 */
import { mulberry32 as prng } from './prng.mjs';

export interface CorpusFile {
  name: string;
  text: string;
  /** `rule@line`, sorted */
  expected: string[];
}

type Style = 'prisma' | 'dbmate';

interface Table {
  name: string;
  cols: string[];
}

interface Op {
  /** lines of the statement(s); a leading comment line is not the statement's line */
  lines: string[];
  /** [rule, index into lines of the statement's first keyword] */
  findings: Array<[string, number]>;
  /** needs a transaction:false file */
  noTx?: boolean;
}

export function generateCorpus(count: number, style: Style, seed = 13): CorpusFile[] {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const q = (id: string) => (style === 'prisma' ? `"${id}"` : id);
  const kw = (s: string) => (style === 'prisma' ? s : s.toLowerCase());
  const tables: Table[] = [];
  let seq = 0;
  const files: CorpusFile[] = [];
  const nouns = [
    'user',
    'account',
    'order',
    'invoice',
    'product',
    'session',
    'event',
    'payment',
    'address',
    'comment',
    'post',
    'tag',
  ];
  const newTable = (): Table => {
    seq++;
    const name =
      style === 'prisma' ? `${pick(nouns)[0]?.toUpperCase()}${pick(nouns).slice(1)}${seq}` : `${pick(nouns)}s_${seq}`;
    return { name, cols: ['id', style === 'prisma' ? 'createdAt' : 'created_at'] };
  };
  const col = () => `${pick(['status', 'email', 'total', 'note', 'kind', 'ref'])}_${++seq}`;
  const comment = (s: string) => (style === 'prisma' ? [`-- ${s}`] : []);

  const createTable = (t: Table, extra: Table | null): Op => {
    const lines = [
      ...comment('CreateTable'),
      `${kw('CREATE TABLE')} ${q(t.name)} (`,
      `    ${q('id')} ${kw('SERIAL NOT NULL')},`,
      `    ${q(t.cols[1] as string)} ${kw('TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP')},`,
      ...(extra ? [`    ${q(`${extra.name}Id`)} ${kw('INTEGER')},`] : []),
      `    ${kw('CONSTRAINT')} ${q(`${t.name}_pkey`)} ${kw('PRIMARY KEY')} (${q('id')})`,
      ');',
    ];
    const first = comment('x').length;
    if (extra) {
      lines.push(
        '',
        ...comment('CreateIndex'),
        `${kw('CREATE INDEX')} ${q(`${t.name}_${extra.name}Id_idx`)} ${kw('ON')} ${q(t.name)}(${q(`${extra.name}Id`)});`,
      );
      lines.push(
        '',
        ...comment('AddForeignKey'),
        `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD CONSTRAINT')} ${q(`${t.name}_${extra.name}Id_fkey`)} ${kw('FOREIGN KEY')} (${q(`${extra.name}Id`)}) ${kw('REFERENCES')} ${q(extra.name)}(${q('id')}) ${kw('ON DELETE SET NULL ON UPDATE CASCADE')};`,
      );
    }
    void first;
    return { lines, findings: [] };
  };

  const ops: Array<(t: Table) => Op> = [
    // unsafe on an existing table
    (t) => ({
      lines: [
        ...comment('CreateIndex'),
        `${kw('CREATE INDEX')} ${q(`${t.name}_${t.cols[1]}_idx`)} ${kw('ON')} ${q(t.name)}(${q(t.cols[1] as string)});`,
      ],
      findings: [['create_index_not_concurrently', comment('x').length]],
    }),
    (t) => {
      const c = col();
      t.cols.push(c);
      return {
        lines: [
          ...comment('AlterTable'),
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD COLUMN')} ${q(c)} ${kw('TEXT NOT NULL')};`,
        ],
        findings: [['add_column_not_null_without_default', comment('x').length]],
      };
    },
    (t) => ({
      lines: [
        ...comment('AlterTable'),
        `${kw('ALTER TABLE')} ${q(t.name)}`,
        `  ${kw('ALTER COLUMN')} ${q(t.cols[1] as string)} ${kw('TYPE TIMESTAMPTZ')}`,
        `  ${kw('USING')} ${q(t.cols[1] as string)} ${kw("AT TIME ZONE 'UTC'")};`,
      ],
      findings: [['alter_column_type', comment('x').length]],
    }),
    (t) => {
      const other = pick(tables);
      const c = col();
      t.cols.push(c);
      return {
        lines: [
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD COLUMN')} ${q(c)} ${kw('INTEGER')};`,
          '',
          ...comment('AddForeignKey'),
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD CONSTRAINT')} ${q(`${c}_fkey`)} ${kw('FOREIGN KEY')} (${q(c)}) ${kw('REFERENCES')} ${q(other.name)}(${q('id')}) ${kw('ON DELETE RESTRICT ON UPDATE CASCADE')};`,
        ],
        findings: [['add_constraint_without_not_valid', 2 + comment('x').length]],
      };
    },
    (t) => ({
      lines: [
        `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD CONSTRAINT')} ${q(`${t.name}_id_positive`)} ${kw('CHECK')} (${q('id')} > 0);`,
      ],
      findings: [['add_constraint_without_not_valid', 0]],
    }),
    (t) => ({
      lines: [
        `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ALTER COLUMN')} ${q(t.cols[1] as string)} ${kw('SET NOT NULL')};`,
      ],
      findings: [['set_not_null', 0]],
    }),
    (t) => {
      const c = t.cols.length > 2 ? (t.cols.pop() as string) : null;
      if (!c) return { lines: [`-- nothing to drop in ${t.name}`], findings: [] };
      return {
        lines: [...comment('AlterTable'), `${kw('ALTER TABLE')} ${q(t.name)} ${kw('DROP COLUMN')} ${q(c)};`],
        findings: [['drop_column', comment('x').length]],
      };
    },
    (t) => {
      const c = t.cols.length > 2 ? (t.cols[2] as string) : null;
      if (!c) return { lines: ['SELECT 1;'], findings: [] };
      const n = `${c}_renamed`;
      t.cols[2] = n;
      return {
        lines: [`${kw('ALTER TABLE')} ${q(t.name)}`, `  ${kw('RENAME COLUMN')} ${q(c)} ${kw('TO')} ${q(n)};`],
        findings: [['rename_column', 0]],
      };
    },
    (t) => {
      const old = t.name;
      t.name = `${old}_v2`;
      return {
        lines: [
          '/* the model was renamed',
          '   in the application */',
          `${kw('ALTER TABLE')} ${q(old)} ${kw('RENAME TO')} ${q(t.name)};`,
        ],
        findings: [['rename_table', 2]],
      };
    },
    (t) => ({
      lines: [
        `${kw('LOCK TABLE')} ${q(t.name)} ${kw('IN ACCESS EXCLUSIVE MODE')};`,
        `${kw('UPDATE')} ${q(t.name)} ${kw('SET')} ${q('id')} = ${q('id')};`,
      ],
      findings: [['lock_table_access_exclusive', 0]],
    }),
    // safe patterns on an existing table
    (t) => {
      const c = col();
      t.cols.push(c);
      return {
        lines: [
          ...comment('AlterTable'),
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD COLUMN')} ${q(c)} ${kw("TEXT NOT NULL DEFAULT 'new'")},`,
          `  ${kw('ADD COLUMN')} ${q(`${c}_x`)} ${kw('INTEGER')};`,
        ],
        findings: [],
      };
    },
    (t) => {
      const other = pick(tables);
      return {
        lines: [
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD CONSTRAINT')} ${q(`${t.name}_ref_fkey`)} ${kw('FOREIGN KEY')} (${q('id')}) ${kw('REFERENCES')} ${q(other.name)}(${q('id')}) ${kw('NOT VALID')};`,
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('VALIDATE CONSTRAINT')} ${q(`${t.name}_ref_fkey`)};`,
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD CONSTRAINT')} ${q(`${t.name}_ck`)} ${kw('CHECK')} (${q('id')} > 0) ${kw('NOT VALID')};`,
        ],
        findings: [],
      };
    },
    (t) => ({
      // a regex would see CREATE INDEX and RENAME here; the parser sees a function body and a string
      lines: [
        `${kw('CREATE OR REPLACE FUNCTION')} ${q(`${t.name}_touch`)}() ${kw('RETURNS trigger AS')} $$`,
        'BEGIN',
        '  -- CREATE INDEX idx ON t(x); ALTER TABLE t RENAME TO u;',
        '  NEW.id := NEW.id;',
        '  RETURN NEW;',
        'END;',
        `$$ ${kw('LANGUAGE plpgsql')};`,
        `${kw('INSERT INTO')} ${q(t.name)} (${q('id')}) ${kw('SELECT')} 0 ${kw('WHERE')} 'ALTER TABLE x ADD COLUMN y int NOT NULL' = '';`,
      ],
      findings: [],
    }),
    (t) => ({
      lines: [
        `${kw('CREATE INDEX CONCURRENTLY IF NOT EXISTS')} ${q(`${t.name}_id_c_idx`)} ${kw('ON')} ${q(t.name)} (${q('id')});`,
        `${kw('VACUUM')} ${q(t.name)};`,
      ],
      findings: [],
      noTx: true,
    }),
    (t) => ({ lines: [`${kw('VACUUM (FULL, ANALYZE)')} ${q(t.name)};`], findings: [['vacuum_full', 0]], noTx: true }),
  ];

  for (let i = 1; i <= count; i++) {
    const parts: Op[] = [];
    if (tables.length < 3 || rnd() < 0.3) {
      const t = newTable();
      parts.push(createTable(t, tables.length ? pick(tables) : null));
      // statements on a table created in the same file are not findings
      parts.push({
        lines: [
          `${kw('CREATE INDEX')} ${q(`${t.name}_created_idx`)} ${kw('ON')} ${q(t.name)} (${q(t.cols[1] as string)});`,
          `${kw('ALTER TABLE')} ${q(t.name)} ${kw('ADD COLUMN')} ${q('flag')} ${kw('BOOLEAN NOT NULL')};`,
        ],
        findings: [],
      });
      tables.push(t);
    } else {
      const k = 1 + Math.floor(rnd() * 3);
      const noTx = style === 'dbmate' && rnd() < 0.15;
      for (let j = 0; j < k; j++) {
        const op = pick(ops)(pick(tables));
        if (!!op.noTx !== noTx) continue;
        parts.push(op);
      }
      if (parts.length === 0) parts.push({ lines: [`${kw('SELECT')} 1;`], findings: [] });
    }
    const noTx = parts.some((p) => p.noTx);
    const lines: string[] = [];
    const expected: string[] = [];
    if (style === 'dbmate') lines.push(`-- migrate:up${noTx ? ' transaction:false' : ''}`);
    for (const p of parts) {
      if (lines.length) lines.push('');
      for (const [ruleId, at] of p.findings) expected.push(`${ruleId}@${lines.length + at + 1}`);
      lines.push(...p.lines);
    }
    if (style === 'dbmate') lines.push('', '-- migrate:down', `${kw('SELECT')} 1;`);
    const id = String(i).padStart(4, '0');
    files.push({ name: `${id}_${style}_step_${i}.sql`, text: lines.join('\n') + '\n', expected: expected.sort() });
  }
  return files;
}
