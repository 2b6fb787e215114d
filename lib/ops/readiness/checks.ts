/**
 * The checks of `paas ops readiness` (the runbook's weekly checklist), as plain functions over what
 * is on disk: the contexts of a state root, their vault files, backups and events. They read only.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContextConfig } from '../../isolation/context.js';
import type { ContextStore } from '../../isolation/store.js';
import { parseDotenv, sameVault, vaultIdentity, type VaultIdentity } from '../../isolation/vault.js';
import { BACKUP_EXT, readManifest, verifyBackup } from '../../persistence/backup.js';
import { STATE_KEY_NAME } from '../../persistence/crypto.js';
import type { Redactor } from '../../redaction/redactor.js';
import { parseTargets } from '../doctor/state.js';
import { errorMessage } from '../../output/errors.js';
import { statusLine } from '../../output/logfmt.js';

type CheckStatus = 'ok' | 'fail' | 'skipped';
export const CHECK_NAMES = [
  'doctor',
  'distinct_targets',
  'distinct_vault',
  'backup',
  'alert_route',
  'rollback_drill',
] as const;
type CheckName = (typeof CHECK_NAMES)[number];

export interface ReadinessCheck {
  check: CheckName;
  /** null for the state-root-wide doctor check */
  context: string | null;
  status: CheckStatus;
  /** a stable token: why it failed, was skipped, or how it passed */
  reason: string;
  /** what was found, for humans (no secret: names, paths, ages) */
  detail: string;
  /** what to do when it failed */
  fix: string | null;
  age_hours?: number;
}

/** The checks that concern one context: its own and the state-root-wide doctor check. */
export function checksOf(checks: readonly ReadinessCheck[], context: string): ReadinessCheck[] {
  return checks.filter((k) => k.context === context || k.context === null);
}

/** One check as its status line: `ops_readiness_check status= check= [context=] reason= [age_hours=]`. */
export function readinessCheckLine(c: ReadinessCheck, redactor: Redactor): string {
  return statusLine(
    'ops_readiness_check',
    [
      ['status', c.status],
      ['check', c.check],
      ['context', c.context ?? undefined],
      ['reason', c.reason],
      ['age_hours', c.age_hours],
    ],
    redactor,
  );
}

export interface ContextVault {
  /** where the values came from: the vault file, the vault input, or nothing */
  source: 'file' | 'input' | 'none';
  values: Map<string, string>;
  identity: VaultIdentity | null;
  /** why the vault could not be read (file missing, malformed), or null */
  problem: string | null;
}

/**
 * The vault of one context: its vault_file, else the vault text given for it (the `vault` input).
 * Values are registered for redaction.
 */
export function readContextVault(c: ContextConfig, inputText: string | undefined, redactor: Redactor): ContextVault {
  const register = (values: Map<string, string>) => {
    for (const v of values.values()) redactor.register(v);
    return values;
  };
  if (c.vault_file) {
    const identity = vaultIdentity(c.vault_file);
    try {
      const st = statSync(identity.real);
      if (!st.isFile())
        return {
          source: 'file',
          values: new Map(),
          identity,
          problem: `vault file ${identity.real} is not a regular file`,
        };
      return {
        source: 'file',
        values: register(parseDotenv(readFileSync(identity.real, 'utf8'), 'vault file')),
        identity,
        problem: null,
      };
    } catch (e) {
      const msg =
        e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? `vault file ${identity.real} does not exist`
          : `vault file ${identity.real} cannot be read`;
      return { source: 'file', values: new Map(), identity, problem: msg };
    }
  }
  if (inputText?.trim()) {
    try {
      return {
        source: 'input',
        values: register(parseDotenv(inputText, 'vault input')),
        identity: null,
        problem: null,
      };
    } catch {
      return {
        source: 'input',
        values: new Map(),
        identity: null,
        problem: 'the vault input does not parse as KEY=value lines',
      };
    }
  }
  return { source: 'none', values: new Map(), identity: null, problem: null };
}

const VAULT_FIX = (c: string) =>
  `Map a vault to ${c}: locally the context's vault_file (create the context with --vault-file, ` +
  'outside the repository, mode 0600); in Actions the environment secret passed as the `vault` input.';

/** The context's vault, or the failed check when none is mapped or it cannot be read. */
function usableVault(
  base: Pick<ReadinessCheck, 'check' | 'context'>,
  name: string,
  own: ContextVault | undefined,
  unmappedWhy: string,
): ContextVault | { failed: ReadinessCheck } {
  const fail = (reason: string, detail: string, fix: string) => ({
    failed: { ...base, status: 'fail' as const, reason, detail, fix },
  });
  if (!own || own.source === 'none')
    return fail('vault_unmapped', `no vault mapped to ${name}${unmappedWhy}`, VAULT_FIX(name));
  if (own.problem) return fail('vault_unreadable', own.problem, `Fix the vault of ${name} (${own.problem}).`);
  return own;
}

/** distinct_targets: no target address of `c` is also a target of another context (all contexts of the state root). */
export function checkDistinctTargets(c: ContextConfig, vaults: Map<string, ContextVault>): ReadinessCheck {
  const base = { check: 'distinct_targets' as const, context: c.name };
  const own = usableVault(base, c.name, vaults.get(c.name), ': its targets cannot be compared');
  if ('failed' in own) return own.failed;
  const targets = own.values.get('PAAS_TARGETS');
  if (!targets?.trim())
    return {
      ...base,
      status: 'ok',
      reason: 'no_targets',
      detail: 'the vault names no targets (PAAS_TARGETS): nothing to share',
      fix: null,
    };
  const mine = parseTargets(targets);
  const shared: string[] = [];
  for (const [other, v] of vaults) {
    if (other === c.name) continue;
    const theirs = v.values.get('PAAS_TARGETS');
    if (!theirs) continue;
    const addrs = new Map([...parseTargets(theirs)].map(([id, a]) => [a, id]));
    for (const [id, addr] of mine) {
      const otherId = addrs.get(addr);
      if (otherId !== undefined) shared.push(`${id} = ${other}/${otherId}`);
    }
  }
  if (shared.length) {
    return {
      ...base,
      status: 'fail',
      reason: 'shared_target',
      detail: `targets shared with another context: ${shared.join(', ')}`,
      fix:
        "Give each context its own targets (PAAS_TARGETS in each context's vault); " +
        'a demo context must never reach an internal or customer target. Then run `paas doctor`.',
    };
  }
  return { ...base, status: 'ok', reason: 'distinct', detail: `${mine.size} target(s), none shared`, fix: null };
}

/** distinct_vault: the vault file of `c` is not another context's (same real path, same inode, or same content). */
export function checkDistinctVault(c: ContextConfig, vaults: Map<string, ContextVault>): ReadinessCheck {
  const base = { check: 'distinct_vault' as const, context: c.name };
  const own = usableVault(base, c.name, vaults.get(c.name), '');
  if ('failed' in own) return own.failed;
  const hits: string[] = [];
  for (const [other, v] of vaults) {
    if (other === c.name) continue;
    if (own.identity && v.identity) {
      const how = sameVault(own.identity, v.identity);
      if (how)
        hits.push(`${other} (${how === 'path' ? 'same file' : how === 'inode' ? 'hard link' : 'identical content'})`);
      continue;
    }
    // a vault given as input: compare the values
    if (
      own.values.size &&
      v.values.size &&
      JSON.stringify([...own.values].sort()) === JSON.stringify([...v.values].sort())
    )
      hits.push(`${other} (identical content)`);
  }
  if (hits.length) {
    return {
      ...base,
      status: 'fail',
      reason: 'shared_vault',
      detail: `the vault of ${c.name} is also the vault of ${hits.join(', ')}`,
      fix:
        `Give ${c.name} its own vault with its own secrets (one vault per context, never shared); ` +
        'rotate the secrets the contexts shared.',
    };
  }
  return {
    ...base,
    status: 'ok',
    reason: 'distinct',
    detail: own.source === 'file' ? `own vault file ${own.identity?.real ?? ''}` : 'own vault (input)',
    fix: null,
  };
}

interface BackupPolicy {
  maxAgeMs: number;
}

/** The backups of a context: the default directory and the paths recorded by backup.created events. */
function backupCandidates(store: ContextStore, context: string, redactor: Redactor): string[] {
  const out = new Set<string>();
  const dir = join(store.root.path, 'backups', context);
  try {
    for (const f of readdirSync(dir)) if (f.endsWith(BACKUP_EXT)) out.add(join(dir, f));
  } catch {
    /* no default directory */
  }
  for (const ev of store.events(context, redactor).list({ kinds: ['backup.created'], limit: 1000 })) {
    const p = ev.fields.path;
    if (typeof p === 'string' && existsSync(p)) out.add(p);
  }
  return [...out];
}

/** The newest backup of a context, by the creation time in its manifest (else the file's mtime), or null. */
function newestBackup(
  store: ContextStore,
  context: string,
  redactor: Redactor,
): { path: string; created: number } | null {
  const found: Array<{ path: string; created: number }> = [];
  for (const p of backupCandidates(store, context, redactor)) {
    let created = NaN;
    try {
      created = Date.parse(readManifest(readFileSync(p)).manifest.created_at);
    } catch {
      /* unreadable manifest: ordered by mtime, verification reports it */
    }
    if (Number.isNaN(created)) {
      try {
        created = statSync(p).mtimeMs;
      } catch {
        continue;
      }
    }
    found.push({ path: p, created });
  }
  found.sort((a, b) => b.created - a.created);
  return found[0] ?? null;
}

/** What `paas backup verify` finds wrong with a backup file (empty: every checksum verified). */
function backupProblems(path: string, key: string): string[] {
  try {
    return verifyBackup(readFileSync(path), key).report.problems;
  } catch (e) {
    return [errorMessage(e)];
  }
}

/**
 * backup: the newest backup exists, is younger than the policy's age and passes `paas backup verify`.
 * Demo contexts are disposable: skipped.
 */
export function checkBackup(
  store: ContextStore,
  c: ContextConfig,
  vault: ContextVault | undefined,
  env: NodeJS.ProcessEnv,
  policy: BackupPolicy,
  now: Date,
  redactor: Redactor,
): ReadinessCheck {
  const base = { check: 'backup' as const, context: c.name };
  if (c.type === 'demo')
    return {
      ...base,
      status: 'skipped',
      reason: 'demo_context',
      detail: 'demo contexts are disposable: no backup required',
      fix: null,
    };
  const newest = newestBackup(store, c.name, redactor);
  if (!newest)
    return {
      ...base,
      status: 'fail',
      reason: 'no_backup',
      detail: `no backup of ${c.name} under ${join(store.root.path, 'backups', c.name)} or recorded in its events`,
      fix: `Write one: \`${backupCreate(c)}\` (schedule it; see docs/state.md).`,
    };
  const key = vault?.values.get(STATE_KEY_NAME) ?? env[STATE_KEY_NAME];
  return { ...base, ...judgeNewestBackup(c, newest, key, policy, now) };
}

function backupCreate(c: ContextConfig): string {
  return `paas backup create --context ${c.name}`;
}

/** The backup check's verdict on the newest backup: verifiable (key), verified, fresh enough. */
function judgeNewestBackup(
  c: ContextConfig,
  newest: { path: string; created: number },
  key: string | undefined,
  policy: BackupPolicy,
  now: Date,
): Omit<ReadinessCheck, 'check' | 'context'> {
  const create = backupCreate(c);
  const age_hours = Math.max(0, Math.floor((now.getTime() - newest.created) / 3_600_000));
  const maxHours = Math.round(policy.maxAgeMs / 3_600_000);
  if (!key)
    return {
      status: 'fail',
      reason: 'state_key_missing',
      detail: `the newest backup ${newest.path} cannot be verified: no ${STATE_KEY_NAME} in the vault of ${c.name}`,
      fix: `Add ${STATE_KEY_NAME} to the vault of ${c.name} (the key its backups are encrypted with).`,
      age_hours,
    };
  const problems = backupProblems(newest.path, key);
  if (problems.length)
    return {
      status: 'fail',
      reason: 'backup_invalid',
      detail: `the newest backup ${newest.path} fails verification: ${problems.slice(0, 3).join('; ')}`,
      fix:
        `Do not rely on it: write a new one (\`${create}\`), check it with \`paas backup verify <file>\`, ` +
        'and find what damaged the old one.',
      age_hours,
    };
  if (now.getTime() - newest.created > policy.maxAgeMs)
    return {
      status: 'fail',
      reason: 'backup_stale',
      detail: `the newest backup ${newest.path} is ${age_hours} h old (policy: at most ${maxHours} h)`,
      fix: `Write a fresh one (\`${create}\`) and check that the scheduled backup runs.`,
      age_hours,
    };
  return {
    status: 'ok',
    reason: 'verified',
    detail: `newest backup ${newest.path}, ${age_hours} h old, every checksum verified`,
    fix: null,
    age_hours,
  };
}

/**
 * alert_route: somewhere for the alert to go: a Slack webhook in the context's vault, or GitHub
 * issues (repository + token).
 */
export function checkAlertRoute(
  c: ContextConfig,
  vault: ContextVault | undefined,
  slackKey: string,
  github: { repo: string | null; token: boolean },
): ReadinessCheck {
  const base = { check: 'alert_route' as const, context: c.name };
  const routes: string[] = [];
  if (vault?.values.get(slackKey)) routes.push('slack');
  if (github.repo && github.token) routes.push('github_issues');
  const routeName = (r: string) => (r === 'slack' ? `Slack (${slackKey})` : `issues of ${github.repo}`);
  if (routes.length)
    return {
      ...base,
      status: 'ok',
      reason: routes.join(','),
      detail: `alerts go to ${routes.map(routeName).join(' and ')}`,
      fix: null,
    };
  return {
    ...base,
    status: 'fail',
    reason: 'no_alert_route',
    detail:
      `no ${slackKey} in the vault of ${c.name} and no GitHub repository with a token ` +
      '(GITHUB_REPOSITORY + GITHUB_TOKEN / github_token)',
    fix:
      `Add ${slackKey} to the vault of ${c.name}, or run readiness and ops_daily in a workflow with ` +
      '`github_token` (issues: write) so alerts open an issue.',
  };
}

function drillFix(c: ContextConfig): string {
  return (
    `Run a rollback drill in ${c.name}: the rollback workflow with \`drill: true\` and \`apply: true\` ` +
    `(CLI: \`paas rollback --drill --apply --context ${c.name} --app <app>\`, in CI for non-demo contexts); ` +
    'it records a rollback.drill event.'
  );
}

/** The drills that do not count, for the detail: `2 failed, 1 plan-and-verify only` (empty when none). */
function incompleteDrills(events: ReadonlyArray<{ level: string; fields: Record<string, unknown> }>): string {
  const failed = events.filter((e) => e.level === 'error').length;
  const partial = events.filter((e) => e.level === 'info' && e.fields.mode !== 'full').length;
  return [failed ? `${failed} failed` : '', partial ? `${partial} plan-and-verify only` : '']
    .filter(Boolean)
    .join(', ');
}

/** rollback_drill: a `rollback.drill` event within the window, in contexts whose type requires it (internal). */
export function checkDrill(
  store: ContextStore,
  c: ContextConfig,
  windowMs: number,
  now: Date,
  redactor: Redactor,
): ReadinessCheck {
  const base = { check: 'rollback_drill' as const, context: c.name };
  if (c.type !== 'internal')
    return {
      ...base,
      status: 'skipped',
      reason: 'not_required',
      detail: `a ${c.type} context needs no rollback drill`,
      fix: null,
    };
  const days = Math.round(windowMs / 86_400_000);
  // a completed full drill counts (level info, mode full); failed drills and plan-and-verify ones do not
  const events = store.events(c.name, redactor).list({ kinds: ['rollback.drill'], limit: 1000 });
  const drills = events.filter((e) => e.level === 'info' && e.fields.mode === 'full');
  const last = drills
    .map((e) => e.at)
    .sort()
    .at(-1);
  const fix = drillFix(c);
  if (!last) {
    const seen = incompleteDrills(events);
    return {
      ...base,
      status: 'fail',
      reason: 'no_drill',
      detail: `no completed rollback drill recorded in the events of ${c.name}${seen ? ` (${seen})` : ''}`,
      fix,
    };
  }
  const age = now.getTime() - Date.parse(last);
  const ageHours = Math.max(0, Math.floor(age / 3_600_000));
  if (age > windowMs)
    return {
      ...base,
      status: 'fail',
      reason: 'drill_stale',
      detail:
        `the last rollback drill was ${Math.floor(age / 86_400_000)} days ago (${last}); ` +
        `policy: within ${days} days`,
      fix,
      age_hours: ageHours,
    };
  return {
    ...base,
    status: 'ok',
    reason: 'recent',
    detail: `last rollback drill ${last} (within ${days} days)`,
    fix: null,
    age_hours: ageHours,
  };
}
