#!/usr/bin/env node
// bench/doctor/real.mjs: doctor's precision on clean real code and its recall on the labelled
// monorepo corpus, side by side (docs/benchmarks.md#doctor-precision-on-real-repositories).
//
//   npm run build -- --only cli && node_modules/.bin/node bench/doctor/real.mjs [--packages a,b,c] [--keep]
//
// "Clean real repositories": public npm package tarballs (`npm pack`, into a temporary directory,
// never committed), each unpacked into its own git work tree, then `paas doctor --path <dir>
// --json` as a user runs it. Every finding is printed (file, line, kind, masked preview) so each
// can be inspected: on such trees a finding must be one a person would agree is worth a look.
// Recall and precision: the same CLI on bench/doctor/corpus.mjs's labelled monorepo (3 seeds).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { score, writeMonorepo } from './corpus.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const DEFAULT_PACKAGES = [
  'typescript@5',
  'eslint@9',
  'express@5',
  'next@15',
  '@angular/core@19',
  'vue@3',
  'prisma@6',
  'aws-sdk@2',
  '@nestjs/core@11',
  'mongoose@8',
  'sequelize@6',
  'knex@3',
  'pg@8',
  'mysql2@3',
  'ioredis@5',
  'stripe@17',
  'twilio@5',
  '@slack/web-api@7',
  'jsonwebtoken@9',
  'passport@0.7',
  'firebase-admin@13',
  'nodemailer@6',
  'axios@1',
  'webpack@5',
];
const packages = flag('--packages', DEFAULT_PACKAGES.join(',')).split(',');
const cli = resolve(flag('--cli', join(REPO, 'dist', 'cli', 'index.js')));
if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build -- --only cli`);
// secretlint 13 (recommended preset) on the same corpus when bench/ is installed (npm ci --prefix bench)
const secretlintBin = join(REPO, 'bench', 'node_modules', 'secretlint', 'bin', 'secretlint.js');
const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const work = mkdtempSync(join(base, 'paas-doctor-real-'));
const stateRoot = join(work, 'state');

function doctor(root) {
  const r = spawnSync(process.execPath, [cli, 'doctor', '--path', root, '--state-root', stateRoot, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { PATH: process.env.PATH, HOME: work },
  });
  const env = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const checks = env.fields.checks ?? [];
  const findings = checks
    .filter((c) => c.name === 'repo_plaintext_secret_exposure' || c.name === 'repo_private_state_artifacts')
    .flatMap((c) => c.findings);
  return { files: env.fields.files, findings, code: r.status };
}

try {
  // 1. clean real code
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs, ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const rows = [];
  let totalFiles = 0;
  let totalFindings = 0;
  for (const t of readdirSync(tarballs).sort()) {
    const dir = join(work, 'pkg', t.replace(/\.tgz$/, ''));
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', join(tarballs, t), '-C', dir]);
    execFileSync('git', ['init', '-q', dir]);
    const r = doctor(dir);
    totalFiles += r.files;
    totalFindings += r.findings.length;
    rows.push({ name: t.replace(/\.tgz$/, ''), files: r.files, findings: r.findings });
  }
  console.log('| package (npm pack) | files | findings | per 1,000 files |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.files} | ${r.findings.length} | ${((r.findings.length * 1000) / Math.max(1, r.files)).toFixed(2)} |`,
    );
  console.log(
    `| **all ${rows.length}** | **${totalFiles}** | **${totalFindings}** | **${((totalFindings * 1000) / Math.max(1, totalFiles)).toFixed(2)}** |`,
  );
  for (const r of rows)
    for (const f of r.findings)
      console.log(`  finding: ${r.name}: ${f.file}${f.line ? `:${f.line}` : ''} ${f.kind} ${f.preview}`);

  // 2. the labelled monorepo corpus, through the same CLI
  console.log(
    '\n| corpus seed | labelled | findings | recall | precision | secretlint recall | secretlint precision |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const seed of [1, 2, 3]) {
    const root = join(work, `corpus-${seed}`);
    mkdirSync(root);
    execFileSync('git', ['init', '-q', root]);
    const { labels } = writeMonorepo(root, { seed });
    const r = doctor(root);
    const s = score(labels, r.findings);
    let peer = ['-', '-'];
    if (existsSync(secretlintBin)) {
      const rc = join(work, `secretlintrc-${seed}.json`);
      writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
      const out = spawnSync(
        process.execPath,
        [secretlintBin, '--secretlintrc', rc, '--format', 'json', '--maskSecrets', '**/*'],
        { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      const found = JSON.parse(out.stdout || '[]').flatMap((f) =>
        f.messages.map((m) => ({ file: relative(root, f.filePath), line: m.loc.start.line, kind: m.ruleId })),
      );
      const ps = score(labels, found);
      peer = [`${(ps.recall * 100).toFixed(1)}%`, `${(ps.precision * 100).toFixed(1)}%`];
    }
    console.log(
      `| ${seed} | ${labels.length} | ${r.findings.length} | ${(s.recall * 100).toFixed(1)}% | ${(s.precision * 100).toFixed(1)}% | ${peer[0]} | ${peer[1]} |`,
    );
    for (const m of s.missed) console.log(`  missed: ${m.file}:${m.line ?? '-'} ${m.kind}`);
    for (const x of s.falsePositives)
      console.log(`  false positive: ${x.file}:${x.line ?? '-'} ${x.kind} ${x.preview}`);
  }
} finally {
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
