/**
 * Deploy-aware silence: is a deploy of this context running (its lock held on a target, not past
 * its expiry) or did one finish within `grace` (the newest deploy/rollback line of a target's
 * `.paas/history.jsonl`)? Read-only, over the same transports and state script as the target check;
 * the targets are the source of truth, so this works on a fresh runner. Any failure to read a
 * target counts as "no deploy seen": silence is only ever granted on evidence.
 */
import type { PaasYml } from '../../config/paas-yml.js';
import { appDir, stateScript } from '../../transport/commands.js';
import { parseState } from '../../transport/release-state.js';
import type { TargetAccess } from '../checks/targets.js';
import type { Silence } from './silence.js';

const DEPLOY_EVENTS = new Set(['deploy', 'rollback', 'fleet_rollback']);

interface DeployActivity {
  /** a live deploy lock was found */
  locked: boolean;
  /** newest deploy/rollback time on any target (ms), null when none */
  lastDeployAt: number | null;
}

/** How long reading one app's state on one target may take. */
const STATE_READ_TIMEOUT_MS = 15_000;

export async function deployActivity(
  access: TargetAccess,
  context: string,
  apps: PaasYml['apps'],
  now: Date,
): Promise<DeployActivity> {
  const out: DeployActivity = { locked: false, lastDeployAt: null };
  const jobs: Array<Promise<void>> = [];
  for (const spec of access.specs) {
    for (const [name, app] of Object.entries(apps)) {
      jobs.push(
        (async () => {
          try {
            const t = await access.get(spec.id);
            const r = await t.exec(stateScript(appDir(t.rootOverride ?? app.deploy_root, context, name)), {
              timeoutMs: STATE_READ_TIMEOUT_MS,
            });
            if (r.code !== 0) return;
            const st = parseState(r.stdout);
            if (st.lockOwner) {
              const exp = Number((st.lockOwner as { expires?: unknown }).expires);
              if (!Number.isFinite(exp) || exp * 1000 > now.getTime()) out.locked = true;
            }
            for (const h of st.history) {
              const at = Date.parse(h.at);
              if (
                DEPLOY_EVENTS.has(h.event) &&
                Number.isFinite(at) &&
                at <= now.getTime() &&
                (out.lastDeployAt === null || at > out.lastDeployAt)
              )
                out.lastDeployAt = at;
            }
          } catch {
            /* unreachable target: no evidence of a deploy */
          }
        })(),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

/** The silence a deploy grants, if any: while locked, or within `graceMs` after the newest deploy. */
export function deploySilence(a: DeployActivity, now: Date, graceMs: number): Silence | null {
  if (a.locked)
    return {
      reason: 'deploying',
      detail: 'a deploy lock of this context is held on a target (a deploy or rollback is running)',
    };
  if (a.lastDeployAt !== null) {
    const age = now.getTime() - a.lastDeployAt;
    if (age < graceMs)
      return {
        reason: 'deploying',
        detail:
          `a deploy finished ${Math.round(age / 60_000)} min ago, ` +
          `within the grace period of ${Math.round(graceMs / 60_000)} min (ops.alerting.deploy_grace)`,
      };
  }
  return null;
}
