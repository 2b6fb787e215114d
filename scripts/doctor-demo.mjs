#!/usr/bin/env node
// The doctor part of `npm run demo`: green on a clean tree, then red with file:line after a
// planted secret and a planted state.db. Uses the built CLI (dist/cli/index.js).
//
//   import { doctorDemo } from './doctor-demo.mjs';
//   await doctorDemo({ cli: 'dist/cli/index.js', log: console.log });   // from scripts/demo.mjs
//   node scripts/doctor-demo.mjs                                         // on its own
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './demo-cleanup.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the three doctor steps; returns { clean, planted } exit codes (0 then 1 when all is well). */
export async function doctorDemo({ cli = join(REPO, 'dist', 'cli', 'index.js'), log = console.log } = {}) {
  const dir = tempDir('paas-demo-doctor-'); // removed at the end, or at exit on any path
  const base = dir.path;
  const repo = join(base, 'shop');
  const stateRoot = join(base, 'paas-state');
  const run = (label) => {
    log(`\n$ paas doctor --state-root ${stateRoot}    # ${label}`);
    const r = spawnSync(process.execPath, [cli, 'doctor', '--state-root', stateRoot], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: base },
    });
    log((r.stdout + r.stderr).trimEnd());
    log(`(exit ${r.status})`);
    return r.status;
  };
  try {
    mkdirSync(join(repo, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    writeFileSync(join(repo, 'src', 'server.js'), 'export const port = Number(process.env.PORT ?? 8080);\n');
    writeFileSync(
      join(repo, 'paas.yml'),
      'version: 1\napps:\n  web:\n    deploy_root: /srv/paas\ndb:\n  dsn: POSTGRES_DSN_PROD\n',
    );
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    const clean = run('a clean tree: every check passes');

    // a token pasted into a config file (assembled here so that this script stays clean itself)
    const token =
      ['gh', 'p_'].join('') +
      Array.from({ length: 36 }, (_, i) => 'aB3dE5fG7hJ9kL2mN4pQ6rS8tU1vW0xYz9Qc'[(i * 7) % 36]).join('');
    mkdirSync(join(repo, 'config'), { recursive: true });
    writeFileSync(join(repo, 'config', 'ci.yml'), `name: ci\nenv:\n  GITHUB_TOKEN: ${token}\n`);
    // a state database copied into the tree
    mkdirSync(join(repo, '.paas', 'contexts', 'oss-demo'), { recursive: true });
    writeFileSync(join(repo, '.paas', 'contexts', 'oss-demo', 'state.db'), Buffer.from('SQLite format 3\0'));
    const planted = run('after planting a token in config/ci.yml and a state.db: red, with file and line');
    log(
      '\nFix: remove both files (rotate the token), or accept a false positive with `paas doctor --update-baseline`.',
    );
    return { clean, planted, ok: clean === 0 && planted === 1 };
  } finally {
    dir.remove();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await doctorDemo();
  process.exitCode = r.ok ? 0 : 1;
}
