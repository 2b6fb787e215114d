/**
 * `paas alert history` and `paas alert acknowledge`, over the same records ops_daily writes
 * (context state, kind `alert`; the open alert in kv `alert.open`).
 */
import * as z from 'zod';
import { contextName } from '../../isolation/names.js';
import type { Outcome } from '../../output/envelope.js';
import { PaasError, errorMessage } from '../../output/errors.js';
import { outcome } from '../../output/outcome.js';
import { markdownTable } from '../../output/summary.js';
import { boolInput, parseInputs, pathInput } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { openStore, resolveContext } from '../../runtime/session.js';
import { isRepository, restIssuesApi } from './github-issues.js';
import { ACK_LABEL, ALERT_RECORD, OPEN_ALERT_KEY, type AlertRecord, type OpenAlert } from './lifecycle.js';

const rootInputs = {
  context: contextName.optional(),
  state_root: pathInput.optional(),
  allow_unsafe_state_root: boolInput.default(false),
};

const historySchema = z
  .object({ ...rootInputs, limit: z.coerce.number().int().min(1).max(10_000).default(50) })
  .strict();

export function alertHistory(rt: Runtime, raw: unknown): Outcome {
  const a = parseInputs(historySchema, raw, 'argument');
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.context, { mutating: false, createIfMissing: false });
  const st = store.openState(c.name, rt.redactor);
  try {
    const records = st.scoped.list<AlertRecord>(ALERT_RECORD, a.limit).map((h) => ({ id: h.id, at: h.at, ...h.data }));
    const open = st.scoped.get<OpenAlert | null>(OPEN_ALERT_KEY) ?? null;
    return outcome(rt.redactor, {
      command: 'alert_history',
      context: c.name,
      line: [
        ['context', c.name],
        ['count', records.length],
        ['issue', open?.issue ?? undefined],
      ],
      fields: { open, records },
      text: [
        open
          ? `open alert ${open.id}${open.issue ? ` (issue #${open.issue})` : ''}${open.acknowledged ? ' acknowledged' : ''}`
          : 'no open alert',
        ...records.map(
          (r) =>
            `${r.at} ${r.action.padEnd(12)} ${r.overall ?? ''} issue=${r.issue ?? '-'} slack=${r.slack} ` +
            `github=${r.github}` +
            (r.reason ? ` reason=${r.reason}` : '') +
            ` alert=${r.alert_id ?? '-'}` +
            (r.kind ? ` kind=${r.kind}` : ''),
        ),
      ].join('\n'),
      summary: markdownTable(
        ['at', 'action', 'overall', 'issue', 'slack', 'github', 'reason', 'alert'],
        records.map((r) => [r.at, r.action, r.overall, r.issue, r.slack, r.github, r.reason ?? '', r.alert_id]),
      ),
    });
  } finally {
    st.close();
  }
}

const ackSchema = z
  .object({
    ...rootInputs,
    id: z
      .string()
      .regex(/^[0-9a-f-]{8,36}$/, { error: 'must be an alert id from `paas alert history`' })
      .optional(),
    by: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, { error: 'must be a login or name (letters, digits, . _ @ -)' })
      .optional(),
    github_token: z.string().max(1000).optional(),
    repo: z.string().refine(isRepository, { error: 'must be owner/repo' }).optional(),
  })
  .strict();

/**
 * Marks the open alert acknowledged: no repeated Slack messages until it recovers. With a token and
 * a repository (--github-token/GITHUB_TOKEN, --repo/GITHUB_REPOSITORY) the `acknowledged` label is
 * also added to the alert issue, so runs on other machines (runners) honour it too.
 */
export async function alertAcknowledge(rt: Runtime, raw: unknown): Promise<Outcome> {
  const a = parseInputs(ackSchema, raw, 'argument');
  if (a.github_token) rt.redactor.register(a.github_token);
  const store = openStore(rt, a);
  const c = resolveContext(rt, store, a.context, { mutating: false, createIfMissing: false });
  const st = store.openState(c.name, rt.redactor);
  try {
    const open = openAlertToAcknowledge(st.scoped.get<OpenAlert | null>(OPEN_ALERT_KEY) ?? null, c.name, a.id);
    const label = await labelAcknowledged(rt, a, open);
    const now = rt.now().toISOString();
    const next: OpenAlert = {
      ...open,
      acknowledged: true,
      acknowledged_at: now,
      acknowledged_by: a.by ?? rt.env.GITHUB_ACTOR ?? rt.env.USER ?? null,
    };
    st.scoped.set(OPEN_ALERT_KEY, next);
    st.scoped.record(ALERT_RECORD, acknowledgedRecord(open, label), now);
    store
      .events(c.name, rt.redactor)
      .append('alert.acknowledged', `alert ${open.id} acknowledged`, { alert_id: open.id, issue: open.issue, label });
    return outcome(rt.redactor, {
      command: 'alert_acknowledge',
      context: c.name,
      line: [
        ['context', c.name],
        ['issue', open.issue ?? undefined],
      ],
      fields: { alert: next, label },
      text:
        `alert ${open.id} acknowledged${open.issue ? ` (issue #${open.issue}, label ${label})` : ''}: ` +
        'no repeated Slack messages until it recovers',
    });
  } finally {
    st.close();
  }
}

type AckLabel = 'added' | 'not_configured' | 'failed';

/** The open alert, which `id` (a prefix) must name when given; an actionable error otherwise. */
function openAlertToAcknowledge(open: OpenAlert | null, context: string, id: string | undefined): OpenAlert {
  if (!open) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `context ${context} has no open alert`, {
      stage: 'alert',
      remediation: 'See `paas alert history` for past alerts; only an open alert can be acknowledged.',
    });
  }
  if (id && !open.id.startsWith(id)) {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `alert ${id} is not the open alert of context ${context}`, {
      stage: 'alert',
      remediation: `The open alert is ${open.id}; see \`paas alert history\`.`,
    });
  }
  return open;
}

/** The `acknowledged` label on the alert issue, with a token and a repository; a failure is a warning. */
async function labelAcknowledged(
  rt: Runtime,
  a: { github_token?: string | undefined; repo?: string | undefined },
  open: OpenAlert,
): Promise<AckLabel> {
  const token = a.github_token ?? rt.env.GITHUB_TOKEN;
  if (token) rt.redactor.register(token);
  const repo = a.repo ?? rt.env.GITHUB_REPOSITORY;
  if (!(token && isRepository(repo) && open.issue)) return 'not_configured';
  try {
    await restIssuesApi({
      apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com',
      repository: repo,
      token,
    }).addLabels(open.issue, [ACK_LABEL]);
    return 'added';
  } catch (e) {
    rt.logger.warn(`could not add the ${ACK_LABEL} label to issue #${open.issue}: ${errorMessage(e)}`);
    return 'failed';
  }
}

function acknowledgedRecord(open: OpenAlert, label: AckLabel): AlertRecord {
  return {
    alert_id: open.id,
    action: 'acknowledged',
    overall: null,
    issue: open.issue,
    issue_url: open.issue_url,
    slack: 'not_needed',
    github: label === 'added' ? 'ok' : label === 'failed' ? 'failed' : 'not_configured',
    run_url: null,
    acknowledged: true,
  };
}
