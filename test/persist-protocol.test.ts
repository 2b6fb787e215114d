import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cache from '@actions/cache';
import { startCacheServer, type CacheServer } from './harness/cache-server.js';

let server: CacheServer;
let root: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = await startCacheServer();
  root = mkdtempSync(join(tmpdir(), 'paas-proto-'));
  const env = { ...server.env(), RUNNER_TEMP: join(root, 'temp'), GITHUB_WORKSPACE: join(root, 'ws') };
  mkdirSync(env.RUNNER_TEMP, { recursive: true });
  mkdirSync(env.GITHUB_WORKSPACE, { recursive: true });
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('test/harness/cache-server speaks the protocol of @actions/cache 6 (service v2)', () => {
  test('save, then restore by prefix, newest first; a miss is undefined', async () => {
    const dir = join(root, 'temp', 'payload');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), 'one');
    expect(cache.isFeatureAvailable()).toBe(true);
    expect(await cache.saveCache([dir], 'proto/a/1')).toBeGreaterThan(0);
    writeFileSync(join(dir, 'f.bin'), 'two');
    expect(await cache.saveCache([dir], 'proto/a/2')).toBeGreaterThan(0);
    rmSync(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'proto/a/none', ['proto/a/'])).toBe('proto/a/2');
    expect(readFileSync(join(dir, 'f.bin'), 'utf8')).toBe('two');
    expect(await cache.restoreCache([dir], 'proto/a/1')).toBe('proto/a/1');
    expect(readFileSync(join(dir, 'f.bin'), 'utf8')).toBe('one');
    expect(await cache.restoreCache([dir], 'proto/b/none', ['proto/b/'])).toBeUndefined();
    expect(server.requests).toEqual(
      expect.arrayContaining([
        'CreateCacheEntry',
        'PutBlob',
        'FinalizeCacheEntryUpload',
        'GetCacheEntryDownloadURL',
        'DownloadBlob',
      ]),
    );
  });

  test('a read-only token saves nothing and does not throw', async () => {
    const dir = join(root, 'temp', 'payload2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), 'x');
    server.readOnly = true;
    try {
      expect(await cache.saveCache([dir], 'proto/ro/1')).toBe(-1);
    } finally {
      server.readOnly = false;
    }
    expect(server.entries().some((e) => e.key === 'proto/ro/1')).toBe(false);
  });
});
