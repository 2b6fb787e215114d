/**
 * doctor's report sinks (text, job summary, JSON, SARIF, annotations) list every finding, also
 * when several private keys are among them (a preview with a PEM armor line used to open an
 * unterminated block in the redactor, which swallowed everything after the first key).
 *
 * Keys are generated with ssh-keygen at test time; tokens are assembled from fragments.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doctorOutcome, runDoctor } from '../lib/ops/doctor/engine.js';
import { doctorInputs } from '../lib/ops/doctor/engine.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { memoryLogger } from '../lib/runtime/logger.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { commonInputsSchema } from '../lib/runtime/inputs.js';
import { cli, tempDirs } from './helpers.js';
import { Fakes, rng } from './fixtures/doctor-corpus.js';
import { createSandbox, runAction, type Sandbox } from './harness/runner.js';

const tmp = tempDirs('paas-doctor-report-');
const fakes = new Fakes(rng(7));

interface F {
  check: string;
  kind: string;
  file?: string;
  line?: number;
  preview: string;
  fingerprint: string;
}

/** ssh-keygen's private key text (the public half is dropped). */
function sshKey(type: string, format?: string): string {
  const d = tmp('paas-doctor-key-');
  const f = join(d, 'k');
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    ...(format ? ['-m', format] : []),
    '-N',
    '',
    '-C',
    'test',
    '-f',
    f,
  ]);
  return readFileSync(f, 'utf8');
}

/** A git work tree holding several private keys first (in listing order), then other findings. */
function treeWithKeys(): { root: string; keys: string[] } {
  const root = tmp('paas-doctor-report-repo-');
  execFileSync('git', ['init', '-q', root]);
  const keys = [
    sshKey('rsa', 'PEM'),
    sshKey('ecdsa', 'PEM'),
    sshKey('rsa', 'PKCS8'),
    sshKey('ed25519'),
    sshKey('rsa', 'PEM'),
  ];
  mkdirSync(join(root, 'a-keys'));
  keys.forEach((k, i) => writeFileSync(join(root, 'a-keys', `material-${i}.txt`), `# key ${i}\n${k}`));
  // a key embedded in code, then a secret after it in the same file
  writeFileSync(join(root, 'b-config.js'), `const key = \`${keys[0]}\`;\nconst apiToken = "${fakes.github()}";\n`);
  writeFileSync(join(root, 'c-app.yml'), `password: ${fakes.password(22)}\n`);
  writeFileSync(join(root, 'd-deploy.py'), `KEY = "${fakes.aws()}"\n`);
  return { root, keys };
}

/** Lines of the private key bodies long enough to be recognisable. */
const bodyLines = (keys: string[]) =>
  keys.flatMap((k) => k.split('\n').filter((l) => l.length >= 20 && !l.startsWith('-----')));

function rtFor(cwd: string, env: NodeJS.ProcessEnv = {}): Runtime {
  const redactor = new Redactor();
  return {
    env: { PATH: process.env.PATH, HOME: tmp('paas-home-'), ...env },
    cwd,
    redactor,
    logger: memoryLogger(redactor),
    now: () => new Date(),
    inCI: true,
    inAction: false,
    workspace: undefined,
  };
}

const loc = (f: F) => `${f.file}:${f.line}`;

describe('every finding reaches every sink, private keys included', () => {
  test('text output (CLI) lists every finding after several private keys', async () => {
    const { root, keys } = treeWithKeys();
    const state = join(tmp(), 'state');
    const json = await cli(['doctor', '--json', '--state-root', state], {}, root);
    const findings = (json.json().fields.checks as Array<{ findings: F[] }>).flatMap((c) => c.findings);
    const withFile = findings.filter((f) => f.file);
    // at least the PEM/PKCS8 keys, the embedded key and the three other secrets are found
    expect(withFile.filter((f) => f.kind === 'private_key').length).toBeGreaterThanOrEqual(4);
    expect(withFile.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['github_token', 'secret_named_key', 'aws_access_key_id']),
    );
    for (const f of findings) expect(f.preview).not.toMatch(/-----(BEGIN|END)/);

    const text = await cli(['doctor', '--state-root', state], {}, root);
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    for (const f of withFile) expect(lines.some((l) => l.includes(`${loc(f)}:`) && l.includes(f.kind))).toBe(true);
    expect(text.stdout.trim().split('\n').at(-1)).toMatch(
      /^doctor status=fail reason=findings checks=5 failed=1 findings=\d+ files=\d+$/,
    );
    for (const l of bodyLines(keys)) expect(text.stdout + json.stdout).not.toContain(l);
  });

  test('job summary, annotations, JSON and SARIF (as the action writes them) list every finding', async () => {
    const { root, keys } = treeWithKeys();
    const sarifFile = join(tmp(), 'out', 'doctor.sarif');
    const rt = rtFor(root, { GITHUB_ACTIONS: 'true' });
    const common = commonInputsSchema.parse({ state_root: join(tmp(), 'state') });
    const settings = doctorInputs.parse({ sarif_file: sarifFile });
    const report = await runDoctor(rt, common, { ...settings, tree: 'required' });
    const o = doctorOutcome(rt, report);
    const findings = report.checks.flatMap((c) => c.findings).filter((f) => f.file) as F[];
    expect(findings.filter((f) => f.kind === 'private_key').length).toBeGreaterThanOrEqual(4);

    // the action redacts the whole summary at once (lib/entry/action.ts emitOutcome)
    const summary = rt.redactor.redact(o.summary ?? '');
    for (const f of findings) expect(summary).toContain(`| ${loc(f)}`);
    expect(summary).toContain('files checked');
    // annotations: one workflow command per finding with a file (fewer than the runner's 10 per level)
    const annotations = o.lines.map((l) => rt.redactor.redact(l)).filter((l) => l.startsWith('::'));
    for (const f of findings)
      expect(
        annotations.some((a) => a.includes(`file=${f.file}`) && a.includes(`line=${f.line}`) && a.includes(f.kind)),
      ).toBe(true);
    // JSON envelope
    const env = JSON.stringify(rt.redactor.redactDeep(o.envelope));
    const envFindings = (JSON.parse(env).fields.checks as Array<{ findings: F[] }>)
      .flatMap((c) => c.findings)
      .filter((f) => f.file);
    expect(envFindings.map(loc).sort()).toEqual(findings.map(loc).sort());
    // text
    const text = rt.redactor.redact(o.text ?? '');
    for (const f of findings) expect(text).toContain(loc(f));
    // SARIF, written by the operation
    const { runDoctorOperation } = await import('../lib/ops/doctor/engine.js');
    const rt2 = rtFor(root, { GITHUB_ACTIONS: 'true' });
    await runDoctorOperation(rt2, common, settings);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      runs: Array<{
        results: Array<{
          ruleId: string;
          message: { text: string };
          locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
        }>;
      }>;
    };
    const results = sarif.runs[0]?.results ?? [];
    expect(
      results
        .map(
          (r) =>
            `${decodeURI(r.locations[0]?.physicalLocation.artifactLocation.uri ?? '')}:${r.locations[0]?.physicalLocation.region.startLine}`,
        )
        .sort(),
    ).toEqual(findings.map(loc).sort());
    for (const r of results) expect(r.message.text).not.toMatch(/-----(BEGIN|END)|^\*\*\*$/);
    for (const l of bodyLines(keys))
      expect(summary + annotations.join('\n') + env + text + readFileSync(sarifFile, 'utf8')).not.toContain(l);
  });

  test('the summary lists more than 50 findings (on fork pull requests it is the only full list)', async () => {
    const root = tmp('paas-doctor-report-many-');
    execFileSync('git', ['init', '-q', root]);
    const n = 120;
    writeFileSync(
      join(root, 'many.yml'),
      Array.from({ length: n }, (_, i) => `password_${i}: ${fakes.password(24)}`).join('\n') + '\n',
    );
    const rt = rtFor(root);
    const report = await runDoctor(rt, commonInputsSchema.parse({ state_root: join(tmp(), 'state') }), {
      ...doctorInputs.parse({}),
      tree: 'required',
    });
    const o = doctorOutcome(rt, report);
    const summary = rt.redactor.redact(o.summary ?? '');
    const text = rt.redactor.redact(o.text ?? '');
    for (let i = 1; i <= n; i++) {
      expect(summary).toContain(`| many.yml:${i}:`);
      expect(text).toContain(`many.yml:${i}:`);
    }
  });
});

// The action bundle as the runner runs it (`npm run build -- --only doctor`, or PAAS_HARNESS_DIST);
// PAAS_SKIP_BUNDLE_TESTS=1 skips it while dist/ cannot be built.
(process.env.PAAS_SKIP_BUNDLE_TESTS === '1' ? describe.skip : describe)(
  'doctor action bundle: every finding after several private keys',
  () => {
    const sandboxes: Sandbox[] = [];
    afterAll(() => sandboxes.forEach((s) => s.cleanup()));

    test('the step summary, annotations and SARIF list every finding; no key material anywhere', async () => {
      const keys = [sshKey('rsa', 'PEM'), sshKey('ecdsa', 'PEM'), sshKey('rsa', 'PKCS8')];
      const files: Record<string, string> = { 'src/index.ts': 'export const ok = true;\n' };
      keys.forEach((k, i) => (files[`a-keys/material-${i}.txt`] = `# key ${i}\n${k}`));
      files['c-app.yml'] = `password: ${fakes.password(22)}\n`;
      files['d-deploy.py'] = `KEY = "${fakes.aws()}"\n`;
      const sb = createSandbox({ git: true, files });
      sandboxes.push(sb);
      const sarifFile = join(sb.runnerTemp, 'doctor.sarif');
      const run = await runAction({
        action: 'doctor',
        sandbox: sb,
        inputs: { state_root: sb.stateRoot, sarif_file: sarifFile },
      });
      expect(run.exitCode).toBe(1);
      const env = run.envelope as { fields: { checks: Array<{ findings: F[] }> } };
      const findings = env.fields.checks.flatMap((c) => c.findings).filter((f) => f.file);
      expect(findings.filter((f) => f.kind === 'private_key').length).toBeGreaterThanOrEqual(3);
      expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['secret_named_key', 'aws_access_key_id']));
      for (const f of findings) expect(run.summary).toContain(`| ${loc(f)}`);
      for (const f of findings) expect(run.annotations.some((a) => a.file === f.file && a.line === f.line)).toBe(true);
      const sarif = readFileSync(sarifFile, 'utf8');
      expect((JSON.parse(sarif) as { runs: Array<{ results: unknown[] }> }).runs[0]?.results).toHaveLength(
        findings.length,
      );
      for (const l of bodyLines(keys)) expect(run.stdout + run.stderr + run.summary + sarif).not.toContain(l);
    });
  },
);
