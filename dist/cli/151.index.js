export const id = 151;
export const ids = [151];
export const modules = {

/***/ 5151:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   alertAcknowledge: () => (/* binding */ alertAcknowledge),
/* harmony export */   alertHistory: () => (/* binding */ alertHistory)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(2857);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(9567);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9869);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3879);
/* harmony import */ var _output_outcome_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6674);
/* harmony import */ var _output_summary_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(9618);
/* harmony import */ var _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8364);
/* harmony import */ var _runtime_session_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(1805);
/* harmony import */ var _github_issues_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3915);
/* harmony import */ var _lifecycle_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(638);
/**
 * `paas alert history` and `paas alert acknowledge`, over the same records ops_daily writes
 * (context state, kind `alert`; the open alert in kv `alert.open`).
 */









const rootInputs = {
    context: _isolation_names_js__WEBPACK_IMPORTED_MODULE_0__/* .contextName */ .fW.optional(),
    state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .pathInput */ .gm.optional(),
    allow_unsafe_state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .boolInput */ .Hm.default(false),
};
const historySchema = zod__WEBPACK_IMPORTED_MODULE_7__/* .object */ .Ikc({ ...rootInputs, limit: zod__WEBPACK_IMPORTED_MODULE_8__/* .number */ .ai().int().min(1).max(10_000).default(50) }).strict();
function alertHistory(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .parseInputs */ .TL)(historySchema, raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_4__/* .openStore */ .Ch)(rt, a);
    const c = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_4__/* .resolveContext */ .wK)(rt, store, a.context, { mutating: false, createIfMissing: false });
    const st = store.openState(c.name, rt.redactor);
    try {
        const records = st.scoped.list(_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .ALERT_RECORD */ .N9, a.limit).map((h) => ({ id: h.id, at: h.at, ...h.data }));
        const open = st.scoped.get(_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .OPEN_ALERT_KEY */ .mW) ?? null;
        return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_2__/* .outcome */ .b)(rt.redactor, {
            command: 'alert_history',
            context: c.name,
            line: [['context', c.name], ['count', records.length], ['issue', open?.issue ?? undefined]],
            fields: { open, records },
            text: [
                open ? `open alert ${open.id}${open.issue ? ` (issue #${open.issue})` : ''}${open.acknowledged ? ' acknowledged' : ''}` : 'no open alert',
                ...records.map((r) => `${r.at} ${r.action.padEnd(12)} ${r.overall ?? ''} issue=${r.issue ?? '-'} slack=${r.slack} github=${r.github} alert=${r.alert_id ?? '-'}`),
            ].join('\n'),
            summary: (0,_output_summary_js__WEBPACK_IMPORTED_MODULE_9__/* .markdownTable */ .Q)(['at', 'action', 'overall', 'issue', 'slack', 'github', 'alert'], records.map((r) => [r.at, r.action, r.overall, r.issue, r.slack, r.github, r.alert_id])),
        });
    }
    finally {
        st.close();
    }
}
const ackSchema = zod__WEBPACK_IMPORTED_MODULE_7__/* .object */ .Ikc({
    ...rootInputs,
    id: zod__WEBPACK_IMPORTED_MODULE_7__/* .string */ .YjP().regex(/^[0-9a-f-]{8,36}$/, { error: 'must be an alert id from `paas alert history`' }).optional(),
    by: zod__WEBPACK_IMPORTED_MODULE_7__/* .string */ .YjP().regex(/^[A-Za-z0-9._@-]{1,64}$/, { error: 'must be a login or name (letters, digits, . _ @ -)' }).optional(),
    github_token: zod__WEBPACK_IMPORTED_MODULE_7__/* .string */ .YjP().max(1000).optional(),
    repo: zod__WEBPACK_IMPORTED_MODULE_7__/* .string */ .YjP().refine(_github_issues_js__WEBPACK_IMPORTED_MODULE_5__/* .isRepository */ .Z6, { error: 'must be owner/repo' }).optional(),
})
    .strict();
/**
 * Marks the open alert acknowledged: no repeated Slack messages until it recovers. With a token and
 * a repository (--github-token/GITHUB_TOKEN, --repo/GITHUB_REPOSITORY) the `acknowledged` label is
 * also added to the alert issue, so runs on other machines (runners) honour it too.
 */
async function alertAcknowledge(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_3__/* .parseInputs */ .TL)(ackSchema, raw, 'argument');
    if (a.github_token)
        rt.redactor.register(a.github_token);
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_4__/* .openStore */ .Ch)(rt, a);
    const c = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_4__/* .resolveContext */ .wK)(rt, store, a.context, { mutating: false, createIfMissing: false });
    const st = store.openState(c.name, rt.redactor);
    try {
        const open = st.scoped.get(_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .OPEN_ALERT_KEY */ .mW) ?? null;
        if (!open) {
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `context ${c.name} has no open alert`, { stage: 'alert', remediation: 'See `paas alert history` for past alerts; only an open alert can be acknowledged.' });
        }
        if (a.id && !open.id.startsWith(a.id)) {
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `alert ${a.id} is not the open alert of context ${c.name}`, { stage: 'alert', remediation: `The open alert is ${open.id}; see \`paas alert history\`.` });
        }
        const token = a.github_token ?? rt.env.GITHUB_TOKEN;
        if (token)
            rt.redactor.register(token);
        const repo = a.repo ?? rt.env.GITHUB_REPOSITORY;
        let label = 'not_configured';
        if (token && (0,_github_issues_js__WEBPACK_IMPORTED_MODULE_5__/* .isRepository */ .Z6)(repo) && open.issue) {
            try {
                await (0,_github_issues_js__WEBPACK_IMPORTED_MODULE_5__/* .restIssuesApi */ .ZA)({ apiUrl: rt.env.GITHUB_API_URL || 'https://api.github.com', repository: repo, token }).addLabels(open.issue, [_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .ACK_LABEL */ .f0]);
                label = 'added';
            }
            catch (e) {
                label = 'failed';
                rt.logger.warn(`could not add the ${_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .ACK_LABEL */ .f0} label to issue #${open.issue}: ${e instanceof Error ? e.message : String(e)}`);
            }
        }
        const now = rt.now().toISOString();
        const next = { ...open, acknowledged: true, acknowledged_at: now, acknowledged_by: a.by ?? rt.env.GITHUB_ACTOR ?? rt.env.USER ?? null };
        st.scoped.set(_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .OPEN_ALERT_KEY */ .mW, next);
        const rec = { alert_id: open.id, action: 'acknowledged', overall: null, issue: open.issue, issue_url: open.issue_url, slack: 'not_needed', github: label === 'added' ? 'ok' : label === 'failed' ? 'failed' : 'not_configured', run_url: null, acknowledged: true };
        st.scoped.record(_lifecycle_js__WEBPACK_IMPORTED_MODULE_6__/* .ALERT_RECORD */ .N9, rec, now);
        store.events(c.name, rt.redactor).append('alert.acknowledged', `alert ${open.id} acknowledged`, { alert_id: open.id, issue: open.issue, label });
        return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_2__/* .outcome */ .b)(rt.redactor, {
            command: 'alert_acknowledge',
            context: c.name,
            line: [['context', c.name], ['issue', open.issue ?? undefined]],
            fields: { alert: next, label },
            text: `alert ${open.id} acknowledged${open.issue ? ` (issue #${open.issue}, label ${label})` : ''}: no repeated Slack messages until it recovers`,
        });
    }
    finally {
        st.close();
    }
}


/***/ }),

/***/ 3915:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Z6: () => (/* binding */ isRepository),
/* harmony export */   ZA: () => (/* binding */ restIssuesApi)
/* harmony export */ });
/* unused harmony exports GitHubApiError, nextLink */
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


/***/ }),

/***/ 638:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  f0: () => (/* binding */ ACK_LABEL),
  N9: () => (/* binding */ ALERT_RECORD),
  mW: () => (/* binding */ OPEN_ALERT_KEY),
  nU: () => (/* binding */ reconcileAlert)
});

// UNUSED EXPORTS: ALERT_LABEL, ALERT_TITLE, alertMarker, findAlertIssue, hasMarker, isFailing, issueBody, recoveryComment, recurrenceComment

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


/***/ })

};
