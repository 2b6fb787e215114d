import { healthCommandScript, type HookEnv } from '../../transport/commands.js';
import { sleep } from '../../transport/limit.js';
import type { Transport } from '../../transport/transport.js';
import type { Redactor } from '../../redaction/redactor.js';
import type { AppConfig } from './app-config.js';
import { errorMessage } from '../../output/errors.js';

type HealthConfig = NonNullable<AppConfig['health']>;

interface ProbeResult {
  ok: boolean;
  /** why it failed, for humans: `status 500`, `connection refused`, `timeout after 5s`, `exit 1` */
  reason: string;
}

/** One HTTP GET to a port on the target, through the transport (SSH direct-tcpip), with a timeout. */
async function httpProbe(
  t: Transport,
  http: NonNullable<HealthConfig['http']>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const expect = Array.isArray(http.expect) ? http.expect : [http.expect];
  let stream;
  try {
    stream = await withTimeout(
      t.openTcp(http.port),
      timeoutMs,
      `timeout after ${Math.round(timeoutMs / 1000)}s connecting to port ${http.port}`,
    );
  } catch (e) {
    const msg = errorMessage(e);
    return { ok: false, reason: /refused/i.test(msg) ? `connection refused on port ${http.port}` : msg };
  }
  const s = stream;
  return new Promise<ProbeResult>((resolve) => {
    let buf = '';
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: `timeout after ${Math.round(timeoutMs / 1000)}s waiting for a response on port ${http.port}`,
        }),
      timeoutMs,
    );
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(buf);
      if (m) {
        const code = Number(m[1]);
        finish(
          expect.includes(code)
            ? { ok: true, reason: `status ${code}` }
            : { ok: false, reason: `status ${code}, expected ${expect.join('|')}` },
        );
      } else if (buf.length > 16 && !buf.startsWith('HTTP/')) {
        finish({ ok: false, reason: 'not an HTTP response' });
      }
    });
    s.on('error', (e: Error) => finish({ ok: false, reason: `connection error: ${e.message}` }));
    s.on('close', () =>
      finish({
        ok: false,
        reason: buf ? 'connection closed before the status line' : 'connection closed without a response',
      }),
    );
    s.write(`GET ${http.path} HTTP/1.0\r\nHost: localhost\r\nUser-Agent: paas-health\r\nConnection: close\r\n\r\n`);
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `redactor`: the last stderr line is redacted, then cut to 200 characters (never cut first: issue #18). */
export async function commandProbe(
  t: Transport,
  appDir: string,
  env: HookEnv,
  command: string,
  timeoutMs: number,
  redactor: Pick<Redactor, 'clip'>,
): Promise<ProbeResult> {
  try {
    const r = await t.exec(healthCommandScript(appDir, env, command), { timeoutMs });
    return r.code === 0
      ? { ok: true, reason: 'exit 0' }
      : {
          ok: false,
          reason: `health command exit ${r.code}${r.stderr.trim() ? `: ${redactor.clip(r.stderr.trim().split('\n').at(-1) ?? '', 200)}` : ''}`,
        };
  } catch (e) {
    return { ok: false, reason: errorMessage(e) };
  }
}

interface GateResult {
  ok: boolean;
  /** the connection to the target went away while polling (a host lost, not an unhealthy app) */
  lost?: boolean;
  checks: number;
  reason: string;
  ms: number;
}

/**
 * The pause before check number `n` (n >= 2): 50 ms, doubling, up to `interval`. An app that is up
 * 120 ms after its start is seen then, not a whole `interval` later; a slow one is polled at `interval`.
 */
export function pauseBefore(n: number, interval: number): number {
  return Math.min(interval, 50 * 2 ** Math.min(n - 2, 20));
}

/**
 * Polls until healthy or the deadline passes: each check has its own timeout, pauses growing from
 * 50 ms to `interval` between checks. No health config = healthy (the start command's exit status
 * already gated).
 */
export async function healthGate(
  t: Transport,
  health: HealthConfig | undefined,
  appDir: string,
  env: HookEnv,
  log: (m: string) => void,
  redactor: Pick<Redactor, 'clip'>,
): Promise<GateResult> {
  const t0 = Date.now();
  if (!health || (!health.http && !health.command))
    return { ok: true, checks: 0, reason: 'no health check configured', ms: 0 };
  const deadline = t0 + health.deadline;
  let checks = 0;
  let last: ProbeResult;
  let lastLog = t0;
  for (;;) {
    checks++;
    const left = deadline - Date.now();
    const timeout = Math.max(100, Math.min(health.timeout, left));
    last = health.http
      ? await httpProbe(t, health.http, timeout)
      : await commandProbe(t, appDir, env, health.command as string, timeout, redactor);
    if (last.ok) return { ok: true, checks, reason: last.reason, ms: Date.now() - t0 };
    if (!t.connected)
      return {
        ok: false,
        lost: true,
        checks,
        reason: `the connection to ${env.target} was lost during the health check (${last.reason})`,
        ms: Date.now() - t0,
      };
    const pause = pauseBefore(checks + 1, health.interval);
    if (Date.now() + pause > deadline) break;
    if (Date.now() - lastLog >= 5000) {
      lastLog = Date.now();
      log(`${env.target}: waiting for health (${last.reason}), ${Math.ceil((deadline - Date.now()) / 1000)}s left`);
    }
    await sleep(pause);
  }
  return {
    ok: false,
    checks,
    reason: `${last.reason} (after ${checks} checks in ${Math.round((Date.now() - t0) / 1000)}s)`,
    ms: Date.now() - t0,
  };
}
