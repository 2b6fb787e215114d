/**
 * Fixtures for the ops_daily / prod_verify / alerts suites: a temporary state root with one context
 * whose vault file (0600, outside the repository) holds the given secrets, a paas.yml, and a runner
 * for `paas ops daily` / `paas prod verify` through the real CLI code (in-process).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir, type CliRun } from './helpers.js';

export interface OpsFixture {
  dir: string;
  stateRoot: string;
  context: string;
  config: string;
  vaultFile: string;
  writeVault(values: Record<string, string>): void;
  writeConfig(yaml: string): void;
  ops(args?: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  verify(args?: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  paas(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  cleanup(): void;
}

export function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${/[\s#"'\\]/.test(v) ? JSON.stringify(v) : v}`)
    .join('\n') + '\n';
}

export async function opsFixture(opts: { context?: string; yaml: string; vault?: Record<string, string> }): Promise<OpsFixture> {
  const dir = tempDir('paas-ops-');
  const stateRoot = join(dir, 'state');
  const context = opts.context ?? 'internal-dogfood';
  const vaultFile = join(dir, 'vault.env');
  const config = join(dir, 'repo', 'paas.yml');
  mkdirSync(join(dir, 'repo'), { recursive: true });
  const f: OpsFixture = {
    dir,
    stateRoot,
    context,
    config,
    vaultFile,
    writeVault(values) {
      writeFileSync(vaultFile, dotenv(values), { mode: 0o600 });
      chmodSync(vaultFile, 0o600);
    },
    writeConfig(yaml) {
      writeFileSync(config, yaml);
    },
    ops: (args = [], env = {}) => cli(['ops', 'daily', '--context', context, '--state-root', stateRoot, '--config', config, ...args], env, join(dir, 'repo')),
    verify: (args = [], env = {}) => cli(['prod', 'verify', '--context', context, '--state-root', stateRoot, '--config', config, ...args], env, join(dir, 'repo')),
    paas: (args, env = {}) => cli([...args, '--state-root', stateRoot], env, join(dir, 'repo')),
    cleanup: () => rmrf(dir),
  };
  f.writeVault(opts.vault ?? {});
  f.writeConfig(opts.yaml);
  const r = await cli(['context', 'create', context, '--state-root', stateRoot, '--vault-file', vaultFile]);
  if (r.code !== 0) throw new Error(`context create failed: ${r.stdout}${r.stderr}`);
  return f;
}

/** The status lines of a CLI run (stdout without --json), in order. */
export function statusLines(r: CliRun): string[] {
  return r.stdout.trim().split('\n').filter(Boolean);
}
