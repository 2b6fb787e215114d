import { resolve } from 'node:path';
import type { DbConfig } from '../../config/paas-yml.js';
import { discoverPlan, type Plan } from './plan.js';
import { planError } from './reconcile.js';

export type { Plan } from './plan.js';

/**
 * Offline check of the migration plan: throws the first problem as a DbError (also used by
 * prod_verify dry_run, which must not import db_bootstrap's entry files: no pg, no run).
 */
export function checkPlanOffline(cwd: string, db: DbConfig): Plan {
  const plan = discoverPlan(resolve(cwd, db.migrations), db.migrations);
  const first = plan.problems[0];
  if (first) throw planError(first, plan.problems.length - 1);
  return plan;
}
