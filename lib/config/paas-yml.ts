import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { LineCounter, Node as YamlNode } from 'yaml';
import * as z from 'zod';
import { webhookPolicySchema } from '../isolation/context.js';
import {
  appName,
  checkName,
  CONTEXT_NAME_RE,
  CONTEXT_TYPES,
  NAME_RULE,
  SQL_IDENTIFIER_RE,
  TARGET_ID_RE,
} from '../isolation/names.js';
import { PaasError, errorMessage } from '../output/errors.js';
import { durationMs } from './duration.js';
import { lazy } from '../runtime/lazy.js';
import { vaultKey } from './vault-key.js';

/**
 * `paas.yml`: the one committed configuration file (PRODUCT.md section 11). It names secrets
 * (vault keys), never holds them, and holds no host names. ONE strict zod schema for the whole file;
 * every field is documented in docs/paas-yml.md. Durations come out as milliseconds.
 */

const PAAS_YML_DEFAULT = 'paas.yml';
const MAX_BYTES = 1_000_000;

/** A vault key or named secret, e.g. POSTGRES_DSN_PROD (the value lives in the context's vault). */
export { vaultKey };
/** A lowercase SQL identifier (used unquoted-compatible, quoted anyway). */
const sqlIdentifier = lazy(() =>
  z.string().regex(SQL_IDENTIFIER_RE, {
    error: 'must be a lowercase SQL identifier (letters, digits, underscores; at most 63)',
  }),
);
const noControl = (s: string) =>
  ![...s].some((ch) => {
    const c = ch.charCodeAt(0);
    return (c < 0x20 && c !== 0x09) || c === 0x7f;
  });

/** A path relative to the workspace (repository root), staying inside it. */
const relativePath = lazy(() =>
  z
    .string()
    .min(1)
    .max(4096)
    .refine((s) => noControl(s), { error: 'must not contain control characters' })
    .refine((s) => !isAbsolute(s) && !s.startsWith('~'), { error: 'must be relative to the repository root' })
    .refine((s) => !s.split(/[\\/]/).includes('..'), { error: 'must not contain .. segments' }),
);

/** An absolute path on a target. */
const remotePath = lazy(() =>
  z
    .string()
    .max(4096)
    .refine((s) => s.startsWith('/'), { error: 'must be an absolute path' })
    .refine((s) => noControl(s), { error: 'must not contain control characters' })
    .refine((s) => !s.split('/').includes('..'), { error: 'must not contain .. segments' }),
);

/** A command run on a target (one line). */
const commandString = lazy(() =>
  z
    .string()
    .min(1)
    .max(4096)
    .refine((s) => noControl(s), { error: 'must be one line without control characters' }),
);

/** A runbook link: an http(s) URL, or a path in the repository (linked to the file on GitHub). */
const runbookRef = lazy(() =>
  z
    .string()
    .min(1)
    .max(2048)
    .refine(
      (s) =>
        /^https?:\/\//.test(s) ? /^https?:\/\/[^\s]+$/.test(s) : relativePath().safeParse(s).success && !/\s/.test(s),
      { error: 'must be an http(s) URL or a path in the repository' },
    ),
);

const httpStatus = lazy(() => z.number().int().min(100).max(599));
const expectStatus = lazy(() => z.union([httpStatus(), z.array(httpStatus()).min(1).max(20)]));
const port = lazy(() => z.number().int().min(1).max(65535));

/** Days of a maintenance window (`contexts.<name>.maintenance[].weekdays`). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const STRATEGIES = ['serial', 'rolling', 'parallel', 'canary', 'bluegreen'] as const;
export const CHECK_KINDS = ['http', 'sql', 'target', 'tls', 'backup'] as const;

// Each section of the file is one named schema builder below, composed at the end of the file, each
// built once, on first use (constructing ~150 zod nodes is not free at process start).

// -------------------------------------------------------------------------------------------- apps

/** `apps.<app>.health`: an HTTP check through the SSH connection, or a command; with its timings. */
function healthSchema() {
  return z
    .strictObject({
      http: z
        .strictObject({
          port: port(),
          path: z
            .string()
            .max(2048)
            .regex(/^\/[^\s]*$/, { error: 'must start with / and hold no spaces' })
            .default('/'),
          expect: expectStatus().default(200),
        })
        .optional(),
      command: commandString().optional(),
      interval: durationMs({ min: 100, max: 600_000 }).default(1000),
      timeout: durationMs({ min: 100, max: 600_000 }).default(5000),
      deadline: durationMs({ min: 1000, max: 3_600_000 }).default(30_000),
    })
    .superRefine((h, ctx) => {
      if (!h.http === !h.command)
        ctx.addIssue({ code: 'custom', message: 'give exactly one of http or command', path: [] });
      if (h.timeout > h.deadline)
        ctx.addIssue({ code: 'custom', message: 'timeout must not exceed deadline', path: ['timeout'] });
    });
}

/** `apps.<app>.slots`: the two ports of a bluegreen app. */
function slotsSchema() {
  return z.strictObject({
    blue: z.strictObject({ port: port() }),
    green: z.strictObject({ port: port() }),
    switch: commandString().optional(),
  });
}

/** The fields of one entry of `apps:` (docs/paas-yml.md, apps section). */
function appFields() {
  return z.strictObject({
    artifact: relativePath().optional(),
    deploy_root: remotePath().default('/srv/paas'),
    keep_releases: z.number().int().min(2).max(100).default(5),
    shared: z.array(relativePath()).max(100).default([]),
    start: commandString().optional(),
    restart: commandString().optional(),
    health: healthSchema().optional(),
    strategy: z.enum(STRATEGIES).default('serial'),
    batch: z.number().int().min(1).max(1000).default(1),
    max_parallel: z.number().int().min(1).max(256).default(4),
    canary: z.number().int().min(1).max(1000).default(1),
    slots: slotsSchema().optional(),
    hooks: z
      .strictObject({ pre_switch: commandString().optional(), post_switch: commandString().optional() })
      .prefault({}),
    // deploy/rollback (lib/ops/deploy): lock expiry, per-step time limit, SSH connection setup, Deployment URL
    lock_ttl: durationMs({ min: 10_000, max: 24 * 3_600_000 }).default(30 * 60_000),
    command_timeout: durationMs({ min: 1000, max: 6 * 3_600_000 }).default(10 * 60_000),
    connect_concurrency: z.number().int().min(1).max(256).default(10),
    connect_attempts: z.number().int().min(1).max(10).default(4),
    url: z
      .string()
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//.test(u), { error: 'must be an http(s) URL' })
      .optional(),
  });
}

/** The rules across fields of one app (bluegreen needs slots and a health check, unique paths). */
function checkAppRules(a: z.output<ReturnType<typeof appFields>>, ctx: z.core.$RefinementCtx): void {
  if (a.strategy === 'bluegreen' && !a.slots)
    ctx.addIssue({
      code: 'custom',
      message: 'strategy bluegreen needs slots: { blue: { port }, green: { port } }',
      path: ['slots'],
    });
  if (a.strategy === 'bluegreen' && a.health?.command === undefined && !a.health?.http)
    ctx.addIssue({
      code: 'custom',
      message: 'strategy bluegreen needs a health check (the idle slot is checked before the switch)',
      path: ['health'],
    });
  if (a.slots && a.slots.blue.port === a.slots.green.port)
    ctx.addIssue({ code: 'custom', message: 'blue and green need different ports', path: ['slots'] });
  if (new Set(a.shared).size !== a.shared.length)
    ctx.addIssue({ code: 'custom', message: 'shared paths must be unique', path: ['shared'] });
}

/** One entry of `apps:`, its fields and the rules across them. */
function appSchema() {
  return appFields().superRefine(checkAppRules);
}

// ---------------------------------------------------------------------------------------------- db

/** `db:` (db_bootstrap and prod_verify's database check). */
function dbSchema() {
  return z.strictObject({
    migrations: relativePath().default('db/migrations'),
    dsn: vaultKey.default('POSTGRES_DSN_PROD'),
    ledger_schema: sqlIdentifier().default('public'),
    ledger_table: sqlIdentifier().default('schema_migrations'),
    lock_wait: durationMs({ min: 0, max: 3_600_000 }).default(60_000),
    lock_timeout: durationMs({ min: 100, max: 3_600_000 }).default(5000),
    statement_timeout: durationMs({ min: 0, max: 24 * 3_600_000 }).default(600_000),
    lock_retries: z.number().int().min(0).max(10).default(3),
    retry_delay: durationMs({ min: 0, max: 600_000 }).default(2000),
    connect_timeout: durationMs({ min: 1000, max: 600_000 }).default(10_000),
    progress_interval: durationMs({ min: 100, max: 3_600_000 }).default(10_000),
  });
}

// --------------------------------------------------------------------------------------------- ops

/** `insufficient_when` / `unhealthy_when` of a sql check: result column -> comparisons. */
function sqlConditionsSchema() {
  const conditionOps = z
    .strictObject({
      eq: z.number().optional(),
      ne: z.number().optional(),
      lt: z.number().optional(),
      le: z.number().optional(),
      gt: z.number().optional(),
      ge: z.number().optional(),
    })
    .refine((c) => Object.values(c).some((v) => v !== undefined), {
      error: 'give at least one of eq, ne, lt, le, gt, ge',
    });
  return z.record(
    z.string().regex(SQL_IDENTIFIER_RE, { error: 'condition keys are result column names' }),
    conditionOps,
  );
}

/** `ops.checks[].http`. */
function httpCheckSchema() {
  return z.strictObject({
    url: vaultKey,
    method: z.enum(['GET', 'HEAD']).default('GET'),
    expect: expectStatus().default(200),
    max_latency_ms: z.number().int().min(1).max(600_000).optional(),
    body_contains: z.string().min(1).max(1024).optional(),
    timeout: durationMs({ min: 100, max: 600_000 }).default(10_000),
  });
}

/** `ops.checks[].sql` (aggregate-only). */
function sqlCheckSchema() {
  const conditions = sqlConditionsSchema();
  return z.strictObject({
    query: z.string().min(1).max(10_000),
    dsn: vaultKey.default('POSTGRES_DSN_PROD'),
    insufficient_when: conditions.optional(),
    unhealthy_when: conditions.optional(),
    timeout: durationMs({ min: 100, max: 600_000 }).default(30_000),
  });
}

/** `ops.checks[].target` (also the shape of prod_verify's release check). */
function targetCheckSchema() {
  return z
    .strictObject({
      disk_max_pct: z.number().min(1).max(100).optional(),
      disk_path: remotePath().default('/'),
      service: z
        .string()
        .regex(/^[A-Za-z0-9@._:-]{1,255}$/, { error: 'must be a service (unit) name' })
        .optional(),
      current_release: z.boolean().default(false),
      app: appName.optional(),
      timeout: durationMs({ min: 100, max: 600_000 }).default(30_000),
    })
    .refine((t) => t.disk_max_pct !== undefined || t.service !== undefined || t.current_release, {
      error: 'give at least one of disk_max_pct, service, current_release',
    });
}

/** `ops.checks[].tls`. */
function tlsCheckSchema() {
  return z.strictObject({
    host: vaultKey,
    ca: vaultKey.optional(),
    port: port().default(443),
    min_days: z.number().int().min(0).max(3650).default(14),
    timeout: durationMs({ min: 100, max: 600_000 }).default(10_000),
  });
}

/** `ops.checks[].backup`. */
function backupCheckSchema() {
  return z.strictObject({
    dir: remotePath(),
    max_age_hours: z
      .number()
      .positive()
      .max(24 * 366),
    verify_checksum: z.boolean().default(true),
    target: z.string().regex(TARGET_ID_RE, { error: 'must be a target id from PAAS_TARGETS' }).optional(),
    timeout: durationMs({ min: 100, max: 3_600_000 }).default(300_000),
  });
}

/** One entry of `ops.checks`: a name and exactly one kind. */
function checkSchema() {
  return z
    .strictObject({
      name: checkName,
      required: z.boolean().default(true),
      runbook: runbookRef().optional(),
      http: httpCheckSchema().optional(),
      sql: sqlCheckSchema().optional(),
      target: targetCheckSchema().optional(),
      tls: tlsCheckSchema().optional(),
      backup: backupCheckSchema().optional(),
    })
    .superRefine((c, ctx) => {
      const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
      if (kinds.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message: `give exactly one of ${CHECK_KINDS.join(', ')}${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`,
          path: [],
        });
    });
}

/** `ops.alerting`: alerting across runs (docs/ops_daily.md); the counters live in the alert issue's hidden marker. */
function alertingSchema() {
  return z.strictObject({
    failure_threshold: z.number().int().min(1).max(100).default(1),
    success_threshold: z.number().int().min(1).max(100).default(1),
    deploy_grace: durationMs({ min: 0, max: 24 * 3_600_000 }).default(0),
    remind_every: durationMs({ min: 0, max: 31 * 24 * 3_600_000 }).default(0),
    flapping: z
      .strictObject({
        changes: z.number().int().min(2).max(100).default(4),
        window: durationMs({ min: 60_000, max: 31 * 24 * 3_600_000 }).default(24 * 3_600_000),
      })
      .optional(),
  });
}

/** `ops:` (ops_daily and prod_verify). */
function opsSchema(check: z.ZodLazy<ReturnType<typeof checkSchema>>) {
  return z
    .strictObject({
      checks: z.array(check).max(200).default([]),
      expected_interval: durationMs({ min: 60_000, max: 31 * 24 * 3_600_000 }).default(26 * 3_600_000),
      concurrency: z.number().int().min(1).max(200).default(100),
      slack: z.strictObject({ webhook: vaultKey.default('SLACK_WEBHOOK_URL') }).prefault({}),
      alerting: alertingSchema().prefault({}),
    })
    .superRefine((o, ctx) => {
      const seen = new Set<string>();
      o.checks.forEach((c, i) => {
        if (seen.has(c.name))
          ctx.addIssue({ code: 'custom', message: `duplicate check name ${c.name}`, path: ['checks', i, 'name'] });
        seen.add(c.name);
      });
    });
}

// ---------------------------------------------------------------------------------------- contexts

/** An IANA time zone this runtime knows. */
function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `contexts.<name>.maintenance[]`: a weekly window in a time zone: checks run and are reported, nobody is paged. */
function maintenanceWindowSchema() {
  return z.strictObject({
    weekdays: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .default([...WEEKDAYS]),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM (24 h)' }),
    duration: durationMs({ min: 60_000, max: 7 * 24 * 3_600_000 }),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin or UTC' })
      .default('UTC'),
  });
}

/** `contexts.<name>`: what the repository says about a context (type, environment, trigger, runbook, maintenance). */
function contextEntrySchema() {
  return z.strictObject({
    type: z.enum(CONTEXT_TYPES).optional(),
    environment: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: 'must be a GitHub environment name' })
      .optional(),
    trigger: webhookPolicySchema.optional(),
    runbook: runbookRef().optional(),
    maintenance: z.array(maintenanceWindowSchema()).max(20).optional(),
  });
}

// ------------------------------------------------------------------------------------- whole file

// Each part is built on first use, once. The whole-file schema reaches apps, ops checks and contexts
// through z.lazy, so the defaults of a repository without paas.yml (`{ version: 1 }`: empty apps,
// checks and contexts) never build those parts; only db and ops' own fields are built for them.
const app = lazy(appSchema);
const db = lazy(dbSchema);
const check = lazy(checkSchema);
const contextEntry = lazy(contextEntrySchema);

function paasYmlSchema() {
  return z.strictObject({
    version: z.literal(1, { error: 'version must be 1' }),
    apps: z.record(appName, z.lazy(app)).default({}),
    db: db().prefault({}),
    ops: opsSchema(z.lazy(check)).prefault({}),
    contexts: z
      .record(z.string().regex(CONTEXT_NAME_RE, { error: `context names match ${NAME_RULE}` }), z.lazy(contextEntry))
      .default({}),
  });
}
const paasYml = lazy(paasYmlSchema);

const SCHEMAS = {
  get paasYml() {
    return paasYml();
  },
  get db() {
    return db();
  },
  get check() {
    return check();
  },
  get app() {
    return app();
  },
};
/**
 * The schemas of paas.yml: `paasYml` (the whole file), `db`, `check` (one ops check), `app` (one
 * entry of `apps:`); each is built when first read.
 */
export function paasYmlSchemas(): typeof SCHEMAS {
  return SCHEMAS;
}
export type PaasYml = z.output<ReturnType<typeof paasYmlSchema>>;
export type DbConfig = z.output<ReturnType<typeof dbSchema>>;
export type OpsCheck = z.output<ReturnType<typeof checkSchema>>;
export type AppConfig = PaasYml['apps'][string];
/** One maintenance window of a context, as the schema returns it (duration in ms). */
export type MaintenanceWindowConfig = NonNullable<PaasYml['contexts'][string]['maintenance']>[number];

/** The configuration when a repository has no paas.yml (every default). */
export function defaultPaasYml(): PaasYml {
  return paasYmlSchemas().paasYml.parse({ version: 1 });
}

export interface LoadedPaasYml {
  config: PaasYml;
  /** absolute path of the file read, or where it was looked for */
  path: string;
  exists: boolean;
}

function configError(file: string, line: number | null, where: string, message: string): PaasError {
  const loc = line ? `${file}:${line}` : file;
  return new PaasError('PAAS_INVALID_ARGUMENT', `${loc}: ${where ? `${where}: ` : ''}${message}`, {
    stage: 'config',
    target: file,
    remediation: `Fix ${where || 'the file'} in ${file}; every field is described in docs/paas-yml.md.`,
  });
}

let yamlModule: typeof Yaml | undefined;

/**
 * The YAML parser, loaded on first use (~160 KB: a run without paas.yml never evaluates it). In the
 * bundle `require('yaml')` is esbuild's lazy wrapper of the bundled copy; unbundled (tests, tsc
 * output) ESM has no `require`, and node_modules is there.
 */
function yaml(): typeof Yaml {
  yamlModule ??=
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild bundles a literal require lazily
    (typeof require === 'function' ? require('yaml') : createRequire(import.meta.url)('yaml')) as typeof Yaml;
  return yamlModule;
}

/** Line (1-based) of the YAML node at `path` (or of its key when `key` is given), if cheap to find. */
function lineOf(
  doc: ReturnType<typeof Yaml.parseDocument>,
  counter: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): number | null {
  const { isMap, isPair, isScalar } = yaml();
  try {
    let node: unknown = doc.contents;
    for (const seg of path) {
      if (!node || typeof node !== 'object' || !('items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      if (typeof seg === 'number') node = items[seg];
      else
        node =
          (
            items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg)) as
              { value?: unknown } | undefined
          )?.value ?? node;
    }
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) return counter.linePos(pair.key.range[0]).line;
    }
    const range = (node as YamlNode | undefined)?.range;
    return range ? counter.linePos(range[0]).line : null;
  } catch {
    return null;
  }
}

/** Parses paas.yml text. Errors are PAAS_INVALID_ARGUMENT naming the file, line and field. */
export function parsePaasYml(text: string, file = PAAS_YML_DEFAULT): PaasYml {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: true,
    version: '1.2',
  });
  const yamlErr = doc.errors[0];
  if (yamlErr) {
    const line = yamlErr.linePos?.[0]?.line ?? (yamlErr.pos ? counter.linePos(yamlErr.pos[0]).line : null);
    throw configError(file, line, '', `not valid YAML: ${yamlErr.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw configError(file, null, '', `not valid YAML: ${errorMessage(e)}`);
  }
  if (raw === null || raw === undefined)
    throw configError(file, null, '', 'the file is empty; it needs at least `version: 1`');
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw configError(file, 1, '', 'the top level must be a mapping (version, apps, db, ops, contexts)');
  const r = paasYmlSchemas().paasYml.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw configError(file, null, '', 'invalid');
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const line = lineOf(doc, counter, issue.path, keys[0]);
    const field = [...issue.path.map(String), keys[0]].join('.');
    return failWith(
      configError(
        file,
        line,
        field,
        `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''} (allowed fields are listed in docs/paas-yml.md)`,
      ),
    );
  }
  return failWith(configError(file, lineOf(doc, counter, issue.path), where, issue.message));
}

function failWith(e: PaasError): never {
  throw e;
}

/**
 * Loads `paas.yml` (path relative to `baseDir`). A missing file gives the defaults when `optional`
 * (the default file name is optional: a repository without paas.yml uses every default); a file
 * given explicitly must exist.
 */
export function loadPaasYml(file: string, baseDir: string, opts: { optional?: boolean } = {}): LoadedPaasYml {
  const path = resolve(baseDir, file);
  if (!existsSync(path)) {
    if (opts.optional ?? file === PAAS_YML_DEFAULT) return { config: defaultPaasYml(), path, exists: false };
    throw new PaasError('PAAS_INVALID_ARGUMENT', `configuration file ${file} does not exist`, {
      stage: 'config',
      target: file,
      remediation: `Create ${file} (see docs/paas-yml.md) or point \`config\` / --config at the right file.`,
    });
  }
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PaasError(
      'PAAS_INVALID_ARGUMENT',
      `configuration file ${file} cannot be read: ` + errorMessage(e).replace(/^[A-Z]+: /, ''),
      {
        stage: 'config',
        target: file,
        remediation: `Make ${file} a readable regular file.`,
      },
    );
  }
  return { config: parsePaasYml(text, file), path, exists: true };
}
