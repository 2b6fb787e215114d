/**
 * doctor's reader thread (lib/ops/doctor/readahead.ts): files read ahead on a second thread give
 * the same scan, file for file, as files read on the main thread, including when the ring is
 * small (the reader waits for room and wraps around), when files are too large for the ring, are
 * symlinks, binary, empty, excluded or gone, and when the reader is stopped half-way. Secrets in
 * the fixtures are assembled at test time (test/fixtures/doctor-corpus.ts).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Detector } from '../lib/ops/doctor/detect.js';
import { ReadAhead } from '../lib/ops/doctor/readahead.js';
import { ARTIFACT_PATH_FILTER, listFiles, scanTree, wholeList, type ScanResult } from '../lib/ops/doctor/tree.js';
import { cli, tempDirs } from './helpers.js';
import { Fakes, rng } from './fixtures/doctor-corpus.js';
import { createSandbox, distDir, runAction, type Sandbox } from './harness/runner.js';

const tmp = tempDirs();

const fakes = new Fakes(rng(7));
const MAX = 1 << 20;

/** A tree of `n` source files of 0 to ~6 KB, some with secrets, plus every kind of file the scan skips or flags. */
function tree(n: number, root = tmp('paas-doctor-readahead-'), registered = ''): string {
  const r = rng(11);
  for (let i = 0; i < n; i++) {
    const dir = join(root, `pkg${i % 17}`, 'src');
    mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: Math.floor(r() * 120) }, (_, k) => `export const v${k} = ${k * i};`);
    if (i % 37 === 5) lines.splice(lines.length >> 1, 0, `const token = '${fakes.github()}';`);
    if (i % 53 === 9) lines.push(`DATABASE_URL=postgres://app:${fakes.password(18)}@db.internal:5432/app`);
    // found from the matcher's native triggers (`SG.`, an `@` after `://`), and `@`s that are not one
    if (i % 47 === 7) lines.push(`const mail = '${fakes.sendgrid()}';`);
    if (i % 7 === 1) lines.push(`/** @param to e-mail, e.g. ops@example.com (see https://example.com/docs) */`);
    if (registered && i % 41 === 3) lines.push(`// ${Buffer.from(registered).toString('base64url')}`);
    writeFileSync(join(dir, `m${i}.ts`), lines.join('\n'));
  }
  // larger than a quarter of the small rings below: read by the main thread
  writeFileSync(join(root, 'big.js'), `${'x = 1;\n'.repeat(12000)}const k = '${fakes.npm()}';\n`);
  writeFileSync(join(root, 'empty.txt'), '');
  const sqlite = Buffer.alloc(4096);
  sqlite.write('SQLite format 3\0', 'latin1');
  writeFileSync(join(root, 'app.bin'), sqlite);
  writeFileSync(join(root, 'excluded.json'), `{"token": "${fakes.slack()}"}`);
  symlinkSync(join(root, 'big.js'), join(root, 'link.js'));
  writeFileSync(join(root, 'state.db'), 'x');
  return root;
}

function scan(root: string, files: readonly string[], reader?: ReadAhead): ScanResult {
  return scanTree(
    root,
    files,
    { detector: new Detector(), maxFileBytes: MAX, exclude: new Set(['excluded.json']) },
    wholeList(files.length),
    reader,
  );
}

/** A started reader; resolves once it has read `atLeast` files (or a few seconds passed). */
async function started(
  root: string,
  files: readonly string[],
  ring: number,
  atLeast: number,
  pathFilter: RegExp | null = null,
): Promise<ReadAhead> {
  const reader = new ReadAhead(MAX, ring, pathFilter);
  reader.start(`${root}/`, files, [files.indexOf('excluded.json')], true);
  for (let t = 0; t < 200 && reader.progress() < atLeast; t++) await new Promise((r) => setTimeout(r, 20));
  return reader;
}

describe('doctor reader thread', () => {
  test('files read ahead give the same scan as files read on the main thread (small ring: waits for room, wraps around; large files, symlinks, binary, empty, excluded and vanished files)', async () => {
    const root = tree(600);
    const files = [...listFiles(root).files, 'pkg3/src/gone.ts'];
    const serial = scan(root, files);
    expect(serial.hits.length).toBeGreaterThan(20);
    // found from the matcher's native triggers (patterns.ts NATIVE_TRIGGERS_BYTES)
    expect(serial.hits.map((h) => h.kind)).toEqual(expect.arrayContaining(['dsn_password', 'sendgrid_key']));
    expect(serial.skipped).toEqual({ binary: 1, oversized: 0, symlink: 1, unreadable: 0, missing: 1 });
    for (const ring of [1 << 16, 1 << 18, 1 << 22]) {
      // with and without the path test on the reader thread (the one doctor's engine gives it)
      const reader = await started(root, files, ring, 10, ring === 1 << 18 ? ARTIFACT_PATH_FILTER : null);
      const ahead = scan(root, files, reader);
      expect(ahead).toEqual(serial);
      // the reader really read files (the main thread reads only what it reached first)
      expect(reader.fromRing).toBeGreaterThanOrEqual(10);
    }
  });

  test('a reader stopped half-way: the main thread reads the rest, with the same result', async () => {
    const root = tree(300);
    const { files } = listFiles(root);
    const serial = scan(root, files);
    const reader = await started(root, files, 1 << 16, 5);
    reader.close();
    expect(scan(root, files, reader)).toEqual(serial);
  });

  test('through the CLI, forced on (PAAS_DOCTOR_READAHEAD=1) and off (=0): the same report', async () => {
    const root = tree(250);
    const state = join(tmp('paas-doctor-readahead-state-'), 's');
    const run = async (on: string) => {
      const r = await cli(['doctor', '--path', root, '--state-root', state, '--json'], { PAAS_DOCTOR_READAHEAD: on });
      const env = r.json() as { fields: Record<string, unknown> };
      return { code: r.code, fields: { ...env.fields, ms: 0 } };
    };
    const on = await run('1');
    const off = await run('0');
    expect(on.code).toBe(1);
    expect(on).toEqual(off);
  });
});

// ---------------------------------------------------------------------------------------------
// The same through the action bundle, as a runner runs it (PAAS_HARNESS_DIST for a private build;
// PAAS_SKIP_BUNDLE_TESTS=1 skips these while dist/ cannot be built): the reader thread there is
// the stringified code of the bundle, not of the sources.
const describeBundle = process.env.PAAS_SKIP_BUNDLE_TESTS === '1' ? describe.skip : describe;

describeBundle('doctor action bundle: the reader thread', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  test('the bundle is built', () => {
    expect(existsSync(join(distDir(), 'doctor', 'index.js'))).toBe(true);
  });

  test('files read by the reader thread give what one thread finds, registered forms included', async () => {
    const value = fakes.alnum(30);
    const sb = createSandbox({ git: true });
    sandboxes.push(sb);
    tree(400, sb.workspace, value);
    writeFileSync(join(sb.workspace, 'many.py'), `${'token\n'.repeat(6000)}api_key = "${fakes.alnum(32)}"\n`);
    // larger than a quarter of the 4 MiB ring: read by the main thread
    writeFileSync(join(sb.workspace, 'vendor.js'), `${'y = 2;\n'.repeat(200_000)}const t = '${fakes.gitlab()}';\n`);
    const run = async (mode: string) => {
      const r = await runAction({
        action: 'doctor',
        sandbox: sb,
        inputs: { state_root: sb.stateRoot, vault: `PAAS_WEBHOOK_SECRET=${value}` },
        env: { PAAS_DOCTOR_READAHEAD: mode },
      });
      const env = r.envelope as {
        fields: { checks: Array<{ name: string; findings: Array<Record<string, unknown>> }> };
      };
      const findings = env.fields.checks.map((c) => [
        c.name,
        c.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.kind} ${f.fingerprint}`),
      ]);
      const read = /doctor: (\d+) file\(s\) read by the reader thread/.exec(r.stdout);
      return { exitCode: r.exitCode, status: r.outputs.status, findings, read: read ? Number(read[1]) : null };
    };
    const one = await run('0');
    const ahead = await run('wait');
    expect(one.exitCode).toBe(1);
    expect(one.read).toBeNull();
    const exposures = (one.findings.find(([n]) => n === 'repo_plaintext_secret_exposure')?.[1] ?? []) as string[];
    expect(exposures.filter((f) => f.includes(' registered_secret ')).length).toBeGreaterThan(5);
    expect(exposures.some((f) => f.startsWith('many.py:6001:'))).toBe(true);
    expect(ahead.status).toBe(one.status);
    expect(ahead.findings).toEqual(one.findings);
    // every regular file but the large one (PAAS_DOCTOR_READAHEAD=wait: the scanning thread leaves them all to the reader)
    expect(ahead.read).toBe(406);
  });
});
