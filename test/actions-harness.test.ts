/**
 * The runner-contract harness itself: its parsers follow the runner's rules, and runAction /
 * runCli give the child exactly the environment the runner / a shell would.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyMasks,
  escapeData,
  FileCommandFormatError,
  parseFileCommands,
  parseWorkflowCommands,
} from './harness/commands.js';
import { evaluateDefault, inputEnvName } from './harness/metadata.js';
import { createSandbox, runAction, runCli, stackTraceLines, type Sandbox } from './harness/runner.js';

describe('file commands (GITHUB_OUTPUT, GITHUB_STATE)', () => {
  test('name=value lines and the heredoc form, as @actions/core writes them', () => {
    const d = 'ghadelimiter_5b1c0e6a-0000-4000-8000-000000000000';
    const text = `simple=a=b<<c\nresult<<${d}\n{"ok":false}\nline two\n${d}\nempty<<${d}\n${d}\n`;
    expect(parseFileCommands(text)).toEqual({ simple: 'a=b<<c', result: '{"ok":false}\nline two', empty: '' });
  });

  test('CRLF line ends are accepted', () => {
    expect(parseFileCommands('a=1\r\nb<<EOF\r\nx\r\nEOF\r\n')).toEqual({ a: '1', b: 'x' });
  });

  test('a heredoc without its delimiter, or a line without = or <<, fails like the runner', () => {
    expect(() => parseFileCommands('a<<EOF\nvalue\n')).toThrow(FileCommandFormatError);
    expect(() => parseFileCommands('no separator\n')).toThrow(FileCommandFormatError);
    expect(() => parseFileCommands('=value\n')).toThrow(FileCommandFormatError);
  });
});

describe('workflow commands on stdout', () => {
  test('add-mask values are unescaped; annotations carry their properties', () => {
    const secret = 'line1\nline2 100%';
    const out = [
      `::add-mask::${escapeData(secret)}`,
      'plain line',
      '::error file=a%2Cb.ts,line=3,title=t%3Ax::boom%0Anext',
      '  ::warning::indented',
      '::notice::n',
    ].join('\n');
    const p = parseWorkflowCommands(out);
    expect(p.masks).toEqual([secret]);
    expect(p.annotations).toEqual([
      {
        level: 'error',
        message: 'boom\nnext',
        file: 'a,b.ts',
        line: 3,
        title: 't:x',
        properties: { file: 'a,b.ts', line: '3', title: 't:x' },
      },
      { level: 'warning', message: 'indented', properties: {} },
      { level: 'notice', message: 'n', properties: {} },
    ]);
  });

  test('stop-commands turns processing off until its token', () => {
    const p = parseWorkflowCommands(
      ['::stop-commands::tok', '::error::not a command', '::tok::', '::error::a command'].join('\n'),
    );
    expect(p.annotations.map((a) => a.message)).toEqual(['a command']);
    expect(p.visibleLog).toContain('::error::not a command');
  });

  test('unknown commands and text with :: are plain log lines', () => {
    const p = parseWorkflowCommands('::nope::x\nhttp://a::b\n::error');
    expect(p.commands).toEqual([]);
  });

  test('the deprecated stdout forms are reported separately', () => {
    const p = parseWorkflowCommands('::set-output name=result::{}\n::save-state name=s::v');
    expect(p.setOutput).toEqual({ result: '{}' });
    expect(p.saveState).toEqual({ s: 'v' });
  });

  test('masks apply to whole values and to each line of a multi-line value', () => {
    expect(applyMasks('a secretA b\nsecretB', ['secretA\nsecretB'])).toBe('a *** b\n***');
  });

  test('stack trace lines are found', () => {
    expect(stackTraceLines('Error: x\n    at f (file.js:1:2)\nok')).toEqual(['    at f (file.js:1:2)']);
  });
});

describe('runner conventions', () => {
  test('input names: uppercased, spaces to underscores, dashes kept', () => {
    expect(inputEnvName('state_root')).toBe('INPUT_STATE_ROOT');
    expect(inputEnvName('my input-name')).toBe('INPUT_MY_INPUT-NAME');
  });

  test('defaults: the expressions our action.yml files use; others are refused', () => {
    const ctx = { githubToken: 'tok', workspace: '/w', runnerTemp: '/t' };
    expect(evaluateDefault('${{ github.token }}', ctx)).toBe('tok');
    expect(evaluateDefault('${{runner.temp}}/x', ctx)).toBe('/t/x');
    expect(() => evaluateDefault('${{ secrets.X }}', ctx)).toThrow(/unsupported expression/);
  });
});

describe('runAction / runCli', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = createSandbox();
  });
  afterAll(() => sb.cleanup());

  test('the child gets the runner environment: defaults, given inputs, file commands, event, workspace', async () => {
    const r = await runAction({
      action: 'deploy',
      inputs: { context: 'oss-demo', apply: true, release_id: 'v1' },
      sandbox: sb,
      event: { name: 'push', payload: { ref: 'refs/heads/main' } },
      github: { repository: 'acme/shop', actor: 'alice', ref: 'refs/heads/main' },
      post: false,
    });
    const e = r.env;
    expect(e.INPUT_CONTEXT).toBe('oss-demo');
    expect(e.INPUT_APPLY).toBe('true');
    expect(e.INPUT_MODE).toBe('deploy');
    expect(e.INPUT_ROLLBACK_ON_FAILURE).toBe('true');
    expect(e.INPUT_CONFIG).toBe('paas.yml');
    expect(e.INPUT_GITHUB_TOKEN).toBe(r.githubToken);
    expect(e.INPUT_STATE_ROOT).toBeUndefined(); // no default: not passed at all
    expect(e).toMatchObject({
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REPOSITORY_OWNER: 'acme',
      GITHUB_ACTOR: 'alice',
      GITHUB_REF_NAME: 'main',
      GITHUB_WORKSPACE: sb.workspace,
      RUNNER_TEMP: sb.runnerTemp,
      HOME: sb.home,
    });
    for (const k of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'])
      expect(e[k]?.startsWith(join(sb.runnerTemp, '_runner_file_commands'))).toBe(true);
    expect(existsSync(e.GITHUB_EVENT_PATH as string)).toBe(true);
    expect(e.NODE_OPTIONS).toBeUndefined(); // jest's NODE_OPTIONS never reaches the action
    expect(r.runnerWarnings).toEqual([]);
    expect(Object.keys(r.outputs)).toEqual(expect.arrayContaining(['result', 'status', 'exit_code']));
    expect(r.post).toBeNull();
  });

  test("an undeclared input is passed with the runner's warning", async () => {
    const r = await runAction({
      action: 'doctor',
      inputs: { context: 'oss-demo', bogus: 'x' },
      sandbox: sb,
      post: false,
    });
    expect(r.env.INPUT_BOGUS).toBe('x');
    expect(r.runnerWarnings).toEqual([
      expect.stringMatching(/^Unexpected input\(s\) 'bogus', valid inputs are \['context', /),
    ]);
  });

  test('a NUL byte cannot be passed (no runner can)', async () => {
    await expect(runAction({ action: 'doctor', inputs: { context: 'a\0b' }, sandbox: sb })).rejects.toThrow(/NUL/);
  });

  test('runCli runs the bundled `paas` with a clean environment and a private HOME', async () => {
    const r = await runCli(['context', 'list', '--json'], { sandbox: sb, env: { PAAS_STATE_ROOT: sb.stateRoot } });
    expect(stackTraceLines(r.log)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.json).toMatchObject({ ok: true, command: 'context_list' });
  });
});
