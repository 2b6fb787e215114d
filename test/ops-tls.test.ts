/**
 * The tls check against a real TLS server whose certificate comes from a CA made here with openssl:
 * a private CA trusted through a documented vault key (`tls: { host: API_HOST, ca: API_CA_PEM }`),
 * and the days to expiry reported whether or not the chain is trusted.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { opsFixture, runOpsDirect, type OpsFixture } from './ops-fixtures.js';
import { rmrf, tempDir } from './helpers.js';

const dir = tempDir('paas-tls-');
const fixtures: OpsFixture[] = [];
const servers: Server[] = [];
let caPem = '';
let otherCaPem = '';

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA (self-signed, 10 years) named `name` in the temp dir. */
function makeCa(name: string): string {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '3650',
    '-subj',
    `/CN=${name} test CA`,
  );
  return readFileSync(join(dir, `${name}.pem`), 'utf8');
}

/** A server certificate for 127.0.0.1 signed by `ca`, valid `days` days from now. */
function makeLeaf(name: string, ca: string, days: number): { key: string; cert: string } {
  writeFileSync(
    join(dir, `${name}.ext`),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    '/CN=127.0.0.1',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  );
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
}

async function serve(leaf: { key: string; cert: string }): Promise<string> {
  const server = createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

let longHost = '';
let soonHost = '';

beforeAll(async () => {
  caPem = makeCa('private');
  otherCaPem = makeCa('other');
  longHost = await serve(makeLeaf('long', 'private', 90));
  soonHost = await serve(makeLeaf('soon', 'private', 5));
});
afterAll(async () => {
  fixtures.forEach((f) => f.cleanup());
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmrf(dir);
});

async function fixture(tlsSpec: string, vault: Record<string, string>): Promise<OpsFixture> {
  const f = await opsFixture({ yaml: `version: 1\nops:\n  checks:\n    - name: cert\n      tls: ${tlsSpec}\n`, vault });
  fixtures.push(f);
  return f;
}

describe('tls check with a private CA', () => {
  test('the CA bundle named by a vault key is trusted: healthy with the days to expiry', async () => {
    const f = await fixture('{ host: API_HOST, ca: API_CA_PEM, min_days: 14 }', {
      API_HOST: longHost,
      API_CA_PEM: caPem,
    });
    const r = await runOpsDirect(f);
    expect(r.lines[0]).toMatch(/^ops_check status=healthy check=cert kind=tls ms=\d+ values=days:(89|90)$/);
    expect(r.code).toBe(0);
  });

  test('without the CA the chain is untrusted, and the days to expiry are still reported', async () => {
    const f = await fixture('{ host: API_HOST }', { API_HOST: longHost });
    const r = await runOpsDirect(f);
    expect(r.lines[0]).toMatch(
      /^ops_check status=unhealthy check=cert kind=tls reason=cert_untrusted ms=\d+ values=days:(89|90)$/,
    );
    expect(r.code).toBe(2);
    expect(r.logs.join('\n')).toMatch(/fix \(cert\): .*`tls\.ca`/);
  });

  test('another CA does not vouch for the server: untrusted, with days', async () => {
    const f = await fixture('{ host: API_HOST, ca: API_CA_PEM }', { API_HOST: soonHost, API_CA_PEM: otherCaPem });
    const r = await runOpsDirect(f);
    expect(r.lines[0]).toMatch(/reason=cert_untrusted ms=\d+ values=days:(4|5)$/);
  });

  test('trusted but expiring within min_days: expires_soon with days', async () => {
    const f = await fixture('{ host: API_HOST, ca: API_CA_PEM, min_days: 14 }', {
      API_HOST: soonHost,
      API_CA_PEM: caPem,
    });
    const r = await runOpsDirect(f);
    expect(r.lines[0]).toMatch(
      /^ops_check status=unhealthy check=cert kind=tls reason=expires_soon ms=\d+ values=days:(4|5)$/,
    );
  });

  test('the CA key is required like the host: missing in mode=prod is prod_config missing_env; a non-PEM value is invalid_ca', async () => {
    const f = await fixture('{ host: API_HOST, ca: API_CA_PEM }', { API_HOST: longHost });
    const r = await runOpsDirect(f);
    expect(r.lines.at(-1)).toBe('prod_config status=fail reason=missing_env missing=API_CA_PEM');
    f.writeVault({ API_HOST: longHost, API_CA_PEM: 'not a certificate' });
    const bad = await runOpsDirect(f);
    expect(bad.lines[0]).toMatch(/^ops_check status=error check=cert kind=tls reason=invalid_ca /);
  });
});
