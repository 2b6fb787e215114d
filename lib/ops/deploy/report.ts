/** The outcome of a failed deploy-family run (deploy, a shard, finalize, reconcile, target check) and its job summary. */
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { failure } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import type { Runtime } from '../../runtime/runtime.js';
import { UnsafeValueError } from '../../transport/commands.js';
import { StageError, toPaasError, type TargetNode } from './fleet.js';

export function tableSummary(title: string, nodes: TargetNode[], release: string | null): string {
  return `#### ${title}\n\n${markdownTable(
    ['target', 'before', 'release', 'status'],
    nodes.map((n) => [n.name, n.previous ?? '-', release ?? '-', n.status]),
  )}\n`;
}

export function asStageError(e: unknown, stage: string): StageError | null {
  if (e instanceof StageError) return e;
  if (e instanceof UnsafeValueError)
    return new StageError('PAAS_INVALID_ARGUMENT', stage, '', `${e.message}: refused before anything ran`);
  return null;
}

export function fail(
  rt: Runtime,
  ctx: string | null,
  mode: string,
  e: unknown,
  fields: Record<string, unknown>,
  nodes: TargetNode[] = [],
): Outcome {
  const se = asStageError(e, 'input');
  const err = se
    ? se.code === 'PAAS_INVALID_ARGUMENT'
      ? new PaasError(se.code, se.message, {
          stage: se.stage,
          remediation: 'Use names of letters, digits, dot, dash, underscore (app: lowercase).',
        })
      : toPaasError(se, mode === 'apply' ? nodes : undefined)
    : e;
  const failing = se?.target ? nodes.find((n) => n.name === se.target) : undefined;
  const lastLines = failing?.lastLines() ?? [];
  const all = {
    ...fields,
    ...(se ? { failed_stage: se.stage, failed_target: se.target || null } : {}),
    ...(lastLines.length ? { last_log_lines: lastLines.join('\n') } : {}),
  };
  const o = failure(rt.redactor, 'deploy', ctx, mode, err, all);
  const info = o.envelope.error;
  const why = info
    ? `**${info.code}**${info.stage ? ` at ${info.stage}` : ''}${info.target ? ` on ${info.target}` : ''}: ${info.message}\n\n**Fix:** ${info.remediation}\n\n`
    : '';
  if (nodes.length)
    o.summary =
      why +
      tableSummary('Targets', nodes, typeof fields.release_id === 'string' ? fields.release_id : null) +
      (lastLines.length
        ? `\nLast log lines of ${failing?.name}:\n\n\`\`\`\n${rt.redactor.redact(lastLines.join('\n'))}\n\`\`\`\n`
        : '');
  if (lastLines.length) o.text = `last log lines of ${failing?.name}:\n${lastLines.map((l) => `  ${l}`).join('\n')}`;
  return o;
}
