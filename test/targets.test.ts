/** lib/transport/targets.ts: PAAS_TARGETS parsing and selection. */
import { describe, expect, test } from '@jest/globals';
import { parseTargets, selectTargets } from '../lib/transport/targets.js';

describe('PAAS_TARGETS', () => {
  test('parses ssh and local targets with optional dirs; refuses bad ids, hosts, dirs', () => {
    const t = parseTargets(
      'web1=deploy@10.0.0.1:2222 web2=app.example\nweb3=root@[::1]:22/srv/x,local1=local:/tmp/paas-demo',
    );
    expect(t).toEqual([
      { kind: 'ssh', id: 'web1', user: 'deploy', host: '10.0.0.1', port: 2222, dir: undefined },
      { kind: 'ssh', id: 'web2', user: 'root', host: 'app.example', port: 22, dir: undefined },
      { kind: 'ssh', id: 'web3', user: 'root', host: '::1', port: 22, dir: '/srv/x' },
      { kind: 'local', id: 'local1', dir: '/tmp/paas-demo' },
    ]);
    for (const bad of [
      'we;b=h',
      'web=h;id',
      'web=$(id)',
      'web=h:99999',
      'web=h/srv/../etc',
      'web=local:relative',
      'a=h a=h',
      '',
      'web=us er@h',
    ]) {
      expect(() => parseTargets(bad)).toThrow(/PAAS_TARGETS/);
    }
    expect(selectTargets(t, 'web3,web1').map((x) => x.id)).toEqual(['web1', 'web3']);
    expect(() => selectTargets(t, 'web9')).toThrow(/unknown target web9/);
  });
});
