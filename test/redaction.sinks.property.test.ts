/**
 * Issue #18, item 3: a property test over *transformations* of every registered form, through
 * every sink the process writes to, driven in-process through the real functions:
 *
 *   transformations: a form (exact, base64 at every alignment, base64url, hex, URL, JSON, lines,
 *   PEM body...) wrapped at any width (LF or CRLF, indented or not; hex as `od` prints it), or
 *   dumped (`xxd`, `hexdump -C`, `od -tx2`: offsets, grouped hex, ASCII column), chunk
 *   splits at random offsets and at every offset, shortening at every length (Redactor.clip, the
 *   one way text is shortened), and combinations of these;
 *
 *   sinks: the logger (stdout/stderr), remote output streamed through stream() into the log,
 *   the action's outputs (GITHUB_OUTPUT), job summary (GITHUB_STEP_SUMMARY) and annotations
 *   (`::error::` on stdout) written by emitOutcome(), the events file (EventLog), state.db
 *   (ScopedState), the alert issue bodies and the Slack payload (reconcileAlert, through its
 *   GitHub and fetch ports), and SARIF (toSarif, redacted as doctor writes it).
 *
 * Zero leaks: no 12-character piece of any form of any registered secret in any sink, as written
 * or with its whitespace (and JSON's \n, \r, \t escapes) removed. Fixed seed in CI (test/setup.ts);
 * PAAS_FUZZ_RANDOM=1 explores.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CLIP_MARK, Redactor, derivedForms } from '../lib/redaction/redactor.js';
import { isWrappable } from '../lib/redaction/wrapped.js';
import { streamLogger } from '../lib/runtime/logger.js';
import { ACTION_OUTPUTS, emitOutcome } from '../lib/entry/action.js';
import type { Runtime } from '../lib/runtime/runtime.js';
import { failure } from '../lib/output/outcome.js';
import { PaasError } from '../lib/output/errors.js';
import { EventLog } from '../lib/state/events.js';
import { StateDb } from '../lib/state/db.js';
import { reconcileAlert } from '../lib/ops/alerts/lifecycle.js';
import type { GitHubIssuesApi, Issue } from '../lib/ops/alerts/github-issues.js';
import { toSarif } from '../lib/ops/doctor/report.js';
import type { DoctorReport } from '../lib/ops/doctor/types.js';
import { cutAt, dsn, prng, randomChars, ALNUM } from './redaction/fixtures.js';

const PIECE = 12;
let dir = '';
let sshKey = '';
let sdb: StateDb;
let caseNo = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-sinks-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ci', '-f', join(dir, 'id')]);
  sshKey = readFileSync(join(dir, 'id'), 'utf8').trim();
  sdb = new StateDb(join(dir, 'state.db'));
});
afterAll(() => {
  sdb.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// transformations

interface Shape {
  /** index into the secret's derived forms */
  form: number;
  /** wrap width (null: not wrapped) */
  width: number | null;
  eol: '\n' | '\r\n';
  indent: '' | ' ' | '  ';
  /** hex as od prints it: byte pairs separated by spaces */
  od: boolean;
  /** the form's bytes as a dump tool prints them (offsets, grouped hex, ASCII column), after `shift` filler bytes */
  dump?: 'xxd' | 'hexdump -C' | 'od -tx2' | null;
  shift?: number;
  pre: string;
  post: string;
}

const ascii = (b: Buffer) => [...b].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');

/** `xxd`, `hexdump -C` and `od -tx2` output for bytes, written here as the tools print them (test/redaction.dumps.test.ts runs the tools). */
function dump(bytes: Buffer, tool: 'xxd' | 'hexdump -C' | 'od -tx2', eol: string): string {
  const lines: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const b = bytes.subarray(o, o + 16);
    const hex = [...b].map((c) => c.toString(16).padStart(2, '0'));
    if (tool === 'xxd') {
      const groups = (hex.join('').match(/.{1,4}/g) ?? []).join(' ');
      lines.push(`${o.toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${ascii(b)}`);
    } else if (tool === 'hexdump -C') {
      const area = `${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}`.trimEnd();
      lines.push(`${o.toString(16).padStart(8, '0')}  ${area.padEnd(48)}  |${ascii(b)}|`);
    } else {
      const words = (hex.length % 2 ? [...hex, '00'] : hex).join('').match(/..../g) ?? [];
      lines.push(`${o.toString(8).padStart(7, '0')} ${words.map((w) => w.slice(2) + w.slice(0, 2)).join(' ')}`);
    }
  }
  lines.push(bytes.length.toString(tool === 'od -tx2' ? 8 : 16).padStart(tool === 'od -tx2' ? 7 : 8, '0'));
  return lines.join(eol) + eol;
}

function wrapped(form: string, encoding: string, s: Shape): string {
  if (s.dump)
    return dump(
      Buffer.concat([
        Buffer.from('k='.repeat(8)).subarray(0, s.shift ?? 0),
        Buffer.from(form, 'utf8'),
        Buffer.from('\nnext line\n'),
      ]),
      s.dump,
      s.eol,
    );
  if (s.od && encoding === 'hex')
    return ' ' + (form.match(/.{1,2}/g) ?? []).join(' ').replace(/((?:\S\S ){16})/g, `$1${s.eol}`);
  if (s.width === null || !isWrappable(form, encoding)) return form;
  const re = new RegExp(`(.{${s.width}})`, 'g');
  return s.indent + form.replace(re, `$1${s.eol}${s.indent}`);
}

function render(secret: string, s: Shape): string {
  const forms = derivedForms(secret);
  const [encoding, form] = forms[s.form % forms.length] as [string, string];
  return `${s.pre}${wrapped(form, encoding, s)}${s.post}`;
}

// ---------------------------------------------------------------------------------------------
// sinks: each takes the redactor (secrets registered) and raw texts, returns what was written

const fakeGitHub = (issues: Issue[], written: string[]): GitHubIssuesApi => ({
  listOpenIssues: async () => issues.filter((i) => i.state === 'open'),
  getIssue: async (n) => issues.find((i) => i.number === n) ?? null,
  createIssue: async ({ title, body, labels }) => {
    written.push(title, body, ...(labels ?? []));
    const issue: Issue = {
      number: issues.length + 1,
      title,
      body,
      state: 'open',
      labels: labels ?? [],
      html_url: `https://github.example/o/r/issues/${issues.length + 1}`,
      created_at: new Date().toISOString(),
    };
    issues.push(issue);
    return issue;
  },
  createComment: async (_n, body) => void written.push(body),
  closeIssue: async () => undefined,
  updateBody: async (n, body) => {
    written.push(body);
    const i = issues.find((x) => x.number === n);
    if (i) i.body = body;
  },
  addLabels: async (_n, labels) => void written.push(...labels),
});

async function throughSinks(r: Redactor, texts: string[], cuts: number[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const ctx = `ctx-${++caseNo}`;
  const text = texts.join('\n');

  // logger (stdout/stderr of the CLI and the action)
  let log = '';
  const logger = streamLogger((l) => (log += l), r);
  for (const t of texts) logger.error(`step failed: ${t}`);
  out.logger = log;

  // remote output, streamed in chunks into the log line by line (as deploy's fleet does)
  const st = r.stream();
  const emit = (s: string) => {
    for (const line of s.split('\n')) if (line) logger.info(`[web1] ${line}`);
  };
  for (const c of cutAt(text, cuts)) emit(st.write(c));
  emit(st.end());
  out.remote = log.slice(out.logger.length);

  // shortened at every length, the way every bounded place shortens (Redactor.clip): each result is
  // a prefix of the redacted text (which is checked below) followed by the cut mark
  const whole = r.redact(text);
  // every length for short texts; for long ones (a whole key, wrapped) every 7th and around the ends
  const step = text.length <= 400 ? 1 : 7;
  const lengths = Array.from({ length: Math.ceil((text.length + 1) / step) }, (_, i) => 1 + i * step).concat([
    text.length - 1,
    text.length,
    text.length + 1,
  ]);
  for (const max of lengths) {
    const c = r.clip(text, max);
    if (c.length > max || !whole.startsWith(c.endsWith(CLIP_MARK) ? c.slice(0, -CLIP_MARK.length) : c))
      throw new Error(`clip(${max}) is not a prefix of the redacted text: ${JSON.stringify(c)}`);
  }
  out.clip = whole;

  // action outputs, job summary, annotations (emitOutcome through @actions/core)
  const ghOut = join(dir, `${ctx}.output`);
  const ghSum = join(dir, `${ctx}.summary`);
  writeFileSync(ghOut, '');
  writeFileSync(ghSum, '');
  const saved = { o: process.env.GITHUB_OUTPUT, s: process.env.GITHUB_STEP_SUMMARY };
  process.env.GITHUB_OUTPUT = ghOut;
  process.env.GITHUB_STEP_SUMMARY = ghSum;
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const rt = { redactor: r, logger, env: {}, cwd: dir, now: () => new Date(), inCI: true, inAction: true } as Runtime;
    const err = new PaasError(
      'PAAS_HEALTH_CHECK_FAILED',
      `health check of web1 failed: ${r.clip(texts[0] ?? '', 200)}`,
      { stage: 'health', target: 'web1', remediation: texts.at(-1) ?? '' },
    );
    const o = failure(r, 'deploy', 'oss-demo', 'apply', err, {
      release_id: texts[0],
      target_statuses: text,
      fanout_plan: texts,
    });
    o.summary = `Last log lines of web1:\n\n\`\`\`\n${text}\n\`\`\`\n`;
    await emitOutcome(rt, o, ACTION_OUTPUTS.deploy);
  } finally {
    process.stdout.write = write;
    process.exitCode = undefined;
    if (saved.o === undefined) delete process.env.GITHUB_OUTPUT;
    else process.env.GITHUB_OUTPUT = saved.o;
    if (saved.s === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved.s;
  }
  out.stdout = stdout;
  out.outputs = readFileSync(ghOut, 'utf8');
  out.summary = readFileSync(ghSum, 'utf8');

  // events file
  const evDir = join(dir, `${ctx}-events`);
  execFileSync('mkdir', ['-p', evDir]);
  const events = new EventLog(evDir, ctx, r);
  events.append('deploy.failed', text, { reason: texts[0], lines: texts });
  out.events = readdirSync(evDir)
    .map((f) => readFileSync(join(evDir, f), 'utf8'))
    .join('');

  // state.db (history and key/value)
  const state = sdb.forContext(ctx, r);
  state.record('deploy', { reason: text, lines: texts });
  state.set('last_error', { message: text });

  // alert issue bodies and the Slack payload (ops_daily), through their ports
  const issues: Issue[] = [];
  const written: string[] = [];
  const slack: string[] = [];
  await reconcileAlert(
    {
      context: ctx,
      overall: 'unhealthy',
      lines: texts,
      now: new Date(),
      remediation: [{ check: 'api', reason: 'status_500', text: texts[0] ?? '' }],
    },
    {
      state,
      redactor: r,
      logger,
      github: fakeGitHub(issues, written),
      slack: {
        webhookUrl: 'https://hooks.example.invalid/services/x',
        options: { attempts: 1, fetch: async (_u, init) => (slack.push(String(init.body)), new Response('ok')) },
      },
    },
  );
  out.issues = written.join('\n');
  out.slack = slack.join('\n');
  const rows = sdb.db
    .prepare('SELECT data AS v FROM history WHERE context = ? UNION ALL SELECT value AS v FROM kv WHERE context = ?')
    .all(ctx, ctx) as Array<{ v: string }>;
  out.stateDb = rows.map((x) => x.v).join('\n');

  // SARIF, redacted as doctor writes it (runDoctorOperation: redacted, toSarif, redacted)
  const report = {
    ok: false,
    root: dir,
    listing: 'walk',
    files: 1,
    bytes: 1,
    skipped: { binary: 0 },
    state_root: dir,
    contexts: 1,
    checks: [
      {
        name: 'repo_plaintext_secret_exposure',
        ok: false,
        detail: text,
        findings: texts.map((t, i) => ({
          check: 'repo_plaintext_secret_exposure',
          kind: 'registered_secret',
          severity: 'critical',
          file: `src/${i}.env`,
          line: i + 1,
          preview: t,
          fingerprint: `f${i}`,
        })),
      },
    ],
  } as unknown as DoctorReport;
  out.sarif = JSON.stringify(r.redactDeep(toSarif(r.redactDeep(report), { srcRoot: dir })), null, 2);
  return out;
}

const pieceCache = new Map<string, Set<string>>();

/** Every PIECE-character window of every form of the secret (PEM armor is public). */
function pieces(secret: string): Set<string> {
  let out = pieceCache.get(secret);
  if (out) return out;
  out = new Set<string>();
  for (const [, f] of derivedForms(secret)) {
    for (const part of f.split(/\r?\n|\r/)) {
      if (/^-----(BEGIN|END) /.test(part)) continue;
      for (let i = 0; i + PIECE <= part.length; i++) out.add(part.slice(i, i + PIECE));
    }
  }
  pieceCache.set(secret, out);
  return out;
}

function assertNoLeak(secrets: string[], sinks: Record<string, string>): void {
  const sets = secrets.map(pieces);
  for (const [sink, written] of Object.entries(sinks)) {
    for (const view of [written, written.replace(/\\[nrt]|\s/g, '')]) {
      for (let i = 0; i + PIECE <= view.length; i++) {
        const w = view.slice(i, i + PIECE);
        if (sets.some((set) => set.has(w)))
          throw new Error(`sink ${sink}: ${JSON.stringify(w)} of a registered secret was written`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

const secretArb = fc.oneof(
  fc
    .string({ unit: fc.constantFrom(...ALNUM.split('')), minLength: 12, maxLength: 48 })
    .filter((s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s)),
  fc
    .string({
      unit: fc.constantFrom(...(ALNUM + '!#$%&()+,-./:;<=>?@[]^_{|}~').split('')),
      minLength: 14,
      maxLength: 40,
    })
    .filter((s) => /[a-z]/.test(s) && /[A-Z0-9]/.test(s)),
  fc.nat().map((n) => dsn('postgres', 'app', randomChars(ALNUM, 20, prng(n + 1)))),
  fc.constant('ssh-key'),
);

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  form: fc.nat(),
  width: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null, freq: 3 }),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  indent: fc.constantFrom('' as const, ' ' as const, '  ' as const),
  od: fc.boolean(),
  dump: fc.constantFrom(null, null, null, 'xxd' as const, 'hexdump -C' as const, 'od -tx2' as const),
  shift: fc.nat({ max: 15 }),
  pre: fc.constantFrom('', 'hook: ', 'INFO deploy ', 'value=', '$ base64 key\n', '{"v":"'),
  post: fc.constantFrom('', '\n', ' done', '"}', '\nexit 1\n'),
});

describe('no registered form leaks through any sink, however it is transformed', () => {
  test('random secrets, forms, wrappings, chunk splits and every shortening, through every sink', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(secretArb, { minLength: 1, maxLength: 2 }),
        fc.array(fc.tuple(fc.nat(), shapeArb), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 10 }),
        async (raw, placed, cuts) => {
          const secrets = raw.map((s) => (s === 'ssh-key' ? sshKey : s));
          const r = new Redactor();
          for (const s of secrets) r.register(s);
          const texts = placed.map(([i, shape]) => render(secrets[i % secrets.length] as string, shape));
          assertNoLeak(secrets, await throughSinks(r, texts, cuts));
        },
      ),
      { numRuns: 60 },
    );
    // 60 runs through real writers (state.db, files, the action's outputs) take 20-60 s on a
    // shared machine; the default 60 s made random seeds time out there, not fail
  }, 240_000);

  test('the private key as base64 and hex, wrapped at every width 1..100 (LF and CRLF), through every sink', async () => {
    const r = new Redactor();
    r.register(sshKey, 'PAAS_SSH_KEY');
    const forms = derivedForms(sshKey);
    const b64 = forms.findIndex(([e, f]) => e === 'base64' && f === Buffer.from(sshKey).toString('base64'));
    const hex = forms.findIndex(([e]) => e === 'hex');
    const rnd = prng(5);
    for (let width = 1; width <= 100; width++) {
      const eol = width % 2 ? '\n' : '\r\n';
      const texts = [b64, hex].map((form) =>
        render(sshKey, { form, width, eol, indent: '', od: false, pre: '$ hook\n', post: '\n' }),
      );
      const cuts = Array.from({ length: 6 }, () => Math.floor(rnd() * 3000));
      assertNoLeak([sshKey], await throughSinks(r, texts, cuts));
    }
  });

  test('a wrapped secret split into two chunks at every offset, through the streamed log', () => {
    const secret = randomChars(ALNUM, 40, prng(77));
    const r = new Redactor();
    r.register(secret);
    for (const width of [1, 2, 3, 4, 5, 7, 13, 60, 64, 76]) {
      const text = `out:\n${render(secret, {
        form: 0,
        width,
        eol: '\r\n',
        indent: '',
        od: false,
        pre: '',
        post: '',
      }).replace(
        /^/,
        Buffer.from(`k=${secret}\n`)
          .toString('base64')
          .replace(new RegExp(`(.{${width}})`, 'g'), '$1\n'),
      )}\ndone\n`;
      const whole = r.redact(text);
      for (let at = 0; at <= text.length; at++) {
        const s = r.stream();
        const streamed = s.write(text.slice(0, at)) + s.write(text.slice(at)) + s.end();
        expect(streamed).toBe(whole);
        assertNoLeak([secret], { stream: streamed });
      }
    }
  });
});
