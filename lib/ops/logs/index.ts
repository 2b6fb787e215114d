/**
 * `paas logs --app A [--target T] [--lines N] [--tail]`: the app's log on its targets, read over
 * the Transport (SSH or local) from the deploy layout: `.paas/start.log` (what the start command
 * printed: the switch script sends its stdout and stderr there), the live bluegreen slot's
 * `.paas/start-<slot>.log`, and `shared/log/*.log` (the app's own logs, kept across releases).
 * Read-only: the selected context is enough. Every line passes the redactor before it is printed.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { failure, outcome } from '../../output/outcome.js';
import { APP_NAME_RE, TARGET_ID_RE } from '../../isolation/names.js';
import { boolInput, commonInputsSchema, emptyToUndefined, parseInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { logsScript } from '../../transport/commands.js';
import { TransportError } from '../../transport/transport.js';
import { connectTransport, transportErrorCode, transportRemediation } from '../../transport/connect.js';
import { closeAll, openFleet, requireApp } from '../deploy/fleet-session.js';
import type { TargetNode } from '../deploy/fleet.js';

export const logsInputs = commonInputsSchema
  .extend({
    app: z.preprocess(
      emptyToUndefined,
      z.string().regex(APP_NAME_RE, { error: 'app must be the name of an app under apps: in paas.yml' }).optional(),
    ),
    target: z.preprocess(
      emptyToUndefined,
      z.string().regex(TARGET_ID_RE, { error: 'target must be a target id of PAAS_TARGETS' }).optional(),
    ),
    lines: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(10_000).default(100)),
    tail: z.preprocess(emptyToUndefined, boolInput.default(false)),
  })
  .strict();

interface LogsIo {
  stdout: (s: string) => void;
  signal: AbortSignal;
}

interface LogFile {
  target: string;
  file: string;
  lines: string[];
}

/** Splits the script's output into files (see logsScript). */
function parseLogs(target: string, stdout: string, marker: string): { missing: boolean; files: LogFile[] } {
  const files: LogFile[] = [];
  let missing = false;
  let cur: LogFile | null = null;
  const rows = stdout.split('\n');
  if (rows.at(-1) === '') rows.pop();
  for (const row of rows) {
    if (row === `${marker} missing`) missing = true;
    else if (row.startsWith(`${marker} file `))
      files.push((cur = { target, file: row.slice(marker.length + 6), lines: [] }));
    else cur?.lines.push(row);
  }
  return { missing, files };
}

/** The targets to read: all of the context's, or the one --target names. */
function selectNodes(nodes: TargetNode[], target: string | undefined, ctx: string): TargetNode[] {
  let chosen = nodes;
  if (target) {
    chosen = nodes.filter((n) => n.name === target);
    if (!chosen.length) {
      throw new PaasError('PAAS_INVALID_ARGUMENT', `no target ${target} in PAAS_TARGETS of context ${ctx}`, {
        stage: 'targets',
        remediation: `Use one of: ${nodes.map((n) => n.name).join(', ') || '(none)'}.`,
      });
    }
  }
  if (!chosen.length)
    throw new PaasError('PAAS_INVALID_ARGUMENT', `context ${ctx} has no targets`, {
      stage: 'targets',
      remediation: 'Set PAAS_TARGETS in the context vault.',
    });
  return chosen;
}

/** A transport failure on one target as its PAAS_* connect error; anything else unchanged. */
function connectError(e: unknown, target?: string): unknown {
  if (!(e instanceof TransportError)) return e;
  const code = transportErrorCode(e, 'connect');
  return new PaasError(code, target ? `${target}: ${e.message}` : e.message, {
    stage: 'connect',
    ...(target ? { target } : {}),
    remediation: transportRemediation(code),
  });
}

/** One target's log files (the last `lines` lines of each). */
async function readTargetLogs(
  n: TargetNode,
  lines: number,
  marker: string,
): Promise<{ missing: boolean; files: LogFile[] }> {
  try {
    await connectTransport(n.t);
    const r = await n.t.exec(logsScript(n.appDir, lines, marker), { timeoutMs: 60_000 });
    if (r.code !== 0)
      throw new PaasError(
        'PAAS_REMOTE_APPLY_FAILED',
        `${n.name}: reading the log failed (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`,
        { stage: 'logs', target: n.name },
      );
    return parseLogs(n.name, r.stdout, marker);
  } catch (e) {
    throw connectError(e, n.name);
  }
}

/** Every target's log files, one after the other, with each target's status and the text shown. */
async function readLogs(
  nodes: TargetNode[],
  lines: number,
  marker: string,
  app: string,
): Promise<{ statuses: string[]; files: LogFile[]; text: string[] }> {
  const statuses: string[] = [];
  const files: LogFile[] = [];
  const text: string[] = [];
  for (const n of nodes) {
    const got = await readTargetLogs(n, lines, marker);
    statuses.push(`${n.name}:${got.missing ? 'not_deployed' : got.files.length ? 'ok' : 'no_log'}`);
    files.push(...got.files);
    if (got.missing) text.push(`==> ${n.name}: ${app} is not deployed there <==`);
    else if (!got.files.length) text.push(`==> ${n.name}: no log yet (.paas/start.log, shared/log/*.log) <==`);
    for (const f of got.files) text.push(`==> ${n.name}: ${f.file} <==`, ...f.lines);
  }
  return { statuses, files, text };
}

export async function logsRun(rt: Runtime, raw: Record<string, unknown>, io: LogsIo): Promise<Outcome> {
  let ctx: string | null = null;
  let nodes: TargetNode[] = [];
  const log = (m: string) => rt.logger.debug(m);
  try {
    const s = parseInputs(logsInputs, raw);
    const app = requireApp(s.app, 'logs', rt, s);
    const fleet = openFleet(rt, s, app, false, log);
    ctx = fleet.session.config.name;
    nodes = fleet.nodes;
    nodes = selectNodes(nodes, s.target, ctx);
    const marker = randomBytes(12).toString('hex');
    if (s.tail) return await follow(rt, nodes, s.lines, marker, io, ctx, app);
    const { statuses, files, text } = await readLogs(nodes, s.lines, marker, app);
    const count = files.reduce((k, f) => k + f.lines.length, 0);
    return outcome(rt.redactor, {
      command: 'logs',
      context: ctx,
      mode: 'read',
      fields: {
        app,
        target_statuses: statuses.join(','),
        files: files.map((f) => ({ target: f.target, file: f.file, lines: f.lines })),
      },
      line: [
        ['targets', nodes.length],
        ['files', files.length],
        ['count', count],
      ],
      exitCode: EXIT_OK,
      text: text.join('\n'),
    });
  } catch (e) {
    return failure(rt.redactor, 'logs', ctx, null, e);
  } finally {
    await closeAll(nodes);
  }
}

/**
 * Writes a followed target's output line by line, each prefixed by its target and redacted;
 * `emit(true)` flushes the last partial line when the follow ends.
 */
function lineWriter(
  rt: Runtime,
  target: string,
  marker: string,
  io: LogsIo,
  app: string,
): { push: (chunk: string) => void; emit: (final: boolean) => void } {
  let buf = '';
  const emit = (final: boolean) => {
    const parts = buf.split('\n');
    buf = final ? '' : (parts.pop() ?? '');
    for (const l of parts) {
      if (l === `${marker} missing`) io.stdout(`[${target}] ${app} is not deployed there\n`);
      else if (l === `${marker} nofiles`) io.stdout(`[${target}] no log yet (.paas/start.log, shared/log/*.log)\n`);
      else if (final && l === '') continue;
      else io.stdout(`[${target}] ${rt.redactor.redact(l)}\n`);
    }
  };
  return {
    push: (chunk) => {
      buf += chunk;
      emit(false);
    },
    emit,
  };
}

/** Follows one target's files until `stopped` aborts (the transport error that abort causes is the end). */
async function followTarget(
  rt: Runtime,
  n: TargetNode,
  f: { lines: number; marker: string; io: LogsIo; app: string; stopped: AbortSignal },
): Promise<void> {
  await connectTransport(n.t);
  const out = lineWriter(rt, n.name, f.marker, f.io, f.app);
  try {
    // stdin stays open while following: closing it (channel closed) ends the remote tail
    await n.t.exec(logsScript(n.appDir, f.lines, f.marker, true), {
      signal: f.stopped,
      input: () => undefined,
      onStdout: out.push,
    });
  } catch (e) {
    if (!(e instanceof TransportError) || !f.stopped.aborted) throw e;
  }
  out.emit(true);
}

/** `--tail`: every target's files followed at once, each line prefixed by its target, until interrupted. */
async function follow(
  rt: Runtime,
  nodes: TargetNode[],
  lines: number,
  marker: string,
  io: LogsIo,
  ctx: string | null,
  app: string,
): Promise<Outcome> {
  const stopped = new AbortController();
  const onAbort = () => stopped.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  const ended: string[] = [];
  try {
    await Promise.all(
      nodes.map(async (n) => {
        await followTarget(rt, n, { lines, marker, io, app, stopped: stopped.signal });
        ended.push(n.name);
      }),
    );
    return outcome(rt.redactor, {
      command: 'logs',
      context: ctx,
      mode: 'tail',
      fields: { app, target_statuses: ended.map((t) => `${t}:ok`).join(',') },
      line: [['targets', nodes.length]],
      exitCode: EXIT_OK,
    });
  } catch (e) {
    if (e instanceof TransportError) return failure(rt.redactor, 'logs', ctx, 'tail', connectError(e));
    return { ...failure(rt.redactor, 'logs', ctx, 'tail', e), exitCode: EXIT_ERROR };
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
}
