import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redactor } from '../redaction/redactor.js';

type EventLevel = 'info' | 'warning' | 'error' | 'critical';

interface PaasEvent {
  id: string;
  at: string;
  context: string;
  kind: string;
  level: EventLevel;
  message: string;
  fields: Record<string, unknown>;
}

/**
 * Append-only JSONL events of one context: `<context dir>/events/<YYYY-MM>.jsonl`, mode 0600.
 * Redacted at write time; each line is one O_APPEND write, so concurrent writers do not interleave.
 */
export class EventLog {
  constructor(
    readonly dir: string,
    readonly context: string,
    private readonly redactor: Redactor,
  ) {}

  append(
    kind: string,
    message: string,
    fields: Record<string, unknown> = {},
    level: EventLevel = 'info',
    at = new Date(),
  ): PaasEvent {
    const ev: PaasEvent = this.redactor.redactDeep({
      id: randomUUID(),
      at: at.toISOString(),
      context: this.context,
      kind,
      level,
      message,
      fields,
    });
    const file = join(this.dir, `${ev.at.slice(0, 7)}.jsonl`);
    appendFileSync(file, JSON.stringify(ev) + '\n', { mode: 0o600 });
    return ev;
  }

  /** Newest first. Lines that do not parse or belong to another context are skipped. */
  list(opts: { kind?: string; kinds?: readonly string[]; since?: Date; limit?: number } = {}): PaasEvent[] {
    if (!existsSync(this.dir)) return [];
    const sinceIso = opts.since?.toISOString();
    // monthly files: a file older than the month of `since` holds nothing newer
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith('.jsonl') && (!sinceIso || f.slice(0, 7) >= sinceIso.slice(0, 7)))
      .sort()
      .reverse();
    const out: PaasEvent[] = [];
    const limit = opts.limit ?? 100;
    for (const f of files) {
      const lines = readFileSync(join(this.dir, f), 'utf8').split('\n').filter(Boolean).reverse();
      for (const line of lines) {
        let ev: PaasEvent;
        try {
          ev = JSON.parse(line) as PaasEvent;
        } catch {
          continue;
        }
        if (ev.context !== this.context) continue;
        if (opts.kind && ev.kind !== opts.kind) continue;
        if (opts.kinds && !opts.kinds.includes(ev.kind)) continue;
        if (sinceIso && !(typeof ev.at === 'string' && ev.at >= sinceIso)) continue;
        out.push(ev);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }
}
