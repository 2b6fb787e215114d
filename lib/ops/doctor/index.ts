import { z } from 'zod';
import { pathInput } from '../../runtime/inputs.js';
import { defineOperation } from '../operation.js';

export const doctorInputs = z.object({
  sarif_file: pathInput.optional(),
  baseline: pathInput.default('.paas/doctor-baseline.json'),
});

export const doctor = defineOperation({ name: 'doctor', mutating: false, inputs: doctorInputs, secretInputs: [] });
