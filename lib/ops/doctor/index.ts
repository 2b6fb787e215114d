/** doctor's entry: the operation as the registry sees it. The work is in engine.ts (other operations import that). */
import type { Outcome } from '../../output/envelope.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { defineOperation } from '../operation.js';
import { doctorInputs } from './inputs.js';

export const doctor = defineOperation({
  name: 'doctor',
  mutating: false,
  inputs: doctorInputs,
  secretInputs: [],
  // the engine (the checks, the report) is loaded on first use: every other bundle starts without it
  run: async (rt: Runtime, common: CommonInputs, settings): Promise<Outcome> =>
    (await import('./engine.js')).runDoctorOperation(rt, common, settings),
});
