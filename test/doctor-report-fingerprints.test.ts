/**
 * Fingerprints in what doctor prints and commits (baseline, SARIF, JSON, text) must not let anyone
 * confirm a guessed secret with a cheap hash: the baseline's are scrypt with a per-baseline salt,
 * the others derive from public data only. Format-1 baselines keep working, with a warning.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, scryptSync } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../lib/cli/cli.js';
import { cli, tempDirs } from './helpers.js';
import { Fakes, rng } from './fixtures/doctor-corpus.js';

const tmp = tempDirs('paas-doctor-fp-');
const fakes = new Fakes(rng(1234));

function updateBaselineArgs(): string[] {
  const cmd = COMMANDS.find((c) => c.path.join(' ') === 'doctor');
  return cmd?.booleans.includes('update_baseline') ? ['--update-baseline'] : ['--update-baseline', 'true'];
}

function repoWith(files: Record<string, string>): string {
  const root = tmp('paas-doctor-fp-repo-');
  execFileSync('git', ['init', '-q', root]);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

/** Every cheap one-hash construction an attacker would try on a guessed value (and the one format 1 used). */
function cheapHashes(value: string, check: string, kind: string, file: string): string[] {
  const inputs = [
    value,
    `paas-doctor/1\0${check}\0${kind}\0${file}\0${value}`,
    `${check}\0${kind}\0${file}\0${value}`,
    `${kind}:${file}:${value}`,
  ];
  return inputs.flatMap((i) => ['sha256', 'sha1', 'md5', 'sha512'].map((a) => createHash(a).update(i).digest('hex')));
}

/** Hex runs of 8+ characters anywhere in a text (fingerprints, prefixes). */
const hexRuns = (text: string) => text.match(/[0-9a-f]{8,}/g) ?? [];

interface BaselineDoc {
  format: string;
  kdf: { name: string; salt: string; N: number; r: number; p: number };
  findings: Array<{ fingerprint: string; check: string; kind: string; file?: string }>;
}

describe('fingerprints do not make guessing cheap', () => {
  test('baseline (scrypt, per-baseline salt), SARIF, JSON and text hold no cheap hash of a secret; the baseline still accepts and is bound to the value', async () => {
    const password = fakes.password(22);
    const token = fakes.aws();
    const repo = repoWith({
      'config/app.yml': `password: ${password}\n`,
      'deploy.py': `KEY = "${token}"\n`,
      'src/ok.ts': 'export const ok = 1;\n',
    });
    const state = join(tmp(), 'state');
    const sarif = join(tmp(), 'doctor.sarif');
    const upd = await cli(
      ['doctor', ...updateBaselineArgs(), '--sarif-file', sarif, '--state-root', state, '--json'],
      {},
      repo,
    );
    expect(upd.code).toBe(0);
    const baselineText = readFileSync(join(repo, '.paas', 'doctor-baseline.json'), 'utf8');
    const b = JSON.parse(baselineText) as BaselineDoc;
    expect(b.format).toBe('paas-doctor-baseline/2');
    expect(b.kdf).toMatchObject({ name: 'scrypt', r: 8, p: 1 });
    expect(b.kdf.N).toBeGreaterThanOrEqual(1 << 14);
    expect(b.findings.map((f) => f.kind).sort()).toEqual(['aws_access_key_id', 'secret_named_key']);

    // the documented construction: scrypt with the stored salt reproduces the entry (so each guess costs one scrypt)
    const entry = b.findings.find((f) => f.kind === 'secret_named_key');
    const kdf = scryptSync(
      `paas-doctor/baseline/2\0repo_plaintext_secret_exposure\0secret_named_key\0config/app.yml\0${password}`,
      Buffer.from(b.kdf.salt, 'base64'),
      16,
      { N: b.kdf.N, r: b.kdf.r, p: b.kdf.p, maxmem: 256 * 1024 * 1024 },
    );
    expect(entry?.fingerprint).toBe(kdf.toString('hex'));

    const text = await cli(['doctor', '--state-root', state], {}, repo);
    const json = await cli(['doctor', '--state-root', state, '--json'], {}, repo);
    expect(json.json().fields.baselined).toBe(2);
    const everything = [
      baselineText,
      readFileSync(sarif, 'utf8'),
      upd.stdout,
      upd.stderr,
      text.stdout,
      text.stderr,
      json.stdout,
    ].join('\n');
    expect(everything).not.toContain(password);
    const cheap = [
      ...cheapHashes(password, 'repo_plaintext_secret_exposure', 'secret_named_key', 'config/app.yml'),
      ...cheapHashes(token, 'repo_plaintext_secret_exposure', 'aws_access_key_id', 'deploy.py'),
    ];
    for (const run of hexRuns(everything))
      for (const h of cheap) expect(h.includes(run) || run.includes(h.slice(0, 8))).toBe(false);
    // the text and the summary print no fingerprint at all
    expect(text.stdout).not.toMatch(/\[[0-9a-f]{12}\]/);

    // bound to the value: a different password under the same key is a new finding
    writeFileSync(join(repo, 'config/app.yml'), `password: ${fakes.password(22)}\n`);
    const changed = (await cli(['doctor', '--state-root', state, '--json'], {}, repo)).json();
    expect(changed.fields.findings).toBe(1);
    expect(changed.fields.baselined).toBe(1);

    // another baseline of the same tree gets its own salt: no fingerprint in common (nothing precomputable)
    writeFileSync(join(repo, 'config/app.yml'), `password: ${password}\n`);
    const other = repoWith({ 'config/app.yml': `password: ${password}\n`, 'deploy.py': `KEY = "${token}"\n` });
    await cli(['doctor', ...updateBaselineArgs(), '--state-root', state], {}, other);
    const b2 = JSON.parse(readFileSync(join(other, '.paas', 'doctor-baseline.json'), 'utf8')) as BaselineDoc;
    expect(b2.kdf.salt).not.toBe(b.kdf.salt);
    expect(b2.findings.map((f) => f.fingerprint).filter((f) => b.findings.some((e) => e.fingerprint === f))).toEqual(
      [],
    );
    // updating keeps the salt (reviewable diffs)
    await cli(['doctor', ...updateBaselineArgs(), '--state-root', state], {}, repo);
    expect(
      (JSON.parse(readFileSync(join(repo, '.paas', 'doctor-baseline.json'), 'utf8')) as BaselineDoc).kdf.salt,
    ).toBe(b.kdf.salt);
  });

  test('a format-1 baseline keeps working with a warning to rewrite it; a weakened KDF is refused with the fix', async () => {
    const password = fakes.password(22);
    const repo = repoWith({ 'config/app.yml': `password: ${password}\n` });
    const state = join(tmp(), 'state');
    const legacy = createHash('sha256')
      .update(`paas-doctor/1\0repo_plaintext_secret_exposure\0secret_named_key\0config/app.yml\0${password}`)
      .digest('hex')
      .slice(0, 32);
    mkdirSync(join(repo, '.paas'));
    writeFileSync(
      join(repo, '.paas', 'doctor-baseline.json'),
      JSON.stringify({
        format: 'paas-doctor-baseline/1',
        findings: [
          {
            fingerprint: legacy,
            check: 'repo_plaintext_secret_exposure',
            kind: 'secret_named_key',
            file: 'config/app.yml',
          },
        ],
      }),
    );
    const r = await cli(['doctor', '--state-root', state], {}, repo);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('doctor status=ok checks=5 findings=0 baselined=1 files=1');
    expect(r.stdout + r.stderr).toMatch(/format 1.*--update-baseline/);
    await cli(['doctor', ...updateBaselineArgs(), '--state-root', state], {}, repo);
    const b = JSON.parse(readFileSync(join(repo, '.paas', 'doctor-baseline.json'), 'utf8')) as BaselineDoc;
    expect(b.format).toBe('paas-doctor-baseline/2');
    expect(b.findings[0]?.fingerprint).not.toBe(legacy);

    writeFileSync(join(repo, '.paas', 'doctor-baseline.json'), JSON.stringify({ ...b, kdf: { ...b.kdf, N: 1024 } }));
    const weak = await cli(['doctor', '--state-root', state, '--json'], {}, repo);
    expect(weak.code).toBe(1);
    expect(weak.json().error).toMatchObject({ code: 'PAAS_INVALID_ARGUMENT' });
    expect(weak.json().error?.message).toContain('kdf.N');
    expect(weak.json().error?.remediation).toContain('--update-baseline');
    expect(weak.stderr).not.toMatch(/\n\s+at /);
  });
});
