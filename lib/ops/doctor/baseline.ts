/**
 * The baseline: a committed JSON file of accepted findings. It never holds a value, and its
 * fingerprints do not make guessing cheap: each is scrypt with a random salt stored in the file
 * (fingerprint.ts, docs/doctor.md#baseline). Registered secrets (vault and environment values)
 * cannot be accepted.
 *
 * Format 1 (unsalted SHA-256 fingerprints) is still read, so existing baselines keep working,
 * with a warning to rewrite it; it is never written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { PaasError } from '../../output/errors.js';
import {
  MAX_KDF_MEMORY,
  MIN_KDF_N,
  baselineFingerprint,
  legacyFingerprint,
  newKdf,
  type KdfParams,
} from './fingerprint.js';
import { CHECK_NAMES, type Finding } from './types.js';

const BASELINE_FORMAT = 'paas-doctor-baseline/2';
const LEGACY_BASELINE_FORMAT = 'paas-doctor-baseline/1';

const entrySchema = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
    check: z.enum(CHECK_NAMES),
    kind: z.string().regex(/^[a-z0-9_]{1,64}$/),
    file: z.string().max(4096).optional(),
  })
  .strict();

const kdfSchema = z
  .object({
    name: z.literal('scrypt'),
    salt: z.string().regex(/^[A-Za-z0-9+/]{22}==$/, { error: 'salt must be 16 bytes in base64' }),
    N: z
      .number()
      .int()
      .min(MIN_KDF_N)
      .refine((n) => (n & (n - 1)) === 0, { error: 'N must be a power of two' }),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(4),
  })
  .strict()
  .refine((k) => 128 * k.N * k.r <= MAX_KDF_MEMORY, {
    error: `scrypt memory (128*N*r) must stay under ${MAX_KDF_MEMORY} bytes`,
  });

const baselineSchema = z
  .object({
    format: z.literal(BASELINE_FORMAT),
    note: z.string().max(1000).optional(),
    kdf: kdfSchema,
    findings: z.array(entrySchema).max(100_000),
  })
  .strict();
type Baseline = z.infer<typeof baselineSchema>;

const legacySchema = z
  .object({
    format: z.literal(LEGACY_BASELINE_FORMAT),
    note: z.string().max(1000).optional(),
    findings: z.array(entrySchema).max(100_000),
  })
  .strict();

/** A tree finding with what identifies it (the secret, or the path of an artifact): never printed. */
export interface BaselineCandidate {
  finding: Finding;
  identity: string;
}

/** Findings that a baseline may accept: those about the tree's content, never a registered secret. */
export function baselineable(f: Finding): boolean {
  return (
    (f.check === 'repo_plaintext_secret_exposure' || f.check === 'repo_private_state_artifacts') &&
    f.kind !== 'registered_secret'
  );
}

const REGENERATE =
  'Regenerate it with `paas doctor --update-baseline` (action input update_baseline: true), review the diff and commit it.';

function readDoc(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} cannot be read (${code})`, {
      stage: 'baseline',
      remediation: `Make ${path} a readable file, or pass another path with --baseline.`,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} is not valid JSON`, {
      stage: 'baseline',
      remediation: `${REGENERATE} Or fix the file.`,
    });
  }
}

type Parsed =
  { format: 1; findings: Baseline['findings'] } | { format: 2; kdf: KdfParams; findings: Baseline['findings'] };

function parse(path: string, raw: unknown): Parsed {
  const format = (raw as { format?: unknown } | null)?.format;
  if (format === LEGACY_BASELINE_FORMAT) {
    const r = legacySchema.safeParse(raw);
    if (r.success) return { format: 1, findings: r.data.findings };
  }
  const r = baselineSchema.safeParse(raw);
  if (r.success) return { format: 2, kdf: r.data.kdf, findings: r.data.findings };
  const issue = format === LEGACY_BASELINE_FORMAT ? undefined : r.error.issues[0];
  const where = issue?.path.join('.') ?? '';
  throw new PaasError(
    'PAAS_INVALID_ARGUMENT',
    `doctor baseline ${path} does not match format ${BASELINE_FORMAT}${where ? ` (at ${where}: ${issue?.message ?? ''})` : ''}`,
    {
      stage: 'baseline',
      remediation: `A baseline holds only a format, a scrypt salt and parameters, and fingerprints with their checks, kinds and files. ${REGENERATE}`,
    },
  );
}

const key = (check: string, kind: string, file: string | undefined) => `${check}\0${kind}\0${file ?? ''}`;

interface BaselineResult {
  entries: number;
  matched: number;
  format: 1 | 2 | null;
}

/** Marks the candidates the baseline at `path` accepts (`baselined: true`). A missing file accepts nothing. */
export async function applyBaseline(path: string, candidates: readonly BaselineCandidate[]): Promise<BaselineResult> {
  if (!existsSync(path)) return { entries: 0, matched: 0, format: null };
  const b = parse(path, readDoc(path));
  const fingerprints = new Set(b.findings.map((e) => e.fingerprint));
  // only findings in a (check, kind, file) that the baseline lists cost a KDF computation
  const listed = new Set(b.findings.map((e) => key(e.check, e.kind, e.file)));
  const todo = candidates.filter(
    (c) => baselineable(c.finding) && listed.has(key(c.finding.check, c.finding.kind, c.finding.file)),
  );
  await Promise.all(
    todo.map(async (c) => {
      const f = c.finding;
      const fp =
        b.format === 1
          ? legacyFingerprint(f.check, f.kind, f.file ?? '', c.identity)
          : await baselineFingerprint(b.kdf, f.check, f.kind, f.file ?? '', c.identity);
      if (fingerprints.has(fp)) f.baselined = true;
    }),
  );
  return {
    entries: b.findings.length,
    matched: candidates.filter((c) => c.finding.baselined).length,
    format: b.format,
  };
}

/** Rewrites the baseline with every baselineable candidate (keeping the salt of a format-2 file). */
export async function writeBaseline(path: string, candidates: readonly BaselineCandidate[]): Promise<number> {
  let kdf: KdfParams | null = null;
  if (existsSync(path)) {
    try {
      const b = parse(path, readDoc(path));
      if (b.format === 2) kdf = b.kdf;
    } catch {
      /* an unreadable or malformed baseline is replaced */
    }
  }
  kdf ??= newKdf();
  const seen = new Set<string>();
  const unique = candidates
    .filter((c) => baselineable(c.finding))
    .filter((c) => {
      const k = `${key(c.finding.check, c.finding.kind, c.finding.file)}\0${c.identity}`;
      return !seen.has(k) && seen.add(k);
    });
  const used = kdf;
  const entries = (
    await Promise.all(
      unique.map(async ({ finding: f, identity }) => {
        const fingerprint = await baselineFingerprint(used, f.check, f.kind, f.file ?? '', identity);
        return f.file
          ? { fingerprint, check: f.check, kind: f.kind, file: f.file }
          : { fingerprint, check: f.check, kind: f.kind };
      }),
    )
  ).sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      a.kind.localeCompare(b.kind) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
  const doc: Baseline = {
    format: BASELINE_FORMAT,
    note: 'Accepted paas doctor findings. Fingerprints are scrypt (salt and cost below) of each finding; never a value, and no cheap hash of one. Regenerate with: paas doctor --update-baseline',
    kdf,
    findings: entries,
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new PaasError('PAAS_INVALID_ARGUMENT', `doctor baseline ${path} cannot be written (${code})`, {
      stage: 'baseline',
      remediation: 'Pass a writable path with --baseline (input baseline), relative to the checked tree.',
    });
  }
  return entries.length;
}
