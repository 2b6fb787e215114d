export const id = 991;
export const ids = [991];
export const modules = {

/***/ 3991:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  LAST_SUCCESS_KEY: () => (/* binding */ LAST_SUCCESS_KEY),
  RUN_RECORD: () => (/* binding */ RUN_RECORD),
  runOpsDaily: () => (/* binding */ runOpsDaily)
});

// EXTERNAL MODULE: ./lib/output/envelope.ts
var envelope = __webpack_require__(7844);
// EXTERNAL MODULE: ./lib/output/exit.ts
var exit = __webpack_require__(4164);
// EXTERNAL MODULE: ./lib/output/logfmt.ts
var logfmt = __webpack_require__(6829);
// EXTERNAL MODULE: ./lib/output/summary.ts
var output_summary = __webpack_require__(9618);
// EXTERNAL MODULE: ./lib/runtime/session.ts
var session = __webpack_require__(1805);
;// CONCATENATED MODULE: ./lib/ops/alerts/github-issues.ts
/**
 * The small GitHubApi port ops_daily alerts need (issues only), and its implementation over the
 * REST API with fetch. Every request is one documented endpoint (checked against GitHub's OpenAPI
 * description in the tests); listing follows `Link: rel="next"` through ALL pages and drops pull
 * requests (the issues endpoint returns both). The token is sent to the configured API origin only.
 */
class GitHubApiError extends Error {
    status;
    endpoint;
    constructor(status, endpoint) {
        super(`GitHub API ${endpoint} answered HTTP ${status}`);
        this.status = status;
        this.endpoint = endpoint;
        this.name = 'GitHubApiError';
    }
}
const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
function isRepository(s) {
    return typeof s === 'string' && REPO_RE.test(s);
}
function toIssue(r) {
    return {
        number: r.number,
        title: r.title,
        body: r.body ?? '',
        state: r.state === 'closed' ? 'closed' : 'open',
        labels: (r.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
        html_url: r.html_url ?? '',
    };
}
/** The `rel="next"` URL of a Link header, if any. */
function nextLink(link) {
    if (!link)
        return null;
    for (const part of link.split(',')) {
        const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
        if (m)
            return m[1];
    }
    return null;
}
function restIssuesApi(opts) {
    if (!isRepository(opts.repository))
        throw new Error('GITHUB_REPOSITORY is not owner/repo');
    const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
    const [owner, repo] = opts.repository.split('/');
    const repoPath = `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    const fetchFn = opts.fetch ?? fetch;
    const maxPages = opts.maxPages ?? 100;
    async function call(method, url, endpoint, body) {
        if (url.origin !== base.origin)
            throw new Error('refusing to send the token to another origin');
        const res = await fetchFn(url.href, {
            method,
            headers: {
                accept: 'application/vnd.github+json',
                authorization: `Bearer ${opts.token}`,
                'x-github-api-version': '2022-11-28',
                'user-agent': 'paas-actions',
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        });
        if (!res.ok) {
            await res.body?.cancel().catch(() => undefined);
            throw new GitHubApiError(res.status, endpoint);
        }
        return res;
    }
    const url = (path) => new URL(path, base);
    return {
        async listOpenIssues() {
            const out = [];
            let next = url(`${repoPath}/issues?state=open&per_page=100`);
            for (let page = 0; next && page < maxPages; page++) {
                const res = await call('GET', next, 'GET /repos/{owner}/{repo}/issues');
                const items = (await res.json());
                for (const r of items)
                    if (!r.pull_request)
                        out.push(toIssue(r));
                const link = nextLink(res.headers.get('link'));
                next = link ? new URL(link, base) : null;
            }
            return out;
        },
        async getIssue(n) {
            try {
                const res = await call('GET', url(`${repoPath}/issues/${n}`), 'GET /repos/{owner}/{repo}/issues/{issue_number}');
                const r = (await res.json());
                return r.pull_request ? null : toIssue(r);
            }
            catch (e) {
                if (e instanceof GitHubApiError && (e.status === 404 || e.status === 410))
                    return null;
                throw e;
            }
        },
        async createIssue(input) {
            const res = await call('POST', url(`${repoPath}/issues`), 'POST /repos/{owner}/{repo}/issues', { title: input.title, body: input.body, ...(input.labels?.length ? { labels: input.labels } : {}) });
            return toIssue((await res.json()));
        },
        async createComment(n, body) {
            const res = await call('POST', url(`${repoPath}/issues/${n}/comments`), 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { body });
            await res.body?.cancel().catch(() => undefined);
        },
        async closeIssue(n) {
            const res = await call('PATCH', url(`${repoPath}/issues/${n}`), 'PATCH /repos/{owner}/{repo}/issues/{issue_number}', { state: 'closed', state_reason: 'completed' });
            await res.body?.cancel().catch(() => undefined);
        },
        async addLabels(n, labels) {
            const res = await call('POST', url(`${repoPath}/issues/${n}/labels`), 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { labels });
            await res.body?.cancel().catch(() => undefined);
        },
    };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./lib/ops/alerts/slack.ts
/** Slack mrkdwn control characters (&, <, >) escaped. */
function slackEscape(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
const HEADERS = {
    opened: 'ops_daily strict unhealthy',
    recurring: 'ops_daily strict unhealthy (still failing)',
    recovered: 'ops_daily recovered',
};
/** The message for one alert event. `lines` are status lines (already redacted). */
function alertMessage(input) {
    const head = `${HEADERS[input.kind]}: ${input.context}`.slice(0, 150);
    const prefix = `*context* \`${slackEscape(input.context)}\` *result* \`${slackEscape(input.overall)}\`\n`;
    let body = slackEscape(input.lines.join('\n'));
    const room = 3000 - prefix.length - 8;
    if (body.length > room) {
        const cut = body.lastIndexOf('\n', room - 2);
        body = body.slice(0, cut > 0 ? cut : 0) + '\n…';
    }
    const links = [];
    if (input.runUrl)
        links.push(`<${slackEscape(input.runUrl)}|run>`);
    if (input.issueUrl)
        links.push(`<${slackEscape(input.issueUrl)}|alert issue>`);
    const blocks = [
        { type: 'header', text: { type: 'plain_text', text: head } },
        { type: 'section', text: { type: 'mrkdwn', text: `${prefix}\`\`\`${body}\`\`\`` } },
    ];
    if (links.length)
        blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
    const fallback = `${head} (${input.overall})${input.runUrl ? ` ${input.runUrl}` : ''}`;
    return { text: fallback, blocks };
}
const defaultSleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Retry-After (seconds or HTTP date) in ms, bounded; null when absent or unreadable. */
function retryAfterMs(header, now = Date.now()) {
    if (!header)
        return null;
    if (/^\d+$/.test(header.trim()))
        return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
async function postSlack(webhookUrl, message, opts) {
    const fetchFn = opts.fetch ?? fetch;
    const attempts = Math.max(1, opts.attempts ?? 4);
    const maxDelay = opts.maxDelayMs ?? 10_000;
    const sleep = opts.sleep ?? defaultSleep;
    const payload = JSON.stringify(opts.redactor.redactDeep(message));
    let delay = opts.baseDelayMs ?? 500;
    let status = 0;
    for (let i = 1; i <= attempts; i++) {
        let retryAfter = null;
        try {
            const res = await fetchFn(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, redirect: 'error', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
            status = res.status;
            retryAfter = retryAfterMs(res.headers.get('retry-after'));
            await res.body?.cancel().catch(() => undefined);
            if (res.ok)
                return { ok: true, attempts: i, status };
            if (status !== 429 && status < 500)
                return { ok: false, attempts: i, status };
        }
        catch {
            status = 0;
        }
        if (i < attempts) {
            await sleep(Math.min(maxDelay, retryAfter ?? delay));
            delay = Math.min(maxDelay, delay * 2);
        }
    }
    return { ok: false, attempts, status };
}

;// CONCATENATED MODULE: ./lib/ops/alerts/lifecycle.ts
/**
 * The alert lifecycle of one context (PRODUCT.md section 6):
 *
 *   failing (unhealthy or error) and no open alert issue → open one (title `ops_daily strict
 *     unhealthy`, hidden marker naming the context), Slack "opened";
 *   failing and an open alert issue → comment (recurrence), Slack "still failing" unless the
 *     alert is acknowledged (the `acknowledged` label on the issue, or `paas alert acknowledge`);
 *   healthy and an open alert issue → recovery comment, close, Slack "recovered";
 *   insufficient_data → nothing changes (it is neither a failure nor a recovery).
 *
 * The issue is found by its hidden marker, never by its title: first the issue number recorded in
 * the context state (one GET), else a scan of ALL open issues (pull requests excluded). Bodies,
 * comments and Slack messages hold the aggregate status lines and the run URL only, redacted.
 * Every action is recorded in the context state (kind `alert`): `paas alert history` reads them.
 */


const ALERT_TITLE = 'ops_daily strict unhealthy';
const ACK_LABEL = 'acknowledged';
const ALERT_LABEL = 'paas-alert';
const ALERT_RECORD = 'alert';
const OPEN_ALERT_KEY = 'alert.open';
function alertMarker(context) {
    return `<!-- paas-actions:ops_daily-alert context=${context} -->`;
}
function hasMarker(issue, context) {
    return issue.body.split(/\r?\n/).some((l) => l.trim() === alertMarker(context));
}
const fence = (lines) => ['```', ...lines, '```'].join('\n');
function issueBody(input) {
    return [
        alertMarker(input.context),
        `ops_daily in context \`${input.context}\` is **${input.overall}** (mode prod).`,
        '',
        fence(input.lines),
        '',
        input.runUrl ? `Run: ${input.runUrl}` : 'Run: (not in GitHub Actions)',
        '',
        `Each new failing run adds a comment here. Add the \`${ACK_LABEL}\` label to stop repeated Slack messages until recovery; this issue is closed automatically when ops_daily is healthy again.`,
    ].join('\n');
}
function recurrenceComment(input) {
    return [`Still **${input.overall}** at ${input.now.toISOString()}.`, '', fence(input.lines), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}
function recoveryComment(input) {
    return [`Recovered: ops_daily is **${input.overall}** again at ${input.now.toISOString()}. Closing.`, '', fence(input.lines.slice(-1)), '', input.runUrl ? `Run: ${input.runUrl}` : ''].join('\n').trimEnd();
}
function isFailing(o) {
    return o === 'unhealthy' || o === 'error';
}
/** Finds the open alert issue: the recorded number first, else a scan of all open issues by marker. */
async function findAlertIssue(gh, context, recorded) {
    if (recorded) {
        const i = await gh.getIssue(recorded);
        if (i && i.state === 'open' && hasMarker(i, context))
            return i;
    }
    const open = (await gh.listOpenIssues()).filter((i) => hasMarker(i, context)).sort((a, b) => a.number - b.number);
    return open[0] ?? null;
}
async function reconcileAlert(input, deps) {
    const r = deps.redactor;
    const lines = input.lines.map((l) => r.redact(l));
    const safe = { ...input, lines, runUrl: input.runUrl ? r.redact(input.runUrl) : undefined };
    const failing = isFailing(input.overall);
    const recovered = input.overall === 'healthy';
    let open = deps.state.get(OPEN_ALERT_KEY) ?? null;
    if (!failing && !recovered)
        return { action: 'none', issue: open?.issue ?? null, slack: 'not_needed', github: deps.github ? 'ok' : 'not_configured', alertId: open?.id ?? null };
    let github = deps.github ? 'ok' : 'not_configured';
    let issue = null;
    let action = 'none';
    if (deps.github) {
        try {
            issue = await findAlertIssue(deps.github, input.context, open?.issue ?? null);
            if (failing) {
                if (issue) {
                    await deps.github.createComment(issue.number, r.redact(recurrenceComment(safe)));
                    action = 'commented';
                }
                else {
                    issue = await deps.github.createIssue({ title: ALERT_TITLE, body: r.redact(issueBody(safe)), labels: [ALERT_LABEL] });
                    action = 'opened';
                }
            }
            else if (issue) {
                await deps.github.createComment(issue.number, r.redact(recoveryComment(safe)));
                await deps.github.closeIssue(issue.number);
                action = 'closed';
            }
        }
        catch (e) {
            github = 'failed';
            deps.logger.warn(`alert issue could not be updated: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    // the local record follows the issue when there is one; without GitHub it is the alert itself
    if (failing) {
        if (!open || (issue && open.issue !== issue.number && action === 'opened')) {
            open = { id: (0,external_node_crypto_.randomUUID)(), issue: issue?.number ?? null, issue_url: issue?.html_url ?? null, opened_at: input.now.toISOString(), acknowledged: false };
            if (action === 'none')
                action = 'opened';
        }
        else {
            if (issue)
                open = { ...open, issue: issue.number, issue_url: issue.html_url || open.issue_url };
            if (action === 'none')
                action = 'commented';
        }
    }
    else if (open && action === 'none' && (github === 'not_configured' || (github === 'ok' && !issue))) {
        // recovered, and the issue is gone (closed by a person) or there is no GitHub: close locally.
        // When GitHub failed, the alert stays open so that the next healthy run closes the issue.
        action = 'closed';
    }
    const acknowledged = Boolean(open?.acknowledged) || Boolean(issue?.labels.includes(ACK_LABEL));
    let slack = 'not_needed';
    let slackAttempts;
    const event = action === 'opened' ? 'opened' : action === 'commented' ? 'recurring' : action === 'closed' ? 'recovered' : null;
    if (event) {
        if (!deps.slack)
            slack = 'not_configured';
        else if (event === 'recurring' && acknowledged)
            slack = 'suppressed_acknowledged';
        else {
            const msg = alertMessage({ kind: event, context: input.context, overall: input.overall, lines, runUrl: safe.runUrl, issueUrl: issue?.html_url || open?.issue_url || undefined });
            const res = await postSlack(deps.slack.webhookUrl, msg, { ...deps.slack.options, redactor: r });
            slack = res.ok ? 'sent' : 'failed';
            slackAttempts = res.attempts;
            if (!res.ok)
                deps.logger.warn(`Slack notification failed after ${res.attempts} attempt(s) (last HTTP status ${res.status || 'none'})`);
        }
    }
    const alertId = open?.id ?? null;
    if (failing && open)
        deps.state.set(OPEN_ALERT_KEY, { ...open, acknowledged });
    if (action === 'closed')
        deps.state.set(OPEN_ALERT_KEY, null);
    if (action !== 'none') {
        const rec = {
            alert_id: alertId,
            action,
            overall: input.overall,
            issue: issue?.number ?? open?.issue ?? null,
            issue_url: issue?.html_url || open?.issue_url || null,
            slack,
            github,
            run_url: safe.runUrl ?? null,
            acknowledged,
        };
        if (slackAttempts !== undefined)
            rec.slack_attempts = slackAttempts;
        deps.state.record(ALERT_RECORD, rec, input.now.toISOString());
    }
    return { action, issue: issue?.number ?? open?.issue ?? null, slack, github, alertId };
}

// EXTERNAL MODULE: ./lib/ops/checks/engine.ts + 2 modules
var checks_engine = __webpack_require__(6989);
// EXTERNAL MODULE: ./lib/ops/checks/report.ts
var report = __webpack_require__(4737);
// EXTERNAL MODULE: ./lib/ops/checks/setup.ts
var setup = __webpack_require__(3934);
// EXTERNAL MODULE: ./lib/ops/checks/types.ts
var types = __webpack_require__(5026);
;// CONCATENATED MODULE: ./lib/ops/ops_daily/schedule.ts
/**
 * Exit codes and the two schedule rules of ops_daily, as pure functions over structured results:
 * - exit 0 healthy, 2 unhealthy or insufficient_data, 1 error;
 * - on a `schedule` event, exit 2 becomes 0 only when the overall result IS insufficient_data
 *   (a structured value, never a search of the log text): one insufficient_data check beside an
 *   unhealthy one is `unhealthy` overall and stays exit 2;
 * - a previous successful run older than the expected interval means a schedule did not fire.
 */

function exitCodeOf(overall) {
    if (overall === 'healthy')
        return exit/* EXIT_OK */.Ij;
    if (overall === 'error')
        return exit/* EXIT_ERROR */.SI;
    return exit/* EXIT_UNHEALTHY */.Ey;
}
function scheduledExit(overall, eventName) {
    const exitCode = exitCodeOf(overall);
    if (eventName === 'schedule' && overall === 'insufficient_data')
        return { exitCode: exit/* EXIT_OK */.Ij, normalized: true };
    return { exitCode, normalized: false };
}
function scheduleGap(lastSuccessAt, now, expectedMs) {
    const expectedHours = Math.round((expectedMs / 3_600_000) * 10) / 10;
    const t = lastSuccessAt ? Date.parse(lastSuccessAt) : NaN;
    if (!Number.isFinite(t))
        return { missed: false, ageHours: null, expectedHours };
    const ageMs = now.getTime() - t;
    return { missed: ageMs > expectedMs, ageHours: Math.round((ageMs / 3_600_000) * 10) / 10, expectedHours };
}
/** A run counts as successful for the schedule when its checks ran to a non-failing verdict. */
function isSuccess(overall) {
    return overall === 'healthy' || overall === 'insufficient_data';
}

;// CONCATENATED MODULE: ./lib/ops/ops_daily/run.ts












const RUN_RECORD = 'ops_daily.run';
const LAST_SUCCESS_KEY = 'ops_daily.last_success';
function githubApi(rt, token, deps) {
    if (deps.github)
        return deps.github;
    const repo = rt.env.GITHUB_REPOSITORY;
    if (!token || !isRepository(repo))
        return undefined;
    return restIssuesApi({ apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com', repository: repo, token });
}
async function alertStep(rt, s, state, config, settings, deps, overall, lines) {
    if (settings.mode !== 'prod')
        return null;
    const token = settings.github_token || rt.env.GITHUB_TOKEN || undefined;
    const webhook = s.vault.get(config.ops.slack.webhook);
    try {
        return await reconcileAlert({ context: s.config.name, overall, lines, runUrl: (0,setup/* runUrl */.Vp)(rt.env), now: rt.now() }, { state, redactor: rt.redactor, logger: rt.logger, github: githubApi(rt, token, deps), slack: webhook ? { webhookUrl: webhook, options: deps.slackOptions } : undefined });
    }
    catch (e) {
        rt.logger.warn(`alerting failed: ${e instanceof Error ? e.message : String(e)}`);
        return null;
    }
}
function alertLine(rt, a) {
    if (!a || a.action === 'none')
        return null;
    return (0,logfmt/* statusLine */.B)('ops_alert', [['status', a.action], ['issue', a.issue ?? undefined], ['slack', a.slack]], rt.redactor);
}
async function runOpsDaily(rt, common, settings, deps = {}) {
    if (settings.github_token)
        rt.redactor.register(settings.github_token);
    if (rt.env.GITHUB_TOKEN)
        rt.redactor.register(rt.env.GITHUB_TOKEN);
    const loaded = (0,setup/* loadConfig */.Z9)(rt, common);
    const config = loaded.config;
    const s = (0,session/* openContextSession */.Wo)(rt, common, { mutating: false, createIfMissing: rt.inAction, vaultEnvKeys: (0,setup/* namedVaultKeys */.e9)(config) });
    const ctxName = s.config.name;
    const mode = settings.mode;
    const now = rt.now();
    const st = s.store.openState(ctxName, rt.redactor);
    const engine = (0,setup/* prepareEngine */.m5)(rt, ctxName, s.vault, config, { deps });
    try {
        const checks = config.ops.checks;
        if (!loaded.exists)
            rt.logger.warn(`${common.config} not found: no checks declared`);
        const missingByCheck = (0,checks_engine/* missingSecrets */.mO)(checks, s.vault);
        const requiredMissing = checks.filter((c) => c.required && missingByCheck.has(c.name));
        const gap = scheduleGap(st.scoped.get(LAST_SUCCESS_KEY), now, config.ops.expected_interval);
        const event = rt.env.GITHUB_EVENT_NAME || null;
        const url = (0,setup/* runUrl */.Vp)(rt.env) ?? null;
        // strict: a required check that cannot run is a configuration error, before anything runs
        if (mode === 'prod' && requiredMissing.length > 0) {
            const names = [...new Set(requiredMissing.flatMap((c) => missingByCheck.get(c.name) ?? []))].sort();
            const line = (0,logfmt/* statusLine */.B)('prod_config', [['status', 'fail'], ['reason', 'missing_env'], ['missing', names]], rt.redactor);
            const alert = await alertStep(rt, s, st.scoped, config, settings, deps, 'error', [line]);
            const run = { overall: 'error', reason: 'missing_env', mode, exit_code: exit/* EXIT_ERROR */.SI, normalized: false, event, checks: [], missing: names, schedule: gap, run_url: url, alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github } };
            st.scoped.record(RUN_RECORD, run, now.toISOString());
            s.events.append('ops_daily.finished', `ops_daily prod_config failed: missing ${names.join(', ')}`, { overall: 'error', reason: 'missing_env', missing: names, mode }, 'error', now);
            const env = (0,envelope/* envelope */.R)('ops_daily', ctxName, mode, { overall: 'error', missing: names, alert }, {
                code: 'PAAS_VAULT_UNMAPPED',
                stage: 'prod_config',
                target: null,
                message: `mode=prod needs every declared check to run; context ${ctxName} has no vault value for ${names.join(', ')}`,
                remediation: `Add ${names.join(', ')} to the context's vault (in Actions: the environment secret passed as \`vault\`, or named secrets in env), or run with mode=lenient to skip those checks. Names only: never paste the values anywhere.`,
            });
            const extra = alertLine(rt, alert);
            return { envelope: env, lines: [...(extra ? [extra] : []), line], exitCode: exit/* EXIT_ERROR */.SI, summary: `**prod_config failed**: missing vault keys ${names.map((n) => `\`${n}\``).join(', ')}` };
        }
        const skip = new Set([...missingByCheck.keys()]);
        rt.logger.info(`ops_daily (${mode}) in context ${ctxName}: ${checks.length} check(s), at most ${config.ops.concurrency} at once`);
        const results = await (0,checks_engine/* runChecks */.JT)(checks, engine.ctx, skip);
        const ov = (0,types/* overallOf */.Nx)(results);
        const { exitCode, normalized } = scheduledExit(ov.status, event ?? undefined);
        const lines = results.map((r) => (0,report/* checkLine */.tY)(r, rt.redactor));
        if (gap.missed) {
            lines.push((0,logfmt/* statusLine */.B)('ops_schedule', [['status', 'missed'], ['age_hours', gap.ageHours], ['expected_hours', gap.expectedHours]], rt.redactor));
            rt.logger.warn(`the previous successful ops_daily run was ${gap.ageHours} h ago, more than the expected ${gap.expectedHours} h: a scheduled run did not fire or did not succeed`);
            s.events.append('ops_daily.schedule_missed', `previous successful run ${gap.ageHours} h ago (expected every ${gap.expectedHours} h)`, { age_hours: gap.ageHours, expected_hours: gap.expectedHours }, 'warning', now);
        }
        const verdict = (0,logfmt/* statusLine */.B)('ops_daily', [['status', ov.status], ['reason', ov.reason], ['mode', mode], ['checks', ov.checks], ['failed', ov.failed], ['skipped', ov.skipped || undefined]], rt.redactor);
        const alert = await alertStep(rt, s, st.scoped, config, settings, deps, ov.status, [...lines, verdict]);
        const aLine = alertLine(rt, alert);
        if (aLine)
            lines.push(aLine);
        if (normalized)
            rt.logger.info('scheduled run: the result is exactly insufficient_data, which is not a failure on a schedule (exit 0)');
        const run = {
            overall: ov.status,
            reason: ov.reason ?? null,
            mode,
            exit_code: exitCode,
            normalized,
            event,
            checks: results.map((r) => ({ name: r.name, kind: r.kind, status: r.status, reason: r.reason, values: r.values, ms: r.ms })),
            missing: [...new Set([...missingByCheck.values()].flat())].sort(),
            schedule: gap,
            run_url: url,
            alert: alert && { action: alert.action, issue: alert.issue, slack: alert.slack, github: alert.github },
        };
        st.scoped.record(RUN_RECORD, run, now.toISOString());
        if (isSuccess(ov.status))
            st.scoped.set(LAST_SUCCESS_KEY, now.toISOString());
        const level = ov.status === 'error' ? 'error' : ov.status === 'unhealthy' ? 'warning' : 'info';
        s.events.append('ops_daily.finished', `ops_daily ${ov.status} (${mode}): ${ov.checks} checks, ${ov.failed} failed`, { overall: ov.status, reason: ov.reason ?? null, mode, checks: ov.checks, failed: ov.failed, skipped: ov.skipped, exit_code: exitCode, normalized }, level, now);
        const env = (0,envelope/* envelope */.R)('ops_daily', ctxName, mode, {
            overall: ov.status,
            reason: ov.reason ?? null,
            checks: run.checks,
            failed: ov.failed,
            skipped: ov.skipped,
            normalized,
            schedule_missed: gap.missed,
            last_success_age_hours: gap.ageHours,
            alert,
            alert_issue: alert?.issue ?? null,
        });
        env.ok = exitCode === 0;
        const summary = [
            `**ops_daily** \`${ov.status}\`${ov.reason ? ` (${ov.reason})` : ''}, mode \`${mode}\`: ${ov.checks} checks, ${ov.failed} failed${ov.skipped ? `, ${ov.skipped} skipped` : ''}${normalized ? ' — scheduled run, insufficient data is not a failure' : ''}.`,
            '',
            (0,report/* checksTable */.Et)(results),
            ...(gap.missed ? ['', `:warning: the previous successful run was ${gap.ageHours} h ago (expected every ${gap.expectedHours} h): a schedule did not fire.`] : []),
            ...(alert && alert.action !== 'none' ? ['', (0,output_summary/* markdownTable */.Q)(['alert', 'issue', 'slack'], [[alert.action, alert.issue ?? '', alert.slack]])] : []),
        ].join('\n');
        return { envelope: env, lines: [...lines, verdict], exitCode, summary };
    }
    finally {
        await engine.close();
        st.close();
    }
}


/***/ })

};
