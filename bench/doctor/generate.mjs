// Generates a realistic source tree with planted secrets for bench/doctor/run.mjs.
// Bulk: real JavaScript/TypeScript/JSON/Markdown/YAML files copied from node_modules (what a
// repository's source looks like); interleaved: synthetic files in other languages (Python, Go,
// Terraform, shell, Dockerfile, INI, YAML, JSON, TS) carrying planted secrets, about 2 per MB.
// Every credential-like value is assembled at run time from fragments and a seeded generator.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { mulberry32 as rng } from '../../test/harness/prng.mjs';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function realFiles(nodeModules) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!/^(?:\.bin|secretlint|@secretlint|\.cache)$/.test(e.name)) walk(p);
      } else if (e.isFile() && /\.(?:js|mjs|cjs|ts|json|md|ya?ml)$/.test(e.name)) {
        const size = statSync(p).size;
        if (size > 512 && size < 256 * 1024) out.push(p);
      }
    }
  };
  walk(nodeModules);
  return out;
}

/**
 * Writes about `mb` megabytes below `root`; returns { files, bytes, planted: [{file, line, kind}] }.
 */
export function generateTree(root, mb, { seed = 1, nodeModules } = {}) {
  const r = rng(seed);
  const pick = (chars, n) => Array.from({ length: n }, () => chars[Math.floor(r() * chars.length)]).join('');
  const alnum = (n) => pick(ALNUM, n);
  const rsa = [0, 1, 2].map(() =>
    generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString()
      .trimEnd(),
  );
  const secrets = [
    ['github_token', () => ['gh', 'p_'].join('') + alnum(36)],
    ['aws_access_key_id', () => ['AK', 'IA'].join('') + pick(UPPER, 16)],
    [
      'slack_token',
      () => ['xo', 'xb-'].join('') + pick('0123456789', 12) + '-' + pick('0123456789', 13) + '-' + alnum(24),
    ],
    [
      'slack_webhook',
      () =>
        ['https://hooks.', 'slack.com/services/'].join('') +
        'T' +
        pick(UPPER, 10) +
        '/B' +
        pick(UPPER, 10) +
        '/' +
        alnum(24),
    ],
    ['stripe_key', () => ['sk', '_live_'].join('') + alnum(28)],
    ['gitlab_token', () => ['gl', 'pat-'].join('') + alnum(20)],
    ['npm_token', () => ['np', 'm_'].join('') + alnum(36)],
    ['sendgrid_key', () => ['S', 'G.'].join('') + alnum(22) + '.' + alnum(43)],
    ['openai_key', () => ['sk-', 'proj-'].join('') + alnum(74) + ['T3Blb', 'kFJ'].join('') + alnum(74)],
    ['anthropic_key', () => ['sk-', 'ant-', 'api03-'].join('') + alnum(93) + 'AA'],
    ['dsn_password', () => `postgres://app:${alnum(20)}@db-${alnum(4).toLowerCase()}.corp-internal.net:5432/app`],
    ['dsn_password', () => `mongodb://svc:${alnum(18)}@mongo.corp-internal.net:27017/orders`],
    ['basic_auth_url', () => `https://deploy:${alnum(20)}@git.corp-internal.net/org/repo.git`],
    ['private_key', () => rsa[Math.floor(r() * rsa.length)]],
    ['secret_named_key', () => alnum(32)],
  ];
  const templates = [
    [
      'py',
      (k, v) => [
        `import os`,
        ``,
        `def handler(event):`,
        `    return event`,
        ``,
        k === 'private_key'
          ? `KEY = """${v}"""`
          : k === 'secret_named_key'
            ? `api_secret = "${v}"`
            : `SETTING = "${v}"`,
        `print(handler({}))`,
      ],
    ],
    [
      'go',
      (k, v) => [
        `package config`,
        ``,
        `import "os"`,
        ``,
        k === 'secret_named_key'
          ? `var cfg = Config{Password: "${v}"}`
          : k === 'private_key'
            ? `const key = \`${v}\``
            : `const endpoint = "${v}"`,
        `var _ = os.Getenv("HOME")`,
      ],
    ],
    [
      'tf',
      (k, v) => [
        `resource "aws_db_instance" "main" {`,
        `  engine = "postgres"`,
        k === 'secret_named_key'
          ? `  password = "${v}"`
          : k === 'private_key'
            ? `  user_data = <<EOF\n${v}\nEOF`
            : `  tags = { url = "${v}" }`,
        `}`,
      ],
    ],
    [
      'sh',
      (k, v) => [
        `#!/usr/bin/env bash`,
        `set -euo pipefail`,
        k === 'secret_named_key'
          ? `export DEPLOY_TOKEN=${v}`
          : k === 'private_key'
            ? `cat > key.pem <<'EOF'\n${v}\nEOF`
            : `REMOTE="${v}"`,
        `echo done`,
      ],
    ],
    [
      'yaml',
      (k, v) => [
        `service:`,
        `  name: api`,
        k === 'secret_named_key'
          ? `  client_secret: ${v}`
          : k === 'private_key'
            ? `  key: |\n${v
                .split('\n')
                .map((l) => '    ' + l)
                .join('\n')}`
            : `  endpoint: ${v}`,
        `  replicas: 2`,
      ],
    ],
    [
      'json',
      (k, v) => [
        '{',
        `  "name": "svc",`,
        k === 'secret_named_key' ? `  "apiSecret": "${v}",` : `  "value": ${JSON.stringify(v)},`,
        `  "version": "1.0.0"`,
        '}',
      ],
    ],
    [
      'ts',
      (k, v) => [
        `export const settings = {`,
        k === 'secret_named_key' ? `  password: '${v}',` : k === 'private_key' ? `  key: \`${v}\`,` : `  url: '${v}',`,
        `};`,
      ],
    ],
    [
      'ini',
      (k, v) => [
        `[service]`,
        `host = api.internal`,
        k === 'secret_named_key' ? `secret_key = ${v}` : k === 'private_key' ? `; key below\n${v}` : `url = ${v}`,
      ],
    ],
  ];
  const reals = realFiles(nodeModules);
  const planted = [];
  let bytes = 0;
  let files = 0;
  let i = 0;
  let nextPlant = 0;
  const target = mb * 1024 * 1024;
  while (bytes < target) {
    if (bytes >= nextPlant) {
      const [kind, make] = secrets[Math.floor(r() * secrets.length)];
      const [ext, tpl] = templates[Math.floor(r() * templates.length)];
      const value = make();
      const lines = tpl(kind, value).join('\n').split('\n');
      const line = lines.findIndex((l) => l.includes(value.split('\n')[0])) + 1;
      const file = `services/svc${files % 97}/config/settings${files}.${ext}`;
      const text = lines.join('\n') + '\n';
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
      planted.push({ file, line, kind });
      bytes += text.length;
      files++;
      nextPlant += 512 * 1024;
      continue;
    }
    const src = reals[i % reals.length];
    const rel = relative(nodeModules, src);
    const file = `src/copy${Math.floor(i / reals.length)}/${rel}`;
    const data = readFileSync(src);
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), data);
    bytes += data.length;
    files++;
    i++;
  }
  return { files, bytes, planted };
}
