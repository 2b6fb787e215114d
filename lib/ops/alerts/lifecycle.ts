/**
 * The alert lifecycle of one context (PRODUCT.md section 6), for each kind of alert (`AlertKind`):
 * the ops_daily alert (`ops_daily strict unhealthy`) and the readiness alert (`ops readiness not
 * ready`, `paas ops readiness`). Each kind has its own title, hidden marker and state keys: one kind
 * never finds, comments on or closes the other's issue. Described for ops_daily:
 *
 *   failing (unhealthy or error, or a missed schedule) and no open alert issue → open one (title
 *     `ops_daily strict unhealthy`, hidden marker naming the context), Slack "opened";
 *   failing and an open alert issue → comment (recurrence), Slack "still failing" unless the
 *     alert is acknowledged (the `acknowledged` label on the issue, or `paas alert acknowledge`);
 *   healthy and an open alert issue → recovery comment, close, Slack "recovered";
 *   insufficient_data → nothing changes (it is neither a failure nor a recovery).
 *
 * The issue is found by its hidden marker, never by its title: first the issue number recorded in
 * the context state (one GET), else a scan of ALL open issues (pull requests excluded). Opening is
 * idempotent across overlapping runs: after creating, the open issues are listed again and the
 * oldest alert issue of the context is kept; a newer one this run created is closed as a duplicate.
 *
 * The outcome says what actually happened: `opened`/`commented`/`closed` only when the GitHub calls
 * succeeded, `failed` (with the reason token, e.g. `github_403`, and a remediation telling a rate
 * limit from a missing `issues: write` permission) otherwise. One incident gets one Slack "opened":
 * when GitHub failed, the incident is still tracked locally and a later run that manages to open the
 * issue sends "still failing", not a second "opened".
 *
 * Bodies, comments and Slack messages hold aggregate status lines, reason-keyed remediation, the
 * runbook and run links only, redacted. Every action is recorded in the context state (kind
 * `alert`): `paas alert history` reads them.
 */
import { randomUUID } from 'node:crypto';
import { GitHubApiError, githubRemediation, type Deadline, type GitHubFailureCause } from '../../github/retry.js';
import type { Redactor } from '../../redaction/redactor.js';
import type { Logger } from '../../runtime/logger.js';
import type { ScopedState } from '../../state/db.js';
import type { Overall } from '../checks/types.js';
import type { GitHubIssuesApi, Issue } from './github-issues.js';
import type { Silence } from './silence.js';
import { alertMessage, postSlack, type AlertEventKind, type SlackPostOptions } from './slack.js';
import { errorMessage } from '../../output/errors.js';

export const ALERT_TITLE = 'ops_daily strict unhealthy';
export const READINESS_ALERT_TITLE = 'ops readiness not ready';
export const ACK_LABEL = 'acknowledged';
export const ALERT_LABEL = 'paas-alert';
export const ALERT_RECORD = 'alert';
export const OPEN_ALERT_KEY = 'alert.open';

/**
 * Which alert this is. One lifecycle, several kinds: each kind has its own title, its own hidden
 * marker (so one kind never finds, comments on or closes another kind's issue) and its own keys in
 * the context state (so their local incidents, streaks and flapping counts stay apart).
 */
export interface AlertKind {
  /** the marker's name: `<!-- paas-actions:<id>-alert context=<name> -->` */
  id: 'ops_daily' | 'ops_readiness';
  title: string;
  /** what is failing, in sentences: `ops_daily`, `ops readiness` */
  subject: string;
  /** the words for a result in issue texts (readiness: healthy is `ready`, unhealthy is `not ready`) */
  word: (o: Overall) => string;
  /** context state keys: the open alert, the failure streak, the flapping state */
  keys: { open: string; streak: string; flap: string };
  /** the mode the issue body names (ops_daily alerts follow mode prod only) */
  modeNote: string;
  /** Slack headers per event */
  slack: Record<AlertEventKind, string>;
}

export const OPS_DAILY_ALERT: AlertKind = {
  id: 'ops_daily',
  title: ALERT_TITLE,
  subject: 'ops_daily',
  word: (o) => o,
  keys: { open: OPEN_ALERT_KEY, streak: 'alert.streak', flap: 'alert.flap' },
  modeNote: ' (mode prod)',
  slack: { opened: ALERT_TITLE, recurring: `${ALERT_TITLE} (still failing)`, recovered: 'ops_daily recovered', flapping: 'ops_daily flapping' },
};

export const READINESS_ALERT: AlertKind = {
  id: 'ops_readiness',
  title: READINESS_ALERT_TITLE,
  subject: 'ops readiness',
  word: (o) => (o === 'healthy' ? 'ready' : o === 'unhealthy' ? 'not ready' : o),
  keys: { open: 'readiness.alert.open', streak: 'readiness.alert.streak', flap: 'readiness.alert.flap' },
  modeNote: '',
  slack: { opened: READINESS_ALERT_TITLE, recurring: `${READINESS_ALERT_TITLE} (still failing)`, recovered: 'ops readiness ready again', flapping: 'ops readiness flapping' },
};

export function alertMarker(context: string, kind: AlertKind = OPS_DAILY_ALERT): string {
  return `<!-- paas-actions:${kind.id}-alert context=${context} -->`;
}

export function hasMarker(issue: Pick<Issue, 'body'>, context: string, kind: AlertKind = OPS_DAILY_ALERT): boolean {
  return issue.body.split(/\r?\n/).some((l) => l.trim() === alertMarker(context, kind));
}

/** The state an alert issue carries in a second hidden line, so a runner without cache knows it. */
export interface MarkerState {
  /** when the failure started (the first failing run) */
  since: string | null;
  since_run: string | null;
  /** failing runs of this incident so far (as of the last marker update) */
  fails?: number;
  /** healthy runs in a row while the issue is open (recovery needs `success_threshold`) */
  oks?: number;
  /** the last Slack message of this incident (reminders: `remind_every`) */
  notified_at?: string;
  /** flapping detection: status changes within the window */
  flap?: FlapState;
}

/** Status changes (failing ↔ healthy) seen within the flapping window, and whether we are flapping. */
export interface FlapState {
  /** the previous run was failing (null: no run judged yet) */
  last: boolean | null;
  /** ISO times of the changes still inside the window */
  changes: string[];
  on: boolean;
}

export const FLAPPING_LABEL = 'flapping';

function readFlap(v: unknown): FlapState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Partial<FlapState>;
  const changes = Array.isArray(o.changes) ? o.changes.filter((c): c is string => typeof c === 'string' && c.length <= 40).slice(-100) : [];
  return { last: typeof o.last === 'boolean' ? o.last : null, changes, on: o.on === true };
}

/** The next flapping state after a run that is `failing` (true) or healthy (false). */
export function advanceFlap(prev: FlapState | null | undefined, failing: boolean, now: Date, windowMs: number): FlapState {
  const changes = (prev?.changes ?? []).filter((t) => now.getTime() - Date.parse(t) < windowMs);
  if (prev && prev.last !== null && prev.last !== failing) changes.push(now.toISOString());
  return { last: failing, changes: changes.slice(-100), on: prev?.on ?? false };
}

const statePrefix = (kind: AlertKind) => `<!-- paas-actions:${kind.id}-state `;

export function stateLine(s: MarkerState, kind: AlertKind = OPS_DAILY_ALERT): string {
  // JSON inside an HTML comment: `--` cannot appear in ISO times or our URLs, but escape it anyway
  return `${statePrefix(kind)}${JSON.stringify(s).replace(/--/g, '-\\u002d')} -->`;
}

export function readMarkerState(body: string, kind: AlertKind = OPS_DAILY_ALERT): MarkerState | null {
  const prefix = statePrefix(kind);
  for (const l of body.split(/\r?\n/)) {
    const t = l.trim();
    if (!t.startsWith(prefix) || !t.endsWith('-->')) continue;
    try {
      const o = JSON.parse(t.slice(prefix.length, -3).trim()) as Partial<MarkerState>;
      const str = (v: unknown) => (typeof v === 'string' && v.length <= 2048 ? v : null);
      const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9 ? v : undefined);
      const out: MarkerState = { since: str(o.since), since_run: str(o.since_run) };
      const fails = num(o.fails);
      const oks = num(o.oks);
      if (fails !== undefined) out.fails = fails;
      if (oks !== undefined) out.oks = oks;
      const notified = str(o.notified_at);
      if (notified) out.notified_at = notified;
      const flap = readFlap(o.flap);
      if (flap) out.flap = flap;
      return out;
    } catch {
      return null;
    }
  }
  return null;
}

/** The body with its state line replaced (or added after the marker). */
export function withMarkerState(body: string, context: string, state: MarkerState, kind: AlertKind = OPS_DAILY_ALERT): string {
  const lines = body.split(/\r?\n/);
  const i = lines.findIndex((l) => l.trim().startsWith(statePrefix(kind)));
  if (i >= 0) lines[i] = stateLine(state, kind);
  else {
    const m = lines.findIndex((l) => l.trim() === alertMarker(context, kind));
    lines.splice(m + 1, 0, stateLine(state, kind));
  }
  return lines.join('\n');
}

/** Failing runs in a row before an issue exists (kv `alert.streak`): what failure_threshold counts. */
export interface FailureStreak {
  fails: number;
  since: string | null;
  since_run: string | null;
}

/** The open alert of a context as kept in its state (kv `alert.open`). */
export interface OpenAlert {
  id: string;
  issue: number | null;
  issue_url: string | null;
  opened_at: string;
  acknowledged: boolean;
  acknowledged_at?: string | null;
  acknowledged_by?: string | null;
  /** the run that first failed (its URL), when known */
  opened_run?: string | null;
  /** Slack was told "opened" for this incident */
  notified?: boolean;
  /** healthy runs in a row (without GitHub, the local alert counts them) */
  oks?: number;
  /** the last Slack message of this incident */
  notified_at?: string | null;
}

/**
 * `pending`: failing, below failure_threshold (nobody paged yet); `recovering`: healthy, below
 * success_threshold (the issue stays open); `silenced`: a maintenance window or a deploy holds the
 * page back.
 */
export type AlertAction = 'opened' | 'commented' | 'closed' | 'acknowledged' | 'failed' | 'pending' | 'recovering' | 'silenced' | 'flapping' | 'none';
/** `not_due`: a recurrence within `remind_every` of the last message (no reminder yet). */
export type SlackOutcome = 'sent' | 'failed' | 'suppressed_acknowledged' | 'not_due' | 'not_configured' | 'not_needed';

/** One row of `paas alert history`. */
export interface AlertRecord {
  alert_id: string | null;
  action: AlertAction;
  overall: Overall | null;
  issue: number | null;
  issue_url: string | null;
  slack: SlackOutcome;
  slack_attempts?: number;
  github: 'ok' | 'failed' | 'not_configured';
  /** for github=failed: the reason token (github_403, github_429, github_pagination_refused, ...) */
  reason?: string | null;
  run_url: string | null;
  acknowledged: boolean;
  /** the alert kind when it is not the ops_daily alert (`ops_readiness`) */
  kind?: AlertKind['id'];
}

/** A per-check hint: what to do about a failing check. */
export interface Remediation {
  check: string;
  reason: string;
  text: string;
  runbook?: string | undefined;
}

export interface AlertInput {
  /** which alert (title, marker, state keys); default the ops_daily alert */
  kind?: AlertKind | undefined;
  context: string;
  overall: Overall;
  /** the aggregate status lines of the run (per check + verdict) */
  lines: readonly string[];
  runUrl?: string | undefined;
  now: Date;
  /** the previous run is older than the expected interval: a schedule did not fire */
  scheduleMissed?: { ageHours: number | null; expectedHours: number } | null | undefined;
  /** the runbook link of the context (default docs/runbook.md of the repository) */
  runbookUrl?: string | undefined;
  /** what to do, per failing check (the same text the CLI prints) */
  remediation?: readonly Remediation[] | undefined;
  /** failing runs in a row before an issue opens; healthy runs in a row before it closes (1/1) */
  thresholds?: { failure: number; success: number } | undefined;
  /** a maintenance window or a deploy: report, do not page */
  silence?: Silence | null | undefined;
  /** while failing and unacknowledged, Slack is reminded at most this often (0: on every failing run) */
  remindEveryMs?: number | undefined;
  /** flapping: `changes` status changes within `windowMs` hold the issue open and Slack quiet */
  flapping?: { changes: number; windowMs: number } | null | undefined;
}

export interface AlertDeps {
  state: ScopedState;
  redactor: Redactor;
  logger: Logger;
  github?: GitHubIssuesApi | undefined;
  slack?: { webhookUrl: string; options?: Omit<SlackPostOptions, 'redactor'> } | undefined;
  /** the run's deadline for notifications (Slack retries honour Retry-After within it) */
  deadline?: Deadline | undefined;
}

export interface AlertOutcome {
  action: AlertAction;
  issue: number | null;
  issue_url: string | null;
  slack: SlackOutcome;
  github: AlertRecord['github'];
  alertId: string | null;
  /** when something failed: a reason token (github_403, github_500, slack_429, ...) */
  reason: string | null;
  /** for a GitHub failure: rate_limit, secondary_rate_limit, permission, auth, server, network, ... */
  cause: GitHubFailureCause | null;
  remediation: string | null;
  /** the issue this run created and closed as a duplicate of an older one (overlapping runs) */
  duplicate_closed?: number | null;
  /** when the failure started */
  since?: string | null;
  /** pending: failing runs so far; recovering: healthy runs so far */
  count?: number | null;
  /** the threshold `count` is measured against */
  threshold?: number | null;
}

const fence = (lines: readonly string[]) => ['```', ...lines, '```'].join('\n');

function actBlock(input: AlertInput): string[] {
  const out: string[] = [];
  if (input.scheduleMissed) out.push(`- **schedule**: the previous run was ${input.scheduleMissed.ageHours ?? '?'} h ago, expected every ${input.scheduleMissed.expectedHours} h: a scheduled run did not fire. Check that the workflow is enabled (Actions tab) and its cron; GitHub disables schedules after 60 days without repository activity.`);
  for (const r of input.remediation ?? []) out.push(`- **${r.check}** (\`${r.reason}\`): ${r.text}${r.runbook ? ` Runbook: ${r.runbook}` : ''}`);
  if (!out.length) return [];
  return ['**What to do**', '', ...out, ''];
}

const kindOf = (input: Pick<AlertInput, 'kind'>): AlertKind => input.kind ?? OPS_DAILY_ALERT;

export function issueBody(input: AlertInput, state: MarkerState): string {
  const k = kindOf(input);
  return [
    alertMarker(input.context, k),
    stateLine(state, k),
    `${k.subject} in context \`${input.context}\` is **${k.word(input.overall)}**${input.scheduleMissed ? ' and a scheduled run was missed' : ''}${k.modeNote}.`,
    '',
    `**Failing since** ${state.since ?? input.now.toISOString()}${state.since_run ? ` (first failing run: ${state.since_run})` : ''}`,
    '',
    fence(input.lines),
    '',
    ...actBlock(input),
    `Runbook: ${input.runbookUrl ?? 'docs/runbook.md'}`,
    '',
    input.runUrl ? `Run: ${input.runUrl}` : 'Run: (not in GitHub Actions)',
    '',
    `Each new failing run adds a comment here. Add the \`${ACK_LABEL}\` label to stop repeated Slack messages until recovery; this issue is closed automatically when ${k.subject} is ${k.word('healthy')} again.`,
  ].join('\n');
}

export function recurrenceComment(input: AlertInput, since?: string | null): string {
  return [
    `Still **${kindOf(input).word(input.overall)}**${input.scheduleMissed ? ' (a scheduled run was missed)' : ''} at ${input.now.toISOString()}${since ? `, failing since ${since}` : ''}.`,
    '',
    fence(input.lines),
    '',
    ...actBlock(input),
    input.runUrl ? `Run: ${input.runUrl}` : '',
  ].join('\n').trimEnd();
}

export function recoveryComment(input: AlertInput): string {
  const k = kindOf(input);
  return [`Recovered: ${k.subject} is **${k.word(input.overall)}** again at ${input.now.toISOString()}. Closing.`, '', fence(input.lines.slice(-1)), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}

export function isFailing(o: Overall): boolean {
  return o === 'unhealthy' || o === 'error';
}

/** Every open alert issue of a context, oldest first (lowest number). */
async function listAlertIssues(gh: GitHubIssuesApi, context: string, kind: AlertKind = OPS_DAILY_ALERT): Promise<Issue[]> {
  return (await gh.listOpenIssues()).filter((i) => hasMarker(i, context, kind)).sort((a, b) => a.number - b.number);
}

/** Finds the open alert issue: the recorded number first, else a scan of all open issues by marker. */
export async function findAlertIssue(gh: GitHubIssuesApi, context: string, recorded: number | null, kind: AlertKind = OPS_DAILY_ALERT): Promise<Issue | null> {
  if (recorded) {
    const i = await gh.getIssue(recorded);
    if (i && i.state === 'open' && hasMarker(i, context, kind)) return i;
  }
  return (await listAlertIssues(gh, context, kind))[0] ?? null;
}

export function duplicateComment(keep: Issue, kind: AlertKind = OPS_DAILY_ALERT): string {
  return `Duplicate of #${keep.number}: another ${kind.subject} run opened that alert first (overlapping runs). Closing this one.`;
}

export async function reconcileAlert(input: AlertInput, deps: AlertDeps): Promise<AlertOutcome> {
  const r = deps.redactor;
  const lines = input.lines.map((l) => r.redact(l));
  const safe: AlertInput = { ...input, lines, runUrl: input.runUrl ? r.redact(input.runUrl) : undefined };
  const kind = kindOf(input);
  const failing = isFailing(input.overall) || Boolean(input.scheduleMissed);
  const recovered = input.overall === 'healthy';
  const thr = { failure: Math.max(1, input.thresholds?.failure ?? 1), success: Math.max(1, input.thresholds?.success ?? 1) };
  let open = deps.state.get<OpenAlert | null>(kind.keys.open) ?? null;
  const base = { reason: null, cause: null, remediation: null } as const;
  const githubState: AlertRecord['github'] = deps.github ? 'ok' : 'not_configured';
  if (!failing && !recovered) return { ...base, action: 'none', issue: open?.issue ?? null, issue_url: open?.issue_url ?? null, slack: 'not_needed', github: githubState, alertId: open?.id ?? null };
  if (input.silence) {
    // reported, not paged: no issue change, no Slack, and the run counts toward no threshold
    deps.logger.info(`alerting held back (${input.silence.reason}): ${input.silence.detail}`);
    return { ...base, action: 'silenced', reason: input.silence.reason, issue: open?.issue ?? null, issue_url: open?.issue_url ?? null, slack: 'not_needed', github: githubState, alertId: open?.id ?? null };
  }

  if (input.flapping) {
    const f = await flappingPhase(input, safe, deps, failing, open, input.flapping);
    if (f) return f;
    open = deps.state.get<OpenAlert | null>(kind.keys.open) ?? null;
  }

  // failing runs in a row before any issue exists (failure_threshold)
  const prevStreak = deps.state.get<FailureStreak | null>(kind.keys.streak) ?? null;
  const streak: FailureStreak = failing
    ? { fails: (prevStreak?.fails ?? 0) + 1, since: prevStreak?.since ?? input.now.toISOString(), since_run: prevStreak?.since ? (prevStreak.since_run ?? null) : (safe.runUrl ?? null) }
    : { fails: 0, since: null, since_run: null };
  // below failure_threshold with no incident known here (an open issue found on GitHub overrides it)
  const isPending = failing && !open && streak.fails < thr.failure;

  let github: AlertRecord['github'] = githubState;
  let issue: Issue | null = null;
  let action: AlertAction = 'none';
  let ghError: GitHubApiError | null = null;
  let duplicateClosed: number | null = null;
  let joinedExisting = false;
  let count: number | null = null;
  let threshold: number | null = null;
  let since: MarkerState = { since: open?.opened_at ?? null, since_run: open?.opened_run ?? null };
  if (deps.github) {
    const gh = deps.github;
    try {
      issue = await findAlertIssue(gh, input.context, open?.issue ?? null, kind);
      const marker = issue ? readMarkerState(issue.body, kind) : null;
      if (marker) since = marker;
      if (failing) {
        if (issue) {
          await gh.createComment(issue.number, r.redact(recurrenceComment(safe, since.since)));
          if ((marker?.oks ?? 0) > 0 && gh.updateBody) {
            // a partial recovery ended: the healthy count starts again
            since = { ...since, fails: (marker?.fails ?? 0) + 1, oks: 0 };
            const body = withMarkerState(issue.body, input.context, since, kind);
            await gh.updateBody(issue.number, r.redact(body));
            issue = { ...issue, body };
          }
          action = 'commented';
        } else if (isPending) {
          action = 'pending';
        } else {
          if (!since.since) since = { since: streak.since ?? input.now.toISOString(), since_run: streak.since_run ?? safe.runUrl ?? null };
          const state: MarkerState = { ...since, fails: streak.fails, oks: 0, notified_at: input.now.toISOString() };
          const created = await gh.createIssue({ title: kind.title, body: r.redact(issueBody(safe, state)), labels: [ALERT_LABEL] });
          issue = created;
          action = 'opened';
          // overlapping runs: look again, keep the oldest alert issue, close ours if it is newer
          const all = await listAlertIssues(gh, input.context, kind);
          const oldest = all[0];
          if (oldest && oldest.number < created.number) {
            await gh.createComment(created.number, duplicateComment(oldest, kind));
            await gh.closeIssue(created.number, 'duplicate');
            duplicateClosed = created.number;
            issue = oldest;
            since = readMarkerState(oldest.body, kind) ?? since;
            await gh.createComment(oldest.number, r.redact(recurrenceComment(safe, since.since)));
            action = 'commented';
            joinedExisting = true;
          }
        }
      } else if (issue) {
        const oks = (marker?.oks ?? open?.oks ?? 0) + 1;
        if (oks >= thr.success) {
          await gh.createComment(issue.number, r.redact(recoveryComment(safe)));
          await gh.closeIssue(issue.number);
          action = 'closed';
        } else {
          if (gh.updateBody) await gh.updateBody(issue.number, r.redact(withMarkerState(issue.body, input.context, { ...since, ...(marker?.fails !== undefined ? { fails: marker.fails } : {}), oks }, kind)));
          action = 'recovering';
          count = oks;
          threshold = thr.success;
          if (open) open = { ...open, oks };
        }
      }
    } catch (e) {
      github = 'failed';
      ghError = e instanceof GitHubApiError ? e : new GitHubApiError(0, 'GitHub API', 'network');
      action = 'failed';
      deps.logger.warn(`alert issue could not be updated: ${errorMessage(e)}`);
      deps.logger.warn(`fix: ${githubRemediation(ghError)}`);
    }
  } else if (isPending) {
    action = 'pending';
  } else if (recovered && open) {
    const oks = (open.oks ?? 0) + 1;
    if (oks < thr.success) {
      action = 'recovering';
      count = oks;
      threshold = thr.success;
      open = { ...open, oks };
    }
  }
  if (action === 'pending') {
    count = streak.fails;
    threshold = thr.failure;
  }

  // the local record of the incident: it follows the issue when there is one; without GitHub (or
  // when GitHub failed) it is the incident itself, so that one incident gets one Slack "opened"
  let newIncident = false;
  const held = action === 'pending' || (action === 'failed' && isPending);
  if (failing && !held) {
    if (!open) {
      // a new incident here (an issue found open already means another runner notified it)
      newIncident = action === 'opened' || action === 'failed' || !deps.github;
      open = { id: randomUUID(), issue: issue?.number ?? null, issue_url: issue?.html_url || null, opened_at: since.since ?? streak.since ?? input.now.toISOString(), opened_run: since.since_run ?? streak.since_run ?? safe.runUrl ?? null, acknowledged: false, notified: !newIncident || joinedExisting };
    } else if (issue) {
      if (open.issue && open.issue !== issue.number && action === 'opened') {
        // the issue we knew was closed by a person while still failing: a new incident
        newIncident = true;
        open = { id: randomUUID(), issue: issue.number, issue_url: issue.html_url || null, opened_at: input.now.toISOString(), opened_run: safe.runUrl ?? null, acknowledged: false, notified: false };
      } else open = { ...open, issue: issue.number, issue_url: issue.html_url || open.issue_url };
    }
    if (open.oks) open = { ...open, oks: 0 };
    if (action === 'none') action = newIncident ? 'opened' : 'commented'; // no GitHub: the local alert is the alert
  } else if (recovered && open && action === 'none' && (github === 'not_configured' || (github === 'ok' && !issue))) {
    // recovered, and the issue is gone (closed by a person) or there is no GitHub: close locally.
    // When GitHub failed, the alert stays open so that the next healthy run closes the issue.
    action = 'closed';
  }

  const acknowledged = Boolean(open?.acknowledged) || Boolean(issue?.labels.includes(ACK_LABEL));
  let slack: SlackOutcome = 'not_needed';
  let slackAttempts: number | undefined;
  let slackReason: string | null = null;
  let event: AlertEventKind | null = null;
  // reminders: a recurrence notifies only when the last message is remind_every old (or older)
  const remind = Math.max(0, input.remindEveryMs ?? 0);
  let remindDue: boolean | null = null;
  if (remind > 0 && open) {
    const last = Date.parse(since.notified_at ?? open.notified_at ?? open.opened_at);
    remindDue = !Number.isFinite(last) || input.now.getTime() - last >= remind;
  }
  if (failing && open && !held) event = open.notified === false ? 'opened' : 'recurring';
  else if (action === 'closed') event = 'recovered';
  if (joinedExisting) event = null; // the overlapping run that opened the issue notifies
  if (event) {
    if (!deps.slack) slack = 'not_configured';
    else if (event === 'recurring' && acknowledged) slack = 'suppressed_acknowledged';
    else if (event === 'recurring' && remindDue === false) slack = 'not_due';
    else {
      const msg = alertMessage({ kind: event, context: input.context, overall: input.overall, lines, runUrl: safe.runUrl, issueUrl: issue?.html_url || open?.issue_url || undefined, headers: kind.slack });
      const res = await postSlack(deps.slack.webhookUrl, msg, { ...deps.slack.options, redactor: r, ...(deps.deadline ? { deadline: deps.deadline } : {}) });
      slack = res.ok ? 'sent' : 'failed';
      slackAttempts = res.attempts;
      if (res.ok && open) {
        open = { ...open, notified_at: input.now.toISOString() };
        if (remind > 0 && event === 'recurring' && issue && deps.github?.updateBody && github === 'ok') {
          try {
            await deps.github.updateBody(issue.number, r.redact(withMarkerState(issue.body, input.context, { ...since, notified_at: input.now.toISOString() }, kind)));
          } catch (e) {
            deps.logger.warn(`the alert issue's reminder time could not be updated: ${errorMessage(e)}`);
          }
        }
      }
      if (!res.ok) {
        slackReason = res.deadlineExceeded ? 'slack_deadline' : `slack_${res.status || 'network'}`;
        deps.logger.warn(`Slack notification failed after ${res.attempts} attempt(s) (last HTTP status ${res.status || 'none'})${res.deadlineExceeded ? ": the next wait (Retry-After) did not fit in the run's deadline" : ''}`);
      }
    }
  }
  // Slack was told "opened" (or cannot be told): later runs of this incident say "still failing"
  if (failing && open && open.notified === false && (slack === 'sent' || slack === 'not_configured' || joinedExisting)) open = { ...open, notified: true };

  const alertId = open?.id ?? null;
  // the streak is kept while pending (and while GitHub could not be reached), reset otherwise
  deps.state.set(kind.keys.streak, held ? streak : { fails: 0, since: null, since_run: null });
  if ((failing && open) || action === 'recovering') deps.state.set(kind.keys.open, open ? { ...open, acknowledged } : null);
  if (action === 'closed') deps.state.set(kind.keys.open, null);
  const reason = ghError?.reason ?? slackReason;
  if (action !== 'none') {
    const rec: AlertRecord = {
      alert_id: alertId,
      action,
      overall: input.overall,
      issue: issue?.number ?? open?.issue ?? null,
      issue_url: issue?.html_url || open?.issue_url || null,
      slack,
      github,
      reason,
      run_url: safe.runUrl ?? null,
      acknowledged,
    };
    if (slackAttempts !== undefined) rec.slack_attempts = slackAttempts;
    if (kind !== OPS_DAILY_ALERT) rec.kind = kind.id;
    deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
  }
  return {
    action,
    issue: issue?.number ?? open?.issue ?? null,
    issue_url: issue?.html_url || open?.issue_url || null,
    slack,
    github,
    alertId,
    reason,
    cause: ghError?.cause_ ?? null,
    remediation: ghError ? githubRemediation(ghError) : null,
    duplicate_closed: duplicateClosed,
    since: failing ? (open?.opened_at ?? since.since ?? streak.since) : null,
    count,
    threshold,
  };
}

export function flappingComment(input: AlertInput, flap: FlapState, cfg: { changes: number; windowMs: number }): string {
  return [
    `**Flapping**: ${kindOf(input).subject} changed between failing and healthy ${flap.changes.length} times within ${Math.round(cfg.windowMs / 3_600_000)} h (threshold ${cfg.changes}), now **${input.overall}** at ${input.now.toISOString()}.`,
    '',
    `This issue stays open and Slack stays quiet while it flaps; it is reported once. When the status is stable for ${Math.round(cfg.windowMs / 3_600_000)} h the usual lifecycle resumes (a healthy run then closes it).`,
    '',
    input.runUrl ? `Run: ${input.runUrl}` : '',
  ].join('\n').trimEnd();
}

/**
 * Flapping (`ops.alerting.flapping`): every judged run advances the change count (in the issue's
 * marker while an issue is open, and in the context state). At `changes` changes within the window
 * the alert enters `flapping`: the issue is opened or kept open (label `flapping`), one comment and
 * one Slack message say so, and later flips change nothing. When the count falls below the
 * threshold the issue says so and the usual lifecycle resumes (this function returns null then).
 */
async function flappingPhase(input: AlertInput, safe: AlertInput, deps: AlertDeps, failing: boolean, open: OpenAlert | null, cfg: { changes: number; windowMs: number }): Promise<AlertOutcome | null> {
  const r = deps.redactor;
  const gh = deps.github;
  const kind = kindOf(input);
  let issue: Issue | null = null;
  let marker: MarkerState | null = null;
  if (gh) {
    try {
      issue = await findAlertIssue(gh, input.context, open?.issue ?? null, kind);
      marker = issue ? readMarkerState(issue.body, kind) : null;
    } catch {
      return null; // the usual path reports the GitHub failure
    }
  }
  const prev = marker?.flap ?? readFlap(deps.state.get<FlapState | null>(kind.keys.flap)) ?? null;
  const flap = advanceFlap(prev, failing, input.now, cfg.windowMs);
  const flapping = flap.changes.length >= cfg.changes;
  const next: FlapState = { ...flap, on: flapping };
  deps.state.set(kind.keys.flap, next);
  const markerState: MarkerState = { ...(marker ?? { since: open?.opened_at ?? input.now.toISOString(), since_run: open?.opened_run ?? safe.runUrl ?? null }), flap: next };
  const base = { reason: null, cause: null, remediation: null, count: flap.changes.length, threshold: cfg.changes } as const;
  if (!flapping) {
    if (prev?.on && gh && issue?.state === 'open' && gh.updateBody) {
      try {
        await gh.createComment(issue.number, `No longer flapping: ${flap.changes.length} change(s) within the window. The usual lifecycle resumes.`);
        await gh.updateBody(issue.number, r.redact(withMarkerState(issue.body, input.context, markerState, kind)));
      } catch (e) {
        deps.logger.warn(`the alert issue's flapping state could not be updated: ${errorMessage(e)}`);
      }
    } else if (issue && gh?.updateBody && marker && JSON.stringify(marker.flap ?? null) !== JSON.stringify(next)) {
      try {
        await gh.updateBody(issue.number, r.redact(withMarkerState(issue.body, input.context, markerState, kind)));
      } catch {
        /* the context state keeps the count */
      }
    }
    return null;
  }

  const entering = !prev?.on;
  let action: AlertAction = 'flapping';
  let github: AlertRecord['github'] = gh ? 'ok' : 'not_configured';
  let ghError: GitHubApiError | null = null;
  if (gh) {
    try {
      if (!issue) {
        issue = await gh.createIssue({ title: kind.title, body: r.redact(issueBody(safe, markerState)), labels: [ALERT_LABEL, FLAPPING_LABEL] });
        await gh.createComment(issue.number, r.redact(flappingComment(safe, flap, cfg)));
      } else {
        if (entering) {
          await gh.createComment(issue.number, r.redact(flappingComment(safe, flap, cfg)));
          await gh.addLabels(issue.number, [FLAPPING_LABEL]);
        }
        if (gh.updateBody) await gh.updateBody(issue.number, r.redact(withMarkerState(issue.body, input.context, markerState, kind)));
      }
    } catch (e) {
      github = 'failed';
      action = 'failed';
      ghError = e instanceof GitHubApiError ? e : new GitHubApiError(0, 'GitHub API', 'network');
      deps.logger.warn(`alert issue could not be updated: ${errorMessage(e)}`);
    }
  }
  let slack: SlackOutcome = 'not_needed';
  if (entering) {
    if (!deps.slack) slack = 'not_configured';
    else {
      const msg = alertMessage({ kind: 'flapping', context: input.context, overall: input.overall, lines: safe.lines, runUrl: safe.runUrl, issueUrl: issue?.html_url || open?.issue_url || undefined, headers: kind.slack });
      const res = await postSlack(deps.slack.webhookUrl, msg, { ...deps.slack.options, redactor: r, ...(deps.deadline ? { deadline: deps.deadline } : {}) });
      slack = res.ok ? 'sent' : 'failed';
    }
  }
  const o: OpenAlert = open
    ? { ...open, issue: issue?.number ?? open.issue, issue_url: issue?.html_url || open.issue_url }
    : { id: randomUUID(), issue: issue?.number ?? null, issue_url: issue?.html_url || null, opened_at: markerState.since ?? input.now.toISOString(), opened_run: markerState.since_run ?? null, acknowledged: false, notified: true };
  deps.state.set(kind.keys.open, o);
  deps.state.set(kind.keys.streak, { fails: 0, since: null, since_run: null });
  const rec: AlertRecord = { alert_id: o.id, action, overall: input.overall, issue: o.issue, issue_url: o.issue_url, slack, github, reason: ghError?.reason ?? null, run_url: safe.runUrl ?? null, acknowledged: o.acknowledged };
  if (kind !== OPS_DAILY_ALERT) rec.kind = kind.id;
  deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
  return { ...base, action, issue: o.issue, issue_url: o.issue_url, slack, github, alertId: o.id, reason: ghError?.reason ?? null, cause: ghError?.cause_ ?? null, remediation: ghError ? githubRemediation(ghError) : null, since: o.opened_at };
}
