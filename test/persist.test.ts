/**
 * State that survives ephemeral runners (issue 7): the real `@actions/cache` 6 code path against
 * test/harness/cache-server.ts (cache service v2: Twirp + Azure-blob-style signed URLs), driven by
 * the same hooks the action runtime calls (restoreForAction in main, saveForPost in post), with
 * the runner's hand-over between them (GITHUB_STATE -> STATE_<name>). Every "run" gets a fresh,
 * empty state root, like a GitHub-hosted runner.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { contextConfigSchema } from '../lib/isolation/context.js';
import { impliedContextType } from '../lib/isolation/names.js';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { ContextStore } from '../lib/isolation/store.js';
import type { Outcome } from '../lib/output/envelope.js';
import { PERSIST_STATE, persistenceSetup, restoreForAction, saveForPost } from '../lib/persistence/action-hooks.js';
import { unpackBundle } from '../lib/persistence/bundle.js';
import { ActionsCacheStore, type CacheStore } from '../lib/persistence/cache-store.js';
import { open } from '../lib/persistence/crypto.js';
import { keyPrefix, saveState, type PersistDeps } from '../lib/persistence/persist.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { STATE_SCHEMA_VERSION } from '../lib/state/db.js';
import { startCacheServer, type CacheServer } from './harness/cache-server.js';
import {
  archivePayload,
  captureStdout,
  dotenv,
  generatedVault,
  leakedKeys,
  parseStateFile,
  withEnv,
} from './persist-helpers.js';

let server: CacheServer;
let root: string;
let runnerTemp: string;
let workspace: string;
const envBefore: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = await startCacheServer();
  root = mkdtempSync(join(tmpdir(), 'paas-persist-'));
  runnerTemp = join(root, 'runner-temp');
  workspace = join(root, 'work', 'repo');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const vars: Record<string, string | undefined> = {
    ...server.env(),
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    GITHUB_SERVER_URL: undefined,
    ACTIONS_CACHE_MODE: undefined,
    PAAS_VAULT: undefined,
    PAAS_STATE_ROOT: undefined,
    PAAS_STATE_KEY: undefined,
    GITHUB_STATE: undefined,
    GITHUB_OUTPUT: undefined,
    GITHUB_STEP_SUMMARY: undefined,
  };
  for (const [k, v] of Object.entries(vars)) {
    envBefore[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(envBefore)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh, empty state root: a new GitHub-hosted runner. */
function freshRunner(): string {
  return join(mkdtempSync(join(root, 'runner-')), 'paas-state');
}

function runtime(): Runtime & { lines: string[] } {
  const redactor = new Redactor();
  const logger = memoryLogger(redactor);
  return {
    env: process.env,
    cwd: workspace,
    redactor,
    logger,
    lines: logger.lines,
    now: () => new Date(),
    inCI: true,
    inAction: true,
    workspace,
  };
}

interface Run {
  context: string;
  stateRoot: string;
  vault: string;
  reset?: boolean;
  rt: Runtime & { lines: string[] };
  carried?: string;
  cache?: CacheStore;
}

function newRun(context: string, vault: string, opts: { reset?: boolean; cache?: CacheStore } = {}): Run {
  return { context, stateRoot: freshRunner(), vault, rt: runtime(), ...opts };
}

/** The action's main step up to the operation: restore. Returns the refusal outcome, if any. */
async function main(run: Run): Promise<{ outcome: Outcome | null; log: string }> {
  const stateFile = join(root, `github-state-${randomBytes(4).toString('hex')}`);
  writeFileSync(stateFile, '');
  const raw: Record<string, string> = {
    context: run.context,
    state_root: run.stateRoot,
    vault: run.vault,
    ...(run.reset ? { state_reset: 'true' } : {}),
  };
  const { value, out } = await withEnv({ GITHUB_STATE: stateFile }, () =>
    captureStdout(() => restoreForAction(run.rt, 'deploy', raw, run.cache)),
  );
  run.carried = parseStateFile(stateFile)[PERSIST_STATE];
  return { outcome: value, log: run.rt.lines.join('\n') + '\n' + out };
}

/** The shared post step: a new process (own redactor) with the same inputs and STATE_<name>. */
async function post(run: Run): Promise<{ exitCode: number; log: string }> {
  const rt = runtime();
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    const { out } = await withEnv({ [`STATE_${PERSIST_STATE}`]: run.carried, INPUT_VAULT: run.vault }, () =>
      captureStdout(() => saveForPost(rt, run.cache)),
    );
    return { exitCode: Number(process.exitCode ?? 0), log: rt.lines.join('\n') + '\n' + out };
  } finally {
    process.exitCode = before;
  }
}

function storeOf(run: Run): ContextStore {
  return new ContextStore(guardStateRoot(run.stateRoot, { workspace }));
}

/** What an operation does to the state root: lays out the context on first use, records events, history, kv. */
function operate(run: Run, tag: string, n = 2): string[] {
  const store = storeOf(run);
  if (!store.exists(run.context)) {
    store.create(
      contextConfigSchema.parse({
        name: run.context,
        type: impliedContextType(run.context) ?? 'internal',
        state_root: store.root.path,
        created_at: new Date().toISOString(),
      }),
    );
  }
  const ids: string[] = [];
  const events = store.events(run.context, run.rt.redactor);
  for (let i = 0; i < n; i++) ids.push(events.append('deploy.finished', `${tag} deploy ${i}`, { tag, i }).id);
  const state = store.openState(run.context, run.rt.redactor);
  try {
    state.scoped.record('deploy', { tag, release: `${tag}-r1` }, new Date().toISOString(), `hist-${tag}`);
    state.scoped.set(`last_${tag}`, { tag });
  } finally {
    state.close();
  }
  return ids;
}

function eventIds(run: Run): string[] {
  return storeOf(run)
    .events(run.context, run.rt.redactor)
    .list({ limit: 10_000 })
    .map((e) => e.id);
}

function entriesOf(context: string): string[] {
  return server
    .entries()
    .filter((e) => e.finalized && e.key.startsWith(keyPrefix(context)))
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.key);
}

function newestBlob(context: string): { key: string; payload: Buffer } {
  const key = entriesOf(context).at(-1);
  if (!key) throw new Error(`no entry for ${context}`);
  return { key, payload: archivePayload(server.blob(key)) };
}

/** What anyone who can write this repository's caches can do: save an entry under the context's prefix. */
async function plant(context: string, key: string, blob: Buffer): Promise<void> {
  const store = new ActionsCacheStore(join(runnerTemp, 'paas-state-cache', context));
  const { value } = await captureStdout(() => store.save(key, blob));
  expect(value).toBe(true);
}

const keyOnly = () => dotenv({ PAAS_STATE_KEY: randomBytes(32).toString('base64') });

describe('state persistence through the Actions cache (real @actions/cache, local cache service)', () => {
  test('state written in run 1 is there in run 2, on a fresh runner', async () => {
    const vault = keyOnly();
    const r1 = newRun('internal-dogfood', vault);
    expect((await main(r1)).outcome).toBeNull();
    const written = operate(r1, 'run1', 3);
    const p1 = await post(r1);
    expect(p1.exitCode).toBe(0);
    expect(entriesOf('internal-dogfood')).toHaveLength(1);
    expect(entriesOf('internal-dogfood')[0]).toMatch(/^paas-state-v1\/internal-dogfood\/4242-1-[0-9a-f]{12}$/);

    const r2 = newRun('internal-dogfood', vault);
    const m2 = await main(r2);
    expect(m2.outcome).toBeNull();
    expect(m2.log).toContain('restored context internal-dogfood from paas-state-v1/internal-dogfood/');
    expect(eventIds(r2)).toEqual(expect.arrayContaining(written));
    const store = storeOf(r2);
    const state = store.openState('internal-dogfood', r2.rt.redactor);
    try {
      expect(state.scoped.list('deploy').map((h) => h.id)).toEqual(['hist-run1']);
      expect(state.scoped.get('last_run1')).toEqual({ tag: 'run1' });
    } finally {
      state.close();
    }
    // the restored config belongs to this runner's state root; private modes as laid out by the store
    expect(store.get('internal-dogfood').state_root).toBe(store.root.path);
    const p = store.paths('internal-dogfood');
    for (const f of [p.config, p.stateDb]) expect(statSync(f).mode & 0o777).toBe(0o600);
    for (const d of [p.dir, p.events, p.cache]) expect(statSync(d).mode & 0o777).toBe(0o700);

    // run 2 changed nothing: nothing new is saved; run 3 still restores run 1's entry
    await post(r2);
    expect(entriesOf('internal-dogfood')).toHaveLength(1);
  });

  test('two steps of one job on the same context: posts run in reverse order, the state is saved once', async () => {
    const vault = keyOnly();
    const ctx = 'customer-twostep';
    const first = newRun(ctx, vault);
    await main(first);
    operate(first, 'earlier-job');
    await post(first);
    const step1 = newRun(ctx, vault);
    await main(step1);
    const step2: Run = { ...newRun(ctx, vault), stateRoot: step1.stateRoot }; // same runner, same state root
    const m2 = await main(step2);
    expect(m2.log).toContain('restored context customer-twostep from'); // merged into the local state: nothing added
    const written = [...operate(step1, 'step1', 1), ...operate(step2, 'step2', 1)];
    const p2 = await post(step2);
    expect(p2.log).toContain('saved context customer-twostep as');
    const p1 = await post(step1);
    expect(p1.log).toMatch(/unchanged since paas-state-v1\/customer-twostep\/\S+; nothing to save/);
    expect(entriesOf(ctx)).toHaveLength(2);
    const next = newRun(ctx, vault);
    await main(next);
    expect(eventIds(next)).toEqual(expect.arrayContaining(written));
  });

  test('the runner entry points (runAction, runPost) restore and save through the same hooks', async () => {
    const { runAction, runPost } = await import('../lib/entry/action.js');
    const vault = keyOnly();
    const context = 'customer-e2e';
    const step = async (stateRoot: string, between?: () => void) => {
      const files = Object.fromEntries(
        ['GITHUB_STATE', 'GITHUB_OUTPUT'].map((n) => [n, join(root, `${n}-${randomBytes(4).toString('hex')}`)]),
      );
      for (const f of Object.values(files)) writeFileSync(f, '');
      const inputs = { INPUT_CONTEXT: context, INPUT_STATE_ROOT: stateRoot, INPUT_VAULT: vault };
      const exitBefore = process.exitCode;
      try {
        await withEnv({ ...inputs, ...files }, () => captureStdout(() => runAction('doctor')));
        between?.();
        const state = parseStateFile(files.GITHUB_STATE as string);
        const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
        const { out } = await withEnv({ ...inputs, ...stateEnv }, () => captureStdout(() => runPost()));
        return { state, postLog: out };
      } finally {
        process.exitCode = exitBefore;
        process.umask(0o022);
      }
    };
    const r1: Run = { context, stateRoot: freshRunner(), vault, rt: runtime() };
    const s1 = await step(r1.stateRoot, () => operate(r1, 'e2e', 2));
    expect(s1.state[PERSIST_STATE]).toBeDefined();
    expect(s1.postLog).toContain('saved context customer-e2e as paas-state-v1/customer-e2e/');
    expect(entriesOf(context).length).toBeGreaterThanOrEqual(1);
    const r2: Run = { context, stateRoot: freshRunner(), vault, rt: runtime() };
    await step(r2.stateRoot);
    const msgs = storeOf(r2)
      .events(context, r2.rt.redactor)
      .list({ limit: 100 })
      .map((e) => e.message);
    expect(msgs).toEqual(expect.arrayContaining(['e2e deploy 0', 'e2e deploy 1']));
  });

  test('a tampered blob is refused; only state_reset starts empty, and nothing is saved meanwhile', async () => {
    const vault = keyOnly();
    const ctx = 'oss-demo';
    const r1 = newRun(ctx, vault);
    await main(r1);
    operate(r1, 'good');
    await post(r1);
    const { payload } = newestBlob(ctx);
    const tampered = Buffer.from(payload);
    tampered[tampered.length - 40] = (tampered[tampered.length - 40] as number) ^ 0x01;
    await plant(ctx, `${keyPrefix(ctx)}planted-1`, tampered);
    const count = entriesOf(ctx).length;

    const r2 = newRun(ctx, vault);
    const m2 = await main(r2);
    expect(m2.outcome?.envelope.error).toMatchObject({ code: 'PAAS_STATE_DECRYPT_FAILED', stage: 'state_decrypt' });
    expect(m2.outcome?.envelope.error?.message).toContain('failed authentication (tampered or corrupt)');
    expect(m2.outcome?.envelope.error?.remediation).toContain('state_reset: true');
    expect(m2.outcome?.exitCode).toBe(1);
    expect(storeOf(r2).exists(ctx)).toBe(false);
    expect(r2.carried).toBeUndefined();
    await post(r2);
    expect(entriesOf(ctx)).toHaveLength(count); // nothing shadows the refused entry silently

    const r3 = newRun(ctx, vault, { reset: true });
    const m3 = await main(r3);
    expect(m3.outcome).toBeNull();
    expect(m3.log).toContain('state_reset is set: ignoring paas-state-v1/oss-demo/planted-1');
    const fresh = operate(r3, 'after-reset', 1);
    expect((await post(r3)).exitCode).toBe(0);
    expect(entriesOf(ctx)).toHaveLength(count + 1);

    const r4 = newRun(ctx, vault);
    expect((await main(r4)).outcome).toBeNull();
    expect(eventIds(r4)).toEqual(fresh);
  });

  test('a wrong key is refused and named as such', async () => {
    const ctx = 'customer-wrongkey';
    const r1 = newRun(ctx, keyOnly());
    await main(r1);
    operate(r1, 'k1');
    await post(r1);
    const r2 = newRun(ctx, keyOnly());
    const m2 = await main(r2);
    expect(m2.outcome?.envelope.error?.code).toBe('PAAS_STATE_DECRYPT_FAILED');
    expect(m2.outcome?.envelope.error?.message).toMatch(
      /sealed with a different PAAS_STATE_KEY \(wrong key\); refused/,
    );
    expect(storeOf(r2).exists(ctx)).toBe(false);
  });

  test('a blob of another context is refused, even under the same key and with its header rewritten; prefixes never cross contexts', async () => {
    const vault = keyOnly(); // worst case: both contexts share one key
    const b = newRun('customer-b', vault);
    await main(b);
    operate(b, 'b');
    await post(b);
    const { payload } = newestBlob('customer-b');

    await plant('customer-a', `${keyPrefix('customer-a')}planted-1`, payload);
    const a1 = newRun('customer-a', vault);
    const m1 = await main(a1);
    expect(m1.outcome?.envelope.error?.code).toBe('PAAS_STATE_DECRYPT_FAILED');
    expect(m1.outcome?.envelope.error?.message).toContain(
      'was sealed for context "customer-b", not customer-a; refused',
    );

    // the same blob with its (plaintext) header claiming customer-a: authentication fails
    const forged = Buffer.from(
      payload.toString('latin1').replace('"context":"customer-b"', '"context":"customer-a"'),
      'latin1',
    );
    expect(forged.equals(payload)).toBe(false);
    await plant('customer-a', `${keyPrefix('customer-a')}planted-2`, forged);
    const a2 = newRun('customer-a', vault);
    const m2 = await main(a2);
    expect(m2.outcome?.envelope.error?.code).toBe('PAAS_STATE_DECRYPT_FAILED');
    expect(m2.outcome?.envelope.error?.message).toContain('tampered or corrupt');

    // customer-b-2 starts with "customer-b": its restore never sees customer-b's entries
    const b2 = newRun('customer-b-2', vault);
    const m3 = await main(b2);
    expect(m3.outcome).toBeNull();
    expect(m3.log).toContain('no cached state for context customer-b-2');
  });

  test('an entry found but not downloadable or unpackable is refused, never taken for a miss', async () => {
    const vault = keyOnly();
    const ctx = 'customer-damaged';
    const r1 = newRun(ctx, vault);
    await main(r1);
    operate(r1, 'd');
    await post(r1);
    const entry = server.entries().find((e) => e.key === entriesOf(ctx).at(-1));
    if (!entry) throw new Error('no entry');
    const raw = readFileSync(entry.file);
    raw[Math.floor(raw.length / 2)] = (raw[Math.floor(raw.length / 2)] as number) ^ 0xff;
    writeFileSync(entry.file, raw);
    const r2 = newRun(ctx, vault);
    const m2 = await main(r2);
    expect(m2.outcome?.envelope.error?.code).toBe('PAAS_STATE_CORRUPT');
    expect(m2.outcome?.envelope.error?.message).toContain('exists but could not be downloaded or unpacked');
    expect(m2.outcome?.envelope.error?.remediation).toContain('state_reset: true');
    // state_reset gets past it, and that run's save becomes the newest entry
    const r3 = newRun(ctx, vault, { reset: true });
    expect((await main(r3)).outcome).toBeNull();
    const fresh = operate(r3, 'after-reset', 1);
    expect((await post(r3)).exitCode).toBe(0);
    const r4 = newRun(ctx, vault);
    expect((await main(r4)).outcome).toBeNull();
    expect(eventIds(r4)).toEqual(fresh);
  });

  test('a run without a key saves nothing and says so once', async () => {
    const ctx = 'customer-nokey';
    const requests = server.requests.length;
    const r = newRun(ctx, dotenv({ DB_PASSWORD: randomBytes(12).toString('hex') }));
    const m = await main(r);
    expect(m.outcome).toBeNull();
    operate(r, 'nokey');
    const p = await post(r);
    expect(p.exitCode).toBe(0);
    const said =
      (m.log + p.log).match(/state persistence is off for context customer-nokey: its vault has no PAAS_STATE_KEY/g) ??
      [];
    expect(said).toHaveLength(1);
    expect(m.log).toContain('On this GitHub-hosted runner the state root is lost when the job ends');
    expect(entriesOf(ctx)).toEqual([]);
    expect(server.requests.length).toBe(requests); // not even a lookup
    expect(r.carried).toBeUndefined();
  });

  test('a read-only cache token and a miss are normal: the run succeeds, the next run restores the previous entry', async () => {
    const vault = keyOnly();
    const ctx = 'customer-readonly';
    const r1 = newRun(ctx, vault);
    const m1 = await main(r1);
    expect(m1.outcome).toBeNull();
    expect(m1.log).toContain('no cached state for context customer-readonly');
    const first = operate(r1, 'r1');
    await post(r1);
    const r2 = newRun(ctx, vault);
    await main(r2);
    operate(r2, 'pr-from-fork');
    server.readOnly = true;
    let p2;
    try {
      p2 = await post(r2);
    } finally {
      server.readOnly = false;
    }
    expect(p2.exitCode).toBe(0);
    expect(p2.log).toContain('the cache did not take');
    expect(entriesOf(ctx)).toHaveLength(1);
    const r3 = newRun(ctx, vault);
    await main(r3);
    expect(eventIds(r3).sort()).toEqual([...first].sort());
  });

  test('two overlapping runs that restored the same entry lose no event (merge on save)', async () => {
    const vault = keyOnly();
    const ctx = 'customer-overlap';
    const r0 = newRun(ctx, vault);
    await main(r0);
    const base = operate(r0, 'base');
    await post(r0);

    const a = newRun(ctx, vault);
    const b = newRun(ctx, vault);
    await main(a);
    await main(b); // both restored the same entry
    const evA = operate(a, 'a', 3);
    const evB = operate(b, 'b', 4);
    await post(a);
    const pb = await post(b);
    expect(pb.log).toContain('saved by another run meanwhile: 3 event(s), 1 history row(s)');

    const c = newRun(ctx, vault);
    await main(c);
    const ids = eventIds(c);
    expect(ids.sort()).toEqual([...base, ...evA, ...evB].sort());
    expect(new Set(ids).size).toBe(ids.length);
    const st = storeOf(c).openState(ctx, c.rt.redactor);
    try {
      expect(
        st.scoped
          .list('deploy')
          .map((h) => h.id)
          .sort(),
      ).toEqual(['hist-a', 'hist-b', 'hist-base']);
      expect(st.scoped.get('last_a')).toEqual({ tag: 'a' });
      expect(st.scoped.get('last_b')).toEqual({ tag: 'b' });
    } finally {
      st.close();
    }
  });

  test('two runs saving at the same moment: the one that lost the race merges and saves again', async () => {
    const vault = keyOnly();
    const ctx = 'customer-race';
    const r0 = newRun(ctx, vault);
    await main(r0);
    const base = operate(r0, 'base');
    await post(r0);
    // one cache client for both runs, one request at a time (they share RUNNER_TEMP's blob dir here)
    const inner = new ActionsCacheStore(join(runnerTemp, 'paas-state-cache', ctx));
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(f: () => Promise<T>): Promise<T> => {
      const next = chain.then(f, f);
      chain = next.catch(() => undefined);
      return next;
    };
    const shared: CacheStore = {
      lookup: (p) => serial(() => inner.lookup(p)),
      restore: (p) => serial(() => inner.restore(p)),
      save: (k, b) => serial(() => inner.save(k, b)),
    };
    const a = newRun(ctx, vault, { cache: shared });
    const b = newRun(ctx, vault, { cache: shared });
    await main(a);
    await main(b);
    const evA = operate(a, 'a', 2);
    const evB = operate(b, 'b', 2);
    const depsOf = async (r: Run): Promise<PersistDeps> => {
      const s = await persistenceSetup(r.rt, {
        context: ctx,
        stateRoot: r.stateRoot,
        allowUnsafe: false,
        vaultText: r.vault,
        cache: shared,
      });
      if ('off' in s) throw new Error(s.off);
      return s.deps;
    };
    const carried = (r: Run) => JSON.parse(r.carried as string) as { base: string; lineage: string[]; digest: string };
    const input = (r: Run) => ({
      base: carried(r).base,
      lineage: carried(r).lineage,
      resetKeys: [],
      digest: carried(r).digest,
    });
    const [da, db] = [await depsOf(a), await depsOf(b)];
    const [sa, sb] = await captureStdout(() => Promise.all([saveState(da, input(a)), saveState(db, input(b))])).then(
      (x) => x.value,
    );
    expect([sa.status, sb.status]).toEqual(['saved', 'saved']);
    expect(sa.merged.length + sb.merged.length).toBeGreaterThan(0); // someone noticed the other's save and merged it
    const c = newRun(ctx, vault);
    await main(c);
    expect(eventIds(c).sort()).toEqual([...base, ...evA, ...evB].sort());
  });

  test('persisted blobs never contain a vault value; a value that reached the state blocks the save', async () => {
    const vault = generatedVault();
    const ctx = 'customer-scan';
    const r1 = newRun(ctx, dotenv(vault));
    await main(r1);
    const store = storeOf(r1);
    operate(r1, 'scan');
    // the operation handles secrets: the redactor masks them at write time
    store.events(ctx, r1.rt.redactor).append('deploy.started', `connecting with ${vault.POSTGRES_DSN_PROD}`, {
      dsn: vault.POSTGRES_DSN_PROD,
      token: vault.GITHUB_PAT,
      key: vault.PAAS_SSH_KEY,
    });
    const st = store.openState(ctx, r1.rt.redactor);
    st.scoped.set('conn', { password: vault.DB_PASSWORD, state_key: vault.PAAS_STATE_KEY });
    st.close();
    expect((await post(r1)).exitCode).toBe(0);
    const { key, payload } = newestBlob(ctx);
    expect(leakedKeys(server.blob(key), vault)).toEqual([]);
    expect(leakedKeys(payload, vault)).toEqual([]);
    const plain = unpackBundle(
      open(
        payload,
        vault.PAAS_STATE_KEY as string,
        { purpose: 'state', context: ctx, schema: STATE_SCHEMA_VERSION },
        { what: key, remediation: '' },
      ),
    );
    expect(plain.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['config.json', 'state.db', expect.stringMatching(/^events\/\d{4}-\d{2}\.jsonl$/)]),
    );
    for (const f of plain.files)
      expect({ file: f.path, leaked: leakedKeys(f.data, vault) }).toEqual({ file: f.path, leaked: [] });

    // something wrote a vault value past the redactor: raw into state.db, base64 into cache/
    const r2 = newRun(ctx, dotenv(vault));
    await main(r2);
    const p = storeOf(r2).paths(ctx);
    const db = new DatabaseSync(p.stateDb);
    db.prepare('INSERT INTO kv (context, key, value, updated_at) VALUES (?, ?, ?, ?)').run(
      ctx,
      'oops',
      JSON.stringify(vault.DB_PASSWORD),
      new Date().toISOString(),
    );
    db.close();
    const before = entriesOf(ctx).length;
    const p2 = await post(r2);
    expect(p2.exitCode).toBe(1);
    expect(p2.log).toContain('PAAS_STATE_HOLDS_SECRET');
    expect(p2.log).toContain('state.db holds the vault value of DB_PASSWORD');
    expect(p2.log).not.toContain(vault.DB_PASSWORD as string);
    expect(entriesOf(ctx)).toHaveLength(before);

    const r3 = newRun(ctx, dotenv(vault));
    await main(r3);
    const cacheFile = join(storeOf(r3).paths(ctx).cache, 'token.txt');
    writeFileSync(cacheFile, `x${Buffer.from(vault.GITHUB_PAT as string).toString('base64')}\n`);
    chmodSync(cacheFile, 0o600);
    const p3 = await post(r3);
    expect(p3.exitCode).toBe(1);
    expect(p3.log).toContain('cache/token.txt holds the vault value of GITHUB_PAT (base64 form)');
    expect(entriesOf(ctx)).toHaveLength(before);
  });
});
