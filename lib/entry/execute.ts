import type * as z from 'zod';
import type { OperationDef } from '../ops/operation.js';
import type { Outcome } from '../output/envelope.js';
import { failure } from '../output/outcome.js';
import { parseDotenv } from '../isolation/vault.js';
import { loadOperation } from './load.js';
import { CONTEXT_NAME_RE, OPERATION_NAME_RE } from '../isolation/names.js';
import { commonInputsSchema, parsedInputs, type CommonInputs } from '../runtime/inputs.js';
import type { Runtime } from '../runtime/runtime.js';

/** Registers secret inputs before anything else can echo them (the vault's values, tokens). */
function registerSecretInputs(rt: Runtime, raw: Record<string, unknown>, secretInputs: readonly string[]): void {
  const vault = raw.vault;
  if (typeof vault === 'string' && vault) {
    try {
      for (const v of parseDotenv(vault).values()) rt.redactor.register(v);
    } catch {
      /* a malformed vault is reported by the vault loader; register its lines meanwhile */
    }
    for (const line of vault.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq > 0)
        rt.redactor.register(
          line
            .slice(eq + 1)
            .trim()
            .replace(/^["']|["']$/g, ''),
        );
    }
  }
  for (const k of secretInputs) if (typeof raw[k] === 'string') rt.redactor.register(raw[k] as string);
}

const schemas = new WeakMap<OperationDef, z.ZodObject>();

/** The common inputs and the operation's own, unknown names refused: built once per operation. */
export function operationInputsSchema(def: OperationDef): z.ZodObject {
  let schema = schemas.get(def);
  if (!schema) schemas.set(def, (schema = commonInputsSchema.extend(def.inputs.shape).strict()));
  return schema;
}

/**
 * Validates inputs (common + the operation's own) and runs the operation. Never throws. `checked`: the
 * result of {@link operationInputsSchema}'s safeParse of this same `raw`, when the caller has it (the
 * action entry), so that the inputs are parsed once; its errors are reported here, as a parse here would.
 */
export async function executeOperation(
  rt: Runtime,
  opName: string,
  raw: Record<string, unknown>,
  checked?: z.ZodSafeParseResult<Record<string, unknown>>,
): Promise<Outcome> {
  const command = OPERATION_NAME_RE.test(opName) ? opName : 'paas';
  const context = typeof raw.context === 'string' && CONTEXT_NAME_RE.test(raw.context) ? raw.context : null;
  const mode = typeof raw.mode === 'string' && OPERATION_NAME_RE.test(raw.mode) ? raw.mode : null;
  try {
    const def = await loadOperation(opName);
    registerSecretInputs(rt, raw, def.secretInputs);
    const parsed = parsedInputs(checked ?? operationInputsSchema(def).safeParse(raw));
    // a malformed vault is an input error: refuse it (naming the line, never a value) before anything
    // touches the state root
    if ((parsed as CommonInputs).vault?.trim()) parseDotenv((parsed as CommonInputs).vault as string, 'vault input');
    return await def.run(rt, parsed as CommonInputs, parsed, { runOperation: executeOperation });
  } catch (e) {
    return failure(rt.redactor, command, context, mode, e);
  }
}
