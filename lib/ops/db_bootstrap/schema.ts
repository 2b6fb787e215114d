import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../../db/client.js';
import { qualified, schemaTable, type LedgerName } from './ledger.js';

export { schemaTable };

/**
 * Drift detection: after `migrate`, the schema the migrations produced is recorded in the database
 * (beside the ledger, so a fresh runner finds it) as a map of object descriptors; `verify` reads the
 * live schema the same way and names what differs. Descriptors come from PostgreSQL's own
 * deparsers (pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef, pg_get_triggerdef,
 * format_type, pg_get_expr), so formatting of the migration text never matters.
 *
 * Covered: schemas, tables (and partitioned/foreign tables, views, materialized views, sequences,
 * composite types), columns (type, NOT NULL, default, identity, generated), indexes, constraints,
 * triggers, functions and procedures (definition hash), enums and domains, extensions. Not
 * covered: ownership and grants (roles differ between environments), statistics, comments.
 * Objects of extensions and paas's own tables are left out.
 */
export type SchemaMap = Map<string, string>;

export interface SchemaRecord {
  objects: SchemaMap;
  fingerprint: string;
  recordedAt: string;
  /** ledgerHash() of the ledger when it was recorded: a record older than the ledger is stale */
  ledger: string;
}

/** A hash of the ledger's rows: the schema record belongs to exactly this ledger state. */
export function ledgerHash(rows: ReadonlyArray<{ id: string; checksum: string; success: boolean }>): string {
  const h = createHash('sha256');
  for (const r of [...rows].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)))
    h.update(`${r.id}:${r.checksum}:${r.success}\n`);
  return h.digest('hex');
}

export function fingerprintOf(m: SchemaMap): string {
  const h = createHash('sha256');
  for (const k of [...m.keys()].sort()) h.update(`${k}\0${m.get(k) ?? ''}\n`);
  return h.digest('hex');
}

/** One query: rows (k, d) describing every user object of the database. */
export function liveSchemaSql(l: LedgerName): string {
  const own = [qualified(l), qualified(schemaTable(l))]
    .map((x) => `(pg_catalog.to_regclass(${quoteLiteral(x)}))`)
    .join(', ');
  const userNs = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
  const notExt = (catalog: string, oidCol: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oidCol} AND dep.deptype = 'e')`;
  const rel = `c.oid NOT IN (SELECT x FROM (VALUES ${own}) own(x) WHERE x IS NOT NULL)`;
  const relName = `pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)`;
  return `SELECT k, d FROM (
  SELECT 'schema ' || pg_catalog.quote_ident(n.nspname) AS k, '' AS d FROM pg_catalog.pg_namespace n
   WHERE ${userNs} AND ${notExt('pg_catalog.pg_namespace', 'n.oid')} AND (n.nspname <> 'public')
  UNION ALL
  SELECT 'extension ' || pg_catalog.quote_ident(e.extname), '' FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
  UNION ALL
  SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' WHEN 'c' THEN 'type ' WHEN 'f' THEN 'foreign table ' ELSE 'table ' END || ${relName},
         CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) WHEN c.relkind = 'p' THEN 'partitioned' ELSE '' END
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'f') AND ${userNs} AND ${rel} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
     AND NOT (c.relkind = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.typrelid = c.oid AND t.typtype <> 'c'))
  UNION ALL
  SELECT 'column ' || ${relName} || '.' || pg_catalog.quote_ident(a.attname),
         pg_catalog.format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
         || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
         || CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || COALESCE(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
                 WHEN ad.adbin IS NOT NULL THEN ' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) ELSE '' END
   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'c') AND ${userNs} AND ${rel} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
  UNION ALL
  SELECT 'index ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(ic.relname), pg_catalog.pg_get_indexdef(i.indexrelid)
   FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
   JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
   WHERE ${userNs} AND ${rel} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
  UNION ALL
  SELECT 'constraint ' || ${relName} || '.' || pg_catalog.quote_ident(co.conname), pg_catalog.pg_get_constraintdef(co.oid)
   FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE ${userNs} AND ${rel} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
  UNION ALL
  SELECT 'constraint ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname) || '.' || pg_catalog.quote_ident(co.conname), pg_catalog.pg_get_constraintdef(co.oid)
   FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_type t ON t.oid = co.contypid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
   WHERE co.contypid <> 0 AND ${userNs} AND ${notExt('pg_catalog.pg_type', 't.oid')}
  UNION ALL
  SELECT 'trigger ' || ${relName} || '.' || pg_catalog.quote_ident(tg.tgname), pg_catalog.pg_get_triggerdef(tg.oid)
   FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE NOT tg.tgisinternal AND ${userNs} AND ${rel} AND ${notExt('pg_catalog.pg_class', 'c.oid')}
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
         pg_catalog.md5(pg_catalog.pg_get_functiondef(p.oid))
   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE p.prokind IN ('f', 'p') AND ${userNs} AND ${notExt('pg_catalog.pg_proc', 'p.oid')}
  UNION ALL
  SELECT CASE t.typtype WHEN 'e' THEN 'enum ' ELSE 'domain ' END || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname),
         CASE t.typtype WHEN 'e' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
              ELSE pg_catalog.format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END END
   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('e', 'd') AND ${userNs} AND ${notExt('pg_catalog.pg_type', 't.oid')}
) objects ORDER BY k`;
}

export function createSchemaTableSql(l: LedgerName): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schemaTable(l))} (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  fingerprint text NOT NULL,
  objects text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  ledger_hash text NOT NULL
)`;
}

export function upsertSchemaSql(l: LedgerName, m: SchemaMap, ledger: string): string {
  if (!/^[0-9a-f]{64}$/.test(ledger)) throw new Error('invalid ledger hash');
  const objects = JSON.stringify([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `INSERT INTO ${qualified(schemaTable(l))} (id, fingerprint, objects, recorded_at, ledger_hash) VALUES (1, ${quoteLiteral(fingerprintOf(m))}, ${quoteLiteral(objects)}, pg_catalog.clock_timestamp(), '${ledger}')
ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, objects = EXCLUDED.objects, recorded_at = EXCLUDED.recorded_at, ledger_hash = EXCLUDED.ledger_hash
RETURNING recorded_at::text AS recorded_at`;
}

export function selectSchemaSql(l: LedgerName): string {
  const t = schemaTable(l);
  return `SELECT fingerprint, objects, recorded_at::text AS recorded_at, ledger_hash FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)} WHERE id = 1`;
}

export function parseObjects(text: string): SchemaMap {
  const arr = JSON.parse(text) as unknown;
  if (!Array.isArray(arr)) throw new Error('schema record: not an array');
  return new Map(
    arr.filter((x): x is [string, string] => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'string'),
  );
}

export interface Drift {
  added: string[];
  dropped: string[];
  changed: string[];
}

export function diffSchema(recorded: SchemaMap, live: SchemaMap): Drift {
  const out: Drift = { added: [], dropped: [], changed: [] };
  for (const [k, v] of live) {
    if (!recorded.has(k)) out.added.push(k);
    else if (recorded.get(k) !== v) out.changed.push(k);
  }
  for (const k of recorded.keys()) if (!live.has(k)) out.dropped.push(k);
  for (const l of [out.added, out.dropped, out.changed]) l.sort();
  return out;
}

export function driftCount(d: Drift): number {
  return d.added.length + d.dropped.length + d.changed.length;
}

/** Human text of a drift, at most `max` objects named. */
export function describeDrift(d: Drift, max = 8): string {
  const parts = [
    ...d.added.map((k) => `${k} added`),
    ...d.dropped.map((k) => `${k} dropped`),
    ...d.changed.map((k) => `${k} changed`),
  ];
  return `${parts.slice(0, max).join('; ')}${parts.length > max ? `; ${parts.length - max} more` : ''}`;
}

/**
 * The record after a migrate that ran on a schema that had already drifted: the migrations' own
 * changes are taken, while drift they did not touch keeps its recorded state, so verify still
 * reports it instead of the new record silently absorbing a change made by hand.
 */
export function carryDrift(recorded: SchemaMap, before: SchemaMap, after: SchemaMap): SchemaMap {
  const out = new Map(after);
  const keys = new Set([...recorded.keys(), ...before.keys()]);
  for (const k of keys) {
    if (recorded.get(k) === before.get(k)) continue;
    if (after.get(k) !== before.get(k)) continue;
    const r = recorded.get(k);
    if (r === undefined) out.delete(k);
    else out.set(k, r);
  }
  return out;
}
