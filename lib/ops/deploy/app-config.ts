import { loadPaasYml, type AppConfig as YmlApp } from '../../config/paas-yml.js';
import { PaasError } from '../../output/errors.js';

/**
 * The settings deploy/rollback use for one app: `apps.<app>` from paas.yml (validated by the one
 * schema in lib/config/paas-yml.ts) with the deploy-only fields defaulted here, so this code works
 * whether or not the schema already carries them (see docs/paas-yml.md, apps section).
 */
export interface AppConfig {
  artifact?: string | undefined;
  deploy_root: string;
  keep_releases: number;
  shared: string[];
  start?: string | undefined;
  health?: {
    http?: { port: number; path: string; expect: number | number[]; host?: string } | undefined;
    command?: string | undefined;
    interval: number;
    timeout: number;
    deadline: number;
  } | undefined;
  strategy: 'serial' | 'rolling' | 'parallel' | 'canary' | 'bluegreen';
  batch: number;
  max_parallel: number;
  canary: number;
  /** bluegreen: the two slots' ports, and the command that moves traffic to the live slot */
  slots?: { blue: { port: number }; green: { port: number }; switch?: string | undefined } | undefined;
  hooks: { pre_switch?: string | undefined; post_switch?: string | undefined };
  /** ms after which a lock is stale and may be taken over */
  lock_ttl: number;
  /** ms a remote step (unpack, hooks, start) may take */
  command_timeout: number;
  connect_concurrency: number;
  connect_attempts: number;
  /** environment URL for the GitHub Deployment */
  url?: string | undefined;
}

type Extra = Partial<Pick<AppConfig, 'lock_ttl' | 'command_timeout' | 'connect_concurrency' | 'connect_attempts' | 'url'>>;

export function normalizeApp(a: YmlApp & Extra): AppConfig {
  return {
    artifact: a.artifact,
    deploy_root: a.deploy_root,
    keep_releases: a.keep_releases,
    shared: [...a.shared],
    start: a.start ?? (a as { restart?: string }).restart,
    health: a.health,
    strategy: a.strategy,
    batch: a.batch,
    max_parallel: a.max_parallel,
    canary: a.canary,
    slots: a.slots,
    hooks: a.hooks ?? {},
    lock_ttl: a.lock_ttl ?? 30 * 60_000,
    command_timeout: a.command_timeout ?? 10 * 60_000,
    connect_concurrency: a.connect_concurrency ?? 10,
    connect_attempts: a.connect_attempts ?? 4,
    url: a.url,
  };
}

/** Reads paas.yml (relative to the workspace) and returns `apps.<app>` and the context's environment name. */
export function loadAppConfig(cwd: string, path: string, app: string): { app: AppConfig; environment: (context: string) => string | undefined; file: string } {
  const loaded = loadPaasYml(path, cwd, { optional: false });
  const raw = loaded.config.apps[app];
  if (!raw) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `${path} has no app ${app}`, {
      stage: 'config',
      remediation: `Add apps.${app} to ${path} (see docs/paas-yml.md), or pass one of: ${Object.keys(loaded.config.apps).join(', ') || '(none defined)'}.`,
    });
  }
  return { app: normalizeApp(raw as YmlApp & Extra), file: loaded.path, environment: (c) => loaded.config.contexts[c]?.environment };
}
