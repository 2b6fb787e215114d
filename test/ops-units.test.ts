/** Pure parts of the check engine and ops_daily, and the engine's concurrency and tls checks on real servers. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import fc from 'fast-check';
import { conditionReason, firstMatch, holds } from '../lib/ops/checks/conditions.js';
import { runChecks, type EngineContext } from '../lib/ops/checks/engine.js';
import { runHttpCheck, type HttpSpec } from '../lib/ops/checks/http.js';
import { parseTlsHost, runTlsCheck } from '../lib/ops/checks/tls.js';
import { overallOf, reasonToken, type CheckResult, type CheckStatus, CHECK_STATUSES } from '../lib/ops/checks/types.js';
import { nextLink } from '../lib/ops/alerts/github-issues.js';
import { exitCodeOf, scheduledExit, scheduleGap } from '../lib/ops/ops_daily/schedule.js';
import { defaultPaasYml, paasYmlSchemas, type OpsCheck } from '../lib/config/paas-yml.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { rmrf, tempDir } from './helpers.js';

const result = (status: CheckStatus, reason?: string): CheckResult => ({
  name: 'c',
  kind: 'http',
  status,
  reason,
  values: {},
  ms: 1,
});

describe('overall result and exit codes', () => {
  test.each([
    [['healthy', 'healthy'], 'healthy', 0, 0],
    [['healthy', 'insufficient_data'], 'insufficient_data', 2, 0],
    [['insufficient_data', 'unhealthy'], 'unhealthy', 2, 2],
    [['insufficient_data', 'error'], 'error', 1, 1],
    [['unhealthy', 'error'], 'error', 1, 1],
    [['skipped', 'healthy'], 'healthy', 0, 0],
    [['skipped'], 'insufficient_data', 2, 0],
    [[], 'insufficient_data', 2, 0],
  ] as Array<[CheckStatus[], string, number, number]>)(
    '%j → %s, exit %d (on a schedule %d)',
    (statuses, overall, exit, scheduled) => {
      const o = overallOf(statuses.map((s) => result(s, s === 'insufficient_data' ? 'x_0' : undefined)));
      expect(o.status).toBe(overall);
      expect(exitCodeOf(o.status)).toBe(exit);
      expect(scheduledExit(o.status, 'schedule').exitCode).toBe(scheduled);
      expect(scheduledExit(o.status, 'workflow_dispatch').exitCode).toBe(exit);
    },
  );

  test('property: a schedule turns exit 2 into 0 exactly when the overall result is insufficient_data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...CHECK_STATUSES), { maxLength: 12 }),
        fc.constantFrom('schedule', 'push', 'workflow_dispatch', undefined),
        (statuses, event) => {
          const o = overallOf(statuses.map((s) => result(s, 'r')));
          const { exitCode, normalized } = scheduledExit(o.status, event);
          expect(normalized).toBe(event === 'schedule' && o.status === 'insufficient_data');
          if (statuses.includes('unhealthy') || statuses.includes('error')) expect(exitCode).not.toBe(0);
          expect(exitCode).toBe(normalized ? 0 : exitCodeOf(o.status));
        },
      ),
    );
  });

  test('skipped checks fail when every check is required (prod_verify)', () => {
    expect(overallOf([result('healthy'), result('skipped')], { skippedFails: true })).toMatchObject({
      status: 'error',
      reason: 'skipped_checks',
      failed: 1,
      skipped: 1,
    });
  });

  test('insufficient reasons are listed once each', () => {
    expect(
      overallOf([
        result('insufficient_data', 'a_0'),
        result('insufficient_data', 'b_null'),
        result('insufficient_data', 'a_0'),
      ]).reason,
    ).toBe('a_0,b_null');
  });
});

describe('schedule gap', () => {
  const now = new Date('2026-03-02T06:00:00Z');
  test('older than expected is missed; none recorded is not', () => {
    expect(scheduleGap('2026-03-01T04:00:00Z', now, 26 * 3_600_000)).toEqual({
      missed: false,
      ageHours: 26,
      expectedHours: 26,
    });
    expect(scheduleGap('2026-02-28T06:00:00Z', now, 26 * 3_600_000)).toEqual({
      missed: true,
      ageHours: 48,
      expectedHours: 26,
    });
    expect(scheduleGap(undefined, now, 3_600_000)).toEqual({ missed: false, ageHours: null, expectedHours: 1 });
    expect(scheduleGap('garbage', now, 3_600_000).missed).toBe(false);
  });
});

describe('conditions', () => {
  test('operators, ranges, reason tokens', () => {
    expect(holds({ eq: 0 }, 0)).toBe(true);
    expect(holds({ gt: 0, lt: 10 }, 10)).toBe(false);
    expect(holds({}, 1)).toBe(false);
    expect(conditionReason('delivered_total', { eq: 0 })).toBe('delivered_total_0');
    expect(conditionReason('ratio', { lt: 0.25 })).toBe('ratio_lt_0.25');
    expect(conditionReason('delta', { le: -3 })).toBe('delta_le_-3');
    expect(firstMatch({ a: { gt: 1 }, b: { eq: 2 } }, { a: 0, b: 2 })).toEqual({ reason: 'b_2', missing: [] });
    expect(firstMatch({ z: { gt: 1 } }, { a: 0 })).toEqual({ reason: null, missing: ['z'] });
  });

  test('property: a condition is never an expression: any column name / number gives a token, and holds() is the comparison', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (col, bound, v) => {
          expect(reasonToken(conditionReason(col, { lt: bound }))).toBe(conditionReason(col, { lt: bound }));
          expect(holds({ lt: bound }, v)).toBe(v < bound);
          expect(holds({ ge: bound }, v)).toBe(v >= bound);
        },
      ),
    );
  });

  test('paas.yml refuses conditions that are not structured', () => {
    const bad = (cond: unknown) =>
      paasYmlSchemas().paasYml.safeParse({
        version: 1,
        ops: { checks: [{ name: 'x', sql: { query: 'select 1 as n', unhealthy_when: cond } }] },
      }).success;
    expect(bad({ n: { lt: 1 } })).toBe(true);
    expect(bad({ n: 'n < 1' })).toBe(false);
    expect(bad({ n: { lt: '1' } })).toBe(false);
    expect(bad({ n: { between: [1, 2] } })).toBe(false);
    expect(bad({ n: {} })).toBe(false);
    expect(bad({ 'N; drop': { lt: 1 } })).toBe(false);
  });
});

describe('small parsers', () => {
  test('Link header next', () => {
    expect(
      nextLink(
        '<https://api.github.com/repos/a/b/issues?page=2>; rel="next", <https://api.github.com/repos/a/b/issues?page=5>; rel="last"',
      ),
    ).toBe('https://api.github.com/repos/a/b/issues?page=2');
    expect(nextLink('<https://x/?page=1>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  test('TLS host values', () => {
    expect(parseTlsHost('api.example.com', 443)).toEqual({ host: 'api.example.com', port: 443 });
    expect(parseTlsHost('api.example.com:8443', 443)).toEqual({ host: 'api.example.com', port: 8443 });
    expect(parseTlsHost('https://api.example.com:9443/health', 443)).toEqual({ host: 'api.example.com', port: 9443 });
    expect(parseTlsHost('[::1]:8443', 443)).toEqual({ host: '::1', port: 8443 });
    expect(parseTlsHost('bad host', 443)).toBeNull();
    expect(parseTlsHost('h:99999', 443)).toBeNull();
  });
});

describe('engine concurrency (real HTTP server counting requests in flight)', () => {
  let server: Server;
  let url = '';
  let inFlight = 0;
  let peak = 0;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 150);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const ctx = (concurrency: number): EngineContext => ({
    context: 'oss-demo',
    vault: { get: () => url },
    redactor: new Redactor(),
    config: defaultPaasYml(),
    targets: () => {
      throw new Error('no targets');
    },
    now: () => new Date(),
    concurrency,
  });
  const checks = (n: number) =>
    Array.from(
      { length: n },
      (_, i) =>
        paasYmlSchemas().paasYml.parse({ version: 1, ops: { checks: [{ name: `c${i}`, http: { url: 'U' } }] } }).ops
          .checks[0] as OpsCheck,
    );

  test.each([
    [30, 100, 30],
    [30, 5, 5],
  ])(
    '%d checks, concurrency %d: at most %d requests in flight, results in declaration order',
    async (n, concurrency, expected) => {
      peak = 0;
      const r = await runChecks(checks(n), ctx(concurrency));
      expect(peak).toBe(expected);
      expect(r.map((x) => x.name)).toEqual(checks(n).map((c) => c.name));
      expect(r.every((x) => x.status === 'healthy')).toBe(true);
    },
  );
});

describe('tls check against a real TLS server', () => {
  let dir: string;
  let server: TlsServer;
  let port = 0;
  let ca = '';
  beforeAll(async () => {
    dir = tempDir('paas-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    port = typeof a === 'object' && a ? a.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmrf(dir);
  });
  const spec = (min_days: number) => ({ host: 'API_HOST', port: 443, min_days, timeout: 5000 });
  const signal = () => new AbortController().signal;

  test('days until expiry; trusted chain; thresholds', async () => {
    const now = () => new Date();
    expect(await runTlsCheck(spec(14), `localhost:${port}`, { signal: signal(), now, ca })).toEqual({
      status: 'healthy',
      values: { days: 29 },
    });
    expect(await runTlsCheck(spec(60), `localhost:${port}`, { signal: signal(), now, ca })).toEqual({
      status: 'unhealthy',
      reason: 'expires_soon',
      values: { days: 29 },
    });
    expect(await runTlsCheck(spec(14), `localhost:${port}`, { signal: signal(), now })).toEqual({
      status: 'unhealthy',
      reason: 'cert_untrusted',
      values: { days: 29 },
    });
    const later = () => new Date(Date.now() + 40 * 86_400_000);
    expect(await runTlsCheck(spec(14), `localhost:${port}`, { signal: signal(), now: later, ca })).toMatchObject({
      status: 'unhealthy',
      reason: 'expired',
    });
    expect(await runTlsCheck(spec(14), `localhost:1`, { signal: signal(), now, ca })).toEqual({
      status: 'unhealthy',
      reason: 'connect_refused',
    });
    expect(await runTlsCheck(spec(14), 'not a host', { signal: signal(), now, ca })).toEqual({
      status: 'error',
      reason: 'invalid_host',
    });
  });
});

describe('http check: connection failures by reason (docs/ops_daily.md, Checks)', () => {
  const spec = (): HttpSpec =>
    paasYmlSchemas().paasYml.parse({ version: 1, ops: { checks: [{ name: 'a', http: { url: 'U' } }] } }).ops.checks[0]
      ?.http as HttpSpec;
  test('a closed port is connect_refused; a port fetch never connects to (9, discard) is connect_failed', async () => {
    const server = createHttpServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const signal = AbortSignal.timeout(10_000);
    expect(await runHttpCheck(spec(), `http://127.0.0.1:${port}/`, signal)).toMatchObject({
      status: 'unhealthy',
      reason: 'connect_refused',
    });
    expect(await runHttpCheck(spec(), 'http://127.0.0.1:9/', signal)).toMatchObject({
      status: 'unhealthy',
      reason: 'connect_failed',
    });
  });
});
