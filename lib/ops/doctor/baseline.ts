/**
 * The baseline: a committed JSON file of accepted findings, identified by fingerprint (a hash).
 * It never holds a value. Registered secrets (vault and environment values) cannot be accepted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { PaasError } from '../../output/errors.js';
import { CHECK_NAMES, type Finding } from './types.js';

export const BASELINE_FORMAT = 'paas-doctor-baseline/1';

const entrySchema = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
    check: z.enum(CHECK_NAMES),
    kind: z.string().regex(/^[a-z0-9_]{1,64}$/),
    file: z.string().max(4096).optional(),
  })
  .strict();

export const baselineSchema = z
  .object({
    format: z.literal(BASELINE_FORMAT),
    note: z.string().max(1000).optional(),
    findings: z.array(entrySchema).max(100_000),
  })
  .strict();
export type Baseline = z.infer<typeof baselineSchema>;

/** Findings that a baseline may accept: those about the tree's content, never a registered secret. */
export function baselineable(f: Finding): boolean {
  return (f.check === 'repo_plaintext_secret_exposure' || f.check === 'repo_private_state_artifacts') && f.kind !== 'registered_secret';
}

export function readBaseline(path: string): Set<string> {
  if (!existsSync(path)) return new Set();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} is not valid JSON`, { stage: 'baseline', remediation: 'Regenerate it with `paas doctor --update-baseline` or fix the file.' });
  }
  const r = baselineSchema.safeParse(raw);
  if (!r.success) {
    const where = r.error.issues[0]?.path.join('.') ?? '';
    throw new PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} does not match format ${BASELINE_FORMAT}${where ? ` (at ${where})` : ''}`, {
      stage: 'baseline',
      remediation: 'A baseline holds only fingerprints, checks, kinds and files; regenerate it with `paas doctor --update-baseline`.',
    });
  }
  return new Set(r.data.findings.map((e) => e.fingerprint));
}

export function writeBaseline(path: string, findings: readonly Finding[]): number {
  const seen = new Set<string>();
  const entries = findings
    .filter(baselineable)
    .filter((f) => !seen.has(f.fingerprint) && seen.add(f.fingerprint))
    .map((f) => (f.file ? { fingerprint: f.fingerprint, check: f.check, kind: f.kind, file: f.file } : { fingerprint: f.fingerprint, check: f.check, kind: f.kind }))
    .sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.kind.localeCompare(b.kind) || a.fingerprint.localeCompare(b.fingerprint));
  const doc: Baseline = {
    format: BASELINE_FORMAT,
    note: 'Accepted paas doctor findings, by fingerprint (a hash; never the value). Regenerate with: paas doctor --update-baseline',
    findings: entries,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
  return entries.length;
}
