/**
 * One rule per name (lib/isolation/names.ts): an app name accepted by paas.yml's `apps:` keys is
 * exactly one the deploy/rollback/logs `app` input and the remote command builders accept, and
 * the other way round. Before issue 15 the inputs and transport accepted `_` and paas.yml did not.
 */
import { expect, test } from '@jest/globals';
import fc from 'fast-check';
import { paasYmlSchemas } from '../lib/config/paas-yml.js';
import { contextConfigSchema } from '../lib/isolation/context.js';
import { APP_NAME_RE, CONTEXT_NAME_RE, TARGET_ID_RE } from '../lib/isolation/names.js';
import { deployInputs } from '../lib/ops/deploy/index.js';
import { logsInputs } from '../lib/ops/logs/index.js';
import { rollbackInputs } from '../lib/ops/rollback/inputs.js';
import { safeApp } from '../lib/transport/commands.js';
import { parseTargets } from '../lib/transport/targets.js';

const inYml = (app: string) => {
  const r = paasYmlSchemas().paasYml.safeParse({ version: 1, apps: Object.fromEntries([[app, {}]]) });
  return r.success && Object.hasOwn(r.data.apps, app);
};
const inDeploy = (app: string) => deployInputs.safeParse({ app }).success;
const inRollback = (app: string) => rollbackInputs.safeParse({ app }).success;
const inLogs = (app: string) => logsInputs.safeParse({ app }).success;
const inTransport = (app: string) => {
  try {
    safeApp(app);
    return true;
  } catch {
    return false;
  }
};

// (an empty app input means "not given": the one app of paas.yml)
/** names near the rule: its characters and the ones that must be refused (`_`, `.`, uppercase, space, `/`) */
const nearName = fc.string({ unit: fc.constantFrom(...'ab09-_.A /'.split('')), minLength: 0, maxLength: 66 });

test('paas.yml apps keys, the deploy/rollback/logs app inputs and the command builders accept the same app names', () => {
  fc.assert(
    fc.property(
      fc.oneof(nearName, fc.string({ maxLength: 70 }), fc.stringMatching(APP_NAME_RE)).filter((s) => s !== ''),
      (app) => {
        const yml = inYml(app);
        expect({
          app,
          deploy: inDeploy(app),
          rollback: inRollback(app),
          logs: inLogs(app),
          transport: inTransport(app),
        }).toEqual({ app, deploy: yml, rollback: yml, logs: yml, transport: yml });
        expect(yml).toBe(APP_NAME_RE.test(app));
      },
    ),
    { numRuns: 2000 },
  );
});

test('an app name with an underscore is refused everywhere (paths and shell words follow the context rule)', () => {
  for (const check of [inYml, inDeploy, inRollback, inLogs, inTransport]) expect(check('my_app')).toBe(false);
  for (const check of [inYml, inDeploy, inRollback, inLogs, inTransport]) expect(check('my-app')).toBe(true);
});

test('app names and context names follow one rule', () => {
  fc.assert(fc.property(nearName, (s) => APP_NAME_RE.test(s) === CONTEXT_NAME_RE.test(s)));
});

test('target ids: PAAS_TARGETS, paas.yml backup checks, context default_targets and logs --target accept the same ids', () => {
  const nearId = fc.string({ unit: fc.constantFrom(...'aZ09-_.:/@'.split('')), minLength: 1, maxLength: 66 });
  const inVault = (id: string) => {
    try {
      return parseTargets(`${id}=local:/srv/t`).length === 1;
    } catch {
      return false;
    }
  };
  const inYml = (id: string) =>
    paasYmlSchemas().paasYml.safeParse({
      version: 1,
      ops: { checks: [{ name: 'b', backup: { dir: '/var/backups', max_age_hours: 26, target: id } }] },
    }).success;
  const inContext = (id: string) =>
    contextConfigSchema.safeParse({
      name: 'c',
      type: 'internal',
      state_root: '/s',
      default_targets: [id],
      created_at: 'now',
    }).success;
  const inLogs = (id: string) => logsInputs.safeParse({ target: id }).success;
  fc.assert(
    fc.property(fc.oneof(nearId, fc.stringMatching(TARGET_ID_RE)), (id) => {
      const rule = TARGET_ID_RE.test(id);
      expect({ id, vault: inVault(id), yml: inYml(id), context: inContext(id), logs: inLogs(id) }).toEqual({
        id,
        vault: rule,
        yml: rule,
        context: rule,
        logs: rule,
      });
    }),
    { numRuns: 1000 },
  );
});
