/**
 * Bounded sinks outside lib/redaction that used to cut text before (or without) redacting it
 * (issue #18, redact-then-clip): a GitHub deployment's description, environment and ref; an
 * archive entry name quoted in PAAS_INVALID_ARGUMENT; a lock owner quoted in PAAS_LOCK_HELD; SQLite's
 * own text (an integrity_check message naming an index) quoted when a backup is verified. Each
 * test registers a secret and puts it where a user could, straddling the old cut, and checks that
 * no 12 characters of it reach the sink.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { DeploymentTracker, type GitHubApi } from '../lib/github/api.js';
import { prepareArtifact } from '../lib/ops/deploy/artifact.js';
import { buildBackup, verifyBackup } from '../lib/persistence/backup.js';
import { Redactor } from '../lib/redaction/redactor.js';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';
import { prng, randomSecret } from './redaction/fixtures.js';

const PIECE = 12;

function assertNoPiece(secret: string, text: string, label: string): void {
  for (let i = 0; i + PIECE <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + PIECE)))
      throw new Error(`${label}: ${JSON.stringify(secret.slice(i, i + PIECE))} leaked in ${JSON.stringify(text)}`);
  }
}

let base = '';
beforeAll(() => {
  base = tempDir('paas-callsites-');
});
afterAll(() => {
  stopApps(base);
  rmrf(base);
});

describe('GitHub deployment: description, environment and ref are redacted, the description then cut to 140', () => {
  test('a secret straddling the 140th character, in the environment and in the ref, reaches no request', async () => {
    const rnd = prng(140);
    const secret = randomSecret(40, rnd);
    const r = new Redactor();
    r.register(secret, 'DEMO_TOKEN');
    const sent: string[] = [];
    const api: GitHubApi = {
      createDeployment: async (p) => {
        sent.push(JSON.stringify(p));
        return { id: 1 };
      },
      createDeploymentStatus: async (p) => {
        sent.push(JSON.stringify(p));
      },
    };
    const warnings: string[] = [];
    for (let at = 100; at < 140; at += 7) {
      const description = `${'d'.repeat(at)}${secret} tail`;
      const t = new DeploymentTracker(
        api,
        { owner: 'o', repo: 'r' },
        `env-${secret}`,
        (m) => warnings.push(m),
        undefined,
        r,
      );
      await t.start(`refs/heads/${secret}`, description, { release_id: secret });
      await t.status('failure', description, `https://x.example/?k=${secret}`);
    }
    expect(sent.length).toBe(18);
    for (const s of sent) {
      assertNoPiece(secret, s, 'deployment request');
      const body = JSON.parse(s) as { description: string };
      expect(body.description.length).toBeLessThanOrEqual(140);
    }
    const broken = new DeploymentTracker(
      {
        ...api,
        createDeployment: async () => {
          throw new Error(`HTTP 422 ref ${secret} invalid`);
        },
      },
      { owner: 'o', repo: 'r' },
      'production',
      (m) => warnings.push(m),
      undefined,
      r,
    );
    await broken.start('main', 'x', {});
    for (const w of warnings) assertNoPiece(secret, w, 'warning');
    expect(warnings.length).toBe(1);
  });
});

describe('archive entry names quoted in a refusal', () => {
  test('an escaping entry whose name holds a secret across the 200th character: the error holds no piece of it', async () => {
    const rnd = prng(200);
    for (const at of [150, 185, 195]) {
      const secret = randomSecret(40, rnd);
      const r = new Redactor();
      r.register(secret);
      // an absolute path (refused) whose text crosses character 200 inside the secret
      const dir = join(base, `abs-${at}`);
      const deep = join(dir, 'x'.repeat(Math.max(1, at - dir.length - 2)));
      mkdirSync(deep, { recursive: true });
      const file = join(deep, `${secret}.txt`);
      writeFileSync(file, 'x');
      const tgz = join(base, `abs-${at}.tar.gz`);
      execFileSync('tar', ['-czPf', tgz, file]);
      const err = await prepareArtifact(tgz, r).then(
        () => null,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(err?.code).toBe('PAAS_INVALID_ARGUMENT');
      expect(err?.message).toContain('***');
      assertNoPiece(secret, err?.message ?? '', `entry at ${at}`);
    }
  });
});

describe('the lock owner quoted in PAAS_LOCK_HELD', () => {
  test('an actor holding a registered secret across the 80th character is redacted before the cut', async () => {
    const rels = join(base, 'rels');
    mkdirSync(rels);
    makeRelease(rels, 'v1');
    makeRelease(rels, 'v2');
    const dir = join(base, 'lock-target');
    mkdirSync(dir);
    writeFileSync(join(dir, 'port'), `${await freePort()}\n`);
    const work = join(base, 'work-lock');
    mkdirSync(work);
    writeFileSync(join(work, 'paas.yml'), appYml({ strategy: 'serial' }));
    const stateRoot = join(base, 'state-lock');
    expect((await cli(['context', 'create', 'oss-demo', '--state-root', stateRoot])).code).toBe(0);
    const secret = randomSecret(40, prng(80));
    const vault = `PAAS_TARGETS=web1=local:${dir}\nDEMO_TOKEN=${secret}\n`;
    const common = { context: 'oss-demo', state_root: stateRoot, vault, app: 'web' };
    const env = { GITHUB_EVENT_NAME: '', GITHUB_REF_NAME: '' };
    for (const v of ['v1', 'v2'])
      expect(
        (
          await runOp(
            'deploy',
            { ...common, artifact: join(rels, `${v}.tar.gz`), release_id: v, apply: 'true' },
            { cwd: work, inCI: false, env },
          )
        ).outcome.exitCode,
      ).toBe(0);
    const lockDir = join(dir, 'oss-demo', 'web', '.paas', 'lock');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'token'), 'someone-else\n');
    // a user-controlled actor (a bot name, a display name) carrying a secret from the vault
    writeFileSync(
      join(lockDir, 'owner.json'),
      `${JSON.stringify({ run: '1', actor: `${'a'.repeat(60)}${secret}` })}\n`,
    );
    writeFileSync(join(lockDir, 'expires'), `${Math.floor(Date.now() / 1000) + 600}\n`);
    const r = await runOp('rollback', { ...common, to_release: 'v1', apply: 'true' }, { cwd: work, inCI: false, env });
    expect(r.outcome.envelope.error?.code).toBe('PAAS_LOCK_HELD');
    expect(r.outcome.envelope.error?.message).toMatch(/actor=a+\*\*\*/);
    assertNoPiece(secret, r.visible, 'PAAS_LOCK_HELD');
  }, 60_000);
});

describe("SQLite's messages quoted by backup verification", () => {
  test('an integrity_check message naming an index that holds a registered secret across the 120th character', () => {
    const secret = randomSecret(40, prng(120));
    const name = `idx_${'p'.repeat(80)}${secret}`;
    const file = join(base, 'corrupt.db');
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('MARKERMARKER'); CREATE INDEX "${name}" ON t(x);`);
    const root = (db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(name) as { rootpage: number })
      .rootpage;
    const size = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
    db.close();
    // one byte of the index's copy of the row changed: "row 1 missing from index <name>"
    const bytes = readFileSync(file);
    const page = bytes.subarray((root - 1) * size, root * size);
    page[page.indexOf('MARKERMARKER')] = 78;
    const config = Buffer.from(
      JSON.stringify({ name: 'oss-demo', type: 'demo', state_root: base, created_at: new Date().toISOString() }),
    );
    const key = randomSecret(32, prng(121));
    const data = buildBackup(
      'oss-demo',
      [
        { path: 'config.json', data: config },
        { path: 'state.db', data: bytes },
      ],
      key,
    );
    const r = new Redactor();
    r.register(secret, 'DEMO_TOKEN');
    const { report } = verifyBackup(data, key, r);
    const problems = report.problems.join('\n');
    expect(problems).toMatch(/state\.db: SQLite integrity check failed \(row 1 missing from index idx_p+\*\*\*/);
    assertNoPiece(secret, problems, 'backup verify');
    assertNoPiece(key, problems, 'backup verify (state key)');
  });
});
