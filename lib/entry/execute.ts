import type { Outcome } from '../output/envelope.js';
import { failure } from '../output/outcome.js';
import { parseDotenv } from '../isolation/vault.js';
import { notAvailable, type OperationDef } from '../ops/operation.js';
import { operation } from './registry.js';
import { PaasError } from '../output/errors.js';
import { guardStateRoot, stateRootPath } from '../isolation/state-root.js';
import { CONTEXT_NAME_RE, OPERATION_NAME_RE } from '../isolation/names.js';
import { commonInputsSchema, parseInputs, type CommonInputs } from '../runtime/inputs.js';
import type { Runtime } from '../runtime/runtime.js';
import { UNRESOLVED_REMEDIATION } from '../runtime/session.js';

/** Registers secret inputs before anything else can echo them (the vault's values, tokens). */
export function registerSecretInputs(rt: Runtime, raw: Record<string, unknown>, secretInputs: readonly string[]): void {
  const vault = raw.vault;
  if (typeof vault === 'string' && vault) {
    try {
      for (const v of parseDotenv(vault).values()) rt.redactor.register(v);
    } catch {
      /* a malformed vault is reported by the vault loader; register its lines meanwhile */
    }
    for (const line of vault.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq > 0) rt.redactor.register(line.slice(eq + 1).trim().replace(/^["']|["']$/g, ''));
    }
  }
  for (const k of secretInputs) if (typeof raw[k] === 'string') rt.redactor.register(raw[k] as string);
}

/**
 * For an operation that is not built yet: the checks every built one makes first through
 * openContextSession (explicit context for mutating ops, a safe state root), so a misconfigured
 * step fails for its actionable reason before PAAS_NOT_AVAILABLE. Reads only; creates nothing.
 */
function preflight(rt: Runtime, def: OperationDef, common: CommonInputs): void {
  if (def.mutating && !common.context) {
    throw new PaasError('PAAS_CONTEXT_UNRESOLVED', 'this operation changes state and needs an explicit context', { stage: 'context', remediation: UNRESOLVED_REMEDIATION });
  }
  const root = guardStateRoot(stateRootPath({ input: common.state_root, env: rt.env }), { workspace: rt.workspace, allowUnsafe: common.allow_unsafe_state_root });
  if (root.unsafe) rt.logger.error(`CRITICAL: unsafe state root override in use: ${root.reason}. doctor will fail until the state root moves outside the repository.`);
}

/** Validates inputs (common + the operation's own) and runs the operation. Never throws. */
export async function executeOperation(rt: Runtime, opName: string, raw: Record<string, unknown>): Promise<Outcome> {
  const command = OPERATION_NAME_RE.test(opName) ? opName : 'paas';
  const context = typeof raw.context === 'string' && CONTEXT_NAME_RE.test(raw.context) ? raw.context : null;
  const mode = typeof raw.mode === 'string' && OPERATION_NAME_RE.test(raw.mode) ? raw.mode : null;
  try {
    const def = operation(opName);
    registerSecretInputs(rt, raw, def.secretInputs);
    const schema = commonInputsSchema.extend(def.inputs.shape).strict();
    const parsed = parseInputs(schema, raw);
    // a malformed vault is an input error: refuse it (naming the line, never a value) before anything touches the state root
    if ((parsed as CommonInputs).vault?.trim()) parseDotenv((parsed as CommonInputs).vault as string, 'vault input');
    if (!def.run) {
      preflight(rt, def, parsed as CommonInputs);
      throw notAvailable(def.name);
    }
    return await def.run(rt, parsed as CommonInputs, parsed);
  } catch (e) {
    return failure(rt.redactor, command, context, mode, e);
  }
}
