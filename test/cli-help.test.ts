/**
 * The CLI as a newcomer meets it: --help describes every option from the same source as the
 * actions (action.yml descriptions and defaults, zod enums), typos get the nearest command or
 * flag, a command group alone lists its commands, repeated --vault adds, --version --json, and
 * option errors in our own words (never node:util's, never a stack trace).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMMANDS } from '../lib/cli/cli.js';
import { cli, rmrf, tempDir } from './helpers.js';
import { REPO_ROOT } from './harness/metadata.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const kebab = (s: string) => s.replace(/_/g, '-');

function actionInputs(op: string): Record<string, { description: string; default?: string }> {
  return (
    parse(readFileSync(join(REPO_ROOT, 'actions', op, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string; default?: string }>;
    }
  ).inputs;
}

/** the text --help prints for one option (its row, continuation lines joined) */
function optionText(help: string, flag: string): string | null {
  const rows = help.split('\n');
  const i = rows.findIndex((r) => r.startsWith(`  ${flag} `) || r === `  ${flag}`);
  if (i < 0) return null;
  const out = [rows[i] as string];
  for (let j = i + 1; j < rows.length && /^ {10,}/.test(rows[j] as string); j++) out.push(rows[j] as string);
  return norm(out.join(' ').slice(flag.length + 2));
}

describe('--help of every command', () => {
  test.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))(
    'paas %s --help: every option described',
    async (_name, c) => {
      const args = [...c.path, ...c.positionals.filter((p) => !p.endsWith('?')).map(() => 'x'), '--help'];
      const r = await cli(args);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      for (const s of c.strings) {
        const t = optionText(r.stdout, `--${kebab(s)} <value>`);
        expect({ s, described: (t ?? '').length > 10 }).toEqual({ s, described: true });
      }
      for (const b of c.booleans) {
        const t = optionText(r.stdout, `--${kebab(b)}`);
        expect({ b, described: (t ?? '').length > 10 }).toEqual({ b, described: true });
      }
      if (c.op) {
        // the same text as the action.yml input, with its default
        const inputs = actionInputs(c.op);
        for (const name of [...c.strings, ...c.booleans]) {
          const spec = inputs[name];
          expect(spec).toBeDefined();
          const flag = c.booleans.includes(name) ? `--${kebab(name)}` : `--${kebab(name)} <value>`;
          const t = optionText(r.stdout, flag) as string;
          expect(t.startsWith(norm(spec?.description ?? ''))).toBe(true);
          if (spec?.default && !spec.default.includes('${{'))
            expect({ name, t }).toEqual({ name, t: expect.stringContaining(`default: ${spec.default}`) });
        }
      }
    },
  );

  test('allowed values come from the zod schema', async () => {
    const r = await cli(['db', 'bootstrap', '--help']);
    expect(optionText(r.stdout, '--mode <value>')).toContain('one of: dry_run, migrate, verify, all');
    const d = await cli(['doctor', '--help']);
    expect(optionText(d.stdout, '--fail-on <value>')).toContain('one of: any, critical; default: any');
  });

  test('`paas --help` lists paas logs', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).toMatch(/\n {2}paas logs +print the app's log/);
  });
});

describe("--help of a command that pins a mode lists only that mode's options", () => {
  const flagsOf = (help: string) => [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);

  test.each([
    ['deploy reconcile', ['--app'], ['--artifact', '--release-id', '--apply', '--shards', '--shard', '--mode']],
    ['target check', ['--app'], ['--artifact', '--rollback-on-failure', '--github-token', '--shards', '--apply']],
    ['ops readiness', ['--contexts', '--backup-max-age', '--drill-window'], ['--results', '--mode']],
  ])('paas %s --help', async (path, shown, hidden) => {
    const r = await cli([...path.split(' '), '--help']);
    expect(r.code).toBe(0);
    const flags = flagsOf(r.stdout);
    for (const f of shown) expect({ f, shown: flags.includes(f) }).toEqual({ f, shown: true });
    for (const f of hidden) expect({ f, shown: flags.includes(f) }).toEqual({ f, shown: false });
    // the common inputs stay
    expect(flags).toEqual(expect.arrayContaining(['--context', '--state-root', '--vault', '--config']));
  });

  test('the unpinned command says which modes read a mode-specific option', async () => {
    const r = await cli(['ops', 'daily', '--help']);
    expect(optionText(r.stdout, '--results <value>')).toContain('only with --mode summary');
    expect(optionText(r.stdout, '--contexts <value>')).toContain('only with --mode readiness, summary');
    const d = await cli(['deploy', '--help']);
    expect(optionText(d.stdout, '--shards <value>')).toContain('only with --mode plan_shards');
    expect(optionText(d.stdout, '--app <value>')).not.toContain('only with');
  });
});

describe('paas deploy --help lists the sharded-deploy shorthands', () => {
  test('--plan-shards <n> and --finalize, each with what it stands for', async () => {
    const r = await cli(['deploy', '--help']);
    const plan = optionText(r.stdout, '--plan-shards <n>');
    const fin = optionText(r.stdout, '--finalize');
    expect(plan).toContain('--mode plan_shards --shards <n>');
    expect(fin).toContain('--mode finalize');
    expect((plan ?? '').length).toBeGreaterThan(60);
    expect((fin ?? '').length).toBeGreaterThan(40);
    // only on paas deploy: the pinned commands do not take them
    const rec = await cli(['deploy', 'reconcile', '--help']);
    expect(rec.stdout).not.toMatch(/--plan-shards|--finalize/);
  });
});

describe('a CLI bundle built elsewhere (npm run build -- --out DIR)', () => {
  let out: string;
  beforeAll(() => {
    out = tempDir('paas-build-');
    execFileSync(process.execPath, ['scripts/build.mjs', '--out', out, '--only', 'cli'], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
  });
  afterAll(() => rmrf(out));

  test('its --help has the action.yml descriptions (embedded at build time, no action.yml beside it)', () => {
    expect(existsSync(join(out, '..', 'actions'))).toBe(false);
    const help = execFileSync(process.execPath, [join(out, 'cli', 'index.js'), 'deploy', '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: out, NODE_DISABLE_COMPILE_CACHE: '1' },
    });
    const inputs = actionInputs('deploy');
    for (const name of ['state_root', 'artifact', 'release_id', 'shards', 'shard', 'github_token', 'apply']) {
      const spec = inputs[name];
      const flag = name === 'apply' ? '--apply' : `--${kebab(name)} <value>`;
      const t = optionText(help, flag) ?? '';
      expect({ name, t: t.startsWith(norm(spec?.description ?? '')) }).toEqual({ name, t: true });
    }
    expect(optionText(help, '--config <value>')).toContain('default: paas.yml');
  });
});

describe('mistakes get the nearest right thing', () => {
  test.each([
    [['deplyo'], 'unknown command: paas deplyo (did you mean `paas deploy`?)'],
    [['dcotor', '--json'], 'unknown command: paas dcotor (did you mean `paas doctor`?)'],
    [['context', 'lst'], 'unknown command: paas context lst (did you mean `paas context list`?)'],
    [['db', 'boostrap'], 'unknown command: paas db boostrap (did you mean `paas db bootstrap`?)'],
    [['ops', 'dayli'], 'unknown command: paas ops dayli (did you mean `paas ops daily`?)'],
    [['logz', '--app', 'web'], 'unknown command: paas logz (did you mean `paas logs`?)'],
    [['--json'], 'no command given: options come after a command (paas <command> [options]), got "--json"'],
    [['doctor', '--fial-on', 'any'], 'paas doctor: unknown option --fial-on (did you mean --fail-on?)'],
    [['deploy', '--aply'], 'paas deploy: unknown option --aply (did you mean --apply?)'],
    [['doctor', '--context'], 'paas doctor: --context needs a value (--context <value> or --context=<value>)'],
    [['deploy', '--apply=yes'], 'paas deploy: --apply is a switch and takes no value (use --apply or --no-apply)'],
    [['doctor', '--zzzzzzzz'], 'paas doctor: unknown option --zzzzzzzz'],
  ])('paas %j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error PAAS_INVALID_ARGUMENT: ${message}`);
    expect(r.stderr).not.toMatch(/ERR_PARSE_ARGS|TypeError|options\.[a-z]|\n\s+at /);
  });

  test('`paas context` alone lists its commands (exit 0)', async () => {
    const r = await cli(['context']);
    expect(r.code).toBe(0);
    for (const sub of ['create', 'list', 'use', 'show', 'remove', 'export', 'import'])
      expect(r.stdout).toMatch(new RegExp(`\\n {2}paas context ${sub}\\b`));
    expect(r.stdout).not.toContain('paas doctor');
  });
});

describe('--version', () => {
  test('--version prints the package version; with --json the envelope', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await cli(['--version'])).stdout).toBe(`paas ${pkg.version}\n`);
    const j = await cli(['--version', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      ok: true,
      command: 'version',
      context: null,
      mode: null,
      fields: { version: pkg.version, node: process.versions.node },
    });
  });
});

describe('repeated --vault adds', () => {
  let base: string;
  beforeAll(async () => {
    base = tempDir('paas-vault-');
    mkdirSync(join(base, 'work'));
    mkdirSync(join(base, 'target'));
    writeFileSync(
      join(base, 'work', 'paas.yml'),
      ['version: 1', 'apps:', '  web:', '    start: ./bin/start', ''].join('\n'),
    );
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', join(base, 'state')])).code).toBe(0);
  });
  afterAll(() => rmrf(base));

  test.each([
    ['targets first', (t: string) => [`PAAS_TARGETS=web1=local:${t}`, 'PAAS_SSH_JUMP=not a host']],
    ['targets second', (t: string) => ['PAAS_SSH_JUMP=not a host', `PAAS_TARGETS=web1=local:${t}`]],
  ])('%s: both --vault values are read', async (_n, vaults) => {
    const args = ['target', 'check', '--context', 'oss-demo', '--state-root', join(base, 'state'), '--app', 'web'];
    for (const v of vaults(join(base, 'target'))) args.push('--vault', v);
    const r = await cli(args, {}, join(base, 'work'));
    // PAAS_TARGETS of one flag and PAAS_SSH_JUMP of the other: only both together reach the jump check
    expect(r.stderr.split('\n')[0]).toBe('error PAAS_INVALID_ARGUMENT: PAAS_SSH_JUMP is not user@host:port');
  });
});
