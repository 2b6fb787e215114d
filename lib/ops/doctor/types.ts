/** The shapes doctor reports. No field ever holds a secret value: only previews and fingerprints. */

export const CHECK_NAMES = [
  'state_root_outside_repo',
  'context_vault_outside_repo',
  'repo_private_state_artifacts',
  'repo_plaintext_secret_exposure',
  'cross_context_contamination',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/**
 * critical: blocks deploy, rollback and secret-changing commands (preflight) and fails doctor.
 * high: fails doctor (the pull-request check) but does not block a deploy on its own.
 */
export type Severity = 'critical' | 'high';

export interface Finding {
  check: CheckName;
  /** what was found, e.g. github_token, private_key, state_db, vault_file_mode */
  kind: string;
  severity: Severity;
  /** path relative to the scanned root (posix separators) when the finding is in a file */
  file?: string;
  line?: number;
  column?: number;
  /** human text without any secret: key names, masked prefixes, `***` */
  preview: string;
  /** id of the finding across runs (SARIF partialFingerprints), from public data only: never derived from the value */
  fingerprint: string;
  /** accepted in the baseline file: reported, but does not fail the check */
  baselined?: boolean;
}

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  detail: string;
  findings: Finding[];
}

export interface SkippedCounts {
  binary: number;
  oversized: number;
  symlink: number;
  unreadable: number;
  missing: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
  /** the directory whose files were checked (absolute), or null when no tree was checked */
  root: string | null;
  /** how the file list was built */
  listing: 'git' | 'walk' | 'none';
  files: number;
  bytes: number;
  skipped: SkippedCounts;
  state_root: string;
  contexts: number;
  /** registered secret values (vault, env) looked for in every derived form */
  registered: number;
  /** format: 2 (salted scrypt fingerprints), 1 (legacy, read only), null (no baseline file) */
  baseline: { path: string | null; entries: number; matched: number; updated: boolean; format: 1 | 2 | null };
  /** what was checked and why (the tree's root and how it was chosen), for people */
  scope?: string;
  ms: number;
}
