import * as z from 'zod';
import type { Outcome } from '../../output/envelope.js';
import { invalidArgument } from '../../output/errors.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import { contextName } from '../../isolation/names.js';
import { boolInput, parseInputs, pathInput } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openStore, resolveContext } from '../../runtime/session.js';
import { KNOWN_KINDS } from './kinds.js';

export { EVENT_KINDS, KNOWN_KINDS } from './kinds.js';

const KIND = /^[a-z0-9_.-]{1,64}(\.\*)?$/;
const kindList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    [v]
      .flat()
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine((l) => l.length > 0 && l.every((k) => KIND.test(k)), {
    error: 'must be event kinds such as deploy.failed or deploy.* (comma-separated or repeated)',
  });

const schema = z
  .object({
    context: contextName.optional(),
    kind: kindList.optional(),
    since: z.string().max(64).optional(),
    format: z.enum(['text', 'jsonl']).default('text'),
    limit: z.coerce.number().int().min(1).max(100000).optional(),
    state_root: pathInput.optional(),
    allow_unsafe_state_root: boolInput.default(false),
  })
  .strict();

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--since`: a duration back from now (30m, 24h, 7d, 2w) or an ISO time (a time without zone is UTC). */
export function parseSince(text: string, now: Date): Date {
  const t = text.trim();
  const d = /^(\d{1,6})([mhdw])$/.exec(t);
  if (d) return new Date(now.getTime() - Number(d[1]) * (UNIT_MS[d[2] as string] as number));
  if (ISO.test(t)) {
    const withZone = /T/.test(t) && !/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? `${t}Z` : t;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  // a long value is not echoed: cut before redaction, a secret's first part would be shown
  throw invalidArgument(
    `events list --since: ${t.length <= 64 ? JSON.stringify(t) : `(${t.length} characters)`} is neither a duration nor an ISO time`,
    'Give a duration back from now (30m, 24h, 7d, 2w) or an ISO time (2026-12-01, 2026-12-01T08:00Z).',
  );
}

/** Exact kinds, or `<prefix>.*` for every known kind under a prefix; an unknown kind is refused with the list. */
function expandKinds(kinds: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of kinds) {
    const matched = k.endsWith('.*')
      ? KNOWN_KINDS.filter((x) => x.startsWith(k.slice(0, -1)))
      : KNOWN_KINDS.filter((x) => x === k);
    if (!matched.length) {
      const prefix = k.split('.')[0] ?? '';
      const near = KNOWN_KINDS.filter((x) => x.startsWith(`${prefix}.`));
      throw invalidArgument(
        `events list --kind: unknown event kind ${JSON.stringify(k)}${near.length ? ` (kinds under ${prefix}: ${near.join(', ')})` : ''}`,
        'Use one of the kinds in docs/state.md ("Event kinds"), or <prefix>.* such as deploy.*: ' +
          `${KNOWN_KINDS.join(', ')}.`,
      );
    }
    for (const m of matched) out.add(m);
  }
  return [...out];
}

/**
 * `paas events list`: one context only. Text: newest first. `--format jsonl`: one redacted event per
 * line, oldest first (a transcript / audit export); stdout then holds only JSON lines and the status
 * line goes to stderr. `--since` and `--kind` filter; without `--limit` a filtered or jsonl listing
 * returns up to 100000 events, a plain listing the newest 50.
 */
export function eventsList(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(schema, raw, 'argument');
  const since = a.since === undefined ? undefined : parseSince(a.since, rt.now());
  const kinds = a.kind ? expandKinds(a.kind) : undefined;
  const limit = a.limit ?? (since || a.format === 'jsonl' ? 100000 : 50);
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.context, { mutating: false, createIfMissing: false });
  // every match, then newest first by time (merged runs may have appended out of order; ISO UTC
  // strings sort as text), then the limit: the newest N by time, not by position in the files
  const listed = store.events(c.name, rt.redactor).list({ kinds, since, limit: Number.MAX_SAFE_INTEGER });
  listed.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
  const truncated = listed.length > limit;
  const events = listed.slice(0, limit);
  if (truncated)
    rt.logger.warn(
      `more than ${limit} events match: only the newest ${limit} are listed; narrow --since/--kind or raise --limit`,
    );
  const jsonl = a.format === 'jsonl';
  const o = outcome(rt.redactor, {
    command: 'events_list',
    context: c.name,
    mode: jsonl ? 'jsonl' : null,
    line: [
      ['context', c.name],
      ['events', events.length],
    ],
    fields: { events, since: since?.toISOString() ?? null, kinds: kinds ?? null, truncated },
    text: jsonl
      ? [...events]
          .reverse()
          .map((e) => JSON.stringify(e))
          .join('\n')
      : events.map((e) => `${e.at} ${e.level.padEnd(8)} ${e.kind} ${e.message}`).join('\n') || 'no events',
    summary: markdownTable(
      ['at', 'level', 'kind', 'message'],
      events.map((e) => [e.at, e.level, e.kind, e.message]),
    ),
  });
  if (!jsonl) return o;
  // stdout stays pure JSON lines: the status line goes to stderr (an empty export prints nothing on stdout)
  for (const line of o.lines) rt.logger.info(line);
  return { ...o, lines: [], text: o.text || undefined };
}
