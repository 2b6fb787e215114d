import { PaasError } from '../output/errors.js';
import { dbBootstrap } from '../ops/db_bootstrap/index.js';
import { deploy } from '../ops/deploy/index.js';
import { doctor } from '../ops/doctor/index.js';
import { OPERATIONS, type OperationDef, type OperationName } from '../ops/operation.js';
import { opsDaily } from '../ops/ops_daily/index.js';
import { prodVerify } from '../ops/prod_verify/index.js';
import { rollback } from '../ops/rollback/index.js';

export const REGISTRY: Record<OperationName, OperationDef> = {
  deploy,
  rollback,
  prod_verify: prodVerify,
  ops_daily: opsDaily,
  db_bootstrap: dbBootstrap,
  doctor,
} as Record<OperationName, OperationDef>;

export function operation(name: string): OperationDef {
  if (!(OPERATIONS as readonly string[]).includes(name)) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `unknown operation ${JSON.stringify(name.slice(0, 64))}`, {
      remediation: `operation must be one of: ${OPERATIONS.join(', ')}`,
    });
  }
  return REGISTRY[name as OperationName];
}
