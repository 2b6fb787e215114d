/**
 * A local GitHub Actions cache service, as `@actions/cache` 6 talks to it (cache service v2,
 * selected by ACTIONS_CACHE_SERVICE_V2 and reached at ACTIONS_RESULTS_URL), backed by a temp
 * directory. What the library sends, and what this server implements:
 *
 * - Twirp JSON over POST, `Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`:
 *   `/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`
 *     {key, restore_keys[], version} -> {ok, signed_download_url, matched_key}: the exact key
 *     first, then each restore key as a prefix, newest entry first; only entries of the same
 *     version (hash of paths + compression method), only finalized entries.
 *   `.../CreateCacheEntry` {key, version} -> {ok, signed_upload_url}; an existing key+version
 *     is refused (entries are immutable); a read-only token gets 403 `cache write denied: ...`.
 *   `.../FinalizeCacheEntryUpload` {key, version, size_bytes} -> {ok, entry_id}; the uploaded
 *     blob must exist and have that size.
 *   Errors are Twirp errors: HTTP status + `{code, msg}`.
 * - Azure-blob-style signed URLs (`/blob/<id>?sv=..&sig=..`), the signature checked:
 *   `PUT` with `x-ms-blob-type: BlockBlob` (Put Blob, what @azure/storage-blob's uploadFile
 *   sends for archives up to 128 MiB), `PUT ?comp=block&blockid=` (Put Block) and
 *   `PUT ?comp=blocklist` (Put Block List) for larger ones; `GET`/`HEAD` (with `Range`) for the
 *   download the library does with its http-client.
 *
 * Test hooks: `entries()`, `blob(key)`, `readOnly`, `requests` (method names in order),
 * `failNextDownload` (an entry found but its download failing).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  /** creation order: larger is newer */
  seq: number;
  finalized: boolean;
  size: number;
  file: string;
}

export interface CacheServer {
  url: string;
  token: string;
  dir: string;
  /** when true, CreateCacheEntry answers like a read-only token (403 cache write denied) */
  readOnly: boolean;
  /** the next blob download answers 500 (after the lookup succeeded) */
  failNextDownload: boolean;
  requests: string[];
  entries(): CacheEntry[];
  /** the stored archive bytes of a finalized entry */
  blob(key: string): Buffer;
  /** env for @actions/cache: service v2 at this server */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startCacheServer(): Promise<CacheServer> {
  const dir = mkdtempSync(join(tmpdir(), 'paas-cache-server-'));
  const token = `runtime-${randomBytes(12).toString('hex')}`;
  const signingKey = randomBytes(32);
  const entries: CacheEntry[] = [];
  const blocks = new Map<string, Map<string, Buffer>>();
  let seq = 0;
  let nextId = 1;
  let url = '';

  const sign = (id: number, perm: string) =>
    createHmac('sha256', signingKey).update(`${id}:${perm}`).digest('base64url');
  const blobUrl = (id: number, perm: 'r' | 'cw') =>
    `${url}/devstoreaccount1/actions-cache/blob-${id}?sv=2024-11-04&sp=${perm}&se=2099-01-01T00%3A00%3A00Z&sig=${sign(id, perm)}`;

  const state: CacheServer = {
    url: '',
    token,
    dir,
    readOnly: false,
    failNextDownload: false,
    requests: [],
    entries: () => entries.map((e) => ({ ...e })),
    blob: (key) => {
      const e = entries.filter((x) => x.key === key && x.finalized).sort((a, b) => b.seq - a.seq)[0];
      if (!e) throw new Error(`cache-server: no entry ${key}`);
      return readFileSync(e.file);
    },
    env: () => ({ ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: `${url}/`, ACTIONS_RUNTIME_TOKEN: token }),
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };

  async function twirp(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.requests.push(method);
    if (req.headers.authorization !== `Bearer ${token}`)
      return twirpError(res, 401, 'unauthenticated', 'missing or wrong runtime token');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return twirpError(res, 415, 'malformed', 'expected application/json');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return twirpError(res, 400, 'malformed', 'body is not JSON');
    }
    const key = typeof body.key === 'string' ? body.key : '';
    const version = typeof body.version === 'string' ? body.version : '';
    if (!key || !version) return twirpError(res, 400, 'invalid_argument', 'key and version are required');
    if (key.length > 512 || key.includes(',')) return twirpError(res, 400, 'invalid_argument', 'invalid key');

    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = Array.isArray(body.restore_keys)
        ? (body.restore_keys as unknown[]).filter((k): k is string => typeof k === 'string')
        : [];
      const ready = entries.filter((e) => e.finalized && e.version === version).sort((a, b) => b.seq - a.seq);
      const hit =
        ready.find((e) => e.key === key) ??
        restoreKeys.map((p) => ready.find((e) => e.key.startsWith(p))).find(Boolean);
      if (!hit) return json(res, { ok: false, signed_download_url: '', matched_key: '' });
      return json(res, { ok: true, signed_download_url: blobUrl(hit.id, 'r'), matched_key: hit.key });
    }
    if (method === 'CreateCacheEntry') {
      if (state.readOnly)
        return twirpError(res, 403, 'permission_denied', 'cache write denied: the token of this run is read-only');
      if (entries.some((e) => e.key === key && e.version === version)) {
        return twirpError(
          res,
          409,
          'already_exists',
          'cache entry with the same key, version, and scope already exists',
        );
      }
      const id = nextId++;
      entries.push({ id, key, version, seq: 0, finalized: false, size: 0, file: join(dir, `blob-${id}`) });
      return json(res, { ok: true, signed_upload_url: blobUrl(id, 'cw') });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const e = entries.find((x) => x.key === key && x.version === version && !x.finalized);
      if (!e) return twirpError(res, 404, 'not_found', 'no pending cache entry for this key and version');
      if (!existsSync(e.file)) return twirpError(res, 400, 'failed_precondition', 'nothing was uploaded');
      const size = statSync(e.file).size;
      if (String(size) !== String(body.size_bytes))
        return twirpError(
          res,
          400,
          'invalid_argument',
          `size_bytes ${String(body.size_bytes)} does not match the upload (${size})`,
        );
      e.finalized = true;
      e.size = size;
      e.seq = ++seq;
      return json(res, { ok: true, entry_id: String(e.id) });
    }
    return twirpError(res, 404, 'bad_route', `no method ${method}`);
  }

  async function blob(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> {
    const m = /^\/devstoreaccount1\/actions-cache\/blob-(\d+)$/.exec(u.pathname);
    const entry = m ? entries.find((e) => e.id === Number(m[1])) : undefined;
    if (!entry) {
      res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' });
      return void res.end();
    }
    const perm = u.searchParams.get('sp') ?? '';
    if (u.searchParams.get('sig') !== sign(entry.id, perm)) {
      res.writeHead(403, { 'x-ms-error-code': 'AuthenticationFailed' });
      return void res.end();
    }
    const common = {
      'x-ms-request-id': randomBytes(8).toString('hex'),
      'x-ms-version': '2024-11-04',
      date: new Date().toUTCString(),
    };
    if (req.method === 'PUT') {
      if (perm !== 'cw' || entry.finalized) {
        res.writeHead(403, { ...common, 'x-ms-error-code': 'AuthorizationPermissionMismatch' });
        return void res.end();
      }
      const data = await readBody(req);
      const comp = u.searchParams.get('comp');
      const etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`;
      if (comp === 'block') {
        const id = u.searchParams.get('blockid') ?? '';
        state.requests.push('PutBlock');
        if (!blocks.has(String(entry.id))) blocks.set(String(entry.id), new Map());
        blocks.get(String(entry.id))?.set(id, data);
        res.writeHead(201, { ...common, 'x-ms-request-server-encrypted': 'true' });
        return void res.end();
      }
      if (comp === 'blocklist') {
        state.requests.push('PutBlockList');
        const staged = blocks.get(String(entry.id)) ?? new Map<string, Buffer>();
        const ids = [
          ...data
            .toString('utf8')
            .matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\/(?:Latest|Uncommitted|Committed)>/g),
        ].map((x) => x[1] ?? '');
        const parts: Buffer[] = [];
        for (const id of ids) {
          const b = staged.get(id);
          if (!b) {
            res.writeHead(400, { ...common, 'x-ms-error-code': 'InvalidBlockList' });
            return void res.end();
          }
          parts.push(b);
        }
        writeFileSync(entry.file, Buffer.concat(parts));
        blocks.delete(String(entry.id));
        res.writeHead(201, {
          ...common,
          etag,
          'last-modified': new Date().toUTCString(),
          'x-ms-request-server-encrypted': 'true',
        });
        return void res.end();
      }
      if (String(req.headers['x-ms-blob-type'] ?? '') !== 'BlockBlob') {
        res.writeHead(400, { ...common, 'x-ms-error-code': 'MissingRequiredHeader' });
        return void res.end();
      }
      state.requests.push('PutBlob');
      writeFileSync(entry.file, data);
      res.writeHead(201, {
        ...common,
        etag,
        'last-modified': new Date().toUTCString(),
        'x-ms-request-server-encrypted': 'true',
      });
      return void res.end();
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (perm !== 'r' || !entry.finalized) {
        res.writeHead(403, { ...common, 'x-ms-error-code': 'AuthorizationPermissionMismatch' });
        return void res.end();
      }
      state.requests.push(req.method === 'GET' ? 'DownloadBlob' : 'HeadBlob');
      if (req.method === 'GET' && state.failNextDownload) {
        state.failNextDownload = false;
        res.writeHead(500, { ...common, 'x-ms-error-code': 'InternalError' });
        return void res.end();
      }
      const all = readFileSync(entry.file);
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? req.headers['x-ms-range'] ?? ''));
      let body = all;
      let status = 200;
      const headers: Record<string, string> = {
        ...common,
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        'x-ms-blob-type': 'BlockBlob',
      };
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), all.length - 1) : all.length - 1;
        body = all.subarray(start, end + 1);
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${all.length}`;
      }
      headers['content-length'] = String(body.length);
      res.writeHead(status, headers);
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    res.writeHead(405, common);
    res.end();
  }

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const done = (p: Promise<void>) =>
      p.catch((e: unknown) => {
        if (!res.headersSent) twirpError(res, 500, 'internal', e instanceof Error ? e.message : String(e));
        else res.destroy();
      });
    if (req.method === 'POST' && u.pathname.startsWith(SERVICE))
      return void done(twirp(u.pathname.slice(SERVICE.length), req, res));
    if (u.pathname.startsWith('/devstoreaccount1/')) return void done(blob(req, res, u));
    twirpError(res, 404, 'bad_route', `no route ${req.method} ${u.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = url;
  return state;
}
