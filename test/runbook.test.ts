/**
 * docs/runbook.md is executable (issue 17): every `paas ...` command in it parses with the CLI's own
 * parser (command and flags), and the read-only ones in its code blocks run against a local setup
 * (a context with its own vault file in a temporary state root, a local target running v1/v2, a
 * backup, a drill) and print the line the runbook says after `# expect:`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, rmrf, tempDir } from './helpers.js';
import { appYml, makeRelease, runOp } from './harness/deploy-app.js';
import { freePort, stopApps } from './harness/sshd.js';
import { EventLog } from '../lib/state/events.js';
import { Redactor } from '../lib/redaction/redactor.js';

const DOC = readFileSync(join(process.cwd(), 'docs', 'runbook.md'), 'utf8');

/** Shell-like words: whitespace-separated, single and double quotes group. */
export function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) out.push(cur);
  return out;
}

interface DocCommand {
  text: string;
  argv: string[];
  /** in a fenced code block (runnable), or an inline code span (parse only) */
  fenced: boolean;
  expect: string[];
}

function extract(doc: string): DocCommand[] {
  const out: DocCommand[] = [];
  let inFence = false;
  let last: DocCommand | null = null;
  for (const raw of doc.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inFence = !inFence;
      last = null;
      continue;
    }
    if (inFence) {
      if (line.startsWith('paas ')) {
        last = { text: line, argv: words(line).slice(1), fenced: true, expect: [] };
        out.push(last);
      } else if (line.startsWith('# expect:') && last) last.expect.push(line.slice('# expect:'.length).trim());
      continue;
    }
    for (const m of raw.matchAll(/`(paas [^`]+)`/g))
      out.push({ text: m[1] as string, argv: words(m[1] as string).slice(1), fenced: false, expect: [] });
  }
  return out;
}

const COMMANDS = extract(DOC);
const MUTATING = [
  'context create',
  'context remove',
  'context import',
  'context use',
  'backup create',
  'backup restore',
  'alert acknowledge',
];

function readOnly(c: DocCommand): boolean {
  const path = c.argv
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');
  if (c.argv.includes('--apply') || c.argv.includes('--tail') || c.argv.includes('--drill')) return false;
  if (MUTATING.some((m) => path.startsWith(m))) return false;
  if (path.startsWith('db bootstrap')) return c.argv.join(' ').includes('--mode dry_run');
  return true;
}

/** `# expect:` line as a whole-line pattern: `<...>` is one value. */
function pattern(expectLine: string): RegExp {
  const parts = expectLine.split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('\\S+')}$`);
}

describe('docs/runbook.md', () => {
  test('has the severity model, the five workflow steps, the seven playbooks and what never to do by hand', () => {
    for (const h of [
      '## Severity model',
      '### 1. Detect and classify',
      '### 2. Stabilise',
      '### 3. Diagnose',
      '### 4. Recover',
      '### 5. Post-incident',
      '## Never by hand',
    ])
      expect(DOC).toContain(h);
    for (const h of [
      'Deploy failure',
      'Blue/green cutover failure',
      'Trigger / signature failure',
      'Vault / secret guardrail failure',
      'Suspected secret exposure',
      'Database migration failure',
      'Monitoring gone silent',
    ])
      expect(DOC).toContain(`### ${h}`);
    expect(COMMANDS.filter((c) => c.fenced).length).toBeGreaterThan(20);
    expect(COMMANDS.filter((c) => c.expect.length).length).toBeGreaterThan(10);
    // the README links it
    expect(readFileSync(join(process.cwd(), 'README.md'), 'utf8')).toContain('(docs/runbook.md)');
  });

  test('every paas command in it parses: a known command, known flags', async () => {
    const bad: string[] = [];
    for (const c of COMMANDS) {
      const r = await cli([...c.argv, '--help']);
      if (r.code !== 0) bad.push(`${c.text}: ${r.stderr.trim().split('\n')[0]}`);
    }
    expect(bad).toEqual([]);
  });

  test('the parser check is not a rubber stamp: a wrong flag or command in the runbook would fail', async () => {
    expect((await cli(['deploy', 'reconcile', '--context', 'x', '--targte', 'web1', '--help'])).code).toBe(1);
    expect((await cli(['deploy', 'rollback', '--help'])).code).toBe(1);
    expect((await cli(['events', 'list', '--since', '24h', '--help'])).code).toBe(0);
  });

  describe('the read-only commands, run against a local setup', () => {
    let base = '';
    let root = '';
    let work = '';
    let key = '';
    const env = () => ({ PAAS_STATE_ROOT: root });

    beforeAll(async () => {
      base = tempDir('paas-runbook-');
      root = join(base, 'state');
      work = join(base, 'work');
      const target = join(base, 'target');
      const rels = join(base, 'rels');
      for (const d of [work, target, rels, join(work, 'build'), join(work, 'db', 'migrations')])
        mkdirSync(d, { recursive: true });
      const port = await freePort();
      writeFileSync(join(target, 'port'), `${port}\n`);
      writeFileSync(
        join(work, 'paas.yml'),
        appYml({
          http: true,
          port,
          strategy: 'serial',
          deadline: '5s',
          extra: 'ops:\n  checks:\n    - name: disk\n      target: { disk_max_pct: 100 }',
        }),
      );
      writeFileSync(join(work, 'db', 'migrations', '0001_init.sql'), 'create table notes (id bigint primary key);\n');
      for (const v of ['v1', 'v2']) makeRelease(rels, v);
      writeFileSync(join(work, 'build', 'web.tar.gz'), readFileSync(join(rels, 'v2.tar.gz')));
      key = randomBytes(32).toString('base64');
      const vault = join(base, 'vault-internal-dogfood.env');
      // a DSN (prod verify dry_run needs the name; nothing listens on it), assembled at run time
      const dsn = ['postgres', 'ql://app:', randomBytes(8).toString('hex'), '@127.0.0.1:9/app'].join('');
      writeFileSync(
        vault,
        `PAAS_TARGETS=web1=local:${target}\nPAAS_STATE_KEY=${key}\nPOSTGRES_DSN_PROD=${dsn}\nSLACK_WEBHOOK_URL=http://127.0.0.1:9/hook-${randomBytes(4).toString('hex')}\n`,
        { mode: 0o600 },
      );
      const c = await cli(
        [
          'context',
          'create',
          'internal-dogfood',
          '--vault-file',
          vault,
          '--events',
          'workflow_dispatch',
          '--branches',
          'main',
        ],
        env(),
        work,
      );
      expect(c.code).toBe(0);
      // v1 then v2 as the deploy workflow would (CI, workflow_dispatch on main)
      for (const v of ['v1', 'v2']) {
        const r = await runOp(
          'deploy',
          {
            context: 'internal-dogfood',
            state_root: root,
            app: 'web',
            artifact: join(rels, `${v}.tar.gz`),
            release_id: v,
            apply: 'true',
          },
          { cwd: work },
        );
        expect(r.outcome.envelope.error).toBeUndefined();
      }
      expect((await cli(['backup', 'create', '--context', 'internal-dogfood'], env(), work)).code).toBe(0);
      new EventLog(join(root, 'contexts', 'internal-dogfood', 'events'), 'internal-dogfood', new Redactor()).append(
        'rollback.drill',
        'rollback drill of web on web1: v2 -> v1 -> v2',
        { app: 'web', target: 'web1', mode: 'full' },
      );
    }, 120_000);
    afterAll(() => {
      stopApps(base);
      rmrf(base);
    });

    test('each runs with its documented arguments and prints the documented line', async () => {
      const runnable = COMMANDS.filter((c) => c.fenced && readOnly(c));
      expect(runnable.length).toBeGreaterThan(15);
      const problems: string[] = [];
      for (const c of runnable) {
        const r = await cli(c.argv, env(), work);
        const out = [...r.stdout.split('\n'), ...r.stderr.split('\n')].map((l) => l.trim());
        const err = /error (PAAS_[A-Z_]+)/.exec(r.stderr)?.[1];
        // the arguments as documented are accepted: no input error, no unknown context
        if (err === 'PAAS_INVALID_ARGUMENT' || err === 'PAAS_CONTEXT_UNRESOLVED')
          problems.push(`${c.text}: ${err} ${r.stderr.trim().split('\n')[0]}`);
        for (const e of c.expect) {
          if (!out.some((l) => pattern(e).test(l)))
            problems.push(
              `${c.text}: expected a line \`${e}\`, got:\n${out.filter((l) => /status=/.test(l)).join('\n')}`,
            );
        }
        if (r.stdout.includes(key) || r.stderr.includes(key)) problems.push(`${c.text}: printed a vault value`);
      }
      expect(problems).toEqual([]);
    }, 180_000);

    test('the readiness run the runbook ends with is ready on this setup', async () => {
      const r = await cli(['ops', 'readiness'], env(), work);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('ops_readiness status=ready contexts=1 checks=6 failed=0');
      expect(r.code).toBe(0);
    });
  });
});
