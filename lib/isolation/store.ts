import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PaasError } from '../output/errors.js';
import type { Redactor } from '../redaction/redactor.js';
import { createStateDb, StateDb, type ScopedState } from '../state/db.js';
import { EventLog } from '../state/events.js';
import { mkdirPrivate, writeFilePrivate } from '../state/fs-safe.js';
import { contextConfigSchema, type ContextConfig } from './context.js';
import { CONTEXT_NAME_RE } from './names.js';
import { STATE_ROOT_FIX, type GuardedStateRoot } from './state-root.js';

export interface ContextPaths {
  dir: string;
  config: string;
  stateDb: string;
  events: string;
  cache: string;
}

/** A file-system error under the state root (EACCES, EPERM, EROFS, ENOSPC...) as a clear error; anything else is rethrown. */
function fsFailure(e: unknown, what: string, root: string): never {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (e instanceof PaasError || typeof code !== 'string') throw e;
  throw new PaasError('PAAS_STATE_ROOT_UNSAFE', `${what} under state root ${root} failed (${code})`, {
    stage: 'state_root',
    remediation: STATE_ROOT_FIX,
  });
}

/**
 * Contexts under one (guarded) state root:
 * `<state_root>/contexts/<name>/{config.json (0600), state.db, events/, cache/}`, directories 0700.
 */
export class ContextStore {
  constructor(readonly root: GuardedStateRoot) {}

  get contextsDir(): string {
    return join(this.root.path, 'contexts');
  }

  paths(name: string): ContextPaths {
    if (!CONTEXT_NAME_RE.test(name))
      throw new PaasError('PAAS_INVALID_ARGUMENT', 'invalid context name', {
        remediation: 'Context names match ^[a-z0-9][a-z0-9-]{0,62}$.',
      });
    const dir = join(this.contextsDir, name);
    return {
      dir,
      config: join(dir, 'config.json'),
      stateDb: join(dir, 'state.db'),
      events: join(dir, 'events'),
      cache: join(dir, 'cache'),
    };
  }

  exists(name: string): boolean {
    return existsSync(this.paths(name).config);
  }

  /** Creates the whole layout in a temporary directory, then renames it into place (all or nothing). */
  create(config: ContextConfig): ContextConfig {
    const parsed = contextConfigSchema.parse(config);
    const p = this.paths(parsed.name);
    if (existsSync(p.dir)) {
      throw new PaasError('PAAS_CONTEXT_EXISTS', `context ${parsed.name} already exists`, {
        stage: 'context',
        remediation: `Use it (paas context use ${parsed.name}) or remove it first (paas context remove ${parsed.name}).`,
      });
    }
    try {
      mkdirPrivate(this.contextsDir);
    } catch (e) {
      fsFailure(e, `creating context ${parsed.name}`, this.root.path);
    }
    const tmp = join(this.contextsDir, `.tmp-${parsed.name}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirPrivate(tmp);
      mkdirPrivate(join(tmp, 'events'));
      mkdirPrivate(join(tmp, 'cache'));
      writeFilePrivate(join(tmp, 'config.json'), JSON.stringify(parsed, null, 2) + '\n');
      createStateDb(join(tmp, 'state.db'));
      renameSync(tmp, p.dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      fsFailure(e, `creating context ${parsed.name}`, this.root.path);
    }
    return parsed;
  }

  get(name: string): ContextConfig {
    const p = this.paths(name);
    if (!existsSync(p.config)) {
      throw new PaasError(
        'PAAS_CONTEXT_NOT_FOUND',
        `context ${name} does not exist under state root ${this.root.path}`,
        {
          stage: 'context',
          remediation: `Create it with: paas context create ${name} --state-root ${this.root.path}`,
        },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(p.config, 'utf8'));
    } catch {
      throw new PaasError('PAAS_STATE_CORRUPT', `config.json of context ${name} is not valid JSON`, {
        stage: 'context',
        remediation: `Inspect ${p.config} or restore it from a backup.`,
      });
    }
    const r = contextConfigSchema.safeParse(raw);
    if (!r.success)
      throw new PaasError('PAAS_STATE_CORRUPT', `config.json of context ${name} does not match the schema`, {
        stage: 'context',
        remediation: `Inspect ${p.config}.`,
      });
    return r.data;
  }

  list(): ContextConfig[] {
    if (!existsSync(this.contextsDir)) return [];
    let names: string[];
    try {
      names = readdirSync(this.contextsDir);
    } catch (e) {
      fsFailure(e, 'listing contexts', this.root.path);
    }
    return names
      .filter((n) => CONTEXT_NAME_RE.test(n) && existsSync(join(this.contextsDir, n, 'config.json')))
      .sort()
      .map((n) => this.get(n));
  }

  /** Events (beyond the context's own lifecycle) and history rows: what `remove` would lose. */
  contents(name: string, redactor: Redactor): { events: number; history: number } {
    const events = this.events(name, redactor)
      .list({ limit: 10_000 })
      .filter((e) => !e.kind.startsWith('context.')).length;
    const state = this.openState(name, redactor);
    try {
      return { events, history: state.scoped.count() };
    } finally {
      state.close();
    }
  }

  remove(name: string, force: boolean, redactor: Redactor): void {
    this.get(name);
    const c = this.contents(name, redactor);
    if (!force && (c.events > 0 || c.history > 0)) {
      throw new PaasError('PAAS_CONTEXT_NOT_EMPTY', `context ${name} holds events or history`, {
        stage: 'context',
        remediation: `Export or back it up first; then remove it with: paas context remove ${name} --force`,
      });
    }
    const p = this.paths(name);
    const trash = join(this.contextsDir, `.rm-${name}-${randomBytes(4).toString('hex')}`);
    renameSync(p.dir, trash);
    rmSync(trash, { recursive: true, force: true });
    if (this.selected() === name) rmSync(this.selectedFile, { force: true });
  }

  get selectedFile(): string {
    return join(this.root.path, 'selected-context');
  }

  select(name: string): void {
    this.get(name);
    try {
      mkdirPrivate(this.root.path);
      writeFilePrivate(this.selectedFile, name + '\n');
    } catch (e) {
      fsFailure(e, `selecting context ${name}`, this.root.path);
    }
  }

  selected(): string | null {
    if (!existsSync(this.selectedFile)) return null;
    const name = readFileSync(this.selectedFile, 'utf8').trim();
    return CONTEXT_NAME_RE.test(name) ? name : null;
  }

  events(name: string, redactor: Redactor): EventLog {
    return new EventLog(this.paths(name).events, name, redactor);
  }

  openState(name: string, redactor: Redactor): { scoped: ScopedState; close: () => void } {
    const db = new StateDb(this.paths(name).stateDb);
    return { scoped: db.forContext(name, redactor), close: () => db.close() };
  }
}
