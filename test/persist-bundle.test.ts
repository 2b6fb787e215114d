/**
 * The bundled actions as the runner runs them (test/harness/runner.ts): the main step restores
 * the context's encrypted state from the cache service, the post step saves it, and the next
 * run (an empty state root, the same runner temp path as on hosted runners) restores it.
 * Runs dist/ (build first, as CI does; PAAS_HARNESS_DIST points elsewhere).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { contextConfigSchema } from '../lib/isolation/context.js';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { ContextStore } from '../lib/isolation/store.js';
import { keyPrefix } from '../lib/persistence/persist.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { startCacheServer, type CacheServer } from './harness/cache-server.js';
import { createSandbox, runAction, type Sandbox } from './harness/runner.js';
import { dotenv } from './persist-helpers.js';

let server: CacheServer;
let sb: Sandbox;
beforeAll(async () => {
  server = await startCacheServer();
  sb = createSandbox();
});
afterAll(async () => {
  sb.cleanup();
  await server.close();
});

const context = 'customer-bundle';
const entries = () => server.entries().filter((e) => e.finalized && e.key.startsWith(keyPrefix(context)));

describe('bundled actions: state survives the runner', () => {
  test('run 1 saves in post, run 2 on an empty state root restores, a wrong key is refused', async () => {
    const key = randomBytes(32).toString('base64');
    const run = (stateRoot: string, k = key) =>
      runAction({
        action: 'doctor',
        sandbox: sb,
        inputs: { context, state_root: stateRoot, vault: dotenv({ PAAS_STATE_KEY: k }) },
        env: server.env(),
      });

    // run 1: the context's state root holds an event (as an operation leaves it)
    const root1 = join(sb.root, 'state-1');
    const store1 = new ContextStore(guardStateRoot(root1, { workspace: sb.workspace }));
    store1.create(
      contextConfigSchema.parse({
        name: context,
        type: 'customer',
        state_root: store1.root.path,
        created_at: new Date().toISOString(),
      }),
    );
    const marker = store1.events(context, new Redactor()).append('deploy.finished', 'marker of run 1').id;
    const r1 = await run(root1);
    expect(r1.exitCode).toBe(0);
    expect(r1.log).toContain('no cached state for context customer-bundle');
    expect(r1.post?.exitCode).toBe(0);
    expect(r1.post?.log).toContain('saved context customer-bundle as paas-state-v1/customer-bundle/');
    expect(entries()).toHaveLength(1);
    expect(r1.masks).toContain(key);
    expect(r1.visibleLog + (r1.post?.visibleLog ?? '')).not.toContain(key);

    // run 2: a fresh state root
    const root2 = join(sb.root, 'state-2');
    const r2 = await run(root2);
    expect(r2.exitCode).toBe(0);
    expect(r2.log).toContain('restored context customer-bundle from paas-state-v1/customer-bundle/');
    const store2 = new ContextStore(guardStateRoot(root2, { workspace: sb.workspace }));
    expect(
      store2
        .events(context, new Redactor())
        .list({ limit: 100 })
        .map((e) => e.id),
    ).toContain(marker);
    expect(entries()).toHaveLength(1); // nothing changed: nothing new saved

    // run 3: another key
    const r3 = await run(join(sb.root, 'state-3'), randomBytes(32).toString('base64'));
    expect(r3.exitCode).toBe(1);
    expect(r3.outputs.status).toBe('doctor status=fail reason=state_decrypt_failed stage=state_decrypt');
    expect(JSON.parse(r3.outputs.result ?? '{}').error.code).toBe('PAAS_STATE_DECRYPT_FAILED');
    expect(r3.post?.exitCode).toBe(0);
    expect(entries()).toHaveLength(1);
  });
});
