import { readFileSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import type { Redactor } from '../redaction/redactor.js';
import { DbError } from './errors.js';

/**
 * PostgreSQL DSNs (`postgres://user:password@host:port/database?sslmode=require`).
 * The DSN is a secret as a whole and so is its password: both are registered with the redactor
 * before anything else looks at them, and no error here ever quotes any part of the DSN. The user
 * and host are not registered: they are common words (`postgres`, `127.0.0.1`) and registering
 * them would send `::add-mask::` for them, turning every such word in the log into `***`
 * (docs/redaction.md, "What is masked").
 */
export interface ParsedDsn {
  user: string;
  password: string | null;
  /** host name / address, or a unix socket directory (starts with /) */
  host: string;
  port: number;
  database: string;
  sslmode: SslMode | null;
  sslrootcert: string | null;
  sslcert: string | null;
  sslkey: string | null;
  options: string | null;
  applicationName: string | null;
}

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;
export type SslMode = (typeof SSL_MODES)[number];
const ALLOWED_PARAMS = new Set([
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'options',
  'application_name',
  'host',
  'port',
  'connect_timeout',
]);

const SHAPE = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password)';

function dsnError(key: string, problem: string): DbError {
  return new DbError('PAAS_INVALID_ARGUMENT', 'invalid_dsn', `the DSN in vault key ${key} ${problem}`, {
    stage: 'dsn',
    remediation: `Set ${key} in the context's vault to ${SHAPE}. The value is never printed.`,
  });
}

function decode(part: string, key: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw dsnError(key, `has a malformed percent-encoding in its ${what}`);
  }
}

/** Registers the DSN and its password as secrets. Call before parsing so even a malformed DSN is covered. */
export function registerDsnSecrets(redactor: Redactor, value: string, name?: string): void {
  redactor.register(value, name);
  const trimmed = value.trim();
  if (trimmed !== value) redactor.register(trimmed, name);
  const rest = trimmed.replace(/^[a-z]+:\/\//i, '');
  const q = rest.indexOf('?');
  const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
  const at = beforeQuery.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = beforeQuery.slice(0, at);
    const colon = userinfo.indexOf(':');
    const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
    if (password) {
      redactor.register(password);
      try {
        redactor.register(decodeURIComponent(password));
      } catch {
        /* malformed encoding: the raw form is registered */
      }
    }
  }
}

/** Parses a DSN taken from vault key `key`. Errors name the key and the problem, never the value. */
export function parseDsn(value: string, key: string): ParsedDsn {
  const parts = splitDsn(dsnBody(value, key));
  const colon = parts.userinfo.indexOf(':');
  const user = decode(colon >= 0 ? parts.userinfo.slice(0, colon) : parts.userinfo, key, 'user');
  const password = colon >= 0 ? decode(parts.userinfo.slice(colon + 1), key, 'password') : null;
  const hp = splitHostPort(parts.hostport, key);
  const params = dsnParams(parts.query, key);
  const host = hp.host || (params.get('host') ?? '');
  if (!host) throw dsnError(key, 'names no host (give host, or ?host=/socket/dir for a unix socket)');
  const port = dsnPort(hp.portText || (params.get('port') ?? ''), key);
  const database = decode(parts.path, key, 'database name');
  if (!database)
    throw dsnError(key, 'names no database (paas never creates or guesses one): add /DATABASE after the host');
  if (database.includes('/')) throw dsnError(key, 'has a database name with a /');
  if (!user) throw dsnError(key, 'names no user');
  const sslmode = params.get('sslmode');
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode))
    throw dsnError(key, `has an invalid sslmode (one of ${SSL_MODES.join(', ')})`);
  return {
    user,
    password,
    host,
    port,
    database,
    sslmode: (sslmode as SslMode | null) ?? null,
    sslrootcert: params.get('sslrootcert'),
    sslcert: params.get('sslcert'),
    sslkey: params.get('sslkey'),
    options: params.get('options'),
    applicationName: params.get('application_name'),
  };
}

/** The DSN after `postgres://`: URL form, no whitespace, no `#`. */
function dsnBody(value: string, key: string): string {
  const v = value.trim();
  if (!v) throw dsnError(key, 'is empty');
  const m = /^(postgres|postgresql):\/\/(.*)$/i.exec(v);
  if (!m) {
    const looksKeyword = /^[a-z_]+\s*=/.test(v);
    throw dsnError(
      key,
      looksKeyword
        ? 'is in key=value form; paas needs the URL form'
        : 'does not start with postgres:// or postgresql://',
    );
  }
  if (/\s/.test(v)) throw dsnError(key, 'contains whitespace');
  const rest = m[2] as string;
  if (rest.includes('#')) throw dsnError(key, 'contains a # (percent-encode it as %23)');
  return rest;
}

/** `userinfo@hostport/path?query`, each part still encoded. */
function splitDsn(body: string): { userinfo: string; hostport: string; path: string; query: string } {
  const q = body.indexOf('?');
  const rest = q >= 0 ? body.slice(0, q) : body;
  const at = rest.lastIndexOf('@');
  const afterAt = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = afterAt.indexOf('/');
  const hostport = slash >= 0 ? afterAt.slice(0, slash) : afterAt;
  return {
    userinfo: at >= 0 ? rest.slice(0, at) : '',
    hostport,
    path: slash >= 0 ? afterAt.slice(slash + 1) : '',
    query: q >= 0 ? body.slice(q + 1) : '',
  };
}

/** One host (a name, an address or an [IPv6] address; decoded) and its port text. */
function splitHostPort(hostport: string, key: string): { host: string; portText: string } {
  if (hostport.includes(',')) throw dsnError(key, 'lists several hosts; give exactly one');
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw dsnError(key, 'has an unterminated [IPv6] host');
    const after = hostport.slice(close + 1);
    if (after && !after.startsWith(':')) throw dsnError(key, 'has text after the [IPv6] host');
    return { host: decode(hostport.slice(1, close), key, 'host'), portText: after.slice(1) };
  }
  const c = hostport.lastIndexOf(':');
  return {
    host: decode(c >= 0 ? hostport.slice(0, c) : hostport, key, 'host'),
    portText: c >= 0 ? hostport.slice(c + 1) : '',
  };
}

/** The query parameters, only the allowed ones. */
function dsnParams(query: string, key: string): URLSearchParams {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    throw dsnError(key, 'has a malformed query string');
  }
  for (const name of params.keys()) {
    if (!ALLOWED_PARAMS.has(name)) {
      const shown = /^[a-z_]{1,32}$/.test(name) ? ` ${name}` : '';
      throw dsnError(key, `has an unsupported parameter${shown} (allowed: ${[...ALLOWED_PARAMS].join(', ')})`);
    }
  }
  return params;
}

function dsnPort(portText: string, key: string): number {
  if (!portText) return 5432;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    throw dsnError(key, 'has an invalid port');
  return Number(portText);
}

/**
 * The `pg` client configuration for a parsed DSN. sslmode follows libpq: `require` encrypts without
 * verifying, `verify-ca` checks the chain, `verify-full` also the host name; `disable`, `allow` and
 * `prefer` connect without TLS (`prefer` does not try TLS first: say `require`).
 */
export function clientConfig(
  d: ParsedDsn,
  opts: { applicationName: string; connectTimeoutMs: number; key: string },
): ClientConfig {
  const readPem = (file: string | null, what: string): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw dsnError(opts.key, `names an ${what} file that cannot be read`);
    }
  };
  let ssl: ClientConfig['ssl'] = false;
  if (d.sslmode === 'require' || d.sslmode === 'no-verify')
    ssl = {
      rejectUnauthorized: false,
      ca: readPem(d.sslrootcert, 'sslrootcert'),
      cert: readPem(d.sslcert, 'sslcert'),
      key: readPem(d.sslkey, 'sslkey'),
    };
  else if (d.sslmode === 'verify-ca')
    ssl = {
      rejectUnauthorized: true,
      checkServerIdentity: () => undefined,
      ca: readPem(d.sslrootcert, 'sslrootcert'),
      cert: readPem(d.sslcert, 'sslcert'),
      key: readPem(d.sslkey, 'sslkey'),
    };
  else if (d.sslmode === 'verify-full')
    ssl = {
      rejectUnauthorized: true,
      ca: readPem(d.sslrootcert, 'sslrootcert'),
      cert: readPem(d.sslcert, 'sslcert'),
      key: readPem(d.sslkey, 'sslkey'),
    };
  return {
    user: d.user,
    password: d.password ?? undefined,
    host: d.host,
    port: d.port,
    database: d.database,
    ssl,
    options: d.options ?? undefined,
    application_name: opts.applicationName.slice(0, 63),
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
  };
}
