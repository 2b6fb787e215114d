import * as z from 'zod';
import { appName, RELEASE_ID_RE } from '../../isolation/names.js';
import { boolInput, pathInput } from '../../runtime/inputs.js';
import { defineOperation } from '../operation.js';
import { MAX_SHARDS, parseShard } from './shard-ref.js';

export const deployInputs = z.object({
  mode: z.enum(['deploy', 'reconcile', 'target_check', 'plan_shards', 'finalize']).default('deploy'),
  app: appName.optional(),
  artifact: pathInput.optional(),
  release_id: z
    .string()
    .regex(RELEASE_ID_RE, { error: 'must be 1-64 letters, digits, dot, dash, underscore' })
    .optional(),
  apply: boolInput.default(false),
  // a sharded deploy (docs/deploy.md#sharded-deploys): plan_shards splits the fleet into `shards`
  // matrix jobs, each deploys its `shard: i/N`, finalize makes the fleet consistent
  shards: z.coerce
    .number({ error: 'must be a whole number from 1 to 256' })
    .int({ error: 'must be a whole number from 1 to 256' })
    .min(1, { error: 'must be a whole number from 1 to 256' })
    .max(MAX_SHARDS, { error: 'must be a whole number from 1 to 256' })
    .optional(),
  shard: z
    .string()
    .refine((v) => parseShard(v) !== null, { error: 'must be i/N with 1 <= i <= N <= 256, e.g. 2/4' })
    .optional(),
  rollback_on_failure: boolInput.default(true),
  github_token: z.string().max(1000).optional(),
});

type DeployMode = z.output<typeof deployInputs>['mode'];
type DeployInput = keyof typeof deployInputs.shape;

/** The inputs each mode reads (run.ts, finalize.ts): the CLI's `deploy reconcile` and `target check` take only theirs. */
const DEPLOY_INPUTS_BY_MODE = {
  deploy: ['app', 'artifact', 'release_id', 'apply', 'shard', 'rollback_on_failure', 'github_token'],
  reconcile: ['app'],
  target_check: ['app'],
  plan_shards: ['app', 'shards'],
  finalize: ['app', 'release_id', 'apply', 'github_token'],
} as const satisfies Record<DeployMode, readonly DeployInput[]>;

export const deploy = defineOperation({
  name: 'deploy',
  mutating: true,
  inputs: deployInputs,
  inputsByMode: DEPLOY_INPUTS_BY_MODE,
  secretInputs: ['github_token'],
  // loaded on first use: the registry stays light, so every bundle starts fast
  run: async (rt, common, settings) => (await import('./run.js')).deployRun(rt, common, settings),
});
