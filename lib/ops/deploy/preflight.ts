import { preflight } from '../doctor/engine.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';

/**
 * Before a mutating deploy/rollback: doctor's isolation checks (lib/ops/doctor `preflight`);
 * critical findings block with PAAS_DOCTOR_BLOCKED before any target is touched.
 */
export async function runPreflight(rt: Runtime, common: CommonInputs): Promise<void> {
  await preflight(rt, common);
}
