import { PaasError } from '../output/errors.js';
import { OPERATIONS, type OperationDef, type OperationName } from '../ops/operation.js';

/**
 * One operation's definition, loaded on demand: an action bundle evaluates its own operation's
 * module (its input schema) and no other's. registry.ts (every operation at once) is for the CLI's
 * help and the tests, which list them all.
 */
const LOADERS: Record<OperationName, () => Promise<OperationDef>> = {
  deploy: async () => (await import('../ops/deploy/index.js')).deploy as OperationDef,
  rollback: async () => (await import('../ops/rollback/index.js')).rollback as OperationDef,
  prod_verify: async () => (await import('../ops/prod_verify/index.js')).prodVerify as OperationDef,
  ops_daily: async () => (await import('../ops/ops_daily/index.js')).opsDaily as OperationDef,
  db_bootstrap: async () => (await import('../ops/db_bootstrap/index.js')).dbBootstrap as OperationDef,
  doctor: async () => (await import('../ops/doctor/index.js')).doctor as OperationDef,
};

/** The operation `name`, or PAAS_INVALID_ARGUMENT naming the six. */
export async function loadOperation(name: string): Promise<OperationDef> {
  if (!(OPERATIONS as readonly string[]).includes(name)) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `unknown operation ${JSON.stringify(name.slice(0, 64))}`, {
      remediation: `operation must be one of: ${OPERATIONS.join(', ')}`,
    });
  }
  return LOADERS[name as OperationName]();
}
