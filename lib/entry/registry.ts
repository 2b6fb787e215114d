import { dbBootstrap } from '../ops/db_bootstrap/index.js';
import { deploy } from '../ops/deploy/index.js';
import { doctor } from '../ops/doctor/index.js';
import type { OperationDef, OperationName } from '../ops/operation.js';
import { opsDaily } from '../ops/ops_daily/index.js';
import { prodVerify } from '../ops/prod_verify/index.js';
import { rollback } from '../ops/rollback/index.js';

/** Every operation at once: the CLI's help and the tests. An action loads only its own (load.ts). */
export const REGISTRY: Record<OperationName, OperationDef> = {
  deploy,
  rollback,
  prod_verify: prodVerify,
  ops_daily: opsDaily,
  db_bootstrap: dbBootstrap,
  doctor,
} as Record<OperationName, OperationDef>;
