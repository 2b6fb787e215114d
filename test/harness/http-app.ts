/**
 * Small real HTTP servers standing in for an application's health endpoint: a configurable
 * status, body and latency, switchable at run time (healthy → failing → healthy). Self-contained
 * (erasable TypeScript, node builtins only) for tests, the benchmark and the demo.
 */
import { createServer, type Server } from 'node:http';

export interface HttpApp {
  readonly url: string;
  readonly port: number;
  /** requests served so far */
  readonly hits: number;
  status: number;
  body: string;
  latencyMs: number;
  close(): Promise<void>;
}

export async function startHttpApp(
  opts: { status?: number; body?: string; latencyMs?: number; path?: string } = {},
): Promise<HttpApp> {
  let hits = 0;
  const state = { status: opts.status ?? 200, body: opts.body ?? 'ok', latencyMs: opts.latencyMs ?? 0 };
  const server: Server = createServer((req, res) => {
    hits++;
    const reply = () => {
      res.writeHead(state.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(state.body) });
      res.end(req.method === 'HEAD' ? undefined : state.body);
    };
    req.resume();
    if (state.latencyMs > 0) setTimeout(reply, state.latencyMs);
    else reply();
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}${opts.path ?? '/healthz'}`,
    port,
    get hits() {
      return hits;
    },
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    get body() {
      return state.body;
    },
    set body(v: string) {
      state.body = v;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
