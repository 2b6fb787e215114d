/**
 * prod_verify's configuration checks: everything that can be verified without any connection to
 * production (no socket, no DNS lookup): paas.yml valid, required secret NAMES present in the
 * vault, the DSN parses, PAAS_TARGETS and PAAS_KNOWN_HOSTS parse (and cover every SSH target),
 * the migration plan is valid, and the vault values the ops checks name are well-formed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PaasYml } from '../../config/paas-yml.js';
import { parseDsn, registerDsnSecrets } from '../../db/dsn.js';
import type { Vault } from '../../isolation/vault.js';
import { isDbError } from '../../db/errors.js';
import type { Redactor } from '../../redaction/redactor.js';
import { entryMatches, parseKnownHosts } from '../../transport/known-hosts.js';
import { parseTargets, type TargetSpec } from '../../transport/targets.js';
import { checkPlanOffline, type Plan } from '../db_bootstrap/offline.js';
import { secretsOf, SSH_KEYS, TARGETS_KEY } from '../checks/engine.js';
import { parseTlsHost } from '../checks/tls.js';

export interface ConfigCheck {
  name: string;
  ok: boolean;
  reason?: string | undefined;
  count?: number | undefined;
  missing?: string[] | undefined;
}

export interface ConfigReport {
  checks: ConfigCheck[];
  /** the plan when the repository has migrations */
  plan: Plan | null;
  /** the database is in use (migrations in the repository, or sql checks) */
  dbUsed: boolean;
}

/** Vault keys prod_verify needs: every ops check's, the DSN when migrations exist, targets when apps exist. */
function requiredKeys(config: PaasYml, vault: Vault, hasMigrations: boolean): string[] {
  const keys = new Set<string>();
  for (const c of config.ops.checks) for (const k of secretsOf(c, vault)) keys.add(k);
  if (hasMigrations) keys.add(config.db.dsn);
  if (Object.keys(config.apps).length > 0) {
    keys.add(TARGETS_KEY);
    const text = vault.get(TARGETS_KEY);
    try {
      if (text && parseTargets(text).some((t) => t.kind === 'ssh')) for (const k of SSH_KEYS) keys.add(k);
    } catch {
      /* reported by the targets check */
    }
  }
  return [...keys].sort();
}

function nonCommentLines(text: string): number {
  return text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#')).length;
}

/** The migration plan (offline), only when the repository has a migrations directory. */
function migrationsCheck(config: PaasYml, workspace: string): { plan: Plan | null; check: ConfigCheck | null } {
  if (!existsSync(resolve(workspace, config.db.migrations))) return { plan: null, check: null };
  try {
    const plan = checkPlanOffline(workspace, config.db);
    return { plan, check: { name: 'migrations', ok: true, count: plan.migrations.length } };
  } catch (e) {
    return {
      plan: null,
      check: { name: 'migrations', ok: false, reason: isDbError(e) ? e.reason : 'invalid_migration_plan' },
    };
  }
}

/** The DSNs (db and sql checks) that are in the vault parse; their secrets are registered. */
function dsnCheck(config: PaasYml, vault: Vault, hasMigrations: boolean, redactor: Redactor): ConfigCheck | null {
  const dsnKeys = new Set<string>(config.ops.checks.flatMap((c) => (c.sql ? [c.sql.dsn] : [])));
  if (hasMigrations || vault.has(config.db.dsn)) dsnKeys.add(config.db.dsn);
  const presentDsn = [...dsnKeys].filter((k) => vault.has(k));
  if (!presentDsn.length) return null;
  let bad = 0;
  for (const k of presentDsn) {
    const v = vault.get(k) as string;
    registerDsnSecrets(redactor, v, k);
    try {
      parseDsn(v, k);
    } catch {
      bad++;
    }
  }
  return bad
    ? { name: 'dsn', ok: false, reason: 'invalid_dsn', count: bad }
    : { name: 'dsn', ok: true, count: presentDsn.length };
}

/** PAAS_TARGETS parses, when the vault has it. */
function targetsCheck(vault: Vault): { targets: TargetSpec[] | null; check: ConfigCheck | null } {
  if (!vault.has(TARGETS_KEY)) return { targets: null, check: null };
  try {
    const targets = parseTargets(vault.get(TARGETS_KEY) as string);
    return { targets, check: { name: 'targets', ok: true, count: targets.length } };
  } catch {
    return { targets: null, check: { name: 'targets', ok: false, reason: 'invalid_targets' } };
  }
}

/** PAAS_KNOWN_HOSTS parses and holds a host key for every SSH target. */
function knownHostsCheck(vault: Vault, targets: TargetSpec[] | null): ConfigCheck | null {
  const ssh = (targets ?? []).filter((t) => t.kind === 'ssh');
  if (!ssh.length || !vault.has('PAAS_KNOWN_HOSTS')) return null;
  const text = vault.get('PAAS_KNOWN_HOSTS') as string;
  const entries = parseKnownHosts(text);
  const uncovered = ssh.filter((t) => !entries.some((e) => e.marker === '' && entryMatches(e, t.host, t.port)));
  if (entries.length !== nonCommentLines(text))
    return {
      name: 'known_hosts',
      ok: false,
      reason: 'invalid_known_hosts',
      count: nonCommentLines(text) - entries.length,
    };
  if (uncovered.length) return { name: 'known_hosts', ok: false, reason: 'host_key_missing', count: uncovered.length };
  return { name: 'known_hosts', ok: true, count: entries.length };
}

/** The values ops checks name are well-formed (http(s) URLs, TLS hosts). */
function opsValuesCheck(config: PaasYml, vault: Vault): ConfigCheck | null {
  if (!config.ops.checks.length) return null;
  let bad = 0;
  for (const c of config.ops.checks) {
    const url = c.http ? vault.get(c.http.url) : undefined;
    if (url !== undefined) {
      try {
        const u = new URL(url.trim());
        if (u.protocol !== 'http:' && u.protocol !== 'https:') bad++;
      } catch {
        bad++;
      }
    }
    const host = c.tls ? vault.get(c.tls.host) : undefined;
    if (c.tls && host !== undefined && !parseTlsHost(host, c.tls.port)) bad++; // port: the schema's default 443
  }
  return bad
    ? { name: 'ops_checks', ok: false, reason: 'invalid_check_value', count: bad }
    : { name: 'ops_checks', ok: true, count: config.ops.checks.length };
}

export function runConfigChecks(config: PaasYml, vault: Vault, workspace: string, redactor: Redactor): ConfigReport {
  const migrations = migrationsCheck(config, workspace);
  const plan = migrations.plan;
  const hasMigrations = (plan?.migrations.length ?? 0) > 0 || migrations.check?.ok === false;
  const required = requiredKeys(config, vault, hasMigrations);
  const missing = vault.missing(required);
  const secrets: ConfigCheck = missing.length
    ? { name: 'secrets', ok: false, reason: 'missing_env', missing }
    : { name: 'secrets', ok: true, count: required.length };
  const { targets, check: targetsParsed } = targetsCheck(vault);
  const checks = [
    { name: 'paas_yml', ok: true, count: config.ops.checks.length },
    migrations.check,
    secrets,
    dsnCheck(config, vault, hasMigrations, redactor),
    targetsParsed,
    knownHostsCheck(vault, targets),
    opsValuesCheck(config, vault),
  ].filter((c): c is ConfigCheck => c !== null);
  return { checks, plan, dbUsed: hasMigrations || config.ops.checks.some((c) => c.sql) };
}
