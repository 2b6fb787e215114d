#!/usr/bin/env node
/**
 * Streaming redaction throughput: paas-actions' Redactor.stream() against
 *   (a) the naive masker: every registered secret and each of its forms replaced in turn in every
 *       chunk (what the GitHub runner's masker does, per line),
 *   (b) a pass-through: chunks decoded to strings and encoded again, the floor for any text sink,
 * with 10, 100 and 1,000 registered secrets over ~50 MB of generated deploy logs holding a few
 * planted secrets (registered ones in several encodings, and unregistered tokens, DSNs, keys).
 *
 *   node_modules/.bin/node --expose-gc bench/redact.mjs [--mb 50] [--runs 7] [--naive-mb 2] [--chunk 65536] [--ref REV]...
 *
 * --chunk N: bytes per write() (remote output often arrives in much smaller chunks than 64 KiB).
 *
 * --ref REV (repeatable) races lib/redaction as it was at git revision REV too, in the same process
 * and interleaved slice by slice with the current one, so that a before/after comparison shares the
 * load of a shared machine.
 *
 * The redaction library is TypeScript; this script compiles lib/redaction with the repository's
 * tsc into a temporary directory first (about 2 s). The naive masker is measured on the first
 * --naive-mb megabytes only (at 1,000 secrets it runs at well under 1 MB/s); MB/s is comparable.
 * Results: docs/benchmarks.md, section "redaction".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { xorshift32 } from '../test/harness/prng.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REFS = args.flatMap((a, i) => (args[i - 1] === '--ref' ? [a] : []));
const TOTAL_MB = opt('mb', 50);
const RUNS = opt('runs', 7);
const NAIVE_MB = opt('naive-mb', 2);
const CHUNK = opt('chunk', 64 * 1024);

// --- compile the library (and the --ref versions) ---------------------------------------------
const out = mkdtempSync(join(tmpdir(), 'paas-redact-bench-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
function compile(srcDir, outDir) {
  execFileSync(
    join(root, 'node_modules/.bin/tsc'),
    [
      '--outDir',
      outDir,
      '--rootDir',
      srcDir,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'ES2023',
      '--lib',
      'ES2023',
      '--types',
      'node',
      '--typeRoots',
      join(root, 'node_modules/@types'),
      '--strict',
      '--skipLibCheck',
      '--declaration',
      'false',
      join(srcDir, 'redactor.ts'),
    ],
    { stdio: 'inherit', cwd: root },
  );
}
compile(join(root, 'lib/redaction'), join(out, 'current'));
const { Redactor, derivedForms, REDACTED } = await import(pathToFileURL(join(out, 'current', 'redactor.js')).href);
const refs = [];
for (const [i, ref] of REFS.entries()) {
  const src = join(out, `ref-${i}`);
  mkdirSync(src);
  execFileSync('sh', ['-c', `git -C "$1" archive "$2" lib/redaction | tar -x -C "$3"`, 'sh', root, ref, src]);
  compile(join(src, 'lib/redaction'), join(src, 'out'));
  refs.push({ ref, Redactor: (await import(pathToFileURL(join(src, 'out', 'redactor.js')).href)).Redactor });
}

// --- deterministic data ----------------------------------------------------------------------
const rnd = xorshift32(0x2545f491);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (n) => Math.floor(rnd() * n);
const chars = (alphabet, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
  return s;
};
const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PASSWORDISH = ALNUM + '!#%&*+-.:;=?@^_~';

/** Realistic-looking secrets: passwords, API tokens, hex keys, DSNs, a few multi-line keys. */
function makeSecrets(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 4) out.push(chars(PASSWORDISH, 12 + int(20)));
    else if (k < 6) out.push(chars(ALNUM, 32 + int(32)));
    else if (k < 8) out.push(chars(HEX, 32 + 32 * int(2)));
    else if (k === 8) out.push(`postgres://app_${i}:${chars(ALNUM, 16 + int(16))}@db-${i}.internal:5432/app`);
    else if (i % 100 === 9)
      out.push(
        [
          '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----',
          ...Array.from({ length: 6 }, () => chars(ALNUM + '+/', 70)),
          '-----END ' + 'OPENSSH PRIVATE KEY-----',
        ].join('\n'),
      );
    else out.push(chars(ALNUM + '-_', 40));
  }
  return out;
}

const WORDS =
  'the deploy release migration container image layer health check passed failed retry connection pool worker queue job started finished user request response cache hit miss timeout upstream server client'.split(
    ' ',
  );

function makeLog(targetChars, planted) {
  const lines = [];
  let n = 0;
  let t = 0;
  let next = Math.floor(targetChars / (planted.length + 1));
  let p = 0;
  while (n < targetChars) {
    t += int(900);
    const ts = new Date(1795000000000 + t).toISOString();
    let line;
    const k = rnd();
    if (n >= next && p < planted.length) {
      line = `${ts} [deploy] ${planted[p++]}`;
      next += Math.floor(targetChars / (planted.length + 1));
    } else if (k < 0.35)
      line = `${ts} [web-${int(4)}] INFO ${pick(['GET', 'POST', 'PUT', 'DELETE'])} /api/v1/${pick(WORDS)}/${int(100000)} ${pick([200, 200, 201, 204, 301, 404, 500])} ${int(900)}ms ua="Mozilla/5.0 (X11; Linux x86_64)" request_id=${chars(HEX, 16)}`;
    else if (k < 0.5)
      line = `{"time":"${ts}","level":"${pick(['info', 'debug', 'warn'])}","msg":"${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}","duration_ms":${int(5000)},"user_id":${int(1e6)},"host":"app-${int(20)}.internal"}`;
    else if (k < 0.6)
      line = `${chars(HEX, 12)}: ${pick(['Pulling fs layer', 'Waiting', 'Download complete', 'Pull complete', 'Verifying Checksum'])} sha256:${chars(HEX, 64)}`;
    else if (k < 0.7)
      line = `    at ${pick(WORDS)}${pick(['Handler', 'Service', 'Repo'])}.${pick(WORDS)} (/app/node_modules/${pick(WORDS)}/lib/index.js:${int(900)}:${int(80)})`;
    else if (k < 0.8)
      line = `Step ${int(12)}/12 : RUN apt-get install -y --no-install-recommends ${pick(WORDS)}-${pick(WORDS)} && rm -rf /var/lib/apt/lists/*`;
    else if (k < 0.9)
      line = `${ts} migrate: applied ${int(1e8)}_${pick(WORDS)}_${pick(WORDS)}.sql in ${int(900)} ms (checksum ${chars(HEX, 32)}) http://registry.internal:5000/v2/app/manifests/${chars(HEX, 7)}`;
    else
      line = `${ts} ${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ok=${int(100)} user=deploy email=ops@example.com`;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** Unregistered secrets the patterns must catch, assembled here (never literal in the repo). */
function patternPlants() {
  return [
    `token ${'gh' + 'p_'}${chars(ALNUM, 36)} used`,
    `AWS_ACCESS_KEY_ID=${'AK' + 'IA'}${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    `DATABASE_URL=${'postgres'}://svc:${chars(ALNUM, 20)}@10.0.0.5/app`,
    `curl -H "Authorization: Bearer ${chars(ALNUM, 40)}" https://api.internal/`,
    `client_secret=${chars(ALNUM, 24)} scope=read`,
  ];
}

// --- the contenders --------------------------------------------------------------------------
function passThrough(buf) {
  const dec = new StringDecoder('utf8');
  let bytes = 0;
  for (let o = 0; o < buf.length; o += CHUNK) bytes += Buffer.from(dec.write(buf.subarray(o, o + CHUNK))).length;
  return bytes + Buffer.from(dec.end()).length;
}

/** Our streaming redactor between the decoder and the encoder; `keep` collects the output. */
function ours(redactor, keep = null) {
  return (buf) => {
    const dec = new StringDecoder('utf8');
    const s = redactor.stream();
    let bytes = 0;
    const emit = (str) => {
      const b = Buffer.from(str);
      bytes += b.length;
      keep?.push(b);
    };
    for (let o = 0; o < buf.length; o += CHUNK) emit(s.write(dec.write(buf.subarray(o, o + CHUNK))));
    emit(s.end() + dec.end());
    return bytes;
  };
}

/** The runner's way: every form of every secret replaced in turn in each chunk. */
function naive(forms) {
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  return (buf) => {
    const dec = new StringDecoder('utf8');
    let bytes = 0;
    for (let o = 0; o < buf.length; o += CHUNK) {
      let s = dec.write(buf.subarray(o, o + CHUNK));
      for (const f of sorted) if (s.includes(f)) s = s.replaceAll(f, REDACTED);
      bytes += Buffer.from(s).length;
    }
    return bytes;
  };
}

/**
 * Measures the contenders on the same 256 KiB slices of input, interleaved slice by slice, RUNS
 * times; for each slice and contender the fastest of the runs is kept, and a contender's time is
 * the sum over slices. On a shared machine a slice of a few milliseconds often runs without being
 * preempted in at least one run, so this estimates the unloaded time, for every contender alike
 * (process CPU time does not help here: it is counted in scheduler ticks).
 */
const SLICE = 256 * 1024;

function race(contenders) {
  const longest = Math.max(...contenders.map(([, , buf]) => buf.length));
  const slices = Math.ceil(longest / SLICE);
  const best = contenders.map(() => new Float64Array(slices).fill(Infinity));
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < slices; k++) {
      contenders.forEach(([, fn, buf], i) => {
        if (k * SLICE >= buf.length) return;
        const slice = buf.subarray(k * SLICE, (k + 1) * SLICE);
        const t0 = performance.now();
        fn(slice);
        const ms = performance.now() - t0;
        if (ms < best[i][k]) best[i][k] = ms;
      });
    }
    globalThis.gc?.();
  }
  return contenders.map(([name, , buf], i) => ({
    name,
    mbps: buf.length / 1e6 / (best[i].reduce((a, b) => (Number.isFinite(b) ? a + b : a), 0) / 1000),
  }));
}

// --- run -------------------------------------------------------------------------------------
console.log(
  `node ${process.version}, ${TOTAL_MB} MB of logs, ${CHUNK} B chunks, fastest of ${RUNS} runs per 256 KiB slice, naive on the first ${NAIVE_MB} MB`,
);
const rows = [];
for (const n of [10, 100, 1000]) {
  const secrets = makeSecrets(n);
  const t0 = performance.now();
  const redactor = new Redactor();
  for (const s of secrets) redactor.register(s);
  const registerMs = performance.now() - t0;
  const forms = secrets.flatMap((s) => derivedForms(s).map(([, f]) => f));
  // plant a few registered secrets, in several encodings, plus unregistered pattern secrets
  const plantedSecrets = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => secrets[(i * 7919) % n]);
  const plants = [
    ...plantedSecrets.slice(0, 3).map((s) => `login with ${s.split('\n').at(-2) ?? s} ok`),
    ...plantedSecrets.slice(3, 5).map((s) => `header X-Auth: ${Buffer.from('u:' + s).toString('base64')}`),
    ...plantedSecrets.slice(5, 7).map((s) => `payload {"v":${JSON.stringify(s)}}`),
    ...plantedSecrets.slice(7, 9).map((s) => `query ?k=${encodeURIComponent(s)}&x=1`),
    ...patternPlants(),
  ];
  const text = makeLog(TOTAL_MB * 1e6, plants);
  const buf = Buffer.from(text, 'utf8');
  const naiveBuf = buf.subarray(0, Math.min(buf.length, NAIVE_MB * 1e6));

  const olds = refs.map(({ ref, Redactor: Old }) => {
    const r = new Old();
    for (const s of secrets) r.register(s);
    ours(r)(buf.subarray(0, 2e6));
    return [`ours@${ref}`, ours(r), buf];
  });
  ours(redactor)(buf.subarray(0, 2e6)); // warm up the JIT
  const [floor, mine, slow, ...before] = race([
    ['pass-through', passThrough, buf],
    ['ours', ours(redactor), buf],
    ['naive', naive(forms), naiveBuf],
    ...olds,
  ]);

  // sanity: nothing planted survives, and the only changes are the planted secrets
  const kept = [];
  ours(redactor, kept)(buf);
  const redacted = Buffer.concat(kept).toString('utf8');
  for (const s of plantedSecrets)
    for (const line of s.split('\n'))
      if (line.length >= 6 && redacted.includes(line)) throw new Error(`planted secret survived (${n} secrets)`);
  const masks = redacted.split(REDACTED).length - 1;

  rows.push({
    n,
    forms: forms.length,
    registerMs,
    floor: floor.mbps,
    ours: mine.mbps,
    naive: slow.mbps,
    masks,
    before,
  });
  for (const b of before)
    console.log(`      ${b.name}: ${b.mbps.toFixed(0)} MB/s (current: ${(mine.mbps / b.mbps).toFixed(2)}x)`);
  console.log(
    `${String(n).padStart(5)} secrets (${forms.length} forms, registered in ${registerMs.toFixed(0)} ms): ` +
      `pass-through ${floor.mbps.toFixed(0)} MB/s, ours ${mine.mbps.toFixed(0)} MB/s, naive ${slow.mbps.toFixed(2)} MB/s; ` +
      `ours/naive ${(mine.mbps / slow.mbps).toFixed(0)}x, pass-through/ours ${(floor.mbps / mine.mbps).toFixed(2)}x; ${masks} spans redacted`,
  );
}

const refCols = REFS.map((ref) => ` stream@${ref} MB/s |`).join('');
console.log(
  '\n| secrets | forms | pass-through MB/s | Redactor.stream() MB/s | naive loop MB/s | stream vs naive | stream time / pass-through time |' +
    refCols,
);
console.log('|---:|---:|---:|---:|---:|---:|---:|' + REFS.map(() => '---:|').join(''));
for (const r of rows) {
  console.log(
    `| ${r.n} | ${r.forms} | ${r.floor.toFixed(0)} | ${r.ours.toFixed(0)} | ${r.naive.toFixed(2)} | ${(r.ours / r.naive).toFixed(0)}x faster | ${(r.floor / r.ours).toFixed(2)}x |` +
      r.before.map((b) => ` ${b.mbps.toFixed(0)} |`).join(''),
  );
}
