/**
 * `target` and `backup` checks, over the Transport interface (lib/transport): the same code for
 * SSH targets and local ones. One connection per target per run, shared by every check that needs
 * it (TargetAccess). A check over several targets aggregates: the worst status wins, the reason is
 * the first failing target's, and the values are counts and maxima (never a target's address).
 */
import type { OpsCheck, PaasYml } from '../../config/paas-yml.js';
import { appDir, backupScript, probeScript, stateScript } from '../../transport/commands.js';
import type { TargetSpec } from '../../transport/targets.js';
import { TransportError, type Transport } from '../../transport/transport.js';
import { parseState, releaseStatuses } from '../../transport/release-state.js';
import { checkError, healthy, insufficient, unhealthy, type CheckVerdict } from './types.js';

/** `key=value` lines of the probe scripts (lib/transport/commands.ts) → map (later keys win; lines without `=` ignored). */
export function parseKv(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

type TargetCheckSpec = NonNullable<OpsCheck['target']>;
type BackupSpec = NonNullable<OpsCheck['backup']>;

/** Connected transports by target id, opened on first use, closed once at the end of the run. */
export interface TargetAccess {
  specs: readonly TargetSpec[];
  get(id: string): Promise<Transport>;
  close(): Promise<void>;
}

export function targetAccess(
  specs: readonly TargetSpec[],
  transports: ReadonlyMap<string, Transport>,
  connect: (t: Transport) => Promise<void>,
): TargetAccess {
  const opened = new Map<string, Promise<Transport>>();
  return {
    specs,
    get(id) {
      let p = opened.get(id);
      if (!p) {
        const t = transports.get(id);
        p = t ? connect(t).then(() => t) : Promise.reject(new TransportError('connect', `unknown target ${id}`));
        opened.set(id, p);
      }
      return p;
    },
    async close() {
      await Promise.all([...opened.values()].map((p) => p.then((t) => t.close()).catch(() => undefined)));
    },
  };
}

/** A failure of the link itself: security failures are errors, the rest unhealthy. */
function transportVerdict(e: unknown): CheckVerdict {
  if (e instanceof TransportError) {
    if (e.kind === 'hostkey') return checkError('hostkey_mismatch');
    if (e.kind === 'auth') return checkError('auth_failed');
    if (e.kind === 'timeout') return unhealthy('timeout');
    return unhealthy('unreachable');
  }
  return checkError('target_failed');
}

const RANK: Record<CheckVerdict['status'], number> = { healthy: 0, insufficient_data: 1, unhealthy: 2, error: 3 };

/** Worst status across targets; counts and maxima as values. */
function aggregateTargets(per: CheckVerdict[], maxKeys: readonly string[]): CheckVerdict {
  if (per.length === 0) return insufficient('no_targets', { targets: 0 });
  let worst: CheckVerdict = per[0] as CheckVerdict;
  for (const v of per) if (RANK[v.status] > RANK[worst.status]) worst = v;
  const values: Record<string, number> = {
    targets: per.length,
    targets_failed: per.filter((v) => v.status === 'unhealthy' || v.status === 'error').length,
  };
  for (const k of maxKeys) {
    const nums = per.map((v) => v.values?.[k]).filter((n): n is number => typeof n === 'number');
    if (nums.length) values[`${k}_max`] = Math.max(...nums);
  }
  return { status: worst.status, reason: worst.status === 'healthy' ? undefined : worst.reason, values };
}

interface TargetCheckContext {
  access: TargetAccess;
  context: string;
  apps: PaasYml['apps'];
  /** release every target must run (prod_verify `expected_release`); else each target's newest good release */
  expectedRelease?: string | undefined;
  timeoutMs: number;
  /** the check's deadline (lib/ops/checks/engine.ts): aborting it stops the remote commands */
  signal: AbortSignal;
}

function resolveApp(spec: TargetCheckSpec, apps: PaasYml['apps']): { name: string; root: string } | CheckVerdict {
  const names = Object.keys(apps);
  const name = spec.app ?? (names.length === 1 ? names[0] : undefined);
  if (!name) return checkError(names.length === 0 ? 'no_app' : 'app_ambiguous');
  const app = apps[name];
  if (!app) return checkError('unknown_app');
  return { name, root: app.deploy_root };
}

async function probeTarget(
  spec: TargetCheckSpec,
  id: string,
  ctx: TargetCheckContext,
  app: { name: string; root: string } | null,
): Promise<CheckVerdict & { current?: string | null }> {
  let t: Transport;
  try {
    t = await ctx.access.get(id);
  } catch (e) {
    return transportVerdict(e);
  }
  const values: Record<string, number> = {};
  try {
    if (spec.disk_max_pct !== undefined || spec.service) {
      const r = await t.exec(
        probeScript({ diskPath: spec.disk_max_pct !== undefined ? spec.disk_path : undefined, service: spec.service }),
        { timeoutMs: ctx.timeoutMs, signal: ctx.signal },
      );
      const kv = parseKv(r.stdout);
      if (spec.disk_max_pct !== undefined) {
        if (!/^\d{1,3}$/.test(kv.disk_pct ?? '')) return checkError('disk_unreadable');
        values.disk_pct = Number(kv.disk_pct);
      }
      if (spec.service) {
        if (kv.service === 'no_systemctl') return checkError('no_systemctl', values);
        values.service_active = kv.service === 'active' ? 1 : 0;
      }
    }
    let current: string | null | undefined;
    if (spec.current_release && app) {
      const root = t.rootOverride ?? app.root;
      const r = await t.exec(stateScript(appDir(root, ctx.context, app.name)), {
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      });
      if (r.code !== 0) return checkError('state_unreadable', values);
      const st = parseState(r.stdout);
      current = st.current;
      if (!st.exists || !st.current) return { ...unhealthy('no_current_release', values), current: null };
      const expected = ctx.expectedRelease ?? releaseStatuses(st.history).goodOrder[0] ?? null;
      if (expected === null) return { ...insufficient('no_release_history', values), current };
      if (st.current !== expected) return { ...unhealthy('release_mismatch', values), current };
    }
    if (spec.service && values.service_active === 0) return { ...unhealthy('service_inactive', values), current };
    if (spec.disk_max_pct !== undefined && (values.disk_pct as number) > spec.disk_max_pct)
      return { ...unhealthy('disk_full', values), current };
    return { ...healthy(values), current };
  } catch (e) {
    return transportVerdict(e);
  }
}

export async function runTargetCheck(spec: TargetCheckSpec, ctx: TargetCheckContext): Promise<CheckVerdict> {
  let app: { name: string; root: string } | null = null;
  if (spec.current_release) {
    const a = resolveApp(spec, ctx.apps);
    if ('status' in a) return a;
    app = a;
  }
  const per = await Promise.all(ctx.access.specs.map((s) => probeTarget(spec, s.id, ctx, app)));
  const agg = aggregateTargets(per, ['disk_pct']);
  if (spec.current_release) {
    const currents = new Set(per.map((p) => p.current).filter((c): c is string => typeof c === 'string'));
    agg.values = { ...agg.values, releases_distinct: currents.size };
    // every target healthy on its own but not on the same release: a half-finished rollout
    if (agg.status === 'healthy' && currents.size > 1)
      return { status: 'unhealthy', reason: 'release_drift', values: agg.values };
  }
  return agg;
}

interface BackupCheckContext {
  access: TargetAccess;
  timeoutMs: number;
  /** the check's deadline (lib/ops/checks/engine.ts): aborting it stops the remote command */
  signal: AbortSignal;
}

async function probeBackup(spec: BackupSpec, id: string, ctx: BackupCheckContext): Promise<CheckVerdict> {
  let t: Transport;
  try {
    t = await ctx.access.get(id);
  } catch (e) {
    return transportVerdict(e);
  }
  try {
    const r = await t.exec(backupScript(spec.dir, spec.verify_checksum), {
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    const kv = parseKv(r.stdout);
    if (kv.dir !== 'yes') return unhealthy('backup_dir_missing');
    if (kv.snapshot !== 'yes') return unhealthy('no_snapshot');
    const mtime = Number(kv.mtime);
    const now = Number(kv.now);
    if (!Number.isFinite(mtime) || !Number.isFinite(now) || mtime <= 0) return checkError('backup_unreadable');
    const age = Math.max(0, now - mtime) / 3600;
    const values: Record<string, number> = { age_hours: Math.round(age * 10) / 10 };
    if (/^\d+$/.test(kv.size ?? '')) values.size_bytes = Number(kv.size);
    if (spec.verify_checksum) {
      const expected = kv.expected ?? '';
      const actual = kv.actual ?? '';
      if (actual === 'no_tool') return checkError('no_sha256_tool', values);
      if (!/^[0-9a-f]{64}$/.test(expected))
        return unhealthy(expected ? 'checksum_unreadable' : 'checksum_missing', values);
      if (actual !== expected) return unhealthy('checksum_mismatch', values);
      values.checksum_ok = 1;
    }
    if (age > spec.max_age_hours) return unhealthy('backup_too_old', values);
    return healthy(values);
  } catch (e) {
    return transportVerdict(e);
  }
}

export async function runBackupCheck(
  spec: BackupSpec & { target?: string | undefined },
  ctx: BackupCheckContext,
): Promise<CheckVerdict> {
  const ids = spec.target
    ? ctx.access.specs.filter((s) => s.id === spec.target).map((s) => s.id)
    : ctx.access.specs.map((s) => s.id);
  if (spec.target && ids.length === 0) return checkError('unknown_target');
  const per = await Promise.all(ids.map((id) => probeBackup(spec, id, ctx)));
  return aggregateTargets(per, ['age_hours']);
}
