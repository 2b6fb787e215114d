/**
 * What ops_daily and prod_verify share before checks run: paas.yml (the one loader), the vault
 * keys it names (so named secrets passed in env are picked up), and the engine context with its
 * lazily opened target transports (lib/transport/connect.ts: SSH or local).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadPaasYml, type LoadedPaasYml, type PaasYml } from '../../config/paas-yml.js';
import { PaasError } from '../../output/errors.js';
import type { Vault } from '../../isolation/vault.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { buildTransports, connectTransport } from '../../transport/connect.js';
import { parseTargets } from '../../transport/targets.js';
import { SSH_KEYS, TARGETS_KEY, type EngineContext } from './engine.js';
import type { FetchLike } from './http.js';
import { targetAccess, type TargetAccess } from './targets.js';

/**
 * paas.yml for ops_daily and prod_verify, which must check something: a missing file is an error
 * naming the path looked at (and a `paas.yaml` / `paas.yml` found beside it: the name is exact).
 */
export function loadRequiredConfig(
  rt: Runtime,
  common: Pick<CommonInputs, 'config'>,
  operation: string,
): LoadedPaasYml {
  const loaded = loadPaasYml(common.config, rt.workspace ?? rt.cwd, { optional: true });
  if (loaded.exists) return loaded;
  const dir = dirname(loaded.path);
  const wanted = basename(loaded.path);
  const beside = ['paas.yaml', 'paas.yml', 'paas.YAML', 'paas.YML'].filter(
    (n) => n !== wanted && existsSync(join(dir, n)),
  );
  const hint = beside.length
    ? ` A file named ${beside.join(', ')} exists beside it: ` +
      `rename it to ${wanted} or pass \`config: ${beside[0]}\` (--config).`
    : '';
  throw new PaasError(
    'PAAS_INVALID_ARGUMENT',
    `${operation}: configuration file ${loaded.path} does not exist, ` +
      `so there is nothing to check${beside.length ? ` (found ${beside.join(', ')} beside it)` : ''}`,
    {
      stage: 'config',
      target: common.config,
      remediation:
        `Create ${common.config} with the checks to run (docs/ops_daily.md, docs/paas-yml.md), ` +
        `or point \`config\` / --config at the right file.${hint} A run that checks nothing ` +
        'is never green.',
    },
  );
}

/** Every vault key paas.yml names for ops and db (plus the target keys): picked from env when set there. */
export function namedVaultKeys(config: PaasYml): string[] {
  const keys = new Set<string>([
    TARGETS_KEY,
    ...SSH_KEYS,
    'PAAS_SSH_FINGERPRINTS',
    'PAAS_SSH_JUMP',
    config.db.dsn,
    config.ops.slack.webhook,
  ]);
  for (const c of config.ops.checks) {
    if (c.http) keys.add(c.http.url);
    if (c.sql) keys.add(c.sql.dsn);
    if (c.tls) keys.add(c.tls.host);
    if (c.tls?.ca) keys.add(c.tls.ca);
  }
  return [...keys].sort();
}

/** Test seams; production runs leave them empty. */
export interface CheckDeps {
  fetch?: FetchLike;
  tlsCa?: string;
}

export interface PreparedEngine {
  ctx: EngineContext;
  close(): Promise<void>;
}

export function prepareEngine(
  rt: Runtime,
  context: string,
  vault: Vault,
  config: PaasYml,
  opts: { expectedRelease?: string | undefined; deps?: CheckDeps } = {},
): PreparedEngine {
  let access: TargetAccess | null = null;
  const targets = (): TargetAccess => {
    if (!access) {
      const specs = parseTargets(vault.require(TARGETS_KEY, 'target and backup checks'));
      const transports = buildTransports(specs, vault, {
        concurrency: 8,
        attempts: 2,
        backoffMs: 500,
        log: (m) => rt.logger.info(m),
      });
      access = targetAccess(specs, transports, connectTransport);
    }
    return access;
  };
  const ctx: EngineContext = {
    context,
    vault,
    redactor: rt.redactor,
    config,
    targets,
    fetch: opts.deps?.fetch,
    now: rt.now,
    expectedRelease: opts.expectedRelease,
    tlsCa: opts.deps?.tlsCa,
    concurrency: config.ops.concurrency,
  };
  return {
    ctx,
    close: async () => {
      await (access as TargetAccess | null)?.close();
    },
  };
}

/** The URL of this workflow run, when running in GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(env.GITHUB_REPOSITORY) || !/^\d+$/.test(env.GITHUB_RUN_ID))
    return undefined;
  return `${server.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
