/**
 * Fixtures for the ops_daily / prod_verify / alerts suites: a temporary state root with one context
 * whose vault file (0600, outside the repository) holds the given secrets, a paas.yml, and a runner
 * for `paas ops daily` / `paas prod verify` through the real CLI code (in-process).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Outcome } from '../lib/output/envelope.js';
import { runOpsDaily, type OpsDailyDeps } from '../lib/ops/ops_daily/run.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { commonInputsSchema } from '../lib/runtime/inputs.js';
import type { Runtime } from '../lib/runtime/runtime.js';
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
  return (
    Object.entries(values)
      .map(([k, v]) => `${k}=${/[\s#"'\\]/.test(v) ? JSON.stringify(v) : v}`)
      .join('\n') + '\n'
  );
}

export async function opsFixture(opts: {
  context?: string;
  yaml: string;
  vault?: Record<string, string>;
}): Promise<OpsFixture> {
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
    ops: (args = [], env = {}) =>
      cli(
        ['ops', 'daily', '--context', context, '--state-root', stateRoot, '--config', config, ...args],
        env,
        join(dir, 'repo'),
      ),
    verify: (args = [], env = {}) =>
      cli(
        ['prod', 'verify', '--context', context, '--state-root', stateRoot, '--config', config, ...args],
        env,
        join(dir, 'repo'),
      ),
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

/** A virtual clock: `sleep` advances time at once and records the wait (tests never wait real seconds). */
export interface VirtualClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  advance(ms: number): void;
  readonly sleeps: number[];
}

export function virtualClock(start = Date.now()): VirtualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
    sleeps,
  };
}

export interface DirectRun {
  code: number;
  lines: string[];
  logs: string[];
  envelope: Outcome['envelope'];
  summary: string;
}

/**
 * Runs ops_daily in-process through the same function the CLI and the action call, with ports a
 * CLI run cannot take: a virtual clock (retries, Retry-After, run time) and other test seams.
 */
export async function runOpsDirect(
  f: OpsFixture,
  opts: { env?: NodeJS.ProcessEnv; mode?: 'prod' | 'lenient'; clock?: VirtualClock; deps?: OpsDailyDeps } = {},
): Promise<DirectRun> {
  const logs: string[] = [];
  const redactor = new Redactor();
  const push = (m: string) => {
    logs.push(redactor.redact(m));
  };
  const clock = opts.clock;
  const rt: Runtime = {
    env: { PATH: process.env.PATH, ...(opts.env ?? {}) },
    cwd: join(f.dir, 'repo'),
    redactor,
    logger: { info: push, warn: push, error: push, debug: () => undefined },
    now: () => new Date(clock ? clock.now() : Date.now()),
    inCI: true,
    inAction: false,
  };
  const out = await runOpsDaily(
    rt,
    commonInputsSchema.parse({ context: f.context, state_root: f.stateRoot, config: f.config }),
    { mode: opts.mode ?? 'prod' },
    { ...(clock ? { clock, githubBaseDelayMs: 1000 } : {}), ...(opts.deps ?? {}) },
  );
  return { code: out.exitCode, lines: out.lines, logs, envelope: out.envelope, summary: out.summary ?? '' };
}
