/**
 * Property: no registered secret reaches issue bodies, comments, Slack payloads, summaries, status
 * lines, the envelope, logs, events or alert records, whatever the secret looks like. Secrets
 * are generated (fast-check), put where a careless implementation would leak them: in the health
 * URL, in the failing endpoint's response body and headers, as the Slack webhook URL, as an
 * unrelated vault value, and as the GitHub token.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOpsDaily } from '../lib/ops/ops_daily/run.js';
import { Redactor } from '../lib/redaction/redactor.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { commonInputsSchema } from '../lib/runtime/inputs.js';
import type { Logger } from '../lib/runtime/logger.js';
import { guardStateRoot } from '../lib/isolation/state-root.js';
import { ContextStore } from '../lib/isolation/store.js';
import { startGitHubApi, type FakeGitHub } from './harness/github-api.js';
import { startSlackReceiver, type SlackReceiver } from './harness/slack.js';
import { opsFixture, type OpsFixture } from './ops-fixtures.js';

let gh: FakeGitHub;
let slack: SlackReceiver;
let leaky: Server;
let leakyUrl = '';
let currentSecret = '';
let healthy = false;
const fixtures: OpsFixture[] = [];

beforeAll(async () => {
  gh = await startGitHubApi();
  slack = await startSlackReceiver();
  // an endpoint that echoes the secret everywhere it can
  leaky = createServer((req, res) => {
    res.writeHead(healthy ? 200 : 500, {
      'x-debug-token': encodeURIComponent(currentSecret),
      'content-type': 'text/plain',
    });
    res.end(healthy ? 'ok' : `error: token ${currentSecret} rejected; url ${req.url}`);
  });
  await new Promise<void>((r) => leaky.listen(0, '127.0.0.1', r));
  const a = leaky.address();
  leakyUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/health`;
});
afterAll(async () => {
  fixtures.forEach((f) => f.cleanup());
  leaky.closeAllConnections();
  await new Promise<void>((r) => leaky.close(() => r()));
  await Promise.all([gh.close(), slack.close()]);
});

const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=!@$%^&*()[]{}:;,?'.split('');
const secretArb = fc.string({ unit: fc.constantFrom(...CHARS), minLength: 10, maxLength: 40 });

/** The forms a leak could take. */
function forms(s: string): string[] {
  return [
    s,
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
    Buffer.from(s).toString('base64'),
    Buffer.from(s).toString('base64url'),
  ];
}

function rawLogger(out: string[]): Logger {
  const push = (m: string) => {
    out.push(m);
  };
  return { info: push, warn: push, error: push, debug: push };
}

test('no registered secret appears in any sink', async () => {
  const f = await opsFixture({
    yaml: 'version: 1\nops:\n  checks:\n    - name: api\n      http: { url: API_URL, body_contains: ok }\n',
    vault: {},
  });
  fixtures.push(f);
  await fc.assert(
    fc.asyncProperty(secretArb, secretArb, async (s1, s2) => {
      fc.pre(s1 !== s2 && !/^[a-z]+$/.test(s1));
      currentSecret = s1;
      gh.reset();
      slack.reset();
      const apiUrl = `${leakyUrl}?key=${encodeURIComponent(s1)}&t=${s1.length}`;
      f.writeVault({ API_URL: apiUrl, SLACK_WEBHOOK_URL: slack.url, UNRELATED_SECRET: s2 });
      const sinks: string[] = [];
      for (const state of [false, true]) {
        healthy = state;
        const logs: string[] = [];
        const redactor = new Redactor();
        const rt: Runtime = {
          env: {
            GITHUB_API_URL: gh.url,
            GITHUB_REPOSITORY: gh.repository,
            GITHUB_TOKEN: gh.token,
            GITHUB_RUN_ID: '9',
            GITHUB_EVENT_NAME: 'schedule',
            PATH: process.env.PATH,
          },
          cwd: f.dir,
          redactor,
          logger: rawLogger(logs),
          now: () => new Date(),
          inCI: true,
          inAction: false,
        };
        const out = await runOpsDaily(
          rt,
          commonInputsSchema.parse({ context: f.context, state_root: f.stateRoot, config: f.config }),
          { mode: 'prod' },
        );
        sinks.push(...out.lines, JSON.stringify(out.envelope), out.summary ?? '', ...logs);
      }
      for (const i of gh.issues.values()) sinks.push(i.title, i.body, ...i.comments);
      sinks.push(JSON.stringify(slack.payloads));
      const eventsDir = join(f.stateRoot, 'contexts', f.context, 'events');
      for (const file of readdirSync(eventsDir)) sinks.push(readFileSync(join(eventsDir, file), 'utf8'));
      const st = new ContextStore(guardStateRoot(f.stateRoot, {})).openState(f.context, new Redactor());
      sinks.push(JSON.stringify(st.scoped.list()));
      st.close();
      expect(gh.issues.size).toBeGreaterThan(0);
      expect(slack.payloads.length).toBe(2);
      const all = sinks.join('\n');
      for (const secret of [s1, s2, apiUrl, slack.url, gh.token])
        for (const form of forms(secret)) expect(all.includes(form) ? form : null).toBeNull();
      expect(gh.violations).toEqual([]);
      expect(slack.violations).toEqual([]);
    }),
    { numRuns: 25 },
  );
});
