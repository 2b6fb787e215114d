/**
 * The one redaction library. Every string that leaves the process goes through a Redactor.
 *
 * PUBLIC API (stable; other modules depend on it):
 *   new Redactor({ onRegister? })       onRegister is called once per registered raw value
 *                                       (the runner wires it to core.setSecret)
 *   register(value, name?)              registers a secret and its derived forms
 *   redact(text)                        registered values (all forms) + pattern detection → REDACTED
 *   redactDeep(value)                   same over JSON-like values (strings in objects/arrays)
 *   containsSecret(text)                true if redact(text) would change anything
 *   stream()                            StreamRedactor for chunked output
 *   size                                number of registered raw secrets
 */
export const REDACTED = '***';

/** Values shorter than this are not registered as literal secrets; see docs/redaction.md. */
export const MIN_SECRET_LENGTH = 6;

export interface RedactorOptions {
  onRegister?: (value: string) => void;
}

export interface StreamRedactor {
  /** Feeds a chunk; returns the part that is safe to emit now. */
  write(chunk: string): string;
  /** Ends the stream; returns whatever was held back, redacted. */
  end(): string;
}

export class Redactor {
  private readonly raw = new Set<string>();
  private readonly forms = new Set<string>();
  private sorted: string[] | null = null;
  private readonly onRegister?: (value: string) => void;

  constructor(opts: RedactorOptions = {}) {
    this.onRegister = opts.onRegister;
  }

  get size(): number {
    return this.raw.size;
  }

  register(value: string, _name?: string): void {
    if (typeof value !== 'string') return;
    const v = value.trim() === value ? value : value;
    if (v.length < MIN_SECRET_LENGTH || this.raw.has(v)) return;
    this.raw.add(v);
    this.onRegister?.(v);
    this.forms.add(v);
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= MIN_SECRET_LENGTH) this.forms.add(line.trim());
    this.sorted = null;
  }

  redact(text: string): string {
    if (!this.sorted) this.sorted = [...this.forms].sort((a, b) => b.length - a.length);
    let out = text;
    for (const f of this.sorted) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }

  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.redactDeep(v);
      return out as T;
    }
    return value;
  }

  containsSecret(text: string): boolean {
    return this.redact(text) !== text;
  }

  stream(): StreamRedactor {
    let held = '';
    return {
      write: (chunk) => {
        held += chunk;
        const nl = held.lastIndexOf('\n');
        if (nl < 0) return '';
        const ready = held.slice(0, nl + 1);
        held = held.slice(nl + 1);
        return this.redact(ready);
      },
      end: () => {
        const rest = this.redact(held);
        held = '';
        return rest;
      },
    };
  }
}
