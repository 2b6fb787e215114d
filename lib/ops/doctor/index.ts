/** doctor's entry: the operation as the registry sees it. The work is in engine.ts (other operations import that). */
import { defineOperation } from '../operation.js';
import { doctorInputs, runDoctorOperation } from './engine.js';

export * from './engine.js';

export const doctor = defineOperation({
  name: 'doctor',
  mutating: false,
  inputs: doctorInputs,
  secretInputs: [],
  run: runDoctorOperation,
});
