/**
 * The check engine: runs the checks declared in paas.yml concurrently (bounded), each under its own
 * deadline, and returns one structured result per check in declaration order. It never throws:
 * a bug in a check becomes `error reason=check_crashed`, a deadline `unhealthy reason=timeout`.
 */
import type { OpsCheck, PaasYml } from '../../config/paas-yml.js';
import type { Redactor } from '../../redaction/redactor.js';
import { mapLimit } from '../../transport/limit.js';
import { parseTargets, type TargetSpec } from '../../transport/targets.js';
import { runHttpCheck, type FetchLike } from './http.js';
import { runSqlCheck } from './sql.js';
import { runBackupCheck, runTargetCheck, type TargetAccess } from './targets.js';
import { runTlsCheck } from './tls.js';
import { checkError, unhealthy, type CheckKind, type CheckResult, type CheckVerdict } from './types.js';
import { CHECK_KINDS } from '../../config/paas-yml.js';

interface SecretSource {
  get(key: string): string | undefined;
}

function kindOf(check: OpsCheck): CheckKind {
  return CHECK_KINDS.find((k) => check[k] !== undefined) as CheckKind;
}

export const TARGETS_KEY = 'PAAS_TARGETS';
export const SSH_KEYS = ['PAAS_SSH_KEY', 'PAAS_KNOWN_HOSTS'] as const;

/**
 * Vault keys a check needs before it can run. Target-based checks need PAAS_TARGETS and, when any
 * target is reached over SSH, PAAS_SSH_KEY and PAAS_KNOWN_HOSTS.
 */
export function secretsOf(check: OpsCheck, vault: SecretSource): string[] {
  if (check.http) return [check.http.url];
  if (check.sql) return [check.sql.dsn];
  if (check.tls) return check.tls.ca ? [check.tls.host, check.tls.ca] : [check.tls.host];
  const keys = [TARGETS_KEY];
  const text = vault.get(TARGETS_KEY);
  if (text) {
    try {
      if (parseTargets(text).some((t) => t.kind === 'ssh')) keys.push(...SSH_KEYS);
    } catch {
      /* an unparsable list is reported by the check itself */
    }
  }
  return keys;
}

/** Missing vault keys per check name (only checks that miss something are listed). */
export function missingSecrets(checks: readonly OpsCheck[], vault: SecretSource): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of checks) {
    const miss = secretsOf(c, vault).filter((k) => !vault.get(k));
    if (miss.length) out.set(c.name, miss);
  }
  return out;
}

export interface EngineContext {
  context: string;
  vault: SecretSource;
  redactor: Redactor;
  config: PaasYml;
  /** the targets' transports, built on first use (null when PAAS_TARGETS is absent) */
  targets: () => TargetAccess;
  fetch?: FetchLike;
  now: () => Date;
  expectedRelease?: string | undefined;
  /** extra trusted CAs for tls checks (PEM) */
  tlsCa?: string | undefined;
  /** at most this many checks in flight */
  concurrency: number;
  /** grace added to a check's own timeout before the engine gives up on it */
  graceMs?: number;
}

/** The deadline of a check: its own timeout, plus grace for kinds that enforce it themselves. */
function deadlineOf(check: OpsCheck, graceMs: number): number {
  if (check.http) return check.http.timeout;
  if (check.tls) return check.tls.timeout;
  if (check.sql) return check.sql.timeout + graceMs;
  if (check.target) return check.target.timeout * 2 + graceMs; // probe + release state, after connecting
  if (check.backup) return check.backup.timeout + graceMs;
  return 30_000;
}

async function runOne(check: OpsCheck, ctx: EngineContext, signal: AbortSignal): Promise<CheckVerdict> {
  const secret = (k: string) => ctx.vault.get(k) ?? '';
  if (check.http) return runHttpCheck(check.http, secret(check.http.url), signal, ctx.fetch);
  if (check.sql)
    return runSqlCheck(check.sql, {
      dsnValue: secret(check.sql.dsn),
      redactor: ctx.redactor,
      signal,
      applicationName: `paas check ${check.name}`,
    });
  if (check.tls)
    return runTlsCheck(check.tls, secret(check.tls.host), {
      signal,
      now: ctx.now,
      ca: check.tls.ca ? secret(check.tls.ca) : ctx.tlsCa,
    });
  let access: TargetAccess;
  try {
    access = ctx.targets();
  } catch {
    return checkError('invalid_targets');
  }
  if (check.target)
    return runTargetCheck(check.target, {
      access,
      context: ctx.context,
      apps: ctx.config.apps,
      expectedRelease: ctx.expectedRelease,
      timeoutMs: check.target.timeout,
      signal,
    });
  if (check.backup) return runBackupCheck(check.backup, { access, timeoutMs: check.backup.timeout, signal });
  return checkError('unknown_kind');
}

/** Runs one check under its deadline; never throws. */
async function runCheck(check: OpsCheck, ctx: EngineContext): Promise<CheckResult> {
  const kind = kindOf(check);
  const started = performance.now();
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckVerdict>((resolve) => {
    timer = setTimeout(
      () => {
        ac.abort();
        resolve(unhealthy('timeout'));
      },
      deadlineOf(check, ctx.graceMs ?? 5000),
    );
  });
  let verdict: CheckVerdict;
  try {
    verdict = await Promise.race([runOne(check, ctx, ac.signal).catch(() => checkError('check_crashed')), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return {
    name: check.name,
    kind,
    status: verdict.status,
    reason: verdict.status === 'healthy' ? undefined : verdict.reason,
    values: verdict.values ?? {},
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Runs `checks` with at most ctx.concurrency in flight. Checks named in `skip` are not run and
 * come back as `skipped reason=missing_env`. Results are in declaration order.
 */
export async function runChecks(
  checks: readonly OpsCheck[],
  ctx: EngineContext,
  skip: ReadonlySet<string> = new Set(),
): Promise<CheckResult[]> {
  const settled = await mapLimit(checks, ctx.concurrency, async (c): Promise<CheckResult> => {
    if (skip.has(c.name))
      return { name: c.name, kind: kindOf(c), status: 'skipped', reason: 'missing_env', values: {}, ms: 0 };
    return runCheck(c, ctx);
  });
  return settled.map((s, i) =>
    s.status === 'fulfilled'
      ? s.value
      : {
          name: (checks[i] as OpsCheck).name,
          kind: kindOf(checks[i] as OpsCheck),
          status: 'error',
          reason: 'check_crashed',
          values: {},
          ms: 0,
        },
  );
}

export type { TargetSpec };
