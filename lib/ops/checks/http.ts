/**
 * `http` check: status, latency and optionally a body substring. The URL comes from the vault (it
 * is private: hosts never live in the repository) and is never printed; failures are reason tokens.
 */
import type { OpsCheck } from '../../config/paas-yml.js';
import { checkError, healthy, unhealthy, type CheckVerdict } from './types.js';

export type HttpSpec = NonNullable<OpsCheck['http']>;
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const MAX_BODY = 1024 * 1024;

/** Maps a fetch failure to a token: connect_refused, dns_failed, tls_failed, timeout, connect_failed. */
export function fetchFailureReason(e: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return 'timeout';
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return 'timeout';
  const code = err?.cause?.code ?? err?.code ?? '';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return code === 'ECONNRESET' ? 'connection_reset' : 'connect_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_failed';
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT'
  )
    return 'timeout';
  if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return 'tls_failed';
  if (code === 'UND_ERR_SOCKET') return 'connection_reset';
  return 'connect_failed';
}

/** Reads at most MAX_BODY bytes of the body as text. */
async function readBody(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

export async function runHttpCheck(
  spec: HttpSpec,
  url: string,
  signal: AbortSignal,
  fetchFn: FetchLike = fetch,
): Promise<CheckVerdict> {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return checkError('invalid_url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return checkError('invalid_url');
  const expected = Array.isArray(spec.expect) ? spec.expect : [spec.expect];
  const started = performance.now();
  let res: Response;
  try {
    res = await fetchFn(parsed.href, {
      method: spec.method,
      signal,
      redirect: 'manual',
      headers: { 'user-agent': 'paas-actions ops_daily', accept: '*/*' },
    });
  } catch (e) {
    return unhealthy(fetchFailureReason(e, signal), { latency_ms: Math.round(performance.now() - started) });
  }
  let body = '';
  try {
    if (spec.body_contains !== undefined && spec.method !== 'HEAD') body = await readBody(res);
    else await res.body?.cancel().catch(() => undefined);
  } catch (e) {
    return unhealthy(fetchFailureReason(e, signal), {
      http_status: res.status,
      latency_ms: Math.round(performance.now() - started),
    });
  }
  const latency = Math.round(performance.now() - started);
  const values = { http_status: res.status, latency_ms: latency };
  if (!expected.includes(res.status)) return unhealthy(`http_${res.status}`, values);
  if (spec.max_latency_ms !== undefined && latency > spec.max_latency_ms) return unhealthy('slow', values);
  if (spec.body_contains !== undefined && !body.includes(spec.body_contains)) return unhealthy('body_mismatch', values);
  return healthy(values);
}
