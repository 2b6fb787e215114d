/** lib/ops/deploy/artifact.ts: archive entry checks and symlink chains resolved over the whole tree (on the runner). */
import { describe, expect, test } from '@jest/globals';
import { entryEscape, treeEscape } from '../lib/ops/deploy/artifact.js';

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
    expect(
      treeEscape([F('bin/start'), L('current-bin', 'bin'), L('bin/s', 'start'), L('cfg/app', '../bin/start')]),
    ).toBeNull();
  });
});
