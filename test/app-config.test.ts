/**
 * AppConfig is the paas.yml app schema's output (issue 15): the defaults come from the schema alone,
 * and `restart` is read as `start`.
 */
import { expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paasYmlSchemas, parsePaasYml } from '../lib/config/paas-yml.js';
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

test('the rules across an app fields refuse with the field named (bluegreen slots and health, ports, shared)', () => {
  const err = (app: string) => {
    try {
      parsePaasYml(`version: 1\napps:\n  web: ${app}\n`);
    } catch (e) {
      return (e as Error).message;
    }
    return 'parsed';
  };
  const health = 'health: { command: "true" }';
  expect(err(`{ strategy: bluegreen, ${health} }`)).toMatch(/apps\.web\.slots: strategy bluegreen needs slots/);
  expect(err('{ strategy: bluegreen, slots: { blue: { port: 8001 }, green: { port: 8002 } } }')).toMatch(
    /apps\.web\.health: strategy bluegreen needs a health check/,
  );
  expect(err(`{ slots: { blue: { port: 8001 }, green: { port: 8001 } } }`)).toMatch(
    /apps\.web\.slots: blue and green need different ports/,
  );
  expect(err('{ shared: [logs, logs] }')).toMatch(/apps\.web\.shared: shared paths must be unique/);
  expect(err(`{ strategy: bluegreen, ${health}, slots: { blue: { port: 8001 }, green: { port: 8002 } } }`)).toBe(
    'parsed',
  );
});
