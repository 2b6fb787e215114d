import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadPaasYml } from '../../config/paas-yml.js';
import type { ContextConfig, WebhookPolicy } from '../../isolation/context.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Vault } from '../../isolation/vault.js';
import { PaasError } from '../../output/errors.js';
import type { Runtime } from '../../runtime/runtime.js';

/** Canonical JSON: object keys sorted recursively (what a repository_dispatch signature covers). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Signature of a repository_dispatch: `sha256=<hex HMAC-SHA256(secret, event_type + "\n" +
 * canonicalJson(client_payload without "signature"))>`, placed in client_payload.signature.
 * client_payload.timestamp (ISO 8601) must be within 10 minutes of now (no replays).
 */
export function signDispatch(secret: string, eventType: string, clientPayload: Record<string, unknown>): string {
  const rest = { ...clientPayload };
  delete rest.signature;
  return (
    'sha256=' +
    createHmac('sha256', secret)
      .update(`${eventType}\n${canonicalJson(rest)}`)
      .digest('hex')
  );
}

export function verifyDispatch(
  secret: string,
  eventType: string,
  clientPayload: Record<string, unknown>,
  now: Date,
): string | null {
  const sig = clientPayload.signature;
  if (typeof sig !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(sig))
    return 'the repository_dispatch payload carries no sha256 signature';
  const want = Buffer.from(signDispatch(secret, eventType, clientPayload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return 'the repository_dispatch signature does not match PAAS_WEBHOOK_SECRET';
  const ts = typeof clientPayload.timestamp === 'string' ? Date.parse(clientPayload.timestamp) : NaN;
  if (!Number.isFinite(ts) || Math.abs(now.getTime() - ts) > 10 * 60_000)
    return 'the repository_dispatch timestamp is missing or older than 10 minutes';
  return null;
}

function globMatch(pattern: string, value: string): boolean {
  const esc = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${pattern.split('**').map(esc).join('.*')}$`).test(value);
}

interface TriggerFacts {
  event: string;
  branch: string;
  actor: string;
}

function triggerFacts(env: NodeJS.ProcessEnv): TriggerFacts {
  const ref = env.GITHUB_REF ?? '';
  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || (ref.startsWith('refs/heads/') ? ref.slice(11) : '');
  return { event: env.GITHUB_EVENT_NAME ?? '', branch, actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '' };
}

function denied(message: string, remediation: string): PaasError {
  return new PaasError('PAAS_INVALID_ARGUMENT', message, { stage: 'policy', remediation });
}

/**
 * A change to a non-demo context from outside CI: refused, naming the workflow to run instead
 * (deploy, rollback; db_bootstrap refuses before it calls checkTriggerPolicy, with its own stage).
 */
function ciOnly(ctx: ContextConfig, op: string): PaasError {
  return new PaasError(
    'PAAS_CI_ONLY',
    `refusing to ${op} context ${ctx.name} (type ${ctx.type}) from outside CI: ` +
      'changes to non-demo contexts are CI/CD-only',
    {
      stage: 'policy',
      remediation:
        `Run the workflow .github/workflows/${op}.yml (workflow_dispatch, context ${ctx.name}; ` +
        `template in workflows-templates/${op}.yml), or drop --apply to see the plan.`,
    },
  );
}

/** The committed trigger policy of a context (paas.yml `contexts.<name>.trigger`), or undefined. */
export function committedTrigger(
  rt: Runtime,
  common: Pick<CommonInputs, 'config'>,
  context: string,
): WebhookPolicy | undefined {
  try {
    return loadPaasYml(common.config, rt.workspace ?? rt.cwd, { optional: true }).config.contexts[context]?.trigger;
  } catch {
    return undefined; // a broken paas.yml is reported by the operation that reads it
  }
}

/** One policy's verdict on the run: why it refuses, or null. */
function refusal(p: WebhookPolicy, f: TriggerFacts, op: string): string | null {
  if (!p.events.includes(f.event))
    return `event ${f.event || '(none)'} may not ${op} (allowed: ${p.events.join(', ') || 'none'})`;
  if (p.branches.length && !p.branches.some((b) => globMatch(b, f.branch)))
    return `branch ${f.branch || '(none)'} may not ${op} (allowed: ${p.branches.join(', ')})`;
  if (p.actors.length && !p.actors.includes(f.actor)) return `actor ${f.actor || '(none)'} may not ${op}`;
  return null;
}

/**
 * May this run change anything (deploy, rollback, db_bootstrap migrate, ...)? In CI: the committed
 * policy (paas.yml `contexts.<name>.trigger`) AND the context's own webhook_policy, each must allow
 * the run (the stricter wins; a signature is required when either requires it). Outside CI: only
 * demo contexts; others name the workflow to run.
 */
export function checkTriggerPolicy(
  rt: Runtime,
  ctx: ContextConfig,
  vault: Vault,
  op: string,
  committed?: WebhookPolicy | undefined,
): void {
  if (!rt.inCI) {
    if (ctx.type === 'demo') return;
    throw ciOnly(ctx, op);
  }
  const f = triggerFacts(rt.env);
  const editYml =
    `edit paas.yml contexts.${ctx.name}.trigger (events, branches, actors) in the default branch, ` +
    'or trigger the run the policy allows';
  if (committed) {
    const why = refusal(committed, f, op);
    if (why)
      throw denied(
        `trigger policy of ${ctx.name} (paas.yml contexts.${ctx.name}.trigger): ${why}`,
        `To allow it, ${editYml}.`,
      );
  }
  const own = refusal(ctx.webhook_policy, f, op);
  if (own) {
    throw denied(
      `trigger policy of ${ctx.name} (the context's own webhook_policy): ${own}`,
      `To allow it, ${editYml}; the context's own policy must allow it too: ` +
        `a context laid out on a runner takes paas.yml's, ` +
        `one made with \`paas context create ${ctx.name}\` takes --events/--branches/--actors (re-create ` +
        'it to change them).',
    );
  }
  const fix = `To allow it, ${editYml}.`;
  if (f.event === 'repository_dispatch' || ctx.webhook_policy.require_signature || committed?.require_signature) {
    if (f.event !== 'repository_dispatch')
      throw denied(`trigger policy of ${ctx.name} requires a signed repository_dispatch`, fix);
    const secret = vault.require('PAAS_WEBHOOK_SECRET', 'verifying the repository_dispatch signature');
    let payload: { action?: unknown; client_payload?: unknown } = {};
    try {
      payload = JSON.parse(readFileSync(rt.env.GITHUB_EVENT_PATH ?? '', 'utf8')) as typeof payload;
    } catch {
      throw denied('the repository_dispatch event payload (GITHUB_EVENT_PATH) cannot be read', fix);
    }
    const cp =
      payload.client_payload && typeof payload.client_payload === 'object'
        ? (payload.client_payload as Record<string, unknown>)
        : {};
    const why = verifyDispatch(secret, typeof payload.action === 'string' ? payload.action : '', cp, rt.now());
    if (why)
      throw denied(
        `trigger policy of ${ctx.name}: ${why}`,
        'Sign client_payload with PAAS_WEBHOOK_SECRET as docs/deploy.md describes (signDispatch), ' +
          'with a fresh timestamp.',
      );
  }
}
