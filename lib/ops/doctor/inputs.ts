/** doctor's own inputs: apart from the engine, so the registry (every bundle) loads the schema alone. */
import * as z from 'zod';
import { boolInput, emptyToUndefined, pathInput } from '../../runtime/inputs.js';

const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

export const doctorInputs = z.object({
  /** where to write SARIF 2.1.0 (for github/codeql-action/upload-sarif) */
  sarif_file: z.preprocess(emptyToUndefined, pathInput.optional()),
  /** accepted findings, by fingerprint; relative to the checked tree */
  baseline: z.preprocess(emptyToUndefined, pathInput.default('.paas/doctor-baseline.json')),
  /** write every current tree finding into the baseline (then the run passes) */
  update_baseline: z.preprocess(emptyToUndefined, boolInput.default(false)),
  /** which findings fail the run: any (pull-request check) or critical (what blocks a deploy) */
  fail_on: z.preprocess(emptyToUndefined, z.enum(['any', 'critical']).default('any')),
  /** the tree to check (default: GITHUB_WORKSPACE, else the git work tree of the working directory, else the working directory) */
  path: z.preprocess(emptyToUndefined, pathInput.optional()),
  /** files larger than this many bytes are skipped (and counted) */
  max_file_size: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number()
      .int()
      .min(1024)
      .max(1 << 30)
      .default(DEFAULT_MAX_FILE_BYTES),
  ),
});
