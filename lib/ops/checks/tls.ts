/**
 * `tls` check: days until the server certificate expires. The host comes from the vault (`host`,
 * `host:port` or an https URL) and is never printed. The chain is verified as a client would:
 * against the system CAs, or, when the check names a CA bundle (`tls: { host: API_HOST, ca:
 * API_CA_PEM }`, a vault key holding PEM certificates), against that bundle only (a private CA).
 * An untrusted chain or a name mismatch is unhealthy (`cert_untrusted`), like an expired
 * certificate (`expired`) or one expiring within `min_days` (`expires_soon`). The certificate is
 * read whether or not it is trusted, so `days` (to expiry) is reported in every case.
 */
import { connect, createSecureContext, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { OpsCheck } from '../../config/paas-yml.js';
import { fetchFailureReason } from './http.js';
import { checkError, healthy, unhealthy, type CheckVerdict } from './types.js';

type TlsSpec = NonNullable<OpsCheck['tls']>;

const DAY_MS = 86_400_000;

/** `host`, `host:port`, `[v6]:port` or `https://host:port/...` → host and port. */
export function parseTlsHost(value: string, defaultPort: number): { host: string; port: number } | null {
  let v = value.trim();
  if (/^https?:\/\//i.test(v)) {
    try {
      const u = new URL(v);
      return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : defaultPort };
    } catch {
      return null;
    }
  }
  let port = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v);
  if (v6) {
    v = v6[1] as string;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const m = /^([^:/\s]+):(\d{1,5})$/.exec(v);
    if (m) {
      v = m[1] as string;
      port = Number(m[2]);
    }
  }
  if (!v || /[\s/]/.test(v) || !(port >= 1 && port <= 65535)) return null;
  return { host: v, port };
}

interface TlsCheckOptions {
  signal: AbortSignal;
  now: () => Date;
  /** extra trusted CA certificates (PEM), e.g. a private CA; tests use it for their own CA */
  ca?: string | undefined;
}

export function runTlsCheck(spec: TlsSpec, hostValue: string, opts: TlsCheckOptions): Promise<CheckVerdict> {
  const target = parseTlsHost(hostValue, spec.port);
  if (!target) return Promise.resolve(checkError('invalid_host'));
  if (opts.ca !== undefined) {
    if (!/-----BEGIN CERTIFICATE-----/.test(opts.ca)) return Promise.resolve(checkError('invalid_ca'));
    try {
      createSecureContext({ ca: opts.ca });
    } catch {
      return Promise.resolve(checkError('invalid_ca'));
    }
  }
  return new Promise<CheckVerdict>((resolve) => {
    let done = false;
    const finish = (v: CheckVerdict) => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(v);
    };
    const onAbort = () => finish(unhealthy('timeout'));
    const socket = connect({
      host: target.host,
      port: target.port,
      servername: isIP(target.host) ? undefined : target.host,
      rejectUnauthorized: false, // we read the certificate either way and judge trust ourselves
      ca: opts.ca,
    });
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return finish(unhealthy('no_certificate'));
      const days = Math.floor((Date.parse(cert.valid_to) - opts.now().getTime()) / DAY_MS);
      const values = { days };
      if (!Number.isFinite(days)) return finish(checkError('unreadable_certificate'));
      if (days < 0) return finish(unhealthy('expired', values));
      if (!socket.authorized) return finish(unhealthy('cert_untrusted', values));
      if (days < spec.min_days) return finish(unhealthy('expires_soon', values));
      finish(healthy(values));
    });
    socket.once('error', (e) => finish(unhealthy(opts.signal.aborted ? 'timeout' : fetchFailureReason({ cause: e }))));
  });
}
