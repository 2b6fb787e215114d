/**
 * paas.yml's schema is built on first use, part by part (docs/benchmarks.md, db_bootstrap start-up):
 * the defaults of a repository without paas.yml build only db and ops' own fields; apps, ops checks
 * and contexts are reached through z.lazy. These pin what that must not change: every default, and
 * the messages (file, line, path) of errors inside the lazily built parts.
 */
import { describe, expect, test } from '@jest/globals';
import { defaultPaasYml, paasYmlSchemas, parsePaasYml } from '../lib/config/paas-yml.js';
import { lazy } from '../lib/runtime/lazy.js';
import { PAAS_YML_DB_DEFAULTS } from './helpers.js';

describe('lazy()', () => {
  test('builds on the first call, once, and keeps any value (undefined too)', () => {
    let calls = 0;
    const v = lazy(() => {
      calls++;
      return undefined;
    });
    expect(calls).toBe(0);
    expect(v()).toBeUndefined();
    expect(v()).toBeUndefined();
    expect(calls).toBe(1);
    const o = lazy(() => ({ n: ++calls }));
    expect(o()).toBe(o());
  });
});

describe('paas.yml built lazily', () => {
  test('the defaults without paas.yml: every field, as before', () => {
    expect(defaultPaasYml()).toEqual({
      version: 1,
      apps: {},
      db: PAAS_YML_DB_DEFAULTS,
      ops: {
        checks: [],
        expected_interval: 26 * 3_600_000,
        concurrency: 100,
        slack: { webhook: 'SLACK_WEBHOOK_URL' },
        alerting: { failure_threshold: 1, success_threshold: 1, deploy_grace: 0, remind_every: 0 },
      },
      contexts: {},
    });
    expect(defaultPaasYml()).toEqual(parsePaasYml('version: 1\n'));
  });

  test.each([
    [
      'version: 1\napps:\n  web:\n    start: x\n    bogus: 1\n',
      'paas.yml:5: apps.web.bogus: unknown field (allowed fields are listed in docs/paas-yml.md)',
    ],
    [
      'version: 1\napps:\n  web:\n    strategy: bluegreen\n',
      'paas.yml:4: apps.web.slots: strategy bluegreen needs slots: { blue: { port }, green: { port } }',
    ],
    [
      'version: 1\nops:\n  checks:\n    - name: a\n      http: { url: X, timeout: 5 }\n',
      'paas.yml:5: ops.checks.0.http.timeout: must be a duration such as 500ms, 5s, 10m or 2h ' +
        '(a bare number other than 0 is ambiguous)',
    ],
    [
      'version: 1\nops:\n  checks:\n    - name: a\n      http: { url: X }\n    - name: a\n      tls: { host: H }\n',
      'paas.yml:6: ops.checks.1.name: duplicate check name a',
    ],
    [
      'version: 1\ncontexts:\n  oss-demo:\n    maintenance:\n      - start: "25:00"\n        duration: 1h\n',
      'paas.yml:5: contexts.oss-demo.maintenance.0.start: must be HH:MM (24 h)',
    ],
    [
      'version: 1\napps:\n  web:\n    start: x\n    health: { http: { port: 8080, expect: [200, 99] } }\n',
      'paas.yml:5: apps.web.health.http.expect.1: Too small: expected number to be >=100',
    ],
  ])('errors inside the lazy parts keep their line and path: %#', (text, message) => {
    expect(() => parsePaasYml(text)).toThrow(message);
    try {
      parsePaasYml(text);
    } catch (e) {
      expect(e).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT', message });
    }
  });

  test('a lazily built part parses the same on its own and inside the file', () => {
    const web = { start: 'x', health: { command: 'true' } };
    const alone = paasYmlSchemas().app.parse(web);
    expect(parsePaasYml(`version: 1\napps:\n  web: ${JSON.stringify(web)}\n`).apps.web).toEqual(alone);
    expect(alone.keep_releases).toBe(5);
    expect(paasYmlSchemas().check.shape.target.unwrap().parse({ current_release: true, app: 'web' })).toEqual({
      disk_path: '/',
      current_release: true,
      app: 'web',
      timeout: 30_000,
    });
  });
});
