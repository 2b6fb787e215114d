import { DbError } from '../../db/errors.js';
import type { LedgerRow } from './ledger.js';
import { compareIds, type Migration, type Plan, type PlanProblem } from './plan.js';

/** The plan compared with the ledger. Pure: the same function serves dry_run, migrate and verify. */
export interface Reconciled {
  /** plan files applied with a matching checksum */
  applied: Migration[];
  /** plan files not applied yet (including those whose earlier no-transaction attempt failed), in order */
  pending: Migration[];
  /** applied rows whose file changed since */
  mismatched: Array<{ migration: Migration; row: LedgerRow }>;
  /** applied rows without a file in the plan */
  missing: LedgerRow[];
  /** pending files whose id is lower than the highest applied id */
  nonIncreasing: Migration[];
  /** rows of no-transaction files that failed part-way */
  failedAttempts: LedgerRow[];
  /** applied rows whose file name changed (same id and checksum): a warning only */
  renamed: Array<{ migration: Migration; row: LedgerRow }>;
}

export function reconcile(plan: Plan, rows: readonly LedgerRow[]): Reconciled {
  const byId = new Map(plan.migrations.map((m) => [m.id, m]));
  const out: Reconciled = {
    applied: [],
    pending: [],
    mismatched: [],
    missing: [],
    nonIncreasing: [],
    failedAttempts: [],
    renamed: [],
  };
  const appliedIds = new Set<string>();
  let maxApplied: string | null = null;
  for (const row of rows) {
    if (!row.success) {
      out.failedAttempts.push(row);
      continue;
    }
    const m = byId.get(row.id);
    if (!m) {
      out.missing.push(row);
    } else if (m.checksum !== row.checksum) {
      out.mismatched.push({ migration: m, row });
      appliedIds.add(m.id);
    } else {
      out.applied.push(m);
      appliedIds.add(m.id);
      if (m.filename !== row.filename) out.renamed.push({ migration: m, row });
    }
    if (maxApplied === null || compareIds(row.id, maxApplied) > 0) maxApplied = row.id;
  }
  for (const m of plan.migrations) {
    if (appliedIds.has(m.id)) continue;
    out.pending.push(m);
    if (maxApplied !== null && compareIds(m.id, maxApplied) < 0) out.nonIncreasing.push(m);
  }
  return out;
}

/** First plan problem as a DbError (the plan is refused as a whole). */
export function planError(p: PlanProblem, more: number): DbError {
  return new DbError(
    'PAAS_MIGRATION_PLAN_INVALID',
    p.reason,
    `${p.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''} in the plan)` : ''}`,
    {
      stage: 'plan',
      file: p.file,
      line: p.line,
      remediation: p.remediation,
    },
  );
}

/** Refuses to migrate when the ledger disagrees with the plan: changed, deleted or out-of-order files. */
export function assertConsistent(r: Reconciled, ledger: string): void {
  const mm = r.mismatched[0];
  if (mm) {
    throw new DbError(
      'PAAS_MIGRATION_CHECKSUM_MISMATCH',
      'checksum_mismatch',
      `${mm.migration.relPath} was changed after it was applied (checksum in ${ledger} differs)${r.mismatched.length > 1 ? `; ${r.mismatched.length - 1} more changed file(s)` : ''}`,
      {
        stage: 'plan',
        file: mm.migration.relPath,
        remediation: `Restore ${mm.migration.filename} to the version that was applied (git log -p -- ${mm.migration.relPath}) and put the change in a new migration with a higher id.`,
      },
    );
  }
  const miss = r.missing[0];
  if (miss) {
    throw new DbError(
      'PAAS_MIGRATION_PLAN_INVALID',
      'missing_migration',
      `${miss.filename} (id ${miss.id}) is recorded as applied in ${ledger} but is not in the plan${r.missing.length > 1 ? `; ${r.missing.length - 1} more` : ''}`,
      {
        stage: 'plan',
        file: miss.filename,
        remediation:
          'Restore the deleted or renamed migration file: applied migrations stay in the repository forever.',
      },
    );
  }
  const low = r.nonIncreasing[0];
  if (low) {
    // either a new file numbered below applied ones, or an applied file whose ledger row was deleted:
    // the ledger alone cannot tell them apart, so the message names both and what to check
    const lowerApplied = r.applied.some((m) => compareIds(m.id, low.id) < 0);
    throw new DbError(
      'PAAS_MIGRATION_PLAN_INVALID',
      'non_increasing_migration_id',
      `${low.relPath} (id ${low.id}) has no row in ${ledger}, but ${lowerApplied ? 'files before and after it are' : 'files with higher ids are'} recorded as applied: either its ledger row was deleted, or it was added with an id lower than applied ones; running it now would be out of order${r.nonIncreasing.length > 1 ? ` (${r.nonIncreasing.length - 1} more such file(s))` : ''}`,
      {
        stage: 'plan',
        file: low.relPath,
        remediation: `If ${low.filename} was applied before (check the schema for what it creates, and git log -- ${low.relPath}), its ledger row was deleted: restore it (INSERT INTO ${ledger} (id, filename, checksum) VALUES (${low.id}, '${low.filename}', '${low.checksum}');) rather than running the file again. If it is a new file, renumber it above the highest applied id (migrations apply in id order only).`,
      },
    );
  }
}
