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
const ALERT_LABEL = 'paas-alert';
export const ALERT_RECORD = 'alert';
export const OPEN_ALERT_KEY = 'alert.open';

/**
 * Which alert this is. One lifecycle, several kinds: each kind has its own title, its own hidden
 * marker (so one kind never finds, comments on or closes another kind's issue) and its own keys in
 * the context state (so their local incidents, streaks and flapping counts stay apart).
 */
interface AlertKind {
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
  slack: {
    opened: ALERT_TITLE,
    recurring: `${ALERT_TITLE} (still failing)`,
    recovered: 'ops_daily recovered',
    flapping: 'ops_daily flapping',
  },
};

export const READINESS_ALERT: AlertKind = {
  id: 'ops_readiness',
  title: READINESS_ALERT_TITLE,
  subject: 'ops readiness',
  word: (o) => (o === 'healthy' ? 'ready' : o === 'unhealthy' ? 'not ready' : o),
  keys: { open: 'readiness.alert.open', streak: 'readiness.alert.streak', flap: 'readiness.alert.flap' },
  modeNote: '',
  slack: {
    opened: READINESS_ALERT_TITLE,
    recurring: `${READINESS_ALERT_TITLE} (still failing)`,
    recovered: 'ops readiness ready again',
    flapping: 'ops readiness flapping',
  },
};

/** An alert issue's title: the kind's and the context's (one issue per context: they are told apart in the issue list, as in Slack). */
function issueTitle(kind: AlertKind, context: string): string {
  return `${kind.title}: ${context}`;
}

export function alertMarker(context: string, kind: AlertKind = OPS_DAILY_ALERT): string {
  return `<!-- paas-actions:${kind.id}-alert context=${context} -->`;
}

function hasMarker(issue: Pick<Issue, 'body'>, context: string, kind: AlertKind = OPS_DAILY_ALERT): boolean {
  return issue.body.split(/\r?\n/).some((l) => l.trim() === alertMarker(context, kind));
}

/** The state an alert issue carries in a second hidden line, so a runner without cache knows it. */
interface MarkerState {
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
interface FlapState {
  /** the previous run was failing (null: no run judged yet) */
  last: boolean | null;
  /** ISO times of the changes still inside the window */
  changes: string[];
  on: boolean;
}

const FLAPPING_LABEL = 'flapping';

function readFlap(v: unknown): FlapState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Partial<FlapState>;
  const changes = Array.isArray(o.changes)
    ? o.changes.filter((c): c is string => typeof c === 'string' && c.length <= 40).slice(-100)
    : [];
  return { last: typeof o.last === 'boolean' ? o.last : null, changes, on: o.on === true };
}

/** The next flapping state after a run that is `failing` (true) or healthy (false). */
function advanceFlap(prev: FlapState | null | undefined, failing: boolean, now: Date, windowMs: number): FlapState {
  const changes = (prev?.changes ?? []).filter((t) => now.getTime() - Date.parse(t) < windowMs);
  if (prev && prev.last !== null && prev.last !== failing) changes.push(now.toISOString());
  return { last: failing, changes: changes.slice(-100), on: prev?.on ?? false };
}

const statePrefix = (kind: AlertKind) => `<!-- paas-actions:${kind.id}-state `;

function stateLine(s: MarkerState, kind: AlertKind = OPS_DAILY_ALERT): string {
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
function withMarkerState(body: string, context: string, state: MarkerState, kind: AlertKind = OPS_DAILY_ALERT): string {
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
interface FailureStreak {
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
type AlertAction =
  | 'opened'
  | 'commented'
  | 'closed'
  | 'acknowledged'
  | 'failed'
  | 'pending'
  | 'recovering'
  | 'silenced'
  | 'flapping'
  | 'none';
/** `not_due`: a recurrence within `remind_every` of the last message (no reminder yet). */
type SlackOutcome = 'sent' | 'failed' | 'suppressed_acknowledged' | 'not_due' | 'not_configured' | 'not_needed';

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

interface AlertInput {
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

interface AlertDeps {
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
  if (input.scheduleMissed)
    out.push(
      `- **schedule**: the previous run was ${input.scheduleMissed.ageHours ?? '?'} h ago, ` +
        `expected every ${input.scheduleMissed.expectedHours} h: a scheduled run did not fire. ` +
        'Check that the workflow is enabled (Actions tab) and its cron; ' +
        'GitHub disables schedules after 60 days without repository activity.',
    );
  for (const r of input.remediation ?? [])
    out.push(`- **${r.check}** (\`${r.reason}\`): ${r.text}${r.runbook ? ` Runbook: ${r.runbook}` : ''}`);
  if (!out.length) return [];
  return ['**What to do**', '', ...out, ''];
}

const kindOf = (input: Pick<AlertInput, 'kind'>): AlertKind => input.kind ?? OPS_DAILY_ALERT;

function issueBody(input: AlertInput, state: MarkerState): string {
  const k = kindOf(input);
  return [
    alertMarker(input.context, k),
    stateLine(state, k),
    `${k.subject} in context \`${input.context}\` is **${k.word(input.overall)}**` +
      (input.scheduleMissed ? ' and a scheduled run was missed' : '') +
      `${k.modeNote}.`,
    '',
    `**Failing since** ${state.since ?? input.now.toISOString()}` +
      (state.since_run ? ` (first failing run: ${state.since_run})` : ''),
    '',
    fence(input.lines),
    '',
    ...actBlock(input),
    `Runbook: ${input.runbookUrl ?? 'docs/runbook.md'}`,
    '',
    input.runUrl ? `Run: ${input.runUrl}` : 'Run: (not in GitHub Actions)',
    '',
    'Each new failing run adds a comment here. ' +
      `Add the \`${ACK_LABEL}\` label to stop repeated Slack messages until recovery; ` +
      `this issue is closed automatically when ${k.subject} is ${k.word('healthy')} again.`,
  ].join('\n');
}

function recurrenceComment(input: AlertInput, since?: string | null): string {
  return [
    `Still **${kindOf(input).word(input.overall)}**` +
      (input.scheduleMissed ? ' (a scheduled run was missed)' : '') +
      ` at ${input.now.toISOString()}` +
      (since ? `, failing since ${since}` : '') +
      '.',
    '',
    fence(input.lines),
    '',
    ...actBlock(input),
    input.runUrl ? `Run: ${input.runUrl}` : '',
  ]
    .join('\n')
    .trimEnd();
}

function recoveryComment(input: AlertInput): string {
  const k = kindOf(input);
  return [
    `Recovered: ${k.subject} is **${k.word(input.overall)}** again at ${input.now.toISOString()}. Closing.`,
    '',
    fence(input.lines.slice(-1)),
    '',
    input.runUrl ? `Run: ${input.runUrl}` : '',
  ]
    .join('\n')
    .trimEnd();
}

function isFailing(o: Overall): boolean {
  return o === 'unhealthy' || o === 'error';
}

/** Every open alert issue of a context, oldest first (lowest number). */
async function listAlertIssues(
  gh: GitHubIssuesApi,
  context: string,
  kind: AlertKind = OPS_DAILY_ALERT,
): Promise<Issue[]> {
  return (await gh.listOpenIssues()).filter((i) => hasMarker(i, context, kind)).sort((a, b) => a.number - b.number);
}

/** Finds the open alert issue: the recorded number first, else a scan of all open issues by marker. */
async function findAlertIssue(
  gh: GitHubIssuesApi,
  context: string,
  recorded: number | null,
  kind: AlertKind = OPS_DAILY_ALERT,
): Promise<Issue | null> {
  if (recorded) {
    const i = await gh.getIssue(recorded);
    if (i && i.state === 'open' && hasMarker(i, context, kind)) return i;
  }
  return (await listAlertIssues(gh, context, kind))[0] ?? null;
}

function duplicateComment(keep: Issue, kind: AlertKind = OPS_DAILY_ALERT): string {
  return (
    `Duplicate of #${keep.number}: another ${kind.subject} run opened that alert first (overlapping runs). ` +
    'Closing this one.'
  );
}

/** The facts of one reconcile, fixed before anything changes. */
interface Reconcile {
  input: AlertInput;
  /** the input with its lines and run URL redacted */
  safe: AlertInput;
  deps: AlertDeps;
  kind: AlertKind;
  failing: boolean;
  recovered: boolean;
  thr: { failure: number; success: number };
  streak: FailureStreak;
  /** below failure_threshold with no incident known here (an open issue found on GitHub overrides it) */
  isPending: boolean;
}

/** Where the issue (or, without GitHub, the local alert) stands; what GitHub did before a failure is kept. */
interface IssueProgress {
  github: AlertRecord['github'];
  issue: Issue | null;
  action: AlertAction;
  ghError: GitHubApiError | null;
  duplicateClosed: number | null;
  joinedExisting: boolean;
  count: number | null;
  threshold: number | null;
  since: MarkerState;
  open: OpenAlert | null;
}

/** The local incident after this run; `held`: pending (failure_threshold not reached), nothing is notified. */
interface Incident {
  open: OpenAlert | null;
  action: AlertAction;
  held: boolean;
}

interface SlackStep {
  slack: SlackOutcome;
  attempts?: number;
  reason: string | null;
  open: OpenAlert | null;
}

export async function reconcileAlert(input: AlertInput, deps: AlertDeps): Promise<AlertOutcome> {
  const r = deps.redactor;
  const lines = input.lines.map((l) => r.redact(l));
  const safe: AlertInput = { ...input, lines, runUrl: input.runUrl ? r.redact(input.runUrl) : undefined };
  const kind = kindOf(input);
  const failing = isFailing(input.overall) || Boolean(input.scheduleMissed);
  const recovered = input.overall === 'healthy';
  let open = deps.state.get<OpenAlert | null>(kind.keys.open) ?? null;
  const quiet = quietOutcome(input, deps, open, failing || recovered);
  if (quiet) return quiet;

  if (input.flapping) {
    const f = await flappingPhase(input, safe, deps, failing, open, input.flapping);
    if (f) return f;
    open = deps.state.get<OpenAlert | null>(kind.keys.open) ?? null;
  }

  const thr = {
    failure: Math.max(1, input.thresholds?.failure ?? 1),
    success: Math.max(1, input.thresholds?.success ?? 1),
  };
  const streak = nextStreak(
    deps.state.get<FailureStreak | null>(kind.keys.streak) ?? null,
    failing,
    input.now,
    safe.runUrl,
  );
  const rc: Reconcile = {
    input,
    safe,
    deps,
    kind,
    failing,
    recovered,
    thr,
    streak,
    isPending: failing && !open && streak.fails < thr.failure,
  };
  const progress = await issueStep(rc, open);
  const incident = localIncident(rc, progress);
  const acknowledged = Boolean(incident.open?.acknowledged) || Boolean(progress.issue?.labels.includes(ACK_LABEL));
  const note = await notifySlack(rc, progress, incident, acknowledged);
  return recordAlert(rc, progress, { ...incident, open: note.open }, note, acknowledged);
}

/**
 * Nothing pages: `none` when the run is neither failing nor recovered (insufficient_data), or
 * `silenced` (reported, not paged: no issue change, no Slack, no threshold counted). Null: it pages.
 */
function quietOutcome(
  input: AlertInput,
  deps: AlertDeps,
  open: OpenAlert | null,
  judged: boolean,
): AlertOutcome | null {
  if (!judged) return unpaged('none', null, deps, open);
  if (!input.silence) return null;
  deps.logger.info(`alerting held back (${input.silence.reason}): ${input.silence.detail}`);
  return unpaged('silenced', input.silence.reason, deps, open);
}

/** The outcome of a run that pages nobody: the open alert as it is, Slack not needed. */
function unpaged(action: AlertAction, reason: string | null, deps: AlertDeps, open: OpenAlert | null): AlertOutcome {
  return {
    reason,
    cause: null,
    remediation: null,
    action,
    issue: open?.issue ?? null,
    issue_url: open?.issue_url ?? null,
    slack: 'not_needed',
    github: deps.github ? 'ok' : 'not_configured',
    alertId: open?.id ?? null,
  };
}

/** Failing runs in a row before any issue exists (failure_threshold); a healthy run resets it. */
function nextStreak(
  prev: FailureStreak | null,
  failing: boolean,
  now: Date,
  runUrl: string | undefined,
): FailureStreak {
  if (!failing) return { fails: 0, since: null, since_run: null };
  return {
    fails: (prev?.fails ?? 0) + 1,
    since: prev?.since ?? now.toISOString(),
    since_run: prev?.since ? (prev.since_run ?? null) : (runUrl ?? null),
  };
}

/** Find or open the alert issue (comment, open, close, count towards success_threshold), or without GitHub decide locally. */
async function issueStep(rc: Reconcile, open: OpenAlert | null): Promise<IssueProgress> {
  const start: IssueProgress = {
    github: rc.deps.github ? 'ok' : 'not_configured',
    issue: null,
    action: 'none',
    ghError: null,
    duplicateClosed: null,
    joinedExisting: false,
    count: null,
    threshold: null,
    since: { since: open?.opened_at ?? null, since_run: open?.opened_run ?? null },
    open,
  };
  const done = rc.deps.github ? await githubIssueStep(rc, rc.deps.github, start) : localIssueStep(rc, start);
  return done.action === 'pending' ? { ...done, count: rc.streak.fails, threshold: rc.thr.failure } : done;
}

function localIssueStep(rc: Reconcile, p: IssueProgress): IssueProgress {
  if (rc.isPending) return { ...p, action: 'pending' };
  if (rc.recovered && p.open) {
    const oks = (p.open.oks ?? 0) + 1;
    if (oks < rc.thr.success)
      return { ...p, action: 'recovering', count: oks, threshold: rc.thr.success, open: { ...p.open, oks } };
  }
  return p;
}

async function githubIssueStep(rc: Reconcile, gh: GitHubIssuesApi, start: IssueProgress): Promise<IssueProgress> {
  // progress so far: what GitHub did before a failure stays known (an issue created, then a failing look-up)
  const p: IssueProgress = { ...start };
  try {
    const issue = await findAlertIssue(gh, rc.input.context, p.open?.issue ?? null, rc.kind);
    p.issue = issue;
    const marker = issue ? readMarkerState(issue.body, rc.kind) : null;
    if (marker) p.since = marker;
    if (rc.failing) {
      if (issue) await commentRecurrence(rc, gh, p, issue, marker);
      else if (rc.isPending) p.action = 'pending';
      else await openIssue(rc, gh, p);
    } else if (issue) await recoverIssue(rc, gh, p, issue, marker);
  } catch (e) {
    const ghError = e instanceof GitHubApiError ? e : new GitHubApiError(0, 'GitHub API', 'network');
    rc.deps.logger.warn(`alert issue could not be updated: ${errorMessage(e)}`);
    rc.deps.logger.warn(`fix: ${githubRemediation(ghError)}`);
    return { ...p, github: 'failed', ghError, action: 'failed' };
  }
  return p;
}

/** Still failing with the issue open: a recurrence comment; a partial recovery ended, so the healthy count starts again. */
async function commentRecurrence(
  rc: Reconcile,
  gh: GitHubIssuesApi,
  p: IssueProgress,
  issue: Issue,
  marker: MarkerState | null,
): Promise<void> {
  const r = rc.deps.redactor;
  await gh.createComment(issue.number, r.redact(recurrenceComment(rc.safe, p.since.since)));
  if ((marker?.oks ?? 0) > 0 && gh.updateBody) {
    p.since = { ...p.since, fails: (marker?.fails ?? 0) + 1, oks: 0 };
    const body = withMarkerState(issue.body, rc.input.context, p.since, rc.kind);
    await gh.updateBody(issue.number, r.redact(body));
    p.issue = { ...issue, body };
  }
  p.action = 'commented';
}

/** Opens the alert issue; overlapping runs: look again, keep the oldest alert issue, close ours if it is newer. */
async function openIssue(rc: Reconcile, gh: GitHubIssuesApi, p: IssueProgress): Promise<void> {
  const { input, safe, kind, streak } = rc;
  const r = rc.deps.redactor;
  if (!p.since.since)
    p.since = { since: streak.since ?? input.now.toISOString(), since_run: streak.since_run ?? safe.runUrl ?? null };
  const state: MarkerState = { ...p.since, fails: streak.fails, oks: 0, notified_at: input.now.toISOString() };
  const created = await gh.createIssue({
    title: r.redact(issueTitle(kind, input.context)),
    body: r.redact(issueBody(safe, state)),
    labels: [ALERT_LABEL],
  });
  p.issue = created;
  p.action = 'opened';
  const all = await listAlertIssues(gh, input.context, kind);
  const oldest = all[0];
  if (oldest && oldest.number < created.number) {
    await gh.createComment(created.number, duplicateComment(oldest, kind));
    await gh.closeIssue(created.number, 'duplicate');
    p.duplicateClosed = created.number;
    p.issue = oldest;
    p.since = readMarkerState(oldest.body, kind) ?? p.since;
    await gh.createComment(oldest.number, r.redact(recurrenceComment(safe, p.since.since)));
    p.action = 'commented';
    p.joinedExisting = true;
  }
}

/** A healthy run with the issue open: close it at success_threshold, count towards it before. */
async function recoverIssue(
  rc: Reconcile,
  gh: GitHubIssuesApi,
  p: IssueProgress,
  issue: Issue,
  marker: MarkerState | null,
): Promise<void> {
  const r = rc.deps.redactor;
  const oks = (marker?.oks ?? p.open?.oks ?? 0) + 1;
  if (oks >= rc.thr.success) {
    await gh.createComment(issue.number, r.redact(recoveryComment(rc.safe)));
    await gh.closeIssue(issue.number);
    p.action = 'closed';
    return;
  }
  if (gh.updateBody)
    await gh.updateBody(
      issue.number,
      r.redact(
        withMarkerState(
          issue.body,
          rc.input.context,
          { ...p.since, ...(marker?.fails !== undefined ? { fails: marker.fails } : {}), oks },
          rc.kind,
        ),
      ),
    );
  p.action = 'recovering';
  p.count = oks;
  p.threshold = rc.thr.success;
  if (p.open) p.open = { ...p.open, oks };
}

/**
 * The local record of the incident: it follows the issue when there is one; without GitHub (or
 * when GitHub failed) it is the incident itself, so that one incident gets one Slack "opened".
 */
function localIncident(rc: Reconcile, p: IssueProgress): Incident {
  const { input, safe, streak, deps } = rc;
  const { issue, since } = p;
  let open = p.open;
  let action = p.action;
  const held = action === 'pending' || (action === 'failed' && rc.isPending);
  if (rc.failing && !held) {
    let newIncident = false;
    if (!open) {
      // a new incident here (an issue found open already means another runner notified it)
      newIncident = action === 'opened' || action === 'failed' || !deps.github;
      open = {
        id: randomUUID(),
        issue: issue?.number ?? null,
        issue_url: issue?.html_url || null,
        opened_at: since.since ?? streak.since ?? input.now.toISOString(),
        opened_run: since.since_run ?? streak.since_run ?? safe.runUrl ?? null,
        acknowledged: false,
        notified: !newIncident || p.joinedExisting,
      };
    } else if (issue) {
      if (open.issue && open.issue !== issue.number && action === 'opened') {
        // the issue we knew was closed by a person while still failing: a new incident
        newIncident = true;
        open = {
          id: randomUUID(),
          issue: issue.number,
          issue_url: issue.html_url || null,
          opened_at: input.now.toISOString(),
          opened_run: safe.runUrl ?? null,
          acknowledged: false,
          notified: false,
        };
      } else open = { ...open, issue: issue.number, issue_url: issue.html_url || open.issue_url };
    }
    if (open.oks) open = { ...open, oks: 0 };
    if (action === 'none') action = newIncident ? 'opened' : 'commented'; // no GitHub: the local alert is the alert
  } else if (
    rc.recovered &&
    open &&
    action === 'none' &&
    (p.github === 'not_configured' || (p.github === 'ok' && !issue))
  ) {
    // recovered, and the issue is gone (closed by a person) or there is no GitHub: close locally.
    // When GitHub failed, the alert stays open so that the next healthy run closes the issue.
    action = 'closed';
  }
  return { open, action, held };
}

/** Which Slack message this run owes, if any. */
function notificationEvent(rc: Reconcile, p: IssueProgress, inc: Incident): AlertEventKind | null {
  if (p.joinedExisting) return null; // the overlapping run that opened the issue notifies
  if (rc.failing && inc.open && !inc.held) return inc.open.notified === false ? 'opened' : 'recurring';
  return inc.action === 'closed' ? 'recovered' : null;
}

/** reminders: a recurrence notifies only when the last message is remind_every old (or older); null: no reminders */
function reminderDue(rc: Reconcile, p: IssueProgress, open: OpenAlert | null): boolean | null {
  const remind = Math.max(0, rc.input.remindEveryMs ?? 0);
  if (!(remind > 0 && open)) return null;
  const last = Date.parse(p.since.notified_at ?? open.notified_at ?? open.opened_at);
  return !Number.isFinite(last) || rc.input.now.getTime() - last >= remind;
}

async function notifySlack(rc: Reconcile, p: IssueProgress, inc: Incident, acknowledged: boolean): Promise<SlackStep> {
  const event = notificationEvent(rc, p, inc);
  let out: SlackStep = { slack: 'not_needed', reason: null, open: inc.open };
  if (event) {
    if (!rc.deps.slack) out = { ...out, slack: 'not_configured' };
    else if (event === 'recurring' && acknowledged) out = { ...out, slack: 'suppressed_acknowledged' };
    else if (event === 'recurring' && reminderDue(rc, p, inc.open) === false) out = { ...out, slack: 'not_due' };
    else out = await deliverSlack(rc, rc.deps.slack, event, p, inc.open);
  }
  // Slack was told "opened" (or cannot be told): later runs of this incident say "still failing"
  if (
    rc.failing &&
    out.open &&
    out.open.notified === false &&
    (out.slack === 'sent' || out.slack === 'not_configured' || p.joinedExisting)
  )
    out = { ...out, open: { ...out.open, notified: true } };
  return out;
}

async function deliverSlack(
  rc: Reconcile,
  slack: NonNullable<AlertDeps['slack']>,
  event: AlertEventKind,
  p: IssueProgress,
  open: OpenAlert | null,
): Promise<SlackStep> {
  const { input, safe, deps, kind } = rc;
  const msg = alertMessage({
    kind: event,
    context: input.context,
    overall: input.overall,
    lines: safe.lines,
    runUrl: safe.runUrl,
    issueUrl: p.issue?.html_url || open?.issue_url || undefined,
    headers: kind.slack,
  });
  const res = await postSlack(slack.webhookUrl, msg, {
    ...slack.options,
    redactor: deps.redactor,
    ...(deps.deadline ? { deadline: deps.deadline } : {}),
  });
  if (!res.ok) {
    deps.logger.warn(
      `Slack notification failed after ${res.attempts} attempt(s) (last HTTP status ${res.status || 'none'})` +
        (res.deadlineExceeded ? ": the next wait (Retry-After) did not fit in the run's deadline" : ''),
    );
    return {
      slack: 'failed',
      attempts: res.attempts,
      reason: res.deadlineExceeded ? 'slack_deadline' : `slack_${res.status || 'network'}`,
      open,
    };
  }
  if (open && event === 'recurring') await recordReminder(rc, p);
  return {
    slack: 'sent',
    attempts: res.attempts,
    reason: null,
    open: open ? { ...open, notified_at: input.now.toISOString() } : open,
  };
}

/** A reminder was sent: the issue's marker remembers when (remind_every counts from it). */
async function recordReminder(rc: Reconcile, p: IssueProgress): Promise<void> {
  const { input, deps, kind } = rc;
  const remind = Math.max(0, input.remindEveryMs ?? 0);
  if (!(remind > 0 && p.issue && deps.github?.updateBody && p.github === 'ok')) return;
  try {
    await deps.github.updateBody(
      p.issue.number,
      deps.redactor.redact(
        withMarkerState(p.issue.body, input.context, { ...p.since, notified_at: input.now.toISOString() }, kind),
      ),
    );
  } catch (e) {
    deps.logger.warn(`the alert issue's reminder time could not be updated: ${errorMessage(e)}`);
  }
}

/** Saves the streak and the open alert, records what happened (`alert` record) and says so. */
function recordAlert(
  rc: Reconcile,
  p: IssueProgress,
  inc: Incident,
  note: SlackStep,
  acknowledged: boolean,
): AlertOutcome {
  const { input, deps, kind, streak } = rc;
  const { issue, github, ghError } = p;
  const { open, action } = inc;
  const alertId = open?.id ?? null;
  // the streak is kept while pending (and while GitHub could not be reached), reset otherwise
  deps.state.set(kind.keys.streak, inc.held ? streak : { fails: 0, since: null, since_run: null });
  if ((rc.failing && open) || action === 'recovering')
    deps.state.set(kind.keys.open, open ? { ...open, acknowledged } : null);
  if (action === 'closed') deps.state.set(kind.keys.open, null);
  const reason = ghError?.reason ?? note.reason;
  const issueNumber = issue?.number ?? open?.issue ?? null;
  const issueUrl = issue?.html_url || open?.issue_url || null;
  if (action !== 'none') {
    const rec: AlertRecord = {
      alert_id: alertId,
      action,
      overall: input.overall,
      issue: issueNumber,
      issue_url: issueUrl,
      slack: note.slack,
      github,
      reason,
      run_url: rc.safe.runUrl ?? null,
      acknowledged,
    };
    if (note.attempts !== undefined) rec.slack_attempts = note.attempts;
    if (kind !== OPS_DAILY_ALERT) rec.kind = kind.id;
    deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
  }
  return {
    action,
    issue: issueNumber,
    issue_url: issueUrl,
    slack: note.slack,
    github,
    alertId,
    reason,
    cause: ghError?.cause_ ?? null,
    remediation: ghError ? githubRemediation(ghError) : null,
    duplicate_closed: p.duplicateClosed,
    since: rc.failing ? (open?.opened_at ?? p.since.since ?? streak.since) : null,
    count: p.count,
    threshold: p.threshold,
  };
}

function flappingComment(input: AlertInput, flap: FlapState, cfg: { changes: number; windowMs: number }): string {
  return [
    `**Flapping**: ${kindOf(input).subject} changed between failing and healthy ${flap.changes.length} times ` +
      `within ${Math.round(cfg.windowMs / 3_600_000)} h (threshold ${cfg.changes}), ` +
      `now **${input.overall}** at ${input.now.toISOString()}.`,
    '',
    'This issue stays open and Slack stays quiet while it flaps; it is reported once. ' +
      `When the status is stable for ${Math.round(cfg.windowMs / 3_600_000)} h ` +
      'the usual lifecycle resumes (a healthy run then closes it).',
    '',
    input.runUrl ? `Run: ${input.runUrl}` : '',
  ]
    .join('\n')
    .trimEnd();
}

/**
 * Flapping (`ops.alerting.flapping`): every judged run advances the change count (in the issue's
 * marker while an issue is open, and in the context state). At `changes` changes within the window
 * the alert enters `flapping`: the issue is opened or kept open (label `flapping`), one comment and
 * one Slack message say so, and later flips change nothing. When the count falls below the
 * threshold the issue says so and the usual lifecycle resumes (this function returns null then).
 */
async function flappingPhase(
  input: AlertInput,
  safe: AlertInput,
  deps: AlertDeps,
  failing: boolean,
  open: OpenAlert | null,
  cfg: { changes: number; windowMs: number },
): Promise<AlertOutcome | null> {
  const kind = kindOf(input);
  const found = await flapIssueOnGitHub(input, deps, open, kind);
  if (!found) return null; // the usual path reports the GitHub failure
  const { issue, marker } = found;
  const prev = marker?.flap ?? readFlap(deps.state.get<FlapState | null>(kind.keys.flap)) ?? null;
  const flap = advanceFlap(prev, failing, input.now, cfg.windowMs);
  const next: FlapState = { ...flap, on: flap.changes.length >= cfg.changes };
  deps.state.set(kind.keys.flap, next);
  const markerState: MarkerState = {
    ...(marker ?? {
      since: open?.opened_at ?? input.now.toISOString(),
      since_run: open?.opened_run ?? safe.runUrl ?? null,
    }),
    flap: next,
  };
  const fc: Flap = { input, safe, deps, kind, cfg, open, issue, marker, prev, flap, next, markerState };
  if (!next.on) {
    await leaveFlapping(fc);
    return null;
  }
  const entering = !prev?.on;
  const gh = await flappingIssue(fc, entering);
  const slack = entering ? await flappingSlack(fc, gh.issue) : 'not_needed';
  return recordFlapping(fc, gh, slack);
}

/** One flapping run's facts, fixed before the issue and Slack are touched. */
interface Flap {
  input: AlertInput;
  safe: AlertInput;
  deps: AlertDeps;
  kind: AlertKind;
  cfg: { changes: number; windowMs: number };
  open: OpenAlert | null;
  issue: Issue | null;
  marker: MarkerState | null;
  prev: FlapState | null;
  flap: FlapState;
  next: FlapState;
  markerState: MarkerState;
}

/** What GitHub did in a flapping run. */
interface FlapGitHub {
  issue: Issue | null;
  action: AlertAction;
  github: AlertRecord['github'];
  ghError: GitHubApiError | null;
}

/** The open alert issue and its marker state; `{issue: null}` without GitHub; null when GitHub failed. */
async function flapIssueOnGitHub(
  input: AlertInput,
  deps: AlertDeps,
  open: OpenAlert | null,
  kind: AlertKind,
): Promise<{ issue: Issue | null; marker: MarkerState | null } | null> {
  if (!deps.github) return { issue: null, marker: null };
  try {
    const issue = await findAlertIssue(deps.github, input.context, open?.issue ?? null, kind);
    return { issue, marker: issue ? readMarkerState(issue.body, kind) : null };
  } catch {
    return null;
  }
}

/** Below the threshold: says so on an issue that was flapping, else keeps the marker's count current. */
async function leaveFlapping(fc: Flap): Promise<void> {
  const { deps, issue, input, kind } = fc;
  const gh = deps.github;
  const body = () => deps.redactor.redact(withMarkerState(issue?.body ?? '', input.context, fc.markerState, kind));
  if (fc.prev?.on && gh && issue?.state === 'open' && gh.updateBody) {
    try {
      await gh.createComment(
        issue.number,
        `No longer flapping: ${fc.flap.changes.length} change(s) within the window. The usual lifecycle resumes.`,
      );
      await gh.updateBody(issue.number, body());
    } catch (e) {
      deps.logger.warn(`the alert issue's flapping state could not be updated: ${errorMessage(e)}`);
    }
  } else if (
    issue &&
    gh?.updateBody &&
    fc.marker &&
    JSON.stringify(fc.marker.flap ?? null) !== JSON.stringify(fc.next)
  ) {
    try {
      await gh.updateBody(issue.number, body());
    } catch {
      /* the context state keeps the count */
    }
  }
}

/** Flapping: the issue is opened (labels alert and flapping) or kept open; entering says so once. */
async function flappingIssue(fc: Flap, entering: boolean): Promise<FlapGitHub> {
  const { deps, safe, kind } = fc;
  const gh = deps.github;
  const r = deps.redactor;
  let issue = fc.issue;
  if (!gh) return { issue, action: 'flapping', github: 'not_configured', ghError: null };
  try {
    if (!issue) {
      issue = await gh.createIssue({
        title: r.redact(issueTitle(kind, fc.input.context)),
        body: r.redact(issueBody(safe, fc.markerState)),
        labels: [ALERT_LABEL, FLAPPING_LABEL],
      });
      await gh.createComment(issue.number, r.redact(flappingComment(safe, fc.flap, fc.cfg)));
    } else {
      if (entering) {
        await gh.createComment(issue.number, r.redact(flappingComment(safe, fc.flap, fc.cfg)));
        await gh.addLabels(issue.number, [FLAPPING_LABEL]);
      }
      if (gh.updateBody)
        await gh.updateBody(
          issue.number,
          r.redact(withMarkerState(issue.body, fc.input.context, fc.markerState, kind)),
        );
    }
    return { issue, action: 'flapping', github: 'ok', ghError: null };
  } catch (e) {
    deps.logger.warn(`alert issue could not be updated: ${errorMessage(e)}`);
    const ghError = e instanceof GitHubApiError ? e : new GitHubApiError(0, 'GitHub API', 'network');
    return { issue, action: 'failed', github: 'failed', ghError };
  }
}

/** The one Slack message of entering the flapping state. */
async function flappingSlack(fc: Flap, issue: Issue | null): Promise<SlackOutcome> {
  const { deps, input, safe } = fc;
  if (!deps.slack) return 'not_configured';
  const msg = alertMessage({
    kind: 'flapping',
    context: input.context,
    overall: input.overall,
    lines: safe.lines,
    runUrl: safe.runUrl,
    issueUrl: issue?.html_url || fc.open?.issue_url || undefined,
    headers: fc.kind.slack,
  });
  const res = await postSlack(deps.slack.webhookUrl, msg, {
    ...deps.slack.options,
    redactor: deps.redactor,
    ...(deps.deadline ? { deadline: deps.deadline } : {}),
  });
  return res.ok ? 'sent' : 'failed';
}

/** The open alert (an incident while it flaps), a reset streak, the record and the outcome. */
function recordFlapping(fc: Flap, gh: FlapGitHub, slack: SlackOutcome): AlertOutcome {
  const { deps, input, kind, open, markerState } = fc;
  const { issue, action, github, ghError } = gh;
  const o: OpenAlert = open
    ? { ...open, issue: issue?.number ?? open.issue, issue_url: issue?.html_url || open.issue_url }
    : {
        id: randomUUID(),
        issue: issue?.number ?? null,
        issue_url: issue?.html_url || null,
        opened_at: markerState.since ?? input.now.toISOString(),
        opened_run: markerState.since_run ?? null,
        acknowledged: false,
        notified: true,
      };
  deps.state.set(kind.keys.open, o);
  deps.state.set(kind.keys.streak, { fails: 0, since: null, since_run: null });
  const rec: AlertRecord = {
    alert_id: o.id,
    action,
    overall: input.overall,
    issue: o.issue,
    issue_url: o.issue_url,
    slack,
    github,
    reason: ghError?.reason ?? null,
    run_url: fc.safe.runUrl ?? null,
    acknowledged: o.acknowledged,
  };
  if (kind !== OPS_DAILY_ALERT) rec.kind = kind.id;
  deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
  return {
    reason: ghError?.reason ?? null,
    cause: ghError?.cause_ ?? null,
    remediation: ghError ? githubRemediation(ghError) : null,
    count: fc.flap.changes.length,
    threshold: fc.cfg.changes,
    action,
    issue: o.issue,
    issue_url: o.issue_url,
    slack,
    github,
    alertId: o.id,
    since: o.opened_at,
  };
}
