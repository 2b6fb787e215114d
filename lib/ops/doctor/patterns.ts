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
import {
  isPlaceholder as redactionPlaceholder,
  keyNamesSecret,
  SECRET_KEYWORD_SOURCE as REDACTION_KEYWORDS,
  NON_SECRET_KEY_WORDS,
} from '../../redaction/redactor.js';
import type { Severity } from './types.js';

export { keyNamesSecret };

interface TokenRule {
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
  /**
   * Padding of the matcher anchor, one string of allowed characters per position before and after
   * the beginning (instead of the automatic padding): for short beginnings whose automatic window
   * would index common words (`SK` + hex, `:AA`).
   */
  pad?: { before?: readonly string[]; after?: readonly string[] };
  /** characters the match may start with before its anchor (Telegram: the bot id's digits) */
  back?: string;
  /** the match must begin its line (after blanks and `export `) */
  lineStart?: boolean;
  /** the match is an encoding (base64, hex) of text that is scanned again once decoded */
  decode?: 'base64' | 'hex';
  /** not reported in test, fixture, example and documentation paths (JWTs: examples abound there) */
  notInDocs?: boolean;
}

const notExample = (m: string) => !/EXAMPLE|example/.test(m);

const ANYC = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
const ALNUMC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URLC = `${ALNUMC}_-`;

/** A paas vault line (`PAAS_TARGETS=...`) whose value is real: hosts with a user, or a key, not a reference or a placeholder. */
function vaultValue(m: string): boolean {
  const key = m.slice(0, m.indexOf('=')).trim();
  const v = m
    .slice(m.indexOf('=') + 1)
    .trim()
    .replace(/^["']|["']$/g, '');
  if (!v || isPlaceholder(v) || v.startsWith('$') || v.startsWith('<')) return false;
  if (key === 'PAAS_TARGETS') return /@[A-Za-z0-9[]/.test(v);
  return v.length >= 12;
}

/** A JWT with a JSON header naming a signing algorithm and a payload that is not a published example. */
function realJwt(m: string): boolean {
  const [h, p] = m.split('.');
  try {
    const header = JSON.parse(Buffer.from(h as string, 'base64url').toString('utf8')) as { alg?: unknown };
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') return false;
    const payload = Buffer.from(p as string, 'base64url').toString('utf8');
    // jwt.io's and RFC 7519's examples, and payloads that say what they are
    if (/"sub"\s*:\s*"1234567890"|John Doe|"joe"|example|dummy|fake|test/i.test(payload)) return false;
    return payload.startsWith('{');
  } catch {
    return false;
  }
}

/** A value mixing character classes or long and varied enough to be generated (see looksSecretValue in detect.ts). */
function looksSecretish(v: string): boolean {
  if (v.length < 8) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
  if (/^[A-Za-z]+$/.test(v) && v.length < 20) return false; // a word or a name
  return classes >= 2 && new Set(v).size >= 6;
}

/** Upper and lower case letters, digits, or a repetition: real tokens are random, fixtures often are not. */
/** A run of one character of at least `min` that makes up much of the value (ghp_xxxxxxxx..., 000000). */
function mostlyOneRun(s: string, min: number): boolean {
  const re = new RegExp(`(.)\\1{${min - 1},}`, 'g');
  for (const m of s.matchAll(re)) if (m[0].length * 3 >= s.length) return true;
  return false;
}

export function looksRandom(s: string, min = 3): boolean {
  // the bodies of provider formats are random (a run of 8 has odds below 1e-10 in a real token):
  // a run is a fixture (ghp_PersonalAccessToken...00000000). Structured bodies (key blocks, values
  // under secret-named keys) are not judged by this function.
  if (/(.)\1{7,}/.test(s)) return false;
  if (/(?:0123456789|abcdefghij|ABCDEFGHIJ|1234567890)/.test(s)) return false;
  if (new Set(s).size < Math.min(min * 3, /^\d+$/.test(s) ? 6 : 10, Math.ceil(s.length / 3))) return false; // few distinct characters (a digit-only body has ten at most)
  return notExample(s) && !/xxxx|XXXX/.test(s);
}

const END = '(?![A-Za-z0-9_])';
const HEXC = '0123456789abcdefABCDEF';
const DIGITC = '0123456789';
/**
 * Characters that may stand before a bare token: anything but a token character, or the last
 * character of an escape sequence (`\n`, `%3D`, `\x3d`, `\u003d`: the scanner checks the escape).
 */
const BOUND = ' \t\n\r"\'`=:,;([{</\\|>nrtfv0123456789abcdefABCDEF';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hexOf = (s: string) => Buffer.from(s).toString('hex');

/** Beginnings of secrets hidden in base64 or hex (a config value holding an encoded key or token). */
const ENCODED_PREFIXES = [
  '-----BEGIN ',
  'PuTTY-User-Key-File-',
  'ghp_',
  'gho_',
  'ghs_',
  'ghu_',
  'ghr_',
  'github_pat_',
  'glpat-',
  'xoxb-',
  'xoxp-',
  'sk_live_',
  'rk_live_',
  'AKIA',
  'ASIA',
  'AIza',
  'npm_',
  'sk-proj-',
  'sk-ant-',
  'hvs.',
  'AGE-SECRET-KEY-',
  'postgres://',
  'postgresql://',
  'mysql://',
  'mongodb://',
  'mongodb+srv://',
  'redis://',
  'rediss://',
  'amqp://',
  'amqps://',
  'PAAS_',
];
/** The base64 text every encoding of `p` at offset 0 starts with (the characters that depend on `p` alone). */
const b64Start = (p: string) => b64(p).slice(0, Math.floor((p.length * 8) / 6));
const ENCODED_B64 = [...new Set(ENCODED_PREFIXES.map(b64Start))];
const B64C = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/**
 * The matcher window of a short encoded beginning: the base64 characters that can follow it when a
 * token character follows the prefix (ghp_ + [A-Za-z0-9_-] encodes as Z2hwX + [z0123]), then any
 * base64: a few hundred indexed words instead of thousands.
 */
function encodedPad(enc: string): { after: string[] } {
  const p = ENCODED_PREFIXES.find((x) => b64Start(x) === enc) as string;
  const next = new Set<string>();
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')
    next.add(b64(p + c + 'AA').charAt(enc.length));
  const after = [[...next].join('')];
  while (enc.length + after.length < 7) after.push(B64C);
  return { after };
}
const ENCODED_HEX = [...new Set(ENCODED_PREFIXES.flatMap((p) => [hexOf(p), hexOf(p).toUpperCase()]))];
const alt = (xs: readonly string[]) => xs.map((x) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');

/** A base64 value that decodes to `user:password` with a password that is not a placeholder. */
function basicCredentials(b64text: string): boolean {
  if (b64text.length < 8) return false;
  const plain = Buffer.from(b64text, 'base64').toString('latin1');
  const i = plain.indexOf(':');
  if (i < 1 || /[^\x20-\x7e]/.test(plain)) return false;
  const pass = plain.slice(i + 1);
  return pass.length >= 6 && !isPlaceholder(pass) && pass !== plain.slice(0, i);
}
const afterSep = (m: string, sep: RegExp) =>
  m
    .split(sep)
    .slice(1)
    .join('')
    .replace(/^["'\s]+|["'\s]+$/g, '');

export const TOKEN_RULES: readonly TokenRule[] = [
  {
    kind: 'aws_access_key_id',
    title: 'AWS access key id',
    starts: ['AKIA', 'ASIA'],
    source: `(?:AKIA|ASIA)[A-Z0-9]{16}${END}`,
    prefix: 'AKIA',
    severity: 'critical',
    boundary: true,
    accept: (m) => notExample(m) && looksRandom(m.slice(4), 2),
  },
  {
    kind: 'github_token',
    title: 'GitHub token',
    starts: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    source: `gh[pousr]_[A-Za-z0-9]{36}${END}`,
    prefix: 'gh',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'github_token',
    title: 'GitHub fine-grained token',
    starts: ['github_pat_'],
    source: `github_pat_[A-Za-z0-9_]{82}${END}`,
    prefix: 'github_pat_',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(11)),
  },
  {
    kind: 'gitlab_token',
    title: 'GitLab token',
    starts: ['glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'gloas-', 'glsoat-', 'glimt-', 'glagent-'],
    source: `gl(?:pat|dt|rt|cbt|ptt|ft|oas|soat|imt|agent)-[A-Za-z0-9_-]{20,128}${END}`,
    prefix: 'gl',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(m.indexOf('-') + 1)),
  },
  {
    kind: 'slack_token',
    title: 'Slack token',
    starts: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
    source: 'xox[abposr]-(?:[0-9]+-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}' + END,
    prefix: 'xox',
    severity: 'critical',
    boundary: true,
    accept: (m) => m.length >= 24 && looksRandom(m.slice(5)),
  },
  {
    kind: 'slack_token',
    title: 'Slack app token',
    starts: ['xapp-'],
    source: `xapp-[0-9]+-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}${END}`,
    prefix: 'xapp-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'slack_webhook',
    title: 'Slack incoming webhook URL',
    starts: ['hooks.slack.com/services/'],
    source: 'hooks\\.slack\\.com/services/T[A-Za-z0-9]{4,40}/B[A-Za-z0-9]{4,40}/[A-Za-z0-9]{16,40}',
    prefix: 'hooks.slack.com/services/',
    severity: 'critical',
    accept: (m) => looksRandom(m.slice(m.lastIndexOf('/') + 1)),
  },
  {
    kind: 'stripe_key',
    title: 'Stripe secret key',
    starts: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
    source: `[sr]k_(?:live|test)_[A-Za-z0-9]{24,99}${END}`,
    prefix: 'sk_',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(8)),
  },
  {
    kind: 'google_api_key',
    title: 'Google API key',
    starts: ['AIza'],
    source: `AIza[0-9A-Za-z_-]{35}${END}`,
    prefix: 'AIza',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'openai_key',
    title: 'OpenAI API key',
    starts: ['sk-'],
    source: `sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,80}T3BlbkFJ[A-Za-z0-9_-]{20,80}${END}`,
    prefix: 'sk-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'anthropic_key',
    title: 'Anthropic API key',
    starts: ['sk-ant-'],
    source: `sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,128}${END}`,
    prefix: 'sk-ant-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'npm_token',
    title: 'npm access token',
    starts: ['npm_'],
    source: `npm_[A-Za-z0-9]{36}${END}`,
    prefix: 'npm_',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'pypi_token',
    title: 'PyPI upload token',
    starts: ['pypi-'],
    source: `pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`,
    prefix: 'pypi-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'sendgrid_key',
    title: 'SendGrid API key',
    starts: ['SG.'],
    source: `SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${END}`,
    prefix: 'SG.',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'shopify_token',
    title: 'Shopify access token',
    starts: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    source: `shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${END}`,
    prefix: 'shp',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'grafana_token',
    title: 'Grafana token',
    starts: ['glc_', 'glsa_'],
    source: `(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})${END}`,
    prefix: 'gl',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'groq_key',
    title: 'Groq API key',
    starts: ['gsk_'],
    source: `gsk_[A-Za-z0-9]{52}${END}`,
    prefix: 'gsk_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'huggingface_token',
    title: 'Hugging Face token',
    starts: ['hf_'],
    source: `hf_[A-Za-z]{34}${END}`,
    prefix: 'hf_',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(3)),
  },
  {
    kind: 'linear_key',
    title: 'Linear API key',
    starts: ['lin_api_'],
    source: `lin_api_[A-Za-z0-9_]{32,128}${END}`,
    prefix: 'lin_api_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'notion_token',
    title: 'Notion integration token',
    starts: ['ntn_'],
    source: `ntn_[0-9]{11}[A-Za-z0-9]{35}${END}`,
    prefix: 'ntn_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'vault_token',
    title: 'HashiCorp Vault token',
    starts: ['hvs.', 'hvb.', 'hvr.'],
    source: `hv[sbr]\\.[A-Za-z0-9_-]{90,300}${END}`,
    prefix: 'hv',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'vercel_token',
    title: 'Vercel token',
    starts: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    source: `v(?:cp|ci|ca|cr|ck)_[A-Za-z0-9]{20,60}${END}`,
    prefix: 'vc',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'databricks_token',
    title: 'Databricks token',
    starts: ['dapi'],
    source: `dapi[a-f0-9]{32}(?:-[0-9])?${END}`,
    prefix: 'dapi',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'docker_token',
    title: 'Docker Hub access token',
    starts: ['dckr_pat_'],
    source: `dckr_pat_[A-Za-z0-9_-]{27}${END}`,
    prefix: 'dckr_pat_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'figma_token',
    title: 'Figma token',
    starts: ['figd_'],
    source: `figd_[A-Za-z0-9_-]{40,200}${END}`,
    prefix: 'figd_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'cloudflare_token',
    title: 'Cloudflare token',
    starts: ['cfk_', 'cfut_', 'cfat_'],
    source: `(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}${END}`,
    prefix: 'cf',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'tailscale_key',
    title: 'Tailscale key',
    starts: ['tskey-'],
    source: `tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}${END}`,
    prefix: 'tskey-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'onepassword_token',
    title: '1Password service account token',
    starts: ['ops_ey'],
    source: 'ops_ey[A-Za-z0-9+/=]{100,1280}',
    prefix: 'ops_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'digitalocean_token',
    title: 'DigitalOcean token',
    starts: ['dop_v1_', 'dor_v1_', 'doo_v1_'],
    source: `do[pro]_v1_[a-f0-9]{64}${END}`,
    prefix: 'do',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'age_secret_key',
    title: 'age secret key',
    starts: ['AGE-SECRET-KEY-1'],
    source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}',
    prefix: 'AGE-SECRET-KEY-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'azure_storage_key',
    title: 'Azure storage account key',
    starts: ['AccountKey='],
    source: 'AccountKey=[A-Za-z0-9+/]{86}==',
    prefix: 'AccountKey=',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(11)),
  },
  // beyond the dozen: the providers the major open-source scanners cover, each by its own format
  {
    kind: 'twilio_key',
    title: 'Twilio API key',
    starts: ['SK'],
    source: `SK[0-9a-fA-F]{32}${END}`,
    prefix: 'SK',
    severity: 'critical',
    boundary: true,
    pad: { before: [ANYC, BOUND], after: [HEXC, HEXC, HEXC] },
    accept: (m) => looksRandom(m.slice(2)) && /[a-fA-F]/.test(m.slice(2)) && /\d/.test(m.slice(2)),
  },
  {
    kind: 'mailgun_key',
    title: 'Mailgun API key',
    starts: ['key-'],
    source: `key-[0-9a-f]{32}${END}`,
    prefix: 'key-',
    severity: 'critical',
    boundary: true,
    pad: { before: [BOUND], after: [HEXC, HEXC] },
    accept: (m) => looksRandom(m.slice(4)) && /[a-f]/.test(m.slice(4)) && /\d/.test(m.slice(4)),
  },
  {
    kind: 'discord_webhook',
    title: 'Discord webhook URL',
    starts: ['discord.com/api/webhooks/', 'discordapp.com/api/webhooks/'],
    source: 'discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}',
    prefix: 'discord.com/api/webhooks/',
    severity: 'critical',
  },
  {
    kind: 'telegram_bot_token',
    title: 'Telegram bot token',
    starts: [':AA'],
    back: DIGITC,
    source: `[0-9]{8,10}:AA[A-Za-z0-9_-]{33}${END}`,
    prefix: '',
    severity: 'critical',
    boundary: true,
    pad: { before: [DIGITC, DIGITC, DIGITC], after: [B64URLC] },
    accept: (m) => looksRandom(m.slice(m.indexOf(':') + 3)),
  },
  {
    kind: 'doppler_token',
    title: 'Doppler token',
    starts: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    source: `dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9_.-]{40,64}${END}`,
    prefix: 'dp.',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(6)),
  },
  {
    kind: 'postman_key',
    title: 'Postman API key',
    starts: ['PMAK-'],
    source: `PMAK-[a-f0-9]{24}-[a-f0-9]{34}${END}`,
    prefix: 'PMAK-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'atlassian_token',
    title: 'Atlassian API token',
    starts: ['ATATT3'],
    source: `ATATT3[A-Za-z0-9_=-]{150,250}${END}`,
    prefix: 'ATATT3',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'heroku_key',
    title: 'Heroku API key',
    starts: ['HRKU-'],
    source: `HRKU-[A-Za-z0-9_-]{60}${END}`,
    prefix: 'HRKU-',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(5)),
  },
  {
    kind: 'square_token',
    title: 'Square access token',
    starts: ['EAAA', 'sq0atp-', 'sq0csp-'],
    source: `(?:EAAA[A-Za-z0-9_+=-]{60}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60})${END}`,
    prefix: '',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'newrelic_key',
    title: 'New Relic key',
    starts: ['NRAK-', 'NRII-'],
    source: `NR(?:AK|II)-[A-Z0-9]{27,32}${END}`,
    prefix: 'NR',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(5)),
  },
  {
    kind: 'sentry_token',
    title: 'Sentry auth token',
    starts: ['sntrys_eyJ', 'sntryu_'],
    source: `(?:sntrys_eyJ[A-Za-z0-9_=+/-]{60,}|sntryu_[a-f0-9]{64})${END}`,
    prefix: 'sntry',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'alibaba_key',
    title: 'Alibaba Cloud access key id',
    starts: ['LTAI'],
    source: `LTAI[A-Za-z0-9]{20}${END}`,
    prefix: 'LTAI',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)) && /\d/.test(m),
  },
  {
    kind: 'brevo_key',
    title: 'Brevo (Sendinblue) API key',
    starts: ['xkeysib-'],
    source: `xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}${END}`,
    prefix: 'xkeysib-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'planetscale_token',
    title: 'PlanetScale token',
    starts: ['pscale_tkn_', 'pscale_pw_', 'pscale_oauth_'],
    source: `pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}${END}`,
    prefix: 'pscale_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'pulumi_token',
    title: 'Pulumi access token',
    starts: ['pul-'],
    source: `pul-[a-f0-9]{40}${END}`,
    prefix: 'pul-',
    severity: 'critical',
    boundary: true,
    pad: { before: [BOUND], after: [HEXC, HEXC] },
  },
  {
    kind: 'rubygems_key',
    title: 'RubyGems API key',
    starts: ['rubygems_'],
    source: `rubygems_[a-f0-9]{48}${END}`,
    prefix: 'rubygems_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'supabase_token',
    title: 'Supabase access token',
    starts: ['sbp_'],
    source: `sbp_[a-f0-9]{40}${END}`,
    prefix: 'sbp_',
    severity: 'critical',
    boundary: true,
    pad: { before: [BOUND], after: [HEXC, HEXC] },
  },
  {
    kind: 'perplexity_key',
    title: 'Perplexity API key',
    starts: ['pplx-'],
    source: `pplx-[A-Za-z0-9]{48}${END}`,
    prefix: 'pplx-',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(5)),
  },
  {
    kind: 'xai_key',
    title: 'xAI API key',
    starts: ['xai-'],
    source: `xai-[A-Za-z0-9]{80}${END}`,
    prefix: 'xai-',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(4)),
  },
  {
    kind: 'langsmith_key',
    title: 'LangSmith API key',
    starts: ['lsv2_pt_', 'lsv2_sk_'],
    source: `lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${END}`,
    prefix: 'lsv2_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'flutterwave_key',
    title: 'Flutterwave secret key',
    starts: ['FLWSECK-', 'FLWSECK_TEST-'],
    source: `FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X${END}`,
    prefix: 'FLWSECK',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'dynatrace_token',
    title: 'Dynatrace API token',
    starts: ['dt0c01.'],
    source: `dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}${END}`,
    prefix: 'dt0c01.',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'shippo_token',
    title: 'Shippo API token',
    starts: ['shippo_live_'],
    source: `shippo_live_[a-f0-9]{40}${END}`,
    prefix: 'shippo_live_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'duffel_token',
    title: 'Duffel API token',
    starts: ['duffel_live_'],
    source: `duffel_live_[A-Za-z0-9_=-]{43}${END}`,
    prefix: 'duffel_live_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'mapbox_token',
    title: 'Mapbox secret token',
    starts: ['sk.eyJ'],
    source: `sk\\.eyJ[A-Za-z0-9_-]{20,}\\.[A-Za-z0-9_-]{20,}${END}`,
    prefix: 'sk.',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'stripe_webhook_secret',
    title: 'Stripe webhook signing secret',
    starts: ['whsec_'],
    source: `whsec_[A-Za-z0-9+/=]{32,}${END}`,
    prefix: 'whsec_',
    severity: 'critical',
    boundary: true,
    accept: (m) => looksRandom(m.slice(6)),
  },
  {
    kind: 'readme_key',
    title: 'ReadMe API key',
    starts: ['rdme_'],
    source: `rdme_[a-z0-9]{70}${END}`,
    prefix: 'rdme_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'clojars_token',
    title: 'Clojars deploy token',
    starts: ['CLOJARS_'],
    source: `CLOJARS_[a-z0-9]{60}${END}`,
    prefix: 'CLOJARS_',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'openshift_token',
    title: 'OpenShift user token',
    starts: ['sha256~'],
    source: `sha256~[A-Za-z0-9_-]{43}${END}`,
    prefix: 'sha256~',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'defined_networking_key',
    title: 'Defined Networking API key',
    starts: ['dnkey-'],
    source: `dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}${END}`,
    prefix: 'dnkey-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'frameio_token',
    title: 'Frame.io API token',
    starts: ['fio-u-'],
    source: `fio-u-[A-Za-z0-9_=-]{64}${END}`,
    prefix: 'fio-u-',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'facebook_token',
    title: 'Facebook access token',
    starts: ['EAACEdEose0cBA'],
    source: `EAACEdEose0cBA[A-Za-z0-9]{20,}${END}`,
    prefix: 'EAAC',
    severity: 'critical',
    boundary: true,
  },
  // whole credentials recognised by their syntax
  {
    kind: 'paas_vault_value',
    title: 'paas vault entry (a committed vault file)',
    starts: ['PAAS_TARGETS', 'PAAS_SSH_KEY', 'PAAS_STATE_KEY', 'PAAS_KNOWN_HOSTS', 'PAAS_WEBHOOK_SECRET'],
    source: 'PAAS_(?:TARGETS|SSH_KEY|STATE_KEY|KNOWN_HOSTS|WEBHOOK_SECRET)[ \\t]*=[ \\t]*[^\\s#][^\\n]*',
    prefix: 'PAAS_',
    severity: 'critical',
    lineStart: true,
    accept: vaultValue,
  },
  {
    kind: 'redis_password',
    title: 'Redis password (requirepass/masterauth)',
    starts: ['requirepass', 'masterauth'],
    source: '(?:requirepass|masterauth)[ \\t]+["\']?[^\\s"\']+',
    prefix: '',
    severity: 'critical',
    lineStart: true,
    accept: (m) => {
      const v = afterSep(m, /[ \t]+/);
      return v !== 'foobared' && !isPlaceholder(v) && v.length >= 8;
    },
  },
  {
    kind: 'ansible_password',
    title: 'Ansible connection or become password',
    starts: ['ansible_ssh_pass', 'ansible_become_pass', 'ansible_pass'],
    source: 'ansible_(?:ssh_|become_)?pass(?:word)?[ \\t]*[=:][ \\t]*(?:"[^"\\n]*"|\'[^\'\\n]*\'|[^\\s"\']+)',
    prefix: 'ansible_',
    severity: 'critical',
    boundary: true,
    accept: (m) => {
      const v = afterSep(m, /[=:]/);
      return v.length >= 6 && !isPlaceholder(v) && !v.startsWith('!');
    },
  },
  {
    kind: 'htpasswd_entry',
    title: 'htpasswd password hash',
    starts: ['$apr1$', ':{SHA}'],
    source: '(?:\\$apr1\\$[./0-9A-Za-z]{1,8}\\$[./0-9A-Za-z]{22}|:\\{SHA\\}[A-Za-z0-9+/]{27}=)',
    prefix: '',
    severity: 'high',
  },
  // the providers of the major open-source scanners' default rules not covered above (formats
  // as their vendors document them; a second independent review found each missed)
  {
    kind: 'cloudflare_origin_ca_key',
    title: 'Cloudflare Origin CA key',
    starts: ['v1.0-'],
    source: `v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}${END}`,
    prefix: 'v1.0-',
    severity: 'critical',
    boundary: true,
    pad: { before: [BOUND], after: [HEXC] },
  },
  {
    kind: 'flyio_token',
    title: 'Fly.io access token',
    starts: ['FlyV1 fm2_', 'fm1a_', 'fm1r_'],
    source: `(?:FlyV1 fm2_|fm1[ar]_)[A-Za-z0-9+/]{100,}={0,3}${END}`,
    prefix: 'f',
    severity: 'critical',
    boundary: true,
    pad: { before: [BOUND] },
    accept: (m) => looksRandom(m.slice(m.indexOf('_') + 1)),
  },
  {
    kind: 'terraform_cloud_token',
    title: 'Terraform Cloud / HCP Terraform API token',
    starts: ['.atlasv1.'],
    back: ALNUMC,
    source: `[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}${END}`,
    prefix: '',
    severity: 'critical',
    boundary: true,
  },
  ...(
    [
      ['sourcegraph_token', 'Sourcegraph access token', 'sgp_', '(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}'],
      ['scalingo_token', 'Scalingo API token', 'tk-us-', '[\\w-]{48}'],
      ['huggingface_token', 'Hugging Face organization token', 'api_org_', '[A-Za-z]{34}'],
      ['google_oauth_secret', 'Google OAuth client secret', 'GOCSPX-', '[A-Za-z0-9_-]{28}'],
      ['google_oauth_token', 'Google OAuth access token', 'ya29.', '[0-9A-Za-z_-]{30,}'],
      ['contentful_token', 'Contentful personal access token', 'CFPAT-', '[A-Za-z0-9_-]{43}'],
      ['circleci_token', 'CircleCI personal API token', 'CCIPAT_', '[A-Za-z0-9]{22}_[a-f0-9]{40}'],
    ] as const
  ).map(([kind, title, start, body]): TokenRule => ({
    kind,
    title,
    starts: [start],
    source: `${start.replace(/\./g, '\\.')}${body}${END}`,
    prefix: start,
    severity: 'critical',
    boundary: true,
    ...(start.length < 5 ? { pad: { before: [BOUND] } } : {}),
    accept: (m) => looksRandom(m.slice(start.length)),
  })),
  {
    kind: 'slack_token',
    title: 'Slack configuration and refresh token',
    starts: ['xoxe.xox', 'xoxe-'],
    source: `xoxe(?:\\.xox[bp]-\\d-[A-Za-z0-9]{163,166}|-\\d-[A-Za-z0-9]{146})${END}`,
    prefix: 'xoxe',
    severity: 'critical',
    boundary: true,
  },
  {
    kind: 'curl_basic_auth',
    title: 'Password on a curl command line (-u user:password)',
    starts: ['curl '],
    source: 'curl [^\\n|;&]*?(?:-u|--user)[ =]+["\']?[\\w.@+-]+:[^\\s"\'`,;$\\\\()[\\]{}<>]{6,}',
    prefix: 'curl -u ',
    severity: 'high',
    notInDocs: true,
    accept: (m) => {
      const v = m.slice(m.lastIndexOf(':') + 1);
      return !isPlaceholder(v) && looksSecretish(v);
    },
  },
  {
    kind: 'cli_password',
    title: 'Password on a command line (mysql -p..., sshpass -p, docker login -p)',
    starts: ['mysql ', 'mysqldump ', 'mysqladmin ', 'sshpass ', 'docker login ', 'podman login '],
    source:
      '(?:mysql(?:dump|admin)? [^\\n|;&]*?[ \\t]-p(?=[^\\s-])|sshpass [^\\n|;&]*?-p[ \\t]+|(?:docker|podman) login [^\\n|;&]*?(?:-p|--password)(?:[ \\t]+|=))["\']?[^\\s"\'`,;$\\\\()[\\]{}<>]{6,}',
    prefix: 'mysql',
    severity: 'high',
    notInDocs: true,
    accept: (m) => {
      const v = /["']?([^\s"']+)$/.exec(m)?.[1] ?? '';
      return !isPlaceholder(v) && looksSecretish(v);
    },
  },
  {
    kind: 'docker_auth',
    title: 'Registry credentials (Docker config auths / .npmrc _auth)',
    starts: ['"auth"', '_auth='],
    source: '(?:"auth"[ \\t]*:[ \\t]*"[A-Za-z0-9+/]{8,}={0,2}"|_auth[ \\t]*=[ \\t]*[A-Za-z0-9+/]{8,}={0,2})',
    prefix: '',
    severity: 'critical',
    accept: (m) => basicCredentials(m.replace(/^[^:=]*[:=][ \t]*"?|"$/g, '')),
  },
  {
    kind: 'basic_auth',
    title: 'HTTP basic credentials',
    starts: ['Basic '],
    source: 'Basic [A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])',
    prefix: 'Basic ',
    severity: 'high',
    accept: (m) => basicCredentials(m.slice(6)),
  },
  ...ENCODED_B64.filter((e) => e.length < 7).map((e): TokenRule => ({
    kind: 'encoded_secret',
    title: 'Secret hidden in base64',
    starts: [e],
    source: `${alt([e])}[A-Za-z0-9+/]*={0,2}`,
    prefix: '',
    severity: 'critical',
    boundary: true,
    decode: 'base64',
    pad: encodedPad(e),
  })),
  {
    kind: 'encoded_secret',
    title: 'Secret hidden in base64',
    starts: ENCODED_B64.filter((e) => e.length >= 7),
    source: `(?:${alt(ENCODED_B64)})[A-Za-z0-9+/]*={0,2}`,
    prefix: '',
    severity: 'critical',
    boundary: true,
    decode: 'base64',
  },
  {
    kind: 'encoded_secret',
    title: 'Secret hidden in hex',
    starts: ENCODED_HEX,
    source: `(?:${alt(ENCODED_HEX)})[0-9a-fA-F]*`,
    prefix: '',
    severity: 'critical',
    boundary: true,
    decode: 'hex',
  },
  {
    kind: 'jwt',
    title: 'JSON Web Token',
    starts: ['.eyJ'],
    back: `${ALNUMC}_-`,
    source: `eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{16,}${END}`,
    prefix: 'eyJ',
    severity: 'high',
    boundary: true,
    notInDocs: true,
    accept: realJwt,
  },
  // multi-line and structured forms: the scanner verifies them further (see scan.ts)
  {
    kind: 'private_key',
    title: 'Private key block',
    starts: ['-----BEGIN '],
    source: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----',
    prefix: '-----BEGIN PRIVATE KEY-----',
    severity: 'critical',
  },
  {
    kind: 'dsn_password',
    title: 'Password in a connection string',
    starts: ['://'],
    source: '://[^\\s:/?#@\'"`<>{}()\\[\\]\\\\]{0,128}:[^\\s/?#@\'"`<>\\\\]{1,256}@[A-Za-z0-9\\[]',
    prefix: '://',
    severity: 'critical',
  },
  {
    kind: 'bearer_token',
    title: 'Bearer token',
    starts: ['Bearer ', 'bearer '],
    source: '[Bb]earer [A-Za-z0-9._~+/-]{20,}=*',
    prefix: 'Bearer ',
    severity: 'high',
    accept: (m) => looksRandom(m.slice(7)),
  },
  {
    kind: 'bearer_token',
    title: 'Authorization header with the token scheme (GitHub)',
    starts: ['Authorization', 'authorization'],
    source: '[Aa]uthorization["\']?[ \\t]*[:=][ \\t]*["\']?token[ \\t]+[A-Za-z0-9._~+/-]{20,}=*',
    prefix: 'Authorization',
    severity: 'high',
    accept: (m) => looksRandom(m.slice(m.lastIndexOf(' ') + 1)),
  },
  {
    kind: 'private_key',
    title: 'PuTTY private key',
    starts: ['PuTTY-User-Key-File-'],
    source: 'PuTTY-User-Key-File-[0-9]: [A-Za-z0-9@.-]+',
    prefix: 'PuTTY-User-Key-File',
    severity: 'critical',
    lineStart: true,
  },
];

export const PRIVATE_KEY_RULE = TOKEN_RULES.findIndex((r) => r.kind === 'private_key' && r.starts[0] === '-----BEGIN ');
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
export const NON_SECRET_KEY_SUFFIXES: ReadonlySet<string> = new Set([
  ...NON_SECRET_KEY_WORDS,
  // doctor reports values, so it also passes over keys about code and display; redaction masks
  // those values anyway (masking too much is safe, reporting too much is noise)
  ...(
    'id ids limits hash hashed digest class style color parameter sha checksum fingerprint text reset ' +
    'input output ui show visible hidden script callback handler function fn method volume lookup ' +
    'reader writer loader getter cache sha1 sha256 sha384 sha512 md5 algo contract address'
  ).split(' '),
]);

/** Values that stand for a secret without being one. Compared lower-case. */
const PLACEHOLDER_VALUES = new Set([
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'change-it',
  'redacted',
  'placeholder',
  'example',
  'dummy',
  'fake',
  'test',
  'testing',
  'todo',
  'tbd',
  'fixme',
  'none',
  'null',
  'nil',
  'undefined',
  'true',
  'false',
  'yes',
  'no',
  'password',
  'passwd',
  'secret',
  'token',
  'required',
  'optional',
  'string',
  'str',
  'env',
  'default',
  'empty',
  'sample',
  'notasecret',
  'not-a-secret',
  'replaceme',
  'replace-me',
  'replace_me',
  'insert-here',
  'secret-value',
  'your-secret',
  'your-token',
  'your-password',
  'mysecret',
  'my-secret',
  'mypassword',
  'pass',
  'pwd',
  'admin',
  'root',
  'postgres',
  'user',
  'username',
  'hidden',
  'masked',
  'unset',
  'off',
  'on',
  'auto',
  'bearer',
  'basic',
  'same-origin',
  'include',
  'omit',
  'use-credentials',
  'conditional',
  'anonymous',
  'oauth',
  'oauth2',
  'jwt',
  'apikey',
  'api-key',
  'api_key',
  'secretkey',
  'secret-key',
  'secret_key',
  'private',
  'public',
  'xxx',
]);

const PLACEHOLDER_WORDS =
  /example|placeholder|changeme|change[-_]me|redacted|dummy|\bfake|sample|your[-_ ]|replace[-_ ]?me|insert[-_ ]|<[^>]*>|^x+$|^\*+$|^\.+$|^-+$|^_+$|^#+$|^0+$|notreal|not[-_]a[-_]secret|secret[-_]here|token[-_]here|password[-_]here/i;

/**
 * True when a value stands for a secret (reference, template, placeholder) instead of being one:
 * the redaction library's placeholders, plus what a repository scan must also let pass
 * (documentation values, fixtures, filler such as abc123xyz456).
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length < 6 || redactionPlaceholder(v)) return true;
  if (PLACEHOLDER_VALUES.has(v.toLowerCase())) return true;
  if (
    /^[$%]|^\{|^<|^ENC\[|^vault:|^ref\+|^!|^#\{|^@Value|^@Microsoft\.KeyVault\(|^@@\w+@@$|^arn:|^sha\d+[:-]|^md5:|^file:|^env:|^secret:|^secretref:/i.test(
      v,
    )
  )
    return true;
  // templates and format strings (`%s` followed by a letter is part of a value: real passwords hold `%`)
  if (v.includes('${') || v.includes('{{') || v.includes('}}') || /%[sdv](?![A-Za-z0-9])/.test(v) || v.includes('%('))
    return true;
  if (PLACEHOLDER_WORDS.test(v)) return true;
  if (new Set(v).size < 4) return true;
  if (/\.\.\.|…|\u00e2\u0080\u00a6/.test(v)) return true; // sk_live_..., truncated examples (… also as the Latin-1 reading of its UTF-8 bytes)
  if (/^(?:key|pass|pwd|password|secret|token|user|test)[-_]?\d{1,6}$/i.test(v) || v === 'foobared') return true; // key_1234, pass123, Redis's documented example
  if (mostlyOneRun(v, 6)) return true; // 000000, ******, aaaaaa (not a real value holding a run: OpenSSH keys hold AAAAAAAA)
  if (/^[A-Za-z_-]+$/.test(v) && /secret|token|passw|credential|key/i.test(v)) return true; // SuperSecretToken, wrong-token-xyz
  if (
    /^(?:abc|def|xyz|123|456|789|000|qwerty|asdf|foo|bar|baz|qux|test|demo|dummy|sample|secret|token|pass|word|key|my|the|[-_.])+$/i.test(
      v,
    )
  )
    return true; // abc123xyz456, foo-bar-baz
  return false;
}
