/**
 * doctor: every check made to fail and pass through the CLI (in-process, the same code as
 * dist/cli) and through the action bundle (runner-contract harness); the corpus with recall and
 * false-positive figures; SARIF validated against the SARIF 2.1.0 schema; preflight; baseline;
 * runs with no vault and no secret; doctor over this repository is green.
 *
 * Credential-like fixtures are assembled at test time (test/fixtures/doctor-corpus.ts).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COMMANDS } from '../lib/cli/cli.js';
import { ContextStore } from '../lib/isolation/store.js';
import { contextConfigSchema } from '../lib/isolation/context.js';
import { preflight } from '../lib/ops/doctor/engine.js';
import { Detector } from '../lib/ops/doctor/detect.js';
import { TOKEN_RULES } from '../lib/ops/doctor/patterns.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { commonInputsSchema } from '../lib/runtime/inputs.js';
import { isPaasError } from '../lib/output/errors.js';
import { AFTER_ESCAPE_CONTEXTS, cli, tempDirs } from './helpers.js';
import { Fakes, rng, writeCorpus } from './fixtures/doctor-corpus.js';
import { createSandbox, distDir, runAction, type Sandbox } from './harness/runner.js';

const REPO = process.cwd();
const tmp = tempDirs('paas-doctor-');

const fakes = new Fakes(rng(42));

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  findings: Array<{
    check: string;
    kind: string;
    severity: string;
    file?: string;
    line?: number;
    preview: string;
    fingerprint: string;
    baselined?: boolean;
  }>;
}
const checksOf = (env: { fields: Record<string, unknown> }) => env.fields.checks as Check[];
const check = (env: { fields: Record<string, unknown> }, name: string) =>
  checksOf(env).find((c) => c.name === name) as Check;

/** A git work tree with the given files (untracked: doctor lists tracked and untracked-not-ignored files). */
function repoWith(files: Record<string, string>): string {
  const root = tmp('paas-doctor-repo-');
  execFileSync('git', ['init', '-q', root]);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

const stateOutside = () => join(tmp('paas-doctor-state-'), 'state');

async function doctor(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = await cli(['doctor', ...args, '--json'], env, cwd);
  return { ...r, env: r.json() };
}

/** `--update-baseline` as the CLI accepts it: a boolean flag once cli.ts lists it, `true` until then. */
function updateBaselineArgs(): string[] {
  const cmd = COMMANDS.find((c) => c.path.join(' ') === 'doctor');
  return cmd?.booleans.includes('update_baseline') ? ['--update-baseline'] : ['--update-baseline', 'true'];
}

function writeContext(stateRoot: string, name: string, vault?: { file: string; text: string; mode?: number }) {
  const store = new ContextStore({ path: stateRoot, unsafe: false });
  if (vault) {
    writeFileSync(vault.file, vault.text, { mode: vault.mode ?? 0o600 });
    chmodSync(vault.file, vault.mode ?? 0o600);
  }
  store.create(
    contextConfigSchema.parse({
      name,
      type: name === 'oss-demo' ? 'demo' : 'internal',
      state_root: stateRoot,
      vault_file: vault?.file ?? null,
      created_at: new Date().toISOString(),
    }),
  );
  return store;
}

// ---------------------------------------------------------------------------------------------
describe('doctor corpus: recall and false positives', () => {
  test('finds the planted secrets of every file type and none of the deliberate negatives', async () => {
    const root = tmp('paas-doctor-corpus-');
    const corpus = writeCorpus(root);
    const r = await doctor(['--path', root, '--state-root', stateOutside()], root);
    expect(r.code).toBe(1);
    const found = check(r.env, 'repo_plaintext_secret_exposure').findings;
    const expected = corpus.flatMap((f) => f.positives.map((p) => ({ file: f.path, ...p })));
    const negatives = corpus.reduce((n, f) => n + f.negatives, 0);
    const hit = (e: { file: string; line: number }) => found.find((x) => x.file === e.file && x.line === e.line);
    const missed = expected.filter((e) => !hit(e));
    const wrongKind = expected.filter((e) => hit(e) && hit(e)?.kind !== e.kind);
    const falsePositives = found.filter((x) => !expected.some((e) => e.file === x.file && e.line === x.line));
    const recall = (expected.length - missed.length) / expected.length;
    const fpRate = falsePositives.length / negatives;
    const byType = new Map<string, { n: number; found: number }>();
    for (const e of expected) {
      const t = e.file.includes('Dockerfile') ? 'Dockerfile' : (e.file.split('.').pop() ?? '');
      const row = byType.get(t) ?? { n: 0, found: 0 };
      row.n++;
      if (hit(e)) row.found++;
      byType.set(t, row);
    }
    console.log(
      [
        `doctor corpus: ${corpus.length} files, ${expected.length} planted secrets, ${negatives} deliberate negatives`,
        `  recall ${(recall * 100).toFixed(1)}% (${expected.length - missed.length}/${expected.length}), false positives ${falsePositives.length} (${(fpRate * 100).toFixed(1)}% of negatives), kind mismatches ${wrongKind.length}`,
        `  by file type: ${[...byType].map(([t, v]) => `${t} ${v.found}/${v.n}`).join(', ')}`,
        ...missed.map((m) => `  missed: ${m.file}:${m.line} ${m.kind}`),
        ...falsePositives.map((x) => `  false positive: ${x.file}:${x.line} ${x.kind} ${x.preview}`),
        ...wrongKind.map((w) => `  kind: ${w.file}:${w.line} expected ${w.kind}, got ${hit(w)?.kind}`),
      ].join('\n'),
    );
    expect(recall).toBeGreaterThanOrEqual(0.97);
    expect(falsePositives.length).toBeLessThanOrEqual(1);
    expect(wrongKind.length).toBeLessThanOrEqual(2);
    // artifacts of the corpus: the .env file and the private key file, not .env.example nor the public key
    const arts = check(r.env, 'repo_private_state_artifacts')
      .findings.map((f) => `${f.kind}:${f.file}`)
      .sort();
    expect(arts).toEqual(['dotenv_file:services/api/.env', 'private_key_file:deploy/keys/deploy.pem']);
    // values never leave the process: no planted value appears in the output
    for (const f of corpus)
      for (const line of f.content.split('\n')) {
        const m = /(gh[p]_[A-Za-z0-9]{36}|sk_live_[A-Za-z0-9]{20,})/.exec(line);
        if (m) expect(r.stdout).not.toContain(m[1]);
      }
  });
});

// ---------------------------------------------------------------------------------------------
describe('provider formats: each is found from its anchor, wherever it falls', () => {
  // assembled at test time (no literal credential in this file); p(...) joins the fragments
  const p = (...parts: string[]) => parts.join('');
  const f = new Fakes(rng(7));
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const HEX = '0123456789abcdef';
  const samples: Array<[string, string]> = [
    ['aws_access_key_id', p('AK', 'IA') + f.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 16)],
    ['github_token', p('gh', 's_') + f.alnum(36)],
    ['github_token', p('github', '_pat_') + f.pick(A + '_', 82)],
    ...['glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-'].map((st): [string, string] => [
      'gitlab_token',
      p(st.slice(0, 2), st.slice(2)) + f.alnum(24),
    ]),
    ['slack_token', p('xo', 'xp-') + f.pick('0123456789', 11) + '-' + f.pick('0123456789', 12) + '-' + f.alnum(24)],
    [
      'slack_token',
      p('xa', 'pp-') +
        '1-' +
        f.pick('ABCDEFGHIJ0123456789', 11) +
        '-' +
        f.pick('0123456789', 13) +
        '-' +
        f.pick(HEX, 64),
    ],
    [
      'slack_webhook',
      p('https://hooks.', 'slack.com/services/') + 'T' + f.alnum(10) + '/B' + f.alnum(10) + '/' + f.alnum(24),
    ],
    ['stripe_key', p('rk', '_test_') + f.alnum(30)],
    ['google_api_key', p('AI', 'za') + f.pick(A + '_-', 35)],
    ['openai_key', p('sk-', 'svcacct-') + f.alnum(30) + p('T3Blb', 'kFJ') + f.alnum(30)],
    ['openai_key', p('sk', '-') + f.alnum(40) + p('T3Blb', 'kFJ') + f.alnum(40)],
    ['anthropic_key', p('sk-', 'ant-', 'admin01-') + f.pick(A + '_-', 90)],
    ['npm_token', p('np', 'm_') + f.alnum(36)],
    ['pypi_token', p('py', 'pi-', 'AgEIcHlwaS5vcmc') + f.pick(A + '_-', 60)],
    ['sendgrid_key', p('S', 'G.') + f.alnum(22) + '.' + f.alnum(43)],
    ['shopify_token', p('sh', 'pss_') + f.alnum(32)],
    ['grafana_token', p('gl', 'c_') + f.pick(A + '+/', 60)],
    ['grafana_token', p('gl', 'sa_') + f.alnum(32) + '_' + f.pick(HEX, 8)],
    ['groq_key', p('gs', 'k_') + f.alnum(52)],
    ['huggingface_token', p('h', 'f_') + f.pick(A.slice(0, 52), 34)],
    ['linear_key', p('lin', '_api_') + f.alnum(40)],
    ['notion_token', p('nt', 'n_') + f.pick('0123456789', 11) + f.alnum(35)],
    ...['s', 'b', 'r'].map((c): [string, string] => ['vault_token', p('hv', c, '.') + f.pick(A + '_-', 95)]),
    ['vercel_token', p('vc', 'k_') + f.alnum(24)],
    ['databricks_token', p('da', 'pi') + f.pick(HEX, 32)],
    ['docker_token', p('dckr', '_pat_') + f.pick(A + '_-', 27)],
    ['figma_token', p('fi', 'gd_') + f.pick(A + '_-', 44)],
    ['cloudflare_token', p('cf', 'ut_') + f.alnum(40) + f.pick(HEX, 8)],
    ['tailscale_key', p('ts', 'key-', 'auth-') + f.alnum(12) + '-' + f.alnum(30)],
    ['onepassword_token', p('op', 's_ey') + f.pick(A + '+/', 120)],
    ['digitalocean_token', p('do', 'r_v1_') + f.pick(HEX, 64)],
    ['age_secret_key', p('AGE-SECRET', '-KEY-1') + f.pick('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)],
    ['azure_storage_key', p('Account', 'Key=') + f.pick(A + '+/', 86) + '=='],
    ['bearer_token', p('Bear', 'er ') + f.alnum(40)],
    ['dsn_password', p('postgres', '://app:') + f.alnum(20) + '@db.corp-internal.net:5432/app'],
  ];

  test('every rule of patterns.ts has a sample here', () => {
    const kinds = new Set(samples.map(([k]) => k));
    // the formats added for issue 18 (those with a `pad`, `back`, `decode` or a later kind) are sampled in test/doctor-corpus.test.ts
    const first = TOKEN_RULES.slice(
      0,
      TOKEN_RULES.findIndex((r) => r.kind === 'twilio_key'),
    );
    for (const r of first) if (r.kind !== 'private_key') expect(kinds).toContain(r.kind);
  });

  test.each(samples)(
    '%s: found at each of the four word alignments, alone, in code and after an escape',
    (kind, token) => {
      const det = new Detector();
      for (let pad = 0; pad < 4; pad++) {
        for (const [before, after] of [
          ['', '\n'],
          ['const value = "', '";\n'],
          ['x = 1\nkey: ', '\n'],
          ...AFTER_ESCAPE_CONTEXTS,
        ]) {
          if (kind === 'slack_webhook' && before?.endsWith('%3D')) continue; // a URL inside a URL's parameter: escaped, /services/ is %2F
          const text = ' '.repeat(pad) + before + token + after;
          const hits = det.scan(text, 'src/settings.ts');
          // a webhook is reported from its host (hooks.slack.com), every other format from its start
          const at = text.indexOf(token) + (kind === 'slack_webhook' ? token.indexOf('hooks.') : 0);
          expect(hits.map((h) => `${h.kind}@${h.start}`)).toContain(`${kind}@${at}`);
          // the same through the file's bytes, scanned in place
          const bytes = Buffer.allocUnsafeSlow(text.length + 8).subarray(0, text.length);
          bytes.write(text, 'latin1');
          expect(det.scan(text, 'src/settings.ts', bytes)).toEqual(hits);
          expect(det.scanBytes(bytes, 'src/settings.ts').hits).toEqual(hits);
        }
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
describe('paas doctor (CLI): every check fails and passes', () => {
  test('all five pass on a clean tree with no context, no vault and no secret', async () => {
    const repo = repoWith({ 'src/app.ts': 'export const x = 1;\n', '.env.example': 'API_KEY=\n' });
    const r = await doctor(['--state-root', stateOutside()], repo);
    expect(r.code).toBe(0);
    expect(r.env.ok).toBe(true);
    expect(r.env.fields.ok).toBe(true);
    expect(checksOf(r.env).map((c) => [c.name, c.ok])).toEqual([
      ['state_root_outside_repo', true],
      ['context_vault_outside_repo', true],
      ['repo_private_state_artifacts', true],
      ['repo_plaintext_secret_exposure', true],
      ['cross_context_contamination', true],
    ]);
    for (const c of checksOf(r.env))
      expect(c).toEqual({ name: c.name, ok: true, detail: expect.any(String), findings: [] });
    const text = await cli(['doctor', '--state-root', stateOutside()], {}, repo);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('doctor status=ok checks=5 findings=0 files=2');
  });

  test('state_root_outside_repo fails for a state root inside the repository (input and PAAS_STATE_ROOT)', async () => {
    const repo = repoWith({ 'a.txt': 'x\n' });
    for (const [args, env] of [
      [['--state-root', join(repo, '.paas-state')], {}],
      [[], { PAAS_STATE_ROOT: join(repo, 'state') }],
    ] as const) {
      const r = await doctor([...args], repo, env);
      expect(r.code).toBe(1);
      const c = check(r.env, 'state_root_outside_repo');
      expect(c.ok).toBe(false);
      expect(c.findings[0]).toMatchObject({ kind: 'state_root_inside_repo', severity: 'critical' });
      expect(c.detail).toContain('inside the git work tree');
    }
    const unsafe = await doctor(['--state-root', join(repo, 's'), '--allow-unsafe-state-root'], repo);
    expect(unsafe.code).toBe(1);
    expect(check(unsafe.env, 'state_root_outside_repo').detail).toContain('unsafe override');
  });

  test('context_vault_outside_repo: private vault outside passes; mode 0644, a vault inside the repo and a shared vault fail', async () => {
    const repo = repoWith({ 'a.txt': 'x\n' });
    const state = stateOutside();
    const vdir = tmp('paas-doctor-vault-');
    const good = join(vdir, 'internal.env');
    writeContext(state, 'internal-dogfood', { file: good, text: `PAAS_STATE_KEY=${fakes.alnum(32)}\n` });
    let r = await doctor(['--state-root', state], repo);
    expect(check(r.env, 'context_vault_outside_repo')).toMatchObject({ ok: true, findings: [] });
    expect(r.env.fields.contexts).toBe(1);

    chmodSync(good, 0o644);
    r = await doctor(['--state-root', state], repo);
    expect(r.code).toBe(1);
    expect(check(r.env, 'context_vault_outside_repo').findings.map((f) => f.kind)).toEqual(['vault_file_mode']);
    chmodSync(good, 0o600);

    // a config pointing into the repository (as a hand-edited config.json would)
    const inside = join(repo, 'vault.env');
    writeContext(state, 'oss-demo', { file: join(vdir, 'demo.env'), text: `PAAS_STATE_KEY=${fakes.alnum(32)}\n` });
    const cfgPath = join(state, 'contexts', 'oss-demo', 'config.json');
    writeFileSync(inside, 'X=1\n', { mode: 0o600 });
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), vault_file: inside }));
    r = await doctor(['--state-root', state], repo);
    const kinds = check(r.env, 'context_vault_outside_repo').findings.map((f) => f.kind);
    expect(kinds).toContain('vault_inside_repo');
    // the vault file is also a private state artifact of the tree
    expect(check(r.env, 'repo_private_state_artifacts').findings.map((f) => f.kind)).toContain('vault_file');

    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), vault_file: good }));
    r = await doctor(['--state-root', state], repo);
    expect(check(r.env, 'context_vault_outside_repo').findings.map((f) => f.kind)).toEqual(['vault_shared']);
    expect(check(r.env, 'cross_context_contamination').findings.map((f) => f.kind)).toContain('shared_vault');
  });

  test('repo_private_state_artifacts fails with the file for a planted state.db, events, a dump and a key; passes once removed', async () => {
    const repo = repoWith({ 'src/a.ts': 'export {};\n' });
    const state = stateOutside();
    let r = await doctor(['--state-root', state], repo);
    expect(check(r.env, 'repo_private_state_artifacts').ok).toBe(true);
    mkdirSync(join(repo, '.paas', 'contexts', 'oss-demo', 'events'), { recursive: true });
    writeFileSync(join(repo, '.paas', 'contexts', 'oss-demo', 'state.db'), Buffer.from('SQLite format 3\0'));
    writeFileSync(join(repo, '.paas', 'contexts', 'oss-demo', 'events', '2026-01.jsonl'), '{}\n');
    writeFileSync(join(repo, 'backup.sql'), '-- PostgreSQL database dump\nCREATE TABLE t ();\n');
    writeFileSync(join(repo, 'id_ed25519'), 'not a real key\n');
    writeFileSync(join(repo, 'prod.tfstate'), '{}\n');
    r = await doctor(['--state-root', state], repo);
    expect(r.code).toBe(1);
    const c = check(r.env, 'repo_private_state_artifacts');
    expect(c.ok).toBe(false);
    expect(c.findings.map((f) => `${f.kind} ${f.file}`).sort()).toEqual([
      'db_dump backup.sql',
      'events_log .paas/contexts/oss-demo/events/2026-01.jsonl',
      'private_key_file id_ed25519',
      'state_db .paas/contexts/oss-demo/state.db',
      'terraform_state prod.tfstate',
    ]);
    expect(r.env.fields.skipped).toMatchObject({ binary: 1 });
    // ignored files are not part of the tree
    writeFileSync(join(repo, '.gitignore'), '.paas/contexts/\nbackup.sql\nid_ed25519\n*.tfstate\n');
    r = await doctor(['--state-root', state], repo);
    expect(check(r.env, 'repo_private_state_artifacts')).toMatchObject({ ok: true, findings: [] });
  });

  test('repo_plaintext_secret_exposure fails with file:line for a planted token, never printing it; passes once removed', async () => {
    const token = fakes.github();
    const repo = repoWith({ 'src/a.ts': 'export {};\n', 'config/ci.yml': `name: ci\nenv:\n  GH: ${token}\n` });
    const r = await cli(['doctor', '--state-root', stateOutside()], {}, repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('config/ci.yml:3:7  github_token  gh***');
    expect(r.stdout).toContain('doctor status=fail reason=findings checks=5 failed=1 findings=1 files=2');
    expect(r.stdout + r.stderr).not.toContain(token);
    writeFileSync(join(repo, 'config/ci.yml'), 'name: ci\nenv:\n  GH: ${{ secrets.GH_TOKEN }}\n');
    const again = await doctor(['--state-root', stateOutside()], repo);
    expect(again.code).toBe(0);
  });

  test('registered secrets are found in derived forms (vault input, environment)', async () => {
    const value = `${fakes.alnum(12)}-${fakes.alnum(12)}`;
    const envValue = fakes.alnum(30);
    const repo = repoWith({
      'a.txt': `encoded: ${Buffer.from('xx' + value).toString('base64')}\n`,
      'b.json': `{"v": "${Buffer.from(value).toString('hex')}"}\n`,
      'c.txt': `url=${encodeURIComponent(envValue)}\n`,
    });
    const r = await doctor(['--state-root', stateOutside(), '--vault', `PAAS_SSH_KEY=${value}`], repo, {
      DEPLOY_API_TOKEN: envValue,
    });
    const f = check(r.env, 'repo_plaintext_secret_exposure').findings.filter((x) => x.kind === 'registered_secret');
    expect(f.map((x) => `${x.file}:${x.line}`).sort()).toEqual(['a.txt:1', 'b.json:1', 'c.txt:1']);
    expect(f.map((x) => x.preview).sort()).toEqual([
      '*** (value of DEPLOY_API_TOKEN)',
      '*** (value of PAAS_SSH_KEY, base64 form)',
      '*** (value of PAAS_SSH_KEY, hex form)',
    ]);
    expect(r.env.fields.registered).toBe(2);
    expect(r.stdout).not.toContain(value);
    expect(r.stdout).not.toContain(envValue);
  });

  test('cross_context_contamination: a shared target, a foreign event and foreign history fail; distinct contexts pass', async () => {
    const repo = repoWith({ 'a.txt': 'x\n' });
    const state = stateOutside();
    const vdir = tmp('paas-doctor-vault-');
    writeContext(state, 'internal-dogfood', {
      file: join(vdir, 'a.env'),
      text: 'PAAS_TARGETS=web1=deploy@10.1.0.5:22 web2=deploy@10.1.0.6\n',
    });
    const store = writeContext(state, 'oss-demo', {
      file: join(vdir, 'b.env'),
      text: 'PAAS_TARGETS=demo1=demo@10.9.0.5\n',
    });
    let r = await doctor(['--state-root', state], repo);
    expect(check(r.env, 'cross_context_contamination')).toMatchObject({ ok: true, findings: [] });
    expect(check(r.env, 'cross_context_contamination').detail).toBe(
      '2 contexts share no target, vault, state or event',
    );

    writeFileSync(join(vdir, 'b.env'), 'PAAS_TARGETS=demo1=demo@10.1.0.6:22\n', { mode: 0o600 });
    r = await doctor(['--state-root', state], repo);
    expect(r.code).toBe(1);
    const c = check(r.env, 'cross_context_contamination');
    expect(c.findings.map((f) => f.kind)).toEqual(['shared_target']);
    expect(c.findings[0]?.preview).toBe(
      'target web2 of internal-dogfood and target demo1 of oss-demo are the same address',
    );
    expect(JSON.stringify(r.env)).not.toContain('10.1.0.6');

    writeFileSync(join(vdir, 'b.env'), 'PAAS_TARGETS=demo1=demo@10.9.0.5\n', { mode: 0o600 });
    const ev = new Redactor();
    const a = store.events('internal-dogfood', ev).append('deploy.started', 'deploy v1');
    const month = a.at.slice(0, 7);
    appendFileSync(join(state, 'contexts', 'oss-demo', 'events', `${month}.jsonl`), JSON.stringify(a) + '\n');
    const st = store.openState('internal-dogfood', ev);
    st.close();
    r = await doctor(['--state-root', state], repo);
    expect(
      check(r.env, 'cross_context_contamination')
        .findings.map((f) => f.kind)
        .sort(),
    ).toEqual(['foreign_event', 'shared_event']);
  });

  test('baseline: --update-baseline accepts current findings by fingerprint (never the value); new findings still fail', async () => {
    const token = fakes.stripe();
    const repo = repoWith({ 'fixtures/payments.json': `{"key": "${token}"}\n` });
    const state = stateOutside();
    const first = await doctor(['--state-root', state], repo);
    expect(first.code).toBe(1);
    const up = await doctor(['--state-root', state, ...updateBaselineArgs()], repo);
    expect(up.code).toBe(0);
    const baseline = readFileSync(join(repo, '.paas', 'doctor-baseline.json'), 'utf8');
    expect(baseline).not.toContain(token);
    expect(baseline).not.toContain(token.slice(8));
    expect(JSON.parse(baseline)).toMatchObject({
      format: 'paas-doctor-baseline/2',
      findings: [
        {
          check: 'repo_plaintext_secret_exposure',
          kind: 'stripe_key',
          file: 'fixtures/payments.json',
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        },
      ],
    });
    const text = await cli(['doctor', '--state-root', state], {}, repo);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('doctor status=ok checks=5 findings=0 baselined=1 files=1');
    writeFileSync(join(repo, 'fixtures/other.env.sample'), `GITLAB=${fakes.gitlab()}\n`);
    const later = await doctor(['--state-root', state], repo);
    expect(later.code).toBe(1);
    expect(later.env.fields.findings).toBe(1);
    expect(later.env.fields.baselined).toBe(1);
    // a baseline holding anything but fingerprints is refused
    writeFileSync(
      join(repo, '.paas', 'doctor-baseline.json'),
      JSON.stringify({
        format: 'paas-doctor-baseline/1',
        findings: [{ fingerprint: 'x', check: 'repo_plaintext_secret_exposure', kind: 'k', value: token }],
      }),
    );
    const bad = await doctor(['--state-root', state], repo);
    expect(bad.code).toBe(1);
    expect(bad.env.error?.code).toBe('PAAS_INVALID_ARGUMENT');
    expect(bad.stdout).not.toContain(token);
  });

  test('skips binary and oversized files and symlinks with counts, and works without git (directory walk)', async () => {
    const dir = tmp('paas-doctor-plain-');
    writeFileSync(join(dir, 'img.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    writeFileSync(join(dir, 'big.log'), 'x'.repeat(3000) + `\ntoken: ${fakes.github()}\n`);
    writeFileSync(join(dir, 'ok.txt'), 'hello\n');
    const outside = join(tmp(), 'outside.txt');
    writeFileSync(outside, `token: ${fakes.github()}\n`);
    symlinkSync(outside, join(dir, 'link.txt'));
    const r = await doctor(['--path', dir, '--state-root', stateOutside(), '--max-file-size', '2048'], dir);
    expect(r.env.fields.listing).toBe('walk');
    expect(r.env.fields.skipped).toMatchObject({ binary: 1, oversized: 1, symlink: 1 });
    expect(r.env.fields.files).toBe(1);
    expect(r.code).toBe(0);
  });

  test('SARIF 2.1.0 output validates against the schema (results, suppressions, notifications)', async () => {
    const repo = repoWith({
      'config/app.yml': `db:\n  password: ${fakes.password(20)}\n`,
      'state.db': 'x',
      'keys/id_rsa': 'x\n',
    });
    const state = stateOutside();
    const vdir = tmp('paas-doctor-vault-');
    writeContext(state, 'internal-dogfood', { file: join(vdir, 'a.env'), text: 'PAAS_TARGETS=w=d@h1\n', mode: 0o644 });
    await doctor(['--state-root', state, ...updateBaselineArgs()], repo);
    writeFileSync(join(repo, 'src.ts'), `const t = '${fakes.npm()}';\n`);
    const sarifFile = join(tmp(), 'out', 'doctor.sarif');
    const r = await doctor(['--state-root', state, '--sarif-file', sarifFile], repo);
    expect(r.env.fields.sarif_file).toBe(sarifFile);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    expect(validateSarif(sarif)).toEqual([]);
    const run = sarif.runs[0];
    expect(
      run.results
        .map((x: { ruleId: string; suppressions?: unknown[] }) => `${x.ruleId}${x.suppressions ? ' (suppressed)' : ''}`)
        .sort(),
    ).toEqual([
      'repo_plaintext_secret_exposure/npm_token',
      'repo_plaintext_secret_exposure/secret_named_key (suppressed)',
      'repo_private_state_artifacts/private_key_file (suppressed)',
      'repo_private_state_artifacts/state_db (suppressed)',
    ]);
    expect(
      run.invocations[0].toolExecutionNotifications.map((n: { descriptor: { id: string } }) => n.descriptor.id),
    ).toEqual(['context_vault_outside_repo/vault_file_mode']);
    const npm = run.results.find((x: { ruleId: string }) => x.ruleId.endsWith('npm_token'));
    expect(npm.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 1, startColumn: 12 },
    });
    expect(readFileSync(sarifFile, 'utf8')).not.toMatch(/npm_[A-Za-z0-9]{36}/);
  });

  test('doctor over this repository is green (no baseline entry needed)', async () => {
    const r = await doctor(['--state-root', stateOutside()], REPO);
    const open = checksOf(r.env).flatMap((c) =>
      c.findings
        .filter((f) => !f.baselined)
        .map((f) => `${c.name}: ${f.file ?? ''}:${f.line ?? ''} ${f.kind} ${f.preview}`),
    );
    expect(open).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.env.fields.listing).toBe('git');
    expect(r.env.fields.baselined).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('preflight (deploy, rollback, secret-changing commands)', () => {
  function rtFor(cwd: string, env: NodeJS.ProcessEnv = {}): Runtime & { lines: string[] } {
    const redactor = new Redactor();
    const logger = memoryLogger(redactor);
    return {
      env: { PATH: process.env.PATH, HOME: tmp('paas-home-'), ...env },
      cwd,
      redactor,
      logger,
      now: () => new Date(),
      inCI: false,
      inAction: false,
      workspace: undefined,
      lines: logger.lines,
    };
  }
  const common = (o: Record<string, unknown>) => commonInputsSchema.parse(o);

  test('critical findings raise PAAS_DOCTOR_BLOCKED naming file and kind, never the value', async () => {
    const token = fakes.aws();
    const repo = repoWith({ 'deploy.py': `KEY = "${token}"\n` });
    const rt = rtFor(repo);
    let err: unknown;
    try {
      await preflight(rt, common({ state_root: stateOutside() }));
    } catch (e) {
      err = e;
    }
    expect(isPaasError(err) && err.code).toBe('PAAS_DOCTOR_BLOCKED');
    expect(String((err as Error).message)).toBe('doctor found 1 critical problem(s): deploy.py:1 aws_access_key_id');
    expect(String((err as Error).message)).not.toContain(token);
  });

  test('non-critical findings are warnings; a clean tree passes; the unsafe override does not block', async () => {
    const repo = repoWith({ 'app.yml': `password: ${fakes.password(20)}\n` });
    const rt = rtFor(repo);
    const report = await preflight(rt, common({ state_root: stateOutside() }));
    expect(report.ok).toBe(true);
    expect(rt.lines.join('\n')).toContain(
      'doctor preflight: repo_plaintext_secret_exposure: app.yml:1 secret_named_key password=***',
    );
    const unsafe = await preflight(
      rtFor(repo),
      common({ state_root: join(repo, 'state'), allow_unsafe_state_root: true }),
    );
    expect(unsafe.checks.find((c) => c.name === 'state_root_outside_repo')?.findings[0]?.kind).toBe(
      'state_root_inside_repo',
    );
    await expect(preflight(rtFor(repo), common({ state_root: join(repo, 'state') }))).rejects.toMatchObject({
      code: 'PAAS_DOCTOR_BLOCKED',
    });
  });

  test('outside any repository the tree checks are skipped, the state checks still run', async () => {
    const dir = tmp('paas-doctor-norepo-');
    const report = await preflight(rtFor(dir), common({ state_root: stateOutside() }));
    expect(report.root).toBeNull();
    expect(report.checks.find((c) => c.name === 'repo_plaintext_secret_exposure')?.detail).toBe(
      'no repository to check',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The bundle must exist (`npm run build -- --only doctor`, or PAAS_HARNESS_DIST=<dir> for a
// private build); PAAS_SKIP_BUNDLE_TESTS=1 skips these while dist/ cannot be built.
const describeBundle = process.env.PAAS_SKIP_BUNDLE_TESTS === '1' ? describe.skip : describe;

describeBundle('doctor action bundle (runner contract): every check fails and passes', () => {
  test('the bundle is built', () => {
    expect(existsSync(join(distDir(), 'doctor', 'index.js'))).toBe(true);
  });

  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));
  const sandbox = (files: Record<string, string> = {}) => {
    const sb = createSandbox({ git: true, files: { 'src/index.ts': 'export const ok = true;\n', ...files } });
    sandboxes.push(sb);
    return sb;
  };
  const envelopeOf = (run: { envelope: unknown }) => run.envelope as { ok: boolean; fields: Record<string, unknown> };
  /** everything the step printed except the `::add-mask::` commands the runner consumes */
  const printed = (run: { stdout: string; stderr: string }) =>
    [...run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')), run.stderr].join('\n');

  test('a clean workspace on a fork pull request (no vault, no secret): all checks pass, outputs and summary', async () => {
    const sb = sandbox();
    const run = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: sb.stateRoot, sarif_file: join(sb.runnerTemp, 'doctor.sarif') },
      event: { name: 'pull_request', payload: {} },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.status).toBe('doctor status=ok checks=5 findings=0 files=1');
    expect(run.outputs.findings).toBe('0');
    expect(run.outputs.failed_checks).toBe('');
    expect(envelopeOf(run).ok).toBe(true);
    expect(checksOf(envelopeOf(run)).every((c) => c.ok)).toBe(true);
    expect(run.summary).toContain('| check | result | findings | detail |');
    expect(run.summary).toContain('| repo_plaintext_secret_exposure | ok | 0 |');
    expect(validateSarif(JSON.parse(readFileSync(join(sb.runnerTemp, 'doctor.sarif'), 'utf8')))).toEqual([]);
    expect(run.annotations).toEqual([]);
  });

  test('repo_plaintext_secret_exposure and repo_private_state_artifacts fail with annotations on file and line', async () => {
    const token = fakes.slack();
    const sb = sandbox({ 'config/app.yml': `name: app\nslack: ${token}\n`, 'state.db': 'SQLite format 3\0' });
    const run = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: sb.stateRoot, sarif_file: join(sb.runnerTemp, 'doctor.sarif') },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.failed_checks).toBe('repo_private_state_artifacts,repo_plaintext_secret_exposure');
    expect(run.outputs.status).toBe(
      'doctor status=fail reason=findings checks=5 failed=2 findings=2 files=2 skipped=1',
    );
    expect(run.annotations.map((a) => [a.level, a.file, a.line ?? null, a.title])).toEqual([
      ['error', 'state.db', null, 'paas doctor: state_db'],
      ['error', 'config/app.yml', 2, 'paas doctor: slack_token'],
    ]);
    expect(printed(run)).not.toContain(token);
    expect(run.summary).toContain(
      '| config/app.yml:2:8 | repo_plaintext_secret_exposure | slack_token | critical | xox*** |',
    );
    const sarif = JSON.parse(readFileSync(join(sb.runnerTemp, 'doctor.sarif'), 'utf8'));
    expect(validateSarif(sarif)).toEqual([]);
    expect(sarif.runs[0].results).toHaveLength(2);
  });

  test('large trees are scanned on worker threads with the same findings (forced with PAAS_DOCTOR_WORKERS)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`src/m${i}.ts`] = `export const v${i} = ${i};\n`;
    files['src/m17.ts'] = `export const t = '${fakes.npm()}';\n`;
    files['deploy/app.yml'] = `db:\n  password: ${fakes.password(20)}\n`;
    files['state.db'] = 'x';
    const sb = sandbox(files);
    const single = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: sb.stateRoot },
      env: { PAAS_DOCTOR_WORKERS: '0' },
    });
    const multi = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: sb.stateRoot },
      env: { PAAS_DOCTOR_WORKERS: '2' },
    });
    expect(multi.exitCode).toBe(1);
    expect(multi.outputs.status).toBe(single.outputs.status);
    const strip = (r: typeof multi) =>
      checksOf(envelopeOf(r)).map((c) => ({
        ...c,
        findings: c.findings.map((f) => `${f.file}:${f.line} ${f.kind} ${f.fingerprint}`),
      }));
    expect(strip(multi)).toEqual(strip(single));
    expect(envelopeOf(multi).fields.files).toBe(303);
  });

  test('state_root_outside_repo fails for a state root in the workspace', async () => {
    const sb = sandbox();
    const run = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: join(sb.workspace, '.paas-state') },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.failed_checks).toBe('state_root_outside_repo');
    expect(run.annotations[0]).toMatchObject({ level: 'error', title: 'paas doctor: state_root_inside_repo' });
  });

  test('context_vault_outside_repo and cross_context_contamination fail for a world-readable, shared vault; pass when fixed', async () => {
    const sb = sandbox();
    const vdir = tmp('paas-doctor-vault-');
    const vault = join(vdir, 'shared.env');
    writeContext(sb.stateRoot, 'internal-dogfood', {
      file: vault,
      text: 'PAAS_TARGETS=web1=deploy@10.2.0.1\n',
      mode: 0o644,
    });
    writeContext(sb.stateRoot, 'oss-demo', { file: vault, text: 'PAAS_TARGETS=web1=deploy@10.2.0.1\n', mode: 0o644 });
    let run = await runAction({ action: 'doctor', sandbox: sb, inputs: { state_root: sb.stateRoot } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.failed_checks).toBe('context_vault_outside_repo,cross_context_contamination');
    let env = envelopeOf(run);
    expect(
      check(env, 'context_vault_outside_repo')
        .findings.map((f) => f.kind)
        .sort(),
    ).toEqual(['vault_file_mode', 'vault_file_mode', 'vault_shared']);
    expect(
      check(env, 'cross_context_contamination')
        .findings.map((f) => f.kind)
        .sort(),
    ).toEqual(['shared_target', 'shared_vault', 'shared_vault']);
    expect(printed(run)).not.toContain('10.2.0.1');

    const own = join(vdir, 'demo.env');
    writeFileSync(own, 'PAAS_TARGETS=demo1=demo@10.3.0.1\n', { mode: 0o600 });
    chmodSync(vault, 0o600);
    const cfg = join(sb.stateRoot, 'contexts', 'oss-demo', 'config.json');
    writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), vault_file: own }));
    run = await runAction({ action: 'doctor', sandbox: sb, inputs: { state_root: sb.stateRoot } });
    expect(run.exitCode).toBe(0);
    env = envelopeOf(run);
    expect(check(env, 'context_vault_outside_repo').ok).toBe(true);
    expect(check(env, 'cross_context_contamination').ok).toBe(true);
  });

  test('registered vault values are masked and found in the tree in derived forms', async () => {
    const value = fakes.alnum(28);
    const sb = sandbox({ 'notes.txt': `b64 ${Buffer.from(value).toString('base64url')}\n` });
    const run = await runAction({
      action: 'doctor',
      sandbox: sb,
      inputs: { state_root: sb.stateRoot, vault: `PAAS_WEBHOOK_SECRET=${value}` },
    });
    expect(run.exitCode).toBe(1);
    expect(run.masks).toContain(value);
    const f = check(envelopeOf(run), 'repo_plaintext_secret_exposure').findings;
    expect(f.map((x) => [x.kind, x.file, x.line, x.preview])).toEqual([
      ['registered_secret', 'notes.txt', 1, '*** (value of PAAS_WEBHOOK_SECRET, base64url form)'],
    ]);
    expect(printed(run)).not.toContain(value);
    expect(run.outputs.result).not.toContain(value);
  });
});

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0 schema: the official JSON schema (sarif-2.1.0-rtm.5, draft-04) shipped in the
// @microsoft/jest-sarif package, validated offline with ajv's draft-04 class and ajv-formats.
function validateSarif(doc: unknown): string[] {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const Ajv04 = require('ajv-draft-04');
  const addFormats = require('ajv-formats');
  // the schema's language pattern has a stray ']' that is only valid without the unicode flag
  const ajv = new (Ajv04.default ?? Ajv04)({ allErrors: true, strict: false, unicodeRegExp: false });
  (addFormats.default ?? addFormats)(ajv);
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message ?? ''}`,
  );
}

test('the SARIF validator rejects a malformed log (the schema is really applied)', () => {
  expect(validateSarif({ version: '2.1.0', runs: [{ tool: {} }] }).length).toBeGreaterThan(0);
  expect(readdirSync(join(REPO, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas'))).toContain(
    'sarif-2.1.0-rtm.5.json',
  );
});
