import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';

type Preflight = (rt: Runtime, common: CommonInputs) => Promise<void> | void;

/**
 * DOCTOR PREFLIGHT HOOK: before a mutating deploy/rollback, doctor's isolation checks run and
 * critical findings block (PAAS_DOCTOR_BLOCKED). Uses `preflight(rt, common)` exported by
 * lib/ops/doctor/index.ts as soon as it exists; until then it logs that it was skipped.
 */
export async function runPreflight(rt: Runtime, common: CommonInputs): Promise<void> {
  const mod = (await import('../doctor/index.js')) as unknown as { preflight?: Preflight };
  if (typeof mod.preflight === 'function') {
    await mod.preflight(rt, common);
    return;
  }
  rt.logger.warn('doctor preflight is not available in this build; isolation checks were skipped');
}
