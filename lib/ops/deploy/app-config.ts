import { loadPaasYml, type AppConfig as YmlApp } from '../../config/paas-yml.js';
import { PaasError } from '../../output/errors.js';

/**
 * The settings deploy/rollback use for one app: `apps.<app>` from paas.yml exactly as the one
 * schema in lib/config/paas-yml.ts returns it (its type is that schema's `z.infer`, every default
 * applied there, see docs/paas-yml.md, apps section), with `restart` read as `start`.
 */
export type AppConfig = YmlApp;

/** `restart` is paas.yml's other name for `start`. */
function normalizeApp(a: YmlApp): AppConfig {
  return a.start === undefined && a.restart !== undefined ? { ...a, start: a.restart } : a;
}

/** Reads paas.yml (relative to the workspace) and returns `apps.<app>` and the context's environment name. */
export function loadAppConfig(
  cwd: string,
  path: string,
  app: string,
): { app: AppConfig; environment: (context: string) => string | undefined; file: string } {
  const loaded = loadPaasYml(path, cwd, { optional: false });
  const raw = loaded.config.apps[app];
  if (!raw) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `${path} has no app ${app}`, {
      stage: 'config',
      remediation:
        `Add apps.${app} to ${path} (see docs/paas-yml.md), or pass one of: ` +
        `${Object.keys(loaded.config.apps).join(', ') || '(none defined)'}.`,
    });
  }
  return { app: normalizeApp(raw), file: loaded.path, environment: (c) => loaded.config.contexts[c]?.environment };
}
