// A labelled corpus of a realistic monorepo for doctor's recall and precision
// (test/doctor-corpus.test.ts, bench/doctor/real.mjs): apps in four languages (TypeScript/Vue,
// Go, Python, Java/Kotlin) plus PHP and C#, Terraform with tfstate, Kubernetes manifests and a
// kubeconfig, Docker config, an Ansible inventory, redis.conf, appsettings.json, a GCP
// service-account JSON, JWTs, base64- and hex-"hidden" keys, paas state and vault files,
// backups; and, on every other line, the negatives a clean repository is full of (test
// passwords, documentation examples, bindings, identifiers, references, placeholders, published
// example keys, SealedSecret ciphertext, public keys, hashes).
//
// Nothing here is a credential: every value that looks like one is assembled at run time from
// fragments and a seeded generator (or generated: ssh-keygen, node:crypto), so this file stays
// clean under our own doctor and hosting providers' push protection.
//
// writeMonorepo(root, { seed }) writes the tree and returns its labels: one per planted secret
// (file, 1-based line, expected kind; line null for a file that is private state as a whole).
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mulberry32 as rng } from '../../test/harness/prng.mjs';

export { rng };

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '_-';
const j = (...parts) => parts.join('');
const b64 = (s) => Buffer.from(s).toString('base64');
const b64url = (s) => Buffer.from(s).toString('base64url');

/** One generated key pair per type per process (ssh-keygen is slow enough to matter in a test). */
const sshKeys = new Map();
function sshKey(type) {
  if (!sshKeys.has(type)) {
    const dir = mkdtempSync(join(tmpdir(), 'paas-corpus-key-'));
    try {
      const args = ['-q', '-t', type, '-N', '', '-C', 'deploy@ci', '-f', join(dir, 'k')];
      if (type === 'rsa') args.splice(3, 0, '-b', '2048');
      execFileSync('ssh-keygen', args, { stdio: 'ignore' });
      sshKeys.set(type, {
        priv: readFileSync(join(dir, 'k'), 'utf8'),
        pub: readFileSync(join(dir, 'k.pub'), 'utf8').trim(),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return sshKeys.get(type);
}

class Gen {
  constructor(seed) {
    this.r = rng(seed);
  }
  pick(chars, n) {
    let s = '';
    for (let i = 0; i < n; i++) s += chars[Math.floor(this.r() * chars.length)];
    return s;
  }
  alnum(n) {
    return this.pick(ALNUM, n);
  }
  hex(n) {
    return this.pick(HEX, n);
  }
  /** a password a person would choose for a service: letters, digits, a symbol */
  password() {
    return (
      this.pick(UPPER, 2) + this.pick(LOWER, 5) + this.pick(DIGITS, 3) + this.pick('!#%*+-_', 1) + this.pick(ALNUM, 5)
    );
  }
  jwt(payload) {
    const h = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const p = b64url(JSON.stringify(payload));
    const sig = createHmac('sha256', randomBytes(32)).update(`${h}.${p}`).digest('base64url');
    return `${h}.${p}.${sig}`;
  }
  // provider formats, by their own shape
  aws() {
    return j('AK', 'IA') + this.pick(UPPER.replace(/[AEIOU]/g, '') + '234567', 16);
  }
  awsTemp() {
    return j('AS', 'IA') + this.pick(UPPER + DIGITS, 16);
  }
  awsSecret() {
    return this.pick(B64, 40);
  }
  github(p = 'p') {
    return j('gh', p, '_') + this.alnum(36);
  }
  githubPat() {
    return j('github', '_pat_') + this.alnum(22) + '_' + this.alnum(59);
  }
  gitlab() {
    return j('gl', 'pat-') + this.pick(B64URL, 20);
  }
  slack(c = 'b') {
    return j('xo', 'x', c, '-') + this.pick(DIGITS, 11) + '-' + this.pick(DIGITS, 13) + '-' + this.alnum(24);
  }
  slackHook() {
    return (
      j('https://hooks.', 'slack.com/services/') +
      'T' +
      this.pick(UPPER + DIGITS, 8) +
      '/B' +
      this.pick(UPPER + DIGITS, 10) +
      '/' +
      this.alnum(24)
    );
  }
  stripe() {
    return j('sk', '_live_') + this.alnum(99).slice(0, 34);
  }
  stripeRestricted() {
    return j('rk', '_live_') + this.alnum(34);
  }
  twilio() {
    return j('S', 'K') + this.hex(32);
  }
  sendgrid() {
    return j('S', 'G.') + this.pick(B64URL, 22) + '.' + this.pick(B64URL, 43);
  }
  mailgun() {
    return j('ke', 'y-') + this.hex(32);
  }
  npm() {
    return j('np', 'm_') + this.alnum(36);
  }
  pypi() {
    return j('py', 'pi-', 'AgEIcHlwaS5vcmc') + this.pick(B64URL, 70);
  }
  google() {
    return j('AI', 'za') + 'Sy' + this.pick(B64URL, 33);
  }
  openai() {
    return j('sk-', 'proj-') + this.pick(B64URL, 58) + j('T3Blb', 'kFJ') + this.pick(B64URL, 58);
  }
  anthropic() {
    return j('sk-', 'ant-', 'api03-') + this.pick(B64URL, 93) + 'AA';
  }
  azureStorage() {
    return j('Account', 'Key=') + this.pick(B64, 86) + '==';
  }
  digitalocean() {
    return j('do', 'p_v1_') + this.hex(64);
  }
  heroku() {
    return j('HR', 'KU-') + this.pick(B64URL, 60);
  }
  shopify() {
    return j('sh', 'pat_') + this.hex(32);
  }
  atlassian() {
    return j('ATA', 'TT3') + this.pick(B64URL, 183) + '=' + this.pick(UPPER + DIGITS, 8);
  }
  databricks() {
    return j('da', 'pi') + this.hex(32);
  }
  vault() {
    return j('hv', 's.') + this.pick(B64URL, 94);
  }
  doppler() {
    return j('dp', '.pt.') + this.pick(LOWER + UPPER + DIGITS, 43);
  }
  linear() {
    return j('lin', '_api_') + this.alnum(40);
  }
  postman() {
    return j('PM', 'AK-') + this.hex(24) + '-' + this.hex(34);
  }
  square() {
    return j('EA', 'AA') + this.pick(B64URL, 60);
  }
  telegram() {
    return this.pick(DIGITS, 10) + ':' + j('A', 'A') + this.pick(B64URL, 33);
  }
  discordHook() {
    return j('https://discord', '.com/api/webhooks/') + this.pick(DIGITS, 18) + '/' + this.pick(B64URL, 68);
  }
  age() {
    return j('AGE-SECRET', '-KEY-1') + this.pick('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58);
  }
  newrelic() {
    return j('NR', 'AK-') + this.pick(UPPER + DIGITS, 27);
  }
  dockerhub() {
    return j('dckr', '_pat_') + this.pick(B64URL, 27);
  }
  sentry() {
    return j('sntr', 'ys_') + 'eyJ' + this.pick(B64URL, 80) + '_' + this.pick(B64URL, 43);
  }
  pem(kind) {
    if (kind === 'rsa')
      return generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
    if (kind === 'ec')
      return generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        privateKeyEncoding: { type: 'sec1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
    return generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
  }
}

/**
 * A file under construction: lines are added one by one; `secret(kind, text)` marks the line as
 * a planted secret, `neg(text)` as a deliberate negative, `line(text)` is plain filler.
 */
class FileBuilder {
  constructor(path) {
    this.path = path;
    this.lines = [];
    this.labels = [];
    this.negatives = 0;
  }
  line(...texts) {
    for (const t of texts) this.lines.push(...String(t).split('\n'));
    return this;
  }
  secret(kind, text) {
    this.labels.push({ file: this.path, line: this.lines.length + 1, kind });
    return this.line(text);
  }
  neg(text) {
    this.negatives++;
    return this.line(text);
  }
}

/** Writes the monorepo under root; returns { labels, negatives, files }. */
export function writeMonorepo(root, { seed = 1 } = {}) {
  const g = new Gen(seed);
  const files = [];
  const binary = [];
  const artifacts = [];
  const f = (path) => {
    const b = new FileBuilder(path);
    files.push(b);
    return b;
  };

  // ---- apps/api: TypeScript (Node) -----------------------------------------------------------
  f('apps/api/src/config.ts')
    .line("import { z } from 'zod';", '')
    .neg("export const jwtSecret = process.env.JWT_SECRET ?? '';")
    .neg('export const dbPassword = process.env.DB_PASSWORD;')
    .neg("export const SESSION_TOKEN_HEADER = 'x-session-token';")
    .neg("export const FOO_TOKEN_IDENTIFIER = 'confirmation-email';")
    .neg("export const resetPasswordLink = 'https://app.acme-corp.io/account/reset-password';")
    .neg('const passwordPolicy = { minLength: 12, requireDigit: true };')
    .secret('github_token', `const GITHUB_TOKEN = '${g.github('p')}';`)
    .secret('stripe_key', `export const stripe = new Stripe('${g.stripe()}', { apiVersion: '2024-06-20' });`)
    .secret('secret_named_key', `const internalApiToken: string = '${g.alnum(12)}${g.pick('-_', 1)}${g.alnum(20)}';`)
    .secret(
      'jwt',
      `const serviceJwt = '${g.jwt({ sub: 'svc-billing', iss: 'auth.acme-corp.io', iat: 1767225600, exp: 1893456000 })}';`,
    )
    .neg('const tokenizer = new Tokenizer({ lowercase: true });')
    .neg("const accessTokenLifetime = '15m';")
    .secret('openai_key', `const openai = new OpenAI({ apiKey: "${g.openai()}" });`)
    .secret('anthropic_key', `// fallback key used in the nightly job: ${g.anthropic()}`)
    .line('export default {};');
  f('apps/api/src/integrations/notify.ts')
    .line("import fetch from 'node-fetch';")
    .secret('slack_webhook', `const HOOKS = ['${g.slackHook()}'];`)
    .secret('discord_webhook', `await fetch("${g.discordHook()}", { method: 'POST' });`)
    .secret('telegram_bot_token', `const url = \`https://api.telegram.org/bot${g.telegram()}/sendMessage\`;`)
    .secret('sendgrid_key', `sgMail.setApiKey('${g.sendgrid()}');`)
    .secret('twilio_key', `const twilio = Twilio('${g.twilio()}', process.env.TWILIO_SECRET);`)
    .neg('const twilioSid = process.env.TWILIO_ACCOUNT_SID;')
    .neg(`const commit = '${g.hex(40)}';`)
    .neg(`const requestId = '${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${g.hex(12)}';`);
  f('apps/api/test/e2e/account.e2e-spec.ts')
    .line("import { test } from '@playwright/test';")
    .neg("const oldPassword = 'Test123!';")
    .neg("const newPassword = 'NewPassw0rd!';")
    .neg("await page.fill('#password', 'hunter2hunter2');")
    .neg("const token = 'test-token';")
    .neg("const apiKey = 'fake-api-key-for-tests';")
    .line('test.describe("account", () => {});');
  f('apps/api/test/fixtures/users.json').neg('{ "email": "ada@example.com", "password": "correct-horse-battery" }');
  f('apps/api/.env.example')
    .neg('DATABASE_URL=postgres://app:app@localhost:5432/app')
    .neg('JWT_SECRET=changeme')
    .neg('STRIPE_SECRET_KEY=sk_live_...')
    .neg('SENTRY_DSN=');
  f('apps/api/.npmrc')
    .line('registry=https://registry.npmjs.org/')
    .secret('npm_token', `//registry.npmjs.org/:_authToken=${g.npm()}`);

  // ---- apps/web: Vue --------------------------------------------------------------------------
  f('apps/web/src/components/Checkout.vue')
    .line('<template>')
    .neg('  <PaymentForm :token="props.token" :api-key="config.apiKey" />')
    .neg('  <input type="password" v-model="password" placeholder="Password" />')
    .line('</template>', '<script setup lang="ts">')
    .secret('google_api_key', `const mapsKey = "${g.google()}";`)
    .neg('const publishableKey = import.meta.env.VITE_STRIPE_PUBLISHABLE_KEY;')
    .line('</script>');

  // ---- apps/billing: Go -------------------------------------------------------------------------
  f('apps/billing/internal/config/config.go')
    .line('package config', '')
    .secret('secret_named_key', `var dbPassword string = "${g.password()}"`)
    .secret('aws_access_key_id', `const awsKeyID = "${g.aws()}"`)
    .secret('secret_named_key', `const awsSecretAccessKey = "${g.awsSecret()}"`)
    .neg('var ErrInvalidToken = errors.New("invalid token")')
    .neg('const tokenHeader = "Authorization"')
    .neg('password := os.Getenv("DB_PASSWORD")')
    .neg(`var docsExampleKey = "${j('AK', 'IA')}IOSFODNN7EXAMPLE" // from the AWS docs`)
    .secret(
      'dsn_password',
      `dsn := "postgres://billing:${g.password().replace(/[#%+]/g, 'x')}@db-primary.internal.acme:5432/billing?sslmode=require"`,
    )
    .line('func Load() {}');
  f('apps/billing/internal/store/mongo.go')
    .line('package store')
    .secret(
      'dsn_password',
      `const mongoURI = "${j('mongodb', '+srv://')}billing:${g.alnum(18)}@cluster0.ab1cd.mongodb.net/billing"`,
    )
    .secret('dsn_password', `// cache: ${j('red', 'is://')}:${g.alnum(24)}@cache.internal.acme:6379/0`)
    .neg('// see https://www.mongodb.com/docs/manual/reference/connection-string/ : mongodb://user:pass@host');
  f('apps/billing/Makefile')
    .line('GO ?= go')
    .secret('secret_named_key', `REGISTRY_PASSWORD ?= ${g.password().replace(/[#]/g, 'x')}`)
    .secret('secret_named_key', `DEPLOY_TOKEN ::= ${g.alnum(32)}`)
    .neg('API_TOKEN ?= $(shell cat .token)')
    .secret('curl_basic_auth', `\tcurl -u deploy:${g.alnum(20)} https://nexus.acme-corp.io/repository/releases/`)
    .neg('\tcurl -u "$$NEXUS_USER:$$NEXUS_PASSWORD" https://nexus.acme-corp.io/');

  // ---- apps/worker: Python ----------------------------------------------------------------------
  f('apps/worker/worker/settings.py')
    .line('import os', '')
    .secret('secret_named_key', `SECRET_KEY = "${g.alnum(20)}!${g.alnum(20)}@${g.alnum(8)}"`)
    .neg('DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]')
    .neg('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]')
    .secret('dsn_password', `BROKER_URL = "${j('am', 'qp://')}worker:${g.alnum(16)}@rabbit.internal.acme:5672/prod"`)
    .secret('dsn_password', `MYSQL_URL = "${j('my', 'sql://')}reports:${g.alnum(14)}@mysql.internal.acme/reports"`)
    .secret('gitlab_token', `GITLAB = {"url": "https://gitlab.acme-corp.io", "private_token": "${g.gitlab()}"}`)
    .secret('huggingface_token', `# HF: ${j('h', 'f_')}${g.pick(UPPER + LOWER, 34)}`)
    .neg('AUTH_PASSWORD_VALIDATORS = []')
    .neg('token = request.headers.get("X-Token")');
  f('apps/worker/tests/test_auth.py')
    .neg('PASSWORD = "s3cret-for-tests"')
    .neg('def test_login(client): client.login(username="ada", password="pw")');
  f('apps/worker/requirements.txt').line('django==5.1', 'celery[redis]==5.4');

  // ---- apps/admin: Java / Kotlin ----------------------------------------------------------------
  f('apps/admin/src/main/java/com/acme/admin/Mail.java')
    .line('package com.acme.admin;', 'public class Mail {')
    .secret('secret_named_key', `  static { System.setProperty("mail.smtp.password", "${g.password()}"); }`)
    .secret('mailgun_key', `  private static final String MG = "${g.mailgun()}";`)
    .neg('  private static final String PASSWORD_FIELD = "password";')
    .neg('  private String passwordResetTemplate = "reset-password.html";')
    .line('}');
  f('apps/admin/src/main/resources/application.properties')
    .line('spring.application.name=admin')
    .secret('secret_named_key', `spring.datasource.password=${g.password()}`)
    .neg('spring.datasource.username=admin')
    .neg('spring.mail.password=${MAIL_PASSWORD}')
    .secret('dsn_password', `spring.redis.url=${j('redi', 's://')}default:${g.alnum(22)}@redis.internal.acme:6379`);
  f('apps/admin/build.gradle.kts')
    .line('plugins { java }')
    .secret('secret_named_key', `val signingPassword: String = "${g.password()}"`)
    .neg('val nexusPassword: String by project');
  f('apps/admin/settings.xml')
    .line('<settings><servers><server>', '  <id>acme-releases</id>', '  <username>deploy</username>')
    .secret('secret_named_key', `  <password>${g.password()}</password>`)
    .line('</server></servers></settings>');

  // ---- legacy: PHP and .NET ---------------------------------------------------------------------
  f('legacy/shop/config.php')
    .line('<?php')
    .secret('secret_named_key', `define('DB_PASSWORD', '${g.password()}');`)
    .neg("define('DB_USER', 'shop');")
    .secret('secret_named_key', `$smtpPassword .= '${g.alnum(18)}';`)
    .neg("$password = $_POST['password'];");
  f('legacy/portal/Web.config')
    .line('<configuration>', '  <appSettings>')
    .secret('secret_named_key', `    <add key="SmtpPassword" value="${g.password()}" />`)
    .neg('    <add key="PasswordResetUrl" value="https://portal.acme-corp.io/reset" />')
    .line('  </appSettings>', '</configuration>');
  f('legacy/portal/appsettings.json')
    .line('{', '  "ConnectionStrings": {')
    .secret(
      'secret_named_key',
      `    "Default": "Server=tcp:acme-sql.database.windows.net,1433;Initial Catalog=portal;User ID=portal;Password=${g.password().replace(/[;#]/g, 'x')};Encrypt=True;",`,
    )
    .secret(
      'azure_storage_key',
      `    "Blobs": "DefaultEndpointsProtocol=https;AccountName=acmeportal;${g.azureStorage()};EndpointSuffix=core.windows.net"`,
    )
    .line('  },')
    .neg('  "Jwt": { "Issuer": "portal", "TokenLifetimeMinutes": 30 },')
    .neg(
      `  "Emulator": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;${j('Account', 'Key=')}Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"`,
    )
    .line('}');
  f('legacy/portal/appsettings.Development.json').neg(
    '{ "ConnectionStrings": { "Default": "Server=(localdb)\\\\mssqllocaldb;Database=portal;Trusted_Connection=True;" } }',
  );

  // ---- infrastructure: Terraform --------------------------------------------------------------------
  f('infra/terraform/main.tf')
    .line('provider "aws" {', '  region = "eu-west-1"')
    .secret('aws_access_key_id', `  access_key = "${g.aws()}"`)
    .secret('secret_named_key', `  secret_key = "${g.awsSecret()}"`)
    .line('}', 'resource "aws_db_instance" "main" {')
    .neg('  password = var.db_password')
    .neg('  manage_master_user_password = true')
    .line('}');
  f('infra/terraform/variables.tf').neg('variable "db_password" {\n  type      = string\n  sensitive = true\n}');
  const tfstate = JSON.stringify(
    {
      version: 4,
      terraform_version: '1.9.5',
      serial: 12,
      lineage: `${g.hex(8)}-${g.hex(4)}`,
      outputs: {},
      resources: [
        {
          mode: 'managed',
          type: 'aws_db_instance',
          name: 'main',
          instances: [{ attributes: { password: g.password(), username: 'app' } }],
        },
      ],
    },
    null,
    2,
  );
  f('infra/terraform/terraform.tfstate').line(tfstate);
  artifacts.push({ file: 'infra/terraform/terraform.tfstate', line: null, kind: 'terraform_state' });
  f('infra/terraform/prod.tfvars')
    .secret('secret_named_key', `db_password = "${g.password()}"`)
    .secret('digitalocean_token', `do_token    = "${g.digitalocean()}"`)
    .neg('instance_type = "t3.medium"');

  // ---- infrastructure: Kubernetes -------------------------------------------------------------------
  const kcKey = g.pem('ec').privateKey;
  f('infra/k8s/kubeconfig-prod.yaml')
    .line(
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- cluster:',
      `    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nMIIB' + g.pick(B64, 200) + '\n-----END CERTIFICATE-----\n')}`,
      '    server: https://10.20.0.1:6443',
      '  name: prod',
      'users:',
      '- name: admin',
      '  user:',
      `    client-certificate-data: ${b64('-----BEGIN CERTIFICATE-----\nMIIC' + g.pick(B64, 200) + '\n-----END CERTIFICATE-----\n')}`,
    )
    .secret('encoded_secret', `    client-key-data: ${b64(kcKey)}`)
    .line('- name: ci', '  user:')
    .secret('secret_named_key', `    token: ${g.pick(LOWER + DIGITS, 6)}.${g.pick(LOWER + DIGITS, 16)}`);
  f('infra/k8s/api-secret.yaml')
    .line('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: api', 'type: Opaque', 'data:')
    .secret('k8s_secret_value', `  DB_PASSWORD: ${b64(g.password())}`)
    .line('stringData:')
    .secret('k8s_secret_value', `  SENTRY_AUTH: ${g.alnum(40)}`);
  f('infra/k8s/sealed-api.yaml')
    .line(
      'apiVersion: bitnami.com/v1alpha1',
      'kind: SealedSecret',
      'metadata:',
      '  name: api',
      'spec:',
      '  encryptedData:',
    )
    .neg(`    DB_PASSWORD: AgB${g.pick(B64, 340)}==`)
    .neg(`    API_TOKEN: AgC${g.pick(B64, 340)}=`);
  f('infra/k8s/deployment.yaml')
    .line(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: api',
      '          env:',
      '            - name: DB_PASSWORD',
      '              valueFrom:',
      '                secretKeyRef:',
    )
    .neg('                  name: api')
    .neg('                  key: DB_PASSWORD')
    .secret('secret_named_key', `            - { name: WEBHOOK_SECRET, value: "${g.alnum(32)}" }`);
  f('infra/k8s/values-prod.yaml')
    .line('image:', '  tag: 1.4.2', 'config:')
    .secret('encoded_secret', `  deployKeyB64: ${b64(sshKey('ed25519').priv)}`)
    .secret('encoded_secret', `  bootstrap: ${Buffer.from(g.github('s')).toString('hex')}`)
    .secret(
      'encoded_secret',
      `  databaseUrlEncoded: ${b64(`postgresql://app:${g.alnum(20)}@pg.internal.acme:5432/app`)}`,
    )
    .neg(`  checksum: ${g.hex(64)}`)
    .neg(
      `  caBundle: ${b64('-----BEGIN CERTIFICATE-----\nMIIB' + g.pick(B64, 120) + '\n-----END CERTIFICATE-----\n')}`,
    );

  // ---- Docker -------------------------------------------------------------------------------------
  f('deploy/docker/config.json')
    .line('{', '  "auths": {', '    "registry.acme-corp.io": {')
    .secret('docker_auth', `      "auth": "${b64(`ci-bot:${g.password()}`)}"`)
    .line('    }', '  }', '}');
  f('docker-compose.yml')
    .line('services:', '  minio:', '    image: minio/minio', '    environment:', '      MINIO_ROOT_USER: minioadmin')
    .neg('      MINIO_ROOT_PASSWORD: minioadmin')
    .line('  db:', '    image: postgres:16', '    environment:')
    .neg('      POSTGRES_PASSWORD: postgres')
    .neg('      POSTGRES_PASSWORD_FILE: /run/secrets/pg')
    .line('  rabbit:', '    environment:')
    .neg('      RABBITMQ_DEFAULT_PASS: guest')
    .secret('secret_named_key', `      GRAFANA_ADMIN_PASSWORD: "${g.password()}"`);
  f('deploy/docker/Dockerfile')
    .line('FROM node:24-slim')
    .secret('secret_named_key', `ENV NPM_TOKEN=${g.alnum(36)}`)
    .neg('ARG GITHUB_TOKEN')
    .neg('RUN --mount=type=secret,id=npm_token cat /run/secrets/npm_token');

  // ---- Ansible --------------------------------------------------------------------------------------
  f('ops/ansible/inventory.ini')
    .line('[web]')
    .secret(
      'ansible_password',
      `web1.internal.acme ansible_host=10.0.1.11 ansible_user=deploy ansible_ssh_pass=${g.password().replace(/[#]/g, 'x')}`,
    )
    .secret(
      'ansible_password',
      `web2.internal.acme ansible_host=10.0.1.12 ansible_password=${g.alnum(16)} ansible_port=22`,
    )
    .neg('web3.internal.acme ansible_host=10.0.1.13 ansible_ssh_private_key_file=~/.ssh/deploy');
  f('ops/ansible/group_vars/db.yml')
    .secret('ansible_password', `ansible_become_pass: "${g.password()}"`)
    .neg('postgres_password: "{{ vault_postgres_password }}"')
    .neg("ansible_ssh_pass: \"{{ lookup('env', 'SSH_PASS') }}\"");
  f('ops/ansible/group_vars/vault.yml').neg('$ANSIBLE_VAULT;1.1;AES256').neg(g.hex(80)).line(g.hex(80));

  // ---- redis, nginx, misc config ---------------------------------------------------------------------
  f('ops/redis/redis.conf')
    .line('bind 127.0.0.1', 'port 6379')
    .secret('redis_password', `requirepass ${g.alnum(28)}`)
    .neg('# requirepass foobared')
    .secret('redis_password', `masterauth ${g.alnum(28)}`);
  f('ops/nginx/.htpasswd').secret('htpasswd_entry', `admin:$apr1$${g.pick(ALNUM, 8)}$${g.pick(ALNUM + './', 22)}`);
  f('ops/pypi/.pypirc').line('[pypi]', 'username = __token__').secret('pypi_token', `password = ${g.pypi()}`);
  f('ops/ci/.netrc').secret('secret_named_key', `machine api.acme-corp.io login ci password ${g.alnum(24)}`);
  f('ops/ci/release.sh')
    .line('#!/usr/bin/env bash', 'set -euo pipefail')
    .secret('secret_named_key', `export RELEASE_TOKEN="${g.alnum(40)}"`)
    .neg('export GITHUB_TOKEN="${GITHUB_TOKEN:?missing}"')
    .secret('docker_token', `echo "${g.dockerhub()}" | docker login -u acmeci --password-stdin`)
    .neg('curl -H "Authorization: Bearer $TOKEN" https://api.acme-corp.io/v1/releases');
  f('ops/ci/tokens.txt')
    .secret('gitlab_token', g.gitlab())
    .secret('vault_token', g.vault())
    .secret('doppler_token', g.doppler())
    .secret('linear_key', g.linear())
    .secret('postman_key', g.postman())
    .secret('atlassian_token', g.atlassian())
    .secret('databricks_token', g.databricks())
    .secret('heroku_key', g.heroku())
    .secret('shopify_token', g.shopify())
    .secret('square_token', g.square())
    .secret('newrelic_key', g.newrelic())
    .secret('age_secret_key', g.age())
    .secret('github_token', g.githubPat())
    .secret('github_token', g.github('o'))
    .secret('github_token', g.github('u'))
    .secret('github_token', g.github('r'))
    .secret('aws_access_key_id', g.awsTemp())
    .secret('stripe_key', g.stripeRestricted())
    .secret('slack_token', g.slack('b'))
    .secret('slack_token', g.slack('p'))
    .secret('sentry_token', g.sentry());
  f('ops/ci/settings.toml')
    .line('[deploy]')
    .secret('secret_named_key', `api_key = "${g.alnum(32)}"`)
    .neg('api_key_env = "DEPLOY_API_KEY"')
    .line('[upload]')
    .secret('secret_named_key', `password = '${g.password()}'`);
  f('ops/ci/legacy.ini')
    .line('[smtp]', 'host = smtp.acme-corp.io')
    .secret('secret_named_key', `password = ${g.password().replace(/[#;]/g, 'x')}`)
    .neg('password_reset_ttl = 3600');

  // ---- GCP service account, JWTs ------------------------------------------------------------------
  const sa = g.pem('pkcs8').privateKey;
  const saJson = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'acme-prod',
      private_key_id: g.hex(40),
      private_key: sa,
      client_email: 'deployer@acme-prod.iam.gserviceaccount.com',
      client_id: g.pick(DIGITS, 21),
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    null,
    2,
  ).split('\n');
  const saFile = f('infra/gcp/deployer-sa.json');
  for (const l of saJson) {
    if (l.includes('"private_key"')) saFile.secret('private_key', l);
    else saFile.line(l);
  }
  f('apps/api/src/clients/partner.ts')
    .secret(
      'jwt',
      `headers: { Authorization: 'Bearer ${g.jwt({ sub: 'partner-42', scope: 'orders:write', iat: 1767225600 })}' },`,
    )
    .neg(
      `// docs example: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`,
    );

  // ---- private keys in every form ---------------------------------------------------------------------
  const ed = sshKey('ed25519');
  const rsa = sshKey('rsa');
  const ecdsa = sshKey('ecdsa');
  const key = (path, text) => {
    const lines = text.trim().split('\n');
    const b = f(path).secret('private_key', lines[0]);
    for (const l of lines.slice(1)) b.line(l);
  };
  key('deploy/keys/deploy_ed25519', ed.priv);
  key('deploy/keys/ci-runner.key.txt', rsa.priv);
  key('infra/bastion/host_ecdsa', ecdsa.priv);
  f('deploy/keys/deploy_ed25519.pub').neg(ed.pub);
  const pkcs1 = g.pem('rsa');
  key('apps/api/certs/tls-rsa.pem', pkcs1.privateKey);
  f('apps/api/certs/tls-rsa.pub.pem')
    .neg(pkcs1.publicKey.trim().split('\n')[0])
    .line(...pkcs1.publicKey.trim().split('\n').slice(1));
  key('apps/billing/certs/signing-ec', g.pem('ec').privateKey);
  key('apps/worker/keys/jwt-signing.txt', g.pem('pkcs8').privateKey);
  f('apps/api/src/keys.ts')
    .line('// the signing key, inlined for the edge runtime')
    .secret('private_key', `export const SIGNING_KEY = \`${ecdsa.priv.trim().split('\n')[0]}`)
    .line(...ecdsa.priv.trim().split('\n').slice(1), '`;');
  f('docs/setup/ssh.md')
    .line('# SSH setup', '', 'Your key looks like this:', '```')
    .neg('-----BEGIN OPENSSH PRIVATE KEY-----')
    .line('b3BlbnNzaC1rZXktdjEAAAAA...', '-----END OPENSSH PRIVATE KEY-----', '```');
  f('ops/putty/admin.ppk')
    .secret('private_key', 'PuTTY-User-Key-File-3: ssh-ed25519')
    .line(
      'Encryption: none',
      'Comment: admin@acme',
      'Public-Lines: 2',
      g.pick(B64, 64),
      g.pick(B64, 20),
      'Private-Lines: 1',
      g.pick(B64, 44),
      `Private-MAC: ${g.hex(64)}`,
    );

  // ---- paas state and vault files -----------------------------------------------------------------------
  const vault = (path, extra = []) => {
    const b = f(path)
      .secret('paas_vault_value', `PAAS_TARGETS=web1=deploy@10.0.1.11:22 web2=deploy@10.0.1.12:22`)
      .secret('paas_vault_value', `PAAS_STATE_KEY=${g.pick(B64, 43)}=`)
      .secret('paas_vault_value', `PAAS_WEBHOOK_SECRET=${g.alnum(40)}`);
    for (const l of extra) b.line(l);
    return b;
  };
  vault('ops/vaults/internal-dogfood.env');
  vault('vault/secrets.env');
  vault('ops/notes/prod-handover.txt', ['(rotated 2026-08-01)']);
  f('ops/vaults/oss-demo.env.example')
    .neg('PAAS_TARGETS=web1=local:/tmp/paas-demo')
    .neg('PAAS_STATE_KEY=${PAAS_STATE_KEY}')
    .neg('PAAS_SSH_KEY=<paste the private key>');
  f('state/contexts/internal-dogfood/events/2026-08-14.jsonl').line(
    JSON.stringify({ t: '2026-08-14T10:00:00Z', op: 'deploy', status: 'ok', release: '20260814-1' }),
  );
  artifacts.push({ file: 'state/contexts/internal-dogfood/events/2026-08-14.jsonl', line: null, kind: 'events_log' });
  f('backups/prod-2026-08-14.pgsql').line(
    '--',
    '-- PostgreSQL database dump',
    '--',
    'CREATE TABLE public.users (id bigint);',
  );
  artifacts.push({ file: 'backups/prod-2026-08-14.pgsql', line: null, kind: 'db_dump' });
  f('backups/billing.dump').line('PGDMP custom archive placeholder text');
  artifacts.push({ file: 'backups/billing.dump', line: null, kind: 'db_dump' });
  binary.push({
    path: 'backups/nightly.sql.gz',
    bytes: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(200)]),
  });
  artifacts.push({ file: 'backups/nightly.sql.gz', line: null, kind: 'db_dump' });
  binary.push({ path: 'data/app-cache.bin', bytes: sqliteBytes() });
  artifacts.push({ file: 'data/app-cache.bin', line: null, kind: 'sqlite_database' });
  binary.push({ path: 'state/contexts/internal-dogfood/state.db', bytes: sqliteBytes() });
  artifacts.push({ file: 'state/contexts/internal-dogfood/state.db', line: null, kind: 'state_db' });

  // ---- documentation and examples (negatives) ----------------------------------------------------------
  f('docs/api/auth.md')
    .line('# Authentication', '', 'Request:', '```json')
    .neg('{ "token": "..." }')
    .neg('{ "access_token": "eyJhbGciOi...", "refresh_token": "<refresh token>" }')
    .line('```', '')
    .neg('Connect with `DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev`.')
    .neg('Set `password: your-password-here` in `config.yml`.')
    .neg('Example: `export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`');
  f('docs/examples/client.py')
    .neg('client = Client(api_key="YOUR_API_KEY")')
    .neg('client = Client(token=os.environ["ACME_TOKEN"])');
  f('README.md')
    .line('# acme monorepo', '')
    .neg('Run `make dev`; the default admin password is printed on first start.')
    .neg('The `SECRET_KEY` setting must be set in production.');
  f('package-lock.json')
    .line('{', '  "packages": {', '    "node_modules/zod": {')
    .neg(`      "integrity": "sha512-${g.pick(B64, 86)}=="`)
    .line('    }', '  }', '}');

  // ---- write --------------------------------------------------------------------------------------
  const labels = [];
  let negatives = 0;
  for (const b of files) {
    const p = join(root, b.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, b.lines.join('\n') + '\n');
    labels.push(...b.labels);
    negatives += b.negatives;
  }
  for (const b of binary) {
    const p = join(root, b.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, b.bytes);
  }
  labels.push(...artifacts);
  return { labels, negatives, files: files.length + binary.length };
}

/** The first page of an SQLite 3 database (its header: "SQLite format 3\0", page size 4096). */
function sqliteBytes() {
  const b = Buffer.alloc(8192);
  b.write('SQLite format 3\0', 0, 'latin1');
  b.writeUInt16BE(4096, 16);
  b[18] = 1;
  b[19] = 1;
  b.write('CREATE TABLE events(id INTEGER PRIMARY KEY, body TEXT)', 4096 + 200, 'latin1');
  return b;
}

/**
 * Scores doctor's findings against the labels: a label is found when a finding has its file and
 * line (a file-level label: any finding on the file). Findings on no label are false positives.
 */
export function score(labels, findings) {
  const key = (file, line) => `${file}:${line ?? '*'}`;
  const byKey = new Map();
  for (const x of findings) {
    for (const k of [key(x.file, x.line), key(x.file, null)]) {
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k).push(x);
    }
  }
  const found = [];
  const missed = [];
  for (const l of labels) (byKey.has(key(l.file, l.line)) ? found : missed).push(l);
  const labelled = new Set(labels.map((l) => key(l.file, l.line)));
  const fileLevel = new Set(labels.filter((l) => l.line === null).map((l) => l.file));
  // a finding about a whole file (no line) on a file holding a labelled secret is right too
  const labelledFiles = new Set(labels.map((l) => l.file));
  const falsePositives = findings.filter(
    (x) =>
      !labelled.has(key(x.file, x.line)) && !fileLevel.has(x.file) && !(x.line == null && labelledFiles.has(x.file)),
  );
  const truePositives = findings.length - falsePositives.length;
  return {
    recall: found.length / labels.length,
    precision: findings.length ? truePositives / findings.length : 1,
    found,
    missed,
    falsePositives,
  };
}
