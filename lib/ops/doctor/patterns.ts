/**
 * Pattern detection of secrets that were never registered: provider token formats, private key
 * blocks, credentials in connection strings, bearer tokens.
 *
 * This is the thin adapter doctor uses until lib/redaction exports its own pattern definitions
 * (see docs/doctor.md, "Coordination with redaction"): the rule list below is data, so it can be
 * replaced by the redaction library's list without touching the scanner. Rules are written
 * without capturing groups: the scanner joins them into one alternation and tells them apart by
 * group index.
 */
import { isPlaceholder as redactionPlaceholder, keyNamesSecret, SECRET_KEYWORD_SOURCE as REDACTION_KEYWORDS } from '../../redaction/redactor.js';
import type { Severity } from './types.js';

export { keyNamesSecret };

export interface TokenRule {
  kind: string;
  /** literal beginnings of every match (the scanner tries the rule only where one of them starts) */
  starts: readonly string[];
  /** regex source, no capturing groups; leading word boundary is checked by the scanner */
  source: string;
  /** non-secret literal prefix kept in the preview (e.g. `ghp_`) */
  prefix: string;
  severity: Severity;
  /** needs a boundary before the match (not a letter or digit) */
  boundary?: boolean;
  /** extra check on the matched text; false drops the match */
  accept?: (match: string) => boolean;
  title: string;
}

const notExample = (m: string) => !/EXAMPLE|example/.test(m);

/** Upper and lower case letters, digits, or a repetition: real tokens are random, fixtures often are not. */
export function looksRandom(s: string, min = 3): boolean {
  if (/(.)\1{7,}/.test(s)) return false;
  if (/(?:0123456789|abcdefghij|ABCDEFGHIJ|1234567890)/.test(s)) return false;
  if (new Set(s).size < Math.min(min * 3, 10)) return false;
  return notExample(s) && !/xxxx|XXXX/.test(s);
}

const END = '(?![A-Za-z0-9_])';

export const TOKEN_RULES: readonly TokenRule[] = [
  { kind: 'aws_access_key_id', title: 'AWS access key id', starts: ['AKIA', 'ASIA'], source: `(?:AKIA|ASIA)[A-Z0-9]{16}${END}`, prefix: 'AKIA', severity: 'critical', boundary: true, accept: (m) => notExample(m) && looksRandom(m.slice(4), 2) },
  { kind: 'github_token', title: 'GitHub token', starts: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], source: `gh[pousr]_[A-Za-z0-9]{36}${END}`, prefix: 'gh', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
  { kind: 'github_token', title: 'GitHub fine-grained token', starts: ['github_pat_'], source: `github_pat_[A-Za-z0-9_]{82}${END}`, prefix: 'github_pat_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(11)) },
  { kind: 'gitlab_token', title: 'GitLab token', starts: ['glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-'], source: `gl(?:pat|dt|rt|cbt|ptt|ft)-[A-Za-z0-9_-]{20,128}${END}`, prefix: 'gl', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(6)) },
  { kind: 'slack_token', title: 'Slack token', starts: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'], source: 'xox[abposr]-(?:[0-9]+-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}' + END, prefix: 'xox', severity: 'critical', boundary: true, accept: (m) => m.length >= 24 && looksRandom(m.slice(5)) },
  { kind: 'slack_token', title: 'Slack app token', starts: ['xapp-'], source: `xapp-[0-9]+-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}${END}`, prefix: 'xapp-', severity: 'critical', boundary: true },
  { kind: 'slack_webhook', title: 'Slack incoming webhook URL', starts: ['hooks.slack.com/services/'], source: 'hooks\\.slack\\.com/services/T[A-Za-z0-9]{4,40}/B[A-Za-z0-9]{4,40}/[A-Za-z0-9]{16,40}', prefix: 'hooks.slack.com/services/', severity: 'critical', accept: (m) => looksRandom(m.slice(m.lastIndexOf('/') + 1)) },
  { kind: 'stripe_key', title: 'Stripe secret key', starts: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], source: `[sr]k_(?:live|test)_[A-Za-z0-9]{24,99}${END}`, prefix: 'sk_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(8)) },
  { kind: 'google_api_key', title: 'Google API key', starts: ['AIza'], source: `AIza[0-9A-Za-z_-]{35}${END}`, prefix: 'AIza', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
  { kind: 'openai_key', title: 'OpenAI API key', starts: ['sk-'], source: `sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,80}T3BlbkFJ[A-Za-z0-9_-]{20,80}${END}`, prefix: 'sk-', severity: 'critical', boundary: true },
  { kind: 'anthropic_key', title: 'Anthropic API key', starts: ['sk-ant-'], source: `sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,128}${END}`, prefix: 'sk-ant-', severity: 'critical', boundary: true },
  { kind: 'npm_token', title: 'npm access token', starts: ['npm_'], source: `npm_[A-Za-z0-9]{36}${END}`, prefix: 'npm_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
  { kind: 'pypi_token', title: 'PyPI upload token', starts: ['pypi-'], source: `pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`, prefix: 'pypi-', severity: 'critical', boundary: true },
  { kind: 'sendgrid_key', title: 'SendGrid API key', starts: ['SG.'], source: `SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${END}`, prefix: 'SG.', severity: 'critical', boundary: true },
  { kind: 'shopify_token', title: 'Shopify access token', starts: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], source: `shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${END}`, prefix: 'shp', severity: 'critical', boundary: true },
  { kind: 'grafana_token', title: 'Grafana token', starts: ['glc_', 'glsa_'], source: `(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})${END}`, prefix: 'gl', severity: 'critical', boundary: true },
  { kind: 'groq_key', title: 'Groq API key', starts: ['gsk_'], source: `gsk_[A-Za-z0-9]{52}${END}`, prefix: 'gsk_', severity: 'critical', boundary: true },
  { kind: 'huggingface_token', title: 'Hugging Face token', starts: ['hf_'], source: `hf_[A-Za-z]{34}${END}`, prefix: 'hf_', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(3)) },
  { kind: 'linear_key', title: 'Linear API key', starts: ['lin_api_'], source: `lin_api_[A-Za-z0-9_]{32,128}${END}`, prefix: 'lin_api_', severity: 'critical', boundary: true },
  { kind: 'notion_token', title: 'Notion integration token', starts: ['ntn_'], source: `ntn_[0-9]{11}[A-Za-z0-9]{35}${END}`, prefix: 'ntn_', severity: 'critical', boundary: true },
  { kind: 'vault_token', title: 'HashiCorp Vault token', starts: ['hvs.', 'hvb.', 'hvr.'], source: `hv[sbr]\\.[A-Za-z0-9_-]{90,300}${END}`, prefix: 'hv', severity: 'critical', boundary: true },
  { kind: 'vercel_token', title: 'Vercel token', starts: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], source: `v(?:cp|ci|ca|cr|ck)_[A-Za-z0-9]{20,60}${END}`, prefix: 'vc', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(4)) },
  { kind: 'databricks_token', title: 'Databricks token', starts: ['dapi'], source: `dapi[a-f0-9]{32}(?:-[0-9])?${END}`, prefix: 'dapi', severity: 'critical', boundary: true },
  { kind: 'docker_token', title: 'Docker Hub access token', starts: ['dckr_pat_'], source: `dckr_pat_[A-Za-z0-9_-]{27}${END}`, prefix: 'dckr_pat_', severity: 'critical', boundary: true },
  { kind: 'figma_token', title: 'Figma token', starts: ['figd_'], source: `figd_[A-Za-z0-9_-]{40,200}${END}`, prefix: 'figd_', severity: 'critical', boundary: true },
  { kind: 'cloudflare_token', title: 'Cloudflare token', starts: ['cfk_', 'cfut_', 'cfat_'], source: `(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}${END}`, prefix: 'cf', severity: 'critical', boundary: true },
  { kind: 'tailscale_key', title: 'Tailscale key', starts: ['tskey-'], source: `tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}${END}`, prefix: 'tskey-', severity: 'critical', boundary: true },
  { kind: 'onepassword_token', title: '1Password service account token', starts: ['ops_ey'], source: 'ops_ey[A-Za-z0-9+/=]{100,1280}', prefix: 'ops_', severity: 'critical', boundary: true },
  { kind: 'digitalocean_token', title: 'DigitalOcean token', starts: ['dop_v1_', 'dor_v1_', 'doo_v1_'], source: `do[pro]_v1_[a-f0-9]{64}${END}`, prefix: 'do', severity: 'critical', boundary: true },
  { kind: 'age_secret_key', title: 'age secret key', starts: ['AGE-SECRET-KEY-1'], source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}', prefix: 'AGE-SECRET-KEY-', severity: 'critical', boundary: true },
  { kind: 'azure_storage_key', title: 'Azure storage account key', starts: ['AccountKey='], source: 'AccountKey=[A-Za-z0-9+/]{86}==', prefix: 'AccountKey=', severity: 'critical', boundary: true, accept: (m) => looksRandom(m.slice(11)) },
  // multi-line and structured forms: the scanner verifies them further (see scan.ts)
  { kind: 'private_key', title: 'Private key block', starts: ['-----BEGIN '], source: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----', prefix: '-----BEGIN PRIVATE KEY-----', severity: 'critical' },
  { kind: 'dsn_password', title: 'Password in a connection string', starts: ['://'], source: "://[^\\s:/?#@'\"`<>{}()\\[\\]\\\\]{0,128}:[^\\s/?#@'\"`<>\\\\]{1,256}@[A-Za-z0-9\\[]", prefix: '://', severity: 'critical' },
  { kind: 'bearer_token', title: 'Bearer token', starts: ['Bearer ', 'bearer '], source: '[Bb]earer [A-Za-z0-9._~+/-]{20,}=*', prefix: 'Bearer ', severity: 'high', accept: (m) => looksRandom(m.slice(7)) },
];

export const PRIVATE_KEY_RULE = TOKEN_RULES.findIndex((r) => r.kind === 'private_key');
export const DSN_RULE = TOKEN_RULES.findIndex((r) => r.kind === 'dsn_password');

/** One alternation of every rule; group i+1 is rule i. */
export function combinedTokenRegex(flags = 'g'): RegExp {
  return new RegExp(TOKEN_RULES.map((r) => `(${r.source})`).join('|'), flags);
}

/**
 * Key names that announce a secret (PRODUCT.md section 2: secret|token|password|passwd|
 * credential|private_key|api_key), matched case-insensitively inside a longer key: the redaction
 * library's definition, whose anchors its matcher finds (detect.ts).
 */
export const SECRET_KEYWORD_SOURCE = REDACTION_KEYWORDS;

/** Last words of a key that name something about a secret rather than the secret itself. */
export const NON_SECRET_KEY_SUFFIXES = new Set([
  'name', 'names', 'file', 'files', 'path', 'paths', 'dir', 'directory', 'env', 'var', 'variable', 'header', 'type', 'types', 'length',
  'len', 'min', 'max', 'count', 'ttl', 'expiry', 'expires', 'expiration', 'url', 'uri', 'endpoint', 'id', 'ids', 'ref', 'policy', 'mode',
  'enabled', 'disabled', 'enable', 'required', 'prefix', 'suffix', 'format', 'algorithm', 'alg', 'version', 'field', 'fields', 'label', 'placeholder',
  'hint', 'help', 'description', 'desc', 'regex', 'pattern', 'size', 'limit', 'limits', 'timeout', 'lifetime', 'duration', 'validity', 'usage',
  'hash', 'hashed', 'digest', 'kind', 'index', 'idx', 'position', 'class', 'style', 'color', 'source', 'location', 'provider',
  'store', 'manager', 'ref', 'refs', 'selector', 'param', 'parameter', 'arn', 'sha', 'checksum', 'fingerprint', 'rotation', 'rotated', 'at',
  'created', 'updated', 'exists', 'set', 'missing', 'valid', 'invalid', 'error', 'errors', 'message', 'msg', 'text', 'title', 'reset',
  'endpoint', 'scope', 'scopes', 'audience', 'issuer', 'strength', 'rules', 'rule', 'policy', 'schema', 'input', 'output', 'ui', 'show',
  'visible', 'hidden', 'mask', 'masked', 'command', 'cmd', 'script', 'callback', 'handler', 'function', 'fn', 'method', 'service', 'mount',
  'volume', 'template', 'lookup', 'reader', 'writer', 'loader', 'getter', 'cache', 'count', 'number', 'num', 'bytes', 'bits',
]);

/** Values that stand for a secret without being one. Compared lower-case. */
export const PLACEHOLDER_VALUES = new Set([
  'changeme', 'change-me', 'change_me', 'changeit', 'change-it', 'redacted', 'placeholder', 'example', 'dummy', 'fake', 'test', 'testing',
  'todo', 'tbd', 'fixme', 'none', 'null', 'nil', 'undefined', 'true', 'false', 'yes', 'no', 'password', 'passwd', 'secret', 'token',
  'required', 'optional', 'string', 'str', 'env', 'default', 'empty', 'sample', 'notasecret', 'not-a-secret', 'replaceme', 'replace-me',
  'replace_me', 'insert-here', 'secret-value', 'your-secret', 'your-token', 'your-password', 'mysecret', 'my-secret', 'mypassword',
  'pass', 'pwd', 'admin', 'root', 'postgres', 'user', 'username', 'hidden', 'masked', 'unset', 'off', 'on', 'auto', 'bearer', 'basic',
  'same-origin', 'include', 'omit', 'use-credentials', 'conditional', 'anonymous',
  'oauth', 'oauth2', 'jwt', 'apikey', 'api-key', 'api_key', 'secretkey', 'secret-key', 'secret_key', 'private', 'public', 'xxx',
]);

const PLACEHOLDER_WORDS = /example|placeholder|changeme|change[-_]me|redacted|dummy|\bfake|sample|your[-_ ]|replace[-_ ]?me|insert[-_ ]|<[^>]*>|^x+$|^\*+$|^\.+$|^-+$|^_+$|^#+$|^0+$|notreal|not[-_]a[-_]secret|secret[-_]here|token[-_]here|password[-_]here/i;

/**
 * True when a value stands for a secret (reference, template, placeholder) instead of being one:
 * the redaction library's placeholders, plus what a repository scan must also let pass
 * (documentation values, fixtures, filler such as abc123xyz456).
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 6 || redactionPlaceholder(v)) return true;
  if (PLACEHOLDER_VALUES.has(v.toLowerCase())) return true;
  if (/^[$%]|^\{|^<|^ENC\[|^vault:|^ref\+|^!|^#\{|^@Value|^arn:|^sha\d+[:-]|^md5:|^file:|^env:|^secret:|^secretref:/i.test(v)) return true;
  if (v.includes('${') || v.includes('{{') || v.includes('%s') || v.includes('%v') || v.includes('%(')) return true;
  if (PLACEHOLDER_WORDS.test(v)) return true;
  if (new Set(v).size < 4) return true;
  if (/\.\.\.|…/.test(v)) return true; // sk_live_..., truncated examples
  if (/(.)\1{5,}/.test(v)) return true; // 000000, ******, aaaaaa
  if (/^[A-Za-z_-]+$/.test(v) && /secret|token|passw|credential|key/i.test(v)) return true; // SuperSecretToken, wrong-token-xyz
  if (/^(?:abc|def|xyz|123|456|789|000|qwerty|asdf|foo|bar|baz|qux|test|demo|dummy|sample|secret|token|pass|word|key|my|the|[-_.])+$/i.test(v)) return true; // abc123xyz456, foo-bar-baz
  return false;
}
