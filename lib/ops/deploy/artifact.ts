import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import * as tar from 'tar';
import { PaasError } from '../../output/errors.js';
import { Redactor } from '../../redaction/redactor.js';

export interface CheckedArtifact {
  /** the tarball that is uploaded (the input, or one made from a release directory) */
  file: string;
  sha256: string;
  bytes: number;
  cleanup: () => Promise<void>;
}

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** Why an entry would escape `releases/<id>`, or null. Pure; unit-tested. */
export function entryEscape(type: string, path: string, linkpath?: string): string | null {
  if (!ALLOWED.has(type)) return `entry type ${type} is not allowed`;
  if (path.includes('\0') || linkpath?.includes('\0')) return 'entry name contains NUL';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return 'absolute entry path';
  if (path.split('/').includes('..')) return 'entry path contains ..';
  if (type === 'SymbolicLink') {
    const lp = linkpath ?? '';
    if (lp.startsWith('/')) return 'symlink to an absolute path';
    const resolved = posix.normalize(posix.join(posix.dirname(path), lp));
    if (resolved === '..' || resolved.startsWith('../')) return 'symlink pointing outside the release';
  }
  if (type === 'Link') {
    const lp = linkpath ?? '';
    if (lp.startsWith('/') || lp.split('/').includes('..')) return 'hard link pointing outside the release';
  }
  return null;
}

/**
 * The archive as tar will lay it out: every entry is judged against the entries seen before it AND
 * after it (tar follows a symlink it already created when a later entry's path goes through it, and
 * a link's target is resolved on the target only when something follows it). Refuses an entry whose
 * path goes through a symlink of the archive, and a symlink or hard link that, resolved through the
 * archive's own links (chains like `a -> .`, `a/b -> ..`, `p -> a/b/../x`), ends outside the release.
 * Returns why, naming the entry, or null. Pure; unit-tested.
 */
export function treeEscape(
  entries: ReadonlyArray<{ type: string; path: string; linkpath?: string | undefined }>,
): { path: string; why: string } | null {
  const norm = (p: string) => p.split('/').filter((s) => s && s !== '.');
  const links = new Map<string, string>();
  for (const e of entries) if (e.type === 'SymbolicLink') links.set(norm(e.path).join('/'), e.linkpath ?? '');
  /** resolves `parts` (relative to the release root) through the archive's symlinks; null when it climbs out */
  const resolve = (start: string[], rel: string, depth: number): string[] | null => {
    if (depth > 40 || rel.startsWith('/')) return null;
    let cur = [...start];
    for (const seg of rel.split('/')) {
      if (!seg || seg === '.') continue;
      if (seg === '..') {
        if (!cur.length) return null;
        cur.pop();
        continue;
      }
      cur.push(seg);
      const target = links.get(cur.join('/'));
      if (target !== undefined) {
        const r = resolve(cur.slice(0, -1), target, depth + 1);
        if (!r) return null;
        cur = r;
      }
    }
    return cur;
  };
  for (const e of entries) {
    const parts = norm(e.path);
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/')))
        return { path: e.path, why: `entry path goes through the archive's symlink ${parts.slice(0, i).join('/')}` };
    }
    if (e.type === 'SymbolicLink' && !resolve([], [...parts.slice(0, -1), e.linkpath ?? ''].join('/'), 0))
      return { path: e.path, why: 'symlink that resolves outside the release (through a chain of links)' };
    if (e.type === 'Link' && !resolve([], e.linkpath ?? '', 0))
      return { path: e.path, why: 'hard link that resolves outside the release (through a symlink)' };
  }
  return null;
}

/** An entry name quoted in an error: redacted first, then cut (a name can carry anything, a secret too). */
const SHOWN_NAME_MAX = 200;

function refused(name: string, why: string, redactor: Pick<Redactor, 'clip'>): PaasError {
  const shown = redactor.clip(name, SHOWN_NAME_MAX).replace(/[^\x20-\x7e\u2026]/g, '?');
  return new PaasError('PAAS_INVALID_ARGUMENT', `the artifact is refused: ${why} (${JSON.stringify(shown)})`, {
    stage: 'artifact',
    remediation:
      'Build the tarball from inside the release directory (tar -czf app.tar.gz -C build .) ' +
      'with relative paths only and links that stay inside it; nothing was uploaded.',
  });
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Checks every entry of a .tar.gz before anything is uploaded: no absolute paths, no `..`, no
 * symlink or hard link leaving the release, no devices or FIFOs. A directory is packed first.
 */
export async function prepareArtifact(
  path: string,
  redactor: Pick<Redactor, 'clip'> = new Redactor(),
): Promise<CheckedArtifact> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new PaasError('PAAS_INVALID_ARGUMENT', `artifact not found: ${path}`, {
      stage: 'artifact',
      remediation:
        'Build the release before this step, and pass its path (relative to the workspace) ' +
        'as `artifact` or apps.<app>.artifact in paas.yml.',
    });
  }
  let file = path;
  let cleanup = async () => {};
  if (st.isDirectory()) {
    const dir = await mkdtemp(join(tmpdir(), 'paas-artifact-'));
    file = join(dir, 'release.tar.gz');
    await tar.create({ gzip: true, file, cwd: path, portable: true, follow: false }, ['.']);
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  let entries = 0;
  let problem: PaasError | null = null;
  const seen: Array<{ type: string; path: string; linkpath?: string | undefined }> = [];
  try {
    await tar.list({
      file,
      strict: true,
      onReadEntry: (e) => {
        entries++;
        const why = entryEscape(e.type, e.path, e.linkpath);
        if (why && !problem) problem = refused(e.path, why, redactor);
        if (!why && seen.length < 2_000_000) seen.push({ type: e.type, path: e.path, linkpath: e.linkpath });
      },
    });
  } catch (e) {
    await cleanup();
    if (e instanceof PaasError) throw e;
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'the artifact is not a readable .tar.gz', {
      stage: 'artifact',
      remediation: 'Pass a gzip-compressed tarball or a release directory.',
    });
  }
  const chain = problem ? null : treeEscape(seen);
  if (chain) problem = refused(chain.path, chain.why, redactor);
  if (problem) {
    await cleanup();
    throw problem;
  }
  if (entries === 0) {
    await cleanup();
    throw new PaasError('PAAS_INVALID_ARGUMENT', 'the artifact is empty', {
      stage: 'artifact',
      remediation: 'Check the build step that produces the artifact.',
    });
  }
  return { file, sha256: await sha256File(file), bytes: statSync(file).size, cleanup };
}
