import { PaasError } from '../output/errors.js';
import { contextConfigSchema, type ContextConfig, type WebhookPolicy } from '../isolation/context.js';
import { impliedContextType, type ContextType } from '../isolation/names.js';
import { guardStateRoot, stateRootPath, type GuardedStateRoot } from '../isolation/state-root.js';
import { ContextStore } from '../isolation/store.js';
import { loadVault, type Vault } from '../isolation/vault.js';
import type { EventLog } from '../state/events.js';
import type { CommonInputs } from './inputs.js';
import type { Runtime } from './runtime.js';

/** Opens the state root named by input/env/default and refuses an unsafe one. */
export function openStore(
  rt: Runtime,
  inputs: Pick<CommonInputs, 'state_root' | 'allow_unsafe_state_root'>,
): ContextStore {
  const root: GuardedStateRoot = guardStateRoot(stateRootPath({ input: inputs.state_root, env: rt.env }), {
    workspace: rt.workspace,
    allowUnsafe: inputs.allow_unsafe_state_root,
  });
  if (root.unsafe) {
    rt.logger.error(
      `CRITICAL: unsafe state root override in use: ${root.reason}. doctor will fail until the state ` +
        'root moves outside the repository.',
    );
  }
  return new ContextStore(root);
}

interface ResolveOptions {
  /** mutating operations never fall back to the selected context */
  mutating: boolean;
  /** on a runner, lay out the context on first use */
  createIfMissing: boolean;
  type?: ContextType | undefined;
  /** the committed trigger policy (paas.yml contexts.<name>.trigger): a context laid out on a runner takes it */
  webhookPolicy?: WebhookPolicy | undefined;
}

export const UNRESOLVED_REMEDIATION =
  'Name the context explicitly: `--context <name>` on the CLI or `context: <name>` as the action ' +
  'input (e.g. internal-dogfood, oss-demo, customer-<id>). Create one with `paas context create <name>`.';

/** Context resolution: explicit name, then (non-mutating only) the selected context; else PAAS_CONTEXT_UNRESOLVED. */
export function resolveContext(
  rt: Runtime,
  store: ContextStore,
  explicit: string | undefined,
  opts: ResolveOptions,
): ContextConfig {
  let name = explicit;
  if (!name && !opts.mutating) name = store.selected() ?? undefined;
  if (!name) {
    throw new PaasError(
      'PAAS_CONTEXT_UNRESOLVED',
      opts.mutating
        ? 'this operation changes state and needs an explicit context'
        : 'no context given and none selected',
      {
        stage: 'context',
        remediation: UNRESOLVED_REMEDIATION,
      },
    );
  }
  if (store.exists(name)) return store.get(name);
  if (!opts.createIfMissing) {
    throw new PaasError(
      'PAAS_CONTEXT_UNRESOLVED',
      `context ${name} does not exist under state root ${store.root.path}`,
      {
        stage: 'context',
        remediation:
          `Create it with \`paas context create ${name}\`, ` +
          'or pass the state root that holds it (--state-root / PAAS_STATE_ROOT).',
      },
    );
  }
  const type = opts.type ?? impliedContextType(name);
  if (!type) {
    throw new PaasError(
      'PAAS_CONTEXT_UNRESOLVED',
      `context ${name} is new and its type cannot be inferred from its name`,
      {
        stage: 'context',
        remediation:
          'Give context_type (internal, demo or customer), or use a recommended name: internal-dogfood, ' +
          'oss-demo, customer-<id>.',
      },
    );
  }
  const config = store.create(
    contextConfigSchema.parse({
      name,
      type,
      state_root: store.root.path,
      created_at: rt.now().toISOString(),
      ...(opts.webhookPolicy ? { webhook_policy: opts.webhookPolicy } : {}),
    }),
  );
  rt.logger.info(`context ${name} (${type}) laid out under ${store.root.path}`);
  return config;
}

export interface ContextSession {
  store: ContextStore;
  config: ContextConfig;
  events: EventLog;
  vault: Vault;
}

/** Store + context + vault + events for one stateful operation. */
export function openContextSession(
  rt: Runtime,
  inputs: CommonInputs,
  opts: ResolveOptions & { vaultEnvKeys?: readonly string[] },
): ContextSession {
  const store = openStore(rt, inputs);
  const config = resolveContext(rt, store, inputs.context, { ...opts, type: inputs.context_type ?? opts.type });
  const events = store.events(config.name, rt.redactor);
  if (store.root.unsafe)
    events.append(
      'state_root.unsafe_override',
      'unsafe state root override in use',
      { reason: store.root.reason },
      'critical',
    );
  const vault = loadVault({
    context: config.name,
    text: inputs.vault ?? rt.env.PAAS_VAULT,
    file: config.vault_file,
    env: rt.env,
    envKeys: opts.vaultEnvKeys ?? [],
    workspace: rt.workspace,
    redactor: rt.redactor,
  });
  return { store, config, events, vault };
}
