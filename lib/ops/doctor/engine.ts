/**
 * doctor: proves isolation (PRODUCT.md section 8). Five checks, each `{name, ok, detail, findings}`;
 * runs with no context, no vault and no secret (fork pull requests) and still checks the tree.
 * `preflight` is the same function run before deploy, rollback and secret-changing commands.
 * The operation's entry (index.ts) only registers it; other operations import this module.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, relative, resolve, sep } from 'node:path';
import * as z from 'zod';
import type { Outcome } from '../../output/envelope.js';
import { PaasError } from '../../output/errors.js';
import { EXIT_ERROR, EXIT_OK } from '../../output/exit.js';
import { outcome } from '../../output/outcome.js';
import { assertPlainPath } from '../../isolation/names.js';
import { findGitWorkTree, isInside, realPathLoose, stateRootPath } from '../../isolation/state-root.js';
import { parseDotenv } from '../../isolation/vault.js';
import type { CommonInputs } from '../../runtime/inputs.js';
import type { Runtime } from '../../runtime/runtime.js';
import { applyBaseline, baselineable, writeBaseline, type BaselineCandidate } from './baseline.js';
import { findingId } from './fingerprint.js';
import { RegisteredSecrets, isSecretEnvName } from './registered.js';
import { allFindings, annotations, humanText, openFindings, safeText, summaryMarkdown, toSarif } from './report.js';
import {
  checkContamination,
  checkStateRoot,
  checkVaults,
  contextVaults,
  readStateRoot,
  type StateView,
} from './state.js';
import { scanTreeParallel } from './parallel.js';
import { ReadAhead, readAheadWanted } from './readahead.js';
import { ARTIFACT_PATH_FILTER, listFiles, type FileList, type ScanResult } from './tree.js';
import { CHECK_NAMES, type CheckName, type DoctorReport, type Finding } from './types.js';
import { doctorInputs } from './inputs.js';

export type { CheckResult, DoctorReport, Finding } from './types.js';

/** findings per check in the action's `result` output (GitHub limits output sizes); the CLI lists all */
const ACTION_MAX_FINDINGS = 1000;

export { doctorInputs };
type DoctorSettings = z.infer<typeof doctorInputs>;

interface DoctorOptions extends DoctorSettings {
  /** 'required': always check a tree (doctor); 'auto': only a workspace or git work tree (preflight) */
  tree: 'required' | 'auto';
}

/** The tree to check, why it was chosen, and whether it is a repository (a git work tree or the workspace). */
interface TreeChoice {
  root: string | null;
  why: string;
  repository: boolean;
}

function pathError(message: string): PaasError {
  return new PaasError('PAAS_INVALID_ARGUMENT', message, {
    stage: 'path',
    remediation:
      'Pass the directory to check with --path <dir> (input path), or run doctor inside the repository without --path.',
  });
}

function treeRoot(rt: Runtime, opts: DoctorOptions): TreeChoice {
  if (opts.path) {
    const abs = resolve(rt.cwd, opts.path);
    // eslint-disable-next-line no-control-regex -- a control character in a path would forge log lines
    if (/[\u0000-\u001f\u007f]/.test(abs)) throw pathError(`path ${JSON.stringify(abs)} contains a control character`);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw pathError(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `path ${abs} does not exist${realPathLoose(abs) !== abs ? ` (it leads to ${realPathLoose(abs)})` : ''}`
          : `path ${abs} cannot be read (${code ?? 'error'})`,
      );
    }
    if (!st.isDirectory()) throw pathError(`path ${abs} is not a directory`);
    const real = realPathLoose(abs);
    const repository =
      findGitWorkTree(real) !== null || Boolean(rt.workspace && isInside(real, realPathLoose(rt.workspace)));
    return { root: abs, why: `named by --path (input path)${repository ? '' : '; not a git work tree'}`, repository };
  }
  if (rt.workspace) return { root: resolve(rt.workspace), why: 'GITHUB_WORKSPACE', repository: true };
  const git = findGitWorkTree(rt.cwd);
  if (git) return { root: git, why: 'the git work tree of the working directory', repository: true };
  return {
    root: null,
    why:
      opts.tree === 'required'
        ? `the working directory ${resolve(rt.cwd)} is not inside a git work tree and no path was given: only the state root and its contexts were checked, no files (pass --path <dir> to check a directory's files)`
        : 'no workspace or git work tree: only the state root and its contexts were checked',
    repository: false,
  };
}

/** Vault values and named secrets this run can see: registered with the redactor and searched in files. */
function collectSecrets(
  rt: Runtime,
  common: CommonInputs,
  vaults: Map<string, Map<string, string>>,
): RegisteredSecrets {
  const reg = new RegisteredSecrets();
  const add = (value: string | undefined, name: string) => {
    if (!value) return;
    rt.redactor.register(value, name);
    reg.add(value, name);
  };
  for (const [source, text] of [
    ['vault', common.vault],
    ['PAAS_VAULT', rt.env.PAAS_VAULT],
  ] as const) {
    if (!text) continue;
    try {
      for (const [k, v] of parseDotenv(text, source)) add(v, k);
    } catch {
      rt.logger.warn(`doctor: ${source} is not KEY=value text; its values are not searched`);
    }
  }
  for (const [name, value] of Object.entries(rt.env)) if (isSecretEnvName(name)) add(value, name);
  for (const [ctx, values] of vaults) for (const [k, v] of values) add(v, `${ctx}:${k}`);
  return reg;
}

function posixRel(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

/** Findings of the checks that look at the state root and its contexts (not at the tree's files). */
function stateFindings(
  rt: Runtime,
  common: CommonInputs,
  tree: TreeChoice,
  view: StateView,
  vaults: Map<string, Map<string, string>>,
): Record<CheckName, Finding[]> {
  // "inside the checked tree" matters when that tree is a repository; `--path ~` may hold ~/.paas
  const scanRoot = tree.repository ? tree.root : null;
  return {
    state_root_outside_repo: checkStateRoot(view, {
      workspace: rt.workspace,
      scanRoot,
      unsafeOverride: common.allow_unsafe_state_root,
    }),
    context_vault_outside_repo: checkVaults(view, { workspace: rt.workspace, scanRoot }),
    repo_private_state_artifacts: [],
    repo_plaintext_secret_exposure: [],
    cross_context_contamination: checkContamination(view, vaults),
  };
}

function emptyReport(root: string | null, view: StateView, secrets: RegisteredSecrets): DoctorReport {
  return {
    ok: true,
    checks: [],
    root,
    listing: 'none',
    files: 0,
    bytes: 0,
    skipped: { binary: 0, oversized: 0, symlink: 0, unreadable: 0, missing: 0 },
    state_root: view.root,
    contexts: view.contexts.length,
    registered: secrets.size,
    baseline: { path: null, entries: 0, matched: 0, updated: false, format: null },
    ms: 0,
  };
}

/**
 * Never scan private state: outside a repository, the state root and the contexts' vaults may lie
 * below the checked directory (inside one, they are findings of the checks above). Removes them
 * from `files`; says what was left out (or '').
 */
function dropPrivateState(root: string, tree: TreeChoice, view: StateView, list: FileList): string {
  if (tree.repository) return '';
  const realRoot = realPathLoose(root);
  const privateDirs: string[] = [];
  const privateFiles = new Set<string>();
  if (isInside(view.root, realRoot)) privateDirs.push(posixRel(realRoot, view.root));
  for (const c of view.contexts) {
    if (!c.vault_file) continue;
    const v = realPathLoose(c.vault_file);
    if (isInside(v, realRoot)) privateFiles.add(posixRel(realRoot, v));
  }
  if (!privateDirs.length && !privateFiles.size) return '';
  const before = list.files.length;
  list.files = list.files.filter(
    (f) => !privateFiles.has(f) && !privateDirs.some((d) => d === '' || f === d || f.startsWith(`${d}/`)),
  );
  const what = [
    ...privateDirs.map((d) => `the state root ${d}/`),
    ...(privateFiles.size ? [`${privateFiles.size} context vault file(s)`] : []),
  ];
  return `; not scanned: ${what.join(' and ')} (${before - list.files.length} file(s))`;
}

/** The tree's part of the report: its files' findings, and what the baseline needs to match them. */
interface TreeScan {
  artifacts: Finding[];
  exposures: Finding[];
  candidates: BaselineCandidate[];
  notScanned: string;
}

/** Lists and scans the tree at `root` into `report` (listing, counts) and findings. */
async function scanRepository(
  rt: Runtime,
  opts: DoctorOptions,
  tree: TreeChoice & { root: string },
  view: StateView,
  secrets: RegisteredSecrets,
  report: DoctorReport,
): Promise<TreeScan> {
  const root = tree.root;
  const baselinePath = report.baseline.path as string;
  // a reader thread boots while the tree is listed, then reads ahead of the scan (readahead.ts)
  const reader = readAheadWanted(rt.env, availableParallelism())
    ? new ReadAhead(opts.max_file_size, undefined, ARTIFACT_PATH_FILTER)
    : undefined;
  let scan: ScanResult;
  let notScanned: string;
  try {
    const list = listFiles(root, rt.env);
    notScanned = dropPrivateState(root, tree, view, list);
    const exclude = new Set<string>([posixRel(root, baselinePath)]);
    if (opts.sarif_file) exclude.add(posixRel(root, resolve(rt.cwd, opts.sarif_file)));
    report.listing = list.listing;
    scan = await scanTreeParallel(root, list.files, {
      reader,
      forms: secrets.forms(),
      maxFileBytes: opts.max_file_size,
      exclude,
      env: rt.env,
    });
  } finally {
    reader?.close();
  }
  if (reader) rt.logger.debug(`doctor: ${reader.fromRing} file(s) read by the reader thread`);
  report.files = scan.files;
  report.bytes = scan.bytes;
  report.skipped = scan.skipped;
  return { ...treeFindings(scan), notScanned };
}

/** The scan's artifacts and hits as findings, with their public ids and baseline identities. */
function treeFindings(scan: ScanResult): Omit<TreeScan, 'notScanned'> {
  const out: Omit<TreeScan, 'notScanned'> = { artifacts: [], exposures: [], candidates: [] };
  const occurrences = new Map<string, number>();
  /** the finding's public id: the n-th finding of this check, kind, file and preview (fingerprint.ts) */
  const id = (check: CheckName, kind: string, file: string, preview: string) => {
    const k = `${check}\0${kind}\0${file}\0${preview}`;
    const n = occurrences.get(k) ?? 0;
    occurrences.set(k, n + 1);
    return findingId(check, kind, file, preview, n);
  };
  for (const a of scan.artifacts) {
    const preview = safeText(`${a.what}: ${a.file}`);
    const f: Finding = {
      check: 'repo_private_state_artifacts',
      kind: a.kind,
      severity: a.severity,
      file: a.file,
      preview,
      fingerprint: id('repo_private_state_artifacts', a.kind, a.file, preview),
    };
    out.artifacts.push(f);
    out.candidates.push({ finding: f, identity: a.file });
  }
  for (const h of scan.hits) {
    const preview = safeText(h.preview);
    const f: Finding = {
      check: 'repo_plaintext_secret_exposure',
      kind: h.kind,
      severity: h.severity,
      file: h.file,
      line: h.line,
      column: h.column,
      preview,
      fingerprint: id('repo_plaintext_secret_exposure', h.kind, h.file, preview),
    };
    out.exposures.push(f);
    out.candidates.push({ finding: f, identity: h.secret });
  }
  return out;
}

/** Baseline: accepted findings by (salted, slow) fingerprint; written instead with update_baseline. */
async function baselineStep(
  rt: Runtime,
  opts: DoctorOptions,
  report: DoctorReport,
  candidates: BaselineCandidate[],
): Promise<void> {
  const baselinePath = report.baseline.path as string;
  if (opts.update_baseline) {
    report.baseline.entries = await writeBaseline(baselinePath, candidates);
    report.baseline.updated = true;
    report.baseline.format = 2;
    for (const c of candidates) if (baselineable(c.finding)) c.finding.baselined = true;
    report.baseline.matched = candidates.filter((c) => c.finding.baselined).length;
    return;
  }
  const r = await applyBaseline(baselinePath, candidates);
  report.baseline.entries = r.entries;
  report.baseline.matched = r.matched;
  report.baseline.format = r.format;
  if (r.format === 1) {
    rt.logger.warn(
      `doctor: baseline ${baselinePath} uses format 1, whose unsalted SHA-256 fingerprints let anyone confirm a ` +
        'guessed secret offline; rewrite it in format 2 with `paas doctor --update-baseline`, review and commit it ' +
        '(and rotate any real secret it accepted: the old file stays in git history)',
    );
  }
}

/** Runs the five checks. Reads only (except the baseline file with update_baseline). */
export async function runDoctor(rt: Runtime, common: CommonInputs, opts: DoctorOptions): Promise<DoctorReport> {
  const started = performance.now();
  const tree = treeRoot(rt, opts);
  const root = tree.root;
  const stateRoot = stateRootPath({ input: common.state_root, env: rt.env, home: rt.env.HOME || homedir() });
  const view = readStateRoot(stateRoot);
  const vaults = contextVaults(view);
  const secrets = collectSecrets(rt, common, vaults);
  const findings = stateFindings(rt, common, tree, view, vaults);
  const report = emptyReport(root, view, secrets);

  let notScanned = '';
  if (root) {
    report.baseline.path = resolve(root, assertPlainPath(opts.baseline, 'baseline', 'baseline'));
    const scanned = await scanRepository(rt, opts, { ...tree, root }, view, secrets, report);
    findings.repo_private_state_artifacts.push(...scanned.artifacts);
    findings.repo_plaintext_secret_exposure.push(...scanned.exposures);
    notScanned = scanned.notScanned;
    await baselineStep(rt, opts, report, scanned.candidates);
  }

  report.scope = root ? `checked tree: ${root} (${tree.why})${notScanned}` : tree.why;
  for (const name of CHECK_NAMES) {
    const list = findings[name];
    const failing = list.filter((f) => !f.baselined && (opts.fail_on === 'any' || f.severity === 'critical'));
    report.checks.push({
      name,
      ok: failing.length === 0,
      detail: detailFor(name, list, failing, report, view.exists, root),
      findings: list,
    });
  }
  report.ok = report.checks.every((c) => c.ok);
  report.ms = Math.round(performance.now() - started);
  return report;
}

function detailFor(
  name: CheckName,
  all: Finding[],
  failing: Finding[],
  r: DoctorReport,
  stateRootExists: boolean,
  root: string | null,
): string {
  const accepted = all.filter((f) => f.baselined).length;
  const tail = `${accepted ? `, ${accepted} accepted in the baseline` : ''}`;
  const bad = (what: string) => `${failing.length} ${what}${tail}`;
  switch (name) {
    case 'state_root_outside_repo':
      return failing.length
        ? failing.map((f) => f.preview).join('; ')
        : `state root ${r.state_root} is outside every repository and the workspace${stateRootExists ? '' : ' (not created yet)'}`;
    case 'context_vault_outside_repo':
      return failing.length
        ? bad('vault problem(s)')
        : r.contexts
          ? `${r.contexts} context(s); every vault file is outside the repository, private and not shared`
          : 'no contexts under the state root; vault values come from inputs or the environment only';
    case 'repo_private_state_artifacts':
      if (!root) return 'no repository to check';
      return failing.length
        ? bad('private state file(s) in the tree')
        : `no private state files among ${r.files} files${tail}`;
    case 'repo_plaintext_secret_exposure': {
      if (!root) return 'no repository to check';
      const s = r.skipped;
      const skipped = s.binary + s.oversized + s.symlink + s.unreadable;
      const scope = `${r.files} files scanned${skipped ? ` (${s.binary} binary, ${s.oversized} oversized, ${s.symlink} symlinks, ${s.unreadable} unreadable skipped)` : ''}, ${r.registered} registered secret(s)`;
      return failing.length ? `${bad('plaintext secret(s)')}; ${scope}` : `no plaintext secrets; ${scope}${tail}`;
    }
    case 'cross_context_contamination':
      return failing.length
        ? bad('shared target(s), vault(s) or event(s)')
        : r.contexts > 1
          ? `${r.contexts} contexts share no target, vault, state or event`
          : `${r.contexts} context(s): nothing to share`;
  }
}

/** The envelope's fields: the report, with at most ACTION_MAX_FINDINGS findings per check in an action. */
function outcomeFields(rt: Runtime, report: DoctorReport, open: number, baselined: number): Record<string, unknown> {
  return {
    ok: report.ok,
    // the action's `result` output is size-limited (SARIF and the summary carry the rest); the CLI's --json has every finding
    checks: report.checks.map((c) =>
      rt.inAction && c.findings.length > ACTION_MAX_FINDINGS
        ? {
            ...c,
            findings: c.findings.slice(0, ACTION_MAX_FINDINGS),
            truncated: c.findings.length - ACTION_MAX_FINDINGS,
          }
        : c,
    ),
    findings: open,
    baselined,
    failed_checks: report.checks
      .filter((c) => !c.ok)
      .map((c) => c.name)
      .join(','),
    root: report.root,
    scope: report.scope,
    listing: report.listing,
    files: report.files,
    bytes: report.bytes,
    skipped: report.skipped,
    state_root: report.state_root,
    contexts: report.contexts,
    registered: report.registered,
    baseline: report.baseline,
    ms: report.ms,
  };
}

/** The status line's fields after `status`. */
function statusFields(
  report: DoctorReport,
  open: number,
  baselined: number,
): Array<readonly [string, string | number]> {
  const failed = report.checks.filter((c) => !c.ok).length;
  const s = report.skipped;
  const skipped = s.binary + s.oversized + s.symlink + s.unreadable;
  return [
    ...(report.ok ? [] : ([['reason', 'findings']] as const)),
    ['checks', report.checks.length],
    ...(failed ? ([['failed', failed]] as const) : []),
    ['findings', open],
    ...(baselined ? ([['baselined', baselined]] as const) : []),
    ['files', report.files],
    ...(skipped ? ([['skipped', skipped]] as const) : []),
  ];
}

/** The report as an Outcome: status line, per-check lines, annotations (Actions), JSON envelope, summary. */
export function doctorOutcome(
  rt: Runtime,
  report: DoctorReport,
  opts: { sarifFile?: string | undefined; context?: string | null } = {},
): Outcome {
  const open = openFindings(report).length;
  const baselined = allFindings(report).length - open;
  const extra: string[] = [];
  if (rt.inAction || rt.env.GITHUB_ACTIONS === 'true') {
    const prefix = report.root && rt.workspace ? posixRel(resolve(rt.workspace), report.root) : '';
    extra.push(...annotations(report, { prefix: prefix && !prefix.startsWith('..') ? `${prefix}/` : '' }));
  }
  for (const c of report.checks)
    if (!c.ok)
      extra.push(`doctor_check status=fail check=${c.name} findings=${c.findings.filter((f) => !f.baselined).length}`);
  const fields = outcomeFields(rt, report, open, baselined);
  if (opts.sarifFile) fields.sarif_file = opts.sarifFile;
  return outcome(rt.redactor, {
    command: 'doctor',
    context: opts.context ?? null,
    status: report.ok ? 'ok' : 'fail',
    line: statusFields(report, open, baselined),
    extraLines: extra,
    exitCode: report.ok ? EXIT_OK : EXIT_ERROR,
    fields,
    summary: summaryMarkdown(report),
    text: humanText(report),
  });
}

export async function runDoctorOperation(
  rt: Runtime,
  common: CommonInputs,
  settings: DoctorSettings,
): Promise<Outcome> {
  const report = await runDoctor(rt, common, { ...settings, tree: 'required' });
  let sarifFile: string | undefined;
  if (settings.sarif_file) {
    sarifFile = resolve(rt.cwd, settings.sarif_file);
    // redacted before toSarif rewrites the text (safeText escapes line breaks, shortens armor
    // dashes: a secret in it would no longer match) and after (issue #18: redact, then transform)
    const text =
      JSON.stringify(
        rt.redactor.redactDeep(toSarif(rt.redactor.redactDeep(report), { srcRoot: report.root })),
        null,
        2,
      ) + '\n';
    try {
      // eslint-disable-next-line no-control-regex -- a control character in a path would forge log lines
      if (/[\u0000-\u001f\u007f]/.test(sarifFile))
        throw Object.assign(new Error('control character'), { code: 'a control character in the path' });
      mkdirSync(dirname(sarifFile), { recursive: true });
      writeFileSync(sarifFile, text);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new PaasError(
        'PAAS_INVALID_ARGUMENT',
        `sarif_file ${JSON.stringify(sarifFile)} cannot be written (${code})`,
        {
          stage: 'sarif',
          remediation:
            'Pass a writable file path as sarif_file / --sarif-file (e.g. ${{ runner.temp }}/doctor.sarif in Actions); its directory is created when missing.',
        },
      );
    }
  }
  if (report.baseline.updated)
    rt.logger.info(`doctor: baseline ${report.baseline.path} now accepts ${report.baseline.entries} finding(s)`);
  return doctorOutcome(rt, report, { sarifFile, context: common.context ?? null });
}

/**
 * The preflight of deploy, rollback and secret-changing commands: the same checks, on the
 * workspace or the git work tree of the working directory when there is one. Critical findings
 * not accepted in the baseline raise PAAS_DOCTOR_BLOCKED; the others are logged as warnings.
 * With the explicit unsafe state-root override, a state root inside the repository is logged
 * loudly instead of blocking (doctor itself still fails on it).
 */
export async function preflight(
  rt: Runtime,
  common: CommonInputs,
  opts: Partial<DoctorSettings> = {},
): Promise<DoctorReport> {
  const settings = doctorInputs.parse({ ...opts, fail_on: 'critical' });
  const report = await runDoctor(rt, common, { ...settings, update_baseline: false, tree: 'auto' });
  const open = openFindings(report);
  const blocking = open.filter(
    (f) => f.severity === 'critical' && !(common.allow_unsafe_state_root && f.kind === 'state_root_inside_repo'),
  );
  for (const f of open.filter((x) => !blocking.includes(x))) {
    rt.logger.warn(
      `doctor preflight: ${f.check}: ${f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : ''}${f.kind} ${f.preview}`,
    );
  }
  if (blocking.length) {
    const first = blocking
      .slice(0, 3)
      .map((f) => `${f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : ''}${f.kind}`);
    throw new PaasError(
      'PAAS_DOCTOR_BLOCKED',
      `doctor found ${blocking.length} critical problem(s): ${first.join('; ')}${blocking.length > 3 ? '; ...' : ''}`,
      {
        stage: 'doctor',
        remediation:
          'Run `paas doctor` for the full report; remove and rotate exposed secrets, move private state out of the repository, or accept a false positive with `paas doctor --update-baseline`.',
      },
    );
  }
  return report;
}
