/** lib/transport/commands.ts: the quoting function, the remote scripts as text, and the receive and probe scripts run under sh. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  appDir,
  backupScript,
  finalizeScript,
  gated,
  prepareScript,
  probeScript,
  RECEIVE,
  receiveScript,
  safeRemotePath,
  q,
  safeRelease,
  switchScript,
  unlockScript,
  UnsafeValueError,
} from '../lib/transport/commands.js';
import { parseKv } from '../lib/ops/checks/targets.js';

describe('q: the one quoting function', () => {
  test('single-quotes and escapes embedded quotes', () => {
    expect(q('abc')).toBe("'abc'");
    expect(q("it's")).toBe(`'it'\\''s'`);
    expect(q('$(id) `id` ; | & > "')).toBe(`'$(id) \`id\` ; | & > "'`);
    expect(() => q('a\0b')).toThrow(UnsafeValueError);
  });

  test('sh reads back exactly what was quoted (property, one sh for all values)', () => {
    const values = fc.sample(
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')),
      300,
    );
    values.push("'", "''", '\\', '\n', '$HOME', '`id`', '!', '*', '~', '-n', '--', ' a b ');
    const script = values.map((v) => `printf '%s\\0' ${q(v)}`).join('\n');
    const out = execFileSync('/bin/sh', ['-c', script]).toString('utf8').split('\0').slice(0, -1);
    expect(out).toEqual(values.map((v) => Buffer.from(v, 'utf8').toString('utf8')));
  });
});

describe('script builders (text)', () => {
  const A = appDir('/srv/paas', 'internal-dogfood', 'web');
  const env = { appDir: A, context: 'internal-dogfood', app: 'web', target: 'web1', release: 'v2' };
  const lock = { token: 'tok', run: '42', attempt: '1', ownerJson: '{"run":"42"}', ttlSeconds: 60 };

  test('every script starts with set -eu and names the app dir once, quoted', () => {
    for (const s of [
      prepareScript(A, { token: 'tok', run: '42', attempt: '1', ownerJson: '{"run":"42"}', ttlSeconds: 60 }),
      unlockScript(A, 'tok'),
      receiveScript(A, { release: 'v2', sha256: 'a'.repeat(64), shared: ['storage', 'config/app.env'], lock }),
      switchScript(A, { env, lockToken: 'tok', preSwitch: './bin/check', start: './bin/start' }),
      finalizeScript(A, { env, historyLine: '{"release":"v2"}', prune: ['v0'], unlockToken: 'tok' }),
    ]) {
      expect(s.startsWith('set -eu\n')).toBe(true);
      expect(s).toContain(`A='/srv/paas/internal-dogfood/web'`);
    }
  });

  test('lock: atomic mkdir, stale after TTL, takeover by rename, our token only', () => {
    const s = prepareScript(A, {
      token: 'tok1',
      run: '42',
      attempt: '1',
      ownerJson: '{"actor":"o\'neil"}',
      ttlSeconds: 90,
    });
    expect(s).toContain('mkdir "$L" 2>/dev/null || return 1');
    expect(s).toContain('+ 90 ))');
    expect(s).toContain(`printf '%s\\n' '{"actor":"o'\\''neil"}' >"$L/owner.json"`);
    expect(s).toContain('mv "$L" "$s"');
    expect(unlockScript(A, 'tok1')).toContain(
      `= 'tok1' ]; then rm -rf "$L"; echo "unlock=released"; else echo "unlock=not_owner"; fi`,
    );
    expect(() => prepareScript(A, { token: 'a b', run: '1', attempt: '1', ownerJson: '{}', ttlSeconds: 1 })).toThrow(
      UnsafeValueError,
    );
  });

  test('receive: lock, state, --ready, then one answer line; bytes hashed as they arrive; sha256 verified before tar; unpack to a temp dir then rename', () => {
    const s = receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: ['storage'], lock });
    expect(s.indexOf('lk=acquired')).toBeLessThan(s.indexOf(RECEIVE.ready));
    expect(s).toContain('if [ "$lk" = held ]; then exit 0; fi');
    expect(s.indexOf('if [ "$lk" = held ]')).toBeLessThan(s.indexOf(RECEIVE.ready));
    expect(s.indexOf(RECEIVE.ready)).toBeLessThan(s.indexOf('IFS= read -r go'));
    expect(s.indexOf('IFS= read -r go')).toBeLessThan(s.indexOf('tee "$U"'));
    // anything but `go` (or `skip` when the release is already there) releases OUR lock and changes nothing
    expect(s).toMatch(
      /if \[ "\$go" != 'go' \] \|\| \[ "\$need" != upload \]; then if \[ "\$\(cat "\$A\/.paas\/lock\/token" 2>\/dev\/null \|\| true\)" = 'tok' \]; then rm -rf "\$A\/.paas\/lock"; echo "unlock=released"; fi; echo "install=aborted"; exit 0; fi/,
    );
    expect(s.indexOf('sum=$(tee "$U" | $H')).toBeLessThan(s.indexOf('tar -xzf'));
    expect(s.indexOf('[ "$sum" != \'' + 'b'.repeat(64) + "' ]")).toBeLessThan(s.indexOf('tar -xzf'));
    expect(s).toContain('tar -xzf "$U" -C "$T" --no-same-owner');
    expect(s).toContain(`S="$A/shared/"'storage'; D="$T/"'storage'`);
    expect(s.indexOf('mv "$T" "$R"')).toBeGreaterThan(s.indexOf('ln -s "$S" "$D"'));
    expect(() => receiveScript(A, { release: 'v2', sha256: 'nothex', shared: [], lock })).toThrow(UnsafeValueError);
    expect(() => receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: ['../etc'], lock })).toThrow(
      UnsafeValueError,
    );
    expect(() =>
      receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: [], lock: { ...lock, token: 'a;b' } }),
    ).toThrow(UnsafeValueError);
  });

  test('gated: the script runs only after the word go on stdin', () => {
    const s = gated(finalizeScript(A, { env, historyLine: '{}', prune: [] }));
    expect(s.startsWith(`IFS= read -r gate || gate=\nif [ "$gate" != 'go' ]; then exit 0; fi\nset -eu\n`)).toBe(true);
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: 'go\n' }).toString()).toBe('ran\n');
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: 'abort\n' }).toString()).toBe('');
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: '' }).toString()).toBe('');
  });

  test('switch: pre_switch in the release, atomic ln -sfn + mv -T, start in current with its output in a log', () => {
    const s = switchScript(A, {
      env,
      lockToken: 'tok',
      preSwitch: 'test -f ok',
      start: 'echo "$PAAS_RELEASE"; ./bin/start',
    });
    // only while the lock holds this run's token, checked after the hook and right before the switch
    const guard = s.indexOf(`if [ "$(cat "$A/.paas/lock/token" 2>/dev/null || true)" != 'tok' ]; then`);
    expect(guard).toBeGreaterThan(s.indexOf('pre_switch hook failed'));
    expect(guard).toBeLessThan(s.indexOf('mv -T'));
    expect(s).toMatch(/cd "\$PAAS_RELEASE_DIR"\nrc=0; sh -c 'test -f ok' <\/dev\/null/);
    expect(s).toContain('ln -sfn "releases/$ID" "$N"\nmv -T "$N" "$A/current"');
    expect(s).toContain(`sh -c 'echo "$PAAS_RELEASE"; ./bin/start' </dev/null >"$A/.paas/start.log" 2>&1`);
    expect(s.indexOf('mv -T')).toBeGreaterThan(s.indexOf('pre_switch hook failed'));
    expect(s.indexOf('mv -T')).toBeLessThan(s.indexOf('start command failed'));
  });

  test('finalize: prune never removes current (checked remotely too)', () => {
    const s = finalizeScript(A, { env, historyLine: '{}', prune: ['v0', 'v1'] });
    expect(s).toContain(`if [ "$c" != 'v0' ]; then rm -rf "$A/releases/"'v0'`);
  });

  test('names with metacharacters or traversal are refused before any text is built', () => {
    for (const bad of ['../x', 'a b', 'a;b', '$(id)', '`id`', 'a/b', '', '.hidden', 'x'.repeat(65)]) {
      expect(() => safeRelease(bad)).toThrow(UnsafeValueError);
    }
    expect(() => appDir('/srv/../etc', 'internal-dogfood', 'web')).toThrow(UnsafeValueError);
    expect(() => appDir('/srv/paas', 'Internal', 'web')).toThrow(UnsafeValueError);
    expect(() => appDir('/srv/paas', 'oss-demo', 'web;rm')).toThrow(UnsafeValueError);
    expect(() => switchScript(A, { env: { ...env, target: 'web 1' }, lockToken: 'tok' })).toThrow(UnsafeValueError);
    expect(() => switchScript(A, { env, lockToken: "t'ok" })).toThrow(UnsafeValueError);
  });
});

describe('symlink chains (issue 11 item 1)', () => {
  test('on the target, a tree that resolves outside the release is refused before the shared-path step; shared data survives', () => {
    const work = fs.mkdtempSync(join(tmpdir(), 'paas-chain-'));
    try {
      // an archive the runner's check would refuse: this proves the target's own check
      const mk = (name: string) => fs.mkdirSync(join(work, name), { recursive: true });
      mk('s1');
      fs.symlinkSync('.', join(work, 's1', 'a'));
      mk('s2/a');
      fs.symlinkSync('..', join(work, 's2', 'a', 'b'));
      mk('s3');
      fs.symlinkSync('a/b/../shared/public', join(work, 's3', 'public'));
      const tarball = join(work, 'evil.tar');
      execFileSync('tar', ['-cf', tarball, '-C', join(work, 's1'), 'a']);
      execFileSync('tar', ['-rf', tarball, '-C', join(work, 's2'), 'a/b']);
      execFileSync('tar', ['-rf', tarball, '-C', join(work, 's3'), 'public']);
      execFileSync('gzip', [tarball]);
      const bytes = fs.readFileSync(`${tarball}.gz`);
      const app = join(work, 'root', 'internal-dogfood', 'web');
      fs.mkdirSync(join(app, 'shared', 'public', 'uploads'), { recursive: true });
      fs.writeFileSync(join(app, 'shared', 'public', 'uploads', 'photo.jpg'), 'precious');
      const script = receiveScript(app, {
        release: 'v9',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        shared: ['storage', 'public/uploads'],
        lock: { token: 'tok', run: '1', attempt: '1', ownerJson: '{}', ttlSeconds: 60 },
      });
      let code = 0;
      let stderr = '';
      try {
        execFileSync('sh', ['-c', script], {
          input: Buffer.concat([Buffer.from('go\n'), bytes]),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        code = (e as { status: number }).status;
        stderr = String((e as { stderr: Buffer }).stderr);
      }
      expect(code).toBe(76);
      expect(stderr).toMatch(/paas: the unpacked release holds a symlink that resolves outside it: (a\/b|b|public)/);
      expect(fs.readFileSync(join(app, 'shared', 'public', 'uploads', 'photo.jpg'), 'utf8')).toBe('precious');
      expect(fs.readdirSync(join(app, 'releases'))).toEqual([]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('shared: [.env] creates an empty private file (not a directory) when neither the release nor shared/ has it', () => {
    const work = fs.mkdtempSync(join(tmpdir(), 'paas-env-'));
    try {
      fs.mkdirSync(join(work, 'rel'));
      fs.writeFileSync(join(work, 'rel', 'VERSION'), 'v1');
      const tgz = join(work, 'r.tar.gz');
      execFileSync('tar', ['-czf', tgz, '-C', join(work, 'rel'), '.']);
      const bytes = fs.readFileSync(tgz);
      const app = join(work, 'root', 'internal-dogfood', 'web');
      const script = receiveScript(app, {
        release: 'v1',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        shared: ['.env', 'config/app.yml', 'storage'],
        lock: { token: 'tok', run: '1', attempt: '1', ownerJson: '{}', ttlSeconds: 60 },
      });
      execFileSync('sh', ['-c', script], {
        input: Buffer.concat([Buffer.from('go\n'), bytes]),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const env = fs.statSync(join(app, 'shared', '.env'));
      expect(env.isFile()).toBe(true);
      expect(env.mode & 0o777).toBe(0o600);
      expect(fs.statSync(join(app, 'shared', 'config', 'app.yml')).isFile()).toBe(true);
      expect(fs.statSync(join(app, 'shared', 'storage')).isDirectory()).toBe(true);
      expect(fs.readlinkSync(join(app, 'releases', 'v1', '.env'))).toBe(join(app, 'shared', '.env'));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('a shared path whose parent is a symlink inside the release is never replaced through it', () => {
    const work = fs.mkdtempSync(join(tmpdir(), 'paas-chain-'));
    try {
      fs.mkdirSync(join(work, 'rel', 'real', 'uploads'), { recursive: true });
      fs.writeFileSync(join(work, 'rel', 'real', 'uploads', 'keep'), 'k');
      fs.symlinkSync('real', join(work, 'rel', 'public'));
      const tgz = join(work, 'r.tar.gz');
      execFileSync('tar', ['-czf', tgz, '-C', join(work, 'rel'), '.']);
      const bytes = fs.readFileSync(tgz);
      const app = join(work, 'root', 'internal-dogfood', 'web');
      const script = receiveScript(app, {
        release: 'v9',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        shared: ['public/uploads'],
        lock: { token: 'tok', run: '1', attempt: '1', ownerJson: '{}', ttlSeconds: 60 },
      });
      let code = 0;
      try {
        execFileSync('sh', ['-c', script], {
          input: Buffer.concat([Buffer.from('go\n'), bytes]),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (e) {
        code = (e as { status: number }).status;
      }
      expect(code).toBe(76);
      expect(fs.existsSync(join(app, 'releases', 'v9'))).toBe(false);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('ops checks: read-only probes of a target (probeScript, backupScript)', () => {
  const cmd = { probeScript, backupScript, safeRemotePath, UnsafeValueError };
  const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

  test('probeScript: disk and service lines only when asked, values single-quoted', async () => {
    expect(cmd.probeScript({})).toBe('set -u\n');
    const disk = cmd.probeScript({ diskPath: '/var/lib/postgresql' });
    expect(disk.split('\n')[1]).toBe("d='/var/lib/postgresql'");
    expect(disk).toContain('df -P "$d"');
    expect(disk).not.toContain('systemctl');
    const svc = cmd.probeScript({ service: 'postgresql@16-main.service' });
    expect(svc).toContain("systemctl is-active 'postgresql@16-main.service'");
    expect(svc).toContain('echo "service=no_systemctl"');
    expect(svc).not.toContain('df -P');
    expect(cmd.probeScript({ diskPath: '/', service: 'nginx' }).split('\n').filter(Boolean)).toHaveLength(5);
  });

  test('probeScript/backupScript refuse unsafe paths and service names before any text is built', async () => {
    for (const p of ['relative', '/a/../etc', '/a/./b', '/a b', "/a'b", '/a;b', '/a/', '//a', '/$(id)', '']) {
      expect(() => cmd.probeScript({ diskPath: p || '/x/..' })).toThrow(cmd.UnsafeValueError);
      expect(() => cmd.backupScript(p || '/x/..', false)).toThrow('unsafe remote path');
    }
    for (const s of ['a b', 'x;reboot', '$(id)', "a'b", 'x'.repeat(256)])
      expect(() => cmd.probeScript({ service: s })).toThrow('unsafe service name');
    expect(cmd.safeRemotePath('/')).toBe('/');
    expect(cmd.safeRemotePath('/srv/backups/db@main+1')).toBe('/srv/backups/db@main+1');
  });

  test('backupScript: directory single-quoted, checksum lines only with verify_checksum, no file name printed', async () => {
    const plain = cmd.backupScript('/srv/backups', false);
    expect(plain.split('\n')[1]).toBe("D='/srv/backups'");
    expect(plain).not.toContain('sha256sum "$newest"');
    const verify = cmd.backupScript('/srv/backups', true);
    expect(verify.startsWith(plain)).toBe(true);
    expect(verify).toContain('echo "expected=');
    expect(verify).toContain('echo "actual=');
    // only fixed keys are echoed: never "$f" or "$newest" as a value
    for (const line of verify.split('\n').filter((l) => l.includes('echo')))
      expect(line).not.toMatch(/echo "[a-z_]+=\$(newest|f)"/);
  });

  test('the probes run under sh and print only key=value lines', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'paas-probe-'));
    try {
      const kvDisk = parseKv(sh(cmd.probeScript({ diskPath: join(dir, 'not', 'yet') })));
      expect(kvDisk.disk_pct).toMatch(/^\d{1,3}$/);
      expect(parseKv(sh(cmd.backupScript(join(dir, 'missing'), true)))).toEqual({ dir: 'no' });
      expect(parseKv(sh(cmd.backupScript(dir, true)))).toEqual({ dir: 'yes', snapshot: 'none' });
      const body = 'snapshot body\n';
      fs.writeFileSync(join(dir, 'db-secret-name.dump'), body);
      fs.writeFileSync(join(dir, 'db-secret-name.dump.tmp'), 'in flight');
      const sum = createHash('sha256').update(body).digest('hex');
      fs.writeFileSync(join(dir, 'SHA256SUMS'), `${sum.toUpperCase()} *db-secret-name.dump\n`);
      const out = sh(cmd.backupScript(dir, true));
      expect(out).not.toContain('db-secret-name');
      const kv = parseKv(out);
      expect(kv).toMatchObject({ dir: 'yes', snapshot: 'yes', size: String(body.length), expected: sum, actual: sum });
      expect(Number(kv.now) - Number(kv.mtime)).toBeLessThan(600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
