import { PaasError } from '../output/errors.js';
import { dbBootstrap } from './db_bootstrap/index.js';
import { deploy } from './deploy/index.js';
import { doctor } from './doctor/index.js';
import { OPERATIONS, type OperationDef, type OperationName } from './operation.js';
import { opsDaily } from './ops_daily/index.js';
import { prodVerify } from './prod_verify/index.js';
import { rollback } from './rollback/index.js';

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
