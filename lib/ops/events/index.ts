import { z } from 'zod';
import type { Outcome } from '../../output/envelope.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import { contextName } from '../../isolation/names.js';
import { boolInput, parseInputs, pathInput } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openStore, resolveContext } from '../../runtime/session.js';

const schema = z
  .object({
    context: contextName.optional(),
    kind: z.string().regex(/^[a-z0-9_.-]{1,64}$/, { error: 'must be an event kind such as deploy.finished' }).optional(),
    limit: z.coerce.number().int().min(1).max(10000).default(50),
    state_root: pathInput.optional(),
    allow_unsafe_state_root: boolInput.default(false),
  })
  .strict();

/** `paas events list`: newest first, one context only. */
export function eventsList(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(schema, raw, 'argument');
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.context, { mutating: false, createIfMissing: false });
  const events = store.events(c.name, rt.redactor).list({ kind: a.kind, limit: a.limit });
  return outcome(rt.redactor, {
    command: 'events_list',
    context: c.name,
    line: [['context', c.name], ['events', events.length]],
    fields: { events },
    text: events.map((e) => `${e.at} ${e.level.padEnd(8)} ${e.kind} ${e.message}`).join('\n') || 'no events',
    summary: markdownTable(['at', 'level', 'kind', 'message'], events.map((e) => [e.at, e.level, e.kind, e.message])),
  });
}
