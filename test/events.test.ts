import { describe, expect, test, afterAll, beforeAll } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { EventLog } from '../lib/state/events.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { EVENT_KINDS, KNOWN_KINDS, parseSince } from '../lib/ops/events/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

const HOUR = 3_600_000;
let root = '';
const ctx = 'oss-demo';
const now = Date.now();

beforeAll(async () => {
  const d = tempDir();
  dirs.push(d);
  root = join(d, 'state');
  expect((await cli(['context', 'create', ctx, '--state-root', root])).code).toBe(0);
  const log = new EventLog(join(root, 'contexts', ctx, 'events'), ctx, new Redactor());
  // an old incident (40 days ago, another month file most of the time) and a recent one
  log.append(
    'deploy.failed',
    'old failure',
    { code: 'PAAS_HEALTH_CHECK_FAILED' },
    'error',
    new Date(now - 40 * 24 * HOUR),
  );
  log.append('deploy.started', 'deploy web r2', {}, 'info', new Date(now - 3 * HOUR));
  log.append(
    'deploy.failed',
    'deploy web r2 failed at health on web1',
    { code: 'PAAS_HEALTH_CHECK_FAILED' },
    'error',
    new Date(now - 2 * HOUR),
  );
  log.append('rollback.succeeded', 'rolled web back to r1', {}, 'info', new Date(now - 1 * HOUR));
  log.append('ops_daily.finished', 'ops_daily healthy', {}, 'info', new Date(now - 30 * 60_000));
});

const list = (...extra: string[]) => cli(['events', 'list', '--context', ctx, '--state-root', root, ...extra]);
const kindsOf = (r: { json: () => { fields: Record<string, unknown> } }) =>
  (r.json().fields.events as Array<{ kind: string }>).map((e) => e.kind);

describe('paas events list --since / --kind / --format jsonl', () => {
  test('--since 24h leaves out the old incident; without it the old one is listed too', async () => {
    const recent = await list('--since', '24h', '--json');
    expect(recent.code).toBe(0);
    expect(kindsOf(recent)).toEqual([
      'context.created',
      'ops_daily.finished',
      'rollback.succeeded',
      'deploy.failed',
      'deploy.started',
    ]);
    const all = await list('--json');
    expect(kindsOf(all).filter((k) => k === 'deploy.failed')).toHaveLength(2);
  });

  test('--since takes an ISO time (a time without zone is UTC)', async () => {
    const iso = new Date(now - 90 * 60_000).toISOString();
    const r = await list('--since', iso, '--json');
    expect(kindsOf(r)).toEqual(['context.created', 'ops_daily.finished', 'rollback.succeeded']);
    expect(parseSince('2026-12-01T08:00', new Date()).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseSince('2026-12-01', new Date()).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('7d', new Date(Date.UTC(2026, 11, 8))).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  test('--kind repeated, comma lists and prefix.* select the union of kinds', async () => {
    const r1 = await list('--kind', 'deploy.failed', '--kind', 'rollback.succeeded', '--since', '1d', '--json');
    expect(kindsOf(r1)).toEqual(['rollback.succeeded', 'deploy.failed']);
    const r2 = await list('--kind', 'deploy.failed,rollback.succeeded', '--since', '1d', '--json');
    expect(kindsOf(r2)).toEqual(kindsOf(r1));
    const r3 = await list('--kind', 'deploy.*', '--json');
    expect(kindsOf(r3)).toEqual(['deploy.failed', 'deploy.started', 'deploy.failed']);
  });

  test('--format jsonl: stdout is only JSON lines, oldest first; the status line is on stderr', async () => {
    const r = await list('--format', 'jsonl', '--since', '24h');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const evs = lines.map((l) => JSON.parse(l) as { kind: string; at: string; context: string });
    expect(evs.map((e) => e.kind)).toEqual([
      'deploy.started',
      'deploy.failed',
      'rollback.succeeded',
      'ops_daily.finished',
      'context.created',
    ]);
    expect(evs.every((e) => e.context === ctx)).toBe(true);
    expect([...evs.map((e) => e.at)].sort()).toEqual(evs.map((e) => e.at));
    expect(r.stderr).toContain('events_list status=ok context=oss-demo events=5');
    // nothing matches: stdout stays empty (a valid empty JSONL file), still exit 0
    const none = await list('--format', 'jsonl', '--kind', 'backup.restored');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('events=0');
  });

  test('a plain listing keeps its status line on stdout', async () => {
    const r = await list('--since', '24h');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('events_list status=ok context=oss-demo events=5');
  });

  test('bad --since, unknown kind and bad format are refused with a fix, exit 1', async () => {
    const bad = await list('--since', 'yesterday', '--json');
    expect(bad.code).toBe(1);
    expect(bad.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT' });
    expect(bad.json().error?.remediation).toContain('24h');
    const unknown = await list('--kind', 'deploy.exploded', '--json');
    expect(unknown.code).toBe(1);
    expect(unknown.json().error?.message).toContain('deploy.failed');
    const fmt = await list('--format', 'csv', '--json');
    expect(fmt.code).toBe(1);
    expect(fmt.json().error?.code).toBe('PAAS_INVALID_ARGUMENT');
  });

  test('--limit keeps the newest and says so on stderr', async () => {
    const r = await list('--since', '24h', '--limit', '2', '--json');
    expect(kindsOf(r)).toEqual(['context.created', 'ops_daily.finished']);
    expect(r.json().fields.truncated).toBe(true);
    expect(r.stderr).toContain('more than 2 events match');
  });
});

describe('event kinds are documented', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(process.cwd(), 'lib'));

  test('every kind appended in lib/ is in EVENT_KINDS and in docs/state.md', () => {
    const appended = new Set<string>();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\.append\(\s*'([a-z0-9_.-]+)'/g)) appended.add(m[1] as string);
      for (const m of text.matchAll(/\.append\(\s*`\$\{[^}]+\}(\.[a-z_]+)`/g)) {
        appended.add(`deploy${m[1]}`);
        appended.add(`rollback${m[1]}`);
      }
    }
    expect(appended.size).toBeGreaterThan(10);
    const doc = readFileSync(join(process.cwd(), 'docs', 'state.md'), 'utf8');
    for (const k of appended) {
      expect(KNOWN_KINDS).toContain(k);
    }
    for (const k of Object.keys(EVENT_KINDS)) expect(doc).toContain(`\`${k}\``);
  });
});
