/**
 * A local Slack incoming-webhook receiver. It answers like Slack (`200 ok`, `400 invalid_payload`,
 * or a scripted status such as 500/429 for retry tests) and checks the Block Kit shape of every
 * payload: `text` fallback present, at most 50 blocks of known types, header plain_text <= 150,
 * section text <= 3000, context elements <= 10. Shape problems are recorded in `violations`.
 * Self-contained (erasable TypeScript, node builtins only) so the demo can load it too.
 */
import { createServer, type Server } from 'node:http';

export interface SlackReceiver {
  /** the webhook URL (a secret in real life: tests register it) */
  readonly url: string;
  readonly payloads: unknown[];
  /** every POST, including the ones answered with a scripted failure */
  readonly attempts: number;
  readonly violations: string[];
  /** the next answers, in order (then 200 ok) */
  script(statuses: Array<number | { status: number; retryAfter?: number }>): void;
  reset(): void;
  close(): Promise<void>;
}

const TEXT_TYPES = new Set(['plain_text', 'mrkdwn']);

function textProblem(t: unknown, where: string, max: number): string | null {
  if (!t || typeof t !== 'object') return `${where}: text object missing`;
  const o = t as { type?: unknown; text?: unknown };
  if (!TEXT_TYPES.has(String(o.type))) return `${where}: text type ${String(o.type)} unknown`;
  if (typeof o.text !== 'string' || o.text.length === 0) return `${where}: empty text`;
  if (o.text.length > max) return `${where}: text longer than ${max}`;
  return null;
}

/** Block Kit shape problems of a webhook payload (empty: valid). */
export function blockKitProblems(p: unknown): string[] {
  const out: string[] = [];
  if (!p || typeof p !== 'object' || Array.isArray(p)) return ['payload is not a JSON object'];
  const o = p as { text?: unknown; blocks?: unknown };
  if (typeof o.text !== 'string' || !o.text.trim()) out.push('fallback text missing');
  else if (o.text.length > 40_000) out.push('fallback text too long');
  if (o.blocks !== undefined) {
    if (!Array.isArray(o.blocks)) return [...out, 'blocks is not an array'];
    if (o.blocks.length > 50) out.push('more than 50 blocks');
    o.blocks.forEach((b: unknown, i: number) => {
      const blk = b as { type?: unknown; text?: unknown; elements?: unknown };
      const where = `blocks[${i}]`;
      if (blk?.type === 'header') {
        const t = blk.text as { type?: unknown } | undefined;
        if (t?.type !== 'plain_text') out.push(`${where}: header text must be plain_text`);
        const pr = textProblem(blk.text, where, 150);
        if (pr) out.push(pr);
      } else if (blk?.type === 'section') {
        const pr = textProblem(blk.text, where, 3000);
        if (pr) out.push(pr);
      } else if (blk?.type === 'context') {
        if (!Array.isArray(blk.elements) || blk.elements.length === 0 || blk.elements.length > 10)
          out.push(`${where}: context needs 1-10 elements`);
        else
          blk.elements.forEach((e: unknown, k: number) => {
            const pr = textProblem(e, `${where}.elements[${k}]`, 2000);
            if (pr) out.push(pr);
          });
      } else if (blk?.type !== 'divider') out.push(`${where}: unknown block type ${String(blk?.type)}`);
    });
  }
  return out;
}

export async function startSlackReceiver(opts: { latencyMs?: number } = {}): Promise<SlackReceiver> {
  const payloads: unknown[] = [];
  const violations: string[] = [];
  const queue: Array<{ status: number; retryAfter?: number }> = [];
  let attempts = 0;
  const path = `/services/T${Math.random().toString(36).slice(2, 10).toUpperCase()}/B${Math.random().toString(36).slice(2, 10).toUpperCase()}/${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      attempts++;
      if (req.method !== 'POST' || req.url !== path) {
        violations.push(`${req.method} ${req.url === path ? '<webhook path>' : 'unknown path'}`);
        res.writeHead(404).end('no_service');
        return;
      }
      const scripted = queue.shift();
      if (scripted && scripted.status !== 200) {
        res
          .writeHead(
            scripted.status,
            scripted.retryAfter !== undefined ? { 'retry-after': String(scripted.retryAfter) } : {},
          )
          .end(scripted.status === 429 ? 'rate_limited' : 'internal_error');
        return;
      }
      let body: unknown;
      try {
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new Error('content-type');
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        violations.push('payload is not JSON with content-type application/json');
        res.writeHead(400).end('invalid_payload');
        return;
      }
      const problems = blockKitProblems(body);
      payloads.push(body);
      if (problems.length) {
        violations.push(...problems);
        res.writeHead(400).end('invalid_blocks');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    payloads,
    get attempts() {
      return attempts;
    },
    violations,
    script(statuses) {
      queue.push(...statuses.map((s) => (typeof s === 'number' ? { status: s } : s)));
    },
    reset() {
      payloads.length = 0;
      violations.length = 0;
      queue.length = 0;
      attempts = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
