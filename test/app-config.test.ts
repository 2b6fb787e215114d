/**
 * AppConfig is the paas.yml app schema's output (issue 15): the defaults come from the schema alone,
 * and `restart` is read as `start`.
 */
import { expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paasYmlSchemas } from '../lib/config/paas-yml.js';
import { loadAppConfig } from '../lib/ops/deploy/app-config.js';

function load(yml: string, app = 'web') {
  const dir = mkdtempSync(join(tmpdir(), 'paas-appcfg-'));
  writeFileSync(join(dir, 'paas.yml'), yml);
  return loadAppConfig(dir, 'paas.yml', app).app;
}

test('an app with no settings gets exactly the schema defaults (deploy-only fields included)', () => {
  const app = load('version: 1\napps:\n  web: {}\n');
  expect(app).toEqual(paasYmlSchemas().app.parse({}));
  expect(app).toMatchObject({
    deploy_root: '/srv/paas',
    keep_releases: 5,
    shared: [],
    strategy: 'serial',
    hooks: {},
    lock_ttl: 30 * 60_000,
    command_timeout: 10 * 60_000,
    connect_concurrency: 10,
    connect_attempts: 4,
  });
});

test('restart is read as start; start wins when both are given', () => {
  expect(load('version: 1\napps:\n  web: { restart: "systemctl restart web" }\n').start).toBe('systemctl restart web');
  expect(load('version: 1\napps:\n  web: { start: "./run", restart: "systemctl restart web" }\n').start).toBe('./run');
});

test('durations in paas.yml come out as milliseconds', () => {
  expect(load('version: 1\napps:\n  web: { lock_ttl: 20m, command_timeout: 90s }\n')).toMatchObject({
    lock_ttl: 20 * 60_000,
    command_timeout: 90_000,
  });
});
