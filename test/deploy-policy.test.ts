/** lib/ops/deploy/policy.ts: repository_dispatch signatures and the trigger policy's branch patterns. */
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { signDispatch, verifyDispatch } from '../lib/ops/deploy/policy.js';

describe('repository_dispatch signature', () => {
  test('HMAC-SHA256 over event type and canonical payload, fresh timestamp, constant-time compare', () => {
    const secret = randomBytes(16).toString('hex');
    const now = new Date('2026-01-01T00:00:00Z');
    const payload: Record<string, unknown> = {
      context: 'internal-dogfood',
      ref: 'main',
      timestamp: now.toISOString(),
      nested: { b: 1, a: 2 },
    };
    payload.signature = signDispatch(secret, 'deploy', payload);
    expect(verifyDispatch(secret, 'deploy', payload, now)).toBeNull();
    expect(verifyDispatch(secret, 'deploy', { ...payload, nested: { a: 2, b: 1 } }, now)).toBeNull();
    expect(verifyDispatch(secret, 'rollback', payload, now)).toMatch(/does not match/);
    expect(verifyDispatch(secret, 'deploy', { ...payload, ref: 'evil' }, now)).toMatch(/does not match/);
    expect(verifyDispatch('other-secret', 'deploy', payload, now)).toMatch(/does not match/);
    expect(verifyDispatch(secret, 'deploy', payload, new Date(now.getTime() + 11 * 60_000))).toMatch(
      /older than 10 minutes/,
    );
    expect(verifyDispatch(secret, 'deploy', { ...payload, signature: undefined }, now)).toMatch(/no sha256 signature/);
  });
});

describe('trigger policy branch patterns', () => {
  test('* stays within a segment, ** crosses segments', async () => {
    const { checkTriggerPolicy } = await import('../lib/ops/deploy/policy.js');
    const { Redactor } = await import('../lib/redaction/redactor.js');
    const { memoryLogger } = await import('../lib/runtime/logger.js');
    const ctx = {
      name: 'internal-dogfood',
      type: 'internal',
      webhook_policy: {
        events: ['push'],
        branches: ['main', 'release/*', 'hotfix/**'],
        actors: ['alice'],
        require_signature: false,
      },
    } as never;
    const vault = {
      require: () => {
        throw new Error('no');
      },
    } as never;
    const rt = (branch: string, actor = 'alice') => ({
      env: { GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: branch, GITHUB_ACTOR: actor },
      cwd: '/',
      redactor: new Redactor(),
      logger: memoryLogger(new Redactor()),
      now: () => new Date(),
      inCI: true,
      inAction: false,
    });
    for (const ok of ['main', 'release/1.2', 'hotfix/a/b'])
      expect(() => checkTriggerPolicy(rt(ok), ctx, vault, 'deploy')).not.toThrow();
    for (const bad of ['mainx', 'release/1/2', 'feature/main'])
      expect(() => checkTriggerPolicy(rt(bad), ctx, vault, 'deploy')).toThrow(/branch/);
    expect(() => checkTriggerPolicy(rt('main', 'mallory'), ctx, vault, 'deploy')).toThrow(/actor mallory/);
  });
});
