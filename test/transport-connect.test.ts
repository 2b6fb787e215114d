/**
 * Target connection in lib/transport/connect.ts (issue 15 item 3): `connect()` is part of the
 * Transport port, so the connect gate treats SSH and local targets alike (no class test anywhere in
 * lib/), and an interrupted run starts no new remote work on either.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault } from '../lib/isolation/vault.js';
import { clearInterrupt, requestInterrupt } from '../lib/runtime/interrupt.js';
import {
  buildTransports,
  connectTransport,
  targetsFromVault,
  transportErrorCode,
  transportRemediation,
} from '../lib/transport/connect.js';
import { LocalTransport } from '../lib/transport/local.js';
import { SshTransport } from '../lib/transport/ssh.js';
import { TransportError } from '../lib/transport/transport.js';

const REPO = join(import.meta.dirname, '..');
const vault = (values: Record<string, string>) => new Vault('oss-demo', new Map(Object.entries(values)), ['test']);
const settings = { concurrency: 2, attempts: 1, log: () => {} };

afterEach(() => clearInterrupt());

describe('Transport.connect', () => {
  test('a local target: no round trip, always connected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-connect-'));
    try {
      const t = new LocalTransport(dir);
      await t.connect();
      expect(t.roundTrips).toBe(0);
      expect(t.connected).toBe(true);
      expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a local target whose shell cannot run: connect refuses as a connection failure', async () => {
    const t = new LocalTransport('/tmp', '/nonexistent/paas-test/sh');
    const e = await t.connect().then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({
      kind: 'connect',
      message: 'cannot run /nonexistent/paas-test/sh on this machine: ENOENT',
    });
    expect(transportErrorCode(e as TransportError, 'connect')).toBe('PAAS_REMOTE_CONNECT_FAILED');
  });
});

describe('connectTransport', () => {
  test('once the run is interrupted, no new remote work starts on a local target either', async () => {
    const [t] = buildTransports(
      targetsFromVault(vault({ PAAS_TARGETS: 'a=local:/tmp' })),
      vault({}),
      settings,
    ).values();
    await connectTransport(t as LocalTransport);
    requestInterrupt('SIGINT');
    await expect(connectTransport(t as LocalTransport)).rejects.toMatchObject({
      kind: 'link',
      message: 'interrupted by SIGINT: no new remote work is started',
    });
    // the cleanup that releases our locks still connects
    await expect(connectTransport(t as LocalTransport, { evenIfInterrupted: true })).resolves.toBeUndefined();
  });

  test('builds one transport per target: local and SSH behind the same port', () => {
    const v = vault({
      PAAS_TARGETS: 'web1=deploy@10.0.0.1:2222 box=local:/srv/paas',
      PAAS_SSH_KEY: 'not-a-key',
      PAAS_KNOWN_HOSTS: '# none',
    });
    const ts = buildTransports(targetsFromVault(v), v, settings);
    expect([...ts.keys()]).toEqual(['web1', 'box']);
    expect(ts.get('web1')).toBeInstanceOf(SshTransport);
    expect(ts.get('web1')?.connected).toBe(false);
    expect(ts.get('box')).toMatchObject({ kind: 'local', rootOverride: '/srv/paas', connected: true });
  });

  test('the fix for a link failure names what to check; other codes get the generic one', () => {
    expect(transportRemediation('PAAS_REMOTE_HOSTKEY_MISMATCH')).toContain('update PAAS_KNOWN_HOSTS');
    expect(transportRemediation('PAAS_REMOTE_CONNECT_FAILED')).toContain('run `paas target check`');
    expect(transportRemediation('PAAS_REMOTE_UPLOAD_FAILED')).toContain('verified by sha256');
    expect(transportRemediation('PAAS_REMOTE_APPLY_FAILED')).toBe(
      'Read the failing stage and the last log lines of the target; fix the cause and re-run.',
    );
  });
});

test('no module in lib/ tells transports apart by class: connect() is on the port', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  const hits = files(join(REPO, 'lib')).filter((f) =>
    /instanceof (?:Ssh|Local)Transport\b/.test(readFileSync(f, 'utf8')),
  );
  expect(hits).toEqual([]);
});
