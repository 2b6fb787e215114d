/**
 * Structured conditions over result columns (PRODUCT.md section 11): `{ column: { eq|ne|lt|le|gt|ge: n } }`.
 * Never an expression language: each comparison is a fixed operator applied to a number.
 *
 * Semantics: within one column every operator given must hold (AND: `{ gt: 0, lt: 10 }` is a
 * range); across columns the first column (in declaration order) whose condition holds wins (OR).
 * The reason token names the column and the comparison: `eq` gives `<column>_<n>` (the playbook's
 * `delivered_total_0`), the others `<column>_<op>_<n>` (`delivered_total_lt_10`).
 */
import { numberToken, reasonToken } from './types.js';

const CONDITION_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
type ConditionOp = (typeof CONDITION_OPS)[number];
type ColumnCondition = Partial<Record<ConditionOp, number | undefined>>;
export type Conditions = Record<string, ColumnCondition>;

const COMPARE: Record<ConditionOp, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** True when every operator of the column condition holds for `value`. */
export function holds(cond: ColumnCondition, value: number): boolean {
  let any = false;
  for (const op of CONDITION_OPS) {
    const bound = cond[op];
    if (bound === undefined) continue;
    any = true;
    if (!COMPARE[op](value, bound)) return false;
  }
  return any;
}

export function conditionReason(column: string, cond: ColumnCondition): string {
  const parts: string[] = [column];
  const ops = CONDITION_OPS.filter((op) => cond[op] !== undefined);
  if (ops.length === 1 && ops[0] === 'eq') parts.push(numberToken(cond.eq as number));
  else for (const op of ops) parts.push(op, numberToken(cond[op] as number));
  return reasonToken(parts.join('_'));
}

/** The reason of the first column whose condition holds, or null. Columns missing from `values` are listed in `missing`. */
export function firstMatch(
  conds: Conditions | undefined,
  values: Record<string, number>,
): { reason: string | null; missing: string[] } {
  const missing: string[] = [];
  if (!conds) return { reason: null, missing };
  for (const [column, cond] of Object.entries(conds)) {
    const v = values[column];
    if (v === undefined) {
      missing.push(column);
      continue;
    }
    if (holds(cond, v)) return { reason: conditionReason(column, cond), missing };
  }
  return { reason: null, missing };
}
