/**
 * A local GitHub REST API server for the endpoints paas-actions calls, checking EVERY request
 * against GitHub's published OpenAPI description (@octokit/openapi, api.github.com):
 *   - the path must match a path template of the description, and the method must exist on it;
 *   - path and query parameters must be declared for that operation and valid for their schema,
 *     required ones present;
 *   - a JSON body must validate against the operation's requestBody schema (ajv; OpenAPI 3.0
 *     `nullable` translated), and top-level fields must be declared (GitHub ignores unknown fields,
 *     so a typo would silently do nothing: we refuse it);
 *   - `Authorization: Bearer <token>` must carry the server's token.
 * A failing request is answered like GitHub would (401/404/422) AND recorded in `violations`; tests
 * assert `violations` is empty. Requests the description allows but this fake does not implement
 * are violations too (we should not be calling them).
 *
 * State: issues (and pull requests, which the issues endpoints also return), comments, labels;
 * deployments and their statuses (GitHub's rules: `environment` defaults to production, payload
 * kept as given, statuses newest first, `auto_inactive` marks earlier successful deployments of the
 * environment inactive, a status description over 140 characters or a non-http(s) URL is a 422).
 * Deployment responses are themselves checked against the description's response schemas, so the
 * fake cannot drift from what Octokit would get from GitHub.
 * Listing paginates like GitHub (per_page max 100, `Link` with rel="next"/"last").
 * The repository itself (`GET /repos/{owner}/{repo}`, a full-repository object checked against the
 * description) reports `private` and `pushed_at` as set in `repository`.
 *
 * Faults on demand (`fail`, `failNext`): any status for the next N requests matching an endpoint
 * (and optionally a listing page), with GitHub's own signals: `Retry-After`, `x-ratelimit-remaining:
 * 0` + `x-ratelimit-reset` (primary limit), a 403 whose message names a "secondary rate limit", or a
 * plain 403 (`Resource not accessible by integration`: a missing permission). `foreignNextLink`
 * makes listings point their next page at another origin (which a client must refuse).
 * The token is accepted as `Authorization: Bearer <token>` or `token <token>` (Octokit's form).
 *
 * Self-contained (node builtins and npm packages only, erasable TypeScript), so `npm run demo` can
 * load it with Node's type stripping.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: unknown };

interface Operation {
  parameters?: Array<Schema>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Schema> };
}

let SPEC: Spec | null = null;
let ROUTES: Array<{ template: string; re: RegExp; names: string[]; literals: number }> | null = null;

/** The OpenAPI description (parsed once per process). */
export function githubSpec(): Spec {
  if (!SPEC) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    SPEC = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  }
  return SPEC;
}

function routes() {
  if (!ROUTES) {
    ROUTES = Object.keys(githubSpec().paths).map((template) => {
      const names: string[] = [];
      const segs = template.split('/');
      const re = new RegExp(
        '^' +
          segs
            .map((s) => {
              const m = /^\{([^}]+)\}$/.exec(s);
              if (m) {
                names.push(m[1] as string);
                return '([^/]+)';
              }
              return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            })
            .join('/') +
          '$',
      );
      return { template, re, names, literals: segs.filter((s) => !s.startsWith('{')).length };
    });
  }
  return ROUTES;
}

function resolveRef(ref: string): Schema {
  const parts = ref.replace(/^#\//, '').split('/');
  let node: unknown = githubSpec();
  for (const p of parts) node = (node as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!node) throw new Error(`unresolvable $ref ${ref}`);
  return node as Schema;
}

/** OpenAPI 3.0 schema → JSON Schema for ajv: $refs inlined (cycles cut), `nullable` translated. */
export function toJsonSchema(schema: unknown, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, depth));
  if (!schema || typeof schema !== 'object') return schema;
  let s = schema as Schema;
  if (typeof s.$ref === 'string') {
    if (depth > 12) return {};
    s = resolveRef(s.$ref);
    depth++;
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (
      k === 'nullable' ||
      k === 'example' ||
      k === 'examples' ||
      k.startsWith('x-') ||
      k === 'discriminator' ||
      k === 'readOnly' ||
      k === 'writeOnly' ||
      k === 'deprecated'
    )
      continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, toJsonSchema(pv, depth)]));
    } else if (['items', 'additionalProperties', 'not', 'oneOf', 'anyOf', 'allOf'].includes(k)) {
      out[k] = toJsonSchema(v, depth);
    } else out[k] = v;
  }
  if (s.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: false });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv,
) => void;
addFormats(ajv);
const ajvCoerce = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: true });
addFormats(ajvCoerce);
const bodyValidators = new Map<string, ValidateFunction>();
const paramValidators = new Map<string, ValidateFunction>();

export interface RecordedRequest {
  method: string;
  path: string;
  template: string | null;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  pull_request: boolean;
  comments: string[];
  created_at: string;
  closed_at: string | null;
}

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface FakeDeploymentStatus {
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  target_url: string;
  created_at: string;
}

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: Json;
  environment: string;
  original_environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  /** oldest first (the API lists them newest first) */
  statuses: FakeDeploymentStatus[];
}

export interface FakeGitHub {
  /** GITHUB_API_URL */
  readonly url: string;
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  readonly repository: string;
  readonly issues: Map<number, FakeIssue>;
  readonly deployments: Map<number, FakeDeployment>;
  readonly requests: RecordedRequest[];
  readonly violations: string[];
  /** adds `issues` open issues and `pulls` open pull requests (unrelated to alerts) */
  seed(issues: number, pulls: number): void;
  addIssue(fields: Partial<FakeIssue> & { title: string }): FakeIssue;
  /** the open issues whose body contains `text` (pull requests excluded) */
  openIssuesWith(text: string): FakeIssue[];
  /** the next `count` requests matching `method path-template` answer `status` */
  failNext(status: number, count?: number, match?: string): void;
  /** a scripted failure with GitHub's headers and message (see the file comment) */
  fail(f: FailureSpec): void;
  /** listings answer a rel="next" link on another origin */
  foreignNextLink: boolean;
  /** what GET /repos/{owner}/{repo} reports */
  repository_info: { private: boolean; pushed_at: string };
  reset(): void;
  close(): Promise<void>;
}

export interface FailureSpec {
  status: number;
  /** how many matching requests fail (default 1) */
  count?: number;
  /** `method path-template`, e.g. `get /repos/{owner}/{repo}/issues` */
  match?: string;
  /** only this page of a listing (`page` query parameter, 1 when absent) */
  page?: number;
  /** the kind of answer: GitHub's signals for each case */
  kind?: 'plain' | 'retry_after' | 'primary_rate_limit' | 'secondary_message' | 'permission';
  /** Retry-After seconds (kind retry_after), or seconds until x-ratelimit-reset (primary_rate_limit) */
  seconds?: number;
  /** the clock the reset time is computed from (a test's virtual clock), default Date.now */
  now?: () => number;
}

export interface GitHubApiOptions {
  owner?: string;
  repo?: string;
  token?: string;
  /** answer each request after this many ms (network latency) */
  latencyMs?: number;
}

const IMPLEMENTED = new Set([
  'get /repos/{owner}/{repo}',
  'get /repos/{owner}/{repo}/issues',
  'post /repos/{owner}/{repo}/issues',
  'get /repos/{owner}/{repo}/issues/{issue_number}',
  'patch /repos/{owner}/{repo}/issues/{issue_number}',
  'get /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'post /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'post /repos/{owner}/{repo}/issues/{issue_number}/labels',
  'get /repos/{owner}/{repo}/deployments',
  'post /repos/{owner}/{repo}/deployments',
  'get /repos/{owner}/{repo}/deployments/{deployment_id}',
  'get /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'post /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
]);

// responses: GitHub answers "" for an unset URL field the description marks `format: uri`
const ajvResponse = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: false });
addFormats(ajvResponse);
ajvResponse.addFormat('uri', {
  type: 'string',
  validate: (u: string) => u === '' || /^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(u),
});
const responseValidators = new Map<string, ValidateFunction>();

/** Problems of a response body the fake is about to send, against the operation's response schema (empty: valid). */
export function checkResponse(key: string, status: number, body: unknown): string[] {
  const [method, template] = key.split(' ') as [string, string];
  const op = (
    githubSpec().paths[template] as
      Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }> | undefined
  )?.[method];
  const schema = op?.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) return [`${key}: status ${status} is not a documented response`];
  const vk = `${key} ${status}`;
  let v = responseValidators.get(vk);
  if (!v) {
    v = ajvResponse.compile(toJsonSchema(schema) as object);
    responseValidators.set(vk, v);
  }
  return v(body)
    ? []
    : [`${key}: the fake's ${status} response does not match the description: ${ajvResponse.errorsText(v.errors)}`];
}

/** A user object with every field GitHub's simple-user schema requires. */
function botUser(base: string): Json {
  const u = `${base}/users/github-actions%5Bbot%5D`;
  return {
    login: 'github-actions[bot]',
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url: u,
    html_url: 'https://github.com/apps/github-actions',
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: 'Bot',
    site_admin: false,
  };
}

const isHttpUrl = (u: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(u).protocol);
  } catch {
    return false;
  }
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function paramsOf(template: string, method: string): Schema[] {
  const item = githubSpec().paths[template] as Record<string, unknown>;
  const op = item[method] as Operation;
  const all = [...((item.parameters as Schema[] | undefined) ?? []), ...(op.parameters ?? [])];
  return all.map((p) => (typeof p.$ref === 'string' ? resolveRef(p.$ref) : p));
}

function validateParam(key: string, p: Schema, value: string): string | null {
  let v = paramValidators.get(key);
  if (!v) {
    v = ajvCoerce.compile({ type: 'object', properties: { value: toJsonSchema(p.schema ?? {}) } });
    paramValidators.set(key, v);
  }
  const holder = { value };
  return v(holder) ? null : ajvCoerce.errorsText(v.errors);
}

/** Checks one request against the description; returns the problems (empty: valid). */
export function checkRequest(
  method: string,
  path: string,
  query: URLSearchParams,
  contentType: string | undefined,
  rawBody: string,
): { template: string | null; params: Record<string, string>; body: unknown; problems: string[]; status: number } {
  const m = method.toLowerCase();
  const candidates = routes()
    .map((r) => ({ r, match: r.re.exec(path) }))
    .filter((x) => x.match)
    .sort((a, b) => b.r.literals - a.r.literals);
  const hit = candidates[0];
  if (!hit || !hit.match)
    return {
      template: null,
      params: {},
      body: undefined,
      problems: [`${method} ${path}: no such path in GitHub's REST API`],
      status: 404,
    };
  const template = hit.r.template;
  const item = githubSpec().paths[template] as Record<string, unknown>;
  if (!item[m])
    return {
      template,
      params: {},
      body: undefined,
      problems: [
        `${method} ${template}: method not allowed (allowed: ${Object.keys(item)
          .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
          .join(', ')})`,
      ],
      status: 404,
    };
  const problems: string[] = [];
  const params: Record<string, string> = {};
  hit.r.names.forEach((n, i) => (params[n] = decodeURIComponent(hit.match?.[i + 1] ?? '')));
  const declared = paramsOf(template, m);
  for (const p of declared) {
    const name = p.name as string;
    const where = p.in as string;
    const value = where === 'path' ? params[name] : where === 'query' ? (query.get(name) ?? undefined) : undefined;
    if (value === undefined) {
      if (p.required === true && where !== 'header')
        problems.push(`${method} ${template}: required ${where} parameter ${name} missing`);
      continue;
    }
    if (where === 'path' || where === 'query') {
      const err = validateParam(`${m} ${template} ${name}`, p, value);
      if (err)
        problems.push(`${method} ${template}: ${where} parameter ${name}=${JSON.stringify(value)} invalid: ${err}`);
    }
  }
  const queryNames = new Set(declared.filter((p) => p.in === 'query').map((p) => p.name as string));
  for (const k of new Set(query.keys()))
    if (!queryNames.has(k)) problems.push(`${method} ${template}: undeclared query parameter ${k}`);
  let body: unknown;
  const op = item[m] as Operation;
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (rawBody.length) {
    if (!schema) problems.push(`${method} ${template}: takes no JSON body`);
    else if (!/^application\/json\b/.test(contentType ?? ''))
      problems.push(`${method} ${template}: body without content-type application/json`);
    else {
      try {
        body = JSON.parse(rawBody);
      } catch {
        problems.push(`${method} ${template}: body is not JSON`);
      }
      if (body !== undefined) {
        const key = `${m} ${template}`;
        let v = bodyValidators.get(key);
        if (!v) {
          v = ajv.compile(toJsonSchema(schema) as object);
          bodyValidators.set(key, v);
        }
        if (!v(body)) problems.push(`${method} ${template}: body invalid: ${ajv.errorsText(v.errors)}`);
        const props = (schema as Schema).properties as Schema | undefined;
        if (props && body && typeof body === 'object' && !Array.isArray(body)) {
          for (const k of Object.keys(body as object))
            if (!(k in props)) problems.push(`${method} ${template}: body field ${k} is not in the description`);
        }
      }
    }
  } else if (op.requestBody?.required) problems.push(`${method} ${template}: required JSON body missing`);
  return { template, params, body, problems, status: problems.length ? 422 : 200 };
}

function labelObj(name: string, i: number) {
  return { id: 1000 + i, node_id: `LA_${i}`, url: '', name, color: 'ededed', default: false, description: null };
}

export async function startGitHubApi(opts: GitHubApiOptions = {}): Promise<FakeGitHub> {
  githubSpec();
  const owner = opts.owner ?? 'acme';
  const repo = opts.repo ?? 'shop';
  const token =
    opts.token ??
    `ghs_${Array.from({ length: 36 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('')}`;
  const issues = new Map<number, FakeIssue>();
  const deployments = new Map<number, FakeDeployment>();
  let nextDeployment = 1;
  let nextStatus = 1;
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const failures: Array<FailureSpec & { left: number }> = [];
  let foreignNextLink = false;
  const repoInfo = { private: false, pushed_at: new Date().toISOString() };
  let next = 1;
  let base = '';

  const issueJson = (i: FakeIssue) => {
    const html = `https://github.com/${owner}/${repo}/${i.pull_request ? 'pull' : 'issues'}/${i.number}`;
    const out: Record<string, Json> = {
      id: 100000 + i.number,
      node_id: `I_${i.number}`,
      url: `${base}/repos/${owner}/${repo}/issues/${i.number}`,
      repository_url: `${base}/repos/${owner}/${repo}`,
      html_url: html,
      number: i.number,
      state: i.state,
      state_reason: i.state_reason,
      title: i.title,
      body: i.body,
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      labels: i.labels.map(labelObj),
      assignee: null,
      assignees: [],
      locked: false,
      comments: i.comments.length,
      created_at: i.created_at,
      updated_at: i.created_at,
      closed_at: i.closed_at,
      author_association: 'NONE',
    };
    if (i.pull_request)
      out.pull_request = {
        url: `${base}/repos/${owner}/${repo}/pulls/${i.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
      };
    return out;
  };

  const addIssue = (f: Partial<FakeIssue> & { title: string }): FakeIssue => {
    const i: FakeIssue = {
      number: next++,
      body: '',
      state: 'open',
      state_reason: null,
      labels: [],
      pull_request: false,
      comments: [],
      created_at: new Date(Date.now() - 1000 * (10_000 - next)).toISOString(),
      closed_at: null,
      ...f,
    };
    issues.set(i.number, i);
    return i;
  };

  /** A full-repository object with every field the description requires (URL fields derived from the API base). */
  const repositoryJson = (): Json => {
    const api = `${base}/repos/${owner}/${repo}`;
    const required = ((githubSpec().components.schemas['full-repository'] as Schema).required as string[]) ?? [];
    const out: Record<string, Json> = {};
    for (const k of required)
      if (k.endsWith('_url') || k === 'url')
        out[k] = k === 'html_url' ? `https://github.com/${owner}/${repo}` : `${api}/${k.replace(/_url$/, '')}`;
    const owner_ = botUser(base) as Record<string, Json>;
    Object.assign(out, {
      id: 4242,
      node_id: 'R_kgDOx',
      name: repo,
      full_name: `${owner}/${repo}`,
      owner: { ...owner_, login: owner, type: 'Organization' },
      private: repoInfo.private,
      description: null,
      fork: false,
      clone_url: `https://github.com/${owner}/${repo}.git`,
      git_url: `git://github.com/${owner}/${repo}.git`,
      ssh_url: `git@github.com:${owner}/${repo}.git`,
      svn_url: `https://github.com/${owner}/${repo}`,
      mirror_url: null,
      homepage: null,
      language: 'TypeScript',
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 100,
      default_branch: 'main',
      open_issues: 0,
      open_issues_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_discussions: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: repoInfo.pushed_at,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: repoInfo.pushed_at,
      network_count: 0,
      subscribers_count: 1,
    });
    return out;
  };

  const deploymentJson = (d: FakeDeployment): Json => ({
    url: `${base}/repos/${owner}/${repo}/deployments/${d.id}`,
    id: d.id,
    node_id: `DE_${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.original_environment,
    environment: d.environment,
    description: d.description,
    creator: botUser(base),
    created_at: d.created_at,
    updated_at: d.statuses.at(-1)?.created_at ?? d.created_at,
    statuses_url: `${base}/repos/${owner}/${repo}/deployments/${d.id}/statuses`,
    repository_url: `${base}/repos/${owner}/${repo}`,
    transient_environment: d.transient_environment,
    production_environment: d.production_environment,
  });

  const statusJson = (d: FakeDeployment, st: FakeDeploymentStatus): Json => ({
    url: `${base}/repos/${owner}/${repo}/deployments/${d.id}/statuses/${st.id}`,
    id: st.id,
    node_id: `DES_${st.id}`,
    state: st.state,
    creator: botUser(base),
    description: st.description,
    environment: st.environment,
    target_url: st.target_url,
    created_at: st.created_at,
    updated_at: st.created_at,
    deployment_url: `${base}/repos/${owner}/${repo}/deployments/${d.id}`,
    repository_url: `${base}/repos/${owner}/${repo}`,
    environment_url: st.environment_url,
    log_url: st.log_url,
  });

  /** One page of `all` as GitHub pages a list (per_page max 100, Link header). */
  const paginate = <T>(url: URL, all: T[]): { items: T[]; headers: Record<string, string> } => {
    const q = url.searchParams;
    const perPage = Math.min(100, Number(q.get('per_page') ?? 30));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number) => {
      const u = new URL(url.href);
      u.searchParams.set('page', String(p));
      return u.href;
    };
    const parts: string[] = [];
    const foreign = (u: string) => (foreignNextLink ? u.replace(base, 'http://api.elsewhere.invalid') : u);
    if (page < last) parts.push(`<${foreign(link(page + 1))}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (page > 1) parts.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
    return {
      items: all.slice((page - 1) * perPage, page * perPage),
      headers: parts.length ? { link: parts.join(', ') } : {},
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      ...headers,
    });
    res.end(text);
  };

  /** A failure as GitHub sends it: status, message and the rate-limit headers of the case. */
  const sendFailure = (res: ServerResponse, f: FailureSpec) => {
    const now = (f.now ?? Date.now)();
    const doc = { documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' };
    const limitHeaders = (remaining: number) => ({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(Math.ceil(now / 1000) + (f.seconds ?? 3600)),
    });
    switch (f.kind) {
      case 'retry_after':
        return send(
          res,
          f.status,
          {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            ...doc,
          },
          { 'retry-after': String(f.seconds ?? 60), ...limitHeaders(4000) },
        );
      case 'secondary_message':
        return send(
          res,
          f.status,
          {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            ...doc,
          },
          limitHeaders(4000),
        );
      case 'primary_rate_limit':
        return send(
          res,
          f.status,
          { message: 'API rate limit exceeded for installation ID 1.', ...doc },
          limitHeaders(0),
        );
      case 'permission':
        return send(
          res,
          f.status,
          {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          },
          limitHeaders(4990),
        );
      default:
        return send(res, f.status, { message: f.status >= 500 ? 'Server Error' : 'injected failure' });
    }
  };

  /** Sends a response after checking it against the description (a mismatch is the fake's bug: a violation). */
  const sendChecked = (
    res: ServerResponse,
    key: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    violations.push(...checkResponse(key, status, body));
    return send(res, status, body, headers);
  };

  /** GitHub's 422 for a request the description allows but GitHub's own rules refuse. */
  const unprocessable = (res: ServerResponse, problem: string) => {
    violations.push(problem);
    return send(res, 422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: problem.includes('/statuses') ? 'DeploymentStatus' : 'Deployment',
          code: 'custom',
          message: problem,
        },
      ],
      documentation_url: 'https://docs.github.com/rest',
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const raw = await readBody(req);
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const check = checkRequest(req.method ?? 'GET', url.pathname, url.searchParams, req.headers['content-type'], raw);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      template: check.template,
      query: Object.fromEntries(url.searchParams),
      body: check.body,
    });
    const auth = /^(?:bearer|token) +(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (auth !== token) {
      violations.push(`${req.method} ${url.pathname}: missing or wrong Authorization header`);
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (check.problems.length) {
      violations.push(...check.problems);
      return send(res, check.status, {
        message: check.problems.join('; '),
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const key = `${(req.method ?? '').toLowerCase()} ${check.template}`;
    const page = Number(url.searchParams.get('page') ?? 1);
    const fail = failures.find(
      (f) => f.left > 0 && (!f.match || f.match === key) && (f.page === undefined || f.page === page),
    );
    if (fail) {
      fail.left--;
      return sendFailure(res, fail);
    }
    if (!IMPLEMENTED.has(key)) {
      violations.push(
        `${key}: valid in GitHub's API but not implemented by the fake (paas-actions should not call it)`,
      );
      return send(res, 501, { message: 'not implemented by the fake' });
    }
    if (check.params.owner !== owner || check.params.repo !== repo) return send(res, 404, { message: 'Not Found' });
    const n = check.params.issue_number ? Number(check.params.issue_number) : 0;
    const body = (check.body ?? {}) as Record<string, unknown>;
    switch (key) {
      case 'get /repos/{owner}/{repo}':
        return sendChecked(res, key, 200, repositoryJson());
      case 'get /repos/{owner}/{repo}/issues': {
        const q = url.searchParams;
        const state = q.get('state') ?? 'open';
        const labels = q.get('labels')?.split(',').filter(Boolean) ?? [];
        const all = [...issues.values()]
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => labels.every((l) => i.labels.includes(l)))
          .sort((a, b) => b.number - a.number);
        const p = paginate(url, all);
        return send(res, 200, p.items.map(issueJson), p.headers);
      }
      case 'post /repos/{owner}/{repo}/issues': {
        const labels = ((body.labels as Array<string | { name?: string }> | undefined) ?? []).map((l) =>
          typeof l === 'string' ? l : (l.name ?? ''),
        );
        const i = addIssue({
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : '',
          labels,
          created_at: new Date().toISOString(),
        });
        return send(res, 201, issueJson(i));
      }
      case 'get /repos/{owner}/{repo}/issues/{issue_number}': {
        const i = issues.get(n);
        return i ? send(res, 200, issueJson(i)) : send(res, 404, { message: 'Not Found' });
      }
      case 'patch /repos/{owner}/{repo}/issues/{issue_number}': {
        const i = issues.get(n);
        if (!i) return send(res, 404, { message: 'Not Found' });
        if (body.state === 'closed' && i.state !== 'closed') {
          i.state = 'closed';
          i.closed_at = new Date().toISOString();
          i.state_reason = typeof body.state_reason === 'string' ? body.state_reason : 'completed';
        } else if (body.state === 'open') {
          i.state = 'open';
          i.closed_at = null;
          i.state_reason = 'reopened';
        }
        if (typeof body.title === 'string') i.title = body.title;
        if (typeof body.body === 'string') i.body = body.body;
        return send(res, 200, issueJson(i));
      }
      case 'get /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const i = issues.get(n);
        if (!i) return send(res, 404, { message: 'Not Found' });
        return send(
          res,
          200,
          i.comments.map((c, k) => ({ id: n * 1000 + k, body: c, user: { login: 'github-actions[bot]' } })),
        );
      }
      case 'post /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const i = issues.get(n);
        if (!i) return send(res, 404, { message: 'Not Found' });
        i.comments.push(String(body.body));
        return send(res, 201, {
          id: n * 1000 + i.comments.length,
          node_id: 'IC_x',
          body: body.body,
          html_url: `https://github.com/${owner}/${repo}/issues/${n}#issuecomment-${i.comments.length}`,
          user: { login: 'github-actions[bot]' },
          created_at: new Date().toISOString(),
        });
      }
      case 'post /repos/{owner}/{repo}/issues/{issue_number}/labels': {
        const i = issues.get(n);
        if (!i) return send(res, 404, { message: 'Not Found' });
        const add = Array.isArray(check.body)
          ? (check.body as string[])
          : ((body.labels as Array<string | { name: string }>) ?? []).map((l) => (typeof l === 'string' ? l : l.name));
        for (const l of add) if (!i.labels.includes(l)) i.labels.push(l);
        return send(res, 200, i.labels.map(labelObj));
      }
      case 'get /repos/{owner}/{repo}/deployments': {
        const q = url.searchParams;
        const all = [...deployments.values()]
          .filter((d) =>
            ['sha', 'ref', 'task', 'environment'].every(
              (k) => !q.get(k) || q.get(k) === String(d[k as 'sha' | 'ref' | 'task' | 'environment']),
            ),
          )
          .sort((a, b) => b.id - a.id)
          .map(deploymentJson);
        const p = paginate(url, all);
        return sendChecked(res, key, 200, p.items, p.headers);
      }
      case 'post /repos/{owner}/{repo}/deployments': {
        const ref = String(body.ref);
        const environment = typeof body.environment === 'string' ? body.environment : 'production';
        let payload: Json = (body.payload ?? {}) as Json;
        if (typeof payload === 'string' && payload !== '') {
          try {
            payload = JSON.parse(payload) as Json;
          } catch {
            return unprocessable(res, `${key}: payload is a string but not JSON`);
          }
        }
        const now = new Date().toISOString();
        const d: FakeDeployment = {
          id: nextDeployment++,
          sha: /^[0-9a-f]{40}$/.test(ref) ? ref : createHash('sha1').update(ref).digest('hex'),
          ref,
          task: typeof body.task === 'string' ? body.task : 'deploy',
          payload: payload === '' ? {} : payload,
          environment,
          original_environment: environment,
          description: body.description === null ? null : typeof body.description === 'string' ? body.description : '',
          transient_environment: body.transient_environment === true,
          production_environment:
            typeof body.production_environment === 'boolean'
              ? body.production_environment
              : environment === 'production',
          created_at: now,
          statuses: [],
        };
        deployments.set(d.id, d);
        return sendChecked(res, key, 201, deploymentJson(d));
      }
      case 'get /repos/{owner}/{repo}/deployments/{deployment_id}': {
        const d = deployments.get(Number(check.params.deployment_id));
        return d ? sendChecked(res, key, 200, deploymentJson(d)) : send(res, 404, { message: 'Not Found' });
      }
      case 'get /repos/{owner}/{repo}/deployments/{deployment_id}/statuses': {
        const d = deployments.get(Number(check.params.deployment_id));
        if (!d) return send(res, 404, { message: 'Not Found' });
        const p = paginate(
          url,
          [...d.statuses].reverse().map((st) => statusJson(d, st)),
        );
        return sendChecked(res, key, 200, p.items, p.headers);
      }
      case 'post /repos/{owner}/{repo}/deployments/{deployment_id}/statuses': {
        const d = deployments.get(Number(check.params.deployment_id));
        if (!d) return send(res, 404, { message: 'Not Found' });
        const description = typeof body.description === 'string' ? body.description : '';
        if (description.length > 140)
          return unprocessable(
            res,
            `${key}: description is too long (maximum is 140 characters, got ${description.length})`,
          );
        for (const f of ['environment_url', 'log_url', 'target_url']) {
          if (typeof body[f] === 'string' && body[f] !== '' && !isHttpUrl(body[f] as string))
            return unprocessable(res, `${key}: ${f} is not an http(s) URL`);
        }
        if (typeof body.environment === 'string') d.environment = body.environment;
        const logUrl =
          typeof body.log_url === 'string' ? body.log_url : typeof body.target_url === 'string' ? body.target_url : '';
        const st: FakeDeploymentStatus = {
          id: nextStatus++,
          state: body.state as DeploymentState,
          description,
          environment: d.environment,
          environment_url: typeof body.environment_url === 'string' ? body.environment_url : '',
          log_url: logUrl,
          target_url: logUrl,
          created_at: new Date().toISOString(),
        };
        d.statuses.push(st);
        if (st.state === 'success' && body.auto_inactive !== false) {
          for (const other of deployments.values()) {
            if (
              other.id === d.id ||
              other.environment !== d.environment ||
              other.transient_environment ||
              other.production_environment
            )
              continue;
            if (other.statuses.at(-1)?.state !== 'success') continue;
            other.statuses.push({
              ...st,
              id: nextStatus++,
              state: 'inactive',
              description: '',
              environment_url: '',
              log_url: '',
              target_url: '',
            });
          }
        }
        return sendChecked(res, key, 201, statusJson(d, st));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      violations.push(`fake server crashed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, 500, { message: 'fake crashed' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    token,
    owner,
    repo,
    repository: `${owner}/${repo}`,
    issues,
    deployments,
    requests,
    violations,
    seed(nIssues, nPulls) {
      let i = 0;
      let p = 0;
      while (i < nIssues || p < nPulls) {
        if (p < nPulls && (p <= i || i >= nIssues))
          addIssue({ title: `Pull request ${++p}`, body: 'A change.', pull_request: true });
        else addIssue({ title: `Unrelated issue ${++i}`, body: 'Something else.' });
      }
    },
    addIssue,
    openIssuesWith(text) {
      return [...issues.values()].filter((i) => i.state === 'open' && !i.pull_request && i.body.includes(text));
    },
    failNext(status, count = 1, match) {
      failures.push({ status, left: count, match });
    },
    fail(f) {
      failures.push({ ...f, left: f.count ?? 1 });
    },
    get foreignNextLink() {
      return foreignNextLink;
    },
    set foreignNextLink(v: boolean) {
      foreignNextLink = v;
    },
    repository_info: repoInfo,
    reset() {
      issues.clear();
      deployments.clear();
      nextDeployment = 1;
      nextStatus = 1;
      requests.length = 0;
      violations.length = 0;
      failures.length = 0;
      foreignNextLink = false;
      repoInfo.private = false;
      repoInfo.pushed_at = new Date().toISOString();
      next = 1;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
