/** Remote commands as text, known_hosts, targets, archive checks, batches, prune, rollback resolution, policy. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  appDir, backupScript, finalizeScript, gated, prepareScript, probeScript, RECEIVE, receiveScript, safeRemotePath, q, safeRelease, switchScript, unlockScript, UnsafeValueError,
} from '../lib/transport/commands.js';
import { fingerprint, parseKnownHosts, verifyHostKey } from '../lib/transport/known-hosts.js';
import { parseTargets, selectTargets } from '../lib/transport/targets.js';
import { entryEscape, treeEscape } from '../lib/ops/deploy/artifact.js';
import { pauseBefore } from '../lib/ops/deploy/health.js';
import { parseKv } from '../lib/ops/checks/targets.js';
import { planBatches, fanoutPlan } from '../lib/ops/deploy/fleet.js';
import { parseState, pruneList, rollbackCandidate, type HistoryLine } from '../lib/ops/deploy/releases.js';
import { resolveRollback } from '../lib/ops/rollback/run.js';
import { signDispatch, verifyDispatch } from '../lib/ops/deploy/policy.js';

describe('q: the one quoting function', () => {
  test('single-quotes and escapes embedded quotes', () => {
    expect(q('abc')).toBe("'abc'");
    expect(q("it's")).toBe(`'it'\\''s'`);
    expect(q('$(id) `id` ; | & > "')).toBe(`'$(id) \`id\` ; | & > "'`);
    expect(() => q('a\0b')).toThrow(UnsafeValueError);
  });

  test('sh reads back exactly what was quoted (property, one sh for all values)', () => {
    const values = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), 300);
    values.push("'", "''", '\\', '\n', '$HOME', '`id`', '!', '*', '~', '-n', '--', ' a b ');
    const script = values.map((v) => `printf '%s\\0' ${q(v)}`).join('\n');
    const out = execFileSync('/bin/sh', ['-c', script]).toString('utf8').split('\0').slice(0, -1);
    expect(out).toEqual(values.map((v) => Buffer.from(v, 'utf8').toString('utf8')));
  });
});

describe('script builders (text)', () => {
  const A = appDir('/srv/paas', 'internal-dogfood', 'web');
  const env = { appDir: A, context: 'internal-dogfood', app: 'web', target: 'web1', release: 'v2' };
  const lock = { token: 'tok', run: '42', ownerJson: '{"run":"42"}', ttlSeconds: 60 };

  test('every script starts with set -eu and names the app dir once, quoted', () => {
    for (const s of [
      prepareScript(A, { token: 'tok', run: '42', ownerJson: '{"run":"42"}', ttlSeconds: 60 }),
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
    const s = prepareScript(A, { token: 'tok1', run: '42', ownerJson: '{"actor":"o\'neil"}', ttlSeconds: 90 });
    expect(s).toContain('mkdir "$L" 2>/dev/null || return 1');
    expect(s).toContain('+ 90 ))');
    expect(s).toContain(`printf '%s\\n' '{"actor":"o'\\''neil"}' >"$L/owner.json"`);
    expect(s).toContain('mv "$L" "$s"');
    expect(unlockScript(A, 'tok1')).toContain(`= 'tok1' ]; then rm -rf "$L"; echo "unlock=released"; else echo "unlock=not_owner"; fi`);
    expect(() => prepareScript(A, { token: 'a b', run: '1', ownerJson: '{}', ttlSeconds: 1 })).toThrow(UnsafeValueError);
  });

  test('receive: lock, state, --ready, then one answer line; bytes hashed as they arrive; sha256 verified before tar; unpack to a temp dir then rename', () => {
    const s = receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: ['storage'], lock });
    expect(s.indexOf('lk=acquired')).toBeLessThan(s.indexOf(RECEIVE.ready));
    expect(s).toContain('if [ "$lk" = held ]; then exit 0; fi');
    expect(s.indexOf('if [ "$lk" = held ]')).toBeLessThan(s.indexOf(RECEIVE.ready));
    expect(s.indexOf(RECEIVE.ready)).toBeLessThan(s.indexOf('IFS= read -r go'));
    expect(s.indexOf('IFS= read -r go')).toBeLessThan(s.indexOf('tee "$U"'));
    // anything but `go` (or `skip` when the release is already there) releases OUR lock and changes nothing
    expect(s).toMatch(/if \[ "\$go" != 'go' \] \|\| \[ "\$need" != upload \]; then if \[ "\$\(cat "\$A\/.paas\/lock\/token" 2>\/dev\/null \|\| true\)" = 'tok' \]; then rm -rf "\$A\/.paas\/lock"; echo "unlock=released"; fi; echo "install=aborted"; exit 0; fi/);
    expect(s.indexOf('sum=$(tee "$U" | $H')).toBeLessThan(s.indexOf('tar -xzf'));
    expect(s.indexOf("[ \"$sum\" != '" + 'b'.repeat(64) + "' ]")).toBeLessThan(s.indexOf('tar -xzf'));
    expect(s).toContain('tar -xzf "$U" -C "$T" --no-same-owner');
    expect(s).toContain(`S="$A/shared/"'storage'; D="$T/"'storage'`);
    expect(s.indexOf('mv "$T" "$R"')).toBeGreaterThan(s.indexOf('ln -s "$S" "$D"'));
    expect(() => receiveScript(A, { release: 'v2', sha256: 'nothex', shared: [], lock })).toThrow(UnsafeValueError);
    expect(() => receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: ['../etc'], lock })).toThrow(UnsafeValueError);
    expect(() => receiveScript(A, { release: 'v2', sha256: 'b'.repeat(64), shared: [], lock: { ...lock, token: 'a;b' } })).toThrow(UnsafeValueError);
  });

  test('gated: the script runs only after the word go on stdin', () => {
    const s = gated(finalizeScript(A, { env, historyLine: '{}', prune: [] }));
    expect(s.startsWith(`IFS= read -r gate || gate=\nif [ "$gate" != 'go' ]; then exit 0; fi\nset -eu\n`)).toBe(true);
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: 'go\n' }).toString()).toBe('ran\n');
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: 'abort\n' }).toString()).toBe('');
    expect(execFileSync('sh', ['-c', gated('echo ran')], { input: '' }).toString()).toBe('');
  });

  test('switch: pre_switch in the release, atomic ln -sfn + mv -T, start in current with its output in a log', () => {
    const s = switchScript(A, { env, lockToken: 'tok', preSwitch: 'test -f ok', start: 'echo "$PAAS_RELEASE"; ./bin/start' });
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

describe('known_hosts', () => {
  const key = (type: 'ed25519' | 'rsa' = 'ed25519') => {
    const { publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { x?: string; n?: string; e?: string };
    const str = (b: Buffer) => {
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      return Buffer.concat([l, b]);
    };
    const blob = type === 'rsa'
      ? Buffer.concat([str(Buffer.from('ssh-rsa')), str(Buffer.from(jwk.e!, 'base64url')), str(Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')]))])
      : Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.from(jwk.x!, 'base64url'))]);
    return { blob, line: (name: string) => `${name} ${type === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${blob.toString('base64')}` };
  };
  const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };

  test('plain, hashed, [host]:port, globs; unknown vs changed vs revoked; fingerprint pin', () => {
    const a = key();
    const b = key('rsa');
    const c = key();
    const kh = parseKnownHosts([
      '# comment',
      a.line('10.0.0.5'),
      b.line(hashed('[web.example]:2222')),
      c.line('*.internal,!bad.internal'),
      `@revoked ${key().line('*').split(' ').slice(1).join(' ')}`,
      'garbage line',
    ].join('\n'));
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob)).toBe('match');
    expect(verifyHostKey(kh, '10.0.0.5', 2200, a.blob)).toBe('unknown');
    expect(verifyHostKey(kh, '10.0.0.5', 22, b.blob)).toBe('mismatch');
    expect(verifyHostKey(kh, 'web.example', 2222, b.blob)).toBe('match');
    expect(verifyHostKey(kh, 'web.example', 22, b.blob)).toBe('unknown');
    expect(verifyHostKey(kh, 'db.internal', 22, c.blob)).toBe('match');
    expect(verifyHostKey(kh, 'bad.internal', 22, c.blob)).toBe('unknown');
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob, fingerprint(a.blob))).toBe('match');
    expect(verifyHostKey(kh, '10.0.0.5', 22, a.blob, 'SHA256:AAAA')).toBe('pin_mismatch');
    const revoked = parseKnownHosts(`@revoked * ssh-ed25519 ${a.blob.toString('base64')}\n${a.line('10.0.0.5')}`);
    expect(verifyHostKey(revoked, '10.0.0.5', 22, a.blob)).toBe('revoked');
    expect(fingerprint(a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('PAAS_TARGETS', () => {
  test('parses ssh and local targets with optional dirs; refuses bad ids, hosts, dirs', () => {
    const t = parseTargets('web1=deploy@10.0.0.1:2222 web2=app.example\nweb3=root@[::1]:22/srv/x,local1=local:/tmp/paas-demo');
    expect(t).toEqual([
      { kind: 'ssh', id: 'web1', user: 'deploy', host: '10.0.0.1', port: 2222, dir: undefined },
      { kind: 'ssh', id: 'web2', user: 'root', host: 'app.example', port: 22, dir: undefined },
      { kind: 'ssh', id: 'web3', user: 'root', host: '::1', port: 22, dir: '/srv/x' },
      { kind: 'local', id: 'local1', dir: '/tmp/paas-demo' },
    ]);
    for (const bad of ['we;b=h', 'web=h;id', 'web=$(id)', 'web=h:99999', 'web=h/srv/../etc', 'web=local:relative', 'a=h a=h', '', 'web=us er@h']) {
      expect(() => parseTargets(bad)).toThrow(/PAAS_TARGETS/);
    }
    expect(selectTargets(t, 'web3,web1').map((x) => x.id)).toEqual(['web1', 'web3']);
    expect(() => selectTargets(t, 'web9')).toThrow(/unknown target web9/);
  });
});

describe('archive entries', () => {
  test.each([
    ['File', 'a/b.txt', undefined, null],
    ['File', './a', undefined, null],
    ['File', '/etc/passwd', undefined, 'absolute entry path'],
    ['File', '../x', undefined, 'entry path contains ..'],
    ['File', 'a/../../x', undefined, 'entry path contains ..'],
    ['SymbolicLink', 'a/l', '../b', null],
    ['SymbolicLink', 'a/l', '../../b', 'symlink pointing outside the release'],
    ['SymbolicLink', 'l', '/etc', 'symlink to an absolute path'],
    ['SymbolicLink', 'l', '..', 'symlink pointing outside the release'],
    ['Link', 'h', '../x', 'hard link pointing outside the release'],
    ['Link', 'h', '/etc/shadow', 'hard link pointing outside the release'],
    ['CharacterDevice', 'dev', undefined, 'entry type CharacterDevice is not allowed'],
  ])('%s %s -> %s: %s', (type, path, link, why) => {
    expect(entryEscape(type, path, link)).toBe(why);
  });
});

describe('symlink chains (issue 11 item 1)', () => {
  const L = (path: string, linkpath: string) => ({ type: 'SymbolicLink', path, linkpath });
  const F = (path: string) => ({ type: 'File', path });
  test('a chain through links already seen (or seen later) is refused; links inside stay allowed', () => {
    // each link alone looks harmless; together a/b is releases/ and public is <app>/shared/public
    expect(treeEscape([L('a', '.'), L('a/b', '..'), L('public', 'a/b/../shared/public')])?.path).toBe('a/b');
    expect(treeEscape([L('public', 'a/b/../shared/public'), L('a', '.'), L('a/b', '..')])).not.toBeNull();
    expect(treeEscape([L('x', 'y/../..'), L('y', 'z/w')])).toBeNull(); // resolves to the release root
    expect(treeEscape([L('y', '..'), L('x', 'y')])).not.toBeNull(); // climbs at once
    expect(treeEscape([L('d', 'e'), L('e', 'd')])).not.toBeNull(); // a loop is refused
    expect(treeEscape([L('up', 'sub/..'), L('sub', '..'), L('p', 'up/x')])).not.toBeNull();
    expect(treeEscape([L('l', 'a'), { type: 'Link', path: 'h', linkpath: 'l/../../x' }])).not.toBeNull();
    expect(treeEscape([F('bin/start'), L('current-bin', 'bin'), L('bin/s', 'start'), L('cfg/app', '../bin/start')])).toBeNull();
  });

  test('on the target, a tree that resolves outside the release is refused before the shared-path step; shared data survives', () => {
    const work = fs.mkdtempSync(join(tmpdir(), 'paas-chain-'));
    try {
      // an archive the runner's check would refuse: this proves the target's own check
      const mk = (name: string) => fs.mkdirSync(join(work, name), { recursive: true });
      mk('s1'); fs.symlinkSync('.', join(work, 's1', 'a'));
      mk('s2/a'); fs.symlinkSync('..', join(work, 's2', 'a', 'b'));
      mk('s3'); fs.symlinkSync('a/b/../shared/public', join(work, 's3', 'public'));
      const tarball = join(work, 'evil.tar');
      execFileSync('tar', ['-cf', tarball, '-C', join(work, 's1'), 'a']);
      execFileSync('tar', ['-rf', tarball, '-C', join(work, 's2'), 'a/b']);
      execFileSync('tar', ['-rf', tarball, '-C', join(work, 's3'), 'public']);
      execFileSync('gzip', [tarball]);
      const bytes = fs.readFileSync(`${tarball}.gz`);
      const app = join(work, 'root', 'internal-dogfood', 'web');
      fs.mkdirSync(join(app, 'shared', 'public', 'uploads'), { recursive: true });
      fs.writeFileSync(join(app, 'shared', 'public', 'uploads', 'photo.jpg'), 'precious');
      const script = receiveScript(app, { release: 'v9', sha256: createHash('sha256').update(bytes).digest('hex'), shared: ['storage', 'public/uploads'], lock: { token: 'tok', run: '1', ownerJson: '{}', ttlSeconds: 60 } });
      let code = 0;
      let stderr = '';
      try {
        execFileSync('sh', ['-c', script], { input: Buffer.concat([Buffer.from('go\n'), bytes]), stdio: ['pipe', 'pipe', 'pipe'] });
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
      const script = receiveScript(app, { release: 'v1', sha256: createHash('sha256').update(bytes).digest('hex'), shared: ['.env', 'config/app.yml', 'storage'], lock: { token: 'tok', run: '1', ownerJson: '{}', ttlSeconds: 60 } });
      execFileSync('sh', ['-c', script], { input: Buffer.concat([Buffer.from('go\n'), bytes]), stdio: ['pipe', 'pipe', 'pipe'] });
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
      const script = receiveScript(app, { release: 'v9', sha256: createHash('sha256').update(bytes).digest('hex'), shared: ['public/uploads'], lock: { token: 'tok', run: '1', ownerJson: '{}', ttlSeconds: 60 } });
      let code = 0;
      try {
        execFileSync('sh', ['-c', script], { input: Buffer.concat([Buffer.from('go\n'), bytes]), stdio: ['pipe', 'pipe', 'pipe'] });
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

describe('health gate pauses', () => {
  test('50 ms doubling up to interval, never above it', () => {
    expect([2, 3, 4, 5, 6, 7].map((n) => pauseBefore(n, 1000))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect([2, 3, 4].map((n) => pauseBefore(n, 100))).toEqual([50, 100, 100]);
    expect(pauseBefore(500, 600_000)).toBe(600_000);
  });
});

describe('strategies, prune, rollback resolution', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  test('batches', () => {
    expect(fanoutPlan(planBatches(ids, { strategy: 'serial', batch: 2, canary: 1 }))).toBe('a;b;c;d;e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'rolling', batch: 2, canary: 1 }))).toBe('a,b;c,d;e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'parallel', batch: 2, canary: 1 }))).toBe('a,b,c,d,e');
    expect(fanoutPlan(planBatches(ids, { strategy: 'canary', batch: 2, canary: 2 }))).toBe('a,b;c,d,e');
    expect(fanoutPlan(planBatches(['a'], { strategy: 'canary', batch: 2, canary: 3 }))).toBe('a');
  });

  const h = (release: string, status: 'good' | 'bad'): HistoryLine => ({ at: '', release, status, event: 'deploy' });

  test('prune keeps N good, never current nor the previous good one; bad ones go; unmanaged stay', () => {
    const st = { releases: ['r1', 'r2', 'r3', 'r4', 'r5', 'bad1', 'manual'], history: [h('r1', 'good'), h('r2', 'good'), h('r3', 'good'), h('bad1', 'bad'), h('r4', 'good'), h('r5', 'good')] };
    expect(pruneList(st, 'r5', 'r4', 2).sort()).toEqual(['bad1', 'r1', 'r2', 'r3']);
    // previous is old (after a rollback): still kept
    expect(pruneList(st, 'r5', 'r1', 2).sort()).toEqual(['bad1', 'r2', 'r3']);
    expect(pruneList(st, 'r5', null, 10).sort()).toEqual(['bad1']);
  });

  test('rollback candidate: newest good before current; bad skipped; must exist', () => {
    const st = { current: 'r4', releases: ['r1', 'r2', 'r4'], history: [h('r1', 'good'), h('r2', 'good'), h('r3', 'good'), h('r2', 'bad'), h('r4', 'good')] };
    expect(rollbackCandidate(st)).toBe('r1');
    const state = (current: string, releases: string[], hist: HistoryLine[]) => parseState(`exists=yes\ncurrent=${current}\n--releases\n${releases.join('\n')}\n--end\n--history\n${hist.map((x) => JSON.stringify(x)).join('\n')}\n--end\n`);
    const a = state('r3', ['r1', 'r2', 'r3'], [h('r1', 'good'), h('r2', 'good'), h('r3', 'good')]);
    const b = state('r3', ['r1', 'r3'], [h('r1', 'good'), h('r2', 'good'), h('r3', 'good')]);
    expect(resolveRollback([{ target: 'a', state: a }]).release).toBe('r2');
    expect(resolveRollback([{ target: 'a', state: a }, { target: 'b', state: b }]).release).toBe('r1');
    expect(() => resolveRollback([{ target: 'a', state: a }, { target: 'b', state: b }], 'r2')).toThrow(/does not exist on b/);
    expect(() => resolveRollback([{ target: 'a', state: state('r1', ['r1'], [h('r1', 'good')]) }])).toThrow(/no good release/);
  });
});

describe('repository_dispatch signature', () => {
  test('HMAC-SHA256 over event type and canonical payload, fresh timestamp, constant-time compare', () => {
    const secret = randomBytes(16).toString('hex');
    const now = new Date('2026-01-01T00:00:00Z');
    const payload: Record<string, unknown> = { context: 'internal-dogfood', ref: 'main', timestamp: now.toISOString(), nested: { b: 1, a: 2 } };
    payload.signature = signDispatch(secret, 'deploy', payload);
    expect(verifyDispatch(secret, 'deploy', payload, now)).toBeNull();
    expect(verifyDispatch(secret, 'deploy', { ...payload, nested: { a: 2, b: 1 } }, now)).toBeNull();
    expect(verifyDispatch(secret, 'rollback', payload, now)).toMatch(/does not match/);
    expect(verifyDispatch(secret, 'deploy', { ...payload, ref: 'evil' }, now)).toMatch(/does not match/);
    expect(verifyDispatch('other-secret', 'deploy', payload, now)).toMatch(/does not match/);
    expect(verifyDispatch(secret, 'deploy', payload, new Date(now.getTime() + 11 * 60_000))).toMatch(/older than 10 minutes/);
    expect(verifyDispatch(secret, 'deploy', { ...payload, signature: undefined }, now)).toMatch(/no sha256 signature/);
  });
});

describe('trigger policy branch patterns', () => {
  test('* stays within a segment, ** crosses segments', async () => {
    const { checkTriggerPolicy } = await import('../lib/ops/deploy/policy.js');
    const { Redactor } = await import('../lib/redaction/redactor.js');
    const { memoryLogger } = await import('../lib/runtime/logger.js');
    const ctx = { name: 'internal-dogfood', type: 'internal', webhook_policy: { events: ['push'], branches: ['main', 'release/*', 'hotfix/**'], actors: ['alice'], require_signature: false } } as never;
    const vault = { require: () => { throw new Error('no'); } } as never;
    const rt = (branch: string, actor = 'alice') => ({ env: { GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: branch, GITHUB_ACTOR: actor }, cwd: '/', redactor: new Redactor(), logger: memoryLogger(new Redactor()), now: () => new Date(), inCI: true, inAction: false });
    for (const ok of ['main', 'release/1.2', 'hotfix/a/b']) expect(() => checkTriggerPolicy(rt(ok), ctx, vault, 'deploy')).not.toThrow();
    for (const bad of ['mainx', 'release/1/2', 'feature/main']) expect(() => checkTriggerPolicy(rt(bad), ctx, vault, 'deploy')).toThrow(/branch/);
    expect(() => checkTriggerPolicy(rt('main', 'mallory'), ctx, vault, 'deploy')).toThrow(/actor mallory/);
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
    for (const s of ['a b', 'x;reboot', '$(id)', "a'b", 'x'.repeat(256)]) expect(() => cmd.probeScript({ service: s })).toThrow('unsafe service name');
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
    for (const line of verify.split('\n').filter((l) => l.includes('echo'))) expect(line).not.toMatch(/echo "[a-z_]+=\$(newest|f)"/);
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

  test('parseKv: later keys win, lines without = are ignored, values keep inner =', async () => {
    expect(parseKv('a=1\nnoise\n=x\nb = 2 \na=3\nc=x=y\n')).toEqual({ a: '3', b: '2', c: 'x=y' });
  });
});
